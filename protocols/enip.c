/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * enip.c: EtherNet/IP encapsulation and CIP explicit messaging dissector.
 *
 * Spec: The CIP Networks Library Vol. 1 (CIP) and Vol. 2 (EtherNet/IP adaptation), ODVA;
 * Logix tag services from Rockwell publication 1756-PM020 (Logix 5000 Data Access).
 *
 * Encapsulation header, 24 bytes, little-endian (TCP 44818 and UDP 44818):
 *   0        2        4          8        12               20        24
 *   +--------+--------+----------+--------+----------------+---------+------------------+
 *   |command | length | session  | status | sender context | options | data (length)    |
 *   +--------+--------+----------+--------+----------------+---------+------------------+
 * SendRRData / SendUnitData data: interface handle (4), timeout (2), Common Packet Format:
 *   item count (2), items { type (2), length (2), data }; 0x00B2 unconnected data = one CIP
 *   message router request/response, 0x00B1 connected data = sequence count (2) + CIP.
 * CIP request: service (bit 7 clear), path size in words, EPATH, data.
 * CIP response: service | 0x80, reserved, general status, additional status size (words),
 *   additional status, data.
 *
 * Ops: one per encapsulation PDU (command code; session housekeeping is class "other") and
 * one per CIP request/response, including every request embedded in a Multiple_Service_Packet
 * or an Unconnected_Send. Responses are paired with their request (sender context for
 * unconnected, sequence count for connected messages) to learn the target class, which
 * names class-specific services. Class 1 implicit I/O (UDP 2222, CPF without encapsulation)
 * is recognised but reports nothing per datagram: cyclic data, no operation.
 * Identity: ListIdentity responses and Identity object (class 1) Get_Attributes_All,
 * Get_Attribute_List and Get_Attribute_Single responses.
 *
 * Op classes: common services by their meaning (Reset = restart, Start/Stop = mode_change,
 * Set_* / Create / Delete / Apply / Save / Restore = write, Get_* = read; reads of the
 * Identity object = identity). Class-specific services need the class: Connection Manager
 * (0x06) services are session plumbing (other, diagnostic for connection data queries);
 * the File object (0x37) is file (it carries EDS files as often as images, so it is not
 * called firmware); vendor class 0xA1, which Rockwell's flash tools address during a firmware
 * update (EIP-FirmwareChangeFailure capture), is firmware; Logix tag services on symbolic
 * paths and vendor classes 0x64-0xC7 are read/write. Other class-specific services (Logix
 * controller internals such as 0x4B on class 0x8E) have no public meaning: "other".
 * Addresses are not reported: a CIP class/instance/attribute triple does not fit one range.
 * A RegisterSession request is flagged NO_SECURITY: EtherNet/IP sessions are unauthenticated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#include "enip-vendors.h"

#define EN_PORT 44818
#define EN_IO_PORT 2222
#define EN_HDR 24
#define EN_MAX_PDU (EN_HDR + 65535)
#define EN_PENDING 8       /* outstanding requests remembered per flow (pipelining is shallow) */
#define EN_SUB 16          /* embedded requests of one Multiple_Service_Packet remembered */
#define EN_DEPTH 4         /* nesting of Unconnected_Send / Multiple_Service_Packet */

#define CIP_CLASS_IDENTITY 0x01
#define CIP_CLASS_MSG_ROUTER 0x02
#define CIP_CLASS_CM 0x06
#define CIP_CLASS_FILE 0x37
#define CIP_CLASS_PCCC 0x67
#define CIP_CLASS_FW_UPDATE 0xA1 /* Rockwell vendor class used by firmware update tools */

#define SVC_MSP 0x0A
#define SVC_UCSEND 0x52

enum { EN_CMD_SEND_RR = 0x006F, EN_CMD_SEND_UNIT = 0x0070, EN_CMD_LIST_IDENTITY = 0x0063 };

struct en_cmd {
	uint16_t code;
	uint8_t cls;
	const char *name;
};

static const struct en_cmd en_cmds[] = {
	{ 0x0000, OTS_OP_OTHER, "nop" },
	{ 0x0004, OTS_OP_DISCOVERY, "list_services" },
	{ 0x0063, OTS_OP_DISCOVERY, "list_identity" },
	{ 0x0064, OTS_OP_DISCOVERY, "list_interfaces" },
	{ 0x0065, OTS_OP_OTHER, "register_session" },
	{ 0x0066, OTS_OP_OTHER, "unregister_session" },
	{ 0x006F, OTS_OP_OTHER, "send_rr_data" },
	{ 0x0070, OTS_OP_OTHER, "send_unit_data" },
	{ 0x0072, OTS_OP_OTHER, "indicate_status" },
	{ 0x0073, OTS_OP_OTHER, "cancel" },
};

struct en_svc {
	uint8_t code;
	uint8_t cls;
	const char *name;
};

