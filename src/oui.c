/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oui.c: NIC vendor lookup from the IEEE MA-L, MA-M, MA-S and IAB registries (oui.h).
 * Formats: the CSV files of Debian's ieee-data (RFC 4180 quoting) and the legacy oui.txt.
 * Loading takes the common record shape through a fast path (ots_oui_scan_csv: SSE2 scans
 * where available), the rest through the full parser; prefixes are radix-sorted.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(__SSE2__) && defined(__GNUC__) && !defined(OTS_OUI_PORTABLE)
#include <emmintrin.h>
#define OUI_SSE2 1
#endif

#if defined(__GNUC__)
#define OUI_INLINE inline __attribute__((always_inline))
#else
#define OUI_INLINE inline
#endif

#include "ots/error.h"
#include "ots/oui.h"

#define NAME_MASK ((UINT64_C(1) << OTS_OUI_NAME_BITS) - 1)
#define SMALL_FIELD 16 /* Registry and Assignment columns: "MA-L", "0050C27D5" */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Trim blanks around s[0..*len) in place; returns the new start. */
static const char *
trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* Copy a trimmed name into rec; OTS_EINVAL when empty, too long or holding control bytes. */
static int
set_name(struct ots_oui_rec *rec, const char *s, size_t n)
{
	size_t i;

	s = trim(s, &n);
	if (n == 0 || n >= sizeof(rec->name))
		return OTS_EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return OTS_EINVAL;
	memcpy(rec->name, s, n);
	rec->name[n] = '\0';
	rec->name_len = n;
	return OTS_OK;
}

/* Hex assignment of 6, 7 or 9 digits -> prefix and bits; OTS_EINVAL otherwise. */
static int
set_prefix(struct ots_oui_rec *rec, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	s = trim(s, &n);
	if (n != 6 && n != 7 && n != 9)
		return OTS_EINVAL;
	for (i = 0; i < n; i++) {
		int h = hex_val(s[i]);

		if (h < 0)
			return OTS_EINVAL;
		v = v << 4 | (uint64_t)h;
	}
	rec->prefix = v;
	rec->bits = (unsigned)n * 4;
	return OTS_OK;
}

/* One CSV field being collected: bytes past cap are counted, not stored. */
struct field {
	char *buf;
	size_t cap, len;
};

/* Append s[0..n) to f (NULL: a field that is not kept, the address). */
static inline void
field_put(struct field *f, const char *s, size_t n)
{
	if (f == NULL)
		return;
	if (f->len < f->cap)
		memcpy(f->buf + f->len, s, n < f->cap - f->len ? n : f->cap - f->len);
	f->len += n;
}

/* Bytes that end an unquoted field. */
static const uint8_t plain_stop[256] = { [','] = 1, ['\n'] = 1 };

/*
 * The parser goes a run at a time (the registries are 4 MB read at every start): a quoted
 * field up to its next quote, an unquoted one up to its comma or line end, the address (not
 * kept) by memchr. Same result as going a byte at a time; test-oui checks it against a
 * byte-at-a-time reference on generated input.
 */
