/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hartip.c: HART-IP dissector (TCP and UDP, HART-IP v1/v2 header, token-passing pass-through
 * and direct PDUs, HART universal and common-practice commands).
 *
 * Spec: HCF_SPEC-085 (HART-IP), HCF_SPEC-081 (token-passing data link), HCF_SPEC-127
 * (universal commands), HCF_SPEC-151 (common practice commands), HCF_SPEC-183 (common tables).
 *
 *   0       1        2        3        4        6          8
 *   +-------+--------+--------+--------+--------+----------+------------------------+
 *   |version| type   | msg id | status | seq no | byte cnt | body (byte cnt - 8)     |
 *   +-------+--------+--------+--------+--------+----------+------------------------+
 *   big-endian; byte count is the whole message, header included.
 *   type: 0 request, 1 response, 2 publish, 3 error, 15 NAK (low nibble; high nibble 0)
 *   msg id: 0 session initiate, 1 session close, 2 keep alive, 3 token-passing PDU,
 *           4 direct PDU, 5 read audit log
 *
 *   Token-passing PDU (msg id 3):
 *   delimiter (bit7 long address, bits5-6 expansion bytes, bits0-2 frame type: 1 BACK,
 *   2 STX, 6 ACK) | address (1 or 5 bytes) | expansion | command | byte count |
 *   [response code, device status in ACK/BACK] data | check byte (XOR of the frame)
 *   Command 31 carries a 16-bit command number in its first two data bytes.
 *
 *   Direct PDU (msg id 4): device status, extended status, then commands:
 *   command (16 bits) | byte count | [response code in responses] data
 *
 * How this dissector reports: one op per message; a token-passing PDU reports its HART
 * command (function = command number, 16-bit for command 31), a direct PDU one op per
 * command it carries, every other message function = 0x10000 | message id
 * ("session_initiate" ...). is_response = message type != request; publish is an event;
 * error/NAK messages and non-zero header status in a response set exception = status; a
 * HART response code that is an error (not 0, not a warning) sets exception = that code.
 * unit = polling address (short frame) or the 24-bit device id of the long address;
 * transaction = the HART-IP sequence number.
 * Identity (sender side) from the responses of commands 0, 11 and 21 (identity block),
 * 13 (tag, descriptor) and 20 (long tag).
 */
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define HI_PORT 5094
#define HI_HDR 8
#define HI_MAX 8192

#define HI_REQ 0
#define HI_RSP 1
#define HI_PUB 2
#define HI_ERR 3
#define HI_NAK 15

#define HI_ID_INIT 0
#define HI_ID_CLOSE 1
#define HI_ID_KEEPALIVE 2
#define HI_ID_PDU 3
#define HI_ID_DIRECT 4
#define HI_ID_AUDIT 5

#define HI_FC_MSG 0x10000u

#define FT_BACK 1
#define FT_STX 2
#define FT_ACK 6

struct hi_cmd {
	uint16_t cmd;
	uint8_t cls;
	const char *name;
};

