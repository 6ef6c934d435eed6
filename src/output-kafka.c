/* SPDX-License-Identifier: BSD-3-Clause */
/* output-kafka.c: Kafka producer with an on-disk spool (see include/ots/output-kafka.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "ots/error.h"
#include "ots/kafka-spool.h"
#include "ots/log.h"
#include "ots/output-kafka.h"
#include "ots/output.h"

#define REPLAY_MAX_QUEUED 20000 /* replay only while librdkafka holds fewer messages */
#define PROBE_EVERY_S     2.0
#define LOG_EVERY_S       10.0

/* A record back from librdkafka undelivered, waiting to go in front of its spool. */
struct pend {
	uint64_t seq;
	unsigned kind;
	char *key;
	size_t klen;
	char *val;
	size_t vlen;
};

struct ots_kafka {
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	char prefix[128];
	char sensor[256];
	double flush_timeout_s, snapshot_s;
	struct ots_spool spool;
	int spool_open;
	uint64_t seq;
	struct pend *pend;
	size_t n_pend, cap_pend;
	size_t pend_kind[OTS_SINK__COUNT];
	uint64_t inflight[OTS_SINK__COUNT]; /* produced, no delivery report yet */
	struct ots_kafka_stats st;
	int up;
	double last_probe, last_log, last_err_log, last_snapshot;
	uint64_t logged_dropped, failed_since_log;
	char *rbuf;
	size_t rcap;
	uint64_t *hk, *hv;        /* inventory: key hash -> JSON hash (open addressing) */
	size_t hn, hcap;
	uint64_t spool_bytes_left, records_left; /* after close */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
fnv64(uint64_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* librdkafka's own log lines, at most one per LOG_EVERY_S (a broker away repeats itself). */
static void
log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct ots_kafka *k = rd_kafka_opaque(rk);
	double t = now_s();

	if (level > 4 || !k || t - k->last_err_log < LOG_EVERY_S)
		return;
	k->last_err_log = t;
	ots_warn("kafka: %s: %s", fac, buf);
}

static void
error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct ots_kafka *k = opaque;
	double t = now_s();

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT)
		k->up = 0;
	if (t - k->last_err_log < LOG_EVERY_S)
		return;
	k->last_err_log = t;
	ots_warn("kafka: %s", reason);
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct ots_kafka *k = opaque;
	uint64_t tag = (uint64_t)(uintptr_t)m->_private;
	unsigned kind = (unsigned)(tag & 7);
	struct pend *p;

	(void)rk;
	if (kind >= OTS_SINK__COUNT)
		return;
	if (k->inflight[kind])
		k->inflight[kind]--;
	if (!m->err) {
		k->st.delivered[kind]++;
		k->up = 1;
		return;
	}
	if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		k->st.failed[kind]++;
		k->failed_since_log++;
		k->up = 0;
	}
	if (k->n_pend == k->cap_pend) {
		size_t cap = k->cap_pend ? k->cap_pend * 2 : 256;
		struct pend *np = realloc(k->pend, cap * sizeof(*np));

		if (!np)
			goto lost;
		k->pend = np;
		k->cap_pend = cap;
	}
	p = &k->pend[k->n_pend];
	p->seq = tag >> 3;
	p->kind = kind;
	p->klen = m->key ? m->key_len : 0;
	p->key = p->klen ? malloc(p->klen) : NULL;
	p->vlen = m->len;
	p->val = malloc(m->len ? m->len : 1);
	if ((p->klen && !p->key) || !p->val) {
		free(p->key);
		free(p->val);
		goto lost;
	}
	if (p->klen)
		memcpy(p->key, m->key, p->klen);
	memcpy(p->val, m->payload, m->len);
	k->n_pend++;
	k->pend_kind[kind]++;
	return;
lost:
	k->spool.dropped[kind]++;
}

