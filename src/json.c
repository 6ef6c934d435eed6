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

/* Decimal digits of v into the end of b (at least 20 bytes); returns the first digit. */
static char *
fmt_u64(uint64_t v, char *end)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
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

static void
put_escaped(struct ots_json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start, l;
	char esc[6];

	/* Fast path: nothing to escape (nearly every value we write): one write, quotes
	 * included. */
	while (i < n && !special[s[i]])
		i++;
	if (i == n) {
		char *q = room(j, n + 2);

		if (!q)
			return;
		*q++ = '"';
		memcpy(q, s, n);
		q[n] = '"';
		done(j, q + n + 1);
		return;
	}
	i = 0;
	putc_(j, '"');
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

/* Comma, indentation and "key": in one write; keys are our own constants (no escaping:
 * lowercase ASCII, digits, '_', '@', '.'; the schema tests check every key we write). */
static void
key_(struct ots_json *j, const char *key)
{
	size_t kl = key ? strlen(key) : 0;
	char *q = room(j, kl + 5 + (j->pretty ? 2 * (size_t)j->depth + 2 : 0));
	int i;

	if (!q)
		return;
	if (j->need_comma[j->depth])
		*q++ = ',';
	j->need_comma[j->depth] = 1;
	if (j->pretty && j->depth > 0) {
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
		if (j->pretty)
			*q++ = ' ';
	}
	done(j, q);
}

static void
open_(struct ots_json *j, const char *key, char c)
{
	key_(j, key);
	putc_(j, c);
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
	if (j->pretty && had)
		indent(j);
	putc_(j, c);
}

void
ots_json_obj_open(struct ots_json *j, const char *key)
{
	open_(j, key, '{');
}

void
ots_json_obj_close(struct ots_json *j)
{
	close_(j, '}');
}

void
ots_json_arr_open(struct ots_json *j, const char *key)
{
	open_(j, key, '[');
}

void
ots_json_arr_close(struct ots_json *j)
{
	close_(j, ']');
}

void
ots_json_strn(struct ots_json *j, const char *key, const char *s, size_t n)
{
	key_(j, key);
	put_escaped(j, s, n);
}

void
ots_json_str(struct ots_json *j, const char *key, const char *s)
{
	if (!s) {
		ots_json_null(j, key);
		return;
	}
	ots_json_strn(j, key, s, strlen(s));
}

void
ots_json_u64(struct ots_json *j, const char *key, uint64_t v)
{
	char b[24], *p = fmt_u64(v, b + sizeof(b));

	key_(j, key);
	put(j, p, (size_t)(b + sizeof(b) - p));
}

void
ots_json_i64(struct ots_json *j, const char *key, int64_t v)
{
	char b[24], *p;

	if (v >= 0) {
		ots_json_u64(j, key, (uint64_t)v);
		return;
	}
	p = fmt_u64((uint64_t)0 - (uint64_t)v, b + sizeof(b));
	*--p = '-';
	key_(j, key);
	put(j, p, (size_t)(b + sizeof(b) - p));
}

void
ots_json_dbl(struct ots_json *j, const char *key, double v, int decimals)
{
	static const uint64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	                                  100000000, 1000000000 };
	char b[48], *p, *end = b + sizeof(b);
	uint64_t scaled, ip, fp;
	int neg = v < 0, i;

	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	if (!isfinite(v) || fabs(v) >= 1e18 / (double)pow10[decimals]) {
		ots_json_null(j, key);
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
	key_(j, key);
	put(j, p, (size_t)(end - p));
}

void
ots_json_bool(struct ots_json *j, const char *key, int v)
{
	key_(j, key);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void
ots_json_null(struct ots_json *j, const char *key)
{
	key_(j, key);
	put(j, "null", 4);
}

static void
digits(char *p, unsigned v, int n)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
ots_time_rfc3339(uint64_t ts_us, char out[28])
{
	/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" without gmtime/strftime: this runs for every record.
	 * Days to civil date after Howard Hinnant's public-domain algorithm (proleptic
	 * Gregorian, valid for every uint64 microsecond count we can meet: years 1970-9999). */
	uint64_t secs = ts_us / 1000000u;
	uint64_t days = secs / 86400u, sod = secs % 86400u;
	uint64_t z = days + 719468u, era = z / 146097u;
	unsigned doe = (unsigned)(z - era * 146097u);
	unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
	unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
	unsigned mp = (5u * doy + 2u) / 153u;
	unsigned d = doy - (153u * mp + 2u) / 5u + 1u;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400u + (m <= 2);

	memcpy(out, "0000-00-00T00:00:00.000000Z", 28);
	if (y > 9999)
		y = 9999;
	digits(out, (unsigned)y, 4);
	digits(out + 5, m, 2);
	digits(out + 8, d, 2);
	digits(out + 11, (unsigned)(sod / 3600u), 2);
	digits(out + 14, (unsigned)(sod / 60u % 60u), 2);
	digits(out + 17, (unsigned)(sod % 60u), 2);
	digits(out + 20, (unsigned)(ts_us % 1000000u), 6);
}

void
ots_json_time(struct ots_json *j, const char *key, uint64_t ts_us)
{
	char b[30];

	b[0] = '"';
	ots_time_rfc3339(ts_us, b + 1);
	b[28] = '"';
	key_(j, key);
	put(j, b, 29);
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
