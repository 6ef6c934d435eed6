/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-json-read.c: the strict JSON reader (include/ots/json-read.h): every value type,
 * escapes and surrogate pairs, exact 64-bit integers, doubles against strtod, each error with
 * its line and column, depth and duplicate limits, a round trip through the project's writer,
 * a truncation sweep, files, and a throughput figure (printed, not asserted).
 * Inputs are exactly sized heap copies without a NUL, so ASan flags any read past the end.
 * OTS_JSON_BENCH_MB=50 sets the size of the generated inventory for the throughput figure.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/error.h"
#include "ots/json-read.h"
#include "ots/json.h"

/* Parse n bytes of text from an exact heap copy. */
static int
parse_n(struct ots_jdoc *d, const char *text, size_t n, char *err, size_t errlen)
{
	char *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, n);
	rc = ots_json_parse(d, copy, n, err, errlen);
	free(copy);
	return rc;
}

static const struct ots_jv *
parse_ok(struct ots_jdoc *d, const char *text)
{
	char err[256] = "";
	int rc = parse_n(d, text, strlen(text), err, sizeof(err));

	if (rc != OTS_OK)
		fail_msg("parse of %s failed: %s", text, err);
	assert_non_null(d->root);
	return d->root;
}

static void
expect_err_n(const char *text, size_t n, const char *msg)
{
	struct ots_jdoc d;
	char err[256] = "";
	int rc = parse_n(&d, text, n, err, sizeof(err));

	if (rc != OTS_EINVAL || strcmp(err, msg) != 0)
		fail_msg("input [%.*s]: rc %d err \"%s\", want \"%s\"", (int)n, text, rc, err, msg);
	assert_null(d.root);
	assert_null(d.blocks);
	assert_int_equal(d.bytes, 0);
}

static void
expect_err(const char *text, const char *msg)
{
	expect_err_n(text, strlen(text), msg);
}

static void
test_types(void **state)
{
	struct ots_jdoc d;
	const struct ots_jv *r, *a, *v;
	uint64_t u;
	int64_t i;
	double x;
	int b;

	(void)state;
	r = parse_ok(&d, " {\"n\":null, \"f\":false,\"t\" : true,\"i\":-42,\"d\":1.5e3,\"s\":\"x y\","
	                 "\"a\":[1,[2,{}],[]],\"o\":{\"k\":[]},\"\":\"empty key\"}\r\n\t");
	assert_int_equal(r->type, OTS_JV_OBJECT);
	assert_int_equal(ots_jv_len(r), 9);
	assert_null(r->key);
	assert_int_equal(ots_jv_get(r, "n")->type, OTS_JV_NULL);
	assert_int_equal(ots_jv_bool(ots_jv_get(r, "f"), &b), OTS_OK);
	assert_int_equal(b, 0);
	assert_int_equal(ots_jv_bool(ots_jv_get(r, "t"), &b), OTS_OK);
	assert_int_equal(b, 1);
	assert_int_equal(ots_jv_bool(ots_jv_get(r, "n"), &b), OTS_EINVAL);
	v = ots_jv_get(r, "i");
	assert_int_equal(v->type, OTS_JV_NUMBER);
	assert_int_equal(ots_jv_i64(v, &i), OTS_OK);
	assert_int_equal(i, -42);
	assert_int_equal(ots_jv_u64(v, &u), OTS_EINVAL);
	assert_string_equal(v->raw, "-42");
	assert_int_equal(v->n, 3);
	assert_true(v->u.num == -42.0);
	v = ots_jv_get(r, "d");
	assert_int_equal(ots_jv_num(v, &x), OTS_OK);
	assert_true(x == 1500.0);
	assert_int_equal(ots_jv_u64(v, &u), OTS_EINVAL); /* not an integer literal */
	assert_string_equal(ots_jv_str(ots_jv_get(r, "s")), "x y");
	assert_int_equal(ots_jv_get(r, "s")->n, 3);
	assert_string_equal(ots_jv_get(r, "s")->key, "s");
	assert_int_equal(ots_jv_get(r, "s")->key_len, 1);
	assert_string_equal(ots_jv_str(ots_jv_get(r, "")), "empty key");
	a = ots_jv_get(r, "a");
	assert_int_equal(a->type, OTS_JV_ARRAY);
	assert_int_equal(a->n, 3);
	assert_int_equal(ots_jv_u64(ots_jv_at(a, 0), &u), OTS_OK);
	assert_int_equal(u, 1);
	assert_null(ots_jv_at(a, 0)->key);
	assert_int_equal(ots_jv_at(a, 1)->type, OTS_JV_ARRAY);
	assert_int_equal(ots_jv_at(ots_jv_at(a, 1), 1)->type, OTS_JV_OBJECT);
	assert_int_equal(ots_jv_len(ots_jv_at(ots_jv_at(a, 1), 1)), 0);
	assert_int_equal(ots_jv_len(ots_jv_at(a, 2)), 0);
	assert_null(ots_jv_at(a, 3));
	assert_int_equal(ots_jv_len(ots_jv_get(ots_jv_get(r, "o"), "k")), 0);
	/* members by index, in document order */
	assert_string_equal(ots_jv_at(r, 0)->key, "n");
	assert_string_equal(ots_jv_at(r, 8)->key, "");
	/* misses and wrong types */
	assert_null(ots_jv_get(r, "missing"));
	assert_null(ots_jv_get(r, "S"));
	assert_null(ots_jv_get(a, "a"));
	assert_null(ots_jv_get(NULL, "a"));
	assert_null(ots_jv_at(NULL, 0));
	assert_null(ots_jv_at(ots_jv_get(r, "s"), 0));
	assert_null(ots_jv_str(ots_jv_get(r, "i")));
	assert_null(ots_jv_str(NULL));
	assert_int_equal(ots_jv_u64(NULL, &u), OTS_EINVAL);
	assert_int_equal(ots_jv_i64(ots_jv_get(r, "s"), &i), OTS_EINVAL);
	assert_int_equal(ots_jv_len(ots_jv_get(r, "s")), 0);
	assert_true(d.bytes > 0);
	ots_jdoc_free(&d);
	assert_null(d.root);
	ots_jdoc_free(&d); /* twice is fine */

	/* scalars at the top level */
	r = parse_ok(&d, "\"top\"");
	assert_string_equal(ots_jv_str(r), "top");
	ots_jdoc_free(&d);
	r = parse_ok(&d, "null");
	assert_int_equal(r->type, OTS_JV_NULL);
	ots_jdoc_free(&d);
	r = parse_ok(&d, "{ }"); /* fuzz: an empty object before any child was pushed */
	assert_int_equal(r->type, OTS_JV_OBJECT);
	assert_int_equal(ots_jv_len(r), 0);
	ots_jdoc_free(&d);
	r = parse_ok(&d, "[]");
	assert_int_equal(r->type, OTS_JV_ARRAY);
	assert_null(ots_jv_at(r, 0));
	ots_jdoc_free(&d);
	r = parse_ok(&d, " 0 ");
	assert_int_equal(ots_jv_u64(r, &u), OTS_OK);
	assert_int_equal(u, 0);
	ots_jdoc_free(&d);
}

