/* SPDX-License-Identifier: BSD-3-Clause */
/* s7comm.c: Siemens S7comm (0x32) over ISO-on-TCP: ops, SZL identity facts, malformed flags.
 *
 * References: RFC 1006 (TPKT), ISO 8073 / X.224 (COTP class 0), S7comm as publicly
 * documented (Wireshark s7comm field definitions, SZL ids 0x0011 / 0x001C).
 *
 *  +---------+----------+----------+------------------------------------------+
 *  | TPKT 4  | COTP LI  | COTP hdr | S7: 0x32 rosctr rsv(2) ref(2) plen dlen  |
 *  | 03 00 L | 1 byte   | LI bytes | [errcls errcod] params(plen) data(dlen)  |
 *  +---------+----------+----------+------------------------------------------+
 *  L = whole PDU length (>= 7). COTP DT = 0xF0 + EOT|TPDU-nr, CR 0xE0, CC 0xD0.
 */
#include <stdio.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"
#include "tpkt.h"

#define S7_PAIRS 16
#define S7_MAX_ITEMS 255

struct s7_pair {
	uint16_t ref;
	uint8_t used;
	uint8_t op_class;
	uint8_t fn;
};

struct s7_state {
	struct s7_pair pairs[2][S7_PAIRS]; /* per initiating direction */
	uint8_t next[2];
	uint8_t cont_on[2];  /* an SZL answer of this direction continues in a later fragment */
	uint8_t cont_seq[2]; /* its sequence number */
};

struct s7_fn {
	uint8_t code;
	uint8_t op_class;
	const char *name;
};

static const struct s7_fn s7_fns[] = {
	{ 0x00, OTS_OP_OTHER, "cpu_services" },
	{ 0x04, OTS_OP_READ, "read_var" },
	{ 0x05, OTS_OP_WRITE, "write_var" },
	{ 0x1a, OTS_OP_PROGRAM, "request_download" },
	{ 0x1b, OTS_OP_PROGRAM, "download_block" },
	{ 0x1c, OTS_OP_PROGRAM, "download_ended" },
	{ 0x1d, OTS_OP_PROGRAM, "start_upload" },
	{ 0x1e, OTS_OP_PROGRAM, "upload" },
	{ 0x1f, OTS_OP_PROGRAM, "end_upload" },
	{ 0x28, OTS_OP_OTHER, "pi_service" },
	{ 0x29, OTS_OP_MODE_CHANGE, "plc_stop" },
	{ 0xf0, OTS_OP_OTHER, "setup_communication" },
};

static const char *const s7_ud_names[16] = {
	"userdata", "programmer_commands", "cyclic_data", "block_functions", "cpu_functions",
	"security", "pbc", "time_functions", "nc_programming", "userdata", "userdata",
	"userdata", "userdata", "userdata", "userdata", "userdata",
};

static const uint8_t s7_ud_class[16] = {
	OTS_OP_OTHER, OTS_OP_DIAGNOSTIC, OTS_OP_READ, OTS_OP_READ, OTS_OP_DIAGNOSTIC,
	OTS_OP_AUTH, OTS_OP_OTHER, OTS_OP_TIME_SYNC, OTS_OP_OTHER, OTS_OP_OTHER, OTS_OP_OTHER,
	OTS_OP_OTHER, OTS_OP_OTHER, OTS_OP_OTHER, OTS_OP_OTHER, OTS_OP_OTHER,
};

/* Class of a userdata function: by group, time functions by subfunction (read or set). */
static uint8_t
s7_ud_cls(uint8_t grp, uint8_t sub)
{
	if (grp == 7)
		return (sub == 1 || sub == 3) ? OTS_OP_READ : OTS_OP_TIME_SYNC;
	return s7_ud_class[grp & 0x0f];
}

static const struct s7_fn *
s7_fn_find(uint8_t code)
{
	size_t i;

	for (i = 0; i < sizeof(s7_fns) / sizeof(s7_fns[0]); i++)
		if (s7_fns[i].code == code)
			return &s7_fns[i];
	return NULL;
}

