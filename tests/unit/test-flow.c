/* SPDX-License-Identifier: BSD-3-Clause */
/* test-flow.c: unit tests of flow keys and the per-worker flow table (src/flow-*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ots/compiler.h"
#include "ots/flow.h"

#define SEC UINT64_C(1000000)
#define F_SZ ((uint64_t)sizeof(struct ots_flow))

/* ---- helpers ---- */

struct ended {
	uint16_t id;        /* key id (port_lo - 1000) */
	uint8_t reason;
	uint64_t seq, first_ts, last_ts;
	uint64_t pkts0;
};

#define LOG_MAX 200000

/* on_end context: a log of ended flows, and extra bytes charged per key id to release. */
struct rec {
	struct ots_flow_table *t;
	struct ended *log;
	size_t n;
	int64_t extra[4096];
};

static void
on_end(void *ctx, struct ots_flow *f)
{
	struct rec *r = ctx;
	struct ended *e;
	uint16_t id = (uint16_t)(f->key.port_lo - 1000);

	assert_true(f->end_reason >= OTS_FLOW_END_IDLE && f->end_reason <= OTS_FLOW_END_EOF);
	assert_true(r->n < LOG_MAX);
	e = &r->log[r->n++];
	e->id = id;
	e->reason = f->end_reason;
	e->seq = f->seq;
	e->first_ts = f->first_ts;
	e->last_ts = f->last_ts;
	e->pkts0 = f->pkts[0];
	if (r->t != NULL && id < OTS_ARRAY_LEN(r->extra) && r->extra[id] != 0) {
		ots_flow_table_charge(r->t, f, -r->extra[id]);
		r->extra[id] = 0;
	}
}

static struct rec *
rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->log = calloc(LOG_MAX, sizeof(*r->log));
	assert_non_null(r->log);
	return r;
}

static void
rec_free(struct rec *r)
{
	free(r->log);
	free(r);
}

/* A crafted key: id picks the lo address and port; proto as given. */
static struct ots_flow_key
key_of(unsigned id, uint8_t proto)
{
	struct ots_flow_key k;

	memset(&k, 0, sizeof(k));
	k.lo.b[10] = k.lo.b[11] = 0xff;
	k.lo.b[12] = 10;
	k.lo.b[14] = (uint8_t)(id >> 8);
	k.lo.b[15] = (uint8_t)id;
	k.hi.b[10] = k.hi.b[11] = 0xff;
	k.hi.b[12] = 10;
	k.hi.b[13] = 1;
	k.hi.b[15] = 1;
	k.port_lo = (uint16_t)(1000 + id);
	k.port_hi = 502;
	k.proto = proto;
	k.ip_version = 4;
	return k;
}

static uint8_t
proto_of(unsigned id)
{
	static const uint8_t p[3] = { 6, 17, 1 };

	return p[id % 3];
}

static struct ots_flow *
get_id(struct ots_flow_table *t, unsigned id, uint8_t proto, uint64_t now, int *created)
{
	struct ots_flow_key k = key_of(id, proto);

	return ots_flow_table_get(t, &k, ots_flow_key_hash(&k), now, created);
}

static void
check_stats(struct ots_flow_table *t)
{
	const struct ots_flow_stats *st = ots_flow_table_stats(t);

	assert_int_equal(st->created, st->ended_idle + st->ended_active + st->ended_closed +
	                              st->ended_evicted + st->ended_eof + st->active);
	assert_true(st->peak_active >= st->active);
	assert_true(st->mem_peak >= st->mem_used);
}

static void
conf_test(struct ots_flow_conf *c)
{
	ots_flow_conf_default(c);
	c->idle_tcp_us = 300 * SEC;
	c->idle_tcp_closed_us = 10 * SEC;
	c->idle_udp_us = 60 * SEC;
	c->idle_other_us = 30 * SEC;
	c->active_us = 1800 * SEC;
}

/* Memcap that holds exactly n flows with the initial index (n <= 32). */
static uint64_t
memcap_for(unsigned n)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	uint64_t idx;

	conf_test(&c);
	t = ots_flow_table_new(&c, NULL, NULL);
	assert_non_null(t);
	idx = ots_flow_table_stats(t)->mem_used;
	ots_flow_table_free(t);
	return idx + n * F_SZ;
}

static void
v4(struct ots_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->b[10] = a->b[11] = 0xff;
	a->b[12] = x;
	a->b[13] = y;
	a->b[14] = z;
	a->b[15] = w;
}

/* ---- keys ---- */

