/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * baseline.h: baseline learning and the alerts on what departs from it (src/baseline.c).
 *
 * Main thread, at each inventory checkpoint, after ots_inv_build. `--learn DURATION` records
 * what the network showed in its first DURATION of packet time: the baseline is everything
 * FIRST SEEN before T_end = T0 + DURATION (T0: the run's earliest packet time) -- device
 * assets, conduits, the (conduit, protocol, function code, op class) tuples, each asset's
 * firmware values -- and the role of each baseline asset as derived at the checkpoint that
 * completes learning. Times are packet times and first-seen times are minima over the
 * records, so the baseline depends only on the capture, not on the worker count.
 * `--baseline FILE` saves it (JSON Lines, format at the top of src/baseline.c) or, when FILE
 * exists, loads it instead of learning.
 *
 * After learning, five rules (ruleset "baseline") raise one alert per
 *   new-asset        (asset)                   a device asset not in the baseline
 *   new-conduit      (conduit)                 a conduit not in the baseline
 *   new-function     (conduit, function)       a function not in the baseline on a baseline
 *                                              conduit (a new conduit's functions are in its
 *                                              new-conduit alert)
 *   firmware-change  (asset, firmware value)   a firmware value of a baseline asset that had
 *                                              one, not among the baseline's values
 *   role-change      (asset, before, now)      a baseline asset whose role was known and is
 *                                              now another known role
 * in the alert record format of the zone checks (README "Alert records"), each written once
 * per run (alert ids are stable hashes of the rule and what it names) and in content order.
 */
#ifndef OTS_BASELINE_H
#define OTS_BASELINE_H

#include <stdio.h>

#include "ots/asset.h"
#include "ots/idset.h"
#include "ots/json.h"
#include "ots/zones.h"

#define OTS_BASELINE_SCHEMA_VERSION 1

enum ots_blrule {
	OTS_BL_NEW_ASSET = 0,
	OTS_BL_NEW_CONDUIT = 1,
	OTS_BL_NEW_FUNCTION = 2,
	OTS_BL_FIRMWARE_CHANGE = 3,
	OTS_BL_ROLE_CHANGE = 4,
	OTS_BL__COUNT
};

/* uint64 key -> uint32 value, open addressing (key 0 is never stored). */
struct ots_blmap {
	uint64_t *keys;
	uint32_t *vals;
	uint32_t nslots, n;
};

struct ots_bl_asset {
	char *id;                 /* "mac:..", "ip:.." */
	char **fw;                /* firmware values, sorted */
	uint32_t n_fw;
	uint8_t role;             /* enum ots_role; OTS_ROLE__COUNT: not captured yet */
};

struct ots_bl_fn {
	uint32_t code;
	uint16_t proto;           /* enum ots_proto_id */
	uint8_t op_class;
	char *name;
};

struct ots_bl_conduit {
	char *src, *dst, *proto;  /* asset ids, protocol name */
	uint16_t port;
	uint8_t transport;
	struct ots_bl_fn *fn;
	uint32_t n_fn, cap_fn;
};

struct ots_baseline {
	struct ots_bl_asset *assets;
	uint32_t n_assets, cap_assets;
	struct ots_blmap amap;        /* asset id hash -> index */
	struct ots_bl_conduit *conduits;
	uint32_t n_conduits, cap_conduits;
	struct ots_blmap cmap;        /* conduit key hash -> index */
	struct ots_blmap fnset;       /* function key hash -> conduit index */
	uint64_t t0, t_end;           /* learning window, packet time (us); t_end 0: unknown */
	uint64_t duration_us;         /* --learn; 0 when loaded */
	int active;                   /* learning (--learn) or loaded (--baseline FILE) */
	int loaded;                   /* from a file: nothing to learn */
	int complete;                 /* learning done: roles captured (or loaded) */
	int dirty;                    /* changed since the last save */
	struct ots_idset reported;    /* alert ids written this run */
	uint64_t alerts[OTS_BL__COUNT];
};

void ots_baseline_init(struct ots_baseline *b);
void ots_baseline_free(struct ots_baseline *b);

/* Learn DURATION (us) of packet time from t0 (the run's earliest packet): t0 may be given
 * later (0 now), before the first ots_baseline_update. */
void ots_baseline_learn(struct ots_baseline *b, uint64_t duration_us);
void ots_baseline_set_t0(struct ots_baseline *b, uint64_t t0);

/* Load FILE. Returns OTS_OK; OTS_EIO when it cannot be opened (err says why; errno kept:
 * ENOENT for a missing file); OTS_EINVAL with err "baseline FILE: line N: reason" for a
 * corrupt or truncated file; OTS_ENOMEM. On error b holds no baseline. */
int ots_baseline_load(struct ots_baseline *b, const char *path, char *err, size_t errlen);

/* Save to FILE atomically (FILE.tmp, fsync, rename). Clears dirty. Returns OTS_OK, OTS_EIO
 * or OTS_ENOMEM with err naming the path. */
int ots_baseline_save(struct ots_baseline *b, const char *path, char *err, size_t errlen);

/* Learn from a built inventory: add what was first seen before T_end and is not in the
 * baseline yet. now_ts is the packet time reached by the capture; when now_ts >= T_end or
 * final, learning completes (roles of the baseline assets are taken). Returns 1 when the
 * baseline changed (save it), 0 otherwise, OTS_ENOMEM. No-op for a loaded baseline. */
int ots_baseline_update(struct ots_baseline *b, const struct ots_inv *inv, uint64_t now_ts,
                        int final);

/* Alerts not written before, as JSON Lines, in content order (first_seen, rule, id).
 * z may be NULL (no zones: endpoints "unzoned"/"internet"); observer may be NULL.
 * Returns how many were written. */
uint64_t ots_baseline_write_alerts(struct ots_baseline *b, const struct ots_inv *inv,
                                   const struct ots_zones *z, const char *observer, FILE *f);

/* stats.json "baseline" object (key "baseline"). */
void ots_baseline_stats_json(const struct ots_baseline *b, struct ots_json *j);

const char *ots_blrule_id(enum ots_blrule r);

/* --learn DURATION: a whole number with ms, s, m, h or d (seconds without a unit), more
 * than 0 and at most 10 years. Returns OTS_OK or OTS_EINVAL. */
int ots_baseline_parse_duration(const char *s, uint64_t *us);

#endif
