/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * detect.c: rule matches to alerts (contract in include/ots/detect.h). Main thread.
 *
 * Hits are kept at the level of inventory nodes (MAC, IP, VLAN) because that is what a packet
 * names; which asset a node belongs to, its role and zone are only known after the inventory
 * build, so they are applied at each checkpoint. Buckets and alerts are keyed by content
 * (rule id, asset ids, protocol, port), never by arrival order, so -w 1 and -w 4 write the
 * same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "ots/compiler.h"
#include "ots/detect.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/geoip.h"
#include "ots/json.h"
#include "ots/output.h"
#include "ots/sink.h"
#include "ots/zone-policy.h"

#define DET_MAX_FN 4
#define DET_PENDING_MAX (4u << 20)   /* threshold hits held between checkpoints */

struct det_bucket {
	const struct ots_rule *rule;
	uint32_t node[2];            /* source, destination node (UINT32_MAX: none) */
	uint16_t proto, dport;
	uint8_t transport;
	uint8_t n_fn, n_unit;
	uint64_t key;                /* hash of the above */
	uint64_t first, last, count;
	uint32_t classes, flags;
	uint32_t fn[DET_MAX_FN];     /* smallest function codes, with their names */
	const char *fn_name[DET_MAX_FN];
	uint32_t unit[DET_MAX_FN];
	const char *reason;          /* smallest reason (strcmp) */
};

struct det_thit {
	const struct ots_rule *rule;
	uint64_t ts, flow_id;
	uint32_t seq;
	uint32_t node[2];
	uint16_t proto, dport;
	uint8_t transport, op_class, flag, has_unit;
	uint32_t fn, unit;
	const char *fn_name, *reason;
};

struct det_val { uint64_t v, ts; };

struct det_group {
	const struct ots_rule *rule;
	uint64_t key;
	int fired;
	uint64_t *ring;              /* count: the last thr_n times */
	uint32_t ring_pos, ring_n;
	struct det_val *vals;        /* distinct: value -> last time */
	uint32_t n_vals, cap_vals;
	uint32_t reached;            /* the count or distinct values at firing */
	uint32_t alert;              /* index in d->a once fired */
};

struct det_alert {
	const struct ots_rule *rule;
	uint64_t id;
	uint32_t src_node, dst_node;
	uint16_t proto, dport;
	uint8_t transport, n_fn, n_unit, threshold;
	uint64_t first, last, count;
	uint32_t classes, flags;
	uint32_t fn[DET_MAX_FN];
	const char *fn_name[DET_MAX_FN];
	uint32_t unit[DET_MAX_FN];
	const char *reason;
	uint32_t reached;
	int szone, dzone;
};

/* ---------------------------------------------------------------- small helpers */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	h *= UINT64_C(0xff51afd7ed558ccd);
	return h ^ (h >> 33);
}

static uint64_t
hstr(uint64_t h, const char *s)
{
	h ^= UINT64_C(0xcbf29ce484222325);
	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return mix(h, 0xff);
}

/* Open addressing over 64-bit keys; slots hold index + 1. get() returns the slot. */
static uint32_t *
idx_slot(struct ots_u32idx *x, uint64_t key, const void *base, size_t stride, size_t keyoff)
{
	uint32_t j, e;

	if (!x->nslots)
		return NULL;
	for (j = (uint32_t)key & (x->nslots - 1); (e = x->slots[j]);
	     j = (j + 1) & (x->nslots - 1)) {
		uint64_t k;

		memcpy(&k, (const char *)base + (size_t)(e - 1) * stride + keyoff, sizeof(k));
		if (k == key)
			return &x->slots[j];
	}
	return &x->slots[j];
}

static int
idx_reserve(struct ots_u32idx *x, const void *base, size_t stride, size_t keyoff, uint32_t n)
{
	uint32_t ns, i, *s;

	/* n entries exist; room for one more at load <= 1/2 */
	if ((n + 2) * 2 <= x->nslots)
		return OTS_OK;
	ns = x->nslots ? x->nslots * 2 : 64;
	while ((n + 2) * 2 > ns)
		ns *= 2;
	s = calloc(ns, sizeof(*s));
	if (!s)
		return OTS_ENOMEM;
	free(x->slots);
	x->slots = s;
	x->nslots = ns;
	for (i = 0; i < n; i++) {
		uint64_t k;
		uint32_t *p;

		memcpy(&k, (const char *)base + (size_t)i * stride + keyoff, sizeof(k));
		p = idx_slot(x, k, base, stride, keyoff);
		*p = i + 1;
	}
	return OTS_OK;
}

