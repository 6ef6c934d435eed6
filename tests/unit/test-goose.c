/* SPDX-License-Identifier: BSD-3-Clause */
/* test-goose.c: unit tests of the GOOSE dissector (protocols/goose.c), on real frame bytes
 * (the bytes after the EtherType) from the shared iec61850_goose captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_goose;
#define D (&ots_dissector_goose)

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (h[0] && h[1] && n < cap) {
		char b[3] = { h[0], h[1], 0 };

		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		h += 2;
	}
	return n;
}

/* dina-goose_GOOSE.pcap frame 1 (APPID 1, stNum 1, sqNum 10, 8 entries) */
static const char *const f_dina =
	"0001009100000000618186801a4745446576696365463635302f4c4c4e3024474f246763623031810300"
	"9c4082184745446576696365463635302f4c4c4e3024474f4f534531830b463635305f474f4f53453184"
	"08386ebbf34217280a85010186010a8701008801018901008a0108ab2083010084030300008301008403"
	"03000083010084030300008301008403030000";
/* iti_GOOSE_DEMO.pcap (APPID 0x2000, five-octet stNum/sqNum) */
static const char *const f_iti =
	"2000006c0000000061628003313131810500000027108203323232830333333384084ddda51adbe76d00"
	"8505000000000186050000000001870100880500000000018901008a05000000000aab1e830100830100"
	"830100830100830100830100830100830100830100830100";
/* dina-goose_GOOSE_all_data_primitives_fallbacks.pcap (12 entries of every type) */
static const char *const f_prim =
	"000100a000000000618195801a4745446576696365463635302f4c4c4e3024474f246763623031810300"
	"9c4082184745446576696365463635302f4c4c4e3024474f4f534531830b463635305f474f4f53453184"
	"0865430000400000008501018601148701008801018901008a010cab2f830101840207808501ff860201"
	"f48705083f8000008903deadbe8a024f4b8801008d01128e0207808f022b0190014d";
/* dina-goose_GOOSE_missing_all_data.pcap */
static const char *const f_noall =
	"0001006f00000000618164801a4745446576696365463635302f4c4c4e3024474f246763623031810300"
	"9c4082184745446576696365463635302f4c4c4e3024474f4f534531830b463635305f474f4f53453184"
	"08386ebbf34217280a85010186010a8701008801018901008a0108";
/* dina-goose_GOOSE_missing_go_id.pcap */
static const char *const f_nogoid =
	"0001008400000000618179801a4745446576696365463635302f4c4c4e3024474f246763623031810300"
	"9c4082184745446576696365463635302f4c4c4e3024474f4f5345318408386ebbf34217280a85010186"
	"010a8701008801018901008a0108ab208301008403030000830100840303000083010084030300008301"
	"008403030000";

/* malformed/dina-goose_GOOSE_malformed_asn1.pcap: gocbRef with a universal tag 26 */
static const char *const f_bad =
	"00010091000000006181861f1a4745446576696365463635302f4c4c4e3024474f246763623031810300"
	"9c4082184745446576696365463635302f4c4c4e3024474f4f534531830b463635305f474f4f53453184"
	"08386ebbf34217280a85010186010a8701008801018901008a0108ab2083010084030300008301008403"
	"03000083010084030300008301008403030000";

static struct dt T;
static uint8_t F[2048];
static size_t FN;

static int
run(const char *hex)
{
	FN = unhex(hex, F, sizeof(F));
	dt_reset(&T);
	return dt_parse(&T, D, F, FN, 0, 0, 0);
}

static int
again(void)
{
	dt_reset(&T);
	return dt_parse(&T, D, F, FN, 0, 0, 0);
}

static void
check_publish(uint32_t appid, uint32_t stnum)
{
	const struct ots_ics_op *op = &T.ops[0];

	assert_int_equal(T.n_ops, 1);
	assert_int_equal(op->proto, OTS_PROTO_GOOSE);
	assert_int_equal(op->op_class, OTS_OP_EVENT);
	assert_int_equal(op->function, 1);
	assert_string_equal(op->function_name, "goose_publish");
	assert_int_equal(op->is_response, 0);
	assert_int_equal(op->has_unit, 1);
	assert_int_equal(op->unit, appid);
	assert_int_equal(op->has_transaction, 1);
	assert_int_equal(op->transaction, stnum);
	assert_int_equal(op->has_exception, 0);
	assert_int_equal(op->has_addr, 0);
}

static void
check_flag(const char *what)
{
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].proto, OTS_PROTO_GOOSE);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, what);
}

static void
registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("goose"), &ots_dissector_goose);
	assert_int_equal(D->state_size, 0);
	assert_int_equal(D->transports, OTS_TR_ETHER);
	assert_int_equal(D->ethertype, 0x88b8);
	assert_null(D->pdu_len);
}

static void
event_publish(void **s)
{
	(void)s;
	assert_int_equal(run(f_dina), OTS_OK);
	check_publish(1, 1);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(run(f_nogoid), OTS_OK); /* goID is OPTIONAL */
	check_publish(1, 1);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(run(f_prim), OTS_OK);
	check_publish(1, 1);
	assert_int_equal(T.n_flags, 0);
}