/* Common services (Vol. 1 appendix A), valid on any class. */
static const struct en_svc en_generic[] = {
	{ 0x01, OTS_OP_READ, "get_attributes_all" },
	{ 0x02, OTS_OP_WRITE, "set_attributes_all" },
	{ 0x03, OTS_OP_READ, "get_attribute_list" },
	{ 0x04, OTS_OP_WRITE, "set_attribute_list" },
	{ 0x05, OTS_OP_RESTART, "reset" },
	{ 0x06, OTS_OP_MODE_CHANGE, "start" },
	{ 0x07, OTS_OP_MODE_CHANGE, "stop" },
	{ 0x08, OTS_OP_WRITE, "create" },
	{ 0x09, OTS_OP_WRITE, "delete" },
	{ 0x0A, OTS_OP_OTHER, "multiple_service_packet" },
	{ 0x0D, OTS_OP_WRITE, "apply_attributes" },
	{ 0x0E, OTS_OP_READ, "get_attribute_single" },
	{ 0x10, OTS_OP_WRITE, "set_attribute_single" },
	{ 0x11, OTS_OP_READ, "find_next_object_instance" },
	{ 0x14, OTS_OP_OTHER, "error_response" },
	{ 0x15, OTS_OP_WRITE, "restore" },
	{ 0x16, OTS_OP_WRITE, "save" },
	{ 0x17, OTS_OP_OTHER, "no_operation" },
	{ 0x18, OTS_OP_READ, "get_member" },
	{ 0x19, OTS_OP_WRITE, "set_member" },
	{ 0x1A, OTS_OP_WRITE, "insert_member" },
	{ 0x1B, OTS_OP_WRITE, "remove_member" },
	{ 0x1C, OTS_OP_OTHER, "group_sync" },
};

/* Connection Manager (class 0x06). */
static const struct en_svc en_cm[] = {
	{ 0x4E, OTS_OP_OTHER, "forward_close" },
	{ 0x52, OTS_OP_OTHER, "unconnected_send" },
	{ 0x54, OTS_OP_OTHER, "forward_open" },
	{ 0x56, OTS_OP_DIAGNOSTIC, "get_connection_data" },
	{ 0x57, OTS_OP_DIAGNOSTIC, "search_connection_data" },
	{ 0x5A, OTS_OP_DIAGNOSTIC, "get_connection_owner" },
	{ 0x5B, OTS_OP_OTHER, "large_forward_open" },
};

/* File object (class 0x37): EDS files, and program/firmware images on some devices. */
static const struct en_svc en_file[] = {
	{ 0x4B, OTS_OP_FILE, "initiate_upload" },
	{ 0x4C, OTS_OP_FILE, "initiate_download" },
	{ 0x4D, OTS_OP_FILE, "initiate_partial_read" },
	{ 0x4E, OTS_OP_FILE, "initiate_partial_write" },
	{ 0x4F, OTS_OP_FILE, "upload_transfer" },
	{ 0x50, OTS_OP_FILE, "download_transfer" },
	{ 0x51, OTS_OP_FILE, "clear_file" },
};

/* Logix tag services (symbolic paths, Symbol 0x6B / Template 0x6C and vendor classes). */
static const struct en_svc en_logix[] = {
	{ 0x4C, OTS_OP_READ, "read_tag" },
	{ 0x4D, OTS_OP_WRITE, "write_tag" },
	{ 0x4E, OTS_OP_WRITE, "read_modify_write_tag" },
	{ 0x52, OTS_OP_READ, "read_tag_fragmented" },
	{ 0x53, OTS_OP_WRITE, "write_tag_fragmented" },
	{ 0x55, OTS_OP_READ, "get_instance_attribute_list" },
};

/* What a request's path named. */
struct en_target {
	uint16_t cls;
	uint16_t attr;
	uint8_t has_cls;
	uint8_t has_attr;
	uint8_t symbolic;
};

struct en_pend {
	uint64_t key;
	uint8_t used;
	uint8_t svc;
	uint8_t has_emb;
	uint8_t emb_svc;
	struct en_target tgt;
	struct en_target emb;
	uint8_t n_sub;
	uint8_t sub_svc[EN_SUB];
	uint16_t sub_cls[EN_SUB];
	uint8_t sub_flags[EN_SUB]; /* bit 0: has class, bit 1: symbolic path */
};

struct en_state {
	uint8_t next;
	struct en_pend pend[EN_PENDING];
};

/* Per-PDU parsing context. */
struct en_ctx {
	struct en_state *st;
	const struct ots_dissect_out *out;
	uint8_t has_txn;
	uint32_t txn;
	uint8_t top_resp; /* first CIP message's direction, -1 unknown */
	uint8_t top_seen;
	struct en_pend *rec;   /* request being recorded (top level) */
	struct en_pend *found; /* pending request a response matched */
};

static const struct en_cmd *
en_cmd_lookup(uint16_t code)
{
	size_t i;

	for (i = 0; i < sizeof(en_cmds) / sizeof(en_cmds[0]); i++)
		if (en_cmds[i].code == code)
			return &en_cmds[i];
	return NULL;
}

static const struct en_svc *
en_svc_in(const struct en_svc *t, size_t n, uint8_t code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return &t[i];
	return NULL;
}

#define EN_IN(t, c) en_svc_in((t), sizeof(t) / sizeof((t)[0]), (c))

