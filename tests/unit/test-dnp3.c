/* SPDX-License-Identifier: BSD-3-Clause */
/* test-dnp3.c: unit tests of the DNP3 dissector (protocols/dnp3.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_dnp3;
#define D (&ots_dissector_dnp3)

#define MASTER 1
#define OUTST 10

static struct dt T;

/* ---- frame builder (CRC-16/DNP written independently of the dissector: table-free MSB
 * form of the reflected polynomial check on the standard check value) ---- */

static uint16_t
crc_dnp(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (b = 0; b < 8; b++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xa6bc) : (uint16_t)(c >> 1);
	}
	return (uint16_t)~c;
}

/* One link frame with user data ud[0..n) (n <= 250). Returns its size. */
static size_t
frame(uint8_t *o, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *ud, size_t n)
{
	size_t k = 10, off = 0;
	uint16_t c;

	o[0] = 0x05;
	o[1] = 0x64;
	o[2] = (uint8_t)(n + 5);
	o[3] = ctrl;
	o[4] = (uint8_t)dst;
	o[5] = (uint8_t)(dst >> 8);
	o[6] = (uint8_t)src;
	o[7] = (uint8_t)(src >> 8);
	c = crc_dnp(o, 8);
	o[8] = (uint8_t)c;
	o[9] = (uint8_t)(c >> 8);
	while (off < n) {
		size_t b = n - off > 16 ? 16 : n - off;

		memcpy(o + k, ud + off, b);
		c = crc_dnp(ud + off, b);
		k += b;
		o[k++] = (uint8_t)c;
		o[k++] = (uint8_t)(c >> 8);
		off += b;
	}
	return k;
}

/* An application fragment in as many frames as it needs (unconfirmed user data). A master
 * sends with DIR = 1 to the outstation; an outstation with DIR = 0 to the master. */
static size_t
frag(uint8_t *o, int from_master, const uint8_t *apdu, size_t n, uint8_t tseq)
{
	uint8_t ud[250];
	size_t k = 0, off = 0;
	uint8_t ctrl = from_master ? 0xc4 : 0x44;
	uint16_t dst = from_master ? OUTST : MASTER, src = from_master ? MASTER : OUTST;

	do {
		size_t m = n - off > 249 ? 249 : n - off;

		ud[0] = (uint8_t)((tseq & 0x3f) | (off == 0 ? 0x40 : 0) | (off + m == n ? 0x80 : 0));
		memcpy(ud + 1, apdu + off, m);
		k += frame(o + k, ctrl, dst, src, ud, m + 1);
		off += m;
		tseq++;
	} while (off < n);
	return k;
}

struct pdu {
	uint8_t b[4096];
	size_t n;
};

/* Every frame the tests build is kept (floods aside) for the truncation sweep. */
static struct {
	uint8_t b[292];
	size_t n;
	int dir;
} rec[400];
static size_t n_rec;
static int rec_on = 1;

static struct pdu
mkf(int from_master, const uint8_t *apdu, size_t n)
{
	struct pdu x;
	size_t off = 0;

	x.n = frag(x.b, from_master, apdu, n, 0);
	while (rec_on && off < x.n && n_rec < sizeof(rec) / sizeof(rec[0])) {
		long l = ots_dissector_dnp3.pdu_len(x.b + off, x.n - off);

		assert_true(l > 0 && (size_t)l <= sizeof(rec[0].b));
		memcpy(rec[n_rec].b, x.b + off, (size_t)l);
		rec[n_rec].n = (size_t)l;
		rec[n_rec].dir = from_master ? 0 : 1;
		n_rec++;
		off += (size_t)l;
	}
	return x;
}

#define REQ(...) mkf(1, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
#define RSP(...) mkf(0, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static int
send_m(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 0, 40000, 20000);
}

static int
send_o(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 1, 20000, 40000);
}

static void
check_op(const struct ots_ics_op *op, int is_rsp, uint8_t cls, uint32_t fc, const char *name,
         uint32_t unit, uint32_t seq)
{
	assert_int_equal(op->proto, OTS_PROTO_DNP3);
	assert_int_equal(op->is_response, is_rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->has_unit, 1);
	assert_int_equal(op->unit, unit);
	assert_int_equal(op->has_transaction, 1);
	assert_int_equal(op->transaction, seq);
}

static void
check_addr(const struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	assert_int_equal(op->has_addr, 1);
	assert_int_equal(op->addr_start, start);
	assert_int_equal(op->addr_count, count);
}

/* Real frames from iti_select_operate_and_responses.pcap (master 1, outstation 10). */
static const uint8_t real_select[] = {
	0x05, 0x64, 0x1a, 0xc4, 0x0a, 0x00, 0x01, 0x00, 0x8a, 0x1c, 0xc0, 0xc0, 0x03, 0x0c, 0x01,
	0x28, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x64, 0x00, 0x00, 0x00, 0xfd, 0x6b, 0x64, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x5b,
};
static const uint8_t real_select_rsp[] = {
	0x05, 0x64, 0x1c, 0x44, 0x01, 0x00, 0x0a, 0x00, 0x76, 0x36, 0xc6, 0xc0, 0x81, 0x00, 0x00,
	0x0c, 0x01, 0x28, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x64, 0x00, 0xc3, 0x96, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5b,
};
/* iti_lan_time_sync.pcap: record current time (master 3 -> outstation 4), write g50v3. */
static const uint8_t real_rct[] = {
	0x05, 0x64, 0x08, 0xc4, 0x04, 0x00, 0x03, 0x00, 0xb4, 0xb8, 0xc8, 0xc9, 0x18, 0xcb, 0xd2,
};
static const uint8_t real_write_time[] = {
	0x05, 0x64, 0x12, 0xc4, 0x04, 0x00, 0x03, 0x00, 0x1e, 0x7c, 0xc9, 0xca, 0x02, 0x32, 0x03,
	0x07, 0x01, 0x9f, 0x0d, 0x83, 0x52, 0x4c, 0x01, 0xeb, 0x2c,
};
/* iti_cold_restart_and_response.pcap */
static const uint8_t real_cold[] = {
	0x05, 0x64, 0x08, 0xc4, 0x0a, 0x00, 0x01, 0x00, 0xfc, 0x42, 0xc0, 0xc0, 0x0d, 0x9c, 0x86,
};
static const uint8_t real_cold_rsp[] = {
	0x05, 0x64, 0x0a, 0x44, 0x01, 0x00, 0x0a, 0x00, 0x6e, 0x25, 0xc0, 0xc0, 0x81, 0x00, 0x01,
	0xc2, 0xde,
};
/* iti_unsolcited_response_and_confirm.pcap */
static const uint8_t real_unsol[] = {
	0x05, 0x64, 0x0a, 0x44, 0x01, 0x00, 0x0a, 0x00, 0x6e, 0x25, 0xc0, 0xf0, 0x82, 0x00, 0x00,
	0x44, 0x66,
};
static const uint8_t real_confirm[] = {
	0x05, 0x64, 0x08, 0xc4, 0x0a, 0x00, 0x01, 0x00, 0xfc, 0x42, 0xc0, 0xd0, 0x00, 0x1b, 0x49,
};
/* zeek_dnp3_link_only.pcap: request link status (outstation 1 -> 100) and its answer. */
static const uint8_t real_link_status_req[] = {
	0x05, 0x64, 0x05, 0x49, 0x64, 0x00, 0x01, 0x00, 0x7e, 0x5f,
};
static const uint8_t real_link_status[] = {
	0x05, 0x64, 0x05, 0x8b, 0x01, 0x00, 0x64, 0x00, 0xa0, 0x97,
};

