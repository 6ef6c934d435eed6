/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * modbus.c: Modbus/TCP dissector (MBAP framing, public function codes, MEI 14, UMAS 0x5a).
 *
 * Spec: MODBUS Application Protocol Specification V1.1b3 and MODBUS Messaging on TCP/IP
 * Implementation Guide V1.0b (modbus.org).
 *
 *   0        2        4        6      7      8
 *   +--------+--------+--------+------+------+------------------------+
 *   | trans  | proto  | length | unit | func | data (length - 2 bytes) |
 *   |  id    | id = 0 | 2..255 |  id  | code |                        |
 *   +--------+--------+--------+------+------+------------------------+
 *   |<------------ MBAP header, 7 bytes ---->|<-- PDU, length - 1 --->|
 *   length counts the unit id and the PDU; an exception sets func | 0x80
 */
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define MB_PORT 502
#define MB_HDR 6            /* bytes before the unit id */
#define MB_LEN_MIN 2
#define MB_LEN_MAX 255 /* the spec caps the ADU at 260 bytes (length 254); Schneider's UMAS
                        * (FC 90) sends 255 and every Modbus stack we know accepts it */
#define MB_MAX_BITS 2000    /* FC1/2 */
#define MB_MAX_REGS 125     /* FC3/4, FC23 read */
#define MB_MAX_WBITS 1968   /* FC15 */
#define MB_MAX_WREGS 123    /* FC16 */
#define MB_MAX_RWREGS 121   /* FC23 write */
#define MB_PENDING 16

struct mb_fc {
	uint8_t fc;
	uint8_t cls;
	const char *name;
};

static const struct mb_fc mb_fcs[] = {
	{ 1, OTS_OP_READ, "read_coils" },
	{ 2, OTS_OP_READ, "read_discrete_inputs" },
	{ 3, OTS_OP_READ, "read_holding_registers" },
	{ 4, OTS_OP_READ, "read_input_registers" },
	{ 5, OTS_OP_WRITE, "write_single_coil" },
	{ 6, OTS_OP_WRITE, "write_single_register" },
	{ 7, OTS_OP_DIAGNOSTIC, "read_exception_status" },
	{ 8, OTS_OP_DIAGNOSTIC, "diagnostics" },
	{ 11, OTS_OP_DIAGNOSTIC, "get_comm_event_counter" },
	{ 12, OTS_OP_DIAGNOSTIC, "get_comm_event_log" },
	{ 15, OTS_OP_WRITE, "write_multiple_coils" },
	{ 16, OTS_OP_WRITE, "write_multiple_registers" },
	{ 17, OTS_OP_DIAGNOSTIC, "report_server_id" },
	{ 20, OTS_OP_FILE, "read_file_record" },
	{ 21, OTS_OP_FILE, "write_file_record" },
	{ 22, OTS_OP_WRITE, "mask_write_register" },
	{ 23, OTS_OP_WRITE, "read_write_multiple_registers" },
	{ 24, OTS_OP_READ, "read_fifo_queue" },
	{ 43, OTS_OP_OTHER, "encapsulated_interface_transport" },
	{ 90, OTS_OP_OTHER, "umas" },
};

/* Device identification object id -> fact attribute (0xff: not reported). */
static const uint8_t mb_devid_attr[7] = {
	OTS_FACT_VENDOR, OTS_FACT_PRODUCT_CODE, OTS_FACT_FIRMWARE, 0xff,
	OTS_FACT_MODEL, OTS_FACT_MODEL, OTS_FACT_NAME,
};

struct mb_pending {
	uint16_t tid;
	uint8_t used;
	uint8_t unit;
	uint8_t fc;
	uint8_t sub;        /* MEI type, UMAS function, diagnostics sub-function low byte */
	uint8_t has_addr;
	uint16_t addr_start;
	uint16_t addr_count;
};

struct mb_state {
	uint8_t client_known;
	uint8_t client_dir;
	uint8_t next;
	struct mb_pending pend[MB_PENDING];
};

