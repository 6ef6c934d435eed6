/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zones.c: the IEC 62443 zones file (zones.h): strict YAML parsing through libyaml's event API,
 * a table of disjoint address ranges for the longest-prefix zone lookup, and a sorted table of
 * zone pairs for the conduit query.
 *
 * libyaml's events are first built into a small tree by yaml-tree.c (anchors, aliases and tags
 * refused, so no alias expansion can blow up), then the tree is checked against the schema;
 * every error names the file, line and column of the offending node.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ots/compiler.h"
#include "ots/error.h"
#include "ots/ics-t.h"
#include "ots/yaml-tree.h"
#include "ots/zones.h"

#define NVLAN 4096

/* Parse state: one per load. */
struct pctx {
	struct ots_yctx y;       /* file name, input, error buffer, YAML limits */
	struct ots_zones *z;
	int vlan_zone[NVLAN];    /* zone index + 1 of each VLAN, 0 when free */
	unsigned vlan_line[NVLAN];
	size_t more_warnings;    /* beyond OTS_ZONES_MAX_WARNINGS - 1 */
	unsigned *zone_name_col; /* column of each zone's name value (its line is in the zone) */
	unsigned *zone_name_line;
	unsigned *cond_name_line, *cond_name_col;
};

#define perr_at(c, ...) ots_yerr_at(&(c)->y, __VA_ARGS__)
#define perr(c, node, rc, ...) ots_yerr_at(&(c)->y, (node)->line, (node)->col, (rc), __VA_ARGS__)

/* ---- schema helpers ----------------------------------------------------------------------- */

/*
 * Check the keys of mapping m against keys[0..nkeys): unknown and duplicate keys are errors.
 * vals[i] is the value of keys[i], NULL when absent.
 */
static int
map_keys(struct pctx *c, const struct ots_ynode *m, const char *where, const char *const *keys,
         size_t nkeys, const struct ots_ynode **vals)
{
	const struct ots_ynode *keyn[8];
	char v[OTS_YSHOW_MAX + 8], exp[256];
	size_t i, k;

	for (i = 0; i < nkeys; i++)
		vals[i] = keyn[i] = NULL;
	for (k = 0; k + 1 < m->n; k += 2) {
		const struct ots_ynode *key = m->kid[k];

		if (key->type != OTS_YSCALAR || ots_yis_null(key))
			return perr(c, key, OTS_EINVAL, "a key in %s must be a string, not %s", where,
			            ots_ywhat(key, v, sizeof(v)));
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i], key->s) == 0 && strlen(keys[i]) == key->len)
				break;
		if (i == nkeys) {
			size_t o = 0;

			exp[0] = '\0';
			for (i = 0; i < nkeys; i++)
				o += (size_t)snprintf(exp + o, sizeof(exp) - o, "%s%s", i ? ", " : "",
				                      keys[i]);
			return perr(c, key, OTS_EINVAL, "unknown key '%s' in %s (expected %s)",
			            ots_yclean(key->s, key->len, v, sizeof(v)), where, exp);
		}
		if (keyn[i] != NULL)
			return perr(c, key, OTS_EINVAL, "duplicate key '%s' in %s (first at line %u)",
			            keys[i], where, keyn[i]->line);
		keyn[i] = key;
		vals[i] = m->kid[k + 1];
	}
	return OTS_OK;
}

/* A decimal integer lo..hi without sign or leading zero; OTS_EINVAL otherwise. */
static int
to_uint(const struct ots_ynode *n, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n->type != OTS_YSCALAR || n->len == 0 || n->len > 9 || (n->s[0] == '0' && n->len > 1))
		return OTS_EINVAL;
	for (i = 0; i < n->len; i++) {
		if (n->s[i] < '0' || n->s[i] > '9')
			return OTS_EINVAL;
		v = v * 10 + (unsigned long)(n->s[i] - '0');
	}
	if (v < lo || v > hi)
		return OTS_EINVAL;
	*out = v;
	return OTS_OK;
}

static int
get_uint(struct pctx *c, const struct ots_ynode *n, const char *key, unsigned long lo,
         unsigned long hi, unsigned long *out)
{
	char v[OTS_YSHOW_MAX + 8];

	if (to_uint(n, lo, hi, out) != OTS_OK)
		return perr(c, n, OTS_EINVAL, "%s must be an integer %lu-%lu, not %s", key, lo, hi,
		            ots_ywhat(n, v, sizeof(v)));
	return OTS_OK;
}

enum str_mode {
	S_NAME = 0,              /* no control characters */
	S_PROTO = 1,             /* letters, digits and "_.+-" only */
	S_TEXT = 2               /* tabs and line breaks allowed */
};

/* A string value of at most max bytes; *out is a copy (NULL for a null value when null_ok). */
static int
get_str(struct pctx *c, const struct ots_ynode *n, const char *key, size_t max, int null_ok,
        enum str_mode mode, char **out)
{
	char v[OTS_YSHOW_MAX + 8];
	size_t i;

	*out = NULL;
	if (null_ok && ots_yis_null(n))
		return OTS_OK;
	if (n->type != OTS_YSCALAR || ots_yis_null(n))
		return perr(c, n, OTS_EINVAL, "%s must be a string, not %s", key,
		            ots_ywhat(n, v, sizeof(v)));
	if (n->len == 0)
		return perr(c, n, OTS_EINVAL, "%s must not be empty", key);
	if (n->len > max)
		return perr(c, n, OTS_ELIMIT, "%s is longer than %zu bytes", key, max);
	for (i = 0; i < n->len; i++) {
		unsigned char ch = (unsigned char)n->s[i];

		if ((ch < 0x20 || ch == 0x7f) &&
		    !(mode == S_TEXT && (ch == '\t' || ch == '\n' || ch == '\r')))
			return perr(c, n, OTS_EINVAL, "%s %s holds a control character", key,
			            ots_ywhat(n, v, sizeof(v)));
		if (mode == S_PROTO && !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		                    ch == '+' || ch == '-'))
			return perr(c, n, OTS_EINVAL,
			            "%s %s: only letters, digits and _ . + - are allowed", key,
			            ots_ywhat(n, v, sizeof(v)));
	}
	*out = strdup(n->s);
	if (*out == NULL)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	return OTS_OK;
}

