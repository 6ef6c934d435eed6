/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * asset.c: observations -> asset inventory and conduit map (see asset.h, asset-t.h).
 *
 * Ingest (per record, main thread): two hash lookups and a few additions. Build (per
 * checkpoint): one pass over nodes to decide which MACs are routers', one to key nodes into
 * assets, one over observed conduits to merge them per asset pair, then roles. Everything the
 * build produces is sorted by content before it is written, so files do not depend on the
 * order records arrived in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ots/asset.h"
#include "ots/compiler.h"
#include "ots/decode.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/geoip.h"
#include "ots/oui.h"

/* ---------------------------------------------------------------- hashing */

static uint64_t
hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	size_t i;

	/* FNV-1a, then a final avalanche (murmur3 fmix64) so low bits are usable. */
	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

#define HASH_SEED UINT64_C(0xcbf29ce484222325)

/* ---------------------------------------------------------------- string pool */

static int
sp_grow_slots(struct ots_strpool *p)
{
	uint32_t n = p->nslots ? p->nslots * 2 : 1024, i;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return OTS_ENOMEM;
	for (i = 0; i < p->nslots; i++) {
		uint32_t off = p->slots[i], j;
		const char *str;

		if (!off)
			continue;
		str = p->blob + off - 1;
		j = (uint32_t)hash_bytes(str, strlen(str), HASH_SEED) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = off;
	}
	free(p->slots);
	p->slots = s;
	p->nslots = n;
	return OTS_OK;
}

/* Intern n bytes (an embedded NUL ends the string). Returns the id, 0 for "" or on failure. */
static uint32_t
sp_add(struct ots_strpool *p, const char *str, size_t n)
{
	const char *z = memchr(str, '\0', n);
	uint32_t j, off;

	if (z)
		n = (size_t)(z - str);
	if (n == 0)
		return 0;
	if (!p->blob) {
		p->cap = 65536;
		p->blob = malloc(p->cap);
		if (!p->blob)
			return 0;
		p->blob[0] = '\0'; /* id 0: "" */
		p->len = 1;
	}
	if ((p->n + 1) * 2 > p->nslots && sp_grow_slots(p) != OTS_OK)
		return 0;
	j = (uint32_t)hash_bytes(str, n, HASH_SEED) & (p->nslots - 1);
	while ((off = p->slots[j])) {
		const char *s = p->blob + off - 1;

		if (strncmp(s, str, n) == 0 && s[n] == '\0')
			return off - 1;
		j = (j + 1) & (p->nslots - 1);
	}
	if (p->len + n + 1 > UINT32_MAX - 1)
		return 0;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap;
		char *b;

		while (cap < p->len + n + 1)
			cap *= 2;
		b = realloc(p->blob, cap);
		if (!b)
			return 0;
		p->blob = b;
		p->cap = cap;
	}
	off = (uint32_t)p->len;
	memcpy(p->blob + off, str, n);
	p->blob[off + n] = '\0';
	p->len += n + 1;
	p->slots[j] = off + 1;
	p->n++;
	return off;
}

static uint32_t
sp_str(struct ots_strpool *p, const char *s)
{
	return sp_add(p, s, strlen(s));
}

const char *
ots_inv_str(const struct ots_inv *inv, uint32_t id)
{
	return inv->sp.blob && id < inv->sp.len ? inv->sp.blob + id : "";
}

/* ---------------------------------------------------------------- u32 index */

typedef uint64_t (*idx_hash_fn)(const struct ots_inv *inv, uint32_t entry);

static int
idx_grow(struct ots_u32idx *x, const struct ots_inv *inv, idx_hash_fn hf)
{
	uint32_t n = x->nslots ? x->nslots * 2 : 1024, i;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return OTS_ENOMEM;
	for (i = 0; i < x->nslots; i++) {
		uint32_t e = x->slots[i], j;

		if (!e)
			continue;
		j = (uint32_t)hf(inv, e - 1) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = e;
	}
	free(x->slots);
	x->slots = s;
	x->nslots = n;
	return OTS_OK;
}

/* The slot a new entry of hash h goes to (the key is known to be absent). */
static uint32_t
idx_empty_slot(const struct ots_u32idx *x, uint64_t h)
{
	uint32_t j = (uint32_t)h & (x->nslots - 1);

	while (x->slots[j])
		j = (j + 1) & (x->nslots - 1);
	return j;
}

static void
idx_free(struct ots_u32idx *x)
{
	free(x->slots);
	memset(x, 0, sizeof(*x));
}

/* Capacity starts at 4: most arrays grown here are small and there are many of them (the
 * function tallies of every ICS conduit, the protocols of every asset). */
static int
grow_array(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t c = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return OTS_OK;
	while (c < need) {
		if (c > UINT32_MAX / 2)
			return OTS_ENOMEM;
		c *= 2;
	}
	p = realloc(*arr, (size_t)c * elem);
	if (!p)
		return OTS_ENOMEM;
	*arr = p;
	*cap = c;
	return OTS_OK;
}

/* ---------------------------------------------------------------- memory cap */

/* Bytes the observation tables hold: what --inventory-memcap bounds. A flood of spoofed
 * addresses must not grow the inventory without end; the derived assets and conduits add
 * about as much again at a checkpoint (bench/README.md). */
static uint64_t
obs_mem(const struct ots_inv *inv)
{
	return (uint64_t)inv->cap_nodes * sizeof(struct ots_node) +
	       (uint64_t)inv->node_idx.nslots * sizeof(uint32_t) +
	       (uint64_t)inv->cap_oc * sizeof(struct ots_oconduit) +
	       (uint64_t)inv->oc_idx.nslots * sizeof(uint32_t) + inv->ics_bytes + inv->sp.cap;
}

/* Room for one more entry of an array (and its index) under the cap? */
static int
obs_room(const struct ots_inv *inv, uint32_t n, uint32_t cap, size_t elem,
         const struct ots_u32idx *x)
{
	uint64_t need = 0;

	if (!inv->memcap)
		return 1;
	if (n + 1 > cap)
		need += (uint64_t)(cap ? cap : 4) * elem;
	if ((x->n + 1) * 2 > x->nslots)
		need += (uint64_t)(x->nslots ? x->nslots : 1024) * sizeof(uint32_t);
	return obs_mem(inv) + need <= inv->memcap;
}

/* ---------------------------------------------------------------- nodes */

static uint64_t
node_hash(const struct ots_inv *inv, uint32_t e)
{
	return hash_bytes(&inv->nodes[e].k, sizeof(struct ots_node_key), HASH_SEED);
}

static uint32_t
node_get(struct ots_inv *inv, const struct ots_node_key *k)
{
	uint64_t h = hash_bytes(k, sizeof(*k), HASH_SEED);
	uint32_t j, e;
	struct ots_node *n;

	/* a known key first: only a new one may be refused by the cap */
	for (j = inv->node_idx.nslots ? (uint32_t)h & (inv->node_idx.nslots - 1) : 0;
	     inv->node_idx.nslots && (e = inv->node_idx.slots[j]);
	     j = (j + 1) & (inv->node_idx.nslots - 1))
		if (memcmp(&inv->nodes[e - 1].k, k, sizeof(*k)) == 0)
			return e - 1;
	if (!obs_room(inv, inv->n_nodes, inv->cap_nodes, sizeof(*inv->nodes), &inv->node_idx)) {
		inv->nodes_refused++;
		return UINT32_MAX;
	}
	if ((inv->node_idx.n + 1) * 2 > inv->node_idx.nslots) {
		if (idx_grow(&inv->node_idx, inv, node_hash) != OTS_OK)
			return UINT32_MAX;
		j = idx_empty_slot(&inv->node_idx, h);
	}
	if (inv->n_nodes == UINT32_MAX - 1 ||
	    grow_array((void **)&inv->nodes, &inv->cap_nodes, inv->n_nodes + 1,
	               sizeof(*inv->nodes)) != OTS_OK) {
		inv->nodes_refused++;
		return UINT32_MAX;
	}
	n = &inv->nodes[inv->n_nodes];
	memset(n, 0, sizeof(*n));
	n->k = *k;
	n->first_ts = UINT64_MAX;
	n->asset = UINT32_MAX;
	inv->node_idx.slots[j] = inv->n_nodes + 1;
	inv->node_idx.n++;
	return inv->n_nodes++;
}

static int
addr_is_unspecified(const struct ots_addr *a)
{
	static const uint8_t zero[16];

	if (ots_addr_is_v4(a))
		return memcmp(a->b + 12, zero, 4) == 0;
	return memcmp(a->b, zero, 16) == 0;
}

static void
node_key_make(struct ots_node_key *k, const struct ots_addr *ip, int ip_version,
              const uint8_t *mac, uint16_t vlan)
{
	memset(k, 0, sizeof(*k));
	if (ip && ip_version && !addr_is_unspecified(ip)) {
		k->ip = *ip;
		k->has_ip = (uint8_t)ip_version;
	}
	if (mac) {
		memcpy(k->mac, mac, 6);
		k->has_mac = 1;
	}
	k->vlan = vlan;
}

