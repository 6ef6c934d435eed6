/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone-policy.h: IEC 62443 zone and conduit checks over the conduit map (src/zone-policy.c).
 *
 * Main thread, at each inventory checkpoint, after ots_inv_build: every observed conduit
 * (initiator endpoint -> responder endpoint, transport, port, protocol, operations requested)
 * is placed in its zones (struct ots_zones, src/zones.c) and checked against the declared
 * conduits and defaults. Findings are aggregated per (rule, inventory conduit, zone pair):
 * one alert with first/last time and a count of flows, never one per packet. Evaluation starts
 * from scratch each time, so it depends only on the observations (deterministic) and a
 * reloaded zones file applies to everything seen so far.
 */
#ifndef OTS_ZONE_POLICY_H
#define OTS_ZONE_POLICY_H

#include <stdio.h>

#include "ots/asset.h"
#include "ots/idset.h"
#include "ots/json.h"
#include "ots/zones.h"

/* Rule ids: stable, they reach SIEM rules (README "Zone checks"). */
enum ots_zrule {
	OTS_ZR_NO_CONDUIT = 0,        /* zone-no-conduit */
	OTS_ZR_WRONG_DIRECTION = 1,   /* zone-wrong-direction */
	OTS_ZR_PROTOCOL_DENIED = 2,   /* zone-protocol-denied */
	OTS_ZR_OPERATION_DENIED = 3,  /* zone-operation-denied */
	OTS_ZR_UNKNOWN_HOST = 4,      /* zone-unknown-host */
	OTS_ZR_INTERNET = 5,          /* zone-internet */
	OTS_ZR_CLEARTEXT_ENG = 6,     /* sl-cleartext-engineering */
	OTS_ZR_INSECURE_PROTO = 7,    /* sl-insecure-protocol */
	OTS_ZR__COUNT
};

struct ots_alert {
	uint8_t rule;                 /* enum ots_zrule */
	int16_t zsrc, zdst;           /* zone indexes, -1 none */
	int32_t zconduit;             /* declared conduit that was checked, -1 none */
	uint32_t conduit;             /* inventory conduit index */
	uint32_t src_node, dst_node;  /* smallest contributing node pair (shown addresses) */
	uint32_t ops;                 /* op classes concerned (bit per enum ots_op_class) */
	uint32_t flags;               /* ics flags concerned (bit per enum ots_ics_flag) */
	uint32_t fn[4];               /* function codes concerned (the four smallest, sorted) */
	uint8_t n_fn;
	uint64_t first_ts, last_ts, count; /* count: flows */
	uint64_t id;                  /* stable hash: rule, conduit id, zones */
};

struct ots_policy {
	struct ots_alert *v;
	uint32_t n, cap;
	struct ots_u32idx idx;        /* (rule, conduit, zsrc, zdst) -> alert */
	int16_t *asset_zone;          /* zone of each inventory asset (first matching IP), -1 */
	uint32_t n_asset_zone;
	struct ots_idset reported;    /* alert ids already written to alerts.jsonl */
	uint64_t alerts_written;
};

void ots_policy_init(struct ots_policy *p);
void ots_policy_free(struct ots_policy *p);

/* Check every observed conduit of a built inventory against z. Returns OTS_OK or
 * OTS_ENOMEM. */
int ots_policy_eval(struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv);

/* Alerts not written before, as JSON Lines (alerts.jsonl), in content order. Returns how many
 * were written. observer may be NULL (no observer.name). */
uint64_t ots_policy_write_alerts(struct ots_policy *p, const struct ots_zones *z,
                                 const struct ots_inv *inv, const char *observer, FILE *f);

/* One alert as a JSON object (no newline). */
void ots_alert_json(const struct ots_policy *p, const struct ots_zones *z,
                    const struct ots_inv *inv, const struct ots_alert *a, const char *observer,
                    struct ots_json *j);

/* zones.json: per zone its SL-T, assets, conduits in and out, findings by FR, SL-A estimate. */
void ots_policy_zones_json(const struct ots_policy *p, const struct ots_zones *z,
                           const struct ots_inv *inv, struct ots_json *j);

/* A starter zones file from what was observed (--suggest-zones): one zone per subnet/VLAN
 * group, one conduit per zone pair with the protocols, ports and operations seen. */
int ots_policy_suggest(const struct ots_inv *inv, FILE *f);

/* Zone names for the map's boxes, red conduits and the report's alert table, for
 * ots_inv_write. *storage holds the arrays: free it with ots_policy_overlay_free after the
 * write. Returns OTS_OK or OTS_ENOMEM. */
int ots_policy_overlay(const struct ots_policy *p, const struct ots_zones *z,
                       const struct ots_inv *inv, struct ots_inv_overlay *ov, void **storage);
void ots_policy_overlay_free(void *storage);

const char *ots_zrule_id(enum ots_zrule r);

/* Shared with the other alert writers (src/detect.c, src/baseline.c), so every alert record
 * has one shape. The zone of a node (-1 none; z may be NULL). An endpoint object under key:
 * ip, mac (device assets), port (port >= 0), asset, vlan, zone name ("unzoned", "internet"
 * when zi < 0), geo of public peers; z may be NULL when zi < 0. A zone reference
 * {name, sl_t} or null. */
int ots_node_zone(const struct ots_zones *z, const struct ots_node *n);
void ots_alert_endpoint_json(const struct ots_zones *z, const struct ots_inv *inv, uint32_t node,
                             int zi, int port, struct ots_json *j, const char *key);
void ots_alert_zone_json(const struct ots_zones *z, int zi, struct ots_json *j, const char *key);
/* The head every alert record starts with: opens the object and writes schema_version,
 * record, @timestamp (first seen), alert_id, event {kind, category, severity}, rule {id,
 * name, ruleset}, message (when not NULL) and observer.name (when not NULL). The caller
 * writes the rest and closes the object. */
struct ots_alert_head {
	uint64_t first_ts, id;
	const char *category;          /* "network", "intrusion_detection" */
	unsigned severity;             /* 1-100 */
	const char *rule_id, *rule_name, *ruleset;
	const char *message, *observer;
};
void ots_alert_head_json(struct ots_json *j, const struct ots_alert_head *h);

#endif
