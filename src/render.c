/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render.c: conduit map (Graphviz DOT, SVG through `dot`) and the self-contained HTML report
 * (render.h). DOT language: graphviz.org/doc/info/lang.html; HTML escaping per the WHATWG
 * HTML standard (text and attribute values).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ots/compiler.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/ics-t.h"
#include "ots/json.h"
#include "ots/render.h"

extern char **environ;

/* Longest name shown in a map node or an edge label, in characters (the tooltip has it all). */
#define NODE_NAME_MAX 26
#define NODE_SUB_MAX 22
#define EDGE_PROTOS_MAX 3

/* Colours of a summary edge and of the "IT hosts" node it joins (dashed grey). */
#define SUMMARY_COLOR "#9a9a9a"
#define SUMMARY_FONT "#5f5f5f"

/* ---------------------------------------------------------------------------------------- */
/* Roles: one row per role; the last row is the fallback for anything unknown. */

struct role_style {
	const char *name, *label, *shape, *fill, *font, *style;
};

static const struct role_style roles[] = {
	{ "plc", "PLC", "box", "#4e79a7", "white", "filled" },
	{ "rtu", "RTU / IED", "box3d", "#59a14f", "white", "filled" },
	{ "hmi", "HMI", "ellipse", "#edc948", "black", "filled" },
	{ "engineering", "engineering", "hexagon", "#b07aa1", "white", "filled" },
	{ "historian", "historian", "cylinder", "#76b7b2", "black", "filled" },
	{ "network", "network", "octagon", "#bab0ac", "black", "filled" },
	{ "it", "IT host", "box", "#d7e3f0", "black", "filled,rounded" },
	{ "unknown", "unknown", "ellipse", "#ffffff", "black", "filled,dashed" },
};

static const struct role_style *
role_of(const char *name)
{
	size_t i;

	for (i = 0; name && i < OTS_ARRAY_LEN(roles); i++)
		if (strcmp(name, roles[i].name) == 0)
			return &roles[i];
	return &roles[OTS_ARRAY_LEN(roles) - 1];
}

/* Conduits a zone check raised an alert on. */
#define ALERT_COLOR "#e3001b"

/* Edge classes, worst first. */
enum edge_class { EDGE_ENGINEERING = 0, EDGE_WRITE, EDGE_READ, EDGE_OTHER };

static const struct {
	const char *name, *legend, *color, *style;
	const char *penwidth;
} edge_styles[] = {
	/* purple, not red: red is kept for conduits that break the declared zones */
	[EDGE_ENGINEERING] = { "engineering", "program, firmware, mode, restart", "#6a3d9a", "bold",
	                       "2.6" },
	[EDGE_WRITE] = { "write", "write, control", "#f28e2b", "solid", "1.6" },
	[EDGE_READ] = { "read", "read, monitor, other ICS", "#8c8c8c", "solid", "0.7" },
	[EDGE_OTHER] = { "other", "no ICS operation seen", "#b8b8b8", "dashed", "0.7" },
};

static enum edge_class
edge_class_of(uint32_t mask)
{
	if (mask & OTS_RENDER_OPS_ENGINEERING)
		return EDGE_ENGINEERING;
	if (mask & OTS_RENDER_OPS_WRITE)
		return EDGE_WRITE;
	return mask ? EDGE_READ : EDGE_OTHER;
}

/* Short op class names for labels (full names from ots_op_class_name in tables). */
static const char *
op_short(unsigned c)
{
	switch (c) {
	case OTS_OP_MODE_CHANGE: return "mode";
	case OTS_OP_DIAGNOSTIC: return "diag";
	case OTS_OP_TIME_SYNC: return "time";
	case OTS_OP_DISCOVERY: return "discover";
	case OTS_OP_IDENTITY: return "ident";
	}
	return ots_op_class_name((enum ots_op_class)c);
}

/* Op classes in the order a reader cares about: engineering, then writes, then the rest. */
static const uint8_t op_order[] = {
	OTS_OP_PROGRAM, OTS_OP_FIRMWARE, OTS_OP_MODE_CHANGE, OTS_OP_RESTART, OTS_OP_WRITE,
	OTS_OP_CONTROL, OTS_OP_FILE, OTS_OP_AUTH, OTS_OP_READ, OTS_OP_EVENT, OTS_OP_DIAGNOSTIC,
	OTS_OP_TIME_SYNC, OTS_OP_DISCOVERY, OTS_OP_IDENTITY, OTS_OP_OTHER,
};

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* The display name of asset i: its name, else its id; "?" when out of range. */
static const char *
asset_name(const struct ots_render *r, size_t i)
{
	if (i >= r->n_assets)
		return "?";
	return *nz(r->assets[i].name) ? r->assets[i].name : nz(r->assets[i].id);
}

/* ---------------------------------------------------------------------------------------- */
/* UTF-8: ots_utf8_len(s, 4) on these NUL-terminated strings (it stops at the NUL, which is
 * no continuation byte). */

/*
 * Write s escaped for a DOT double-quoted string: quote and backslash get a backslash (so no
 * \N, \G or \l escape of Graphviz applies), control characters become a space, invalid UTF-8
 * a '?'. At most max characters (0: no limit); a longer string ends in "..".
 */
static void
dot_esc(FILE *f, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)nz(str), *run = s;
	size_t n = 0, l;

	/* max counts characters (0: no limit); plain runs go out in one write */
	while (*s) {
		if (max && n == max) {
			if (s > run)
				fwrite(run, 1, (size_t)(s - run), f);
			fputs("..", f);
			return;
		}
		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') {
			s++;
			n++;
			continue;
		}
		if (*s >= 0x80 && (l = ots_utf8_len(s, 4)) > 1) {
			s += l;
			n++;
			continue;
		}
		if (s > run)
			fwrite(run, 1, (size_t)(s - run), f);
		if (*s == '"' || *s == '\\') {
			putc('\\', f);
			putc(*s, f);
		} else if (*s >= 0x80) {
			putc('?', f);        /* invalid UTF-8 */
		} else {
			putc(' ', f);        /* control character */
		}
		s++;
		n++;
		run = s;
	}
	if (s > run)
		fwrite(run, 1, (size_t)(s - run), f);
}

