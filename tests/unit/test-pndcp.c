/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-pndcp.c: unit tests of the PROFINET DCP dissector (protocols/pndcp.c).
 *
 * Frames are the bytes after EtherType 0x8892, most taken from the shared captures
 * (iti_ChangeIPUsingDCP.pcap, iti_profinet-wireshark-bug.pcap, iti_PROFINET-RT.pcap, with their
 * Ethernet padding), the rest built by hand from the same layout (Hello, Get, reset, signal).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_pndcp;
#define D (&ots_dissector_pndcp)

/* iti_ChangeIPUsingDCP.pcap frames 1-4 */
static const char *const CHG_IDREQ =
	"fefe05000100000100010004ffff00000000000000000000000000000000000000000000000000000000";
static const char *const CHG_IDRSP =
	"feff0501010000010000005e0205001c00000101010202010202020302040205033d0501050205030504ffff"
	"020100050000494e43000202000b0000583230382d424f524400020300060000002a0a010204000400000100"
	"0102000e0001c0a80006ffffff00c0a80001";
static const char *const CHG_SETREQ =
	"fefd040001000001000000120102000e0001c0a8000affffff00c0a80001000000000000000000000000";
static const char *const CHG_SETRSP =
	"fefd0401010000010000000805040003010200000000000000000000000000000000000000000000000000000000";
/* iti_profinet-wireshark-bug.pcap frames 2-4 (VLAN tag removed by the engine) */
static const char *const BUG_IDRSP =
	"feff050101000001000000b802050010000002010202020302040205010101020201000a000053372d333030"
	"45430202006e0000256e256e256e200000000000000000000000000000000000000000000000000000000000"
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000020300060000002a0101020400040000"
	"02000102000e0001c0a8000bffffff00c0a8000b";
static const char *const BUG_SETREQ =
	"fefd04000100000100000014020200090001256e256e256e2000050200020000";
static const char *const BUG_SETRSP =
	"fefd0401010000010000001005040003020200000504000305020000000000000000000000000000000000000000";
/* iti_PROFINET-RT.pcap frame 1: multicast Identify filtered by NameOfStation "switch3" */
static const char *const RT_IDREQ =
	"fefe05000300bf9a0001000c02020007737769746368330069656d656e732c2053494d41544900000000";
/* Hand-built from the same layout */
static const char *const HELLO =
	"fefc0600000000420000002e" "020200060000706c6331" "02030006000000b00102" "0204000400000300"
	"0102000e00010a000005ffffff000a000001";
static const char *const GET_REQ = "fefd0300000000070000000402020203";
static const char *const GET_RSP =
	"fefd03010000000700000014020200060000696f2d3102030006000001200004";
static const char *const GET_MAC_RSP = /* IP/MAC address 08:00:06:93:cf:32 */
	"fefd0301000000080000000c0101000800000800069" "3cf32";
static const char *const FRESET_REQ = "fefd04000000000900000006050600020002";
static const char *const FRESET_RSP_ERR = "fefd040100000009000000080504000305060300";
static const char *const FRESET_OLD = "fefd04000000000a00000006050500020000";
static const char *const SIGNAL_REQ =
	"fefd04000000000b000000080503000400000100";
static const char *const ALIAS_SET =
	"fefd04000000000c0000000a02060005000061626300";
static const char *const UNSUPP_RSP =
	"fefd0405000000d000000000";

struct frame {
	uint8_t b[1600];
	size_t n;
};

static struct frame
hx(const char *s)
{
	struct frame f;
	size_t i, l = strlen(s);

	memset(&f, 0, sizeof(f));
	for (i = 0; i + 1 < l && f.n < sizeof(f.b); i += 2) {
		unsigned v;
		char t[3] = { s[i], s[i + 1], 0 };

		v = (unsigned)strtoul(t, NULL, 16);
		f.b[f.n++] = (uint8_t)v;
	}
	return f;
}

static struct dt T;

static int
run(const char *hexs)
{
	struct frame f = hx(hexs);

	return dt_parse(&T, D, f.b, f.n, 0, 0, 0);
}

static void
check_op(const struct ots_ics_op *op, int rsp, uint8_t cls, uint32_t fc, const char *name,
         uint32_t xid)
{
	assert_int_equal(op->proto, OTS_PROTO_PNDCP);
	assert_int_equal(op->is_response, rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->has_unit, 0);
	assert_int_equal(op->has_addr, 0);
	assert_int_equal(op->has_transaction, 1);
	assert_int_equal(op->transaction, xid);
}