/* Universal (0-22, 38, 48) and common-practice commands. */
static const struct hi_cmd hi_cmds[] = {
	{ 0, OTS_OP_IDENTITY, "read_unique_identifier" },
	{ 1, OTS_OP_READ, "read_primary_variable" },
	{ 2, OTS_OP_READ, "read_loop_current_and_percent_of_range" },
	{ 3, OTS_OP_READ, "read_dynamic_variables_and_loop_current" },
	{ 6, OTS_OP_WRITE, "write_polling_address" },
	{ 7, OTS_OP_READ, "read_loop_configuration" },
	{ 8, OTS_OP_READ, "read_dynamic_variable_classifications" },
	{ 9, OTS_OP_READ, "read_device_variables_with_status" },
	{ 11, OTS_OP_DISCOVERY, "read_unique_identifier_with_tag" },
	{ 12, OTS_OP_READ, "read_message" },
	{ 13, OTS_OP_IDENTITY, "read_tag_descriptor_date" },
	{ 14, OTS_OP_READ, "read_primary_variable_transducer_information" },
	{ 15, OTS_OP_READ, "read_device_information" },
	{ 16, OTS_OP_READ, "read_final_assembly_number" },
	{ 17, OTS_OP_WRITE, "write_message" },
	{ 18, OTS_OP_WRITE, "write_tag_descriptor_date" },
	{ 19, OTS_OP_WRITE, "write_final_assembly_number" },
	{ 20, OTS_OP_IDENTITY, "read_long_tag" },
	{ 21, OTS_OP_DISCOVERY, "read_unique_identifier_with_long_tag" },
	{ 22, OTS_OP_WRITE, "write_long_tag" },
	{ 33, OTS_OP_READ, "read_device_variables" },
	{ 34, OTS_OP_WRITE, "write_primary_variable_damping_value" },
	{ 35, OTS_OP_WRITE, "write_primary_variable_range_values" },
	{ 36, OTS_OP_WRITE, "set_primary_variable_upper_range_value" },
	{ 37, OTS_OP_WRITE, "set_primary_variable_lower_range_value" },
	{ 38, OTS_OP_OTHER, "reset_configuration_changed_flag" },
	{ 39, OTS_OP_WRITE, "eeprom_control" },
	{ 40, OTS_OP_DIAGNOSTIC, "enter_exit_fixed_current_mode" },
	{ 41, OTS_OP_DIAGNOSTIC, "perform_self_test" },
	{ 42, OTS_OP_RESTART, "perform_device_reset" },
	{ 43, OTS_OP_WRITE, "set_primary_variable_zero" },
	{ 44, OTS_OP_WRITE, "write_primary_variable_units" },
	{ 45, OTS_OP_WRITE, "trim_loop_current_zero" },
	{ 46, OTS_OP_WRITE, "trim_loop_current_gain" },
	{ 47, OTS_OP_WRITE, "write_primary_variable_transfer_function" },
	{ 48, OTS_OP_READ, "read_additional_device_status" },
	{ 49, OTS_OP_WRITE, "write_primary_variable_transducer_serial_number" },
	{ 50, OTS_OP_READ, "read_dynamic_variable_assignments" },
	{ 51, OTS_OP_WRITE, "write_dynamic_variable_assignments" },
	{ 52, OTS_OP_WRITE, "set_device_variable_zero" },
	{ 53, OTS_OP_WRITE, "write_device_variable_units" },
	{ 54, OTS_OP_READ, "read_device_variable_information" },
	{ 55, OTS_OP_WRITE, "write_device_variable_damping_value" },
	{ 56, OTS_OP_WRITE, "write_device_variable_transducer_serial_number" },
	{ 57, OTS_OP_READ, "read_unit_tag_descriptor_date" },
	{ 58, OTS_OP_WRITE, "write_unit_tag_descriptor_date" },
	{ 59, OTS_OP_WRITE, "write_number_of_response_preambles" },
	{ 60, OTS_OP_READ, "read_analog_channel_and_percent_of_range" },
	{ 61, OTS_OP_READ, "read_dynamic_variables_and_pv_analog_channel" },
	{ 62, OTS_OP_READ, "read_analog_channels" },
	{ 63, OTS_OP_READ, "read_analog_channel_information" },
	{ 64, OTS_OP_WRITE, "write_analog_channel_additional_damping_value" },
	{ 65, OTS_OP_WRITE, "write_analog_channel_range_values" },
	{ 66, OTS_OP_DIAGNOSTIC, "enter_exit_fixed_analog_channel_mode" },
	{ 67, OTS_OP_WRITE, "trim_analog_channel_zero" },
	{ 68, OTS_OP_WRITE, "trim_analog_channel_gain" },
	{ 69, OTS_OP_WRITE, "write_analog_channel_transfer_function" },
	{ 70, OTS_OP_READ, "read_analog_channel_endpoint_values" },
	{ 71, OTS_OP_MODE_CHANGE, "lock_device" },
	{ 72, OTS_OP_DIAGNOSTIC, "squawk" },
	{ 73, OTS_OP_DISCOVERY, "find_device" },
	{ 74, OTS_OP_READ, "read_io_system_capabilities" },
	{ 75, OTS_OP_DISCOVERY, "poll_sub_device" },
	{ 76, OTS_OP_READ, "read_lock_device_state" },
	{ 77, OTS_OP_OTHER, "send_command_to_sub_device" },
	{ 78, OTS_OP_READ, "read_aggregated_commands" },
	{ 79, OTS_OP_WRITE, "write_device_variable" },
	{ 80, OTS_OP_READ, "read_device_variable_trim_points" },
	{ 81, OTS_OP_READ, "read_device_variable_trim_guidelines" },
	{ 82, OTS_OP_WRITE, "write_device_variable_trim_point" },
	{ 83, OTS_OP_WRITE, "reset_device_variable_trim" },
	{ 84, OTS_OP_READ, "read_sub_device_identity_summary" },
	{ 85, OTS_OP_READ, "read_io_channel_statistics" },
	{ 86, OTS_OP_READ, "read_sub_device_statistics" },
	{ 87, OTS_OP_WRITE, "write_io_system_master_mode" },
	{ 88, OTS_OP_WRITE, "write_io_system_retry_count" },
	{ 89, OTS_OP_TIME_SYNC, "set_real_time_clock" },
	{ 90, OTS_OP_READ, "read_real_time_clock" },
	{ 91, OTS_OP_READ, "read_trend_configuration" },
	{ 92, OTS_OP_WRITE, "write_trend_configuration" },
	{ 93, OTS_OP_READ, "read_trend" },
	{ 94, OTS_OP_READ, "read_io_system_client_side_communication_statistics" },
	{ 95, OTS_OP_READ, "read_device_communication_statistics" },
	{ 96, OTS_OP_READ, "read_synchronous_action" },
	{ 97, OTS_OP_WRITE, "configure_synchronous_action" },
	{ 98, OTS_OP_READ, "read_command_action" },
	{ 99, OTS_OP_WRITE, "configure_command_action" },
	{ 101, OTS_OP_READ, "read_sub_device_to_burst_message_map" },
	{ 102, OTS_OP_WRITE, "map_sub_device_to_burst_message" },
	{ 103, OTS_OP_WRITE, "write_burst_period" },
	{ 104, OTS_OP_WRITE, "write_burst_trigger" },
	{ 105, OTS_OP_READ, "read_burst_mode_configuration" },
	{ 106, OTS_OP_OTHER, "flush_delayed_responses" },
	{ 107, OTS_OP_WRITE, "write_burst_device_variables" },
	{ 108, OTS_OP_WRITE, "write_burst_mode_command_number" },
	{ 109, OTS_OP_WRITE, "burst_mode_control" },
	{ 110, OTS_OP_READ, "read_all_dynamic_variables" },
	{ 111, OTS_OP_FILE, "transfer_service_control" },
	{ 112, OTS_OP_FILE, "transfer_service" },
	{ 113, OTS_OP_WRITE, "catch_device_variable" },
	{ 114, OTS_OP_READ, "read_caught_device_variable" },
	{ 115, OTS_OP_READ, "read_event_notification_summary" },
	{ 116, OTS_OP_WRITE, "write_event_notification_bit_mask" },
	{ 117, OTS_OP_WRITE, "write_event_notification_timing" },
	{ 118, OTS_OP_WRITE, "event_notification_control" },
	{ 119, OTS_OP_OTHER, "acknowledge_event_notification" },
};