/* The first element of a comma-separated list, into buf. */
static const char *
first_item(const char *list, char *buf, size_t len)
{
	const char *s = nz(list), *e;
	size_t n;

	while (*s == ' ')
		s++;
	e = strchr(s, ',');
	n = e ? (size_t)(e - s) : strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* ---------------------------------------------------------------------------------------- */
/* Ordering shared by the map: assets by group, conduits by (src, dst). */

struct asset_ref {
	const char *group;
	size_t idx;
};

static int
group_rank(const char *g)
{
	return strcmp(g, "external") == 0 ? 1 : 0;
}

static int
asset_ref_cmp(const void *a, const void *b)
{
	const struct asset_ref *x = a, *y = b;
	int c = group_rank(x->group) - group_rank(y->group);

	if (c == 0)
		c = strcmp(x->group, y->group);
	if (c == 0)
		c = (x->idx > y->idx) - (x->idx < y->idx);
	return c;
}

struct conduit_ref {
	const struct ots_render_conduit *c;
	size_t idx;
};

static int
conduit_ref_cmp(const void *a, const void *b)
{
	const struct conduit_ref *x = a, *y = b;
	int c;

	if (x->c->src != y->c->src)
		return x->c->src < y->c->src ? -1 : 1;
	if (x->c->dst != y->c->dst)
		return x->c->dst < y->c->dst ? -1 : 1;
	c = strcmp(nz(x->c->protocol), nz(y->c->protocol));
	if (c == 0 && x->c->port != y->c->port)
		c = x->c->port < y->c->port ? -1 : 1;
	if (c == 0)
		c = strcmp(nz(x->c->transport), nz(y->c->transport));
	if (c == 0)
		c = (x->idx > y->idx) - (x->idx < y->idx);
	return c;
}

/* ---------------------------------------------------------------------------------------- */
/* DOT */

static void
dot_node(FILE *f, const struct ots_render *r, size_t i)
{
	const struct ots_render_asset *a = &r->assets[i];
	const struct role_style *rs = role_of(a->role);
	char ip[64];
	const char *sub;

	first_item(a->ips, ip, sizeof(ip));
	/* second line: the address when the name is not it, else what the device is */
	if (*ip && strcmp(ip, nz(a->name)) != 0)
		sub = ip;
	else if (*nz(a->model))
		sub = a->model;
	else
		sub = nz(a->vendor);
	fprintf(f, "\t\ta%zu [id=\"a%zu\", class=\"asset role-%s\", shape=%s, style=\"%s\", "
	        "fillcolor=\"%s\", fontcolor=\"%s\", label=\"", i, i, rs->name, rs->shape, rs->style,
	        rs->fill, rs->font);
	dot_esc(f, *nz(a->name) ? a->name : a->id, NODE_NAME_MAX);
	if (*sub) {
		fputs("\\n", f);
		dot_esc(f, sub, NODE_SUB_MAX);
	}
	fputs("\", tooltip=\"", f);
	dot_esc(f, a->name, 0);
	fputs(" (", f);
	dot_esc(f, rs->label, 0);
	fputs(")\\n", f);
	dot_esc(f, a->id, 0);
	if (*nz(a->ips)) {
		fputs("\\nIP ", f);
		dot_esc(f, a->ips, 0);
	}
	if (*nz(a->macs)) {
		fputs("\\nMAC ", f);
		dot_esc(f, a->macs, 0);
	}
	if (*nz(a->vendor) || *nz(a->model)) {
		fputs("\\n", f);
		dot_esc(f, a->vendor, 0);
		fputs(" ", f);
		dot_esc(f, a->model, 0);
	}
	if (*nz(a->firmware)) {
		fputs("\\nfirmware ", f);
		dot_esc(f, a->firmware, 0);
	}
	if (*nz(a->protocols)) {
		fputs("\\n", f);
		dot_esc(f, a->protocols, 0);
	}
	fputs("\"];\n", f);
}

/* Summary edges of the map: how many, and what they stand for (for the legend). */
struct summary_stats {
	size_t edges, pairs, conduits, hosts;
};

/* The legend: an HTML-like label table (no extra nodes, so it never disturbs the layout). */
static void
dot_legend(FILE *f, const struct ots_render *r, const struct summary_stats *st)
{
	size_t i;

	fputs("\tlabel=<<table border=\"0\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"2\">"
	      "<tr><td align=\"left\" colspan=\"8\"><b>", f);
	/* HTML-like label: escape as XML; dot_esc would leave < and & */
	for (const unsigned char *s = (const unsigned char *)nz(r->title); *s; s++) {
		size_t l = ots_utf8_len(s, 4);
		if (l == 0)
			fputc('?', f);
		else if (l > 1) {
			fwrite(s, 1, l, f);
			s += l - 1;
		} else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else if (*s < 0x20 || *s == 0x7f)
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fprintf(f, "</b> &#8212; %zu assets, %zu conduits</td></tr><tr>", r->n_assets,
	        r->n_conduits);
	for (i = 0; i < OTS_ARRAY_LEN(roles); i++)
		fprintf(f, "<td bgcolor=\"%s\" border=\"1\" color=\"#555555\"><font color=\"%s\">"
		        "%s</font></td>", roles[i].fill, roles[i].font, roles[i].label);
	fputs("</tr><tr>", f);
	for (i = 0; i < OTS_ARRAY_LEN(edge_styles); i++)
		fprintf(f, "<td colspan=\"2\" align=\"left\"><font color=\"%s\">%s %s</font></td>",
		        edge_styles[i].color, i == EDGE_ENGINEERING ? "&#9473;&#9473;" :
		        i == EDGE_OTHER ? "- - -" : "&#8212;&#8212;", edge_styles[i].legend);
	fputs("</tr>", f);
	for (i = 0; i < r->n_conduits; i++)
		if (r->conduits[i].alert)
			break;
	if (i < r->n_conduits)
		fprintf(f, "<tr><td colspan=\"8\" align=\"left\"><font color=\"%s\">&#9473;&#9473; "
		        "ALERT: breaks the declared zones and conduits (alerts.jsonl)</font></td></tr>",
		        ALERT_COLOR);
	if (st->edges)
		fprintf(f, "<tr><td colspan=\"8\" align=\"left\"><font color=\"%s\">- - - IT-to-IT "
		        "traffic summarised per group pair: %zu conduit%s of %zu device pair%s between %zu "
		        "IT, unknown or network hosts, drawn as %zu edge%s between the IT hosts boxes "
		        "(the conduit table lists each)</font></td></tr>", SUMMARY_COLOR, st->conduits,
		        st->conduits == 1 ? "" : "s", st->pairs, st->pairs == 1 ? "" : "s", st->hosts,
		        st->edges, st->edges == 1 ? "" : "s");
	fputs("</table>>;\n", f);
}

/* Labels already drawn on edges of the current source (hashes); reset per source. */
#define SEEN_MAX 64
struct seen_labels {
	size_t src, n;
	uint64_t h[SEEN_MAX];
};

static uint64_t
fnv64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* 1 when this source already showed the label (else remember it). */
static int
seen_label(struct seen_labels *sl, size_t src, const char *label)
{
	uint64_t h = fnv64(label);
	size_t i;

	if (sl->src != src) {
		sl->src = src;
		sl->n = 0;
	}
	for (i = 0; i < sl->n; i++)
		if (sl->h[i] == h)
			return 1;
	if (sl->n < SEEN_MAX)
		sl->h[sl->n++] = h;
	return 0;
}

/* The short label of a merged edge: protocols (and ports) each once, at most EDGE_PROTOS_MAX
 * then "+N"; a line of op classes, worst first. */
static void
dot_edge_label(FILE *f, const struct conduit_ref *cr, size_t n, uint32_t mask)
{
	size_t i, j, shown = 0, distinct = 0;
	unsigned k;
	int first = 1;

	for (i = 0; i < n; i++) {
		const struct ots_render_conduit *c = cr[i].c;

		for (j = 0; j < i; j++)
			if (strcmp(nz(cr[j].c->protocol), nz(c->protocol)) == 0 &&
			    cr[j].c->port == c->port)
				break;
		if (j < i)
			continue;
		distinct++;
		if (shown == EDGE_PROTOS_MAX)
			continue;
		if (shown++)
			fputs(", ", f);
		dot_esc(f, *nz(c->protocol) ? c->protocol : c->transport, 16);
		if (c->port)
			fprintf(f, "/%u", c->port);
	}
	if (distinct > shown)
		fprintf(f, " +%zu", distinct - shown);
	for (k = 0; k < OTS_ARRAY_LEN(op_order); k++) {
		if (!(mask & (1u << op_order[k])))
			continue;
		fputs(first ? "\\n" : ",", f);
		fputs(op_short(op_order[k]), f);
		first = 0;
	}
}

/*
 * One merged edge: conduits cr[0..n) share (src, dst). Its label is dropped when the same
 * source already has an edge with the same label (an HMI polling 15 PLCs shows "s7comm/102
 * read" once, not 15 times); the tooltip always has every conduit.
 */
static void
dot_edge(FILE *f, const struct conduit_ref *cr, size_t n, struct seen_labels *sl)
{
	const struct ots_render_conduit *c0 = cr[0].c;
	uint32_t mask = 0;
	char *label = NULL;
	size_t i, label_len = 0;
	unsigned k;
	int first;
	enum edge_class ec;
	uint8_t alert = 0;
	FILE *lf;

	for (i = 0; i < n; i++) {
		mask |= cr[i].c->op_mask;
		alert |= cr[i].c->alert;
	}
	ec = edge_class_of(mask);
	if (alert) /* breaks the declared zones: red whatever its operations */
		fprintf(f, "\ta%zu -> a%zu [id=\"c%zu_%zu\", class=\"conduit alert %s\", "
		        "color=\"%s\", fontcolor=\"%s\", style=\"bold\", penwidth=3.4, label=\"ALERT ",
		        c0->src, c0->dst, c0->src, c0->dst, edge_styles[ec].name, ALERT_COLOR,
		        ALERT_COLOR);
	else
		fprintf(f, "\ta%zu -> a%zu [id=\"c%zu_%zu\", class=\"conduit %s\", color=\"%s\", "
		        "fontcolor=\"%s\", style=\"%s\", penwidth=%s, label=\"", c0->src, c0->dst,
		        c0->src, c0->dst, edge_styles[ec].name, edge_styles[ec].color,
		        ec == EDGE_READ || ec == EDGE_OTHER ? "#555555" : edge_styles[ec].color,
		        edge_styles[ec].style, edge_styles[ec].penwidth);
	lf = open_memstream(&label, &label_len);
	if (lf) {
		dot_edge_label(lf, cr, n, mask);
		if (fclose(lf) == 0 && label && !seen_label(sl, c0->src, label))
			fputs(label, f);
		free(label);
	} else {
		dot_edge_label(f, cr, n, mask); /* no memory: label every edge */
	}
	fputs("\", tooltip=\"", f);
	for (i = 0; i < n; i++) {
		const struct ots_render_conduit *c = cr[i].c;

		if (i)
			fputs("\\n", f);
		dot_esc(f, c->protocol, 0);
		fputs(" ", f);
		dot_esc(f, c->transport, 0);
		if (c->port)
			fprintf(f, "/%u", c->port);
		first = 1;
		for (k = 0; k < OTS_ARRAY_LEN(op_order); k++) {
			if (!(c->op_mask & (1u << op_order[k])))
				continue;
			fputs(first ? ": " : ",", f);
			fputs(ots_op_class_name((enum ots_op_class)op_order[k]), f);
			first = 0;
		}
		if (*nz(c->function_codes)) {
			fputs(" [", f);
			dot_esc(f, c->function_codes, 0);
			fputs("]", f);
		}
		fprintf(f, " %llu pkts", (unsigned long long)(c->packets[0] + c->packets[1]));
	}
	fputs("\"];\n", f);
}

/* ---------------------------------------------------------------------------------------- */
/* What the map draws device to device, and what it sums up per group pair */

/* Roles on the process side: a conduit touching one is always drawn device to device. */
static int
role_is_ot(const char *role)
{
	static const char *const ot[] = { "plc", "rtu", "hmi", "engineering", "historian" };
	size_t i;

	for (i = 0; role && i < OTS_ARRAY_LEN(ot); i++)
		if (strcmp(role, ot[i]) == 0)
			return 1;
	return 0;
}

/*
 * An industrial protocol: the name of one of the ICS dissectors (ids MODBUS..HARTIP of
 * ics-t.h; not DHCP, LLDP, CDP, FTP or Telnet) or nDPI's name of an industrial protocol that
 * has no dissector name of the same spelling. Case-insensitive.
 */
static int
proto_is_ics(const char *name)
{
	static const char *const ndpi_names[] = { "iec60870", "ethernetip" };
	size_t i;

	if (!name || !*name)
		return 0;
	for (i = 0; i < ots_dissectors_count; i++) {
		const struct ots_dissector *d = ots_dissectors[i];

		if (d->id >= OTS_PROTO_MODBUS && d->id <= OTS_PROTO_HARTIP &&
		    strcasecmp(d->name, name) == 0)
			return 1;
	}
	for (i = 0; i < OTS_ARRAY_LEN(ndpi_names); i++)
		if (strcasecmp(ndpi_names[i], name) == 0)
			return 1;
	return 0;
}

/* One device pair: its conduits are cr[first .. first + n), sharing (src, dst). */
struct pair {
	size_t first, n;
	size_t gs, gd;    /* group numbers (cluster_g<N>) of src and dst */
	int summed;       /* drawn only in the summary edge of (gs, gd) */
};

/* Why a pair cannot be summed: 1 when drawn alone whatever its peers (ICS, OT role, a write
 * or engineering op); 2 when only because it touches a network-role device; 0 otherwise. */
static int
pair_kind(const struct ots_render *r, const struct conduit_ref *cr, size_t n)
{
	const struct ots_render_asset *s = &r->assets[cr[0].c->src], *d = &r->assets[cr[0].c->dst];
	uint32_t mask = 0;
	size_t i;

	if (role_is_ot(s->role) || role_is_ot(d->role))
		return 1;
	for (i = 0; i < n; i++) {
		if (proto_is_ics(cr[i].c->protocol) || cr[i].c->alert)
			return 1;
		mask |= cr[i].c->op_mask;
	}
	if (edge_class_of(mask) == EDGE_ENGINEERING || edge_class_of(mask) == EDGE_WRITE)
		return 1;
	if (strcmp(nz(s->role), "network") == 0 || strcmp(nz(d->role), "network") == 0)
		return 2;
	return 0;
}

static int
pair_bucket_cmp(const void *a, const void *b)
{
	const struct pair *x = *(const struct pair *const *)a, *y = *(const struct pair *const *)b;

	if (x->gs != y->gs)
		return x->gs < y->gs ? -1 : 1;
	if (x->gd != y->gd)
		return x->gd < y->gd ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

/* A protocol family ("TLS" of "TLS.Google"; the transport when there is no protocol) and how
 * many conduits of a summary carry it. */
struct fam {
	const char *s;
	size_t len, count;
};

static void
fam_of(const struct ots_render_conduit *c, struct fam *fm)
{
	const char *p = *nz(c->protocol) ? c->protocol : nz(c->transport);
	const char *dot = strchr(p, '.');

	fm->s = p;
	fm->len = dot && dot > p ? (size_t)(dot - p) : strlen(p);
	fm->count = 1;
}

static int
fam_name_cmp(const void *a, const void *b)
{
	const struct fam *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int
fam_count_cmp(const void *a, const void *b)
{
	const struct fam *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return fam_name_cmp(a, b);
}

/* Sort fm[0..n) by family, merge equal ones, then order by count (descending), name. Returns
 * the number of distinct families. */
static size_t
fam_tally(struct fam *fm, size_t n)
{
	size_t i, k = 0;

	if (n == 0)
		return 0;
	qsort(fm, n, sizeof(*fm), fam_name_cmp);
	for (i = 1; i < n; i++) {
		if (fam_name_cmp(&fm[k], &fm[i]) == 0)
			fm[k].count += fm[i].count;
		else
			fm[++k] = fm[i];
	}
	qsort(fm, k + 1, sizeof(*fm), fam_count_cmp);
	return k + 1;
}

static void
dot_esc_n(FILE *f, const char *s, size_t len, size_t max)
{
	char buf[128];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	dot_esc(f, buf, max);
}

/*
 * The summary edge of one group pair: pairs ps[0..n) (sorted) between the "IT hosts" nodes
 * of groups gs and gd. Labelled with its hosts, conduits and top protocol families; the
 * tooltip lists the families and the first device pairs. fm: scratch of at least as many
 * entries as the pairs have conduits; mark_s, mark_d: per-asset stamps, stamp unique to
 * this call.
 */
#define SUMMARY_TOOLTIP_PAIRS 12
#define SUMMARY_TOOLTIP_FAMS 12

static void
dot_summary_edge(FILE *f, const struct ots_render *r, const struct conduit_ref *cr,
                 struct pair *const *ps, size_t n, const struct ots_render_asset *const *gname,
                 struct fam *fm, size_t *mark_s, size_t *mark_d, size_t stamp)
{
	size_t gs = ps[0]->gs, gd = ps[0]->gd, i, k, nf = 0, n_s = 0, n_d = 0, conduits = 0;
	size_t distinct;

	for (i = 0; i < n; i++) {
		const struct ots_render_conduit *c0 = cr[ps[i]->first].c;

		if (mark_s[c0->src] != stamp) {
			mark_s[c0->src] = stamp;
			n_s++;
		}
		if (mark_d[c0->dst] != stamp) {
			mark_d[c0->dst] = stamp;
			n_d++;
		}
		for (k = 0; k < ps[i]->n; k++)
			fam_of(cr[ps[i]->first + k].c, &fm[nf++]);
		conduits += ps[i]->n;
	}
	distinct = fam_tally(fm, nf);
	fprintf(f, "\tit_g%zu -> it_g%zu [id=\"s%zu_%zu\", class=\"conduit summary\", color=\"%s\", "
	        "fontcolor=\"%s\", style=\"dashed\", penwidth=1.2, label=\"%zu conduit%s, ", gs, gd,
	        gs, gd, SUMMARY_COLOR, SUMMARY_FONT, conduits, conduits == 1 ? "" : "s");
	if (gs == gd)
		fprintf(f, "%zu pair%s", n, n == 1 ? "" : "s");
	else
		fprintf(f, "%zu to %zu host%s", n_s, n_d, n_d == 1 ? "" : "s");
	for (k = 0; k < distinct && k < EDGE_PROTOS_MAX; k++) {
		fputs(k ? ", " : "\\n", f);
		dot_esc_n(f, fm[k].s, fm[k].len, 16);
		fprintf(f, " %zu", fm[k].count);
	}
	if (distinct > EDGE_PROTOS_MAX)
		fprintf(f, " +%zu", distinct - EDGE_PROTOS_MAX);
	fputs("\", tooltip=\"IT traffic ", f);
	dot_esc(f, *nz(gname[gs]->group) ? gname[gs]->group : "(no group)", 0);
	fputs(" -> ", f);
	dot_esc(f, *nz(gname[gd]->group) ? gname[gd]->group : "(no group)", 0);
	fprintf(f, ": %zu conduits, %zu device pairs, %zu initiators, %zu responders", conduits, n,
	        n_s, n_d);
	for (k = 0; k < distinct && k < SUMMARY_TOOLTIP_FAMS; k++) {
		fputs("\\n", f);
		dot_esc_n(f, fm[k].s, fm[k].len, 0);
		fprintf(f, " %zu", fm[k].count);
	}
	if (distinct > SUMMARY_TOOLTIP_FAMS)
		fprintf(f, "\\n+%zu protocols", distinct - SUMMARY_TOOLTIP_FAMS);
	for (i = 0; i < n && i < SUMMARY_TOOLTIP_PAIRS; i++) {
		const struct ots_render_conduit *c0 = cr[ps[i]->first].c;

		fputs(i ? "\\n" : "\\n--\\n", f);
		dot_esc(f, asset_name(r, c0->src), NODE_NAME_MAX);
		fputs(" -> ", f);
		dot_esc(f, asset_name(r, c0->dst), NODE_NAME_MAX);
		fprintf(f, " (%zu)", ps[i]->n);
	}
	if (n > SUMMARY_TOOLTIP_PAIRS)
		fprintf(f, "\\n+%zu pairs (conduit table)", n - SUMMARY_TOOLTIP_PAIRS);
	fputs("\"];\n", f);
}

int
ots_render_dot(FILE *f, const struct ots_render *r)
{
	struct asset_ref *ar = NULL;
	struct conduit_ref *cr = NULL;
	struct pair *pairs = NULL, **bucket = NULL;
	const struct ots_render_asset **gname = NULL;
	struct fam *fm = NULL;
	size_t *gnum = NULL, *mark_s = NULL, *mark_d = NULL, *ghosts = NULL;
	unsigned char *drawn = NULL;
	struct seen_labels sl;
	struct summary_stats st;
	size_t i, j, k, g, n_cr = 0, n_pairs = 0, n_groups = 0, n_net = 0, n_b = 0, na = r->n_assets;
	int rc = OTS_ENOMEM;

	memset(&st, 0, sizeof(st));
	if (na) {
		ar = calloc(na, sizeof(*ar));
		gnum = calloc(na, sizeof(*gnum));
		mark_s = calloc(na, sizeof(*mark_s));
		mark_d = calloc(na, sizeof(*mark_d));
		ghosts = calloc(na, sizeof(*ghosts));
		gname = calloc(na, sizeof(*gname));
		drawn = calloc(na, 1);
		if (!ar || !gnum || !mark_s || !mark_d || !ghosts || !gname || !drawn)
			goto out;
	}
	if (r->n_conduits) {
		cr = calloc(r->n_conduits, sizeof(*cr));
		pairs = calloc(r->n_conduits, sizeof(*pairs));
		bucket = calloc(r->n_conduits, sizeof(*bucket));
		fm = calloc(r->n_conduits, sizeof(*fm));
		if (!cr || !pairs || !bucket || !fm)
			goto out;
	}
	for (i = 0; i < na; i++) {
		ar[i].group = nz(r->assets[i].group);
		ar[i].idx = i;
	}
	if (na)
		qsort(ar, na, sizeof(*ar), asset_ref_cmp);
	for (i = 0; i < na; i++) {
		if (i && strcmp(ar[i].group, ar[i - 1].group) != 0)
			n_groups++;
		gnum[ar[i].idx] = n_groups;
		gname[n_groups] = &r->assets[ar[i].idx];
	}
	if (na)
		n_groups++;
	for (i = 0; i < r->n_conduits; i++) {
		const struct ots_render_conduit *c = &r->conduits[i];

		if (c->src >= na || c->dst >= na)
			continue; /* a broken model must not draw a dangling node */
		cr[n_cr].c = c;
		cr[n_cr].idx = i;
		n_cr++;
	}
	if (n_cr)
		qsort(cr, n_cr, sizeof(*cr), conduit_ref_cmp);

	/* device pairs; which are summed per group pair */
	for (i = 0; i < n_cr; i = j) {
		struct pair *p = &pairs[n_pairs++];

		for (j = i + 1; j < n_cr && cr[j].c->src == cr[i].c->src && cr[j].c->dst == cr[i].c->dst;
		     j++)
			;
		p->first = i;
		p->n = j - i;
		p->gs = gnum[cr[i].c->src];
		p->gd = gnum[cr[i].c->dst];
		p->summed = pair_kind(r, cr + i, j - i);
		if (p->summed == 2)
			n_net++;
	}
	for (i = 0; i < n_pairs; i++) {
		struct pair *p = &pairs[i];

		p->summed = p->summed == 0 || (p->summed == 2 && n_net > OTS_RENDER_NETWORK_PAIRS_MAX);
		if (p->summed)
			bucket[n_b++] = p;
	}
	if (n_b)
		qsort(bucket, n_b, sizeof(*bucket), pair_bucket_cmp);
	/* a group pair with few device pairs keeps them: a summary would only hide them */
	for (i = 0, k = 0; i < n_b; i = j) {
		for (j = i + 1; j < n_b && bucket[j]->gs == bucket[i]->gs && bucket[j]->gd == bucket[i]->gd;
		     j++)
			;
		if (j - i < OTS_RENDER_SUMMARY_MIN_PAIRS) {
			for (; i < j; i++)
				bucket[i]->summed = 0;
			continue;
		}
		st.edges++;
		for (; i < j; i++) {
			st.conduits += bucket[i]->n;
			bucket[k++] = bucket[i];
		}
	}
	n_b = k;
	st.pairs = n_b;
	for (i = 0; i < n_pairs; i++) {
		const struct pair *p = &pairs[i];
		size_t s = cr[p->first].c->src, d = cr[p->first].c->dst;

		if (!p->summed) {
			drawn[s] = drawn[d] = 1;
			continue;
		}
		/* the hosts each "IT hosts" node stands for */
		if (mark_s[s] != 1) {
			mark_s[s] = 1;
			ghosts[p->gs]++;
		}
		if (mark_s[d] != 1) {
			mark_s[d] = 1;
			ghosts[p->gd]++;
		}
	}
	for (g = 0; g < n_groups; g++)
		st.hosts += ghosts[g];

	fputs("digraph otsensor {\n"
	      "\tgraph [rankdir=LR, nodesep=0.08, ranksep=1.1, splines=true, "
	      "outputorder=edgesfirst, fontname=\"Helvetica\", fontsize=11, labelloc=t, "
	      "labeljust=l, tooltip=\" \"];\n", f);
	/* a big map: fewer crossing-reduction passes, about half dot's time (the picture is
	 * dense anyway) */
	for (i = 0, k = st.edges; i < n_pairs; i++)
		k += !pairs[i].summed;
	if (k > OTS_RENDER_BIG_EDGES)
		fputs("\tgraph [mclimit=0.2, remincross=false];\n", f);
	fputs(
	      "\tnode [fontname=\"Helvetica\", fontsize=9, height=0.3, margin=\"0.06,0.02\", "
	      "penwidth=0.8];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=7, arrowsize=0.5];\n", f);
	dot_legend(f, r, &st);
	for (i = 0, g = 0; i < na; g++) {
		const char *name = ar[i].group;
		int ext = group_rank(name);
		size_t lone = 0, col[OTS_RENDER_LONE_COLUMN];

		for (j = i; j < na && strcmp(ar[j].group, name) == 0; j++)
			;
		fprintf(f, "\tsubgraph cluster_g%zu {\n\t\tgraph [id=\"g%zu\", class=\"group\", "
		        "style=\"filled,rounded\", fillcolor=\"%s\", color=\"%s\", fontsize=10, "
		        "label=\"", g, g, ext ? "#fdeceb" : "#f3f5f8", ext ? "#d9534f" : "#9aa5b1");
		dot_esc(f, *name ? name : "(no group)", 40);
		fprintf(f, " (%zu)\", tooltip=\"", j - i);
		dot_esc(f, name, 0);
		fputs("\"];\n", f);
		if (ghosts[g]) {
			fprintf(f, "\t\tit_g%zu [id=\"it_g%zu\", class=\"summary\", shape=box, "
			        "style=\"filled,dashed,rounded\", fillcolor=\"#ebebeb\", color=\"%s\", "
			        "fontcolor=\"%s\", "
			        "label=\"%s hosts (%zu)\", tooltip=\"%zu IT, unknown or network hosts of ",
			        g, g, SUMMARY_COLOR, SUMMARY_FONT, ext ? "external" : "IT", ghosts[g],
			        ghosts[g]);
			dot_esc(f, *name ? name : "(no group)", 0);
			fputs(": their traffic with each other and with such hosts of other groups is summed "
			      "up in one dashed edge per group pair; the conduit table lists each conduit\"];\n",
			      f);
		}
		for (; i < j; i++) {
			dot_node(f, r, ar[i].idx);
			/* columns of the nodes with no drawn edge */
			if (!drawn[ar[i].idx]) {
				if (lone >= OTS_RENDER_LONE_COLUMN)
					fprintf(f, "\t\ta%zu -> a%zu [style=invis];\n",
					        col[lone % OTS_RENDER_LONE_COLUMN], ar[i].idx);
				col[lone % OTS_RENDER_LONE_COLUMN] = ar[i].idx;
				lone++;
			}
		}
		fputs("\t}\n", f);
	}
	sl.src = (size_t)-1;
	sl.n = 0;
	for (i = 0; i < n_pairs; i++)
		if (!pairs[i].summed)
			dot_edge(f, cr + pairs[i].first, pairs[i].n, &sl);
	for (i = 0; i < na; i++)
		mark_s[i] = mark_d[i] = 0;
	for (i = 0, g = 0; i < n_b; i = j, g++) {
		for (j = i + 1; j < n_b && bucket[j]->gs == bucket[i]->gs && bucket[j]->gd == bucket[i]->gd;
		     j++)
			;
		dot_summary_edge(f, r, cr, bucket + i, j - i, gname, fm, mark_s, mark_d, g + 1);
	}
	fputs("}\n", f);
	rc = ferror(f) || fflush(f) ? OTS_EIO : OTS_OK;
out:
	free(ar);
	free(cr);
	free(pairs);
	free(bucket);
	free(fm);
	free(gnum);
	free(mark_s);
	free(mark_d);
	free(ghosts);
	free(gname);
	free(drawn);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* SVG through dot */

static void OTS_PRINTF(3, 4)
set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int
is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The dot program: $OTS_DOT (a path, or a name searched on PATH) or "dot" on PATH. */
static int
find_dot(char *out, size_t len)
{
	const char *env = getenv("OTS_DOT"), *name = "dot", *path, *p, *e;
	int n;

	if (env && *env)
		name = env;
	if (strchr(name, '/')) {
		n = snprintf(out, len, "%s", name);
		return n > 0 && (size_t)n < len && is_exec(out);
	}
	path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = e + 1) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		n = snprintf(out, len, "%.*s/%s", e > p ? (int)(e - p) : 1, e > p ? p : ".", name);
		if (n > 0 && (size_t)n < len && is_exec(out))
			return 1;
		if (!*e)
			return 0;
	}
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for pid until deadline (monotonic ms), killing it then. 1: reaped into *status. */
static int
reap(pid_t pid, uint64_t deadline, int *status)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	pid_t w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return 1;
		if (w < 0 && errno != EINTR)
			return 1; /* not ours any more: nothing to reap */
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return 0;
		}
		nanosleep(&nap, NULL);
	}
}

/* How one run of dot ended. */
enum dot_end { DOT_OK, DOT_FAILED, DOT_KILLED, DOT_SPAWN };

/*
 * Run dot [extra] -Tsvg -o tmp dot_path, waiting at most timeout_ms. msg gets the first line
 * dot wrote on stderr that starts with "Error", else its first line (at most msglen - 1
 * bytes). *status: the wait status (DOT_OK, DOT_FAILED) or the posix_spawn error (DOT_SPAWN).
 */
static enum dot_end
run_dot(const char *dot, const char *extra, const char *dot_path, const char *tmp,
        unsigned timeout_ms, char *msg, size_t msglen, int *status)
{
	char *argv[7], line[512];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defs;
	uint64_t deadline;
	size_t llen = 0, a = 0;
	int pfd[2], rc, have_error = 0, first = 1;
	pid_t pid;

	msg[0] = '\0';
	*status = 0;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		*status = errno;
		snprintf(msg, msglen, "pipe: %s", strerror(errno));
		return DOT_SPAWN;
	}
	argv[a++] = (char *)dot;
	if (extra)
		argv[a++] = (char *)extra;
	argv[a++] = (char *)"-Tsvg";
	argv[a++] = (char *)"-o";
	argv[a++] = (char *)tmp;
	argv[a++] = (char *)dot_path;
	argv[a] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	posix_spawnattr_init(&attr);
	/* the sensor blocks signals in its threads: dot gets a clean mask and default actions */
	sigemptyset(&none);
	sigemptyset(&defs);
	sigaddset(&defs, SIGPIPE);
	sigaddset(&defs, SIGINT);
	sigaddset(&defs, SIGTERM);
	sigaddset(&defs, SIGHUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defs);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, dot, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		*status = rc;
		snprintf(msg, msglen, "%s", strerror(rc));
		return DOT_SPAWN;
	}
	deadline = now_ms() + timeout_ms;
	/* read stderr line by line (drained to the end so dot never blocks on it) */
	for (;;) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		uint64_t t = now_ms();
		char buf[512];
		ssize_t n, i;

		if (t >= deadline)
			break;
		rc = poll(&pf, 1, (int)(deadline - t > 1000 ? 1000 : deadline - t));
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0)
			continue;
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n && !have_error; i++) {
			if (buf[i] != '\n' && buf[i] != '\r') {
				if (llen < sizeof(line) - 1)
					line[llen++] = buf[i];
				continue;
			}
			line[llen] = '\0';
			if (llen && (first || strncmp(line, "Error", 5) == 0)) {
				snprintf(msg, msglen, "%s", line);
				have_error = strncmp(line, "Error", 5) == 0;
				first = 0;
			}
			llen = 0;
		}
	}
	close(pfd[0]);
	if (llen && !have_error && (first || strncmp(line, "Error", 5) == 0)) {
		line[llen] = '\0'; /* a last line without its newline */
		snprintf(msg, msglen, "%s", line);
	}
	if (!reap(pid, deadline, status))
		return DOT_KILLED;
	return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? DOT_OK : DOT_FAILED;
}

