/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * asset-t.h: types of the asset inventory and conduit map (src/asset*.c). Main thread only.
 *
 * Two levels. Observations are what the records say, keyed by what the wire shows:
 *   node      (MAC, IP, VLAN) as one endpoint of flows: packets, TTL evidence, identity facts
 *   oconduit  (initiator node, responder node, transport, port, protocol): traffic and ICS tallies
 * Every update of an observation is commutative (sums, min/max, set union), so the tables do
 * not depend on the order records arrive in, hence not on the worker count.
 * The inventory (assets, conduits) is derived from the observations by ots_inv_build(): which
 * nodes are one device needs the whole picture (is this MAC a router's?), so it is recomputed
 * at each checkpoint rather than kept incrementally; it costs one pass over the tables.
 */
#ifndef OTS_ASSET_T_H
#define OTS_ASSET_T_H

#include <stddef.h>
#include <stdint.h>

#include "ots/ics-t.h"
#include "ots/packet-t.h"

/* Interned strings: id 0 is "", ids are offsets into one blob (stable across growth). */
struct ots_strpool {
	char *blob;
	size_t len, cap;
	uint32_t *slots;          /* open addressing: offset + 1, 0 empty */
	uint32_t nslots, n;
};

struct ots_node_key {
	struct ots_addr ip;       /* IPv4 as ::ffff:a.b.c.d; zero when has_ip == 0 */
	uint8_t mac[6];
	uint8_t has_ip;           /* 4, 6 or 0 */
	uint8_t has_mac;
	uint16_t vlan;            /* outer VLAN id, 0 untagged */
	uint16_t pad;
};

/* One identity fact about a node, merged by (attr, value, proto, source). */
struct ots_node_fact {
	uint64_t first_ts, last_ts;   /* microseconds */
	uint64_t count;
	uint32_t value, source;       /* strpool ids */
	uint16_t proto;               /* enum ots_proto_id */
	uint8_t attr;                 /* enum ots_fact_attr */
	uint8_t confidence;           /* highest seen */
};

#define OTS_NODE_MAX_FACTS 64

struct ots_node {
	struct ots_node_key k;
	uint64_t first_ts, last_ts;
	uint64_t pkts_out, pkts_in, bytes_out, bytes_in;
	uint8_t ttl_local;        /* sent a packet with an initial TTL (on this segment) */
	uint8_t ttl_routed;       /* sent a packet with a decremented TTL (via a router) */
	uint8_t nfacts, capfacts;
	uint32_t facts_dropped;
	struct ots_node_fact *facts;
	uint32_t asset;           /* ots_inv_build: index in inv->assets */
};

struct ots_fn_tally {
	uint64_t requests, responses, exceptions;
	uint64_t first_ts;        /* first use (microseconds), min over the records; 0 unknown */
	uint32_t code;
	uint32_t name;            /* strpool id */
	uint8_t op_class;
};

struct ots_conduit_ics {
	uint64_t ops[OTS_OP__COUNT];
	uint64_t fn_other;
	struct ots_fn_tally *fn;
	uint32_t n_fn, cap_fn;
	uint16_t proto;           /* enum ots_proto_id */
};

/* transport: IP protocol number, or OTS_TRANSPORT_ETHER for layer-2 protocols (port holds
 * the EtherType then). */
#define OTS_TRANSPORT_ETHER 0xff

struct ots_oconduit_key {
	uint32_t init, resp;      /* node indexes */
	uint32_t proto;           /* strpool id of the protocol name */
	uint16_t port;            /* responder port (EtherType for layer 2) */
	uint8_t transport;
	uint8_t pad;
};

struct ots_oconduit {
	struct ots_oconduit_key k;
	uint64_t first_ts, last_ts;
	uint64_t pkts[2], bytes[2];   /* [0] initiator -> responder */
	uint64_t flows;
	struct ots_conduit_ics *ics;  /* NULL unless a dissector had the flow */
	uint32_t conduit;             /* ots_inv_build: index in inv->conduits */
	uint8_t ics_flags;            /* union of the flows' ics_flags */
};

/* Open-addressing index of uint32 entries (entry + 1, 0 empty). */
struct ots_u32idx {
	uint32_t *slots;
	uint32_t nslots, n;
};

/* ---- derived by ots_inv_build ---- */

enum ots_role {
	OTS_ROLE_UNKNOWN = 0,
	OTS_ROLE_PLC = 1,
	OTS_ROLE_RTU = 2,         /* RTU / IED / outstation */
	OTS_ROLE_HMI = 3,         /* HMI / SCADA */
	OTS_ROLE_ENGINEERING = 4, /* engineering workstation */
	OTS_ROLE_HISTORIAN = 5,
	OTS_ROLE_NETWORK = 6,     /* switch, router, gateway */
	OTS_ROLE_IT = 7,
	OTS_ROLE__COUNT
};

/* One value of one attribute of an asset, with its provenance (several facts merged). */
struct ots_asset_attr {
	uint64_t first_ts, last_ts, count;
	uint32_t value;           /* strpool id */
	uint32_t first_fact;      /* index in inv->afacts of the first contributing fact */
	uint32_t n_facts;
	uint8_t attr;
};

/* A protocol an asset serves or uses. */
struct ots_asset_proto {
	uint32_t proto;           /* strpool id */
	uint16_t port;
	uint8_t transport;
	uint8_t server;           /* 1 serves (responder), 0 uses (initiator) */
	uint32_t peers;           /* distinct peer assets */
	uint64_t flows;
};

#define OTS_ASSET_MAX_EVIDENCE 6

struct ots_asset {
	uint32_t id;              /* strpool id: "mac:..", "ip:..[%vlanN]", "group:.." */
	uint8_t is_group;         /* broadcast / multicast destination: not a device */
	uint8_t by_mac;           /* keyed by its MAC (on the captured segment); an ip: asset's
	                           * frames carry a router's MAC, which is not listed as its own */
	uint8_t gateway;          /* its MAC carries routed traffic */
	uint8_t role;             /* enum ots_role */
	uint8_t n_evidence;
	uint32_t evidence[OTS_ASSET_MAX_EVIDENCE]; /* strpool ids, the deciding one first */
	uint32_t *nodes;          /* node indexes, sorted by node key */
	uint32_t n_nodes;
	struct ots_asset_attr *attrs; /* sorted by attr, then first_ts, then value */
	uint32_t n_attrs;
	struct ots_asset_proto *protos;
	uint32_t n_protos, cap_protos;
	uint64_t first_ts, last_ts;
	uint64_t pkts_out, pkts_in, bytes_out, bytes_in;
	/* role inputs */
	uint64_t ops_issued[OTS_OP__COUNT], ops_served[OTS_OP__COUNT];
	uint32_t ics_servers_polled;  /* distinct assets it initiates ICS conduits to */
	uint32_t ics_clients;         /* distinct assets that initiate ICS conduits to it */
	uint32_t it_conduits;         /* non-ICS conduits either way */
	uint32_t ics_conduits;
	/* enrichment */
	char country[3];
	uint32_t asn;
	uint32_t as_org;          /* strpool id */
	uint32_t nic_vendor;      /* strpool id */
	uint8_t external;         /* has a public IP */
	uint32_t group;           /* strpool id: subnet "10.0.0.0/24", "external", "layer 2" */
};

struct ots_conduit {
	uint32_t src, dst;        /* asset indexes */
	uint32_t src_node, dst_node; /* the smallest contributing node pair (shown ip/mac) */
	uint32_t proto;           /* strpool id */
	uint16_t port;
	uint8_t transport;
	uint64_t first_ts, last_ts;
	uint64_t pkts[2], bytes[2], flows;
	struct ots_conduit_ics ics;   /* merged; ics.proto 0 when not ICS */
	uint64_t id;              /* stable hash of the key */
};

#endif
