/* SPDX-License-Identifier: BSD-3-Clause */
/* test-kafka-spool.c: the Kafka output's on-disk spool (src/kafka-spool.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/error.h"
#include "ots/kafka-spool.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ots-spool.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Read every unread record of kind as "key|value" lines into out. */
static void
drain(struct ots_spool *s, enum ots_sink_kind kind, char *out, size_t len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	const char *k, *v;
	size_t kl, vl;
	uint64_t rl;

	out[0] = '\0';
	while (ots_spool_peek(s, kind, &buf, &cap, &k, &kl, &v, &vl, &rl) == 1) {
		n += (size_t)snprintf(out + n, len - n, "%.*s|%.*s\n", (int)kl, k ? k : "", (int)vl, v);
		ots_spool_consume(s, kind, rl);
	}
	free(buf);
}

static void
put(struct ots_spool *s, enum ots_sink_kind kind, const char *k, const char *v, int want)
{
	assert_int_equal(ots_spool_append(s, kind, k, k ? strlen(k) : 0, v, strlen(v)), want);
}

static void
test_order_and_reopen(void **state)
{
	struct ots_spool s;
	char err[256], out[1024];
	struct ots_spool_rec back[2] = { { "k0", 2, "zero", 4 }, { NULL, 0, "nokey", 5 } };

	(void)state;
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	put(&s, OTS_SINK_EVENT, "f1", "{\"a\":1}", OTS_OK);
	put(&s, OTS_SINK_EVENT, "f2", "{\"a\":2}", OTS_OK);
	put(&s, OTS_SINK_ALERT, "r/1", "{\"x\":1}", OTS_OK);
	put(&s, OTS_SINK_EVENT, "f1", "{\"a\":3}", OTS_OK);
	assert_int_equal(ots_spool_bytes(&s), 4 * OTS_SPOOL_HDR + 3 * (2 + 7) + 3 + 7);
	/* records given back go in front of what waits */
	assert_int_equal(ots_spool_prepend(&s, OTS_SINK_EVENT, back, 2), OTS_OK);
	ots_spool_close(&s);
	/* a new run finds them, in order */
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	assert_int_equal(s.recovered, 6);
	assert_int_equal(s.recovered_cut, 0);
	drain(&s, OTS_SINK_EVENT, out, sizeof(out));
	assert_string_equal(out, "k0|zero\n|nokey\nf1|{\"a\":1}\nf2|{\"a\":2}\nf1|{\"a\":3}\n");
	drain(&s, OTS_SINK_ALERT, out, sizeof(out));
	assert_string_equal(out, "r/1|{\"x\":1}\n");
	assert_int_equal(ots_spool_bytes(&s), 0);
	assert_int_equal(ots_spool_records(&s), 0);
	ots_spool_close(&s);
	/* all read: the files are empty */
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	assert_int_equal(s.recovered, 0);
	ots_spool_close(&s);
}

static void
test_cap_drops_events_before_alerts(void **state)
{
	struct ots_spool s;
	char err[256], out[1024];
	const uint64_t rec = OTS_SPOOL_HDR + 2 + 8; /* key "kN", value "value-NN" */

	(void)state;
	assert_int_equal(ots_spool_open(&s, dir, 4 * rec, err, sizeof(err)), OTS_OK);
	put(&s, OTS_SINK_EVENT, "k1", "value-e1", OTS_OK);
	put(&s, OTS_SINK_ALERT, "k2", "value-a1", OTS_OK);
	put(&s, OTS_SINK_EVENT, "k3", "value-e2", OTS_OK);
	put(&s, OTS_SINK_ASSET, "k4", "value-s1", OTS_OK);
	assert_int_equal(ots_spool_bytes(&s), 4 * rec);
	/* full: an alert pushes out the oldest event */
	put(&s, OTS_SINK_ALERT, "k5", "value-a2", OTS_OK);
	assert_int_equal(s.dropped[OTS_SINK_EVENT], 1);
	/* an alert again: the other event goes */
	put(&s, OTS_SINK_ALERT, "k6", "value-a3", OTS_OK);
	assert_int_equal(s.dropped[OTS_SINK_EVENT], 2);
	/* no event left: a new event may not push out assets or alerts, it is dropped itself */
	put(&s, OTS_SINK_EVENT, "k7", "value-e3", OTS_ELIMIT);
	assert_int_equal(s.dropped[OTS_SINK_EVENT], 3);
	/* an alert pushes out the asset (ranked below alerts) */
	put(&s, OTS_SINK_ALERT, "k8", "value-a4", OTS_OK);
	assert_int_equal(s.dropped[OTS_SINK_ASSET], 1);
	/* only alerts left: the oldest alert goes */
	put(&s, OTS_SINK_ALERT, "k9", "value-a5", OTS_OK);
	assert_int_equal(s.dropped[OTS_SINK_ALERT], 1);
	assert_true(ots_spool_bytes(&s) <= 4 * rec);
	drain(&s, OTS_SINK_ALERT, out, sizeof(out));
	assert_string_equal(out, "k5|value-a2\nk6|value-a3\nk8|value-a4\nk9|value-a5\n");
	drain(&s, OTS_SINK_EVENT, out, sizeof(out));
	assert_string_equal(out, "");
	/* larger than the whole cap: dropped */
	put(&s, OTS_SINK_ALERT, "big", "0123456789012345678901234567890123456789012345678901234567890"
	    "1234567890123456789012345678901234567890", OTS_ELIMIT);
	drain(&s, OTS_SINK_ALERT, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(s.dropped[OTS_SINK_ALERT], 2);
	ots_spool_close(&s);
}

static void
test_cut_tail_recovered(void **state)
{
	struct ots_spool s;
	char err[256], out[1024], path[128];
	FILE *f;
	long size;

	(void)state;
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	put(&s, OTS_SINK_EVENT, "a", "first", OTS_OK);
	put(&s, OTS_SINK_EVENT, "b", "second", OTS_OK);
	put(&s, OTS_SINK_EVENT, "c", "third", OTS_OK);
	ots_spool_close(&s);
	/* a crash in the middle of the last record */
	snprintf(path, sizeof(path), "%s/events.spool", dir);
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_int_equal(size, 3 * OTS_SPOOL_HDR + 1 + 5 + 1 + 6 + 1 + 5);
	assert_int_equal(truncate(path, size - 3), 0);
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	assert_int_equal(s.recovered, 2);
	assert_int_equal(s.recovered_cut, OTS_SPOOL_HDR + 1 + 5 - 3);
	/* appending after the cut yields a whole file again */
	put(&s, OTS_SINK_EVENT, "d", "fourth", OTS_OK);
	drain(&s, OTS_SINK_EVENT, out, sizeof(out));
	assert_string_equal(out, "a|first\nb|second\nd|fourth\n");
	ots_spool_close(&s);
	/* a damaged byte (checksum) in the middle: kept up to the record before it */
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	put(&s, OTS_SINK_EVENT, "a", "first", OTS_OK);
	put(&s, OTS_SINK_EVENT, "b", "second", OTS_OK);
	ots_spool_close(&s);
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, (long)(OTS_SPOOL_HDR + 6 + OTS_SPOOL_HDR + 2), SEEK_SET);
	fputc('X', f);
	fclose(f);
	assert_int_equal(ots_spool_open(&s, dir, 0, err, sizeof(err)), OTS_OK);
	assert_int_equal(s.recovered, 1);
	drain(&s, OTS_SINK_EVENT, out, sizeof(out));
	assert_string_equal(out, "a|first\n");
	ots_spool_close(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_drops_events_before_alerts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_tail_recovered, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
