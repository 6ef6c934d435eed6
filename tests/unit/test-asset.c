/* SPDX-License-Identifier: BSD-3-Clause */
/* test-asset.c: asset keys, merging, conduits, roles, changes, state (src/asset*.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/asset.h"
#include "ots/decode.h"
#include "ots/error.h"
#include "ots/json.h"

#include "inv-test.h"


static char *
assets_json(struct ots_inv *inv)
{
	struct ots_json j;
	char *s;

	ots_json_init(&j);
	ots_inv_assets_json(inv, &j);
	assert_int_equal(j.err, 0);
	s = strdup(j.buf);
	ots_json_free(&j);
	return s;
}

static char *
conduits_json(struct ots_inv *inv)
{
	struct ots_json j;
	char *s;

	ots_json_init(&j);
	ots_inv_conduits_json(inv, &j);
	assert_int_equal(j.err, 0);
	s = strdup(j.buf);
	ots_json_free(&j);
	return s;
}

static const struct ots_asset *
find(const struct ots_inv *inv, const char *id)
{
	uint32_t i;

	for (i = 0; i < inv->n_order; i++)
		if (strcmp(ots_inv_str(inv, inv->assets[inv->asset_order[i]].id), id) == 0)
			return &inv->assets[inv->asset_order[i]];
	return NULL;
}

#define PLC_MAC "00:1b:1b:00:00:01"
#define HMI_MAC "00:0c:29:00:00:02"
#define RTR_MAC "00:00:0c:00:00:fe"

static void
test_multi_ip_device_is_one_asset(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r1, r2;
	const struct ots_asset *a;

	(void)state;
	ots_inv_init(&inv);
	r1 = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 30, 6, 102, 0, "Unknown", T0);
	r2 = flow("10.0.1.2", HMI_MAC, 128, "10.0.1.10", PLC_MAC, 30, 6, 102, 0, "Unknown", T0);
	ots_inv_flow(&inv, &r1, NULL);
	ots_inv_flow(&inv, &r2, NULL);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_int_equal(inv.n_order, 2);
	a = find(&inv, "mac:" PLC_MAC);
	assert_non_null(a);
	assert_int_equal(a->n_nodes, 2);
	assert_null(find(&inv, "ip:10.0.0.10"));
	ots_inv_free(&inv);
}

static void
test_router_mac_does_not_merge(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r;
	const struct ots_asset *a;
	char ip[32];
	int i;

	(void)state;
	ots_inv_init(&inv);
	/* five remote clients reach the PLC through the router (TTL 127 = 128 - 1) */
	for (i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "10.9.0.%d", 20 + i);
		r = flow(ip, RTR_MAC, 127, "10.0.0.10", PLC_MAC, 64, 6, 502, 0, "Unknown", T0 + (uint64_t)i);
		ots_inv_flow(&inv, &r, NULL);
	}
	/* the router's own management address, initial TTL */
	r = flow("10.0.0.1", RTR_MAC, 255, "10.0.0.10", PLC_MAC, 64, 17, 161, 0, "SNMP", T0);
	ots_inv_flow(&inv, &r, NULL);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	/* 5 remote ip: assets + router + PLC */
	assert_int_equal(inv.n_order, 7);
	assert_non_null(find(&inv, "ip:10.9.0.20"));
	assert_non_null(find(&inv, "ip:10.9.0.24"));
	a = find(&inv, "mac:" RTR_MAC);
	assert_non_null(a);
	assert_int_equal(a->n_nodes, 1); /* only 10.0.0.1 */
	assert_int_equal(a->gateway, 1);
	assert_int_equal(a->role, OTS_ROLE_NETWORK);
	ots_inv_free(&inv);
}

static void
test_ip_only_node_joins_its_mac_asset(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r1, r2;

	(void)state;
	ots_inv_init(&inv);
	r1 = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 64, 6, 502, 0, "Unknown", T0);
	r2 = flow("10.0.0.3", "", 64, "10.0.0.10", "", 64, 6, 502, 0, "Unknown", T0);
	ots_inv_flow(&inv, &r1, NULL);
	ots_inv_flow(&inv, &r2, NULL);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_non_null(find(&inv, "mac:" PLC_MAC));
	assert_null(find(&inv, "ip:10.0.0.10"));
	assert_non_null(find(&inv, "ip:10.0.0.3"));
	assert_int_equal(inv.n_order, 3);
	ots_inv_free(&inv);
}

static void
test_broadcast_is_not_an_asset(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r;
	char *c;

	(void)state;
	ots_inv_init(&inv);
	r = flow("10.0.0.2", HMI_MAC, 64, "255.255.255.255", "ff:ff:ff:ff:ff:ff", 0, 17, 47808, 7,
	         "BACnet", T0);
	ots_inv_flow(&inv, &r, NULL);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_int_equal(inv.n_order, 1);
	assert_int_equal(inv.n_conduits, 1);
	c = conduits_json(&inv);
	assert_non_null(strstr(c, "\"dst\":{\"asset\":null,\"ip\":\"255.255.255.255\""));
	free(c);
	ots_inv_free(&inv);
}

