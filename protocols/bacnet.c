/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bacnet.c: BACnet/IP dissector (BVLC Annex J, NPDU clause 6, APDU clause 20).
 *
 * Spec: ANSI/ASHRAE 135 (BACnet), Annex J (BACnet/IP), clause 6 (network layer), clause 20
 * (APDU encoding, tags), clause 21 (ASN.1 of the services).
 *
 *   BVLC  | 0x81 | func | length (BE16, the whole datagram) | [6 bytes orig. B/IP addr: 0x04]
 *   NPDU  | 0x01 | control | [DNET DLEN DADR] [SNET SLEN SADR] [hop count] | [msg type]
 *   APDU  | type<<4|flags | ... invoke id ... service choice | tagged service data
 *
 * One op per datagram. function_code:
 *   confirmed service (request, simple/complex ACK, error)  = service choice (0..255)
 *   unconfirmed service                                      = 0x100 | service choice
 *   network layer message                                    = 0x200 | message type
 *   BVLC function carrying no NPDU (result, BDT, FDT ...)     = 0x300 | BVLC function
 *   segment ACK / reject / abort                             = 0x400 | APDU type (4, 6, 7)
 * Errors carry exception = error class << 16 | error code; reject and abort carry their
 * reason. Responses take the class (and unit) of their request, paired by invoke id.
 * Segmented messages: each segment is one op; the service data of the first segment is
 * decoded as far as it goes, later segments are counted only (no reassembly).
 * unit = the device instance of a device object the PDU names (I-Am, the object of a
 * ReadProperty ...), else the one learned for that side of the flow.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#include "protocols/bacnet-vendors.h"

#define BN_PORT 47808
#define BN_BVLC_TYPE 0x81
#define BN_PENDING 16
#define BN_MAX_TAG_DEPTH 32
#define BN_OBJ_DEVICE 8
#define BN_WILDCARD 4194303u

/* APDU types */
enum { BN_CONF = 0, BN_UNCONF = 1, BN_SACK = 2, BN_CACK = 3, BN_SEGACK = 4, BN_ERROR = 5,
       BN_REJECT = 6, BN_ABORT = 7 };

struct bn_svc {
	uint8_t cls;
	const char *name;
};

static const struct bn_svc bn_confirmed[] = {
	[0] = { OTS_OP_EVENT, "acknowledge_alarm" },
	[1] = { OTS_OP_EVENT, "confirmed_cov_notification" },
	[2] = { OTS_OP_EVENT, "confirmed_event_notification" },
	[3] = { OTS_OP_READ, "get_alarm_summary" },
	[4] = { OTS_OP_READ, "get_enrollment_summary" },
	[5] = { OTS_OP_READ, "subscribe_cov" },
	[6] = { OTS_OP_FILE, "atomic_read_file" },
	[7] = { OTS_OP_FILE, "atomic_write_file" },
	[8] = { OTS_OP_WRITE, "add_list_element" },
	[9] = { OTS_OP_WRITE, "remove_list_element" },
	[10] = { OTS_OP_WRITE, "create_object" },
	[11] = { OTS_OP_WRITE, "delete_object" },
	[12] = { OTS_OP_READ, "read_property" },
	[13] = { OTS_OP_READ, "read_property_conditional" },
	[14] = { OTS_OP_READ, "read_property_multiple" },
	[15] = { OTS_OP_WRITE, "write_property" },
	[16] = { OTS_OP_WRITE, "write_property_multiple" },
	[17] = { OTS_OP_MODE_CHANGE, "device_communication_control" },
	[18] = { OTS_OP_OTHER, "confirmed_private_transfer" },
	[19] = { OTS_OP_OTHER, "confirmed_text_message" },
	[20] = { OTS_OP_RESTART, "reinitialize_device" },
	[21] = { OTS_OP_OTHER, "vt_open" },
	[22] = { OTS_OP_OTHER, "vt_close" },
	[23] = { OTS_OP_OTHER, "vt_data" },
	[24] = { OTS_OP_AUTH, "authenticate" },
	[25] = { OTS_OP_AUTH, "request_key" },
	[26] = { OTS_OP_READ, "read_range" },
	[27] = { OTS_OP_CONTROL, "life_safety_operation" },
	[28] = { OTS_OP_READ, "subscribe_cov_property" },
	[29] = { OTS_OP_READ, "get_event_information" },
	[30] = { OTS_OP_READ, "subscribe_cov_property_multiple" },
	[31] = { OTS_OP_EVENT, "confirmed_cov_notification_multiple" },
	[32] = { OTS_OP_EVENT, "confirmed_audit_notification" },
	[33] = { OTS_OP_READ, "audit_log_query" },
};

static const struct bn_svc bn_unconfirmed[] = {
	[0] = { OTS_OP_IDENTITY, "i_am" },
	[1] = { OTS_OP_IDENTITY, "i_have" },
	[2] = { OTS_OP_EVENT, "unconfirmed_cov_notification" },
	[3] = { OTS_OP_EVENT, "unconfirmed_event_notification" },
	[4] = { OTS_OP_OTHER, "unconfirmed_private_transfer" },
	[5] = { OTS_OP_OTHER, "unconfirmed_text_message" },
	[6] = { OTS_OP_TIME_SYNC, "time_synchronization" },
	[7] = { OTS_OP_DISCOVERY, "who_has" },
	[8] = { OTS_OP_DISCOVERY, "who_is" },
	[9] = { OTS_OP_TIME_SYNC, "utc_time_synchronization" },
	[10] = { OTS_OP_WRITE, "write_group" },
	[11] = { OTS_OP_EVENT, "unconfirmed_cov_notification_multiple" },
	[12] = { OTS_OP_EVENT, "unconfirmed_audit_notification" },
	[13] = { OTS_OP_DISCOVERY, "who_am_i" },
	[14] = { OTS_OP_WRITE, "you_are" },
};