int
ots_oui_parse_csv(const char *buf, size_t len, size_t *used, struct ots_oui_rec *rec)
{
	char reg[SMALL_FIELD], asg[SMALL_FIELD], name[OTS_OUI_NAME_MAX];
	struct field fl[3] = {
		{ reg, sizeof(reg), 0 }, { asg, sizeof(asg), 0 }, { name, sizeof(name), 0 }
	};
	/* a quoted field may not reach past this (the record limit) */
	size_t lim = len < (size_t)OTS_OUI_REC_MAX + 1 ? len : (size_t)OTS_OUI_REC_MAX + 1;
	size_t i = 0, nf = 0;
	const char *nl;
	int rc;

	*used = 0;
	if (len == 0)
		return OTS_ENOTSUP;

	for (;;) {
		struct field *f = nf < 3 ? &fl[nf] : NULL;

		if (i < len && buf[i] == '"') {
			i++;
			for (;;) {
				size_t start = i;

				if (f != NULL) {
					/* only the address may span lines */
					while (i < lim && buf[i] != '"' && buf[i] != '\n')
						i++;
					if (i >= lim || buf[i] == '\n')
						goto bad_line;
				} else {
					const char *q = i < lim ? memchr(buf + i, '"', lim - i) : NULL;

					if (q == NULL)
						goto bad_line; /* unterminated quote or record too long */
					i = (size_t)(q - buf);
				}
				field_put(f, buf + start, i - start);
				if (i + 1 < len && buf[i + 1] == '"') {
					field_put(f, "\"", 1);
					i += 2;
					continue;
				}
				i++;
				break;
			}
			while (i < len && is_blank(buf[i]))
				i++;
			if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
				i++;
			if (i < len && buf[i] != ',' && buf[i] != '\n')
				goto bad_line; /* text after the closing quote */
		} else {
			size_t start = i, n;

			if (f != NULL) {
				while (i < len && !plain_stop[(unsigned char)buf[i]])
					i++;
			} else {
				const char *e = memchr(buf + i, '\n', len - i);
				const char *c = memchr(buf + i, ',', (e ? (size_t)(e - buf) : len) - i);

				i = c ? (size_t)(c - buf) : e ? (size_t)(e - buf) : len;
			}
			/* a CR is dropped where it ends the line */
			n = i - start;
			if (n > 0 && buf[i - 1] == '\r' && (i == len || buf[i] == '\n'))
				n--;
			field_put(f, buf + start, n);
		}
		if (i > OTS_OUI_REC_MAX)
			goto bad_line;
		nf++;
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i < len && buf[i] == '\r')
			i++;
		if (i < len && buf[i] == '\n')
			i++;
		break;
	}
	*used = i;

	if (nf == 1 && fl[0].len == 0)
		return OTS_ENOTSUP; /* blank line */
	if (fl[0].len == 8 && memcmp(reg, "Registry", 8) == 0)
		return OTS_ENOTSUP; /* header */
	if (nf < 3 || nf > 4 || fl[1].len > fl[1].cap || fl[2].len > fl[2].cap)
		return OTS_EINVAL;
	if ((rc = set_prefix(rec, asg, fl[1].len)) != OTS_OK)
		return rc;
	return set_name(rec, name, fl[2].len);

bad_line:
	nl = memchr(buf, '\n', len);
	*used = nl ? (size_t)(nl - buf) + 1 : len;
	return OTS_EINVAL;
}

/* Hex digit value + 1 (0: not a hex digit) for the fast path. */
static const uint8_t hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/*
 * Bytes that end a name run in the fast path: STOP_PLAIN in an unquoted name (the comma, and
 * control bytes, which set_name refuses or which need the full parser: tab, CR, LF),
 * STOP_QUOTED in a quoted one (the quote and control bytes).
 */
#define STOP_PLAIN 1
#define STOP_QUOTED 2
#define STOP_CTRL (STOP_PLAIN | STOP_QUOTED)
static const uint8_t name_stop[256] = {
	STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL,
	STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL,
	STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL,
	STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL, STOP_CTRL,
	[','] = STOP_PLAIN, ['"'] = STOP_QUOTED, [0x7f] = STOP_CTRL,
};

#ifdef OUI_SSE2
/* Sixteen bytes at p (the caller checked they are in the buffer). */
static inline __m128i
load16(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* First byte of p[0..end) with name_stop[] & mask (stop: the quote or the comma), or end. */
static inline const char *
name_run(const char *p, const char *end, unsigned mask, char stop)
{
	const __m128i vs = _mm_set1_epi8(stop), vdel = _mm_set1_epi8(0x7f),
	              vctl = _mm_set1_epi8(0x1f);

	while (end - p >= 16) {
		__m128i x = load16(p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vs), _mm_cmpeq_epi8(x, vdel)),
		                           _mm_cmpeq_epi8(_mm_min_epu8(x, vctl), x));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	while (p < end && !(name_stop[(unsigned char)*p] & mask))
		p++;
	return p;
}

/* First byte of p[0..end) equal to a or b, or end. */
static inline const char *
find2(const char *p, const char *end, char a, char b)
{
	const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);

	while (end - p >= 16) {
		__m128i x = load16(p);
		unsigned m = (unsigned)_mm_movemask_epi8(
		        _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));

		if (m != 0)
			return p + __builtin_ctz(m);
		p += 16;
	}
	while (p < end && *p != a && *p != b)
		p++;
	return p;
}
#else
#define ONES UINT64_C(0x0101010101010101)

