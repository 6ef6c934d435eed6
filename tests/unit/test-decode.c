/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-decode.c: unit tests of the link/network/transport decoders, IPv4 reassembly and the
 * symmetric shard hash. Specs: see src/decode*.c.
 * Every truncation sweep decodes each prefix from an exactly sized heap copy, so ASan flags
 * any read past the prefix.
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
#include "ots/compiler.h"
#include "ots/error.h"
#include "pktbuild.h"

static const uint8_t mac_a[6] = { 0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03 };
static const uint8_t mac_b[6] = { 0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc };
static const uint8_t ip_a[4] = { 192, 168, 1, 10 };
static const uint8_t ip_b[4] = { 192, 168, 1, 20 };
static const uint8_t ip6_a[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t tcp_opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0 };
static const uint8_t payload8[8] = { 'M', 'O', 'D', 'B', 'U', 'S', '!', '!' };

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

struct fixture {
	struct ots_decode_stats st;
	struct ots_decode_ctx ctx;
	struct ots_pkt p;
};

static struct fixture fx;
static volatile uint8_t sink;

static int
setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.ctx.st = &fx.st;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ots_defrag_free(fx.ctx.defrag);
	fx.ctx.defrag = NULL;
	return 0;
}

static uint64_t
anomaly_total(void)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < OTS_AN__COUNT; i++)
		n += fx.st.anomalies[i];
	return n;
}

/* Decode from an exactly sized heap copy (ASan catches overreads); wirelen as given. */
static int
decode_copy(uint16_t link, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	int rc;

	assert_non_null(copy);
	if (caplen)
		memcpy(copy, frame, caplen);
	rc = ots_decode_packet(&fx.ctx, link, caplen ? copy : NULL, caplen, wirelen, 1000, &fx.p);
	/* Touch the last byte of every window while the copy is alive: ASan checks them. */
	if (fx.p.payload_len)
		sink = fx.p.payload[fx.p.payload_len - 1];
	if (fx.p.l3_len)
		sink = fx.p.l3[fx.p.l3_len - 1];
	if (fx.p.l2_payload_len)
		sink = fx.p.l2_payload[fx.p.l2_payload_len - 1];
	free(copy);
	return rc;
}

static int
decode(uint16_t link, const uint8_t *frame, uint32_t len)
{
	return ots_decode_packet(&fx.ctx, link, frame, len, len, 1000, &fx.p);
}

/* Frame builders used by several tests -------------------------------------------------- */

static size_t
build_ipv4_tcp(uint8_t *buf, const uint8_t *src, const uint8_t *dst, uint16_t sport,
               uint16_t dport, const uint8_t *opts, size_t optlen)
{
	uint8_t l4[256];
	struct pb_ip4 ip = { .proto = 6, .ttl = 64, .id = 1 };
	size_t n;

	memcpy(ip.src, src, 4);
	memcpy(ip.dst, dst, 4);
	n = pb_tcp(l4, sport, dport, 1000, 2000, 0x18, tcp_opts, sizeof(tcp_opts), payload8,
	           sizeof(payload8));
	ip.opts = opts;
	ip.optlen = optlen;
	return pb_ipv4(buf, &ip, l4, n);
}

static size_t
build_ipv4_udp(uint8_t *buf, const uint8_t *src, const uint8_t *dst, uint16_t sport,
               uint16_t dport)
{
	uint8_t l4[64];
	struct pb_ip4 ip = { .proto = 17, .ttl = 32, .id = 2 };

	memcpy(ip.src, src, 4);
	memcpy(ip.dst, dst, 4);
	return pb_ipv4(buf, &ip, l4, pb_udp(l4, sport, dport, payload8, sizeof(payload8)));
}

static size_t
build_eth_ipv4_tcp(uint8_t *buf)
{
	size_t n = pb_eth(buf, mac_b, mac_a, ETHERTYPE_IPV4);

	return n + build_ipv4_tcp(buf + n, ip_a, ip_b, 40000, 502, NULL, 0);
}

/* IPv6 + extension headers (each kind) + TCP. */
static size_t
build_ipv6_ext_tcp(uint8_t *buf)
{
	uint8_t pl[512];
	size_t n = 0;

	n += pb_ip6_ext(pl + n, 43, 8);     /* hop-by-hop -> routing */
	n += pb_ip6_ext(pl + n, 60, 24);    /* routing -> dest opts */
	n += pb_ip6_ext(pl + n, 51, 16);    /* dest opts -> AH */
	n += pb_ip6_ah(pl + n, 6, 24);      /* AH -> TCP */
	n += pb_tcp(pl + n, 40001, 20000, 5, 6, 0x02, tcp_opts, sizeof(tcp_opts), payload8,
	            sizeof(payload8));
	return pb_ipv6(buf, ip6_a, ip6_b, 0, 64, pl, n);
}

/* Anomaly names ------------------------------------------------------------------------ */

static void
test_anomaly_names(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < OTS_AN__COUNT; i++) {
		const char *n = ots_anomaly_name((enum ots_anomaly)i);
		const char *c;

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		assert_true(strlen(n) > 2);
		for (c = n; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, ots_anomaly_name((enum ots_anomaly)j));
	}
	assert_string_equal(ots_anomaly_name(OTS_AN_IPV4_TRUNC), "ipv4_truncated");
	assert_string_equal(ots_anomaly_name(OTS_AN_TCP_HLEN), "tcp_bad_header_length");
	assert_string_equal(ots_anomaly_name(OTS_AN__COUNT), "unknown");
}

/* Ethernet / IPv4 / TCP / UDP ------------------------------------------------------------ */

static void
test_eth_ipv4_tcp(void **state)
{
	uint8_t f[256];
	size_t n = build_eth_ipv4_tcp(f);
	char s[46];

	(void)state;
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.has_mac, 1);
	assert_memory_equal(fx.p.src_mac, mac_a, 6);
	assert_memory_equal(fx.p.dst_mac, mac_b, 6);
	assert_int_equal(fx.p.ethertype, ETHERTYPE_IPV4);
	assert_int_equal(fx.p.l3_type, OTS_L3_IPV4);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.ip_proto, 6);
	assert_int_equal(fx.p.ttl, 64);
	assert_string_equal(ots_addr_str(&fx.p.src, s, sizeof(s)), "192.168.1.10");
	assert_string_equal(ots_addr_str(&fx.p.dst, s, sizeof(s)), "192.168.1.20");
	assert_true(ots_addr_is_v4(&fx.p.src));
	assert_ptr_equal(fx.p.l3, f + 14);
	assert_int_equal(fx.p.l3_len, n - 14);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.sport, 40000);
	assert_int_equal(fx.p.dport, 502);
	assert_int_equal(fx.p.tcp_seq, 1000);
	assert_int_equal(fx.p.tcp_ack, 2000);
	assert_int_equal(fx.p.tcp_flags, OTS_TH_PSH | OTS_TH_ACK);
	assert_int_equal(fx.p.tcp_win, 8192);
	assert_int_equal(fx.p.payload_len, 8);
	assert_memory_equal(fx.p.payload, payload8, 8);
	assert_ptr_equal(fx.p.payload, f + n - 8);
	assert_int_equal(fx.st.ipv4, 1);
	assert_int_equal(fx.st.tcp, 1);
	assert_int_equal(anomaly_total(), 0);
}