static const struct mb_fc *
mb_lookup(uint8_t fc)
{
	size_t i;

	for (i = 0; i < sizeof(mb_fcs) / sizeof(mb_fcs[0]); i++)
		if (mb_fcs[i].fc == fc)
			return &mb_fcs[i];
	return NULL;
}

static uint8_t
mb_umas_class(uint8_t sub)
{
	if (sub == 0x40 || sub == 0x41)
		return OTS_OP_MODE_CHANGE;
	if (sub >= 0x30 && sub <= 0x34)
		return OTS_OP_PROGRAM;
	return OTS_OP_OTHER;
}

/* Class of a function code, refined by its sub-function where it has one. */
static uint8_t
mb_class(uint8_t fc, uint16_t sub, int has_sub)
{
	const struct mb_fc *f = mb_lookup(fc);

	if (!f)
		return OTS_OP_OTHER;
	if (fc == 8 && has_sub) {
		if (sub == 1)
			return OTS_OP_RESTART;
		if (sub == 4)
			return OTS_OP_MODE_CHANGE;
	}
	if (fc == 43 && has_sub && sub == 14)
		return OTS_OP_IDENTITY;
	if (fc == 90 && has_sub)
		return mb_umas_class((uint8_t)sub);
	return f->cls;
}

static int
mb_port(uint16_t p)
{
	return p == MB_PORT;
}

static long
mb_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint16_t pid, mlen;

	rd_init(&r, data, len);
	if (rd_left(&r) < MB_HDR)
		return 0;
	rd_skip(&r, 2);
	pid = rd_be16(&r);
	mlen = rd_be16(&r);
	if (!rd_ok(&r) || pid != 0 || mlen < MB_LEN_MIN || mlen > MB_LEN_MAX)
		return -1;
	return (long)(MB_HDR + mlen);
}

static int
mb_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint16_t pid, mlen;
	uint8_t fc;
	int score;

	rd_init(&r, data, len);
	rd_skip(&r, 2);
	pid = rd_be16(&r);
	mlen = rd_be16(&r);
	rd_skip(&r, 1);
	fc = rd_u8(&r);
	if (!rd_ok(&r) || pid != 0 || mlen < MB_LEN_MIN || mlen > MB_LEN_MAX)
		return OTS_PROBE_NO;
	if (!mb_lookup(fc & 0x7f))
		return OTS_PROBE_NO;
	score = OTS_PROBE_MAYBE;
	if (fc & 0x80) {
		/* exception: exactly one code byte; a longer one is still Modbus, if sloppy (parse
		 * flags it), and needs the port to win */
		if (mlen < 3)
			return OTS_PROBE_NO;
		if (mlen != 3)
			score = 40;
	}
	if (score < OTS_PROBE_MAYBE)
		;
	else if (len == (size_t)MB_HDR + mlen)
		score = 80;
	else if (len > (size_t)MB_HDR + mlen && mb_pdu_len(data + MB_HDR + mlen,
	                                                   len - MB_HDR - mlen) >= 0)
		score = 80;
	if (pkt && (mb_port(pkt->sport) || mb_port(pkt->dport)))
		score += 20;
	return score > OTS_PROBE_SURE ? OTS_PROBE_SURE : score;
}

static int
mb_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_MODBUS, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static struct mb_pending *
mb_find(struct mb_state *st, uint16_t tid)
{
	size_t i;

	if (!st)
		return NULL;
	for (i = 0; i < MB_PENDING; i++)
		if (st->pend[i].used && st->pend[i].tid == tid)
			return &st->pend[i];
	return NULL;
}

static void
mb_remember(struct mb_state *st, const struct ots_ics_op *op, uint8_t sub)
{
	struct mb_pending *p;

	if (!st)
		return;
	p = mb_find(st, (uint16_t)op->transaction);
	if (!p) {
		p = &st->pend[st->next % MB_PENDING];
		st->next = (uint8_t)((st->next + 1) % MB_PENDING);
	}
	p->used = 1;
	p->tid = (uint16_t)op->transaction;
	p->unit = (uint8_t)op->unit;
	p->fc = (uint8_t)op->function;
	p->sub = sub;
	p->has_addr = op->has_addr;
	p->addr_start = (uint16_t)op->addr_start;
	p->addr_count = (uint16_t)op->addr_count;
}

