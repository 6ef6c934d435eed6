/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules.c: the detection rule language (rules/README.md): a line-oriented parser with
 * FILE:LINE:COLUMN errors, load-time validation against the dissectors' function catalogs, op
 * classes, flags, roles and zones, and the match the workers run per operation.
 *
 * Why a line language and not YAML: a rule is a handful of conditions, people write many of
 * them, and an error must point at the value that is wrong; one statement per line keeps both
 * the parser small and the messages exact. Every value is resolved at load (protocol names to
 * ids, classes and flags to bits, CIDRs to prefixes), so the match on the packet path is
 * integer compares plus, for function names, a short string compare.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ots/asset-t.h"
#include "ots/compiler.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rules.h"
#include "ots/zones.h"

#define RULES_MAX_FILE (16u << 20)   /* bytes of one rules file */
#define RULES_MAX_RULES 100000
#define RULES_MAX_VALUES 4096        /* values of one condition */
#define RULES_MAX_STR 1024           /* bytes of a string or word */

static const char *const field_names[OTS_RF__COUNT] = {
	[OTS_RF_PROTOCOL] = "protocol", [OTS_RF_FUNCTION] = "function",
	[OTS_RF_FUNCTION_CODE] = "function.code", [OTS_RF_CLASS] = "class",
	[OTS_RF_DIRECTION] = "direction", [OTS_RF_UNIT] = "unit", [OTS_RF_ADDRESS] = "address",
	[OTS_RF_QUALIFIER] = "qualifier", [OTS_RF_EXCEPTION] = "exception",
	[OTS_RF_EXCEPTION_CODE] = "exception.code", [OTS_RF_FLAG] = "flag",
	[OTS_RF_REASON] = "reason", [OTS_RF_TRANSPORT] = "transport",
	[OTS_RF_ANSWERED] = "answered", [OTS_RF_CHANGE] = "change",
	[OTS_RF_SRC_IP] = "source.ip", [OTS_RF_DST_IP] = "destination.ip",
	[OTS_RF_SRC_PORT] = "source.port", [OTS_RF_DST_PORT] = "destination.port",
	[OTS_RF_SRC_MAC] = "source.mac", [OTS_RF_DST_MAC] = "destination.mac",
	[OTS_RF_VLAN] = "vlan", [OTS_RF_SRC_ZONE] = "source.zone",
	[OTS_RF_DST_ZONE] = "destination.zone", [OTS_RF_SRC_ROLE] = "source.role",
	[OTS_RF_DST_ROLE] = "destination.role", [OTS_RF_SRC_CAST] = "source.cast",
	[OTS_RF_DST_CAST] = "destination.cast",
};

#define ON(x) (1u << (x))
#define ON_ALL (ON(OTS_RON_OP) | ON(OTS_RON_FLAG) | ON(OTS_RON_FLOW) | ON(OTS_RON_ASSET))
#define ON_PKT (ON(OTS_RON_OP) | ON(OTS_RON_FLAG) | ON(OTS_RON_FLOW))

/* Which `on` kinds have the field. */
static const uint8_t field_on[OTS_RF__COUNT] = {
	[OTS_RF_PROTOCOL] = ON_PKT, [OTS_RF_FUNCTION] = ON(OTS_RON_OP),
	[OTS_RF_FUNCTION_CODE] = ON(OTS_RON_OP), [OTS_RF_CLASS] = ON(OTS_RON_OP),
	[OTS_RF_DIRECTION] = ON(OTS_RON_OP), [OTS_RF_UNIT] = ON(OTS_RON_OP),
	[OTS_RF_ADDRESS] = ON(OTS_RON_OP), [OTS_RF_QUALIFIER] = ON(OTS_RON_OP),
	[OTS_RF_EXCEPTION] = ON(OTS_RON_OP), [OTS_RF_EXCEPTION_CODE] = ON(OTS_RON_OP),
	[OTS_RF_FLAG] = ON(OTS_RON_FLAG), [OTS_RF_REASON] = ON(OTS_RON_FLAG),
	[OTS_RF_TRANSPORT] = ON_PKT, [OTS_RF_ANSWERED] = ON(OTS_RON_FLOW),
	[OTS_RF_CHANGE] = ON(OTS_RON_ASSET), [OTS_RF_SRC_IP] = ON_ALL, [OTS_RF_DST_IP] = ON_PKT,
	[OTS_RF_SRC_PORT] = ON_PKT, [OTS_RF_DST_PORT] = ON_PKT, [OTS_RF_SRC_MAC] = ON_ALL,
	[OTS_RF_DST_MAC] = ON_PKT, [OTS_RF_VLAN] = ON_ALL, [OTS_RF_SRC_ZONE] = ON_ALL,
	[OTS_RF_DST_ZONE] = ON_PKT, [OTS_RF_SRC_ROLE] = ON_ALL, [OTS_RF_DST_ROLE] = ON_PKT,
	[OTS_RF_SRC_CAST] = ON_PKT, [OTS_RF_DST_CAST] = ON_PKT,
};

static const char *const on_names[OTS_RON__COUNT] = { "op", "flag", "flow", "asset" };
static const char *const change_names[OTS_CHG__COUNT] = {
	[OTS_CHG_NEW_ASSET] = "new_asset", [OTS_CHG_ROLE] = "role_change",
	[OTS_CHG_ATTRIBUTE] = "attribute_change", [OTS_CHG_IP_MAC] = "ip_mac_change",
};
static const char *const role_names[OTS_ROLE__COUNT] = {
	"unknown", "plc", "rtu", "hmi", "engineering", "historian", "network", "it"
};
enum { TR_TCP = 0, TR_UDP = 1, TR_ETHER = 2, TR_OTHER = 3 };
static const char *const cast_names[] = { "unicast", "broadcast", "multicast" };
static const char *const transport_names[] = { "tcp", "udp", "ether", "other" };

const char *
ots_rule_on_name(unsigned on)
{
	return on < OTS_RON__COUNT ? on_names[on] : "unknown";
}

const char *
ots_change_kind_name(unsigned k)
{
	return k < OTS_CHG__COUNT ? change_names[k] : "unknown";
}

const char *
ots_severity_name(unsigned sev)
{
	return sev >= 90 ? "critical" : sev >= 70 ? "high" : sev >= 40 ? "medium" : "low";
}

/* ---------------------------------------------------------------- tokens */

enum tok_kind { T_EOL = 0, T_WORD, T_STR, T_LBRACE, T_RBRACE, T_EOF };

struct tok {
	enum tok_kind kind;
	char *s;                 /* T_WORD, T_STR: NUL-terminated copy in the parser's buffer */
	unsigned line, col;
};

struct pctx {
	const char *name;        /* file name in messages */
	const char *p, *end;
	unsigned line;
	const char *line_start;
	char *err;
	size_t errlen;
	struct ots_rules *rs;
	const struct ots_zones *zones;
	char sbuf[RULES_MAX_STR + 1];
	struct tok t;            /* current token */
	int have;                /* t holds a token not consumed yet */
};

