/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp.c: DHCP (IPv4) / BOOTP dissector.
 *
 * Spec: RFC 951 (BOOTP), RFC 2131 (DHCP), RFC 2132 (options), RFC 4702 (client FQDN, 81),
 * RFC 3679/4388/6926/7724 (message types 9..18).
 *
 *   0    1     2     3     4        8      10      12       16       20       24       28
 *   | op | htype | hlen | hops | xid | secs | flags | ciaddr | yiaddr | siaddr | giaddr |
 *   28 chaddr (16) | 44 sname (64) | 108 file (128) | 236 magic 0x63825363 | 240 options
 *   options: code, len, data; 0 pad and 255 end have no length. Option 52 (overload) puts
 *   more options in file (1), sname (2) or both (3).
 *
 * One op per message: function = the DHCP message type (option 53), 0 for plain BOOTP;
 * transaction = xid; is_response = op 2 (BOOTREPLY). Classes: the lease handshake
 * (discover, offer, request, decline, ack, nak, release, inform) is "discovery" (how hosts
 * find a server and their address), forcerenew is "control" (the server makes the client
 * act), the lease queries (10..13, 14..18) are "read". addr_start = the address the message
 * is about: yiaddr in a reply, else the requested address (option 50), else ciaddr.
 *
 * Identity, only when the IP sender is the host the fact names (giaddr 0: not relayed):
 *   client messages: host name (12) and client FQDN (81) -> HOSTNAME, vendor class
 *   identifier (60) -> VENDOR_CLASS, of the sender (a DISCOVER comes from 0.0.0.0: the
 *   event's MAC names the client);
 *   server ACK unicast to the client (broadcast flag clear): yiaddr -> IP of the receiver,
 *   and option 60 when the server sends one (the vendor class it matched the client to,
 *   e.g. "ArubaAP") -> VENDOR_CLASS of the receiver; the dhcp_server ROLE of the sender of
 *   an offer, ACK or NAK. An OFFER's yiaddr is only proposed: not reported.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define DH_SERVER_PORT 67
#define DH_CLIENT_PORT 68
#define DH_FIXED 236
#define DH_COOKIE 0x63825363u
#define DH_SNAME_OFF 44
#define DH_SNAME_LEN 64
#define DH_FILE_OFF 108
#define DH_FILE_LEN 128
#define DH_NAME_MAX 255

struct dh_type {
	uint8_t cls;
	const char *name;
};

static const struct dh_type dh_types[] = {
	[1] = { OTS_OP_DISCOVERY, "discover" },
	[2] = { OTS_OP_DISCOVERY, "offer" },
	[3] = { OTS_OP_DISCOVERY, "request" },
	[4] = { OTS_OP_DISCOVERY, "decline" },
	[5] = { OTS_OP_DISCOVERY, "ack" },
	[6] = { OTS_OP_DISCOVERY, "nak" },
	[7] = { OTS_OP_DISCOVERY, "release" },
	[8] = { OTS_OP_DISCOVERY, "inform" },
	[9] = { OTS_OP_CONTROL, "forcerenew" },
	[10] = { OTS_OP_READ, "leasequery" },
	[11] = { OTS_OP_READ, "leaseunassigned" },
	[12] = { OTS_OP_READ, "leaseunknown" },
	[13] = { OTS_OP_READ, "leaseactive" },
	[14] = { OTS_OP_READ, "bulkleasereply" },
	[15] = { OTS_OP_READ, "leasequerydone" },
	[16] = { OTS_OP_READ, "activeleasequery" },
	[17] = { OTS_OP_READ, "leasequerystatus" },
	[18] = { OTS_OP_OTHER, "tls" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What the options said. Pointers are borrowed from the datagram. */
struct dh_opts {
	int has_type;
	uint8_t type;
	uint8_t overload;
	int has_req_ip;
	uint32_t req_ip;
	const uint8_t *hostname;
	size_t hostname_len;
	const uint8_t *vclass;
	size_t vclass_len;
	const uint8_t *fqdn;    /* option 81 data (flags, rcode1, rcode2, name) */
	size_t fqdn_len;
	int has_end;
};

static int
dh_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_DHCP, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

/* One options area (the vendor area after the cookie, or an overloaded sname/file). */
static int
dh_options(struct ots_rd *r, struct dh_opts *o, int main_area)
{
	struct ots_rd v;
	uint8_t code, len;

	while (rd_left(r)) {
		code = rd_u8(r);
		if (code == 0)
			continue;
		if (code == 255) {
			if (main_area)
				o->has_end = 1;
			return OTS_OK;
		}
		len = rd_u8(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (len > rd_left(r)) {
			rd_fail(r, OTS_ETRUNC);
			return OTS_ETRUNC;
		}
		v = rd_sub(r, len);
		switch (code) {
		case 53:
			if (len != 1)
				return OTS_EINVAL;
			if (!o->has_type) {
				o->has_type = 1;
				o->type = rd_u8(&v);
			}
			break;
		case 52:
			if (len != 1 || !main_area)
				return OTS_EINVAL;
			o->overload = rd_u8(&v);
			if (o->overload < 1 || o->overload > 3)
				return OTS_EINVAL;
			break;
		case 50:
			if (len != 4)
				return OTS_EINVAL;
			o->has_req_ip = 1;
			o->req_ip = rd_be32(&v);
			break;
		case 12:
			o->hostname = rd_rest(&v, &o->hostname_len);
			break;
		case 60:
			o->vclass = rd_rest(&v, &o->vclass_len);
			break;
		case 81:
			if (len < 3)
				return OTS_EINVAL;
			o->fqdn = rd_rest(&v, &o->fqdn_len);
			break;
		default:
			break;
		}
	}
	return OTS_OK;
}

/* Text up to the first NUL (host names are often NUL-terminated), at most DH_NAME_MAX. */
static void
dh_text_fact(const struct ots_dissect_out *out, uint8_t attr, uint8_t side, const char *src,
             const uint8_t *p, size_t n)
{
	struct ots_rd r;
	size_t k;
	int ok;

	rd_init(&r, p, n);
	for (k = 0; k < n && k < DH_NAME_MAX; k++)
		if (rd_peek_u8(&r, k, &ok) == 0)
			break;
	ots_emit_fact(out, OTS_PROTO_DHCP, attr, side, 90, src, (const char *)p, k);
}

/*
 * Option 81 (RFC 4702): flags, rcode1, rcode2, domain name. With the E flag (0x04) the name
 * is in DNS wire format (labels), else ASCII (deprecated). Wire format -> dotted text.
 */
static void
dh_fqdn_fact(const struct ots_dissect_out *out, const uint8_t *p, size_t n)
{
	char buf[DH_NAME_MAX + 1];
	struct ots_rd r;
	const uint8_t *lab, *rest;
	size_t o = 0, left;
	uint8_t flags, l;

	rd_init(&r, p, n);
	flags = rd_u8(&r);
	rd_skip(&r, 2);
	if (!rd_ok(&r))
		return;
	if (!(flags & 0x04)) {
		rest = rd_rest(&r, &left);
		if (rest && left)
			dh_text_fact(out, OTS_FACT_HOSTNAME, OTS_SIDE_SENDER, "DHCP option 81", rest,
			             left);
		return;
	}
	while (rd_left(&r)) {
		l = rd_u8(&r);
		if (l == 0)
			break;
		if (l > 63)
			return; /* compression pointers are not allowed here */
		lab = rd_ptr(&r, l);
		if (!lab || o + l + 1 > DH_NAME_MAX)
			return;
		if (o)
			buf[o++] = '.';
		memcpy(buf + o, lab, l);
		o += l;
	}
	ots_emit_fact(out, OTS_PROTO_DHCP, OTS_FACT_HOSTNAME, OTS_SIDE_SENDER, 90, "DHCP option 81",
	              buf, o);
}

static int
dh_port(uint16_t p)
{
	return p == DH_SERVER_PORT || p == DH_CLIENT_PORT;
}

static int
dh_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t op, htype, hlen, hops;
	uint32_t cookie;
	int score;

	rd_init(&r, data, len);
	op = rd_u8(&r);
	htype = rd_u8(&r);
	hlen = rd_u8(&r);
	hops = rd_u8(&r);
	rd_skip(&r, DH_FIXED - 4);
	cookie = rd_be32(&r);
	if (!rd_ok(&r) || (op != 1 && op != 2) || hlen > 16 || hops > 16 || htype == 0)
		return OTS_PROBE_NO;
	if (cookie == DH_COOKIE)
		score = htype == 1 && hlen == 6 ? OTS_PROBE_SURE : 80;
	else if (htype == 1 && hlen == 6)
		score = 40; /* plain BOOTP: little to check */
	else
		return OTS_PROBE_NO;
	if (pkt && dh_port(pkt->sport) && dh_port(pkt->dport))
		score += 20;
	return score > OTS_PROBE_SURE ? OTS_PROBE_SURE : score;
}

static int
dh_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	struct dh_opts o;
	struct ots_rd r, a;
	uint8_t bop, htype, hlen, hops;
	uint16_t flags;
	uint32_t xid, ciaddr, yiaddr, giaddr, cookie;
	int rc = OTS_OK, rc2;
	char ip[16];

	(void)state;
	(void)pkt;
	memset(&o, 0, sizeof(o));
	rd_init(&r, data, len);
	bop = rd_u8(&r);
	htype = rd_u8(&r);
	hlen = rd_u8(&r);
	hops = rd_u8(&r);
	xid = rd_be32(&r);
	rd_skip(&r, 2); /* secs */
	flags = rd_be16(&r);
	ciaddr = rd_be32(&r);
	yiaddr = rd_be32(&r);
	rd_skip(&r, 4); /* siaddr */
	giaddr = rd_be32(&r);
	rd_skip(&r, 16 + DH_SNAME_LEN + DH_FILE_LEN); /* chaddr, sname, file */
	if (len >= 1 && bop != 1 && bop != 2)
		return dh_bad(out, "bad_op");
	if (!rd_ok(&r))
		return dh_bad(out, "short_header");
	(void)htype;
	if (hlen > 16)
		return dh_bad(out, "bad_hlen");

	op.proto = OTS_PROTO_DHCP;
	op.is_response = bop == 2;
	op.has_transaction = 1;
	op.transaction = xid;

	if (rd_left(&r) > 0 && rd_left(&r) < 4)
		rc = OTS_ETRUNC; /* a vendor area too short for the magic cookie */
	cookie = rd_left(&r) >= 4 ? rd_be32(&r) : 0;
	if (cookie == DH_COOKIE) {
		rc = dh_options(&r, &o, 1);
		if (rc == OTS_OK && o.overload) {
			if (o.overload & 1) {
				rd_init(&a, data, len);
				rd_skip(&a, DH_FILE_OFF);
				a = rd_sub(&a, DH_FILE_LEN);
				rc = dh_options(&a, &o, 0);
			}
			if (rc == OTS_OK && (o.overload & 2)) {
				rd_init(&a, data, len);
				rd_skip(&a, DH_SNAME_OFF);
				a = rd_sub(&a, DH_SNAME_LEN);
				rc = dh_options(&a, &o, 0);
			}
		}
	}

	if (o.has_type) {
		op.function = o.type;
		if (o.type < NELEM(dh_types) && dh_types[o.type].name) {
			op.function_name = dh_types[o.type].name;
			op.op_class = dh_types[o.type].cls;
		} else {
			op.function_name = "unknown";
			op.op_class = OTS_OP_OTHER;
		}
	} else {
		op.function = 0;
		op.function_name = bop == 1 ? "bootp_request" : "bootp_reply";
		op.op_class = OTS_OP_DISCOVERY;
	}
	op.has_addr = 1;
	op.addr_count = 1;
	if (bop == 2 && yiaddr)
		op.addr_start = yiaddr;
	else if (o.has_req_ip)
		op.addr_start = o.req_ip;
	else if (ciaddr)
		op.addr_start = ciaddr;
	else
		op.has_addr = 0;
	if (!op.has_addr)
		op.addr_count = 0;
	ots_emit_op(out, &op);

	/* identity: only when the IP sender is the host itself (not relayed) */
	if (giaddr == 0 && hops == 0) {
		if (bop == 1) {
			if (o.hostname_len)
				dh_text_fact(out, OTS_FACT_HOSTNAME, OTS_SIDE_SENDER, "DHCP option 12",
				             o.hostname, o.hostname_len);
			if (o.fqdn_len)
				dh_fqdn_fact(out, o.fqdn, o.fqdn_len);
			if (o.vclass_len)
				dh_text_fact(out, OTS_FACT_VENDOR_CLASS, OTS_SIDE_SENDER,
				             "DHCP option 60", o.vclass, o.vclass_len);
		} else if (o.has_type && (o.type == 2 || o.type == 5 || o.type == 6)) {
			ots_emit_fact(out, OTS_PROTO_DHCP, OTS_FACT_ROLE, OTS_SIDE_SENDER, 80,
			              "DHCP reply", "dhcp_server", 11);
			if (o.type == 5 && yiaddr && !(flags & 0x8000)) {
				rc2 = snprintf(ip, sizeof(ip), "%u.%u.%u.%u", yiaddr >> 24,
				               (yiaddr >> 16) & 0xff, (yiaddr >> 8) & 0xff, yiaddr & 0xff);
				if (rc2 > 0)
					ots_emit_fact(out, OTS_PROTO_DHCP, OTS_FACT_IP, OTS_SIDE_RECEIVER, 90,
					              "DHCP ACK", ip, (size_t)rc2);
				if (o.vclass_len)
					dh_text_fact(out, OTS_FACT_VENDOR_CLASS, OTS_SIDE_RECEIVER,
					             "DHCP ACK option 60", o.vclass, o.vclass_len);
			}
		}
	}

	if (rc == OTS_ETRUNC)
		return dh_bad(out, cookie == DH_COOKIE ? "short_option" : "short_vendor_area");
	if (rc != OTS_OK)
		return dh_bad(out, "bad_option");
	if (cookie == DH_COOKIE && !o.has_end)
		return dh_bad(out, "no_end_option");
	return OTS_OK;
}

/* Catalog: DHCP message types, "unknown", and BOOTP without a message type (code 0). */
static void
dh_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < NELEM(dh_types); i++)
		if (dh_types[i].name)
			ots_fn_visit(visit, ctx, dh_types[i].name, (uint32_t)i, dh_types[i].cls);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "bootp_request", 0, OTS_OP_DISCOVERY);
	ots_fn_visit(visit, ctx, "bootp_reply", 0, OTS_OP_DISCOVERY);
}

const struct ots_dissector ots_dissector_dhcp = {
	.name = "dhcp",
	.id = OTS_PROTO_DHCP,
	.transports = OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { DH_SERVER_PORT, DH_CLIENT_PORT },
	.max_pdu = 1500,
	.state_size = 0,
	.probe = dh_probe,
	.parse = dh_parse,
	.gap = NULL,
	.fini = NULL,
	.functions = dh_functions,
};
