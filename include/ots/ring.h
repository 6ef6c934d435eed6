/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring.h: bounded single-producer / single-consumer ring of variable-size records
 * (src/ring.c).
 *
 * Records are copied in contiguously (a record never wraps: a pad marker fills the tail of the
 * buffer when the next record does not fit), 8-byte aligned, each preceded by a 4-byte length.
 * Each side keeps a private cursor and a cached copy of the other side's cursor, and makes its
 * progress visible only at ots_ring_publish()/ots_ring_release(): the reader thread publishes
 * once per batch of packets and a worker releases once per batch, so the shared cache lines
 * move once per batch, not once per packet (no shared atomic per packet).
 */
#ifndef OTS_RING_H
#define OTS_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ots/compiler.h"

struct ots_ring {
	/* shared, one cache line each */
	OTS_ALIGNED _Atomic uint64_t head; /* published producer position */
	OTS_ALIGNED _Atomic uint64_t tail; /* published consumer position */
	/* producer private */
	OTS_ALIGNED uint64_t p_head;
	uint64_t p_tail_cache;
	uint32_t p_pending;                /* records written since the last publish */
	/* consumer private */
	OTS_ALIGNED uint64_t c_tail;
	uint64_t c_head_cache;
	uint32_t c_last_len;               /* size of the record handed out by peek */
	/* read-only after init */
	OTS_ALIGNED uint8_t *buf;
	uint64_t size;                     /* power of two */
	uint64_t mask;
};

/* Largest record the ring accepts: a quarter of its size. */
#define OTS_RING_MAX_RECORD(r) ((uint32_t)((r)->size / 4))

/* size is rounded up to a power of two (min 4096). Returns OTS_OK or OTS_ENOMEM. */
int ots_ring_init(struct ots_ring *r, size_t size);
void ots_ring_destroy(struct ots_ring *r);

/* Producer: space for len bytes, or NULL when the ring is full (or len too big). */
void *ots_ring_reserve(struct ots_ring *r, uint32_t len);
/* Producer: the record reserved last is complete (private until publish). */
void ots_ring_commit(struct ots_ring *r);
/* Producer: make committed records visible to the consumer. */
void ots_ring_publish(struct ots_ring *r);

/* Consumer: the next record (its length in *len), or NULL when none is visible. */
const void *ots_ring_peek(struct ots_ring *r, uint32_t *len);
/* Consumer: done with the record returned by the last peek (private until release). */
void ots_ring_consume(struct ots_ring *r);
/* Consumer: hand consumed space back to the producer. */
void ots_ring_release(struct ots_ring *r);

/*
 * Wait politely for the other side: spin with a CPU pause first, then yield, then sleep up to
 * 200 us. *n counts calls since the last progress; reset it to 0 when work arrives.
 */
void ots_backoff(unsigned *n);
/* For a side that has nothing else to do and is not latency-critical (the main thread, a
 * reader facing a full ring): sleep at once, 50 us growing to 200 us, so the threads doing
 * the work get the cores (2-core sensors run three threads). */
void ots_backoff_sleep(unsigned *n);

/* Approximate bytes in use (either thread; for stats). */
uint64_t ots_ring_used(struct ots_ring *r);

#endif