static int OTS_PRINTF(4, 5)
perr(struct pctx *c, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err && c->errlen) {
		n = snprintf(c->err, c->errlen, "%s:%u:%u: ", c->name, line, col);
		if (n >= 0 && (size_t)n < c->errlen) {
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return OTS_EINVAL;
}

static unsigned
colno(const struct pctx *c, const char *at)
{
	return (unsigned)(at - c->line_start) + 1;
}

/* Next token; words are runs of printable characters other than blanks, quotes, braces and
 * '#'. Non-ASCII or control bytes are an error (rule files are ASCII; UTF-8 only in strings). */
static int
next(struct pctx *c, struct tok *t)
{
	const char *s;
	size_t n = 0;

	if (c->have) {
		*t = c->t;
		c->have = 0;
		return OTS_OK;
	}
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
	if (c->p < c->end && *c->p == '#')
		while (c->p < c->end && *c->p != '\n')
			c->p++;
	t->line = c->line;
	t->col = colno(c, c->p);
	t->s = NULL;
	if (c->p >= c->end) {
		t->kind = T_EOF;
		return OTS_OK;
	}
	s = c->p;
	if (*s == '\n') {
		c->p++;
		c->line++;
		c->line_start = c->p;
		t->kind = T_EOL;
		return OTS_OK;
	}
	if (*s == '{' || *s == '}') {
		c->p++;
		t->kind = *s == '{' ? T_LBRACE : T_RBRACE;
		return OTS_OK;
	}
	if (*s == '"') {
		c->p++;
		while (c->p < c->end && *c->p != '"') {
			unsigned char ch = (unsigned char)*c->p;

			if (ch == '\n')
				return perr(c, t->line, t->col, "string not closed on its line");
			if (ch == '\\') {
				if (c->p + 1 >= c->end || (c->p[1] != '"' && c->p[1] != '\\'))
					return perr(c, c->line, colno(c, c->p),
					            "unknown escape (only \\\" and \\\\)");
				c->p++;
				ch = (unsigned char)*c->p;
			} else if (ch < 0x20 || ch == 0x7f) {
				return perr(c, c->line, colno(c, c->p), "control character in string");
			}
			if (n >= RULES_MAX_STR)
				return perr(c, t->line, t->col, "string longer than %u bytes",
				            RULES_MAX_STR);
			c->sbuf[n++] = (char)ch;
			c->p++;
		}
		if (c->p >= c->end)
			return perr(c, t->line, t->col, "string not closed");
		c->p++;
		c->sbuf[n] = '\0';
		t->kind = T_STR;
		t->s = c->sbuf;
		return OTS_OK;
	}
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '"' || ch == '{' ||
		    ch == '}' || ch == '#')
			break;
		if (ch < 0x21 || ch > 0x7e)
			return perr(c, c->line, colno(c, c->p),
			            "unexpected byte 0x%02x (rule files are ASCII outside strings)", ch);
		if (n >= RULES_MAX_STR)
			return perr(c, t->line, t->col, "word longer than %u bytes", RULES_MAX_STR);
		c->sbuf[n++] = (char)ch;
		c->p++;
	}
	c->sbuf[n] = '\0';
	t->kind = T_WORD;
	t->s = c->sbuf;
	return OTS_OK;
}

static void
unget(struct pctx *c, const struct tok *t)
{
	c->t = *t;
	c->have = 1;
}

/* The rest of the statement's words (until the end of line), copied. */
struct words {
	char **v;
	unsigned *col;
	uint32_t n, cap;
	unsigned line;
};

static void
words_free(struct words *w)
{
	uint32_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	free(w->col);
	memset(w, 0, sizeof(*w));
}

static int
read_words(struct pctx *c, struct words *w, int strings_ok)
{
	struct tok t;
	int rc;

	for (;;) {
		if ((rc = next(c, &t)) != OTS_OK)
			return rc;
		if (t.kind == T_EOL || t.kind == T_EOF || t.kind == T_RBRACE) {
			unget(c, &t);
			return OTS_OK;
		}
		if (t.kind == T_LBRACE)
			return perr(c, t.line, t.col, "unexpected '{'");
		if (t.kind == T_STR && !strings_ok)
			return perr(c, t.line, t.col, "a word was expected, not a string");
		if (w->n >= RULES_MAX_VALUES + 3)   /* + RULE-ID FIELD not */
			return perr(c, t.line, t.col, "more than %u values", RULES_MAX_VALUES);
		if (w->n == w->cap) {
			uint32_t cap = w->cap ? w->cap * 2 : 8;
			char **v = realloc(w->v, cap * sizeof(*v));
			unsigned *col;

			if (!v)
				return OTS_ENOMEM;
			w->v = v;
			col = realloc(w->col, cap * sizeof(*col));
			if (!col)
				return OTS_ENOMEM;
			w->col = col;
			w->cap = cap;
		}
		w->v[w->n] = strdup(t.s);
		if (!w->v[w->n])
			return OTS_ENOMEM;
		w->col[w->n++] = t.col;
	}
}

/* ---------------------------------------------------------------- values */

static int
parse_u64(const char *s, uint64_t *out)
{
	char *e;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &e, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || *e)
		return -1;
	*out = v;
	return 0;
}

static int
parse_range(const char *s, uint64_t max, struct ots_rule_range *r)
{
	const char *dash = strchr(s, '-');
	char a[64];

	if (dash) {
		size_t n = (size_t)(dash - s);

		if (n == 0 || n >= sizeof(a))
			return -1;
		memcpy(a, s, n);
		a[n] = '\0';
		if (parse_u64(a, &r->lo) || parse_u64(dash + 1, &r->hi) || r->lo > r->hi)
			return -1;
	} else {
		if (parse_u64(s, &r->lo))
			return -1;
		r->hi = r->lo;
	}
	return r->hi <= max ? 0 : -1;
}

static int
hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Exactly six pairs of hex digits separated by ':'. */
static int
parse_mac(const char *s, uint8_t m[6])
{
	unsigned i;

	if (strlen(s) != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Duration: a number with ms, s, m or h, in microseconds. */
static int
parse_duration(const char *s, uint64_t *us)
{
	static const struct { const char *suf; uint64_t mul; } u[] = {
		{ "ms", 1000 }, { "s", 1000000 }, { "m", 60000000 }, { "h", UINT64_C(3600000000) }
	};
	size_t n = strlen(s), i, k;
	char num[32];
	uint64_t v;

	for (i = 0; i < OTS_ARRAY_LEN(u); i++) {
		k = strlen(u[i].suf);
		if (n <= k || strcmp(s + n - k, u[i].suf) != 0 || n - k >= sizeof(num))
			continue;
		memcpy(num, s, n - k);
		num[n - k] = '\0';
		if (parse_u64(num, &v) || v == 0 || v > UINT64_C(7) * 24 * 3600000000 / u[i].mul)
			return -1;
		*us = v * u[i].mul;
		return 0;
	}
	return -1;
}

static int
name_index(const char *const *names, unsigned n, const char *s)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static void
list_names(const char *const *names, unsigned n, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		int k;

		if (!names[i])
			continue;
		k = snprintf(buf + off, len - off, "%s%s", off ? " " : "", names[i]);
		if (k < 0)
			break;
		off += (size_t)k;
	}
}

static int
word_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '-' && *s != '.')
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- conditions */

static void
cond_free(struct ots_rule_cond *k)
{
	uint32_t i;

	free(k->ranges);
	free(k->nets);
	free(k->macs);
	if (k->strs)
		for (i = 0; i < k->n; i++)
			free(k->strs[i]);
	free(k->strs);
	free(k->zones);
	free(k->hashes);
	memset(k, 0, sizeof(*k));
}

static const char *class_names[OTS_OP__COUNT];
static const char *flag_names[OTS_FLAG__COUNT];

static void
names_init(void)
{
	unsigned i;

	for (i = 0; i < OTS_OP__COUNT; i++)
		class_names[i] = ots_op_class_name((enum ots_op_class)i);
	for (i = 0; i < OTS_FLAG__COUNT; i++)
		flag_names[i] = ots_ics_flag_name((enum ots_ics_flag)i);
}

/* One value into a bit set of names; on error explain with the list. */
static int
bit_value(struct pctx *c, struct ots_rule_cond *k, const char *const *names, unsigned n,
          const char *v, unsigned line, unsigned col, const char *what)
{
	char list[512];
	int i = name_index(names, n, v);

	if (i < 0) {
		list_names(names, n, list, sizeof(list));
		return perr(c, line, col, "unknown %s '%s' (one of: %s)", what, v, list);
	}
	k->bits |= UINT64_C(1) << i;
	return OTS_OK;
}

