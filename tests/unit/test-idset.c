/* SPDX-License-Identifier: BSD-3-Clause */
/* test-idset.c: the set of written alert ids (src/idset.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ots/error.h"
#include "ots/idset.h"

static void
test_add_has(void **state)
{
	struct ots_idset s = { 0 };
	uint64_t i;

	(void)state;
	assert_false(ots_idset_has(&s, 0));
	assert_false(ots_idset_has(&s, 42));
	assert_int_equal(ots_idset_add(&s, 0), OTS_OK);
	assert_true(ots_idset_has(&s, 0));
	assert_false(ots_idset_has(&s, 42));
	/* growth through several doublings; ids that collide in the low bits */
	for (i = 1; i <= 10000; i++)
		assert_int_equal(ots_idset_add(&s, i << 40), OTS_OK);
	for (i = 1; i <= 10000; i++)
		assert_true(ots_idset_has(&s, i << 40));
	assert_false(ots_idset_has(&s, (uint64_t)10001 << 40));
	assert_false(ots_idset_has(&s, 1));
	assert_int_equal(s.n, 10000);
	/* adding again changes nothing */
	assert_int_equal(ots_idset_add(&s, (uint64_t)5 << 40), OTS_OK);
	assert_int_equal(s.n, 10000);
	assert_true(s.n * 2 <= s.cap);
	ots_idset_free(&s);
	assert_false(ots_idset_has(&s, (uint64_t)5 << 40));
	assert_false(ots_idset_has(&s, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_has),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
