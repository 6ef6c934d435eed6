/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * asset-state.c: --state FILE, the inventory's observations across restarts.
 *
 * The file holds the observations (nodes with their facts, observed conduits) and the set of
 * changes already reported, not the derived assets: a restarted sensor rebuilds the same
 * inventory from them, keeps first-seen times and identities, and does not report known
 * assets as new. A file that is not a complete state of the expected shape is renamed aside
 * (FILE.corrupt-<unix time>), never silently dropped.
 *
 * Format: JSON Lines (one compact JSON object per line, '\n' after each), in this order:
 *
 *   {"schema_version":1,"record":"otsensor_state","nodes":N,"conduits":M,"reported":R}
 *   N x {"record":"node","ip":"10.0.0.1"|null,"mac":"aa:..."|null,"vlan":0,"first_us":..,
 *        "last_us":..,"pkts_out":..,"pkts_in":..,"bytes_out":..,"bytes_in":..,
 *        "ttl_local":0|1,"ttl_routed":0|1,"facts":[{"attr","value","source","protocol",
 *        "first_us","last_us","count","confidence"},...]}
 *   M x {"record":"conduit","init":I,"resp":J,"transport":6,"port":502,"protocol":"Modbus",
 *        "first_us":..,"last_us":..,"pkts":[i2r,r2i],"bytes":[i2r,r2i],"flows":..,
 *        "ics":{"protocol","ops":[..],"functions_other":..,"functions":[{"code","name",
 *        "op_class","requests","responses","exceptions","first_us"},...]}}
 *        (ics optional; a function's first_us, its first use, is absent in older files: the
 *        conduit's first_us stands for it then)
 *   1+ x {"record":"reported","hashes":["0123456789abcdef",...]}  (at most 4096 a line; one
 *        line with an empty array when R is 0)
 *   {"record":"end"}
 *
 * Nodes are numbered 0..N-1 in file order; a conduit's init and resp are node numbers. The
 * header's counts must match the records (they also size the arrays before loading), and a
 * file without the end record is truncated: both are corrupt. Unknown members are ignored.
 *
 * Memory: loading reads one line at a time (lines above STATE_MAX_LINE bytes are refused) and
 * parses it into a document freed before the next, so beyond the inventory itself it needs
 * a few times the longest line, not the file size. Saving streams the lines through one
 * reused JSON buffer into FILE.tmp (buffered stdio), then fflush, fsync and rename: a crash
 * leaves the old file or the new one, never a truncated one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ots/asset.h"
#include "ots/decode.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/json-read.h"
#include "ots/json.h"

#define STATE_RECORD "otsensor_state"
#define STATE_MAX_LINE (1u << 20)     /* bytes of one line, '\n' excluded */
#define STATE_REPORTED_CHUNK 4096     /* hashes per "reported" line */
/* Fewest bytes a record can take (bounds the header's counts when sizing arrays). */
#define STATE_MIN_NODE_LINE 64
#define STATE_MIN_CONDUIT_LINE 64
#define STATE_MIN_HASH 16

static const char *
proto_id_name(uint16_t id)
{
	const struct ots_dissector *d = ots_dissector_by_id(id);

	return d ? d->name : "unknown";
}

static void
node_json(const struct ots_inv *inv, const struct ots_node *n, struct ots_json *j)
{
	char buf[64];
	uint32_t i;

	ots_json_obj_open(j, NULL);
	ots_json_str(j, "record", "node");
	if (n->k.has_ip)
		ots_json_str(j, "ip", ots_addr_str(&n->k.ip, buf, sizeof(buf)));
	else
		ots_json_null(j, "ip");
	if (n->k.has_mac)
		ots_json_str(j, "mac", ots_mac_str(n->k.mac, buf, sizeof(buf)));
	else
		ots_json_null(j, "mac");
	ots_json_u64(j, "vlan", n->k.vlan);
	ots_json_u64(j, "first_us", n->first_ts);
	ots_json_u64(j, "last_us", n->last_ts);
	ots_json_u64(j, "pkts_out", n->pkts_out);
	ots_json_u64(j, "pkts_in", n->pkts_in);
	ots_json_u64(j, "bytes_out", n->bytes_out);
	ots_json_u64(j, "bytes_in", n->bytes_in);
	ots_json_u64(j, "ttl_local", n->ttl_local);
	ots_json_u64(j, "ttl_routed", n->ttl_routed);
	ots_json_arr_open(j, "facts");
	for (i = 0; i < n->nfacts; i++) {
		const struct ots_node_fact *f = &n->facts[i];

		ots_json_obj_open(j, NULL);
		ots_json_str(j, "attr", ots_fact_attr_name((enum ots_fact_attr)f->attr));
		ots_json_str(j, "value", ots_inv_str(inv, f->value));
		ots_json_str(j, "source", ots_inv_str(inv, f->source));
		ots_json_str(j, "protocol", proto_id_name(f->proto));
		ots_json_u64(j, "first_us", f->first_ts);
		ots_json_u64(j, "last_us", f->last_ts);
		ots_json_u64(j, "count", f->count);
		ots_json_u64(j, "confidence", f->confidence);
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	ots_json_obj_close(j);
}

static void
oc_json(const struct ots_inv *inv, const struct ots_oconduit *c, struct ots_json *j)
{
	uint32_t i;

	ots_json_obj_open(j, NULL);
	ots_json_str(j, "record", "conduit");
	ots_json_u64(j, "init", c->k.init);
	ots_json_u64(j, "resp", c->k.resp);
	ots_json_u64(j, "transport", c->k.transport);
	ots_json_u64(j, "port", c->k.port);
	ots_json_str(j, "protocol", ots_inv_str(inv, c->k.proto));
	ots_json_u64(j, "first_us", c->first_ts);
	ots_json_u64(j, "last_us", c->last_ts);
	ots_json_arr_open(j, "pkts");
	ots_json_u64(j, NULL, c->pkts[0]);
	ots_json_u64(j, NULL, c->pkts[1]);
	ots_json_arr_close(j);
	ots_json_arr_open(j, "bytes");
	ots_json_u64(j, NULL, c->bytes[0]);
	ots_json_u64(j, NULL, c->bytes[1]);
	ots_json_arr_close(j);
	ots_json_u64(j, "flows", c->flows);
	if (c->ics_flags)
		ots_json_u64(j, "ics_flags", c->ics_flags);
	if (c->ics) {
		ots_json_obj_open(j, "ics");
		ots_json_str(j, "protocol", proto_id_name(c->ics->proto));
		ots_json_arr_open(j, "ops");
		for (i = 0; i < OTS_OP__COUNT; i++)
			ots_json_u64(j, NULL, c->ics->ops[i]);
		ots_json_arr_close(j);
		ots_json_u64(j, "functions_other", c->ics->fn_other);
		ots_json_arr_open(j, "functions");
		for (i = 0; i < c->ics->n_fn; i++) {
			const struct ots_fn_tally *t = &c->ics->fn[i];

			ots_json_obj_open(j, NULL);
			ots_json_u64(j, "code", t->code);
			ots_json_str(j, "name", ots_inv_str(inv, t->name));
			ots_json_u64(j, "op_class", t->op_class);
			ots_json_u64(j, "requests", t->requests);
			ots_json_u64(j, "responses", t->responses);
			ots_json_u64(j, "exceptions", t->exceptions);
			if (t->first_ts)
				ots_json_u64(j, "first_us", t->first_ts);
			ots_json_obj_close(j);
		}
		ots_json_arr_close(j);
		ots_json_obj_close(j);
	}
	ots_json_obj_close(j);
}

/* ---------------------------------------------------------------- save */

/* Temp file being written: closed and removed on error. */
struct state_out {
	FILE *f;
	char *tmp;
	struct ots_json j;
};

/* Write the line held in o->j (and reset it). Returns OTS_OK, OTS_ENOMEM or OTS_EIO. */
static int
put_line(struct state_out *o)
{
	int rc = OTS_OK;

	ots_json_newline(&o->j);
	if (o->j.err)
		rc = OTS_ENOMEM;
	else if (fwrite(o->j.buf, 1, o->j.len, o->f) != o->j.len)
		rc = OTS_EIO;
	ots_json_reset(&o->j);
	return rc;
}

static void
reported_open(struct ots_json *j)
{
	ots_json_obj_open(j, NULL);
	ots_json_str(j, "record", "reported");
	ots_json_arr_open(j, "hashes");
}

static int
reported_close(struct state_out *o)
{
	ots_json_arr_close(&o->j);
	ots_json_obj_close(&o->j);
	return put_line(o);
}

static int
save_records(struct state_out *o, struct ots_inv *inv, uint32_t n_rep)
{
	struct ots_json *j = &o->j;
	uint32_t i, in_line = 0;
	int rc;

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_INV_SCHEMA_VERSION);
	ots_json_str(j, "record", STATE_RECORD);
	ots_json_u64(j, "nodes", inv->n_nodes);
	ots_json_u64(j, "conduits", inv->n_oc);
	ots_json_u64(j, "reported", n_rep);
	ots_json_obj_close(j);
	if ((rc = put_line(o)) != OTS_OK)
		return rc;
	for (i = 0; i < inv->n_nodes; i++) {
		node_json(inv, &inv->nodes[i], j);
		if ((rc = put_line(o)) != OTS_OK)
			return rc;
	}
	for (i = 0; i < inv->n_oc; i++) {
		oc_json(inv, &inv->oc[i], j);
		if ((rc = put_line(o)) != OTS_OK)
			return rc;
	}
	/* chunks of STATE_REPORTED_CHUNK hashes; one line with none when there are none */
	for (i = 0; i < inv->n_reported; i++) {
		char h[24];

		if (!inv->reported[i])
			continue; /* forgotten (0 is never a hash) */
		if (!in_line)
			reported_open(j);
		snprintf(h, sizeof(h), "%016" PRIx64, inv->reported[i]);
		ots_json_str(j, NULL, h);
		if (++in_line == STATE_REPORTED_CHUNK) {
			if ((rc = reported_close(o)) != OTS_OK)
				return rc;
			in_line = 0;
		}
	}
	if (in_line || n_rep == 0) {
		if (n_rep == 0)
			reported_open(j);
		if ((rc = reported_close(o)) != OTS_OK)
			return rc;
	}
	ots_json_obj_open(j, NULL);
	ots_json_str(j, "record", "end");
	ots_json_obj_close(j);
	return put_line(o);
}

int
ots_inv_state_save(struct ots_inv *inv, const char *path, char *err, size_t errlen)
{
	struct state_out o;
	uint32_t i, n_rep = 0;
	const char *what = "writing";
	int rc, e = 0;

	memset(&o, 0, sizeof(o));
	ots_json_init(&o.j);
	for (i = 0; i < inv->n_reported; i++)
		n_rep += inv->reported[i] != 0;
	o.f = ots_atomic_open(path, &o.tmp);
	if (!o.f) {
		rc = o.tmp ? OTS_EIO : OTS_ENOMEM;
		if (!o.tmp)
			snprintf(err, errlen, "cannot save state %s: out of memory", path);
		else
			snprintf(err, errlen, "cannot save state %s: cannot create %s: %s", path,
			         o.tmp, strerror(errno));
		ots_json_free(&o.j);
		free(o.tmp);
		return rc;
	}
	rc = save_records(&o, inv, n_rep);
	if (rc == OTS_EIO)
		e = errno;
	if (rc == OTS_OK && ots_atomic_commit(o.f, o.tmp, path, &what) != 0) {
		e = errno;
		rc = OTS_EIO;
	} else if (rc != OTS_OK) {
		ots_atomic_abort(o.f, o.tmp);
	}
	o.f = NULL;
	if (rc == OTS_ENOMEM)
		snprintf(err, errlen, "cannot save state %s: out of memory", path);
	else if (rc != OTS_OK)
		snprintf(err, errlen, "cannot save state %s: %s %s: %s", path, what, o.tmp,
		         strerror(e ? e : EIO));
	ots_json_free(&o.j);
	free(o.tmp);
	return rc;
}

/* ---------------------------------------------------------------- line reader */

/* Lines of a stream, '\n' stripped, NUL bytes kept (the JSON parser refuses them), at most
 * STATE_MAX_LINE bytes each: memory is the read chunk plus the longest line. */
struct lreader {
	FILE *f;
	char chunk[1 << 16];
	size_t pos, end;
	char *line; /* NUL-terminated, len bytes */
	size_t len, cap;
	uint64_t no; /* number of the current line, from 1 */
};

static int
lr_append(struct lreader *r, const char *s, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *p;

		while (cap < r->len + n + 1)
			cap *= 2;
		p = realloc(r->line, cap);
		if (!p)
			return OTS_ENOMEM;
		r->line = p;
		r->cap = cap;
	}
	memcpy(r->line + r->len, s, n);
	r->len += n;
	r->line[r->len] = '\0';
	return OTS_OK;
}

