/* SPDX-License-Identifier: BSD-3-Clause */
/* test-mms.c: unit tests of the MMS dissector (protocols/mms.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_mms;
#define D (&ots_dissector_mms)

/* ------------------------------------------------------------------ builders */

struct buf {
	uint8_t b[70000];
	size_t n;
};

static void
put(struct buf *x, const void *p, size_t n)
{
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

/* BER TLV with a one-octet identifier (or two for tags >= 31 when id2 != 0). */
static void
tlv(struct buf *x, uint8_t id, uint8_t id2, const uint8_t *c, size_t n)
{
	uint8_t h[8];
	size_t k = 0;

	h[k++] = id;
	if (id2)
		h[k++] = id2;
	if (n < 0x80) {
		h[k++] = (uint8_t)n;
	} else if (n < 0x100) {
		h[k++] = 0x81;
		h[k++] = (uint8_t)n;
	} else {
		h[k++] = 0x82;
		h[k++] = (uint8_t)(n >> 8);
		h[k++] = (uint8_t)n;
	}
	put(x, h, k);
	put(x, c, n);
}

/* TPKT + COTP DT (eot) around user data u. */
static void
tpkt(struct buf *x, const uint8_t *u, size_t n, int eot)
{
	size_t tl = n + 7;
	uint8_t h[7] = { 3, 0, (uint8_t)(tl >> 8), (uint8_t)tl, 2, 0xf0, (uint8_t)(eot ? 0x80 : 0) };

	x->n = 0;
	put(x, h, 7);
	put(x, u, n);
}

/* Session GT+DT, presentation fully-encoded-data (context 3), single-ASN1-type: mms. */
static void
wrap(struct buf *x, const uint8_t *mms, size_t n)
{
	static struct buf a, b, c, u;
	static const uint8_t ctx[] = { 0x02, 0x01, 0x03 };
	static const uint8_t ses[] = { 0x01, 0x00, 0x01, 0x00 };

	a.n = 0;
	put(&a, ctx, 3);
	tlv(&a, 0xa0, 0, mms, n);
	b.n = 0;
	tlv(&b, 0x30, 0, a.b, a.n);
	c.n = 0;
	tlv(&c, 0x61, 0, b.b, b.n);
	u.n = 0;
	put(&u, ses, 4);
	put(&u, c.b, c.n);
	tpkt(x, u.b, u.n, 1);
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

static struct dt T;
static struct buf P;

static int
req(const struct buf *p)
{
	return dt_parse(&T, D, p->b, p->n, 0, 40000, 102);
}

static int
rsp(const struct buf *p)
{
	return dt_parse(&T, D, p->b, p->n, 1, 102, 40000);
}

static void
check_op(const struct ots_ics_op *op, int is_rsp, uint8_t cls, uint32_t fc, const char *name)
{
	assert_int_equal(op->proto, OTS_PROTO_MMS);
	assert_int_equal(op->is_response, is_rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->has_unit, 0);
}

static void
check_inv(const struct ots_ics_op *op, uint32_t invoke)
{
	assert_int_equal(op->has_transaction, 1);
	assert_int_equal(op->transaction, invoke);
}

static int
has_flag(const struct dt *t, uint8_t flag, const char *what)
{
	size_t i;

	for (i = 0; i < t->n_flags; i++)
		if (t->flags[i].flag == flag && (!what || strcmp(t->flags[i].what, what) == 0))
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ real PDUs (captures) */

/* iti_piccolo.pcap: CONNECT with AARQ + initiate-Request */
static const uint8_t pic_connect[] = {
	0x03, 0x00, 0x00, 0xbf, 0x02, 0xf0, 0x80, 0x0d, 0xb6, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16,
	0x01, 0x02, 0x14, 0x02, 0x00, 0x02, 0x33, 0x02, 0x00, 0x01, 0x34, 0x02, 0x00, 0x01, 0xc1,
	0xa0, 0x31, 0x81, 0x9d, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2, 0x81, 0x95, 0x81, 0x04, 0x00,
	0x00, 0x00, 0x01, 0x82, 0x04, 0x00, 0x00, 0x00, 0x01, 0xa4, 0x23, 0x30, 0x0f, 0x02, 0x01,
	0x01, 0x06, 0x04, 0x52, 0x01, 0x00, 0x01, 0x30, 0x04, 0x06, 0x02, 0x51, 0x01, 0x30, 0x10,
	0x02, 0x01, 0x03, 0x06, 0x05, 0x28, 0xca, 0x22, 0x02, 0x01, 0x30, 0x04, 0x06, 0x02, 0x51,
	0x01, 0x61, 0x62, 0x30, 0x60, 0x02, 0x01, 0x01, 0xa0, 0x5b, 0x60, 0x59, 0xa1, 0x07, 0x06,
	0x05, 0x28, 0xca, 0x22, 0x02, 0x03, 0xa2, 0x07, 0x06, 0x05, 0x29, 0x01, 0x87, 0x67, 0x01,
	0xa3, 0x03, 0x02, 0x01, 0x0c, 0xa6, 0x06, 0x06, 0x04, 0x29, 0x01, 0x87, 0x67, 0xa7, 0x03,
	0x02, 0x01, 0x0c, 0xbe, 0x33, 0x28, 0x31, 0x06, 0x02, 0x51, 0x01, 0x02, 0x01, 0x03, 0xa0,
	0x28, 0xa8, 0x26, 0x80, 0x03, 0x00, 0xff, 0x00, 0x81, 0x01, 0x0a, 0x82, 0x01, 0x0a, 0x83,
	0x01, 0x05, 0xa4, 0x16, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xf1, 0x00, 0x82, 0x0c, 0x03,
	0xee, 0x1c, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x01, 0x18,
};

/* iti_piccolo.pcap: ACCEPT with AARE + initiate-Response */
static const uint8_t pic_accept[] = {
	0x03, 0x00, 0x00, 0x9e, 0x02, 0xf0, 0x80, 0x0e, 0x95, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16,
	0x01, 0x02, 0x14, 0x02, 0x00, 0x02, 0xc1, 0x87, 0x31, 0x81, 0x84, 0xa0, 0x03, 0x80, 0x01,
	0x01, 0xa2, 0x7d, 0x83, 0x04, 0x00, 0x00, 0x00, 0x01, 0xa5, 0x12, 0x30, 0x07, 0x80, 0x01,
	0x00, 0x81, 0x02, 0x51, 0x01, 0x30, 0x07, 0x80, 0x01, 0x00, 0x81, 0x02, 0x51, 0x01, 0x61,
	0x61, 0x30, 0x5f, 0x02, 0x01, 0x01, 0xa0, 0x5a, 0x61, 0x58, 0xa1, 0x07, 0x06, 0x05, 0x28,
	0xca, 0x22, 0x02, 0x03, 0xa2, 0x03, 0x02, 0x01, 0x00, 0xa3, 0x05, 0xa1, 0x03, 0x02, 0x01,
	0x00, 0xa4, 0x07, 0x06, 0x05, 0x29, 0x01, 0x87, 0x67, 0x01, 0xa5, 0x03, 0x02, 0x01, 0x0c,
	0xbe, 0x33, 0x28, 0x31, 0x06, 0x02, 0x51, 0x01, 0x02, 0x01, 0x03, 0xa0, 0x28, 0xa9, 0x26,
	0x80, 0x03, 0x00, 0xc0, 0x00, 0x81, 0x01, 0x01, 0x82, 0x01, 0x01, 0x83, 0x01, 0x05, 0xa4,
	0x16, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xe1, 0x00, 0x82, 0x0c, 0x03, 0xee, 0x1c, 0x00,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x10,
};

/* iti_piccolo.pcap: identify request (invoke 1), response, status request (invoke 2) */
static const uint8_t pic_ident_req[] = {
	0x03, 0x00, 0x00, 0x1b, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x0e, 0x30,
	0x0c, 0x02, 0x01, 0x03, 0xa0, 0x07, 0xa0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00,
};

static const uint8_t pic_ident_rsp[] = {
	0x03, 0x00, 0x00, 0x3c, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x2f, 0x30, 0x2d,
	0x02, 0x01, 0x03, 0xa0, 0x28, 0xa1, 0x26, 0x02, 0x01, 0x01, 0xa2, 0x21, 0x80, 0x09, 'I',
	'N', 'F', 'O', ' ', 'T', 'E', 'C', 'H', 0x81, 0x0d, 'S', '6', '1', '8', '5', '0', ' ',
	'f', 'o', 'r', ' ', 'P', 'C', 0x82, 0x05, '0', '.', '0', '.', '1',
};

static const uint8_t pic_status_req[] = {
	0x03, 0x00, 0x00, 0x1c, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x0f, 0x30, 0x0d,
	0x02, 0x01, 0x03, 0xa0, 0x08, 0xa0, 0x06, 0x02, 0x01, 0x02, 0x80, 0x01, 0x00,
};

/* iti_mms-cmd_iec61850_read.pcap: read request (1 variable, invoke 0) and response */
static const uint8_t cap_read_req[] = {
	0x03, 0x00, 0x00, 0x2a, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x1d, 0x30, 0x1b,
	0x02, 0x01, 0x03, 0xa0, 0x16, 0xa0, 0x14, 0x02, 0x01, 0x00, 0xa4, 0x0f, 0x80, 0x01, 0x00,
	0xa1, 0x0a, 0xa0, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x80, 0x02, 0x6d, 0x75,
};

static const uint8_t cap_read_rsp[] = {
	0x03, 0x00, 0x00, 0x1d, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x10, 0x30, 0x0e,
	0x02, 0x01, 0x03, 0xa0, 0x09, 0xa1, 0x07, 0x02, 0x01, 0x00, 0xa4, 0x02, 0xa1, 0x00,
};

/* iti_mms-cmd_iec61850_write.pcap: write request (1 variable, invoke 0) */
static const uint8_t cap_write_req[] = {
	0x03, 0x00, 0x00, 0x2a, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x1d, 0x30, 0x1b,
	0x02, 0x01, 0x03, 0xa0, 0x16, 0xa0, 0x14, 0x02, 0x01, 0x00, 0xa5, 0x0f, 0xa0, 0x08, 0x30,
	0x06, 0xa0, 0x04, 0x80, 0x02, 0x6d, 0x75, 0xa0, 0x03, 0x85, 0x01, 0x00,
};

/* iti_mms-cmd_iec61850_get_name_list.pcap: getNameList request; a response lacking its service */
static const uint8_t cap_gnl_req[] = {
	0x03, 0x00, 0x00, 0x24, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x17, 0x30, 0x15,
	0x02, 0x01, 0x03, 0xa0, 0x10, 0xa0, 0x0e, 0x02, 0x01, 0x00, 0xa1, 0x09, 0xa0, 0x03, 0x80,
	0x01, 0x00, 0xa1, 0x02, 0x80, 0x00,
};

static const uint8_t cap_nosvc_rsp[] = {
	0x03, 0x00, 0x00, 0x19, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x0c, 0x30, 0x0a,
	0x02, 0x01, 0x03, 0xa0, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x00,
};

static const uint8_t cap_conclude[] = {
	0x03, 0x00, 0x00, 0x16, 0x02, 0xf0, 0x80, 0x01, 0x00, 0x01, 0x00, 0x61, 0x09, 0x30, 0x07,
	0x02, 0x01, 0x03, 0xa0, 0x02, 0x8b, 0x00,
};

/* iti_mms-cmd_mms-*.pcap: MMS directly on COTP (no session/presentation) */
static const uint8_t bare_initiate[] = {
	0x03, 0x00, 0x00, 0x2f, 0x02, 0xf0, 0x80, 0xa8, 0x26, 0x80, 0x02, 0x00, 0x1f, 0x81, 0x01,
	0x03, 0x82, 0x01, 0x03, 0x83, 0x02, 0x08, 0x08, 0xa4, 0x16, 0x80, 0x01, 0x01, 0x81, 0x03,
	0x05, 0xe8, 0x00, 0x82, 0x0c, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff,
};

static const uint8_t bare_gda[] = { /* getDomainAttributes "DTLogFilesDomain" */
	0x03, 0x00, 0x00, 0x1f, 0x02, 0xf0, 0x80, 0xa0, 0x16, 0x02, 0x01, 0x01, 0x9f, 0x25, 0x10,
	'D', 'T', 'L', 'o', 'g', 'F', 'i', 'l', 'e', 's', 'D', 'o', 'm', 'a', 'i', 'n',
};

static const uint8_t bare_stop[] = {
	0x03, 0x00, 0x00, 0x28, 0x02, 0xf0, 0x80, 0xa0, 0x1f, 0x02, 0x01, 0x01, 0xbf, 0x29, 0x19,
	0x80, 0x17, 'R', '3', '9', '5', '0', '2', '4', '3', '9', '7', 'A', 'p', 'p', 'l', 'i', 'c',
	'a', 't', 'i', 'o', 'n', '_', '1',
};

static const uint8_t bare_start[] = {
	0x03, 0x00, 0x00, 0x2a, 0x02, 0xf0, 0x80, 0xa0, 0x21, 0x02, 0x01, 0x01, 0xbf, 0x28, 0x1b,
	0x80, 0x17, 'R', '3', '9', '5', '0', '2', '4', '3', '9', '7', 'A', 'p', 'p', 'l', 'i', 'c',
	'a', 't', 'i', 'o', 'n', '_', '1', 0x81, 0x00,
};

static const uint8_t cotp_cr[] = {
	0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x06, 0x00, 0xc1, 0x02, 0x00, 0x02,
	0xc2, 0x02, 0x02, 0x00,
};

#define CAP(a) a, sizeof(a)

/* ------------------------------------------------------------------ op classes */

static void
registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("mms"), &ots_dissector_mms);
	assert_true(D->state_size <= sizeof(T.state));
	assert_int_equal(D->ports[0], 102);
}

static void
connect_initiate(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(pic_connect), 0, 1068, 102), OTS_OK);
	assert_int_equal(dt_parse(&T, D, CAP(pic_accept), 1, 102, 1068), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x108, "initiate_request");
	check_op(&T.ops[1], 1, OTS_OP_OTHER, 0x109, "initiate_response");
	assert_int_equal(T.n_flags, 0);
	/* CR: connection management, no op */
	assert_int_equal(dt_parse(&T, D, CAP(cotp_cr), 0, 1068, 102), OTS_OK);
	assert_int_equal(T.n_ops, 2);
}

