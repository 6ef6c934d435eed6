/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * baseline.c: baseline learning (--learn, --baseline FILE) and its alerts (see baseline.h).
 *
 * File format: JSON Lines (one compact object per line, '\n' after each), in this order:
 *
 *   {"schema_version":1,"record":"otsensor_baseline","learned_from_us":T0,
 *    "learned_until_us":T_END,"assets":N,"conduits":M,"functions":F}
 *   N x {"record":"asset","id":"mac:00:0e:8c:..","role":"plc","firmware":["V2.1",...]}
 *   M x {"record":"conduit","source":"mac:..","destination":"ip:10.0.0.5","transport":6,
 *        "port":502,"protocol":"Modbus","functions":[{"protocol":"modbus","code":16,
 *        "op_class":"write","name":"write_multiple_registers"},...]}
 *   {"record":"end"}
 *
 * Assets sorted by id, conduits by (source, destination, transport, port, protocol), functions
 * by (protocol, code, op class), firmware values by byte order: the same baseline is the same
 * file. "role" is one of ots_role_name() ("unknown" when it was not known). Conduit keys
 * name assets by id, which is stable across runs (README "Asset keys"). The header's counts
 * must match the records and the end record must be there (a truncated file is corrupt);
 * unknown members are ignored. A corrupt file stops the sensor at startup with
 * "baseline FILE: line N: reason": a baseline silently dropped would turn every asset into
 * an alert, or learning over it would hide what changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ots/baseline.h"
#include "ots/compiler.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/json-read.h"
#include "ots/sink.h"
#include "ots/zone-policy.h"

#define BL_RECORD "otsensor_baseline"
#define BL_MAX_LINE (1u << 24)

struct rule_info {
	const char *id, *name;
	uint8_t severity;             /* ECS event.severity, 1-100 */
};

static const struct rule_info rules[OTS_BL__COUNT] = {
	[OTS_BL_NEW_ASSET] = { "new-asset", "a device not in the baseline", 50 },
	[OTS_BL_NEW_CONDUIT] = { "new-conduit", "a conduit not in the baseline", 50 },
	[OTS_BL_NEW_FUNCTION] = { "new-function",
	                          "a function not in the baseline on a known conduit", 60 },
	[OTS_BL_FIRMWARE_CHANGE] = { "firmware-change",
	                             "a device reports a firmware not in the baseline", 80 },
	[OTS_BL_ROLE_CHANGE] = { "role-change", "a device acts in another role than in the baseline",
	                         60 },
};

const char *
ots_blrule_id(enum ots_blrule r)
{
	return (unsigned)r < OTS_BL__COUNT ? rules[r].id : "unknown";
}

int
ots_baseline_parse_duration(const char *s, uint64_t *us)
{
	static const struct { const char *unit; uint64_t us; } units[] = {
		{ "ms", 1000 }, { "s", 1000000 }, { "", 1000000 }, { "m", 60000000 },
		{ "h", UINT64_C(3600000000) }, { "d", UINT64_C(86400000000) },
	};
	uint64_t v = 0;
	size_t i;

	if (!s || *s < '0' || *s > '9')
		return OTS_EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > UINT64_C(100000000000))
			return OTS_EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	for (i = 0; i < OTS_ARRAY_LEN(units); i++) {
		if (strcmp(s, units[i].unit) == 0) {
			if (v == 0 || v > UINT64_C(315360000000000) / units[i].us)
				return OTS_EINVAL;
			*us = v * units[i].us;
			return OTS_OK;
		}
	}
	return OTS_EINVAL;
}

/* ---------------------------------------------------------------- hashing, map */

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2);
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

/* FNV-1a over s and its terminating NUL (so "a","bc" and "ab","c" differ), continued from h. */
static uint64_t
hstr(uint64_t h, const char *s)
{
	do {
		h ^= (uint8_t)*s;
		h *= UINT64_C(0x100000001b3);
	} while (*s++);
	return h;
}

#define H0 UINT64_C(0xcbf29ce484222325)

static uint64_t
nz(uint64_t h)
{
	return h ? h : 1;
}

static uint64_t
asset_key(const char *id)
{
	return nz(hstr(H0, id));
}

static uint64_t
conduit_key(const char *src, const char *dst, uint8_t transport, uint16_t port, const char *proto)
{
	uint64_t h = hstr(hstr(H0, src), dst);

	h = mix(h, ((uint64_t)transport << 16) | port);
	return nz(hstr(h, proto));
}

static uint64_t
fn_key(uint64_t ck, uint16_t proto, uint8_t op_class, uint32_t code)
{
	return nz(mix(ck, ((uint64_t)proto << 40) | ((uint64_t)op_class << 32) | code));
}

static const uint32_t *
map_get(const struct ots_blmap *m, uint64_t k)
{
	uint32_t i;

	if (!m->nslots)
		return NULL;
	for (i = (uint32_t)k & (m->nslots - 1); m->keys[i]; i = (i + 1) & (m->nslots - 1))
		if (m->keys[i] == k)
			return &m->vals[i];
	return NULL;
}

