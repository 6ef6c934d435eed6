/* SPDX-License-Identifier: BSD-3-Clause */
/* opcua.c: OPC UA binary (UA TCP / UA SecureConversation): ops, identity facts, security flags.
 *
 * References: OPC UA Part 6 (message header, HEL/ACK/ERR/RHE, asymmetric and symmetric
 * security headers, sequence header, binary encoding of NodeId, String, ExtensionObject,
 * DiagnosticInfo), Part 4 (service request/response structures), the NodeIds.csv list of
 * the standard *_Encoding_DefaultBinary ids (the numbers on the wire), cross-checked with
 * the value strings tshark shows for opcua.servicenodeid.numeric.
 *
 *  +------+----+---------+---------------------------------------------------------------+
 *  | type | ch | size LE | HEL: ver rbs sbs mms mcc endpointUrl                           |
 *  | 3    | 1  | 4       | OPN: scid policyUri cert thumbprint | seq rid | NodeId body     |
 *  |      |    |         | MSG/CLO: scid tokenId | seq rid | NodeId body                  |
 *  +------+----+---------+---------------------------------------------------------------+
 *  size = the whole chunk including this header. ch: F final, C intermediate, A abort.
 *
 * Op classes: Read, HistoryRead, Browse(Next), TranslateBrowsePaths, Query*, (Un)RegisterNodes
 * and every subscription service (CreateSubscription, CreateMonitoredItems, Publish ...) are
 * read; Write and HistoryUpdate write; Call control; AddNodes/DeleteNodes/AddReferences/
 * DeleteReferences program (they change the server's address space, i.e. its configuration,
 * not process values); CreateSession/ActivateSession/CloseSession and OpenSecureChannel auth;
 * GetEndpoints, FindServers(OnNetwork), RegisterServer(2) discovery; the rest other.
 *
 * Encryption: a body is decoded when the channel's policy is None (seen in its OPN), or, when
 * the OPN was not seen (capture started mid-channel) or the policy is not None (Sign-only mode
 * leaves bodies readable), when it starts with a standard namespace-0 service NodeId. A body
 * that does not is reported as "secured_message" with function 0.
 */
#include <string.h>

#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/rd.h"

#define UA_MAX_PDU (1u << 20)
#define UA_PAIRS 16
#define UA_MAX_FACT_ITEMS 32 /* array elements scanned for identity facts */
#define UA_MAX_STR_FACT 512
#define UA_DIAG_DEPTH 4

#define UA_POLICY_NONE "http://opcfoundation.org/UA/SecurityPolicy#None"

enum { UA_SEC_UNKNOWN = 0, UA_SEC_NONE = 1, UA_SEC_SECURED = 2 };

enum {
	UA_HEL, UA_ACK, UA_ERR, UA_RHE, UA_OPN, UA_MSG, UA_CLO
};

struct ua_pair {
	uint32_t rid;
	uint16_t fn;
	uint8_t cls;
	uint8_t used;
};

struct ua_state {
	uint8_t sec;           /* UA_SEC_*: the channel's security policy, from its OPN */
	uint8_t cont_on[2];    /* a multi-chunk message of this direction is open */
	uint8_t cont_cls[2];
	uint8_t next;
	uint16_t cont_fn[2];
	uint32_t cont_rid[2];
	struct ua_pair pairs[UA_PAIRS];
};

struct ua_svc {
	uint16_t id;
	uint8_t op_class;
	uint8_t rsp;
	const char *name;
};

#define RQ(id, cls, name) { id, cls, 0, name }, { (uint16_t)((id) + 3), cls, 1, name }

