/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c: the per-worker batch loop: decode -> flow -> classify -> stream -> emit.
 *
 * The worker consumes its input ring in batches and hands space back every BATCH records, so
 * the reader sees progress once per batch. Ended flows become struct ots_flow_rec records on
 * the event ring; when that ring is full the worker waits (the main thread always drains it),
 * which keeps every record: losing results to go faster is not a trade a forensic tool makes.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ots/error.h"
#include "ots/log.h"
#include "ots/output.h"
#include "ots/stats.h"
#include "ots/worker.h"

#define BATCH 64
#define EXPIRE_BUDGET 4096

/* The ports a PDU of flow f in direction dir travels between (sender's first). */
static void
pdu_pkt(const struct ots_flow *f, int dir, uint64_t ts, struct ots_dissect_pkt *pkt)
{
	uint16_t ip = f->init_is_lo ? f->key.port_lo : f->key.port_hi;
	uint16_t rp = f->init_is_lo ? f->key.port_hi : f->key.port_lo;

	pkt->dir = dir;
	pkt->sport = dir ? rp : ip;
	pkt->dport = dir ? ip : rp;
	pkt->ts_us = ts;
}

/* In-order bytes of w->cur: dissectors frame and parse PDUs here. */
static void
stream_data(void *ctx, int dir, const uint8_t *data, uint32_t len)
{
	struct ots_worker *w = ctx;
	struct ots_flow *f = w->cur;
	struct ots_dissect_pkt pkt;
	long delta;

	w->st.stream_bytes += len;
	if (!f || f->app_verdict == OTS_APP_NONE)
		return;
	pdu_pkt(f, dir, w->cur_ts, &pkt);
	w->cur_dir = dir;
	delta = ots_app_tcp(f, dir, data, len, &pkt, &w->dout, &w->st.app);
	if (delta)
		ots_flow_table_charge(w->ft, f, delta);
}

static void
stream_gap(void *ctx, int dir, uint32_t len)
{
	struct ots_worker *w = ctx;

	w->st.tcp_gaps++;
	w->st.tcp_gap_bytes += len;
	if (w->cur)
		ots_app_tcp_gap(w->cur, dir);
}

/* Copy a record (its first len bytes; the rest of the ring slot is left as is) to the event
 * ring, waiting while the main thread catches up. */
static void
emit_any(struct ots_worker *w, const void *r, size_t len)
{
	unsigned spins = 0;
	void *slot;

	if (atomic_load_explicit(&w->discard, memory_order_relaxed))
		return;
	while (!(slot = ots_ring_reserve(&w->out, (uint32_t)len))) {
		ots_ring_publish(&w->out);
		if (atomic_load_explicit(&w->discard, memory_order_relaxed))
			return;
		if (spins == 0)
			w->st.out_waits++;
		ots_backoff(&spins);
	}
	memcpy(slot, r, len);
	ots_ring_commit(&w->out);
	if (*(const uint32_t *)r == OTS_REC_FLOW)
		w->st.flows_out++;
	else
		w->st.events_out++;
}

/* Common part of an event record: the flow and the PDU's direction and time. */
static void
event_base(struct ots_worker *w, struct ots_event_rec *e, uint8_t kind, uint16_t proto)
{
	const struct ots_flow *f = w->cur;

	memset(e, 0, offsetof(struct ots_event_rec, value)); /* the value is set by its user */
	e->rtype = OTS_REC_EVENT;
	e->kind = kind;
	e->dir = (uint8_t)w->cur_dir;
	e->proto = proto;
	e->key = f->key;
	e->ts = w->cur_ts;
	e->flow_first_ts = f->first_ts;
	e->seq = w->ev_seq++;
	e->init_is_lo = f->init_is_lo;
	e->has_mac = f->has_mac;
	e->vlan_count = f->vlan_count;
	memcpy(e->vlan, f->vlan, sizeof(e->vlan));
	memcpy(e->mac, f->mac, sizeof(e->mac));
}

static void emit_any(struct ots_worker *w, const void *rec, size_t len);

