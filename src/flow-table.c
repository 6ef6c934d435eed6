/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow-table.c: one worker's flow shard: index, pool, LRU timeout classes, memcap.
 * Reference: RFC 9293 3.6 (closing a connection) for the TCP closed state.
 *
 * Index: open addressing with linear probing over slots {hash, pool index + 1} (0 = empty),
 * a power of two of them, never more than half full. Deletion shifts the following cluster
 * back (no tombstones), so lookups never degrade with churn. The index starts small and
 * doubles (full rehash) when a new flow would pass half load; it never shrinks, and its
 * largest size is fixed at creation from the memcap, so at most log2 rehashes ever happen.
 *
 * Pool: one array of struct ots_flow sized for the most flows the memcap could hold,
 * allocated once but handed out by bumping from index 0, with a free list for reuse. The
 * kernel only backs the pages we touch, so resident memory follows the peak flow count,
 * not the memcap (a system with overcommit disabled pays the full size up front).
 *
 * Memcap accounting (mem_used): the index as allocated, sizeof(struct ots_flow) per live
 * flow, and whatever callers charge (nDPI state, stream buffers). During an index doubling
 * both arrays count. A flow's theoretical cost is sizeof(struct ots_flow) + two slots, which
 * sets the pool size; the accounting itself is exact, so mem_used never passes the memcap
 * by our doing (only a charge for a flow that cannot be evicted may overshoot).
 *
 * LRU: one doubly linked list (pool indices) per idle-timeout class: open TCP, closed TCP,
 * UDP, other. A touched flow moves to the tail of its class, so with packet times that never
 * go backwards each list is sorted by last_ts and, every flow of a class having the same
 * timeout, its head is the first flow due in it. A single list would not do: a UDP flow
 * (60 s) behind a TCP flow (300 s) is due first but sits behind a flow that is not, and the
 * walk would either stop early (late expiry) or scan everything. With four lists, expiry and
 * eviction compare only four heads.
 *
 * Time going backwards (captures read one after another, merged interfaces, a clock stepped
 * back): flow times stay the flow's own packet times (last_ts never decreases) and the lists
 * stay in touch order, O(1), never walked. Such a list is then only roughly sorted: a flow
 * that is due may wait behind a head that is not, until that head is due or seen again
 * (inline checks in get() stay exact). Sorting on insertion would cost a walk over every
 * newer flow for each older packet, which a stepped clock turns into O(flows) per packet.
 *
 * Determinism: flows past their idle timeout are logically ended whether or not a sweep
 * ended them. So whenever something must give (a full pool, the memcap, an index doubling),
 * due flows are ended first (IDLE/CLOSED, earliest deadline first), and only then is the
 * least recently seen live flow evicted (EVICTED). Which flows end, why, and with what
 * content then depends only on packet times and order; sweeps only change when on_end runs
 * (expire() must be given packet times, as get() is, for that to hold). The clock for those
 * decisions is the largest time given to get() or expire().
 */
#include <stdlib.h>
#include <string.h>

#include "ots/compiler.h"
#include "ots/error.h"
#include "ots/flow.h"

#define NIL UINT32_MAX
#define MIN_SLOTS 64u
#define MAX_FLOWS (UINT32_C(1) << 30) /* keeps the index within 2^31 slots */

enum lru_class {
	LRU_TCP = 0,
	LRU_TCP_CLOSED = 1,
	LRU_UDP = 2,
	LRU_OTHER = 3,
	LRU__COUNT = 4
};

struct slot {
	uint32_t hash;
	uint32_t idx1; /* pool index + 1; 0: empty */
};

struct lru {
	uint32_t head, tail;
};

struct ots_flow_table {
	struct ots_flow_conf conf;
	ots_flow_end_fn on_end;
	void *ctx;

	struct slot *slots;
	uint32_t mask;        /* slots - 1 */
	uint32_t max_slots;   /* the index never grows past this */

	struct ots_flow *pool;
	uint32_t max_flows;   /* pool entries */
	uint32_t bump;        /* entries [0, bump) have been handed out at least once */
	uint32_t free_head;   /* free entries, linked through lru_next */

	struct lru lru[LRU__COUNT];
	uint64_t timeout[LRU__COUNT];
	uint64_t clock;       /* largest packet time seen */
	uint64_t seq;

	struct ots_flow_stats st;
};

