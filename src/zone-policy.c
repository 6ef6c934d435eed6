/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zone-policy.c: IEC 62443 zone and conduit checks (see zone-policy.h).
 * References: IEC 62443-3-2 (zones and conduits), IEC 62443-3-3 (foundational requirements
 * FR1-FR7 and system requirements SR x.y), MITRE ATT&CK for ICS (technique ids).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ots/compiler.h"
#include "ots/decode.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/geoip.h"
#include "ots/render.h"
#include "ots/sink.h"
#include "ots/zone-policy.h"

struct rule_info {
	const char *id, *name;
	uint8_t severity;             /* 1-100, ECS event.severity */
};

static const struct rule_info rules[OTS_ZR__COUNT] = {
	[OTS_ZR_NO_CONDUIT] = { "zone-no-conduit",
	                        "traffic between two zones with no declared conduit", 70 },
	[OTS_ZR_WRONG_DIRECTION] = { "zone-wrong-direction",
	                             "initiated from the receiving side of a one-way conduit", 70 },
	[OTS_ZR_PROTOCOL_DENIED] = { "zone-protocol-denied",
	                             "a protocol the conduit does not allow", 60 },
	[OTS_ZR_OPERATION_DENIED] = { "zone-operation-denied",
	                              "an operation the conduit does not allow", 80 },
	[OTS_ZR_UNKNOWN_HOST] = { "zone-unknown-host", "a host in no declared zone", 40 },
	[OTS_ZR_INTERNET] = { "zone-internet", "a zone host talking with a public address", 80 },
	[OTS_ZR_CLEARTEXT_ENG] = { "sl-cleartext-engineering",
	                           "unauthenticated engineering operations into a zone of SL-T 2 or more",
	                           90 },
	[OTS_ZR_INSECURE_PROTO] = { "sl-insecure-protocol",
	                            "an insecure protocol or cleartext credentials into a zone of SL-T 2 or more",
	                            60 },
};

const char *
ots_zrule_id(enum ots_zrule r)
{
	return (unsigned)r < OTS_ZR__COUNT ? rules[r].id : "unknown";
}

#define OP(x) (1u << (x))
#define ENG_OPS (OP(OTS_OP_PROGRAM) | OP(OTS_OP_FIRMWARE) | OP(OTS_OP_MODE_CHANGE))
#define WRITE_OPS (OP(OTS_OP_WRITE) | OP(OTS_OP_CONTROL))

void
ots_policy_init(struct ots_policy *p)
{
	memset(p, 0, sizeof(*p));
}