static int
raw(const uint8_t *b, size_t n, int dir)
{
	return dt_parse(&T, D, b, n, dir, dir ? 20000 : 40000, dir ? 40000 : 20000);
}

static void
test_crc(void **s)
{
	(void)s;
	/* the builder's CRC against the standard check value and a captured frame */
	assert_int_equal(crc_dnp((const uint8_t *)"123456789", 9), 0xea82);
	assert_int_equal(crc_dnp(real_cold, 8), 0x42fc);
}

/* Flags so far: none, or exactly one no_secure_authentication. */
static void
nosec(int expected)
{
	assert_int_equal(T.n_flags, expected);
	if (expected) {
		assert_int_equal(T.flags[0].flag, OTS_FLAG_NO_SECURITY);
		assert_string_equal(T.flags[0].what, "no_secure_authentication");
		assert_int_equal(T.flags[0].proto, OTS_PROTO_DNP3);
	}
}

static void
test_control(void **s)
{
	struct pdu q, a;

	(void)s;
	dt_reset(&T);
	assert_int_equal(raw(real_select, sizeof(real_select), 0), OTS_OK);
	assert_int_equal(raw(real_select_rsp, sizeof(real_select_rsp), 1), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	nosec(1);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 3, "select", OUTST, 0);
	check_addr(&T.ops[0], 0, 1); /* g12v1 q28: one CROB at index 0 */
	check_op(&T.ops[1], 1, OTS_OP_CONTROL, 129, "response", OUTST, 0);
	check_addr(&T.ops[1], 0, 1);
	assert_int_equal(T.ops[1].has_exception, 0);

	/* operate, g12v1 q17 two CROBs at 5 and 9 */
	q = REQ(0xc1, 4, 12, 1, 0x17, 2, 5, 0x03, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0,
	        9, 0x04, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0);
	a = RSP(0xc1, 0x81, 0x00, 0x00, 12, 1, 0x17, 2, 5, 0x03, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0,
	        9, 0x04, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	/* an operate on a flow that showed no select (test_select_operate) */
	assert_int_equal(T.n_flags, 2);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_OUT_OF_SEQUENCE);
	assert_string_equal(T.flags[0].what, "dnp3_operate_without_select");
	assert_int_equal(T.flags[1].flag, OTS_FLAG_NO_SECURITY);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 4, "operate", OUTST, 1);
	check_addr(&T.ops[0], 5, 2);
	check_op(&T.ops[1], 1, OTS_OP_CONTROL, 129, "response", OUTST, 1);
	check_addr(&T.ops[1], 5, 2);

	/* direct operate, g41v2 analog output q28, index 0x0102 */
	q = REQ(0xc2, 5, 41, 2, 0x28, 1, 0, 0x02, 0x01, 0x10, 0x00, 0x00);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 5, "direct_operate", OUTST, 2);
	check_addr(&T.ops[0], 0x102, 1);

	/* direct operate no ack; freeze of counters 0..3 */
	q = REQ(0xc3, 6, 12, 1, 0x17, 1, 7, 0x41, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 6, "direct_operate_no_ack", OUTST, 3);
	check_addr(&T.ops[0], 7, 1);
	q = REQ(0xc4, 7, 20, 0, 0x00, 0, 3);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 7, "immediate_freeze", OUTST, 4);
	check_addr(&T.ops[0], 0, 4);
}

/* Parse a frame at packet time ts (microseconds). */
static int
send_at(const struct pdu *p, int from_master, uint64_t ts)
{
	struct ots_dissect_pkt pkt = { from_master ? 0 : 1, from_master ? 40000 : 20000,
	                               from_master ? 20000 : 40000, ts };

	return D->parse(T.state, p->b, p->n, &pkt, &T.out);
}

/* Out-of-sequence flags so far (each must be dnp3_operate_without_select). */
static size_t
n_oos(void)
{
	size_t i, n = 0;

	for (i = 0; i < T.n_flags; i++) {
		if (T.flags[i].flag != OTS_FLAG_OUT_OF_SEQUENCE)
			continue;
		assert_int_equal(T.flags[i].proto, OTS_PROTO_DNP3);
		assert_string_equal(T.flags[i].what, "dnp3_operate_without_select");
		n++;
	}
	return n;
}