void
ots_flow_conf_default(struct ots_flow_conf *c)
{
	c->memcap = UINT64_C(256) << 20;
	c->idle_tcp_us = UINT64_C(300) * 1000000;
	c->idle_tcp_closed_us = UINT64_C(10) * 1000000;
	c->idle_udp_us = UINT64_C(60) * 1000000;
	c->idle_other_us = UINT64_C(30) * 1000000;
	c->active_us = UINT64_C(1800) * 1000000;
}

static void
mem_add(struct ots_flow_table *t, uint64_t n)
{
	t->st.mem_used += n;
	if (t->st.mem_used > t->st.mem_peak)
		t->st.mem_peak = t->st.mem_used;
}

static void
mem_sub(struct ots_flow_table *t, uint64_t n)
{
	t->st.mem_used = n > t->st.mem_used ? 0 : t->st.mem_used - n;
}

static uint8_t
class_of(const struct ots_flow *f)
{
	switch (f->key.proto) {
	case 6:
		return OTS_TCPF_CLOSED(f->tcp_state) ? LRU_TCP_CLOSED : LRU_TCP;
	case 17:
		return LRU_UDP;
	default:
		return LRU_OTHER;
	}
}

static int
idle_due(const struct ots_flow_table *t, const struct ots_flow *f, uint64_t now)
{
	return now >= f->last_ts && now - f->last_ts >= t->timeout[f->lru_class];
}

/* ---- LRU lists ---- */

static void
lru_unlink(struct ots_flow_table *t, struct ots_flow *f)
{
	struct lru *l = &t->lru[f->lru_class];

	if (f->lru_prev != NIL)
		t->pool[f->lru_prev].lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next != NIL)
		t->pool[f->lru_next].lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
}

/* Append f (pool index idx) to the tail of class cls: it is the most recently seen. */
static void
lru_append(struct ots_flow_table *t, struct ots_flow *f, uint32_t idx, uint8_t cls)
{
	struct lru *l = &t->lru[cls];

	f->lru_class = cls;
	f->lru_prev = l->tail;
	f->lru_next = NIL;
	if (l->tail != NIL)
		t->pool[l->tail].lru_next = idx;
	else
		l->head = idx;
	l->tail = idx;
}

/* ---- index ---- */

static uint32_t
index_find(struct ots_flow_table *t, const struct ots_flow_key *k, uint32_t hash)
{
	uint32_t pos = hash & t->mask;
	uint64_t probes = 0;
	uint32_t found = NIL;

	for (;;) {
		const struct slot *s = &t->slots[pos];

		probes++;
		if (s->idx1 == 0)
			break;
		if (s->hash == hash && memcmp(&t->pool[s->idx1 - 1].key, k, sizeof(*k)) == 0) {
			found = s->idx1 - 1;
			break;
		}
		pos = (pos + 1) & t->mask;
	}
	t->st.probes += probes;
	return found;
}

static void
slots_put(struct slot *slots, uint32_t mask, uint32_t hash, uint32_t idx)
{
	uint32_t pos = hash & mask;

	while (slots[pos].idx1 != 0)
		pos = (pos + 1) & mask;
	slots[pos].hash = hash;
	slots[pos].idx1 = idx + 1;
}

