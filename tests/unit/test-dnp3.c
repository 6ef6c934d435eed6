/* SPDX-License-Identifier: BSD-3-Clause */
/* test-dnp3.c: unit tests of protocols/dnp3.c (placeholder until the dissector is written). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_dnp3;

static void
registered(void **s)
{
	(void)s;
	assert_ptr_equal(ots_dissector_by_name("dnp3"), &ots_dissector_dnp3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
