/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yaml-tree.c: libyaml's events built into a small tree (yaml-tree.h) with anchors, aliases
 * and tags refused and the caller's limits enforced; the message helpers of its users.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ots/error.h"
#include "ots/yaml-tree.h"

void
ots_ynode_free(struct ots_ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ots_ynode_free(n->kid[i]);
	free(n->kid);
	free(n->s);
	free(n);
}

static int
node_add(struct ots_ynode *parent, struct ots_ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct ots_ynode **k = realloc(parent->kid, cap * sizeof(*k));

		if (k == NULL)
			return OTS_ENOMEM;
		parent->kid = k;
		parent->cap = cap;
	}
	parent->kid[parent->n++] = kid;
	return OTS_OK;
}

int
ots_yerr_at(const struct ots_yctx *c, unsigned line, unsigned col, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err == NULL || c->errlen == 0)
		return rc;
	if (line)
		n = snprintf(c->err, c->errlen, "%s:%u:%u: ", c->name, line, col);
	else
		n = snprintf(c->err, c->errlen, "%s: ", c->name);
	if (n < 0 || (size_t)n >= c->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
ots_yclean(const char *s, size_t len, char *buf, size_t blen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < blen && i < OTS_YSHOW_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (i < len && o + 4 <= blen) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int
ots_yis_null(const struct ots_ynode *n)
{
	return n->type == OTS_YSCALAR && n->plain &&
	       (n->len == 0 || strcmp(n->s, "~") == 0 || strcmp(n->s, "null") == 0 ||
	        strcmp(n->s, "Null") == 0 || strcmp(n->s, "NULL") == 0);
}

const char *
ots_ywhat(const struct ots_ynode *n, char *buf, size_t blen)
{
	char v[OTS_YSHOW_MAX + 8];

	if (n->type == OTS_YSEQ)
		return "a list";
	if (n->type == OTS_YMAP)
		return "a mapping";
	if (ots_yis_null(n))
		return "null";
	snprintf(buf, blen, "'%s'", ots_yclean(n->s, n->len, v, sizeof(v)));
	return buf;
}

static const char *
yaml_problem(const char *p)
{
	return p ? p : "unknown problem";
}

/* Line and column (1-based) of byte offset off in the input. */
static void
offset_mark(const struct ots_yctx *c, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < c->len; i++) {
		if (c->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int
syntax_error(const struct ots_yctx *c, const yaml_parser_t *p)
{
	unsigned line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return ots_yerr_at(c, 0, 0, OTS_ENOMEM, "out of memory while parsing YAML");
	case YAML_READER_ERROR:
		offset_mark(c, p->problem_offset, &line, &col);
		if ((c->flags & OTS_YREADER_VALUE) && p->problem_value != -1)
			return ots_yerr_at(c, line, col, OTS_EINVAL, "invalid input: %s (#%X)",
			                   yaml_problem(p->problem), (unsigned)p->problem_value);
		return ots_yerr_at(c, line, col, OTS_EINVAL, "invalid input: %s",
		                   yaml_problem(p->problem));
	default:
		line = (unsigned)p->problem_mark.line + 1;
		col = (unsigned)p->problem_mark.column + 1;
		if (p->context)
			return ots_yerr_at(c, line, col, OTS_EINVAL,
			                   "YAML syntax error: %s (%s at line %u, column %u)",
			                   yaml_problem(p->problem), p->context,
			                   (unsigned)p->context_mark.line + 1,
			                   (unsigned)p->context_mark.column + 1);
		return ots_yerr_at(c, line, col, OTS_EINVAL, "YAML syntax error: %s",
		                   yaml_problem(p->problem));
	}
}

/* Refuse an alias event. */
static int
refuse_alias(const struct ots_yctx *c, unsigned line, unsigned col)
{
	if (c->flags & OTS_YNAME_PROPS)
		return ots_yerr_at(c, line, col, OTS_EINVAL,
		                   "YAML alias refused: anchors and aliases are not supported in a %s",
		                   c->kind);
	return ots_yerr_at(c, line, col, OTS_EINVAL,
	                   "YAML anchors and aliases are not supported in a %s", c->kind);
}

/* Refuse anchors and tags on a node event (aliases are refused where they occur). */
static int
check_props(const struct ots_yctx *c, unsigned line, unsigned col, const yaml_char_t *anchor,
            const yaml_char_t *tag)
{
	char v[OTS_YSHOW_MAX + 8];

	if (anchor && (c->flags & OTS_YNAME_PROPS))
		return ots_yerr_at(c, line, col, OTS_EINVAL,
		                   "YAML anchor '&%s' refused: anchors and aliases are not supported in a %s",
		                   ots_yclean((const char *)anchor, strlen((const char *)anchor), v,
		                              sizeof(v)),
		                   c->kind);
	if (anchor)
		return refuse_alias(c, line, col);
	if (tag && (c->flags & OTS_YNAME_PROPS))
		return ots_yerr_at(c, line, col, OTS_EINVAL,
		                   "YAML tag '%s' refused: explicit tags are not supported in a %s",
		                   ots_yclean((const char *)tag, strlen((const char *)tag), v,
		                              sizeof(v)),
		                   c->kind);
	if (tag)
		return ots_yerr_at(c, line, col, OTS_EINVAL, "YAML tags are not supported in a %s",
		                   c->kind);
	return OTS_OK;
}

/* The error when the list or mapping up is full, OTS_OK when n may go in. */
static int
check_kids(const struct ots_yctx *c, const struct ots_ynode *up)
{
	if (up->type == OTS_YMAP && c->max_map_keys && up->n >= 2 * c->max_map_keys)
		return ots_yerr_at(c, up->line, up->col, OTS_EINVAL,
		                   "a mapping with more than %zu keys%s", c->max_map_keys,
		                   c->map_keys_note ? c->map_keys_note : "");
	if (up->type == OTS_YSEQ && c->max_list && up->n >= c->max_list)
		return ots_yerr_at(c, up->line, up->col, OTS_ELIMIT,
		                   "a list longer than %zu entries", c->max_list);
	return OTS_OK;
}

int
ots_ytree_build(const struct ots_yctx *c, struct ots_ynode **root)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ots_ynode *stack[OTS_YDEPTH_MAX];
	unsigned max_depth = c->max_depth < OTS_YDEPTH_MAX ? c->max_depth : OTS_YDEPTH_MAX;
	size_t depth = 0, nodes = 0;
	int docs = 0, done = 0, rc = OTS_OK;

	*root = NULL;
	if (!yaml_parser_initialize(&p))
		return ots_yerr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)(c->len ? c->buf : ""), c->len);
	while (!done && rc == OTS_OK) {
		struct ots_ynode *n = NULL;
		unsigned line, col;

		if (!yaml_parser_parse(&p, &ev)) {
			rc = syntax_error(c, &p);
			break;
		}
		line = (unsigned)ev.start_mark.line + 1;
		col = (unsigned)ev.start_mark.column + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = ots_yerr_at(c, line, col, OTS_EINVAL,
				                 "a second YAML document (a %s holds one)", c->kind);
			break;
		case YAML_ALIAS_EVENT:
			rc = refuse_alias(c, line, col);
			break;
		case YAML_SCALAR_EVENT:
			rc = check_props(c, line, col, ev.data.scalar.anchor, ev.data.scalar.tag);
			if (rc != OTS_OK)
				break;
			if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length) != NULL) {
				rc = ots_yerr_at(c, line, col, OTS_EINVAL, "NUL character in a string");
				break;
			}
			n = calloc(1, sizeof(*n));
			if (n == NULL || (n->s = malloc(ev.data.scalar.length + 1)) == NULL) {
				free(n);
				n = NULL;
				rc = ots_yerr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
				break;
			}
			n->type = OTS_YSCALAR;
			memcpy(n->s, ev.data.scalar.value, ev.data.scalar.length);
			n->s[ev.data.scalar.length] = '\0';
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				rc = check_props(c, line, col, ev.data.sequence_start.anchor,
				                 ev.data.sequence_start.tag);
			else
				rc = check_props(c, line, col, ev.data.mapping_start.anchor,
				                 ev.data.mapping_start.tag);
			if (rc != OTS_OK)
				break;
			if (depth == max_depth) {
				rc = ots_yerr_at(c, line, col, OTS_ELIMIT, "nesting deeper than %u levels",
				                 max_depth);
				break;
			}
			n = calloc(1, sizeof(*n));
			if (n == NULL) {
				rc = ots_yerr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
				break;
			}
			n->type = ev.type == YAML_SEQUENCE_START_EVENT ? OTS_YSEQ : OTS_YMAP;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		if (n != NULL && ++nodes > c->max_nodes) {
			ots_ynode_free(n);
			n = NULL;
			rc = ots_yerr_at(c, line, col, OTS_ELIMIT, "more than %u YAML nodes",
			                 c->max_nodes);
		}
		if (n != NULL && depth > 0 && (rc = check_kids(c, stack[depth - 1])) != OTS_OK) {
			ots_ynode_free(n);
			n = NULL;
		}
		if (n != NULL) {
			n->line = line;
			n->col = col;
			if (depth > 0) {
				if (node_add(stack[depth - 1], n) != OTS_OK) {
					ots_ynode_free(n);
					n = NULL;
					rc = ots_yerr_at(c, 0, 0, OTS_ENOMEM, "out of memory");
				}
			} else if (*root == NULL) {
				*root = n;
			} else {
				ots_ynode_free(n); /* cannot happen: one document, one root */
				n = NULL;
			}
			if (n != NULL && rc == OTS_OK && n->type != OTS_YSCALAR)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc != OTS_OK) {
		ots_ynode_free(*root);
		*root = NULL;
	}
	return rc;
}
