/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ftp.c: FTP control channel (RFC 959): logins in clear text and the file operations.
 *
 * Not an industrial protocol, but PLCs, RTUs and HMIs serve FTP for programs, recipes,
 * logs and firmware, and a password crossing the control network in clear text is what a
 * zone check must see (IEC 62443 FR1/FR4). The control channel is lines ending in CRLF:
 *
 *   client: VERB [SP argument] CRLF          USER, PASS, RETR, STOR, DELE, SITE ...
 *   server: 3-digit code (SP | '-') text CRLF; a '-' opens a multi-line reply that ends with
 *           a line starting with the same code and SP
 *
 * One op per command (class by verb) and per final reply (the code as exception when it is
 * 4xx/5xx). PASS is flagged cleartext_credential unless AUTH TLS was accepted (234): then
 * the rest of the channel is TLS and is not parsed. The 220 banner becomes a description
 * fact of the server (it names the FTP server software, often the device's firmware).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define FTP_MAX_LINE 1024

struct ftp_state {
	uint8_t client_known, client_dir;
	uint8_t tls;             /* AUTH TLS accepted: the channel is encrypted from here */
	uint8_t auth_tls_asked;
	uint8_t banner_done;
	uint16_t pending;        /* last command's verb index + 1, for the reply's class; 0 none */
	uint16_t multi_code;     /* open multi-line reply code, 0 none */
};

struct ftp_verb {
	const char *verb;
	uint8_t cls;
	const char *name;
};

/* Codes are the table index + 1 (function_code of the op); keep the order stable. */
static const struct ftp_verb ftp_verbs[] = {
	{ "USER", OTS_OP_AUTH, "user" },
	{ "PASS", OTS_OP_AUTH, "pass" },
	{ "ACCT", OTS_OP_AUTH, "acct" },
	{ "AUTH", OTS_OP_AUTH, "auth" },
	{ "RETR", OTS_OP_FILE, "retr" },
	{ "STOR", OTS_OP_FILE, "stor" },
	{ "STOU", OTS_OP_FILE, "stou" },
	{ "APPE", OTS_OP_FILE, "appe" },
	{ "DELE", OTS_OP_FILE, "dele" },
	{ "RNFR", OTS_OP_FILE, "rnfr" },
	{ "RNTO", OTS_OP_FILE, "rnto" },
	{ "MKD", OTS_OP_FILE, "mkd" },
	{ "RMD", OTS_OP_FILE, "rmd" },
	{ "LIST", OTS_OP_READ, "list" },
	{ "NLST", OTS_OP_READ, "nlst" },
	{ "MLSD", OTS_OP_READ, "mlsd" },
	{ "SIZE", OTS_OP_READ, "size" },
	{ "CWD", OTS_OP_OTHER, "cwd" },
	{ "PWD", OTS_OP_OTHER, "pwd" },
	{ "TYPE", OTS_OP_OTHER, "type" },
	{ "PASV", OTS_OP_OTHER, "pasv" },
	{ "EPSV", OTS_OP_OTHER, "epsv" },
	{ "PORT", OTS_OP_OTHER, "port" },
	{ "EPRT", OTS_OP_OTHER, "eprt" },
	{ "SITE", OTS_OP_CONTROL, "site" },
	{ "SYST", OTS_OP_DIAGNOSTIC, "syst" },
	{ "STAT", OTS_OP_DIAGNOSTIC, "stat" },
	{ "FEAT", OTS_OP_DIAGNOSTIC, "feat" },
	{ "NOOP", OTS_OP_OTHER, "noop" },
	{ "QUIT", OTS_OP_OTHER, "quit" },
	{ "PBSZ", OTS_OP_AUTH, "pbsz" },
	{ "PROT", OTS_OP_AUTH, "prot" },
	{ "OPTS", OTS_OP_OTHER, "opts" },
	{ "REST", OTS_OP_OTHER, "rest" },
	{ "ABOR", OTS_OP_OTHER, "abor" },
	{ "MDTM", OTS_OP_READ, "mdtm" },
};

#define FTP_NVERBS (sizeof(ftp_verbs) / sizeof(ftp_verbs[0]))
#define FTP_V_PASS 1  /* indexes in ftp_verbs */
#define FTP_V_AUTH 3
#define FTP_OTHER_CODE 0xff

static int
is_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static uint8_t
to_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
}