static void
identity_identify(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(pic_ident_req), 0, 1068, 102), OTS_OK);
	assert_int_equal(dt_parse(&T, D, CAP(pic_ident_rsp), 1, 102, 1068), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_IDENTITY, 2, "identify");
	check_inv(&T.ops[0], 1);
	check_op(&T.ops[1], 1, OTS_OP_IDENTITY, 2, "identify");
	check_inv(&T.ops[1], 1);
	assert_int_equal(T.n_facts, 3);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "INFO TECH");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "S61850 for PC");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "0.0.1");
	assert_string_equal(T.facts[0].source, "MMS Identify");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_int_equal(T.facts[0].proto, OTS_PROTO_MMS);
	assert_int_equal(T.n_flags, 0);
}

static void
diagnostic_status(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(pic_status_req), 0, 1068, 102), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_DIAGNOSTIC, 0, "status");
	check_inv(&T.ops[0], 2);
}

static void
read_pair(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(cap_read_req), 0, 45298, 102), OTS_OK);
	assert_int_equal(dt_parse(&T, D, CAP(cap_read_rsp), 1, 102, 45298), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_READ, 4, "read");
	check_inv(&T.ops[0], 0);
	assert_int_equal(T.ops[0].has_addr, 1);
	assert_int_equal(T.ops[0].addr_start, 0);
	assert_int_equal(T.ops[0].addr_count, 1);
	check_op(&T.ops[1], 1, OTS_OP_READ, 4, "read");
	assert_int_equal(T.ops[1].has_addr, 0);
	assert_int_equal(T.n_flags, 0);
}

