/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slmp.c: Mitsubishi MELSEC SLMP / MC protocol (3E and 4E frames, binary and ASCII, TCP and
 * UDP), plus recognition of the MELSOFT engineering protocol (GX Works, ports 5560/5562).
 *
 * References: Mitsubishi "SLMP Reference Manual" and "MELSEC Communication Protocol Reference
 * Manual" (public): frame formats, command and subcommand codes, end codes, read type name.
 *
 * Binary 3E (4E inserts serial number and a zero word after the subheader):
 *   request  50 00 [54 00 serial(2) 00 00] net pc io(LE16) st len(LE16) | timer(2) cmd(2) sub(2) data
 *   response D0 00 [D4 00 serial(2) 00 00] net pc io(LE16) st len(LE16) | end(2) data-or-errinfo
 *   len counts the bytes after itself. Error information (end code != 0): net pc io st cmd sub.
 * ASCII frames carry the same fields as upper-case hex text, most significant digit first
 * ("5000", "D000", "5400", "D400"); every length counts characters. ASCII frames are decoded up
 * to command/subcommand and end code; device addresses are only decoded for binary frames.
 *
 * Choices: unit = network number << 8 | PC number (the station the request addresses;
 * 0x00FF = the connected station). 4E frames pair by serial number (= transaction); 3E frames
 * pair first-in first-out per flow. Request and response are told by the subheader, never by
 * direction.
 *
 * MELSOFT (proprietary engineering protocol, not documented by Mitsubishi; layout from the
 * captures and the public Nozomi Networks research, Black Hat MEA 2023):
 *   57 xx (request) / D7 xx (response), 21-byte header with a LE16 size at offset 19 counting
 *   the bytes after it (framing as SLMP). Then a command header: type 0x1C (request) / 0x9C
 *   (response), its remaining size at +2 (22 / 24); a response carries a status word (BE) at
 *   +4. Then command data: command code (BE16), packet reference (LE16, echoed by the
 *   response: transaction). Ops of MELSOFT carry function = 0x10000 | command code so the two
 *   code spaces never mix, with names prefixed "melsoft_". Short 5A/DA datagrams on 5560/UDP
 *   are the GX Works station search: class discovery, function 0x20000 | search type.
 */
#include <stdio.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define SL_PENDING 16
#define SL_MAX_POINTS 7168   /* largest batch point count of any CPU (bits) */
#define SL_MAX_LEN 8192
#define MS_FN 0x10000u       /* MELSOFT command code space */
#define MS_SEARCH_FN 0x20000u
#define MS_HDR 21

struct sl_cmd {
	uint16_t cmd;
	uint8_t cls;
	const char *name;
};

static const struct sl_cmd sl_cmds[] = {
	{ 0x0101, OTS_OP_IDENTITY, "read_cpu_model" },
	{ 0x0401, OTS_OP_READ, "device_read_batch" },
	{ 0x0403, OTS_OP_READ, "device_read_random" },
	{ 0x0406, OTS_OP_READ, "device_read_block" },
	{ 0x0601, OTS_OP_READ, "intelligent_module_read" },
	{ 0x0613, OTS_OP_READ, "buffer_memory_read" },
	{ 0x0619, OTS_OP_DIAGNOSTIC, "loopback_test" },
	{ 0x0801, OTS_OP_READ, "monitor_register" },
	{ 0x0802, OTS_OP_READ, "monitor" },
	{ 0x1001, OTS_OP_MODE_CHANGE, "remote_run" },
	{ 0x1002, OTS_OP_MODE_CHANGE, "remote_stop" },
	{ 0x1003, OTS_OP_MODE_CHANGE, "remote_pause" },
	{ 0x1005, OTS_OP_MODE_CHANGE, "remote_latch_clear" },
	{ 0x1006, OTS_OP_RESTART, "remote_reset" },
	{ 0x1401, OTS_OP_WRITE, "device_write_batch" },
	{ 0x1402, OTS_OP_WRITE, "device_write_random" },
	{ 0x1406, OTS_OP_WRITE, "device_write_block" },
	{ 0x1601, OTS_OP_WRITE, "intelligent_module_write" },
	{ 0x1613, OTS_OP_WRITE, "buffer_memory_write" },
	{ 0x1617, OTS_OP_DIAGNOSTIC, "clear_error" },
	{ 0x1630, OTS_OP_AUTH, "remote_password_unlock" },
	{ 0x1631, OTS_OP_AUTH, "remote_password_lock" },
	{ 0x1810, OTS_OP_FILE, "read_directory" },
	{ 0x1811, OTS_OP_FILE, "search_directory" },
	{ 0x1820, OTS_OP_FILE, "new_file" },
	{ 0x1822, OTS_OP_FILE, "delete_file" },
	{ 0x1824, OTS_OP_FILE, "copy_file" },
	{ 0x1825, OTS_OP_FILE, "change_file_state" },
	{ 0x1826, OTS_OP_FILE, "change_file_date" },
	{ 0x1827, OTS_OP_FILE, "open_file" },
	{ 0x1828, OTS_OP_FILE, "read_file" },
	{ 0x1829, OTS_OP_FILE, "write_file" },
	{ 0x182a, OTS_OP_FILE, "close_file" },
};

