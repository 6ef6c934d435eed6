/* SPDX-License-Identifier: BSD-3-Clause */
/* test-ftp.c: unit tests of the FTP control-channel dissector (protocols/ftp.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"
#include "ots/app.h"

extern const struct ots_dissector ots_dissector_ftp;
#define D (&ots_dissector_ftp)

static struct dt T;

/* Send one line: dir 0 client -> server (port 21), dir 1 server -> client. */
static int
line(int dir, const char *s)
{
	return dt_parse(&T, D, (const uint8_t *)s, strlen(s), dir, dir ? 21 : 40000,
	                dir ? 40000 : 21);
}

static const struct ots_ics_op *
last_op(void)
{
	assert_true(T.n_ops > 0);
	return &T.ops[T.n_ops - 1];
}

static void
test_login_and_files(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(line(1, "220 PLC-1 FTP server (VxWorks 6.9) ready.\r\n"), OTS_OK);
	assert_string_equal(dt_fact(&T, OTS_FACT_DESCRIPTION), "PLC-1 FTP server (VxWorks 6.9) ready.");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_int_equal(line(0, "USER admin\r\n"), OTS_OK);
	assert_string_equal(last_op()->function_name, "user");
	assert_int_equal(last_op()->op_class, OTS_OP_AUTH);
	assert_int_equal(last_op()->function, 1);
	assert_int_equal(line(1, "331 Password required\r\n"), OTS_OK);
	assert_int_equal(last_op()->is_response, 1);
	assert_string_equal(last_op()->function_name, "user");
	assert_int_equal(last_op()->function, 331);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(line(0, "PASS secret\r\n"), OTS_OK);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_CLEARTEXT_CREDENTIAL);
	assert_string_equal(T.flags[0].what, "ftp_password");
	assert_int_equal(line(1, "530 Login incorrect.\r\n"), OTS_OK);
	assert_int_equal(last_op()->has_exception, 1);
	assert_int_equal(last_op()->exception, 530);
	assert_string_equal(last_op()->function_name, "pass");
	assert_int_equal(line(0, "stor /flash/app.bin\r\n"), OTS_OK); /* verbs in any case */
	assert_string_equal(last_op()->function_name, "stor");
	assert_int_equal(last_op()->op_class, OTS_OP_FILE);
	assert_int_equal(line(0, "RETR log.txt\r\n"), OTS_OK);
	assert_int_equal(last_op()->op_class, OTS_OP_FILE);
	assert_int_equal(line(0, "LIST\r\n"), OTS_OK);
	assert_int_equal(last_op()->op_class, OTS_OP_READ);
	assert_int_equal(line(0, "SITE EXEC reboot\r\n"), OTS_OK);
	assert_int_equal(last_op()->op_class, OTS_OP_CONTROL);
	assert_int_equal(line(0, "SYST\n"), OTS_OK); /* a bare LF ends a line too */
	assert_int_equal(last_op()->op_class, OTS_OP_DIAGNOSTIC);
	assert_int_equal(line(0, "XYZW arg\r\n"), OTS_OK);
	assert_string_equal(last_op()->function_name, "unknown");
	assert_int_equal(last_op()->function, 0);
}

static void
test_multiline_and_tls(void **s)
{
	size_t n;

	(void)s;
	dt_reset(&T);
	assert_int_equal(line(1, "220-Welcome to the historian\r\n"), OTS_OK);
	assert_int_equal(line(1, "   no unauthorised access\r\n"), OTS_OK);
	assert_int_equal(line(1, "220 ready\r\n"), OTS_OK);
	assert_int_equal(T.n_facts, 1);
	assert_string_equal(T.facts[0].value, "Welcome to the historian");
	assert_int_equal(T.n_ops, 1); /* one reply, at its last line */
	assert_int_equal(line(0, "AUTH TLS\r\n"), OTS_OK);
	assert_int_equal(line(1, "234 AUTH TLS OK.\r\n"), OTS_OK);
	n = T.n_ops;
	/* TLS records follow: nothing parsed, nothing flagged */
	assert_int_equal(dt_parse(&T, D, (const uint8_t *)"\x16\x03\x01\x00\x05hello\n", 11, 0,
	                          40000, 21), OTS_OK);
	assert_int_equal(line(0, "PASS hidden\r\n"), OTS_OK);
	assert_int_equal(T.n_ops, n);
	assert_int_equal(T.n_flags, 0);
}