static const char *const hi_msg_names[] = {
	"session_initiate", "session_close", "keep_alive", "token_passing_pdu", "direct_pdu",
	"read_audit_log",
};

/* Manufacturer identification codes (HCF_SPEC-183 common table 8), the ones we name. */
static const struct {
	uint16_t id;
	const char *name;
} hi_vendors[] = {
	{ 17, "Endress+Hauser" },
	{ 19, "Fisher Controls" },
	{ 23, "Honeywell" },
	{ 38, "Rosemount" },
	{ 42, "Siemens" },
	{ 55, "Yokogawa" },
	{ 69, "Krohne" },
	{ 98, "VEGA" },
	{ 166, "Fluid Components International" },
};

static const struct hi_cmd *
hi_cmd(uint32_t cmd)
{
	size_t i;

	for (i = 0; i < sizeof(hi_cmds) / sizeof(hi_cmds[0]); i++)
		if (hi_cmds[i].cmd == cmd)
			return &hi_cmds[i];
	return NULL;
}

static void
hi_set_cmd(struct ots_ics_op *op, uint32_t cmd)
{
	const struct hi_cmd *c = hi_cmd(cmd);

	op->function = cmd;
	if (c) {
		op->function_name = c->name;
		op->op_class = c->cls;
	} else if (cmd >= 128 && cmd <= 253) {
		op->function_name = "device_specific";
		op->op_class = OTS_OP_OTHER;
	} else {
		op->function_name = "unknown";
		op->op_class = OTS_OP_OTHER;
	}
}