static void
test_select_operate(void **s)
{
	const uint64_t t0 = 1700000000000000ull, sec = 1000000ull;
	struct pdu sel, sel_rsp, op, op_rsp, dop;

	(void)s;
	/* select then operate of the same CROB (g12v1 q28 index 0), sequence 1 then 2 */
	sel = REQ(0xc1, 3, 12, 1, 0x28, 1, 0, 0, 0, 0x03, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0);
	sel_rsp = RSP(0xc1, 0x81, 0, 0, 12, 1, 0x28, 1, 0, 0, 0, 0x03, 1, 100, 0, 0, 0, 100, 0, 0,
	              0, 0);
	op = REQ(0xc2, 4, 12, 1, 0x28, 1, 0, 0, 0, 0x03, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0);
	op_rsp = RSP(0xc2, 0x81, 0, 0, 12, 1, 0x28, 1, 0, 0, 0, 0x03, 1, 100, 0, 0, 0, 100, 0, 0,
	             0, 0);
	dop = REQ(0xc3, 5, 12, 1, 0x28, 1, 0, 0, 0, 0x03, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0);
	dt_reset(&T);
	assert_int_equal(send_at(&sel, 1, t0), OTS_OK);
	assert_int_equal(send_at(&sel_rsp, 0, t0 + 20000), OTS_OK);
	assert_int_equal(send_at(&op, 1, t0 + 40000), OTS_OK);
	assert_int_equal(send_at(&op_rsp, 0, t0 + 60000), OTS_OK);
	assert_int_equal(T.n_ops, 4);
	assert_int_equal(T.ops[2].function, 4);
	assert_int_equal(n_oos(), 0);
	/* 9.9 s after the select: still within the window */
	dt_reset(&T);
	assert_int_equal(send_at(&sel, 1, t0), OTS_OK);
	assert_int_equal(send_at(&op, 1, t0 + 9900000), OTS_OK);
	assert_int_equal(n_oos(), 0);
	/* operate alone */
	dt_reset(&T);
	assert_int_equal(send_at(&op, 1, t0), OTS_OK);
	assert_int_equal(send_at(&op_rsp, 0, t0 + 20000), OTS_OK);
	assert_int_equal(n_oos(), 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_OUT_OF_SEQUENCE);
	/* operate 11 s after the select */
	dt_reset(&T);
	assert_int_equal(send_at(&sel, 1, t0), OTS_OK);
	assert_int_equal(send_at(&sel_rsp, 0, t0 + 20000), OTS_OK);
	assert_int_equal(send_at(&op, 1, t0 + 11 * sec), OTS_OK);
	assert_int_equal(n_oos(), 1);
	/* a second select opens a new window */
	assert_int_equal(send_at(&sel, 1, t0 + 12 * sec), OTS_OK);
	assert_int_equal(send_at(&op, 1, t0 + 13 * sec), OTS_OK);
	assert_int_equal(n_oos(), 1);
	/* direct operate needs no select; responses and selects never raise */
	dt_reset(&T);
	assert_int_equal(send_at(&dop, 1, t0), OTS_OK);
	assert_int_equal(send_at(&op_rsp, 0, t0 + 1), OTS_OK);
	assert_int_equal(send_at(&sel, 1, t0 + 2), OTS_OK);
	assert_int_equal(n_oos(), 0);
	/* packet time stepping back (two files read one after the other) does not raise */
	dt_reset(&T);
	assert_int_equal(send_at(&sel, 1, t0 + 5 * sec), OTS_OK);
	assert_int_equal(send_at(&op, 1, t0), OTS_OK);
	assert_int_equal(n_oos(), 0);
}

static void
test_read(void **s)
{
	struct pdu q, a;

	(void)s;
	/* class 1/2/3 events then class 0 (no addresses) then g30v1 points 0x10..0x1f */
	q = REQ(0xc5, 1, 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06, 60, 1, 0x06, 30, 1, 0x01,
	        0x10, 0x00, 0x1f, 0x00);
	a = RSP(0xc5, 0x81, 0x80, 0x00, 30, 1, 0x00, 0, 1, 0x01, 0x10, 0, 0, 0, 0x01, 0x20, 0, 0,
	        0, 1, 1, 0x00, 0, 7, 0xa5);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_READ, 1, "read", OUTST, 5);
	check_addr(&T.ops[0], 0x10, 16);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 5);
	check_addr(&T.ops[1], 0x10, 16);
	assert_int_equal(T.ops[1].has_exception, 0);

	/* integrity poll only: no address */
	q = REQ(0xc6, 1, 60, 1, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_READ, 1, "read", OUTST, 6);
	assert_int_equal(T.ops[0].has_addr, 0);

	/* read by index list (q17): first index, count */
	q = REQ(0xc7, 1, 1, 2, 0x17, 3, 9, 4, 6);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_addr(&T.ops[0], 9, 3);

	/* 2-byte count then a 32-bit range */
	q = REQ(0xc8, 1, 60, 2, 0x07, 5, 30, 5, 0x02, 0, 0, 1, 0, 4, 0, 1, 0);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_addr(&T.ops[0], 0x10000, 5);

	/* a file transport read carries sized objects; a later header still gives the address */
	q = REQ(0xc2, 1, 70, 5, 0x5b, 1, 0x08, 0x00, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0,
	        1, 2, 0x00, 4, 6);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_READ, 1, "read", OUTST, 2);
	check_addr(&T.ops[0], 4, 3);
	q = REQ(0xc2, 1, 70, 5, 0x5b, 1, 0x08, 0x00, 0x78, 0x56, 0x34);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_EINVAL);
	assert_int_equal(T.n_flags, 1);
	assert_string_equal(T.flags[0].what, "bad_object_data");

	/* exception: IIN2 object unknown | parameter error */
	q = REQ(0xc9, 1, 99, 1, 0x06);
	a = RSP(0xc9, 0x81, 0x00, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 9);
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 6);

	/* a response in three application fragments (FIR, -, FIN) with sequence 11, 12, 13 */
	q = REQ(0xcb, 1, 60, 1, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	a = RSP(0x8b, 0x81, 0x00, 0x00, 30, 2, 0x00, 0, 0, 0x01, 0x05, 0x00);
	assert_int_equal(send_o(&a), OTS_OK);
	a = RSP(0x0c, 0x81, 0x00, 0x00, 30, 2, 0x00, 1, 1, 0x01, 0x06, 0x00);
	assert_int_equal(send_o(&a), OTS_OK);
	a = RSP(0x4d, 0x81, 0x00, 0x00, 30, 2, 0x00, 2, 2, 0x01, 0x07, 0x00);
	assert_int_equal(send_o(&a), OTS_OK);
	a = RSP(0x4e, 0x81, 0x00, 0x00);
	assert_int_equal(send_o(&a), OTS_OK);
	assert_int_equal(T.n_ops, 5);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 11);
	check_op(&T.ops[2], 1, OTS_OP_READ, 129, "response", OUTST, 12);
	check_op(&T.ops[3], 1, OTS_OP_READ, 129, "response", OUTST, 13);
	check_op(&T.ops[4], 1, OTS_OP_OTHER, 129, "response", OUTST, 14); /* nothing pending */

	/* an unpaired response: other; IIN2 bits beyond 0-2 are not exceptions */
	a = RSP(0xca, 0x81, 0x00, 0x08);
	dt_reset(&T);
	assert_int_equal(send_o(&a), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_OTHER, 129, "response", OUTST, 10);
	assert_int_equal(T.ops[0].has_exception, 0);
}