int
ots_ttl_is_initial(uint8_t ttl)
{
	/* Defaults of common stacks: Linux/VxWorks 64, Windows 128, network gear 255, AIX 60,
	 * old stacks 30/32; 1, 2 and 4 are what link-scoped multicast (IGMP, OSPF, SSDP)
	 * leaves with. Anything else has crossed a router. */
	switch (ttl) {
	case 1: case 2: case 4: case 30: case 32: case 60: case 64: case 128: case 255:
		return 1;
	default:
		return 0;
	}
}

static void
node_touch(struct ots_node *n, uint64_t first, uint64_t last)
{
	if (first < n->first_ts)
		n->first_ts = first;
	if (last > n->last_ts)
		n->last_ts = last;
}

/* ---------------------------------------------------------------- observed conduits */

static uint64_t
oc_hash(const struct ots_inv *inv, uint32_t e)
{
	return hash_bytes(&inv->oc[e].k, sizeof(struct ots_oconduit_key), HASH_SEED);
}

static struct ots_oconduit *
oc_get(struct ots_inv *inv, const struct ots_oconduit_key *k)
{
	uint64_t h = hash_bytes(k, sizeof(*k), HASH_SEED);
	uint32_t j, e;
	struct ots_oconduit *c;

	for (j = inv->oc_idx.nslots ? (uint32_t)h & (inv->oc_idx.nslots - 1) : 0;
	     inv->oc_idx.nslots && (e = inv->oc_idx.slots[j]);
	     j = (j + 1) & (inv->oc_idx.nslots - 1))
		if (memcmp(&inv->oc[e - 1].k, k, sizeof(*k)) == 0)
			return &inv->oc[e - 1];
	if (!obs_room(inv, inv->n_oc, inv->cap_oc, sizeof(*inv->oc), &inv->oc_idx)) {
		inv->conduits_refused++;
		return NULL;
	}
	if ((inv->oc_idx.n + 1) * 2 > inv->oc_idx.nslots) {
		if (idx_grow(&inv->oc_idx, inv, oc_hash) != OTS_OK)
			return NULL;
		j = idx_empty_slot(&inv->oc_idx, h);
	}
	if (inv->n_oc == UINT32_MAX - 1 ||
	    grow_array((void **)&inv->oc, &inv->cap_oc, inv->n_oc + 1, sizeof(*inv->oc)) != OTS_OK)
		return NULL;
	c = &inv->oc[inv->n_oc];
	memset(c, 0, sizeof(*c));
	c->k = *k;
	c->first_ts = UINT64_MAX;
	inv->oc_idx.slots[j] = inv->n_oc + 1;
	inv->oc_idx.n++;
	inv->n_oc++;
	return c;
}

#define OTS_CONDUIT_MAX_FN 64

/* Add one function tally (merged by code and op class). */
static int
ics_add_fn(struct ots_conduit_ics *ci, uint32_t code, uint32_t name, uint8_t op_class,
           uint64_t req, uint64_t resp, uint64_t exc, uint64_t first_ts)
{
	uint32_t i;
	struct ots_fn_tally *t;

	for (i = 0; i < ci->n_fn; i++) {
		t = &ci->fn[i];
		if (t->code == code && t->op_class == op_class) {
			t->requests += req;
			t->responses += resp;
			t->exceptions += exc;
			if (first_ts && (!t->first_ts || first_ts < t->first_ts))
				t->first_ts = first_ts;
			if (!t->name || (name && name < t->name))
				t->name = name;
			return OTS_OK;
		}
	}
	if (ci->n_fn >= OTS_CONDUIT_MAX_FN ||
	    grow_array((void **)&ci->fn, &ci->cap_fn, ci->n_fn + 1, sizeof(*ci->fn)) != OTS_OK) {
		ci->fn_other += req + resp;
		return OTS_ELIMIT;
	}
	t = &ci->fn[ci->n_fn++];
	memset(t, 0, sizeof(*t));
	t->code = code;
	t->name = name;
	t->op_class = op_class;
	t->requests = req;
	t->responses = resp;
	t->exceptions = exc;
	t->first_ts = first_ts;
	return OTS_OK;
}

static struct ots_conduit_ics *
oc_ics(struct ots_oconduit *c, uint16_t proto)
{
	if (!c->ics) {
		c->ics = calloc(1, sizeof(*c->ics));
		if (!c->ics)
			return NULL;
		c->ics->proto = proto;
	}
	return c->ics;
}

static const char *
dissector_name(uint16_t id)
{
	const struct ots_dissector *d = ots_dissector_by_id(id);

	return d ? d->name : "unknown";
}

/* ---------------------------------------------------------------- ingest */

static int
is_hint_port(const struct ots_dissector *d, uint16_t port)
{
	unsigned i;

	for (i = 0; d && port && i < sizeof(d->ports) / sizeof(d->ports[0]); i++)
		if (d->ports[i] == port)
			return 1;
	return 0;
}

/*
 * The flow's initiator is its first packet's sender unless the capture saw the SYN. When it
 * did not (the capture started mid-connection, or UDP), a first packet from the server makes
 * the conduit point the wrong way: turn it round when the "initiator" sits on the
 * protocol's well-known port and the responder does not, or, for protocols without a
 * dissector, on a port below 1024 facing one above.
 */
static int
flow_is_reversed(const struct ots_flow_rec *r)
{
	uint16_t pi = r->init_is_lo ? r->key.port_lo : r->key.port_hi;
	uint16_t pr = r->init_is_lo ? r->key.port_hi : r->key.port_lo;
	const struct ots_dissector *d;

	if (r->key.proto != 6 && r->key.proto != 17)
		return 0;
	if (r->key.proto == 6 && ((r->tcp_flags[0] & (OTS_TH_SYN | OTS_TH_ACK)) == OTS_TH_SYN ||
	                          (r->tcp_flags[1] & (OTS_TH_SYN | OTS_TH_ACK)) ==
	                                  (OTS_TH_SYN | OTS_TH_ACK)))
		return 0; /* handshake seen: the worker already oriented the flow */
	d = r->app_proto ? ots_dissector_by_id(r->app_proto) : NULL;
	if (d) {
		if (is_hint_port(d, pi) && !is_hint_port(d, pr))
			return 1;
		if (is_hint_port(d, pr))
			return 0;
	}
	return pi < 1024 && pr >= 1024;
}

void
ots_inv_init(struct ots_inv *inv)
{
	memset(inv, 0, sizeof(*inv));
}

void
ots_inv_flow(struct ots_inv *inv, const struct ots_flow_rec *r, const struct ots_ics_counts *ics)
{
	const struct ots_addr *ip[2];
	struct ots_node_key k;
	struct ots_oconduit_key ck;
	struct ots_oconduit *c;
	uint32_t nd[2];
	uint16_t port_resp;
	int d, e[2], swap;

	inv->records++;
	inv->last_flow_nodes[0] = inv->last_flow_nodes[1] = UINT32_MAX;
	if (r->key.ip_version == 0)
		return;
	/* e[d]: flow direction of conduit endpoint d (0 initiator); swapped when the capture
	 * missed the handshake and the first packet came from the server */
	swap = flow_is_reversed(r);
	e[0] = swap;
	e[1] = !swap;
	ip[0] = (r->init_is_lo != 0) != (swap != 0) ? &r->key.lo : &r->key.hi;
	ip[1] = ip[0] == &r->key.lo ? &r->key.hi : &r->key.lo;
	port_resp = ip[1] == &r->key.lo ? r->key.port_lo : r->key.port_hi;
	for (d = 0; d < 2; d++) {
		struct ots_node *n;
		int fd = e[d];

		node_key_make(&k, ip[d], r->key.ip_version,
		              (r->has_mac & (1u << fd)) ? r->mac[fd] : NULL, r->key.vlan);
		nd[d] = node_get(inv, &k);
		inv->last_flow_nodes[d] = nd[d];
		if (nd[d] == UINT32_MAX)
			return;
		n = &inv->nodes[nd[d]];
		node_touch(n, r->first_ts, r->last_ts);
		n->pkts_out += r->pkts[fd];
		n->bytes_out += r->bytes[fd];
		n->pkts_in += r->pkts[!fd];
		n->bytes_in += r->bytes[!fd];
		/* TTL says something about the MAC only when this side's packets carried it */
		if (r->ttl[fd] && (r->has_mac & (4u << fd))) {
			if (ots_ttl_is_initial(r->ttl[fd]))
				n->ttl_local = 1;
			else
				n->ttl_routed = 1;
		}
	}
	memset(&ck, 0, sizeof(ck));
	ck.init = nd[0];
	ck.resp = nd[1];
	ck.transport = r->key.proto;
	ck.port = (r->key.proto == 6 || r->key.proto == 17 || r->key.proto == 132) ? port_resp : 0;
	ck.proto = sp_str(&inv->sp, r->app_proto ? dissector_name(r->app_proto) :
	                            (r->proto[0] ? r->proto : "Unknown"));
	c = oc_get(inv, &ck);
	if (!c)
		return;
	if (r->first_ts < c->first_ts)
		c->first_ts = r->first_ts;
	if (r->last_ts > c->last_ts)
		c->last_ts = r->last_ts;
	for (d = 0; d < 2; d++) {
		c->pkts[d] += r->pkts[e[d]];
		c->bytes[d] += r->bytes[e[d]];
	}
	c->flows++;
	c->ics_flags |= r->ics_flags;
	if (ics && r->app_proto) {
		struct ots_conduit_ics *ci;

		if (!c->ics) /* the cap counts the block and a typical 4-function tally */
			inv->ics_bytes += sizeof(*ci) + 4 * sizeof(struct ots_fn_tally);
		ci = oc_ics(c, r->app_proto);
		unsigned i;

		if (!ci)
			return;
		for (i = 0; i < OTS_OP__COUNT; i++)
			ci->ops[i] += ics->ops[i];
		for (i = 0; i < ics->n_fn && i < OTS_ICS_FN_SLOTS; i++) {
			const struct ots_ics_fn_count *f = &ics->fn[i];

			ics_add_fn(ci, f->code, f->name ? sp_str(&inv->sp, f->name) : 0, f->op_class,
			           f->requests, f->responses, f->exceptions,
			           r->first_ts + (uint64_t)ics->fn_first_ms[i] * 1000);
		}
		ci->fn_other += ics->fn_other;
	}
}

