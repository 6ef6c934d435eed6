/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * asset-out.c: the inventory as files: assets.json, conduits.json, assets.csv, map.dot,
 * map.svg, report.html, and change records for events.jsonl. Main thread only. Everything is
 * written in the build's content order (asset id, conduit key), so the bytes depend only on
 * the observations.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ots/asset.h"
#include "ots/compiler.h"
#include "ots/decode.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/json.h"
#include "ots/sink.h"
#include "ots/log.h"
#include "ots/output.h"
#include "ots/render.h"

/* Identity attributes whose disagreement is a conflict (others, like IPs or ports a device
 * reports, legitimately have several values). */
static int
attr_is_identity(unsigned a)
{
	switch (a) {
	case OTS_FACT_VENDOR: case OTS_FACT_VENDOR_ID: case OTS_FACT_MODEL:
	case OTS_FACT_PRODUCT_CODE: case OTS_FACT_DEVICE_TYPE: case OTS_FACT_FIRMWARE:
	case OTS_FACT_HW_REVISION: case OTS_FACT_SERIAL: case OTS_FACT_NAME:
	case OTS_FACT_ORDER_NUMBER:
		return 1;
	default:
		return 0;
	}
}

/* The current value of an attribute: the one seen last (ties: the earlier in the sorted
 * list, which is deterministic). NULL when the asset has none. */
static const struct ots_asset_attr *
current(const struct ots_asset *a, unsigned attr)
{
	const struct ots_asset_attr *best = NULL;
	uint32_t i;

	for (i = 0; i < a->n_attrs; i++)
		if (a->attrs[i].attr == attr && (!best || a->attrs[i].last_ts > best->last_ts))
			best = &a->attrs[i];
	return best;
}

static const char *
cur_str(const struct ots_inv *inv, const struct ots_asset *a, unsigned attr)
{
	const struct ots_asset_attr *t = current(a, attr);

	return t ? ots_inv_str(inv, t->value) : NULL;
}

/* The summary fields and the attributes they come from, best first. */
static const char *
summary(const struct ots_inv *inv, const struct ots_asset *a, const char *field)
{
	const char *v = NULL;

	if (strcmp(field, "vendor") == 0)
		v = cur_str(inv, a, OTS_FACT_VENDOR);
	else if (strcmp(field, "model") == 0) {
		v = cur_str(inv, a, OTS_FACT_MODEL);
		if (!v)
			v = cur_str(inv, a, OTS_FACT_MODULE_NAME);
		if (!v)
			v = cur_str(inv, a, OTS_FACT_PLATFORM);
	} else if (strcmp(field, "product_code") == 0) {
		v = cur_str(inv, a, OTS_FACT_PRODUCT_CODE);
		if (!v)
			v = cur_str(inv, a, OTS_FACT_ORDER_NUMBER);
	} else if (strcmp(field, "firmware") == 0) {
		v = cur_str(inv, a, OTS_FACT_FIRMWARE);
		if (!v)
			v = cur_str(inv, a, OTS_FACT_SW_VERSION);
	} else if (strcmp(field, "hardware") == 0)
		v = cur_str(inv, a, OTS_FACT_HW_REVISION);
	else if (strcmp(field, "serial") == 0)
		v = cur_str(inv, a, OTS_FACT_SERIAL);
	else if (strcmp(field, "name") == 0) {
		v = cur_str(inv, a, OTS_FACT_NAME);
		if (!v)
			v = cur_str(inv, a, OTS_FACT_HOSTNAME);
	}
	return v;
}

static const char *const summary_fields[] = { "vendor", "model", "product_code", "firmware",
	                                      "hardware", "serial", "name" };


static void
str_or_null(struct ots_json *j, const char *key, const char *v)
{
	if (v)
		ots_json_str(j, key, v);
	else
		ots_json_null(j, key);
}

/* Distinct IPs / MACs / VLANs of an asset's nodes (nodes are sorted by key, so IPs come out
 * sorted; MACs and VLANs are deduplicated by a linear look-back over a small set). */
static void
asset_addrs_json(const struct ots_inv *inv, const struct ots_asset *a, struct ots_json *j)
{
	char buf[64];
	uint32_t i, k;

	ots_json_arr_open(j, "macs");
	{
		uint8_t (*seen)[6] = calloc(a->n_nodes ? a->n_nodes : 1, 6);
		uint32_t n = 0;

		/* MACs in byte order */
		for (;;) {
			const uint8_t *best = NULL;

			for (i = 0; i < a->n_nodes; i++) {
				const struct ots_node_key *nk = &inv->nodes[a->nodes[i]].k;
				int dup = 0;

				if (!nk->has_mac || !a->by_mac)
					continue;
				for (k = 0; seen && k < n; k++)
					if (memcmp(seen[k], nk->mac, 6) == 0)
						dup = 1;
				if (dup)
					continue;
				if (!best || memcmp(nk->mac, best, 6) < 0)
					best = nk->mac;
			}
			if (!best || !seen)
				break;
			memcpy(seen[n++], best, 6);
			ots_json_str(j, NULL, ots_mac_str(best, buf, sizeof(buf)));
		}
		free(seen);
	}
	ots_json_arr_close(j);
	ots_json_arr_open(j, "ips");
	for (i = 0; i < a->n_nodes; i++) {
		const struct ots_node_key *nk = &inv->nodes[a->nodes[i]].k;

		if (!nk->has_ip)
			continue;
		if (i && inv->nodes[a->nodes[i - 1]].k.has_ip &&
		    memcmp(inv->nodes[a->nodes[i - 1]].k.ip.b, nk->ip.b, 16) == 0)
			continue;
		ots_json_str(j, NULL, ots_addr_str(&nk->ip, buf, sizeof(buf)));
	}
	ots_json_arr_close(j);
	ots_json_arr_open(j, "vlans");
	{
		uint32_t last = 0;

		for (;;) {
			uint32_t best = UINT32_MAX;

			for (i = 0; i < a->n_nodes; i++) {
				uint32_t v = inv->nodes[a->nodes[i]].k.vlan;

				if (v && v > last && v < best)
					best = v;
			}
			if (best == UINT32_MAX)
				break;
			ots_json_u64(j, NULL, best);
			last = best;
		}
	}
	ots_json_arr_close(j);
}

