/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ber.h: a small bounds-checked ASN.1 BER reader for the IEC 61850 dissectors (mms.c,
 * goose.c). Private to protocols/; built on include/ots/rd.h, never indexes a buffer.
 *
 * Reference: ITU-T X.690 (BER). Supported: identifier octets with low-tag (0-30) and
 * high-tag form (up to 4 subsequent octets, tag numbers < 2^28); definite lengths in short
 * form and long form up to 4 length octets. The indefinite form (0x80) is rejected: none of
 * MMS, ACSE, ISO 8823 or GOOSE encoders use it on the wire, and refusing it keeps every
 * element bounded by a length we can check. Nested walks carry a depth bound.
 */
#ifndef OTS_PROTO_BER_H
#define OTS_PROTO_BER_H

#include <stddef.h>
#include <stdint.h>

#include "ots/error.h"
#include "ots/rd.h"

#define BER_UNIVERSAL 0
#define BER_APPLICATION 1
#define BER_CONTEXT 2
#define BER_PRIVATE 3

#define BER_MAX_DEPTH 12 /* deepest nesting a walk follows */

struct ber_tlv {
	uint8_t cls;      /* BER_UNIVERSAL .. BER_PRIVATE */
	uint8_t cons;     /* 1: constructed */
	uint8_t clamped;  /* 1: the length ran past the buffer and partial reading was allowed */
	uint8_t id;       /* the first identifier octet (handy for low-tag compares) */
	uint32_t tag;     /* tag number */
	size_t len;       /* content length as encoded */
	struct ots_rd val; /* the content (clamped to what the buffer holds when clamped) */
};

/*
 * Read one TLV at r. Returns OTS_OK, OTS_ETRUNC (the header or, unless partial, the content
 * runs past the buffer) or OTS_EINVAL (indefinite length, over-long tag or length field).
 * With partial != 0 a content running past the buffer is clamped to what remains
 * (t->clamped = 1): used when only the head of a PDU is kept.
 */
static inline int
ber_read(struct ots_rd *r, struct ber_tlv *t, int partial)
{
	uint8_t b, n, i;
	uint32_t tag;
	size_t len;

	t->clamped = 0;
	rd_init(&t->val, NULL, 0);
	b = rd_u8(r);
	if (!rd_ok(r))
		return OTS_ETRUNC;
	t->id = b;
	t->cls = (uint8_t)(b >> 6);
	t->cons = (uint8_t)((b >> 5) & 1);
	tag = b & 0x1fu;
	if (tag == 0x1f) {
		tag = 0;
		for (i = 0;; i++) {
			if (i == 4)
				return OTS_EINVAL; /* tag number too large for us */
			b = rd_u8(r);
			if (!rd_ok(r))
				return OTS_ETRUNC;
			tag = (tag << 7) | (b & 0x7fu);
			if (!(b & 0x80))
				break;
		}
	}
	t->tag = tag;
	b = rd_u8(r);
	if (!rd_ok(r))
		return OTS_ETRUNC;
	if (b < 0x80) {
		len = b;
	} else {
		n = b & 0x7f;
		if (n == 0 || n > 4)
			return OTS_EINVAL; /* indefinite form or a length beyond 32 bits */
		len = 0;
		for (i = 0; i < n; i++) {
			b = rd_u8(r);
			len = (len << 8) | b;
		}
		if (!rd_ok(r))
			return OTS_ETRUNC;
	}
	t->len = len;
	if (len > rd_left(r)) {
		if (!partial)
			return OTS_ETRUNC;
		len = rd_left(r);
		t->clamped = 1;
	}
	t->val = rd_sub(r, len);
	return OTS_OK;
}

/* Unsigned INTEGER content (at most 4 value octets after an optional leading 0x00). */
static inline int
ber_uint(struct ots_rd v, uint32_t *out)
{
	size_t n = rd_left(&v);
	uint32_t x = 0;
	uint8_t b;
	int ok;

	if (n == 0 || n > 5)
		return OTS_EINVAL;
	b = rd_peek_u8(&v, 0, &ok);
	if (b & 0x80)
		return OTS_EINVAL; /* negative */
	if (n == 5) {
		if (b != 0)
			return OTS_EINVAL;
		rd_skip(&v, 1);
		n--;
	}
	while (n--)
		x = (x << 8) | rd_u8(&v);
	if (!rd_ok(&v))
		return OTS_ETRUNC;
	*out = x;
	return OTS_OK;
}

/*
 * Check that r holds a well-formed sequence of TLVs, following constructed ones down to
 * BER_MAX_DEPTH levels. *budget bounds the total elements visited (it is decremented; at 0
 * the walk stops and reports OK: bounded work, not an error). Returns the number of
 * top-level elements (>= 0) or a negative OTS_E* code.
 */
static inline long
ber_walk(struct ots_rd r, int depth, long *budget)
{
	struct ber_tlv t;
	long count = 0;
	int rc;

	if (depth > BER_MAX_DEPTH)
		return OTS_EINVAL;
	while (rd_left(&r) > 0) {
		if (*budget <= 0)
			return count;
		(*budget)--;
		rc = ber_read(&r, &t, 0);
		if (rc != OTS_OK)
			return rc;
		if (t.cons) {
			long sub = ber_walk(t.val, depth + 1, budget);

			if (sub < 0)
				return sub;
		}
		count++;
	}
	return rd_ok(&r) ? count : OTS_ETRUNC;
}

#endif
