/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zones.h: the IEC 62443 zones file (YAML) and the lookups the zone policy needs (src/zones.c).
 *
 *   version: 1
 *   site: plant-a
 *   zones:
 *     - name: control
 *       sl_t: 3                      # target security level 0-4
 *       networks: [192.168.20.0/24]  # IPv4/IPv6 CIDRs (a bare address is a /32 or /128)
 *       vlans: [20]                  # optional
 *       description: "Line 1 PLCs"   # optional
 *   conduits:
 *     - name: scada-polling
 *       from: supervisory            # the zone allowed to initiate
 *       to: control
 *       bidirectional: false         # default false: initiation only from `from`
 *       allow:
 *         - protocol: modbus         # dissector or nDPI protocol name, or any
 *           operations: [read]       # op classes (ots_op_class_name) or any; default any
 *           ports: [502]             # optional; default any
 *   defaults:
 *     intra_zone: allow              # allow | alert (default allow)
 *     unzoned: alert                 # hosts in no zone (default alert)
 *     internet: alert                # public addresses (default alert)
 *
 * Strict: an unknown key, a wrong node type, a duplicate key, a YAML alias or anchor, an
 * explicit tag, a second document are errors. Each error is one line
 * "FILE:LINE:COLUMN: what was found and what was expected" (1-based, libyaml marks).
 * Zone and conduit names are unique; the same network or VLAN in two zones is an error; a
 * network inside another zone's network is a warning (the longer prefix wins).
 *
 * Thread: load and free from one thread; after load the set is read-only and the lookups may
 * run concurrently from any number of threads.
 */
#ifndef OTS_ZONES_H
#define OTS_ZONES_H

#include <stddef.h>
#include <stdint.h>

#include "ots/ics-t.h"

#define OTS_ZONES_VERSION 1
#define OTS_ZONES_FILE_MAX (4u << 20)   /* bytes */
#define OTS_ZONES_MAX_ZONES 4096
#define OTS_ZONES_MAX_CONDUITS 16384
#define OTS_ZONES_MAX_NETS 65536        /* networks over all zones */
#define OTS_ZONES_MAX_LIST 4096         /* entries in one list (allow rules, ports ...) */
#define OTS_ZONES_NAME_MAX 64           /* bytes of a zone, conduit, site or protocol name */
#define OTS_ZONES_DESC_MAX 1024         /* bytes of a description */
#define OTS_ZONES_MAX_DEPTH 16          /* YAML nesting (the format needs 6) */
#define OTS_ZONES_MAX_NODES (1u << 19)  /* YAML nodes in a file: bounds memory (~64 MiB) */
#define OTS_ZONES_MAX_WARNINGS 256      /* further warnings are summed in the last one */

/* One network: the address in the 16-byte form of struct ots_addr (IPv4 as ::ffff:a.b.c.d). */
struct ots_cidr {
	uint8_t addr[16];
	uint8_t len;             /* prefix length over the 16-byte form (IPv4 /n: 96 + n) */
	uint8_t v4;              /* written as IPv4: shown as a.b.c.d/(len - 96) */
	unsigned line, col;      /* where it is written in the file */
};

struct ots_zone {
	char *name;
	uint8_t sl_t;            /* target security level 0-4 */
	struct ots_cidr *nets;
	size_t n_nets;
	uint16_t *vlans;         /* 1-4094, in file order */
	size_t n_vlans;
	char *description;       /* NULL when absent */
	unsigned line;           /* of the zone's entry */
};

struct ots_zone_allow {
	char *protocol;          /* NULL = any; compared without case (ots_zone_allow_match) */
	uint32_t ops;            /* bit (1u << enum ots_op_class) per allowed class */
	uint16_t *ports;         /* NULL with n_ports 0 = any port */
	size_t n_ports;
	unsigned line;
};

#define OTS_ZONES_OPS_ANY ((1u << OTS_OP__COUNT) - 1) /* every op class */