/* Insert k -> v unless present. Returns OTS_OK or OTS_ENOMEM. */
static int
map_put(struct ots_blmap *m, uint64_t k, uint32_t v)
{
	uint32_t i;

	if ((m->n + 1) * 2 > m->nslots) {
		uint32_t n = m->nslots ? m->nslots * 2 : 64, j;
		uint64_t *keys = calloc(n, sizeof(*keys));
		uint32_t *vals = calloc(n, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return OTS_ENOMEM;
		}
		for (j = 0; j < m->nslots; j++) {
			if (!m->keys[j])
				continue;
			for (i = (uint32_t)m->keys[j] & (n - 1); keys[i]; i = (i + 1) & (n - 1))
				;
			keys[i] = m->keys[j];
			vals[i] = m->vals[j];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->nslots = n;
	}
	for (i = (uint32_t)k & (m->nslots - 1); m->keys[i]; i = (i + 1) & (m->nslots - 1))
		if (m->keys[i] == k)
			return OTS_OK;
	m->keys[i] = k;
	m->vals[i] = v;
	m->n++;
	return OTS_OK;
}

static void
map_free(struct ots_blmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static int
grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t n;
	void *p;

	if (need <= *cap)
		return OTS_OK;
	n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	p = realloc(*arr, (size_t)n * elem);
	if (!p)
		return OTS_ENOMEM;
	*arr = p;
	*cap = n;
	return OTS_OK;
}

/* ---------------------------------------------------------------- life cycle */

void
ots_baseline_init(struct ots_baseline *b)
{
	memset(b, 0, sizeof(*b));
}

static void
clear_content(struct ots_baseline *b)
{
	uint32_t i, k;

	for (i = 0; i < b->n_assets; i++) {
		free(b->assets[i].id);
		for (k = 0; k < b->assets[i].n_fw; k++)
			free(b->assets[i].fw[k]);
		free(b->assets[i].fw);
	}
	for (i = 0; i < b->n_conduits; i++) {
		struct ots_bl_conduit *c = &b->conduits[i];

		free(c->src);
		free(c->dst);
		free(c->proto);
		for (k = 0; k < c->n_fn; k++)
			free(c->fn[k].name);
		free(c->fn);
	}
	free(b->assets);
	free(b->conduits);
	b->assets = NULL;
	b->conduits = NULL;
	b->n_assets = b->cap_assets = b->n_conduits = b->cap_conduits = 0;
	map_free(&b->amap);
	map_free(&b->cmap);
	map_free(&b->fnset);
}

void
ots_baseline_free(struct ots_baseline *b)
{
	clear_content(b);
	ots_idset_free(&b->reported);
	memset(b, 0, sizeof(*b));
}

void
ots_baseline_learn(struct ots_baseline *b, uint64_t duration_us)
{
	b->active = 1;
	b->loaded = 0;
	b->duration_us = duration_us;
	if (b->t0)
		b->t_end = b->t0 + duration_us;
}

void
ots_baseline_set_t0(struct ots_baseline *b, uint64_t t0)
{
	if (b->loaded || b->t0 || !t0)
		return;
	b->t0 = t0;
	b->t_end = t0 + b->duration_us;
}

/* ---------------------------------------------------------------- content */

/* The baseline asset of id, added when absent (role not captured). NULL on ENOMEM. */
static struct ots_bl_asset *
asset_add(struct ots_baseline *b, const char *id, int *added)
{
	uint64_t k = asset_key(id);
	const uint32_t *v = map_get(&b->amap, k);
	struct ots_bl_asset *a;

	*added = 0;
	if (v)
		return &b->assets[*v];
	if (grow((void **)&b->assets, &b->cap_assets, b->n_assets + 1, sizeof(*b->assets)) != OTS_OK ||
	    map_put(&b->amap, k, b->n_assets) != OTS_OK)
		return NULL;
	a = &b->assets[b->n_assets];
	memset(a, 0, sizeof(*a));
	a->role = OTS_ROLE__COUNT;
	a->id = strdup(id);
	if (!a->id)
		return NULL;
	b->n_assets++;
	*added = 1;
	return a;
}

static int
asset_has_fw(const struct ots_bl_asset *a, const char *v)
{
	uint32_t i;

	for (i = 0; i < a->n_fw; i++)
		if (strcmp(a->fw[i], v) == 0)
			return 1;
	return 0;
}

/* Add a firmware value (kept sorted). Returns 1 added, 0 present, OTS_ENOMEM. */
static int
asset_add_fw(struct ots_bl_asset *a, const char *v)
{
	char **p, *s;
	uint32_t i;

	if (asset_has_fw(a, v))
		return 0;
	p = realloc(a->fw, ((size_t)a->n_fw + 1) * sizeof(*p));
	if (!p)
		return OTS_ENOMEM;
	a->fw = p;
	s = strdup(v);
	if (!s)
		return OTS_ENOMEM;
	for (i = a->n_fw; i > 0 && strcmp(a->fw[i - 1], s) > 0; i--)
		a->fw[i] = a->fw[i - 1];
	a->fw[i] = s;
	a->n_fw++;
	return 1;
}

static struct ots_bl_conduit *
conduit_add(struct ots_baseline *b, const char *src, const char *dst, uint8_t transport,
            uint16_t port, const char *proto, uint64_t *key, int *added)
{
	uint64_t k = conduit_key(src, dst, transport, port, proto);
	const uint32_t *v = map_get(&b->cmap, k);
	struct ots_bl_conduit *c;

	*key = k;
	*added = 0;
	if (v)
		return &b->conduits[*v];
	if (grow((void **)&b->conduits, &b->cap_conduits, b->n_conduits + 1,
	         sizeof(*b->conduits)) != OTS_OK ||
	    map_put(&b->cmap, k, b->n_conduits) != OTS_OK)
		return NULL;
	c = &b->conduits[b->n_conduits];
	memset(c, 0, sizeof(*c));
	c->src = strdup(src);
	c->dst = strdup(dst);
	c->proto = strdup(proto);
	c->transport = transport;
	c->port = port;
	b->n_conduits++;
	if (!c->src || !c->dst || !c->proto)
		return NULL;
	*added = 1;
	return c;
}

/* Add a function to conduit c (index ci, key ck). Returns 1 added, 0 present, OTS_ENOMEM. */
static int
fn_add(struct ots_baseline *b, struct ots_bl_conduit *c, uint32_t ci, uint64_t ck,
       uint16_t proto, uint8_t op_class, uint32_t code, const char *name)
{
	uint64_t k = fn_key(ck, proto, op_class, code);
	struct ots_bl_fn *f;

	if (map_get(&b->fnset, k))
		return 0;
	if (grow((void **)&c->fn, &c->cap_fn, c->n_fn + 1, sizeof(*c->fn)) != OTS_OK ||
	    map_put(&b->fnset, k, ci) != OTS_OK)
		return OTS_ENOMEM;
	f = &c->fn[c->n_fn++];
	f->code = code;
	f->proto = proto;
	f->op_class = op_class;
	f->name = strdup(name ? name : "");
	return f->name ? 1 : OTS_ENOMEM;
}

static const char *
istr(const struct ots_inv *inv, uint32_t id)
{
	return ots_inv_str(inv, id);
}

static const char *
proto_name(uint16_t id)
{
	const struct ots_dissector *d = ots_dissector_by_id(id);

	return d ? d->name : "unknown";
}

int
ots_baseline_update(struct ots_baseline *b, const struct ots_inv *inv, uint64_t now_ts,
                    int final)
{
	uint32_t i, k;
	int changed = 0, added, rc;

	if (!b->active || b->loaded || !b->t_end || !inv->built)
		return 0;
	for (i = 0; i < inv->n_order; i++) {
		const struct ots_asset *a = &inv->assets[inv->asset_order[i]];
		struct ots_bl_asset *ba;

		if (a->first_ts >= b->t_end)
			continue;
		ba = asset_add(b, istr(inv, a->id), &added);
		if (!ba)
			return OTS_ENOMEM;
		changed |= added;
		if (added && b->complete) /* late record of the learning window */
			ba->role = a->role;
		for (k = 0; k < a->n_attrs; k++) {
			const struct ots_asset_attr *at = &a->attrs[k];

			if (at->attr != OTS_FACT_FIRMWARE || at->first_ts >= b->t_end)
				continue;
			rc = asset_add_fw(ba, istr(inv, at->value));
			if (rc < 0)
				return rc;
			changed |= rc;
		}
	}
	for (i = 0; i < inv->n_conduits; i++) {
		const struct ots_conduit *c = &inv->conduits[inv->conduit_order[i]];
		struct ots_bl_conduit *bc;
		uint64_t ck;
		uint32_t ci;

		if (c->first_ts >= b->t_end)
			continue;
		bc = conduit_add(b, istr(inv, inv->assets[c->src].id), istr(inv, inv->assets[c->dst].id),
		                 c->transport, c->port, istr(inv, c->proto), &ck, &added);
		if (!bc)
			return OTS_ENOMEM;
		changed |= added;
		ci = (uint32_t)(bc - b->conduits);
		for (k = 0; k < c->ics.n_fn; k++) {
			const struct ots_fn_tally *t = &c->ics.fn[k];

			if (t->first_ts >= b->t_end)
				continue;
			rc = fn_add(b, bc, ci, ck, c->ics.proto, t->op_class, t->code, istr(inv, t->name));
			if (rc < 0)
				return rc;
			changed |= rc;
		}
	}
	if (!b->complete && (final || now_ts >= b->t_end)) {
		/* learning completes: the roles as derived now */
		for (i = 0; i < inv->n_order; i++) {
			const struct ots_asset *a = &inv->assets[inv->asset_order[i]];
			const uint32_t *v = map_get(&b->amap, asset_key(istr(inv, a->id)));

			if (v)
				b->assets[*v].role = a->role;
		}
		b->complete = 1;
		changed = 1;
	}
	if (changed)
		b->dirty = 1;
	return changed;
}

/* ---------------------------------------------------------------- alerts */

struct blalert {
	uint8_t rule;
	uint8_t role_before;
	uint32_t asset;               /* inventory asset, UINT32_MAX none */
	uint32_t conduit;             /* inventory conduit, UINT32_MAX none */
	uint32_t fn;                  /* index in the conduit's ics.fn (new-function) */
	uint32_t attr;                /* index in the asset's attrs (firmware-change) */
	uint32_t bl_asset;            /* baseline asset (firmware-change) */
	uint64_t first_ts, last_ts, count;
	uint64_t id;
};

struct blvec {
	struct blalert *v;
	uint32_t n, cap;
};

static int
push(struct blvec *a, const struct blalert *x)
{
	if (grow((void **)&a->v, &a->cap, a->n + 1, sizeof(*a->v)) != OTS_OK)
		return OTS_ENOMEM;
	a->v[a->n++] = *x;
	return OTS_OK;
}

static void
alert_init(struct blalert *x, uint8_t rule)
{
	memset(x, 0, sizeof(*x));
	x->rule = rule;
	x->asset = x->conduit = x->fn = x->attr = x->bl_asset = UINT32_MAX;
}

/* Is the item new? Not in the baseline and, while learning in this run, first seen at or
 * after T_end (earlier ones are learned by ots_baseline_update). */
static int
after_learning(const struct ots_baseline *b, uint64_t first_ts)
{
	return b->loaded || first_ts >= b->t_end;
}

#define OP(x) (1u << (x))

static uint32_t
requested_ops(const struct ots_conduit *c)
{
	uint32_t ops = 0, i;

	for (i = 0; i < c->ics.n_fn; i++)
		if (c->ics.fn[i].requests && c->ics.fn[i].op_class < OTS_OP__COUNT)
			ops |= OP(c->ics.fn[i].op_class);
	return ops;
}

static int
collect(struct ots_baseline *b, const struct ots_inv *inv, struct blvec *out)
{
	uint64_t *aflows = calloc(inv->n_assets ? inv->n_assets : 1, sizeof(uint64_t));
	uint32_t i, k;
	int rc = OTS_OK;

	if (!aflows)
		return OTS_ENOMEM;
	for (i = 0; i < inv->n_conduits; i++) {
		aflows[inv->conduits[i].src] += inv->conduits[i].flows;
		if (inv->conduits[i].dst != inv->conduits[i].src)
			aflows[inv->conduits[i].dst] += inv->conduits[i].flows;
	}
	for (i = 0; i < inv->n_order && rc == OTS_OK; i++) {
		uint32_t ai = inv->asset_order[i];
		const struct ots_asset *a = &inv->assets[ai];
		const char *id = istr(inv, a->id);
		const uint32_t *v = map_get(&b->amap, asset_key(id));
		struct blalert x;

		if (!v) {
			if (!after_learning(b, a->first_ts))
				continue;
			alert_init(&x, OTS_BL_NEW_ASSET);
			x.asset = ai;
			x.first_ts = a->first_ts;
			x.last_ts = a->last_ts;
			x.count = aflows[ai] ? aflows[ai] : 1;
			x.id = mix(OTS_BL_NEW_ASSET + 1, asset_key(id));
			rc = push(out, &x);
			continue;
		}
		const struct ots_bl_asset *ba = &b->assets[*v];

		for (k = 0; k < a->n_attrs && ba->n_fw && rc == OTS_OK; k++) {
			const struct ots_asset_attr *at = &a->attrs[k];
			const char *val = istr(inv, at->value);

			if (at->attr != OTS_FACT_FIRMWARE || asset_has_fw(ba, val) ||
			    !after_learning(b, at->first_ts))
				continue;
			alert_init(&x, OTS_BL_FIRMWARE_CHANGE);
			x.asset = ai;
			x.attr = k;
			x.bl_asset = *v;
			x.first_ts = at->first_ts;
			x.last_ts = at->last_ts;
			x.count = at->count ? at->count : 1;
			x.id = mix(mix(OTS_BL_FIRMWARE_CHANGE + 1, asset_key(id)), hstr(H0, val));
			rc = push(out, &x);
		}
		if (rc == OTS_OK && b->complete && ba->role != OTS_ROLE__COUNT &&
		    ba->role != OTS_ROLE_UNKNOWN && a->role != OTS_ROLE_UNKNOWN && a->role != ba->role) {
			uint64_t since = b->t_end > a->first_ts ? b->t_end : a->first_ts;

			alert_init(&x, OTS_BL_ROLE_CHANGE);
			x.asset = ai;
			x.role_before = ba->role;
			x.first_ts = since < a->last_ts ? since : a->last_ts;
			x.last_ts = a->last_ts;
			x.count = aflows[ai] ? aflows[ai] : 1;
			x.id = mix(mix(OTS_BL_ROLE_CHANGE + 1, asset_key(id)),
			           ((uint64_t)ba->role << 8) | a->role);
			rc = push(out, &x);
		}
	}
	for (i = 0; i < inv->n_conduits && rc == OTS_OK; i++) {
		uint32_t cix = inv->conduit_order[i];
		const struct ots_conduit *c = &inv->conduits[cix];
		uint64_t ck = conduit_key(istr(inv, inv->assets[c->src].id),
		                          istr(inv, inv->assets[c->dst].id), c->transport, c->port,
		                          istr(inv, c->proto));
		struct blalert x;

		if (!map_get(&b->cmap, ck)) {
			if (!after_learning(b, c->first_ts))
				continue;
			alert_init(&x, OTS_BL_NEW_CONDUIT);
			x.conduit = cix;
			x.first_ts = c->first_ts;
			x.last_ts = c->last_ts;
			x.count = c->flows ? c->flows : 1;
			x.id = mix(OTS_BL_NEW_CONDUIT + 1, ck);
			rc = push(out, &x);
			continue;
		}
		for (k = 0; k < c->ics.n_fn && rc == OTS_OK; k++) {
			const struct ots_fn_tally *t = &c->ics.fn[k];
			uint64_t fk = fn_key(ck, c->ics.proto, t->op_class, t->code);

			if (map_get(&b->fnset, fk) || !after_learning(b, t->first_ts))
				continue;
			alert_init(&x, OTS_BL_NEW_FUNCTION);
			x.conduit = cix;
			x.fn = k;
			x.first_ts = t->first_ts ? t->first_ts : c->first_ts;
			x.last_ts = c->last_ts;
			x.count = t->requests + t->responses ? t->requests + t->responses : 1;
			x.id = mix(OTS_BL_NEW_FUNCTION + 1, fk);
			rc = push(out, &x);
		}
	}
	free(aflows);
	return rc;
}

/* ATT&CK for ICS technique of an op class, or NULL (the zone checks' mapping). */
static const char *
op_technique(uint8_t op)
{
	switch (op) {
	case OTS_OP_WRITE: return "T0836";       /* Modify Parameter */
	case OTS_OP_CONTROL: return "T0855";     /* Unauthorized Command Message */
	case OTS_OP_PROGRAM: return "T0843";     /* Program Download */
	case OTS_OP_MODE_CHANGE: return "T0858"; /* Change Operating Mode */
	case OTS_OP_FIRMWARE: return "T0857";    /* System Firmware */
	case OTS_OP_RESTART: return "T0816";     /* Device Restart/Shutdown */
	default: return NULL;
	}
}

static uint8_t
severity(const struct ots_inv *inv, const struct blalert *x)
{
	if (x->rule == OTS_BL_NEW_FUNCTION) {
		uint8_t op = inv->conduits[x->conduit].ics.fn[x->fn].op_class;

		if (op == OTS_OP_PROGRAM || op == OTS_OP_FIRMWARE || op == OTS_OP_MODE_CHANGE ||
		    op == OTS_OP_RESTART)
			return 80;
		if (op == OTS_OP_WRITE || op == OTS_OP_CONTROL)
			return 70;
	}
	return rules[x->rule].severity;
}

/*
 * Techniques: new-function and new-conduit map the op classes requested (write T0836,
 * control T0855, program T0843, mode change T0858, firmware T0857, restart T0816);
 * firmware-change is T0857 System Firmware. A new asset maps to T0848 Rogue Master only when
 * it issues ICS operations to servers: a device that merely appears is not by itself one of
 * the techniques (T0846 Remote System Discovery is the adversary's scanning, which a new
 * device does not imply; a scanner shows as new conduits and functions). role-change has none.
 */
static void
threat_json(const struct ots_inv *inv, const struct blalert *x, struct ots_json *j)
{
	const char *ids[OTS_OP__COUNT + 1];
	uint32_t n = 0, ops = 0, i;

	switch (x->rule) {
	case OTS_BL_NEW_ASSET:
		if (inv->assets[x->asset].ics_servers_polled)
			ids[n++] = "T0848";
		break;
	case OTS_BL_NEW_CONDUIT:
		ops = requested_ops(&inv->conduits[x->conduit]);
		break;
	case OTS_BL_NEW_FUNCTION:
		ops = OP(inv->conduits[x->conduit].ics.fn[x->fn].op_class);
		break;
	case OTS_BL_FIRMWARE_CHANGE:
		ids[n++] = "T0857";
		break;
	default:
		break;
	}
	for (i = 0; i < OTS_OP__COUNT; i++)
		if ((ops & OP(i)) && op_technique((uint8_t)i))
			ids[n++] = op_technique((uint8_t)i);
	if (!n)
		return;
	ots_json_obj_open(j, "threat");
	ots_json_str(j, "framework", "MITRE ATT&CK for ICS");
	ots_json_arr_open(j, "technique_ids");
	for (i = 0; i < n; i++)
		ots_json_str(j, NULL, ids[i]);
	ots_json_arr_close(j);
	ots_json_obj_close(j);
}

static void
ics_json(const struct ots_inv *inv, const struct ots_conduit *c, const struct blalert *x,
         struct ots_json *j)
{
	uint32_t ops, codes[4], n = 0, i, k;

	if (!c->ics.proto)
		return;
	ots_json_obj_open(j, "ics");
	ots_json_str(j, "protocol", proto_name(c->ics.proto));
	if (x->rule == OTS_BL_NEW_FUNCTION) {
		const struct ots_fn_tally *t = &c->ics.fn[x->fn];

		ops = OP(t->op_class);
		codes[n++] = t->code;
	} else {
		ops = requested_ops(c);
		/* the four smallest requested function codes (tallies are sorted by code) */
		for (i = 0; i < c->ics.n_fn && n < 4; i++) {
			const struct ots_fn_tally *t = &c->ics.fn[i];

			if (!t->requests)
				continue;
			for (k = 0; k < n && codes[k] != t->code; k++)
				;
			if (k == n)
				codes[n++] = t->code;
		}
	}
	ots_json_arr_open(j, "op_classes");
	for (i = 0; i < OTS_OP__COUNT; i++)
		if (ops & OP(i))
			ots_json_str(j, NULL, ots_op_class_name((enum ots_op_class)i));
	ots_json_arr_close(j);
	ots_json_arr_open(j, "function_codes");
	for (i = 0; i < n; i++)
		ots_json_u64(j, NULL, codes[i]);
	ots_json_arr_close(j);
	ots_json_arr_open(j, "flags"); /* flags are the zone checks' and the rules' business */
	ots_json_arr_close(j);
	if (x->rule == OTS_BL_NEW_FUNCTION) {
		const struct ots_fn_tally *t = &c->ics.fn[x->fn];

		if (t->name && istr(inv, t->name)[0])
			ots_json_str(j, "function", istr(inv, t->name));
		ots_json_u64(j, "function_code", t->code);
	}
	ots_json_obj_close(j);
}

static void
conduit_ref_json(const struct ots_inv *inv, const struct ots_conduit *c, struct ots_json *j)
{
	char tb[16];

	ots_json_obj_open(j, "conduit");
	ots_json_str(j, "source", istr(inv, inv->assets[c->src].id));
	ots_json_str(j, "destination", istr(inv, inv->assets[c->dst].id));
	ots_json_str(j, "transport", ots_inv_transport_name(c->transport, tb, sizeof(tb)));
	if (c->transport != OTS_TRANSPORT_ETHER)
		ots_json_u64(j, "port", c->port);
	ots_json_str(j, "protocol", istr(inv, c->proto));
	ots_json_obj_close(j);
}

static void
alert_json(const struct ots_baseline *b, const struct ots_inv *inv, const struct ots_zones *z,
           const struct blalert *x, const char *observer, struct ots_json *j)
{
	const struct rule_info *ri = &rules[x->rule];
	struct ots_alert_head head;
	char buf[64], tb[16];

	head.first_ts = x->first_ts;
	head.id = x->id;
	head.category = "network";
	head.severity = severity(inv, x);
	head.rule_id = ri->id;
	head.rule_name = ri->name;
	head.ruleset = "baseline";
	head.message = NULL;
	head.observer = observer;
	ots_alert_head_json(j, &head);
	if (x->conduit != UINT32_MAX) {
		const struct ots_conduit *c = &inv->conduits[x->conduit];

		ots_alert_endpoint_json(z, inv, c->src_node, ots_node_zone(z, &inv->nodes[c->src_node]),
		                        -1, j, "source");
		ots_alert_endpoint_json(z, inv, c->dst_node, ots_node_zone(z, &inv->nodes[c->dst_node]),
		                        c->transport == OTS_TRANSPORT_ETHER ? -1 : (int)c->port, j,
		                        "destination");
		ots_json_obj_open(j, "network");
		ots_json_str(j, "transport", ots_inv_transport_name(c->transport, tb, sizeof(tb)));
		ots_json_str(j, "protocol", istr(inv, c->proto));
		ots_json_obj_close(j);
		ics_json(inv, c, x, j);
	} else {
		const struct ots_asset *a = &inv->assets[x->asset];
		uint32_t node = a->nodes[0];

		ots_alert_endpoint_json(z, inv, node, ots_node_zone(z, &inv->nodes[node]), -1, j,
		                        "source");
	}
	threat_json(inv, x, j);
	ots_json_obj_open(j, "baseline");
	if (b->t_end)
		ots_json_time(j, "learned_until", b->t_end);
	switch (x->rule) {
	case OTS_BL_NEW_ASSET:
		ots_json_str(j, "asset", istr(inv, inv->assets[x->asset].id));
		break;
	case OTS_BL_NEW_CONDUIT:
		conduit_ref_json(inv, &inv->conduits[x->conduit], j);
		break;
	case OTS_BL_NEW_FUNCTION: {
		const struct ots_conduit *c = &inv->conduits[x->conduit];
		const struct ots_fn_tally *t = &c->ics.fn[x->fn];

		conduit_ref_json(inv, c, j);
		ots_json_obj_open(j, "function");
		ots_json_str(j, "protocol", proto_name(c->ics.proto));
		ots_json_u64(j, "code", t->code);
		ots_json_str(j, "name", istr(inv, t->name));
		ots_json_str(j, "op_class", ots_op_class_name((enum ots_op_class)t->op_class));
		ots_json_obj_close(j);
		break;
	}
	case OTS_BL_FIRMWARE_CHANGE: {
		const struct ots_bl_asset *ba = &b->assets[x->bl_asset];
		uint32_t i;

		ots_json_str(j, "asset", istr(inv, inv->assets[x->asset].id));
		ots_json_obj_open(j, "firmware");
		ots_json_arr_open(j, "before");
		for (i = 0; i < ba->n_fw; i++)
			ots_json_str(j, NULL, ba->fw[i]);
		ots_json_arr_close(j);
		ots_json_str(j, "now", istr(inv, inv->assets[x->asset].attrs[x->attr].value));
		ots_json_obj_close(j);
		break;
	}
	case OTS_BL_ROLE_CHANGE:
		ots_json_str(j, "asset", istr(inv, inv->assets[x->asset].id));
		ots_json_obj_open(j, "role");
		ots_json_str(j, "before", ots_role_name((enum ots_role)x->role_before));
		ots_json_str(j, "now", ots_role_name((enum ots_role)inv->assets[x->asset].role));
		ots_json_obj_close(j);
		break;
	default:
		break;
	}
	ots_json_obj_close(j);
	if (x->conduit != UINT32_MAX) {
		snprintf(buf, sizeof(buf), "%016" PRIx64, inv->conduits[x->conduit].id);
		ots_json_str(j, "conduit_id", buf);
	}
	ots_json_time(j, "first_seen", x->first_ts);
	ots_json_time(j, "last_seen", x->last_ts);
	ots_json_u64(j, "count", x->count);
	ots_json_obj_close(j);
}

static int
alert_cmp(const void *pa, const void *pb)
{
	const struct blalert *a = pa, *b = pb;

	if (a->first_ts != b->first_ts)
		return a->first_ts < b->first_ts ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

uint64_t
ots_baseline_write_alerts(struct ots_baseline *b, const struct ots_inv *inv,
                          const struct ots_zones *z, const char *observer, FILE *f)
{
	struct blvec v = { NULL, 0, 0 };
	struct ots_json j;
	uint32_t i;
	uint64_t n = 0;

	if (!b->active || !inv->built || (!b->loaded && !b->t_end))
		return 0;
	if (collect(b, inv, &v) != OTS_OK) {
		free(v.v);
		return 0;
	}
	ots_qsort(v.v, v.n, sizeof(*v.v), alert_cmp);
	ots_json_init(&j);
	for (i = 0; i < v.n; i++) {
		if (ots_idset_has(&b->reported, v.v[i].id))
			continue; /* written at an earlier checkpoint */
		ots_json_reset(&j);
		alert_json(b, inv, z, &v.v[i], observer, &j);
		ots_json_newline(&j);
		if (j.err || !f || fwrite(j.buf, 1, j.len, f) != j.len)
			continue;
		if (ots_sink_on()) {
			char key[160];

			snprintf(key, sizeof(key), "%s/%016llx", rules[v.v[i].rule].id,
			         (unsigned long long)v.v[i].id);
			ots_sink_emit(OTS_SINK_ALERT, key, j.buf, j.len);
		}
		(void)ots_idset_add(&b->reported, v.v[i].id); /* out of memory: written again */
		b->alerts[v.v[i].rule]++;
		n++;
	}
	ots_json_free(&j);
	free(v.v);
	return n;
}

/* ---------------------------------------------------------------- stats */

void
ots_baseline_stats_json(const struct ots_baseline *b, struct ots_json *j)
{
	uint32_t i;

	ots_json_obj_open(j, "baseline");
	ots_json_str(j, "mode", b->loaded ? "loaded" : "learning");
	if (b->t0)
		ots_json_time(j, "learned_from", b->t0);
	if (b->t_end)
		ots_json_time(j, "learning_until", b->t_end);
	ots_json_bool(j, "complete", b->complete);
	ots_json_u64(j, "assets", b->n_assets);
	ots_json_u64(j, "conduits", b->n_conduits);
	ots_json_u64(j, "functions", b->fnset.n);
	ots_json_obj_open(j, "alerts");
	for (i = 0; i < OTS_BL__COUNT; i++)
		ots_json_u64(j, rules[i].id, b->alerts[i]);
	ots_json_obj_close(j);
	ots_json_obj_close(j);
}

/* ---------------------------------------------------------------- save */

static const struct ots_bl_conduit *sort_c;

static int
cidx_cmp(const void *pa, const void *pb)
{
	const struct ots_bl_conduit *a = &sort_c[*(const uint32_t *)pa];
	const struct ots_bl_conduit *b = &sort_c[*(const uint32_t *)pb];
	int r;

	if ((r = strcmp(a->src, b->src)) != 0 || (r = strcmp(a->dst, b->dst)) != 0)
		return r;
	if (a->transport != b->transport)
		return a->transport < b->transport ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return strcmp(a->proto, b->proto);
}

static const struct ots_bl_asset *sort_a;

static int
aidx_cmp(const void *pa, const void *pb)
{
	return strcmp(sort_a[*(const uint32_t *)pa].id, sort_a[*(const uint32_t *)pb].id);
}

static int
fn_cmp(const void *pa, const void *pb)
{
	const struct ots_bl_fn *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	return (int)a->op_class - (int)b->op_class;
}

static int
put_line(FILE *f, struct ots_json *j)
{
	int rc = OTS_OK;

	ots_json_newline(j);
	if (j->err)
		rc = OTS_ENOMEM;
	else if (fwrite(j->buf, 1, j->len, f) != j->len)
		rc = OTS_EIO;
	ots_json_reset(j);
	return rc;
}

static int
save_records(struct ots_baseline *b, FILE *f, struct ots_json *j, const uint32_t *ao,
             const uint32_t *co)
{
	uint32_t i, k;
	int rc;

	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_BASELINE_SCHEMA_VERSION);
	ots_json_str(j, "record", BL_RECORD);
	ots_json_u64(j, "learned_from_us", b->t0);
	ots_json_u64(j, "learned_until_us", b->t_end);
	ots_json_u64(j, "assets", b->n_assets);
	ots_json_u64(j, "conduits", b->n_conduits);
	ots_json_u64(j, "functions", b->fnset.n);
	ots_json_obj_close(j);
	if ((rc = put_line(f, j)) != OTS_OK)
		return rc;
	for (i = 0; i < b->n_assets; i++) {
		const struct ots_bl_asset *a = &b->assets[ao[i]];

		ots_json_obj_open(j, NULL);
		ots_json_str(j, "record", "asset");
		ots_json_str(j, "id", a->id);
		ots_json_str(j, "role", a->role < OTS_ROLE__COUNT ? ots_role_name((enum ots_role)a->role)
		                                                  : "unknown");
		ots_json_arr_open(j, "firmware");
		for (k = 0; k < a->n_fw; k++)
			ots_json_str(j, NULL, a->fw[k]);
		ots_json_arr_close(j);
		ots_json_obj_close(j);
		if ((rc = put_line(f, j)) != OTS_OK)
			return rc;
	}
	for (i = 0; i < b->n_conduits; i++) {
		struct ots_bl_conduit *c = &b->conduits[co[i]];

		ots_qsort(c->fn, c->n_fn, sizeof(*c->fn), fn_cmp);
		ots_json_obj_open(j, NULL);
		ots_json_str(j, "record", "conduit");
		ots_json_str(j, "source", c->src);
		ots_json_str(j, "destination", c->dst);
		ots_json_u64(j, "transport", c->transport);
		ots_json_u64(j, "port", c->port);
		ots_json_str(j, "protocol", c->proto);
		ots_json_arr_open(j, "functions");
		for (k = 0; k < c->n_fn; k++) {
			ots_json_obj_open(j, NULL);
			ots_json_str(j, "protocol", proto_name(c->fn[k].proto));
			ots_json_u64(j, "code", c->fn[k].code);
			ots_json_str(j, "op_class", ots_op_class_name((enum ots_op_class)c->fn[k].op_class));
			ots_json_str(j, "name", c->fn[k].name);
			ots_json_obj_close(j);
		}
		ots_json_arr_close(j);
		ots_json_obj_close(j);
		if ((rc = put_line(f, j)) != OTS_OK)
			return rc;
	}
	ots_json_obj_open(j, NULL);
	ots_json_str(j, "record", "end");
	ots_json_obj_close(j);
	return put_line(f, j);
}

int
ots_baseline_save(struct ots_baseline *b, const char *path, char *err, size_t errlen)
{
	char *tmp = NULL;
	uint32_t *ao = malloc(((size_t)b->n_assets + 1) * sizeof(*ao));
	uint32_t *co = malloc(((size_t)b->n_conduits + 1) * sizeof(*co));
	const char *what = "writing";
	struct ots_json j;
	FILE *f;
	int rc = OTS_OK, e = 0;
	uint32_t i;

	ots_json_init(&j);
	if (!ao || !co) {
		rc = OTS_ENOMEM;
		goto out;
	}
	for (i = 0; i < b->n_assets; i++)
		ao[i] = i;
	for (i = 0; i < b->n_conduits; i++)
		co[i] = i;
	sort_a = b->assets;
	ots_qsort(ao, b->n_assets, sizeof(*ao), aidx_cmp);
	sort_c = b->conduits;
	ots_qsort(co, b->n_conduits, sizeof(*co), cidx_cmp);
	f = ots_atomic_open(path, &tmp);
	if (!f) {
		e = errno;
		what = "creating";
		rc = tmp ? OTS_EIO : OTS_ENOMEM;
		goto out;
	}
	rc = save_records(b, f, &j, ao, co);
	if (rc == OTS_EIO)
		e = errno;
	if (rc == OTS_OK && ots_atomic_commit(f, tmp, path, &what) != 0) {
		e = errno;
		rc = OTS_EIO;
	} else if (rc != OTS_OK) {
		ots_atomic_abort(f, tmp);
	}
out:
	if (rc != OTS_OK) {
		if (rc == OTS_ENOMEM)
			snprintf(err, errlen, "cannot save baseline %s: out of memory", path);
		else
			snprintf(err, errlen, "cannot save baseline %s: %s %s: %s", path, what,
			         tmp ? tmp : path, strerror(e ? e : EIO));
	} else {
		b->dirty = 0;
	}
	ots_json_free(&j);
	free(tmp);
	free(ao);
	free(co);
	return rc;
}

/* ---------------------------------------------------------------- load */

static int
get_u64(const struct ots_jv *o, const char *key, uint64_t *out)
{
	return ots_jv_u64(ots_jv_get(o, key), out);
}

static int
role_by_name(const char *s)
{
	int r;

	for (r = 0; s && r < OTS_ROLE__COUNT; r++)
		if (strcmp(s, ots_role_name((enum ots_role)r)) == 0)
			return r;
	return -1;
}

static int
op_by_name(const char *s)
{
	int r;

	for (r = 0; s && r < OTS_OP__COUNT; r++)
		if (strcmp(s, ots_op_class_name((enum ots_op_class)r)) == 0)
			return r;
	return -1;
}

static int
load_asset(struct ots_baseline *b, const struct ots_jv *o, char *why, size_t wl)
{
	const char *id = ots_jv_str(ots_jv_get(o, "id"));
	const struct ots_jv *fw = ots_jv_get(o, "firmware");
	int role = role_by_name(ots_jv_str(ots_jv_get(o, "role")));
	struct ots_bl_asset *a;
	size_t i;
	int added;

	if (!id || !id[0] || role < 0 || (fw && fw->type != OTS_JV_ARRAY)) {
		snprintf(why, wl, "asset: needs id, a known role and a firmware array");
		return OTS_EINVAL;
	}
	a = asset_add(b, id, &added);
	if (!a)
		return OTS_ENOMEM;
	if (!added) {
		snprintf(why, wl, "asset %s: duplicate", id);
		return OTS_EINVAL;
	}
	a->role = (uint8_t)role;
	for (i = 0; i < ots_jv_len(fw); i++) {
		const char *v = ots_jv_str(ots_jv_at(fw, i));

		if (!v) {
			snprintf(why, wl, "asset %s: firmware values are strings", id);
			return OTS_EINVAL;
		}
		if (asset_add_fw(a, v) < 0)
			return OTS_ENOMEM;
	}
	return OTS_OK;
}

static int
load_conduit(struct ots_baseline *b, const struct ots_jv *o, char *why, size_t wl)
{
	const char *src = ots_jv_str(ots_jv_get(o, "source"));
	const char *dst = ots_jv_str(ots_jv_get(o, "destination"));
	const char *pr = ots_jv_str(ots_jv_get(o, "protocol"));
	const struct ots_jv *fns = ots_jv_get(o, "functions");
	struct ots_bl_conduit *c;
	uint64_t tr, port, ck;
	size_t i;
	int added;

	if (!src || !dst || !pr || get_u64(o, "transport", &tr) || get_u64(o, "port", &port) ||
	    tr > 255 || port > 65535 || (fns && fns->type != OTS_JV_ARRAY)) {
		snprintf(why, wl, "conduit: needs source, destination, transport, port, protocol");
		return OTS_EINVAL;
	}
	c = conduit_add(b, src, dst, (uint8_t)tr, (uint16_t)port, pr, &ck, &added);
	if (!c)
		return OTS_ENOMEM;
	if (!added) {
		snprintf(why, wl, "conduit %s -> %s: duplicate", src, dst);
		return OTS_EINVAL;
	}
	for (i = 0; i < ots_jv_len(fns); i++) {
		const struct ots_jv *f = ots_jv_at(fns, i);
		const char *fp = ots_jv_str(ots_jv_get(f, "protocol"));
		const char *nm = ots_jv_str(ots_jv_get(f, "name"));
		const struct ots_dissector *d = fp ? ots_dissector_by_name(fp) : NULL;
		int op = op_by_name(ots_jv_str(ots_jv_get(f, "op_class")));
		uint64_t code;

		if (!d || op < 0 || get_u64(f, "code", &code) || code > UINT32_MAX) {
			snprintf(why, wl, "conduit %s -> %s: bad function %zu", src, dst, i);
			return OTS_EINVAL;
		}
		if (fn_add(b, c, (uint32_t)(c - b->conduits), ck, d->id, (uint8_t)op, (uint32_t)code,
		           nm) < 0)
			return OTS_ENOMEM;
	}
	return OTS_OK;
}

int
ots_baseline_load(struct ots_baseline *b, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, why[512] = "", perr[256];
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0, hn[3] = { 0, 0, 0 };
	int rc = OTS_OK, header = 0, end = 0;

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "baseline %s: %s", path, strerror(e));
		errno = e;
		return OTS_EIO;
	}
	clear_content(b);
	while (rc == OTS_OK && (len = getline(&line, &cap, f)) >= 0) {
		struct ots_jdoc d;
		const char *rec;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (end) {
			snprintf(why, sizeof(why), "data after the end record");
			rc = OTS_EINVAL;
			break;
		}
		if ((size_t)len > BL_MAX_LINE) {
			snprintf(why, sizeof(why), "line too long");
			rc = OTS_EINVAL;
			break;
		}
		memset(&d, 0, sizeof(d));
		rc = ots_json_parse(&d, line, (size_t)len, perr, sizeof(perr));
		if (rc != OTS_OK) {
			snprintf(why, sizeof(why), "%s", rc == OTS_ENOMEM ? "out of memory" : perr);
			break;
		}
		rec = ots_jv_str(ots_jv_get(d.root, "record"));
		if (!header) {
			uint64_t ver;

			if (!rec || strcmp(rec, BL_RECORD) != 0 || get_u64(d.root, "schema_version", &ver) ||
			    ver != OTS_BASELINE_SCHEMA_VERSION || get_u64(d.root, "learned_from_us", &b->t0) ||
			    get_u64(d.root, "learned_until_us", &b->t_end) ||
			    get_u64(d.root, "assets", &hn[0]) || get_u64(d.root, "conduits", &hn[1]) ||
			    get_u64(d.root, "functions", &hn[2])) {
				snprintf(why, sizeof(why), "not an otsensor baseline (header record "
				         "\"%s\" version %u expected)", BL_RECORD, OTS_BASELINE_SCHEMA_VERSION);
				rc = OTS_EINVAL;
			}
			header = 1;
		} else if (rec && strcmp(rec, "asset") == 0) {
			rc = load_asset(b, d.root, why, sizeof(why));
		} else if (rec && strcmp(rec, "conduit") == 0) {
			rc = load_conduit(b, d.root, why, sizeof(why));
		} else if (rec && strcmp(rec, "end") == 0) {
			end = 1;
		} else {
			snprintf(why, sizeof(why), "unknown record \"%s\"", rec ? rec : "(none)");
			rc = OTS_EINVAL;
		}
		ots_jdoc_free(&d);
		if (rc == OTS_ENOMEM)
			snprintf(why, sizeof(why), "out of memory");
	}
	if (rc == OTS_OK && ferror(f)) {
		snprintf(err, errlen, "baseline %s: read error", path);
		rc = OTS_EIO;
	} else if (rc == OTS_OK && (!end || hn[0] != b->n_assets || hn[1] != b->n_conduits ||
	                            hn[2] != b->fnset.n)) {
		lineno++;
		snprintf(why, sizeof(why), !end ? "truncated: no end record"
		                               : "the header's counts do not match the records");
		rc = OTS_EINVAL;
	}
	if (rc != OTS_OK && rc != OTS_EIO)
		snprintf(err, errlen, "baseline %s: line %" PRIu64 ": %s", path, lineno, why);
	free(line);
	fclose(f);
	if (rc != OTS_OK) {
		clear_content(b);
		return rc;
	}
	b->active = 1;
	b->loaded = 1;
	b->complete = 1;
	b->dirty = 0;
	return OTS_OK;
}
