/* SPDX-License-Identifier: BSD-3-Clause */
/* test-iec104.c: unit tests of the IEC 60870-5-104 dissector (protocols/iec104.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_iec104;
#define D (&ots_dissector_iec104)

struct pdu {
	uint8_t b[300];
	size_t n;
};

/* 0x68, length, the four control octets given first in p, then the ASDU. */
static struct pdu
mk(const uint8_t *p, size_t n)
{
	struct pdu x;

	x.b[0] = 0x68;
	x.b[1] = (uint8_t)n;
	memcpy(x.b + 2, p, n);
	x.n = n + 2;
	return x;
}

#define MK(...) \
	mk((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
/* I format N(S)=1 N(R)=2, then an ASDU */
#define IF(...) MK(0x02, 0x00, 0x04, 0x00, __VA_ARGS__)
#define CP56 0x10, 0x27, 0x0a, 0x0b, 0x1e, 0x0b, 0x18

static struct dt T;

static int
put(const struct pdu *p)
{
	dt_reset(&T);
	return dt_parse(&T, D, p->b, p->n, 0, 40000, 2404);
}

static void
check(uint8_t cls, int rsp, uint32_t fc, const char *name)
{
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].proto, OTS_PROTO_IEC104);
	assert_int_equal(T.ops[0].op_class, cls);
	assert_int_equal(T.ops[0].is_response, rsp);
	assert_int_equal(T.ops[0].function, fc);
	assert_string_equal(T.ops[0].function_name, name);
}

static void
check_asdu(uint32_t ca, uint32_t cot, uint32_t ioa, uint32_t count)
{
	assert_int_equal(T.ops[0].has_unit, 1);
	assert_int_equal(T.ops[0].unit, ca);
	assert_int_equal(T.ops[0].has_qualifier, 1);
	assert_int_equal(T.ops[0].qualifier, cot);
	assert_int_equal(T.ops[0].has_addr, 1);
	assert_int_equal(T.ops[0].addr_start, ioa);
	assert_int_equal(T.ops[0].addr_count, count);
	assert_int_equal(T.n_flags, 0);
}