static void
node_add_fact(struct ots_inv *inv, struct ots_node *n, const struct ots_event_rec *e)
{
	uint32_t value, source, i;
	size_t vlen = e->value_len < sizeof(e->value) ? e->value_len : sizeof(e->value);
	struct ots_node_fact *f;

	value = sp_add(&inv->sp, e->value, vlen);
	if (!value)
		return;
	source = sp_add(&inv->sp, e->source, strnlen(e->source, sizeof(e->source)));
	for (i = 0; i < n->nfacts; i++) {
		f = &n->facts[i];
		if (f->attr == e->attr && f->value == value && f->proto == e->proto &&
		    f->source == source) {
			if (e->ts < f->first_ts)
				f->first_ts = e->ts;
			if (e->ts > f->last_ts)
				f->last_ts = e->ts;
			f->count++;
			if (e->confidence > f->confidence)
				f->confidence = e->confidence;
			return;
		}
	}
	if (n->nfacts >= OTS_NODE_MAX_FACTS) {
		n->facts_dropped++;
		inv->facts_dropped++;
		return;
	}
	if (n->nfacts == n->capfacts) {
		uint8_t cap = n->capfacts ? (uint8_t)(n->capfacts * 2) : 4;
		void *p;

		if (cap > OTS_NODE_MAX_FACTS)
			cap = OTS_NODE_MAX_FACTS;
		p = realloc(n->facts, cap * sizeof(*n->facts));
		if (!p) {
			inv->facts_dropped++;
			return;
		}
		n->facts = p;
		n->capfacts = cap;
	}
	f = &n->facts[n->nfacts++];
	memset(f, 0, sizeof(*f));
	f->first_ts = f->last_ts = e->ts;
	f->count = 1;
	f->value = value;
	f->source = source;
	f->proto = e->proto;
	f->attr = e->attr;
	f->confidence = e->confidence;
}

/* The node an endpoint of an event's flow is: d 0 initiator, 1 responder. */
static uint32_t
event_node(struct ots_inv *inv, const struct ots_event_rec *e, int d)
{
	struct ots_node_key k;
	const struct ots_addr *ip = NULL;
	const uint8_t *mac = (e->has_mac & (1u << d)) ? e->mac[d] : NULL;

	if (e->key.ip_version)
		ip = ((d == 0) == (e->init_is_lo != 0)) ? &e->key.lo : &e->key.hi;
	node_key_make(&k, ip, e->key.ip_version, mac, e->key.vlan);
	if (!k.has_ip && !k.has_mac)
		return UINT32_MAX;
	return node_get(inv, &k);
}

uint32_t
ots_inv_event_node(struct ots_inv *inv, const struct ots_event_rec *e, int d)
{
	return event_node(inv, e, d);
}

uint32_t
ots_inv_oconduit_find(struct ots_inv *inv, uint32_t init, uint32_t resp, uint16_t proto_id,
                      uint8_t transport, uint16_t port)
{
	struct ots_oconduit_key ck;
	uint64_t h;
	uint32_t j, e;

	if (!inv->oc_idx.nslots)
		return UINT32_MAX;
	memset(&ck, 0, sizeof(ck));
	ck.init = init;
	ck.resp = resp;
	ck.transport = transport;
	ck.port = port;
	ck.proto = sp_str(&inv->sp, dissector_name(proto_id));
	h = hash_bytes(&ck, sizeof(ck), HASH_SEED);
	for (j = (uint32_t)h & (inv->oc_idx.nslots - 1); (e = inv->oc_idx.slots[j]);
	     j = (j + 1) & (inv->oc_idx.nslots - 1))
		if (memcmp(&inv->oc[e - 1].k, &ck, sizeof(ck)) == 0)
			return e - 1;
	return UINT32_MAX;
}

void
ots_inv_event(struct ots_inv *inv, const struct ots_event_rec *e)
{
	inv->events++;
	if (e->kind == OTS_EV_ARP) {
		/* an ARP sender's binding: the MAC answers for that address. Not proof that it
		 * owns it (a router answers for the hosts behind it: proxy ARP), so no TTL
		 * evidence is set; the router rules stay those of the IP traffic. */
		uint32_t ni = event_node(inv, e, 0);

		if (ni == UINT32_MAX)
			return;
		node_touch(&inv->nodes[ni], e->ts, e->ts);
	} else if (e->kind == OTS_EV_FACT) {
		/* the PDU's sender is the initiator when dir is 0 */
		int sender = e->dir ? 1 : 0;
		int d = e->side == OTS_SIDE_SENDER ? sender : !sender;
		uint32_t ni = event_node(inv, e, d);

		if (ni == UINT32_MAX || e->attr >= OTS_FACT__COUNT)
			return;
		node_touch(&inv->nodes[ni], e->ts, e->ts);
		node_add_fact(inv, &inv->nodes[ni], e);
	} else if (e->kind == OTS_EV_OP && e->key.ip_version == 0) {
		/* Layer 2 has no flow record: every operation is one frame of a conduit from the
		 * requester to the device; a response counts in the reverse direction. */
		struct ots_oconduit_key ck;
		struct ots_oconduit *c;
		struct ots_conduit_ics *ci;
		uint32_t snd = event_node(inv, e, 0), rcv = event_node(inv, e, 1);
		int resp = e->op.is_response != 0;

		if (snd == UINT32_MAX || rcv == UINT32_MAX)
			return;
		node_touch(&inv->nodes[snd], e->ts, e->ts);
		node_touch(&inv->nodes[rcv], e->ts, e->ts);
		inv->nodes[snd].pkts_out++;
		inv->nodes[rcv].pkts_in++;
		memset(&ck, 0, sizeof(ck));
		ck.init = resp ? rcv : snd;
		ck.resp = resp ? snd : rcv;
		ck.transport = OTS_TRANSPORT_ETHER;
		ck.port = e->key.port_lo;
		ck.proto = sp_str(&inv->sp, dissector_name(e->proto));
		c = oc_get(inv, &ck);
		if (!c)
			return;
		if (e->ts < c->first_ts)
			c->first_ts = e->ts;
		if (e->ts > c->last_ts)
			c->last_ts = e->ts;
		c->pkts[resp]++;
		if (!resp)
			c->flows++;
		if (!c->ics)
			inv->ics_bytes += sizeof(*ci) + 4 * sizeof(struct ots_fn_tally);
		ci = oc_ics(c, e->proto);
		if (!ci || e->op.op_class >= OTS_OP__COUNT)
			return;
		ci->ops[e->op.op_class]++;
		ics_add_fn(ci, e->op.function,
		           e->op.function_name ? sp_str(&inv->sp, e->op.function_name) : 0,
		           e->op.op_class, resp ? 0 : 1, resp ? 1 : 0, e->op.has_exception ? 1 : 0,
		           e->ts);
	}
}

/* ---------------------------------------------------------------- build */

const char *
ots_role_name(enum ots_role r)
{
	static const char *const names[OTS_ROLE__COUNT] = {
		[OTS_ROLE_UNKNOWN] = "unknown",
		[OTS_ROLE_PLC] = "plc",
		[OTS_ROLE_RTU] = "rtu",
		[OTS_ROLE_HMI] = "hmi",
		[OTS_ROLE_ENGINEERING] = "engineering",
		[OTS_ROLE_HISTORIAN] = "historian",
		[OTS_ROLE_NETWORK] = "network",
		[OTS_ROLE_IT] = "it",
	};

	return (unsigned)r < OTS_ROLE__COUNT ? names[r] : "unknown";
}

