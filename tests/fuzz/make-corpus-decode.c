/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * make-corpus-decode.c: writes the seed corpus of fuzz-decode (one frame per link type and
 * layer) into the directory given as argument. Byte 0 of each seed selects the link type as
 * in fuzz-decode.c. Specs: see tests/unit/pktbuild.h.
 */
#include <stdio.h>
#include <string.h>

#include "pktbuild.h"

/* Indices into fuzz-decode.c's link table. */
enum { L_ETH = 0, L_SLL = 1, L_SLL2 = 2, L_RAW = 3, L_RAW12 = 4, L_RAW14 = 5, L_IPV4 = 6,
       L_IPV6 = 7, L_NULL = 8, L_LOOP = 9 };

static const uint8_t mac_a[6] = { 0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03 };
static const uint8_t mac_b[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
static const uint8_t ip6_a[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t ip6_b[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t mbap[12] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10 };
static const char *outdir;

static int
write_seed(const char *name, uint8_t link, const uint8_t *frame, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	fputc(link, f);
	fwrite(frame, 1, len, f);
	return fclose(f);
}

static size_t
ipv4_tcp(uint8_t *b, uint16_t id, uint16_t frag, const uint8_t *pl, size_t plen)
{
	static const uint8_t opts[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t l4[2048];
	struct pb_ip4 ip = { .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 }, .proto = 6,
	                     .id = id, .frag = frag };

	return pb_ipv4(b, &ip, l4, pb_tcp(l4, 40000, 502, 1, 2, 0x18, opts, 4, pl, plen));
}

static size_t
ipv4_udp(uint8_t *b)
{
	uint8_t l4[64];
	struct pb_ip4 ip = { .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 255 }, .proto = 17 };

	return pb_ipv4(b, &ip, l4, pb_udp(l4, 47808, 47808, mbap, sizeof(mbap)));
}

static size_t
ipv6_ext(uint8_t *b)
{
	uint8_t pl[256];
	size_t n = 0;

	n += pb_ip6_ext(pl + n, 43, 8);
	n += pb_ip6_ext(pl + n, 60, 24);
	n += pb_ip6_ext(pl + n, 51, 8);
	n += pb_ip6_ah(pl + n, 44, 16);
	n += pb_ip6_frag(pl + n, 6, 0, 0, 9);
	n += pb_tcp(pl + n, 1, 2, 3, 4, 0x02, NULL, 0, mbap, sizeof(mbap));
	return pb_ipv6(b, ip6_a, ip6_b, 0, 64, pl, n);
}

int
main(int argc, char **argv)
{
	uint8_t f[4096], data[2000];
	size_t n;
	int rc = 0, i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);

	n = pb_eth(f, mac_b, mac_a, 0x0800);
	n += ipv4_tcp(f + n, 1, 0, mbap, sizeof(mbap));
	rc |= write_seed("eth-ipv4-tcp", L_ETH, f, n);

	n = pb_eth(f, mac_b, mac_a, 0x88a8);
	n += pb_vlan(f + n, 10, 0x8100);
	n += pb_vlan(f + n, 20, 0x0800);
	n += ipv4_udp(f + n);
	rc |= write_seed("eth-qinq-ipv4-udp", L_ETH, f, n);

	n = pb_eth(f, mac_b, mac_a, 0x8100);
	n += pb_vlan(f + n, 1, 0x8100);
	n += pb_vlan(f + n, 2, 0x9100);
	n += pb_vlan(f + n, 3, 0x86dd);
	n += ipv6_ext(f + n);
	rc |= write_seed("eth-3vlan-ipv6-ext", L_ETH, f, n);

	n = pb_eth(f, mac_b, mac_a, 0x0806);
	n += pb_arp(f + n, 1, mac_a, (const uint8_t[4]){ 10, 0, 0, 1 }, mac_b,
	            (const uint8_t[4]){ 10, 0, 0, 2 });
	memset(f + n, 0, 18);
	rc |= write_seed("eth-arp", L_ETH, f, n + 18);

	n = pb_eth(f, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0x0e }, mac_a, 0x88cc);
	n += pb_lldp(f + n, mac_a);
	rc |= write_seed("eth-lldp", L_ETH, f, n);

	n = pb_cdp_frame(f, mac_a);
	rc |= write_seed("eth-cdp", L_ETH, f, n);

	n = pb_eth(f, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0 }, mac_a, 38);
	f[n++] = 0x42;
	f[n++] = 0x42;
	f[n++] = 0x03;
	memset(f + n, 0, 35);
	rc |= write_seed("eth-stp-llc", L_ETH, f, n + 35);

	n = pb_eth(f, (const uint8_t[6]){ 0x01, 0x0e, 0xcf, 0, 0, 0 }, mac_a, 0x8892);
	memset(f + n, 0xfe, 40);
	rc |= write_seed("eth-profinet", L_ETH, f, n + 40);

	/* Three fragments of one datagram: replayed in order they reassemble. */
	for (i = 0; i < 3; i++) {
		struct pb_ip4 ip = { .src = { 10, 0, 0, 1 }, .dst = { 10, 0, 0, 2 }, .proto = 17,
		                     .id = 77 };
		char name[32];

		if (i == 0) {
			pb_udp(data, 5000, 5001, NULL, 0);
			pb_put16(data + 4, 1200);
		}
		ip.frag = (uint16_t)((i < 2 ? 0x2000 : 0) | (i * 400 / 8));
		n = pb_eth(f, mac_b, mac_a, 0x0800);
		n += pb_ipv4(f + n, &ip, data + i * 400, 400);
		snprintf(name, sizeof(name), "eth-ipv4-frag%d", i);
		rc |= write_seed(name, L_ETH, f, n);
	}

	n = pb_sll(f, mac_a, 6, 0x0800);
	n += ipv4_tcp(f + n, 2, 0, mbap, sizeof(mbap));
	rc |= write_seed("sll-ipv4-tcp", L_SLL, f, n);

	n = pb_sll2(f, mac_a, 6, 0x86dd);
	n += ipv6_ext(f + n);
	rc |= write_seed("sll2-ipv6", L_SLL2, f, n);

	n = ipv4_udp(f);
	rc |= write_seed("raw-ipv4-udp", L_RAW, f, n);
	n = ipv6_ext(f);
	rc |= write_seed("raw12-ipv6", L_RAW12, f, n);
	n = ipv4_tcp(f, 3, 0, NULL, 0);
	rc |= write_seed("raw14-ipv4", L_RAW14, f, n);
	n = ipv4_tcp(f, 4, 0, mbap, sizeof(mbap));
	rc |= write_seed("ipv4-tcp", L_IPV4, f, n);
	n = ipv6_ext(f);
	rc |= write_seed("ipv6-ext", L_IPV6, f, n);

	n = pb_null(f, 2, 0);
	n += ipv4_udp(f + n);
	rc |= write_seed("null-ipv4", L_NULL, f, n);
	n = pb_null(f, 30, 0);
	n += ipv6_ext(f + n);
	rc |= write_seed("null-ipv6", L_NULL, f, n);
	n = pb_null(f, 24, 1);
	n += ipv6_ext(f + n);
	rc |= write_seed("loop-ipv6", L_LOOP, f, n);

	/* Snapped (byte 0 high bit): total length beyond the captured bytes. */
	n = pb_eth(f, mac_b, mac_a, 0x0800);
	n += ipv4_tcp(f + n, 5, 0, data, 600);
	rc |= write_seed("eth-ipv4-snapped", 0x80 | L_ETH, f, 100);

	return rc ? 1 : 0;
}
