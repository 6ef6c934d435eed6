/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pndcp.c: PROFINET DCP (Discovery and basic Configuration Protocol), EtherType 0x8892.
 *
 * Spec: IEC 61158-6-10 (PROFINET IO application layer protocol), DCP clauses. The engine hands
 * parse() the bytes after the EtherType (after any VLAN tag); they start with the RT FrameID.
 *
 *   0       2     3     4          8         10        12
 *   +-------+-----+-----+----------+---------+---------+----------------------------+
 *   |FrameID| Svc | Svc |   Xid    | RespDly | DataLen | blocks (DataLen bytes)     |
 *   | FEFC..| ID  |Type |  (BE32)  | / rsvd  |  (BE16) |                            |
 *   +-------+-----+-----+----------+---------+---------+----------------------------+
 *   block: Option(1) Suboption(1) BlockLength(BE16) [BlockInfo|BlockQualifier(BE16)] data,
 *          padded to an even length. Frames may carry Ethernet padding after DataLen.
 *
 * FrameIDs: FEFC Hello, FEFD Get/Set (unicast), FEFE Identify request, FEFF Identify response.
 * Any other FrameID is a PROFINET RT/alarm frame, not DCP: accepted without an op.
 * ServiceID (wire values): 3 Get, 4 Set, 5 Identify, 6 Hello. ServiceType: 0 request,
 * 1 response success, 5 response "request not supported" (bit 0 marks a response).
 *
 * Ops: function = ServiceID; transaction = Xid; no unit (layer 2). Classes: Identify request
 * discovery, Identify response identity, Hello event, Get read, Set write (set_ip,
 * set_name_of_station), Set of Control signal control, factory reset / reset to factory
 * restart. exception = the first non-zero BlockError of a Control/Response block, or 0x100
 * for ServiceType 5 (request not supported).
 * Facts (NAME, MODEL, VENDOR_ID, PRODUCT_CODE, VENDOR, ROLE, IP, MAC): Identify/Get responses
 * and Hello describe the sender; a Set request describes the
 * receiver (the station being named or addressed). Layer-2 dissectors are stateless.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"
#include "protocols/pndcp-vendors.h"

#define DCP_FID_HELLO 0xfefc
#define DCP_FID_GETSET 0xfefd
#define DCP_FID_IDREQ 0xfefe
#define DCP_FID_IDRSP 0xfeff

#define DCP_GET 3
#define DCP_SET 4
#define DCP_IDENTIFY 5
#define DCP_HELLO 6

#define DCP_ST_REQ 0
#define DCP_ST_OK 1
#define DCP_ST_UNSUPP 5

#define DCP_OPT_IP 1
#define DCP_OPT_DEV 2
#define DCP_OPT_DHCP 3
#define DCP_OPT_CTRL 5
#define DCP_OPT_INIT 6
#define DCP_OPT_ALL 0xff

#define DCP_HDR 10          /* after the FrameID */
#define DCP_MAX_FACTS 24    /* identity facts reported per frame */
#define DCP_UNSUPPORTED 0x100

/* What a Set names, in rising precedence. */
enum dcp_set_kind { SK_NONE, SK_OTHER, SK_SIGNAL, SK_IP, SK_NAME, SK_RESET, SK_FRESET };

struct dcp_ctx {
	uint8_t sid, st;
	int info;               /* blocks carry BlockInfo / BlockQualifier */
	int fact_side;          /* -1: no facts from this frame */
	const char *source;
	unsigned facts;
	enum dcp_set_kind set_kind;
	uint32_t block_error;
	uint8_t has_block_error;
	const struct ots_dissect_out *out;
};

static int
dcp_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_PNDCP, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static int
dcp_fid_is_dcp(uint16_t fid)
{
	return fid >= DCP_FID_HELLO && fid <= DCP_FID_IDRSP;
}

/* The FrameID a (service, type) pair must travel in. */
static uint16_t
dcp_fid_for(uint8_t sid, uint8_t st)
{
	switch (sid) {
	case DCP_GET:
	case DCP_SET:
		return DCP_FID_GETSET;
	case DCP_IDENTIFY:
		return (st & 1) ? DCP_FID_IDRSP : DCP_FID_IDREQ;
	case DCP_HELLO:
		return DCP_FID_HELLO;
	default:
		return 0;
	}
}

