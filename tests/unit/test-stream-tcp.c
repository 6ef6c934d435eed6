/* SPDX-License-Identifier: BSD-3-Clause */
/* test-stream-tcp.c: unit tests of in-order TCP delivery (src/stream-tcp.c). RFC 9293. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ots/error.h"
#include "ots/packet-t.h"
#include "ots/stream-tcp.h"

#define SINK_MAX (1u << 18)

/* What the callbacks saw, per direction: the bytes, and a log of events ("d3 g9 d1 "). */
struct sink {
	uint8_t buf[2][SINK_MAX];
	size_t len[2];
	char log[2][1024];
	const uint8_t *last_ptr[2];
};

static void
log_add(struct sink *k, int dir, char what, uint32_t n)
{
	size_t l = strlen(k->log[dir]);

	if (l + 16 < sizeof(k->log[dir]))
		snprintf(k->log[dir] + l, sizeof(k->log[dir]) - l, "%c%u ", what, n);
}

static void
on_data(void *ctx, int dir, const uint8_t *data, uint32_t len)
{
	struct sink *k = ctx;

	assert_true(dir == 0 || dir == 1);
	assert_true(k->len[dir] + len <= SINK_MAX);
	memcpy(k->buf[dir] + k->len[dir], data, len);
	k->len[dir] += len;
	k->last_ptr[dir] = data;
	log_add(k, dir, 'd', len);
}

static void
on_gap(void *ctx, int dir, uint32_t len)
{
	struct sink *k = ctx;

	assert_true(dir == 0 || dir == 1);
	log_add(k, dir, 'g', len);
}

static const struct ots_stream_cb cb = { on_data, on_gap };

static struct sink *
sink_new(void)
{
	struct sink *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	return k;
}

static int
seg(struct ots_stream *s, const struct ots_stream_conf *c, int dir, uint32_t seq, uint8_t fl,
    const char *str, struct sink *k)
{
	return ots_stream_segment(s, c, dir, seq, fl, (const uint8_t *)str,
	                          (uint32_t)strlen(str), &cb, k);
}

static void
test_in_order(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();
	const char *third = "ghi";

	(void)state;
	ots_stream_conf_default(&c);
	assert_int_equal(c.max_buffered, 65536);
	assert_int_equal(c.max_segments, 64);
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 1000, OTS_TH_ACK, "abc", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 1003, OTS_TH_ACK, "def", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 1006, OTS_TH_ACK | OTS_TH_PSH, third, k), OTS_OK);
	assert_int_equal(k->len[0], 9);
	assert_memory_equal(k->buf[0], "abcdefghi", 9);
	assert_string_equal(k->log[0], "d3 d3 d3 ");
	/* zero copy: the callback saw the caller's buffer */
	assert_ptr_equal(k->last_ptr[0], (const uint8_t *)third);
	assert_int_equal(s.dir[0].next_seq, 1009);
	assert_int_equal(s.dir[0].delivered, 9);
	assert_int_equal(s.dir[0].ooo_segs, 0);
	assert_int_equal(s.dir[0].dup_bytes, 0);
	assert_int_equal(s.dir[1].started, 0);
	assert_int_equal(ots_stream_mem(&s), 0);
	ots_stream_release(&s);
	free(k);
}

static void
test_syn(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	/* SYN consumes one sequence number */
	assert_int_equal(seg(&s, &c, 0, 100, OTS_TH_SYN, "", k), OTS_OK);
	assert_int_equal(s.dir[0].next_seq, 101);
	assert_int_equal(s.dir[0].started, 1);
	/* a retried SYN with a new ISN before any data re-anchors */
	assert_int_equal(seg(&s, &c, 0, 5000, OTS_TH_SYN, "", k), OTS_OK);
	assert_int_equal(s.dir[0].next_seq, 5001);
	assert_int_equal(seg(&s, &c, 0, 5001, OTS_TH_ACK, "hello", k), OTS_OK);
	assert_int_equal(s.dir[0].next_seq, 5006);
	/* a retransmitted SYN after data is old */
	assert_int_equal(seg(&s, &c, 0, 5000, OTS_TH_SYN, "", k), OTS_OK);
	assert_int_equal(s.dir[0].next_seq, 5006);
	/* SYN-ACK carrying data (TFO style): data starts at seq + 1 */
	assert_int_equal(seg(&s, &c, 1, 0x7000, OTS_TH_SYN | OTS_TH_ACK, "xy", k), OTS_OK);
	assert_int_equal(s.dir[1].next_seq, 0x7003);
	assert_memory_equal(k->buf[0], "hello", 5);
	assert_int_equal(k->len[0], 5);
	assert_memory_equal(k->buf[1], "xy", 2);
	assert_int_equal(k->len[1], 2);
	assert_int_equal(s.dir[0].dup_bytes, 0);
	free(k);
}

