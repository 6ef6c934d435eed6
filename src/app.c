/* SPDX-License-Identifier: BSD-3-Clause */
/* app.c: dissector choice, PDU framing and per-flow dissector state (see app.h). */
#include <stdlib.h>
#include <string.h>

#include "ots/app.h"
#include "ots/compiler.h"
#include "ots/error.h"

struct ots_app {
	const struct ots_dissector *d;
	uint8_t *buf[2];         /* partial PDU per direction */
	uint32_t blen[2], bcap[2];
	uint8_t desync_run[2];   /* framing errors in a row */
	uint8_t dead;            /* given up after too many framing errors */
	uint8_t fact_next;
	uint8_t finished;        /* fini() was called */
	uint32_t facts[8];       /* hashes of the last identity facts reported (dedup; a device
	                          * tells at most about 8 in one answer, and the output keeps
	                          * its own set: a miss here costs a record, not a duplicate) */
	struct ots_ics_counts cnt; /* what the flow did, for its flow record */
	uint64_t state[];        /* d->state_size bytes, 8-aligned */
};

static int
port_hint(const struct ots_dissector *d, const struct ots_dissect_pkt *pkt)
{
	size_t i;

	for (i = 0; i < OTS_ARRAY_LEN(d->ports) && d->ports[i]; i++)
		if (d->ports[i] == pkt->sport || d->ports[i] == pkt->dport)
			return 1;
	return 0;
}

const struct ots_dissector *
ots_app_choose(uint8_t transport, const uint8_t *data, size_t len,
               const struct ots_dissect_pkt *pkt)
{
	const struct ots_dissector *best = NULL;
	int bestc = 0;
	size_t i;

	for (i = 0; i < ots_dissectors_count; i++) {
		const struct ots_dissector *d = ots_dissectors[i];
		int c;

		if (!(d->transports & transport) || !d->probe)
			continue;
		c = d->probe(data, len, pkt);
		if (c <= OTS_PROBE_NO)
			continue;
		if (port_hint(d, pkt))
			c += 10; /* the content spoke first; the port only breaks ties */
		if (c > bestc) {
			bestc = c;
			best = d;
		}
	}
	return bestc >= OTS_PROBE_MAYBE ? best : NULL;
}

static void
drop_buf(struct ots_app *a, int dir)
{
	a->blen[dir] = 0;
}

/* Decide the flow's dissector on this payload. Returns bytes allocated (0 when none). */
static long
choose(struct ots_flow *f, uint8_t transport, const uint8_t *data, size_t len,
       const struct ots_dissect_pkt *pkt, struct ots_app_counters *c)
{
	const struct ots_dissector *d;
	long sz;

	if (len == 0)
		return 0;
	d = ots_app_choose(transport, data, len, pkt);
	if (!d) {
		if (++f->app_probes >= OTS_APP_MAX_PROBES)
			f->app_verdict = OTS_APP_NONE;
		return 0;
	}
	sz = ots_app_attach(f, d);
	if (!sz) {
		c->alloc_fail++;
		return 0;
	}
	c->proto[d->id < OTS_APP_PROTO_MAX ? d->id : 0].flows++;
	return sz;
}

long
ots_app_attach(struct ots_flow *f, const struct ots_dissector *d)
{
	size_t sz = sizeof(struct ots_app) + ((d->state_size + 7u) & ~(size_t)7u);

	f->app = calloc(1, sz);
	if (!f->app) {
		f->app_verdict = OTS_APP_NONE;
		return 0;
	}
	f->app->d = d;
	f->app_verdict = OTS_APP_CHOSEN;
	f->app_proto = d->id;
	return (long)sz;
}

unsigned
ots_app_ndpi_after_claim(const struct ots_flow *f)
{
	unsigned n = f->app ? f->app->d->ndpi_after_claim : 0;

	return n ? n : OTS_NDPI_AFTER_CLAIM;
}

static struct ots_app_stats *
pstats(struct ots_app_counters *c, const struct ots_dissector *d)
{
	/* ids beyond the table (none today) share slot 0, "none" */
	return &c->proto[d->id < OTS_APP_PROTO_MAX ? d->id : 0];
}

static void
parse_one(struct ots_app *a, const uint8_t *pdu, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out, struct ots_app_counters *c)
{
	struct ots_app_stats *s = pstats(c, a->d);
	int rc = a->d->parse(a->d->state_size ? a->state : NULL, pdu, len, pkt, out);

	s->pdus++;
	if (rc != OTS_OK)
		s->malformed++;
}

