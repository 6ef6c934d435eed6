/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode.h: link, network and transport decoders (src/decode-*.c).
 *
 * All of them read through rd.h. A malformed or truncated header is counted under one
 * anomaly reason (enum ots_anomaly) and the packet keeps whatever layers decoded before it:
 * a packet whose TCP header is cut still counts as an IPv4 packet of its flow.
 * Thread: a decode context belongs to one worker; the functions are reentrant.
 */
#ifndef OTS_DECODE_H
#define OTS_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "ots/packet-t.h"

/* Why a packet (or a layer of it) was not decoded. Ids are stable: they reach stats.json. */
enum ots_anomaly {
	OTS_AN_LINK_UNSUPPORTED = 0,
	OTS_AN_ETH_TRUNC,
	OTS_AN_VLAN_TRUNC,
	OTS_AN_VLAN_TOO_MANY,
	OTS_AN_SLL_TRUNC,
	OTS_AN_NULL_TRUNC,
	OTS_AN_NULL_FAMILY,
	OTS_AN_LLC_TRUNC,
	OTS_AN_ARP_TRUNC,
	OTS_AN_ARP_INVALID,
	OTS_AN_LLDP_TRUNC,
	OTS_AN_LLDP_INVALID,
	OTS_AN_CDP_TRUNC,
	OTS_AN_IPV4_TRUNC,
	OTS_AN_IPV4_VERSION,
	OTS_AN_IPV4_HLEN,
	OTS_AN_IPV4_TOTLEN,
	OTS_AN_IPV4_FRAG_OVERLAP,
	OTS_AN_IPV4_FRAG_TOO_BIG,
	OTS_AN_IPV4_FRAG_LIMIT,
	OTS_AN_IPV4_FRAG_TIMEOUT,
	OTS_AN_IPV6_TRUNC,
	OTS_AN_IPV6_VERSION,
	OTS_AN_IPV6_PLEN,
	OTS_AN_IPV6_EXTHDR,
	OTS_AN_IPV6_FRAGMENT,
	OTS_AN_TCP_TRUNC,
	OTS_AN_TCP_HLEN,
	OTS_AN_UDP_TRUNC,
	OTS_AN_UDP_LEN,
	OTS_AN_L3_UNKNOWN_PROTO,
	OTS_AN__COUNT
};

/* Stable snake_case name of a reason ("ipv4_truncated" ...). */
const char *ots_anomaly_name(enum ots_anomaly a);

struct ots_decode_stats {
	uint64_t anomalies[OTS_AN__COUNT];
	uint64_t ipv4, ipv6, arp, lldp, cdp, tcp, udp, other_l3, other_l4;
	uint64_t frags, reassembled;
};

/* IPv4 fragment reassembly limits (per worker). */
struct ots_defrag_conf {
	uint32_t max_datagrams;  /* concurrent datagrams under reassembly (default 1024) */
	uint32_t max_frags;      /* fragments per datagram (default 64) */
	uint32_t timeout_us;     /* packet-time timeout of an incomplete datagram (default 30 s) */
};

struct ots_defrag; /* opaque: per worker */

struct ots_defrag *ots_defrag_new(const struct ots_defrag_conf *conf);
void ots_defrag_free(struct ots_defrag *d);
/* Datagrams currently held; for tests and stats. */
uint32_t ots_defrag_pending(const struct ots_defrag *d);

struct ots_decode_ctx {
	struct ots_defrag *defrag;     /* NULL: fragments are not reassembled */
	struct ots_decode_stats *st;   /* must be non-NULL */
};

/*
 * Decode one captured frame of the given link type into *p (fully overwritten).
 * Returns OTS_OK when the packet is usable at some layer (check p->l3 / p->has_l4), or
 * OTS_ETRUNC / OTS_EINVAL / OTS_ENOTSUP when nothing beyond a count can be done with it.
 * When an IPv4 fragment completes a datagram, *p describes the whole datagram with
 * p->reassembled = 1; its bytes live in the defrag context until the next call.
 * A fragment that does not complete a datagram yields p->is_fragment = 1 and no L4.
 */
int ots_decode_packet(struct ots_decode_ctx *ctx, uint16_t linktype, const uint8_t *data,
                      uint32_t caplen, uint32_t wirelen, uint64_t ts_us, struct ots_pkt *p);

/* Layer entry points, also used by tests and fuzzers. Each fills the matching part of *p. */
int ots_decode_ether(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                     struct ots_pkt *p);
int ots_decode_ipv4(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                    struct ots_pkt *p);
int ots_decode_ipv6(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                    struct ots_pkt *p);
int ots_decode_tcp(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                   struct ots_pkt *p);
int ots_decode_udp(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                   struct ots_pkt *p);

/*
 * Symmetric shard hash used by the reader thread: the same value for both directions of a
 * conversation and for every fragment of a datagram (it hashes VLAN, the sorted address pair
 * and the IP protocol, not ports). Frames without IP hash by sorted MAC pair.
 * Never fails: undecodable frames hash to 0.
 */
uint32_t ots_decode_shard_hash(uint16_t linktype, const uint8_t *data, uint32_t caplen);

/* Format helpers (for output and tests). buf must hold 46 / 18 bytes. */
const char *ots_addr_str(const struct ots_addr *a, char *buf, size_t len);
const char *ots_mac_str(const uint8_t mac[6], char *buf, size_t len);
int ots_addr_is_v4(const struct ots_addr *a);

#endif