static int
pend_cmp(const void *a, const void *b)
{
	const struct pend *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Records back from librdkafka go in front of their spool, in production order: they were
 * produced before anything the spool holds. Only once no record of their kind is in flight
 * any more: a failure reported later is of a record produced before them, and prepending
 * it on its own would put it in front of them (all records: at exit).
 */
static void
flush_pend_kinds(struct ots_kafka *k, int all)
{
	size_t i, j, w;

	if (!k->n_pend)
		return;
	qsort(k->pend, k->n_pend, sizeof(*k->pend), pend_cmp);
	for (i = 0; i < k->n_pend; i = j) {
		struct ots_spool_rec *r;
		unsigned kind = k->pend[i].kind;
		size_t n;

		for (j = i; j < k->n_pend && k->pend[j].kind == kind; j++)
			;
		if (!all && k->inflight[kind])
			continue; /* more reports of this kind to come */
		n = j - i;
		r = calloc(n, sizeof(*r));
		if (r) {
			size_t x;

			for (x = 0; x < n; x++) {
				r[x].key = k->pend[i + x].key;
				r[x].klen = k->pend[i + x].klen;
				r[x].val = k->pend[i + x].val;
				r[x].vlen = k->pend[i + x].vlen;
			}
		}
		if (!r || ots_spool_prepend(&k->spool, (enum ots_sink_kind)kind, r, n) != OTS_OK) {
			ots_err("kafka: cannot write the spool in %s: %zu %s records lost",
			        k->spool.dir, n, ots_sink_kind_name((enum ots_sink_kind)kind));
			k->spool.dropped[kind] += n;
		}
		free(r);
		for (n = i; n < j; n++) {
			free(k->pend[n].key);
			free(k->pend[n].val);
			k->pend[n].key = k->pend[n].val = NULL;
			k->pend[n].vlen = (size_t)-1; /* taken */
		}
		k->pend_kind[kind] = 0;
	}
	for (i = w = 0; i < k->n_pend; i++)
		if (k->pend[i].vlen != (size_t)-1)
			k->pend[w++] = k->pend[i];
	k->n_pend = w;
}

static void
flush_pend(struct ots_kafka *k)
{
	flush_pend_kinds(k, 0);
}

struct ots_kafka *
ots_kafka_new(void)
{
	static const char *const defaults[][2] = {
		{ "enable.idempotence", "true" },
		{ "acks", "all" },
		{ "compression.type", "lz4" },
		{ "linger.ms", "20" },
		{ "queue.buffering.max.messages", "100000" },
		{ "queue.buffering.max.kbytes", "65536" },
		{ "message.timeout.ms", "300000" },
		{ "log.connection.close", "false" },
	};
	struct ots_kafka *k = calloc(1, sizeof(*k));
	char err[256];
	size_t i;

	if (!k)
		return NULL;
	k->conf = rd_kafka_conf_new();
	if (!k->conf) {
		free(k);
		return NULL;
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		rd_kafka_conf_set(k->conf, defaults[i][0], defaults[i][1], err, sizeof(err));
	return k;
}

int
ots_kafka_set(struct ots_kafka *k, const char *key, const char *val, char *err, size_t errlen)
{
	char e[512];

	if (!k->conf) {
		snprintf(err, errlen, "kafka: %s: the producer is already open", key);
		return OTS_EINVAL;
	}
	if (rd_kafka_conf_set(k->conf, key, val, e, sizeof(e)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka property %s: %s", key, e);
		return OTS_EINVAL;
	}
	return OTS_OK;
}

int
ots_kafka_set_kv(struct ots_kafka *k, const char *kv, char *err, size_t errlen)
{
	const char *eq = strchr(kv, '=');
	char key[256];

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key)) {
		snprintf(err, errlen, "kafka property '%s': expected KEY=VALUE", kv);
		return OTS_EINVAL;
	}
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	return ots_kafka_set(k, key, eq + 1, err, errlen);
}

static void
sink_cb(void *ctx, enum ots_sink_kind kind, const char *key, const char *line, size_t len)
{
	ots_kafka_publish(ctx, kind, key, line, len);
}

int
ots_kafka_open(struct ots_kafka *k, const struct ots_kafka_opts *o, char *err, size_t errlen)
{
	char e[512];

	snprintf(k->prefix, sizeof(k->prefix), "%s", o->prefix && *o->prefix ? o->prefix : "otsensor");
	if (o->sensor && *o->sensor)
		snprintf(k->sensor, sizeof(k->sensor), "%s", o->sensor);
	else if (gethostname(k->sensor, sizeof(k->sensor) - 1) != 0)
		snprintf(k->sensor, sizeof(k->sensor), "otsensor");
	k->flush_timeout_s = o->flush_timeout_s > 0 ? o->flush_timeout_s : 10.0;
	k->snapshot_s = o->snapshot_s > 0 ? o->snapshot_s : 3600.0;
	if (ots_spool_open(&k->spool, o->spool_dir, o->spool_max ? o->spool_max : (1ull << 30),
	                   e, sizeof(e)) != OTS_OK) {
		snprintf(err, errlen, "kafka spool: %s", e);
		ots_spool_close(&k->spool);
		return OTS_EIO;
	}
	k->spool_open = 1;
	if (k->spool.recovered_cut)
		ots_warn("kafka spool %s: %llu bytes after the last whole record cut", o->spool_dir,
		         (unsigned long long)k->spool.recovered_cut);
	if (k->spool.recovered)
		ots_info("kafka spool %s: %llu records from an earlier run to send first",
		         o->spool_dir, (unsigned long long)k->spool.recovered);
	rd_kafka_conf_set_opaque(k->conf, k);
	rd_kafka_conf_set_dr_msg_cb(k->conf, dr_cb);
	rd_kafka_conf_set_error_cb(k->conf, error_cb);
	rd_kafka_conf_set_log_cb(k->conf, log_cb);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, k->conf, e, sizeof(e));
	if (!k->rk) {
		snprintf(err, errlen, "kafka: %s", e);
		return OTS_EINVAL;
	}
	k->conf = NULL; /* owned by rk now */
	k->last_snapshot = -1e18;
	k->last_probe = -1e18;
	ots_sink_set(sink_cb, k);
	return OTS_OK;
}