/*
 * Nonzero when one of the eight bytes of w is a control byte (below 0x20 or 0x7f) or equals
 * the byte in every lane of c8 (an ASCII byte): the usual "has a zero byte" test on w ^ c8,
 * w ^ 0x7f.. and "has a byte below 0x20" on w, which share their top bit with w.
 */
static inline uint64_t
has_stop(uint64_t w, uint64_t c8)
{
	return ((w - ONES * 0x20) | ((w ^ c8) - ONES) | ((w ^ (ONES * 0x7f)) - ONES)) & ~w &
	       (ONES * 0x80);
}

/* First byte of p[0..end) with name_stop[] & mask, or end; eight bytes a step to there. */
static inline const char *
name_run(const char *p, const char *end, unsigned mask, char stop)
{
	uint64_t w;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		if (has_stop(w, ONES * (unsigned char)stop))
			break;
		p += 8;
	}
	while (p < end && !(name_stop[(unsigned char)*p] & mask))
		p++;
	return p;
}

/* First byte of p[0..end) equal to a or b, or end. */
static inline const char *
find2(const char *p, const char *end, char a, char b)
{
	const char *x = memchr(p, a, (size_t)(end - p));
	const char *y = memchr(p, b, (size_t)((x ? x : end) - p));

	return y ? y : x ? x : end;
}
#endif

/* ots_oui_scan_csv() (oui.h), inlined into the loader; reads only buf[0..len). */
static OUI_INLINE int
scan_csv(const char *buf, size_t len, size_t *used, struct ots_oui_span *sp)
{
	const char *p = buf, *end = buf + len, *s, *e, *nl;
	uint64_t v = 0;
	size_t nd, i;
	unsigned bad;

	/* Registry: one of the four published ones (the field is not kept; others: full parser) */
	if (len < 32)
		return 0;
	if (memcmp(p, "MA-", 3) == 0 && (p[3] == 'L' || p[3] == 'M' || p[3] == 'S') && p[4] == ',')
		p += 5;
	else if (memcmp(p, "IAB,", 4) == 0)
		p += 4;
	else
		return 0;

	/* Assignment: 6, 7 or 9 hex digits right up to the comma (len >= 32: p[9] is in buf) */
	nd = p[6] == ',' ? 6 : p[7] == ',' ? 7 : p[9] == ',' ? 9 : 0;
	if (nd == 0)
		return 0;
	/* a digit's value, UINT_MAX for a non-hex byte (seen in bad) */
#define HEX(k) (hex1[(unsigned char)p[k]] - 1u)
	{
		unsigned h0 = HEX(0), h1 = HEX(1), h2 = HEX(2), h3 = HEX(3), h4 = HEX(4), h5 = HEX(5);

		bad = h0 | h1 | h2 | h3 | h4 | h5;
		v = (uint64_t)(h0 << 20 | h1 << 16 | h2 << 12 | h3 << 8 | h4 << 4 | h5);
	}
	for (i = 6; i < nd; i++) {
		unsigned h = HEX(i);

		bad |= h;
		v = v << 4 | h;
	}
#undef HEX
	if (bad > 15)
		return 0;
	p += nd + 1;

	/* Organization Name: plain up to the comma, or quoted without "" and followed by one */
	if (p < end && *p == '"') {
		s = ++p;
		p = name_run(p, end, STOP_QUOTED, '"');
		if (p == end || *p != '"')
			return 0;
		e = p++;
		if (p == end || *p != ',')
			return 0; /* "" escape, blanks after the quote, end of record, ... */
	} else {
		s = p;
		p = name_run(p, end, STOP_PLAIN, ',');
		if (p == end || *p != ',')
			return 0;
		e = p;
	}
	if (e - s >= OTS_OUI_NAME_MAX)
		return 0;
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	if (s == e)
		return 0;
	p++;

	/* Organization Address: the last field, on this line */
	if (p < end && *p == '"') {
		size_t lim = len < (size_t)OTS_OUI_REC_MAX ? len : (size_t)OTS_OUI_REC_MAX;
		const char *q;

		p++;
		if (p - buf >= (ptrdiff_t)lim)
			return 0;
		q = find2(p, buf + lim, '"', '\n');
		if (q == buf + lim || *q != '"')
			return 0; /* over several lines (the full parser counts them), too long */
		nl = q + 1;
		if (nl < end && *nl == '\r')
			nl++;
		if (nl == end || *nl != '\n')
			return 0; /* "" escape, text after the quote, end of buffer, ... */
	} else {
		nl = find2(p, end, '\n', ',');
		if (nl == end || *nl != '\n')
			return 0; /* a fifth field, no line end */
	}
	if (nl - buf >= OTS_OUI_REC_MAX)
		return 0;

	sp->prefix = v;
	sp->bits = (unsigned)nd * 4;
	sp->name = s;
	sp->name_len = (size_t)(e - s);
	*used = (size_t)(nl - buf) + 1;
	return 1;
}

