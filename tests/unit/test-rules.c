/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-rules.c: the detection rule language (src/rules.c, rules/README.md): a valid rule of
 * every `on` kind and field with its resolved values, one fixture per error with its exact
 * FILE:LINE:COLUMN message, truth tables of ots_rules_match and ots_rules_match_assets, the
 * per-protocol index, a truncation sweep and directory loading.
 * Fixtures: tests/data/rules ($top_srcdir/tests/data/rules, else the build-time source dir).
 */
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

#include "ots/asset-t.h"
#include "ots/compiler.h"
#include "ots/error.h"
#include "ots/ics-t.h"
#include "ots/rules.h"
#include "ots/zones.h"

static char data_dir[1024];

static void
find_data_dir(void)
{
	const char *top = getenv("top_srcdir");

	if (top != NULL && top[0] != '\0')
		snprintf(data_dir, sizeof(data_dir), "%s/tests/data/rules", top);
	else
		snprintf(data_dir, sizeof(data_dir), "%s", OTS_TEST_RULES_DIR);
}

static const char *
fixture(const char *name)
{
	static char paths[4][1200];
	static unsigned n;
	char *p = paths[n++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s", data_dir, name);
	return p;
}

/* The message without the fixture directory. */
static const char *
strip_dir(const char *msg)
{
	size_t n = strlen(data_dir);

	if (strncmp(msg, data_dir, n) == 0 && msg[n] == '/')
		return msg + n + 1;
	return msg;
}

/* A zones set with control (0) and office (1), parsed from memory. */
static const char zones_text[] =
	"version: 1\n"
	"zones:\n"
	"  - name: control\n"
	"    sl_t: 3\n"
	"    networks: [10.1.20.0/24]\n"
	"  - name: office\n"
	"    sl_t: 1\n"
	"    networks: [192.168.0.0/16]\n";

static void
zones_get(struct ots_zones *z)
{
	char err[256];
	int rc;

	memset(z, 0, sizeof(*z));
	rc = ots_zones_parse(z, "zones.yaml", zones_text, strlen(zones_text), err, sizeof(err));
	if (rc != OTS_OK)
		print_error("zones: %s\n", err);
	assert_int_equal(rc, OTS_OK);
	assert_int_equal(ots_zones_find(z, "control"), 0);
	assert_int_equal(ots_zones_find(z, "office"), 1);
}

/* Parse text as t.rules and finish; fails the test unless both succeed. */
static void
parse_ok(struct ots_rules *rs, const char *text, const struct ots_zones *z)
{
	char err[1024] = "x";
	int rc;

	memset(rs, 0, sizeof(*rs));
	rc = ots_rules_parse(rs, "t.rules", text, strlen(text), z, err, sizeof(err));
	if (rc == OTS_OK)
		rc = ots_rules_finish(rs, err, sizeof(err));
	if (rc != OTS_OK)
		print_error("unexpected error %d: %s\ninput:\n%s\n", rc, err, text);
	assert_int_equal(rc, OTS_OK);
}

/* ---- a valid rule of every kind and field --------------------------------------------- */

static const char valid_text[] =
	"# every field of every kind\n"
	"rule op-all {\n"
	"    name      \"Op \\\"all\\\" \\\\ fields\"\n"
	"    severity  critical\n"
	"    technique T0858 T0881.001\n"
	"    message   \"m\"\n"
	"    on        op\n"
	"    match     protocol modbus s7comm\n"
	"    match     function write_single_register\n"
	"    match     function.code 5-6 16\n"
	"    match     class write control\n"
	"    match     direction request\n"
	"    match     unit 1-247\n"
	"    match     address not 0-99\n"
	"    match     qualifier 6\n"
	"    match     exception not\n"
	"    match     exception.code 1-4\n"
	"    match     transport tcp\n"
	"    match     source.ip 10.1.20.0/24 2001:db8::/32\n"
	"    match     destination.ip 10.1.20.200\n"
	"    match     source.port 1024-65535\n"
	"    match     destination.port 502 102\n"
	"    match     source.mac 00:11:22:aa:bb:cc\n"
	"    match     destination.mac 00:11:22:AA:BB:CD\n"
	"    match     vlan 10-20\n"
	"    match     source.zone control unzoned\n"
	"    match     destination.zone internet office\n"
	"    match     source.role hmi engineering\n"
	"    match     destination.role plc\n"
	"    threshold count 20 within 10s by source destination\n"
	"    suppress  source.ip 10.1.20.9\n"
	"    suppress  unit 0\n"
	"}\n"
	"\n"
	"rule flag-all {   # trailing comment\n"
	"\tname \"Flag\"\n"
	"\tseverity high\n"
	"\tmessage \"f\"\n"
	"\ton flag\n"
	"\tmatch protocol s7comm\n"
	"\tmatch flag cleartext_credential no_security\n"
	"\tmatch reason dcc_password\n"
	"\tmatch transport tcp udp ether other\n"
	"\tthreshold distinct destination 16 within 60s by source\n"
	"}\n"
	"rule flow-all {\n"
	"    name \"Flow\"\n"
	"    severity medium\n"
	"    message \"w\"\n"
	"    on flow\n"
	"    match protocol none\n"
	"    match answered no\n"
	"    threshold distinct destination.port 10 within 500ms by conduit\n"
	"    enabled no\n"
	"}\n"
	"rule asset-all {\n"
	"    name \"Asset\"\n"
	"    severity low\n"
	"    message \"a\"\n"
	"    on asset\n"
	"    match change new_asset ip_mac_change\n"
	"    match source.ip 2001:db8::1\n"
	"    match source.mac 02:00:00:00:00:01\n"
	"    match vlan 7\n"
	"    match source.role plc rtu\n"
	"}\n"
	"rule sev.num_1 {\n"
	"    name \"Numeric\"\n"
	"    severity 42\n"
	"    message \"n\"\n"
	"    threshold distinct function 8 within 2m\n"
	"    enabled yes\n"
	"}\n"
	"rule unit-scan {\n"
	"    name \"Units\"\n"
	"    severity 100\n"
	"    message \"u\"\n"
	"    threshold distinct unit 5 within 1h by conduit source\n"
	"}\n";

static void
v4mapped(uint8_t a[16], const char *s)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, s, a + 12), 1);
}

