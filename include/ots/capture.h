/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.h: the reader thread (src/capture-pcap.c).
 *
 * One reader per capture source: it reads packets with libpcap (files in the order given, or
 * one live interface), computes the symmetric shard hash and copies each packet into its
 * worker's ring. Live, a full ring makes the reader wait up to 100 ms for room (the kernel's
 * much larger buffer holds the traffic meanwhile, so a short stall of one worker loses
 * nothing); a worker that has not made room by then has its packets dropped and counted until
 * it has room again, so one stuck worker cannot stall the others for long. File reading
 * waits as long as it takes, so an offline result never depends on timing.
 * The reader also sends every worker a TICK each second of packet time (so idle shards expire
 * flows) and an EOF at the end.
 */
#ifndef OTS_CAPTURE_H
#define OTS_CAPTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ots/conf-t.h"
#include "ots/worker.h"

struct ots_input_stats {
	char *path;
	uint64_t packets, bytes;
	int linktype;
	int truncated;          /* the file ended inside a record, or a record was corrupt */
	char error[512];        /* libpcap's message for that */
};

struct ots_capture_stats {
	uint64_t packets, bytes;
	uint64_t ring_full_drops;   /* live only */
	uint64_t oversize_drops;    /* packet larger than a ring record */
	uint64_t filtered_link;     /* packets of an unsupported link type */
	uint64_t kernel_drops;      /* pcap_stats ps_drop */
	uint64_t if_drops;          /* pcap_stats ps_ifdrop */
	uint64_t kernel_received;   /* pcap_stats ps_recv */
	uint64_t first_ts, last_ts;
	double cpu_s;               /* reader thread CPU time */
};

struct ots_capture {
	const struct ots_conf *conf;
	struct ots_worker *workers;
	unsigned nworkers;
	pthread_t thread;
	int started;
	_Atomic int stop;
	_Atomic int finished;
	void *live;                 /* pcap_t * of a live capture (for breakloop) */
	/* progress (written by the reader, read by main) */
	_Atomic uint64_t prog_packets;
	_Atomic uint64_t prog_bytes;   /* file bytes consumed so far, all files */
	_Atomic uint64_t prog_first_ts; /* packet time: earliest packet so far (0 none) ... */
	_Atomic uint64_t prog_last_ts;  /* ... and latest (updated with prog_packets) */
	/* live counters (written by the reader after each batch, read by main any time) */
	_Atomic uint64_t prog_wire_bytes;  /* bytes on the wire of the packets counted */
	_Atomic uint64_t prog_ring_full, prog_oversize;
	_Atomic uint64_t prog_kernel_drops, prog_if_drops, prog_kernel_recv; /* pcap_stats, 1/s */
	uint64_t total_file_bytes;
	/* results, valid after join */
	struct ots_capture_stats st;
	struct ots_input_stats *inputs;
	size_t n_inputs;
	int opened;                 /* ots_capture_open() done */
	int error;                  /* OTS_OK or the failure that stopped reading */
	char errmsg[512];
};

/*
 * Check every input before any thread starts: files exist, are pcap or pcapng, the BPF filter
 * compiles for their link type; the interface can be opened. err gets one line.
 */
int ots_capture_check(const struct ots_conf *conf, char *err, size_t errlen);

/*
 * Open the capture (the live interface; file inputs are opened by the reader) without
 * starting the reader: privileges can be dropped between this and ots_capture_start().
 */
int ots_capture_open(struct ots_capture *c, const struct ots_conf *conf, char *err,
                     size_t errlen);
/* Start the reader thread; opens the capture first unless ots_capture_open() did. */
int ots_capture_start(struct ots_capture *c, const struct ots_conf *conf,
                      struct ots_worker *workers, unsigned nworkers, char *err, size_t errlen);
/* Ask the reader to stop (thread- and signal-safe); it then sends EOF to every worker. */
void ots_capture_stop(struct ots_capture *c);
void ots_capture_join(struct ots_capture *c);
void ots_capture_destroy(struct ots_capture *c);
/*
 * The capture counters while the reader runs (any thread): packets, bytes, drops (ring full,
 * oversize; kernel and interface drops from pcap_stats, refreshed by the reader once a
 * second), first/last packet time. cpu_s is 0. After ots_capture_join use c->st.
 */
void ots_capture_snapshot(const struct ots_capture *c, struct ots_capture_stats *st);

/* libpcap's version string. */
const char *ots_capture_lib_version(void);

/* Map a libpcap DLT to the link types the decoders know (DLT_RAW variants -> 101). */
uint16_t ots_capture_linktype(int dlt);

#endif
