/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnp3.c: DNP3 (IEEE 1815) over TCP or UDP: link frames, transport reassembly, application
 * function codes, object headers, group 0 device attributes, malformed flags.
 *
 * Reference: IEEE Std 1815-2012 (DNP3), clauses 9 (link), 8 (transport), 4 (application).
 *
 * Link frame (every CRC is CRC-16/DNP: poly 0x3D65 reflected, init 0, xorout 0xFFFF, stored
 * little-endian):
 *   +------+------+-----+------+--------+--------+-------+------------------------------+
 *   | 0x05 | 0x64 | LEN | CTRL | DST le | SRC le | CRC   | user data: blocks of <= 16   |
 *   |      |      |     |      |   16   |   16   | (hdr) | bytes, each + its 2-byte CRC |
 *   +------+------+-----+------+--------+--------+-------+------------------------------+
 *   LEN = 5 + user data bytes (5..255); frame = 10 + n + 2 * ceil(n / 16), n = LEN - 5.
 *   CTRL: DIR(7, 1 = from master) PRM(6) FCB(5) FCV/DFC(4) function(0-3).
 * User data of PRM functions 3/4: transport header FIN(7) FIR(6) SEQ(0-5), then a piece of an
 * application fragment. Fragment: control FIR FIN CON UNS SEQ(0-3), function code, for
 * function codes 129-131 two IIN bytes, then object headers: group, variation, qualifier
 * (bit 7 reserved, prefix code 4-6, range code 0-3), range, objects.
 *
 * Choices:
 * - A frame with a bad CRC is flagged "bad_crc" and not parsed further; a bad header CRC ends
 *   the datagram (its length cannot be trusted).
 * - Link-layer-only frames (reset link, link status, ACK/NACK, user data frames without data)
 *   are validated (CRC, function) and produce no op: link housekeeping, not an application
 *   operation, and function codes of both layers share one number space.
 * - Fragments are reassembled per flow direction while the link addresses and transport
 *   sequence follow; a gap, an out-of-sequence piece or a new FIR drops the partial one.
 *   A fragment longer than 2048 bytes (the default maximum fragment size) is flagged
 *   "fragment_overflow". Only its first DNP3_BUF bytes are kept for header analysis.
 * - unit = the outstation link address: the destination of what a master sends (DIR = 1),
 *   the source of what an outstation sends. transaction = application sequence number.
 * - Responses (129) take the class and addresses of the request of the same sequence number
 *   to the same outstation (the fragments of a multi-fragment response follow with the next
 *   sequence numbers: they keep it); an unpaired response is "other". 130 is an event, 131 auth.
 * - exception = IIN2 & 0x07 (no function code support, object unknown, parameter error) of
 *   a response, when any is set.
 * - addresses: the first object header that names points (start-stop range, or an index
 *   prefix: first index and count) of a read, write or control request.
 * - A write whose first object is group 50 (time and date) is time_sync.
 * - A critical request (control, write, restart, mode change, file, program) answered by a
 *   plain response on a flow that never showed secure authentication (functions 32, 33, 131,
 *   group 120 objects) raises OTS_FLAG_NO_SECURITY "no_secure_authentication", once per flow:
 *   an outstation using SA challenges such a request before it answers it.
 * - assign_class (22) is "other" (it re-files points into event classes); delay_measure (23)
 *   and record_current_time (24) are time_sync; activate_config (31) puts a configuration
 *   written before into service: "program".
 * - Select-before-operate (IEEE 1815-2012, control operations): a master controls a point with a
 *   SELECT (3) request, then an OPERATE (4) request carrying identical objects with the next
 *   application sequence number, within the outstation's select timeout; an outstation
 *   answers an OPERATE it has no matching selection for with control status NO_SELECT (2),
 *   and one that comes too late with TIMEOUT (1). An OPERATE request with no SELECT request
 *   on the same flow in the D3_SELECT_WINDOW before it (packet time) raises
 *   OTS_FLAG_OUT_OF_SEQUENCE "dnp3_operate_without_select": a master that skips the select
 *   is not following the procedure (a replayed or injected OPERATE, or a hand-made tool).
 *   The window is wider than common select timeouts (a few seconds); objects and sequence
 *   numbers are not compared, so the check is loose on purpose: it does not raise on
 *   legitimate traffic. DIRECT_OPERATE (5, 6) needs no select and is not checked.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define D3_PORT 20000
