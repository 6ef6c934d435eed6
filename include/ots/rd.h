/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rd.h: the bounds-checked packet reader. Every packet byte the project reads goes through it.
 *
 * A cursor over a borrowed buffer with a sticky error: the first failing read sets r->err
 * (OTS_ETRUNC) and every later read returns 0 without moving, so a parser reads a header's
 * fields in a row and checks rd_ok() once. Bounds are checked by comparing lengths
 * (len - off < n), never by forming a pointer past the buffer. Byte order is always explicit.
 * rd_sub() hands out a child window for a length-prefixed field: a lying inner length cannot
 * read beyond the parent, and the parent skips the whole field.
 */
#ifndef OTS_RD_H
#define OTS_RD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/compiler.h"
#include "ots/error.h"

struct ots_rd {
	const uint8_t *buf;
	size_t len;
	size_t off;
	int err; /* OTS_OK or the first error */
};

static OTS_ALWAYS_INLINE void
rd_init(struct ots_rd *r, const void *buf, size_t len)
{
	r->buf = (const uint8_t *)buf;
	r->len = buf ? len : 0;
	r->off = 0;
	r->err = OTS_OK;
}

static OTS_ALWAYS_INLINE int
rd_ok(const struct ots_rd *r)
{
	return r->err == OTS_OK;
}

static OTS_ALWAYS_INLINE size_t
rd_left(const struct ots_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

static OTS_ALWAYS_INLINE size_t
rd_off(const struct ots_rd *r)
{
	return r->off;
}

/* Mark the reader failed with err unless it already failed (first error wins). */
static OTS_ALWAYS_INLINE void
rd_fail(struct ots_rd *r, int err)
{
	if (r->err == OTS_OK)
		r->err = err;
}

/* True when n more bytes are readable; sets ETRUNC otherwise. */
static OTS_ALWAYS_INLINE int
rd_need(struct ots_rd *r, size_t n)
{
	if (ots_unlikely(r->err != OTS_OK))
		return 0;
	if (ots_unlikely(r->len - r->off < n)) {
		r->err = OTS_ETRUNC;
		return 0;
	}
	return 1;
}

/* Pointer to the next n bytes and advance, or NULL (and ETRUNC). Borrowed, valid as the buffer. */
static OTS_ALWAYS_INLINE const uint8_t *
rd_ptr(struct ots_rd *r, size_t n)
{
	const uint8_t *p;

	if (!rd_need(r, n))
		return NULL;
	p = r->buf + r->off;
	r->off += n;
	return p;
}

/* The rest of the buffer without consuming it (NULL when failed); *n gets its length. */
static OTS_ALWAYS_INLINE const uint8_t *
rd_rest(const struct ots_rd *r, size_t *n)
{
	*n = rd_left(r);
	return r->err ? NULL : r->buf + r->off;
}

static OTS_ALWAYS_INLINE void
rd_skip(struct ots_rd *r, size_t n)
{
	if (rd_need(r, n))
		r->off += n;
}

static OTS_ALWAYS_INLINE uint8_t
rd_u8(struct ots_rd *r)
{
	if (!rd_need(r, 1))
		return 0;
	return r->buf[r->off++];
}

static OTS_ALWAYS_INLINE uint16_t
rd_be16(struct ots_rd *r)
{
	const uint8_t *p = rd_ptr(r, 2);
	return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static OTS_ALWAYS_INLINE uint16_t
rd_le16(struct ots_rd *r)
{
	const uint8_t *p = rd_ptr(r, 2);
	return p ? (uint16_t)((p[1] << 8) | p[0]) : 0;
}

static OTS_ALWAYS_INLINE uint32_t
rd_be24(struct ots_rd *r)
{
	const uint8_t *p = rd_ptr(r, 3);
	return p ? ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2] : 0;
}

static OTS_ALWAYS_INLINE uint32_t
rd_be32(struct ots_rd *r)
{
	const uint8_t *p = rd_ptr(r, 4);
	return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

static OTS_ALWAYS_INLINE uint32_t
rd_le32(struct ots_rd *r)
{
	const uint8_t *p = rd_ptr(r, 4);
	return p ? ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0] : 0;
}

static inline uint64_t
rd_be64(struct ots_rd *r)
{
	uint64_t hi = rd_be32(r);
	return (hi << 32) | rd_be32(r);
}

static inline uint64_t
rd_le64(struct ots_rd *r)
{
	uint64_t lo = rd_le32(r);
	return lo | ((uint64_t)rd_le32(r) << 32);
}

/* Copy n bytes to dst; on failure dst is zeroed. */
static OTS_ALWAYS_INLINE void
rd_copy(struct ots_rd *r, void *dst, size_t n)
{
	const uint8_t *p = rd_ptr(r, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/* Peek at byte off past the cursor without moving or failing; returns 0 and *ok=0 when absent. */
static inline uint8_t
rd_peek_u8(const struct ots_rd *r, size_t at, int *ok)
{
	if (r->err || r->len - r->off <= at) {
		*ok = 0;
		return 0;
	}
	*ok = 1;
	return r->buf[r->off + at];
}

/*
 * Child window over the next n bytes; the parent advances past them. When fewer than n
 * bytes remain the parent fails with ETRUNC and the child is empty and failed too.
 */
static inline struct ots_rd
rd_sub(struct ots_rd *r, size_t n)
{
	struct ots_rd c;
	const uint8_t *p = rd_ptr(r, n);

	if (p) {
		rd_init(&c, p, n);
	} else {
		rd_init(&c, NULL, 0);
		c.err = r->err;
	}
	return c;
}

#endif