static int
s7_malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_S7COMM, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static long
s7_pdu_len(const uint8_t *data, size_t len)
{
	return ots_tpkt_pdu_len(data, len);
}

/* Shared content check: 0 no, 1 COTP connection setup, 2 S7comm. */
static int
s7_classify(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint16_t tl;
	uint8_t eot, pid, rosctr;

	switch (ots_cotp_open(data, len, &r, &tl, &eot)) {
	case OTS_COTP_SETUP:
		return 1;
	case OTS_COTP_DT:
		break;
	default:
		return 0;
	}
	pid = rd_u8(&r);
	rosctr = rd_u8(&r);
	if (!rd_ok(&r) || pid != 0x32)
		return 0;
	if (rosctr != 1 && rosctr != 2 && rosctr != 3 && rosctr != 7)
		return 0;
	return 2;
}

static int
s7_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	int c = s7_classify(data, len);

	(void)pkt;
	if (c == 2)
		return OTS_PROBE_SURE;
	if (c == 1) /* COTP CR/CC: S7comm, S7comm-plus and MMS all start so; the first DT decides */
		return OTS_PROBE_DEFER;
	return OTS_PROBE_NO;
}

static void
s7_pair_put(struct s7_state *st, int dir, uint16_t ref, uint8_t cls, uint8_t fn)
{
	struct s7_pair *p;
	int d = dir & 1;

	if (!st)
		return;
	p = &st->pairs[d][st->next[d] % S7_PAIRS];
	st->next[d] = (uint8_t)((st->next[d] + 1) % S7_PAIRS);
	p->ref = ref;
	p->used = 1;
	p->op_class = cls;
	p->fn = fn;
}

static int
s7_pair_take(struct s7_state *st, int dir, uint16_t ref, uint8_t fn, uint8_t *cls)
{
	size_t i;
	int d = (dir & 1) ^ 1; /* the request went the other way */

	if (!st)
		return 0;
	for (i = 0; i < S7_PAIRS; i++) {
		struct s7_pair *p = &st->pairs[d][i];

		if (p->used && p->ref == ref && p->fn == fn) {
			p->used = 0;
			*cls = p->op_class;
			return 1;
		}
	}
	return 0;
}

/*
 * pi_service (job 0x28): the PI service name says what the job does, and it names the
 * operation (requests; a response keeps "pi_service" and takes the class from its request).
 * Names from the S7 PI services seen in STEP 7 and TIA Portal traffic: _INSE activates a
 * downloaded block, _DELE deletes blocks, _MODU copies RAM to ROM, _GARB compresses memory,
 * P_PROGRAM starts the program (warm/cold restart).
 */
static const struct {
	const char *pi;
	uint8_t len, op_class;
	const char *name;
} s7_pis[] = {
	{ "_INSE", 5, OTS_OP_PROGRAM, "pi_insert_block" },
	{ "_DELE", 5, OTS_OP_PROGRAM, "pi_delete_block" },
	{ "_MODU", 5, OTS_OP_PROGRAM, "pi_copy_ram_to_rom" },
	{ "_GARB", 5, OTS_OP_PROGRAM, "pi_compress_memory" },
	{ "P_PROGRAM", 9, OTS_OP_MODE_CHANGE, "pi_start_program" },
};

static uint8_t
s7_pi_class(struct ots_rd *par, const char **fname)
{
	struct ots_rd r = *par;
	const uint8_t *name;
	uint16_t blen;
	uint8_t nlen;
	size_t i;

	rd_skip(&r, 7); /* 7 unknown bytes follow the function code */
	blen = rd_be16(&r);
	rd_skip(&r, blen);
	nlen = rd_u8(&r);
	name = rd_ptr(&r, nlen);
	if (!name || nlen == 0)
		return OTS_OP_OTHER;
	for (i = 0; i < sizeof(s7_pis) / sizeof(s7_pis[0]); i++)
		if (nlen == s7_pis[i].len && !memcmp(name, s7_pis[i].pi, nlen)) {
			*fname = s7_pis[i].name;
			return s7_pis[i].op_class;
		}
	return OTS_OP_OTHER;
}

