/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-zones.c: the zones file parser (src/zones.c): a full valid example, one fixture per
 * error with its exact message, zone lookup (IPv4, IPv6, longest prefix, VLAN fallback),
 * the conduit query, overlap warnings, limits and a truncation sweep.
 * Fixtures: tests/data/zones ($top_srcdir/tests/data/zones, else the build-time source dir).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ots/compiler.h"
#include "ots/error.h"
#include "ots/ics-t.h"
#include "ots/zones.h"

static char data_dir[1024];

static void
find_data_dir(void)
{
	const char *top = getenv("top_srcdir");

	if (top != NULL && top[0] != '\0')
		snprintf(data_dir, sizeof(data_dir), "%s/tests/data/zones", top);
	else
		snprintf(data_dir, sizeof(data_dir), "%s", OTS_TEST_ZONES_DIR);
}

static const char *
fixture(const char *name)
{
	static char paths[4][1200];
	static unsigned next;
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", data_dir, name);
	return p;
}

/* The message without the fixture directory: "file.yaml:1:2: ...". */
static const char *
strip_dir(const char *msg)
{
	size_t n = strlen(data_dir);

	if (strncmp(msg, data_dir, n) == 0 && msg[n] == '/')
		return msg + n + 1;
	return msg;
}

static char *
read_fixture(const char *name, size_t *len)
{
	FILE *f = fopen(fixture(name), "rb");
	char *buf;
	long sz;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

/* Parse text from memory; fails the test unless rc is want. */
static void
parse_str(struct ots_zones *z, const char *text, int want, char *err, size_t errlen)
{
	int rc = ots_zones_parse(z, "mem.yaml", text, strlen(text), err, errlen);

	if (rc != want)
		print_error("rc %d, want %d: %s\n", rc, want, err);
	assert_int_equal(rc, want);
}

static void
ip4(uint8_t a[16], const char *s)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, s, a + 12), 1);
}

static void
ip6(uint8_t a[16], const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static int
zone_of(const struct ots_zones *z, const char *ip, uint16_t vlan)
{
	uint8_t a[16];

	if (strchr(ip, ':'))
		ip6(a, ip);
	else
		ip4(a, ip);
	return ots_zones_lookup(z, a, 1, vlan);
}

#define OPS(x) (1u << (x))

/* ---- the valid example ---------------------------------------------------------------- */

static void
test_valid_full(void **state)
{
	struct ots_zones z;
	char err[512] = "x", buf[64];
	const struct ots_zone *zn;
	const struct ots_zconduit *cd;
	static const char *const warnings[] = {
		"valid.yaml:12: network 10.1.10.0/24 of zone 'supervisory' lies inside 10.0.0.0/8 of zone 'enterprise' (line 7): the longer prefix wins",
		"valid.yaml:13: network 10.1.11.0/24 of zone 'supervisory' lies inside 10.0.0.0/8 of zone 'enterprise' (line 7): the longer prefix wins",
		"valid.yaml:17: network 10.1.20.0/24 of zone 'control' lies inside 10.0.0.0/8 of zone 'enterprise' (line 7): the longer prefix wins",
		"valid.yaml:17: network 10.1.20.128/25 of zone 'control' lies inside 10.1.20.0/24 of the same zone (line 17): redundant",
		"valid.yaml:17: network 2001:db8:20::/48 of zone 'control' lies inside 2001:db8::/32 of zone 'enterprise' (line 7): the longer prefix wins",
		"valid.yaml:24: network 10.1.20.200/32 of zone 'safety' lies inside 10.1.20.128/25 of zone 'control' (line 17): the longer prefix wins",
	};
	size_t i;

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_load(&z, fixture("valid.yaml"), err, sizeof(err)), OTS_OK);
	assert_string_equal(err, "");
	assert_int_equal(z.version, 1);
	assert_string_equal(z.site, "plant-a");
	assert_string_equal(z.path, fixture("valid.yaml"));
	assert_int_equal(z.n_zones, 5);
	assert_int_equal(z.n_conduits, 4);
	assert_int_equal(z.intra_zone_alert, 1);
	assert_int_equal(z.unzoned_alert, 1);
	assert_int_equal(z.internet_alert, 0);

	zn = &z.zones[0];
	assert_string_equal(zn->name, "enterprise");
	assert_int_equal(zn->sl_t, 1);
	assert_int_equal(zn->line, 5);
	assert_int_equal(zn->n_nets, 2);
	assert_int_equal(zn->nets[0].v4, 1);
	assert_int_equal(zn->nets[0].len, 96 + 8);
	assert_string_equal(ots_cidr_str(&zn->nets[0], buf, sizeof(buf)), "10.0.0.0/8");
	assert_int_equal(zn->nets[1].v4, 0);
	assert_int_equal(zn->nets[1].len, 32);
	assert_string_equal(ots_cidr_str(&zn->nets[1], buf, sizeof(buf)), "2001:db8::/32");
	assert_int_equal(zn->nets[1].line, 7);
	assert_int_equal(zn->nets[1].col, 28);
	assert_int_equal(zn->n_vlans, 0);
	assert_string_equal(zn->description, "Corporate network");

	zn = &z.zones[1];
	assert_string_equal(zn->name, "supervisory");
	assert_int_equal(zn->sl_t, 2);
	assert_int_equal(zn->n_nets, 2);
	assert_int_equal(zn->n_vlans, 1);
	assert_int_equal(zn->vlans[0], 10);
	assert_null(zn->description);

	zn = &z.zones[2];
	assert_string_equal(zn->name, "control");
	assert_int_equal(zn->sl_t, 3);
	assert_int_equal(zn->n_nets, 3);
	assert_int_equal(zn->n_vlans, 2);
	assert_int_equal(zn->vlans[0], 20);
	assert_int_equal(zn->vlans[1], 21);
	assert_string_equal(zn->description, "Line 1 PLCs\nand drives\n");

	zn = &z.zones[4];
	assert_string_equal(zn->name, "field");
	assert_int_equal(zn->n_nets, 0);
	assert_int_equal(zn->n_vlans, 1);
	assert_int_equal(zn->vlans[0], 30);

	cd = &z.conduits[0];
	assert_string_equal(cd->name, "scada-polling");
	assert_int_equal(cd->from, 1);
	assert_int_equal(cd->to, 2);
	assert_int_equal(cd->bidirectional, 0);
	assert_int_equal(cd->line, 29);
	assert_int_equal(cd->n_allow, 2);
	assert_string_equal(cd->allow[0].protocol, "modbus");
	assert_int_equal(cd->allow[0].ops, OPS(OTS_OP_READ) | OPS(OTS_OP_DIAGNOSTIC));
	assert_int_equal(cd->allow[0].n_ports, 1);
	assert_int_equal(cd->allow[0].ports[0], 502);
	assert_int_equal(cd->allow[0].line, 33);
	assert_string_equal(cd->allow[1].protocol, "s7comm");
	assert_int_equal(cd->allow[1].ops,
	                 OPS(OTS_OP_READ) | OPS(OTS_OP_IDENTITY) | OPS(OTS_OP_OTHER));
	assert_int_equal(cd->allow[1].n_ports, 0);

	cd = &z.conduits[1];
	assert_string_equal(cd->name, "engineering");
	assert_null(cd->allow[0].protocol);
	assert_int_equal(cd->allow[0].ops,
	                 OPS(OTS_OP_PROGRAM) | OPS(OTS_OP_FIRMWARE) | OPS(OTS_OP_MODE_CHANGE));

	cd = &z.conduits[2];
	assert_string_equal(cd->name, "historian");
	assert_int_equal(cd->from, 2);
	assert_int_equal(cd->to, 0);
	assert_int_equal(cd->bidirectional, 1);
	assert_int_equal(cd->allow[0].ops, OTS_ZONES_OPS_ANY);
	assert_int_equal(cd->allow[0].n_ports, 2);
	assert_int_equal(cd->allow[0].ports[1], 4843);

	cd = &z.conduits[3];
	assert_string_equal(cd->allow[0].protocol, "enip");
	assert_int_equal(cd->allow[0].ops, OTS_ZONES_OPS_ANY); /* operations absent: any */

	assert_int_equal(z.n_warnings, OTS_ARRAY_LEN(warnings));
	for (i = 0; i < z.n_warnings; i++)
		assert_string_equal(strip_dir(z.warnings[i]), warnings[i]);

	assert_int_equal(ots_zones_find(&z, "control"), 2);
	assert_int_equal(ots_zones_find(&z, "field"), 4);
	assert_int_equal(ots_zones_find(&z, "contro"), -1);
	assert_int_equal(ots_zones_find(&z, ""), -1);
	ots_zones_free(&z);
	assert_null(z.zones);
	assert_int_equal(z.n_zones, 0);
	ots_zones_free(&z); /* twice is harmless */
}