static void
identity_facts(void **s)
{
	(void)s;
	assert_int_equal(run(f_dina), OTS_OK);
	assert_int_equal(T.n_facts, 2);
	assert_string_equal(dt_fact(&T, OTS_FACT_NAME), "GEDeviceF650/LLN0$GO$gcb01");
	assert_string_equal(dt_fact(&T, OTS_FACT_DESCRIPTION), "GEDeviceF650/LLN0$GOOSE1");
	assert_string_equal(T.facts[0].source, "GOOSE gocbRef");
	assert_string_equal(T.facts[1].source, "GOOSE datSet");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_int_equal(T.facts[0].proto, OTS_PROTO_GOOSE);
	assert_int_equal(run(f_iti), OTS_OK);
	check_publish(0x2000, 1);
	assert_string_equal(dt_fact(&T, OTS_FACT_NAME), "111");
	assert_string_equal(dt_fact(&T, OTS_FACT_DESCRIPTION), "222");
}

static void
padding_allowed(void **s)
{
	(void)s;
	/* Ethernet padding after the GOOSE length is not a violation */
	FN = unhex(f_iti, F, sizeof(F));
	memset(F + FN, 0, 20);
	FN += 20;
	assert_int_equal(again(), OTS_OK);
	check_publish(0x2000, 1);
	assert_int_equal(T.n_flags, 0);
}

static void
malformed(void **s)
{
	(void)s;
	/* the real malformed-ASN.1 capture: a universal field inside the goosePdu */
	assert_int_equal(run(f_bad), OTS_EINVAL);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].unit, 1);
	assert_string_equal(T.flags[0].what, "bad_field");
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_null(dt_fact(&T, OTS_FACT_NAME));
	/* allData missing */
	assert_int_equal(run(f_noall), OTS_EINVAL);
	check_publish(1, 1);
	check_flag("missing_all_data");
	/* length below 8 */
	FN = unhex(f_dina, F, sizeof(F));
	F[3] = 7;
	assert_int_equal(again(), OTS_EINVAL);
	assert_int_equal(T.n_ops, 0);
	check_flag("bad_length");
	/* length beyond the frame */
	F[2] = 0x01;
	F[3] = 0x00;
	assert_int_equal(again(), OTS_ETRUNC);
	assert_int_equal(T.n_ops, 0);
	check_flag("length_exceeds_frame");
	/* length shorter than the goosePdu */
	F[2] = 0;
	F[3] = 0x80;
	assert_int_equal(again(), OTS_EINVAL);
	check_flag("bad_pdu_length");
	/* not a goosePdu */
	F[3] = 0x91;
	F[8] = 0x62;
	assert_int_equal(again(), OTS_EINVAL);
	check_flag("bad_pdu_tag");
	F[8] = 0x61;
	/* numDatSetEntries 8 -> 9: does not match allData */
	FN = unhex(f_dina, F, sizeof(F));
	F[0x6e] = 9;
	assert_int_equal(F[0x6c], 0x8a);
	assert_int_equal(again(), OTS_EINVAL);
	check_publish(1, 1);
	check_flag("entries_mismatch");
	/* t is not 8 octets: 0x84 0x08 -> 0x84 0x07 */
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(F[0x53], 0x84);
	F[0x54] = 0x07;
	assert_int_equal(again(), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "bad_utc_time");
	/* a duplicated field (stNum tag where sqNum is) */
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(F[0x60], 0x86);
	F[0x60] = 0x85;
	assert_int_equal(again(), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "bad_field");
	/* a field length running past the PDU */
	FN = unhex(f_dina, F, sizeof(F));
	F[0x5e] = 0x7f;
	assert_int_equal(again(), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "bad_field_length");
	/* allData primitive, and a broken Data inside allData */
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(F[0x6f], 0xab);
	F[0x6f] = 0x8b;
	assert_int_equal(again(), OTS_EINVAL);
	check_flag("bad_all_data");
	F[0x6f] = 0xab;
	F[0x71] = 0xa2;
	F[0x72] = 0x05; /* a structure longer than allData */
	assert_int_equal(again(), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "bad_all_data");
	/* a negative stNum */
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(F[0x5d], 0x85);
	F[0x5f] = 0x81;
	assert_int_equal(again(), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "bad_stnum");
	assert_int_equal(T.ops[0].has_transaction, 0);
	/* a boolean of two octets: simulation 87 01 00 -> 87 02 00 88 */
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(F[0x63], 0x87);
	F[0x64] = 0x02;
	assert_int_equal(again(), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "bad_boolean");
	/* a short header */
	assert_int_equal(dt_parse(&T, D, (const uint8_t[]){ 0, 1, 0 }, 3, 0, 0, 0), OTS_ETRUNC);
}