static void
test_key_symmetry(void **state)
{
	struct ots_pkt p, q;
	struct ots_flow_key k1, k2;
	int lo1 = -1, lo2 = -1;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ip_version = 4;
	p.ip_proto = 6;
	v4(&p.src, 192, 168, 1, 20);
	v4(&p.dst, 192, 168, 1, 10);
	p.sport = 49152;
	p.dport = 502;
	p.vlan_count = 1;
	p.vlan[0] = 0xa00c; /* PCP 5, VID 12 */
	q = p;
	q.src = p.dst;
	q.dst = p.src;
	q.sport = p.dport;
	q.dport = p.sport;
	ots_flow_key_make(&p, &k1, &lo1);
	ots_flow_key_make(&q, &k2, &lo2);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_int_equal(ots_flow_key_hash(&k1), ots_flow_key_hash(&k2));
	assert_int_equal(lo1, 0); /* 192.168.1.20 > 192.168.1.10 */
	assert_int_equal(lo2, 1);
	assert_int_equal(k1.lo.b[15], 10);
	assert_int_equal(k1.port_lo, 502);
	assert_int_equal(k1.port_hi, 49152);
	assert_int_equal(k1.vlan, 12);
	assert_int_equal(k1.proto, 6);
	assert_int_equal(k1.ip_version, 4);

	/* same address both sides: the port orders them */
	q = p;
	q.dst = p.src;
	q.sport = 2000;
	q.dport = 1000;
	ots_flow_key_make(&q, &k2, &lo2);
	assert_int_equal(lo2, 0);
	assert_int_equal(k2.port_lo, 1000);
	assert_int_equal(k2.port_hi, 2000);

	/* untagged ignores stale vlan[] contents; another VLAN is another flow */
	q = p;
	q.vlan_count = 0;
	ots_flow_key_make(&q, &k2, NULL);
	assert_int_equal(k2.vlan, 0);
	assert_memory_not_equal(&k1, &k2, sizeof(k1));
	assert_int_not_equal(ots_flow_key_hash(&k1), ots_flow_key_hash(&k2));

	/* IPv6: first differing byte decides */
	memset(&q, 0, sizeof(q));
	q.ip_version = 6;
	q.ip_proto = 17;
	q.src.b[0] = 0xfe;
	q.dst.b[0] = 0x20;
	q.sport = 1;
	q.dport = 65535;
	ots_flow_key_make(&q, &k2, &lo2);
	assert_int_equal(lo2, 0);
	assert_int_equal(k2.lo.b[0], 0x20);
	assert_int_equal(k2.port_lo, 65535);
	assert_int_equal(k2.ip_version, 6);
	assert_int_equal(k2.proto, 17);
}

static void
test_hash_distribution(void **state)
{
	enum { N = 1 << 17, B = 1024 };
	static uint32_t bucket[B], bucket_hi[B];
	unsigned i, min = UINT32_MAX, max = 0, min_hi = UINT32_MAX, max_hi = 0;

	(void)state;
	/* sequential ids: neighbouring keys differ in a few low bits only */
	for (i = 0; i < N; i++) {
		struct ots_flow_key k = key_of(i & 0xffff, (uint8_t)(6 + (i >> 16) * 11));
		uint32_t h = ots_flow_key_hash(&k);

		bucket[h & (B - 1)]++;
		bucket_hi[h >> 22]++;
	}
	for (i = 0; i < B; i++) {
		min = bucket[i] < min ? bucket[i] : min;
		max = bucket[i] > max ? bucket[i] : max;
		min_hi = bucket_hi[i] < min_hi ? bucket_hi[i] : min_hi;
		max_hi = bucket_hi[i] > max_hi ? bucket_hi[i] : max_hi;
	}
	/* mean 128, sd ~11.3: 6 sd either way */
	assert_true(min > 60 && max < 196);
	assert_true(min_hi > 60 && max_hi < 196);
}

/* ---- table basics ---- */

static void
test_create_lookup(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct ots_flow *f, *g;
	const struct ots_flow_stats *st;
	int cr = -1;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, NULL, NULL);
	assert_non_null(t);
	st = ots_flow_table_stats(t);
	assert_int_equal(st->active, 0);
	f = get_id(t, 1, 6, 1000, &cr);
	assert_non_null(f);
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_int_equal(f->seq, 0);
	assert_int_equal(f->first_ts, 1000);
	assert_int_equal(f->last_ts, 1000);
	assert_int_equal(f->pkts[0], 0);
	assert_int_equal(f->end_reason, OTS_FLOW_END_ACTIVE);
	assert_int_equal(f->key.port_lo, 1001);
	f->pkts[0] = 7;
	g = get_id(t, 1, 6, 2000, &cr);
	assert_ptr_equal(g, f);
	assert_int_equal(cr, OTS_FLOW_FOUND);
	assert_int_equal(g->first_ts, 1000);
	assert_int_equal(g->last_ts, 2000);
	assert_int_equal(g->pkts[0], 7);
	/* same id, other protocol: another flow */
	g = get_id(t, 1, 17, 3000, &cr);
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_ptr_not_equal(g, f);
	assert_int_equal(g->seq, 1);
	/* a packet time going backwards does not move last_ts back; new flows keep their time */
	g = get_id(t, 1, 6, 1500, &cr);
	assert_int_equal(cr, OTS_FLOW_FOUND);
	assert_int_equal(g->last_ts, 2000);
	assert_int_equal(g->first_ts, 1000);
	g = get_id(t, 2, 6, 10, &cr);
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_int_equal(g->first_ts, 10);
	assert_int_equal(g->last_ts, 10);
	assert_int_equal(ots_flow_idle_timeout(t, g), 300 * SEC);
	assert_int_equal(st->created, 3);
	assert_int_equal(st->active, 3);
	assert_int_equal(st->lookups, 5);
	assert_true(st->probes >= 5);
	assert_int_equal(st->mem_used, memcap_for(3));
	check_stats(t);
	ots_flow_table_free(t);
}

