/* SPDX-License-Identifier: BSD-3-Clause */
/* test-geoip.c: GeoIP/ASN lookups on every schema, merging, open errors, public address test.
 * Databases: the .mmdb files in tests/data/geoip (written by tests/data/geoip/make-mmdb.pl); the directory
 * is $OTS_GEOIP_TEST_DIR, else $top_srcdir/tests/data/geoip, else the build-time source dir. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/error.h"
#include "ots/geoip.h"

static char data_dir[1024];

static void
find_data_dir(void)
{
	const char *d = getenv("OTS_GEOIP_TEST_DIR");
	const char *top = getenv("top_srcdir");

	if (d != NULL && d[0] != '\0')
		snprintf(data_dir, sizeof(data_dir), "%s", d);
	else if (top != NULL && top[0] != '\0')
		snprintf(data_dir, sizeof(data_dir), "%s/tests/data/geoip", top);
	else
		snprintf(data_dir, sizeof(data_dir), "%s", OTS_TEST_GEOIP_DIR);
}

static const char *
db_path(const char *name)
{
	static char paths[8][1200];
	static unsigned next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", data_dir, name);
	return p;
}

/* Open the named databases in order; fails the test on error. */
static struct ots_geoip *
open_dbs(const char *a, const char *b, const char *c, const char *d)
{
	const char *names[4] = { a, b, c, d };
	const char *paths[4];
	struct ots_geoip *g = NULL;
	char err[512] = "";
	size_t n = 0;
	int rc;

	while (n < 4 && names[n] != NULL) {
		paths[n] = db_path(names[n]);
		n++;
	}
	rc = ots_geoip_open(&g, paths, n, err, sizeof(err));
	if (rc != OTS_OK)
		print_error("open: %s\n", err);
	assert_int_equal(rc, OTS_OK);
	assert_non_null(g);
	return g;
}

/* Look up a textual address; returns ots_geoip_lookup's result. */
static int
look(const struct ots_geoip *g, const char *ip, struct ots_geo *o)
{
	uint8_t a[16];

	if (strchr(ip, ':') != NULL) {
		assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
		return ots_geoip_lookup(g, a, 6, o);
	}
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	return ots_geoip_lookup(g, a, 4, o);
}

static void
expect_geo(const struct ots_geoip *g, const char *ip, const char *cc, uint32_t asn,
           const char *org)
{
	struct ots_geo o;
	int found = cc[0] != '\0' || asn != 0 || org[0] != '\0';

	memset(&o, 0x5a, sizeof(o));
	if (look(g, ip, &o) != found)
		print_error("lookup %s: wrong result\n", ip);
	assert_int_equal(look(g, ip, &o), found);
	assert_string_equal(o.country, cc);
	assert_int_equal(o.asn, asn);
	assert_string_equal(o.as_org, org);
}

static struct ots_geoip_stats
stats_of(const struct ots_geoip *g)
{
	struct ots_geoip_stats s;

	ots_geoip_stats(g, &s);
	return s;
}

static void
test_country_schema(void **state)
{
	struct ots_geoip *g = open_dbs("country.mmdb", NULL, NULL, NULL);
	struct ots_geoip_stats s;

	(void)state;
	expect_geo(g, "81.2.69.5", "GB", 0, "");
	expect_geo(g, "81.2.69.255", "GB", 0, "");
	expect_geo(g, "81.2.70.0", "", 0, "");           /* just outside the /24 */
	expect_geo(g, "216.160.83.60", "US", 0, "");
	expect_geo(g, "216.160.83.64", "", 0, "");        /* just outside the /29 */
	expect_geo(g, "89.160.20.115", "SE", 0, "");      /* registered_country fallback */
	expect_geo(g, "202.196.230.1", "PH", 0, "");      /* "ph" upper-cased */
	expect_geo(g, "2001:218::1", "JP", 0, "");
	expect_geo(g, "2001:218:ffff:ffff:ffff:ffff:ffff:ffff", "JP", 0, "");
	expect_geo(g, "2001:219::1", "", 0, "");
	expect_geo(g, "2a02:cf47:1::1", "NO", 0, "");
	expect_geo(g, "::ffff:81.2.69.1", "GB", 0, "");  /* mapped: looked up as IPv4 */
	expect_geo(g, "2002:5102:4501::1", "GB", 0, ""); /* 6to4 of 81.2.69.1 */
	expect_geo(g, "64:ff9b::5102:4501", "GB", 0, ""); /* NAT64 of 81.2.69.1 */
	expect_geo(g, "8.8.8.8", "", 0, "");
	expect_geo(g, "10.1.2.3", "", 0, "");
	s = stats_of(g);
	assert_int_equal(s.bad_records, 0);
	/* "XYZ" in country.iso_code: counted, and registered_country still answers */
	expect_geo(g, "67.43.156.9", "BT", 0, "");
	s = stats_of(g);
	assert_int_equal(s.bad_records, 2); /* expect_geo looks up twice */
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.lookups, 2 * 17);
	assert_int_equal(s.found, 2 * 12);
	ots_geoip_close(g);
}