static int
dcp_st_ok(uint8_t st)
{
	return st == DCP_ST_REQ || st == DCP_ST_OK || st == DCP_ST_UNSUPP;
}

static void
dcp_fact(struct dcp_ctx *c, uint8_t attr, const char *v, size_t n)
{
	if (c->fact_side < 0 || n == 0 || c->facts >= DCP_MAX_FACTS)
		return;
	c->facts++;
	ots_emit_fact(c->out, OTS_PROTO_PNDCP, attr, (uint8_t)c->fact_side, 90, c->source, v, n);
}

/* Station names and type strings may be NUL padded: the length up to the first NUL. */
static size_t
dcp_strlen(struct ots_rd d)
{
	size_t n = 0;

	while (rd_left(&d) > 0 && rd_u8(&d) != 0)
		n++;
	return n;
}

static size_t
dcp_put_dec(char *b, size_t at, uint8_t v)
{
	if (v >= 100)
		b[at++] = (char)('0' + v / 100);
	if (v >= 10)
		b[at++] = (char)('0' + (v / 10) % 10);
	b[at++] = (char)('0' + v % 10);
	return at;
}

static size_t
dcp_fmt_ip(char *b, const uint8_t p[4])
{
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			b[n++] = '.';
		n = dcp_put_dec(b, n, p[i]);
	}
	return n;
}

/* "0x%04x", as tshark shows VendorID and DeviceID. */
static size_t
dcp_fmt_hex16(char *b, uint16_t v)
{
	static const char hx[] = "0123456789abcdef";
	int i;

	b[0] = '0';
	b[1] = 'x';
	for (i = 0; i < 4; i++)
		b[2 + i] = hx[(v >> (12 - 4 * i)) & 0xf];
	return 6;
}

static size_t
dcp_fmt_mac(char *b, const uint8_t m[6])
{
	static const char hx[] = "0123456789abcdef";
	size_t n = 0;
	int i;

	for (i = 0; i < 6; i++) {
		if (i)
			b[n++] = ':';
		b[n++] = hx[m[i] >> 4];
		b[n++] = hx[m[i] & 0xf];
	}
	return n;
}

static size_t
dcp_fmt_role(char *b, size_t cap, uint8_t role)
{
	static const char *const names[4] = { "io-device", "io-controller", "io-multidevice",
	                                      "io-supervisor" };
	size_t n = 0, l;
	int i;

	for (i = 0; i < 4; i++) {
		if (!(role & (1u << i)))
			continue;
		l = strlen(names[i]);
		if (n + l + 1 > cap)
			break;
		if (n)
			b[n++] = '+';
		memcpy(b + n, names[i], l);
		n += l;
	}
	return n;
}

static const char *
dcp_vendor_name(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(pndcp_vendors) / sizeof(pndcp_vendors[0]); i++)
		if (pndcp_vendors[i].id == id)
			return pndcp_vendors[i].name;
	return NULL;
}

static void
dcp_set_kind(struct dcp_ctx *c, uint8_t opt, uint8_t sub)
{
	enum dcp_set_kind k = SK_OTHER;

	if (opt == DCP_OPT_IP && (sub == 2 || sub == 3))
		k = SK_IP;
	else if (opt == DCP_OPT_DEV && sub == 2)
		k = SK_NAME;
	else if (opt == DCP_OPT_CTRL && sub == 3)
		k = SK_SIGNAL;
	else if (opt == DCP_OPT_CTRL && sub == 5)
		k = SK_FRESET;
	else if (opt == DCP_OPT_CTRL && sub == 6)
		k = SK_RESET;
	else if (opt == DCP_OPT_CTRL && (sub == 1 || sub == 2))
		k = SK_NONE; /* transaction brackets name nothing */
	if (k > c->set_kind)
		c->set_kind = k;
}

