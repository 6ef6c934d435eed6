/* SPDX-License-Identifier: BSD-3-Clause */
/* test-modbus.c: unit tests of the Modbus/TCP dissector (protocols/modbus.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_modbus;
#define D (&ots_dissector_modbus)

/* A PDU built into a fixed buffer: MBAP with tid 0x0102, unit, then the PDU bytes. */
struct pdu {
	uint8_t b[300];
	size_t n;
};

static struct pdu
mk(uint16_t tid, uint8_t unit, const uint8_t *p, size_t n)
{
	struct pdu x;

	x.b[0] = (uint8_t)(tid >> 8);
	x.b[1] = (uint8_t)tid;
	x.b[2] = 0;
	x.b[3] = 0;
	x.b[4] = (uint8_t)((n + 1) >> 8);
	x.b[5] = (uint8_t)(n + 1);
	x.b[6] = unit;
	memcpy(x.b + 7, p, n);
	x.n = n + 7;
	return x;
}

#define MK(tid, unit, ...) \
	mk(tid, unit, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static struct dt T;

/* Request on dir 0 to port 502, response on dir 1 from port 502. */
static int
req(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 0, 40000, 502);
}

static int
rsp(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 1, 502, 40000);
}

static void
check_op(const struct ots_ics_op *op, int is_rsp, uint8_t cls, uint32_t fc, const char *name,
         uint32_t unit, uint32_t tid)
{
	assert_int_equal(op->proto, OTS_PROTO_MODBUS);
	assert_int_equal(op->is_response, is_rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->has_unit, 1);
	assert_int_equal(op->unit, unit);
	assert_int_equal(op->has_transaction, 1);
	assert_int_equal(op->transaction, tid);
}

static void
check_addr(const struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	assert_int_equal(op->has_addr, 1);
	assert_int_equal(op->addr_start, start);
	assert_int_equal(op->addr_count, count);
}

/* One request/response pair: both parse OK, one op each, no flags. */
static void
pair(const struct pdu *q, const struct pdu *a)
{
	dt_reset(&T);
	assert_int_equal(req(q), OTS_OK);
	assert_int_equal(rsp(a), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	assert_int_equal(T.n_flags, 0);
}

static void
test_read(void **s)
{
	struct pdu q, a;

	(void)s;
	q = MK(0x0102, 1, 1, 0x00, 0x13, 0x00, 0x13);
	a = MK(0x0102, 1, 1, 3, 0xcd, 0x6b, 0x05);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_READ, 1, "read_coils", 1, 0x0102);
	check_addr(&T.ops[0], 0x13, 0x13);
	check_op(&T.ops[1], 1, OTS_OP_READ, 1, "read_coils", 1, 0x0102);
	check_addr(&T.ops[1], 0x13, 0x13);
	assert_int_equal(T.ops[1].has_exception, 0);

	q = MK(7, 2, 2, 0x00, 0xc4, 0x00, 0x16);
	a = MK(7, 2, 2, 3, 0xac, 0xdb, 0x35);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_READ, 2, "read_discrete_inputs", 2, 7);
	check_addr(&T.ops[1], 0xc4, 0x16);

	q = MK(8, 1, 3, 0x00, 0x6b, 0x00, 0x03);
	a = MK(8, 1, 3, 6, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_READ, 3, "read_holding_registers", 1, 8);
	check_addr(&T.ops[0], 0x6b, 3);
	check_addr(&T.ops[1], 0x6b, 3);

	q = MK(9, 0, 4, 0x00, 0x08, 0x00, 0x01);
	a = MK(9, 0, 4, 2, 0x00, 0x0a);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_READ, 4, "read_input_registers", 0, 9);
	check_op(&T.ops[1], 1, OTS_OP_READ, 4, "read_input_registers", 0, 9);
	check_addr(&T.ops[1], 8, 1);

	q = MK(10, 1, 24, 0x04, 0xde);
	a = MK(10, 1, 24, 0x00, 0x06, 0x00, 0x02, 0x01, 0xb8, 0x12, 0x84);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_READ, 24, "read_fifo_queue", 1, 10);
	check_addr(&T.ops[1], 0x4de, 1);
}