/* A list value: OTS_OK when n is a list of at most OTS_ZONES_MAX_LIST entries (non-empty
 * unless empty_ok). */
static int
get_list(struct pctx *c, const struct ots_ynode *n, const char *key, int empty_ok)
{
	char v[OTS_YSHOW_MAX + 8];

	if (n->type != OTS_YSEQ)
		return perr(c, n, OTS_EINVAL, "%s must be a list, not %s", key, ots_ywhat(n, v, sizeof(v)));
	if (n->n == 0 && !empty_ok)
		return perr(c, n, OTS_EINVAL, "%s must not be an empty list", key);
	if (n->n > OTS_ZONES_MAX_LIST)
		return perr(c, n, OTS_ELIMIT, "%s has %zu entries (max %d)", key, n->n,
		            OTS_ZONES_MAX_LIST);
	return OTS_OK;
}

/* ---- networks ----------------------------------------------------------------------------- */

const char *
ots_cidr_str(const struct ots_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (c->v4)
		snprintf(buf, len, "%u.%u.%u.%u/%u", c->addr[12], c->addr[13], c->addr[14],
		         c->addr[15], (unsigned)c->len - 96);
	else if (inet_ntop(AF_INET6, c->addr, a, sizeof(a)) != NULL)
		snprintf(buf, len, "%s/%u", a, (unsigned)c->len);
	else if (len)
		buf[0] = '\0';
	return buf;
}

/* Clear the bits of a beyond prefix length plen. */
static void
mask_addr(uint8_t a[16], unsigned plen)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			a[i] = 0;
		else
			a[i] &= (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

/* Parse "addr[/len]" into out; why gets the reason on OTS_EINVAL. */
int
ots_cidr_parse(const char *s, struct ots_cidr *out, char *why, size_t whylen)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char a[64];
	unsigned long plen, max;
	uint8_t b[16];

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(a)) {
		snprintf(why, whylen, "not an IPv4 or IPv6 address");
		return OTS_EINVAL;
	}
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (strchr(a, ':') != NULL) {
		if (inet_pton(AF_INET6, a, out->addr) != 1) {
			snprintf(why, whylen, "not an IPv6 address");
			return OTS_EINVAL;
		}
		max = 128;
	} else {
		if (inet_pton(AF_INET, a, out->addr + 12) != 1) {
			snprintf(why, whylen, "not an IPv4 or IPv6 address");
			return OTS_EINVAL;
		}
		out->addr[10] = out->addr[11] = 0xff;
		out->v4 = 1;
		max = 32;
	}
	plen = max;
	if (slash) {
		const char *p = slash + 1;
		size_t i, n = strlen(p);

		if (n == 0 || n > 3) {
			snprintf(why, whylen, "prefix length must be 0-%lu", max);
			return OTS_EINVAL;
		}
		plen = 0;
		for (i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9') {
				snprintf(why, whylen, "prefix length must be 0-%lu", max);
				return OTS_EINVAL;
			}
			plen = plen * 10 + (unsigned long)(p[i] - '0');
		}
		if (plen > max) {
			snprintf(why, whylen, "%s prefix length must be 0-%lu", out->v4 ? "IPv4" : "IPv6",
			         max);
			return OTS_EINVAL;
		}
	}
	out->len = (uint8_t)(out->v4 ? 96 + plen : plen);
	memcpy(b, out->addr, 16);
	mask_addr(b, out->len);
	if (memcmp(b, out->addr, 16) != 0) {
		struct ots_cidr net = *out;
		char t[64];

		memcpy(net.addr, b, 16);
		snprintf(why, whylen, "host bits set (the network is %s)",
		         ots_cidr_str(&net, t, sizeof(t)));
		return OTS_EINVAL;
	}
	return OTS_OK;
}

/* ---- the lookup index --------------------------------------------------------------------- */

struct seg {                 /* a range of addresses that belongs to one zone */
	uint8_t lo[16], hi[16];
	int zone;
};

struct zpair {               /* initiation from -> to allowed through conduit */
	int from, to, conduit;
};

struct zname {
	const char *name;
	int zone;
};

struct ots_zones_index {
	struct seg *segs;
	size_t n_segs;
	struct zpair *pairs;
	size_t n_pairs;
	struct zname *names;     /* sorted by name */
	size_t n_names;
	int16_t vlan_zone[NVLAN]; /* zone index or -1 */
};

struct pfx {                 /* one network while the index is built */
	uint8_t lo[16], hi[16];
	int zone;
	const struct ots_cidr *c;
};

static int
pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int r = memcmp(x->lo, y->lo, 16);

	if (r)
		return r;
	if (x->c->len != y->c->len)
		return x->c->len < y->c->len ? -1 : 1; /* wider first */
	if (x->c->line != y->c->line)
		return x->c->line < y->c->line ? -1 : 1;
	return x->c->col < y->c->col ? -1 : x->c->col > y->c->col;
}

/* a += 1; returns the carry out (1 when a wrapped to zero). */
static int
u128_inc(uint8_t a[16])
{
	int i;

	for (i = 15; i >= 0; i--)
		if (++a[i] != 0)
			return 0;
	return 1;
}

static void
u128_dec(uint8_t a[16])
{
	int i;

	for (i = 15; i >= 0; i--)
		if (a[i]-- != 0)
			return;
}

/* Add a warning "FILE:LINE: ..."; beyond OTS_ZONES_MAX_WARNINGS - 1 they are only counted
 * (finish_warnings() adds the count). */
