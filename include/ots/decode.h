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
	OTS_AN_CDP_INVALID,
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
	uint8_t quiet;                 /* internal: an outer layer already counted this packet */
	uint8_t layered_only;          /* 1: no one-pass decoding of common Ethernet/IPv4/TCP|UDP
	                                * frames (same result: for tests comparing the two) */
};

/*
 * Decode one captured frame of the given link type into *p (fully overwritten).
 * Returns OTS_OK when the packet is usable at some layer (check p->l3_type, p->ip_version,
 * p->has_l4), or
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

/* One Ethernet/IPv4 ARP message (RFC 826). */
struct ots_arp {
	uint16_t op;
	uint8_t sha[6], spa[4], tha[6], tpa[4];
};

/*
 * Parse an ARP body (what follows ethertype 0x0806). OTS_OK, OTS_ETRUNC when shorter than
 * its 28 bytes, OTS_EINVAL when the hardware/protocol types are not Ethernet/IPv4.
 */
int ots_decode_arp(const uint8_t *data, uint32_t len, struct ots_arp *out);

/*
 * Validate an LLDPDU (IEEE 802.1AB: mandatory Chassis ID, Port ID, TTL, then End) or a CDP
 * PDU (version 1/2 + TLV walk). OTS_OK, OTS_ETRUNC (a TLV runs past the data or no End TLV),
 * OTS_EINVAL (malformed).
 */
int ots_lldp_validate(const uint8_t *data, uint32_t len);
int ots_cdp_validate(const uint8_t *data, uint32_t len);

/* Internal to src/decode*.c (declared here so the decoders can call each other). */
int ots_decode_sll(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                   struct ots_pkt *p, int v2);

/* TCP, UDP or another L4 body after the IP header(s), chosen by p->ip_proto. */
void ots_decode_l4(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                   struct ots_pkt *p);

/* One IPv4 fragment handed to the reassembler by decode-ipv4.c. */
struct ots_defrag_frag {
	const uint8_t *hdr;      /* the fragment's IP header (hlen bytes) */
	const uint8_t *data;     /* its payload (len bytes) */
	uint32_t hlen, len;
	uint32_t off;            /* payload offset in bytes */
	uint8_t mf;              /* more-fragments flag */
	uint8_t proto;
	uint16_t id;
	uint16_t vlan;           /* outer VLAN id or 0 */
	uint8_t src[4], dst[4];
	uint64_t ts_us;
};

/*
 * Add a fragment. Returns 1 and sets *out and *out_len to the whole datagram (IP header onwards,
 * owned by d, valid until the next call) when it completes one, 0 when held, or a negative
 * error when the fragment or its datagram was dropped (the anomaly is counted in st).
 */
int ots_defrag_add(struct ots_defrag *d, struct ots_decode_stats *st,
                   const struct ots_defrag_frag *f, const uint8_t **out, uint32_t *out_len);

static inline void
ots_decode_anomaly(struct ots_decode_ctx *ctx, enum ots_anomaly a)
{
	/* One packet, one anomaly: the first cause found (an outer length that lies makes every
	 * inner header short too; counting those again would blur the reason). */
	if (!ctx->quiet)
		ctx->st->anomalies[a]++;
}

#endif
