/* SPDX-License-Identifier: BSD-3-Clause */
/* output-file.c: flows.jsonl writer, deterministic ordering, atomic file writes (output.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ots/decode.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/output.h"
#include "ots/sink.h"

/*
 * stdio buffers. glibc ignores the size in setvbuf(f, NULL, _IOFBF, size) and writes in
 * st_blksize pieces (4 KiB on ext4): flows.jsonl of the 1M-packet bench plant (42 MB) was
 * 10,000 write(2) calls from the main thread. Our output files get a buffer of their own,
 * remembered here so that ots_fclose() frees it after the close (the checkpoint writes from
 * two threads: the table is locked).
 */
#define OUT_BUF_SIZE (256u << 10)
#define OUT_BUF_SLOTS 32

static pthread_mutex_t buf_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	FILE *f;
	char *buf;
} out_bufs[OUT_BUF_SLOTS];

void
ots_file_buffer(FILE *f)
{
	char *b = malloc(OUT_BUF_SIZE);
	unsigned i;

	if (!b)
		return; /* stdio's own buffer then */
	pthread_mutex_lock(&buf_mu);
	for (i = 0; i < OUT_BUF_SLOTS && out_bufs[i].f; i++)
		;
	if (i < OUT_BUF_SLOTS && setvbuf(f, b, _IOFBF, OUT_BUF_SIZE) == 0) {
		out_bufs[i].f = f;
		out_bufs[i].buf = b;
		b = NULL;
	}
	pthread_mutex_unlock(&buf_mu);
	free(b);
}

int
ots_fclose(FILE *f)
{
	int rc = fclose(f);
	char *b = NULL;
	unsigned i;

	pthread_mutex_lock(&buf_mu);
	for (i = 0; i < OUT_BUF_SLOTS; i++)
		if (out_bufs[i].f == f) {
			b = out_bufs[i].buf;
			out_bufs[i].f = NULL;
			out_bufs[i].buf = NULL;
			break;
		}
	pthread_mutex_unlock(&buf_mu);
	free(b);
	return rc;
}

/*
 * Replacing the files of an earlier run. Opening a 42 MB flows.jsonl with O_TRUNC took 12 ms
 * (the kernel frees its pages and blocks there and then), and on ext4 the truncation also
 * marks the file for auto_da_alloc, so the close() at the end of the run started writeback of
 * the whole new file and waited for it: 29 ms more. Both sat on the run's serial path (before
 * the first packet, after the last). A large old file is renamed aside in the same directory
 * (.NAME.old) and unlinked by a short-lived thread while the run goes on; the new file is a
 * fresh inode, so its close() costs nothing. ots_out_reap_wait() joins those threads.
 * Symbolic links, FIFOs, devices and small files are opened as before.
 */
#define REAP_MIN_SIZE (1 << 20)
#define REAP_SLOTS 8

static pthread_t reap_thr[REAP_SLOTS];
static unsigned n_reap;

static void *
reap_main(void *arg)
{
	unlink(arg);
	free(arg);
	return NULL;
}

static void
reap_old(const char *path)
{
	struct stat st;
	const char *base = strrchr(path, '/');
	size_t dl = base ? (size_t)(base - path) + 1 : 0, n = strlen(path) + 8;
	char *old;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < REAP_MIN_SIZE)
		return;
	old = malloc(n);
	if (!old)
		return;
	snprintf(old, n, "%.*s.%s.old", (int)dl, path, path + dl);
	if (rename(path, old) != 0) {
		free(old); /* truncated in place by the open, as before */
		return;
	}
	pthread_mutex_lock(&buf_mu);
	if (n_reap < REAP_SLOTS && pthread_create(&reap_thr[n_reap], NULL, reap_main, old) == 0) {
		n_reap++;
		old = NULL;
	}
	pthread_mutex_unlock(&buf_mu);
	if (old)
		reap_main(old);
}

FILE *
ots_out_create(const char *path)
{
	FILE *f;

	reap_old(path);
	f = fopen(path, "w");
	if (f)
		ots_file_buffer(f);
	return f;
}