/* "dot exited with status 1: Error: ..." for a DOT_FAILED run into out. */
static void
dot_failure(char *out, size_t len, int status, const char *msg)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "dot died of signal %d%s%s", WTERMSIG(status), *msg ? ": " : "", msg);
	else
		snprintf(out, len, "dot exited with status %d%s%s", WEXITSTATUS(status),
		         *msg ? ": " : "", msg);
}

int
ots_render_svg_timeout(const char *dot_path, const char *svg_path, unsigned timeout_ms,
                       char *err, size_t errlen)
{
	char dot[4096], tmp[4096], msg[512], why[700];
	enum dot_end end;
	int rc, status = 0, fell_back = 0;

	set_err(err, errlen, "%s", "");
	if (!find_dot(dot, sizeof(dot))) {
		set_err(err, errlen, "Graphviz dot not found (%s): map.svg not rendered",
		        getenv("OTS_DOT") && *getenv("OTS_DOT") ? "OTS_DOT" : "PATH");
		return OTS_RENDER_ENODOT;
	}
	rc = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", svg_path, (long)getpid());
	if (rc < 0 || (size_t)rc >= sizeof(tmp)) {
		set_err(err, errlen, "%s: path too long", svg_path);
		return OTS_EIO;
	}
	end = run_dot(dot, NULL, dot_path, tmp, timeout_ms, msg, sizeof(msg), &status);
	if (end == DOT_FAILED) {
		/* dot's cluster ranking fails on some graphs ("trouble in init_rank", "lost edge"):
		 * the network-simplex ranking of the whole graph does not go through it */
		unlink(tmp);
		dot_failure(why, sizeof(why), status, msg);
		fell_back = 1;
		end = run_dot(dot, OTS_RENDER_DOT_FALLBACK, dot_path, tmp, timeout_ms, msg, sizeof(msg),
		              &status);
	}
	switch (end) {
	case DOT_SPAWN:
		set_err(err, errlen, "%s: %s", dot, msg);
		return status == ENOENT || status == EACCES || status == ENOEXEC ? OTS_RENDER_ENODOT
		                                                                 : OTS_EIO;
	case DOT_KILLED:
		unlink(tmp);
		set_err(err, errlen, "%s: killed after %u ms (graph too large?)%s%s: %s not rendered",
		        dot_path, timeout_ms, fell_back ? " on the retry with " : "",
		        fell_back ? OTS_RENDER_DOT_FALLBACK : "", svg_path);
		return OTS_ELIMIT;
	case DOT_FAILED: {
		char why2[700];

		unlink(tmp);
		dot_failure(why2, sizeof(why2), status, msg);
		set_err(err, errlen, "%s: %s; the retry with %s failed too: %s", dot_path, why,
		        OTS_RENDER_DOT_FALLBACK, why2);
		return OTS_EIO;
	}
	case DOT_OK:
		break;
	}
	if (rename(tmp, svg_path) != 0) {
		set_err(err, errlen, "%s: %s", svg_path, strerror(errno));
		unlink(tmp);
		return OTS_EIO;
	}
	if (fell_back)
		set_err(err, errlen, "%s: %s; %s drawn by the retry with %s", dot_path, why, svg_path,
		        OTS_RENDER_DOT_FALLBACK);
	return OTS_OK;
}