static void
test_ooo_permutations(void **state)
{
	static const char *part[4] = { "AAAA", "BBBB", "CCCC", "DDDD" };
	int perm[24][4];
	int n = 0, a, b, cc, d;

	(void)state;
	for (a = 0; a < 4; a++)
		for (b = 0; b < 4; b++)
			for (cc = 0; cc < 4; cc++)
				for (d = 0; d < 4; d++)
					if (a != b && a != cc && a != d && b != cc && b != d &&
					    cc != d) {
						perm[n][0] = a;
						perm[n][1] = b;
						perm[n][2] = cc;
						perm[n][3] = d;
						n++;
					}
	assert_int_equal(n, 24);
	for (a = 0; a < 24; a++) {
		struct ots_stream_conf c;
		struct ots_stream s;
		struct sink *k = sink_new();
		uint64_t ahead = 0;

		ots_stream_conf_default(&c);
		ots_stream_init(&s);
		/* the handshake fixes next_seq, so any segment may come first */
		assert_int_equal(seg(&s, &c, 0, 999, OTS_TH_SYN, "", k), OTS_OK);
		for (b = 0; b < 4; b++) {
			int i = perm[a][b];
			int j;

			/* ahead iff an earlier part is still missing */
			for (j = 0, d = 0; j < b; j++)
				d += perm[a][j] < i;
			if (d < i)
				ahead++;
			assert_int_equal(seg(&s, &c, 0, 1000 + 4 * (uint32_t)i, OTS_TH_ACK,
			                     part[i], k), OTS_OK);
		}
		assert_int_equal(k->len[0], 16);
		assert_memory_equal(k->buf[0], "AAAABBBBCCCCDDDD", 16);
		assert_int_equal(s.dir[0].next_seq, 1016);
		assert_int_equal(s.dir[0].ooo_segs, ahead);
		assert_int_equal(s.dir[0].gaps, 0);
		assert_int_equal(s.dir[0].nsegs, 0);
		assert_int_equal(s.dir[0].buffered, 0);
		assert_int_equal(ots_stream_mem(&s), 0);
		free(k);
	}
}

static void
test_overlap_first_wins(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 0, 0, "0123", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 8, 0, "89ab", k), OTS_OK);    /* held 8..12 */
	assert_int_equal(seg(&s, &c, 0, 6, 0, "XYZW", k), OTS_OK);    /* 6..8 new, 8..10 differ */
	assert_int_equal(s.dir[0].dup_bytes, 2);
	assert_int_equal(s.dir[0].conflict_bytes, 2);
	assert_int_equal(s.dir[0].nsegs, 2);
	assert_int_equal(s.dir[0].buffered, 6);
	assert_int_equal(seg(&s, &c, 0, 9, 0, "9a", k), OTS_OK);      /* same bytes: dup only */
	assert_int_equal(s.dir[0].dup_bytes, 4);
	assert_int_equal(s.dir[0].conflict_bytes, 2);
	/* spanning a hole between held parts: only the uncovered middle is kept */
	assert_int_equal(seg(&s, &c, 0, 14, 0, "ef", k), OTS_OK);     /* held 14..16 */
	assert_int_equal(seg(&s, &c, 0, 11, 0, "bCDE!", k), OTS_OK);  /* 11..16 */
	assert_int_equal(s.dir[0].dup_bytes, 4 + 3);
	assert_int_equal(s.dir[0].conflict_bytes, 2 + 2);             /* "E!" vs "ef" */
	assert_int_equal(s.dir[0].nsegs, 4);
	assert_int_equal(s.dir[0].buffered, 10);
	/* in-order data overlapping held "XY": the held copy is delivered */
	assert_int_equal(seg(&s, &c, 0, 4, 0, "4567", k), OTS_OK);
	assert_int_equal(s.dir[0].dup_bytes, 9);
	assert_int_equal(s.dir[0].conflict_bytes, 6);
	assert_int_equal(k->len[0], 16);
	assert_memory_equal(k->buf[0], "012345XY89abCDef", 16);
	assert_int_equal(s.dir[0].next_seq, 16);
	assert_int_equal(s.dir[0].nsegs, 0);
	assert_int_equal(s.dir[0].delivered, 16);
	assert_int_equal(ots_stream_mem(&s), 0);
	free(k);
}