void
ots_out_reap_wait(void)
{
	unsigned i, n;

	pthread_mutex_lock(&buf_mu);
	n = n_reap;
	n_reap = 0;
	pthread_mutex_unlock(&buf_mu);
	for (i = 0; i < n; i++)
		pthread_join(reap_thr[i], NULL);
}

static const char *
end_reason_name(uint8_t r)
{
	switch (r) {
	case OTS_FLOW_END_IDLE: return "idle";
	case OTS_FLOW_END_TIMEOUT_ACTIVE: return "active_timeout";
	case OTS_FLOW_END_CLOSED: return "closed";
	case OTS_FLOW_END_EVICTED: return "evicted";
	case OTS_FLOW_END_EOF: return "eof";
	}
	return "active";
}

static const char *
transport_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	case 47: return "gre";
	case 50: return "esp";
	case 2: return "igmp";
	case 89: return "ospf";
	case 112: return "vrrp";
	}
	snprintf(buf, len, "ip-%u", proto);
	return buf;
}

/* id as 16 lowercase hex digits and a NUL (the "%016llx" of the ids, without printf). */
static void
hex16(uint64_t id, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = hex[id & 15];
		id >>= 4;
	}
	out[16] = '\0';
}

static void
tcp_flags_str(uint8_t f, char out[8])
{
	static const char names[] = "FSRPAU";
	int i, n = 0;

	for (i = 0; i < 6; i++)
		if (f & (1u << i))
			out[n++] = names[i];
	out[n] = '\0';
}

uint64_t
ots_flow_id(const struct ots_flow_key *key, uint64_t first_ts)
{
	/* FNV-1a over key bytes and first_ts: stable across runs, worker counts and hosts. */
	const uint8_t *k = (const uint8_t *)key;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < sizeof(*key); i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	for (i = 0; i < 8; i++)
		h = (h ^ ((first_ts >> (8 * i)) & 0xff)) * 0x100000001b3ull;
	return h;
}

uint64_t
ots_flow_rec_id(const struct ots_flow_rec *r)
{
	return ots_flow_id(&r->key, r->first_ts);
}

static const char *
proto_name(uint16_t id)
{
	const struct ots_dissector *d = ots_dissector_by_id(id);

	return d ? d->name : "unknown";
}

