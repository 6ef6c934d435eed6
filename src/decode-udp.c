/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-udp.c: the UDP header and its payload, bounded by the UDP length.
 * Spec: RFC 768.
 *
 *   | sport(2) | dport(2) | length(2, header included) | checksum(2) | payload |
 */
#include "ots/decode.h"
#include "ots/rd.h"

#define UDP_HLEN 8

int
ots_decode_udp(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
               struct ots_pkt *p)
{
	struct ots_rd r, body;
	uint16_t sport, dport, ulen;
	size_t n;

	rd_init(&r, data, len);
	sport = rd_be16(&r);
	dport = rd_be16(&r);
	ulen = rd_be16(&r);
	rd_skip(&r, 2);
	if (!rd_ok(&r)) {
		ots_decode_anomaly(ctx, OTS_AN_UDP_TRUNC);
		return OTS_ETRUNC;
	}
	if (ulen < UDP_HLEN) {
		ots_decode_anomaly(ctx, OTS_AN_UDP_LEN);
		return OTS_EINVAL;
	}
	n = rd_left(&r);
	if ((size_t)ulen - UDP_HLEN > n) {
		/* A snapped capture or the first fragment of a datagram holds less than the length. */
		if (p->caplen >= p->wirelen && !p->is_fragment) {
			ots_decode_anomaly(ctx, OTS_AN_UDP_LEN);
			return OTS_EINVAL;
		}
	} else {
		n = (size_t)ulen - UDP_HLEN; /* trailing bytes are padding */
	}
	body = rd_sub(&r, n);
	ctx->st->udp++;
	p->sport = sport;
	p->dport = dport;
	p->has_l4 = 1;
	p->payload = rd_rest(&body, &n);
	p->payload_len = (uint32_t)n;
	return OTS_OK;
}
