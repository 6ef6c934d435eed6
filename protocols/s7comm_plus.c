/* SPDX-License-Identifier: BSD-3-Clause */
/* s7comm_plus.c: Siemens S7comm-plus (0x72) over ISO-on-TCP: ops, CPU identity, malformed flags.
 *
 * References: RFC 1006 (TPKT), ISO 8073 (COTP class 0), the publicly documented S7comm-plus
 * layout (Wireshark's s7comm_plus plugin field definitions, the S7CommPlusDriver project's
 * function and object ids), checked against the captures in ../shared/pcaps/s7comm_plus.
 *
 *  +---------+------------+------------------------------------------------------------+
 *  | TPKT 4  | COTP DT 3  | 0x72 ver dlen(BE16) | [V3: dlen8 digest] | data | 72 ver 0000 |
 *  +---------+------------+------------------------------------------------------------+
 *  data: opcode(1) rsv(2) function(BE16) rsv(2) seq(BE16) [request: session(BE32)] flags(1)
 *  opcode 0x31 request, 0x32 response, 0x02 response (V13 HMI cyclic data), 0x33 notification.
 *  version 0x01 (session setup), 0x02, 0x03 (digest after the header), 0xfe/0xff keep-alive.
 *  A PDU without the trailer continues in the next TPKT of the same direction.
 *
 * Reported code: function = the function code (0 for keep-alives and notifications, which
 * have none), qualifier = version << 8 | opcode, so the three header codes survive
 * normalisation (function 0x054c, qualifier 0x0231 = V2 GetMultiVariables request). No unit (the protocol has none); transaction = the sequence number, which
 * pairs a response with its request so it takes the request's class.
 *
 * Op classes: CreateObject in V1 (session setup) auth, later CreateObject (subscriptions,
 * alarms, objects of a download) and DeleteObject other; Explore discovery; Get* read; Set*
 * write, SetVariable of the CPU execution unit's operating-state request (object 52,
 * attribute 2167) mode_change; InitSsl auth; BeginSequence/EndSequence program (they bracket
 * engineering transactions such as downloads); Invoke other (a method call whose meaning
 * depends on the target object); notifications event.
 *
 * What stays hidden: from InitSsl on (TIA V17+ firmware) the session runs TLS inside COTP and
 * nothing past it is decoded; in V2/V3 the integrity digest does not hide the data, but block
 * downloads are CreateObject/SetMultiVariables on object ids that are not public, so they are
 * reported as other/write, not program. Response return values are read only in Error PDUs.
 * Identity: the V1 CreateObject response's ServerSessionVersion attribute (319) is a WString
 * "<n>;<order number>;<firmware>", e.g. "1;6ES7 211-1BE31-0XB0 ;V3.0", taken only when it
 * has exactly that shape.
 */
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"
#include "tpkt.h"

#define S7P_PAIRS 16
#define S7P_ID 0x72

#define OP_REQ 0x31
#define OP_RES 0x32
#define OP_NTF 0x33
#define OP_RES2 0x02

#define FN_CREATE_OBJECT 0x04ca
#define FN_SET_VARIABLE 0x04f2
#define FN_ERROR 0x04b1
#define FN_ERROR2 0x05a9
#define FN_INIT_SSL 0x05b3

#define OBJ_CPU_EXEC_UNIT 52
#define ATTR_OPERATING_STATE_REQ 2167
#define ATTR_SERVER_SESSION_VERSION 319

struct s7p_pair {
	uint16_t seq;
	uint16_t fn;
	uint8_t cls;
	uint8_t used;
};

struct s7p_state {
	struct s7p_pair pairs[2][S7P_PAIRS]; /* by requesting direction */
	uint8_t next[2];
	uint8_t frag[2]; /* a PDU of this direction continues in the next TPKT */
	uint8_t tls;     /* InitSsl seen: TLS records follow */
};