static void
test_ipv4_options(void **state)
{
	static const uint8_t opts[40] = { 0x94, 0x04, 0, 0, /* router alert */ 1, 1, 1, 0 };
	uint8_t f[256];
	size_t n, optlen;

	(void)state;
	for (optlen = 4; optlen <= 40; optlen += 36) {
		n = pb_eth(f, mac_b, mac_a, ETHERTYPE_IPV4);
		n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, opts, optlen);
		assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
		assert_int_equal(fx.p.has_l4, 1);
		assert_int_equal(fx.p.sport, 1);
		assert_int_equal(fx.p.payload_len, 8);
		assert_memory_equal(fx.p.payload, payload8, 8);
	}
	assert_int_equal(anomaly_total(), 0);
}

static void
test_ipv4_malformed(void **state)
{
	uint8_t f[256];
	size_t n = build_eth_ipv4_tcp(f);
	uint64_t before;

	(void)state;
	f[14] = 0x55; /* version 5 */
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK); /* MACs usable */
	assert_int_equal(fx.p.ip_version, 0);
	assert_int_equal(fx.p.l3_type, OTS_L3_NONE);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_VERSION], 1);
	assert_int_equal(decode(OTS_LINK_RAW, f + 14, (uint32_t)n - 14), OTS_EINVAL);

	f[14] = 0x44; /* IHL 4 */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_HLEN], 1);
	assert_int_equal(fx.p.has_l4, 0);

	f[14] = 0x45;
	pb_put16(f + 16, 19); /* total length < header */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_TOTLEN], 1);

	pb_put16(f + 16, (uint16_t)(n - 14 + 1)); /* one byte more than captured, not snapped */
	before = anomaly_total();
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_TOTLEN], 2);
	/* the lie is counted once; the packet keeps its addresses and what L4 is present */
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(anomaly_total(), before + 1);
	/* a lying length that also cuts the TCP header: still one anomaly, no L4 */
	pb_put16(f + 16, 200);
	before = anomaly_total();
	decode(OTS_LINK_ETHERNET, f, 14 + 20 + 10);
	assert_int_equal(anomaly_total(), before + 1);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 0);
	pb_put16(f + 16, (uint16_t)(n - 14 + 1));

	/* The same frame from a snapped capture decodes what is there. */
	assert_int_equal(ots_decode_packet(&fx.ctx, OTS_LINK_ETHERNET, f, (uint32_t)n,
	                                   (uint32_t)n + 1, 0, &fx.p), OTS_OK);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.payload_len, 8);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_TOTLEN], 3);
}

static void
test_padding_trimmed(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	memset(f, 0xee, sizeof(f));
	n = pb_eth(f, mac_b, mac_a, ETHERTYPE_IPV4);
	n += build_ipv4_udp(f + n, ip_a, ip_b, 2222, 47808);
	assert_true(n < 60);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, 60), OTS_OK);
	assert_int_equal(fx.p.l3_len, n - 14);
	assert_int_equal(fx.p.l2_payload_len, 60 - 14);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.payload_len, 8);
	assert_memory_equal(fx.p.payload, payload8, 8);
	assert_int_equal(anomaly_total(), 0);
}

static void
test_tcp_malformed(void **state)
{
	uint8_t f[256];
	size_t n = build_eth_ipv4_tcp(f);

	(void)state;
	f[14 + 20 + 12] = 0x40; /* data offset 4 */
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.st.anomalies[OTS_AN_TCP_HLEN], 1);
	f[14 + 20 + 12] = 0xf0; /* data offset 60 > segment */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_TCP_HLEN], 2);
	assert_int_equal(fx.st.ipv4, 2);
	assert_int_equal(fx.st.tcp, 0);
}

static void
test_udp(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_eth(f, mac_b, mac_a, ETHERTYPE_IPV4);
	n += build_ipv4_udp(f + n, ip_a, ip_b, 2222, 47808);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.ip_proto, 17);
	assert_int_equal(fx.p.sport, 2222);
	assert_int_equal(fx.p.dport, 47808);
	assert_int_equal(fx.p.payload_len, 8);
	assert_int_equal(fx.st.udp, 1);

	pb_put16(f + 14 + 20 + 4, 12); /* UDP length shorter than the datagram: trimmed */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.p.payload_len, 4);
	assert_int_equal(anomaly_total(), 0);

	pb_put16(f + 14 + 20 + 4, 7);
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.st.anomalies[OTS_AN_UDP_LEN], 1);

	pb_put16(f + 14 + 20 + 4, 17); /* longer than present */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.st.anomalies[OTS_AN_UDP_LEN], 2);
}

/* ICMP and other protocols keep their body. */
static void
test_other_l4(void **state)
{
	uint8_t f[128], body[8] = { 8, 0, 0, 0, 0, 1, 0, 1 };
	struct pb_ip4 ip = { .proto = 1 };
	size_t n;

	(void)state;
	memcpy(ip.src, ip_a, 4);
	memcpy(ip.dst, ip_b, 4);
	n = pb_eth(f, mac_b, mac_a, ETHERTYPE_IPV4);
	n += pb_ipv4(f + n, &ip, body, sizeof(body));
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_proto, 1);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.p.payload_len, 8);
	assert_int_equal(fx.st.other_l4, 1);
}

/* VLAN -------------------------------------------------------------------------------- */

static void
test_vlan(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_eth(f, mac_b, mac_a, 0x8100);
	n += pb_vlan(f + n, 100, ETHERTYPE_IPV4);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.vlan_count, 1);
	assert_int_equal(fx.p.vlan[0], 100);
	assert_int_equal(fx.p.ethertype, ETHERTYPE_IPV4);
	assert_int_equal(fx.p.has_l4, 1);

	/* QinQ: 802.1ad outer, 802.1Q inner. */
	n = pb_eth(f, mac_b, mac_a, 0x88a8);
	n += pb_vlan(f + n, 10, 0x8100);
	n += pb_vlan(f + n, 20, ETHERTYPE_IPV4);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.vlan_count, 2);
	assert_int_equal(fx.p.vlan[0], 10);
	assert_int_equal(fx.p.vlan[1], 20);
	assert_int_equal(fx.p.has_l4, 1);

	/* Old QinQ TPID 0x9100 and three tags: the third is skipped and counted. */
	n = pb_eth(f, mac_b, mac_a, 0x9100);
	n += pb_vlan(f + n, 1, 0x8100);
	n += pb_vlan(f + n, 2, 0x8100);
	n += pb_vlan(f + n, 3, ETHERTYPE_IPV4);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.vlan_count, 2);
	assert_int_equal(fx.p.vlan[0], 1);
	assert_int_equal(fx.p.vlan[1], 2);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.st.anomalies[OTS_AN_VLAN_TOO_MANY], 1);
	assert_int_equal(anomaly_total(), 1);
}

static void
test_vlan_flood(void **state)
{
	uint8_t f[256];
	size_t n;
	int i;

	(void)state;
	n = pb_eth(f, mac_b, mac_a, 0x8100);
	for (i = 0; i < 12; i++)
		n += pb_vlan(f + n, (uint16_t)i, 0x8100);
	n += pb_vlan(f + n, 99, ETHERTYPE_IPV4);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.has_mac, 1);
	assert_int_equal(fx.p.l3_type, OTS_L3_NONE);
	assert_int_equal(fx.p.ip_version, 0);
	assert_int_equal(fx.st.anomalies[OTS_AN_VLAN_TOO_MANY], 1);
}

/* ARP, LLDP, CDP, LLC, other ethertypes ------------------------------------------------- */