static int OTS_PRINTF(3, 4)
warn(struct pctx *c, unsigned line, const char *fmt, ...)
{
	struct ots_zones *z = c->z;
	char buf[512];
	va_list ap;
	int n;

	if (z->n_warnings >= OTS_ZONES_MAX_WARNINGS - 1) {
		c->more_warnings++;
		return OTS_OK;
	}
	if (z->warnings == NULL) {
		z->warnings = calloc(OTS_ZONES_MAX_WARNINGS, sizeof(*z->warnings));
		if (z->warnings == NULL)
			return OTS_ENOMEM;
	}
	n = snprintf(buf, sizeof(buf), "%s:%u: ", c->y.name, line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	z->warnings[z->n_warnings] = strdup(buf);
	if (z->warnings[z->n_warnings] == NULL)
		return OTS_ENOMEM;
	z->n_warnings++;
	return OTS_OK;
}

/* Line number of a warning "NAME:LINE: ...". */
static unsigned long
warning_line(const struct pctx *c, const char *w)
{
	return strtoul(w + strlen(c->y.name) + 1, NULL, 10);
}

/* Put the warnings in file order (they come in address order) and add the count of those
 * that did not fit. */
static int
finish_warnings(struct pctx *c)
{
	struct ots_zones *z = c->z;
	char buf[256];
	size_t i, k;

	for (i = 1; i < z->n_warnings; i++) { /* stable insertion sort: at most 255 lines */
		char *w = z->warnings[i];
		unsigned long line = warning_line(c, w);

		for (k = i; k > 0 && warning_line(c, z->warnings[k - 1]) > line; k--)
			z->warnings[k] = z->warnings[k - 1];
		z->warnings[k] = w;
	}
	if (c->more_warnings == 0)
		return OTS_OK;
	snprintf(buf, sizeof(buf), "%s: %zu more warnings not shown", c->y.name, c->more_warnings);
	z->warnings[z->n_warnings] = strdup(buf);
	if (z->warnings[z->n_warnings] == NULL)
		return OTS_ENOMEM;
	z->n_warnings++;
	return OTS_OK;
}

static int
seg_emit(struct ots_zones_index *ix, const uint8_t lo[16], const uint8_t hi[16], int zone)
{
	struct seg *s = &ix->segs[ix->n_segs++];

	memcpy(s->lo, lo, 16);
	memcpy(s->hi, hi, 16);
	s->zone = zone;
	return OTS_OK;
}

/*
 * Sort every network, refuse exact duplicates, warn about nesting across zones and cut the
 * address space into disjoint ranges, each owned by its innermost network.
 */
static int
build_prefixes(struct pctx *c, struct ots_zones_index *ix)
{
	struct ots_zones *z = c->z;
	struct pfx *p = NULL, *stack[130];
	size_t n = 0, i, depth = 0;
	uint8_t cur[16];
	int exhausted = 0, rc = OTS_OK;
	char s1[64], s2[64];

	for (i = 0; i < z->n_zones; i++)
		n += z->zones[i].n_nets;
	if (n == 0)
		return OTS_OK;
	p = calloc(n, sizeof(*p));
	ix->segs = calloc(2 * n + 1, sizeof(*ix->segs));
	if (p == NULL || ix->segs == NULL) {
		free(p);
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	}
	n = 0;
	for (i = 0; i < z->n_zones; i++) {
		size_t k;

		for (k = 0; k < z->zones[i].n_nets; k++) {
			struct pfx *e = &p[n++];

			e->c = &z->zones[i].nets[k];
			e->zone = (int)i;
			memcpy(e->lo, e->c->addr, 16);
			memset(e->hi, 0xff, 16);
			mask_addr(e->hi, e->c->len);
			{
				unsigned b;

				for (b = 0; b < 16; b++)
					e->hi[b] = (uint8_t)(e->lo[b] | (uint8_t)~e->hi[b]);
			}
		}
	}
	ots_qsort(p, n, sizeof(*p), pfx_cmp);
	/* exact duplicates: the later one (in file order) is the error */
	for (i = 1; i < n; i++) {
		const struct pfx *a = &p[i - 1], *b = &p[i];

		if (memcmp(a->lo, b->lo, 16) != 0 || a->c->len != b->c->len)
			continue;
		ots_cidr_str(b->c, s1, sizeof(s1));
		if (a->zone == b->zone)
			rc = perr_at(c, b->c->line, b->c->col, OTS_EINVAL,
			             "network %s listed twice in zone '%s' (first at line %u)", s1,
			             z->zones[b->zone].name, a->c->line);
		else
			rc = perr_at(c, b->c->line, b->c->col, OTS_EINVAL,
			             "network %s of zone '%s' is already in zone '%s' (line %u)", s1,
			             z->zones[b->zone].name, z->zones[a->zone].name, a->c->line);
		goto out;
	}
	memset(cur, 0, sizeof(cur));
	for (i = 0; i <= n; i++) {
		struct pfx *e = i < n ? &p[i] : NULL;

		/* close every open network that ends before e (all of them at the end) */
		while (depth > 0 && (e == NULL || memcmp(stack[depth - 1]->hi, e->lo, 16) < 0)) {
			struct pfx *t = stack[--depth];

			if (!exhausted && memcmp(cur, t->hi, 16) <= 0) {
				seg_emit(ix, cur, t->hi, t->zone);
				memcpy(cur, t->hi, 16);
				exhausted = u128_inc(cur);
			}
		}
		if (e == NULL)
			break;
		if (depth > 0) {
			struct pfx *t = stack[depth - 1]; /* innermost network holding e */

			if (memcmp(cur, e->lo, 16) < 0) {
				uint8_t end[16];

				memcpy(end, e->lo, 16);
				u128_dec(end);
				seg_emit(ix, cur, end, t->zone);
			}
			ots_cidr_str(e->c, s1, sizeof(s1));
			ots_cidr_str(t->c, s2, sizeof(s2));
			if (t->zone != e->zone)
				rc = warn(c, e->c->line,
				          "network %s of zone '%s' lies inside %s of zone '%s' (line %u): the longer prefix wins",
				          s1, z->zones[e->zone].name, s2, z->zones[t->zone].name,
				          t->c->line);
			else
				rc = warn(c, e->c->line,
				          "network %s of zone '%s' lies inside %s of the same zone (line %u): redundant",
				          s1, z->zones[e->zone].name, s2, t->c->line);
			if (rc != OTS_OK) {
				rc = perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
				goto out;
			}
		}
		if (depth == OTS_ARRAY_LEN(stack)) { /* cannot happen: nesting is at most 129 */
			rc = perr_at(c, e->c->line, e->c->col, OTS_EINVAL, "networks nested too deeply");
			goto out;
		}
		stack[depth++] = e;
		memcpy(cur, e->lo, 16);
		exhausted = 0;
	}
out:
	free(p);
	return rc;
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct zpair *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->conduit < y->conduit ? -1 : x->conduit > y->conduit;
}

static int
zname_cmp(const void *a, const void *b)
{
	const struct zname *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->zone < y->zone ? -1 : x->zone > y->zone;
}

static void
index_free(struct ots_zones_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->segs);
	free(ix->pairs);
	free(ix->names);
	free(ix);
}

