/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fins.c: Omron FINS dissector, FINS/UDP and FINS/TCP (port 9600 is a hint only).
 *
 * Spec: Omron "FINS Commands Reference Manual" (W227) and the Ethernet unit operation manuals
 * (W421, W342) for FINS/TCP.
 *
 * FINS frame (UDP datagram, or the payload of a FINS/TCP "frame send"):
 *   0    1    2    3    4    5    6    7    8    9    10   11   12
 *   +----+----+----+----+----+----+----+----+----+----+----+----+-----------+------+
 *   |ICF |RSV |GCT |DNA |DA1 |DA2 |SNA |SA1 |SA2 |SID |MRC |SRC |[MRES SRES]| data |
 *   +----+----+----+----+----+----+----+----+----+----+----+----+-----------+------+
 *   ICF: bit 7 gateway used, bit 6 response, bit 0 response NOT required, bits 1-5 zero.
 *   Responses carry the end code (MRES SRES) before their data; MRES bit 7 and SRES bits 6-7
 *   are relay / CPU error flags, not part of the code.
 *
 * FINS/TCP: "FINS" magic (BE32), length (BE32, bytes after it), command (BE32: 0 node address
 * data send client->server, 1 node address data send server->client, 2 frame send, 3 frame
 * send error notification, 6 connection confirmation), error code (BE32), then the body.
 *
 * Ops: one per FINS frame: function = (MRC << 8) | SRC, transaction = SID, unit = DA1 (the
 * destination node) for commands and SA1 (the answering node) for responses, exception = the
 * masked end code when non-zero. Memory area read/write/fill/transfer give the 24-bit begin
 * address (word << 8 | bit) and the element count; responses get them from their command
 * (paired by SID and command code). FINS/TCP messages other than frame send are ops too,
 * function 0x10000 | command (class other). Controller data read (0501) responses give the
 * controller model and version as MODEL and FIRMWARE facts of the sender. Program area
 * protect / protect clear (0304/0305) carry a 4-byte password in clear: flagged
 * OTS_FLAG_CLEARTEXT_CREDENTIAL.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define FINS_PORT 9600
#define FINS_HDR 10
#define FINS_MAGIC 0x46494e53u
#define FINS_TCP_HDR 16
#define FINS_TCP_MAXLEN 4088    /* max_pdu - 8 */
#define FINS_PENDING 16
#define FINS_TCP_FUNC 0x10000u

#define ICF_RESP 0x40
#define ICF_RSVD 0x3e

struct fins_cmd {
	uint16_t code;
	uint8_t cls;
	const char *name;
};

static const struct fins_cmd fins_cmds[] = {
	{ 0x0101, OTS_OP_READ, "memory_area_read" },
	{ 0x0102, OTS_OP_WRITE, "memory_area_write" },
	{ 0x0103, OTS_OP_WRITE, "memory_area_fill" },
	{ 0x0104, OTS_OP_READ, "multiple_memory_area_read" },
	{ 0x0105, OTS_OP_WRITE, "memory_area_transfer" },
	{ 0x0201, OTS_OP_READ, "parameter_area_read" },
	{ 0x0202, OTS_OP_WRITE, "parameter_area_write" },
	{ 0x0203, OTS_OP_WRITE, "parameter_area_clear" },
	{ 0x0304, OTS_OP_AUTH, "program_area_protect" },
	{ 0x0305, OTS_OP_AUTH, "program_area_protect_clear" },
	{ 0x0306, OTS_OP_PROGRAM, "program_area_read" },
	{ 0x0307, OTS_OP_PROGRAM, "program_area_write" },
	{ 0x0308, OTS_OP_PROGRAM, "program_area_clear" },
	{ 0x0401, OTS_OP_MODE_CHANGE, "run" },
	{ 0x0402, OTS_OP_MODE_CHANGE, "stop" },
	{ 0x0501, OTS_OP_IDENTITY, "controller_data_read" },
	{ 0x0502, OTS_OP_READ, "connection_data_read" },
	{ 0x0601, OTS_OP_DIAGNOSTIC, "controller_status_read" },
	{ 0x0620, OTS_OP_DIAGNOSTIC, "cycle_time_read" },
	{ 0x0701, OTS_OP_READ, "clock_read" },
	{ 0x0702, OTS_OP_TIME_SYNC, "clock_write" },
	{ 0x0801, OTS_OP_DIAGNOSTIC, "loopback_test" },
	{ 0x0802, OTS_OP_DIAGNOSTIC, "broadcast_test_results_read" },
	{ 0x0803, OTS_OP_DIAGNOSTIC, "broadcast_test_data_send" },
	{ 0x0920, OTS_OP_READ, "message_read" },
	{ 0x0c01, OTS_OP_AUTH, "access_right_acquire" },
	{ 0x0c02, OTS_OP_AUTH, "access_right_forced_acquire" },
	{ 0x0c03, OTS_OP_AUTH, "access_right_release" },
	{ 0x2101, OTS_OP_DIAGNOSTIC, "error_clear" },
	{ 0x2102, OTS_OP_DIAGNOSTIC, "error_log_read" },
	{ 0x2103, OTS_OP_DIAGNOSTIC, "error_log_clear" },
	{ 0x2201, OTS_OP_FILE, "file_name_read" },
	{ 0x2202, OTS_OP_FILE, "single_file_read" },
	{ 0x2203, OTS_OP_FILE, "single_file_write" },
	{ 0x2204, OTS_OP_FILE, "file_memory_format" },
	{ 0x2205, OTS_OP_FILE, "file_delete" },
	{ 0x2206, OTS_OP_FILE, "volume_label_create_delete" },
	{ 0x2207, OTS_OP_FILE, "file_copy" },
	{ 0x2208, OTS_OP_FILE, "file_name_change" },
	{ 0x2209, OTS_OP_FILE, "file_data_check" },
	{ 0x220a, OTS_OP_FILE, "memory_area_file_transfer" },
	{ 0x220b, OTS_OP_FILE, "parameter_area_file_transfer" },
	{ 0x220c, OTS_OP_FILE, "program_area_file_transfer" },
	{ 0x2215, OTS_OP_FILE, "create_delete_directory" },
	{ 0x2301, OTS_OP_CONTROL, "forced_set_reset" },
	{ 0x2302, OTS_OP_CONTROL, "forced_set_reset_cancel" },
};

