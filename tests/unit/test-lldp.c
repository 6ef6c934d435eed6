/* SPDX-License-Identifier: BSD-3-Clause */
/* test-lldp.c: unit tests of the LLDP identity dissector (protocols/lldp.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_lldp;
#define D (&ots_dissector_lldp)

struct pdu {
	uint8_t b[4096];
	size_t n;
};

static void
tlv(struct pdu *p, uint8_t type, const void *v, size_t n)
{
	p->b[p->n++] = (uint8_t)((type << 1) | (n >> 8));
	p->b[p->n++] = (uint8_t)n;
	memcpy(p->b + p->n, v, n);
	p->n += n;
}

/* Chassis MAC, port "port-009", TTL 120, name, description, caps bridge+router enabled,
 * management IPv4 192.168.0.14, LLDP-MED firmware and serial, end, then padding. */
static struct pdu
sample(void)
{
	static const uint8_t chassis[] = { 4, 0xec, 0xe5, 0x55, 0xea, 0x39, 0x2e };
	static const uint8_t port[] = { 7, 'p', 'o', 'r', 't', '-', '0', '0', '9' };
	static const uint8_t ttl[] = { 0, 120 };
	static const uint8_t caps[] = { 0, 0x14, 0, 0x14 };
	static const uint8_t mgmt[] = { 5, 1, 192, 168, 0, 14, 2, 0, 0, 0, 1, 0 };
	static const uint8_t fw[] = { 0x00, 0x12, 0xbb, 6, 'V', '4', '.', '2' };
	static const uint8_t sn[] = { 0x00, 0x12, 0xbb, 8, 'S', 'N', '1', '2' };
	static const uint8_t other[] = { 0x00, 0x0e, 0xcf, 2, 0, 0 }; /* PROFINET: ignored */
	struct pdu p;

	p.n = 0;
	tlv(&p, 1, chassis, sizeof(chassis));
	tlv(&p, 2, port, sizeof(port));
	tlv(&p, 3, ttl, sizeof(ttl));
	tlv(&p, 5, "MAR-EA392E", 10);
	tlv(&p, 6, "Hirschmann MAR - SW: L2P-09.0.00", 32);
	tlv(&p, 7, caps, sizeof(caps));
	tlv(&p, 8, mgmt, sizeof(mgmt));
	tlv(&p, 127, fw, sizeof(fw));
	tlv(&p, 127, sn, sizeof(sn));
	tlv(&p, 127, other, sizeof(other));
	tlv(&p, 0, "", 0);
	return p;
}

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
	struct pdu p = sample();
	size_t i;

	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].proto, OTS_PROTO_LLDP);
	assert_int_equal(T.ops[0].op_class, OTS_OP_IDENTITY);
	assert_string_equal(T.ops[0].function_name, "lldp_advertisement");
	assert_string_equal(fact_of(OTS_FACT_CHASSIS_ID), "ec:e5:55:ea:39:2e");
	assert_string_equal(fact_of(OTS_FACT_PORT_ID), "port-009");
	assert_string_equal(fact_of(OTS_FACT_NAME), "MAR-EA392E");
	assert_string_equal(fact_of(OTS_FACT_DESCRIPTION), "Hirschmann MAR - SW: L2P-09.0.00");
	assert_string_equal(fact_of(OTS_FACT_ROLE), "bridge,router");
	assert_string_equal(fact_of(OTS_FACT_IP), "192.168.0.14");
	assert_string_equal(fact_of(OTS_FACT_FIRMWARE), "V4.2");
	assert_string_equal(fact_of(OTS_FACT_SERIAL), "SN12");
	assert_int_equal(T.n_facts, 8);
	for (i = 0; i < T.n_facts; i++) {
		assert_int_equal(T.facts[i].side, OTS_SIDE_SENDER);
		assert_string_equal(T.facts[i].source, "LLDP");
	}
	assert_int_equal(T.n_flags, 0);
}

static void
test_padding_after_end(void **s)
{
	struct pdu p = sample();

	(void)s;
	memset(p.b + p.n, 0, 20);
	p.n += 20;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
}

static void
test_sweep(void **s)
{
	struct pdu p = sample();

	(void)s;
	/* every strict prefix lacks the end TLV (or more): all rejected */
	assert_int_equal(dt_sweep(D, p.b, p.n, 0, 0, 0, 1), p.n);
}

static void
expect_flag(struct pdu *p, const char *why)
{
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p->b, p->n, 0, 0, 0), OTS_EINVAL);
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_malformed(void **s)
{
	static const uint8_t ttl[] = { 0, 120 };
	struct pdu p;

	(void)s;
	p.n = 0; /* port id first */
	tlv(&p, 2, "\x07x", 2);
	expect_flag(&p, "mandatory_tlv_missing");

	p = sample(); /* a TLV longer than the frame */
	p.n = 0;
	tlv(&p, 1, "\x07" "abc", 4);
	p.b[1] = 200;
	expect_flag(&p, "tlv_truncated");

	p.n = 0; /* chassis id too short */
	tlv(&p, 1, "\x07", 1);
	expect_flag(&p, "bad_chassis_id");

	p.n = 0;
	tlv(&p, 1, "\x07" "a", 2);
	tlv(&p, 2, "\x07" "b", 2);
	tlv(&p, 3, ttl, 1);
	expect_flag(&p, "bad_ttl");

	p.n = 0; /* an odd trailing byte: half a TLV header */
	tlv(&p, 1, "\x07" "a", 2);
	tlv(&p, 2, "\x07" "b", 2);
	tlv(&p, 3, ttl, 2);
	p.b[p.n++] = 0x0a;
	expect_flag(&p, "tlv_header_truncated");

	p.n = 0; /* mandatory TLVs only, never ended */
	tlv(&p, 1, "\x07" "a", 2);
	tlv(&p, 2, "\x07" "b", 2);
	tlv(&p, 3, ttl, 2);
	expect_flag(&p, "end_tlv_missing");
}

static void
test_flood(void **s)
{
	static const uint8_t ttl[] = { 0, 120 };
	struct pdu p;
	int i;

	(void)s;
	p.n = 0;
	tlv(&p, 1, "\x07" "a", 2);
	tlv(&p, 2, "\x07" "b", 2);
	tlv(&p, 3, ttl, 2);
	for (i = 0; i < 1500; i++)
		tlv(&p, 4, "", 0); /* empty port descriptions */
	tlv(&p, 0, "", 0);
	expect_flag(&p, "too_many_tlvs");
}

static void
test_probe(void **s)
{
	struct pdu p = sample();
	struct ots_dissect_pkt pkt = { 0, 0, 0, 0 };

	(void)s;
	assert_int_equal(D->probe(p.b, p.n, &pkt), OTS_PROBE_MAYBE);
	assert_int_equal(D->probe(p.b + 2, p.n - 2, &pkt), OTS_PROBE_NO);
	assert_int_equal(D->probe(p.b, 1, &pkt), OTS_PROBE_NO);
	assert_int_equal(D->transports, OTS_TR_ETHER);
	assert_int_equal(D->ethertype, 0x88cc);
	assert_int_equal(D->state_size, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_padding_after_end),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
