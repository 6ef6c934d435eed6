/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decode-defrag.c: bounded IPv4 fragment reassembly, one context per worker.
 * Spec: RFC 791 section 3.2 (reassembly), RFC 815 (hole tracking), RFC 5722 / RFC 1858
 * (overlapping fragments are an attack signature).
 *
 * Datagrams are keyed by (src, dst, id, proto, outer VLAN). Every limit is fixed at creation:
 * at most max_datagrams in reassembly (the oldest is evicted, counted ipv4_frag_limit), at
 * most max_frags fragments each (more drops the datagram, ipv4_frag_limit), 65535 bytes per
 * datagram (ipv4_frag_too_big), timeout_us of packet time from the first fragment (checked
 * lazily on every insert, ipv4_frag_timeout).
 *
 * Overlaps: the bytes seen first are kept and the overlap is counted (ipv4_frag_overlap), so
 * a later fragment cannot rewrite bytes (a TCP header, a PDU) already seen. Fragments that disagree on the datagram's length (two different last
 * fragments, data beyond the last fragment) drop the whole datagram, also counted as overlap.
 *
 * Memory: the slot table and its hash are allocated at creation; each slot's range list
 * (max_frags entries) on its first use and kept; a datagram's byte buffer grows by doubling
 * up to 64 KiB and is freed when the datagram completes (after the next call), times out or is
 * dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "ots/decode.h"
#include "ots/rd.h"

#define DEFRAG_NONE UINT32_MAX
#define DEFRAG_HDR_ROOM 60       /* largest IPv4 header, kept in front of the payload */
#define DEFRAG_MAX_DGRAM 65535
#define DEFRAG_MIN_HLEN 20
#define DEFRAG_MIN_BUF 2048

#define DEFAULT_MAX_DATAGRAMS 1024
#define DEFAULT_MAX_FRAGS 64
#define DEFAULT_TIMEOUT_US (30ull * 1000000ull)
#define CAP_MAX_DATAGRAMS (1u << 20)
#define CAP_MAX_FRAGS 8192       /* 65535 / 8: one fragment per 8-byte unit */

struct defrag_range {
	uint32_t a, b; /* [a, b) payload bytes present */
};

struct defrag_slot {
	uint8_t src[4], dst[4];
	uint16_t id, vlan;
	uint8_t proto;
	uint8_t have_first, have_last;
	uint8_t hlen;
	uint32_t hnext;              /* hash chain, or free list */
	uint32_t aprev, anext;       /* age list, oldest first */
	uint64_t first_ts;
	uint32_t nfrags, nranges;
	uint32_t total;              /* payload length, known once the last fragment is seen */
	uint32_t cap;                /* bytes allocated in buf */
	uint8_t *buf;                /* DEFRAG_HDR_ROOM + payload */
	struct defrag_range *ranges; /* max_frags entries, sorted, disjoint, not adjacent */
	uint8_t hdr[DEFRAG_HDR_ROOM];
};

struct ots_defrag {
	struct ots_defrag_conf conf;
	struct defrag_slot *slots;
	uint32_t *buckets;
	uint32_t mask;
	uint32_t free_head;
	uint32_t old_head, old_tail;
	uint32_t count;
	uint8_t *out;                /* the last completed datagram, freed on the next call */
};

struct ots_defrag *
ots_defrag_new(const struct ots_defrag_conf *conf)
{
	struct ots_defrag *d;
	uint32_t i, nb;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->conf.max_datagrams = DEFAULT_MAX_DATAGRAMS;
	d->conf.max_frags = DEFAULT_MAX_FRAGS;
	d->conf.timeout_us = (uint32_t)DEFAULT_TIMEOUT_US;
	if (conf != NULL) {
		if (conf->max_datagrams)
			d->conf.max_datagrams = conf->max_datagrams < CAP_MAX_DATAGRAMS ?
			                        conf->max_datagrams : CAP_MAX_DATAGRAMS;
		if (conf->max_frags)
			d->conf.max_frags = conf->max_frags < CAP_MAX_FRAGS ?
			                    conf->max_frags : CAP_MAX_FRAGS;
		if (conf->timeout_us)
			d->conf.timeout_us = conf->timeout_us;
	}
	for (nb = 16; nb < d->conf.max_datagrams * 2; nb <<= 1)
		;
	d->mask = nb - 1;
	d->slots = calloc(d->conf.max_datagrams, sizeof(*d->slots));
	d->buckets = malloc((size_t)nb * sizeof(*d->buckets));
	if (d->slots == NULL || d->buckets == NULL) {
		ots_defrag_free(d);
		return NULL;
	}
	for (i = 0; i < nb; i++)
		d->buckets[i] = DEFRAG_NONE;
	for (i = 0; i < d->conf.max_datagrams; i++)
		d->slots[i].hnext = i + 1 < d->conf.max_datagrams ? i + 1 : DEFRAG_NONE;
	d->free_head = 0;
	d->old_head = d->old_tail = DEFRAG_NONE;
	return d;
}

