/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode.c: link-type dispatch, loopback/raw links, the symmetric shard hash, anomaly names
 * and address formatting.
 * Specs: pcap LINKTYPE_ registry (tcpdump.org/linktypes.html), RFC 791, RFC 8200, IEEE 802.3.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ots/decode.h"
#include "ots/rd.h"

/* DLT_RAW numbers some systems write instead of LINKTYPE_RAW. */
#define LINK_RAW_DLT12 12
#define LINK_RAW_DLT14 14

static const char *const anomaly_names[OTS_AN__COUNT] = {
	[OTS_AN_LINK_UNSUPPORTED] = "link_unsupported",
	[OTS_AN_ETH_TRUNC] = "ethernet_truncated",
	[OTS_AN_VLAN_TRUNC] = "vlan_truncated",
	[OTS_AN_VLAN_TOO_MANY] = "vlan_too_many",
	[OTS_AN_SLL_TRUNC] = "sll_truncated",
	[OTS_AN_NULL_TRUNC] = "null_truncated",
	[OTS_AN_NULL_FAMILY] = "null_bad_family",
	[OTS_AN_LLC_TRUNC] = "llc_truncated",
	[OTS_AN_ARP_TRUNC] = "arp_truncated",
	[OTS_AN_ARP_INVALID] = "arp_invalid",
	[OTS_AN_LLDP_TRUNC] = "lldp_truncated",
	[OTS_AN_LLDP_INVALID] = "lldp_invalid",
	[OTS_AN_CDP_TRUNC] = "cdp_truncated",
	[OTS_AN_IPV4_TRUNC] = "ipv4_truncated",
	[OTS_AN_IPV4_VERSION] = "ipv4_bad_version",
	[OTS_AN_IPV4_HLEN] = "ipv4_bad_header_length",
	[OTS_AN_IPV4_TOTLEN] = "ipv4_bad_total_length",
	[OTS_AN_IPV4_FRAG_OVERLAP] = "ipv4_frag_overlap",
	[OTS_AN_IPV4_FRAG_TOO_BIG] = "ipv4_frag_too_big",
	[OTS_AN_IPV4_FRAG_LIMIT] = "ipv4_frag_limit",
	[OTS_AN_IPV4_FRAG_TIMEOUT] = "ipv4_frag_timeout",
	[OTS_AN_IPV6_TRUNC] = "ipv6_truncated",
	[OTS_AN_IPV6_VERSION] = "ipv6_bad_version",
	[OTS_AN_IPV6_PLEN] = "ipv6_bad_payload_length",
	[OTS_AN_IPV6_EXTHDR] = "ipv6_bad_extension_header",
	[OTS_AN_IPV6_FRAGMENT] = "ipv6_fragment",
	[OTS_AN_TCP_TRUNC] = "tcp_truncated",
	[OTS_AN_TCP_HLEN] = "tcp_bad_header_length",
	[OTS_AN_UDP_TRUNC] = "udp_truncated",
	[OTS_AN_UDP_LEN] = "udp_bad_length",
	[OTS_AN_L3_UNKNOWN_PROTO] = "l3_unknown_protocol",
	[OTS_AN_CDP_INVALID] = "cdp_invalid",
};

const char *
ots_anomaly_name(enum ots_anomaly a)
{
	if ((unsigned)a >= OTS_AN__COUNT || anomaly_names[a] == NULL)
		return "unknown";
	return anomaly_names[a];
}

/* Raw IP link: the version nibble chooses the decoder. */
static int
decode_raw(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len, struct ots_pkt *p)
{
	struct ots_rd r;
	int ok;
	uint8_t v;

	rd_init(&r, data, len);
	v = rd_peek_u8(&r, 0, &ok);
	if (!ok) {
		ots_decode_anomaly(ctx, OTS_AN_L3_UNKNOWN_PROTO);
		return OTS_ETRUNC;
	}
	switch (v >> 4) {
	case 4:
		p->l3_type = OTS_L3_IPV4;
		return ots_decode_ipv4(ctx, data, len, p);
	case 6:
		p->l3_type = OTS_L3_IPV6;
		return ots_decode_ipv6(ctx, data, len, p);
	default:
		ots_decode_anomaly(ctx, OTS_AN_L3_UNKNOWN_PROTO);
		return OTS_EINVAL;
	}
}

static int
family_is_inet6(uint32_t af)
{
	/* AF_INET6 on Linux (10), the BSDs (24), FreeBSD (28), Darwin (30). */
	return af == 10 || af == 24 || af == 28 || af == 30;
}

