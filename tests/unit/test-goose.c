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
	assert_true(D->state_size > 0 && D->state_size <= sizeof(T.state));
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
	/* thousands of frames of one state: one op each, nothing out of sequence */
	FN = unhex(f_dina, F, sizeof(F));
	dt_reset(&T);
	for (i = 0; i < 5000; i++) {
		T.n_ops = 0;
		assert_int_equal(dt_parse(&T, D, F, FN, 0, 0, 0), OTS_OK);
		assert_int_equal(T.n_ops, 1);
	}
}

/* ---- stNum / sqNum sequence (state kept across frames, as the engine keeps it per stream) ---- */

/* f_iti with stNum, sqNum (five-octet INTEGERs at 0x2c and 0x33), simulation, the last
 * character of gocbRef "111" and the APPID set. */
static void
seq_frame(uint32_t st, uint32_t sq, int sim, char ref, uint16_t appid)
{
	int i;

	FN = unhex(f_iti, F, sizeof(F));
	assert_int_equal(F[0x2a], 0x85);
	assert_int_equal(F[0x31], 0x86);
	assert_int_equal(F[0x38], 0x87);
	F[0] = (uint8_t)(appid >> 8);
	F[1] = (uint8_t)appid;
	F[0x0e] = (uint8_t)ref;
	for (i = 0; i < 4; i++) {
		F[0x2d + i] = (uint8_t)(st >> (24 - 8 * i));
		F[0x34 + i] = (uint8_t)(sq >> (24 - 8 * i));
	}
	F[0x3a] = sim ? 0xff : 0;
}

/* Parse one frame with the state as it is; returns the out-of-sequence flags it raised (the
 * reason of the last in *why). */
static size_t
feed_gocb(uint32_t st, uint32_t sq, int sim, char ref, uint16_t appid, const char **why)
{
	size_t i, n = 0;

	seq_frame(st, sq, sim, ref, appid);
	T.n_ops = T.n_facts = T.n_flags = 0;
	assert_int_equal(dt_parse(&T, D, F, FN, 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].transaction, st);
	for (i = 0; i < T.n_flags; i++) {
		if (T.flags[i].flag != OTS_FLAG_OUT_OF_SEQUENCE)
			continue;
		assert_int_equal(T.flags[i].proto, OTS_PROTO_GOOSE);
		if (why)
			*why = T.flags[i].what;
		n++;
	}
	return n;
}

static size_t
feed(uint32_t st, uint32_t sq)
{
	return feed_gocb(st, sq, 0, '1', 0x2000, NULL);
}

static void
seq_expect(uint32_t st, uint32_t sq, const char *what)
{
	const char *why = NULL;

	assert_int_equal(feed_gocb(st, sq, 0, '1', 0x2000, &why), 1);
	assert_string_equal(why, what);
}

static void
seq_normal(void **s)
{
	uint32_t st, sq, total = 0;

	(void)s;
	dt_reset(&T);
	/* stNum 1..3, sqNum restarting at 0 with each, retransmissions in between */
	for (st = 1; st <= 3; st++)
		for (sq = 0; sq < 5; sq++)
			total += (uint32_t)feed(st, sq);
	assert_int_equal(total, 0);
	/* repeats and lost retransmissions say nothing */
	assert_int_equal(feed(3, 4), 0);
	assert_int_equal(feed(3, 9), 0);
	assert_int_equal(feed(4, 1), 0); /* stNum + 1, sqNum starting at 1 (Edition 1) */
	/* the first frame of a stream is never a jump */
	dt_reset(&T);
	assert_int_equal(feed(5000, 17), 0);
	assert_int_equal(feed(5001, 0), 0);
}

static void
seq_jump(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(feed(5, 0), 0);
	assert_int_equal(feed(5, 1), 0);
	seq_expect(9, 0, "goose_st_jump");
	/* raised once: the stream goes on from 9 */
	assert_int_equal(feed(9, 1), 0);
	assert_int_equal(feed(9, 2), 0);
	assert_int_equal(feed(10, 0), 0);
	/* backwards 9 -> 4 (after 10: a step back) */
	dt_reset(&T);
	assert_int_equal(feed(9, 0), 0);
	assert_int_equal(feed(9, 3), 0);
	seq_expect(4, 0, "goose_st_backwards");
	assert_int_equal(feed(4, 1), 0);
	/* rollover: 4294967295 -> 0 and -> 1 are steps of one */
	dt_reset(&T);
	assert_int_equal(feed(0xffffffffu, 3), 0);
	assert_int_equal(feed(0, 0), 0);
	dt_reset(&T);
	assert_int_equal(feed(0xfffffffeu, 3), 0);
	assert_int_equal(feed(0xffffffffu, 0), 0);
	assert_int_equal(feed(1, 2), 0);
	assert_int_equal(feed(2, 0), 0);
	/* but 4294967294 -> 1 with sqNum 2 skipped one */
	dt_reset(&T);
	assert_int_equal(feed(0xfffffffeu, 3), 0);
	seq_expect(1, 2, "goose_st_jump");
}