/* ---- schema ------------------------------------------------------------------------------- */

static const char *const top_keys[] = { "version", "site", "zones", "conduits", "defaults" };
enum { T_VERSION, T_SITE, T_ZONES, T_CONDUITS, T_DEFAULTS };
static const char *const zone_keys[] = { "name", "sl_t", "networks", "vlans", "description" };
enum { Z_NAME, Z_SLT, Z_NETWORKS, Z_VLANS, Z_DESCRIPTION };
static const char *const conduit_keys[] = { "name", "from", "to", "bidirectional", "allow" };
enum { C_NAME, C_FROM, C_TO, C_BIDIR, C_ALLOW };
static const char *const allow_keys[] = { "protocol", "operations", "ports" };
enum { A_PROTOCOL, A_OPERATIONS, A_PORTS };
static const char *const default_keys[] = { "intra_zone", "unzoned", "internet" };

static int
parse_zone(struct pctx *c, const struct ots_ynode *m, struct ots_zone *zn, int zi)
{
	const struct ots_ynode *v[OTS_ARRAY_LEN(zone_keys)];
	char w[OTS_YSHOW_MAX + 8], why[128];
	unsigned long num;
	size_t i;
	int rc;

	zn->line = m->line;
	if (m->type != OTS_YMAP)
		return perr(c, m, OTS_EINVAL,
		            "a zone must be a mapping (name, sl_t, networks, vlans, description), not %s",
		            ots_ywhat(m, w, sizeof(w)));
	rc = map_keys(c, m, "a zone", zone_keys, OTS_ARRAY_LEN(zone_keys), v);
	if (rc != OTS_OK)
		return rc;
	if (v[Z_NAME] == NULL)
		return perr(c, m, OTS_EINVAL,
		            "missing key 'name' in a zone (required: name, sl_t, networks or vlans)");
	rc = get_str(c, v[Z_NAME], "name", OTS_ZONES_NAME_MAX, 0, S_NAME, &zn->name);
	if (rc != OTS_OK)
		return rc;
	c->zone_name_line[zi] = v[Z_NAME]->line;
	c->zone_name_col[zi] = v[Z_NAME]->col;
	if (v[Z_SLT] == NULL)
		return perr(c, m, OTS_EINVAL,
		            "missing key 'sl_t' in zone '%s' (required: name, sl_t, networks or vlans)",
		            zn->name);
	rc = get_uint(c, v[Z_SLT], "sl_t", 0, 4, &num);
	if (rc != OTS_OK)
		return rc;
	zn->sl_t = (uint8_t)num;
	if (v[Z_DESCRIPTION] != NULL) {
		rc = get_str(c, v[Z_DESCRIPTION], "description", OTS_ZONES_DESC_MAX, 1, S_TEXT,
		             &zn->description);
		if (rc != OTS_OK)
			return rc;
	}
	if (v[Z_NETWORKS] != NULL) {
		const struct ots_ynode *l = v[Z_NETWORKS];

		rc = get_list(c, l, "networks", 1);
		if (rc != OTS_OK)
			return rc;
		zn->nets = calloc(l->n ? l->n : 1, sizeof(*zn->nets));
		if (zn->nets == NULL)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		for (i = 0; i < l->n; i++) {
			const struct ots_ynode *e = l->kid[i];
			struct ots_cidr *nc = &zn->nets[i];

			if (e->type != OTS_YSCALAR || ots_yis_null(e))
				return perr(c, e, OTS_EINVAL,
				            "networks entry must be a CIDR string, not %s",
				            ots_ywhat(e, w, sizeof(w)));
			if (ots_cidr_parse(e->s, nc, why, sizeof(why)) != OTS_OK)
				return perr(c, e, OTS_EINVAL, "bad CIDR '%s' in zone '%s': %s",
				            ots_yclean(e->s, e->len, w, sizeof(w)), zn->name, why);
			nc->line = e->line;
			nc->col = e->col;
			zn->n_nets++;
		}
	}
	if (v[Z_VLANS] != NULL) {
		const struct ots_ynode *l = v[Z_VLANS];

		rc = get_list(c, l, "vlans", 1);
		if (rc != OTS_OK)
			return rc;
		zn->vlans = calloc(l->n ? l->n : 1, sizeof(*zn->vlans));
		if (zn->vlans == NULL)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		for (i = 0; i < l->n; i++) {
			const struct ots_ynode *e = l->kid[i];

			rc = get_uint(c, e, "vlans entry", 1, 4094, &num);
			if (rc != OTS_OK)
				return rc;
			if (c->vlan_zone[num] == zi + 1)
				return perr(c, e, OTS_EINVAL, "VLAN %lu listed twice in zone '%s' (first at line %u)",
				            num, zn->name, c->vlan_line[num]);
			if (c->vlan_zone[num] != 0)
				return perr(c, e, OTS_EINVAL, "VLAN %lu of zone '%s' is already in zone '%s' (line %u)",
				            num, zn->name, c->z->zones[c->vlan_zone[num] - 1].name,
				            c->vlan_line[num]);
			c->vlan_zone[num] = zi + 1;
			c->vlan_line[num] = e->line;
			zn->vlans[zn->n_vlans++] = (uint16_t)num;
		}
	}
	if (zn->n_nets == 0 && zn->n_vlans == 0)
		return perr(c, m, OTS_EINVAL,
		            "zone '%s' has neither networks nor vlans (one of them is required)",
		            zn->name);
	return OTS_OK;
}

