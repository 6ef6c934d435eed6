/* SPDX-License-Identifier: BSD-3-Clause */
/* conf-t.h: the run configuration (types only). Filled by main.c from argv; immutable after. */
#ifndef OTS_CONF_T_H
#define OTS_CONF_T_H

#include <stddef.h>
#include <stdint.h>

#include "ots/decode.h"
#include "ots/flow.h"
#include "ots/stream-tcp.h"

/* -w: worker threads, at most */
#define OTS_MAX_WORKERS 256

struct ots_conf {
	char **inputs;           /* -r paths after directory expansion, in order */
	size_t n_inputs;
	const char *iface;       /* -i */
	const char *bpf;         /* -f */
	const char *outdir;      /* -o */
	unsigned workers;        /* -w */
	int deterministic;       /* --deterministic */
	int quiet;               /* -q: no summary, no progress */
	int log_all_ops;         /* --log-all-ops: routine reads in events.jsonl too */
	int progress;            /* progress line on stderr (files on a terminal) */
	uint64_t ring_bytes;     /* per-worker input ring */
	uint32_t snaplen;        /* live capture */
	uint64_t pcap_buffer;    /* live capture kernel buffer bytes */
	uint32_t ndpi_max_pkts;  /* packets given to nDPI before giving up */
	const char *state_path;  /* --state: inventory kept across runs */
	const char *geoip[4];    /* --geoip: MaxMind DB files (none: the packaged default) */
	size_t n_geoip;
	int geoip_off;           /* --geoip none */
	const char *ieee_dir;    /* --ieee-data: OUI lists (default /usr/share/ieee-data) */
	unsigned checkpoint_s;   /* --checkpoint: live inventory files and state every N s */
	unsigned alert_interval_s; /* --alert-interval: live zone/rule/baseline checks every N s */
	unsigned stats_interval_s; /* --stats-interval: live stats records every N s (0: at exit) */
	uint64_t inv_memcap;     /* --inventory-memcap: bytes of inventory observations */
	const char *zones_path;  /* -z: IEC 62443 zones file */
	const char *baseline_path; /* --baseline FILE */
	uint64_t learn_us;       /* --learn DURATION (packet time), 0 none */
	const char *check_zones; /* --check-zones FILE: validate and exit */
	int suggest_zones;       /* --suggest-zones: print a starter zones file */
	const char *rules_path;  /* -R: detection rules, a file or a directory of *.rules (the
	                          * first -R; all of them in rules_paths) */
	const char *rules_paths[8];
	unsigned n_rules_paths;
	const char *check_rules; /* --check-rules PATH: load, report and exit */
	const char *config_path; /* -c: YAML config file (src/conf-file.c) */
	int test_config;         /* --test-config: load everything, report, exit 0/1 */
	const char *user;        /* --user: run as NAME once the capture is open */
	struct ots_flow_conf flow;       /* memcap is for all workers; each gets 1/N */
	struct ots_stream_conf stream;
	struct ots_defrag_conf defrag;
};

#endif
