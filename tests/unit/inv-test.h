/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * inv-test.h: synthetic records for the inventory and zone tests (test-asset.c,
 * test-zone-policy.c): flow records between two endpoints, identity facts, ICS tallies.
 * Include after cmocka.h; T0 and US are defined here.
 */
#ifndef OTS_INV_TEST_H
#define OTS_INV_TEST_H

#include <stdio.h>
#include <string.h>

#include "ots/output.h"

#define US 1000000ull
#define T0 (1700000000ull * US)

static inline void
ip4(struct ots_addr *a, const char *s)
{
	unsigned b[4];

	assert_int_equal(sscanf(s, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]), 4);
	memset(a, 0, sizeof(*a));
	a->b[10] = a->b[11] = 0xff;
	a->b[12] = (uint8_t)b[0];
	a->b[13] = (uint8_t)b[1];
	a->b[14] = (uint8_t)b[2];
	a->b[15] = (uint8_t)b[3];
}

static inline void
mac(uint8_t m[6], const char *s)
{
	unsigned v[6];
	int i;

	assert_int_equal(sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6);
	for (i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
}

/* A flow record: src (initiator) -> dst, with MACs ("" none) and first TTLs. */
static inline struct ots_flow_rec
flow(const char *sip, const char *smac, uint8_t sttl, const char *dip, const char *dmac,
     uint8_t dttl, uint8_t proto, uint16_t dport, uint16_t app, const char *ndpi, uint64_t t)
{
	struct ots_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.rtype = OTS_REC_FLOW;
	r.key.ip_version = 4;
	r.key.proto = proto;
	/* initiator is lo */
	ip4(&r.key.lo, sip);
	ip4(&r.key.hi, dip);
	r.key.port_lo = 40000;
	r.key.port_hi = dport;
	r.init_is_lo = 1;
	if (smac[0]) {
		mac(r.mac[0], smac);
		r.has_mac |= 1 | 4;
	}
	if (dmac[0]) {
		mac(r.mac[1], dmac);
		r.has_mac |= 2 | (dttl ? 8 : 0);
	}
	r.ttl[0] = sttl;
	r.ttl[1] = dttl;
	r.first_ts = t;
	r.last_ts = t + 5 * US;
	r.pkts[0] = 10;
	r.pkts[1] = dttl ? 8 : 0;
	r.bytes[0] = 1000;
	r.bytes[1] = dttl ? 800 : 0;
	r.app_proto = app;
	snprintf(r.proto, sizeof(r.proto), "%s", ndpi);
	return r;
}

/* An identity fact sent by the responder of rec (about itself). */
static inline struct ots_event_rec
fact(const struct ots_flow_rec *r, uint16_t proto, unsigned attr, const char *value,
     const char *source, uint64_t t)
{
	struct ots_event_rec e;

	memset(&e, 0, sizeof(e));
	e.rtype = OTS_REC_EVENT;
	e.kind = OTS_EV_FACT;
	e.dir = 1;
	e.side = OTS_SIDE_SENDER;
	e.proto = proto;
	e.key = r->key;
	e.init_is_lo = r->init_is_lo;
	e.has_mac = r->has_mac;
	memcpy(e.mac, r->mac, sizeof(e.mac));
	e.ts = t;
	e.attr = (uint8_t)attr;
	e.confidence = 90;
	snprintf(e.source, sizeof(e.source), "%s", source);
	snprintf(e.value, sizeof(e.value), "%s", value);
	e.value_len = (uint16_t)strlen(value);
	return e;
}

static inline void
add_fn(struct ots_ics_counts *c, uint32_t code, const char *name, uint8_t cls, uint32_t req,
       uint32_t resp)
{
	struct ots_ics_fn_count *f = &c->fn[c->n_fn++];

	f->code = code;
	f->name = name;
	f->op_class = cls;
	f->requests = req;
	f->responses = resp;
	c->ops[cls] += req + resp;
}

#endif
