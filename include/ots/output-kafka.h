/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * output-kafka.h: the Kafka output (src/output-kafka.c, librdkafka). Main thread only.
 *
 * Records go to <prefix>.alerts, .assets, .conduits, .events and .stats with a key (alerts:
 * "<rule id>/<alert id>", assets: asset id, conduits: conduit id, events: flow id, or the
 * asset id for asset_change records, stats: the sensor name) and two headers, schema_version
 * and sensor. The producer is idempotent, acks=all, lz4, linger 20 ms; any librdkafka
 * property can be set with ots_kafka_set before ots_kafka_open.
 *
 * When the broker is away, records wait in librdkafka's bounded queue; when that is full, or
 * a record fails (message.timeout.ms), they go to the on-disk spool (kafka-spool.h) and every
 * later record of that kind follows them there until the spool is replayed, so the order per
 * topic, hence per key, is kept (a failed record goes in front of the spool once no record of
 * its topic is in flight, so failures reported one by one keep their order). The spool is
 * replayed once the broker answers a metadata request or delivers. ots_kafka_close flushes for flush_timeout_s, then puts whatever is
 * still queued in front of the spool: nothing is lost short of the spool cap. A record that
 * was replayed but not acknowledged before a crash may be delivered twice.
 */
#ifndef OTS_OUTPUT_KAFKA_H
#define OTS_OUTPUT_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "ots/asset.h"
#include "ots/json.h"
#include "ots/sink.h"

struct ots_kafka_opts {
	const char *prefix;        /* topic prefix, default "otsensor" */
	const char *sensor;        /* the sensor header (observer name); default the host name */
	const char *spool_dir;     /* required */
	uint64_t spool_max;        /* bytes; 0: 1 GiB */
	double flush_timeout_s;    /* default 10 */
	double snapshot_s;         /* full assets/conduits snapshot period, default 3600 */
};

struct ots_kafka_stats {
	uint64_t produced[OTS_SINK__COUNT];  /* handed to librdkafka (replays included) */
	uint64_t delivered[OTS_SINK__COUNT]; /* acknowledged by the broker */
	uint64_t failed[OTS_SINK__COUNT];    /* delivery failures (the record went to the spool) */
	uint64_t replayed[OTS_SINK__COUNT];  /* taken from the spool and produced again */
	uint64_t queued;                     /* in librdkafka's queue now */
};

struct ots_kafka;

/* A producer configuration with the defaults. NULL on out of memory. */
struct ots_kafka *ots_kafka_new(void);
/* One librdkafka property (bootstrap.servers, security.protocol, sasl.*, ...). Before open.
 * OTS_EINVAL with err set when librdkafka refuses it. */
int ots_kafka_set(struct ots_kafka *k, const char *key, const char *val, char *err,
                  size_t errlen);
/* "K=V" form of ots_kafka_set (--kafka-property). */
int ots_kafka_set_kv(struct ots_kafka *k, const char *kv, char *err, size_t errlen);
/* Open the spool and create the producer; installs k as the record sink (sink.h). */
int ots_kafka_open(struct ots_kafka *k, const struct ots_kafka_opts *o, char *err,
                   size_t errlen);
/* One record (a JSON document, trailing newline optional). */
void ots_kafka_publish(struct ots_kafka *k, enum ots_sink_kind kind, const char *key,
                       const char *line, size_t len);
/* Serve delivery reports, spool failures, replay the spool when the broker is back. Cheap:
 * call it from the main loop. */
void ots_kafka_poll(struct ots_kafka *k);
/* At a checkpoint (after ots_inv_build): the assets and conduits whose JSON changed since
 * the last call, or all of them every snapshot_s seconds. */
void ots_kafka_inventory(struct ots_kafka *k, struct ots_inv *inv);
/* Flush for flush_timeout_s, spool what is left, destroy the producer, close the spool.
 * Removes the sink. Keeps the counters for ots_kafka_stats_json. */
void ots_kafka_close(struct ots_kafka *k);
void ots_kafka_free(struct ots_kafka *k);
/* The "kafka" object of stats.json. */
void ots_kafka_stats_json(const struct ots_kafka *k, struct ots_json *j);

#endif