/* MELSOFT command codes with a public name (Nozomi research); others by range below. */
static const struct sl_cmd ms_cmds[] = {
	{ 0x0121, OTS_OP_IDENTITY, "melsoft_open" },
	{ 0x0131, OTS_OP_AUTH, "melsoft_username_login" },
	{ 0x0132, OTS_OP_AUTH, "melsoft_password_login" },
	{ 0x0133, OTS_OP_AUTH, "melsoft_read_user_info" },
	{ 0x0134, OTS_OP_AUTH, "melsoft_read_user_info" },
	{ 0x0150, OTS_OP_READ, "melsoft_safety_mode_read" },
	/* 0x0410/0x0411: GX Works' cyclic monitor exchange in the captures; named "modify
	 * value" by the research, but its direction is not documented: class other */
	{ 0x0410, OTS_OP_OTHER, "melsoft_device_access" },
	{ 0x1001, OTS_OP_MODE_CHANGE, "melsoft_remote_run" },
	{ 0x1002, OTS_OP_MODE_CHANGE, "melsoft_remote_stop" },
	{ 0x1003, OTS_OP_MODE_CHANGE, "melsoft_remote_pause" },
	{ 0x1006, OTS_OP_RESTART, "melsoft_remote_reset" },
	{ 0x1120, OTS_OP_MODE_CHANGE, "melsoft_safety_mode_change" },
	{ 0x1133, OTS_OP_AUTH, "melsoft_user_registration" },
	{ 0x1859, OTS_OP_FILE, "melsoft_file_list" },
	{ 0x1868, OTS_OP_FILE, "melsoft_file_read" },
	{ 0x1869, OTS_OP_FILE, "melsoft_file_write" },
};

struct sl_pending {
	uint8_t used;
	uint8_t is4e;
	uint8_t has_addr;
	uint16_t serial;
	uint16_t cmd;
	uint16_t sub;
	uint32_t start;
	uint32_t count;
	uint32_t seq;
};

struct sl_state {
	uint32_t seq;
	struct sl_pending pend[SL_PENDING];
};

/* The decoded frame header, binary or ASCII. */
struct sl_hdr {
	uint8_t resp;
	uint8_t is4e;
	uint8_t ascii;
	uint16_t serial;
	uint8_t net;
	uint8_t pc;
	uint16_t io;
	uint8_t st;
	uint32_t len;     /* data length field (bytes or characters) */
	size_t hlen;      /* bytes before the counted part */
};

static const struct sl_cmd *
cmd_find(const struct sl_cmd *t, size_t n, uint16_t cmd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].cmd == cmd)
			return &t[i];
	return NULL;
}

static const struct sl_cmd *
sl_lookup(uint16_t cmd)
{
	return cmd_find(sl_cmds, sizeof(sl_cmds) / sizeof(sl_cmds[0]), cmd);
}

