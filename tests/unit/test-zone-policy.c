/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-zone-policy.c: the IEC 62443 zone checks (src/zone-policy.c): every rule id raised and
 * not raised, FR/SR and ATT&CK mapping in the alert records, aggregation, determinism,
 * alerts written once, the SL-A estimate of zones.json and the --suggest-zones round trip.
 * Zones come from YAML strings (ots_zones_parse); the inventory from synthetic flow records
 * (helpers as in test-asset.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ots/asset.h"
#include "ots/decode.h"
#include "ots/error.h"
#include "ots/json.h"
#include "ots/zone-policy.h"
#include "ots/zones.h"

#include "inv-test.h"

#define OP(x) (1u << (x))

#define HMI_MAC "00:0c:29:00:00:02"   /* supervisory 10.0.1.10 */
#define EWS_MAC "00:50:56:00:00:50"   /* supervisory 10.0.1.50 (engineering) */
#define PLC_MAC "00:1b:1b:00:00:01"   /* control 10.0.2.10 */
#define PLC2_MAC "00:1b:1b:00:00:03"  /* control 10.0.2.11 */
#define PC_MAC "00:50:56:00:00:30"    /* office 10.0.3.20 */
#define RTR_MAC "00:00:0c:00:00:fe"   /* the router towards the internet */
#define ROGUE_MAC "00:50:56:00:00:99" /* 10.0.9.5: in no zone */

//* Feed one flow with one function tally (code/cls ignored when name is NULL). */
static void
feed1(struct ots_inv *inv, struct ots_flow_rec r, uint32_t code, const char *name, uint8_t cls)
{
	struct ots_ics_counts c;

	memset(&c, 0, sizeof(c));
	if (name)
		add_fn(&c, code, name, cls, 3, 3);
	ots_inv_flow(inv, &r, r.app_proto ? &c : NULL);
}

/* Common flows of the tests. */
static struct ots_flow_rec
hmi_plc(uint16_t port, uint16_t app, const char *ndpi, uint64_t t)
{
	return flow("10.0.1.10", HMI_MAC, 128, "10.0.2.10", PLC_MAC, 64, 6, port, app, ndpi, t);
}

static struct ots_flow_rec
ews_plc(uint16_t port, uint16_t app, const char *ndpi, uint64_t t)
{
	return flow("10.0.1.50", EWS_MAC, 128, "10.0.2.10", PLC_MAC, 64, 6, port, app, ndpi, t);
}

/* The zones of most tests: supervisory (SL-T 2) polls control (SL-T 3) with Modbus and S7
 * reads; office (SL-T 1). extra is appended to the conduits list, defaults replaces the
 * defaults section. */
static const char base_zones[] =
	"version: 1\n"
	"site: test\n"
	"zones:\n"
	"  - name: sup\n"
	"    sl_t: 2\n"
	"    networks: [10.0.1.0/24]\n"
	"  - name: ctl\n"
	"    sl_t: 3\n"
	"    networks: [10.0.2.0/24]\n"
	"  - name: office\n"
	"    sl_t: 1\n"
	"    networks: [10.0.3.0/24]\n"
	"conduits:\n"
	"  - name: polling\n"
	"    from: sup\n"
	"    to: ctl\n"
	"    allow:\n"
	"      - protocol: modbus\n"
	"        operations: [read]\n"
	"        ports: [502]\n"
	"      - protocol: s7comm\n"
	"        operations: [read, other]\n"
	"        ports: [102]\n";

static const char default_defaults[] =
	"defaults:\n"
	"  intra_zone: allow\n"
	"  unzoned: alert\n"
	"  internet: alert\n";

static void
load_yaml(struct ots_zones *z, const char *text)
{
	char err[512] = "";
	int rc;

	memset(z, 0, sizeof(*z));
	rc = ots_zones_parse(z, "test.yaml", text, strlen(text), err, sizeof(err));
	if (rc != OTS_OK)
		print_error("zones: %s\n%s\n", err, text);
	assert_int_equal(rc, OTS_OK);
}

/* base_zones + extra conduits + defaults (NULL: default_defaults). */
static void
load_zones(struct ots_zones *z, const char *extra, const char *defaults)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "%s%s%s", base_zones, extra ? extra : "",
	         defaults ? defaults : default_defaults);
	load_yaml(z, buf);
}

static void
build_eval(struct ots_policy *p, const struct ots_zones *z, struct ots_inv *inv)
{
	assert_int_equal(ots_inv_build(inv), OTS_OK);
	ots_policy_init(p);
	assert_int_equal(ots_policy_eval(p, z, inv), OTS_OK);
}

static int
zone(const struct ots_zones *z, const char *name)
{
	int i = ots_zones_find(z, name);

	assert_true(i >= 0);
	return i;
}

static uint32_t
n_rule(const struct ots_policy *p, enum ots_zrule r)
{
	uint32_t i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->v[i].rule == r;
	return n;
}

/* The one alert of rule r (fails unless there is exactly one). */
static const struct ots_alert *
the_alert(const struct ots_policy *p, enum ots_zrule r)
{
	uint32_t i;
	const struct ots_alert *a = NULL;

	assert_int_equal(n_rule(p, r), 1);
	for (i = 0; i < p->n; i++)
		if (p->v[i].rule == r)
			a = &p->v[i];
	return a;
}

static char *
alert_str(const struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv,
          const struct ots_alert *a)
{
	struct ots_json j;
	char *s;

	ots_json_init(&j);
	ots_alert_json(p, z, inv, a, "sensor-1", &j);
	assert_int_equal(j.err, 0);
	s = strndup(j.buf, j.len);
	ots_json_free(&j);
	assert_non_null(s);
	return s;
}

static char *
zones_str(const struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv)
{
	struct ots_json j;
	char *s;

	ots_json_init(&j);
	ots_policy_zones_json(p, z, inv, &j);
	assert_int_equal(j.err, 0);
	s = strndup(j.buf, j.len);
	ots_json_free(&j);
	assert_non_null(s);
	return s;
}

static void
has(const char *s, const char *needle)
{
	if (!strstr(s, needle))
		fprintf(stderr, "missing %s in\n%s\n", needle, s);
	assert_non_null(strstr(s, needle));
}

