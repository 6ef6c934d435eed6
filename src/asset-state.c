/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * asset-state.c: --state FILE, the inventory's observations across restarts.
 *
 * The file holds the observations (nodes with their facts, observed conduits) and the set of
 * changes already reported, not the derived assets: a restarted sensor rebuilds the same
 * inventory from them, keeps first-seen times and identities, and does not report known
 * assets as new. JSON, written atomically (temp file, fsync, rename). A file that does not
 * parse or does not have the expected shape is renamed aside, never silently dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ots/asset.h"
#include "ots/decode.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/json-read.h"
#include "ots/json.h"

#define STATE_RECORD "otsensor_state"

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
			ots_json_obj_close(j);
		}
		ots_json_arr_close(j);
		ots_json_obj_close(j);
	}
	ots_json_obj_close(j);
}

int
ots_inv_state_save(struct ots_inv *inv, const char *path, char *err, size_t errlen)
{
	struct ots_json j;
	uint32_t i;
	int rc;

	ots_json_init(&j);
	ots_json_obj_open(&j, NULL);
	ots_json_u64(&j, "schema_version", OTS_INV_SCHEMA_VERSION);
	ots_json_str(&j, "record", STATE_RECORD);
	ots_json_arr_open(&j, "nodes");
	for (i = 0; i < inv->n_nodes; i++)
		node_json(inv, &inv->nodes[i], &j);
	ots_json_arr_close(&j);
	ots_json_arr_open(&j, "conduits");
	for (i = 0; i < inv->n_oc; i++)
		oc_json(inv, &inv->oc[i], &j);
	ots_json_arr_close(&j);
	ots_json_arr_open(&j, "reported");
	for (i = 0; i < inv->n_reported; i++) {
		char h[24];

		if (!inv->reported[i])
			continue;
		snprintf(h, sizeof(h), "%016" PRIx64, inv->reported[i]);
		ots_json_str(&j, NULL, h);
	}
	ots_json_arr_close(&j);
	ots_json_obj_close(&j);
	ots_json_newline(&j);
	if (j.err) {
		snprintf(err, errlen, "cannot save state %s: out of memory", path);
		ots_json_free(&j);
		return OTS_ENOMEM;
	}
	rc = ots_write_file_atomic(path, j.buf, j.len);
	if (rc != OTS_OK)
		snprintf(err, errlen, "cannot save state %s: %s", path, strerror(errno));
	ots_json_free(&j);
	return rc;
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
	c = ots_inv_oconduit(inv, &k);
	if (!c) {
		snprintf(why, wl, "out of memory");
		return OTS_ENOMEM;
	}
	if (c->flows) {
		snprintf(why, wl, "conduit %zu: duplicate", at);
		return OTS_EINVAL;
	}
	if (get_u64(o, "first_us", &c->first_ts) || get_u64(o, "last_us", &c->last_ts) ||
	    get_u64(o, "flows", &c->flows)) {
		snprintf(why, wl, "conduit %zu: missing counters", at);
		return OTS_EINVAL;
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
			uint64_t code, cls, rq, rs, ex;

			if (!nm || get_u64(f, "code", &code) || get_u64(f, "op_class", &cls) ||
			    get_u64(f, "requests", &rq) || get_u64(f, "responses", &rs) ||
			    get_u64(f, "exceptions", &ex) || code > UINT32_MAX ||
			    cls >= OTS_OP__COUNT) {
				snprintf(why, wl, "conduit %zu: bad function %zu", at, i);
				return OTS_EINVAL;
			}
			ots_inv_ics_add_fn(ci, (uint32_t)code, ots_inv_intern(inv, nm, strlen(nm)),
			                   (uint8_t)cls, rq, rs, ex);
		}
	}
	return OTS_OK;
}

static int
load_doc(struct ots_inv *inv, const struct ots_jv *root, char *why, size_t wl)
{
	const struct ots_jv *nodes, *conds, *rep;
	const char *rec = ots_jv_str(ots_jv_get(root, "record"));
	uint64_t ver;
	size_t i;
	int rc;

	if (!rec || strcmp(rec, STATE_RECORD) != 0 || get_u64(root, "schema_version", &ver)) {
		snprintf(why, wl, "not an otsensor state file");
		return OTS_EINVAL;
	}
	if (ver != OTS_INV_SCHEMA_VERSION) {
		snprintf(why, wl, "schema_version %llu, this otsensor reads %d",
		         (unsigned long long)ver, OTS_INV_SCHEMA_VERSION);
		return OTS_EINVAL;
	}
	nodes = ots_jv_get(root, "nodes");
	conds = ots_jv_get(root, "conduits");
	rep = ots_jv_get(root, "reported");
	if (!nodes || !conds || !rep) {
		snprintf(why, wl, "missing nodes, conduits or reported");
		return OTS_EINVAL;
	}
	for (i = 0; i < ots_jv_len(nodes); i++)
		if ((rc = load_node(inv, ots_jv_at(nodes, i), (uint32_t)i, why, wl)) != OTS_OK)
			return rc;
	for (i = 0; i < ots_jv_len(conds); i++)
		if ((rc = load_conduit(inv, ots_jv_at(conds, i), i, why, wl)) != OTS_OK)
			return rc;
	for (i = 0; i < ots_jv_len(rep); i++) {
		const char *h = ots_jv_str(ots_jv_at(rep, i));
		char *end;
		uint64_t v;
		uint64_t *p;

		if (!h || strlen(h) != 16) {
			snprintf(why, wl, "reported %zu: bad hash", i);
			return OTS_EINVAL;
		}
		v = strtoull(h, &end, 16);
		if (*end) {
			snprintf(why, wl, "reported %zu: bad hash", i);
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
	return OTS_OK;
}

int
ots_inv_state_load(struct ots_inv *inv, const char *path, char *err, size_t errlen)
{
	struct ots_jdoc d;
	struct ots_inv tmp;
	struct stat st;
	char why[512] = "", aside[4096];
	int rc;

	if (stat(path, &st) != 0 && errno == ENOENT)
		return OTS_OK; /* first run */
	memset(&d, 0, sizeof(d));
	rc = ots_json_parse_file(&d, path, why, sizeof(why));
	ots_inv_init(&tmp);
	if (rc == OTS_OK)
		rc = load_doc(&tmp, d.root, why, sizeof(why));
	ots_jdoc_free(&d);
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
		         "state %s is unusable (%s): moved to %s, starting with an empty inventory",
		         path, why, aside);
	else
		snprintf(err, errlen,
		         "state %s is unusable (%s) and cannot be moved aside (%s): starting with an "
		         "empty inventory; it will be overwritten at the next save",
		         path, why, strerror(errno));
	return OTS_EINVAL;
}
