/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-ipv6.c: the IPv6 header and its extension header chain.
 * Specs: RFC 8200 (IPv6, extension headers, fragment header), RFC 4302 (AH), RFC 6564.
 *
 *   | ver(4) tc(8) flow(20) | payload length(2) | next header | hop limit |
 *   | src(16) | dst(16) | extension headers ... | upper layer |
 *
 * Fragments are not reassembled (IPv6 fragmentation is rare in OT networks): every fragment
 * is counted (ipv6_fragment) and marked is_fragment; the first one (offset 0) still decodes
 * its L4 header when present, later ones carry no L4.
 */
#include <string.h>

#include "ots/decode.h"
#include "ots/rd.h"

#define IP6_HLEN 40
#define IP6_MAX_EXTHDRS 8

#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_ESP 50
#define NH_AH 51
#define NH_NONE 59
#define NH_DSTOPTS 60
#define NH_MOBILITY 135
#define NH_HIP 139
#define NH_SHIM6 140

int
ots_decode_ipv6(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
                struct ots_pkt *p)
{
	struct ots_rd r, pl;
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh, hlim;
	const uint8_t *rest;
	size_t n;
	int i, ok, first_frag = 1;
	uint8_t v;

	rd_init(&r, data, len);
	v = rd_peek_u8(&r, 0, &ok);
	if (ok && (v >> 4) != 6) {
		ots_decode_anomaly(ctx, OTS_AN_IPV6_VERSION);
		goto bad;
	}
	vtf = rd_be32(&r);
	plen = rd_be16(&r);
	nh = rd_u8(&r);
	hlim = rd_u8(&r);
	rd_copy(&r, p->src.b, 16);
	rd_copy(&r, p->dst.b, 16);
	(void)vtf;
	if (!rd_ok(&r)) {
		ots_decode_anomaly(ctx, OTS_AN_IPV6_TRUNC);
		memset(&p->src, 0, sizeof(p->src));
		memset(&p->dst, 0, sizeof(p->dst));
		p->l3_type = OTS_L3_NONE;
		return OTS_ETRUNC;
	}
	if (plen == 0 && nh != NH_NONE) {
		/* Jumbogram (RFC 2675) or a lie: not supported. */
		ots_decode_anomaly(ctx, OTS_AN_IPV6_PLEN);
		goto bad;
	}
	if (plen > rd_left(&r)) {
		if (p->caplen >= p->wirelen) {
			ots_decode_anomaly(ctx, OTS_AN_IPV6_PLEN);
			goto bad;
		}
		plen = (uint16_t)rd_left(&r); /* snapped: what is there */
	}
	pl = rd_sub(&r, plen); /* trailing padding is left behind */

	ctx->st->ipv6++;
	p->l3_type = OTS_L3_IPV6;
	p->ip_version = 6;
	p->ttl = hlim;
	p->l3 = data;
	p->l3_len = IP6_HLEN + plen;

	for (i = 0;; i++) {
		uint8_t next, hl;
		uint16_t fo;

		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_FRAGMENT && nh != NH_AH &&
		    nh != NH_DSTOPTS && nh != NH_MOBILITY && nh != NH_HIP && nh != NH_SHIM6)
			break;
		if (i == IP6_MAX_EXTHDRS) {
			ots_decode_anomaly(ctx, OTS_AN_IPV6_EXTHDR);
			p->ip_proto = nh;
			return OTS_OK;
		}
		if (nh == NH_HOPOPTS && i != 0) {
			/* Hop-by-hop must come first (RFC 8200 4.3). */
			ots_decode_anomaly(ctx, OTS_AN_IPV6_EXTHDR);
			p->ip_proto = nh;
			return OTS_OK;
		}
		next = rd_u8(&pl);
		hl = rd_u8(&pl);
		if (nh == NH_FRAGMENT) {
			fo = rd_be16(&pl);
			rd_skip(&pl, 4);
			if (rd_ok(&pl) && (fo & 0xfff9) != 0) {
				/* Offset 0 and M clear is an atomic fragment (RFC 6946): whole. */
				ctx->st->frags++;
				ots_decode_anomaly(ctx, OTS_AN_IPV6_FRAGMENT);
				p->is_fragment = 1;
				if ((fo >> 3) != 0)
					first_frag = 0;
			}
		} else if (nh == NH_AH) {
			rd_skip(&pl, (size_t)hl * 4 + 6);
		} else {
			rd_skip(&pl, (size_t)hl * 8 + 6);
		}
		if (!rd_ok(&pl)) {
			/* The chain runs past the payload: the IPv6 layer stays, no L4. */
			ots_decode_anomaly(ctx, p->caplen < p->wirelen ? OTS_AN_IPV6_TRUNC :
			                                                 OTS_AN_IPV6_EXTHDR);
			p->ip_proto = nh;
			return OTS_OK;
		}
		nh = next;
	}
	p->ip_proto = nh;
	if (!first_frag)
		return OTS_OK;
	rest = rd_rest(&pl, &n);
	if (nh == NH_ESP || nh == NH_NONE) {
		p->payload = rest;
		p->payload_len = (uint32_t)n;
		ctx->st->other_l4++;
		return OTS_OK;
	}
	ots_decode_l4(ctx, rest, (uint32_t)n, p);
	return OTS_OK;

bad:
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->l3_type = OTS_L3_NONE;
	return OTS_EINVAL;
}