static void
proto_list_json(const struct ots_inv *inv, const struct ots_asset *a, struct ots_json *j)
{
	uint32_t i;
	char tb[16];

	ots_json_arr_open(j, "protocols");
	for (i = 0; i < a->n_protos; i++) {
		const struct ots_asset_proto *p = &a->protos[i];

		ots_json_obj_open(j, NULL);
		ots_json_str(j, "protocol", ots_inv_str(inv, p->proto));
		ots_json_str(j, "transport", ots_inv_transport_name(p->transport, tb, sizeof(tb)));
		if (p->transport == OTS_TRANSPORT_ETHER) {
			char et[8];

			snprintf(et, sizeof(et), "0x%04x", p->port);
			ots_json_str(j, "ethertype", et);
		} else {
			ots_json_u64(j, "port", p->port);
		}
		ots_json_str(j, "side", p->server ? "server" : "client");
		ots_json_u64(j, "peers", p->peers);
		ots_json_u64(j, "flows", p->flows);
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
}

static const char *
proto_id_name(uint16_t id)
{
	const struct ots_dissector *d = ots_dissector_by_id(id);

	return d ? d->name : "unknown";
}

static void
attributes_json(const struct ots_inv *inv, const struct ots_asset *a, struct ots_json *j)
{
	uint32_t i, f;

	ots_json_obj_open(j, "attributes");
	for (i = 0; i < a->n_attrs; i++) {
		const struct ots_asset_attr *t = &a->attrs[i];

		if (i == 0 || a->attrs[i - 1].attr != t->attr)
			ots_json_arr_open(j, ots_fact_attr_name((enum ots_fact_attr)t->attr));
		ots_json_obj_open(j, NULL);
		ots_json_str(j, "value", ots_inv_str(inv, t->value));
		ots_json_time(j, "first_seen", t->first_ts);
		ots_json_time(j, "last_seen", t->last_ts);
		ots_json_u64(j, "count", t->count);
		ots_json_arr_open(j, "sources");
		for (f = 0; f < t->n_facts; f++) {
			const struct ots_node_fact *nf = inv->afacts[t->first_fact + f];

			ots_json_obj_open(j, NULL);
			ots_json_str(j, "protocol", proto_id_name(nf->proto));
			ots_json_str(j, "message", ots_inv_str(inv, nf->source));
			ots_json_u64(j, "confidence", nf->confidence);
			ots_json_time(j, "first_seen", nf->first_ts);
			ots_json_time(j, "last_seen", nf->last_ts);
			ots_json_u64(j, "count", nf->count);
			ots_json_obj_close(j);
		}
		ots_json_arr_close(j);
		ots_json_obj_close(j);
		if (i + 1 == a->n_attrs || a->attrs[i + 1].attr != t->attr)
			ots_json_arr_close(j);
	}
	ots_json_obj_close(j);
}

static int
is_hostname(const struct ots_inv *inv, const struct ots_asset_attr *t)
{
	const struct ots_node_fact *f = inv->afacts[t->first_fact];

	return t->attr == OTS_FACT_HOSTNAME ||
	       (t->attr == OTS_FACT_NAME && (f->proto == OTS_PROTO_LLDP || f->proto == OTS_PROTO_CDP));
}

static void
asset_json(const struct ots_inv *inv, const struct ots_asset *a, struct ots_json *j)
{
	uint32_t i;
	size_t k;

	ots_json_obj_open(j, NULL);
	ots_json_str(j, "id", ots_inv_str(inv, a->id));
	asset_addrs_json(inv, a, j);
	/* host names: DHCP/other host-name facts, and the system name LLDP/CDP announce */
	ots_json_arr_open(j, "hostnames");
	for (i = 0; i < a->n_attrs; i++)
		if (is_hostname(inv, &a->attrs[i]))
			ots_json_str(j, NULL, ots_inv_str(inv, a->attrs[i].value));
	ots_json_arr_close(j);
	str_or_null(j, "nic_vendor", a->nic_vendor ? ots_inv_str(inv, a->nic_vendor) : NULL);
	for (k = 0; k < sizeof(summary_fields) / sizeof(summary_fields[0]); k++)
		str_or_null(j, summary_fields[k], summary(inv, a, summary_fields[k]));
	ots_json_str(j, "role", ots_role_name((enum ots_role)a->role));
	ots_json_arr_open(j, "role_evidence");
	for (i = 0; i < a->n_evidence; i++)
		ots_json_str(j, NULL, ots_inv_str(inv, a->evidence[i]));
	ots_json_arr_close(j);
	proto_list_json(inv, a, j);
	ots_json_time(j, "first_seen", a->first_ts);
	ots_json_time(j, "last_seen", a->last_ts);
	ots_json_obj_open(j, "packets");
	ots_json_u64(j, "sent", a->pkts_out);
	ots_json_u64(j, "received", a->pkts_in);
	ots_json_obj_close(j);
	ots_json_obj_open(j, "bytes");
	ots_json_u64(j, "sent", a->bytes_out);
	ots_json_u64(j, "received", a->bytes_in);
	ots_json_obj_close(j);
	ots_json_str(j, "group", ots_inv_str(inv, a->group));
	ots_json_bool(j, "external", a->external);
	if (a->external) {
		ots_json_obj_open(j, "geo");
		str_or_null(j, "country", a->country[0] ? a->country : NULL);
		if (a->asn)
			ots_json_u64(j, "asn", a->asn);
		else
			ots_json_null(j, "asn");
		str_or_null(j, "as_org", a->as_org ? ots_inv_str(inv, a->as_org) : NULL);
		ots_json_obj_close(j);
	}
	ots_json_arr_open(j, "conflicts");
	for (i = 0; i < a->n_attrs; i++)
		if (attr_is_identity(a->attrs[i].attr) && i + 1 < a->n_attrs &&
		    a->attrs[i + 1].attr == a->attrs[i].attr &&
		    (i == 0 || a->attrs[i - 1].attr != a->attrs[i].attr))
			ots_json_str(j, NULL, ots_fact_attr_name((enum ots_fact_attr)a->attrs[i].attr));
	ots_json_arr_close(j);
	attributes_json(inv, a, j);
	ots_json_obj_close(j);
}

/* Past this much, a document being written to a file goes out (1M conduits are ~550 MB of
 * JSON: never held whole). */
#define JSON_FLUSH_BYTES (1u << 20)

static int
assets_json_to(struct ots_inv *inv, struct ots_json *j, FILE *f)
{
	uint32_t i;

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_INV_SCHEMA_VERSION);
	ots_json_arr_open(j, "assets");
	for (i = 0; i < inv->n_order; i++) {
		asset_json(inv, &inv->assets[inv->asset_order[i]], j);
		if (f && j->len > JSON_FLUSH_BYTES && ots_json_flush_to(j, f) != OTS_OK)
			return OTS_EIO;
	}
	ots_json_arr_close(j);
	ots_json_obj_close(j);
	ots_json_newline(j);
	return f ? ots_json_flush_to(j, f) : j->err;
}