static int
sl_bad(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_SLMP, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

/* ---- field reading: binary little-endian or ASCII hex text ---- */

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* An n-byte field: n bytes little-endian, or 2n hex characters most significant first.
 * A non-hex character fails the reader with OTS_EINVAL. */
static uint32_t
fld(struct ots_rd *r, int ascii, size_t n)
{
	const uint8_t *p;
	uint32_t v = 0;
	size_t i;

	if (!ascii) {
		p = rd_ptr(r, n);
		if (!p)
			return 0;
		for (i = n; i > 0; i--)
			v = (v << 8) | p[i - 1];
		return v;
	}
	p = rd_ptr(r, 2 * n);
	if (!p)
		return 0;
	for (i = 0; i < 2 * n; i++) {
		int h = hexval(p[i]);

		if (h < 0) {
			rd_fail(r, OTS_EINVAL);
			return 0;
		}
		v = (v << 4) | (uint32_t)h;
	}
	return v;
}

/* Subheader: 0 none, else which frame. Reads 2 bytes (binary) or 4 characters (ASCII). */
static int
sl_subheader(const uint8_t *d, size_t len, struct sl_hdr *h)
{
	struct ots_rd r;
	uint8_t a, b;

	memset(h, 0, sizeof(*h));
	rd_init(&r, d, len);
	a = rd_u8(&r);
	b = rd_u8(&r);
	if (!rd_ok(&r))
		return 0;
	if (b == 0x00 && (a == 0x50 || a == 0xd0 || a == 0x54 || a == 0xd4)) {
		h->resp = (a & 0x80) != 0;
		h->is4e = (a & 0x7f) == 0x54;
		return 1;
	}
	/* ASCII: "5000" "D000" "5400" "D400" */
	if ((a == '5' || a == 'D') && (b == '0' || b == '4')) {
		const uint8_t *p;

		p = rd_ptr(&r, 2);
		if (!p || p[0] != '0' || p[1] != '0')
			return 0;
		h->ascii = 1;
		h->resp = a == 'D';
		h->is4e = b == '4';
		return 1;
	}
	return 0;
}

/* Whole header up to and including the length field. Returns OTS_OK, ETRUNC or EINVAL. */
static int
sl_header(const uint8_t *d, size_t len, struct sl_hdr *h)
{
	struct ots_rd r;
	int asc;

	if (!sl_subheader(d, len, h))
		return OTS_EINVAL;
	asc = h->ascii;
	rd_init(&r, d, len);
	rd_skip(&r, asc ? 4 : 2);
	if (h->is4e) {
		uint32_t z;

		h->serial = (uint16_t)fld(&r, asc, 2);
		z = fld(&r, asc, 2);
		if (rd_ok(&r) && z != 0)
			return OTS_EINVAL;
	}
	h->net = (uint8_t)fld(&r, asc, 1);
	h->pc = (uint8_t)fld(&r, asc, 1);
	h->io = (uint16_t)fld(&r, asc, 2);
	h->st = (uint8_t)fld(&r, asc, 1);
	h->len = fld(&r, asc, 2);
	if (!rd_ok(&r))
		return r.err;
	h->hlen = rd_off(&r);
	/* the counted part holds at least timer+cmd+sub (request) or the end code (response) */
	if (h->len < (uint32_t)(asc ? 2 : 1) * (h->resp ? 2u : 6u))
		return OTS_EINVAL;
	if (h->hlen + h->len > SL_MAX_LEN)
		return OTS_EINVAL;
	return OTS_OK;
}

/* ---- MELSOFT ---- */

static int
ms_is_frame(const uint8_t *d, size_t len)
{
	int ok1, ok2;
	struct ots_rd r;
	uint8_t a;

	rd_init(&r, d, len);
	a = rd_peek_u8(&r, 0, &ok1);
	(void)rd_peek_u8(&r, 1, &ok2);
	return ok1 && ok2 && (a == 0x57 || a == 0xd7);
}

/* Size of a MELSOFT frame from its header: > 0, 0 need more, < 0 not one. */
static long
ms_frame_len(const uint8_t *d, size_t len)
{
	struct ots_rd r;
	uint16_t l;

	rd_init(&r, d, len);
	if (rd_left(&r) < MS_HDR)
		return 0;
	rd_skip(&r, 19);
	l = rd_le16(&r);
	if (!rd_ok(&r) || l < 8 || (size_t)l + MS_HDR > SL_MAX_LEN)
		return -1;
	return (long)(MS_HDR + l);
}

/* Header invariants a MELSOFT frame of exactly len bytes must show. */
static int
ms_check(const uint8_t *d, size_t len, int *resp, size_t *cmd_off)
{
	struct ots_rd r;
	uint8_t sh, type, rem;
	uint16_t l;

	rd_init(&r, d, len);
	sh = rd_u8(&r);
	rd_skip(&r, 18);
	l = rd_le16(&r);
	type = rd_u8(&r);
	rd_skip(&r, 1);
	rem = rd_u8(&r);
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	*resp = sh == 0xd7;
	if ((size_t)l + MS_HDR != len)
		return OTS_EINVAL;
	if (type != (*resp ? 0x9c : 0x1c) || rem != (*resp ? 24 : 22))
		return OTS_EINVAL;
	*cmd_off = MS_HDR + 2 + (size_t)rem;
	if (*cmd_off + 4 > len)
		return OTS_EINVAL;
	return OTS_OK;
}

static uint8_t
ms_class(uint16_t cmd, const char **name)
{
	const struct sl_cmd *c = cmd_find(ms_cmds, sizeof(ms_cmds) / sizeof(ms_cmds[0]), cmd);

	if (c) {
		*name = c->name;
		return c->cls;
	}
	if ((cmd & 0xff00) == 0x1800) {
		*name = "melsoft_file";
		return OTS_OP_FILE;
	}
	*name = "melsoft_command";
	return OTS_OP_OTHER;
}

/* Printable model name of up to n bytes padded with NULs or spaces: its length, 0 if not. */
static size_t
model_len(const uint8_t *p, size_t n)
{
	size_t i, end = 0;
	int pad = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == 0 || p[i] == ' ') {
			pad = pad || p[i] == 0;
			continue;
		}
		if (pad || p[i] < 0x21 || p[i] > 0x7e)
			return 0;
		end = i + 1;
	}
	return end;
}