void
ots_policy_free(struct ots_policy *p)
{
	free(p->v);
	free(p->idx.slots);
	free(p->asset_zone);
	ots_idset_free(&p->reported);
	memset(p, 0, sizeof(*p));
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

static uint64_t
alert_key(uint8_t rule, uint32_t conduit, int zs, int zd)
{
	return mix(mix(mix(rule, conduit), (uint64_t)(zs + 1)), (uint64_t)(zd + 1));
}

static int
idx_grow(struct ots_policy *p)
{
	uint32_t n = p->idx.nslots ? p->idx.nslots * 2 : 256, i;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return OTS_ENOMEM;
	for (i = 0; i < p->n; i++) {
		const struct ots_alert *a = &p->v[i];
		uint32_t j = (uint32_t)alert_key(a->rule, a->conduit, a->zsrc, a->zdst) & (n - 1);

		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i + 1;
	}
	free(p->idx.slots);
	p->idx.slots = s;
	p->idx.nslots = n;
	p->idx.n = p->n;
	return OTS_OK;
}

/* The alert for (rule, conduit, zones), created empty when new. NULL on allocation failure. */
static struct ots_alert *
alert_get(struct ots_policy *p, uint8_t rule, uint32_t conduit, int zs, int zd)
{
	uint32_t j, e;
	struct ots_alert *a;

	if ((p->n + 1) * 2 > p->idx.nslots && idx_grow(p) != OTS_OK)
		return NULL;
	j = (uint32_t)alert_key(rule, conduit, zs, zd) & (p->idx.nslots - 1);
	while ((e = p->idx.slots[j])) {
		a = &p->v[e - 1];
		if (a->rule == rule && a->conduit == conduit && a->zsrc == zs && a->zdst == zd)
			return a;
		j = (j + 1) & (p->idx.nslots - 1);
	}
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 64;
		void *v = realloc(p->v, (size_t)cap * sizeof(*p->v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	a = &p->v[p->n];
	memset(a, 0, sizeof(*a));
	a->rule = rule;
	a->conduit = conduit;
	a->zsrc = (int16_t)zs;
	a->zdst = (int16_t)zd;
	a->zconduit = -1;
	a->first_ts = UINT64_MAX;
	a->src_node = a->dst_node = UINT32_MAX;
	p->idx.slots[j] = ++p->n;
	return a;
}

static int
node_key_cmp(const struct ots_node_key *a, const struct ots_node_key *b)
{
	int c = memcmp(a->ip.b, b->ip.b, 16);

	if (c)
		return c;
	c = memcmp(a->mac, b->mac, 6);
	if (c)
		return c;
	return a->vlan < b->vlan ? -1 : a->vlan > b->vlan;
}

/* Keep the smallest codes, sorted: the record must not depend on the order the flows (and
 * their function tallies) arrived in. */
static void
add_fn(struct ots_alert *a, uint32_t code)
{
	uint8_t i, k;

	for (i = 0; i < a->n_fn && a->fn[i] < code; i++)
		;
	if ((i < a->n_fn && a->fn[i] == code) || i == OTS_ARRAY_LEN(a->fn))
		return;
	if (a->n_fn < OTS_ARRAY_LEN(a->fn))
		a->n_fn++;
	for (k = (uint8_t)(a->n_fn - 1); k > i; k--)
		a->fn[k] = a->fn[k - 1];
	a->fn[i] = code;
}

/* Record one observed conduit under an alert. */
static int
raise(struct ots_policy *p, const struct ots_inv *inv, const struct ots_oconduit *o, uint8_t rule,
      int zs, int zd, int zconduit, uint32_t ops, uint32_t flags)
{
	struct ots_alert *a = alert_get(p, rule, o->conduit, zs, zd);
	uint32_t i;

	if (!a)
		return OTS_ENOMEM;
	if (o->first_ts < a->first_ts)
		a->first_ts = o->first_ts;
	if (o->last_ts > a->last_ts)
		a->last_ts = o->last_ts;
	a->count += o->flows;
	a->ops |= ops;
	a->flags |= flags;
	if (zconduit >= 0 && (a->zconduit < 0 || zconduit < a->zconduit))
		a->zconduit = zconduit;
	if (a->src_node == UINT32_MAX ||
	    node_key_cmp(&inv->nodes[o->k.init].k, &inv->nodes[a->src_node].k) < 0) {
		a->src_node = o->k.init;
		a->dst_node = o->k.resp;
	}
	for (i = 0; o->ics && ops && i < o->ics->n_fn; i++)
		if ((ops & OP(o->ics->fn[i].op_class)) && o->ics->fn[i].requests)
			add_fn(a, o->ics->fn[i].code);
	return OTS_OK;
}

static int
node_public(const struct ots_node *n)
{
	int v4;

	if (!n->k.has_ip)
		return 0;
	v4 = ots_addr_is_v4(&n->k.ip);
	return ots_ip_is_public(v4 ? n->k.ip.b + 12 : n->k.ip.b, v4 ? 4 : 6);
}

int
ots_node_zone(const struct ots_zones *z, const struct ots_node *n)
{
	if (!z)
		return -1;
	return ots_zones_lookup(z, n->k.ip.b, n->k.has_ip != 0, n->k.vlan);
}

/* Protocol families that have no place in a zone of SL-T 2 or more (cleartext logins or
 * unauthenticated remote control); the name is our dissector's or nDPI's ("HTTP.Google"). */
static int
insecure_protocol(const char *name)
{
	static const char *const bad[] = { "telnet", "ftp", "ftp_control", "ftp_data", "http",
		                           "vnc", "rlogin", "tftp" };
	size_t n = strcspn(name, "."), i;

	for (i = 0; i < OTS_ARRAY_LEN(bad); i++)
		if (strlen(bad[i]) == n && strncasecmp(name, bad[i], n) == 0)
			return 1;
	return 0;
}

/* ICS protocols that authenticate or protect their sessions when configured to: their
 * engineering operations are not "unauthenticated" unless a flag says so. */
static int
authenticating_protocol(const char *name)
{
	return strcasecmp(name, "opcua") == 0 || strcasecmp(name, "s7comm_plus") == 0;
}

/* Op classes the initiator requested over this observed conduit (responses never count:
 * a reply is not an initiation). */
static uint32_t
requested_ops(const struct ots_oconduit *o)
{
	uint32_t ops = 0, i;

	for (i = 0; o->ics && i < o->ics->n_fn; i++)
		if (o->ics->fn[i].requests && o->ics->fn[i].op_class < OTS_OP__COUNT)
			ops |= OP(o->ics->fn[i].op_class);
	return ops;
}

/* Check one observed conduit between two zoned hosts (zs initiates). */
static int
check_zoned(struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv,
            const struct ots_oconduit *o, int zs, int zd)
{
	const char *proto = ots_inv_str(inv, o->k.proto);
	uint32_t req = requested_ops(o), allowed = 0, denied;
	uint16_t port = o->k.transport == OTS_TRANSPORT_ETHER ? 0 : o->k.port;
	int idx[64], reverse = 0, proto_ok = 0, first = -1, rc = OTS_OK;
	size_t n, i, k;

	if (zs == zd && !z->intra_zone_alert) {
		n = ots_zones_conduits(z, zs, zd, idx, OTS_ARRAY_LEN(idx), NULL);
		if (n == 0)
			return OTS_OK; /* intra-zone traffic allowed by default */
	} else {
		n = ots_zones_conduits(z, zs, zd, idx, OTS_ARRAY_LEN(idx), &reverse);
	}
	if (n == 0)
		return raise(p, inv, o, reverse ? OTS_ZR_WRONG_DIRECTION : OTS_ZR_NO_CONDUIT, zs, zd,
		             -1, 0, 0);
	/* allowed if one rule of one conduit covers the protocol and port; operations are the
	 * union of what those rules allow */
	for (i = 0; i < n; i++) {
		const struct ots_zconduit *c = &z->conduits[idx[i]];

		for (k = 0; k < c->n_allow; k++) {
			if (!ots_zone_allow_match(&c->allow[k], proto, -1, port))
				continue;
			proto_ok = 1;
			allowed |= c->allow[k].ops;
			if (first < 0)
				first = idx[i];
		}
	}
	if (!proto_ok)
		return raise(p, inv, o, OTS_ZR_PROTOCOL_DENIED, zs, zd, idx[0], 0, 0);
	denied = req & ~allowed;
	if (denied)
		rc = raise(p, inv, o, OTS_ZR_OPERATION_DENIED, zs, zd, first, denied, 0);
	return rc;
}

int
ots_policy_eval(struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv)
{
	uint32_t i;
	int rc;

	p->n = 0;
	p->idx.n = 0;
	if (p->idx.slots)
		memset(p->idx.slots, 0, (size_t)p->idx.nslots * sizeof(*p->idx.slots));
	free(p->asset_zone);
	p->asset_zone = malloc(((size_t)inv->n_assets + 1) * sizeof(*p->asset_zone));
	if (!p->asset_zone)
		return OTS_ENOMEM;
	p->n_asset_zone = inv->n_assets;
	for (i = 0; i < inv->n_assets; i++) {
		const struct ots_asset *a = &inv->assets[i];
		uint32_t k;

		p->asset_zone[i] = -1;
		for (k = 0; z && k < a->n_nodes && p->asset_zone[i] < 0; k++)
			p->asset_zone[i] = (int16_t)ots_node_zone(z, &inv->nodes[a->nodes[k]]);
	}
	if (!z || !inv->built)
		return OTS_OK;
	for (i = 0; i < inv->n_oc; i++) {
		const struct ots_oconduit *o = &inv->oc[i];
		const struct ots_node *ni = &inv->nodes[o->k.init], *nr = &inv->nodes[o->k.resp];
		const char *proto = ots_inv_str(inv, o->k.proto);
		int zs, zd, pub_i, pub_r;
		uint32_t req;

		if (o->conduit == UINT32_MAX || ni->asset == UINT32_MAX || nr->asset == UINT32_MAX ||
		    inv->assets[nr->asset].is_group || inv->assets[ni->asset].is_group)
			continue; /* broadcast and multicast have no zone of their own */
		zs = ots_node_zone(z, ni);
		zd = ots_node_zone(z, nr);
		pub_i = zs < 0 && node_public(ni);
		pub_r = zd < 0 && node_public(nr);
		rc = OTS_OK;
		if ((pub_i && zd >= 0) || (pub_r && zs >= 0)) {
			if (z->internet_alert)
				rc = raise(p, inv, o, OTS_ZR_INTERNET, zs, zd, -1, 0, 0);
		} else if (zs < 0 || zd < 0) {
			if ((zs >= 0 || zd >= 0) && z->unzoned_alert && !pub_i && !pub_r)
				rc = raise(p, inv, o, OTS_ZR_UNKNOWN_HOST, zs, zd, -1, 0, 0);
		} else {
			rc = check_zoned(p, z, inv, o, zs, zd);
		}
		if (rc != OTS_OK)
			return rc;
		if (zd < 0 || z->zones[zd].sl_t < 2)
			continue;
		/* security-level checks: into a zone that targets SL 2 or more */
		req = requested_ops(o);
		if (zs != zd && (req & ENG_OPS) &&
		    (!authenticating_protocol(proto) ||
		     (o->ics_flags & (1u << OTS_FLAG_NO_SECURITY))))
			rc = raise(p, inv, o, OTS_ZR_CLEARTEXT_ENG, zs, zd, -1, req & ENG_OPS, 0);
		if (rc == OTS_OK &&
		    (insecure_protocol(proto) ||
		     (o->ics_flags & ((1u << OTS_FLAG_CLEARTEXT_CREDENTIAL) |
		                      (1u << OTS_FLAG_NO_SECURITY)))))
			rc = raise(p, inv, o, OTS_ZR_INSECURE_PROTO, zs, zd, -1, 0,
			           o->ics_flags & ((1u << OTS_FLAG_CLEARTEXT_CREDENTIAL) |
			                           (1u << OTS_FLAG_NO_SECURITY)));
		if (rc != OTS_OK)
			return rc;
	}
	/* stable ids: rule, the conduit's own stable id, the two zone names */
	for (i = 0; i < p->n; i++) {
		struct ots_alert *a = &p->v[i];
		uint64_t h = mix(a->rule, inv->conduits[a->conduit].id);
		const char *s;

		for (s = a->zsrc >= 0 ? z->zones[a->zsrc].name : "-"; *s; s++)
			h = mix(h, (unsigned char)*s);
		h = mix(h, 0x100);
		for (s = a->zdst >= 0 ? z->zones[a->zdst].name : "-"; *s; s++)
			h = mix(h, (unsigned char)*s);
		a->id = h;
	}
	return OTS_OK;
}

/* ---------------------------------------------------------------- alert records */

struct fr_sr {
	const char *fr[2], *sr[2];
};

static void
alert_frs(const struct ots_alert *a, struct fr_sr *m)
{
	memset(m, 0, sizeof(*m));
	switch (a->rule) {
	case OTS_ZR_NO_CONDUIT:
		*m = (struct fr_sr){ { "FR5" }, { "SR 5.1", "SR 5.2" } };
		break;
	case OTS_ZR_WRONG_DIRECTION:
	case OTS_ZR_PROTOCOL_DENIED:
		*m = (struct fr_sr){ { "FR5" }, { "SR 5.2" } };
		break;
	case OTS_ZR_UNKNOWN_HOST:
		*m = (struct fr_sr){ { "FR5" }, { "SR 5.1" } };
		break;
	case OTS_ZR_INTERNET:
		*m = (struct fr_sr){ { "FR5" }, { "SR 5.1", "SR 5.2" } };
		break;
	case OTS_ZR_OPERATION_DENIED:
		/* writes and controls change the process (integrity, FR3); program, firmware,
		 * mode and restart are use control (FR2, authorization enforcement) */
		if (a->ops & WRITE_OPS)
			m->fr[0] = "FR3";
		if (a->ops & ~WRITE_OPS) {
			m->fr[m->fr[0] ? 1 : 0] = "FR2";
			m->sr[0] = "SR 2.1";
		}
		break;
	case OTS_ZR_CLEARTEXT_ENG:
		*m = (struct fr_sr){ { "FR1" }, { "SR 1.1", "SR 1.2" } };
		break;
	case OTS_ZR_INSECURE_PROTO:
		*m = (struct fr_sr){ { "FR1", "FR4" }, { "SR 1.1", "SR 4.1" } };
		break;
	default:
		break;
	}
}

/* MITRE ATT&CK for ICS techniques an alert's operations map to. */
static void
attack_json(const struct ots_alert *a, struct ots_json *j)
{
	static const struct { uint8_t op; const char *id; } map[] = {
		{ OTS_OP_WRITE, "T0836" },       /* Modify Parameter */
		{ OTS_OP_CONTROL, "T0855" },     /* Unauthorized Command Message */
		{ OTS_OP_PROGRAM, "T0843" },     /* Program Download */
		{ OTS_OP_MODE_CHANGE, "T0858" }, /* Change Operating Mode */
		{ OTS_OP_FIRMWARE, "T0857" },    /* System Firmware */
		{ OTS_OP_RESTART, "T0816" },     /* Device Restart/Shutdown */
	};
	size_t i;
	int any = 0;

	for (i = 0; i < OTS_ARRAY_LEN(map); i++)
		any |= (a->ops & OP(map[i].op)) != 0;
	if (!any && a->rule != OTS_ZR_INTERNET &&
	    !(a->flags & (1u << OTS_FLAG_CLEARTEXT_CREDENTIAL)))
		return;
	ots_json_obj_open(j, "threat");
	ots_json_str(j, "framework", "MITRE ATT&CK for ICS");
	ots_json_arr_open(j, "technique_ids");
	for (i = 0; i < OTS_ARRAY_LEN(map); i++)
		if (a->ops & OP(map[i].op))
			ots_json_str(j, NULL, map[i].id);
	if (a->rule == OTS_ZR_INTERNET)
		ots_json_str(j, NULL, "T0883");  /* Internet Accessible Device */
	if (a->flags & (1u << OTS_FLAG_CLEARTEXT_CREDENTIAL))
		ots_json_str(j, NULL, "T0859");  /* Valid Accounts */
	ots_json_arr_close(j);
	ots_json_obj_close(j);
}

void
ots_alert_zone_json(const struct ots_zones *z, int zi, struct ots_json *j, const char *key)
{
	if (zi < 0) {
		ots_json_null(j, key);
		return;
	}
	ots_json_obj_open(j, key);
	ots_json_str(j, "name", z->zones[zi].name);
	ots_json_u64(j, "sl_t", z->zones[zi].sl_t);
	ots_json_obj_close(j);
}

void
ots_alert_endpoint_json(const struct ots_zones *z, const struct ots_inv *inv, uint32_t node,
                        int zi, int port, struct ots_json *j, const char *key)
{
	const struct ots_node *n = &inv->nodes[node];
	const struct ots_asset *a = n->asset != UINT32_MAX ? &inv->assets[n->asset] : NULL;
	char buf[64];

	ots_json_obj_open(j, key);
	if (n->k.has_ip)
		ots_json_str(j, "ip", ots_addr_str(&n->k.ip, buf, sizeof(buf)));
	if (n->k.has_mac && a && a->by_mac)
		ots_json_str(j, "mac", ots_mac_str(n->k.mac, buf, sizeof(buf)));
	if (port >= 0)
		ots_json_u64(j, "port", (uint64_t)port);
	if (a)
		ots_json_str(j, "asset", ots_inv_str(inv, a->id));
	if (n->k.vlan)
		ots_json_u64(j, "vlan", n->k.vlan);
	ots_json_str(j, "zone", zi >= 0 ? z->zones[zi].name : (node_public(n) ? "internet" : "unzoned"));
	if (a && a->external) {
		ots_json_obj_open(j, "geo");
		if (a->country[0])
			ots_json_str(j, "country_iso_code", a->country);
		if (a->asn)
			ots_json_u64(j, "as_number", a->asn);
		if (a->as_org)
			ots_json_str(j, "as_organization", ots_inv_str(inv, a->as_org));
		ots_json_obj_close(j);
	}
	ots_json_obj_close(j);
}

void
ots_alert_head_json(struct ots_json *j, const struct ots_alert_head *h)
{
	char buf[24];

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_SCHEMA_VERSION);
	ots_json_str(j, "record", "alert");
	ots_json_time(j, "@timestamp", h->first_ts);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)h->id);
	ots_json_str(j, "alert_id", buf);
	ots_json_obj_open(j, "event");
	ots_json_str(j, "kind", "alert");
	ots_json_str(j, "category", h->category);
	ots_json_u64(j, "severity", h->severity);
	ots_json_obj_close(j);
	ots_json_obj_open(j, "rule");
	ots_json_str(j, "id", h->rule_id);
	ots_json_str(j, "name", h->rule_name);
	ots_json_str(j, "ruleset", h->ruleset);
	ots_json_obj_close(j);
	if (h->message)
		ots_json_str(j, "message", h->message);
	if (h->observer) {
		ots_json_obj_open(j, "observer");
		ots_json_str(j, "name", h->observer);
		ots_json_obj_close(j);
	}
}

