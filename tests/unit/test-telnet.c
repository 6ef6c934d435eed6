/* SPDX-License-Identifier: BSD-3-Clause */
/* test-telnet.c: unit tests of the Telnet login dissector (protocols/telnet.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_telnet;
#define D (&ots_dissector_telnet)

static struct dt T;

static void
send(int dir, const void *b, size_t n)
{
	assert_int_equal(dt_parse(&T, D, b, n, dir, dir ? 23 : 40000, dir ? 40000 : 23), OTS_OK);
}

#define SEND(dir, lit) send(dir, lit, sizeof(lit) - 1)

/* A session: negotiation, banner, login, password typed one character per segment. */
static const uint8_t srv_neg[] = { 0xff, 0xfd, 0x18, 0xff, 0xfb, 0x01, 0xff, 0xfa, 0x18, 0x01,
                                   'x', 0xff, 0xf0 };

static void
test_login(void **s)
{
	const char *pw = "s3cret\r\n";
	size_t i;

	(void)s;
	dt_reset(&T);
	send(1, srv_neg, sizeof(srv_neg));
	SEND(1, "\r\nSCALANCE X208 V4.1\r\n\r\nlogin: ");
	assert_string_equal(dt_fact(&T, OTS_FACT_DESCRIPTION), "SCALANCE X208 V4.1");
	assert_int_equal(T.n_ops, 0);
	SEND(0, "admin\r\n");
	assert_int_equal(T.n_ops, 1);
	assert_string_equal(T.ops[0].function_name, "username_sent");
	assert_int_equal(T.ops[0].op_class, OTS_OP_AUTH);
	assert_int_equal(T.n_flags, 0);
	SEND(1, "Pass");
	SEND(1, "word: "); /* the prompt cut across segments */
	for (i = 0; pw[i]; i++)
		send(0, pw + i, 1);
	assert_int_equal(T.n_ops, 2);
	assert_string_equal(T.ops[1].function_name, "password_sent");
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_CLEARTEXT_CREDENTIAL);
	assert_string_equal(T.flags[0].what, "telnet_password");
	/* typing after the login is not a password */
	SEND(1, "\r\nX208> ");
	SEND(0, "show version\r\n");
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.n_facts, 1);
}

/* IAC sequences cut anywhere, an escaped 0xff, and a prompt that is not answered. */
static void
test_iac_cuts(void **s)
{
	static const uint8_t a[] = { 0xff }, b[] = { 0xfa, 0x18 }, c[] = { 0xff };
	static const uint8_t d[] = { 0xf0, 'P', 'A', 'S', 'S', 'W', 0xff, 0xff, 'D', ':' };

	(void)s;
	dt_reset(&T);
	send(1, a, 1);
	send(1, b, 2);
	SEND(1, "password:"); /* inside a subnegotiation: not text */
	send(1, c, 1);
	send(1, d, sizeof(d)); /* "PASSW\xffD:" is not the prompt */
	SEND(0, "x\r\n");
	assert_int_equal(T.n_ops, 0);
	SEND(1, "Password:");
	SEND(0, "\r\n"); /* an empty answer sends nothing */
	assert_int_equal(T.n_ops, 0);
	SEND(0, "pw\r");
	assert_int_equal(T.n_ops, 1);
}

/* Telnet has no PDUs: every chunk is taken whole, any prefix parses. */
static void
test_sweep(void **s)
{
	static const uint8_t x[] = "\xff\xfb\x01login: ";
	size_t k;

	(void)s;
	for (k = 1; k < sizeof(x); k++) {
		uint8_t *copy = malloc(k);

		memcpy(copy, x, k);
		assert_int_equal(D->pdu_len(copy, k), (long)k);
		dt_reset(&T);
		assert_int_equal(D->parse(T.state, copy, k, &(struct ots_dissect_pkt){ 1, 23, 1, 0 },
		                          &T.out), OTS_OK);
		(void)D->probe(copy, k, NULL);
		free(copy);
	}
	assert_int_equal(D->pdu_len(x, 0), 0);
	assert_true(D->pdu_len(x, 1u << 20) <= (long)D->max_pdu);
}

static void
test_flood(void **s)
{
	static uint8_t buf[60000];
	size_t i;

	(void)s;
	for (i = 0; i + 3 <= sizeof(buf); i += 3) {
		buf[i] = 0xff;
		buf[i + 1] = 0xfb;
		buf[i + 2] = 1;
	}
	dt_reset(&T);
	send(1, buf, sizeof(buf));
	for (i = 0; i < 2000; i++)
		SEND(1, "password:login:");
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_facts, 0);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt p23 = { 1, 23, 40000, 0 }, p2323 = { 1, 2323, 40000, 0 };
	uint8_t rnd[64];
	unsigned long seed = 99;
	int i;
	size_t j;

	(void)s;
	assert_true(D->probe(srv_neg, sizeof(srv_neg), &p2323) >= OTS_PROBE_MAYBE);
	assert_int_equal(D->probe((const uint8_t *)"login: ", 7, &p23), OTS_PROBE_NO);
	for (i = 0; i < 1000; i++) {
		for (j = 0; j < sizeof(rnd); j++) {
			seed = seed * 6364136223846793005ul + 1442695040888963407ul;
			rnd[j] = (uint8_t)(seed >> 56);
		}
		if (rnd[0] == 0xff)
			rnd[0] = 0;
		assert_true(D->probe(rnd, sizeof(rnd), &p23) < OTS_PROBE_MAYBE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_iac_cuts),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
