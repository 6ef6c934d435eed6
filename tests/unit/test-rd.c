/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-rd.c: unit tests of the bounds-checked packet reader (include/ots/rd.h).
 * Buffers are exactly sized heap copies, so ASan flags any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ots/rd.h"

static const uint8_t bytes[9] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

static uint8_t *
heap_copy(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	if (n)
		memcpy(p, src, n);
	return p;
}

static void
test_accessors(void **state)
{
	uint8_t *b = heap_copy(bytes, sizeof(bytes));
	struct ots_rd r;

	(void)state;
	rd_init(&r, b, sizeof(bytes));
	assert_int_equal(rd_u8(&r), 0x01);
	assert_int_equal(rd_be16(&r), 0x0203);
	assert_int_equal(rd_off(&r), 3);
	assert_int_equal(rd_left(&r), 6);
	assert_true(rd_ok(&r));

	rd_init(&r, b, sizeof(bytes));
	assert_int_equal(rd_le16(&r), 0x0201);
	assert_int_equal(rd_be24(&r), 0x030405);
	assert_int_equal(rd_be32(&r), 0x06070809u);
	assert_int_equal(rd_left(&r), 0);
	assert_true(rd_ok(&r));

	rd_init(&r, b, sizeof(bytes));
	assert_int_equal(rd_le32(&r), 0x04030201u);
	rd_init(&r, b, sizeof(bytes));
	assert_true(rd_be64(&r) == 0x0102030405060708ull);
	rd_init(&r, b, sizeof(bytes));
	assert_true(rd_le64(&r) == 0x0807060504030201ull);
	assert_int_equal(rd_u8(&r), 0x09);
	free(b);
}

static void
test_ptr_copy_skip_rest(void **state)
{
	uint8_t *b = heap_copy(bytes, sizeof(bytes));
	uint8_t out[4];
	const uint8_t *p;
	struct ots_rd r;
	size_t n;

	(void)state;
	rd_init(&r, b, sizeof(bytes));
	p = rd_ptr(&r, 2);
	assert_ptr_equal(p, b);
	rd_skip(&r, 1);
	rd_copy(&r, out, 4);
	assert_memory_equal(out, bytes + 3, 4);
	p = rd_rest(&r, &n);
	assert_ptr_equal(p, b + 7);
	assert_int_equal(n, 2);
	assert_int_equal(rd_off(&r), 7); /* rest does not consume */

	/* A failed copy zeroes the destination and fails the reader. */
	memset(out, 0xff, sizeof(out));
	rd_copy(&r, out, 4);
	assert_memory_equal(out, ((uint8_t[4]){ 0 }), 4);
	assert_false(rd_ok(&r));
	assert_null(rd_rest(&r, &n));
	assert_int_equal(n, 0);
	free(b);
}

static void
test_sticky_error(void **state)
{
	uint8_t *b = heap_copy(bytes, 3);
	struct ots_rd r;

	(void)state;
	rd_init(&r, b, 3);
	assert_int_equal(rd_be16(&r), 0x0102);
	assert_int_equal(rd_be16(&r), 0); /* only one byte left: fails, does not move */
	assert_false(rd_ok(&r));
	assert_int_equal(r.err, OTS_ETRUNC);
	assert_int_equal(rd_off(&r), 2);
	assert_int_equal(rd_left(&r), 0);
	/* Every later read returns 0 even when it would fit. */
	assert_int_equal(rd_u8(&r), 0);
	assert_null(rd_ptr(&r, 0));
	assert_int_equal(rd_off(&r), 2);

	/* First error wins. */
	rd_init(&r, b, 3);
	rd_fail(&r, OTS_EINVAL);
	rd_skip(&r, 10);
	assert_int_equal(r.err, OTS_EINVAL);
	rd_init(&r, b, 3);
	rd_skip(&r, 4);
	rd_fail(&r, OTS_EINVAL);
	assert_int_equal(r.err, OTS_ETRUNC);

	/* A NULL buffer is an empty one. */
	rd_init(&r, NULL, 100);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(rd_u8(&r), 0);
	assert_false(rd_ok(&r));
	free(b);
}

static void
test_need_huge(void **state)
{
	uint8_t *b = heap_copy(bytes, 4);
	struct ots_rd r;

	(void)state;
	rd_init(&r, b, 4);
	rd_skip(&r, 2);
	/* A length near SIZE_MAX must not wrap around the comparison. */
	assert_false(rd_need(&r, SIZE_MAX));
	rd_init(&r, b, 4);
	rd_skip(&r, SIZE_MAX - 1);
	assert_false(rd_ok(&r));
	assert_int_equal(rd_off(&r), 0);
	free(b);
}

