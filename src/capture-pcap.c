/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture-pcap.c: reader thread over libpcap: files (pcap, pcapng) and live interfaces.
 * See capture.h for the dispatch rules (live drops on a full ring, files wait).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ots/capture.h"
#include "ots/decode.h"
#include "ots/error.h"
#include "ots/log.h"
#include "ots/savefile.h"
#include "ots/stats.h"

#define PUBLISH_EVERY 32

/* Live: how long the reader waits for room in a full worker ring before it drops. */
#define LIVE_RING_WAIT_NS 100000000L

struct reader {
	struct ots_capture *c;
	uint16_t linktype;
	int live;
	uint64_t last_tick_sec;
	struct ots_input_stats *in;
	char *fbuf;             /* files read by libpcap: their stdio buffer (FILE_BUF) */
	/* live: bit w set while worker w's ring stayed full past LIVE_RING_WAIT_NS (its packets
	 * are dropped at once until it has room again) */
	uint64_t overloaded[(OTS_MAX_WORKERS + 63) / 64];
};

uint16_t
ots_capture_linktype(int dlt)
{
	switch (dlt) {
	case DLT_NULL: return OTS_LINK_NULL;
	case DLT_EN10MB: return OTS_LINK_ETHERNET;
#ifdef DLT_LOOP
	case DLT_LOOP: return OTS_LINK_LOOP;
#endif
	case DLT_RAW:
	case 14:
	case 101: return OTS_LINK_RAW;
#ifdef DLT_LINUX_SLL
	case DLT_LINUX_SLL: return OTS_LINK_LINUX_SLL;
#endif
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2: return OTS_LINK_LINUX_SLL2;
#endif
#ifdef DLT_IPV4
	case DLT_IPV4: return OTS_LINK_IPV4;
#endif
#ifdef DLT_IPV6
	case DLT_IPV6: return OTS_LINK_IPV6;
#endif
	}
	/* libpcap already maps LINKTYPE_ values to DLT_ ones; pass anything else through so
	 * the decoder counts it as unsupported. */
	return (uint16_t)(dlt > 0 && dlt < 0xffff ? dlt : 0xffff);
}

/*
 * Open a capture file through our own stdio stream with a 1 MiB buffer: libpcap reads each
 * record with two small freads, and with the default 4 KiB buffer the read(2) calls cost the
 * reader thread a fifth of its time. libpcap owns (and closes) the stream afterwards.
 */
/* Open a capture file with libpcap. buf (FILE_BUF bytes, or NULL for stdio's own 4 KiB) is the
 * stream's buffer: it must outlive the pcap_close(). glibc ignores the size passed to
 * setvbuf() without a buffer of one's own, so a pcapng file was read 4 KiB at a time. */
#define FILE_BUF (1u << 20)

static pcap_t *
open_file(const char *path, char *buf, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h;
	FILE *fp;

	fp = strcmp(path, "-") == 0 ? fdopen(dup(STDIN_FILENO), "rb") : fopen(path, "rb");
	if (strcmp(path, "-") == 0)
		path = "standard input";
	if (!fp) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (buf)
		setvbuf(fp, buf, _IOFBF, FILE_BUF);
#ifdef HAVE_PCAP_OPEN_OFFLINE_WITH_TSTAMP_PRECISION
	h = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
#else
	h = pcap_fopen_offline(fp, perr);
#endif
	if (!h) {
		fclose(fp);
		snprintf(err, errlen, "cannot read %s: not a pcap or pcapng capture (%s)", path, perr);
	}
	return h;
}

static int
set_filter(pcap_t *h, const char *bpf, const char *what, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (!bpf)
		return OTS_OK;
	if (pcap_compile(h, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "bad filter '%s' for %s: %s", bpf, what, pcap_geterr(h));
		return OTS_EINVAL;
	}
	if (pcap_setfilter(h, &prog) < 0) {
		snprintf(err, errlen, "cannot set filter on %s: %s", what, pcap_geterr(h));
		pcap_freecode(&prog);
		return OTS_EINVAL;
	}
	pcap_freecode(&prog);
	return OTS_OK;
}