static void
hasnt(const char *s, const char *needle)
{
	if (strstr(s, needle))
		fprintf(stderr, "unexpected %s in\n%s\n", needle, s);
	assert_null(strstr(s, needle));
}

/* Everything a FILE got, as a string. */
static char *
slurp(FILE *f, size_t *len)
{
	long sz;
	char *s;

	assert_int_equal(fflush(f), 0);
	sz = ftell(f);
	assert_true(sz >= 0);
	rewind(f);
	s = malloc((size_t)sz + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)sz, f), (size_t)sz);
	s[sz] = '\0';
	if (len)
		*len = (size_t)sz;
	return s;
}

static void
done(struct ots_policy *p, struct ots_zones *z, struct ots_inv *inv)
{
	ots_policy_free(p);
	ots_zones_free(z);
	ots_inv_free(inv);
}

/* ---------------------------------------------------------------- conduit checks */

static void
test_write_over_read_only_conduit(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	char *s;

	(void)state;
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0), 6, "write_single_register", OTS_OP_WRITE);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_OPERATION_DENIED);
	assert_int_equal(a->zsrc, zone(&z, "sup"));
	assert_int_equal(a->zdst, zone(&z, "ctl"));
	assert_int_equal(a->zconduit, 0);
	assert_int_equal(a->ops, OP(OTS_OP_WRITE));
	assert_int_equal(a->n_fn, 1);
	assert_int_equal(a->fn[0], 6);
	assert_int_equal(a->count, 1);
	assert_int_equal(a->first_ts, T0);
	assert_int_equal(a->last_ts, T0 + 5 * US);
	s = alert_str(&p, &z, &inv, a);
	has(s, "{\"schema_version\":1,\"record\":\"alert\",\"@timestamp\":\"2023-11-14T22:13:20.000000Z\",");
	has(s, "\"event\":{\"kind\":\"alert\",\"category\":\"network\",\"severity\":80}");
	has(s, "\"rule\":{\"id\":\"zone-operation-denied\",\"name\":\"an operation the conduit does "
	       "not allow\",\"ruleset\":\"iec62443-zones\"}");
	has(s, "\"observer\":{\"name\":\"sensor-1\"}");
	has(s, "\"source\":{\"ip\":\"10.0.1.10\",\"mac\":\"00:0c:29:00:00:02\",\"asset\":\"mac:"
	       HMI_MAC "\",\"zone\":\"sup\"}");
	has(s, "\"destination\":{\"ip\":\"10.0.2.10\",\"mac\":\"00:1b:1b:00:00:01\",\"port\":502,");
	has(s, "\"network\":{\"transport\":\"tcp\",\"protocol\":\"modbus\"}");
	has(s, "\"ics\":{\"protocol\":\"modbus\",\"op_classes\":[\"write\"],\"function_codes\":[6],"
	       "\"flags\":[]}");
	has(s, "\"iec62443\":{\"fr\":[\"FR3\"],\"sr\":[],\"zones\":{\"source\":{\"name\":\"sup\","
	       "\"sl_t\":2},\"destination\":{\"name\":\"ctl\",\"sl_t\":3}},\"conduit\":\"polling\"}");
	has(s, "\"threat\":{\"framework\":\"MITRE ATT&CK for ICS\",\"technique_ids\":[\"T0836\"]}");
	has(s, "\"count\":1}");
	hasnt(s, "FR2");
	free(s);
	done(&p, &z, &inv);

	/* the same conduit with reads only: nothing */
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0), 3, "read_holding_registers", OTS_OP_READ);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);
}

static void
test_program_download_denied(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	char *s;

	(void)state;
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, ews_plc(102, 4, "S7Comm", T0), 0x1a, "request_download", OTS_OP_PROGRAM);
	build_eval(&p, &z, &inv);
	/* denied by the conduit, and unauthenticated engineering into SL-T 3 */
	assert_int_equal(p.n, 2);
	a = the_alert(&p, OTS_ZR_OPERATION_DENIED);
	assert_int_equal(a->ops, OP(OTS_OP_PROGRAM));
	assert_int_equal(a->fn[0], 0x1a);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"op_classes\":[\"program\"],\"function_codes\":[26]");
	has(s, "\"iec62443\":{\"fr\":[\"FR2\"],\"sr\":[\"SR 2.1\"],");
	has(s, "\"technique_ids\":[\"T0843\"]");
	hasnt(s, "FR3");
	free(s);
	a = the_alert(&p, OTS_ZR_CLEARTEXT_ENG);
	assert_int_equal(a->zconduit, -1);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"rule\":{\"id\":\"sl-cleartext-engineering\"");
	has(s, "\"severity\":90");
	has(s, "\"iec62443\":{\"fr\":[\"FR1\"],\"sr\":[\"SR 1.1\",\"SR 1.2\"],");
	has(s, "\"conduit\":null}");
	has(s, "\"technique_ids\":[\"T0843\"]");
	free(s);
	done(&p, &z, &inv);
}