struct fins_pending {
	uint8_t used;
	uint8_t sid;
	uint16_t cmd;
	uint8_t has_addr;
	uint32_t start;
	uint32_t count;
};

struct fins_state {
	uint8_t next;
	struct fins_pending pend[FINS_PENDING];
};

static const struct fins_cmd *
fins_lookup(uint16_t code)
{
	size_t i;

	for (i = 0; i < sizeof(fins_cmds) / sizeof(fins_cmds[0]); i++)
		if (fins_cmds[i].code == code)
			return &fins_cmds[i];
	return NULL;
}

static int
fins_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_FINS, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static int
fins_tcp_cmd_ok(uint32_t c)
{
	return c <= 3 || c == 6;
}

/* FINS header invariants shared by probe and parse. */
static int
fins_hdr_ok(uint8_t icf, uint8_t rsv, uint8_t gct)
{
	return (icf & ICF_RSVD) == 0 && rsv == 0 && gct <= 7;
}

static long
fins_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint32_t magic, l;
	size_t i;
	int ok;

	rd_init(&r, data, len);
	for (i = 0; i < 4 && i < len; i++) {
		uint8_t b = rd_peek_u8(&r, i, &ok);

		if (!ok || b != (uint8_t)(FINS_MAGIC >> (24 - 8 * i)))
			return -1;
	}
	if (len < 8)
		return 0;
	magic = rd_be32(&r);
	l = rd_be32(&r);
	if (magic != FINS_MAGIC || l < 8 || l > FINS_TCP_MAXLEN)
		return -1;
	return (long)l + 8;
}

static int
fins_port(const struct ots_dissect_pkt *pkt)
{
	return pkt && (pkt->sport == FINS_PORT || pkt->dport == FINS_PORT);
}

static int
fins_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint32_t magic, l, cmd;
	uint8_t icf, rsv, gct;
	uint16_t code;
	int score;

	rd_init(&r, data, len);
	magic = rd_be32(&r);
	if (rd_ok(&r) && magic == FINS_MAGIC) {
		l = rd_be32(&r);
		cmd = rd_be32(&r);
		if (!rd_ok(&r) || l < 8 || l > FINS_TCP_MAXLEN || !fins_tcp_cmd_ok(cmd))
			return OTS_PROBE_NO;
		return OTS_PROBE_SURE;
	}
	rd_init(&r, data, len);
	icf = rd_u8(&r);
	rsv = rd_u8(&r);
	gct = rd_u8(&r);
	rd_skip(&r, 7);
	code = rd_be16(&r);
	if (!rd_ok(&r) || !fins_hdr_ok(icf, rsv, gct) || !fins_lookup(code))
		return OTS_PROBE_NO;
	if ((icf & ICF_RESP) && len < FINS_HDR + 4)
		return OTS_PROBE_NO;
	score = 60;
	if (fins_port(pkt))
		score += 30;
	return score;
}

static void
fins_addr(struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	op->has_addr = 1;
	op->addr_start = start;
	op->addr_count = count;
}

