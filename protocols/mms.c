/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mms.c: IEC 61850 / ISO 9506 MMS over ISO-on-TCP: confirmed services paired by invokeID,
 * unconfirmed reports, initiate/conclude/reject/cancel, Identify identity facts, ACSE
 * password flag, malformed flags.
 *
 * References: RFC 1006 (TPKT), ISO 8073 / X.224 (COTP class 0), ISO 8327-1 (session),
 * ISO 8823-1 (presentation), ISO 8650-1 (ACSE), ISO 9506-2 (MMS PDUs, ConfirmedService
 * choice tags 0..86), X.690 (BER).
 *
 *  TPKT 03 00 LEN | COTP LI F0 EOT|nr | user data
 *  user data, with the OSI upper layers:
 *     session   01 00 (GIVE TOKENS) 01 00 (DATA TRANSFER) | 61 .. fully-encoded-data
 *               0D/0E (CONNECT/ACCEPT) LI params(C1 = user data: CP/CPA-PPDU 31 ..)
 *     presentation PDV-list 30 { [06 syntax] 02 ctx-id  A0 single-ASN1-type }
 *     connect   ACSE AARQ 60 / AARE 61 { .. BE user-information { 28 { .. A0 MMS } } }
 *  or the MMS PDU directly after COTP (some stacks and test tools send it so).
 *
 * Function codes: a confirmed service is its ConfirmedServiceRequest/Response choice tag
 * (0..86, as on the wire); an unconfirmed service is 0x200 + its tag (informationReport
 * 0x200, unsolicitedStatus 0x201, eventNotification 0x202); a PDU that carries no service
 * is 0x100 + its MMSpdu tag (initiate request 0x108, conclude request 0x10B, reject 0x104,
 * a confirmed response without its service 0x101 ...). A confirmed-ErrorPDU reports the
 * service of the request it answers (paired by invokeID) with has_exception; exception =
 * errorClass tag << 8 | error code. transaction = invokeID.
 *
 * Segmentation: COTP DT with EOT=0 continues in the next DT of the same direction. The
 * state keeps the first MMS_HEAD bytes of such a PDU (enough for session, presentation, the
 * MMS PDU tag, invokeID, service tag and Identify strings) and counts the rest; the head is
 * decoded when the segment with EOT=1 arrives, reading BER lengths that run past the kept
 * head as truncated rather than malformed. A segmented PDU longer than MMS_MAX_SEG bytes is
 * flagged malformed and dropped.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"
#include "tpkt.h"
#include "ber.h"

#define MMS_HEAD 1536          /* bytes of a segmented PDU kept per direction */
#define MMS_MAX_SEG (64u * 1024u) /* a segmented PDU may not exceed this */
#define MMS_PAIRS 32
#define MMS_MAX_ITEMS 100000   /* variables counted in one read/write list (bounded anyway) */

#define MMS_FN_PDU 0x100   /* + MMSpdu tag, for PDUs without a service */
#define MMS_FN_UNCONF 0x200 /* + unconfirmed service tag */

struct mms_pair {
	uint32_t invoke;
	uint16_t svc;
	uint8_t cls;
	uint8_t used;
};

struct mms_dir {
	uint8_t head[MMS_HEAD];
	uint16_t hlen;   /* bytes kept in head */
	uint8_t seg;     /* a segmented PDU is being collected */
	uint8_t dropped; /* the current segmented PDU overflowed: ignore until EOT */
	uint32_t total;  /* bytes of the current segmented PDU so far */
};

struct mms_state {
	struct mms_dir d[2];
	struct mms_pair pairs[2][MMS_PAIRS]; /* by the direction the request went */
	uint8_t next[2];
};

struct mms_svc {
	uint8_t cls;
	const char *name;
};