static const struct bn_svc bn_netmsg[] = {
	[0x00] = { OTS_OP_DISCOVERY, "who_is_router_to_network" },
	[0x01] = { OTS_OP_DISCOVERY, "i_am_router_to_network" },
	[0x02] = { OTS_OP_DISCOVERY, "i_could_be_router_to_network" },
	[0x03] = { OTS_OP_OTHER, "reject_message_to_network" },
	[0x04] = { OTS_OP_OTHER, "router_busy_to_network" },
	[0x05] = { OTS_OP_OTHER, "router_available_to_network" },
	[0x06] = { OTS_OP_WRITE, "initialize_routing_table" },
	[0x07] = { OTS_OP_WRITE, "initialize_routing_table_ack" },
	[0x08] = { OTS_OP_OTHER, "establish_connection_to_network" },
	[0x09] = { OTS_OP_OTHER, "disconnect_connection_to_network" },
	[0x0a] = { OTS_OP_AUTH, "challenge_request" },
	[0x0b] = { OTS_OP_OTHER, "security_payload" },
	[0x0c] = { OTS_OP_AUTH, "security_response" },
	[0x0d] = { OTS_OP_AUTH, "request_key_update" },
	[0x0e] = { OTS_OP_AUTH, "update_key_set" },
	[0x0f] = { OTS_OP_AUTH, "update_distribution_key" },
	[0x10] = { OTS_OP_AUTH, "request_master_key" },
	[0x11] = { OTS_OP_AUTH, "set_master_key" },
	[0x12] = { OTS_OP_DISCOVERY, "what_is_network_number" },
	[0x13] = { OTS_OP_DISCOVERY, "network_number_is" },
};

