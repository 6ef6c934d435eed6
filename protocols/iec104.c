/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iec104.c: IEC 60870-5-104 dissector (APCI framing, I/S/U formats, IEC 60870-5-101/104 ASDU).
 *
 * Spec: IEC 60870-5-104 (transport profile) and IEC 60870-5-101 (ASDU types, element formats).
 *
 *   0      1        2       3       4       5       6 ...
 *   +------+--------+-------+-------+-------+-------+-----------------------------------+
 *   | 0x68 | length | ctrl1 | ctrl2 | ctrl3 | ctrl4 | ASDU (length - 4 bytes, I format)   |
 *   +------+--------+-------+-------+-------+-------+-----------------------------------+
 *   length 4..253 counts the control octets and the ASDU.
 *   ctrl1 bit0 = 0: I format (N(S), N(R)); ctrl1 & 3 = 1: S format (N(R)); ctrl1 & 3 = 3: U format
 *   (STARTDT/STOPDT/TESTFR act and con, exactly one function bit).
 *
 *   ASDU: type id | VSQ (SQ bit 7, count 0..127) | COT (cause 6 bits, P/N 0x40, T 0x80) |
 *         originator | common address (LE16) | information objects (IOA LE24 + element;
 *         SQ=1: one IOA then count consecutive elements).
 *
 * How this dissector reports (the function code spaces never collide):
 *   I format with an ASDU: function = type id (0..255), name = lowercase IEC mnemonic
 *     ("c_sc_na_1"), unit = common address, address = first IOA and number of objects,
 *     qualifier = the COT octet (cause in bits 0-5, P/N 0x40, T 0x80): it is what ties an
 *     activation (6) to its confirmation (7) and termination (10); a negative confirmation
 *     (P/N) or COT 44-47 (unknown type/cause/address/IOA) sets exception = the cause.
 *   U format: function = 0x100 | ctrl1 ("startdt_act" ...), S format: function 0x101
 *     ("s_frame"), I format without ASDU: function 0x200 ("i_frame_no_asdu", malformed).
 *   Bytes that cannot start an APDU (no 0x68, length < 4) are framed up to the next 0x68 as a
 *   junk unit that parse() flags: the stream resynchronises like a receiver scanning for
 *   the start byte, and nothing is reported for them.
 */
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define I4_PORT 2404
#define I4_START 0x68
#define I4_LEN_MIN 4
#define I4_LEN_MAX 253
#define I4_MAX_PDU 255
#define I4_ASDU_HDR 6      /* type, VSQ, COT, originator, common address (2) */
#define I4_IOA 3

#define I4_FC_U 0x100
#define I4_FC_S 0x101
#define I4_FC_I_EMPTY 0x200

#define I4_VAR 0xff        /* element length not fixed (F_SG_NA_1 segment) */

/* Type id -> element size (bytes after the IOA), class hint, mnemonic. */
enum { K_MON = 1, K_CTL, K_SYS, K_PAR, K_FILE };

struct i4_type {
	uint8_t id;
	uint8_t elem;
	uint8_t kind;
	uint8_t cls;      /* for K_CTL/K_SYS/K_PAR/K_FILE */
	const char *name;
};