int
ots_render_svg(const char *dot_path, const char *svg_path, char *err, size_t errlen)
{
	return ots_render_svg_timeout(dot_path, svg_path, OTS_RENDER_DOT_TIMEOUT_MS, err, errlen);
}

/* ---------------------------------------------------------------------------------------- */
/* HTML */

/*
 * Write s escaped for HTML text and quoted attribute values: & < > " ' and / as character
 * references (so no URL of the data is ever literal), control characters as spaces, invalid
 * UTF-8 as U+FFFD.
 */
static void
html_esc(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)nz(str), *run = s;
	size_t l;

	/* runs of text that needs no escape go out in one write: this runs for every cell of
	 * the report (tens of thousands) */
	while (*s) {
		if (*s >= 0x20 && *s < 0x7f && *s != '&' && *s != '<' && *s != '>' && *s != '"' &&
		    *s != '\'' && *s != '/') {
			s++;
			continue;
		}
		if (*s >= 0x80 && (l = ots_utf8_len(s, 4)) > 1) {
			s += l;
			continue;
		}
		if (s > run)
			fwrite(run, 1, (size_t)(s - run), f);
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '/': fputs("&#47;", f); break;
		default:
			if (*s >= 0x80)
				fputs("\xef\xbf\xbd", f); /* invalid UTF-8 */
			else
				putc(' ', f);        /* control character */
		}
		s++;
		run = s;
	}
	if (s > run)
		fwrite(run, 1, (size_t)(s - run), f);
}