/* Name and op class of service svc (without the response bit) on target t. */
static void
en_service(uint8_t svc, const struct en_target *t, const char **name, uint8_t *cls)
{
	const struct en_svc *s = NULL;

	*name = "class_specific_service";
	*cls = OTS_OP_OTHER;
	if (svc < 0x4B) {
		s = EN_IN(en_generic, svc);
		if (!s) {
			*name = "reserved_service";
			return;
		}
		*name = s->name;
		*cls = s->cls;
		if (t && t->has_cls && t->cls == CIP_CLASS_IDENTITY && s->cls == OTS_OP_READ)
			*cls = OTS_OP_IDENTITY;
		return;
	}
	if (!t)
		return;
	if (t->has_cls && t->cls == CIP_CLASS_CM)
		s = EN_IN(en_cm, svc);
	else if (t->has_cls && t->cls == CIP_CLASS_FILE)
		s = EN_IN(en_file, svc);
	else if (t->has_cls && t->cls == CIP_CLASS_FW_UPDATE) {
		*name = "firmware_update";
		*cls = OTS_OP_FIRMWARE;
		return;
	} else if (t->has_cls && t->cls == CIP_CLASS_PCCC && svc == 0x4B) {
		*name = "execute_pccc";
		return;
	} else if (t->symbolic || (t->has_cls && t->cls >= 0x64 && t->cls <= 0xC7))
		s = EN_IN(en_logix, svc);
	if (s) {
		*name = s->name;
		*cls = s->cls;
	}
}

static int
en_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_ENIP, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static int
en_port(uint16_t p)
{
	return p == EN_PORT;
}

static int
en_status_ok(uint32_t st)
{
	return st == 0 || st == 1 || st == 2 || st == 3 || st == 0x64 || st == 0x65 || st == 0x69;
}

/* ---------------------------------------------------------------- framing and probe */

static long
en_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint16_t cmd, dlen;

	rd_init(&r, data, len);
	if (len < EN_HDR)
		return 0;
	cmd = rd_le16(&r);
	dlen = rd_le16(&r);
	if (!rd_ok(&r) || !en_cmd_lookup(cmd))
		return -1;
	return (long)EN_HDR + dlen;
}

/*
 * Class 0/1 implicit I/O datagram (UDP 2222): CPF with a sequenced address item (0x8002,
 * 8 bytes) and a connected data item (0x00B1) that ends the datagram.
 */
static int
en_is_io(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint16_t n, t1, l1, t2, l2;

	rd_init(&r, data, len);
	n = rd_le16(&r);
	t1 = rd_le16(&r);
	l1 = rd_le16(&r);
	rd_skip(&r, l1);
	t2 = rd_le16(&r);
	l2 = rd_le16(&r);
	if (!rd_ok(&r) || n != 2 || t1 != 0x8002 || l1 != 8 || t2 != 0x00B1)
		return 0;
	return rd_left(&r) == l2;
}

static int
en_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint16_t cmd, dlen, n;
	uint32_t status, opts, ifh;
	int score, port;

	port = pkt && (en_port(pkt->sport) || en_port(pkt->dport) ||
	               pkt->sport == EN_IO_PORT || pkt->dport == EN_IO_PORT);
	rd_init(&r, data, len);
	cmd = rd_le16(&r);
	dlen = rd_le16(&r);
	rd_skip(&r, 4);
	status = rd_le32(&r);
	rd_skip(&r, 8);
	opts = rd_le32(&r);
	if (!rd_ok(&r) || !en_cmd_lookup(cmd) || opts != 0 || !en_status_ok(status)) {
		if (en_is_io(data, len))
			return port ? 80 : 70;
		return OTS_PROBE_NO;
	}
	score = OTS_PROBE_MAYBE;
	switch (cmd) {
	case 0x0000:
		return port ? 30 : 20; /* NOP: too little structure to decide alone */
	case 0x0004: case 0x0063: case 0x0064:
		break;
	case 0x0065:
		if (dlen != 4)
			return OTS_PROBE_NO;
		if (rd_le16(&r) != 1 && rd_ok(&r))
			return OTS_PROBE_NO;
		break;
	case 0x0066:
		if (dlen != 0)
			return OTS_PROBE_NO;
		break;
	case EN_CMD_SEND_RR: case EN_CMD_SEND_UNIT:
		if (dlen < 8 && status == 0)
			return OTS_PROBE_NO;
		ifh = rd_le32(&r);
		rd_skip(&r, 2);
		n = rd_le16(&r);
		if (rd_ok(&r)) {
			if (ifh != 0 || n == 0 || n > 8)
				return OTS_PROBE_NO;
			score += 10;
		}
		break;
	default:
		break;
	}
	if (len == (size_t)EN_HDR + dlen)
		score += 20;
	else if (len > (size_t)EN_HDR + dlen && en_pdu_len(data + EN_HDR + dlen,
	                                                   len - EN_HDR - dlen) >= 0)
		score += 20;
	else if (len > (size_t)EN_HDR + dlen)
		return OTS_PROBE_NO;
	if (port)
		score += 10;
	return score > OTS_PROBE_SURE ? OTS_PROBE_SURE : score;
}

/* ---------------------------------------------------------------- pairing */

static struct en_pend *
en_find(struct en_state *st, uint64_t key)
{
	size_t i;

	if (!st)
		return NULL;
	for (i = 0; i < EN_PENDING; i++)
		if (st->pend[i].used && st->pend[i].key == key)
			return &st->pend[i];
	return NULL;
}

static struct en_pend *
en_slot(struct en_state *st, uint64_t key)
{
	struct en_pend *p;

	if (!st)
		return NULL;
	p = en_find(st, key);
	if (!p) {
		p = &st->pend[st->next % EN_PENDING];
		st->next = (uint8_t)((st->next + 1) % EN_PENDING);
	}
	memset(p, 0, sizeof(*p));
	p->key = key;
	return p;
}

/* ---------------------------------------------------------------- identity */