static void
test_conduit_merges_flows_and_functions(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r;
	struct ots_ics_counts c1, c2;
	const struct ots_conduit *c;
	int i;

	(void)state;
	ots_inv_init(&inv);
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	add_fn(&c1, 3, "read_holding_registers", OTS_OP_READ, 100, 100);
	add_fn(&c2, 3, "read_holding_registers", OTS_OP_READ, 50, 50);
	add_fn(&c2, 16, "write_multiple_registers", OTS_OP_WRITE, 2, 2);
	for (i = 0; i < 2; i++) {
		r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 64, 6, 502, 1, "Modbus",
		         T0 + (uint64_t)i * 60 * US);
		ots_inv_flow(&inv, &r, i ? &c2 : &c1);
	}
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_int_equal(inv.n_conduits, 1);
	c = &inv.conduits[0];
	assert_int_equal(c->flows, 2);
	assert_int_equal(c->pkts[0], 20);
	assert_int_equal(c->ics.n_fn, 2);
	assert_int_equal(c->ics.fn[0].code, 3);
	assert_int_equal(c->ics.fn[0].requests, 150);
	assert_int_equal(c->ics.fn[1].code, 16);
	assert_int_equal(c->ics.ops[OTS_OP_WRITE], 4);
	assert_int_equal(c->first_ts, T0);
	assert_int_equal(c->last_ts, T0 + 65 * US);
	ots_inv_free(&inv);
}

/* A small plant fed in a given order. */
static void
feed_plant(struct ots_inv *inv, const int *order, int n)
{
	struct ots_flow_rec r[6];
	struct ots_event_rec e[3];
	struct ots_ics_counts c[6];
	int i;

	memset(c, 0, sizeof(c));
	r[0] = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 30, 6, 102, 4, "S7Comm", T0);
	add_fn(&c[0], 4, "read_var", OTS_OP_READ, 40, 40);
	r[1] = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.11", "00:1b:1b:00:00:03", 30, 6, 502, 1,
	            "Modbus", T0 + 1);
	add_fn(&c[1], 3, "read_holding_registers", OTS_OP_READ, 10, 10);
	r[2] = flow("10.0.0.50", "00:50:56:00:00:50", 128, "10.0.0.10", PLC_MAC, 30, 6, 102, 4,
	            "S7Comm", T0 + 2);
	add_fn(&c[2], 0x1a, "download", OTS_OP_PROGRAM, 3, 3);
	r[3] = flow("10.0.0.50", "00:50:56:00:00:50", 128, "8.8.8.8", RTR_MAC, 117, 6, 443, 0,
	            "TLS.Google", T0 + 3);
	r[4] = flow("10.0.0.60", "00:50:56:00:00:60", 64, "10.0.0.70", "00:30:a7:00:00:70", 64, 6,
	            20000, 2, "DNP3", T0 + 4);
	add_fn(&c[4], 1, "read", OTS_OP_READ, 5, 5);
	r[5] = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.11", "00:1b:1b:00:00:03", 30, 6, 502, 1,
	            "Modbus", T0 + 100 * US);
	add_fn(&c[5], 3, "read_holding_registers", OTS_OP_READ, 7, 7);
	e[0] = fact(&r[0], 4, OTS_FACT_MODEL, "CPU 315-2 PN/DP", "SZL 0x001C", T0 + 10);
	e[1] = fact(&r[0], 4, OTS_FACT_FIRMWARE, "V3.2.6", "SZL 0x0011", T0 + 11);
	e[2] = fact(&r[0], 4, OTS_FACT_SERIAL, "S C-X4U421302009", "SZL 0x001C", T0 + 12);
	for (i = 0; i < n; i++) {
		int k = order[i];

		if (k < 6)
			ots_inv_flow(inv, &r[k], r[k].app_proto ? &c[k] : NULL);
		else
			ots_inv_event(inv, &e[k - 6]);
	}
}

