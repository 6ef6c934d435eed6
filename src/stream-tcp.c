/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stream-tcp.c: per-direction in-order TCP delivery with bounded out-of-order buffering.
 * Reference: RFC 9293 (3.4 sequence numbers, 3.10.7.4 segment arrival), RFC 7323 (window).
 *
 * Each direction keeps next_seq and a singly linked list of copied segments, sorted by seq,
 * pairwise disjoint, each starting strictly after next_seq (the invariant every function
 * restores before returning). A segment at next_seq is delivered from the caller's buffer
 * (no copy); bytes in it that overlap a held segment are compared and then the held copy is
 * delivered (first copy wins). A segment ahead is cut into the pieces no held segment covers,
 * and only those are copied. Holes are declared (gap callback) only when a cap is passed or
 * at flush, always up to the earliest held segment.
 *
 * Policy choices:
 * - Data wholly before next_seq is a retransmission: dup_bytes, never delivered again. Its
 *   bytes cannot be compared (delivered data is not kept), so conflicts are only counted
 *   against held segments.
 * - A segment starting more than OTS_STREAM_MAX_AHEAD (2^30, the largest window) ahead is
 *   from another connection or garbage: ignored, counted in ignored_segs. Anything more than
 *   2^31 ahead compares as behind (modulo 2^32) and counts as a retransmission.
 * - FIN sets the close point after its data, RST at its own seq (data in a RST is diagnostic
 *   text, RFC 9293 3.5.3, not stream data). Only the first close point counts, and only if it
 *   is not behind next_seq (that would be an old or bogus segment). Bytes past it
 *   are dropped; when next_seq reaches it the direction is closed and ignores later data.
 */
#include <stdlib.h>
#include <string.h>

#include "ots/error.h"
#include "ots/packet-t.h"
#include "ots/stream-tcp.h"