/* Zone index of the zone named by n, or an error listing the zones. */
static int
zone_ref(struct pctx *c, const struct ots_zones_index *ix, const struct ots_ynode *n,
         const char *conduit, const char *key, int *out)
{
	const struct ots_zones *z = c->z;
	char w[OTS_YSHOW_MAX + 8], list[400];
	const struct zname *f;
	size_t i, o = 0;

	if (n->type != OTS_YSCALAR || ots_yis_null(n))
		return perr(c, n, OTS_EINVAL, "conduit '%s': %s must be a zone name, not %s",
		            conduit, key, ots_ywhat(n, w, sizeof(w)));
	{
		/* lower bound by name (names are unique by now) */
		size_t lo = 0, hi = ix->n_names;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(ix->names[mid].name, n->s) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		f = lo < ix->n_names && strcmp(ix->names[lo].name, n->s) == 0 ? &ix->names[lo] : NULL;
	}
	if (f != NULL) {
		*out = f->zone;
		return OTS_OK;
	}
	list[0] = '\0';
	for (i = 0; i < z->n_zones; i++) {
		size_t need = strlen(z->zones[i].name) + 2;

		if (o + need + 5 >= sizeof(list)) {
			snprintf(list + o, sizeof(list) - o, ", ...");
			break;
		}
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
		                      z->zones[i].name);
	}
	return perr(c, n, OTS_EINVAL, "conduit '%s': unknown zone %s (zones: %s)", conduit,
	            ots_ywhat(n, w, sizeof(w)), list);
}

static int
parse_allow(struct pctx *c, const struct ots_ynode *m, struct ots_zone_allow *a, const char *conduit)
{
	const struct ots_ynode *v[OTS_ARRAY_LEN(allow_keys)];
	char w[OTS_YSHOW_MAX + 8], where[OTS_ZONES_NAME_MAX + 40];
	size_t i;
	int rc;

	a->line = m->line;
	a->ops = OTS_ZONES_OPS_ANY;
	if (m->type != OTS_YMAP)
		return perr(c, m, OTS_EINVAL,
		            "conduit '%s': an allow rule must be a mapping (protocol, operations, ports), not %s",
		            conduit, ots_ywhat(m, w, sizeof(w)));
	snprintf(where, sizeof(where), "an allow rule of conduit '%s'", conduit);
	rc = map_keys(c, m, where, allow_keys, OTS_ARRAY_LEN(allow_keys), v);
	if (rc != OTS_OK)
		return rc;
	if (v[A_PROTOCOL] == NULL)
		return perr(c, m, OTS_EINVAL,
		            "missing key 'protocol' in %s (required: protocol; write 'any' for every protocol)",
		            where);
	rc = get_str(c, v[A_PROTOCOL], "protocol", OTS_ZONES_NAME_MAX, 0, S_PROTO, &a->protocol);
	if (rc != OTS_OK)
		return rc;
	if (strcasecmp(a->protocol, "any") == 0) {
		free(a->protocol);
		a->protocol = NULL;
	}
	if (v[A_OPERATIONS] != NULL) {
		const struct ots_ynode *l = v[A_OPERATIONS];

		rc = get_list(c, l, "operations", 0);
		if (rc != OTS_OK)
			return rc;
		a->ops = 0;
		for (i = 0; i < l->n; i++) {
			const struct ots_ynode *e = l->kid[i];
			unsigned k;

			if (e->type != OTS_YSCALAR || ots_yis_null(e))
				return perr(c, e, OTS_EINVAL,
				            "operations entry must be an operation name, not %s",
				            ots_ywhat(e, w, sizeof(w)));
			if (strcmp(e->s, "any") == 0) {
				a->ops = OTS_ZONES_OPS_ANY;
				continue;
			}
			for (k = 0; k < OTS_OP__COUNT; k++)
				if (strcmp(e->s, ots_op_class_name((enum ots_op_class)k)) == 0)
					break;
			if (k == OTS_OP__COUNT) {
				char exp[256];
				size_t o = (size_t)snprintf(exp, sizeof(exp), "any");

				for (k = 0; k < OTS_OP__COUNT && o < sizeof(exp); k++)
					o += (size_t)snprintf(exp + o, sizeof(exp) - o, ", %s",
					                      ots_op_class_name((enum ots_op_class)k));
				return perr(c, e, OTS_EINVAL, "unknown operation %s (expected %s)",
				            ots_ywhat(e, w, sizeof(w)), exp);
			}
			a->ops |= 1u << k;
		}
	}
	if (v[A_PORTS] != NULL) {
		const struct ots_ynode *l = v[A_PORTS];

		rc = get_list(c, l, "ports", 0);
		if (rc != OTS_OK)
			return rc;
		a->ports = calloc(l->n, sizeof(*a->ports));
		if (a->ports == NULL)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		for (i = 0; i < l->n; i++) {
			unsigned long port;

			rc = get_uint(c, l->kid[i], "ports entry", 1, 65535, &port);
			if (rc != OTS_OK)
				return rc;
			a->ports[a->n_ports++] = (uint16_t)port;
		}
	}
	return OTS_OK;
}

static int
parse_conduit(struct pctx *c, const struct ots_zones_index *ix, const struct ots_ynode *m,
              struct ots_zconduit *cd, size_t ci)
{
	const struct ots_ynode *v[OTS_ARRAY_LEN(conduit_keys)];
	char w[OTS_YSHOW_MAX + 8];
	size_t i;
	int rc;

