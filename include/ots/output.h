/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * output.h: result records and the file sink (src/output-file.c).
 *
 * Workers turn every ended flow into a struct ots_flow_rec (plain data, no pointers) and pass
 * it through their event ring; the main thread owns the sink. In --deterministic mode the sink
 * keeps every record and writes flows.jsonl sorted at the end, so the file depends only on the
 * capture, never on the worker count or thread timing.
 */
#ifndef OTS_OUTPUT_H
#define OTS_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "ots/conf-t.h"
#include "ots/flow-t.h"
#include "ots/ics-t.h"
#include "ots/json.h"

#define OTS_SCHEMA_VERSION 1

/* Records on a worker's event ring start with their type. */
enum ots_rec_type { OTS_REC_FLOW = 1, OTS_REC_EVENT = 2 };

struct ots_flow_rec {
	uint32_t rtype;           /* OTS_REC_FLOW */
	uint16_t app_proto;       /* enum ots_proto_id of the flow's dissector, 0 none */
	uint8_t ttl[2];           /* first TTL / hop limit each way (struct ots_flow.ttl) */
	struct ots_flow_key key;
	uint64_t first_ts, last_ts;
	uint64_t pkts[2], bytes[2], payload_bytes[2]; /* [0] initiator -> responder */
	uint64_t tcp_gaps, tcp_gap_bytes;
	uint16_t vlan[OTS_MAX_VLANS];
	uint16_t ndpi_master, ndpi_app;
	uint8_t mac[2][6];
	uint8_t init_is_lo;
	uint8_t end_reason;
	uint8_t ndpi_state;
	uint8_t vlan_count;
	uint8_t has_mac;          /* bit 0: mac[0] known, bit 1: mac[1] known */
	uint8_t tcp_flags[2];     /* union of TCP flags seen per direction */
	uint8_t ics_flags;        /* bit (1u << enum ots_ics_flag) per flag raised in the flow */
	char proto[48];           /* nDPI name, "Modbus", "TLS.Google" ... */
	char category[32];
	uint32_t ics_idx;         /* output side: index of the kept ICS tallies, or UINT32_MAX */
};

/* What crosses the ring for a flow: the record, then its ICS tallies when the flow had a
 * dissector (a flow without one sends only the record). */
struct ots_flow_msg {
	struct ots_flow_rec r;
	struct ots_ics_counts ics;
};

/* OTS_EV_HIT: a rule matched an operation (op set) or a flag (flag, what set); rule says which
 * (src/rules.c; the set outlives every record). Consumed by src/detect.c, not written. */
/* OTS_EV_ARP: the IPv4 address (key.lo, ip_version 4) and MAC (mac[0]) an ARP sender
 * announces; consumed by the inventory (an address claimed by a second MAC is an
 * ip_mac_change), not written. */
enum ots_event_kind { OTS_EV_OP = 0, OTS_EV_FACT = 1, OTS_EV_FLAG = 2, OTS_EV_HIT = 3,
	              OTS_EV_ARP = 4 };

struct ots_rule;

/* One line of events.jsonl: an ICS operation, an identity fact or a security flag, with the
 * flow it belongs to. Plain data (strings copied) so it can cross the event ring. */
struct ots_event_rec {
	uint32_t rtype;           /* OTS_REC_EVENT */
	uint8_t kind;             /* enum ots_event_kind */
	uint8_t dir;              /* direction of the PDU in the flow (0: initiator sent it) */
	uint16_t proto;           /* enum ots_proto_id */
	struct ots_flow_key key;
	uint64_t ts;              /* packet time */
	uint64_t flow_first_ts;   /* with key: the flow_id */
	uint32_t seq;             /* order within the flow */
	uint8_t init_is_lo;
	uint8_t has_mac;
	uint8_t vlan_count;
	uint8_t pad;
	uint16_t vlan[OTS_MAX_VLANS];
	uint8_t mac[2][6];        /* [0] initiator's, [1] responder's (flow order) */
	struct ots_ics_op op;     /* OTS_EV_OP; op.function_name points at static storage */
	uint8_t attr, side, confidence, flag; /* OTS_EV_FACT / OTS_EV_FLAG */
	uint16_t value_len;       /* bytes in value (cut at sizeof(value)) */
	uint8_t value_cut;        /* 1: the value was longer */
	const char *what;         /* OTS_EV_FLAG, OTS_EV_HIT: static reason */
	const struct ots_rule *rule; /* OTS_EV_HIT */
	char source[32];
	char value[256];          /* last: ops and flags cross the ring without it */
};

