/* SPDX-License-Identifier: BSD-3-Clause */
/* test-hartip.c: unit tests of the HART-IP dissector (protocols/hartip.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_hartip;
#define D (&ots_dissector_hartip)

struct msg {
	uint8_t b[9000];
	size_t n;
};

static struct msg
raw(const uint8_t *b, size_t n)
{
	struct msg m;

	memcpy(m.b, b, n);
	m.n = n;
	return m;
}

#define RAW(...) \
	raw((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* HART-IP v1 header + token-passing frame with the check byte computed. */
static struct msg
pt(uint8_t type, uint16_t seq, uint8_t delim, const uint8_t *addr, size_t alen, uint8_t cmd,
   const uint8_t *data, uint8_t dlen)
{
	struct msg m;
	size_t i, n = 8;
	uint8_t x = 0;

	m.b[0] = 1;
	m.b[1] = type;
	m.b[2] = 3;
	m.b[3] = 0;
	m.b[4] = (uint8_t)(seq >> 8);
	m.b[5] = (uint8_t)seq;
	m.b[n++] = delim;
	memcpy(m.b + n, addr, alen);
	n += alen;
	m.b[n++] = cmd;
	m.b[n++] = dlen;
	if (dlen)
		memcpy(m.b + n, data, dlen);
	n += dlen;
	for (i = 8; i < n; i++)
		x ^= m.b[i];
	m.b[n++] = x;
	m.b[6] = (uint8_t)(n >> 8);
	m.b[7] = (uint8_t)n;
	m.n = n;
	return m;
}

static const uint8_t LONG[] = { 0x26, 0x4e, 0x00, 0x00, 0xd2 };
static const uint8_t SHORT[] = { 0x02 };
#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define REQ(cmd, ...) pt(0, 7, 0x82, LONG, 5, cmd, BYTES(__VA_ARGS__))
#define REQ0(cmd) pt(0, 7, 0x82, LONG, 5, cmd, NULL, 0)
#define RSP(cmd, ...) pt(1, 7, 0x86, LONG, 5, cmd, BYTES(__VA_ARGS__))

/* Real messages (icsnpp HART-IP captures). */
static const uint8_t init_req[] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0d, 0x01,
                                    0x00, 0x00, 0x75, 0x30 };
static const uint8_t init_rsp[] = { 0x01, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0d, 0x01,
                                    0x00, 0x00, 0xea, 0x60 };
static const uint8_t cmd0_req[] = { 0x01, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x11, 0x82,
                                    0x26, 0x4e, 0x00, 0x00, 0xd2, 0x00, 0x00, 0x38 };