static int
grow(void **v, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t c;
	void *p;

	if (need <= *cap)
		return OTS_OK;
	c = *cap ? *cap * 2 : 16;
	while (c < need)
		c *= 2;
	p = realloc(*v, (size_t)c * size);
	if (!p)
		return OTS_ENOMEM;
	*v = p;
	*cap = c;
	return OTS_OK;
}

/* Keep the DET_MAX_FN smallest codes (with names), sorted. */
static void
fn_add(uint32_t *fn, const char **names, uint8_t *n, uint32_t code, const char *name)
{
	uint8_t i, k;

	for (i = 0; i < *n; i++)
		if (fn[i] == code && (!names || names[i] == name ||
		                      (names[i] && name && strcmp(names[i], name) == 0)))
			return;
	for (i = 0; i < *n && (fn[i] < code || (fn[i] == code && names && names[i] && name &&
	                                        strcmp(names[i], name) < 0)); i++)
		;
	if (i >= DET_MAX_FN)
		return;
	k = *n < DET_MAX_FN ? *n : DET_MAX_FN - 1;
	memmove(&fn[i + 1], &fn[i], (size_t)(k - i) * sizeof(*fn));
	if (names)
		memmove(&names[i + 1], &names[i], (size_t)(k - i) * sizeof(*names));
	fn[i] = code;
	if (names)
		names[i] = name;
	if (*n < DET_MAX_FN)
		(*n)++;
}

static const char *
min_str(const char *a, const char *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return strcmp(a, b) <= 0 ? a : b;
}

/* ---------------------------------------------------------------- life */

void
ots_detect_init(struct ots_detect *d, const struct ots_rules *rs)
{
	memset(d, 0, sizeof(*d));
	d->rules = rs;
	d->memcap = 256u << 20;
}

void
ots_detect_free(struct ots_detect *d)
{
	uint32_t i;

	free(d->b);
	free(d->b_idx.slots);
	free(d->th);
	for (i = 0; i < d->n_g; i++) {
		free(d->g[i].ring);
		free(d->g[i].vals);
	}
	free(d->g);
	free(d->g_idx.slots);
	free(d->a);
	ots_idset_free(&d->reported);
	memset(d, 0, sizeof(*d));
}

static uint64_t
det_mem(const struct ots_detect *d)
{
	return (uint64_t)d->cap_b * sizeof(*d->b) + (uint64_t)d->cap_th * sizeof(*d->th);
}

/* ---------------------------------------------------------------- hits */

struct hitv {                    /* one match, whatever produced it */
	const struct ots_rule *rule;
	uint64_t ts, flow_id;
	uint32_t seq;
	uint32_t node[2];
	uint16_t proto, dport;
	uint8_t transport, op_class, flag, has_unit, has_op;
	uint32_t fn, unit;
	const char *fn_name, *reason;
};