static void
test_write_time(void **s)
{
	struct pdu q;

	(void)s;
	/* write g80v1 (IIN) index 7: clear device restart */
	q = REQ(0xc1, 2, 80, 1, 0x00, 7, 7, 0x00);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 2, "write", OUTST, 1);
	check_addr(&T.ops[0], 7, 1);

	/* captured: record current time, then write of g50v3 (time_sync) */
	dt_reset(&T);
	assert_int_equal(raw(real_rct, sizeof(real_rct), 0), OTS_OK);
	assert_int_equal(raw(real_write_time, sizeof(real_write_time), 0), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_TIME_SYNC, 24, "record_current_time", 4, 9);
	check_op(&T.ops[1], 0, OTS_OP_TIME_SYNC, 2, "write", 4, 10);
	assert_int_equal(T.ops[1].has_addr, 0);

	q = REQ(0xc2, 23);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_TIME_SYNC, 23, "delay_measure", OUTST, 2);
}

static void
test_restart_mode(void **s)
{
	struct pdu q;

	(void)s;
	dt_reset(&T);
	assert_int_equal(raw(real_cold, sizeof(real_cold), 0), OTS_OK);
	assert_int_equal(raw(real_cold_rsp, sizeof(real_cold_rsp), 1), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_RESTART, 13, "cold_restart", OUTST, 0);
	check_op(&T.ops[1], 1, OTS_OP_RESTART, 129, "response", OUTST, 0);
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 1); /* IIN2.0: function code not supported */

	q = REQ(0xc3, 14);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_RESTART, 14, "warm_restart", OUTST, 3);
	q = REQ(0xc4, 18, 90, 1, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_MODE_CHANGE, 18, "stop_application", OUTST, 4);
	q = REQ(0xc5, 15);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_MODE_CHANGE, 15, "initialize_data", OUTST, 5);
	q = REQ(0xc6, 31, 70, 8, 0x5b, 1, 4, 0, 'c', 'o', 'n', 'f');
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_PROGRAM, 31, "activate_config", OUTST, 6);
}

static void
test_file_auth(void **s)
{
	struct pdu q, a;

	(void)s;
	q = REQ(0xc1, 25, 70, 3, 0x5b, 1, 0x16, 0x00, 0x1a, 0x00, 0x05, 0x00, 0, 0, 0, 0, 0, 0,
	        0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x04, 0x01, 0x00, 'f', 'i', 'l', 'e');
	a = RSP(0xc1, 0x81, 0x00, 0x00, 70, 4, 0x5b, 1, 0x0d, 0x00, 0x12, 0x34, 0x56, 0x78, 0, 0, 0,
	        0, 0x00, 0x04, 0x01, 0x00, 0x00);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	nosec(1);
	check_op(&T.ops[0], 0, OTS_OP_FILE, 25, "open_file", OUTST, 1);
	assert_int_equal(T.ops[0].has_addr, 0);
	check_op(&T.ops[1], 1, OTS_OP_FILE, 129, "response", OUTST, 1);

	/* SA: authentication request (g120v4 session key status request), its answer */
	q = REQ(0xc2, 32, 120, 4, 0x07, 1, 0x01, 0x00);
	a = RSP(0xc2, 0x83, 0x00, 0x00, 120, 5, 0x5b, 1, 0x04, 0x00, 1, 2, 3, 4);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 32, "authenticate_req", OUTST, 2);
	check_op(&T.ops[1], 1, OTS_OP_AUTH, 131, "authenticate_resp", OUTST, 2);
	q = REQ(0xc3, 33, 120, 7, 0x5b, 1, 2, 0, 1, 2);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 33, "authenticate_err", OUTST, 3);
}

static void
test_event_other(void **s)
{
	struct pdu q;

	(void)s;
	dt_reset(&T);
	assert_int_equal(raw(real_unsol, sizeof(real_unsol), 1), OTS_OK);
	assert_int_equal(raw(real_confirm, sizeof(real_confirm), 0), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 1, OTS_OP_EVENT, 130, "unsolicited_response", OUTST, 0);
	check_op(&T.ops[1], 0, OTS_OP_OTHER, 0, "confirm", OUTST, 0);

	q = REQ(0xc1, 20, 60, 2, 0x06, 60, 3, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 20, "enable_unsolicited", OUTST, 1);
	q = REQ(0xc2, 21, 60, 2, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 21, "disable_unsolicited", OUTST, 2);
	q = REQ(0xc3, 22, 60, 2, 0x06, 1, 0, 0x06);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 22, "assign_class", OUTST, 3);
	q = REQ(0xc4, 0x58);
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x58, "unknown", OUTST, 4);
}