/* Insert n flows with hashes from hf, end a random subset, compare with a reference array. */
static void
collide_and_delete(unsigned n, uint32_t (*hf)(unsigned id, const struct ots_flow_key *k),
                   uint64_t seed)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	struct ots_flow **ptr = calloc(n, sizeof(*ptr));
	uint8_t *keep = calloc(n, 1);
	unsigned i, kept = 0;
	uint64_t x = seed;
	int cr;

	assert_non_null(ptr);
	assert_non_null(keep);
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	assert_non_null(t);
	for (i = 0; i < n; i++) {
		struct ots_flow_key k = key_of(i, 17);

		ptr[i] = ots_flow_table_get(t, &k, hf(i, &k), 0, &cr);
		assert_non_null(ptr[i]);
		assert_int_equal(cr, OTS_FLOW_NEW);
	}
	for (i = 0; i < n; i++) {
		struct ots_flow_key k = key_of(i, 17);

		assert_ptr_equal(ots_flow_table_get(t, &k, hf(i, &k), 0, &cr), ptr[i]);
		assert_int_equal(cr, OTS_FLOW_FOUND);
	}
	/* the kept ones are seen at 30 s; the rest are idle at 60 s */
	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		keep[i] = (x >> 33) & 1;
		if (keep[i]) {
			struct ots_flow_key k = key_of(i, 17);

			kept++;
			assert_ptr_equal(ots_flow_table_get(t, &k, hf(i, &k), 30 * SEC, &cr), ptr[i]);
		}
	}
	assert_int_equal(ots_flow_table_expire(t, 60 * SEC, 0), n - kept);
	assert_int_equal(r->n, n - kept);
	for (i = 0; i < r->n; i++) {
		assert_int_equal(keep[r->log[i].id], 0);
		assert_int_equal(r->log[i].reason, OTS_FLOW_END_IDLE);
	}
	assert_int_equal(ots_flow_table_stats(t)->active, kept);
	/* every kept flow is still found where it was; each removed one is created anew */
	for (i = 0; i < n; i++) {
		struct ots_flow_key k = key_of(i, 17);

		if (!keep[i])
			continue;
		assert_ptr_equal(ots_flow_table_get(t, &k, hf(i, &k), 61 * SEC, &cr), ptr[i]);
		assert_int_equal(cr, OTS_FLOW_FOUND);
	}
	for (i = 0; i < n; i++) {
		struct ots_flow_key k = key_of(i, 17);
		struct ots_flow *f;

		if (keep[i])
			continue;
		f = ots_flow_table_get(t, &k, hf(i, &k), 61 * SEC, &cr);
		assert_int_equal(cr, OTS_FLOW_NEW);
		assert_int_equal(f->first_ts, 61 * SEC);
	}
	assert_int_equal(ots_flow_table_stats(t)->active, n);
	check_stats(t);
	ots_flow_table_free(t);
	assert_int_equal(r->n, 2 * n - kept);
	free(ptr);
	free(keep);
	rec_free(r);
}

static uint32_t
hash_real(unsigned id, const struct ots_flow_key *k)
{
	(void)id;
	return ots_flow_key_hash(k);
}

static uint32_t
hash_same(unsigned id, const struct ots_flow_key *k)
{
	(void)id;
	(void)k;
	return 0xdeadbeef;
}

/* Few homes near the end of any power-of-two index: clusters wrap around slot 0. */
static uint32_t
hash_wrap(unsigned id, const struct ots_flow_key *k)
{
	(void)k;
	return UINT32_MAX - (id % 7) * 3;
}

static uint32_t
hash_clustered(unsigned id, const struct ots_flow_key *k)
{
	(void)k;
	return (id % 13) * 2;
}

static void
test_collisions_delete(void **state)
{
	(void)state;
	collide_and_delete(5000, hash_real, 1);
	collide_and_delete(600, hash_same, 2);
	collide_and_delete(2000, hash_wrap, 3);
	collide_and_delete(2000, hash_clustered, 4);
	collide_and_delete(40, hash_wrap, 5);
}

static void
test_probe_count(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	const struct ots_flow_stats *st;
	unsigned i;
	int cr;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, NULL, NULL);
	st = ots_flow_table_stats(t);
	/* three keys sharing one hash: a miss probes past all of them to the empty slot */
	for (i = 0; i < 3; i++) {
		struct ots_flow_key k = key_of(i, 17);

		assert_non_null(ots_flow_table_get(t, &k, 5, 0, &cr));
	}
	assert_int_equal(st->probes, 1 + 2 + 3);
	{
		struct ots_flow_key k = key_of(2, 17);

		assert_non_null(ots_flow_table_get(t, &k, 5, 0, &cr));
		assert_int_equal(cr, OTS_FLOW_FOUND);
	}
	assert_int_equal(st->probes, 6 + 3);
	assert_int_equal(st->lookups, 4);
	ots_flow_table_free(t);
}

/* ---- timeouts ---- */

static void
test_idle_expire_classes(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	const struct ots_flow_stats *st;
	int cr;
	unsigned i;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	st = ots_flow_table_stats(t);
	/* the UDP and ICMP flows sit behind an older TCP flow in time, but are due first */
	assert_non_null(get_id(t, 1, 6, 0, &cr));
	assert_non_null(get_id(t, 2, 17, 1 * SEC, &cr));
	assert_non_null(get_id(t, 3, 1, 2 * SEC, &cr));
	assert_int_equal(ots_flow_table_expire(t, 31 * SEC, 0), 0);
	assert_int_equal(ots_flow_table_expire(t, 32 * SEC, 0), 1);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->log[0].id, 3);
	assert_int_equal(r->log[0].reason, OTS_FLOW_END_IDLE);
	assert_int_equal(ots_flow_table_expire(t, 61 * SEC - 1, 0), 0);
	assert_int_equal(ots_flow_table_expire(t, 61 * SEC, 0), 1);
	assert_int_equal(r->log[1].id, 2);
	assert_int_equal(ots_flow_table_expire(t, 300 * SEC - 1, 0), 0);
	assert_int_equal(ots_flow_table_expire(t, 300 * SEC, 0), 1);
	assert_int_equal(r->log[2].id, 1);
	assert_int_equal(r->log[2].last_ts, 0);
	assert_int_equal(st->ended_idle, 3);
	assert_int_equal(st->active, 0);

	/* budget, and due order across classes by deadline */
	for (i = 10; i < 20; i++)
		assert_non_null(get_id(t, i, 17, 1000 * SEC + i, &cr));
	assert_non_null(get_id(t, 30, 1, 1020 * SEC, &cr));   /* due at 1050 s */
	assert_non_null(get_id(t, 31, 6, 1001 * SEC, &cr));   /* due at 1301 s */
	assert_int_equal(ots_flow_table_expire(t, 1100 * SEC, 3), 3);
	assert_int_equal(r->log[3].id, 30); /* deadline 1050 s, before the UDP ones (1060 s) */
	assert_int_equal(r->log[4].id, 10);
	assert_int_equal(r->log[5].id, 11);
	assert_int_equal(ots_flow_table_expire(t, 1100 * SEC, 0), 8);
	assert_int_equal(r->log[6].id, 12);
	assert_int_equal(r->log[13].id, 19);
	assert_int_equal(st->active, 1);
	assert_int_equal(st->ended_idle, 14);
	check_stats(t);
	ots_flow_table_free(t);
	assert_int_equal(r->n, 15);
	assert_int_equal(r->log[14].id, 31);
	assert_int_equal(r->log[14].reason, OTS_FLOW_END_EOF);
	rec_free(r);
}