static const struct bn_svc bn_bvlc[] = {
	[0x00] = { OTS_OP_OTHER, "bvlc_result" },
	[0x01] = { OTS_OP_WRITE, "write_broadcast_distribution_table" },
	[0x02] = { OTS_OP_READ, "read_broadcast_distribution_table" },
	[0x03] = { OTS_OP_READ, "read_broadcast_distribution_table_ack" },
	[0x04] = { OTS_OP_OTHER, "forwarded_npdu" },
	[0x05] = { OTS_OP_OTHER, "register_foreign_device" },
	[0x06] = { OTS_OP_READ, "read_foreign_device_table" },
	[0x07] = { OTS_OP_READ, "read_foreign_device_table_ack" },
	[0x08] = { OTS_OP_WRITE, "delete_foreign_device_table_entry" },
	[0x09] = { OTS_OP_OTHER, "distribute_broadcast_to_network" },
	[0x0a] = { OTS_OP_OTHER, "original_unicast_npdu" },
	[0x0b] = { OTS_OP_OTHER, "original_broadcast_npdu" },
	[0x0c] = { OTS_OP_OTHER, "secure_bvll" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Confirmed services the standard answers with a ComplexACK (the rest: SimpleACK). */
static int
bn_complex_service(uint8_t s)
{
	switch (s) {
	case 3: case 4: case 6: case 7: case 10: case 12: case 13: case 14: case 18: case 21:
	case 23: case 24: case 25: case 26: case 29: case 33:
		return 1;
	default:
		return 0;
	}
}

struct bn_pending {
	uint8_t used;
	uint8_t dir;        /* direction the request travelled */
	uint8_t invoke;
	uint8_t service;
	uint8_t has_unit;
	uint32_t unit;
};

struct bn_state {
	uint8_t dev_known[2];   /* device instance learned for the sender of direction d */
	uint32_t dev[2];
	uint8_t next;
	uint32_t segments;      /* segmented APDUs seen (counted, not reassembled) */
	struct bn_pending pend[BN_PENDING];
};

/* ------------------------------------------------------------------ tags (clause 20.2.1) */

struct bn_tag {
	uint32_t num;
	uint32_t len;     /* content length (0 for opening/closing, boolean value in lvt) */
	uint8_t ctx;      /* context specific */
	uint8_t open;
	uint8_t close;
	uint8_t lvt;
};

/* Reads one tag header; the content (len bytes) is left for the caller. */
static int
bn_tag(struct ots_rd *r, struct bn_tag *t)
{
	uint8_t b = rd_u8(r), l;

	t->num = b >> 4;
	t->ctx = (b >> 3) & 1;
	t->lvt = b & 7;
	t->open = t->close = 0;
	t->len = 0;
	if (t->num == 15)
		t->num = rd_u8(r);
	if (!rd_ok(r))
		return OTS_ETRUNC;
	if (t->ctx && t->lvt == 6) {
		t->open = 1;
		return OTS_OK;
	}
	if (t->ctx && t->lvt == 7) {
		t->close = 1;
		return OTS_OK;
	}
	if (!t->ctx && t->num == 1) /* application boolean: value in lvt, no content */
		return t->lvt <= 1 ? OTS_OK : OTS_EINVAL;
	if (t->lvt < 5) {
		t->len = t->lvt;
	} else if (t->lvt == 5) {
		l = rd_u8(r);
		if (l == 254)
			t->len = rd_be16(r);
		else if (l == 255)
			t->len = rd_be32(r);
		else
			t->len = l;
	} else {
		return OTS_EINVAL; /* lvt 6/7 on an application tag */
	}
	if (!rd_ok(r))
		return OTS_ETRUNC;
	if (t->len > rd_left(r)) {
		rd_fail(r, OTS_ETRUNC);
		return OTS_ETRUNC;
	}
	return OTS_OK;
}

/* A service decoder's failure: truncated when the reader ran out, else malformed. */
#define BN_FAIL(r) ((r)->err == OTS_ETRUNC ? OTS_ETRUNC : OTS_EINVAL)

/* Unsigned big-endian value of 1..4 bytes borrowed from the reader. */
static uint32_t
bn_uint(const uint8_t *p, uint32_t n)
{
	struct ots_rd r;
	uint32_t v = 0, i;

	rd_init(&r, p, n);
	for (i = 0; i < n && i < 4; i++)
		v = (v << 8) | rd_u8(&r);
	return v;
}

/* A primitive value of at most 4 bytes with the expected tag; returns 0 when it is not. */
static int
bn_read_uint(struct ots_rd *r, int ctx, uint32_t num, uint32_t *v)
{
	struct bn_tag t;
	const uint8_t *p;

	if (bn_tag(r, &t) != OTS_OK || t.open || t.close || t.ctx != ctx || t.num != num ||
	    t.len < 1 || t.len > 4)
		return 0;
	p = rd_ptr(r, t.len);
	if (!p)
		return 0;
	*v = bn_uint(p, t.len);
	return 1;
}

/* Peek at the next tag without consuming it. */
static int
bn_peek(const struct ots_rd *r, struct bn_tag *t)
{
	struct ots_rd c = *r;

	return bn_tag(&c, t);
}

/* Skip one element: a primitive tag and its content, or an opening tag up to its close. */
static int
bn_skip(struct ots_rd *r)
{
	struct bn_tag t;
	int depth = 0, rc;

	do {
		rc = bn_tag(r, &t);
		if (rc != OTS_OK)
			return rc;
		if (t.open) {
			if (++depth > BN_MAX_TAG_DEPTH)
				return OTS_EINVAL;
		} else if (t.close) {
			if (--depth < 0)
				return OTS_EINVAL;
		} else {
			rd_skip(r, t.len);
			if (!rd_ok(r))
				return OTS_ETRUNC;
		}
	} while (depth > 0);
	return OTS_OK;
}

/* ------------------------------------------------------------------ helpers */

static int
bn_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_BACNET, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static void
bn_emit_uint_fact(const struct ots_dissect_out *out, uint8_t attr, const char *src, uint32_t v)
{
	char buf[12];
	int n = snprintf(buf, sizeof(buf), "%u", (unsigned)v);

	if (n > 0)
		ots_emit_fact(out, OTS_PROTO_BACNET, attr, OTS_SIDE_SENDER, 90, src, buf, (size_t)n);
}

static void
bn_emit_vendor(const struct ots_dissect_out *out, const char *src, uint32_t vid)
{
	const char *name;

	bn_emit_uint_fact(out, OTS_FACT_VENDOR_ID, src, vid);
	if (vid < NELEM(bn_vendor_names)) {
		name = bn_vendor_names[vid];
		ots_emit_fact(out, OTS_PROTO_BACNET, OTS_FACT_VENDOR, OTS_SIDE_SENDER, 80, src, name,
		              strlen(name));
	}
}

static void
bn_set_unit(struct ots_ics_op *op, uint32_t objid)
{
	if ((objid >> 22) == BN_OBJ_DEVICE) {
		op->has_unit = 1;
		op->unit = objid & 0x3fffff;
	}
}

static void
bn_set_addr(struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	op->has_addr = 1;
	op->addr_start = start;
	op->addr_count = count;
}

/* Device property -> fact attribute (0xff: not an identity property). */
static uint8_t
bn_prop_attr(uint32_t prop)
{
	switch (prop) {
	case 121: return OTS_FACT_VENDOR;
	case 70: return OTS_FACT_MODEL;
	case 44: return OTS_FACT_FIRMWARE;
	case 12: return OTS_FACT_SW_VERSION;
	case 77: return OTS_FACT_NAME;
	case 120: return OTS_FACT_VENDOR_ID;
	case 28: return OTS_FACT_DESCRIPTION;
	case 58: return OTS_FACT_LOCATION;
	default: return 0xff;
	}
}

/*
 * A CharacterString (charset byte, then the text) as a fact in UTF-8. Charset 0 (ANSI X3.4 /
 * UTF-8) as is; 4 (UCS-2, big endian) and 5 (ISO 8859-1) converted; the others (DBCS, JIS,
 * UCS-4) are skipped. At most BN_STR_MAX characters.
 */
#define BN_STR_MAX 255
static void
bn_string_fact(const struct ots_dissect_out *out, uint8_t attr, const char *src,
               const uint8_t *p, uint32_t n)
{
	char buf[BN_STR_MAX * 3];
	struct ots_rd r;
	size_t o = 0, k;
	const uint8_t *txt;
	uint16_t c;
	uint8_t cs;

	rd_init(&r, p, n);
	cs = rd_u8(&r);
	switch (cs) {
	case 0:
		txt = rd_rest(&r, &k);
		ots_emit_fact(out, OTS_PROTO_BACNET, attr, OTS_SIDE_SENDER, 90, src,
		              (const char *)txt, k > BN_STR_MAX ? BN_STR_MAX : k);
		return;
	case 4:
		if ((n - 1) & 1)
			return;
		break;
	case 5:
		break;
	default:
		return;
	}
	for (k = 0; k < BN_STR_MAX && rd_left(&r); k++) {
		c = cs == 4 ? rd_be16(&r) : rd_u8(&r);
		if (c >= 0xd800 && c <= 0xdfff)
			return;
		if (c < 0x80) {
			buf[o++] = (char)c;
		} else if (c < 0x800) {
			buf[o++] = (char)(0xc0 | (c >> 6));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			buf[o++] = (char)(0xe0 | (c >> 12));
			buf[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	ots_emit_fact(out, OTS_PROTO_BACNET, attr, OTS_SIDE_SENDER, 90, src, buf, o);
}

/*
 * The value list of a property of the device object (inside the opening/closing context tag
 * `close`): the first primitive value becomes a fact when the property is an identity one.
 */
static int
bn_prop_value(struct ots_rd *r, uint32_t close, uint32_t objid, uint32_t prop,
              const char *src, const struct ots_dissect_out *out)
{
	struct bn_tag t;
	const uint8_t *p;
	uint8_t attr = (objid >> 22) == BN_OBJ_DEVICE ? bn_prop_attr(prop) : 0xff;
	int first = 1, rc;

	for (;;) {
		rc = bn_peek(r, &t);
		if (rc != OTS_OK)
			return rc;
		if (t.close) {
			if (t.num != close)
				return OTS_EINVAL;
			return bn_tag(r, &t);
		}
		if (t.open) {
			rc = bn_skip(r);
			if (rc != OTS_OK)
				return rc;
			first = 0;
			continue;
		}
		(void)bn_tag(r, &t);
		p = rd_ptr(r, t.len);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (first && attr != 0xff && !t.ctx) {
			if (attr == OTS_FACT_VENDOR_ID && t.num == 2 && t.len >= 1 && t.len <= 4) {
				bn_emit_vendor(out, src, bn_uint(p, t.len));
			} else if (attr != OTS_FACT_VENDOR_ID && t.num == 7 && t.len > 1) {
				bn_string_fact(out, attr, src, p, t.len);
			}
		}
		first = 0;
	}
}

/* ------------------------------------------------------------------ services */

/*
 * Password parameter (context tag `num`, a CharacterString) present and not empty? The
 * reader fails when the parameters are cut short.
 */
static int
bn_password(struct ots_rd *r, uint32_t num)
{
	struct bn_tag t;

	while (rd_left(r)) {
		if (bn_tag(r, &t) != OTS_OK) {
			rd_fail(r, OTS_EINVAL);
			return 0;
		}
		if (t.open || t.close)
			return 0;
		rd_skip(r, t.len);
		if (t.ctx && t.num == num)
			return rd_ok(r) && t.len > 1;
	}
	return 0;
}

/* Object identifier with context tag num, first in the service data. */
static int
bn_first_objid(struct ots_rd *r, int ctx, uint32_t num, uint32_t *objid)
{
	struct bn_tag t;
	const uint8_t *p;

	if (bn_tag(r, &t) != OTS_OK || t.open || t.close || t.ctx != ctx || t.num != num ||
	    t.len != 4)
		return 0;
	p = rd_ptr(r, 4);
	if (!p)
		return 0;
	*objid = bn_uint(p, 4);
	return 1;
}

/* Count the objects of a ReadPropertyMultiple / WritePropertyMultiple request. */
static int
bn_count_objects(struct ots_rd *r, struct ots_ics_op *op)
{
	uint32_t objid = 0, n = 0, first = 0;
	int rc;

	while (rd_left(r)) {
		if (!bn_first_objid(r, 1, 0, &objid))
			return BN_FAIL(r);
		if (n++ == 0)
			first = objid;
		rc = bn_skip(r); /* [1] list of property references / values */
		if (rc != OTS_OK)
			return rc;
	}
	if (n) {
		bn_set_addr(op, first, n);
		bn_set_unit(op, first);
	}
	return OTS_OK;
}

static int
bn_confirmed_req(struct ots_rd *r, struct ots_ics_op *op, const struct ots_dissect_out *out)
{
	uint32_t objid = 0, v;

	switch (op->function) {
	case 12: case 15: case 26: case 8: case 9:
		if (!bn_first_objid(r, 1, 0, &objid))
			return BN_FAIL(r);
		bn_set_addr(op, objid, 1);
		bn_set_unit(op, objid);
		return OTS_OK;
	case 14: case 16:
		return bn_count_objects(r, op);
	case 6: case 7: case 11:
		if (!bn_first_objid(r, 0, 12, &objid))
			return BN_FAIL(r);
		bn_set_addr(op, objid, 1);
		return OTS_OK;
	case 5: case 28:
		if (!bn_read_uint(r, 1, 0, &v) || !bn_first_objid(r, 1, 1, &objid))
			return BN_FAIL(r);
		bn_set_addr(op, objid, 1);
		bn_set_unit(op, objid);
		return OTS_OK;
	case 17:
		if (bn_password(r, 2))
			ots_emit_flag(out, OTS_PROTO_BACNET, OTS_FLAG_CLEARTEXT_CREDENTIAL,
			              "dcc_password");
		return r->err;
	case 20:
		if (!bn_read_uint(r, 1, 0, &v))
			return BN_FAIL(r);
		if (bn_password(r, 1))
			ots_emit_flag(out, OTS_PROTO_BACNET, OTS_FLAG_CLEARTEXT_CREDENTIAL,
			              "reinit_password");
		return r->err;
	default:
		return OTS_OK;
	}
}

static int
bn_unconf_svc(struct ots_rd *r, struct ots_ics_op *op, const struct ots_dissect_out *out)
{
	uint32_t objid = 0, maxapdu, seg, vid, lo, hi;

	switch (op->function & 0xff) {
	case 0: /* i-Am: device id, max APDU, segmentation, vendor id (application tags) */
		if (!bn_first_objid(r, 0, 12, &objid))
			return BN_FAIL(r);
		bn_set_unit(op, objid);
		if (!bn_read_uint(r, 0, 2, &maxapdu) || !bn_read_uint(r, 0, 9, &seg) ||
		    !bn_read_uint(r, 0, 2, &vid))
			return BN_FAIL(r);
		if ((objid >> 22) != BN_OBJ_DEVICE)
			return BN_FAIL(r);
		bn_emit_vendor(out, "I-Am", vid);
		return OTS_OK;
	case 1: /* i-Have: device id, object id, object name */
		if (!bn_first_objid(r, 0, 12, &objid))
			return BN_FAIL(r);
		bn_set_unit(op, objid);
		return OTS_OK;
	case 2: case 3: /* [0] process id, [1] initiating device */
		if (!bn_read_uint(r, 1, 0, &lo) || !bn_first_objid(r, 1, 1, &objid))
			return BN_FAIL(r);
		bn_set_unit(op, objid);
		return OTS_OK;
	case 8: /* who-Is: optional [0] low, [1] high limit */
		if (!rd_left(r))
			return OTS_OK;
		if (!bn_read_uint(r, 1, 0, &lo) || !bn_read_uint(r, 1, 1, &hi) || hi < lo)
			return BN_FAIL(r);
		bn_set_addr(op, lo, hi - lo + 1);
		return OTS_OK;
	default:
		return OTS_OK;
	}
}

/* ReadProperty ACK: [0] object, [1] property, [2] index?, [3] value(s) */
static int
bn_rp_ack(struct ots_rd *r, struct ots_ics_op *op, const struct ots_dissect_out *out)
{
	uint32_t objid = 0, prop = 0, idx;
	struct bn_tag t;
	int rc;

	if (!bn_first_objid(r, 1, 0, &objid) || !bn_read_uint(r, 1, 1, &prop))
		return BN_FAIL(r);
	bn_set_addr(op, objid, 1);
	bn_set_unit(op, objid);
	rc = bn_peek(r, &t);
	if (rc != OTS_OK)
		return rc;
	if (t.ctx && t.num == 2 && !t.open && !t.close) {
		if (!bn_read_uint(r, 1, 2, &idx))
			return BN_FAIL(r);
		rc = bn_tag(r, &t);
	} else {
		rc = bn_tag(r, &t);
	}
	if (rc != OTS_OK)
		return rc;
	if (!t.open || t.num != 3)
		return OTS_EINVAL;
	return bn_prop_value(r, 3, objid, prop, "ReadProperty", out);
}

/* ReadPropertyMultiple ACK: { [0] object, [1] { [2] prop, [3] idx?, [4] value | [5] err } } */
static int
bn_rpm_ack(struct ots_rd *r, struct ots_ics_op *op, const struct ots_dissect_out *out)
{
	uint32_t objid = 0, prop = 0, idx, n = 0, first = 0;
	const uint8_t *pv;
	struct bn_tag t;
	int rc;

	while (rd_left(r)) {
		if (!bn_first_objid(r, 1, 0, &objid))
			return BN_FAIL(r);
		if (n++ == 0)
			first = objid;
		rc = bn_tag(r, &t);
		if (rc != OTS_OK)
			return rc;
		if (!t.open || t.num != 1)
			return OTS_EINVAL;
		for (;;) {
			rc = bn_tag(r, &t);
			if (rc != OTS_OK)
				return rc;
			if (t.close && t.num == 1)
				break;
			if (!t.ctx || t.num != 2 || t.open || t.close || t.len < 1 || t.len > 4)
				return OTS_EINVAL;
			pv = rd_ptr(r, t.len);
			if (!pv)
				return OTS_ETRUNC;
			prop = bn_uint(pv, t.len);
			rc = bn_peek(r, &t);
			if (rc != OTS_OK)
				return rc;
			if (t.ctx && t.num == 3 && !t.open && !t.close) {
				if (!bn_read_uint(r, 1, 3, &idx))
					return BN_FAIL(r);
			}
			rc = bn_tag(r, &t);
			if (rc != OTS_OK)
				return rc;
			if (t.open && t.num == 4)
				rc = bn_prop_value(r, 4, objid, prop, "ReadPropertyMultiple", out);
			else if (t.open && t.num == 5)
				rc = bn_prop_value(r, 5, 0, 0, "ReadPropertyMultiple", out);
			else
				return OTS_EINVAL;
			if (rc != OTS_OK)
				return rc;
		}
	}
	if (n) {
		bn_set_addr(op, first, n);
		bn_set_unit(op, first);
	}
	return OTS_OK;
}

/* Error PDU body: error class and code (application enumerated), maybe inside [0]. */
static int
bn_error(struct ots_rd *r, struct ots_ics_op *op)
{
	struct bn_tag t;
	uint32_t cls, code;
	int rc;

	rc = bn_peek(r, &t);
	if (rc != OTS_OK)
		return rc;
	if (t.open)
		(void)bn_tag(r, &t);
	if (!bn_read_uint(r, 0, 9, &cls) || !bn_read_uint(r, 0, 9, &code))
		return BN_FAIL(r);
	op->has_exception = 1;
	op->exception = (cls << 16) | (code & 0xffff);
	return OTS_OK;
}

/* ------------------------------------------------------------------ pairing */

static struct bn_pending *
bn_find(struct bn_state *st, uint8_t invoke, int resp_dir)
{
	size_t i;

	if (!st)
		return NULL;
	for (i = 0; i < BN_PENDING; i++)
		if (st->pend[i].used && st->pend[i].invoke == invoke &&
		    st->pend[i].dir != (uint8_t)resp_dir)
			return &st->pend[i];
	return NULL;
}

static void
bn_remember(struct bn_state *st, const struct ots_ics_op *op, int dir)
{
	struct bn_pending *p;
	size_t i;

	if (!st)
		return;
	p = NULL;
	for (i = 0; i < BN_PENDING; i++)
		if (st->pend[i].used && st->pend[i].invoke == (uint8_t)op->transaction &&
		    st->pend[i].dir == (uint8_t)dir)
			p = &st->pend[i];
	if (!p) {
		p = &st->pend[st->next % BN_PENDING];
		st->next = (uint8_t)((st->next + 1) % BN_PENDING);
	}
	p->used = 1;
	p->dir = (uint8_t)dir;
	p->invoke = (uint8_t)op->transaction;
	p->service = (uint8_t)op->function;
	p->has_unit = op->has_unit;
	p->unit = op->unit;
}

static void
bn_svc_name(struct ots_ics_op *op, uint32_t service)
{
	op->function = service;
	if (service < NELEM(bn_confirmed) && bn_confirmed[service].name) {
		op->function_name = bn_confirmed[service].name;
		op->op_class = bn_confirmed[service].cls;
	} else {
		op->function_name = "unknown_confirmed_service";
		op->op_class = OTS_OP_OTHER;
	}
}

/* ------------------------------------------------------------------ APDU */

/*
 * Outcome of decoding service data: a segment of a segmented message may end anywhere (only
 * the first is decoded, as far as it goes); otherwise running out of bytes is a short PDU.
 */
static int
bn_svc_result(int rc, const struct ots_rd *r, int seg, const struct ots_dissect_out *out)
{
	int trunc = rc == OTS_ETRUNC || r->err == OTS_ETRUNC;

	if (rc == OTS_OK)
		return OTS_OK;
	if (trunc && seg)
		return OTS_OK;
	return bn_bad(out, trunc ? "short_service_data" : "bad_service_data");
}

static int
bn_apdu(struct bn_state *st, struct ots_rd *r, const struct ots_dissect_pkt *pkt,
        const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	struct bn_pending *p = NULL;
	uint8_t b0, type, invoke = 0, seq = 0, seg = 0;
	uint32_t service = 0;
	int dir = pkt ? pkt->dir & 1 : 0, rc = OTS_OK;

	op.proto = OTS_PROTO_BACNET;
	b0 = rd_u8(r);
	type = b0 >> 4;
	if (!rd_ok(r))
		return bn_bad(out, "short_apdu");
	switch (type) {
	case BN_CONF:
		seg = (b0 >> 3) & 1;
		rd_skip(r, 1); /* max segments / max APDU */
		invoke = rd_u8(r);
		if (seg) {
			seq = rd_u8(r);
			rd_skip(r, 1); /* proposed window */
		}
		service = rd_u8(r);
		break;
	case BN_UNCONF:
		service = rd_u8(r);
		break;
	case BN_SACK:
		invoke = rd_u8(r);
		service = rd_u8(r);
		break;
	case BN_CACK:
		seg = (b0 >> 3) & 1;
		invoke = rd_u8(r);
		if (seg) {
			seq = rd_u8(r);
			rd_skip(r, 1);
		}
		service = rd_u8(r);
		break;
	case BN_SEGACK:
		invoke = rd_u8(r);
		rd_skip(r, 2); /* sequence number, actual window */
		break;
	case BN_ERROR:
		invoke = rd_u8(r);
		service = rd_u8(r);
		break;
	case BN_REJECT: case BN_ABORT:
		invoke = rd_u8(r);
		op.has_exception = 1;
		op.exception = rd_u8(r);
		break;
	default:
		return bn_bad(out, "bad_apdu_type");
	}
	if (!rd_ok(r))
		return bn_bad(out, "short_apdu");
	if (seg && st)
		st->segments++;

	if (type == BN_UNCONF) {
		op.function = 0x100 | service;
		if (service < NELEM(bn_unconfirmed) && bn_unconfirmed[service].name) {
			op.function_name = bn_unconfirmed[service].name;
			op.op_class = bn_unconfirmed[service].cls;
		} else {
			op.function_name = "unknown_unconfirmed_service";
			op.op_class = OTS_OP_OTHER;
		}
		rc = bn_unconf_svc(r, &op, out);
		if (st && op.has_unit && op.unit != BN_WILDCARD && (service == 0 || service == 1)) {
			st->dev_known[dir] = 1;
			st->dev[dir] = op.unit;
		}
		ots_emit_op(out, &op);
		if (rc != OTS_OK)
			return bn_bad(out, rc == OTS_ETRUNC || r->err == OTS_ETRUNC ?
			                   "short_service_data" : "bad_service_data");
		return OTS_OK;
	}

	op.has_transaction = 1;
	op.transaction = invoke;
	op.is_response = type != BN_CONF;
	if (type == BN_SEGACK) /* SRV bit: sent by the server (acks a segmented request) */
		op.is_response = b0 & 1;

	if (type == BN_CONF) {
		bn_svc_name(&op, service);
		if (!seg || seq == 0)
			rc = bn_confirmed_req(r, &op, out);
		/* the device the request goes to: its instance, if learned */
		if (!op.has_unit && st && st->dev_known[!dir]) {
			op.has_unit = 1;
			op.unit = st->dev[!dir];
		}
		if (st && op.has_unit && op.unit != BN_WILDCARD &&
		    (op.function == 12 || op.function == 14)) {
			st->dev_known[!dir] = 1;
			st->dev[!dir] = op.unit;
		}
		bn_remember(st, &op, dir);
		ots_emit_op(out, &op);
		return bn_svc_result(rc, r, seg, out);
	}

	/* a client's segment ACK travels the way its request did */
	p = bn_find(st, invoke, type == BN_SEGACK && !(b0 & 1) ? !dir : dir);
	if (type == BN_SEGACK || type == BN_REJECT || type == BN_ABORT) {
		op.function = 0x400 | type;
		op.function_name = type == BN_SEGACK ? "segment_ack" :
		                   type == BN_REJECT ? "reject" : "abort";
		op.op_class = OTS_OP_OTHER;
		if (p && p->service < NELEM(bn_confirmed) && bn_confirmed[p->service].name)
			op.op_class = bn_confirmed[p->service].cls;
	} else {
		bn_svc_name(&op, service);
	}
	if (p && p->has_unit) {
		op.has_unit = 1;
		op.unit = p->unit;
	}
	if (type == BN_CACK && (!seg || seq == 0)) {
		if (service == 12)
			rc = bn_rp_ack(r, &op, out);
		else if (service == 14)
			rc = bn_rpm_ack(r, &op, out);
	} else if (type == BN_ERROR) {
		rc = bn_error(r, &op);
	}
	if (!op.has_unit && st && st->dev_known[dir]) {
		op.has_unit = 1;
		op.unit = st->dev[dir];
	}
	if (st && op.has_unit && op.unit != BN_WILDCARD && type == BN_CACK) {
		st->dev_known[dir] = 1;
		st->dev[dir] = op.unit;
	}
	/* a pending request is done with its last answer (segments keep it) */
	if (p && (type == BN_SACK || type == BN_ERROR || type == BN_REJECT || type == BN_ABORT ||
	          (type == BN_CACK && !(b0 & 0x04))))
		p->used = 0;
	ots_emit_op(out, &op);
	if (type == BN_SACK && bn_complex_service((uint8_t)service))
		return bn_bad(out, "simple_ack_for_complex_service");
	if (type == BN_CACK && !bn_complex_service((uint8_t)service))
		return bn_bad(out, "complex_ack_for_simple_service");
	return bn_svc_result(rc, r, seg, out);
}

/* ------------------------------------------------------------------ NPDU */

static int
bn_npdu(struct bn_state *st, struct ots_rd *r, const struct ots_dissect_pkt *pkt,
        const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	struct ots_dissect_out remote;
	uint8_t ver, ctl, dlen, slen, mt;

	ver = rd_u8(r);
	ctl = rd_u8(r);
	if (!rd_ok(r))
		return bn_bad(out, "short_npdu");
	if (ver != 0x01)
		return bn_bad(out, "bad_npdu_version");
	if (ctl & 0x50)
		return bn_bad(out, "npdu_reserved_bits");
	if (ctl & 0x20) {
		rd_skip(r, 2); /* DNET */
		dlen = rd_u8(r);
		rd_skip(r, dlen);
	}
	if (ctl & 0x08) {
		rd_skip(r, 2); /* SNET */
		slen = rd_u8(r);
		if (rd_ok(r) && slen == 0)
			return bn_bad(out, "bad_slen");
		rd_skip(r, slen);
	}
	if (ctl & 0x20)
		rd_skip(r, 1); /* hop count */
	if (!rd_ok(r))
		return bn_bad(out, "short_npdu");
	if (!(ctl & 0x80)) {
		/*
		 * SNET present: the APDU comes from a device on another network, through a router
		 * whose address the IP packet carries. Identity facts would name the router: none.
		 */
		if ((ctl & 0x08) && out) {
			remote = *out;
			remote.fact = NULL;
			return bn_apdu(st, r, pkt, &remote);
		}
		return bn_apdu(st, r, pkt, out);
	}

	mt = rd_u8(r);
	if (mt >= 0x80)
		rd_skip(r, 2); /* vendor id of a proprietary message */
	if (!rd_ok(r))
		return bn_bad(out, "short_npdu");
	op.proto = OTS_PROTO_BACNET;
	op.function = 0x200 | mt;
	if (mt < NELEM(bn_netmsg) && bn_netmsg[mt].name) {
		op.function_name = bn_netmsg[mt].name;
		op.op_class = bn_netmsg[mt].cls;
	} else {
		op.function_name = mt >= 0x80 ? "proprietary_network_message" : "unknown_network_message";
		op.op_class = OTS_OP_OTHER;
	}
	op.is_response = mt == 0x01 || mt == 0x07 || mt == 0x13;
	ots_emit_op(out, &op);
	return OTS_OK;
}

/* ------------------------------------------------------------------ BVLC */

static int
bn_carries_npdu(uint8_t fn)
{
	return fn == 0x04 || fn == 0x09 || fn == 0x0a || fn == 0x0b;
}

/* Body length check of the BVLC functions that carry no NPDU. */
static int
bn_bvlc_body_ok(uint8_t fn, size_t n)
{
	switch (fn) {
	case 0x00: return n == 2;
	case 0x02: case 0x06: return n == 0;
	case 0x05: return n == 2;
	case 0x08: return n == 6;
	case 0x01: case 0x03: return n % 10 == 0;
	case 0x07: return n % 10 == 0;
	case 0x0c: return 1;
	default: return 0;
	}
}

static int
bn_port(uint16_t p)
{
	return p >= BN_PORT && p <= BN_PORT + 15; /* 0xBAC0..0xBACF */
}

static int
bn_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t type, fn, ver, ctl, a;
	uint16_t blen;
	int score, ok;

	rd_init(&r, data, len);
	type = rd_u8(&r);
	fn = rd_u8(&r);
	blen = rd_be16(&r);
	if (!rd_ok(&r) || type != BN_BVLC_TYPE || fn > 0x0c || blen < 4)
		return OTS_PROBE_NO;
	if (!bn_carries_npdu(fn)) {
		if (blen != len || !bn_bvlc_body_ok(fn, len - 4))
			return OTS_PROBE_NO;
		score = 80;
	} else {
		if (fn == 0x04)
			rd_skip(&r, 6);
		ver = rd_u8(&r);
		ctl = rd_u8(&r);
		if (!rd_ok(&r) || ver != 0x01 || (ctl & 0x50))
			return OTS_PROBE_NO;
		score = blen == len ? OTS_PROBE_SURE : OTS_PROBE_MAYBE;
		if (!(ctl & 0xa8)) { /* local APDU right after: its type must exist */
			a = rd_peek_u8(&r, 0, &ok);
			if (ok && (a >> 4) > BN_ABORT)
				return OTS_PROBE_NO;
		}
	}
	if (pkt && (bn_port(pkt->sport) || bn_port(pkt->dport)))
		score += 20;
	return score > OTS_PROBE_SURE ? OTS_PROBE_SURE : score;
}

static int
bn_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct bn_state *st = state;
	struct ots_ics_op op = { 0 };
	struct ots_rd r;
	uint8_t type, fn;
	uint16_t blen, code = 0;
	int rc, len_bad = 0;

	rd_init(&r, data, len);
	type = rd_u8(&r);
	fn = rd_u8(&r);
	blen = rd_be16(&r);
	if (!rd_ok(&r)) {
		if (len >= 1 && type != BN_BVLC_TYPE)
			return bn_bad(out, "bad_bvlc_type");
		return bn_bad(out, "short_bvlc");
	}
	if (type != BN_BVLC_TYPE)
		return bn_bad(out, "bad_bvlc_type");
	if (fn > 0x0c)
		return bn_bad(out, "bad_bvlc_function");
	if (blen < 4)
		return bn_bad(out, "bad_bvlc_length");
	/*
	 * The length must equal the datagram. Some stacks send a short one: tshark then decodes
	 * the whole datagram anyway, and so do we, after flagging it.
	 */
	if (blen != len) {
		len_bad = 1;
		ots_emit_flag(out, OTS_PROTO_BACNET, OTS_FLAG_MALFORMED, "bvlc_length_mismatch");
	}

	if (bn_carries_npdu(fn)) {
		if (fn == 0x04) {
			rd_skip(&r, 6); /* original B/IP address and port */
			if (!rd_ok(&r))
				return bn_bad(out, "short_bvlc");
		}
		rc = bn_npdu(st, &r, pkt, out);
		if (rc != OTS_OK)
			return rc;
		return len_bad ? OTS_EINVAL : OTS_OK;
	}

	op.proto = OTS_PROTO_BACNET;
	op.function = 0x300 | fn;
	op.function_name = bn_bvlc[fn].name;
	op.op_class = bn_bvlc[fn].cls;
	op.is_response = fn == 0x00 || fn == 0x03 || fn == 0x07;
	if (fn == 0x00) {
		code = rd_be16(&r);
		if (rd_ok(&r) && code != 0) {
			op.has_exception = 1;
			op.exception = code;
		}
	}
	ots_emit_op(out, &op);
	if (!bn_bvlc_body_ok(fn, len - 4))
		return bn_bad(out, "bad_bvlc_body");
	return len_bad ? OTS_EINVAL : OTS_OK;
}

static void
bn_gap(void *state, int dir)
{
	struct bn_state *st = state;
	size_t i;

	(void)dir;
	if (!st)
		return;
	for (i = 0; i < BN_PENDING; i++)
		st->pend[i].used = 0;
}

/* Catalog: the four service tables with the code spaces parse() gives them (confirmed
 * service, 0x100 unconfirmed, 0x200 network message, 0x300 BVLC function, 0x400 APDU type)
 * and their fallbacks. Segment ACK, reject and abort take the class of the request. */
static void
bn_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < NELEM(bn_confirmed); i++)
		if (bn_confirmed[i].name)
			ots_fn_visit(visit, ctx, bn_confirmed[i].name, (uint32_t)i, bn_confirmed[i].cls);
	for (i = 0; i < NELEM(bn_unconfirmed); i++)
		if (bn_unconfirmed[i].name)
			ots_fn_visit(visit, ctx, bn_unconfirmed[i].name, 0x100 | (uint32_t)i,
			             bn_unconfirmed[i].cls);
	for (i = 0; i < NELEM(bn_netmsg); i++)
		if (bn_netmsg[i].name)
			ots_fn_visit(visit, ctx, bn_netmsg[i].name, 0x200 | (uint32_t)i, bn_netmsg[i].cls);
	for (i = 0; i < NELEM(bn_bvlc); i++)
		if (bn_bvlc[i].name && !bn_carries_npdu((uint8_t)i))
			ots_fn_visit(visit, ctx, bn_bvlc[i].name, 0x300 | (uint32_t)i, bn_bvlc[i].cls);
	ots_fn_visit(visit, ctx, "segment_ack", 0x400 | BN_SEGACK, OTS_OP__COUNT);
	ots_fn_visit(visit, ctx, "reject", 0x400 | BN_REJECT, OTS_OP__COUNT);
	ots_fn_visit(visit, ctx, "abort", 0x400 | BN_ABORT, OTS_OP__COUNT);
	ots_fn_visit(visit, ctx, "unknown_confirmed_service", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "unknown_unconfirmed_service", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "unknown_network_message", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "proprietary_network_message", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_bacnet = {
	.name = "bacnet",
	.id = OTS_PROTO_BACNET,
	.transports = OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { BN_PORT },
	.max_pdu = 1500,
	.state_size = sizeof(struct bn_state),
	.probe = bn_probe,
	.parse = bn_parse,
	.gap = bn_gap,
	.fini = NULL,
	.functions = bn_functions,
};