static int
hi_type_ok(uint8_t t)
{
	return t == HI_REQ || t == HI_RSP || t == HI_PUB || t == HI_ERR || t == HI_NAK;
}

static int
hi_bad(const struct ots_dissect_out *out, const char *why, int rc)
{
	ots_emit_flag(out, OTS_PROTO_HARTIP, OTS_FLAG_MALFORMED, why);
	return rc;
}

static long
hi_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint8_t ver, type;
	uint16_t bc;

	rd_init(&r, data, len);
	if (len < HI_HDR)
		return 0;
	ver = rd_u8(&r);
	type = rd_u8(&r);
	rd_skip(&r, 4);
	bc = rd_be16(&r);
	if (!rd_ok(&r) || ver < 1 || ver > 2 || !hi_type_ok(type) || bc < HI_HDR || bc > HI_MAX)
		return -1;
	return bc;
}

/* Does the body start like the message id says? (probe only) */
static int
hi_body_fits(uint8_t id, uint8_t type, const uint8_t *b, size_t n, uint16_t bc)
{
	uint8_t ft;

	switch (id) {
	case HI_ID_INIT:
		return bc == HI_HDR + 5 || (type != HI_REQ && bc == HI_HDR) ||
		       (bc > HI_HDR + 5 && n >= 1 && b[0] <= 2);
	case HI_ID_CLOSE:
	case HI_ID_KEEPALIVE:
		return bc == HI_HDR;
	case HI_ID_PDU:
		if (bc == HI_HDR)
			return type == HI_ERR || type == HI_NAK;
		if (n < 1)
			return 1;
		ft = b[0] & 7;
		return bc >= HI_HDR + 4 && (ft == FT_STX || ft == FT_ACK || ft == FT_BACK);
	case HI_ID_DIRECT:
	case HI_ID_AUDIT:
		return 1;
	default:
		return 0;
	}
}

static int
hi_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t ver, type, id;
	uint16_t bc;
	size_t blen;
	const uint8_t *body;
	int score;

	rd_init(&r, data, len);
	ver = rd_u8(&r);
	type = rd_u8(&r);
	id = rd_u8(&r);
	rd_skip(&r, 3);
	bc = rd_be16(&r);
	if (!rd_ok(&r) || ver < 1 || ver > 2 || !hi_type_ok(type) || bc < HI_HDR || bc > HI_MAX)
		return OTS_PROBE_NO;
	body = rd_rest(&r, &blen);
	if (!hi_body_fits(id, type, body, blen, bc))
		return OTS_PROBE_NO;
	if (len == bc)
		score = 80;
	else if (len > bc && hi_pdu_len(data + bc, len - bc) != -1)
		score = 80;
	else if (len > bc)
		return OTS_PROBE_NO;
	else
		score = OTS_PROBE_MAYBE;
	if (pkt && (pkt->sport == HI_PORT || pkt->dport == HI_PORT))
		score += 20;
	return score > OTS_PROBE_SURE ? OTS_PROBE_SURE : score;
}