int
ots_capture_check(const struct ots_conf *conf, char *err, size_t errlen)
{
	size_t i;
	pcap_t *h;
	int rc;

	for (i = 0; i < conf->n_inputs; i++) {
		struct stat st;

		if (strcmp(conf->inputs[i], "-") == 0 ||
		    (stat(conf->inputs[i], &st) == 0 && !S_ISREG(st.st_mode)))
			continue; /* a pipe can be read once only: checked when read */
		h = open_file(conf->inputs[i], NULL, err, errlen); /* the header only */
		if (!h)
			return OTS_EIO;
		rc = set_filter(h, conf->bpf, conf->inputs[i], err, errlen);
		pcap_close(h);
		if (rc)
			return rc;
	}
	if (conf->iface && conf->bpf) {
		h = pcap_open_dead(DLT_EN10MB, 65535);
		if (!h) {
			snprintf(err, errlen, "cannot check filter: out of memory");
			return OTS_ENOMEM;
		}
		rc = set_filter(h, conf->bpf, "the interface", err, errlen);
		pcap_close(h);
		if (rc)
			return rc;
	}
	return OTS_OK;
}

static void
publish_all(struct ots_capture *c)
{
	unsigned i;

	for (i = 0; i < c->nworkers; i++)
		ots_ring_publish(&c->workers[i].in);
}

/* Live, worker `id`'s ring is full: 1 to drop the packet now (the worker is overloaded, or
 * has been full since t0 for longer than LIVE_RING_WAIT_NS), 0 to wait a little more. */
static int
live_give_up(struct reader *r, unsigned id, struct timespec *t0)
{
	struct timespec now;
	uint64_t bit = 1ull << (id % 64);

	if (r->overloaded[id / 64] & bit)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (t0->tv_sec == 0 && t0->tv_nsec == 0) {
		*t0 = now;
		return 0;
	}
	if ((now.tv_sec - t0->tv_sec) * 1000000000L + (now.tv_nsec - t0->tv_nsec) <
	    LIVE_RING_WAIT_NS)
		return 0;
	r->overloaded[id / 64] |= bit;
	return 1;
}

/* Copy one message into worker w's ring. Returns 0 when it was dropped. */
static int
push(struct reader *r, struct ots_worker *w, uint16_t type, uint64_t ts_us, const uint8_t *data,
     uint32_t caplen, uint32_t wirelen, int may_drop)
{
	struct ots_capture *c = r->c;
	struct ots_msg *m;
	unsigned spins = 0;
	uint32_t len = (uint32_t)sizeof(*m) + caplen;
	struct timespec t0 = { 0, 0 };

	if (len > OTS_RING_MAX_RECORD(&w->in)) {
		c->st.oversize_drops++;
		return 0;
	}
	while (!(m = ots_ring_reserve(&w->in, len))) {
		if (may_drop && r->live && live_give_up(r, w->id, &t0)) {
			c->st.ring_full_drops++;
			return 0;
		}
		ots_ring_publish(&w->in);
		if (may_drop && atomic_load_explicit(&c->stop, memory_order_relaxed))
			return 0;
		ots_backoff_sleep(&spins);
	}
	if (r->live) /* room again: the next full ring is waited for */
		r->overloaded[w->id / 64] &= ~(1ull << (w->id % 64));
	m->ts_us = ts_us;
	m->caplen = caplen;
	m->wirelen = wirelen;
	m->type = type;
	m->linktype = r->linktype;
	m->reserved = 0;
	if (caplen)
		memcpy(m->data, data, caplen);
	ots_ring_commit(&w->in);
	if (w->in.p_pending >= PUBLISH_EVERY)
		ots_ring_publish(&w->in);
	return 1;
}

static void
broadcast(struct reader *r, uint16_t type, uint64_t ts_us)
{
	unsigned i;

	for (i = 0; i < r->c->nworkers; i++)
		push(r, &r->c->workers[i], type, ts_us, NULL, 0, 0, 0);
	publish_all(r->c);
}