enum { EN_FMT_DEC, EN_FMT_REV, EN_FMT_HEX32 };

/* A numeric fact: decimal, "major.minor" or 0x%08x (tshark's rendering of serial numbers). */
static void
en_fact_num(const struct ots_dissect_out *out, uint8_t attr, const char *src, int fmt,
            unsigned a, unsigned b)
{
	char v[32];
	int k;

	if (fmt == EN_FMT_REV)
		k = snprintf(v, sizeof(v), "%u.%u", a, b);
	else if (fmt == EN_FMT_HEX32)
		k = snprintf(v, sizeof(v), "0x%08x", a);
	else
		k = snprintf(v, sizeof(v), "%u", a);
	if (k > 0 && (size_t)k < sizeof(v))
		ots_emit_fact(out, OTS_PROTO_ENIP, attr, OTS_SIDE_SENDER, 90, src, v, (size_t)k);
}

static void
en_fact_str(const struct ots_dissect_out *out, uint8_t attr, const char *src, const char *s)
{
	if (s)
		ots_emit_fact(out, OTS_PROTO_ENIP, attr, OTS_SIDE_SENDER, 90, src, s, strlen(s));
}

static void
en_fact_vendor(const struct ots_dissect_out *out, const char *src, uint16_t v)
{
	en_fact_num(out, OTS_FACT_VENDOR_ID, src, EN_FMT_DEC, v, 0);
	en_fact_str(out, OTS_FACT_VENDOR, src,
	            en_name_of(en_vendors, sizeof(en_vendors) / sizeof(en_vendors[0]), v));
}

static void
en_fact_devtype(const struct ots_dissect_out *out, const char *src, uint16_t v)
{
	const char *n = en_name_of(en_devtypes, sizeof(en_devtypes) / sizeof(en_devtypes[0]), v);

	if (n)
		en_fact_str(out, OTS_FACT_DEVICE_TYPE, src, n);
	else
		en_fact_num(out, OTS_FACT_DEVICE_TYPE, src, EN_FMT_DEC, v, 0);
}

/* Product name: SHORT_STRING, printable bytes only (trailing NULs some devices add cut). */
static void
en_fact_name(const struct ots_dissect_out *out, const char *src, const uint8_t *p, size_t n)
{
	size_t i;

	while (n > 0 && p[n - 1] == 0)
		n--;
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return;
	ots_emit_fact(out, OTS_PROTO_ENIP, OTS_FACT_MODEL, OTS_SIDE_SENDER, 90, src,
	              (const char *)p, n);
}

/*
 * Identity object attributes 1-7 as Get_Attributes_All and the ListIdentity item carry them:
 * vendor, device type, product code, revision (major, minor), status, serial, product name.
 */
static int
en_identity(struct ots_rd *r, const char *src, const struct ots_dissect_out *out)
{
	uint16_t vendor, dtype, pcode;
	uint8_t major, minor, nlen;
	uint32_t serial;
	const uint8_t *name;

	vendor = rd_le16(r);
	dtype = rd_le16(r);
	pcode = rd_le16(r);
	major = rd_u8(r);
	minor = rd_u8(r);
	rd_skip(r, 2); /* status */
	serial = rd_le32(r);
	nlen = rd_u8(r);
	name = rd_ptr(r, nlen);
	if (!rd_ok(r))
		return OTS_ETRUNC;
	en_fact_vendor(out, src, vendor);
	en_fact_devtype(out, src, dtype);
	en_fact_num(out, OTS_FACT_PRODUCT_CODE, src, EN_FMT_DEC, pcode, 0);
	en_fact_num(out, OTS_FACT_FIRMWARE, src, EN_FMT_REV, major, minor);
	en_fact_num(out, OTS_FACT_SERIAL, src, EN_FMT_HEX32, serial, 0);
	en_fact_name(out, src, name, nlen);
	return OTS_OK;
}

/* Get_Attribute_Single response data of Identity attribute attr. */
static void
en_identity_attr(struct ots_rd *r, uint16_t attr, const struct ots_dissect_out *out)
{
	static const char src[] = "CIP Identity";
	uint16_t v;
	uint8_t a, b, n;
	const uint8_t *p;

	switch (attr) {
	case 1:
		v = rd_le16(r);
		if (rd_ok(r))
			en_fact_vendor(out, src, v);
		break;
	case 2:
		v = rd_le16(r);
		if (rd_ok(r))
			en_fact_devtype(out, src, v);
		break;
	case 3:
		v = rd_le16(r);
		if (rd_ok(r))
			en_fact_num(out, OTS_FACT_PRODUCT_CODE, src, EN_FMT_DEC, v, 0);
		break;
	case 4:
		a = rd_u8(r);
		b = rd_u8(r);
		if (rd_ok(r))
			en_fact_num(out, OTS_FACT_FIRMWARE, src, EN_FMT_REV, a, b);
		break;
	case 6:
		p = rd_ptr(r, 4);
		if (p)
			en_fact_num(out, OTS_FACT_SERIAL, src, EN_FMT_HEX32,
			            (unsigned)p[0] | (unsigned)p[1] << 8 | (unsigned)p[2] << 16 |
			            (unsigned)p[3] << 24, 0);
		break;
	case 7:
		n = rd_u8(r);
		p = rd_ptr(r, n);
		if (p)
			en_fact_name(out, src, p, n);
		break;
	default:
		break;
	}
}