static void
test_sub(void **state)
{
	/* A TLV whose inner length (200) lies about the 3 bytes of its 4-byte field. */
	static const uint8_t tlv[8] = { 0x00, 0x04, 0x00, 0xc8, 0xaa, 0xbb, 0xcc, 0xdd };
	uint8_t *b = heap_copy(tlv, sizeof(tlv));
	struct ots_rd r, c, cc;
	uint16_t inner;

	(void)state;
	rd_init(&r, b, sizeof(tlv));
	c = rd_sub(&r, rd_be16(&r)); /* field of 4 bytes */
	assert_true(rd_ok(&c));
	assert_int_equal(rd_left(&c), 4);
	assert_int_equal(rd_off(&r), 6); /* parent skipped the whole field */
	inner = rd_be16(&c);
	assert_int_equal(inner, 200);
	rd_skip(&c, inner); /* the lie fails the child only */
	assert_false(rd_ok(&c));
	assert_true(rd_ok(&r));
	assert_int_equal(rd_be16(&r), 0xccdd);

	/* Nested windows stay inside the parent's. */
	rd_init(&r, b, sizeof(tlv));
	c = rd_sub(&r, 6);
	cc = rd_sub(&c, 2);
	assert_int_equal(rd_be16(&cc), 0x0004);
	assert_int_equal(rd_u8(&cc), 0);
	assert_false(rd_ok(&cc));
	assert_int_equal(rd_left(&c), 4);

	/* A window larger than what is left fails parent and child. */
	rd_init(&r, b, sizeof(tlv));
	rd_skip(&r, 5);
	c = rd_sub(&r, 4);
	assert_false(rd_ok(&r));
	assert_false(rd_ok(&c));
	assert_int_equal(rd_left(&c), 0);
	assert_int_equal(rd_u8(&c), 0);
	assert_int_equal(c.err, OTS_ETRUNC);
	free(b);
}

static void
test_peek(void **state)
{
	uint8_t *b = heap_copy(bytes, 3);
	struct ots_rd r;
	int ok = -1;

	(void)state;
	rd_init(&r, b, 3);
	rd_skip(&r, 1);
	assert_int_equal(rd_peek_u8(&r, 0, &ok), 0x02);
	assert_int_equal(ok, 1);
	assert_int_equal(rd_peek_u8(&r, 1, &ok), 0x03);
	assert_int_equal(ok, 1);
	assert_int_equal(rd_peek_u8(&r, 2, &ok), 0);
	assert_int_equal(ok, 0);
	assert_int_equal(rd_peek_u8(&r, SIZE_MAX, &ok), 0);
	assert_int_equal(ok, 0);
	assert_true(rd_ok(&r)); /* peeking never fails the reader */
	assert_int_equal(rd_off(&r), 1);
	rd_skip(&r, 5);
	assert_int_equal(rd_peek_u8(&r, 0, &ok), 0);
	assert_int_equal(ok, 0);
	free(b);
}

/* Every accessor at every offset of buffers of every length 0..9: never past the end. */
static void
test_every_offset(void **state)
{
	static const size_t widths[] = { 1, 2, 2, 3, 4, 4, 8, 8 };
	size_t len, off, a;

	(void)state;
	for (len = 0; len <= sizeof(bytes); len++) {
		uint8_t *b = heap_copy(bytes, len);

		for (off = 0; off <= len + 1; off++) {
			for (a = 0; a < sizeof(widths) / sizeof(widths[0]); a++) {
				struct ots_rd r;
				uint64_t v = 0;
				int fits;

				rd_init(&r, b, len);
				rd_skip(&r, off);
				fits = off <= len && len - off >= widths[a];
				switch (a) {
				case 0: v = rd_u8(&r); break;
				case 1: v = rd_be16(&r); break;
				case 2: v = rd_le16(&r); break;
				case 3: v = rd_be24(&r); break;
				case 4: v = rd_be32(&r); break;
				case 5: v = rd_le32(&r); break;
				case 6: v = rd_be64(&r); break;
				case 7: v = rd_le64(&r); break;
				}
				assert_int_equal(rd_ok(&r), fits);
				if (fits) {
					assert_int_equal(rd_off(&r), off + widths[a]);
					assert_true(v != 0);
				} else {
					assert_true(v == 0 || widths[a] == 8);
					assert_true(rd_off(&r) <= len);
				}
			}
		}
		free(b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_ptr_copy_skip_rest),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_need_huge),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