/* HART response codes that are warnings, not failures (HCF_SPEC-307 classes). */
static int
hi_rc_is_error(uint8_t rc)
{
	if (rc == 0)
		return 0;
	if (rc & 0x80)
		return 1; /* communication error summary */
	return !(rc == 8 || rc == 14 || (rc >= 24 && rc <= 27) || rc == 30 || rc == 31);
}

static void
hi_fact_str(const struct ots_dissect_out *out, uint8_t attr, const char *src, const char *s,
            size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		n--;
	ots_emit_fact(out, OTS_PROTO_HARTIP, attr, OTS_SIDE_SENDER, 90, src, s, n);
}

static size_t
hi_utoa(char *buf, uint32_t v)
{
	char t[12];
	size_t n = 0, i;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(t));
	for (i = 0; i < n; i++)
		buf[i] = t[n - 1 - i];
	return n;
}

/* Lowercase hex of the next n bytes of r. */
static size_t
hi_hex(char *buf, struct ots_rd *r, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t v = rd_u8(r);

		buf[2 * i] = hx[v >> 4];
		buf[2 * i + 1] = hx[v & 15];
	}
	return 2 * n;
}

static void
hi_fact_num(const struct ots_dissect_out *out, uint8_t attr, const char *src, uint32_t v)
{
	char b[12];
	size_t n = hi_utoa(b, v);

	ots_emit_fact(out, OTS_PROTO_HARTIP, attr, OTS_SIDE_SENDER, 90, src, b, n);
}

/* Identity block of commands 0, 11, 21 (response data after the status bytes):
 * 254 | expanded device type (2) | preambles | universal rev | device rev | software rev |
 * hardware rev (5 bits) + signaling | flags | device id (3) | [HART 7: preambles, max device
 * variables, config change counter (2), extended status, manufacturer (2), ...] */
static void
hi_identity(struct ots_rd *d, const struct ots_dissect_out *out, const char *src)
{
	struct ots_rd t;
	uint8_t univ, devrev, swrev, hwrev;
	uint32_t mfr;
	char b[32];
	size_t i, n;

	if (rd_left(d) < 12 || rd_u8(d) != 254)
		return;
	t = *d;
	mfr = rd_u8(&t); /* before HART 7: manufacturer, then device type */
	n = 0;
	b[n++] = '0';
	b[n++] = 'x';
	n += hi_hex(b + n, d, 2);
	ots_emit_fact(out, OTS_PROTO_HARTIP, OTS_FACT_DEVICE_TYPE, OTS_SIDE_SENDER, 90, src, b, n);
	rd_skip(d, 1); /* preambles */
	univ = rd_u8(d);
	devrev = rd_u8(d);
	swrev = rd_u8(d);
	hwrev = (uint8_t)(rd_u8(d) >> 3);
	rd_skip(d, 1); /* flags */
	n = hi_hex(b, d, 3);
	if (!rd_ok(d))
		return;
	ots_emit_fact(out, OTS_PROTO_HARTIP, OTS_FACT_SERIAL, OTS_SIDE_SENDER, 90, src, b, n);
	hi_fact_num(out, OTS_FACT_SW_VERSION, src, devrev);
	hi_fact_num(out, OTS_FACT_FIRMWARE, src, swrev);
	hi_fact_num(out, OTS_FACT_HW_REVISION, src, hwrev);
	n = 0;
	b[n++] = 'H';
	b[n++] = 'A';
	b[n++] = 'R';
	b[n++] = 'T';
	b[n++] = ' ';
	n += hi_utoa(b + n, univ);
	ots_emit_fact(out, OTS_PROTO_HARTIP, OTS_FACT_PLATFORM, OTS_SIDE_SENDER, 90, src, b, n);
	if (univ >= 7) {
		rd_skip(d, 5);
		mfr = rd_be16(d);
		if (!rd_ok(d))
			return;
	}
	hi_fact_num(out, OTS_FACT_VENDOR_ID, src, mfr);
	for (i = 0; i < sizeof(hi_vendors) / sizeof(hi_vendors[0]); i++)
		if (hi_vendors[i].id == mfr) {
			const char *v = hi_vendors[i].name;

			for (n = 0; v[n]; n++)
				;
			ots_emit_fact(out, OTS_PROTO_HARTIP, OTS_FACT_VENDOR, OTS_SIDE_SENDER, 90, src,
			              v, n);
		}
}