static void
test_valid_all(void **state)
{
	struct ots_rules rs;
	struct ots_zones z;
	const struct ots_rule *r;
	const struct ots_rule_cond *k;
	uint8_t a[16];
	static const uint8_t mac1[6] = { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc };
	static const uint8_t mac2[6] = { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcd };

	(void)state;
	zones_get(&z);
	parse_ok(&rs, valid_text, &z);
	assert_int_equal(rs.n, 6);
	assert_int_equal(rs.n_files, 1);
	assert_string_equal(rs.files[0], "t.rules");
	assert_true(rs.generation >= 1);

	/* op-all */
	r = &rs.v[0];
	assert_string_equal(r->id, "op-all");
	assert_string_equal(r->name, "Op \"all\" \\ fields");
	assert_string_equal(r->message, "m");
	assert_string_equal(r->file, "t.rules");
	assert_int_equal(r->line, 2);
	assert_int_equal(r->index, 0);
	assert_int_equal(r->severity, 99);
	assert_int_equal(r->on, OTS_RON_OP);
	assert_int_equal(r->enabled, 1);
	assert_int_equal(r->deferred, 1);
	assert_int_equal(r->n_techniques, 2);
	assert_string_equal(r->techniques[0], "T0858");
	assert_string_equal(r->techniques[1], "T0881.001");
	assert_int_equal(r->n_conds, 22);
	k = r->conds;
	assert_int_equal(k[0].field, OTS_RF_PROTOCOL);
	assert_int_equal(k[0].bits, (1u << OTS_PROTO_MODBUS) | (1u << OTS_PROTO_S7COMM));
	assert_int_equal(k[0].line, 8);
	assert_int_equal(k[0].col, 15);
	assert_int_equal(k[1].field, OTS_RF_FUNCTION);
	assert_int_equal(k[1].n, 1);
	assert_string_equal(k[1].strs[0], "write_single_register");
	assert_int_equal(k[2].field, OTS_RF_FUNCTION_CODE);
	assert_int_equal(k[2].n, 2);
	assert_int_equal(k[2].ranges[0].lo, 5);
	assert_int_equal(k[2].ranges[0].hi, 6);
	assert_int_equal(k[2].ranges[1].lo, 16);
	assert_int_equal(k[2].ranges[1].hi, 16);
	assert_int_equal(k[3].field, OTS_RF_CLASS);
	assert_int_equal(k[3].bits, (1u << OTS_OP_WRITE) | (1u << OTS_OP_CONTROL));
	assert_int_equal(k[4].field, OTS_RF_DIRECTION);
	assert_int_equal(k[4].bits, 1);
	assert_int_equal(k[5].field, OTS_RF_UNIT);
	assert_int_equal(k[5].ranges[0].lo, 1);
	assert_int_equal(k[5].ranges[0].hi, 247);
	assert_int_equal(k[6].field, OTS_RF_ADDRESS);
	assert_int_equal(k[6].negate, 1);
	assert_int_equal(k[6].n, 1);
	assert_int_equal(k[6].ranges[0].hi, 99);
	assert_int_equal(k[7].field, OTS_RF_QUALIFIER);
	assert_int_equal(k[7].ranges[0].lo, 6);
	assert_int_equal(k[8].field, OTS_RF_EXCEPTION);
	assert_int_equal(k[8].negate, 1);
	assert_int_equal(k[8].n, 0);
	assert_int_equal(k[9].field, OTS_RF_EXCEPTION_CODE);
	assert_int_equal(k[9].ranges[0].hi, 4);
	assert_int_equal(k[10].field, OTS_RF_TRANSPORT);
	assert_int_equal(k[10].bits, 1);
	assert_int_equal(k[11].field, OTS_RF_SRC_IP);
	assert_int_equal(k[11].n, 2);
	v4mapped(a, "10.1.20.0");
	assert_memory_equal(k[11].nets[0].addr, a, 16);
	assert_int_equal(k[11].nets[0].len, 96 + 24);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::", a), 1);
	assert_memory_equal(k[11].nets[1].addr, a, 16);
	assert_int_equal(k[11].nets[1].len, 32);
	assert_int_equal(k[12].field, OTS_RF_DST_IP);
	v4mapped(a, "10.1.20.200");
	assert_memory_equal(k[12].nets[0].addr, a, 16);
	assert_int_equal(k[12].nets[0].len, 128);
	assert_int_equal(k[13].field, OTS_RF_SRC_PORT);
	assert_int_equal(k[13].ranges[0].lo, 1024);
	assert_int_equal(k[13].ranges[0].hi, 65535);
	assert_int_equal(k[14].field, OTS_RF_DST_PORT);
	assert_int_equal(k[14].ranges[1].lo, 102);
	assert_int_equal(k[15].field, OTS_RF_SRC_MAC);
	assert_memory_equal(k[15].macs[0], mac1, 6);
	assert_int_equal(k[16].field, OTS_RF_DST_MAC);
	assert_memory_equal(k[16].macs[0], mac2, 6);
	assert_int_equal(k[17].field, OTS_RF_VLAN);
	assert_int_equal(k[17].ranges[0].lo, 10);
	assert_int_equal(k[17].ranges[0].hi, 20);
	assert_int_equal(k[18].field, OTS_RF_SRC_ZONE);
	assert_int_equal(k[18].n, 2);
	assert_int_equal(k[18].zones[0], 0);
	assert_int_equal(k[18].zones[1], -1);
	assert_string_equal(k[18].strs[1], "unzoned");
	assert_int_equal(k[19].field, OTS_RF_DST_ZONE);
	assert_int_equal(k[19].zones[0], -2);
	assert_int_equal(k[19].zones[1], 1);
	assert_int_equal(k[20].field, OTS_RF_SRC_ROLE);
	assert_int_equal(k[20].bits, (1u << OTS_ROLE_HMI) | (1u << OTS_ROLE_ENGINEERING));
	assert_int_equal(k[21].field, OTS_RF_DST_ROLE);
	assert_int_equal(k[21].bits, 1u << OTS_ROLE_PLC);
	assert_int_equal(r->thr_n, 20);
	assert_int_equal(r->thr_distinct, OTS_RD_NONE);
	assert_int_equal(r->thr_window_us, 10000000);
	assert_int_equal(r->thr_by, OTS_RK_SOURCE | OTS_RK_DESTINATION);
	assert_int_equal(r->n_supp, 2);
	assert_int_equal(r->supp[0].field, OTS_RF_SRC_IP);
	assert_int_equal(r->supp[0].nets[0].len, 128);
	assert_int_equal(r->supp[0].line, 31);
	assert_int_equal(r->supp[1].field, OTS_RF_UNIT);
	assert_int_equal(r->supp[1].ranges[0].hi, 0);

	/* flag-all */
	r = &rs.v[1];
	assert_string_equal(r->id, "flag-all");
	assert_int_equal(r->line, 35);
	assert_int_equal(r->severity, 75);
	assert_int_equal(r->on, OTS_RON_FLAG);
	assert_int_equal(r->n_techniques, 0);
	assert_int_equal(r->deferred, 0);
	assert_int_equal(r->n_conds, 4);
	assert_int_equal(r->conds[1].field, OTS_RF_FLAG);
	assert_int_equal(r->conds[1].bits,
	                 (1u << OTS_FLAG_CLEARTEXT_CREDENTIAL) | (1u << OTS_FLAG_NO_SECURITY));
	assert_int_equal(r->conds[1].col, 8);  /* tab counts as one column */
	assert_int_equal(r->conds[2].field, OTS_RF_REASON);
	assert_string_equal(r->conds[2].strs[0], "dcc_password");
	assert_int_equal(r->conds[3].bits, 0xf);
	assert_int_equal(r->thr_n, 16);
	assert_int_equal(r->thr_distinct, OTS_RD_DESTINATION);
	assert_int_equal(r->thr_window_us, 60000000);
	assert_int_equal(r->thr_by, OTS_RK_SOURCE);

	/* flow-all */
	r = &rs.v[2];
	assert_int_equal(r->severity, 50);
	assert_int_equal(r->on, OTS_RON_FLOW);
	assert_int_equal(r->enabled, 0);
	assert_int_equal(r->conds[0].bits, 1);   /* protocol none */
	assert_int_equal(r->conds[1].field, OTS_RF_ANSWERED);
	assert_int_equal(r->conds[1].bits, 1);   /* "no" */
	assert_int_equal(r->thr_distinct, OTS_RD_DST_PORT);
	assert_int_equal(r->thr_n, 10);
	assert_int_equal(r->thr_window_us, 500000);
	assert_int_equal(r->thr_by, OTS_RK_CONDUIT);

	/* asset-all */
	r = &rs.v[3];
	assert_int_equal(r->severity, 25);
	assert_int_equal(r->on, OTS_RON_ASSET);
	assert_int_equal(r->deferred, 1);
	assert_int_equal(r->conds[0].field, OTS_RF_CHANGE);
	assert_int_equal(r->conds[0].bits, (1u << OTS_CHG_NEW_ASSET) | (1u << OTS_CHG_IP_MAC));
	assert_int_equal(r->conds[1].nets[0].len, 128);
	assert_int_equal(r->conds[4].bits, (1u << OTS_ROLE_PLC) | (1u << OTS_ROLE_RTU));
	assert_int_equal(r->thr_n, 0);

	/* numeric severity, default `on op`, distinct function, default group */
	r = &rs.v[4];
	assert_string_equal(r->id, "sev.num_1");
	assert_int_equal(r->severity, 42);
	assert_int_equal(r->on, OTS_RON_OP);
	assert_int_equal(r->enabled, 1);
	assert_int_equal(r->n_conds, 0);
	assert_int_equal(r->thr_distinct, OTS_RD_FUNCTION);
	assert_int_equal(r->thr_n, 8);
	assert_int_equal(r->thr_window_us, 120000000);
	assert_int_equal(r->thr_by, OTS_RK_SOURCE | OTS_RK_DESTINATION);
	r = &rs.v[5];
	assert_int_equal(r->severity, 100);
	assert_int_equal(r->thr_distinct, OTS_RD_UNIT);
	assert_int_equal(r->thr_window_us, UINT64_C(3600000000));
	assert_int_equal(r->thr_by, OTS_RK_CONDUIT | OTS_RK_SOURCE);

	ots_rules_free(&rs);
	assert_null(rs.v);
	ots_zones_free(&z);
}

/* A top-level suppress attaches to a rule defined in a later buffer, once finished. */
static void
test_toplevel_suppress(void **state)
{
	static const char local[] =
		"# site exceptions\n"
		"suppress later-rule destination.port 502 503\n"
		"suppress later-rule source.role not hmi\n";
	static const char later[] =
		"rule later-rule {\n name \"L\"\n severity low\n message \"l\"\n"
		" suppress source.ip 10.0.0.0/8\n}\n";
	struct ots_rules rs;
	char err[512] = "";
	const struct ots_rule *r;

	(void)state;
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(ots_rules_parse(&rs, "local.rules", local, strlen(local), NULL, err,
	                                 sizeof(err)), OTS_OK);
	assert_int_equal(rs.n, 0);
	assert_int_equal(ots_rules_parse(&rs, "z.rules", later, strlen(later), NULL, err,
	                                 sizeof(err)), OTS_OK);
	r = &rs.v[0];
	assert_int_equal(r->n_supp, 1);
	assert_int_equal(r->deferred, 0);
	assert_int_equal(ots_rules_finish(&rs, err, sizeof(err)), OTS_OK);
	r = &rs.v[0];
	assert_int_equal(rs.n_files, 2);
	assert_string_equal(rs.files[0], "local.rules");
	assert_string_equal(rs.files[1], "z.rules");
	assert_string_equal(r->file, rs.files[1]);
	assert_int_equal(r->n_supp, 3);
	assert_int_equal(r->supp[1].field, OTS_RF_DST_PORT);
	assert_int_equal(r->supp[1].n, 2);
	assert_int_equal(r->supp[1].ranges[0].lo, 502);
	assert_int_equal(r->supp[1].ranges[1].lo, 503);
	assert_int_equal(r->supp[1].line, 2);
	assert_int_equal(r->supp[1].col, 21);
	assert_int_equal(r->supp[2].field, OTS_RF_SRC_ROLE);
	assert_int_equal(r->supp[2].negate, 1);
	assert_int_equal(r->deferred, 1);  /* the role suppression is deferred */
	ots_rules_free(&rs);
}

/* ---- errors ----------------------------------------------------------------------------- */

#define HDR "rule r1 {\n name \"N\"\n severity high\n message \"M\"\n"   /* lines 1-4 */

struct efix {
	const char *text;
	int zones;               /* parse with the zones set */
	const char *want;
};