static void
check_fact(size_t i, uint8_t attr, uint8_t side, const char *source, const char *value)
{
	assert_true(i < T.n_facts);
	assert_int_equal(T.facts[i].proto, OTS_PROTO_PNDCP);
	assert_int_equal(T.facts[i].attr, attr);
	assert_int_equal(T.facts[i].side, side);
	assert_string_equal(T.facts[i].source, source);
	assert_string_equal(T.facts[i].value, value);
}

/* One frame parses OK into exactly one op and no flag. */
static void
one(const char *hexs)
{
	int rc;

	dt_reset(&T);
	rc = run(hexs);
	if (rc != OTS_OK && T.n_flags)
		print_message("flag: %s\n", T.flags[0].what);
	assert_int_equal(rc, OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_flags, 0);
}

static void
bad(const char *hexs, const char *why)
{
	dt_reset(&T);
	assert_int_equal(run(hexs), OTS_EINVAL);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].proto, OTS_PROTO_PNDCP);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_discovery(void **s)
{
	(void)s;
	one(CHG_IDREQ);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 5, "identify", 0x01000001);
	assert_int_equal(T.ops[0].has_exception, 0);
	assert_int_equal(T.n_facts, 0);

	/* a NameOfStation filter is a search criterion, not a fact about anyone */
	one(RT_IDREQ);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 5, "identify", 0x0300bf9a);
	assert_int_equal(T.n_facts, 0);
}

static void
test_identity(void **s)
{
	(void)s;
	one(CHG_IDRSP);
	check_op(&T.ops[0], 1, OTS_OP_IDENTITY, 5, "identify", 0x01000001);
	assert_int_equal(T.n_facts, 9);
	check_fact(0, OTS_FACT_MODEL, OTS_SIDE_SENDER, "DCP Identify", "INC");
	check_fact(1, OTS_FACT_NAME, OTS_SIDE_SENDER, "DCP Identify", "X208-BORD");
	check_fact(2, OTS_FACT_VENDOR_ID, OTS_SIDE_SENDER, "DCP Identify", "0x002a");
	check_fact(3, OTS_FACT_PRODUCT_CODE, OTS_SIDE_SENDER, "DCP Identify", "0x0a01");
	check_fact(4, OTS_FACT_VENDOR, OTS_SIDE_SENDER, "DCP Identify", "Siemens");
	check_fact(5, OTS_FACT_ROLE, OTS_SIDE_SENDER, "DCP Identify", "io-device");
	check_fact(6, OTS_FACT_IP, OTS_SIDE_SENDER, "DCP Identify", "192.168.0.6");
	check_fact(7, OTS_FACT_NETMASK, OTS_SIDE_SENDER, "DCP Identify", "255.255.255.0");
	check_fact(8, OTS_FACT_GATEWAY, OTS_SIDE_SENDER, "DCP Identify", "192.168.0.1");

	one(BUG_IDRSP);
	check_op(&T.ops[0], 1, OTS_OP_IDENTITY, 5, "identify", 0x01000001);
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "S7-300EC");
	assert_string_equal(dt_fact(&T, OTS_FACT_NAME), "%n%n%n ");
	assert_string_equal(dt_fact(&T, OTS_FACT_PRODUCT_CODE), "0x0101");
	assert_string_equal(dt_fact(&T, OTS_FACT_ROLE), "io-controller");
	assert_string_equal(dt_fact(&T, OTS_FACT_IP), "192.168.0.11");
}

static void
test_write(void **s)
{
	(void)s;
	one(CHG_SETREQ);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 4, "set_ip", 0x01000001);
	assert_int_equal(T.n_facts, 3);
	check_fact(0, OTS_FACT_IP, OTS_SIDE_RECEIVER, "DCP Set", "192.168.0.10");
	check_fact(1, OTS_FACT_NETMASK, OTS_SIDE_RECEIVER, "DCP Set", "255.255.255.0");
	one(CHG_SETRSP);
	check_op(&T.ops[0], 1, OTS_OP_WRITE, 4, "set_ip", 0x01000001);
	assert_int_equal(T.ops[0].has_exception, 0);
	assert_int_equal(T.n_facts, 0);

	one(BUG_SETREQ);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 4, "set_name_of_station", 0x01000001);
	assert_int_equal(T.n_facts, 1);
	check_fact(0, OTS_FACT_NAME, OTS_SIDE_RECEIVER, "DCP Set", "%n%n%n ");
	one(BUG_SETRSP);
	check_op(&T.ops[0], 1, OTS_OP_WRITE, 4, "set_name_of_station", 0x01000001);

	one(ALIAS_SET);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 4, "set", 0x0c);
	assert_int_equal(T.n_facts, 0);
}