static const uint8_t cmd0_rsp[] = {
	0x01, 0x01, 0x03, 0x00, 0x00, 0x03, 0x00, 0x29, 0x86, 0x26, 0x4e, 0x00, 0x00, 0xd2,
	0x00, 0x18, 0x00, 0xd0, 0xfe, 0x26, 0x4e, 0x05, 0x07, 0x04, 0x01, 0x0e, 0x0c, 0x00,
	0x00, 0xd2, 0x05, 0x02, 0x00, 0x02, 0xd0, 0x00, 0x26, 0x00, 0x26, 0x84, 0xe4,
};
static const uint8_t cmd0_short_req[] = { 0x01, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x0d,
                                          0x02, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t cmd20_rsp[] = {
	0x01, 0x01, 0x03, 0x00, 0x00, 0x0a, 0x00, 0x33, 0x86, 0x26, 0x4e, 0x00, 0x00, 0xd2,
	0x14, 0x22, 0x00, 0xd0, 0x77, 0x69, 0x68, 0x61, 0x72, 0x74, 0x67, 0x77, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xdb,
};
static const uint8_t comm_err_rsp[] = { 0x01, 0x01, 0x03, 0x00, 0x00, 0x03, 0x00, 0x13,
                                        0x86, 0xa6, 0x95, 0xeb, 0x27, 0xb8, 0x36, 0x02,
                                        0x84, 0x00, 0x71 };
static const uint8_t direct_req[] = { 0x01, 0x00, 0x04, 0x00, 0x00, 0x04, 0x00, 0x0e,
                                      0x00, 0x00, 0x00, 0x36, 0x01, 0x00 };
static const uint8_t direct_rsp[] = {
	0x01, 0x01, 0x04, 0x00, 0x00, 0x04, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x36, 0x1d, 0x00,
	0x00, 0x65, 0x43, 0x21, 0x4b, 0x46, 0xbb, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4e,
	0xff, 0x40, 0x00, 0x43, 0x48, 0x00, 0x00, 0x00, 0xfa, 0x00, 0x00, 0x0c, 0x80, 0x00,
};
static const uint8_t audit_req[] = { 0x01, 0x00, 0x05, 0x00, 0x00, 0x05, 0x00, 0x0a, 0x00,
                                     0xff };
static const uint8_t keepalive[] = { 0x01, 0x00, 0x02, 0x00, 0x00, 0x0c, 0x00, 0x08 };
static const uint8_t close_rsp[] = { 0x01, 0x01, 0x01, 0x00, 0x00, 0x0d, 0x00, 0x08 };

static struct dt T;

static int
put(const struct msg *m)
{
	dt_reset(&T);
	return dt_parse(&T, D, m->b, m->n, 0, 40000, 5094);
}

static void
check(size_t i, uint8_t cls, int rsp, uint32_t fc, const char *name)
{
	assert_true(T.n_ops > i);
	assert_int_equal(T.ops[i].proto, OTS_PROTO_HARTIP);
	assert_int_equal(T.ops[i].op_class, cls);
	assert_int_equal(T.ops[i].is_response, rsp);
	assert_int_equal(T.ops[i].function, fc);
	assert_string_equal(T.ops[i].function_name, name);
}

static void
check_unit(uint32_t unit, uint32_t seq)
{
	assert_int_equal(T.ops[0].has_unit, 1);
	assert_int_equal(T.ops[0].unit, unit);
	assert_int_equal(T.ops[0].has_transaction, 1);
	assert_int_equal(T.ops[0].transaction, seq);
}

static void
check_bad(int rc, int want, const char *why)
{
	size_t i;

	assert_int_equal(rc, want);
	for (i = 0; i < T.n_flags; i++)
		if (T.flags[i].flag == OTS_FLAG_MALFORMED) {
			assert_int_equal(T.flags[i].proto, OTS_PROTO_HARTIP);
			assert_string_equal(T.flags[i].what, why);
			return;
		}
	fail_msg("no malformed flag, wanted %s", why);
}

static void
ok_one(const struct msg *m)
{
	assert_int_equal(put(m), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_flags, 0);
}

static void
test_read(void **s)
{
	struct msg a = REQ0(1), b = RSP(3, 0x00, 0xd0, 0x40, 0x90, 0x00, 0x00),
	           c = REQ0(48), d = REQ(9, 0, 1, 2, 3);

	(void)s;
	ok_one(&a);
	check(0, OTS_OP_READ, 0, 1, "read_primary_variable");
	check_unit(0xd2, 7);
	assert_int_equal(T.ops[0].has_exception, 0);
	ok_one(&b);
	check(0, OTS_OP_READ, 1, 3, "read_dynamic_variables_and_loop_current");
	ok_one(&c);
	check(0, OTS_OP_READ, 0, 48, "read_additional_device_status");
	ok_one(&d);
	check(0, OTS_OP_READ, 0, 9, "read_device_variables_with_status");
}

static void
test_write(void **s)
{
	struct msg a = REQ(6, 2, 0), b = REQ(17, 0x41, 0x4b, 0x71),
	           c = REQ(18, 0x41, 0x4b, 0x71, 0xc3, 0x18, 0x20), d = REQ(22, 'a', 'b'),
	           e = REQ(35, 0x27, 0, 0, 0, 0, 0, 0, 0, 0), f = REQ(19, 0, 0, 1),
	           g = RSP(6, 0x07, 0x00, 2, 0); /* response code 7: write protected */

	(void)s;
	ok_one(&a);
	check(0, OTS_OP_WRITE, 0, 6, "write_polling_address");
	ok_one(&b);
	check(0, OTS_OP_WRITE, 0, 17, "write_message");
	ok_one(&c);
	check(0, OTS_OP_WRITE, 0, 18, "write_tag_descriptor_date");
	assert_int_equal(T.n_facts, 0); /* a request does not describe its sender */
	ok_one(&d);
	check(0, OTS_OP_WRITE, 0, 22, "write_long_tag");
	ok_one(&e);
	check(0, OTS_OP_WRITE, 0, 35, "write_primary_variable_range_values");
	ok_one(&f);
	check(0, OTS_OP_WRITE, 0, 19, "write_final_assembly_number");
	ok_one(&g);
	check(0, OTS_OP_WRITE, 1, 6, "write_polling_address");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 7);
}