static void
html_td(FILE *f, const char *s)
{
	fputs("<td>", f);
	html_esc(f, s);
	fputs("</td>", f);
}

/* Decimal digits of v ending at end; returns the first digit. */
static char *
dec_u64(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* Append the literal s (a string constant) at p; returns the end. */
#define PUT_LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

/* Append the decimal digits of v at p; returns the end. */
static char *
put_u64(char *p, uint64_t v)
{
	char b[20], *d = dec_u64(b + sizeof(b), v);
	size_t n = (size_t)(b + sizeof(b) - d);

	memcpy(p, d, n);
	return p + n;
}

/* The number cells are hand-formatted (no printf): the tables have thousands of rows. */
static void
html_td_u64(FILE *f, uint64_t v)
{
	char b[64], *p = b;

	p = PUT_LIT(p, "<td class=\"n\">");
	p = put_u64(p, v);
	p = PUT_LIT(p, "</td>");
	fwrite(b, 1, (size_t)(p - b), f);
}

/* Bytes as "1.2 MB" (integer math: no locale), sorted by the exact value. */
static void
html_td_bytes(FILE *f, uint64_t v)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	uint64_t whole = v, tenth = 0;
	unsigned u = 0;
	char b[128], *p = b;

	while (whole >= 1000 && u + 1 < OTS_ARRAY_LEN(unit)) {
		tenth = (whole % 1000) / 100;
		whole /= 1000;
		u++;
	}
	p = PUT_LIT(p, "<td class=\"n\" data-v=\"");
	p = put_u64(p, v);
	p = PUT_LIT(p, "\">");
	p = put_u64(p, whole);
	if (u == 0) {
		p = PUT_LIT(p, " B</td>");
	} else {
		*p++ = '.';
		p = put_u64(p, tenth);
		*p++ = ' ';
		memcpy(p, unit[u], strlen(unit[u]));
		p += strlen(unit[u]);
		p = PUT_LIT(p, "</td>");
	}
	fwrite(b, 1, (size_t)(p - b), f);
}

