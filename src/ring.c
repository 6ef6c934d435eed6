/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ring.c: SPSC ring of variable-size records (see ring.h for the protocol).
 *
 * Memory order: the producer writes a record, then (at publish) stores head with release;
 * the consumer loads head with acquire before reading records below it. Symmetrically the
 * consumer stores tail with release after it is done reading, and the producer loads tail with
 * acquire before overwriting that space.
 *
 *   buf: [len|record....pad][len|record...]...[PAD marker -> wrap to 0]
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/mman.h>

#include "ots/error.h"
#include "ots/ring.h"

#define HDR 8u                 /* 4-byte length + 4 bytes keep records 8-aligned */
#define PAD_MARK 0xffffffffu

static inline uint32_t
rec_space(uint32_t len)
{
	return HDR + ((len + 7u) & ~7u);
}

/*
 * The ring's memory, mapped with every page populated by the kernel at once: the ring is a
 * fixed cost paid at start (and shown in RSS from the first second), not page faults on the
 * packet path later. malloc + memset cost 3,000 separate page faults for the 8 MiB packet
 * ring and the 4 MiB record ring of one worker, 5-6 ms before the first packet. (Huge pages
 * were tried: with the kernel's default defrag policy a madvised fault can stall in
 * compaction, once 40 ms.) Without MAP_POPULATE the pages are touched one by one.
 */
static void *
ring_map(size_t s)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	uint8_t *p;
	size_t i;

#ifdef MAP_POPULATE
	flags |= MAP_POPULATE;
#endif
	p = mmap(NULL, s, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifndef MAP_POPULATE
	for (i = 0; i < s; i += 4096)
		p[i] = 0;
#else
	(void)i;
#endif
	return p;
}

int
ots_ring_init(struct ots_ring *r, size_t size)
{
	uint64_t s = 4096;

	memset(r, 0, sizeof(*r));
	while (s < size)
		s <<= 1;
	r->buf = ring_map(s);
	if (!r->buf)
		return OTS_ENOMEM;
	r->size = s;
	r->mask = s - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return OTS_OK;
}

void
ots_ring_destroy(struct ots_ring *r)
{
	if (r->buf)
		munmap(r->buf, r->size);
	r->buf = NULL;
}

static inline void
put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t
get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void *
ots_ring_reserve(struct ots_ring *r, uint32_t len)
{
	uint64_t pos = r->p_head & r->mask;
	uint64_t to_end = r->size - pos;
	uint32_t need = rec_space(len);
	uint64_t want;

	if (len > OTS_RING_MAX_RECORD(r))
		return NULL;
	/* A record that does not fit before the end is preceded by a pad to the end. */
	want = (to_end < need) ? to_end + need : need;
	if (r->p_head + want - r->p_tail_cache > r->size) {
		r->p_tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (r->p_head + want - r->p_tail_cache > r->size)
			return NULL;
	}
	if (to_end < need) {
		put_u32(r->buf + pos, PAD_MARK);
		r->p_head += to_end;
		pos = 0;
	}
	put_u32(r->buf + pos, len);
	return r->buf + pos + HDR;
}

void
ots_ring_commit(struct ots_ring *r)
{
	uint64_t pos = r->p_head & r->mask;

	r->p_head += rec_space(get_u32(r->buf + pos));
	r->p_pending++;
}

void
ots_ring_publish(struct ots_ring *r)
{
	if (r->p_pending) {
		atomic_store_explicit(&r->head, r->p_head, memory_order_release);
		r->p_pending = 0;
	}
}

const void *
ots_ring_peek(struct ots_ring *r, uint32_t *len)
{
	uint64_t pos;
	uint32_t l;

	for (;;) {
		if (r->c_tail == r->c_head_cache) {
			r->c_head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
			if (r->c_tail == r->c_head_cache)
				return NULL;
		}
		pos = r->c_tail & r->mask;
		l = get_u32(r->buf + pos);
		if (l != PAD_MARK)
			break;
		r->c_tail += r->size - pos; /* skip the pad to the start of the buffer */
	}
	r->c_last_len = l;
	*len = l;
	return r->buf + pos + HDR;
}

void
ots_ring_consume(struct ots_ring *r)
{
	r->c_tail += rec_space(r->c_last_len);
}

void
ots_ring_release(struct ots_ring *r)
{
	atomic_store_explicit(&r->tail, r->c_tail, memory_order_release);
}

uint64_t
ots_ring_used(struct ots_ring *r)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);

	return h >= t ? h - t : 0;
}

void
ots_backoff(unsigned *n)
{
	struct timespec ts;
	unsigned i = (*n)++;

	if (i < 64) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ __volatile__("yield");
#endif
		return;
	}
	if (i < 128) {
		sched_yield();
		return;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = i < 256 ? 20000 : 200000;
	nanosleep(&ts, NULL);
}

void
ots_backoff_sleep(unsigned *n)
{
	struct timespec ts;
	unsigned i = (*n)++;

	ts.tv_sec = 0;
	ts.tv_nsec = i < 4 ? 50000 : 200000;
	nanosleep(&ts, NULL);
}