static void
test_city_schema(void **state)
{
	struct ots_geoip *g = open_dbs("city.mmdb", NULL, NULL, NULL);
	char d[256];

	(void)state;
	expect_geo(g, "2.125.160.216", "GB", 0, ""); /* country wins over registered FR */
	expect_geo(g, "2.125.160.223", "GB", 0, "");
	expect_geo(g, "2.125.160.224", "", 0, "");
	expect_geo(g, "175.16.199.42", "CN", 0, "");
	expect_geo(g, "2a02:d300::42", "UA", 0, "");
	expect_geo(g, "2a02:d2ff::42", "", 0, "");
	ots_geoip_describe(g, d, sizeof(d));
	assert_string_equal(d, "GeoLite2-City (2024-05-01)");
	ots_geoip_close(g);
}

static void
test_asn_schema(void **state)
{
	struct ots_geoip *g = open_dbs("asn.mmdb", NULL, NULL, NULL);
	char want[96];

	(void)state;
	expect_geo(g, "81.2.69.5", "", 15169, "Example Org");
	expect_geo(g, "1.159.255.255", "", 1221, "Ex\xc3\xa4mple Telco \xe2\x98\x83");
	expect_geo(g, "1.160.0.0", "", 0, "");
	expect_geo(g, "149.101.100.1", "", 6167, ""); /* number only: still found */
	expect_geo(g, "2001:218:42::1", "", 2914, "Example Transit");
	expect_geo(g, "2600:70ff::1", "", 4200000001u, "Example Private 32");
	/* 94 ASCII bytes then "é": cut before the 2-byte character, never inside it */
	snprintf(want, sizeof(want), "%.94s",
	         "Long Name Networks Long Name Networks Long Name Networks Long Name Networks "
	         "Long Name Networks ");
	assert_int_equal(strlen(want), 94);
	expect_geo(g, "12.81.95.1", "", 7018, want);
	assert_int_equal(stats_of(g).bad_records, 0);
	ots_geoip_close(g);
}

static void
test_whois_country_schema(void **state)
{
	struct ots_geoip *g = open_dbs("geo-whois-asn-country.mmdb", NULL, NULL, NULL);
	char d[256];

	(void)state;
	expect_geo(g, "8.8.8.8", "US", 0, "");
	expect_geo(g, "1.0.0.1", "AU", 0, "");
	expect_geo(g, "41.31.255.255", "ZA", 0, "");
	expect_geo(g, "41.32.0.0", "", 0, "");
	expect_geo(g, "2001:4860:4860::8888", "US", 0, "");
	expect_geo(g, "::ffff:8.8.8.4", "US", 0, "");
	expect_geo(g, "2002:0808:0808::1", "US", 0, "");
	expect_geo(g, "9.9.9.9", "", 0, "");
	assert_int_equal(stats_of(g).bad_records, 0);
	/* "Europe" is no country code: counted, lookup not found */
	expect_geo(g, "5.5.5.5", "", 0, "");
	assert_int_equal(stats_of(g).bad_records, 2);
	/* the type "country ipvAll" is not one word: described by its file name */
	ots_geoip_describe(g, d, sizeof(d));
	assert_string_equal(d, "geo-whois-asn-country (2024-05-01)");
	ots_geoip_close(g);
}