static void
seq_restart(void **s)
{
	(void)s;
	/* a publisher that reboots: stNum 1 sqNum 0 */
	dt_reset(&T);
	assert_int_equal(feed(7, 5), 0);
	assert_int_equal(feed(1, 0), 0);
	assert_int_equal(feed(1, 1), 0);
	assert_int_equal(feed(2, 0), 0);
	/* the GE F650 of dina-goose_GOOSE.pcap: stNum 1 sqNum 10, 11, 12, then 1, 2 ... */
	dt_reset(&T);
	assert_int_equal(feed(1, 10), 0);
	assert_int_equal(feed(1, 12), 0);
	assert_int_equal(feed(1, 1), 0);
	assert_int_equal(feed(1, 2), 0);
	/* stNum 1 with a higher sqNum is not a restart */
	dt_reset(&T);
	assert_int_equal(feed(7, 5), 0);
	seq_expect(1, 2, "goose_st_backwards");
}

static void
seq_sq_backwards(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(feed(3, 0), 0);
	assert_int_equal(feed(3, 10), 0);
	seq_expect(3, 2, "goose_sq_backwards");
	assert_int_equal(feed(3, 3), 0); /* goes on from 2 */
	/* a copy of a frame already seen (PRP, a mirror port) is a duplicate, not a step back */
	dt_reset(&T);
	assert_int_equal(feed(3, 5), 0);
	assert_int_equal(feed(3, 6), 0);
	assert_int_equal(feed(3, 8), 0);
	assert_int_equal(feed(3, 6), 0);
	assert_int_equal(feed(3, 5), 0);
	seq_expect(3, 7, "goose_sq_backwards"); /* 7 was never seen */
	/* ... and a late copy of the previous state's frames */
	dt_reset(&T);
	assert_int_equal(feed(5, 0), 0);
	assert_int_equal(feed(5, 1), 0);
	assert_int_equal(feed(5, 2), 0);
	assert_int_equal(feed(6, 0), 0);
	assert_int_equal(feed(5, 2), 0);
	assert_int_equal(feed(5, 1), 0);
	assert_int_equal(feed(6, 1), 0);
	/* sqNum rollover is forward */
	dt_reset(&T);
	assert_int_equal(feed(4, 0xffffffffu), 0);
	assert_int_equal(feed(4, 0), 0);
	assert_int_equal(feed(4, 1), 0);
	/* the duplicate window is 32 frames */
	dt_reset(&T);
	assert_int_equal(feed(4, 100), 0);
	assert_int_equal(feed(4, 132), 0);
	assert_int_equal(feed(4, 100), 0);
	seq_expect(4, 99, "goose_sq_backwards");
}

static void
seq_gocbs(void **s)
{
	const char *why = NULL;
	uint32_t i, k;

	(void)s;
	/* two control blocks of one publisher and two APPIDs: each its own numbers */
	dt_reset(&T);
	for (i = 0; i < 5; i++) {
		assert_int_equal(feed_gocb(10 + i, 0, 0, '1', 0x2000, NULL), 0);
		assert_int_equal(feed_gocb(500 + i, 0, 0, '2', 0x2000, NULL), 0);
		assert_int_equal(feed_gocb(90, i, 0, '1', 0x2001, NULL), 0);
	}
	/* a simulated stream beside the real one (a test set): separate numbers, test_mode only */
	assert_int_equal(feed_gocb(3, 0, 1, '1', 0x2000, NULL), 0);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_TEST_MODE);
	assert_int_equal(feed_gocb(15, 0, 0, '1', 0x2000, NULL), 0);
	assert_int_equal(feed_gocb(4, 0, 1, '1', 0x2000, NULL), 0);
	assert_int_equal(feed_gocb(40, 0, 0, '1', 0x2000, &why), 1);
	assert_string_equal(why, "goose_st_jump");
	/* five control blocks in turn: four are remembered, the least recent forgotten (its next
	 * frame is a first frame again): no false alarm either way */
	dt_reset(&T);
	for (k = 0; k < 4; k++)
		for (i = 0; i < 5; i++)
			assert_int_equal(feed_gocb(k * 100 + i, 0, 0, (char)('a' + i), 0x2000, NULL), 0);
	/* four in turn: kept, a jump in one of them is seen */
	dt_reset(&T);
	for (i = 0; i < 4; i++)
		assert_int_equal(feed_gocb(1 + i, 0, 0, (char)('a' + i), 0x2000, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(feed_gocb(2 + i, 0, 0, (char)('a' + i), 0x2000, NULL), 0);
	assert_int_equal(feed_gocb(9, 0, 0, 'a', 0x2000, &why), 1);
	assert_string_equal(why, "goose_st_jump");
	/* no state (a caller without a stream table): parsed, never out of sequence */
	seq_frame(5, 0, 0, '1', 0x2000);
	T.n_flags = 0;
	assert_int_equal(D->parse(NULL, F, FN, NULL, &T.out), OTS_OK);
	seq_frame(9, 0, 0, '1', 0x2000);
	assert_int_equal(D->parse(NULL, F, FN, NULL, &T.out), OTS_OK);
	assert_int_equal(T.n_flags, 0);
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
		cmocka_unit_test(seq_normal),
		cmocka_unit_test(seq_jump),
		cmocka_unit_test(seq_restart),
		cmocka_unit_test(seq_sq_backwards),
		cmocka_unit_test(seq_gocbs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