/*
 * Rules of kind on for this protocol, against the current flow (w->cur): a match becomes a
 * hit record for the main thread (src/detect.c), which places it on the inventory. source is
 * the flow's initiator whichever way the PDU went (rules/README.md).
 */
static void
match_rules(struct ots_worker *w, unsigned on, uint16_t proto, const struct ots_ics_op *op,
            uint8_t flag, const char *reason)
{
	const struct ots_flow *f = w->cur;
	struct ots_rule_ctx x;
	const uint32_t *v;
	uint32_t n, i;
	int lo = f->init_is_lo != 0;

	if (op) {
		/* the rules an operation of this class can meet; most reads meet none after
		 * the quick direction/exception tests, and pay nothing more */
		v = ots_rules_for_op(w->rules, proto, op->op_class, &n);
		for (i = 0; i < n; i++)
			if (ots_rule_op_may_match(&w->rules->v[v[i]], op))
				break;
		if (i == n)
			return;
	} else {
		v = ots_rules_for(w->rules, on, proto, &n);
		if (!n)
			return;
	}
	memset(&x, 0, sizeof(x));
	x.on = (uint8_t)on;
	x.proto = proto;
	x.op = op;
	x.flag = flag;
	x.reason = reason;
	x.has_ip = f->key.ip_version != 0;
	x.transport = x.has_ip ? f->key.proto : 0xff;
	x.sip = lo ? f->key.lo.b : f->key.hi.b;
	x.dip = lo ? f->key.hi.b : f->key.lo.b;
	x.sport = lo ? f->key.port_lo : f->key.port_hi;
	x.dport = lo ? f->key.port_hi : f->key.port_lo;
	x.has_smac = f->has_mac & 1;
	x.has_dmac = (f->has_mac >> 1) & 1;
	x.smac = f->mac[0];
	x.dmac = f->mac[1];
	x.vlan = f->key.vlan;
	if (op && op->function_name) {
		x.fn_hash = ots_rules_name_hash(op->function_name);
		x.has_fn_hash = 1;
	}
	for (i = 0; i < n; i++) {
		const struct ots_rule *r = &w->rules->v[v[i]];
		struct ots_event_rec e;

		if ((op && !ots_rule_op_may_match(r, op)) || !ots_rules_match(r, &x))
			continue;
		if (op && r->thr_distinct == OTS_RD_UNIT && !op->has_unit)
			continue; /* no unit: nothing to count */
		event_base(w, &e, OTS_EV_HIT, proto);
		if (op)
			e.op = *op;
		e.flag = flag;
		e.what = reason;
		e.rule = r;
		w->st.rule_hits++;
		emit_any(w, &e, offsetof(struct ots_event_rec, value));
	}
}

static void
on_op(void *ctx, const struct ots_ics_op *op)
{
	struct ots_worker *w = ctx;
	struct ots_event_rec e;

	/*
	 * What an analyst wants one record for: what changes a process or a device, or gets at
	 * it (writes, control, program, firmware, mode change, restart, file, auth, time,
	 * discovery). Reads, identity queries (their answers become identity records),
	 * diagnostics, spontaneous data and session housekeeping are counted, not logged one by
	 * one, unless --log-all-ops.
	 */
	static const uint8_t notable[OTS_OP__COUNT] = {
		[OTS_OP_WRITE] = 1, [OTS_OP_CONTROL] = 1, [OTS_OP_PROGRAM] = 1,
		[OTS_OP_MODE_CHANGE] = 1, [OTS_OP_FIRMWARE] = 1, [OTS_OP_RESTART] = 1,
		[OTS_OP_FILE] = 1, [OTS_OP_TIME_SYNC] = 1, [OTS_OP_AUTH] = 1,
		[OTS_OP_DISCOVERY] = 1,
	};

	if (op->op_class < OTS_OP__COUNT)
		w->st.ops[op->op_class]++;
	if (w->cur)
		ots_app_count(w->cur, op);
	if (!w->cur)
		return;
	if (w->rules)
		match_rules(w, OTS_RON_OP, op->proto, op, 0, NULL);
	if (!w->conf->log_all_ops && (op->op_class >= OTS_OP__COUNT || !notable[op->op_class]))
		return;
	event_base(w, &e, OTS_EV_OP, op->proto);
	e.op = *op;
	emit_any(w, &e, offsetof(struct ots_event_rec, value));
}