static void
test_malformed(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(line(1, "220 hi\r\n"), OTS_OK);
	assert_int_equal(line(0, "12345\r\n"), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "not_a_command");
	assert_int_equal(line(0, "USER x"), OTS_EINVAL); /* not a whole line */
	assert_string_equal(T.flags[1].what, "bad_line");
	assert_int_equal(line(0, "TOOLONGVERB x\r\n"), OTS_EINVAL);
}

static void
test_framing_and_sweep(void **s)
{
	static const char two[] = "USER a\r\nPASS b\r\n";
	static const char *samples[] = { "220 FTP ready\r\n", "USER admin\r\n", "PASS pw\r\n",
	                                 "530 no\r\n" };
	uint8_t nul[4] = { 'U', 0, '\r', '\n' };
	char big[2000];
	size_t i;

	(void)s;
	assert_int_equal(D->pdu_len((const uint8_t *)two, strlen(two)), 8);
	assert_int_equal(D->pdu_len((const uint8_t *)two + 8, strlen(two) - 8), 8);
	assert_int_equal(D->pdu_len((const uint8_t *)two, 5), 0);
	assert_true(D->pdu_len(nul, sizeof(nul)) < 0);
	memset(big, 'A', sizeof(big));
	assert_true(D->pdu_len((const uint8_t *)big, sizeof(big)) < 0); /* no line end in 1 KiB */
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t n = strlen(samples[i]);

		/* every strict prefix lacks its line end: rejected */
		assert_int_equal(dt_sweep(D, (const uint8_t *)samples[i], n, i == 0 || i == 3, 21,
		                          40000, 1), n);
	}
}

/* A flood: 5000 commands in a row stay one op each, state bounded. */
static void
test_flood(void **s)
{
	int i;

	(void)s;
	dt_reset(&T);
	for (i = 0; i < 5000; i++)
		assert_int_equal(line(0, "NOOP\r\n"), OTS_OK);
	assert_int_equal(T.n_ops, DT_MAX);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt p21 = { 1, 21, 40000, 0 }, p2121 = { 1, 2121, 40000, 0 };
	uint8_t rnd[64];
	unsigned long seed = 7;
	int i;
	size_t j;

	(void)s;
	/* a greeting or a login command: FTP, SMTP or POP3 by content; port 21 tips it */
	assert_int_equal(D->probe((const uint8_t *)"220 ready\r\n", 11, &p2121), 45);
	assert_int_equal(D->probe((const uint8_t *)"USER bob\r\n", 10, &p2121), 45);
	assert_ptr_equal(ots_app_choose(OTS_TR_TCP, (const uint8_t *)"220 ready\r\n", 11, &p21), D);
	assert_null(ots_app_choose(OTS_TR_TCP, (const uint8_t *)"220 ready\r\n", 11, &p2121));
	assert_int_equal(D->probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &p21), OTS_PROBE_NO);
	assert_int_equal(D->probe((const uint8_t *)"220 ready", 9, &p21), OTS_PROBE_NO);
	for (i = 0; i < 1000; i++) {
		for (j = 0; j < sizeof(rnd); j++) {
			seed = seed * 6364136223846793005ul + 1442695040888963407ul;
			rnd[j] = (uint8_t)(seed >> 56);
		}
		assert_true(D->probe(rnd, sizeof(rnd), &p21) < OTS_PROBE_MAYBE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_and_files),
		cmocka_unit_test(test_multiline_and_tls),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_framing_and_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