void
ots_defrag_free(struct ots_defrag *d)
{
	uint32_t i;

	if (d == NULL)
		return;
	if (d->slots != NULL) {
		for (i = 0; i < d->conf.max_datagrams; i++) {
			free(d->slots[i].buf);
			free(d->slots[i].ranges);
		}
	}
	free(d->slots);
	free(d->buckets);
	free(d->out);
	free(d);
}

uint32_t
ots_defrag_pending(const struct ots_defrag *d)
{
	return d ? d->count : 0;
}

static uint32_t
key_hash(const struct ots_defrag_frag *f)
{
	uint32_t h = 0x811c9dc5u, k[4];
	int i;

	k[0] = ((uint32_t)f->src[0] << 24) | ((uint32_t)f->src[1] << 16) |
	       ((uint32_t)f->src[2] << 8) | f->src[3];
	k[1] = ((uint32_t)f->dst[0] << 24) | ((uint32_t)f->dst[1] << 16) |
	       ((uint32_t)f->dst[2] << 8) | f->dst[3];
	k[2] = ((uint32_t)f->id << 16) | f->vlan;
	k[3] = f->proto;
	for (i = 0; i < 4; i++) {
		h ^= k[i];
		h *= 0x01000193u;
		h ^= h >> 15;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

static int
key_eq(const struct defrag_slot *s, const struct ots_defrag_frag *f)
{
	return s->id == f->id && s->proto == f->proto && s->vlan == f->vlan &&
	       memcmp(s->src, f->src, 4) == 0 && memcmp(s->dst, f->dst, 4) == 0;
}

/* Unlink slot i from its chain and the age list and put it on the free list. */
static void
slot_release(struct ots_defrag *d, uint32_t i, uint32_t bucket)
{
	struct defrag_slot *s = &d->slots[i];
	uint32_t *pp = &d->buckets[bucket];

	while (*pp != DEFRAG_NONE && *pp != i)
		pp = &d->slots[*pp].hnext;
	if (*pp == i)
		*pp = s->hnext;
	if (s->aprev != DEFRAG_NONE)
		d->slots[s->aprev].anext = s->anext;
	else
		d->old_head = s->anext;
	if (s->anext != DEFRAG_NONE)
		d->slots[s->anext].aprev = s->aprev;
	else
		d->old_tail = s->aprev;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
	s->hnext = d->free_head;
	d->free_head = i;
	d->count--;
}

static uint32_t
slot_bucket(const struct ots_defrag *d, const struct defrag_slot *s)
{
	struct ots_defrag_frag k;

	memcpy(k.src, s->src, 4);
	memcpy(k.dst, s->dst, 4);
	k.id = s->id;
	k.vlan = s->vlan;
	k.proto = s->proto;
	return key_hash(&k) & d->mask;
}

static void
expire(struct ots_defrag *d, struct ots_decode_stats *st, uint64_t now)
{
	while (d->old_head != DEFRAG_NONE) {
		struct defrag_slot *s = &d->slots[d->old_head];

		if (now <= s->first_ts || now - s->first_ts <= d->conf.timeout_us)
			break;
		st->anomalies[OTS_AN_IPV4_FRAG_TIMEOUT]++;
		slot_release(d, d->old_head, slot_bucket(d, s));
	}
}

/* Find or create the slot of f's datagram; DEFRAG_NONE only when memory is short. */
static uint32_t
slot_get(struct ots_defrag *d, struct ots_decode_stats *st, const struct ots_defrag_frag *f,
         uint32_t bucket)
{
	struct defrag_slot *s;
	uint32_t i;

	for (i = d->buckets[bucket]; i != DEFRAG_NONE; i = d->slots[i].hnext)
		if (key_eq(&d->slots[i], f))
			return i;
	if (d->free_head == DEFRAG_NONE) {
		/* Table full: the oldest datagram makes room. */
		st->anomalies[OTS_AN_IPV4_FRAG_LIMIT]++;
		slot_release(d, d->old_head, slot_bucket(d, &d->slots[d->old_head]));
	}
	i = d->free_head;
	s = &d->slots[i];
	if (s->ranges == NULL) {
		s->ranges = malloc((size_t)d->conf.max_frags * sizeof(*s->ranges));
		if (s->ranges == NULL)
			return DEFRAG_NONE;
	}
	d->free_head = s->hnext;
	memcpy(s->src, f->src, 4);
	memcpy(s->dst, f->dst, 4);
	s->id = f->id;
	s->vlan = f->vlan;
	s->proto = f->proto;
	s->have_first = s->have_last = 0;
	s->hlen = 0;
	s->first_ts = f->ts_us;
	s->nfrags = s->nranges = 0;
	s->total = 0;
	s->hnext = d->buckets[bucket];
	d->buckets[bucket] = i;
	s->anext = DEFRAG_NONE;
	s->aprev = d->old_tail;
	if (d->old_tail != DEFRAG_NONE)
		d->slots[d->old_tail].anext = i;
	else
		d->old_head = i;
	d->old_tail = i;
	d->count++;
	return i;
}

static int
slot_reserve(struct defrag_slot *s, uint32_t end)
{
	uint32_t need = DEFRAG_HDR_ROOM + end, cap = s->cap ? s->cap : DEFRAG_MIN_BUF;
	uint8_t *nb;

	if (need <= s->cap)
		return OTS_OK;
	while (cap < need)
		cap *= 2;
	if (cap > DEFRAG_HDR_ROOM + DEFRAG_MAX_DGRAM)
		cap = DEFRAG_HDR_ROOM + DEFRAG_MAX_DGRAM;
	nb = realloc(s->buf, cap);
	if (nb == NULL)
		return OTS_ENOMEM;
	s->buf = nb;
	s->cap = cap;
	return OTS_OK;
}

/* Copy payload bytes [from, to) of a fragment whose data starts at datagram offset a. */
static void
slot_copy(struct defrag_slot *s, const uint8_t *data, uint32_t a, uint32_t b, uint32_t from,
          uint32_t to)
{
	struct ots_rd r;

	rd_init(&r, data, b - a);
	rd_skip(&r, from - a);
	rd_copy(&r, s->buf + DEFRAG_HDR_ROOM + from, to - from);
}

/*
 * Copy the parts of [a, b) not yet present (first seen wins) and merge the range in.
 * Returns 1 when some of it was already present.
 */
static int
slot_insert(struct defrag_slot *s, const uint8_t *data, uint32_t a, uint32_t b)
{
	struct defrag_range *r = s->ranges;
	uint32_t pos = a, i, j, k, lo = a, hi = b;
	int overlap = 0;

	for (i = 0; i < s->nranges && pos < b; i++) {
		if (r[i].b <= pos)
			continue;
		if (r[i].a >= b)
			break;
		if (r[i].a > pos)
			slot_copy(s, data, a, b, pos, r[i].a);
		overlap = 1;
		pos = r[i].b;
	}
	if (pos < b)
		slot_copy(s, data, a, b, pos, b);

	/* Ranges i..j-1 touch [a, b): replace them by their union. */
	for (i = 0; i < s->nranges && r[i].b < a; i++)
		;
	for (j = i; j < s->nranges && r[j].a <= b; j++) {
		if (r[j].a < lo)
			lo = r[j].a;
		if (r[j].b > hi)
			hi = r[j].b;
	}
	if (j == i) {
		memmove(&r[i + 1], &r[i], (s->nranges - i) * sizeof(*r));
		s->nranges++;
	} else if (j > i + 1) {
		k = j - i - 1;
		memmove(&r[i + 1], &r[j], (s->nranges - j) * sizeof(*r));
		s->nranges -= k;
	}
	r[i].a = lo;
	r[i].b = hi;
	return overlap;
}

static uint16_t
ip_checksum(const uint8_t *h, uint32_t len)
{
	uint32_t sum = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		sum += ((uint32_t)h[i] << 8) | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int
ots_defrag_add(struct ots_defrag *d, struct ots_decode_stats *st,
               const struct ots_defrag_frag *f, const uint8_t **out, uint32_t *out_len)
{
	struct defrag_slot *s;
	uint32_t bucket, i, end, tot;
	uint8_t *h;
	int overlap = 0;

	free(d->out);
	d->out = NULL;
	expire(d, st, f->ts_us);

	end = f->off + f->len;
	bucket = key_hash(f) & d->mask;
	if (end > DEFRAG_MAX_DGRAM - DEFRAG_MIN_HLEN || f->hlen > DEFRAG_HDR_ROOM) {
		st->anomalies[OTS_AN_IPV4_FRAG_TOO_BIG]++;
		for (i = d->buckets[bucket]; i != DEFRAG_NONE; i = d->slots[i].hnext) {
			if (key_eq(&d->slots[i], f)) {
				slot_release(d, i, bucket);
				break;
			}
		}
		return OTS_ELIMIT;
	}
	i = slot_get(d, st, f, bucket);
	if (i == DEFRAG_NONE)
		return OTS_ENOMEM;
	s = &d->slots[i];
	if (s->nfrags >= d->conf.max_frags) {
		st->anomalies[OTS_AN_IPV4_FRAG_LIMIT]++;
		slot_release(d, i, bucket);
		return OTS_ELIMIT;
	}
	s->nfrags++;

	/* The datagram's length: fixed by the last fragment, never contradicted. */
	if (!f->mf) {
		if ((s->have_last && s->total != end) ||
		    (s->nranges && s->ranges[s->nranges - 1].b > end))
			goto conflict;
		s->have_last = 1;
		s->total = end;
	} else if (s->have_last && end > s->total) {
		goto conflict;
	}
	if (f->off == 0 && !s->have_first) {
		s->have_first = 1;
		s->hlen = (uint8_t)f->hlen;
		memcpy(s->hdr, f->hdr, f->hlen);
	}
	if (f->len > 0) {
		if (slot_reserve(s, end) != OTS_OK) {
			slot_release(d, i, bucket);
			return OTS_ENOMEM;
		}
		overlap = slot_insert(s, f->data, f->off, end);
		if (overlap)
			st->anomalies[OTS_AN_IPV4_FRAG_OVERLAP]++;
	}

	if (!s->have_first || !s->have_last || s->nranges != 1 || s->ranges[0].a != 0 ||
	    s->ranges[0].b != s->total)
		return 0;

	/* Complete: first fragment's header, whole length, no MF/offset, fresh checksum. */
	tot = s->hlen + s->total;
	if (tot > DEFRAG_MAX_DGRAM) {
		st->anomalies[OTS_AN_IPV4_FRAG_TOO_BIG]++;
		slot_release(d, i, bucket);
		return OTS_ELIMIT;
	}
	h = s->buf + DEFRAG_HDR_ROOM - s->hlen;
	memcpy(h, s->hdr, s->hlen);
	h[2] = (uint8_t)(tot >> 8);
	h[3] = (uint8_t)tot;
	h[6] &= 0x40; /* keep DF, clear MF and the offset */
	h[7] = 0;
	h[10] = h[11] = 0;
	{
		uint16_t c = ip_checksum(h, s->hlen);

		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
	}
	*out = h;
	*out_len = tot;
	d->out = s->buf;     /* kept until the next call */
	s->buf = NULL;
	s->cap = 0;
	slot_release(d, i, bucket);
	return 1;

conflict:
	st->anomalies[OTS_AN_IPV4_FRAG_OVERLAP]++;
	slot_release(d, i, bucket);
	return OTS_EINVAL;
}