static void
test_roles(void **state)
{
	static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ots_inv inv;
	const struct ots_asset *a;

	(void)state;
	ots_inv_init(&inv);
	feed_plant(&inv, order, 9);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	a = find(&inv, "mac:" PLC_MAC);
	assert_non_null(a);
	assert_int_equal(a->role, OTS_ROLE_PLC);
	assert_non_null(strstr(ots_inv_str(&inv, a->evidence[0]), "answers s7comm on tcp/102"));
	assert_non_null(strstr(ots_inv_str(&inv, a->evidence[0]), "SZL"));
	a = find(&inv, "mac:" HMI_MAC);
	assert_int_equal(a->role, OTS_ROLE_HMI);
	a = find(&inv, "mac:00:50:56:00:00:50");
	assert_int_equal(a->role, OTS_ROLE_ENGINEERING);
	a = find(&inv, "mac:00:30:a7:00:00:70");
	assert_int_equal(a->role, OTS_ROLE_RTU);
	a = find(&inv, "mac:00:50:56:00:00:60");
	assert_int_equal(a->role, OTS_ROLE_HMI);
	/* 8.8.8.8 came through the router with TTL 117: a routed peer, keyed by IP */
	a = find(&inv, "ip:8.8.8.8");
	assert_non_null(a);
	assert_int_equal(a->external, 1);
	assert_int_equal(a->role, OTS_ROLE_IT);
	ots_inv_free(&inv);
}

static void
test_historian_and_network_roles(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r;
	struct ots_event_rec e;
	struct ots_ics_counts c;
	const struct ots_asset *a;

	(void)state;
	ots_inv_init(&inv);
	/* an OPC UA client that only reads from one server: historian */
	memset(&c, 0, sizeof(c));
	add_fn(&c, 631, "Read", OTS_OP_READ, 500, 500);
	r = flow("10.0.0.80", "00:50:56:00:00:80", 128, "10.0.0.81", "00:50:56:00:00:81", 64, 6,
	         4840, 8, "OPC-UA", T0);
	ots_inv_flow(&inv, &r, &c);
	/* a switch that only announces itself */
	memset(&e, 0, sizeof(e));
	e.rtype = OTS_REC_EVENT;
	e.kind = OTS_EV_FACT;
	e.proto = 15; /* lldp */
	e.has_mac = 1 | 4;
	mac(e.mac[0], "00:1e:bd:20:00:01");
	mac(e.mac[1], "01:80:c2:00:00:0e");
	memcpy(e.key.lo.b, e.mac[0], 6);
	memcpy(e.key.hi.b, e.mac[1], 6);
	e.key.port_lo = 0x88cc;
	e.init_is_lo = 1;
	e.ts = T0;
	e.attr = OTS_FACT_NAME;
	e.confidence = 100;
	snprintf(e.source, sizeof(e.source), "LLDP");
	snprintf(e.value, sizeof(e.value), "sw-cell-a");
	e.value_len = 9;
	ots_inv_event(&inv, &e);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	a = find(&inv, "mac:00:50:56:00:00:80");
	assert_non_null(a);
	assert_int_equal(a->role, OTS_ROLE_HISTORIAN);
	a = find(&inv, "mac:00:1e:bd:20:00:01");
	assert_non_null(a);
	assert_int_equal(a->role, OTS_ROLE_NETWORK);
	{
		char *s = assets_json(&inv);

		assert_non_null(strstr(s, "\"hostnames\":[\"sw-cell-a\"]"));
		free(s);
	}
	/* no asset for the LLDP multicast destination */
	assert_int_equal(inv.n_order, 3);
	ots_inv_free(&inv);
}

static void
test_deterministic_whatever_the_order(void **state)
{
	static const int o1[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const int o2[] = { 8, 5, 7, 3, 1, 6, 4, 2, 0 };
	struct ots_inv a, b;
	char *ja, *jb, *ca, *cb;

	(void)state;
	ots_inv_init(&a);
	ots_inv_init(&b);
	feed_plant(&a, o1, 9);
	feed_plant(&b, o2, 9);
	assert_int_equal(ots_inv_build(&a), OTS_OK);
	assert_int_equal(ots_inv_build(&b), OTS_OK);
	ja = assets_json(&a);
	jb = assets_json(&b);
	ca = conduits_json(&a);
	cb = conduits_json(&b);
	assert_string_equal(ja, jb);
	assert_string_equal(ca, cb);
	assert_non_null(strstr(ja, "\"firmware\":\"V3.2.6\""));
	assert_non_null(strstr(ja, "\"message\":\"SZL 0x0011\""));
	free(ja);
	free(jb);
	free(ca);
	free(cb);
	ots_inv_free(&a);
	ots_inv_free(&b);
}

/* Change records as text (one per line). */
static char *
changes(struct ots_inv *inv, uint64_t *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*n = ots_inv_changes(inv, f);
	fclose(f);
	return buf;
}

static void
test_changes_reported_once(void **state)
{
	static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ots_inv inv;
	struct ots_flow_rec r;
	struct ots_event_rec e;
	uint64_t n;
	char *s;

	(void)state;
	ots_inv_init(&inv);
	feed_plant(&inv, order, 9);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	s = changes(&inv, &n);
	assert_int_equal(n, inv.n_order); /* every asset is new */
	assert_non_null(strstr(s, "\"change\":\"new_asset\",\"asset\":\"mac:" PLC_MAC "\""));
	free(s);
	/* nothing new: nothing reported */
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	s = changes(&inv, &n);
	assert_int_equal(n, 0);
	free(s);
	/* a firmware update, and the PLC's IP taken over by another MAC */
	r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 30, 6, 102, 4, "S7Comm", T0 + 500 * US);
	e = fact(&r, 4, OTS_FACT_FIRMWARE, "V3.3.0", "SZL 0x0011", T0 + 500 * US);
	ots_inv_event(&inv, &e);
	r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", "00:1b:1b:00:00:99", 30, 6, 102, 4, "S7Comm",
	         T0 + 600 * US);
	ots_inv_flow(&inv, &r, NULL);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	s = changes(&inv, &n);
	assert_non_null(strstr(s, "\"change\":\"attribute_change\",\"asset\":\"mac:" PLC_MAC
	                          "\",\"attribute\":\"firmware\",\"old\":\"V3.2.6\",\"new\":\"V3.3.0\""));
	assert_non_null(strstr(s, "\"change\":\"ip_mac_change\""));
	assert_non_null(strstr(s, "\"old_mac\":\"" PLC_MAC "\",\"new_mac\":\"00:1b:1b:00:00:99\""));
	assert_non_null(strstr(s, "\"change\":\"new_asset\",\"asset\":\"mac:00:1b:1b:00:00:99\""));
	assert_int_equal(n, 3);
	free(s);
	/* the conflict is kept: both firmware values with provenance */
	s = assets_json(&inv);
	assert_non_null(strstr(s, "\"conflicts\":[\"firmware\"]"));
	assert_non_null(strstr(s, "\"value\":\"V3.2.6\""));
	assert_non_null(strstr(s, "\"firmware\":\"V3.3.0\""));
	free(s);
	ots_inv_free(&inv);
}

