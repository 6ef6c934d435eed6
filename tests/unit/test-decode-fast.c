/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-decode-fast.c: the one-pass decoder of common Ethernet/IPv4/TCP|UDP frames (decode.c,
 * decode_fast) must leave exactly what the layered decoders leave: the same struct ots_pkt
 * and the same counters, anomalies included, for every frame. Each frame of a varied set
 * (tags, options, padding, fragments, lying lengths, other protocols) is decoded both ways
 * at every prefix length, as a whole capture and as a snapped one, then thousands of copies
 * with random bytes changed in their headers are compared the same way. Each decode reads
 * an exactly sized heap copy, so ASan flags any read past the frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ots/decode.h"
#include "ots/error.h"
#include "pktbuild.h"

static const uint8_t mac_a[6] = { 0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03 };
static const uint8_t mac_b[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
static const uint8_t tcp_opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
static const uint8_t ip_opts[8] = { 0x94, 0x04, 0, 0, 1, 1, 1, 0 }; /* router alert, NOPs */
static const uint8_t body[44] = "\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a"
                                "0123456789abcdefghijklmnopqrstu";

#define MAXF 64
struct frame {
	uint8_t b[256];
	size_t len;
	const char *what;
};
static struct frame frames[MAXF];
static size_t nframes;
static unsigned long fast_taken; /* frames the one-pass decoder took, for the sanity check */

static struct frame *
add(const char *what)
{
	assert_true(nframes < MAXF);
	frames[nframes].what = what;
	return &frames[nframes++];
}

/* Ethernet header with tags (TPIDs) in front of type; returns its length. */
static size_t
eth(uint8_t *b, const uint16_t *tpids, unsigned ntags, uint16_t type)
{
	size_t o;
	unsigned i;

	if (ntags == 0)
		return pb_eth(b, mac_a, mac_b, type);
	o = pb_eth(b, mac_a, mac_b, tpids[0]);
	for (i = 0; i < ntags; i++)
		o += pb_vlan(b + o, (uint16_t)(10 + i), i + 1 < ntags ? tpids[i + 1] : type);
	return o;
}

/* An IPv4 frame: l4 is 6 (TCP), 17 (UDP) or another protocol with a raw body. */
static void
ip4_frame(const char *what, const uint16_t *tpids, unsigned ntags, uint8_t l4, uint16_t frag,
          int with_ipopts, int with_tcpopts, size_t pad)
{
	struct frame *f = add(what);
	uint8_t seg[128];
	size_t sl, o;
	struct pb_ip4 ip = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 }, l4, 64, 7, frag, NULL, 0 };

	if (with_ipopts) {
		ip.opts = ip_opts;
		ip.optlen = sizeof(ip_opts);
	}
	if (l4 == 6)
		sl = pb_tcp(seg, 40000, 502, 1000, 2000, 0x18, with_tcpopts ? tcp_opts : NULL,
		            with_tcpopts ? sizeof(tcp_opts) : 0, body, 12);
	else if (l4 == 17)
		sl = pb_udp(seg, 47808, 47808, body, 20);
	else {
		memcpy(seg, body, 16);
		sl = 16;
	}
	o = eth(f->b, tpids, ntags, 0x0800);
	o += pb_ipv4(f->b + o, &ip, seg, sl);
	memset(f->b + o, 0, pad); /* Ethernet padding past the datagram */
	f->len = o + pad;
}