static void
emit_code(const struct ots_dissect_out *out, const char *src, uint16_t code)
{
	char v[8];
	int k = snprintf(v, sizeof(v), "0x%04x", code);

	if (k > 0)
		ots_emit_fact(out, OTS_PROTO_SLMP, OTS_FACT_PRODUCT_CODE, OTS_SIDE_SENDER, 90, src, v,
		              (size_t)k);
}

/* 16-byte model name then model code (LE16): SLMP 0101 and the MELSOFT open answer. */
static void
emit_model(struct ots_rd *r, const struct ots_dissect_out *out, const char *src)
{
	const uint8_t *m = rd_ptr(r, 16);
	uint16_t code;
	size_t n;

	if (!m)
		return;
	n = model_len(m, 16);
	if (!n)
		return;
	ots_emit_fact(out, OTS_PROTO_SLMP, OTS_FACT_MODEL, OTS_SIDE_SENDER, 90, src,
	              (const char *)m, n);
	code = rd_le16(r);
	if (rd_ok(r))
		emit_code(out, src, code);
}

static int
ms_parse(const uint8_t *d, size_t len, const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	struct ots_rd r;
	size_t coff = 0;
	int resp = 0, rc;
	uint16_t cmd, ref, status = 0;

	rc = ms_check(d, len, &resp, &coff);
	if (rc == OTS_ETRUNC)
		return sl_bad(out, "short_pdu");
	if (rc != OTS_OK)
		return sl_bad(out, "melsoft_bad_header");
	rd_init(&r, d, len);
	if (resp) {
		rd_skip(&r, MS_HDR + 4);
		status = rd_be16(&r);
	}
	rd_init(&r, d, len);
	rd_skip(&r, coff);
	cmd = rd_be16(&r);
	ref = rd_le16(&r);
	if (!rd_ok(&r))
		return sl_bad(out, "short_pdu");
	op.proto = OTS_PROTO_SLMP;
	op.is_response = (uint8_t)resp;
	op.function = MS_FN | cmd;
	op.op_class = ms_class(cmd, &op.function_name);
	op.has_transaction = 1;
	op.transaction = ref;
	if (!resp) {
		struct ots_rd h;

		rd_init(&h, d, len);
		rd_skip(&h, 9);
		op.unit = (uint32_t)rd_u8(&h) << 8;
		op.unit |= rd_u8(&h);
		op.has_unit = 1;
	} else if (status != 0) {
		op.has_exception = 1;
		op.exception = status;
	}
	ots_emit_op(out, &op);
	if (resp && status == 0 && cmd == 0x0121) {
		rd_skip(&r, 2);
		emit_model(&r, out, "MELSOFT 0121");
	}
	return OTS_OK;
}

/* GX Works station search on 5560/UDP: 5A 00 00 type (request), DA 00 00 type ... (answer). */
static int
ms_search(const uint8_t *d, size_t len, int *resp, uint8_t *type)
{
	struct ots_rd r;
	uint8_t a, b, c;

	rd_init(&r, d, len);
	a = rd_u8(&r);
	b = rd_u8(&r);
	c = rd_u8(&r);
	*type = rd_u8(&r);
	if (!rd_ok(&r) || b != 0 || c != 0 || (a != 0x5a && a != 0xda))
		return 0;
	*resp = a == 0xda;
	if (!*resp && len != 4)
		return 0;
	if (*resp && len < 8)
		return 0;
	return 1;
}