static const struct i4_type i4_types[] = {
	{ 1, 1, K_MON, 0, "m_sp_na_1" },
	{ 2, 4, K_MON, 0, "m_sp_ta_1" },
	{ 3, 1, K_MON, 0, "m_dp_na_1" },
	{ 4, 4, K_MON, 0, "m_dp_ta_1" },
	{ 5, 2, K_MON, 0, "m_st_na_1" },
	{ 6, 5, K_MON, 0, "m_st_ta_1" },
	{ 7, 5, K_MON, 0, "m_bo_na_1" },
	{ 8, 8, K_MON, 0, "m_bo_ta_1" },
	{ 9, 3, K_MON, 0, "m_me_na_1" },
	{ 10, 6, K_MON, 0, "m_me_ta_1" },
	{ 11, 3, K_MON, 0, "m_me_nb_1" },
	{ 12, 6, K_MON, 0, "m_me_tb_1" },
	{ 13, 5, K_MON, 0, "m_me_nc_1" },
	{ 14, 8, K_MON, 0, "m_me_tc_1" },
	{ 15, 5, K_MON, 0, "m_it_na_1" },
	{ 16, 8, K_MON, 0, "m_it_ta_1" },
	{ 17, 6, K_MON, 0, "m_ep_ta_1" },
	{ 18, 7, K_MON, 0, "m_ep_tb_1" },
	{ 19, 7, K_MON, 0, "m_ep_tc_1" },
	{ 20, 5, K_MON, 0, "m_ps_na_1" },
	{ 21, 2, K_MON, 0, "m_me_nd_1" },
	{ 30, 8, K_MON, 0, "m_sp_tb_1" },
	{ 31, 8, K_MON, 0, "m_dp_tb_1" },
	{ 32, 9, K_MON, 0, "m_st_tb_1" },
	{ 33, 12, K_MON, 0, "m_bo_tb_1" },
	{ 34, 10, K_MON, 0, "m_me_td_1" },
	{ 35, 10, K_MON, 0, "m_me_te_1" },
	{ 36, 12, K_MON, 0, "m_me_tf_1" },
	{ 37, 12, K_MON, 0, "m_it_tb_1" },
	{ 38, 10, K_MON, 0, "m_ep_td_1" },
	{ 39, 11, K_MON, 0, "m_ep_te_1" },
	{ 40, 11, K_MON, 0, "m_ep_tf_1" },
	{ 45, 1, K_CTL, OTS_OP_CONTROL, "c_sc_na_1" },
	{ 46, 1, K_CTL, OTS_OP_CONTROL, "c_dc_na_1" },
	{ 47, 1, K_CTL, OTS_OP_CONTROL, "c_rc_na_1" },
	{ 48, 3, K_CTL, OTS_OP_CONTROL, "c_se_na_1" },
	{ 49, 3, K_CTL, OTS_OP_CONTROL, "c_se_nb_1" },
	{ 50, 5, K_CTL, OTS_OP_CONTROL, "c_se_nc_1" },
	{ 51, 4, K_CTL, OTS_OP_CONTROL, "c_bo_na_1" },
	{ 58, 8, K_CTL, OTS_OP_CONTROL, "c_sc_ta_1" },
	{ 59, 8, K_CTL, OTS_OP_CONTROL, "c_dc_ta_1" },
	{ 60, 8, K_CTL, OTS_OP_CONTROL, "c_rc_ta_1" },
	{ 61, 10, K_CTL, OTS_OP_CONTROL, "c_se_ta_1" },
	{ 62, 10, K_CTL, OTS_OP_CONTROL, "c_se_tb_1" },
	{ 63, 12, K_CTL, OTS_OP_CONTROL, "c_se_tc_1" },
	{ 64, 11, K_CTL, OTS_OP_CONTROL, "c_bo_ta_1" },
	{ 70, 1, K_MON, 0, "m_ei_na_1" },
	{ 100, 1, K_SYS, OTS_OP_READ, "c_ic_na_1" },
	{ 101, 1, K_SYS, OTS_OP_READ, "c_ci_na_1" },
	{ 102, 0, K_SYS, OTS_OP_READ, "c_rd_na_1" },
	{ 103, 7, K_SYS, OTS_OP_TIME_SYNC, "c_cs_na_1" },
	{ 104, 2, K_SYS, OTS_OP_DIAGNOSTIC, "c_ts_na_1" },
	{ 105, 1, K_SYS, OTS_OP_RESTART, "c_rp_na_1" },
	{ 106, 2, K_SYS, OTS_OP_TIME_SYNC, "c_cd_na_1" },
	{ 107, 9, K_SYS, OTS_OP_DIAGNOSTIC, "c_ts_ta_1" },
	{ 110, 3, K_PAR, OTS_OP_WRITE, "p_me_na_1" },
	{ 111, 3, K_PAR, OTS_OP_WRITE, "p_me_nb_1" },
	{ 112, 5, K_PAR, OTS_OP_WRITE, "p_me_nc_1" },
	{ 113, 1, K_PAR, OTS_OP_WRITE, "p_ac_na_1" },
	{ 120, 6, K_FILE, OTS_OP_FILE, "f_fr_na_1" },
	{ 121, 7, K_FILE, OTS_OP_FILE, "f_sr_na_1" },
	{ 122, 4, K_FILE, OTS_OP_FILE, "f_sc_na_1" },
	{ 123, 5, K_FILE, OTS_OP_FILE, "f_ls_na_1" },
	{ 124, 4, K_FILE, OTS_OP_FILE, "f_af_na_1" },
	{ 125, I4_VAR, K_FILE, OTS_OP_FILE, "f_sg_na_1" },
	{ 126, 13, K_FILE, OTS_OP_FILE, "f_dr_ta_1" },
	{ 127, 16, K_FILE, OTS_OP_FILE, "f_sc_nb_1" },
};