static const struct efix errors[] = {
	/* statements and structure */
	{ HDR " bogus 1\n}\n", 0, "t.rules:5:2: unknown statement 'bogus' (name, severity, "
	  "message, technique, on, match, threshold, suppress, enabled)" },
	{ HDR " averyveryveryveryverylongkeyword1 x\n}\n", 0,
	  "t.rules:5:2: unknown statement 'averyveryveryveryverylongkeyword'" },
	{ "hello\n", 0, "t.rules:1:1: 'rule ID {' or 'suppress RULE-ID ...' was expected" },
	{ "\n\n  }\n", 0, "t.rules:3:3: 'rule ID {' or 'suppress RULE-ID ...' was expected" },
	{ "rule R1 {\n", 0, "t.rules:1:6: a rule id ([a-z0-9][a-z0-9._-]*) was expected" },
	{ "rule -x {\n", 0, "t.rules:1:6: a rule id ([a-z0-9][a-z0-9._-]*) was expected" },
	{ "rule {\n", 0, "t.rules:1:6: a rule id ([a-z0-9][a-z0-9._-]*) was expected" },
	{ "rule \"r1\" {\n", 0, "t.rules:1:6: a rule id ([a-z0-9][a-z0-9._-]*) was expected" },
	{ "rule r1\n{\n", 0, "t.rules:1:8: '{' was expected after the rule id" },
	{ "rule r1 x {\n", 0, "t.rules:1:9: '{' was expected after the rule id" },
	{ HDR, 0, "t.rules:1:1: rule r1: '}' is missing" },
	{ "rule r1 {\n name \"N\"", 0, "t.rules:1:1: rule r1: '}' is missing" },
	{ "\n  rule r1 {\n name \"N\" # c", 0, "t.rules:2:3: rule r1: '}' is missing" },
	{ HDR "}", 0, NULL },   /* no final newline: fine */
	{ HDR "} x\n", 0, "t.rules:5:3: end of line expected after '}'" },
	{ HDR " \"str\"\n}\n", 0, "t.rules:5:2: a statement keyword was expected" },
	{ HDR " match protocol {\n}\n", 0, "t.rules:5:17: unexpected '{'" },
	{ HDR " match reason \"x\"\n}\n", 0, "t.rules:5:15: a word was expected, not a string" },
	{ "rule r1 {\n name \"N\"\n severity high\n}\n", 0, "t.rules:1:1: rule r1 has no 'message'" },
	{ "rule r1 {\n severity high\n message \"M\"\n}\n", 0, "t.rules:1:1: rule r1 has no 'name'" },
	{ "\nrule r1 {\n name \"N\"\n message \"M\"\n}\n", 0,
	  "t.rules:2:1: rule r1 has no 'severity'" },
	{ HDR "}\n" HDR "}\n", 0, "t.rules:6:6: rule r1 is already defined at t.rules:1" },
	{ HDR " name \"x\"\n}\n", 0, "t.rules:5:2: 'name' given twice" },
	{ HDR " severity low\n}\n", 0, "t.rules:5:2: 'severity' given twice" },
	{ "rule r1 {\n name \"\"\n", 0, "t.rules:2:2: 'name' takes one non-empty quoted string" },
	{ "rule r1 {\n message \"a\" \"b\"\n", 0,
	  "t.rules:2:2: 'message' takes one non-empty quoted string" },
	{ "rule r1 {\n severity extreme\n", 0,
	  "t.rules:2:11: severity is low, medium, high, critical or 1-100" },
	{ "rule r1 {\n severity 0\n", 0,
	  "t.rules:2:11: severity is low, medium, high, critical or 1-100" },
	{ "rule r1 {\n severity 101\n", 0,
	  "t.rules:2:11: severity is low, medium, high, critical or 1-100" },
	{ "rule r1 {\n severity\n", 0,
	  "t.rules:2:2: severity is low, medium, high, critical or 1-100" },
	{ HDR " technique T0855 X123\n}\n", 0,
	  "t.rules:5:18: 'X123' is not an ATT&CK technique id (T0855, T0855.001)" },
	{ HDR " technique T0855.1\n}\n", 0,
	  "t.rules:5:12: 'T0855.1' is not an ATT&CK technique id (T0855, T0855.001)" },
	{ HDR " technique\n}\n", 0, "t.rules:5:2: 'technique' needs ATT&CK ids (T0855 ...)" },
	{ HDR " on packet\n}\n", 0, "t.rules:5:5: 'on' is op, flag, flow or asset" },
	{ HDR " enabled perhaps\n}\n", 0, "t.rules:5:10: 'enabled' is yes or no" },
	/* fields and values */
	{ HDR " match\n}\n", 0, "t.rules:5:2: a field is missing" },
	{ HDR " match colour red\n}\n", 0, "t.rules:5:8: unknown field 'colour' (one of: "
	  "protocol function function.code class direction unit address qualifier exception "
	  "exception.code flag reason transport answered change source.ip destination.ip "
	  "source.port destination.port source.mac destination.mac vlan source.zone "
	  "destination.zone source.role destination.role source.cast destination.cast)" },
	{ HDR " match protocol\n}\n", 0, "t.rules:5:8: 'protocol' needs a value" },
	{ HDR " match protocol not\n}\n", 0, "t.rules:5:8: 'protocol' needs a value" },
	{ HDR " match protocol foo\n}\n", 0, "t.rules:5:17: unknown protocol 'foo' (one of: "
	  "s7comm s7comm_plus mms modbus dnp3 enip iec104 opcua fins slmp hart_ip ftp telnet "
	  "bacnet dhcp profinet_dcp goose lldp cdp none)" },
	{ HDR " match class fly\n}\n", 0, "t.rules:5:14: unknown op class 'fly' (one of: read "
	  "write control program mode_change firmware restart diagnostic file time_sync auth "
	  "discovery identity event other)" },
	{ HDR " on flag\n match flag sneaky\n}\n", 0, "t.rules:6:13: unknown flag 'sneaky' "
	  "(one of: malformed cleartext_credential no_security test_mode out_of_sequence)" },
	{ HDR " match source.role robot\n}\n", 0, "t.rules:5:20: unknown role 'robot' (one of: "
	  "unknown plc rtu hmi engineering historian network it)" },
	{ HDR " match direction sideways\n}\n", 0,
	  "t.rules:5:18: unknown direction 'sideways' (one of: request response)" },
	{ HDR " on flow\n match answered maybe\n}\n", 0,
	  "t.rules:6:17: unknown value 'maybe' (one of: no yes)" },
	{ HDR " match transport sctp\n}\n", 0,
	  "t.rules:5:18: unknown transport 'sctp' (one of: tcp udp ether other)" },
	{ HDR " on asset\n match change moved\n}\n", 0, "t.rules:6:15: unknown change 'moved' "
	  "(one of: new_asset role_change attribute_change ip_mac_change)" },
	{ HDR " match exception 5\n}\n", 0, "t.rules:5:18: 'exception' takes no value" },
	{ HDR " match function Write\n}\n", 0, "t.rules:5:17: 'Write' is not a function name" },
	{ HDR " on flag\n match reason Bad!\n}\n", 0, "t.rules:6:15: 'Bad!' is not a reason word" },
	{ HDR " match function write_single_register\n}\n", 0, "t.rules:5:8: 'function' needs a "
	  "'match protocol' line naming the protocol(s) whose function names these are" },
	{ HDR " match protocol none\n match function x\n}\n", 0, "t.rules:6:8: 'function' needs "
	  "a 'match protocol' line naming the protocol(s) whose function names these are" },
	/* field not valid for the `on` kind */
	{ HDR " on asset\n match destination.port 502\n}\n", 0,
	  "t.rules:6:8: field 'destination.port' does not exist for 'on asset'" },
	{ HDR " match flag malformed\n}\n", 0,
	  "t.rules:5:8: field 'flag' does not exist for 'on op'" },
	{ HDR " match protocol modbus\n match function x\n on flow\n}\n", 0,
	  "t.rules:6:8: field 'function' does not exist for 'on flow'" },
	{ HDR " on flag\n suppress answered yes\n}\n", 0,
	  "t.rules:6:11: field 'answered' does not exist for 'on flag'" },
	{ HDR " on asset\n match protocol modbus\n}\n", 0,
	  "t.rules:6:8: field 'protocol' does not exist for 'on asset'" },
	/* addresses, numbers */
	{ HDR " match source.ip 10.0.0.300\n}\n", 0,
	  "t.rules:5:18: '10.0.0.300': not an IPv4 or IPv6 address" },
	{ HDR " match source.ip 10.0.0.1/8\n}\n", 0,
	  "t.rules:5:18: '10.0.0.1/8': host bits set (the network is 10.0.0.0/8)" },
	{ HDR " match destination.ip 10.0.0.0/33\n}\n", 0,
	  "t.rules:5:23: '10.0.0.0/33': IPv4 prefix length must be 0-32" },
	{ HDR " match destination.ip 2001:db8::1/64\n}\n", 0,
	  "t.rules:5:23: '2001:db8::1/64': host bits set (the network is 2001:db8::/64)" },
	{ HDR " match destination.ip 2001:db8:::1\n}\n", 0,
	  "t.rules:5:23: '2001:db8:::1': not an IPv6 address" },
	{ HDR " match source.mac 00:11:22:33:44\n}\n", 0,
	  "t.rules:5:19: '00:11:22:33:44' is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HDR " match source.mac 00:11:22:33:44:gg\n}\n", 0,
	  "t.rules:5:19: '00:11:22:33:44:gg' is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HDR " match source.mac +0:11:22:33:44:55\n}\n", 0,
	  "t.rules:5:19: '+0:11:22:33:44:55' is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HDR " match destination.mac 0:011:22:33:44:55\n}\n", 0,
	  "t.rules:5:24: '0:011:22:33:44:55' is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HDR " match source.mac 00-11-22-33-44-55\n}\n", 0,
	  "t.rules:5:19: '00-11-22-33-44-55' is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HDR " match source.mac -1:11:22:33:44:55\n}\n", 0,
	  "t.rules:5:19: '-1:11:22:33:44:55' is not a MAC address (aa:bb:cc:dd:ee:ff)" },
	{ HDR " match unit 5-2\n}\n", 0,
	  "t.rules:5:13: '5-2' is not a number or range N-M (0-4294967295)" },
	{ HDR " match unit 1-\n}\n", 0,
	  "t.rules:5:13: '1-' is not a number or range N-M (0-4294967295)" },
	{ HDR " match address -1\n}\n", 0,
	  "t.rules:5:16: '-1' is not a number or range N-M (0-4294967295)" },
	{ HDR " match function.code 4294967296\n}\n", 0,
	  "t.rules:5:22: '4294967296' is not a number or range N-M (0-4294967295)" },
	{ HDR " match destination.port 70000\n}\n", 0,
	  "t.rules:5:25: '70000' is not a number or range N-M (0-65535)" },
	{ HDR " match source.port 1-2-3\n}\n", 0,
	  "t.rules:5:20: '1-2-3' is not a number or range N-M (0-65535)" },
	{ HDR " match vlan 4096\n}\n", 0, "t.rules:5:13: '4096' is not a number or range N-M (0-4095)" },
	/* zones */
	{ HDR " match source.zone control\n}\n", 0,
	  "t.rules:5:20: zone 'control' needs a zones file (-z)" },
	{ HDR " match destination.zone internet dmz\n}\n", 1,
	  "t.rules:5:34: unknown zone 'dmz' (not in zones.yaml)" },
	/* thresholds */
	{ HDR " threshold\n}\n", 0, "t.rules:5:2: threshold is 'count N within TIME' or "
	  "'distinct FIELD N within TIME'" },
	{ HDR " threshold sum 5 within 1s\n}\n", 0, "t.rules:5:12: threshold is 'count N within "
	  "TIME' or 'distinct FIELD N within TIME'" },
	{ HDR " threshold count 0 within 1s\n}\n", 0, "t.rules:5:18: a count 1-1000000 is expected" },
	{ HDR " threshold count 1000001 within 1s\n}\n", 0,
	  "t.rules:5:18: a count 1-1000000 is expected" },
	{ HDR " threshold count\n}\n", 0, "t.rules:5:2: a count 1-1000000 is expected" },
	{ HDR " threshold distinct\n}\n", 0, "t.rules:5:12: distinct needs a field" },
	{ HDR " threshold distinct colour 5 within 1s\n}\n", 0, "t.rules:5:21: distinct counts "
	  "destination, destination.port, function, unit or source, not 'colour'" },
	{ HDR " threshold distinct destination 1 within 1s\n}\n", 0,
	  "t.rules:5:33: a distinct threshold needs at least 2" },
	{ HDR " threshold count 5 in 1s\n}\n", 0, "t.rules:5:20: 'within TIME' is expected" },
	{ HDR " threshold count 5 within\n}\n", 0, "t.rules:5:20: 'within TIME' is expected" },
	{ HDR " threshold count 5\n}\n", 0, "t.rules:5:2: 'within TIME' is expected" },
	{ HDR " threshold count 5 within 10x\n}\n", 0, "t.rules:5:27: '10x' is not a duration "
	  "(number with ms, s, m or h; at most 7 days)" },
	{ HDR " threshold count 5 within 0s\n}\n", 0, "t.rules:5:27: '0s' is not a duration "
	  "(number with ms, s, m or h; at most 7 days)" },
	{ HDR " threshold count 5 within 169h\n}\n", 0, "t.rules:5:27: '169h' is not a duration "
	  "(number with ms, s, m or h; at most 7 days)" },
	{ HDR " threshold count 5 within 168h\n}\n", 0, NULL },
	/* 5124095577 h wraps to about 58 minutes in 64-bit microseconds */
	{ HDR " threshold count 5 within 5124095577h\n}\n", 0, "t.rules:5:27: '5124095577h' is not "
	  "a duration (number with ms, s, m or h; at most 7 days)" },
	{ HDR " threshold count 5 within 307445734562m\n}\n", 0, "t.rules:5:27: '307445734562m' is "
	  "not a duration (number with ms, s, m or h; at most 7 days)" },
	{ HDR " threshold count 5 within s\n}\n", 0, "t.rules:5:27: 's' is not a duration "
	  "(number with ms, s, m or h; at most 7 days)" },
	{ HDR " threshold count 5 within 1s by\n}\n", 0, "t.rules:5:30: 'by KEY...' is expected" },
	{ HDR " threshold count 5 within 1s per source\n}\n", 0,
	  "t.rules:5:30: 'by KEY...' is expected" },
	{ HDR " threshold count 5 within 1s by nobody\n}\n", 0,
	  "t.rules:5:33: group key is source, destination or conduit, not 'nobody'" },
	{ HDR " threshold count 5 within 1s\n threshold count 6 within 1s\n}\n", 0,
	  "t.rules:6:2: a rule has one 'threshold'" },
	{ HDR " on asset\n threshold count 5 within 1s\n}\n", 0,
	  "t.rules:1:1: rule r1: thresholds do not apply to 'on asset'" },
	{ HDR " on flow\n threshold distinct function 5 within 1s\n}\n", 0,
	  "t.rules:1:1: rule r1: distinct function needs 'on op'" },
	{ HDR " on flag\n threshold distinct unit 5 within 1s\n}\n", 0,
	  "t.rules:1:1: rule r1: distinct unit needs 'on op'" },
	/* lexical */
	{ "rule r1 {\n name \"N\n}\n", 0, "t.rules:2:7: string not closed on its line" },
	{ "rule r1 {\n name \"N", 0, "t.rules:2:7: string not closed" },
	{ "rule r1 {\n name \"a\\n\"\n}\n", 0, "t.rules:2:9: unknown escape (only \\\" and \\\\)" },
	{ "rule r1 {\n name \"a\\", 0, "t.rules:2:9: unknown escape (only \\\" and \\\\)" },
	{ "rule r1 {\n name \"a\tb\"\n}\n", 0, "t.rules:2:9: control character in string" },
	{ HDR " match protocol mod\xc3\xa9" "bus\n}\n", 0,
	  "t.rules:5:20: unexpected byte 0xc3 (rule files are ASCII outside strings)" },
	{ "rule r1\x01 {\n", 0,
	  "t.rules:1:8: unexpected byte 0x01 (rule files are ASCII outside strings)" },
	{ "rule r1 {\n\x0c\n", 0,
	  "t.rules:2:1: unexpected byte 0x0c (rule files are ASCII outside strings)" },
	/* top-level suppress */
	{ "suppress\n", 0, "t.rules:1:1: 'suppress RULE-ID FIELD VALUE...' was expected" },
	{ "suppress Bad source.ip 10.0.0.1\n", 0,
	  "t.rules:1:1: 'suppress RULE-ID FIELD VALUE...' was expected" },
	{ "suppress r1\n", 0, "t.rules:1:10: a field is missing" },
	{ "suppress r1 source.ip\n", 0, "t.rules:1:13: 'source.ip' needs a value" },
	{ "suppress nope source.ip 10.0.0.1\n", 0, "t.rules:1:10: suppress: no rule 'nope' is loaded" },
	{ HDR " on asset\n}\nsuppress r1 destination.port 5\n", 0, "t.rules:7:13: suppress: field "
	  "'destination.port' does not exist for rule r1 (on asset)" },
};

