/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * worker.h: one packet worker (src/worker.c).
 *
 * A worker owns everything its packets touch: its input ring (filled by the reader thread),
 * decode context and IPv4 reassembly, flow table shard, nDPI module, TCP streams, counters and
 * an event ring of ended-flow records drained by the main thread. Nothing is shared with other
 * workers; counters are read by the main thread after the worker has finished, or while it
 * runs through ots_worker_stats_snapshot() (a copy the worker publishes under a lock at each
 * TICK: the live stats records of --stats-interval).
 */
#ifndef OTS_WORKER_H
#define OTS_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ots/app.h"
#include "ots/classify.h"
#include "ots/conf-t.h"
#include "ots/decode.h"
#include "ots/flow.h"
#include "ots/l2-state.h"
#include "ots/ring.h"
#include "ots/rules.h"

enum ots_msg_type { OTS_MSG_PKT = 1, OTS_MSG_TICK = 2, OTS_MSG_EOF = 3 };

/* A record of the input ring: header then caplen bytes of packet. */
struct ots_msg {
	uint64_t ts_us;
	uint32_t caplen, wirelen;
	uint16_t type, linktype;
	uint32_t reserved;
	uint8_t data[];
};

struct ots_worker_stats {
	uint64_t packets, bytes;
	uint64_t ip_packets, non_ip, frag_held;
	uint64_t no_flow;           /* packets of flows the memcap refused */
	uint64_t stream_bytes;      /* TCP bytes delivered in order */
	uint64_t tcp_gaps, tcp_gap_bytes, stream_nomem;
	uint64_t out_waits;         /* times the event ring was full (main thread too slow) */
	uint64_t flows_out;
	uint64_t events_out;
	uint64_t ops[OTS_OP__COUNT];  /* ICS operations seen, per class (logged or not) */
	uint64_t facts_dup;           /* identity facts already reported on their flow */
	uint64_t rule_hits;           /* rule matches sent to the main thread */
	uint64_t arp_bindings;        /* ARP sender bindings sent to the inventory */
	struct ots_app_counters app;
	double cpu_s;               /* thread CPU time (user + system) at the end */
	struct ots_decode_stats dec;
	struct ots_flow_stats flow;
	struct ots_classify_stats cls;
	struct ots_l2_stats l2;     /* layer-2 stream state (GOOSE) */
};

struct ots_worker {
	unsigned id;
	const struct ots_conf *conf;
	pthread_t thread;
	int started;
	struct ots_ring in;         /* reader -> worker */
	struct ots_ring out;        /* worker -> main: struct ots_flow_rec */
	_Atomic int done;           /* set after the EOF message was handled */
	_Atomic int init_failed;    /* the thread could not build its nDPI module */
	uint64_t now;               /* packet time */
	struct ots_decode_ctx dctx;
	struct ots_defrag *defrag;
	struct ots_flow_table *ft;
	struct ots_l2_table *l2;    /* layer-2 stream state; NULL when no dissector needs it */
	struct ots_classify *cls;
	struct ots_stream_cb scb;
	_Atomic int discard;              /* drop records instead of emitting (teardown) */
	struct ots_flow *cur;       /* flow whose stream is being fed (stream callbacks) */
	uint64_t cur_ts;            /* its packet time */
	int cur_dir;                /* direction of the PDU being parsed */
	uint32_t ev_seq;            /* event order (ties at equal time within a flow) */
	struct ots_dissect_out dout;
	/* rules: the main thread publishes a set in *rules_slot (NULL: none); the worker takes
	 * it at each input message, so a swap applies between two packets, never within one */
	_Atomic(const struct ots_rules *) *rules_slot;
	const struct ots_rules *rules;
	struct ots_worker_stats st;
	/* st as of the last TICK, for readers while the worker runs (live stats records) */
	pthread_mutex_t pub_lock;
	int pub_ok;                 /* pub_lock initialised */
	struct ots_worker_stats pub;
};

/* Allocate rings and per-worker state. err gets a reason on failure. */
int ots_worker_init(struct ots_worker *w, unsigned id, const struct ots_conf *conf, char *err,
                    size_t errlen);
int ots_worker_start(struct ots_worker *w);
void ots_worker_join(struct ots_worker *w);
void ots_worker_destroy(struct ots_worker *w);

/* Queue an EOF message (caller must be the ring's only producer). */
void ots_worker_send_eof(struct ots_worker *w);

/* Process one input message synchronously (the thread loop uses it; so do tests). */
void ots_worker_handle(struct ots_worker *w, const struct ots_msg *m);

/* Snapshot of counters into w->st (called by the worker itself at each TICK and the end). */
void ots_worker_collect(struct ots_worker *w);

/*
 * The worker's counters as of its last TICK (once a second of packet time), copied under a
 * lock: what another thread may read while the worker runs. After the worker is joined,
 * read w->st directly.
 */
void ots_worker_stats_snapshot(struct ots_worker *w, struct ots_worker_stats *out);

#endif