void
ots_inv_assets_json(struct ots_inv *inv, struct ots_json *j)
{
	assets_json_to(inv, j, NULL);
}

static void
endpoint_json(const struct ots_inv *inv, const struct ots_asset *a, uint32_t node,
              struct ots_json *j, const char *key)
{
	char buf[64];
	const struct ots_node_key *k = node != UINT32_MAX ? &inv->nodes[node].k : NULL;

	ots_json_obj_open(j, key);
	if (a->is_group)
		ots_json_null(j, "asset");
	else
		ots_json_str(j, "asset", ots_inv_str(inv, a->id));
	if (k && k->has_ip)
		ots_json_str(j, "ip", ots_addr_str(&k->ip, buf, sizeof(buf)));
	else
		ots_json_null(j, "ip");
	if (k && k->has_mac && (a->by_mac || a->is_group))
		ots_json_str(j, "mac", ots_mac_str(k->mac, buf, sizeof(buf)));
	else
		ots_json_null(j, "mac");
	ots_json_obj_close(j);
}

/* id as 16 lowercase hex digits and a NUL (the "%016llx" of the ids, without printf). */
static void
hex16(uint64_t id, char *out)
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
conduit_json(const struct ots_inv *inv, const struct ots_conduit *c, struct ots_json *j)
{
	char id[24], tb[16];
	uint32_t i;

	ots_json_obj_open(j, NULL);
	hex16(c->id, id);
	ots_json_str(j, "id", id);
	endpoint_json(inv, &inv->assets[c->src], c->src_node, j, "src");
	endpoint_json(inv, &inv->assets[c->dst], c->dst_node, j, "dst");
	ots_json_str(j, "transport", ots_inv_transport_name(c->transport, tb, sizeof(tb)));
	if (c->transport == OTS_TRANSPORT_ETHER) {
		char et[8];

		snprintf(et, sizeof(et), "0x%04x", c->port);
		ots_json_u64(j, "port", 0);
		ots_json_str(j, "ethertype", et);
	} else {
		ots_json_u64(j, "port", c->port);
	}
	ots_json_str(j, "protocol", ots_inv_str(inv, c->proto));
	ots_json_bool(j, "ics", c->ics.proto != 0);
	ots_json_obj_open(j, "operations");
	for (i = 0; i < OTS_OP__COUNT; i++)
		if (c->ics.ops[i])
			ots_json_u64(j, ots_op_class_name((enum ots_op_class)i), c->ics.ops[i]);
	ots_json_obj_close(j);
	ots_json_arr_open(j, "function_codes");
	for (i = 0; i < c->ics.n_fn; i++) {
		const struct ots_fn_tally *t = &c->ics.fn[i];

		ots_json_obj_open(j, NULL);
		ots_json_u64(j, "function_code", t->code);
		ots_json_str(j, "function", t->name ? ots_inv_str(inv, t->name) : "unknown");
		ots_json_str(j, "op_class", ots_op_class_name((enum ots_op_class)t->op_class));
		ots_json_u64(j, "requests", t->requests);
		ots_json_u64(j, "responses", t->responses);
		ots_json_u64(j, "exceptions", t->exceptions);
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	if (c->ics.fn_other)
		ots_json_u64(j, "functions_other", c->ics.fn_other);
	ots_json_obj_open(j, "packets");
	ots_json_u64(j, "src_to_dst", c->pkts[0]);
	ots_json_u64(j, "dst_to_src", c->pkts[1]);
	ots_json_obj_close(j);
	ots_json_obj_open(j, "bytes");
	ots_json_u64(j, "src_to_dst", c->bytes[0]);
	ots_json_u64(j, "dst_to_src", c->bytes[1]);
	ots_json_obj_close(j);
	ots_json_u64(j, "flows", c->flows);
	ots_json_time(j, "first_seen", c->first_ts);
	ots_json_time(j, "last_seen", c->last_ts);
	ots_json_obj_close(j);
}

static int
conduits_json_to(struct ots_inv *inv, struct ots_json *j, FILE *f)
{
	uint32_t i;

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_INV_SCHEMA_VERSION);
	ots_json_arr_open(j, "conduits");
	for (i = 0; i < inv->n_conduits; i++) {
		conduit_json(inv, &inv->conduits[inv->conduit_order[i]], j);
		if (f && j->len > JSON_FLUSH_BYTES && ots_json_flush_to(j, f) != OTS_OK)
			return OTS_EIO;
	}
	ots_json_arr_close(j);
	ots_json_obj_close(j);
	ots_json_newline(j);
	return f ? ots_json_flush_to(j, f) : j->err;
}

void
ots_inv_conduits_json(struct ots_inv *inv, struct ots_json *j)
{
	conduits_json_to(inv, j, NULL);
}

void
ots_inv_each_json(struct ots_inv *inv, ots_inv_each_fn fn, void *ctx)
{
	struct ots_json j;
	char id[24];
	uint32_t i;

	ots_json_init(&j);
	for (i = 0; i < inv->n_order; i++) {
		const struct ots_asset *a = &inv->assets[inv->asset_order[i]];

		ots_json_reset(&j);
		asset_json(inv, a, &j);
		if (!j.err)
			fn(ctx, 0, ots_inv_str(inv, a->id), j.buf, j.len);
	}
	for (i = 0; i < inv->n_conduits; i++) {
		const struct ots_conduit *c = &inv->conduits[inv->conduit_order[i]];

		ots_json_reset(&j);
		conduit_json(inv, c, &j);
		snprintf(id, sizeof(id), "%016llx", (unsigned long long)c->id);
		if (!j.err)
			fn(ctx, 1, id, j.buf, j.len);
	}
	ots_json_free(&j);
}

/* ---------------------------------------------------------------- CSV */

/*
 * One RFC 4180 field. Values come from the network (host names, device names), and a
 * spreadsheet runs a cell that starts with = + - @ as a formula: such cells get a leading
 * apostrophe, which spreadsheets show as text.
 */