static void
test_state_round_trip(void **state)
{
	static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ots_inv a, b;
	char path[] = "/tmp/ots-test-state-XXXXXX";
	char err[1024] = "", *ja, *jb, *ca, *cb, *s;
	uint64_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	ots_inv_init(&a);
	feed_plant(&a, order, 9);
	assert_int_equal(ots_inv_build(&a), OTS_OK);
	free(changes(&a, &n));
	assert_int_equal(ots_inv_state_save(&a, path, err, sizeof(err)), OTS_OK);
	ots_inv_init(&b);
	assert_int_equal(ots_inv_state_load(&b, path, err, sizeof(err)), OTS_OK);
	assert_int_equal(ots_inv_build(&b), OTS_OK);
	ja = assets_json(&a);
	jb = assets_json(&b);
	ca = conduits_json(&a);
	cb = conduits_json(&b);
	assert_string_equal(ja, jb);
	assert_string_equal(ca, cb);
	s = changes(&b, &n); /* known assets are not new after a restart */
	assert_int_equal(n, 0);
	free(s);
	free(ja);
	free(jb);
	free(ca);
	free(cb);
	ots_inv_free(&a);
	ots_inv_free(&b);
	unlink(path);
}

static void
test_corrupt_state_is_set_aside(void **state)
{
	struct ots_inv inv;
	char path[] = "/tmp/ots-test-state-XXXXXX";
	char err[1024] = "", aside[256];
	const char *p;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"schema_version\":1,\"record\":\"otsensor_state\",\"nodes\":[", 55), 55);
	close(fd);
	ots_inv_init(&inv);
	assert_int_equal(ots_inv_state_load(&inv, path, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "moved to"));
	assert_int_equal(access(path, F_OK), -1); /* moved */
	p = strstr(err, "moved to ");
	assert_non_null(p);
	snprintf(aside, sizeof(aside), "%.*s", (int)strcspn(p + 9, ","), p + 9);
	assert_int_equal(access(aside, F_OK), 0);
	unlink(aside);
	assert_int_equal(inv.n_nodes, 0);
	/* a missing file is a first run */
	err[0] = '\0';
	assert_int_equal(ots_inv_state_load(&inv, path, err, sizeof(err)), OTS_OK);
	ots_inv_free(&inv);
}

static void
test_memcap_refuses_new_entries_only(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r;
	char ip[32];
	int i;

	(void)state;
	ots_inv_init(&inv);
	inv.memcap = 256 * 1024; /* the string pool takes 64 KiB: room for a few thousand entries */
	r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 64, 6, 502, 1, "Modbus", T0);
	ots_inv_flow(&inv, &r, NULL);
	for (i = 0; i < 20000; i++) {
		snprintf(ip, sizeof(ip), "172.16.%d.%d", i / 250, i % 250 + 1);
		r = flow(ip, RTR_MAC, 63, "10.0.0.10", PLC_MAC, 64, 6, 502, 0, "Unknown",
		         T0 + (uint64_t)i);
		ots_inv_flow(&inv, &r, NULL);
	}
	assert_true(inv.nodes_refused > 0);
	assert_true(inv.conduits_refused > 0);
	assert_true(inv.n_nodes < 20000);
	/* a known conduit still counts its flows */
	r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 64, 6, 502, 1, "Modbus", T0 + 99);
	ots_inv_flow(&inv, &r, NULL);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_non_null(find(&inv, "mac:" HMI_MAC));
	assert_int_equal(inv.oc[0].flows, 2);
	ots_inv_free(&inv);
}

