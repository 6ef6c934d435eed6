/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kafka-spool.h: the bounded on-disk spool of the Kafka output (src/kafka-spool.c).
 *
 * One append-only file per record kind, DIR/<kind>.spool ("alerts.spool" ...), holding the
 * records Kafka could not take yet, in the order they were produced. A record is a 16-byte
 * header (magic "OTSK", key length, value length, FNV-1a 32 of key and value, all little
 * endian) then the key and the value. Opening a spool checks every file and cuts it after the
 * last whole record (a crash in the middle of a write loses only that record).
 *
 * Reading does not remove: `read` moves forward and the file is truncated once everything in
 * it was read, or rewritten when the dead head grows past half the file. The cap counts the
 * unread bytes of all files (headers included); past it the oldest records are dropped, in
 * this order of kinds: events, stats, conduits, assets, alerts (a record never makes room by
 * dropping a kind that ranks above its own: a new event never pushes out an alert).
 *
 * Main thread only. Errors: OTS_EIO (file), OTS_ENOMEM; err names the file.
 */
#ifndef OTS_KAFKA_SPOOL_H
#define OTS_KAFKA_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "ots/sink.h"

#define OTS_SPOOL_HDR 16u

struct ots_spool_file {
	int fd;                   /* -1 when closed */
	uint64_t size;            /* bytes in the file */
	uint64_t read;            /* offset of the first unread record */
	uint64_t records;         /* unread records */
};

struct ots_spool {
	char *dir;
	uint64_t max_bytes;       /* cap on the unread bytes of all files (0: no cap) */
	struct ots_spool_file f[OTS_SINK__COUNT];
	uint64_t spooled[OTS_SINK__COUNT];  /* records appended (or put back) */
	uint64_t dropped[OTS_SINK__COUNT];  /* records dropped by the cap */
	uint64_t recovered_cut;   /* bytes cut at open after the last whole record */
	uint64_t recovered;       /* whole records found at open */
};

/* A record to put back in front of the unread part (ots_spool_prepend). */
struct ots_spool_rec {
	const char *key;          /* may be NULL */
	size_t klen;
	const char *val;
	size_t vlen;
};

/* Create DIR if missing (one level), open or create the files and recover them. */
int ots_spool_open(struct ots_spool *s, const char *dir, uint64_t max_bytes, char *err,
                   size_t errlen);
/* Compact (only unread records stay) and close the files. Safe on a zeroed struct. */
void ots_spool_close(struct ots_spool *s);
/* Append one record of kind. OTS_OK; OTS_ELIMIT when the cap made it drop this very record
 * (counted in dropped[kind]); OTS_EIO on a write error (the record is lost, not counted). */
int ots_spool_append(struct ots_spool *s, enum ots_sink_kind kind, const char *key, size_t klen,
                     const char *val, size_t vlen);
/* The next unread record of kind, without consuming it: 1 and the pointers set (into *buf,
 * grown with realloc; key NULL when the record has none), 0 when none, or OTS_EIO. *reclen
 * gets the bytes to pass to ots_spool_consume. */
int ots_spool_peek(struct ots_spool *s, enum ots_sink_kind kind, char **buf, size_t *cap,
                   const char **key, size_t *klen, const char **val, size_t *vlen,
                   uint64_t *reclen);
/* Mark reclen bytes (the record peeked) read; the file is truncated when all is read. */
void ots_spool_consume(struct ots_spool *s, enum ots_sink_kind kind, uint64_t reclen);
/* Put recs[0..n) in front of the unread records of kind (file rewritten), then apply the cap.
 * For records that left the spool or never reached it and must go back before what waits. */
int ots_spool_prepend(struct ots_spool *s, enum ots_sink_kind kind,
                      const struct ots_spool_rec *recs, size_t n);
/* Unread bytes of one kind / of all kinds. */
uint64_t ots_spool_unread(const struct ots_spool *s, enum ots_sink_kind kind);
uint64_t ots_spool_bytes(const struct ots_spool *s);
/* Unread records of all kinds. */
uint64_t ots_spool_records(const struct ots_spool *s);

#endif