static void
test_write(void **s)
{
	struct pdu q, a;

	(void)s;
	q = MK(1, 1, 5, 0x00, 0xac, 0xff, 0x00);
	pair(&q, &q);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 5, "write_single_coil", 1, 1);
	check_op(&T.ops[1], 1, OTS_OP_WRITE, 5, "write_single_coil", 1, 1);
	check_addr(&T.ops[1], 0xac, 1);

	q = MK(2, 1, 6, 0x00, 0x01, 0x00, 0x03);
	pair(&q, &q);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 6, "write_single_register", 1, 2);
	check_addr(&T.ops[0], 1, 1);

	q = MK(3, 1, 15, 0x00, 0x13, 0x00, 0x0a, 0x02, 0xcd, 0x01);
	a = MK(3, 1, 15, 0x00, 0x13, 0x00, 0x0a);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 15, "write_multiple_coils", 1, 3);
	check_addr(&T.ops[0], 0x13, 10);
	check_addr(&T.ops[1], 0x13, 10);

	q = MK(4, 1, 16, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0a, 0x01, 0x02);
	a = MK(4, 1, 16, 0x00, 0x01, 0x00, 0x02);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 16, "write_multiple_registers", 1, 4);
	check_op(&T.ops[1], 1, OTS_OP_WRITE, 16, "write_multiple_registers", 1, 4);
	check_addr(&T.ops[1], 1, 2);

	q = MK(5, 1, 22, 0x00, 0x04, 0x00, 0xf2, 0x00, 0x25);
	pair(&q, &q);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 22, "mask_write_register", 1, 5);
	check_addr(&T.ops[1], 4, 1);

	q = MK(6, 1, 23, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0e, 0x00, 0x03, 0x06,
	       0x00, 0xff, 0x00, 0xff, 0x00, 0xff);
	a = MK(6, 1, 23, 0x0c, 0, 0xfe, 0x0a, 0xcd, 0, 1, 0, 3, 0, 0x0d, 0, 0xff);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 23, "read_write_multiple_registers", 1, 6);
	check_addr(&T.ops[0], 0x0e, 3);
	check_addr(&T.ops[1], 0x0e, 3);
}

static void
test_diag(void **s)
{
	struct pdu q, a;

	(void)s;
	q = MK(1, 1, 8, 0x00, 0x01, 0x00, 0x00);
	pair(&q, &q);
	check_op(&T.ops[0], 0, OTS_OP_RESTART, 8, "diagnostics", 1, 1);
	check_op(&T.ops[1], 1, OTS_OP_RESTART, 8, "diagnostics", 1, 1);

	q = MK(2, 1, 8, 0x00, 0x04, 0x00, 0x00);
	dt_reset(&T);
	assert_int_equal(req(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_MODE_CHANGE, 8, "diagnostics", 1, 2);

	q = MK(3, 1, 8, 0x00, 0x00, 0xa5, 0x37);
	pair(&q, &q);
	check_op(&T.ops[0], 0, OTS_OP_DIAGNOSTIC, 8, "diagnostics", 1, 3);
	check_op(&T.ops[1], 1, OTS_OP_DIAGNOSTIC, 8, "diagnostics", 1, 3);

	q = MK(4, 1, 7);
	a = MK(4, 1, 7, 0x6d);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_DIAGNOSTIC, 7, "read_exception_status", 1, 4);
	assert_int_equal(T.ops[0].has_addr, 0);

	q = MK(5, 1, 11);
	a = MK(5, 1, 11, 0xff, 0xff, 0x01, 0x08);
	pair(&q, &a);
	check_op(&T.ops[1], 1, OTS_OP_DIAGNOSTIC, 11, "get_comm_event_counter", 1, 5);

	q = MK(6, 1, 12);
	a = MK(6, 1, 12, 0x08, 0x00, 0x00, 0x01, 0x08, 0x01, 0x21, 0x20, 0x00);
	pair(&q, &a);
	check_op(&T.ops[1], 1, OTS_OP_DIAGNOSTIC, 12, "get_comm_event_log", 1, 6);

	q = MK(7, 1, 17);
	a = MK(7, 1, 17, 0x03, 0x42, 0xff, 0x00);
	pair(&q, &a);
	check_op(&T.ops[1], 1, OTS_OP_DIAGNOSTIC, 17, "report_server_id", 1, 7);
}

