/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-tcp.c: the TCP header (options skipped) and its payload.
 * Spec: RFC 9293.
 *
 *   | sport(2) | dport(2) | seq(4) | ack(4) | doff(4) rsvd(4) | flags(8) | window(2) |
 *   | checksum(2) | urgent(2) | options((doff - 5) * 4) | payload |
 */
#include "ots/decode.h"
#include "ots/rd.h"

#define TCP_MIN_HLEN 20

int
ots_decode_tcp(struct ots_decode_ctx *ctx, const uint8_t *data, uint32_t len,
               struct ots_pkt *p)
{
	struct ots_rd r;
	uint16_t sport, dport, win;
	uint32_t seq, ack, hlen;
	uint8_t doff, flags;
	size_t n;

	rd_init(&r, data, len);
	sport = rd_be16(&r);
	dport = rd_be16(&r);
	seq = rd_be32(&r);
	ack = rd_be32(&r);
	doff = rd_u8(&r);
	flags = rd_u8(&r);
	win = rd_be16(&r);
	rd_skip(&r, 4); /* checksum, urgent pointer */
	if (!rd_ok(&r)) {
		ots_decode_anomaly(ctx, OTS_AN_TCP_TRUNC);
		return OTS_ETRUNC;
	}
	hlen = (uint32_t)(doff >> 4) * 4;
	if (hlen < TCP_MIN_HLEN) {
		ots_decode_anomaly(ctx, OTS_AN_TCP_HLEN);
		return OTS_EINVAL;
	}
	rd_skip(&r, hlen - TCP_MIN_HLEN);
	if (!rd_ok(&r)) {
		/* Options cut by the snap length, or a data offset past the segment. */
		ots_decode_anomaly(ctx, p->caplen < p->wirelen ? OTS_AN_TCP_TRUNC :
		                                                 OTS_AN_TCP_HLEN);
		return OTS_ETRUNC;
	}
	ctx->st->tcp++;
	p->sport = sport;
	p->dport = dport;
	p->tcp_seq = seq;
	p->tcp_ack = ack;
	p->tcp_flags = flags & 0x3f;
	p->tcp_win = win;
	p->has_l4 = 1;
	p->payload = rd_rest(&r, &n);
	p->payload_len = (uint32_t)n;
	return OTS_OK;
}
