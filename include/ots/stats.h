/* SPDX-License-Identifier: BSD-3-Clause */
/* stats.h: run totals, stats.json and the human summary (src/stats.c). Main thread only. */
#ifndef OTS_STATS_H
#define OTS_STATS_H

#include <stdio.h>

#include "ots/asset.h"
#include "ots/capture.h"
#include "ots/json.h"
#include "ots/output.h"
#include "ots/worker.h"

struct ots_detect;
struct ots_baseline;
struct ots_kafka;

struct ots_run {
	const struct ots_conf *conf;
	const struct ots_capture *cap;
	const struct ots_worker *workers;
	unsigned nworkers;
	/* while the workers run: their published counters (ots_worker_stats_snapshot), one per
	 * worker; NULL: read workers[i].st (after they were joined) */
	const struct ots_worker_stats *wst;
	const struct ots_output *out;
	const struct ots_inv *inv;  /* NULL when no inventory was kept */
	const char *zones_path;     /* -z, NULL without */
	size_t n_zones, n_zone_conduits;
	uint64_t alerts_written, zone_reloads;
	const char *rules_path;     /* -R, NULL without */
	const char *const *rules_paths; /* every -R */
	unsigned n_rules_paths;
	const struct ots_detect *det;
	uint64_t rule_reloads;
	const struct ots_baseline *baseline; /* --learn / --baseline, NULL without */
	const struct ots_kafka *kafka;       /* --kafka-brokers, NULL without */
	/* the report block: a live interval record (capture counters from cap_st, a snapshot of
	 * ots_capture_snapshot) or the final one (cap->st) */
	int interval;
	const struct ots_capture_stats *cap_st;
	uint64_t seq;               /* record number of the run, from 1 */
	unsigned interval_s;        /* --stats-interval (0: none) */
	uint64_t time_us;           /* wall clock of the record, us (0: left out) */
	uint64_t alerts_total;      /* alerts written to alerts.jsonl, all sources */
	double elapsed_s;
	uint64_t max_rss_bytes;
	const char *version;
};

/* Sum of every worker's counters. */
void ots_stats_sum(const struct ots_run *run, struct ots_worker_stats *sum);
/* The stats.json document (a stats record: final, or an interval record while live). */
void ots_stats_json(struct ots_json *j, const struct ots_run *run);
/* A short human summary for a terminal (no -o). */
void ots_stats_summary(FILE *fp, const struct ots_run *run);
/* CPU time (user + system) of the calling thread, seconds (0 when unknown). */
double ots_thread_cpu_s(void);
/* Peak resident set of this process in bytes (0 when unknown). */
uint64_t ots_stats_max_rss(void);

#endif