static void
test_read(void **s)
{
	(void)s;
	one(GET_REQ);
	check_op(&T.ops[0], 0, OTS_OP_READ, 3, "get", 7);
	assert_int_equal(T.n_facts, 0);
	one(GET_RSP);
	check_op(&T.ops[0], 1, OTS_OP_READ, 3, "get", 7);
	assert_int_equal(T.n_facts, 4);
	check_fact(0, OTS_FACT_NAME, OTS_SIDE_SENDER, "DCP Get", "io-1");
	check_fact(1, OTS_FACT_VENDOR_ID, OTS_SIDE_SENDER, "DCP Get", "0x0120");
	check_fact(2, OTS_FACT_PRODUCT_CODE, OTS_SIDE_SENDER, "DCP Get", "0x0004");
	check_fact(3, OTS_FACT_VENDOR, OTS_SIDE_SENDER, "DCP Get", "Beckhoff Automation");
	one(GET_MAC_RSP);
	check_op(&T.ops[0], 1, OTS_OP_READ, 3, "get", 8);
	assert_int_equal(T.n_facts, 1);
	check_fact(0, OTS_FACT_MAC, OTS_SIDE_SENDER, "DCP Get", "08:00:06:93:cf:32");
}

static void
test_event(void **s)
{
	(void)s;
	one(HELLO);
	check_op(&T.ops[0], 0, OTS_OP_EVENT, 6, "hello", 0x42);
	assert_int_equal(T.n_facts, 8);
	check_fact(0, OTS_FACT_NAME, OTS_SIDE_SENDER, "DCP Hello", "plc1");
	check_fact(1, OTS_FACT_VENDOR_ID, OTS_SIDE_SENDER, "DCP Hello", "0x00b0");
	check_fact(2, OTS_FACT_PRODUCT_CODE, OTS_SIDE_SENDER, "DCP Hello", "0x0102");
	check_fact(3, OTS_FACT_VENDOR, OTS_SIDE_SENDER, "DCP Hello", "Phoenix Contact");
	check_fact(4, OTS_FACT_ROLE, OTS_SIDE_SENDER, "DCP Hello", "io-device+io-controller");
	check_fact(5, OTS_FACT_IP, OTS_SIDE_SENDER, "DCP Hello", "10.0.0.5");
}

static void
test_restart(void **s)
{
	(void)s;
	one(FRESET_REQ);
	check_op(&T.ops[0], 0, OTS_OP_RESTART, 4, "reset_to_factory", 9);
	one(FRESET_OLD);
	check_op(&T.ops[0], 0, OTS_OP_RESTART, 4, "factory_reset", 10);
	/* the response names the suboption it answers; BlockError 3 (not set) is the exception */
	one(FRESET_RSP_ERR);
	check_op(&T.ops[0], 1, OTS_OP_RESTART, 4, "reset_to_factory", 9);
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 3);
}

static void
test_control(void **s)
{
	(void)s;
	one(SIGNAL_REQ);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 4, "set_signal", 11);
}

static void
test_unsupported(void **s)
{
	(void)s;
	one(UNSUPP_RSP);
	check_op(&T.ops[0], 1, OTS_OP_WRITE, 4, "set", 0xd0);
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 0x100);
}

static void
test_not_dcp(void **s)
{
	(void)s;
	/* cyclic RT class 1 data, an alarm frame and PTCP: accepted, nothing reported */
	dt_reset(&T);
	assert_int_equal(run("8001000102030405060708090a0b0c0d0e0f"), OTS_OK);
	assert_int_equal(run("fe01000102030405"), OTS_OK);
	assert_int_equal(run("ff40"), OTS_OK);
	assert_int_equal(T.n_ops + T.n_flags + T.n_facts, 0);
}

static void
test_malformed(void **s)
{
	(void)s;
	bad("fe", "short_frame");
	bad("fefe0500000000", "short_frame");
	bad("fefe05020000000100010004ffff0000", "bad_service_type");
	bad("fefe09000000000100010004ffff0000", "bad_service_id");
	bad("fefe05000000000100010008ffff0000", "bad_data_length");
	/* Identify request in the response FrameID, Set in the Hello FrameID */
	bad("feff05000000000100010004ffff0000", "frame_id_mismatch");
	bad("fefc04000000000100000006050600020002", "frame_id_mismatch");
	/* block longer than the data */
	bad("fefe0500000000010001000402020009", "bad_block_length");
	/* three stray bytes after the last block */
	bad("fefe05000000000100010007ffff0000aabbcc", "trailing_bytes");
	/* IP parameter block of 6 bytes */
	bad("fefd040000000001000000ae0102000600010a000001", "bad_data_length");
	bad("fefd040000000001000000" "0a" "01020006" "00010a000001", "bad_ip_block");
	bad("feff050100000001000000" "08" "02030004" "0000002a", "bad_device_id_block");
	bad("feff050100000001000000" "06" "02040002" "0000", "bad_device_role_block");
	bad("fefd030100000001000000" "0a" "01010006" "000008000693", "bad_mac_block");
	bad("fefd040100000001000000" "06" "05040002" "0102", "bad_response_block");
	bad("fefd040000000001000000" "05" "02020001" "00", "bad_block_length");
	bad("fefd0300000000010000000302020200", "bad_get_request");
	/* a malformed frame still reports its op */
	assert_int_equal(T.n_ops, 1);
}

