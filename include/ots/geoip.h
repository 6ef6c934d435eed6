/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * geoip.h: country and autonomous-system enrichment of public peers from MaxMind DB files
 * (src/geoip.c, libmaxminddb). Format: https://maxmind.github.io/MaxMind-DB/
 *
 * Accepted schemas, detected per file from the metadata database_type and by reading a few
 * of its records:
 *   GeoLite2/GeoIP2-Country and -City  country.iso_code, else registered_country.iso_code
 *   GeoLite2/GeoIP2-ASN (and -ISP)      autonomous_system_number, autonomous_system_organization
 *   ip-location-db country mmdbs        country_code (top level), e.g. the CC0 package
 *                                       @ip-location-db/geo-whois-asn-country-mmdb
 *   ip-location-db ASN mmdbs            autonomous_system_number, autonomous_system_organization
 * A file with none of these fields is refused at open.
 *
 * Not thread-safe: open, look up and close from one thread (the output/asset thread).
 */
#ifndef OTS_GEOIP_H
#define OTS_GEOIP_H

#include <stddef.h>
#include <stdint.h>

/* Where `make install` puts the database ./bootstrap fetched (data/geo-whois-asn-country.mmdb);
 * OTS_PKGDATADIR comes from the build (-D in src/Makefile.inc). Absent when not installed:
 * callers test the file before using it as a default. */
#ifdef OTS_PKGDATADIR
#define OTS_GEOIP_DEFAULT_DB OTS_PKGDATADIR "/geo-whois-asn-country.mmdb"
#endif

#define OTS_GEOIP_MAX_DB 4

struct ots_geo {
	char country[3];  /* ISO 3166-1 alpha-2, upper case; "" unknown */
	uint32_t asn;     /* 0 unknown */
	char as_org[96];  /* NUL-terminated, cut on a UTF-8 character boundary; "" unknown */
};

struct ots_geoip_stats {
	uint64_t lookups;     /* ots_geoip_lookup calls on a public or private address alike */
	uint64_t found;       /* lookups that returned 1 */
	uint64_t bad_records; /* values of the wrong type or shape (skipped, lookup goes on) */
	uint64_t errors;      /* libmaxminddb lookup errors (corrupt tree ...) */
};

struct ots_geoip; /* opaque: up to OTS_GEOIP_MAX_DB open databases, in the order given */

/*
 * Open every path (memory-mapped) and detect what each database knows. On success *out owns
 * the databases (ots_geoip_close). On failure nothing stays open, *out is NULL and err names
 * the path with libmaxminddb's reason. Returns OTS_OK, OTS_EINVAL (n is 0, an empty path, not
 * a MaxMind DB file), OTS_EIO (missing or unreadable file), OTS_ELIMIT (more than
 * OTS_GEOIP_MAX_DB paths), OTS_ENOTSUP (a database without any field used here),
 * OTS_ENOMEM.
 */
int ots_geoip_open(struct ots_geoip **out, const char *const *paths, size_t n, char *err,
                   size_t errlen);

/*
 * Look up one address: addr holds 4 bytes when ip_version == 4, 16 when 6. IPv4-mapped
 * (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::) addresses are looked
 * up as their IPv4 address. *out is always written; each field comes from the first database
 * (in open order) that knows it. Returns 1 when any field was found, 0 when none (unknown
 * address, bad ip_version). A bad record is counted and skipped, never fatal.
 */
int ots_geoip_lookup(const struct ots_geoip *g, const uint8_t *addr, int ip_version,
                     struct ots_geo *out);

/* Close every database and free g. NULL is accepted. */
void ots_geoip_close(struct ots_geoip *g);

/* "GeoLite2-ASN (2024-05-01), geo-whois-asn-country (2026-06-17)": database type (or the file
 * name without .mmdb when the type is not a single word) and build date (UTC). Always
 * NUL-terminated when len > 0; truncated to fit. */
void ots_geoip_describe(const struct ots_geoip *g, char *buf, size_t len);

/* Counters since open (see struct ots_geoip_stats). */
void ots_geoip_stats(const struct ots_geoip *g, struct ots_geoip_stats *out);

/*
 * 1 when addr is a public (globally routable) unicast address, 0 otherwise. Not public:
 * IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 * 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4 (with
 * 255.255.255.255); IPv6 outside 2000::/3 (::, ::1, IPv4-compatible, 100::/64, fc00::/7,
 * fe80::/10, fec0::/10, ff00::/8 ...), 2001::/23 except 2001:3::/32 and 2001:4:112::/48,
 * 2001:db8::/32, 3fff::/20. IPv4-mapped, NAT64 64:ff9b::/96 and 6to4 2002::/16 addresses
 * are judged by their embedded IPv4 address. ip_version other than 4 or 6: 0.
 */
int ots_ip_is_public(const uint8_t *addr, int ip_version);

#endif
