/* SPDX-License-Identifier: BSD-3-Clause */
/* test-slmp.c: unit tests of the MELSEC SLMP / MC protocol and MELSOFT dissector (slmp.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_slmp;
#define D (&ots_dissector_slmp)

struct pdu {
	uint8_t b[2100];
	size_t n;
};

static struct dt T;

/* Binary 3E (serial < 0) or 4E request: net 0, PC 0xFF, I/O 0x03FF, station 0. */
static struct pdu
req(int serial, uint16_t cmd, uint16_t sub, const uint8_t *data, size_t n)
{
	struct pdu x;
	size_t o = 0, l = 6 + n;

	if (serial >= 0) {
		x.b[o++] = 0x54;
		x.b[o++] = 0x00;
		x.b[o++] = (uint8_t)serial;
		x.b[o++] = (uint8_t)(serial >> 8);
		x.b[o++] = 0;
		x.b[o++] = 0;
	} else {
		x.b[o++] = 0x50;
		x.b[o++] = 0x00;
	}
	x.b[o++] = 0x00;
	x.b[o++] = 0xff;
	x.b[o++] = 0xff;
	x.b[o++] = 0x03;
	x.b[o++] = 0x00;
	x.b[o++] = (uint8_t)l;
	x.b[o++] = (uint8_t)(l >> 8);
	x.b[o++] = 0x10; /* timer */
	x.b[o++] = 0x00;
	x.b[o++] = (uint8_t)cmd;
	x.b[o++] = (uint8_t)(cmd >> 8);
	x.b[o++] = (uint8_t)sub;
	x.b[o++] = (uint8_t)(sub >> 8);
	if (n)
		memcpy(x.b + o, data, n);
	x.n = o + n;
	return x;
}

/* Binary 3E (serial < 0) or 4E response with end code and data. */
static struct pdu
rsp(int serial, uint16_t end, const uint8_t *data, size_t n)
{
	struct pdu x;
	size_t o = 0, l = 2 + n;

	if (serial >= 0) {
		x.b[o++] = 0xd4;
		x.b[o++] = 0x00;
		x.b[o++] = (uint8_t)serial;
		x.b[o++] = (uint8_t)(serial >> 8);
		x.b[o++] = 0;
		x.b[o++] = 0;
	} else {
		x.b[o++] = 0xd0;
		x.b[o++] = 0x00;
	}
	x.b[o++] = 0x00;
	x.b[o++] = 0xff;
	x.b[o++] = 0xff;
	x.b[o++] = 0x03;
	x.b[o++] = 0x00;
	x.b[o++] = (uint8_t)l;
	x.b[o++] = (uint8_t)(l >> 8);
	x.b[o++] = (uint8_t)end;
	x.b[o++] = (uint8_t)(end >> 8);
	if (n)
		memcpy(x.b + o, data, n);
	x.n = o + n;
	return x;
}

static struct pdu
raw(const uint8_t *p, size_t n)
{
	struct pdu x;

	memcpy(x.b, p, n);
	x.n = n;
	return x;
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define REQ(ser, cmd, sub, ...) req(ser, cmd, sub, BYTES(__VA_ARGS__))
#define REQ0(ser, cmd, sub) req(ser, cmd, sub, NULL, 0)
#define RSP(ser, end, ...) rsp(ser, end, BYTES(__VA_ARGS__))
#define RSP0(ser, end) rsp(ser, end, NULL, 0)
#define STR(s) raw((const uint8_t *)(s), sizeof(s) - 1)

/* Requests travel client -> 5007 on dir 0, responses back on dir 1. */
static int
q(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 0, 40000, 5007);
}

static int
a(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 1, 5007, 40000);
}

