/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json-read.c: strict JSON reader (RFC 8259, I-JSON RFC 7493 for duplicate names) into an
 * arena-backed tree (see json-read.h).
 *
 * One pass, recursive descent bounded by OTS_JSON_READ_MAX_DEPTH. Children of an open array
 * or object wait on one scratch stack; when the container closes they are copied once into a
 * contiguous arena run (so ots_jv_at() is O(1)) and popped: every node is copied once, the
 * parse stays O(n). Strings take two passes over their bytes: find the closing quote (and
 * whether anything needs decoding), then copy or decode-and-validate into the arena. Line and
 * column are computed only when an error is reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ots/compiler.h"
#include "ots/error.h"
#include "ots/json-read.h"
#include "ots/json.h"

_Static_assert(sizeof(void *) != 8 || sizeof(struct ots_jv) == 32, "ots_jv is 32 bytes on LP64");

#define BLOCK_MIN    ((size_t)16 << 10) /* first arena block for a small text */
#define BLOCK_MAX    ((size_t)16 << 20) /* blocks double up to this size */
#define KEY_MAX      ((1u << 28) - 1)   /* key_len is a 28-bit field */
#define KIDS_MAX     ((size_t)UINT32_MAX - 1)
#define SMALL_OBJECT 16 /* duplicate names: pairwise up to this many members, then a hash */

struct ots_jblock {
	struct ots_jblock *next;
	size_t cap, used;
	max_align_t data[];
};

/* Parser state for one ots_json_parse() call. */
struct jp {
	const unsigned char *s, *p, *end; /* input, cursor */
	struct ots_jdoc *d;
	struct ots_jblock *cur; /* block being filled (big runs get their own block) */
	size_t next_cap;
	struct ots_jv *stk; /* children of the open containers */
	size_t *stk_pos;    /* offset of each child's member name (duplicate reports) */
	size_t stk_len, stk_cap;
	uint32_t *ht; /* duplicate-name hash table, reused */
	size_t ht_cap;
	int depth;
	int rc;
	size_t err_off;
	char msg[160];
};

/* ---- arena ---- */

static struct ots_jblock *
block_new(struct jp *j, size_t cap)
{
	struct ots_jblock *b;

	if (cap > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + cap);
	if (b == NULL)
		return NULL;
	b->cap = cap;
	b->used = 0;
	b->next = j->d->blocks;
	j->d->blocks = b;
	j->d->bytes += sizeof(*b) + cap;
	return b;
}

/* Slow path of arena_alloc: a new block. */
static void *
arena_refill(struct jp *j, size_t n)
{
	struct ots_jblock *b;

	if (n >= j->next_cap / 4) {
		/* A big run (long string, large array) gets a block of its own; the current
		 * block keeps filling. */
		b = block_new(j, n);
		if (b == NULL)
			return NULL;
		b->used = n;
		return b->data;
	}
	b = block_new(j, j->next_cap);
	if (b == NULL)
		return NULL;
	j->cur = b;
	if (j->next_cap < BLOCK_MAX)
		j->next_cap *= 2;
	b->used = n;
	return b->data;
}

/* n bytes aligned to align (a power of two <= alignof(max_align_t)), or NULL. */
static inline void *
arena_alloc(struct jp *j, size_t n, size_t align)
{
	struct ots_jblock *b = j->cur;
	size_t off;

	if (ots_likely(b != NULL)) {
		off = (b->used + align - 1) & ~(align - 1);
		if (ots_likely(off <= b->cap && b->cap - off >= n)) {
			b->used = off + n;
			return (unsigned char *)b->data + off;
		}
	}
	return arena_refill(j, n);
}

/* Give back the tail of the last allocation p (had bytes, keeps keep). */
static void
arena_trim(struct jp *j, const void *p, size_t had, size_t keep)
{
	struct ots_jblock *b = j->cur;

	if (b != NULL && (const unsigned char *)p + had == (unsigned char *)b->data + b->used)
		b->used -= had - keep;
}

