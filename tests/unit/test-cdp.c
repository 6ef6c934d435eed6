/* SPDX-License-Identifier: BSD-3-Clause */
/* test-cdp.c: unit tests of the CDP identity dissector (protocols/cdp.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_cdp;
#define D (&ots_dissector_cdp)

/* A real CDPv1 frame (Cisco 1601 router), what follows the SNAP header. */
static const uint8_t v1[] = {
	0x01, 0xb4, 0xdf, 0xf0, 0x00, 0x01, 0x00, 0x06, 0x52, 0x31, 0x00, 0x02, 0x00, 0x11, 0x00,
	0x00, 0x00, 0x01, 0x01, 0x01, 0xcc, 0x00, 0x04, 0xc0, 0xa8, 0x0a, 0x01, 0x00, 0x03, 0x00,
	0x0d, 'E', 't', 'h', 'e', 'r', 'n', 'e', 't', '0', 0x00, 0x04, 0x00, 0x08, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x05, 0x00, 0x27, 'C', 'i', 's', 'c', 'o', ' ', 'I', 'O', 'S', ' ', '1',
	'1', '.', '2', '(', '1', '2', ')', 'P', ' ', '\n', 'C', 'o', 'p', 'y', 'r', 'i', 'g', 'h',
	't', ' ', '1', '9', '9', '8', 0x00, 0x06, 0x00, 0x0e, 'c', 'i', 's', 'c', 'o', ' ', '1',
	'6', '0', '1',
};

static struct dt T;

static const char *
fact_of(uint8_t attr)
{
	const char *v = dt_fact(&T, attr);

	assert_non_null(v);
	return v;
}

static void
test_identity(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, v1, sizeof(v1), 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].op_class, OTS_OP_IDENTITY);
	assert_string_equal(T.ops[0].function_name, "cdp_announcement");
	assert_string_equal(fact_of(OTS_FACT_NAME), "R1");
	assert_string_equal(fact_of(OTS_FACT_IP), "192.168.10.1");
	assert_string_equal(fact_of(OTS_FACT_PORT_ID), "Ethernet0");
	assert_string_equal(fact_of(OTS_FACT_ROLE), "router");
	assert_string_equal(fact_of(OTS_FACT_SW_VERSION), "Cisco IOS 11.2(12)P ");
	assert_string_equal(fact_of(OTS_FACT_DESCRIPTION), "Cisco IOS 11.2(12)P \nCopyright 1998");
	assert_string_equal(fact_of(OTS_FACT_PLATFORM), "cisco 1601");
	assert_int_equal(T.n_facts, 7);
	assert_int_equal(T.n_flags, 0);
}

/* TLVs end where the frame ends: a prefix cut on a TLV boundary is a whole (shorter) PDU,
 * every other prefix is rejected. */
static void
test_sweep(void **s)
{
	static const size_t boundaries[] = { 4, 10, 27, 40, 48, 87 };
	size_t rejected = dt_sweep(D, v1, sizeof(v1), 0, 0, 0, 1);

	(void)s;
	assert_int_equal(rejected, sizeof(v1) - sizeof(boundaries) / sizeof(boundaries[0]));
}

static void
expect_flag(const uint8_t *b, size_t n, const char *why)
{
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, b, n, 0, 0, 0), OTS_EINVAL);
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_flags, 1);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_malformed(void **s)
{
	uint8_t b[sizeof(v1)];

	(void)s;
	expect_flag(v1, 3, "header_truncated");
	memcpy(b, v1, sizeof(v1));
	b[0] = 3;
	expect_flag(b, sizeof(b), "bad_version");
	memcpy(b, v1, sizeof(v1));
	b[7] = 3; /* device id TLV length below its own header */
	expect_flag(b, sizeof(b), "bad_tlv_length");
	b[7] = 0xff;
	expect_flag(b, sizeof(b), "tlv_truncated");
	expect_flag(v1, 6, "tlv_header_truncated");
}

/* Thousands of TLVs and an address list claiming 4 billion entries stay bounded. */
static void
test_flood(void **s)
{
	static uint8_t b[4 + 4 * 2000];
	static const uint8_t addrs[] = { 2, 180, 0, 0, 0, 2, 0, 14, 0xff, 0xff, 0xff, 0xff,
	                                 1, 1, 0xcc, 0, 1, 0 };
	size_t i;

	(void)s;
	b[0] = 2;
	for (i = 0; i < 2000; i++) {
		b[4 + 4 * i + 1] = 0x0a; /* native VLAN TLV, empty */
		b[4 + 4 * i + 3] = 4;
	}
	expect_flag(b, sizeof(b), "too_many_tlvs");
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, addrs, sizeof(addrs), 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_facts, 0);
	assert_int_equal(T.n_ops, 1);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt pkt = { 0, 0, 0, 0 };

	(void)s;
	assert_int_equal(D->probe(v1, sizeof(v1), &pkt), OTS_PROBE_MAYBE);
	assert_int_equal(D->probe(v1 + 1, sizeof(v1) - 1, &pkt), OTS_PROBE_NO);
	assert_int_equal(D->transports, OTS_TR_ETHER);
	assert_int_equal(D->state_size, 0);
	assert_ptr_equal(ots_dissector_by_name("cdp"), D);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
