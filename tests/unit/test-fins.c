/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-fins.c: unit tests of the Omron FINS dissector (protocols/fins.c).
 *
 * TCP_* and UDP_* PDUs are taken from the shared capture icsnpp_omron_test.pcap (FINS/TCP
 * node address exchange and controller data read, FINS/UDP controller data read); the rest
 * are built from the FINS command layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_fins;
#define D (&ots_dissector_fins)

static const char *const TCP_NADS_C = "46494e530000000c000000000000000000000000";
static const char *const TCP_NADS_S = "46494e53000000100000000100000000000000fb000000c8";
static const char *const TCP_CDR_Q = "46494e5300000015000000020000000080000200c8000000ef05050100";
static const char *const TCP_CDR_R =
	"46494e53000000720000000200000000c0000200fbef00c80005050100004350314c2d454c323044522d44"
	"0000002020202030312e3030000000000030312e30360000000000000000000000000000000000000000000000"
	"00010000000000000000000000000000000000010003000a172a1008000000000000";
static const char *const UDP_CDR_Q = "800002000000006300ef050100";
static const char *const UDP_CDR_R =
	"c0000200630000c800ef050100004350314c2d454c323044522d440000002020202030312e30300000000000"
	"30312e3036000000000000000000000000000000000000000000000000010000000000000000000000000000"
	"000000010003000a172a1008000000000000";
/* Built: command header 80 00 02 | 00 01 00 (dest net, node 1, unit) | 00 63 00 | SID */
#define CMD "800002000100006300"
#define RSP "c00002006300000100"
static const char *const MAR_Q = CMD "10" "0101" "82006400000a";
static const char *const MAR_R = RSP "10" "0101" "0000" "0000000100020003000400050006000700080009";
static const char *const MAW_Q = CMD "11" "0102" "82006400000212345678";
static const char *const MAW_R = RSP "11" "0102" "0000";
static const char *const MAF_Q = CMD "12" "0103" "8200000000050000";
static const char *const MMR_Q = CMD "13" "0104" "8200010082000200";
static const char *const MAT_Q = CMD "14" "0105" "82000000820010000004";
static const char *const PAR_Q = CMD "15" "0201" "800000000014";
static const char *const PGW_Q = CMD "16" "0307" "ffff00000000000004deadbeef";
static const char *const RUN_Q = CMD "17" "0401" "ffff01";
static const char *const STOP_Q = CMD "18" "0402" "ffff";
static const char *const STOP_R = RSP "18" "0402" "1001";
static const char *const STAT_Q = CMD "19" "0601";
static const char *const CLKW_Q = CMD "1a" "0702" "2401021230";
static const char *const ACQ_Q = CMD "1b" "0c01" "ffff";
static const char *const FILE_Q = CMD "1c" "2203" "0000";
static const char *const FORCE_Q = CMD "1d" "2301" "0001000100000064";
static const char *const FLAGS_R = RSP "1e" "0601" "8143";
static const char *const UNK_Q = CMD "1f" "7777" "00";
static const char *const PROT_Q = CMD "21" "0304" "ffff00" "00000000" "ffffffff" "31323334";
static const char *const TCP_ERR = "46494e53000000080000000300000001";

struct pdu {
	uint8_t b[512];
	size_t n;
};

static struct pdu
hx(const char *s)
{
	struct pdu f;
	size_t i, l = strlen(s);

	memset(&f, 0, sizeof(f));
	for (i = 0; i + 1 < l && f.n < sizeof(f.b); i += 2) {
		char t[3] = { s[i], s[i + 1], 0 };

		f.b[f.n++] = (uint8_t)strtoul(t, NULL, 16);
	}
	return f;
}

static struct dt T;

static int
run(const char *hexs, int dir)
{
	struct pdu f = hx(hexs);

	return dir ? dt_parse(&T, D, f.b, f.n, 1, 9600, 40000)
	           : dt_parse(&T, D, f.b, f.n, 0, 40000, 9600);
}

static void
check_op(size_t i, int rsp, uint8_t cls, uint32_t fc, const char *name, uint32_t unit,
         uint32_t sid)
{
	const struct ots_ics_op *op;

	assert_true(i < T.n_ops);
	op = &T.ops[i];
	assert_int_equal(op->proto, OTS_PROTO_FINS);
	assert_int_equal(op->is_response, rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->has_unit, 1);
	assert_int_equal(op->unit, unit);
	assert_int_equal(op->has_transaction, 1);
	assert_int_equal(op->transaction, sid);
}

static void
check_addr(size_t i, uint32_t start, uint32_t count)
{
	assert_int_equal(T.ops[i].has_addr, 1);
	assert_int_equal(T.ops[i].addr_start, start);
	assert_int_equal(T.ops[i].addr_count, count);
}