static void
test_no_security(void **s)
{
	struct pdu q = REQ(0xc1, 5, 12, 1, 0x17, 1, 3, 0x41, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0),
	           a = RSP(0xc1, 0x81, 0, 0, 12, 1, 0x17, 1, 3, 0x41, 1, 100, 0, 0, 0, 100, 0, 0, 0,
	                   0),
	           r = REQ(0xc2, 1, 60, 1, 0x06), ra = RSP(0xc2, 0x81, 0, 0),
	           ch = RSP(0xc1, 0x83, 0, 0, 120, 1, 0x5b, 1, 0x04, 0x00, 1, 2, 3, 4),
	           ag = REQ(0xc3, 5, 120, 3, 0x07, 1, 1, 0, 0, 0, 1, 0, 12, 1, 0x17, 1, 3, 0x41, 1,
	                    100, 0, 0, 0, 100, 0, 0, 0, 0),
	           aa = RSP(0xc3, 0x81, 0, 0);

	(void)s;
	/* a read answered: not critical, no flag; a control answered plainly: one flag, once */
	dt_reset(&T);
	assert_int_equal(send_m(&r), OTS_OK);
	assert_int_equal(send_o(&ra), OTS_OK);
	nosec(0);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	nosec(1);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	nosec(1);
	/* the outstation challenges first (131): secure authentication is in use */
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&ch), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	nosec(0);
	/* aggressive mode: the request carries g120v3 itself */
	dt_reset(&T);
	assert_int_equal(send_m(&ag), OTS_OK);
	assert_int_equal(send_o(&aa), OTS_OK);
	nosec(0);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 5, "direct_operate", OUTST, 3);
}

static const uint8_t attrs_apdu[] = {
	0xc3, 0x81, 0x00, 0x00,
	0, 252, 0x00, 0, 0, 1, 4, 'A', 'C', 'M', 'E',
	0, 250, 0x00, 0, 0, 1, 5, 'R', 'T', 'U', '-', '5',
	0, 242, 0x00, 0, 0, 1, 5, '1', '.', '2', '.', '3',
	0, 243, 0x00, 0, 0, 1, 1, 'B',
	0, 248, 0x00, 0, 0, 1, 3, 'S', 'N', '1',
	0, 247, 0x00, 0, 0, 1, 4, 'f', 'e', 'e', 'd',
	0, 240, 0x00, 0, 0, 2, 2, 0x00, 0x08,   /* UINT: not a string */
	0, 245, 0x00, 0, 0, 1, 3, 'l', 'o', 'c', /* location */
	30, 1, 0x00, 0, 0, 0x01, 1, 2, 3, 4,
	0, 246, 0x00, 0, 0, 1, 2, 'i', 'd',
};

static void
test_identity(void **s)
{
	struct pdu q = REQ(0xc3, 1, 0, 254, 0x06), a;

	(void)s;
	a = mkf(0, attrs_apdu, sizeof(attrs_apdu));
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(send_o(&a), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_READ, 1, "read", OUTST, 3);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 3);
	/* the two link addresses, then the device attributes */
	assert_int_equal(T.n_facts, 9);
	assert_int_equal(T.facts[0].attr, OTS_FACT_STATION_ADDRESS);
	assert_int_equal(T.facts[1].attr, OTS_FACT_STATION_ADDRESS);
	assert_string_equal(T.facts[1].value, "10");
	assert_string_equal(T.facts[1].source, "DNP3 link header");
	assert_string_equal(dt_fact(&T, OTS_FACT_LOCATION), "loc");
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "ACME");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "RTU-5");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "1.2.3");
	assert_string_equal(dt_fact(&T, OTS_FACT_HW_REVISION), "B");
	assert_string_equal(dt_fact(&T, OTS_FACT_SERIAL), "SN1");
	assert_string_equal(dt_fact(&T, OTS_FACT_NAME), "feed");
	assert_int_equal(T.facts[2].side, OTS_SIDE_SENDER);
	assert_int_equal(T.facts[2].proto, OTS_PROTO_DNP3);
	assert_string_equal(T.facts[2].source, "device_attributes");

	/* an object of unknown size ends the walk quietly: later attributes are not reached */
	{
		uint8_t ap[] = { 0xc4, 0x81, 0, 0, 99, 1, 0x00, 0, 0, 7, 0, 252, 0x00, 0, 0, 1, 1, 'X' };

		a = mkf(0, ap, sizeof(ap));
		dt_reset(&T);
		assert_int_equal(send_o(&a), OTS_OK);
		assert_int_equal(T.n_facts, 1); /* the link address only */
		assert_int_equal(T.facts[0].attr, OTS_FACT_STATION_ADDRESS);
		assert_int_equal(T.n_flags, 0);
	}
}