/* Length of the line at data including CRLF (or a bare LF), 0 when it has not ended, < 0
 * when it cannot be a text line (a NUL byte, or no line end within FTP_MAX_LINE). */
static long
ftp_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	size_t n;
	const uint8_t *p, *nl, *nul;

	rd_init(&r, data, len);
	p = rd_rest(&r, &n);
	if (!p || n == 0)
		return 0;
	if (n > FTP_MAX_LINE)
		n = FTP_MAX_LINE;
	nl = memchr(p, '\n', n);
	nul = memchr(p, 0, nl ? (size_t)(nl - p) : n);
	if (nul)
		return -1; /* not a text line */
	if (nl)
		return (long)(nl - p) + 1;
	return len >= FTP_MAX_LINE ? -1 : 0;
}

/* A server reply line: 3 digits, then SP, '-' or the end of the line. Returns the code. */
static int
reply_code(struct ots_rd *r, uint8_t *sep)
{
	uint8_t a = rd_u8(r), b = rd_u8(r), c = rd_u8(r);

	if (!rd_ok(r) || !is_digit(a) || !is_digit(b) || !is_digit(c) || a < '1' || a > '5')
		return -1;
	*sep = rd_left(r) ? rd_u8(r) : '\r';
	if (*sep != ' ' && *sep != '-' && *sep != '\r' && *sep != '\n')
		return -1;
	return (a - '0') * 100 + (b - '0') * 10 + (c - '0');
}

/* A client command verb (3-4 letters, any case, then SP or CRLF). Returns its table index,
 * FTP_OTHER_CODE for an unknown but well-formed verb, -1 when not a command. */
static int
command(struct ots_rd *r)
{
	char v[5];
	size_t n = 0, i;

	while (n < 5 && rd_left(r)) {
		int ok;
		uint8_t c = rd_peek_u8(r, 0, &ok);

		if (!ok || !is_upper(to_upper(c)))
			break;
		v[n++] = (char)to_upper(c);
		rd_skip(r, 1);
	}
	if (n < 3 || n > 4)
		return -1;
	if (rd_left(r)) {
		uint8_t c = rd_u8(r);

		if (c != ' ' && c != '\r' && c != '\n')
			return -1;
	}
	for (i = 0; i < FTP_NVERBS; i++) {
		const char *w = ftp_verbs[i].verb;
		size_t k = 0;

		while (k < n && w[k] == v[k])
			k++;
		if (k == n && w[k] == '\0')
			return (int)i;
	}
	return FTP_OTHER_CODE;
}

static int
ftp_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t sep;
	int code, c;

	(void)pkt;
	/* the cheap checks on the first bytes first: most payloads probed are not text lines */
	rd_init(&r, data, len);
	code = reply_code(&r, &sep);
	if (code < 0) {
		rd_init(&r, data, len);
		if (command(&r) < 0)
			return OTS_PROBE_NO;
	}
	if (ftp_pdu_len(data, len) <= 0)
		return OTS_PROBE_NO;
	rd_init(&r, data, len);
	code = reply_code(&r, &sep);
	/* An FTP greeting is an SMTP greeting too, and USER/PASS are POP3's as well: the content
	 * alone stays below MAYBE and the FTP port tips it. FTP elsewhere is left to nDPI. */
	if (code == 220)
		return OTS_PROBE_MAYBE - 5;
	rd_init(&r, data, len);
	c = command(&r);
	if (c >= 0 && c != FTP_OTHER_CODE && (ftp_verbs[c].cls == OTS_OP_AUTH))
		return OTS_PROBE_MAYBE - 5;
	return OTS_PROBE_NO;
}