/*
 * BSD loopback (LINKTYPE_NULL: 4-byte family in the writer's byte order, so both orders are
 * tried) and OpenBSD loopback (LINKTYPE_LOOP: network order).
 */
static int
decode_null(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len, struct ots_pkt *p,
            int net_order)
{
	struct ots_rd r;
	uint32_t be, le;
	const uint8_t *rest;
	size_t n;

	rd_init(&r, data, len);
	if (!rd_need(&r, 4)) {
		ots_decode_anomaly(ctx, OTS_AN_NULL_TRUNC);
		return OTS_ETRUNC;
	}
	be = rd_be32(&r);
	le = (be >> 24) | ((be >> 8) & 0xff00) | ((be << 8) & 0xff0000) | (be << 24);
	if (net_order)
		le = be;
	rest = rd_rest(&r, &n);
	if (be == 2 || le == 2) {
		p->l3_type = OTS_L3_IPV4;
		return ots_decode_ipv4(ctx, rest, (uint32_t)n, p);
	}
	if (family_is_inet6(be) || family_is_inet6(le)) {
		p->l3_type = OTS_L3_IPV6;
		return ots_decode_ipv6(ctx, rest, (uint32_t)n, p);
	}
	ots_decode_anomaly(ctx, OTS_AN_NULL_FAMILY);
	return OTS_EINVAL;
}

/*
 * The common frame in one pass: Ethernet II with at most OTS_MAX_VLANS tags, IPv4 that is not
 * a fragment and whose total length fits the capture, TCP or UDP with a sound header. The
 * layered decoders (ether -> dispatch -> ipv4 -> l4 -> tcp) cost 320 instructions a packet on
 * the plant, a seventh of a worker; this one reads the same fields through the same reader
 * and fills p and the counters exactly as they would (tests/unit/test-decode-fast compares
 * the two on every prefix of frames of each kind). It returns 1, or 0 without having counted
 * anything: the caller then clears p and the layered decoders take the frame, anomalies,
 * ARP, IPv6, fragments and all.
 */
static inline uint16_t
be16_at(const uint8_t *h)
{
	return (uint16_t)(h[0] << 8 | h[1]);
}

static inline uint32_t
be32_at(const uint8_t *h)
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Each header is taken as one window from the reader (rd_ptr: one bounds check for the
 * whole fixed part) and its fields read inside that window. */