static void
on_fact(void *ctx, const struct ots_ics_fact *fact)
{
	struct ots_worker *w = ctx;
	struct ots_event_rec e;
	uint32_t h = 2166136261u;
	size_t i, n;

	if (!w->cur)
		return;
	h = (h ^ fact->attr) * 16777619u;
	h = (h ^ fact->side) * 16777619u;
	for (i = 0; i < fact->value_len; i++)
		h = (h ^ (uint8_t)fact->value[i]) * 16777619u;
	if (ots_app_fact_seen(w->cur, h)) {
		w->st.facts_dup++;
		return;
	}
	event_base(w, &e, OTS_EV_FACT, fact->proto);
	e.attr = fact->attr;
	e.side = fact->side;
	e.confidence = fact->confidence;
	if (fact->source) { /* a static name: a copy, not a snprintf per fact */
		size_t sl = strnlen(fact->source, sizeof(e.source) - 1);

		memcpy(e.source, fact->source, sl);
		e.source[sl] = '\0';
	} else {
		e.source[0] = '\0';
	}
	n = fact->value_len < sizeof(e.value) ? fact->value_len : sizeof(e.value);
	memcpy(e.value, fact->value, n);
	e.value_len = (uint16_t)n;
	e.value_cut = n < fact->value_len;
	emit_any(w, &e, sizeof(e));
}

static void
on_flag(void *ctx, const struct ots_ics_flag_rec *r)
{
	struct ots_worker *w = ctx;
	struct ots_event_rec e;

	if (!w->cur)
		return;
	if (r->flag < 8) /* the zone checks read them from the flow record */
		w->cur->ics_flags |= (uint8_t)(1u << r->flag);
	if (w->rules)
		match_rules(w, OTS_RON_FLAG, r->proto, NULL, r->flag, r->what);
	event_base(w, &e, OTS_EV_FLAG, r->proto);
	e.flag = r->flag;
	e.what = r->what;
	emit_any(w, &e, offsetof(struct ots_event_rec, value));
}