static uint64_t
mac_u64(const uint8_t m[6])
{
	return ((uint64_t)m[0] << 40) | ((uint64_t)m[1] << 32) | ((uint64_t)m[2] << 24) |
	       ((uint64_t)m[3] << 16) | ((uint64_t)m[4] << 8) | m[5];
}

struct mac_ip {
	uint64_t mac;
	uint32_t node;
};

static int
mac_ip_cmp(const void *a, const void *b)
{
	const struct mac_ip *x = a, *y = b;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

struct mac_verdict {
	uint64_t mac;
	uint8_t gateway;
};

static int
mac_verdict_cmp(const void *a, const void *b)
{
	const struct mac_verdict *x = a, *y = b;

	return x->mac < y->mac ? -1 : x->mac > y->mac;
}

static int
ip_is_group(const struct ots_node_key *k)
{
	if (!k->has_ip)
		return 0;
	if (ots_addr_is_v4(&k->ip))
		return (k->ip.b[12] >= 224 && k->ip.b[12] <= 239) ||
		       (k->ip.b[12] == 255 && k->ip.b[13] == 255 && k->ip.b[14] == 255 &&
		        k->ip.b[15] == 255);
	return k->ip.b[0] == 0xff;
}

/* A broadcast or multicast destination. A group MAC that sent packets is a (misconfigured or
 * crafted) device, not a group: it is kept as one. */
static int
node_is_group(const struct ots_node *n)
{
	return ip_is_group(&n->k) || (n->k.has_mac && (n->k.mac[0] & 1) && n->pkts_out == 0);
}

static void
addr_text(const struct ots_addr *a, char *buf, size_t len)
{
	ots_addr_str(a, buf, len);
}

static void
mac_text(const uint8_t m[6], char *buf, size_t len)
{
	ots_mac_str(m, buf, len);
}

static uint32_t
ip_key_id(struct ots_inv *inv, const struct ots_node_key *k)
{
	char a[64], id[96];

	addr_text(&k->ip, a, sizeof(a));
	if (k->vlan)
		snprintf(id, sizeof(id), "ip:%s%%vlan%u", a, (unsigned)k->vlan);
	else
		snprintf(id, sizeof(id), "ip:%s", a);
	return sp_str(&inv->sp, id);
}

static uint32_t
mac_key_id(struct ots_inv *inv, const uint8_t mac[6])
{
	char m[24], id[32];

	mac_text(mac, m, sizeof(m));
	snprintf(id, sizeof(id), "mac:%s", m);
	return sp_str(&inv->sp, id);
}

static uint32_t
group_key_id(struct ots_inv *inv, const struct ots_node_key *k)
{
	char a[64], id[96];

	if (k->has_ip && ip_is_group(k))
		addr_text(&k->ip, a, sizeof(a));
	else
		mac_text(k->mac, a, sizeof(a));
	snprintf(id, sizeof(id), "group:%s", a);
	return sp_str(&inv->sp, id);
}

static void
asset_free_derived(struct ots_asset *a)
{
	free(a->nodes);
	free(a->attrs);
	free(a->protos);
}

static void
derived_reset(struct ots_inv *inv)
{
	uint32_t i;

	for (i = 0; i < inv->n_assets; i++)
		asset_free_derived(&inv->assets[i]);
	for (i = 0; i < inv->n_conduits; i++)
		free(inv->conduits[i].ics.fn);
	inv->n_assets = 0;
	inv->n_conduits = 0;
	inv->n_afacts = 0;
	free(inv->asset_order);
	inv->asset_order = NULL;
	inv->n_order = 0;
	free(inv->conduit_order);
	inv->conduit_order = NULL;
	inv->built = 0;
}

/* Asset index for an id; creates it. u32idx keyed by the strpool id. */
static uint64_t
asset_hash(const struct ots_inv *inv, uint32_t e)
{
	uint32_t id = inv->assets[e].id;

	return hash_bytes(&id, sizeof(id), HASH_SEED);
}

static uint32_t
asset_get(struct ots_inv *inv, struct ots_u32idx *x, uint32_t id, int is_group)
{
	uint64_t h = hash_bytes(&id, sizeof(id), HASH_SEED);
	uint32_t j, e;
	struct ots_asset *a;

	if ((x->n + 1) * 2 > x->nslots && idx_grow(x, inv, asset_hash) != OTS_OK)
		return UINT32_MAX;
	j = (uint32_t)h & (x->nslots - 1);
	while ((e = x->slots[j])) {
		if (inv->assets[e - 1].id == id)
			return e - 1;
		j = (j + 1) & (x->nslots - 1);
	}
	if (grow_array((void **)&inv->assets, &inv->cap_assets, inv->n_assets + 1,
	               sizeof(*inv->assets)) != OTS_OK)
		return UINT32_MAX;
	a = &inv->assets[inv->n_assets];
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->is_group = (uint8_t)is_group;
	a->by_mac = strncmp(ots_inv_str(inv, id), "mac:", 4) == 0;
	a->first_ts = UINT64_MAX;
	x->slots[j] = inv->n_assets + 1;
	x->n++;
	return inv->n_assets++;
}

/* Node key order: IP version and bytes, then MAC, then VLAN (output order of addresses). */
static int
node_key_cmp(const struct ots_node_key *a, const struct ots_node_key *b)
{
	int c;

	if (a->has_ip != b->has_ip)
		return a->has_ip < b->has_ip ? -1 : 1;
	c = memcmp(a->ip.b, b->ip.b, 16);
	if (c)
		return c;
	if (a->has_mac != b->has_mac)
		return a->has_mac < b->has_mac ? -1 : 1;
	c = memcmp(a->mac, b->mac, 6);
	if (c)
		return c;
	return a->vlan < b->vlan ? -1 : a->vlan > b->vlan;
}

static const struct ots_inv *sort_inv; /* qsort context (main thread only) */

static int
node_idx_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return node_key_cmp(&sort_inv->nodes[a].k, &sort_inv->nodes[b].k);
}

struct fact_ref {
	struct ots_node_fact *f;
	const struct ots_inv *inv;
};

/* Facts of one asset: by attribute, then value text, then first time, then source. */
static int
fact_ptr_cmp(const void *pa, const void *pb)
{
	const struct ots_node_fact *a = *(struct ots_node_fact *const *)pa;
	const struct ots_node_fact *b = *(struct ots_node_fact *const *)pb;
	int c;

	if (a->attr != b->attr)
		return a->attr < b->attr ? -1 : 1;
	if (a->value != b->value) {
		c = strcmp(ots_inv_str(sort_inv, a->value), ots_inv_str(sort_inv, b->value));
		if (c)
			return c;
	}
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	c = strcmp(ots_inv_str(sort_inv, a->source), ots_inv_str(sort_inv, b->source));
	if (c)
		return c;
	return a->last_ts < b->last_ts ? -1 : a->last_ts > b->last_ts;
}

/* Attribute values of one attribute: the first seen first (history order). */
static int
attr_cmp(const void *pa, const void *pb)
{
	const struct ots_asset_attr *a = pa, *b = pb;

	if (a->attr != b->attr)
		return a->attr < b->attr ? -1 : 1;
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	return strcmp(ots_inv_str(sort_inv, a->value), ots_inv_str(sort_inv, b->value));
}

static int
asset_collect_facts(struct ots_inv *inv, struct ots_asset *a)
{
	uint32_t i, j, start = inv->n_afacts, n;

	for (i = 0; i < a->n_nodes; i++) {
		struct ots_node *nd = &inv->nodes[a->nodes[i]];

		for (j = 0; j < nd->nfacts; j++) {
			if (grow_array((void **)&inv->afacts, &inv->cap_afacts, inv->n_afacts + 1,
			               sizeof(*inv->afacts)) != OTS_OK)
				return OTS_ENOMEM;
			inv->afacts[inv->n_afacts++] = &nd->facts[j];
		}
	}
	n = inv->n_afacts - start;
	if (!n)
		return OTS_OK;
	ots_qsort(inv->afacts + start, n, sizeof(*inv->afacts), fact_ptr_cmp);
	a->attrs = calloc(n, sizeof(*a->attrs));
	if (!a->attrs)
		return OTS_ENOMEM;
	for (i = start; i < inv->n_afacts; i++) {
		struct ots_node_fact *f = inv->afacts[i];
		struct ots_asset_attr *t = a->n_attrs ? &a->attrs[a->n_attrs - 1] : NULL;

		if (!t || t->attr != f->attr || t->value != f->value) {
			t = &a->attrs[a->n_attrs++];
			t->attr = f->attr;
			t->value = f->value;
			t->first_ts = f->first_ts;
			t->last_ts = f->last_ts;
			t->first_fact = i;
		}
		if (f->first_ts < t->first_ts)
			t->first_ts = f->first_ts;
		if (f->last_ts > t->last_ts)
			t->last_ts = f->last_ts;
		t->count += f->count;
		t->n_facts++;
	}
	ots_qsort(a->attrs, a->n_attrs, sizeof(*a->attrs), attr_cmp);
	return OTS_OK;
}