static void
test_escapes(void **state)
{
	struct ots_jdoc d;
	const struct ots_jv *r;
	size_t n;
	const char *s;

	(void)state;
	r = parse_ok(&d, "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\","
	                 "\"a\\u0000b\", \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\","
	                 "\"\\uDBFF\\uDFFF\", \"\\u007f\\u0080\\u07ff\\u0800\\uffff\"]");
	assert_string_equal(ots_jv_str(ots_jv_at(r, 0)), "\"\\/\b\f\n\r\t");
	assert_int_equal(ots_jv_at(r, 0)->n, 8);
	/* \u escapes to UTF-8, a surrogate pair to one 4-byte sequence (U+1F600) */
	assert_string_equal(ots_jv_str(ots_jv_at(r, 1)), "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_int_equal(ots_jv_at(r, 1)->n, 10);
	/* \u0000 kept with its explicit length; the C string stops at it */
	s = ots_jv_strn(ots_jv_at(r, 2), &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 4);
	assert_string_equal(ots_jv_str(ots_jv_at(r, 2)), "a");
	/* raw UTF-8 up to U+10FFFF passes */
	assert_string_equal(ots_jv_str(ots_jv_at(r, 3)),
	                    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf");
	assert_string_equal(ots_jv_str(ots_jv_at(r, 4)), "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
	assert_string_equal(ots_jv_str(ots_jv_at(r, 5)),
	                    "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	ots_jdoc_free(&d);

	/* escaped member names, and a name with \u0000 that a C-string lookup cannot match */
	r = parse_ok(&d, "{\"a\\nb\":1,\"k\\u0000x\":2,\"k\":3}");
	assert_non_null(ots_jv_get(r, "a\nb"));
	assert_int_equal(ots_jv_at(r, 1)->key_len, 3);
	assert_int_equal(ots_jv_get(r, "k")->raw[0], '3');
	ots_jdoc_free(&d);
}

static void
test_integers(void **state)
{
	static const struct {
		const char *text;
		int u_ok;
		uint64_t u;
		int i_ok;
		int64_t i;
	} cases[] = {
		{ "0", 1, 0, 1, 0 },
		{ "-0", 1, 0, 1, 0 },
		{ "1", 1, 1, 1, 1 },
		{ "1704067200000123456", 1, 1704067200000123456ull, 1, 1704067200000123456ll },
		{ "9007199254740993", 1, 9007199254740993ull, 1, 9007199254740993ll }, /* 2^53+1 */
		{ "9223372036854775807", 1, 9223372036854775807ull, 1, INT64_MAX },
		{ "9223372036854775808", 1, 9223372036854775808ull, 0, 0 },
		{ "18446744073709551615", 1, UINT64_MAX, 0, 0 },
		{ "18446744073709551616", 0, 0, 0, 0 },
		{ "99999999999999999999", 0, 0, 0, 0 },
		{ "-1", 0, 0, 1, -1 },
		{ "-9223372036854775808", 0, 0, 1, INT64_MIN },
		{ "-9223372036854775809", 0, 0, 0, 0 },
		{ "1.0", 0, 0, 0, 0 },
		{ "1e3", 0, 0, 0, 0 },
		{ "1E+3", 0, 0, 0, 0 },
	};
	struct ots_jdoc d;
	const struct ots_jv *r;
	uint64_t u;
	int64_t i;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		r = parse_ok(&d, cases[k].text);
		u = 7;
		i = 7;
		assert_int_equal(ots_jv_u64(r, &u), cases[k].u_ok ? OTS_OK : OTS_EINVAL);
		assert_int_equal(ots_jv_i64(r, &i), cases[k].i_ok ? OTS_OK : OTS_EINVAL);
		if (cases[k].u_ok)
			assert_true(u == cases[k].u);
		else
			assert_true(u == 7); /* untouched */
		if (cases[k].i_ok)
			assert_true(i == cases[k].i);
		else
			assert_true(i == 7);
		assert_string_equal(r->raw, cases[k].text);
		/* the double is strtod's nearest value */
		assert_true(r->u.num == strtod(cases[k].text, NULL));
		ots_jdoc_free(&d);
	}
}

static void
test_doubles(void **state)
{
	static const char *texts[] = {
		"0.1", "-0.1", "1.5e3", "2.5E+2", "1e-7", "123.456", "0.000001", "1.7976931348623157e308",
		"5e-324", "2.2250738585072014e-308", "1e-400", "-1e-400", "123456789012345678901234567890",
		"0.30000000000000004", "9007199254740993.0", "1e22", "1e23", "4.35", "1e0", "0e0",
		"0.0000000000000000000000000001", "12345678901234567890e-10", "-2.5e-3",
		"3.141592653589793238462643383279", "1E10", "1e+0", "100e-2",
	};
	struct ots_jdoc d;
	const struct ots_jv *r;
	char text[64];
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(texts) / sizeof(texts[0]); k++) {
		r = parse_ok(&d, texts[k]);
		if (r->u.num != strtod(texts[k], NULL))
			fail_msg("%s: %.17g, strtod %.17g", texts[k], r->u.num, strtod(texts[k], NULL));
		assert_string_equal(r->raw, texts[k]);
		ots_jdoc_free(&d);
	}
	r = parse_ok(&d, "-0.0");
	assert_true(r->u.num == 0.0 && signbit(r->u.num));
	ots_jdoc_free(&d);
	/* random literals through the fast paths and the fallback: always strtod's value */
	srand(12345);
	for (k = 0; k < 20000; k++) {
		unsigned long long m = ((unsigned long long)rand() << 31) ^ (unsigned long long)rand();
		int e = rand() % 60 - 30, frac = rand() % 4;

		if (frac == 0)
			snprintf(text, sizeof(text), "%llu", m % 100000000000000000ull);
		else if (frac == 1)
			snprintf(text, sizeof(text), "%llue%d", m % 10000000000ull, e);
		else if (frac == 2)
			snprintf(text, sizeof(text), "-%llu.%03de%d", m % 1000000, rand() % 1000, e);
		else
			snprintf(text, sizeof(text), "%llu.%llu", m % 100000, m);
		r = parse_ok(&d, text);
		if (r->u.num != strtod(text, NULL))
			fail_msg("%s: %.17g, strtod %.17g", text, r->u.num, strtod(text, NULL));
		ots_jdoc_free(&d);
	}
}

static void
test_errors(void **state)
{
	static const struct {
		const char *in, *msg;
	} cases[] = {
		/* structure */
		{ "", "line 1, column 1: empty input (no JSON value)" },
		{ " \n\t ", "line 2, column 3: empty input (no JSON value)" },
		{ "[1,2,]", "line 1, column 6: trailing comma before ']'" },
		{ "{\"a\":1,}", "line 1, column 8: trailing comma before '}'" },
		{ "[1 2]", "line 1, column 4: expected ',' or ']', found '2'" },
		{ "[1,2", "line 1, column 5: expected ',' or ']', found the end of the input" },
		{ "[", "line 1, column 2: expected a value, found the end of the input" },
		{ "{", "line 1, column 2: expected a member name (string), found the end of the input" },
		{ "{1:2}", "line 1, column 2: expected a member name (string), found '1'" },
		{ "{'a':2}", "line 1, column 2: expected a member name (string), found '''" },
		{ "{\"a\" 1}", "line 1, column 6: expected ':' after the member name, found '1'" },
		{ "{\"a\":1 \"b\":2}", "line 1, column 8: expected ',' or '}', found '\"'" },
		{ "{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}",
		  "line 4, column 3: expected ',' or '}', found '\"'" },
		{ "[1] x", "line 1, column 5: unexpected data after the JSON value" },
		{ "{} {}", "line 1, column 4: unexpected data after the JSON value" },
		{ "1 2", "line 1, column 3: unexpected data after the JSON value" },
		{ "[,1]", "line 1, column 2: expected a value, found ','" },
		{ "[\"\xc3\xa9\", x]", "line 1, column 7: expected a value, found 'x'" },
		{ "/* c */ 1", "line 1, column 1: expected a value, found '/'" },
		{ "[1]// c", "line 1, column 4: unexpected data after the JSON value" },
		{ "\xef\xbb\xbf{}", "line 1, column 1: byte order mark at the start (not allowed in JSON)" },
		{ "\x0b[]", "line 1, column 1: expected a value, found byte 0x0b" },
		{ "[1,\x0c 2]", "line 1, column 4: expected a value, found byte 0x0c" },
		/* literals */
		{ "tru", "line 1, column 1: invalid literal (expected true)" },
		{ "[True]", "line 1, column 2: expected a value, found 'T'" },
		{ "nul", "line 1, column 1: invalid literal (expected null)" },
		{ "falsy", "line 1, column 1: invalid literal (expected false)" },
		{ "truex", "line 1, column 5: unexpected data after the JSON value" },
		{ "NaN", "line 1, column 1: expected a value, found 'N'" },
		{ "[Infinity]", "line 1, column 2: expected a value, found 'I'" },
		{ "-Infinity", "line 1, column 2: expected a digit after '-', found 'I'" },
		/* numbers */
		{ "01", "line 1, column 1: leading zeros are not allowed in numbers" },
		{ "[-007]", "line 1, column 3: leading zeros are not allowed in numbers" },
		{ "-", "line 1, column 2: expected a digit after '-', found the end of the input" },
		{ "+1", "line 1, column 1: expected a value, found '+'" },
		{ ".5", "line 1, column 1: expected a value, found '.'" },
		{ "1.", "line 1, column 3: expected a digit after the decimal point, found the end of the input" },
		{ "1.e5", "line 1, column 3: expected a digit after the decimal point, found 'e'" },
		{ "1e", "line 1, column 3: expected a digit in the exponent, found the end of the input" },
		{ "1e+", "line 1, column 4: expected a digit in the exponent, found the end of the input" },
		{ "0x10", "line 1, column 2: unexpected data after the JSON value" },
		{ "1e400", "line 1, column 1: number out of the range of a double" },
		{ "[-1e99999999999999999999]", "line 1, column 2: number out of the range of a double" },
		/* strings */
		{ "\"abc", "line 1, column 1: unterminated string" },
		{ "[\"a\\\"]", "line 1, column 2: unterminated string" },
		{ "\"\\", "line 1, column 1: unterminated string" },
		{ "[\"a\\x\"]", "line 1, column 4: invalid escape '\\x' in string" },
		{ "\"\\'\"", "line 1, column 2: invalid escape '\\'' in string" },
		{ "\"\\\x01\"", "line 1, column 2: invalid escape (backslash then byte 0x01) in string" },
		{ "\"\\u12\"", "line 1, column 2: invalid \\u escape (expected 4 hex digits)" },
		{ "\"\\u12g4\"", "line 1, column 2: invalid \\u escape (expected 4 hex digits)" },
		{ "\"\\U0041\"", "line 1, column 2: invalid escape '\\U' in string" },
		{ "\"a\tb\"", "line 1, column 3: control character 0x09 in string (must be escaped)" },
		{ "\"a\nb\"", "line 1, column 3: control character 0x0a in string (must be escaped)" },
		{ "\"a\xff\"", "line 1, column 3: invalid UTF-8 (byte 0xff) in string" },
		{ "\"\xc0\xaf\"", "line 1, column 2: invalid UTF-8 (byte 0xc0) in string" },      /* overlong '/' */
		{ "\"\xe0\x80\xaf\"", "line 1, column 2: invalid UTF-8 (byte 0xe0) in string" },  /* overlong */
		{ "\"\xf0\x80\x80\xaf\"", "line 1, column 2: invalid UTF-8 (byte 0xf0) in string" },
		{ "\"\xed\xa0\x80\"", "line 1, column 2: invalid UTF-8 (byte 0xed) in string" },  /* U+D800 */
		{ "\"\xf4\x90\x80\x80\"", "line 1, column 2: invalid UTF-8 (byte 0xf4) in string" }, /* > U+10FFFF */
		{ "\"\xc3\"", "line 1, column 2: invalid UTF-8 (byte 0xc3) in string" },          /* truncated */
		{ "\"\x80\"", "line 1, column 2: invalid UTF-8 (byte 0x80) in string" },
		{ "\"\\ud800\"", "line 1, column 2: lone surrogate \\uD800 (high surrogate without a low one)" },
		{ "\"\\ud800\\u0041\"", "line 1, column 2: lone surrogate \\uD800 (high surrogate without a low one)" },
		{ "\"\\ud800\\ud800\"", "line 1, column 2: lone surrogate \\uD800 (high surrogate without a low one)" },
		{ "\"x\\udc00\"", "line 1, column 3: lone surrogate \\uDC00 (low surrogate without a high one)" },
		{ "\"\\ude00\\ud83d\"", "line 1, column 2: lone surrogate \\uDE00 (low surrogate without a high one)" },
		/* objects */
		{ "{\"a\":1,\"b\":2,\"a\":3}", "line 1, column 14: duplicate member name \"a\"" },
		{ "{\"a\\u0000\":1,\"a\\u0000\":2}", "line 1, column 14: duplicate member name \"a?\"" },
		{ "{\"a\":1,\n\"b\":{\"c\":1,\"c\":1}}", "line 2, column 12: duplicate member name \"c\"" },
	};
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		expect_err(cases[k].in, cases[k].msg);
	/* a NUL byte in the input is just a bad byte */
	expect_err_n("[1,\0]", 5, "line 1, column 4: expected a value, found byte 0x00");
	expect_err_n("\"a\0\"", 4, "line 1, column 3: control character 0x00 in string (must be escaped)");
}

static void
test_duplicates_large(void **state)
{
	struct ots_jdoc d;
	struct ots_json w;
	char key[16], err[256];
	int i, rc;

	(void)state;
	/* 1000 distinct names (hash path) parse; a repeat of the 10th at the end fails */
	ots_json_init(&w);
	ots_json_obj_open(&w, NULL);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ots_json_u64(&w, key, (uint64_t)i);
	}
	ots_json_obj_close(&w);
	assert_int_equal(parse_n(&d, w.buf, w.len, err, sizeof(err)), OTS_OK);
	assert_int_equal(ots_jv_len(d.root), 1000);
	assert_string_equal(ots_jv_get(d.root, "k999")->raw, "999");
	ots_jdoc_free(&d);
	w.buf[--w.len] = '\0'; /* reopen: drop the '}' */
	w.depth = 1;
	ots_json_u64(&w, "k9", 1);
	ots_json_obj_close(&w);
	rc = parse_n(&d, w.buf, w.len, err, sizeof(err));
	assert_int_equal(rc, OTS_EINVAL);
	assert_non_null(strstr(err, "duplicate member name \"k9\""));
	ots_json_free(&w);
	/* the same name in sibling objects is fine */
	parse_ok(&d, "[{\"a\":1},{\"a\":2}]");
	ots_jdoc_free(&d);
}

static void
test_depth(void **state)
{
	struct ots_jdoc d;
	char buf[2 * (OTS_JSON_READ_MAX_DEPTH + 1) + 16];
	char err[256];
	int n = OTS_JSON_READ_MAX_DEPTH, i;
	const struct ots_jv *v;

	(void)state;
	memset(buf, '[', (size_t)n);
	memset(buf + n, ']', (size_t)n);
	assert_int_equal(parse_n(&d, buf, 2 * (size_t)n, err, sizeof(err)), OTS_OK);
	for (v = d.root, i = 1; ots_jv_len(v) == 1; v = ots_jv_at(v, 0))
		i++;
	assert_int_equal(i, n);
	ots_jdoc_free(&d);
	n++;
	memset(buf, '[', (size_t)n);
	memset(buf + n, ']', (size_t)n);
	expect_err_n(buf, 2 * (size_t)n, "line 1, column 65: nesting deeper than 64 levels");
	/* objects count the same way: the 65th '{' of {"a":{"a":... is at column 321 */
	{
		char *ob = malloc(6 * (size_t)n + 8), *q = ob;

		assert_non_null(ob);
		for (i = 0; i < n; i++) {
			memcpy(q, "{\"a\":", 5);
			q += 5;
		}
		*q++ = '1';
		for (i = 0; i < n; i++)
			*q++ = '}';
		expect_err_n(ob, (size_t)(q - ob), "line 1, column 321: nesting deeper than 64 levels");
		/* one level less parses */
		assert_int_equal(parse_n(&d, ob + 5, (size_t)(q - ob) - 6, err, sizeof(err)), OTS_OK);
		ots_jdoc_free(&d);
		free(ob);
	}
}

/* An inventory-like record through the writer, with every kind of value and awkward text. */
static void
write_sample(struct ots_json *w)
{
	ots_json_obj_open(w, NULL);
	ots_json_u64(w, "schema", 1);
	ots_json_time(w, "@timestamp", 1704067200000123ull);
	ots_json_arr_open(w, "assets");
	ots_json_obj_open(w, NULL);
	ots_json_str(w, "id", "00:1b:1b:12:34:56");
	ots_json_strn(w, "raw", "a\0b\x01\x1f\"\\/\n\r\t\b\f", 13);
	ots_json_str(w, "utf8", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	ots_json_str(w, "bad_utf8", "x\xff\xc0\xafy");
	ots_json_u64(w, "bytes", UINT64_MAX);
	ots_json_i64(w, "delta", INT64_MIN);
	ots_json_i64(w, "neg", -12345);
	ots_json_dbl(w, "score", 0.125, 3);
	ots_json_dbl(w, "nan", NAN, 3);
	ots_json_bool(w, "plc", 1);
	ots_json_bool(w, "hmi", 0);
	ots_json_null(w, "zone");
	ots_json_arr_open(w, "ips");
	ots_json_str(w, NULL, "10.0.0.1");
	ots_json_str(w, NULL, "fe80::1");
	ots_json_arr_close(w);
	ots_json_obj_open(w, "empty");
	ots_json_obj_close(w);
	ots_json_arr_open(w, "none");
	ots_json_arr_close(w);
	ots_json_obj_close(w);
	ots_json_arr_close(w);
	ots_json_obj_close(w);
}

static void
check_sample(const struct ots_jv *r)
{
	const struct ots_jv *a, *ips;
	uint64_t u;
	int64_t i;
	size_t n;
	const char *s;

	assert_int_equal(ots_jv_u64(ots_jv_get(r, "schema"), &u), OTS_OK);
	assert_int_equal(u, 1);
	assert_string_equal(ots_jv_str(ots_jv_get(r, "@timestamp")), "2024-01-01T00:00:00.000123Z");
	a = ots_jv_at(ots_jv_get(r, "assets"), 0);
	assert_non_null(a);
	assert_int_equal(ots_jv_len(a), 15);
	assert_string_equal(ots_jv_str(ots_jv_get(a, "id")), "00:1b:1b:12:34:56");
	s = ots_jv_strn(ots_jv_get(a, "raw"), &n);
	assert_int_equal(n, 13);
	assert_memory_equal(s, "a\0b\x01\x1f\"\\/\n\r\t\b\f", 14);
	assert_string_equal(ots_jv_str(ots_jv_get(a, "utf8")), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* the writer replaced each invalid byte by U+FFFD */
	assert_string_equal(ots_jv_str(ots_jv_get(a, "bad_utf8")),
	                    "x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy");
	assert_int_equal(ots_jv_u64(ots_jv_get(a, "bytes"), &u), OTS_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(ots_jv_i64(ots_jv_get(a, "delta"), &i), OTS_OK);
	assert_true(i == INT64_MIN);
	assert_int_equal(ots_jv_i64(ots_jv_get(a, "neg"), &i), OTS_OK);
	assert_true(i == -12345);
	assert_true(ots_jv_get(a, "score")->u.num == 0.125);
	assert_string_equal(ots_jv_get(a, "score")->raw, "0.125");
	assert_int_equal(ots_jv_get(a, "nan")->type, OTS_JV_NULL);
	assert_int_equal(ots_jv_get(a, "plc")->type, OTS_JV_TRUE);
	assert_int_equal(ots_jv_get(a, "hmi")->type, OTS_JV_FALSE);
	assert_int_equal(ots_jv_get(a, "zone")->type, OTS_JV_NULL);
	ips = ots_jv_get(a, "ips");
	assert_int_equal(ots_jv_len(ips), 2);
	assert_string_equal(ots_jv_str(ots_jv_at(ips, 1)), "fe80::1");
	assert_int_equal(ots_jv_get(a, "empty")->type, OTS_JV_OBJECT);
	assert_int_equal(ots_jv_len(ots_jv_get(a, "empty")), 0);
	assert_int_equal(ots_jv_get(a, "none")->type, OTS_JV_ARRAY);
}

static void
test_roundtrip(void **state)
{
	struct ots_json w;
	struct ots_jdoc d;
	char err[256];
	int pretty;

	(void)state;
	for (pretty = 0; pretty <= 1; pretty++) {
		ots_json_init(&w);
		w.pretty = pretty;
		write_sample(&w);
		assert_int_equal(w.err, 0);
		if (parse_n(&d, w.buf, w.len, err, sizeof(err)) != OTS_OK)
			fail_msg("%s\n%s", err, w.buf);
		check_sample(d.root);
		ots_jdoc_free(&d);
		ots_json_free(&w);
	}
}

/* Every strict prefix of a document whose top level is a container must fail cleanly. */
static void
sweep(const char *text, size_t len)
{
	struct ots_jdoc d;
	char err[256];
	size_t n;
	int rc;

	for (n = 0; n < len; n++) {
		err[0] = '\0';
		rc = parse_n(&d, text, n, err, sizeof(err));
		if (rc != OTS_EINVAL)
			fail_msg("prefix %zu of %zu: rc %d", n, len, rc);
		assert_null(d.root);
		assert_null(d.blocks);
		assert_true(strncmp(err, "line ", 5) == 0);
	}
	assert_int_equal(parse_n(&d, text, len, err, sizeof(err)), OTS_OK);
	ots_jdoc_free(&d);
}

static void
test_truncation(void **state)
{
	static const char doc[] =
		"{\"a\":[true,false,null,-1.5e-3,0,12345678901234567890123],\n"
		"\"s\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\n"
		"\"o\":{\"k\":{},\"l\":[]},\"e\":18446744073709551615, \"z\" : [ [ ] , { } ] }";
	struct ots_json w;

	(void)state;
	sweep(doc, sizeof(doc) - 1);
	ots_json_init(&w);
	write_sample(&w);
	sweep(w.buf, w.len);
	ots_json_free(&w);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/test-json-read-XXXXXX", want[512], err[512];
	struct ots_jdoc d;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("{\"assets\": [\n  {\"id\": \"x\", \"port\": 502}\n]}\n", f);
	fclose(f);
	assert_int_equal(ots_json_parse_file(&d, path, err, sizeof(err)), OTS_OK);
	assert_string_equal(ots_jv_get(ots_jv_at(ots_jv_get(d.root, "assets"), 0), "port")->raw, "502");
	ots_jdoc_free(&d);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"assets\": [\n  {\"id\": \"x\" \"port\": 502}\n]}\n", f);
	fclose(f);
	assert_int_equal(ots_json_parse_file(&d, path, err, sizeof(err)), OTS_EINVAL);
	snprintf(want, sizeof(want), "%s: line 2, column 14: expected ',' or '}', found '\"'", path);
	assert_string_equal(err, want);
	assert_null(d.root);

	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ots_json_parse_file(&d, path, err, sizeof(err)), OTS_EINVAL);
	snprintf(want, sizeof(want), "%s: line 1, column 1: empty input (no JSON value)", path);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(ots_json_parse_file(&d, path, err, sizeof(err)), OTS_EIO);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_null(d.root);
	assert_int_equal(ots_json_parse_file(&d, "/", err, sizeof(err)), OTS_EIO);
	assert_string_equal(err, "/: not a regular file");
	/* a NULL or empty error buffer is fine */
	assert_int_equal(ots_json_parse_file(&d, "/", NULL, 0), OTS_EIO);
	assert_int_equal(ots_json_parse(&d, "[", 1, err, 0), OTS_EINVAL);
	assert_int_equal(ots_json_parse(&d, NULL, 0, NULL, 0), OTS_EINVAL);
}

/* ---- throughput (printed, never asserted) ---- */

static void
gen_inventory(struct ots_json *w, size_t target, size_t *nassets, size_t *nconduits)
{
	static const char *vendors[] = { "Siemens AG", "Rockwell Automation", "Schneider Electric",
	                                 "Phoenix Contact", "WAGO Kontakttechnik" };
	static const char *protos[] = { "s7comm", "modbus", "enip", "dnp3", "iec104", "opcua" };
	static const char *ops[] = { "READ", "WRITE", "CONTROL", "PROGRAM", "DIAGNOSTIC" };
	uint64_t t0 = 1704067200000000000ull;
	char b[64];
	size_t i;

	ots_json_obj_open(w, NULL);
	ots_json_u64(w, "schema", 1);
	ots_json_arr_open(w, "assets");
	for (i = 0; w->len < target / 3; i++) {
		ots_json_obj_open(w, NULL);
		snprintf(b, sizeof(b), "00:1b:1b:%02x:%02x:%02x", (unsigned)(i >> 16) & 255,
		         (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		ots_json_str(w, "id", b);
		ots_json_arr_open(w, "ips");
		snprintf(b, sizeof(b), "10.%u.%u.%u", (unsigned)(i >> 16) & 255,
		         (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		ots_json_str(w, NULL, b);
		ots_json_arr_close(w);
		ots_json_u64(w, "vlan", i % 4094 + 1);
		ots_json_str(w, "vendor", vendors[i % 5]);
		ots_json_str(w, "model", "6ES7 315-2EH14-0AB0");
		ots_json_str(w, "firmware", "V3.2.8");
		ots_json_str(w, "role", "plc");
		snprintf(b, sizeof(b), "plc-%zu.cell-%zu.plant", i, i % 40);
		ots_json_str(w, "hostname", b);
		ots_json_u64(w, "first_seen", t0 + i * 1000003);
		ots_json_u64(w, "last_seen", t0 + i * 7000003 + 86400000000000ull);
		ots_json_u64(w, "packets", i * 977);
		ots_json_u64(w, "bytes", i * 977 * 143);
		ots_json_arr_open(w, "protocols");
		ots_json_str(w, NULL, protos[i % 6]);
		ots_json_str(w, NULL, protos[(i + 1) % 6]);
		ots_json_arr_close(w);
		ots_json_dbl(w, "confidence", (double)(i % 100) / 100.0, 2);
		ots_json_obj_close(w);
	}
	*nassets = i;
	ots_json_arr_close(w);
	ots_json_arr_open(w, "conduits");
	for (i = 0; w->len < target; i++) {
		ots_json_obj_open(w, NULL);
		snprintf(b, sizeof(b), "10.0.%u.%u", (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		ots_json_str(w, "initiator", b);
		snprintf(b, sizeof(b), "10.1.%u.%u", (unsigned)(i >> 8) & 255, (unsigned)i & 255);
		ots_json_str(w, "responder", b);
		ots_json_str(w, "transport", "tcp");
		ots_json_u64(w, "port", 102 + i % 3);
		ots_json_str(w, "protocol", protos[i % 6]);
		ots_json_arr_open(w, "op_classes");
		ots_json_str(w, NULL, ops[i % 5]);
		ots_json_str(w, NULL, ops[(i + 2) % 5]);
		ots_json_arr_close(w);
		ots_json_arr_open(w, "function_codes");
		ots_json_u64(w, NULL, i % 128);
		ots_json_u64(w, NULL, 3);
		ots_json_arr_close(w);
		ots_json_u64(w, "count", i * 31);
		ots_json_u64(w, "first_seen", t0 + i * 1000003);
		ots_json_u64(w, "last_seen", t0 + i * 9000003);
		ots_json_str(w, "verdict", i % 7 ? "allowed" : "violation");
		ots_json_obj_close(w);
	}
	*nconduits = i;
	ots_json_arr_close(w);
	ots_json_obj_close(w);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_throughput(void **state)
{
	const char *env = getenv("OTS_JSON_BENCH_MB");
	size_t mb = env ? (size_t)strtoul(env, NULL, 10) : 8, na, nc, n;
	struct ots_json w;
	struct ots_jdoc d;
	const struct ots_jv *c;
	double t, best = 1e9;
	char err[256];
	uint64_t u;
	int run;

	(void)state;
	if (mb == 0)
		mb = 1;
	ots_json_init(&w);
	gen_inventory(&w, mb * 1000000, &na, &nc);
	assert_int_equal(w.err, 0);
	for (run = 0; run < 3; run++) {
		t = now_s();
		assert_int_equal(ots_json_parse(&d, w.buf, w.len, err, sizeof(err)), OTS_OK);
		t = now_s() - t;
		if (t < best)
			best = t;
		if (run < 2)
			ots_jdoc_free(&d);
	}
	/* the last conduit reads back */
	n = ots_jv_len(ots_jv_get(d.root, "conduits"));
	assert_int_equal(n, nc);
	assert_int_equal(ots_jv_len(ots_jv_get(d.root, "assets")), na);
	c = ots_jv_at(ots_jv_get(d.root, "conduits"), n - 1);
	assert_int_equal(ots_jv_u64(ots_jv_get(c, "count"), &u), OTS_OK);
	assert_true(u == (uint64_t)(n - 1) * 31);
	printf("json-read: %.1f MB inventory (%zu assets, %zu conduits): parse %.1f ms, %.0f MB/s; "
	       "arena %.1f MB (%.2fx the text)\n",
	       (double)w.len / 1e6, na, nc, best * 1e3, (double)w.len / 1e6 / best,
	       (double)d.bytes / 1e6, (double)d.bytes / (double)w.len);
	ots_jdoc_free(&d);
	ots_json_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_duplicates_large),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_throughput),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