static void
check_op(const struct ots_ics_op *op, int is_rsp, uint8_t cls, uint32_t fc, const char *name)
{
	assert_int_equal(op->proto, OTS_PROTO_SLMP);
	assert_int_equal(op->is_response, is_rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
}

static void
check_unit(const struct ots_ics_op *op, uint32_t unit)
{
	assert_int_equal(op->has_unit, 1);
	assert_int_equal(op->unit, unit);
}

static void
check_addr(const struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	assert_int_equal(op->has_addr, 1);
	assert_int_equal(op->addr_start, start);
	assert_int_equal(op->addr_count, count);
}

/* A request/response pair parses OK into two ops of one class, no flags. */
static void
pair(const struct pdu *rq, const struct pdu *rs, uint8_t cls, uint16_t cmd, const char *name)
{
	dt_reset(&T);
	assert_int_equal(q(rq), OTS_OK);
	assert_int_equal(a(rs), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, cls, cmd, name);
	check_op(&T.ops[1], 1, cls, cmd, name);
	check_unit(&T.ops[0], 0x00ff);
	check_unit(&T.ops[1], 0x00ff);
	assert_int_equal(T.ops[1].has_exception, 0);
}

static void
test_read(void **s)
{
	struct pdu rq, rs;

	(void)s;
	/* D100, 3 words */
	rq = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	rs = RSP(-1, 0, 1, 0, 2, 0, 3, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0401, "device_read_batch");
	check_addr(&T.ops[0], 100, 3);
	check_addr(&T.ops[1], 100, 3);
	assert_int_equal(T.ops[0].has_transaction, 0);
	/* M0x12345, 4 bits */
	rq = REQ(-1, 0x0401, 0x0001, 0x45, 0x23, 0x01, 0x90, 4, 0);
	rs = RSP(-1, 0, 0x10, 0x01);
	pair(&rq, &rs, OTS_OP_READ, 0x0401, "device_read_batch");
	check_addr(&T.ops[1], 0x12345, 4);
	/* iQ-R device specification: 4-byte number, 2-byte code */
	rq = REQ(-1, 0x0401, 0x0002, 0x00, 0x00, 0x01, 0x00, 0xa8, 0x00, 0x10, 0x00);
	rs = RSP0(-1, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0401, "device_read_batch");
	check_addr(&T.ops[0], 0x10000, 16);
	rq = REQ(-1, 0x0403, 0x0000, 1, 0, 100, 0, 0, 0xa8);
	rs = RSP(-1, 0, 9, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0403, "device_read_random");
	assert_int_equal(T.ops[0].has_addr, 0);
	rq = REQ(-1, 0x0406, 0x0000, 1, 0, 0, 0, 0, 0xa8, 2, 0);
	rs = RSP(-1, 0, 1, 0, 2, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0406, "device_read_block");
	rq = REQ(-1, 0x0613, 0x0000, 0x00, 0x10, 0x00, 0x00, 8, 0);
	rs = RSP0(-1, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0613, "buffer_memory_read");
	check_addr(&T.ops[1], 0x1000, 8);
	rq = REQ(-1, 0x0601, 0x0000, 0x20, 0, 0, 0, 4, 0, 0x01, 0x00);
	rs = RSP(-1, 0, 1, 2, 3, 4);
	pair(&rq, &rs, OTS_OP_READ, 0x0601, "intelligent_module_read");
	check_addr(&T.ops[0], 0x20, 4);
	rq = REQ(-1, 0x0801, 0x0000, 1, 0, 100, 0, 0, 0xa8);
	rs = RSP0(-1, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0801, "monitor_register");
	rq = REQ0(-1, 0x0802, 0x0000);
	rs = RSP(-1, 0, 5, 0);
	pair(&rq, &rs, OTS_OP_READ, 0x0802, "monitor");
}

static void
test_write(void **s)
{
	struct pdu rq, rs;

	(void)s;
	/* D200, 2 words */
	rq = REQ(-1, 0x1401, 0x0000, 200, 0, 0, 0xa8, 2, 0, 0x34, 0x12, 0x78, 0x56);
	rs = RSP0(-1, 0);
	pair(&rq, &rs, OTS_OP_WRITE, 0x1401, "device_write_batch");
	check_addr(&T.ops[0], 200, 2);
	check_addr(&T.ops[1], 200, 2);
	/* Y16, 3 bits: 4 bits a point, two bytes */
	rq = REQ(-1, 0x1401, 0x0001, 16, 0, 0, 0x9d, 3, 0, 0x11, 0x00);
	pair(&rq, &rs, OTS_OP_WRITE, 0x1401, "device_write_batch");
	check_addr(&T.ops[1], 16, 3);
	rq = REQ(-1, 0x1402, 0x0000, 1, 0, 100, 0, 0, 0xa8, 5, 0);
	pair(&rq, &rs, OTS_OP_WRITE, 0x1402, "device_write_random");
	rq = REQ(-1, 0x1406, 0x0000, 1, 0, 0, 0, 0, 0xa8, 1, 0, 7, 0);
	pair(&rq, &rs, OTS_OP_WRITE, 0x1406, "device_write_block");
	rq = REQ(-1, 0x1613, 0x0000, 0x00, 0x20, 0x00, 0x00, 1, 0, 0xaa, 0x55);
	pair(&rq, &rs, OTS_OP_WRITE, 0x1613, "buffer_memory_write");
	check_addr(&T.ops[0], 0x2000, 1);
	rq = REQ(-1, 0x1601, 0x0000, 0x30, 0, 0, 0, 2, 0, 0x01, 0x00, 1, 2);
	pair(&rq, &rs, OTS_OP_WRITE, 0x1601, "intelligent_module_write");
	check_addr(&T.ops[1], 0x30, 2);
}

static void
test_mode_restart(void **s)
{
	struct pdu rq, rs = RSP0(-1, 0);

	(void)s;
	rq = REQ(-1, 0x1001, 0x0000, 1, 0, 0, 0);
	pair(&rq, &rs, OTS_OP_MODE_CHANGE, 0x1001, "remote_run");
	rq = REQ(-1, 0x1002, 0x0000, 1, 0);
	pair(&rq, &rs, OTS_OP_MODE_CHANGE, 0x1002, "remote_stop");
	rq = REQ(-1, 0x1003, 0x0000, 1, 0, 0, 0);
	pair(&rq, &rs, OTS_OP_MODE_CHANGE, 0x1003, "remote_pause");
	rq = REQ(-1, 0x1005, 0x0000, 1, 0);
	pair(&rq, &rs, OTS_OP_MODE_CHANGE, 0x1005, "remote_latch_clear");
	rq = REQ(-1, 0x1006, 0x0000, 1, 0);
	pair(&rq, &rs, OTS_OP_RESTART, 0x1006, "remote_reset");
}

static void
test_diag_file_other(void **s)
{
	struct pdu rq, rs;

	(void)s;
	rq = REQ(-1, 0x0619, 0x0000, 5, 0, 'A', 'B', 'C', 'D', 'E');
	rs = RSP(-1, 0, 5, 0, 'A', 'B', 'C', 'D', 'E');
	pair(&rq, &rs, OTS_OP_DIAGNOSTIC, 0x0619, "loopback_test");
	rq = REQ0(-1, 0x1617, 0x0001);
	rs = RSP0(-1, 0);
	pair(&rq, &rs, OTS_OP_DIAGNOSTIC, 0x1617, "clear_error");
	rq = REQ(-1, 0x1827, 0x0000, 0, 0, 1, 0);
	rs = RSP(-1, 0, 3, 0);
	pair(&rq, &rs, OTS_OP_FILE, 0x1827, "open_file");
	rq = REQ(-1, 0x1828, 0x0000, 3, 0, 0, 0, 0, 0, 16, 0);
	pair(&rq, &rs, OTS_OP_FILE, 0x1828, "read_file");
	rq = REQ(-1, 0x1829, 0x0000, 3, 0, 0, 0, 0, 0, 1, 0, 'x');
	pair(&rq, &rs, OTS_OP_FILE, 0x1829, "write_file");
	rq = REQ(-1, 0x182a, 0x0000, 3, 0, 0, 0);
	pair(&rq, &rs, OTS_OP_FILE, 0x182a, "close_file");
	rq = REQ(-1, 0x1822, 0x0000, 0);
	pair(&rq, &rs, OTS_OP_FILE, 0x1822, "delete_file");
	rq = REQ(-1, 0x1810, 0x0040, 0);
	pair(&rq, &rs, OTS_OP_FILE, 0x1810, "read_directory");
	/* unknown command */
	rq = REQ(-1, 0x0e01, 0x0000, 1, 2);
	pair(&rq, &rs, OTS_OP_OTHER, 0x0e01, "unknown");
}

static void
test_auth(void **s)
{
	struct pdu rq, rs = RSP0(-1, 0);

	(void)s;
	rq = REQ(-1, 0x1630, 0x0000, 6, 0, 'a', 'b', 'c', '1', '2', '3');
	dt_reset(&T);
	assert_int_equal(q(&rq), OTS_OK);
	assert_int_equal(a(&rs), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 0x1630, "remote_password_unlock");
	check_op(&T.ops[1], 1, OTS_OP_AUTH, 0x1630, "remote_password_unlock");
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_CLEARTEXT_CREDENTIAL);
	assert_string_equal(T.flags[0].what, "remote_password");
	rq = REQ(-1, 0x1631, 0x0000, 4, 0, 'p', 'a', 's', 's');
	dt_reset(&T);
	assert_int_equal(q(&rq), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 0x1631, "remote_password_lock");
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_CLEARTEXT_CREDENTIAL);
}