/* Remove pool entry idx (hash) from the index, shifting the rest of its cluster back. */
static void
index_remove(struct ots_flow_table *t, uint32_t hash, uint32_t idx)
{
	uint32_t mask = t->mask;
	uint32_t i = hash & mask;
	uint32_t j;

	while (t->slots[i].idx1 != idx + 1)
		i = (i + 1) & mask;
	/*
	 * i is the hole. An entry at j may move into it unless its home slot lies in the cyclic
	 * range (i, j], where moving it would put it before its home.
	 */
	for (j = (i + 1) & mask; t->slots[j].idx1 != 0; j = (j + 1) & mask) {
		uint32_t home = t->slots[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].hash = 0;
	t->slots[i].idx1 = 0;
}

static int
index_grow(struct ots_flow_table *t)
{
	uint32_t old_n = t->mask + 1;
	uint32_t new_n = old_n * 2;
	struct slot *ns = calloc(new_n, sizeof(*ns));
	uint32_t i;

	if (ns == NULL)
		return OTS_ENOMEM;
	mem_add(t, (uint64_t)new_n * sizeof(*ns));
	for (i = 0; i < old_n; i++)
		if (t->slots[i].idx1 != 0)
			slots_put(ns, new_n - 1, t->slots[i].hash, t->slots[i].idx1 - 1);
	free(t->slots);
	mem_sub(t, (uint64_t)old_n * sizeof(*ns));
	t->slots = ns;
	t->mask = new_n - 1;
	return OTS_OK;
}

/* ---- ending flows ---- */

static void
count_end(struct ots_flow_table *t, uint8_t reason)
{
	switch (reason) {
	case OTS_FLOW_END_IDLE: t->st.ended_idle++; break;
	case OTS_FLOW_END_TIMEOUT_ACTIVE: t->st.ended_active++; break;
	case OTS_FLOW_END_CLOSED: t->st.ended_closed++; break;
	case OTS_FLOW_END_EVICTED: t->st.ended_evicted++; break;
	default: t->st.ended_eof++; break;
	}
}

static uint8_t
idle_reason(const struct ots_flow *f)
{
	return f->lru_class == LRU_TCP_CLOSED ? OTS_FLOW_END_CLOSED : OTS_FLOW_END_IDLE;
}

/* End pool entry idx for good: out of the LRU and index, through on_end, onto the free list. */
static void
flow_end(struct ots_flow_table *t, uint32_t idx, uint8_t reason)
{
	struct ots_flow *f = &t->pool[idx];

	lru_unlink(t, f);
	index_remove(t, f->hash, idx);
	f->end_reason = reason;
	count_end(t, reason);
	t->st.active--;
	mem_sub(t, sizeof(*f));
	if (t->on_end != NULL)
		t->on_end(t->ctx, f);
	f->ndpi = NULL;
	f->stream = NULL;
	f->app = NULL;
	f->lru_next = t->free_head;
	t->free_head = idx;
}

/* Class head, or the one after it when the head is keep. */
static uint32_t
class_candidate(const struct ots_flow_table *t, unsigned c, uint32_t keep)
{
	uint32_t idx = t->lru[c].head;

	if (idx != NIL && idx == keep)
		idx = t->pool[idx].lru_next;
	return idx;
}

/* The flow (not keep) whose idle deadline passed first at time now, or NIL. */
static uint32_t
pick_due(const struct ots_flow_table *t, uint64_t now, uint32_t keep)
{
	uint32_t best = NIL;
	uint64_t best_dl = 0;
	unsigned c;

	for (c = 0; c < LRU__COUNT; c++) {
		uint32_t idx = class_candidate(t, c, keep);
		const struct ots_flow *f;
		uint64_t dl;

		if (idx == NIL)
			continue;
		f = &t->pool[idx];
		if (!idle_due(t, f, now))
			continue;
		dl = f->last_ts + t->timeout[c];
		if (dl < f->last_ts)
			dl = UINT64_MAX;
		if (best == NIL || dl < best_dl) {
			best = idx;
			best_dl = dl;
		}
	}
	return best;
}

/* The least recently seen flow (not keep): smallest last_ts, then oldest seq. */
static uint32_t
pick_lru(const struct ots_flow_table *t, uint32_t keep)
{
	uint32_t best = NIL;
	unsigned c;

	for (c = 0; c < LRU__COUNT; c++) {
		uint32_t idx = class_candidate(t, c, keep);
		const struct ots_flow *f, *b;

		if (idx == NIL)
			continue;
		f = &t->pool[idx];
		if (best == NIL) {
			best = idx;
			continue;
		}
		b = &t->pool[best];
		if (f->last_ts < b->last_ts || (f->last_ts == b->last_ts && f->seq < b->seq))
			best = idx;
	}
	return best;
}

/* End one due flow, else evict one live flow (never keep). 0 when there was none. */
static int
shed_one(struct ots_flow_table *t, uint32_t keep)
{
	uint32_t v = pick_due(t, t->clock, keep);

	if (v != NIL) {
		flow_end(t, v, idle_reason(&t->pool[v]));
		return 1;
	}
	v = pick_lru(t, keep);
	if (v == NIL)
		return 0;
	flow_end(t, v, OTS_FLOW_END_EVICTED);
	return 1;
}

/*
 * Make room for one more flow. Returns 1 with *grow set when the index must double first,
 * 0 when even an empty table cannot take it.
 */
static int
make_room(struct ots_flow_table *t, int *grow)
{
	for (;;) {
		uint32_t nslots = t->mask + 1;
		int g = t->st.active + 1 > nslots / 2;
		uint64_t need = sizeof(struct ots_flow);
		uint32_t v;

		if (g)
			need += (uint64_t)nslots * 2 * sizeof(struct slot);
		if (g || t->st.active >= t->max_flows || t->st.mem_used + need > t->conf.memcap) {
			/* Something must give: flows already due go first, even before a doubling. */
			v = pick_due(t, t->clock, NIL);
			if (v != NIL) {
				flow_end(t, v, idle_reason(&t->pool[v]));
				continue;
			}
		}
		if (t->st.active < t->max_flows && (!g || nslots < t->max_slots) &&
		    t->st.mem_used + need <= t->conf.memcap) {
			*grow = g;
			return 1;
		}
		v = pick_lru(t, NIL);
		if (v == NIL)
			return 0;
		flow_end(t, v, OTS_FLOW_END_EVICTED);
	}
}

/* ---- creation ---- */

static void
flow_init(struct ots_flow_table *t, struct ots_flow *f, const struct ots_flow_key *k,
          uint32_t hash, uint64_t now)
{
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = hash;
	f->first_ts = now;
	f->last_ts = now;
	f->seq = t->seq++;
	t->st.created++;
}

/*
 * End f (found in the index at idx) with reason and start a fresh record in the same pool
 * entry and index slot: the key does not change, so neither does its place.
 */
static void
flow_recycle(struct ots_flow_table *t, struct ots_flow *f, uint32_t idx, uint8_t reason,
             uint64_t now)
{
	struct ots_flow keep;

	lru_unlink(t, f);
	f->end_reason = reason;
	count_end(t, reason);
	if (t->on_end != NULL)
		t->on_end(t->ctx, f);
	keep = *f;
	flow_init(t, f, &keep.key, keep.hash, now);
	if (reason == OTS_FLOW_END_TIMEOUT_ACTIVE) {
		f->init_is_lo = keep.init_is_lo;
		f->tcp_state = keep.tcp_state;
		f->ndpi_state = keep.ndpi_state;
		f->vlan_count = keep.vlan_count;
		f->has_mac = keep.has_mac;
		memcpy(f->vlan, keep.vlan, sizeof(f->vlan));
		memcpy(f->mac, keep.mac, sizeof(f->mac));
		memcpy(f->ttl, keep.ttl, sizeof(f->ttl));
		f->ics_flags = keep.ics_flags;
		f->ndpi_master = keep.ndpi_master;
		f->ndpi_app = keep.ndpi_app;
		f->ndpi_category = keep.ndpi_category;
		/* the dissector goes on with the connection (on_end leaves f->app alone then) */
		f->app_verdict = keep.app_verdict;
		f->app_probes = keep.app_probes;
		f->app_proto = keep.app_proto;
		f->app = keep.app;
	}
	lru_append(t, f, idx, class_of(f));
}

struct ots_flow *
ots_flow_table_get(struct ots_flow_table *t, const struct ots_flow_key *k, uint32_t hash,
                   uint64_t now, int *created)
{
	struct ots_flow *f;
	uint32_t idx;
	int grow;

	t->st.lookups++;
	if (now > t->clock)
		t->clock = now;
	idx = index_find(t, k, hash);
	if (ots_likely(idx != NIL)) {
		uint8_t cls;

		f = &t->pool[idx];
		if (idle_due(t, f, now)) {
			flow_recycle(t, f, idx, idle_reason(f), now);
			*created = OTS_FLOW_NEW;
			return f;
		}
		if (t->conf.active_us != 0 && now >= f->first_ts &&
		    now - f->first_ts >= t->conf.active_us) {
			flow_recycle(t, f, idx, OTS_FLOW_END_TIMEOUT_ACTIVE, now);
			*created = OTS_FLOW_SPLIT;
			return f;
		}
		*created = OTS_FLOW_FOUND;
		cls = class_of(f);
		if (now > f->last_ts)
			f->last_ts = now;
		if (cls != f->lru_class || f->lru_next != NIL) {
			lru_unlink(t, f);
			lru_append(t, f, idx, cls);
		}
		return f;
	}

	if (!make_room(t, &grow) || (grow && index_grow(t) != OTS_OK)) {
		t->st.memcap_fail++;
		return NULL;
	}
	if (t->free_head != NIL) {
		idx = t->free_head;
		t->free_head = t->pool[idx].lru_next;
	} else {
		idx = t->bump++;
	}
	f = &t->pool[idx];
	flow_init(t, f, k, hash, now);
	slots_put(t->slots, t->mask, hash, idx);
	lru_append(t, f, idx, class_of(f));
	mem_add(t, sizeof(*f));
	if (++t->st.active > t->st.peak_active)
		t->st.peak_active = t->st.active;
	*created = OTS_FLOW_NEW;
	return f;
}

void
ots_flow_table_tcp_update(struct ots_flow_table *t, struct ots_flow *f, int dir,
                          uint8_t th_flags)
{
	uint8_t bits = 0;
	uint8_t cls;

	/* Most segments carry none of these: nothing to record, no class change. */
	if (!(th_flags & (OTS_TH_SYN | OTS_TH_FIN | OTS_TH_RST)))
		return;
	if (th_flags & OTS_TH_SYN)
		bits |= (th_flags & OTS_TH_ACK) ? OTS_TCPF_SYNACK : OTS_TCPF_SYN;
	if (th_flags & OTS_TH_FIN)
		bits |= dir ? OTS_TCPF_FIN1 : OTS_TCPF_FIN0;
	if (th_flags & OTS_TH_RST)
		bits |= OTS_TCPF_RST;
	f->tcp_state |= bits;
	cls = class_of(f);
	if (cls != f->lru_class) {
		lru_unlink(t, f);
		lru_append(t, f, (uint32_t)(f - t->pool), cls);
	}
}

uint64_t
ots_flow_idle_timeout(const struct ots_flow_table *t, const struct ots_flow *f)
{
	return t->timeout[f->lru_class];
}

uint32_t
ots_flow_table_expire(struct ots_flow_table *t, uint64_t now, uint32_t budget)
{
	uint32_t n = 0;
	uint32_t v;

	if (now > t->clock)
		t->clock = now;
	while ((budget == 0 || n < budget) && (v = pick_due(t, now, NIL)) != NIL) {
		flow_end(t, v, idle_reason(&t->pool[v]));
		n++;
	}
	return n;
}

void
ots_flow_table_flush(struct ots_flow_table *t, uint8_t reason)
{
	uint32_t v;

	/* Oldest first, so the order of records does not depend on pool reuse. A TCP flow that
	 * already closed (FIN both ways or RST) ends as closed even at the end of a capture:
	 * "eof" means still open when the input ended. */
	while ((v = pick_lru(t, NIL)) != NIL)
		flow_end(t, v, reason == OTS_FLOW_END_EOF && t->pool[v].key.proto == 6 &&
		                       OTS_TCPF_CLOSED(t->pool[v].tcp_state)
		                   ? OTS_FLOW_END_CLOSED : reason);
	t->free_head = NIL;
	t->bump = 0;
}

void
ots_flow_table_charge(struct ots_flow_table *t, struct ots_flow *keep, int64_t delta)
{
	uint32_t k = keep != NULL ? (uint32_t)(keep - t->pool) : NIL;

	if (delta < 0) {
		mem_sub(t, (uint64_t)-(delta + 1) + 1);
		return;
	}
	mem_add(t, (uint64_t)delta);
	while (t->st.mem_used > t->conf.memcap && shed_one(t, k))
		;
}

const struct ots_flow_stats *
ots_flow_table_stats(const struct ots_flow_table *t)
{
	return &t->st;
}

static uint32_t
pow2_at_least(uint64_t n)
{
	uint32_t p = MIN_SLOTS;

	while (p < n)
		p <<= 1;
	return p;
}

struct ots_flow_table *
ots_flow_table_new(const struct ots_flow_conf *c, ots_flow_end_fn on_end, void *ctx)
{
	struct ots_flow_table *t;
	uint64_t mf;
	unsigned i;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->conf = *c;
	t->on_end = on_end;
	t->ctx = ctx;
	t->timeout[LRU_TCP] = c->idle_tcp_us;
	t->timeout[LRU_TCP_CLOSED] = c->idle_tcp_closed_us;
	t->timeout[LRU_UDP] = c->idle_udp_us;
	t->timeout[LRU_OTHER] = c->idle_other_us;
	for (i = 0; i < LRU__COUNT; i++)
		t->lru[i].head = t->lru[i].tail = NIL;
	t->free_head = NIL;

	mf = c->memcap / (sizeof(struct ots_flow) + 2 * sizeof(struct slot));
	if (mf > MAX_FLOWS)
		mf = MAX_FLOWS;
	t->max_flows = (uint32_t)mf;
	t->max_slots = pow2_at_least(2 * mf);
	if (mf > 0) {
		t->pool = malloc((size_t)mf * sizeof(struct ots_flow));
		if (t->pool == NULL)
			goto fail;
	}
	t->slots = calloc(MIN_SLOTS, sizeof(struct slot));
	if (t->slots == NULL)
		goto fail;
	t->mask = MIN_SLOTS - 1;
	mem_add(t, MIN_SLOTS * sizeof(struct slot));
	return t;
fail:
	free(t->pool);
	free(t);
	return NULL;
}

void
ots_flow_table_free(struct ots_flow_table *t)
{
	if (t == NULL)
		return;
	ots_flow_table_flush(t, OTS_FLOW_END_EOF);
	free(t->slots);
	free(t->pool);
	free(t);
}