/* Parse OK, with one more op and no flag. */
static void
ok(const char *hexs, int dir)
{
	size_t before = T.n_ops;

	assert_int_equal(run(hexs, dir), OTS_OK);
	assert_int_equal(T.n_ops, before + 1);
	assert_int_equal(T.n_flags, 0);
}

static void
bad(const char *hexs, const char *why)
{
	dt_reset(&T);
	assert_int_equal(run(hexs, 0), OTS_EINVAL);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].proto, OTS_PROTO_FINS);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_read(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(MAR_Q, 0);
	ok(MAR_R, 1);
	check_op(0, 0, OTS_OP_READ, 0x0101, "memory_area_read", 1, 0x10);
	check_addr(0, 0x006400, 10);
	/* the response carries no address: it comes from the paired command */
	check_op(1, 1, OTS_OP_READ, 0x0101, "memory_area_read", 1, 0x10);
	check_addr(1, 0x006400, 10);
	assert_int_equal(T.ops[1].has_exception, 0);

	ok(MMR_Q, 0);
	check_op(2, 0, OTS_OP_READ, 0x0104, "multiple_memory_area_read", 1, 0x13);
	check_addr(2, 0x000100, 2);
	ok(PAR_Q, 0);
	check_op(3, 0, OTS_OP_READ, 0x0201, "parameter_area_read", 1, 0x15);
	assert_int_equal(T.ops[3].has_addr, 0);
}

static void
test_write(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(MAW_Q, 0);
	ok(MAW_R, 1);
	check_op(0, 0, OTS_OP_WRITE, 0x0102, "memory_area_write", 1, 0x11);
	check_addr(0, 0x006400, 2);
	check_op(1, 1, OTS_OP_WRITE, 0x0102, "memory_area_write", 1, 0x11);
	check_addr(1, 0x006400, 2);
	ok(MAF_Q, 0);
	check_op(2, 0, OTS_OP_WRITE, 0x0103, "memory_area_fill", 1, 0x12);
	check_addr(2, 0, 5);
	ok(MAT_Q, 0);
	check_op(3, 0, OTS_OP_WRITE, 0x0105, "memory_area_transfer", 1, 0x14);
	check_addr(3, 0x001000, 4);
}

static void
test_program(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(PGW_Q, 0);
	check_op(0, 0, OTS_OP_PROGRAM, 0x0307, "program_area_write", 1, 0x16);
}

static void
test_mode_change(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(RUN_Q, 0);
	check_op(0, 0, OTS_OP_MODE_CHANGE, 0x0401, "run", 1, 0x17);
	ok(STOP_Q, 0);
	check_op(1, 0, OTS_OP_MODE_CHANGE, 0x0402, "stop", 1, 0x18);
	/* end code 0x1001: command too long */
	ok(STOP_R, 1);
	check_op(2, 1, OTS_OP_MODE_CHANGE, 0x0402, "stop", 1, 0x18);
	assert_int_equal(T.ops[2].has_exception, 1);
	assert_int_equal(T.ops[2].exception, 0x1001);
}

static void
test_other_classes(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(STAT_Q, 0);
	check_op(0, 0, OTS_OP_DIAGNOSTIC, 0x0601, "controller_status_read", 1, 0x19);
	ok(CLKW_Q, 0);
	check_op(1, 0, OTS_OP_TIME_SYNC, 0x0702, "clock_write", 1, 0x1a);
	ok(ACQ_Q, 0);
	check_op(2, 0, OTS_OP_AUTH, 0x0c01, "access_right_acquire", 1, 0x1b);
	ok(FILE_Q, 0);
	check_op(3, 0, OTS_OP_FILE, 0x2203, "single_file_write", 1, 0x1c);
	ok(FORCE_Q, 0);
	check_op(4, 0, OTS_OP_CONTROL, 0x2301, "forced_set_reset", 1, 0x1d);
	ok(UNK_Q, 0);
	check_op(5, 0, OTS_OP_OTHER, 0x7777, "unknown", 1, 0x1f);
	/* relay and CPU error flags are masked off the end code: 0x8143 -> 0x0103 */
	ok(FLAGS_R, 1);
	check_op(6, 1, OTS_OP_DIAGNOSTIC, 0x0601, "controller_status_read", 1, 0x1e);
	assert_int_equal(T.ops[6].has_exception, 1);
	assert_int_equal(T.ops[6].exception, 0x0103);
}

static void
test_auth_password(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(run(PROT_Q, 0), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(0, 0, OTS_OP_AUTH, 0x0304, "program_area_protect", 1, 0x21);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_CLEARTEXT_CREDENTIAL);
	assert_string_equal(T.flags[0].what, "program_protect_password");
	bad(CMD "21" "0305" "ffff00000000", "short_command");
}