static const struct ua_svc ua_svcs[] = {
	{ 397, OTS_OP_OTHER, 1, "service_fault" },
	RQ(410, OTS_OP_DIAGNOSTIC, "test_stack"),
	RQ(416, OTS_OP_DIAGNOSTIC, "test_stack_ex"),
	RQ(422, OTS_OP_DISCOVERY, "find_servers"),
	{ 12208, OTS_OP_DISCOVERY, 0, "find_servers_on_network" },
	{ 12209, OTS_OP_DISCOVERY, 1, "find_servers_on_network" },
	RQ(428, OTS_OP_DISCOVERY, "get_endpoints"),
	RQ(437, OTS_OP_DISCOVERY, "register_server"),
	{ 12211, OTS_OP_DISCOVERY, 0, "register_server2" },
	{ 12212, OTS_OP_DISCOVERY, 1, "register_server2" },
	RQ(446, OTS_OP_AUTH, "open_secure_channel"),
	RQ(452, OTS_OP_OTHER, "close_secure_channel"),
	RQ(461, OTS_OP_AUTH, "create_session"),
	RQ(467, OTS_OP_AUTH, "activate_session"),
	RQ(473, OTS_OP_AUTH, "close_session"),
	RQ(479, OTS_OP_OTHER, "cancel"),
	RQ(488, OTS_OP_PROGRAM, "add_nodes"),
	RQ(494, OTS_OP_PROGRAM, "add_references"),
	RQ(500, OTS_OP_PROGRAM, "delete_nodes"),
	RQ(506, OTS_OP_PROGRAM, "delete_references"),
	RQ(527, OTS_OP_READ, "browse"),
	RQ(533, OTS_OP_READ, "browse_next"),
	RQ(554, OTS_OP_READ, "translate_browse_paths_to_node_ids"),
	RQ(560, OTS_OP_READ, "register_nodes"),
	RQ(566, OTS_OP_READ, "unregister_nodes"),
	RQ(615, OTS_OP_READ, "query_first"),
	RQ(621, OTS_OP_READ, "query_next"),
	RQ(631, OTS_OP_READ, "read"),
	RQ(664, OTS_OP_READ, "history_read"),
	RQ(673, OTS_OP_WRITE, "write"),
	RQ(700, OTS_OP_WRITE, "history_update"),
	RQ(712, OTS_OP_CONTROL, "call"),
	RQ(751, OTS_OP_READ, "create_monitored_items"),
	RQ(763, OTS_OP_READ, "modify_monitored_items"),
	RQ(769, OTS_OP_READ, "set_monitoring_mode"),
	RQ(775, OTS_OP_READ, "set_triggering"),
	RQ(781, OTS_OP_READ, "delete_monitored_items"),
	RQ(787, OTS_OP_READ, "create_subscription"),
	RQ(793, OTS_OP_READ, "modify_subscription"),
	RQ(799, OTS_OP_READ, "set_publishing_mode"),
	RQ(826, OTS_OP_READ, "publish"),
	RQ(832, OTS_OP_READ, "republish"),
	RQ(841, OTS_OP_READ, "transfer_subscriptions"),
	RQ(847, OTS_OP_READ, "delete_subscriptions"),
};

static const struct ua_svc *
ua_svc_find(uint32_t id)
{
	size_t i;

	for (i = 0; i < sizeof(ua_svcs) / sizeof(ua_svcs[0]); i++)
		if (ua_svcs[i].id == id)
			return &ua_svcs[i];
	return NULL;
}

static const char *const ua_mode_names[4] = { "Invalid", "None", "Sign", "SignAndEncrypt" };

static int
ua_malformed(const struct ots_dissect_out *out, const char *why)
{
	ots_emit_flag(out, OTS_PROTO_OPCUA, OTS_FLAG_MALFORMED, why);
	return OTS_EINVAL;
}

/* Message type from the first three bytes, or -1. */
static int
ua_type(uint8_t a, uint8_t b, uint8_t c)
{
	static const char types[7][3] = {
		{ 'H', 'E', 'L' }, { 'A', 'C', 'K' }, { 'E', 'R', 'R' }, { 'R', 'H', 'E' },
		{ 'O', 'P', 'N' }, { 'M', 'S', 'G' }, { 'C', 'L', 'O' },
	};
	int i;

	for (i = 0; i < 7; i++)
		if ((uint8_t)types[i][0] == a && (uint8_t)types[i][1] == b &&
		    (uint8_t)types[i][2] == c)
			return i;
	return -1;
}

/* Smallest valid chunk of each type (header + fixed fields). */
static const uint8_t ua_min_size[7] = { 32, 28, 16, 16, 24, 24, 24 };

static int
ua_chunk_ok(int type, uint8_t ch)
{
	if (type == UA_MSG || type == UA_CLO || type == UA_OPN)
		return ch == 'F' || ch == 'C' || ch == 'A';
	return ch == 'F';
}

/* ---- binary encoding primitives (each fails the reader on a bad or short field) ---- */