static void
test_file(void **s)
{
	struct pdu q, a;

	(void)s;
	q = MK(1, 1, 20, 0x07, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02);
	a = MK(1, 1, 20, 0x06, 0x05, 0x06, 0x0d, 0xfe, 0x00, 0x20);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_FILE, 20, "read_file_record", 1, 1);
	check_op(&T.ops[1], 1, OTS_OP_FILE, 20, "read_file_record", 1, 1);

	q = MK(2, 1, 21, 0x09, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01, 0x06, 0xaf);
	a = MK(2, 1, 21, 0x09, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01, 0x06, 0xaf);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_FILE, 21, "write_file_record", 1, 2);
	check_op(&T.ops[1], 1, OTS_OP_FILE, 21, "write_file_record", 1, 2);
}

static const uint8_t devid_rsp[] = {
	0x00, 0x21, 0x00, 0x00, 0x00, 0x36, 0x01,
	43, 14, 0x01, 0x01, 0x00, 0x00, 0x05,
	0x00, 0x0e, 'S', 'c', 'h', 'n', 'e', 'i', 'd', 'e', 'r', ' ', 'E', 'l', 'e', 'c',
	0x01, 0x0a, 'B', 'M', 'X', 'P', '3', '4', '2', '0', '2', '0',
	0x02, 0x05, 'v', '3', '.', '1', '0',
	0x03, 0x03, 'x', 'y', 'z',
	0x05, 0x04, 'M', '3', '4', '0',
};

static void
test_identity(void **s)
{
	struct pdu q = MK(0x21, 1, 43, 14, 0x01, 0x00);

	(void)s;
	dt_reset(&T);
	assert_int_equal(req(&q), OTS_OK);
	assert_int_equal(dt_parse(&T, D, devid_rsp, sizeof(devid_rsp), 1, 502, 40000), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_IDENTITY, 43, "encapsulated_interface_transport", 1, 0x21);
	check_op(&T.ops[1], 1, OTS_OP_IDENTITY, 43, "encapsulated_interface_transport", 1, 0x21);
	assert_int_equal(T.n_facts, 4);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "Schneider Elec");
	assert_string_equal(dt_fact(&T, OTS_FACT_PRODUCT_CODE), "BMXP342020");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "v3.10");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "M340");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_string_equal(T.facts[0].source, "FC43/14");
	assert_int_equal(T.facts[0].proto, OTS_PROTO_MODBUS);

	/* MEI 13 CANopen: other */
	q = MK(0x22, 1, 43, 13, 0x00);
	dt_reset(&T);
	assert_int_equal(req(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 43, "encapsulated_interface_transport", 1, 0x22);
}