/* ---- errors ----------------------------------------------------------------------------- */

struct err_case {
	const char *file;
	int rc;
	const char *msg;
};

static const struct err_case err_cases[] = {
	{ "err-unknown-key.yaml", OTS_EINVAL, "err-unknown-key.yaml:5:5: unknown key 'netwrks' in a zone (expected name, sl_t, networks, vlans, description)" },
	{ "err-sl-t.yaml", OTS_EINVAL, "err-sl-t.yaml:4:11: sl_t must be an integer 0-4, not '5'" },
	{ "err-cidr-prefix.yaml", OTS_EINVAL, "err-cidr-prefix.yaml:5:16: bad CIDR '192.168.1.0/33' in zone 'office': IPv4 prefix length must be 0-32" },
	{ "err-cidr-addr.yaml", OTS_EINVAL, "err-cidr-addr.yaml:6:9: bad CIDR '192.168.1/24' in zone 'office': not an IPv4 or IPv6 address" },
	{ "err-cidr-v6.yaml", OTS_EINVAL, "err-cidr-v6.yaml:5:16: bad CIDR '2001:db8::/129' in zone 'office': IPv6 prefix length must be 0-128" },
	{ "err-host-bits.yaml", OTS_EINVAL, "err-host-bits.yaml:5:16: bad CIDR '10.0.0.5/24' in zone 'plant': host bits set (the network is 10.0.0.0/24)" },
	{ "err-unknown-zone.yaml", OTS_EINVAL, "err-unknown-zone.yaml:12:9: conduit 'x': unknown zone 'contrl' (zones: control, supervisory)" },
	{ "err-dup-zone.yaml", OTS_EINVAL, "err-dup-zone.yaml:6:11: duplicate zone name 'control' (first at line 3)" },
	{ "err-dup-network.yaml", OTS_EINVAL, "err-dup-network.yaml:8:30: network 10.1.20.0/24 of zone 'b' is already in zone 'a' (line 5)" },
	{ "err-dup-network-same.yaml", OTS_EINVAL, "err-dup-network-same.yaml:5:44: network 10.1.20.0/24 listed twice in zone 'a' (first at line 5)" },
	{ "err-dup-vlan.yaml", OTS_EINVAL, "err-dup-vlan.yaml:8:13: VLAN 30 of zone 'b' is already in zone 'a' (line 5)" },
	{ "err-dup-conduit.yaml", OTS_EINVAL, "err-dup-conduit.yaml:11:11: duplicate conduit name 'loop' (first at line 7)" },
	{ "err-dup-key.yaml", OTS_EINVAL, "err-dup-key.yaml:6:5: duplicate key 'sl_t' in a zone (first at line 4)" },
	{ "err-missing-name.yaml", OTS_EINVAL, "err-missing-name.yaml:3:5: missing key 'name' in a zone (required: name, sl_t, networks or vlans)" },
	{ "err-missing-sl-t.yaml", OTS_EINVAL, "err-missing-sl-t.yaml:3:5: missing key 'sl_t' in zone 'control' (required: name, sl_t, networks or vlans)" },
	{ "err-missing-networks.yaml", OTS_EINVAL, "err-missing-networks.yaml:3:5: zone 'control' has neither networks nor vlans (one of them is required)" },
	{ "err-missing-allow.yaml", OTS_EINVAL, "err-missing-allow.yaml:7:5: missing key 'allow' in conduit 'loop' (required: name, from, to, allow)" },
	{ "err-missing-from.yaml", OTS_EINVAL, "err-missing-from.yaml:7:5: missing key 'from' in conduit 'loop' (required: name, from, to, allow)" },
	{ "err-missing-conduit-name.yaml", OTS_EINVAL, "err-missing-conduit-name.yaml:7:5: missing key 'name' in a conduit (required: name, from, to, allow)" },
	{ "err-missing-version.yaml", OTS_EINVAL, "err-missing-version.yaml:1:1: missing key 'version' at the top level (write version: 1)" },
	{ "err-no-zones.yaml", OTS_EINVAL, "err-no-zones.yaml:1:1: missing key 'zones' at the top level (required: version, zones)" },
	{ "err-zones-map.yaml", OTS_EINVAL, "err-zones-map.yaml:3:3: zones must be a list, not a mapping" },
	{ "err-networks-scalar.yaml", OTS_EINVAL, "err-networks-scalar.yaml:5:15: networks must be a list, not '10.1.20.0/24'" },
	{ "err-allow-map.yaml", OTS_EINVAL, "err-allow-map.yaml:11:7: allow must be a list, not a mapping" },
	{ "err-top-list.yaml", OTS_EINVAL, "err-top-list.yaml:1:1: the top level must be a mapping (version, site, zones, conduits, defaults), not a list" },
	{ "err-version.yaml", OTS_EINVAL, "err-version.yaml:1:10: unsupported version '2' (expected 1)" },
	{ "err-syntax.yaml", OTS_EINVAL, "err-syntax.yaml:6:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 5, column 15)" },
	{ "err-syntax-indent.yaml", OTS_EINVAL, "err-syntax-indent.yaml:4:10: YAML syntax error: mapping values are not allowed in this context" },
	{ "err-unknown-op.yaml", OTS_EINVAL, "err-unknown-op.yaml:12:28: unknown operation 'wirte' (expected any, read, write, control, program, mode_change, firmware, restart, diagnostic, file, time_sync, auth, discovery, identity, event, other)" },
	{ "err-default.yaml", OTS_EINVAL, "err-default.yaml:7:12: defaults.unzoned must be allow or alert, not 'warn'" },
	{ "err-empty.yaml", OTS_EINVAL, "err-empty.yaml:1:1: empty file (expected a mapping with version, zones and conduits)" },
	{ "err-comments-only.yaml", OTS_EINVAL, "err-comments-only.yaml:1:1: empty file (expected a mapping with version, zones and conduits)" },
	{ "err-anchor.yaml", OTS_EINVAL, "err-anchor.yaml:3:5: YAML anchor '&z' refused: anchors and aliases are not supported in a zones file" },
	{ "err-billion-laughs.yaml", OTS_EINVAL, "err-billion-laughs.yaml:2:4: YAML anchor '&a' refused: anchors and aliases are not supported in a zones file" },
	{ "err-alias.yaml", OTS_EINVAL, "err-alias.yaml:2:8: YAML alias refused: anchors and aliases are not supported in a zones file" },
	{ "err-tag.yaml", OTS_EINVAL, "err-tag.yaml:3:11: YAML tag 'tag:yaml.org,2002:str' refused: explicit tags are not supported in a zones file" },
	{ "err-two-docs.yaml", OTS_EINVAL, "err-two-docs.yaml:6:1: a second YAML document (a zones file holds one)" },
	{ "err-unknown-top.yaml", OTS_EINVAL, "err-unknown-top.yaml:2:1: unknown key 'zone' in the top level (expected version, site, zones, conduits, defaults)" },
	{ "err-unknown-conduit-key.yaml", OTS_EINVAL, "err-unknown-conduit-key.yaml:10:5: unknown key 'direction' in a conduit (expected name, from, to, bidirectional, allow)" },
	{ "err-unknown-allow-key.yaml", OTS_EINVAL, "err-unknown-allow-key.yaml:12:9: unknown key 'port' in an allow rule of conduit 'loop' (expected protocol, operations, ports)" },
	{ "err-port.yaml", OTS_EINVAL, "err-port.yaml:12:22: ports entry must be an integer 1-65535, not '70000'" },
	{ "err-bidirectional.yaml", OTS_EINVAL, "err-bidirectional.yaml:10:20: bidirectional must be true or false, not 'yes'" },
	{ "err-vlan.yaml", OTS_EINVAL, "err-vlan.yaml:5:13: vlans entry must be an integer 1-4094, not '4095'" },
	{ "err-protocol.yaml", OTS_EINVAL, "err-protocol.yaml:11:19: protocol 'modbus tcp': only letters, digits and _ . + - are allowed" },
	{ "err-long-name.yaml", OTS_ELIMIT, "err-long-name.yaml:3:11: name is longer than 64 bytes" },
	{ "err-utf8.yaml", OTS_EINVAL, "err-utf8.yaml:2:13: invalid input: invalid leading UTF-8 octet (#FF)" },
	{ "err-control-char.yaml", OTS_EINVAL, "err-control-char.yaml:3:11: name 'con?trol' holds a control character" },
};