/* ISO 9506-2 ConfirmedServiceRequest / ConfirmedServiceResponse choice tags. */
static const struct mms_svc mms_svcs[87] = {
	[0] = { OTS_OP_DIAGNOSTIC, "status" },
	[1] = { OTS_OP_DISCOVERY, "get_name_list" },
	[2] = { OTS_OP_IDENTITY, "identify" },
	[3] = { OTS_OP_WRITE, "rename" },
	[4] = { OTS_OP_READ, "read" },
	[5] = { OTS_OP_WRITE, "write" },
	[6] = { OTS_OP_READ, "get_variable_access_attributes" },
	[7] = { OTS_OP_WRITE, "define_named_variable" },
	[8] = { OTS_OP_WRITE, "define_scattered_access" },
	[9] = { OTS_OP_READ, "get_scattered_access_attributes" },
	[10] = { OTS_OP_WRITE, "delete_variable_access" },
	[11] = { OTS_OP_WRITE, "define_named_variable_list" },
	[12] = { OTS_OP_READ, "get_named_variable_list_attributes" },
	[13] = { OTS_OP_WRITE, "delete_named_variable_list" },
	[14] = { OTS_OP_WRITE, "define_named_type" },
	[15] = { OTS_OP_READ, "get_named_type_attributes" },
	[16] = { OTS_OP_WRITE, "delete_named_type" },
	[17] = { OTS_OP_OTHER, "input" },
	[18] = { OTS_OP_OTHER, "output" },
	[19] = { OTS_OP_OTHER, "take_control" },
	[20] = { OTS_OP_OTHER, "relinquish_control" },
	[21] = { OTS_OP_OTHER, "define_semaphore" },
	[22] = { OTS_OP_OTHER, "delete_semaphore" },
	[23] = { OTS_OP_READ, "report_semaphore_status" },
	[24] = { OTS_OP_READ, "report_pool_semaphore_status" },
	[25] = { OTS_OP_READ, "report_semaphore_entry_status" },
	[26] = { OTS_OP_PROGRAM, "initiate_download_sequence" },
	[27] = { OTS_OP_PROGRAM, "download_segment" },
	[28] = { OTS_OP_PROGRAM, "terminate_download_sequence" },
	[29] = { OTS_OP_PROGRAM, "initiate_upload_sequence" },
	[30] = { OTS_OP_PROGRAM, "upload_segment" },
	[31] = { OTS_OP_PROGRAM, "terminate_upload_sequence" },
	[32] = { OTS_OP_PROGRAM, "request_domain_download" },
	[33] = { OTS_OP_PROGRAM, "request_domain_upload" },
	[34] = { OTS_OP_PROGRAM, "load_domain_content" },
	[35] = { OTS_OP_PROGRAM, "store_domain_content" },
	[36] = { OTS_OP_PROGRAM, "delete_domain" },
	[37] = { OTS_OP_READ, "get_domain_attributes" },
	[38] = { OTS_OP_PROGRAM, "create_program_invocation" },
	[39] = { OTS_OP_PROGRAM, "delete_program_invocation" },
	[40] = { OTS_OP_MODE_CHANGE, "start" },
	[41] = { OTS_OP_MODE_CHANGE, "stop" },
	[42] = { OTS_OP_MODE_CHANGE, "resume" },
	[43] = { OTS_OP_MODE_CHANGE, "reset" },
	[44] = { OTS_OP_MODE_CHANGE, "kill" },
	[45] = { OTS_OP_READ, "get_program_invocation_attributes" },
	[46] = { OTS_OP_FILE, "obtain_file" },
	[47] = { OTS_OP_OTHER, "define_event_condition" },
	[48] = { OTS_OP_OTHER, "delete_event_condition" },
	[49] = { OTS_OP_READ, "get_event_condition_attributes" },
	[50] = { OTS_OP_READ, "report_event_condition_status" },
	[51] = { OTS_OP_OTHER, "alter_event_condition_monitoring" },
	[52] = { OTS_OP_OTHER, "trigger_event" },
	[53] = { OTS_OP_OTHER, "define_event_action" },
	[54] = { OTS_OP_OTHER, "delete_event_action" },
	[55] = { OTS_OP_READ, "get_event_action_attributes" },
	[56] = { OTS_OP_READ, "report_event_action_status" },
	[57] = { OTS_OP_OTHER, "define_event_enrollment" },
	[58] = { OTS_OP_OTHER, "delete_event_enrollment" },
	[59] = { OTS_OP_OTHER, "alter_event_enrollment" },
	[60] = { OTS_OP_READ, "report_event_enrollment_status" },
	[61] = { OTS_OP_READ, "get_event_enrollment_attributes" },
	[62] = { OTS_OP_OTHER, "acknowledge_event_notification" },
	[63] = { OTS_OP_READ, "get_alarm_summary" },
	[64] = { OTS_OP_READ, "get_alarm_enrollment_summary" },
	[65] = { OTS_OP_READ, "read_journal" },
	[66] = { OTS_OP_WRITE, "write_journal" },
	[67] = { OTS_OP_WRITE, "initialize_journal" },
	[68] = { OTS_OP_READ, "report_journal_status" },
	[69] = { OTS_OP_WRITE, "create_journal" },
	[70] = { OTS_OP_WRITE, "delete_journal" },
	[71] = { OTS_OP_READ, "get_capability_list" },
	[72] = { OTS_OP_FILE, "file_open" },
	[73] = { OTS_OP_FILE, "file_read" },
	[74] = { OTS_OP_FILE, "file_close" },
	[75] = { OTS_OP_FILE, "file_rename" },
	[76] = { OTS_OP_FILE, "file_delete" },
	[77] = { OTS_OP_FILE, "file_directory" },
	[78] = { OTS_OP_OTHER, "additional_service" },
	[80] = { OTS_OP_READ, "get_data_exchange_attributes" },
	[81] = { OTS_OP_OTHER, "exchange_data" },
	[82] = { OTS_OP_OTHER, "define_access_control_list" },
	[83] = { OTS_OP_READ, "get_access_control_list_attributes" },
	[84] = { OTS_OP_READ, "report_access_controlled_objects" },
	[85] = { OTS_OP_OTHER, "delete_access_control_list" },
	[86] = { OTS_OP_OTHER, "change_access_control" },
};

