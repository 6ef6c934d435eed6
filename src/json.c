/* SPDX-License-Identifier: BSD-3-Clause */
/* json.c: JSON writer with RFC 8259 escaping (see json.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ots/compiler.h"
#include "ots/error.h"
#include "ots/json.h"

void
ots_json_init(struct ots_json *j)
{
	memset(j, 0, sizeof(*j));
}

void
ots_json_reset(struct ots_json *j)
{
	j->len = 0;
	j->err = 0;
	j->depth = 0;
	j->need_comma[0] = 0;
}

void
ots_json_free(struct ots_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

static int
grow(struct ots_json *j, size_t n)
{
	size_t cap;
	char *nb;

	if (j->err)
		return 0;
	if (j->cap - j->len >= n + 1)
		return 1;
	cap = j->cap ? j->cap : 256;
	while (cap - j->len < n + 1) {
		if (cap > ((size_t)-1) / 2) {
			j->err = OTS_ENOMEM;
			return 0;
		}
		cap *= 2;
	}
	nb = realloc(j->buf, cap);
	if (!nb) {
		j->err = OTS_ENOMEM;
		return 0;
	}
	j->buf = nb;
	j->cap = cap;
	return 1;
}

/* Space for n more bytes and the terminator, or NULL (sticky error). */
static inline char *
room(struct ots_json *j, size_t n)
{
	if (ots_unlikely(j->cap - j->len < n + 1) && !grow(j, n))
		return NULL;
	return j->buf + j->len;
}

/* Close a write that ended at q (keeps the buffer a C string). */
static inline void
done(struct ots_json *j, char *q)
{
	*q = '\0';
	j->len = (size_t)(q - j->buf);
}

static inline void
put(struct ots_json *j, const char *s, size_t n)
{
	char *p = room(j, n);

	if (!p)
		return;
	memcpy(p, s, n);
	done(j, p + n);
}

/* "00" .. "99": decimal output two digits at a time. */
static const char dig2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of v ending just before end (at least 20 bytes before it); returns the
 * first digit. */
static inline char *
fmt_u64(uint64_t v, char *end)
{
	char *p = end;

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, dig2 + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, dig2 + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	return p;
}

/* Number of decimal digits of v (1..20). */
static inline size_t
ndigits(uint64_t v)
{
	size_t n = 1;

	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

static void
putc_(struct ots_json *j, char c)
{
	put(j, &c, 1);
}

static void
indent(struct ots_json *j)
{
	int i;

	putc_(j, '\n');
	for (i = 0; i < j->depth; i++)
		put(j, "  ", 2);
}

size_t
ots_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* 1: the byte needs escaping or UTF-8 validation; 0: copied as is. */
static const uint8_t special[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1
};

/* SWAR: nonzero if one of the 8 bytes of w needs escaping or UTF-8 validation (< 0x20,
 * '"', '\\' or >= 0x80, the bytes special[] marks). Each test is the classic "has a byte
 * less than n" ((x - n * ONES) & ~x & HIGH): a borrow can only flag a byte above one that
 * is really flagged, so the word's answer is exact. */
#define ONES 0x0101010101010101ull
#define HIGH 0x8080808080808080ull

static inline uint64_t
swar_special(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b) | w) & HIGH;
}

/* Copy the leading bytes of s[0, n) that need no escaping to q (room for n); returns how
 * many (n: all of them). Eight bytes a word, the tail as one overlapping word. */
static inline size_t
copy_plain(char *q, const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;
	uint32_t lo, hi;

	if (n >= 8) {
		for (; i + 8 <= n; i += 8) {
			memcpy(&w, s + i, 8);
			if (swar_special(w))
				goto bytewise;
			memcpy(q + i, &w, 8);
		}
		if (i == n)
			return n;
		memcpy(&w, s + n - 8, 8);
		if (!swar_special(w)) {
			memcpy(q + n - 8, &w, 8);
			return n;
		}
	} else if (n >= 4) {
		memcpy(&lo, s, 4);
		memcpy(&hi, s + n - 4, 4);
		if (!swar_special((uint64_t)lo | (uint64_t)hi << 32)) {
			memcpy(q, &lo, 4);
			memcpy(q + n - 4, &hi, 4);
			return n;
		}
	}
bytewise:
	while (i < n && !special[s[i]]) {
		q[i] = (char)s[i];
		i++;
	}
	return i;
}

/* The rest of a string value from its first special byte, and the closing quote. */
static void
put_escaped_slow(struct ots_json *j, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, start, l;
	char esc[6];

	while (i < n) {
		start = i;
		while (i < n && !special[s[i]])
			i++;
		if (i > start)
			put(j, (const char *)s + start, i - start);
		if (i == n)
			break;
		if (s[i] >= 0x80) {
			l = ots_utf8_len(s + i, n - i);
			if (l) {
				put(j, (const char *)s + i, l);
				i += l;
			} else {
				put(j, "\xef\xbf\xbd", 3); /* U+FFFD */
				i++;
			}
			continue;
		}
		switch (s[i]) {
		case '"': put(j, "\\\"", 2); break;
		case '\\': put(j, "\\\\", 2); break;
		case '\n': put(j, "\\n", 2); break;
		case '\r': put(j, "\\r", 2); break;
		case '\t': put(j, "\\t", 2); break;
		case '\b': put(j, "\\b", 2); break;
		case '\f': put(j, "\\f", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 15];
			put(j, esc, 6);
		}
		i++;
	}
	putc_(j, '"');
}