static void
s7_text_fact(const struct ots_dissect_out *out, uint8_t attr, const char *src, const uint8_t *p,
             size_t n)
{
	struct ots_rd t;
	size_t s = 0;
	uint8_t c;
	int ok;

	/* trim trailing blanks/NULs and leading blanks, reading through rd */
	rd_init(&t, p, n);
	while (n > 0) {
		c = rd_peek_u8(&t, n - 1, &ok);
		if (!ok || (c != ' ' && c != 0))
			break;
		n--;
	}
	while (s < n) {
		c = rd_peek_u8(&t, s, &ok);
		if (!ok || c != ' ')
			break;
		s++;
	}
	rd_skip(&t, s);
	p = rd_ptr(&t, n - s);
	if (p && n > s)
		ots_emit_fact(out, OTS_PROTO_S7COMM, attr, OTS_SIDE_SENDER, 90, src,
		              (const char *)p, n - s);
}

/* SZL response data (after return code, transport size, length). */
static void
s7_szl_facts(struct ots_rd *d, const struct ots_dissect_out *out)
{
	uint16_t id, rlen, cnt, i;

	id = rd_be16(d);
	(void)rd_be16(d); /* index */
	rlen = rd_be16(d);
	cnt = rd_be16(d);
	if (!rd_ok(d) || rlen < 2 || rlen > 1024 || cnt > 256)
		return;
	if ((id & 0x0fff) != 0x0011 && (id & 0x0fff) != 0x001c)
		return;
	/* the first fragment of a split answer lists every record: read those present */
	if ((size_t)cnt * rlen > rd_left(d))
		cnt = (uint16_t)(rd_left(d) / rlen);
	for (i = 0; i < cnt; i++) {
		struct ots_rd rec = rd_sub(d, rlen);
		uint16_t idx = rd_be16(&rec);
		size_t n;
		const uint8_t *p;

		if (!rd_ok(&rec))
			break;
		p = rd_rest(&rec, &n);
		if ((id & 0x0fff) == 0x0011) {
			char v[32];
			unsigned a, b, c;
			struct ots_rd t;
			int k;

			if (idx == 1 && n >= 20) {
				s7_text_fact(out, OTS_FACT_ORDER_NUMBER, "SZL 0x0011", p, 20);
			} else if ((idx == 6 || idx == 7) && n >= 3) {
				rd_init(&t, p, n);
				rd_skip(&t, n - 3);
				a = rd_u8(&t);
				b = rd_u8(&t);
				c = rd_u8(&t);
				if (!rd_ok(&t))
					continue;
				k = snprintf(v, sizeof(v), "V%u.%u.%u", a, b, c);
				if (k > 0 && (size_t)k < sizeof(v))
					ots_emit_fact(out, OTS_PROTO_S7COMM,
					              idx == 6 ? OTS_FACT_HW_REVISION : OTS_FACT_FIRMWARE,
					              OTS_SIDE_SENDER, 90, "SZL 0x0011", v, (size_t)k);
			}
		} else {
			uint8_t attr;

			switch (idx) {
			case 1: attr = OTS_FACT_NAME; break;
			case 2: attr = OTS_FACT_MODULE_NAME; break;
			case 3: attr = OTS_FACT_PLANT_ID; break;
			case 5: attr = OTS_FACT_SERIAL; break;
			case 7: attr = OTS_FACT_MODEL; break;
			default: continue;
			}
			s7_text_fact(out, attr, "SZL 0x001C", p, n > 32 ? 32 : n);
		}
	}
}