static void
check_bad(int rc, int want_rc, const char *why)
{
	assert_int_equal(rc, want_rc);
	assert_true(T.n_flags >= 1);
	assert_int_equal(T.flags[0].proto, OTS_PROTO_IEC104);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

/* Samples (also swept): real captures' bytes and spec-built ASDUs. */
static const uint8_t sq_rsp[] = { /* M_SP_NA_1, SQ, 16 objects, COT 20, CA 1054 (real) */
	0x68, 0x1d, 0x02, 0x00, 0x02, 0x00, 0x01, 0x90, 0x14, 0x00, 0x1e, 0x04, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x01,
};
static const uint8_t spont[] = { /* M_ME_TF_1, one object, spontaneous, CA 10516 (real) */
	0x68, 0x19, 0x2c, 0x7e, 0x42, 0xb9, 0x24, 0x01, 0x03, 0x00, 0x14, 0x29, 0xcb, 0xb2,
	0x02, 0xcd, 0xcc, 0x2c, 0x3e, 0x00, 0x94, 0xdc, 0x02, 0x8a, 0x23, 0x0a, 0x0b,
};
static const uint8_t sc_ta_act[] = { /* C_SC_TA_1 activation, CA 3, IOA 4501 (real) */
	0x68, 0x15, 0x28, 0x00, 0x9c, 0x00, 0x3a, 0x01, 0x06, 0x00, 0x03, 0x00, 0x95, 0x11,
	0x00, 0x81, 0x08, 0x00, 0x17, 0x13, 0x0d, 0x08, 0x6d,
};
static const uint8_t sc_ta_con[] = { /* its confirmation (real) */
	0x68, 0x15, 0x9c, 0x00, 0x2a, 0x00, 0x3a, 0x01, 0x07, 0x00, 0x03, 0x00, 0x95, 0x11,
	0x00, 0x01, 0x08, 0x00, 0x17, 0x13, 0x0d, 0x08, 0x09,
};

static struct pdu
raw(const uint8_t *b, size_t n)
{
	struct pdu x;

	memcpy(x.b, b, n);
	x.n = n;
	return x;
}

static void
test_read(void **s)
{
	struct pdu gi = IF(100, 1, 6, 0, 3, 0, 0, 0, 0, 20);
	struct pdu ci = IF(101, 1, 6, 0, 3, 0, 0, 0, 0, 5);
	struct pdu rd = IF(102, 1, 5, 0, 7, 0, 0x10, 0x27, 0);
	struct pdu sq = raw(sq_rsp, sizeof(sq_rsp));
	struct pdu per = IF(9, 2, 1, 0, 1, 0, 1, 0, 0, 0x10, 0x00, 0, 2, 0, 0, 0x20, 0x00, 0);

	(void)s;
	assert_int_equal(put(&gi), OTS_OK);
	check(OTS_OP_READ, 0, 100, "c_ic_na_1");
	check_asdu(3, 6, 0, 1);
	assert_int_equal(T.ops[0].has_exception, 0);
	assert_int_equal(put(&ci), OTS_OK);
	check(OTS_OP_READ, 0, 101, "c_ci_na_1");
	assert_int_equal(put(&rd), OTS_OK);
	check(OTS_OP_READ, 0, 102, "c_rd_na_1");
	check_asdu(7, 5, 10000, 1);
	assert_int_equal(put(&sq), OTS_OK);
	check(OTS_OP_READ, 1, 1, "m_sp_na_1");
	check_asdu(1054, 20, 0, 16);
	assert_int_equal(put(&per), OTS_OK);
	check(OTS_OP_READ, 1, 9, "m_me_na_1");
	check_asdu(1, 1, 1, 2);
}

static void
test_event(void **s)
{
	struct pdu sp = raw(spont, sizeof(spont));
	struct pdu ei = IF(70, 1, 4, 0, 1, 0, 0, 0, 0, 0);

	(void)s;
	assert_int_equal(put(&sp), OTS_OK);
	check(OTS_OP_EVENT, 1, 36, "m_me_tf_1");
	check_asdu(10516, 3, 0x02b2cb, 1);
	assert_int_equal(put(&ei), OTS_OK);
	check(OTS_OP_EVENT, 1, 70, "m_ei_na_1");
	check_asdu(1, 4, 0, 1);
}

static void
test_control(void **s)
{
	struct pdu a = raw(sc_ta_act, sizeof(sc_ta_act)), c = raw(sc_ta_con, sizeof(sc_ta_con));
	struct pdu sc = IF(45, 1, 6, 0, 2, 0, 0x01, 0x02, 0x03, 0x81);
	struct pdu term = IF(46, 1, 10, 0, 2, 0, 0x01, 0x02, 0x00, 0x02);
	struct pdu neg = IF(45, 1, 0x47, 0, 2, 0, 0x01, 0x02, 0x03, 0x81);
	struct pdu se = IF(50, 1, 6, 0, 2, 0, 5, 0, 0, 0, 0, 0x80, 0x3f, 0);
	struct pdu unk = IF(45, 1, 0x47 | 0x80, 0x11, 2, 0, 0x09, 0, 0, 0x81);

	(void)s;
	assert_int_equal(put(&a), OTS_OK);
	check(OTS_OP_CONTROL, 0, 58, "c_sc_ta_1");
	check_asdu(3, 6, 4501, 1);
	assert_int_equal(put(&c), OTS_OK);
	check(OTS_OP_CONTROL, 1, 58, "c_sc_ta_1");
	check_asdu(3, 7, 4501, 1);
	assert_int_equal(put(&sc), OTS_OK);
	check(OTS_OP_CONTROL, 0, 45, "c_sc_na_1");
	check_asdu(2, 6, 0x030201, 1);
	assert_int_equal(put(&term), OTS_OK);
	check(OTS_OP_CONTROL, 1, 46, "c_dc_na_1");
	check_asdu(2, 10, 0x0201, 1);
	/* negative confirmation: P/N bit */
	assert_int_equal(put(&neg), OTS_OK);
	check(OTS_OP_CONTROL, 1, 45, "c_sc_na_1");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 7);
	assert_int_equal(T.ops[0].qualifier, 0x47);
	assert_int_equal(put(&se), OTS_OK);
	check(OTS_OP_CONTROL, 0, 50, "c_se_nc_1");
	check_asdu(2, 6, 5, 1);
	/* test bit set, originator 0x11 ignored */
	assert_int_equal(put(&unk), OTS_OK);
	assert_int_equal(T.ops[0].qualifier, 0xc7);
	assert_int_equal(T.ops[0].unit, 2);
}

