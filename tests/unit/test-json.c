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

/* Byte-at-a-time reference of the string escaping (the writer's fast paths scan 4 and 8
 * bytes a word). */
static void
ref_escape(const unsigned char *s, size_t n, char *out)
{
	size_t i = 0, l;

	*out++ = '"';
	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x80) {
			l = ots_utf8_len(s + i, n - i);
			if (l) {
				memcpy(out, s + i, l);
				out += l;
				i += l;
			} else {
				memcpy(out, "\xef\xbf\xbd", 3);
				out += 3;
				i++;
			}
			continue;
		}
		if (c == '"' || c == '\\')
			out += sprintf(out, "\\%c", c);
		else if (c == '\n')
			out += sprintf(out, "\\n");
		else if (c == '\r')
			out += sprintf(out, "\\r");
		else if (c == '\t')
			out += sprintf(out, "\\t");
		else if (c == '\b')
			out += sprintf(out, "\\b");
		else if (c == '\f')
			out += sprintf(out, "\\f");
		else if (c < 0x20)
			out += sprintf(out, "\\u%04x", c);
		else
			*out++ = (char)c;
		i++;
	}
	*out++ = '"';
	*out = '\0';
}

/* A special byte (or sequence) at every position 0..17 of strings 1..24 bytes long, the
 * neighbours of the special values (' ', '!', '#', '[', ']', 0x7f), and a valid or cut
 * UTF-8 sequence across a word boundary: the same bytes as the reference. */
static void
test_escaping_boundaries(void **state)
{
	static const char *const ins[] = { "\"", "\\", "\n", "\x01", "\x1f", "\x80", "\xff",
		                           "\xc3\xa9", "\xe2\x82\xac", "\xe2\x82", "\xf0\x9f\x98\x80",
		                           "\xed\xa0\x80", " ", "!", "#", "[", "]", "\x7f", "\0" };
	unsigned char s[40];
	char want[256];
	struct ots_json j;
	size_t k, pos, len, il;
	unsigned n = 0;

	(void)state;
	ots_json_init(&j);
	for (k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
		il = ins[k][0] ? strlen(ins[k]) : 1;
		for (len = 1; len <= 24; len++) {
			for (pos = 0; pos <= 17 && pos < len; pos++) {
				memset(s, 'a' + (int)(len % 26), sizeof(s));
				memcpy(s + pos, ins[k], il);
				ref_escape(s, len, want);
				ots_json_reset(&j);
				ots_json_strn(&j, NULL, (const char *)s, len);
				assert_int_equal(j.err, 0);
				assert_string_equal(j.buf, want);
				/* as a keyed value after another one: the comma path */
				ots_json_reset(&j);
				ots_json_obj_open(&j, NULL);
				ots_json_u64(&j, "n", len);
				ots_json_strn(&j, "v", (const char *)s, len);
				ots_json_obj_close(&j);
				assert_int_equal(strncmp(j.buf, "{\"n\":", 5), 0);
				assert_string_equal(strstr(j.buf, ",\"v\":") + 5 + strlen(want), "}");
				assert_int_equal(strncmp(strstr(j.buf, ",\"v\":") + 5, want, strlen(want)), 0);
				n++;
			}
		}
	}
	assert_true(n > 5000);
	/* plain strings of every length 0..40 */
	for (len = 0; len <= 40; len++) {
		for (k = 0; k < len; k++)
			s[k] = (unsigned char)('A' + k);
		ref_escape(s, len, want);
		ots_json_reset(&j);
		ots_json_strn(&j, NULL, (const char *)s, len);
		assert_string_equal(j.buf, want);
	}
	ots_json_free(&j);
}

/* Numbers across digit-count boundaries match printf. */
static void
test_u64_digits(void **state)
{
	struct ots_json j;
	char want[32];
	uint64_t p = 1;
	int i, d;

	(void)state;
	ots_json_init(&j);
	for (i = 0; i < 20; i++) {
		for (d = -1; d <= 1; d++) {
			uint64_t v = p + (uint64_t)(int64_t)d;

			ots_json_reset(&j);
			ots_json_u64(&j, NULL, v);
			snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
			assert_string_equal(j.buf, want);
			ots_json_reset(&j);
			ots_json_i64(&j, NULL, -(int64_t)(v & INT64_MAX));
			snprintf(want, sizeof(want), "%lld", -(long long)(v & INT64_MAX));
			assert_string_equal(j.buf, want);
		}
		p *= 10;
	}
	ots_json_free(&j);
}

/* The seconds cache of ots_json_time: alternating and new seconds, same as the uncached
 * formatter. */
static void
test_time_cache(void **state)
{
	static const uint64_t ts[] = { 1704067200000123ull, 1704067200999999ull,
		                       1704067201000000ull, 1704067200500000ull,
		                       1704067201000001ull, 1704153600000000ull,
		                       1704067200000000ull, 0, 999999, 1000000, 0 };
	struct ots_json j;
	char want[32];
	size_t i;

	(void)state;
	memset(&j, 0, sizeof(j)); /* a zeroed struct works as well as ots_json_init */
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		want[0] = '"';
		ots_time_rfc3339(ts[i], want + 1);
		strcat(want, "\"");
		ots_json_reset(&j);
		ots_json_time(&j, NULL, ts[i]);
		assert_string_equal(j.buf, want);
	}
	assert_string_equal(want, "\"1970-01-01T00:00:00.000000Z\"");
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
		cmocka_unit_test(test_escaping_boundaries),
		cmocka_unit_test(test_u64_digits),
		cmocka_unit_test(test_time_cache),
		cmocka_unit_test(test_numbers_and_time),
		cmocka_unit_test(test_time_matches_gmtime),
		cmocka_unit_test(test_pretty_and_depth),
		cmocka_unit_test(test_flow_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
