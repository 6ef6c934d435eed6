/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cdp.c: Cisco Discovery Protocol for identity (switches and routers name themselves).
 *
 * 802.3 + LLC/SNAP, OUI 00-00-0C, PID 0x2000: no EtherType, so the engine looks CDP up by its
 * PID (registered as ethertype 0x2000) and hands parse() what follows the SNAP header:
 *
 *   version (1 or 2) | TTL | checksum (2) | TLVs: type (2) | length (2, header included) | value
 *
 * TLVs used: 0x0001 device id, 0x0002 addresses, 0x0003 port id, 0x0004 capabilities,
 * 0x0005 software version, 0x0006 platform, 0x0016 management addresses.
 * The software version is several lines: the first (as analysts and tshark show it) becomes
 * sw_version, the whole text description. One op per frame, class identity (counted).
 */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define CDP_MAX_TLVS 256
#define CDP_MAX_ADDRS 64

static int
malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_CDP, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static void
fact(const struct ots_dissect_out *out, uint8_t attr, const char *v, size_t n)
{
	ots_emit_fact(out, OTS_PROTO_CDP, attr, OTS_SIDE_SENDER, 100, "CDP", v, n);
}

static void
text(const struct ots_rd *v, uint8_t attr, const struct ots_dissect_out *out)
{
	size_t n;
	const uint8_t *p = rd_rest(v, &n);

	if (p)
		fact(out, attr, (const char *)p, n);
}

/* Software version: first line as sw_version, the whole as description. */
static void
version(const struct ots_rd *v, const struct ots_dissect_out *out)
{
	struct ots_rd r = *v;
	size_t n, i = 0;
	const uint8_t *p = rd_rest(&r, &n);

	if (!p)
		return;
	while (i < n) {
		int ok;
		uint8_t c = rd_peek_u8(&r, i, &ok);

		if (!ok || c == '\n')
			break;
		i++;
	}
	fact(out, OTS_FACT_SW_VERSION, (const char *)p, i);
	if (i < n)
		fact(out, OTS_FACT_DESCRIPTION, (const char *)p, n);
}

/* Address list: count (4), then entries of protocol type (1), protocol length (1),
 * protocol (NLPID 0xcc = IPv4), address length (2), address. The first IPv4 is reported. */
static void
addresses(struct ots_rd *v, const struct ots_dissect_out *out)
{
	uint32_t count = rd_be32(v), i;

	for (i = 0; i < count && i < CDP_MAX_ADDRS && rd_ok(v); i++) {
		uint8_t ptype = rd_u8(v), plen = rd_u8(v);
		struct ots_rd proto = rd_sub(v, plen);
		uint16_t alen = rd_be16(v);
		struct ots_rd addr = rd_sub(v, alen);
		uint8_t nlpid = rd_u8(&proto);

		if (!rd_ok(v))
			return;
		if (ptype == 1 && plen == 1 && nlpid == 0xcc && alen == 4) {
			char buf[20];
			uint8_t a = rd_u8(&addr), b = rd_u8(&addr), c = rd_u8(&addr), d = rd_u8(&addr);
			int k;

			if ((a | b | c | d) == 0)
				continue; /* unconfigured: not an address of the device */
			k = snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a, b, c, d);
			if (k > 0)
				fact(out, OTS_FACT_IP, buf, (size_t)k);
			return;
		}
	}
}

static void
capabilities(struct ots_rd *v, const struct ots_dissect_out *out)
{
	static const char *const names[] = { "router", "bridge", "source_route_bridge", "switch",
	                                     "host", "igmp", "repeater", "phone" };
	uint32_t caps = rd_be32(v);
	char buf[96];
	size_t n = 0, i;

	if (!rd_ok(v) || caps == 0)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k;

		if (!(caps & (1u << i)))
			continue;
		k = snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", names[i]);
		if (k < 0 || (size_t)k >= sizeof(buf) - n)
			break;
		n += (size_t)k;
	}
	fact(out, OTS_FACT_ROLE, buf, n);
}

static int
cdp_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { .proto = OTS_PROTO_CDP, .op_class = OTS_OP_IDENTITY,
	                         .function = 1, .function_name = "cdp_announcement" };
	struct ots_rd r;
	uint8_t ver;
	unsigned n = 0;

	(void)state;
	(void)pkt;
	rd_init(&r, data, len);
	ver = rd_u8(&r);
	rd_skip(&r, 3); /* TTL, checksum */
	if (!rd_ok(&r))
		return malformed(out, "header_truncated");
	if (ver != 1 && ver != 2)
		return malformed(out, "bad_version");
	while (rd_left(&r) > 0) {
		uint16_t type = rd_be16(&r), tlen = rd_be16(&r);
		struct ots_rd v;

		if (!rd_ok(&r))
			return malformed(out, "tlv_header_truncated");
		if (tlen < 4)
			return malformed(out, "bad_tlv_length");
		v = rd_sub(&r, (size_t)tlen - 4);
		if (!rd_ok(&r))
			return malformed(out, "tlv_truncated");
		if (++n > CDP_MAX_TLVS)
			return malformed(out, "too_many_tlvs");
		switch (type) {
		case 0x0001:
			text(&v, OTS_FACT_NAME, out);
			break;
		case 0x0002:
		case 0x0016:
			addresses(&v, out);
			break;
		case 0x0003:
			text(&v, OTS_FACT_PORT_ID, out);
			break;
		case 0x0004:
			capabilities(&v, out);
			break;
		case 0x0005:
			version(&v, out);
			break;
		case 0x0006:
			text(&v, OTS_FACT_PLATFORM, out);
			break;
		default:
			break;
		}
	}
	ots_emit_op(out, &op);
	return OTS_OK;
}

/* Found by its SNAP PID, never probed by the engine; kept for the interface and tests. */
static int
cdp_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t ver;

	(void)pkt;
	rd_init(&r, data, len);
	ver = rd_u8(&r);
	rd_skip(&r, 3);
	return rd_ok(&r) && (ver == 1 || ver == 2) && rd_be16(&r) == 1 && rd_ok(&r)
	       ? OTS_PROBE_MAYBE : OTS_PROBE_NO;
}

/* Catalog: a CDP frame is one announcement. */
static void
cdp_functions(ots_fn_visit_fn visit, void *ctx)
{
	ots_fn_visit(visit, ctx, "cdp_announcement", 1, OTS_OP_IDENTITY);
}

const struct ots_dissector ots_dissector_cdp = {
	.name = "cdp",
	.id = OTS_PROTO_CDP,
	.transports = OTS_TR_ETHER,
	.ethertype = 0x2000, /* SNAP PID under the Cisco OUI */
	.max_pdu = 1500,
	.probe = cdp_probe,
	.parse = cdp_parse,
	.functions = cdp_functions,
};
