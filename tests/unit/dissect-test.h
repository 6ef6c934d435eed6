/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dissect-test.h: shared helpers for dissector unit tests (header-only, static functions).
 *
 * A collector records every op, fact and flag a dissector reports (fact values copied), and
 * dt_sweep() runs a truncation sweep: every prefix of a PDU through pdu_len() and parse(),
 * each prefix copied into an exact-size heap buffer so ASan catches any read past its end.
 */
#ifndef OTS_DISSECT_TEST_H
#define OTS_DISSECT_TEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"

#define DT_MAX 256

struct dt_fact {
	uint16_t proto;
	uint8_t attr, side;
	const char *source;
	char value[256];
};

struct dt {
	struct ots_ics_op ops[DT_MAX];
	size_t n_ops;
	struct dt_fact facts[DT_MAX];
	size_t n_facts;
	struct ots_ics_flag_rec flags[DT_MAX];
	size_t n_flags;
	struct ots_dissect_out out;
	uint8_t state[4096];
};

static inline void
dt_on_op(void *ctx, const struct ots_ics_op *op)
{
	struct dt *t = ctx;

	if (t->n_ops < DT_MAX)
		t->ops[t->n_ops++] = *op;
}

static inline void
dt_on_fact(void *ctx, const struct ots_ics_fact *f)
{
	struct dt *t = ctx;
	struct dt_fact *d;
	size_t n = f->value_len < sizeof(d->value) - 1 ? f->value_len : sizeof(d->value) - 1;

	if (t->n_facts >= DT_MAX)
		return;
	d = &t->facts[t->n_facts++];
	d->proto = f->proto;
	d->attr = f->attr;
	d->side = f->side;
	d->source = f->source;
	memcpy(d->value, f->value, n);
	d->value[n] = '\0';
}

static inline void
dt_on_flag(void *ctx, const struct ots_ics_flag_rec *r)
{
	struct dt *t = ctx;

	if (t->n_flags < DT_MAX)
		t->flags[t->n_flags++] = *r;
}

/* Reset the collector and the dissector state. */
static inline void
dt_reset(struct dt *t)
{
	memset(t, 0, sizeof(*t));
	t->out.op = dt_on_op;
	t->out.fact = dt_on_fact;
	t->out.flag = dt_on_flag;
	t->out.ctx = t;
}

/* Parse one PDU copied into an exact-size buffer (so ASan sees overreads). */
static inline int
dt_parse(struct dt *t, const struct ots_dissector *d, const uint8_t *pdu, size_t len, int dir,
         uint16_t sport, uint16_t dport)
{
	struct ots_dissect_pkt pkt = { dir, sport, dport, 1700000000000000ull };
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, pdu, len);
	rc = d->parse(d->state_size ? t->state : NULL, copy, len, &pkt, &t->out);
	free(copy);
	return rc;
}

/* Value of the first fact with attr, or NULL. */
static inline const char *
dt_fact(const struct dt *t, uint8_t attr)
{
	size_t i;

	for (i = 0; i < t->n_facts; i++)
		if (t->facts[i].attr == attr)
			return t->facts[i].value;
	return NULL;
}

/*
 * Truncation sweep over every prefix 0..len-1 of one valid PDU. For each prefix: pdu_len()
 * must answer "need more" (0) or the full PDU's length (a length field read early), never
 * anything else; probe() and parse() must not read past the prefix (exact-size copies under
 * ASan); parse() must not report more ops than the whole PDU gives. Returns the number of
 * prefixes parse() rejected; a broken rule adds 1000000 so the caller's assert shows it.
 * A framed protocol rejects every strict prefix: the caller asserts the result == len.
 */
static inline size_t
dt_sweep(const struct ots_dissector *d, const uint8_t *pdu, size_t len, int dir, uint16_t sport,
         uint16_t dport, size_t full_ops)
{
	struct ots_dissect_pkt pkt = { dir, sport, dport, 1700000000000000ull };
	static struct dt t;
	size_t k, rejected = 0;

	for (k = 0; k < len; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		int rc;

		memcpy(copy, pdu, k);
		if (d->pdu_len) {
			long n = d->pdu_len(copy, k);

			if (n != 0 && n != (long)len)
				rejected += 1000000;
		}
		if (d->probe)
			(void)d->probe(copy, k, &pkt);
		dt_reset(&t);
		rc = d->parse(d->state_size ? t.state : NULL, copy, k, &pkt, &t.out);
		if (rc != OTS_OK)
			rejected++;
		if (t.n_ops > full_ops)
			rejected += 1000000; /* a prefix produced more than the whole: make it show */
		free(copy);
	}
	return rejected;
}

#endif
