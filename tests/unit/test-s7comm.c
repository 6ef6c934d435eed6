/* SPDX-License-Identifier: BSD-3-Clause */
/* test-s7comm.c: unit tests of the S7comm dissector (protocols/s7comm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_s7comm;
#define D (&ots_dissector_s7comm)

struct pdu {
	uint8_t b[1024];
	size_t n;
};

/* TPKT + COTP DT + S7 header (error class/code for ROSCTR 2/3) + param + data. */
static struct pdu
mk(uint8_t rosctr, uint16_t ref, const uint8_t *par, size_t pl, const uint8_t *dat, size_t dl,
   uint16_t err)
{
	struct pdu x;
	size_t h = (rosctr == 2 || rosctr == 3) ? 12 : 10;
	size_t n = 7 + h + pl + dl;

	x.b[0] = 3;
	x.b[1] = 0;
	x.b[2] = (uint8_t)(n >> 8);
	x.b[3] = (uint8_t)n;
	x.b[4] = 2;
	x.b[5] = 0xf0;
	x.b[6] = 0x80;
	x.b[7] = 0x32;
	x.b[8] = rosctr;
	x.b[9] = 0;
	x.b[10] = 0;
	x.b[11] = (uint8_t)(ref >> 8);
	x.b[12] = (uint8_t)ref;
	x.b[13] = (uint8_t)(pl >> 8);
	x.b[14] = (uint8_t)pl;
	x.b[15] = (uint8_t)(dl >> 8);
	x.b[16] = (uint8_t)dl;
	if (h == 12) {
		x.b[17] = (uint8_t)(err >> 8);
		x.b[18] = (uint8_t)err;
	}
	if (pl)
		memcpy(x.b + 7 + h, par, pl);
	if (dl)
		memcpy(x.b + 7 + h + pl, dat, dl);
	x.n = n;
	return x;
}

static const uint8_t p_read2[] = { 0x04, 2, 0x12, 0x0a, 0x10, 0x02, 0, 1, 0, 1, 0x84, 0, 0, 0,
	                           0x12, 0x0a, 0x10, 0x02, 0, 1, 0, 1, 0x84, 0, 0, 8 };