static void
write_req(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(cap_write_req), 0, 45298, 102), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 5, "write");
	assert_int_equal(T.ops[0].has_addr, 1);
	assert_int_equal(T.ops[0].addr_count, 1);
	/* write response: success list, paired to the write */
	wrap(&P, BYTES(0xa1, 0x05, 0x02, 0x01, 0x00, 0xa5, 0x00));
	assert_int_equal(rsp(&P), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[1], 1, OTS_OP_WRITE, 5, "write");
	check_inv(&T.ops[1], 0);
}

static void
discovery_get_name_list(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(cap_gnl_req), 0, 45298, 102), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 1, "get_name_list");
	/* the capture's server answers without the service: paired, reported, flagged */
	assert_int_equal(dt_parse(&T, D, CAP(cap_nosvc_rsp), 1, 102, 45298), OTS_EINVAL);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[1], 1, OTS_OP_DISCOVERY, 0x101, "confirmed_response");
	check_inv(&T.ops[1], 0);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "response_without_service"));
	/* conclude */
	assert_int_equal(dt_parse(&T, D, CAP(cap_conclude), 0, 45298, 102), OTS_OK);
	check_op(&T.ops[2], 0, OTS_OP_OTHER, 0x10b, "conclude_request");
}

static void
bare_mms_mode_change(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(bare_initiate), 0, 19615, 102), OTS_OK);
	assert_int_equal(dt_parse(&T, D, CAP(bare_stop), 0, 19615, 102), OTS_OK);
	assert_int_equal(dt_parse(&T, D, CAP(bare_start), 0, 19615, 102), OTS_OK);
	assert_int_equal(T.n_ops, 3);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x108, "initiate_request");
	check_op(&T.ops[1], 0, OTS_OP_MODE_CHANGE, 41, "stop");
	check_inv(&T.ops[1], 1);
	check_op(&T.ops[2], 0, OTS_OP_MODE_CHANGE, 40, "start");
	assert_int_equal(T.n_flags, 0);
}