static void
test_errors(void **state)
{
	struct ots_zones z;
	size_t i;
	int failed = 0;

	(void)state;
	zones_get(&z);
	assert_true(OTS_ARRAY_LEN(errors) >= 40);
	for (i = 0; i < OTS_ARRAY_LEN(errors); i++) {
		const struct efix *e = &errors[i];
		struct ots_rules rs;
		char err[2048] = "x";
		int rc;

		memset(&rs, 0, sizeof(rs));
		rc = ots_rules_parse(&rs, "t.rules", e->text, strlen(e->text), e->zones ? &z : NULL,
		                     err, sizeof(err));
		if (rc == OTS_OK)
			rc = ots_rules_finish(&rs, err, sizeof(err));
		ots_rules_free(&rs);
		if (e->want == NULL) {
			if (rc != OTS_OK) {
				print_error("fixture %zu: unexpected error %s\n", i, err);
				failed++;
			}
			continue;
		}
		if (rc != OTS_EINVAL || strcmp(err, e->want) != 0) {
			print_error("fixture %zu: rc %d\n got: %s\nwant: %s\n", i, rc,
			            rc == OTS_OK ? "(success)" : err, e->want);
			failed++;
		}
	}
	ots_zones_free(&z);
	assert_int_equal(failed, 0);
}

/* Function names are checked against the dissectors' catalogs: a name one of the rule's
 * protocols has loads, a name none has does not. */
static void
test_unknown_function(void **state)
{
	static const char good[] = HDR " match protocol modbus\n"
		" match function write_single_register\n}\n";
	static const char bad[] = HDR " match protocol modbus s7comm\n"
		" match function no_such_function_xyz\n}\n";
	static const char either[] = HDR " match protocol modbus s7comm\n"
		" match function plc_stop write_single_register\n}\n";
	struct ots_rules rs;
	char err[512] = "";
	int rc;

	(void)state;
	parse_ok(&rs, good, NULL);
	ots_rules_free(&rs);
	parse_ok(&rs, either, NULL);
	ots_rules_free(&rs);
	memset(&rs, 0, sizeof(rs));
	rc = ots_rules_parse(&rs, "t.rules", bad, strlen(bad), NULL, err, sizeof(err));
	ots_rules_free(&rs);
	assert_int_equal(rc, OTS_EINVAL);
	assert_string_equal(err, "t.rules:6:8: no protocol of this rule has a function "
	                    "'no_such_function_xyz' (otsensor --list-functions lists them)");
}

