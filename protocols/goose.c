/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * goose.c: IEC 61850-8-1 GOOSE (EtherType 0x88B8), one event op per published frame,
 * publisher identity (gocbRef, datSet), malformed flags, stNum/sqNum sequence checks. State
 * per layer-2 stream (source MAC, destination MAC, EtherType, outer VLAN; the engine keeps it,
 * see src/l2-state.h), holding the numbers of up to GOOSE_GOCBS control blocks.
 *
 * References: IEC 61850-8-1 (GOOSE frame and goosePdu ASN.1), X.690 (BER).
 *
 *  +--------+--------+-----------+-----------+------------------------------------+
 *  | APPID  | Length | Reserved1 | Reserved2 | goosePdu [APPLICATION 1] 0x61 ...  |
 *  | BE16   | BE16   | BE16 (b15 = simulation, Ed.2)  |                           |
 *  +--------+--------+-----------+-----------+------------------------------------+
 *  Length counts from APPID on (>= 8); the frame may be longer (Ethernet padding).
 *  goosePdu: gocbRef [0], timeAllowedtoLive [1], datSet [2], goID [3] OPTIONAL, t [4]
 *  (UtcTime, 8 octets), stNum [5], sqNum [6], simulation/test [7] BOOLEAN, confRev [8],
 *  ndsCom [9] BOOLEAN, numDatSetEntries [10], allData [11] SEQUENCE OF Data.
 *
 * The op: class event, function 1 "goose_publish", unit = APPID, transaction = stNum (the
 * state number changes with every data change; sqNum, the retransmission counter, is not
 * reported). Facts (sender): NAME = gocbRef, DESCRIPTION = datSet (goID is optional and
 * often a copy of one of them). A frame marked as simulation/test (the goosePdu boolean
 * [7], or bit 15 of Reserved1 in Edition 2) raises OTS_FLAG_TEST_MODE.
 *
 * Sequence (IEC 61850-7-2 / 8-1): a publisher increments stNum with every change of its data
 * set and then sets sqNum to 0 (some, Edition 1 and ABB among them, to 1), and increments
 * sqNum with each retransmission of the same state; both are INT32U and roll over (to 0 or
 * to 1). A subscriber that sees stNum move by more than one has missed states or is being fed
 * forged frames (the GOOSE poisoning attack publishes a high stNum so that subscribers accept
 * the attacker's data). Per control block, keyed by a hash of gocbRef, APPID and the
 * simulation flag (simulated frames are a separate stream a test set sends beside the real
 * one), OTS_FLAG_OUT_OF_SEQUENCE is raised as:
 *   "goose_st_jump"       stNum moved forward by more than 1 (serial arithmetic mod 2^32;
 *                         the rollover from 4294967295 to 1 is a step of 1);
 *   "goose_st_backwards"  stNum moved back;
 *   "goose_sq_backwards"  same stNum, sqNum moved back (serial arithmetic, so rollover is
 *                         forward).
 * Not raised: the first frame of a control block (or after 120 s of silence: the stream state
 * expires); stNum 1 with sqNum 0 or 1, a publisher that restarted (both seen in real
 * captures: the GE F650 of dina-goose_GOOSE.pcap restarts at stNum 1 sqNum 1); a frame that
 * repeats one already seen, as with PRP/HSR duplicates or a mirror port sending a frame twice
 * (the last 32 sqNums of the current stNum and the highest sqNum of the previous stNum are
 * remembered); sqNum gaps (lost retransmissions say nothing). After a flag the new numbers
 * are taken as the stream's, so one forged step raises once, not on every frame after it.
 * More than GOOSE_GOCBS control blocks from one MAC to one destination: the least recently
 * seen one is forgotten.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"
#include "ber.h"

#define GOOSE_FN_PUBLISH 1
#define GOOSE_GOCBS 4          /* control blocks remembered per layer-2 stream */
#define GOOSE_DUP_WINDOW 32    /* sqNums below the highest one remembered as seen */
#define GOOSE_WALK_BUDGET 4096 /* Data elements validated per frame */

enum {
	G_GOCBREF = 1 << 0,
	G_TAL = 1 << 1,
	G_DATSET = 1 << 2,
	G_T = 1 << 4,
	G_STNUM = 1 << 5,
	G_SQNUM = 1 << 6,
	G_SIM = 1 << 7,
	G_CONFREV = 1 << 8,
	G_NDSCOM = 1 << 9,
	G_NUMENT = 1 << 10,
	G_ALLDATA = 1 << 11,
	G_REQUIRED = G_GOCBREF | G_TAL | G_DATSET | G_T | G_STNUM | G_SQNUM | G_SIM |
	             G_CONFREV | G_NDSCOM | G_NUMENT | G_ALLDATA
};

/* The numbers of one control block. */
struct goose_gocb {
	uint32_t key;          /* hash of gocbRef, APPID and simulation; 0: slot free */
	uint32_t st, sq;       /* current stNum, highest sqNum seen with it */
	uint32_t seen;         /* bit i: sqNum sq - 1 - i of this stNum was seen */
	uint32_t pst, psq;     /* previous stNum and its highest sqNum (late duplicates) */
	uint32_t used;         /* tick of the last frame (which slot to reuse) */
	uint8_t has_prev;
};

struct goose_state {
	struct goose_gocb g[GOOSE_GOCBS];
	uint32_t tick;
};

static int
goose_malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_GOOSE, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static int
goose_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	struct ber_tlv t, f;
	uint16_t glen;

	(void)pkt;
	rd_init(&r, data, len);
	(void)rd_be16(&r); /* APPID */
	glen = rd_be16(&r);
	rd_skip(&r, 4);
	if (!rd_ok(&r) || glen < 8 + 2 || glen > len)
		return OTS_PROBE_NO;
	rd_init(&r, data, glen);
	rd_skip(&r, 8);
	if (ber_read(&r, &t, 0) != OTS_OK || t.id != 0x61 || rd_left(&r) != 0)
		return OTS_PROBE_NO;
	if (ber_read(&t.val, &f, 0) != OTS_OK || f.id != 0x80)
		return OTS_PROBE_NO; /* gocbRef comes first */
	return OTS_PROBE_SURE;
}