static void
test_arp(void **state)
{
	uint8_t f[128];
	struct ots_arp arp;
	size_t n;

	(void)state;
	n = pb_eth(f, mac_b, mac_a, 0x0806);
	n += pb_arp(f + n, 2, mac_a, ip_a, mac_b, ip_b);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_ARP);
	assert_int_equal(fx.p.l2_payload_len, 28);
	assert_int_equal(fx.st.arp, 1);
	assert_int_equal(ots_decode_arp(fx.p.l2_payload, fx.p.l2_payload_len, &arp), OTS_OK);
	assert_int_equal(arp.op, 2);
	assert_memory_equal(arp.sha, mac_a, 6);
	assert_memory_equal(arp.spa, ip_a, 4);
	assert_memory_equal(arp.tha, mac_b, 6);
	assert_memory_equal(arp.tpa, ip_b, 4);

	pb_put16(f + 14 + 2, 0x0801); /* protocol type not IPv4 */
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK); /* MACs usable */
	assert_int_equal(fx.p.l3_type, OTS_L3_NONE);
	assert_int_equal(fx.st.anomalies[OTS_AN_ARP_INVALID], 1);
	pb_put16(f + 14 + 2, 0x0800);
	f[14 + 4] = 8; /* hardware address length */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_ARP_INVALID], 2);
	f[14 + 4] = 6;
	assert_int_equal(ots_decode_arp(f + 14, 27, &arp), OTS_ETRUNC);
}

static void
test_lldp(void **state)
{
	uint8_t f[256];
	size_t n, body;

	(void)state;
	n = pb_eth(f, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0x0e }, mac_a, 0x88cc);
	body = n;
	n += pb_lldp(f + n, mac_a);
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_LLDP);
	assert_int_equal(fx.p.l2_payload_len, n - body);
	assert_int_equal(fx.st.lldp, 1);
	assert_int_equal(anomaly_total(), 0);
	assert_int_equal(ots_lldp_validate(f + body, (uint32_t)(n - body)), OTS_OK);

	/* Without the End TLV: truncated, still LLDP. */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n - 2);
	assert_int_equal(fx.p.l3_type, OTS_L3_LLDP);
	assert_int_equal(fx.st.anomalies[OTS_AN_LLDP_TRUNC], 1);

	/* Port ID TLV turned into a second chassis id: invalid. */
	f[body + 2 + 7] = (uint8_t)(1 << 1);
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.p.l3_type, OTS_L3_LLDP);
	assert_int_equal(fx.st.anomalies[OTS_AN_LLDP_INVALID], 1);
	assert_int_equal(ots_lldp_validate(NULL, 0), OTS_ETRUNC);
}

static void
test_cdp(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_cdp_frame(f, mac_a);
	memset(f + n, 0, 8); /* Ethernet padding after the 802.3 length */
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n + 8), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_CDP);
	assert_int_equal(fx.p.ethertype, 0x2000);
	assert_int_equal(fx.p.l2_payload_len, n - 22);
	assert_int_equal(fx.st.cdp, 1);
	assert_int_equal(anomaly_total(), 0);

	f[22 + 4 + 3] = 200; /* first TLV length past the end */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.p.l3_type, OTS_L3_CDP);
	assert_int_equal(fx.st.anomalies[OTS_AN_CDP_TRUNC], 1);
	f[22 + 4 + 3] = 2; /* TLV length below its header */
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_CDP_INVALID], 1);
	f[22] = 3; /* version 3 */
	assert_int_equal(ots_cdp_validate(f + 22, (uint32_t)n - 22), OTS_EINVAL);
}

static void
test_llc_and_other(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	/* STP BPDU: 802.3 + LLC 42/42/03. */
	n = pb_eth(f, (const uint8_t[6]){ 0x01, 0x80, 0xc2, 0, 0, 0 }, mac_a, 38);
	f[n++] = 0x42;
	f[n++] = 0x42;
	f[n++] = 0x03;
	memset(f + n, 0, 35);
	n += 35;
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_OTHER);
	assert_int_equal(fx.p.l2_payload_len, 35);

	/* RFC 1042 SNAP carrying IPv4. */
	n = pb_eth(f, mac_b, mac_a, 0);
	f[n++] = 0xaa;
	f[n++] = 0xaa;
	f[n++] = 0x03;
	f[n++] = 0;
	f[n++] = 0;
	f[n++] = 0;
	pb_put16(f + n, ETHERTYPE_IPV4);
	n += 2;
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	pb_put16(f + 12, (uint16_t)(n - 14));
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 1);

	/* LLC header cut by the 802.3 length. */
	pb_put16(f + 12, 2);
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_LLC_TRUNC], 1);

	/* PROFINET and GOOSE: kept as L2 payload. */
	n = pb_eth(f, mac_b, mac_a, 0x8892);
	memset(f + n, 0xfe, 40);
	n += 40;
	assert_int_equal(decode(OTS_LINK_ETHERNET, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_OTHER);
	assert_int_equal(fx.p.ethertype, 0x8892);
	assert_ptr_equal(fx.p.l2_payload, f + 14);
	assert_int_equal(fx.p.l2_payload_len, 40);
	pb_put16(f + 12, 0x88b8);
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.p.ethertype, 0x88b8);
	assert_int_equal(fx.st.other_l3, 3);
}

/* Link types ------------------------------------------------------------------------- */

