/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-ether.c: Ethernet II, IEEE 802.3 + 802.2 LLC/SNAP, 802.1Q / 802.1ad VLAN tags and
 * Linux cooked captures (SLL, SLL2), then the ethertype dispatch to ARP/LLDP/IPv4/IPv6.
 * Specs: IEEE 802.3, IEEE 802.2, RFC 1042 (SNAP), IEEE 802.1Q, pcap LINKTYPE_LINUX_SLL(2).
 *
 *   Ethernet II:  | dst(6) | src(6) | [0x8100|0x88a8|0x9100 TCI(2)]* | type(2) | payload |
 *   802.3:        | dst(6) | src(6) | length(2) <= 1500 | DSAP | SSAP | ctrl(1-2) | [SNAP] |
 *   SNAP:         | OUI(3) | PID(2) |          (CDP: OUI 00:00:0c, PID 0x2000)
 */
#include <string.h>

#include "ots/decode.h"
#include "ots/rd.h"

#define ETH_HLEN 14
#define ETH_MAX_LEN 1500      /* type field values up to this are 802.3 lengths */
#define ETH_TYPE_MIN 0x0600   /* smallest Ethernet II type */
#define VLAN_MAX_TAGS 8       /* tags skipped before giving up on a frame */

#define ET_IPV4 0x0800
#define ET_ARP 0x0806
#define ET_VLAN 0x8100
#define ET_IPV6 0x86dd
#define ET_QINQ 0x88a8
#define ET_LLDP 0x88cc
#define ET_QINQ_OLD 0x9100

#define SLL_HLEN 16
#define SLL2_HLEN 20
#define SLL_P_802_2 0x0004    /* 802.2 LLC frame without MAC header */
#define SLL_ARPHRD_NETLINK 824 /* protocol field is a netlink family */

static int
is_vlan_type(uint16_t t)
{
	return t == ET_VLAN || t == ET_QINQ || t == ET_QINQ_OLD;
}

static int
decode_arp_layer(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                 struct ots_pkt *p)
{
	struct ots_arp arp;
	int rc = ots_decode_arp(data, len, &arp);

	if (rc == OTS_OK) {
		p->l3_type = OTS_L3_ARP;
		p->arp_op = arp.op;
		memcpy(p->arp_sha, arp.sha, 6);
		memcpy(p->arp_spa, arp.spa, 4);
		ctx->st->arp++;
		return OTS_OK;
	}
	ots_decode_anomaly(ctx, rc == OTS_ETRUNC ? OTS_AN_ARP_TRUNC : OTS_AN_ARP_INVALID);
	return rc;
}

static int
decode_lldp_layer(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                  struct ots_pkt *p)
{
	int rc = ots_lldp_validate(data, len);

	/* An invalid LLDPDU is still LLDP: the asset layer may use what parses. */
	p->l3_type = OTS_L3_LLDP;
	ctx->st->lldp++;
	if (rc != OTS_OK)
		ots_decode_anomaly(ctx,
		                   rc == OTS_ETRUNC ? OTS_AN_LLDP_TRUNC : OTS_AN_LLDP_INVALID);
	return OTS_OK;
}

static int
decode_cdp_layer(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                 struct ots_pkt *p)
{
	int rc = ots_cdp_validate(data, len);

	p->l3_type = OTS_L3_CDP;
	ctx->st->cdp++;
	if (rc != OTS_OK)
		ots_decode_anomaly(ctx, rc == OTS_ETRUNC ? OTS_AN_CDP_TRUNC : OTS_AN_CDP_INVALID);
	return OTS_OK;
}

/* Hand the bytes after the (last) ethertype to the L3 decoder. */
static int
ether_dispatch(struct ots_decode_ctx *ctx, uint16_t type, const uint8_t *data, uint32_t len,
               struct ots_pkt *p)
{
	p->ethertype = type;
	p->l2_payload = data;
	p->l2_payload_len = len;

	switch (type) {
	case ET_IPV4:
		p->l3_type = OTS_L3_IPV4;
		return ots_decode_ipv4(ctx, data, len, p);
	case ET_IPV6:
		p->l3_type = OTS_L3_IPV6;
		return ots_decode_ipv6(ctx, data, len, p);
	case ET_ARP:
		return decode_arp_layer(ctx, data, len, p);
	case ET_LLDP:
		return decode_lldp_layer(ctx, data, len, p);
	default:
		/* PROFINET, GOOSE, SV, EtherCAT, PTP ...: kept for the L2 dissectors. */
		p->l3_type = OTS_L3_OTHER;
		ctx->st->other_l3++;
		return OTS_OK;
	}
}

/*
 * 802.2 LLC (and SNAP) header at r. 802.3 frames carry STP, CDP, IPX, ... Only SNAP with a
 * zero OUI (RFC 1042: the PID is an ethertype) reaches the IP decoders.
 */