int
ots_oui_scan_csv(const char *buf, size_t len, size_t *used, struct ots_oui_span *sp)
{
	return scan_csv(buf, len, used, sp);
}

int
ots_oui_parse_txt(const char *line, size_t len, struct ots_oui_rec *rec)
{
	static const char tag[] = "(hex)";
	size_t i = 0, j, k;
	uint64_t v = 0;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	while (i < len && is_blank(line[i]))
		i++;
	/* "XX-XX-XX" then blanks then "(hex)": anything else is not an assignment line */
	if (len - i < 8 + 1 + sizeof(tag) - 1)
		return OTS_ENOTSUP;
	for (k = i + 8; k < len && is_blank(line[k]); k++)
		;
	if (k == i + 8 || len - k < sizeof(tag) - 1 || memcmp(line + k, tag, sizeof(tag) - 1) != 0)
		return OTS_ENOTSUP;
	for (j = 0; j < 8; j++) {
		char c = line[i + j];

		if (j % 3 == 2) {
			if (c != '-')
				return OTS_EINVAL;
			continue;
		}
		if (hex_val(c) < 0)
			return OTS_EINVAL;
		v = v << 4 | (uint64_t)hex_val(c);
	}
	rec->prefix = v;
	rec->bits = 24;
	k += sizeof(tag) - 1;
	return set_name(rec, line + k, len - k);
}

/* ---- loading ---- */

struct loader {
	struct ots_oui *o;
	size_t cap[OTS_OUI__NLEN];
	size_t names_cap;
	uint64_t *hash; /* open addressing: name hash << 32 | (name offset + 1), 0 = empty */
	size_t hash_cap, hash_n;
	const char *first_bad_file; /* static file name ("oui.csv") */
	unsigned long first_bad_line;
	char *err;
	size_t errlen;
};

static void
set_err(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (ld->err == NULL || ld->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
}

#define HASH_MUL UINT64_C(0x9e3779b97f4a7c15)

/*
 * Hash of a name: its length and its first and last eight bytes (names that share those only
 * cost a longer probe; intern compares the whole name).
 */
static OUI_INLINE uint32_t
name_hash(const char *s, size_t n)
{
	uint64_t h = n * HASH_MUL, a, b;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		for (a = 0, b = 0; n > 0; n--)
			a = a << 8 | (unsigned char)*s++;
	}
	h = (h ^ a) * HASH_MUL;
	h = (h ^ (h >> 29) ^ b) * HASH_MUL;
	return (uint32_t)(h >> 32 ^ h);
}

static int
hash_grow(struct loader *ld)
{
	size_t ncap = ld->hash_cap ? ld->hash_cap * 2 : 1u << 16, i; /* Debian's: 30k names */
	uint64_t *nh = calloc(ncap, sizeof(*nh));

	if (nh == NULL)
		return OTS_ENOMEM;
	for (i = 0; i < ld->hash_cap; i++) {
		uint64_t v = ld->hash[i];
		size_t j;

		if (v == 0)
			continue;
		j = (size_t)(v >> 32) & (ncap - 1);
		while (nh[j] != 0)
			j = (j + 1) & (ncap - 1);
		nh[j] = v;
	}
	free(ld->hash);
	ld->hash = nh;
	ld->hash_cap = ncap;
	return OTS_OK;
}