static void
test_system(void **s)
{
	struct pdu cs = IF(103, 1, 6, 0, 1, 0, 0, 0, 0, CP56);
	struct pdu cd = IF(106, 1, 6, 0, 1, 0, 0, 0, 0, 0x10, 0x27);
	struct pdu ts = IF(104, 1, 6, 0, 1, 0, 0, 0, 0, 0xaa, 0x55);
	struct pdu tt = IF(107, 1, 6, 0, 1, 0, 0, 0, 0, 0x01, 0x00, CP56);
	struct pdu rp = IF(105, 1, 6, 0, 1, 0, 0, 0, 0, 1);
	struct pdu pm = IF(110, 1, 6, 0, 1, 0, 0x20, 0x4e, 0, 0x00, 0x40, 1);
	struct pdu pa = IF(113, 1, 6, 0, 1, 0, 0x20, 0x4e, 0, 3);
	struct pdu uk = IF(200, 1, 44, 0, 1, 0, 0, 0, 0);

	(void)s;
	assert_int_equal(put(&cs), OTS_OK);
	check(OTS_OP_TIME_SYNC, 0, 103, "c_cs_na_1");
	check_asdu(1, 6, 0, 1);
	assert_int_equal(put(&cd), OTS_OK);
	check(OTS_OP_TIME_SYNC, 0, 106, "c_cd_na_1");
	assert_int_equal(put(&ts), OTS_OK);
	check(OTS_OP_DIAGNOSTIC, 0, 104, "c_ts_na_1");
	assert_int_equal(put(&tt), OTS_OK);
	check(OTS_OP_DIAGNOSTIC, 0, 107, "c_ts_ta_1");
	assert_int_equal(put(&rp), OTS_OK);
	check(OTS_OP_RESTART, 0, 105, "c_rp_na_1");
	assert_int_equal(put(&pm), OTS_OK);
	check(OTS_OP_WRITE, 0, 110, "p_me_na_1");
	check_asdu(1, 6, 20000, 1);
	assert_int_equal(put(&pa), OTS_OK);
	check(OTS_OP_WRITE, 0, 113, "p_ac_na_1");
	/* unknown type, mirrored with COT 44: an exception, and malformed for us */
	check_bad(put(&uk), OTS_EINVAL, "unknown_type");
	check(OTS_OP_OTHER, 1, 200, "unknown");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 44);
}

static void
test_file(void **s)
{
	struct pdu sel = IF(122, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 0, 1);
	struct pdu rdy = IF(120, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 0x00, 0x10, 0x00, 0);
	struct pdu seg = IF(125, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 1, 3, 0xaa, 0xbb, 0xcc);
	struct pdu dir = IF(126, 1, 5, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 0x00, 0x10, 0x00, 0, CP56);

	(void)s;
	assert_int_equal(put(&sel), OTS_OK);
	check(OTS_OP_FILE, 0, 122, "f_sc_na_1");
	check_asdu(1, 13, 1, 1);
	assert_int_equal(put(&rdy), OTS_OK);
	check(OTS_OP_FILE, 1, 120, "f_fr_na_1");
	assert_int_equal(put(&seg), OTS_OK);
	check(OTS_OP_FILE, 1, 125, "f_sg_na_1");
	assert_int_equal(put(&dir), OTS_OK);
	check(OTS_OP_FILE, 1, 126, "f_dr_ta_1");
	check_asdu(1, 5, 1, 1);
}