static void
test_identity(void **s)
{
	struct pdu rq = REQ0(-1, 0x0101, 0x0000);
	struct pdu rs = RSP(-1, 0, 'Q', '0', '3', 'U', 'D', 'V', 'C', 'P', 'U', ' ', ' ', ' ', ' ',
	                    ' ', ' ', ' ', 0x66, 0x03);

	(void)s;
	pair(&rq, &rs, OTS_OP_IDENTITY, 0x0101, "read_cpu_model");
	assert_int_equal(T.n_facts, 2);
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "Q03UDVCPU");
	assert_string_equal(dt_fact(&T, OTS_FACT_PRODUCT_CODE), "0x0366");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_int_equal(T.facts[0].proto, OTS_PROTO_SLMP);
	assert_string_equal(T.facts[0].source, "SLMP 0101");
	assert_string_equal(T.facts[1].source, "SLMP 0101");
	/* an error answer carries no model */
	rs = RSP0(-1, 0xc059);
	dt_reset(&T);
	assert_int_equal(q(&rq), OTS_OK);
	assert_int_equal(a(&rs), OTS_OK);
	assert_int_equal(T.n_facts, 0);
	/* a non-printable name is not a model */
	rs = RSP(-1, 0, 'Q', 0x01, '3', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x66, 0x03);
	dt_reset(&T);
	assert_int_equal(q(&rq), OTS_OK);
	assert_int_equal(a(&rs), OTS_OK);
	assert_int_equal(T.n_facts, 0);
}