/* ns since epoch as ISO 8601 UTC to the second; 0 is shown empty. */
static void
html_td_time(FILE *f, uint64_t ns)
{
	char buf[28], b[128], *p = b;

	if (ns == 0) {
		fputs("<td data-v=\"0\"></td>", f);
		return;
	}
	ots_time_rfc3339(ns / 1000u, buf); /* one per cell: no gmtime/strftime */
	buf[19] = 'Z';                     /* to the second */
	p = PUT_LIT(p, "<td class=\"t\" data-v=\"");
	p = put_u64(p, ns);
	p = PUT_LIT(p, "\">");
	memcpy(p, buf, 20);
	p += 20;
	p = PUT_LIT(p, "</td>");
	fwrite(b, 1, (size_t)(p - b), f);
}

static void
html_th(FILE *f, const char *key, const char *label)
{
	fprintf(f, "<th data-key=\"%s\" title=\"sort\">%s</th>", key, label);
}

/*
 * Inline the svg text: from "<svg" on (no XML prolog or DOCTYPE), without the namespace
 * declarations (the HTML parser puts <svg> in its namespace), and with every "://" written
 * ":&#47;&#47;" so the page holds no literal URL.
 */
static void
html_svg(FILE *f, const char *svg, size_t len)
{
	const char *s = svg, *end = svg + len, *p, *tag_end, *run;

	for (p = s; p + 4 <= end && memcmp(p, "<svg", 4) != 0; p++)
		;
	if (p + 4 > end) {
		fputs("<p class=\"note\">map.svg could not be read</p>", f);
		return;
	}
	s = p;
	tag_end = memchr(s, '>', (size_t)(end - s));
	if (!tag_end)
		tag_end = end;
	/* text between the changes goes out in runs (the svg is hundreds of kB) */
	run = s;
	while (s < end) {
		if (s < tag_end && *s == ' ' && (size_t)(tag_end - s) > 7 && memcmp(s, " xmlns", 6) == 0 &&
		    (s[6] == '=' || s[6] == ':')) {
			/* skip the attribute: up to its closing quote */
			const char *q = memchr(s, '"', (size_t)(tag_end - s));
			const char *q2 = q ? memchr(q + 1, '"', (size_t)(tag_end - q - 1)) : NULL;

			if (q2) {
				if (s > run)
					fwrite(run, 1, (size_t)(s - run), f);
				s = q2 + 1;
				run = s;
				continue;
			}
		}
		if (end - s >= 3 && memcmp(s, "://", 3) == 0) {
			if (s > run)
				fwrite(run, 1, (size_t)(s - run), f);
			fputs(":&#47;&#47;", f);
			s += 3;
			run = s;
			continue;
		}
		if (s >= tag_end) {
			/* past the opening tag only "://" matters: on to the next ':' */
			const char *c = memchr(s + 1, ':', (size_t)(end - s - 1));

			s = c ? c : end;
			continue;
		}
		s++;
	}
	if (s > run)
		fwrite(run, 1, (size_t)(s - run), f);
}