/* What the flow did in ICS terms: operations by class and by function, reads included. */
static void
ics_counts_json(struct ots_json *j, uint16_t proto, const struct ots_ics_counts *c)
{
	unsigned i;

	ots_json_obj_open(j, "ics");
	ots_json_str(j, "protocol", proto_name(proto));
	ots_json_obj_open(j, "operations");
	for (i = 0; i < OTS_OP__COUNT; i++)
		if (c->ops[i])
			ots_json_u64(j, ots_op_class_name((enum ots_op_class)i), c->ops[i]);
	ots_json_obj_close(j);
	ots_json_arr_open(j, "functions");
	for (i = 0; i < c->n_fn && i < OTS_ICS_FN_SLOTS; i++) {
		const struct ots_ics_fn_count *f = &c->fn[i];

		ots_json_obj_open(j, NULL);
		ots_json_u64(j, "function_code", f->code);
		ots_json_str(j, "function", f->name ? f->name : "unknown");
		ots_json_str(j, "op_class", ots_op_class_name((enum ots_op_class)f->op_class));
		ots_json_u64(j, "requests", f->requests);
		ots_json_u64(j, "responses", f->responses);
		ots_json_u64(j, "exceptions", f->exceptions);
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	if (c->fn_other)
		ots_json_u64(j, "functions_other", c->fn_other);
	ots_json_obj_close(j);
}

void
ots_flow_rec_json(struct ots_json *j, const struct ots_flow_rec *r,
                  const struct ots_ics_counts *ics)
{
	const struct ots_addr *src = r->init_is_lo ? &r->key.lo : &r->key.hi;
	const struct ots_addr *dst = r->init_is_lo ? &r->key.hi : &r->key.lo;
	uint16_t sport = r->init_is_lo ? r->key.port_lo : r->key.port_hi;
	uint16_t dport = r->init_is_lo ? r->key.port_hi : r->key.port_lo;
	char a[64], tb[16], fl[8], id[20];
	unsigned i;
	static const char *const ndpi_state[] = { "pending", "detected", "unknown", "guessed" };

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_SCHEMA_VERSION);
	ots_json_str(j, "record", "flow");
	hex16(ots_flow_rec_id(r), id);
	ots_json_str(j, "flow_id", id);
	ots_json_time(j, "first_seen", r->first_ts);
	ots_json_time(j, "last_seen", r->last_ts);
	ots_json_dbl(j, "duration_s",
	             r->last_ts >= r->first_ts ? (double)(r->last_ts - r->first_ts) / 1e6 : 0.0, 6);
	ots_json_u64(j, "ip_version", r->key.ip_version);
	ots_json_str(j, "transport", transport_name(r->key.proto, tb, sizeof(tb)));
	ots_json_str(j, "src_ip", ots_addr_str(src, a, sizeof(a)));
	ots_json_u64(j, "src_port", sport);
	ots_json_str(j, "dst_ip", ots_addr_str(dst, a, sizeof(a)));
	ots_json_u64(j, "dst_port", dport);
	if (r->has_mac & 1)
		ots_json_str(j, "src_mac", ots_mac_str(r->mac[0], a, sizeof(a)));
	if (r->has_mac & 2)
		ots_json_str(j, "dst_mac", ots_mac_str(r->mac[1], a, sizeof(a)));
	if (r->vlan_count) {
		ots_json_arr_open(j, "vlan");
		for (i = 0; i < r->vlan_count && i < OTS_MAX_VLANS; i++)
			ots_json_u64(j, NULL, r->vlan[i]);
		ots_json_arr_close(j);
	}
	ots_json_str(j, "protocol", r->proto);
	if (r->app_proto)
		ots_json_str(j, "ics_protocol", proto_name(r->app_proto));
	ots_json_obj_open(j, "ndpi");
	ots_json_str(j, "protocol", r->proto);
	ots_json_u64(j, "master_id", r->ndpi_master);
	ots_json_u64(j, "app_id", r->ndpi_app);
	ots_json_str(j, "category", r->category);
	ots_json_str(j, "state", ndpi_state[r->ndpi_state & 3]);
	ots_json_obj_close(j);
	ots_json_u64(j, "pkts_toserver", r->pkts[0]);
	ots_json_u64(j, "bytes_toserver", r->bytes[0]);
	ots_json_u64(j, "payload_bytes_toserver", r->payload_bytes[0]);
	ots_json_u64(j, "pkts_toclient", r->pkts[1]);
	ots_json_u64(j, "bytes_toclient", r->bytes[1]);
	ots_json_u64(j, "payload_bytes_toclient", r->payload_bytes[1]);
	if (r->key.proto == 6) {
		ots_json_obj_open(j, "tcp");
		tcp_flags_str(r->tcp_flags[0], fl);
		ots_json_str(j, "flags_toserver", fl);
		tcp_flags_str(r->tcp_flags[1], fl);
		ots_json_str(j, "flags_toclient", fl);
		ots_json_u64(j, "gaps", r->tcp_gaps);
		ots_json_u64(j, "gap_bytes", r->tcp_gap_bytes);
		ots_json_obj_close(j);
	}
	if (r->app_proto && ics)
		ics_counts_json(j, r->app_proto, ics);
	ots_json_str(j, "end_reason", end_reason_name(r->end_reason));
	ots_json_obj_close(j);
}