static void
test_pairing_exception(void **s)
{
	struct pdu r1, r2, s1, s2;

	(void)s;
	/* 4E: answers out of order pair by serial */
	r1 = REQ(0x1234, 0x0401, 0x0000, 10, 0, 0, 0xa8, 1, 0);
	r2 = REQ(0x1235, 0x1401, 0x0000, 20, 0, 0, 0xa8, 1, 0, 9, 0);
	s2 = RSP0(0x1235, 0);
	s1 = RSP(0x1234, 0, 7, 0);
	dt_reset(&T);
	assert_int_equal(q(&r1), OTS_OK);
	assert_int_equal(q(&r2), OTS_OK);
	assert_int_equal(a(&s2), OTS_OK);
	assert_int_equal(a(&s1), OTS_OK);
	assert_int_equal(T.n_ops, 4);
	check_op(&T.ops[2], 1, OTS_OP_WRITE, 0x1401, "device_write_batch");
	assert_int_equal(T.ops[2].has_transaction, 1);
	assert_int_equal(T.ops[2].transaction, 0x1235);
	check_addr(&T.ops[2], 20, 1);
	check_op(&T.ops[3], 1, OTS_OP_READ, 0x0401, "device_read_batch");
	assert_int_equal(T.ops[3].transaction, 0x1234);
	check_addr(&T.ops[3], 10, 1);
	/* 3E: first in, first out */
	r1 = REQ(-1, 0x1002, 0x0000, 1, 0);
	r2 = REQ(-1, 0x1001, 0x0000, 1, 0, 0, 0);
	s1 = RSP0(-1, 0);
	dt_reset(&T);
	assert_int_equal(q(&r1), OTS_OK);
	assert_int_equal(q(&r2), OTS_OK);
	assert_int_equal(a(&s1), OTS_OK);
	assert_int_equal(a(&s1), OTS_OK);
	check_op(&T.ops[2], 1, OTS_OP_MODE_CHANGE, 0x1002, "remote_stop");
	check_op(&T.ops[3], 1, OTS_OP_MODE_CHANGE, 0x1001, "remote_run");
	/* an unpaired answer */
	dt_reset(&T);
	assert_int_equal(a(&s1), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_OTHER, 0, "unknown");
	/* error answer without its request: the command comes from the error information */
	s1 = RSP(-1, 0xc059, 0x00, 0xff, 0xff, 0x03, 0x00, 0x02, 0x10, 0x00, 0x00);
	dt_reset(&T);
	assert_int_equal(a(&s1), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_MODE_CHANGE, 0x1002, "remote_stop");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 0xc059);
	check_unit(&T.ops[0], 0x00ff);
	/* paired error answer keeps the request's command and address */
	r1 = REQ(-1, 0x0401, 0x0000, 5, 0, 0, 0xa8, 2, 0);
	dt_reset(&T);
	assert_int_equal(q(&r1), OTS_OK);
	s1 = RSP0(-1, 0xc051);
	assert_int_equal(a(&s1), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_READ, 0x0401, "device_read_batch");
	assert_int_equal(T.ops[1].exception, 0xc051);
	check_addr(&T.ops[1], 5, 2);
}

