/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktbuild.c: frame builders for tests and corpus generators (writers, not parsers).
 * Specs: IEEE 802.3/802.1Q/802.1AB, RFC 826, RFC 791, RFC 8200, RFC 9293, RFC 768.
 */
#include <string.h>

#include "pktbuild.h"

void
pb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

size_t
pb_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	pb_put16(buf + 12, type);
	return 14;
}

size_t
pb_vlan(uint8_t *buf, uint16_t vid, uint16_t next_type)
{
	pb_put16(buf, vid & 0x0fff);
	pb_put16(buf + 2, next_type);
	return 4;
}

size_t
pb_sll(uint8_t *buf, const uint8_t *addr, uint16_t alen, uint16_t proto)
{
	memset(buf, 0, 16);
	pb_put16(buf, 0);     /* to us */
	pb_put16(buf + 2, 1); /* ARPHRD_ETHER */
	pb_put16(buf + 4, alen);
	if (addr)
		memcpy(buf + 6, addr, alen < 8 ? alen : 8);
	pb_put16(buf + 14, proto);
	return 16;
}

size_t
pb_sll2(uint8_t *buf, const uint8_t *addr, uint8_t alen, uint16_t proto)
{
	memset(buf, 0, 20);
	pb_put16(buf, proto);
	pb_put32(buf + 4, 2);  /* ifindex */
	pb_put16(buf + 8, 1);  /* ARPHRD_ETHER */
	buf[10] = 0;           /* to us */
	buf[11] = alen;
	if (addr)
		memcpy(buf + 12, addr, alen < 8 ? alen : 8);
	return 20;
}

size_t
pb_null(uint8_t *buf, uint32_t af, int big_endian)
{
	if (big_endian) {
		pb_put32(buf, af);
	} else {
		buf[0] = (uint8_t)af;
		buf[1] = (uint8_t)(af >> 8);
		buf[2] = (uint8_t)(af >> 16);
		buf[3] = (uint8_t)(af >> 24);
	}
	return 4;
}

uint16_t
pb_ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += ((uint32_t)h[i] << 8) | h[i + 1];
	if (len & 1)
		sum += (uint32_t)h[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
pb_ipv4(uint8_t *buf, const struct pb_ip4 *ip, const uint8_t *payload, size_t plen)
{
	size_t hl = 20 + ip->optlen;

	buf[0] = (uint8_t)(0x40 | (hl / 4));
	buf[1] = 0;
	pb_put16(buf + 2, (uint16_t)(hl + plen));
	pb_put16(buf + 4, ip->id);
	pb_put16(buf + 6, ip->frag);
	buf[8] = ip->ttl ? ip->ttl : 64;
	buf[9] = ip->proto;
	pb_put16(buf + 10, 0);
	memcpy(buf + 12, ip->src, 4);
	memcpy(buf + 16, ip->dst, 4);
	if (ip->optlen)
		memcpy(buf + 20, ip->opts, ip->optlen);
	pb_put16(buf + 10, pb_ip_checksum(buf, hl));
	if (plen)
		memmove(buf + hl, payload, plen);
	return hl + plen;
}

size_t
pb_ipv6(uint8_t *buf, const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t hlim,
        const uint8_t *payload, size_t plen)
{
	pb_put32(buf, 0x60000000u);
	pb_put16(buf + 4, (uint16_t)plen);
	buf[6] = nh;
	buf[7] = hlim;
	memcpy(buf + 8, src, 16);
	memcpy(buf + 24, dst, 16);
	if (plen)
		memmove(buf + 40, payload, plen);
	return 40 + plen;
}

size_t
pb_ip6_ext(uint8_t *buf, uint8_t next, size_t len)
{
	memset(buf, 0, len);
	buf[0] = next;
	buf[1] = (uint8_t)(len / 8 - 1);
	if (len >= 8) {
		buf[2] = 1; /* PadN option covering the rest */
		buf[3] = (uint8_t)(len - 4);
	}
	return len;
}

size_t
pb_ip6_ah(uint8_t *buf, uint8_t next, size_t len)
{
	memset(buf, 0, len);
	buf[0] = next;
	buf[1] = (uint8_t)(len / 4 - 2);
	pb_put32(buf + 4, 0x1234); /* SPI */
	pb_put32(buf + 8, 1);      /* sequence */
	return len;
}

size_t
pb_ip6_frag(uint8_t *buf, uint8_t next, uint16_t off, int mf, uint32_t id)
{
	buf[0] = next;
	buf[1] = 0;
	pb_put16(buf + 2, (uint16_t)((off & 0xfff8) | (mf ? 1 : 0)));
	pb_put32(buf + 4, id);
	return 8;
}

size_t
pb_tcp(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
       const uint8_t *opts, size_t optlen, const uint8_t *payload, size_t plen)
{
	size_t hl = 20 + optlen;

	pb_put16(buf, sport);
	pb_put16(buf + 2, dport);
	pb_put32(buf + 4, seq);
	pb_put32(buf + 8, ack);
	buf[12] = (uint8_t)((hl / 4) << 4);
	buf[13] = flags;
	pb_put16(buf + 14, 8192);
	pb_put16(buf + 16, 0);
	pb_put16(buf + 18, 0);
	if (optlen)
		memcpy(buf + 20, opts, optlen);
	if (plen)
		memmove(buf + hl, payload, plen);
	return hl + plen;
}

size_t
pb_udp(uint8_t *buf, uint16_t sport, uint16_t dport, const uint8_t *payload, size_t plen)
{
	pb_put16(buf, sport);
	pb_put16(buf + 2, dport);
	pb_put16(buf + 4, (uint16_t)(8 + plen));
	pb_put16(buf + 6, 0);
	if (plen)
		memmove(buf + 8, payload, plen);
	return 8 + plen;
}

size_t
pb_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
       const uint8_t tha[6], const uint8_t tpa[4])
{
	pb_put16(buf, 1);
	pb_put16(buf + 2, 0x0800);
	buf[4] = 6;
	buf[5] = 4;
	pb_put16(buf + 6, op);
	memcpy(buf + 8, sha, 6);
	memcpy(buf + 14, spa, 4);
	memcpy(buf + 18, tha, 6);
	memcpy(buf + 24, tpa, 4);
	return 28;
}