static void
test_error_fixtures(void **state)
{
	struct ots_zones z;
	size_t i;

	(void)state;
	for (i = 0; i < OTS_ARRAY_LEN(err_cases); i++) {
		const struct err_case *e = &err_cases[i];
		char err[512] = "";
		int rc;

		memset(&z, 0, sizeof(z));
		rc = ots_zones_load(&z, fixture(e->file), err, sizeof(err));
		if (rc != e->rc || strcmp(strip_dir(err), e->msg) != 0)
			print_error("%s: rc %d (want %d)\n  got  %s\n  want %s\n", e->file, rc, e->rc,
			            strip_dir(err), e->msg);
		assert_int_equal(rc, e->rc);
		assert_string_equal(strip_dir(err), e->msg);
		assert_null(strchr(err, '\n'));
		assert_null(z.zones); /* untouched */
		assert_null(z.index);
	}
}

static void
test_io_errors(void **state)
{
	struct ots_zones z;
	char err[512] = "";
	char *big;

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_load(&z, fixture("no-such-file.yaml"), err, sizeof(err)),
	                 OTS_EIO);
	assert_string_equal(strip_dir(err), "no-such-file.yaml: cannot open: No such file or directory");
	/* a directory reads as an error */
	assert_int_equal(ots_zones_load(&z, data_dir, err, sizeof(err)), OTS_EIO);
	assert_non_null(strstr(err, "read error"));

	big = malloc(OTS_ZONES_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, ' ', OTS_ZONES_FILE_MAX + 1);
	assert_int_equal(ots_zones_parse(&z, "big.yaml", big, OTS_ZONES_FILE_MAX + 1, err,
	                                 sizeof(err)), OTS_ELIMIT);
	assert_string_equal(err, "big.yaml: file too large (4194305 bytes, max 4194304)");
	free(big);
	/* NULL or tiny error buffers are fine */
	assert_int_equal(ots_zones_parse(&z, "x", "version: 2", 10, NULL, 0), OTS_EINVAL);
	assert_int_equal(ots_zones_parse(&z, "x", "version: 2", 10, err, 4), OTS_EINVAL);
	assert_string_equal(err, "x:1");
	assert_null(z.zones);
}

