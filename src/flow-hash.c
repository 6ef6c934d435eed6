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

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BE64(x) __builtin_bswap64(x)
#else
#define BE64(x) (x)
#endif

/*
 * The key as the hash reads it: each address as two 8-byte words, then one 8-byte word with
 * ports, VLAN, protocol and version, each stored at once. The decoder stores addresses as
 * 8-byte words too: a load that spans several smaller stores waits for them to reach the
 * cache (no store forwarding), and this runs for every packet.
 * Endpoints are ordered by address bytes first (the order of the big-endian address, as
 * memcmp would give), then port; equal endpoints (a host talking to itself on one port)
 * count as src = lo.
 */
void
ots_flow_key_make(const struct ots_pkt *p, struct ots_flow_key *k, int *src_is_lo)
{
	uint64_t s0, s1, d0, d1, w;
	uint16_t plo, phi, vlan;
	int lo;

	memcpy(&s0, p->src.b, 8);
	memcpy(&s1, p->src.b + 8, 8);
	memcpy(&d0, p->dst.b, 8);
	memcpy(&d1, p->dst.b + 8, 8);
	if (s0 != d0)
		lo = BE64(s0) < BE64(d0);
	else if (s1 != d1)
		lo = BE64(s1) < BE64(d1);
	else
		lo = p->sport <= p->dport;
	{
		uint64_t l0 = lo ? s0 : d0, l1 = lo ? s1 : d1, h0 = lo ? d0 : s0, h1 = lo ? d1 : s1;

		memcpy(k->lo.b, &l0, 8);
		memcpy(k->lo.b + 8, &l1, 8);
		memcpy(k->hi.b, &h0, 8);
		memcpy(k->hi.b + 8, &h1, 8);
	}
	plo = lo ? p->sport : p->dport;
	phi = lo ? p->dport : p->sport;
	vlan = p->vlan_count > 0 ? (uint16_t)(p->vlan[0] & 0x0fff) : 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = (uint64_t)plo | (uint64_t)phi << 16 | (uint64_t)vlan << 32 |
	    (uint64_t)p->ip_proto << 48 | (uint64_t)p->ip_version << 56;
	memcpy(&k->port_lo, &w, sizeof(w));
#else
	(void)w;
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
