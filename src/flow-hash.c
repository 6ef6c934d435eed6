/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow-hash.c: direction-free flow keys and their hash.
 * Reference: RFC 9293 (TCP ports), RFC 768 (UDP), RFC 4291 2.5.5.2 (IPv4-mapped addresses).
 */
#include <string.h>

#include "ots/flow.h"

_Static_assert(sizeof(struct ots_flow_key) == 40, "flow key must be 40 bytes, no padding");

/*
 * Compare two endpoints: address bytes first (memcmp, so the order is that of the
 * big-endian address), then the port. Returns <0, 0, >0.
 */
static int
endpoint_cmp(const struct ots_addr *a, uint16_t pa, const struct ots_addr *b, uint16_t pb)
{
	int c = memcmp(a->b, b->b, sizeof(a->b));

	if (c != 0)
		return c;
	return (int)pa - (int)pb;
}

void
ots_flow_key_make(const struct ots_pkt *p, struct ots_flow_key *k, int *src_is_lo)
{
	int lo;

	memset(k, 0, sizeof(*k));
	/* Equal endpoints (a host talking to itself on one port) count as src = lo. */
	lo = endpoint_cmp(&p->src, p->sport, &p->dst, p->dport) <= 0;
	if (lo) {
		k->lo = p->src;
		k->hi = p->dst;
		k->port_lo = p->sport;
		k->port_hi = p->dport;
	} else {
		k->lo = p->dst;
		k->hi = p->src;
		k->port_lo = p->dport;
		k->port_hi = p->sport;
	}
	k->vlan = p->vlan_count > 0 ? (uint16_t)(p->vlan[0] & 0x0fff) : 0;
	k->proto = p->ip_proto;
	k->ip_version = p->ip_version;
	if (src_is_lo != NULL)
		*src_is_lo = lo;
}

#define HASH_M   UINT64_C(0xc6a4a7935bd1e995) /* odd 64-bit multiplier (MurmurHash64A's) */
#define HASH_SEED UINT64_C(0x9e3779b97f4a7c15) /* 2^64 / golden ratio */

/*
 * ots_flow_key_hash: the key is read as five 64-bit words (memcpy: no alignment or aliasing
 * assumption; host byte order, the hash is per process), each folded in by xor and a
 * multiply (which carries every bit upward), then a xor-shift/multiply/xor-shift avalanche
 * brings the high bits back down, and the halves are xored into 32 bits, so the low bits
 * (the table index) depend on every key bit. 7 multiplies, no loop, no branch: this runs
 * for every packet (an earlier version pre-mixed each word and cost twice the instructions
 * for no measurable change in probe lengths).
 * The hash is unkeyed (same value in every run, so probe counts replay exactly): someone who
 * can send packets with chosen addresses and ports could aim many flows at one cluster of
 * the index. The memcap bounds how long that cluster gets; a per-process seed mixed into
 * HASH_SEED is the fix should that ever matter more than reproducible probe statistics.
 */
uint32_t
ots_flow_key_hash(const struct ots_flow_key *k)
{
	uint64_t w[5], h = HASH_SEED;

	_Static_assert(sizeof(w) == sizeof(*k), "the key is five words");
	memcpy(w, k, sizeof(w));
	h = (h ^ w[0]) * HASH_M;
	h = (h ^ w[1]) * HASH_M;
	h = (h ^ w[2]) * HASH_M;
	h = (h ^ w[3]) * HASH_M;
	h = (h ^ w[4]) * HASH_M;
	h ^= h >> 47;
	h *= HASH_M;
	h ^= h >> 47;
	return (uint32_t)(h ^ (h >> 32));
}