static size_t
lldp_tlv(uint8_t *buf, unsigned type, const void *val, size_t len)
{
	pb_put16(buf, (uint16_t)((type << 9) | len));
	if (len)
		memcpy(buf + 2, val, len);
	return 2 + len;
}

size_t
pb_lldp(uint8_t *buf, const uint8_t mac[6])
{
	uint8_t chassis[7], port[5] = { 7, 'e', 't', 'h', '0' }, ttl[2] = { 0, 120 };
	size_t n = 0;

	chassis[0] = 4; /* MAC address subtype */
	memcpy(chassis + 1, mac, 6);
	n += lldp_tlv(buf + n, 1, chassis, sizeof(chassis));
	n += lldp_tlv(buf + n, 2, port, sizeof(port));
	n += lldp_tlv(buf + n, 3, ttl, sizeof(ttl));
	n += lldp_tlv(buf + n, 5, "plc-1", 5);
	n += lldp_tlv(buf + n, 0, NULL, 0);
	return n;
}

static size_t
cdp_tlv(uint8_t *buf, uint16_t type, const char *val)
{
	size_t len = strlen(val);

	pb_put16(buf, type);
	pb_put16(buf + 2, (uint16_t)(4 + len));
	memcpy(buf + 4, val, len);
	return 4 + len;
}

size_t
pb_cdp_frame(uint8_t *buf, const uint8_t src[6])
{
	static const uint8_t cdp_mc[6] = { 0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc };
	size_t n = pb_eth(buf, cdp_mc, src, 0), body;

	buf[n++] = 0xaa;
	buf[n++] = 0xaa;
	buf[n++] = 0x03;
	buf[n++] = 0x00;
	buf[n++] = 0x00;
	buf[n++] = 0x0c;
	pb_put16(buf + n, 0x2000);
	n += 2;
	body = n;
	buf[n++] = 2;   /* version */
	buf[n++] = 180; /* ttl */
	pb_put16(buf + n, 0);
	n += 2;
	n += cdp_tlv(buf + n, 0x0001, "switch-1");
	n += cdp_tlv(buf + n, 0x0003, "Gi0/1");
	pb_put16(buf + 12, (uint16_t)(n - 14));
	(void)body;
	return n;
}
