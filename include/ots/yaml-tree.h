/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yaml-tree.h: a strict YAML document read through libyaml's event API into a small tree
 * (src/yaml-tree.c), shared by the zones file (zones.c) and the config file (conf-file.c).
 *
 * Anchors, aliases and explicit tags are refused (so no alias expansion can blow up), as are
 * a second document, a NUL character in a string, nesting deeper than max_depth and more than
 * max_nodes nodes. Each error is one line "NAME:LINE:COL: reason" (1-based, libyaml marks),
 * or "NAME: reason" when there is no position.
 */
#ifndef OTS_YAML_TREE_H
#define OTS_YAML_TREE_H

#include <stddef.h>

#include "ots/compiler.h"

#define OTS_YSHOW_MAX 48    /* bytes of a value quoted in an error (ots_yclean) */
#define OTS_YDEPTH_MAX 32   /* bound on ots_yctx.max_depth */

enum ots_ynode_type { OTS_YSCALAR = 0, OTS_YSEQ = 1, OTS_YMAP = 2 };

struct ots_ynode {
	enum ots_ynode_type type;
	int plain;               /* unquoted scalar */
	char *s;                 /* scalar text, NUL-terminated; NULL for a list or mapping */
	size_t len;
	struct ots_ynode **kid;  /* list items, or key, value, key, value ... */
	size_t n, cap;
	unsigned line, col;      /* 1-based */
};

/* Flags of ots_yctx. */
#define OTS_YNAME_PROPS 0x1   /* name the refused anchor or tag in its message */
#define OTS_YREADER_VALUE 0x2 /* give the offending value "(#XX)" of an input (encoding) error */

/* One parse: the input, the caller's error buffer and the limits. Filled by the caller. */
struct ots_yctx {
	const char *name;        /* input name in messages */
	const char *buf;         /* input, len bytes (need not be NUL-terminated) */
	size_t len;
	char *err;               /* one-line reason; may be NULL */
	size_t errlen;
	const char *kind;        /* "zones file", "config file": "... not supported in a KIND" */
	unsigned max_depth;      /* nesting levels (at most OTS_YDEPTH_MAX) */
	unsigned max_nodes;      /* nodes in the document */
	size_t max_map_keys;     /* keys of one mapping, 0 for no limit (OTS_EINVAL) */
	const char *map_keys_note; /* appended to the max_map_keys message ("" when NULL) */
	size_t max_list;         /* items of one list, 0 for no limit (OTS_ELIMIT) */
	unsigned flags;          /* OTS_Y* flags above */
};

/*
 * Build the tree of the single document of c's input into *root (NULL when there is none).
 * Returns OTS_OK, or OTS_EINVAL (bad YAML or refused construct), OTS_ELIMIT (a limit of c),
 * OTS_ENOMEM, with c->err filled; *root is NULL on error. Free *root with ots_ynode_free.
 */
int ots_ytree_build(const struct ots_yctx *c, struct ots_ynode **root);

/* Free n and its descendants; NULL is fine. */
void ots_ynode_free(struct ots_ynode *n);

/*
 * Write "NAME:LINE:COL: " (or "NAME: " when line is 0) and the formatted reason into c->err
 * when there is one. Returns rc, so that callers can write "return ots_yerr_at(...);".
 */
int ots_yerr_at(const struct ots_yctx *c, unsigned line, unsigned col, int rc, const char *fmt,
                ...) OTS_PRINTF(5, 6);

/*
 * Copy s[0..len) into buf (blen bytes, OTS_YSHOW_MAX + 8 holds any) for a one-line message:
 * control bytes become '?', values longer than OTS_YSHOW_MAX end with "...". Returns buf.
 */
const char *ots_yclean(const char *s, size_t len, char *buf, size_t blen);

/* Whether n is a plain scalar that YAML reads as null: empty, ~, null, Null, NULL. */
int ots_yis_null(const struct ots_ynode *n);

/*
 * What n is, for "not ..." in messages: "a list", "a mapping", "null", or the quoted and
 * cleaned scalar written into buf (blen bytes, OTS_YSHOW_MAX + 8 holds any). Static or buf.
 */
const char *ots_ywhat(const struct ots_ynode *n, char *buf, size_t blen);

#endif