static void
add_hit(struct ots_detect *d, const struct hitv *h)
{
	const struct ots_rule *r = h->rule;

	d->st.hits++;
	if (h->node[0] == UINT32_MAX) {
		d->st.hits_dropped++;
		return;
	}
	if (r->thr_n) {
		struct det_thit *t;

		if (d->n_th >= DET_PENDING_MAX || (d->memcap && det_mem(d) > d->memcap)) {
			d->st.hits_dropped++;
			return;
		}
		if (d->n_th == d->cap_th) {
			size_t cap = d->cap_th ? d->cap_th * 2 : 256;
			void *p = realloc(d->th, cap * sizeof(*d->th));

			if (!p) {
				d->st.hits_dropped++;
				return;
			}
			d->th = p;
			d->cap_th = cap;
		}
		t = &d->th[d->n_th++];
		memset(t, 0, sizeof(*t));
		t->rule = r;
		t->ts = h->ts;
		t->flow_id = h->flow_id;
		t->seq = h->seq;
		t->node[0] = h->node[0];
		t->node[1] = h->node[1];
		t->proto = h->proto;
		t->dport = h->dport;
		t->transport = h->transport;
		t->op_class = h->has_op ? h->op_class : 0xff;
		t->flag = h->flag;
		t->has_unit = h->has_unit;
		t->fn = h->fn;
		t->unit = h->unit;
		t->fn_name = h->fn_name;
		t->reason = h->reason;
		d->st.pending = d->n_th;
		return;
	} else {
		uint64_t key = mix(mix(mix(mix((uint64_t)(uintptr_t)r, h->node[0]), h->node[1]),
		                       ((uint64_t)h->proto << 24) | ((uint64_t)h->dport << 8) |
		                               h->transport), 1);
		struct det_bucket *b;
		uint32_t *slot;

		if (idx_reserve(&d->b_idx, d->b, sizeof(*d->b), offsetof(struct det_bucket, key),
		                d->n_b) != OTS_OK) {
			d->st.hits_dropped++;
			return;
		}
		slot = idx_slot(&d->b_idx, key, d->b, sizeof(*d->b), offsetof(struct det_bucket, key));
		if (*slot) {
			b = &d->b[*slot - 1];
		} else {
			if ((d->memcap && det_mem(d) > d->memcap) ||
			    grow((void **)&d->b, &d->cap_b, d->n_b + 1, sizeof(*d->b)) != OTS_OK) {
				d->st.hits_dropped++;
				return;
			}
			b = &d->b[d->n_b];
			memset(b, 0, sizeof(*b));
			b->rule = r;
			b->node[0] = h->node[0];
			b->node[1] = h->node[1];
			b->proto = h->proto;
			b->dport = h->dport;
			b->transport = h->transport;
			b->key = key;
			b->first = UINT64_MAX;
			*slot = ++d->n_b;
		}
		if (h->ts < b->first)
			b->first = h->ts;
		if (h->ts > b->last)
			b->last = h->ts;
		b->count++;
		if (h->has_op) {
			if (h->op_class < 32)
				b->classes |= 1u << h->op_class;
			fn_add(b->fn, b->fn_name, &b->n_fn, h->fn, h->fn_name);
			if (h->has_unit)
				fn_add(b->unit, NULL, &b->n_unit, h->unit, NULL);
		}
		if ((r->on == OTS_RON_FLAG || r->on == OTS_RON_ASSET) && h->flag < 32) {
			b->flags |= 1u << h->flag;
			b->reason = min_str(b->reason, h->reason);
		}
	}
}

void
ots_detect_hit(struct ots_detect *d, struct ots_inv *inv, const struct ots_event_rec *e)
{
	struct hitv h;

	if (!e->rule)
		return;
	memset(&h, 0, sizeof(h));
	h.rule = e->rule;
	h.ts = e->ts;
	h.flow_id = ots_flow_id(&e->key, e->flow_first_ts);
	h.seq = e->seq;
	h.node[0] = ots_inv_event_node(inv, e, 0);
	h.node[1] = ots_inv_event_node(inv, e, 1);
	h.proto = e->proto;
	h.transport = e->key.ip_version ? e->key.proto : 0xff;
	h.dport = e->key.ip_version ? (e->init_is_lo ? e->key.port_hi : e->key.port_lo)
	                            : e->key.port_lo;
	if (e->rule->on == OTS_RON_OP) {
		h.has_op = 1;
		h.op_class = e->op.op_class;
		h.fn = e->op.function;
		h.fn_name = e->op.function_name;
		h.has_unit = e->op.has_unit;
		h.unit = e->op.unit;
	} else {
		h.flag = e->flag;
		h.reason = e->what;
	}
	add_hit(d, &h);
}