/* Next line: 1, 0 at the end of the stream, OTS_ELIMIT (too long), OTS_EIO, OTS_ENOMEM.
 * A last line without '\n' counts as a line. */
static int
lr_next(struct lreader *r)
{
	r->len = 0;
	r->no++;
	for (;;) {
		const char *nl;
		size_t n;

		if (r->pos == r->end) {
			n = fread(r->chunk, 1, sizeof(r->chunk), r->f);
			if (n == 0) {
				if (ferror(r->f))
					return OTS_EIO;
				if (r->len)
					return 1;
				r->no--;
				return 0;
			}
			r->pos = 0;
			r->end = n;
		}
		nl = memchr(r->chunk + r->pos, '\n', r->end - r->pos);
		n = nl ? (size_t)(nl - (r->chunk + r->pos)) : r->end - r->pos;
		if (r->len + n > STATE_MAX_LINE)
			return OTS_ELIMIT;
		if (lr_append(r, r->chunk + r->pos, n) != OTS_OK)
			return OTS_ENOMEM;
		r->pos += n + (nl != NULL);
		if (nl)
			return 1;
	}
}

/* ---------------------------------------------------------------- load */

static int
get_u64(const struct ots_jv *o, const char *key, uint64_t *out)
{
	const struct ots_jv *v = ots_jv_get(o, key);

	return v && ots_jv_u64(v, out) == OTS_OK ? OTS_OK : OTS_EINVAL;
}