static void
test_reply_is_not_initiation(void **state)
{
	static const char oneway[] =
		"  - name: oneway\n"
		"    from: sup\n"
		"    to: ctl\n"
		"    allow:\n"
		"      - protocol: modbus\n";
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	struct ots_flow_rec r;
	struct ots_ics_counts c;
	const struct ots_alert *a;
	char *s;

	(void)state;
	/* HMI (sup) polls the PLC (ctl); the PLC answers every request */
	load_zones(&z, oneway, NULL);
	ots_inv_init(&inv);
	memset(&c, 0, sizeof(c));
	add_fn(&c, 3, "read_holding_registers", OTS_OP_READ, 100, 100);
	add_fn(&c, 6, "write_single_register", OTS_OP_WRITE, 2, 2);
	r = hmi_plc(502, 1, "Modbus", T0);
	ots_inv_flow(&inv, &r, &c);
	/* a flow whose first packet seen was the PLC's reply (from port 502, no handshake):
	 * still initiated by the HMI */
	r = flow("10.0.2.10", PLC_MAC, 64, "10.0.1.10", HMI_MAC, 128, 6, 40001, 1, "Modbus", T0 + US);
	r.key.port_lo = 502;
	ots_inv_flow(&inv, &r, &c);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	assert_int_equal(inv.n_conduits, 1);
	assert_int_equal(inv.conduits[0].flows, 2);
	done(&p, &z, &inv);

	/* the same polling initiated by the PLC side (it opens the connection) */
	load_zones(&z, oneway, NULL);
	ots_inv_init(&inv);
	r = flow("10.0.2.10", PLC_MAC, 64, "10.0.1.10", HMI_MAC, 128, 6, 502, 1, "Modbus", T0);
	r.tcp_flags[0] = OTS_TH_SYN;
	r.tcp_flags[1] = OTS_TH_SYN | OTS_TH_ACK;
	ots_inv_flow(&inv, &r, &c);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_WRONG_DIRECTION);
	assert_int_equal(a->zsrc, zone(&z, "ctl"));
	assert_int_equal(a->zdst, zone(&z, "sup"));
	assert_int_equal(a->zconduit, -1);
	assert_int_equal(a->ops, 0);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"source\":{\"ip\":\"10.0.2.10\"");
	has(s, "\"destination\":{\"ip\":\"10.0.1.10\",\"mac\":\"00:0c:29:00:00:02\",\"port\":502,");
	has(s, "\"iec62443\":{\"fr\":[\"FR5\"],\"sr\":[\"SR 5.2\"],\"zones\":{\"source\":{\"name\":"
	       "\"ctl\",\"sl_t\":3},\"destination\":{\"name\":\"sup\",\"sl_t\":2}},\"conduit\":null}");
	hasnt(s, "\"threat\"");
	free(s);
	done(&p, &z, &inv);

	/* requests only count: a write answered (responses) but never requested is no write */
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	memset(&c, 0, sizeof(c));
	add_fn(&c, 3, "read_holding_registers", OTS_OP_READ, 5, 5);
	add_fn(&c, 6, "write_single_register", OTS_OP_WRITE, 0, 1);
	r = hmi_plc(502, 1, "Modbus", T0);
	ots_inv_flow(&inv, &r, &c);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);
}

static void
test_bidirectional_conduit(void **state)
{
	static const char both[] =
		"  - name: peer\n"
		"    from: sup\n"
		"    to: office\n"
		"    bidirectional: true\n"
		"    allow:\n"
		"      - protocol: smb\n";
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;

	(void)state;
	load_zones(&z, both, NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 445, 0, "SMBv23", T0),
	      0, NULL, 0);
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "10.0.1.10", HMI_MAC, 128, 6, 445, 0, "SMBv23",
	                 T0 + US),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	/* "smb" does not match "SMBv23": both directions denied by protocol, not by direction */
	assert_int_equal(p.n, 2);
	assert_int_equal(n_rule(&p, OTS_ZR_PROTOCOL_DENIED), 2);
	done(&p, &z, &inv);

	load_zones(&z,
	           "  - name: peer\n"
	           "    from: sup\n"
	           "    to: office\n"
	           "    bidirectional: true\n"
	           "    allow:\n"
	           "      - protocol: SMBv23\n",
	           NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 445, 0, "SMBv23", T0),
	      0, NULL, 0);
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "10.0.1.10", HMI_MAC, 128, 6, 445, 0, "SMBv23",
	                 T0 + US),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);

	/* the same conduit one-way: office -> sup is the wrong direction */
	load_zones(&z,
	           "  - name: peer\n"
	           "    from: sup\n"
	           "    to: office\n"
	           "    allow:\n"
	           "      - protocol: SMBv23\n",
	           NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 445, 0, "SMBv23", T0),
	      0, NULL, 0);
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "10.0.1.10", HMI_MAC, 128, 6, 445, 0, "SMBv23",
	                 T0 + US),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	assert_int_equal(the_alert(&p, OTS_ZR_WRONG_DIRECTION)->zsrc, zone(&z, "office"));
	done(&p, &z, &inv);
}

static void
test_no_conduit(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	char *s;

	(void)state;
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "10.0.2.10", PLC_MAC, 64, 6, 502, 1, "Modbus", T0), 3,
	      "read_holding_registers", OTS_OP_READ);
	/* allowed polling next to it raises nothing */
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0), 3, "read_holding_registers", OTS_OP_READ);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_NO_CONDUIT);
	assert_int_equal(a->zsrc, zone(&z, "office"));
	assert_int_equal(a->zdst, zone(&z, "ctl"));
	assert_int_equal(a->zconduit, -1);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"rule\":{\"id\":\"zone-no-conduit\"");
	has(s, "\"severity\":70");
	has(s, "\"iec62443\":{\"fr\":[\"FR5\"],\"sr\":[\"SR 5.1\",\"SR 5.2\"],");
	has(s, "\"conduit\":null}");
	free(s);
	done(&p, &z, &inv);
}

static void
test_protocol_denied_and_ports(void **state)
{
	static const char web[] =
		"  - name: web\n"
		"    from: sup\n"
		"    to: office\n"
		"    allow:\n"
		"      - protocol: any\n"
		"        ports: [443]\n";
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	uint32_t i;
	char *s;

	(void)state;
	load_zones(&z, web, NULL);
	ots_inv_init(&inv);
	/* Modbus on the allowed port, on another port; S7 (allowed protocol) */
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0), 3, "read_holding_registers", OTS_OP_READ);
	feed1(&inv, hmi_plc(503, 1, "Modbus", T0 + 1), 3, "read_holding_registers", OTS_OP_READ);
	feed1(&inv, hmi_plc(102, 4, "S7Comm", T0 + 2), 4, "read_var", OTS_OP_READ);
	/* an nDPI protocol no rule names */
	feed1(&inv, hmi_plc(161, 0, "SNMP", T0 + 3), 0, NULL, 0);
	/* "any" on 443 allowed, on 8443 not */
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 443, 0, "TLS", T0 + 4),
	      0, NULL, 0);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 8443, 0, "TLS", T0 + 5),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 3);
	assert_int_equal(n_rule(&p, OTS_ZR_PROTOCOL_DENIED), 3);
	for (i = 0; i < p.n; i++) {
		const struct ots_conduit *c = &inv.conduits[p.v[i].conduit];

		a = &p.v[i];
		if (c->port == 503) {
			assert_string_equal(ots_inv_str(&inv, c->proto), "modbus");
			assert_int_equal(a->zconduit, 0);
		} else if (c->port == 161) {
			assert_string_equal(ots_inv_str(&inv, c->proto), "SNMP");
			assert_int_equal(a->zconduit, 0);
		} else {
			assert_int_equal(c->port, 8443);
			assert_int_equal(a->zdst, zone(&z, "office"));
			assert_int_equal(a->zconduit, 1);
		}
		assert_int_equal(a->ops, 0);
		s = alert_str(&p, &z, &inv, a);
		has(s, "\"rule\":{\"id\":\"zone-protocol-denied\"");
		has(s, "\"iec62443\":{\"fr\":[\"FR5\"],\"sr\":[\"SR 5.2\"],");
		free(s);
	}
	done(&p, &z, &inv);
}

