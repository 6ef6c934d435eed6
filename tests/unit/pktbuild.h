/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktbuild.h: frame builders for tests and corpus generators. Each writes into a caller
 * buffer (large enough: tests use 2 KiB or more) and returns the bytes written.
 * Specs: IEEE 802.3/802.1Q/802.1AB, RFC 826, RFC 791, RFC 8200, RFC 9293, RFC 768.
 */
#ifndef OTS_TEST_PKTBUILD_H
#define OTS_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

void pb_put16(uint8_t *p, uint16_t v);
void pb_put32(uint8_t *p, uint32_t v);

/* Ethernet II header: dst, src, type. */
size_t pb_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* One VLAN tag body after a TPID: TCI (vid, priority 0) then the next type. */
size_t pb_vlan(uint8_t *buf, uint16_t vid, uint16_t next_type);
/* Linux cooked v1 (16 bytes) and v2 (20 bytes) headers. */
size_t pb_sll(uint8_t *buf, const uint8_t *addr, uint16_t alen, uint16_t proto);
size_t pb_sll2(uint8_t *buf, const uint8_t *addr, uint8_t alen, uint16_t proto);
/* BSD loopback family word, host (little-endian) or network order. */
size_t pb_null(uint8_t *buf, uint32_t af, int big_endian);

struct pb_ip4 {
	uint8_t src[4], dst[4];
	uint8_t proto, ttl;
	uint16_t id;
	uint16_t frag;          /* flags + offset field as on the wire (MF = 0x2000) */
	const uint8_t *opts;    /* options, optlen a multiple of 4, <= 40 */
	size_t optlen;
};
/* IPv4 header with a valid checksum followed by payload. */
size_t pb_ipv4(uint8_t *buf, const struct pb_ip4 *ip, const uint8_t *payload, size_t plen);
uint16_t pb_ip_checksum(const uint8_t *h, size_t len);

/* IPv6 header followed by payload (extension headers included in payload). */
size_t pb_ipv6(uint8_t *buf, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
               uint8_t hlim, const uint8_t *payload, size_t plen);
/* A generic extension header (hop-by-hop, routing, dest opts) of total size len (x8, >= 8). */
size_t pb_ip6_ext(uint8_t *buf, uint8_t next, size_t len);
/* An AH header of total size len (x4, >= 12). */
size_t pb_ip6_ah(uint8_t *buf, uint8_t next, size_t len);
/* A fragment header: offset in bytes (x8). */
size_t pb_ip6_frag(uint8_t *buf, uint8_t next, uint16_t off, int mf, uint32_t id);

size_t pb_tcp(uint8_t *buf, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
              uint8_t flags, const uint8_t *opts, size_t optlen, const uint8_t *payload,
              size_t plen);
size_t pb_udp(uint8_t *buf, uint16_t sport, uint16_t dport, const uint8_t *payload,
              size_t plen);
/* ARP body (28 bytes) for Ethernet/IPv4. */
size_t pb_arp(uint8_t *buf, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
              const uint8_t tha[6], const uint8_t tpa[4]);
/* A valid LLDPDU: chassis id (MAC), port id, TTL, system name, End. */
size_t pb_lldp(uint8_t *buf, const uint8_t mac[6]);
/* A whole 802.3 + LLC/SNAP + CDPv2 frame (device id, port id TLVs). */
size_t pb_cdp_frame(uint8_t *buf, const uint8_t src[6]);

#endif