static void
test_link_sll(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_sll(f, mac_a, 6, ETHERTYPE_IPV4);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_LINUX_SLL, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.has_mac, 1);
	assert_memory_equal(fx.p.src_mac, mac_a, 6);
	assert_memory_equal(fx.p.dst_mac, (const uint8_t[6]){ 0 }, 6);
	assert_int_equal(fx.p.has_l4, 1);

	n = pb_sll(f, mac_a, 4, ETHERTYPE_IPV4); /* not a MAC */
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_LINUX_SLL, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.has_mac, 0);
	assert_int_equal(fx.p.has_l4, 1);

	n = pb_sll2(f, mac_b, 6, ETHERTYPE_IPV6);
	n += build_ipv6_ext_tcp(f + n);
	assert_int_equal(decode(OTS_LINK_LINUX_SLL2, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.has_mac, 1);
	assert_memory_equal(fx.p.src_mac, mac_b, 6);
	assert_int_equal(fx.p.ip_version, 6);
	assert_int_equal(fx.p.has_l4, 1);

	n = pb_sll2(f, mac_b, 6, 0x0806);
	n += pb_arp(f + n, 1, mac_a, ip_a, mac_b, ip_b);
	assert_int_equal(decode(OTS_LINK_LINUX_SLL2, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_ARP);

	/* 802.2 LLC without a MAC header (protocol 0x0004) and netlink (ARPHRD 824). */
	n = pb_sll(f, mac_a, 6, 0x0004);
	f[n++] = 0x42;
	f[n++] = 0x42;
	f[n++] = 0x03;
	memset(f + n, 0, 35);
	n += 35;
	assert_int_equal(decode(OTS_LINK_LINUX_SLL, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_OTHER);
	assert_int_equal(fx.p.l2_payload_len, 35);
	n = pb_sll(f, NULL, 0, ETHERTYPE_IPV4);
	pb_put16(f + 2, 824);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_LINUX_SLL, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.l3_type, OTS_L3_OTHER);
	assert_int_equal(fx.p.ip_version, 0);

	assert_int_equal(decode(OTS_LINK_LINUX_SLL2, f, 19), OTS_ETRUNC);
	assert_int_equal(decode(OTS_LINK_LINUX_SLL, f, 15), OTS_ETRUNC);
	assert_int_equal(fx.st.anomalies[OTS_AN_SLL_TRUNC], 2);
}

static void
test_link_raw(void **state)
{
	static const uint16_t links[] = { OTS_LINK_RAW, 12, 14, OTS_LINK_IPV4 };
	uint8_t f[256];
	size_t n, i;

	(void)state;
	n = build_ipv4_tcp(f, ip_a, ip_b, 1, 2, NULL, 0);
	for (i = 0; i < OTS_ARRAY_LEN(links); i++) {
		assert_int_equal(decode(links[i], f, (uint32_t)n), OTS_OK);
		assert_int_equal(fx.p.has_mac, 0);
		assert_int_equal(fx.p.ip_version, 4);
		assert_int_equal(fx.p.has_l4, 1);
		assert_int_equal(fx.p.ethertype, 0);
	}
	n = build_ipv6_ext_tcp(f);
	assert_int_equal(decode(OTS_LINK_RAW, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 6);
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 6);
	assert_int_equal(fx.p.has_l4, 1);
	f[0] = 0x50;
	assert_int_equal(decode(OTS_LINK_RAW, f, (uint32_t)n), OTS_EINVAL);
	assert_int_equal(fx.st.anomalies[OTS_AN_L3_UNKNOWN_PROTO], 1);
	assert_int_equal(decode(OTS_LINK_RAW, f, 0), OTS_ETRUNC);
	assert_int_equal(anomaly_total(), 2);
}

static void
test_link_null_loop(void **state)
{
	static const uint32_t v6fam[] = { 10, 24, 28, 30 };
	uint8_t f[256];
	size_t n, i;
	int be;

	(void)state;
	for (be = 0; be <= 1; be++) {
		n = pb_null(f, 2, be);
		n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
		assert_int_equal(decode(OTS_LINK_NULL, f, (uint32_t)n), OTS_OK);
		assert_int_equal(fx.p.ip_version, 4);
		assert_int_equal(fx.p.has_l4, 1);
		for (i = 0; i < OTS_ARRAY_LEN(v6fam); i++) {
			n = pb_null(f, v6fam[i], be);
			n += build_ipv6_ext_tcp(f + n);
			assert_int_equal(decode(OTS_LINK_NULL, f, (uint32_t)n), OTS_OK);
			assert_int_equal(fx.p.ip_version, 6);
			assert_int_equal(fx.p.has_l4, 1);
		}
	}
	n = pb_null(f, 24, 1);
	n += build_ipv6_ext_tcp(f + n);
	assert_int_equal(decode(OTS_LINK_LOOP, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 6);
	n = pb_null(f, 2, 1);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, NULL, 0);
	assert_int_equal(decode(OTS_LINK_LOOP, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(anomaly_total(), 0);

	pb_null(f, 7, 0);
	assert_int_equal(decode(OTS_LINK_NULL, f, (uint32_t)n), OTS_EINVAL);
	assert_int_equal(fx.st.anomalies[OTS_AN_NULL_FAMILY], 1);
	assert_int_equal(decode(OTS_LINK_LOOP, f, 3), OTS_ETRUNC);
	assert_int_equal(fx.st.anomalies[OTS_AN_NULL_TRUNC], 1);
}

static void
test_link_unsupported(void **state)
{
	uint8_t f[64] = { 0 };

	(void)state;
	assert_int_equal(decode(105 /* 802.11 */, f, sizeof(f)), OTS_ENOTSUP);
	assert_int_equal(fx.st.anomalies[OTS_AN_LINK_UNSUPPORTED], 1);
	assert_int_equal(fx.p.linktype, 105);
	assert_int_equal(decode(OTS_LINK_ETHERNET, NULL, 0), OTS_ETRUNC);
	assert_int_equal(fx.st.anomalies[OTS_AN_ETH_TRUNC], 1);
}

/* IPv6 -------------------------------------------------------------------------------- */

static void
test_ipv6_ext_headers(void **state)
{
	uint8_t f[512], pl[256];
	size_t n, m;
	char s[46];
	int i;

	(void)state;
	n = build_ipv6_ext_tcp(f);
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_proto, 6);
	assert_int_equal(fx.p.ttl, 64);
	assert_int_equal(fx.p.sport, 40001);
	assert_int_equal(fx.p.tcp_flags, OTS_TH_SYN);
	assert_int_equal(fx.p.payload_len, 8);
	assert_int_equal(fx.p.l3_len, n);
	assert_false(ots_addr_is_v4(&fx.p.src));
	assert_string_equal(ots_addr_str(&fx.p.src, s, sizeof(s)), "fe80::1");
	assert_string_equal(ots_addr_str(&fx.p.dst, s, sizeof(s)), "2001:db8::2");
	assert_int_equal(fx.st.ipv6, 1);
	assert_int_equal(anomaly_total(), 0);

	/* First fragment: L4 decoded; a later fragment: none. Both counted. */
	m = pb_ip6_frag(pl, 17, 0, 1, 77);
	m += pb_udp(pl + m, 5000, 5001, payload8, sizeof(payload8));
	pb_put16(pl + 8 + 4, 1000); /* the UDP length of the whole datagram */
	n = pb_ipv6(f, ip6_a, ip6_b, 44, 1, pl, m);
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.is_fragment, 1);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.dport, 5001);
	assert_int_equal(fx.p.ip_proto, 17);
	m = pb_ip6_frag(pl, 17, 1448, 0, 77);
	memcpy(pl + m, payload8, 8);
	n = pb_ipv6(f, ip6_a, ip6_b, 44, 1, pl, m + 8);
	decode(OTS_LINK_IPV6, f, (uint32_t)n);
	assert_int_equal(fx.p.is_fragment, 1);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.p.ip_proto, 17);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_FRAGMENT], 2);
	assert_int_equal(fx.st.frags, 2);

	/* Atomic fragment (offset 0, M clear; RFC 6946): a whole datagram. */
	m = pb_ip6_frag(pl, 17, 0, 0, 78);
	m += pb_udp(pl + m, 5000, 5001, payload8, sizeof(payload8));
	n = pb_ipv6(f, ip6_a, ip6_b, 44, 1, pl, m);
	decode(OTS_LINK_IPV6, f, (uint32_t)n);
	assert_int_equal(fx.p.is_fragment, 0);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.payload_len, 8);
	assert_int_equal(fx.st.frags, 2);

	/* ESP and no-next-header stop the walk. */
	memset(pl, 0xab, 16);
	n = pb_ipv6(f, ip6_a, ip6_b, 50, 1, pl, 16);
	decode(OTS_LINK_IPV6, f, (uint32_t)n);
	assert_int_equal(fx.p.ip_proto, 50);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.p.payload_len, 16);
	m = pb_ip6_ext(pl, 59, 8);
	n = pb_ipv6(f, ip6_a, ip6_b, 60, 1, pl, m);
	decode(OTS_LINK_IPV6, f, (uint32_t)n);
	assert_int_equal(fx.p.ip_proto, 59);
	assert_int_equal(fx.p.payload_len, 0);
	n = pb_ipv6(f, ip6_a, ip6_b, 59, 1, NULL, 0); /* empty, payload length 0 */
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 6);
	assert_int_equal(anomaly_total(), 2);

	/* Nine destination options headers: too many. */
	for (i = 0, m = 0; i < 9; i++)
		m += pb_ip6_ext(pl + m, i < 8 ? 60 : 17, 8);
	m += pb_udp(pl + m, 1, 2, NULL, 0);
	n = pb_ipv6(f, ip6_a, ip6_b, 60, 1, pl, m);
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_OK);
	assert_int_equal(fx.p.ip_version, 6);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_EXTHDR], 1);

	/* Hop-by-hop after another header. */
	m = pb_ip6_ext(pl, 0, 8);
	m += pb_ip6_ext(pl + m, 17, 8);
	m += pb_udp(pl + m, 1, 2, NULL, 0);
	n = pb_ipv6(f, ip6_a, ip6_b, 60, 1, pl, m);
	decode(OTS_LINK_IPV6, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_EXTHDR], 2);

	/* Extension header longer than the payload. */
	m = pb_ip6_ext(pl, 17, 8);
	pl[1] = 4;
	n = pb_ipv6(f, ip6_a, ip6_b, 43, 1, pl, m);
	decode(OTS_LINK_IPV6, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_EXTHDR], 3);
	assert_int_equal(fx.p.ip_proto, 43);
}