static void
test_ascii(void **s)
{
	struct pdu rq = STR("500000FF03FF000018001004010000D*0001000003");
	struct pdu rs = STR("D00000FF03FF0000100000000100020003");
	struct pdu r4 = STR("5400123400000AFF03FF0000100010100200000001");
	struct pdu s4 = STR("D4001234000000FF03FF000016C05900FF03FF0010020000");
	struct pdu p;

	(void)s;
	dt_reset(&T);
	assert_int_equal(q(&rq), OTS_OK);
	assert_int_equal(a(&rs), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_READ, 0x0401, "device_read_batch");
	check_op(&T.ops[1], 1, OTS_OP_READ, 0x0401, "device_read_batch");
	check_unit(&T.ops[0], 0x00ff);
	check_addr(&T.ops[0], 100, 3);
	check_addr(&T.ops[1], 100, 3);
	/* hexadecimal device X1A0, 16 bits */
	p = STR("500000FF03FF000018001004010001X*0001A00010");
	dt_reset(&T);
	assert_int_equal(q(&p), OTS_OK);
	check_addr(&T.ops[0], 0x1a0, 16);
	/* ZR: notation not decoded, no address */
	p = STR("500000FF03FF000018001004010000ZR0001000002");
	dt_reset(&T);
	assert_int_equal(q(&p), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_READ, 0x0401, "device_read_batch");
	assert_int_equal(T.ops[0].has_addr, 0);
	/* writes: 4 characters a word, 1 a bit (odd lengths are fine) */
	p = STR("500000FF03FF000020001014010000D*000200000212345678");
	dt_reset(&T);
	assert_int_equal(q(&p), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 0x1401, "device_write_batch");
	check_addr(&T.ops[0], 200, 2);
	p = STR("500000FF03FF00001B001014010001Y*0000100003101");
	assert_int_equal(q(&p), OTS_OK);
	check_addr(&T.ops[1], 0x10, 3);
	assert_int_equal(T.n_flags, 0);
	/* the password of remote unlock is text */
	p = STR("500000FF03FF0000160010163000000006abc123");
	dt_reset(&T);
	assert_int_equal(q(&p), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 0x1630, "remote_password_unlock");
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_CLEARTEXT_CREDENTIAL);
	dt_reset(&T);
	assert_int_equal(q(&r4), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_MODE_CHANGE, 0x1002, "remote_stop");
	check_unit(&T.ops[0], 0x0aff);
	assert_int_equal(T.ops[0].transaction, 0x1234);
	/* error answer with error information */
	assert_int_equal(a(&s4), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_MODE_CHANGE, 0x1002, "remote_stop");
	assert_int_equal(T.ops[1].exception, 0xc059);
	assert_int_equal(D->pdu_len(rq.b, rq.n), (long)rq.n);
	assert_int_equal(D->pdu_len(r4.b, r4.n), (long)r4.n);
}

/* MELSOFT frames from the shared captures (GX Works <-> FX5U). */
static const char *const ms_hex[] = {
	/* 0: TCP request 0x0411 */
	"57000000001111070000ffff030000000000005a001c02161400000000000000000000000000000000000000"
	"000411f33f000000000000000000000000040000000000040000002000000000000000000020000100000000"
	"000000200003000000000000002000c800000000000000",
	/* 1: TCP response 0x0410 */
	"d70000000011117f000000a80300ffff03000024009c02181400000000000000000000000000000000000000"
	"0000000410f23f000000000000",
	/* 2: UDP request 0x0121 */
	"57010000001111070000ffff030000fe03000020001c0a161400000000000000000000000000000000000000"
	"000121010000000001",
	/* 3: UDP response 0x0121 with the model */
	"d70100000011117f000000a80300ffff03000038009c0a181400000000000000000000000000000000000000"
	"000000012101000000465835552d33324d542f455300000000294a000800000000",
	/* 4: UDP response 0x1734 with status 0x8040 */
	"d70100000011117f000000a80300ffff0300002c009c0a181480400000000000000000000000000000000000"
	"000000173409000000014817112903254503200331",
	/* 5: UDP request 0x185f (file, path $MELPRJ$\CPU.PRM) */
	"57010000001111070000ffff030000fe03000048001c0a161400000000000000000000000000000000000000"
	"00185f09000000000000000400220024004d0045004c00500052004a0024005c004300500055002e00500052"
	"004d000000",
	/* 6: station search request and 7: its answer */
	"5a000001",
	"da0000011400c0a80365c0a80365",
};

static struct pdu
hexpdu(const char *h)
{
	struct pdu x;
	size_t i, n = strlen(h) / 2;

	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		x.b[i] = (uint8_t)v;
	}
	x.n = n;
	return x;
}