/* Causes of transmission used below. */
#define COT_PER 1
#define COT_BACK 2
#define COT_SPONT 3
#define COT_REQ 5
#define COT_ACT 6
#define COT_ACTCON 7
#define COT_DEACT 8
#define COT_DEACTCON 9
#define COT_ACTTERM 10
#define COT_FILE 13
#define COT_INROGEN 20
#define COT_INRO16 36
#define COT_REQCOGEN 37
#define COT_REQCO4 41
#define COT_UNKTYPE 44
#define COT_UNKIOA 47

static const struct i4_type *
i4_type(uint8_t id)
{
	size_t i;

	for (i = 0; i < sizeof(i4_types) / sizeof(i4_types[0]); i++)
		if (i4_types[i].id == id)
			return &i4_types[i];
	return NULL;
}

static const char *
i4_u_name(uint8_t c1)
{
	switch (c1) {
	case 0x07: return "startdt_act";
	case 0x0b: return "startdt_con";
	case 0x13: return "stopdt_act";
	case 0x23: return "stopdt_con";
	case 0x43: return "testfr_act";
	case 0x83: return "testfr_con";
	default: return NULL;
	}
}

/* Class of a U-format function (test frames are diagnostics). */
static uint8_t
i4_u_class(uint8_t c1)
{
	return (c1 == 0x43 || c1 == 0x83) ? OTS_OP_DIAGNOSTIC : OTS_OP_OTHER;
}

static int
i4_port(const struct ots_dissect_pkt *pkt)
{
	return pkt && (pkt->sport == I4_PORT || pkt->dport == I4_PORT);
}

/* Offset of the next start byte at or after from, or the length to skip when none. */
static size_t
i4_next_start(const uint8_t *data, size_t len, size_t from)
{
	struct ots_rd r;
	size_t lim = len < I4_MAX_PDU ? len : I4_MAX_PDU;

	rd_init(&r, data, lim);
	rd_skip(&r, from);
	while (rd_left(&r) > 0) {
		size_t at = rd_off(&r);

		if (rd_u8(&r) == I4_START)
			return at;
	}
	return lim;
}

static long
i4_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint8_t start, l;

	if (len == 0)
		return 0;
	rd_init(&r, data, len);
	start = rd_u8(&r);
	if (start != I4_START)
		return (long)i4_next_start(data, len, 1); /* junk unit up to the next 0x68 */
	l = rd_u8(&r);
	if (!rd_ok(&r))
		return 0;
	if (l < I4_LEN_MIN || l > I4_LEN_MAX)
		return (long)i4_next_start(data, len, 1);
	return (long)(2 + l);
}

/* Expected ASDU length for a type and VSQ, 0 when it has no fixed size. */
static size_t
i4_asdu_len(const struct i4_type *t, uint8_t vsq)
{
	size_t n = vsq & 0x7f;

	if (!t || t->elem == I4_VAR)
		return 0;
	if (vsq & 0x80)
		return I4_ASDU_HDR + I4_IOA + n * t->elem;
	return I4_ASDU_HDR + n * (I4_IOA + (size_t)t->elem);
}