static void
test_asn_text_ipv4_only(void **state)
{
	struct ots_geoip *g = open_dbs("asn-text-ipv4.mmdb", NULL, NULL, NULL);
	struct ots_geoip_stats s;

	(void)state;
	expect_geo(g, "8.8.8.8", "", 15169, "Example Search");
	expect_geo(g, "1.0.0.200", "", 13335, "Example CDN"); /* "AS13335" */
	/* an IPv6 peer in an IPv4-only database: nothing, and not an error */
	expect_geo(g, "2001:4860:4860::8888", "", 0, "");
	/* but a mapped IPv4 address is looked up as IPv4 */
	expect_geo(g, "::ffff:8.8.8.8", "", 15169, "Example Search");
	/* "many" is not a number: counted, the organization still comes */
	expect_geo(g, "5.5.5.5", "", 0, "Bad Number Org");
	s = stats_of(g);
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.bad_records, 2);
	ots_geoip_close(g);
}

static void
test_probe_detection(void **state)
{
	struct ots_geoip *g = open_dbs("probe-only.mmdb", NULL, NULL, NULL);
	char d[256];

	(void)state;
	/* the type "otsensor-test" promises nothing: the fields were found in its records */
	expect_geo(g, "185.12.65.1", "DK", 65512, "");
	expect_geo(g, "2a00:1450:4001::1", "IE", 0, "");
	assert_int_equal(stats_of(g).bad_records, 0);
	/* "registered_country": "SE" is not a map: counted, nothing found */
	expect_geo(g, "185.12.68.1", "", 0, "");
	assert_int_equal(stats_of(g).bad_records, 2);
	ots_geoip_describe(g, d, sizeof(d));
	assert_string_equal(d, "otsensor-test (2024-05-01)");
	ots_geoip_close(g);
}

static void
test_merged(void **state)
{
	struct ots_geoip *g;
	char d[512];

	(void)state;
	g = open_dbs("country.mmdb", "asn.mmdb", "geo-whois-asn-country.mmdb", "asn-text-ipv4.mmdb");
	/* country from country.mmdb (not FR from the later whois db), AS from asn.mmdb */
	expect_geo(g, "81.2.69.5", "GB", 15169, "Example Org");
	/* country from the whois db, AS from asn.mmdb */
	expect_geo(g, "12.81.92.7", "US", 7018,
	           "Long Name Networks Long Name Networks Long Name Networks Long Name Networks "
	           "Long Name Networks");
	/* country from the whois db, AS from the IPv4 text-ASN db */
	expect_geo(g, "8.8.8.8", "US", 15169, "Example Search");
	expect_geo(g, "1.0.0.1", "AU", 13335, "Example CDN");
	expect_geo(g, "2001:218::5", "JP", 2914, "Example Transit");
	expect_geo(g, "2001:4860::1", "US", 0, "");
	expect_geo(g, "198.51.100.1", "", 0, "");
	ots_geoip_describe(g, d, sizeof(d));
	assert_string_equal(d, "GeoLite2-Country (2024-05-01), GeoLite2-ASN (2024-05-01), "
	                       "geo-whois-asn-country (2024-05-01), asn-text-ipv4 (2024-05-01)");
	/* a short buffer is cut and stays terminated */
	memset(d, 'x', sizeof(d));
	ots_geoip_describe(g, d, 20);
	assert_string_equal(d, "GeoLite2-Country (2");
	ots_geoip_describe(g, d, 1);
	assert_string_equal(d, "");
	ots_geoip_close(g);

	/* the other order: the whois db answers the country first */
	g = open_dbs("geo-whois-asn-country.mmdb", "country.mmdb", NULL, NULL);
	expect_geo(g, "81.2.69.5", "FR", 0, "");
	expect_geo(g, "216.160.83.57", "US", 0, "");
	ots_geoip_close(g);

	/* city + country: both have country, the first given wins */
	g = open_dbs("city.mmdb", "country.mmdb", "asn.mmdb", NULL);
	expect_geo(g, "2.125.160.217", "GB", 0, "");
	expect_geo(g, "2001:218::5", "JP", 2914, "Example Transit");
	ots_geoip_close(g);
}

static void
test_bad_arguments(void **state)
{
	struct ots_geoip *g = open_dbs("country.mmdb", NULL, NULL, NULL);
	struct ots_geo o;
	uint8_t a[16] = { 81, 2, 69, 5 };

	(void)state;
	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(ots_geoip_lookup(g, a, 5, &o), 0);
	assert_string_equal(o.country, "");
	assert_int_equal(o.asn, 0);
	assert_string_equal(o.as_org, "");
	assert_int_equal(ots_geoip_lookup(NULL, a, 4, &o), 0);
	assert_int_equal(ots_geoip_lookup(g, a, 4, &o), 1);
	assert_string_equal(o.country, "GB");
	ots_geoip_close(g);
	ots_geoip_close(NULL);
}

