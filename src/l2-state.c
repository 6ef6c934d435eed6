/* SPDX-License-Identifier: BSD-3-Clause */
/* l2-state.c: bounded per-worker table of layer-2 stream state, LRU by packet time (see
 * l2-state.h). */
#include <stdlib.h>
#include <string.h>

#include "ots/l2-state.h"

#define L2_NIL UINT32_MAX

struct l2_entry {
	struct ots_l2_key k;
	uint64_t last_ts;
	uint32_t hnext;          /* bucket chain */
	uint32_t prev, next;     /* recency list: head most recent */
	uint32_t bucket;
};

struct ots_l2_table {
	struct l2_entry *e;
	uint8_t *states;         /* max * stride bytes */
	uint32_t *buckets;       /* nb heads */
	uint32_t nb;             /* power of two >= 2 * max */
	uint32_t max, used;
	uint32_t head, tail;
	size_t stride;
	uint64_t idle_us;
	struct ots_l2_stats st;
};

static uint32_t
l2_hash(const struct ots_l2_key *k)
{
	uint32_t h = 2166136261u;
	uint8_t b[16];
	size_t i;

	memcpy(b, k->src, 6);
	memcpy(b + 6, k->dst, 6);
	b[12] = (uint8_t)(k->ethertype >> 8);
	b[13] = (uint8_t)k->ethertype;
	b[14] = (uint8_t)(k->vlan >> 8);
	b[15] = (uint8_t)k->vlan;
	for (i = 0; i < sizeof(b); i++)
		h = (h ^ b[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int
l2_key_eq(const struct ots_l2_key *a, const struct ots_l2_key *b)
{
	return memcmp(a->src, b->src, 6) == 0 && memcmp(a->dst, b->dst, 6) == 0 &&
	       a->ethertype == b->ethertype && a->vlan == b->vlan;
}

struct ots_l2_table *
ots_l2_table_new(uint32_t max_entries, uint64_t idle_us, size_t state_size)
{
	struct ots_l2_table *t;
	uint32_t i;

	if (max_entries == 0 || max_entries > (1u << 24) || state_size == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max = max_entries;
	t->idle_us = idle_us;
	t->stride = (state_size + 7u) & ~(size_t)7u;
	for (t->nb = 2; t->nb < 2 * max_entries; t->nb *= 2)
		;
	t->e = calloc(max_entries, sizeof(*t->e));
	t->states = calloc(max_entries, t->stride);
	t->buckets = malloc(t->nb * sizeof(*t->buckets));
	if (!t->e || !t->states || !t->buckets) {
		ots_l2_table_free(t);
		return NULL;
	}
	for (i = 0; i < t->nb; i++)
		t->buckets[i] = L2_NIL;
	t->head = t->tail = L2_NIL;
	return t;
}

void
ots_l2_table_free(struct ots_l2_table *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->states);
	free(t->buckets);
	free(t);
}

static void
lru_unlink(struct ots_l2_table *t, uint32_t i)
{
	struct l2_entry *e = &t->e[i];

	if (e->prev != L2_NIL)
		t->e[e->prev].next = e->next;
	else
		t->head = e->next;
	if (e->next != L2_NIL)
		t->e[e->next].prev = e->prev;
	else
		t->tail = e->prev;
}

static void
lru_push_head(struct ots_l2_table *t, uint32_t i)
{
	struct l2_entry *e = &t->e[i];

	e->prev = L2_NIL;
	e->next = t->head;
	if (t->head != L2_NIL)
		t->e[t->head].prev = i;
	t->head = i;
	if (t->tail == L2_NIL)
		t->tail = i;
}

static void
bucket_unlink(struct ots_l2_table *t, uint32_t i)
{
	uint32_t *p = &t->buckets[t->e[i].bucket];

	while (*p != L2_NIL && *p != i)
		p = &t->e[*p].hnext;
	if (*p == i)
		*p = t->e[i].hnext;
}

static int
idle(const struct ots_l2_table *t, const struct l2_entry *e, uint64_t ts)
{
	return ts > e->last_ts && ts - e->last_ts > t->idle_us;
}

void *
ots_l2_table_get(struct ots_l2_table *t, const struct ots_l2_key *k, uint64_t ts_us)
{
	uint32_t b, i;
	struct l2_entry *e;

	if (!t)
		return NULL;
	b = l2_hash(k) & (t->nb - 1);
	for (i = t->buckets[b]; i != L2_NIL; i = t->e[i].hnext)
		if (l2_key_eq(&t->e[i].k, k))
			break;
	if (i != L2_NIL) {
		e = &t->e[i];
		if (idle(t, e, ts_us)) {
			memset(t->states + (size_t)i * t->stride, 0, t->stride);
			t->st.expired++;
			t->st.created++;
		}
		if (ts_us > e->last_ts) /* packet time may step back across files: keep the latest */
			e->last_ts = ts_us;
		if (t->head != i) {
			lru_unlink(t, i);
			lru_push_head(t, i);
		}
		return t->states + (size_t)i * t->stride;
	}
	if (t->used < t->max) {
		i = t->used++;
		if (t->used > t->st.peak)
			t->st.peak = t->used;
	} else {
		i = t->tail; /* the least recently seen stream gives up its slot */
		if (idle(t, &t->e[i], ts_us))
			t->st.expired++;
		else
			t->st.evicted++;
		lru_unlink(t, i);
		bucket_unlink(t, i);
	}
	e = &t->e[i];
	e->k = *k;
	e->last_ts = ts_us;
	e->bucket = b;
	e->hnext = t->buckets[b];
	t->buckets[b] = i;
	lru_push_head(t, i);
	memset(t->states + (size_t)i * t->stride, 0, t->stride);
	t->st.created++;
	return t->states + (size_t)i * t->stride;
}

uint32_t
ots_l2_table_count(const struct ots_l2_table *t)
{
	return t ? t->used : 0;
}

const struct ots_l2_stats *
ots_l2_table_stats(const struct ots_l2_table *t)
{
	static const struct ots_l2_stats zero;

	return t ? &t->st : &zero;
}