static void
test_apci(void **s)
{
	static const struct {
		uint8_t c1;
		const char *name;
		uint8_t cls;
		int rsp;
	} u[] = {
		{ 0x07, "startdt_act", OTS_OP_OTHER, 0 }, { 0x0b, "startdt_con", OTS_OP_OTHER, 1 },
		{ 0x13, "stopdt_act", OTS_OP_OTHER, 0 }, { 0x23, "stopdt_con", OTS_OP_OTHER, 1 },
		{ 0x43, "testfr_act", OTS_OP_DIAGNOSTIC, 0 },
		{ 0x83, "testfr_con", OTS_OP_DIAGNOSTIC, 1 },
	};
	struct pdu sf = MK(0x01, 0x00, 0x9c, 0x00);
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		struct pdu p = MK(u[i].c1, 0, 0, 0);

		assert_int_equal(put(&p), OTS_OK);
		check(u[i].cls, u[i].rsp, 0x100u | u[i].c1, u[i].name);
		assert_int_equal(T.ops[0].has_unit, 0);
		assert_int_equal(T.n_flags, 0);
	}
	assert_int_equal(put(&sf), OTS_OK);
	check(OTS_OP_OTHER, 1, 0x101, "s_frame");
	assert_int_equal(T.n_flags, 0);
}

static void
test_malformed(void **s)
{
	struct pdu p;
	static const uint8_t junk[] = { 0x05, 0x05, 0x05 };
	static const uint8_t badlen[] = { 0x68, 0x02, 0x01, 0x00 };

	(void)s;
	p = raw(junk, sizeof(junk));
	check_bad(put(&p), OTS_EINVAL, "bad_start_byte");
	assert_int_equal(T.n_ops, 0);
	p = raw(badlen, sizeof(badlen));
	check_bad(put(&p), OTS_EINVAL, "bad_length");
	assert_int_equal(T.n_ops, 0);
	/* more bytes than the length says */
	p = MK(0x43, 0, 0, 0);
	p.b[p.n++] = 0;
	check_bad(put(&p), OTS_EINVAL, "length_mismatch");
	/* fewer */
	p = MK(0x43, 0, 0, 0);
	p.n--;
	check_bad(put(&p), OTS_ETRUNC, "short_apdu");
	assert_int_equal(T.n_ops, 0);
	/* I format without ASDU: counted as an I APDU, flagged */
	p = MK(0x16, 0x16, 0x16, 0x16);
	check_bad(put(&p), OTS_EINVAL, "i_frame_without_asdu");
	check(OTS_OP_OTHER, 0, 0x200, "i_frame_no_asdu");
	/* ASDU cut after type id and VSQ: the type is still reported */
	p = MK(0x18, 0x18, 0x18, 0x18, 0x18, 0x18);
	check_bad(put(&p), OTS_EINVAL, "short_asdu");
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].function, 24);
	assert_int_equal(T.ops[0].has_qualifier, 0);
	assert_int_equal(T.ops[0].has_unit, 0);
	/* header but no IOA */
	p = IF(100, 1, 6, 0, 3, 0);
	check_bad(put(&p), OTS_EINVAL, "no_information_object");
	assert_int_equal(T.ops[0].unit, 3);
	assert_int_equal(T.ops[0].has_addr, 0);
	/* element sizes do not add up */
	p = IF(13, 2, 3, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0);
	check_bad(put(&p), OTS_EINVAL, "asdu_length_mismatch");
	assert_int_equal(T.ops[0].addr_count, 2);
	p = IF(1, 0, 3, 0, 3, 0, 1, 0, 0);
	check_bad(put(&p), OTS_EINVAL, "zero_objects");
	p = IF(1, 1, 0, 0, 3, 0, 1, 0, 0, 0);
	check_bad(put(&p), OTS_EINVAL, "bad_cause");
	p = IF(125, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 1, 9, 0xaa);
	check_bad(put(&p), OTS_EINVAL, "bad_segment_length");
	/* U format: invalid function bits, wrong length; S format wrong length */
	p = MK(0x17, 0, 0, 0, 0x17);
	check_bad(put(&p), OTS_EINVAL, "bad_u_function");
	check(OTS_OP_OTHER, 0, 0x117, "u_frame_invalid");
	p = MK(0x07, 0, 0, 0, 0);
	check_bad(put(&p), OTS_EINVAL, "u_frame_length");
	p = MK(0x01, 0, 0, 0, 0);
	check_bad(put(&p), OTS_EINVAL, "s_frame_length");
}