/* A 600-byte response in three frames: one op when the last arrives, identity at its end. */
static void
test_reassembly(void **s)
{
	uint8_t ap[600];
	struct pdu a, q = REQ(0xc3, 1, 0, 254, 0x06);
	size_t i, off, f1, f2;

	(void)s;
	memset(ap, 0, sizeof(ap));
	ap[0] = 0xc3;
	ap[1] = 0x81;
	/* g110v2 (2-byte octet strings) indices 0..289 fill up to 584 */
	ap[4] = 110;
	ap[5] = 2;
	ap[6] = 0x01;
	ap[7] = 0;
	ap[8] = 0;
	ap[9] = 0x21; /* stop 289 */
	ap[10] = 0x01;
	i = 11 + 290 * 2;
	ap[i++] = 0;
	ap[i++] = 252;
	ap[i++] = 0x00;
	ap[i++] = 0;
	ap[i++] = 0;
	ap[i++] = 1;
	ap[i++] = 2;
	ap[i++] = 'Z';
	ap[i++] = 'Q';
	assert_int_equal(i, 600);
	a = mkf(0, ap, sizeof(ap));
	assert_int_equal(a.n, 292 + 292 + (10 + 103 + 2 * 7));
	dt_reset(&T);
	assert_int_equal(send_m(&q), OTS_OK);
	/* frame by frame, as pdu_len cuts the stream */
	off = 0;
	f1 = (size_t)D->pdu_len(a.b, a.n);
	f2 = (size_t)D->pdu_len(a.b + f1, a.n - f1);
	assert_int_equal(f1, 292);
	assert_int_equal(f2, 292);
	assert_int_equal(dt_parse(&T, D, a.b, f1, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(dt_parse(&T, D, a.b + f1, f2, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	off = f1 + f2;
	assert_int_equal(dt_parse(&T, D, a.b + off, a.n - off, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 3);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "ZQ");

	/* a gap drops the partial fragment: the rest is not parsed on its own */
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, a.b, f1, 1, 20000, 40000), OTS_OK);
	D->gap(T.state, 1);
	assert_int_equal(dt_parse(&T, D, a.b + f1, f2, 1, 20000, 40000), OTS_OK);
	assert_int_equal(dt_parse(&T, D, a.b + off, a.n - off, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_flags, 0);

	/* a skipped piece (transport sequence jumps) drops it too */
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, a.b, f1, 1, 20000, 40000), OTS_OK);
	assert_int_equal(dt_parse(&T, D, a.b + off, a.n - off, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 0);

	/* the other direction does not disturb it */
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, a.b, f1, 1, 20000, 40000), OTS_OK);
	assert_int_equal(send_m(&q), OTS_OK);
	assert_int_equal(dt_parse(&T, D, a.b + f1, a.n - f1, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 3);
}

static void
test_link_only_udp(void **s)
{
	uint8_t dg[128];
	size_t n = 0;
	struct pdu q = REQ(0xc1, 1, 60, 1, 0x06), a = RSP(0xc1, 0x81, 0, 0);

	(void)s;
	dt_reset(&T);
	assert_int_equal(raw(real_link_status_req, sizeof(real_link_status_req), 1), OTS_OK);
	assert_int_equal(raw(real_link_status, sizeof(real_link_status), 0), OTS_OK);
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_flags, 0);

	/* one UDP datagram with a link status frame and a read, another with the response */
	memcpy(dg, real_link_status, sizeof(real_link_status));
	n = sizeof(real_link_status);
	memcpy(dg + n, q.b, q.n);
	n += q.n;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, dg, n, 0, 40000, 20000), OTS_OK);
	assert_int_equal(dt_parse(&T, D, a.b, a.n, 1, 20000, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_READ, 1, "read", OUTST, 1);
	check_op(&T.ops[1], 1, OTS_OP_READ, 129, "response", OUTST, 1);

	/* a datagram whose second frame is cut */
	memcpy(dg, q.b, q.n);
	memcpy(dg + q.n, q.b, q.n);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, dg, q.n + q.n - 3, 0, 40000, 20000), OTS_ETRUNC);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_flags, 1);
	assert_string_equal(T.flags[0].what, "short_frame");
}

/* Expect an error and exactly one malformed flag why. */
static void
bad(const uint8_t *b, size_t n, int dir, int rc, const char *why)
{
	dt_reset(&T);
	assert_int_equal(raw(b, n, dir), rc);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
recrc(uint8_t *b)
{
	uint16_t c = crc_dnp(b, 8);

	b[8] = (uint8_t)c;
	b[9] = (uint8_t)(c >> 8);
}

static void
test_malformed(void **s)
{
	uint8_t b[600];
	struct pdu p;
	uint8_t big[2100];
	size_t i, k;

	(void)s;
	memcpy(b, real_cold, sizeof(real_cold));
	b[0] = 0x06;
	bad(b, sizeof(real_cold), 0, OTS_EINVAL, "bad_start");
	memcpy(b, real_cold, sizeof(real_cold));
	b[2] = 4;
	recrc(b);
	bad(b, sizeof(real_cold), 0, OTS_EINVAL, "bad_length");
	memcpy(b, real_cold, sizeof(real_cold));
	b[8] ^= 1;
	bad(b, sizeof(real_cold), 0, OTS_EINVAL, "bad_crc");
	memcpy(b, real_cold, sizeof(real_cold));
	b[12] = 0x0e; /* data changed under its CRC */
	bad(b, sizeof(real_cold), 0, OTS_EINVAL, "bad_crc");
	memcpy(b, real_link_status, sizeof(real_link_status));
	b[3] = 0x85; /* secondary function 5: undefined */
	recrc(b);
	bad(b, sizeof(real_link_status), 0, OTS_EINVAL, "bad_link_function");
	k = frame(b, 0x0b, 1, 100, (const uint8_t[]){ 0xc0, 0xc0, 0x01 }, 3); /* ACK with data */
	bad(b, k, 0, OTS_EINVAL, "unexpected_user_data");
	k = frame(b, 0xc4, 10, 1, (const uint8_t[]){ 0xc0, 0xc0 }, 2); /* no function code */
	bad(b, k, 0, OTS_EINVAL, "short_apdu");
	p = RSP(0xc0, 0x81, 0x00);
	bad(p.b, p.n, 1, OTS_EINVAL, "short_apdu");
	p = REQ(0xc0, 1, 30, 1, 0x8a);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_qualifier");
	p = REQ(0xc0, 1, 30, 1, 0x0c);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_qualifier");
	p = REQ(0xc0, 1, 30, 1, 0x70, 1);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_qualifier");
	p = REQ(0xc0, 1, 30, 1, 0x00, 9, 3);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_range");
	p = REQ(0xc0, 1, 30, 1, 0x01, 9);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_object_header");
	p = REQ(0xc0, 1, 30);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_object_header");
	p = REQ(0xc0, 3, 12, 1, 0x28, 0, 0);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_count");
	p = REQ(0xc0, 3, 12, 1, 0x28, 1, 0, 7);
	bad(p.b, p.n, 0, OTS_EINVAL, "bad_object_header");
	p = RSP(0xc0, 0x81, 0, 0, 30, 1, 0x00, 0);
	bad(p.b, p.n, 1, OTS_EINVAL, "bad_object_header");
	p = RSP(0xc0, 0x81, 0, 0, 30, 1, 0x0f);
	bad(p.b, p.n, 1, OTS_EINVAL, "bad_qualifier");
	p = RSP(0xc0, 0x81, 0, 0, 20, 1, 0x09, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5);
	bad(p.b, p.n, 1, OTS_EINVAL, "bad_object_data");
	p = RSP(0xc0, 0x81, 0, 0, 1, 1, 0x01, 0, 0, 0x0f, 0, 0xff);
	bad(p.b, p.n, 1, OTS_EINVAL, "bad_object_data");
	p = RSP(0xc0, 0x81, 0, 0, 0, 252, 0x00, 0, 0, 1, 9, 'a');
	bad(p.b, p.n, 1, OTS_EINVAL, "bad_object_data");
	p = RSP(0xc0, 0x81, 0, 0, 70, 4, 0x5b, 1, 0x0d, 0x00, 1);
	bad(p.b, p.n, 1, OTS_EINVAL, "bad_object_data");
	/* the malformed request is still reported */
	p = REQ(0xc0, 1, 30, 1, 0x00, 9, 3);
	dt_reset(&T);
	assert_int_equal(send_m(&p), OTS_EINVAL);
	assert_int_equal(T.n_ops, 1);

	/* a fragment of 2049 bytes: overflow */
	memset(big, 0, sizeof(big));
	big[0] = 0xc0;
	big[1] = 2;
	big[2] = 110;
	big[3] = 255;
	big[4] = 0x07;
	big[5] = 8;
	p = mkf(1, big, 2049);
	dt_reset(&T);
	for (i = 0; i < p.n;) {
		long l = D->pdu_len(p.b + i, p.n - i);
		int rc;

		assert_true(l > 0);
		rc = dt_parse(&T, D, p.b + i, (size_t)l, 0, 40000, 20000);
		i += (size_t)l;
		assert_int_equal(rc, i < p.n ? OTS_OK : OTS_EINVAL);
	}
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_flags, 1);
	assert_string_equal(T.flags[0].what, "fragment_overflow");
	/* 2048 is fine, and a fragment longer than what is kept for analysis is not malformed */
	p = mkf(1, big, 2048);
	dt_reset(&T);
	for (i = 0; i < p.n;) {
		long l = D->pdu_len(p.b + i, p.n - i);

		assert_int_equal(dt_parse(&T, D, p.b + i, (size_t)l, 0, 40000, 20000), OTS_OK);
		i += (size_t)l;
	}
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 2, "write", OUTST, 0);
}