/* Is this PDU a response? Port 502 decides, then what the flow has shown, then direction. */
static int
mb_is_response(struct mb_state *st, const struct ots_dissect_pkt *pkt)
{
	int resp;

	if (!pkt)
		return 0;
	if (mb_port(pkt->sport) && !mb_port(pkt->dport))
		resp = 1;
	else if (mb_port(pkt->dport) && !mb_port(pkt->sport))
		resp = 0;
	else if (st && st->client_known)
		resp = pkt->dir != st->client_dir;
	else
		resp = pkt->dir != 0;
	if (st && !st->client_known) {
		st->client_known = 1;
		st->client_dir = (uint8_t)(resp ? !pkt->dir : pkt->dir);
	}
	return resp;
}

static void
mb_addr(struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	op->has_addr = 1;
	op->addr_start = start;
	op->addr_count = count;
}

/* Request body after the function code. */
static int
mb_request(struct ots_rd *r, struct ots_ics_op *op, uint8_t *sub,
           const struct ots_dissect_out *out)
{
	uint8_t fc = (uint8_t)op->function;
	uint16_t a, q, v;
	uint8_t bc;

	switch (fc) {
	case 1: case 2: case 3: case 4:
		a = rd_be16(r);
		q = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		mb_addr(op, a, q);
		if (q < 1 || q > (fc <= 2 ? MB_MAX_BITS : MB_MAX_REGS))
			return mb_bad(out, "bad_quantity");
		return OTS_OK;
	case 5: case 6:
		a = rd_be16(r);
		v = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		mb_addr(op, a, 1);
		if (fc == 5 && v != 0xff00 && v != 0x0000)
			return mb_bad(out, "bad_coil_value");
		return OTS_OK;
	case 15: case 16:
		a = rd_be16(r);
		q = rd_be16(r);
		bc = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		mb_addr(op, a, q);
		if (q < 1 || q > (fc == 15 ? MB_MAX_WBITS : MB_MAX_WREGS))
			return mb_bad(out, "bad_quantity");
		if (bc != (fc == 15 ? (q + 7) / 8 : q * 2))
			return mb_bad(out, "bad_byte_count");
		if (rd_left(r) != bc)
			return mb_bad(out, "length_mismatch");
		return OTS_OK;
	case 22:
		a = rd_be16(r);
		rd_skip(r, 4);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		mb_addr(op, a, 1);
		return OTS_OK;
	case 23:
		rd_skip(r, 2);
		q = rd_be16(r);
		a = rd_be16(r);
		v = rd_be16(r);
		bc = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		mb_addr(op, a, v);
		if (q < 1 || q > MB_MAX_REGS || v < 1 || v > MB_MAX_RWREGS)
			return mb_bad(out, "bad_quantity");
		if (bc != v * 2)
			return mb_bad(out, "bad_byte_count");
		if (rd_left(r) != bc)
			return mb_bad(out, "length_mismatch");
		return OTS_OK;
	case 24:
		a = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		mb_addr(op, a, 1);
		return OTS_OK;
	case 7: case 11: case 12: case 17:
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		return OTS_OK;
	case 8:
		v = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		*sub = (uint8_t)v;
		op->op_class = mb_class(fc, v, 1);
		return OTS_OK;
	case 20: case 21:
		bc = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != bc)
			return mb_bad(out, "bad_byte_count");
		return OTS_OK;
	case 43:
		*sub = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		op->op_class = mb_class(fc, *sub, 1);
		if (*sub == 14) {
			rd_skip(r, 2);
			if (!rd_ok(r))
				return OTS_ETRUNC;
		}
		return OTS_OK;
	case 90:
		rd_skip(r, 1); /* session / pairing key */
		*sub = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		op->op_class = mb_class(fc, *sub, 1);
		return OTS_OK;
	default:
		return OTS_OK;
	}
}