void
ots_event_rec_json(struct ots_json *j, const struct ots_event_rec *e)
{
	/* src/dst are the sender and receiver of the PDU, not the flow's initiator/responder:
	 * "who did what to whom" reads directly off the record. */
	int sender_is_lo = e->dir == 0 ? e->init_is_lo : !e->init_is_lo;
	int sender_side = e->dir; /* mac[] is in flow order: [0] initiator */
	const struct ots_addr *src = sender_is_lo ? &e->key.lo : &e->key.hi;
	const struct ots_addr *dst = sender_is_lo ? &e->key.hi : &e->key.lo;
	uint16_t sport = sender_is_lo ? e->key.port_lo : e->key.port_hi;
	uint16_t dport = sender_is_lo ? e->key.port_hi : e->key.port_lo;
	static const char *const kinds[] = { "ics_op", "identity", "ics_flag" };
	char a[64], id[20], tb[16];
	unsigned i;

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_SCHEMA_VERSION);
	ots_json_str(j, "record", kinds[e->kind % 3]);
	ots_json_time(j, "@timestamp", e->ts);
	if (e->key.ip_version == 0) {
		/* A layer-2 frame (PROFINET DCP, GOOSE, LLDP, CDP): no flow, no IP. */
		ots_json_str(j, "transport", "ether");
		snprintf(tb, sizeof(tb), "0x%04x", e->key.port_lo);
		ots_json_str(j, "ethertype", tb);
	} else {
		hex16(ots_flow_id(&e->key, e->flow_first_ts), id);
		ots_json_str(j, "flow_id", id);
		ots_json_str(j, "transport", transport_name(e->key.proto, tb, sizeof(tb)));
		ots_json_str(j, "src_ip", ots_addr_str(src, a, sizeof(a)));
		ots_json_u64(j, "src_port", sport);
		ots_json_str(j, "dst_ip", ots_addr_str(dst, a, sizeof(a)));
		ots_json_u64(j, "dst_port", dport);
	}
	if (e->has_mac & (1u << sender_side))
		ots_json_str(j, "src_mac", ots_mac_str(e->mac[sender_side], a, sizeof(a)));
	if (e->has_mac & (1u << !sender_side))
		ots_json_str(j, "dst_mac", ots_mac_str(e->mac[!sender_side], a, sizeof(a)));
	if (e->vlan_count) {
		ots_json_arr_open(j, "vlan");
		for (i = 0; i < e->vlan_count && i < OTS_MAX_VLANS; i++)
			ots_json_u64(j, NULL, e->vlan[i]);
		ots_json_arr_close(j);
	}
	ots_json_str(j, "direction", e->dir ? "toclient" : "toserver");
	ots_json_obj_open(j, "ics");
	ots_json_str(j, "protocol", proto_name(e->proto));
	switch (e->kind) {
	case OTS_EV_OP:
		ots_json_str(j, "function", e->op.function_name ? e->op.function_name : "unknown");
		ots_json_u64(j, "function_code", e->op.function);
		ots_json_str(j, "op_class", ots_op_class_name((enum ots_op_class)e->op.op_class));
		ots_json_bool(j, "response", e->op.is_response);
		if (e->op.has_unit)
			ots_json_u64(j, "unit", e->op.unit);
		if (e->op.has_exception)
			ots_json_u64(j, "exception", e->op.exception);
		if (e->op.has_addr) {
			ots_json_obj_open(j, "address");
			ots_json_u64(j, "start", e->op.addr_start);
			ots_json_u64(j, "count", e->op.addr_count);
			ots_json_obj_close(j);
		}
		if (e->op.has_transaction)
			ots_json_u64(j, "transaction", e->op.transaction);
		if (e->op.has_qualifier)
			ots_json_u64(j, "qualifier", e->op.qualifier);
		break;
	case OTS_EV_FACT:
		ots_json_str(j, "attribute", ots_fact_attr_name((enum ots_fact_attr)e->attr));
		ots_json_strn(j, "value", e->value, e->value_len);
		if (e->value_cut)
			ots_json_bool(j, "value_truncated", 1);
		ots_json_str(j, "source", e->source);
		ots_json_u64(j, "confidence", e->confidence);
		ots_json_str(j, "asset", (e->side == OTS_SIDE_SENDER) ? "src" : "dst");
		break;
	default:
		ots_json_str(j, "flag", ots_ics_flag_name((enum ots_ics_flag)e->flag));
		ots_json_str(j, "reason", e->what ? e->what : "");
		break;
	}
	ots_json_obj_close(j);
	ots_json_obj_close(j);
}