/* Counting collector for floods beyond DT_MAX. */
static size_t n_ops_cb, n_flags_cb;

static void
cnt_op(void *c, const struct ots_ics_op *op)
{
	(void)c;
	(void)op;
	n_ops_cb++;
}

static void
cnt_flag(void *c, const struct ots_ics_flag_rec *f)
{
	(void)c;
	(void)f;
	n_flags_cb++;
}

static void
test_flood(void **s)
{
	static uint8_t state[8192];
	struct ots_dissect_out out = { cnt_op, NULL, cnt_flag, NULL };
	struct ots_dissect_pkt pm = { 0, 40000, 20000, 0 }, po = { 1, 20000, 40000, 0 };
	uint8_t ap[2048];
	struct pdu p;
	size_t i, k;

	(void)s;
	assert_true(D->state_size <= sizeof(T.state));
	memset(state, 0, sizeof(state));
	rec_on = 0; /* the flood's frames are not swept */
	n_ops_cb = n_flags_cb = 0;
	/* 5000 selects and responses */
	for (i = 0; i < 5000; i++) {
		p = REQ((uint8_t)(0xc0 | (i & 15)), 3, 12, 1, 0x17, 1, 3, 0x41, 1, 100, 0, 0, 0, 100, 0,
		        0, 0, 0);
		assert_int_equal(D->parse(state, p.b, p.n, &pm, &out), OTS_OK);
		p = RSP((uint8_t)(0xc0 | (i & 15)), 0x81, 0, 0);
		assert_int_equal(D->parse(state, p.b, p.n, &po, &out), OTS_OK);
	}
	assert_int_equal(n_ops_cb, 10000);
	assert_int_equal(n_flags_cb, 1); /* no_secure_authentication, once per flow */

	/* one read fragment of 680 class headers: walked, bounded, no address */
	ap[0] = 0xc1;
	ap[1] = 1;
	for (k = 2, i = 0; i < 682; i++) {
		ap[k++] = 60;
		ap[k++] = 1;
		ap[k++] = 0x06;
	}
	p = mkf(1, ap, k);
	dt_reset(&T);
	for (i = 0; i < p.n;) {
		long l = D->pdu_len(p.b + i, p.n - i);

		assert_int_equal(dt_parse(&T, D, p.b + i, (size_t)l, 0, 40000, 20000), OTS_OK);
		i += (size_t)l;
	}
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].has_addr, 0);

	/* a response of 2000 one-byte g1v2 objects and a count header of 4 billion objects */
	memset(ap, 0, sizeof(ap));
	ap[0] = 0xc1;
	ap[1] = 0x81;
	ap[4] = 1;
	ap[5] = 2;
	ap[6] = 0x01;
	ap[9] = 0xcf; /* stop 1999 */
	ap[10] = 0x07;
	k = 11 + 2000;
	ap[k++] = 20;
	ap[k++] = 1;
	ap[k++] = 0x09;
	ap[k++] = 0xff;
	ap[k++] = 0xff;
	ap[k++] = 0xff;
	ap[k++] = 0xff;
	p = mkf(0, ap, k);
	dt_reset(&T);
	for (i = 0; i < p.n;) {
		long l = D->pdu_len(p.b + i, p.n - i);

		assert_int_equal(dt_parse(&T, D, p.b + i, (size_t)l, 1, 20000, 40000), OTS_OK);
		i += (size_t)l;
	}
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_flags, 0);
	rec_on = 1;
}

static void
sweep(const uint8_t *b, size_t n, int dir, size_t ops)
{
	assert_int_equal(dt_sweep(D, b, n, dir, dir ? 20000 : 40000, dir ? 40000 : 20000, ops), n);
}

