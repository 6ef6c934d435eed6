/* SPDX-License-Identifier: BSD-3-Clause */
/* geoip.c: country and AS enrichment from MaxMind DB files through libmaxminddb (geoip.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <maxminddb.h>

#include "ots/error.h"
#include "ots/geoip.h"

/* What a database knows, one bit per lookup path. */
enum {
	GEO_F_COUNTRY = 1u << 0,     /* country.iso_code (GeoIP2/GeoLite2 Country, City) */
	GEO_F_REG_COUNTRY = 1u << 1, /* registered_country.iso_code (same schemas) */
	GEO_F_CC = 1u << 2,          /* country_code (ip-location-db) */
	GEO_F_ASN = 1u << 3,         /* autonomous_system_number */
	GEO_F_ORG = 1u << 4          /* autonomous_system_organization */
};

/* Tree walk bounds for probing a database at open: enough to see a few records of any real
 * database in well under a millisecond, bounded on a hostile one. */
#define GEO_PROBE_NODES 65536
#define GEO_PROBE_RECORDS 16
#define GEO_PROBE_STACK 260 /* > 2 * 128 bits + 2 */

struct geo_db {
	MMDB_s mmdb;
	unsigned fields;
	char name[64];
};

struct ots_geoip {
	struct geo_db db[OTS_GEOIP_MAX_DB];
	size_t n;
	/* Counters change under a const handle: lookups are logically read-only. */
	struct ots_geoip_stats *stats;
	struct ots_geoip_stats stats_store;
};

/* ------------------------------------------------------------------------------------------ */
/* Public address test */

static int
v4_is_public(const uint8_t *a)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	static const struct {
		uint32_t net;
		uint8_t len;
	} special[] = {
		{ 0x00000000, 8 },  /* 0.0.0.0/8 "this network" */
		{ 0x0a000000, 8 },  /* 10/8 RFC 1918 */
		{ 0x64400000, 10 }, /* 100.64/10 shared address space (CGNAT) */
		{ 0x7f000000, 8 },  /* 127/8 loopback */
		{ 0xa9fe0000, 16 }, /* 169.254/16 link-local */
		{ 0xac100000, 12 }, /* 172.16/12 RFC 1918 */
		{ 0xc0000000, 24 }, /* 192.0.0/24 IETF protocol assignments */
		{ 0xc0000200, 24 }, /* 192.0.2/24 TEST-NET-1 */
		{ 0xc0586300, 24 }, /* 192.88.99/24 6to4 relay anycast (deprecated, RFC 7526) */
		{ 0xc0a80000, 16 }, /* 192.168/16 RFC 1918 */
		{ 0xc6120000, 15 }, /* 198.18/15 benchmarking */
		{ 0xc6336400, 24 }, /* 198.51.100/24 TEST-NET-2 */
		{ 0xcb007100, 24 }, /* 203.0.113/24 TEST-NET-3 */
		{ 0xe0000000, 4 },  /* 224/4 multicast */
		{ 0xf0000000, 4 },  /* 240/4 reserved, with 255.255.255.255 broadcast */
	};
	size_t i;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		uint32_t mask = ~(uint32_t)0 << (32 - special[i].len);

		if ((v & mask) == special[i].net)
			return 0;
	}
	return 1;
}

/* The IPv4 address an IPv6 address stands for (mapped, NAT64 well-known prefix, 6to4), or
 * NULL. */
static const uint8_t *
v6_embedded_v4(const uint8_t *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return a + 12;
	if (a[0] == 0x20 && a[1] == 0x02)
		return a + 2;
	return NULL;
}

static int
v6_is_public(const uint8_t *a)
{
	const uint8_t *v4 = v6_embedded_v4(a);

	if (v4 != NULL)
		return v4_is_public(v4);
	/* Global unicast is allocated from 2000::/3 only; everything else (::, ::1, ::/96
	 * IPv4-compatible, 64:ff9b:1::/48, 100::/64, 5f00::/16, fc00::/7, fe80::/10, fec0::/10,
	 * ff00::/8, unallocated space) is not routable on the internet. */
	if ((a[0] & 0xe0) != 0x20)
		return 0;
	if (a[0] == 0x20 && a[1] == 0x01) {
		if (a[2] == 0x0d && a[3] == 0xb8)
			return 0; /* 2001:db8::/32 documentation */
		if (a[2] <= 0x01) {
			/* 2001::/23 IETF protocol assignments (Teredo, ORCHID, benchmarking ...), but
			 * 2001:3::/32 (AMT) and 2001:4:112::/48 (AS112) are globally reachable. */
			if (a[2] == 0 && a[3] == 3)
				return 1;
			if (a[2] == 0 && a[3] == 4 && a[4] == 0x01 && a[5] == 0x12)
				return 1;
			return 0;
		}
	}
	if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)
		return 0; /* 3fff::/20 documentation (RFC 9637) */
	return 1;
}

