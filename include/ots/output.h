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
#include "ots/json.h"

#define OTS_SCHEMA_VERSION 1

struct ots_flow_rec {
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
	char proto[48];           /* nDPI name, "Modbus", "TLS.Google" ... */
	char category[32];
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
	struct ots_json j;
	struct ots_flow_rec *keep; /* deterministic: records to sort */
	size_t n_keep, cap_keep;
	struct ots_proto_total *protos;
	size_t n_protos, cap_protos;
	uint64_t flows_total, write_errors;
};

/* Create -o DIR if needed and open its files. err gets a one-line reason on failure. */
int ots_output_open(struct ots_output *o, const struct ots_conf *conf, char *err, size_t errlen);
void ots_output_flow(struct ots_output *o, const struct ots_flow_rec *r);
/* Sort and write kept records; flush and close flows.jsonl. Returns OTS_OK or OTS_EIO. */
int ots_output_finish(struct ots_output *o, char *err, size_t errlen);
void ots_output_close(struct ots_output *o);

/* Write one flow record as a JSON object (no newline): the flows.jsonl format. */
void ots_flow_rec_json(struct ots_json *j, const struct ots_flow_rec *r);
/* Order used for deterministic output: first_ts, then key, then last_ts, then packets. */
int ots_flow_rec_cmp(const void *a, const void *b);
/* Stable 64-bit id of a flow: hash of its key and first packet time. */
uint64_t ots_flow_rec_id(const struct ots_flow_rec *r);

/* Write data to path atomically (temp file in the same directory + rename). */
int ots_write_file_atomic(const char *path, const char *data, size_t len);

#endif