struct s7p_fn {
	uint16_t code;
	uint8_t op_class;
	const char *name;
};

static const struct s7p_fn s7p_fns[] = {
	{ FN_ERROR, OTS_OP_OTHER, "error" },
	{ 0x04bb, OTS_OP_DISCOVERY, "explore" },
	{ FN_CREATE_OBJECT, OTS_OP_OTHER, "create_object" },
	{ 0x04d4, OTS_OP_OTHER, "delete_object" },
	{ FN_SET_VARIABLE, OTS_OP_WRITE, "set_variable" },
	{ 0x04fc, OTS_OP_READ, "get_variable" },
	{ 0x0506, OTS_OP_OTHER, "add_link" },
	{ 0x051a, OTS_OP_OTHER, "remove_link" },
	{ 0x0524, OTS_OP_READ, "get_link" },
	{ 0x0542, OTS_OP_WRITE, "set_multi_variables" },
	{ 0x054c, OTS_OP_READ, "get_multi_variables" },
	{ 0x0556, OTS_OP_PROGRAM, "begin_sequence" },
	{ 0x0560, OTS_OP_PROGRAM, "end_sequence" },
	{ 0x056b, OTS_OP_OTHER, "invoke" },
	{ 0x057c, OTS_OP_WRITE, "set_var_sub_streamed" },
	{ 0x0586, OTS_OP_READ, "get_var_sub_streamed" },
	{ 0x0590, OTS_OP_READ, "get_variables_address" },
	{ 0x059a, OTS_OP_OTHER, "abort" },
	{ FN_ERROR2, OTS_OP_OTHER, "error" },
	{ FN_INIT_SSL, OTS_OP_AUTH, "init_ssl" },
};

static const struct s7p_fn *
s7p_fn_find(uint16_t code)
{
	size_t i;

	for (i = 0; i < sizeof(s7p_fns) / sizeof(s7p_fns[0]); i++)
		if (s7p_fns[i].code == code)
			return &s7p_fns[i];
	return NULL;
}

static int
s7p_malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_S7COMM_PLUS, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static int
s7p_version_ok(uint8_t v)
{
	return v == 1 || v == 2 || v == 3 || v == 0xfe || v == 0xff;
}

/* Variable-length unsigned integer (7 bits a byte, high bit = more), at most 5 bytes. */
static uint32_t
s7p_vlq(struct ots_rd *r)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 5; i++) {
		uint8_t b = rd_u8(r);

		if (!rd_ok(r))
			return 0;
		v = (v << 7) | (b & 0x7f);
		if (!(b & 0x80))
			return v;
	}
	rd_fail(r, OTS_EINVAL);
	return 0;
}

static long
s7p_pdu_len(const uint8_t *data, size_t len)
{
	return ots_tpkt_pdu_len(data, len);
}

/* Content check: 0 no, 1 COTP connection setup, 2 S7comm-plus data. */
static int
s7p_classify(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint16_t tl, dlen;
	uint8_t eot, pid, ver;

	switch (ots_cotp_open(data, len, &r, &tl, &eot)) {
	case OTS_COTP_SETUP:
		return 1;
	case OTS_COTP_DT:
		break;
	default:
		return 0;
	}
	pid = rd_u8(&r);
	ver = rd_u8(&r);
	dlen = rd_be16(&r);
	if (!rd_ok(&r) || pid != S7P_ID || !s7p_version_ok(ver))
		return 0;
	if ((size_t)dlen + 4 + 7 > tl) /* the data length fits the TPKT */
		return 0;
	return 2;
}

static int
s7p_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	int c = s7p_classify(data, len);

	(void)pkt;
	if (c == 2)
		return OTS_PROBE_SURE;
	if (c == 1) /* COTP CR/CC: S7comm, S7comm-plus and MMS all start so; the first DT decides */
		return OTS_PROBE_DEFER;
	return OTS_PROBE_NO;
}