/* A failed load leaves the loaded set as it was; a good one replaces it. */
static void
test_failed_load_keeps_old(void **state)
{
	struct ots_zones z, before;
	char err[512];

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_load(&z, fixture("valid.yaml"), err, sizeof(err)), OTS_OK);
	before = z;
	assert_int_equal(ots_zones_load(&z, fixture("err-dup-network.yaml"), err, sizeof(err)),
	                 OTS_EINVAL);
	assert_memory_equal(&z, &before, sizeof(z));
	assert_int_equal(zone_of(&z, "10.1.20.5", 0), 2);
	parse_str(&z, "version: 1\nzones: [{name: only, sl_t: 0, networks: [10.1.20.0/24]}]\n",
	          OTS_OK, err, sizeof(err));
	assert_int_equal(z.n_zones, 1);
	assert_string_equal(z.path, "mem.yaml");
	assert_int_equal(z.n_warnings, 0);
	assert_null(z.warnings);
	assert_int_equal(zone_of(&z, "10.1.20.5", 0), 0);
	ots_zones_free(&z);
}

/* ---- lookups ---------------------------------------------------------------------------- */

static void
test_lookup(void **state)
{
	struct ots_zones z;
	char err[512];
	uint8_t a[16];

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_load(&z, fixture("valid.yaml"), err, sizeof(err)), OTS_OK);
	/* IPv4, longest prefix */
	assert_int_equal(zone_of(&z, "10.1.20.5", 0), 2);     /* control /24 */
	assert_int_equal(zone_of(&z, "10.1.20.129", 0), 2);   /* control /25 */
	assert_int_equal(zone_of(&z, "10.1.20.200", 0), 3);   /* safety /32 */
	assert_int_equal(zone_of(&z, "10.1.20.199", 0), 2);
	assert_int_equal(zone_of(&z, "10.1.20.201", 0), 2);
	assert_int_equal(zone_of(&z, "10.1.20.255", 0), 2);
	assert_int_equal(zone_of(&z, "10.1.21.0", 0), 0);     /* enterprise /8 */
	assert_int_equal(zone_of(&z, "10.1.19.255", 0), 0);
	assert_int_equal(zone_of(&z, "10.1.10.1", 0), 1);     /* supervisory */
	assert_int_equal(zone_of(&z, "10.1.11.255", 0), 1);
	assert_int_equal(zone_of(&z, "10.1.12.0", 0), 0);
	assert_int_equal(zone_of(&z, "10.0.0.0", 0), 0);
	assert_int_equal(zone_of(&z, "10.255.255.255", 0), 0);
	assert_int_equal(zone_of(&z, "11.0.0.0", 0), -1);     /* no match */
	assert_int_equal(zone_of(&z, "9.255.255.255", 0), -1);
	assert_int_equal(zone_of(&z, "192.168.1.1", 0), -1);
	/* IPv6 */
	assert_int_equal(zone_of(&z, "2001:db8:20::1", 0), 2);
	assert_int_equal(zone_of(&z, "2001:db8:20:ffff:ffff:ffff:ffff:ffff", 0), 2);
	assert_int_equal(zone_of(&z, "2001:db8:21::", 0), 0);
	assert_int_equal(zone_of(&z, "2001:db8::", 0), 0);
	assert_int_equal(zone_of(&z, "2001:db9::1", 0), -1);
	assert_int_equal(zone_of(&z, "::1", 0), -1);
	assert_int_equal(zone_of(&z, "::ffff:10.1.20.200", 0), 3); /* the mapped form is IPv4 */
	/* VLAN fallback: only when no network matches */
	assert_int_equal(zone_of(&z, "192.168.1.1", 30), 4);
	assert_int_equal(zone_of(&z, "10.1.10.1", 30), 1);
	assert_int_equal(zone_of(&z, "192.168.1.1", 20), 2);
	assert_int_equal(zone_of(&z, "192.168.1.1", 99), -1);
	assert_int_equal(zone_of(&z, "192.168.1.1", 4095), -1);
	memset(a, 0, sizeof(a));
	assert_int_equal(ots_zones_lookup(&z, a, 0, 10), 1);   /* no address known */
	assert_int_equal(ots_zones_lookup(&z, a, 0, 0), -1);
	assert_int_equal(ots_zones_lookup(&z, a, 0, 21), 2);
	ots_zones_free(&z);
	assert_int_equal(ots_zones_lookup(&z, a, 1, 10), -1); /* freed: nothing matches */
	assert_int_equal(ots_zones_lookup(NULL, a, 1, 10), -1);
}

