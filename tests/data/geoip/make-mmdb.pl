#!/usr/bin/perl
# SPDX-License-Identifier: BSD-3-Clause
# make-mmdb.pl: write the small MaxMind DB files tests/unit/test-geoip.c reads.
#
# Usage: make-mmdb.pl OUTDIR   (needs MaxMind::DB::Writer, Debian libmaxmind-db-writer-perl)
#
# The networks are invented for the tests: public-looking ranges (the writer refuses reserved
# and documentation networks) with made-up owners; they say nothing about the real internet.
# The build epoch is fixed (2024-05-01) so ots_geoip_describe is stable. Files:
#   country.mmdb        GeoLite2-Country schema: country / registered_country {iso_code}
#   city.mmdb           GeoLite2-City schema: same plus city, location
#   asn.mmdb            GeoLite2-ASN schema: autonomous_system_number (uint32) + organization
#   geo-whois-asn-country.mmdb   ip-location-db schema: top-level country_code
#   asn-text-ipv4.mmdb  IPv4-only ip-location-db-style ASN db, number stored as text
#   probe-only.mmdb     an unknown database type: fields found by reading records
#   anonymous-ip.mmdb   a schema with none of our fields (open must refuse it)
use strict;
use warnings;

use MaxMind::DB::Writer::Tree;

my $dir = shift @ARGV or die "usage: $0 OUTDIR\n";
-d $dir or die "$0: $dir: not a directory\n";

my $EPOCH = 1714521600; # 2024-05-01T00:00:00Z

my %TYPES = (
	country                        => 'map',
	registered_country             => 'map',
	city                           => 'map',
	names                          => 'map',
	location                       => 'map',
	iso_code                       => 'utf8_string',
	geoname_id                     => 'uint32',
	en                             => 'utf8_string',
	latitude                       => 'double',
	longitude                      => 'double',
	country_code                   => 'utf8_string',
	autonomous_system_number       => 'uint32',
	autonomous_system_organization => 'utf8_string',
	is_anonymous                   => 'boolean',
);

sub write_db {
	my ($file, $type, $ip_version, $types, $nets) = @_;
	my $tree = MaxMind::DB::Writer::Tree->new(
		ip_version            => $ip_version,
		record_size           => 24,
		database_type         => $type,
		languages             => ['en'],
		description           => { en => "otsensor test data ($type)" },
		map_key_type_callback => sub { $types->{ $_[0] } // die "no type for key $_[0]\n" },
		alias_ipv6_to_ipv4    => ($ip_version == 6 ? 1 : 0),
		_build_epoch          => $EPOCH,
	);
	# sorted for a stable insertion order
	for my $net (sort keys %$nets) {
		$tree->insert_network($net, $nets->{$net});
	}
	open my $fh, '>:raw', "$dir/$file" or die "$dir/$file: $!\n";
	$tree->write_tree($fh);
	close $fh or die "$dir/$file: $!\n";
	print "wrote $dir/$file\n";
}

sub cc { return { iso_code => $_[0] } }

write_db('country.mmdb', 'GeoLite2-Country', 6, \%TYPES, {
	'81.2.69.0/24'      => { country => cc('GB'), registered_country => cc('GB') },
	'216.160.83.56/29'  => { country => cc('US'), registered_country => cc('US') },
	# only the registered country is known (the lookup falls back to it)
	'89.160.20.112/28'  => { registered_country => cc('SE') },
	# a bad iso_code (counted) before a good registered country
	'67.43.156.0/24'    => { country => cc('XYZ'), registered_country => cc('BT') },
	# lower case is accepted and upper-cased
	'202.196.224.0/20'  => { country => cc('ph') },
	'2001:218::/32'     => { country => cc('JP'), registered_country => cc('JP') },
	'2a02:cf40::/29'    => { country => cc('NO') },
});

write_db('city.mmdb', 'GeoLite2-City', 6, \%TYPES, {
	'2.125.160.216/29' => {
		city     => { geoname_id => 2655045, names => { en => 'Boxford' } },
		country  => { geoname_id => 2635167, iso_code => 'GB', names => { en => 'United Kingdom' } },
		location => { latitude => 51.75, longitude => -1.25 },
		registered_country => cc('FR'),
	},
	'175.16.199.0/24' => {
		city    => { names => { en => 'Changchun' } },
		country => { iso_code => 'CN' },
	},
	'2a02:d300::/29' => { country => cc('UA') },
});

# 94 bytes of ASCII then a 2-byte character across the 95-byte limit of struct ots_geo: the copy
# must stop before the character (94 bytes + NUL).
my $long_org = substr('Long Name Networks ' x 5, 0, 94) . "\x{e9}t\x{e9}";
write_db('asn.mmdb', 'GeoLite2-ASN', 6, \%TYPES, {
	'81.2.69.0/24'     => { autonomous_system_number => 15169, autonomous_system_organization => 'Example Org' },
	'1.128.0.0/11'     => { autonomous_system_number => 1221, autonomous_system_organization => "Ex\x{e4}mple Telco \x{2603}" },
	'12.81.92.0/22'    => { autonomous_system_number => 7018, autonomous_system_organization => $long_org },
	# a number without an organization
	'149.101.100.0/28' => { autonomous_system_number => 6167 },
	'2001:218::/32'    => { autonomous_system_number => 2914, autonomous_system_organization => 'Example Transit' },
	# a 32-bit ASN above 65535
	'2600:7000::/24'   => { autonomous_system_number => 4200000001, autonomous_system_organization => 'Example Private 32' },
});

write_db('geo-whois-asn-country.mmdb', 'country ipvAll', 6, \%TYPES, {
	# also in country.mmdb as GB: the first database given wins
	'81.2.69.0/24'     => { country_code => 'FR' },
	'8.8.8.0/24'       => { country_code => 'US' },
	'1.0.0.0/24'       => { country_code => 'AU' },
	'41.0.0.0/11'      => { country_code => 'ZA' },
	'2001:4860::/32'   => { country_code => 'US' },
	# no country in country.mmdb for this one, an ASN in asn.mmdb
	'12.81.92.0/22'    => { country_code => 'US' },
	# not a country code (counted as bad)
	'5.5.5.0/24'       => { country_code => 'Europe' },
});

write_db('asn-text-ipv4.mmdb', 'asn ipv4', 4,
	{ %TYPES, autonomous_system_number => 'utf8_string' }, {
	'8.8.8.0/24'  => { autonomous_system_number => '15169', autonomous_system_organization => 'Example Search' },
	'1.0.0.0/24'  => { autonomous_system_number => 'AS13335', autonomous_system_organization => 'Example CDN' },
	'5.5.5.0/24'  => { autonomous_system_number => 'many', autonomous_system_organization => 'Bad Number Org' },
});

# registered_country is a string here, not a map: a bad record shape, counted
write_db('probe-only.mmdb', 'otsensor-test', 6, { %TYPES, registered_country => 'utf8_string' }, {
	'185.12.64.0/22' => { country => cc('DK'), autonomous_system_number => 64512 + 1000 },
	'185.12.68.0/22' => { registered_country => 'SE' },
	'2a00:1450::/32' => { country => cc('IE') },
});

write_db('anonymous-ip.mmdb', 'GeoIP2-Anonymous-IP', 6, \%TYPES, {
	'81.2.69.0/24' => { is_anonymous => 1 },
});
