/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * asset.h: the asset inventory and conduit map (src/asset.c, asset-out.c, asset-state.c).
 *
 * Owned by the main thread, which feeds it every flow record and every event it drains from
 * the workers (ots_inv_flow, ots_inv_event). ots_inv_build derives assets and conduits from
 * the observations; ots_inv_write writes assets.json, conduits.json, assets.csv, map.dot,
 * map.svg and report.html, and the change records (new asset, attribute change, role change,
 * IP/MAC binding change) to events.jsonl. Not thread-safe.
 *
 * Asset keys (documented in README "Asset keys"):
 *   mac:aa:bb:cc:dd:ee:ff   a device seen on the captured segment (its MAC sent the packets);
 *                           every IP it sends from directly is one of its addresses.
 *   ip:10.1.2.3[%vlanN]      a device known by IP only: behind a router (the packets carry the
 *                           router's MAC and a decremented TTL) or seen without MACs.
 *   group:...               broadcast and multicast destinations (not devices; conduits only).
 * A MAC is a router's (gateway) when two of its IPs arrive with decremented TTLs, or one with
 * an initial TTL and one with a decremented TTL, or it carries more than
 * OTS_INV_MAX_DEVICE_IPS addresses: its IPs then become ip: assets, except those that arrive
 * with an initial TTL (the router's own).
 */
#ifndef OTS_ASSET_H
#define OTS_ASSET_H

#include <stdio.h>

#include "ots/asset-t.h"
#include "ots/output.h"

#define OTS_INV_SCHEMA_VERSION 1
#define OTS_INV_MAX_DEVICE_IPS 8

struct ots_oui;
struct ots_geoip;

struct ots_inv {
	struct ots_strpool sp;
	struct ots_node *nodes;
	uint32_t n_nodes, cap_nodes;
	struct ots_u32idx node_idx;
	struct ots_oconduit *oc;
	uint32_t n_oc, cap_oc;
	struct ots_u32idx oc_idx;
	/* derived */
	struct ots_asset *assets;
	uint32_t n_assets, cap_assets;
	struct ots_conduit *conduits;
	uint32_t n_conduits, cap_conduits;
	struct ots_node_fact **afacts;  /* facts of every asset attribute, grouped */
	uint32_t n_afacts, cap_afacts;
	uint32_t *asset_order;          /* device assets sorted by id (output order) */
	uint32_t n_order;
	uint32_t *conduit_order;        /* conduits sorted by key (output order) */
	/* change tracking: hashes of what was already reported (survives in --state) */
	uint64_t *reported;             /* append-only; 0 = withdrawn */
	uint32_t n_reported, cap_reported;
	struct ots_u32idx rep_idx;      /* hash index over reported (src/asset-out.c) */
	/* enrichment (borrowed, may be NULL) */
	const struct ots_oui *oui;
	const struct ots_geoip *geo;
	/* counters */
	uint64_t records, events, facts_dropped, nodes_refused, conduits_refused;
	uint64_t memcap;                /* bytes of observations (0: no limit); past it, new
	                                 * endpoints and conduits are refused and counted */
	uint64_t ics_bytes;             /* ICS tallies of observed conduits */
	uint64_t changes_total;
	uint32_t last_flow_nodes[2];    /* ots_inv_flow: initiator and responder nodes of the last
	                                 * record, as oriented (UINT32_MAX when none) */
	/* change records (ots_inv_changes) as they are made: kind enum ots_change_kind, the
	 * asset, the node concerned (UINT32_MAX for the asset as a whole), time */
	void (*on_change)(void *ctx, int kind, uint32_t asset, uint32_t node, uint64_t ts);
	void *on_change_ctx;
	double checkpoint_s;      /* wall time of the last checkpoint (build, files, state) */
	int built;
};

void ots_inv_init(struct ots_inv *inv);
void ots_inv_free(struct ots_inv *inv);

/* Feed one flow record (ics NULL when the flow had no dissector). */
void ots_inv_flow(struct ots_inv *inv, const struct ots_flow_rec *r,
                  const struct ots_ics_counts *ics);
/* Feed one event: identity facts become node attributes; layer-2 operations (no flow record)
 * become conduit observations. */
void ots_inv_event(struct ots_inv *inv, const struct ots_event_rec *e);

/* The node of endpoint d (0 initiator, 1 responder) of an event's flow (created when new;
 * UINT32_MAX when refused or absent). */
uint32_t ots_inv_event_node(struct ots_inv *inv, const struct ots_event_rec *e, int d);
/* Index of the observed conduit (init, resp, protocol, transport, port), UINT32_MAX none. */
uint32_t ots_inv_oconduit_find(struct ots_inv *inv, uint32_t init, uint32_t resp, uint16_t proto_id,
                               uint8_t transport, uint16_t port);
/* Derive assets and conduits from the observations. Returns OTS_OK or OTS_ENOMEM. */
int ots_inv_build(struct ots_inv *inv);

/* Change records not reported yet (needs a build): written as JSON Lines to f (events.jsonl)
 * and remembered as reported. Returns the number written. */
uint64_t ots_inv_changes(struct ots_inv *inv, FILE *f);

/* What the zone checks add to the pictures (all optional, arrays indexed like inv->assets and
 * inv->conduits). */
struct ots_render_alert;
struct ots_inv_overlay {
	const char *const *asset_group;   /* zone name per asset; NULL keeps its subnet */
	const uint8_t *conduit_alert;     /* 1: an alert concerns the conduit (drawn red) */
	const struct ots_render_alert *alerts;
	size_t n_alerts;
};

/* Write the inventory files into dir (needs a build). title names the capture(s) in the
 * report; ov may be NULL. Returns OTS_OK or an error with err set; a missing Graphviz is only
 * a warning. */
int ots_inv_write(struct ots_inv *inv, const char *dir, const char *title,
                  const struct ots_inv_overlay *ov, char *err, size_t errlen);

/* JSON documents (for files and tests). */
void ots_inv_assets_json(struct ots_inv *inv, struct ots_json *j);
void ots_inv_conduits_json(struct ots_inv *inv, struct ots_json *j);
/* Each asset (kind 0, key its id) and each conduit (kind 1, key its id) as one JSON object
 * (no newline), in output order: the objects of assets.json and conduits.json. json is valid
 * only during the call. After ots_inv_build. Main thread. */
typedef void (*ots_inv_each_fn)(void *ctx, int kind, const char *id, const char *json, size_t len);
void ots_inv_each_json(struct ots_inv *inv, ots_inv_each_fn fn, void *ctx);
int ots_inv_assets_csv(struct ots_inv *inv, FILE *f);

/* --state FILE, JSON Lines (format at the top of src/asset-state.c): a header with counts,
 * one line per node and per observed conduit, the reported hashes, an end record.
 * Load at start (a missing file is fine: first run), one line at a time: memory is the
 * inventory plus a few times the longest line (lines above 1 MiB are refused). A corrupt or
 * truncated file is renamed to FILE.corrupt-<unix time>, err names the file and line
 * ("state FILE: line 1234: conduit 57: bad key: unusable, moved to ..."), and the inventory
 * is left as it was (return OTS_EINVAL so the caller warns). Save streams the lines into
 * FILE.tmp, fsyncs it and renames it over FILE (nothing is built in memory); on error the temp
 * file is removed, FILE is kept and err names the path (OTS_EIO or OTS_ENOMEM). */
int ots_inv_state_load(struct ots_inv *inv, const char *path, char *err, size_t errlen);
int ots_inv_state_save(struct ots_inv *inv, const char *path, char *err, size_t errlen);

const char *ots_role_name(enum ots_role r);
/* "tcp", "udp", "ether" ... for a conduit transport (buf for unnamed IP protocols). */
const char *ots_inv_transport_name(uint8_t t, char *buf, size_t len);
/* Bytes the inventory holds (observations, derived assets and conduits, strings, indexes). */
uint64_t ots_inv_mem(const struct ots_inv *inv);
/* Asset id (strpool string) of a built asset. */
const char *ots_inv_str(const struct ots_inv *inv, uint32_t id);
/* 1 when the TTL / hop limit is a common initial value (the sender is on this segment). */
int ots_ttl_is_initial(uint8_t ttl);

/* Internal, for asset-state.c: intern a string, get/create observations. */
uint32_t ots_inv_intern(struct ots_inv *inv, const char *s, size_t n);
uint32_t ots_inv_node(struct ots_inv *inv, const struct ots_node_key *k);
struct ots_oconduit *ots_inv_oconduit(struct ots_inv *inv, const struct ots_oconduit_key *k);
struct ots_conduit_ics *ots_inv_oconduit_ics(struct ots_oconduit *c, uint16_t proto);
int ots_inv_ics_add_fn(struct ots_conduit_ics *ci, uint32_t code, uint32_t name, uint8_t op_class,
                       uint64_t req, uint64_t resp, uint64_t exc, uint64_t first_ts);
int ots_inv_node_add_fact(struct ots_inv *inv, uint32_t node, const struct ots_node_fact *f);

#endif
