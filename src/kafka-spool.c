/* SPDX-License-Identifier: BSD-3-Clause */
/* kafka-spool.c: bounded on-disk spool of the Kafka output (see include/ots/kafka-spool.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ots/error.h"
#include "ots/kafka-spool.h"

#define SPOOL_MAGIC 0x4b53544fu /* "OTSK" read as little endian */
#define MAX_FIELD   (256u << 20)

/* Kinds in the order the cap drops them. */
static const enum ots_sink_kind drop_order[OTS_SINK__COUNT] = {
	OTS_SINK_EVENT, OTS_SINK_STATS, OTS_SINK_CONDUIT, OTS_SINK_ASSET, OTS_SINK_ALERT
};

static unsigned
drop_rank(enum ots_sink_kind k)
{
	unsigned i;

	for (i = 0; i < OTS_SINK__COUNT; i++)
		if (drop_order[i] == k)
			return i;
	return 0;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t
fnv32(uint32_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

static void
make_hdr(unsigned char *h, const char *key, size_t klen, const char *val, size_t vlen)
{
	put32(h, SPOOL_MAGIC);
	put32(h + 4, (uint32_t)klen);
	put32(h + 8, (uint32_t)vlen);
	put32(h + 12, fnv32(fnv32(2166136261u, key ? key : "", klen), val, vlen));
}

static void
file_path(const struct ots_spool *s, enum ots_sink_kind kind, const char *suffix, char *buf,
          size_t len)
{
	snprintf(buf, len, "%s/%s.spool%s", s->dir, ots_sink_kind_name(kind), suffix);
}

static int
pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return OTS_EIO;
		got += (size_t)r;
	}
	return OTS_OK;
}

static int
write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return OTS_EIO;
		done += (size_t)r;
	}
	return OTS_OK;
}

static int
write_rec(int fd, const char *key, size_t klen, const char *val, size_t vlen)
{
	unsigned char h[OTS_SPOOL_HDR];

	make_hdr(h, key, klen, val, vlen);
	if (write_all(fd, h, sizeof(h)) != OTS_OK || (klen && write_all(fd, key, klen) != OTS_OK) ||
	    write_all(fd, val, vlen) != OTS_OK)
		return OTS_EIO;
	return OTS_OK;
}

/* Length of the whole record at off (header checked, checksum checked), 0 when none. */
static uint64_t
rec_at(int fd, uint64_t off, uint64_t size, char **buf, size_t *cap)
{
	unsigned char h[OTS_SPOOL_HDR];
	uint32_t klen, vlen;
	size_t n;

	if (size - off < OTS_SPOOL_HDR || pread_all(fd, h, sizeof(h), off) != OTS_OK)
		return 0;
	klen = get32(h + 4);
	vlen = get32(h + 8);
	if (get32(h) != SPOOL_MAGIC || klen > MAX_FIELD || vlen > MAX_FIELD)
		return 0;
	n = (size_t)klen + vlen;
	if (size - off - OTS_SPOOL_HDR < n)
		return 0;
	if (buf) {
		if (*cap < n + 1) {
			char *p = realloc(*buf, n + 1);

			if (!p)
				return 0;
			*buf = p;
			*cap = n + 1;
		}
		if (pread_all(fd, *buf, n, off + OTS_SPOOL_HDR) != OTS_OK)
			return 0;
		(*buf)[n] = '\0';
		if (fnv32(fnv32(2166136261u, *buf, klen), *buf + klen, vlen) != get32(h + 12))
			return 0;
	}
	return OTS_SPOOL_HDR + n;
}