static int
parse_ip(const char *s, struct ots_addr *a, uint8_t *ver)
{
	uint8_t b4[4];

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, b4) == 1) {
		a->b[10] = 0xff;
		a->b[11] = 0xff;
		memcpy(a->b + 12, b4, 4);
		*ver = 4;
		return OTS_OK;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		*ver = 6;
		return OTS_OK;
	}
	return OTS_EINVAL;
}

static int
parse_mac(const char *s, uint8_t m[6])
{
	unsigned v[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	           &tail) != 6)
		return OTS_EINVAL;
	for (i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return OTS_OK;
}

static int
attr_by_name(const char *s)
{
	int a;

	for (a = 0; a < OTS_FACT__COUNT; a++)
		if (strcmp(ots_fact_attr_name((enum ots_fact_attr)a), s) == 0)
			return a;
	return -1;
}

static uint16_t
proto_by_name(const char *s)
{
	const struct ots_dissector *d = ots_dissector_by_name(s);

	return d ? d->id : 0;
}

static int
load_node(struct ots_inv *inv, const struct ots_jv *o, uint32_t expect, char *why, size_t wl)
{
	struct ots_node_key k;
	const struct ots_jv *v, *facts;
	struct ots_node *n;
	uint64_t u;
	uint32_t idx;
	size_t i;

	memset(&k, 0, sizeof(k));
	v = ots_jv_get(o, "ip");
	if (v && ots_jv_str(v) && parse_ip(ots_jv_str(v), &k.ip, &k.has_ip) != OTS_OK) {
		snprintf(why, wl, "node %u: bad ip", expect);
		return OTS_EINVAL;
	}
	v = ots_jv_get(o, "mac");
	if (v && ots_jv_str(v)) {
		if (parse_mac(ots_jv_str(v), k.mac) != OTS_OK) {
			snprintf(why, wl, "node %u: bad mac", expect);
			return OTS_EINVAL;
		}
		k.has_mac = 1;
	}
	if (get_u64(o, "vlan", &u) != OTS_OK || u > 4095) {
		snprintf(why, wl, "node %u: bad vlan", expect);
		return OTS_EINVAL;
	}
	k.vlan = (uint16_t)u;
	if (!k.has_ip && !k.has_mac) {
		snprintf(why, wl, "node %u: neither ip nor mac", expect);
		return OTS_EINVAL;
	}
	idx = ots_inv_node(inv, &k);
	if (idx != expect) {
		snprintf(why, wl, "node %u: duplicate or out of memory", expect);
		return OTS_EINVAL;
	}
	n = &inv->nodes[idx];
	if (get_u64(o, "first_us", &n->first_ts) || get_u64(o, "last_us", &n->last_ts) ||
	    get_u64(o, "pkts_out", &n->pkts_out) || get_u64(o, "pkts_in", &n->pkts_in) ||
	    get_u64(o, "bytes_out", &n->bytes_out) || get_u64(o, "bytes_in", &n->bytes_in)) {
		snprintf(why, wl, "node %u: missing counters", expect);
		return OTS_EINVAL;
	}
	if (get_u64(o, "ttl_local", &u) == OTS_OK)
		n->ttl_local = u != 0;
	if (get_u64(o, "ttl_routed", &u) == OTS_OK)
		n->ttl_routed = u != 0;
	facts = ots_jv_get(o, "facts");
	for (i = 0; facts && i < ots_jv_len(facts); i++) {
		const struct ots_jv *f = ots_jv_at(facts, i);
		struct ots_node_fact nf;
		const char *an = ots_jv_str(ots_jv_get(f, "attr"));
		const char *val = ots_jv_str(ots_jv_get(f, "value"));
		const char *src = ots_jv_str(ots_jv_get(f, "source"));
		const char *pr = ots_jv_str(ots_jv_get(f, "protocol"));
		int a = an ? attr_by_name(an) : -1;

		memset(&nf, 0, sizeof(nf));
		if (a < 0 || !val || !src || !pr || get_u64(f, "first_us", &nf.first_ts) ||
		    get_u64(f, "last_us", &nf.last_ts) || get_u64(f, "count", &nf.count) ||
		    get_u64(f, "confidence", &u) || u > 100) {
			snprintf(why, wl, "node %u: bad fact %zu", expect, i);
			return OTS_EINVAL;
		}
		nf.attr = (uint8_t)a;
		nf.confidence = (uint8_t)u;
		nf.value = ots_inv_intern(inv, val, strlen(val));
		nf.source = ots_inv_intern(inv, src, strlen(src));
		nf.proto = proto_by_name(pr);
		if (!nf.value)
			continue;
		if (ots_inv_node_add_fact(inv, idx, &nf) == OTS_ENOMEM) {
			snprintf(why, wl, "out of memory");
			return OTS_ENOMEM;
		}
	}
	return OTS_OK;
}

