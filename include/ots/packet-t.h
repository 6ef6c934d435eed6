/* SPDX-License-Identifier: BSD-3-Clause */
/* packet-t.h: types of a decoded packet (types only, no functions). */
#ifndef OTS_PACKET_T_H
#define OTS_PACKET_T_H

#include <stdint.h>

/* Link types we decode; values are the pcap LINKTYPE_ numbers (they come from files). */
enum ots_linktype {
	OTS_LINK_NULL = 0,       /* BSD loopback, host-order 4-byte family */
	OTS_LINK_ETHERNET = 1,
	OTS_LINK_RAW = 101,      /* raw IPv4/IPv6 */
	OTS_LINK_LOOP = 108,     /* OpenBSD loopback, network-order family */
	OTS_LINK_LINUX_SLL = 113,
	OTS_LINK_IPV4 = 228,
	OTS_LINK_IPV6 = 229,
	OTS_LINK_LINUX_SLL2 = 276
};

/* DLT_RAW is 12 on most systems and 14 on OpenBSD; capture code maps it to OTS_LINK_RAW. */

/* What the packet carries above layer 2. */
enum ots_l3 {
	OTS_L3_NONE = 0,  /* not decoded (unknown ethertype, malformed ...) */
	OTS_L3_IPV4 = 1,
	OTS_L3_IPV6 = 2,
	OTS_L3_ARP = 3,
	OTS_L3_LLDP = 4,
	OTS_L3_CDP = 5,   /* 802.3 + LLC/SNAP, Cisco OUI, PID 0x2000 */
	OTS_L3_OTHER = 6  /* a known frame without IP: PROFINET, GOOSE ... (l2 payload kept) */
};

enum ots_tcp_flag {
	OTS_TH_FIN = 0x01,
	OTS_TH_SYN = 0x02,
	OTS_TH_RST = 0x04,
	OTS_TH_PSH = 0x08,
	OTS_TH_ACK = 0x10,
	OTS_TH_URG = 0x20
};

/* An IP address: IPv4 is stored as ::ffff:a.b.c.d so both families compare as 16 bytes. */
struct ots_addr {
	uint8_t b[16];
};

#define OTS_MAX_VLANS 2

/*
 * One decoded packet. Pointers borrow the capture buffer (or the worker's reassembly buffer for
 * a reassembled IPv4 datagram) and are valid only during the call that received the packet.
 */
struct ots_pkt {
	uint64_t ts_us;          /* capture time, microseconds since the epoch */
	uint32_t caplen;         /* bytes captured */
	uint32_t wirelen;        /* bytes on the wire */
	uint16_t linktype;       /* enum ots_linktype */

	/* layer 2 */
	uint8_t has_mac;
	uint8_t vlan_count;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint16_t vlan[OTS_MAX_VLANS]; /* VLAN ids, outer first */
	uint16_t ethertype;      /* after VLAN tags; 0 for raw IP links */
	uint8_t l3_type;         /* enum ots_l3 */
	const uint8_t *l2_payload; /* what follows the (last) ethertype or LLC header */
	uint32_t l2_payload_len;
	/* ARP (l3_type OTS_L3_ARP): the binding the sender announces */
	uint16_t arp_op;
	uint8_t arp_sha[6];
	uint8_t arp_spa[4];

	/* layer 3 (IPv4 or IPv6) */
	uint8_t ip_version;      /* 4, 6 or 0 */
	uint8_t ip_proto;        /* final next header (after IPv6 extension headers) */
	uint8_t ttl;             /* TTL or hop limit */
	uint8_t reassembled;     /* 1: IPv4 datagram rebuilt from fragments */
	uint8_t is_fragment;     /* 1: fragment not reassembled (L4 only from a first fragment) */
	struct ots_addr src, dst;
	const uint8_t *l3;       /* IP header onwards (what nDPI wants) */
	uint32_t l3_len;

	/* layer 4 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t has_l4;          /* TCP or UDP header decoded */
	uint16_t tcp_win;
	uint32_t tcp_seq, tcp_ack;
	const uint8_t *payload;  /* TCP/UDP payload (or ICMP/other L4 body) */
	uint32_t payload_len;
};

#endif