static void
on_packet(struct reader *r, uint64_t ts_us, const uint8_t *data, uint32_t caplen,
          uint32_t wirelen)
{
	struct ots_capture *c = r->c;
	uint64_t sec = ts_us / 1000000u;
	unsigned shard = 0;

	/* Packet time drives expiry: each new second reaches every shard, busy or not. */
	if (sec > r->last_tick_sec) {
		if (r->last_tick_sec)
			broadcast(r, OTS_MSG_TICK, ts_us);
		r->last_tick_sec = sec;
	}
	if (c->nworkers > 1)
		shard = ots_decode_shard_hash(r->linktype, data, caplen) % c->nworkers;
	c->st.packets++;
	c->st.bytes += wirelen;
	if (!c->st.first_ts || ts_us < c->st.first_ts) {
		c->st.first_ts = ts_us;
		atomic_store_explicit(&c->prog_first_ts, ts_us, memory_order_relaxed);
	}
	if (ts_us > c->st.last_ts)
		c->st.last_ts = ts_us;
	if (r->in) {
		r->in->packets++;
		r->in->bytes += wirelen;
	}
	push(r, &c->workers[shard], OTS_MSG_PKT, ts_us, data, caplen, wirelen, 1);
}

static uint64_t
ts_of(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
}

/* libpcap's largest caplen for Ethernet (MAXIMUM_SNAPLEN, pcap-int.h) */
#define MAX_CAPLEN_ETHERNET 262144u

/*
 * The savefile reader (savefile.h) takes classic pcap, version 2.4, Ethernet, no BPF filter,
 * a regular file; OTSENSOR_PCAP_READER=libpcap keeps libpcap for everything (tests read every
 * capture both ways and compare).
 */
static int
own_reader_fits(const struct ots_capture *c, const char *path, pcap_t *h)
{
	const char *force = getenv("OTSENSOR_PCAP_READER");
	FILE *fp = pcap_file(h);
	struct stat st;

	if (force && strcmp(force, "libpcap") == 0)
		return 0;
	/* a regular file only: libpcap has read the header of a pipe already, and our reader
	 * opens the path again */
	if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return strcmp(path, "-") != 0 && (!c->conf->bpf || !c->conf->bpf[0]) &&
	       pcap_datalink(h) == DLT_EN10MB && pcap_major_version(h) == 2 &&
	       pcap_minor_version(h) == 4 && pcap_snapshot(h) > 0;
}

/* The record loop of read_file() over the savefile reader. */
static void
read_savefile(struct reader *r, struct ots_savefile *sf, uint64_t done_bytes)
{
	struct ots_capture *c = r->c;
	struct ots_input_stats *in = r->in;
	struct ots_savefile_pkt pkt;
	int rc;

	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		rc = ots_savefile_next(sf, &pkt);
		if (rc == 1) {
			on_packet(r, pkt.ts_us, pkt.data, pkt.caplen, pkt.wirelen);
			if ((in->packets & 1023) == 0) {
				atomic_store_explicit(&c->prog_packets, c->st.packets,
				                      memory_order_relaxed);
				atomic_store_explicit(&c->prog_last_ts, c->st.last_ts,
				                      memory_order_relaxed);
				atomic_store_explicit(&c->prog_bytes, done_bytes + ots_savefile_pos(sf),
				                      memory_order_relaxed);
			}
			continue;
		}
		if (rc < 0) {
			/* the same as libpcap's PCAP_ERROR below: keep what was read, say so */
			in->truncated = 1;
			snprintf(in->error, sizeof(in->error), "%s", sf->err);
		}
		break;
	}
}

