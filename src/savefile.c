/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * savefile.c: classic pcap records read in 1 MiB blocks (see savefile.h).
 * Format: pcap-savefile(5): a 24-byte file header, then per record a 16-byte header
 * (seconds, microseconds or nanoseconds, captured length, original length, in the writer's
 * byte order) and the captured bytes. The record checks and error texts follow libpcap
 * 1.10's sf-pcap.c, so a capture reads the same whichever reader takes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ots/savefile.h"

#define SF_BUF (1u << 20)
#define SF_FILE_HDR 24
#define SF_REC_HDR 16
#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du

static uint32_t
swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static uint32_t
u32_at(const uint8_t *p, int swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? swap32(v) : v;
}

int
ots_savefile_open(struct ots_savefile *s, const char *path, int swapped, uint32_t snapshot,
                  uint32_t max_caplen)
{
	uint8_t hdr[SF_FILE_HDR];
	uint32_t magic;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (max_caplen > SF_BUF - SF_REC_HDR) {
		snprintf(s->err, sizeof(s->err), "caplen limit %u beyond the block", max_caplen);
		return -1;
	}
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		snprintf(s->err, sizeof(s->err), "%s", strerror(errno));
		return -1;
	}
	do
		n = read(s->fd, hdr, sizeof(hdr));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(hdr)) {
		snprintf(s->err, sizeof(s->err), "cannot read the file header");
		goto fail;
	}
	magic = u32_at(hdr, 0);
	if (magic == MAGIC_NS || magic == swap32(MAGIC_NS))
		s->nano = 1;
	else if (magic != MAGIC_US && magic != swap32(MAGIC_US)) {
		snprintf(s->err, sizeof(s->err), "not a classic pcap file");
		goto fail;
	}
	if ((magic != MAGIC_US && magic != MAGIC_NS) != !!swapped) {
		snprintf(s->err, sizeof(s->err), "byte order differs from libpcap's");
		goto fail;
	}
	s->buf = malloc(SF_BUF);
	if (!s->buf) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		goto fail;
	}
	s->cap = SF_BUF;
	s->pos = SF_FILE_HDR;
	s->swapped = swapped;
	s->snapshot = snapshot;
	s->max_caplen = max_caplen;
	return 0;
fail:
	close(s->fd);
	s->fd = -1;
	return -1;
}

/* Make n unread bytes available if the file has them. Returns the bytes available (< n at
 * the end of the file or on a read error, then errno_saved is set for the latter). */
static size_t
fill(struct ots_savefile *s, size_t n, int *rerr)
{
	while (s->hi - s->lo < n && !s->eof) {
		ssize_t r;

		if (s->cap - s->lo < n) { /* move the unread tail to the front */
			memmove(s->buf, s->buf + s->lo, s->hi - s->lo);
			s->hi -= s->lo;
			s->lo = 0;
		}
		r = read(s->fd, s->buf + s->hi, s->cap - s->hi);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*rerr = errno;
			break;
		}
		if (r == 0)
			s->eof = 1;
		s->hi += (size_t)r;
	}
	return s->hi - s->lo;
}

static int
read_error(struct ots_savefile *s, int e)
{
	snprintf(s->err, sizeof(s->err), "error reading dump file: %s", strerror(e));
	return -1;
}

int
ots_savefile_next(struct ots_savefile *s, struct ots_savefile_pkt *p)
{
	const uint8_t *h;
	uint32_t caplen, wirelen, sec, frac;
	int64_t tsec, tfrac, usec;
	size_t have;
	int rerr = 0;

	have = fill(s, SF_REC_HDR, &rerr);
	if (have < SF_REC_HDR) {
		if (rerr)
			return read_error(s, rerr);
		if (have == 0)
			return 0;
		snprintf(s->err, sizeof(s->err),
		         "truncated dump file; tried to read %d header bytes, only got %zu",
		         SF_REC_HDR, have);
		return -1;
	}
	h = s->buf + s->lo;
	sec = u32_at(h, s->swapped);
	frac = u32_at(h + 4, s->swapped);
	caplen = u32_at(h + 8, s->swapped);
	wirelen = u32_at(h + 12, s->swapped);
	s->lo += SF_REC_HDR;
	s->pos += SF_REC_HDR;
	/*
	 * libpcap 1.10 copies these 32-bit fields into a struct timeval: sign extended when
	 * the file has our byte order (its fields are signed), zero extended when it swaps
	 * them (its swap macro works on unsigned ints); then it divides nanoseconds by 1000
	 * when microseconds were asked for. Found by fuzz-savefile on a timestamp past 2038.
	 */
	if (s->swapped) {
		tsec = (int64_t)sec;
		tfrac = (int64_t)frac;
	} else {
		tsec = (int64_t)(int32_t)sec;
		tfrac = (int64_t)(int32_t)frac;
	}
	usec = s->nano ? tfrac / 1000 : tfrac;
	p->ts_us = (uint64_t)tsec * 1000000u + (uint64_t)usec;
	if (caplen > s->max_caplen) {
		if (caplen > s->snapshot)
			snprintf(s->err, sizeof(s->err),
			         "invalid packet capture length %u, bigger than snaplen of %d", caplen,
			         (int)s->snapshot);
		else
			snprintf(s->err, sizeof(s->err),
			         "invalid packet capture length %u, bigger than maximum of %u", caplen,
			         s->max_caplen);
		return -1;
	}
	have = fill(s, caplen, &rerr);
	if (have < caplen) {
		if (rerr)
			return read_error(s, rerr);
		if (caplen > s->snapshot && have < s->snapshot)
			snprintf(s->err, sizeof(s->err),
			         "truncated dump file; tried to read %d captured bytes, only got %zu",
			         (int)s->snapshot, have);
		else
			snprintf(s->err, sizeof(s->err),
			         "truncated dump file; tried to read %u captured bytes, only got %zu",
			         caplen, have);
		return -1;
	}
	p->data = s->buf + s->lo;
	p->caplen = caplen > s->snapshot ? s->snapshot : caplen; /* the rest is skipped */
	p->wirelen = wirelen;
	s->lo += caplen;
	s->pos += caplen;
	return 1;
}

uint64_t
ots_savefile_pos(const struct ots_savefile *s)
{
	return s->pos;
}

void
ots_savefile_close(struct ots_savefile *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}