static int
asset_add_proto(struct ots_asset *a, uint32_t proto, uint8_t transport, uint16_t port,
                int server, uint64_t flows)
{
	uint32_t i;
	struct ots_asset_proto *p;

	for (i = 0; i < a->n_protos; i++) {
		p = &a->protos[i];
		if (p->proto == proto && p->transport == transport && p->port == port &&
		    p->server == server) {
			p->peers++;
			p->flows += flows;
			return OTS_OK;
		}
	}
	if (grow_array((void **)&a->protos, &a->cap_protos, a->n_protos + 1,
	               sizeof(*a->protos)) != OTS_OK)
		return OTS_ENOMEM;
	p = &a->protos[a->n_protos++];
	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->transport = transport;
	p->port = port;
	p->server = (uint8_t)server;
	p->peers = 1;
	p->flows = flows;
	return OTS_OK;
}

static int
proto_cmp(const void *pa, const void *pb)
{
	const struct ots_asset_proto *a = pa, *b = pb;
	int c;

	if (a->server != b->server)
		return a->server > b->server ? -1 : 1; /* served first */
	c = strcmp(ots_inv_str(sort_inv, a->proto), ots_inv_str(sort_inv, b->proto));
	if (c)
		return c;
	if (a->transport != b->transport)
		return a->transport < b->transport ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* Conduit key index (asset pair, transport, port, protocol). */
struct ckey {
	uint32_t src, dst, proto;
	uint16_t port;
	uint8_t transport, pad;
};

static void
ckey_of(const struct ots_conduit *c, struct ckey *k)
{
	memset(k, 0, sizeof(*k));
	k->src = c->src;
	k->dst = c->dst;
	k->proto = c->proto;
	k->port = c->port;
	k->transport = c->transport;
}

static uint64_t
conduit_hash(const struct ots_inv *inv, uint32_t e)
{
	struct ckey k;

	ckey_of(&inv->conduits[e], &k);
	return hash_bytes(&k, sizeof(k), HASH_SEED);
}

static uint32_t
conduit_get(struct ots_inv *inv, struct ots_u32idx *x, const struct ckey *k)
{
	uint64_t h = hash_bytes(k, sizeof(*k), HASH_SEED);
	uint32_t j, e;
	struct ots_conduit *c;
	struct ckey ek;

	if ((x->n + 1) * 2 > x->nslots && idx_grow(x, inv, conduit_hash) != OTS_OK)
		return UINT32_MAX;
	j = (uint32_t)h & (x->nslots - 1);
	while ((e = x->slots[j])) {
		ckey_of(&inv->conduits[e - 1], &ek);
		if (memcmp(&ek, k, sizeof(ek)) == 0)
			return e - 1;
		j = (j + 1) & (x->nslots - 1);
	}
	if (grow_array((void **)&inv->conduits, &inv->cap_conduits, inv->n_conduits + 1,
	               sizeof(*inv->conduits)) != OTS_OK)
		return UINT32_MAX;
	c = &inv->conduits[inv->n_conduits];
	memset(c, 0, sizeof(*c));
	c->src = k->src;
	c->dst = k->dst;
	c->proto = k->proto;
	c->port = k->port;
	c->transport = k->transport;
	c->first_ts = UINT64_MAX;
	c->src_node = c->dst_node = UINT32_MAX;
	x->slots[j] = inv->n_conduits + 1;
	x->n++;
	return inv->n_conduits++;
}

static int
asset_order_cmp(const void *pa, const void *pb)
{
	const struct ots_asset *a = &sort_inv->assets[*(const uint32_t *)pa];
	const struct ots_asset *b = &sort_inv->assets[*(const uint32_t *)pb];

	return strcmp(ots_inv_str(sort_inv, a->id), ots_inv_str(sort_inv, b->id));
}

/* A conduit's sort key: its endpoints' ranks in asset id order, then transport, port, and
 * protocol name. */
struct crank {
	uint32_t src, dst, proto, idx;
	uint16_t port;
	uint8_t transport;
};

static int
ckey_rank_cmp(const void *pa, const void *pb)
{
	const struct crank *a = pa, *b = pb;

	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	if (a->dst != b->dst)
		return a->dst < b->dst ? -1 : 1;
	if (a->transport != b->transport)
		return a->transport < b->transport ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto == b->proto)
		return 0;
	return strcmp(ots_inv_str(sort_inv, a->proto), ots_inv_str(sort_inv, b->proto));
}

static void
ics_merge(struct ots_conduit_ics *dst, const struct ots_conduit_ics *src)
{
	uint32_t i;

	if (!dst->proto)
		dst->proto = src->proto;
	for (i = 0; i < OTS_OP__COUNT; i++)
		dst->ops[i] += src->ops[i];
	for (i = 0; i < src->n_fn; i++)
		ics_add_fn(dst, src->fn[i].code, src->fn[i].name, src->fn[i].op_class,
		           src->fn[i].requests, src->fn[i].responses, src->fn[i].exceptions,
		           src->fn[i].first_ts);
	dst->fn_other += src->fn_other;
}

static int
fn_cmp(const void *pa, const void *pb)
{
	const struct ots_fn_tally *a = pa, *b = pb;

	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	return a->op_class < b->op_class ? -1 : a->op_class > b->op_class;
}

static int
is_controller_proto(const char *p)
{
	static const char *const names[] = { "s7comm", "s7comm_plus", "enip", "modbus", "fins",
		                             "slmp", "hart_ip", "opcua", "bacnet" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(p, names[i]) == 0)
			return 1;
	return 0;
}

static int
is_outstation_proto(const char *p)
{
	return strcmp(p, "dnp3") == 0 || strcmp(p, "iec104") == 0 || strcmp(p, "mms") == 0 ||
	       strcmp(p, "goose") == 0;
}

static void
evidence(struct ots_inv *inv, struct ots_asset *a, const char *fmt, ...) OTS_PRINTF(3, 4);

static void
evidence(struct ots_inv *inv, struct ots_asset *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (a->n_evidence >= OTS_ASSET_MAX_EVIDENCE)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	a->evidence[a->n_evidence++] = sp_str(&inv->sp, buf);
}

const char *
ots_inv_transport_name(uint8_t t, char *buf, size_t len)
{
	switch (t) {
	case 6: return "tcp";
	case 17: return "udp";
	case 132: return "sctp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	case OTS_TRANSPORT_ETHER: return "ether";
	default:
		snprintf(buf, len, "ip-%u", (unsigned)t);
		return buf;
	}
}

/*
 * Role, with the evidence that decided it first. Order: what a device answers (PLC, RTU)
 * beats what it asks, because controllers also talk to each other; an engineering operation
 * beats polling; layer-2 infrastructure and IT come last.
 */