/*
 * Get_Attribute_List response data of the Identity object: count, then per attribute its id,
 * status and value. Values have no length field: stop at the first attribute whose size is
 * not known or whose status is not success.
 */
static void
en_identity_list(struct ots_rd *r, const struct ots_dissect_out *out)
{
	uint16_t n, i, id, st;

	n = rd_le16(r);
	for (i = 0; i < n && rd_ok(r); i++) {
		id = rd_le16(r);
		st = rd_le16(r);
		if (!rd_ok(r) || st != 0)
			return;
		switch (id) {
		case 1: case 2: case 3: case 4: case 6: case 7:
			en_identity_attr(r, id, out);
			break;
		case 5: case 9:
			rd_skip(r, 2);
			break;
		case 8: case 10:
			rd_skip(r, 1);
			break;
		default:
			return;
		}
	}
}

/* ---------------------------------------------------------------- CIP */

/* EPATH of a request: the first class, attribute; symbolic (ANSI extended) segments. */
static int
en_epath(struct ots_rd *p, struct en_target *t)
{
	uint8_t seg, n;
	uint32_t v;

	while (rd_left(p) > 0) {
		seg = rd_u8(p);
		if ((seg & 0xE0) == 0x20) { /* logical */
			uint8_t type = (seg >> 2) & 7, fmt = seg & 3;

			if (type == 5) { /* special: electronic key, format byte + 8 bytes */
				rd_skip(p, fmt == 0 ? 9 : 0);
				if (fmt != 0)
					return OTS_EINVAL;
				continue;
			}
			if (fmt == 0)
				v = rd_u8(p);
			else if (fmt == 1) {
				rd_skip(p, 1);
				v = rd_le16(p);
			} else if (fmt == 2) {
				rd_skip(p, 1);
				v = rd_le32(p);
			} else
				return OTS_EINVAL;
			if (type == 0 && !t->has_cls) {
				t->has_cls = 1;
				t->cls = (uint16_t)(v > 0xffff ? 0xffff : v);
			} else if (type == 4 && !t->has_attr) {
				t->has_attr = 1;
				t->attr = (uint16_t)(v > 0xffff ? 0xffff : v);
			}
		} else if (seg < 0x20) { /* port segment */
			if (seg & 0x10) {
				n = rd_u8(p);
				if ((seg & 0x0F) == 0x0F)
					rd_skip(p, 2);
				rd_skip(p, (size_t)n + (n & 1));
			} else {
				if ((seg & 0x0F) == 0x0F)
					rd_skip(p, 2);
				rd_skip(p, 1);
			}
		} else if (seg == 0x91) { /* ANSI extended symbol */
			n = rd_u8(p);
			rd_skip(p, (size_t)n + (n & 1));
			t->symbolic = 1;
		} else if (seg == 0x80) { /* simple data segment, length in words */
			n = rd_u8(p);
			rd_skip(p, (size_t)n * 2);
		} else if ((seg & 0xE0) == 0x40) { /* network segment */
			if (seg == 0x50) {
				n = rd_u8(p);
				rd_skip(p, (size_t)n * 2);
			} else
				rd_skip(p, 1);
		} else {
			return OTS_EINVAL;
		}
		if (!rd_ok(p))
			return OTS_EINVAL;
	}
	return OTS_OK;
}

static int en_cip(struct en_ctx *c, struct ots_rd *r, const struct en_target *hint,
                  uint8_t hint_svc, int depth, int sub_index);

/* Remember an embedded request's target (sub_index >= 0: MSP entry; -1: UCMM message). */
static void
en_record(struct en_ctx *c, int sub_index, uint8_t svc, const struct en_target *t)
{
	struct en_pend *p = c->rec;

	if (!p)
		return;
	if (sub_index < 0) {
		p->has_emb = 1;
		p->emb_svc = svc;
		p->emb = *t;
	} else if (sub_index < EN_SUB) {
		p->sub_svc[sub_index] = svc;
		p->sub_cls[sub_index] = t->cls;
		p->sub_flags[sub_index] = (uint8_t)((t->has_cls ? 1 : 0) | (t->symbolic ? 2 : 0));
		if (p->n_sub < sub_index + 1)
			p->n_sub = (uint8_t)(sub_index + 1);
	}
}

/* Multiple_Service_Packet body: count, offsets from the count, embedded messages. */
static int
en_msp(struct en_ctx *c, struct ots_rd *r, int depth, int is_resp)
{
	const uint8_t *base;
	size_t blen, i, n, next;
	uint16_t cnt, off;
	struct ots_rd body, offs;
	int rc = OTS_OK, rc2;

	base = rd_rest(r, &blen);
	if (!base)
		return OTS_ETRUNC;
	rd_init(&body, base, blen);
	cnt = rd_le16(&body);
	if (!rd_ok(&body))
		return en_bad(c->out, "msp_short");
	if ((size_t)cnt > (blen - 2) / 2)
		return en_bad(c->out, "msp_bad_count");
	offs = rd_sub(&body, (size_t)cnt * 2);
	n = cnt;
	for (i = 0; i < n; i++) {
		struct ots_rd one;
		struct en_target hint = { 0 };
		const struct en_pend *f = c->found;
		uint8_t hsvc = 0;

		off = rd_le16(&offs);
		if (i + 1 < n) {
			int ok;
			/* the next offset ends this message */
			next = (size_t)rd_peek_u8(&offs, 0, &ok) | (size_t)rd_peek_u8(&offs, 1, &ok) << 8;
			if (!ok)
				return en_bad(c->out, "msp_bad_offset");
		} else {
			next = blen;
		}
		if (off < 2 + (size_t)cnt * 2 || off > blen || next < off || next > blen)
			return en_bad(c->out, "msp_bad_offset");
		rd_init(&one, base + off, next - off);
		if (is_resp && f && i < f->n_sub) {
			hint.has_cls = f->sub_flags[i] & 1;
			hint.symbolic = (f->sub_flags[i] >> 1) & 1;
			hint.cls = f->sub_cls[i];
			hsvc = f->sub_svc[i];
		}
		rc2 = en_cip(c, &one, is_resp ? &hint : NULL, hsvc, depth + 1, (int)i);
		if (rc2 != OTS_OK && rc == OTS_OK)
			rc = rc2;
	}
	rd_skip(r, blen);
	return rc;
}