static void
csv_field(FILE *f, const char *s, int last)
{
	const char *p;
	int quote = 0;

	if (!s)
		s = "";
	for (p = s; *p; p++)
		if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r')
			quote = 1;
	if (quote)
		fputc('"', f);
	if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
		fputc('\'', f);
	for (p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

/* A JSON array of strings from the writer, flattened to "a; b". */
static void
join_list(const struct ots_inv *inv, const struct ots_asset *a, int what, char *buf, size_t len)
{
	uint32_t i;
	size_t n = 0;
	char t[64];

	buf[0] = '\0';
	for (i = 0; i < a->n_nodes && n + 1 < len; i++) {
		const struct ots_node_key *k = &inv->nodes[a->nodes[i]].k;
		const char *s = NULL;

		if (what == 0 && k->has_ip) {
			if (i && inv->nodes[a->nodes[i - 1]].k.has_ip &&
			    memcmp(inv->nodes[a->nodes[i - 1]].k.ip.b, k->ip.b, 16) == 0)
				continue;
			s = ots_addr_str(&k->ip, t, sizeof(t));
		} else if (what == 1 && k->has_mac && a->by_mac) {
			s = ots_mac_str(k->mac, t, sizeof(t));
			if (n && strstr(buf, s))
				continue;
		}
		if (!s)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "; " : "", s);
		if (n >= len)
			n = len - 1;
	}
}

int
ots_inv_assets_csv(struct ots_inv *inv, FILE *f)
{
	static const char *const head[] = {
		"id", "role", "name", "ips", "macs", "vlans", "nic_vendor", "vendor", "model",
		"product_code", "firmware", "hardware", "serial", "hostnames", "protocols_served",
		"protocols_used", "group", "country", "asn", "first_seen", "last_seen",
		"packets_sent", "packets_received", "bytes_sent", "bytes_received", "conflicts"
	};
	size_t h, k;
	uint32_t i, x;
	char buf[2048], t[64];

	for (h = 0; h < sizeof(head) / sizeof(head[0]); h++)
		csv_field(f, head[h], h + 1 == sizeof(head) / sizeof(head[0]));
	for (x = 0; x < inv->n_order; x++) {
		const struct ots_asset *a = &inv->assets[inv->asset_order[x]];
		size_t n;
		int side;

		csv_field(f, ots_inv_str(inv, a->id), 0);
		csv_field(f, ots_role_name((enum ots_role)a->role), 0);
		csv_field(f, summary(inv, a, "name"), 0);
		join_list(inv, a, 0, buf, sizeof(buf));
		csv_field(f, buf, 0);
		join_list(inv, a, 1, buf, sizeof(buf));
		csv_field(f, buf, 0);
		n = 0;
		buf[0] = '\0';
		for (i = 0; i < a->n_nodes && n + 8 < sizeof(buf); i++) {
			uint16_t v = inv->nodes[a->nodes[i]].k.vlan;

			snprintf(t, sizeof(t), "%u", (unsigned)v);
			if (!v || strstr(buf, t))
				continue;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "; " : "", t);
		}
		csv_field(f, buf, 0);
		csv_field(f, a->nic_vendor ? ots_inv_str(inv, a->nic_vendor) : "", 0);
		for (k = 0; k < 6; k++)
			csv_field(f, summary(inv, a, summary_fields[k]), 0);
		n = 0;
		buf[0] = '\0';
		for (i = 0; i < a->n_attrs && n + 1 < sizeof(buf); i++) {
			if (!is_hostname(inv, &a->attrs[i]))
				continue;
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "; " : "",
			                      ots_inv_str(inv, a->attrs[i].value));
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
		}
		csv_field(f, buf, 0);
		for (side = 1; side >= 0; side--) {
			n = 0;
			buf[0] = '\0';
			for (i = 0; i < a->n_protos && n + 1 < sizeof(buf); i++) {
				const struct ots_asset_proto *p = &a->protos[i];
				char tb[16];

				if (p->server != side)
					continue;
				if (p->transport == OTS_TRANSPORT_ETHER)
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s/ether",
					                      n ? "; " : "", ots_inv_str(inv, p->proto));
				else
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s/%s:%u",
					                      n ? "; " : "", ots_inv_str(inv, p->proto),
					                      ots_inv_transport_name(p->transport, tb, sizeof(tb)),
					                      (unsigned)p->port);
				if (n >= sizeof(buf))
					n = sizeof(buf) - 1;
			}
			csv_field(f, buf, 0);
		}
		csv_field(f, ots_inv_str(inv, a->group), 0);
		csv_field(f, a->country, 0);
		snprintf(t, sizeof(t), "%u", a->asn);
		csv_field(f, a->asn ? t : "", 0);
		{
			struct ots_json j;

			ots_json_init(&j);
			ots_json_time(&j, NULL, a->first_ts);
			snprintf(buf, sizeof(buf), "%s", j.buf ? j.buf : "");
			ots_json_reset(&j);
			ots_json_time(&j, NULL, a->last_ts);
			/* strip the JSON quotes */
			if (buf[0] == '"') {
				memmove(buf, buf + 1, strlen(buf));
				buf[strlen(buf) - 1] = '\0';
			}
			csv_field(f, buf, 0);
			snprintf(buf, sizeof(buf), "%s", j.buf ? j.buf : "");
			if (buf[0] == '"') {
				memmove(buf, buf + 1, strlen(buf));
				buf[strlen(buf) - 1] = '\0';
			}
			csv_field(f, buf, 0);
			ots_json_free(&j);
		}
		snprintf(t, sizeof(t), "%llu", (unsigned long long)a->pkts_out);
		csv_field(f, t, 0);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)a->pkts_in);
		csv_field(f, t, 0);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)a->bytes_out);
		csv_field(f, t, 0);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)a->bytes_in);
		csv_field(f, t, 0);
		n = 0;
		buf[0] = '\0';
		for (i = 0; i + 1 < a->n_attrs; i++)
			if (attr_is_identity(a->attrs[i].attr) &&
			    a->attrs[i + 1].attr == a->attrs[i].attr &&
			    (i == 0 || a->attrs[i - 1].attr != a->attrs[i].attr))
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "; " : "",
				                      ots_fact_attr_name((enum ots_fact_attr)a->attrs[i].attr));
		csv_field(f, buf, 1);
	}
	return ferror(f) ? OTS_EIO : OTS_OK;
}

/* ---------------------------------------------------------------- change records */

struct change {
	uint64_t ts;
	char *line;               /* one JSON object, no newline */
	const char *asset;        /* for ordering */
	int kind;
};

struct changes {
	struct change *v;
	size_t n, cap;
};

static uint64_t
hash_str(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	h ^= 0xff; /* separator */
	h *= UINT64_C(0x100000001b3);
	return h;
}