static int
load_conduit(struct ots_inv *inv, const struct ots_jv *o, size_t at, char *why, size_t wl)
{
	struct ots_oconduit_key k;
	struct ots_oconduit *c;
	const struct ots_jv *v, *ics;
	const char *pn;
	uint64_t u[5];
	uint32_t n_oc;
	size_t i;

	memset(&k, 0, sizeof(k));
	pn = ots_jv_str(ots_jv_get(o, "protocol"));
	if (get_u64(o, "init", &u[0]) || get_u64(o, "resp", &u[1]) ||
	    get_u64(o, "transport", &u[2]) || get_u64(o, "port", &u[3]) || !pn ||
	    u[0] >= inv->n_nodes || u[1] >= inv->n_nodes || u[2] > 255 || u[3] > 65535) {
		snprintf(why, wl, "conduit %zu: bad key", at);
		return OTS_EINVAL;
	}
	k.init = (uint32_t)u[0];
	k.resp = (uint32_t)u[1];
	k.transport = (uint8_t)u[2];
	k.port = (uint16_t)u[3];
	k.proto = ots_inv_intern(inv, pn, strlen(pn));
	n_oc = inv->n_oc;
	c = ots_inv_oconduit(inv, &k);
	if (!c) {
		snprintf(why, wl, "out of memory");
		return OTS_ENOMEM;
	}
	if (inv->n_oc == n_oc) {
		snprintf(why, wl, "conduit %zu: duplicate", at);
		return OTS_EINVAL;
	}
	if (get_u64(o, "first_us", &c->first_ts) || get_u64(o, "last_us", &c->last_ts) ||
	    get_u64(o, "flows", &c->flows)) {
		snprintf(why, wl, "conduit %zu: missing counters", at);
		return OTS_EINVAL;
	}
	{
		uint64_t fl;

		if (get_u64(o, "ics_flags", &fl) == OTS_OK) /* optional: absent when 0 */
			c->ics_flags = (uint8_t)fl;
	}
	for (i = 0; i < 2; i++) {
		v = ots_jv_get(o, "pkts");
		if (!v || ots_jv_u64(ots_jv_at(v, i), &c->pkts[i]) != OTS_OK) {
			snprintf(why, wl, "conduit %zu: bad pkts", at);
			return OTS_EINVAL;
		}
		v = ots_jv_get(o, "bytes");
		if (!v || ots_jv_u64(ots_jv_at(v, i), &c->bytes[i]) != OTS_OK) {
			snprintf(why, wl, "conduit %zu: bad bytes", at);
			return OTS_EINVAL;
		}
	}
	ics = ots_jv_get(o, "ics");
	if (ics) {
		const char *ip = ots_jv_str(ots_jv_get(ics, "protocol"));
		struct ots_conduit_ics *ci = ots_inv_oconduit_ics(c, ip ? proto_by_name(ip) : 0);
		const struct ots_jv *ops = ots_jv_get(ics, "ops"), *fns = ots_jv_get(ics, "functions");

		if (!ci) {
			snprintf(why, wl, "out of memory");
			return OTS_ENOMEM;
		}
		if (!ops || ots_jv_len(ops) != OTS_OP__COUNT) {
			snprintf(why, wl, "conduit %zu: bad ops", at);
			return OTS_EINVAL;
		}
		for (i = 0; i < OTS_OP__COUNT; i++)
			if (ots_jv_u64(ots_jv_at(ops, i), &ci->ops[i]) != OTS_OK) {
				snprintf(why, wl, "conduit %zu: bad ops", at);
				return OTS_EINVAL;
			}
		if (get_u64(ics, "functions_other", &ci->fn_other)) {
			snprintf(why, wl, "conduit %zu: bad functions_other", at);
			return OTS_EINVAL;
		}
		for (i = 0; fns && i < ots_jv_len(fns); i++) {
			const struct ots_jv *f = ots_jv_at(fns, i);
			const char *nm = ots_jv_str(ots_jv_get(f, "name"));
			uint64_t code, cls, rq, rs, ex, fus = c->first_ts;

			if (!nm || get_u64(f, "code", &code) || get_u64(f, "op_class", &cls) ||
			    get_u64(f, "requests", &rq) || get_u64(f, "responses", &rs) ||
			    get_u64(f, "exceptions", &ex) || code > UINT32_MAX ||
			    cls >= OTS_OP__COUNT ||
			    (ots_jv_get(f, "first_us") && get_u64(f, "first_us", &fus))) {
				snprintf(why, wl, "conduit %zu: bad function %zu", at, i);
				return OTS_EINVAL;
			}
			ots_inv_ics_add_fn(ci, (uint32_t)code, ots_inv_intern(inv, nm, strlen(nm)),
			                   (uint8_t)cls, rq, rs, ex, fus);
		}
	}
	return OTS_OK;
}