/* Unconnected_Send request body: embedded message request, then the route path. */
static int
en_ucsend(struct en_ctx *c, struct ots_rd *r, int depth)
{
	uint16_t mlen;
	uint8_t rsize;
	struct ots_rd msg;
	int rc;

	rd_skip(r, 2); /* priority/tick time, timeout ticks */
	mlen = rd_le16(r);
	if (!rd_ok(r))
		return en_bad(c->out, "ucsend_short");
	msg = rd_sub(r, mlen);
	if (!rd_ok(r))
		return en_bad(c->out, "ucsend_bad_length");
	if (mlen & 1)
		rd_skip(r, 1);
	rsize = rd_u8(r);
	rd_skip(r, 1);
	rd_skip(r, (size_t)rsize * 2);
	rc = en_cip(c, &msg, NULL, 0, depth + 1, -1);
	if (!rd_ok(r) && rc == OTS_OK)
		rc = en_bad(c->out, "ucsend_bad_route");
	return rc;
}

/*
 * One CIP message router request or response in r (the whole window). hint: the target of
 * the request a response answers (NULL when unknown); sub_index: position in an enclosing
 * Multiple_Service_Packet, -1 for an Unconnected_Send message, -2 at top level.
 */
static int
en_cip(struct en_ctx *c, struct ots_rd *r, const struct en_target *hint, uint8_t hint_svc,
       int depth, int sub_index)
{
	struct ots_ics_op op = { 0 };
	struct en_target t = { 0 };
	uint8_t svc, words, gstat, asize, cls;
	const char *name;
	struct ots_rd path;
	int rc = OTS_OK;

	if (depth > EN_DEPTH)
		return en_bad(c->out, "cip_too_deep");
	svc = rd_u8(r);
	if (!rd_ok(r))
		return en_bad(c->out, "cip_empty");
	op.proto = OTS_PROTO_ENIP;
	op.function = svc;
	op.has_transaction = c->has_txn;
	op.transaction = c->txn;
	if (!c->top_seen) {
		c->top_seen = 1;
		c->top_resp = (svc & 0x80) != 0;
	}

	if (!(svc & 0x80)) {
		words = rd_u8(r);
		path = rd_sub(r, (size_t)words * 2);
		if (!rd_ok(r))
			rc = en_bad(c->out, "cip_bad_path_size");
		else if (en_epath(&path, &t) != OTS_OK)
			rc = en_bad(c->out, "cip_bad_path");
		en_service(svc, &t, &name, &cls);
		op.function_name = name;
		op.op_class = cls;
		if (sub_index == -2 && c->rec) {
			c->rec->svc = svc;
			c->rec->tgt = t;
		} else if (sub_index != -2) {
			en_record(c, sub_index, svc, &t);
		}
		ots_emit_op(c->out, &op);
		if (rc != OTS_OK)
			return rc;
		if (svc == SVC_MSP && sub_index == -2)
			return en_msp(c, r, depth, 0);
		if (svc == SVC_MSP && sub_index == -1) {
			/* an MSP carried by Unconnected_Send: its entries are the recorded subs */
			return en_msp(c, r, depth, 0);
		}
		if (svc == SVC_UCSEND && t.has_cls && t.cls == CIP_CLASS_CM && sub_index == -2)
			return en_ucsend(c, r, depth);
		return OTS_OK;
	}

	/* response */
	op.is_response = 1;
	rd_skip(r, 1); /* reserved */
	gstat = rd_u8(r);
	asize = rd_u8(r);
	rd_skip(r, (size_t)asize * 2);
	if (hint && hint_svc == (svc & 0x7f))
		t = *hint;
	en_service(svc & 0x7f, hint ? &t : NULL, &name, &cls);
	op.function_name = name;
	op.op_class = cls;
	if (rd_ok(r) && gstat != 0) {
		op.has_exception = 1;
		op.exception = gstat;
	}
	ots_emit_op(c->out, &op);
	if (!rd_ok(r))
		return en_bad(c->out, "cip_short_response");
	if ((svc & 0x7f) == SVC_MSP && (gstat == 0 || gstat == 0x1E) && rd_left(r) > 0)
		return en_msp(c, r, depth, 1);
	if (gstat == 0 && t.has_cls && t.cls == CIP_CLASS_IDENTITY) {
		if ((svc & 0x7f) == 0x01) {
			if (en_identity(r, "CIP Identity", c->out) != OTS_OK)
				return en_bad(c->out, "identity_short");
		} else if ((svc & 0x7f) == 0x0E && t.has_attr) {
			en_identity_attr(r, t.attr, c->out);
		} else if ((svc & 0x7f) == 0x03) {
			en_identity_list(r, c->out);
		}
	}
	return OTS_OK;
}