/* Networks that reach both ends of the address space. */
static void
test_lookup_edges(void **state)
{
	struct ots_zones z;
	char err[512];

	(void)state;
	memset(&z, 0, sizeof(z));
	parse_str(&z,
	          "version: 1\n"
	          "zones:\n"
	          "  - {name: world6, sl_t: 0, networks: ['::/0']}\n"
	          "  - {name: world4, sl_t: 0, networks: [0.0.0.0/0]}\n"
	          "  - {name: top, sl_t: 1, networks: ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 255.255.255.255]}\n"
	          "  - {name: low, sl_t: 1, networks: ['::', 0.0.0.0/32, 'ffff::/16']}\n",
	          OTS_OK, err, sizeof(err));
	assert_int_equal(z.n_warnings, 6);
	assert_int_equal(zone_of(&z, "::", 0), 3);
	assert_int_equal(zone_of(&z, "::1", 0), 0);
	assert_int_equal(zone_of(&z, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0), 2);
	assert_int_equal(zone_of(&z, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0), 3);
	assert_int_equal(zone_of(&z, "fffe::", 0), 0);
	assert_int_equal(zone_of(&z, "0.0.0.0", 0), 3);
	assert_int_equal(zone_of(&z, "0.0.0.1", 0), 1);
	assert_int_equal(zone_of(&z, "255.255.255.254", 0), 1);
	assert_int_equal(zone_of(&z, "255.255.255.255", 0), 2);
	assert_int_equal(zone_of(&z, "::fffe:ffff:ffff", 0), 0);
	assert_int_equal(zone_of(&z, "::1:0:0:0", 0), 0);
	ots_zones_free(&z);
}

/* Many zones: the range table against a linear longest-prefix scan. */
static void
test_lookup_many(void **state)
{
	struct ots_zones z;
	char err[512], *text;
	size_t cap = 1 << 20, o = 0;
	unsigned i, k;

	(void)state;
	text = malloc(cap);
	assert_non_null(text);
	o += (size_t)snprintf(text + o, cap - o, "version: 1\nzones:\n");
	o += (size_t)snprintf(text + o, cap - o, "  - {name: all, sl_t: 0, networks: [10.0.0.0/8]}\n");
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(text + o, cap - o,
		                      "  - {name: z%u, sl_t: 1, networks: [10.%u.0.0/16, 10.%u.%u.0/24, 10.%u.%u.%u/32]}\n",
		                      i, i, (i + 1) % 256, i, (i + 2) % 256, i, i);
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_parse(&z, "many.yaml", text, o, err, sizeof(err)), OTS_OK);
	assert_int_equal(z.n_zones, 201);
	for (i = 0; i < 256; i++) {
		for (k = 0; k < 256; k += 3) {
			uint8_t a[16];
			unsigned j, l, best_len = 0;
			int best = -1;

			ip4(a, "10.0.0.0");
			a[13] = (uint8_t)i;
			a[14] = (uint8_t)k;
			a[15] = (uint8_t)(k ^ i);
			for (j = 0; j < z.n_zones; j++)
				for (l = 0; l < z.zones[j].n_nets; l++) {
					const struct ots_cidr *c = &z.zones[j].nets[l];
					unsigned b, ok = 1;

					for (b = 0; b < c->len && ok; b++)
						ok = ((a[b / 8] ^ c->addr[b / 8]) & (0x80 >> (b % 8))) == 0;
					if (ok && (best < 0 || c->len > best_len)) {
						best = (int)j;
						best_len = c->len;
					}
				}
			assert_int_equal(ots_zones_lookup(&z, a, 1, 0), best);
		}
	}
	ots_zones_free(&z);
	free(text);
}

/* ---- conduits and allow rules ----------------------------------------------------------- */