/* Append n bytes to direction dir's buffer. Returns bytes allocated, or -1 on failure. */
static long
append(struct ots_app *a, int dir, const uint8_t *data, size_t n)
{
	long grown = 0;

	if (a->blen[dir] + n > a->bcap[dir]) {
		uint32_t cap = a->bcap[dir] ? a->bcap[dir] : 256;
		uint8_t *nb;

		while (cap < a->blen[dir] + n)
			cap *= 2;
		if (cap > a->d->max_pdu)
			cap = a->d->max_pdu;
		if (a->blen[dir] + n > cap)
			return -1;
		nb = realloc(a->buf[dir], cap);
		if (!nb)
			return -1;
		grown = (long)cap - (long)a->bcap[dir];
		a->buf[dir] = nb;
		a->bcap[dir] = cap;
	}
	memcpy(a->buf[dir] + a->blen[dir], data, n);
	a->blen[dir] += (uint32_t)n;
	return grown;
}

static void
desync(struct ots_app *a, int dir, struct ots_app_counters *c)
{
	struct ots_app_stats *s = pstats(c, a->d);

	s->desync++;
	drop_buf(a, dir);
	if (++a->desync_run[dir] >= OTS_APP_MAX_DESYNC && !a->dead) {
		a->dead = 1;
		s->given_up++;
	}
}

/* Frame and parse in-order bytes of one direction. Returns bytes allocated. */
static long
frame(struct ots_app *a, int dir, const uint8_t *data, size_t len,
      const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
      struct ots_app_counters *c)
{
	const struct ots_dissector *d = a->d;
	long grown = 0, g;

	while (len > 0 && !a->dead) {
		long n;

		if (a->blen[dir] == 0) {
			/* Zero copy: whole PDUs straight from the segment. */
			n = d->pdu_len(data, len);
			if (n < 0 || (uint64_t)n > d->max_pdu) {
				desync(a, dir, c);
				return grown;
			}
			if (n > 0 && (size_t)n <= len) {
				a->desync_run[dir] = 0;
				parse_one(a, data, (size_t)n, pkt, out, c);
				data += n;
				len -= (size_t)n;
				continue;
			}
			g = append(a, dir, data, len);
			if (g < 0) {
				desync(a, dir, c);
				return grown;
			}
			return grown + g;
		}
		/* Complete the partial PDU: as many bytes as it needs, or a header's worth. */
		n = d->pdu_len(a->buf[dir], a->blen[dir]);
		if (n < 0 || (uint64_t)n > d->max_pdu) {
			desync(a, dir, c);
			continue; /* retry on what is left of this segment */
		}
		{
			size_t room = d->max_pdu - a->blen[dir];
			size_t need = n > 0 ? (size_t)n - a->blen[dir] : 64;
			size_t take = need < len ? need : len;

			if (take > room)
				take = room;
			if (take == 0) { /* a header that never completes within max_pdu */
				desync(a, dir, c);
				continue;
			}

			g = append(a, dir, data, take);
			if (g < 0) {
				desync(a, dir, c);
				return grown;
			}
			grown += g;
			data += take;
			len -= take;
		}
		for (;;) {
			n = d->pdu_len(a->buf[dir], a->blen[dir]);
			if (n < 0 || (uint64_t)n > d->max_pdu) {
				desync(a, dir, c);
				break;
			}
			if (n == 0 || (size_t)n > a->blen[dir])
				break; /* wait for more */
			a->desync_run[dir] = 0;
			parse_one(a, a->buf[dir], (size_t)n, pkt, out, c);
			memmove(a->buf[dir], a->buf[dir] + n, a->blen[dir] - (size_t)n);
			a->blen[dir] -= (uint32_t)n;
			if (a->blen[dir] == 0)
				break;
		}
	}
	return grown;
}

long
ots_app_tcp(struct ots_flow *f, int dir, const uint8_t *data, size_t len,
            const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
            struct ots_app_counters *c)
{
	long grown = 0;

	if (f->app_verdict == OTS_APP_PROBING)
		grown = choose(f, OTS_TR_TCP, data, len, pkt, c);
	if (f->app_verdict != OTS_APP_CHOSEN || !f->app || !f->app->d->pdu_len)
		return grown;
	return grown + frame(f->app, dir & 1, data, len, pkt, out, c);
}

void
ots_app_tcp_gap(struct ots_flow *f, int dir)
{
	struct ots_app *a = f->app;

	if (!a)
		return;
	drop_buf(a, dir & 1);
	if (a->d->gap)
		a->d->gap(a->d->state_size ? a->state : NULL, dir & 1);
}