void
ots_detect_flow(struct ots_detect *d, struct ots_inv *inv, const struct ots_flow_rec *r)
{
	const uint32_t *v;
	uint32_t n, i;
	struct ots_rule_ctx x;
	const struct ots_addr *sip, *dip;
	uint64_t flow_id = 0;
	int swap, have_id = 0;

	if (!d->rules || r->key.ip_version == 0 || inv->last_flow_nodes[0] == UINT32_MAX)
		return;
	v = ots_rules_for(d->rules, OTS_RON_FLOW, r->app_proto, &n);
	if (!n)
		return;
	sip = r->init_is_lo ? &r->key.lo : &r->key.hi;
	dip = r->init_is_lo ? &r->key.hi : &r->key.lo;
	memset(&x, 0, sizeof(x));
	x.on = OTS_RON_FLOW;
	x.proto = r->app_proto;
	x.transport = r->key.proto;
	x.has_ip = 1;
	x.sip = sip->b;
	x.dip = dip->b;
	x.sport = r->init_is_lo ? r->key.port_lo : r->key.port_hi;
	x.dport = r->init_is_lo ? r->key.port_hi : r->key.port_lo;
	x.has_smac = r->has_mac & 1;
	x.has_dmac = (r->has_mac >> 1) & 1;
	x.smac = r->mac[0];
	x.dmac = r->mac[1];
	x.vlan = r->key.vlan;
	/* the inventory may have turned the flow round (capture started mid-connection, a
	 * server port first): rules see it the way the inventory and the alerts do */
	swap = memcmp(inv->nodes[inv->last_flow_nodes[0]].k.ip.b, sip->b, 16) != 0;
	if (swap) {
		const uint8_t *t = x.sip;
		uint16_t p = x.sport;
		uint8_t hm = x.has_smac;

		x.sip = x.dip;
		x.dip = t;
		x.sport = x.dport;
		x.dport = p;
		x.has_smac = x.has_dmac;
		x.has_dmac = hm;
		t = x.smac;
		x.smac = x.dmac;
		x.dmac = t;
	}
	/* answered: the destination accepted (TCP: SYN+ACK, or data back), a RST is a refusal;
	 * other transports: anything back */
	if (r->key.proto == 6)
		x.answered = (r->tcp_flags[swap ? 0 : 1] & (OTS_TH_SYN | OTS_TH_ACK)) ==
		                     (OTS_TH_SYN | OTS_TH_ACK) ||
		             r->payload_bytes[swap ? 0 : 1] != 0;
	else
		x.answered = r->pkts[swap ? 0 : 1] != 0;
	for (i = 0; i < n; i++) {
		const struct ots_rule *rule = &d->rules->v[v[i]];
		struct hitv h;

		if (!ots_rules_match(rule, &x))
			continue;
		if (!have_id) {
			flow_id = ots_flow_id(&r->key, r->first_ts);
			have_id = 1;
		}
		memset(&h, 0, sizeof(h));
		h.rule = rule;
		h.ts = r->first_ts;
		h.flow_id = flow_id;
		h.node[0] = inv->last_flow_nodes[0];
		h.node[1] = inv->last_flow_nodes[1];
		h.proto = r->app_proto;
		h.transport = r->key.proto;
		h.dport = x.dport;
		add_hit(d, &h);
	}
}

void
ots_detect_prepare(struct ots_detect *d, struct ots_inv *inv, const struct ots_zones *z)
{
	d->inv = inv;
	d->zones = z;
}

void
ots_detect_on_change(void *ctx, int kind, uint32_t asset, uint32_t node, uint64_t ts)
{
	struct ots_detect *d = ctx;
	struct ots_inv *inv = d->inv;
	const struct ots_asset *a;
	const struct ots_node *nd;
	struct ots_rule_ctx x;
	const uint32_t *v;
	uint32_t n, i;

	if (!d->rules || !inv || asset >= inv->n_assets)
		return;
	v = ots_rules_for(d->rules, OTS_RON_ASSET, 0, &n);
	if (!n)
		return;
	a = &inv->assets[asset];
	if (node == UINT32_MAX)
		node = a->n_nodes ? a->nodes[0] : UINT32_MAX;
	if (node == UINT32_MAX)
		return;
	nd = &inv->nodes[node];
	memset(&x, 0, sizeof(x));
	x.on = OTS_RON_ASSET;
	x.change = (uint8_t)kind;
	x.has_ip = nd->k.has_ip != 0;
	x.sip = nd->k.ip.b;
	x.has_smac = nd->k.has_mac;
	x.smac = nd->k.mac;
	x.vlan = nd->k.vlan;
	for (i = 0; i < n; i++) {
		const struct ots_rule *rule = &d->rules->v[v[i]];
		struct hitv h;

		if (!ots_rules_match(rule, &x))
			continue;
		memset(&h, 0, sizeof(h));
		h.rule = rule;
		h.ts = ts;
		h.node[0] = node;
		h.node[1] = UINT32_MAX;
		h.flag = (uint8_t)kind;
		add_hit(d, &h);
	}
}

/* ---------------------------------------------------------------- checkpoint */

static int
node_zone_ex(const struct ots_detect *d, uint32_t node)
{
	const struct ots_node *n;
	int z;

	if (node == UINT32_MAX)
		return -1;
	n = &d->inv->nodes[node];
	z = ots_node_zone(d->zones, n);
	if (z >= 0)
		return z;
	if (n->k.has_ip) {
		int v4 = ots_addr_is_v4(&n->k.ip);

		if (ots_ip_is_public(v4 ? n->k.ip.b + 12 : n->k.ip.b, v4 ? 4 : 6))
			return -2;
	}
	return -1;
}

