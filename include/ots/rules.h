/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rules.h: detection rules (rules/README.md is the language): loading, and the per-operation
 * match the workers run (src/rules.c).
 *
 * A rule set is immutable once loaded: workers read it without locks; a reload builds a new
 * set and the main thread swaps the pointer (struct ots_rules_slot). Sets are kept until exit
 * (hits carry pointers to their rule; a reload is rare and a set is small).
 *
 * Matching is split by who knows what. Everything a packet says (protocol, function, class,
 * unit, addresses, ports, MACs, VLAN, flag) is decided where the packet is: ots_rules_match()
 * in the worker, per operation or flag. Zone and role are properties of assets, which only the
 * inventory knows: ots_rules_match_assets() applies them in the main thread when a checkpoint
 * places the hit on its conduit (src/detect.c).
 */
#ifndef OTS_RULES_H
#define OTS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "ots/ics-t.h"

struct ots_zones;

#define OTS_ICS_PROTO_SLOTS 32   /* protocol ids are below this (enum ots_proto_id) */

enum ots_rule_on { OTS_RON_OP = 0, OTS_RON_FLAG = 1, OTS_RON_FLOW = 2, OTS_RON_ASSET = 3,
	           OTS_RON__COUNT };

/* Fields (rules/README.md "Fields"); names in ots_rule_field_name(). */
enum ots_rule_field {
	OTS_RF_PROTOCOL = 0, OTS_RF_FUNCTION, OTS_RF_FUNCTION_CODE, OTS_RF_CLASS, OTS_RF_DIRECTION,
	OTS_RF_UNIT, OTS_RF_ADDRESS, OTS_RF_QUALIFIER, OTS_RF_EXCEPTION, OTS_RF_EXCEPTION_CODE,
	OTS_RF_FLAG, OTS_RF_REASON, OTS_RF_TRANSPORT, OTS_RF_ANSWERED, OTS_RF_CHANGE,
	OTS_RF_SRC_IP, OTS_RF_DST_IP, OTS_RF_SRC_PORT, OTS_RF_DST_PORT, OTS_RF_SRC_MAC,
	OTS_RF_DST_MAC, OTS_RF_VLAN, OTS_RF_SRC_ZONE, OTS_RF_DST_ZONE, OTS_RF_SRC_ROLE,
	OTS_RF_DST_ROLE, OTS_RF_SRC_CAST, OTS_RF_DST_CAST, OTS_RF__COUNT
};

/* Asset change kinds (src/asset-out.c change records), for `on asset`. */
enum ots_change_kind { OTS_CHG_NEW_ASSET = 0, OTS_CHG_ROLE = 1, OTS_CHG_ATTRIBUTE = 2,
	               OTS_CHG_IP_MAC = 3, OTS_CHG__COUNT };

/* Distinct-value fields and group keys of thresholds. */
enum ots_rule_distinct { OTS_RD_NONE = 0, OTS_RD_DESTINATION, OTS_RD_DST_PORT, OTS_RD_FUNCTION,
	                 OTS_RD_UNIT, OTS_RD_SOURCE };
#define OTS_RK_SOURCE 1u
#define OTS_RK_DESTINATION 2u
#define OTS_RK_CONDUIT 4u

struct ots_rule_range { uint64_t lo, hi; };
struct ots_rule_net { uint8_t addr[16]; uint8_t len; };   /* prefix over the 16-byte form */

struct ots_rule_cond {
	uint8_t field;           /* enum ots_rule_field */
	uint8_t negate;
	uint32_t n;              /* values (0 for presence fields) */
	uint64_t bits;           /* protocol ids, classes, flags, roles, directions ... as bits */
	struct ots_rule_range *ranges;  /* numbers */
	struct ots_rule_net *nets;      /* source.ip / destination.ip */
	uint8_t (*macs)[6];
	char **strs;             /* function names, reasons, zone names */
	uint32_t *hashes;        /* function: ots_rules_name_hash() of each name */
	int *zones;              /* zone indexes (-1 unzoned, -2 internet, -3 a zone gone in a
	                          * reloaded zones file) */
	unsigned line, col;
};

struct ots_rule {
	char *id, *name, *message;
	char *file;              /* where it was defined (shared string of the set) */
	unsigned line;
	uint8_t severity;        /* 1-100 (ECS event.severity) */
	uint8_t on;              /* enum ots_rule_on */
	uint8_t enabled;
	uint8_t deferred;        /* has zone or role conditions (applied in the main thread) */
	char **techniques;
	uint32_t n_techniques;
	struct ots_rule_cond *conds;
	uint32_t n_conds;
	struct ots_rule_cond *supp;   /* suppress lines: a hit matching any is dropped */
	uint32_t n_supp;
	uint8_t *order;          /* conds in the order the match tries them: cheap and
	                          * selective first (bit sets, numbers, names, addresses) */
	/* threshold (thr_n == 0: none) */
	uint32_t thr_n;
	uint8_t thr_distinct;    /* enum ots_rule_distinct */
	uint8_t thr_by;          /* OTS_RK_* bits */
	uint64_t thr_window_us;
	uint32_t index;          /* position in the set */
	/* quick tests the worker makes before ots_rules_match (from class, direction and
	 * exception conditions; all bits set when unconstrained) */
	uint32_t class_mask;     /* op classes that can match (on op) */
	uint8_t dir_mask;        /* bit 0 requests, bit 1 responses */
	uint8_t need_exception;
};

