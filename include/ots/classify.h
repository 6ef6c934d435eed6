/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.h: per-worker traffic classification (src/classify.c).
 *
 * Wraps one nDPI detection module per worker (nDPI modules are not thread-safe, and sharing
 * one would put a lock on the packet path). A flow's nDPI state is allocated on its first
 * packet and freed as soon as the verdict is final (classified and nothing more to learn, or
 * given up after conf->ndpi_max_pkts packets), so a long-lived flow costs only our own record.
 * Our own content probes (protocols/) will join here: nDPI is one voice, not the only one.
 */
#ifndef OTS_CLASSIFY_H
#define OTS_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "ots/flow-t.h"
#include "ots/packet-t.h"

enum ots_ndpi_state {
	OTS_NDPI_PENDING = 0,
	OTS_NDPI_DETECTED = 1,
	OTS_NDPI_GIVEUP = 2,   /* nothing recognised */
	OTS_NDPI_GUESSED = 3   /* given up, protocol guessed from ports/addresses */
};

struct ots_classify;

/* max_pkts: packets per flow before giving up. NULL on failure. */
struct ots_classify *ots_classify_new(uint32_t max_pkts);
void ots_classify_free(struct ots_classify *c);

/* Bytes one flow's nDPI state costs (charged to the flow memcap while held). */
size_t ots_classify_flow_cost(const struct ots_classify *c);

/*
 * Give one IP packet of flow f (direction dir: 0 initiator->responder) to nDPI while the flow
 * is pending. Returns the bytes of state allocated (> 0) or freed (< 0) by this call, so the
 * caller can charge the memcap; 0 when nothing changed. On allocation failure the flow is
 * given up (state GIVEUP) and counted.
 */
long ots_classify_packet(struct ots_classify *c, struct ots_flow *f, const struct ots_pkt *p,
                         int dir);

/* Final verdict for a flow still pending (end of flow): give up with a guess, free state.
 * Returns the bytes freed (<= 0). */
long ots_classify_finish(struct ots_classify *c, struct ots_flow *f);

/* 1 when nDPI found f by its content to carry an IT protocol none of our dissectors can be
 * inside (TLS, HTTP, DNS, SMB, SSH ...): the caller stops looking for one. */
int ots_classify_settled_it(const struct ots_flow *f);

/* "Modbus", "TLS.Google", "Unknown" ... into buf (at least 64 bytes). */
const char *ots_classify_proto_name(struct ots_classify *c, const struct ots_flow *f,
                                    char *buf, size_t len);
const char *ots_classify_category_name(struct ots_classify *c, const struct ots_flow *f);

struct ots_classify_stats {
	uint64_t flows_detected, flows_giveup, flows_guessed, alloc_fail, packets;
};
const struct ots_classify_stats *ots_classify_stats(const struct ots_classify *c);

/* nDPI version string the binary runs with. */
const char *ots_classify_ndpi_version(void);

#endif