static void
asset_role(struct ots_inv *inv, struct ots_asset *a)
{
	const struct ots_asset_proto *p;
	const char *pn, *idsrc = NULL, *ident_proto = NULL;
	char tb[16];
	uint32_t i;
	uint64_t eng = 0, reads = 0, writes = 0, total = 0;
	const char *server_ctl = NULL, *server_out = NULL, *client_ua = NULL;
	uint16_t ctl_port = 0, out_port = 0;
	uint8_t ctl_tr = 0, out_tr = 0;
	int has_l2_id = 0, ident = 0;

	for (i = 0; i < a->n_attrs; i++) {
		const struct ots_asset_attr *t = &a->attrs[i];
		const struct ots_node_fact *f = inv->afacts[t->first_fact];

		if (f->proto == OTS_PROTO_LLDP || f->proto == OTS_PROTO_CDP)
			has_l2_id = 1;
		if ((t->attr == OTS_FACT_VENDOR || t->attr == OTS_FACT_MODEL ||
		     t->attr == OTS_FACT_ORDER_NUMBER || t->attr == OTS_FACT_PRODUCT_CODE ||
		     t->attr == OTS_FACT_FIRMWARE) && f->proto != OTS_PROTO_LLDP &&
		    f->proto != OTS_PROTO_CDP && f->proto != OTS_PROTO_DHCP) {
			ident = 1;
			if (!idsrc) {
				idsrc = ots_inv_str(inv, f->source);
				ident_proto = ots_dissector_by_id(f->proto) ?
				                      ots_dissector_by_id(f->proto)->name : NULL;
			}
		}
	}
	for (i = 0; i < a->n_protos; i++) {
		p = &a->protos[i];
		pn = ots_inv_str(inv, p->proto);
		if (p->server && is_controller_proto(pn) && strcmp(pn, "opcua") != 0 &&
		    strcmp(pn, "bacnet") != 0 && !server_ctl) {
			server_ctl = pn;
			ctl_port = p->port;
			ctl_tr = p->transport;
		}
		if (p->server && is_outstation_proto(pn) && !server_out) {
			server_out = pn;
			out_port = p->port;
			out_tr = p->transport;
		}
		if (!p->server && strcmp(pn, "opcua") == 0)
			client_ua = pn;
	}
	eng = a->ops_issued[OTS_OP_PROGRAM] + a->ops_issued[OTS_OP_FIRMWARE] +
	      a->ops_issued[OTS_OP_MODE_CHANGE];
	reads = a->ops_issued[OTS_OP_READ] + a->ops_issued[OTS_OP_EVENT];
	writes = a->ops_issued[OTS_OP_WRITE] + a->ops_issued[OTS_OP_CONTROL];
	for (i = 0; i < OTS_OP__COUNT; i++)
		total += a->ops_issued[i];

	if (a->gateway) {
		a->role = OTS_ROLE_NETWORK;
		evidence(inv, a, "its MAC forwards traffic of other subnets (decremented TTL)");
	} else if (server_ctl && (ident || strcmp(server_ctl, "s7comm") == 0 ||
	                          strcmp(server_ctl, "s7comm_plus") == 0 ||
	                          strcmp(server_ctl, "enip") == 0)) {
		a->role = OTS_ROLE_PLC;
		if (ident)
			evidence(inv, a, "answers %s on %s/%u and identifies itself (%s)", server_ctl,
			         ots_inv_transport_name(ctl_tr, tb, sizeof(tb)), ctl_port, idsrc);
		else
			evidence(inv, a, "answers %s on %s/%u", server_ctl,
			         ots_inv_transport_name(ctl_tr, tb, sizeof(tb)), ctl_port);
	} else if (server_out) {
		a->role = OTS_ROLE_RTU;
		if (strcmp(server_out, "goose") == 0)
			evidence(inv, a, "publishes IEC 61850 GOOSE");
		else
			evidence(inv, a, "answers %s on %s/%u (outstation/IED)", server_out,
			         ots_inv_transport_name(out_tr, tb, sizeof(tb)), out_port);
	} else if (server_ctl) {
		a->role = OTS_ROLE_PLC;
		evidence(inv, a, "answers %s on %s/%u", server_ctl,
		         ots_inv_transport_name(ctl_tr, tb, sizeof(tb)), ctl_port);
	} else if (ident && ident_proto && !eng) {
		/* a device object announced or read (BACnet I-Am, PROFINET DCP, HART): a field
		 * controller even when the capture shows no request to it */
		a->role = OTS_ROLE_PLC;
		evidence(inv, a, "identifies itself as a %s device (%s)", ident_proto, idsrc);
	} else if (eng || a->ops_issued[OTS_OP_DIAGNOSTIC]) {
		a->role = OTS_ROLE_ENGINEERING;
		evidence(inv, a,
		         "issued %llu program/firmware/mode-change and %llu diagnostic operations",
		         (unsigned long long)eng,
		         (unsigned long long)a->ops_issued[OTS_OP_DIAGNOSTIC]);
	} else if (client_ua && writes == 0 && a->ics_servers_polled <= 2) {
		a->role = OTS_ROLE_HISTORIAN;
		evidence(inv, a, "OPC UA client that only reads or subscribes (%llu operations)",
		         (unsigned long long)total);
	} else if (a->ics_conduits && a->ics_servers_polled >= 2 && reads * 2 >= total) {
		a->role = OTS_ROLE_HMI;
		evidence(inv, a, "polls %u controllers, %llu of %llu operations are reads",
		         a->ics_servers_polled, (unsigned long long)reads,
		         (unsigned long long)total);
	} else if (a->ics_servers_polled >= 1 && total) {
		a->role = OTS_ROLE_HMI;
		evidence(inv, a, "ICS client of %u controller%s (%llu reads, %llu writes/controls)",
		         a->ics_servers_polled, a->ics_servers_polled == 1 ? "" : "s",
		         (unsigned long long)reads, (unsigned long long)writes);
	} else if (has_l2_id) {
		a->role = OTS_ROLE_NETWORK;
		evidence(inv, a, "announces itself with LLDP/CDP and serves no ICS protocol");
	} else if (a->it_conduits && !a->ics_conduits) {
		a->role = OTS_ROLE_IT;
		evidence(inv, a, "only IT protocols (%u conduits)", a->it_conduits);
	} else {
		a->role = OTS_ROLE_UNKNOWN;
		evidence(inv, a, "no deciding traffic");
	}
	/* supporting evidence after the deciding line */
	if (a->role != OTS_ROLE_ENGINEERING && eng)
		evidence(inv, a, "also issued %llu program/firmware/mode-change operations",
		         (unsigned long long)eng);
	if (a->role != OTS_ROLE_NETWORK && has_l2_id)
		evidence(inv, a, "sends LLDP/CDP");
}

static void
asset_group(struct ots_inv *inv, struct ots_asset *a)
{
	uint32_t i;
	char buf[96];

	for (i = 0; i < a->n_nodes; i++) {
		const struct ots_node_key *k = &inv->nodes[a->nodes[i]].k;

		if (!k->has_ip)
			continue;
		if (a->external) {
			a->group = sp_str(&inv->sp, "external");
			return;
		}
		if (ots_addr_is_v4(&k->ip))
			snprintf(buf, sizeof(buf), "%u.%u.%u.0/24", k->ip.b[12], k->ip.b[13],
			         k->ip.b[14]);
		else
			snprintf(buf, sizeof(buf), "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
			         k->ip.b[0], k->ip.b[1], k->ip.b[2], k->ip.b[3], k->ip.b[4],
			         k->ip.b[5], k->ip.b[6], k->ip.b[7]);
		if (k->vlan) {
			size_t l = strlen(buf);

			snprintf(buf + l, sizeof(buf) - l, " vlan %u", (unsigned)k->vlan);
		}
		a->group = sp_str(&inv->sp, buf);
		return;
	}
	if (a->n_nodes && inv->nodes[a->nodes[0]].k.vlan)
		snprintf(buf, sizeof(buf), "layer 2 vlan %u", (unsigned)inv->nodes[a->nodes[0]].k.vlan);
	else
		snprintf(buf, sizeof(buf), "layer 2");
	a->group = sp_str(&inv->sp, buf);
}

static void
asset_enrich(struct ots_inv *inv, struct ots_asset *a)
{
	uint32_t i;

	for (i = 0; i < a->n_nodes; i++) {
		const struct ots_node_key *k = &inv->nodes[a->nodes[i]].k;

		if (k->has_mac && a->by_mac && !a->nic_vendor && inv->oui) {
			const char *v = ots_oui_lookup(inv->oui, k->mac);

			if (v)
				a->nic_vendor = sp_str(&inv->sp, v);
		}
		if (k->has_ip) {
			int v4 = ots_addr_is_v4(&k->ip);
			const uint8_t *b = v4 ? k->ip.b + 12 : k->ip.b;

			if (ots_ip_is_public(b, v4 ? 4 : 6)) {
				a->external = 1;
				if (inv->geo && !a->country[0] && !a->asn) {
					struct ots_geo g;

					memset(&g, 0, sizeof(g));
					if (ots_geoip_lookup(inv->geo, b, v4 ? 4 : 6, &g) > 0) {
						memcpy(a->country, g.country, sizeof(a->country));
						a->country[2] = '\0';
						a->asn = g.asn;
						a->as_org = sp_str(&inv->sp, g.as_org);
					}
				}
			}
		}
	}
}

struct pair {
	uint32_t a, b;
};

static int
ip_vlan_cmp(const struct ots_node_key *a, const struct ots_node_key *b)
{
	int c = memcmp(a->ip.b, b->ip.b, 16);

	if (c)
		return c;
	return a->vlan < b->vlan ? -1 : a->vlan > b->vlan;
}

/* ipmac entries (node with IP and MAC, its asset) by the node's (IP, VLAN) */
static int
ipmac_cmp(const void *pa, const void *pb)
{
	const struct pair *x = pa, *y = pb;
	int c = ip_vlan_cmp(&sort_inv->nodes[x->a].k, &sort_inv->nodes[y->a].k);

	if (c)
		return c;
	return x->a < y->a ? -1 : x->a > y->a;
}