static void
test_sweep(void **s)
{
	struct pdu ps[] = {
		REQ(0xc1, 4, 12, 1, 0x17, 2, 5, 0x03, 1, 100, 0, 0, 0, 100, 0, 0, 0, 0, 9, 0x04, 1, 100,
		    0, 0, 0, 100, 0, 0, 0, 0),
		REQ(0xc5, 1, 60, 2, 0x06, 60, 3, 0x06, 30, 1, 0x01, 0x10, 0x00, 0x1f, 0x00),
		RSP(0xc5, 0x81, 0x80, 0x00, 30, 1, 0x00, 0, 1, 0x01, 0x10, 0, 0, 0, 0x01, 0x20, 0, 0, 0),
		REQ(0xc1, 2, 80, 1, 0x00, 7, 7, 0x00),
		REQ(0xc7, 1, 1, 2, 0x17, 3, 9, 4, 6),
		REQ(0xc1, 25, 70, 3, 0x5b, 1, 0x04, 0x00, 1, 2, 3, 4),
		REQ(0xc2, 32, 120, 4, 0x07, 1, 0x01, 0x00),
		RSP(0xc9, 0x81, 0x00, 0x06),
		RSP(0xc2, 0x83, 0x00, 0x00, 120, 5, 0x5b, 1, 0x04, 0x00, 1, 2, 3, 4),
	};
	struct pdu a = mkf(0, attrs_apdu, sizeof(attrs_apdu));
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		sweep(ps[i].b, ps[i].n, 0, 1);
		sweep(ps[i].b, ps[i].n, 1, 1);
	}
	sweep(a.b, a.n, 1, 1);
	sweep(real_select, sizeof(real_select), 0, 1);
	sweep(real_select_rsp, sizeof(real_select_rsp), 1, 1);
	sweep(real_rct, sizeof(real_rct), 0, 1);
	sweep(real_write_time, sizeof(real_write_time), 0, 1);
	sweep(real_cold, sizeof(real_cold), 0, 1);
	sweep(real_cold_rsp, sizeof(real_cold_rsp), 1, 1);
	sweep(real_unsol, sizeof(real_unsol), 1, 1);
	sweep(real_confirm, sizeof(real_confirm), 0, 1);
	sweep(real_link_status_req, sizeof(real_link_status_req), 1, 0);
	sweep(real_link_status, sizeof(real_link_status), 0, 0);
	/* every frame built by the tests before this one, each alone: at most one op */
	print_message("swept %zu built frames\n", n_rec);
	assert_true(n_rec > 60);
	for (i = 0; i < n_rec; i++)
		sweep(rec[i].b, rec[i].n, rec[i].dir, 1);
}

static void
test_framing(void **s)
{
	uint8_t stream[512];
	size_t n = 0, off = 0, k, cut;
	struct pdu a = REQ(0xc1, 1, 60, 1, 0x06), b = REQ(0xc2, 2, 80, 1, 0x00, 7, 7, 0);
	int count = 0;

	(void)s;
	memcpy(stream + n, a.b, a.n);
	n += a.n;
	memcpy(stream + n, real_link_status, sizeof(real_link_status));
	n += sizeof(real_link_status);
	memcpy(stream + n, b.b, b.n);
	n += b.n;
	memcpy(stream + n, real_cold, sizeof(real_cold));
	n += sizeof(real_cold);
	dt_reset(&T);
	while (off < n) {
		long l = D->pdu_len(stream + off, n - off);

		assert_true(l > 0);
		assert_int_equal(dt_parse(&T, D, stream + off, (size_t)l, 0, 40000, 20000), OTS_OK);
		off += (size_t)l;
		count++;
	}
	assert_int_equal(count, 4);
	assert_int_equal(T.n_ops, 3);
	assert_int_equal(T.ops[1].function, 2);
	assert_int_equal(T.ops[2].function, 13);
	/* a frame split across two segments: pdu_len waits, then frames it whole */
	for (k = 0; k <= sizeof(real_select); k++)
		assert_int_equal(D->pdu_len(real_select, k), k < 3 ? 0 : (long)sizeof(real_select));
	for (cut = 1; cut < a.n; cut++) {
		uint8_t seg[64];

		memcpy(seg, a.b, cut); /* first segment */
		assert_int_equal(D->pdu_len(seg, cut), cut < 3 ? 0 : (long)a.n);
	}
	/* desynchronised */
	assert_true(D->pdu_len((const uint8_t[]){ 0x05, 0x65, 0x08 }, 3) < 0);
	assert_true(D->pdu_len((const uint8_t[]){ 0x06 }, 1) < 0);
	assert_true(D->pdu_len((const uint8_t[]){ 0x05, 0x64, 0x04 }, 3) < 0);
	assert_int_equal(D->pdu_len((const uint8_t[]){ 0x05, 0x64, 0xff }, 3), 292);
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
	struct ots_dissect_pkt p20000 = { 0, 40000, 20000, 0 }, pother = { 0, 40000, 2000, 0 };
	uint8_t buf[300];
	int i, fp = 0;

	(void)s;
	assert_int_equal(D->probe(real_select, sizeof(real_select), &pother), OTS_PROBE_SURE);
	assert_int_equal(D->probe(real_unsol, sizeof(real_unsol), &pother), OTS_PROBE_SURE);
	assert_int_equal(D->probe(real_link_status, sizeof(real_link_status), &pother),
	                 OTS_PROBE_SURE);
	assert_int_equal(D->probe(real_select, 10, &p20000), OTS_PROBE_SURE);
	assert_int_equal(D->probe(real_select, 5, &p20000), 40);
	assert_int_equal(D->probe(real_select, 2, &p20000), OTS_PROBE_NO);
	memcpy(buf, real_select, sizeof(real_select));
	buf[9] ^= 0x10;
	assert_int_equal(D->probe(buf, sizeof(real_select), &p20000), OTS_PROBE_NO);
	for (i = 0; i < 10000; i++) {
		size_t n = rnd() % sizeof(buf), j;

		for (j = 0; j < n; j++)
			buf[j] = (uint8_t)rnd();
		if (i & 1) { /* half of them with the start bytes */
			buf[0] = 0x05;
			buf[1] = 0x64;
		}
		if (D->probe(buf, n, &p20000) >= OTS_PROBE_MAYBE)
			fp++;
	}
	assert_int_equal(fp, 0);
}

static void
registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("dnp3"), &ots_dissector_dnp3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registered),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_select_operate),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write_time),
		cmocka_unit_test(test_restart_mode),
		cmocka_unit_test(test_file_auth),
		cmocka_unit_test(test_event_other),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_no_security),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_link_only_udp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