static uint64_t
hkey(const char *a, const char *b, const char *c, const char *d)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	h = hash_str(h, a);
	h = hash_str(h, b ? b : "");
	h = hash_str(h, c ? c : "");
	h = hash_str(h, d ? d : "");
	return h ? h : 1; /* 0 marks a withdrawn entry */
}

/*
 * The reported set: hashes in inv->reported (append-only storage, 0 = withdrawn, which is
 * what --state saves) and an open-addressing index over it, rebuilt when the storage grew
 * behind its back (a state load). Lookups and additions are O(1), so a first checkpoint of
 * 100k assets costs one pass, not a quadratic scan.
 */
static uint32_t
rep_slot(uint64_t h, uint32_t mask)
{
	h ^= h >> 31;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return (uint32_t)(h >> 32) & mask;
}

static int
rep_insert_slot(struct ots_u32idx *x, const uint64_t *vals, uint32_t e)
{
	uint32_t j = rep_slot(vals[e], x->nslots - 1);

	while (x->slots[j])
		j = (j + 1) & (x->nslots - 1);
	x->slots[j] = e + 1;
	x->n++;
	return OTS_OK;
}

static int
rep_index(struct ots_inv *inv, uint32_t need)
{
	struct ots_u32idx *x = &inv->rep_idx;
	uint32_t n = x->nslots ? x->nslots : 1024, i;

	if (x->n == inv->n_reported && (x->n + need + 1) * 2 <= x->nslots)
		return OTS_OK;
	while ((inv->n_reported + need + 1) * 2 > n)
		n *= 2;
	free(x->slots);
	x->slots = calloc(n, sizeof(*x->slots));
	x->nslots = x->slots ? n : 0;
	x->n = 0;
	if (!x->slots)
		return OTS_ENOMEM;
	for (i = 0; i < inv->n_reported; i++)
		rep_insert_slot(x, inv->reported, i);
	return OTS_OK;
}

static int
reported(const struct ots_inv *inv, uint64_t h)
{
	const struct ots_u32idx *x = &inv->rep_idx;
	uint32_t j, e;

	if (!x->nslots)
		return 0;
	j = rep_slot(h, x->nslots - 1);
	while ((e = x->slots[j])) {
		if (inv->reported[e - 1] == h)
			return 1;
		j = (j + 1) & (x->nslots - 1);
	}
	return 0;
}

static void
report(struct ots_inv *inv, uint64_t h)
{
	uint64_t *p;

	if (rep_index(inv, 1) != OTS_OK)
		return;
	if (inv->n_reported == inv->cap_reported) {
		uint32_t cap = inv->cap_reported ? inv->cap_reported * 2 : 1024;

		p = realloc(inv->reported, (size_t)cap * sizeof(*p));
		if (!p)
			return;
		inv->reported = p;
		inv->cap_reported = cap;
	}
	inv->reported[inv->n_reported] = h;
	rep_insert_slot(&inv->rep_idx, inv->reported, inv->n_reported);
	inv->n_reported++;
}

/* Withdraw h (a role no longer held): its entries become 0, which no key equals. */
static void
unreport(struct ots_inv *inv, uint64_t h)
{
	struct ots_u32idx *x = &inv->rep_idx;
	uint32_t j, e;

	if (!x->nslots)
		return;
	j = rep_slot(h, x->nslots - 1);
	while ((e = x->slots[j])) {
		if (inv->reported[e - 1] == h)
			inv->reported[e - 1] = 0;
		j = (j + 1) & (x->nslots - 1);
	}
}

static void
change_add(struct changes *cs, uint64_t ts, const char *asset, int kind, struct ots_json *j)
{
	struct change *c;

	if (j->err || !j->buf)
		return;
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		void *p = realloc(cs->v, cap * sizeof(*cs->v));

		if (!p)
			return;
		cs->v = p;
		cs->cap = cap;
	}
	c = &cs->v[cs->n];
	c->line = strdup(j->buf);
	if (!c->line)
		return;
	c->ts = ts;
	c->asset = asset;
	c->kind = kind;
	cs->n++;
}

static int
change_cmp(const void *pa, const void *pb)
{
	const struct change *a = pa, *b = pb;
	int c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	c = strcmp(a->asset, b->asset);
	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->line, b->line);
}

static void
change_head(struct ots_json *j, uint64_t ts, const char *change, const char *asset)
{
	ots_json_reset(j);
	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_SCHEMA_VERSION);
	ots_json_str(j, "record", "asset_change");
	ots_json_time(j, "@timestamp", ts);
	ots_json_str(j, "change", change);
	ots_json_str(j, "asset", asset);
}

static const struct ots_inv *cmp_inv; /* qsort context (main thread only) */

static int
binding_cmp(const void *pa, const void *pb)
{
	const struct ots_node *a = &cmp_inv->nodes[*(const uint32_t *)pa];
	const struct ots_node *b = &cmp_inv->nodes[*(const uint32_t *)pb];
	int c = memcmp(a->k.ip.b, b->k.ip.b, 16);

	if (c)
		return c;
	if (a->k.vlan != b->k.vlan)
		return a->k.vlan < b->k.vlan ? -1 : 1;
	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	return memcmp(a->k.mac, b->k.mac, 6);
}

/* 127.0.0.0/8 and ::1 have no place on a wire; captures made on a loopback with invented
 * MACs carry them at both ends of a flow, which is not one address moving between devices. */
static int
ip_is_loopback(const struct ots_addr *a)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (ots_addr_is_v4(a))
		return a->b[12] == 127;
	return memcmp(a->b, v6lo, 16) == 0;
}