#define D3_HDR 10              /* start, len, ctrl, dst, src, crc */
#define D3_LEN_MIN 5
#define D3_FRAME_MAX 292       /* 10 + 250 + 16 * 2 */
#define D3_FRAG_MAX 2048       /* the default maximum application fragment size */
#define D3_BUF 1536            /* bytes of a fragment kept for header analysis */
#define D3_PENDING 8
#define D3_MAX_HDRS 512        /* object headers walked per fragment */
#define D3_SELECT_WINDOW 10000000ull /* us: an OPERATE needs a SELECT this recent */

/*
 * A CRC mismatch. Fuzzing builds (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, never set for the
 * product) accept any CRC so that mutated inputs reach the transport and application layers.
 */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define D3_CRC_BAD(got, want) ((void)(got), (void)(want), 0)
#else
#define D3_CRC_BAD(got, want) ((got) != (want))
#endif

struct d3_fc {
	uint8_t fc;
	uint8_t cls;
	const char *name;
};

static const struct d3_fc d3_fcs[] = {
	{ 0, OTS_OP_OTHER, "confirm" },
	{ 1, OTS_OP_READ, "read" },
	{ 2, OTS_OP_WRITE, "write" },
	{ 3, OTS_OP_CONTROL, "select" },
	{ 4, OTS_OP_CONTROL, "operate" },
	{ 5, OTS_OP_CONTROL, "direct_operate" },
	{ 6, OTS_OP_CONTROL, "direct_operate_no_ack" },
	{ 7, OTS_OP_CONTROL, "immediate_freeze" },
	{ 8, OTS_OP_CONTROL, "immediate_freeze_no_ack" },
	{ 9, OTS_OP_CONTROL, "freeze_clear" },
	{ 10, OTS_OP_CONTROL, "freeze_clear_no_ack" },
	{ 11, OTS_OP_CONTROL, "freeze_at_time" },
	{ 12, OTS_OP_CONTROL, "freeze_at_time_no_ack" },
	{ 13, OTS_OP_RESTART, "cold_restart" },
	{ 14, OTS_OP_RESTART, "warm_restart" },
	{ 15, OTS_OP_MODE_CHANGE, "initialize_data" },
	{ 16, OTS_OP_MODE_CHANGE, "initialize_application" },
	{ 17, OTS_OP_MODE_CHANGE, "start_application" },
	{ 18, OTS_OP_MODE_CHANGE, "stop_application" },
	{ 19, OTS_OP_OTHER, "save_configuration" },
	{ 20, OTS_OP_OTHER, "enable_unsolicited" },
	{ 21, OTS_OP_OTHER, "disable_unsolicited" },
	{ 22, OTS_OP_OTHER, "assign_class" },
	{ 23, OTS_OP_TIME_SYNC, "delay_measure" },
	{ 24, OTS_OP_TIME_SYNC, "record_current_time" },
	{ 25, OTS_OP_FILE, "open_file" },
	{ 26, OTS_OP_FILE, "close_file" },
	{ 27, OTS_OP_FILE, "delete_file" },
	{ 28, OTS_OP_FILE, "get_file_info" },
	{ 29, OTS_OP_FILE, "authenticate_file" },
	{ 30, OTS_OP_FILE, "abort_file" },
	{ 31, OTS_OP_PROGRAM, "activate_config" },
	{ 32, OTS_OP_AUTH, "authenticate_req" },
	{ 33, OTS_OP_AUTH, "authenticate_err" },
	{ 129, OTS_OP_OTHER, "response" },
	{ 130, OTS_OP_EVENT, "unsolicited_response" },
	{ 131, OTS_OP_AUTH, "authenticate_resp" },
};

/* Reassembly of one flow direction. */
struct d3_dir {
	uint8_t active;
	uint8_t next_seq;      /* transport sequence expected next */
	uint8_t from_master;   /* DIR bit of the fragment's frames */
	uint8_t pad;
	uint16_t src, dst;
	uint16_t len;          /* fragment bytes seen */
	uint16_t blen;         /* of which kept in buf */
	uint8_t buf[D3_BUF];
};

struct d3_pending {
	uint8_t used;
	uint8_t seq;
	uint8_t fc;
	uint8_t cls;
	uint8_t has_addr;
	uint16_t outstation;
	uint32_t start, count;
};