/* FC43/14 response objects: each becomes an identity fact of the sender. */
static int
mb_devid(struct ots_rd *r, const struct ots_dissect_out *out)
{
	uint8_t n, i, id, l;
	const uint8_t *v;

	rd_skip(r, 4); /* read code, conformity, more follows, next object id */
	n = rd_u8(r);
	if (!rd_ok(r))
		return OTS_ETRUNC;
	if (n > rd_left(r) / 2)
		return mb_bad(out, "bad_object_count");
	for (i = 0; i < n; i++) {
		id = rd_u8(r);
		l = rd_u8(r);
		v = rd_ptr(r, l);
		if (!v)
			return mb_bad(out, "bad_object_length");
		if (id < sizeof(mb_devid_attr) && mb_devid_attr[id] != 0xff)
			ots_emit_fact(out, OTS_PROTO_MODBUS, mb_devid_attr[id], OTS_SIDE_SENDER, 90,
			              "FC43/14", (const char *)v, l);
	}
	if (rd_left(r) != 0)
		return mb_bad(out, "length_mismatch");
	return OTS_OK;
}

/* Response body after the function code. */
static int
mb_response(struct ots_rd *r, struct ots_ics_op *op, uint8_t *sub,
            const struct ots_dissect_out *out)
{
	uint8_t fc = (uint8_t)op->function;
	uint16_t a, q, v;
	uint8_t bc;

	switch (fc) {
	case 1: case 2: case 3: case 4: case 23: case 17: case 12: case 20: case 21:
		bc = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != bc)
			return mb_bad(out, "bad_byte_count");
		if ((fc == 3 || fc == 4 || fc == 23) && (bc & 1))
			return mb_bad(out, "bad_byte_count");
		return OTS_OK;
	case 5: case 6: case 15: case 16:
		a = rd_be16(r);
		q = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		mb_addr(op, a, fc <= 6 ? 1 : q);
		if (fc == 15 && (q < 1 || q > MB_MAX_WBITS))
			return mb_bad(out, "bad_quantity");
		if (fc == 16 && (q < 1 || q > MB_MAX_WREGS))
			return mb_bad(out, "bad_quantity");
		return OTS_OK;
	case 22:
		a = rd_be16(r);
		rd_skip(r, 4);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (rd_left(r) != 0)
			return mb_bad(out, "length_mismatch");
		mb_addr(op, a, 1);
		return OTS_OK;
	case 7:
		rd_skip(r, 1);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		return rd_left(r) ? mb_bad(out, "length_mismatch") : OTS_OK;
	case 11:
		rd_skip(r, 4);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		return rd_left(r) ? mb_bad(out, "length_mismatch") : OTS_OK;
	case 24:
		v = rd_be16(r);
		q = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (q > 31 || v != 2 + 2 * q || rd_left(r) != (size_t)q * 2)
			return mb_bad(out, "bad_byte_count");
		return OTS_OK;
	case 8:
		v = rd_be16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		*sub = (uint8_t)v;
		op->op_class = mb_class(fc, v, 1);
		return OTS_OK;
	case 43:
		*sub = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		op->op_class = mb_class(fc, *sub, 1);
		if (*sub == 14)
			return mb_devid(r, out);
		return OTS_OK;
	default:
		return OTS_OK;
	}
}