/* Packed ASCII (6-bit characters, 4 per 3 bytes) of the next n bytes of r -> ASCII. */
static size_t
hi_unpack(char *dst, struct ots_rd *r, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = rd_be24(r);
		int j;

		for (j = 3; j >= 0; j--) {
			uint8_t c = (uint8_t)((v >> (6 * j)) & 0x3f);

			dst[k++] = (char)(c | ((~c & 0x20) << 1));
		}
	}
	return k;
}

static int
hi_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '@' && s[i] != ' ' && s[i] != '\0')
			return 0;
	return 1;
}

/* Facts from a successful response's data (after the status bytes). */
static void
hi_rsp_facts(uint32_t cmd, struct ots_rd *d, const struct ots_dissect_out *out)
{
	char b[32];
	size_t n;

	switch (cmd) {
	case 0:
		hi_identity(d, out, "Cmd0");
		break;
	case 11:
		hi_identity(d, out, "Cmd11");
		break;
	case 21:
		hi_identity(d, out, "Cmd21");
		break;
	case 13:
		if (rd_left(d) < 18)
			break;
		n = hi_unpack(b, d, 6);
		if (!hi_blank(b, n))
			hi_fact_str(out, OTS_FACT_NAME, "Cmd13", b, n);
		n = hi_unpack(b, d, 12);
		if (!hi_blank(b, n))
			hi_fact_str(out, OTS_FACT_DESCRIPTION, "Cmd13", b, n);
		break;
	case 20:
		/* long tag: ISO Latin-1, NUL padded */
		if (rd_left(d) < 32)
			break;
		for (n = 0; n < 32; n++) {
			uint8_t c = rd_u8(d);

			if (c == 0)
				break;
			b[n] = (char)c;
		}
		if (n > 0 && !hi_blank(b, n))
			hi_fact_str(out, OTS_FACT_NAME, "Cmd20", b, n);
		break;
	default:
		break;
	}
}