struct d3_state {
	struct d3_dir dir[2];
	struct d3_pending pend[D3_PENDING];
	uint8_t next;
	uint8_t auth_seen;     /* secure authentication (functions 32, 33, 131 or group 120) */
	uint8_t nosec_flagged; /* "no_secure_authentication" reported for this flow */
	uint8_t src_known[2];  /* the link source address of each direction was reported */
	uint16_t src_addr[2];
	uint8_t select_seen;   /* a SELECT request was seen on this flow */
	uint64_t select_ts;    /* packet time of the last one */
	uint64_t now;          /* packet time of the PDU being parsed */
};

/* Object header as read. */
struct d3_hdr {
	uint8_t group, var, qual, pfx, rng;
	uint32_t start;        /* range start (rng 0-5) */
	uint32_t count;        /* objects that follow (clamped) */
	uint8_t ranged;        /* start-stop range */
	uint8_t none;          /* rng 6: all points, no objects */
};

static const struct d3_fc *
d3_lookup(uint8_t fc)
{
	size_t i;

	for (i = 0; i < sizeof(d3_fcs) / sizeof(d3_fcs[0]); i++)
		if (d3_fcs[i].fc == fc)
			return &d3_fcs[i];
	return NULL;
}

static int
d3_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_DNP3, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

/* CRC-16/DNP of the n bytes under the cursor (consumed). */
static uint16_t
d3_crc(struct ots_rd *r, size_t n)
{
	uint16_t crc = 0;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= rd_u8(r);
		for (b = 0; b < 8; b++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa6bc) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

/* Whole frame size for a LEN value. */
static size_t
d3_frame_size(uint8_t len)
{
	size_t n = (size_t)len - D3_LEN_MIN;

	return D3_HDR + n + 2 * ((n + 15) / 16);
}

static int
d3_link_func_ok(uint8_t ctrl)
{
	uint8_t f = ctrl & 0x0f;

	if (ctrl & 0x40) /* primary: reset link, test link, user data (confirmed, unconfirmed), status */
		return f == 0 || f == 2 || f == 3 || f == 4 || f == 9;
	/* secondary: ACK, NACK, link status, not functioning (obsolete), not supported */
	return f == 0 || f == 1 || f == 11 || f == 14 || f == 15;
}

static long
d3_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint8_t s0, s1, l;

	rd_init(&r, data, len);
	s0 = rd_u8(&r);
	s1 = rd_u8(&r);
	l = rd_u8(&r);
	if (!rd_ok(&r)) {
		if (len >= 1 && s0 != 0x05)
			return -1;
		if (len >= 2 && s1 != 0x64)
			return -1;
		return 0;
	}
	if (s0 != 0x05 || s1 != 0x64 || l < D3_LEN_MIN)
		return -1;
	return (long)d3_frame_size(l);
}

static int
d3_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r, h;
	uint8_t l, ctrl;
	uint16_t crc;

	(void)pkt;
	rd_init(&r, data, len);
	if (rd_u8(&r) != 0x05 || rd_u8(&r) != 0x64)
		return OTS_PROBE_NO;
	l = rd_u8(&r);
	ctrl = rd_u8(&r);
	if (!rd_ok(&r) || l < D3_LEN_MIN || !d3_link_func_ok(ctrl))
		return OTS_PROBE_NO;
	if (len < D3_HDR)
		return 40; /* start bytes, length and function fit: the port may decide */
	rd_init(&h, data, len);
	crc = d3_crc(&h, 8);
	if (D3_CRC_BAD(rd_le16(&h), crc))
		return OTS_PROBE_NO;
	return OTS_PROBE_SURE; /* 16-bit start pattern and a 16-bit header CRC */
}

/* ---- request/response pairing ---- */

static struct d3_pending *
d3_find(struct d3_state *st, uint8_t seq, uint16_t outstation)
{
	size_t i;

	for (i = 0; i < D3_PENDING; i++)
		if (st->pend[i].used && st->pend[i].seq == seq && st->pend[i].outstation == outstation)
			return &st->pend[i];
	return NULL;
}