/* Parse "FIELD [not] VALUE..." (w holds the words after the keyword). */
static int
parse_cond(struct pctx *c, struct words *w, unsigned kw_col, struct ots_rule_cond *k)
{
	uint32_t i, first = 1;
	int f, rc = OTS_OK;
	char list[1024];

	memset(k, 0, sizeof(*k));
	k->line = w->line;
	k->col = kw_col;
	if (w->n == 0)
		return perr(c, w->line, kw_col, "a field is missing");
	f = name_index(field_names, OTS_RF__COUNT, w->v[0]);
	if (f < 0) {
		list_names(field_names, OTS_RF__COUNT, list, sizeof(list));
		return perr(c, w->line, w->col[0], "unknown field '%s' (one of: %s)", w->v[0], list);
	}
	k->field = (uint8_t)f;
	k->col = w->col[0];
	if (w->n > 1 && strcmp(w->v[1], "not") == 0) {
		k->negate = 1;
		first = 2;
	}
	if (f == OTS_RF_EXCEPTION) {
		if (w->n > first)
			return perr(c, w->line, w->col[first], "'exception' takes no value");
		return OTS_OK;
	}
	if (w->n <= first)
		return perr(c, w->line, w->col[0], "'%s' needs a value", w->v[0]);
	k->n = w->n - first;
	if (k->n > RULES_MAX_VALUES) {
		k->n = 0;
		return perr(c, w->line, w->col[first + RULES_MAX_VALUES], "more than %u values",
		            RULES_MAX_VALUES);
	}
	switch (f) {
	case OTS_RF_FUNCTION_CODE: case OTS_RF_UNIT: case OTS_RF_ADDRESS: case OTS_RF_QUALIFIER:
	case OTS_RF_EXCEPTION_CODE: case OTS_RF_SRC_PORT: case OTS_RF_DST_PORT: case OTS_RF_VLAN:
		k->ranges = calloc(k->n, sizeof(*k->ranges));
		if (!k->ranges)
			return OTS_ENOMEM;
		break;
	case OTS_RF_SRC_IP: case OTS_RF_DST_IP:
		k->nets = calloc(k->n, sizeof(*k->nets));
		if (!k->nets)
			return OTS_ENOMEM;
		break;
	case OTS_RF_SRC_MAC: case OTS_RF_DST_MAC:
		k->macs = calloc(k->n, sizeof(*k->macs));
		if (!k->macs)
			return OTS_ENOMEM;
		break;
	case OTS_RF_FUNCTION: case OTS_RF_REASON: case OTS_RF_SRC_ZONE: case OTS_RF_DST_ZONE:
		k->strs = calloc(k->n, sizeof(*k->strs));
		if (!k->strs)
			return OTS_ENOMEM;
		if (f == OTS_RF_SRC_ZONE || f == OTS_RF_DST_ZONE) {
			k->zones = calloc(k->n, sizeof(*k->zones));
			if (!k->zones)
				return OTS_ENOMEM;
		}
		break;
	default:
		break;
	}
	for (i = 0; i < k->n && rc == OTS_OK; i++) {
		const char *v = w->v[first + i];
		unsigned col = w->col[first + i];
		uint64_t max = UINT32_MAX;
		const struct ots_dissector *d;
		struct ots_cidr cidr;
		char why[128];

		switch (f) {
		case OTS_RF_PROTOCOL:
			if (strcmp(v, "none") == 0) {
				k->bits |= 1;
				break;
			}
			d = ots_dissector_by_name(v);
			if (!d || d->id >= OTS_ICS_PROTO_SLOTS) {
				size_t off = 0, x;

				list[0] = '\0';
				for (x = 0; x < ots_dissectors_count && off < sizeof(list); x++) {
					int m = snprintf(list + off, sizeof(list) - off, "%s ",
					                 ots_dissectors[x]->name);

					if (m < 0)
						break;
					off += (size_t)m;
				}
				rc = perr(c, w->line, col, "unknown protocol '%s' (one of: %snone)", v, list);
				break;
			}
			k->bits |= UINT64_C(1) << d->id;
			break;
		case OTS_RF_FUNCTION:
			if (!word_ok(v)) {
				rc = perr(c, w->line, col, "'%s' is not a function name", v);
				break;
			}
			if (!k->hashes && !(k->hashes = calloc(k->n, sizeof(*k->hashes)))) {
				rc = OTS_ENOMEM;
				break;
			}
			k->hashes[i] = ots_rules_name_hash(v);
			/* fallthrough */
		case OTS_RF_REASON:
			if (f == OTS_RF_REASON && !word_ok(v)) {
				rc = perr(c, w->line, col, "'%s' is not a reason word", v);
				break;
			}
			k->strs[i] = strdup(v);
			if (!k->strs[i])
				rc = OTS_ENOMEM;
			break;
		case OTS_RF_SRC_ZONE: case OTS_RF_DST_ZONE:
			k->strs[i] = strdup(v);
			if (!k->strs[i]) {
				rc = OTS_ENOMEM;
				break;
			}
			if (strcmp(v, "unzoned") == 0) {
				k->zones[i] = -1;
			} else if (strcmp(v, "internet") == 0) {
				k->zones[i] = -2;
			} else if (!c->zones) {
				rc = perr(c, w->line, col, "zone '%s' needs a zones file (-z)", v);
			} else if ((k->zones[i] = ots_zones_find(c->zones, v)) < 0) {
				rc = perr(c, w->line, col, "unknown zone '%s' (not in %s)", v,
				          c->zones->path ? c->zones->path : "the zones file");
			}
			break;
		case OTS_RF_CLASS:
			rc = bit_value(c, k, class_names, OTS_OP__COUNT, v, w->line, col, "op class");
			break;
		case OTS_RF_FLAG:
			rc = bit_value(c, k, flag_names, OTS_FLAG__COUNT, v, w->line, col, "flag");
			break;
		case OTS_RF_DIRECTION: {
			static const char *const d2[] = { "request", "response" };

			rc = bit_value(c, k, d2, 2, v, w->line, col, "direction");
			break;
		}
		case OTS_RF_ANSWERED: {
			static const char *const yn[] = { "no", "yes" };

			rc = bit_value(c, k, yn, 2, v, w->line, col, "value");
			break;
		}
		case OTS_RF_TRANSPORT:
			rc = bit_value(c, k, transport_names, 4, v, w->line, col, "transport");
			break;
		case OTS_RF_SRC_CAST: case OTS_RF_DST_CAST:
			rc = bit_value(c, k, cast_names, 3, v, w->line, col, "cast");
			break;
		case OTS_RF_CHANGE:
			rc = bit_value(c, k, change_names, OTS_CHG__COUNT, v, w->line, col, "change");
			break;
		case OTS_RF_SRC_ROLE: case OTS_RF_DST_ROLE:
			rc = bit_value(c, k, role_names, OTS_ROLE__COUNT, v, w->line, col, "role");
			break;
		case OTS_RF_SRC_IP: case OTS_RF_DST_IP:
			if (ots_cidr_parse(v, &cidr, why, sizeof(why)) != OTS_OK) {
				rc = perr(c, w->line, col, "'%s': %s", v, why);
				break;
			}
			memcpy(k->nets[i].addr, cidr.addr, 16);
			k->nets[i].len = cidr.len;
			break;
		case OTS_RF_SRC_MAC: case OTS_RF_DST_MAC:
			if (parse_mac(v, k->macs[i]))
				rc = perr(c, w->line, col, "'%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", v);
			break;
		case OTS_RF_SRC_PORT: case OTS_RF_DST_PORT:
			max = 65535;
			/* fallthrough */
		default:
			if (f == OTS_RF_VLAN)
				max = 4095;
			if (parse_range(v, max, &k->ranges[i]))
				rc = perr(c, w->line, col, "'%s' is not a number or range N-M (0-%llu)", v,
				          (unsigned long long)max);
			break;
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- rules */

static void
rule_free(struct ots_rule *r)
{
	uint32_t i;

	free(r->id);
	free(r->name);
	free(r->message);
	for (i = 0; i < r->n_techniques; i++)
		free(r->techniques[i]);
	free(r->techniques);
	for (i = 0; i < r->n_conds; i++)
		cond_free(&r->conds[i]);
	free(r->conds);
	for (i = 0; i < r->n_supp; i++)
		cond_free(&r->supp[i]);
	free(r->supp);
	free(r->order);
	memset(r, 0, sizeof(*r));
}

static int
cond_push(struct ots_rule_cond **v, uint32_t *n, const struct ots_rule_cond *k)
{
	struct ots_rule_cond *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return OTS_ENOMEM;
	*v = p;
	p[(*n)++] = *k;
	return OTS_OK;
}

static int
id_ok(const char *s)
{
	if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' &&
		    *s != '_' && *s != '.')
			return 0;
	return 1;
}

static int
technique_ok(const char *s)
{
	size_t n = strlen(s), i;

	if ((n != 5 && n != 9) || s[0] != 'T')
		return 0;
	for (i = 1; i < 5; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (n == 9) {
		if (s[5] != '.')
			return 0;
		for (i = 6; i < 9; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
	}
	return 1;
}

/* A function name must exist in at least one protocol the rule names. */
static int
check_functions(struct pctx *c, const struct ots_rule *r, const struct ots_rule_cond *k)
{
	uint64_t protos = 0;
	uint32_t i, x;

	for (i = 0; i < r->n_conds; i++)
		if (r->conds[i].field == OTS_RF_PROTOCOL && !r->conds[i].negate)
			protos = r->conds[i].bits;
	if (!protos || protos == 1)
		return perr(c, k->line, k->col,
		            "'function' needs a 'match protocol' line naming the protocol(s) whose "
		            "function names these are");
	for (i = 0; i < k->n; i++) {
		int found = 0;

		for (x = 1; x < OTS_ICS_PROTO_SLOTS && !found; x++) {
			const struct ots_dissector *d;
			struct ots_fn_desc fd;

			if (!(protos & (UINT64_C(1) << x)))
				continue;
			d = ots_dissector_by_id((uint16_t)x);
			found = d && ots_dissector_function(d, k->strs[i], &fd);
		}
		if (!found)
			return perr(c, k->line, k->col,
			            "no protocol of this rule has a function '%s' (otsensor "
			            "--list-functions lists them)", k->strs[i]);
	}
	return OTS_OK;
}

static int
check_rule(struct pctx *c, struct ots_rule *r, unsigned line, unsigned col)
{
	uint32_t i;

	if (!r->name)
		return perr(c, line, col, "rule %s has no 'name'", r->id);
	if (!r->severity)
		return perr(c, line, col, "rule %s has no 'severity'", r->id);
	if (!r->message)
		return perr(c, line, col, "rule %s has no 'message'", r->id);
	for (i = 0; i < r->n_conds + r->n_supp; i++) {
		const struct ots_rule_cond *k = i < r->n_conds ? &r->conds[i] : &r->supp[i - r->n_conds];
		int rc;

		if (!(field_on[k->field] & ON(r->on)))
			return perr(c, k->line, k->col, "field '%s' does not exist for 'on %s'",
			            field_names[k->field], on_names[r->on]);
		if (k->field == OTS_RF_FUNCTION && (rc = check_functions(c, r, k)) != OTS_OK)
			return rc;
		if (k->field == OTS_RF_SRC_ZONE || k->field == OTS_RF_DST_ZONE ||
		    k->field == OTS_RF_SRC_ROLE || k->field == OTS_RF_DST_ROLE)
			r->deferred = 1;
	}
	if (r->thr_n) {
		if (r->on == OTS_RON_ASSET)
			return perr(c, line, col, "rule %s: thresholds do not apply to 'on asset'", r->id);
		if ((r->thr_distinct == OTS_RD_FUNCTION || r->thr_distinct == OTS_RD_UNIT) &&
		    r->on != OTS_RON_OP)
			return perr(c, line, col, "rule %s: distinct %s needs 'on op'", r->id,
			            r->thr_distinct == OTS_RD_FUNCTION ? "function" : "unit");
	}
	return OTS_OK;
}

static int
parse_threshold(struct pctx *c, struct ots_rule *r, struct words *w, unsigned kw_col)
{
	static const char *const dnames[] = { NULL, "destination", "destination.port", "function",
		                              "unit", "source" };
	static const char *const keys[] = { "source", "destination", "conduit" };
	uint32_t i = 0;
	uint64_t n;

	if (r->thr_n)
		return perr(c, w->line, kw_col, "a rule has one 'threshold'");
	if (w->n < 1 || (strcmp(w->v[0], "count") != 0 && strcmp(w->v[0], "distinct") != 0))
		return perr(c, w->line, w->n ? w->col[0] : kw_col,
		            "threshold is 'count N within TIME' or 'distinct FIELD N within TIME'");
	if (strcmp(w->v[0], "distinct") == 0) {
		int d;

		if (w->n < 2)
			return perr(c, w->line, w->col[0], "distinct needs a field");
		d = name_index(dnames, OTS_ARRAY_LEN(dnames), w->v[1]);
		if (d <= 0)
			return perr(c, w->line, w->col[1],
			            "distinct counts destination, destination.port, function, unit or "
			            "source, not '%s'", w->v[1]);
		r->thr_distinct = (uint8_t)d;
		i = 2;
	} else {
		i = 1;
	}
	if (i >= w->n || parse_u64(w->v[i], &n) || n < 1 || n > 1000000)
		return perr(c, w->line, i < w->n ? w->col[i] : kw_col, "a count 1-1000000 is expected");
	if (n < 2 && r->thr_distinct)
		return perr(c, w->line, w->col[i], "a distinct threshold needs at least 2");
	r->thr_n = (uint32_t)n;
	i++;
	if (i + 1 >= w->n || strcmp(w->v[i], "within") != 0)
		return perr(c, w->line, i < w->n ? w->col[i] : kw_col, "'within TIME' is expected");
	if (parse_duration(w->v[i + 1], &r->thr_window_us))
		return perr(c, w->line, w->col[i + 1],
		            "'%s' is not a duration (number with ms, s, m or h; at most 7 days)",
		            w->v[i + 1]);
	i += 2;
	r->thr_by = OTS_RK_SOURCE | OTS_RK_DESTINATION;
	if (i < w->n) {
		if (strcmp(w->v[i], "by") != 0 || i + 1 >= w->n)
			return perr(c, w->line, w->col[i], "'by KEY...' is expected");
		r->thr_by = 0;
		for (i++; i < w->n; i++) {
			int k = name_index(keys, 3, w->v[i]);

			if (k < 0)
				return perr(c, w->line, w->col[i],
				            "group key is source, destination or conduit, not '%s'", w->v[i]);
			r->thr_by |= (uint8_t)(1u << k);
		}
	}
	return OTS_OK;
}

/* Statements of a rule block until '}'. */
static int
parse_block(struct pctx *c, struct ots_rule *r, unsigned bline, unsigned bcol)
{
	struct tok t;
	int rc;

	for (;;) {
		struct words w;
		char kw[32];
		unsigned kl, kc;

		if ((rc = next(c, &t)) != OTS_OK)
			return rc;
		if (t.kind == T_EOL)
			continue;
		if (t.kind == T_EOF)
			return perr(c, bline, bcol, "rule %s: '}' is missing", r->id);
		if (t.kind == T_RBRACE)
			return OTS_OK;
		if (t.kind != T_WORD)
			return perr(c, t.line, t.col, "a statement keyword was expected");
		if (strlen(t.s) >= sizeof(kw))
			return perr(c, t.line, t.col, "unknown statement '%.32s'", t.s);
		snprintf(kw, sizeof(kw), "%s", t.s);
		kl = t.line;
		kc = t.col;
		memset(&w, 0, sizeof(w));
		w.line = kl;
		rc = read_words(c, &w, strcmp(kw, "name") == 0 || strcmp(kw, "message") == 0);
		if (rc != OTS_OK)
			goto done;
		if (strcmp(kw, "name") == 0 || strcmp(kw, "message") == 0) {
			char **dst = kw[0] == 'n' ? &r->name : &r->message;

			if (*dst) {
				rc = perr(c, kl, kc, "'%s' given twice", kw);
			} else if (w.n != 1 || !w.v[0][0]) {
				rc = perr(c, kl, kc, "'%s' takes one non-empty quoted string", kw);
			} else {
				*dst = w.v[0];
				w.v[0] = NULL;
				w.n = 0;
			}
		} else if (strcmp(kw, "severity") == 0) {
			static const char *const sev[] = { "low", "medium", "high", "critical" };
			static const uint8_t sevv[] = { 25, 50, 75, 99 };
			int s = w.n == 1 ? name_index(sev, 4, w.v[0]) : -1;
			uint64_t num;

			if (r->severity)
				rc = perr(c, kl, kc, "'severity' given twice");
			else if (s >= 0)
				r->severity = sevv[s];
			else if (w.n == 1 && !parse_u64(w.v[0], &num) && num >= 1 && num <= 100)
				r->severity = (uint8_t)num;
			else
				rc = perr(c, kl, w.n ? w.col[0] : kc,
				          "severity is low, medium, high, critical or 1-100");
		} else if (strcmp(kw, "technique") == 0) {
			uint32_t i;

			if (w.n == 0)
				rc = perr(c, kl, kc, "'technique' needs ATT&CK ids (T0855 ...)");
			for (i = 0; i < w.n && rc == OTS_OK; i++)
				if (!technique_ok(w.v[i]))
					rc = perr(c, kl, w.col[i], "'%s' is not an ATT&CK technique id "
					          "(T0855, T0855.001)", w.v[i]);
			if (rc == OTS_OK) {
				char **v = realloc(r->techniques,
				                   (r->n_techniques + w.n) * sizeof(*v));

				if (!v) {
					rc = OTS_ENOMEM;
				} else {
					r->techniques = v;
					for (i = 0; i < w.n; i++) {
						v[r->n_techniques++] = w.v[i];
						w.v[i] = NULL;
					}
					w.n = 0;
				}
			}
		} else if (strcmp(kw, "on") == 0) {
			int on = w.n == 1 ? name_index(on_names, OTS_RON__COUNT, w.v[0]) : -1;

			if (on < 0)
				rc = perr(c, kl, w.n ? w.col[0] : kc, "'on' is op, flag, flow or asset");
			else
				r->on = (uint8_t)on;
		} else if (strcmp(kw, "enabled") == 0) {
			if (w.n == 1 && (strcmp(w.v[0], "yes") == 0 || strcmp(w.v[0], "no") == 0))
				r->enabled = w.v[0][0] == 'y';
			else
				rc = perr(c, kl, w.n ? w.col[0] : kc, "'enabled' is yes or no");
		} else if (strcmp(kw, "match") == 0 || strcmp(kw, "suppress") == 0) {
			struct ots_rule_cond k;

			rc = parse_cond(c, &w, kc, &k);
			if (rc == OTS_OK)
				rc = kw[0] == 'm' ? cond_push(&r->conds, &r->n_conds, &k)
				                  : cond_push(&r->supp, &r->n_supp, &k);
			if (rc != OTS_OK)
				cond_free(&k);
		} else if (strcmp(kw, "threshold") == 0) {
			rc = parse_threshold(c, r, &w, kc);
		} else {
			rc = perr(c, kl, kc, "unknown statement '%s' (name, severity, message, "
			          "technique, on, match, threshold, suppress, enabled)", kw);
		}
done:
		words_free(&w);
		if (rc != OTS_OK)
			return rc;
		if ((rc = next(c, &t)) != OTS_OK)
			return rc;
		if (t.kind == T_RBRACE)
			return OTS_OK;
		if (t.kind == T_EOF)
			return perr(c, bline, bcol, "rule %s: '}' is missing", r->id);
		if (t.kind != T_EOL)
			return perr(c, t.line, t.col, "end of line expected");
	}
}

/* Top-level suppressions name rules that may be defined later: resolved in finish(). */
struct pending_supp {
	char *rule;
	char *file;
	unsigned line, col;
	struct ots_rule_cond k;
};

struct rules_priv {
	struct pending_supp *ps;
	uint32_t n_ps;
};

static struct rules_priv *
priv(struct ots_rules *rs)
{
	/* kept in the spare slot of files[] (files has n_files + 1 entries) */
	return rs->files ? (struct rules_priv *)(void *)rs->files[rs->n_files] : NULL;
}

static int
add_file(struct ots_rules *rs, const char *name, char **stored)
{
	char **f;
	struct rules_priv *p = priv(rs);

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return OTS_ENOMEM;
	}
	f = realloc(rs->files, (rs->n_files + 2) * sizeof(*f));
	if (!f) {
		if (!rs->files)
			free(p);
		return OTS_ENOMEM;
	}
	rs->files = f;
	f[rs->n_files] = strdup(name);
	if (!f[rs->n_files]) {
		f[rs->n_files] = (char *)(void *)p;
		return OTS_ENOMEM;
	}
	*stored = f[rs->n_files];
	rs->n_files++;
	f[rs->n_files] = (char *)(void *)p;
	return OTS_OK;
}

int
ots_rules_parse(struct ots_rules *rs, const char *name, const char *buf, size_t len,
                const struct ots_zones *zones, char *err, size_t errlen)
{
	struct pctx c;
	struct tok t;
	char *fname;
	int rc;

	names_init();
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.p = buf;
	c.end = buf + len;
	c.line = 1;
	c.line_start = buf;
	c.err = err;
	c.errlen = errlen;
	c.rs = rs;
	c.zones = zones;
	if (err && errlen)
		err[0] = '\0';
	if (len > RULES_MAX_FILE)
		return perr(&c, 1, 1, "file larger than %u MiB", RULES_MAX_FILE >> 20);
	if ((rc = add_file(rs, name, &fname)) != OTS_OK)
		return rc;
	for (;;) {
		if ((rc = next(&c, &t)) != OTS_OK)
			return rc;
		if (t.kind == T_EOF)
			return OTS_OK;
		if (t.kind == T_EOL)
			continue;
		if (t.kind == T_WORD && strcmp(t.s, "rule") == 0) {
			struct ots_rule r;
			unsigned rl = t.line, rcol = t.col;
			uint32_t i;

			if ((rc = next(&c, &t)) != OTS_OK)
				return rc;
			if (t.kind != T_WORD || !id_ok(t.s))
				return perr(&c, t.line, t.col, "a rule id ([a-z0-9][a-z0-9._-]*) was expected");
			for (i = 0; i < rs->n; i++)
				if (strcmp(rs->v[i].id, t.s) == 0)
					return perr(&c, t.line, t.col, "rule %s is already defined at %s:%u",
					            t.s, rs->v[i].file, rs->v[i].line);
			if (rs->n >= RULES_MAX_RULES)
				return perr(&c, t.line, t.col, "more than %u rules", RULES_MAX_RULES);
			memset(&r, 0, sizeof(r));
			r.enabled = 1;
			r.file = fname;
			r.line = rl;
			r.id = strdup(t.s);
			if (!r.id)
				return OTS_ENOMEM;
			if ((rc = next(&c, &t)) != OTS_OK) {
				rule_free(&r);
				return rc;
			}
			if (t.kind != T_LBRACE) {
				rule_free(&r);
				return perr(&c, t.line, t.col, "'{' was expected after the rule id");
			}
			rc = parse_block(&c, &r, rl, rcol);
			if (rc == OTS_OK)
				rc = check_rule(&c, &r, rl, rcol);
			if (rc == OTS_OK) {
				struct ots_rule *v = realloc(rs->v, (rs->n + 1) * sizeof(*v));

				if (!v) {
					rc = OTS_ENOMEM;
				} else {
					rs->v = v;
					r.index = rs->n;
					v[rs->n++] = r;
				}
			}
			if (rc != OTS_OK) {
				rule_free(&r);
				return rc;
			}
			if ((rc = next(&c, &t)) != OTS_OK)
				return rc;
			if (t.kind != T_EOL && t.kind != T_EOF)
				return perr(&c, t.line, t.col, "end of line expected after '}'");
			unget(&c, &t);
		} else if (t.kind == T_WORD && strcmp(t.s, "suppress") == 0) {
			struct words w;
			struct pending_supp ps;
			struct rules_priv *p = priv(rs);
			unsigned kl = t.line, kc = t.col;

			memset(&w, 0, sizeof(w));
			w.line = kl;
			memset(&ps, 0, sizeof(ps));
			rc = read_words(&c, &w, 0);
			if (rc == OTS_OK && (w.n < 1 || !id_ok(w.v[0])))
				rc = perr(&c, kl, kc, "'suppress RULE-ID FIELD VALUE...' was expected");
			if (rc == OTS_OK) {
				struct words rest = w;

				rest.v = w.v + 1;
				rest.col = w.col + 1;
				rest.n = w.n - 1;
				rc = parse_cond(&c, &rest, w.col[0], &ps.k);
			}
			if (rc == OTS_OK) {
				struct pending_supp *v = realloc(p->ps, (p->n_ps + 1) * sizeof(*v));

				if (!v) {
					rc = OTS_ENOMEM;
				} else {
					p->ps = v;
					ps.rule = w.v[0];
					w.v[0] = NULL;
					ps.file = fname;
					ps.line = kl;
					ps.col = w.col[0];
					v[p->n_ps++] = ps;
				}
			}
			if (rc != OTS_OK)
				cond_free(&ps.k);
			words_free(&w);
			if (rc != OTS_OK)
				return rc;
		} else {
			return perr(&c, t.line, t.col, "'rule ID {' or 'suppress RULE-ID ...' was expected");
		}
	}
}

/* What a condition costs to test, lowest first: a bit test, number ranges, a name (hash
 * first), addresses; zone and role (deferred) cost nothing here. */
static unsigned
cond_cost(const struct ots_rule_cond *k)
{
	switch (k->field) {
	case OTS_RF_PROTOCOL: case OTS_RF_DIRECTION: case OTS_RF_CLASS: case OTS_RF_EXCEPTION:
	case OTS_RF_TRANSPORT: case OTS_RF_FLAG: case OTS_RF_ANSWERED: case OTS_RF_CHANGE:
		return 0;
	case OTS_RF_SRC_ZONE: case OTS_RF_DST_ZONE: case OTS_RF_SRC_ROLE: case OTS_RF_DST_ROLE:
		return 0;
	case OTS_RF_FUNCTION_CODE: case OTS_RF_UNIT: case OTS_RF_ADDRESS: case OTS_RF_QUALIFIER:
	case OTS_RF_EXCEPTION_CODE: case OTS_RF_SRC_PORT: case OTS_RF_DST_PORT: case OTS_RF_VLAN:
		return 1 + (k->n > 4);
	case OTS_RF_FUNCTION: case OTS_RF_SRC_CAST: case OTS_RF_DST_CAST:
		return 3;
	default:
		return 4; /* reasons, addresses, MACs */
	}
}

/* Op classes the requests of the rule's function names have (catalog), all when a name's
 * class varies or there is no function condition. */
static uint32_t
function_classes(const struct ots_rule *r)
{
	uint32_t all = (1u << OTS_OP__COUNT) - 1, mask = 0, i, n, x;
	uint64_t protos = ~UINT64_C(0);

	for (i = 0; i < r->n_conds; i++)
		if (r->conds[i].field == OTS_RF_PROTOCOL && !r->conds[i].negate)
			protos &= r->conds[i].bits;
	for (i = 0; i < r->n_conds; i++) {
		const struct ots_rule_cond *k = &r->conds[i];

		if (k->field != OTS_RF_FUNCTION || k->negate)
			continue;
		for (n = 0; n < k->n; n++)
			for (x = 1; x < OTS_ICS_PROTO_SLOTS; x++) {
				const struct ots_dissector *d;
				struct ots_fn_desc fd;

				if (!(protos & (UINT64_C(1) << x)))
					continue;
				d = ots_dissector_by_id((uint16_t)x);
				if (!d || !ots_dissector_function(d, k->strs[n], &fd))
					continue;
				if (fd.op_class >= OTS_OP__COUNT)
					return all;
				mask |= 1u << fd.op_class;
			}
		return mask ? mask : all;
	}
	return all;
}

/* The order ots_rules_match() tries the conditions in (the result does not depend on it). */
static int
rule_order(struct ots_rule *r)
{
	uint32_t i, k, n = 0;
	unsigned cost;

	free(r->order);
	r->order = NULL;
	if (!r->n_conds)
		return OTS_OK;
	r->order = malloc(r->n_conds);
	if (!r->order)
		return OTS_ENOMEM;
	for (cost = 0; cost <= 4; cost++)
		for (i = 0; i < r->n_conds && i < 255; i++)
			if (cond_cost(&r->conds[i]) == cost)
				r->order[n++] = (uint8_t)i;
	for (k = n; k < r->n_conds; k++)
		r->order[k] = (uint8_t)k; /* past 255 conditions: as written */
	return OTS_OK;
}

/* The enabled rules of kind on that can match protocol proto (and op class cls, or any when
 * cls < 0), in set order, into *out (NULL when none). */
static int
index_rules(const struct ots_rules *rs, unsigned on, unsigned proto, int cls, uint32_t **out,
            uint32_t *n_out)
{
	uint32_t i, n = 0;

	free(*out);
	*out = NULL;
	*n_out = 0;
	for (i = 0; i < rs->n; i++) {
		const struct ots_rule *r = &rs->v[i];
		uint64_t protos = ~UINT64_C(0);
		uint32_t k;

		if (!r->enabled || r->on != on || (cls >= 0 && !((r->class_mask >> cls) & 1)))
			continue;
		for (k = 0; k < r->n_conds; k++)
			if (r->conds[k].field == OTS_RF_PROTOCOL && !r->conds[k].negate)
				protos &= r->conds[k].bits;
		if (!(protos & (UINT64_C(1) << proto)))
			continue;
		if (!*out && !(*out = malloc(rs->n * sizeof(uint32_t))))
			return OTS_ENOMEM;
		(*out)[n++] = i;
	}
	*n_out = n;
	return OTS_OK;
}

int
ots_rules_finish(struct ots_rules *rs, char *err, size_t errlen)
{
	struct rules_priv *p = priv(rs);
	uint32_t i, on, x;
	static uint64_t gen;

	for (i = 0; p && i < p->n_ps; i++) {
		struct pending_supp *ps = &p->ps[i];
		struct ots_rule *r = NULL;
		uint32_t k;

		for (k = 0; k < rs->n && !r; k++)
			if (strcmp(rs->v[k].id, ps->rule) == 0)
				r = &rs->v[k];
		if (!r) {
			snprintf(err, errlen, "%s:%u:%u: suppress: no rule '%s' is loaded", ps->file,
			         ps->line, ps->col, ps->rule);
			return OTS_EINVAL;
		}
		if (!(field_on[ps->k.field] & ON(r->on))) {
			snprintf(err, errlen, "%s:%u:%u: suppress: field '%s' does not exist for rule %s "
			         "(on %s)", ps->file, ps->k.line, ps->k.col, field_names[ps->k.field],
			         r->id, on_names[r->on]);
			return OTS_EINVAL;
		}
		if (ps->k.field == OTS_RF_SRC_ZONE || ps->k.field == OTS_RF_DST_ZONE ||
		    ps->k.field == OTS_RF_SRC_ROLE || ps->k.field == OTS_RF_DST_ROLE)
			r->deferred = 1;
		if (cond_push(&r->supp, &r->n_supp, &ps->k) != OTS_OK)
			return OTS_ENOMEM;
		memset(&ps->k, 0, sizeof(ps->k));
	}
	for (i = 0; i < rs->n; i++) {
		struct ots_rule *r = &rs->v[i];
		uint32_t k;

		if (rule_order(r) != OTS_OK)
			return OTS_ENOMEM;
		r->class_mask = (1u << OTS_OP__COUNT) - 1;
		r->dir_mask = 3;
		r->need_exception = 0;
		for (k = 0; k < r->n_conds; k++) {
			const struct ots_rule_cond *c = &r->conds[k];
			uint32_t b = (uint32_t)c->bits;

			if (c->field == OTS_RF_CLASS)
				r->class_mask &= c->negate ? ~b : b;
			else if (c->field == OTS_RF_DIRECTION)
				r->dir_mask &= (uint8_t)(c->negate ? ~b : b);
			else if ((c->field == OTS_RF_EXCEPTION || c->field == OTS_RF_EXCEPTION_CODE) &&
			         !c->negate)
				r->need_exception = 1;
		}
		/* a request of a named function has the class the catalog gives it */
		if (r->dir_mask == 1)
			r->class_mask &= function_classes(r);
	}
	for (x = 0; x < OTS_ICS_PROTO_SLOTS; x++) {
		uint32_t cl;

		for (cl = 0; cl < OTS_OP__COUNT; cl++)
			if (index_rules(rs, OTS_RON_OP, x, (int)cl, &rs->by_op[x][cl],
			                &rs->n_by_op[x][cl]) != OTS_OK)
				return OTS_ENOMEM;
	}
	for (on = 0; on < OTS_RON__COUNT; on++)
		for (x = 0; x < OTS_ICS_PROTO_SLOTS; x++)
			if (index_rules(rs, on, x, -1, &rs->by_proto[on][x], &rs->n_by_proto[on][x]) !=
			    OTS_OK)
				return OTS_ENOMEM;
	rs->generation = ++gen;
	return OTS_OK;
}

void
ots_rules_free(struct ots_rules *rs)
{
	struct rules_priv *p = priv(rs);
	uint32_t i, on, x;

	for (i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	for (on = 0; on < OTS_RON__COUNT; on++)
		for (x = 0; x < OTS_ICS_PROTO_SLOTS; x++)
			free(rs->by_proto[on][x]);
	for (x = 0; x < OTS_ICS_PROTO_SLOTS; x++)
		for (on = 0; on < OTS_OP__COUNT; on++)
			free(rs->by_op[x][on]);
	if (p) {
		for (i = 0; i < p->n_ps; i++) {
			free(p->ps[i].rule);
			cond_free(&p->ps[i].k);
		}
		free(p->ps);
		free(p);
	}
	for (i = 0; i < rs->n_files; i++)
		free(rs->files[i]);
	free(rs->files);
	memset(rs, 0, sizeof(*rs));
}

static int
rules_file_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_one(struct ots_rules *rs, const char *path, const struct ots_zones *zones, char *err,
         size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	for (;;) {
		size_t got;

		if (cap - n < 65536) {
			char *b;

			if (cap >= RULES_MAX_FILE + (size_t)65536) {
				fclose(f);
				free(buf);
				snprintf(err, errlen, "%s:1:1: file larger than %u MiB", path,
				         RULES_MAX_FILE >> 20);
				return OTS_EINVAL;
			}
			b = realloc(buf, cap + 65536);
			if (!b) {
				fclose(f);
				free(buf);
				return OTS_ENOMEM;
			}
			buf = b;
			cap += 65536;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		free(buf);
		return OTS_EIO;
	}
	fclose(f);
	rc = ots_rules_parse(rs, path, buf ? buf : "", n, zones, err, errlen);
	free(buf);
	return rc;
}

/* Append PATH (a file, or a directory's *.rules in name order) to rs. */
static int
load_path(struct ots_rules *rs, const char *path, const struct ots_zones *zones, char *err,
          size_t errlen)
{
	struct stat st;
	int rc = OTS_OK;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	if (!S_ISDIR(st.st_mode))
		return load_one(rs, path, zones, err, errlen);
	{
		DIR *d = opendir(path);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0, i;

		if (!d) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return OTS_EIO;
		}
		while ((e = readdir(d)) != NULL) {
			size_t l = strlen(e->d_name);
			char **v;

			if (l < 7 || strcmp(e->d_name + l - 6, ".rules") != 0 || e->d_name[0] == '.')
				continue;
			v = realloc(names, (n + 1) * sizeof(*v));
			if (!v || !(v[n] = malloc(strlen(path) + l + 2))) {
				free(v ? v : names);
				closedir(d);
				return OTS_ENOMEM;
			}
			names = v;
			sprintf(names[n++], "%s/%s", path, e->d_name);
		}
		closedir(d);
		if (n == 0) {
			snprintf(err, errlen, "%s: no *.rules file", path);
			rc = OTS_EINVAL;
		}
		ots_qsort(names, n, sizeof(*names), rules_file_cmp);
		for (i = 0; i < n && rc == OTS_OK; i++)
			rc = load_one(rs, names[i], zones, err, errlen);
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return rc;
}

int
ots_rules_load_paths(struct ots_rules *rs, const char *const *paths, size_t n_paths,
                     const struct ots_zones *zones, char *err, size_t errlen)
{
	size_t i;
	int rc = OTS_OK;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < n_paths && rc == OTS_OK; i++)
		rc = load_path(rs, paths[i], zones, err, errlen);
	if (rc == OTS_OK)
		rc = ots_rules_finish(rs, err, errlen);
	if (rc != OTS_OK)
		ots_rules_free(rs);
	return rc;
}

int
ots_rules_load(struct ots_rules *rs, const char *path, const struct ots_zones *zones, char *err,
               size_t errlen)
{
	return ots_rules_load_paths(rs, &path, 1, zones, err, errlen);
}

/* ---------------------------------------------------------------- matching */

static int
in_ranges(const struct ots_rule_cond *k, uint64_t v)
{
	uint32_t i;

	for (i = 0; i < k->n; i++)
		if (v >= k->ranges[i].lo && v <= k->ranges[i].hi)
			return 1;
	return 0;
}

static int
in_nets(const struct ots_rule_cond *k, const uint8_t ip[16])
{
	uint32_t i;

	for (i = 0; i < k->n; i++) {
		const struct ots_rule_net *n = &k->nets[i];
		unsigned full = n->len / 8, rest = n->len % 8;

		if (memcmp(ip, n->addr, full) != 0)
			continue;
		if (rest && ((ip[full] ^ n->addr[full]) & (uint8_t)(0xff00u >> rest)))
			continue;
		return 1;
	}
	return 0;
}

static int
in_macs(const struct ots_rule_cond *k, const uint8_t *m)
{
	uint32_t i;

	for (i = 0; i < k->n; i++)
		if (memcmp(k->macs[i], m, 6) == 0)
			return 1;
	return 0;
}

static int
in_strs(const struct ots_rule_cond *k, const char *s)
{
	uint32_t i;

	if (!s)
		return 0;
	for (i = 0; i < k->n; i++)
		if (strcmp(k->strs[i], s) == 0)
			return 1;
	return 0;
}

static unsigned
transport_bit(uint8_t t)
{
	return t == 6 ? TR_TCP : t == 17 ? TR_UDP : t == 0xff ? TR_ETHER : TR_OTHER;
}

/* 0 unicast, 1 broadcast, 2 multicast: from the IP address (255.255.255.255, 224.0.0.0/4,
 * ff00::/8) or, without one or for a subnet broadcast, the MAC (all ones; group bit). */
static unsigned
cast_of(const uint8_t *ip, int has_ip, const uint8_t *mac, int has_mac)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (has_ip && ip) {
		int v4 = !memcmp(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);

		if (v4 && !memcmp(ip + 12, bc, 4))
			return 1;
		if ((v4 && (ip[12] & 0xf0) == 0xe0) || (!v4 && ip[0] == 0xff))
			return 2;
	}
	if (has_mac && mac) {
		if (!memcmp(mac, bc, 6))
			return 1;
		if (mac[0] & 1)
			return 2;
	}
	return 0;
}

/* -1: deferred (zone, role), else 0/1 before negation. A field the record lacks matches no
 * value. */
static int
cond_raw(const struct ots_rule_cond *k, const struct ots_rule_ctx *x)
{
	const struct ots_ics_op *op = x->op;

	switch (k->field) {
	case OTS_RF_PROTOCOL:
		return x->proto < 64 && (k->bits >> x->proto) & 1;
	case OTS_RF_FUNCTION:
		if (!op || !op->function_name)
			return 0;
		if (x->has_fn_hash && k->hashes) {
			uint32_t i;

			for (i = 0; i < k->n; i++)
				if (k->hashes[i] == x->fn_hash && strcmp(k->strs[i], op->function_name) == 0)
					return 1;
			return 0;
		}
		return in_strs(k, op->function_name);
	case OTS_RF_FUNCTION_CODE:
		return op && in_ranges(k, op->function);
	case OTS_RF_CLASS:
		return op && op->op_class < 64 && (k->bits >> op->op_class) & 1;
	case OTS_RF_DIRECTION:
		return op && (k->bits >> (op->is_response ? 1 : 0)) & 1;
	case OTS_RF_UNIT:
		return op && op->has_unit && in_ranges(k, op->unit);
	case OTS_RF_ADDRESS:
		return op && op->has_addr && in_ranges(k, op->addr_start);
	case OTS_RF_QUALIFIER:
		return op && op->has_qualifier && in_ranges(k, op->qualifier);
	case OTS_RF_EXCEPTION:
		return op && op->has_exception;
	case OTS_RF_EXCEPTION_CODE:
		return op && op->has_exception && in_ranges(k, op->exception);
	case OTS_RF_FLAG:
		return x->on == OTS_RON_FLAG && (k->bits >> x->flag) & 1;
	case OTS_RF_REASON:
		return in_strs(k, x->reason);
	case OTS_RF_TRANSPORT:
		return (k->bits >> transport_bit(x->transport)) & 1;
	case OTS_RF_ANSWERED:
		return (k->bits >> (x->answered ? 1 : 0)) & 1;
	case OTS_RF_CHANGE:
		return x->on == OTS_RON_ASSET && (k->bits >> x->change) & 1;
	case OTS_RF_SRC_IP:
		return x->has_ip && x->sip && in_nets(k, x->sip);
	case OTS_RF_DST_IP:
		return x->has_ip && x->dip && in_nets(k, x->dip);
	case OTS_RF_SRC_PORT:
		return x->has_ip && in_ranges(k, x->sport);
	case OTS_RF_DST_PORT:
		return x->has_ip && in_ranges(k, x->dport);
	case OTS_RF_SRC_MAC:
		return x->has_smac && in_macs(k, x->smac);
	case OTS_RF_DST_MAC:
		return x->has_dmac && in_macs(k, x->dmac);
	case OTS_RF_VLAN:
		return in_ranges(k, x->vlan);
	case OTS_RF_SRC_CAST:
		return (k->bits >> cast_of(x->sip, x->has_ip, x->smac, x->has_smac)) & 1;
	case OTS_RF_DST_CAST:
		return (k->bits >> cast_of(x->dip, x->has_ip, x->dmac, x->has_dmac)) & 1;
	default:
		return -1;
	}
}

int
ots_rules_match(const struct ots_rule *r, const struct ots_rule_ctx *ctx)
{
	uint32_t i;

	for (i = 0; i < r->n_conds; i++) {
		const struct ots_rule_cond *k = &r->conds[r->order && i < 255 ? r->order[i] : i];
		int v = cond_raw(k, ctx);

		if (v >= 0 && (v ^ k->negate) == 0)
			return 0;
	}
	for (i = 0; i < r->n_supp; i++) {
		int v = cond_raw(&r->supp[i], ctx);

		if (v >= 0 && (v ^ r->supp[i].negate) == 1)
			return 0;
	}
	return 1;
}

static int
cond_asset(const struct ots_rule_cond *k, int szone, int dzone, int srole, int drole)
{
	uint32_t i;
	int z;

	switch (k->field) {
	case OTS_RF_SRC_ZONE:
	case OTS_RF_DST_ZONE:
		z = k->field == OTS_RF_SRC_ZONE ? szone : dzone;
		for (i = 0; i < k->n; i++)
			if (k->zones[i] == z)
				return 1;
		return 0;
	case OTS_RF_SRC_ROLE:
		return srole >= 0 && srole < 64 && (k->bits >> srole) & 1;
	case OTS_RF_DST_ROLE:
		return drole >= 0 && drole < 64 && (k->bits >> drole) & 1;
	default:
		return -1;
	}
}

int
ots_rules_match_assets(const struct ots_rule *r, int szone, int dzone, int srole, int drole)
{
	uint32_t i;

	for (i = 0; i < r->n_conds; i++) {
		int v = cond_asset(&r->conds[i], szone, dzone, srole, drole);

		if (v >= 0 && (v ^ r->conds[i].negate) == 0)
			return 0;
	}
	for (i = 0; i < r->n_supp; i++) {
		int v = cond_asset(&r->supp[i], szone, dzone, srole, drole);

		if (v >= 0 && (v ^ r->supp[i].negate) == 1)
			return 0;
	}
	return 1;
}

unsigned
ots_rules_rezone(struct ots_rules *rs, const struct ots_zones *z, char *missing, size_t len)
{
	unsigned lost = 0;
	uint32_t i, k, x;

	if (missing && len)
		missing[0] = '\0';
	for (i = 0; i < rs->n; i++) {
		struct ots_rule *r = &rs->v[i];

		for (k = 0; k < r->n_conds + r->n_supp; k++) {
			struct ots_rule_cond *c = k < r->n_conds ? &r->conds[k] : &r->supp[k - r->n_conds];

			if (!c->zones)
				continue;
			for (x = 0; x < c->n; x++) {
				if (c->zones[x] < 0 && c->zones[x] >= -2)
					continue; /* unzoned, internet */
				c->zones[x] = z ? ots_zones_find(z, c->strs[x]) : -3;
				if (c->zones[x] < 0) {
					c->zones[x] = -3; /* matches no endpoint */
					if (!lost++ && missing && len)
						snprintf(missing, len, "rule %s: zone '%s'", r->id, c->strs[x]);
				}
			}
		}
	}
	return lost;
}