static void
test_unknown_host(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	char *s;

	(void)state;
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.9.5", ROGUE_MAC, 64, "10.0.2.10", PLC_MAC, 64, 6, 502, 1, "Modbus", T0),
	      3, "read_holding_registers", OTS_OP_READ);
	/* two hosts of no zone: not the policy's business */
	feed1(&inv, flow("10.0.9.5", ROGUE_MAC, 64, "10.0.9.6", "00:50:56:00:00:98", 64, 17, 53, 0,
	                 "DNS", T0 + 1),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_UNKNOWN_HOST);
	assert_int_equal(a->zsrc, -1);
	assert_int_equal(a->zdst, zone(&z, "ctl"));
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"source\":{\"ip\":\"10.0.9.5\",\"mac\":\"00:50:56:00:00:99\",\"asset\":\"mac:"
	       ROGUE_MAC "\",\"zone\":\"unzoned\"}");
	has(s, "\"iec62443\":{\"fr\":[\"FR5\"],\"sr\":[\"SR 5.1\"],\"zones\":{\"source\":null,"
	       "\"destination\":{\"name\":\"ctl\",\"sl_t\":3}},\"conduit\":null}");
	has(s, "\"severity\":40");
	free(s);
	done(&p, &z, &inv);

	load_zones(&z, NULL, "defaults:\n  unzoned: allow\n  internet: alert\n");
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.9.5", ROGUE_MAC, 64, "10.0.2.10", PLC_MAC, 64, 6, 502, 1, "Modbus", T0),
	      3, "read_holding_registers", OTS_OP_READ);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);
}

static void
test_internet(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	char *s;

	(void)state;
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "8.8.8.8", RTR_MAC, 117, 6, 443, 0, "TLS.Google", T0),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_INTERNET);
	assert_int_equal(a->zsrc, zone(&z, "office"));
	assert_int_equal(a->zdst, -1);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"destination\":{\"ip\":\"8.8.8.8\",\"port\":443,\"asset\":\"ip:8.8.8.8\","
	       "\"zone\":\"internet\"");
	has(s, "\"network\":{\"transport\":\"tcp\",\"protocol\":\"TLS.Google\"}");
	has(s, "\"zones\":{\"source\":{\"name\":\"office\",\"sl_t\":1},\"destination\":null}");
	has(s, "\"technique_ids\":[\"T0883\"]");
	has(s, "\"severity\":80");
	free(s);
	done(&p, &z, &inv);

	load_zones(&z, NULL, "defaults:\n  internet: allow\n");
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "8.8.8.8", RTR_MAC, 117, 6, 443, 0, "TLS.Google", T0),
	      0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);
}

static void
test_intra_zone(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;

	(void)state;
	/* default: allowed */
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.2.10", PLC_MAC, 64, "10.0.2.11", PLC2_MAC, 64, 6, 502, 1, "Modbus", T0),
	      6, "write_single_register", OTS_OP_WRITE);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);

	/* intra_zone: alert */
	load_zones(&z, NULL, "defaults:\n  intra_zone: alert\n");
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.2.10", PLC_MAC, 64, "10.0.2.11", PLC2_MAC, 64, 6, 502, 1, "Modbus", T0),
	      6, "write_single_register", OTS_OP_WRITE);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_NO_CONDUIT);
	assert_int_equal(a->zsrc, zone(&z, "ctl"));
	assert_int_equal(a->zdst, zone(&z, "ctl"));
	done(&p, &z, &inv);

	/* intra_zone: alert, but a conduit from the zone to itself allows it */
	load_zones(&z,
	           "  - name: ctl-peers\n"
	           "    from: ctl\n"
	           "    to: ctl\n"
	           "    allow:\n"
	           "      - protocol: modbus\n"
	           "        operations: [read, write]\n",
	           "defaults:\n  intra_zone: alert\n");
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.2.10", PLC_MAC, 64, "10.0.2.11", PLC2_MAC, 64, 6, 502, 1, "Modbus", T0),
	      6, "write_single_register", OTS_OP_WRITE);
	/* and what it does not allow is still an alert */
	feed1(&inv, flow("10.0.2.10", PLC_MAC, 64, "10.0.2.11", PLC2_MAC, 64, 6, 102, 4, "S7Comm",
	                 T0 + 1),
	      4, "read_var", OTS_OP_READ);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_PROTOCOL_DENIED);
	assert_string_equal(z.conduits[a->zconduit].name, "ctl-peers");
	done(&p, &z, &inv);
}

/* ---------------------------------------------------------------- security-level checks */