static void
test_identity(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(TCP_CDR_Q, 0);
	ok(TCP_CDR_R, 1);
	check_op(0, 0, OTS_OP_IDENTITY, 0x0501, "controller_data_read", 0xc8, 0x05);
	check_op(1, 1, OTS_OP_IDENTITY, 0x0501, "controller_data_read", 0xc8, 0x05);
	assert_int_equal(T.n_facts, 2);
	assert_int_equal(T.facts[0].attr, OTS_FACT_MODEL);
	assert_string_equal(T.facts[0].value, "CP1L-EL20DR-D");
	assert_int_equal(T.facts[1].attr, OTS_FACT_FIRMWARE);
	assert_string_equal(T.facts[1].value, "01.00");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_string_equal(T.facts[1].source, "FINS 0501");

	dt_reset(&T);
	ok(UDP_CDR_Q, 0);
	ok(UDP_CDR_R, 1);
	check_op(0, 0, OTS_OP_IDENTITY, 0x0501, "controller_data_read", 0x00, 0xef);
	check_op(1, 1, OTS_OP_IDENTITY, 0x0501, "controller_data_read", 0xc8, 0xef);
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "CP1L-EL20DR-D");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "01.00");
}

static void
test_tcp_commands(void **s)
{
	(void)s;
	dt_reset(&T);
	ok(TCP_NADS_C, 0);
	ok(TCP_NADS_S, 1);
	assert_int_equal(T.ops[0].function, 0x10000);
	assert_string_equal(T.ops[0].function_name, "node_address_data_send");
	assert_int_equal(T.ops[0].is_response, 0);
	assert_int_equal(T.ops[0].op_class, OTS_OP_OTHER);
	assert_int_equal(T.ops[1].function, 0x10001);
	assert_int_equal(T.ops[1].is_response, 1);
	ok(TCP_ERR, 1);
	assert_int_equal(T.ops[2].function, 0x10003);
	assert_string_equal(T.ops[2].function_name, "frame_send_error_notification");
	assert_int_equal(T.ops[2].has_exception, 1);
	assert_int_equal(T.ops[2].exception, 1);
}

static void
test_malformed(void **s)
{
	(void)s;
	bad("8000020001", "short_frame");
	bad(CMD "20", "short_frame");
	bad("820002000100006300200101", "bad_header");
	bad("800102000100006300200101", "bad_header");
	bad(RSP "20" "0501", "short_response");
	assert_int_equal(T.n_ops, 1);
	bad(RSP "20" "0501" "0000" "43503100", "short_controller_data");
	bad(CMD "20" "0101" "8200", "short_command");
	bad(CMD "20" "0101" "82006400000aff", "length_mismatch");
	bad(CMD "20" "0102" "820064000002", "length_mismatch");
	bad(CMD "20" "0103" "820064000002", "length_mismatch");
	bad(CMD "20" "0104" "820001", "length_mismatch");
	bad(CMD "20" "0105" "82000000820010000004ff", "length_mismatch");
	bad(CMD "20" "0105" "8200", "short_command");
	bad("46494e53", "short_tcp_header");
	bad("46494e530000000d000000000000000000000000", "bad_tcp_length");
	bad("46494e5300000004000000000000000000000000", "bad_tcp_length");
	bad("46494e530000000c000000090000000000000000", "bad_tcp_command");
	bad("46494e530000000a0000000000000000aabb", "bad_tcp_length");
	assert_int_equal(T.n_ops, 1);
}

/* Emulate the engine: frame a byte stream with pdu_len, fed in chunks of step bytes. */
static size_t
stream(const uint8_t *b, size_t n, size_t step, int dir)
{
	uint8_t buf[4096];
	size_t have = 0, fed = 0, pdus = 0;

	while (fed < n || have > 0) {
		size_t take = n - fed < step ? n - fed : step;
		long l;

		memcpy(buf + have, b + fed, take);
		have += take;
		fed += take;
		while ((l = D->pdu_len(buf, have)) > 0 && (size_t)l <= have) {
			assert_int_equal(dt_parse(&T, D, buf, (size_t)l, dir, dir ? 9600 : 40000,
			                          dir ? 40000 : 9600), OTS_OK);
			memmove(buf, buf + l, have - (size_t)l);
			have -= (size_t)l;
			pdus++;
		}
		assert_true(l >= 0);
		if (take == 0)
			break;
	}
	assert_int_equal(have, 0);
	return pdus;
}