uint64_t
ots_inv_changes(struct ots_inv *inv, FILE *f)
{
	struct changes cs;
	struct ots_json j;
	uint32_t x, i, r;
	uint64_t written = 0;

	if (!inv->built)
		return 0;
	memset(&cs, 0, sizeof(cs));
	ots_json_init(&j);
	if (rep_index(inv, 0) != OTS_OK)
		return 0;
	for (x = 0; x < inv->n_order; x++) {
		struct ots_asset *a = &inv->assets[inv->asset_order[x]];
		const char *id = ots_inv_str(inv, a->id);
		const char *role = ots_role_name((enum ots_role)a->role);
		uint64_t h = hkey("asset", id, NULL, NULL);
		int is_new = !reported(inv, h);

		if (is_new) {
			size_t k;

			change_head(&j, a->first_ts, "new_asset", id);
			ots_json_str(&j, "role", role);
			asset_addrs_json(inv, a, &j);
			for (k = 0; k < sizeof(summary_fields) / sizeof(summary_fields[0]); k++) {
				const char *v = summary(inv, a, summary_fields[k]);

				if (v)
					ots_json_str(&j, summary_fields[k], v);
			}
			ots_json_obj_close(&j);
			change_add(&cs, a->first_ts, id, 0, &j);
			if (inv->on_change)
				inv->on_change(inv->on_change_ctx, 0, inv->asset_order[x], UINT32_MAX, a->first_ts);
			report(inv, h);
		}
		/* role: at most one reported role per asset */
		h = hkey("role", id, role, NULL);
		if (!reported(inv, h)) {
			const char *old = NULL;

			for (r = 0; r < OTS_ROLE__COUNT; r++) {
				uint64_t o = hkey("role", id, ots_role_name((enum ots_role)r), NULL);

				if (r != a->role && reported(inv, o)) {
					old = ots_role_name((enum ots_role)r);
					unreport(inv, o);
				}
			}
			if (!is_new) {
				change_head(&j, a->last_ts, "role_change", id);
				str_or_null(&j, "old", old);
				ots_json_str(&j, "new", role);
				if (a->n_evidence)
					ots_json_str(&j, "evidence", ots_inv_str(inv, a->evidence[0]));
				ots_json_obj_close(&j);
				change_add(&cs, a->last_ts, id, 1, &j);
				if (inv->on_change)
					inv->on_change(inv->on_change_ctx, 1, inv->asset_order[x], UINT32_MAX, a->last_ts);
			}
			report(inv, h);
		}
		/* identity attributes: a value after an earlier one is a change */
		for (i = 0; i < a->n_attrs; i++) {
			const struct ots_asset_attr *t = &a->attrs[i];
			const char *an = ots_fact_attr_name((enum ots_fact_attr)t->attr);
			const char *val = ots_inv_str(inv, t->value);

			if (!attr_is_identity(t->attr))
				continue;
			h = hkey("attr", id, an, val);
			if (reported(inv, h))
				continue;
			if (i && a->attrs[i - 1].attr == t->attr) {
				const struct ots_node_fact *nf = inv->afacts[t->first_fact];

				change_head(&j, t->first_ts, "attribute_change", id);
				ots_json_str(&j, "attribute", an);
				ots_json_str(&j, "old", ots_inv_str(inv, a->attrs[i - 1].value));
				ots_json_str(&j, "new", val);
				ots_json_obj_open(&j, "source");
				ots_json_str(&j, "protocol", proto_id_name(nf->proto));
				ots_json_str(&j, "message", ots_inv_str(inv, nf->source));
				ots_json_obj_close(&j);
				ots_json_obj_close(&j);
				change_add(&cs, t->first_ts, id, 2, &j);
				if (inv->on_change)
					inv->on_change(inv->on_change_ctx, 2, inv->asset_order[x], UINT32_MAX, t->first_ts);
			}
			report(inv, h);
		}
	}
	/* IP/MAC bindings: one IP (and VLAN) claimed by two devices' MACs. Nodes of MAC
	 * assets sorted by (IP, VLAN, first seen): within one IP, a node whose device differs
	 * from the one before took the IP over. */
	{
		uint32_t *v = malloc(((size_t)inv->n_nodes + 1) * sizeof(*v)), nv = 0;

		for (i = 0; v && i < inv->n_nodes; i++) {
			const struct ots_node *n = &inv->nodes[i];

			if (n->k.has_ip && n->k.has_mac && n->asset != UINT32_MAX &&
			    !ip_is_loopback(&n->k.ip) &&
			    !inv->assets[n->asset].is_group &&
			    strncmp(ots_inv_str(inv, inv->assets[n->asset].id), "mac:", 4) == 0)
				v[nv++] = i;
		}
		cmp_inv = inv;
		if (v)
			ots_qsort(v, nv, sizeof(*v), binding_cmp);
		for (i = 0; v && i < nv; i++) {
			const struct ots_node *n = &inv->nodes[v[i]], *o;
			char ip[64], mac[24], omac[24], vlan[8];
			uint64_t h;

			ots_addr_str(&n->k.ip, ip, sizeof(ip));
			ots_mac_str(n->k.mac, mac, sizeof(mac));
			snprintf(vlan, sizeof(vlan), "%u", (unsigned)n->k.vlan);
			h = hkey("ipmac", ip, vlan, mac);
			if (reported(inv, h))
				continue;
			report(inv, h);
			if (i == 0)
				continue;
			o = &inv->nodes[v[i - 1]];
			if (o->k.vlan != n->k.vlan || memcmp(o->k.ip.b, n->k.ip.b, 16) != 0 ||
			    o->asset == n->asset)
				continue;
			change_head(&j, n->first_ts, "ip_mac_change",
			            ots_inv_str(inv, inv->assets[n->asset].id));
			ots_json_str(&j, "ip", ip);
			if (n->k.vlan)
				ots_json_u64(&j, "vlan", n->k.vlan);
			ots_json_str(&j, "old_mac", ots_mac_str(o->k.mac, omac, sizeof(omac)));
			ots_json_str(&j, "new_mac", mac);
			ots_json_str(&j, "old_asset", ots_inv_str(inv, inv->assets[o->asset].id));
			ots_json_obj_close(&j);
			change_add(&cs, n->first_ts, ots_inv_str(inv, inv->assets[n->asset].id), 3, &j);
			if (inv->on_change)
				inv->on_change(inv->on_change_ctx, 3, n->asset, v[i], n->first_ts);
		}
		free(v);
	}
	ots_qsort(cs.v, cs.n, sizeof(*cs.v), change_cmp);
	for (i = 0; i < cs.n; i++) {
		if (f && fprintf(f, "%s\n", cs.v[i].line) > 0) {
			written++;
			ots_sink_emit(OTS_SINK_EVENT, cs.v[i].asset, cs.v[i].line,
			              strlen(cs.v[i].line));
		}
		free(cs.v[i].line);
	}
	free(cs.v);
	ots_json_free(&j);
	inv->changes_total += written;
	return written;
}

/* ---------------------------------------------------------------- files */

/* Strings made for the render view, freed together. */
struct strbag {
	char **v;
	size_t n, cap;
};

static const char *
bag_add(struct strbag *b, const char *s)
{
	char *d;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		void *p = realloc(b->v, cap * sizeof(*b->v));

		if (!p)
			return "";
		b->v = p;
		b->cap = cap;
	}
	d = strdup(s ? s : "");
	if (!d)
		return "";
	b->v[b->n++] = d;
	return d;
}

static void
bag_free(struct strbag *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->v[i]);
	free(b->v);
}