static void
test_ipv6_malformed(void **state)
{
	uint8_t f[512];
	size_t n = build_ipv6_ext_tcp(f);

	(void)state;
	pb_put16(f + 4, 0); /* jumbo */
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_EINVAL);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_PLEN], 1);
	pb_put16(f + 4, (uint16_t)(n - 40 + 1));
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_EINVAL);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_PLEN], 2);
	assert_int_equal(ots_decode_packet(&fx.ctx, OTS_LINK_IPV6, f, (uint32_t)n, 1500, 0, &fx.p),
	                 OTS_OK);
	assert_int_equal(fx.p.has_l4, 1);
	pb_put16(f + 4, (uint16_t)(n - 40));
	f[0] = 0x40;
	assert_int_equal(decode(OTS_LINK_IPV6, f, (uint32_t)n), OTS_EINVAL);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV6_VERSION], 1);
	/* Padding after the payload is not part of it. */
	f[0] = 0x60;
	memset(f + n, 0, 20);
	decode(OTS_LINK_IPV6, f, (uint32_t)n + 20);
	assert_int_equal(fx.p.l3_len, n);
	assert_int_equal(fx.p.payload_len, 8);
}

/* IPv4 reassembly ---------------------------------------------------------------------- */

#define DG_LEN 3000 /* UDP datagram (header + payload) split in fragments */

static uint8_t dg_bytes[DG_LEN];

static void
make_datagram(void)
{
	size_t i;

	pb_udp(dg_bytes, 7000, 7001, NULL, 0);
	pb_put16(dg_bytes + 4, DG_LEN);
	for (i = 8; i < DG_LEN; i++)
		dg_bytes[i] = (uint8_t)(i * 7);
}

/* One fragment of dg_bytes [off, off + len) as an Ethernet frame. */
static size_t
build_frag(uint8_t *f, uint16_t id, const uint8_t *src, uint32_t off, uint32_t len, int mf,
           const uint8_t *data)
{
	struct pb_ip4 ip = { .proto = 17, .id = id };
	size_t n = pb_eth(f, mac_b, mac_a, ETHERTYPE_IPV4);

	memcpy(ip.src, src, 4);
	memcpy(ip.dst, ip_b, 4);
	ip.frag = (uint16_t)((mf ? 0x2000 : 0) | (off / 8));
	return n + pb_ipv4(f + n, &ip, data ? data : dg_bytes + off, len);
}

static int
feed_frag(uint16_t id, uint32_t off, uint32_t len, int mf, uint64_t ts)
{
	uint8_t f[2048];
	size_t n = build_frag(f, id, ip_a, off, len, mf, NULL);

	return ots_decode_packet(&fx.ctx, OTS_LINK_ETHERNET, f, (uint32_t)n, (uint32_t)n, ts,
	                         &fx.p);
}

static void
check_reassembled(void)
{
	assert_int_equal(fx.p.reassembled, 1);
	assert_int_equal(fx.p.is_fragment, 0);
	assert_int_equal(fx.p.l3_len, 20 + DG_LEN);
	assert_int_equal(fx.p.l3[0], 0x45);
	assert_int_equal((fx.p.l3[2] << 8) | fx.p.l3[3], 20 + DG_LEN);
	assert_int_equal(fx.p.l3[6] & 0x3f, 0);
	assert_int_equal(fx.p.l3[7], 0);
	assert_int_equal(pb_ip_checksum(fx.p.l3, 20), 0);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.sport, 7000);
	assert_int_equal(fx.p.payload_len, DG_LEN - 8);
	assert_memory_equal(fx.p.payload, dg_bytes + 8, DG_LEN - 8);
}

static void
test_defrag_in_order(void **state)
{
	(void)state;
	make_datagram();
	fx.ctx.defrag = ots_defrag_new(NULL);
	assert_non_null(fx.ctx.defrag);
	assert_int_equal(feed_frag(9, 0, 1480, 1, 1), OTS_OK);
	assert_int_equal(fx.p.is_fragment, 1);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 1);
	assert_int_equal(feed_frag(9, 1480, 1480, 1, 2), OTS_OK);
	assert_int_equal(fx.p.reassembled, 0);
	assert_int_equal(feed_frag(9, 2960, 40, 0, 3), OTS_OK);
	check_reassembled();
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 0);
	assert_int_equal(fx.st.frags, 3);
	assert_int_equal(fx.st.reassembled, 1);
	assert_int_equal(fx.st.udp, 1);
	assert_int_equal(anomaly_total(), 0);
}

static void
test_defrag_out_of_order(void **state)
{
	(void)state;
	make_datagram();
	fx.ctx.defrag = ots_defrag_new(NULL);
	feed_frag(10, 2960, 40, 0, 1);
	feed_frag(10, 1480, 800, 1, 1);
	feed_frag(10, 0, 1480, 1, 1);
	assert_int_equal(fx.p.reassembled, 0);
	feed_frag(10, 2280, 680, 1, 1);
	check_reassembled();
	assert_int_equal(anomaly_total(), 0);

	/* Interleaved datagrams with different ids and sources stay apart. */
	feed_frag(11, 0, 1480, 1, 2);
	feed_frag(12, 1480, 1520, 0, 2);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 2);
	feed_frag(11, 1480, 1520, 0, 2);
	check_reassembled();
	feed_frag(12, 0, 1480, 1, 2);
	check_reassembled();
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 0);
}

static void
test_defrag_overlap(void **state)
{
	uint8_t f[2048], junk[1480];
	size_t n;

	(void)state;
	make_datagram();
	memset(junk, 0x5a, sizeof(junk));
	fx.ctx.defrag = ots_defrag_new(NULL);
	feed_frag(20, 0, 1480, 1, 1);
	/* A later fragment rewriting bytes 1000..2479: the first-seen bytes win. */
	n = build_frag(f, 20, ip_a, 1000, 1480, 1, junk);
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_OVERLAP], 1);
	/* The real bytes 1480..2479 arrived late: they overlap the junk, junk stays there. */
	feed_frag(20, 2480, 520, 0, 1);
	assert_int_equal(fx.p.reassembled, 1);
	assert_memory_equal(fx.p.l3 + 20, dg_bytes, 1480);
	assert_memory_equal(fx.p.l3 + 20 + 1480, junk, 1000);
	assert_memory_equal(fx.p.l3 + 20 + 2480, dg_bytes + 2480, 520);

	/* Two last fragments disagreeing on the length: the datagram is dropped. */
	feed_frag(21, 0, 1480, 1, 1);
	feed_frag(21, 2960, 40, 0, 1);
	feed_frag(21, 1480, 800, 0, 1);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_OVERLAP], 2);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 0);
	assert_int_equal(fx.p.reassembled, 0);
	/* Exact duplicate: counted, harmless. */
	feed_frag(22, 0, 1480, 1, 1);
	feed_frag(22, 0, 1480, 1, 1);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_OVERLAP], 3);
	feed_frag(22, 1480, 1520, 0, 1);
	check_reassembled();
}