struct ots_stream_seg {
	struct ots_stream_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

static int
seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int
seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void
ots_stream_conf_default(struct ots_stream_conf *c)
{
	c->max_buffered = 65536;
	c->max_segments = 64;
}

void
ots_stream_init(struct ots_stream *s)
{
	memset(s, 0, sizeof(*s));
}

static void
seg_free(struct ots_stream_dir *d, struct ots_stream_seg *g)
{
	d->buffered -= g->len;
	d->nsegs--;
	free(g);
}

static void
drop_all(struct ots_stream_dir *d)
{
	while (d->ooo != NULL) {
		struct ots_stream_seg *g = d->ooo;

		d->ooo = g->next;
		seg_free(d, g);
	}
}

static void
advance(struct ots_stream_dir *d, uint32_t n)
{
	d->next_seq += n;
	if (d->fin_seen && !seq_lt(d->next_seq, d->fin_seq))
		d->closed = 1;
}

/* Deliver len bytes at next_seq, clipped at the close point. */
static void
emit(struct ots_stream_dir *d, int dir, const uint8_t *data, uint32_t len,
     const struct ots_stream_cb *cb, void *ctx)
{
	if (d->closed)
		return;
	if (d->fin_seen) {
		uint32_t room = d->fin_seq - d->next_seq;

		if (len > room)
			len = room;
	}
	if (len == 0)
		return;
	d->delivered += len;
	if (cb != NULL && cb->data != NULL)
		cb->data(ctx, dir, data, len);
	advance(d, len);
}

static void
count_overlap(struct ots_stream_dir *d, const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i;

	d->dup_bytes += n;
	if (memcmp(a, b, n) == 0)
		return;
	for (i = 0; i < n; i++)
		d->conflict_bytes += a[i] != b[i];
}

/* Deliver held segments that the in-order point has reached. */
static void
drain(struct ots_stream_dir *d, int dir, const struct ots_stream_cb *cb, void *ctx)
{
	struct ots_stream_seg *g;

	while ((g = d->ooo) != NULL && !d->closed && !seq_gt(g->seq, d->next_seq)) {
		uint32_t skip = d->next_seq - g->seq; /* 0 unless the invariant was bent */

		d->ooo = g->next;
		if (skip < g->len)
			emit(d, dir, g->data + skip, g->len - skip, cb, ctx);
		seg_free(d, g);
	}
	if (d->closed)
		drop_all(d);
}

/* Declare the hole before the earliest held segment lost, then deliver onwards. */
static void
gap_to_head(struct ots_stream_dir *d, int dir, const struct ots_stream_cb *cb, void *ctx)
{
	uint32_t len = d->ooo->seq - d->next_seq;

	if (len > 0) {
		d->gaps++;
		d->gap_bytes += len;
		if (cb != NULL && cb->gap != NULL)
			cb->gap(ctx, dir, len);
		advance(d, len);
	}
	drain(d, dir, cb, ctx);
}

/* In-order data starting at next_seq: zero copy, except where a held segment wins. */
static void
deliver(struct ots_stream_dir *d, int dir, const uint8_t *data, uint32_t len,
        const struct ots_stream_cb *cb, void *ctx)
{
	while (len > 0 && !d->closed) {
		struct ots_stream_seg *g = d->ooo;
		uint32_t pre, ov;

		if (g == NULL || !seq_lt(g->seq, d->next_seq + len)) {
			emit(d, dir, data, len, cb, ctx);
			break;
		}
		pre = g->seq - d->next_seq;
		if (pre > 0) {
			emit(d, dir, data, pre, cb, ctx);
			data += pre;
			len -= pre;
			if (d->closed)
				break;
		}
		ov = len < g->len ? len : g->len;
		count_overlap(d, data, g->data, ov);
		data += ov;
		len -= ov;
		d->ooo = g->next;
		emit(d, dir, g->data, g->len, cb, ctx);
		seg_free(d, g);
	}
	drain(d, dir, cb, ctx);
}

/* Hold the parts of [seq, seq + len) (ahead of next_seq) that no held segment covers. */
static int
hold(struct ots_stream_dir *d, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct ots_stream_seg **pp = &d->ooo;
	int rc = OTS_OK;

	d->ooo_segs++;
	while (len > 0) {
		struct ots_stream_seg *g = *pp;
		struct ots_stream_seg *n;
		uint32_t piece;

		if (g != NULL && !seq_gt(g->seq + g->len, seq)) {
			pp = &g->next; /* g ends before seq */
			continue;
		}
		if (g != NULL && !seq_gt(g->seq, seq)) {
			/* g covers seq: its bytes were first */
			uint32_t off = seq - g->seq;
			uint32_t ov = g->len - off < len ? g->len - off : len;

			count_overlap(d, data, g->data + off, ov);
			seq += ov;
			data += ov;
			len -= ov;
			pp = &g->next;
			continue;
		}
		piece = len;
		if (g != NULL && seq_lt(g->seq, seq + len))
			piece = g->seq - seq;
		n = malloc(sizeof(*n) + piece);
		if (n == NULL) {
			rc = OTS_ENOMEM; /* lost: becomes part of a gap later */
		} else {
			n->seq = seq;
			n->len = piece;
			memcpy(n->data, data, piece);
			n->next = g;
			*pp = n;
			pp = &n->next;
			d->buffered += piece;
			d->nsegs++;
		}
		seq += piece;
		data += piece;
		len -= piece;
	}
	return rc;
}

/* First FIN or RST: remember the close point, drop held data past it. */
static void
set_close(struct ots_stream_dir *d, uint32_t at)
{
	struct ots_stream_seg **pp = &d->ooo;

	d->fin_seen = 1;
	d->fin_seq = at;
	while (*pp != NULL) {
		struct ots_stream_seg *g = *pp;

		if (!seq_lt(g->seq, at)) {
			*pp = g->next;
			seg_free(d, g);
		} else {
			pp = &g->next;
		}
	}
	if (!seq_lt(d->next_seq, at)) {
		d->closed = 1;
		drop_all(d);
	}
}

int
ots_stream_segment(struct ots_stream *s, const struct ots_stream_conf *c, int dir,
                   uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len,
                   const struct ots_stream_cb *cb, void *ctx)
{
	struct ots_stream_dir *d = &s->dir[dir & 1];
	uint32_t dseq = seq;
	int rc = OTS_OK;

	dir &= 1;
	if (flags & OTS_TH_SYN) {
		dseq = seq + 1;
		if (!d->started || (d->delivered == 0 && d->nsegs == 0 && d->gaps == 0 &&
		                    !d->fin_seen)) {
			d->next_seq = dseq;
			d->started = 1;
		}
	} else if (!d->started) {
		d->next_seq = seq; /* picked up mid-connection */
		d->started = 1;
	}
	if (seq_gt(dseq, d->next_seq) && dseq - d->next_seq > OTS_STREAM_MAX_AHEAD) {
		d->ignored_segs++;
		return OTS_OK;
	}
	if ((flags & (OTS_TH_FIN | OTS_TH_RST)) && !d->fin_seen) {
		uint32_t at = (flags & OTS_TH_RST) ? dseq : dseq + len;

		/* a close point behind delivered data cannot be (old or garbage): ignored */
		if (!seq_lt(at, d->next_seq))
			set_close(d, at);
	}
	if (len == 0)
		return OTS_OK;
	if (seq_lt(dseq, d->next_seq)) {
		uint32_t old = d->next_seq - dseq;

		if (old >= len) {
			d->dup_bytes += len;
			return OTS_OK;
		}
		d->dup_bytes += old;
		data += old;
		len -= old;
		dseq = d->next_seq;
	}
	if (d->closed)
		return OTS_OK;
	if (d->fin_seen) {
		if (!seq_lt(dseq, d->fin_seq))
			return OTS_OK;
		if (len > d->fin_seq - dseq)
			len = d->fin_seq - dseq;
	}
	if (dseq == d->next_seq) {
		deliver(d, dir, data, len, cb, ctx);
		return OTS_OK;
	}
	rc = hold(d, dseq, data, len);
	while (d->ooo != NULL && (d->buffered > c->max_buffered || d->nsegs > c->max_segments)) {
		gap_to_head(d, dir, cb, ctx);
		if (rc == OTS_OK)
			rc = OTS_ELIMIT;
	}
	return rc;
}

void
ots_stream_flush(struct ots_stream *s, const struct ots_stream_cb *cb, void *ctx)
{
	int dir;

	for (dir = 0; dir < 2; dir++) {
		struct ots_stream_dir *d = &s->dir[dir];

		while (d->ooo != NULL && !d->closed)
			gap_to_head(d, dir, cb, ctx);
		drop_all(d);
	}
}

void
ots_stream_release(struct ots_stream *s)
{
	drop_all(&s->dir[0]);
	drop_all(&s->dir[1]);
}

size_t
ots_stream_mem(const struct ots_stream *s)
{
	size_t n = 0;
	int dir;

	for (dir = 0; dir < 2; dir++)
		n += (size_t)s->dir[dir].nsegs * sizeof(struct ots_stream_seg) +
		     s->dir[dir].buffered;
	return n;
}