/* Open dir/name.tmp for writing; ots_inv_write renames it when complete. */
static FILE *
open_tmp(const char *dir, const char *name, char *path, size_t len, char *err, size_t errlen)
{
	FILE *f;

	snprintf(path, len, "%s/%s.tmp", dir, name);
	f = fopen(path, "w");
	if (!f)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	else
		ots_file_buffer(f);
	return f;
}

static int
close_tmp(FILE *f, const char *tmp, char *err, size_t errlen)
{
	char final[4096];
	size_t n = strlen(tmp);

	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "error writing %s: %s", tmp, strerror(errno));
		ots_fclose(f);
		unlink(tmp);
		return OTS_EIO;
	}
	if (ots_fclose(f) != 0) {
		snprintf(err, errlen, "error closing %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return OTS_EIO;
	}
	snprintf(final, sizeof(final), "%.*s", (int)(n - 4), tmp);
	if (rename(tmp, final) != 0) {
		snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return OTS_EIO;
	}
	return OTS_OK;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n + 1);
		if (b && fread(b, 1, (size_t)n, f) == (size_t)n) {
			b[n] = '\0';
			*len = (size_t)n;
		} else {
			free(b);
			b = NULL;
		}
	}
	fclose(f);
	return b;
}

/*
 * Bounds of the pictures (the JSON files always hold everything): Graphviz lays out a few
 * thousand devices in seconds but 100k never, and a page with a million table rows is not
 * read by anyone. Past them the map is left to map.dot (sfdp, Gephi) and the report lists
 * the conduits that carried the most bytes, saying so in its title.
 */
#define OTS_MAP_MAX_ASSETS 2000
#define OTS_REPORT_MAX_CONDUITS 20000

static int
rc_bytes_cmp(const void *pa, const void *pb)
{
	const struct ots_render_conduit *a = pa, *b = pb;
	uint64_t x = a->bytes[0] + a->bytes[1], y = b->bytes[0] + b->bytes[1];

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(a->id, b->id);
}

static int
write_render(struct ots_inv *inv, const char *dir, const char *title,
             const struct ots_inv_overlay *ov, char *err, size_t errlen)
{
	struct ots_render_asset *ra = NULL;
	struct ots_render_conduit *rc = NULL;
	struct ots_render r;
	struct strbag bag;
	uint32_t *pos = NULL, i, x;
	char path[4096], dotp[4096], svgp[4096], buf[2048], tb[16], e2[1024] = "", note[1100];
	char *svg = NULL;
	size_t svg_len = 0;
	FILE *f;
	int rcode = OTS_ENOMEM;

	memset(&bag, 0, sizeof(bag));
	memset(&r, 0, sizeof(r));
	ra = calloc(inv->n_order + 1, sizeof(*ra));
	rc = calloc(inv->n_conduits + 1, sizeof(*rc));
	pos = malloc(((size_t)inv->n_assets + 1) * sizeof(*pos));
	if (!ra || !rc || !pos)
		goto out;
	for (i = 0; i < inv->n_assets; i++)
		pos[i] = UINT32_MAX;
	for (x = 0; x < inv->n_order; x++) {
		const struct ots_asset *a = &inv->assets[inv->asset_order[x]];
		struct ots_render_asset *v = &ra[x];
		const char *name = summary(inv, a, "name");
		size_t n = 0;

		pos[inv->asset_order[x]] = x;
		v->id = ots_inv_str(inv, a->id);
		join_list(inv, a, 0, buf, sizeof(buf));
		v->ips = bag_add(&bag, buf);
		join_list(inv, a, 1, buf, sizeof(buf));
		v->macs = bag_add(&bag, buf);
		v->name = name ? name : (v->ips[0] ? v->ips : v->macs);
		if (v->name == v->ips && strchr(v->ips, ';')) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(strchr(v->ips, ';') - v->ips), v->ips);
			v->name = bag_add(&bag, buf);
		}
		v->role = ots_role_name((enum ots_role)a->role);
		v->group = ov && ov->asset_group && ov->asset_group[inv->asset_order[x]] ?
		                   ov->asset_group[inv->asset_order[x]] : ots_inv_str(inv, a->group);
		v->vendor = bag_add(&bag, summary(inv, a, "vendor"));
		v->model = bag_add(&bag, summary(inv, a, "model"));
		v->firmware = bag_add(&bag, summary(inv, a, "firmware"));
		v->serial = bag_add(&bag, summary(inv, a, "serial"));
		v->nic_vendor = a->nic_vendor ? ots_inv_str(inv, a->nic_vendor) : "";
		buf[0] = '\0';
		for (i = 0; i < a->n_protos && n + 1 < sizeof(buf); i++) {
			const struct ots_asset_proto *p = &a->protos[i];

			if (p->transport == OTS_TRANSPORT_ETHER)
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s (%s)", n ? ", " : "",
				                      ots_inv_str(inv, p->proto),
				                      p->server ? "server" : "client");
			else
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s/%s:%u (%s)",
				                      n ? ", " : "", ots_inv_str(inv, p->proto),
				                      ots_inv_transport_name(p->transport, tb, sizeof(tb)),
				                      (unsigned)p->port, p->server ? "server" : "client");
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
		}
		v->protocols = bag_add(&bag, buf);
		v->country = bag_add(&bag, a->country);
		v->first_seen = a->first_ts * 1000;
		v->last_seen = a->last_ts * 1000;
		v->packets = a->pkts_out + a->pkts_in;
		v->bytes = a->bytes_out + a->bytes_in;
	}
	r.n_conduits = 0;
	for (x = 0; x < inv->n_conduits; x++) {
		const struct ots_conduit *c = &inv->conduits[inv->conduit_order[x]];
		struct ots_render_conduit *v;
		size_t n = 0;

		if (pos[c->src] == UINT32_MAX || pos[c->dst] == UINT32_MAX)
			continue; /* broadcast / multicast: in conduits.json, not on the map */
		v = &rc[r.n_conduits++];
		v->src = pos[c->src];
		v->dst = pos[c->dst];
		hex16(c->id, buf);
		v->id = bag_add(&bag, buf);
		v->transport = ots_inv_transport_name(c->transport, tb, sizeof(tb));
		if (v->transport == tb)
			v->transport = bag_add(&bag, tb);
		v->port = c->transport == OTS_TRANSPORT_ETHER ? 0 : c->port;
		v->protocol = ots_inv_str(inv, c->proto);
		for (i = 0; i < OTS_OP__COUNT; i++)
			if (c->ics.ops[i])
				v->op_mask |= 1u << i;
		buf[0] = '\0';
		for (i = 0; i < c->ics.n_fn && n + 1 < sizeof(buf); i++) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u x%llu", n ? ", " : "",
			                      c->ics.fn[i].code,
			                      (unsigned long long)c->ics.fn[i].requests);
			if (n >= sizeof(buf))
				n = sizeof(buf) - 1;
		}
		v->function_codes = bag_add(&bag, buf);
		v->packets[0] = c->pkts[0];
		v->packets[1] = c->pkts[1];
		v->bytes[0] = c->bytes[0];
		v->bytes[1] = c->bytes[1];
		v->first_seen = c->first_ts * 1000;
		v->last_seen = c->last_ts * 1000;
		v->alert = ov && ov->conduit_alert ? ov->conduit_alert[inv->conduit_order[x]] : 0;
	}
	if (ov) {
		r.alerts = ov->alerts;
		r.n_alerts = ov->n_alerts;
	}
	r.title = title ? title : "otsensor";
	if (r.n_conduits > OTS_REPORT_MAX_CONDUITS) {
		size_t all = r.n_conduits;

		qsort(rc, r.n_conduits, sizeof(*rc), rc_bytes_cmp);
		r.n_conduits = OTS_REPORT_MAX_CONDUITS;
		snprintf(buf, sizeof(buf), "%s (the %u of %zu device conduits with the most bytes; "
		         "conduits.json has them all)", r.title, OTS_REPORT_MAX_CONDUITS, all);
		r.title = bag_add(&bag, buf);
	}
	r.generated = "";
	r.assets = ra;
	r.n_assets = inv->n_order;
	r.conduits = rc;

	f = open_tmp(dir, "map.dot", path, sizeof(path), err, errlen);
	if (!f) {
		rcode = OTS_EIO;
		goto out;
	}
	ots_render_dot(f, &r);
	if ((rcode = close_tmp(f, path, err, errlen)) != OTS_OK)
		goto out;
	snprintf(dotp, sizeof(dotp), "%s/map.dot", dir);
	snprintf(svgp, sizeof(svgp), "%s/map.svg", dir);
	if (r.n_assets > OTS_MAP_MAX_ASSETS) {
		snprintf(buf, sizeof(buf), "map.svg not rendered: %zu devices are more than Graphviz "
		         "lays out in reasonable time (limit %u); map.dot is written (sfdp, Gephi)",
		         r.n_assets, OTS_MAP_MAX_ASSETS);
		r.map_note = bag_add(&bag, buf);
		unlink(svgp); /* a map of an earlier checkpoint would be stale */
	} else {
		int s = ots_render_svg(dotp, svgp, e2, sizeof(e2));

		if (s == OTS_OK) {
			svg = slurp(svgp, &svg_len);
			if (e2[0]) { /* dot failed, its retry with the fallback layout drew the map */
				ots_warn("%s", e2);
				r.map_note = e2;
			}
		} else {
			ots_warn("%s", e2[0] ? e2 : "map.svg not rendered");
			if (s != OTS_RENDER_ENODOT) {
				snprintf(note, sizeof(note), "the map could not be rendered: %s", e2);
				r.map_note = note;
			}
		}
	}
	f = open_tmp(dir, "report.html", path, sizeof(path), err, errlen);
	if (!f) {
		rcode = OTS_EIO;
		goto out;
	}
	ots_render_html(f, &r, svg, svg_len);
	rcode = close_tmp(f, path, err, errlen);