static void
bare_read_domain(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(bare_gda), 0, 41002, 102), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_READ, 37, "get_domain_attributes");
}

static void
program_download(void **s)
{
	(void)s;
	dt_reset(&T);
	/* downloadSegment [27] IMPLICIT Identifier, invoke 7 */
	wrap(&P, BYTES(0xa0, 0x08, 0x02, 0x01, 0x07, 0xbb, 0x03, 'd', 'o', 'm'));
	assert_int_equal(req(&P), OTS_OK);
	/* deleteDomain [36] */
	wrap(&P, BYTES(0xa0, 0x09, 0x02, 0x01, 0x08, 0xbf, 0x24, 0x03, 'd', 'o', 'm'));
	assert_int_equal(req(&P), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_PROGRAM, 27, "download_segment");
	check_inv(&T.ops[0], 7);
	check_op(&T.ops[1], 0, OTS_OP_PROGRAM, 36, "delete_domain");
	check_inv(&T.ops[1], 8);
}

static void
file_open(void **s)
{
	(void)s;
	dt_reset(&T);
	/* fileOpen [72]: tag 72 = 0xbf 0x48; invoke 300 (two octets) */
	wrap(&P, BYTES(0xa0, 0x0b, 0x02, 0x02, 0x01, 0x2c, 0xbf, 0x48, 0x04, 0xa0, 0x02, 0x19, 0x00));
	assert_int_equal(req(&P), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_FILE, 72, "file_open");
	check_inv(&T.ops[0], 300);
}

static void
event_information_report(void **s)
{
	(void)s;
	dt_reset(&T);
	/* unconfirmed-PDU { informationReport [0] { variableListName, listOfAccessResult } } */
	wrap(&P, BYTES(0xa3, 0x0d, 0xa0, 0x0b, 0xa1, 0x05, 0x80, 0x03, 'r', 'p', 't', 0xa0, 0x02,
	               0x83, 0x00));
	assert_int_equal(rsp(&P), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_EVENT, 0x200, "information_report");
	assert_int_equal(T.ops[0].has_transaction, 0);
}

static void
auth_aarq_password(void **s)
{
	static struct buf a, b, c, d, e, u;
	static const uint8_t init[] = { 0xa8, 0x03, 0x80, 0x01, 0x01 };

	(void)s;
	/* AARQ { calling-authentication-value [12] { charstring [0] "secret" }, user-info } */
	a.n = 0;
	tlv(&a, 0xa0, 0, init, sizeof(init));           /* single-ASN1-type */
	b.n = 0;
	put(&b, (const uint8_t[]){ 0x02, 0x01, 0x03 }, 3); /* indirect-reference */
	put(&b, a.b, a.n);
	c.n = 0;
	tlv(&c, 0x28, 0, b.b, b.n);                       /* EXTERNAL */
	d.n = 0;
	put(&d, (const uint8_t[]){ 0x8a, 0x02, 0x07, 0x80 }, 4); /* sender-acse-requirements */
	put(&d, (const uint8_t[]){ 0x8b, 0x03, 0x52, 0x03, 0x01 }, 5); /* mechanism-name */
	put(&d, (const uint8_t[]){ 0xac, 0x08, 0x80, 0x06, 's', 'e', 'c', 'r', 'e', 't' }, 10);
	tlv(&d, 0xbe, 0, c.b, c.n);                       /* user-information */
	e.n = 0;
	tlv(&e, 0x60, 0, d.b, d.n);                       /* AARQ */
	/* PDV list with context 1 then presentation CP-type in session CONNECT */
	a.n = 0;
	put(&a, (const uint8_t[]){ 0x02, 0x01, 0x01 }, 3);
	tlv(&a, 0xa0, 0, e.b, e.n);
	b.n = 0;
	tlv(&b, 0x30, 0, a.b, a.n);
	c.n = 0;
	put(&c, (const uint8_t[]){ 0x81, 0x04, 0, 0, 0, 1 }, 6);
	tlv(&c, 0x61, 0, b.b, b.n);
	d.n = 0;
	put(&d, (const uint8_t[]){ 0xa0, 0x03, 0x80, 0x01, 0x01 }, 5);
	tlv(&d, 0xa2, 0, c.b, c.n);
	e.n = 0;
	tlv(&e, 0x31, 0, d.b, d.n);
	u.n = 0;
	put(&u, (const uint8_t[]){ 0x0d, (uint8_t)(e.n + 6), 0x14, 0x02, 0x00, 0x02, 0xc1,
	                           (uint8_t)e.n }, 8);
	put(&u, e.b, e.n);
	tpkt(&P, u.b, u.n, 1);
	dt_reset(&T);
	assert_int_equal(req(&P), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 0x108, "initiate_request");
	assert_int_equal(T.n_flags, 1);
	assert_true(has_flag(&T, OTS_FLAG_CLEARTEXT_CREDENTIAL, "acse_password"));
	assert_int_equal(D->probe(P.b, P.n, NULL), OTS_PROBE_SURE);
	assert_int_equal(dt_sweep(D, P.b, P.n, 0, 40000, 102, 1), P.n);
}