static void
s7p_pair_put(struct s7p_state *st, int dir, uint16_t seq, uint16_t fn, uint8_t cls)
{
	struct s7p_pair *p;
	int d = dir & 1;

	if (!st)
		return;
	p = &st->pairs[d][st->next[d] % S7P_PAIRS];
	st->next[d] = (uint8_t)((st->next[d] + 1) % S7P_PAIRS);
	p->seq = seq;
	p->fn = fn;
	p->cls = cls;
	p->used = 1;
}

static int
s7p_pair_take(struct s7p_state *st, int dir, uint16_t seq, uint16_t fn, uint8_t *cls)
{
	size_t i;
	int d = (dir & 1) ^ 1;

	if (!st)
		return 0;
	for (i = 0; i < S7P_PAIRS; i++) {
		struct s7p_pair *p = &st->pairs[d][i];

		if (p->used && p->seq == seq && p->fn == fn) {
			p->used = 0;
			*cls = p->cls;
			return 1;
		}
	}
	return 0;
}

/* SetVariable request data: object id, item count, attribute id. */
static int
s7p_is_mode_change(struct ots_rd d)
{
	uint32_t obj = rd_be32(&d), cnt = s7p_vlq(&d), attr = s7p_vlq(&d);

	return rd_ok(&d) && obj == OBJ_CPU_EXEC_UNIT && cnt == 1 && attr == ATTR_OPERATING_STATE_REQ;
}

static int
s7p_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* "<digits>;<order number>;V<digits>.<digits>[.<digits>]" -> order number and firmware. */
static void
s7p_session_version(const uint8_t *p, size_t n, const struct ots_dissect_out *out)
{
	struct ots_rd s;
	size_t i = 0, o0, o1, v0;
	uint8_t c;
	int ok, dots = 0;

	rd_init(&s, p, n);
	while (i < n && s7p_is_digit(rd_peek_u8(&s, i, &ok)))
		i++;
	if (i == 0 || i >= n || rd_peek_u8(&s, i, &ok) != ';')
		return;
	o0 = ++i;
	while (i < n) {
		c = rd_peek_u8(&s, i, &ok);
		if (c == ';')
			break;
		if (!(s7p_is_digit(c) || (c >= 'A' && c <= 'Z') || c == ' ' || c == '-'))
			return;
		i++;
	}
	if (i >= n || i - o0 < 10 || i - o0 > 32)
		return;
	o1 = i;
	while (o1 > o0 && rd_peek_u8(&s, o1 - 1, &ok) == ' ')
		o1--;
	v0 = ++i;
	if (i >= n || rd_peek_u8(&s, i, &ok) != 'V')
		return;
	for (i++; i < n; i++) {
		c = rd_peek_u8(&s, i, &ok);
		if (c == '.' && s7p_is_digit(rd_peek_u8(&s, i - 1, &ok)))
			dots++;
		else if (!s7p_is_digit(c))
			return;
	}
	if (dots < 1 || !s7p_is_digit(rd_peek_u8(&s, n - 1, &ok)))
		return;
	rd_skip(&s, o0);
	p = rd_ptr(&s, o1 - o0);
	if (p)
		ots_emit_fact(out, OTS_PROTO_S7COMM_PLUS, OTS_FACT_ORDER_NUMBER, OTS_SIDE_SENDER, 70,
		              "CreateObject", (const char *)p, o1 - o0);
	rd_skip(&s, v0 - o1);
	p = rd_ptr(&s, n - v0);
	if (p)
		ots_emit_fact(out, OTS_PROTO_S7COMM_PLUS, OTS_FACT_FIRMWARE, OTS_SIDE_SENDER, 70,
		              "CreateObject", (const char *)p, n - v0);
}