static void
test_idle_inline(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	struct ots_flow *f, *g;
	int cr;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	f = get_id(t, 1, 17, 0, &cr);
	f->pkts[0] = 3;
	g = get_id(t, 1, 17, 59 * SEC, &cr);
	assert_int_equal(cr, OTS_FLOW_FOUND);
	/* 60 s after the last packet: ended and created anew, without any sweep */
	g = get_id(t, 1, 17, 119 * SEC, &cr);
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_ptr_equal(g, f); /* recycled in place */
	assert_int_equal(r->n, 1);
	assert_int_equal(r->log[0].reason, OTS_FLOW_END_IDLE);
	assert_int_equal(r->log[0].first_ts, 0);
	assert_int_equal(r->log[0].last_ts, 59 * SEC);
	assert_int_equal(r->log[0].pkts0, 3);
	assert_int_equal(r->log[0].seq, 0);
	assert_int_equal(g->seq, 1);
	assert_int_equal(g->pkts[0], 0);
	assert_int_equal(g->first_ts, 119 * SEC);
	/* other flow: 29 s is fine, 30 s is not */
	assert_non_null(get_id(t, 2, 1, 200 * SEC, &cr));
	assert_non_null(get_id(t, 2, 1, 229 * SEC, &cr));
	assert_int_equal(cr, OTS_FLOW_FOUND);
	assert_non_null(get_id(t, 2, 1, 259 * SEC, &cr));
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_int_equal(r->log[1].id, 2);
	assert_int_equal(ots_flow_table_stats(t)->ended_idle, 2);
	assert_int_equal(ots_flow_table_stats(t)->active, 2);
	check_stats(t);
	ots_flow_table_free(t);
	rec_free(r);
}

static void
test_closed_tcp(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	struct ots_flow *f, *g, *h;
	int cr;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	f = get_id(t, 1, 6, 0, &cr);
	ots_flow_table_tcp_update(t, f, 0, OTS_TH_SYN);
	f = get_id(t, 1, 6, 1 * SEC, &cr);
	ots_flow_table_tcp_update(t, f, 1, OTS_TH_SYN | OTS_TH_ACK);
	assert_int_equal(f->tcp_state, OTS_TCPF_SYN | OTS_TCPF_SYNACK);
	f = get_id(t, 1, 6, 2 * SEC, &cr);
	ots_flow_table_tcp_update(t, f, 0, OTS_TH_FIN | OTS_TH_ACK);
	assert_int_equal(ots_flow_idle_timeout(t, f), 300 * SEC); /* one FIN: still open */
	g = get_id(t, 2, 6, 3 * SEC, &cr);                        /* an open TCP flow */
	f = get_id(t, 1, 6, 4 * SEC, &cr);
	ots_flow_table_tcp_update(t, f, 1, OTS_TH_FIN | OTS_TH_ACK);
	assert_int_equal(f->tcp_state & (OTS_TCPF_FIN0 | OTS_TCPF_FIN1),
	                 OTS_TCPF_FIN0 | OTS_TCPF_FIN1);
	assert_int_equal(ots_flow_idle_timeout(t, f), 10 * SEC);
	/* a RST closes alone */
	h = get_id(t, 3, 6, 5 * SEC, &cr);
	ots_flow_table_tcp_update(t, h, 1, OTS_TH_RST);
	assert_int_equal(ots_flow_idle_timeout(t, h), 10 * SEC);
	assert_int_equal(ots_flow_table_expire(t, 14 * SEC - 1, 0), 0);
	assert_int_equal(ots_flow_table_expire(t, 14 * SEC, 0), 1);
	assert_int_equal(r->log[0].id, 1);
	assert_int_equal(r->log[0].reason, OTS_FLOW_END_CLOSED);
	/* the RST flow ends inline when its key shows up again 10 s later */
	h = get_id(t, 3, 6, 15 * SEC, &cr);
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_int_equal(r->log[1].id, 3);
	assert_int_equal(r->log[1].reason, OTS_FLOW_END_CLOSED);
	assert_int_equal(h->tcp_state, 0);
	assert_int_equal(ots_flow_idle_timeout(t, h), 300 * SEC);
	assert_ptr_equal(get_id(t, 2, 6, 15 * SEC, &cr), g);
	assert_int_equal(ots_flow_table_stats(t)->ended_closed, 2);
	check_stats(t);
	ots_flow_table_free(t);
	rec_free(r);
}

