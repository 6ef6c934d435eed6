/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stream-tcp.h: per-direction in-order TCP delivery (src/stream-tcp.c).
 *
 * Each direction tracks the next expected sequence number. In-order data is delivered to the
 * data callback at once, without copying; segments ahead of it wait in a bounded, sorted
 * out-of-order list (copied). Overlaps keep the bytes first seen (the first copy wins, as the
 * receiving PLC would most likely have done; the conflicting bytes are counted). When the
 * buffered bytes or segments pass the cap, or the stream is flushed, the hole in front of the
 * earliest buffered segment is declared a gap: the gap callback says how many bytes are lost,
 * then delivery resumes. Sequence numbers compare modulo 2^32 (wrap-around safe).
 * Streams picked up mid-connection start at the first segment seen.
 * Thread: one worker; no locks.
 */
#ifndef OTS_STREAM_TCP_H
#define OTS_STREAM_TCP_H

#include <stddef.h>
#include <stdint.h>

struct ots_stream_conf {
	uint32_t max_buffered;   /* out-of-order bytes held per direction (default 65536) */
	uint32_t max_segments;   /* out-of-order segments held per direction (default 64) */
};

struct ots_stream_seg; /* private */

struct ots_stream_dir {
	uint32_t next_seq;       /* next byte expected */
	uint8_t started;         /* next_seq valid */
	uint8_t fin_seen;
	uint8_t closed;          /* FIN or RST consumed: later data is ignored */
	uint8_t pad;
	uint32_t fin_seq;        /* valid when fin_seen: sequence just after the FIN (or of the
	                          * RST); the direction closes once next_seq reaches it */
	uint32_t buffered;       /* bytes held in ooo */
	uint32_t nsegs;          /* segments held in ooo */
	struct ots_stream_seg *ooo; /* sorted by seq */
	/* counters */
	uint64_t delivered;      /* bytes given to the data callback */
	uint64_t gaps;           /* holes declared */
	uint64_t gap_bytes;      /* bytes lost in holes */
	uint64_t ooo_segs;       /* segments that arrived ahead of next_seq */
	uint64_t dup_bytes;      /* retransmitted bytes already delivered or held */
	uint64_t conflict_bytes; /* retransmitted bytes that differ from what was kept */
	uint64_t ignored_segs;   /* segments starting more than OTS_STREAM_MAX_AHEAD ahead */
};

/* A segment starting further than this ahead of next_seq cannot belong to the stream (the
 * largest TCP window, RFC 7323, is 2^30): it is ignored and counted, never buffered. */
#define OTS_STREAM_MAX_AHEAD (UINT32_C(1) << 30)

struct ots_stream {
	struct ots_stream_dir dir[2]; /* 0: initiator -> responder, 1: reverse */
};

struct ots_stream_cb {
	/* In-order bytes; data is borrowed for the call. */
	void (*data)(void *ctx, int dir, const uint8_t *data, uint32_t len);
	/* len bytes will never arrive before what is delivered next. */
	void (*gap)(void *ctx, int dir, uint32_t len);
};

void ots_stream_conf_default(struct ots_stream_conf *c);
void ots_stream_init(struct ots_stream *s);

/*
 * Feed one segment of direction dir (0 or 1). flags are TCP flags (enum ots_tcp_flag).
 * SYN sets the initial sequence (data after it starts at seq + 1); a SYN seen before any byte
 * was delivered, held or lost re-anchors the direction. Data wholly before next_seq counts as
 * dup_bytes; a partly old segment delivers only its new tail. FIN (after its data) and RST
 * (at its seq) set the close point; bytes past it are dropped. Returns OTS_OK,
 * OTS_ENOMEM when a copy could not be allocated (the segment is then treated as a gap), or
 * OTS_ELIMIT when the cap forced a gap (informational; delivery went on).
 */
int ots_stream_segment(struct ots_stream *s, const struct ots_stream_conf *c, int dir,
                       uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len,
                       const struct ots_stream_cb *cb, void *ctx);

/* End of flow: deliver whatever is buffered, declaring gaps for holes, in both directions. */
void ots_stream_flush(struct ots_stream *s, const struct ots_stream_cb *cb, void *ctx);

/* Free every buffered segment (no callbacks). The stream may be reused after ots_stream_init. */
void ots_stream_release(struct ots_stream *s);

/* Heap bytes the stream holds now (for the flow memcap). */
size_t ots_stream_mem(const struct ots_stream *s);

#endif