static void
test_defrag_limits(void **state)
{
	struct ots_defrag_conf conf = { .max_datagrams = 2, .max_frags = 4, .timeout_us = 1000 };
	uint8_t f[2048];
	size_t n;
	uint32_t off;

	(void)state;
	make_datagram();
	fx.ctx.defrag = ots_defrag_new(&conf);
	/* Too many fragments: the fifth drops the datagram. */
	for (off = 0; off < 5 * 8; off += 8)
		feed_frag(30, off, 8, 1, 1);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_LIMIT], 1);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 0);

	/* Table full: a third datagram evicts the oldest. */
	feed_frag(31, 0, 1480, 1, 10);
	feed_frag(32, 0, 1480, 1, 11);
	feed_frag(33, 0, 1480, 1, 12);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_LIMIT], 2);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 2);
	feed_frag(31, 1480, 1520, 0, 13); /* 31 was evicted: starts again, incomplete */
	assert_int_equal(fx.p.reassembled, 0);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_LIMIT], 3);
	feed_frag(33, 1480, 1520, 0, 14);
	check_reassembled();

	/* Timeout in packet time, checked on the next insert. */
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 1);
	feed_frag(34, 0, 1480, 1, 5000);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_TIMEOUT], 1);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 1);

	/* Larger than 65535 bytes. */
	n = build_frag(f, 35, ip_a, 65528, 100, 0, dg_bytes);
	decode(OTS_LINK_ETHERNET, f, (uint32_t)n);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_TOO_BIG], 1);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 0);
}

static void
test_defrag_default_timeout(void **state)
{
	(void)state;
	make_datagram();
	fx.ctx.defrag = ots_defrag_new(NULL);
	feed_frag(40, 0, 1480, 1, 1000000);
	feed_frag(41, 0, 1480, 1, 30000000);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 2);
	feed_frag(42, 0, 1480, 1, 31000001);
	assert_int_equal(fx.st.anomalies[OTS_AN_IPV4_FRAG_TIMEOUT], 1);
	assert_int_equal(ots_defrag_pending(fx.ctx.defrag), 2);
}

static void
test_frag_without_defrag(void **state)
{
	(void)state;
	make_datagram();
	feed_frag(50, 0, 1480, 1, 1);
	assert_int_equal(fx.p.is_fragment, 1);
	assert_int_equal(fx.p.has_l4, 1); /* first fragment: ports known, UDP length relaxed */
	assert_int_equal(fx.p.sport, 7000);
	assert_int_equal(fx.p.payload_len, 1472);
	feed_frag(50, 1480, 1520, 0, 1);
	assert_int_equal(fx.p.is_fragment, 1);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.p.reassembled, 0);
	assert_int_equal(fx.st.frags, 2);
	assert_int_equal(anomaly_total(), 0);
}

/* Truncation sweeps -------------------------------------------------------------------- */

/* Expected anomaly for a prefix of k bytes (snapped when snap), or -1 for none. */
typedef int (*expect_fn)(size_t k, size_t full, int snap);

/*
 * Decode every prefix 0..full in snapped (wirelen = full) and unsnapped (wirelen = k) mode;
 * exactly the expected counter moves, by one.
 */
static void
sweep(uint16_t link, const uint8_t *frame, size_t full, expect_fn expect)
{
	size_t k;
	int snap;

	for (snap = 0; snap <= 1; snap++) {
		for (k = 0; k <= full; k++) {
			uint64_t before = anomaly_total(), want_before = 0;
			int want = expect(k, full, snap);

			if (want >= 0)
				want_before = fx.st.anomalies[want];
			decode_copy(link, frame, (uint32_t)k, snap ? (uint32_t)full : (uint32_t)k);
			if (want < 0) {
				if (anomaly_total() != before)
					fail_msg("prefix %zu snap %d: unexpected anomaly", k, snap);
			} else {
				if (fx.st.anomalies[want] != want_before + 1 ||
				    anomaly_total() != before + 1)
					fail_msg("prefix %zu snap %d: expected %s", k, snap,
					         ots_anomaly_name((enum ots_anomaly)want));
			}
		}
	}
}

/* Ethernet(14) + IPv4(20) + TCP(32) + 8 bytes payload. */
static int
expect_eth_ipv4_tcp(size_t k, size_t full, int snap)
{
	if (k < 14)
		return OTS_AN_ETH_TRUNC;
	if (k < 34)
		return OTS_AN_IPV4_TRUNC;
	if (!snap)
		return k < full ? OTS_AN_IPV4_TOTLEN : -1;
	if (k < 54)
		return OTS_AN_TCP_TRUNC;
	if (k < 66)
		return OTS_AN_TCP_TRUNC; /* options cut */
	return -1;
}

static void
test_sweep_eth_ipv4_tcp(void **state)
{
	uint8_t f[256];
	size_t n = build_eth_ipv4_tcp(f);

	(void)state;
	assert_int_equal(n, 74);
	sweep(OTS_LINK_ETHERNET, f, n, expect_eth_ipv4_tcp);
	/* Layers kept at representative cuts. */
	decode_copy(OTS_LINK_ETHERNET, f, 40, 74);
	assert_int_equal(fx.p.ip_version, 4);
	assert_int_equal(fx.p.has_l4, 0);
	assert_int_equal(fx.p.l3_len, 26);
	decode_copy(OTS_LINK_ETHERNET, f, 70, 74);
	assert_int_equal(fx.p.has_l4, 1);
	assert_int_equal(fx.p.payload_len, 4);
	decode_copy(OTS_LINK_ETHERNET, f, 20, 74);
	assert_int_equal(fx.p.has_mac, 1);
	assert_int_equal(fx.p.ip_version, 0);
}

/* Ethernet + 2 VLAN tags (22) + IPv4(20) + UDP(8) + 8. */
static int
expect_vlan_udp(size_t k, size_t full, int snap)
{
	if (k < 14)
		return OTS_AN_ETH_TRUNC;
	if (k < 22)
		return OTS_AN_VLAN_TRUNC;
	if (k < 42)
		return OTS_AN_IPV4_TRUNC;
	if (!snap)
		return k < full ? OTS_AN_IPV4_TOTLEN : -1;
	if (k < 50)
		return OTS_AN_UDP_TRUNC;
	return -1;
}

static void
test_sweep_vlan_udp(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_eth(f, mac_b, mac_a, 0x88a8);
	n += pb_vlan(f + n, 10, 0x8100);
	n += pb_vlan(f + n, 20, ETHERTYPE_IPV4);
	n += build_ipv4_udp(f + n, ip_a, ip_b, 1, 2);
	sweep(OTS_LINK_ETHERNET, f, n, expect_vlan_udp);
	decode_copy(OTS_LINK_ETHERNET, f, 53, (uint32_t)n);
	assert_int_equal(fx.p.payload_len, 3);
}

/* IPv6(40) + HBH(8) + RH(24) + DO(16) + AH(24) = 112, + TCP(32) + 8 = 152. */
static int
expect_ipv6(size_t k, size_t full, int snap)
{
	if (k < 40)
		return OTS_AN_IPV6_TRUNC;
	if (!snap)
		return k < full ? OTS_AN_IPV6_PLEN : -1;
	if (k < 112)
		return OTS_AN_IPV6_TRUNC; /* extension header cut */
	if (k < 144)
		return OTS_AN_TCP_TRUNC;
	return -1;
}