static void
test_other_classes(void **s)
{
	struct msg a = REQ0(38), b = REQ(40, 0x40, 0x80, 0, 0), c = REQ0(41), d = REQ0(42),
	           e = REQ(11, 0x41, 0x4b, 0x71, 0xc3, 0x18, 0x20), f = REQ0(21),
	           g = REQ(89, 0, 1, 2, 3, 4, 5, 6, 7, 8), h = REQ(71, 1), i = REQ0(130),
	           j = REQ(31, 0x04, 0x00), k = REQ0(31), l = REQ0(25);

	(void)s;
	ok_one(&a);
	check(0, OTS_OP_OTHER, 0, 38, "reset_configuration_changed_flag");
	ok_one(&b);
	check(0, OTS_OP_DIAGNOSTIC, 0, 40, "enter_exit_fixed_current_mode");
	ok_one(&c);
	check(0, OTS_OP_DIAGNOSTIC, 0, 41, "perform_self_test");
	ok_one(&d);
	check(0, OTS_OP_RESTART, 0, 42, "perform_device_reset");
	ok_one(&e);
	check(0, OTS_OP_DISCOVERY, 0, 11, "read_unique_identifier_with_tag");
	ok_one(&f);
	check(0, OTS_OP_DISCOVERY, 0, 21, "read_unique_identifier_with_long_tag");
	ok_one(&g);
	check(0, OTS_OP_TIME_SYNC, 0, 89, "set_real_time_clock");
	ok_one(&h);
	check(0, OTS_OP_MODE_CHANGE, 0, 71, "lock_device");
	ok_one(&i);
	check(0, OTS_OP_OTHER, 0, 130, "device_specific");
	/* command 31: the 16-bit command number follows */
	ok_one(&j);
	check(0, OTS_OP_OTHER, 0, 0x400, "unknown");
	ok_one(&k);
	check(0, OTS_OP_OTHER, 0, 31, "unknown");
	ok_one(&l);
	check(0, OTS_OP_OTHER, 0, 25, "unknown");
}