/* Flow table callback: the flow ended; release its state and emit its record. */
static void
flow_end(void *ctx, struct ots_flow *f)
{
	struct ots_worker *w = ctx;
	struct ots_flow_msg fm;
	struct ots_flow_rec r;
	long freed;
	int d;

	freed = ots_classify_finish(w->cls, f);
	if (freed)
		ots_flow_table_charge(w->ft, f, freed);

	memset(&r, 0, sizeof(r));
	memset(&fm.ics, 0, sizeof(fm.ics));
	r.rtype = OTS_REC_FLOW;
	r.app_proto = f->app_proto;
	if (f->stream) {
		struct ots_flow *prev = w->cur;
		uint64_t prev_ts = w->cur_ts;
		size_t mem;

		w->cur = f;
		w->cur_ts = f->last_ts;
		ots_stream_flush(f->stream, &w->scb, w);
		w->cur = prev;
		w->cur_ts = prev_ts;
		for (d = 0; d < 2; d++) {
			r.tcp_gaps += f->stream->dir[d].gaps;
			r.tcp_gap_bytes += f->stream->dir[d].gap_bytes;
		}
		mem = ots_stream_mem(f->stream);
		ots_stream_release(f->stream);
		free(f->stream);
		f->stream = NULL;
		ots_flow_table_charge(w->ft, f, -(int64_t)(mem + sizeof(struct ots_stream)));
	}
	/* An active-timeout split continues the connection: its dissector state goes on. */
	if (f->app && f->end_reason != OTS_FLOW_END_TIMEOUT_ACTIVE) {
		struct ots_flow *prev = w->cur;

		w->cur = f; /* fini() may still report, and its reports count */
		ots_app_fini(f, &w->dout);
		w->cur = prev;
	}
	if (f->app)
		ots_app_counts_take(f, &fm.ics);
	if (f->app && f->end_reason != OTS_FLOW_END_TIMEOUT_ACTIVE) {
		struct ots_flow *prev = w->cur;

		w->cur = f;
		freed = ots_app_end(f, &w->dout);
		w->cur = prev;
		if (freed)
			ots_flow_table_charge(w->ft, f, freed);
	}
	r.key = f->key;
	r.first_ts = f->first_ts;
	r.last_ts = f->last_ts;
	for (d = 0; d < 2; d++) {
		r.pkts[d] = f->pkts[d];
		r.bytes[d] = f->bytes[d];
		r.payload_bytes[d] = f->payload_bytes[d];
		r.tcp_flags[d] = f->tcp_flags[d];
	}
	memcpy(r.vlan, f->vlan, sizeof(r.vlan));
	memcpy(r.mac, f->mac, sizeof(r.mac));
	r.vlan_count = f->vlan_count;
	r.has_mac = f->has_mac;
	r.init_is_lo = f->init_is_lo;
	r.end_reason = f->end_reason;
	r.ndpi_state = f->ndpi_state;
	r.ttl[0] = f->ttl[0];
	r.ttl[1] = f->ttl[1];
	r.ics_flags = f->ics_flags;
	r.ndpi_master = f->ndpi_master;
	r.ndpi_app = f->ndpi_app;
	ots_classify_proto_name(w->cls, f, r.proto, sizeof(r.proto));
	{
		const char *cat = ots_classify_category_name(w->cls, f);
		size_t n = strlen(cat);

		if (n >= sizeof(r.category))
			n = sizeof(r.category) - 1;
		memcpy(r.category, cat, n); /* r was zeroed: stays terminated */
	}
	/* A flow without a dissector sends the record alone. */
	fm.r = r;
	emit_any(w, &fm, r.app_proto ? sizeof(fm) : sizeof(fm.r));
}

int
ots_worker_init(struct ots_worker *w, unsigned id, const struct ots_conf *conf, char *err,
                size_t errlen)
{
	struct ots_flow_conf fc = conf->flow;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->conf = conf;
	pthread_mutex_init(&w->pub_lock, NULL);
	w->pub_ok = 1;
	atomic_init(&w->done, 0);
	atomic_init(&w->init_failed, 0);
	if (ots_ring_init(&w->in, conf->ring_bytes) != OTS_OK ||
	    ots_ring_init(&w->out, 4u << 20) != OTS_OK) {
		snprintf(err, errlen, "worker %u: cannot allocate rings", id);
		return OTS_ENOMEM;
	}
	w->defrag = ots_defrag_new(&conf->defrag);
	w->dctx.defrag = w->defrag;
	w->dctx.st = &w->st.dec;
	/*
	 * The memcap is for the whole sensor: each worker gets its share. The table counts the
	 * bytes it asks for; malloc adds its own headers and fragmentation on top (measured: 3-5%
	 * under a 1M-flow flood), so a sixteenth of the share is held back for them and resident
	 * memory, not just our accounting, stays under the cap.
	 */
	fc.memcap = conf->flow.memcap / (conf->workers ? conf->workers : 1);
	fc.memcap -= fc.memcap / 16;
	w->ft = ots_flow_table_new(&fc, flow_end, w);
	/* The nDPI module is built by the worker thread itself (ots_worker_start): its 25 ms of
	 * set-up then overlaps the reader filling the ring, and several workers build theirs in
	 * parallel instead of one after another before the capture starts. */
	if (!w->defrag || !w->ft) {
		snprintf(err, errlen, "worker %u: cannot allocate flow table, reassembly or nDPI "
		         "state (flow memcap %llu bytes)", id, (unsigned long long)fc.memcap);
		return OTS_ENOMEM;
	}
	if (ots_app_ether_state_max() > 0) {
		/* Layer-2 streams of stateful dissectors (GOOSE): bounded, allocated once. */
		w->l2 = ots_l2_table_new(OTS_L2_MAX_ENTRIES, OTS_L2_IDLE_US, ots_app_ether_state_max());
		if (!w->l2) {
			snprintf(err, errlen, "worker %u: cannot allocate the layer-2 state table", id);
			return OTS_ENOMEM;
		}
	}
	w->scb.data = stream_data;
	w->scb.gap = stream_gap;
	w->dout.op = on_op;
	w->dout.fact = on_fact;
	w->dout.flag = on_flag;
	w->dout.ctx = w;
	return OTS_OK;
}