static int
open_file(struct ots_spool *s, enum ots_sink_kind kind, char *err, size_t errlen)
{
	struct ots_spool_file *f = &s->f[kind];
	char path[4096], *buf = NULL;
	size_t cap = 0;
	struct stat st;
	uint64_t off = 0, n;

	file_path(s, kind, "", path, sizeof(path));
	f->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (f->fd < 0 || fstat(f->fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	f->size = (uint64_t)st.st_size;
	f->read = 0;
	f->records = 0;
	while (off < f->size && (n = rec_at(f->fd, off, f->size, &buf, &cap)) > 0) {
		off += n;
		f->records++;
	}
	free(buf);
	s->recovered += f->records;
	if (off < f->size) {
		/* a record cut by a crash (or a damaged tail): keep what is whole */
		s->recovered_cut += f->size - off;
		if (ftruncate(f->fd, (off_t)off) != 0) {
			snprintf(err, errlen, "%s: cannot cut the damaged tail: %s", path, strerror(errno));
			return OTS_EIO;
		}
		f->size = off;
	}
	return OTS_OK;
}

int
ots_spool_open(struct ots_spool *s, const char *dir, uint64_t max_bytes, char *err,
               size_t errlen)
{
	unsigned k;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < OTS_SINK__COUNT; k++)
		s->f[k].fd = -1;
	s->max_bytes = max_bytes;
	s->dir = strdup(dir);
	if (!s->dir) {
		snprintf(err, errlen, "out of memory");
		return OTS_ENOMEM;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return OTS_EIO;
	}
	for (k = 0; k < OTS_SINK__COUNT; k++)
		if (open_file(s, (enum ots_sink_kind)k, err, errlen) != OTS_OK)
			return OTS_EIO;
	return OTS_OK;
}

uint64_t
ots_spool_unread(const struct ots_spool *s, enum ots_sink_kind kind)
{
	return s->f[kind].size - s->f[kind].read;
}

uint64_t
ots_spool_bytes(const struct ots_spool *s)
{
	uint64_t n = 0;
	unsigned k;

	for (k = 0; k < OTS_SINK__COUNT; k++)
		n += ots_spool_unread(s, (enum ots_sink_kind)k);
	return n;
}

uint64_t
ots_spool_records(const struct ots_spool *s)
{
	uint64_t n = 0;
	unsigned k;

	for (k = 0; k < OTS_SINK__COUNT; k++)
		n += s->f[k].records;
	return n;
}

/* Rewrite the file of kind as recs + its unread part; read becomes 0. */
static int
rewrite(struct ots_spool *s, enum ots_sink_kind kind, const struct ots_spool_rec *recs, size_t n)
{
	struct ots_spool_file *f = &s->f[kind];
	char path[4096], tmp[4096], buf[65536];
	uint64_t off, nrec = 0;
	size_t i;
	int fd, st = OTS_OK;

	file_path(s, kind, "", path, sizeof(path));
	file_path(s, kind, ".tmp", tmp, sizeof(tmp));
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return OTS_EIO;
	for (i = 0; i < n && st == OTS_OK; i++) {
		st = write_rec(fd, recs[i].key, recs[i].key ? recs[i].klen : 0, recs[i].val,
		               recs[i].vlen);
		nrec++;
	}
	for (off = f->read; off < f->size && st == OTS_OK;) {
		size_t chunk = f->size - off < sizeof(buf) ? (size_t)(f->size - off) : sizeof(buf);

		st = pread_all(f->fd, buf, chunk, off);
		if (st == OTS_OK)
			st = write_all(fd, buf, chunk);
		off += chunk;
	}
	if (st != OTS_OK || rename(tmp, path) != 0) {
		close(fd);
		unlink(tmp);
		return OTS_EIO;
	}
	close(f->fd);
	f->fd = fd;
	f->size = (uint64_t)lseek(fd, 0, SEEK_END);
	f->read = 0;
	f->records += nrec;
	return OTS_OK;
}

/* Drop the oldest unread record of kind. 1 when one was dropped. */
static int
drop_oldest(struct ots_spool *s, enum ots_sink_kind kind)
{
	struct ots_spool_file *f = &s->f[kind];
	uint64_t n;

	if (f->read >= f->size)
		return 0;
	n = rec_at(f->fd, f->read, f->size, NULL, NULL);
	if (!n)
		n = f->size - f->read; /* unreadable: give the rest up */
	ots_spool_consume(s, kind, n);
	s->dropped[kind]++;
	return 1;
}

/* Make room for need more bytes for a record of kind. 1 when there is room. */
static int
make_room(struct ots_spool *s, enum ots_sink_kind kind, uint64_t need)
{
	unsigned i, rank = drop_rank(kind);

	if (!s->max_bytes)
		return 1;
	if (need > s->max_bytes)
		return 0;
	for (i = 0; i <= rank; i++)
		while (ots_spool_bytes(s) + need > s->max_bytes && drop_oldest(s, drop_order[i]))
			;
	return ots_spool_bytes(s) + need <= s->max_bytes;
}

int
ots_spool_append(struct ots_spool *s, enum ots_sink_kind kind, const char *key, size_t klen,
                 const char *val, size_t vlen)
{
	struct ots_spool_file *f = &s->f[kind];

	if (!key)
		klen = 0;
	if (f->fd < 0)
		return OTS_EIO;
	if (!make_room(s, kind, OTS_SPOOL_HDR + klen + vlen)) {
		s->dropped[kind]++;
		return OTS_ELIMIT;
	}
	if (write_rec(f->fd, key, klen, val, vlen) != OTS_OK) {
		/* keep the file whole: cut what this record left */
		if (ftruncate(f->fd, (off_t)f->size) != 0)
			return OTS_EIO;
		return OTS_EIO;
	}
	f->size += OTS_SPOOL_HDR + klen + vlen;
	f->records++;
	s->spooled[kind]++;
	return OTS_OK;
}

int
ots_spool_peek(struct ots_spool *s, enum ots_sink_kind kind, char **buf, size_t *cap,
               const char **key, size_t *klen, const char **val, size_t *vlen, uint64_t *reclen)
{
	struct ots_spool_file *f = &s->f[kind];
	unsigned char h[OTS_SPOOL_HDR];
	uint64_t n;

	if (f->fd < 0 || f->read >= f->size)
		return 0;
	n = rec_at(f->fd, f->read, f->size, buf, cap);
	if (!n || pread_all(f->fd, h, sizeof(h), f->read) != OTS_OK)
		return OTS_EIO;
	*klen = get32(h + 4);
	*vlen = get32(h + 8);
	*key = *klen ? *buf : NULL;
	*val = *buf + *klen;
	*reclen = n;
	return 1;
}

void
ots_spool_consume(struct ots_spool *s, enum ots_sink_kind kind, uint64_t reclen)
{
	struct ots_spool_file *f = &s->f[kind];

	f->read += reclen;
	if (f->records)
		f->records--;
	if (f->read >= f->size) {
		if (ftruncate(f->fd, 0) == 0) {
			f->size = 0;
			f->read = 0;
			f->records = 0;
		}
	} else if (f->read >= (1u << 20) && f->read > f->size / 2) {
		rewrite(s, kind, NULL, 0); /* on failure the dead head stays: retried later */
	}
}

int
ots_spool_prepend(struct ots_spool *s, enum ots_sink_kind kind,
                  const struct ots_spool_rec *recs, size_t n)
{
	int st;

	if (s->f[kind].fd < 0)
		return OTS_EIO;
	if (!n)
		return OTS_OK;
	st = rewrite(s, kind, recs, n);
	if (st != OTS_OK)
		return st;
	s->spooled[kind] += n;
	make_room(s, kind, 0); /* over the cap: the oldest go first, by kind order */
	return OTS_OK;
}

void
ots_spool_close(struct ots_spool *s)
{
	unsigned k;

	for (k = 0; k < OTS_SINK__COUNT; k++) {
		if (s->f[k].fd < 0)
			continue;
		if (s->f[k].read)
			rewrite(s, (enum ots_sink_kind)k, NULL, 0);
		close(s->f[k].fd);
		s->f[k].fd = -1;
	}
	free(s->dir);
	s->dir = NULL;
}