/* Deterministic order of events: time, then flow, then order within the flow. */
static int
event_cmp(const void *pa, const void *pb)
{
	const struct ots_event_rec *a = pa, *b = pb;
	int c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->flow_first_ts != b->flow_first_ts)
		return a->flow_first_ts < b->flow_first_ts ? -1 : 1;
	c = memcmp(&a->key, &b->key, sizeof(a->key));
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int
ots_flow_rec_cmp(const void *pa, const void *pb)
{
	const struct ots_flow_rec *a = pa, *b = pb;
	int c;

	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	c = memcmp(&a->key, &b->key, sizeof(a->key));
	if (c)
		return c;
	if (a->last_ts != b->last_ts)
		return a->last_ts < b->last_ts ? -1 : 1;
	if (a->pkts[0] + a->pkts[1] != b->pkts[0] + b->pkts[1])
		return a->pkts[0] + a->pkts[1] < b->pkts[0] + b->pkts[1] ? -1 : 1;
	return (int)a->end_reason - (int)b->end_reason;
}

static int
mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path), i;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			buf[i] = c;
		}
	}
	return 0;
}

static char *
join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int
ots_output_open(struct ots_output *o, const struct ots_conf *conf, char *err, size_t errlen)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->conf = conf;
	ots_json_init(&o->j);
	if (!conf->outdir)
		return OTS_OK;
	if (mkdir_p(conf->outdir) < 0 || stat(conf->outdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot create output directory %s: %s", conf->outdir,
		         strerror(errno ? errno : ENOTDIR));
		return OTS_EIO;
	}
	o->flows_path = join_path(conf->outdir, "flows.jsonl");
	if (!o->flows_path)
		return OTS_ENOMEM;
	o->flows = ots_out_create(o->flows_path);
	if (!o->flows) {
		snprintf(err, errlen, "cannot write %s: %s", o->flows_path, strerror(errno));
		return OTS_EIO;
	}
	o->events_path = join_path(conf->outdir, "events.jsonl");
	if (!o->events_path)
		return OTS_ENOMEM;
	o->events = ots_out_create(o->events_path);
	if (!o->events) {
		snprintf(err, errlen, "cannot write %s: %s", o->events_path, strerror(errno));
		return OTS_EIO;
	}
	return OTS_OK;
}

