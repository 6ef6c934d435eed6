/* SPDX-License-Identifier: BSD-3-Clause */
/* inv-bench.c - memory and time of the asset inventory on a synthetic plant (no capture). */

/*
 * usage: inv-bench [-a ASSETS] [-c CONDUITS] [-s SEED] [-o DIR] [--no-state] [--no-json]
 *                  [--no-changes]
 *
 * Synthesises a plant of ASSETS devices (default 100000) and CONDUITS distinct conduits
 * (default 1000000) and feeds them to the inventory the way the main thread does
 * (ots_inv_flow, ots_inv_event), then runs what a checkpoint runs: ots_inv_build,
 * ots_inv_changes, assets.json + conduits.json, ots_inv_state_save; then frees the inventory
 * and loads the state back (a restart). No capture, no threads. Same seed, same plant.
 * Results go to stdout as key=value lines (bench/run parses them).
 *
 * The plant:
 *   locals   90% of the assets: MAC-keyed devices (four vendor OUIs), 250 per /24 subnet,
 *            1000 per VLAN group (4 subnets; group 0 untagged, group g tagged VLAN 100+g);
 *            initial TTL 64 or 128. Field devices (index % 5 < 2) serve one ICS protocol;
 *            20% of the locals (index % 5 == 0) report 3-6 identity facts.
 *   routers  4 router MACs, each on one VLAN group, with an own IP (.254 down, TTL 255).
 *   peers    10% of the assets: IP-only devices in 172.16.0.0/12 behind a router: their
 *            frames carry the router's MAC and a decremented TTL (63 or 127).
 * Conduits are distinct (initiator, responder, port, protocol) combinations inside one VLAN
 * group: the first ASSETS of them give every asset one conduit, the rest are drawn at
 * random; 30% are ICS (responder a field device, 1-4 function tallies), the others IT
 * protocols (HTTP, TLS, DNS, SMB, NTP, SSH, RDP, SNMP, unknown TCP/UDP high ports).
 * The conduit list is drawn (and deduplicated) before the baseline RSS is taken, so the
 * delta is the inventory's; record building is timed separately (synth_s).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ots/asset.h"
#include "ots/error.h"
#include "ots/json.h"
#include "ots/output.h"

#define T0_US		(1704067200ull * 1000000ull)	/* 2024-01-01T00:00:00Z */
#define GROUP_SIZE	1000u		/* locals per VLAN group */
#define HOSTS_PER_NET	250u
#define N_ROUTERS	4u
#define MAX_ENDPOINTS	(1u << 20)	/* 20 bits per endpoint in the dedup key */
#define ICS_SHARE	0.30

/* ---------------------------------------------------------------- PRNG (splitmix64) */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint32_t n)
{
	return n ? (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32) : 0;
}