static void
d3_remember(struct d3_state *st, const struct ots_ics_op *op)
{
	struct d3_pending *p = d3_find(st, (uint8_t)op->transaction, (uint16_t)op->unit);

	if (!p) {
		p = &st->pend[st->next % D3_PENDING];
		st->next = (uint8_t)((st->next + 1) % D3_PENDING);
	}
	p->used = 1;
	p->seq = (uint8_t)op->transaction;
	p->outstation = (uint16_t)op->unit;
	p->fc = (uint8_t)op->function;
	p->cls = op->op_class;
	p->has_addr = op->has_addr;
	p->start = op->addr_start;
	p->count = op->addr_count;
}

/* ---- object headers ---- */

/* Read one object header and its range. Returns OTS_OK, OTS_ETRUNC, or OTS_EINVAL with *why. */
static int
d3_hdr_read(struct ots_rd *r, struct d3_hdr *h, const char **why)
{
	uint64_t a, b;

	memset(h, 0, sizeof(*h));
	h->group = rd_u8(r);
	h->var = rd_u8(r);
	h->qual = rd_u8(r);
	if (!rd_ok(r))
		return OTS_ETRUNC;
	h->pfx = (h->qual >> 4) & 7;
	h->rng = h->qual & 0x0f;
	if ((h->qual & 0x80) || h->pfx == 7) {
		*why = "bad_qualifier";
		return OTS_EINVAL;
	}
	switch (h->rng) {
	case 0: case 3:
		a = rd_u8(r);
		b = rd_u8(r);
		break;
	case 1: case 4:
		a = rd_le16(r);
		b = rd_le16(r);
		break;
	case 2: case 5:
		a = rd_le32(r);
		b = rd_le32(r);
		break;
	case 6:
		h->none = 1;
		return OTS_OK;
	case 7: case 0x0b:
		h->count = rd_u8(r);
		return rd_ok(r) ? OTS_OK : OTS_ETRUNC;
	case 8:
		h->count = rd_le16(r);
		return rd_ok(r) ? OTS_OK : OTS_ETRUNC;
	case 9:
		h->count = rd_le32(r);
		return rd_ok(r) ? OTS_OK : OTS_ETRUNC;
	default:
		*why = "bad_qualifier";
		return OTS_EINVAL;
	}
	if (!rd_ok(r))
		return OTS_ETRUNC;
	if (b < a) {
		*why = "bad_range";
		return OTS_EINVAL;
	}
	h->ranged = 1;
	h->start = (uint32_t)a;
	h->count = (b - a + 1) > 0xffffffffu ? 0xffffffffu : (uint32_t)(b - a + 1);
	return OTS_OK;
}

/* Bytes of the index/size prefix of each object. */
static size_t
d3_pfx_size(uint8_t pfx)
{
	static const uint8_t sz[8] = { 0, 1, 2, 4, 1, 2, 4, 0 };

	return sz[pfx & 7];
}

static uint32_t
d3_rd_uint(struct ots_rd *r, size_t n)
{
	if (n == 1)
		return rd_u8(r);
	if (n == 2)
		return rd_le16(r);
	if (n == 4)
		return rd_le32(r);
	return 0;
}

/*
 * Size of one object of group/variation in a response: bytes (> 0), or bits per point (as a
 * negative number) for packed groups, or 0 when not known (the walk stops there).
 */
static int
d3_obj_size(uint8_t g, uint8_t v)
{
	/* sizes of variations 1.. of groups whose every variation has a fixed size */
	static const struct { uint8_t g, n; uint8_t sz[12]; } fixed[] = {
		{ 2, 3, { 1, 7, 3 } },
		{ 4, 3, { 1, 7, 3 } },
		{ 11, 2, { 1, 7 } },
		{ 13, 2, { 1, 7 } },
		{ 20, 8, { 5, 3, 5, 3, 4, 2, 4, 2 } },
		{ 21, 12, { 5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2 } },
		{ 22, 8, { 5, 3, 5, 3, 11, 9, 11, 9 } },
		{ 23, 8, { 5, 3, 5, 3, 11, 9, 11, 9 } },
		{ 30, 6, { 5, 3, 4, 2, 5, 9 } },
		{ 31, 8, { 5, 3, 11, 9, 4, 2, 5, 9 } },
		{ 32, 8, { 5, 3, 11, 9, 5, 9, 11, 15 } },
		{ 33, 8, { 5, 3, 11, 9, 5, 9, 11, 15 } },
		{ 34, 3, { 2, 4, 4 } },
		{ 40, 4, { 5, 3, 5, 9 } },
		{ 41, 4, { 5, 3, 5, 9 } },
		{ 42, 8, { 5, 3, 11, 9, 5, 9, 11, 15 } },
		{ 43, 8, { 5, 3, 11, 9, 5, 9, 11, 15 } },
		{ 50, 4, { 6, 10, 6, 11 } },
		{ 51, 2, { 6, 6 } },
		{ 52, 2, { 2, 2 } },
	};
	size_t i;

	switch (g) {
	case 1: case 10:
		return v == 1 ? -1 : (v == 2 ? 1 : 0);
	case 3:
		return v == 1 ? -2 : (v == 2 ? 1 : 0);
	case 12:
		return (v == 1 || v == 2) ? 11 : (v == 3 ? -1 : 0);
	case 80:
		return v == 1 ? -1 : 0;
	case 110: case 111: case 112: case 113:
		return v; /* the variation is the string length */
	default:
		break;
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i].g == g)
			return (v >= 1 && v <= fixed[i].n) ? fixed[i].sz[v - 1] : 0;
	return 0;
}