/* The four control octets. */
struct i4_ctrl {
	uint8_t c[4];
};

static int
i4_ctrl(struct ots_rd *r, struct i4_ctrl *k)
{
	size_t i;

	for (i = 0; i < 4; i++)
		k->c[i] = rd_u8(r);
	return rd_ok(r);
}

/* Is the control field a valid one for an APDU of length l? */
static int
i4_ctrl_ok(const uint8_t *c, uint8_t l)
{
	if ((c[0] & 1) == 0)
		return (c[2] & 1) == 0 && l >= I4_LEN_MIN + I4_ASDU_HDR;
	if ((c[0] & 3) == 1)
		return l == I4_LEN_MIN && c[1] == 0 && (c[2] & 1) == 0;
	return l == I4_LEN_MIN && i4_u_name(c[0]) && c[1] == 0 && c[2] == 0 && c[3] == 0;
}

static int
i4_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	struct i4_ctrl k;
	const uint8_t *c = k.c;
	const struct i4_type *t;
	uint8_t start, l, type, vsq, cot;
	int score;

	rd_init(&r, data, len);
	start = rd_u8(&r);
	l = rd_u8(&r);
	if (!i4_ctrl(&r, &k) || start != I4_START || l < I4_LEN_MIN || l > I4_LEN_MAX || !i4_ctrl_ok(c, l))
		return OTS_PROBE_NO;
	if ((c[0] & 1) == 0) {
		type = rd_u8(&r);
		vsq = rd_u8(&r);
		cot = rd_u8(&r);
		if (!rd_ok(&r))
			return OTS_PROBE_NO;
		t = i4_type(type);
		if (!t || (vsq & 0x7f) == 0 || (cot & 0x3f) == 0 || (cot & 0x3f) > COT_UNKIOA)
			return OTS_PROBE_NO;
		if (t->elem != I4_VAR && i4_asdu_len(t, vsq) != (size_t)l - I4_LEN_MIN)
			return OTS_PROBE_NO;
		if (t->elem == I4_VAR) {
			/* one segment: header, IOA, NOF, NOS, LOS, LOS bytes */
			uint8_t los;

			rd_skip(&r, 3 + I4_IOA + 3);
			los = rd_u8(&r);
			if (!rd_ok(&r) || vsq != 1 ||
			    (size_t)l - I4_LEN_MIN != I4_ASDU_HDR + I4_IOA + 4 + (size_t)los)
				return OTS_PROBE_NO;
		}
	}
	/* The whole APDU, or it and the start of the next one. */
	if (len == (size_t)l + 2) {
		score = 80;
	} else if (len > (size_t)l + 2) {
		struct ots_rd next;

		rd_init(&next, data, len);
		rd_skip(&next, (size_t)l + 2);
		if (rd_u8(&next) != I4_START || i4_pdu_len(data + l + 2, len - l - 2) <= 0)
			return OTS_PROBE_NO;
		score = 80;
	} else {
		score = OTS_PROBE_MAYBE;
	}
	if (i4_port(pkt))
		score += 20;
	return score > OTS_PROBE_SURE ? OTS_PROBE_SURE : score;
}

static int
i4_bad(const struct ots_dissect_out *out, const char *why, int rc)
{
	ots_emit_flag(out, OTS_PROTO_IEC104, OTS_FLAG_MALFORMED, why);
	return rc;
}

/* Class of a monitor-direction ASDU by its cause. */
static uint8_t
i4_monitor_class(uint8_t cause)
{
	if (cause == COT_PER || cause == COT_BACK || cause == COT_REQ)
		return OTS_OP_READ;
	if (cause >= COT_INROGEN && cause <= COT_REQCO4)
		return OTS_OP_READ;
	return OTS_OP_EVENT;
}