static void
read_file(struct reader *r, size_t idx, uint64_t done_bytes)
{
	struct ots_capture *c = r->c;
	struct ots_input_stats *in = &c->inputs[idx];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	char err[512];
	pcap_t *h;
	FILE *fp;
	int rc;

	if (!r->fbuf)
		r->fbuf = malloc(FILE_BUF); /* NULL: stdio's buffer, slower but as good */
	h = open_file(in->path, r->fbuf, err, sizeof(err));
	if (!h) {
		/* checked at start, so it went away or changed under us */
		snprintf(in->error, sizeof(in->error), "%s", err);
		c->error = OTS_EIO;
		snprintf(c->errmsg, sizeof(c->errmsg), "%s", err);
		return;
	}
	if (set_filter(h, c->conf->bpf, in->path, err, sizeof(err)) != OTS_OK) {
		c->error = OTS_EINVAL;
		snprintf(c->errmsg, sizeof(c->errmsg), "%s", err);
		pcap_close(h);
		return;
	}
	in->linktype = pcap_datalink(h);
	r->linktype = ots_capture_linktype(in->linktype);
	r->in = in;
	if (own_reader_fits(c, in->path, h)) {
		struct ots_savefile sf;

		if (ots_savefile_open(&sf, in->path, pcap_is_swapped(h), (uint32_t)pcap_snapshot(h),
		                      MAX_CAPLEN_ETHERNET) == 0) {
			pcap_close(h);
			read_savefile(r, &sf, done_bytes);
			ots_savefile_close(&sf);
			r->in = NULL;
			return;
		}
		/* could not take it (it changed under us?): libpcap goes on */
	}
	fp = pcap_file(h);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		rc = pcap_next_ex(h, &hdr, &data);
		if (rc == 1) {
			on_packet(r, ts_of(hdr), data, hdr->caplen, hdr->len);
			if ((in->packets & 1023) == 0) {
				atomic_store_explicit(&c->prog_packets, c->st.packets,
				                      memory_order_relaxed);
				atomic_store_explicit(&c->prog_last_ts, c->st.last_ts,
				                      memory_order_relaxed);
				if (fp) {
					long pos = ftell(fp);

					if (pos > 0)
						atomic_store_explicit(&c->prog_bytes,
						                      done_bytes + (uint64_t)pos,
						                      memory_order_relaxed);
				}
			}
			continue;
		}
		if (rc == 0)
			continue; /* filtered out (savefiles never time out) */
		if (rc == PCAP_ERROR && !atomic_load_explicit(&c->stop, memory_order_relaxed)) {
			/* The file ends inside a record or a record header is corrupt: keep what was
			 * read, say so, go on with the next file. */
			in->truncated = 1;
			snprintf(in->error, sizeof(in->error), "%s", pcap_geterr(h));
		}
		break; /* PCAP_ERROR_BREAK: end of file */
	}
	pcap_close(h);
	r->in = NULL;
}

static void
live_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct reader *r = (struct reader *)user;

	on_packet(r, ts_of(h), data, h->caplen, h->len);
}

/*
 * A stop request (SIGTERM, SIGINT) ends the loop, but the kernel may still hold packets it
 * already captured: with TPACKET_V3 the block being filled is handed over only when it is
 * full or its timeout (100 ms, pcap_set_timeout) passes. Read on without blocking until a
 * little more than that timeout has gone by with nothing new (one second at most on a link
 * that never goes quiet), so every packet that reached the socket before the stop is counted.
 */
static void
drain_live(struct reader *r, pcap_t *h)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct timespec t0, start, now, nap = { 0, 10 * 1000000L };
	int n, breaks = 0;

	if (pcap_setnonblock(h, 1, eb) != 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	start = t0;
	for (;;) {
		n = pcap_dispatch(h, 512, live_cb, (u_char *)r);
		publish_all(r->c);
		if (n == PCAP_ERROR_BREAK && breaks++ < 2)
			continue; /* the breakloop of the stop request, reported once */
		if (n < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) >
		    1000 * 1000000L)
			break; /* a busy link never goes quiet: one second at most */
		if (n > 0)
			t0 = now; /* more came: wait a whole timeout again */
		else if ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) >
		         250 * 1000000L)
			break;
		else
			nanosleep(&nap, NULL);
	}
}

/* The live counters for ots_capture_snapshot (reader thread); with h, pcap_stats too (libpcap
 * keeps the kernel's counters as running totals). */