/* Limits: words and strings are bounded, values per condition too. */
static void
test_limits(void **state)
{
	struct ots_rules rs;
	char err[512];
	char *buf;
	size_t n, i;
	int rc;

	(void)state;
	buf = malloc(64 * 1024);
	assert_non_null(buf);
	/* a 1024-byte name is fine, 1025 is not */
	for (i = 0; i < 2; i++) {
		n = (size_t)snprintf(buf, 64, "rule r1 {\n name \"");
		memset(buf + n, 'a', 1024 + i);
		n += 1024 + i;
		n += (size_t)snprintf(buf + n, 64, "\"\n severity low\n message \"m\"\n}\n");
		memset(&rs, 0, sizeof(rs));
		rc = ots_rules_parse(&rs, "t.rules", buf, n, NULL, err, sizeof(err));
		ots_rules_free(&rs);
		if (i == 0) {
			assert_int_equal(rc, OTS_OK);
		} else {
			assert_int_equal(rc, OTS_EINVAL);
			assert_string_equal(err, "t.rules:2:7: string longer than 1024 bytes");
		}
	}
	n = (size_t)snprintf(buf, 64, "rule ");
	memset(buf + n, 'a', 1100);
	n += 1100;
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(ots_rules_parse(&rs, "t.rules", buf, n, NULL, err, sizeof(err)),
	                 OTS_EINVAL);
	ots_rules_free(&rs);
	assert_string_equal(err, "t.rules:1:6: word longer than 1024 bytes");
	/* 4096 values are fine, 4097 are not */
	for (i = 0; i < 2; i++) {
		size_t v;

		n = (size_t)snprintf(buf, 128, HDR " match unit");
		for (v = 0; v < 4096 + i; v++)
			n += (size_t)snprintf(buf + n, 16, " %zu", v % 10);
		n += (size_t)snprintf(buf + n, 16, "\n}\n");
		memset(&rs, 0, sizeof(rs));
		rc = ots_rules_parse(&rs, "t.rules", buf, n, NULL, err, sizeof(err));
		if (i == 0) {
			assert_int_equal(rc, OTS_OK);
			assert_int_equal(rs.v[0].conds[0].n, 4096);
		} else {
			assert_int_equal(rc, OTS_EINVAL);
			assert_string_equal(err, "t.rules:5:8205: more than 4096 values");
		}
		ots_rules_free(&rs);
	}
	/* with `not` and in a top-level suppress, still 4096 values */
	n = (size_t)snprintf(buf, 128, HDR " match unit not");
	for (i = 0; i < 4096; i++)
		n += (size_t)snprintf(buf + n, 16, " %zu", i % 10);
	n += (size_t)snprintf(buf + n, 64, "\n}\nsuppress r1 source.port not");
	for (i = 0; i < 4096; i++)
		n += (size_t)snprintf(buf + n, 16, " %zu", i % 10);
	memset(&rs, 0, sizeof(rs));
	rc = ots_rules_parse(&rs, "t.rules", buf, n, NULL, err, sizeof(err));
	if (rc == OTS_OK)
		rc = ots_rules_finish(&rs, err, sizeof(err));
	assert_int_equal(rc, OTS_OK);
	assert_int_equal(rs.v[0].conds[0].n, 4096);
	assert_int_equal(rs.v[0].supp[0].n, 4096);
	ots_rules_free(&rs);
	free(buf);
	/* a short error buffer is truncated, not overrun */
	memset(&rs, 0, sizeof(rs));
	memset(err, 'z', sizeof(err));
	assert_int_equal(ots_rules_parse(&rs, "t.rules", "hello\n", 6, NULL, err, 10), OTS_EINVAL);
	ots_rules_free(&rs);
	assert_string_equal(err, "t.rules:1");
	assert_int_equal(err[10], 'z');
	/* no error buffer at all */
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(ots_rules_parse(&rs, "t.rules", "hello\n", 6, NULL, NULL, 0), OTS_EINVAL);
	ots_rules_free(&rs);
	/* an empty file is an empty, valid set */
	parse_ok(&rs, "", NULL);
	assert_int_equal(rs.n, 0);
	ots_rules_free(&rs);
	parse_ok(&rs, "# only a comment", NULL);
	ots_rules_free(&rs);
}

/* ---- matching ----------------------------------------------------------------------------- */

struct mfix {
	const char *body;        /* statements after name/severity/message/on */
	int want;
};

/* Does a rule `on ON` with body match ctx (ots_rules_match)? */
static int
match1(const char *on, const char *body, const struct ots_rule_ctx *x,
       const struct ots_zones *z)
{
	struct ots_rules rs;
	char text[2048];
	int r;

	snprintf(text, sizeof(text), "rule x {\n name \"n\"\n severity low\n message \"m\"\n"
	         " on %s\n %s\n}\n", on, body);
	parse_ok(&rs, text, z);
	assert_int_equal(rs.n, 1);
	r = ots_rules_match(&rs.v[0], x);
	ots_rules_free(&rs);
	return r;
}

static int
run_table(const char *what, const char *on, const struct mfix *t, size_t n,
          const struct ots_rule_ctx *x, const struct ots_zones *z)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < n; i++) {
		int got = match1(on, t[i].body, x, z);

		if (got != t[i].want) {
			print_error("%s %zu '%s': got %d want %d\n", what, i, t[i].body, got, t[i].want);
			failed++;
		}
	}
	return failed;
}

static uint8_t ip_a[16], ip_b[16], ip6_a[16], ip6_b[16];
static const uint8_t mac_a[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t mac_b[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };

static void
addrs_init(void)
{
	v4mapped(ip_a, "10.1.20.5");
	v4mapped(ip_b, "192.168.0.9");
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", ip6_a), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:20::5", ip6_b), 1);
}

/* A Modbus write request 10.1.20.5:40000 -> 192.168.0.9:502, unit 1, address 100. */
static void
op_ctx(struct ots_rule_ctx *x, struct ots_ics_op *op)
{
	memset(op, 0, sizeof(*op));
	op->proto = OTS_PROTO_MODBUS;
	op->op_class = OTS_OP_WRITE;
	op->has_unit = 1;
	op->unit = 1;
	op->function = 6;
	op->function_name = "write_single_register";
	op->has_addr = 1;
	op->addr_start = 100;
	memset(x, 0, sizeof(*x));
	x->on = OTS_RON_OP;
	x->proto = OTS_PROTO_MODBUS;
	x->op = op;
	x->transport = 6;
	x->has_ip = 1;
	x->sip = ip_a;
	x->dip = ip_b;
	x->sport = 40000;
	x->dport = 502;
	x->has_smac = 1;
	x->smac = mac_a;
	x->has_dmac = 0;
}

static const struct mfix op_table[] = {
	{ "", 1 },
	{ "match protocol modbus", 1 },
	{ "match protocol s7comm", 0 },
	{ "match protocol s7comm modbus", 1 },
	{ "match protocol not modbus", 0 },
	{ "match protocol not s7comm dnp3", 1 },
	{ "match protocol none", 0 },
	{ "match protocol modbus\n match function write_single_register", 1 },
	{ "match protocol modbus\n match function read_coils write_single_register", 1 },
	{ "match protocol modbus\n match function read_coils", 0 },
	{ "match protocol modbus\n match function not read_coils", 1 },
	{ "match function.code 6", 1 },
	{ "match function.code 1-5", 0 },
	{ "match function.code 1-5 6-10", 1 },
	{ "match function.code not 0-0xff", 0 },
	{ "match class write", 1 },
	{ "match class read", 0 },
	{ "match class read control write", 1 },
	{ "match class not read", 1 },
	{ "match direction request", 1 },
	{ "match direction response", 0 },
	{ "match direction response request", 1 },
	{ "match unit 1", 1 },
	{ "match unit 2-9", 0 },
	{ "match unit not 0", 1 },
	{ "match address 100", 1 },
	{ "match address 0-99", 0 },
	{ "match address 100-200", 1 },
	{ "match address 101-4294967295", 0 },
	{ "match qualifier 0-4294967295", 0 },    /* absent */
	{ "match qualifier not 5", 1 },
	{ "match exception", 0 },
	{ "match exception not", 1 },
	{ "match exception.code 0-255", 0 },
	{ "match exception.code not 2", 1 },
	{ "match transport tcp", 1 },
	{ "match transport udp ether other", 0 },
	{ "match transport not udp", 1 },
	{ "match source.ip 10.1.20.0/24", 1 },
	{ "match source.ip 10.1.21.0/24", 0 },
	{ "match source.ip 10.1.20.4/31", 1 },
	{ "match source.ip 10.1.20.6/31", 0 },
	{ "match source.ip 10.1.20.5", 1 },
	{ "match source.ip 10.0.0.0/8 172.16.0.0/12", 1 },
	{ "match source.ip 0.0.0.0/0", 1 },
	{ "match source.ip ::ffff:10.1.20.0/120", 1 },
	{ "match source.ip 2001:db8::/32", 0 },
	{ "match source.ip ::/0", 1 },
	{ "match source.ip not 10.0.0.0/8", 0 },
	{ "match destination.ip 192.168.0.9", 1 },
	{ "match destination.ip 10.1.20.5", 0 },
	{ "match destination.ip 192.168.0.0/23", 1 },
	{ "match destination.ip 192.168.0.8/30", 1 },
	{ "match destination.ip 192.168.0.0/29", 0 },
	{ "match source.port 40000", 1 },
	{ "match source.port 1024-39999", 0 },
	{ "match source.port 1024-65535", 1 },
	{ "match destination.port 502", 1 },
	{ "match destination.port not 502", 0 },
	{ "match destination.port 102 20000 44818", 0 },
	{ "match source.mac 00:11:22:33:44:55", 1 },
	{ "match source.mac 00:11:22:33:44:56", 0 },
	{ "match destination.mac 00:11:22:33:44:55", 0 },  /* absent */
	{ "match destination.mac not 00:11:22:33:44:55", 1 },
	{ "match vlan 0", 1 },
	{ "match vlan 10", 0 },
	{ "match vlan not 1-4095", 1 },
	/* deferred conditions hold here: the inventory decides them */
	{ "match source.zone unzoned", 1 },
	{ "match destination.role plc", 1 },
	{ "match source.role not plc rtu hmi engineering historian network it unknown", 1 },
	{ "suppress source.role hmi", 1 },
	/* AND over lines */
	{ "match protocol modbus\n match unit 1\n match destination.port 502", 1 },
	{ "match protocol modbus\n match unit 2", 0 },
	/* suppress lines: any of them drops */
	{ "suppress destination.port 502", 0 },
	{ "suppress destination.port 503", 1 },
	{ "suppress unit 9\n suppress source.ip 10.0.0.0/8", 0 },
	{ "suppress unit 9\n suppress source.ip 172.16.0.0/12", 1 },
	{ "suppress destination.port not 502", 1 },
	{ "suppress exception", 1 },
	{ "suppress exception not", 0 },
	{ "match class write\n suppress unit 1", 0 },
};