/* The ASDU of an I-format APDU: one op, then the consistency checks. */
static int
i4_asdu(struct ots_rd *r, const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	const struct i4_type *t;
	uint8_t type, vsq, cot, cause, n;
	uint16_t ca;
	uint32_t ioa;
	size_t want;

	op.proto = OTS_PROTO_IEC104;
	type = rd_u8(r);
	vsq = rd_u8(r);
	t = i4_type(type);
	op.function = type;
	op.function_name = t ? t->name : "unknown";
	op.op_class = OTS_OP_OTHER;
	if (!rd_ok(r)) {
		/* Only the type id: report what is there, the ASDU is cut. */
		ots_emit_op(out, &op);
		return i4_bad(out, "short_asdu", OTS_EINVAL);
	}
	cot = rd_u8(r);
	if (!rd_ok(r)) {
		ots_emit_op(out, &op);
		return i4_bad(out, "short_asdu", OTS_EINVAL);
	}
	cause = cot & 0x3f;
	op.has_qualifier = 1;
	op.qualifier = cot;
	rd_skip(r, 1); /* originator address */
	ca = rd_le16(r);
	if (rd_ok(r)) {
		op.has_unit = 1;
		op.unit = ca;
	}

	if (!t || t->kind == K_MON) {
		op.op_class = t ? i4_monitor_class(cause) : OTS_OP_OTHER;
		op.is_response = t ? 1 : (cause == COT_ACTCON || cause == COT_DEACTCON ||
		                          cause == COT_ACTTERM || cause >= COT_UNKTYPE);
	} else {
		op.op_class = t->cls;
		op.is_response = cause == COT_ACTCON || cause == COT_DEACTCON ||
		                 cause == COT_ACTTERM || (cause >= COT_UNKTYPE && cause <= COT_UNKIOA);
		/* File transfer runs both ways: the controlled station's announcements and
		 * segments (COT 13, 5) answer a request. */
		if (t->kind == K_FILE && (cause == COT_FILE || cause == COT_REQ) &&
		    type != 122 && type != 124)
			op.is_response = 1;
	}
	if (type == 70)
		op.op_class = OTS_OP_EVENT; /* end of initialization */
	if ((cot & 0x40) || (cause >= COT_UNKTYPE && cause <= COT_UNKIOA)) {
		op.has_exception = 1;
		op.exception = cause;
	}

	n = vsq & 0x7f;
	ioa = rd_u8(r);
	ioa |= (uint32_t)rd_u8(r) << 8;
	ioa |= (uint32_t)rd_u8(r) << 16;
	if (rd_ok(r) && n > 0) {
		op.has_addr = 1;
		op.addr_start = ioa;
		op.addr_count = n;
	}
	ots_emit_op(out, &op);

	if (!rd_ok(r) && rd_off(r) < I4_ASDU_HDR)
		return i4_bad(out, "short_asdu", OTS_EINVAL);
	if (!rd_ok(r))
		return i4_bad(out, "no_information_object", OTS_EINVAL);
	if (cause == 0)
		return i4_bad(out, "bad_cause", OTS_EINVAL);
	if (n == 0)
		return i4_bad(out, "zero_objects", OTS_EINVAL);
	if (!t)
		return i4_bad(out, "unknown_type", OTS_EINVAL);
	if (t->elem == I4_VAR) {
		/* F_SG_NA_1: NOF (2), NOS (1), LOS (1), LOS segment bytes; one object. */
		uint8_t los;

		rd_skip(r, 3);
		los = rd_u8(r);
		rd_skip(r, los);
		if (!rd_ok(r) || rd_left(r) != 0 || n != 1)
			return i4_bad(out, "bad_segment_length", OTS_EINVAL);
		return OTS_OK;
	}
	want = i4_asdu_len(t, vsq);
	if (rd_off(r) + rd_left(r) != want)
		return i4_bad(out, "asdu_length_mismatch", OTS_EINVAL);
	return OTS_OK;
}

