/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-decode.c: libFuzzer entry for the packet decoders and IPv4 reassembly.
 * Specs: see src/decode*.c. Input: byte 0 picks the link type, the rest is the frame.
 * The defrag context lives across inputs so fragments from several inputs reassemble;
 * byte 0's high bit marks the frame as snapped (wirelen > caplen).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/compiler.h"
#include "ots/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t links[] = {
	OTS_LINK_ETHERNET, OTS_LINK_LINUX_SLL, OTS_LINK_LINUX_SLL2, OTS_LINK_RAW, 12, 14,
	OTS_LINK_IPV4, OTS_LINK_IPV6, OTS_LINK_NULL, OTS_LINK_LOOP, 105 /* unsupported */
};

static struct ots_defrag *defrag;
static struct ots_decode_stats stats;
static uint64_t clock_us;
static volatile uint32_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ots_decode_ctx ctx;
	struct ots_pkt p;
	uint16_t link;
	uint32_t len, wire;

	if (size < 1 || size > 65536 + 1)
		return 0;
	if (defrag == NULL) {
		struct ots_defrag_conf conf = { .max_datagrams = 8, .max_frags = 8,
		                                .timeout_us = 30000000 };

		defrag = ots_defrag_new(&conf);
	}
	link = links[(data[0] & 0x7f) % OTS_ARRAY_LEN(links)];
	len = (uint32_t)(size - 1);
	wire = (data[0] & 0x80) ? len + 100 : len;
	memset(&ctx, 0, sizeof(ctx));
	ctx.defrag = defrag;
	ctx.st = &stats;
	clock_us += 1000000; /* one second per input: timeouts happen */

	(void)ots_decode_packet(&ctx, link, data + 1, len, wire, clock_us, &p);
	/* Every window handed out must be readable to its last byte. */
	if (p.payload_len)
		sink += p.payload[p.payload_len - 1];
	if (p.l3_len)
		sink += p.l3[p.l3_len - 1];
	if (link == OTS_LINK_ETHERNET) {
		/* differential: the one-pass decoder of common frames and the layered decoders
		 * leave the same packet and counters (no reassembly: its state would diverge) */
		struct ots_decode_stats s1, s2;
		struct ots_decode_ctx c1, c2;
		struct ots_pkt p1, p2;

		memset(&s1, 0, sizeof(s1));
		memset(&s2, 0, sizeof(s2));
		memset(&c1, 0, sizeof(c1));
		memset(&c2, 0, sizeof(c2));
		c1.st = &s1;
		c2.st = &s2;
		c2.layered_only = 1;
		if (ots_decode_packet(&c1, link, data + 1, len, wire, clock_us, &p1) !=
		        ots_decode_packet(&c2, link, data + 1, len, wire, clock_us, &p2) ||
		    memcmp(&p1, &p2, sizeof(p1)) != 0 || memcmp(&s1, &s2, sizeof(s1)) != 0)
			__builtin_trap();
	}
	if (p.l2_payload_len)
		sink += p.l2_payload[p.l2_payload_len - 1];
	sink += ots_decode_shard_hash(link, data + 1, len);
	return 0;
}