static double
rng_unit(void)
{
	return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* ---------------------------------------------------------------- protocols */

struct fn_def {
	uint32_t code;
	const char *name;
	uint8_t op_class;
};

struct proto_def {
	const char *ndpi;     /* nDPI name (IT) */
	uint16_t app;         /* enum ots_proto_id (ICS), 0 for IT */
	uint8_t transport;
	uint16_t port;        /* 0: a random high port */
	struct fn_def fn[4];
};

static const struct proto_def protos[] = {
	/* ICS: index = field device's protocol (index % N_ICS) */
	{ "Modbus", 1, 6, 502, { { 3, "read_holding_registers", 0 }, { 4, "read_input_registers", 0 },
	                         { 6, "write_single_register", 1 }, { 16, "write_multiple_registers", 1 } } },
	{ "DNP3", 2, 6, 20000, { { 1, "read", 0 }, { 2, "write", 1 }, { 3, "select", 2 },
	                         { 4, "operate", 2 } } },
	{ "EthernetIP", 3, 6, 44818, { { 0x0e, "get_attribute_single", 0 },
	                               { 0x01, "get_attributes_all", 12 },
	                               { 0x10, "set_attribute_single", 1 }, { 0x4c, "read_tag", 0 } } },
	{ "s7comm", 4, 6, 102, { { 4, "read_var", 0 }, { 5, "write_var", 1 },
	                         { 0x1a, "request_download", 3 }, { 0x29, "plc_stop", 4 } } },
	{ "IEC60870", 6, 6, 2404, { { 100, "C_IC_NA_1", 0 }, { 45, "C_SC_NA_1", 2 },
	                            { 13, "M_ME_NC_1", 13 }, { 103, "C_CS_NA_1", 9 } } },
	{ "BACnet", 7, 17, 47808, { { 12, "readProperty", 0 }, { 15, "writeProperty", 1 },
	                            { 8, "who_is", 11 }, { 14, "readPropertyMultiple", 0 } } },
	{ "OPC-UA", 8, 6, 4840, { { 631, "Read", 0 }, { 673, "Write", 1 }, { 826, "Publish", 13 },
	                          { 527, "Browse", 11 } } },
	/* IT */
	{ "HTTP", 0, 6, 80, { { 0, NULL, 0 } } },
	{ "TLS", 0, 6, 443, { { 0, NULL, 0 } } },
	{ "DNS", 0, 17, 53, { { 0, NULL, 0 } } },
	{ "SMBv23", 0, 6, 445, { { 0, NULL, 0 } } },
	{ "NTP", 0, 17, 123, { { 0, NULL, 0 } } },
	{ "SSH", 0, 6, 22, { { 0, NULL, 0 } } },
	{ "RDP", 0, 6, 3389, { { 0, NULL, 0 } } },
	{ "SNMP", 0, 17, 161, { { 0, NULL, 0 } } },
	{ "Unknown", 0, 6, 0, { { 0, NULL, 0 } } },
	{ "Unknown", 0, 17, 0, { { 0, NULL, 0 } } },
	/* the routers' own traffic */
	{ "SNMP", 0, 17, 162, { { 0, NULL, 0 } } },
};

#define N_PROTOS	(sizeof(protos) / sizeof(protos[0]))
#define N_ICS		7u
#define N_IT		10u	/* HTTP .. Unknown/udp */
#define P_TRAP		(N_PROTOS - 1)

/* ---------------------------------------------------------------- the plant */

/* One conduit to feed: endpoints, responder port, protocol, ICS function count. */
struct spec {
	uint32_t init, resp;
	uint16_t port;
	uint8_t proto;
	uint8_t n_fn;
	uint32_t seed;
};

struct plant {
	uint32_t n_assets, n_local, n_routers, n_peers, n_groups;
	uint32_t router_group[N_ROUTERS];
	struct spec *specs;
	uint32_t n_specs;
	uint64_t facts;
};

static const uint8_t ouis[4][3] = {
	{ 0x00, 0x1b, 0x1b }, { 0x00, 0x00, 0xbc }, { 0x00, 0x80, 0xf4 }, { 0x00, 0x0c, 0x29 }
};
static const char *const vendors[4] = { "Siemens", "Rockwell Automation", "Schneider Electric",
	                                "VMware" };

static uint32_t
group_of(const struct plant *p, uint32_t local)
{
	uint32_t g = local / GROUP_SIZE;

	return g < p->n_groups ? g : p->n_groups - 1; /* the last group takes the remainder */
}

static uint32_t
group_first(uint32_t g)
{
	return g * GROUP_SIZE;
}

static uint32_t
group_count(const struct plant *p, uint32_t g)
{
	return g + 1 < p->n_groups ? GROUP_SIZE : p->n_local - group_first(g);
}

static uint16_t
group_vlan(uint32_t g)
{
	return g ? (uint16_t)(100 + g) : 0;
}

enum ep_kind { EP_LOCAL, EP_ROUTER, EP_PEER };

static enum ep_kind
ep_kind(const struct plant *p, uint32_t e)
{
	if (e < p->n_local)
		return EP_LOCAL;
	if (e < p->n_local + p->n_routers)
		return EP_ROUTER;
	return EP_PEER;
}

static uint32_t
ep_router(const struct plant *p, uint32_t e)
{
	return ep_kind(p, e) == EP_ROUTER ? e - p->n_local : (e - p->n_local - p->n_routers) % p->n_routers;
}

static uint32_t
ep_group(const struct plant *p, uint32_t e)
{
	return ep_kind(p, e) == EP_LOCAL ? group_of(p, e) : p->router_group[ep_router(p, e)];
}

static void
ip4(struct ots_addr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->b[10] = a->b[11] = 0xff;
	a->b[12] = (uint8_t)(v >> 24);
	a->b[13] = (uint8_t)(v >> 16);
	a->b[14] = (uint8_t)(v >> 8);
	a->b[15] = (uint8_t)v;
}

/* Address, MAC and first TTL an endpoint's packets show. */
static void
ep_wire(const struct plant *p, uint32_t e, struct ots_addr *ip, uint8_t mac[6], uint8_t *ttl)
{
	struct ots_addr rip;
	uint32_t g, j, s, r;

	switch (ep_kind(p, e)) {
	case EP_LOCAL:
		g = group_of(p, e);
		j = e - group_first(g);
		s = g * 8 + j / HOSTS_PER_NET; /* up to 8 subnets per group (the last is larger) */
		ip4(ip, (10u << 24) | (s << 8) | (j % HOSTS_PER_NET + 1));
		memcpy(mac, ouis[e % 4], 3);
		mac[3] = (uint8_t)(e >> 16);
		mac[4] = (uint8_t)(e >> 8);
		mac[5] = (uint8_t)e;
		*ttl = e % 2 ? 128 : 64;
		break;
	case EP_ROUTER:
		r = e - p->n_local;
		s = p->router_group[r] * 8;
		ip4(ip, (10u << 24) | (s << 8) | (254 - r)); /* routers may share a group */
		mac[0] = 0x00; mac[1] = 0x00; mac[2] = 0x0c; mac[3] = 0x9f; mac[4] = 0xf0;
		mac[5] = (uint8_t)r;
		*ttl = 255;
		break;
	case EP_PEER:
		j = e - p->n_local - p->n_routers + 1;
		ip4(ip, (172u << 24) | ((16u + (j >> 16)) << 16) | (j & 0xffff));
		ep_wire(p, p->n_local + ep_router(p, e), &rip, mac, ttl);
		*ttl = j % 2 ? 127 : 63; /* one hop */
		break;
	}
}

/* A random local of group g other than not (field devices only when field). */
static uint32_t
pick_local(const struct plant *p, uint32_t g, int field, uint32_t not)
{
	uint32_t first = group_first(g), n = group_count(p, g), e, i;

	for (i = 0; i < 64; i++) {
		e = first + rng_below(n);
		if (field) {
			e -= e % 5;
			e += rng_below(2);
			if (e < first || e >= first + n)
				continue;
		}
		if (e != not)
			return e;
	}
	return UINT32_MAX;
}

/* A random peer behind a router of group g, UINT32_MAX when none. */
static uint32_t
pick_peer(const struct plant *p, uint32_t g)
{
	uint32_t rs[N_ROUTERS], nr = 0, r, i, cnt;

	for (i = 0; i < p->n_routers; i++)
		if (p->router_group[i] == g)
			rs[nr++] = i;
	if (!nr || !p->n_peers)
		return UINT32_MAX;
	r = rs[rng_below(nr)];
	if (r >= p->n_peers)
		return UINT32_MAX;
	cnt = (p->n_peers - r + p->n_routers - 1) / p->n_routers;
	return p->n_local + p->n_routers + r + p->n_routers * rng_below(cnt);
}

/* Dedup set of conduit keys (open addressing, 0 empty). */
struct kset {
	uint64_t *v;
	uint64_t mask;
};

static int
kset_add(struct kset *s, uint64_t k)
{
	uint64_t h = k * 0x9e3779b97f4a7c15ULL, i;

	k |= 1ull << 63; /* never 0 */
	for (i = h >> 20 & s->mask;; i = (i + 1) & s->mask) {
		if (!s->v[i]) {
			s->v[i] = k;
			return 1;
		}
		if (s->v[i] == k)
			return 0;
	}
}

static uint64_t
spec_key(const struct spec *c)
{
	return (uint64_t)c->init << 43 | (uint64_t)c->resp << 23 | (uint64_t)c->port << 6 | c->proto;
}

/* Fill c for one conduit in group g; subject (UINT32_MAX: none) must be one endpoint. */
static void
draw(const struct plant *p, struct spec *c, uint32_t subject, int first)
{
	int ics = rng_unit() < ICS_SHARE;
	uint32_t g = subject != UINT32_MAX ? ep_group(p, subject) :
	                                     group_of(p, rng_below(p->n_local));
	enum ep_kind k = subject != UINT32_MAX ? ep_kind(p, subject) : EP_LOCAL;
	uint32_t pi;

	if (k == EP_ROUTER) {
		c->init = subject;
		c->resp = pick_local(p, g, 0, UINT32_MAX);
		pi = P_TRAP;
	} else if (ics) {
		/* responder: a field device (the subject when it is one); initiator: a local, or
		 * a remote client behind the router */
		if (subject != UINT32_MAX && k == EP_LOCAL && subject % 5 < 2 &&
		    (first || rng_below(2))) {
			c->resp = subject;
			c->init = pick_local(p, g, 0, subject);
		} else {
			c->resp = pick_local(p, g, 1, subject);
			if (subject != UINT32_MAX)
				c->init = subject;
			else if (rng_below(10) == 0 && (c->init = pick_peer(p, g)) != UINT32_MAX)
				;
			else
				c->init = pick_local(p, g, 0, c->resp);
		}
		pi = c->resp % N_ICS;
	} else {
		uint32_t other;

		pi = N_ICS + rng_below(N_IT);
		if (subject == UINT32_MAX) {
			/* an IT server: 15% of them external (behind the router) */
			other = rng_below(100) < 15 ? pick_peer(p, g) : UINT32_MAX;
			if (other == UINT32_MAX)
				other = pick_local(p, g, 0, UINT32_MAX);
			c->resp = other;
			c->init = pick_local(p, g, 0, other);
		} else {
			other = pick_local(p, g, 0, subject);
			if (rng_below(2)) {
				c->init = subject;
				c->resp = other;
			} else {
				c->init = other;
				c->resp = subject;
			}
		}
	}
	c->proto = (uint8_t)pi;
	c->port = protos[pi].port ? protos[pi].port : (uint16_t)(1024 + rng_below(64512));
	c->n_fn = protos[pi].app ? (uint8_t)(1 + rng_below(4)) : 0;
	c->seed = (uint32_t)rng_next();
}

static int
plant_make(struct plant *p, uint32_t assets, uint32_t conduits)
{
	struct kset set;
	uint64_t slots = 1;
	uint32_t i, tries = 0;

	memset(p, 0, sizeof(*p));
	p->n_assets = assets;
	p->n_peers = assets / 10;
	p->n_routers = p->n_peers ? N_ROUTERS : 0;
	p->n_local = assets - p->n_peers - p->n_routers;
	p->n_groups = p->n_local / GROUP_SIZE ? p->n_local / GROUP_SIZE : 1;
	for (i = 0; i < p->n_routers; i++)
		p->router_group[i] = (uint32_t)((uint64_t)i * p->n_groups / p->n_routers);
	if (conduits < assets)
		conduits = assets; /* every asset is seen in one conduit at least */
	p->specs = malloc((size_t)conduits * sizeof(*p->specs));
	while (slots < (uint64_t)conduits * 2)
		slots <<= 1;
	set.v = calloc(slots, sizeof(*set.v));
	set.mask = slots - 1;
	if (!p->specs || !set.v) {
		free(set.v);
		return -1;
	}
	while (p->n_specs < conduits) {
		struct spec *c = &p->specs[p->n_specs];
		uint32_t subject = p->n_specs < assets ? p->n_specs : UINT32_MAX;

		draw(p, c, subject, tries == 0);
		if (c->init != UINT32_MAX && c->resp != UINT32_MAX && c->init != c->resp &&
		    kset_add(&set, spec_key(c))) {
			p->n_specs++;
			tries = 0;
		} else if (++tries > 1000) {
			fprintf(stderr, "inv-bench: cannot draw conduit %u (plant too small?)\n",
			        p->n_specs);
			free(set.v);
			return -1;
		}
	}
	free(set.v);
	return 0;
}

/* ---------------------------------------------------------------- records */

static uint32_t
mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static void
make_flow(const struct plant *p, const struct spec *c, uint32_t idx, struct ots_flow_rec *r,
          struct ots_ics_counts *ics)
{
	const struct proto_def *pd = &protos[c->proto];
	struct ots_addr ia, ra;
	uint32_t h = c->seed, i;
	uint16_t vlan = group_vlan(ep_group(p, c->resp));

	memset(r, 0, sizeof(*r));
	r->rtype = OTS_REC_FLOW;
	ep_wire(p, c->init, &ia, r->mac[0], &r->ttl[0]);
	ep_wire(p, c->resp, &ra, r->mac[1], &r->ttl[1]);
	r->has_mac = 1 | 2 | 4 | 8;
	r->key.ip_version = 4;
	r->key.proto = pd->transport;
	r->key.vlan = vlan;
	if (vlan) {
		r->vlan[0] = vlan;
		r->vlan_count = 1;
	}
	r->init_is_lo = memcmp(ia.b, ra.b, 16) < 0;
	r->key.lo = r->init_is_lo ? ia : ra;
	r->key.hi = r->init_is_lo ? ra : ia;
	if (r->init_is_lo) {
		r->key.port_lo = (uint16_t)(49152 + (h & 0x3fff));
		r->key.port_hi = c->port;
	} else {
		r->key.port_lo = c->port;
		r->key.port_hi = (uint16_t)(49152 + (h & 0x3fff));
	}
	r->first_ts = T0_US + (uint64_t)idx * 1000u;
	r->last_ts = r->first_ts + (uint64_t)(1 + h % 3600) * 1000000u;
	h = mix32(h);
	r->pkts[0] = 1 + h % 1000;
	r->pkts[1] = 1 + (h >> 10) % 1000;
	r->bytes[0] = r->pkts[0] * (60 + (h >> 20) % 1340);
	r->bytes[1] = r->pkts[1] * (60 + (h >> 4) % 1340);
	r->app_proto = pd->app;
	r->end_reason = OTS_FLOW_END_IDLE;
	snprintf(r->proto, sizeof(r->proto), "%s", pd->ndpi);
	if (!pd->app)
		return;
	memset(ics, 0, sizeof(*ics));
	for (i = 0; i < c->n_fn; i++) {
		const struct fn_def *f = &pd->fn[i];
		struct ots_ics_fn_count *fc = &ics->fn[ics->n_fn++];

		h = mix32(h + i);
		fc->code = f->code;
		fc->name = f->name;
		fc->op_class = f->op_class;
		fc->requests = 1 + h % 1000;
		fc->responses = fc->requests - (h >> 12) % 2;
		ics->ops[f->op_class] += fc->requests + fc->responses;
	}
}

static const int fact_attrs[] = { OTS_FACT_VENDOR, OTS_FACT_MODEL, OTS_FACT_FIRMWARE,
	                          OTS_FACT_SERIAL, OTS_FACT_NAME, OTS_FACT_ORDER_NUMBER,
	                          OTS_FACT_HW_REVISION };

/* Identity facts of local e (index % 5 == 0): 3-6 of them, sent by e to a partner. */
static uint32_t
feed_facts(struct ots_inv *inv, const struct plant *p, uint32_t e, int feed)
{
	struct ots_event_rec ev;
	struct ots_addr me, peer;
	uint8_t ttl;
	uint32_t h = mix32(e ^ 0x5bd1e995u), n = 3 + h % 4, rot = (h >> 8) % 7, i;
	uint32_t partner = e + 1 < p->n_local ? e + 1 : e - 1;
	uint16_t vlan = group_vlan(group_of(p, e));

	memset(&ev, 0, sizeof(ev));
	ev.rtype = OTS_REC_EVENT;
	ev.kind = OTS_EV_FACT;
	ev.side = OTS_SIDE_SENDER;
	ev.confidence = 90;
	ev.proto = protos[e % N_ICS].app;
	ep_wire(p, partner, &peer, ev.mac[0], &ttl);
	ep_wire(p, e, &me, ev.mac[1], &ttl);
	ev.has_mac = 1 | 2 | 4 | 8;
	ev.dir = 1; /* the responder (e) sent it */
	ev.key.ip_version = 4;
	ev.key.proto = protos[e % N_ICS].transport;
	ev.key.vlan = vlan;
	ev.init_is_lo = memcmp(peer.b, me.b, 16) < 0;
	ev.key.lo = ev.init_is_lo ? peer : me;
	ev.key.hi = ev.init_is_lo ? me : peer;
	snprintf(ev.source, sizeof(ev.source), "identity/%s", protos[e % N_ICS].ndpi);
	for (i = 0; i < n; i++) {
		int a = fact_attrs[(rot + i) % 7];

		ev.attr = (uint8_t)a;
		ev.ts = T0_US + (uint64_t)e * 1000u + i;
		switch (a) {
		case OTS_FACT_VENDOR:
			snprintf(ev.value, sizeof(ev.value), "%s", vendors[e % 4]);
			break;
		case OTS_FACT_MODEL:
			snprintf(ev.value, sizeof(ev.value), "%s model %u", protos[e % N_ICS].ndpi, h % 37);
			break;
		case OTS_FACT_FIRMWARE:
			snprintf(ev.value, sizeof(ev.value), "V%u.%u.%u", 1 + h % 4, (h >> 4) % 10,
			         (h >> 9) % 20);
			break;
		case OTS_FACT_SERIAL:
			snprintf(ev.value, sizeof(ev.value), "SN%08X", mix32(e));
			break;
		case OTS_FACT_NAME:
			snprintf(ev.value, sizeof(ev.value), "dev-%06u", e);
			break;
		case OTS_FACT_ORDER_NUMBER:
			snprintf(ev.value, sizeof(ev.value), "6ES7 %03u-%uAB00-0AB0", h % 50, (h >> 6) % 9);
			break;
		default:
			snprintf(ev.value, sizeof(ev.value), "%u", 1 + (h >> 3) % 5);
			break;
		}
		ev.value_len = (uint16_t)strlen(ev.value);
		if (feed)
			ots_inv_event(inv, &ev);
	}
	return n;
}

/* ---------------------------------------------------------------- measuring */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident bytes now (/proc/self/statm). */
static uint64_t
rss_now(void)
{
	unsigned long size, res;
	FILE *f = fopen("/proc/self/statm", "r");
	int ok;

	if (!f)
		return 0;
	ok = fscanf(f, "%lu %lu", &size, &res) == 2;
	fclose(f);
	return ok ? (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Peak resident bytes so far (getrusage). */
static uint64_t
rss_max(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024u;
}

static uint64_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Bytes ots_inv_mem counts for conduits (observed and derived); the rest is per asset. */
static uint64_t
conduit_mem(const struct ots_inv *inv)
{
	uint64_t m = 0;
	uint32_t i;

	m += (uint64_t)inv->cap_oc * sizeof(*inv->oc);
	m += (uint64_t)inv->oc_idx.nslots * sizeof(uint32_t);
	for (i = 0; i < inv->n_oc; i++)
		if (inv->oc[i].ics)
			m += sizeof(*inv->oc[i].ics) +
			     (uint64_t)inv->oc[i].ics->cap_fn * sizeof(struct ots_fn_tally);
	m += (uint64_t)inv->cap_conduits * sizeof(*inv->conduits);
	for (i = 0; i < inv->n_conduits; i++)
		m += (uint64_t)inv->conduits[i].ics.cap_fn * sizeof(struct ots_fn_tally);
	m += (uint64_t)inv->n_conduits * sizeof(uint32_t);
	return m;
}

static void
kv_u(const char *k, uint64_t v)
{
	printf("%s=%" PRIu64 "\n", k, v);
}

static void
kv_f(const char *k, double v, int dec)
{
	printf("%s=%.*f\n", k, dec, v);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: inv-bench [-a ASSETS] [-c CONDUITS] [-s SEED] [-o DIR] [--no-state] "
	           "[--no-json] [--no-changes]\n");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "no-state", no_argument, NULL, 'S' },
		{ "no-json", no_argument, NULL, 'J' },
		{ "no-changes", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long assets = 100000, conduits = 1000000, seed = 1;
	int do_state = 1, do_json = 1, do_changes = 1, opt, rc = 1;
	const char *outdir = NULL;
	char dir[3072], path[4096], err[512] = "";
	struct plant p;
	struct ots_inv inv;
	struct ots_flow_rec r;
	struct ots_ics_counts ics;
	uint64_t base, facts = 0, sink = 0, mem_ingest, mem_build, cmem, max_inv;
	double t, t_synth, t_ingest, t_build;
	uint32_t i;

	while ((opt = getopt_long(argc, argv, "a:c:s:o:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'a': assets = strtoul(optarg, NULL, 0); break;
		case 'c': conduits = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'o': outdir = optarg; break;
		case 'S': do_state = 0; break;
		case 'J': do_json = 0; break;
		case 'C': do_changes = 0; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || assets < 20 || assets >= MAX_ENDPOINTS || conduits > 100000000ul) {
		usage(stderr);
		fprintf(stderr, "inv-bench: ASSETS in [20, %u), CONDUITS <= 1e8\n", MAX_ENDPOINTS);
		return 2;
	}
	if (outdir && strlen(outdir) >= sizeof(dir)) {
		fprintf(stderr, "inv-bench: -o path too long\n");
		return 2;
	}
	if (outdir) {
		snprintf(dir, sizeof(dir), "%s", outdir);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "inv-bench: cannot create %s: %s\n", dir, strerror(errno));
			return 1;
		}
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/invbench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			fprintf(stderr, "inv-bench: cannot create a temporary directory: %s\n",
			        strerror(errno));
			return 1;
		}
	}

	rng_state = seed;
	t = now();
	if (plant_make(&p, (uint32_t)assets, (uint32_t)conduits) != 0) {
		fprintf(stderr, "inv-bench: cannot make the plant\n");
		goto out;
	}
	kv_u("seed", seed);
	kv_u("plant_assets", p.n_assets);
	kv_u("plant_locals", p.n_local);
	kv_u("plant_routers", p.n_routers);
	kv_u("plant_peers", p.n_peers);
	kv_u("plant_vlan_groups", p.n_groups);
	kv_u("plant_conduits", p.n_specs);
	{
		uint64_t n_ics = 0;

		for (i = 0; i < p.n_specs; i++)
			n_ics += protos[p.specs[i].proto].app != 0;
		kv_u("plant_ics_conduits", n_ics);
	}
	kv_f("plant_draw_s", now() - t, 3);

	/* Record building alone (subtracted from nothing; shown so ingest_s can be read). */
	t = now();
	for (i = 0; i < p.n_specs; i++) {
		make_flow(&p, &p.specs[i], i, &r, &ics);
		sink += r.pkts[0] + r.key.port_lo;
	}
	for (i = 0; i < p.n_local; i += 5)
		facts += feed_facts(NULL, &p, i, 0);
	t_synth = now() - t;

	base = rss_now();
	ots_inv_init(&inv);
	t = now();
	for (i = 0; i < p.n_specs; i++) {
		make_flow(&p, &p.specs[i], i, &r, &ics);
		ots_inv_flow(&inv, &r, protos[p.specs[i].proto].app ? &ics : NULL);
	}
	for (i = 0; i < p.n_local; i += 5)
		feed_facts(&inv, &p, i, 1);
	t_ingest = now() - t;
	mem_ingest = ots_inv_mem(&inv);
	kv_u("sizeof_node", sizeof(struct ots_node));
	kv_u("sizeof_oconduit", sizeof(struct ots_oconduit));
	kv_u("sizeof_conduit_ics", sizeof(struct ots_conduit_ics));
	kv_u("sizeof_fn_tally", sizeof(struct ots_fn_tally));
	kv_u("sizeof_asset", sizeof(struct ots_asset));
	kv_u("sizeof_conduit", sizeof(struct ots_conduit));
	kv_u("records", p.n_specs + facts);
	kv_u("flow_records", p.n_specs);
	kv_u("fact_events", facts);
	kv_u("observed_nodes", inv.n_nodes);
	kv_u("observed_conduits", inv.n_oc);
	{
		uint64_t n_ics = 0, n_fn = 0, cap_fn = 0;

		for (i = 0; i < inv.n_oc; i++)
			if (inv.oc[i].ics) {
				n_ics++;
				n_fn += inv.oc[i].ics->n_fn;
				cap_fn += inv.oc[i].ics->cap_fn;
			}
		kv_u("observed_ics_conduits", n_ics);
		kv_u("observed_fn_tallies", n_fn);
		kv_u("observed_fn_slots", cap_fn);
	}
	kv_f("synth_s", t_synth, 3);
	kv_f("ingest_s", t_ingest, 3);
	kv_f("ingest_records_per_s", (double)(p.n_specs + facts) / (t_ingest > 0 ? t_ingest : 1e-9), 0);
	kv_u("inv_mem_ingest_bytes", mem_ingest);
	kv_u("rss_base_bytes", base);
	kv_u("rss_ingest_bytes", rss_now());

	t = now();
	if (ots_inv_build(&inv) != OTS_OK) {
		fprintf(stderr, "inv-bench: ots_inv_build: out of memory\n");
		goto out_inv;
	}
	t_build = now() - t;
	mem_build = ots_inv_mem(&inv);
	cmem = conduit_mem(&inv);
	kv_u("assets", inv.n_order);
	kv_u("asset_objects", inv.n_assets);
	kv_u("conduits", inv.n_conduits);
	kv_f("build_s", t_build, 3);
	kv_u("inv_mem_build_bytes", mem_build);
	kv_u("inv_mem_conduit_bytes", cmem);
	kv_u("inv_mem_asset_bytes", mem_build - cmem);
	kv_u("rss_build_bytes", rss_now());
	max_inv = rss_max();
	kv_u("rss_max_inventory_delta_bytes", max_inv > base ? max_inv - base : 0);
	if (inv.n_conduits && inv.n_order) {
		/* accounting split, scaled by the measured RSS / accounted ratio (allocator
		 * overhead, transient build arrays) */
		double ratio = (double)(max_inv - base) / (double)mem_build;

		kv_f("inv_mem_bytes_per_conduit", (double)cmem / inv.n_conduits, 1);
		kv_f("inv_mem_bytes_per_asset", (double)(mem_build - cmem) / inv.n_order, 1);
		kv_f("rss_over_inv_mem", ratio, 3);
		kv_f("bytes_per_conduit", ratio * (double)cmem / inv.n_conduits, 1);
		kv_f("bytes_per_asset", ratio * (double)(mem_build - cmem) / inv.n_order, 1);
	}

	if (do_changes) {
		FILE *f;
		uint64_t n;

		snprintf(path, sizeof(path), "%s/events.jsonl", dir);
		f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "inv-bench: cannot write %s: %s\n", path, strerror(errno));
			goto out_inv;
		}
		t = now();
		n = ots_inv_changes(&inv, f);
		fclose(f);
		kv_u("changes", n);
		kv_f("changes_s", now() - t, 3);
		kv_u("changes_bytes", file_size(path));
		kv_u("rss_max_changes_delta_bytes", rss_max() - base);
	}

	if (do_json) {
		struct ots_json j;
		uint64_t bytes = 0;
		int wr = OTS_OK;

		char werr[512] = "";

		/* the sensor's own checkpoint writer: JSON streamed to the files, assets.csv,
		 * map.dot and report.html (map.svg only below its size limit) */
		t = now();
		ots_json_init(&j);
		ots_json_free(&j);
		wr = ots_inv_write(&inv, dir, "inv-bench", NULL, werr, sizeof(werr));
		snprintf(path, sizeof(path), "%s/assets.json", dir);
		kv_u("assets_json_bytes", file_size(path));
		bytes += file_size(path);
		snprintf(path, sizeof(path), "%s/conduits.json", dir);
		kv_u("conduits_json_bytes", file_size(path));
		bytes += file_size(path);
		snprintf(path, sizeof(path), "%s/report.html", dir);
		kv_u("report_html_bytes", file_size(path));
		if (wr != OTS_OK) {
			fprintf(stderr, "inv-bench: %s\n", werr);
			goto out_inv;
		}
		kv_u("json_bytes", bytes);
		kv_f("json_s", now() - t, 3);
		kv_u("rss_max_json_delta_bytes", rss_max() - base);
	}

	if (do_state) {
		struct ots_inv back;
		uint32_t nn = inv.n_nodes, no = inv.n_oc;

		snprintf(path, sizeof(path), "%s/state.json", dir);
		t = now();
		if (ots_inv_state_save(&inv, path, err, sizeof(err)) != OTS_OK) {
			fprintf(stderr, "inv-bench: %s\n", err);
			goto out_inv;
		}
		kv_f("state_save_s", now() - t, 3);
		kv_u("state_bytes", file_size(path));
		kv_u("rss_max_save_delta_bytes", rss_max() - base);
		/* a restart: the inventory is gone, the state comes back */
		ots_inv_free(&inv);
		kv_u("rss_freed_bytes", rss_now());
		ots_inv_init(&back);
		t = now();
		if (ots_inv_state_load(&back, path, err, sizeof(err)) != OTS_OK) {
			fprintf(stderr, "inv-bench: %s\n", err);
			ots_inv_free(&back);
			goto out;
		}
		kv_f("state_load_s", now() - t, 3);
		if (back.n_nodes != nn || back.n_oc != no) {
			fprintf(stderr, "inv-bench: state load gave %u nodes, %u conduits (saved %u, %u)\n",
			        back.n_nodes, back.n_oc, nn, no);
			ots_inv_free(&back);
			goto out;
		}
		kv_u("rss_max_load_delta_bytes", rss_max() - base);
		ots_inv_free(&back);
	}
	kv_u("rss_max_bytes", rss_max());
	kv_u("rss_max_delta_bytes", rss_max() - base);
	kv_u("checksum", sink);
	rc = 0;
out_inv:
	ots_inv_free(&inv);
out:
	free(p.specs);
	if (!outdir) {
		static const char *const files[] = { "events.jsonl", "assets.json", "conduits.json",
			                             "state.json" };
		size_t k;

		for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
			unlink(path);
		}
		rmdir(dir);
	}
	return rc;
}