/* Per-protocol totals for the human summary. */
struct ots_proto_total {
	char name[48];
	uint64_t flows, pkts, bytes;
};

struct ots_output {
	const struct ots_conf *conf;
	FILE *flows;              /* flows.jsonl, NULL without -o */
	char *flows_path;
	FILE *events;             /* events.jsonl, NULL without -o */
	char *events_path;
	struct ots_ics_counts *ikeep; /* deterministic: tallies of kept ICS flows (ics_idx) */
	size_t n_ikeep, cap_ikeep;
	struct ots_event_rec *ekeep; /* deterministic: events to sort */
	size_t n_ekeep, cap_ekeep;
	uint64_t events_total;
	uint64_t *fact_seen;      /* identity facts already written (hash set, open addressing) */
	size_t n_fact_seen, cap_fact_seen;
	uint64_t facts_repeated;  /* identity records not written: same asset, attribute, value */
	struct ots_json j;
	struct ots_flow_rec *keep; /* deterministic: records to sort */
	size_t n_keep, cap_keep;
	struct ots_proto_total *protos;
	size_t n_protos, cap_protos;
	uint64_t flows_total, write_errors;
};

/* Create -o DIR if needed and open its files. err gets a one-line reason on failure. */
int ots_output_open(struct ots_output *o, const struct ots_conf *conf, char *err, size_t errlen);
void ots_output_flow(struct ots_output *o, const struct ots_flow_rec *r,
                     const struct ots_ics_counts *ics);
void ots_output_event(struct ots_output *o, const struct ots_event_rec *e);
/* One event as a JSON object (no newline): the events.jsonl format. */
void ots_event_rec_json(struct ots_json *j, const struct ots_event_rec *e);
/* Stable flow id from the key and the first packet time (same as ots_flow_rec_id). */
uint64_t ots_flow_id(const struct ots_flow_key *k, uint64_t first_ts);
/* Sort and write kept records; flush and close flows.jsonl. Returns OTS_OK or OTS_EIO. */
int ots_output_finish(struct ots_output *o, char *err, size_t errlen);
/* Write out what the buffers hold (live capture, once a second). */
void ots_output_flush(struct ots_output *o);
void ots_output_close(struct ots_output *o);

/* Write one flow record as a JSON object (no newline): the flows.jsonl format. */
void ots_flow_rec_json(struct ots_json *j, const struct ots_flow_rec *r,
                       const struct ots_ics_counts *ics);
/* Order used for deterministic output: first_ts, then key, then last_ts, then packets. */
int ots_flow_rec_cmp(const void *a, const void *b);
/* Stable 64-bit id of a flow: hash of its key and first packet time. */
uint64_t ots_flow_rec_id(const struct ots_flow_rec *r);

/* Write data to path atomically (temp file in the same directory + rename). */
int ots_write_file_atomic(const char *path, const char *data, size_t len);
/* The same for a file written as a stream (--state, --baseline): ots_atomic_open creates
 * PATH.tmp (its name in *tmp, which the caller frees) and returns it buffered, NULL with errno
 * set. ots_atomic_commit flushes, fsyncs, closes it and renames it over path: 0, or -1 with
 * errno set, *what naming the step ("writing", "syncing", "closing", "renaming") and the temp
 * file removed. ots_atomic_abort closes and removes it (a write failed before the commit). */
FILE *ots_atomic_open(const char *path, char **tmp);
/* Open path for writing ("w") as a run's output: an earlier run's large file there is moved
 * aside and removed in the background (ots_out_reap_wait joins that), and the stream gets a
 * 256 KiB buffer. NULL with errno set. Close it with ots_fclose. */
FILE *ots_out_create(const char *path);
void ots_out_reap_wait(void);
/* Give f (before any I/O on it) a 256 KiB buffer; ots_fclose closes f and frees it. */
void ots_file_buffer(FILE *f);
int ots_fclose(FILE *f);
int ots_atomic_commit(FILE *f, const char *tmp, const char *path, const char **what);
void ots_atomic_abort(FILE *f, const char *tmp);

#endif