static void
test_melsoft(void **s)
{
	struct pdu p;
	int i;

	(void)s;
	for (i = 0; i < 6; i++) {
		p = hexpdu(ms_hex[i]);
		assert_int_equal(D->pdu_len(p.b, p.n), (long)p.n);
	}
	p = hexpdu(ms_hex[0]);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 5001, 5562), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x10411, "melsoft_command");
	check_unit(&T.ops[0], 0x00ff);
	assert_int_equal(T.ops[0].transaction, 0x3ff3);
	p = hexpdu(ms_hex[1]);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 1, 5562, 5001), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_OTHER, 0x10410, "melsoft_device_access");
	assert_int_equal(T.ops[1].has_unit, 0);
	assert_int_equal(T.ops[1].transaction, 0x3ff2);
	assert_int_equal(T.ops[1].has_exception, 0);

	p = hexpdu(ms_hex[2]);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 62659, 5560), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_IDENTITY, 0x10121, "melsoft_open");
	p = hexpdu(ms_hex[3]);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 5560, 62659), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_IDENTITY, 0x10121, "melsoft_open");
	assert_int_equal(T.n_facts, 2);
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "FX5U-32MT/ES");
	assert_string_equal(dt_fact(&T, OTS_FACT_PRODUCT_CODE), "0x4a29");
	assert_string_equal(T.facts[0].source, "MELSOFT 0121");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);

	p = hexpdu(ms_hex[4]);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 5560, 62700), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_OTHER, 0x11734, "melsoft_command");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 0x8040);
	p = hexpdu(ms_hex[5]);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 62671, 5560), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_FILE, 0x1185f, "melsoft_file");

	p = hexpdu(ms_hex[6]);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 62657, 5560), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 0x20001, "melsoft_search");
	p = hexpdu(ms_hex[7]);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 5560, 62657), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_DISCOVERY, 0x20001, "melsoft_search");
	assert_int_equal(T.n_flags, 0);
}

/* Expect OTS_EINVAL and exactly one malformed flag why (after any ops). */
static void
bad(const struct pdu *p, int is_rsp, const char *why)
{
	dt_reset(&T);
	assert_int_equal(is_rsp ? a(p) : q(p), OTS_EINVAL);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_malformed(void **s)
{
	struct pdu p;

	(void)s;
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	p.b[1] = 0x01;
	bad(&p, 0, "bad_subheader");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	p.b[7] = 4; /* data length below timer+command+subcommand */
	p.b[8] = 0;
	bad(&p, 0, "bad_header");
	p = REQ(0x10, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	p.b[4] = 1; /* 4E fixed zero word */
	bad(&p, 0, "bad_header");
	p = RSP0(-1, 0);
	p.b[7] = 1;
	bad(&p, 1, "bad_header");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	p.n--;
	bad(&p, 0, "short_pdu");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	p.b[p.n++] = 0;
	bad(&p, 0, "length_mismatch");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0, 0);
	bad(&p, 0, "length_mismatch");
	p = REQ(-1, 0x1401, 0x0000, 100, 0, 0, 0xa8, 2, 0, 1, 0);
	bad(&p, 0, "length_mismatch");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 0, 0);
	bad(&p, 0, "bad_points");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 0x01, 0x1c);
	bad(&p, 0, "bad_points");
	p = REQ(-1, 0x0401, 0x0000, 100, 0, 0);
	bad(&p, 0, "short_pdu");
	p = REQ(-1, 0x1630, 0x0000, 9, 0, 'a');
	bad(&p, 0, "bad_password_length");
	p = REQ(-1, 0x1630, 0x0000, 0, 0);
	bad(&p, 0, "bad_password_length");
	p = REQ0(-1, 0x0101, 0x0000);
	p.b[p.n++] = 0;
	p.b[7]++;
	bad(&p, 0, "length_mismatch");
	p = REQ(-1, 0x1001, 0x0000, 1, 0);
	bad(&p, 0, "short_pdu");
	p = STR("500000FF03FF000018001004X10000D*0001000003");
	bad(&p, 0, "bad_hex");
	p = STR("D00000FF03FF000004G000");
	bad(&p, 1, "bad_hex");
	p = STR("500000FF03FF000019001004010000D*00010000031");
	bad(&p, 0, "length_mismatch");
	p = STR("500000FF03FF000018001004010000D*00010A0003");
	bad(&p, 0, "bad_device_number");
	p = STR("500000FF03FF00001C001014010000D*00020000021234");
	bad(&p, 0, "length_mismatch");
	p = STR("500000FF03FF000018001004010000D*0001000000");
	bad(&p, 0, "bad_points");
	p = STR("500000FF03FF000018001004010000D*000100000G");
	bad(&p, 0, "bad_hex");
	p = hexpdu(ms_hex[0]);
	p.b[21] = 0x9c; /* request with a response command header */
	bad(&p, 0, "melsoft_bad_header");
	p = hexpdu(ms_hex[0]);
	p.b[19]++;
	bad(&p, 0, "melsoft_bad_header");
	p = hexpdu(ms_hex[1]);
	p.n = 23;
	bad(&p, 1, "short_pdu");
}

static void
sweep(const struct pdu *p, int dir, size_t expect)
{
	assert_int_equal(dt_sweep(D, p->b, p->n, dir, dir ? 5007 : 40000, dir ? 40000 : 5007, 1),
	                 expect);
}