static void
test_mode(void **s)
{
	(void)s;
	/* simulation/test boolean true */
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(F[0x63], 0x87);
	F[0x65] = 0xff;
	assert_int_equal(again(), OTS_OK);
	check_publish(1, 1);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_TEST_MODE);
	assert_string_equal(T.flags[0].what, "goose_simulation");
	/* Edition 2: Reserved1 bit 15 */
	FN = unhex(f_dina, F, sizeof(F));
	F[4] = 0x80;
	assert_int_equal(again(), OTS_OK);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_TEST_MODE);
	assert_string_equal(T.flags[0].what, "goose_reserved_simulation");
}

static void
sweep(void **s)
{
	const char *const all[] = { f_dina, f_iti, f_prim, f_noall, f_nogoid, f_bad };
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		FN = unhex(all[i], F, sizeof(F));
		/* every strict prefix is short of the GOOSE length: all rejected, none crash */
		assert_int_equal(dt_sweep(D, F, FN, 0, 0, 0, 1), FN);
	}
}

/* A frame with dina's fields up to numDatSetEntries, then entries and allData content. */
static size_t
build(uint8_t *f, uint32_t entries, const uint8_t *data, size_t dn)
{
	size_t k = 0, n = 0x6c - 0x0b;

	FN = unhex(f_dina, F, sizeof(F));
	memcpy(f, F, 8);
	k = 12;
	memcpy(f + k, F + 0x0b, n);
	k += n;
	f[k++] = 0x8a;
	f[k++] = 0x02;
	f[k++] = (uint8_t)(entries >> 8);
	f[k++] = (uint8_t)entries;
	f[k++] = 0xab;
	f[k++] = 0x82;
	f[k++] = (uint8_t)(dn >> 8);
	f[k++] = (uint8_t)dn;
	memcpy(f + k, data, dn);
	k += dn;
	f[8] = 0x61;
	f[9] = 0x82;
	f[10] = (uint8_t)((k - 12) >> 8);
	f[11] = (uint8_t)(k - 12);
	f[2] = (uint8_t)(k >> 8);
	f[3] = (uint8_t)k;
	return k;
}

static void
flood(void **s)
{
	static uint8_t f[1500], d[1500];
	size_t k, i;

	(void)s;
	/* allData holding 400 booleans: counted, bounded, consistent */
	for (i = 0; i < 400; i++) {
		d[3 * i] = 0x83;
		d[3 * i + 1] = 0x01;
		d[3 * i + 2] = (uint8_t)(i & 1);
	}
	k = build(f, 400, d, 1200);
	assert_true(k < 1500);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, f, k, 0, 0, 0), OTS_OK);
	check_publish(1, 1);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(D->probe(f, k, NULL), OTS_PROBE_SURE);
	/* and 399 announced: a mismatch */
	k = build(f, 399, d, 1200);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, f, k, 0, 0, 0), OTS_EINVAL);
	check_flag("entries_mismatch");
	/* 20 nested structures: deeper than the walk follows, flagged */
	for (i = 0; i < 20; i++) {
		d[2 * i] = 0xa2;
		d[2 * i + 1] = (uint8_t)(2 * (19 - i));
	}
	k = build(f, 1, d, 40);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, f, k, 0, 0, 0), OTS_EINVAL);
	check_publish(1, 1);
	check_flag("bad_all_data");
	/* 10 nested structures are fine */
	for (i = 0; i < 10; i++) {
		d[2 * i] = 0xa2;
		d[2 * i + 1] = (uint8_t)(2 * (9 - i));
	}
	k = build(f, 1, d, 20);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, f, k, 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	/* thousands of frames: stateless, one op each */
	FN = unhex(f_dina, F, sizeof(F));
	dt_reset(&T);
	for (i = 0; i < 5000; i++) {
		T.n_ops = 0;
		assert_int_equal(dt_parse(&T, D, F, FN, 0, 0, 0), OTS_OK);
		assert_int_equal(T.n_ops, 1);
	}
}

static void
probe(void **s)
{
	struct ots_dissect_pkt l2 = { 0, 0, 0, 0 };
	size_t i, j;

	(void)s;
	FN = unhex(f_dina, F, sizeof(F));
	assert_int_equal(D->probe(F, FN, &l2), OTS_PROBE_SURE);
	FN = unhex(f_iti, F, sizeof(F));
	assert_int_equal(D->probe(F, FN, &l2), OTS_PROBE_SURE);
	F[8] = 0x30;
	assert_int_equal(D->probe(F, FN, &l2), OTS_PROBE_NO);
	srand(88);
	for (i = 0; i < 1000; i++) {
		uint8_t r[128];
		size_t n = 1 + (size_t)rand() % sizeof(r);

		for (j = 0; j < n; j++)
			r[j] = (uint8_t)rand();
		assert_true(D->probe(r, n, &l2) < OTS_PROBE_MAYBE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registered),
		cmocka_unit_test(event_publish),
		cmocka_unit_test(identity_facts),
		cmocka_unit_test(padding_allowed),
		cmocka_unit_test(malformed),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(sweep),
		cmocka_unit_test(flood),
		cmocka_unit_test(probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