static int
mb_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct mb_state *st = state;
	struct ots_rd r, body;
	struct ots_ics_op op = { 0 };
	struct mb_pending *p;
	const struct mb_fc *f;
	uint16_t tid, pid, mlen;
	uint8_t unit, fc, sub = 0;
	int resp, rc;

	rd_init(&r, data, len);
	tid = rd_be16(&r);
	pid = rd_be16(&r);
	mlen = rd_be16(&r);
	unit = rd_u8(&r);
	fc = rd_u8(&r);
	if (!rd_ok(&r)) {
		if (len >= 4 && pid != 0)
			return mb_bad(out, "bad_protocol_id");
		if (len >= MB_HDR && (mlen < MB_LEN_MIN || mlen > MB_LEN_MAX))
			return mb_bad(out, "bad_length");
		return OTS_ETRUNC;
	}
	if (pid != 0)
		return mb_bad(out, "bad_protocol_id");
	if (mlen < MB_LEN_MIN || mlen > MB_LEN_MAX)
		return mb_bad(out, "bad_length");
	if (rd_left(&r) < (size_t)mlen - 2)
		return OTS_ETRUNC;
	if (rd_left(&r) > (size_t)mlen - 2)
		return mb_bad(out, "length_mismatch");
	body = rd_sub(&r, (size_t)mlen - 2);

	resp = mb_is_response(st, pkt);
	op.proto = OTS_PROTO_MODBUS;
	op.is_response = (uint8_t)resp;
	op.has_unit = 1;
	op.unit = unit;
	op.has_transaction = 1;
	op.transaction = tid;
	op.function = fc & 0x7f;
	f = mb_lookup(fc & 0x7f);
	op.function_name = f ? f->name : "unknown";
	op.op_class = mb_class(fc & 0x7f, 0, 0);

	if (!resp) {
		rc = mb_request(&body, &op, &sub, out);
		if (rc == OTS_ETRUNC)
			rc = mb_bad(out, "short_pdu");
		mb_remember(st, &op, sub);
		ots_emit_op(out, &op);
		return rc;
	}

	p = mb_find(st, tid);
	if (p && p->fc == (fc & 0x7f)) {
		if (p->has_addr)
			mb_addr(&op, p->addr_start, p->addr_count);
		if (fc == 90 || fc == (90 | 0x80) || fc == 8 || fc == (8 | 0x80) ||
		    (fc & 0x7f) == 43)
			op.op_class = mb_class(fc & 0x7f, p->sub, 1);
	}
	if (fc & 0x80) {
		op.has_exception = 1;
		op.exception = rd_u8(&body);
		if (p)
			p->used = 0;
		ots_emit_op(out, &op);
		if (!rd_ok(&body) || rd_left(&body) != 0)
			return mb_bad(out, "length_mismatch");
		return OTS_OK;
	}
	rc = mb_response(&body, &op, &sub, out);
	if (rc == OTS_ETRUNC)
		rc = mb_bad(out, "short_pdu");
	if (p)
		p->used = 0;
	ots_emit_op(out, &op);
	return rc;
}

static void
mb_gap(void *state, int dir)
{
	struct mb_state *st = state;
	size_t i;

	(void)dir;
	if (!st)
		return;
	for (i = 0; i < MB_PENDING; i++)
		st->pend[i].used = 0;
}

/* Catalog: the function code table and "unknown"; a class that a sub-function refines
 * (diagnostics, MEI, UMAS) is reported as varying. */
static void
mb_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;
	unsigned s;

	for (i = 0; i < sizeof(mb_fcs) / sizeof(mb_fcs[0]); i++) {
		uint8_t fc = mb_fcs[i].fc, cls = mb_class(fc, 0, 0);

		for (s = 0; s < 256; s++)
			if (mb_class(fc, (uint16_t)s, 1) != cls)
				cls = OTS_OP__COUNT;
		ots_fn_visit(visit, ctx, mb_fcs[i].name, fc, cls);
	}
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_modbus = {
	.name = "modbus",
	.id = OTS_PROTO_MODBUS,
	.transports = OTS_TR_TCP,
	.ports = { MB_PORT },
	.max_pdu = MB_HDR + MB_LEN_MAX,
	.state_size = sizeof(struct mb_state),
	.ndpi_after_claim = 8,
	.probe = mb_probe,
	.pdu_len = mb_pdu_len,
	.parse = mb_parse,
	.gap = mb_gap,
	.fini = NULL,
	.functions = mb_functions,
};