/* Names of MMSpdu choices (ISO 9506-2), for PDUs reported without a service. */
static const char *const mms_pdu_names[14] = {
	"confirmed_request", "confirmed_response", "confirmed_error", "unconfirmed", "reject",
	"cancel_request", "cancel_response", "cancel_error", "initiate_request",
	"initiate_response", "initiate_error", "conclude_request", "conclude_response",
	"conclude_error",
};

static const char *const mms_unconf_names[3] = {
	"information_report", "unsolicited_status", "event_notification",
};

static int
mms_malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_MMS, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

static void
mms_svc_op(struct ots_ics_op *op, uint32_t svc)
{
	op->function = svc;
	if (svc < sizeof(mms_svcs) / sizeof(mms_svcs[0]) && mms_svcs[svc].name) {
		op->function_name = mms_svcs[svc].name;
		op->op_class = mms_svcs[svc].cls;
	} else {
		op->function_name = "unknown_service";
		op->op_class = OTS_OP_OTHER;
	}
}

static void
mms_pair_put(struct mms_state *st, int dir, uint32_t invoke, uint16_t svc, uint8_t cls)
{
	struct mms_pair *p;
	int d = dir & 1;

	if (!st)
		return;
	p = &st->pairs[d][st->next[d] % MMS_PAIRS];
	st->next[d] = (uint8_t)((st->next[d] + 1) % MMS_PAIRS);
	p->invoke = invoke;
	p->svc = svc;
	p->cls = cls;
	p->used = 1;
}