static void
account(struct ots_output *o, const struct ots_flow_rec *r)
{
	size_t i;
	struct ots_proto_total *t;

	o->flows_total++;
	for (i = 0; i < o->n_protos; i++)
		if (strcmp(o->protos[i].name, r->proto) == 0)
			break;
	if (i == o->n_protos) {
		if (o->n_protos == o->cap_protos) {
			size_t cap = o->cap_protos ? o->cap_protos * 2 : 32;
			struct ots_proto_total *np = realloc(o->protos, cap * sizeof(*np));

			if (!np)
				return;
			o->protos = np;
			o->cap_protos = cap;
		}
		t = &o->protos[o->n_protos++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", r->proto);
	}
	t = &o->protos[i];
	t->flows++;
	t->pkts += r->pkts[0] + r->pkts[1];
	t->bytes += r->bytes[0] + r->bytes[1];
}

static void
write_rec(struct ots_output *o, const struct ots_flow_rec *r, const struct ots_ics_counts *ics)
{
	ots_json_reset(&o->j);
	ots_flow_rec_json(&o->j, r, ics);
	ots_json_newline(&o->j);
	if (o->j.err || fwrite(o->j.buf, 1, o->j.len, o->flows) != o->j.len)
		o->write_errors++;
}

void
ots_output_flow(struct ots_output *o, const struct ots_flow_rec *r,
                const struct ots_ics_counts *ics)
{
	account(o, r);
	if (!o->flows)
		return;
	if (!o->conf->deterministic) {
		write_rec(o, r, ics);
		return;
	}
	/* Kept records hold an index to their tallies: only ICS flows pay for them. */
	if (ics && o->n_ikeep == o->cap_ikeep) {
		size_t cap = o->cap_ikeep ? o->cap_ikeep * 2 : 256;
		struct ots_ics_counts *ni = realloc(o->ikeep, cap * sizeof(*ni));

		if (!ni) {
			o->write_errors++;
			write_rec(o, r, ics);
			return;
		}
		o->ikeep = ni;
		o->cap_ikeep = cap;
	}
	if (o->n_keep == o->cap_keep) {
		size_t cap = o->cap_keep ? o->cap_keep * 2 : 4096;
		struct ots_flow_rec *nk = realloc(o->keep, cap * sizeof(*nk));

		if (!nk) {
			/* cannot keep order: write it now rather than lose it */
			o->write_errors++;
			write_rec(o, r, ics);
			return;
		}
		o->keep = nk;
		o->cap_keep = cap;
	}
	o->keep[o->n_keep] = *r;
	o->keep[o->n_keep].ics_idx = UINT32_MAX;
	if (ics) {
		o->ikeep[o->n_ikeep] = *ics;
		o->keep[o->n_keep].ics_idx = (uint32_t)o->n_ikeep++;
	}
	o->n_keep++;
}

/*
 * Identity facts repeat: every engineering session reads the PLC's SZL again. One record per
 * (protocol, asset address, attribute, value) is what an analyst greps for; the repeats are
 * counted. Done here, on the single output path after sorting, so the result is the same for
 * any worker count. The set is bounded (1M entries); past that, facts are written unfiltered.
 */
static int
fact_repeated(struct ots_output *o, const struct ots_event_rec *e)
{
	int sender_is_lo = e->dir == 0 ? e->init_is_lo : !e->init_is_lo;
	int asset_is_lo = e->side == OTS_SIDE_SENDER ? sender_is_lo : !sender_is_lo;
	const struct ots_addr *a = asset_is_lo ? &e->key.lo : &e->key.hi;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, mask;

	h = (h ^ e->proto) * 0x100000001b3ull;
	h = (h ^ e->attr) * 0x100000001b3ull;
	for (i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 0x100000001b3ull;
	for (i = 0; i < e->value_len; i++)
		h = (h ^ (uint8_t)e->value[i]) * 0x100000001b3ull;
	h |= 1; /* 0 marks an empty slot */
	if (o->n_fact_seen * 2 >= o->cap_fact_seen) {
		size_t cap = o->cap_fact_seen ? o->cap_fact_seen * 2 : 1024, j;
		uint64_t *n;

		if (cap > (1u << 21))
			return 0;
		n = calloc(cap, sizeof(*n));
		if (!n)
			return 0;
		for (j = 0; j < o->cap_fact_seen; j++) {
			uint64_t v = o->fact_seen[j];

			if (v) {
				size_t k = (size_t)v & (cap - 1);

				while (n[k])
					k = (k + 1) & (cap - 1);
				n[k] = v;
			}
		}
		free(o->fact_seen);
		o->fact_seen = n;
		o->cap_fact_seen = cap;
	}
	mask = o->cap_fact_seen - 1;
	for (i = (size_t)h & mask; o->fact_seen[i]; i = (i + 1) & mask)
		if (o->fact_seen[i] == h)
			return 1;
	o->fact_seen[i] = h;
	o->n_fact_seen++;
	return 0;
}

static void
write_event(struct ots_output *o, const struct ots_event_rec *e)
{
	if (e->kind == OTS_EV_FACT && fact_repeated(o, e)) {
		o->facts_repeated++;
		return;
	}
	o->events_total++;
	ots_json_reset(&o->j);
	ots_event_rec_json(&o->j, e);
	ots_json_newline(&o->j);
	if (o->j.err || fwrite(o->j.buf, 1, o->j.len, o->events) != o->j.len) {
		o->write_errors++;
	} else if (ots_sink_on()) {
		char id[24];

		snprintf(id, sizeof(id), "%016llx",
		         (unsigned long long)ots_flow_id(&e->key, e->flow_first_ts));
		ots_sink_emit(OTS_SINK_EVENT, id, o->j.buf, o->j.len);
	}
}

void
ots_output_event(struct ots_output *o, const struct ots_event_rec *e)
{
	if (!o->events)
		return;
	if (!o->conf->deterministic) {
		write_event(o, e);
		return;
	}
	if (o->n_ekeep == o->cap_ekeep) {
		size_t cap = o->cap_ekeep ? o->cap_ekeep * 2 : 1024;
		struct ots_event_rec *nk = realloc(o->ekeep, cap * sizeof(*nk));

		if (!nk) {
			o->write_errors++;
			write_event(o, e);
			return;
		}
		o->ekeep = nk;
		o->cap_ekeep = cap;
	}
	o->ekeep[o->n_ekeep++] = *e;
}

int
ots_output_finish(struct ots_output *o, char *err, size_t errlen)
{
	size_t i;
	int rc = OTS_OK;

	if (!o->flows)
		return OTS_OK;
	if (o->n_ekeep) {
		qsort(o->ekeep, o->n_ekeep, sizeof(*o->ekeep), event_cmp);
		for (i = 0; i < o->n_ekeep; i++)
			write_event(o, &o->ekeep[i]);
	}
	if (o->events && (fflush(o->events) != 0 || ferror(o->events))) {
		snprintf(err, errlen, "error writing %s: %s", o->events_path, strerror(errno));
		rc = OTS_EIO;
	}
	if (o->events && ots_fclose(o->events) != 0 && rc == OTS_OK) {
		snprintf(err, errlen, "error closing %s: %s", o->events_path, strerror(errno));
		rc = OTS_EIO;
	}
	o->events = NULL;
	if (o->n_keep) {
		qsort(o->keep, o->n_keep, sizeof(*o->keep), ots_flow_rec_cmp);
		for (i = 0; i < o->n_keep; i++)
			write_rec(o, &o->keep[i],
			          o->keep[i].ics_idx != UINT32_MAX ? &o->ikeep[o->keep[i].ics_idx] : NULL);
	}
	if (rc == OTS_OK && (fflush(o->flows) != 0 || ferror(o->flows) || o->write_errors)) {
		snprintf(err, errlen, "error writing %s: %s", o->flows_path, strerror(errno));
		rc = OTS_EIO;
	}
	if (ots_fclose(o->flows) != 0 && rc == OTS_OK) {
		snprintf(err, errlen, "error closing %s: %s", o->flows_path, strerror(errno));
		rc = OTS_EIO;
	}
	o->flows = NULL;
	return rc;
}

void
ots_output_flush(struct ots_output *o)
{
	if (o->flows && fflush(o->flows) != 0)
		o->write_errors++;
	if (o->events)
		fflush(o->events); /* an error stays in ferror(): ots_output_finish reports it */
}

void
ots_output_close(struct ots_output *o)
{
	if (o->flows)
		ots_fclose(o->flows);
	if (o->events)
		ots_fclose(o->events);
	ots_out_reap_wait();
	free(o->flows_path);
	free(o->events_path);
	free(o->keep);
	free(o->ikeep);
	free(o->ekeep);
	free(o->fact_seen);
	free(o->protos);
	ots_json_free(&o->j);
	memset(o, 0, sizeof(*o));
}

FILE *
ots_atomic_open(const char *path, char **tmp)
{
	size_t n = strlen(path) + 8;
	FILE *f;
	int fd;

	*tmp = malloc(n);
	if (!*tmp) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(*tmp, n, "%s.tmp", path);
	fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		int e = errno;

		close(fd);
		unlink(*tmp);
		errno = e;
		return NULL;
	}
	ots_file_buffer(f);
	return f;
}

int
ots_atomic_commit(FILE *f, const char *tmp, const char *path, const char **what)
{
	int e;

	errno = 0;
	*what = "writing";
	if (fflush(f) != 0 || ferror(f))
		goto fail;
	/* on disk before the rename: a crash leaves the old file or the new one, never a
	 * truncated one (EINVAL, EROFS: the file system cannot sync, nothing to wait for) */
	*what = "syncing";
	if (fsync(fileno(f)) != 0 && errno != EINVAL && errno != EROFS)
		goto fail;
	*what = "closing";
	if (ots_fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	*what = "renaming";
	if (rename(tmp, path) != 0)
		goto fail;
	return 0;
fail:
	e = errno ? errno : EIO;
	if (f)
		ots_fclose(f);
	unlink(tmp);
	errno = e;
	return -1;
}

void
ots_atomic_abort(FILE *f, const char *tmp)
{
	if (f)
		ots_fclose(f);
	if (tmp)
		unlink(tmp);
}

int
ots_write_file_atomic(const char *path, const char *data, size_t len)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	int fd, rc = OTS_EIO;
	size_t off = 0;

	if (!tmp)
		return OTS_ENOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)w;
	}
	/* on disk before the rename: a crash leaves the old file or the new one, never a
	 * truncated one (the state file depends on it) */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		goto out;
	}
	rc = OTS_OK;
out:
	free(tmp);
	return rc;
}