static void
test_messages(void **s)
{
	struct msg a = raw(init_req, sizeof(init_req)), b = raw(init_rsp, sizeof(init_rsp)),
	           c = raw(keepalive, sizeof(keepalive)), d = raw(close_rsp, sizeof(close_rsp)),
	           e = raw(audit_req, sizeof(audit_req));
	struct msg nak = RAW(0x01, 0x0f, 0x03, 0x05, 0x00, 0x09, 0x00, 0x08);
	struct msg bad_init = RAW(0x01, 0x01, 0x00, 0x0e, 0x00, 0x02, 0x00, 0x08);
	struct msg v2 = RAW(0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0d, 0x01, 0x00, 0x00,
	                    0x75, 0x30);

	(void)s;
	assert_int_equal(put(&a), OTS_OK);
	check(0, OTS_OP_OTHER, 0, 0x10000, "session_initiate");
	assert_int_equal(T.ops[0].transaction, 2);
	assert_int_equal(T.ops[0].has_unit, 0);
	/* HART-IP v1 has no security: flagged once, on the request */
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_NO_SECURITY);
	assert_string_equal(T.flags[0].what, "session_without_security");
	ok_one(&b);
	check(0, OTS_OP_OTHER, 1, 0x10000, "session_initiate");
	assert_int_equal(put(&v2), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	ok_one(&c);
	check(0, OTS_OP_OTHER, 0, 0x10002, "keep_alive");
	assert_int_equal(T.ops[0].transaction, 12);
	ok_one(&d);
	check(0, OTS_OP_OTHER, 1, 0x10001, "session_close");
	ok_one(&e);
	check(0, OTS_OP_READ, 0, 0x10005, "read_audit_log");
	/* NAK of a pass-through: exception = header status */
	ok_one(&nak);
	check(0, OTS_OP_OTHER, 1, 0x10003, "token_passing_pdu");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 5);
	/* session refused: status 14, no body */
	ok_one(&bad_init);
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 14);
}

static void
test_publish_and_errors(void **s)
{
	struct msg pub = pt(2, 9, 0x81, LONG, 5, 1, BYTES(0x00, 0x10, 0x20, 0x41, 0x20, 0, 0));
	struct msg ce = raw(comm_err_rsp, sizeof(comm_err_rsp));
	struct msg warn = RSP(35, 0x08, 0x00, 0x27);
	struct msg busy = RSP(42, 0x20, 0x00);

	(void)s;
	ok_one(&pub);
	check(0, OTS_OP_EVENT, 1, 1, "read_primary_variable");
	assert_int_equal(T.ops[0].transaction, 9);
	ok_one(&ce);
	check(0, OTS_OP_READ, 1, 54, "read_device_variable_information");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 0x84);
	check_unit(0xeb27b8, 3);
	ok_one(&warn);
	assert_int_equal(T.ops[0].has_exception, 0); /* 8 is a warning */
	ok_one(&busy);
	check(0, OTS_OP_RESTART, 1, 42, "perform_device_reset");
	assert_int_equal(T.ops[0].exception, 0x20);
}

static void
test_identity(void **s)
{
	struct msg a = raw(cmd0_rsp, sizeof(cmd0_rsp)), b = raw(cmd20_rsp, sizeof(cmd20_rsp));
	struct msg q = raw(cmd0_req, sizeof(cmd0_req)), sq = raw(cmd0_short_req,
	                                                         sizeof(cmd0_short_req));
	/* command 13: tag "PT-101", descriptor "PRESSURE XMTR", date */
	struct msg t = RSP(13, 0x00, 0x00, 0x41, 0x4b, 0x71, 0xc3, 0x18, 0x20, 0x41, 0x21, 0x53,
	                   0x4d, 0x54, 0x85, 0x81, 0x83, 0x54, 0x4a, 0x08, 0x20, 1, 2, 100);
	/* HART 5 identity block: manufacturer in byte 1, device type in byte 2 */
	struct msg h5 = pt(1, 4, 0x06, SHORT, 1, 0, BYTES(0x00, 0x00, 0xfe, 0x11, 0x45, 5, 5, 1,
	                                                  2, 0x08, 0, 0x01, 0x02, 0x03));
	/* an error response carries no identity */
	struct msg er = pt(1, 4, 0x06, SHORT, 1, 0, BYTES(0x40, 0x00));

	(void)s;
	ok_one(&q);
	check(0, OTS_OP_IDENTITY, 0, 0, "read_unique_identifier");
	check_unit(0xd2, 3);
	assert_int_equal(T.n_facts, 0);
	ok_one(&sq);
	check_unit(0, 3);
	ok_one(&a);
	check(0, OTS_OP_IDENTITY, 1, 0, "read_unique_identifier");
	assert_int_equal(T.n_facts, 8);
	assert_string_equal(dt_fact(&T, OTS_FACT_DEVICE_TYPE), "0x264e");
	assert_string_equal(dt_fact(&T, OTS_FACT_SERIAL), "0000d2");
	assert_string_equal(dt_fact(&T, OTS_FACT_SW_VERSION), "4");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "1");
	assert_string_equal(dt_fact(&T, OTS_FACT_HW_REVISION), "1");
	assert_string_equal(dt_fact(&T, OTS_FACT_PLATFORM), "HART 7");
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR_ID), "38");
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "Rosemount");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_string_equal(T.facts[0].source, "Cmd0");
	ok_one(&b);
	check(0, OTS_OP_IDENTITY, 1, 20, "read_long_tag");
	assert_int_equal(T.n_facts, 1);
	assert_string_equal(dt_fact(&T, OTS_FACT_NAME), "wihartgw");
	assert_string_equal(T.facts[0].source, "Cmd20");
	ok_one(&t);
	assert_int_equal(T.n_facts, 2);
	assert_string_equal(dt_fact(&T, OTS_FACT_NAME), "PT-101");
	assert_string_equal(dt_fact(&T, OTS_FACT_DESCRIPTION), "PRESSURE XMTR");
	ok_one(&h5);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR_ID), "17");
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "Endress+Hauser");
	assert_string_equal(dt_fact(&T, OTS_FACT_DEVICE_TYPE), "0x1145");
	assert_string_equal(dt_fact(&T, OTS_FACT_SERIAL), "010203");
	assert_string_equal(dt_fact(&T, OTS_FACT_PLATFORM), "HART 5");
	assert_int_equal(T.ops[0].unit, 2);
	ok_one(&er);
	assert_int_equal(T.ops[0].exception, 0x40);
	assert_int_equal(T.n_facts, 0);
}