static void
test_active_timeout(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	struct ots_flow *f, *g;
	uint64_t now;
	int cr;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	f = get_id(t, 1, 6, 0, &cr);
	f->init_is_lo = 1;
	f->vlan_count = 1;
	f->vlan[0] = 12;
	f->has_mac = 1;
	f->mac[1][5] = 0x42;
	f->ndpi_state = 1;
	f->ndpi_app = 7;
	ots_flow_table_tcp_update(t, f, 0, OTS_TH_SYN);
	for (now = 30 * SEC; now < 1800 * SEC; now += 30 * SEC) {
		g = get_id(t, 1, 6, now, &cr);
		assert_int_equal(cr, OTS_FLOW_FOUND);
		g->pkts[0]++;
	}
	g = get_id(t, 1, 6, 1800 * SEC, &cr);
	assert_int_equal(cr, OTS_FLOW_SPLIT);
	assert_ptr_equal(g, f);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->log[0].reason, OTS_FLOW_END_TIMEOUT_ACTIVE);
	assert_int_equal(r->log[0].first_ts, 0);
	assert_int_equal(r->log[0].last_ts, 1770 * SEC);
	assert_int_equal(r->log[0].pkts0, 59);
	assert_int_equal(g->first_ts, 1800 * SEC);
	assert_int_equal(g->pkts[0], 0);
	assert_int_equal(g->seq, 1);
	assert_int_equal(g->init_is_lo, 1);
	assert_int_equal(g->vlan[0], 12);
	assert_int_equal(g->mac[1][5], 0x42);
	assert_int_equal(g->ndpi_app, 7);
	assert_int_equal(g->tcp_state, OTS_TCPF_SYN);
	assert_null(g->ndpi);
	assert_null(g->stream);
	assert_int_equal(ots_flow_table_stats(t)->ended_active, 1);
	assert_int_equal(ots_flow_table_stats(t)->created, 2);

	/* active_us = 0 disables */
	ots_flow_table_free(t);
	c.active_us = 0;
	t = ots_flow_table_new(&c, on_end, r);
	for (now = 0; now < 4000 * SEC; now += 50 * SEC) {
		get_id(t, 1, 17, now, &cr);
		assert_int_equal(cr, now == 0 ? OTS_FLOW_NEW : OTS_FLOW_FOUND);
	}
	check_stats(t);
	ots_flow_table_free(t);
	rec_free(r);
}

/* ---- memcap ---- */

static void
test_memcap_eviction(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	const struct ots_flow_stats *st;
	unsigned i;
	int cr;

	(void)state;
	conf_test(&c);
	c.memcap = memcap_for(4);
	t = ots_flow_table_new(&c, on_end, r);
	st = ots_flow_table_stats(t);
	for (i = 1; i <= 4; i++)
		assert_non_null(get_id(t, i, i == 3 ? 6 : 17, i * SEC, &cr));
	assert_non_null(get_id(t, 1, 17, 5 * SEC, &cr)); /* LRU: 2 3 4 1 */
	assert_int_equal(cr, OTS_FLOW_FOUND);
	assert_int_equal(st->mem_used, c.memcap);
	for (i = 5; i <= 8; i++) {
		assert_non_null(get_id(t, i, 17, (i + 1) * SEC, &cr));
		assert_int_equal(cr, OTS_FLOW_NEW);
	}
	assert_int_equal(r->n, 4);
	assert_int_equal(r->log[0].id, 2);
	assert_int_equal(r->log[1].id, 3); /* TCP, in its own list: still the oldest */
	assert_int_equal(r->log[2].id, 4);
	assert_int_equal(r->log[3].id, 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(r->log[i].reason, OTS_FLOW_END_EVICTED);
	assert_int_equal(st->ended_evicted, 4);
	assert_int_equal(st->active, 4);
	assert_int_equal(st->peak_active, 4);
	assert_int_equal(st->mem_peak, c.memcap);

	/* a flow already past its idle time goes first (IDLE), before an older live one */
	ots_flow_table_flush(t, OTS_FLOW_END_EOF);
	r->n = 0;
	assert_non_null(get_id(t, 20, 6, 1000 * SEC, &cr));   /* TCP, live until 1300 s */
	assert_non_null(get_id(t, 21, 17, 1010 * SEC, &cr));  /* due at 1070 s */
	assert_non_null(get_id(t, 22, 17, 1020 * SEC, &cr));
	assert_non_null(get_id(t, 23, 17, 1030 * SEC, &cr));
	assert_non_null(get_id(t, 24, 17, 1075 * SEC, &cr));
	assert_int_equal(r->n, 1);
	assert_int_equal(r->log[0].id, 21);
	assert_int_equal(r->log[0].reason, OTS_FLOW_END_IDLE);
	assert_non_null(get_id(t, 25, 17, 1076 * SEC, &cr));
	assert_int_equal(r->log[1].id, 20);
	assert_int_equal(r->log[1].reason, OTS_FLOW_END_EVICTED);
	check_stats(t);
	ots_flow_table_free(t);
	rec_free(r);
}

static void
test_memcap_fail(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	const struct ots_flow_stats *st;
	int cr;

	(void)state;
	conf_test(&c);
	c.memcap = 100;
	t = ots_flow_table_new(&c, NULL, NULL);
	assert_non_null(t);
	assert_null(get_id(t, 1, 6, 0, &cr));
	assert_null(get_id(t, 2, 6, 0, &cr));
	st = ots_flow_table_stats(t);
	assert_int_equal(st->memcap_fail, 2);
	assert_int_equal(st->created, 0);
	assert_int_equal(st->active, 0);
	ots_flow_table_free(t);

	/* one byte short of a flow */
	c.memcap = memcap_for(1) - 1;
	t = ots_flow_table_new(&c, NULL, NULL);
	assert_null(get_id(t, 1, 6, 0, &cr));
	assert_int_equal(ots_flow_table_stats(t)->memcap_fail, 1);
	ots_flow_table_free(t);
	c.memcap = memcap_for(1);
	t = ots_flow_table_new(&c, NULL, NULL);
	assert_non_null(get_id(t, 1, 6, 0, &cr));
	assert_non_null(get_id(t, 2, 6, 0, &cr)); /* evicts 1 */
	assert_int_equal(ots_flow_table_stats(t)->memcap_fail, 0);
	assert_int_equal(ots_flow_table_stats(t)->ended_evicted, 1);
	ots_flow_table_free(t);
}

static void
test_charge(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	const struct ots_flow_stats *st;
	struct ots_flow *f[5];
	uint64_t base;
	unsigned i;
	int cr;

	(void)state;
	conf_test(&c);
	c.memcap = memcap_for(4) + 1000;
	t = ots_flow_table_new(&c, on_end, r);
	r->t = t;
	st = ots_flow_table_stats(t);
	base = st->mem_used;
	for (i = 1; i <= 4; i++)
		f[i] = get_id(t, i, 17, i * SEC, &cr);
	/* flow 2 holds 300 bytes of extras; released by on_end */
	ots_flow_table_charge(t, f[2], 300);
	r->extra[2] = 300;
	assert_int_equal(st->mem_used, base + 4 * F_SZ + 300);
	/* 1500 more for flow 4: 800 over, flows 1 (176) then 2 (176 + 300) go ... and 3 */
	ots_flow_table_charge(t, f[4], 1500);
	r->extra[4] = 1500;
	assert_true(st->mem_used <= c.memcap);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->log[0].id, 1);
	assert_int_equal(r->log[1].id, 2);
	assert_int_equal(r->log[2].id, 3);
	assert_int_equal(r->log[0].reason, OTS_FLOW_END_EVICTED);
	assert_int_equal(st->mem_used, base + F_SZ + 1500);
	assert_int_equal(st->active, 1);
	/* keep is never evicted, even as the LRU head, even when over the cap */
	ots_flow_table_charge(t, f[4], (int64_t)c.memcap);
	r->extra[4] += (int64_t)c.memcap;
	assert_int_equal(st->active, 1);
	assert_true(st->mem_used > c.memcap);
	assert_int_equal(st->ended_evicted, 3);
	ots_flow_table_charge(t, f[4], -(int64_t)c.memcap);
	r->extra[4] -= (int64_t)c.memcap;
	/* flush releases the extras through on_end: back to the index alone */
	ots_flow_table_flush(t, OTS_FLOW_END_EOF);
	assert_int_equal(st->mem_used, base);
	assert_int_equal(st->ended_eof, 1);
	check_stats(t);
	ots_flow_table_free(t);
	rec_free(r);
}