static void
test_sweep(void **s)
{
	const char *const all[] = { CHG_IDREQ, CHG_IDRSP, CHG_SETREQ, CHG_SETRSP, BUG_IDRSP,
	                            BUG_SETREQ, BUG_SETRSP, RT_IDREQ, HELLO, GET_REQ, GET_RSP, GET_MAC_RSP,
	                            FRESET_REQ, FRESET_RSP_ERR, FRESET_OLD, SIGNAL_REQ, ALIAS_SET,
	                            UNSUPP_RSP };
	size_t i;

	(void)s;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct frame f = hx(all[i]);
		size_t rej = dt_sweep(D, f.b, f.n, 0, 0, 0, 1);

		/* every prefix shorter than the header and DCPDataLength is rejected; the Ethernet
		 * padding after the data is not needed */
		assert_true(rej >= 12);
		assert_true(rej <= f.n);
	}
}

static void
test_flood(void **s)
{
	struct frame f;
	size_t i, n = 0;

	(void)s;
	/* 198 NameOfStation blocks in one Identify response: facts stay capped */
	f.b[n++] = 0xfe;
	f.b[n++] = 0xff;
	f.b[n++] = 5;
	f.b[n++] = 1;
	memset(f.b + n, 0, 6);
	n += 6;
	f.b[n++] = (uint8_t)((370 * 8) >> 8);
	f.b[n++] = (uint8_t)(370 * 8);
	for (i = 0; i < 370 && n + 8 <= sizeof(f.b); i++) { /* 198 fit */
		const uint8_t blk[8] = { 2, 2, 0, 4, 0, 0, 'a', 'b' };

		memcpy(f.b + n, blk, 8);
		n += 8;
	}
	/* DCPDataLength claims 370 blocks, the frame holds 198: rejected before any op */
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, f.b, n, 0, 0, 0), OTS_EINVAL);
	assert_int_equal(T.n_ops, 0);
	f.b[10] = (uint8_t)((n - 12) >> 8);
	f.b[11] = (uint8_t)(n - 12);
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, f.b, n, 0, 0, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_facts, 24);
	assert_string_equal(T.facts[23].value, "ab");

	/* thousands of frames: one op each, nothing carried over */
	f = hx(CHG_IDRSP);
	for (i = 0; i < 5000; i++) {
		dt_reset(&T);
		assert_int_equal(dt_parse(&T, D, f.b, f.n, 0, 0, 0), OTS_OK);
		assert_int_equal(T.n_ops, 1);
		assert_int_equal(T.n_facts, 9);
	}
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt pkt = { 0, 0, 0, 0 };
	struct frame f;
	uint8_t b[64];
	size_t i, j;

	(void)s;
	f = hx(CHG_IDRSP);
	assert_int_equal(D->probe(f.b, f.n, &pkt), OTS_PROBE_SURE);
	f = hx(RT_IDREQ);
	assert_int_equal(D->probe(f.b, f.n, &pkt), OTS_PROBE_SURE);
	f = hx(CHG_SETREQ);
	assert_int_equal(D->probe(f.b, 20, &pkt), OTS_PROBE_MAYBE);
	assert_int_equal(D->probe(f.b, 11, &pkt), OTS_PROBE_NO);
	f = hx("8001000102030405060708090a0b0c0d0e0f");
	assert_int_equal(D->probe(f.b, f.n, &pkt), OTS_PROBE_NO);
	srand(8892);
	for (i = 0; i < 1000; i++) {
		for (j = 0; j < sizeof(b); j++)
			b[j] = (uint8_t)rand();
		assert_true(D->probe(b, sizeof(b), &pkt) < OTS_PROBE_MAYBE);
	}
}

static void
test_registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("profinet_dcp"), &ots_dissector_pndcp);
	assert_int_equal(D->state_size, 0);
	assert_int_equal(D->transports, OTS_TR_ETHER);
	assert_int_equal(D->ethertype, 0x8892);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_not_dcp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
