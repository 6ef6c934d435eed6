/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lldp.c: LLDP (IEEE 802.1AB) for identity: what a switch, a PLC or a PC says about itself.
 *
 * Layer 2, EtherType 0x88cc; the engine hands parse() the LLDPDU (after the EtherType).
 * An LLDPDU is a list of TLVs, each a 16-bit header (7-bit type, 9-bit length) and a value:
 *
 *   type 1 chassis id (subtype + id)   type 5 system name         type 8 management address
 *   type 2 port id (subtype + id)      type 6 system description  type 127 organisation
 *   type 3 TTL (2 bytes)               type 7 capabilities        type 0 end
 *   type 4 port description
 *
 * Chassis id, port id and TTL must come first, in that order, and end closes the PDU (what
 * follows it is Ethernet padding).
 * TIA-1057 (LLDP-MED, OUI 00-12-BB) inventory TLVs carry hardware/firmware/software
 * revisions, serial, manufacturer and model: PROFINET devices and IP phones send them.
 * One op per LLDPDU (class identity: an advertisement, counted but not logged one by one)
 * and one fact per attribute; the engine and the output drop repeats.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define LLDP_END 0
#define LLDP_CHASSIS 1
#define LLDP_PORT 2
#define LLDP_TTL 3
#define LLDP_PORT_DESC 4
#define LLDP_SYS_NAME 5
#define LLDP_SYS_DESC 6
#define LLDP_CAPS 7
#define LLDP_MGMT 8
#define LLDP_ORG 127

#define LLDP_MAX_TLVS 256 /* far above any real PDU; bounds a flood of empty TLVs */

static int
malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_LLDP, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static void
fact(const struct ots_dissect_out *out, uint8_t attr, const char *v, size_t n)
{
	ots_emit_fact(out, OTS_PROTO_LLDP, attr, OTS_SIDE_SENDER, 100, "LLDP", v, n);
}

static size_t
fmt_mac(char *buf, size_t cap, const uint8_t *m)
{
	int n = snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
	                 m[5]);

	return n > 0 ? (size_t)n : 0;
}

static size_t
fmt_ipv4(char *buf, size_t cap, const uint8_t *a)
{
	int n = snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);

	return n > 0 ? (size_t)n : 0;
}

static void
text_tlv(const struct ots_rd *v, uint8_t attr, const struct ots_dissect_out *out)
{
	size_t n;
	const uint8_t *p = rd_rest(v, &n);

	if (p)
		fact(out, attr, (const char *)p, n);
}

/* Chassis id (type 1) or port id (type 2): a MAC subtype is rendered, a network address of
 * family IPv4 too, the text subtypes are reported as they are. */
static void
id_tlv(struct ots_rd *v, uint8_t attr, const struct ots_dissect_out *out)
{
	uint8_t sub = rd_u8(v), mac_sub = attr == OTS_FACT_CHASSIS_ID ? 4 : 3;
	uint8_t net_sub = attr == OTS_FACT_CHASSIS_ID ? 5 : 4;
	size_t n;
	const uint8_t *p = rd_rest(v, &n);
	char buf[32];

	if (!rd_ok(v) || n == 0)
		return;
	if (sub == mac_sub && n == 6)
		fact(out, attr, buf, fmt_mac(buf, sizeof(buf), p));
	else if (sub == net_sub && n == 5 && p[0] == 1)
		fact(out, attr, buf, fmt_ipv4(buf, sizeof(buf), p + 1));
	else if (sub != mac_sub && sub != net_sub)
		fact(out, attr, (const char *)p, n);
}

/* System capabilities: the enabled ones, as a comma list of role words. */
static void
caps_tlv(struct ots_rd *v, const struct ots_dissect_out *out)
{
	static const char *const names[] = { "other", "repeater", "bridge", "wlan_ap", "router",
	                                     "telephone", "docsis", "station", "cvlan", "svlan",
	                                     "tpmr" };
	char buf[128];
	size_t n = 0, i;
	uint16_t en;

	rd_skip(v, 2); /* supported */
	en = rd_be16(v);
	if (!rd_ok(v) || en == 0)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int k;

		if (!(en & (1u << i)))
			continue;
		k = snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", names[i]);
		if (k < 0 || (size_t)k >= sizeof(buf) - n)
			break;
		n += (size_t)k;
	}
	fact(out, OTS_FACT_ROLE, buf, n);
}