static void
test_cleartext_engineering(void **state)
{
	static const char eng[] =
		"  - name: engineering\n"
		"    from: sup\n"
		"    to: ctl\n"
		"    allow:\n"
		"      - protocol: s7comm\n"
		"        operations: [program, mode_change]\n"
		"      - protocol: s7comm_plus\n"
		"  - name: office-eng\n"
		"    from: sup\n"
		"    to: office\n"
		"    allow:\n"
		"      - protocol: s7comm\n";
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	struct ots_flow_rec r;
	char *s;

	(void)state;
	load_zones(&z, eng, NULL);
	ots_inv_init(&inv);
	/* allowed by the engineering conduit, but unauthenticated into SL-T 3 */
	feed1(&inv, ews_plc(102, 4, "S7Comm", T0), 0x1a, "request_download", OTS_OP_PROGRAM);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_CLEARTEXT_ENG);
	assert_int_equal(a->zsrc, zone(&z, "sup"));
	assert_int_equal(a->zdst, zone(&z, "ctl"));
	assert_int_equal(a->ops, OP(OTS_OP_PROGRAM));
	assert_int_equal(a->fn[0], 0x1a);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"op_classes\":[\"program\"],\"function_codes\":[26]");
	free(s);
	done(&p, &z, &inv);

	load_zones(&z, eng, NULL);
	ots_inv_init(&inv);
	/* into SL-T 1: no SL check */
	feed1(&inv, flow("10.0.1.50", EWS_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 102, 4, "S7Comm", T0),
	      0x1a, "request_download", OTS_OP_PROGRAM);
	/* inside the control zone: not across a zone boundary */
	feed1(&inv, flow("10.0.2.10", PLC_MAC, 64, "10.0.2.11", PLC2_MAC, 64, 6, 102, 4, "S7Comm",
	                 T0 + 1),
	      0x1a, "request_download", OTS_OP_PROGRAM);
	/* an authenticating protocol */
	feed1(&inv, ews_plc(102, 5, "S7Comm-Plus", T0 + 2), 0x31, "download", OTS_OP_PROGRAM);
	/* a mode change is engineering too (allowed, still raised), a read is not */
	feed1(&inv, hmi_plc(102, 4, "S7Comm", T0 + 3), 0x28, "plc_stop", OTS_OP_MODE_CHANGE);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_CLEARTEXT_ENG);
	assert_int_equal(a->ops, OP(OTS_OP_MODE_CHANGE));
	assert_string_equal(ots_inv_str(&inv, inv.assets[inv.nodes[a->src_node].asset].id),
	                    "mac:" HMI_MAC);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"technique_ids\":[\"T0858\"]");
	free(s);
	done(&p, &z, &inv);

	/* the authenticating protocol with its security off */
	load_zones(&z, eng, NULL);
	ots_inv_init(&inv);
	r = ews_plc(102, 5, "S7Comm-Plus", T0);
	r.ics_flags = 1u << OTS_FLAG_NO_SECURITY;
	feed1(&inv, r, 0x31, "download", OTS_OP_PROGRAM);
	build_eval(&p, &z, &inv);
	assert_int_equal(n_rule(&p, OTS_ZR_CLEARTEXT_ENG), 1);
	done(&p, &z, &inv);
}

static void
test_insecure_protocol(void **state)
{
	static const char cleartext[] =
		"  - name: maint\n"
		"    from: sup\n"
		"    to: ctl\n"
		"    allow:\n"
		"      - protocol: telnet\n"
		"      - protocol: http\n"
		"  - name: office-maint\n"
		"    from: sup\n"
		"    to: office\n"
		"    allow:\n"
		"      - protocol: telnet\n"
		"      - protocol: http\n";
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	struct ots_flow_rec r;
	uint32_t i;
	char *s;

	(void)state;
	load_zones(&z, cleartext, NULL);
	ots_inv_init(&inv);
	feed1(&inv, hmi_plc(23, 19, "Telnet", T0), 0, NULL, 0);
	feed1(&inv, hmi_plc(80, 0, "HTTP", T0 + 1), 0, NULL, 0);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 2);
	assert_int_equal(n_rule(&p, OTS_ZR_INSECURE_PROTO), 2);
	for (i = 0; i < p.n; i++) {
		a = &p.v[i];
		assert_int_equal(a->zsrc, zone(&z, "sup"));
		assert_int_equal(a->zdst, zone(&z, "ctl"));
		assert_int_equal(a->flags, 0);
		s = alert_str(&p, &z, &inv, a);
		has(s, "\"rule\":{\"id\":\"sl-insecure-protocol\"");
		has(s, "\"flags\":[]");
		has(s, "\"iec62443\":{\"fr\":[\"FR1\",\"FR4\"],\"sr\":[\"SR 1.1\",\"SR 4.1\"],");
		hasnt(s, "\"threat\"");
		free(s);
	}
	done(&p, &z, &inv);

	/* cleartext credentials over an otherwise fine protocol */
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	r = hmi_plc(102, 4, "S7Comm", T0);
	r.ics_flags = 1u << OTS_FLAG_CLEARTEXT_CREDENTIAL;
	feed1(&inv, r, 4, "read_var", OTS_OP_READ);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_INSECURE_PROTO);
	assert_int_equal(a->flags, 1u << OTS_FLAG_CLEARTEXT_CREDENTIAL);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"flags\":[\"cleartext_credential\"]");
	has(s, "\"technique_ids\":[\"T0859\"]");
	free(s);
	done(&p, &z, &inv);

	/* none of it into SL-T 1; a plain protocol into SL-T 3 is fine */
	load_zones(&z, cleartext, NULL);
	ots_inv_init(&inv);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 23, 19, "Telnet", T0),
	      0, NULL, 0);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 80, 0, "HTTP", T0 + 1),
	      0, NULL, 0);
	r = flow("10.0.1.10", HMI_MAC, 128, "10.0.3.20", PC_MAC, 128, 6, 23, 19, "Telnet", T0 + 2);
	r.key.port_lo = 40002;
	r.ics_flags = 1u << OTS_FLAG_CLEARTEXT_CREDENTIAL;
	feed1(&inv, r, 0, NULL, 0);
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0 + 3), 3, "read_holding_registers", OTS_OP_READ);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);
}

/* ---------------------------------------------------------------- aggregation and output */

static void
test_aggregated(void **state)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	const struct ots_alert *a;
	struct ots_flow_rec r;
	char *s;

	(void)state;
	load_zones(&z, NULL, NULL);
	ots_inv_init(&inv);
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0), 6, "write_single_register", OTS_OP_WRITE);
	r = hmi_plc(502, 1, "Modbus", T0 + 60 * US);
	r.key.port_lo = 40001;
	feed1(&inv, r, 16, "write_multiple_registers", OTS_OP_WRITE);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	a = the_alert(&p, OTS_ZR_OPERATION_DENIED);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->first_ts, T0);
	assert_int_equal(a->last_ts, T0 + 65 * US);
	assert_int_equal(a->n_fn, 2);
	s = alert_str(&p, &z, &inv, a);
	has(s, "\"function_codes\":[6,16]");
	has(s, "\"first_seen\":\"2023-11-14T22:13:20.000000Z\",\"last_seen\":\"2023-11-14T22:14:25.000000Z\","
	       "\"count\":2}");
	free(s);
	done(&p, &z, &inv);
}

/* A plant over four subnets and the internet, fed in a given order (0..n-1 permuted). */
#define PLANT_N 14