static void
error_pdu_paired(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, CAP(cap_write_req), 0, 45298, 102), OTS_OK);
	/* confirmed-ErrorPDU { invokeID [0] 0, serviceError [2] { errorClass [0] { access [7] 2 } } } */
	wrap(&P, BYTES(0xa2, 0x0a, 0x80, 0x01, 0x00, 0xa2, 0x05, 0xa0, 0x03, 0x87, 0x01, 0x02));
	assert_int_equal(rsp(&P), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[1], 1, OTS_OP_WRITE, 5, "write");
	check_inv(&T.ops[1], 0);
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 0x702);
	/* unpaired: reported as the error PDU itself */
	assert_int_equal(rsp(&P), OTS_OK);
	check_op(&T.ops[2], 1, OTS_OP_OTHER, 0x102, "confirmed_error");
	assert_int_equal(T.ops[2].exception, 0x702);
}

static void
reject_and_cancel(void **s)
{
	(void)s;
	dt_reset(&T);
	/* reject { originalInvokeID [0] 5, pdu-error [5] 1 } */
	wrap(&P, BYTES(0xa4, 0x06, 0x80, 0x01, 0x05, 0x85, 0x01, 0x01));
	assert_int_equal(rsp(&P), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x104, "reject");
	check_inv(&T.ops[0], 5);
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 0x501);
	/* cancel-RequestPDU [5] IMPLICIT invokeID 9 */
	wrap(&P, BYTES(0x85, 0x01, 0x09));
	assert_int_equal(req(&P), OTS_OK);
	check_op(&T.ops[1], 0, OTS_OP_OTHER, 0x105, "cancel_request");
	check_inv(&T.ops[1], 9);
	/* initiate-ErrorPDU: ServiceError { errorClass [0] { initiate [8] 1 } } */
	wrap(&P, BYTES(0xaa, 0x05, 0xa0, 0x03, 0x88, 0x01, 0x01));
	assert_int_equal(rsp(&P), OTS_OK);
	check_op(&T.ops[2], 1, OTS_OP_OTHER, 0x10a, "initiate_error");
	assert_int_equal(T.ops[2].exception, 0x801);
	assert_int_equal(T.n_flags, 0);
}

/* ------------------------------------------------------------------ malformed */

static void
malformed(void **s)
{
	const struct {
		const uint8_t *mms;
		size_t n;
		const char *why;
	} cases[] = {
		{ BYTES(0xa0, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00), "bad_mms_length" }, /* indefinite */
		{ BYTES(0xa0, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01), "bad_mms_length" }, /* 5 len octets */
		{ BYTES(0xa0, 0x03, 0x04, 0x01, 0x00), "bad_invoke_id" },
		{ BYTES(0xa0, 0x04, 0x02, 0x02, 0xff, 0xff), "bad_invoke_id" },      /* negative */
		{ BYTES(0xa0, 0x03, 0x02, 0x01, 0x00), "missing_service" },
		{ BYTES(0xa0, 0x05, 0x02, 0x01, 0x00, 0x04, 0x00), "missing_service" },
		{ BYTES(0xa0, 0x0a, 0x02, 0x01, 0x00, 0xbf, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00),
		  "bad_service" },                                                 /* tag too long */
		{ BYTES(0x8b, 0x01, 0x00), "bad_conclude" },
		{ BYTES(0xa3, 0x02, 0x30, 0x00), "bad_unconfirmed" },
		{ BYTES(0xa4, 0x03, 0x80, 0x01, 0x05), "bad_reject" },
		{ BYTES(0xa2, 0x03, 0x80, 0x01, 0x00), "bad_error_pdu" },
		{ BYTES(0x85, 0x00), "bad_cancel" },
		{ BYTES(0xa8, 0x00), "bad_initiate" },
	};
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dt_reset(&T);
		wrap(&P, cases[i].mms, cases[i].n);
		assert_int_equal(req(&P), OTS_EINVAL);
		assert_int_equal(T.n_ops, 0);
		assert_int_equal(T.n_flags, 1);
		assert_string_equal(T.flags[0].what, cases[i].why);
		assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
		assert_int_equal(T.flags[0].proto, OTS_PROTO_MMS);
	}
}