/* ---- pairing ---- */

static void
sl_remember(struct sl_state *st, const struct sl_hdr *h, const struct ots_ics_op *op,
            uint16_t sub)
{
	struct sl_pending *p = NULL;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < SL_PENDING && !p; i++)
		if (h->is4e && st->pend[i].used && st->pend[i].is4e && st->pend[i].serial == h->serial)
			p = &st->pend[i];
	for (i = 0; i < SL_PENDING && !p; i++)
		if (!st->pend[i].used)
			p = &st->pend[i];
	if (!p) { /* full: drop the oldest */
		p = &st->pend[0];
		for (i = 1; i < SL_PENDING; i++)
			if (st->pend[i].seq < p->seq)
				p = &st->pend[i];
	}
	p->used = 1;
	p->is4e = h->is4e;
	p->serial = h->serial;
	p->cmd = (uint16_t)op->function;
	p->sub = sub;
	p->has_addr = op->has_addr;
	p->start = op->addr_start;
	p->count = op->addr_count;
	p->seq = ++st->seq;
}

/* The request a response answers: by serial (4E) or the oldest 3E request. */
static struct sl_pending *
sl_match(struct sl_state *st, const struct sl_hdr *h)
{
	struct sl_pending *p = NULL;
	size_t i;

	if (!st)
		return NULL;
	for (i = 0; i < SL_PENDING; i++) {
		struct sl_pending *q = &st->pend[i];

		if (!q->used || q->is4e != h->is4e)
			continue;
		if (h->is4e) {
			if (q->serial == h->serial)
				return q;
		} else if (!p || q->seq < p->seq) {
			p = q;
		}
	}
	return p;
}

/* ---- SLMP requests ---- */

static void
set_addr(struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	op->has_addr = 1;
	op->addr_start = start;
	op->addr_count = count;
}

/* Binary request data after the subcommand. */
static int
sl_req_data(struct ots_rd *r, uint16_t cmd, uint16_t sub, struct ots_ics_op *op,
            const struct ots_dissect_out *out)
{
	uint32_t dev, pts, need;
	uint16_t l;

	switch (cmd) {
	case 0x0401:
	case 0x1401:
		if ((sub & 0xff7c) != 0) /* 0x0000-0x0003 and their 0x0080 forms */
			return OTS_OK;
		if (sub & 0x0080)
			return OTS_OK; /* device extension specification: no plain address */
		if (sub & 0x0002) {
			dev = fld(r, 0, 4);
			rd_skip(r, 2);
		} else {
			dev = fld(r, 0, 3);
			rd_skip(r, 1);
		}
		pts = rd_le16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		set_addr(op, dev, pts);
		if (pts == 0 || pts > SL_MAX_POINTS)
			return sl_bad(out, "bad_points");
		if (cmd == 0x0401)
			return rd_left(r) ? sl_bad(out, "length_mismatch") : OTS_OK;
		need = (sub & 1) ? (pts + 1) / 2 : pts * 2;
		return rd_left(r) != need ? sl_bad(out, "length_mismatch") : OTS_OK;
	case 0x0601:
	case 0x1601:
	case 0x0613:
	case 0x1613:
		dev = rd_le32(r);
		pts = rd_le16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		set_addr(op, dev, pts);
		return OTS_OK;
	case 0x1630:
	case 0x1631:
		l = rd_le16(r);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		if (l == 0 || rd_left(r) != l)
			return sl_bad(out, "bad_password_length");
		ots_emit_flag(out, OTS_PROTO_SLMP, OTS_FLAG_CLEARTEXT_CREDENTIAL, "remote_password");
		return OTS_OK;
	case 0x1001:
	case 0x1003:
		rd_skip(r, 4);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		return OTS_OK;
	case 0x1002:
	case 0x1005:
	case 0x1006:
		rd_skip(r, 2);
		if (!rd_ok(r))
			return OTS_ETRUNC;
		return OTS_OK;
	case 0x0101:
	case 0x1617:
		return rd_left(r) ? sl_bad(out, "length_mismatch") : OTS_OK;
	default:
		return OTS_OK;
	}
}

/* ASCII device codes (2 characters) whose device numbers are written in hexadecimal, and
 * those written in decimal; any other code (ZR, extended devices) gets no address. */
