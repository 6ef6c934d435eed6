/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l2-state.h: per-worker state of layer-2 streams (src/l2-state.c), for the dissectors of an
 * EtherType that declare state_size > 0 (GOOSE keeps its stNum/sqNum per control block).
 *
 * Layer-2 frames have no flow: a stream is (source MAC, destination MAC, EtherType, outer
 * VLAN). The reader shards non-IP Ethernet frames by the MAC pair and outer VLAN
 * (decode.c hash_ether), so every frame of a stream reaches the same worker whatever -w.
 * The table is bounded: at most max_entries streams, the least recently seen one reused
 * when full (an eviction, counted); a stream idle for longer than idle_us of packet time
 * starts again with zeroed state (an expiry, counted). Thread: one worker. Memory: allocated
 * once by ots_l2_table_new() (max_entries * (48 + state_size rounded to 8) bytes plus the
 * buckets), outside the flow memcap.
 */
#ifndef OTS_L2_STATE_H
#define OTS_L2_STATE_H

#include <stddef.h>
#include <stdint.h>

#define OTS_L2_MAX_ENTRIES 4096
#define OTS_L2_IDLE_US (120ull * 1000000ull) /* twice the longest GOOSE heartbeat in use */

struct ots_l2_key {
	uint8_t src[6], dst[6];
	uint16_t ethertype;
	uint16_t vlan;           /* outer VLAN id, 0 when untagged */
};

struct ots_l2_stats {
	uint64_t created;        /* streams that got a state block (new or reused slot) */
	uint64_t expired;        /* idle streams restarted or whose slot was taken */
	uint64_t evicted;        /* live streams whose slot was taken because the table was full */
	uint64_t peak;           /* most streams held at once */
};

struct ots_l2_table;

/* A table of at most max_entries (>= 1) streams with state_size bytes each (> 0). NULL when
 * out of memory. */
struct ots_l2_table *ots_l2_table_new(uint32_t max_entries, uint64_t idle_us, size_t state_size);
void ots_l2_table_free(struct ots_l2_table *t);

/* The state block of stream k at packet time ts_us: zeroed when the stream is new or was idle
 * longer than idle_us, 8-aligned, valid until the next call. NULL only when t is NULL. */
void *ots_l2_table_get(struct ots_l2_table *t, const struct ots_l2_key *k, uint64_t ts_us);

/* Streams held now. */
uint32_t ots_l2_table_count(const struct ots_l2_table *t);
const struct ots_l2_stats *ots_l2_table_stats(const struct ots_l2_table *t);

#endif