/* String / ByteString: LE32 length, -1 = null. *p NULL and *n 0 for null. */
static void
ua_bytes(struct ots_rd *r, const uint8_t **p, size_t *n)
{
	uint32_t l = rd_le32(r);

	*p = NULL;
	*n = 0;
	if (!rd_ok(r) || l == 0xffffffffu)
		return;
	if (l > 0x7fffffffu) {
		rd_fail(r, OTS_EINVAL);
		return;
	}
	*p = rd_ptr(r, l);
	*n = *p ? l : 0;
}

static void
ua_skip_bytes(struct ots_rd *r)
{
	const uint8_t *p;
	size_t n;

	ua_bytes(r, &p, &n);
}

/* Array length: -1 (null) reads as 0; each element takes at least min bytes. */
static uint32_t
ua_array(struct ots_rd *r, size_t min)
{
	uint32_t n = rd_le32(r);

	if (!rd_ok(r) || n == 0xffffffffu)
		return 0;
	if (n > 0x7fffffffu || (min && n > rd_left(r) / min)) {
		rd_fail(r, OTS_EINVAL);
		return 0;
	}
	return n;
}

/* NodeId (or ExpandedNodeId when expanded): returns the numeric id and namespace of numeric
 * forms; *numeric 0 for string/guid/opaque ids. */
static uint32_t
ua_nodeid(struct ots_rd *r, int expanded, uint16_t *ns, int *numeric)
{
	uint8_t enc = rd_u8(r);
	uint32_t id = 0;

	*ns = 0;
	*numeric = 1;
	switch (enc & 0x3f) {
	case 0:
		id = rd_u8(r);
		break;
	case 1:
		*ns = rd_u8(r);
		id = rd_le16(r);
		break;
	case 2:
		*ns = rd_le16(r);
		id = rd_le32(r);
		break;
	case 3:
	case 5:
		*numeric = 0;
		*ns = rd_le16(r);
		ua_skip_bytes(r);
		break;
	case 4:
		*numeric = 0;
		*ns = rd_le16(r);
		rd_skip(r, 16);
		break;
	default:
		*numeric = 0;
		rd_fail(r, OTS_EINVAL);
		return 0;
	}
	if (!expanded && (enc & 0xc0))
		rd_fail(r, OTS_EINVAL);
	if (expanded && (enc & 0x80))
		ua_skip_bytes(r); /* namespace URI */
	if (expanded && (enc & 0x40))
		rd_skip(r, 4); /* server index */
	return id;
}

static void
ua_skip_nodeid(struct ots_rd *r)
{
	uint16_t ns;
	int num;

	(void)ua_nodeid(r, 0, &ns, &num);
}

/* ExtensionObject: NodeId type, encoding byte, optional length-prefixed body. */
static uint32_t
ua_extobj(struct ots_rd *r, struct ots_rd *body)
{
	uint16_t ns;
	int num;
	uint32_t id = ua_nodeid(r, 0, &ns, &num);
	uint8_t enc = rd_u8(r);
	const uint8_t *p = NULL;
	size_t n = 0;

	if (enc == 1 || enc == 2)
		ua_bytes(r, &p, &n);
	else if (enc != 0)
		rd_fail(r, OTS_EINVAL);
	if (body)
		rd_init(body, p, n);
	return (num && ns == 0) ? id : 0;
}

static void
ua_skip_diag(struct ots_rd *r, int depth)
{
	uint8_t m = rd_u8(r);

	if (depth > UA_DIAG_DEPTH) {
		rd_fail(r, OTS_EINVAL);
		return;
	}
	if (m & 0x01)
		rd_skip(r, 4);
	if (m & 0x02)
		rd_skip(r, 4);
	if (m & 0x08)
		rd_skip(r, 4);
	if (m & 0x04)
		rd_skip(r, 4);
	if (m & 0x10)
		ua_skip_bytes(r);
	if (m & 0x20)
		rd_skip(r, 4);
	if (m & 0x40)
		ua_skip_diag(r, depth + 1);
}

static void
ua_skip_request_header(struct ots_rd *r)
{
	ua_skip_nodeid(r);   /* authentication token */
	rd_skip(r, 8 + 4 + 4); /* timestamp, request handle, return diagnostics */
	ua_skip_bytes(r);    /* audit entry id */
	rd_skip(r, 4);       /* timeout hint */
	(void)ua_extobj(r, NULL);
}

/* Returns the service result. */
static uint32_t
ua_response_header(struct ots_rd *r)
{
	uint32_t res, n, i;

	rd_skip(r, 8 + 4); /* timestamp, request handle */
	res = rd_le32(r);
	ua_skip_diag(r, 0);
	n = ua_array(r, 4); /* string table */
	for (i = 0; i < n && rd_ok(r); i++)
		ua_skip_bytes(r);
	(void)ua_extobj(r, NULL);
	return res;
}