static void
publish_counts(struct ots_capture *c, pcap_t *h)
{
	struct pcap_stat ps;

	atomic_store_explicit(&c->prog_packets, c->st.packets, memory_order_relaxed);
	atomic_store_explicit(&c->prog_last_ts, c->st.last_ts, memory_order_relaxed);
	atomic_store_explicit(&c->prog_wire_bytes, c->st.bytes, memory_order_relaxed);
	atomic_store_explicit(&c->prog_ring_full, c->st.ring_full_drops, memory_order_relaxed);
	atomic_store_explicit(&c->prog_oversize, c->st.oversize_drops, memory_order_relaxed);
	if (h && pcap_stats(h, &ps) == 0) {
		c->st.kernel_received = ps.ps_recv;
		c->st.kernel_drops = ps.ps_drop;
		c->st.if_drops = ps.ps_ifdrop;
		atomic_store_explicit(&c->prog_kernel_recv, ps.ps_recv, memory_order_relaxed);
		atomic_store_explicit(&c->prog_kernel_drops, ps.ps_drop, memory_order_relaxed);
		atomic_store_explicit(&c->prog_if_drops, ps.ps_ifdrop, memory_order_relaxed);
	}
}

void
ots_capture_snapshot(const struct ots_capture *c, struct ots_capture_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->packets = atomic_load_explicit(&c->prog_packets, memory_order_relaxed);
	st->bytes = atomic_load_explicit(&c->prog_wire_bytes, memory_order_relaxed);
	st->ring_full_drops = atomic_load_explicit(&c->prog_ring_full, memory_order_relaxed);
	st->oversize_drops = atomic_load_explicit(&c->prog_oversize, memory_order_relaxed);
	st->kernel_drops = atomic_load_explicit(&c->prog_kernel_drops, memory_order_relaxed);
	st->if_drops = atomic_load_explicit(&c->prog_if_drops, memory_order_relaxed);
	st->kernel_received = atomic_load_explicit(&c->prog_kernel_recv, memory_order_relaxed);
	st->first_ts = atomic_load_explicit(&c->prog_first_ts, memory_order_relaxed);
	st->last_ts = atomic_load_explicit(&c->prog_last_ts, memory_order_relaxed);
}

static void
read_live(struct reader *r)
{
	struct ots_capture *c = r->c;
	pcap_t *h = c->live;
	struct timespec now, last_stats = { 0, 0 };
	int n;

	r->live = 1;
	r->linktype = ots_capture_linktype(pcap_datalink(h));
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		n = pcap_dispatch(h, 512, live_cb, (u_char *)r);
		publish_all(c);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec != last_stats.tv_sec) { /* pcap_stats is a syscall: once a second */
			last_stats = now;
			publish_counts(c, h);
		} else {
			publish_counts(c, NULL);
		}
		if (n < 0) {
			if (n == PCAP_ERROR) {
				c->error = OTS_EIO;
				snprintf(c->errmsg, sizeof(c->errmsg), "capture on %s failed: %s",
				         c->conf->iface, pcap_geterr(h));
			}
			break;
		}
		if (n == 0) {
			/* A quiet link still needs time to pass for idle flows to expire. */
			clock_gettime(CLOCK_REALTIME, &now);
			if ((uint64_t)now.tv_sec > r->last_tick_sec && r->last_tick_sec) {
				r->last_tick_sec = (uint64_t)now.tv_sec;
				broadcast(r, OTS_MSG_TICK, (uint64_t)now.tv_sec * 1000000u);
			}
		}
	}
	if (c->error == OTS_OK)
		drain_live(r, h);
	publish_counts(c, h);
}

static void *
reader_main(void *arg)
{
	struct ots_capture *c = arg;
	struct reader r;
	uint64_t done = 0;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.c = c;
	if (c->live) {
		read_live(&r);
	} else {
		for (i = 0; i < c->n_inputs && !atomic_load(&c->stop) && c->error == OTS_OK; i++) {
			struct stat st;

			read_file(&r, i, done);
			if (stat(c->inputs[i].path, &st) == 0)
				done += (uint64_t)st.st_size;
			atomic_store_explicit(&c->prog_bytes, done, memory_order_relaxed);
		}
	}
	free(r.fbuf); /* every file is closed by now */
	publish_counts(c, NULL);
	broadcast(&r, OTS_MSG_EOF, c->st.last_ts);
	c->st.cpu_s = ots_thread_cpu_s();
	atomic_store_explicit(&c->finished, 1, memory_order_release);
	return NULL;
}

