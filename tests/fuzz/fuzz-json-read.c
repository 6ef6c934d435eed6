/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-json-read.c: libFuzzer entry for the strict JSON reader (src/json-read.c).
 * Input: the JSON text itself. On success the whole tree is walked and its invariants are
 * checked (strings NUL-terminated at n and valid UTF-8, number texts of n characters that
 * strtod reads to u.num, member names only under objects, counts that match); on failure
 * the document must be empty and the message must carry a line and a column. A broken
 * invariant traps, so libFuzzer reports it as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots/error.h"
#include "ots/json-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                              \
	do {                                  \
		if (!(c))                     \
			__builtin_trap();     \
	} while (0)

static volatile uint64_t sink;

static void
check_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	uint32_t cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		CHECK(c >= 0xc2 && c <= 0xf4);
		len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		CHECK(n - i >= len);
		cp = c & (0x7f >> len);
		for (k = 1; k < len; k++) {
			CHECK((s[i + k] & 0xc0) == 0x80);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		CHECK(!(len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))));
		CHECK(!(len == 4 && (cp < 0x10000 || cp > 0x10ffff)));
		i += len;
	}
}

static void
walk(const struct ots_jv *v, int in_object, int depth)
{
	uint64_t u;
	int64_t i64;
	size_t i, n;
	const char *s;

	CHECK(depth <= OTS_JSON_READ_MAX_DEPTH);
	if (in_object) {
		CHECK(v->key != NULL && v->key[v->key_len] == '\0');
		check_utf8((const unsigned char *)v->key, v->key_len);
	} else {
		CHECK(v->key == NULL);
	}
	switch (v->type) {
	case OTS_JV_NULL:
	case OTS_JV_FALSE:
	case OTS_JV_TRUE:
		break;
	case OTS_JV_NUMBER:
		CHECK(v->raw != NULL && strlen(v->raw) == v->n && v->n <= OTS_JSON_READ_MAX_NUMBER);
		CHECK(strtod(v->raw, NULL) == v->u.num);
		if (ots_jv_u64(v, &u) == OTS_OK)
			sink += u;
		if (ots_jv_i64(v, &i64) == OTS_OK)
			sink += (uint64_t)i64;
		break;
	case OTS_JV_STRING:
		s = ots_jv_strn(v, &n);
		CHECK(s != NULL && n == v->n && s[n] == '\0');
		check_utf8((const unsigned char *)s, n);
		break;
	case OTS_JV_ARRAY:
	case OTS_JV_OBJECT:
		CHECK(ots_jv_len(v) == v->n);
		CHECK(ots_jv_at(v, v->n) == NULL);
		for (i = 0; i < v->n; i++) {
			CHECK(ots_jv_at(v, i) == &v->u.kids[i]);
			walk(&v->u.kids[i], v->type == OTS_JV_OBJECT, depth + 1);
		}
		/* a member found by name is the first with that name: names are unique */
		if (v->type == OTS_JV_OBJECT && v->n > 0 && strlen(v->u.kids[0].key) == v->u.kids[0].key_len)
			CHECK(ots_jv_get(v, v->u.kids[0].key) == &v->u.kids[0]);
		break;
	default:
		CHECK(0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ots_jdoc d;
	char err[256];
	int rc;

	if (size > (1u << 20))
		return 0;
	rc = ots_json_parse(&d, (const char *)data, size, err, sizeof(err));
	if (rc == OTS_OK) {
		CHECK(d.root != NULL);
		walk(d.root, 0, 0);
		ots_jdoc_free(&d);
		CHECK(d.root == NULL && d.blocks == NULL);
	} else {
		CHECK(rc == OTS_EINVAL || rc == OTS_ENOMEM);
		CHECK(d.root == NULL && d.blocks == NULL && d.bytes == 0);
		CHECK(rc == OTS_ENOMEM || strncmp(err, "line ", 5) == 0);
	}
	return 0;
}
