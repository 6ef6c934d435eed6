/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json-read.h: strict JSON reader (RFC 8259) into a read-only tree (src/json-read.c).
 *
 * The whole text is parsed into a document whose nodes, strings and number texts live in a
 * few big arena blocks owned by the document (no per-node malloc); the input buffer is not
 * referenced after ots_json_parse() returns. Parsing is one pass, O(n) in the input size.
 *
 * Strictness (anything else is an error with line and column):
 *   - RFC 8259 grammar only: no comments, no trailing commas, no single quotes, no NaN or
 *     Infinity, no leading zeros ("01"), no leading '+', no byte order mark; whitespace is
 *     space, tab, CR and LF;
 *   - strings must be valid UTF-8 (overlong forms, surrogates U+D800..DFFF and code points
 *     above U+10FFFF are rejected) and hold no raw control character (< 0x20);
 *   - \u escapes are decoded to UTF-8; a surrogate pair becomes one 4-byte sequence, a lone
 *     or reversed surrogate is an error;
 *   - \u0000 is accepted and kept: the string then holds a NUL byte, its length is v->n, and
 *     ots_jv_str() sees only the part before the NUL (use ots_jv_strn() for the whole value).
 *     The project's own writer emits \u0000 for NUL bytes in packet data, so a state file
 *     must read back;
 *   - duplicate member names in one object are rejected (I-JSON, RFC 7493 2.3);
 *   - limits (RFC 8259 section 9 lets a parser set them): nesting OTS_JSON_READ_MAX_DEPTH,
 *     number text OTS_JSON_READ_MAX_NUMBER characters, string and array/object sizes below
 *     2^32, member names below 2^28 bytes.
 *
 * Error text: "line L, column C: reason", L and C from 1, C counting characters (UTF-8 code
 * points, a tab is one), e.g. "line 3, column 17: expected ',' or '}'".
 *
 * Memory: 32 bytes per value (LP64) plus the strings, member names and number texts; a
 * document with many small values takes a few times its text size.
 *
 * Thread: a document is immutable after parsing; concurrent readers are fine. Parsing keeps
 * no global state, so threads may parse different documents (numbers that need strtod read
 * the LC_NUMERIC decimal point: any locale gives the same values).
 */
#ifndef OTS_JSON_READ_H
#define OTS_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#define OTS_JSON_READ_MAX_DEPTH  64  /* nested arrays/objects; the root container is depth 1 */
#define OTS_JSON_READ_MAX_NUMBER 256 /* characters of one number literal */

enum ots_jv_type {
	OTS_JV_NULL = 0,
	OTS_JV_FALSE,
	OTS_JV_TRUE,
	OTS_JV_NUMBER,
	OTS_JV_STRING,
	OTS_JV_ARRAY,
	OTS_JV_OBJECT
};

/*
 * One value (32 bytes on LP64). Read-only; everything it points to is in the document arena.
 *   OTS_JV_STRING: u.str, NUL-terminated, n bytes (may hold NUL bytes, see above).
 *   OTS_JV_ARRAY, OTS_JV_OBJECT: u.kids[0..n-1] in document order; for an object each kid
 *     carries its member name in key/key_len.
 *   OTS_JV_NUMBER: u.num (nearest double) and raw, the literal as written (NUL-terminated,
 *     n characters), from which ots_jv_u64()/ots_jv_i64() read integers exactly.
 *   key: the member name when the parent is an object (NUL-terminated), else NULL.
 */
struct ots_jv {
	union {
		double num;
		const char *str;
		struct ots_jv *kids;
	} u;
	const char *key;
	const char *raw;
	uint32_t n;
	uint32_t key_len : 28;
	uint32_t type : 4; /* enum ots_jv_type */
};

struct ots_jblock; /* arena block (private to json-read.c) */

/* A parsed document. Zero it (or let ots_json_parse fill it) before use. */
struct ots_jdoc {
	struct ots_jv *root;       /* NULL when empty (after an error or ots_jdoc_free) */
	struct ots_jblock *blocks; /* arena blocks: nodes, strings, number texts */
	size_t bytes;              /* bytes held by the arena (memory figures) */
};

/*
 * Parse len bytes of buf (need not be NUL-terminated) into d, which is overwritten: free a
 * previous document first. Returns OTS_OK with d->root set; OTS_EINVAL (malformed, err holds
 * "line L, column C: reason") or OTS_ENOMEM; on error d is empty and holds no memory.
 * err may be NULL or errlen 0. Thread: any, d is the caller's.
 */
int ots_json_parse(struct ots_jdoc *d, const char *buf, size_t len, char *err, size_t errlen);

/*
 * Read the whole file at path and parse it as ots_json_parse() does. Errors name the file:
 * "state.json: line 3, column 17: expected ',' or '}'", "state.json: No such file or directory".
 * Returns OTS_OK, OTS_EIO (cannot open or read, not a regular file), OTS_EINVAL, OTS_ENOMEM.
 */
int ots_json_parse_file(struct ots_jdoc *d, const char *path, char *err, size_t errlen);

/*
 * Release everything d holds and leave it empty; safe on an empty or zeroed document.
 * (Named ots_jdoc_free, not ots_json_free: that name is the writer's, include/ots/json.h.)
 */
void ots_jdoc_free(struct ots_jdoc *d);

/*
 * Member named key (NUL-terminated; matched byte for byte) of obj, or NULL when absent or
 * obj is NULL or not an object. Linear in the member count: objects in our files are small;
 * for a big one walk ots_jv_at() once instead.
 */
const struct ots_jv *ots_jv_get(const struct ots_jv *obj, const char *key);

/* Element i of an array, or member i of an object (document order), or NULL when out of
 * range or v is NULL or neither. */
const struct ots_jv *ots_jv_at(const struct ots_jv *v, size_t i);

/*
 * Exact integers from the number text. Only integer literals qualify ("12", "-3"; "1.0" and
 * "1e3" do not); ots_jv_u64 takes 0..18446744073709551615 (and "-0"), ots_jv_i64
 * -9223372036854775808..9223372036854775807. Returns OTS_OK, or OTS_EINVAL when v is NULL,
 * not a number, not an integer or out of range (*out untouched).
 */
int ots_jv_u64(const struct ots_jv *v, uint64_t *out);
int ots_jv_i64(const struct ots_jv *v, int64_t *out);

/* Number as a double (nearest), OTS_EINVAL unless v is a number. */
int ots_jv_num(const struct ots_jv *v, double *out);

/* true/false: *out 1 or 0; OTS_EINVAL for any other type. */
int ots_jv_bool(const struct ots_jv *v, int *out);

/* NUL-terminated string, or NULL unless v is a string. */
const char *ots_jv_str(const struct ots_jv *v);

/* String with its length (for values that may hold \u0000), or NULL unless v is a string. */
const char *ots_jv_strn(const struct ots_jv *v, size_t *len);

/* Number of elements (array) or members (object); 0 for anything else or NULL. */
size_t ots_jv_len(const struct ots_jv *v);

#endif
