/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.c: the per-worker batch loop: decode -> flow -> classify -> stream -> emit.
 *
 * The worker consumes its input ring in batches and hands space back every BATCH records, so
 * the reader sees progress once per batch. Ended flows become struct ots_flow_rec records on
 * the event ring; when that ring is full the worker waits (the main thread always drains it),
 * which keeps every record: losing results to go faster is not a trade a forensic tool makes.
 */
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

static void
stream_data(void *ctx, int dir, const uint8_t *data, uint32_t len)
{
	struct ots_worker *w = ctx;

	(void)dir;
	(void)data;
	/* In-order bytes of w->cur: the industrial dissectors frame PDUs here (issue 3). */
	w->st.stream_bytes += len;
}

static void
stream_gap(void *ctx, int dir, uint32_t len)
{
	struct ots_worker *w = ctx;

	(void)dir;
	w->st.tcp_gaps++;
	w->st.tcp_gap_bytes += len;
}

static void
emit(struct ots_worker *w, const struct ots_flow_rec *r)
{
	unsigned spins = 0;
	void *slot;

	if (atomic_load_explicit(&w->discard, memory_order_relaxed))
		return;
	while (!(slot = ots_ring_reserve(&w->out, sizeof(*r)))) {
		ots_ring_publish(&w->out);
		if (atomic_load_explicit(&w->discard, memory_order_relaxed))
			return;
		if (spins == 0)
			w->st.out_waits++;
		ots_backoff(&spins);
	}
	memcpy(slot, r, sizeof(*r));
	ots_ring_commit(&w->out);
	w->st.flows_out++;
}

/* Flow table callback: the flow ended; release its state and emit its record. */
static void
flow_end(void *ctx, struct ots_flow *f)
{
	struct ots_worker *w = ctx;
	struct ots_flow_rec r;
	long freed;
	int d;

	freed = ots_classify_finish(w->cls, f);
	if (freed)
		ots_flow_table_charge(w->ft, f, freed);

	memset(&r, 0, sizeof(r));
	if (f->stream) {
		struct ots_flow *prev = w->cur;
		size_t mem;

		w->cur = f;
		ots_stream_flush(f->stream, &w->scb, w);
		w->cur = prev;
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
	emit(w, &r);
}

int
ots_worker_init(struct ots_worker *w, unsigned id, const struct ots_conf *conf, char *err,
                size_t errlen)
{
	struct ots_flow_conf fc = conf->flow;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->conf = conf;
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
	w->scb.data = stream_data;
	w->scb.gap = stream_gap;
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
	f->pkts[dir]++;
	f->bytes[dir] += m->wirelen;
	f->payload_bytes[dir] += p.payload_len;
	if (p.ip_proto == 6 && p.has_l4) {
		f->tcp_flags[dir] |= p.tcp_flags;
		ots_flow_table_tcp_update(w->ft, f, dir, p.tcp_flags);
	}
	if (f->ndpi_state == OTS_NDPI_PENDING) {
		delta = ots_classify_packet(w->cls, f, &p, dir);
		if (delta)
			ots_flow_table_charge(w->ft, f, delta);
	}
	if (p.ip_proto == 6 && p.has_l4)
		feed_stream(w, f, &p, dir);
}

void
ots_worker_handle(struct ots_worker *w, const struct ots_msg *m)
{
	switch (m->type) {
	case OTS_MSG_PKT:
		handle_packet(w, m);
		break;
	case OTS_MSG_TICK:
		if (m->ts_us > w->now)
			w->now = m->ts_us;
		ots_flow_table_expire(w->ft, w->now, EXPIRE_BUDGET);
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
		if (!w->cls)
			w->cls = ots_classify_new(w->conf->ndpi_max_pkts); /* flow_end needs names */
		ots_flow_table_free(w->ft);
		w->ft = NULL;
	}
	ots_classify_free(w->cls);
	ots_defrag_free(w->defrag);
	ots_ring_destroy(&w->in);
	ots_ring_destroy(&w->out);
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