static void
goose_str_fact(const struct ots_dissect_out *out, uint8_t attr, const char *src, struct ots_rd v)
{
	size_t n;
	const uint8_t *p = rd_rest(&v, &n);

	if (p && n > 0)
		ots_emit_fact(out, OTS_PROTO_GOOSE, attr, OTS_SIDE_SENDER, 90, src, (const char *)p,
		              n > 255 ? 255 : n);
}

static uint32_t
goose_key(struct ots_rd ref, uint16_t appid, int sim)
{
	uint32_t h = 2166136261u;
	size_t n, i;
	const uint8_t *p = rd_rest(&ref, &n);

	for (i = 0; p && i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (appid >> 8)) * 16777619u;
	h = (h ^ (appid & 0xff)) * 16777619u;
	h = (h ^ (sim ? 0x5a : 0xa5)) * 16777619u;
	return h ? h : 1;
}

static struct goose_gocb *
goose_slot(struct goose_state *s, uint32_t key, int *fresh)
{
	struct goose_gocb *g, *old = &s->g[0];
	size_t i;

	s->tick++;
	for (i = 0; i < GOOSE_GOCBS; i++) {
		g = &s->g[i];
		if (g->key == key) {
			g->used = s->tick;
			*fresh = 0;
			return g;
		}
		if (!g->key || (old->key && s->tick - g->used > s->tick - old->used))
			old = g; /* a free slot, else the least recently used */
	}
	memset(old, 0, sizeof(*old));
	old->key = key;
	old->used = s->tick;
	*fresh = 1;
	return old;
}

