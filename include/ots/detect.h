/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * detect.h: what the rules matched, turned into alerts (src/detect.c). Main thread.
 *
 * The workers match each operation and flag against the rule set (ots_rules_match) and send
 * a hit record (OTS_EV_HIT) through their event ring; flow records (`on flow`) and inventory
 * change records (`on asset`) are matched here. Hits are placed on inventory nodes when they
 * arrive; at each checkpoint, after ots_inv_build, zone and role conditions are applied and
 * the hits become alerts:
 *   - a rule without threshold: one alert per (rule, source asset, destination asset,
 *     protocol), first/last seen and a count of matches; every update is commutative, so the
 *     result does not depend on the order hits arrive in (hence not on -w);
 *   - a rule with threshold: its hits are kept, sorted by (time, flow, order in the flow) and
 *     run through a sliding window per group; one alert per (rule, group) from the moment the
 *     threshold is reached.
 * Alerts are written once to alerts.jsonl (the zone checks' format; rule.ruleset
 * "otsensor-rules"), in content order.
 */
#ifndef OTS_DETECT_H
#define OTS_DETECT_H

#include <stdio.h>

#include "ots/asset.h"
#include "ots/idset.h"
#include "ots/rules.h"
#include "ots/zones.h"

struct ots_detect_stats {
	uint64_t hits;                /* matches received (op, flag, flow, asset) */
	uint64_t hits_dropped;        /* past the memory cap, or no node for the endpoint */
	uint64_t suppressed;          /* dropped by zone/role conditions or suppress lines */
	uint64_t alerts_written;
	uint64_t pending;             /* threshold hits waiting for a checkpoint */
};

struct det_bucket;
struct det_thit;
struct det_group;
struct det_alert;

struct ots_detect {
	const struct ots_rules *rules;    /* current set (borrowed; sets live until exit) */
	struct det_bucket *b;             /* rules without threshold: per (rule, nodes, proto) */
	uint32_t n_b, cap_b;
	struct ots_u32idx b_idx;
	struct det_thit *th;              /* threshold hits since the last checkpoint */
	size_t n_th, cap_th;
	struct det_group *g;              /* threshold groups (persist across checkpoints) */
	uint32_t n_g, cap_g;
	struct ots_u32idx g_idx;
	struct det_alert *a;              /* alerts (rebuilt from buckets; threshold ones kept) */
	uint32_t n_a, cap_a;
	struct ots_idset reported;        /* alert ids written */
	uint64_t memcap;                  /* bytes for buckets and pending hits (0: none) */
	uint64_t alerts_by_sev[4];
	struct ots_detect_stats st;
	/* during a checkpoint */
	uint64_t *nh;                     /* asset id hash per node (0: not computed yet) */
	uint32_t n_nh;
	struct ots_inv *inv;
	const struct ots_zones *zones;
};

void ots_detect_init(struct ots_detect *d, const struct ots_rules *rs);
void ots_detect_free(struct ots_detect *d);

/* A hit record from a worker (e->kind OTS_EV_HIT): placed on the inventory's nodes. */
void ots_detect_hit(struct ots_detect *d, struct ots_inv *inv, const struct ots_event_rec *e);
/* A flow record, after ots_inv_flow() took it: `on flow` rules. */
void ots_detect_flow(struct ots_detect *d, struct ots_inv *inv, const struct ots_flow_rec *r);
/* Hook for inv->on_change (ctx: the struct ots_detect): `on asset` rules. Set it before
 * ots_inv_changes(), with d->inv and d->zones set (ots_detect_prepare). */
void ots_detect_on_change(void *ctx, int kind, uint32_t asset, uint32_t node, uint64_t ts);
void ots_detect_prepare(struct ots_detect *d, struct ots_inv *inv, const struct ots_zones *z);

/* At a checkpoint, after ots_inv_build and ots_inv_changes: evaluate and write the alerts not
 * written before to f (may be NULL). Returns how many were written. */
uint64_t ots_detect_checkpoint(struct ots_detect *d, struct ots_inv *inv,
                               const struct ots_zones *z, const char *observer, FILE *f);

#endif
