/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-app.c: the engine side of dissectors (src/app.c) with a toy protocol:
 * PDU = 0xAB, length n, n bytes; the first payload byte is the "function code".
 * Framing in place and across segments, split at every byte, desynchronisation and recovery,
 * the give-up limit, gaps, the max_pdu cap, memory accounting back to zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ots/app.h"
#include "ots/error.h"
#include "ots/rd.h"

static long
toy_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint8_t magic, n;

	rd_init(&r, data, len);
	magic = rd_u8(&r);
	n = rd_u8(&r);
	if (!rd_ok(&r))
		return len >= 1 && magic != 0xAB ? -1 : 0;
	if (magic != 0xAB)
		return -1;
	return 2 + (long)n;
}

static int
toy_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out)
{
	struct ots_ics_op op;
	struct ots_rd r;
	uint32_t *count = state;

	(void)pkt;
	rd_init(&r, data, len);
	rd_skip(&r, 2);
	memset(&op, 0, sizeof(op));
	op.proto = 31;
	op.op_class = OTS_OP_WRITE;
	op.function = rd_u8(&r);
	if (!rd_ok(&r))
		return OTS_EINVAL;
	(*count)++;
	ots_emit_op(out, &op);
	return OTS_OK;
}

static const struct ots_dissector toy = {
	.name = "toy", .id = 31, .transports = OTS_TR_TCP, .ports = { 9999 },
	.max_pdu = 64, .state_size = sizeof(uint32_t),
	.pdu_len = toy_pdu_len, .parse = toy_parse,
};

static uint32_t seen[4096];
static size_t n_seen;

static void
on_op(void *ctx, const struct ots_ics_op *op)
{
	(void)ctx;
	if (n_seen < 4096)
		seen[n_seen++] = op->function;
}

static const struct ots_dissect_out out = { on_op, NULL, NULL, NULL };
static const struct ots_dissect_pkt pkt = { 0, 40000, 9999, 0 };

/* n PDUs with function codes 1..n, payload lengths varying 1..9 */
static size_t
make_stream(uint8_t *buf, size_t cap, unsigned n)
{
	size_t off = 0;
	unsigned i, k;

	for (i = 1; i <= n; i++) {
		unsigned plen = 1 + i % 9;

		assert_true(off + 2 + plen <= cap);
		buf[off++] = 0xAB;
		buf[off++] = (uint8_t)plen;
		buf[off++] = (uint8_t)i;
		for (k = 1; k < plen; k++)
			buf[off++] = (uint8_t)(0x40 + k);
	}
	return off;
}

static void
setup_flow(struct ots_flow *f, long *mem)
{
	memset(f, 0, sizeof(*f));
	n_seen = 0;
	*mem = ots_app_attach(f, &toy);
	assert_true(*mem > 0);
	assert_int_equal(f->app_verdict, OTS_APP_CHOSEN);
	assert_int_equal(f->app_proto, 31);
}

static void
check_all(unsigned n)
{
	unsigned i;

	assert_int_equal(n_seen, n);
	for (i = 0; i < n; i++)
		assert_int_equal(seen[i], i + 1);
}

static void
test_in_place(void **state)
{
	struct ots_app_counters c;
	struct ots_flow f;
	uint8_t buf[512];
	size_t len = make_stream(buf, sizeof(buf), 20);
	long mem;

	(void)state;
	memset(&c, 0, sizeof(c));
	setup_flow(&f, &mem);
	/* whole PDUs in one segment: parsed in place, nothing buffered */
	assert_int_equal(ots_app_tcp(&f, 0, buf, len, &pkt, &out, &c), 0);
	check_all(20);
	assert_int_equal(c.proto[31].pdus, 20);
	assert_int_equal(c.proto[31].desync, 0);
	assert_int_equal(mem + ots_app_end(&f, &out), 0);
	assert_null(f.app);
}

static void
test_split_every_byte(void **state)
{
	struct ots_app_counters c;
	struct ots_flow f;
	uint8_t buf[512];
	size_t len = make_stream(buf, sizeof(buf), 12), cut;
	long mem;

	(void)state;
	for (cut = 0; cut <= len; cut++) {
		memset(&c, 0, sizeof(c));
		setup_flow(&f, &mem);
		mem += ots_app_tcp(&f, 1, buf, cut, &pkt, &out, &c);
		mem += ots_app_tcp(&f, 1, buf + cut, len - cut, &pkt, &out, &c);
		check_all(12);
		assert_int_equal(c.proto[31].desync, 0);
		assert_int_equal(mem + ots_app_end(&f, &out), 0);
	}
}

