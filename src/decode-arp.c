/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-arp.c: ARP for Ethernet hardware and IPv4 protocol addresses.
 * Spec: RFC 826.
 *
 *   | htype(2)=1 | ptype(2)=0x0800 | hlen(1)=6 | plen(1)=4 | op(2) |
 *   | sha(6) | spa(4) | tha(6) | tpa(4) |                          28 bytes
 */
#include "ots/decode.h"
#include "ots/rd.h"

#define ARP_HTYPE_ETHER 1
#define ARP_PTYPE_IPV4 0x0800

int
ots_decode_arp(const uint8_t *data, uint32_t len, struct ots_arp *out)
{
	struct ots_rd r;
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	rd_init(&r, data, len);
	htype = rd_be16(&r);
	ptype = rd_be16(&r);
	hlen = rd_u8(&r);
	plen = rd_u8(&r);
	out->op = rd_be16(&r);
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	if (htype != ARP_HTYPE_ETHER || ptype != ARP_PTYPE_IPV4 || hlen != 6 || plen != 4)
		return OTS_EINVAL;
	rd_copy(&r, out->sha, 6);
	rd_copy(&r, out->spa, 4);
	rd_copy(&r, out->tha, 6);
	rd_copy(&r, out->tpa, 4);
	return rd_ok(&r) ? OTS_OK : OTS_ETRUNC;
}