static const char html_css[] =
	"*{box-sizing:border-box}"
	"body{font:13px/1.35 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
	"margin:0;color:#1d2430;background:#fff}"
	"header{background:#1f3a5f;color:#fff;padding:12px 20px}"
	"header h1{margin:0;font-size:20px}header p{margin:4px 0 0}"
	"header .counts span{display:inline-block;margin-right:16px;font-weight:600}"
	"nav{padding:6px 20px;background:#e9eef4;border-bottom:1px solid #c9d3de}"
	"nav a{margin-right:14px;color:#1f3a5f}"
	"section{padding:8px 20px}h2{font-size:16px;margin:10px 0 6px;color:#1f3a5f}"
	".map{overflow:auto;max-height:85vh;border:1px solid #c9d3de;background:#fff}"
	".map svg{display:block}.map.fit svg{width:100%;height:auto}"
	".map g.node{cursor:pointer}"
	".note{padding:12px;background:#fff8e1;border:1px solid #e6d38a;display:inline-block}"
	".tools{margin:4px 0}.tools input{padding:3px 6px;width:260px}"
	".tools button{margin-right:6px}.tools .shown{color:#555;margin-left:8px}"
	".wrap{overflow-x:auto}"
	"table{border-collapse:collapse;font-size:12px}"
	"th{background:#1f3a5f;color:#fff;text-align:left;padding:4px 6px;cursor:pointer;"
	"white-space:nowrap;position:sticky;top:0}"
	"th[aria-sort=ascending]::after{content:' \\25B2'}"
	"th[aria-sort=descending]::after{content:' \\25BC'}"
	"td{padding:3px 6px;border-bottom:1px solid #e3e8ee;vertical-align:top}"
	"tbody tr:nth-child(even){background:#f6f8fb}tbody tr:hover{background:#fff3c4}"
	"tr.hl{outline:2px solid #d62728}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}td.t{white-space:nowrap}"
	".sw{display:inline-block;width:10px;height:10px;border:1px solid #555;margin-right:5px;"
	"vertical-align:-1px}"
	"tr.engineering td:first-child{border-left:4px solid #6a3d9a}"
	"tr.write td:first-child{border-left:4px solid #f28e2b}"
	".sev-high,.sev-critical{color:#b00020;font-weight:600}.sev-medium{color:#b35c00}";

/* Sorting (numeric-aware, stable on the original order), filters, #sort=TABLE:[-]KEY, map
 * node click -> asset row. */
static const char html_js[] =
	"(function(){'use strict';\n"
	"var num=/^-?\\d+(\\.\\d+)?$/;\n"
	"function val(td){var v=td.getAttribute('data-v');return v!==null?v:td.textContent;}\n"
	"function cmp(a,b){if(num.test(a)&&num.test(b)){var x=parseFloat(a),y=parseFloat(b);"
	"return x<y?-1:x>y?1:0;}return a.localeCompare(b,undefined,{numeric:true,sensitivity:'base'});}\n"
	"function sortTable(t,key,desc){var ths=t.tHead.rows[0].cells,col=-1,i;\n"
	" for(i=0;i<ths.length;i++){ths[i].removeAttribute('aria-sort');"
	"if(ths[i].getAttribute('data-key')===key)col=i;}\n"
	" if(col<0)return false;\n"
	" var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);\n"
	" rows.sort(function(p,q){var c=cmp(val(p.cells[col]),val(q.cells[col]));if(desc)c=-c;"
	"return c||(+p.getAttribute('data-i'))-(+q.getAttribute('data-i'));});\n"
	" rows.forEach(function(r){tb.appendChild(r);});\n"
	" ths[col].setAttribute('aria-sort',desc?'descending':'ascending');\n"
	" document.body.setAttribute('data-sorted',t.getAttribute('data-name')+':'+(desc?'-':'')+key);\n"
	" return true;}\n"
	"Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){\n"
	" Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th){\n"
	"  th.addEventListener('click',function(){sortTable(t,th.getAttribute('data-key'),"
	"th.getAttribute('aria-sort')==='ascending');});});});\n"
	"Array.prototype.forEach.call(document.querySelectorAll('input[data-filter]'),function(inp){\n"
	" var t=document.getElementById(inp.getAttribute('data-filter')),out=inp.nextElementSibling;\n"
	" inp.addEventListener('input',function(){var q=inp.value.toLowerCase(),n=0;\n"
	"  Array.prototype.forEach.call(t.tBodies[0].rows,function(r){"
	"var h=q&&r.textContent.toLowerCase().indexOf(q)<0;r.hidden=h;if(!h)n++;});\n"
	"  out.textContent=q?n+' shown':'';});});\n"
	"var m=/(?:^#|&)sort=(\\w+):(-?)(\\w+)/.exec(location.hash);\n"
	"if(m){var st=document.getElementById(m[1]+'-table');if(st)sortTable(st,m[3],m[2]==='-');}\n"
	"var map=document.getElementById('map-view');\n"
	"if(map){var fit=document.getElementById('map-fit');\n"
	" if(fit)fit.addEventListener('click',function(){map.classList.toggle('fit');});\n"
	" map.addEventListener('click',function(e){var g=e.target.closest?e.target.closest('g.node'):null;\n"
	"  if(!g||!/^a\\d+$/.test(g.id))return;var row=document.getElementById('asset-'+g.id.slice(1));\n"
	"  if(!row)return;Array.prototype.forEach.call(document.querySelectorAll('tr.hl'),"
	"function(r){r.classList.remove('hl');});row.hidden=false;row.classList.add('hl');"
	"row.scrollIntoView({block:'center'});});}\n"
	"if(/(?:^#|&)layout/.test(location.hash)){var L={};\n"
	" if(map)map.style.maxHeight='2400px';/* same layout whatever the viewport height */\n"
	" function rect(k,el){if(el){var b=el.getBoundingClientRect();"
	"L[k]=[Math.round(b.left+scrollX),Math.round(b.top+scrollY),Math.round(b.width),Math.round(b.height)];}}\n"
	" rect('map',document.getElementById('map-view'));\n"
	" rect('assets_head',document.querySelector('#assets-table thead'));\n"
	" rect('header',document.querySelector('header'));\n"
	" document.body.setAttribute('data-layout',JSON.stringify(L));}\n"
	"})();\n";

static void
html_tools(FILE *f, const char *table)
{
	fprintf(f, "<div class=\"tools\"><input type=\"search\" placeholder=\"filter rows\" "
	        "data-filter=\"%s-table\" aria-label=\"filter\"><span class=\"shown\"></span></div>\n",
	        table);
}

static void
html_ops(FILE *f, uint32_t mask)
{
	unsigned k;
	int first = 1;

	for (k = 0; k < OTS_ARRAY_LEN(op_order); k++) {
		if (!(mask & (1u << op_order[k])))
			continue;
		if (!first)
			fputs(", ", f);
		fputs(ots_op_class_name((enum ots_op_class)op_order[k]), f);
		first = 0;
	}
}

