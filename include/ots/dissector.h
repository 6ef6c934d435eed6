/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dissector.h: the interface of an industrial protocol dissector (protocols/<name>.c).
 *
 * One file, one exported const struct, one line in protocols/registry.c. The engine owns
 * reassembly, framing caps and per-flow state; a dissector is pure functions over borrowed
 * bytes plus its own state block (state_size bytes, zeroed by the engine). It reads packet
 * bytes only through rd.h, never writes JSON, logs, locks or allocates on the packet path:
 * it reports through the callbacks in struct ots_dissect_out.
 *
 * Lifecycle per flow: probe() on the first payload bytes of a direction picks the dissector
 * (content first, ports only raise confidence); then for TCP the engine calls pdu_len() on
 * the reassembled stream of each direction and parse() on every whole PDU; for UDP and
 * layer-2 protocols parse() gets each datagram or frame. gap() tells a direction lost bytes
 * (framing restarts at the next PDU boundary the dissector can find). fini() ends the flow.
 */
#ifndef OTS_DISSECTOR_H
#define OTS_DISSECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ots/ics-t.h"

enum ots_transport_bit {
	OTS_TR_TCP = 1,
	OTS_TR_UDP = 2,
	OTS_TR_ETHER = 4 /* layer-2 frame by EtherType (PROFINET DCP, GOOSE) */
};

/* Where a dissector's findings go. All callbacks may be NULL. */
struct ots_dissect_out {
	void (*op)(void *ctx, const struct ots_ics_op *op);
	void (*fact)(void *ctx, const struct ots_ics_fact *fact);
	void (*flag)(void *ctx, const struct ots_ics_flag_rec *flag);
	void *ctx;
};

/* Facts about the packet being parsed that the dissector cannot see in its bytes. */
struct ots_dissect_pkt {
	int dir;                /* 0: initiator -> responder, 1: reverse */
	uint16_t sport, dport;  /* 0 for layer-2 frames */
	uint64_t ts_us;
};

#define OTS_PROBE_NO 0        /* not this protocol */
#define OTS_PROBE_DEFER 10    /* only a lower layer shared with other protocols fits (TPKT/COTP
                               * connection setup): no verdict; a later payload decides */
#define OTS_PROBE_MAYBE 50    /* structure fits; ports or more bytes would confirm */
#define OTS_PROBE_SURE 100    /* structure and invariants leave no doubt */

/* One function a dissector can report (a catalog entry; see ots_dissector.functions). */
#define OTS_FN_CODE_NONE 0xFFFFFFFFu

struct ots_fn_desc {
	const char *name;   /* static, as parse() puts it in op.function_name */
	uint32_t code;      /* the raw function or service code as in op.function of a request
	                     * (responses may carry another), OTS_FN_CODE_NONE when the name has no
	                     * single code ("unknown", a group of codes, a per-message value) */
	uint8_t op_class;   /* enum ots_op_class as parse() reports it for a request (for a
	                     * response-only name: for that response), OTS_OP__COUNT when it
	                     * depends on more than the code (sub-function, object, pairing) */
};

typedef void (*ots_fn_visit_fn)(void *ctx, const struct ots_fn_desc *fd);

struct ots_dissector {
	const char *name;           /* "modbus": config section, JSON value, stats prefix */
	uint16_t id;                /* enum ots_proto_id */
	uint8_t transports;         /* enum ots_transport_bit */
	uint16_t ethertype;         /* with OTS_TR_ETHER */
	uint16_t ports[4];          /* well-known ports: hints only, never a gate (0 = none) */
	uint32_t max_pdu;           /* the engine never buffers more for one PDU */
	uint32_t state_size;        /* per-flow state, zeroed by the engine (0 = none) */
	uint8_t ndpi_after_claim;   /* packets of a flow this dissector took that nDPI still
	                             * sees (0: OTS_NDPI_AFTER_CLAIM); more where nDPI names the
	                             * protocol only from a later exchange (FTP's replies) */

	/* Content check on the first bytes one side sent (len may be short of a whole PDU).
	 * Pure. Returns a confidence 0-100 (OTS_PROBE_*). */
	int (*probe)(const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt);

	/* TCP framing: the size of the PDU starting at data (> 0), 0 when more bytes are needed
	 * to tell, < 0 when data cannot start a PDU of this protocol (desynchronised). */
	long (*pdu_len)(const uint8_t *data, size_t len);