static void
sweep(const struct pdu *p)
{
	assert_int_equal(dt_sweep(D, p->b, p->n, 0, 40000, 2404, 1), p->n);
	assert_int_equal(dt_sweep(D, p->b, p->n, 1, 2404, 40000, 1), p->n);
}

static void
test_sweep(void **s)
{
	struct pdu ps[] = {
		raw(sq_rsp, sizeof(sq_rsp)), raw(spont, sizeof(spont)),
		raw(sc_ta_act, sizeof(sc_ta_act)), raw(sc_ta_con, sizeof(sc_ta_con)),
		IF(100, 1, 6, 0, 3, 0, 0, 0, 0, 20), IF(101, 1, 6, 0, 3, 0, 0, 0, 0, 5),
		IF(102, 1, 5, 0, 7, 0, 0x10, 0x27, 0),
		IF(9, 2, 1, 0, 1, 0, 1, 0, 0, 0x10, 0x00, 0, 2, 0, 0, 0x20, 0x00, 0),
		IF(70, 1, 4, 0, 1, 0, 0, 0, 0, 0), IF(45, 1, 6, 0, 2, 0, 0x01, 0x02, 0x03, 0x81),
		IF(46, 1, 10, 0, 2, 0, 0x01, 0x02, 0x00, 0x02),
		IF(45, 1, 0x47, 0, 2, 0, 0x01, 0x02, 0x03, 0x81),
		IF(50, 1, 6, 0, 2, 0, 5, 0, 0, 0, 0, 0x80, 0x3f, 0),
		IF(45, 1, 0xc7, 0x11, 2, 0, 0x09, 0, 0, 0x81),
		IF(103, 1, 6, 0, 1, 0, 0, 0, 0, CP56), IF(106, 1, 6, 0, 1, 0, 0, 0, 0, 0x10, 0x27),
		IF(104, 1, 6, 0, 1, 0, 0, 0, 0, 0xaa, 0x55),
		IF(107, 1, 6, 0, 1, 0, 0, 0, 0, 0x01, 0x00, CP56),
		IF(105, 1, 6, 0, 1, 0, 0, 0, 0, 1), IF(110, 1, 6, 0, 1, 0, 0x20, 0x4e, 0, 0x00, 0x40, 1),
		IF(113, 1, 6, 0, 1, 0, 0x20, 0x4e, 0, 3), IF(200, 1, 44, 0, 1, 0, 0, 0, 0),
		IF(122, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 0, 1),
		IF(120, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 0x00, 0x10, 0x00, 0),
		IF(125, 1, 13, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 1, 3, 0xaa, 0xbb, 0xcc),
		IF(126, 1, 5, 0, 1, 0, 1, 0, 0, 0x01, 0x00, 0x00, 0x10, 0x00, 0, CP56),
		MK(0x07, 0, 0, 0), MK(0x0b, 0, 0, 0), MK(0x13, 0, 0, 0), MK(0x23, 0, 0, 0),
		MK(0x43, 0, 0, 0), MK(0x83, 0, 0, 0), MK(0x01, 0x00, 0x9c, 0x00),
		MK(0x16, 0x16, 0x16, 0x16), MK(0x18, 0x18, 0x18, 0x18, 0x18, 0x18),
		IF(100, 1, 6, 0, 3, 0), IF(13, 2, 3, 0, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0),
		MK(0x17, 0, 0, 0, 0x17),
	};
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		sweep(&ps[i]);
}