static void
malformed_lower_layers(void **s)
{
	static struct buf x;

	(void)s;
	/* TPKT version */
	memcpy(x.b, cap_read_req, sizeof(cap_read_req));
	x.n = sizeof(cap_read_req);
	x.b[0] = 4;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "bad_tpkt"));
	/* TPKT length shorter than the PDU */
	x.b[0] = 3;
	x.b[3] = 0x20;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "tpkt_length"));
	/* TPKT length beyond the PDU: truncated */
	x.b[3] = 0x30;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_ETRUNC);
	x.b[3] = 0x2a;
	/* COTP LI beyond the PDU, and zero */
	x.b[4] = 0x40;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "cotp_length"));
	x.b[4] = 0;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	/* COTP DT with LI 3 */
	x.b[4] = 3;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "cotp_dt_length"));
	x.b[4] = 2;
	/* unknown SPDU */
	x.b[7] = 0x33;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "bad_spdu"));
	/* DATA TRANSFER missing after GIVE TOKENS */
	x.b[7] = 0x01;
	x.b[9] = 0x02;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "bad_spdu"));
	x.b[9] = 0x01;
	/* presentation not fully-encoded-data */
	x.b[11] = 0x62;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "bad_presentation"));
	x.b[11] = 0x61;
	/* PDV-list not a SEQUENCE */
	x.b[13] = 0x31;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "bad_pdv_list"));
	x.b[13] = 0x30;
	/* back to the valid PDU */
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	/* CONNECT whose length runs past the PDU */
	memcpy(x.b, pic_connect, sizeof(pic_connect));
	x.n = sizeof(pic_connect);
	x.b[8] = 0xbf;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "spdu_length"));
	/* CONNECT user data that is not a presentation SET */
	x.b[8] = 0xb6;
	x.b[31] = 0x30;
	dt_reset(&T);
	assert_int_equal(req(&x), OTS_EINVAL);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "bad_presentation"));
}

/* ------------------------------------------------------------------ framing, segments */

static void
sweep_all(void **s)
{
	static const struct {
		const uint8_t *p;
		size_t n;
		int dir;
		size_t ops;
	} pdus[] = {
		{ CAP(pic_connect), 0, 1 },   { CAP(pic_accept), 1, 1 },   { CAP(pic_ident_req), 0, 1 },
		{ CAP(pic_ident_rsp), 1, 1 }, { CAP(pic_status_req), 0, 1 }, { CAP(cap_read_req), 0, 1 },
		{ CAP(cap_read_rsp), 1, 1 },  { CAP(cap_write_req), 0, 1 }, { CAP(cap_gnl_req), 0, 1 },
		{ CAP(cap_nosvc_rsp), 1, 1 }, { CAP(cap_conclude), 0, 1 },  { CAP(bare_initiate), 0, 1 },
		{ CAP(bare_gda), 0, 1 },      { CAP(bare_stop), 0, 1 },     { CAP(bare_start), 0, 1 },
		{ CAP(cotp_cr), 0, 0 },
	};
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++)
		assert_int_equal(dt_sweep(D, pdus[i].p, pdus[i].n, pdus[i].dir, 40000, 102, pdus[i].ops),
		                 pdus[i].n);
	/* the built PDUs of the tests above */
	wrap(&P, BYTES(0xa3, 0x0d, 0xa0, 0x0b, 0xa1, 0x05, 0x80, 0x03, 'r', 'p', 't', 0xa0, 0x02,
	               0x83, 0x00));
	assert_int_equal(dt_sweep(D, P.b, P.n, 1, 102, 40000, 1), P.n);
	wrap(&P, BYTES(0xa2, 0x0a, 0x80, 0x01, 0x00, 0xa2, 0x05, 0xa0, 0x03, 0x87, 0x01, 0x02));
	assert_int_equal(dt_sweep(D, P.b, P.n, 1, 102, 40000, 1), P.n);
	wrap(&P, BYTES(0xa4, 0x06, 0x80, 0x01, 0x05, 0x85, 0x01, 0x01));
	assert_int_equal(dt_sweep(D, P.b, P.n, 1, 102, 40000, 1), P.n);
	wrap(&P, BYTES(0x85, 0x01, 0x09));
	assert_int_equal(dt_sweep(D, P.b, P.n, 0, 40000, 102, 1), P.n);
	wrap(&P, BYTES(0xaa, 0x05, 0xa0, 0x03, 0x88, 0x01, 0x01));
	assert_int_equal(dt_sweep(D, P.b, P.n, 1, 102, 40000, 1), P.n);
	wrap(&P, BYTES(0xa0, 0x0b, 0x02, 0x02, 0x01, 0x2c, 0xbf, 0x48, 0x04, 0xa0, 0x02, 0x19, 0x00));
	assert_int_equal(dt_sweep(D, P.b, P.n, 0, 40000, 102, 1), P.n);
	wrap(&P, BYTES(0xa0, 0x08, 0x02, 0x01, 0x07, 0xbb, 0x03, 'd', 'o', 'm'));
	assert_int_equal(dt_sweep(D, P.b, P.n, 0, 40000, 102, 1), P.n);
	wrap(&P, BYTES(0xa0, 0x09, 0x02, 0x01, 0x08, 0xbf, 0x24, 0x03, 'd', 'o', 'm'));
	assert_int_equal(dt_sweep(D, P.b, P.n, 0, 40000, 102, 1), P.n);
	wrap(&P, BYTES(0xa1, 0x05, 0x02, 0x01, 0x00, 0xa5, 0x00));
	assert_int_equal(dt_sweep(D, P.b, P.n, 1, 102, 40000, 1), P.n);
}

