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

#define OTS_JSON_MAX_DEPTH 32

struct ots_json {
	char *buf;
	size_t len, cap;
	int err;
	int depth;
	uint8_t need_comma[OTS_JSON_MAX_DEPTH];
	int pretty; /* indent with two spaces (stats.json); 0: one line (jsonl) */
};

/* Length of a valid UTF-8 sequence at s (n >= 1 bytes left), or 0: overlong, surrogate,
 * above U+10FFFF, cut short or a bad continuation byte. Reads no further than a byte that is
 * not a continuation, so n may overstate a NUL-terminated string's rest. The one UTF-8
 * check of the JSON writer, the JSON reader and the report. */
size_t ots_utf8_len(const unsigned char *s, size_t n);

void ots_json_init(struct ots_json *j);
void ots_json_reset(struct ots_json *j);
void ots_json_free(struct ots_json *j);

/* key may be NULL inside arrays and at the top level. */
void ots_json_obj_open(struct ots_json *j, const char *key);
void ots_json_obj_close(struct ots_json *j);
void ots_json_arr_open(struct ots_json *j, const char *key);
void ots_json_arr_close(struct ots_json *j);
void ots_json_str(struct ots_json *j, const char *key, const char *s);
void ots_json_strn(struct ots_json *j, const char *key, const char *s, size_t n);
void ots_json_u64(struct ots_json *j, const char *key, uint64_t v);
void ots_json_i64(struct ots_json *j, const char *key, int64_t v);
/* Fixed-point with `decimals` digits (locale-independent); NaN and inf become null. */
void ots_json_dbl(struct ots_json *j, const char *key, double v, int decimals);
void ots_json_bool(struct ots_json *j, const char *key, int v);
void ots_json_null(struct ots_json *j, const char *key);
/* "2024-01-01T00:00:00.000123Z" (27 characters and a NUL) from microseconds since the
 * epoch, without gmtime: the one time formatter of the outputs. */
void ots_time_rfc3339(uint64_t ts_us, char out[28]);
/* RFC 3339 UTC time from microseconds since the epoch: "2024-01-01T00:00:00.000123Z". */
void ots_json_time(struct ots_json *j, const char *key, uint64_t ts_us);
/* Write what the buffer holds to f and empty it, keeping the nesting state: a large document
 * streams out in pieces. Returns OTS_OK, the sticky error, or OTS_EIO. */
int ots_json_flush_to(struct ots_json *j, FILE *f);
/* Append a newline (end of a JSON Lines record). */
void ots_json_newline(struct ots_json *j);

#endif