static void
test_direct(void **s)
{
	struct msg a = raw(direct_req, sizeof(direct_req)), b = raw(direct_rsp, sizeof(direct_rsp));
	struct msg two = RAW(0x02, 0x00, 0x04, 0x00, 0x00, 0x08, 0x00, 0x11, 0x00, 0x00, 0x00,
	                     0x00, 0x00, 0x00, 0x30, 0x01, 0x05);
	struct msg err = RAW(0x02, 0x01, 0x04, 0x00, 0x00, 0x08, 0x00, 0x0e, 0x00, 0x00, 0x00,
	                     0x2a, 0x01, 0x10);
	struct msg empty = RAW(0x02, 0x00, 0x04, 0x00, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x00);

	(void)s;
	ok_one(&a);
	check(0, OTS_OP_READ, 0, 54, "read_device_variable_information");
	assert_int_equal(T.ops[0].has_unit, 0);
	assert_int_equal(T.ops[0].transaction, 4);
	ok_one(&b);
	check(0, OTS_OP_READ, 1, 54, "read_device_variable_information");
	assert_int_equal(put(&two), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check(0, OTS_OP_IDENTITY, 0, 0, "read_unique_identifier");
	check(1, OTS_OP_READ, 0, 48, "read_additional_device_status");
	ok_one(&err);
	check(0, OTS_OP_RESTART, 1, 42, "perform_device_reset");
	assert_int_equal(T.ops[0].exception, 0x10);
	ok_one(&empty);
	check(0, OTS_OP_OTHER, 0, 0x10004, "direct_pdu");
}

static void
test_malformed(void **s)
{
	struct msg m;
	static const uint8_t bad_ver[] = { 0x05, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00, 0x08 };
	static const uint8_t bad_type[] = { 0x01, 0x07, 0x02, 0x00, 0x00, 0x01, 0x00, 0x08 };
	static const uint8_t bad_bc[] = { 0x01, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00, 0x04 };
	static const uint8_t bad_id[] = { 0x01, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x08 };
	static const uint8_t short_init[] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0a,
	                                      0x01, 0x00 };
	static const uint8_t empty_pdu[] = { 0x01, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00, 0x08 };

	(void)s;
	m = raw(bad_ver, sizeof(bad_ver));
	check_bad(put(&m), OTS_EINVAL, "bad_version");
	assert_int_equal(T.n_ops, 0);
	m = raw(bad_type, sizeof(bad_type));
	check_bad(put(&m), OTS_EINVAL, "bad_message_type");
	m = raw(bad_bc, sizeof(bad_bc));
	check_bad(put(&m), OTS_EINVAL, "bad_byte_count");
	m = raw(bad_id, sizeof(bad_id));
	check_bad(put(&m), OTS_EINVAL, "unknown_message_id");
	check(0, OTS_OP_OTHER, 0, 0x10009, "unknown");
	m = raw(short_init, sizeof(short_init));
	check_bad(put(&m), OTS_EINVAL, "short_session_initiate");
	m = raw(empty_pdu, sizeof(empty_pdu));
	check_bad(put(&m), OTS_EINVAL, "empty_pdu");
	m = raw(keepalive, sizeof(keepalive));
	m.b[m.n++] = 0;
	check_bad(put(&m), OTS_EINVAL, "length_mismatch");
	m = raw(keepalive, sizeof(keepalive));
	m.b[7] = 0x09;
	check_bad(put(&m), OTS_ETRUNC, "short_message");
	m = raw(keepalive, sizeof(keepalive));
	m.n = 5;
	check_bad(put(&m), OTS_ETRUNC, "short_header");
	/* token-passing frame violations */
	m = REQ(1, 1, 2, 3);
	m.b[m.n - 1] ^= 0x55;
	check_bad(put(&m), OTS_EINVAL, "bad_check_byte");
	assert_int_equal(T.n_ops, 1);
	m = REQ(1, 1, 2, 3);
	m.n--;
	m.b[7]--;
	check_bad(put(&m), OTS_EINVAL, "no_check_byte");
	m = REQ(1, 1, 2, 3);
	m.b[m.n++] = 0;
	m.b[7]++;
	check_bad(put(&m), OTS_EINVAL, "trailing_bytes");
	m = REQ(1, 1, 2, 3);
	m.b[15] = 0x40; /* byte count beyond the message */
	check_bad(put(&m), OTS_EINVAL, "bad_byte_count");
	m = pt(0, 1, 0x84, LONG, 5, 1, NULL, 0); /* frame type 4 */
	check_bad(put(&m), OTS_EINVAL, "bad_frame_type");
	m = pt(1, 1, 0x86, LONG, 5, 1, BYTES(0x00)); /* ACK with one status byte */
	check_bad(put(&m), OTS_EINVAL, "short_response");
	m = RAW(0x01, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x82, 0x26, 0x4e);
	check_bad(put(&m), OTS_EINVAL, "short_pdu");
	check(0, OTS_OP_OTHER, 0, 0x10003, "token_passing_pdu");
	m = RAW(0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x09, 0x00);
	check_bad(put(&m), OTS_EINVAL, "short_direct_pdu");
	m = RAW(0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01);
	check_bad(put(&m), OTS_EINVAL, "short_direct_command");
	m = RAW(0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x01, 0x09, 0);
	check_bad(put(&m), OTS_EINVAL, "bad_byte_count");
}