/* Emulate the engine: frame a byte stream with pdu_len and parse each PDU. */
static size_t
stream(const uint8_t *s, size_t n, int dir)
{
	size_t off = 0, pdus = 0;

	while (off < n) {
		long l = D->pdu_len(s + off, n - off);

		if (l <= 0 || (size_t)l > n - off)
			break;
		assert_int_equal(dt_parse(&T, D, s + off, (size_t)l, dir, 40000, 102), OTS_OK);
		off += (size_t)l;
		pdus++;
	}
	return pdus;
}

static void
framing(void **s)
{
	static uint8_t cat[512];
	size_t n = 0;

	(void)s;
	memcpy(cat + n, cap_read_req, sizeof(cap_read_req));
	n += sizeof(cap_read_req);
	memcpy(cat + n, cap_write_req, sizeof(cap_write_req));
	n += sizeof(cap_write_req);
	memcpy(cat + n, bare_gda, sizeof(bare_gda));
	n += sizeof(bare_gda);
	/* several PDUs in one segment */
	dt_reset(&T);
	assert_int_equal(stream(cat, n, 0), 3);
	assert_int_equal(T.n_ops, 3);
	assert_int_equal(T.ops[0].function, 4);
	assert_int_equal(T.ops[1].function, 5);
	assert_int_equal(T.ops[2].function, 37);
	/* split across segments: pdu_len needs the 4-byte TPKT header, then the whole PDU */
	assert_int_equal(D->pdu_len(cat, 1), 0);
	assert_int_equal(D->pdu_len(cat, 3), 0);
	assert_int_equal(D->pdu_len(cat, 4), sizeof(cap_read_req));
	assert_int_equal(D->pdu_len(cat + sizeof(cap_read_req), 2), 0);
	assert_int_equal(D->pdu_len((const uint8_t[]){ 3, 1 }, 2), -1);
	assert_int_equal(D->pdu_len((const uint8_t[]){ 3, 0, 0, 6 }, 4), -1);
	assert_int_equal(D->pdu_len((const uint8_t[]){ 0x32 }, 1), -1);
}

/* Split user data u into COTP DT segments of at most seg bytes; parse each. */
static int
segments(const uint8_t *u, size_t n, size_t seg, int dir)
{
	static struct buf x;
	size_t off = 0;
	int rc = OTS_OK;

	while (off < n) {
		size_t k = n - off < seg ? n - off : seg;

		tpkt(&x, u + off, k, off + k == n);
		rc = dt_parse(&T, D, x.b, x.n, dir, 40000, 102);
		off += k;
		if (off < n)
			assert_int_equal(rc, OTS_OK);
	}
	return rc;
}

static void
segmented(void **s)
{
	static struct buf big, list, body, mms;
	size_t i;

	(void)s;
	/* identify response in 3 DT segments: one op, three facts */
	dt_reset(&T);
	assert_int_equal(segments(pic_ident_rsp + 7, sizeof(pic_ident_rsp) - 7, 20, 1), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 1, OTS_OP_IDENTITY, 2, "identify");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "S61850 for PC");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "0.0.1");
	/* a segmented read of 1000 variables (> the kept head): op from the head, no flag */
	list.n = 0;
	for (i = 0; i < 1000; i++)
		put(&list, (const uint8_t[]){ 0x30, 0x06, 0xa0, 0x04, 0x80, 0x02, 0x6d, 0x75 }, 8);
	body.n = 0;
	tlv(&body, 0xa0, 0, list.b, list.n);
	big.n = 0;
	tlv(&big, 0xa1, 0, body.b, body.n);
	body.n = 0;
	put(&body, (const uint8_t[]){ 0x02, 0x01, 0x2a }, 3);
	tlv(&body, 0xa4, 0, big.b, big.n);
	mms.n = 0;
	tlv(&mms, 0xa0, 0, body.b, body.n);
	wrap(&big, mms.b, mms.n);
	dt_reset(&T);
	assert_int_equal(segments(big.b + 7, big.n - 7, 1000, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_READ, 4, "read");
	check_inv(&T.ops[0], 42);
	assert_int_equal(T.ops[0].has_addr, 1);
	assert_true(T.ops[0].addr_count > 100 && T.ops[0].addr_count < 1000);
	assert_int_equal(T.n_flags, 0);
	/* over 64 KiB of segments: flagged, dropped, and the next PDU parses again */
	dt_reset(&T);
	memset(big.b, 0x5a, 2000);
	for (i = 0; i < 40; i++) {
		tpkt(&P, big.b, 2000, 0);
		assert_int_equal(req(&P), OTS_OK);
	}
	tpkt(&P, big.b, 10, 1);
	assert_int_equal(req(&P), OTS_EINVAL);
	assert_int_equal(T.n_ops, 0);
	assert_true(has_flag(&T, OTS_FLAG_MALFORMED, "segmented_pdu_too_long"));
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(dt_parse(&T, D, CAP(cap_read_req), 0, 40000, 102), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	/* a gap drops a half-collected PDU */
	dt_reset(&T);
	tpkt(&P, pic_ident_rsp + 7, 20, 0);
	assert_int_equal(rsp(&P), OTS_OK);
	D->gap(T.state, 1);
	assert_int_equal(dt_parse(&T, D, CAP(pic_ident_rsp), 1, 102, 40000), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_facts, 3);
}

static void
flood(void **s)
{
	static struct buf list, body, inner, mms;
	size_t i;

	(void)s;
	/* one read request naming 5000 variables: counted, bounded */
	list.n = 0;
	for (i = 0; i < 5000; i++)
		put(&list, (const uint8_t[]){ 0x30, 0x06, 0xa0, 0x04, 0x80, 0x02, 0x6d, 0x75 }, 8);
	body.n = 0;
	tlv(&body, 0xa0, 0, list.b, list.n);
	inner.n = 0;
	tlv(&inner, 0xa1, 0, body.b, body.n);
	body.n = 0;
	put(&body, (const uint8_t[]){ 0x02, 0x01, 0x01 }, 3);
	tlv(&body, 0xa4, 0, inner.b, inner.n);
	mms.n = 0;
	tlv(&mms, 0xa0, 0, body.b, body.n);
	wrap(&P, mms.b, mms.n);
	assert_true(P.n > 40000 && P.n < 65536);
	dt_reset(&T);
	assert_int_equal(req(&P), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].addr_count, 5000);
	/* thousands of requests without answers: the pairing ring stays bounded */
	dt_reset(&T);
	for (i = 0; i < 3000; i++) {
		uint8_t pdu[] = { 0xa0, 0x06, 0x02, 0x02, (uint8_t)(i >> 8), (uint8_t)i, 0x82, 0x00 };

		wrap(&P, pdu, 8);
		T.n_ops = 0;
		assert_int_equal(req(&P), OTS_OK);
		assert_int_equal(T.n_ops, 1);
	}
	/* the last request still pairs */
	wrap(&P, BYTES(0xa1, 0x06, 0x02, 0x02, 0x0b, 0xb7, 0x82, 0x00));
	T.n_ops = 0;
	assert_int_equal(rsp(&P), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_IDENTITY, 2, "identify");
	check_inv(&T.ops[0], 2999);
}