static void
build(void)
{
	static const uint16_t q1[1] = { 0x8100 };
	static const uint16_t q2[2] = { 0x88a8, 0x8100 };
	static const uint16_t q2old[2] = { 0x9100, 0x8100 };
	static const uint16_t q3[3] = { 0x88a8, 0x8100, 0x8100 };
	struct frame *f;
	uint8_t seg[128];
	size_t o, sl;

	ip4_frame("tcp", NULL, 0, 6, 0, 0, 0, 0);
	ip4_frame("tcp, DF", NULL, 0, 6, 0x4000, 0, 0, 0);
	ip4_frame("tcp, options", NULL, 0, 6, 0, 0, 1, 0);
	ip4_frame("tcp, IP options", NULL, 0, 6, 0, 1, 1, 0);
	ip4_frame("tcp, padded", NULL, 0, 6, 0, 0, 0, 6);
	ip4_frame("tcp, one tag", q1, 1, 6, 0, 0, 0, 0);
	ip4_frame("tcp, QinQ", q2, 2, 6, 0, 0, 1, 0);
	ip4_frame("tcp, old QinQ", q2old, 2, 6, 0, 0, 0, 0);
	ip4_frame("tcp, three tags", q3, 3, 6, 0, 0, 0, 0);
	ip4_frame("tcp, MF", NULL, 0, 6, 0x2000, 0, 0, 0);
	ip4_frame("tcp, offset", NULL, 0, 6, 0x0003, 0, 0, 0);
	ip4_frame("udp", NULL, 0, 17, 0, 0, 0, 0);
	ip4_frame("udp, padded", q1, 1, 17, 0, 0, 0, 10);
	ip4_frame("udp, IP options", NULL, 0, 17, 0, 1, 0, 0);
	ip4_frame("udp, MF", NULL, 0, 17, 0x2000, 0, 0, 0);
	ip4_frame("icmp", NULL, 0, 1, 0, 0, 0, 0);
	ip4_frame("gre", q1, 1, 47, 0, 0, 0, 0);

	/* UDP length shorter than the datagram (trailing bytes) and longer (a lie) */
	ip4_frame("udp, short length", NULL, 0, 17, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	pb_put16(f->b + 14 + 20 + 4, 8 + 12);
	ip4_frame("udp, long length", NULL, 0, 17, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	pb_put16(f->b + 14 + 20 + 4, 8 + 60);
	ip4_frame("udp, length 7", NULL, 0, 17, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	pb_put16(f->b + 14 + 20 + 4, 7);
	/* TCP data offset too small and past the segment */
	ip4_frame("tcp, doff 4", NULL, 0, 6, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	f->b[14 + 20 + 12] = 0x40;
	ip4_frame("tcp, doff 15", NULL, 0, 6, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	f->b[14 + 20 + 12] = 0xf0;
	/* IPv4 total length larger than the frame, smaller than the header, IHL 4, version 6 */
	ip4_frame("ip, long total", NULL, 0, 6, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	pb_put16(f->b + 14 + 2, 200);
	ip4_frame("ip, total < header", NULL, 0, 6, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	pb_put16(f->b + 14 + 2, 16);
	ip4_frame("ip, IHL 4", NULL, 0, 6, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	f->b[14] = 0x44;
	ip4_frame("ip, version 6", NULL, 0, 6, 0, 0, 0, 0);
	f = &frames[nframes - 1];
	f->b[14] = 0x65;

	/* not IPv4 at all */
	f = add("ipv6 udp");
	{
		static const uint8_t a6[16] = { 0xfe, 0x80, [15] = 1 };
		static const uint8_t b6[16] = { 0xfe, 0x80, [15] = 2 };

		sl = pb_udp(seg, 5353, 5353, body, 20);
		o = pb_eth(f->b, mac_a, mac_b, 0x86dd);
		o += pb_ipv6(f->b + o, a6, b6, 17, 255, seg, sl);
		f->len = o;
	}
	f = add("arp");
	{
		static const uint8_t spa[4] = { 10, 0, 0, 1 }, tpa[4] = { 10, 0, 0, 2 };
		static const uint8_t zero[6] = { 0 };

		o = pb_eth(f->b, mac_a, mac_b, 0x0806);
		o += pb_arp(f->b + o, 1, mac_a, spa, zero, tpa);
		f->len = o;
	}
	f = add("lldp");
	o = pb_eth(f->b, mac_a, mac_b, 0x88cc);
	o += pb_lldp(f->b + o, mac_a);
	f->len = o;
	f = add("cdp");
	f->len = pb_cdp_frame(f->b, mac_a);
	f = add("goose");
	o = pb_eth(f->b, mac_a, mac_b, 0x88b8);
	memcpy(f->b + o, body, 30);
	f->len = o + 30;
	f = add("802.3 length");
	o = pb_eth(f->b, mac_a, mac_b, 40);
	memcpy(f->b + o, "\x42\x42\x03", 3);
	memcpy(f->b + o + 3, body, 37);
	f->len = o + 40;
}

/* Decode data[0..len) both ways (wirelen as given) and compare everything. */
static void
compare(const uint8_t *data, size_t len, uint32_t wirelen, const char *what, size_t cut)
{
	struct ots_decode_stats s1, s2;
	struct ots_decode_ctx c1, c2;
	struct ots_pkt p1, p2;
	uint8_t *copy = len ? malloc(len) : NULL;
	int r1, r2;

	if (len)
		memcpy(copy, data, len);
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	c1.st = &s1;
	c2.st = &s2;
	c2.layered_only = 1;
	r1 = ots_decode_packet(&c1, OTS_LINK_ETHERNET, copy, (uint32_t)len, wirelen, 42, &p1);
	r2 = ots_decode_packet(&c2, OTS_LINK_ETHERNET, copy, (uint32_t)len, wirelen, 42, &p2);
	if (r1 != r2 || memcmp(&p1, &p2, sizeof(p1)) != 0 || memcmp(&s1, &s2, sizeof(s1)) != 0) {
		print_error("%s, %zu of %zu bytes (wire %u): one-pass and layered decoders differ "
		            "(rc %d/%d, pkt %s, counters %s)\n", what, len, cut, wirelen, r1, r2,
		            memcmp(&p1, &p2, sizeof(p1)) ? "differ" : "same",
		            memcmp(&s1, &s2, sizeof(s1)) ? "differ" : "same");
		fail();
	}
	if (p1.has_l4 && p1.ip_version == 4 && !p1.is_fragment && p1.vlan_count <= 2)
		fast_taken++;
	free(copy);
}

static void
test_every_prefix(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < nframes; i++)
		for (n = 0; n <= frames[i].len; n++) {
			compare(frames[i].b, n, (uint32_t)frames[i].len, frames[i].what, frames[i].len);
			compare(frames[i].b, n, (uint32_t)n, frames[i].what, frames[i].len);
		}
	/* the one-pass path did run (a change that disabled it would pass the comparison) */
	assert_true(fast_taken > 100);
}

static void
test_random_headers(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	unsigned iter;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		const struct frame *f = &frames[iter % nframes];
		uint8_t b[256];
		unsigned k, flips;
		size_t len = f->len;

		memcpy(b, f->b, f->len);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		flips = 1 + (unsigned)(x % 3);
		for (k = 0; k < flips; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly the headers: Ethernet, tags, IP, the L4 header */
			b[(x >> 8) % (len < 70 ? len : 70)] ^= (uint8_t)(1u << ((x >> 32) & 7));
		}
		if ((x >> 40) % 4 == 0)
			len = (size_t)((x >> 44) % (len + 1));
		compare(b, len, (x >> 50) % 2 ? (uint32_t)f->len : (uint32_t)len, f->what, f->len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_random_headers),
	};

	build();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