static int
node_role(const struct ots_inv *inv, uint32_t node)
{
	uint32_t a;

	if (node == UINT32_MAX)
		return -1;
	a = inv->nodes[node].asset;
	return a < inv->n_assets ? inv->assets[a].role : OTS_ROLE_UNKNOWN;
}

/* Hash of the asset id of a node (content: stable across runs and worker counts), cached
 * for the checkpoint in d->nh. */
static uint64_t
node_hash(struct ots_detect *d, uint32_t node)
{
	uint32_t a;
	uint64_t h;

	if (node == UINT32_MAX)
		return 0x5bd1e995;
	if (d->nh && node < d->n_nh && d->nh[node])
		return d->nh[node];
	a = d->inv->nodes[node].asset;
	h = hstr(0, a < d->inv->n_assets ? ots_inv_str(d->inv, d->inv->assets[a].id) : "");
	h = h ? h : 1;
	if (d->nh && node < d->n_nh)
		d->nh[node] = h;
	return h;
}

static int
pass_assets(struct ots_detect *d, const struct ots_rule *r, uint32_t sn, uint32_t dn, int *sz,
            int *dz)
{
	*sz = node_zone_ex(d, sn);
	*dz = node_zone_ex(d, dn);
	if (!r->deferred)
		return 1;
	return ots_rules_match_assets(r, *sz, *dz, node_role(d->inv, sn), node_role(d->inv, dn));
}

static struct det_alert *
alert_get(struct ots_detect *d, const struct ots_rule *r, uint64_t id, uint32_t *ai)
{
	uint32_t i;

	/* alerts are few (one per rule and conduit or group): a linear search */
	for (i = 0; i < d->n_a; i++)
		if (d->a[i].id == id && d->a[i].rule == r) {
			*ai = i;
			return &d->a[i];
		}
	if (grow((void **)&d->a, &d->cap_a, d->n_a + 1, sizeof(*d->a)) != OTS_OK)
		return NULL;
	memset(&d->a[d->n_a], 0, sizeof(*d->a));
	d->a[d->n_a].rule = r;
	d->a[d->n_a].id = id;
	d->a[d->n_a].first = UINT64_MAX;
	*ai = d->n_a;
	return &d->a[d->n_a++];
}

static uint64_t
alert_id(struct ots_detect *d, const struct ots_rule *r, uint32_t sn, uint32_t dn,
         uint16_t proto, uint16_t dport, uint8_t by)
{
	uint64_t h = hstr(0, r->id);

	if (by & (OTS_RK_SOURCE | OTS_RK_CONDUIT))
		h = mix(h, node_hash(d, sn));
	if (by & (OTS_RK_DESTINATION | OTS_RK_CONDUIT))
		h = mix(h, node_hash(d, dn) ^ 0x2545f4914f6cdd1dULL);
	if (by & OTS_RK_CONDUIT)
		h = mix(h, ((uint64_t)proto << 16) | dport);
	return h ? h : 1;
}

static int
thit_cmp(const void *pa, const void *pb)
{
	const struct det_thit *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->flow_id != b->flow_id)
		return a->flow_id < b->flow_id ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->rule->index < b->rule->index ? -1 : a->rule->index > b->rule->index;
}

static uint64_t
distinct_value(struct ots_detect *d, const struct det_thit *t)
{
	switch (t->rule->thr_distinct) {
	case OTS_RD_DESTINATION:
		return node_hash(d, t->node[1]);
	case OTS_RD_DST_PORT:
		return t->dport;
	case OTS_RD_FUNCTION:
		return ((uint64_t)t->proto << 32) | t->fn;
	case OTS_RD_UNIT:
		return t->has_unit ? t->unit : UINT64_MAX;
	case OTS_RD_SOURCE:
		return node_hash(d, t->node[0]);
	default:
		return 0;
	}
}