/* Group 0 variation -> identity attribute (0xff: not reported). */
static uint8_t
d3_attr(uint8_t var)
{
	switch (var) {
	case 252: return OTS_FACT_VENDOR;       /* device manufacturer's name */
	case 250: return OTS_FACT_MODEL;        /* product name and model */
	case 242: return OTS_FACT_FIRMWARE;     /* manufacturer's software version */
	case 243: return OTS_FACT_HW_REVISION;  /* manufacturer's hardware version */
	case 248: return OTS_FACT_SERIAL;       /* device serial number */
	case 247: return OTS_FACT_NAME;         /* user-assigned device name */
	case 245: return OTS_FACT_LOCATION;     /* user-assigned location */
	default: return 0xff;
	}
}

/* Objects of one header in a response: skip them, reporting group 0 attributes. Returns 1 to go
 * on, 0 to stop the walk quietly (a size not known), -1 when the objects overrun the bytes. */
static int
d3_skip_objects(struct ots_rd *r, const struct d3_hdr *h, const struct ots_dissect_out *out)
{
	size_t ps = d3_pfx_size(h->pfx);
	uint64_t need;
	uint32_t i;
	int sz;

	if (h->none)
		return 1;
	if (h->group == 0) {
		for (i = 0; i < h->count && rd_ok(r); i++) {
			uint8_t type, l, attr;
			const uint8_t *v;

			rd_skip(r, ps);
			type = rd_u8(r);
			l = rd_u8(r);
			v = rd_ptr(r, l);
			if (!v)
				return -1;
			attr = d3_attr(h->var);
			if (type == 1 && attr != 0xff && l > 0)
				ots_emit_fact(out, OTS_PROTO_DNP3, attr, OTS_SIDE_SENDER, 90,
				              "device_attributes", (const char *)v, l);
		}
		return rd_ok(r) ? 1 : -1;
	}
	if (h->pfx >= 4) { /* each object carries its size */
		for (i = 0; i < h->count && rd_ok(r); i++)
			rd_skip(r, d3_rd_uint(r, ps));
		return rd_ok(r) ? 1 : -1;
	}
	sz = d3_obj_size(h->group, h->var);
	if (sz == 0)
		return 0;
	if (sz < 0) {
		if (ps)
			return 0; /* packed points are not indexed */
		need = ((uint64_t)h->count * (uint64_t)(-sz) + 7) / 8;
	} else {
		need = (uint64_t)h->count * (ps + (size_t)sz);
	}
	if (need > rd_left(r))
		return -1;
	rd_skip(r, (size_t)need);
	return 1;
}

/* Functions whose requests carry object headers without objects. */
static int
d3_headers_only(uint8_t fc)
{
	return fc == 1 || (fc >= 7 && fc <= 10) || fc == 20 || fc == 21 || fc == 22;
}

/*
 * Request object headers: the first that names points gives the address; a write of group 50
 * is time_sync. Requests with objects are read up to their first header only (objects of
 * every group would need their sizes; the first header says what is touched).
 */