struct loader {
	struct ots_inv *inv;
	uint64_t n_nodes, n_oc, n_rep; /* header counts */
	uint64_t got_rep;              /* reported hashes read */
	uint64_t rep_lines;            /* reported records read */
	int header, end;               /* header / end record seen */
};

/* Reserve room for n elements when the arrays are empty: the header's counts, bounded by
 * what a file of size bytes can hold (min bytes a record), so a bad header cannot make us
 * allocate more than the file justifies. Failure is not an error: the arrays grow. */
static void
presize(void **arr, uint32_t *cap, uint64_t n, size_t elem, uint64_t size, uint64_t min)
{
	void *p;

	if (n > size / min)
		n = size / min;
	if (*arr || n == 0)
		return;
	p = malloc((size_t)n * elem);
	if (p) {
		*arr = p;
		*cap = (uint32_t)n;
	}
}

static int
load_header(struct loader *l, const struct ots_jv *root, uint64_t size, char *why, size_t wl)
{
	struct ots_inv *inv = l->inv;
	const char *rec = ots_jv_str(ots_jv_get(root, "record"));
	const struct ots_jv *nodes = ots_jv_get(root, "nodes");
	uint64_t ver;

	if (!rec || strcmp(rec, STATE_RECORD) != 0 || get_u64(root, "schema_version", &ver)) {
		snprintf(why, wl, "not an otsensor state file");
		return OTS_EINVAL;
	}
	if (ver != OTS_INV_SCHEMA_VERSION) {
		snprintf(why, wl, "schema_version %llu, this otsensor reads %d",
		         (unsigned long long)ver, OTS_INV_SCHEMA_VERSION);
		return OTS_EINVAL;
	}
	if (nodes && nodes->type == OTS_JV_ARRAY) {
		snprintf(why, wl, "single-document state of an earlier build, not JSON Lines");
		return OTS_EINVAL;
	}
	if (get_u64(root, "nodes", &l->n_nodes) || get_u64(root, "conduits", &l->n_oc) ||
	    get_u64(root, "reported", &l->n_rep) || l->n_nodes >= UINT32_MAX ||
	    l->n_oc >= UINT32_MAX || l->n_rep >= UINT32_MAX) {
		snprintf(why, wl, "header: bad nodes, conduits or reported count");
		return OTS_EINVAL;
	}
	presize((void **)&inv->nodes, &inv->cap_nodes, l->n_nodes, sizeof(*inv->nodes), size,
	        STATE_MIN_NODE_LINE);
	presize((void **)&inv->oc, &inv->cap_oc, l->n_oc, sizeof(*inv->oc), size,
	        STATE_MIN_CONDUIT_LINE);
	presize((void **)&inv->reported, &inv->cap_reported, l->n_rep, sizeof(*inv->reported),
	        size, STATE_MIN_HASH);
	l->header = 1;
	return OTS_OK;
}

