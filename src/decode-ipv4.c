/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-ipv4.c: the IPv4 header, options skipped, fragments handed to the reassembler.
 * Spec: RFC 791 (RFC 815 / RFC 5722 for fragment handling).
 *
 *   | ver(4) ihl(4) | tos | total length(2) | id(2) | flags(3) offset(13) |
 *   | ttl | proto | checksum(2) | src(4) | dst(4) | options((ihl - 5) * 4) |
 */
#include <string.h>

#include "ots/decode.h"
#include "ots/rd.h"

#define IP4_MIN_HLEN 20
#define IP4_MF 0x2000
#define IP4_OFFMASK 0x1fff
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17

static void
addr_from_v4(struct ots_addr *a, const uint8_t v4[4])
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, v4, 4);
}

void
ots_decode_l4(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len, struct ots_pkt *p)
{
	switch (p->ip_proto) {
	case IPPROTO_NUM_TCP:
		(void)ots_decode_tcp(ctx, data, len, p);
		break;
	case IPPROTO_NUM_UDP:
		(void)ots_decode_udp(ctx, data, len, p);
		break;
	default:
		p->payload = data;
		p->payload_len = len;
		ctx->st->other_l4++;
		break;
	}
}

/* L4 starting hlen bytes into an IPv4 packet of len bytes (hlen <= len). */
static void
decode_l4_at(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len, uint32_t hlen,
             struct ots_pkt *p)
{
	struct ots_rd r;
	const uint8_t *l4;
	size_t n;

	rd_init(&r, data, len);
	rd_skip(&r, hlen);
	l4 = rd_rest(&r, &n);
	ots_decode_l4(ctx, l4, (uint32_t)n, p);
}

int
ots_decode_ipv4(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                struct ots_pkt *p)
{
	struct ots_rd r;
	uint8_t vihl, ttl, proto;
	uint16_t totlen, id, frag;
	uint8_t src[4], dst[4];
	uint32_t hlen, off;
	int mf, lied = 0;

	rd_init(&r, data, len);
	vihl = rd_u8(&r);
	rd_skip(&r, 1);
	totlen = rd_be16(&r);
	id = rd_be16(&r);
	frag = rd_be16(&r);
	ttl = rd_u8(&r);
	proto = rd_u8(&r);
	rd_skip(&r, 2);
	rd_copy(&r, src, 4);
	rd_copy(&r, dst, 4);
	if (!rd_ok(&r)) {
		/* A cut header: report a wrong version first, it says more. */
		if (len > 0 && (vihl >> 4) != 4) {
			ots_decode_anomaly(ctx, OTS_AN_IPV4_VERSION);
			goto bad;
		}
		ots_decode_anomaly(ctx, OTS_AN_IPV4_TRUNC);
		p->l3_type = OTS_L3_NONE;
		return OTS_ETRUNC;
	}
	if ((vihl >> 4) != 4) {
		ots_decode_anomaly(ctx, OTS_AN_IPV4_VERSION);
		goto bad;
	}
	hlen = (uint32_t)(vihl & 0x0f) * 4;
	if (hlen < IP4_MIN_HLEN) {
		ots_decode_anomaly(ctx, OTS_AN_IPV4_HLEN);
		goto bad;
	}
	if (hlen > len) {
		ots_decode_anomaly(ctx, OTS_AN_IPV4_TRUNC);
		p->l3_type = OTS_L3_NONE;
		return OTS_ETRUNC;
	}
	if (totlen < hlen) {
		ots_decode_anomaly(ctx, OTS_AN_IPV4_TOTLEN);
		goto bad;
	}
	if (totlen > len) {
		/*
		 * Snapped capture: decode what is there. Otherwise the length lies: count it, but
		 * keep the addresses and decode what is present, as the receiving stack would see
		 * those bytes and an analyst wants the packet in its flow (tshark does the same).
		 */
		if (p->caplen >= p->wirelen) {
			ots_decode_anomaly(ctx, OTS_AN_IPV4_TOTLEN);
			lied = 1;
		}
	} else {
		len = totlen; /* drop Ethernet padding */
	}

	ctx->st->ipv4++;
	p->l3_type = OTS_L3_IPV4;
	p->ip_version = 4;
	p->ip_proto = proto;
	p->ttl = ttl;
	addr_from_v4(&p->src, src);
	addr_from_v4(&p->dst, dst);
	p->l3 = data;
	p->l3_len = len;

	mf = (frag & IP4_MF) != 0;
	off = (uint32_t)(frag & IP4_OFFMASK) * 8;
	if (ots_unlikely(mf || off != 0)) {
		struct ots_defrag_frag f;
		const uint8_t *dg;
		uint32_t dglen;
		size_t n;
		int rc;

		ctx->st->frags++;
		p->is_fragment = 1;
		if (lied)
			return OTS_OK; /* a fragment of unknown extent: never into reassembly */
		if (ctx->defrag == NULL) {
			/* Only the first fragment carries the L4 header. */
			if (off == 0)
				decode_l4_at(ctx, data, len, hlen, p);
			return OTS_OK;
		}
		rd_init(&r, data, len);
		f.hdr = rd_ptr(&r, hlen);
		f.hlen = hlen;
		f.data = rd_rest(&r, &n);
		f.len = (uint32_t)n;
		f.off = off;
		f.mf = (uint8_t)mf;
		f.proto = proto;
		f.id = id;
		f.vlan = p->vlan_count ? p->vlan[0] : 0;
		memcpy(f.src, src, 4);
		memcpy(f.dst, dst, 4);
		f.ts_us = p->ts_us;
		rc = ots_defrag_add(ctx->defrag, ctx->st, &f, &dg, &dglen);
		if (rc != 1)
			return OTS_OK; /* held or dropped: the fragment still counts as IPv4 */
		/* The rebuilt datagram: a normal packet from here on. */
		ctx->st->reassembled++;
		p->is_fragment = 0;
		p->reassembled = 1;
		p->l3 = dg;
		p->l3_len = dglen;
		rd_init(&r, dg, dglen);
		hlen = (uint32_t)(rd_u8(&r) & 0x0f) * 4;
		decode_l4_at(ctx, dg, dglen, hlen, p);
		return OTS_OK;
	}
	ctx->quiet = (uint8_t)lied;
	decode_l4_at(ctx, data, len, hlen, p);
	ctx->quiet = 0;
	return OTS_OK;

bad:
	p->l3_type = OTS_L3_NONE;
	return OTS_EINVAL;
}