long
ots_app_udp(struct ots_flow *f, int dir, const uint8_t *data, size_t len,
            const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
            struct ots_app_counters *c)
{
	long grown = 0;

	(void)dir;
	if (f->app_verdict == OTS_APP_PROBING)
		grown = choose(f, OTS_TR_UDP, data, len, pkt, c);
	if (f->app_verdict != OTS_APP_CHOSEN || !f->app || len == 0)
		return grown;
	parse_one(f->app, data, len, pkt, out, c);
	return grown;
}

void
ots_app_count(struct ots_flow *f, const struct ots_ics_op *op)
{
	struct ots_ics_counts *c;
	struct ots_ics_fn_count *fc = NULL;
	unsigned i;

	if (!f->app)
		return;
	c = &f->app->cnt;
	if (op->op_class < OTS_OP__COUNT)
		c->ops[op->op_class]++;
	for (i = 0; i < c->n_fn; i++) {
		if (c->fn[i].code == op->function && c->fn[i].op_class == op->op_class) {
			fc = &c->fn[i];
			break;
		}
	}
	if (!fc) {
		if (c->n_fn == OTS_ICS_FN_SLOTS) {
			c->fn_other++;
			return;
		}
		uint64_t ms = f->last_ts > f->first_ts ? (f->last_ts - f->first_ts) / 1000 : 0;

		c->fn_first_ms[c->n_fn] = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
		fc = &c->fn[c->n_fn++];
		fc->code = op->function;
		fc->op_class = op->op_class;
		fc->name = op->function_name;
	}
	if (op->is_response)
		fc->responses++;
	else
		fc->requests++;
	if (op->has_exception && fc->exceptions < UINT16_MAX)
		fc->exceptions++;
}

void
ots_app_counts_take(struct ots_flow *f, struct ots_ics_counts *out)
{
	if (!f->app) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = f->app->cnt;
	memset(&f->app->cnt, 0, sizeof(f->app->cnt));
}

const struct ots_dissector *
ots_app_ether_dissector(uint16_t ethertype)
{
	size_t i;

	for (i = 0; i < ots_dissectors_count; i++) {
		const struct ots_dissector *d = ots_dissectors[i];

		if ((d->transports & OTS_TR_ETHER) && d->ethertype == ethertype)
			return d;
	}
	return NULL;
}

size_t
ots_app_ether_state_max(void)
{
	size_t i, m = 0;

	for (i = 0; i < ots_dissectors_count; i++) {
		const struct ots_dissector *d = ots_dissectors[i];

		if ((d->transports & OTS_TR_ETHER) && d->state_size > m)
			m = d->state_size;
	}
	return m;
}

void
ots_app_ether(const struct ots_dissector *d, void *state, const uint8_t *data, size_t len,
              const struct ots_dissect_pkt *pkt, const struct ots_dissect_out *out,
              struct ots_app_counters *c)
{
	struct ots_app_stats *s = pstats(c, d);

	s->pdus++;
	if (d->parse(d->state_size ? state : NULL, data, len, pkt, out) != OTS_OK)
		s->malformed++;
}

void
ots_app_fini(struct ots_flow *f, const struct ots_dissect_out *out)
{
	struct ots_app *a = f->app;

	if (!a || a->finished)
		return;
	a->finished = 1;
	if (a->d->fini)
		a->d->fini(a->d->state_size ? a->state : NULL, out);
}

long
ots_app_end(struct ots_flow *f, const struct ots_dissect_out *out)
{
	struct ots_app *a = f->app;
	long freed;

	if (!a)
		return 0;
	ots_app_fini(f, out);
	freed = (long)(sizeof(*a) + ((a->d->state_size + 7u) & ~(size_t)7u) + a->bcap[0] +
	               a->bcap[1]);
	free(a->buf[0]);
	free(a->buf[1]);
	free(a);
	f->app = NULL;
	return -freed;
}

/* A small ring of hashes: 1 when h is in it, else remember it (replacing the oldest). */
static int
recently_seen(uint32_t *v, size_t n, uint8_t *next, uint32_t h)
{
	size_t i;

	h |= 1; /* 0 marks an empty slot */
	for (i = 0; i < n; i++)
		if (v[i] == h)
			return 1;
	v[*next % n] = h;
	*next = (uint8_t)((*next + 1) % n);
	return 0;
}

int
ots_app_fact_seen(struct ots_flow *f, uint32_t h)
{
	struct ots_app *a = f->app;

	return a ? recently_seen(a->facts, OTS_ARRAY_LEN(a->facts), &a->fact_next, h) : 0;
}