/* ---------------------------------------------------------------- encapsulation */

/* CPF of SendRRData / SendUnitData: find the data item and walk its CIP message. */
static int
en_send_data(struct en_ctx *c, struct ots_rd *r, uint16_t cmd, uint64_t ctxid)
{
	uint16_t n, i, type, ilen, seq = 0;
	struct ots_rd item, cip;
	int have = 0, connected = 0, rc;
	uint64_t key;
	uint8_t svc;
	int ok;

	rd_skip(r, 6); /* interface handle, timeout */
	n = rd_le16(r);
	if (!rd_ok(r))
		return en_bad(c->out, "cpf_short");
	if (n > rd_left(r) / 4)
		return en_bad(c->out, "cpf_bad_count");
	for (i = 0; i < n; i++) {
		type = rd_le16(r);
		ilen = rd_le16(r);
		item = rd_sub(r, ilen);
		if (!rd_ok(r))
			return en_bad(c->out, "cpf_bad_item_length");
		if (have)
			continue;
		if (type == 0x00B2) {
			cip = item;
			have = 1;
		} else if (type == 0x00B1) {
			seq = rd_le16(&item);
			if (!rd_ok(&item))
				return en_bad(c->out, "cpf_short_connected");
			cip = item;
			have = 1;
			connected = 1;
		}
	}
	if (rd_left(r) != 0)
		return en_bad(c->out, "cpf_trailing");
	if (!have || rd_left(&cip) == 0)
		return OTS_OK;
	(void)cmd;
	if (connected) {
		key = 0x1000000000000000ull ^ ((uint64_t)seq << 32) ^ 0xC0;
		c->has_txn = 1;
		c->txn = seq;
	} else {
		key = ctxid;
		c->has_txn = 1;
		c->txn = (uint32_t)ctxid;
	}
	svc = rd_peek_u8(&cip, 0, &ok);
	if (!(svc & 0x80)) {
		c->rec = en_slot(c->st, key);
		if (c->rec)
			c->rec->used = 1;
		rc = en_cip(c, &cip, NULL, 0, 0, -2);
		return rc;
	}
	c->found = en_find(c->st, key);
	if (c->found) {
		const struct en_pend *f = c->found;

		if (f->svc == (svc & 0x7f))
			rc = en_cip(c, &cip, &f->tgt, f->svc, 0, -2);
		else if (f->has_emb && f->emb_svc == (svc & 0x7f))
			rc = en_cip(c, &cip, &f->emb, f->emb_svc, 0, -2);
		else
			rc = en_cip(c, &cip, NULL, 0, 0, -2);
		c->found->used = 0;
		return rc;
	}
	return en_cip(c, &cip, NULL, 0, 0, -2);
}

/* ListIdentity response: CPF items, 0x000C identity items. */
static int
en_list_identity(struct en_ctx *c, struct ots_rd *r)
{
	uint16_t n, i, type, ilen;
	struct ots_rd item;

	n = rd_le16(r);
	if (!rd_ok(r))
		return en_bad(c->out, "cpf_short");
	if (n > rd_left(r) / 4)
		return en_bad(c->out, "cpf_bad_count");
	for (i = 0; i < n; i++) {
		type = rd_le16(r);
		ilen = rd_le16(r);
		item = rd_sub(r, ilen);
		if (!rd_ok(r))
			return en_bad(c->out, "cpf_bad_item_length");
		if (type != 0x000C)
			continue;
		rd_skip(&item, 2 + 16); /* encapsulation version, socket address */
		if (en_identity(&item, "ListIdentity", c->out) != OTS_OK)
			return en_bad(c->out, "identity_short");
		rd_skip(&item, 1); /* state */
		if (!rd_ok(&item))
			return en_bad(c->out, "identity_short");
	}
	return OTS_OK;
}

static int
en_is_response(const struct ots_dissect_pkt *pkt)
{
	if (!pkt)
		return 0;
	if (en_port(pkt->sport) && !en_port(pkt->dport))
		return 1;
	if (en_port(pkt->dport) && !en_port(pkt->sport))
		return 0;
	return pkt->dir != 0;
}

