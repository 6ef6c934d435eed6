/* SPDX-License-Identifier: BSD-3-Clause */
/* test-l2-state.c: unit tests of the layer-2 stream table (src/l2-state.c): keys, state
 * kept and zeroed, expiry by packet time, LRU eviction under the cap, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ots/l2-state.h"

#define SEC 1000000ull

static struct ots_l2_key
key(uint32_t n, uint16_t ethertype, uint16_t vlan)
{
	struct ots_l2_key k;

	memset(&k, 0, sizeof(k));
	k.src[0] = 0x00;
	k.src[2] = (uint8_t)(n >> 16);
	k.src[3] = (uint8_t)(n >> 8);
	k.src[5] = (uint8_t)n;
	memcpy(k.dst, "\x01\x0c\xcd\x01\x00\x01", 6);
	k.ethertype = ethertype;
	k.vlan = vlan;
	return k;
}

static void
keys_and_state(void **s)
{
	struct ots_l2_table *t = ots_l2_table_new(16, 120 * SEC, 12);
	struct ots_l2_key a = key(1, 0x88b8, 0), b = key(1, 0x88b8, 5), c = key(1, 0x88b9, 0);
	uint32_t *p;

	(void)s;
	assert_non_null(t);
	assert_null(ots_l2_table_get(NULL, &a, 0));
	p = ots_l2_table_get(t, &a, 10 * SEC);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 8, 0);
	assert_int_equal(p[0] | p[1] | p[2], 0); /* zeroed */
	p[0] = 42;
	p[2] = 7;
	/* other VLAN, other EtherType, other destination: other streams */
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &b, 10 * SEC), 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &c, 10 * SEC), 0);
	c.dst[5] = 2;
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &c, 10 * SEC), 0);
	p = ots_l2_table_get(t, &a, 11 * SEC);
	assert_int_equal(p[0], 42);
	assert_int_equal(p[2], 7);
	assert_int_equal(ots_l2_table_count(t), 4);
	assert_int_equal(ots_l2_table_stats(t)->created, 4);
	assert_int_equal(ots_l2_table_stats(t)->peak, 4);
	/* packet time stepping back keeps the state */
	p = ots_l2_table_get(t, &a, 1 * SEC);
	assert_int_equal(p[0], 42);
	/* idle 120 s: still there; beyond: zeroed, counted */
	p = ots_l2_table_get(t, &a, 131 * SEC);
	assert_int_equal(p[0], 42);
	p = ots_l2_table_get(t, &a, 251 * SEC + 1);
	assert_int_equal(p[0], 0);
	assert_int_equal(ots_l2_table_stats(t)->expired, 1);
	assert_int_equal(ots_l2_table_stats(t)->created, 5);
	assert_int_equal(ots_l2_table_count(t), 4);
	ots_l2_table_free(t);
	ots_l2_table_free(NULL);
	assert_null(ots_l2_table_new(0, SEC, 8));
	assert_null(ots_l2_table_new(8, SEC, 0));
}

static void
cap_and_lru(void **s)
{
	struct ots_l2_table *t = ots_l2_table_new(4096, 120 * SEC, 8);
	struct ots_l2_key k;
	uint32_t i, *p;

	(void)s;
	assert_non_null(t);
	/* 4096 streams fill the table */
	for (i = 0; i < 4096; i++) {
		k = key(i, 0x88b8, 0);
		p = ots_l2_table_get(t, &k, SEC + i);
		*p = i + 1;
	}
	assert_int_equal(ots_l2_table_count(t), 4096);
	/* touch stream 0: now the most recent; stream 1 the least */
	k = key(0, 0x88b8, 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 2 * SEC), 1);
	/* a new stream takes stream 1's slot: a live one, evicted */
	k = key(5000, 0x88b8, 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 2 * SEC), 0);
	assert_int_equal(ots_l2_table_stats(t)->evicted, 1);
	assert_int_equal(ots_l2_table_count(t), 4096);
	k = key(1, 0x88b8, 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 2 * SEC), 0); /* forgotten */
	assert_int_equal(ots_l2_table_stats(t)->evicted, 2); /* and took stream 2's slot */
	k = key(0, 0x88b8, 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 2 * SEC), 1); /* kept */
	k = key(3, 0x88b8, 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 2 * SEC), 4); /* kept */
	/* long after: the least recent slot is idle, taking it is an expiry, not an eviction */
	k = key(6000, 0x88b8, 0);
	assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 1000 * SEC), 0);
	assert_int_equal(ots_l2_table_stats(t)->evicted, 2);
	assert_int_equal(ots_l2_table_stats(t)->expired, 1);
	/* a flood of 100000 streams stays within the cap */
	for (i = 0; i < 100000; i++) {
		k = key(10000 + i, 0x88b8, (uint16_t)(i & 7));
		p = ots_l2_table_get(t, &k, 1000 * SEC + i);
		assert_int_equal(*p, 0);
		*p = i;
	}
	assert_int_equal(ots_l2_table_count(t), 4096);
	assert_int_equal(ots_l2_table_stats(t)->peak, 4096);
	/* the last 4096 are all there */
	for (i = 100000 - 4096; i < 100000; i++) {
		k = key(10000 + i, 0x88b8, (uint16_t)(i & 7));
		assert_int_equal(*(uint32_t *)ots_l2_table_get(t, &k, 1001 * SEC), i);
	}
	ots_l2_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_and_state),
		cmocka_unit_test(cap_and_lru),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