static void
test_csv_quotes_and_formulas(void **state)
{
	struct ots_inv inv;
	struct ots_flow_rec r;
	struct ots_event_rec e;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	ots_inv_init(&inv);
	r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 64, 6, 502, 1, "Modbus", T0);
	ots_inv_flow(&inv, &r, NULL);
	e = fact(&r, 17, OTS_FACT_HOSTNAME, "=HYPERLINK(\"x\"),y", "option 12", T0);
	ots_inv_event(&inv, &e);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	f = open_memstream(&buf, &len);
	assert_int_equal(ots_inv_assets_csv(&inv, f), OTS_OK);
	fclose(f);
	assert_non_null(strstr(buf, "\"'=HYPERLINK(\"\"x\"\"),y\""));
	assert_non_null(strstr(buf, "id,role,name,ips,macs"));
	free(buf);
	ots_inv_free(&inv);
}

/* ---------------------------------------------------------------- state as JSON Lines */

/* Whole file, NUL-terminated; *len its size. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Offset of line no (from 1) in buf, or len when there are fewer lines. */
static size_t
line_at(const char *buf, size_t len, int no)
{
	size_t off = 0;

	while (--no > 0 && off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return off;
}

static int
count_lines(const char *buf, size_t len)
{
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

/* Write orig with the cut bytes at off replaced by ins. */
static void
splice_spit(const char *path, const char *orig, size_t len, size_t off, size_t cut,
            const char *ins)
{
	size_t n = strlen(ins);
	char *buf = malloc(len + n + 1);

	assert_non_null(buf);
	assert_true(off + cut <= len);
	memcpy(buf, orig, off);
	memcpy(buf + off, ins, n);
	memcpy(buf + off + n, orig + off + cut, len - off - cut);
	spit(path, buf, len - cut + n);
	free(buf);
}

/* A state file of the small plant (after its changes were reported) at a new path. */
static void
plant_state(char *path, struct ots_inv *a)
{
	static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	char err[1024] = "";
	uint64_t n;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	ots_inv_init(a);
	feed_plant(a, order, 9);
	assert_int_equal(ots_inv_build(a), OTS_OK);
	free(changes(a, &n));
	assert_int_equal(ots_inv_state_save(a, path, err, sizeof(err)), OTS_OK);
}

/* Load path into an inventory that already holds the plant: the load must fail with a
 * message containing want, set the file aside and leave the inventory as it was. */
static void
expect_set_aside(const char *path, const char *want)
{
	static const int order[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ots_inv inv;
	char err[2048] = "", aside[512], *before, *after;
	const char *p;
	uint32_t nodes;

	ots_inv_init(&inv);
	feed_plant(&inv, order, 9);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	before = assets_json(&inv);
	nodes = inv.n_nodes;
	assert_int_equal(ots_inv_state_load(&inv, path, err, sizeof(err)), OTS_EINVAL);
	if (!strstr(err, want))
		fail_msg("expected \"%s\" in \"%s\"", want, err);
	assert_non_null(strstr(err, path));
	assert_int_equal(access(path, F_OK), -1);
	p = strstr(err, "moved to ");
	assert_non_null(p);
	snprintf(aside, sizeof(aside), "%.*s", (int)strcspn(p + 9, ","), p + 9);
	assert_int_equal(access(aside, F_OK), 0);
	unlink(aside);
	/* untouched */
	assert_int_equal(inv.n_nodes, nodes);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	after = assets_json(&inv);
	assert_string_equal(before, after);
	free(before);
	free(after);
	ots_inv_free(&inv);
}

static void
test_state_lines_format(void **state)
{
	struct ots_inv a, b;
	char path[] = "/tmp/ots-test-state-XXXXXX", head[256], err[1024] = "";
	char *buf, *ja, *jb;
	uint64_t *p;
	size_t len, off;
	uint32_t i, n_rep;

	(void)state;
	plant_state(path, &a);
	/* 5000 more reported hashes: two "reported" lines (4096 + the rest) */
	n_rep = a.n_reported;
	p = realloc(a.reported, (size_t)(n_rep + 5000) * sizeof(*p));
	assert_non_null(p);
	a.reported = p;
	a.cap_reported = n_rep + 5000;
	for (i = 0; i < 5000; i++)
		a.reported[a.n_reported++] = 0x1000 + i;
	a.reported[n_rep] = 0; /* forgotten: not saved */
	assert_int_equal(ots_inv_state_save(&a, path, err, sizeof(err)), OTS_OK);
	buf = slurp(path, &len);
	snprintf(head, sizeof(head),
	         "{\"schema_version\":1,\"record\":\"otsensor_state\",\"nodes\":%u,\"conduits\":%u,"
	         "\"reported\":%u}\n",
	         a.n_nodes, a.n_oc, n_rep + 4999);
	assert_int_equal(strncmp(buf, head, strlen(head)), 0);
	assert_int_equal(count_lines(buf, len), 1 + (int)a.n_nodes + (int)a.n_oc + 2 + 1);
	off = line_at(buf, len, 2);
	assert_int_equal(strncmp(buf + off, "{\"record\":\"node\",\"ip\":", 22), 0);
	off = line_at(buf, len, 2 + (int)a.n_nodes);
	assert_int_equal(strncmp(buf + off, "{\"record\":\"conduit\",\"init\":", 27), 0);
	off = line_at(buf, len, 2 + (int)a.n_nodes + (int)a.n_oc);
	assert_int_equal(strncmp(buf + off, "{\"record\":\"reported\",\"hashes\":[\"", 32), 0);
	assert_string_equal(buf + len - 17, "{\"record\":\"end\"}\n");
	snprintf(head, sizeof(head), "%s.tmp", path);
	assert_int_equal(access(head, F_OK), -1); /* renamed */
	free(buf);
	ots_inv_init(&b);
	assert_int_equal(ots_inv_state_load(&b, path, err, sizeof(err)), OTS_OK);
	assert_int_equal(b.n_reported, n_rep + 4999);
	assert_int_equal(b.reported[b.n_reported - 1], 0x1000 + 4999);
	assert_int_equal(ots_inv_build(&b), OTS_OK);
	ja = assets_json(&a);
	jb = assets_json(&b);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	ots_inv_free(&a);
	ots_inv_free(&b);
	unlink(path);
}

static void
test_state_truncated_is_set_aside(void **state)
{
	struct ots_inv a;
	char path[] = "/tmp/ots-test-state-XXXXXX", want[256];
	char *buf;
	size_t len, off;
	int lines;

	(void)state;
	plant_state(path, &a);
	buf = slurp(path, &len);
	lines = count_lines(buf, len);
	/* cut in the middle of a conduit line */
	off = line_at(buf, len, 2 + (int)a.n_nodes + 1);
	spit(path, buf, off + 20);
	expect_set_aside(path, "unusable, moved to");
	/* cut after the last complete line before "end" */
	off = line_at(buf, len, lines);
	spit(path, buf, off);
	expect_set_aside(path, ": truncated: no end record after line ");
	/* cut after the nodes */
	off = line_at(buf, len, 2 + (int)a.n_nodes);
	spit(path, buf, off);
	expect_set_aside(path, ": truncated: no end record after line ");
	/* empty */
	spit(path, buf, 0);
	expect_set_aside(path, ": empty file");
	/* data after the end record */
	snprintf(want, sizeof(want), "%s: line %d: data after the end record", path, lines + 1);
	splice_spit(path, buf, len, len, 0, "{}\n");
	expect_set_aside(path, want);
	free(buf);
	ots_inv_free(&a);
	unlink(path);
}

static void
test_state_bad_line_names_it(void **state)
{
	struct ots_inv a;
	char path[] = "/tmp/ots-test-state-XXXXXX", want[256], *buf, *p;
	size_t len, off;
	int no;

	(void)state;
	plant_state(path, &a);
	buf = slurp(path, &len);
	/* the third conduit names a node that does not exist */
	no = 2 + (int)a.n_nodes + 2;
	off = line_at(buf, len, no);
	p = strstr(buf + off, "\"init\":");
	assert_non_null(p);
	assert_true(p < buf + line_at(buf, len, no + 1));
	p += 7;
	splice_spit(path, buf, len, (size_t)(p - buf), strspn(p, "0123456789"), "99999");
	snprintf(want, sizeof(want), "%s: line %d: conduit 2: bad key", path, no);
	expect_set_aside(path, want);
	/* a node without counters */
	off = line_at(buf, len, 4);
	p = strstr(buf + off, "\"pkts_in\":");
	assert_non_null(p);
	splice_spit(path, buf, len, (size_t)(p - buf), 1, "\"x");
	snprintf(want, sizeof(want), "%s: line 4: node 2: missing counters", path);
	expect_set_aside(path, want);
	/* a line that is not JSON: the parser's column is kept */
	splice_spit(path, buf, len, line_at(buf, len, 3) + 1, 1, "#");
	snprintf(want, sizeof(want), "%s: line 3: column 2: ", path);
	expect_set_aside(path, want);
	/* not a state file */
	splice_spit(path, buf, len, 0, line_at(buf, len, 2), "{\"record\":\"flow\"}\n");
	snprintf(want, sizeof(want), "%s: line 1: not an otsensor state file", path);
	expect_set_aside(path, want);
	free(buf);
	ots_inv_free(&a);
	unlink(path);
}

static void
test_state_long_line_refused(void **state)
{
	static const char head[] =
		"{\"schema_version\":1,\"record\":\"otsensor_state\",\"nodes\":1,\"conduits\":0,"
		"\"reported\":0}\n";
	char path[] = "/tmp/ots-test-state-XXXXXX", want[256];
	size_t n = strlen(head) + (1u << 20) + 10;
	char *buf = malloc(n);
	int fd;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, strlen(head));
	memset(buf + strlen(head), ' ', n - strlen(head));
	buf[n - 1] = '\n';
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	spit(path, buf, n);
	snprintf(want, sizeof(want), "%s: line 2: longer than 1048576 bytes", path);
	expect_set_aside(path, want);
	/* the same without a newline at all */
	spit(path, buf + strlen(head), n - strlen(head) - 1);
	snprintf(want, sizeof(want), "%s: line 1: longer than 1048576 bytes", path);
	expect_set_aside(path, want);
	free(buf);
	unlink(path);
}

/* Write orig with the header's "key" count changed by delta and expect want. */
static void
with_count(const char *path, const char *orig, size_t len, const char *key, long long delta,
           const char *want)
{
	char pat[32], num[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(orig, pat);
	assert_non_null(p);
	assert_true(p < strchr(orig, '\n'));
	p += strlen(pat);
	snprintf(num, sizeof(num), "%lld", strtoll(p, NULL, 10) + delta);
	splice_spit(path, orig, len, (size_t)(p - orig), strspn(p, "0123456789"), num);
	expect_set_aside(path, want);
}

static void
test_state_counts_mismatch(void **state)
{
	struct ots_inv a;
	char path[] = "/tmp/ots-test-state-XXXXXX", want[256], *buf;
	size_t len;

	(void)state;
	plant_state(path, &a);
	buf = slurp(path, &len);
	snprintf(want, sizeof(want),
	         "line %u: \"conduit\" record where a \"node\" record was expected (read %u of %u "
	         "nodes",
	         a.n_nodes + 2, a.n_nodes, a.n_nodes + 1);
	with_count(path, buf, len, "nodes", 1, want);
	snprintf(want, sizeof(want), "line %u: \"node\" record where a \"conduit\" record",
	         a.n_nodes + 1);
	with_count(path, buf, len, "nodes", -1, want);
	snprintf(want, sizeof(want), "line %u: \"reported\" record where a \"conduit\" record",
	         a.n_nodes + a.n_oc + 2);
	with_count(path, buf, len, "conduits", 1, want);
	with_count(path, buf, len, "reported", 1,
	           "\"end\" record where a \"reported\" record was expected");
	with_count(path, buf, len, "reported", -1, "reported: more hashes than the header's");
	with_count(path, buf, len, "nodes", 10000000000LL, "header: bad nodes, conduits");
	free(buf);
	ots_inv_free(&a);
	unlink(path);
}

/* Saved, more traffic, saved again: the loaded state gives the live inventory's files, and
 * so does a sensor restarted from the first save that saw the same traffic. */
static void
test_state_save_feed_save(void **state)
{
	static const int first[] = { 0, 1, 6, 7 };
	static const int second[] = { 2, 3, 4, 5, 8, 0, 1 };
	struct ots_inv live, restarted, loaded;
	char path[] = "/tmp/ots-test-state-XXXXXX", path2[] = "/tmp/ots-test-state-XXXXXX";
	char err[1024] = "", *jl, *jr, *jd, *cl, *cd;
	struct ots_flow_rec r;
	struct ots_event_rec e;
	uint64_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fd = mkstemp(path2);
	assert_true(fd >= 0);
	close(fd);
	ots_inv_init(&live);
	feed_plant(&live, first, 4);
	assert_int_equal(ots_inv_build(&live), OTS_OK);
	free(changes(&live, &n));
	assert_int_equal(ots_inv_state_save(&live, path, err, sizeof(err)), OTS_OK);
	ots_inv_init(&restarted);
	assert_int_equal(ots_inv_state_load(&restarted, path, err, sizeof(err)), OTS_OK);
	/* more traffic to both: new assets, a firmware change, a conduit seen again */
	feed_plant(&live, second, 7);
	feed_plant(&restarted, second, 7);
	r = flow("10.0.0.2", HMI_MAC, 128, "10.0.0.10", PLC_MAC, 30, 6, 102, 4, "S7Comm",
	         T0 + 900 * US);
	e = fact(&r, 4, OTS_FACT_FIRMWARE, "V3.3.0", "SZL 0x0011", T0 + 900 * US);
	ots_inv_flow(&live, &r, NULL);
	ots_inv_event(&live, &e);
	ots_inv_flow(&restarted, &r, NULL);
	ots_inv_event(&restarted, &e);
	assert_int_equal(ots_inv_build(&live), OTS_OK);
	assert_int_equal(ots_inv_build(&restarted), OTS_OK);
	free(changes(&live, &n));
	assert_true(n > 0);
	free(changes(&restarted, &n));
	assert_true(n > 0);
	assert_int_equal(ots_inv_state_save(&live, path, err, sizeof(err)), OTS_OK);
	assert_int_equal(ots_inv_state_save(&restarted, path2, err, sizeof(err)), OTS_OK);
	ots_inv_init(&loaded);
	assert_int_equal(ots_inv_state_load(&loaded, path, err, sizeof(err)), OTS_OK);
	assert_int_equal(ots_inv_build(&loaded), OTS_OK);
	jl = assets_json(&live);
	jd = assets_json(&loaded);
	jr = assets_json(&restarted);
	assert_string_equal(jl, jd);
	assert_string_equal(jl, jr);
	assert_non_null(strstr(jl, "\"firmware\":\"V3.3.0\""));
	cl = conduits_json(&live);
	cd = conduits_json(&loaded);
	assert_string_equal(cl, cd);
	free(changes(&loaded, &n));
	assert_int_equal(n, 0); /* everything was reported before the save */
	free(jl);
	free(jd);
	free(jr);
	free(cl);
	free(cd);
	ots_inv_free(&live);
	ots_inv_free(&restarted);
	ots_inv_free(&loaded);
	unlink(path);
	unlink(path2);
}

static void
test_state_save_error_names_path(void **state)
{
	static const char path[] = "/tmp/ots-test-no-such-dir/state.json";
	struct ots_inv inv;
	char err[1024] = "";

	(void)state;
	ots_inv_init(&inv);
	assert_int_equal(ots_inv_state_save(&inv, path, err, sizeof(err)), OTS_EIO);
	assert_non_null(strstr(err, "cannot save state /tmp/ots-test-no-such-dir/state.json: "));
	assert_non_null(strstr(err, "state.json.tmp: No such file or directory"));
	ots_inv_free(&inv);
}

/* A write error in the middle of a save (the file size limit, EFBIG, in a child process):
 * the error names the path, the temp file is gone and the previous state is intact. */
static void
test_state_write_error_keeps_old_file(void **state)
{
	struct ots_inv a;
	char path[] = "/tmp/ots-test-state-XXXXXX", tmp[64], err[1024] = "", *before, *after;
	size_t len, len2, got = 0;
	int fds[2], status;
	ssize_t r;
	pid_t pid;

	(void)state;
	plant_state(path, &a);
	before = slurp(path, &len);
	assert_true(len > 2000);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 1000, 1000 };
		int rc;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		rc = ots_inv_state_save(&a, path, err, sizeof(err));
		if (write(fds[1], err, strlen(err)) < 0)
			_exit(3);
		_exit(rc == OTS_EIO ? 0 : 1);
	}
	close(fds[1]);
	while (got < sizeof(err) - 1 && (r = read(fds[0], err + got, sizeof(err) - 1 - got)) > 0)
		got += (size_t)r;
	err[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (!strstr(err, path) || !strstr(err, tmp) || !strstr(err, "File too large"))
		fail_msg("unexpected error \"%s\"", err);
	assert_int_equal(access(tmp, F_OK), -1);
	after = slurp(path, &len2);
	assert_int_equal(len2, len);
	assert_memory_equal(before, after, len);
	free(before);
	free(after);
	ots_inv_free(&a);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_ip_device_is_one_asset),
		cmocka_unit_test(test_router_mac_does_not_merge),
		cmocka_unit_test(test_ip_only_node_joins_its_mac_asset),
		cmocka_unit_test(test_broadcast_is_not_an_asset),
		cmocka_unit_test(test_conduit_merges_flows_and_functions),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_historian_and_network_roles),
		cmocka_unit_test(test_deterministic_whatever_the_order),
		cmocka_unit_test(test_changes_reported_once),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_corrupt_state_is_set_aside),
		cmocka_unit_test(test_csv_quotes_and_formulas),
		cmocka_unit_test(test_memcap_refuses_new_entries_only),
		/* state as JSON Lines */
		cmocka_unit_test(test_state_lines_format),
		cmocka_unit_test(test_state_truncated_is_set_aside),
		cmocka_unit_test(test_state_bad_line_names_it),
		cmocka_unit_test(test_state_long_line_refused),
		cmocka_unit_test(test_state_counts_mismatch),
		cmocka_unit_test(test_state_save_feed_save),
		cmocka_unit_test(test_state_save_error_names_path),
		cmocka_unit_test(test_state_write_error_keeps_old_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