static void
test_retransmit_partial(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 10, 0, "abcd", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 12, 0, "cdef", k), OTS_OK);   /* only "ef" is new */
	assert_int_equal(s.dir[0].dup_bytes, 2);
	assert_int_equal(seg(&s, &c, 0, 10, 0, "ab", k), OTS_OK);     /* wholly old */
	assert_int_equal(s.dir[0].dup_bytes, 4);
	assert_int_equal(seg(&s, &c, 0, 8, 0, "..abcdefgh", k), OTS_OK);
	assert_int_equal(s.dir[0].dup_bytes, 12);
	assert_int_equal(k->len[0], 8);
	assert_memory_equal(k->buf[0], "abcdefgh", 8);
	assert_string_equal(k->log[0], "d4 d2 d2 ");
	assert_int_equal(s.dir[0].next_seq, 18);
	assert_int_equal(s.dir[0].ooo_segs, 0);
	free(k);
}

static void
test_cap_segments(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	c.max_segments = 2;
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 0, 0, "a", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 10, 0, "b", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 20, 0, "c", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 30, 0, "d", k), OTS_ELIMIT);
	assert_string_equal(k->log[0], "d1 g9 d1 ");
	assert_int_equal(s.dir[0].next_seq, 11);
	assert_int_equal(s.dir[0].nsegs, 2);
	assert_int_equal(s.dir[0].gaps, 1);
	assert_int_equal(s.dir[0].gap_bytes, 9);
	/* filling the next hole delivers what waits behind it */
	assert_int_equal(seg(&s, &c, 0, 11, 0, "123456789", k), OTS_OK);
	assert_string_equal(k->log[0], "d1 g9 d1 d9 d1 ");
	assert_int_equal(s.dir[0].next_seq, 21);
	ots_stream_flush(&s, &cb, k);
	assert_string_equal(k->log[0], "d1 g9 d1 d9 d1 g9 d1 ");
	assert_int_equal(s.dir[0].gap_bytes, 18);
	assert_int_equal(s.dir[0].gaps, 2);
	assert_int_equal(k->len[0], 13);
	assert_memory_equal(k->buf[0], "ab123456789cd", 13);
	assert_int_equal(ots_stream_mem(&s), 0);
	free(k);
}

static void
test_cap_buffered(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	c.max_buffered = 10;
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 0, 0, "x", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 100, 0, "AAAAAAAA", k), OTS_OK);
	assert_int_equal(s.dir[0].buffered, 8);
	assert_int_equal(seg(&s, &c, 0, 200, 0, "BBBBBBBB", k), OTS_ELIMIT);
	assert_string_equal(k->log[0], "d1 g99 d8 ");
	assert_int_equal(s.dir[0].buffered, 8);
	assert_int_equal(s.dir[0].next_seq, 108);
	/* one segment larger than the cap on its own */
	assert_int_equal(seg(&s, &c, 0, 300, 0, "CCCCCCCCCCCC", k), OTS_ELIMIT);
	assert_string_equal(k->log[0], "d1 g99 d8 g92 d8 g92 d12 ");
	assert_int_equal(s.dir[0].buffered, 0);
	assert_int_equal(s.dir[0].next_seq, 312);
	assert_int_equal(s.dir[0].gap_bytes, 99 + 92 + 92);
	free(k);
}

