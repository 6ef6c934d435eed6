/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-baseline.c: baseline learning and its alerts (src/baseline.c): what is learned before
 * T_end, each rule raised exactly once naming what was not in the baseline, nothing new ->
 * no alert, alerts written once, the function first-use time through --state, the
 * baseline file round trip and its errors (file and line), the --learn duration parser.
 * The inventory comes from synthetic records (tests/unit/inv-test.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/asset.h"
#include "ots/baseline.h"
#include "ots/error.h"

#include "inv-test.h"

#define HMI_MAC "00:0c:29:00:00:02"   /* 10.0.1.10 */
#define PLC_MAC "00:1b:1b:00:00:01"   /* 10.0.2.10 */
#define NEW_MAC "00:50:56:00:00:99"   /* 10.0.9.5: appears after learning */

/* A Modbus flow HMI -> PLC at t with one function, first used ms after the flow start. */
static void
modbus(struct ots_inv *inv, const char *sip, const char *smac, uint64_t t, uint32_t code,
       const char *name, uint8_t cls, uint32_t first_ms)
{
	struct ots_flow_rec r = flow(sip, smac, 128, "10.0.2.10", PLC_MAC, 64, 6, 502,
	                             OTS_PROTO_MODBUS, "Modbus", t);
	struct ots_ics_counts c;

	memset(&c, 0, sizeof(c));
	add_fn(&c, code, name, cls, 3, 3);
	c.fn_first_ms[0] = first_ms;
	ots_inv_flow(inv, &r, &c);
}

static void
firmware(struct ots_inv *inv, const char *value, uint64_t t)
{
	struct ots_flow_rec r = flow("10.0.1.10", HMI_MAC, 128, "10.0.2.10", PLC_MAC, 64, 6, 502,
	                             OTS_PROTO_MODBUS, "Modbus", t);
	struct ots_event_rec e = fact(&r, OTS_PROTO_MODBUS, OTS_FACT_FIRMWARE, value, "FC43/14", t);

	ots_inv_event(inv, &e);
}

/* The learning window: 10 s from T0. */
static void
learn_phase(struct ots_inv *inv)
{
	modbus(inv, "10.0.1.10", HMI_MAC, T0, 3, "read_holding_registers", OTS_OP_READ, 0);
	firmware(inv, "V2.1", T0 + 1 * US);
	/* first used 12 s into a flow that started in the window: not in the baseline */
	modbus(inv, "10.0.1.10", HMI_MAC, T0 + 5 * US, 6, "write_single_register", OTS_OP_WRITE,
	       12000);
}

/* Alerts written now, as one string (caller frees); *n gets the line count. */
static char *
alerts(struct ots_baseline *b, struct ots_inv *inv, unsigned *n)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	uint64_t w;

	assert_non_null(f);
	assert_int_equal(ots_inv_build(inv), OTS_OK);
	w = ots_baseline_write_alerts(b, inv, NULL, NULL, f);
	fclose(f);
	*n = 0;
	for (i = 0; i < len; i++)
		*n += buf[i] == '\n';
	assert_int_equal(w, *n);
	return buf;
}