void
ots_alert_json(const struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv,
               const struct ots_alert *a, const char *observer, struct ots_json *j)
{
	const struct ots_conduit *c = &inv->conduits[a->conduit];
	const struct rule_info *ri = &rules[a->rule];
	struct ots_alert_head head;
	struct fr_sr m;
	char buf[64], tb[16];
	unsigned i;

	(void)p;
	head.first_ts = a->first_ts;
	head.id = a->id;
	head.category = "network";
	head.severity = ri->severity;
	head.rule_id = ri->id;
	head.rule_name = ri->name;
	head.ruleset = "iec62443-zones";
	head.message = NULL;
	head.observer = observer;
	ots_alert_head_json(j, &head);
	ots_alert_endpoint_json(z, inv, a->src_node, a->zsrc, -1, j, "source");
	ots_alert_endpoint_json(z, inv, a->dst_node, a->zdst,
	              c->transport == OTS_TRANSPORT_ETHER ? -1 : (int)c->port, j, "destination");
	ots_json_obj_open(j, "network");
	ots_json_str(j, "transport", ots_inv_transport_name(c->transport, tb, sizeof(tb)));
	ots_json_str(j, "protocol", ots_inv_str(inv, c->proto));
	ots_json_obj_close(j);
	ots_json_obj_open(j, "ics");
	ots_json_str(j, "protocol", ots_inv_str(inv, c->proto));
	ots_json_arr_open(j, "op_classes");
	for (i = 0; i < OTS_OP__COUNT; i++)
		if (a->ops & OP(i))
			ots_json_str(j, NULL, ots_op_class_name((enum ots_op_class)i));
	ots_json_arr_close(j);
	ots_json_arr_open(j, "function_codes");
	for (i = 0; i < a->n_fn; i++)
		ots_json_u64(j, NULL, a->fn[i]);
	ots_json_arr_close(j);
	ots_json_arr_open(j, "flags");
	for (i = 0; i < OTS_FLAG__COUNT; i++)
		if (a->flags & (1u << i))
			ots_json_str(j, NULL, ots_ics_flag_name((enum ots_ics_flag)i));
	ots_json_arr_close(j);
	ots_json_obj_close(j);
	alert_frs(a, &m);
	ots_json_obj_open(j, "iec62443");
	ots_json_arr_open(j, "fr");
	for (i = 0; i < 2; i++)
		if (m.fr[i])
			ots_json_str(j, NULL, m.fr[i]);
	ots_json_arr_close(j);
	ots_json_arr_open(j, "sr");
	for (i = 0; i < 2; i++)
		if (m.sr[i])
			ots_json_str(j, NULL, m.sr[i]);
	ots_json_arr_close(j);
	ots_json_obj_open(j, "zones");
	ots_alert_zone_json(z, a->zsrc, j, "source");
	ots_alert_zone_json(z, a->zdst, j, "destination");
	ots_json_obj_close(j);
	if (a->zconduit >= 0)
		ots_json_str(j, "conduit", z->conduits[a->zconduit].name);
	else
		ots_json_null(j, "conduit");
	ots_json_obj_close(j);
	attack_json(a, j);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)c->id);
	ots_json_str(j, "conduit_id", buf);
	ots_json_time(j, "first_seen", a->first_ts);
	ots_json_time(j, "last_seen", a->last_ts);
	ots_json_u64(j, "count", a->count);
	ots_json_obj_close(j);
}