static void
test_sweep(void **s)
{
	struct pdu ps[] = {
		REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0),
		REQ(-1, 0x0401, 0x0002, 0, 0, 1, 0, 0xa8, 0, 16, 0),
		RSP(-1, 0, 1, 0, 2, 0, 3, 0),
		REQ(-1, 0x1401, 0x0000, 200, 0, 0, 0xa8, 2, 0, 0x34, 0x12, 0x78, 0x56),
		REQ(-1, 0x1401, 0x0001, 16, 0, 0, 0x9d, 3, 0, 0x11, 0x00),
		REQ(-1, 0x1630, 0x0000, 6, 0, 'a', 'b', 'c', '1', '2', '3'),
		REQ(-1, 0x1001, 0x0000, 1, 0, 0, 0),
		REQ(-1, 0x1002, 0x0000, 1, 0),
		REQ(-1, 0x1006, 0x0000, 1, 0),
		REQ(-1, 0x0613, 0x0000, 0x00, 0x10, 0x00, 0x00, 8, 0),
		REQ0(-1, 0x0101, 0x0000),
		RSP(-1, 0, 'Q', '0', '3', 'U', 'D', 'V', 'C', 'P', 'U', ' ', ' ', ' ', ' ', ' ', ' ',
		    ' ', 0x66, 0x03),
		RSP(-1, 0xc059, 0x00, 0xff, 0xff, 0x03, 0x00, 0x02, 0x10, 0x00, 0x00),
		REQ(0x1234, 0x0401, 0x0000, 10, 0, 0, 0xa8, 1, 0),
		RSP(0x1234, 0, 7, 0),
		REQ(-1, 0x1827, 0x0000, 0, 0, 1, 0),
		REQ0(-1, 0x1617, 0x0001),
		STR("500000FF03FF000018001004010000D*0001000003"),
		STR("D00000FF03FF0000100000000100020003"),
		STR("5400123400000AFF03FF0000100010100200000001"),
		STR("D4001234000000FF03FF000016C05900FF03FF0010020000"),
		STR("500000FF03FF000018001004010001X*0001A00010"),
		STR("500000FF03FF00001B001014010001Y*0000100003101"),
		STR("500000FF03FF0000160010163000000006abc123"),
	};
	size_t i;
	struct pdu p;

	(void)s;
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		sweep(&ps[i], 0, ps[i].n);
		sweep(&ps[i], 1, ps[i].n);
	}
	for (i = 0; i < 7; i++) {
		p = hexpdu(ms_hex[i]);
		sweep(&p, 0, p.n);
	}
	/* the search answer has no length: every prefix of 8 bytes or more parses */
	p = hexpdu(ms_hex[7]);
	sweep(&p, 0, 8);
}

static void
test_framing(void **s)
{
	struct pdu p1 = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	struct pdu p2 = REQ(-1, 0x1401, 0x0000, 200, 0, 0, 0xa8, 1, 0, 1, 0);
	struct pdu p3 = STR("500000FF03FF000018001004010000D*0001000003");
	struct pdu p4 = hexpdu(ms_hex[0]);
	uint8_t stream[512];
	size_t n = 0, off = 0, k;
	int count = 0;

	(void)s;
	memcpy(stream + n, p1.b, p1.n);
	n += p1.n;
	memcpy(stream + n, p2.b, p2.n);
	n += p2.n;
	memcpy(stream + n, p3.b, p3.n);
	n += p3.n;
	dt_reset(&T);
	/* several PDUs in one segment */
	while (off < n) {
		long l = D->pdu_len(stream + off, n - off);

		assert_true(l > 0);
		assert_int_equal(dt_parse(&T, D, stream + off, (size_t)l, 0, 40000, 5007), OTS_OK);
		off += (size_t)l;
		count++;
	}
	assert_int_equal(count, 3);
	assert_int_equal(T.n_ops, 3);
	assert_int_equal(T.ops[1].function, 0x1401);
	assert_int_equal(T.ops[2].function, 0x0401);
	/* one PDU split across segments: need more until the header, then its length */
	for (k = 0; k <= p2.n; k++)
		assert_int_equal(D->pdu_len(p2.b, k), k < 9 ? 0 : (long)p2.n);
	for (k = 0; k <= p4.n; k++)
		assert_int_equal(D->pdu_len(p4.b, k), k < 21 ? 0 : (long)p4.n);
	for (k = 0; k <= p3.n; k++)
		assert_int_equal(D->pdu_len(p3.b, k), k < 18 ? 0 : (long)p3.n);
	/* desynchronised */
	stream[0] = 0x41;
	assert_true(D->pdu_len(stream, n) < 0);
}

