/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * telnet.c: Telnet (RFC 854) logins in clear text, and the banner a device greets with.
 *
 * Switches, serial gateways, RTUs and old PLCs still offer Telnet for maintenance; a login
 * over it puts a password on the wire in clear text (IEC 62443 FR1/FR4). Telnet has no PDUs:
 * it is a byte stream of text with option negotiation (IAC = 0xff, then a command byte: WILL,
 * WONT, DO, DONT take an option byte, SB ... IAC SE brackets a subnegotiation, IAC IAC is a
 * literal 0xff). The engine hands every chunk of the stream to parse() (pdu_len takes all
 * there is); the state machine below survives any cut, including inside an IAC sequence.
 *
 * Server text is scanned for the prompts "login:", "username:", "password:" and "passcode:"
 * (case-insensitive). What the client types after a password prompt, up to the end of the
 * line, is a password in clear text: one auth op ("password_sent") and one
 * cleartext_credential flag per login attempt. A username prompt answered is an auth op
 * ("username_sent"). The first non-empty line the server prints is reported as a
 * description fact ("Telnet banner"): devices often name themselves there.
 */
#include <stddef.h>
#include <stdint.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define TN_IAC 0xff
#define TN_SE 240
#define TN_SB 250
#define TN_WILL 251
#define TN_DONT 254
#define TN_BANNER 96
#define TN_MAX_CHUNK 65536

enum tn_iac { IAC_NONE, IAC_CMD, IAC_OPT, IAC_SB, IAC_SB_IAC };
enum tn_wait { WAIT_NONE, WAIT_USER, WAIT_PASS };

struct tn_state {
	uint8_t iac[2];          /* per direction: where we are in an IAC sequence */
	uint8_t wait;            /* a prompt the client has yet to answer */
	uint8_t typed;           /* the client typed something since the prompt */
	uint8_t banner_done;
	uint8_t banner_len;
	uint8_t win_len;
	char win[10];            /* the last letters the server printed, lower case */
	char banner[TN_BANNER];
};

static long
tn_pdu_len(const uint8_t *data, size_t len)
{
	(void)data;
	if (len == 0)
		return 0;
	return len > TN_MAX_CHUNK ? TN_MAX_CHUNK : (long)len;
}

/* Feed one byte through the IAC machine of a direction; 1 when it is data. */
static int
tn_iac_step(uint8_t *s, uint8_t c)
{
	switch (*s) {
	case IAC_NONE:
		if (c == TN_IAC) {
			*s = IAC_CMD;
			return 0;
		}
		return 1;
	case IAC_CMD:
		if (c == TN_IAC) { /* escaped 0xff */
			*s = IAC_NONE;
			return 1;
		}
		if (c == TN_SB)
			*s = IAC_SB;
		else if (c >= TN_WILL && c <= TN_DONT)
			*s = IAC_OPT;
		else
			*s = IAC_NONE;
		return 0;
	case IAC_OPT:
		*s = IAC_NONE;
		return 0;
	case IAC_SB:
		if (c == TN_IAC)
			*s = IAC_SB_IAC;
		return 0;
	default: /* IAC_SB_IAC */
		*s = c == TN_SE ? IAC_NONE : IAC_SB;
		return 0;
	}
}