static const char sl_hexdev[][2] = {
	{ 'X', '*' }, { 'Y', '*' }, { 'B', '*' }, { 'W', '*' },
	{ 'S', 'B' }, { 'S', 'W' }, { 'D', 'X' }, { 'D', 'Y' },
};
static const char sl_decdev[][2] = {
	{ 'M', '*' }, { 'L', '*' }, { 'F', '*' }, { 'V', '*' }, { 'D', '*' }, { 'T', 'S' },
	{ 'T', 'C' }, { 'T', 'N' }, { 'S', 'S' }, { 'S', 'C' }, { 'S', 'N' }, { 'C', 'S' },
	{ 'C', 'C' }, { 'C', 'N' }, { 'S', 'M' }, { 'S', 'D' }, { 'R', '*' }, { 'Z', '*' },
};

/* 16 for a hexadecimal device, 10 for a decimal one, 0 unknown. */
static int
sl_dev_base(const uint8_t *c)
{
	size_t i;

	for (i = 0; i < sizeof(sl_hexdev) / sizeof(sl_hexdev[0]); i++)
		if (c[0] == (uint8_t)sl_hexdev[i][0] && c[1] == (uint8_t)sl_hexdev[i][1])
			return 16;
	for (i = 0; i < sizeof(sl_decdev) / sizeof(sl_decdev[0]); i++)
		if (c[0] == (uint8_t)sl_decdev[i][0] && c[1] == (uint8_t)sl_decdev[i][1])
			return 10;
	return 0;
}

/* ASCII request data: batch read/write with a 2-character device code, a 6-digit head
 * device number and 4 hex digits of points (subcommands 0000 word and 0001 bit). Passwords
 * of remote lock/unlock travel as text: flagged. */
static int
sl_req_ascii(struct ots_rd *r, uint16_t cmd, uint16_t sub, struct ots_ics_op *op,
             const struct ots_dissect_out *out)
{
	const uint8_t *code, *num;
	uint32_t dev = 0, pts;
	size_t i, need;
	int base;

	if (cmd == 0x1630 || cmd == 0x1631) {
		ots_emit_flag(out, OTS_PROTO_SLMP, OTS_FLAG_CLEARTEXT_CREDENTIAL, "remote_password");
		return OTS_OK;
	}
	if ((cmd != 0x0401 && cmd != 0x1401) || sub > 1)
		return OTS_OK;
	code = rd_ptr(r, 2);
	num = rd_ptr(r, 6);
	pts = fld(r, 1, 2);
	if (!rd_ok(r))
		return r->err == OTS_EINVAL ? sl_bad(out, "bad_hex") : OTS_ETRUNC;
	base = sl_dev_base(code);
	for (i = 0; base && i < 6; i++) {
		int h = hexval(num[i]);

		if (h < 0 || h >= base)
			return sl_bad(out, "bad_device_number");
		dev = dev * (uint32_t)base + (uint32_t)h;
	}
	if (base)
		set_addr(op, dev, pts);
	if (pts == 0 || pts > SL_MAX_POINTS)
		return sl_bad(out, "bad_points");
	if (cmd == 0x0401)
		return rd_left(r) ? sl_bad(out, "length_mismatch") : OTS_OK;
	need = (sub & 1) ? pts : (size_t)pts * 4;
	return rd_left(r) != need ? sl_bad(out, "length_mismatch") : OTS_OK;
}

static void
sl_base_op(struct ots_ics_op *op, const struct sl_hdr *h)
{
	op->proto = OTS_PROTO_SLMP;
	op->is_response = h->resp;
	op->has_unit = 1;
	op->unit = ((uint32_t)h->net << 8) | h->pc;
	if (h->is4e) {
		op->has_transaction = 1;
		op->transaction = h->serial;
	}
}

static void
sl_name(struct ots_ics_op *op, uint16_t cmd)
{
	const struct sl_cmd *c = sl_lookup(cmd);

	op->function = cmd;
	op->function_name = c ? c->name : "unknown";
	op->op_class = c ? c->cls : OTS_OP_OTHER;
}

static int
sl_request(struct sl_state *st, const struct sl_hdr *h, struct ots_rd *body,
           const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	uint16_t cmd, sub;
	int rc = OTS_OK;

	sl_base_op(&op, h);
	(void)fld(body, h->ascii, 2); /* monitoring timer */
	cmd = (uint16_t)fld(body, h->ascii, 2);
	sub = (uint16_t)fld(body, h->ascii, 2);
	if (!rd_ok(body))
		return sl_bad(out, body->err == OTS_EINVAL ? "bad_hex" : "short_pdu");
	sl_name(&op, cmd);
	if (!h->ascii) {
		rc = sl_req_data(body, cmd, sub, &op, out);
		if (rc == OTS_ETRUNC)
			rc = sl_bad(out, "short_pdu");
	} else {
		rc = sl_req_ascii(body, cmd, sub, &op, out);
		if (rc == OTS_ETRUNC)
			rc = sl_bad(out, "short_pdu");
	}
	sl_remember(st, h, &op, sub);
	ots_emit_op(out, &op);
	return rc;
}