static int
s7_userdata(struct s7_state *st, int dir, struct ots_rd *par, struct ots_rd *dat, uint16_t ref,
            const struct ots_dissect_out *out)
{
	struct ots_ics_op op;
	uint8_t plen, tg, type, grp, sub, seq, last = 0;
	int cont = 0, d = dir & 1;

	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_S7COMM;
	op.has_transaction = 1;
	op.transaction = ref;
	if (rd_u8(par) != 0x00 || rd_u8(par) != 0x01 || rd_u8(par) != 0x12) {
		if (!rd_ok(par))
			return s7_malformed(out, "short_param");
		/* other parameter heads exist on the wire (seen from STEP 7): report, do not flag */
		op.function_name = "userdata";
		op.op_class = OTS_OP_OTHER;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	plen = rd_u8(par);
	(void)rd_u8(par); /* method: 0x11 request, 0x12 response */
	tg = rd_u8(par);
	sub = rd_u8(par);
	seq = rd_u8(par);
	if (!rd_ok(par) || plen < 4)
		return s7_malformed(out, "short_param");
	type = tg >> 4;
	grp = tg & 0x0f;
	op.function = (uint32_t)(grp << 8 | sub);
	op.function_name = s7_ud_names[grp];
	op.op_class = s7_ud_cls(grp, sub);
	op.is_response = type == 8 || type == 0;
	if (op.is_response && plen >= 8) {
		uint16_t err;

		rd_skip(par, 1); /* data unit reference */
		last = rd_u8(par); /* 0: last data unit, else more follow */
		err = rd_be16(par);
		if (rd_ok(par) && err) {
			op.has_exception = 1;
			op.exception = err;
		}
	}
	if (grp == 4 && sub == 1 && op.is_response && st) {
		/* a follow-up fragment carries no SZL header: do not read one from it */
		cont = st->cont_on[d] && st->cont_seq[d] == seq && seq != 0;
		st->cont_on[d] = last != 0;
		st->cont_seq[d] = seq;
	}
	if (grp == 4 && sub == 1 && !cont) {
		uint8_t rc = rd_u8(dat);

		(void)rd_u8(dat);
		(void)rd_be16(dat);
		op.function_name = "read_szl";
		if (rc == 0xff) {
			struct ots_rd d2 = *dat;
			uint16_t id = rd_be16(&d2), idx = rd_be16(&d2);

			if (rd_ok(&d2)) {
				op.has_addr = 1;
				op.addr_start = id;
				op.addr_count = idx;
				id &= 0x0fff;
				if (id == 0x0011 || id == 0x001c || id == 0x0424)
					op.op_class = OTS_OP_IDENTITY;
				if (op.is_response)
					s7_szl_facts(dat, out);
			}
		}
	}
	ots_emit_op(out, &op);
	return OTS_OK;
}

static int
s7_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct s7_state *st = state;
	struct ots_rd r, cotp, par, dat;
	struct ots_ics_op op;
	uint16_t tl, ref, plen, dlen, err = 0;
	uint8_t li, type, pid, rosctr, fn;
	const struct s7_fn *f;
	int dir = pkt ? pkt->dir : 0;

	rd_init(&r, data, len);
	if (rd_u8(&r) != 3 || rd_u8(&r) != 0) {
		if (!rd_ok(&r))
			return OTS_ETRUNC;
		return s7_malformed(out, "bad_tpkt");
	}
	tl = rd_be16(&r);
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	if (tl < 7 || tl != len)
		return tl > len ? OTS_ETRUNC : s7_malformed(out, "tpkt_length");
	li = rd_u8(&r);
	if (li < 1 || li > rd_left(&r))
		return s7_malformed(out, "cotp_length");
	cotp = rd_sub(&r, li);
	type = rd_u8(&cotp) & 0xf0;
	if (type != 0xf0)
		return OTS_OK; /* CR/CC/DR/DC/ER: connection management, no op */
	if (rd_left(&r) == 0)
		return OTS_OK;
	pid = rd_u8(&r);
	if (pid != 0x32)
		return OTS_OK; /* S7comm-plus, MMS ...: not ours */
	rosctr = rd_u8(&r);
	rd_skip(&r, 2);
	ref = rd_be16(&r);
	plen = rd_be16(&r);
	dlen = rd_be16(&r);
	if (rosctr == 2 || rosctr == 3)
		err = rd_be16(&r);
	if (!rd_ok(&r))
		return s7_malformed(out, "short_header");
	if ((size_t)plen + dlen > rd_left(&r))
		return s7_malformed(out, "s7_length");
	par = rd_sub(&r, plen);
	dat = rd_sub(&r, dlen);
	if (rosctr == 7)
		return s7_userdata(st, dir, &par, &dat, ref, out);
	if (rosctr != 1 && rosctr != 2 && rosctr != 3)
		return s7_malformed(out, "bad_rosctr");
	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_S7COMM;
	op.is_response = rosctr != 1;
	op.has_transaction = 1;
	op.transaction = ref;
	if (err) {
		op.has_exception = 1;
		op.exception = err;
	}
	if (plen == 0) {
		op.function_name = "ack";
		op.op_class = OTS_OP_OTHER;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	fn = rd_u8(&par);
	f = s7_fn_find(fn);
	op.function = fn;
	op.function_name = f ? f->name : "unknown";
	op.op_class = f ? f->op_class : OTS_OP_OTHER;
	if (fn == 0x04 || fn == 0x05) {
		uint8_t cnt = rd_u8(&par);

		if (!rd_ok(&par))
			return s7_malformed(out, "short_param");
		if (rosctr == 1 && (size_t)cnt * 12 > rd_left(&par))
			return s7_malformed(out, "item_count");
		op.has_addr = 1;
		op.addr_count = cnt;
	}
	if (fn == 0x28 && rosctr == 1)
		op.op_class = s7_pi_class(&par, &op.function_name);
	if (rosctr == 1) {
		s7_pair_put(st, dir, ref, op.op_class, fn);
	} else {
		uint8_t cls;

		if (s7_pair_take(st, dir, ref, fn, &cls))
			op.op_class = cls;
	}
	ots_emit_op(out, &op);
	return OTS_OK;
}

/* Catalog: job functions (a PI service's class depends on the service it starts,
 * s7_pi_class; the known PI services have their own names), "ack" (no parameter), "unknown"; userdata: the group names (code group <<
 * 8 | subfunction: no single code) and read_szl (group 4, subfunction 1, class by SZL id). */
static void
s7_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;
	unsigned g, sub;

	for (i = 0; i < sizeof(s7_fns) / sizeof(s7_fns[0]); i++)
		ots_fn_visit(visit, ctx, s7_fns[i].name, s7_fns[i].code,
		             s7_fns[i].code == 0x28 ? OTS_OP__COUNT : s7_fns[i].op_class);
	for (i = 0; i < sizeof(s7_pis) / sizeof(s7_pis[0]); i++)
		ots_fn_visit(visit, ctx, s7_pis[i].name, 0x28, s7_pis[i].op_class);
	ots_fn_visit(visit, ctx, "ack", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	for (g = 0; g < 16; g++) {
		uint8_t cls = s7_ud_cls((uint8_t)g, 0);

		for (i = 0; i < g; i++)
			if (s7_ud_names[i] == s7_ud_names[g] || !strcmp(s7_ud_names[i], s7_ud_names[g]))
				break;
		if (i < g)
			continue; /* listed with an earlier group ("userdata") */
		for (sub = 0; sub < 256; sub++)
			if (s7_ud_cls((uint8_t)g, (uint8_t)sub) != cls)
				cls = OTS_OP__COUNT;
		ots_fn_visit(visit, ctx, s7_ud_names[g], OTS_FN_CODE_NONE, cls);
	}
	ots_fn_visit(visit, ctx, "read_szl", 4 << 8 | 1, OTS_OP__COUNT);
}

const struct ots_dissector ots_dissector_s7comm = {
	.name = "s7comm",
	.id = OTS_PROTO_S7COMM,
	.transports = OTS_TR_TCP,
	.ports = { 102 },
	.max_pdu = 65535,
	.state_size = sizeof(struct s7_state),
	.probe = s7_probe,
	.pdu_len = s7_pdu_len,
	.parse = s7_parse,
	.functions = s7_functions,
};