/* memcpy for the short keys: overlapping words instead of a library call. */
static inline void
copy_short(char *q, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;

	if (n >= 8) {
		if (ots_unlikely(n > 16)) {
			memcpy(q, s, n);
			return;
		}
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(q, &a, 8);
		memcpy(q + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&c, s, 4);
		memcpy(&d, s + n - 4, 4);
		memcpy(q, &c, 4);
		memcpy(q + n - 4, &d, 4);
	} else {
		while (n--)
			*q++ = *s++;
	}
}

/* Comma, indentation and "key": for pretty output; see key_. */
static char *
key_pretty(struct ots_json *j, const char *key, size_t kl, size_t extra)
{
	char *q = room(j, kl + 5 + 2 * (size_t)j->depth + 2 + extra);
	int i;

	if (!q)
		return NULL;
	if (j->need_comma[j->depth])
		*q++ = ',';
	j->need_comma[j->depth] = 1;
	if (j->depth > 0) {
		*q++ = '\n';
		for (i = 0; i < j->depth; i++) {
			*q++ = ' ';
			*q++ = ' ';
		}
	}
	if (key) {
		*q++ = '"';
		memcpy(q, key, kl);
		q += kl;
		*q++ = '"';
		*q++ = ':';
		*q++ = ' ';
	}
	return q;
}

/* Comma, indentation and "key": in one write, with room for `extra` more bytes and the
 * terminator after them; returns where the value goes (the caller ends with done()), or
 * NULL (sticky error). Keys are our own constants (no escaping: lowercase ASCII, digits,
 * '_', '@', '.'; the schema tests check every key we write). */
static inline __attribute__((always_inline)) char *
key_(struct ots_json *j, const char *key, size_t kl, size_t extra)
{
	uint8_t *nc;
	char *q;

	if (ots_unlikely(j->pretty))
		return key_pretty(j, key, kl, extra);
	q = room(j, kl + 4 + extra);
	if (!q)
		return NULL;
	nc = &j->need_comma[j->depth];
	*q = ',';
	q += *nc;
	*nc = 1;
	if (key) {
		*q = '"';
		copy_short(q + 1, key, kl);
		q[kl + 1] = '"';
		q[kl + 2] = ':';
		q += kl + 3;
	}
	return q;
}

static void
open_(struct ots_json *j, const char *key, size_t kl, char c)
{
	char *q = key_(j, key, kl, 1);

	if (q) {
		*q++ = c;
		done(j, q);
	}
	if (j->depth + 1 >= OTS_JSON_MAX_DEPTH) {
		j->err = OTS_ELIMIT;
		return;
	}
	j->depth++;
	j->need_comma[j->depth] = 0;
}

static void
close_(struct ots_json *j, char c)
{
	int had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (ots_unlikely(j->pretty) && had)
		indent(j);
	putc_(j, c);
}

void
ots_json_obj_open_k(struct ots_json *j, const char *key, size_t klen)
{
	open_(j, key, klen, '{');
}

void
ots_json_obj_close(struct ots_json *j)
{
	close_(j, '}');
}

void
ots_json_arr_open_k(struct ots_json *j, const char *key, size_t klen)
{
	open_(j, key, klen, '[');
}

void
ots_json_arr_close(struct ots_json *j)
{
	close_(j, ']');
}

void
ots_json_strn_k(struct ots_json *j, const char *key, size_t klen, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *q = key_(j, key, klen, n + 2);
	size_t i;

	if (!q)
		return;
	/* Fast path: nothing to escape (nearly every value we write). */
	*q++ = '"';
	i = copy_plain(q, u, n);
	if (ots_likely(i == n)) {
		q[n] = '"';
		done(j, q + n + 1);
		return;
	}
	done(j, q + i);
	put_escaped_slow(j, u + i, n - i);
}

void
ots_json_u64_k(struct ots_json *j, const char *key, size_t klen, uint64_t v)
{
	char *q = key_(j, key, klen, 20);
	size_t n;

	if (!q)
		return;
	n = ndigits(v);
	fmt_u64(v, q + n);
	done(j, q + n);
}

void
ots_json_i64_k(struct ots_json *j, const char *key, size_t klen, int64_t v)
{
	char *q;
	size_t n;

	if (v >= 0) {
		ots_json_u64_k(j, key, klen, (uint64_t)v);
		return;
	}
	q = key_(j, key, klen, 21);
	if (!q)
		return;
	*q++ = '-';
	n = ndigits((uint64_t)0 - (uint64_t)v);
	fmt_u64((uint64_t)0 - (uint64_t)v, q + n);
	done(j, q + n);
}