struct ots_rules {
	struct ots_rule *v;
	uint32_t n;
	/* per `on` kind and protocol id: the enabled rules to try, in set order */
	uint32_t *by_proto[OTS_RON__COUNT][OTS_ICS_PROTO_SLOTS];
	uint32_t n_by_proto[OTS_RON__COUNT][OTS_ICS_PROTO_SLOTS];
	/* `on op` rules by protocol and op class: an operation only meets the rules its class
	 * can match (a poller's reads never try the write rules) */
	uint32_t *by_op[OTS_ICS_PROTO_SLOTS][OTS_OP__COUNT];
	uint32_t n_by_op[OTS_ICS_PROTO_SLOTS][OTS_OP__COUNT];
	char **files;            /* files loaded, in order */
	uint32_t n_files;
	uint64_t generation;     /* 1, 2 ... per successful load */
};

/* What one operation, flag, flow or asset change says, for matching. Pointers are borrowed. */
struct ots_rule_ctx {
	uint8_t on;              /* enum ots_rule_on */
	uint16_t proto;          /* enum ots_proto_id, 0 none */
	const struct ots_ics_op *op;    /* OTS_RON_OP */
	uint8_t flag;            /* OTS_RON_FLAG */
	const char *reason;
	uint8_t transport;       /* IP protocol, or 0xff for layer 2 */
	uint8_t answered;        /* OTS_RON_FLOW */
	uint8_t change;          /* OTS_RON_ASSET: enum ots_change_kind */
	uint8_t has_ip;          /* source/destination addresses known */
	uint8_t has_smac, has_dmac;
	const uint8_t *sip, *dip;       /* 16-byte form */
	uint16_t sport, dport;
	const uint8_t *smac, *dmac;
	uint16_t vlan;
	uint32_t fn_hash;        /* ots_rules_name_hash(op->function_name), when has_fn_hash */
	uint8_t has_fn_hash;
};

/* Hash of a function name (the worker computes it once per operation; conditions compare it
 * before the strings). */
static inline uint32_t
ots_rules_name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* Load FILE, or every *.rules file of DIR in name order, into rs (zeroed by the call). zones
 * (may be NULL) resolves zone names; without it a rule naming a zone is an error. On error,
 * err holds "FILE:LINE:COLUMN: message", rs is left empty and the result is OTS_EINVAL (or
 * OTS_ENOMEM / OTS_EIO). */
int ots_rules_load(struct ots_rules *rs, const char *path, const struct ots_zones *zones,
                   char *err, size_t errlen);
/* The same over several paths, in the order given (-R repeated: the shipped set, then the
 * site's rules and suppressions); one set, ids unique across all. */
int ots_rules_load_paths(struct ots_rules *rs, const char *const *paths, size_t n_paths,
                         const struct ots_zones *zones, char *err, size_t errlen);
/* Parse one buffer (name is the file name shown in errors); appends to rs. Exposed for tests
 * and the fuzz target; finish with ots_rules_finish(). */
int ots_rules_parse(struct ots_rules *rs, const char *name, const char *buf, size_t len,
                    const struct ots_zones *zones, char *err, size_t errlen);
int ots_rules_finish(struct ots_rules *rs, char *err, size_t errlen);
void ots_rules_free(struct ots_rules *rs);

/* Worker: does rule r hold for ctx, leaving out zone and role conditions (deferred)? Also
 * applies the rule's suppress lines that need no asset. 1 yes, 0 no. */
int ots_rules_match(const struct ots_rule *r, const struct ots_rule_ctx *ctx);

/* Main thread: zone and role conditions (and suppressions) of r for the two endpoints.
 * zone -1 unzoned, -2 internet; role enum ots_role (OTS_ROLE_UNKNOWN when no asset). */
int ots_rules_match_assets(const struct ots_rule *r, int szone, int dzone, int srole, int drole);

/* Main thread, after the zones file was reloaded: zone conditions name zones; resolve them
 * in z again (workers never read them). A name z no longer has matches no endpoint (-3);
 * returns how many, the first in missing ("rule ID: zone 'NAME'"). */
unsigned ots_rules_rezone(struct ots_rules *rs, const struct ots_zones *z, char *missing,
                          size_t len);

/* The rules of kind on that can match protocol proto (proto 0: flows of no dissector). */
static inline const uint32_t *
ots_rules_for(const struct ots_rules *rs, unsigned on, unsigned proto, uint32_t *n)
{
	if (!rs || on >= OTS_RON__COUNT || proto >= OTS_ICS_PROTO_SLOTS) {
		*n = 0;
		return NULL;
	}
	*n = rs->n_by_proto[on][proto];
	return rs->by_proto[on][proto];
}

/* The `on op` rules that can match an operation of protocol proto and class op_class. */
static inline const uint32_t *
ots_rules_for_op(const struct ots_rules *rs, unsigned proto, unsigned op_class, uint32_t *n)
{
	if (!rs || proto >= OTS_ICS_PROTO_SLOTS || op_class >= OTS_OP__COUNT) {
		*n = 0;
		return NULL;
	}
	*n = rs->n_by_op[proto][op_class];
	return rs->by_op[proto][op_class];
}

/* The quick tests of rule r for an operation (1: worth ots_rules_match). */
static inline int
ots_rule_op_may_match(const struct ots_rule *r, const struct ots_ics_op *op)
{
	return ((r->dir_mask >> (op->is_response ? 1 : 0)) & 1) &&
	       (!r->need_exception || op->has_exception);
}

const char *ots_rule_on_name(unsigned on);
const char *ots_change_kind_name(unsigned k);
const char *ots_severity_name(unsigned sev);

#endif