static int
pair_cmp(const void *pa, const void *pb)
{
	const struct pair *x = pa, *y = pb;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

int
ots_inv_build(struct ots_inv *inv)
{
	struct mac_ip *mi = NULL;
	struct mac_verdict *mv = NULL;
	struct pair *ipmac = NULL, *pairs = NULL;
	uint8_t *routed = NULL;
	uint32_t *rank = NULL;
	struct crank *ck = NULL;
	struct ots_u32idx aidx, cidx;
	uint32_t n_mi = 0, n_mv = 0, n_ipmac = 0, n_pairs = 0, i, j;
	int rc = OTS_ENOMEM;

	derived_reset(inv);
	memset(&aidx, 0, sizeof(aidx));
	memset(&cidx, 0, sizeof(cidx));
	sort_inv = inv;

	/* 1. Which MACs are routers': group each MAC's IP nodes. */
	mi = malloc(((size_t)inv->n_nodes + 1) * sizeof(*mi));
	mv = malloc(((size_t)inv->n_nodes + 1) * sizeof(*mv));
	if (!mi || !mv)
		goto out;
	for (i = 0; i < inv->n_nodes; i++) {
		const struct ots_node_key *k = &inv->nodes[i].k;

		if (k->has_mac && k->has_ip && !node_is_group(&inv->nodes[i])) {
			mi[n_mi].mac = mac_u64(k->mac);
			mi[n_mi++].node = i;
		}
	}
	ots_qsort(mi, n_mi, sizeof(*mi), mac_ip_cmp);
	for (i = 0; i < n_mi; i = j) {
		uint32_t ips = 0, n_routed = 0;

		for (j = i; j < n_mi && mi[j].mac == mi[i].mac; j++) {
			const struct ots_node *n = &inv->nodes[mi[j].node];

			/* one IP may appear in several VLANs: count it once per node anyway */
			ips++;
			if (n->ttl_routed && !n->ttl_local)
				n_routed++;
		}
		mv[n_mv].mac = mi[i].mac;
		mv[n_mv++].gateway = n_routed > 0 || ips > OTS_INV_MAX_DEVICE_IPS;
	}

	/* 2. Key every node. IP-only and routed nodes join the MAC asset that owns their IP,
	 * if any (second pass). */
	ipmac = malloc(((size_t)inv->n_nodes + 1) * sizeof(*ipmac));
	routed = calloc((size_t)inv->n_nodes + 1, 1);
	if (!ipmac || !routed)
		goto out;
	for (i = 0; i < inv->n_nodes; i++) {
		struct ots_node *n = &inv->nodes[i];
		const struct ots_node_key *k = &n->k;
		struct mac_verdict key, *v;
		uint32_t id;
		int group = 0;

		n->asset = UINT32_MAX;
		if (node_is_group(n)) {
			id = group_key_id(inv, k);
			group = 1;
		} else if (k->has_mac) {
			key.mac = mac_u64(k->mac);
			v = ots_bsearch(&key, mv, n_mv, sizeof(*mv), mac_verdict_cmp);
			if (v && v->gateway && k->has_ip && !n->ttl_local) {
				routed[i] = 1; /* behind the router: second pass */
				continue;
			}
			id = mac_key_id(inv, k->mac);
		} else if (k->has_ip) {
			continue; /* second pass */
		} else {
			continue;
		}
		if (!id)
			goto out;
		n->asset = asset_get(inv, &aidx, id, group);
		if (n->asset == UINT32_MAX)
			goto out;
		if (k->has_mac && k->has_ip && !group &&
		    strncmp(ots_inv_str(inv, id), "mac:", 4) == 0) {
			ipmac[n_ipmac].a = i;          /* node with IP and owning MAC asset */
			ipmac[n_ipmac++].b = n->asset;
		}
		if (k->has_mac && !group) {
			key.mac = mac_u64(k->mac);
			v = ots_bsearch(&key, mv, n_mv, sizeof(*mv), mac_verdict_cmp);
			if (v && v->gateway && strncmp(ots_inv_str(inv, id), "mac:", 4) == 0)
				inv->assets[n->asset].gateway = 1;
		}
	}
	/* an IP seen without MAC (cooked capture, or never sent): the MAC asset that owns the
	 * same IP in the same VLAN, the one seen last if several */
	ots_qsort(ipmac, n_ipmac, sizeof(*ipmac), ipmac_cmp);
	for (i = 0; i < inv->n_nodes; i++) {
		struct ots_node *n = &inv->nodes[i];
		uint32_t id = 0, best = UINT32_MAX, lo = 0, hi = n_ipmac;
		uint64_t best_ts = 0;

		struct ots_node_key probe;
		int any_vlan = routed[i];

		if (n->asset != UINT32_MAX || !n->k.has_ip || (n->k.has_mac && !routed[i]))
			continue;
		/*
		 * A routed IP crossed VLANs: the tag is the router's segment, not the device's, so
		 * it matches a local device of that IP in any VLAN and its own key has no VLAN.
		 * An IP seen without MACs keeps its VLAN (overlapping address plans per VLAN).
		 */
		probe = n->k;
		if (any_vlan)
			probe.vlan = 0;
		while (lo < hi) { /* first entry not below (ip, vlan) */
			uint32_t mid = lo + (hi - lo) / 2;

			if (ip_vlan_cmp(&inv->nodes[ipmac[mid].a].k, &probe) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (j = lo; j < n_ipmac; j++) {
			const struct ots_node *m = &inv->nodes[ipmac[j].a];

			if (any_vlan ? memcmp(m->k.ip.b, probe.ip.b, 16) != 0
			             : ip_vlan_cmp(&m->k, &probe) != 0)
				break;

			if (best == UINT32_MAX || m->last_ts > best_ts ||
			    (m->last_ts == best_ts &&
			     strcmp(ots_inv_str(inv, inv->assets[ipmac[j].b].id),
			            ots_inv_str(inv, inv->assets[best].id)) < 0)) {
				best = ipmac[j].b;
				best_ts = m->last_ts;
			}
		}
		if (best != UINT32_MAX) {
			n->asset = best;
			continue;
		}
		id = ip_key_id(inv, &probe);
		if (!id)
			goto out;
		n->asset = asset_get(inv, &aidx, id, 0);
		if (n->asset == UINT32_MAX)
			goto out;
	}

	/* 3. Nodes into assets: lists, counters, facts. */
	for (i = 0; i < inv->n_nodes; i++) {
		struct ots_node *n = &inv->nodes[i];
		struct ots_asset *a;
		uint32_t *p;

		if (n->asset == UINT32_MAX)
			continue;
		a = &inv->assets[n->asset];
		p = realloc(a->nodes, ((size_t)a->n_nodes + 1) * sizeof(*p));
		if (!p)
			goto out;
		a->nodes = p;
		a->nodes[a->n_nodes++] = i;
		if (n->first_ts < a->first_ts)
			a->first_ts = n->first_ts;
		if (n->last_ts > a->last_ts)
			a->last_ts = n->last_ts;
		a->pkts_out += n->pkts_out;
		a->pkts_in += n->pkts_in;
		a->bytes_out += n->bytes_out;
		a->bytes_in += n->bytes_in;
	}
	for (i = 0; i < inv->n_assets; i++) {
		struct ots_asset *a = &inv->assets[i];

		ots_qsort(a->nodes, a->n_nodes, sizeof(*a->nodes), node_idx_cmp);
		if (asset_collect_facts(inv, a) != OTS_OK)
			goto out;
	}

	/* 4. Conduits per asset pair. */
	for (i = 0; i < inv->n_oc; i++) {
		struct ots_oconduit *o = &inv->oc[i];
		struct ckey k;
		struct ots_conduit *c;
		uint32_t ci, d;

		o->conduit = UINT32_MAX;
		if (inv->nodes[o->k.init].asset == UINT32_MAX ||
		    inv->nodes[o->k.resp].asset == UINT32_MAX)
			continue;
		memset(&k, 0, sizeof(k));
		k.src = inv->nodes[o->k.init].asset;
		k.dst = inv->nodes[o->k.resp].asset;
		k.proto = o->k.proto;
		k.port = o->k.port;
		k.transport = o->k.transport;
		ci = conduit_get(inv, &cidx, &k);
		if (ci == UINT32_MAX)
			goto out;
		o->conduit = ci;
		c = &inv->conduits[ci];
		if (o->first_ts < c->first_ts)
			c->first_ts = o->first_ts;
		if (o->last_ts > c->last_ts)
			c->last_ts = o->last_ts;
		for (d = 0; d < 2; d++) {
			c->pkts[d] += o->pkts[d];
			c->bytes[d] += o->bytes[d];
		}
		c->flows += o->flows;
		if (o->ics)
			ics_merge(&c->ics, o->ics);
		if (c->src_node == UINT32_MAX ||
		    node_key_cmp(&inv->nodes[o->k.init].k, &inv->nodes[c->src_node].k) < 0 ||
		    (node_key_cmp(&inv->nodes[o->k.init].k, &inv->nodes[c->src_node].k) == 0 &&
		     node_key_cmp(&inv->nodes[o->k.resp].k, &inv->nodes[c->dst_node].k) < 0)) {
			c->src_node = o->k.init;
			c->dst_node = o->k.resp;
		}
	}

	/* 5. Per asset: protocols, operations, peers. */
	pairs = malloc(((size_t)inv->n_conduits + 1) * sizeof(*pairs));
	if (!pairs)
		goto out;
	for (i = 0; i < inv->n_conduits; i++) {
		struct ots_conduit *c = &inv->conduits[i];
		struct ots_asset *s = &inv->assets[c->src], *d = &inv->assets[c->dst];
		struct ckey k;

		ots_qsort(c->ics.fn, c->ics.n_fn, sizeof(*c->ics.fn), fn_cmp);
		ckey_of(c, &k);
		/* the id must not depend on indexes: hash the ids' text and the key fields */
		c->id = hash_bytes(ots_inv_str(inv, s->id), strlen(ots_inv_str(inv, s->id)), HASH_SEED);
		c->id = hash_bytes(ots_inv_str(inv, d->id), strlen(ots_inv_str(inv, d->id)), c->id);
		c->id = hash_bytes(ots_inv_str(inv, c->proto), strlen(ots_inv_str(inv, c->proto)),
		                   c->id);
		c->id = hash_bytes(&k.port, sizeof(k.port), c->id);
		c->id = hash_bytes(&k.transport, sizeof(k.transport), c->id);
		if (asset_add_proto(s, c->proto, c->transport, c->port, 0, c->flows) != OTS_OK ||
		    asset_add_proto(d, c->proto, c->transport, c->port, 1, c->flows) != OTS_OK)
			goto out;
		if (c->ics.proto) {
			uint32_t f;

			s->ics_conduits++;
			d->ics_conduits++;
			for (f = 0; f < c->ics.n_fn; f++) {
				const struct ots_fn_tally *t = &c->ics.fn[f];

				if (t->op_class < OTS_OP__COUNT) {
					s->ops_issued[t->op_class] += t->requests;
					d->ops_served[t->op_class] += t->responses;
				}
			}
			if (!d->is_group && !s->is_group) {
				pairs[n_pairs].a = c->src;
				pairs[n_pairs++].b = c->dst;
			}
		} else {
			s->it_conduits++;
			d->it_conduits++;
		}
	}
	ots_qsort(pairs, n_pairs, sizeof(*pairs), pair_cmp);
	for (i = 0; i < n_pairs; i++) {
		if (i && pairs[i].a == pairs[i - 1].a && pairs[i].b == pairs[i - 1].b)
			continue;
		inv->assets[pairs[i].a].ics_servers_polled++;
		inv->assets[pairs[i].b].ics_clients++;
	}

	/* 6. Roles, groups, enrichment; output order. */
	inv->asset_order = malloc(((size_t)inv->n_assets + 1) * sizeof(uint32_t));
	inv->conduit_order = malloc(((size_t)inv->n_conduits + 1) * sizeof(uint32_t));
	rank = malloc(((size_t)inv->n_assets + 1) * sizeof(*rank));
	ck = malloc(((size_t)inv->n_conduits + 1) * sizeof(*ck));
	if (!inv->asset_order || !inv->conduit_order || !rank || !ck)
		goto out;
	for (i = 0; i < inv->n_assets; i++) {
		struct ots_asset *a = &inv->assets[i];

		ots_qsort(a->protos, a->n_protos, sizeof(*a->protos), proto_cmp);
		if (!a->is_group) {
			asset_enrich(inv, a);
			asset_role(inv, a);
			asset_group(inv, a);
		}
		inv->asset_order[i] = i;
	}
	/* every asset (groups too) by id once; conduits then sort on integer ranks, not on
	 * string comparisons (1M conduits: seconds otherwise) */
	ots_qsort(inv->asset_order, inv->n_assets, sizeof(uint32_t), asset_order_cmp);
	for (i = 0; i < inv->n_assets; i++) {
		rank[inv->asset_order[i]] = i;
		if (!inv->assets[inv->asset_order[i]].is_group)
			inv->asset_order[inv->n_order++] = inv->asset_order[i];
	}
	for (i = 0; i < inv->n_conduits; i++) {
		const struct ots_conduit *c = &inv->conduits[i];

		ck[i].src = rank[c->src];
		ck[i].dst = rank[c->dst];
		ck[i].transport = c->transport;
		ck[i].port = c->port;
		ck[i].proto = c->proto;
		ck[i].idx = i;
	}
	ots_qsort(ck, inv->n_conduits, sizeof(*ck), ckey_rank_cmp);
	for (i = 0; i < inv->n_conduits; i++)
		inv->conduit_order[i] = ck[i].idx;
	inv->built = 1;
	rc = OTS_OK;
out:
	free(mi);
	free(mv);
	free(ipmac);
	free(routed);
	free(pairs);
	free(rank);
	free(ck);
	idx_free(&aidx);
	idx_free(&cidx);
	if (rc != OTS_OK)
		derived_reset(inv);
	return rc;
}

void
ots_inv_free(struct ots_inv *inv)
{
	uint32_t i;

	derived_reset(inv);
	for (i = 0; i < inv->n_nodes; i++)
		free(inv->nodes[i].facts);
	for (i = 0; i < inv->n_oc; i++) {
		if (inv->oc[i].ics)
			free(inv->oc[i].ics->fn);
		free(inv->oc[i].ics);
	}
	free(inv->nodes);
	free(inv->oc);
	free(inv->assets);
	free(inv->conduits);
	free(inv->afacts);
	free(inv->reported);
	idx_free(&inv->rep_idx);
	idx_free(&inv->node_idx);
	idx_free(&inv->oc_idx);
	free(inv->sp.blob);
	free(inv->sp.slots);
	memset(inv, 0, sizeof(*inv));
}

uint64_t
ots_inv_mem(const struct ots_inv *inv)
{
	uint64_t m = sizeof(*inv);
	uint32_t i;

	m += (uint64_t)inv->cap_nodes * sizeof(*inv->nodes);
	m += (uint64_t)inv->node_idx.nslots * sizeof(uint32_t);
	for (i = 0; i < inv->n_nodes; i++)
		m += (uint64_t)inv->nodes[i].capfacts * sizeof(struct ots_node_fact);
	m += (uint64_t)inv->cap_oc * sizeof(*inv->oc);
	m += (uint64_t)inv->oc_idx.nslots * sizeof(uint32_t);
	for (i = 0; i < inv->n_oc; i++)
		if (inv->oc[i].ics)
			m += sizeof(*inv->oc[i].ics) +
			     (uint64_t)inv->oc[i].ics->cap_fn * sizeof(struct ots_fn_tally);
	m += inv->sp.cap + (uint64_t)inv->sp.nslots * sizeof(uint32_t);
	m += (uint64_t)inv->cap_assets * sizeof(*inv->assets);
	for (i = 0; i < inv->n_assets; i++) {
		const struct ots_asset *a = &inv->assets[i];

		m += (uint64_t)a->n_nodes * sizeof(uint32_t) +
		     (uint64_t)a->n_attrs * sizeof(*a->attrs) +
		     (uint64_t)a->cap_protos * sizeof(*a->protos);
	}
	m += (uint64_t)inv->cap_conduits * sizeof(*inv->conduits);
	for (i = 0; i < inv->n_conduits; i++)
		m += (uint64_t)inv->conduits[i].ics.cap_fn * sizeof(struct ots_fn_tally);
	m += (uint64_t)inv->cap_afacts * sizeof(*inv->afacts);
	m += ((uint64_t)inv->n_order + inv->n_conduits) * sizeof(uint32_t);
	m += (uint64_t)inv->cap_reported * sizeof(uint64_t);
	return m;
}

/* ---------------------------------------------------------------- for asset-state.c */

uint32_t
ots_inv_intern(struct ots_inv *inv, const char *s, size_t n)
{
	return sp_add(&inv->sp, s, n);
}

uint32_t
ots_inv_node(struct ots_inv *inv, const struct ots_node_key *k)
{
	return node_get(inv, k);
}

struct ots_oconduit *
ots_inv_oconduit(struct ots_inv *inv, const struct ots_oconduit_key *k)
{
	return oc_get(inv, k);
}

struct ots_conduit_ics *
ots_inv_oconduit_ics(struct ots_oconduit *c, uint16_t proto)
{
	return oc_ics(c, proto);
}

int
ots_inv_ics_add_fn(struct ots_conduit_ics *ci, uint32_t code, uint32_t name, uint8_t op_class,
                   uint64_t req, uint64_t resp, uint64_t exc, uint64_t first_ts)
{
	return ics_add_fn(ci, code, name, op_class, req, resp, exc, first_ts);
}

int
ots_inv_node_add_fact(struct ots_inv *inv, uint32_t node, const struct ots_node_fact *f)
{
	struct ots_node *n = &inv->nodes[node];
	uint32_t i;

	for (i = 0; i < n->nfacts; i++) {
		struct ots_node_fact *g = &n->facts[i];

		if (g->attr == f->attr && g->value == f->value && g->proto == f->proto &&
		    g->source == f->source) {
			if (f->first_ts < g->first_ts)
				g->first_ts = f->first_ts;
			if (f->last_ts > g->last_ts)
				g->last_ts = f->last_ts;
			g->count += f->count;
			return OTS_OK;
		}
	}
	if (n->nfacts >= OTS_NODE_MAX_FACTS)
		return OTS_ELIMIT;
	if (n->nfacts == n->capfacts) {
		uint8_t cap = n->capfacts ? (uint8_t)(n->capfacts * 2) : 4;
		void *p;

		if (cap > OTS_NODE_MAX_FACTS)
			cap = OTS_NODE_MAX_FACTS;
		p = realloc(n->facts, cap * sizeof(*n->facts));
		if (!p)
			return OTS_ENOMEM;
		n->facts = p;
		n->capfacts = cap;
	}
	n->facts[n->nfacts++] = *f;
	return OTS_OK;
}
