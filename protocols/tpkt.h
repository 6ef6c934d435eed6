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

enum ots_cotp_kind {
	OTS_COTP_NONE = 0,  /* not TPKT + COTP */
	OTS_COTP_SETUP = 1, /* connection request or confirm (CR, CC) */
	OTS_COTP_DT = 2     /* a data TPDU: its user data follows */
};

/*
 * TPKT + COTP (ISO 8073 class 0) at data: what kind of TPDU it is. For a DT, *r is left at
 * the user data (the rest of the bytes present), *tl is the TPKT length and *eot the
 * end-of-TSDU bit (0: the TSDU continues in the next DT). The probes of S7comm, S7comm-plus
 * and MMS start here and differ only in what the user data holds.
 */
static inline int
ots_cotp_open(const uint8_t *data, size_t len, struct ots_rd *r, uint16_t *tl, uint8_t *eot)
{
	struct ots_rd c;
	uint8_t li, type;

	rd_init(r, data, len);
	if (rd_u8(r) != 3 || rd_u8(r) != 0)
		return OTS_COTP_NONE;
	*tl = rd_be16(r);
	li = rd_u8(r);
	if (!rd_ok(r) || *tl < OTS_TPKT_MIN || li < 2 || li + 5u > *tl)
		return OTS_COTP_NONE;
	c = rd_sub(r, li);
	type = rd_u8(&c);
	if ((type & 0xf0) == 0xe0 || (type & 0xf0) == 0xd0)
		return li >= 6 ? OTS_COTP_SETUP : OTS_COTP_NONE;
	if (type != 0xf0 || li != 2)
		return OTS_COTP_NONE;
	*eot = rd_u8(&c) & 0x80;
	return rd_ok(&c) ? OTS_COTP_DT : OTS_COTP_NONE;
}

#endif