static void
test_umas_unknown_exception(void **s)
{
	struct pdu q, a;

	(void)s;
	q = MK(1, 0, 0x5a, 0x12, 0x41, 0xff, 0x00);
	a = MK(1, 0, 0x5a, 0x12, 0xfe);
	pair(&q, &a);
	check_op(&T.ops[0], 0, OTS_OP_MODE_CHANGE, 90, "umas", 0, 1);
	check_op(&T.ops[1], 1, OTS_OP_MODE_CHANGE, 90, "umas", 0, 1);

	q = MK(2, 0, 0x5a, 0x12, 0x31, 0x01);
	dt_reset(&T);
	assert_int_equal(req(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_PROGRAM, 90, "umas", 0, 2);

	q = MK(3, 0, 0x5a, 0x00, 0x02);
	dt_reset(&T);
	assert_int_equal(req(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 90, "umas", 0, 3);

	q = MK(4, 1, 0x64, 0x01, 0x02);
	dt_reset(&T);
	assert_int_equal(req(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x64, "unknown", 1, 4);

	q = MK(5, 1, 3, 0x00, 0x10, 0x00, 0x02);
	a = MK(5, 1, 0x83, 0x02);
	pair(&q, &a);
	check_op(&T.ops[1], 1, OTS_OP_READ, 3, "read_holding_registers", 1, 5);
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 2);
	check_addr(&T.ops[1], 0x10, 2);
}

/* Expect one malformed flag with reason why and OTS_EINVAL. */
static void
bad(const struct pdu *p, int is_rsp, const char *why)
{
	dt_reset(&T);
	assert_int_equal(is_rsp ? rsp(p) : req(p), OTS_EINVAL);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_malformed(void **s)
{
	struct pdu p;

	(void)s;
	p = MK(1, 1, 3, 0, 0, 0, 1);
	p.b[3] = 1;
	bad(&p, 0, "bad_protocol_id");
	p = MK(1, 1, 3, 0, 0, 0, 1);
	p.b[5] = 1;
	bad(&p, 0, "bad_length");
	p.b[4] = 1; /* 257 */
	p.b[5] = 1;
	bad(&p, 0, "bad_length");
	p.b[4] = 0; /* 256: one past what UMAS uses */
	p.b[5] = 0;
	p.b[4] = 1;
	bad(&p, 0, "bad_length");
	p = MK(1, 1, 3, 0, 0, 0, 1);
	p.b[5] = 5; /* claims fewer bytes than present */
	bad(&p, 0, "length_mismatch");
	p = MK(1, 1, 3, 0, 0, 0, 1, 0);
	bad(&p, 0, "length_mismatch");
	p = MK(1, 1, 3, 0, 0, 0, 0);
	bad(&p, 0, "bad_quantity");
	p = MK(1, 1, 3, 0, 0, 0, 126);
	bad(&p, 0, "bad_quantity");
	p = MK(1, 1, 1, 0, 0, 0x07, 0xd1);
	bad(&p, 0, "bad_quantity");
	p = MK(1, 1, 5, 0, 0, 0x12, 0x34);
	bad(&p, 0, "bad_coil_value");
	p = MK(1, 1, 16, 0, 1, 0, 2, 3, 0, 0, 0);
	bad(&p, 0, "bad_byte_count");
	p = MK(1, 1, 3, 4, 0, 1);
	bad(&p, 1, "bad_byte_count");
	p = MK(1, 1, 3, 3, 0, 1, 2);
	bad(&p, 1, "bad_byte_count");
	p = MK(1, 1, 0x83, 2, 0);
	bad(&p, 1, "length_mismatch");
	p = MK(1, 1, 43, 14, 1, 1, 0, 0, 3, 0, 1, 'a');
	bad(&p, 1, "bad_object_count");
	p = MK(1, 1, 43, 14, 1, 1, 0, 0, 1, 0, 9, 'a');
	bad(&p, 1, "bad_object_length");
	p = MK(1, 1, 3, 0, 1);
	bad(&p, 0, "short_pdu");
}

static void
test_limits(void **s)
{
	uint8_t body[260];
	struct pdu p;

	(void)s;
	/* FC16 with 123 registers: the maximum */
	memset(body, 0, sizeof(body));
	body[0] = 16;
	body[4] = 123;
	body[5] = 246;
	p = mk(1, 1, body, 6 + 246);
	dt_reset(&T);
	assert_int_equal(req(&p), OTS_OK);
	check_addr(&T.ops[0], 0, 123);
	/* 124: one past (byte count kept at what fits the MBAP length) */
	body[4] = 124;
	p = mk(1, 1, body, 6 + 246);
	bad(&p, 0, "bad_quantity");
	/* FC15 with 1968 coils (246 bytes) */
	memset(body, 0, sizeof(body));
	body[0] = 15;
	body[3] = 0x07;
	body[4] = 0xb0;
	body[5] = 246;
	p = mk(1, 1, body, 6 + 246);
	dt_reset(&T);
	assert_int_equal(req(&p), OTS_OK);
	check_addr(&T.ops[0], 0, 1968);
	body[4] = 0xb1;
	p = mk(1, 1, body, 6 + 246);
	bad(&p, 0, "bad_quantity");
	/* FC3 at 125 OK */
	p = MK(1, 1, 3, 0, 0, 0, 125);
	dt_reset(&T);
	assert_int_equal(req(&p), OTS_OK);
}

static void
sweep(const struct pdu *p, int dir)
{
	assert_int_equal(dt_sweep(D, p->b, p->n, dir, dir ? 502 : 40000, dir ? 40000 : 502, 1),
	                 p->n);
}

static void
test_sweep(void **s)
{
	struct pdu ps[] = {
		MK(1, 1, 1, 0, 0x13, 0, 0x13), MK(1, 1, 3, 6, 2, 0x2b, 0, 0, 0, 0x64),
		MK(1, 1, 5, 0, 0xac, 0xff, 0), MK(1, 1, 15, 0, 0x13, 0, 0x0a, 2, 0xcd, 1),
		MK(1, 1, 16, 0, 1, 0, 2, 4, 0, 0x0a, 1, 2), MK(1, 1, 8, 0, 1, 0, 0),
		MK(1, 1, 43, 14, 1, 0), MK(1, 0, 0x5a, 0x12, 0x41, 0xff, 0),
		MK(1, 1, 0x83, 2), MK(1, 1, 23, 0, 3, 0, 6, 0, 0x0e, 0, 1, 2, 0, 0xff),
		MK(1, 1, 7), MK(1, 1, 24, 0, 6, 0, 2, 1, 0xb8, 0x12, 0x84),
	};
	size_t i;
	struct pdu dv;

	(void)s;
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		sweep(&ps[i], 0);
		sweep(&ps[i], 1);
	}
	memcpy(dv.b, devid_rsp, sizeof(devid_rsp));
	dv.n = sizeof(devid_rsp);
	sweep(&dv, 1);
}

static void
test_framing(void **s)
{
	struct pdu a = MK(1, 1, 3, 0, 0, 0, 2), b = MK(2, 1, 16, 0, 1, 0, 1, 2, 0, 9),
	           c = MK(3, 1, 7);
	uint8_t stream[64];
	size_t n = 0, off = 0, k;
	int count = 0;

	(void)s;
	memcpy(stream + n, a.b, a.n);
	n += a.n;
	memcpy(stream + n, b.b, b.n);
	n += b.n;
	memcpy(stream + n, c.b, c.n);
	n += c.n;
	dt_reset(&T);
	while (off < n) {
		long l = D->pdu_len(stream + off, n - off);

		assert_true(l > 0);
		assert_int_equal(dt_parse(&T, D, stream + off, (size_t)l, 0, 40000, 502), OTS_OK);
		off += (size_t)l;
		count++;
	}
	assert_int_equal(count, 3);
	assert_int_equal(T.n_ops, 3);
	assert_int_equal(T.ops[1].function, 16);
	assert_int_equal(T.ops[2].function, 7);
	for (k = 0; k <= b.n; k++)
		assert_int_equal(D->pdu_len(b.b, k), k < 6 ? 0 : (long)b.n);
	/* desynchronised */
	stream[2] = 0x41;
	assert_true(D->pdu_len(stream, n) < 0);
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt p502 = { 0, 40000, 502, 0 }, p5020 = { 0, 40000, 5020, 0 };
	struct pdu q = MK(1, 1, 3, 0, 0, 0, 2), a = MK(1, 1, 3, 4, 0, 1, 0, 2);
	uint8_t buf[300];
	int i, fp = 0;

	(void)s;
	assert_int_equal(D->probe(q.b, q.n, &p502), OTS_PROBE_SURE);
	assert_true(D->probe(q.b, q.n, &p5020) >= OTS_PROBE_MAYBE);
	assert_true(D->probe(a.b, a.n, &p5020) >= OTS_PROBE_MAYBE);
	assert_int_equal(D->probe(q.b, 5, &p502), OTS_PROBE_NO);
	for (i = 0; i < 10000; i++) {
		size_t n = rnd() % sizeof(buf), j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rnd();
		if (D->probe(buf, n, &p502) >= OTS_PROBE_MAYBE)
			fp++;
	}
	assert_true(fp < 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_diag),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_umas_unknown_exception),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