/* Token-passing PDU: the HART frame inside message id 3. */
static int
hi_token_pdu(struct ots_rd *r, struct ots_ics_op *op, int resp, int pub,
             const struct ots_dissect_out *out)
{
	const uint8_t *frame, *data;
	size_t flen, i, n;
	uint8_t delim, ft, cmd, bc, x = 0, ck;
	struct ots_rd d, f;
	uint32_t fc, unit;

	frame = rd_rest(r, &flen);
	delim = rd_u8(r);
	ft = delim & 7;
	if (delim & 0x80) {
		rd_skip(r, 2); /* master/burst bits + manufacturer/device type */
		unit = rd_be24(r); /* device id */
	} else {
		unit = rd_u8(r) & 0x3f; /* polling address */
	}
	rd_skip(r, (delim >> 5) & 3);
	cmd = rd_u8(r);
	bc = rd_u8(r);
	if (!rd_ok(r)) {
		ots_emit_op(out, op);
		return hi_bad(out, "short_pdu", OTS_EINVAL);
	}
	op->has_unit = 1;
	op->unit = unit;
	hi_set_cmd(op, cmd);
	if (pub)
		op->op_class = OTS_OP_EVENT;
	data = rd_ptr(r, bc);
	if (!data) {
		ots_emit_op(out, op);
		return hi_bad(out, "bad_byte_count", OTS_EINVAL);
	}
	rd_init(&d, data, bc);
	if (ft == FT_ACK || ft == FT_BACK) {
		uint8_t rc = rd_u8(&d);

		rd_skip(&d, 1); /* field device status */
		if (rd_ok(&d) && hi_rc_is_error(rc)) {
			op->has_exception = 1;
			op->exception = rc;
		}
		if (!rd_ok(&d)) {
			ots_emit_op(out, op);
			return hi_bad(out, "short_response", OTS_EINVAL);
		}
	}
	fc = cmd;
	if (cmd == 31) {
		/* the 16-bit command number leads the data; a request may be the bare 31 */
		struct ots_rd e = d;
		uint16_t ext = rd_be16(&e);

		if (rd_ok(&e)) {
			fc = ext;
			hi_set_cmd(op, fc);
			if (pub)
				op->op_class = OTS_OP_EVENT;
			d = e;
		}
	}
	if (resp && !op->has_exception && (ft == FT_ACK || ft == FT_BACK))
		hi_rsp_facts(fc, &d, out);
	ots_emit_op(out, op);
	if (ft != FT_STX && ft != FT_ACK && ft != FT_BACK)
		return hi_bad(out, "bad_frame_type", OTS_EINVAL);
	/* check byte: XOR of delimiter .. data */
	n = rd_off(r);
	ck = rd_u8(r);
	if (!rd_ok(r))
		return hi_bad(out, "no_check_byte", OTS_EINVAL);
	rd_init(&f, frame, n < flen ? n : flen);
	for (i = 0; i < n; i++)
		x ^= rd_u8(&f);
	if (rd_left(r) != 0)
		return hi_bad(out, "trailing_bytes", OTS_EINVAL);
	if (x != ck)
		return hi_bad(out, "bad_check_byte", OTS_EINVAL);
	return OTS_OK;
}

/* Direct PDU: device status, extended status, then 16-bit commands. */
static int
hi_direct(struct ots_rd *r, struct ots_ics_op *base, int resp, const struct ots_dissect_out *out)
{
	rd_skip(r, 2);
	if (!rd_ok(r)) {
		ots_emit_op(out, base);
		return hi_bad(out, "short_direct_pdu", OTS_EINVAL);
	}
	if (rd_left(r) == 0) {
		ots_emit_op(out, base);
		return OTS_OK;
	}
	while (rd_left(r) > 0) {
		struct ots_ics_op op = *base;
		uint16_t cmd = rd_be16(r);
		uint8_t bc = rd_u8(r);
		struct ots_rd d;
		const uint8_t *data;

		if (!rd_ok(r))
			return hi_bad(out, "short_direct_command", OTS_EINVAL);
		data = rd_ptr(r, bc);
		if (!data)
			return hi_bad(out, "bad_byte_count", OTS_EINVAL);
		hi_set_cmd(&op, cmd);
		rd_init(&d, data, bc);
		if (resp) {
			uint8_t rc = rd_u8(&d);

			if (rd_ok(&d) && hi_rc_is_error(rc)) {
				op.has_exception = 1;
				op.exception = rc;
			}
			if (rd_ok(&d) && !op.has_exception)
				hi_rsp_facts(cmd, &d, out);
		}
		ots_emit_op(out, &op);
	}
	return OTS_OK;
}