/* Data of one block with facts (after any BlockInfo). */
static int
dcp_block_data(struct dcp_ctx *c, uint8_t opt, uint8_t sub, struct ots_rd *d)
{
	char buf[64];
	uint8_t ip[4], mac[6];
	const uint8_t *p;
	size_t n;
	uint16_t vid, did;
	uint8_t role;

	if (opt == DCP_OPT_IP && sub == 1) { /* the device's own MAC address */
		rd_copy(d, mac, 6);
		if (!rd_ok(d))
			return dcp_bad(c->out, "bad_mac_block");
		dcp_fact(c, OTS_FACT_MAC, buf, dcp_fmt_mac(buf, mac));
		return OTS_OK;
	}
	if (opt == DCP_OPT_IP && (sub == 2 || sub == 3)) {
		uint8_t mask[4], gw[4];

		rd_copy(d, ip, 4);
		rd_copy(d, mask, 4);
		rd_copy(d, gw, 4);
		if (sub == 3)
			rd_skip(d, 16); /* DNS servers */
		if (!rd_ok(d))
			return dcp_bad(c->out, "bad_ip_block");
		if (ip[0] | ip[1] | ip[2] | ip[3]) { /* 0.0.0.0: no address configured */
			dcp_fact(c, OTS_FACT_IP, buf, dcp_fmt_ip(buf, ip));
			dcp_fact(c, OTS_FACT_NETMASK, buf, dcp_fmt_ip(buf, mask));
			dcp_fact(c, OTS_FACT_GATEWAY, buf, dcp_fmt_ip(buf, gw));
		}
		return OTS_OK;
	}
	if (opt != DCP_OPT_DEV)
		return OTS_OK;
	switch (sub) {
	case 1: /* type of station (DeviceVendorValue) */
		p = rd_rest(d, &n);
		if (p)
			dcp_fact(c, OTS_FACT_MODEL, (const char *)p, dcp_strlen(*d));
		return OTS_OK;
	case 2: /* NameOfStation */
		p = rd_rest(d, &n);
		if (p)
			dcp_fact(c, OTS_FACT_NAME, (const char *)p, dcp_strlen(*d));
		return OTS_OK;
	case 3: /* DeviceID */
		vid = rd_be16(d);
		did = rd_be16(d);
		if (!rd_ok(d))
			return dcp_bad(c->out, "bad_device_id_block");
		dcp_fact(c, OTS_FACT_VENDOR_ID, buf, dcp_fmt_hex16(buf, vid));
		dcp_fact(c, OTS_FACT_PRODUCT_CODE, buf, dcp_fmt_hex16(buf, did));
		if (dcp_vendor_name(vid)) {
			const char *v = dcp_vendor_name(vid);

			dcp_fact(c, OTS_FACT_VENDOR, v, strlen(v));
		}
		return OTS_OK;
	case 4: /* DeviceRole: role bits, reserved */
		role = rd_u8(d);
		if (!rd_ok(d))
			return dcp_bad(c->out, "bad_device_role_block");
		dcp_fact(c, OTS_FACT_ROLE, buf, dcp_fmt_role(buf, sizeof(buf), role));
		return OTS_OK;
	default:
		return OTS_OK;
	}
}

static int
dcp_block(struct dcp_ctx *c, uint8_t opt, uint8_t sub, struct ots_rd *d)
{
	uint8_t ropt, rsub, err;

	/* A response's Control/Response block: the option it answers and a BlockError. */
	if ((c->st & 1) && opt == DCP_OPT_CTRL && sub == 4) {
		ropt = rd_u8(d);
		rsub = rd_u8(d);
		err = rd_u8(d);
		if (!rd_ok(d))
			return dcp_bad(c->out, "bad_response_block");
		if (c->sid == DCP_SET)
			dcp_set_kind(c, ropt, rsub);
		if (err && !c->has_block_error) {
			c->has_block_error = 1;
			c->block_error = err;
		}
		return OTS_OK;
	}
	if (c->sid == DCP_SET && !(c->st & 1))
		dcp_set_kind(c, opt, sub);
	if (c->info) {
		rd_skip(d, 2);
		if (!rd_ok(d))
			return dcp_bad(c->out, "bad_block_length");
	}
	return dcp_block_data(c, opt, sub, d);
}