static int
d3_request_objects(struct ots_rd *r, struct ots_ics_op *op, int cut, uint8_t *first_group,
                   const struct ots_dissect_out *out)
{
	uint8_t fc = (uint8_t)op->function;
	struct d3_hdr h;
	const char *why = NULL;
	unsigned n;
	int rc;

	for (n = 0; n < D3_MAX_HDRS && rd_left(r) > 0; n++) {
		rc = d3_hdr_read(r, &h, &why);
		if (rc == OTS_ETRUNC)
			return cut ? OTS_OK : d3_bad(out, "bad_object_header");
		if (rc != OTS_OK)
			return d3_bad(out, why);
		if (n == 0)
			*first_group = h.group;
		if (n == 0 && fc == 2 && h.group == 50)
			op->op_class = OTS_OP_TIME_SYNC;
		if (h.ranged) {
			op->has_addr = 1;
			op->addr_start = h.start;
			op->addr_count = h.count;
			return OTS_OK;
		}
		if (!h.none && h.pfx >= 1 && h.pfx <= 3) {
			struct ots_rd t = *r;
			uint32_t first = d3_rd_uint(&t, d3_pfx_size(h.pfx));

			if (h.count == 0)
				return d3_bad(out, "bad_count");
			if (!rd_ok(&t))
				return cut ? OTS_OK : d3_bad(out, "bad_object_header");
			op->has_addr = 1;
			op->addr_start = first;
			op->addr_count = h.count;
			return OTS_OK;
		}
		if (!d3_headers_only(fc))
			return OTS_OK;
		if (!h.none && h.pfx >= 4) {
			/* sized objects in a read (file transport, g70v5): each carries its size */
			uint32_t i;

			for (i = 0; i < h.count && rd_ok(r); i++)
				rd_skip(r, d3_rd_uint(r, d3_pfx_size(h.pfx)));
			if (!rd_ok(r))
				return cut ? OTS_OK : d3_bad(out, "bad_object_data");
		}
	}
	return OTS_OK;
}

/* Response objects: walk while sizes are known, for group 0 device attributes. */
static int
d3_response_objects(struct ots_rd *r, int cut, const struct ots_dissect_out *out)
{
	struct d3_hdr h;
	const char *why = NULL;
	unsigned n;
	int rc;

	for (n = 0; n < D3_MAX_HDRS && rd_left(r) > 0; n++) {
		rc = d3_hdr_read(r, &h, &why);
		if (rc == OTS_ETRUNC)
			return cut ? OTS_OK : d3_bad(out, "bad_object_header");
		if (rc != OTS_OK)
			return d3_bad(out, why);
		rc = d3_skip_objects(r, &h, out);
		if (rc < 0)
			return cut ? OTS_OK : d3_bad(out, "bad_object_data");
		if (rc == 0)
			return OTS_OK;
	}
	return OTS_OK;
}

/* ---- application layer ---- */

/* Requests an outstation with secure authentication challenges by default. */
static int
d3_critical(uint8_t cls)
{
	return cls == OTS_OP_CONTROL || cls == OTS_OP_WRITE || cls == OTS_OP_RESTART ||
	       cls == OTS_OP_MODE_CHANGE || cls == OTS_OP_FILE || cls == OTS_OP_PROGRAM;
}