static const struct ots_inv *sort_inv;

static int
alert_cmp(const void *pa, const void *pb)
{
	const struct ots_alert *a = pa, *b = pb;

	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

uint64_t
ots_policy_write_alerts(struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv,
                        const char *observer, FILE *f)
{
	struct ots_alert *v;
	struct ots_json j;
	uint32_t i;
	uint64_t n = 0;

	if (!z || !p->n)
		return 0;
	v = malloc((size_t)p->n * sizeof(*v));
	if (!v)
		return 0;
	memcpy(v, p->v, (size_t)p->n * sizeof(*v));
	sort_inv = inv;
	ots_qsort(v, p->n, sizeof(*v), alert_cmp);
	ots_json_init(&j);
	for (i = 0; i < p->n; i++) {
		if (ots_idset_has(&p->reported, v[i].id))
			continue; /* raised at an earlier checkpoint */
		ots_json_reset(&j);
		ots_alert_json(p, z, inv, &v[i], observer, &j);
		ots_json_newline(&j);
		if (j.err || !f || fwrite(j.buf, 1, j.len, f) != j.len)
			continue;
		if (ots_sink_on()) {
			char key[160];

			snprintf(key, sizeof(key), "%s/%016llx", rules[v[i].rule].id,
			         (unsigned long long)v[i].id);
			ots_sink_emit(OTS_SINK_ALERT, key, j.buf, j.len);
		}
		n++;
		(void)ots_idset_add(&p->reported, v[i].id); /* out of memory: written again */
	}
	ots_json_free(&j);
	free(v);
	p->alerts_written += n;
	return n;
}

/* ---------------------------------------------------------------- zones.json */

/*
 * SL-A estimate of a zone (README "Security level estimate"): the highest level no
 * observation contradicts, passive evidence only.
 *   0  traffic with the internet, an undeclared, wrongly directed or denied flow into the
 *      zone, or a host of no zone talking to it: segmentation (SR 5.1, SR 5.2) is an SL 1
 *      requirement.
 *   1  unauthenticated engineering operations, insecure protocols or cleartext credentials
 *      into the zone, or an operation its conduit denies: identification, authentication
 *      and use control at SL 2 (SR 1.1 RE1, SR 1.2, SR 2.1) are not in place.
 *   2  any industrial protocol without cryptographic integrity into the zone (Modbus,
 *      S7comm ...): SR 3.1 RE1 asks for it from SL 3.
 *   3  otherwise: what SL 4 adds cannot be seen on the wire.
 */
struct cap {
	uint8_t level;
	const char *reason;
	uint32_t alerts;          /* alerts behind it */
	uint64_t example;         /* a conduit id */
};

static void
zone_caps(const struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv, int zi,
          struct cap caps[3])
{
	uint32_t i;

	memset(caps, 0, 3 * sizeof(*caps));
	caps[0] = (struct cap){ 0, "internet traffic, undeclared, wrongly directed or denied flows, "
	                           "or unzoned hosts (SR 5.1, SR 5.2)", 0, 0 };
	caps[1] = (struct cap){ 1, "unauthenticated engineering, insecure protocols, cleartext "
	                           "credentials or operations the conduit denies (SR 1.1, SR 1.2, "
	                           "SR 2.1, SR 4.1)", 0, 0 };
	caps[2] = (struct cap){ 2, "industrial protocols without cryptographic integrity "
	                           "(SR 3.1 RE1)", 0, 0 };
	for (i = 0; i < p->n; i++) {
		const struct ots_alert *a = &p->v[i];
		int into = a->zdst == zi, touch = into || a->zsrc == zi;
		struct cap *c = NULL;

		switch (a->rule) {
		case OTS_ZR_INTERNET:
		case OTS_ZR_UNKNOWN_HOST:
			c = touch ? &caps[0] : NULL;
			break;
		case OTS_ZR_NO_CONDUIT:
		case OTS_ZR_WRONG_DIRECTION:
		case OTS_ZR_PROTOCOL_DENIED:
			c = into ? &caps[0] : NULL;
			break;
		default:
			c = into ? &caps[1] : NULL;
			break;
		}
		if (!c)
			continue;
		if (!c->alerts || inv->conduits[a->conduit].id < c->example)
			c->example = inv->conduits[a->conduit].id;
		c->alerts++;
	}
	for (i = 0; i < inv->n_conduits; i++) {
		const struct ots_conduit *c = &inv->conduits[i];
		const char *proto = ots_inv_str(inv, c->proto);
		int zs = c->src < p->n_asset_zone ? p->asset_zone[c->src] : -1;
		int zd = c->dst < p->n_asset_zone ? p->asset_zone[c->dst] : -1;

		/* exposure is an observation whatever defaults.internet says: a zone host that
		 * talks with a public address (not itself in a zone) is not segmented */
		if ((zs == zi && zd < 0 && inv->assets[c->dst].external) ||
		    (zd == zi && zs < 0 && inv->assets[c->src].external)) {
			if (!caps[0].alerts || c->id < caps[0].example)
				caps[0].example = c->id;
			caps[0].alerts++;
		}
		/* industrial dissectors only: DHCP, LLDP, CDP, FTP and Telnet have one too */
		if (c->ics.proto < OTS_PROTO_MODBUS || c->ics.proto > OTS_PROTO_HARTIP ||
		    authenticating_protocol(proto) || c->dst >= p->n_asset_zone ||
		    p->asset_zone[c->dst] != zi)
			continue;
		if (!caps[2].alerts || c->id < caps[2].example)
			caps[2].example = c->id;
		caps[2].alerts++;
	}
	(void)z;
}

struct zflow {
	int peer;                 /* zone index, -1 unzoned, -2 internet */
	uint32_t proto;           /* strpool id */
	uint16_t port;
	uint8_t transport;
	uint32_t ops;
	uint64_t flows;
	int declared;             /* declared conduit index or -1 */
};

static int
zflow_cmp(const void *pa, const void *pb)
{
	const struct zflow *a = pa, *b = pb;
	int c;

	if (a->peer != b->peer)
		return a->peer < b->peer ? -1 : 1;
	c = strcmp(ots_inv_str(sort_inv, a->proto), ots_inv_str(sort_inv, b->proto));
	if (c)
		return c;
	if (a->transport != b->transport)
		return a->transport < b->transport ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int
asset_peer_zone(const struct ots_policy *p, const struct ots_inv *inv, uint32_t asset)
{
	int zi = asset < p->n_asset_zone ? p->asset_zone[asset] : -1;

	if (zi >= 0)
		return zi;
	return inv->assets[asset].external ? -2 : -1;
}

/* Conduits of zone zi, out (it initiates) or in, merged per (peer zone, protocol, port). */
static void
zone_flows_json(const struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv,
                int zi, int out, struct ots_json *j)
{
	struct zflow *v = NULL;
	size_t n = 0, cap = 0, i, k;
	char tb[16];

	for (i = 0; i < inv->n_conduits; i++) {
		const struct ots_conduit *c = &inv->conduits[i];
		int me = asset_peer_zone(p, inv, out ? c->src : c->dst);
		int peer = asset_peer_zone(p, inv, out ? c->dst : c->src);
		uint32_t ops = 0, f;

		if (me != zi || inv->assets[c->src].is_group || inv->assets[c->dst].is_group)
			continue;
		for (f = 0; f < c->ics.n_fn; f++)
			if (c->ics.fn[f].requests && c->ics.fn[f].op_class < OTS_OP__COUNT)
				ops |= OP(c->ics.fn[f].op_class);
		for (k = 0; k < n; k++)
			if (v[k].peer == peer && v[k].proto == c->proto && v[k].port == c->port &&
			    v[k].transport == c->transport)
				break;
		if (k == n) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16;
				void *nv = realloc(v, nc * sizeof(*v));

				if (!nv)
					break;
				v = nv;
				cap = nc;
			}
			memset(&v[n], 0, sizeof(v[n]));
			v[n].peer = peer;
			v[n].proto = c->proto;
			v[n].port = c->port;
			v[n].transport = c->transport;
			v[n].declared = -1;
			if (peer >= 0) {
				int idx[8];
				size_t m = out ? ots_zones_conduits(z, zi, peer, idx, 8, NULL)
				               : ots_zones_conduits(z, peer, zi, idx, 8, NULL);
				size_t q, r;

				for (q = 0; q < m && v[n].declared < 0; q++)
					for (r = 0; r < z->conduits[idx[q]].n_allow; r++)
						if (ots_zone_allow_match(&z->conduits[idx[q]].allow[r],
						                         ots_inv_str(inv, c->proto), -1,
						                         c->transport == OTS_TRANSPORT_ETHER ? 0 : c->port)) {
							v[n].declared = idx[q];
							break;
						}
			}
			n++;
		}
		v[k].ops |= ops;
		v[k].flows += c->flows;
	}
	sort_inv = inv;
	ots_qsort(v, n, sizeof(*v), zflow_cmp);
	ots_json_arr_open(j, out ? "conduits_out" : "conduits_in");
	for (i = 0; i < n; i++) {
		ots_json_obj_open(j, NULL);
		ots_json_str(j, out ? "to" : "from",
		             v[i].peer >= 0 ? z->zones[v[i].peer].name :
		                              (v[i].peer == -2 ? "internet" : "unzoned"));
		ots_json_str(j, "protocol", ots_inv_str(inv, v[i].proto));
		ots_json_str(j, "transport", ots_inv_transport_name(v[i].transport, tb, sizeof(tb)));
		if (v[i].transport != OTS_TRANSPORT_ETHER)
			ots_json_u64(j, "port", v[i].port);
		ots_json_arr_open(j, "operations");
		for (k = 0; k < OTS_OP__COUNT; k++)
			if (v[i].ops & OP(k))
				ots_json_str(j, NULL, ots_op_class_name((enum ots_op_class)k));
		ots_json_arr_close(j);
		ots_json_u64(j, "flows", v[i].flows);
		if (v[i].declared >= 0)
			ots_json_str(j, "declared", z->conduits[v[i].declared].name);
		else
			ots_json_null(j, "declared");
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	free(v);
}

void
ots_policy_zones_json(const struct ots_policy *p, const struct ots_zones *z,
                      const struct ots_inv *inv, struct ots_json *j)
{
	size_t zi;
	uint32_t i;
	char buf[80];

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_SCHEMA_VERSION);
	if (z->site)
		ots_json_str(j, "site", z->site);
	else
		ots_json_null(j, "site");
	ots_json_str(j, "zones_file", z->path ? z->path : "");
	ots_json_arr_open(j, "zones");
	for (zi = 0; zi < z->n_zones; zi++) {
		const struct ots_zone *zo = &z->zones[zi];
		uint64_t by_fr[8] = { 0 }, by_rule[OTS_ZR__COUNT] = { 0 };
		struct cap caps[3];
		int level = 3, k;

		ots_json_obj_open(j, NULL);
		ots_json_str(j, "name", zo->name);
		ots_json_u64(j, "sl_t", zo->sl_t);
		if (zo->description)
			ots_json_str(j, "description", zo->description);
		ots_json_arr_open(j, "networks");
		for (i = 0; i < zo->n_nets; i++)
			ots_json_str(j, NULL, ots_cidr_str(&zo->nets[i], buf, sizeof(buf)));
		ots_json_arr_close(j);
		ots_json_arr_open(j, "vlans");
		for (i = 0; i < zo->n_vlans; i++)
			ots_json_u64(j, NULL, zo->vlans[i]);
		ots_json_arr_close(j);
		ots_json_arr_open(j, "assets");
		for (i = 0; i < inv->n_order; i++)
			if (p->asset_zone[inv->asset_order[i]] == (int)zi)
				ots_json_str(j, NULL, ots_inv_str(inv, inv->assets[inv->asset_order[i]].id));
		ots_json_arr_close(j);
		zone_flows_json(p, z, inv, (int)zi, 1, j);
		zone_flows_json(p, z, inv, (int)zi, 0, j);
		for (i = 0; i < p->n; i++) {
			const struct ots_alert *a = &p->v[i];
			struct fr_sr m;

			if (a->zdst != (int)zi && a->zsrc != (int)zi)
				continue;
			by_rule[a->rule]++;
			alert_frs(a, &m);
			for (k = 0; k < 2; k++)
				if (m.fr[k])
					by_fr[m.fr[k][2] - '0']++;
		}
		ots_json_obj_open(j, "findings");
		for (k = 1; k <= 7; k++) {
			snprintf(buf, sizeof(buf), "FR%d", k);
			ots_json_u64(j, buf, by_fr[k]);
		}
		ots_json_obj_close(j);
		ots_json_obj_open(j, "alerts");
		for (k = 0; k < OTS_ZR__COUNT; k++)
			if (by_rule[k])
				ots_json_u64(j, rules[k].id, by_rule[k]);
		ots_json_obj_close(j);
		zone_caps(p, z, inv, (int)zi, caps);
		for (k = 2; k >= 0; k--)
			if (caps[k].alerts)
				level = caps[k].level;
		ots_json_obj_open(j, "sl_a");
		ots_json_u64(j, "estimate", (uint64_t)level);
		ots_json_bool(j, "meets_target", level >= zo->sl_t);
		ots_json_arr_open(j, "capped_by");
		for (k = 0; k < 3; k++) {
			if (!caps[k].alerts)
				continue;
			ots_json_obj_open(j, NULL);
			ots_json_u64(j, "level", caps[k].level);
			ots_json_str(j, "reason", caps[k].reason);
			ots_json_u64(j, k < 2 ? "alerts" : "conduits", caps[k].alerts);
			snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)caps[k].example);
			ots_json_str(j, "example_conduit", buf);
			ots_json_obj_close(j);
		}
		ots_json_obj_open(j, NULL);
		ots_json_u64(j, "level", 3);
		ots_json_str(j, "reason", "passive observation cannot confirm the requirements SL 4 adds");
		ots_json_obj_close(j);
		ots_json_arr_close(j);
		ots_json_obj_close(j);
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	ots_json_arr_open(j, "unzoned_assets");
	for (i = 0; i < inv->n_order; i++) {
		const struct ots_asset *a = &inv->assets[inv->asset_order[i]];

		if (p->asset_zone[inv->asset_order[i]] < 0 && !a->external)
			ots_json_str(j, NULL, ots_inv_str(inv, a->id));
	}
	ots_json_arr_close(j);
	ots_json_obj_close(j);
	ots_json_newline(j);
}