/* Command bodies that name memory addresses; others are only length-checked loosely. */
static int
fins_command(struct ots_rd *r, struct ots_ics_op *op, const struct ots_dissect_out *out)
{
	uint32_t a;
	uint16_t n;
	size_t left;

	switch (op->function) {
	case 0x0101: /* area, begin address (3), count */
	case 0x0102: /* + data */
	case 0x0103: /* + 2-byte fill value */
		rd_skip(r, 1);
		a = rd_be24(r);
		n = rd_be16(r);
		if (!rd_ok(r))
			return fins_bad(out, "short_command");
		fins_addr(op, a, n);
		if (op->function == 0x0101 && rd_left(r) != 0)
			return fins_bad(out, "length_mismatch");
		if (op->function == 0x0103 && rd_left(r) != 2)
			return fins_bad(out, "length_mismatch");
		if (op->function == 0x0102 && (n == 0 || rd_left(r) < n))
			return fins_bad(out, "length_mismatch");
		return OTS_OK;
	case 0x0104: /* (area, begin address) x N */
		left = rd_left(r);
		if (left == 0 || left % 4 != 0)
			return fins_bad(out, "length_mismatch");
		rd_skip(r, 1);
		a = rd_be24(r);
		fins_addr(op, a, (uint32_t)(left / 4));
		return OTS_OK;
	case 0x0105: /* source area+address, destination area+address, count */
		rd_skip(r, 4);
		rd_skip(r, 1);
		a = rd_be24(r);
		n = rd_be16(r);
		if (!rd_ok(r))
			return fins_bad(out, "short_command");
		fins_addr(op, a, n);
		return rd_left(r) ? fins_bad(out, "length_mismatch") : OTS_OK;
	case 0x0304: /* program no, protect code, first word, last word, password (4) */
	case 0x0305:
		rd_skip(r, 11);
		if (!rd_ok(r) || rd_left(r) < 4)
			return fins_bad(out, "short_command");
		ots_emit_flag(out, OTS_PROTO_FINS, OTS_FLAG_CLEARTEXT_CREDENTIAL,
		              "program_protect_password");
		return OTS_OK;
	default:
		return OTS_OK;
	}
}

/* A 20-byte text field: up to the first NUL, without surrounding spaces. */
static void
fins_text_fact(struct ots_rd *r, uint8_t attr, const struct ots_dissect_out *out)
{
	char b[20];
	size_t l = 0, lead = 0;

	rd_copy(r, b, sizeof(b));
	if (!rd_ok(r))
		return;
	while (l < sizeof(b) && b[l] != '\0')
		l++;
	while (lead < l && b[lead] == ' ')
		lead++;
	while (l > lead && b[l - 1] == ' ')
		l--;
	ots_emit_fact(out, OTS_PROTO_FINS, attr, OTS_SIDE_SENDER, 90, "FINS 0501", b + lead,
	              l - lead);
}

static struct fins_pending *
fins_find(struct fins_state *st, uint8_t sid, uint16_t cmd)
{
	size_t i;

	if (!st)
		return NULL;
	for (i = 0; i < FINS_PENDING; i++)
		if (st->pend[i].used && st->pend[i].sid == sid && st->pend[i].cmd == cmd)
			return &st->pend[i];
	return NULL;
}

static void
fins_remember(struct fins_state *st, const struct ots_ics_op *op)
{
	struct fins_pending *p;

	if (!st)
		return;
	p = fins_find(st, (uint8_t)op->transaction, (uint16_t)op->function);
	if (!p) {
		p = &st->pend[st->next % FINS_PENDING];
		st->next = (uint8_t)((st->next + 1) % FINS_PENDING);
	}
	p->used = 1;
	p->sid = (uint8_t)op->transaction;
	p->cmd = (uint16_t)op->function;
	p->has_addr = op->has_addr;
	p->start = op->addr_start;
	p->count = op->addr_count;
}