static int
load_reported(struct loader *l, const struct ots_jv *root, char *why, size_t wl)
{
	struct ots_inv *inv = l->inv;
	const struct ots_jv *hs = ots_jv_get(root, "hashes");
	size_t i, n = ots_jv_len(hs);

	if (!hs || hs->type != OTS_JV_ARRAY) {
		snprintf(why, wl, "reported: no hashes array");
		return OTS_EINVAL;
	}
	if (n > l->n_rep - l->got_rep) {
		snprintf(why, wl, "reported: more hashes than the header's %llu",
		         (unsigned long long)l->n_rep);
		return OTS_EINVAL;
	}
	for (i = 0; i < n; i++) {
		const char *h = ots_jv_str(ots_jv_at(hs, i));
		char *end;
		uint64_t v;
		uint64_t *p;

		if (!h || strlen(h) != 16 || strspn(h, "0123456789abcdefABCDEF") != 16) {
			snprintf(why, wl, "reported %llu: bad hash", (unsigned long long)(l->got_rep + i));
			return OTS_EINVAL;
		}
		v = strtoull(h, &end, 16);
		if (*end) {
			snprintf(why, wl, "reported %llu: bad hash", (unsigned long long)(l->got_rep + i));
			return OTS_EINVAL;
		}
		if (inv->n_reported == inv->cap_reported) {
			uint32_t cap = inv->cap_reported ? inv->cap_reported * 2 : 1024;

			p = realloc(inv->reported, (size_t)cap * sizeof(*p));
			if (!p) {
				snprintf(why, wl, "out of memory");
				return OTS_ENOMEM;
			}
			inv->reported = p;
			inv->cap_reported = cap;
		}
		inv->reported[inv->n_reported++] = v;
	}
	l->got_rep += n;
	l->rep_lines++;
	return OTS_OK;
}