/* The reason a frame (st, sq) is out of sequence for control block g, or NULL; g then holds
 * the frame's numbers unless it was a duplicate. */
static const char *
goose_sequence(struct goose_gocb *g, uint32_t st, uint32_t sq)
{
	uint32_t dst = st - g->st, dsq = sq - g->sq, back;
	const char *why = NULL;

	if (dst == 0) {
		if (dsq == 0)
			return NULL; /* the same frame again */
		if (dsq < 0x80000000u) { /* forward within the state */
			g->seen = dsq >= GOOSE_DUP_WINDOW ? (dsq == GOOSE_DUP_WINDOW ? 1u << 31 : 0)
			                                  : (g->seen << dsq) | (1u << (dsq - 1));
			g->sq = sq;
			return NULL;
		}
		back = g->sq - sq;
		if (back <= GOOSE_DUP_WINDOW && (g->seen & (1u << (back - 1))))
			return NULL; /* a late copy of a retransmission already seen */
		why = "goose_sq_backwards";
		if (st == 1 && sq <= 1)
			why = NULL; /* restarted without a state change in between */
		g->sq = sq;
		g->seen = 0;
		return why;
	}
	if (g->has_prev && st == g->pst && sq - g->psq >= 0x80000000u)
		return NULL; /* a late copy of a frame of the previous state (sq <= psq) */
	if (g->has_prev && st == g->pst && sq == g->psq)
		return NULL;
	if (dst < 0x80000000u) {
		if (dst > 1 && !(g->st == 0xffffffffu && st == 1))
			why = "goose_st_jump";
	} else {
		why = "goose_st_backwards";
	}
	if (st == 1 && sq <= 1)
		why = NULL; /* a publisher that restarted */
	g->pst = g->st;
	g->psq = g->sq;
	g->has_prev = 1;
	g->st = st;
	g->sq = sq;
	g->seen = 0;
	return why;
}