static int
en_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct ots_rd r, body;
	struct ots_ics_op op = { 0 };
	struct en_ctx c;
	const struct en_cmd *cmd;
	uint16_t code, dlen;
	uint32_t status, opts;
	uint64_t ctxid;
	int rc = OTS_OK;

	rd_init(&r, data, len);
	code = rd_le16(&r);
	dlen = rd_le16(&r);
	rd_skip(&r, 4); /* session handle */
	status = rd_le32(&r);
	ctxid = rd_le64(&r);
	opts = rd_le32(&r);
	cmd = en_cmd_lookup(code);
	if (!cmd && len >= 2 && en_is_io(data, len))
		return OTS_OK; /* class 0/1 implicit I/O: nothing to report per datagram */
	if (!rd_ok(&r)) {
		if (len >= 2 && !cmd)
			return en_bad(out, "unknown_command");
		return OTS_ETRUNC;
	}
	if (!cmd)
		return en_bad(out, "unknown_command");
	if (rd_left(&r) < dlen)
		return en_bad(out, "short_pdu");
	if (rd_left(&r) > dlen)
		return en_bad(out, "length_mismatch");
	body = rd_sub(&r, dlen);

	memset(&c, 0, sizeof(c));
	c.st = state;
	c.out = out;

	op.proto = OTS_PROTO_ENIP;
	op.function = code;
	op.function_name = cmd->name;
	op.op_class = cmd->cls;
	op.is_response = (uint8_t)en_is_response(pkt);
	if (code == 0x0004 || code == 0x0063 || code == 0x0064)
		op.is_response = dlen > 0;
	if (code == EN_CMD_SEND_RR) {
		op.has_transaction = 1;
		op.transaction = (uint32_t)ctxid;
	}
	if (status != 0) {
		op.has_exception = 1;
		op.exception = status;
	}
	if (code == EN_CMD_SEND_RR || code == EN_CMD_SEND_UNIT) {
		/* direction from the CIP service bit when there is one */
		struct ots_rd peek = body;
		uint16_t n, i, type, ilen;
		struct ots_rd item;
		int ok;

		rd_skip(&peek, 6);
		n = rd_le16(&peek);
		for (i = 0; i < n && rd_ok(&peek); i++) {
			type = rd_le16(&peek);
			ilen = rd_le16(&peek);
			item = rd_sub(&peek, ilen);
			if (type == 0x00B2 || type == 0x00B1) {
				uint8_t s = rd_peek_u8(&item, type == 0x00B1 ? 2 : 0, &ok);

				if (type == 0x00B1 && ok) {
					op.has_transaction = 1;
					op.transaction = rd_le16(&item);
				}

				if (ok)
					op.is_response = (s & 0x80) != 0;
				break;
			}
		}
	}
	ots_emit_op(out, &op);
	if (opts != 0)
		return en_bad(out, "nonzero_options");

	switch (code) {
	case EN_CMD_SEND_RR: case EN_CMD_SEND_UNIT:
		if (status != 0 && dlen == 0)
			return OTS_OK;
		rc = en_send_data(&c, &body, code, ctxid);
		break;
	case EN_CMD_LIST_IDENTITY:
		if (dlen > 0)
			rc = en_list_identity(&c, &body);
		break;
	case 0x0065:
		/* A session any host may open (EtherNet/IP has no authentication) is what the
		 * protocol is, not an observation: the zone layer knows it by protocol name, and a
		 * flag on every session would bury the flags that say something. */
		if (dlen != 4)
			rc = en_bad(out, "register_bad_length");
		break;
	default:
		break;
	}
	return rc;
}

static void
en_gap(void *state, int dir)
{
	struct en_state *st = state;

	(void)dir;
	if (st)
		memset(st->pend, 0, sizeof(st->pend));
}

/* Catalog: encapsulation commands, then CIP services through en_service() itself: common
 * services (a read of the Identity object is identity), the per-class tables and the names
 * en_service() falls back to. */
static void
en_functions(ots_fn_visit_fn visit, void *ctx)
{
	static const struct en_target ident = { CIP_CLASS_IDENTITY, 0, 1, 0, 0 };
	static const struct en_target fw = { CIP_CLASS_FW_UPDATE, 0, 1, 0, 0 };
	static const struct en_target pccc = { CIP_CLASS_PCCC, 0, 1, 0, 0 };
	const char *name;
	uint8_t cls, cls2;
	size_t i;

	for (i = 0; i < sizeof(en_cmds) / sizeof(en_cmds[0]); i++)
		ots_fn_visit(visit, ctx, en_cmds[i].name, en_cmds[i].code, en_cmds[i].cls);
	for (i = 0; i < sizeof(en_generic) / sizeof(en_generic[0]); i++) {
		en_service(en_generic[i].code, NULL, &name, &cls);
		en_service(en_generic[i].code, &ident, &name, &cls2);
		ots_fn_visit(visit, ctx, name, en_generic[i].code, cls == cls2 ? cls : OTS_OP__COUNT);
	}
	for (i = 0; i < sizeof(en_cm) / sizeof(en_cm[0]); i++)
		ots_fn_visit(visit, ctx, en_cm[i].name, en_cm[i].code, en_cm[i].cls);
	for (i = 0; i < sizeof(en_file) / sizeof(en_file[0]); i++)
		ots_fn_visit(visit, ctx, en_file[i].name, en_file[i].code, en_file[i].cls);
	for (i = 0; i < sizeof(en_logix) / sizeof(en_logix[0]); i++)
		ots_fn_visit(visit, ctx, en_logix[i].name, en_logix[i].code, en_logix[i].cls);
	en_service(0x4B, &fw, &name, &cls);
	ots_fn_visit(visit, ctx, name, OTS_FN_CODE_NONE, cls);
	en_service(0x4B, &pccc, &name, &cls);
	ots_fn_visit(visit, ctx, name, 0x4B, cls);
	ots_fn_visit(visit, ctx, "reserved_service", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "class_specific_service", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_enip = {
	.name = "enip",
	.id = OTS_PROTO_ENIP,
	.transports = OTS_TR_TCP | OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { EN_PORT, EN_IO_PORT },
	.max_pdu = EN_MAX_PDU,
	.state_size = sizeof(struct en_state),
	.probe = en_probe,
	.pdu_len = en_pdu_len,
	.parse = en_parse,
	.gap = en_gap,
	.fini = NULL,
	.functions = en_functions,
};