static int
decode_fast(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len, struct ots_pkt *p)
{
	struct ots_rd r, ir, lr;
	const uint8_t *h, *rest;
	size_t n;
	uint16_t type, totlen;
	uint32_t hlen, l4len;
	uint8_t proto;
	unsigned tags = 0;

	rd_init(&r, data, len);
	h = rd_ptr(&r, 14);
	if (!h)
		return 0;
	memcpy(p->dst_mac, h, 6);
	memcpy(p->src_mac, h + 6, 6);
	type = be16_at(h + 12);
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (tags == OTS_MAX_VLANS || !(h = rd_ptr(&r, 4)))
			return 0;
		p->vlan[tags++] = be16_at(h) & 0x0fff;
		type = be16_at(h + 2);
	}
	if (type != 0x0800)
		return 0;
	rest = rd_rest(&r, &n);

	rd_init(&ir, rest, n);
	h = rd_ptr(&ir, 20);
	if (!h)
		return 0;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	totlen = be16_at(h + 2);
	proto = h[9];
	if ((h[0] >> 4) != 4 || hlen < 20 || totlen < hlen || totlen > n || (h[6] & 0x3f) ||
	    h[7] || (proto != 6 && proto != 17))
		return 0; /* MF or an offset: a fragment */
	p->ttl = h[8];
	{
		/* IPv4-mapped (decode-ipv4.c), each address as two 8-byte stores (flow-hash.c
		 * reads them so) */
		uint32_t v;
		uint64_t w;

		memcpy(&v, h + 12, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = (uint64_t)v << 32 | 0xffff0000u; /* bytes 00 00 ff ff v0 v1 v2 v3 */
#else
		w = (uint64_t)0xffffu << 32 | v;
#endif
		memcpy(p->src.b + 8, &w, 8);
		memcpy(&v, h + 16, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w = (uint64_t)v << 32 | 0xffff0000u;
#else
		w = (uint64_t)0xffffu << 32 | v;
#endif
		memcpy(p->dst.b + 8, &w, 8);
	}
	rd_init(&lr, rest + hlen, totlen - hlen); /* hlen <= totlen <= n */
	l4len = totlen - hlen;
	if (proto == 6) {
		uint32_t thl;

		h = rd_ptr(&lr, 20);
		if (!h)
			return 0;
		thl = (uint32_t)(h[12] >> 4) * 4;
		if (thl < 20 || thl > l4len)
			return 0;
		rd_skip(&lr, thl - 20);
		p->tcp_seq = be32_at(h + 4);
		p->tcp_ack = be32_at(h + 8);
		p->tcp_flags = h[13] & 0x3f;
		p->tcp_win = be16_at(h + 14);
		ctx->st->tcp++;
	} else {
		uint16_t ulen;

		h = rd_ptr(&lr, 8);
		if (!h)
			return 0;
		ulen = be16_at(h + 4);
		if (ulen < 8 || ulen > l4len)
			return 0;
		lr = rd_sub(&lr, (size_t)ulen - 8); /* what follows the datagram is padding */
		ctx->st->udp++;
	}
	p->sport = be16_at(h);
	p->dport = be16_at(h + 2);
	p->payload = rd_rest(&lr, &n);
	p->payload_len = (uint32_t)n;
	p->has_l4 = 1;
	ctx->st->ipv4++;
	p->has_mac = 1;
	p->vlan_count = (uint8_t)tags;
	p->ethertype = 0x0800;
	p->l2_payload = rest;
	p->l2_payload_len = (uint32_t)(len - (uint32_t)(rest - data));
	p->l3_type = OTS_L3_IPV4;
	p->ip_version = 4;
	p->ip_proto = proto;
	p->l3 = rest;
	p->l3_len = totlen;
	return 1;
}

/* A cleared packet with the capture's facts (the arguments are read before the clear). */
static inline void
pkt_start(struct ots_pkt *p, uint64_t ts_us, uint32_t caplen, uint32_t wirelen,
          uint16_t linktype)
{
	memset(p, 0, sizeof(*p));
	p->ts_us = ts_us;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = linktype;
}

int
ots_decode_packet(struct ots_decode_ctx *ctx, uint16_t linktype, const uint8_t *data,
                  uint32_t caplen, uint32_t wirelen, uint64_t ts_us, struct ots_pkt *p)
{
	int rc;

	pkt_start(p, ts_us, caplen, wirelen, linktype);
	if (data == NULL)
		caplen = 0;

	switch (linktype) {
	case OTS_LINK_ETHERNET:
		if (!ctx->layered_only && decode_fast(ctx, data, caplen, p))
			return OTS_OK;
		if (!ctx->layered_only) /* back to a clean packet for the layered decoders */
			pkt_start(p, p->ts_us, p->caplen, p->wirelen, p->linktype);
		rc = ots_decode_ether(ctx, data, caplen, p);
		break;
	case OTS_LINK_LINUX_SLL:
		rc = ots_decode_sll(ctx, data, caplen, p, 0);
		break;
	case OTS_LINK_LINUX_SLL2:
		rc = ots_decode_sll(ctx, data, caplen, p, 1);
		break;
	case OTS_LINK_RAW:
	case LINK_RAW_DLT12:
	case LINK_RAW_DLT14:
		rc = decode_raw(ctx, data, caplen, p);
		break;
	case OTS_LINK_IPV4:
		p->l3_type = OTS_L3_IPV4;
		rc = ots_decode_ipv4(ctx, data, caplen, p);
		break;
	case OTS_LINK_IPV6:
		p->l3_type = OTS_L3_IPV6;
		rc = ots_decode_ipv6(ctx, data, caplen, p);
		break;
	case OTS_LINK_NULL:
		rc = decode_null(ctx, data, caplen, p, 0);
		break;
	case OTS_LINK_LOOP:
		rc = decode_null(ctx, data, caplen, p, 1);
		break;
	default:
		ots_decode_anomaly(ctx, OTS_AN_LINK_UNSUPPORTED);
		return OTS_ENOTSUP;
	}
	/* A frame whose L3 is broken is still usable at layer 2 (its MACs, its ethertype). */
	if (rc != OTS_OK && (p->has_mac || p->l3_type != OTS_L3_NONE || p->ip_version != 0))
		rc = OTS_OK;
	return rc;
}

/* Symmetric shard hash ------------------------------------------------------------------- */

#define HASH_C1 0xcc9e2d51u
#define HASH_C2 0x1b873593u

static inline uint32_t
rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/* One murmur3 block step. */
static inline uint32_t
hash_mix(uint32_t h, uint32_t k)
{
	k *= HASH_C1;
	k = rotl32(k, 15);
	k *= HASH_C2;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

/* murmur3 finalizer: full avalanche. */
static inline uint32_t
hash_final(uint32_t h, uint32_t nwords)
{
	h ^= nwords * 4;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Lexicographic compare of two big-endian word arrays (same order as memcmp on the bytes). */
static int
words_cmp(const uint32_t *a, const uint32_t *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static uint32_t
hash_pair(const uint32_t *a, const uint32_t *b, int n, uint32_t tail)
{
	const uint32_t *lo = a, *hi = b;
	uint32_t h = 0x9747b28cu;
	int i;

	if (words_cmp(a, b, n) > 0) {
		lo = b;
		hi = a;
	}
	for (i = 0; i < n; i++)
		h = hash_mix(h, lo[i]);
	for (i = 0; i < n; i++)
		h = hash_mix(h, hi[i]);
	h = hash_mix(h, tail);
	return hash_final(h, (uint32_t)(2 * n + 1));
}

static int
ext_hdr_is_generic(uint8_t nh)
{
	/* hop-by-hop, routing, destination options, mobility, HIP, shim6: (len + 1) * 8 bytes */
	return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

static uint32_t
hash_ip(struct ots_rd *r, uint16_t vlan)
{
	uint32_t a[4], b[4];
	uint8_t v, proto, nh;
	int ok, i;

	v = rd_peek_u8(r, 0, &ok);
	if (!ok)
		return 0;
	if ((v >> 4) == 4) {
		rd_skip(r, 9);
		proto = rd_u8(r);
		rd_skip(r, 2);
		a[0] = rd_be32(r);
		b[0] = rd_be32(r);
		if (!rd_ok(r))
			return 0;
		return hash_pair(a, b, 1, ((uint32_t)4 << 24) | ((uint32_t)proto << 16) | vlan);
	}
	if ((v >> 4) == 6) {
		rd_skip(r, 6);
		nh = rd_u8(r);
		rd_skip(r, 1);
		for (i = 0; i < 4; i++)
			a[i] = rd_be32(r);
		for (i = 0; i < 4; i++)
			b[i] = rd_be32(r);
		if (!rd_ok(r))
			return 0;
		/* Walk a few extension headers to the upper-layer protocol (same as decode). */
		for (i = 0; i < 8; i++) {
			uint8_t next, hl;

			if (ext_hdr_is_generic(nh) || nh == 44 || nh == 51) {
				next = rd_u8(r);
				hl = rd_u8(r);
				if (!rd_ok(r))
					break;
				if (nh == 44)
					rd_skip(r, 6);
				else if (nh == 51)
					rd_skip(r, (size_t)hl * 4 + 6);
				else
					rd_skip(r, (size_t)hl * 8 + 6);
				nh = next;
				if (!rd_ok(r))
					break;
			} else {
				break;
			}
		}
		return hash_pair(a, b, 4, ((uint32_t)6 << 24) | ((uint32_t)nh << 16) | vlan);
	}
	return 0;
}

static uint32_t
hash_mac_pair(const uint8_t *d, const uint8_t *s, uint16_t vlan)
{
	uint32_t a[2], b[2];

	a[0] = ((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
	a[1] = ((uint32_t)d[4] << 8) | d[5];
	b[0] = ((uint32_t)s[0] << 24) | ((uint32_t)s[1] << 16) | ((uint32_t)s[2] << 8) | s[3];
	b[1] = ((uint32_t)s[4] << 8) | s[5];
	return hash_pair(a, b, 2, vlan);
}

static int
ethertype_is_vlan(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

static uint32_t
hash_ether(struct ots_rd *r)
{
	const uint8_t *dst, *src;
	uint16_t type, vlan = 0;
	int i;

	dst = rd_ptr(r, 6);
	src = rd_ptr(r, 6);
	type = rd_be16(r);
	if (!rd_ok(r))
		return 0;
	for (i = 0; i < 8 && ethertype_is_vlan(type); i++) {
		uint16_t tci = rd_be16(r);

		if (i == 0)
			vlan = tci & 0x0fff;
		type = rd_be16(r);
	}
	if (!rd_ok(r))
		return hash_mac_pair(dst, src, vlan);
	if (type == 0x0800 || type == 0x86dd) {
		uint32_t h = hash_ip(r, vlan);

		if (h != 0)
			return h;
	}
	return hash_mac_pair(dst, src, vlan);
}

uint32_t
ots_decode_shard_hash(uint16_t linktype, const uint8_t *data, uint32_t caplen)
{
	struct ots_rd r;
	uint16_t proto;

	rd_init(&r, data, caplen);
	switch (linktype) {
	case OTS_LINK_ETHERNET:
		return hash_ether(&r);
	case OTS_LINK_LINUX_SLL:
		rd_skip(&r, 14);
		proto = rd_be16(&r);
		break;
	case OTS_LINK_LINUX_SLL2:
		proto = rd_be16(&r);
		rd_skip(&r, 18);
		break;
	case OTS_LINK_NULL:
	case OTS_LINK_LOOP:
		rd_skip(&r, 4);
		return hash_ip(&r, 0);
	case OTS_LINK_RAW:
	case LINK_RAW_DLT12:
	case LINK_RAW_DLT14:
	case OTS_LINK_IPV4:
	case OTS_LINK_IPV6:
		return hash_ip(&r, 0);
	default:
		return 0;
	}
	/* Linux cooked: only the sender's address is known, so non-IP hashes by protocol. */
	if (!rd_ok(&r))
		return 0;
	if (proto == 0x0800 || proto == 0x86dd) {
		uint32_t h = hash_ip(&r, 0);

		if (h != 0)
			return h;
	}
	return hash_final(hash_mix(0x9747b28cu, proto), 1);
}

/* Formatting ----------------------------------------------------------------------------- */

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int
ots_addr_is_v4(const struct ots_addr *a)
{
	uint64_t w, pw;
	uint32_t x, px;

	/* memcmp against v4_mapped_prefix as two word compares: this runs for every output
	 * record. */
	memcpy(&w, a->b, 8);
	memcpy(&x, a->b + 8, 4);
	memcpy(&pw, v4_mapped_prefix, 8);
	memcpy(&px, v4_mapped_prefix + 8, 4);
	return w == pw && x == px;
}

/* Decimal 0..255 ("0" .. "255") at p; returns the end. */
static inline char *
fmt_octet(char *p, unsigned v)
{
	if (v >= 100) {
		unsigned t = v / 100;

		*p++ = (char)('0' + t);
		v -= 100 * t;
		*p++ = (char)('0' + v / 10);
		*p++ = (char)('0' + v % 10);
	} else if (v >= 10) {
		*p++ = (char)('0' + v / 10);
		*p++ = (char)('0' + v % 10);
	} else {
		*p++ = (char)('0' + v);
	}
	return p;
}

const char *
ots_addr_str(const struct ots_addr *a, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (ots_addr_is_v4(a)) {
		/* Hand-formatted: this runs twice per output record. Straight into buf when it
		 * holds the longest ("255.255.255.255"), else through tmp and cut. */
		char tmp[16], *p = len >= sizeof(tmp) ? buf : tmp, *o = p;
		size_t n;

		p = fmt_octet(p, a->b[12]);
		*p++ = '.';
		p = fmt_octet(p, a->b[13]);
		*p++ = '.';
		p = fmt_octet(p, a->b[14]);
		*p++ = '.';
		p = fmt_octet(p, a->b[15]);
		*p = '\0';
		if (o == buf)
			return buf;
		n = (size_t)(p - tmp) + 1; /* includes the terminator */
		if (n > len) {
			n = len;
			tmp[n - 1] = '\0';
		}
		memcpy(buf, tmp, n);
		return buf;
	}
	if (inet_ntop(AF_INET6, a->b, buf, (socklen_t)len) == NULL)
		buf[0] = '\0';
	return buf;
}

const char *
ots_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[18], *p = len >= sizeof(tmp) ? buf : tmp;

	if (len == 0)
		return buf;
	p[0] = hex[mac[0] >> 4];
	p[1] = hex[mac[0] & 15];
	p[2] = ':';
	p[3] = hex[mac[1] >> 4];
	p[4] = hex[mac[1] & 15];
	p[5] = ':';
	p[6] = hex[mac[2] >> 4];
	p[7] = hex[mac[2] & 15];
	p[8] = ':';
	p[9] = hex[mac[3] >> 4];
	p[10] = hex[mac[3] & 15];
	p[11] = ':';
	p[12] = hex[mac[4] >> 4];
	p[13] = hex[mac[4] & 15];
	p[14] = ':';
	p[15] = hex[mac[5] >> 4];
	p[16] = hex[mac[5] & 15];
	p[17] = '\0';
	if (p == tmp) {
		memcpy(buf, tmp, len - 1);
		buf[len - 1] = '\0';
	}
	return buf;
}