static int
d3_app(struct d3_state *st, struct d3_dir *d, const struct ots_dissect_out *out)
{
	struct ots_rd r;
	struct ots_ics_op op;
	const struct d3_fc *f;
	struct d3_pending *p;
	uint8_t ac, fc, iin2, first_group = 0xff;
	int cut = d->len > d->blen, rc = OTS_OK;

	rd_init(&r, d->buf, d->blen);
	ac = rd_u8(&r);
	fc = rd_u8(&r);
	if (!rd_ok(&r))
		return d3_bad(out, "short_apdu");
	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_DNP3;
	op.function = fc;
	f = d3_lookup(fc);
	op.function_name = f ? f->name : "unknown";
	op.op_class = f ? f->cls : OTS_OP_OTHER;
	op.has_unit = 1;
	op.unit = d->from_master ? d->dst : d->src;
	op.has_transaction = 1;
	op.transaction = ac & 0x0f;
	if (op.op_class == OTS_OP_AUTH)
		st->auth_seen = 1;
	if (fc >= 129 && fc <= 131) {
		op.is_response = 1;
		(void)rd_u8(&r); /* IIN1 */
		iin2 = rd_u8(&r);
		if (!rd_ok(&r)) {
			ots_emit_op(out, &op);
			return d3_bad(out, "short_apdu");
		}
		if (iin2 & 0x07) {
			op.has_exception = 1;
			op.exception = iin2 & 0x07;
		}
		if (fc == 129) {
			p = d3_find(st, (uint8_t)op.transaction, (uint16_t)op.unit);
			if (p) {
				op.op_class = p->cls;
				op.has_addr = p->has_addr;
				op.addr_start = p->start;
				op.addr_count = p->count;
				if (ac & 0x40)
					p->used = 0;
				else /* more fragments follow, each with the next sequence number */
					p->seq = (uint8_t)((p->seq + 1) & 0x0f);
				if (d3_critical(p->cls) && !st->auth_seen && !st->nosec_flagged) {
					st->nosec_flagged = 1;
					ots_emit_flag(out, OTS_PROTO_DNP3, OTS_FLAG_NO_SECURITY,
					              "no_secure_authentication");
				}
			}
		}
		if (fc != 131)
			rc = d3_response_objects(&r, cut, out);
		ots_emit_op(out, &op);
		return rc;
	}
	if (f && fc != 0)
		rc = d3_request_objects(&r, &op, cut, &first_group, out);
	if (first_group == 120)
		st->auth_seen = 1; /* aggressive mode: the request carries its own authentication */
	if (fc == 3) {
		st->select_seen = 1;
		st->select_ts = st->now;
	} else if (fc == 4 && (!st->select_seen ||
	                       (st->now > st->select_ts &&
	                        st->now - st->select_ts > D3_SELECT_WINDOW))) {
		ots_emit_flag(out, OTS_PROTO_DNP3, OTS_FLAG_OUT_OF_SEQUENCE,
		              "dnp3_operate_without_select");
	}
	if (fc != 0 && fc != 6 && fc != 8 && fc != 10 && fc != 12)
		d3_remember(st, &op);
	ots_emit_op(out, &op);
	return rc;
}

/* ---- transport ---- */

static int
d3_transport(struct d3_state *st, struct d3_dir *d, uint8_t ctrl, uint16_t dst, uint16_t src,
             struct ots_rd *ud, const struct ots_dissect_out *out)
{
	uint8_t th = rd_u8(ud);
	size_t n = rd_left(ud), keep;
	int rc;

	if (th & 0x40) { /* FIR: a new fragment (any partial one is dropped) */
		d->active = 1;
		d->len = 0;
		d->blen = 0;
		d->src = src;
		d->dst = dst;
		d->from_master = (ctrl & 0x80) != 0;
	} else if (!d->active || (th & 0x3f) != d->next_seq || d->src != src || d->dst != dst) {
		d->active = 0; /* a piece without its start, or out of sequence: not ours to parse */
		return OTS_OK;
	}
	if ((size_t)d->len + n > D3_FRAG_MAX) {
		d->active = 0;
		return d3_bad(out, "fragment_overflow");
	}
	keep = D3_BUF - d->blen;
	if (keep > n)
		keep = n;
	rd_copy(ud, d->buf + d->blen, keep);
	d->blen = (uint16_t)(d->blen + keep);
	d->len = (uint16_t)(d->len + n);
	d->next_seq = (uint8_t)((th + 1) & 0x3f);
	if (!(th & 0x80))
		return OTS_OK;
	d->active = 0;
	rc = d3_app(st, d, out);
	return rc;
}

/* ---- link layer ---- */