/* Offset of name in the blob, added on first sight. Returns OTS_OK or OTS_ENOMEM/ELIMIT. */
static OUI_INLINE int
intern(struct loader *ld, const char *name, size_t n, uint32_t *off)
{
	struct ots_oui *o = ld->o;
	uint32_t h;
	size_t j;
	int rc;

	if ((ld->hash_n + 1) * 2 > ld->hash_cap && (rc = hash_grow(ld)) != OTS_OK)
		return rc;
	h = name_hash(name, n);
	j = h & (ld->hash_cap - 1);
	for (; ld->hash[j] != 0; j = (j + 1) & (ld->hash_cap - 1)) {
		uint64_t v = ld->hash[j];
		const char *s = o->names + (uint32_t)v - 1;

		if ((uint32_t)(v >> 32) == h && memcmp(s, name, n) == 0 && s[n] == '\0') {
			*off = (uint32_t)v - 1;
			return OTS_OK;
		}
	}
	if (o->names_len + n + 1 > NAME_MASK)
		return OTS_ELIMIT;
	if (o->names_len + n + 1 > ld->names_cap) {
		size_t ncap = ld->names_cap ? ld->names_cap * 2 : 1u << 16;
		char *nb;

		while (ncap < o->names_len + n + 1)
			ncap *= 2;
		if ((nb = realloc(o->names, ncap)) == NULL)
			return OTS_ENOMEM;
		o->names = nb;
		ld->names_cap = ncap;
	}
	*off = (uint32_t)o->names_len;
	memcpy(o->names + o->names_len, name, n);
	o->names[o->names_len + n] = '\0';
	o->names_len += n + 1;
	ld->hash[j] = (uint64_t)h << 32 | (*off + 1);
	ld->hash_n++;
	return OTS_OK;
}

static OUI_INLINE int
add_rec(struct loader *ld, uint64_t prefix, unsigned bits, const char *name, size_t name_len)
{
	struct ots_oui *o = ld->o;
	unsigned t = bits == 36 ? OTS_OUI_L36 : bits == 28 ? OTS_OUI_L28 : OTS_OUI_L24;
	uint32_t off;
	int rc;

	if ((rc = intern(ld, name, name_len, &off)) != OTS_OK)
		return rc;
	if (o->n[t] == ld->cap[t]) {
		size_t ncap = ld->cap[t] ? ld->cap[t] * 2 : 1024;
		uint64_t *nt = realloc(o->tab[t], ncap * sizeof(*nt));

		if (nt == NULL)
			return OTS_ENOMEM;
		o->tab[t] = nt;
		ld->cap[t] = ncap;
	}
	o->tab[t][o->n[t]++] = prefix << OTS_OUI_NAME_BITS | off;
	return OTS_OK;
}

static void
note_bad(struct loader *ld, const char *file, unsigned long line)
{
	if (ld->o->bad_lines++ == 0) {
		ld->first_bad_file = file;
		ld->first_bad_line = line;
	}
}