static void
feed_stream(struct ots_worker *w, struct ots_flow *f, const struct ots_pkt *p, int dir)
{
	size_t before, after;

	if (!f->stream) {
		if (p->payload_len == 0 && !(p->tcp_flags & OTS_TH_SYN))
			return; /* nothing to anchor on yet */
		f->stream = malloc(sizeof(*f->stream));
		if (!f->stream) {
			w->st.stream_nomem++;
			return;
		}
		ots_stream_init(f->stream);
		ots_flow_table_charge(w->ft, f, (int64_t)sizeof(*f->stream));
	}
	before = ots_stream_mem(f->stream);
	w->cur = f;
	w->cur_ts = p->ts_us;
	if (ots_stream_segment(f->stream, &w->conf->stream, dir, p->tcp_seq, p->tcp_flags,
	                       p->payload, p->payload_len, &w->scb, w) == OTS_ENOMEM)
		w->st.stream_nomem++;
	w->cur = NULL;
	after = ots_stream_mem(f->stream);
	if (after != before) /* in-order data, the common case, holds nothing */
		ots_flow_table_charge(w->ft, f, (int64_t)after - (int64_t)before);
}

static int
mac_is_zero(const uint8_t m[6])
{
	return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

/*
 * ARP: the binding the sender announces (requests and replies alike, gratuitous ones too)
 * goes to the inventory, which sees an address claimed by a second MAC (ARP spoofing, a
 * replaced device) even when no IP packet follows. Probes (sender address 0.0.0.0) and
 * senders with a zero or group MAC announce nothing. Not deduplicated here: which worker
 * sees a frame depends on the worker count, and the inventory's update is commutative.
 */
static void
handle_arp(struct ots_worker *w, const struct ots_pkt *p)
{
	struct ots_event_rec e;

	if ((p->arp_spa[0] | p->arp_spa[1] | p->arp_spa[2] | p->arp_spa[3]) == 0 ||
	    mac_is_zero(p->arp_sha) || (p->arp_sha[0] & 1))
		return;
	memset(&e, 0, offsetof(struct ots_event_rec, value));
	e.rtype = OTS_REC_EVENT;
	e.kind = OTS_EV_ARP;
	e.key.lo.b[10] = e.key.lo.b[11] = 0xff;
	memcpy(e.key.lo.b + 12, p->arp_spa, 4);
	e.key.ip_version = 4;
	e.key.vlan = p->vlan_count ? p->vlan[0] : 0;
	e.key.port_lo = p->arp_op;
	e.ts = p->ts_us;
	e.flow_first_ts = p->ts_us;
	e.seq = w->ev_seq++;
	e.init_is_lo = 1;
	e.has_mac = 1;
	e.vlan_count = p->vlan_count;
	memcpy(e.vlan, p->vlan, sizeof(e.vlan));
	memcpy(e.mac[0], p->arp_sha, 6);
	w->st.arp_bindings++;
	emit_any(w, &e, offsetof(struct ots_event_rec, value));
}

/*
 * A layer-2 frame for a dissector (PROFINET DCP, GOOSE, LLDP, CDP). It has no flow: a
 * throwaway flow on the stack carries what event records need (time, MACs, VLAN; key with
 * ip_version 0 and the EtherType in port_lo, MACs in the address slots so the deterministic
 * event order separates senders). A dissector with state (GOOSE) gets the state block of the
 * frame's stream (source MAC, destination MAC, EtherType, outer VLAN) from w->l2.
 */
static void
handle_l2(struct ots_worker *w, const struct ots_pkt *p)
{
	const struct ots_dissector *d = ots_app_ether_dissector(p->ethertype);
	struct ots_dissect_pkt dp;
	struct ots_flow f;
	void *state = NULL;

	if (!d || !p->has_mac)
		return;
	if (d->state_size) {
		struct ots_l2_key k;

		memcpy(k.src, p->src_mac, 6);
		memcpy(k.dst, p->dst_mac, 6);
		k.ethertype = p->ethertype;
		k.vlan = p->vlan_count ? p->vlan[0] : 0;
		state = ots_l2_table_get(w->l2, &k, p->ts_us);
	}
	memset(&f, 0, sizeof(f));
	memcpy(f.key.lo.b, p->src_mac, 6);
	memcpy(f.key.hi.b, p->dst_mac, 6);
	f.key.port_lo = p->ethertype;
	f.key.vlan = p->vlan_count ? p->vlan[0] : 0;
	f.first_ts = p->ts_us;
	f.init_is_lo = 1;
	memcpy(f.mac[0], p->src_mac, 6);
	memcpy(f.mac[1], p->dst_mac, 6);
	f.has_mac = (uint8_t)(1u | 4u | (mac_is_zero(p->dst_mac) ? 0u : 2u));
	f.vlan_count = p->vlan_count;
	memcpy(f.vlan, p->vlan, sizeof(f.vlan));
	memset(&dp, 0, sizeof(dp));
	dp.ts_us = p->ts_us;
	w->cur = &f;
	w->cur_ts = p->ts_us;
	w->cur_dir = 0;
	ots_app_ether(d, state, p->l2_payload, p->l2_payload_len, &dp, &w->dout, &w->st.app);
	w->cur = NULL;
}

static void
handle_packet(struct ots_worker *w, const struct ots_msg *m)
{
	struct ots_pkt p;
	struct ots_flow_key k;
	struct ots_flow *f;
	int src_is_lo, created, dir;
	long delta;

	w->st.packets++;
	w->st.bytes += m->wirelen;
	if (m->ts_us > w->now)
		w->now = m->ts_us;
	ots_decode_packet(&w->dctx, m->linktype, m->data, m->caplen, m->wirelen, m->ts_us, &p);
	if (p.ip_version == 0) {
		w->st.non_ip++;
		if (p.l3_type == OTS_L3_ARP)
			handle_arp(w, &p);
		else if (p.ethertype && p.l2_payload)
			handle_l2(w, &p);
		return;
	}
	w->st.ip_packets++;
	if (p.is_fragment && !p.has_l4) {
		w->st.frag_held++;
		return;
	}
	ots_flow_key_make(&p, &k, &src_is_lo);
	f = ots_flow_table_get(w->ft, &k, ots_flow_key_hash(&k), p.ts_us, &created);
	if (!f) {
		w->st.no_flow++;
		return;
	}
	if (created == OTS_FLOW_NEW) {
		/* The initiator sent the first packet, unless that packet answers a SYN we missed. */
		f->init_is_lo = (uint8_t)src_is_lo;
		if (p.ip_proto == 6 && p.has_l4 &&
		    (p.tcp_flags & (OTS_TH_SYN | OTS_TH_ACK)) == (OTS_TH_SYN | OTS_TH_ACK))
			f->init_is_lo = (uint8_t)!src_is_lo;
		f->vlan_count = p.vlan_count;
		memcpy(f->vlan, p.vlan, sizeof(f->vlan));
	}
	dir = (src_is_lo == f->init_is_lo) ? 0 : 1;
	/*
	 * MACs: bit d of has_mac says mac[d] is known, bit d+2 that it came from a packet sent
	 * by d (authoritative). A destination MAC fills the other side only until that side
	 * sends; an all-zero address (Linux cooked captures have no destination) never does.
	 */
	if (p.has_mac) {
		if (!(f->has_mac & (4u << dir))) {
			memcpy(f->mac[dir], p.src_mac, 6);
			f->has_mac |= (uint8_t)((1u << dir) | (4u << dir));
		}
		if (!(f->has_mac & (1u << !dir)) && !mac_is_zero(p.dst_mac)) {
			memcpy(f->mac[!dir], p.dst_mac, 6);
			f->has_mac |= (uint8_t)(1u << !dir);
		}
	}
	if (!f->ttl[dir])
		f->ttl[dir] = p.ttl;
	f->pkts[dir]++;
	f->bytes[dir] += m->wirelen;
	f->payload_bytes[dir] += p.payload_len;
	if (p.ip_proto == 6 && p.has_l4) {
		f->tcp_flags[dir] |= p.tcp_flags;
		ots_flow_table_tcp_update(w->ft, f, dir, p.tcp_flags);
	}
	if (f->ndpi_state == OTS_NDPI_PENDING && f->app_verdict == OTS_APP_CHOSEN &&
	    f->ndpi_pkts >= ots_app_ndpi_after_claim(f)) {
		/*
		 * One of our dissectors took the flow by its content. nDPI keeps a few packets
		 * more (four in all, handshake included; eight for FTP, whose name nDPI gives
		 * from the server's replies, and Modbus), then its verdict is final: on protocols
		 * it does not recognise (EtherNet/IP sessions, DNP3 off its port ...) it would only
		 * keep trying up to --ndpi-packets, every payload through every TCP dissector it
		 * has (EtherNet/IP sessions on the plant: 2% of a worker's instructions). Labels
		 * unchanged on the shared and bundled captures and the plant.
		 */
		delta = ots_classify_finish(w->cls, f);
		if (delta)
			ots_flow_table_charge(w->ft, f, delta);
	} else if (f->ndpi_state == OTS_NDPI_PENDING) {
		delta = ots_classify_packet(w->cls, f, &p, dir);
		if (delta)
			ots_flow_table_charge(w->ft, f, delta);
		/*
		 * nDPI has just read TLS, HTTP, DNS, SMB ... in this payload: no dissector of
		 * ours will take the flow, so its payloads stop going through every probe (up
		 * to OTS_APP_MAX_PROBES of them: the DNS answer, the TLS server's hello and
		 * certificate ...). 3% of a worker's instructions on the plant; dissector
		 * choices unchanged on every capture.
		 */
		if (f->app_verdict == OTS_APP_PROBING && ots_classify_settled_it(f))
			f->app_verdict = OTS_APP_NONE;
	}
	if (p.ip_proto == 6 && p.has_l4) {
		feed_stream(w, f, &p, dir);
	} else if (p.ip_proto == 17 && p.has_l4 && p.payload_len &&
	           f->app_verdict != OTS_APP_NONE) {
		struct ots_dissect_pkt dp;

		pdu_pkt(f, dir, p.ts_us, &dp);
		w->cur = f;
		w->cur_ts = p.ts_us;
		w->cur_dir = dir;
		delta = ots_app_udp(f, dir, p.payload, p.payload_len, &dp, &w->dout, &w->st.app);
		w->cur = NULL;
		if (delta)
			ots_flow_table_charge(w->ft, f, delta);
	}
}

void
ots_worker_handle(struct ots_worker *w, const struct ots_msg *m)
{
	if (w->rules_slot)
		w->rules = atomic_load_explicit(w->rules_slot, memory_order_acquire);
	switch (m->type) {
	case OTS_MSG_PKT:
		handle_packet(w, m);
		break;
	case OTS_MSG_TICK:
		if (m->ts_us > w->now)
			w->now = m->ts_us;
		ots_flow_table_expire(w->ft, w->now, EXPIRE_BUDGET);
		if (w->cls) { /* the live stats records read these while we run */
			ots_worker_collect(w);
			pthread_mutex_lock(&w->pub_lock);
			w->pub = w->st;
			pthread_mutex_unlock(&w->pub_lock);
		}
		break;
	case OTS_MSG_EOF:
		ots_flow_table_flush(w->ft, OTS_FLOW_END_EOF);
		break;
	}
}

void
ots_worker_collect(struct ots_worker *w)
{
	w->st.flow = *ots_flow_table_stats(w->ft);
	w->st.cls = *ots_classify_stats(w->cls);
	w->st.l2 = *ots_l2_table_stats(w->l2);
}

static void *
worker_main(void *arg)
{
	struct ots_worker *w = arg;
	unsigned spins = 0, n = 0;
	const struct ots_msg *m;
	uint32_t len;
	int eof = 0;

	w->cls = ots_classify_new(w->conf->ndpi_max_pkts);
	if (!w->cls) {
		/* Say so and keep the ring moving (the main thread stops the run on this flag). */
		atomic_store_explicit(&w->init_failed, 1, memory_order_release);
		atomic_store(&w->discard, 1);
	}
	while (!eof) {
		m = ots_ring_peek(&w->in, &len);
		if (!m) {
			ots_ring_release(&w->in);
			ots_ring_publish(&w->out);
			ots_backoff(&spins);
			continue;
		}
		spins = 0;
		if (ots_likely(w->cls != NULL))
			ots_worker_handle(w, m);
		eof = m->type == OTS_MSG_EOF;
		ots_ring_consume(&w->in);
		if (++n == BATCH) {
			n = 0;
			ots_ring_release(&w->in);
			ots_ring_publish(&w->out);
		}
	}
	ots_ring_release(&w->in);
	ots_ring_publish(&w->out);
	if (w->cls)
		ots_worker_collect(w);
	w->st.cpu_s = ots_thread_cpu_s();
	atomic_store_explicit(&w->done, 1, memory_order_release);
	/*
	 * Every flow ended at EOF, so nDPI's module (some 20 M instructions to tear down) goes
	 * now, on this thread, while the main thread writes the results, rather than after them
	 * in ots_worker_destroy. Nothing reads w->cls until the main thread joins us.
	 */
	if (w->cls && ots_flow_table_stats(w->ft)->active == 0) {
		ots_classify_free(w->cls);
		w->cls = NULL;
	}
	return NULL;
}

int
ots_worker_start(struct ots_worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return OTS_ENOMEM;
	w->started = 1;
	return OTS_OK;
}

void
ots_worker_join(struct ots_worker *w)
{
	if (w->started) {
		pthread_join(w->thread, NULL);
		w->started = 0;
	}
}

void
ots_worker_destroy(struct ots_worker *w)
{
	if (w->ft) {
		/* ends remaining flows (error paths only): nobody drains the event ring any more */
		atomic_store(&w->discard, 1);
		if (!w->cls && ots_flow_table_stats(w->ft)->active)
			w->cls = ots_classify_new(w->conf->ndpi_max_pkts); /* flow_end needs names */
		ots_flow_table_free(w->ft);
		w->ft = NULL;
	}
	ots_classify_free(w->cls);
	ots_l2_table_free(w->l2);
	w->l2 = NULL;
	ots_defrag_free(w->defrag);
	ots_ring_destroy(&w->in);
	ots_ring_destroy(&w->out);
	if (w->pub_ok)
		pthread_mutex_destroy(&w->pub_lock);
	w->pub_ok = 0;
}

void
ots_worker_stats_snapshot(struct ots_worker *w, struct ots_worker_stats *out)
{
	pthread_mutex_lock(&w->pub_lock);
	*out = w->pub;
	pthread_mutex_unlock(&w->pub_lock);
}

void
ots_worker_send_eof(struct ots_worker *w)
{
	struct ots_msg *m;
	unsigned spins = 0;

	while (!(m = ots_ring_reserve(&w->in, sizeof(*m)))) {
		ots_ring_publish(&w->in);
		ots_backoff(&spins);
	}
	memset(m, 0, sizeof(*m));
	m->type = OTS_MSG_EOF;
	ots_ring_commit(&w->in);
	ots_ring_publish(&w->in);
}
