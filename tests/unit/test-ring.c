/* SPDX-License-Identifier: BSD-3-Clause */
/* test-ring.c: SPSC ring: record framing, wrap-around, full ring, and a two-thread stress. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ots/error.h"
#include "ots/ring.h"

static void
put(struct ots_ring *r, uint32_t len, uint8_t fill)
{
	uint8_t *p = ots_ring_reserve(r, len);

	assert_non_null(p);
	memset(p, fill, len);
	ots_ring_commit(r);
}

static void
test_basic(void **state)
{
	struct ots_ring r;
	const uint8_t *p;
	uint32_t len;

	(void)state;
	assert_int_equal(ots_ring_init(&r, 1000), OTS_OK);
	assert_int_equal(r.size, 4096);
	put(&r, 10, 0xaa);
	/* not published yet: the consumer sees nothing */
	assert_null(ots_ring_peek(&r, &len));
	ots_ring_publish(&r);
	p = ots_ring_peek(&r, &len);
	assert_non_null(p);
	assert_int_equal(len, 10);
	assert_int_equal(p[0], 0xaa);
	assert_int_equal(p[9], 0xaa);
	ots_ring_consume(&r);
	assert_null(ots_ring_peek(&r, &len));
	ots_ring_release(&r);
	assert_int_equal(ots_ring_used(&r), 0);
	/* zero-length records are records too */
	put(&r, 0, 0);
	ots_ring_publish(&r);
	assert_non_null(ots_ring_peek(&r, &len));
	assert_int_equal(len, 0);
	ots_ring_consume(&r);
	ots_ring_release(&r);
	ots_ring_destroy(&r);
}

static void
test_full_and_oversize(void **state)
{
	struct ots_ring r;
	uint32_t len;
	int n = 0;

	(void)state;
	assert_int_equal(ots_ring_init(&r, 4096), OTS_OK);
	assert_null(ots_ring_reserve(&r, OTS_RING_MAX_RECORD(&r) + 1));
	while (ots_ring_reserve(&r, 100)) {
		ots_ring_commit(&r);
		n++;
	}
	/* 100 bytes + 8 header, rounded to 112: 36 records fit in 4096 */
	assert_int_equal(n, 4096 / 112);
	ots_ring_publish(&r);
	/* freeing one record makes room for one more, but only after release */
	assert_non_null(ots_ring_peek(&r, &len));
	ots_ring_consume(&r);
	assert_null(ots_ring_reserve(&r, 100));
	ots_ring_release(&r);
	assert_non_null(ots_ring_reserve(&r, 100));
	ots_ring_destroy(&r);
}

static void
test_wrap(void **state)
{
	struct ots_ring r;
	const uint8_t *p;
	uint32_t len, i, seen = 0;

	(void)state;
	assert_int_equal(ots_ring_init(&r, 4096), OTS_OK);
	/* records of 1000 bytes (1008 + 8) leave a tail that forces a pad marker */
	for (i = 0; i < 100; i++) {
		put(&r, 1000, (uint8_t)i);
		ots_ring_publish(&r);
		p = ots_ring_peek(&r, &len);
		assert_non_null(p);
		assert_int_equal(len, 1000);
		assert_int_equal(p[0], (uint8_t)i);
		assert_int_equal(p[999], (uint8_t)i);
		/* records never straddle the end of the buffer */
		assert_true(p + len <= r.buf + r.size);
		ots_ring_consume(&r);
		ots_ring_release(&r);
		seen++;
	}
	assert_int_equal(seen, 100);
	assert_null(ots_ring_peek(&r, &len));
	ots_ring_destroy(&r);
}

#define STRESS_N 300000u

static uint32_t
rec_len(uint32_t i)
{
	return (i * 2654435761u) % 300u;
}

static void *
producer(void *arg)
{
	struct ots_ring *r = arg;
	unsigned spins = 0;
	uint32_t i, j, len;
	uint8_t *p;

	for (i = 0; i < STRESS_N; i++) {
		len = rec_len(i) + 4;
		while (!(p = ots_ring_reserve(r, len))) {
			ots_ring_publish(r);
			ots_backoff(&spins);
		}
		spins = 0;
		memcpy(p, &i, 4);
		for (j = 4; j < len; j++)
			p[j] = (uint8_t)(i + j);
		ots_ring_commit(r);
		if ((i & 15) == 0)
			ots_ring_publish(r);
	}
	ots_ring_publish(r);
	return NULL;
}

static void
test_two_threads(void **state)
{
	struct ots_ring r;
	pthread_t th;
	const uint8_t *p;
	uint32_t len, i = 0, v, j, bad = 0;
	unsigned spins = 0;

	(void)state;
	assert_int_equal(ots_ring_init(&r, 16384), OTS_OK);
	assert_int_equal(pthread_create(&th, NULL, producer, &r), 0);
	while (i < STRESS_N) {
		p = ots_ring_peek(&r, &len);
		if (!p) {
			ots_ring_release(&r);
			ots_backoff(&spins);
			continue;
		}
		spins = 0;
		memcpy(&v, p, 4);
		if (v != i || len != rec_len(i) + 4)
			bad++;
		for (j = 4; j < len; j++)
			if (p[j] != (uint8_t)(i + j))
				bad++;
		ots_ring_consume(&r);
		if ((i & 7) == 0)
			ots_ring_release(&r);
		i++;
	}
	pthread_join(th, NULL);
	assert_int_equal(bad, 0);
	assert_null(ots_ring_peek(&r, &len));
	ots_ring_destroy(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full_and_oversize),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