static unsigned long
count_nl(const char *p, size_t n)
{
	unsigned long c = 0;
	const char *e = p + n;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

static const char *
fatal_what(int rc)
{
	switch (rc) {
	case OTS_ENOMEM: return "out of memory";
	case OTS_ELIMIT: return "name table full";
	}
	return ots_strerror(rc);
}

static int
load_buf(struct loader *ld, const char *path, const char *file, const char *buf, size_t len,
         int txt)
{
	struct ots_oui_rec rec;
	unsigned long line = 1;
	size_t pos = 0;

	while (pos < len) {
		struct ots_oui_span sp;
		size_t used;
		int rc;

		/* the common record shape without the full parser (same result) */
		if (!txt && scan_csv(buf + pos, len - pos, &used, &sp)) {
			int arc = add_rec(ld, sp.prefix, sp.bits, sp.name, sp.name_len);

			if (arc != OTS_OK) {
				set_err(ld, "%s:%lu: %s", path, line, fatal_what(arc));
				return arc;
			}
			line++;
			pos += used;
			continue;
		}
		if (txt) {
			const char *nl = memchr(buf + pos, '\n', len - pos);

			used = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
			rc = ots_oui_parse_txt(buf + pos, used, &rec);
		} else {
			rc = ots_oui_parse_csv(buf + pos, len - pos, &used, &rec);
		}
		if (rc == OTS_OK) {
			int arc = add_rec(ld, rec.prefix, rec.bits, rec.name, rec.name_len);

			if (arc != OTS_OK) {
				set_err(ld, "%s:%lu: %s", path, line, fatal_what(arc));
				return arc;
			}
		} else if (rc == OTS_EINVAL) {
			note_bad(ld, file, line);
		}
		line += count_nl(buf + pos, used);
		pos += used;
	}
	return OTS_OK;
}

/* Load one file: 1 when loaded, 0 when absent, <0 fatal (err set). */
static int
load_file(struct loader *ld, const char *dir, const char *file, int txt)
{
	char path[4096];
	struct stat st;
	FILE *f;
	char *buf;
	size_t got;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path)) {
		set_err(ld, "%s/%s: path too long", dir, file);
		return OTS_EINVAL;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		set_err(ld, "%s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		set_err(ld, "%s: not a regular file", path);
		fclose(f);
		return OTS_EIO;
	}
	if ((uintmax_t)st.st_size > OTS_OUI_FILE_MAX) {
		set_err(ld, "%s: larger than %u MiB", path, OTS_OUI_FILE_MAX >> 20);
		fclose(f);
		return OTS_ELIMIT;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		set_err(ld, "%s: out of memory", path);
		fclose(f);
		return OTS_ENOMEM;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		set_err(ld, "%s: read error", path);
		free(buf);
		fclose(f);
		return OTS_EIO;
	}
	fclose(f);
	rc = load_buf(ld, path, file, buf, got, txt);
	free(buf);
	return rc < 0 ? rc : 1;
}

#define DIGIT_BITS 12
#define DIGITS (1u << DIGIT_BITS)
#define MAX_PASS ((36 + DIGIT_BITS - 1) / DIGIT_BITS)

/*
 * Stable sort by prefix (LSD radix, 12 bits of the `bits`-wide prefix a pass), so the first
 * record of a duplicated prefix stays first. A pass where every entry has the same digit is
 * skipped.
 */