/* Get request: a list of Option/Suboption pairs without lengths. */
static int
dcp_get_req(struct dcp_ctx *c, struct ots_rd *r)
{
	if (rd_left(r) & 1)
		return dcp_bad(c->out, "bad_get_request");
	return OTS_OK;
}

static int
dcp_blocks(struct dcp_ctx *c, struct ots_rd *r)
{
	struct ots_rd d;
	uint8_t opt, sub;
	uint16_t blen;
	int rc = OTS_OK, brc;

	while (rd_left(r) >= 4) {
		opt = rd_u8(r);
		sub = rd_u8(r);
		blen = rd_be16(r);
		if (rd_left(r) < blen)
			return dcp_bad(c->out, "bad_block_length");
		d = rd_sub(r, blen);
		brc = dcp_block(c, opt, sub, &d);
		if (brc != OTS_OK && rc == OTS_OK)
			rc = brc;
		if ((blen & 1) && rd_left(r) > 0)
			rd_skip(r, 1);
	}
	if (rd_left(r) != 0)
		return dcp_bad(c->out, "trailing_bytes");
	return rc;
}

static const char *
dcp_name(struct dcp_ctx *c, uint8_t *cls)
{
	switch (c->sid) {
	case DCP_IDENTIFY:
		*cls = (c->st & 1) ? OTS_OP_IDENTITY : OTS_OP_DISCOVERY;
		return "identify";
	case DCP_HELLO:
		*cls = OTS_OP_EVENT;
		return "hello";
	case DCP_GET:
		*cls = OTS_OP_READ;
		return "get";
	default:
		break;
	}
	switch (c->set_kind) {
	case SK_FRESET:
		*cls = OTS_OP_RESTART;
		return "factory_reset";
	case SK_RESET:
		*cls = OTS_OP_RESTART;
		return "reset_to_factory";
	case SK_NAME:
		*cls = OTS_OP_WRITE;
		return "set_name_of_station";
	case SK_IP:
		*cls = OTS_OP_WRITE;
		return "set_ip";
	case SK_SIGNAL:
		*cls = OTS_OP_CONTROL;
		return "set_signal";
	default:
		*cls = OTS_OP_WRITE;
		return "set";
	}
}

static int
dcp_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint16_t fid, dlen;
	uint8_t sid, st;

	(void)pkt;
	rd_init(&r, data, len);
	fid = rd_be16(&r);
	sid = rd_u8(&r);
	st = rd_u8(&r);
	rd_skip(&r, 6);
	dlen = rd_be16(&r);
	if (!rd_ok(&r) || !dcp_fid_is_dcp(fid) || !dcp_st_ok(st) || dcp_fid_for(sid, st) != fid)
		return OTS_PROBE_NO;
	if (rd_left(&r) < dlen)
		return OTS_PROBE_MAYBE;
	return OTS_PROBE_SURE;
}