/* ---------------------------------------------------------------- --suggest-zones */

struct sz_zone {
	uint8_t net[16];          /* /24 (IPv4, mapped) or /64 (IPv6); all zero: internet */
	uint8_t v4, internet;
	uint32_t roles[OTS_ROLE__COUNT];
	uint8_t lowered;          /* SL-T lowered to 1: insecure traffic into it was seen */
	char name[64];
};

struct sz_rule {
	int from, to;
	uint32_t proto;
	uint16_t port;
	uint8_t transport;
	uint32_t ops;             /* requested op classes; 0: any */
};

static void
node_net(const struct ots_node *n, uint8_t net[16], uint8_t *v4)
{
	memset(net, 0, 16);
	*v4 = (uint8_t)ots_addr_is_v4(&n->k.ip);
	memcpy(net, n->k.ip.b, *v4 ? 15 : 8);
}

static int
sz_find(const struct sz_zone *zs, size_t n, const uint8_t net[16], int internet)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (zs[i].internet == internet && (internet || memcmp(zs[i].net, net, 16) == 0))
			return (int)i;
	return -1;
}

static int
sz_zone_of(struct sz_zone **zs, size_t *n, size_t *cap, const struct ots_inv *inv,
           const struct ots_node *nd)
{
	uint8_t net[16], v4;
	int internet = 0, i;
	struct sz_zone *z;

	if (!nd->k.has_ip || nd->asset == UINT32_MAX || inv->assets[nd->asset].is_group ||
	    node_public(nd))
		return -1; /* public peers stay out of the zones: see defaults.internet */
	node_net(nd, net, &v4);
	i = sz_find(*zs, *n, net, internet);
	if (i < 0) {
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 32;
			void *p = realloc(*zs, c * sizeof(**zs));

			if (!p)
				return -1;
			*zs = p;
			*cap = c;
		}
		z = &(*zs)[*n];
		memset(z, 0, sizeof(*z));
		memcpy(z->net, net, 16);
		z->v4 = v4;
		z->internet = (uint8_t)internet;
		i = (int)(*n)++;
	}
	(*zs)[i].roles[inv->assets[nd->asset].role]++;
	return i;
}