static const uint8_t p_readack[] = { 0x04, 2 };
static const uint8_t p_write1[] = { 0x05, 1, 0x12, 0x0a, 0x10, 0x02, 0, 1, 0, 1, 0x84, 0, 0, 0 };
static const uint8_t d_write1[] = { 0, 4, 0, 8, 0x55 };
static const uint8_t p_stop[] = { 0x29, 0, 0, 0, 0, 0, 9, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M' };
static const uint8_t p_reqdl[] = { 0x1a, 0, 1, 0, 0, 0, 0, 0, 9, '_', '0', '8', '0', '0', '0', '0', '1', 'P' };
static const uint8_t p_dlblk[] = { 0x1b, 0, 1, 0, 0, 0, 0, 0, 9, '_', '0', '8', '0', '0', '0', '0', '1', 'P' };
static const uint8_t p_dlend[] = { 0x1c, 0, 1, 0, 0, 0, 0, 0, 9, '_', '0', '8', '0', '0', '0', '0', '1', 'P' };
static const uint8_t p_pi_start[] = { 0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0, 0, 9, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M' };
static const uint8_t p_pi_inse[] = { 0x28, 0, 0, 0, 0, 0, 0, 0xfd, 0, 2, 'O', 'B', 5, '_', 'I', 'N', 'S', 'E' };
static const uint8_t p_setup[] = { 0xf0, 0, 0, 1, 0, 1, 0x01, 0xe0 };
static const uint8_t p_fnack[] = { 0x29 };
/* userdata */
static const uint8_t p_szl_req[] = { 0, 1, 0x12, 4, 0x11, 0x44, 1, 0 };
static const uint8_t d_szl_req11[] = { 0xff, 9, 0, 4, 0x00, 0x11, 0, 0 };
static const uint8_t d_szl_req74[] = { 0xff, 9, 0, 4, 0x00, 0x74, 0, 0 };
static const uint8_t p_szl_rsp[] = { 0, 1, 0x12, 8, 0x12, 0x84, 1, 1, 0, 0, 0, 0 };
static const uint8_t p_clk_read[] = { 0, 1, 0x12, 4, 0x11, 0x47, 1, 0 };
static const uint8_t p_clk_set[] = { 0, 1, 0x12, 4, 0x11, 0x47, 2, 0 };
static const uint8_t p_pass[] = { 0, 1, 0x12, 4, 0x11, 0x45, 1, 0 };
static const uint8_t p_blk[] = { 0, 1, 0x12, 4, 0x11, 0x43, 1, 0 };
static const uint8_t p_prog[] = { 0, 1, 0x12, 4, 0x11, 0x41, 1, 0 };
static const uint8_t p_cyc[] = { 0, 1, 0x12, 4, 0x11, 0x42, 1, 0 };

static struct pdu
szl11_rsp(void)
{
	static uint8_t d[8 + 8 + 3 * 28];
	uint8_t *p = d + 16;
	size_t i;

	d[0] = 0xff; d[1] = 9; d[2] = 0; d[3] = (uint8_t)(sizeof(d) - 4);
	d[4] = 0; d[5] = 0x11; d[6] = 0; d[7] = 0; d[8] = 0; d[9] = 28; d[10] = 0; d[11] = 3;
	/* d[12..15] unused: records start at 12 */
	p = d + 12;
	for (i = 0; i < 3; i++) {
		uint8_t *rec = p + i * 28;
		static const uint16_t idx[3] = { 1, 6, 7 };

		memset(rec, ' ', 28);
		rec[0] = 0;
		rec[1] = (uint8_t)idx[i];
		memcpy(rec + 2, "6ES7 315-2EH14-0AB0 ", 20);
		rec[22] = 0; rec[23] = 0xc0;
		rec[24] = 0; rec[25] = (uint8_t)(i + 1);
		rec[26] = 3; rec[27] = 2;
		if (i == 0) { rec[25] = 0; rec[26] = 0x20; rec[27] = 0x20; }
	}
	return mk(7, 5, p_szl_rsp, sizeof(p_szl_rsp), d, 12 + 3 * 28, 0);
}

static struct pdu
szl1c_rsp(void)
{
	static uint8_t d[12 + 4 * 34];
	static const char *txt[4] = { "PLC_1", "CPU 315-2 PN/DP", "PLANT-A", "S C-X4U421302009" };
	static const uint8_t idx[4] = { 1, 2, 3, 5 };
	size_t i;

	d[0] = 0xff; d[1] = 9; d[2] = 0; d[3] = (uint8_t)(sizeof(d) - 4);
	d[4] = 0; d[5] = 0x1c; d[6] = 0; d[7] = 0; d[8] = 0; d[9] = 34; d[10] = 0; d[11] = 4;
	for (i = 0; i < 4; i++) {
		uint8_t *rec = d + 12 + i * 34;

		memset(rec, 0, 34);
		rec[1] = idx[i];
		memcpy(rec + 2, txt[i], strlen(txt[i]));
	}
	return mk(7, 6, p_szl_rsp, sizeof(p_szl_rsp), d, sizeof(d), 0);
}

static void
one(struct dt *t, struct pdu x, int dir, uint8_t cls, uint8_t resp)
{
	int rc = dt_parse(t, D, x.b, x.n, dir, dir ? 102 : 40000, dir ? 40000 : 102);

	assert_int_equal(rc, OTS_OK);
	assert_true(t->n_ops >= 1);
	assert_int_equal(t->ops[t->n_ops - 1].op_class, cls);
	assert_int_equal(t->ops[t->n_ops - 1].is_response, resp);
	assert_int_equal(t->n_flags, 0);
}

static void
test_job_ack(void **s)
{
	static struct dt t;

	(void)s;
	dt_reset(&t);
	one(&t, mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0), 0, OTS_OP_READ, 0);
	assert_int_equal(t.ops[0].addr_count, 2);
	assert_string_equal(t.ops[0].function_name, "read_var");
	one(&t, mk(3, 1, p_readack, sizeof(p_readack), (const uint8_t *)"\xff\x04\x00\x08\x01\xff\x04\x00\x08\x02", 10, 0), 1, OTS_OP_READ, 1);
	assert_int_equal(t.ops[1].transaction, 1);
	one(&t, mk(1, 2, p_write1, sizeof(p_write1), d_write1, sizeof(d_write1), 0), 0, OTS_OP_WRITE, 0);
	one(&t, mk(1, 3, p_setup, sizeof(p_setup), NULL, 0, 0), 0, OTS_OP_OTHER, 0);
	one(&t, mk(1, 4, p_stop, sizeof(p_stop), NULL, 0, 0), 0, OTS_OP_MODE_CHANGE, 0);
	assert_int_equal(t.ops[t.n_ops - 1].function, 0x29);
	assert_string_equal(t.ops[t.n_ops - 1].function_name, "plc_stop");
	one(&t, mk(3, 4, p_fnack, sizeof(p_fnack), NULL, 0, 0), 1, OTS_OP_MODE_CHANGE, 1);
	one(&t, mk(1, 5, p_reqdl, sizeof(p_reqdl), NULL, 0, 0), 0, OTS_OP_PROGRAM, 0);
	one(&t, mk(1, 6, p_dlblk, sizeof(p_dlblk), NULL, 0, 0), 0, OTS_OP_PROGRAM, 0);
	one(&t, mk(1, 7, p_dlend, sizeof(p_dlend), NULL, 0, 0), 0, OTS_OP_PROGRAM, 0);
	assert_string_equal(t.ops[t.n_ops - 1].function_name, "download_ended");
	one(&t, mk(1, 8, p_pi_start, sizeof(p_pi_start), NULL, 0, 0), 0, OTS_OP_MODE_CHANGE, 0);
	/* pairing: the ack of pi_service gets the job's class */
	one(&t, mk(3, 8, (const uint8_t *)"\x28", 1, NULL, 0, 0), 1, OTS_OP_MODE_CHANGE, 1);
	one(&t, mk(1, 9, p_pi_inse, sizeof(p_pi_inse), NULL, 0, 0), 0, OTS_OP_PROGRAM, 0);
	one(&t, mk(3, 9, (const uint8_t *)"\x28", 1, NULL, 0, 0), 1, OTS_OP_PROGRAM, 1);
	/* unpaired ack: the function's own class */
	one(&t, mk(3, 99, (const uint8_t *)"\x28", 1, NULL, 0, 0), 1, OTS_OP_OTHER, 1);
}

static void
test_exception(void **s)
{
	static struct dt t;

	(void)s;
	dt_reset(&t);
	one(&t, mk(3, 4, p_fnack, sizeof(p_fnack), NULL, 0, 0x8104), 1, OTS_OP_MODE_CHANGE, 1);
	assert_int_equal(t.ops[0].has_exception, 1);
	assert_int_equal(t.ops[0].exception, 0x8104);
	dt_reset(&t);
	one(&t, mk(2, 4, NULL, 0, NULL, 0, 0x8500), 1, OTS_OP_OTHER, 1);
	assert_int_equal(t.ops[0].exception, 0x8500);
}

static void
test_userdata(void **s)
{
	static struct dt t;

	(void)s;
	dt_reset(&t);
	one(&t, mk(7, 1, p_szl_req, sizeof(p_szl_req), d_szl_req11, sizeof(d_szl_req11), 0), 0, OTS_OP_IDENTITY, 0);
	assert_int_equal(t.ops[0].addr_start, 0x0011);
	assert_string_equal(t.ops[0].function_name, "read_szl");
	one(&t, mk(7, 1, p_szl_req, sizeof(p_szl_req), d_szl_req74, sizeof(d_szl_req74), 0), 0, OTS_OP_DIAGNOSTIC, 0);
	one(&t, mk(7, 1, p_clk_read, sizeof(p_clk_read), NULL, 0, 0), 0, OTS_OP_READ, 0);
	one(&t, mk(7, 1, p_clk_set, sizeof(p_clk_set), NULL, 0, 0), 0, OTS_OP_TIME_SYNC, 0);
	one(&t, mk(7, 1, p_pass, sizeof(p_pass), NULL, 0, 0), 0, OTS_OP_AUTH, 0);
	one(&t, mk(7, 1, p_blk, sizeof(p_blk), NULL, 0, 0), 0, OTS_OP_READ, 0);
	one(&t, mk(7, 1, p_prog, sizeof(p_prog), NULL, 0, 0), 0, OTS_OP_DIAGNOSTIC, 0);
	one(&t, mk(7, 1, p_cyc, sizeof(p_cyc), NULL, 0, 0), 0, OTS_OP_READ, 0);
}

static void
test_fragment(void **s)
{
	/* first SZL answer says more follow (seq 3); the follow-up carries records only */
	static const uint8_t p1[] = { 0, 1, 0x12, 8, 0x12, 0x84, 1, 3, 0, 1, 0, 0 };
	static const uint8_t p2[] = { 0, 1, 0x12, 8, 0x12, 0x84, 1, 3, 0, 0, 0, 0 };
	static const uint8_t d1[] = { 0xff, 9, 0, 8, 0x00, 0x74, 0, 0, 0, 4, 0, 9 };
	static const uint8_t d2[] = { 0xff, 9, 0, 4, 0x4d, 0x4d, 0, 1 };
	static struct dt t;

	(void)s;
	dt_reset(&t);
	one(&t, mk(7, 1, p1, sizeof(p1), d1, sizeof(d1), 0), 1, OTS_OP_DIAGNOSTIC, 1);
	assert_int_equal(t.ops[0].has_addr, 1);
	assert_int_equal(t.ops[0].addr_start, 0x0074);
	one(&t, mk(7, 1, p2, sizeof(p2), d2, sizeof(d2), 0), 1, OTS_OP_DIAGNOSTIC, 1);
	assert_int_equal(t.ops[1].has_addr, 0);
	assert_int_equal(t.n_facts, 0);
}

static void
test_identity(void **s)
{
	static struct dt t;

	(void)s;
	dt_reset(&t);
	one(&t, szl11_rsp(), 1, OTS_OP_IDENTITY, 1);
	assert_string_equal(dt_fact(&t, OTS_FACT_ORDER_NUMBER), "6ES7 315-2EH14-0AB0");
	assert_string_equal(dt_fact(&t, OTS_FACT_HW_REVISION), "V2.3.2");
	assert_string_equal(dt_fact(&t, OTS_FACT_FIRMWARE), "V3.3.2");
	assert_string_equal(t.facts[0].source, "SZL 0x0011");
	assert_int_equal(t.facts[0].side, OTS_SIDE_SENDER);
	dt_reset(&t);
	one(&t, szl1c_rsp(), 1, OTS_OP_IDENTITY, 1);
	assert_string_equal(dt_fact(&t, OTS_FACT_NAME), "PLC_1");
	assert_string_equal(dt_fact(&t, OTS_FACT_MODULE_NAME), "CPU 315-2 PN/DP");
	assert_string_equal(dt_fact(&t, OTS_FACT_PLANT_ID), "PLANT-A");
	assert_string_equal(dt_fact(&t, OTS_FACT_SERIAL), "S C-X4U421302009");
	assert_string_equal(t.facts[0].source, "SZL 0x001C");
	assert_int_equal(t.n_facts, 4);
}

static void
flagged(struct pdu x, const char *why)
{
	static struct dt t;

	dt_reset(&t);
	assert_int_equal(dt_parse(&t, D, x.b, x.n, 0, 40000, 102), OTS_EINVAL);
	assert_int_equal(t.n_flags, 1);
	assert_string_equal(t.flags[0].what, why);
	assert_int_equal(t.n_ops, 0);
}

static void
test_malformed(void **s)
{
	struct pdu x;

	(void)s;
	x = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	x.b[3]--; /* TPKT shorter than bytes */
	flagged(x, "tpkt_length");
	x = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	x.b[4] = 200; /* COTP LI past PDU */
	flagged(x, "cotp_length");
	x = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	x.b[14]++; /* parameter length past PDU */
	flagged(x, "s7_length");
	x = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	x.b[18] = 3; /* three items in a two-item parameter */
	flagged(x, "item_count");
	x = mk(7, 1, p_szl_req, sizeof(p_szl_req), NULL, 0, 0);
	x.b[13] = 0;
	x.b[14] = 2; /* userdata parameter cut after its head byte */
	x.b[2] = 0;
	x.b[3] = 19;
	x.n = 19;
	flagged(x, "short_param");
	x = mk(5, 1, NULL, 0, NULL, 0, 0);
	flagged(x, "bad_rosctr");
	x = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	x.b[0] = 4;
	flagged(x, "bad_tpkt");
}

static void
test_limits(void **s)
{
	static uint8_t par[2 + 255 * 12];
	static struct dt t;
	struct {
		uint8_t b[8000];
		size_t n;
	} big;
	size_t i, n;

	(void)s;
	par[0] = 0x04;
	par[1] = 255;
	for (i = 0; i < 255; i++)
		memcpy(par + 2 + i * 12, p_read2 + 2, 12);
	n = 17 + sizeof(par);
	big.b[0] = 3; big.b[1] = 0; big.b[2] = (uint8_t)(n >> 8); big.b[3] = (uint8_t)n;
	big.b[4] = 2; big.b[5] = 0xf0; big.b[6] = 0x80; big.b[7] = 0x32; big.b[8] = 1;
	big.b[9] = 0; big.b[10] = 0; big.b[11] = 0; big.b[12] = 1;
	big.b[13] = (uint8_t)(sizeof(par) >> 8); big.b[14] = (uint8_t)sizeof(par);
	big.b[15] = 0; big.b[16] = 0;
	memcpy(big.b + 17, par, sizeof(par));
	big.n = n;
	dt_reset(&t);
	assert_int_equal(dt_parse(&t, D, big.b, big.n, 0, 40000, 102), OTS_OK);
	assert_int_equal(t.ops[0].addr_count, 255);
	/* 255 items, one short of bytes */
	n -= 12;
	big.b[2] = (uint8_t)(n >> 8); big.b[3] = (uint8_t)n;
	big.b[13] = (uint8_t)((sizeof(par) - 12) >> 8); big.b[14] = (uint8_t)(sizeof(par) - 12);
	big.n = n;
	dt_reset(&t);
	assert_int_equal(dt_parse(&t, D, big.b, big.n, 0, 40000, 102), OTS_EINVAL);
	assert_string_equal(t.flags[0].what, "item_count");
}

static void
test_sweep(void **s)
{
	struct pdu all[12];
	size_t i;

	(void)s;
	all[0] = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	all[1] = mk(3, 1, p_readack, sizeof(p_readack), NULL, 0, 0);
	all[2] = mk(1, 2, p_write1, sizeof(p_write1), d_write1, sizeof(d_write1), 0);
	all[3] = mk(1, 4, p_stop, sizeof(p_stop), NULL, 0, 0);
	all[4] = mk(1, 5, p_reqdl, sizeof(p_reqdl), NULL, 0, 0);
	all[5] = mk(1, 8, p_pi_start, sizeof(p_pi_start), NULL, 0, 0);
	all[6] = mk(7, 1, p_szl_req, sizeof(p_szl_req), d_szl_req11, sizeof(d_szl_req11), 0);
	all[7] = szl11_rsp();
	all[8] = szl1c_rsp();
	all[9] = mk(7, 1, p_clk_set, sizeof(p_clk_set), NULL, 0, 0);
	all[10] = mk(2, 4, NULL, 0, NULL, 0, 0x8500);
	all[11] = mk(1, 3, p_setup, sizeof(p_setup), NULL, 0, 0);
	for (i = 0; i < 12; i++)
		assert_int_equal(dt_sweep(D, all[i].b, all[i].n, 0, 40000, 102, 1), all[i].n);
}

static void
test_framing(void **s)
{
	static uint8_t stream[2048];
	struct pdu a = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	struct pdu b = mk(1, 4, p_stop, sizeof(p_stop), NULL, 0, 0);
	struct pdu c = szl1c_rsp();
	static struct dt t;
	size_t off = 0, n = 0, k;

	(void)s;
	memcpy(stream, a.b, a.n);
	memcpy(stream + a.n, b.b, b.n);
	memcpy(stream + a.n + b.n, c.b, c.n);
	dt_reset(&t);
	while (off < a.n + b.n + c.n) {
		long l = D->pdu_len(stream + off, a.n + b.n + c.n - off);

		assert_true(l > 0);
		assert_int_equal(dt_parse(&t, D, stream + off, (size_t)l, 0, 40000, 102), OTS_OK);
		off += (size_t)l;
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(t.n_ops, 3);
	assert_int_equal(t.ops[1].op_class, OTS_OP_MODE_CHANGE);
	for (k = 0; k < c.n; k++)
		assert_int_equal(D->pdu_len(c.b, k), k < 4 ? 0 : (long)c.n);
	stream[0] = 0x45;
	assert_true(D->pdu_len(stream, 4) < 0);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt p102 = { 0, 40000, 102, 0 }, p1102 = { 0, 40000, 1102, 0 };
	struct pdu a = mk(1, 1, p_read2, sizeof(p_read2), NULL, 0, 0);
	static const uint8_t cr[] = { 3, 0, 0, 22, 17, 0xe0, 0, 0, 0, 1, 0, 0xc1, 2, 1, 0,
		                      0xc2, 2, 1, 2, 0xc0, 1, 10 };
	static const uint8_t plus[] = { 3, 0, 0, 12, 2, 0xf0, 0x80, 0x72, 1, 0, 1, 0x31 };
	static const uint8_t mms[] = { 3, 0, 0, 14, 2, 0xf0, 0x80, 1, 0, 1, 0, 0x61, 1, 0 };
	static struct dt t;
	uint8_t rnd[64];
	unsigned long seed = 12345;
	int i, fp = 0;
	size_t j;

	(void)s;
	assert_int_equal(D->probe(a.b, a.n, &p102), OTS_PROBE_SURE);
	assert_int_equal(D->probe(a.b, a.n, &p1102), OTS_PROBE_SURE);
	assert_int_equal(D->probe(cr, sizeof(cr), &p1102), OTS_PROBE_DEFER);
	assert_int_equal(D->probe(plus, sizeof(plus), &p102), OTS_PROBE_NO);
	assert_int_equal(D->probe(mms, sizeof(mms), &p102), OTS_PROBE_NO);
	dt_reset(&t);
	assert_int_equal(dt_parse(&t, D, plus, sizeof(plus), 0, 40000, 102), OTS_OK);
	assert_int_equal(dt_parse(&t, D, mms, sizeof(mms), 0, 40000, 102), OTS_OK);
	assert_int_equal(dt_parse(&t, D, cr, sizeof(cr), 0, 40000, 102), OTS_OK);
	assert_int_equal(t.n_ops, 0);
	for (i = 0; i < 10000; i++) {
		for (j = 0; j < sizeof(rnd); j++) {
			seed = seed * 6364136223846793005ul + 1442695040888963407ul;
			rnd[j] = (uint8_t)(seed >> 33);
		}
		if (D->probe(rnd, sizeof(rnd), &p102) > OTS_PROBE_NO)
			fp++;
	}
	assert_true(fp < 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_ack),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_userdata),
		cmocka_unit_test(test_fragment),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
