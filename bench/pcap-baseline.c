/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap-baseline.c - bare libpcap read + header parse + flow hash loop, the benchmark floor. */

/*
 * What otsensor is measured against: pcap_next_ex over a file, Ethernet
 * (with any number of 802.1Q/802.1ad tags), IPv4/IPv6, TCP/UDP headers read
 * with plain bounds checks, a symmetric 5-tuple (+VLAN) key and an
 * open-addressing hash table with per-flow packet and byte counters.
 * Single-threaded, no protocol work. Prints "packets=N flows=M".
 * Supports LINKTYPE_ETHERNET, RAW (12/101), NULL/LOOP, LINUX_SLL and SLL2.
 */

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct key {
	uint8_t addr[2][16];	/* canonical order: addr[0] <= addr[1] */
	uint16_t port[2];
	uint16_t vlan;
	uint8_t proto;
	uint8_t family;
};

struct flow {
	struct key k;
	uint64_t packets;
	uint64_t bytes;
	uint8_t used;
};

static struct flow *table;
static size_t table_cap, table_used;

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint64_t
key_hash(const struct key *k)
{
	/* FNV-1a over the key bytes (padding is zeroed by the caller) */
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static struct flow *
table_slot(const struct key *k, uint64_t h)
{
	size_t i = (size_t)h & (table_cap - 1);

	while (table[i].used && memcmp(&table[i].k, k, sizeof(*k)) != 0)
		i = (i + 1) & (table_cap - 1);
	return &table[i];
}

static int
table_grow(void)
{
	struct flow *old = table;
	size_t oldcap = table_cap, i;

	table_cap = oldcap ? oldcap * 2 : 65536;
	table = calloc(table_cap, sizeof(*table));
	if (table == NULL)
		return -1;
	for (i = 0; i < oldcap; i++) {
		if (old[i].used) {
			struct flow *f = table_slot(&old[i].k, key_hash(&old[i].k));

			*f = old[i];
		}
	}
	free(old);
	return 0;
}

static int
flow_account(const struct key *k, uint32_t wirelen)
{
	struct flow *f;

	if ((table_used + 1) * 2 > table_cap && table_grow() != 0)
		return -1;
	f = table_slot(k, key_hash(k));
	if (!f->used) {
		f->used = 1;
		f->k = *k;
		table_used++;
	}
	f->packets++;
	f->bytes += wirelen;
	return 0;
}

/* Fill the key from an IP packet; returns 0 if it is one we count. */
static int
parse_ip(const uint8_t *p, size_t n, uint16_t ethertype, struct key *k)
{
	const uint8_t *src, *dst;
	size_t alen, hl;
	uint8_t proto;
	int swap;

	if (ethertype == 0x0800) {
		if (n < 20 || (p[0] >> 4) != 4)
			return -1;
		hl = (size_t)(p[0] & 0x0f) * 4;
		if (hl < 20 || hl > n)
			return -1;
		proto = p[9];
		src = p + 12;
		dst = p + 16;
		alen = 4;
		/* later fragments carry no ports */
		if ((rd16(p + 6) & 0x1fff) != 0)
			hl = n;
		k->family = 4;
	} else if (ethertype == 0x86dd) {
		if (n < 40 || (p[0] >> 4) != 6)
			return -1;
		proto = p[6];
		src = p + 8;
		dst = p + 24;
		alen = 16;
		hl = 40;
		k->family = 6;
	} else {
		return -1;
	}
	k->proto = proto;
	swap = memcmp(src, dst, alen) > 0;
	memcpy(k->addr[swap], src, alen);
	memcpy(k->addr[!swap], dst, alen);
	if ((proto == 6 || proto == 17) && n - hl >= 4) {
		uint16_t sp = rd16(p + hl), dp = rd16(p + hl + 2);

		if (memcmp(src, dst, alen) == 0)
			swap = sp > dp;
		k->port[swap] = sp;
		k->port[!swap] = dp;
	}
	return 0;
}

static int
parse_frame(int dlt, const uint8_t *p, size_t n, struct key *k)
{
	uint16_t type;
	size_t off;

	switch (dlt) {
	case DLT_EN10MB:
		if (n < 14)
			return -1;
		type = rd16(p + 12);
		off = 14;
		while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
			if (n - off < 4)
				return -1;
			k->vlan = rd16(p + off) & 0x0fff;
			type = rd16(p + off + 2);
			off += 4;
		}
		break;
	case DLT_RAW:
	case 101:	/* LINKTYPE_RAW */
		if (n < 1)
			return -1;
		type = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		off = 0;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (n < 4)
			return -1;
		/* AF_INET is 2 everywhere; AF_INET6 differs (10, 24, 28, 30) */
		type = (p[0] == 2 || p[3] == 2) ? 0x0800 : 0x86dd;
		off = 4;
		break;
	case DLT_LINUX_SLL:
		if (n < 16)
			return -1;
		type = rd16(p + 14);
		off = 16;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (n < 20)
			return -1;
		type = rd16(p);
		off = 20;
		break;
#endif
	default:
		return -1;
	}
	return parse_ip(p + off, n - off, type, k);
}

int
main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, other = 0;
	struct timespec t0, t1;
	pcap_t *pc;
	int dlt, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-baseline FILE\n");
		return 2;
	}
	pc = pcap_open_offline(argv[1], err);
	if (pc == NULL) {
		fprintf(stderr, "pcap-baseline: %s\n", err);
		return 1;
	}
	dlt = pcap_datalink(pc);
	if (table_grow() != 0) {
		fprintf(stderr, "pcap-baseline: out of memory\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct key k;

		packets++;
		memset(&k, 0, sizeof(k));
		if (parse_frame(dlt, data, h->caplen, &k) != 0) {
			other++;
			continue;
		}
		if (flow_account(&k, h->len) != 0) {
			fprintf(stderr, "pcap-baseline: out of memory\n");
			return 1;
		}
	}
	if (rc == -1)
		fprintf(stderr, "pcap-baseline: %s\n", pcap_geterr(pc));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pcap_close(pc);
	printf("packets=%llu flows=%zu non_ip=%llu elapsed_s=%.3f\n",
	    (unsigned long long)packets, table_used, (unsigned long long)other,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return rc == -1 ? 1 : 0;
}
