/* SPDX-License-Identifier: BSD-3-Clause */
/* flow-t.h: types of flows (types only). */
#ifndef OTS_FLOW_T_H
#define OTS_FLOW_T_H

#include <stdint.h>

#include "ots/packet-t.h"
#include "ots/stream-tcp.h"

/*
 * Direction-free flow key: the two endpoints sorted so both directions of a conversation
 * build the same key (lo < hi by address, then port). 40 bytes, no padding holes: it is
 * compared and hashed as bytes, so builders must zero it first (ots_flow_key_make does).
 */
struct ots_flow_key {
	struct ots_addr lo, hi;
	uint16_t port_lo, port_hi;
	uint16_t vlan;     /* outer VLAN id, 0 when untagged */
	uint8_t proto;     /* IP protocol */
	uint8_t ip_version;
};

enum ots_flow_end {
	OTS_FLOW_END_ACTIVE = 0, /* still open (not an end reason on output) */
	OTS_FLOW_END_IDLE = 1,   /* idle timeout */
	OTS_FLOW_END_TIMEOUT_ACTIVE = 2, /* active timeout: record split, flow goes on */
	OTS_FLOW_END_CLOSED = 3, /* TCP FIN/RST seen both ways or RST, then idle */
	OTS_FLOW_END_EVICTED = 4, /* memcap pressure */
	OTS_FLOW_END_EOF = 5     /* end of capture */
};

/*
 * Bits of struct ots_flow.tcp_state, set through ots_flow_table_tcp_update() (flow.h) so the
 * flow moves to the right idle-timeout class. FIN0 is a FIN from the initiator (direction 0),
 * FIN1 one from the responder. A flow is closed once it saw a RST or a FIN each way; the
 * shorter idle_tcp_closed_us applies from then on.
 */
enum ots_tcp_state_bit {
	OTS_TCPF_FIN0 = 0x01,
	OTS_TCPF_FIN1 = 0x02,
	OTS_TCPF_RST = 0x04,
	OTS_TCPF_SYN = 0x08,    /* SYN without ACK seen */
	OTS_TCPF_SYNACK = 0x10  /* SYN+ACK seen */
};

#define OTS_TCPF_CLOSED(s) \
	(((s) & OTS_TCPF_RST) != 0 || ((s) & (OTS_TCPF_FIN0 | OTS_TCPF_FIN1)) == \
	                                  (OTS_TCPF_FIN0 | OTS_TCPF_FIN1))

struct ndpi_flow_struct;

/*
 * One flow record. Direction 0 is initiator -> responder: the sender of the first packet, or
 * the SYN sender when the capture shows the handshake. Owned by a worker's flow table.
 */
struct ots_flow {
	struct ots_flow_key key;
	uint32_t hash;
	uint32_t lru_prev, lru_next;   /* table-private LRU links (indices) */
	uint8_t init_is_lo;            /* 1: the initiator is key.lo */
	uint8_t end_reason;            /* enum ots_flow_end, set when the flow ends */
	uint8_t tcp_state;             /* flow-private TCP state bits (worker) */
	uint8_t ndpi_state;            /* 0 pending, 1 classified, 2 given up, 3 guessed */
	uint8_t vlan_count;
	uint8_t has_mac;               /* bits 0/1: mac[0]/mac[1] known; bits 2/3: seen as sender */
	uint16_t vlan[OTS_MAX_VLANS];
	uint8_t mac[2][6];             /* [0] initiator's MAC, [1] responder's */
	uint16_t ndpi_master, ndpi_app;
	uint16_t ndpi_category;
	uint16_t ndpi_pkts;            /* packets given to nDPI */
	uint8_t tcp_flags[2];          /* union of TCP flags seen per direction */
	uint8_t lru_class;             /* table-private: which LRU (timeout class) holds it */
	uint8_t app_verdict;           /* 0 probing, 1 a dissector has the flow, 2 none */
	uint8_t app_probes;            /* payloads probed so far */
	uint16_t app_proto;            /* enum ots_proto_id of the dissector, 0 none */
	uint8_t ttl[2];                /* TTL / hop limit of the first IP packet each way, 0 none:
	                                * the asset layer tells routed peers from local ones */
	uint8_t ics_flags;             /* bit (1u << enum ots_ics_flag) per flag its dissector raised */
	uint64_t first_ts, last_ts;    /* microseconds, packet time */
	uint64_t pkts[2], bytes[2];    /* per direction, bytes on the wire */
	uint64_t payload_bytes[2];
	uint64_t seq;                  /* per-worker creation number */
	struct ndpi_flow_struct *ndpi; /* nDPI state, freed once classified or given up */
	struct ots_stream *stream;     /* TCP reassembly, allocated on first TCP payload */
	struct ots_app *app;           /* dissector state and PDU buffers (src/app.c), or NULL */
};

struct ots_app;

#endif