/* ---- identity ---- */

static void
ua_fact(const struct ots_dissect_out *out, uint8_t attr, uint8_t side, uint8_t conf,
        const char *src, const uint8_t *p, size_t n)
{
	if (p && n > 0 && n <= UA_MAX_STR_FACT)
		ots_emit_fact(out, OTS_PROTO_OPCUA, attr, side, conf, src, (const char *)p, n);
}

static void
ua_str_fact(struct ots_rd *r, const struct ots_dissect_out *out, uint8_t attr, uint8_t side,
            uint8_t conf, const char *src)
{
	const uint8_t *p;
	size_t n;

	ua_bytes(r, &p, &n);
	if (rd_ok(r))
		ua_fact(out, attr, side, conf, src, p, n);
}

static void
ua_localized_text(struct ots_rd *r, const struct ots_dissect_out *out, uint8_t side,
                  uint8_t conf, const char *src)
{
	uint8_t m = rd_u8(r);

	if (m & 0x01)
		ua_skip_bytes(r); /* locale */
	if (m & 0x02)
		ua_str_fact(r, out, OTS_FACT_NAME, side, conf, src);
	if (m & ~0x03u)
		rd_fail(r, OTS_EINVAL);
}

static void
ua_app_description(struct ots_rd *r, const struct ots_dissect_out *out, uint8_t side,
                   uint8_t conf, const char *src)
{
	uint32_t n, i;

	ua_str_fact(r, out, OTS_FACT_APP_URI, side, conf, src);
	ua_str_fact(r, out, OTS_FACT_PRODUCT_URI, side, conf, src);
	ua_localized_text(r, out, side, conf, src);
	rd_skip(r, 4);     /* application type */
	ua_skip_bytes(r);  /* gateway server URI */
	ua_skip_bytes(r);  /* discovery profile URI */
	n = ua_array(r, 4); /* discovery URLs */
	for (i = 0; i < n && rd_ok(r); i++)
		ua_skip_bytes(r);
}

static void
ua_mode_fact(const struct ots_dissect_out *out, uint32_t mode, uint8_t side, const char *src)
{
	if (mode < 4)
		ots_emit_fact(out, OTS_PROTO_OPCUA, OTS_FACT_SECURITY_MODE, side, 90, src,
		              ua_mode_names[mode], strlen(ua_mode_names[mode]));
}

static void
ua_endpoints(struct ots_rd *r, const struct ots_dissect_out *out, const char *src)
{
	uint32_t n = ua_array(r, 16), i, k, nt;

	for (i = 0; i < n && i < UA_MAX_FACT_ITEMS && rd_ok(r); i++) {
		ua_skip_bytes(r); /* endpoint URL */
		ua_app_description(r, out, OTS_SIDE_SENDER, 90, src);
		ua_skip_bytes(r); /* server certificate */
		ua_mode_fact(out, rd_ok(r) ? rd_le32(r) : 0xffffffffu, OTS_SIDE_SENDER, src);
		ua_str_fact(r, out, OTS_FACT_SECURITY_POLICY, OTS_SIDE_SENDER, 90, src);
		nt = ua_array(r, 20); /* user token policies */
		for (k = 0; k < nt && rd_ok(r); k++) {
			ua_skip_bytes(r);
			rd_skip(r, 4);
			ua_skip_bytes(r);
			ua_skip_bytes(r);
			ua_skip_bytes(r);
		}
		ua_skip_bytes(r); /* transport profile */
		rd_skip(r, 1);    /* security level */
	}
}

/* ---- request/response pairing by request id ---- */

static void
ua_pair_put(struct ua_state *st, uint32_t rid, uint16_t fn, uint8_t cls)
{
	struct ua_pair *p;

	if (!st)
		return;
	p = &st->pairs[st->next % UA_PAIRS];
	st->next = (uint8_t)((st->next + 1) % UA_PAIRS);
	p->rid = rid;
	p->fn = fn;
	p->cls = cls;
	p->used = 1;
}

static int
ua_pair_take(struct ua_state *st, uint32_t rid, uint8_t *cls)
{
	size_t i;

	if (!st)
		return 0;
	for (i = 0; i < UA_PAIRS; i++)
		if (st->pairs[i].used && st->pairs[i].rid == rid) {
			st->pairs[i].used = 0;
			*cls = st->pairs[i].cls;
			return 1;
		}
	return 0;
}