	cd->line = m->line;
	cd->from = cd->to = -1;
	if (m->type != OTS_YMAP)
		return perr(c, m, OTS_EINVAL,
		            "a conduit must be a mapping (name, from, to, bidirectional, allow), not %s",
		            ots_ywhat(m, w, sizeof(w)));
	rc = map_keys(c, m, "a conduit", conduit_keys, OTS_ARRAY_LEN(conduit_keys), v);
	if (rc != OTS_OK)
		return rc;
	if (v[C_NAME] == NULL)
		return perr(c, m, OTS_EINVAL,
		            "missing key 'name' in a conduit (required: name, from, to, allow)");
	rc = get_str(c, v[C_NAME], "name", OTS_ZONES_NAME_MAX, 0, S_NAME, &cd->name);
	if (rc != OTS_OK)
		return rc;
	c->cond_name_line[ci] = v[C_NAME]->line;
	c->cond_name_col[ci] = v[C_NAME]->col;
	for (i = C_FROM; i <= C_ALLOW; i++)
		if (i != C_BIDIR && v[i] == NULL)
			return perr(c, m, OTS_EINVAL,
			            "missing key '%s' in conduit '%s' (required: name, from, to, allow)",
			            conduit_keys[i], cd->name);
	rc = zone_ref(c, ix, v[C_FROM], cd->name, "from", &cd->from);
	if (rc != OTS_OK)
		return rc;
	rc = zone_ref(c, ix, v[C_TO], cd->name, "to", &cd->to);
	if (rc != OTS_OK)
		return rc;
	if (v[C_BIDIR] != NULL) {
		const struct ots_ynode *b = v[C_BIDIR];

		if (b->type == OTS_YSCALAR && b->plain &&
		    (strcmp(b->s, "true") == 0 || strcmp(b->s, "True") == 0 || strcmp(b->s, "TRUE") == 0))
			cd->bidirectional = 1;
		else if (b->type == OTS_YSCALAR && b->plain &&
		         (strcmp(b->s, "false") == 0 || strcmp(b->s, "False") == 0 ||
		          strcmp(b->s, "FALSE") == 0))
			cd->bidirectional = 0;
		else
			return perr(c, b, OTS_EINVAL, "bidirectional must be true or false, not %s",
			            ots_ywhat(b, w, sizeof(w)));
	}
	rc = get_list(c, v[C_ALLOW], "allow", 0);
	if (rc != OTS_OK)
		return rc;
	cd->allow = calloc(v[C_ALLOW]->n, sizeof(*cd->allow));
	if (cd->allow == NULL)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	for (i = 0; i < v[C_ALLOW]->n; i++) {
		rc = parse_allow(c, v[C_ALLOW]->kid[i], &cd->allow[i], cd->name);
		cd->n_allow++; /* counted even on error so that free releases it */
		if (rc != OTS_OK)
			return rc;
	}
	return OTS_OK;
}

static int
parse_defaults(struct pctx *c, const struct ots_ynode *m)
{
	const struct ots_ynode *v[OTS_ARRAY_LEN(default_keys)];
	uint8_t *out[3] = { &c->z->intra_zone_alert, &c->z->unzoned_alert, &c->z->internet_alert };
	char w[OTS_YSHOW_MAX + 8];
	size_t i;
	int rc;

	if (m->type != OTS_YMAP)
		return perr(c, m, OTS_EINVAL,
		            "defaults must be a mapping (intra_zone, unzoned, internet), not %s",
		            ots_ywhat(m, w, sizeof(w)));
	rc = map_keys(c, m, "defaults", default_keys, OTS_ARRAY_LEN(default_keys), v);
	if (rc != OTS_OK)
		return rc;
	for (i = 0; i < OTS_ARRAY_LEN(default_keys); i++) {
		if (v[i] == NULL)
			continue;
		if (v[i]->type == OTS_YSCALAR && strcmp(v[i]->s, "allow") == 0)
			*out[i] = 0;
		else if (v[i]->type == OTS_YSCALAR && strcmp(v[i]->s, "alert") == 0)
			*out[i] = 1;
		else
			return perr(c, v[i], OTS_EINVAL, "defaults.%s must be allow or alert, not %s",
			            default_keys[i], ots_ywhat(v[i], w, sizeof(w)));
	}
	return OTS_OK;
}

/* Refuse a name used twice (the later one in file order is the error). */
static int
check_conduit_names(struct pctx *c)
{
	struct ots_zones *z = c->z;
	struct zname *t;
	size_t i;
	int rc = OTS_OK;

	if (z->n_conduits < 2)
		return OTS_OK;
	t = calloc(z->n_conduits, sizeof(*t));
	if (t == NULL)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	for (i = 0; i < z->n_conduits; i++) {
		t[i].name = z->conduits[i].name;
		t[i].zone = (int)i;
	}
	ots_qsort(t, z->n_conduits, sizeof(*t), zname_cmp);
	for (i = 1; i < z->n_conduits; i++) {
		if (strcmp(t[i - 1].name, t[i].name) == 0) {
			int a = t[i - 1].zone, b = t[i].zone;

			rc = perr_at(c, c->cond_name_line[b], c->cond_name_col[b], OTS_EINVAL,
			             "duplicate conduit name '%s' (first at line %u)",
			             z->conduits[b].name, c->cond_name_line[a]);
			break;
		}
	}
	free(t);
	return rc;
}

static int
build_index(struct pctx *c, struct ots_zones_index *ix)
{
	struct ots_zones *z = c->z;
	size_t i, n = 0;
	int rc;

	rc = build_prefixes(c, ix);
	if (rc == OTS_OK && finish_warnings(c) != OTS_OK)
		rc = perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	if (rc != OTS_OK)
		return rc;
	for (i = 0; i < NVLAN; i++)
		ix->vlan_zone[i] = (int16_t)(c->vlan_zone[i] - 1);
	for (i = 0; i < z->n_conduits; i++)
		n += z->conduits[i].bidirectional && z->conduits[i].from != z->conduits[i].to ? 2 : 1;
	if (n == 0)
		return OTS_OK;
	ix->pairs = calloc(n, sizeof(*ix->pairs));
	if (ix->pairs == NULL)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	for (i = 0; i < z->n_conduits; i++) {
		const struct ots_zconduit *cd = &z->conduits[i];

		ix->pairs[ix->n_pairs++] = (struct zpair){ cd->from, cd->to, (int)i };
		if (cd->bidirectional && cd->from != cd->to)
			ix->pairs[ix->n_pairs++] = (struct zpair){ cd->to, cd->from, (int)i };
	}
	ots_qsort(ix->pairs, ix->n_pairs, sizeof(*ix->pairs), pair_cmp);
	return OTS_OK;
}