static const struct sz_zone *sz_sort_zones;

static int
sz_zone_cmp(const void *pa, const void *pb)
{
	const struct sz_zone *a = &sz_sort_zones[*(const size_t *)pa];
	const struct sz_zone *b = &sz_sort_zones[*(const size_t *)pb];

	if (a->v4 != b->v4)
		return a->v4 > b->v4 ? -1 : 1; /* IPv4 first */
	return memcmp(a->net, b->net, 16);
}

static int
sz_rule_cmp(const void *pa, const void *pb)
{
	const struct sz_rule *a = pa, *b = pb;
	int c;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	c = strcmp(ots_inv_str(sort_inv, a->proto), ots_inv_str(sort_inv, b->proto));
	if (c)
		return c;
	if (a->transport != b->transport)
		return a->transport < b->transport ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

static void
yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int
ots_policy_suggest(const struct ots_inv *inv, FILE *f)
{
	struct sz_zone *zs = NULL;
	struct sz_rule *rs = NULL;
	size_t nz = 0, cz = 0, nr = 0, cr = 0, i, k;
	int *zone_of_node = NULL, rc = OTS_ENOMEM;
	uint64_t n_public = 0;

	if (!inv->built)
		return OTS_EINVAL;
	zone_of_node = malloc(((size_t)inv->n_nodes + 1) * sizeof(int));
	if (!zone_of_node)
		goto out;
	for (i = 0; i < inv->n_nodes; i++)
		zone_of_node[i] = -2; /* not looked at */
	for (i = 0; i < inv->n_oc; i++) {
		const struct ots_oconduit *o = &inv->oc[i];
		uint32_t ends[2] = { o->k.init, o->k.resp };
		int z[2];
		uint32_t req;

		if (o->conduit == UINT32_MAX)
			continue;
		for (k = 0; k < 2; k++) {
			if (zone_of_node[ends[k]] == -2)
				zone_of_node[ends[k]] = sz_zone_of(&zs, &nz, &cz, inv, &inv->nodes[ends[k]]);
			z[k] = zone_of_node[ends[k]];
		}
		req = requested_ops(o);
		/* what would trip the SL checks lowers the target to 1, said in a comment; the
		 * checks look at the responder's zone whoever initiates, the internet included */
		if (z[1] >= 0 &&
		    (insecure_protocol(ots_inv_str(inv, o->k.proto)) ||
		     (o->ics_flags & ((1u << OTS_FLAG_CLEARTEXT_CREDENTIAL) | (1u << OTS_FLAG_NO_SECURITY))) ||
		     (z[0] != z[1] && (req & ENG_OPS))))
			zs[z[1]].lowered = 1;
		if (node_public(&inv->nodes[ends[0]]) || node_public(&inv->nodes[ends[1]])) {
			n_public++;
			continue;
		}
		if (z[0] < 0 || z[1] < 0)
			continue;
		if (z[0] == z[1])
			continue; /* intra-zone traffic is allowed by the defaults below */
		for (k = 0; k < nr; k++)
			if (rs[k].from == z[0] && rs[k].to == z[1] && rs[k].proto == o->k.proto &&
			    rs[k].port == o->k.port && rs[k].transport == o->k.transport)
				break;
		if (k == nr) {
			if (nr == cr) {
				size_t c = cr ? cr * 2 : 64;
				void *p = realloc(rs, c * sizeof(*rs));

				if (!p)
					goto out;
				rs = p;
				cr = c;
			}
			memset(&rs[nr], 0, sizeof(rs[nr]));
			rs[nr].from = z[0];
			rs[nr].to = z[1];
			rs[nr].proto = o->k.proto;
			rs[nr].port = o->k.port;
			rs[nr].transport = o->k.transport;
			nr++;
		}
		rs[k].ops |= req;
	}
	/* names: what most of a zone's devices are, then its network */
	for (i = 0; i < nz; i++) {
		struct sz_zone *z = &zs[i];
		uint32_t ctl = z->roles[OTS_ROLE_PLC] + z->roles[OTS_ROLE_RTU];
		uint32_t sup = z->roles[OTS_ROLE_HMI] + z->roles[OTS_ROLE_ENGINEERING] +
		               z->roles[OTS_ROLE_HISTORIAN];
		uint32_t it = z->roles[OTS_ROLE_IT] + z->roles[OTS_ROLE_UNKNOWN] +
		              z->roles[OTS_ROLE_NETWORK];
		const char *kind = ctl >= sup && ctl >= it && ctl ? "control" :
		                   (sup >= it && sup ? "supervisory" : "it");

		if (z->internet)
			snprintf(z->name, sizeof(z->name), "internet");
		else if (z->v4)
			snprintf(z->name, sizeof(z->name), "%s-%u-%u-%u", kind, z->net[12], z->net[13],
			         z->net[14]);
		else
			snprintf(z->name, sizeof(z->name), "%s-%02x%02x-%02x%02x-%02x%02x-%02x%02x", kind,
			         z->net[0], z->net[1], z->net[2], z->net[3], z->net[4], z->net[5],
			         z->net[6], z->net[7]);
	}
	/* content order (zones by network, rules by zone pair, protocol, port), so the file
	 * does not depend on the order records arrived in */
	{
		size_t *rank = malloc((nz + 1) * sizeof(*rank)), *perm = malloc((nz + 1) * sizeof(*perm));
		struct sz_zone *sorted = malloc((nz + 1) * sizeof(*sorted));

		if (!rank || !perm || !sorted) {
			free(rank);
			free(perm);
			free(sorted);
			goto out;
		}
		for (i = 0; i < nz; i++)
			perm[i] = i;
		sz_sort_zones = zs;
		qsort(perm, nz, sizeof(*perm), sz_zone_cmp);
		for (i = 0; i < nz; i++) {
			rank[perm[i]] = i;
			sorted[i] = zs[perm[i]];
		}
		if (nz)
			memcpy(zs, sorted, nz * sizeof(*zs));
		for (i = 0; i < nr; i++) {
			rs[i].from = (int)rank[rs[i].from];
			rs[i].to = (int)rank[rs[i].to];
		}
		free(rank);
		free(perm);
		free(sorted);
		sort_inv = inv;
		qsort(rs, nr, sizeof(*rs), sz_rule_cmp);
	}
	fprintf(f, "# otsensor --suggest-zones: a starter IEC 62443 zones file made from the traffic\n"
	           "# observed (one zone per /24 or /64 subnet, named after what most of its devices\n"
	           "# are; one conduit per zone pair with the protocols, ports and operations seen).\n"
	           "# Review it: merge subnets into real zones, set the target levels, remove what\n"
	           "# should not happen. As it is, the same traffic raises no zone alert.\n"
	           "version: 1\nsite: suggested\nzones:\n");
	for (i = 0; i < nz; i++) {
		const struct sz_zone *z = &zs[i];
		uint32_t r, first = 1;

		fprintf(f, "  - name: %s\n", z->name);
		{
			int it = strncmp(z->name, "it-", 3) == 0;

			fprintf(f, "    sl_t: %d%s\n", z->lowered || it ? 1 : 2,
			        z->lowered && !it ? "   # lowered from 2: insecure protocols, cleartext "
			                            "credentials or unauthenticated engineering seen into it"
			                          : "");
			if (z->v4)
				fprintf(f, "    networks: [%u.%u.%u.0/24]\n", z->net[12], z->net[13], z->net[14]);
			else
				fprintf(f, "    networks: [\"%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64\"]\n",
				        z->net[0], z->net[1], z->net[2], z->net[3], z->net[4], z->net[5],
				        z->net[6], z->net[7]);
		}
		fprintf(f, "    description: \"");
		for (r = 0; r < OTS_ROLE__COUNT; r++)
			if (z->roles[r]) {
				fprintf(f, "%s%u %s", first ? "" : ", ", z->roles[r],
				        ots_role_name((enum ots_role)r));
				first = 0;
			}
		fprintf(f, " (endpoints seen)\"\n");
	}
	fprintf(f, "conduits:%s\n", nr ? "" : " []");
	for (i = 0; i < nr; i++) {
		const struct sz_rule *r = &rs[i];

		for (k = 0; k < i; k++)
			if (rs[k].from == r->from && rs[k].to == r->to)
				break;
		if (k < i)
			continue; /* written with the first rule of this pair */
		fprintf(f, "  - name: %s-to-%s\n    from: %s\n    to: %s\n    allow:\n", zs[r->from].name,
		        zs[r->to].name, zs[r->from].name, zs[r->to].name);
		/* every rule of this zone pair */
		for (k = i; k < nr; k++) {
			const struct sz_rule *q = &rs[k];
			unsigned c, first = 1;

			if (q->from != r->from || q->to != r->to)
				continue;
			fprintf(f, "      - protocol: ");
			yaml_str(f, ots_inv_str(inv, q->proto));
			fprintf(f, "\n        operations: [");
			if (!q->ops)
				fprintf(f, "any");
			for (c = 0; c < OTS_OP__COUNT; c++)
				if (q->ops & OP(c)) {
					fprintf(f, "%s%s", first ? "" : ", ", ots_op_class_name((enum ots_op_class)c));
					first = 0;
				}
			fprintf(f, "]\n");
			if (q->transport != OTS_TRANSPORT_ETHER && (q->transport == 6 || q->transport == 17))
				fprintf(f, "        ports: [%u]\n", q->port);
		}
	}
	fprintf(f, "defaults:\n  intra_zone: allow\n  unzoned: alert\n");
	if (n_public)
		fprintf(f, "  internet: allow   # %llu conduits with public addresses were seen: review "
		           "them, then set alert\n", (unsigned long long)n_public);
	else
		fprintf(f, "  internet: alert\n");
	rc = ferror(f) ? OTS_EIO : OTS_OK;
out:
	free(zs);
	free(rs);
	free(zone_of_node);
	return rc;
}

/* ---------------------------------------------------------------- pictures */

struct overlay_store {
	const char **group;
	char *zlabel;             /* "name (SL-T n)" per zone, ZL bytes each */
	uint8_t *alert;
	struct ots_render_alert *ra;
	char *text;               /* the render alerts' strings, 6 x 128 bytes each */
};

#define RA_FIELD 128
#define ZL (OTS_ZONES_NAME_MAX + 16)

void
ots_policy_overlay_free(void *storage)
{
	struct overlay_store *st = storage;

	if (!st)
		return;
	free(st->group);
	free(st->zlabel);
	free(st->alert);
	free(st->ra);
	free(st->text);
	free(st);
}

int
ots_policy_overlay(const struct ots_policy *p, const struct ots_zones *z, const struct ots_inv *inv,
                   struct ots_inv_overlay *ov, void **storage)
{
	struct overlay_store *st = calloc(1, sizeof(*st));
	struct ots_alert *v = NULL;
	uint32_t i;

	memset(ov, 0, sizeof(*ov));
	*storage = st;
	if (!st)
		return OTS_ENOMEM;
	st->group = calloc((size_t)inv->n_assets + 1, sizeof(*st->group));
	st->zlabel = malloc((z->n_zones + 1) * ZL);
	st->alert = calloc((size_t)inv->n_conduits + 1, 1);
	st->ra = calloc((size_t)p->n + 1, sizeof(*st->ra));
	st->text = malloc(((size_t)p->n + 1) * 6 * RA_FIELD);
	v = malloc(((size_t)p->n + 1) * sizeof(*v));
	if (!st->group || !st->zlabel || !st->alert || !st->ra || !st->text || !v) {
		free(v);
		return OTS_ENOMEM;
	}
	/* the map's boxes are the zones, with their target level */
	for (i = 0; i < z->n_zones; i++)
		snprintf(st->zlabel + (size_t)i * ZL, ZL, "%s (SL-T %u)", z->zones[i].name,
		         z->zones[i].sl_t);
	for (i = 0; i < inv->n_assets && i < p->n_asset_zone; i++)
		if (p->asset_zone[i] >= 0)
			st->group[i] = st->zlabel + (size_t)p->asset_zone[i] * ZL;
	if (p->n) /* p->v is NULL before the first alert */
		memcpy(v, p->v, (size_t)p->n * sizeof(*v));
	ots_qsort(v, p->n, sizeof(*v), alert_cmp);
	for (i = 0; i < p->n; i++) {
		const struct ots_alert *a = &v[i];
		struct ots_render_alert *r = &st->ra[i];
		char *t = st->text + (size_t)i * 6 * RA_FIELD, ip[64];
		struct ots_json j;
		const struct ots_node *ns = &inv->nodes[a->src_node], *nd = &inv->nodes[a->dst_node];

		st->alert[a->conduit] = 1;
		ots_json_init(&j);
		ots_json_time(&j, NULL, a->first_ts);
		snprintf(t, RA_FIELD, "%.*s", j.len > 2 ? (int)j.len - 2 : 0, j.buf ? j.buf + 1 : "");
		ots_json_free(&j);
		r->time = t;
		snprintf(t + RA_FIELD, RA_FIELD, "%u", rules[a->rule].severity);
		r->severity = t + RA_FIELD;
		r->rule = rules[a->rule].id;
		snprintf(t + 2 * RA_FIELD, RA_FIELD, "%s: %s -> %s, %s (%llu flow%s)",
		         rules[a->rule].name, a->zsrc >= 0 ? z->zones[a->zsrc].name : "-",
		         a->zdst >= 0 ? z->zones[a->zdst].name : "-",
		         ots_inv_str(inv, inv->conduits[a->conduit].proto), (unsigned long long)a->count,
		         a->count == 1 ? "" : "s");
		r->summary = t + 2 * RA_FIELD;
		snprintf(t + 3 * RA_FIELD, RA_FIELD, "%s",
		         ns->k.has_ip ? ots_addr_str(&ns->k.ip, ip, sizeof(ip)) : "");
		r->src = t + 3 * RA_FIELD;
		snprintf(t + 4 * RA_FIELD, RA_FIELD, "%s",
		         nd->k.has_ip ? ots_addr_str(&nd->k.ip, ip, sizeof(ip)) : "");
		r->dst = t + 4 * RA_FIELD;
	}
	free(v);
	ov->asset_group = st->group;
	ov->conduit_alert = st->alert;
	ov->alerts = st->ra;
	ov->n_alerts = p->n;
	return OTS_OK;
}