/* Engine emulation: append segments to a buffer, frame with pdu_len, parse whole PDUs. */
struct eng {
	uint8_t buf[512];
	size_t n;
	size_t units, ok;
};

static void
feed(struct eng *e, const uint8_t *seg, size_t len)
{
	memcpy(e->buf + e->n, seg, len);
	e->n += len;
	for (;;) {
		long l = D->pdu_len(e->buf, e->n);

		assert_true(l >= 0);
		assert_true(l <= (long)D->max_pdu);
		if (l == 0 || (size_t)l > e->n)
			return;
		e->units++;
		if (dt_parse(&T, D, e->buf, (size_t)l, 0, 40000, 2404) == OTS_OK)
			e->ok++;
		memmove(e->buf, e->buf + l, e->n - (size_t)l);
		e->n -= (size_t)l;
	}
}

static void
test_framing(void **s)
{
	struct pdu a = raw(sc_ta_act, sizeof(sc_ta_act)), b = MK(0x43, 0, 0, 0),
	           c = raw(sq_rsp, sizeof(sq_rsp));
	uint8_t stream[128];
	size_t n = 0, k;
	static struct eng e;

	(void)s;
	memcpy(stream + n, a.b, a.n);
	n += a.n;
	memcpy(stream + n, b.b, b.n);
	n += b.n;
	memcpy(stream + n, c.b, c.n);
	n += c.n;
	/* several APDUs in one segment */
	dt_reset(&T);
	memset(&e, 0, sizeof(e));
	feed(&e, stream, n);
	assert_int_equal(e.units, 3);
	assert_int_equal(e.ok, 3);
	assert_int_equal(T.n_ops, 3);
	assert_int_equal(T.ops[0].function, 58);
	assert_int_equal(T.ops[1].function, 0x143);
	assert_int_equal(T.ops[2].function, 1);
	assert_int_equal(T.ops[2].addr_count, 16);
	/* every split point, and one byte per segment */
	for (k = 1; k < n; k++) {
		dt_reset(&T);
		memset(&e, 0, sizeof(e));
		feed(&e, stream, k);
		feed(&e, stream + k, n - k);
		assert_int_equal(T.n_ops, 3);
		assert_int_equal(e.ok, 3);
		assert_int_equal(e.n, 0);
	}
	dt_reset(&T);
	memset(&e, 0, sizeof(e));
	for (k = 0; k < n; k++)
		feed(&e, stream + k, 1);
	assert_int_equal(T.n_ops, 3);
	/* junk before and between APDUs: framed away up to the next start byte, flagged */
	{
		static const uint8_t j[] = { 0x07, 0x07, 0x07, 0x68, 0x04, 0x43, 0x00, 0x00, 0x00,
		                             0x11, 0x68, 0x01, 0x13, 0x68, 0x04, 0x83, 0, 0, 0 };

		dt_reset(&T);
		memset(&e, 0, sizeof(e));
		feed(&e, j, sizeof(j));
		assert_int_equal(T.n_ops, 2);
		assert_int_equal(T.ops[0].function, 0x143);
		assert_int_equal(T.ops[1].function, 0x183);
		assert_int_equal(e.units, 5);
		assert_int_equal(e.ok, 2);
		assert_int_equal(T.n_flags, 3);
	}
	/* pdu_len answers early: need more, then the length */
	assert_int_equal(D->pdu_len(a.b, 0), 0);
	assert_int_equal(D->pdu_len(a.b, 1), 0);
	for (k = 2; k <= a.n; k++)
		assert_int_equal(D->pdu_len(a.b, k), (long)a.n);
	/* a run of junk without any start byte is one unit, capped at max_pdu */
	{
		static uint8_t z[1000];

		memset(z, 0x55, sizeof(z));
		assert_int_equal(D->pdu_len(z, sizeof(z)), 255);
		assert_int_equal(D->pdu_len(z, 10), 10);
	}
}