static int
sl_response(struct sl_state *st, const struct sl_hdr *h, struct ots_rd *body,
            const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { 0 };
	struct sl_pending *p;
	uint16_t end;
	int have_cmd = 0;
	uint16_t cmd = 0;

	sl_base_op(&op, h);
	end = (uint16_t)fld(body, h->ascii, 2);
	if (!rd_ok(body))
		return sl_bad(out, body->err == OTS_EINVAL ? "bad_hex" : "short_pdu");
	p = sl_match(st, h);
	if (p) {
		cmd = p->cmd;
		have_cmd = 1;
		if (p->has_addr)
			set_addr(&op, p->start, p->count);
		p->used = 0;
	}
	if (end != 0) {
		op.has_exception = 1;
		op.exception = end;
		/* error information: net pc io st cmd sub, when the station sends it */
		if (rd_left(body) >= (size_t)(h->ascii ? 18 : 9)) {
			uint16_t ecmd;

			rd_skip(body, h->ascii ? 10 : 5);
			ecmd = (uint16_t)fld(body, h->ascii, 2);
			if (rd_ok(body) && !have_cmd) {
				cmd = ecmd;
				have_cmd = 1;
			}
		}
	}
	if (have_cmd) {
		sl_name(&op, cmd);
	} else {
		op.function = 0;
		op.function_name = "unknown";
		op.op_class = OTS_OP_OTHER;
	}
	ots_emit_op(out, &op);
	if (end == 0 && have_cmd && cmd == 0x0101 && !h->ascii)
		emit_model(body, out, "SLMP 0101");
	return OTS_OK;
}

/* ---- entry points ---- */

static long
slmp_pdu_len(const uint8_t *data, size_t len)
{
	struct sl_hdr h;
	struct ots_rd r;
	uint8_t a, b, c;
	int ok, rc;

	rd_init(&r, data, len);
	a = rd_peek_u8(&r, 0, &ok);
	b = rd_peek_u8(&r, 1, &ok);
	if (!ok)
		return 0;
	if (ms_is_frame(data, len))
		return ms_frame_len(data, len);
	c = rd_peek_u8(&r, 2, &ok);
	if ((a == 0x5a || a == 0xda) && b == 0 && (!ok || c == 0)) {
		/* station search: a datagram protocol whose answer has no length field; a request
		 * is 4 bytes, an answer never completes as a stream */
		return a == 0x5a && len >= 4 ? 4 : 0;
	}
	if (!sl_subheader(data, len, &h)) {
		/* an ASCII subheader needs 4 characters to tell */
		if (len < 4 && (a == '5' || a == 'D'))
			return 0;
		return -1;
	}
	rc = sl_header(data, len, &h);
	if (rc == OTS_ETRUNC)
		return 0;
	if (rc != OTS_OK)
		return -1;
	return (long)(h.hlen + h.len);
}

static int
port_of(const struct ots_dissect_pkt *pkt, uint16_t p)
{
	return pkt && (pkt->sport == p || pkt->dport == p);
}