out:
	if (rcode == OTS_ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory rendering the map");
	free(svg);
	free(ra);
	free(rc);
	free(pos);
	bag_free(&bag);
	return rcode;
}

/* assets.json, conduits.json and assets.csv: one job, run beside the map and the report. */
struct table_job {
	struct ots_inv *inv;
	const char *dir;
	int rc;
	char err[1024];
};

static void *
write_tables(void *arg)
{
	static const char *const names[2] = { "assets.json", "conduits.json" };
	struct table_job *job = arg;
	struct ots_json j;
	char path[4096];
	FILE *f;
	int k;

	job->rc = OTS_OK;
	ots_json_init(&j);
	for (k = 0; k < 2 && job->rc == OTS_OK; k++) {
		f = open_tmp(job->dir, names[k], path, sizeof(path), job->err, sizeof(job->err));
		if (!f) {
			job->rc = OTS_EIO;
			break;
		}
		ots_json_reset(&j);
		/* a write error leaves f in error: close_tmp reports it; out of memory is j.err */
		(void)(k == 0 ? assets_json_to(job->inv, &j, f) : conduits_json_to(job->inv, &j, f));
		job->rc = close_tmp(f, path, job->err, sizeof(job->err));
		if (job->rc == OTS_OK && j.err) {
			snprintf(job->err, sizeof(job->err), "cannot write %s/%s: out of memory",
			         job->dir, names[k]);
			job->rc = OTS_ENOMEM;
		}
	}
	ots_json_free(&j);
	if (job->rc != OTS_OK)
		return NULL;
	f = open_tmp(job->dir, "assets.csv", path, sizeof(path), job->err, sizeof(job->err));
	if (!f) {
		job->rc = OTS_EIO;
		return NULL;
	}
	ots_inv_assets_csv(job->inv, f);
	job->rc = close_tmp(f, path, job->err, sizeof(job->err));
	return NULL;
}

/*
 * The tables (JSON, CSV) and the drawings (map.dot, Graphviz, report.html) only read the built
 * inventory and write files of their own, so the tables go to a second thread: at the end of
 * a file run the workers are done and a core is free, and on the benchmark plant this takes
 * a third of the checkpoint's writing off the run's serial tail. Should the thread not start,
 * they are written here first, as before.
 */
int
ots_inv_write(struct ots_inv *inv, const char *dir, const char *title,
              const struct ots_inv_overlay *ov, char *err, size_t errlen)
{
	struct table_job job = { .inv = inv, .dir = dir, .rc = OTS_OK, .err = "" };
	pthread_t t;
	int threaded, rc;

	if (!inv->built)
		return OTS_OK;
	threaded = pthread_create(&t, NULL, write_tables, &job) == 0;
	if (!threaded) {
		write_tables(&job);
		if (job.rc != OTS_OK) {
			snprintf(err, errlen, "%s", job.err);
			return job.rc;
		}
	}
	rc = write_render(inv, dir, title, ov, err, errlen);
	if (threaded)
		pthread_join(t, NULL);
	if (job.rc != OTS_OK) { /* the tables' error first, as when they were written first */
		snprintf(err, errlen, "%s", job.err);
		return job.rc;
	}
	return rc;
}