static void
test_flush_eof(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	const struct ots_flow_stats *st;
	unsigned i;
	int cr;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	st = ots_flow_table_stats(t);
	for (i = 5; i-- > 0;)
		assert_non_null(get_id(t, i, proto_of(i), (10 - i) * SEC, &cr));
	ots_flow_table_flush(t, OTS_FLOW_END_EOF);
	assert_int_equal(r->n, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(r->log[i].id, 4 - i); /* oldest last packet first */
		assert_int_equal(r->log[i].reason, OTS_FLOW_END_EOF);
	}
	assert_int_equal(st->active, 0);
	assert_int_equal(st->ended_eof, 5);
	/* usable again; free() flushes too */
	for (i = 0; i < 3; i++) {
		assert_non_null(get_id(t, i, 6, 20 * SEC, &cr));
		assert_int_equal(cr, OTS_FLOW_NEW);
	}
	assert_non_null(get_id(t, 0, 6, 21 * SEC, &cr));
	assert_int_equal(cr, OTS_FLOW_FOUND);
	check_stats(t);
	ots_flow_table_free(t);
	assert_int_equal(r->n, 8);
	assert_int_equal(r->log[7].id, 0);
	assert_int_equal(r->log[7].seq, 5);
	assert_int_equal(r->log[7].reason, OTS_FLOW_END_EOF);
	rec_free(r);
}

/* ---- randomized differential test against a naive model ---- */

#define M_KEYS 60
#define M_CAP 20

struct mflow {
	int live;
	uint8_t tcp_state;
	uint64_t first_ts, last_ts, seq;
};

struct model {
	struct mflow f[M_KEYS];
	uint64_t seq, clock, active_us;
	uint64_t timeout[4];
	unsigned count;
	struct ended log[LOG_MAX];
	size_t n;
};

static int
m_class(const struct model *m, unsigned id)
{
	uint8_t p = proto_of(id);

	if (p == 6)
		return OTS_TCPF_CLOSED(m->f[id].tcp_state) ? 1 : 0;
	return p == 17 ? 2 : 3;
}

static int
m_due(const struct model *m, unsigned id, uint64_t now)
{
	const struct mflow *f = &m->f[id];

	return now >= f->last_ts && now - f->last_ts >= m->timeout[m_class(m, id)];
}

static void
m_end(struct model *m, unsigned id, uint8_t reason)
{
	struct ended *e = &m->log[m->n++];

	e->id = (uint16_t)id;
	e->reason = reason;
	e->seq = m->f[id].seq;
	e->first_ts = m->f[id].first_ts;
	e->last_ts = m->f[id].last_ts;
	e->pkts0 = 0;
	m->f[id].live = 0;
	m->count--;
}

static uint8_t
m_idle_reason(const struct model *m, unsigned id)
{
	return m_class(m, id) == 1 ? OTS_FLOW_END_CLOSED : OTS_FLOW_END_IDLE;
}

/* The due flow with the earliest deadline (ties: lower class), or -1. */
static int
m_pick_due(const struct model *m, uint64_t now)
{
	int best = -1;
	uint64_t bd = 0;
	unsigned id;

	for (id = 0; id < M_KEYS; id++) {
		uint64_t d;

		if (!m->f[id].live || !m_due(m, id, now))
			continue;
		d = m->f[id].last_ts + m->timeout[m_class(m, id)];
		if (best < 0 || d < bd || (d == bd && m_class(m, id) < m_class(m, (unsigned)best))) {
			best = (int)id;
			bd = d;
		}
	}
	return best;
}