int
ots_ip_is_public(const uint8_t *addr, int ip_version)
{
	if (addr == NULL)
		return 0;
	if (ip_version == 4)
		return v4_is_public(addr);
	if (ip_version == 6)
		return v6_is_public(addr);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Reading values */

/* Outcome of reading one path of a record. */
enum { GEO_ABSENT = 0, GEO_GOT = 1, GEO_BAD = 2 };

static int
geo_get(MMDB_entry_s *entry, MMDB_entry_data_s *data, const char *k1, const char *k2)
{
	int rc;

	if (k2 != NULL)
		rc = MMDB_get_value(entry, data, k1, k2, NULL);
	else
		rc = MMDB_get_value(entry, data, k1, NULL);
	if (rc == MMDB_SUCCESS)
		return data->has_data ? GEO_GOT : GEO_ABSENT;
	if (rc != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return GEO_BAD; /* corrupt data section */
	/* libmaxminddb says the same for a missing key and for a path through something that
	 * is not a map ("country": "GB"): only the second is a bad record. */
	if (k2 != NULL)
		rc = MMDB_get_value(entry, data, k1, NULL);
	else
		rc = MMDB_get_value(entry, data, NULL);
	if (rc == MMDB_SUCCESS && data->has_data && data->type != MMDB_DATA_TYPE_MAP)
		return GEO_BAD;
	if (rc != MMDB_SUCCESS && rc != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
		return GEO_BAD;
	return GEO_ABSENT;
}

static int
geo_country(MMDB_entry_s *entry, const char *k1, const char *k2, char out[3])
{
	MMDB_entry_data_s d;
	int rc = geo_get(entry, &d, k1, k2);
	const char *s;

	if (rc != GEO_GOT)
		return rc;
	if (d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size != 2)
		return GEO_BAD;
	s = d.utf8_string;
	if (s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z') {
		out[0] = (char)(s[0] - 'a' + 'A');
		out[1] = (char)(s[1] - 'a' + 'A');
	} else if (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z') {
		out[0] = s[0];
		out[1] = s[1];
	} else {
		return GEO_BAD;
	}
	out[2] = '\0';
	return GEO_GOT;
}

/* "15169" or "AS15169" (some converted databases store the number as text). */
static int
asn_from_text(const char *s, uint32_t n, uint32_t *out)
{
	uint64_t v = 0;
	uint32_t i = 0;

	if (n >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
		i = 2;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
geo_asn(MMDB_entry_s *entry, uint32_t *out)
{
	MMDB_entry_data_s d;
	int rc = geo_get(entry, &d, "autonomous_system_number", NULL);
	uint64_t v;

	if (rc != GEO_GOT)
		return rc;
	switch (d.type) {
	case MMDB_DATA_TYPE_UINT16: v = d.uint16; break;
	case MMDB_DATA_TYPE_UINT32: v = d.uint32; break;
	case MMDB_DATA_TYPE_UINT64: v = d.uint64; break;
	case MMDB_DATA_TYPE_INT32:
		if (d.int32 < 0)
			return GEO_BAD;
		v = (uint64_t)d.int32;
		break;
	case MMDB_DATA_TYPE_UTF8_STRING: {
		uint32_t a;

		if (asn_from_text(d.utf8_string, d.data_size, &a) < 0)
			return GEO_BAD;
		v = a;
		break;
	}
	default:
		return GEO_BAD;
	}
	if (v == 0 || v > UINT32_MAX)
		return GEO_BAD;
	*out = (uint32_t)v;
	return GEO_GOT;
}

/* Length of the longest prefix of s[0..n) that fits in max bytes without splitting a UTF-8
 * sequence (continuation bytes 10xxxxxx never start a character). */
static size_t
utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static int
geo_org(MMDB_entry_s *entry, char *out, size_t outlen)
{
	MMDB_entry_data_s d;
	int rc = geo_get(entry, &d, "autonomous_system_organization", NULL);
	const char *nul;
	size_t n;

	if (rc != GEO_GOT)
		return rc;
	if (d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return GEO_BAD;
	/* Not NUL-terminated in the file; an embedded NUL ends the name. */
	n = d.data_size;
	nul = memchr(d.utf8_string, '\0', n);
	if (nul != NULL)
		n = (size_t)(nul - d.utf8_string);
	if (n == 0)
		return GEO_ABSENT;
	n = utf8_cut(d.utf8_string, n, outlen - 1);
	memcpy(out, d.utf8_string, n);
	out[n] = '\0';
	return GEO_GOT;
}

/* ------------------------------------------------------------------------------------------ */
/* Lookup */

static void
count_bad(const struct ots_geoip *g, int rc)
{
	if (rc == GEO_BAD)
		g->stats->bad_records++;
}

static void
fill_from(const struct ots_geoip *g, unsigned fields, MMDB_entry_s *entry, struct ots_geo *out)
{
	if (out->country[0] == '\0' && (fields & GEO_F_COUNTRY))
		count_bad(g, geo_country(entry, "country", "iso_code", out->country));
	if (out->country[0] == '\0' && (fields & GEO_F_REG_COUNTRY))
		count_bad(g, geo_country(entry, "registered_country", "iso_code", out->country));
	if (out->country[0] == '\0' && (fields & GEO_F_CC))
		count_bad(g, geo_country(entry, "country_code", NULL, out->country));
	if (out->asn == 0 && (fields & GEO_F_ASN))
		count_bad(g, geo_asn(entry, &out->asn));
	if (out->as_org[0] == '\0' && (fields & GEO_F_ORG))
		count_bad(g, geo_org(entry, out->as_org, sizeof(out->as_org)));
}

static int
geo_complete(const struct ots_geo *o)
{
	return o->country[0] != '\0' && o->asn != 0 && o->as_org[0] != '\0';
}

int
ots_geoip_lookup(const struct ots_geoip *g, const uint8_t *addr, int ip_version,
                 struct ots_geo *out)
{
	struct sockaddr_storage ss;
	const uint8_t *v4 = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (g == NULL || addr == NULL || (ip_version != 4 && ip_version != 6))
		return 0;
	g->stats->lookups++;
	memset(&ss, 0, sizeof(ss));
	if (ip_version == 4)
		v4 = addr;
	else
		v4 = v6_embedded_v4(addr);
	if (v4 != NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, v4, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
	}

	for (i = 0; i < g->n && !geo_complete(out); i++) {
		const struct geo_db *db = &g->db[i];
		MMDB_lookup_result_s r;
		int mmdb_error = MMDB_SUCCESS;

		r = MMDB_lookup_sockaddr(&db->mmdb, (const struct sockaddr *)&ss, &mmdb_error);
		if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			continue; /* an IPv4-only database does not know IPv6 peers */
		if (mmdb_error != MMDB_SUCCESS) {
			g->stats->errors++;
			continue;
		}
		if (!r.found_entry)
			continue;
		fill_from(g, db->fields, &r.entry, out);
	}
	if (out->country[0] == '\0' && out->asn == 0 && out->as_org[0] == '\0')
		return 0;
	g->stats->found++;
	return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Open, detect, describe */

/* Which of our paths a record holds (wrong types count as present: the database claims the
 * field, lookups will count the bad values). */
static unsigned
record_fields(MMDB_entry_s *entry)
{
	static const struct {
		const char *k1, *k2;
		unsigned bit;
	} paths[] = {
		{ "country", "iso_code", GEO_F_COUNTRY },
		{ "registered_country", "iso_code", GEO_F_REG_COUNTRY },
		{ "country_code", NULL, GEO_F_CC },
		{ "autonomous_system_number", NULL, GEO_F_ASN },
		{ "autonomous_system_organization", NULL, GEO_F_ORG },
	};
	MMDB_entry_data_s d;
	unsigned f = 0;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (geo_get(entry, &d, paths[i].k1, paths[i].k2) != GEO_ABSENT)
			f |= paths[i].bit;
	return f;
}

/* Depth-first walk of the search tree from the root, reading the first few data records. */
static unsigned
probe_fields(const MMDB_s *mmdb)
{
	uint32_t stack[GEO_PROBE_STACK];
	size_t sp = 0, nodes = 0, records = 0;
	unsigned f = 0;

	stack[sp++] = 0;
	while (sp > 0 && nodes < GEO_PROBE_NODES && records < GEO_PROBE_RECORDS) {
		MMDB_search_node_s node;
		uint32_t nn = stack[--sp];
		int side;

		nodes++;
		if (MMDB_read_node(mmdb, nn, &node) != MMDB_SUCCESS)
			continue;
		/* right first so the left (lower addresses) is visited first */
		for (side = 1; side >= 0; side--) {
			uint8_t type = side ? node.right_record_type : node.left_record_type;
			uint64_t rec = side ? node.right_record : node.left_record;
			MMDB_entry_s e = side ? node.right_record_entry : node.left_record_entry;

			if (type == MMDB_RECORD_TYPE_SEARCH_NODE) {
				if (sp < GEO_PROBE_STACK && rec < mmdb->metadata.node_count)
					stack[sp++] = (uint32_t)rec;
			} else if (type == MMDB_RECORD_TYPE_DATA) {
				f |= record_fields(&e);
				records++;
			}
		}
	}
	return f;
}

/* Fields the database type promises (MaxMind names; ip-location-db writes "country ipv4",
 * "country ipvAll", "asn ipv6" ...). */
static unsigned
type_fields(const char *type)
{
	unsigned f = 0;

	if (type == NULL)
		return 0;
	if (strstr(type, "Country") != NULL || strstr(type, "City") != NULL ||
	    strstr(type, "Enterprise") != NULL)
		f |= GEO_F_COUNTRY | GEO_F_REG_COUNTRY;
	if (strstr(type, "ASN") != NULL || strstr(type, "ISP") != NULL ||
	    strncmp(type, "asn ", 4) == 0)
		f |= GEO_F_ASN | GEO_F_ORG;
	if (strncmp(type, "country ", 8) == 0)
		f |= GEO_F_CC;
	return f;
}

static void
db_name(struct geo_db *db, const char *path)
{
	const char *type = db->mmdb.metadata.database_type;
	const char *base = strrchr(path, '/');
	size_t n;

	if (type != NULL && type[0] != '\0' && strchr(type, ' ') == NULL) {
		snprintf(db->name, sizeof(db->name), "%s", type);
		return;
	}
	base = base != NULL ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".mmdb") == 0)
		n -= 5;
	snprintf(db->name, sizeof(db->name), "%.*s", (int)n, base);
}

static int
open_one(struct geo_db *db, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int rc;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "geoip: %s: is a directory, not a MaxMind DB file", path);
		return OTS_EIO;
	}
	rc = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (rc != MMDB_SUCCESS) {
		int e = errno;

		if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR) {
			snprintf(err, errlen, "geoip: %s: %s (%s)", path, MMDB_strerror(rc), strerror(e));
			return OTS_EIO;
		}
		if (rc == MMDB_OUT_OF_MEMORY_ERROR) {
			snprintf(err, errlen, "geoip: %s: %s", path, MMDB_strerror(rc));
			return OTS_ENOMEM;
		}
		snprintf(err, errlen, "geoip: %s: not a usable MaxMind DB file: %s", path,
		         MMDB_strerror(rc));
		return OTS_EINVAL;
	}
	db->fields = type_fields(db->mmdb.metadata.database_type) | probe_fields(&db->mmdb);
	if (db->fields == 0) {
		snprintf(err, errlen,
		         "geoip: %s: database type \"%s\" has no country or autonomous system field",
		         path, db->mmdb.metadata.database_type ? db->mmdb.metadata.database_type : "");
		MMDB_close(&db->mmdb);
		return OTS_ENOTSUP;
	}
	db_name(db, path);
	return OTS_OK;
}

int
ots_geoip_open(struct ots_geoip **out, const char *const *paths, size_t n, char *err,
               size_t errlen)
{
	struct ots_geoip *g;
	size_t i;
	int rc;

	*out = NULL;
	if (n == 0) {
		snprintf(err, errlen, "geoip: no database given");
		return OTS_EINVAL;
	}
	if (n > OTS_GEOIP_MAX_DB) {
		snprintf(err, errlen, "geoip: %zu databases given, at most %d", n, OTS_GEOIP_MAX_DB);
		return OTS_ELIMIT;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		snprintf(err, errlen, "geoip: out of memory");
		return OTS_ENOMEM;
	}
	g->stats = &g->stats_store;
	for (i = 0; i < n; i++) {
		if (paths[i] == NULL || paths[i][0] == '\0') {
			snprintf(err, errlen, "geoip: database %zu: empty path", i + 1);
			rc = OTS_EINVAL;
			goto fail;
		}
		rc = open_one(&g->db[i], paths[i], err, errlen);
		if (rc != OTS_OK)
			goto fail;
		g->n++;
	}
	*out = g;
	return OTS_OK;
fail:
	ots_geoip_close(g);
	return rc;
}

void
ots_geoip_close(struct ots_geoip *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n; i++)
		MMDB_close(&g->db[i].mmdb);
	free(g);
}

void
ots_geoip_describe(const struct ots_geoip *g, char *buf, size_t len)
{
	size_t i, used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (g == NULL)
		return;
	for (i = 0; i < g->n && used < len; i++) {
		time_t t = (time_t)g->db[i].mmdb.metadata.build_epoch;
		struct tm tm;
		char date[16] = "?";
		int w;

		if (gmtime_r(&t, &tm) != NULL)
			strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		w = snprintf(buf + used, len - used, "%s%s (%s)", i ? ", " : "", g->db[i].name, date);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void
ots_geoip_stats(const struct ots_geoip *g, struct ots_geoip_stats *out)
{
	if (g == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = *g->stats;
}