static pcap_t *
open_live(const struct ots_conf *conf, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *h = pcap_create(conf->iface, perr);
	int rc;

	if (!h) {
		snprintf(err, errlen, "cannot open interface %s: %s", conf->iface, perr);
		return NULL;
	}
	pcap_set_snaplen(h, (int)conf->snaplen);
	pcap_set_promisc(h, 1);
	pcap_set_timeout(h, 100);
	/* A large kernel buffer rides out bursts; libpcap uses TPACKET_V3 on Linux when the
	 * kernel has it and immediate mode is off. */
	pcap_set_buffer_size(h, (int)conf->pcap_buffer);
#ifdef HAVE_PCAP_SET_IMMEDIATE_MODE
	pcap_set_immediate_mode(h, 0);
#endif
	rc = pcap_activate(h);
	if (rc < 0) {
		snprintf(err, errlen, "cannot capture on %s: %s%s", conf->iface,
		         rc == PCAP_ERROR_PERM_DENIED ? "permission denied (run as root or grant "
		                                         "CAP_NET_RAW): " : "",
		         pcap_geterr(h));
		pcap_close(h);
		return NULL;
	}
	if (rc > 0)
		ots_warn("%s: %s", conf->iface, pcap_geterr(h));
	if (set_filter(h, conf->bpf, conf->iface, err, errlen) != OTS_OK) {
		pcap_close(h);
		return NULL;
	}
	return h;
}

int
ots_capture_open(struct ots_capture *c, const struct ots_conf *conf, char *err, size_t errlen)
{
	size_t i;
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->conf = conf;
	atomic_init(&c->stop, 0);
	atomic_init(&c->finished, 0);
	atomic_init(&c->prog_packets, 0);
	atomic_init(&c->prog_bytes, 0);
	atomic_init(&c->prog_first_ts, 0);
	atomic_init(&c->prog_last_ts, 0);
	atomic_init(&c->prog_wire_bytes, 0);
	atomic_init(&c->prog_ring_full, 0);
	atomic_init(&c->prog_oversize, 0);
	atomic_init(&c->prog_kernel_drops, 0);
	atomic_init(&c->prog_if_drops, 0);
	atomic_init(&c->prog_kernel_recv, 0);
	c->n_inputs = conf->n_inputs;
	c->inputs = calloc(conf->n_inputs ? conf->n_inputs : 1, sizeof(*c->inputs));
	if (!c->inputs) {
		snprintf(err, errlen, "out of memory");
		return OTS_ENOMEM;
	}
	for (i = 0; i < conf->n_inputs; i++) {
		c->inputs[i].path = conf->inputs[i];
		if (stat(conf->inputs[i], &st) == 0)
			c->total_file_bytes += (uint64_t)st.st_size;
	}
	if (conf->iface) {
		c->live = open_live(conf, err, errlen);
		if (!c->live)
			return OTS_EIO;
	}
	c->opened = 1;
	return OTS_OK;
}

int
ots_capture_start(struct ots_capture *c, const struct ots_conf *conf, struct ots_worker *workers,
                  unsigned nworkers, char *err, size_t errlen)
{
	int rc;

	if (!c->opened && (rc = ots_capture_open(c, conf, err, errlen)) != OTS_OK)
		return rc;
	c->workers = workers;
	c->nworkers = nworkers;
	if (pthread_create(&c->thread, NULL, reader_main, c) != 0) {
		snprintf(err, errlen, "cannot start the reader thread");
		return OTS_ENOMEM;
	}
	c->started = 1;
	return OTS_OK;
}

void
ots_capture_stop(struct ots_capture *c)
{
	atomic_store(&c->stop, 1);
	if (c->live)
		pcap_breakloop(c->live);
	else if (c->started && !atomic_load(&c->finished))
		/* A reader blocked on a pipe wakes up with EINTR (the handler is installed without
		 * SA_RESTART) and sees the stop flag. */
		pthread_kill(c->thread, SIGINT);
}

void
ots_capture_join(struct ots_capture *c)
{
	if (c->started) {
		pthread_join(c->thread, NULL);
		c->started = 0;
	}
}

void
ots_capture_destroy(struct ots_capture *c)
{
	if (c->live)
		pcap_close(c->live);
	c->live = NULL;
	free(c->inputs);
	c->inputs = NULL;
}

const char *
ots_capture_lib_version(void)
{
	return pcap_lib_version();
}