static void
test_flush_gaps(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 1, OTS_TH_SYN, "", k), OTS_OK);  /* next 2 */
	assert_int_equal(seg(&s, &c, 0, 5, 0, "cc", k), OTS_OK);         /* hole 2..5 */
	assert_int_equal(seg(&s, &c, 0, 7, 0, "dd", k), OTS_OK);         /* adjacent */
	assert_int_equal(seg(&s, &c, 0, 20, 0, "ee", k), OTS_OK);        /* hole 9..20 */
	assert_int_equal(seg(&s, &c, 1, 50, 0, "r", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 60, 0, "s", k), OTS_OK);         /* hole 51..60 */
	assert_int_equal(k->len[0], 0);
	assert_int_equal(ots_stream_mem(&s) > 0, 1);
	ots_stream_flush(&s, &cb, k);
	assert_string_equal(k->log[0], "g3 d2 d2 g11 d2 ");
	assert_string_equal(k->log[1], "d1 g9 d1 ");
	assert_memory_equal(k->buf[0], "ccddee", 6);
	assert_int_equal(s.dir[0].gaps, 2);
	assert_int_equal(s.dir[0].gap_bytes, 14);
	assert_int_equal(s.dir[1].gap_bytes, 9);
	assert_int_equal(s.dir[0].next_seq, 22);
	assert_int_equal(ots_stream_mem(&s), 0);
	/* flushing again is a no-op */
	ots_stream_flush(&s, &cb, k);
	assert_string_equal(k->log[0], "g3 d2 d2 g11 d2 ");
	free(k);
}

static void
test_wraparound(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();
	uint8_t data[0x200];
	uint32_t isn = 0xffffff00u;
	uint32_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(ots_stream_segment(&s, &c, 0, isn, OTS_TH_SYN, NULL, 0, &cb, k), OTS_OK);
	/* four 0x80 segments at isn+1 ...: the third and fourth lie past 2^32; send 4, 2, 3, 1 */
	assert_int_equal(ots_stream_segment(&s, &c, 0, isn + 1 + 0x180, 0, data + 0x180, 0x80,
	                                    &cb, k), OTS_OK);
	assert_int_equal(ots_stream_segment(&s, &c, 0, isn + 1 + 0x80, 0, data + 0x80, 0x80,
	                                    &cb, k), OTS_OK);
	assert_int_equal(ots_stream_segment(&s, &c, 0, isn + 1 + 0x100, 0, data + 0x100, 0x80,
	                                    &cb, k), OTS_OK);
	assert_int_equal(s.dir[0].nsegs, 3); /* adjacent pieces stay separate segments */
	assert_int_equal(s.dir[0].buffered, 0x180);
	assert_int_equal(k->len[0], 0);
	assert_int_equal(ots_stream_segment(&s, &c, 0, isn + 1, 0, data, 0x80, &cb, k), OTS_OK);
	assert_int_equal(k->len[0], 0x200);
	assert_memory_equal(k->buf[0], data, 0x200);
	assert_int_equal(s.dir[0].next_seq, 0x101u);
	assert_int_equal(s.dir[0].gaps, 0);
	/* data from before the wrap is old now */
	assert_int_equal(ots_stream_segment(&s, &c, 0, 0xfffffff0u, 0, data, 0x20, &cb, k),
	                 OTS_OK);
	assert_int_equal(s.dir[0].dup_bytes, 0x20);
	assert_int_equal(k->len[0], 0x200);
	free(k);
}