/* Run one threshold hit through its group's window. */
static void
thit_run(struct ots_detect *d, const struct det_thit *t)
{
	const struct ots_rule *r = t->rule;
	uint64_t key = alert_id(d, r, t->node[0], t->node[1], t->proto, t->dport, r->thr_by);
	struct det_group *g;
	struct det_alert *a;
	uint32_t *slot, ai;
	int sz, dz;

	if (!pass_assets(d, r, t->node[0], t->node[1], &sz, &dz)) {
		d->st.suppressed++;
		return;
	}
	if (idx_reserve(&d->g_idx, d->g, sizeof(*d->g), offsetof(struct det_group, key),
	                d->n_g) != OTS_OK)
		return;
	slot = idx_slot(&d->g_idx, key, d->g, sizeof(*d->g), offsetof(struct det_group, key));
	if (*slot) {
		g = &d->g[*slot - 1];
	} else {
		if (grow((void **)&d->g, &d->cap_g, d->n_g + 1, sizeof(*d->g)) != OTS_OK)
			return;
		g = &d->g[d->n_g];
		memset(g, 0, sizeof(*g));
		g->rule = r;
		g->key = key;
		*slot = ++d->n_g;
	}
	if (!g->fired) {
		uint64_t lo = t->ts >= r->thr_window_us ? t->ts - r->thr_window_us : 0;
		uint32_t have = 0;

		if (r->thr_distinct == OTS_RD_NONE) {
			if (!g->ring) {
				g->ring = calloc(r->thr_n, sizeof(*g->ring));
				if (!g->ring)
					return;
			}
			g->ring[g->ring_pos] = t->ts;
			g->ring_pos = (g->ring_pos + 1) % r->thr_n;
			if (g->ring_n < r->thr_n)
				g->ring_n++;
			/* the oldest of the last thr_n hits is within the window */
			if (g->ring_n == r->thr_n && g->ring[g->ring_pos] >= lo)
				have = r->thr_n;
		} else {
			uint64_t v = distinct_value(d, t);
			uint32_t k, w = 0;
			int found = 0;

			if (v == UINT64_MAX)
				return;
			for (k = 0; k < g->n_vals; k++) {
				if (g->vals[k].v == v) {
					g->vals[k].ts = t->ts;
					found = 1;
				}
				if (g->vals[k].ts >= lo)
					g->vals[w++] = g->vals[k];
			}
			g->n_vals = w;
			if (!found) {
				if (grow((void **)&g->vals, &g->cap_vals, g->n_vals + 1,
				         sizeof(*g->vals)) != OTS_OK)
					return;
				g->vals[g->n_vals].v = v;
				g->vals[g->n_vals++].ts = t->ts;
			}
			if (g->n_vals >= r->thr_n)
				have = g->n_vals;
		}
		if (!have)
			return;
		g->fired = 1;
		g->reached = have;
		free(g->ring);
		g->ring = NULL;
		free(g->vals);
		g->vals = NULL;
		g->n_vals = g->cap_vals = 0;
		a = alert_get(d, r, key, &ai);
		if (!a)
			return;
		g->alert = ai;
		a->threshold = 1;
		a->reached = have;
		a->src_node = t->node[0];
		a->dst_node = t->node[1];
		a->proto = t->proto;
		a->dport = t->dport;
		a->transport = t->transport;
		a->szone = sz;
		a->dzone = dz;
		a->first = t->ts;
	}
	a = &d->a[g->alert];
	if (t->ts > a->last)
		a->last = t->ts;
	a->count++;
	if (t->op_class < 32)
		a->classes |= 1u << t->op_class;
	if (t->op_class != 0xff)
		fn_add(a->fn, a->fn_name, &a->n_fn, t->fn, t->fn_name);
	if (t->has_unit)
		fn_add(a->unit, NULL, &a->n_unit, t->unit, NULL);
	if (r->on == OTS_RON_FLAG && t->flag < 32) {
		a->flags |= 1u << t->flag;
		a->reason = min_str(a->reason, t->reason);
	}
}

