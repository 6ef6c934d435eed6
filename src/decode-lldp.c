/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-lldp.c: structural validation of LLDP and CDP PDUs (the asset layer reads them).
 * Specs: IEEE 802.1AB-2016 clause 8 (LLDPDU), Cisco Discovery Protocol v1/v2.
 *
 *   LLDP TLV: | type(7 bits) | length(9 bits) | value(length) |
 *             Chassis ID(1), Port ID(2), TTL(3) first, in that order; End(0, length 0) last.
 *   CDP:      | version(1) | ttl(1) | checksum(2) | { type(2) | length(2, incl. header) | value }*
 */
#include "ots/decode.h"
#include "ots/rd.h"

#define LLDP_TLV_END 0
#define LLDP_TLV_CHASSIS_ID 1
#define LLDP_TLV_PORT_ID 2
#define LLDP_TLV_TTL 3

int
ots_lldp_validate(const uint8_t *data, uint32_t len)
{
	struct ots_rd r;
	unsigned idx = 0;

	rd_init(&r, data, len);
	for (;;) {
		uint16_t th = rd_be16(&r);
		unsigned type = th >> 9, tlen = th & 0x1ff;

		if (!rd_ok(&r))
			return OTS_ETRUNC; /* ran out before the End TLV */
		if (rd_left(&r) < tlen)
			return OTS_ETRUNC;
		switch (idx) {
		case 0:
			if (type != LLDP_TLV_CHASSIS_ID || tlen < 2 || tlen > 256)
				return OTS_EINVAL;
			break;
		case 1:
			if (type != LLDP_TLV_PORT_ID || tlen < 2 || tlen > 256)
				return OTS_EINVAL;
			break;
		case 2:
			if (type != LLDP_TLV_TTL || tlen < 2)
				return OTS_EINVAL;
			break;
		default:
			if (type == LLDP_TLV_END)
				return tlen == 0 ? OTS_OK : OTS_EINVAL;
			/* A second mandatory TLV is malformed. */
			if (type == LLDP_TLV_CHASSIS_ID || type == LLDP_TLV_PORT_ID ||
			    type == LLDP_TLV_TTL)
				return OTS_EINVAL;
			break;
		}
		rd_skip(&r, tlen);
		idx++;
	}
}

int
ots_cdp_validate(const uint8_t *data, uint32_t len)
{
	struct ots_rd r;
	uint8_t version;

	rd_init(&r, data, len);
	version = rd_u8(&r);
	rd_skip(&r, 3); /* ttl, checksum */
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	if (version != 1 && version != 2)
		return OTS_EINVAL;
	while (rd_left(&r) > 0) {
		uint16_t tlen;

		rd_skip(&r, 2);
		tlen = rd_be16(&r);
		if (!rd_ok(&r))
			return OTS_ETRUNC;
		if (tlen < 4)
			return OTS_EINVAL;
		if (rd_left(&r) < (size_t)tlen - 4)
			return OTS_ETRUNC;
		rd_skip(&r, (size_t)tlen - 4);
	}
	return OTS_OK;
}