static int
i4_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct ots_rd r, asdu;
	struct ots_ics_op op = { 0 };
	struct i4_ctrl k;
	const uint8_t *c = k.c;
	uint8_t start, l;

	(void)state;
	(void)pkt;
	rd_init(&r, data, len);
	start = rd_u8(&r);
	if (rd_ok(&r) && start != I4_START)
		return i4_bad(out, "bad_start_byte", OTS_EINVAL);
	l = rd_u8(&r);
	if (rd_ok(&r) && (l < I4_LEN_MIN || l > I4_LEN_MAX))
		return i4_bad(out, "bad_length", OTS_EINVAL);
	if (!i4_ctrl(&r, &k))
		return i4_bad(out, "short_apdu", OTS_ETRUNC);
	if (len < (size_t)l + 2)
		return i4_bad(out, "short_apdu", OTS_ETRUNC);
	if (len > (size_t)l + 2)
		return i4_bad(out, "length_mismatch", OTS_EINVAL);

	op.proto = OTS_PROTO_IEC104;
	if ((c[0] & 1) == 0) {
		if (l == I4_LEN_MIN) {
			op.function = I4_FC_I_EMPTY;
			op.function_name = "i_frame_no_asdu";
			op.op_class = OTS_OP_OTHER;
			ots_emit_op(out, &op);
			return i4_bad(out, "i_frame_without_asdu", OTS_EINVAL);
		}
		asdu = rd_sub(&r, (size_t)l - I4_LEN_MIN);
		return i4_asdu(&asdu, out);
	}
	if ((c[0] & 3) == 1) {
		op.function = I4_FC_S;
		op.function_name = "s_frame";
		op.op_class = OTS_OP_OTHER;
		op.is_response = 1;
		ots_emit_op(out, &op);
		if (l != I4_LEN_MIN)
			return i4_bad(out, "s_frame_length", OTS_EINVAL);
		return OTS_OK;
	}
	op.function = I4_FC_U | c[0];
	op.function_name = i4_u_name(c[0]);
	op.op_class = i4_u_class(c[0]);
	op.is_response = (c[0] == 0x0b || c[0] == 0x23 || c[0] == 0x83);
	if (!op.function_name)
		op.function_name = "u_frame_invalid";
	ots_emit_op(out, &op);
	if (!i4_u_name(c[0]))
		return i4_bad(out, "bad_u_function", OTS_EINVAL);
	if (l != I4_LEN_MIN)
		return i4_bad(out, "u_frame_length", OTS_EINVAL);
	return OTS_OK;
}

/* Catalog: every ASDU type id (monitor direction types take their class from the cause of
 * transmission), the U-format functions i4_u_name() knows, the S frame, an I frame without
 * ASDU and the fallbacks. */
static void
i4_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;
	unsigned c;

	for (i = 0; i < sizeof(i4_types) / sizeof(i4_types[0]); i++) {
		const struct i4_type *t = &i4_types[i];

		ots_fn_visit(visit, ctx, t->name, t->id,
		             t->id == 70 ? OTS_OP_EVENT : t->kind == K_MON ? OTS_OP__COUNT : t->cls);
	}
	for (c = 0; c < 256; c++)
		if (i4_u_name((uint8_t)c))
			ots_fn_visit(visit, ctx, i4_u_name((uint8_t)c), I4_FC_U | c,
			             i4_u_class((uint8_t)c));
	ots_fn_visit(visit, ctx, "u_frame_invalid", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "s_frame", I4_FC_S, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "i_frame_no_asdu", I4_FC_I_EMPTY, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_iec104 = {
	.name = "iec104",
	.id = OTS_PROTO_IEC104,
	.transports = OTS_TR_TCP,
	.ethertype = 0x0000,
	.ports = { I4_PORT },
	.max_pdu = I4_MAX_PDU,
	.state_size = 0,
	.probe = i4_probe,
	.pdu_len = i4_pdu_len,
	.parse = i4_parse,
	.gap = NULL,
	.fini = NULL,
	.functions = i4_functions,
};