static int
decode_llc(struct ots_decode_ctx *ctx, struct ots_rd *r, struct ots_pkt *p)
{
	uint8_t dsap, ssap, ctrl;
	const uint8_t *rest;
	size_t n;

	dsap = rd_u8(r);
	ssap = rd_u8(r);
	ctrl = rd_u8(r);
	if (rd_ok(r) && (ctrl & 0x03) != 0x03)
		rd_skip(r, 1); /* I and S frames have a 2-byte control field */
	if (!rd_ok(r)) {
		ots_decode_anomaly(ctx, OTS_AN_LLC_TRUNC);
		return OTS_ETRUNC;
	}
	if (dsap == 0xaa && ssap == 0xaa && ctrl == 0x03) {
		uint32_t oui = rd_be24(r);
		uint16_t pid = rd_be16(r);

		if (!rd_ok(r)) {
			ots_decode_anomaly(ctx, OTS_AN_LLC_TRUNC);
			return OTS_ETRUNC;
		}
		rest = rd_rest(r, &n);
		if (oui == 0 && pid >= ETH_TYPE_MIN)
			return ether_dispatch(ctx, pid, rest, (uint32_t)n, p);
		p->ethertype = pid;
		p->l2_payload = rest;
		p->l2_payload_len = (uint32_t)n;
		if (oui == 0x00000c && pid == 0x2000)
			return decode_cdp_layer(ctx, rest, (uint32_t)n, p);
		p->l3_type = OTS_L3_OTHER;
		ctx->st->other_l3++;
		return OTS_OK;
	}
	rest = rd_rest(r, &n);
	p->l2_payload = rest;
	p->l2_payload_len = (uint32_t)n;
	p->l3_type = OTS_L3_OTHER;
	ctx->st->other_l3++;
	return OTS_OK;
}

int
ots_decode_ether(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                 struct ots_pkt *p)
{
	struct ots_rd r;
	const uint8_t *rest;
	size_t n;
	uint16_t type;
	unsigned tags = 0;

	rd_init(&r, data, len);
	if (!rd_need(&r, ETH_HLEN)) {
		ots_decode_anomaly(ctx, OTS_AN_ETH_TRUNC);
		return OTS_ETRUNC;
	}
	rd_copy(&r, p->dst_mac, 6);
	rd_copy(&r, p->src_mac, 6);
	p->has_mac = 1;
	type = rd_be16(&r);

	while (is_vlan_type(type)) {
		uint16_t tci;

		if (tags == VLAN_MAX_TAGS) {
			/* Not a plausible frame: keep the MACs only. */
			p->ethertype = type;
			return OTS_EINVAL;
		}
		tci = rd_be16(&r);
		type = rd_be16(&r);
		if (!rd_ok(&r)) {
			ots_decode_anomaly(ctx, OTS_AN_VLAN_TRUNC);
			return OTS_ETRUNC;
		}
		if (tags < OTS_MAX_VLANS)
			p->vlan[p->vlan_count++] = tci & 0x0fff;
		else if (tags == OTS_MAX_VLANS)
			ots_decode_anomaly(ctx, OTS_AN_VLAN_TOO_MANY);
		tags++;
	}

	if (type <= ETH_MAX_LEN) {
		/* 802.3: the length field bounds the LLC PDU; what follows is padding. */
		size_t left = rd_left(&r);
		struct ots_rd llc;

		if (type < 3) {
			ots_decode_anomaly(ctx, OTS_AN_LLC_TRUNC);
			return OTS_EINVAL;
		}
		llc = rd_sub(&r, type < left ? type : left);
		return decode_llc(ctx, &llc, p);
	}
	rest = rd_rest(&r, &n);
	if (type < ETH_TYPE_MIN) {
		/* 1501..1535: neither a length nor a type. */
		p->ethertype = type;
		p->l2_payload = rest;
		p->l2_payload_len = (uint32_t)n;
		p->l3_type = OTS_L3_OTHER;
		ctx->st->other_l3++;
		return OTS_OK;
	}
	return ether_dispatch(ctx, type, rest, (uint32_t)n, p);
}

/*
 * Linux cooked capture.
 *   SLL  (16): packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
 *   SLL2 (20): protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8)
 * The address is the sender's: it becomes src_mac when it is 6 bytes long.
 */
int
ots_decode_sll(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
               struct ots_pkt *p, int v2)
{
	struct ots_rd r;
	uint16_t proto, alen, hatype;
	uint8_t addr[8];
	const uint8_t *rest;
	size_t n;

	rd_init(&r, data, len);
	if (v2) {
		proto = rd_be16(&r);
		rd_skip(&r, 2 + 4);
		hatype = rd_be16(&r);
		rd_skip(&r, 1);
		alen = rd_u8(&r);
		rd_copy(&r, addr, 8);
	} else {
		rd_skip(&r, 2);
		hatype = rd_be16(&r);
		alen = rd_be16(&r);
		rd_copy(&r, addr, 8);
		proto = rd_be16(&r);
	}
	if (!rd_ok(&r)) {
		ots_decode_anomaly(ctx, OTS_AN_SLL_TRUNC);
		return OTS_ETRUNC;
	}
	if (alen == 6) {
		memcpy(p->src_mac, addr, 6);
		p->has_mac = 1;
	}
	if (proto == SLL_P_802_2) {
		struct ots_rd llc = rd_sub(&r, rd_left(&r));

		return decode_llc(ctx, &llc, p);
	}
	rest = rd_rest(&r, &n);
	if (proto < ETH_TYPE_MIN || hatype == SLL_ARPHRD_NETLINK) {
		/* Other Linux pseudo-protocols (raw 802.3, CAN, netlink ...). */
		p->ethertype = proto;
		p->l2_payload = rest;
		p->l2_payload_len = (uint32_t)n;
		p->l3_type = OTS_L3_OTHER;
		ctx->st->other_l3++;
		return OTS_OK;
	}
	while (is_vlan_type(proto) && p->vlan_count < OTS_MAX_VLANS) {
		/* A tag left in a cooked frame (no HW VLAN offload). */
		uint16_t tci = rd_be16(&r);
		uint16_t t = rd_be16(&r);

		if (!rd_ok(&r)) {
			ots_decode_anomaly(ctx, OTS_AN_VLAN_TRUNC);
			return OTS_ETRUNC;
		}
		p->vlan[p->vlan_count++] = tci & 0x0fff;
		proto = t;
		rest = rd_rest(&r, &n);
	}
	return ether_dispatch(ctx, proto, rest, (uint32_t)n, p);
}
