/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.h: one worker's flow table shard (src/flow-table.c, src/flow-hash.c).
 *
 * Open addressing (linear probing, backward-shift deletion, no tombstones) over indices into a
 * flow pool whose size follows from the memcap. Flows sit on an LRU list ordered by last packet
 * time, so idle expiry walks only flows that are due, and memcap eviction takes the least
 * recently seen flow. Time is packet time only: replays expire flows exactly as live did.
 * Thread: owned by one worker; nothing is shared.
 */
#ifndef OTS_FLOW_H
#define OTS_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "ots/flow-t.h"
#include "ots/packet-t.h"

struct ots_flow_conf {
	uint64_t memcap;            /* bytes for flow records, index and extras (default 256 MiB) */
	uint64_t idle_tcp_us;       /* default 300 s */
	uint64_t idle_tcp_closed_us;/* after FIN both ways or RST (default 10 s) */
	uint64_t idle_udp_us;       /* default 60 s */
	uint64_t idle_other_us;     /* default 30 s */
	uint64_t active_us;         /* active timeout, 0 disables (default 1800 s) */
};

struct ots_flow_stats {
	uint64_t created;
	uint64_t ended_idle, ended_active, ended_closed, ended_evicted, ended_eof;
	uint64_t memcap_fail;       /* a new flow could not be admitted even after eviction */
	uint64_t active;            /* flows in the table now */
	uint64_t peak_active;
	uint64_t lookups, probes;   /* probes/lookups = mean probe length */
	uint64_t mem_used;          /* bytes charged now */
	uint64_t mem_peak;
};

/* Called for every flow that ends (reason in f->end_reason) just before its slot is reused.
 * The callback must release f->ndpi and f->stream (and uncharge what it charged). */
typedef void (*ots_flow_end_fn)(void *ctx, struct ots_flow *f);

struct ots_flow_table;

void ots_flow_conf_default(struct ots_flow_conf *c);

struct ots_flow_table *ots_flow_table_new(const struct ots_flow_conf *c, ots_flow_end_fn on_end,
                                          void *ctx);
/* Ends every flow with OTS_FLOW_END_EOF (calling on_end), then frees the table. */
void ots_flow_table_free(struct ots_flow_table *t);

/* Build the sorted key of a decoded IP packet; *dir_lo_to_hi = 1 when p's source is key.lo. */
void ots_flow_key_make(const struct ots_pkt *p, struct ots_flow_key *k, int *src_is_lo);
/* Hash of a key (both directions give the same value since the key is sorted). */
uint32_t ots_flow_key_hash(const struct ots_flow_key *k);

/* Values of *created from ots_flow_table_get(). */
enum ots_flow_created {
	OTS_FLOW_FOUND = 0, /* an existing flow */
	OTS_FLOW_NEW = 1,   /* a new flow: everything zero but key, hash, seq and times */
	OTS_FLOW_SPLIT = 2  /* continuation of a flow just ended by the active timeout: counters,
	                     * times, ndpi and stream start afresh, but init_is_lo, tcp_state,
	                     * vlan*, has_mac, mac and ndpi_state/master/app/category carry over */
};

/*
 * Find the flow of key at packet time now, or create it (then *created = OTS_FLOW_NEW,
 * counters zero, first_ts = last_ts = now). A found flow that is past its idle timeout
 * (now - last_ts >= timeout) is ended (IDLE, or CLOSED when its TCP state is closed) and
 * recreated; one past the active timeout (now - first_ts >= active_us) is ended
 * (TIMEOUT_ACTIVE) and continued (*created = OTS_FLOW_SPLIT), so results never depend on when
 * sweeps ran. Moves the flow to the LRU tail and sets last_ts = max(last_ts, now): flow times
 * are the flow's own packet times. Packet times going backwards (captures read one after
 * another) cost nothing but make expiry of the older flows late (see flow-table.c).
 * expire() must be given packet times too for the determinism above.
 * hash must be ots_flow_key_hash(k) (any function of the key works; tests force collisions).
 * Making room for a new flow first ends flows already past their idle timeout, then evicts
 * the least recently seen ones (EVICTED). Returns NULL when the memcap admits no new flow
 * even after that (counted in memcap_fail). Allocates only when the index grows.
 * on_end must not call back into the table, except ots_flow_table_charge() with delta < 0.
 */
struct ots_flow *ots_flow_table_get(struct ots_flow_table *t, const struct ots_flow_key *k,
                                    uint32_t hash, uint64_t now, int *created);

/*
 * Record TCP flags of a packet of f sent in direction dir (0: initiator -> responder) into
 * f->tcp_state (enum ots_tcp_state_bit) and move f to the closed-TCP timeout class once it is
 * closed. Call it after ots_flow_table_get() for the same packet. Changing f->tcp_state by
 * hand only takes effect for the timeout at the flow's next packet.
 */
void ots_flow_table_tcp_update(struct ots_flow_table *t, struct ots_flow *f, int dir,
                               uint8_t th_flags);

/* Idle timeout of f given its state (tcp closed, udp ...). */
uint64_t ots_flow_idle_timeout(const struct ots_flow_table *t, const struct ots_flow *f);

/* End flows idle at time now, at most budget of them (0 = no limit). Returns how many ended. */
uint32_t ots_flow_table_expire(struct ots_flow_table *t, uint64_t now, uint32_t budget);

/* End every flow with reason (EOF at the end of a capture). */
void ots_flow_table_flush(struct ots_flow_table *t, uint8_t reason);

/* Charge (delta > 0) or release (delta < 0) extra bytes a flow holds (nDPI state, stream
 * buffers) against the memcap. Charging past the cap evicts LRU flows other than keep. */
void ots_flow_table_charge(struct ots_flow_table *t, struct ots_flow *keep, int64_t delta);

const struct ots_flow_stats *ots_flow_table_stats(const struct ots_flow_table *t);

#endif
