/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow-hash.c: direction-free flow keys and their hash.
 * Reference: RFC 9293 (TCP ports), RFC 768 (UDP), RFC 4291 2.5.5.2 (IPv4-mapped addresses).
 */
#include <stddef.h>
#include <string.h>

#include "ots/flow.h"

_Static_assert(sizeof(struct ots_flow_key) == 40, "flow key must be 40 bytes, no padding");
_Static_assert(offsetof(struct ots_flow_key, port_lo) == 32 &&
               offsetof(struct ots_flow_key, ip_version) == 39, "the last word of the key");

/* The 16 address bytes as two big-endian words: their order is that of memcmp. */
static inline void
addr_words(const struct ots_addr *a, uint64_t *hi, uint64_t *lo)
{
	uint64_t h, l;

	memcpy(&h, a->b, 8);
	memcpy(&l, a->b + 8, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h = __builtin_bswap64(h);
	l = __builtin_bswap64(l);
#endif
	*hi = h;
	*lo = l;
}

/*
 * Compare two endpoints: address bytes first (the order of the big-endian address, as
 * memcmp would give), then the port. Returns 1 when a sorts at or before b. Two word
 * compares instead of a memcmp call: this runs for every packet.
 */
static inline int
endpoint_le(const struct ots_addr *a, uint16_t pa, const struct ots_addr *b, uint16_t pb)
{
	uint64_t ah, al, bh, bl;

	addr_words(a, &ah, &al);
	addr_words(b, &bh, &bl);
	if (ah != bh)
		return ah < bh;
	if (al != bl)
		return al < bl;
	return pa <= pb;
}

/*
 * The key is written as the hash reads it: two addresses, then one 8-byte word with ports,
 * VLAN, protocol and version, stored at once (four small stores after a memset made the
 * hash's load of that word wait for them: no store forwarding).
 */
void
ots_flow_key_make(const struct ots_pkt *p, struct ots_flow_key *k, int *src_is_lo)
{
	uint16_t plo, phi, vlan;
	int lo;

	/* Equal endpoints (a host talking to itself on one port) count as src = lo. */
	lo = endpoint_le(&p->src, p->sport, &p->dst, p->dport);
	memcpy(k->lo.b, (lo ? &p->src : &p->dst)->b, 16);
	memcpy(k->hi.b, (lo ? &p->dst : &p->src)->b, 16);
	plo = lo ? p->sport : p->dport;
	phi = lo ? p->dport : p->sport;
	vlan = p->vlan_count > 0 ? (uint16_t)(p->vlan[0] & 0x0fff) : 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		uint64_t w = (uint64_t)plo | (uint64_t)phi << 16 | (uint64_t)vlan << 32 |
		             (uint64_t)p->ip_proto << 48 | (uint64_t)p->ip_version << 56;

		memcpy(&k->port_lo, &w, sizeof(w));
	}
#else
	k->port_lo = plo;
	k->port_hi = phi;
	k->vlan = vlan;
	k->proto = p->ip_proto;
	k->ip_version = p->ip_version;
#endif
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