static void
test_match_op(void **state)
{
	struct ots_rule_ctx x;
	struct ots_ics_op op;
	struct ots_zones z;
	int failed;

	(void)state;
	addrs_init();
	zones_get(&z);
	op_ctx(&x, &op);
	failed = run_table("op", "op", op_table, OTS_ARRAY_LEN(op_table), &x, &z);
	/* a response with an exception, on VLAN 20 */
	op.is_response = 1;
	op.has_exception = 1;
	op.exception = 2;
	op.has_qualifier = 1;
	op.qualifier = 5;
	x.vlan = 20;
	{
		static const struct mfix t[] = {
			{ "match direction response", 1 },
			{ "match direction request", 0 },
			{ "match exception", 1 },
			{ "match exception not", 0 },
			{ "match exception.code 2", 1 },
			{ "match exception.code 3-255", 0 },
			{ "match qualifier 5", 1 },
			{ "match qualifier not 5", 0 },
			{ "match vlan 10-20", 1 },
			{ "match vlan 0", 0 },
			{ "suppress exception", 0 },
		};

		failed += run_table("op-response", "op", t, OTS_ARRAY_LEN(t), &x, &z);
	}
	/* an operation without a function name */
	op.function_name = NULL;
	assert_int_equal(match1("op", "match protocol modbus\n match function read_coils", &x, &z),
	                 0);
	assert_int_equal(match1("op", "match protocol modbus\n match function not read_coils", &x,
	                        &z), 1);
	ots_zones_free(&z);
	assert_int_equal(failed, 0);
}

static void
test_match_ipv6(void **state)
{
	static const struct mfix t[] = {
		{ "match source.ip 2001:db8::/32", 1 },
		{ "match source.ip 2001:db8::1", 1 },
		{ "match source.ip 2001:db8::2", 0 },
		{ "match source.ip 2001:db8:1::/48", 0 },
		{ "match source.ip 2001:db8::/33", 1 },
		{ "match source.ip 2001:db8:8000::/33", 0 },
		{ "match source.ip 2001:db8::/127", 1 },
		{ "match source.ip 2001:db8::2/127", 0 },
		{ "match source.ip 10.0.0.0/8", 0 },
		{ "match source.ip 0.0.0.0/0", 0 },
		{ "match source.ip ::/0", 1 },
		{ "match destination.ip 2001:db8:20::/48", 1 },
		{ "match destination.ip 2001:db8:21::/48", 0 },
		{ "match destination.ip not 2001:db8:21::/48 fe80::/10", 1 },
	};
	struct ots_rule_ctx x;
	struct ots_ics_op op;

	(void)state;
	addrs_init();
	op_ctx(&x, &op);
	x.sip = ip6_a;
	x.dip = ip6_b;
	assert_int_equal(run_table("ipv6", "op", t, OTS_ARRAY_LEN(t), &x, NULL), 0);
}

/* A GOOSE publish: layer 2, no IP, no ports; absent fields match no value. */
static void
test_match_layer2(void **state)
{
	static const struct mfix t[] = {
		{ "match protocol goose", 1 },
		{ "match transport ether", 1 },
		{ "match transport tcp udp", 0 },
		{ "match source.ip 0.0.0.0/0 ::/0", 0 },
		{ "match source.ip not 0.0.0.0/0 ::/0", 1 },
		{ "match destination.ip ::/0", 0 },
		{ "match destination.ip not ::/0", 1 },
		{ "match source.port 0-65535", 0 },
		{ "match source.port not 0-65535", 1 },
		{ "match destination.port 0-65535", 0 },
		{ "match destination.port not 0-65535", 1 },
		{ "match source.mac 00:11:22:33:44:55", 1 },
		{ "match destination.mac 01:0c:cd:01:00:01", 1 },
		{ "match destination.mac 01:0C:CD:01:00:02", 0 },
		{ "match unit 0-4294967295", 0 },
		{ "match address not 0-4294967295", 1 },
		{ "suppress source.ip 0.0.0.0/0", 1 },
		{ "suppress source.ip not 0.0.0.0/0", 0 },
	};
	struct ots_rule_ctx x;
	struct ots_ics_op op;

	(void)state;
	addrs_init();
	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_GOOSE;
	op.op_class = OTS_OP_EVENT;
	op.function_name = "goose_publish";
	memset(&x, 0, sizeof(x));
	x.on = OTS_RON_OP;
	x.proto = OTS_PROTO_GOOSE;
	x.op = &op;
	x.transport = 0xff;
	x.has_smac = x.has_dmac = 1;
	x.smac = mac_a;
	x.dmac = mac_b;
	assert_int_equal(run_table("layer2", "op", t, OTS_ARRAY_LEN(t), &x, NULL), 0);
}

static void
test_match_flag(void **state)
{
	static const struct mfix t[] = {
		{ "", 1 },
		{ "match flag cleartext_credential", 1 },
		{ "match flag malformed", 0 },
		{ "match flag malformed no_security cleartext_credential", 1 },
		{ "match flag not malformed", 1 },
		{ "match flag not cleartext_credential", 0 },
		{ "match reason dcc_password", 1 },
		{ "match reason telnet_login", 0 },
		{ "match reason not telnet_login", 1 },
		{ "match protocol s7comm\n match transport tcp", 1 },
		{ "match protocol modbus", 0 },
		{ "match destination.port 102", 1 },
		{ "match source.ip 10.1.20.0/24", 1 },
		{ "suppress reason dcc_password", 0 },
		{ "suppress source.port 40000", 0 },
	};
	struct ots_rule_ctx x;

	(void)state;
	addrs_init();
	memset(&x, 0, sizeof(x));
	x.on = OTS_RON_FLAG;
	x.proto = OTS_PROTO_S7COMM;
	x.flag = OTS_FLAG_CLEARTEXT_CREDENTIAL;
	x.reason = "dcc_password";
	x.transport = 6;
	x.has_ip = 1;
	x.sip = ip_a;
	x.dip = ip_b;
	x.sport = 40000;
	x.dport = 102;
	assert_int_equal(run_table("flag", "flag", t, OTS_ARRAY_LEN(t), &x, NULL), 0);
	/* a flag without a reason */
	x.reason = NULL;
	assert_int_equal(match1("flag", "match reason dcc_password", &x, NULL), 0);
	assert_int_equal(match1("flag", "match reason not dcc_password", &x, NULL), 1);
}

static void
test_match_flow(void **state)
{
	static const struct mfix t[] = {
		{ "match protocol none", 1 },
		{ "match protocol modbus", 0 },
		{ "match protocol not none", 0 },
		{ "match answered no", 1 },
		{ "match answered yes", 0 },
		{ "match answered yes no", 1 },
		{ "match transport udp", 1 },
		{ "match transport tcp", 0 },
		{ "match destination.port 161", 1 },
		{ "match source.port 161", 0 },
		{ "match vlan 30", 1 },
	};
	struct ots_rule_ctx x;

	(void)state;
	addrs_init();
	memset(&x, 0, sizeof(x));
	x.on = OTS_RON_FLOW;
	x.proto = OTS_PROTO_NONE;
	x.transport = 17;
	x.answered = 0;
	x.has_ip = 1;
	x.sip = ip_a;
	x.dip = ip_b;
	x.sport = 5000;
	x.dport = 161;
	x.vlan = 30;
	assert_int_equal(run_table("flow", "flow", t, OTS_ARRAY_LEN(t), &x, NULL), 0);
	x.answered = 1;
	x.transport = 1;   /* ICMP: "other" */
	assert_int_equal(match1("flow", "match answered yes", &x, NULL), 1);
	assert_int_equal(match1("flow", "match transport other", &x, NULL), 1);
	assert_int_equal(match1("flow", "match transport tcp udp ether", &x, NULL), 0);
	/* cast: from the address, else from the MAC (subnet broadcasts carry ff:ff:...) */
	assert_int_equal(match1("flow", "match destination.cast unicast", &x, NULL), 1);
	assert_int_equal(match1("flow", "match source.cast broadcast multicast", &x, NULL), 0);
	{
		static const uint8_t bc4[16] = { [10] = 0xff, [11] = 0xff, 0xff, 0xff, 0xff, 0xff };
		static const uint8_t mc4[16] = { [10] = 0xff, [11] = 0xff, 239, 1, 2, 3 };
		static const uint8_t mc6[16] = { 0xff, 0x02, [15] = 1 };
		static const uint8_t bcmac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		static const uint8_t mcmac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
		static const uint8_t ucmac[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x01 };

		x.dip = bc4;
		assert_int_equal(match1("flow", "match destination.cast broadcast", &x, NULL), 1);
		assert_int_equal(match1("flow", "match destination.cast not unicast", &x, NULL), 1);
		x.dip = mc4;
		assert_int_equal(match1("flow", "match destination.cast multicast", &x, NULL), 1);
		x.dip = mc6;
		assert_int_equal(match1("flow", "match destination.cast multicast", &x, NULL), 1);
		x.dip = ip_b;          /* unicast IP, subnet broadcast MAC */
		x.has_dmac = 1;
		x.dmac = bcmac;
		assert_int_equal(match1("flow", "match destination.cast broadcast", &x, NULL), 1);
		x.dmac = mcmac;
		assert_int_equal(match1("flow", "match destination.cast multicast", &x, NULL), 1);
		x.dmac = ucmac;
		assert_int_equal(match1("flow", "match destination.cast unicast", &x, NULL), 1);
	}
}