static void
test_tcp_framing(void **s)
{
	struct pdu a = hx(TCP_NADS_C), b = hx(TCP_CDR_Q), c;
	uint8_t cat[256];
	size_t step;

	(void)s;
	memcpy(cat, a.b, a.n);
	memcpy(cat + a.n, b.b, b.n);
	/* both PDUs in one segment, then every split point down to one byte per segment */
	for (step = a.n + b.n; step >= 1; step--) {
		dt_reset(&T);
		assert_int_equal(stream(cat, a.n + b.n, step, 0), 2);
		assert_int_equal(T.n_ops, 2);
		assert_int_equal(T.ops[1].function, 0x0501);
	}
	/* garbage cannot start a PDU */
	c = hx("47494e530000000c");
	assert_true(D->pdu_len(c.b, c.n) < 0);
	c = hx("46494e5300100000");
	assert_true(D->pdu_len(c.b, c.n) < 0);
	c = hx("46494e");
	assert_int_equal(D->pdu_len(c.b, c.n), 0);
}

static void
test_sweep(void **s)
{
	const char *const tcp[] = { TCP_NADS_C, TCP_NADS_S, TCP_CDR_Q, TCP_CDR_R, TCP_ERR };
	const char *const udp[] = { UDP_CDR_Q, UDP_CDR_R, MAR_Q, MAR_R, MAW_Q, MAW_R, MAF_Q, MMR_Q,
	                            MAT_Q, PAR_Q, PGW_Q, RUN_Q, STOP_Q, STOP_R, STAT_Q, CLKW_Q,
	                            ACQ_Q, FILE_Q, FORCE_Q, FLAGS_R, UNK_Q, PROT_Q };
	struct ots_dissector dgram = *D;
	size_t i, rej;

	(void)s;
	for (i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
		struct pdu f = hx(tcp[i]);

		assert_int_equal(dt_sweep(D, f.b, f.n, 0, 40000, 9600, 1), f.n);
	}
	dgram.pdu_len = NULL; /* datagrams are not framed */
	for (i = 0; i < sizeof(udp) / sizeof(udp[0]); i++) {
		struct pdu f = hx(udp[i]);

		rej = dt_sweep(&dgram, f.b, f.n, 0, 40000, 9600, 1);
		assert_true(rej >= 12); /* every prefix short of the header and command code */
		assert_true(rej <= f.n);
	}
}

static void
test_flood(void **s)
{
	static uint8_t big[4096];
	struct pdu q = hx(MAR_Q), r = hx(MAR_R);
	size_t i, n;

	(void)s;
	/* 5000 commands and responses through one flow: the pairing table stays bounded */
	dt_reset(&T);
	for (i = 0; i < 5000; i++) {
		q.b[9] = (uint8_t)i;
		r.b[9] = (uint8_t)i;
		assert_int_equal(dt_parse(&T, D, q.b, q.n, 0, 40000, 9600), OTS_OK);
		assert_int_equal(dt_parse(&T, D, r.b, r.n, 1, 9600, 40000), OTS_OK);
	}
	assert_int_equal(T.n_ops, DT_MAX);
	assert_int_equal(T.ops[DT_MAX - 1].addr_count, 10);
	/* a multiple memory area read of 1000 elements in one frame: one op, no loop */
	q = hx(CMD "40" "0104");
	memcpy(big, q.b, q.n);
	n = q.n;
	for (i = 0; i < 1000; i++) {
		big[n++] = 0x82;
		big[n++] = 0;
		big[n++] = (uint8_t)i;
		big[n++] = 0;
	}
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, big, n, 0, 40000, 9600), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.ops[0].addr_count, 1000);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt odd = { 0, 40000, 5000, 0 }, well = { 0, 40000, 9600, 0 };
	struct pdu f;
	uint8_t b[64];
	size_t i, j;

	(void)s;
	f = hx(TCP_NADS_C);
	assert_int_equal(D->probe(f.b, f.n, &odd), OTS_PROBE_SURE);
	f = hx(UDP_CDR_Q);
	assert_int_equal(D->probe(f.b, f.n, &odd), 60);
	assert_int_equal(D->probe(f.b, f.n, &well), 90);
	f = hx(MAR_R);
	assert_int_equal(D->probe(f.b, f.n, &odd), 60);
	/* a response without its end code, an unknown command, a bad TCP command */
	f = hx(RSP "10" "0101");
	assert_int_equal(D->probe(f.b, f.n, &well), OTS_PROBE_NO);
	f = hx(UNK_Q);
	assert_int_equal(D->probe(f.b, f.n, &well), OTS_PROBE_NO);
	f = hx("46494e530000000c000000090000000000000000");
	assert_int_equal(D->probe(f.b, f.n, &well), OTS_PROBE_NO);
	srand(9600);
	for (i = 0; i < 1000; i++) {
		for (j = 0; j < sizeof(b); j++)
			b[j] = (uint8_t)rand();
		assert_true(D->probe(b, sizeof(b), &well) < OTS_PROBE_MAYBE);
	}
}

static void
test_registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("fins"), &ots_dissector_fins);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_mode_change),
		cmocka_unit_test(test_other_classes),
		cmocka_unit_test(test_auth_password),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_tcp_commands),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tcp_framing),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