static unsigned
count_str(const char *s, const char *needle)
{
	unsigned n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
learned(struct ots_baseline *b, struct ots_inv *inv)
{
	ots_inv_init(inv);
	ots_baseline_init(b);
	ots_baseline_learn(b, 10 * US);
	ots_baseline_set_t0(b, T0);
	learn_phase(inv);
	assert_int_equal(ots_inv_build(inv), OTS_OK);
	assert_int_equal(ots_baseline_update(b, inv, T0 + 20 * US, 0), 1);
	assert_true(b->complete);
}

static void
test_learn_window(void **state)
{
	struct ots_baseline b;
	struct ots_inv inv;
	char *s;
	unsigned n;

	(void)state;
	learned(&b, &inv);
	assert_int_equal(b.t_end, T0 + 10 * US);
	assert_int_equal(b.n_assets, 2);
	assert_int_equal(b.n_conduits, 1);
	assert_int_equal(b.fnset.n, 1);          /* fc 3 only: fc 6 was first used at T0+17s */
	assert_int_equal(b.conduits[0].fn[0].code, 3);
	/* the write's first use came after T_end: it is the only alert */
	s = alerts(&b, &inv, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(s, "\"rule\":{\"id\":\"new-function\""));
	assert_non_null(strstr(s, "\"function_code\":6"));
	assert_non_null(strstr(s, "\"technique_ids\":[\"T0836\"]"));
	assert_non_null(strstr(s, "\"first_seen\":\"2023-11-14T22:13:37.000000Z\""));
	free(s);
	/* written once; an update with nothing new changes nothing */
	assert_int_equal(ots_baseline_update(&b, &inv, T0 + 30 * US, 0), 0);
	s = alerts(&b, &inv, &n);
	assert_int_equal(n, 0);
	free(s);
	ots_baseline_free(&b);
	ots_inv_free(&inv);
}

static void
test_nothing_new(void **state)
{
	struct ots_baseline b;
	struct ots_inv inv;
	char *s;
	unsigned n;

	(void)state;
	ots_inv_init(&inv);
	ots_baseline_init(&b);
	ots_baseline_learn(&b, 10 * US);
	ots_baseline_set_t0(&b, T0);
	modbus(&inv, "10.0.1.10", HMI_MAC, T0, 3, "read_holding_registers", OTS_OP_READ, 0);
	firmware(&inv, "V2.1", T0 + 1 * US);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	ots_baseline_update(&b, &inv, T0 + 20 * US, 0);
	/* the same traffic after learning: no alert */
	modbus(&inv, "10.0.1.10", HMI_MAC, T0 + 60 * US, 3, "read_holding_registers", OTS_OP_READ, 0);
	firmware(&inv, "V2.1", T0 + 61 * US);
	assert_int_equal(ots_inv_build(&inv), OTS_OK);
	assert_int_equal(ots_baseline_update(&b, &inv, T0 + 70 * US, 1), 0);
	s = alerts(&b, &inv, &n);
	assert_int_equal(n, 0);
	free(s);
	ots_baseline_free(&b);
	ots_inv_free(&inv);
}

static void
test_each_rule_once(void **state)
{
	struct ots_baseline b;
	struct ots_inv inv;
	char *s;
	unsigned n;
	uint32_t i;

	(void)state;
	learned(&b, &inv);
	free(alerts(&b, &inv, &n)); /* the new-function of the learning test */
	/* a new device polling the PLC: new-asset (Rogue Master) and new-conduit */
	modbus(&inv, "10.0.9.5", NEW_MAC, T0 + 30 * US, 3, "read_holding_registers", OTS_OP_READ, 0);
	/* a new function on the known conduit: new-function, program class -> T0843 */
	modbus(&inv, "10.0.1.10", HMI_MAC, T0 + 40 * US, 90, "program_download", OTS_OP_PROGRAM, 0);
	/* another firmware: firmware-change; the HMI now programs: role-change (engineering) */
	firmware(&inv, "V2.2", T0 + 50 * US);
	s = alerts(&b, &inv, &n);
	assert_int_equal(n, 5);
	assert_int_equal(count_str(s, "\"id\":\"new-asset\""), 1);
	assert_non_null(strstr(s, "\"baseline\":{\"learned_until\":\"2023-11-14T22:13:30.000000Z\","
	                          "\"asset\":\"mac:00:50:56:00:00:99\"}"));
	assert_non_null(strstr(s, "\"technique_ids\":[\"T0848\"]"));
	assert_int_equal(count_str(s, "\"id\":\"new-conduit\""), 1);
	assert_non_null(strstr(s, "\"conduit\":{\"source\":\"mac:00:50:56:00:00:99\","
	                          "\"destination\":\"mac:00:1b:1b:00:00:01\",\"transport\":\"tcp\","
	                          "\"port\":502"));
	assert_int_equal(count_str(s, "\"id\":\"new-function\""), 1);
	assert_non_null(strstr(s, "\"function\":{\"protocol\":\"modbus\",\"code\":90,"
	                          "\"name\":\"program_download\",\"op_class\":\"program\"}"));
	assert_non_null(strstr(s, "\"technique_ids\":[\"T0843\"]"));
	assert_int_equal(count_str(s, "\"id\":\"firmware-change\""), 1);
	assert_non_null(strstr(s, "\"firmware\":{\"before\":[\"V2.1\"],\"now\":\"V2.2\"}"));
	assert_non_null(strstr(s, "\"technique_ids\":[\"T0857\"]"));
	assert_int_equal(count_str(s, "\"id\":\"role-change\""), 1);
	assert_non_null(strstr(s, "\"asset\":\"mac:00:0c:29:00:00:02\",\"role\":{\"before\":\"hmi\","
	                          "\"now\":\"engineering\"}"));
	/* content order: first_seen */
	assert_true(strstr(s, "new-asset") < strstr(s, "program_download"));
	assert_true(strstr(s, "program_download") < strstr(s, "firmware-change"));
	free(s);
	/* role-change: the baseline knew the PLC as an HMI */
	for (i = 0; i < b.n_assets; i++)
		if (strcmp(b.assets[i].id, "mac:" PLC_MAC) == 0)
			b.assets[i].role = OTS_ROLE_HMI;
	s = alerts(&b, &inv, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(s, "\"role\":{\"before\":\"hmi\",\"now\":\"plc\"}"));
	free(s);
	/* all written once */
	s = alerts(&b, &inv, &n);
	assert_int_equal(n, 0);
	free(s);
	assert_int_equal(b.alerts[OTS_BL_NEW_ASSET], 1);
	assert_int_equal(b.alerts[OTS_BL_NEW_FUNCTION], 2);
	assert_int_equal(b.alerts[OTS_BL_ROLE_CHANGE], 2);
	ots_baseline_free(&b);
	ots_inv_free(&inv);
}

static void
test_save_load(void **state)
{
	struct ots_baseline b, b2, b3;
	struct ots_inv inv;
	char path[] = "/tmp/test-baseline-XXXXXX", err[512] = "";
	char *s1, *s2, *f1 = NULL, *f2 = NULL;
	unsigned n1, n2;
	size_t l1, l2;
	FILE *f;
	int fd;

	(void)state;
	learned(&b, &inv);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ots_baseline_save(&b, path, err, sizeof(err)), OTS_OK);
	assert_false(b.dirty);
	ots_baseline_init(&b2);
	assert_int_equal(ots_baseline_load(&b2, path, err, sizeof(err)), OTS_OK);
	assert_true(b2.loaded && b2.complete);
	assert_int_equal(b2.n_assets, 2);
	assert_int_equal(b2.n_conduits, 1);
	assert_int_equal(b2.fnset.n, 1);
	assert_int_equal(b2.t_end, T0 + 10 * US);
	/* the same alerts from the loaded baseline */
	modbus(&inv, "10.0.9.5", NEW_MAC, T0 + 30 * US, 3, "read_holding_registers", OTS_OP_READ, 0);
	firmware(&inv, "V2.2", T0 + 50 * US);
	s1 = alerts(&b, &inv, &n1);
	s2 = alerts(&b2, &inv, &n2);
	assert_int_equal(n1, 4);
	assert_int_equal(n2, 4);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	/* saving a loaded baseline gives the same file */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(getdelim(&f1, &l1, '\0', f) > 0);
	fclose(f);
	assert_int_equal(ots_baseline_save(&b2, path, err, sizeof(err)), OTS_OK);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(getdelim(&f2, &l2, '\0', f) > 0);
	fclose(f);
	assert_string_equal(f1, f2);
	assert_non_null(strstr(f1, "{\"record\":\"asset\",\"id\":\"mac:00:1b:1b:00:00:01\","
	                           "\"role\":\"plc\",\"firmware\":[\"V2.1\"]}\n"));
	free(f1);
	free(f2);
	/* corrupt: bad JSON on line 3 */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"schema_version\":1,\"record\":\"otsensor_baseline\",\"learned_from_us\":1,"
	      "\"learned_until_us\":2,\"assets\":1,\"conduits\":0,\"functions\":0}\n"
	      "{\"record\":\"asset\",\"id\":\"ip:10.0.0.1\",\"role\":\"plc\",\"firmware\":[]}\n"
	      "{\"record\":\"asset\",\n", f);
	fclose(f);
	ots_baseline_init(&b3);
	err[0] = '\0';
	assert_int_equal(ots_baseline_load(&b3, path, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ": line 3: "));
	assert_false(b3.active);
	assert_int_equal(b3.n_assets, 0);
	/* truncated: no end record */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"schema_version\":1,\"record\":\"otsensor_baseline\",\"learned_from_us\":1,"
	      "\"learned_until_us\":2,\"assets\":1,\"conduits\":0,\"functions\":0}\n"
	      "{\"record\":\"asset\",\"id\":\"ip:10.0.0.1\",\"role\":\"plc\",\"firmware\":[]}\n", f);
	fclose(f);
	assert_int_equal(ots_baseline_load(&b3, path, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, "line 3: truncated"));
	/* an unknown role on line 2 */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"schema_version\":1,\"record\":\"otsensor_baseline\",\"learned_from_us\":1,"
	      "\"learned_until_us\":2,\"assets\":1,\"conduits\":0,\"functions\":0}\n"
	      "{\"record\":\"asset\",\"id\":\"ip:10.0.0.1\",\"role\":\"boss\",\"firmware\":[]}\n"
	      "{\"record\":\"end\"}\n", f);
	fclose(f);
	assert_int_equal(ots_baseline_load(&b3, path, err, sizeof(err)), OTS_EINVAL);
	assert_non_null(strstr(err, "line 2: asset"));
	/* missing */
	unlink(path);
	assert_int_equal(ots_baseline_load(&b3, path, err, sizeof(err)), OTS_EIO);
	assert_int_equal(errno, ENOENT);
	ots_baseline_free(&b3);
	ots_baseline_free(&b2);
	ots_baseline_free(&b);
	ots_inv_free(&inv);
}