static int
parse_root(struct pctx *c, const struct ots_ynode *root, struct ots_zones_index *ix)
{
	struct ots_zones *z = c->z;
	const struct ots_ynode *v[OTS_ARRAY_LEN(top_keys)];
	char w[OTS_YSHOW_MAX + 8];
	unsigned long num;
	size_t i;
	int rc;

	if (root == NULL || ots_yis_null(root))
		return perr_at(c, 1, 1, OTS_EINVAL,
		               "empty file (expected a mapping with version, zones and conduits)");
	if (root->type != OTS_YMAP)
		return perr(c, root, OTS_EINVAL,
		            "the top level must be a mapping (version, site, zones, conduits, defaults), not %s",
		            ots_ywhat(root, w, sizeof(w)));
	rc = map_keys(c, root, "the top level", top_keys, OTS_ARRAY_LEN(top_keys), v);
	if (rc != OTS_OK)
		return rc;
	if (v[T_VERSION] == NULL)
		return perr(c, root, OTS_EINVAL,
		            "missing key 'version' at the top level (write version: %d)",
		            OTS_ZONES_VERSION);
	if (to_uint(v[T_VERSION], 0, 999999999, &num) != OTS_OK || num != OTS_ZONES_VERSION)
		return perr(c, v[T_VERSION], OTS_EINVAL, "unsupported version %s (expected %d)",
		            ots_ywhat(v[T_VERSION], w, sizeof(w)), OTS_ZONES_VERSION);
	z->version = (unsigned)num;
	if (v[T_SITE] != NULL) {
		rc = get_str(c, v[T_SITE], "site", OTS_ZONES_NAME_MAX, 1, S_NAME, &z->site);
		if (rc != OTS_OK)
			return rc;
	}
	z->intra_zone_alert = 0;
	z->unzoned_alert = 1;
	z->internet_alert = 1;
	if (v[T_DEFAULTS] != NULL) {
		rc = parse_defaults(c, v[T_DEFAULTS]);
		if (rc != OTS_OK)
			return rc;
	}
	if (v[T_ZONES] == NULL)
		return perr(c, root, OTS_EINVAL, "missing key 'zones' at the top level (required: version, zones)");
	rc = get_list(c, v[T_ZONES], "zones", 0);
	if (rc == OTS_ELIMIT || (rc == OTS_OK && v[T_ZONES]->n > OTS_ZONES_MAX_ZONES))
		return perr(c, v[T_ZONES], OTS_ELIMIT, "too many zones (max %d)",
		            OTS_ZONES_MAX_ZONES);
	if (rc != OTS_OK)
		return rc;
	z->zones = calloc(v[T_ZONES]->n, sizeof(*z->zones));
	c->zone_name_line = calloc(v[T_ZONES]->n, sizeof(unsigned));
	c->zone_name_col = calloc(v[T_ZONES]->n, sizeof(unsigned));
	if (z->zones == NULL || c->zone_name_line == NULL || c->zone_name_col == NULL)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	{
		size_t total = 0;

		for (i = 0; i < v[T_ZONES]->n; i++) {
			const struct ots_ynode *zn = v[T_ZONES]->kid[i];

			z->n_zones++; /* counted first so that free releases a partial zone */
			rc = parse_zone(c, zn, &z->zones[i], (int)i);
			if (rc != OTS_OK)
				return rc;
			total += z->zones[i].n_nets;
			if (total > OTS_ZONES_MAX_NETS)
				return perr(c, zn, OTS_ELIMIT, "too many networks (max %d over all zones)",
				            OTS_ZONES_MAX_NETS);
		}
	}
	/* zone names: sorted for the conduits' references, duplicates refused */
	ix->names = calloc(z->n_zones, sizeof(*ix->names));
	if (ix->names == NULL)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	for (i = 0; i < z->n_zones; i++)
		ix->names[i] = (struct zname){ z->zones[i].name, (int)i };
	ix->n_names = z->n_zones;
	ots_qsort(ix->names, ix->n_names, sizeof(*ix->names), zname_cmp);
	for (i = 1; i < ix->n_names; i++) {
		if (strcmp(ix->names[i - 1].name, ix->names[i].name) == 0) {
			int a = ix->names[i - 1].zone, b = ix->names[i].zone;

			return perr_at(c, c->zone_name_line[b], c->zone_name_col[b], OTS_EINVAL,
			               "duplicate zone name '%s' (first at line %u)", z->zones[b].name,
			               c->zone_name_line[a]);
		}
	}
	if (v[T_CONDUITS] != NULL && !ots_yis_null(v[T_CONDUITS])) {
		const struct ots_ynode *l = v[T_CONDUITS];

		if (l->type == OTS_YSEQ && l->n > OTS_ZONES_MAX_CONDUITS)
			return perr(c, l, OTS_ELIMIT, "too many conduits (max %d)",
			            OTS_ZONES_MAX_CONDUITS);
		if (l->type != OTS_YSEQ)
			return perr(c, l, OTS_EINVAL, "conduits must be a list, not %s",
			            ots_ywhat(l, w, sizeof(w)));
		z->conduits = calloc(l->n ? l->n : 1, sizeof(*z->conduits));
		c->cond_name_line = calloc(l->n ? l->n : 1, sizeof(unsigned));
		c->cond_name_col = calloc(l->n ? l->n : 1, sizeof(unsigned));
		if (z->conduits == NULL || c->cond_name_line == NULL || c->cond_name_col == NULL)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		for (i = 0; i < l->n; i++) {
			z->n_conduits++;
			rc = parse_conduit(c, ix, l->kid[i], &z->conduits[i], i);
			if (rc != OTS_OK)
				return rc;
		}
		rc = check_conduit_names(c);
		if (rc != OTS_OK)
			return rc;
	}
	return build_index(c, ix);
}

/* ---- public ------------------------------------------------------------------------------- */

static void
zones_release(struct ots_zones *z)
{
	size_t i, k;

	for (i = 0; i < z->n_zones; i++) {
		free(z->zones[i].name);
		free(z->zones[i].nets);
		free(z->zones[i].vlans);
		free(z->zones[i].description);
	}
	free(z->zones);
	for (i = 0; i < z->n_conduits; i++) {
		struct ots_zconduit *cd = &z->conduits[i];

		for (k = 0; k < cd->n_allow; k++) {
			free(cd->allow[k].protocol);
			free(cd->allow[k].ports);
		}
		free(cd->allow);
		free(cd->name);
	}
	free(z->conduits);
	for (i = 0; i < z->n_warnings; i++)
		free(z->warnings[i]);
	free(z->warnings);
	free(z->site);
	free(z->path);
	index_free(z->index);
	memset(z, 0, sizeof(*z));
}