int
ots_render_html(FILE *f, const struct ots_render *r, const char *svg, size_t svg_len)
{
	char row[64], *p; /* a row's opening tag */
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>otsensor report: ", f);
	html_esc(f, r->title);
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>otsensor report</h1>\n"
	        "<p class=\"title\">", html_css);
	html_esc(f, r->title);
	fputs("</p>\n<p>generated ", f);
	html_esc(f, r->generated);
	fprintf(f, "</p>\n<p class=\"counts\"><span id=\"n-assets\">%zu assets</span>"
	        "<span id=\"n-conduits\">%zu conduits</span><span id=\"n-alerts\">%zu alerts</span>"
	        "</p>\n</header>\n", r->n_assets, r->n_conduits, r->n_alerts);
	fputs("<nav><a href=\"#map\">Map</a><a href=\"#assets\">Assets</a>"
	      "<a href=\"#conduits\">Conduits</a><a href=\"#alerts\">Alerts</a></nav>\n", f);

	/* map */
	fputs("<section id=\"map\">\n<h2>Map</h2>\n", f);
	if (svg && svg_len) {
		if (r->map_note && *r->map_note) {
			fputs("<p class=\"note\" id=\"map-note\">", f);
			html_esc(f, r->map_note);
			fputs("</p>\n", f);
		}
		fputs("<div class=\"tools\"><button type=\"button\" id=\"map-fit\">fit width / "
		      "actual size</button>click a device to find it in the asset table</div>\n"
		      "<div class=\"map fit\" id=\"map-view\">\n", f);
		html_svg(f, svg, svg_len);
		fputs("\n</div>\n", f);
	} else {
		fputs("<p class=\"note\" id=\"map-note\">", f);
		html_esc(f, r->map_note ? r->map_note : "map.svg not rendered: Graphviz not installed");
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);

	/* assets */
	fprintf(f, "<section id=\"assets\">\n<h2>Assets (%zu)</h2>\n", r->n_assets);
	html_tools(f, "assets");
	fputs("<div class=\"wrap\"><table id=\"assets-table\" class=\"sortable\" data-name=\"assets\">"
	      "<thead><tr>", f);
	html_th(f, "name", "Name");
	html_th(f, "role", "Role");
	html_th(f, "group", "Group");
	html_th(f, "ips", "IPs");
	html_th(f, "macs", "MACs");
	html_th(f, "vendor", "Vendor");
	html_th(f, "model", "Model");
	html_th(f, "firmware", "Firmware");
	html_th(f, "serial", "Serial");
	html_th(f, "nic_vendor", "NIC vendor");
	html_th(f, "protocols", "Protocols");
	html_th(f, "country", "Country");
	html_th(f, "first_seen", "First seen");
	html_th(f, "last_seen", "Last seen");
	html_th(f, "packets", "Packets");
	html_th(f, "bytes", "Bytes");
	html_th(f, "id", "Id");
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < r->n_assets; i++) {
		const struct ots_render_asset *a = &r->assets[i];
		const struct role_style *rs = role_of(a->role);

		p = PUT_LIT(row, "<tr id=\"asset-");
		p = put_u64(p, i);
		p = PUT_LIT(p, "\" data-i=\"");
		p = put_u64(p, i);
		p = PUT_LIT(p, "\">");
		fwrite(row, 1, (size_t)(p - row), f);
		html_td(f, asset_name(r, i));
		fputs("<td data-v=\"", f);
		fputs(rs->name, f);
		fputs("\"><span class=\"sw\" style=\"background:", f);
		fputs(rs->fill, f);
		fputs("\"></span>", f);
		html_esc(f, *nz(a->role) ? a->role : "unknown");
		fputs("</td>", f);
		html_td(f, a->group);
		html_td(f, a->ips);
		html_td(f, a->macs);
		html_td(f, a->vendor);
		html_td(f, a->model);
		html_td(f, a->firmware);
		html_td(f, a->serial);
		html_td(f, a->nic_vendor);
		html_td(f, a->protocols);
		html_td(f, a->country);
		html_td_time(f, a->first_seen);
		html_td_time(f, a->last_seen);
		html_td_u64(f, a->packets);
		html_td_bytes(f, a->bytes);
		html_td(f, a->id);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n</section>\n", f);

	/* conduits */
	fprintf(f, "<section id=\"conduits\">\n<h2>Conduits (%zu)</h2>\n", r->n_conduits);
	html_tools(f, "conduits");
	fputs("<div class=\"wrap\"><table id=\"conduits-table\" class=\"sortable\" "
	      "data-name=\"conduits\"><thead><tr>", f);
	html_th(f, "src", "Initiator");
	html_th(f, "dst", "Responder");
	html_th(f, "protocol", "Protocol");
	html_th(f, "transport", "Transport");
	html_th(f, "port", "Port");
	html_th(f, "ops", "Operations");
	html_th(f, "functions", "Function codes");
	html_th(f, "packets_fwd", "Pkts &#8594;");
	html_th(f, "packets_rev", "Pkts &#8592;");
	html_th(f, "bytes_fwd", "Bytes &#8594;");
	html_th(f, "bytes_rev", "Bytes &#8592;");
	html_th(f, "first_seen", "First seen");
	html_th(f, "last_seen", "Last seen");
	html_th(f, "id", "Id");
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < r->n_conduits; i++) {
		const struct ots_render_conduit *c = &r->conduits[i];

		fputs("<tr class=\"", f);
		fputs(edge_styles[edge_class_of(c->op_mask)].name, f);
		p = PUT_LIT(row, "\" data-i=\"");
		p = put_u64(p, i);
		p = PUT_LIT(p, "\">");
		fwrite(row, 1, (size_t)(p - row), f);
		html_td(f, asset_name(r, c->src));
		html_td(f, asset_name(r, c->dst));
		html_td(f, c->protocol);
		html_td(f, c->transport);
		html_td_u64(f, c->port);
		fputs("<td>", f);
		html_ops(f, c->op_mask);
		fputs("</td>", f);
		html_td(f, c->function_codes);
		html_td_u64(f, c->packets[0]);
		html_td_u64(f, c->packets[1]);
		html_td_bytes(f, c->bytes[0]);
		html_td_bytes(f, c->bytes[1]);
		html_td_time(f, c->first_seen);
		html_td_time(f, c->last_seen);
		html_td(f, c->id);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n</section>\n", f);

	/* alerts */
	fprintf(f, "<section id=\"alerts\">\n<h2>Alerts (%zu)</h2>\n", r->n_alerts);
	if (r->n_alerts == 0) {
		fputs("<p class=\"note\" id=\"no-alerts\">no alerts</p>\n", f);
	} else {
		html_tools(f, "alerts");
		fputs("<div class=\"wrap\"><table id=\"alerts-table\" class=\"sortable\" "
		      "data-name=\"alerts\"><thead><tr>", f);
		html_th(f, "time", "Time");
		html_th(f, "severity", "Severity");
		html_th(f, "rule", "Rule");
		html_th(f, "summary", "Summary");
		html_th(f, "src", "Source");
		html_th(f, "dst", "Destination");
		fputs("</tr></thead>\n<tbody>\n", f);
		for (i = 0; i < r->n_alerts; i++) {
			const struct ots_render_alert *al = &r->alerts[i];

			p = PUT_LIT(row, "<tr data-i=\"");
			p = put_u64(p, i);
			p = PUT_LIT(p, "\">");
			fwrite(row, 1, (size_t)(p - row), f);
			html_td(f, al->time);
			fputs("<td class=\"sev-", f);
			html_esc(f, al->severity);
			fputs("\">", f);
			html_esc(f, al->severity);
			fputs("</td>", f);
			html_td(f, al->rule);
			html_td(f, al->summary);
			html_td(f, al->src);
			html_td(f, al->dst);
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table></div>\n", f);
	}
	fprintf(f, "</section>\n<script>%s</script>\n</body>\n</html>\n", html_js);
	return ferror(f) || fflush(f) ? OTS_EIO : OTS_OK;
}