/* ---- service bodies ---- */

/* ActivateSession request: a UserNameIdentityToken without an encryption algorithm carries
 * its password in clear. */
static void
ua_activate_session(struct ots_rd *r, const struct ots_dissect_out *out)
{
	struct ots_rd tok;
	const uint8_t *pw, *alg;
	size_t npw, nalg;
	uint32_t n, i, type;

	ua_skip_request_header(r);
	ua_skip_bytes(r); /* client signature: algorithm, signature */
	ua_skip_bytes(r);
	n = ua_array(r, 8); /* client software certificates */
	for (i = 0; i < n && rd_ok(r); i++) {
		ua_skip_bytes(r);
		ua_skip_bytes(r);
	}
	n = ua_array(r, 4); /* locale ids */
	for (i = 0; i < n && rd_ok(r); i++)
		ua_skip_bytes(r);
	type = ua_extobj(r, &tok);
	if (!rd_ok(r) || type != 324) /* UserNameIdentityToken_Encoding_DefaultBinary */
		return;
	ua_skip_bytes(&tok); /* policy id */
	ua_skip_bytes(&tok); /* user name */
	ua_bytes(&tok, &pw, &npw);
	ua_bytes(&tok, &alg, &nalg);
	if (rd_ok(&tok) && npw > 0 && nalg == 0)
		ots_emit_flag(out, OTS_PROTO_OPCUA, OTS_FLAG_CLEARTEXT_CREDENTIAL,
		              "username_password_cleartext");
}

/* Identity and security content of one decoded service body (after its NodeId); a broken
 * body leaves r failed so the caller can flag it. */
static void
ua_service_body(const struct ua_svc *s, struct ots_rd *r, struct ots_ics_op *op,
                const struct ots_dissect_out *out)
{
	uint32_t res, n, i;

	if (!s->rsp) {
		switch (s->id) {
		case 461: /* CreateSession: the client describes itself */
			ua_skip_request_header(r);
			ua_app_description(r, out, OTS_SIDE_SENDER, 90, "CreateSessionRequest");
			break;
		case 467:
			ua_activate_session(r, out);
			break;
		case 437:
		case 12211: /* RegisterServer(2): a server registers itself with a discovery server */
			ua_skip_request_header(r);
			ua_str_fact(r, out, OTS_FACT_APP_URI, OTS_SIDE_SENDER, 80, "RegisterServer");
			ua_str_fact(r, out, OTS_FACT_PRODUCT_URI, OTS_SIDE_SENDER, 80,
			            "RegisterServer");
			break;
		default:
			ua_skip_request_header(r);
			break;
		}
		return;
	}
	res = ua_response_header(r);
	if (rd_ok(r) && (res & 0x80000000u)) { /* severity Bad */
		op->has_exception = 1;
		op->exception = res;
	}
	switch (s->id) {
	case 431:
		ua_endpoints(r, out, "GetEndpointsResponse");
		break;
	case 464:
		ua_skip_nodeid(r); /* session id */
		ua_skip_nodeid(r); /* authentication token */
		rd_skip(r, 8);     /* revised timeout */
		ua_skip_bytes(r);  /* server nonce */
		ua_skip_bytes(r);  /* server certificate */
		ua_endpoints(r, out, "CreateSessionResponse");
		break;
	case 425: /* FindServers: the servers a discovery server knows (maybe other hosts) */
		n = ua_array(r, 20);
		for (i = 0; i < n && i < UA_MAX_FACT_ITEMS && rd_ok(r); i++)
			ua_app_description(r, out, OTS_SIDE_SENDER, 60, "FindServersResponse");
		break;
	default:
		break;
	}
}

/* OPN body after the sequence header (policy None). */
static void
ua_open_body(uint32_t id, struct ots_rd *r, struct ots_ics_op *op,
             const struct ots_dissect_out *out)
{
	uint32_t mode, res;

	if (id == 446) {
		ua_skip_request_header(r);
		rd_skip(r, 8); /* client protocol version, request type */
		mode = rd_le32(r);
		if (!rd_ok(r))
			return;
		/* only reached with policy None: the client asks for a channel without
		 * signing or encryption (the mode says None too, or is inconsistent) */
		ua_mode_fact(out, mode, OTS_SIDE_RECEIVER, "OpenSecureChannel");
		ots_emit_flag(out, OTS_PROTO_OPCUA, OTS_FLAG_NO_SECURITY, "security_mode_none");
	} else if (id == 449) {
		res = ua_response_header(r);
		if (rd_ok(r) && (res & 0x80000000u)) {
			op->has_exception = 1;
			op->exception = res;
		}
	}
}