/* The record type the next line must hold, from the header's counts and what was read. */
static const char *
expected_record(const struct loader *l)
{
	if (!l->header)
		return STATE_RECORD;
	if (l->inv->n_nodes < l->n_nodes)
		return "node";
	if (l->inv->n_oc < l->n_oc)
		return "conduit";
	if (l->rep_lines == 0 || l->got_rep < l->n_rep)
		return "reported";
	return "end";
}

/* What was read against the header (for a count mismatch or a truncation). */
static void
progress(const struct loader *l, char *buf, size_t len)
{
	snprintf(buf, len, "read %u of %llu nodes, %u of %llu conduits, %llu of %llu reported",
	         l->inv->n_nodes, (unsigned long long)l->n_nodes, l->inv->n_oc,
	         (unsigned long long)l->n_oc, (unsigned long long)l->got_rep,
	         (unsigned long long)l->n_rep);
}

/* One line (NUL-terminated text of len bytes). why gets the reason without the line number. */
static int
load_line(struct loader *l, const char *text, size_t len, uint64_t size, char *why, size_t wl)
{
	struct ots_jdoc d;
	char perr[256], prog[160];
	const char *rec, *want, *p;
	int rc;

	if (l->end) {
		snprintf(why, wl, "data after the end record");
		return OTS_EINVAL;
	}
	rc = ots_json_parse(&d, text, len, perr, sizeof(perr));
	if (rc != OTS_OK) {
		/* the parser counts lines in its input: one line here, keep the column */
		p = strncmp(perr, "line 1, ", 8) == 0 ? perr + 8 : perr;
		snprintf(why, wl, "%s", rc == OTS_ENOMEM ? "out of memory" : p);
		return rc;
	}
	rec = ots_jv_str(ots_jv_get(d.root, "record"));
	want = expected_record(l);
	if (d.root->type != OTS_JV_OBJECT || !rec) {
		snprintf(why, wl, "not a state record (no \"record\" member)");
		rc = OTS_EINVAL;
	} else if (!l->header) {
		rc = load_header(l, d.root, size, why, wl);
	} else if (strcmp(rec, want) != 0) {
		progress(l, prog, sizeof(prog));
		snprintf(why, wl, "\"%.32s\" record where a \"%s\" record was expected (%s)", rec,
		         want, prog);
		rc = OTS_EINVAL;
	} else if (strcmp(rec, "node") == 0) {
		rc = load_node(l->inv, d.root, l->inv->n_nodes, why, wl);
	} else if (strcmp(rec, "conduit") == 0) {
		rc = load_conduit(l->inv, d.root, l->inv->n_oc, why, wl);
	} else if (strcmp(rec, "reported") == 0) {
		rc = load_reported(l, d.root, why, wl);
	} else {
		l->end = 1;
	}
	ots_jdoc_free(&d);
	return rc;
}