static void
test_conduits(void **state)
{
	struct ots_zones z;
	char err[512];
	int idx[8], rev;

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_load(&z, fixture("valid.yaml"), err, sizeof(err)), OTS_OK);
	/* supervisory (1) -> control (2): scada-polling and engineering, in file order */
	rev = -1;
	assert_int_equal(ots_zones_conduits(&z, 1, 2, idx, 8, &rev), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_int_equal(rev, 0);
	/* max caps what is filled */
	idx[1] = -7;
	assert_int_equal(ots_zones_conduits(&z, 1, 2, idx, 1, NULL), 1);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], -7);
	assert_int_equal(ots_zones_conduits(&z, 1, 2, NULL, 0, NULL), 0);
	/* the other way: nothing, but initiated against a one-way conduit */
	assert_int_equal(ots_zones_conduits(&z, 2, 1, idx, 8, &rev), 0);
	assert_int_equal(rev, 1);
	/* bidirectional historian: control (2) <-> enterprise (0) */
	assert_int_equal(ots_zones_conduits(&z, 2, 0, idx, 8, &rev), 1);
	assert_int_equal(idx[0], 2);
	assert_int_equal(rev, 0);
	assert_int_equal(ots_zones_conduits(&z, 0, 2, idx, 8, &rev), 1);
	assert_int_equal(idx[0], 2);
	assert_int_equal(rev, 0);
	/* bidirectional field-io declared field (4) -> control (2) */
	assert_int_equal(ots_zones_conduits(&z, 2, 4, idx, 8, &rev), 1);
	assert_int_equal(idx[0], 3);
	assert_int_equal(ots_zones_conduits(&z, 4, 2, idx, 8, &rev), 1);
	assert_int_equal(idx[0], 3);
	/* no conduit either way */
	assert_int_equal(ots_zones_conduits(&z, 1, 0, idx, 8, &rev), 0);
	assert_int_equal(rev, 0);
	assert_int_equal(ots_zones_conduits(&z, 3, 3, idx, 8, &rev), 0);
	assert_int_equal(rev, 0);
	/* unknown zones */
	assert_int_equal(ots_zones_conduits(&z, -1, 2, idx, 8, &rev), 0);
	assert_int_equal(ots_zones_conduits(&z, 1, -1, idx, 8, &rev), 0);
	assert_int_equal(ots_zones_conduits(&z, 99, 2, idx, 8, &rev), 0);
	ots_zones_free(&z);
}

static void
test_allow_match(void **state)
{
	struct ots_zones z;
	const struct ots_zone_allow *modbus, *s7, *any, *opcua;
	char err[512];

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(ots_zones_load(&z, fixture("valid.yaml"), err, sizeof(err)), OTS_OK);
	modbus = &z.conduits[0].allow[0];
	s7 = &z.conduits[0].allow[1];
	any = &z.conduits[1].allow[0];
	opcua = &z.conduits[2].allow[0];
	assert_int_equal(ots_zone_allow_match(modbus, "modbus", OTS_OP_READ, 502), 1);
	assert_int_equal(ots_zone_allow_match(modbus, "Modbus", OTS_OP_READ, 0), 1);
	assert_int_equal(ots_zone_allow_match(modbus, "modbus", OTS_OP_WRITE, 502), 0);
	assert_int_equal(ots_zone_allow_match(modbus, "modbus", OTS_OP_READ, 5020), 0);
	assert_int_equal(ots_zone_allow_match(modbus, "modbus", -1, 502), 1);
	assert_int_equal(ots_zone_allow_match(modbus, "s7comm", OTS_OP_READ, 502), 0);
	assert_int_equal(ots_zone_allow_match(modbus, "modbusx", OTS_OP_READ, 502), 0);
	assert_int_equal(ots_zone_allow_match(modbus, NULL, OTS_OP_READ, 502), 0);
	assert_int_equal(ots_zone_allow_match(s7, "s7comm", OTS_OP_OTHER, 102), 1);
	assert_int_equal(ots_zone_allow_match(s7, "s7comm", 99, 102), 1);  /* out of range: other */
	assert_int_equal(ots_zone_allow_match(s7, "s7comm", OTS_OP_PROGRAM, 102), 0);
	assert_int_equal(ots_zone_allow_match(any, "http", OTS_OP_FIRMWARE, 80), 1);
	assert_int_equal(ots_zone_allow_match(any, NULL, OTS_OP_PROGRAM, 0), 1);
	assert_int_equal(ots_zone_allow_match(any, "s7comm", OTS_OP_READ, 102), 0);
	assert_int_equal(ots_zone_allow_match(opcua, "OPCUA", OTS_OP_WRITE, 4843), 1);
	assert_int_equal(ots_zone_allow_match(opcua, "opcua", OTS_OP_WRITE, 4841), 0);
	ots_zones_free(&z);

	/* nDPI names: "DNS.Google" matches a rule "dns" or "google", not "dn" */
	parse_str(&z,
	          "version: 1\nzones: [{name: it, sl_t: 0, networks: [192.168.10.0/24]}]\n"
	          "conduits:\n"
	          "  - {name: dns, from: it, to: it, allow: [{protocol: DNS}, {protocol: dn}]}\n",
	          OTS_OK, err, sizeof(err));
	assert_int_equal(ots_zone_allow_match(&z.conduits[0].allow[0], "DNS.Google", -1, 53), 1);
	assert_int_equal(ots_zone_allow_match(&z.conduits[0].allow[0], "Google.DNS", -1, 53), 1);
	assert_int_equal(ots_zone_allow_match(&z.conduits[0].allow[0], "DNSX.Google", -1, 53), 0);
	assert_int_equal(ots_zone_allow_match(&z.conduits[0].allow[1], "DNS.Google", -1, 53), 0);
	assert_int_equal(z.conduits[0].from, 0);
	assert_int_equal(z.conduits[0].to, 0);
	ots_zones_free(&z);
}

/* ---- warnings and limits ---------------------------------------------------------------- */