/* One FINS frame (a UDP datagram or a FINS/TCP frame-send body). */
static int
fins_frame(struct fins_state *st, struct ots_rd *r, const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	const struct fins_cmd *c;
	struct fins_pending *p;
	uint8_t icf, rsv, gct, da1, sa1, sid, mres, sres;
	uint16_t code, end;
	int rc = OTS_OK;

	icf = rd_u8(r);
	rsv = rd_u8(r);
	gct = rd_u8(r);
	rd_skip(r, 1); /* DNA */
	da1 = rd_u8(r);
	rd_skip(r, 2); /* DA2, SNA */
	sa1 = rd_u8(r);
	rd_skip(r, 1); /* SA2 */
	sid = rd_u8(r);
	code = rd_be16(r);
	if (!rd_ok(r))
		return fins_bad(out, "short_frame");
	if (!fins_hdr_ok(icf, rsv, gct))
		return fins_bad(out, "bad_header");

	c = fins_lookup(code);
	op.proto = OTS_PROTO_FINS;
	op.function = code;
	op.function_name = c ? c->name : "unknown";
	op.op_class = c ? c->cls : OTS_OP_OTHER;
	op.has_transaction = 1;
	op.transaction = sid;
	op.has_unit = 1;
	if (!(icf & ICF_RESP)) {
		op.unit = da1;
		rc = fins_command(r, &op, out);
		fins_remember(st, &op);
		ots_emit_op(out, &op);
		return rc;
	}

	op.is_response = 1;
	op.unit = sa1;
	mres = rd_u8(r);
	sres = rd_u8(r);
	if (!rd_ok(r)) {
		ots_emit_op(out, &op);
		return fins_bad(out, "short_response");
	}
	end = (uint16_t)(((mres & 0x7f) << 8) | (sres & 0x3f));
	if (end) {
		op.has_exception = 1;
		op.exception = end;
	}
	p = fins_find(st, sid, code);
	if (p) {
		if (p->has_addr)
			fins_addr(&op, p->start, p->count);
		p->used = 0;
	}
	if (code == 0x0501 && !end && rd_left(r) > 0) {
		if (rd_left(r) < 40) {
			rc = fins_bad(out, "short_controller_data");
		} else {
			fins_text_fact(r, OTS_FACT_MODEL, out);
			fins_text_fact(r, OTS_FACT_FIRMWARE, out);
		}
	}
	ots_emit_op(out, &op);
	return rc;
}

static const char *
fins_tcp_name(uint32_t cmd)
{
	switch (cmd) {
	case 0:
	case 1:
		return "node_address_data_send";
	case 3:
		return "frame_send_error_notification";
	case 6:
		return "connection_confirmation";
	default:
		return "frame_send";
	}
}

static int
fins_tcp(struct fins_state *st, struct ots_rd *r, const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	uint32_t l, cmd, err;
	size_t body;

	rd_skip(r, 4); /* magic, checked by the caller */
	l = rd_be32(r);
	cmd = rd_be32(r);
	err = rd_be32(r);
	if (!rd_ok(r))
		return fins_bad(out, "short_tcp_header");
	if (l < 8 || l > FINS_TCP_MAXLEN || (size_t)l - 8 != rd_left(r))
		return fins_bad(out, "bad_tcp_length");
	if (!fins_tcp_cmd_ok(cmd))
		return fins_bad(out, "bad_tcp_command");
	if (cmd == 2)
		return fins_frame(st, r, out);

	body = rd_left(r);
	op.proto = OTS_PROTO_FINS;
	op.function = FINS_TCP_FUNC | cmd;
	op.function_name = fins_tcp_name(cmd);
	op.op_class = OTS_OP_OTHER;
	op.is_response = cmd != 0;
	if (err) {
		op.has_exception = 1;
		op.exception = err;
	}
	ots_emit_op(out, &op);
	if ((cmd == 0 && body != 4) || (cmd == 1 && body != 8))
		return fins_bad(out, "bad_tcp_length");
	return OTS_OK;
}

static int
fins_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
           const struct ots_dissect_out *out)
{
	struct fins_state *st = state;
	struct ots_rd r;
	uint32_t magic;

	(void)pkt;
	rd_init(&r, data, len);
	magic = rd_be32(&r);
	rd_init(&r, data, len);
	/* An ICF of 0x46 has reserved bits set: the magic cannot start a FINS frame. */
	if (len >= 4 && magic == FINS_MAGIC)
		return fins_tcp(st, &r, out);
	return fins_frame(st, &r, out);
}

static void
fins_gap(void *state, int dir)
{
	struct fins_state *st = state;

	(void)dir;
	if (st)
		memset(st->pend, 0, sizeof(st->pend));
}

/* Catalog: FINS commands and "unknown"; FINS/TCP commands other than frame send (code
 * 0x10000 | command: frame send carries a FINS frame, reported as its command). */
static void
fins_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;
	uint32_t c;

	for (i = 0; i < sizeof(fins_cmds) / sizeof(fins_cmds[0]); i++)
		ots_fn_visit(visit, ctx, fins_cmds[i].name, fins_cmds[i].code, fins_cmds[i].cls);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	for (c = 0; c < 256; c++)
		if (fins_tcp_cmd_ok(c) && c != 2)
			ots_fn_visit(visit, ctx, fins_tcp_name(c), FINS_TCP_FUNC | c, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_fins = {
	.name = "fins",
	.id = OTS_PROTO_FINS,
	.transports = OTS_TR_TCP | OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { FINS_PORT },
	.max_pdu = 4096,
	.state_size = sizeof(struct fins_state),
	.probe = fins_probe,
	.pdu_len = fins_pdu_len,
	.parse = fins_parse,
	.gap = fins_gap,
	.fini = NULL,
	.functions = fins_functions,
};
