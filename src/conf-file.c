/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf-file.c: the YAML config file (conf-file.h) read into a small tree by yaml-tree.c
 * (anchors, aliases and tags refused, as in the zones file), then walked into
 * "--name=value" arguments for the command-line parser; every error names FILE:LINE:COL.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ots/conf-file.h"
#include "ots/error.h"
#include "ots/yaml-tree.h"

#define MAX_DEPTH 8
#define MAX_NODES 16384

/* Options given as a list in the file (each item one argument). */
static const char *const repeatable[] = { "read", "geoip", "kafka-property", "rules", NULL };
/* Command-line actions, not settings: refused in a file. */
static const char *const cli_only[] = { "config", "test-config", "help", "version",
	                                "list-functions", "check-zones", "check-rules", NULL };

struct pctx {
	struct ots_yctx y;        /* input, error buffer, YAML limits */
	const struct option *opts;
	struct ots_conf_args *a;
	size_t cap;
};

#define perr_at(c, ...) ots_yerr_at(&(c)->y, __VA_ARGS__)
#define perr(c, node, rc, ...) ots_yerr_at(&(c)->y, (node)->line, (node)->col, (rc), __VA_ARGS__)

/* ---- the walk ----------------------------------------------------------------------------- */

static int
in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static const struct option *
find_opt(const struct option *opts, const char *name)
{
	for (; opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

/* Append "--name" or "--name=value" (value may hold key=value) located at node at. */
static int
push(struct pctx *c, const char *name, const char *v1, const char *v2, const struct ots_ynode *at)
{
	struct ots_conf_args *a = c->a;
	size_t need = strlen(name) + 4 + (v1 ? strlen(v1) : 0) + (v2 ? strlen(v2) + 1 : 0);
	char *s;

	if ((size_t)a->n_file >= OTS_CONF_FILE_MAX_ITEMS)
		return perr(c, at, OTS_ELIMIT, "more than %u options", OTS_CONF_FILE_MAX_ITEMS);
	if ((size_t)a->argc + 2 > c->cap) {
		size_t cap = c->cap * 2;
		char **v = realloc(a->argv, cap * sizeof(*v));
		unsigned *l, *k;

		if (!v)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		a->argv = v;
		l = realloc(a->line, cap * sizeof(*l));
		if (!l)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		a->line = l;
		k = realloc(a->col, cap * sizeof(*k));
		if (!k)
			return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
		a->col = k;
		c->cap = cap;
	}
	s = malloc(need);
	if (!s)
		return perr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	if (!v1)
		snprintf(s, need, "--%s", name);
	else if (!v2)
		snprintf(s, need, "--%s=%s", name, v1);
	else
		snprintf(s, need, "--%s=%s=%s", name, v1, v2);
	a->line[a->n_file] = at->line;
	a->col[a->n_file] = at->col;
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
	a->n_file++;
	return OTS_OK;
}

/* One key and its value. shown is the key as written (kafka.brokers), name the option. */
static int
walk_option(struct pctx *c, const char *shown, const char *name, const struct ots_ynode *key,
            const struct ots_ynode *val)
{
	const struct option *o = find_opt(c->opts, name);
	char v[OTS_YSHOW_MAX + 8];
	size_t i;
	int rc;

	if (!o)
		return perr(c, key, OTS_EINVAL, "unknown option '%s' (otsensor --help lists them)",
		            ots_yclean(shown, strlen(shown), v, sizeof(v)));
	if (in_list(cli_only, name))
		return perr(c, key, OTS_EINVAL,
		            "'%s' is a command-line action, not a setting for the config file", shown);
	if (o->has_arg == no_argument) {
		if (val->type != OTS_YSCALAR || ots_yis_null(val) ||
		    (strcmp(val->s, "true") && strcmp(val->s, "false") && strcmp(val->s, "True") &&
		     strcmp(val->s, "False") && strcmp(val->s, "TRUE") && strcmp(val->s, "FALSE")))
			return perr(c, val, OTS_EINVAL, "'%s' is a flag: true or false", shown);
		if (val->s[0] == 'f' || val->s[0] == 'F')
			return OTS_OK;
		return push(c, name, NULL, NULL, val);
	}
	if (val->type == OTS_YSEQ) {
		if (!in_list(repeatable, name))
			return perr(c, val, OTS_EINVAL, "'%s' takes one value, not a list", shown);
		for (i = 0; i < val->n; i++) {
			const struct ots_ynode *it = val->kid[i];

			if (it->type != OTS_YSCALAR || ots_yis_null(it))
				return perr(c, it, OTS_EINVAL, "'%s' lists values: %s", shown,
				            it->type == OTS_YSCALAR ? "not null" : "not a nested list or mapping");
			if ((rc = push(c, name, it->s, NULL, it)) != OTS_OK)
				return rc;
		}
		return OTS_OK;
	}
	if (val->type == OTS_YMAP)
		return perr(c, val, OTS_EINVAL, "'%s' takes a value, not a mapping", shown);
	if (ots_yis_null(val))
		return perr(c, val, OTS_EINVAL, "'%s' needs a value", shown);
	return push(c, name, val->s, NULL, val);
}

static int
check_dup(struct pctx *c, const struct ots_ynode *m, size_t i, const char *where)
{
	size_t k;

	for (k = 0; k < i; k += 2)
		if (m->kid[k]->type == OTS_YSCALAR && strcmp(m->kid[k]->s, m->kid[i]->s) == 0)
			return perr(c, m->kid[i], OTS_EINVAL, "duplicate key '%s'%s (first at line %u)",
			            m->kid[i]->s, where, m->kid[k]->line);
	return OTS_OK;
}

/* kafka: {brokers: ..., properties: {K: V}, ...} -> --kafka-KEY, --kafka-property=K=V */
static int
walk_kafka(struct pctx *c, const struct ots_ynode *m)
{
	char shown[128], name[128], v[OTS_YSHOW_MAX + 8];
	size_t i, k;
	int rc;

	if (m->type != OTS_YMAP)
		return perr(c, m, OTS_EINVAL, "'kafka' holds a mapping (brokers, prefix, properties ...)");
	for (i = 0; i + 1 < m->n; i += 2) {
		const struct ots_ynode *key = m->kid[i], *val = m->kid[i + 1];

		if (key->type != OTS_YSCALAR || ots_yis_null(key))
			return perr(c, key, OTS_EINVAL, "a key of 'kafka' must be a name");
		if ((rc = check_dup(c, m, i, " in 'kafka'")) != OTS_OK)
			return rc;
		ots_yclean(key->s, key->len, v, sizeof(v));
		if (strcmp(key->s, "properties") == 0) {
			if (!find_opt(c->opts, "kafka-property"))
				return perr(c, key, OTS_EINVAL,
				            "unknown option 'kafka.properties' (otsensor --help lists them)");
			if (val->type != OTS_YMAP)
				return perr(c, val, OTS_EINVAL,
				            "'kafka.properties' holds a mapping of librdkafka properties");
			for (k = 0; k + 1 < val->n; k += 2) {
				const struct ots_ynode *pk = val->kid[k], *pv = val->kid[k + 1];

				if (pk->type != OTS_YSCALAR || ots_yis_null(pk) || strchr(pk->s, '='))
					return perr(c, pk, OTS_EINVAL,
					            "a librdkafka property name without '=' is expected");
				if ((rc = check_dup(c, val, k, " in 'kafka.properties'")) != OTS_OK)
					return rc;
				if (pv->type != OTS_YSCALAR || ots_yis_null(pv))
					return perr(c, pv, OTS_EINVAL, "property '%s' needs a value",
					            ots_yclean(pk->s, pk->len, v, sizeof(v)));
				if ((rc = push(c, "kafka-property", pk->s, pv->s, pv)) != OTS_OK)
					return rc;
			}
			continue;
		}
		snprintf(shown, sizeof(shown), "kafka.%s", v);
		if (key->len + 7 > sizeof(name))
			return perr(c, key, OTS_EINVAL, "unknown option '%s' (otsensor --help lists them)",
			            shown);
		snprintf(name, sizeof(name), "kafka-%s", key->s);
		if ((rc = walk_option(c, shown, name, key, val)) != OTS_OK)
			return rc;
	}
	return OTS_OK;
}

static int
walk(struct pctx *c, const struct ots_ynode *root)
{
	char v[OTS_YSHOW_MAX + 8];
	size_t i;
	int rc;

	if (!root || ots_yis_null(root))
		return OTS_OK; /* an empty file sets nothing */
	if (root->type != OTS_YMAP)
		return perr(c, root, OTS_EINVAL,
		            "a config file is a mapping of option names to values (read: FILE, ...)");
	for (i = 0; i + 1 < root->n; i += 2) {
		const struct ots_ynode *key = root->kid[i], *val = root->kid[i + 1];

		if (key->type != OTS_YSCALAR || ots_yis_null(key))
			return perr(c, key, OTS_EINVAL, "a key must be an option name");
		if ((rc = check_dup(c, root, i, "")) != OTS_OK)
			return rc;
		if (strcmp(key->s, "kafka") == 0 && !find_opt(c->opts, "kafka"))
			rc = walk_kafka(c, val);
		else
			rc = walk_option(c, ots_yclean(key->s, key->len, v, sizeof(v)), key->s, key, val);
		if (rc != OTS_OK)
			return rc;
	}
	return OTS_OK;
}

static int
args_init(struct ots_conf_args *a, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->argv = calloc(cap, sizeof(*a->argv));
	a->line = calloc(cap, sizeof(*a->line));
	a->col = calloc(cap, sizeof(*a->col));
	if (!a->argv || !a->line || !a->col)
		return OTS_ENOMEM;
	a->argv[0] = strdup("otsensor");
	if (!a->argv[0])
		return OTS_ENOMEM;
	a->argc = 1;
	return OTS_OK;
}

void
ots_conf_args_free(struct ots_conf_args *a)
{
	int i;

	if (a->argv)
		for (i = 0; i < a->argc; i++)
			free(a->argv[i]);
	free(a->argv);
	free(a->line);
	free(a->col);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

int
ots_conf_file_parse(struct ots_conf_args *a, const char *name, const char *buf, size_t len,
                    const struct option *opts, char *err, size_t errlen)
{
	struct pctx c;
	struct ots_ynode *root = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.y.name = name;
	c.y.buf = buf;
	c.y.len = len;
	c.y.err = err;
	c.y.errlen = errlen;
	c.y.kind = "config file";
	c.y.max_depth = MAX_DEPTH;
	c.y.max_nodes = MAX_NODES;
	c.opts = opts;
	c.a = a;
	c.cap = 16;
	if (args_init(a, c.cap) != OTS_OK) {
		ots_conf_args_free(a);
		return perr_at(&c, 0, 0, OTS_ENOMEM, "out of memory");
	}
	if (len > OTS_CONF_FILE_MAX)
		rc = perr_at(&c, 0, 0, OTS_ELIMIT, "file too large (max %u bytes)", OTS_CONF_FILE_MAX);
	else if ((rc = ots_ytree_build(&c.y, &root)) == OTS_OK)
		rc = walk(&c, root);
	ots_ynode_free(root);
	if (rc != OTS_OK)
		ots_conf_args_free(a);
	return rc;
}

static int
read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t len;

	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return OTS_EIO;
	}
	buf = malloc(OTS_CONF_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return OTS_ENOMEM;
	}
	len = fread(buf, 1, OTS_CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return OTS_EIO;
	}
	fclose(f);
	*out = buf;
	*outlen = len;
	return OTS_OK;
}

/* Index in opts of what getopt_long returned (c, longindex), -1 when none. */
static int
opt_index(const struct option *opts, int c, int longindex)
{
	int i;

	if (longindex >= 0)
		return longindex;
	for (i = 0; opts[i].name; i++)
		if (!opts[i].flag && opts[i].val == c)
			return i;
	return -1;
}

static const char *
arg_name(const char *arg, char *buf, size_t len)
{
	const char *eq;
	size_t n;

	arg += 2; /* "--" */
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : strlen(arg);
	if (n >= len)
		n = len - 1;
	memcpy(buf, arg, n);
	buf[n] = '\0';
	return buf;
}

int
ots_conf_args_build(struct ots_conf_args *a, int argc, char **argv, const char *shortopts,
                    const struct option *opts, char *err, size_t errlen)
{
	struct ots_conf_args f;
	char **copy;
	unsigned char *seen;
	const char *path = NULL;
	char *buf = NULL;
	size_t n_opts = 0, len = 0;
	int i, k, c, li, rc, cfg_idx;
	int saved_opterr = opterr;

	err[0] = '\0';
	memset(a, 0, sizeof(*a));
	while (opts[n_opts].name)
		n_opts++;
	for (cfg_idx = 0; opts[cfg_idx].name && strcmp(opts[cfg_idx].name, "config"); cfg_idx++)
		;
	copy = calloc((size_t)argc + 1, sizeof(*copy));
	seen = calloc(n_opts + 1, 1);
	if (!copy || !seen) {
		free(copy);
		free(seen);
		snprintf(err, errlen, "out of memory");
		return OTS_ENOMEM;
	}
	memcpy(copy, argv, (size_t)argc * sizeof(*copy));
	/* pre-pass: which options the command line sets, and -c FILE (errors are left to the
	 * real parse) */
	opterr = 0;
	optind = 0;
	for (;;) {
		li = -1;
		c = getopt_long(argc, copy, shortopts, opts, &li);
		if (c == -1)
			break;
		if (c == '?' || c == ':')
			continue;
		k = opt_index(opts, c, li);
		if (k < 0)
			continue;
		seen[k] = 1;
		if (k == cfg_idx && optarg)
			path = optarg;
	}
	opterr = saved_opterr;
	optind = 0;
	free(copy);

	memset(&f, 0, sizeof(f));
	if (path) {
		rc = read_file(path, &buf, &len, err, errlen);
		if (rc == OTS_OK)
			rc = ots_conf_file_parse(&f, path, buf, len, opts, err, errlen);
		free(buf);
		if (rc != OTS_OK) {
			free(seen);
			return rc;
		}
	} else if (args_init(&f, 1) != OTS_OK) {
		ots_conf_args_free(&f);
		free(seen);
		snprintf(err, errlen, "out of memory");
		return OTS_ENOMEM;
	}
	/* the file's arguments minus what the command line overrides, then the command line */
	rc = args_init(a, (size_t)f.n_file + (size_t)argc + 2);
	if (rc == OTS_OK && path && !(a->path = strdup(path)))
		rc = OTS_ENOMEM;
	for (i = 1; rc == OTS_OK && i <= f.n_file; i++) {
		char name[128];
		const struct option *o = find_opt(opts, arg_name(f.argv[i], name, sizeof(name)));

		if (o && seen[o - opts])
			continue;
		a->line[a->n_file] = f.line[i - 1];
		a->col[a->n_file] = f.col[i - 1];
		a->argv[a->argc++] = f.argv[i];
		f.argv[i] = NULL;
		a->n_file++;
	}
	for (i = 1; rc == OTS_OK && i < argc; i++)
		if (!(a->argv[a->argc++] = strdup(argv[i])))
			rc = OTS_ENOMEM;
	if (rc == OTS_OK)
		a->argv[a->argc] = NULL;
	for (i = 1; i <= f.n_file; i++)
		free(f.argv[i]);
	f.argc = 1;
	ots_conf_args_free(&f);
	free(seen);
	if (rc != OTS_OK) {
		ots_conf_args_free(a);
		snprintf(err, errlen, "out of memory");
	}
	return rc;
}

const char *
ots_conf_args_where(const struct ots_conf_args *a, int idx, char *buf, size_t len)
{
	buf[0] = '\0';
	if (a && a->path && idx >= 1 && idx <= a->n_file)
		snprintf(buf, len, "%s:%u:%u: ", a->path, a->line[idx - 1], a->col[idx - 1]);
	return buf;
}

/* The values of option name among the file's arguments, joined by '\n' (NULL: no memory). */
static char *
values_of(const struct ots_conf_args *a, const char *name)
{
	char *s = strdup(""), *ns, nm[128];
	size_t n = 0;
	int i;

	for (i = 1; s && i <= a->n_file; i++) {
		const char *arg = a->argv[i], *eq;

		if (strcmp(arg_name(arg, nm, sizeof(nm)), name) != 0)
			continue;
		eq = strchr(arg, '=');
		eq = eq ? eq + 1 : "";
		ns = realloc(s, n + strlen(eq) + 2);
		if (!ns) {
			free(s);
			return NULL;
		}
		s = ns;
		n += (size_t)sprintf(s + n, "%s\n", eq);
	}
	return s;
}

size_t
ots_conf_args_changed(const struct ots_conf_args *old, const struct ots_conf_args *nw,
                      const struct option *opts, const char **names, size_t max)
{
	size_t n = 0;

	for (; opts->name; opts++) {
		char *x = values_of(old, opts->name), *y = values_of(nw, opts->name);

		if (!x || !y || strcmp(x, y) != 0) {
			if (n < max)
				names[n] = opts->name;
			n++;
		}
		free(x);
		free(y);
	}
	return n;
}

void
ots_conf_args_print(FILE *fp, const struct ots_conf_args *a)
{
	int i;

	for (i = 1; i <= a->n_file; i++)
		fprintf(fp, "  %s  (%s:%u)\n", a->argv[i], a->path, a->line[i - 1]);
	if (a->argc > a->n_file + 1) {
		fputs("  command line:", fp);
		for (i = a->n_file + 1; i < a->argc; i++)
			fprintf(fp, " %s", a->argv[i]);
		fputc('\n', fp);
	}
}