static rd_kafka_resp_err_t
produce(struct ots_kafka *k, unsigned kind, const char *key, size_t klen, const char *val,
        size_t vlen)
{
	char topic[192];
	uint64_t seq = ++k->seq;
	rd_kafka_resp_err_t e;

	snprintf(topic, sizeof(topic), "%s.%s", k->prefix,
	         ots_sink_kind_name((enum ots_sink_kind)kind));
	e = rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(topic),
	                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	                      RD_KAFKA_V_KEY(klen ? key : NULL, klen),
	                      RD_KAFKA_V_VALUE((void *)(uintptr_t)val, vlen),
	                      RD_KAFKA_V_HEADER("schema_version", "1", 1),
	                      RD_KAFKA_V_HEADER("sensor", k->sensor, -1),
	                      RD_KAFKA_V_OPAQUE((void *)(uintptr_t)(seq << 3 | kind)),
	                      RD_KAFKA_V_END);
	if (!e) {
		k->st.produced[kind]++;
		k->inflight[kind]++;
	}
	return e;
}

static void
to_spool(struct ots_kafka *k, unsigned kind, const char *key, size_t klen, const char *val,
         size_t vlen)
{
	int rc = ots_spool_append(&k->spool, (enum ots_sink_kind)kind, key, klen, val, vlen);

	if (rc == OTS_EIO) {
		k->spool.dropped[kind]++;
		ots_err("kafka: cannot write the spool in %s: a %s record lost", k->spool.dir,
		        ots_sink_kind_name((enum ots_sink_kind)kind));
	}
}

void
ots_kafka_publish(struct ots_kafka *k, enum ots_sink_kind kind, const char *key,
                  const char *line, size_t len)
{
	size_t klen = key ? strlen(key) : 0;
	rd_kafka_resp_err_t e;

	if (!k || !k->rk || (unsigned)kind >= OTS_SINK__COUNT)
		return;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (ots_spool_unread(&k->spool, kind) || k->pend_kind[kind]) {
		/* older records of this topic wait in the spool: queue up behind them */
		to_spool(k, kind, key, klen, line, len);
		return;
	}
	e = produce(k, kind, key, klen, line, len);
	if (e) {
		if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			ots_warn("kafka: %s", rd_kafka_err2str(e));
		to_spool(k, kind, key, klen, line, len);
	}
	if ((k->seq & 1023) == 0)
		rd_kafka_poll(k->rk, 0);
}