/* Buckets of rules without threshold become alerts per (rule, assets, protocol, port). */
static void
buckets_to_alerts(struct ots_detect *d)
{
	uint32_t i, k, w = 0;

	/* drop the previous build of bucket alerts; threshold alerts stay */
	for (i = 0; i < d->n_a; i++)
		if (d->a[i].threshold)
			d->a[w++] = d->a[i];
	if (w != d->n_a) {
		/* threshold groups point at alert indexes: renumber */
		for (k = 0; k < d->n_g; k++) {
			uint32_t x;

			if (!d->g[k].fired)
				continue;
			for (x = 0; x < w; x++)
				if (d->a[x].id == d->g[k].key && d->a[x].rule == d->g[k].rule)
					d->g[k].alert = x;
		}
	}
	d->n_a = w;
	for (i = 0; i < d->n_b; i++) {
		const struct det_bucket *b = &d->b[i];
		struct det_alert *a;
		uint32_t ai;
		uint64_t id;
		int sz, dz;

		if (!pass_assets(d, b->rule, b->node[0], b->node[1], &sz, &dz))
			continue;
		id = alert_id(d, b->rule, b->node[0], b->node[1], b->proto, b->dport, OTS_RK_CONDUIT);
		a = alert_get(d, b->rule, id, &ai);
		if (!a)
			return;
		if (!a->count || b->first < a->first ||
		    (b->first == a->first && (b->node[0] < a->src_node ||
		                              (b->node[0] == a->src_node && b->node[1] < a->dst_node)))) {
			/* the shown endpoints: the earliest contributing node pair */
			a->src_node = b->node[0];
			a->dst_node = b->node[1];
			a->szone = sz;
			a->dzone = dz;
		}
		a->proto = b->proto;
		a->dport = b->dport;
		a->transport = b->transport;
		if (b->first < a->first)
			a->first = b->first;
		if (b->last > a->last)
			a->last = b->last;
		a->count += b->count;
		a->classes |= b->classes;
		a->flags |= b->flags;
		for (k = 0; k < b->n_fn; k++)
			fn_add(a->fn, a->fn_name, &a->n_fn, b->fn[k], b->fn_name[k]);
		for (k = 0; k < b->n_unit; k++)
			fn_add(a->unit, NULL, &a->n_unit, b->unit[k], NULL);
		a->reason = min_str(a->reason, b->reason);
	}
}

static void
alert_json(const struct ots_detect *d, const struct det_alert *a, const char *observer,
           struct ots_json *j)
{
	const struct ots_rule *r = a->rule;
	const struct ots_dissector *ds = a->proto ? ots_dissector_by_id(a->proto) : NULL;
	const char *proto = ds ? ds->name : NULL;
	struct ots_alert_head head;
	uint32_t i;