/* Flood: 5000 APDUs in one stream, and 127-object ASDUs, stay one op per APDU. */
static size_t flood_ops;

static void
count_op(void *ctx, const struct ots_ics_op *op)
{
	(void)ctx;
	(void)op;
	flood_ops++;
}

static void
test_flood(void **s)
{
	static uint8_t stream[5000 * 142];
	struct ots_dissect_out out = { count_op, NULL, NULL, NULL };
	struct ots_dissect_pkt pkt = { 1, 2404, 40000, 0 };
	size_t n = 0, off = 0, i, units = 0;
	struct pdu big;

	(void)s;
	/* M_SP_NA_1, SQ, 127 objects: length 4 + 6 + 3 + 127 = 140, APDU 142 */
	big.b[0] = 0x68;
	big.b[1] = 140;
	memset(big.b + 2, 0, 140);
	big.b[6] = 1;
	big.b[7] = 0x80 | 127;
	big.b[8] = 20;
	big.b[10] = 1;
	big.n = 142;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, big.b, big.n, 1, 2404, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].addr_count, 127);
	for (i = 0; i < 5000; i++) {
		memcpy(stream + n, big.b, big.n);
		n += big.n;
	}
	flood_ops = 0;
	while (off < n) {
		long l = D->pdu_len(stream + off, n - off);

		assert_int_equal(l, 142);
		assert_int_equal(D->parse(NULL, stream + off, (size_t)l, &pkt, &out), OTS_OK);
		off += (size_t)l;
		units++;
	}
	assert_int_equal(units, 5000);
	assert_int_equal(flood_ops, 5000);
}

static uint32_t rng = 2404;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt std = { 0, 40000, 2404, 0 }, odd = { 0, 40000, 12404, 0 };
	struct pdu a = raw(sc_ta_act, sizeof(sc_ta_act)), u = MK(0x07, 0, 0, 0),
	           sq = raw(sq_rsp, sizeof(sq_rsp));
	uint8_t two[64], buf[300];
	int i, hit = 0;

	(void)s;
	assert_int_equal(D->probe(a.b, a.n, &std), OTS_PROBE_SURE);
	assert_int_equal(D->probe(u.b, u.n, &std), OTS_PROBE_SURE);
	assert_true(D->probe(a.b, a.n, &odd) >= OTS_PROBE_MAYBE);
	assert_true(D->probe(u.b, u.n, &odd) >= OTS_PROBE_MAYBE);
	assert_true(D->probe(sq.b, sq.n, &odd) >= OTS_PROBE_MAYBE);
	/* two APDUs in the first segment */
	memcpy(two, u.b, u.n);
	memcpy(two + u.n, a.b, a.n);
	assert_int_equal(D->probe(two, u.n + a.n, &odd), 80);
	/* a partial first APDU */
	assert_int_equal(D->probe(a.b, 10, &odd), OTS_PROBE_MAYBE);
	/* structure violations */
	assert_int_equal(D->probe(a.b, 5, &std), OTS_PROBE_NO);
	u.b[3] = 1;
	assert_int_equal(D->probe(u.b, u.n, &std), OTS_PROBE_NO);
	a.b[7] = 2; /* two objects: length no longer fits */
	assert_int_equal(D->probe(a.b, a.n, &std), OTS_PROBE_NO);
	for (i = 0; i < 10000; i++) {
		size_t n = rnd() % sizeof(buf), j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rnd();
		if (D->probe(buf, n, &std) >= OTS_PROBE_MAYBE)
			hit++;
	}
	assert_int_equal(hit, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_apci),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