static void
test_flood(void **s)
{
	struct pdu r, rs = RSP0(-1, 0);
	uint8_t big[2048];
	int i;

	(void)s;
	/* thousands of unanswered requests: the pending table stays bounded, answers pair FIFO
	 * with the newest requests kept */
	dt_reset(&T);
	for (i = 0; i < 5000; i++) {
		r = req(i & 0x7fff, 0x0401, 0x0000, BYTES((uint8_t)i, (uint8_t)(i >> 8), 0, 0xa8, 1, 0));
		assert_int_equal(q(&r), OTS_OK);
		T.n_ops = 0;
	}
	r = RSP(4999, 0, 1, 0);
	assert_int_equal(a(&r), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_READ, 0x0401, "device_read_batch");
	check_addr(&T.ops[0], 4999, 1);
	r = RSP(1, 0, 1, 0); /* evicted long ago */
	assert_int_equal(a(&r), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_OTHER, 0, "unknown");
	for (i = 0; i < 3000; i++) {
		assert_int_equal(a(&rs), OTS_OK);
		T.n_ops = 0;
	}
	/* the largest word write: 960 words */
	memset(big, 0, sizeof(big));
	big[3] = 0xa8;
	big[4] = 0xc0;
	big[5] = 0x03;
	r = req(-1, 0x1401, 0x0000, big, 6 + 960 * 2);
	dt_reset(&T);
	assert_int_equal(q(&r), OTS_OK);
	check_addr(&T.ops[0], 0, 960);
}

static uint32_t rng = 4242;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt p5007 = { 0, 40000, 5007, 0 }, pother = { 0, 40000, 6000, 0 },
	                       p5560 = { 0, 62657, 5560, 0 }, r5007 = { 1, 5007, 40000, 0 };
	struct pdu rq = REQ(-1, 0x0401, 0x0000, 100, 0, 0, 0xa8, 3, 0);
	struct pdu rs = RSP(-1, 0, 1, 0, 2, 0, 3, 0);
	struct pdu uq = REQ(-1, 0x7777, 0x0000, 1);
	struct pdu as = STR("500000FF03FF000018001004010000D*0001000003");
	struct pdu ms = hexpdu(ms_hex[0]), se = hexpdu(ms_hex[6]);
	uint8_t buf[600];
	int i, fp = 0;

	(void)s;
	assert_int_equal(D->probe(rq.b, rq.n, &p5007), OTS_PROBE_SURE);
	assert_int_equal(D->probe(rq.b, rq.n, &pother), OTS_PROBE_SURE);
	assert_int_equal(D->probe(rs.b, rs.n, &r5007), 80);
	assert_int_equal(D->probe(uq.b, uq.n, &pother), 70);
	assert_int_equal(D->probe(as.b, as.n, &pother), OTS_PROBE_SURE);
	assert_int_equal(D->probe(ms.b, ms.n, &pother), 90);
	assert_int_equal(D->probe(rq.b, 8, &p5007), OTS_PROBE_NO);
	assert_int_equal(D->probe(ms.b, 30, &p5007), OTS_PROBE_NO);
	/* first segment short of the PDU: a known command stays likely, an unknown one not */
	assert_int_equal(D->probe(rq.b, rq.n - 1, &pother), 70);
	assert_int_equal(D->probe(uq.b, uq.n - 1, &pother), 30);
	/* a segment with a second PDU starting */
	memcpy(buf, rq.b, rq.n);
	memcpy(buf + rq.n, rq.b, 5);
	assert_int_equal(D->probe(buf, rq.n + 5, &pother), OTS_PROBE_SURE);
	buf[rq.n] = 0x41;
	assert_int_equal(D->probe(buf, rq.n + 5, &pother), OTS_PROBE_NO);
	/* the 4-byte station search only counts on its port */
	assert_int_equal(D->probe(se.b, se.n, &p5560), 45);
	assert_int_equal(D->probe(se.b, se.n, &pother), OTS_PROBE_NO);
	for (i = 0; i < 1000; i++) {
		size_t n = rnd() % sizeof(buf), j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rnd();
		if (D->probe(buf, n, &p5007) >= OTS_PROBE_MAYBE)
			fp++;
		/* the same with a valid-looking subheader: the length field must agree */
		if (n >= 2) {
			buf[0] = 0x50;
			buf[1] = 0x00;
			if (D->probe(buf, n, &p5007) >= OTS_PROBE_MAYBE)
				fp++;
		}
	}
	assert_int_equal(fp, 0);
}

static void
registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("slmp"), &ots_dissector_slmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registered),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_mode_restart),
		cmocka_unit_test(test_diag_file_other),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_pairing_exception),
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_melsoft),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