	head.first_ts = a->first;
	head.id = a->id;
	head.category = "intrusion_detection";
	head.severity = r->severity;
	head.rule_id = r->id;
	head.rule_name = r->name;
	head.ruleset = "otsensor-rules";
	head.message = r->message;
	head.observer = observer;
	ots_alert_head_json(j, &head);
	ots_alert_endpoint_json(d->zones, d->inv, a->src_node, a->szone >= 0 ? a->szone : -1, -1, j,
	                        "source");
	if (a->dst_node != UINT32_MAX &&
	    (!a->threshold || (r->thr_by & (OTS_RK_DESTINATION | OTS_RK_CONDUIT))))
		ots_alert_endpoint_json(d->zones, d->inv, a->dst_node, a->dzone >= 0 ? a->dzone : -1,
		                        a->transport == 0xff || r->on == OTS_RON_ASSET ? -1 : a->dport,
		                        j, "destination");
	else
		ots_json_null(j, "destination");
	ots_json_obj_open(j, "network");
	if (r->on != OTS_RON_ASSET) {
		ots_json_str(j, "transport", a->transport == 6 ? "tcp" : a->transport == 17 ? "udp" :
		                             a->transport == 0xff ? "ether" : "other");
	}
	if (proto)
		ots_json_str(j, "protocol", proto);
	ots_json_obj_close(j);
	ots_json_obj_open(j, "ics");
	if (proto)
		ots_json_str(j, "protocol", proto);
	ots_json_arr_open(j, "op_classes");
	for (i = 0; i < OTS_OP__COUNT; i++)
		if (a->classes & (1u << i))
			ots_json_str(j, NULL, ots_op_class_name((enum ots_op_class)i));
	ots_json_arr_close(j);
	ots_json_arr_open(j, "functions");
	for (i = 0; i < a->n_fn; i++) {
		ots_json_obj_open(j, NULL);
		ots_json_u64(j, "code", a->fn[i]);
		if (a->fn_name[i])
			ots_json_str(j, "name", a->fn_name[i]);
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	ots_json_arr_open(j, "function_codes");
	for (i = 0; i < a->n_fn; i++)
		if (i == 0 || a->fn[i] != a->fn[i - 1]) /* one code may carry two names */
			ots_json_u64(j, NULL, a->fn[i]);
	ots_json_arr_close(j);
	ots_json_arr_open(j, "units");
	for (i = 0; i < a->n_unit; i++)
		ots_json_u64(j, NULL, a->unit[i]);
	ots_json_arr_close(j);
	ots_json_arr_open(j, "flags");
	for (i = 0; i < OTS_FLAG__COUNT; i++)
		if (r->on == OTS_RON_FLAG && (a->flags & (1u << i)))
			ots_json_str(j, NULL, ots_ics_flag_name((enum ots_ics_flag)i));
	ots_json_arr_close(j);
	if (a->reason)
		ots_json_str(j, "reason", a->reason);
	if (r->on == OTS_RON_ASSET) {
		ots_json_arr_open(j, "changes");
		for (i = 0; i < OTS_CHG__COUNT; i++)
			if (a->flags & (1u << i))
				ots_json_str(j, NULL, ots_change_kind_name(i));
		ots_json_arr_close(j);
	}
	ots_json_obj_close(j);
	if (r->n_techniques) {
		ots_json_obj_open(j, "threat");
		ots_json_str(j, "framework", "MITRE ATT&CK for ICS");
		ots_json_arr_open(j, "technique_ids");
		for (i = 0; i < r->n_techniques; i++)
			ots_json_str(j, NULL, r->techniques[i]);
		ots_json_arr_close(j);
		ots_json_obj_close(j);
	}
	if (a->threshold) {
		static const char *const dn[] = { NULL, "destination", "destination.port", "function",
			                          "unit", "source" };

		ots_json_obj_open(j, "threshold");
		ots_json_str(j, "kind", r->thr_distinct ? "distinct" : "count");
		if (r->thr_distinct)
			ots_json_str(j, "field", dn[r->thr_distinct]);
		ots_json_u64(j, "value", a->reached);
		ots_json_u64(j, "limit", r->thr_n);
		ots_json_dbl(j, "window_s", (double)r->thr_window_us / 1e6, 3);
		ots_json_obj_close(j);
	}
	ots_json_time(j, "first_seen", a->first);
	ots_json_time(j, "last_seen", a->last);
	ots_json_u64(j, "count", a->count);
	ots_json_obj_close(j);
}

static int
alert_cmp(const void *pa, const void *pb)
{
	const struct det_alert *a = pa, *b = pb;
	int c;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if ((c = strcmp(a->rule->id, b->rule->id)) != 0)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

uint64_t
ots_detect_checkpoint(struct ots_detect *d, struct ots_inv *inv, const struct ots_zones *z,
                      const char *observer, FILE *f)
{
	struct det_alert *v;
	struct ots_json j;
	uint32_t i;
	uint64_t n = 0;
	size_t t;

	d->inv = inv;
	d->zones = z;
	if (!inv->built)
		return 0;
	d->nh = calloc(inv->n_nodes ? inv->n_nodes : 1, sizeof(*d->nh));
	d->n_nh = d->nh ? inv->n_nodes : 0;
	ots_qsort(d->th, d->n_th, sizeof(*d->th), thit_cmp);
	for (t = 0; t < d->n_th; t++)
		thit_run(d, &d->th[t]);
	d->n_th = 0;
	d->st.pending = 0;
	buckets_to_alerts(d);
	free(d->nh);
	d->nh = NULL;
	d->n_nh = 0;
	if (!d->n_a)
		return 0;
	v = malloc((size_t)d->n_a * sizeof(*v));
	if (!v)
		return 0;
	memcpy(v, d->a, (size_t)d->n_a * sizeof(*v));
	ots_qsort(v, d->n_a, sizeof(*v), alert_cmp);
	ots_json_init(&j);
	for (i = 0; i < d->n_a; i++) {
		if (ots_idset_has(&d->reported, v[i].id))
			continue;
		ots_json_reset(&j);
		alert_json(d, &v[i], observer, &j);
		ots_json_newline(&j);
		if (j.err || (f && fwrite(j.buf, 1, j.len, f) != j.len))
			continue;
		if (ots_sink_on()) {
			char key[160];

			snprintf(key, sizeof(key), "%s/%016llx", v[i].rule->id,
			         (unsigned long long)v[i].id);
			ots_sink_emit(OTS_SINK_ALERT, key, j.buf, j.len);
		}
		(void)ots_idset_add(&d->reported, v[i].id); /* out of memory: written again */
		n++;
		d->alerts_by_sev[v[i].rule->severity >= 90 ? 3 : v[i].rule->severity >= 70 ? 2 :
		                 v[i].rule->severity >= 40 ? 1 : 0]++;
	}
	ots_json_free(&j);
	free(v);
	d->st.alerts_written += n;
	return n;
}
