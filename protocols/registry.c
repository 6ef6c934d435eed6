/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry.c: the one table of dissectors, in probe order (most specific structure first).
 * A plain const array, not linker-section self-registration: a static test build can never
 * silently lose a dissector.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ots/compiler.h"
#include "ots/dissector.h"
#include "ots/error.h"

extern const struct ots_dissector ots_dissector_bacnet;
extern const struct ots_dissector ots_dissector_cdp;
extern const struct ots_dissector ots_dissector_dhcp;
extern const struct ots_dissector ots_dissector_dnp3;
extern const struct ots_dissector ots_dissector_enip;
extern const struct ots_dissector ots_dissector_fins;
extern const struct ots_dissector ots_dissector_ftp;
extern const struct ots_dissector ots_dissector_goose;
extern const struct ots_dissector ots_dissector_hartip;
extern const struct ots_dissector ots_dissector_iec104;
extern const struct ots_dissector ots_dissector_lldp;
extern const struct ots_dissector ots_dissector_mms;
extern const struct ots_dissector ots_dissector_modbus;
extern const struct ots_dissector ots_dissector_opcua;
extern const struct ots_dissector ots_dissector_pndcp;
extern const struct ots_dissector ots_dissector_s7comm;
extern const struct ots_dissector ots_dissector_s7comm_plus;
extern const struct ots_dissector ots_dissector_slmp;
extern const struct ots_dissector ots_dissector_telnet;

const struct ots_dissector *const ots_dissectors[] = {
	&ots_dissector_s7comm,
	&ots_dissector_s7comm_plus,
	&ots_dissector_mms,
	&ots_dissector_modbus,
	&ots_dissector_dnp3,
	&ots_dissector_enip,
	&ots_dissector_iec104,
	&ots_dissector_opcua,
	&ots_dissector_fins,
	&ots_dissector_slmp,
	&ots_dissector_hartip,
	&ots_dissector_ftp,
	&ots_dissector_telnet,
	&ots_dissector_bacnet,
	&ots_dissector_dhcp,
	&ots_dissector_pndcp,
	&ots_dissector_goose,
	&ots_dissector_lldp,
	&ots_dissector_cdp,
};

const size_t ots_dissectors_count = OTS_ARRAY_LEN(ots_dissectors);

const struct ots_dissector *
ots_dissector_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ots_dissectors_count; i++)
		if (strcmp(ots_dissectors[i]->name, name) == 0)
			return ots_dissectors[i];
	return NULL;
}

const struct ots_dissector *
ots_dissector_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < ots_dissectors_count; i++)
		if (ots_dissectors[i]->id == id)
			return ots_dissectors[i];
	return NULL;
}

void
ots_dissector_functions_each(const struct ots_dissector *d, ots_fn_visit_fn visit, void *ctx)
{
	if (d && d->functions && visit)
		d->functions(visit, ctx);
}

struct fn_find {
	const char *name;
	struct ots_fn_desc found;
	int n;
};

static void
fn_find_visit(void *ctx, const struct ots_fn_desc *fd)
{
	struct fn_find *f = ctx;

	if (strcmp(fd->name, f->name) != 0)
		return;
	if (f->n++ == 0) {
		f->found = *fd;
		return;
	}
	if (f->found.code != fd->code)
		f->found.code = OTS_FN_CODE_NONE;
	if (f->found.op_class != fd->op_class)
		f->found.op_class = OTS_OP__COUNT;
}

int
ots_dissector_function(const struct ots_dissector *d, const char *name, struct ots_fn_desc *out)
{
	struct fn_find f;

	if (!d || !name)
		return 0;
	memset(&f, 0, sizeof(f));
	f.name = name;
	ots_dissector_functions_each(d, fn_find_visit, &f);
	if (f.n == 0)
		return 0;
	if (out)
		*out = f.found;
	return 1;
}

/* Entries gathered for printing. */
struct fn_row {
	const char *proto;
	struct ots_fn_desc fd;
};

struct fn_rows {
	struct fn_row *v;
	size_t n, cap;
	const char *proto;
	int nomem;
};

static void
fn_rows_visit(void *ctx, const struct ots_fn_desc *fd)
{
	struct fn_rows *r = ctx;

	if (r->nomem)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct fn_row *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			r->nomem = 1;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].proto = r->proto;
	r->v[r->n].fd = *fd;
	r->n++;
}

static int
fn_row_cmp(const void *a, const void *b)
{
	const struct fn_row *x = a, *y = b;
	int c = strcmp(x->proto, y->proto);

	if (c == 0)
		c = strcmp(x->fd.name, y->fd.name);
	if (c == 0 && x->fd.code != y->fd.code)
		c = x->fd.code < y->fd.code ? -1 : 1;
	if (c == 0 && x->fd.op_class != y->fd.op_class)
		c = x->fd.op_class < y->fd.op_class ? -1 : 1;
	return c;
}

int
ots_dissector_print_functions(FILE *f, const char *proto, char *err, size_t errlen)
{
	struct fn_rows r;
	size_t i;
	int rc = OTS_OK;

	memset(&r, 0, sizeof(r));
	if (proto && *proto && !ots_dissector_by_name(proto)) {
		size_t off;

		off = (size_t)snprintf(err, errlen, "--list-functions: no protocol '%s' (known:", proto);
		for (i = 0; i < ots_dissectors_count && off < errlen; i++)
			off += (size_t)snprintf(err + off, errlen - off, " %s", ots_dissectors[i]->name);
		if (off < errlen)
			snprintf(err + off, errlen - off, ")");
		return OTS_ENOTSUP;
	}
	for (i = 0; i < ots_dissectors_count; i++) {
		if (proto && *proto && strcmp(ots_dissectors[i]->name, proto) != 0)
			continue;
		r.proto = ots_dissectors[i]->name;
		ots_dissector_functions_each(ots_dissectors[i], fn_rows_visit, &r);
	}
	if (r.nomem) {
		free(r.v);
		snprintf(err, errlen, "--list-functions: out of memory");
		return OTS_ENOMEM;
	}
	if (r.n > 0)
		qsort(r.v, r.n, sizeof(r.v[0]), fn_row_cmp);
	for (i = 0; i < r.n; i++) {
		const struct fn_row *w = &r.v[i];

		if (i > 0 && fn_row_cmp(&r.v[i - 1], w) == 0)
			continue;
		fprintf(f, "%s\t%s\t", w->proto, w->fd.name);
		if (w->fd.code == OTS_FN_CODE_NONE)
			fputs("-\t", f);
		else
			fprintf(f, "%" PRIu32 "\t", w->fd.code);
		fprintf(f, "%s\n", w->fd.op_class < OTS_OP__COUNT ?
		                   ots_op_class_name((enum ots_op_class)w->fd.op_class) : "-");
	}
	free(r.v);
	if (fflush(f) != 0 || ferror(f)) {
		snprintf(err, errlen, "--list-functions: write error");
		rc = OTS_EIO;
	}
	return rc;
}