static int
hi_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct ots_rd r, body;
	struct ots_ics_op op = { 0 };
	uint8_t ver, type, id, status;
	uint16_t seq, bc;
	int resp;

	(void)state;
	(void)pkt;
	rd_init(&r, data, len);
	ver = rd_u8(&r);
	type = rd_u8(&r);
	id = rd_u8(&r);
	status = rd_u8(&r);
	seq = rd_be16(&r);
	bc = rd_be16(&r);
	if (!rd_ok(&r))
		return hi_bad(out, "short_header", OTS_ETRUNC);
	if (ver < 1 || ver > 2)
		return hi_bad(out, "bad_version", OTS_EINVAL);
	if (!hi_type_ok(type))
		return hi_bad(out, "bad_message_type", OTS_EINVAL);
	if (bc < HI_HDR)
		return hi_bad(out, "bad_byte_count", OTS_EINVAL);
	if (len < bc)
		return hi_bad(out, "short_message", OTS_ETRUNC);
	if (len > bc)
		return hi_bad(out, "length_mismatch", OTS_EINVAL);
	body = rd_sub(&r, (size_t)bc - HI_HDR);

	resp = type != HI_REQ;
	op.proto = OTS_PROTO_HARTIP;
	op.is_response = (uint8_t)resp;
	op.has_transaction = 1;
	op.transaction = seq;
	op.function = HI_FC_MSG | id;
	op.function_name = id < sizeof(hi_msg_names) / sizeof(hi_msg_names[0]) ? hi_msg_names[id]
	                                                                         : "unknown";
	op.op_class = OTS_OP_OTHER;
	if (type == HI_ERR || type == HI_NAK || (type == HI_RSP && status != 0 &&
	                                          id != HI_ID_PDU && id != HI_ID_DIRECT)) {
		op.has_exception = 1;
		op.exception = status;
	}

	switch (id) {
	case HI_ID_INIT:
		if (type == HI_REQ && ver == 1)
			ots_emit_flag(out, OTS_PROTO_HARTIP, OTS_FLAG_NO_SECURITY, "session_without_security");
		ots_emit_op(out, &op);
		if ((type == HI_REQ || (type == HI_RSP && status == 0)) && rd_left(&body) < 5)
			return hi_bad(out, "short_session_initiate", OTS_EINVAL);
		return OTS_OK;
	case HI_ID_CLOSE:
	case HI_ID_KEEPALIVE:
		ots_emit_op(out, &op);
		return OTS_OK;
	case HI_ID_PDU:
		if (rd_left(&body) == 0) {
			ots_emit_op(out, &op);
			if (type == HI_ERR || type == HI_NAK)
				return OTS_OK;
			return hi_bad(out, "empty_pdu", OTS_EINVAL);
		}
		return hi_token_pdu(&body, &op, resp, type == HI_PUB, out);
	case HI_ID_DIRECT:
		return hi_direct(&body, &op, resp, out);
	case HI_ID_AUDIT:
		op.op_class = OTS_OP_READ;
		ots_emit_op(out, &op);
		return OTS_OK;
	default:
		ots_emit_op(out, &op);
		return hi_bad(out, "unknown_message_id", OTS_EINVAL);
	}
}

/* Catalog: HART commands (a burst-mode publication is an event), "device_specific" (128 to
 * 253) and "unknown"; HART-IP message ids (0x10000 | id: audit log is a read). */
static void
hi_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(hi_cmds) / sizeof(hi_cmds[0]); i++)
		ots_fn_visit(visit, ctx, hi_cmds[i].name, hi_cmds[i].cmd, hi_cmds[i].cls);
	ots_fn_visit(visit, ctx, "device_specific", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	for (i = 0; i < sizeof(hi_msg_names) / sizeof(hi_msg_names[0]); i++)
		ots_fn_visit(visit, ctx, hi_msg_names[i], HI_FC_MSG | (uint32_t)i,
		             i == HI_ID_AUDIT ? OTS_OP_READ : OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_hartip = {
	.name = "hart_ip",
	.id = OTS_PROTO_HARTIP,
	.transports = OTS_TR_TCP | OTS_TR_UDP,
	.ethertype = 0x0000,
	.ports = { HI_PORT },
	.max_pdu = HI_MAX,
	.state_size = 0,
	.probe = hi_probe,
	.pdu_len = hi_pdu_len,
	.parse = hi_parse,
	.gap = NULL,
	.fini = NULL,
	.functions = hi_functions,
};