static void
sweep(const struct msg *m)
{
	assert_int_equal(dt_sweep(D, m->b, m->n, 0, 40000, 5094, 2), m->n);
	assert_int_equal(dt_sweep(D, m->b, m->n, 1, 5094, 40000, 2), m->n);
}

static void
test_sweep(void **s)
{
	static struct msg ms[40];
	size_t n = 0, i;

	(void)s;
	ms[n++] = raw(init_req, sizeof(init_req));
	ms[n++] = raw(init_rsp, sizeof(init_rsp));
	ms[n++] = raw(cmd0_req, sizeof(cmd0_req));
	ms[n++] = raw(cmd0_rsp, sizeof(cmd0_rsp));
	ms[n++] = raw(cmd0_short_req, sizeof(cmd0_short_req));
	ms[n++] = raw(cmd20_rsp, sizeof(cmd20_rsp));
	ms[n++] = raw(comm_err_rsp, sizeof(comm_err_rsp));
	ms[n++] = raw(direct_req, sizeof(direct_req));
	ms[n++] = raw(direct_rsp, sizeof(direct_rsp));
	ms[n++] = raw(audit_req, sizeof(audit_req));
	ms[n++] = raw(keepalive, sizeof(keepalive));
	ms[n++] = raw(close_rsp, sizeof(close_rsp));
	ms[n++] = REQ0(1);
	ms[n++] = RSP(3, 0x00, 0xd0, 0x40, 0x90, 0x00, 0x00);
	ms[n++] = REQ(6, 2, 0);
	ms[n++] = REQ(18, 0x41, 0x4b, 0x71, 0xc3, 0x18, 0x20);
	ms[n++] = RSP(6, 0x07, 0x00, 2, 0);
	ms[n++] = REQ(31, 0x04, 0x00);
	ms[n++] = REQ0(31);
	ms[n++] = pt(2, 9, 0x81, LONG, 5, 1, BYTES(0x00, 0x10, 0x20, 0x41, 0x20, 0, 0));
	ms[n++] = RSP(13, 0x00, 0x00, 0x41, 0x4b, 0x71, 0xc3, 0x18, 0x20, 0x41, 0x21, 0x53, 0x4d,
	              0x54, 0x85, 0x81, 0x83, 0x54, 0x4a, 0x08, 0x20, 1, 2, 100);
	ms[n++] = pt(1, 4, 0x06, SHORT, 1, 0, BYTES(0x00, 0x00, 0xfe, 0x11, 0x45, 5, 5, 1, 2, 0x08,
	                                          0, 0x01, 0x02, 0x03));
	ms[n++] = RAW(0x02, 0x00, 0x04, 0x00, 0x00, 0x08, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00,
	              0x00, 0x30, 0x01, 0x05);
	ms[n++] = RAW(0x01, 0x0f, 0x03, 0x05, 0x00, 0x09, 0x00, 0x08);
	ms[n++] = RAW(0x01, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00, 0x0b, 0x82, 0x26, 0x4e);
	ms[n++] = RAW(0x01, 0x00, 0x09, 0x00, 0x00, 0x01, 0x00, 0x08);
	ms[n++] = pt(0, 1, 0x84, LONG, 5, 1, NULL, 0);
	for (i = 0; i < n; i++)
		sweep(&ms[i]);
}