static int
dcp_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out)
{
	struct ots_rd r, body;
	struct ots_ics_op op = { 0 };
	struct dcp_ctx c = { 0 };
	uint16_t fid, dlen;
	uint32_t xid;
	uint8_t cls = OTS_OP_OTHER;
	int rc;

	(void)state;
	(void)pkt;
	rd_init(&r, data, len);
	fid = rd_be16(&r);
	if (!rd_ok(&r))
		return dcp_bad(out, "short_frame");
	if (!dcp_fid_is_dcp(fid))
		return OTS_OK; /* cyclic RT, alarm or PTCP frame: not DCP */
	c.sid = rd_u8(&r);
	c.st = rd_u8(&r);
	xid = rd_be32(&r);
	rd_skip(&r, 2); /* ResponseDelay (Identify request) or reserved */
	dlen = rd_be16(&r);
	if (!rd_ok(&r))
		return dcp_bad(out, "short_frame");
	if (!dcp_st_ok(c.st))
		return dcp_bad(out, "bad_service_type");
	if (dcp_fid_for(c.sid, c.st) == 0)
		return dcp_bad(out, "bad_service_id");
	if (rd_left(&r) < dlen)
		return dcp_bad(out, "bad_data_length");
	body = rd_sub(&r, dlen); /* what follows is Ethernet padding */

	c.out = out;
	c.fact_side = -1;
	c.info = (c.st & 1) || c.sid == DCP_SET || c.sid == DCP_HELLO;
	if (c.st & 1) {
		if (c.sid == DCP_IDENTIFY || c.sid == DCP_GET) {
			c.fact_side = OTS_SIDE_SENDER;
			c.source = c.sid == DCP_IDENTIFY ? "DCP Identify" : "DCP Get";
		}
	} else if (c.sid == DCP_HELLO) {
		c.fact_side = OTS_SIDE_SENDER;
		c.source = "DCP Hello";
	} else if (c.sid == DCP_SET) {
		c.fact_side = OTS_SIDE_RECEIVER;
		c.source = "DCP Set";
	}

	if (c.sid == DCP_GET && !(c.st & 1))
		rc = dcp_get_req(&c, &body);
	else
		rc = dcp_blocks(&c, &body);

	op.proto = OTS_PROTO_PNDCP;
	op.is_response = (uint8_t)(c.st & 1);
	op.function = c.sid;
	op.function_name = dcp_name(&c, &cls);
	op.op_class = cls;
	op.has_transaction = 1;
	op.transaction = xid;
	if (c.st == DCP_ST_UNSUPP) {
		op.has_exception = 1;
		op.exception = DCP_UNSUPPORTED;
	} else if (c.has_block_error) {
		op.has_exception = 1;
		op.exception = c.block_error;
	}
	ots_emit_op(out, &op);
	if (rc == OTS_OK && fid != dcp_fid_for(c.sid, c.st))
		rc = dcp_bad(out, "frame_id_mismatch");
	return rc;
}

/* Catalog: dcp_name() over every service id and type parse() accepts and every Set kind;
 * a name's class is the request's (Identify: discovery), varying when the requests differ. */
static void
dcp_functions(ots_fn_visit_fn visit, void *ctx)
{
	struct { const char *name; uint8_t sid, cls, req; } e[16];
	size_t n = 0, i;
	unsigned sid, st, k;

	for (sid = 0; sid < 256; sid++)
		for (st = 0; st < 256; st++) {
			if (!dcp_st_ok((uint8_t)st) || dcp_fid_for((uint8_t)sid, (uint8_t)st) == 0)
				continue;
			for (k = SK_NONE; k <= SK_FRESET; k++) {
				struct dcp_ctx c = { 0 };
				const char *name;
				uint8_t cls = OTS_OP_OTHER, req = !(st & 1);

				c.sid = (uint8_t)sid;
				c.st = (uint8_t)st;
				c.set_kind = (enum dcp_set_kind)k;
				name = dcp_name(&c, &cls);
				for (i = 0; i < n; i++)
					if (e[i].sid == sid && !strcmp(e[i].name, name))
						break;
				if (i == n) {
					if (n == sizeof(e) / sizeof(e[0])) { /* not with 9 names */
						ots_fn_visit(visit, ctx, name, sid, OTS_OP__COUNT);
						continue;
					}
					e[n].name = name;
					e[n].sid = (uint8_t)sid;
					e[n].cls = cls;
					e[n].req = req;
					n++;
				} else if (req > e[i].req) {
					e[i].cls = cls;
					e[i].req = req;
				} else if (req == e[i].req && cls != e[i].cls) {
					e[i].cls = OTS_OP__COUNT;
				}
			}
		}
	for (i = 0; i < n; i++)
		ots_fn_visit(visit, ctx, e[i].name, e[i].sid, e[i].cls);
}

const struct ots_dissector ots_dissector_pndcp = {
	.name = "profinet_dcp",
	.id = OTS_PROTO_PNDCP,
	.transports = OTS_TR_ETHER,
	.ethertype = 0x8892,
	.ports = { 0 },
	.max_pdu = 1500,
	.state_size = 0,
	.probe = dcp_probe,
	.pdu_len = NULL,
	.parse = dcp_parse,
	.gap = NULL,
	.fini = NULL,
	.functions = dcp_functions,
};
