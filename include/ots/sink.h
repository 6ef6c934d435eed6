/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sink.h: a second destination for the records written to the JSON Lines files (src/sink.c).
 *
 * Each writer of alerts.jsonl and events.jsonl calls ots_sink_emit() right after a line went
 * to its file, with the record kind and the record's key; the inventory checkpoint emits the
 * assets and conduits that changed. Without a sink installed the calls cost one test. The
 * Kafka output (src/output-kafka.c) installs itself here. Main thread only.
 */
#ifndef OTS_SINK_H
#define OTS_SINK_H

#include <stddef.h>

/* Record kinds, one Kafka topic each. The order is the spool's keep priority (last dropped
 * last): see include/ots/kafka-spool.h. */
enum ots_sink_kind {
	OTS_SINK_ALERT = 0,
	OTS_SINK_ASSET = 1,
	OTS_SINK_CONDUIT = 2,
	OTS_SINK_EVENT = 3,
	OTS_SINK_STATS = 4,
	OTS_SINK__COUNT
};

/* line: one JSON document, with or without its trailing newline (the callee strips it).
 * key may be NULL (no key). Neither pointer is kept after the call. */
typedef void (*ots_sink_fn)(void *ctx, enum ots_sink_kind kind, const char *key,
                            const char *line, size_t len);

/* Install (fn non-NULL) or remove (fn NULL) the sink. */
void ots_sink_set(ots_sink_fn fn, void *ctx);
/* 1 when a sink is installed: writers may skip building keys otherwise. */
int ots_sink_on(void);
void ots_sink_emit(enum ots_sink_kind kind, const char *key, const char *line, size_t len);
/* "alerts", "assets", "conduits", "events", "stats": the topic suffix of a kind. */
const char *ots_sink_kind_name(enum ots_sink_kind kind);

#endif