static void
test_byte_by_byte_both_directions(void **state)
{
	struct ots_app_counters c;
	struct ots_flow f;
	uint8_t buf[1024];
	size_t len = make_stream(buf, sizeof(buf), 50), i;
	long mem;

	(void)state;
	memset(&c, 0, sizeof(c));
	setup_flow(&f, &mem);
	/* the two directions interleave byte by byte: their buffers never mix */
	for (i = 0; i < len; i++) {
		mem += ots_app_tcp(&f, 0, buf + i, 1, &pkt, &out, &c);
		mem += ots_app_tcp(&f, 1, buf + i, 1, &pkt, &out, &c);
	}
	assert_int_equal(n_seen, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(seen[i], i / 2 + 1);
	assert_int_equal(mem + ots_app_end(&f, &out), 0);
}

static void
test_desync_and_recovery(void **state)
{
	static const uint8_t junk[] = { 0x01, 0x02, 0x03 };
	struct ots_app_counters c;
	struct ots_flow f;
	uint8_t buf[64];
	size_t len = make_stream(buf, sizeof(buf), 2);
	long mem;

	(void)state;
	memset(&c, 0, sizeof(c));
	setup_flow(&f, &mem);
	mem += ots_app_tcp(&f, 0, junk, sizeof(junk), &pkt, &out, &c);
	assert_int_equal(c.proto[31].desync, 1);
	/* the next segment starts on a PDU boundary: back in step */
	mem += ots_app_tcp(&f, 0, buf, len, &pkt, &out, &c);
	check_all(2);
	assert_int_equal(c.proto[31].given_up, 0);
	assert_int_equal(mem + ots_app_end(&f, &out), 0);
}

static void
test_give_up(void **state)
{
	static const uint8_t junk[] = { 0x55 };
	struct ots_app_counters c;
	struct ots_flow f;
	uint8_t buf[64];
	size_t len = make_stream(buf, sizeof(buf), 2);
	long mem;
	int i;

	(void)state;
	memset(&c, 0, sizeof(c));
	setup_flow(&f, &mem);
	for (i = 0; i < OTS_APP_MAX_DESYNC; i++)
		mem += ots_app_tcp(&f, 0, junk, sizeof(junk), &pkt, &out, &c);
	assert_int_equal(c.proto[31].given_up, 1);
	mem += ots_app_tcp(&f, 0, buf, len, &pkt, &out, &c);
	assert_int_equal(n_seen, 0); /* given up: no more parsing */
	assert_int_equal(mem + ots_app_end(&f, &out), 0);
}

static void
test_gap_and_cap(void **state)
{
	static const uint8_t big[] = { 0xAB, 200 }; /* 202 > max_pdu 64 */
	struct ots_app_counters c;
	struct ots_flow f;
	uint8_t buf[64];
	size_t len = make_stream(buf, sizeof(buf), 3);
	long mem;

	(void)state;
	memset(&c, 0, sizeof(c));
	setup_flow(&f, &mem);
	/* half a PDU, a gap, then whole PDUs: the half is dropped, not glued to them */
	mem += ots_app_tcp(&f, 0, buf, 3, &pkt, &out, &c);
	ots_app_tcp_gap(&f, 0);
	mem += ots_app_tcp(&f, 0, buf, len, &pkt, &out, &c);
	check_all(3);
	/* a length beyond max_pdu is a framing error, never a large buffer */
	mem += ots_app_tcp(&f, 0, big, sizeof(big), &pkt, &out, &c);
	assert_int_equal(c.proto[31].desync, 1);
	assert_int_equal(mem + ots_app_end(&f, &out), 0);
}

static void
test_malformed_counted(void **state)
{
	static const uint8_t empty_pdu[] = { 0xAB, 0x00 }; /* no function code: parse rejects */
	struct ots_app_counters c;
	struct ots_flow f;
	long mem;

	(void)state;
	memset(&c, 0, sizeof(c));
	setup_flow(&f, &mem);
	mem += ots_app_tcp(&f, 0, empty_pdu, sizeof(empty_pdu), &pkt, &out, &c);
	assert_int_equal(c.proto[31].pdus, 1);
	assert_int_equal(c.proto[31].malformed, 1);
	assert_int_equal(mem + ots_app_end(&f, &out), 0);
}

/* The registry: unique names and ids, every id within the stats table, layer-2
 * dissectors with an EtherType and found by it, their state small (the engine holds
 * OTS_L2_MAX_ENTRIES blocks of the largest per worker; only GOOSE has one), the others
 * framed or datagram. */
static void
test_registry(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(ots_dissectors_count >= 17);
	for (i = 0; i < ots_dissectors_count; i++) {
		const struct ots_dissector *d = ots_dissectors[i];

		assert_non_null(d->name);
		assert_non_null(d->parse);
		assert_true(d->id > 0 && d->id < OTS_APP_PROTO_MAX);
		assert_true(d->max_pdu > 0);
		assert_ptr_equal(ots_dissector_by_name(d->name), d);
		assert_ptr_equal(ots_dissector_by_id(d->id), d);
		if (d->transports & OTS_TR_ETHER) {
			assert_true(d->state_size <= 256);
			if (d->id != OTS_PROTO_GOOSE)
				assert_int_equal(d->state_size, 0);
			assert_true(d->ethertype != 0);
			assert_ptr_equal(ots_app_ether_dissector(d->ethertype), d);
		}
		if (d->transports & OTS_TR_TCP) /* the engine frames TCP through pdu_len */
			assert_non_null(d->pdu_len);
		for (j = 0; j < i; j++)
			assert_true(ots_dissectors[j]->id != d->id);
	}
	assert_null(ots_dissector_by_name("no-such-protocol"));
	assert_null(ots_app_ether_dissector(0x0800));
	assert_int_equal(ots_app_ether_state_max(), ots_dissector_by_name("goose")->state_size);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_split_every_byte),
		cmocka_unit_test(test_byte_by_byte_both_directions),
		cmocka_unit_test(test_desync_and_recovery),
		cmocka_unit_test(test_give_up),
		cmocka_unit_test(test_gap_and_cap),
		cmocka_unit_test(test_malformed_counted),
		cmocka_unit_test(test_registry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