void
ots_json_dbl_k(struct ots_json *j, const char *key, size_t klen, double v, int decimals)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	                                  100000000, 1000000000 };
	char b[48], *p, *end = b + sizeof(b), *q;
	uint64_t scaled, ip, fp;
	int neg = v < 0, i;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	if (!isfinite(v) || fabs(v) >= 1e18 / (double)pow10[decimals]) {
		ots_json_null_k(j, key, klen);
		return;
	}
	/* Fixed point by integer arithmetic: locale-proof and without printf. */
	scaled = (uint64_t)llround(fabs(v) * (double)pow10[decimals]);
	ip = scaled / pow10[decimals];
	fp = scaled % pow10[decimals];
	p = end;
	for (i = 0; i < decimals; i++) {
		*--p = (char)('0' + fp % 10);
		fp /= 10;
	}
	if (decimals)
		*--p = '.';
	p = fmt_u64(ip, p);
	if (neg && scaled)
		*--p = '-';
	q = key_(j, key, klen, (size_t)(end - p));
	if (!q)
		return;
	memcpy(q, p, (size_t)(end - p));
	done(j, q + (end - p));
}

void
ots_json_bool_k(struct ots_json *j, const char *key, size_t klen, int v)
{
	char *q = key_(j, key, klen, 5);

	if (!q)
		return;
	if (v) {
		memcpy(q, "true", 4);
		done(j, q + 4);
	} else {
		memcpy(q, "false", 5);
		done(j, q + 5);
	}
}

void
ots_json_null_k(struct ots_json *j, const char *key, size_t klen)
{
	char *q = key_(j, key, klen, 4);

	if (!q)
		return;
	memcpy(q, "null", 4);
	done(j, q + 4);
}

/* "YYYY-MM-DDTHH:MM:SS." (20 characters, no NUL) for seconds since the epoch. */
static void
fmt_sec(uint64_t secs, char out[20])
{
	/* Without gmtime/strftime: this runs for every record. Days to civil date after Howard
	 * Hinnant's public-domain algorithm (proleptic Gregorian, valid for every uint64
	 * microsecond count we can meet: years 1970-9999). */
	uint64_t days = secs / 86400u, sod = secs % 86400u;
	uint64_t z = days + 719468u, era = z / 146097u;
	unsigned doe = (unsigned)(z - era * 146097u);
	unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	unsigned mp = (5u * doy + 2u) / 153u;
	unsigned d = doy - (153u * mp + 2u) / 5u + 1u;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400u + (m <= 2);
	unsigned hh = (unsigned)(sod / 3600u), mm = (unsigned)(sod / 60u % 60u);
	unsigned ss = (unsigned)(sod % 60u);

	if (y > 9999)
		y = 9999;
	memcpy(out, dig2 + 2 * (y / 100), 2);
	memcpy(out + 2, dig2 + 2 * (y % 100), 2);
	out[4] = '-';
	memcpy(out + 5, dig2 + 2 * m, 2);
	out[7] = '-';
	memcpy(out + 8, dig2 + 2 * d, 2);
	out[10] = 'T';
	memcpy(out + 11, dig2 + 2 * hh, 2);
	out[13] = ':';
	memcpy(out + 14, dig2 + 2 * mm, 2);
	out[16] = ':';
	memcpy(out + 17, dig2 + 2 * ss, 2);
	out[19] = '.';
}

/* "uuuuuuZ" (7 characters, no NUL) for the microseconds of a second. */
static inline void
fmt_usec(unsigned us, char out[7])
{
	memcpy(out, dig2 + 2 * (us / 10000u), 2);
	memcpy(out + 2, dig2 + 2 * (us / 100u % 100u), 2);
	memcpy(out + 4, dig2 + 2 * (us % 100u), 2);
	out[6] = 'Z';
}

void
ots_time_rfc3339(uint64_t ts_us, char out[28])
{
	fmt_sec(ts_us / 1000000u, out);
	fmt_usec((unsigned)(ts_us % 1000000u), out + 20);
	out[27] = '\0';
}

void
ots_json_time_k(struct ots_json *j, const char *key, size_t klen, uint64_t ts_us)
{
	uint64_t tag = ts_us / 1000000u + 1;
	char *q = key_(j, key, klen, 29);
	unsigned s;

	if (!q)
		return;
	if (j->tsec[0] == tag) {
		s = 0;
	} else if (j->tsec[1] == tag) {
		s = 1;
	} else {
		s = j->tnext & 1;
		j->tnext = s ^ 1;
		fmt_sec(tag - 1, j->tstr[s]);
		j->tsec[s] = tag;
	}
	q[0] = '"';
	memcpy(q + 1, j->tstr[s], 20);
	fmt_usec((unsigned)(ts_us % 1000000u), q + 21);
	q[28] = '"';
	done(j, q + 29);
}

void
ots_json_newline(struct ots_json *j)
{
	putc_(j, '\n');
	j->need_comma[0] = 0;
}

int
ots_json_flush_to(struct ots_json *j, FILE *f)
{
	if (j->err)
		return j->err;
	if (j->len && fwrite(j->buf, 1, j->len, f) != j->len)
		return OTS_EIO;
	j->len = 0;
	if (j->buf)
		j->buf[0] = '\0';
	return OTS_OK;
}