static void
feed_plant(struct ots_inv *inv, const int *order)
{
	struct ots_flow_rec r[PLANT_N];
	struct ots_ics_counts c[PLANT_N];
	int i;

	memset(c, 0, sizeof(c));
	/* supervisory 10.0.1.0/24 -> control 10.0.2.0/24 */
	r[0] = hmi_plc(502, 1, "Modbus", T0);
	add_fn(&c[0], 3, "read_holding_registers", OTS_OP_READ, 100, 100);
	add_fn(&c[0], 16, "write_multiple_registers", OTS_OP_WRITE, 2, 2);
	r[1] = hmi_plc(502, 1, "Modbus", T0 + 30 * US);
	r[1].key.port_lo = 40001;
	add_fn(&c[1], 6, "write_single_register", OTS_OP_WRITE, 1, 1);
	add_fn(&c[1], 5, "write_single_coil", OTS_OP_WRITE, 1, 1);
	r[2] = ews_plc(102, 4, "S7Comm", T0 + 1);
	add_fn(&c[2], 0x1a, "request_download", OTS_OP_PROGRAM, 3, 3);
	add_fn(&c[2], 4, "read_var", OTS_OP_READ, 20, 20);
	r[3] = flow("10.0.1.10", HMI_MAC, 128, "10.0.2.11", PLC2_MAC, 64, 6, 80, 0, "HTTP", T0 + 2);
	/* control intra-zone */
	r[4] = flow("10.0.2.10", PLC_MAC, 64, "10.0.2.11", PLC2_MAC, 64, 6, 102, 4, "S7Comm", T0 + 3);
	add_fn(&c[4], 4, "read_var", OTS_OP_READ, 7, 7);
	/* supervisory -> substation 10.0.4.0/24 */
	r[5] = flow("10.0.1.10", HMI_MAC, 128, "10.0.4.10", "00:30:a7:00:00:70", 64, 6, 20000, 2,
	            "DNP3", T0 + 4);
	add_fn(&c[5], 1, "read", OTS_OP_READ, 5, 5);
	/* office 10.0.3.0/24 */
	r[6] = flow("10.0.3.20", PC_MAC, 128, "8.8.8.8", RTR_MAC, 117, 6, 443, 0, "TLS.Google", T0 + 5);
	r[7] = flow("10.0.3.20", PC_MAC, 128, "10.0.1.14", "00:50:56:00:00:14", 128, 17, 123, 0, "NTP",
	            T0 + 6);
	r[8] = flow("10.0.3.20", PC_MAC, 128, "10.0.3.12", "00:50:56:00:00:12", 128, 6, 445, 0,
	            "SMBv23", T0 + 7);
	/* telnet with a password into the substation */
	r[9] = flow("10.0.1.50", EWS_MAC, 128, "10.0.4.10", "00:30:a7:00:00:70", 64, 6, 23, 19,
	            "Telnet", T0 + 8);
	r[9].ics_flags = 1u << OTS_FLAG_CLEARTEXT_CREDENTIAL;
	/* something on the internet reaches the NTP server's web page */
	r[10] = flow("8.8.4.4", RTR_MAC, 117, "10.0.1.14", "00:50:56:00:00:14", 128, 6, 80, 0, "HTTP",
	             T0 + 9);
	/* control -> supervisory (a PLC pushing to the historian) */
	r[11] = flow("10.0.2.11", PLC2_MAC, 64, "10.0.1.14", "00:50:56:00:00:14", 128, 6, 4840, 8,
	             "OPC-UA", T0 + 10);
	add_fn(&c[11], 673, "Write", OTS_OP_WRITE, 4, 4);
	/* a host of no zone other than its own subnet 10.0.9.0/24 */
	r[12] = flow("10.0.9.5", ROGUE_MAC, 64, "10.0.2.10", PLC_MAC, 64, 6, 502, 1, "Modbus",
	             T0 + 11);
	add_fn(&c[12], 3, "read_holding_registers", OTS_OP_READ, 1, 1);
	/* broadcast: no zone */
	r[13] = flow("10.0.3.20", PC_MAC, 128, "255.255.255.255", "ff:ff:ff:ff:ff:ff", 0, 17, 47808, 7,
	             "BACnet", T0 + 12);
	for (i = 0; i < PLANT_N; i++) {
		int k = order[i];

		ots_inv_flow(inv, &r[k], r[k].app_proto ? &c[k] : NULL);
	}
}

static const char plant_zones[] =
	"version: 1\n"
	"site: plant\n"
	"zones:\n"
	"  - name: sup\n"
	"    sl_t: 2\n"
	"    networks: [10.0.1.0/24]\n"
	"  - name: ctl\n"
	"    sl_t: 3\n"
	"    networks: [10.0.2.0/24]\n"
	"  - name: office\n"
	"    sl_t: 1\n"
	"    networks: [10.0.3.0/24]\n"
	"  - name: sub\n"
	"    sl_t: 3\n"
	"    networks: [10.0.4.0/24]\n"
	"conduits:\n"
	"  - name: polling\n"
	"    from: sup\n"
	"    to: ctl\n"
	"    allow:\n"
	"      - protocol: modbus\n"
	"        operations: [read]\n"
	"      - protocol: s7comm\n"
	"        operations: [read]\n"
	"  - name: scada-sub\n"
	"    from: sup\n"
	"    to: sub\n"
	"    allow:\n"
	"      - protocol: dnp3\n"
	"        operations: [read]\n"
	"defaults:\n"
	"  intra_zone: allow\n"
	"  unzoned: alert\n"
	"  internet: alert\n";

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct run {
	uint64_t ids[64];
	uint32_t n;
	char *alerts, *zones;
};

static void
plant_run(const int *order, struct run *out)
{
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	FILE *f;
	uint32_t i;

	load_yaml(&z, plant_zones);
	ots_inv_init(&inv);
	feed_plant(&inv, order);
	build_eval(&p, &z, &inv);
	assert_true(p.n <= 64);
	out->n = p.n;
	for (i = 0; i < p.n; i++)
		out->ids[i] = p.v[i].id;
	qsort(out->ids, p.n, sizeof(uint64_t), u64_cmp);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(ots_policy_write_alerts(&p, &z, &inv, "s", f), p.n);
	out->alerts = slurp(f, NULL);
	fclose(f);
	out->zones = zones_str(&p, &z, &inv);
	done(&p, &z, &inv);
}