static void
test_match_asset(void **state)
{
	static const struct mfix t[] = {
		{ "match change ip_mac_change", 1 },
		{ "match change new_asset role_change", 0 },
		{ "match change not new_asset", 1 },
		{ "match source.ip 10.1.20.5", 1 },
		{ "match source.ip 10.1.20.6", 0 },
		{ "match source.mac 00:11:22:33:44:55", 1 },
		{ "match vlan 0", 1 },
		{ "suppress change ip_mac_change", 0 },
	};
	struct ots_rule_ctx x;

	(void)state;
	addrs_init();
	memset(&x, 0, sizeof(x));
	x.on = OTS_RON_ASSET;
	x.change = OTS_CHG_IP_MAC;
	x.has_ip = 1;
	x.sip = ip_a;
	x.has_smac = 1;
	x.smac = mac_a;
	assert_int_equal(run_table("asset", "asset", t, OTS_ARRAY_LEN(t), &x, NULL), 0);
}

/* Zone and role conditions: only ots_rules_match_assets decides them. */
struct afix {
	const char *body;
	int sz, dz, sr, dr;
	int want;
	int deferred;
};

static void
test_match_assets(void **state)
{
	static const struct afix t[] = {
		{ "match source.zone control", 0, 1, 0, 0, 1, 1 },
		{ "match source.zone control", 1, 0, 0, 0, 0, 1 },
		{ "match source.zone control", -1, 0, 0, 0, 0, 1 },
		{ "match source.zone unzoned", -1, 0, 0, 0, 1, 1 },
		{ "match source.zone internet", -2, 0, 0, 0, 1, 1 },
		{ "match source.zone internet", -1, 0, 0, 0, 0, 1 },
		{ "match destination.zone internet office", 0, -2, 0, 0, 1, 1 },
		{ "match destination.zone internet office", 0, 1, 0, 0, 1, 1 },
		{ "match destination.zone internet office", 1, 0, 0, 0, 0, 1 },
		{ "match source.zone not control", 1, 0, 0, 0, 1, 1 },
		{ "match source.zone not control", 0, 0, 0, 0, 0, 1 },
		{ "match source.zone control\n match destination.zone office", 0, 1, 0, 0, 1, 1 },
		{ "match source.zone control\n match destination.zone office", 0, 0, 0, 0, 0, 1 },
		{ "match source.role hmi engineering\n match destination.role plc",
		  0, 0, OTS_ROLE_HMI, OTS_ROLE_PLC, 1, 1 },
		{ "match source.role hmi engineering\n match destination.role plc",
		  0, 0, OTS_ROLE_ENGINEERING, OTS_ROLE_PLC, 1, 1 },
		{ "match source.role hmi engineering\n match destination.role plc",
		  0, 0, OTS_ROLE_IT, OTS_ROLE_PLC, 0, 1 },
		{ "match source.role hmi engineering\n match destination.role plc",
		  0, 0, OTS_ROLE_HMI, OTS_ROLE_RTU, 0, 1 },
		{ "match destination.role unknown", 0, 0, 0, OTS_ROLE_UNKNOWN, 1, 1 },
		{ "match destination.role not unknown", 0, 0, 0, OTS_ROLE_UNKNOWN, 0, 1 },
		{ "match source.role plc", 0, 0, -1, 0, 0, 1 },          /* out of range */
		{ "match source.role not plc", 0, 0, 200, 0, 1, 1 },
		{ "suppress source.role engineering", 0, 0, OTS_ROLE_ENGINEERING, 0, 0, 1 },
		{ "suppress source.role engineering", 0, 0, OTS_ROLE_HMI, 0, 1, 1 },
		{ "suppress destination.zone not control", 0, 1, 0, 0, 0, 1 },
		{ "suppress destination.zone not control", 0, 0, 0, 0, 1, 1 },
		/* packet conditions are not the inventory's business */
		{ "match protocol s7comm\n match source.role hmi", 0, 0, OTS_ROLE_HMI, 0, 1, 1 },
		{ "match protocol s7comm\n suppress unit 0-4294967295", 0, 0, 0, 0, 1, 0 },
		{ "match destination.port 1", 0, 0, 0, 0, 1, 0 },
	};
	struct ots_zones z;
	struct ots_rule_ctx x;
	struct ots_ics_op op;
	size_t i;
	int failed = 0;

	(void)state;
	addrs_init();
	zones_get(&z);
	op_ctx(&x, &op);
	for (i = 0; i < OTS_ARRAY_LEN(t); i++) {
		struct ots_rules rs;
		char text[1024];
		int got;

		snprintf(text, sizeof(text), "rule x {\n name \"n\"\n severity low\n message \"m\"\n"
		         " %s\n}\n", t[i].body);
		parse_ok(&rs, text, &z);
		got = ots_rules_match_assets(&rs.v[0], t[i].sz, t[i].dz, t[i].sr, t[i].dr);
		if (got != t[i].want || rs.v[0].deferred != t[i].deferred) {
			print_error("assets %zu '%s': got %d want %d, deferred %d want %d\n", i,
			            t[i].body, got, t[i].want, rs.v[0].deferred, t[i].deferred);
			failed++;
		}
		ots_rules_free(&rs);
	}
	/* the worker half of a rule that names s7comm and a role: no on a Modbus op */
	assert_int_equal(match1("op", "match protocol s7comm\n match source.role hmi", &x, &z), 0);
	ots_zones_free(&z);
	assert_int_equal(failed, 0);
}

/* ---- the per-protocol index --------------------------------------------------------------- */

static void
expect_list(const struct ots_rules *rs, unsigned on, unsigned proto, const uint32_t *want,
            uint32_t nwant)
{
	uint32_t n = 99, i;
	const uint32_t *v = ots_rules_for(rs, on, proto, &n);

	if (n != nwant)
		print_error("on %u proto %u: %u rules, want %u\n", on, proto, n, nwant);
	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++)
		assert_int_equal(v[i], want[i]);
}

static void
test_index(void **state)
{
	static const char text[] =
		"rule a {\n name \"a\"\n severity low\n message \"m\"\n match protocol modbus\n}\n"
		"rule b {\n name \"b\"\n severity low\n message \"m\"\n match protocol modbus s7comm\n}\n"
		"rule c {\n name \"c\"\n severity low\n message \"m\"\n match unit 1\n}\n"
		"rule d {\n name \"d\"\n severity low\n message \"m\"\n match protocol modbus\n"
		" enabled no\n}\n"
		"rule e {\n name \"e\"\n severity low\n message \"m\"\n on flag\n"
		" match protocol s7comm\n}\n"
		"rule f {\n name \"f\"\n severity low\n message \"m\"\n on flow\n"
		" match protocol none\n}\n"
		"rule g {\n name \"g\"\n severity low\n message \"m\"\n match protocol not modbus\n}\n"
		"rule h {\n name \"h\"\n severity low\n message \"m\"\n match protocol modbus\n"
		" match protocol s7comm\n}\n"
		"rule i {\n name \"i\"\n severity low\n message \"m\"\n on asset\n}\n"
		"rule j {\n name \"j\"\n severity low\n message \"m\"\n on flow\n enabled no\n}\n"
		"rule k {\n name \"k\"\n severity low\n message \"m\"\n match protocol dnp3\n"
		" suppress protocol modbus\n}\n";
	static const uint32_t mb[] = { 0, 1, 2, 6 }, s7[] = { 1, 2, 6 }, none_op[] = { 2, 6 },
		dnp3[] = { 2, 6, 10 }, e[] = { 4 }, f[] = { 5 }, i[] = { 8 };
	struct ots_rules rs;
	uint32_t n, x;

	(void)state;
	parse_ok(&rs, text, NULL);
	assert_int_equal(rs.n, 11);
	expect_list(&rs, OTS_RON_OP, OTS_PROTO_MODBUS, mb, 4);
	expect_list(&rs, OTS_RON_OP, OTS_PROTO_S7COMM, s7, 3);
	expect_list(&rs, OTS_RON_OP, OTS_PROTO_NONE, none_op, 2);
	expect_list(&rs, OTS_RON_OP, OTS_PROTO_DNP3, dnp3, 3);
	expect_list(&rs, OTS_RON_FLAG, OTS_PROTO_S7COMM, e, 1);
	expect_list(&rs, OTS_RON_FLAG, OTS_PROTO_MODBUS, NULL, 0);
	expect_list(&rs, OTS_RON_FLOW, OTS_PROTO_NONE, f, 1);
	expect_list(&rs, OTS_RON_FLOW, OTS_PROTO_MODBUS, NULL, 0);
	/* every list: the rule without protocol (c, i) is in all; disabled ones (d, j) in none;
	 * h (modbus AND s7comm) can match nothing */
	for (x = 0; x < OTS_ICS_PROTO_SLOTS; x++) {
		const uint32_t *v = ots_rules_for(&rs, OTS_RON_OP, x, &n);
		uint32_t k, has_c = 0;

		for (k = 0; k < n; k++) {
			assert_true(v[k] != 3 && v[k] != 7 && v[k] != 9);
			assert_int_equal(rs.v[v[k]].on, OTS_RON_OP);
			assert_int_equal(rs.v[v[k]].enabled, 1);
			if (k > 0)
				assert_true(v[k] > v[k - 1]);
			has_c |= v[k] == 2;
		}
		assert_int_equal(has_c, 1);
		expect_list(&rs, OTS_RON_ASSET, x, i, 1);
		v = ots_rules_for(&rs, OTS_RON_FLOW, x, &n);
		for (k = 0; k < n; k++)
			assert_int_equal(v[k], 5);
	}
	/* out of range */
	n = 7;
	assert_null(ots_rules_for(&rs, OTS_RON__COUNT, 1, &n));
	assert_int_equal(n, 0);
	n = 7;
	assert_null(ots_rules_for(&rs, OTS_RON_OP, OTS_ICS_PROTO_SLOTS, &n));
	assert_int_equal(n, 0);
	n = 7;
	assert_null(ots_rules_for(NULL, OTS_RON_OP, 1, &n));
	assert_int_equal(n, 0);
	ots_rules_free(&rs);
	/* names */
	assert_string_equal(ots_rule_on_name(OTS_RON_FLOW), "flow");
	assert_string_equal(ots_rule_on_name(9), "unknown");
	assert_string_equal(ots_change_kind_name(OTS_CHG_ROLE), "role_change");
	assert_string_equal(ots_severity_name(99), "critical");
	assert_string_equal(ots_severity_name(75), "high");
	assert_string_equal(ots_severity_name(50), "medium");
	assert_string_equal(ots_severity_name(25), "low");
}