/* The function first-use time survives --state; an old state without it falls back to the
 * conduit's first time. */
static void
test_state_first_use(void **state)
{
	struct ots_inv inv, inv2;
	char path[] = "/tmp/test-baseline-st-XXXXXX", err[512] = "";
	int fd;

	(void)state;
	ots_inv_init(&inv);
	modbus(&inv, "10.0.1.10", HMI_MAC, T0, 6, "write_single_register", OTS_OP_WRITE, 2500);
	assert_int_equal(inv.oc[0].ics->fn[0].first_ts, T0 + 2500 * 1000);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ots_inv_state_save(&inv, path, err, sizeof(err)), OTS_OK);
	ots_inv_init(&inv2);
	assert_int_equal(ots_inv_state_load(&inv2, path, err, sizeof(err)), OTS_OK);
	assert_int_equal(inv2.n_oc, 1);
	assert_int_equal(inv2.oc[0].ics->fn[0].first_ts, T0 + 2500 * 1000);
	/* min over records */
	modbus(&inv2, "10.0.1.10", HMI_MAC, T0 + 1 * US, 6, "write_single_register", OTS_OP_WRITE, 0);
	assert_int_equal(inv2.oc[0].ics->fn[0].first_ts, T0 + 1 * US);
	ots_inv_free(&inv2);
	ots_inv_free(&inv);
	unlink(path);
}

static void
test_duration(void **state)
{
	uint64_t us = 0;

	(void)state;
	assert_int_equal(ots_baseline_parse_duration("30m", &us), OTS_OK);
	assert_int_equal(us, 1800 * US);
	assert_int_equal(ots_baseline_parse_duration("1575ms", &us), OTS_OK);
	assert_int_equal(us, 1575000);
	assert_int_equal(ots_baseline_parse_duration("7d", &us), OTS_OK);
	assert_int_equal(us, 7 * 86400 * US);
	assert_int_equal(ots_baseline_parse_duration("90", &us), OTS_OK);
	assert_int_equal(us, 90 * US);
	assert_int_equal(ots_baseline_parse_duration("0s", &us), OTS_EINVAL);
	assert_int_equal(ots_baseline_parse_duration("5x", &us), OTS_EINVAL);
	assert_int_equal(ots_baseline_parse_duration("-5s", &us), OTS_EINVAL);
	assert_int_equal(ots_baseline_parse_duration("", &us), OTS_EINVAL);
	assert_int_equal(ots_baseline_parse_duration("99999999999999999999d", &us), OTS_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_window),
		cmocka_unit_test(test_nothing_new),
		cmocka_unit_test(test_each_rule_once),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_state_first_use),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