static void
test_deterministic(void **state)
{
	int o1[PLANT_N], o2[PLANT_N], i;
	struct run a, b;

	(void)state;
	for (i = 0; i < PLANT_N; i++) {
		o1[i] = i;
		o2[i] = PLANT_N - 1 - i;
	}
	plant_run(o1, &a);
	plant_run(o2, &b);
	/* every rule of the conduit checks has something to say about this plant */
	assert_true(a.n >= 8);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.ids, b.ids, a.n * sizeof(uint64_t));
	assert_string_equal(a.alerts, b.alerts);
	assert_string_equal(a.zones, b.zones);
	has(a.alerts, "\"rule\":{\"id\":\"zone-operation-denied\"");
	has(a.alerts, "\"function_codes\":[5,6,16]");
	has(a.alerts, "\"rule\":{\"id\":\"zone-internet\"");
	has(a.alerts, "\"rule\":{\"id\":\"zone-unknown-host\"");
	has(a.alerts, "\"rule\":{\"id\":\"zone-no-conduit\"");
	has(a.alerts, "\"rule\":{\"id\":\"sl-insecure-protocol\"");
	has(a.alerts, "\"rule\":{\"id\":\"sl-cleartext-engineering\"");
	has(a.alerts, "\"rule\":{\"id\":\"zone-protocol-denied\"");
	free(a.alerts);
	free(a.zones);
	free(b.alerts);
	free(b.zones);
}

static void
test_alerts_written_once(void **state)
{
	static const int order[PLANT_N] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	FILE *f;
	char *s, *line;
	uint64_t n;
	size_t lines = 0;

	(void)state;
	load_yaml(&z, plant_zones);
	ots_inv_init(&inv);
	feed_plant(&inv, order);
	build_eval(&p, &z, &inv);
	f = tmpfile();
	assert_non_null(f);
	n = ots_policy_write_alerts(&p, &z, &inv, NULL, f);
	assert_int_equal(n, p.n);
	assert_int_equal(ots_policy_write_alerts(&p, &z, &inv, NULL, f), 0);
	/* a later checkpoint: same observations plus more of the same, then one new finding */
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0 + 3600 * US), 6, "write_single_register",
	      OTS_OP_WRITE);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_int_equal(ots_policy_eval(&p, &z, &inv), OTS_OK);
	assert_int_equal(ots_policy_write_alerts(&p, &z, &inv, NULL, f), 0);
	feed1(&inv, flow("10.0.3.21", "00:50:56:00:00:31", 128, "10.0.4.10", "00:30:a7:00:00:70", 64,
	                 6, 2404, 6, "IEC60870", T0 + 3601 * US),
	      0, NULL, 0);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_int_equal(ots_policy_eval(&p, &z, &inv), OTS_OK);
	assert_int_equal(ots_policy_write_alerts(&p, &z, &inv, NULL, f), 1);
	assert_int_equal(p.alerts_written, n + 1);
	s = slurp(f, NULL);
	for (line = s; (line = strchr(line, '\n')); line++)
		lines++;
	assert_int_equal(lines, n + 1);
	hasnt(s, "\"observer\"");
	free(s);
	fclose(f);
	done(&p, &z, &inv);
}

/* The sl_a estimate of zone name in a zones.json text. */
static int
sl_a(const char *zones_json, const char *name)
{
	char key[128];
	const char *s, *e;

	snprintf(key, sizeof(key), "{\"name\":\"%s\",", name);
	s = strstr(zones_json, key);
	assert_non_null(s);
	e = strstr(s, "\"sl_a\":{\"estimate\":");
	assert_non_null(e);
	return atoi(e + strlen("\"sl_a\":{\"estimate\":"));
}