/* ---- truncation sweep --------------------------------------------------------------------- */

/* err is "t.rules:LINE:COL: message" with LINE, COL >= 1 and on one line. */
static int
err_shape_ok(const char *err)
{
	unsigned line = 0, col = 0;
	int n = 0;

	if (strncmp(err, "t.rules:", 8) != 0 || strchr(err, '\n') != NULL)
		return 0;
	if (sscanf(err + 8, "%u:%u: %n", &line, &col, &n) != 2 || n == 0)
		return 0;
	return line >= 1 && col >= 1 && err[8 + n] != '\0';
}

static void
test_truncation_sweep(void **state)
{
	struct ots_zones z;
	size_t len = strlen(valid_text), cut;
	unsigned ok = 0, bad = 0;

	(void)state;
	zones_get(&z);
	for (cut = 0; cut <= len; cut++) {
		struct ots_rules rs;
		char err[1024] = "x";
		char *buf = malloc(cut ? cut : 1);   /* exact size: ASan sees reads past it */
		int rc;

		assert_non_null(buf);
		memcpy(buf, valid_text, cut);
		memset(&rs, 0, sizeof(rs));
		rc = ots_rules_parse(&rs, "t.rules", buf, cut, &z, err, sizeof(err));
		if (rc == OTS_OK)
			rc = ots_rules_finish(&rs, err, sizeof(err));
		if (rc == OTS_OK) {
			ok++;
		} else {
			if (rc != OTS_EINVAL || !err_shape_ok(err))
				print_error("cut %zu: rc %d '%s'\n", cut, rc, err);
			assert_int_equal(rc, OTS_EINVAL);
			assert_true(err_shape_ok(err));
			bad++;
		}
		ots_rules_free(&rs);
		free(buf);
		/* the same with one byte dropped at cut */
		if (cut < len) {
			buf = malloc(len);
			assert_non_null(buf);
			memcpy(buf, valid_text, cut);
			memcpy(buf + cut, valid_text + cut + 1, len - cut - 1);
			memset(&rs, 0, sizeof(rs));
			rc = ots_rules_parse(&rs, "t.rules", buf, len - 1, &z, err, sizeof(err));
			if (rc == OTS_OK)
				rc = ots_rules_finish(&rs, err, sizeof(err));
			if (rc != OTS_OK && (rc != OTS_EINVAL || !err_shape_ok(err)))
				print_error("drop %zu: rc %d '%s'\n", cut, rc, err);
			assert_true(rc == OTS_OK || (rc == OTS_EINVAL && err_shape_ok(err)));
			ots_rules_free(&rs);
			free(buf);
		}
	}
	/* the whole text, the empty prefix and a few prefixes ending between rules parse */
	assert_true(ok >= 7);
	assert_true(bad > len / 2);
	ots_zones_free(&z);
}

/* ---- loading files and directories -------------------------------------------------------- */

static void
test_load_dir(void **state)
{
	struct ots_rules rs;
	char err[2048] = "x", want[3000];
	const struct ots_rule *r;

	(void)state;
	assert_int_equal(ots_rules_load(&rs, fixture("dir-ok"), NULL, err, sizeof(err)), OTS_OK);
	/* 10-base.rules, 20-local.rules, 30-late.rules; notes.txt and old.rules.bak ignored */
	assert_int_equal(rs.n_files, 3);
	assert_string_equal(strip_dir(rs.files[0]), "dir-ok/10-base.rules");
	assert_string_equal(strip_dir(rs.files[1]), "dir-ok/20-local.rules");
	assert_string_equal(strip_dir(rs.files[2]), "dir-ok/30-late.rules");
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.v[0].id, "base-write");
	assert_string_equal(rs.v[1].id, "base-stop");
	assert_string_equal(rs.v[2].id, "late-scan");
	assert_ptr_equal(rs.v[0].file, rs.files[0]);
	assert_ptr_equal(rs.v[2].file, rs.files[2]);
	assert_int_equal(rs.v[1].line, 10);
	/* 20-local.rules suppresses a rule of 10-base.rules and one of the later 30-late.rules */
	r = &rs.v[0];
	assert_int_equal(r->n_supp, 1);
	assert_int_equal(r->supp[0].field, OTS_RF_SRC_IP);
	r = &rs.v[2];
	assert_int_equal(r->n_supp, 2);
	assert_int_equal(r->supp[0].field, OTS_RF_UNIT);
	assert_int_equal(r->supp[1].field, OTS_RF_SRC_ROLE);
	assert_int_equal(r->deferred, 1);
	ots_rules_free(&rs);

	/* one file */
	assert_int_equal(ots_rules_load(&rs, fixture("dir-ok/10-base.rules"), NULL, err,
	                                sizeof(err)), OTS_OK);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.n_files, 1);
	ots_rules_free(&rs);
	/* the suppress file alone names rules that are not loaded */
	assert_int_equal(ots_rules_load(&rs, fixture("dir-ok/20-local.rules"), NULL, err,
	                                sizeof(err)), OTS_EINVAL);
	assert_string_equal(strip_dir(err),
	                    "dir-ok/20-local.rules:2:10: suppress: no rule 'base-write' is loaded");
	assert_int_equal(rs.n, 0);
	assert_null(rs.v);
	assert_null(rs.files);
	/* several paths (-R repeated): the suppress file loads with the rules it names and
	 * attaches to them, in either order (suppressions are resolved after every path) */
	{
		char p1[4096], p2[4096], p3[4096];
		const char *paths[3];
		uint32_t x;
		const struct ots_rule *bw = NULL;

		snprintf(p1, sizeof(p1), "%s", fixture("dir-ok/10-base.rules"));
		snprintf(p2, sizeof(p2), "%s", fixture("dir-ok/20-local.rules"));
		snprintf(p3, sizeof(p3), "%s", fixture("dir-ok/30-late.rules"));
		paths[0] = p2;
		paths[1] = p3;
		paths[2] = p1;
		assert_int_equal(ots_rules_load_paths(&rs, paths, 3, NULL, err, sizeof(err)), OTS_OK);
		assert_int_equal(rs.n_files, 3);
		for (x = 0; x < rs.n; x++)
			if (strcmp(rs.v[x].id, "base-write") == 0)
				bw = &rs.v[x];
		assert_non_null(bw);
		assert_true(bw->n_supp >= 1);
		ots_rules_free(&rs);
		/* without the file of late-scan, its suppressions name a rule not loaded */
		assert_int_equal(ots_rules_load_paths(&rs, paths, 1, NULL, err, sizeof(err)),
		                 OTS_EINVAL);
	}

	/* an error in the second file: named with its path, nothing kept */
	assert_int_equal(ots_rules_load(&rs, fixture("dir-bad"), NULL, err, sizeof(err)),
	                 OTS_EINVAL);
	assert_string_equal(strip_dir(err), "dir-bad/20-bad.rules:5:20: unknown protocol "
	                    "'modbuss' (one of: s7comm s7comm_plus mms modbus dnp3 enip iec104 "
	                    "opcua fins slmp hart_ip ftp telnet bacnet dhcp profinet_dcp goose lldp cdp none)");
	assert_int_equal(rs.n, 0);
	assert_null(rs.v);
	/* the same id in two files */
	assert_int_equal(ots_rules_load(&rs, fixture("dir-dup"), NULL, err, sizeof(err)),
	                 OTS_EINVAL);
	snprintf(want, sizeof(want), "%s/dir-dup/b.rules:2:6: rule same-id is already defined "
	         "at %s/dir-dup/a.rules:1", data_dir, data_dir);
	assert_string_equal(err, want);
	ots_rules_free(&rs);
}

static void
test_load_errors(void **state)
{
	struct ots_rules rs;
	char err[2048] = "x", tmpl[] = "/tmp/test-rules-XXXXXX", path[1100];
	const char *dir;

	(void)state;
	/* only files that are not *.rules */
	assert_int_equal(ots_rules_load(&rs, fixture("dir-none"), NULL, err, sizeof(err)),
	                 OTS_EINVAL);
	assert_string_equal(strip_dir(err), "dir-none: no *.rules file");
	/* an empty directory */
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	assert_int_equal(ots_rules_load(&rs, dir, NULL, err, sizeof(err)), OTS_EINVAL);
	snprintf(path, sizeof(path), "%s: no *.rules file", dir);
	assert_string_equal(err, path);
	assert_int_equal(rmdir(dir), 0);
	/* a path that does not exist */
	assert_int_equal(ots_rules_load(&rs, fixture("no-such-dir"), NULL, err, sizeof(err)),
	                 OTS_EIO);
	assert_string_equal(strip_dir(err), "no-such-dir: No such file or directory");
	assert_int_equal(rs.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_all),
		cmocka_unit_test(test_toplevel_suppress),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unknown_function),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_match_op),
		cmocka_unit_test(test_match_ipv6),
		cmocka_unit_test(test_match_layer2),
		cmocka_unit_test(test_match_flag),
		cmocka_unit_test(test_match_flow),
		cmocka_unit_test(test_match_asset),
		cmocka_unit_test(test_match_assets),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_load_errors),
	};

	find_data_dir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