/* Management address: length, subtype (IANA family), address. IPv4 only is reported. */
static void
mgmt_tlv(struct ots_rd *v, const struct ots_dissect_out *out)
{
	uint8_t alen = rd_u8(v), fam = rd_u8(v);
	const uint8_t *a;
	char buf[20];

	if (!rd_ok(v) || alen != 5 || fam != 1)
		return;
	a = rd_ptr(v, 4);
	if (a)
		fact(out, OTS_FACT_IP, buf, fmt_ipv4(buf, sizeof(buf), a));
}

/* Organisation TLV: only the LLDP-MED inventory set (OUI 00-12-BB, subtypes 5-11). */
static void
org_tlv(struct ots_rd *v, const struct ots_dissect_out *out)
{
	static const uint8_t med_attr[] = {
		[5] = OTS_FACT_HW_REVISION, [6] = OTS_FACT_FIRMWARE, [7] = OTS_FACT_SW_VERSION,
		[8] = OTS_FACT_SERIAL, [9] = OTS_FACT_VENDOR, [10] = OTS_FACT_MODEL,
	};
	uint32_t oui = rd_be24(v);
	uint8_t sub = rd_u8(v);
	size_t n;
	const uint8_t *p = rd_rest(v, &n);

	if (!rd_ok(v) || oui != 0x0012bb || sub < 5 || sub > 10 || n == 0)
		return;
	fact(out, med_attr[sub], (const char *)p, n);
}

static int
lldp_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
           const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { .proto = OTS_PROTO_LLDP, .op_class = OTS_OP_IDENTITY,
	                         .function = 1, .function_name = "lldp_advertisement" };
	struct ots_rd r;
	unsigned ntlv = 0;
	int ended = 0;

	(void)state;
	(void)pkt;
	rd_init(&r, data, len);
	while (rd_left(&r) > 0 && !ended) {
		uint16_t h = rd_be16(&r);
		uint8_t type = (uint8_t)(h >> 9);
		uint16_t tlen = h & 0x1ff;
		struct ots_rd v;

		if (!rd_ok(&r))
			return malformed(out, "tlv_header_truncated");
		v = rd_sub(&r, tlen);
		if (!rd_ok(&r))
			return malformed(out, "tlv_truncated");
		/* the three mandatory TLVs open the PDU, in order */
		if (ntlv < 3 && type != ntlv + 1)
			return malformed(out, "mandatory_tlv_missing");
		if (++ntlv > LLDP_MAX_TLVS)
			return malformed(out, "too_many_tlvs");
		switch (type) {
		case LLDP_END:
			ended = 1;
			break;
		case LLDP_CHASSIS:
			if (tlen < 2)
				return malformed(out, "bad_chassis_id");
			id_tlv(&v, OTS_FACT_CHASSIS_ID, out);
			break;
		case LLDP_PORT:
			if (tlen < 2)
				return malformed(out, "bad_port_id");
			id_tlv(&v, OTS_FACT_PORT_ID, out);
			break;
		case LLDP_TTL:
			if (tlen < 2)
				return malformed(out, "bad_ttl");
			break;
		case LLDP_SYS_NAME:
			text_tlv(&v, OTS_FACT_NAME, out);
			break;
		case LLDP_SYS_DESC:
			text_tlv(&v, OTS_FACT_DESCRIPTION, out);
			break;
		case LLDP_CAPS:
			caps_tlv(&v, out);
			break;
		case LLDP_MGMT:
			mgmt_tlv(&v, out);
			break;
		case LLDP_ORG:
			org_tlv(&v, out);
			break;
		default:
			break;
		}
	}
	if (ntlv < 3)
		return malformed(out, "mandatory_tlv_missing");
	if (!ended) /* a cut frame: what it said is reported, the cut is flagged */
		return malformed(out, "end_tlv_missing");
	ots_emit_op(out, &op);
	return OTS_OK;
}

/* Layer 2 by EtherType: the engine never asks; a probe keeps the interface whole (tests). */
static int
lldp_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;

	(void)pkt;
	rd_init(&r, data, len);
	return (rd_be16(&r) >> 9) == LLDP_CHASSIS && rd_ok(&r) ? OTS_PROBE_MAYBE : OTS_PROBE_NO;
}

/* Catalog: an LLDPDU is one advertisement. */
static void
lldp_functions(ots_fn_visit_fn visit, void *ctx)
{
	ots_fn_visit(visit, ctx, "lldp_advertisement", 1, OTS_OP_IDENTITY);
}

const struct ots_dissector ots_dissector_lldp = {
	.name = "lldp",
	.id = OTS_PROTO_LLDP,
	.transports = OTS_TR_ETHER,
	.ethertype = 0x88cc,
	.max_pdu = 1500,
	.probe = lldp_probe,
	.parse = lldp_parse,
	.functions = lldp_functions,
};