/* Load the file at path into the empty inventory inv. why gets "line L: reason" (or a
 * reason about the whole file). */
static int
load_file(struct ots_inv *inv, const char *path, char *why, size_t wl)
{
	struct loader l;
	struct lreader *r;
	struct stat st;
	char reason[512], prog[160];
	int rc;

	memset(&l, 0, sizeof(l));
	l.inv = inv;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(why, wl, "out of memory");
		return OTS_ENOMEM;
	}
	r->f = fopen(path, "r");
	if (!r->f || fstat(fileno(r->f), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, wl, "%s", r->f ? "not a regular file" : strerror(errno));
		rc = OTS_EIO;
		goto out;
	}
	while ((rc = lr_next(r)) == 1) {
		rc = load_line(&l, r->line, r->len, (uint64_t)st.st_size, reason, sizeof(reason));
		if (rc != OTS_OK) {
			snprintf(why, wl, "line %llu: %s", (unsigned long long)r->no, reason);
			goto out;
		}
	}
	if (rc == OTS_ELIMIT) {
		snprintf(why, wl, "line %llu: longer than %u bytes", (unsigned long long)r->no,
		         STATE_MAX_LINE);
		rc = OTS_EINVAL;
	} else if (rc != OTS_OK) {
		snprintf(why, wl, "line %llu: %s", (unsigned long long)r->no,
		         rc == OTS_ENOMEM ? "out of memory" : strerror(errno));
	} else if (!l.header) {
		snprintf(why, wl, "empty file");
		rc = OTS_EINVAL;
	} else if (!l.end) {
		progress(&l, prog, sizeof(prog));
		snprintf(why, wl, "truncated: no end record after line %llu (%s)",
		         (unsigned long long)r->no, prog);
		rc = OTS_EINVAL;
	}
out:
	if (r->f)
		fclose(r->f);
	free(r->line);
	free(r);
	return rc;
}

int
ots_inv_state_load(struct ots_inv *inv, const char *path, char *err, size_t errlen)
{
	struct ots_inv tmp;
	struct stat st;
	char why[768] = "", aside[4096];
	int rc;

	if (stat(path, &st) != 0 && errno == ENOENT)
		return OTS_OK; /* first run */
	ots_inv_init(&tmp);
	rc = load_file(&tmp, path, why, sizeof(why));
	if (rc == OTS_OK) {
		const struct ots_oui *oui = inv->oui;
		const struct ots_geoip *geo = inv->geo;

		ots_inv_free(inv);
		*inv = tmp;
		inv->oui = oui;
		inv->geo = geo;
		return OTS_OK;
	}
	ots_inv_free(&tmp);
	snprintf(aside, sizeof(aside), "%s.corrupt-%lld", path, (long long)time(NULL));
	if (rename(path, aside) == 0)
		snprintf(err, errlen,
		         "state %s: %s: unusable, moved to %s, starting with an empty inventory", path,
		         why, aside);
	else
		snprintf(err, errlen,
		         "state %s: %s: unusable and cannot be moved aside (%s): starting with an "
		         "empty inventory; it will be overwritten at the next save",
		         path, why, strerror(errno));
	return OTS_EINVAL;
}