static const struct mms_pair *
mms_pair_take(struct mms_state *st, int dir, uint32_t invoke)
{
	size_t i;
	int d = (dir & 1) ^ 1;

	if (!st)
		return NULL;
	for (i = 0; i < MMS_PAIRS; i++) {
		struct mms_pair *p = &st->pairs[d][i];

		if (p->used && p->invoke == invoke) {
			p->used = 0;
			return p;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- framing and probe */

static long
mms_pdu_len(const uint8_t *data, size_t len)
{
	return ots_tpkt_pdu_len(data, len);
}

static int
mms_is_pdu_tag(uint8_t id)
{
	switch (id) {
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: case 0xa4: case 0x85: case 0x86: case 0xa7:
	case 0xa8: case 0xa9: case 0xaa: case 0x8b: case 0x8c: case 0xad:
		return 1;
	default:
		return 0;
	}
}

/* Session SPDU length: one octet, or 0xFF then two. */
static size_t
ses_len(struct ots_rd *r)
{
	uint8_t b = rd_u8(r);

	return b == 0xff ? rd_be16(r) : b;
}

/*
 * Probe: 0 no, 1 COTP connection setup, 2 MMS (structure fits), 3 MMS (sure).
 * Only the bytes present are checked; an MMS PDU that continues in a later segment fits.
 */
static int
mms_classify(const uint8_t *data, size_t len)
{
	struct ots_rd r, u;
	struct ber_tlv t, in;
	uint16_t tl;
	uint8_t eot, b0;
	int ok;

	switch (ots_cotp_open(data, len, &r, &tl, &eot)) {
	case OTS_COTP_SETUP:
		return 1;
	case OTS_COTP_DT:
		break;
	default:
		return 0;
	}
	if (tl > len)
		return 0;
	u = rd_sub(&r, (size_t)tl - OTS_TPKT_MIN);
	b0 = rd_peek_u8(&u, 0, &ok);
	if (!ok || b0 == 0x32 || b0 == 0x72)
		return 0;
	if (mms_is_pdu_tag(b0)) {
		/* MMS directly on COTP */
		if (ber_read(&u, &t, !eot) != OTS_OK || (eot && rd_left(&u) != 0))
			return 0;
		if (t.tag == 11 || t.tag == 12 || t.tag == 5 || t.tag == 6)
			return t.len <= 5 ? 2 : 0;
		if (rd_left(&t.val) == 0)
			return 0;
		if (ber_read(&t.val, &in, 1) != OTS_OK)
			return 0;
		if ((t.tag == 0 || t.tag == 1) && in.id == 0x02 && in.len >= 1 && in.len <= 5)
			return 3;
		if ((t.tag == 8 || t.tag == 9) && (in.id == 0x80 || in.id == 0x81))
			return 3;
		return 2;
	}
	/* session: GIVE TOKENS + DATA TRANSFER, then presentation fully-encoded-data */
	if (b0 == 0x01) {
		size_t l;

		rd_skip(&u, 1);
		l = ses_len(&u);
		rd_skip(&u, l);
		if (rd_u8(&u) != 0x01)
			return 0;
		l = ses_len(&u);
		rd_skip(&u, l);
		if (!rd_ok(&u) || rd_peek_u8(&u, 0, &ok) != 0x61)
			return 0;
		if (ber_read(&u, &t, 1) != OTS_OK || !t.cons)
			return 0;
		if (ber_read(&t.val, &in, 1) != OTS_OK || in.id != 0x30)
			return 0;
		return 3;
	}
	if (b0 == 0x0d || b0 == 0x0e) {
		size_t l;
		struct ots_rd p;

		rd_skip(&u, 1);
		l = ses_len(&u);
		if (!rd_ok(&u) || l == 0)
			return 0;
		if (l > rd_left(&u)) {
			if (eot)
				return 0;
			l = rd_left(&u);
		}
		p = rd_sub(&u, l);
		while (rd_left(&p) > 0) {
			uint8_t pi = rd_u8(&p);
			size_t pl = ses_len(&p);

			if (!rd_ok(&p))
				return 0;
			if (pi == 0xc1 || pi == 0xc2) {
				/* user data: CP-type or CPA-PPDU, a SET */
				return rd_peek_u8(&p, 0, &ok) == 0x31 ? 3 : 0;
			}
			if (pl > rd_left(&p))
				return 0;
			rd_skip(&p, pl);
		}
		return 0;
	}
	return 0;
}

static int
mms_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	(void)pkt;
	switch (mms_classify(data, len)) {
	case 3:
		return OTS_PROBE_SURE;
	case 2:
		return OTS_PROBE_MAYBE;
	case 1: /* COTP CR/CC: S7comm, S7comm-plus and MMS all start so; the first DT decides */
		return OTS_PROBE_DEFER;
	default:
		return OTS_PROBE_NO;
	}
}

/* ---------------------------------------------------------------- MMS PDUs */

struct mms_ctx {
	struct mms_state *st;
	int dir;
	int partial;
	int auth; /* the ACSE association carried authentication */
	const struct ots_dissect_out *out;
};

static void
mms_str_fact(const struct ots_dissect_out *out, uint8_t attr, struct ots_rd v)
{
	size_t n;
	const uint8_t *p = rd_rest(&v, &n);

	if (p && n > 0)
		ots_emit_fact(out, OTS_PROTO_MMS, attr, OTS_SIDE_SENDER, 90, "MMS Identify",
		              (const char *)p, n > 255 ? 255 : n);
}

/* Identify-Response: vendorName [0], modelName [1], revision [2] (VisibleString). */
static void
mms_identify(struct ots_rd v, const struct mms_ctx *cx)
{
	struct ber_tlv t;

	while (rd_left(&v) > 0) {
		if (ber_read(&v, &t, cx->partial) != OTS_OK)
			return;
		if (t.cls != BER_CONTEXT || t.cons)
			continue;
		if (t.tag == 0)
			mms_str_fact(cx->out, OTS_FACT_VENDOR, t.val);
		else if (t.tag == 1)
			mms_str_fact(cx->out, OTS_FACT_MODEL, t.val);
		else if (t.tag == 2)
			mms_str_fact(cx->out, OTS_FACT_FIRMWARE, t.val);
	}
}

/* Number of entries in a listOfVariable [0] (SEQUENCE OF), bounded; -1 when absent. */
static long
mms_count_list(struct ots_rd v, int partial)
{
	struct ber_tlv t;
	long n = 0;

	while (rd_left(&v) > 0 && n < MMS_MAX_ITEMS) {
		if (ber_read(&v, &t, partial) != OTS_OK)
			break;
		n++;
	}
	return n;
}

/* Variables a read/write request names: VariableAccessSpecification listOfVariable [0]. */
static long
mms_var_count(uint32_t svc, struct ots_rd v, int partial)
{
	struct ber_tlv t;

	while (rd_left(&v) > 0) {
		if (ber_read(&v, &t, partial) != OTS_OK)
			return -1;
		if (svc == 4 && t.cls == BER_CONTEXT && t.tag == 1 && t.cons) {
			/* Read-Request variableAccessSpecification [1] */
			struct ber_tlv l;

			if (ber_read(&t.val, &l, partial) != OTS_OK)
				return -1;
			if (l.cls == BER_CONTEXT && l.tag == 0 && l.cons)
				return mms_count_list(l.val, partial);
			return -1;
		}
		if (svc == 5 && t.cls == BER_CONTEXT && t.tag == 0 && t.cons)
			return mms_count_list(t.val, partial);
		if (svc == 5)
			return -1; /* variableListName [1] */
	}
	return -1;
}

/* ServiceError content: errorClass [0] { [class] INTEGER } -> class << 8 | code. */
static int
mms_service_error(struct ots_rd v, int partial, uint32_t *code)
{
	struct ber_tlv t, c;
	uint32_t x;

	while (rd_left(&v) > 0) {
		if (ber_read(&v, &t, partial) != OTS_OK)
			return OTS_EINVAL;
		if (t.cls == BER_CONTEXT && t.tag == 0 && t.cons) {
			if (ber_read(&t.val, &c, partial) != OTS_OK || c.cls != BER_CONTEXT ||
			    c.tag > 12)
				return OTS_EINVAL;
			if (ber_uint(c.val, &x) != OTS_OK || x > 0xffffff)
				return OTS_EINVAL;
			*code = c.tag << 8 | x;
			return OTS_OK;
		}
	}
	return OTS_EINVAL;
}

static int
mms_confirmed(struct ber_tlv *pdu, const struct mms_ctx *cx)
{
	struct ots_ics_op op;
	struct ber_tlv inv, t;
	uint32_t invoke;
	int rc, resp = pdu->tag == 1;

	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_MMS;
	op.is_response = (uint8_t)resp;
	if (ber_read(&pdu->val, &inv, cx->partial) != OTS_OK || inv.id != 0x02 ||
	    ber_uint(inv.val, &invoke) != OTS_OK)
		return cx->partial ? OTS_ETRUNC : mms_malformed(cx->out, "bad_invoke_id");
	op.has_transaction = 1;
	op.transaction = invoke;
	rc = rd_left(&pdu->val) > 0 ? ber_read(&pdu->val, &t, cx->partial) : OTS_ETRUNC;
	if (rc == OTS_OK && !resp && t.id == 0x30) /* listOfModifiers */
		rc = rd_left(&pdu->val) > 0 ? ber_read(&pdu->val, &t, cx->partial) : OTS_ETRUNC;
	if (rc != OTS_OK || t.cls != BER_CONTEXT) {
		const struct mms_pair *p;

		if (rc == OTS_EINVAL)
			return mms_malformed(cx->out, "bad_service");
		if (!resp)
			return mms_malformed(cx->out, "missing_service");
		/* a confirmed response without its service: report it, paired, and flag it */
		op.function = MMS_FN_PDU + 1;
		op.function_name = mms_pdu_names[1];
		op.op_class = OTS_OP_OTHER;
		p = mms_pair_take(cx->st, cx->dir, invoke);
		if (p)
			op.op_class = p->cls;
		ots_emit_op(cx->out, &op);
		return mms_malformed(cx->out, rc == OTS_OK ? "bad_service" : "response_without_service");
	}
	mms_svc_op(&op, t.tag);
	if (!resp) {
		if (t.tag == 4 || t.tag == 5) {
			long n = mms_var_count(t.tag, t.val, cx->partial);

			if (n >= 0) {
				op.has_addr = 1;
				op.addr_count = (uint32_t)n;
			}
		}
		mms_pair_put(cx->st, cx->dir, invoke, (uint16_t)t.tag, op.op_class);
	} else {
		const struct mms_pair *p = mms_pair_take(cx->st, cx->dir, invoke);

		if (p && p->svc == t.tag)
			op.op_class = p->cls;
		if (t.tag == 2 && t.cons)
			mms_identify(t.val, cx);
	}
	ots_emit_op(cx->out, &op);
	return OTS_OK;
}

static int
mms_error_pdu(struct ber_tlv *pdu, const struct mms_ctx *cx)
{
	struct ots_ics_op op;
	struct ber_tlv t;
	uint32_t invoke = 0, code = 0;
	int have_inv = 0, have_err = 0;

	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_MMS;
	op.is_response = 1;
	op.function = MMS_FN_PDU + 2;
	op.function_name = mms_pdu_names[2];
	op.op_class = OTS_OP_OTHER;
	while (rd_left(&pdu->val) > 0) {
		if (ber_read(&pdu->val, &t, cx->partial) != OTS_OK)
			break;
		if (t.cls != BER_CONTEXT)
			continue;
		if (t.tag == 0 && !t.cons && ber_uint(t.val, &invoke) == OTS_OK)
			have_inv = 1;
		else if (t.tag == 2 && t.cons && mms_service_error(t.val, cx->partial, &code) == OTS_OK)
			have_err = 1;
	}
	if (!have_inv || !have_err) {
		if (cx->partial)
			return OTS_ETRUNC;
		return mms_malformed(cx->out, "bad_error_pdu");
	}
	op.has_transaction = 1;
	op.transaction = invoke;
	op.has_exception = 1;
	op.exception = code;
	{
		const struct mms_pair *p = mms_pair_take(cx->st, cx->dir, invoke);

		if (p) {
			mms_svc_op(&op, p->svc);
			op.op_class = p->cls;
		}
	}
	ots_emit_op(cx->out, &op);
	return OTS_OK;
}

/* One MMS PDU (the whole BER element in r). */
static int
mms_pdu(struct ots_rd *r, const struct mms_ctx *cx)
{
	struct ots_ics_op op;
	struct ber_tlv pdu, t;
	uint32_t x;
	int rc;

	rc = ber_read(r, &pdu, cx->partial);
	if (rc != OTS_OK)
		return mms_malformed(cx->out, "bad_mms_length");
	if (pdu.cls != BER_CONTEXT || pdu.tag > 13 || !mms_is_pdu_tag(pdu.id))
		return mms_malformed(cx->out, "bad_mms_pdu");
	if (pdu.tag == 0 || pdu.tag == 1)
		return mms_confirmed(&pdu, cx);
	if (pdu.tag == 2)
		return mms_error_pdu(&pdu, cx);
	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_MMS;
	op.function = MMS_FN_PDU + pdu.tag;
	op.function_name = mms_pdu_names[pdu.tag];
	op.op_class = OTS_OP_OTHER;
	op.is_response = pdu.tag == 6 || pdu.tag == 7 || pdu.tag == 9 || pdu.tag == 10 ||
	                 pdu.tag == 12 || pdu.tag == 13;
	switch (pdu.tag) {
	case 3: /* unconfirmed-PDU: SEQUENCE { service CHOICE [0..2] } */
		if (ber_read(&pdu.val, &t, cx->partial) != OTS_OK || t.cls != BER_CONTEXT)
			return mms_malformed(cx->out, "bad_unconfirmed");
		op.function = MMS_FN_UNCONF + t.tag;
		op.function_name = t.tag < 3 ? mms_unconf_names[t.tag] : "unknown_unconfirmed";
		op.op_class = OTS_OP_EVENT;
		break;
	case 4: /* reject: originalInvokeID [0] OPTIONAL, rejectReason [1..11] INTEGER */
		while (rd_left(&pdu.val) > 0) {
			if (ber_read(&pdu.val, &t, cx->partial) != OTS_OK)
				return mms_malformed(cx->out, "bad_reject");
			if (t.cls != BER_CONTEXT || t.cons || ber_uint(t.val, &x) != OTS_OK ||
			    x > 0xffffff)
				return mms_malformed(cx->out, "bad_reject");
			if (t.tag == 0) {
				op.has_transaction = 1;
				op.transaction = x;
			} else {
				op.has_exception = 1;
				op.exception = t.tag << 8 | x;
			}
		}
		if (!op.has_exception)
			return mms_malformed(cx->out, "bad_reject");
		break;
	case 5: case 6: /* cancel request/response: the invokeID */
		if (ber_uint(pdu.val, &x) != OTS_OK)
			return mms_malformed(cx->out, "bad_cancel");
		op.has_transaction = 1;
		op.transaction = x;
		break;
	case 7: case 10: case 13: { /* cancel/initiate/conclude error */
		struct ots_rd v = pdu.val;
		uint32_t code;

		if (pdu.tag == 7) {
			while (rd_left(&v) > 0) {
				if (ber_read(&v, &t, cx->partial) != OTS_OK)
					return mms_malformed(cx->out, "bad_error_pdu");
				if (t.cls == BER_CONTEXT && t.tag == 0 && ber_uint(t.val, &x) == OTS_OK) {
					op.has_transaction = 1;
					op.transaction = x;
				} else if (t.cls == BER_CONTEXT && t.tag == 1 && t.cons) {
					v = t.val;
					break;
				}
			}
		}
		if (mms_service_error(v, cx->partial, &code) != OTS_OK)
			return mms_malformed(cx->out, "bad_error_pdu");
		op.has_exception = 1;
		op.exception = code;
		break;
	}
	case 8: case 9: /* initiate: session setup */
		op.op_class = cx->auth ? OTS_OP_AUTH : OTS_OP_OTHER;
		if (rd_left(&pdu.val) == 0)
			return mms_malformed(cx->out, "bad_initiate");
		break;
	default: /* conclude request/response: NULL */
		if (pdu.len != 0)
			return mms_malformed(cx->out, "bad_conclude");
		break;
	}
	ots_emit_op(cx->out, &op);
	return OTS_OK;
}

/* ---------------------------------------------------------------- upper layers */

/* ACSE AARQ / AARE: authentication and the user-information that holds the MMS PDU. */
static int
mms_acse(struct ber_tlv *apdu, struct mms_ctx *cx)
{
	struct ber_tlv t, e, f;

	while (rd_left(&apdu->val) > 0) {
		if (ber_read(&apdu->val, &t, cx->partial) != OTS_OK)
			return mms_malformed(cx->out, "bad_acse");
		if (t.cls != BER_CONTEXT)
			continue;
		if (apdu->tag == 0 && t.tag == 12 && t.cons) {
			/* calling-authentication-value: charstring [0] is a password in clear */
			cx->auth = 1;
			if (ber_read(&t.val, &e, cx->partial) == OTS_OK && e.cls == BER_CONTEXT &&
			    e.tag == 0)
				ots_emit_flag(cx->out, OTS_PROTO_MMS, OTS_FLAG_CLEARTEXT_CREDENTIAL,
				              "acse_password");
		}
		if (t.tag == 11 && apdu->tag == 0)
			cx->auth = 1; /* mechanism-name */
		if (t.tag != 30 || !t.cons)
			continue;
		/* user-information: Association-information, EXTERNAL 0x28 */
		if (ber_read(&t.val, &e, cx->partial) != OTS_OK || e.id != 0x28)
			return mms_malformed(cx->out, "bad_acse_user_info");
		while (rd_left(&e.val) > 0) {
			if (ber_read(&e.val, &f, cx->partial) != OTS_OK)
				return mms_malformed(cx->out, "bad_acse_user_info");
			if (f.id == 0xa0) /* single-ASN1-type */
				return mms_pdu(&f.val, cx);
		}
		return mms_malformed(cx->out, "bad_acse_user_info");
	}
	return OTS_OK; /* no MMS in this association PDU */
}

/* fully-encoded-data [APPLICATION 1]: PDV-list { [syntax] ctx-id, single-ASN1-type [0] }. */
static int
mms_pdv(struct ots_rd v, struct mms_ctx *cx)
{
	struct ber_tlv l, t, in;
	struct ots_rd c;
	int ok;

	if (ber_read(&v, &l, cx->partial) != OTS_OK || l.id != 0x30)
		return mms_malformed(cx->out, "bad_pdv_list");
	while (rd_left(&l.val) > 0) {
		if (ber_read(&l.val, &t, cx->partial) != OTS_OK)
			return mms_malformed(cx->out, "bad_pdv_list");
		if (t.id == 0x06 || t.id == 0x02)
			continue;
		if (t.id != 0xa0)
			return OTS_OK; /* octet-aligned / arbitrary: not an MMS carrier */
		c = t.val;
		switch (rd_peek_u8(&c, 0, &ok)) {
		case 0x60: case 0x61:
			if (ber_read(&c, &in, cx->partial) != OTS_OK)
				return mms_malformed(cx->out, "bad_acse");
			return mms_acse(&in, cx);
		case 0x62: case 0x63: case 0x64:
			return OTS_OK; /* ACSE release / abort */
		default:
			if (!ok)
				return mms_malformed(cx->out, "empty_pdv");
			return mms_pdu(&c, cx);
		}
	}
	return cx->partial ? OTS_ETRUNC : mms_malformed(cx->out, "bad_pdv_list");
}

/* CP-type / CPA-PPDU (a SET): normal-mode-parameters [2] ... user-data 0x61. */
static int
mms_pres_connect(struct ots_rd v, struct mms_ctx *cx)
{
	struct ber_tlv s, t, u;

	if (ber_read(&v, &s, cx->partial) != OTS_OK || s.id != 0x31)
		return mms_malformed(cx->out, "bad_presentation");
	while (rd_left(&s.val) > 0) {
		if (ber_read(&s.val, &t, cx->partial) != OTS_OK)
			return mms_malformed(cx->out, "bad_presentation");
		if (t.id != 0xa2)
			continue;
		while (rd_left(&t.val) > 0) {
			if (ber_read(&t.val, &u, cx->partial) != OTS_OK)
				return mms_malformed(cx->out, "bad_presentation");
			if (u.id == 0x61)
				return mms_pdv(u.val, cx);
		}
		return OTS_OK; /* no user data */
	}
	return OTS_OK;
}

/* The bytes after the COTP DT header: session SPDUs or a bare MMS PDU. */
static int
mms_user_data(struct ots_rd u, struct mms_ctx *cx)
{
	size_t l;
	uint8_t si;
	int ok;

	si = rd_peek_u8(&u, 0, &ok);
	if (!ok)
		return OTS_OK; /* an empty DT */
	if (mms_is_pdu_tag(si))
		return mms_pdu(&u, cx);
	rd_skip(&u, 1);
	l = ses_len(&u);
	if (!rd_ok(&u))
		return cx->partial ? OTS_ETRUNC : mms_malformed(cx->out, "short_spdu");
	switch (si) {
	case 0x01: /* GIVE TOKENS, then DATA TRANSFER, then the presentation PPDU */
		rd_skip(&u, l);
		if (rd_u8(&u) != 0x01)
			return mms_malformed(cx->out, "bad_spdu");
		l = ses_len(&u);
		rd_skip(&u, l);
		if (!rd_ok(&u))
			return mms_malformed(cx->out, "short_spdu");
		{
			struct ber_tlv t;

			if (ber_read(&u, &t, cx->partial) != OTS_OK || t.id != 0x61)
				return mms_malformed(cx->out, "bad_presentation");
			return mms_pdv(t.val, cx);
		}
	case 0x0d: case 0x0e: { /* CONNECT / ACCEPT: parameters incl. user data (193) */
		struct ots_rd p;

		if (l > rd_left(&u)) {
			if (!cx->partial)
				return mms_malformed(cx->out, "spdu_length");
			l = rd_left(&u);
		}
		p = rd_sub(&u, l);
		while (rd_left(&p) > 0) {
			uint8_t pi = rd_u8(&p);
			size_t pl = ses_len(&p);

			if (!rd_ok(&p))
				return mms_malformed(cx->out, "spdu_parameter");
			if (pl > rd_left(&p)) {
				if (!cx->partial)
					return mms_malformed(cx->out, "spdu_parameter");
				pl = rd_left(&p);
			}
			if (pi == 0xc1 || pi == 0xc2)
				return mms_pres_connect(rd_sub(&p, pl), cx);
			rd_skip(&p, pl);
		}
		return OTS_OK;
	}
	case 0x09: case 0x0a: case 0x19: case 0x0c: case 0x08: case 0x1a: case 0x02:
	case 0x05: case 0x15:
		/* FINISH, DISCONNECT, ABORT, REFUSE, NOT FINISHED, ABORT ACCEPT, PLEASE TOKENS,
		 * EXPEDITED, RESYNCHRONIZE ...: session management, no MMS op */
		return OTS_OK;
	default:
		return mms_malformed(cx->out, "bad_spdu");
	}
}

/* ---------------------------------------------------------------- parse */

static int
mms_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out)
{
	struct mms_state *st = state;
	struct mms_ctx cx;
	struct ots_rd r, cotp, u;
	uint16_t tl;
	uint8_t li, type, eot;
	int dir = pkt ? pkt->dir & 1 : 0;

	rd_init(&r, data, len);
	if (rd_u8(&r) != 3 || rd_u8(&r) != 0) {
		if (!rd_ok(&r))
			return OTS_ETRUNC;
		return mms_malformed(out, "bad_tpkt");
	}
	tl = rd_be16(&r);
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	if (tl < 7 || tl != len)
		return tl > len ? OTS_ETRUNC : mms_malformed(out, "tpkt_length");
	li = rd_u8(&r);
	if (li < 1 || li > rd_left(&r))
		return mms_malformed(out, "cotp_length");
	cotp = rd_sub(&r, li);
	type = rd_u8(&cotp) & 0xf0;
	if (type != 0xf0) {
		if (st && (type == 0x80 || type == 0xc0)) { /* DR / DC: drop any partial PDU */
			st->d[dir].seg = 0;
			st->d[dir].hlen = 0;
			st->d[dir].total = 0;
		}
		return OTS_OK; /* CR/CC/DR/DC/ER ...: connection management */
	}
	if (li != 2)
		return mms_malformed(out, "cotp_dt_length");
	eot = rd_u8(&cotp) & 0x80;
	u = rd_sub(&r, rd_left(&r));
	memset(&cx, 0, sizeof(cx));
	cx.st = st;
	cx.dir = dir;
	cx.out = out;

	if (st && (st->d[dir].seg || !eot)) {
		struct mms_dir *d = &st->d[dir];
		size_t n = rd_left(&u), room = MMS_HEAD - d->hlen;

		if (!d->seg) {
			d->seg = 1;
			d->dropped = 0;
			d->hlen = 0;
			d->total = 0;
			room = MMS_HEAD;
		}
		if (!d->dropped) {
			if (n > room)
				n = room;
			rd_copy(&u, d->head + d->hlen, n);
			d->hlen = (uint16_t)(d->hlen + n);
			d->total += (uint32_t)rd_left(&u) + (uint32_t)n;
			if (d->total > MMS_MAX_SEG) {
				d->dropped = 1;
				ots_emit_flag(out, OTS_PROTO_MMS, OTS_FLAG_MALFORMED,
				              "segmented_pdu_too_long");
			}
		}
		if (!eot)
			return OTS_OK;
		d->seg = 0;
		if (d->dropped)
			return OTS_EINVAL;
		cx.partial = d->total > d->hlen;
		rd_init(&u, d->head, d->hlen);
		return mms_user_data(u, &cx);
	}
	if (!eot)
		cx.partial = 1; /* no state to collect segments: decode the head alone */
	return mms_user_data(u, &cx);
}

static void
mms_gap(void *state, int dir)
{
	struct mms_state *st = state;

	if (st) {
		st->d[dir & 1].seg = 0;
		st->d[dir & 1].hlen = 0;
		st->d[dir & 1].total = 0;
	}
}

/* Catalog: confirmed services (code = service tag) and "unknown_service"; the MMSpdu names
 * parse() reports without a service (code 0x100 + PDU tag: not the confirmed request,
 * reported by its service, nor the unconfirmed PDU, reported by its unconfirmed service);
 * unconfirmed services (0x200 + tag). A confirmed response or error takes its request's
 * class, an initiate is authentication when it carries credentials. */
static void
mms_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(mms_svcs) / sizeof(mms_svcs[0]); i++)
		if (mms_svcs[i].name)
			ots_fn_visit(visit, ctx, mms_svcs[i].name, (uint32_t)i, mms_svcs[i].cls);
	ots_fn_visit(visit, ctx, "unknown_service", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	for (i = 1; i < sizeof(mms_pdu_names) / sizeof(mms_pdu_names[0]); i++)
		if (i != 3)
			ots_fn_visit(visit, ctx, mms_pdu_names[i], MMS_FN_PDU + (uint32_t)i,
			             i == 1 || i == 2 || i == 8 || i == 9 ? OTS_OP__COUNT : OTS_OP_OTHER);
	for (i = 0; i < sizeof(mms_unconf_names) / sizeof(mms_unconf_names[0]); i++)
		ots_fn_visit(visit, ctx, mms_unconf_names[i], MMS_FN_UNCONF + (uint32_t)i, OTS_OP_EVENT);
	ots_fn_visit(visit, ctx, "unknown_unconfirmed", OTS_FN_CODE_NONE, OTS_OP_EVENT);
}

const struct ots_dissector ots_dissector_mms = {
	.name = "mms",
	.id = OTS_PROTO_MMS,
	.transports = OTS_TR_TCP,
	.ethertype = 0x0000,
	.ports = { 102 },
	.max_pdu = 65535,
	.state_size = sizeof(struct mms_state),
	.probe = mms_probe,
	.pdu_len = mms_pdu_len,
	.parse = mms_parse,
	.gap = mms_gap,
	.functions = mms_functions,
};
