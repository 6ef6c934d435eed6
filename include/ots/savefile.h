/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * savefile.h: classic pcap files read straight from the file descriptor, in large blocks.
 *
 * libpcap reads a savefile with two fread() calls per record (header, then data) through
 * stdio, and copies each packet once more into its own buffer: on the 1M-packet bench plant
 * that was 60% of the reader thread's instructions, on a 2-CPU machine where the reader
 * shares a core with the main thread. This reader takes over once libpcap has opened and
 * checked the file (magic, version, link type, snapshot length); it hands out each packet
 * in place in a 1 MiB block and follows libpcap 1.10's record rules (sf-pcap.c) to the
 * letter: the same caplen and snapshot checks, the same error texts, the same timestamp
 * conversion. capture-pcap.c uses it for classic pcap with Ethernet link type and no BPF
 * filter; everything else (pcapng, other link types, filters, standard input) stays on
 * libpcap, and OTSENSOR_PCAP_READER=libpcap forces libpcap for all (tests compare both).
 */
#ifndef OTS_SAVEFILE_H
#define OTS_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>

struct ots_savefile {
	int fd;
	uint8_t *buf;
	size_t cap, lo, hi;   /* unread bytes are buf[lo, hi) */
	uint64_t pos;         /* file offset of buf[lo] */
	int eof;              /* read() returned 0 */
	int swapped;          /* the file's byte order is not ours */
	int nano;             /* nanosecond timestamps (scaled down to microseconds) */
	uint32_t snapshot;    /* libpcap's snapshot length for the file */
	uint32_t max_caplen;  /* libpcap's largest acceptable caplen for the link type */
	char err[256];
};

struct ots_savefile_pkt {
	uint64_t ts_us;
	uint32_t caplen, wirelen;
	const uint8_t *data;  /* valid until the next call */
};

/*
 * Open path, positioned after the 24-byte file header. The caller has opened the file with
 * libpcap first, which checked the header; swapped, snapshot and max_caplen come from it.
 * The magic is read again here for the timestamp unit. Returns 0, or -1 with err set (then
 * nothing is held).
 */
int ots_savefile_open(struct ots_savefile *s, const char *path, int swapped, uint32_t snapshot,
                      uint32_t max_caplen);
/* The next record: 1 and *p filled; 0 at the end of the file; -1 with s->err set (a
 * truncated or corrupt record, or a read error), as libpcap's pcap_next_ex would. */
int ots_savefile_next(struct ots_savefile *s, struct ots_savefile_pkt *p);
/* Bytes of the file consumed so far (progress). */
uint64_t ots_savefile_pos(const struct ots_savefile *s);
void ots_savefile_close(struct ots_savefile *s);

#endif