struct ots_zconduit {
	char *name;
	int from, to;            /* zone indexes; from initiates */
	int bidirectional;       /* either zone may initiate */
	struct ots_zone_allow *allow;
	size_t n_allow;
	unsigned line;
};

struct ots_zones_index;

struct ots_zones {
	unsigned version;
	char *site;              /* NULL when absent */
	char *path;              /* as given to load (the name given to parse) */
	struct ots_zone *zones;
	size_t n_zones;
	struct ots_zconduit *conduits;
	size_t n_conduits;
	uint8_t intra_zone_alert, unzoned_alert, internet_alert; /* 1 = alert, 0 = allow */
	struct ots_zones_index *index; /* private: sorted prefix, VLAN and zone-pair tables */
	char **warnings;         /* "FILE:LINE: ..." lines, e.g. overlapping networks */
	size_t n_warnings;
};

/*
 * Load the zones file at path. *z must be zeroed or hold a loaded set. On success the previous
 * set in *z is freed and replaced; on failure *z is left untouched (the caller keeps its old
 * policy) and err holds one line naming the file, line and column. A caller whose readers run
 * in other threads loads into a fresh struct and swaps pointers instead.
 * Returns OTS_OK, OTS_EINVAL (bad content), OTS_ELIMIT (a cap above), OTS_EIO, OTS_ENOMEM.
 */
int ots_zones_load(struct ots_zones *z, const char *path, char *err, size_t errlen);

/* Same as ots_zones_load on buf[0..len) (no NUL needed); name stands for the path in errors,
 * warnings and z->path. */
int ots_zones_parse(struct ots_zones *z, const char *name, const char *buf, size_t len,
                    char *err, size_t errlen);

/* Release everything z holds; z is left zeroed. Safe on a zeroed z. */
void ots_zones_free(struct ots_zones *z);

/*
 * Zone of a host: index into z->zones, or -1. ip is 16 bytes (IPv4 as ::ffff:a.b.c.d, like
 * struct ots_addr); has_ip 0 when unknown; vlan 0 when untagged. The longest matching network
 * wins; a host that no network matches belongs to the zone listing its VLAN.
 * O(log networks) through a table of disjoint ranges built at load.
 */
int ots_zones_lookup(const struct ots_zones *z, const uint8_t ip[16], int has_ip, uint16_t vlan);

/*
 * Conduits through which zone `from` may initiate to zone `to`: those declared from -> to and
 * the bidirectional ones declared to -> from. Fills idx with up to max conduit indexes in file
 * order and returns how many it filled. When reverse_only is not NULL it is set to 1 if no
 * conduit allows from -> to but one allows to -> from (traffic initiated the wrong way), else 0.
 * O(log conduits).
 */
size_t ots_zones_conduits(const struct ots_zones *z, int from, int to, int *idx, size_t max,
                          int *reverse_only);

/* Index of the zone called name, or -1. */
int ots_zones_find(const struct ots_zones *z, const char *name);

/*
 * Whether an allow rule covers an operation: protocol equal without case to the rule's (or the
 * rule is any; an nDPI name "DNS.Google" also matches a rule "dns" or "google"), op_class
 * (enum ots_op_class) among the rule's, or -1 for a flow with no classified operation, which
 * matches any rule whose protocol matches; port among the rule's ports, or 0 to skip that
 * check. Returns 1 or 0.
 */
int ots_zone_allow_match(const struct ots_zone_allow *a, const char *protocol, int op_class,
                         uint16_t port);

/* Text of a network ("10.0.0.0/8", "2001:db8::/32") into buf; returns buf. */
const char *ots_cidr_str(const struct ots_cidr *c, char *buf, size_t len);
/* Parse "addr" or "addr/len" (IPv4 or IPv6; host bits must be clear) into out; why gets the
 * reason on OTS_EINVAL. */
int ots_cidr_parse(const char *s, struct ots_cidr *out, char *why, size_t whylen);

#endif