/* Engine emulation for TCP: append segments, frame with pdu_len, parse whole messages. */
struct eng {
	uint8_t buf[512];
	size_t n, units, ok;
};

static void
feed(struct eng *e, const uint8_t *seg, size_t len)
{
	memcpy(e->buf + e->n, seg, len);
	e->n += len;
	for (;;) {
		long l = D->pdu_len(e->buf, e->n);

		assert_true(l >= 0);
		if (l == 0 || (size_t)l > e->n)
			return;
		e->units++;
		if (dt_parse(&T, D, e->buf, (size_t)l, 0, 40000, 5094) == OTS_OK)
			e->ok++;
		memmove(e->buf, e->buf + l, e->n - (size_t)l);
		e->n -= (size_t)l;
	}
}

static void
test_framing(void **s)
{
	uint8_t stream[256];
	size_t n = 0, k;
	static struct eng e;

	(void)s;
	memcpy(stream + n, cmd0_req, sizeof(cmd0_req));
	n += sizeof(cmd0_req);
	memcpy(stream + n, keepalive, sizeof(keepalive));
	n += sizeof(keepalive);
	memcpy(stream + n, cmd20_rsp, sizeof(cmd20_rsp));
	n += sizeof(cmd20_rsp);
	dt_reset(&T);
	memset(&e, 0, sizeof(e));
	feed(&e, stream, n);
	assert_int_equal(e.units, 3);
	assert_int_equal(e.ok, 3);
	assert_int_equal(T.ops[0].function, 0);
	assert_int_equal(T.ops[1].function, 0x10002);
	assert_int_equal(T.ops[2].function, 20);
	for (k = 1; k < n; k++) {
		dt_reset(&T);
		memset(&e, 0, sizeof(e));
		feed(&e, stream, k);
		feed(&e, stream + k, n - k);
		assert_int_equal(e.ok, 3);
		assert_int_equal(T.n_ops, 3);
		assert_int_equal(e.n, 0);
	}
	for (k = 0; k < 8; k++)
		assert_int_equal(D->pdu_len(cmd0_req, k), 0);
	for (k = 8; k <= sizeof(cmd0_req); k++)
		assert_int_equal(D->pdu_len(cmd0_req, k), (long)sizeof(cmd0_req));
	/* desynchronised: not a HART-IP header */
	stream[0] = 9;
	assert_true(D->pdu_len(stream, n) < 0);
	stream[0] = 1;
	stream[7] = 3;
	assert_true(D->pdu_len(stream, n) < 0);
}

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
	static struct msg m;
	static uint8_t stream[5000 * 8];
	struct ots_dissect_out out = { count_op, NULL, NULL, NULL };
	struct ots_dissect_pkt pkt = { 0, 40000, 5094, 0 };
	size_t i, off = 0, units = 0;

	(void)s;
	/* one direct PDU of 8191 bytes: 2727 zero-length commands */
	m.b[0] = 2;
	m.b[1] = 0;
	m.b[2] = 4;
	m.b[3] = 0;
	m.b[4] = 0;
	m.b[5] = 1;
	m.b[6] = 0x1f;
	m.b[7] = 0xff;
	memset(m.b + 8, 0, 8191 - 8);
	for (i = 10; i + 3 <= 8191; i += 3)
		m.b[i + 1] = 1; /* command 1, no data */
	m.n = 8191;
	flood_ops = 0;
	assert_int_equal(D->pdu_len(m.b, m.n), 8191);
	assert_int_equal(D->parse(NULL, m.b, m.n, &pkt, &out), OTS_OK);
	assert_int_equal(flood_ops, 2727);
	/* 5000 keep-alives in one stream */
	for (i = 0; i < 5000; i++)
		memcpy(stream + 8 * i, keepalive, 8);
	flood_ops = 0;
	while (off < sizeof(stream)) {
		long l = D->pdu_len(stream + off, sizeof(stream) - off);

		assert_int_equal(l, 8);
		assert_int_equal(D->parse(NULL, stream + off, 8, &pkt, &out), OTS_OK);
		off += 8;
		units++;
	}
	assert_int_equal(units, 5000);
	assert_int_equal(flood_ops, 5000);
}

