/* SPDX-License-Identifier: BSD-3-Clause */
/* test-json.c: the JSON writer: structure, commas, escaping, UTF-8 repair, numbers, time. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ots/json.h"
#include "ots/output.h"

static void
test_structure(void **state)
{
	struct ots_json j;

	(void)state;
	ots_json_init(&j);
	ots_json_obj_open(&j, NULL);
	ots_json_u64(&j, "a", 1);
	ots_json_arr_open(&j, "b");
	ots_json_u64(&j, NULL, 2);
	ots_json_str(&j, NULL, "x");
	ots_json_obj_open(&j, NULL);
	ots_json_obj_close(&j);
	ots_json_arr_close(&j);
	ots_json_bool(&j, "c", 1);
	ots_json_null(&j, "d");
	ots_json_i64(&j, "e", -5);
	ots_json_str(&j, "f", NULL);
	ots_json_obj_close(&j);
	ots_json_newline(&j);
	assert_int_equal(j.err, 0);
	assert_string_equal(j.buf, "{\"a\":1,\"b\":[2,\"x\",{}],\"c\":true,\"d\":null,\"e\":-5,\"f\":null}\n");
	/* after a newline the next record starts without a comma */
	ots_json_obj_open(&j, NULL);
	ots_json_obj_close(&j);
	assert_string_equal(j.buf + strlen(j.buf) - 2, "{}");
	ots_json_free(&j);
}

static void
test_escaping(void **state)
{
	struct ots_json j;

	(void)state;
	ots_json_init(&j);
	ots_json_str(&j, NULL, "q\"b\\n\n\t\x01\x1f\x7f");
	assert_string_equal(j.buf, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\x7f\"");
	ots_json_reset(&j);
	/* valid UTF-8 passes, invalid bytes become U+FFFD */
	ots_json_str(&j, NULL, "\xc3\xa9 \xff \xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80");
	assert_string_equal(j.buf, "\"\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd"
	                           "\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80\"");
	ots_json_reset(&j);
	/* embedded NUL through strn */
	ots_json_strn(&j, NULL, "a\0b", 3);
	assert_string_equal(j.buf, "\"a\\u0000b\"");
	ots_json_free(&j);
}

static void
test_numbers_and_time(void **state)
{
	struct ots_json j;

	(void)state;
	ots_json_init(&j);
	ots_json_arr_open(&j, NULL);
	ots_json_dbl(&j, NULL, 1.5, 3);
	ots_json_dbl(&j, NULL, NAN, 3);
	ots_json_dbl(&j, NULL, INFINITY, 3);
	ots_json_u64(&j, NULL, UINT64_MAX);
	ots_json_time(&j, NULL, 1704067200000123ull);
	ots_json_time(&j, NULL, 0);
	ots_json_arr_close(&j);
	assert_string_equal(j.buf, "[1.500,null,null,18446744073709551615,"
	                           "\"2024-01-01T00:00:00.000123Z\",\"1970-01-01T00:00:00.000000Z\"]");
	ots_json_free(&j);

	ots_json_init(&j);
	ots_json_arr_open(&j, NULL);
	ots_json_dbl(&j, NULL, -2.25, 1);
	ots_json_dbl(&j, NULL, -0.0001, 3);
	ots_json_dbl(&j, NULL, 0.0015, 3);
	ots_json_dbl(&j, NULL, 12345.678, 0);
	ots_json_dbl(&j, NULL, 0.5, 6);
	ots_json_dbl(&j, NULL, 1e17, 3);
	ots_json_i64(&j, NULL, INT64_MIN);
	ots_json_arr_close(&j);
	assert_string_equal(j.buf, "[-2.3,0.000,0.002,12346,0.500000,null,-9223372036854775808]");
	ots_json_free(&j);
}

/* The hand-rolled calendar agrees with gmtime_r over years 1970-9999. */
static void
test_time_matches_gmtime(void **state)
{
	struct ots_json j;
	uint64_t t;
	unsigned bad = 0, n = 0;

	(void)state;
	ots_json_init(&j);
	for (t = 0; t < 253402300800ull * 1000000ull; t += 863999999771ull) {
		char e[64];
		time_t s = (time_t)(t / 1000000u);
		struct tm tm;
		size_t k;

		gmtime_r(&s, &tm);
		k = strftime(e, sizeof(e), "\"%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(e + k, sizeof(e) - k, ".%06uZ\"", (unsigned)(t % 1000000u));
		ots_json_reset(&j);
		ots_json_time(&j, NULL, t);
		bad += strcmp(j.buf, e) != 0;
		n++;
	}
	assert_true(n > 290000);
	assert_int_equal(bad, 0);
	ots_json_free(&j);
}

static void
test_pretty_and_depth(void **state)
{
	struct ots_json j;
	int i;

	(void)state;
	ots_json_init(&j);
	j.pretty = 1;
	ots_json_obj_open(&j, NULL);
	ots_json_u64(&j, "a", 1);
	ots_json_obj_open(&j, "b");
	ots_json_obj_close(&j);
	ots_json_obj_close(&j);
	assert_string_equal(j.buf, "{\n  \"a\": 1,\n  \"b\": {}\n}");
	ots_json_free(&j);

	ots_json_init(&j);
	for (i = 0; i < OTS_JSON_MAX_DEPTH + 2; i++)
		ots_json_arr_open(&j, NULL);
	assert_int_not_equal(j.err, 0); /* too deep is an error, never an overflow */
	ots_json_free(&j);
}

static void
test_flow_record(void **state)
{
	struct ots_flow_rec r;
	struct ots_json j;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.key.lo.b[10] = 0xff;
	r.key.lo.b[11] = 0xff;
	r.key.lo.b[12] = 10;
	r.key.lo.b[15] = 1;
	r.key.hi = r.key.lo;
	r.key.hi.b[15] = 2;
	r.key.port_lo = 502;
	r.key.port_hi = 40000;
	r.key.proto = 6;
	r.key.ip_version = 4;
	r.init_is_lo = 0; /* 10.0.0.2:40000 -> 10.0.0.1:502 */
	r.first_ts = 1000000;
	r.last_ts = 3500000;
	r.pkts[0] = 3;
	r.end_reason = 1;
	r.tcp_flags[0] = 0x12;
	strcpy(r.proto, "Modbus");
	strcpy(r.category, "IoT-Scada");
	ots_json_init(&j);
	ots_flow_rec_json(&j, &r, NULL);
	assert_non_null(strstr(j.buf, "\"src_ip\":\"10.0.0.2\",\"src_port\":40000,"
	                              "\"dst_ip\":\"10.0.0.1\",\"dst_port\":502"));
	assert_non_null(strstr(j.buf, "\"duration_s\":2.500000"));
	assert_non_null(strstr(j.buf, "\"flags_toserver\":\"SA\""));
	assert_non_null(strstr(j.buf, "\"end_reason\":\"idle\""));
	assert_null(strstr(j.buf, "src_mac")); /* no MACs on this link */
	ots_json_free(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_numbers_and_time),
		cmocka_unit_test(test_time_matches_gmtime),
		cmocka_unit_test(test_pretty_and_depth),
		cmocka_unit_test(test_flow_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