static void
m_init(struct model *m, uint64_t seq, uint64_t now, unsigned id)
{
	m->f[id].live = 1;
	m->f[id].seq = seq;
	m->f[id].first_ts = m->f[id].last_ts = now;
}

static int
m_get(struct model *m, unsigned id, uint64_t now)
{
	struct mflow *f = &m->f[id];

	if (now > m->clock)
		m->clock = now;
	if (f->live) {
		if (m_due(m, id, now)) {
			m_end(m, id, m_idle_reason(m, id));
			m->count++;
			f->tcp_state = 0;
			m_init(m, m->seq++, now, id);
			return OTS_FLOW_NEW;
		}
		if (m->active_us && now - f->first_ts >= m->active_us) {
			m_end(m, id, OTS_FLOW_END_TIMEOUT_ACTIVE);
			m->count++;
			m_init(m, m->seq++, now, id);
			return OTS_FLOW_SPLIT;
		}
		f->last_ts = now;
		return OTS_FLOW_FOUND;
	}
	while (m->count >= M_CAP) {
		int v = m_pick_due(m, m->clock);
		unsigned i;

		if (v >= 0) {
			m_end(m, (unsigned)v, m_idle_reason(m, (unsigned)v));
			continue;
		}
		for (i = 0; i < M_KEYS; i++)
			if (m->f[i].live && (v < 0 || m->f[i].last_ts < m->f[v].last_ts))
				v = (int)i;
		m_end(m, (unsigned)v, OTS_FLOW_END_EVICTED);
	}
	m->count++;
	f->tcp_state = 0;
	m_init(m, m->seq++, now, id);
	return OTS_FLOW_NEW;
}

static uint32_t
m_expire(struct model *m, uint64_t now, uint32_t budget)
{
	uint32_t n = 0;
	int v;

	if (now > m->clock)
		m->clock = now;
	while ((budget == 0 || n < budget) && (v = m_pick_due(m, now)) >= 0) {
		m_end(m, (unsigned)v, m_idle_reason(m, (unsigned)v));
		n++;
	}
	return n;
}

static uint64_t xs;

static uint32_t
rnd(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return (uint32_t)(xs >> 11);
}

static void
assert_logs_equal(const struct ended *a, size_t na, const struct ended *b, size_t nb)
{
	size_t i;

	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i].id, b[i].id);
		assert_int_equal(a[i].reason, b[i].reason);
		assert_int_equal(a[i].seq, b[i].seq);
		assert_int_equal(a[i].first_ts, b[i].first_ts);
		assert_int_equal(a[i].last_ts, b[i].last_ts);
	}
}

static void
test_random_differential(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	struct model *m = calloc(1, sizeof(*m));
	const struct ots_flow_stats *st;
	uint64_t now = 0;
	unsigned op;
	int seed;

	(void)state;
	assert_non_null(m);
	for (seed = 1; seed <= 3; seed++) {
		memset(m, 0, sizeof(*m));
		r->n = 0;
		xs = 0x2545f4914f6cdd1dull * (uint64_t)seed;
		conf_test(&c);
		c.memcap = memcap_for(M_CAP);
		c.active_us = 600 * SEC;
		m->active_us = c.active_us;
		m->timeout[0] = c.idle_tcp_us;
		m->timeout[1] = c.idle_tcp_closed_us;
		m->timeout[2] = c.idle_udp_us;
		m->timeout[3] = c.idle_other_us;
		t = ots_flow_table_new(&c, on_end, r);
		st = ots_flow_table_stats(t);
		now = 0;
		for (op = 0; op < 10000; op++) {
			uint32_t x = rnd() % 100;
			unsigned id = rnd() % M_KEYS;
			int cr, mc;

			/* strictly increasing times: all last_ts differ, the model needs no ties */
			now += 1 + rnd() % (x < 5 ? 200 * SEC : 8 * SEC);
			if (x < 80) {
				struct ots_flow *f = get_id(t, id, proto_of(id), now, &cr);

				mc = m_get(m, id, now);
				assert_non_null(f);
				assert_int_equal(cr, mc);
				assert_int_equal(f->seq, m->f[id].seq);
				assert_int_equal(f->first_ts, m->f[id].first_ts);
				assert_int_equal(f->last_ts, m->f[id].last_ts);
				if (proto_of(id) == 6 && rnd() % 8 == 0) {
					static const uint8_t fl[4] = { OTS_TH_FIN, OTS_TH_RST,
					                               OTS_TH_SYN, OTS_TH_ACK };
					uint8_t flags = fl[rnd() % 4];
					int dir = (int)(rnd() & 1);
					uint8_t bits = 0;

					ots_flow_table_tcp_update(t, f, dir, flags);
					if (flags & OTS_TH_FIN)
						bits = dir ? OTS_TCPF_FIN1 : OTS_TCPF_FIN0;
					if (flags & OTS_TH_RST)
						bits = OTS_TCPF_RST;
					if (flags & OTS_TH_SYN)
						bits = OTS_TCPF_SYN;
					m->f[id].tcp_state |= bits;
					assert_int_equal(f->tcp_state, m->f[id].tcp_state);
				}
			} else {
				uint32_t budget = rnd() % 4;

				assert_int_equal(ots_flow_table_expire(t, now, budget),
				                 m_expire(m, now, budget));
			}
			assert_int_equal(st->active, m->count);
			assert_logs_equal(r->log, r->n, m->log, m->n);
		}
		assert_int_equal(st->created, m->seq);
		check_stats(t);
		ots_flow_table_free(t);
	}
	free(m);
	rec_free(r);
}