static void
test_zones_json_sl_a(void **state)
{
	static const char zones[] =
		"version: 1\n"
		"zones:\n"
		"  - name: office\n"
		"    sl_t: 1\n"
		"    networks: [10.0.3.0/24]\n"
		"  - name: sup\n"
		"    sl_t: 2\n"
		"    networks: [10.0.1.0/24]\n"
		"  - name: ctl\n"
		"    sl_t: 3\n"
		"    networks: [10.0.2.0/24]\n"
		"  - name: it\n"
		"    sl_t: 2\n"
		"    networks: [10.0.5.0/24]\n"
		"    description: \"servers\"\n"
		"  - name: empty\n"
		"    sl_t: 4\n"
		"    vlans: [99]\n"
		"conduits:\n"
		"  - name: polling\n"
		"    from: sup\n"
		"    to: ctl\n"
		"    allow:\n"
		"      - protocol: modbus\n"
		"        operations: [read]\n"
		"  - name: services\n"
		"    from: sup\n"
		"    to: it\n"
		"    allow:\n"
		"      - protocol: any\n"
		"defaults:\n"
		"  internet: alert\n";
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	char *s;

	(void)state;
	load_yaml(&z, zones);
	ots_inv_init(&inv);
	/* office: internet traffic */
	feed1(&inv, flow("10.0.3.20", PC_MAC, 128, "8.8.8.8", RTR_MAC, 117, 6, 443, 0, "TLS.Google", T0),
	      0, NULL, 0);
	/* ctl: Modbus reads only, through its conduit */
	feed1(&inv, hmi_plc(502, 1, "Modbus", T0 + 1), 3, "read_holding_registers", OTS_OP_READ);
	/* it: OPC UA (authenticating), DNS, and a unicast DHCP renewal */
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.5.5", "00:50:56:00:05:05", 64, 6, 4840, 8,
	                 "OPC-UA", T0 + 2),
	      631, "Read", OTS_OP_READ);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.5.6", "00:50:56:00:05:06", 64, 17, 53, 0,
	                 "DNS", T0 + 3),
	      0, NULL, 0);
	feed1(&inv, flow("10.0.1.10", HMI_MAC, 128, "10.0.5.7", "00:50:56:00:05:07", 64, 17, 67, 17,
	                 "DHCP", T0 + 4),
	      3, "request", OTS_OP_OTHER);
	build_eval(&p, &z, &inv);
	assert_int_equal(p.n, 1);
	assert_int_equal(the_alert(&p, OTS_ZR_INTERNET)->zsrc, zone(&z, "office"));
	s = zones_str(&p, &z, &inv);
	assert_int_equal(sl_a(s, "office"), 0);
	assert_int_equal(sl_a(s, "ctl"), 2);
	assert_int_equal(sl_a(s, "it"), 3);
	assert_int_equal(sl_a(s, "sup"), 3);
	assert_int_equal(sl_a(s, "empty"), 3);
	has(s, "{\"schema_version\":1,\"site\":null,\"zones_file\":\"test.yaml\",\"zones\":[");
	has(s, "{\"name\":\"office\",\"sl_t\":1,\"networks\":[\"10.0.3.0/24\"],\"vlans\":[],"
	       "\"assets\":[\"mac:" PC_MAC "\"],\"conduits_out\":[{\"to\":\"internet\","
	       "\"protocol\":\"TLS.Google\",\"transport\":\"tcp\",\"port\":443,\"operations\":[],"
	       "\"flows\":1,\"declared\":null}],\"conduits_in\":[],");
	has(s, "\"findings\":{\"FR1\":0,\"FR2\":0,\"FR3\":0,\"FR4\":0,\"FR5\":1,\"FR6\":0,\"FR7\":0},"
	       "\"alerts\":{\"zone-internet\":1},\"sl_a\":{\"estimate\":0,\"meets_target\":false,"
	       "\"capped_by\":[{\"level\":0,");
	has(s, "\"name\":\"ctl\",\"sl_t\":3,\"networks\":[\"10.0.2.0/24\"],\"vlans\":[],\"assets\":"
	       "[\"mac:" PLC_MAC "\"],\"conduits_out\":[],\"conduits_in\":[{\"from\":\"sup\","
	       "\"protocol\":\"modbus\",\"transport\":\"tcp\",\"port\":502,\"operations\":[\"read\"],"
	       "\"flows\":1,\"declared\":\"polling\"}]");
	has(s, "\"sl_a\":{\"estimate\":2,\"meets_target\":false,\"capped_by\":[{\"level\":2,"
	       "\"reason\":\"industrial protocols without cryptographic integrity (SR 3.1 RE1)\","
	       "\"conduits\":1,\"example_conduit\":\"");
	has(s, "\"name\":\"it\",\"sl_t\":2,\"description\":\"servers\",");
	has(s, "\"sl_a\":{\"estimate\":3,\"meets_target\":true,\"capped_by\":[{\"level\":3,\"reason\":"
	       "\"passive observation cannot confirm the requirements SL 4 adds\"}]}");
	has(s, "{\"name\":\"empty\",\"sl_t\":4,\"networks\":[],\"vlans\":[99],\"assets\":[],");
	has(s, "\"unzoned_assets\":[]}");
	free(s);
	done(&p, &z, &inv);
}

/* ---------------------------------------------------------------- --suggest-zones */

static void
test_suggest_round_trip(void **state)
{
	int o1[PLANT_N], o2[PLANT_N], i;
	char *y1, *y2;
	struct ots_zones z;
	struct ots_inv inv;
	struct ots_policy p;
	size_t len;
	FILE *f;

	(void)state;
	for (i = 0; i < PLANT_N; i++) {
		o1[i] = i;
		o2[i] = (i * 5 + 3) % PLANT_N;
	}
	ots_inv_init(&inv);
	feed_plant(&inv, o2);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(ots_policy_suggest(&inv, f), OTS_OK);
	y2 = slurp(f, NULL);
	fclose(f);
	ots_inv_free(&inv);

	ots_inv_init(&inv);
	feed_plant(&inv, o1);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(ots_policy_suggest(&inv, f), OTS_OK);
	y1 = slurp(f, &len);
	fclose(f);
	assert_string_equal(y1, y2); /* content order */
	has(y1, "  - name: supervisory-10-0-1\n    sl_t: 1   # lowered from 2");
	has(y1, "  - name: control-10-0-2\n    sl_t: 1   # lowered from 2");
	has(y1, "  - name: it-10-0-3\n    sl_t: 1\n    networks: [10.0.3.0/24]\n");
	has(y1, "  - name: control-10-0-4\n    sl_t: 1   # lowered from 2");
	has(y1, "  - name: supervisory-10-0-9\n    sl_t: 2\n");
	has(y1, "  - name: supervisory-10-0-1-to-control-10-0-2\n"
	        "    from: supervisory-10-0-1\n"
	        "    to: control-10-0-2\n"
	        "    allow:\n"
	        "      - protocol: \"HTTP\"\n"
	        "        operations: [any]\n"
	        "        ports: [80]\n"
	        "      - protocol: \"modbus\"\n"
	        "        operations: [read, write]\n"
	        "        ports: [502]\n"
	        "      - protocol: \"s7comm\"\n"
	        "        operations: [read, program]\n"
	        "        ports: [102]\n");
	has(y1, "  internet: allow   # 2 conduits with public addresses were seen");
	hasnt(y1, "8.8.");
	hasnt(y1, "255.255.255");

	/* the suggestion, as it is, raises nothing on the traffic it was made from */
	load_yaml(&z, y1);
	ots_policy_init(&p);
	assert_int_equal(ots_policy_eval(&p, &z, &inv), OTS_OK);
	for (i = 0; i < (int)p.n; i++) {
		char *s = alert_str(&p, &z, &inv, &p.v[i]);

		fprintf(stderr, "unexpected alert: %s\n", s);
		free(s);
	}
	assert_int_equal(p.n, 0);
	done(&p, &z, &inv);
	free(y1);
	free(y2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_over_read_only_conduit),
		cmocka_unit_test(test_program_download_denied),
		cmocka_unit_test(test_reply_is_not_initiation),
		cmocka_unit_test(test_bidirectional_conduit),
		cmocka_unit_test(test_no_conduit),
		cmocka_unit_test(test_protocol_denied_and_ports),
		cmocka_unit_test(test_unknown_host),
		cmocka_unit_test(test_internet),
		cmocka_unit_test(test_intra_zone),
		cmocka_unit_test(test_cleartext_engineering),
		cmocka_unit_test(test_insecure_protocol),
		cmocka_unit_test(test_aggregated),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_alerts_written_once),
		cmocka_unit_test(test_zones_json_sl_a),
		cmocka_unit_test(test_suggest_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