static void
test_fin_rst(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	/* FIN arrives before the data in front of it */
	assert_int_equal(seg(&s, &c, 0, 0, 0, "ab", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 4, OTS_TH_FIN | OTS_TH_ACK, "ef", k), OTS_OK);
	assert_int_equal(s.dir[0].fin_seen, 1);
	assert_int_equal(s.dir[0].fin_seq, 6);
	assert_int_equal(s.dir[0].closed, 0);
	assert_int_equal(seg(&s, &c, 0, 2, 0, "cd", k), OTS_OK);
	assert_int_equal(s.dir[0].closed, 1);
	assert_int_equal(k->len[0], 6);
	assert_memory_equal(k->buf[0], "abcdef", 6);
	/* data past the FIN is ignored; a retransmission is a dup */
	assert_int_equal(seg(&s, &c, 0, 6, 0, "zz", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 4, OTS_TH_FIN, "ef", k), OTS_OK);
	assert_int_equal(k->len[0], 6);
	assert_int_equal(s.dir[0].dup_bytes, 2);
	/* held data past a later FIN is dropped */
	assert_int_equal(seg(&s, &c, 1, 100, 0, "q", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 110, 0, "LATE", k), OTS_OK);
	assert_int_equal(s.dir[1].nsegs, 1);
	assert_int_equal(seg(&s, &c, 1, 101, OTS_TH_FIN, "rs", k), OTS_OK);
	assert_int_equal(s.dir[1].closed, 1);
	assert_int_equal(s.dir[1].nsegs, 0);
	assert_int_equal(ots_stream_mem(&s), 0);
	assert_memory_equal(k->buf[1], "qrs", 3);
	assert_int_equal(k->len[1], 3);
	ots_stream_release(&s);

	/* RST at next_seq closes at once; its payload is not stream data */
	ots_stream_init(&s);
	memset(k, 0, sizeof(*k));
	assert_int_equal(seg(&s, &c, 1, 500, 0, "ok", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 502, OTS_TH_RST | OTS_TH_ACK, "diag", k), OTS_OK);
	assert_int_equal(s.dir[1].closed, 1);
	assert_int_equal(seg(&s, &c, 1, 502, 0, "more", k), OTS_OK);
	assert_int_equal(k->len[1], 2);
	assert_int_equal(s.dir[0].closed, 0);
	/* RST ahead of a hole: closes once the hole is filled */
	assert_int_equal(seg(&s, &c, 0, 10, 0, "a", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 14, OTS_TH_RST, "", k), OTS_OK);
	assert_int_equal(s.dir[0].closed, 0);
	assert_int_equal(seg(&s, &c, 0, 11, 0, "bcdXX", k), OTS_OK);
	assert_int_equal(s.dir[0].closed, 1);
	assert_int_equal(k->len[0], 4);
	assert_memory_equal(k->buf[0], "abcd", 4);
	ots_stream_release(&s);

	/* a held segment straddling a later FIN is cut at the FIN */
	ots_stream_init(&s);
	memset(k, 0, sizeof(*k));
	assert_int_equal(seg(&s, &c, 0, 100, 0, "q", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 102, 0, "ABCDEFG", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 101, OTS_TH_FIN, "rst", k), OTS_OK);
	assert_int_equal(s.dir[0].fin_seq, 104);
	assert_int_equal(s.dir[0].closed, 1);
	assert_int_equal(s.dir[0].conflict_bytes, 2);
	assert_int_equal(k->len[0], 4);
	assert_memory_equal(k->buf[0], "qrAB", 4);
	assert_int_equal(ots_stream_mem(&s), 0);
	free(k);
}

static void
test_directions_independent(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 100, OTS_TH_SYN, "", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 9000, OTS_TH_SYN | OTS_TH_ACK, "", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 105, 0, "WORLD", k), OTS_OK);  /* held */
	assert_int_equal(seg(&s, &c, 1, 9001, 0, "reply", k), OTS_OK); /* in order */
	assert_int_equal(seg(&s, &c, 0, 101, 0, "HELL", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 9006, OTS_TH_FIN, "", k), OTS_OK);
	assert_int_equal(k->len[0], 9);
	assert_memory_equal(k->buf[0], "HELLWORLD", 9);
	assert_int_equal(k->len[1], 5);
	assert_memory_equal(k->buf[1], "reply", 5);
	assert_int_equal(s.dir[0].next_seq, 110);
	assert_int_equal(s.dir[1].next_seq, 9006);
	assert_int_equal(s.dir[0].ooo_segs, 1);
	assert_int_equal(s.dir[1].ooo_segs, 0);
	assert_int_equal(s.dir[1].closed, 1);
	assert_int_equal(s.dir[0].closed, 0);
	free(k);
}

static void
test_mem_accounting(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();
	size_t one, hdr;

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(ots_stream_mem(&s), 0);
	assert_int_equal(seg(&s, &c, 0, 0, 0, "a", k), OTS_OK);
	assert_int_equal(ots_stream_mem(&s), 0);
	assert_int_equal(seg(&s, &c, 0, 10, 0, "12345", k), OTS_OK);
	one = ots_stream_mem(&s);
	assert_true(one > 5);
	hdr = one - 5;
	assert_int_equal(seg(&s, &c, 0, 20, 0, "123", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 7, 0, "z", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 1, 9, 0, "1234567", k), OTS_OK);
	assert_int_equal(ots_stream_mem(&s), 3 * hdr + 5 + 3 + 7);
	ots_stream_release(&s);
	assert_int_equal(ots_stream_mem(&s), 0);
	assert_null(s.dir[0].ooo);
	assert_null(s.dir[1].ooo);
	assert_int_equal(k->len[0], 1);
	free(k);
}