/* Scan a CreateObject response for the ServerSessionVersion WString (attribute 319). */
static void
s7p_identity(struct ots_rd d, const struct ots_dissect_out *out)
{
	size_t i, n = rd_left(&d);
	int ok;

	/* VLQ 319 = 0x82 0x3f, value flags 0x00, type 0x15 (WString), VLQ length */
	for (i = 0; i + 5 <= n; i++) {
		struct ots_rd s = d;
		const uint8_t *p;
		uint32_t l;

		if (rd_peek_u8(&d, i, &ok) != 0x82 || rd_peek_u8(&d, i + 1, &ok) != 0x3f ||
		    rd_peek_u8(&d, i + 2, &ok) != 0x00 || rd_peek_u8(&d, i + 3, &ok) != 0x15)
			continue;
		rd_skip(&s, i + 4);
		l = s7p_vlq(&s);
		if (!rd_ok(&s) || l == 0 || l > 64)
			continue;
		p = rd_ptr(&s, l);
		if (p)
			s7p_session_version(p, l, out);
		return;
	}
}

static int
s7p_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out)
{
	struct s7p_state *st = state;
	struct ots_rd r, cotp, pl, d;
	struct ots_ics_op op;
	const struct s7p_fn *f;
	uint16_t tl, dlen, fn = 0, seq = 0;
	uint8_t li, type, pid, ver, opc;
	size_t rest;
	int dir = pkt ? pkt->dir & 1 : 0, last;

	rd_init(&r, data, len);
	if (rd_u8(&r) != 3 || rd_u8(&r) != 0) {
		if (!rd_ok(&r))
			return OTS_ETRUNC;
		return s7p_malformed(out, "bad_tpkt");
	}
	tl = rd_be16(&r);
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	if (tl < 7 || tl != len)
		return tl > len ? OTS_ETRUNC : s7p_malformed(out, "tpkt_length");
	li = rd_u8(&r);
	if (li < 1 || li > rd_left(&r))
		return s7p_malformed(out, "cotp_length");
	cotp = rd_sub(&r, li);
	type = rd_u8(&cotp) & 0xf0;
	if (type != 0xf0)
		return OTS_OK; /* CR/CC/DR/DC/ER: connection management, no op */
	if (rd_left(&r) == 0)
		return OTS_OK; /* empty DT */
	pid = rd_u8(&r);
	if (pid != S7P_ID) {
		if (st && st->tls)
			return OTS_OK; /* TLS records after InitSsl */
		return s7p_malformed(out, "bad_protocol_id");
	}
	ver = rd_u8(&r);
	dlen = rd_be16(&r);
	if (!rd_ok(&r))
		return s7p_malformed(out, "short_header");
	if (!s7p_version_ok(ver))
		return s7p_malformed(out, "bad_version");
	rest = rd_left(&r);
	if (dlen > rest)
		return s7p_malformed(out, "data_length");
	pl = rd_sub(&r, dlen);
	last = rest != dlen;
	if (last) {
		uint8_t tp = rd_u8(&r), tv = rd_u8(&r);
		uint16_t tz = rd_be16(&r);

		if (!rd_ok(&r) || rd_left(&r) != 0 || tp != S7P_ID || tv != ver || tz != 0)
			return s7p_malformed(out, "bad_trailer");
	}
	if (ver == 0xfe || ver == 0xff) {
		/* keep-alive: a few bytes, no opcode, never fragmented */
		memset(&op, 0, sizeof(op));
		op.proto = OTS_PROTO_S7COMM_PLUS;
		op.has_qualifier = 1;
		op.qualifier = (uint32_t)ver << 8;
		op.function_name = "keep_alive";
		op.op_class = OTS_OP_OTHER;
		op.is_response = (uint8_t)dir;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	if (st && st->frag[dir]) {
		/* a later fragment of a PDU already reported */
		st->frag[dir] = (uint8_t)!last;
		return OTS_OK;
	}
	if (st)
		st->frag[dir] = (uint8_t)!last;

	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_S7COMM_PLUS;
	if (ver == 3) {
		uint8_t dl = rd_u8(&pl);

		rd_skip(&pl, dl); /* integrity digest */
		if (!rd_ok(&pl))
			return s7p_malformed(out, "short_integrity");
	}
	opc = rd_u8(&pl);
	if (!rd_ok(&pl))
		return s7p_malformed(out, "short_data");
	if (opc == OP_NTF) {
		uint32_t sub = rd_be32(&pl);

		if (!rd_ok(&pl))
			return s7p_malformed(out, "short_notification");
		(void)sub;
		op.has_qualifier = 1;
		op.qualifier = (uint32_t)ver << 8 | opc;
		op.function_name = "notification";
		op.op_class = OTS_OP_EVENT;
		op.is_response = 1;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	if (opc != OP_REQ && opc != OP_RES && opc != OP_RES2)
		return s7p_malformed(out, "bad_opcode");
	rd_skip(&pl, 2);
	fn = rd_be16(&pl);
	rd_skip(&pl, 2);
	seq = rd_be16(&pl);
	if (opc == OP_REQ)
		rd_skip(&pl, 4); /* session id */
	rd_skip(&pl, 1); /* transport flags */
	if (!rd_ok(&pl))
		return s7p_malformed(out, "short_data_header");
	f = s7p_fn_find(fn);
	op.function = fn;
	op.has_qualifier = 1;
	op.qualifier = (uint32_t)ver << 8 | opc;
	op.function_name = f ? f->name : "unknown";
	op.op_class = f ? f->op_class : OTS_OP_OTHER;
	op.is_response = opc != OP_REQ;
	op.has_transaction = 1;
	op.transaction = seq;
	d = pl;
	if (fn == FN_CREATE_OBJECT && ver == 1)
		op.op_class = OTS_OP_AUTH; /* the session itself */
	if (opc == OP_REQ) {
		if (fn == FN_SET_VARIABLE && s7p_is_mode_change(d))
			op.op_class = OTS_OP_MODE_CHANGE;
		s7p_pair_put(st, dir, seq, fn, op.op_class);
	} else {
		uint8_t cls;

		if (s7p_pair_take(st, dir, seq, fn, &cls))
			op.op_class = cls;
		if (fn == FN_ERROR || fn == FN_ERROR2) {
			uint32_t rv = s7p_vlq(&d);

			op.has_exception = 1;
			op.exception = rd_ok(&d) ? rv : 0;
		}
		if (fn == FN_CREATE_OBJECT)
			s7p_identity(pl, out);
		if (fn == FN_INIT_SSL && st)
			st->tls = 1;
	}
	ots_emit_op(out, &op);
	return OTS_OK;
}

static void
s7p_gap(void *state, int dir)
{
	struct s7p_state *st = state;

	if (st)
		st->frag[dir & 1] = 0;
}

/* Catalog: the function table ("create_object" authenticates a V1 session, "set_variable"
 * may change the operating state: their class varies), keep-alive, notification and
 * "unknown". */
static void
s7p_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(s7p_fns) / sizeof(s7p_fns[0]); i++) {
		uint16_t fn = s7p_fns[i].code;

		ots_fn_visit(visit, ctx, s7p_fns[i].name, fn,
		             fn == FN_CREATE_OBJECT || fn == FN_SET_VARIABLE ? OTS_OP__COUNT
		                                                              : s7p_fns[i].op_class);
	}
	ots_fn_visit(visit, ctx, "keep_alive", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "notification", 0, OTS_OP_EVENT);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_s7comm_plus = {
	.name = "s7comm_plus",
	.id = OTS_PROTO_S7COMM_PLUS,
	.transports = OTS_TR_TCP,
	.ethertype = 0x0000,
	.ports = { 102 },
	.max_pdu = 65535,
	.state_size = sizeof(struct s7p_state),
	.probe = s7p_probe,
	.pdu_len = s7p_pdu_len,
	.parse = s7p_parse,
	.gap = s7p_gap,
	.functions = s7p_functions,
};