static void
test_sweep_ipv6(void **state)
{
	uint8_t f[512];
	size_t n = build_ipv6_ext_tcp(f);

	(void)state;
	assert_int_equal(n, 152);
	sweep(OTS_LINK_IPV6, f, n, expect_ipv6);
	decode_copy(OTS_LINK_IPV6, f, 60, (uint32_t)n);
	assert_int_equal(fx.p.ip_version, 6);
	assert_int_equal(fx.p.has_l4, 0);
}

static int
expect_arp(size_t k, size_t full, int snap)
{
	(void)full;
	(void)snap;
	if (k < 14)
		return OTS_AN_ETH_TRUNC;
	if (k < 42)
		return OTS_AN_ARP_TRUNC;
	return -1;
}

static void
test_sweep_arp(void **state)
{
	uint8_t f[64];
	size_t n = pb_eth(f, mac_b, mac_a, 0x0806);

	(void)state;
	n += pb_arp(f + n, 1, mac_a, ip_a, mac_b, ip_b);
	sweep(OTS_LINK_ETHERNET, f, n, expect_arp);
}

static int
expect_lldp(size_t k, size_t full, int snap)
{
	(void)snap;
	if (k < 14)
		return OTS_AN_ETH_TRUNC;
	if (k < full)
		return OTS_AN_LLDP_TRUNC;
	return -1;
}

static void
test_sweep_lldp(void **state)
{
	uint8_t f[256];
	size_t n = pb_eth(f, mac_b, mac_a, 0x88cc);

	(void)state;
	n += pb_lldp(f + n, mac_a);
	sweep(OTS_LINK_ETHERNET, f, n, expect_lldp);
	decode_copy(OTS_LINK_ETHERNET, f, 30, (uint32_t)n);
	assert_int_equal(fx.p.l3_type, OTS_L3_LLDP);
}

/* CDP frame: the 802.3 length says 8 + body; a cut frame is shorter than the length. */
static size_t cdp_tlv1_end, cdp_tlv2_end;

static int
expect_cdp(size_t k, size_t full, int snap)
{
	(void)full;
	(void)snap;
	if (k < 14)
		return OTS_AN_ETH_TRUNC;
	if (k < 22)
		return OTS_AN_LLC_TRUNC;
	if (k < 26)
		return OTS_AN_CDP_TRUNC;
	if (k == 26 || k == cdp_tlv1_end || k == cdp_tlv2_end)
		return -1; /* cut on a TLV boundary: a valid shorter PDU */
	return OTS_AN_CDP_TRUNC;
}

static void
test_sweep_cdp(void **state)
{
	uint8_t f[256];
	size_t n = pb_cdp_frame(f, mac_a);

	(void)state;
	cdp_tlv1_end = 26 + 4 + 8;
	cdp_tlv2_end = n;
	sweep(OTS_LINK_ETHERNET, f, n, expect_cdp);
}

/* SLL(16) + IPv4(20) + UDP(8) + 8. */
static int
expect_sll(size_t k, size_t full, int snap)
{
	if (k < 16)
		return OTS_AN_SLL_TRUNC;
	if (k < 36)
		return OTS_AN_IPV4_TRUNC;
	if (!snap)
		return k < full ? OTS_AN_IPV4_TOTLEN : -1;
	if (k < 44)
		return OTS_AN_UDP_TRUNC;
	return -1;
}

static int
expect_sll2(size_t k, size_t full, int snap)
{
	if (k < 20)
		return OTS_AN_SLL_TRUNC;
	return expect_sll(k - 4, full - 4, snap);
}

static void
test_sweep_sll(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_sll(f, mac_a, 6, ETHERTYPE_IPV4);
	n += build_ipv4_udp(f + n, ip_a, ip_b, 1, 2);
	sweep(OTS_LINK_LINUX_SLL, f, n, expect_sll);
	n = pb_sll2(f, mac_a, 6, ETHERTYPE_IPV4);
	n += build_ipv4_udp(f + n, ip_a, ip_b, 1, 2);
	sweep(OTS_LINK_LINUX_SLL2, f, n, expect_sll2);
}

/* NULL(4) + IPv4(24 with options) + TCP(32) + 8. */
static int
expect_null(size_t k, size_t full, int snap)
{
	if (k < 4)
		return OTS_AN_NULL_TRUNC;
	if (k < 28)
		return OTS_AN_IPV4_TRUNC;
	if (!snap)
		return k < full ? OTS_AN_IPV4_TOTLEN : -1;
	if (k < 60)
		return OTS_AN_TCP_TRUNC;
	return -1;
}

static void
test_sweep_null(void **state)
{
	static const uint8_t opt[4] = { 1, 1, 1, 0 };
	uint8_t f[256];
	size_t n;

	(void)state;
	n = pb_null(f, 2, 0);
	n += build_ipv4_tcp(f + n, ip_a, ip_b, 1, 2, opt, sizeof(opt));
	sweep(OTS_LINK_NULL, f, n, expect_null);
}

/* Fragments through the reassembler: every prefix of each fragment, no crash, no leak. */
static void
test_sweep_fragments(void **state)
{
	uint8_t f[2048];
	size_t n, k;
	uint16_t id;

	(void)state;
	make_datagram();
	fx.ctx.defrag = ots_defrag_new(NULL);
	for (id = 0; id < 3; id++) {
		uint32_t off = id * 1480u, len = id < 2 ? 1480 : 40;

		n = build_frag(f, 60, ip_a, off, len, id < 2, NULL);
		for (k = 0; k <= n; k += (k < 80 ? 1 : 97))
			decode_copy(OTS_LINK_ETHERNET, f, (uint32_t)k, (uint32_t)n);
	}
	assert_true(ots_defrag_pending(fx.ctx.defrag) <= 1);
}

/* Shard hash ---------------------------------------------------------------------------- */

static void
test_hash_symmetric(void **state)
{
	uint8_t f1[256], f2[256];
	size_t n1, n2;
	uint32_t h1;

	(void)state;
	n1 = pb_eth(f1, mac_b, mac_a, ETHERTYPE_IPV4);
	n1 += build_ipv4_tcp(f1 + n1, ip_a, ip_b, 40000, 502, NULL, 0);
	n2 = pb_eth(f2, mac_a, mac_b, ETHERTYPE_IPV4);
	n2 += build_ipv4_tcp(f2 + n2, ip_b, ip_a, 502, 40000, NULL, 0);
	h1 = ots_decode_shard_hash(OTS_LINK_ETHERNET, f1, (uint32_t)n1);
	assert_int_not_equal(h1, 0);
	assert_int_equal(h1, ots_decode_shard_hash(OTS_LINK_ETHERNET, f2, (uint32_t)n2));
	/* Same flow on a raw link hashes the same (VLAN 0, same pair). */
	assert_int_equal(h1, ots_decode_shard_hash(OTS_LINK_RAW, f2 + 14, (uint32_t)n2 - 14));
	/* Another VLAN is another conversation. */
	n2 = pb_eth(f2, mac_a, mac_b, 0x8100);
	n2 += pb_vlan(f2 + n2, 7, ETHERTYPE_IPV4);
	n2 += build_ipv4_tcp(f2 + n2, ip_b, ip_a, 502, 40000, NULL, 0);
	assert_int_not_equal(h1, ots_decode_shard_hash(OTS_LINK_ETHERNET, f2, (uint32_t)n2));

	/* IPv6 with extension headers one way, none the other. */
	n1 = build_ipv6_ext_tcp(f1);
	n2 = pb_tcp(f2 + 40, 20000, 40001, 1, 1, 0x12, NULL, 0, NULL, 0);
	n2 = pb_ipv6(f2, ip6_b, ip6_a, 6, 64, f2 + 40, n2);
	h1 = ots_decode_shard_hash(OTS_LINK_IPV6, f1, (uint32_t)n1);
	assert_int_equal(h1, ots_decode_shard_hash(OTS_LINK_IPV6, f2, (uint32_t)n2));

	/* ARP: sorted MAC pair. */
	n1 = pb_eth(f1, mac_b, mac_a, 0x0806);
	n1 += pb_arp(f1 + n1, 1, mac_a, ip_a, mac_b, ip_b);
	n2 = pb_eth(f2, mac_a, mac_b, 0x0806);
	n2 += pb_arp(f2 + n2, 2, mac_b, ip_b, mac_a, ip_a);
	assert_int_equal(ots_decode_shard_hash(OTS_LINK_ETHERNET, f1, (uint32_t)n1),
	                 ots_decode_shard_hash(OTS_LINK_ETHERNET, f2, (uint32_t)n2));
	assert_int_equal(ots_decode_shard_hash(OTS_LINK_ETHERNET, f1, 5), 0);
	assert_int_equal(ots_decode_shard_hash(999, f1, (uint32_t)n1), 0);
}