/* One frame at the cursor. *stop is set when the rest of the buffer cannot be framed. */
static int
d3_frame(struct d3_state *st, int dir, struct ots_rd *r, const struct ots_dissect_out *out,
         int *stop)
{
	struct ots_rd hdr, ud;
	uint8_t udata[250];
	uint8_t l, ctrl;
	uint16_t dst, src, crc;
	size_t n, off = 0, blk;
	int crc_ok = 1;

	*stop = 1;
	if (rd_left(r) < D3_HDR) {
		if (rd_left(r) >= 2) {
			int ok0, ok1;

			if (rd_peek_u8(r, 0, &ok0) != 0x05 || rd_peek_u8(r, 1, &ok1) != 0x64)
				return d3_bad(out, "bad_start");
		}
		ots_emit_flag(out, OTS_PROTO_DNP3, OTS_FLAG_MALFORMED, "short_frame");
		return OTS_ETRUNC;
	}
	hdr = *r;
	crc = d3_crc(&hdr, 8);
	if (rd_u8(r) != 0x05 || rd_u8(r) != 0x64)
		return d3_bad(out, "bad_start");
	l = rd_u8(r);
	ctrl = rd_u8(r);
	dst = rd_le16(r);
	src = rd_le16(r);
	if (l < D3_LEN_MIN)
		return d3_bad(out, "bad_length");
	if (D3_CRC_BAD(rd_le16(r), crc))
		return d3_bad(out, "bad_crc");
	/* The sender's link address is part of its identity: reported once per direction, and
	 * again if it changes. */
	if (st && (!st->src_known[dir] || st->src_addr[dir] != src)) {
		char a[8];
		int k = snprintf(a, sizeof(a), "%u", src);

		st->src_known[dir] = 1;
		st->src_addr[dir] = src;
		if (k > 0)
			ots_emit_fact(out, OTS_PROTO_DNP3, OTS_FACT_STATION_ADDRESS, OTS_SIDE_SENDER, 90,
			              "DNP3 link header", a, (size_t)k);
	}
	n = (size_t)l - D3_LEN_MIN;
	if (rd_left(r) < d3_frame_size(l) - D3_HDR) {
		ots_emit_flag(out, OTS_PROTO_DNP3, OTS_FLAG_MALFORMED, "short_frame");
		return OTS_ETRUNC;
	}
	*stop = 0;
	while (off < n) {
		struct ots_rd b;

		blk = n - off > 16 ? 16 : n - off;
		b = *r;
		crc = d3_crc(&b, blk);
		rd_copy(r, udata + off, blk);
		if (D3_CRC_BAD(rd_le16(r), crc))
			crc_ok = 0;
		off += blk;
	}
	if (!crc_ok) {
		st->dir[dir].active = 0;
		return d3_bad(out, "bad_crc");
	}
	if (!d3_link_func_ok(ctrl))
		return d3_bad(out, "bad_link_function");
	if (n == 0)
		return OTS_OK; /* link-layer only */
	if (!(ctrl & 0x40) || ((ctrl & 0x0f) != 3 && (ctrl & 0x0f) != 4))
		return d3_bad(out, "unexpected_user_data");
	rd_init(&ud, udata, n);
	return d3_transport(st, &st->dir[dir], ctrl, dst, src, &ud, out);
}

static int
d3_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct d3_state tmp, *st = state;
	struct ots_rd r;
	int dir = pkt ? (pkt->dir & 1) : 0, rc = OTS_OK, frc, stop = 0;

	if (!st) {
		memset(&tmp, 0, sizeof(tmp));
		st = &tmp;
	}
	if (pkt)
		st->now = pkt->ts_us;
	rd_init(&r, data, len);
	if (len == 0)
		return OTS_ETRUNC;
	/* a datagram may carry several frames; a TCP PDU is one frame. Every round consumes a
	 * whole frame (>= 10 bytes) or stops. */
	while (rd_left(&r) > 0 && !stop) {
		frc = d3_frame(st, dir, &r, out, &stop);
		if (frc != OTS_OK && rc == OTS_OK)
			rc = frc;
	}
	return rc;
}

static void
d3_gap(void *state, int dir)
{
	struct d3_state *st = state;

	if (st)
		st->dir[dir & 1].active = 0;
}

/* Catalog: the function code table and "unknown". A write's class depends on its first
 * object (group 50: time sync, d3_request_objects), a response takes its request's. */
static void
d3_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(d3_fcs) / sizeof(d3_fcs[0]); i++) {
		uint8_t fc = d3_fcs[i].fc;

		ots_fn_visit(visit, ctx, d3_fcs[i].name, fc,
		             fc == 2 || fc == 129 ? OTS_OP__COUNT : d3_fcs[i].cls);
	}
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_dnp3 = {
	.name = "dnp3",
	.id = OTS_PROTO_DNP3,
	.transports = OTS_TR_TCP | OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { D3_PORT },
	.max_pdu = D3_FRAME_MAX,
	.state_size = sizeof(struct d3_state),
	.probe = d3_probe,
	.pdu_len = d3_pdu_len,
	.parse = d3_parse,
	.gap = d3_gap,
	.fini = NULL,
	.functions = d3_functions,
};