static uint32_t rng = 5094;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt std = { 0, 40000, 5094, 0 }, odd = { 0, 5095, 49905, 0 };
	struct msg a = raw(cmd0_rsp, sizeof(cmd0_rsp)), b = raw(init_req, sizeof(init_req));
	uint8_t two[64], buf[300];
	int i, hit = 0;

	(void)s;
	assert_int_equal(D->probe(a.b, a.n, &std), OTS_PROBE_SURE);
	assert_int_equal(D->probe(a.b, a.n, &odd), 80);
	assert_int_equal(D->probe(b.b, b.n, &odd), 80);
	assert_int_equal(D->probe(a.b, 20, &odd), OTS_PROBE_MAYBE);
	memcpy(two, keepalive, 8);
	memcpy(two + 8, b.b, b.n);
	assert_int_equal(D->probe(two, 8 + b.n, &odd), 80);
	/* violations */
	assert_int_equal(D->probe(a.b, 7, &std), OTS_PROBE_NO);
	two[2] = 7; /* unknown message id */
	assert_int_equal(D->probe(two, 8, &std), OTS_PROBE_NO);
	two[2] = 2;
	two[7] = 9; /* keep-alive with a body */
	assert_int_equal(D->probe(two, 8, &std), OTS_PROBE_NO);
	a.b[8] = 0x87; /* frame type 7 */
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
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_other_classes),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_publish_and_errors),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