static void
test_hash_fragments(void **state)
{
	uint8_t f1[2048], f2[2048];
	size_t n1, n2;

	(void)state;
	make_datagram();
	n1 = build_frag(f1, 70, ip_a, 0, 1480, 1, NULL);
	n2 = build_frag(f2, 70, ip_a, 1480, 1520, 0, NULL);
	assert_int_equal(ots_decode_shard_hash(OTS_LINK_ETHERNET, f1, (uint32_t)n1),
	                 ots_decode_shard_hash(OTS_LINK_ETHERNET, f2, (uint32_t)n2));
	/* IPv6 fragments: the fragment header's next header is the upper protocol. */
	n1 = pb_ip6_frag(f1 + 40, 17, 0, 1, 5);
	n1 += pb_udp(f1 + 40 + n1, 1, 2, payload8, 8);
	n1 = pb_ipv6(f1, ip6_a, ip6_b, 44, 1, f1 + 40, n1);
	n2 = pb_ip6_frag(f2 + 40, 17, 1448, 0, 5);
	memset(f2 + 40 + n2, 0, 16);
	n2 = pb_ipv6(f2, ip6_a, ip6_b, 44, 1, f2 + 40, n2 + 16);
	assert_int_equal(ots_decode_shard_hash(OTS_LINK_IPV6, f1, (uint32_t)n1),
	                 ots_decode_shard_hash(OTS_LINK_IPV6, f2, (uint32_t)n2));
}

static void
test_hash_spread(void **state)
{
	enum { N = 4096, SHARDS = 8 };
	static uint32_t hs[N];
	unsigned count[SHARDS] = { 0 };
	uint8_t f[256], src[4], dst[4];
	unsigned i, j, dup = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		size_t n;

		src[0] = 10;
		src[1] = 0;
		src[2] = (uint8_t)(i >> 8);
		src[3] = (uint8_t)i;
		dst[0] = 10;
		dst[1] = 1;
		dst[2] = 0;
		dst[3] = (uint8_t)(i % 7);
		n = build_ipv4_tcp(f, src, dst, 1, 2, NULL, 0);
		hs[i] = ots_decode_shard_hash(OTS_LINK_RAW, f, (uint32_t)n);
		count[hs[i] % SHARDS]++;
	}
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			dup += hs[i] == hs[j];
	assert_true(dup <= 2);
	for (i = 0; i < SHARDS; i++)
		assert_true(count[i] > N / SHARDS * 8 / 10 && count[i] < N / SHARDS * 12 / 10);
}

static void
test_format(void **state)
{
	struct ots_addr a;
	char s[46], m[18];
	unsigned v;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.b[10] = a.b[11] = 0xff;
	a.b[12] = 10;
	a.b[15] = 255;
	assert_true(ots_addr_is_v4(&a));
	assert_string_equal(ots_addr_str(&a, s, sizeof(s)), "10.0.0.255");
	a.b[12] = 0;
	a.b[15] = 0;
	assert_string_equal(ots_addr_str(&a, s, sizeof(s)), "0.0.0.0");
	a.b[12] = a.b[13] = a.b[14] = a.b[15] = 255;
	assert_string_equal(ots_addr_str(&a, s, sizeof(s)), "255.255.255.255");
	a.b[12] = 100;
	a.b[13] = 9;
	a.b[14] = 99;
	a.b[15] = 101;
	assert_string_equal(ots_addr_str(&a, s, sizeof(s)), "100.9.99.101");
	assert_string_equal(ots_addr_str(&a, s, 6), "100.9"); /* cut, still terminated */
	a.b[10] = 0;
	assert_false(ots_addr_is_v4(&a));
	assert_string_equal(ots_mac_str((const uint8_t[6]){ 0xAA, 0xbb, 0, 1, 0x0f, 0xf0 }, m,
	                                sizeof(m)), "aa:bb:00:01:0f:f0");
	assert_string_equal(ots_mac_str((const uint8_t[6]){ 1, 2, 3, 4, 5, 6 }, m, 6), "01:02");
	/* every octet value, and buffers just big enough or one byte short */
	a.b[10] = 0xff;
	for (v = 0; v < 256; v++) {
		char e[46];

		a.b[12] = (uint8_t)v;
		a.b[13] = (uint8_t)(255 - v);
		a.b[14] = (uint8_t)(v / 16);
		a.b[15] = (uint8_t)(v * 7);
		snprintf(e, sizeof(e), "%u.%u.%u.%u", a.b[12], a.b[13], a.b[14], a.b[15]);
		assert_string_equal(ots_addr_str(&a, s, sizeof(s)), e);
	}
	a.b[12] = a.b[13] = a.b[14] = a.b[15] = 255;
	assert_string_equal(ots_addr_str(&a, s, 16), "255.255.255.255");
	assert_string_equal(ots_addr_str(&a, s, 15), "255.255.255.25");
	assert_string_equal(ots_mac_str((const uint8_t[6]){ 1, 2, 3, 4, 5, 0xfe }, m, 18),
	                    "01:02:03:04:05:fe");
	assert_string_equal(ots_mac_str((const uint8_t[6]){ 1, 2, 3, 4, 5, 0xfe }, m, 17),
	                    "01:02:03:04:05:f");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_anomaly_names),
		T(test_eth_ipv4_tcp),
		T(test_ipv4_options),
		T(test_ipv4_malformed),
		T(test_padding_trimmed),
		T(test_tcp_malformed),
		T(test_udp),
		T(test_other_l4),
		T(test_vlan),
		T(test_vlan_flood),
		T(test_arp),
		T(test_lldp),
		T(test_cdp),
		T(test_llc_and_other),
		T(test_link_sll),
		T(test_link_raw),
		T(test_link_null_loop),
		T(test_link_unsupported),
		T(test_ipv6_ext_headers),
		T(test_ipv6_malformed),
		T(test_defrag_in_order),
		T(test_defrag_out_of_order),
		T(test_defrag_overlap),
		T(test_defrag_limits),
		T(test_defrag_default_timeout),
		T(test_frag_without_defrag),
		T(test_sweep_eth_ipv4_tcp),
		T(test_sweep_vlan_udp),
		T(test_sweep_ipv6),
		T(test_sweep_arp),
		T(test_sweep_lldp),
		T(test_sweep_cdp),
		T(test_sweep_sll),
		T(test_sweep_null),
		T(test_sweep_fragments),
		T(test_hash_symmetric),
		T(test_hash_fragments),
		T(test_hash_spread),
		T(test_format),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