static void
test_overlap_warnings(void **state)
{
	struct ots_zones z;
	char err[512], *text;
	size_t cap = 1 << 16, o = 0;
	unsigned i;

	(void)state;
	memset(&z, 0, sizeof(z));
	parse_str(&z,
	          "version: 1\n"
	          "zones:\n"
	          "  - name: plant\n"
	          "    sl_t: 1\n"
	          "    networks:\n"
	          "      - 10.0.0.0/16\n"
	          "  - name: cell-1\n"
	          "    sl_t: 3\n"
	          "    networks: [10.0.2.0/24]\n"
	          "    networks_note_is_not_a_key: 1\n",
	          OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:10:5: unknown key 'networks_note_is_not_a_key' in a zone (expected name, sl_t, networks, vlans, description)");
	parse_str(&z,
	          "version: 1\n"
	          "zones:\n"
	          "  - name: plant\n"
	          "    sl_t: 1\n"
	          "    networks:\n"
	          "      - 10.0.0.0/16\n"
	          "  - name: cell-1\n"
	          "    sl_t: 3\n"
	          "    networks: [10.0.2.0/24, '2001:db8::1']\n"
	          "    vlans: [5]\n"
	          "  - name: cell-2\n"
	          "    sl_t: 3\n"
	          "    networks: [10.0.3.0/24, 10.1.0.0/24]\n",
	          OTS_OK, err, sizeof(err));
	assert_int_equal(z.n_warnings, 2);
	assert_string_equal(z.warnings[0], "mem.yaml:9: network 10.0.2.0/24 of zone 'cell-1' lies inside 10.0.0.0/16 of zone 'plant' (line 6): the longer prefix wins");
	assert_string_equal(z.warnings[1], "mem.yaml:13: network 10.0.3.0/24 of zone 'cell-2' lies inside 10.0.0.0/16 of zone 'plant' (line 6): the longer prefix wins");
	ots_zones_free(&z);

	/* beyond the cap, warnings are counted in the last one */
	text = malloc(cap);
	assert_non_null(text);
	o += (size_t)snprintf(text + o, cap - o,
	                      "version: 1\nzones:\n  - {name: big, sl_t: 0, networks: [10.0.0.0/8]}\n"
	                      "  - name: hosts\n    sl_t: 1\n    networks:\n");
	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(text + o, cap - o, "      - 10.0.%u.%u\n", i / 256, i % 256);
	assert_int_equal(ots_zones_parse(&z, "cap.yaml", text, o, err, sizeof(err)), OTS_OK);
	assert_int_equal(z.n_warnings, OTS_ZONES_MAX_WARNINGS);
	assert_string_equal(z.warnings[0], "cap.yaml:7: network 10.0.0.0/32 of zone 'hosts' lies inside 10.0.0.0/8 of zone 'big' (line 3): the longer prefix wins");
	assert_string_equal(z.warnings[OTS_ZONES_MAX_WARNINGS - 1],
	                    "cap.yaml: 45 more warnings not shown");
	assert_int_equal(zone_of(&z, "10.0.1.43", 0), 1);
	assert_int_equal(zone_of(&z, "10.0.1.44", 0), 0);
	ots_zones_free(&z);
	free(text);
}

static void
test_limits(void **state)
{
	struct ots_zones z;
	char err[512], *text;
	size_t cap = 2 << 20, o = 0;
	unsigned i;

	(void)state;
	memset(&z, 0, sizeof(z));
	text = malloc(cap);
	assert_non_null(text);
	o += (size_t)snprintf(text + o, cap - o, "version: 1\nzones:\n");
	for (i = 0; i <= OTS_ZONES_MAX_ZONES; i++)
		o += (size_t)snprintf(text + o, cap - o, "- {name: z%u, sl_t: 1, vlans: [%u]}\n", i,
		                      i % 4094 + 1);
	assert_int_equal(ots_zones_parse(&z, "lim.yaml", text, o, err, sizeof(err)), OTS_ELIMIT);
	assert_string_equal(err, "lim.yaml:3:1: too many zones (max 4096)");

	/* deep nesting stops at the cap, before any schema check */
	o = (size_t)snprintf(text, cap, "version: 1\nzones: ");
	for (i = 0; i < 40; i++)
		text[o++] = '[';
	for (i = 0; i < 40; i++)
		text[o++] = ']';
	text[o++] = '\n';
	assert_int_equal(ots_zones_parse(&z, "deep.yaml", text, o, err, sizeof(err)), OTS_ELIMIT);
	assert_string_equal(err, "deep.yaml:2:23: nesting deeper than 16 levels");

	/* a huge flat list is refused by its length */
	o = (size_t)snprintf(text, cap, "version: 1\nzones:\n- {name: a, sl_t: 1, vlans: [");
	for (i = 0; i <= OTS_ZONES_MAX_LIST; i++)
		o += (size_t)snprintf(text + o, cap - o, "%s1", i ? "," : "");
	o += (size_t)snprintf(text + o, cap - o, "]}\n");
	assert_int_equal(ots_zones_parse(&z, "list.yaml", text, o, err, sizeof(err)), OTS_ELIMIT);
	assert_string_equal(err, "list.yaml:3:29: vlans has 4097 entries (max 4096)");
	assert_null(z.zones);

	/* memory is bounded while the tree is built: list length, mapping size, node count */
	o = (size_t)snprintf(text, cap, "version: 1\nzones: [");
	for (i = 0; i <= OTS_ZONES_MAX_CONDUITS; i++)
		o += (size_t)snprintf(text + o, cap - o, "%s1", i ? "," : "");
	o += (size_t)snprintf(text + o, cap - o, "]\n");
	assert_int_equal(ots_zones_parse(&z, "long.yaml", text, o, err, sizeof(err)), OTS_ELIMIT);
	assert_string_equal(err, "long.yaml:2:8: a list longer than 16384 entries");
	o = (size_t)snprintf(text, cap, "version: 1\nzones: [{");
	for (i = 0; i <= 16; i++)
		o += (size_t)snprintf(text + o, cap - o, "%sk%u: 1", i ? ", " : "", i);
	o += (size_t)snprintf(text + o, cap - o, "}]\n");
	assert_int_equal(ots_zones_parse(&z, "keys.yaml", text, o, err, sizeof(err)), OTS_EINVAL);
	assert_string_equal(err, "keys.yaml:2:9: a mapping with more than 16 keys (no mapping of a zones file has more than 5)");
	o = (size_t)snprintf(text, cap, "version: 1\nzones:\n");
	for (i = 0; i < 40; i++) {
		unsigned k;

		o += (size_t)snprintf(text + o, cap - o, "- [");
		for (k = 0; k < 14000; k++)
			o += (size_t)snprintf(text + o, cap - o, "%s1", k ? "," : "");
		o += (size_t)snprintf(text + o, cap - o, "]\n");
	}
	assert_int_equal(ots_zones_parse(&z, "nodes.yaml", text, o, err, sizeof(err)), OTS_ELIMIT);
	assert_non_null(strstr(err, ": more than 524288 YAML nodes"));
	assert_null(z.zones);
	free(text);

	/* values: integers are plain decimals, booleans true or false, null is no string */
	parse_str(&z, "version: 01\nzones: []\n", OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:1:10: unsupported version '01' (expected 1)");
	parse_str(&z, "version: 1\nzones: []\n", OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:2:8: zones must not be an empty list");
	parse_str(&z, "version: 1\nzones: [{name: ~, sl_t: 1, vlans: [1]}]\n", OTS_EINVAL, err,
	          sizeof(err));
	assert_string_equal(err, "mem.yaml:2:16: name must be a string, not null");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: -1, vlans: [1]}]\n", OTS_EINVAL, err,
	          sizeof(err));
	assert_string_equal(err, "mem.yaml:2:25: sl_t must be an integer 0-4, not '-1'");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: [3], vlans: [1]}]\n", OTS_EINVAL, err,
	          sizeof(err));
	assert_string_equal(err, "mem.yaml:2:25: sl_t must be an integer 0-4, not a list");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1, 1]}]\n", OTS_EINVAL, err,
	          sizeof(err));
	assert_string_equal(err, "mem.yaml:2:39: VLAN 1 listed twice in zone 'a' (first at line 2)");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1]}]\n[x]: 1\n", OTS_EINVAL,
	          err, sizeof(err));
	assert_string_equal(err, "mem.yaml:3:1: a key in the top level must be a string, not a list");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1]}]\nconduits: [x]\n",
	          OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:3:12: a conduit must be a mapping (name, from, to, bidirectional, allow), not 'x'");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1]}]\nconduits: [{name: c, from: a, to: a, allow: [{protocol: any, operations: []}]}]\n",
	          OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:3:74: operations must not be an empty list");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1]}]\ndefaults: allow\n",
	          OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:3:11: defaults must be a mapping (intra_zone, unzoned, internet), not 'allow'");
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1]}]\nsite: \"a\\0b\"\n",
	          OTS_EINVAL, err, sizeof(err));
	assert_string_equal(err, "mem.yaml:3:7: NUL character in a string");
	/* the minimal valid file: defaults apply, an empty conduit list is fine */
	parse_str(&z, "version: 1\nzones: [{name: a, sl_t: 1, vlans: [1]}]\nconduits: []\nsite: ~\n",
	          OTS_OK, err, sizeof(err));
	assert_null(z.site);
	assert_int_equal(z.intra_zone_alert, 0);
	assert_int_equal(z.unzoned_alert, 1);
	assert_int_equal(z.internet_alert, 1);
	assert_int_equal(z.n_conduits, 0);
	ots_zones_free(&z);
}