void
ots_zones_free(struct ots_zones *z)
{
	if (z != NULL)
		zones_release(z);
}

int
ots_zones_parse(struct ots_zones *z, const char *name, const char *buf, size_t len, char *err,
                size_t errlen)
{
	struct ots_zones t;
	struct pctx *c;
	struct ots_ynode *root = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (name == NULL)
		name = "zones";
	if (len > OTS_ZONES_FILE_MAX) {
		if (err && errlen)
			snprintf(err, errlen, "%s: file too large (%zu bytes, max %u)", name, len,
			         OTS_ZONES_FILE_MAX);
		return OTS_ELIMIT;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return OTS_ENOMEM;
	}
	memset(&t, 0, sizeof(t));
	c->y.name = name;
	c->y.buf = buf;
	c->y.len = len;
	c->y.err = err;
	c->y.errlen = errlen;
	c->y.kind = "zones file";
	c->y.max_depth = OTS_ZONES_MAX_DEPTH;
	c->y.max_nodes = OTS_ZONES_MAX_NODES;
	/* no valid mapping has 16 keys, no valid list is longer than the conduit list */
	c->y.max_map_keys = 16;
	c->y.map_keys_note = " (no mapping of a zones file has more than 5)";
	c->y.max_list = OTS_ZONES_MAX_CONDUITS;
	c->y.flags = OTS_YNAME_PROPS | OTS_YREADER_VALUE;
	c->z = &t;
	rc = ots_ytree_build(&c->y, &root);
	if (rc == OTS_OK) {
		t.index = calloc(1, sizeof(*t.index));
		t.path = strdup(name);
		if (t.index == NULL || t.path == NULL)
			rc = perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		else
			rc = parse_root(c, root, t.index);
	}
	ots_ynode_free(root);
	free(c->zone_name_line);
	free(c->zone_name_col);
	free(c->cond_name_line);
	free(c->cond_name_col);
	free(c);
	if (rc != OTS_OK) {
		zones_release(&t);
		return rc;
	}
	zones_release(z);
	*z = t;
	return OTS_OK;
}

int
ots_zones_load(struct ots_zones *z, const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t len = 0, cap = 64 * 1024;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "rb");
	if (f == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return OTS_EIO;
	}
	buf = malloc(cap);
	if (buf == NULL) {
		fclose(f);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return OTS_ENOMEM;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap > OTS_ZONES_FILE_MAX) {
				fclose(f);
				free(buf);
				if (err && errlen)
					snprintf(err, errlen, "%s: file too large (max %u bytes)", path,
					         OTS_ZONES_FILE_MAX);
				return OTS_ELIMIT;
			}
			nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				fclose(f);
				free(buf);
				if (err && errlen)
					snprintf(err, errlen, "%s: out of memory", path);
				return OTS_ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return OTS_EIO;
	}
	fclose(f);
	rc = ots_zones_parse(z, path, buf, len, err, errlen);
	free(buf);
	return rc;
}

int
ots_zones_lookup(const struct ots_zones *z, const uint8_t ip[16], int has_ip, uint16_t vlan)
{
	const struct ots_zones_index *ix = z ? z->index : NULL;

	if (ix == NULL)
		return -1;
	if (has_ip && ix->n_segs > 0) {
		size_t lo = 0, hi = ix->n_segs;

		/* last range whose start is <= ip */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(ix->segs[mid].lo, ip, 16) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && memcmp(ip, ix->segs[lo - 1].hi, 16) <= 0)
			return ix->segs[lo - 1].zone;
	}
	if (vlan > 0 && vlan < NVLAN)
		return ix->vlan_zone[vlan];
	return -1;
}

/* First pair (from, to) in the sorted table, or n_pairs. */
static size_t
pair_lower(const struct ots_zones_index *ix, int from, int to)
{
	size_t lo = 0, hi = ix->n_pairs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct zpair *p = &ix->pairs[mid];

		if (p->from < from || (p->from == from && p->to < to))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
ots_zones_conduits(const struct ots_zones *z, int from, int to, int *idx, size_t max,
                   int *reverse_only)
{
	const struct ots_zones_index *ix = z ? z->index : NULL;
	size_t i, n = 0, any = 0;

	if (reverse_only)
		*reverse_only = 0;
	if (ix == NULL || from < 0 || to < 0)
		return 0;
	for (i = pair_lower(ix, from, to);
	     i < ix->n_pairs && ix->pairs[i].from == from && ix->pairs[i].to == to; i++) {
		any++;
		if (n < max && idx != NULL)
			idx[n++] = ix->pairs[i].conduit;
	}
	if (any == 0 && reverse_only) {
		i = pair_lower(ix, to, from);
		*reverse_only = i < ix->n_pairs && ix->pairs[i].from == to && ix->pairs[i].to == from;
	}
	return n;
}

int
ots_zones_find(const struct ots_zones *z, const char *name)
{
	const struct ots_zones_index *ix = z ? z->index : NULL;
	size_t lo = 0, hi;

	if (ix == NULL || name == NULL)
		return -1;
	hi = ix->n_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n_names && strcmp(ix->names[lo].name, name) == 0 ? ix->names[lo].zone : -1;
}

/* Protocol name p matches the rule's r: equal without case, or one dot-separated part of an
 * nDPI name ("DNS.Google") equal to r. */
static int
proto_match(const char *r, const char *p)
{
	size_t rl = strlen(r);

	if (strcasecmp(r, p) == 0)
		return 1;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n == rl && strncasecmp(r, p, n) == 0)
			return 1;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	return 0;
}

int
ots_zone_allow_match(const struct ots_zone_allow *a, const char *protocol, int op_class,
                     uint16_t port)
{
	size_t i;

	if (a->protocol != NULL && (protocol == NULL || !proto_match(a->protocol, protocol)))
		return 0;
	if (op_class >= 0) {
		unsigned k = op_class < OTS_OP__COUNT ? (unsigned)op_class : OTS_OP_OTHER;

		if (!(a->ops & (1u << k)))
			return 0;
	}
	if (port != 0 && a->n_ports > 0) {
		for (i = 0; i < a->n_ports; i++)
			if (a->ports[i] == port)
				return 1;
		return 0;
	}
	return 1;
}