/* ------------------------------------------------------------------ probe */

static void
probe(void **s)
{
	struct ots_dissect_pkt odd = { 0, 40000, 1234, 0 };
	static const uint8_t s7[] = { 0x03, 0x00, 0x00, 0x1f, 0x02, 0xf0, 0x80, 0x32, 0x01, 0x00,
	                              0x00, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x00, 0x04, 0x01, 0x12,
	                              0x0a, 0x10, 0x02, 0x00, 0x01, 0x00, 0x01, 0x84, 0x00, 0x00,
	                              0x00 };
	static const uint8_t s7p[] = { 0x03, 0x00, 0x00, 0x0c, 0x02, 0xf0, 0x80, 0x72, 0x01, 0x00,
	                               0x00, 0x31 };
	size_t i, j;

	(void)s;
	/* recognised on a non-standard port */
	assert_int_equal(D->probe(CAP(pic_ident_req), &odd), OTS_PROBE_SURE);
	assert_int_equal(D->probe(CAP(pic_connect), &odd), OTS_PROBE_SURE);
	assert_int_equal(D->probe(CAP(pic_accept), &odd), OTS_PROBE_SURE);
	assert_int_equal(D->probe(CAP(bare_initiate), &odd), OTS_PROBE_SURE);
	assert_int_equal(D->probe(CAP(bare_stop), &odd), OTS_PROBE_SURE);
	assert_int_equal(D->probe(CAP(cap_conclude), &odd), OTS_PROBE_SURE);
	/* the head of a segmented connect */
	assert_int_equal(D->probe(pic_connect, 60, &odd), OTS_PROBE_NO);
	/* COTP connection setup: no verdict */
	assert_int_equal(D->probe(CAP(cotp_cr), &odd), OTS_PROBE_DEFER);
	/* S7comm and S7comm-plus payloads are not MMS */
	assert_int_equal(D->probe(CAP(s7), &odd), OTS_PROBE_NO);
	assert_int_equal(D->probe(CAP(s7p), &odd), OTS_PROBE_NO);
	/* random bytes on port 102 (and random bytes behind a valid TPKT/COTP DT head) */
	srand(61850);
	for (i = 0; i < 1000; i++) {
		struct ots_dissect_pkt wk = { 0, 40000, 102, 0 };
		uint8_t r[64];
		size_t n = 1 + (size_t)rand() % sizeof(r);

		for (j = 0; j < n; j++)
			r[j] = (uint8_t)rand();
		assert_true(D->probe(r, n, &wk) < OTS_PROBE_MAYBE);
		if (n > 8) {
			r[0] = 3;
			r[1] = 0;
			r[2] = 0;
			r[3] = (uint8_t)n;
			r[4] = 2;
			r[5] = 0xf0;
			r[6] = 0x80;
			assert_true(D->probe(r, n, &wk) < OTS_PROBE_SURE);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registered),
		cmocka_unit_test(connect_initiate),
		cmocka_unit_test(identity_identify),
		cmocka_unit_test(diagnostic_status),
		cmocka_unit_test(read_pair),
		cmocka_unit_test(write_req),
		cmocka_unit_test(discovery_get_name_list),
		cmocka_unit_test(bare_mms_mode_change),
		cmocka_unit_test(bare_read_domain),
		cmocka_unit_test(program_download),
		cmocka_unit_test(file_open),
		cmocka_unit_test(event_information_report),
		cmocka_unit_test(auth_aarq_password),
		cmocka_unit_test(error_pdu_paired),
		cmocka_unit_test(reject_and_cancel),
		cmocka_unit_test(malformed),
		cmocka_unit_test(malformed_lower_layers),
		cmocka_unit_test(sweep_all),
		cmocka_unit_test(framing),
		cmocka_unit_test(segmented),
		cmocka_unit_test(flood),
		cmocka_unit_test(probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
