/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json.h: the one JSON writer of the project (src/json.c).
 *
 * Appends to a growable buffer; keys and strings are escaped per RFC 8259 (control characters
 * as \u00XX, invalid UTF-8 bytes replaced by U+FFFD so output is always valid JSON). Commas are
 * placed automatically. An allocation failure is sticky (j->err) and the caller checks once.
 * Not thread-safe: one writer per thread.
 */
#ifndef OTS_JSON_H
#define OTS_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#define OTS_JSON_MAX_DEPTH 32

struct ots_json {
	char *buf;
	size_t len, cap;
	int err;
	int depth;
	uint8_t need_comma[OTS_JSON_MAX_DEPTH];
	int pretty; /* indent with two spaces (stats.json); 0: one line (jsonl) */
	/* ots_json_time's cache: the last two seconds it formatted, "YYYY-MM-DDTHH:MM:SS."
	 * (tstr) for second tsec - 1 (0: empty slot, so a zeroed struct is a valid one). */
	uint64_t tsec[2];
	char tstr[2][20];
	unsigned tnext;
};

/* Length of a valid UTF-8 sequence at s (n >= 1 bytes left), or 0: overlong, surrogate,
 * above U+10FFFF, cut short or a bad continuation byte. Reads no further than a byte that is
 * not a continuation, so n may overstate a NUL-terminated string's rest. The one UTF-8
 * check of the JSON writer, the JSON reader and the report. */
size_t ots_utf8_len(const unsigned char *s, size_t n);

void ots_json_init(struct ots_json *j);
void ots_json_reset(struct ots_json *j);
void ots_json_free(struct ots_json *j);

/* The writers below are inline wrappers around the _k functions, which take the key's
 * length: for a constant key (nearly every call) the compiler folds the strlen away. A key
 * may be NULL inside arrays and at the top level. */
#define OTS_JSON_KLEN(key) ((key) ? strlen(key) : 0)

void ots_json_obj_open_k(struct ots_json *j, const char *key, size_t klen);
void ots_json_arr_open_k(struct ots_json *j, const char *key, size_t klen);
void ots_json_strn_k(struct ots_json *j, const char *key, size_t klen, const char *s, size_t n);
void ots_json_u64_k(struct ots_json *j, const char *key, size_t klen, uint64_t v);
void ots_json_i64_k(struct ots_json *j, const char *key, size_t klen, int64_t v);
void ots_json_dbl_k(struct ots_json *j, const char *key, size_t klen, double v, int decimals);
void ots_json_bool_k(struct ots_json *j, const char *key, size_t klen, int v);
void ots_json_null_k(struct ots_json *j, const char *key, size_t klen);
void ots_json_time_k(struct ots_json *j, const char *key, size_t klen, uint64_t ts_us);

static inline void
ots_json_obj_open(struct ots_json *j, const char *key)
{
	ots_json_obj_open_k(j, key, OTS_JSON_KLEN(key));
}

void ots_json_obj_close(struct ots_json *j);

static inline void
ots_json_arr_open(struct ots_json *j, const char *key)
{
	ots_json_arr_open_k(j, key, OTS_JSON_KLEN(key));
}

void ots_json_arr_close(struct ots_json *j);

static inline void
ots_json_strn(struct ots_json *j, const char *key, const char *s, size_t n)
{
	ots_json_strn_k(j, key, OTS_JSON_KLEN(key), s, n);
}

/* s NULL: null. */
static inline void
ots_json_str(struct ots_json *j, const char *key, const char *s)
{
	if (s)
		ots_json_strn_k(j, key, OTS_JSON_KLEN(key), s, strlen(s));
	else
		ots_json_null_k(j, key, OTS_JSON_KLEN(key));
}

static inline void
ots_json_u64(struct ots_json *j, const char *key, uint64_t v)
{
	ots_json_u64_k(j, key, OTS_JSON_KLEN(key), v);
}

static inline void
ots_json_i64(struct ots_json *j, const char *key, int64_t v)
{
	ots_json_i64_k(j, key, OTS_JSON_KLEN(key), v);
}

/* Fixed-point with `decimals` digits (locale-independent); NaN and inf become null. */
static inline void
ots_json_dbl(struct ots_json *j, const char *key, double v, int decimals)
{
	ots_json_dbl_k(j, key, OTS_JSON_KLEN(key), v, decimals);
}

static inline void
ots_json_bool(struct ots_json *j, const char *key, int v)
{
	ots_json_bool_k(j, key, OTS_JSON_KLEN(key), v);
}

static inline void
ots_json_null(struct ots_json *j, const char *key)
{
	ots_json_null_k(j, key, OTS_JSON_KLEN(key));
}

/* "2024-01-01T00:00:00.000123Z" (27 characters and a NUL) from microseconds since the
 * epoch, without gmtime: the one time formatter of the outputs. */
void ots_time_rfc3339(uint64_t ts_us, char out[28]);
/* RFC 3339 UTC time from microseconds since the epoch: "2024-01-01T00:00:00.000123Z".
 * Keeps the last two seconds formatted in j (consecutive records mostly share them). */
static inline void
ots_json_time(struct ots_json *j, const char *key, uint64_t ts_us)
{
	ots_json_time_k(j, key, OTS_JSON_KLEN(key), ts_us);
}

/* Write what the buffer holds to f and empty it, keeping the nesting state: a large document
 * streams out in pieces. Returns OTS_OK, the sticky error, or OTS_EIO. */
int ots_json_flush_to(struct ots_json *j, FILE *f);
/* Append a newline (end of a JSON Lines record). */
void ots_json_newline(struct ots_json *j);

#endif