static int
sort_tab(uint64_t *a, size_t n, unsigned bits)
{
	unsigned npass = (bits + DIGIT_BITS - 1) / DIGIT_BITS, p;
	uint64_t *tmp, *src = a, *dst;
	size_t *cnt, i;

	if (n < 2)
		return OTS_OK;
	if ((tmp = malloc(n * sizeof(*tmp))) == NULL)
		return OTS_ENOMEM;
	if ((cnt = calloc((size_t)MAX_PASS * DIGITS, sizeof(*cnt))) == NULL) {
		free(tmp);
		return OTS_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint64_t k = a[i] >> OTS_OUI_NAME_BITS;

		cnt[k & (DIGITS - 1)]++;
		cnt[DIGITS + ((k >> DIGIT_BITS) & (DIGITS - 1))]++;
		cnt[2 * DIGITS + ((k >> 2 * DIGIT_BITS) & (DIGITS - 1))]++;
	}
	dst = tmp;
	for (p = 0; p < npass; p++) {
		unsigned sh = OTS_OUI_NAME_BITS + DIGIT_BITS * p;
		size_t *c = cnt + (size_t)p * DIGITS, sum = 0, b;
		uint64_t *t;

		if (c[(src[0] >> sh) & (DIGITS - 1)] == n)
			continue;
		for (b = 0; b < DIGITS; b++) {
			size_t x = c[b];

			c[b] = sum;
			sum += x;
		}
		for (i = 0; i < n; i++)
			dst[c[(src[i] >> sh) & (DIGITS - 1)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(cnt);
	free(tmp);
	return OTS_OK;
}

static size_t
dedup_tab(uint64_t *a, size_t n)
{
	size_t i, k = 1;
	uint64_t prev;

	if (n == 0)
		return 0;
	prev = a[0] >> OTS_OUI_NAME_BITS;
	for (i = 1; i < n; i++) {
		uint64_t key = a[i] >> OTS_OUI_NAME_BITS;

		if (key != prev) {
			a[k++] = a[i];
			prev = key;
		}
	}
	return k;
}

/* Shrink an allocation to its use; keeps the old block when realloc declines. */
static void *
shrink(void *p, size_t n)
{
	void *q;

	if (p == NULL || n == 0)
		return p;
	q = realloc(p, n);
	return q ? q : p;
}

static void
append(char *err, size_t errlen, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	used = strlen(err);
	if (used + 1 >= errlen)
		return;
	if (used > 0 && used + 3 < errlen) {
		memcpy(err + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

int
ots_oui_load(struct ots_oui *o, const char *dir, char *err, size_t errlen)
{
	static const struct {
		const char *csv, *txt;
	} files[] = {
		{ "oui.csv", "oui.txt" }, { "mam.csv", NULL }, { "oui36.csv", NULL }, { "iab.csv", NULL }
	};
	struct loader ld;
	char missing[128] = "";
	size_t i, nmissing = 0;
	int rc = OTS_OK;

	memset(o, 0, sizeof(*o));
	memset(&ld, 0, sizeof(ld));
	ld.o = o;
	ld.err = err;
	ld.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL)
		dir = OTS_OUI_DEFAULT_DIR;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		rc = load_file(&ld, dir, files[i].csv, 0);
		if (rc == 0 && files[i].txt != NULL)
			rc = load_file(&ld, dir, files[i].txt, 1);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			size_t m = strlen(missing);

			snprintf(missing + m, sizeof(missing) - m, "%s%s", m ? ", " : "", files[i].csv);
			nmissing++;
		}
	}
	for (i = 0; i < OTS_OUI__NLEN; i++) {
		static const unsigned bits[OTS_OUI__NLEN] = { 36, 28, 24 };
		size_t n = o->n[i];

		if ((rc = sort_tab(o->tab[i], n, bits[i])) != OTS_OK) {
			set_err(&ld, "%s: out of memory", dir);
			goto fail;
		}
		o->n[i] = dedup_tab(o->tab[i], n);
		o->duplicates += n - o->n[i];
		o->entries += o->n[i];
		o->tab[i] = shrink(o->tab[i], o->n[i] * sizeof(*o->tab[i]));
	}
	o->names = shrink(o->names, o->names_len);
	free(ld.hash);

	if (nmissing == sizeof(files) / sizeof(files[0]))
		append(err, errlen, "no OUI list at %s (install ieee-data): NIC vendors unknown", dir);
	else if (nmissing > 0)
		append(err, errlen, "no %s in %s: some NIC vendors unknown", missing, dir);
	if (o->bad_lines > 0)
		append(err, errlen, "%zu malformed OUI records skipped (first at %s/%s:%lu)",
		       o->bad_lines, dir, ld.first_bad_file, ld.first_bad_line);
	return o->entries > (size_t)INT_MAX ? INT_MAX : (int)o->entries;

fail:
	free(ld.hash);
	ots_oui_free(o);
	return rc;
}

/* Name offset for key in tab, or -1. */
static long
search(const uint64_t *tab, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t p = tab[mid] >> OTS_OUI_NAME_BITS;

		if (p == key)
			return (long)(tab[mid] & NAME_MASK);
		if (p < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *
ots_oui_lookup(const struct ots_oui *o, const uint8_t mac[6])
{
	static const unsigned bits[OTS_OUI__NLEN] = { 36, 28, 24 };
	uint64_t m = 0;
	unsigned i;

	if (o == NULL || o->names == NULL || (mac[0] & 0x03) != 0)
		return NULL; /* multicast or locally administered: no vendor */
	for (i = 0; i < 6; i++)
		m = m << 8 | mac[i];
	for (i = 0; i < OTS_OUI__NLEN; i++) {
		long off = search(o->tab[i], o->n[i], m >> (48 - bits[i]));

		if (off >= 0)
			return o->names + off;
	}
	return NULL;
}

size_t
ots_oui_memsize(const struct ots_oui *o)
{
	size_t i, n = o->names_len;

	for (i = 0; i < OTS_OUI__NLEN; i++)
		n += o->n[i] * sizeof(*o->tab[i]);
	return n;
}

void
ots_oui_free(struct ots_oui *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < OTS_OUI__NLEN; i++)
		free(o->tab[i]);
	free(o->names);
	memset(o, 0, sizeof(*o));
}