static int
ftp_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
          const struct ots_dissect_out *out)
{
	struct ftp_state *st = state;
	struct ots_ics_op op = { .proto = OTS_PROTO_FTP };
	struct ots_rd r;
	uint8_t sep;
	int code, c;

	if (st && st->tls)
		return OTS_OK; /* encrypted after AUTH TLS */
	if (ftp_pdu_len(data, len) != (long)len) {
		ots_emit_flag(out, OTS_PROTO_FTP, OTS_FLAG_MALFORMED, "bad_line");
		return OTS_EINVAL;
	}
	rd_init(&r, data, len);
	code = reply_code(&r, &sep);
	if (code >= 0 && (!st || !st->client_known || pkt->dir != st->client_dir)) {
		if (st && !st->client_known) {
			st->client_known = 1;
			st->client_dir = (uint8_t)!pkt->dir;
		}
		if (st && st->multi_code) {
			/* inside a multi-line reply: only its last line counts */
			if (code != st->multi_code || sep != ' ')
				return OTS_OK;
			st->multi_code = 0;
		} else if (sep == '-') {
			if (st)
				st->multi_code = (uint16_t)code;
			if (code != 220)
				return OTS_OK;
		}
		if (code == 220 && st && !st->banner_done) {
			size_t n;
			const uint8_t *t = rd_rest(&r, &n);

			st->banner_done = 1;
			while (n > 0 && t && (t[n - 1] == '\n' || t[n - 1] == '\r'))
				n--;
			ots_emit_fact(out, OTS_PROTO_FTP, OTS_FACT_DESCRIPTION, OTS_SIDE_SENDER, 60,
			              "FTP banner", (const char *)t, n);
			if (sep == '-')
				return OTS_OK;
		}
		if (code == 234 && st && st->auth_tls_asked)
			st->tls = 1;
		op.is_response = 1;
		op.function = (uint32_t)code;
		op.function_name = "reply";
		op.op_class = OTS_OP_OTHER;
		if (st && st->pending > 0 && st->pending <= FTP_NVERBS) {
			op.op_class = ftp_verbs[st->pending - 1].cls;
			op.function_name = ftp_verbs[st->pending - 1].name;
		}
		if (code >= 400) {
			op.has_exception = 1;
			op.exception = (uint32_t)code;
		}
		if (st)
			st->pending = 0;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	if (st && st->multi_code)
		return OTS_OK; /* text lines of a multi-line reply */
	rd_init(&r, data, len);
	c = command(&r);
	if (c < 0) {
		ots_emit_flag(out, OTS_PROTO_FTP, OTS_FLAG_MALFORMED, "not_a_command");
		return OTS_EINVAL;
	}
	if (st && !st->client_known) {
		st->client_known = 1;
		st->client_dir = (uint8_t)pkt->dir;
	}
	op.function = c == FTP_OTHER_CODE ? 0 : (uint32_t)c + 1;
	op.function_name = c == FTP_OTHER_CODE ? "unknown" : ftp_verbs[c].name;
	op.op_class = c == FTP_OTHER_CODE ? OTS_OP_OTHER : ftp_verbs[c].cls;
	if (st) {
		st->pending = c == FTP_OTHER_CODE ? 0 : (uint16_t)(c + 1);
		if (c == FTP_V_AUTH)
			st->auth_tls_asked = 1;
	}
	if (c == FTP_V_PASS)
		ots_emit_flag(out, OTS_PROTO_FTP, OTS_FLAG_CLEARTEXT_CREDENTIAL, "ftp_password");
	ots_emit_op(out, &op);
	return OTS_OK;
}

static void
ftp_gap(void *state, int dir)
{
	struct ftp_state *st = state;

	(void)dir;
	if (st)
		st->multi_code = 0;
}

/* Catalog: the verbs (code = index + 1; a reply to one is reported under its name with the
 * reply code), "unknown" and "reply" (a reply to no known verb, code = reply code). */
static void
ftp_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < FTP_NVERBS; i++)
		ots_fn_visit(visit, ctx, ftp_verbs[i].name, (uint32_t)i + 1, ftp_verbs[i].cls);
	ots_fn_visit(visit, ctx, "unknown", OTS_FN_CODE_NONE, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "reply", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_ftp = {
	.name = "ftp",
	.id = OTS_PROTO_FTP,
	.transports = OTS_TR_TCP,
	.ports = { 21 },
	.max_pdu = FTP_MAX_LINE,
	.state_size = sizeof(struct ftp_state),
	.ndpi_after_claim = 8,
	.probe = ftp_probe,
	.pdu_len = ftp_pdu_len,
	.parse = ftp_parse,
	.gap = ftp_gap,
	.functions = ftp_functions,
};
