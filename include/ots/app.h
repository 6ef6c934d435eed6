/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * app.h: the engine side of the dissectors (src/app.c): which dissector a flow gets, PDU
 * framing over the reassembled TCP streams, datagrams to parse(), per-flow state.
 *
 * Choice by content: the first payloads of a flow (up to OTS_APP_MAX_PROBES) go to every
 * dissector of that transport; the highest confidence at or above OTS_PROBE_MAYBE wins, a
 * matching well-known port adds a little (a hint, never a gate). A flow no dissector claims
 * costs nothing more after that.
 * Framing: each direction keeps at most one partial PDU (grown as needed, never beyond the
 * dissector's max_pdu); whole PDUs inside a segment are parsed in place, without a copy.
 * A framing error (pdu_len < 0 or beyond max_pdu) drops the buffered bytes, counts the flow as
 * desynchronised and retries at the next segment; after OTS_APP_MAX_DESYNC in a row the flow
 * is given up.
 * Thread: one worker. Memory: every function returns the heap bytes it allocated (> 0) or
 * freed (< 0) so the caller charges the flow memcap.
 */
#ifndef OTS_APP_H
#define OTS_APP_H

#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/flow-t.h"

#define OTS_APP_MAX_PROBES 6
#define OTS_APP_MAX_DESYNC 8

enum ots_app_verdict { OTS_APP_PROBING = 0, OTS_APP_CHOSEN = 1, OTS_APP_NONE = 2 };

struct ots_app_stats {
	uint64_t flows;          /* flows a dissector took */
	uint64_t pdus;           /* PDUs / datagrams parsed */
	uint64_t malformed;      /* parse() said OTS_EINVAL / OTS_ETRUNC */
	uint64_t desync;         /* framing errors */
	uint64_t given_up;       /* flows dropped after too many framing errors */
};

/* Per-protocol counters of one worker, indexed by enum ots_proto_id. */
#define OTS_APP_PROTO_MAX 32
struct ots_app_counters {
	struct ots_app_stats proto[OTS_APP_PROTO_MAX];
	uint64_t alloc_fail;
};

/* In-order TCP bytes of flow f, direction dir (0: initiator -> responder). */
long ots_app_tcp(struct ots_flow *f, int dir, const uint8_t *data, size_t len,
                 const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
                 struct ots_app_counters *c);
/* A gap in direction dir of a TCP flow. */
void ots_app_tcp_gap(struct ots_flow *f, int dir);
/* One UDP payload. */
long ots_app_udp(struct ots_flow *f, int dir, const uint8_t *data, size_t len,
                 const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
                 struct ots_app_counters *c);
/* Tally one operation of flow f (its function and op class); a function's first use is taken
 * as f->last_ts, the current packet's time (the flow table sets it before dissection). */
void ots_app_count(struct ots_flow *f, const struct ots_ics_op *op);
/* Move flow f's tallies to *out and start again (a record per active-timeout split). */
void ots_app_counts_take(struct ots_flow *f, struct ots_ics_counts *out);

/* Layer 2: the dissector of an EtherType (CDP: its SNAP PID 0x2000), NULL when none. A
 * frame has no flow: ots_app_ether() parses it with the state block of its layer-2 stream
 * (l2-state.h) when the dissector declares state_size > 0 (state may be NULL: the dissector
 * then parses without memory); dissectors see pkt->dir 0 and ports 0. */
const struct ots_dissector *ots_app_ether_dissector(uint16_t ethertype);
void ots_app_ether(const struct ots_dissector *d, void *state, const uint8_t *data, size_t len,
                   const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
                   struct ots_app_counters *c);
/* The largest state_size of the layer-2 dissectors (0: the worker needs no layer-2 table). */
size_t ots_app_ether_state_max(void);
/* The flow ends: the dissector's fini() (once; ots_app_end() calls it when not done). */
void ots_app_fini(struct ots_flow *f, const struct ots_dissect_out *out);
/* The flow ends: fini() and free. Returns the bytes freed (<= 0). */
long ots_app_end(struct ots_flow *f, const struct ots_dissect_out *out);

/* 1 when the same identity fact (hash h of attribute and value) was already reported on this
 * flow recently; otherwise remembers it and returns 0. A PLC polled for its identity every
 * second gives one identity record, not one a second. */
int ots_app_fact_seen(struct ots_flow *f, uint32_t h);

/* Give flow f to dissector d (state zeroed). Returns the bytes allocated, 0 on failure (the
 * flow is then marked OTS_APP_NONE). choose() uses it; so do tests. */
long ots_app_attach(struct ots_flow *f, const struct ots_dissector *d);
/* Packets nDPI still sees of a flow a dissector took (ots_dissector.ndpi_after_claim). */
unsigned ots_app_ndpi_after_claim(const struct ots_flow *f);

/* Pick a dissector for a payload (exposed for tests). NULL when none is confident. */
const struct ots_dissector *ots_app_choose(uint8_t transport, const uint8_t *data, size_t len,
                                           const struct ots_dissect_pkt *pkt);

#endif