static int
slmp_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct sl_hdr h;
	struct ots_rd r;
	size_t total;
	uint16_t cmd;
	uint8_t t;
	int resp, score;

	if (ms_is_frame(data, len)) {
		long n = ms_frame_len(data, len);
		size_t coff;

		if (n <= 0)
			return OTS_PROBE_NO;
		if ((size_t)n > len)
			return OTS_PROBE_NO; /* first bytes short of one frame: wait */
		if (ms_check(data, (size_t)n, &resp, &coff) != OTS_OK)
			return OTS_PROBE_NO;
		return (size_t)n == len ? 90 : 70;
	}
	if (ms_search(data, len, &resp, &t)) {
		/* four bytes prove little: only with the engineering port */
		return port_of(pkt, 5560) ? 45 : OTS_PROBE_NO;
	}
	if (sl_header(data, len, &h) != OTS_OK)
		return OTS_PROBE_NO;
	total = h.hlen + h.len;
	rd_init(&r, data, len);
	rd_skip(&r, h.hlen);
	if (h.resp) {
		uint16_t end = (uint16_t)fld(&r, h.ascii, 2);

		if (!rd_ok(&r))
			return OTS_PROBE_NO;
		score = end == 0 || h.len >= (uint32_t)(h.ascii ? 22 : 11) ? 60 : 50;
	} else {
		(void)fld(&r, h.ascii, 2);
		cmd = (uint16_t)fld(&r, h.ascii, 2);
		(void)fld(&r, h.ascii, 2);
		if (!rd_ok(&r))
			return OTS_PROBE_NO;
		score = sl_lookup(cmd) ? 80 : 50;
	}
	if (len == total || (len > total && slmp_pdu_len(data + total, len - total) >= 0))
		return score + 20;
	if (len > total)
		return OTS_PROBE_NO;
	/* first bytes short of the whole PDU: only a known command keeps it in the running */
	return score >= 80 ? 70 : 30;
}

static int
slmp_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
           const struct ots_dissect_out *out)
{
	struct sl_state *st = state;
	struct sl_hdr h;
	struct ots_rd r, body;
	uint8_t t;
	int resp, rc;

	(void)pkt;
	if (ms_is_frame(data, len))
		return ms_parse(data, len, out);
	if (ms_search(data, len, &resp, &t)) {
		struct ots_ics_op op = { 0 };

		op.proto = OTS_PROTO_SLMP;
		op.is_response = (uint8_t)resp;
		op.op_class = OTS_OP_DISCOVERY;
		op.function = MS_SEARCH_FN | t;
		op.function_name = "melsoft_search";
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	rc = sl_header(data, len, &h);
	if (rc == OTS_ETRUNC)
		return len == 0 ? OTS_ETRUNC : sl_bad(out, "short_pdu");
	if (rc != OTS_OK) {
		if (!sl_subheader(data, len, &h))
			return sl_bad(out, "bad_subheader");
		return sl_bad(out, "bad_header");
	}
	if (len < h.hlen + h.len)
		return sl_bad(out, "short_pdu");
	if (len > h.hlen + h.len)
		return sl_bad(out, "length_mismatch");
	rd_init(&r, data, len);
	rd_skip(&r, h.hlen);
	body = rd_sub(&r, h.len);
	return h.resp ? sl_response(st, &h, &body, out) : sl_request(st, &h, &body, out);
}

static void
slmp_gap(void *state, int dir)
{
	struct sl_state *st = state;

	(void)dir;
	if (st)
		memset(st->pend, 0, sizeof(st->pend));
}

/* Catalog: SLMP commands and "unknown"; MELSOFT commands (0x10000 | command) with the
 * range names ms_class() falls back to; the MELSOFT search (0x20000 | type). */
static void
slmp_functions(ots_fn_visit_fn visit, void *ctx)
{
	const char *name;
	uint8_t cls;
	size_t i;

	for (i = 0; i < sizeof(sl_cmds) / sizeof(sl_cmds[0]); i++)
		ots_fn_visit(visit, ctx, sl_cmds[i].name, sl_cmds[i].cmd, sl_cmds[i].cls);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	for (i = 0; i < sizeof(ms_cmds) / sizeof(ms_cmds[0]); i++)
		ots_fn_visit(visit, ctx, ms_cmds[i].name, MS_FN | ms_cmds[i].cmd, ms_cmds[i].cls);
	cls = ms_class(0x18ff, &name); /* no named command in 0x18xx ends in 0xff */
	ots_fn_visit(visit, ctx, name, OTS_FN_CODE_NONE, cls);
	cls = ms_class(0xffff, &name);
	ots_fn_visit(visit, ctx, name, OTS_FN_CODE_NONE, cls);
	ots_fn_visit(visit, ctx, "melsoft_search", OTS_FN_CODE_NONE, OTS_OP_DISCOVERY);
}

const struct ots_dissector ots_dissector_slmp = {
	.name = "slmp",
	.id = OTS_PROTO_SLMP,
	.transports = OTS_TR_TCP | OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { 5007, 5006, 5562, 5560 },
	.max_pdu = SL_MAX_LEN,
	.state_size = sizeof(struct sl_state),
	.probe = slmp_probe,
	.pdu_len = slmp_pdu_len,
	.parse = slmp_parse,
	.gap = slmp_gap,
	.fini = NULL,
	.functions = slmp_functions,
};