/* Every prefix of the valid example loads or fails with a one-line message. */
static void
test_truncation_sweep(void **state)
{
	size_t len, n, ok = 0, failed = 0;
	char *buf = read_fixture("valid.yaml", &len);

	(void)state;
	for (n = 0; n <= len; n++) {
		struct ots_zones z;
		char err[512] = "";
		char *copy = malloc(n ? n : 1); /* exact size: ASan sees any read past it */
		int rc;

		assert_non_null(copy);
		memcpy(copy, buf, n);
		memset(&z, 0, sizeof(z));
		rc = ots_zones_parse(&z, "cut.yaml", copy, n, err, sizeof(err));
		if (rc == OTS_OK) {
			ok++;
			assert_true(z.n_zones > 0);
			assert_string_equal(err, "");
		} else {
			failed++;
			assert_true(rc == OTS_EINVAL || rc == OTS_ELIMIT);
			assert_true(strncmp(err, "cut.yaml:", 9) == 0);
			assert_true(strlen(err) > 12);
			assert_null(strchr(err, '\n'));
			assert_null(z.zones);
		}
		ots_zones_free(&z);
		free(copy);
	}
	/* cuts in the middle of conduits still load (as a file with fewer conduits) */
	assert_true(ok > 0);
	assert_true(failed > 0);
	assert_int_equal(ok + failed, len + 1);
	free(buf);
}

/* The example shipped in packaging/ loads. */
static void
test_packaged_example(void **state)
{
	struct ots_zones z;
	char path[1200], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/../../../packaging/zones.example.yaml", data_dir);
	memset(&z, 0, sizeof(z));
	if (ots_zones_load(&z, path, err, sizeof(err)) != OTS_OK)
		print_error("%s\n", err);
	assert_int_equal(ots_zones_load(&z, path, err, sizeof(err)), OTS_OK);
	assert_true(z.n_zones >= 6);
	assert_true(z.n_conduits >= 4);
	assert_int_equal(z.n_warnings, 0);
	assert_int_equal(zone_of(&z, "10.10.20.5", 0), ots_zones_find(&z, "control"));
	assert_int_equal(zone_of(&z, "10.10.10.10", 0), ots_zones_find(&z, "supervisory"));
	assert_int_equal(zone_of(&z, "192.168.10.30", 0), ots_zones_find(&z, "office"));
	assert_int_equal(zone_of(&z, "8.8.8.8", 0), -1);
	ots_zones_free(&z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_full),
		cmocka_unit_test(test_error_fixtures),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_failed_load_keeps_old),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_lookup_edges),
		cmocka_unit_test(test_lookup_many),
		cmocka_unit_test(test_conduits),
		cmocka_unit_test(test_allow_match),
		cmocka_unit_test(test_overlap_warnings),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_packaged_example),
	};

	find_data_dir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