static int
open_err(const char *const *paths, size_t n, char *err, size_t errlen)
{
	struct ots_geoip *g = (struct ots_geoip *)&g;
	int rc;

	err[0] = '\0';
	rc = ots_geoip_open(&g, paths, n, err, errlen);
	assert_null(g);
	print_message("    %s\n", err);
	return rc;
}

static void
test_open_errors(void **state)
{
	const char *tmpdir = getenv("TMPDIR");
	char err[512], tmp[1100];
	const char *paths[5];
	FILE *in, *out;
	char buf[8192];
	size_t n;
	int fd;

	(void)state;
	/* missing file: the path and the system's reason */
	paths[0] = db_path("no-such-file.mmdb");
	assert_int_equal(open_err(paths, 1, err, sizeof(err)), OTS_EIO);
	assert_non_null(strstr(err, paths[0]));
	assert_non_null(strstr(err, "No such file or directory"));

	/* not a MaxMind DB at all */
	paths[0] = db_path("not-an-mmdb.txt");
	assert_int_equal(open_err(paths, 1, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, paths[0]));
	assert_non_null(strstr(err, "not a usable MaxMind DB file"));
	assert_non_null(strstr(err, "metadata"));

	/* a directory */
	paths[0] = data_dir;
	assert_int_equal(open_err(paths, 1, err, sizeof(err)), OTS_EIO);
	assert_non_null(strstr(err, data_dir));
	assert_non_null(strstr(err, "is a directory"));

	/* a database cut in half (metadata lost) */
	snprintf(tmp, sizeof(tmp), "%s/test-geoip-XXXXXX",
	         tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp");
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	in = fopen(db_path("country.mmdb"), "rb");
	assert_non_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	assert_true(n > 1000);
	out = fdopen(fd, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, n / 2, out), n / 2);
	fclose(out);
	paths[0] = tmp;
	assert_int_equal(open_err(paths, 1, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, tmp));
	unlink(tmp);

	/* a valid database without any field we use */
	paths[0] = db_path("anonymous-ip.mmdb");
	assert_int_equal(open_err(paths, 1, err, sizeof(err)), OTS_ENOTSUP);
	assert_non_null(strstr(err, "GeoIP2-Anonymous-IP"));
	assert_non_null(strstr(err, paths[0]));

	/* a good database then a bad one: the good one is closed again (ASan: no leak) */
	paths[0] = db_path("country.mmdb");
	paths[1] = db_path("asn.mmdb");
	paths[2] = db_path("nope.mmdb");
	assert_int_equal(open_err(paths, 3, err, sizeof(err)), OTS_EIO);
	assert_non_null(strstr(err, "nope.mmdb"));

	/* counts and empty paths */
	assert_int_equal(open_err(paths, 0, err, sizeof(err)), OTS_EINVAL);
	paths[3] = db_path("city.mmdb");
	paths[4] = db_path("city.mmdb");
	assert_int_equal(open_err(paths, 5, err, sizeof(err)), OTS_ELIMIT);
	paths[1] = "";
	assert_int_equal(open_err(paths, 2, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, "database 2"));
	/* a tiny error buffer is fine */
	paths[0] = db_path("no-such-file.mmdb");
	assert_int_equal(open_err(paths, 1, err, 8), OTS_EIO);
	assert_int_equal(strlen(err), 7);
}

struct pub_case {
	const char *ip;
	int pub;
};