static int
cmp_seq(const void *a, const void *b)
{
	const struct ended *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The same packets with and without sweeps in between end the same flows the same way. */
static void
test_sweep_independence(void **state)
{
	struct ots_flow_conf c;
	struct rec *r[2];
	int run;

	(void)state;
	for (run = 0; run < 2; run++) {
		struct ots_flow_table *t;
		uint64_t now = 0;
		unsigned op;
		int cr;

		r[run] = rec_new();
		conf_test(&c);
		c.memcap = memcap_for(25);
		c.active_us = 900 * SEC;
		t = ots_flow_table_new(&c, on_end, r[run]);
		xs = 77;
		for (op = 0; op < 20000; op++) {
			unsigned id = rnd() % 80;
			struct ots_flow *f;

			now += 1 + rnd() % (op % 97 == 0 ? 300 * SEC : 5 * SEC);
			f = get_id(t, id, proto_of(id), now, &cr);
			assert_non_null(f);
			if (proto_of(id) == 6 && rnd() % 16 == 0)
				ots_flow_table_tcp_update(t, f, 1, OTS_TH_RST);
			if (run == 1 && op % 7 == 0)
				ots_flow_table_expire(t, now, 1 + op % 3);
		}
		ots_flow_table_expire(t, now, 0);
		ots_flow_table_free(t);
	}
	qsort(r[0]->log, r[0]->n, sizeof(struct ended), cmp_seq);
	qsort(r[1]->log, r[1]->n, sizeof(struct ended), cmp_seq);
	assert_true(r[0]->n > 1000);
	assert_logs_equal(r[0]->log, r[0]->n, r[1]->log, r[1]->n);
	rec_free(r[0]);
	rec_free(r[1]);
}

/* A second capture with older times: its flows keep their own times and all end. */
static void
test_time_inversion(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	struct rec *r = rec_new();
	unsigned i;
	int cr;

	(void)state;
	conf_test(&c);
	t = ots_flow_table_new(&c, on_end, r);
	for (i = 0; i < 100; i++)
		assert_non_null(get_id(t, i, 17, 1000 * SEC + i, &cr));
	for (i = 100; i < 200; i++) {
		struct ots_flow *f = get_id(t, i, 17, 10 * SEC + i, &cr);

		assert_int_equal(cr, OTS_FLOW_NEW);
		assert_int_equal(f->first_ts, 10 * SEC + i);
		f = get_id(t, i, 17, 20 * SEC + i, &cr);
		assert_int_equal(cr, OTS_FLOW_FOUND);
		assert_int_equal(f->last_ts, 20 * SEC + i);
	}
	/* inline checks follow each flow's own time */
	get_id(t, 150, 17, 80 * SEC + 150, &cr);
	assert_int_equal(cr, OTS_FLOW_NEW);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->log[0].last_ts, 20 * SEC + 150);
	/* the older flows wait behind the newer ones, then all end */
	assert_int_equal(ots_flow_table_expire(t, 1059 * SEC, 0), 0);
	assert_int_equal(ots_flow_table_expire(t, 1060 * SEC + 99, 0), 200);
	assert_int_equal(r->n, 201);
	for (i = 1; i < r->n; i++)
		assert_int_equal(r->log[i].reason, OTS_FLOW_END_IDLE);
	assert_int_equal(ots_flow_table_stats(t)->active, 0);
	check_stats(t);
	ots_flow_table_free(t);
	rec_free(r);
}

/* Many flows: index growth, then a flood under a memcap that stays honest. */
static void
test_growth_and_flood(void **state)
{
	struct ots_flow_conf c;
	struct ots_flow_table *t;
	const struct ots_flow_stats *st;
	uint64_t p0, l0;
	unsigned i;
	int cr;

	(void)state;
	conf_test(&c);
	c.memcap = 1 << 20;
	t = ots_flow_table_new(&c, NULL, NULL);
	st = ots_flow_table_stats(t);
	for (i = 0; i < 60000; i++) {
		struct ots_flow_key k = key_of(i & 0xffff, 17);

		k.hi.b[0] = (uint8_t)(i >> 16);
		assert_non_null(ots_flow_table_get(t, &k, ots_flow_key_hash(&k), i, &cr));
		assert_int_equal(cr, OTS_FLOW_NEW);
		assert_true(st->mem_used <= c.memcap);
	}
	assert_int_equal(st->created, 60000);
	assert_true(st->active > 4000);
	assert_true(st->active * F_SZ < c.memcap);
	assert_int_equal(st->ended_evicted, 60000 - st->active);
	assert_true(st->mem_peak <= c.memcap);
	/* the most recent flows are the ones kept; at load <= 1/2 a hit takes < 2 probes */
	p0 = st->probes;
	l0 = st->lookups;
	for (i = 60000 - (unsigned)st->active; i < 60000; i++) {
		struct ots_flow_key k = key_of(i & 0xffff, 17);

		k.hi.b[0] = (uint8_t)(i >> 16);
		assert_non_null(ots_flow_table_get(t, &k, ots_flow_key_hash(&k), 60000, &cr));
		assert_int_equal(cr, OTS_FLOW_FOUND);
	}
	assert_true((st->probes - p0) < 2 * (st->lookups - l0));
	check_stats(t);
	ots_flow_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_symmetry),
		cmocka_unit_test(test_hash_distribution),
		cmocka_unit_test(test_create_lookup),
		cmocka_unit_test(test_collisions_delete),
		cmocka_unit_test(test_probe_count),
		cmocka_unit_test(test_idle_expire_classes),
		cmocka_unit_test(test_idle_inline),
		cmocka_unit_test(test_closed_tcp),
		cmocka_unit_test(test_active_timeout),
		cmocka_unit_test(test_memcap_eviction),
		cmocka_unit_test(test_memcap_fail),
		cmocka_unit_test(test_charge),
		cmocka_unit_test(test_flush_eof),
		cmocka_unit_test(test_random_differential),
		cmocka_unit_test(test_sweep_independence),
		cmocka_unit_test(test_time_inversion),
		cmocka_unit_test(test_growth_and_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
