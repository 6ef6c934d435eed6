/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tpkt.h: RFC 1006 TPKT framing, shared by the ISO-on-TCP dissectors (S7comm, S7comm-plus,
 * MMS). A TPKT is version 3, a reserved 0, a 16-bit big-endian length of the whole packet
 * (header included, at least 7: the 4-byte TPKT and the smallest COTP DT header).
 */
#ifndef OTS_PROTOCOLS_TPKT_H
#define OTS_PROTOCOLS_TPKT_H

#include <stddef.h>
#include <stdint.h>

#include "ots/rd.h"

#define OTS_TPKT_MIN 7

/* The dissector interface's pdu_len(): the TPKT's length, 0 when more bytes are needed,
 * < 0 when the bytes cannot start a TPKT (a wrong byte is refused as soon as it is seen). */
static inline long
ots_tpkt_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint8_t ver, rsv;
	uint16_t l;

	rd_init(&r, data, len);
	ver = rd_u8(&r);
	rsv = rd_u8(&r);
	l = rd_be16(&r);
	if (!rd_ok(&r)) {
		if (len >= 1 && ver != 3)
			return -1;
		if (len >= 2 && rsv != 0)
			return -1;
		return 0;
	}
	if (ver != 3 || rsv != 0 || l < OTS_TPKT_MIN)
		return -1;
	return (long)l;
}

#endif