static void
test_far_ahead(void **state)
{
	struct ots_stream_conf c;
	struct ots_stream s;
	struct sink *k = sink_new();

	(void)state;
	ots_stream_conf_default(&c);
	ots_stream_init(&s);
	assert_int_equal(seg(&s, &c, 0, 1000, 0, "a", k), OTS_OK);
	assert_int_equal(seg(&s, &c, 0, 1001 + OTS_STREAM_MAX_AHEAD + 1, 0, "far", k), OTS_OK);
	assert_int_equal(s.dir[0].ignored_segs, 1);
	assert_int_equal(s.dir[0].nsegs, 0);
	assert_int_equal(seg(&s, &c, 0, 1001 + OTS_STREAM_MAX_AHEAD, 0, "edge", k), OTS_OK);
	assert_int_equal(s.dir[0].ignored_segs, 1);
	assert_int_equal(s.dir[0].nsegs, 1);
	/* a FIN far ahead does not close anything */
	assert_int_equal(seg(&s, &c, 0, 0x90000000u, OTS_TH_FIN, "", k), OTS_OK);
	assert_int_equal(s.dir[0].fin_seen, 0);
	ots_stream_release(&s);
	free(k);
}

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

struct piece {
	uint32_t off, len;
};

static void
test_random_reassembly(void **state)
{
	enum { TOTAL = 65536, MAXP = 4096 };
	static uint8_t orig[TOTAL];
	static struct piece p[MAXP];
	int round;

	(void)state;
	for (round = 0; round < 40; round++) {
		struct ots_stream_conf c;
		struct ots_stream s;
		struct sink *k = sink_new();
		uint32_t isn, off = 0, i;
		size_t np = 0;

		rng_state = 0x9e3779b97f4a7c15ull * (uint64_t)(round + 1);
		for (i = 0; i < TOTAL; i++)
			orig[i] = (uint8_t)rng();
		isn = round % 2 ? 0xffffff00u + (rng() & 0xff) : rng();
		/* random segmentation */
		while (off < TOTAL) {
			uint32_t len = 1 + rng() % 1500;

			if (len > TOTAL - off)
				len = TOTAL - off;
			p[np].off = off;
			p[np].len = len;
			np++;
			off += len;
		}
		/* duplicates and re-segmented overlapping retransmissions (same bytes) */
		for (i = 0; i < 200 && np < MAXP; i++) {
			uint32_t o = rng() % TOTAL;
			uint32_t len = 1 + rng() % 3000;

			if (len > TOTAL - o)
				len = TOTAL - o;
			p[np].off = o;
			p[np].len = len;
			np++;
		}
		/* shuffle (Fisher-Yates) */
		for (i = (uint32_t)np - 1; i > 0; i--) {
			uint32_t j = rng() % (i + 1);
			struct piece tmp = p[i];

			p[i] = p[j];
			p[j] = tmp;
		}
		c.max_buffered = 2 * TOTAL + 4096;
		c.max_segments = 2 * MAXP;
		ots_stream_init(&s);
		assert_int_equal(ots_stream_segment(&s, &c, 0, isn, OTS_TH_SYN, NULL, 0, &cb, k),
		                 OTS_OK);
		for (i = 0; i < np; i++)
			assert_int_equal(ots_stream_segment(&s, &c, 0, isn + 1 + p[i].off, OTS_TH_ACK,
			                                    orig + p[i].off, p[i].len, &cb, k),
			                 OTS_OK);
		assert_int_equal(k->len[0], TOTAL);
		assert_memory_equal(k->buf[0], orig, TOTAL);
		assert_int_equal(s.dir[0].gaps, 0);
		assert_int_equal(s.dir[0].conflict_bytes, 0);
		assert_int_equal(s.dir[0].delivered, TOTAL);
		assert_int_equal(s.dir[0].next_seq, isn + 1 + TOTAL);
		assert_int_equal(s.dir[0].nsegs, 0);
		assert_int_equal(ots_stream_mem(&s), 0);
		free(k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_syn),
		cmocka_unit_test(test_ooo_permutations),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_retransmit_partial),
		cmocka_unit_test(test_cap_segments),
		cmocka_unit_test(test_cap_buffered),
		cmocka_unit_test(test_flush_gaps),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_fin_rst),
		cmocka_unit_test(test_directions_independent),
		cmocka_unit_test(test_mem_accounting),
		cmocka_unit_test(test_far_ahead),
		cmocka_unit_test(test_random_reassembly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