static int
ends_with(const struct tn_state *st, const char *w, size_t n)
{
	size_t i;

	if (st->win_len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (st->win[st->win_len - n + i] != w[i])
			return 0;
	return 1;
}

static void
server_byte(struct tn_state *st, uint8_t c, const struct ots_dissect_out *out)
{
	char l = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);

	if (!st->banner_done) {
		if (c == '\r' || c == '\n') {
			if (st->banner_len) {
				ots_emit_fact(out, OTS_PROTO_TELNET, OTS_FACT_DESCRIPTION, OTS_SIDE_SENDER,
				              40, "Telnet banner", st->banner, st->banner_len);
				st->banner_done = 1;
			}
		} else if (c >= 0x20 && c < 0x7f && st->banner_len < TN_BANNER) {
			st->banner[st->banner_len++] = (char)c;
		}
	}
	if (c == ':') {
		if (ends_with(st, "password", 8) || ends_with(st, "passcode", 8)) {
			st->wait = WAIT_PASS;
			st->typed = 0;
			st->banner_done = 1; /* a prompt is no banner */
		} else if (ends_with(st, "login", 5) || ends_with(st, "username", 8)) {
			st->wait = WAIT_USER;
			st->typed = 0;
			st->banner_done = 1;
		}
		st->win_len = 0;
		return;
	}
	if (l == ' ' && st->win_len == 0)
		return;
	if (!((l >= 'a' && l <= 'z') || l == ' ')) {
		st->win_len = 0;
		return;
	}
	if (st->win_len == sizeof(st->win)) {
		size_t i;

		for (i = 1; i < sizeof(st->win); i++)
			st->win[i - 1] = st->win[i];
		st->win_len--;
	}
	st->win[st->win_len++] = l;
}

static void
client_byte(struct tn_state *st, uint8_t c, const struct ots_dissect_out *out)
{
	struct ots_ics_op op = { .proto = OTS_PROTO_TELNET, .op_class = OTS_OP_AUTH };

	if (st->wait == WAIT_NONE)
		return;
	if (c != '\r' && c != '\n' && c != 0) {
		st->typed = 1;
		return;
	}
	if (!st->typed)
		return;
	if (st->wait == WAIT_PASS) {
		op.function = 2;
		op.function_name = "password_sent";
		ots_emit_flag(out, OTS_PROTO_TELNET, OTS_FLAG_CLEARTEXT_CREDENTIAL, "telnet_password");
	} else {
		op.function = 1;
		op.function_name = "username_sent";
	}
	ots_emit_op(out, &op);
	st->wait = WAIT_NONE;
	st->typed = 0;
}

static int
tn_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct tn_state *st = state;
	struct ots_rd r;
	int d = pkt->dir & 1;

	if (!st)
		return OTS_OK;
	rd_init(&r, data, len);
	while (rd_left(&r)) {
		uint8_t c = rd_u8(&r);

		if (!tn_iac_step(&st->iac[d], c))
			continue;
		/* the initiator is the client: engine direction 0 */
		if (d == 1)
			server_byte(st, c, out);
		else
			client_byte(st, c, out);
	}
	return OTS_OK;
}

/* Option negotiation first (IAC WILL/WONT/DO/DONT with an option below 50), or a login
 * prompt in the first text. */
static int
tn_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t a, b, c;

	(void)pkt;
	rd_init(&r, data, len);
	a = rd_u8(&r);
	b = rd_u8(&r);
	c = rd_u8(&r);
	if (!rd_ok(&r))
		return OTS_PROBE_NO;
	if (a == TN_IAC && b >= TN_WILL && b <= TN_DONT && c < 50)
		return OTS_PROBE_MAYBE + 20;
	return OTS_PROBE_NO;
}

static void
tn_gap(void *state, int dir)
{
	struct tn_state *st = state;

	if (!st)
		return;
	st->iac[dir & 1] = IAC_NONE;
	st->win_len = 0;
}

/* Catalog: the login prompts answered (client_byte). */
static void
tn_functions(ots_fn_visit_fn visit, void *ctx)
{
	ots_fn_visit(visit, ctx, "username_sent", 1, OTS_OP_AUTH);
	ots_fn_visit(visit, ctx, "password_sent", 2, OTS_OP_AUTH);
}

const struct ots_dissector ots_dissector_telnet = {
	.name = "telnet",
	.id = OTS_PROTO_TELNET,
	.transports = OTS_TR_TCP,
	.ports = { 23 },
	.max_pdu = TN_MAX_CHUNK,
	.state_size = sizeof(struct tn_state),
	.probe = tn_probe,
	.pdu_len = tn_pdu_len,
	.parse = tn_parse,
	.gap = tn_gap,
	.functions = tn_functions,
};