static void
ua_op_init(struct ots_ics_op *op, const char *name, uint8_t cls, int rsp)
{
	memset(op, 0, sizeof(*op));
	op->proto = OTS_PROTO_OPCUA;
	op->function_name = name;
	op->op_class = cls;
	op->is_response = (uint8_t)(rsp != 0);
}

/* Body of OPN/MSG/CLO after the sequence header. */
static int
ua_secured(struct ua_state *st, int type, uint8_t ch, struct ots_rd *r, int dir, int is_none,
           const struct ots_dissect_out *out)
{
	struct ots_ics_op op;
	struct ots_rd body;
	const struct ua_svc *s = NULL;
	uint32_t rid, id = 0;
	uint16_t ns = 0;
	int num = 0, d = dir & 1, rsp = dir != 0;
	const char *base = type == UA_OPN ? "open_secure_channel"
	                   : type == UA_CLO ? "close_secure_channel" : "secured_message";
	uint8_t base_cls = type == UA_OPN ? OTS_OP_AUTH : OTS_OP_OTHER;

	if (!is_none && type == UA_OPN) {
		/* asymmetric encryption covers the sequence header and body */
		ua_op_init(&op, base, base_cls, rsp);
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	rd_skip(r, 4); /* sequence number */
	rid = rd_le32(r);
	if (!rd_ok(r))
		return ua_malformed(out, "short_sequence_header");
	if (!is_none && (!st || st->sec != UA_SEC_NONE)) {
		/* not known to be plain: decode only what starts with a standard service NodeId */
		struct ots_rd t = *r;

		id = ua_nodeid(&t, 0, &ns, &num);
		if (!rd_ok(&t) || !num || ns != 0 || !ua_svc_find(id) ||
		    (st && st->cont_on[d] && st->cont_rid[d] == rid)) {
			ua_op_init(&op, base, base_cls, rsp);
			if (st && st->cont_on[d] && st->cont_rid[d] == rid) {
				op.function_name = "message_continuation";
				op.op_class = st->cont_cls[d];
				op.function = st->cont_fn[d];
				if (ch != 'C')
					st->cont_on[d] = 0;
			}
			op.has_transaction = 1;
			op.transaction = rid;
			ots_emit_op(out, &op);
			return OTS_OK;
		}
	}
	if (ch == 'A') {
		uint32_t err = rd_le32(r);

		ua_op_init(&op, "abort", OTS_OP_OTHER, rsp);
		op.has_transaction = 1;
		op.transaction = rid;
		if (st && st->cont_on[d] && st->cont_rid[d] == rid) {
			st->cont_on[d] = 0;
			op.op_class = st->cont_cls[d];
		}
		if (!rd_ok(r))
			return ua_malformed(out, "short_abort");
		op.has_exception = 1;
		op.exception = err;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	if (st && st->cont_on[d] && st->cont_rid[d] == rid) {
		/* a later chunk of a multi-chunk message: no NodeId of its own */
		ua_op_init(&op, "message_continuation", st->cont_cls[d], rsp);
		op.function = st->cont_fn[d];
		op.has_transaction = 1;
		op.transaction = rid;
		if (ch != 'C')
			st->cont_on[d] = 0;
		ots_emit_op(out, &op);
		return OTS_OK;
	}
	id = ua_nodeid(r, 0, &ns, &num);
	if (!rd_ok(r))
		return ua_malformed(out, "bad_service_nodeid");
	s = (num && ns == 0) ? ua_svc_find(id) : NULL;
	ua_op_init(&op, s ? s->name : "unknown_service", s ? s->op_class : OTS_OP_OTHER,
	           s ? s->rsp : rsp);
	op.function = num ? id : 0;
	op.has_transaction = 1;
	op.transaction = rid;
	if (s && s->rsp) {
		uint8_t cls;

		if (ua_pair_take(st, rid, &cls) && s->id == 397)
			op.op_class = cls;
	}
	if (ch == 'C' && st) {
		st->cont_on[d] = 1;
		st->cont_rid[d] = rid;
		st->cont_fn[d] = (uint16_t)op.function;
		st->cont_cls[d] = op.op_class;
	}
	body = *r;
	if (s && type == UA_OPN)
		ua_open_body(s->id, &body, &op, out);
	else if (s && ch == 'F')
		ua_service_body(s, &body, &op, out);
	if (s && !s->rsp)
		ua_pair_put(st, rid, s->id, s->op_class);
	ots_emit_op(out, &op);
	if (body.err == OTS_EINVAL)
		return ua_malformed(out, "bad_service_body");
	if (body.err == OTS_ETRUNC && ch == 'F')
		return ua_malformed(out, "short_service_body");
	return OTS_OK;
}

static int
ua_parse(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
         const struct ots_dissect_out *out)
{
	struct ua_state *st = state;
	struct ots_rd r;
	struct ots_ics_op op;
	const uint8_t *p;
	size_t n;
	uint8_t a, b, c, ch;
	uint32_t size, v;
	int type, dir = pkt ? pkt->dir & 1 : 0;

	rd_init(&r, data, len);
	a = rd_u8(&r);
	b = rd_u8(&r);
	c = rd_u8(&r);
	ch = rd_u8(&r);
	size = rd_le32(&r);
	if (!rd_ok(&r))
		return OTS_ETRUNC;
	type = ua_type(a, b, c);
	if (type < 0)
		return ua_malformed(out, "bad_message_type");
	if (!ua_chunk_ok(type, ch))
		return ua_malformed(out, "bad_chunk_type");
	if (size < ua_min_size[type] || size > UA_MAX_PDU)
		return ua_malformed(out, "bad_message_size");
	if (size > len)
		return OTS_ETRUNC;
	if (size < len)
		return ua_malformed(out, "size_mismatch");

	switch (type) {
	case UA_HEL:
		rd_skip(&r, 20); /* version, buffer sizes, max message size, max chunk count */
		ua_bytes(&r, &p, &n);
		if (!rd_ok(&r) || n > 4096)
			return ua_malformed(out, "bad_hello");
		ua_op_init(&op, "hello", OTS_OP_OTHER, 0);
		ots_emit_op(out, &op);
		/* the URL the client dialled: it names the server */
		ua_fact(out, OTS_FACT_ENDPOINT_URL, OTS_SIDE_RECEIVER, 80, "Hello", p, n);
		return OTS_OK;
	case UA_ACK:
		ua_op_init(&op, "acknowledge", OTS_OP_OTHER, 1);
		ots_emit_op(out, &op);
		return OTS_OK;
	case UA_ERR:
		v = rd_le32(&r);
		ua_bytes(&r, &p, &n);
		ua_op_init(&op, "error", OTS_OP_OTHER, 1);
		op.has_exception = 1;
		op.exception = v;
		ots_emit_op(out, &op);
		if (!rd_ok(&r))
			return ua_malformed(out, "bad_error");
		return OTS_OK;
	case UA_RHE:
		ua_op_init(&op, "reverse_hello", OTS_OP_OTHER, 0);
		ots_emit_op(out, &op);
		ua_str_fact(&r, out, OTS_FACT_APP_URI, OTS_SIDE_SENDER, 80, "ReverseHello");
		ua_str_fact(&r, out, OTS_FACT_ENDPOINT_URL, OTS_SIDE_SENDER, 80, "ReverseHello");
		if (!rd_ok(&r))
			return ua_malformed(out, "bad_reverse_hello");
		return OTS_OK;
	case UA_OPN: {
		int none;

		rd_skip(&r, 4); /* secure channel id */
		ua_bytes(&r, &p, &n);
		ua_skip_bytes(&r); /* sender certificate */
		ua_skip_bytes(&r); /* receiver certificate thumbprint */
		if (!rd_ok(&r) || !p || n == 0 || n > 1024)
			return ua_malformed(out, "bad_security_header");
		none = n == sizeof(UA_POLICY_NONE) - 1 && !memcmp(p, UA_POLICY_NONE, n);
		if (st)
			st->sec = none ? UA_SEC_NONE : UA_SEC_SECURED;
		ua_fact(out, OTS_FACT_SECURITY_POLICY, dir ? OTS_SIDE_SENDER : OTS_SIDE_RECEIVER, 90,
		        "OpenSecureChannel", p, n);
		return ua_secured(st, type, ch, &r, dir, none, out);
	}
	default: /* MSG, CLO */
		rd_skip(&r, 8); /* secure channel id, token id */
		if (!rd_ok(&r))
			return ua_malformed(out, "short_security_header");
		return ua_secured(st, type, ch, &r, dir, st && st->sec == UA_SEC_NONE, out);
	}
}

static long
ua_pdu_len(const uint8_t *data, size_t len)
{
	struct ots_rd r;
	uint8_t h[4];
	uint32_t size;
	int type;
	size_t i;

	rd_init(&r, data, len);
	for (i = 0; i < 4 && i < len; i++)
		h[i] = rd_u8(&r);
	if (len >= 3) {
		type = ua_type(h[0], h[1], h[2]);
		if (type < 0)
			return -1;
		if (len >= 4 && !ua_chunk_ok(type, h[3]))
			return -1;
	}
	if (len < 8)
		return 0;
	size = rd_le32(&r);
	type = ua_type(h[0], h[1], h[2]);
	if (!rd_ok(&r) || type < 0 || size < ua_min_size[type] || size > UA_MAX_PDU)
		return -1;
	return (long)size;
}

static int
ua_probe(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt)
{
	struct ots_rd r;
	uint8_t a, b, c, ch;
	uint32_t size, ver;
	int type;

	(void)pkt;
	rd_init(&r, data, len);
	a = rd_u8(&r);
	b = rd_u8(&r);
	c = rd_u8(&r);
	ch = rd_u8(&r);
	size = rd_le32(&r);
	if (!rd_ok(&r))
		return OTS_PROBE_NO;
	type = ua_type(a, b, c);
	if (type < 0 || !ua_chunk_ok(type, ch) || size < ua_min_size[type] || size > UA_MAX_PDU)
		return OTS_PROBE_NO;
	if (type == UA_HEL || type == UA_ACK) {
		ver = rd_le32(&r); /* protocol version 0 */
		if (rd_ok(&r) && ver != 0)
			return OTS_PROBE_MAYBE;
	}
	if (len >= 12 && (type == UA_OPN || type == UA_MSG || type == UA_CLO)) {
		/* secure channel id then (OPN) a policy URI length or (MSG) a token id */
		if (type == UA_OPN) {
			uint32_t l;

			rd_skip(&r, 4);
			l = rd_le32(&r);
			if (rd_ok(&r) && (l == 0xffffffffu || l > size))
				return OTS_PROBE_MAYBE;
		}
	}
	return OTS_PROBE_SURE;
}

static void
ua_gap(void *state, int dir)
{
	struct ua_state *st = state;

	if (st)
		st->cont_on[dir & 1] = 0;
}

/* Catalog: the service table (a ServiceFault takes its request's class), the message-level
 * names parse() reports (Hello, Acknowledge, Error, ReverseHello, an OPN/MSG/CLO body it
 * cannot read, continuations and aborts of multi-chunk messages) and "unknown_service". */
static void
ua_functions(ots_fn_visit_fn visit, void *ctx)
{
	size_t i;

	for (i = 0; i < sizeof(ua_svcs) / sizeof(ua_svcs[0]); i++)
		ots_fn_visit(visit, ctx, ua_svcs[i].name, ua_svcs[i].id,
		             ua_svcs[i].id == 397 ? OTS_OP__COUNT : ua_svcs[i].op_class);
	ots_fn_visit(visit, ctx, "hello", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "acknowledge", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "error", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "reverse_hello", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "open_secure_channel", 0, OTS_OP_AUTH);
	ots_fn_visit(visit, ctx, "close_secure_channel", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "secured_message", 0, OTS_OP_OTHER);
	ots_fn_visit(visit, ctx, "message_continuation", OTS_FN_CODE_NONE, OTS_OP__COUNT);
	ots_fn_visit(visit, ctx, "abort", 0, OTS_OP__COUNT);
	ots_fn_visit(visit, ctx, "unknown_service", OTS_FN_CODE_NONE, OTS_OP_OTHER);
}

const struct ots_dissector ots_dissector_opcua = {
	.name = "opcua",
	.id = OTS_PROTO_OPCUA,
	.transports = OTS_TR_TCP,
	.ethertype = 0x0000,
	.ports = { 4840 },
	.max_pdu = UA_MAX_PDU,
	.state_size = sizeof(struct ua_state),
	.probe = ua_probe,
	.pdu_len = ua_pdu_len,
	.parse = ua_parse,
	.gap = ua_gap,
	.functions = ua_functions,
};