static void
test_ip_is_public(void **state)
{
	static const struct pub_case cases[] = {
		/* IPv4 public */
		{ "8.8.8.8", 1 }, { "1.1.1.1", 1 }, { "81.2.69.5", 1 }, { "9.255.255.255", 1 },
		{ "11.0.0.0", 1 }, { "100.63.255.255", 1 }, { "100.128.0.0", 1 },
		{ "126.255.255.255", 1 }, { "128.0.0.0", 1 }, { "169.253.255.255", 1 },
		{ "169.255.0.0", 1 }, { "172.15.255.255", 1 }, { "172.32.0.0", 1 },
		{ "191.255.255.255", 1 }, { "192.0.1.0", 1 }, { "192.0.3.0", 1 },
		{ "192.88.98.255", 1 }, { "192.167.255.255", 1 }, { "192.169.0.0", 1 },
		{ "198.17.255.255", 1 }, { "198.20.0.0", 1 }, { "198.51.99.255", 1 },
		{ "198.51.101.0", 1 }, { "203.0.112.255", 1 }, { "203.0.114.0", 1 },
		{ "223.255.255.255", 1 },
		/* IPv4 not public */
		{ "0.0.0.0", 0 }, { "0.1.2.3", 0 }, { "10.0.0.1", 0 }, { "10.255.255.255", 0 },
		{ "100.64.0.0", 0 }, { "100.127.255.255", 0 }, { "127.0.0.1", 0 },
		{ "127.255.255.255", 0 }, { "169.254.0.1", 0 }, { "169.254.255.255", 0 },
		{ "172.16.0.1", 0 }, { "172.31.255.255", 0 }, { "192.0.0.8", 0 },
		{ "192.0.0.255", 0 }, { "192.0.2.1", 0 }, { "192.88.99.1", 0 },
		{ "192.168.0.1", 0 }, { "192.168.255.255", 0 }, { "198.18.0.0", 0 },
		{ "198.19.255.255", 0 }, { "198.51.100.7", 0 }, { "203.0.113.9", 0 },
		{ "224.0.0.1", 0 }, { "239.255.255.250", 0 }, { "240.0.0.1", 0 },
		{ "255.255.255.255", 0 },
		/* IPv6 public */
		{ "2001:4860:4860::8888", 1 }, { "2606:4700::1111", 1 }, { "2a00:1450::1", 1 },
		{ "2001:218::1", 1 }, { "2001:200::1", 1 }, { "2001:3::1", 1 },
		{ "2001:4:112::1", 1 }, { "2001:db7:ffff::1", 1 }, { "2001:db9::1", 1 },
		{ "3ffe::1", 1 }, { "3fff:1000::1", 1 }, { "2000::1", 1 },
		{ "::ffff:8.8.8.8", 1 }, { "64:ff9b::808:808", 1 }, { "2002:808:808::1", 1 },
		/* IPv6 not public */
		{ "::", 0 }, { "::1", 0 }, { "::2", 0 }, { "::8.8.8.8", 0 }, { "fe80::1", 0 },
		{ "febf:ffff::1", 0 }, { "fec0::1", 0 }, { "fc00::1", 0 }, { "fd12:3456::1", 0 },
		{ "ff02::1", 0 }, { "ff0e::1", 0 }, { "2001:db8::1", 0 },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0 }, { "2001::1", 0 },
		{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", 0 }, { "2001:2::1", 0 },
		{ "2001:10::1", 0 }, { "2001:1ff::1", 0 }, { "2001:4:113::1", 0 },
		{ "3fff::1", 0 }, { "3fff:fff:ffff::1", 0 }, { "100::1", 0 }, { "64:ff9b:1::1", 0 },
		{ "5f00::1", 0 }, { "4000::1", 0 }, { "1fff::1", 0 }, { "e000::1", 0 },
		{ "::ffff:10.0.0.1", 0 }, { "::ffff:127.0.0.1", 0 }, { "::ffff:0.0.0.0", 0 },
		{ "::ffff:255.255.255.255", 0 }, { "64:ff9b::c0a8:101", 0 },
		{ "2002:c0a8:101::1", 0 }, { "2002:a00:1::1", 0 },
	};
	uint8_t a[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = strchr(cases[i].ip, ':') ? 6 : 4;
		int got;

		assert_int_equal(inet_pton(v == 6 ? AF_INET6 : AF_INET, cases[i].ip, a), 1);
		got = ots_ip_is_public(a, v);
		if (got != cases[i].pub)
			print_error("%s: public %d, expected %d\n", cases[i].ip, got, cases[i].pub);
		assert_int_equal(got, cases[i].pub);
	}
	assert_int_equal(ots_ip_is_public(a, 5), 0);
	assert_int_equal(ots_ip_is_public(NULL, 4), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_country_schema),
		cmocka_unit_test(test_city_schema),
		cmocka_unit_test(test_asn_schema),
		cmocka_unit_test(test_whois_country_schema),
		cmocka_unit_test(test_asn_text_ipv4_only),
		cmocka_unit_test(test_probe_detection),
		cmocka_unit_test(test_merged),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_ip_is_public),
	};

	find_data_dir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