static int
goose_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
            const struct ots_dissect_out *out)
{
	struct ots_rd r, pdu;
	struct ber_tlv g, t;
	struct ots_ics_op op;
	uint16_t appid, glen, res1;
	int test = 0, st_ok = 0, sq_ok = 0, fresh;
	uint32_t have = 0, x, entries = 0, stnum = 0, sqnum = 0;
	struct ots_rd ref;
	long n_data = -1;
	int rc = OTS_OK;

	(void)pkt;
	rd_init(&ref, NULL, 0);
	rd_init(&r, data, len);
	appid = rd_be16(&r);
	glen = rd_be16(&r);
	res1 = rd_be16(&r); /* reserved1: bit 15 simulation (Ed.2) */
	(void)rd_be16(&r); /* reserved2 */
	if (!rd_ok(&r)) {
		ots_emit_flag(out, OTS_PROTO_GOOSE, OTS_FLAG_MALFORMED, "short_header");
		return OTS_ETRUNC;
	}
	if (glen < 8)
		return goose_malformed(out, "bad_length");
	if (glen > len) {
		ots_emit_flag(out, OTS_PROTO_GOOSE, OTS_FLAG_MALFORMED, "length_exceeds_frame");
		return OTS_ETRUNC;
	}
	pdu = rd_sub(&r, (size_t)glen - 8);
	rc = ber_read(&pdu, &g, 0);
	if (rc != OTS_OK || g.id != 0x61)
		return goose_malformed(out, rc == OTS_OK ? "bad_pdu_tag" : "bad_pdu_length");
	if (rd_left(&pdu) != 0)
		rc = goose_malformed(out, "trailing_bytes");

	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_GOOSE;
	op.op_class = OTS_OP_EVENT;
	op.function = GOOSE_FN_PUBLISH;
	op.function_name = "goose_publish";
	op.has_unit = 1;
	op.unit = appid;

	while (rd_left(&g.val) > 0) {
		int e = ber_read(&g.val, &t, 0);

		if (e != OTS_OK) {
			rc = goose_malformed(out, "bad_field_length");
			break;
		}
		if (t.cls != BER_CONTEXT || t.tag > 11 || (have & (1u << t.tag))) {
			rc = goose_malformed(out, "bad_field");
			continue;
		}
		have |= 1u << t.tag;
		switch (t.tag) {
		case 0:
			goose_str_fact(out, OTS_FACT_NAME, "GOOSE gocbRef", t.val);
			ref = t.val;
			break;
		case 2:
			goose_str_fact(out, OTS_FACT_DESCRIPTION, "GOOSE datSet", t.val);
			break;
		case 4:
			if (t.len != 8)
				rc = goose_malformed(out, "bad_utc_time");
			break;
		case 5:
			if (ber_uint(t.val, &x) != OTS_OK) {
				rc = goose_malformed(out, "bad_stnum");
				break;
			}
			op.has_transaction = 1;
			op.transaction = x;
			stnum = x;
			st_ok = 1;
			break;
		case 6:
			if (ber_uint(t.val, &x) != OTS_OK) {
				rc = goose_malformed(out, "bad_sqnum");
				break;
			}
			sqnum = x;
			sq_ok = 1;
			break;
		case 7: case 9:
			if (t.len != 1) {
				rc = goose_malformed(out, "bad_boolean");
				break;
			}
			if (t.tag == 7 && rd_u8(&t.val) != 0)
				test = 1; /* simulation (Ed.2) / test (Ed.1) */
			break;
		case 10:
			if (ber_uint(t.val, &entries) != OTS_OK)
				rc = goose_malformed(out, "bad_num_entries");
			break;
		case 11: {
			long budget = GOOSE_WALK_BUDGET;

			if (!t.cons) {
				rc = goose_malformed(out, "bad_all_data");
				break;
			}
			n_data = ber_walk(t.val, 1, &budget);
			if (n_data < 0)
				rc = goose_malformed(out, "bad_all_data");
			break;
		}
		default:
			break;
		}
	}
	if ((have & G_REQUIRED) != G_REQUIRED)
		rc = goose_malformed(out, (have & G_ALLDATA) ? "missing_field" : "missing_all_data");
	else if ((have & G_NUMENT) && n_data >= 0 && (uint32_t)n_data != entries)
		rc = goose_malformed(out, "entries_mismatch");
	if (test || (res1 & 0x8000))
		ots_emit_flag(out, OTS_PROTO_GOOSE, OTS_FLAG_TEST_MODE,
		              test ? "goose_simulation" : "goose_reserved_simulation");
	if (state && st_ok && sq_ok && (have & G_GOCBREF)) {
		struct goose_gocb *cb = goose_slot(state, goose_key(ref, appid,
		                                                    test || (res1 & 0x8000)), &fresh);
		const char *why = NULL;

		if (fresh) { /* the first frame of a stream is never out of sequence */
			cb->st = stnum;
			cb->sq = sqnum;
		} else {
			why = goose_sequence(cb, stnum, sqnum);
		}
		if (why)
			ots_emit_flag(out, OTS_PROTO_GOOSE, OTS_FLAG_OUT_OF_SEQUENCE, why);
	}
	ots_emit_op(out, &op);
	return rc;
}

/* Catalog: a GOOSE frame is one publication. */
static void
goose_functions(ots_fn_visit_fn visit, void *ctx)
{
	ots_fn_visit(visit, ctx, "goose_publish", GOOSE_FN_PUBLISH, OTS_OP_EVENT);
}

const struct ots_dissector ots_dissector_goose = {
	.name = "goose",
	.id = OTS_PROTO_GOOSE,
	.transports = OTS_TR_ETHER,
	.ethertype = 0x88b8,
	.ports = { 0 },
	.max_pdu = 1500,
	.state_size = sizeof(struct goose_state),
	.probe = goose_probe,
	.parse = goose_parse,
	.functions = goose_functions,
};