	/* One whole PDU, datagram or frame. Returns OTS_OK, or OTS_EINVAL / OTS_ETRUNC when it is
	 * malformed (the dissector has reported what it could and flagged the violation). */
	int (*parse)(void *state, const uint8_t *data, size_t len, const struct ots_dissect_pkt *pkt,
	             const struct ots_dissect_out *out);

	/* Bytes of direction dir were lost (may be NULL). */
	void (*gap)(void *state, int dir);
	/* The flow ends (may be NULL). */
	void (*fini)(void *state, const struct ots_dissect_out *out);

	/* Every function the dissector can report: calls visit once per catalog entry, in no
	 * particular order, on the caller's thread (pure; may be NULL for a dissector that
	 * reports no ops). Contract: every name parse() may ever put in op.function_name is
	 * visited at least once, fallbacks included ("unknown", "unknown_confirmed_service",
	 * "userdata", "ack", "reply" ...), and no name parse() can never emit. One name may be
	 * visited with several codes (and one code with several names). fd is borrowed for the
	 * call; fd->name is static. Checked against the fuzz corpora by tests/unit/test-fn-catalog. */
	void (*functions)(void (*visit)(void *ctx, const struct ots_fn_desc *fd), void *ctx);
};

/* Default of ots_dissector.ndpi_after_claim. */
#define OTS_NDPI_AFTER_CLAIM 4

/* protocols/registry.c: every dissector, in probe order. */
extern const struct ots_dissector *const ots_dissectors[];
extern const size_t ots_dissectors_count;

const struct ots_dissector *ots_dissector_by_name(const char *name);
const struct ots_dissector *ots_dissector_by_id(uint16_t id);

/* The catalog of d (see ots_dissector.functions): calls visit for each entry; nothing when d
 * has no catalog. Pure, any thread. */
void ots_dissector_functions_each(const struct ots_dissector *d, ots_fn_visit_fn visit,
                                  void *ctx);

/* Whether d can report a function called name: 1 and *out filled (out may be NULL), else 0.
 * A name listed with several codes gets code OTS_FN_CODE_NONE, with several classes
 * op_class OTS_OP__COUNT. out->name is static. Pure, any thread. */
int ots_dissector_function(const struct ots_dissector *d, const char *name,
                           struct ots_fn_desc *out);

/* Prints the catalog of the dissector named proto (every dissector when proto is NULL or
 * empty) to f: one "proto<TAB>name<TAB>code<TAB>op_class" line per entry, sorted by proto,
 * name and code, duplicates removed; code in decimal, "-" for OTS_FN_CODE_NONE and for a
 * class that varies. Returns OTS_OK; OTS_ENOTSUP with err naming proto when no dissector
 * has that name; OTS_ENOMEM or OTS_EIO with err filled. */
int ots_dissector_print_functions(FILE *f, const char *proto, char *err, size_t errlen);

/* Helpers for dissectors: report through out, tolerating NULL callbacks. */
static inline void
ots_emit_op(const struct ots_dissect_out *out, const struct ots_ics_op *op)
{
	if (out && out->op)
		out->op(out->ctx, op);
}

static inline void
ots_emit_fact(const struct ots_dissect_out *out, uint16_t proto, uint8_t attr, uint8_t side,
              uint8_t confidence, const char *source, const char *value, size_t len)
{
	struct ots_ics_fact f;

	if (!out || !out->fact || !value || len == 0)
		return;
	f.proto = proto;
	f.attr = attr;
	f.side = side;
	f.confidence = confidence;
	f.source = source;
	f.value = value;
	f.value_len = len;
	out->fact(out->ctx, &f);
}

/* For catalogs (ots_dissector.functions): visit one entry. */
static inline void
ots_fn_visit(ots_fn_visit_fn visit, void *ctx, const char *name, uint32_t code, unsigned cls)
{
	struct ots_fn_desc fd;

	fd.name = name;
	fd.code = code;
	fd.op_class = (uint8_t)cls;
	visit(ctx, &fd);
}

static inline void
ots_emit_flag(const struct ots_dissect_out *out, uint16_t proto, uint8_t flag, const char *what)
{
	struct ots_ics_flag_rec r;

	if (!out || !out->flag)
		return;
	r.proto = proto;
	r.flag = flag;
	r.what = what;
	out->flag(out->ctx, &r);
}

#endif