/* Is the cluster reachable? A metadata request, at most every PROBE_EVERY_S. */
static void
probe(struct ots_kafka *k, double t, int timeout_ms)
{
	const struct rd_kafka_metadata *md = NULL;

	if (k->up || t - k->last_probe < PROBE_EVERY_S)
		return;
	k->last_probe = t;
	if (rd_kafka_metadata(k->rk, 0, NULL, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (md->broker_cnt > 0)
			k->up = 1;
		rd_kafka_metadata_destroy(md);
	}
}

/* Produce spooled records, oldest first, while the queue has room. */
static void
replay(struct ots_kafka *k)
{
	unsigned kind;

	for (kind = 0; kind < OTS_SINK__COUNT; kind++) {
		while (k->up && !k->pend_kind[kind] && ots_spool_unread(&k->spool, kind) &&
		       rd_kafka_outq_len(k->rk) < REPLAY_MAX_QUEUED) {
			const char *key, *val;
			size_t klen, vlen;
			uint64_t reclen;
			int rc = ots_spool_peek(&k->spool, (enum ots_sink_kind)kind, &k->rbuf, &k->rcap,
			                        &key, &klen, &val, &vlen, &reclen);

			if (rc == OTS_EIO) {
				/* unreadable record: skip the rest of that file rather than stall */
				ots_err("kafka: spool %s/%s.spool unreadable: its unread records dropped",
				        k->spool.dir, ots_sink_kind_name((enum ots_sink_kind)kind));
				k->spool.dropped[kind] += k->spool.f[kind].records;
				ots_spool_consume(&k->spool, (enum ots_sink_kind)kind,
				                  ots_spool_unread(&k->spool, (enum ots_sink_kind)kind));
				break;
			}
			if (rc != 1 || produce(k, kind, key, klen, val, vlen) != RD_KAFKA_RESP_ERR_NO_ERROR)
				break;
			k->st.replayed[kind]++;
			ots_spool_consume(&k->spool, (enum ots_sink_kind)kind, reclen);
		}
	}
}

static void
log_drops(struct ots_kafka *k, double t, int force)
{
	uint64_t d = 0;
	unsigned i;

	for (i = 0; i < OTS_SINK__COUNT; i++)
		d += k->spool.dropped[i];
	if ((d == k->logged_dropped && !k->failed_since_log) ||
	    (!force && t - k->last_log < LOG_EVERY_S))
		return;
	k->last_log = t;
	if (k->failed_since_log)
		ots_warn("kafka: %llu records not delivered in time, kept in the spool %s",
		         (unsigned long long)k->failed_since_log, k->spool.dir);
	k->failed_since_log = 0;
	if (d != k->logged_dropped)
		ots_warn("kafka spool %s full (cap %llu bytes): dropped so far %llu events, "
		         "%llu stats, %llu conduits, %llu assets, %llu alerts", k->spool.dir,
		         (unsigned long long)k->spool.max_bytes,
		         (unsigned long long)k->spool.dropped[OTS_SINK_EVENT],
		         (unsigned long long)k->spool.dropped[OTS_SINK_STATS],
		         (unsigned long long)k->spool.dropped[OTS_SINK_CONDUIT],
		         (unsigned long long)k->spool.dropped[OTS_SINK_ASSET],
		         (unsigned long long)k->spool.dropped[OTS_SINK_ALERT]);
	k->logged_dropped = d;
}

static void
step(struct ots_kafka *k, int poll_ms, int probe_ms)
{
	double t = now_s();

	rd_kafka_poll(k->rk, poll_ms);
	flush_pend(k);
	if (ots_spool_bytes(&k->spool)) {
		probe(k, t, probe_ms);
		replay(k);
	}
	log_drops(k, t, 0);
}

void
ots_kafka_poll(struct ots_kafka *k)
{
	if (k && k->rk)
		step(k, 0, 100);
}

static int
hash_grow(struct ots_kafka *k)
{
	size_t cap = k->hcap ? k->hcap * 2 : 1024, i;
	uint64_t *nk = calloc(cap, sizeof(*nk)), *nv = calloc(cap, sizeof(*nv));

	if (!nk || !nv) {
		free(nk);
		free(nv);
		return OTS_ENOMEM;
	}
	for (i = 0; i < k->hcap; i++) {
		size_t s;

		if (!k->hk[i])
			continue;
		for (s = k->hk[i] & (cap - 1); nk[s]; s = (s + 1) & (cap - 1))
			;
		nk[s] = k->hk[i];
		nv[s] = k->hv[i];
	}
	free(k->hk);
	free(k->hv);
	k->hk = nk;
	k->hv = nv;
	k->hcap = cap;
	return OTS_OK;
}

struct inv_ctx {
	struct ots_kafka *k;
	int all;
	uint64_t sent;
};

static void
inv_cb(void *ctx, int kind, const char *id, const char *json, size_t len)
{
	struct inv_ctx *c = ctx;
	struct ots_kafka *k = c->k;
	uint64_t hk = fnv64(fnv64(14695981039346656037ull, kind ? "c" : "a", 1), id, strlen(id));
	uint64_t hv = fnv64(14695981039346656037ull, json, len) | 1;
	size_t s;

	hk |= 1; /* 0 marks a free slot */
	if ((k->hn + 1) * 2 > k->hcap && hash_grow(k) != OTS_OK) {
		ots_kafka_publish(k, kind ? OTS_SINK_CONDUIT : OTS_SINK_ASSET, id, json, len);
		c->sent++;
		return;
	}
	for (s = hk & (k->hcap - 1); k->hk[s] && k->hk[s] != hk; s = (s + 1) & (k->hcap - 1))
		;
	if (!k->hk[s]) {
		k->hk[s] = hk;
		k->hn++;
	} else if (k->hv[s] == hv && !c->all) {
		return; /* unchanged since the last checkpoint */
	}
	k->hv[s] = hv;
	ots_kafka_publish(k, kind ? OTS_SINK_CONDUIT : OTS_SINK_ASSET, id, json, len);
	c->sent++;
}

void
ots_kafka_inventory(struct ots_kafka *k, struct ots_inv *inv)
{
	struct inv_ctx c = { k, 0, 0 };
	double t = now_s();

	if (!k || !k->rk || !inv->built)
		return;
	if (t - k->last_snapshot >= k->snapshot_s) {
		c.all = 1;
		k->last_snapshot = t;
	}
	ots_inv_each_json(inv, inv_cb, &c);
	ots_kafka_poll(k);
}

void
ots_kafka_close(struct ots_kafka *k)
{
	double deadline, t;
	uint64_t left;
	unsigned i;

	if (!k || !k->rk)
		return;
	ots_sink_set(NULL, NULL);
	deadline = now_s() + k->flush_timeout_s;
	k->last_probe = -1e18;
	while ((t = now_s()) < deadline) {
		step(k, 100, 500);
		if (!rd_kafka_outq_len(k->rk) && !k->n_pend && !ots_spool_bytes(&k->spool))
			break;
	}
	/* what librdkafka still holds goes in front of the spool */
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	for (i = 0; i < 50 && rd_kafka_outq_len(k->rk) > 0; i++)
		rd_kafka_poll(k->rk, 100);
	rd_kafka_poll(k->rk, 0);
	flush_pend_kinds(k, 1);
	k->st.queued = (uint64_t)rd_kafka_outq_len(k->rk);
	rd_kafka_destroy(k->rk);
	k->rk = NULL;
	log_drops(k, now_s(), 1);
	left = ots_spool_records(&k->spool);
	if (left)
		ots_warn("kafka: %llu records (%llu bytes) kept in the spool %s for the next run",
		         (unsigned long long)left, (unsigned long long)ots_spool_bytes(&k->spool),
		         k->spool.dir);
	k->spool_bytes_left = ots_spool_bytes(&k->spool);
	k->records_left = left;
	ots_spool_close(&k->spool);
	k->spool_open = 0;
}

void
ots_kafka_free(struct ots_kafka *k)
{
	if (!k)
		return;
	if (k->rk)
		ots_kafka_close(k);
	if (k->spool_open)
		ots_spool_close(&k->spool);
	if (k->conf)
		rd_kafka_conf_destroy(k->conf);
	flush_pend_kinds(k, 1); /* nothing left normally; frees the copies */
	free(k->pend);
	free(k->rbuf);
	free(k->hk);
	free(k->hv);
	free(k);
}

static void
per_kind(struct ots_json *j, const char *name, const uint64_t *v)
{
	unsigned i;

	ots_json_obj_open(j, name);
	for (i = 0; i < OTS_SINK__COUNT; i++)
		ots_json_u64(j, ots_sink_kind_name((enum ots_sink_kind)i), v[i]);
	ots_json_obj_close(j);
}

static uint64_t
sum(const uint64_t *v)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < OTS_SINK__COUNT; i++)
		n += v[i];
	return n;
}

void
ots_kafka_stats_json(const struct ots_kafka *k, struct ots_json *j)
{
	int open = k->rk != NULL;

	ots_json_obj_open(j, "kafka");
	ots_json_str(j, "topic_prefix", k->prefix);
	ots_json_u64(j, "produced", sum(k->st.produced));
	ots_json_u64(j, "delivered", sum(k->st.delivered));
	ots_json_u64(j, "failed", sum(k->st.failed));
	ots_json_u64(j, "queued", open ? (uint64_t)rd_kafka_outq_len(k->rk) : k->st.queued);
	ots_json_u64(j, "spooled", sum(k->spool.spooled));
	ots_json_u64(j, "replayed", sum(k->st.replayed));
	ots_json_u64(j, "spool_records", open ? ots_spool_records(&k->spool) : k->records_left);
	ots_json_u64(j, "spool_bytes", open ? ots_spool_bytes(&k->spool) : k->spool_bytes_left);
	per_kind(j, "delivered_by_kind", k->st.delivered);
	per_kind(j, "spooled_by_kind", k->spool.spooled);
	per_kind(j, "dropped", k->spool.dropped);
	ots_json_obj_close(j);
}