void
ots_jdoc_free(struct ots_jdoc *d)
{
	struct ots_jblock *b, *next;

	if (d == NULL)
		return;
	for (b = d->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	memset(d, 0, sizeof(*d));
}

/* ---- errors ---- */

static int OTS_PRINTF(3, 4)
fail(struct jp *j, const unsigned char *at, const char *fmt, ...)
{
	va_list ap;

	if (j->rc == OTS_OK) {
		j->rc = OTS_EINVAL;
		j->err_off = (size_t)(at - j->s);
		va_start(ap, fmt);
		vsnprintf(j->msg, sizeof(j->msg), fmt, ap);
		va_end(ap);
	}
	return OTS_EINVAL;
}

static int
oom(struct jp *j)
{
	if (j->rc == OTS_OK) {
		j->rc = OTS_ENOMEM;
		j->err_off = (size_t)(j->p - j->s);
		snprintf(j->msg, sizeof(j->msg), "out of memory (document arena at %zu MiB)",
		         j->d->bytes >> 20);
	}
	return OTS_ENOMEM;
}

/* "expected X" at p, naming the end of the input when p is there. */
static int
fail_expected(struct jp *j, const unsigned char *p, const char *what)
{
	if (p == j->end)
		return fail(j, p, "expected %s, found the end of the input", what);
	if (*p >= 0x21 && *p <= 0x7e)
		return fail(j, p, "expected %s, found '%c'", what, *p);
	return fail(j, p, "expected %s, found byte 0x%02x", what, *p);
}

/* Line and column (from 1; the column counts UTF-8 code points) of byte off. */
static void
where(const unsigned char *s, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, c = 1, i;

	for (i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			c = 1;
		} else if ((s[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* ---- scratch stack ---- */

static int
stk_grow(struct jp *j)
{
	size_t cap = j->stk_cap ? j->stk_cap * 2 : 256;
	struct ots_jv *nv;
	size_t *np;

	if (cap > SIZE_MAX / sizeof(*nv))
		return oom(j);
	nv = realloc(j->stk, cap * sizeof(*nv));
	if (nv == NULL)
		return oom(j);
	j->stk = nv;
	np = realloc(j->stk_pos, cap * sizeof(*np));
	if (np == NULL)
		return oom(j);
	j->stk_pos = np;
	j->stk_cap = cap;
	return OTS_OK;
}

static inline int
stk_push(struct jp *j, const struct ots_jv *v, size_t pos)
{
	if (ots_unlikely(j->stk_len == j->stk_cap) && stk_grow(j) != OTS_OK)
		return j->rc;
	j->stk[j->stk_len] = *v;
	j->stk_pos[j->stk_len] = pos;
	j->stk_len++;
	return OTS_OK;
}

/* Pop the children above base into an arena run and close v as a container of type t. */
static int
stk_close(struct jp *j, size_t base, struct ots_jv *v, unsigned type)
{
	size_t k = j->stk_len - base;
	struct ots_jv *kids = NULL;

	if (k) {
		kids = arena_alloc(j, k * sizeof(*kids), _Alignof(struct ots_jv));
		if (kids == NULL)
			return oom(j);
		memcpy(kids, j->stk + base, k * sizeof(*kids));
	}
	v->type = type & 15;
	v->n = (uint32_t)k;
	v->u.kids = kids;
	j->stk_len = base;
	return OTS_OK;
}

/* ---- strings ---- */

/* Byte classes inside a string: 0 copied as is, else needs a look. */
enum { SC_PLAIN = 0, SC_QUOTE, SC_ESC, SC_CTRL, SC_HIGH };
static const uint8_t str_class[256] = {
	[0x00 ... 0x1f] = SC_CTRL, ['"'] = SC_QUOTE, ['\\'] = SC_ESC, [0x80 ... 0xff] = SC_HIGH
};

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits at s (before lim), or -1. */
static long
hex4(const unsigned char *s, const unsigned char *lim)
{
	long v = 0;
	int i, h;

	if (lim - s < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		h = hexval(s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static unsigned char *
put_utf8(unsigned char *q, uint32_t cp)
{
	if (cp < 0x80) {
		*q++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*q++ = (unsigned char)(0xc0 | (cp >> 6));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*q++ = (unsigned char)(0xe0 | (cp >> 12));
		*q++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*q++ = (unsigned char)(0xf0 | (cp >> 18));
		*q++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		*q++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*q++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	return q;
}

/* Decode the string body [s, lim) (lim is the closing quote) into q; returns the end of the
 * output or NULL after reporting an error. Pass 1 guaranteed: no raw control byte, and a
 * backslash is never the last byte before lim. */
static unsigned char *
decode_string(struct jp *j, const unsigned char *s, const unsigned char *lim, unsigned char *q)
{
	static const unsigned char simple[256] = {
		['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
		['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'
	};
	long cp, lo;
	size_t l;

	while (s < lim) {
		unsigned char c = *s;

		if (c < 0x80 && c != '\\') {
			*q++ = c;
			s++;
			continue;
		}
		if (c >= 0x80) {
			l = ots_utf8_len(s, (size_t)(lim - s));
			if (l == 0) {
				fail(j, s, "invalid UTF-8 (byte 0x%02x) in string", c);
				return NULL;
			}
			memcpy(q, s, l);
			q += l;
			s += l;
			continue;
		}
		c = s[1];
		if (c != 'u') {
			if (simple[c] == 0) {
				if (c >= 0x21 && c <= 0x7e)
					fail(j, s, "invalid escape '\\%c' in string", c);
				else
					fail(j, s, "invalid escape (backslash then byte 0x%02x) in string", c);
				return NULL;
			}
			*q++ = simple[c];
			s += 2;
			continue;
		}
		cp = hex4(s + 2, lim);
		if (cp < 0) {
			fail(j, s, "invalid \\u escape (expected 4 hex digits)");
			return NULL;
		}
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			fail(j, s, "lone surrogate \\u%04lX (low surrogate without a high one)", cp);
			return NULL;
		}
		if (cp >= 0xd800 && cp <= 0xdbff) {
			lo = (lim - s >= 12 && s[6] == '\\' && s[7] == 'u') ? hex4(s + 8, lim) : -1;
			if (lo < 0xdc00 || lo > 0xdfff) {
				fail(j, s, "lone surrogate \\u%04lX (high surrogate without a low one)", cp);
				return NULL;
			}
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			s += 6;
		}
		q = put_utf8(q, (uint32_t)cp);
		s += 6;
	}
	return q;
}

/* String at j->p (the opening quote) into the arena, NUL-terminated: *out, *outlen. */
static int
parse_string(struct jp *j, const char **out, size_t *outlen)
{
	const unsigned char *open = j->p, *start = open + 1, *p = start, *end = j->end;
	unsigned char *dst, *q;
	size_t span;
	int slow = 0;

	/* Pass 1: find the closing quote. */
	for (;;) {
		while (p < end && str_class[*p] == SC_PLAIN)
			p++;
		if (p == end)
			return fail(j, open, "unterminated string");
		switch (str_class[*p]) {
		case SC_QUOTE:
			goto found;
		case SC_CTRL:
			return fail(j, p, "control character 0x%02x in string (must be escaped)", *p);
		case SC_ESC:
			slow = 1;
			if (end - p < 2)
				return fail(j, open, "unterminated string");
			p += 2;
			break;
		default:
			slow = 1;
			p++;
		}
	}
found:
	span = (size_t)(p - start);
	if (span > UINT32_MAX)
		return fail(j, open, "string longer than 4294967295 bytes");
	dst = arena_alloc(j, span + 1, 1);
	if (dst == NULL)
		return oom(j);
	if (!slow) {
		memcpy(dst, start, span);
		q = dst + span;
	} else {
		q = decode_string(j, start, p, dst);
		if (q == NULL)
			return j->rc;
		arena_trim(j, dst, span + 1, (size_t)(q - dst) + 1);
	}
	*q = '\0';
	*out = (const char *)dst;
	*outlen = (size_t)(q - dst);
	j->p = p + 1;
	return OTS_OK;
}

/* ---- numbers ---- */

/* strtod on a literal already checked against the JSON grammar, in any LC_NUMERIC. */
static double
slow_strtod(const char *txt, size_t len)
{
	const char *dp = localeconv()->decimal_point;
	char b[OTS_JSON_READ_MAX_NUMBER * 8 + 8], *q = b;
	size_t i, dl;

	if (dp == NULL || (dp[0] == '.' && dp[1] == '\0'))
		return strtod(txt, NULL);
	dl = strlen(dp);
	if (dl > 7)
		return strtod(txt, NULL);
	for (i = 0; i < len; i++) {
		if (txt[i] == '.') {
			memcpy(q, dp, dl);
			q += dl;
		} else {
			*q++ = txt[i];
		}
	}
	*q = '\0';
	return strtod(b, NULL);
}

static int
isdig(const unsigned char *p, const unsigned char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static int
parse_number(struct jp *j, struct ots_jv *v)
{
	static const double p10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                              1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                              1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const unsigned char *s = j->p, *p = s, *end = j->end;
	uint64_t mant = 0;
	int ndig = 0, dropped = 0, neg = 0, eneg = 0;
	long exp10 = 0, e = 0;
	size_t len;
	char *txt;
	double x;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdig(p, end))
		return fail_expected(j, p, "a digit after '-'");
	if (*p == '0') {
		p++;
		if (isdig(p, end))
			return fail(j, p - 1, "leading zeros are not allowed in numbers");
	} else {
		for (; isdig(p, end); p++) {
			if (ndig < 19) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				ndig++;
			} else {
				dropped = 1;
				exp10++;
			}
		}
	}
	if (p < end && *p == '.') {
		p++;
		if (!isdig(p, end))
			return fail_expected(j, p, "a digit after the decimal point");
		for (; isdig(p, end); p++) {
			if (mant == 0 && *p == '0') {
				exp10--;
			} else if (ndig < 19) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				ndig++;
				exp10--;
			} else {
				dropped = 1;
			}
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (!isdig(p, end))
			return fail_expected(j, p, "a digit in the exponent");
		for (; isdig(p, end); p++)
			if (e < 1000000)
				e = e * 10 + (*p - '0');
		exp10 += eneg ? -e : e;
	}
	len = (size_t)(p - s);
	if (len > OTS_JSON_READ_MAX_NUMBER)
		return fail(j, s, "number longer than %d characters", OTS_JSON_READ_MAX_NUMBER);
	txt = arena_alloc(j, len + 1, 1);
	if (txt == NULL)
		return oom(j);
	memcpy(txt, s, len);
	txt[len] = '\0';

	/* Exact cases first (Clinger): an exact mantissa times an exact power of ten rounds
	 * once, so the result is the nearest double; anything else goes to strtod. */
	if (mant == 0) {
		x = neg ? -0.0 : 0.0;
	} else if (!dropped && (exp10 == 0 || (mant <= ((uint64_t)1 << 53) && exp10 >= -22 &&
	                                       exp10 <= 22))) {
		x = (double)mant; /* up to 19 digits: one rounding when exp10 == 0 */
		if (exp10 < 0)
			x /= p10[-exp10];
		else if (exp10 > 0)
			x *= p10[exp10];
		if (neg)
			x = -x;
	} else {
		x = slow_strtod(txt, len); /* sign included */
	}
	if (isinf(x))
		return fail(j, s, "number out of the range of a double");
	v->type = OTS_JV_NUMBER;
	v->u.num = x;
	v->raw = txt;
	v->n = (uint32_t)len;
	j->p = p;
	return OTS_OK;
}

/* ---- values ---- */

static inline const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static int parse_value(struct jp *j, struct ots_jv *v);

static int
parse_array(struct jp *j, struct ots_jv *v)
{
	size_t base = j->stk_len;
	struct ots_jv kid;
	int rc;

	if (++j->depth > OTS_JSON_READ_MAX_DEPTH)
		return fail(j, j->p, "nesting deeper than %d levels", OTS_JSON_READ_MAX_DEPTH);
	j->p = skip_ws(j->p + 1, j->end);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
	} else {
		for (;;) {
			memset(&kid, 0, sizeof(kid));
			rc = parse_value(j, &kid);
			if (rc)
				return rc;
			if (j->stk_len - base >= KIDS_MAX)
				return fail(j, j->p, "array with more than %zu elements", KIDS_MAX);
			rc = stk_push(j, &kid, 0);
			if (rc)
				return rc;
			j->p = skip_ws(j->p, j->end);
			if (j->p < j->end && *j->p == ',') {
				j->p = skip_ws(j->p + 1, j->end);
				if (j->p < j->end && *j->p == ']')
					return fail(j, j->p, "trailing comma before ']'");
				continue;
			}
			if (j->p < j->end && *j->p == ']') {
				j->p++;
				break;
			}
			return fail_expected(j, j->p, "',' or ']'");
		}
	}
	j->depth--;
	return stk_close(j, base, v, OTS_JV_ARRAY);
}

static int
same_key(const struct ots_jv *a, const struct ots_jv *b)
{
	return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static int
fail_dup(struct jp *j, size_t i)
{
	const struct ots_jv *m = &j->stk[i];
	char name[48];
	size_t k, n = m->key_len < sizeof(name) - 4 ? m->key_len : sizeof(name) - 4;

	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)m->key[k];

		name[k] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	if (n < m->key_len)
		memcpy(name + n, "...", 4);
	else
		name[n] = '\0';
	return fail(j, j->s + j->stk_pos[i], "duplicate member name \"%s\"", name);
}

/* Reject a member name seen twice among stk[base..]: pairwise for small objects, else a
 * hash table (FNV-1a; expected O(k)). The second occurrence is reported. */
static int
check_dups(struct jp *j, size_t base)
{
	size_t k = j->stk_len - base, i, h, mask, cap;
	const struct ots_jv *m;

	if (k < 2)
		return OTS_OK; /* (and stk may still be NULL) */
	m = j->stk + base;
	if (k <= SMALL_OBJECT) {
		for (i = 1; i < k; i++)
			for (h = 0; h < i; h++)
				if (same_key(&m[i], &m[h]))
					return fail_dup(j, base + i);
		return OTS_OK;
	}
	for (cap = 64; cap < 2 * k; cap *= 2)
		;
	if (cap > j->ht_cap) {
		uint32_t *nt = realloc(j->ht, cap * sizeof(*nt));

		if (nt == NULL)
			return oom(j);
		j->ht = nt;
		j->ht_cap = cap;
	}
	memset(j->ht, 0, cap * sizeof(*j->ht));
	mask = cap - 1;
	for (i = 0; i < k; i++) {
		uint32_t fnv = 2166136261u;
		size_t b;

		for (b = 0; b < m[i].key_len; b++)
			fnv = (fnv ^ (unsigned char)m[i].key[b]) * 16777619u;
		for (h = fnv & mask; j->ht[h]; h = (h + 1) & mask)
			if (same_key(&m[i], &m[j->ht[h] - 1]))
				return fail_dup(j, base + i);
		j->ht[h] = (uint32_t)(i + 1);
	}
	return OTS_OK;
}

static int
parse_object(struct jp *j, struct ots_jv *v)
{
	size_t base = j->stk_len, klen, kpos;
	const char *key;
	struct ots_jv kid;
	int rc;

	if (++j->depth > OTS_JSON_READ_MAX_DEPTH)
		return fail(j, j->p, "nesting deeper than %d levels", OTS_JSON_READ_MAX_DEPTH);
	j->p = skip_ws(j->p + 1, j->end);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
	} else {
		for (;;) {
			if (j->p == j->end || *j->p != '"')
				return fail_expected(j, j->p, "a member name (string)");
			kpos = (size_t)(j->p - j->s);
			rc = parse_string(j, &key, &klen);
			if (rc)
				return rc;
			if (klen > KEY_MAX)
				return fail(j, j->s + kpos, "member name longer than %u bytes", KEY_MAX);
			j->p = skip_ws(j->p, j->end);
			if (j->p == j->end || *j->p != ':')
				return fail_expected(j, j->p, "':' after the member name");
			j->p = skip_ws(j->p + 1, j->end);
			memset(&kid, 0, sizeof(kid));
			rc = parse_value(j, &kid);
			if (rc)
				return rc;
			kid.key = key;
			kid.key_len = (uint32_t)klen & KEY_MAX;
			if (j->stk_len - base >= KIDS_MAX)
				return fail(j, j->p, "object with more than %zu members", KIDS_MAX);
			rc = stk_push(j, &kid, kpos);
			if (rc)
				return rc;
			j->p = skip_ws(j->p, j->end);
			if (j->p < j->end && *j->p == ',') {
				j->p = skip_ws(j->p + 1, j->end);
				if (j->p < j->end && *j->p == '}')
					return fail(j, j->p, "trailing comma before '}'");
				continue;
			}
			if (j->p < j->end && *j->p == '}') {
				j->p++;
				break;
			}
			return fail_expected(j, j->p, "',' or '}'");
		}
	}
	rc = check_dups(j, base);
	if (rc)
		return rc;
	j->depth--;
	return stk_close(j, base, v, OTS_JV_OBJECT);
}

static int
literal(struct jp *j, const char *word, size_t n, unsigned type, struct ots_jv *v)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return fail(j, j->p, "invalid literal (expected %s)", word);
	j->p += n;
	v->type = type & 15;
	return OTS_OK;
}

/* Value at j->p (no leading whitespace) into v (key fields untouched). */
static int
parse_value(struct jp *j, struct ots_jv *v)
{
	size_t n;
	int rc;

	if (j->p == j->end)
		return fail_expected(j, j->p, "a value");
	switch (*j->p) {
	case '{':
		return parse_object(j, v);
	case '[':
		return parse_array(j, v);
	case '"':
		rc = parse_string(j, &v->u.str, &n);
		if (rc)
			return rc;
		v->type = OTS_JV_STRING;
		v->n = (uint32_t)n;
		return OTS_OK;
	case 't':
		return literal(j, "true", 4, OTS_JV_TRUE, v);
	case 'f':
		return literal(j, "false", 5, OTS_JV_FALSE, v);
	case 'n':
		return literal(j, "null", 4, OTS_JV_NULL, v);
	case '-':
	case '0' ... '9':
		return parse_number(j, v);
	default:
		return fail_expected(j, j->p, "a value");
	}
}

static void
set_err(char *err, size_t errlen, const char *fmt, ...) OTS_PRINTF(3, 4);

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
ots_json_parse(struct ots_jdoc *d, const char *buf, size_t len, char *err, size_t errlen)
{
	struct jp j;
	struct ots_jv root;
	size_t line, col;

	memset(d, 0, sizeof(*d));
	memset(&j, 0, sizeof(j));
	memset(&root, 0, sizeof(root));
	if (buf == NULL)
		buf = "", len = 0;
	j.s = j.p = (const unsigned char *)buf;
	j.end = j.s + len;
	j.d = d;
	j.next_cap = len < BLOCK_MIN ? BLOCK_MIN : len > BLOCK_MAX ? BLOCK_MAX : len;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		fail(&j, j.p, "byte order mark at the start (not allowed in JSON)");
	} else {
		j.p = skip_ws(j.p, j.end);
		if (j.p == j.end) {
			fail(&j, j.p, "empty input (no JSON value)");
		} else if (parse_value(&j, &root) == OTS_OK) {
			j.p = skip_ws(j.p, j.end);
			if (j.p != j.end)
				fail(&j, j.p, "unexpected data after the JSON value");
		}
	}
	if (j.rc == OTS_OK) {
		d->root = arena_alloc(&j, sizeof(root), _Alignof(struct ots_jv));
		if (d->root == NULL)
			oom(&j);
		else
			*d->root = root;
	}
	free(j.stk);
	free(j.stk_pos);
	free(j.ht);
	if (j.rc != OTS_OK) {
		if (j.rc == OTS_ENOMEM) {
			set_err(err, errlen, "%s", j.msg);
		} else {
			where(j.s, j.err_off, &line, &col);
			set_err(err, errlen, "line %zu, column %zu: %s", line, col, j.msg);
		}
		ots_jdoc_free(d);
		return j.rc;
	}
	return OTS_OK;
}

int
ots_json_parse_file(struct ots_jdoc *d, const char *path, char *err, size_t errlen)
{
	char sub[256];
	struct stat st;
	char *buf = NULL, *nb;
	size_t got = 0, cap;
	ssize_t n;
	int fd, rc;

	memset(d, 0, sizeof(*d));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	if (fstat(fd, &st) != 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return OTS_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		close(fd);
		return OTS_EIO;
	}
	/* Room for the whole file and one more byte, so the read that sees EOF needs no grow. */
	if ((uintmax_t)st.st_size >= SIZE_MAX / 2) {
		set_err(err, errlen, "%s: file too large", path);
		close(fd);
		return OTS_ENOMEM;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL)
		goto nomem;
	for (;;) {
		if (got == cap) {
			if (cap > SIZE_MAX / 4)
				goto nomem;
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				goto nomem;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + got, cap - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			set_err(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return OTS_EIO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	rc = ots_json_parse(d, buf, got, sub, sizeof(sub));
	free(buf);
	if (rc != OTS_OK)
		set_err(err, errlen, "%s: %s", path, sub);
	return rc;
nomem:
	set_err(err, errlen, "%s: out of memory reading %zu bytes", path, (size_t)st.st_size);
	free(buf);
	close(fd);
	return OTS_ENOMEM;
}

/* ---- accessors ---- */

const struct ots_jv *
ots_jv_get(const struct ots_jv *obj, const char *key)
{
	size_t i, kl;

	if (obj == NULL || obj->type != OTS_JV_OBJECT || key == NULL)
		return NULL;
	kl = strlen(key);
	for (i = 0; i < obj->n; i++) {
		const struct ots_jv *m = &obj->u.kids[i];

		if (m->key_len == kl && memcmp(m->key, key, kl) == 0)
			return m;
	}
	return NULL;
}

const struct ots_jv *
ots_jv_at(const struct ots_jv *v, size_t i)
{
	if (v == NULL || (v->type != OTS_JV_ARRAY && v->type != OTS_JV_OBJECT) || i >= v->n)
		return NULL;
	return &v->u.kids[i];
}

size_t
ots_jv_len(const struct ots_jv *v)
{
	if (v == NULL || (v->type != OTS_JV_ARRAY && v->type != OTS_JV_OBJECT))
		return 0;
	return v->n;
}

/* Magnitude of an integer literal's digits (after any '-'), or -1 if not an integer literal
 * or above UINT64_MAX. */
static int
int_digits(const char *t, uint64_t *out)
{
	uint64_t x = 0;
	unsigned d;

	if (*t == '\0')
		return -1;
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			return -1; /* '.', 'e', 'E': not an integer literal */
		d = (unsigned)(*t - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

int
ots_jv_u64(const struct ots_jv *v, uint64_t *out)
{
	uint64_t x;
	int neg;

	if (v == NULL || v->type != OTS_JV_NUMBER)
		return OTS_EINVAL;
	neg = v->raw[0] == '-';
	if (int_digits(v->raw + neg, &x) != 0 || (neg && x != 0))
		return OTS_EINVAL;
	*out = x;
	return OTS_OK;
}

int
ots_jv_i64(const struct ots_jv *v, int64_t *out)
{
	uint64_t x;
	int neg;

	if (v == NULL || v->type != OTS_JV_NUMBER)
		return OTS_EINVAL;
	neg = v->raw[0] == '-';
	if (int_digits(v->raw + neg, &x) != 0)
		return OTS_EINVAL;
	if (neg) {
		if (x > (uint64_t)INT64_MAX + 1)
			return OTS_EINVAL;
		*out = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
	} else {
		if (x > (uint64_t)INT64_MAX)
			return OTS_EINVAL;
		*out = (int64_t)x;
	}
	return OTS_OK;
}

int
ots_jv_num(const struct ots_jv *v, double *out)
{
	if (v == NULL || v->type != OTS_JV_NUMBER)
		return OTS_EINVAL;
	*out = v->u.num;
	return OTS_OK;
}

int
ots_jv_bool(const struct ots_jv *v, int *out)
{
	if (v == NULL || (v->type != OTS_JV_TRUE && v->type != OTS_JV_FALSE))
		return OTS_EINVAL;
	*out = v->type == OTS_JV_TRUE;
	return OTS_OK;
}

const char *
ots_jv_str(const struct ots_jv *v)
{
	return v != NULL && v->type == OTS_JV_STRING ? v->u.str : NULL;
}

const char *
ots_jv_strn(const struct ots_jv *v, size_t *len)
{
	if (v == NULL || v->type != OTS_JV_STRING)
		return NULL;
	*len = v->n;
	return v->u.str;
}
