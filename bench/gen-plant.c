/* SPDX-License-Identifier: BSD-3-Clause */
/* gen-plant.c - deterministic generator of a synthetic OT plant capture (classic pcap). */

/*
 * Output: libpcap classic format (magic 0xa1b2c3d4 written little-endian,
 * version 2.4, LINKTYPE_ETHERNET, microsecond timestamps starting at
 * 2024-01-01T00:00:00Z). No libpcap needed.
 *
 * Model: a plant of H hosts on six segments (two of them with several
 * 802.1Q-tagged VLANs). Every conversation is a session whose step function
 * writes the next exchange (a "script" of whole frames with relative delays)
 * into the session; a binary heap keyed by the time of each session's next
 * frame interleaves them, so frames leave in timestamp order. Long-lived
 * sessions (Modbus/TCP, S7comm, EtherNet/IP explicit and cyclic I/O, DNP3,
 * IEC 60870-5-104 and BACnet polling, ARP and LLDP chatter, periodic
 * discovery broadcasts) live for the whole capture; a spawner starts short
 * IT and engineering sessions (DNS, HTTP, TLS, SMB2, NTP, DHCP, short
 * Modbus/S7/ENIP connections) at a rate that keeps them near a fixed share
 * of the packets, so the flow count grows with the capture size.
 *
 * Protocol bytes follow the specifications: Modbus Application Protocol
 * v1.1b3 (MBAP), RFC 1006 + ISO 8073 COTP + S7comm, ODVA CIP vol. 2
 * encapsulation, IEEE 1815 (DNP3 link CRC-16/DNP), IEC 60870-5-104 APCI,
 * ASHRAE 135 Annex J (BACnet/IP), RFC 1035, RFC 9110, RFC 8446/5246,
 * MS-SMB2, RFC 2131, RFC 5905, IEEE 802.1AB.
 *
 * Same seed and arguments give the same bytes. Statistics go to stderr.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define START_EPOCH	1704067200u	/* 2024-01-01T00:00:00Z */
#define SNAPLEN		65535u
#define SCRIPT_BYTES	16384u
#define SCRIPT_PKTS	64u
#define OUT_CAP		(4u << 20)
#define SHORT_SHARE	0.40		/* target share of packets in short sessions */

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

#define MS(x)	((uint64_t)(x) * 1000u)
#define SEC(x)	((uint64_t)(x) * 1000000u)

/* ---------------------------------------------------------------- PRNG */

static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static uint32_t
rng_range(uint32_t lo, uint32_t hi)
{
	return lo + rng_below(hi - lo + 1);
}

/* True with probability pct/1000. */
static int
rng_permille(uint32_t pm)
{
	return rng_below(1000) < pm;
}

static void
rng_fill(uint8_t *p, size_t n)
{
	while (n > 0) {
		uint64_t v = rng_next();
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

/* --------------------------------------------------------------- output */

static FILE *out_fp;
static uint8_t *out_buf;
static size_t out_len;
static uint64_t st_packets, st_bytes, st_short_packets, st_flows;
static uint64_t last_ts;

static void
die(const char *msg)
{
	fprintf(stderr, "gen-plant: %s\n", msg);
	exit(1);
}

static void
out_flush(void)
{
	if (out_len > 0 && fwrite(out_buf, 1, out_len, out_fp) != out_len)
		die("write failed");
	out_len = 0;
}

static void
out_bytes(const void *p, size_t n)
{
	if (out_len + n > OUT_CAP)
		out_flush();
	memcpy(out_buf + out_len, p, n);
	out_len += n;
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
out_file_header(void)
{
	uint8_t h[24];

	le32(h, 0xa1b2c3d4u);
	h[4] = 2;
	h[5] = 0;
	h[6] = 4;
	h[7] = 0;
	le32(h + 8, 0);
	le32(h + 12, 0);
	le32(h + 16, SNAPLEN);
	le32(h + 20, 1);	/* LINKTYPE_ETHERNET */
	out_bytes(h, sizeof(h));
}

static void
out_packet(uint64_t t_us, const uint8_t *frame, size_t len)
{
	uint8_t h[16];

	le32(h, START_EPOCH + (uint32_t)(t_us / 1000000u));
	le32(h + 4, (uint32_t)(t_us % 1000000u));
	le32(h + 8, (uint32_t)len);
	le32(h + 12, (uint32_t)len);
	out_bytes(h, sizeof(h));
	out_bytes(frame, len);
	st_packets++;
	st_bytes += len;
	last_ts = t_us;
}

/* ------------------------------------------------- flow set (counting) */

struct fkey {
	uint64_t k1, k2;	/* k2 == 0: empty slot */
};

static struct fkey *fset;
static size_t fset_cap, fset_used;

static uint64_t
fkey_hash(const struct fkey *k)
{
	uint64_t h = k->k1 * 0x9e3779b97f4a7c15ULL ^ k->k2 * 0xc2b2ae3d27d4eb4fULL;

	return h ^ (h >> 29);
}

static int fset_put(const struct fkey *k);

static void
fset_grow(void)
{
	struct fkey *old = fset;
	size_t oldcap = fset_cap, i;

	fset_cap = oldcap ? oldcap * 2 : 4096;
	fset = calloc(fset_cap, sizeof(*fset));
	if (fset == NULL)
		die("out of memory");
	fset_used = 0;
	for (i = 0; i < oldcap; i++)
		if (old[i].k2 != 0)
			fset_put(&old[i]);
	free(old);
}

/* Insert; returns 1 if the key was new. */
static int
fset_put(const struct fkey *k)
{
	size_t i = (size_t)fkey_hash(k) & (fset_cap - 1);

	while (fset[i].k2 != 0) {
		if (fset[i].k1 == k->k1 && fset[i].k2 == k->k2)
			return 0;
		i = (i + 1) & (fset_cap - 1);
	}
	fset[i] = *k;
	fset_used++;
	return 1;
}

static void
fset_insert(const struct fkey *k)
{
	if ((fset_used + 1) * 2 > fset_cap)
		fset_grow();
	st_flows += (uint64_t)fset_put(k);
}

/* ------------------------------------------------------------- hosts */

enum role {
	ROLE_SCADA = 0,
	ROLE_EWS,
	ROLE_HIST,
	ROLE_BMS,
	ROLE_DNS_SRV,
	ROLE_DHCP_SRV,
	ROLE_FILE_SRV,
	ROLE_NTP_SRV,
	ROLE_MB_PLC,
	ROLE_S7_PLC,
	ROLE_ENIP_PLC,
	ROLE_ENIP_IO,
	ROLE_DNP3_RTU,
	ROLE_IEC104_RTU,
	ROLE_BACNET_DEV,
	ROLE_WS,
	ROLE_INET,
	ROLE_COUNT
};

enum kind {
	KIND_SUP = 0,		/* supervisory: SCADA, historian, EWS, NTP */
	KIND_CELL_A,		/* Modbus and S7 PLCs, untagged */
	KIND_CELL_B,		/* EtherNet/IP, tagged */
	KIND_SUBST,		/* DNP3 and IEC 104 RTUs, tagged */
	KIND_BLDG,		/* BACnet, tagged */
	KIND_OFFICE,		/* IT */
	KIND_INET,
	KIND_COUNT
};

static const struct {
	uint8_t o1, o2, o3;	/* first three octets of subnet 0 */
	uint16_t vlan;		/* 0: untagged; subnets add 1 to the VLAN id */
} kinds[KIND_COUNT] = {
	[KIND_SUP] = { 10, 10, 10, 0 },
	[KIND_CELL_A] = { 10, 10, 20, 0 },
	[KIND_CELL_B] = { 10, 10, 30, 30 },
	[KIND_SUBST] = { 10, 10, 40, 40 },
	[KIND_BLDG] = { 192, 168, 50, 50 },
	[KIND_OFFICE] = { 192, 168, 10, 0 },
	[KIND_INET] = { 0, 0, 0, 0 },
};

#define HOSTS_PER_SUBNET 240

struct host {
	uint32_t ip;
	uint8_t mac[6];
	uint8_t kind;
	uint8_t sub;
	uint8_t role;
	uint8_t ttl;
	uint16_t port_next;
	uint16_t addr;		/* Modbus unit, DNP3 address, 104 CA, BACnet instance */
	uint32_t serial;
	uint32_t idx;		/* index within its role */
};

static struct host *hosts;
static uint32_t nhosts;
static struct host *by_role[ROLE_COUNT];
static uint32_t nrole[ROLE_COUNT];
static uint32_t kind_count[KIND_COUNT];

static uint16_t
host_vlan(const struct host *h)
{
	return kinds[h->kind].vlan ? (uint16_t)(kinds[h->kind].vlan + h->sub) : 0;
}

static uint32_t
subnet_of(const struct host *h)
{
	return h->ip & 0xffffff00u;
}

static void
gw_mac(const struct host *h, uint8_t *mac)
{
	/* one router, one sub-interface per subnet */
	static const uint8_t oui[3] = { 0x00, 0x1e, 0xbd };

	memcpy(mac, oui, 3);
	mac[3] = 0x10;
	mac[4] = h->kind;
	mac[5] = h->sub;
}

static uint16_t
host_port(struct host *h)
{
	uint16_t p = h->port_next;

	h->port_next = p == 65535 ? 49152 : (uint16_t)(p + 1);
	return p;
}

static const uint8_t *
role_oui(enum role r, uint32_t idx)
{
	static const uint8_t schneider[3] = { 0x00, 0x80, 0xf4 };
	static const uint8_t wago[3] = { 0x00, 0x30, 0xde };
	static const uint8_t siemens[3] = { 0x00, 0x1b, 0x1b };
	static const uint8_t siemens2[3] = { 0x00, 0x0e, 0x8c };
	static const uint8_t rockwell[3] = { 0x00, 0x00, 0xbc };
	static const uint8_t sel[3] = { 0x00, 0x30, 0xa7 };
	static const uint8_t dell[3] = { 0x00, 0x14, 0x22 };
	static const uint8_t vmware[3] = { 0x00, 0x50, 0x56 };
	static const uint8_t local[3] = { 0x02, 0x42, 0xac };

	switch (r) {
	case ROLE_MB_PLC:
		return idx % 4 == 3 ? wago : schneider;
	case ROLE_S7_PLC:
		return idx % 3 == 2 ? siemens2 : siemens;
	case ROLE_IEC104_RTU:
		return siemens2;
	case ROLE_ENIP_PLC:
	case ROLE_ENIP_IO:
		return rockwell;
	case ROLE_DNP3_RTU:
		return sel;
	case ROLE_SCADA:
	case ROLE_EWS:
	case ROLE_WS:
		return idx % 5 == 4 ? local : dell;
	case ROLE_HIST:
	case ROLE_DNS_SRV:
	case ROLE_DHCP_SRV:
	case ROLE_FILE_SRV:
	case ROLE_NTP_SRV:
		return vmware;
	default:
		return local;
	}
}

static void
host_add(enum role r, enum kind k, uint32_t idx)
{
	struct host *h = &hosts[nhosts++];
	uint32_t n = kind_count[k]++;
	uint32_t v = nhosts * 2654435761u;

	h->kind = (uint8_t)k;
	h->sub = (uint8_t)(n / HOSTS_PER_SUBNET);
	if (h->sub >= 9)
		die("too many hosts for one segment (use fewer -H)");
	h->ip = (uint32_t)kinds[k].o1 << 24 | (uint32_t)kinds[k].o2 << 16 |
	    (uint32_t)(kinds[k].o3 + h->sub) << 8 | (10 + n % HOSTS_PER_SUBNET);
	memcpy(h->mac, role_oui(r, idx), 3);
	h->mac[3] = (uint8_t)(v >> 24);
	h->mac[4] = (uint8_t)(v >> 16);
	h->mac[5] = (uint8_t)nhosts;
	h->role = (uint8_t)r;
	h->idx = idx;
	switch (r) {
	case ROLE_WS:
	case ROLE_EWS:
	case ROLE_SCADA:
	case ROLE_HIST:
	case ROLE_FILE_SRV:
	case ROLE_DNS_SRV:
		h->ttl = 128;
		break;
	case ROLE_S7_PLC:
		h->ttl = 30;
		break;
	default:
		h->ttl = 64;
		break;
	}
	h->port_next = (uint16_t)rng_range(49152, 60000);
	h->addr = (uint16_t)(1 + idx % 247);
	h->serial = (uint32_t)rng_next();
}

static uint32_t
frac(uint32_t total, uint32_t pct, uint32_t min)
{
	uint32_t v = total * pct / 100;

	return v < min ? min : v;
}

static void
hosts_build(uint32_t total)
{
	uint32_t want[ROLE_COUNT] = { 0 };
	uint32_t used = 0, r, i;

	want[ROLE_SCADA] = frac(total, 2, 3);
	want[ROLE_EWS] = 2;
	want[ROLE_HIST] = 1;
	want[ROLE_BMS] = 1;
	want[ROLE_DNS_SRV] = 1;
	want[ROLE_DHCP_SRV] = 1;
	want[ROLE_FILE_SRV] = 1;
	want[ROLE_NTP_SRV] = 1;
	want[ROLE_MB_PLC] = frac(total, 20, 2);
	want[ROLE_S7_PLC] = frac(total, 10, 1);
	want[ROLE_ENIP_PLC] = frac(total, 6, 1);
	want[ROLE_ENIP_IO] = frac(total, 5, 1);
	want[ROLE_DNP3_RTU] = frac(total, 3, 1);
	want[ROLE_IEC104_RTU] = frac(total, 3, 1);
	want[ROLE_BACNET_DEV] = frac(total, 5, 1);
	for (r = 0; r < ROLE_WS; r++)
		used += want[r];
	if (used + 4 > total)
		die("too few hosts (-H must be at least 40)");
	want[ROLE_WS] = total - used;

	hosts = calloc(total, sizeof(*hosts));
	if (hosts == NULL)
		die("out of memory");
	for (r = 0; r < ROLE_INET; r++) {
		by_role[r] = &hosts[nhosts];
		nrole[r] = want[r];
		for (i = 0; i < want[r]; i++) {
			enum kind k;

			switch (r) {
			case ROLE_SCADA:
				k = i % 3 == 1 ? KIND_CELL_A :
				    i % 3 == 2 ? KIND_CELL_B : KIND_SUP;
				break;
			case ROLE_EWS:
				k = i == 1 ? KIND_CELL_B : KIND_SUP;
				break;
			case ROLE_HIST:
			case ROLE_NTP_SRV:
				k = KIND_SUP;
				break;
			case ROLE_MB_PLC:
			case ROLE_S7_PLC:
				k = KIND_CELL_A;
				break;
			case ROLE_ENIP_PLC:
			case ROLE_ENIP_IO:
				k = KIND_CELL_B;
				break;
			case ROLE_DNP3_RTU:
			case ROLE_IEC104_RTU:
				k = KIND_SUBST;
				break;
			case ROLE_BMS:
			case ROLE_BACNET_DEV:
				k = KIND_BLDG;
				break;
			default:
				k = KIND_OFFICE;
				break;
			}
			host_add((enum role)r, k, i);
		}
	}
}

/* A host on the internet, derived from a name (stable per name). */
static void
inet_host(struct host *h, const char *name)
{
	static const uint8_t nets[][2] = {
		{ 13, 107 }, { 20, 190 }, { 52, 96 }, { 104, 16 },
		{ 142, 250 }, { 151, 101 }, { 172, 217 }, { 185, 199 },
	};
	uint32_t v = 2166136261u;
	const char *p;

	for (p = name; *p != '\0'; p++)
		v = (v ^ (uint8_t)*p) * 16777619u;
	memset(h, 0, sizeof(*h));
	h->kind = KIND_INET;
	h->role = ROLE_INET;
	h->ttl = 56;
	h->ip = (uint32_t)nets[v % 8][0] << 24 | (uint32_t)nets[v % 8][1] << 16 |
	    ((v >> 8) & 0xffff);
	if ((h->ip & 0xff) == 0 || (h->ip & 0xff) == 255)
		h->ip ^= 0x11;
}

/* -------------------------------------------------------- conversations */

struct conv {
	uint32_t ip[2];		/* 0: initiator, 1: responder */
	uint16_t port[2];
	uint8_t mac[2][6];	/* address each side has on the observed segment */
	uint8_t ttl[2];
	uint16_t vlan;
	uint8_t proto;
	uint8_t counted;
	uint16_t ipid[2];
	uint32_t seq[2];
	uint16_t win[2];
};

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/*
 * The capture point sits on the responder's segment (or the initiator's,
 * when the responder is on the internet); a side on another subnet appears
 * behind the router's MAC with its TTL decremented.
 */
static void
conv_init(struct conv *c, const struct host *cli, const struct host *srv,
    uint8_t proto, uint16_t cport, uint16_t sport)
{
	const struct host *obs = srv->kind == KIND_INET ? cli : srv;
	const struct host *side[2] = { cli, srv };
	int i;

	memset(c, 0, sizeof(*c));
	c->vlan = host_vlan(obs);
	c->proto = proto;
	c->port[0] = cport;
	c->port[1] = sport;
	for (i = 0; i < 2; i++) {
		const struct host *h = side[i];

		c->ip[i] = h->ip;
		if (h->kind != KIND_INET && subnet_of(h) == subnet_of(obs)) {
			memcpy(c->mac[i], h->mac, 6);
			c->ttl[i] = h->ttl;
		} else {
			gw_mac(obs, c->mac[i]);
			c->ttl[i] = (uint8_t)(h->ttl - (h->kind == KIND_INET ? 0 : 1));
		}
		c->ipid[i] = (uint16_t)rng_next();
		c->seq[i] = (uint32_t)rng_next();
		c->win[i] = h->role == ROLE_WS || h->role == ROLE_INET ? 64240 :
		    h->ttl == 128 ? 65535 : 8192;
	}
}

/* A datagram from src to a broadcast address on its own subnet. */
static void
conv_init_bcast(struct conv *c, const struct host *src, uint32_t dst_ip,
    uint16_t sport, uint16_t dport)
{
	memset(c, 0, sizeof(*c));
	c->vlan = host_vlan(src);
	c->proto = 17;
	c->ip[0] = src->ip;
	c->ip[1] = dst_ip;
	c->port[0] = sport;
	c->port[1] = dport;
	memcpy(c->mac[0], src->mac, 6);
	memcpy(c->mac[1], bcast_mac, 6);
	c->ttl[0] = src->ttl;
	c->ttl[1] = 64;
	c->ipid[0] = (uint16_t)rng_next();
}

/* ---------------------------------------------------------- sessions */

struct pkt_ref {
	uint32_t off;
	uint32_t len;
	uint64_t delay;		/* us after the previous frame of the script */
	struct fkey key;	/* k2 != 0: first frame of a conversation */
};

struct sess {
	uint64_t t;		/* time of the next frame (or step) */
	uint32_t heap_idx;
	int (*step)(struct sess *s);
	uint64_t gap;		/* set by step: delay before its first frame */
	uint8_t is_short;
	uint32_t state;
	uint32_t interval;	/* polling period, us */
	uint32_t n;		/* exchanges done */
	uint32_t tid;		/* transaction id / invoke id / PDU ref */
	uint32_t ns, nr;	/* IEC 104 send/receive sequence */
	uint32_t aseq[2];	/* DNP3 application/transport sequences */
	uint32_t handle;	/* ENIP session handle, I/O connection id */
	uint32_t rtt;		/* one-way delay, us */
	struct host *cli, *srv;
	struct conv c;
	uint32_t npkts, pos, used;
	struct sess *next_free;
	struct pkt_ref pk[SCRIPT_PKTS];
	uint8_t buf[SCRIPT_BYTES];
};

static uint64_t g_now;		/* time of the step being run */

static uint8_t *
script_slot(struct sess *s, uint64_t delay, size_t len, struct conv *c)
{
	struct pkt_ref *r;

	if (s->npkts >= SCRIPT_PKTS || s->used + len > SCRIPT_BYTES)
		die("internal: session script overflow");
	r = &s->pk[s->npkts++];
	r->off = s->used;
	r->len = (uint32_t)len;
	r->delay = delay;
	r->key.k1 = r->key.k2 = 0;
	if (c != NULL && !c->counted) {
		int lo = (c->ip[0] < c->ip[1] ||
		    (c->ip[0] == c->ip[1] && c->port[0] <= c->port[1])) ? 0 : 1;

		c->counted = 1;
		r->key.k1 = (uint64_t)c->ip[lo] << 32 | c->ip[!lo];
		r->key.k2 = (uint64_t)c->vlan << 48 | (uint64_t)c->port[lo] << 32 |
		    (uint64_t)c->port[!lo] << 16 | c->proto;
	}
	s->used += (uint32_t)len;
	return s->buf + r->off;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n > 0)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t
eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t vlan,
    uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan != 0) {
		be16(f + 12, 0x8100);
		be16(f + 14, vlan & 0x0fff);
		be16(f + 16, type);
		return 18;
	}
	be16(f + 12, type);
	return 14;
}

/* One IPv4 frame carrying l4 (whose checksum this fills in). */
static void
ip_emit(struct sess *s, struct conv *c, int dir, uint64_t delay,
    uint8_t *l4, size_t l4len)
{
	size_t l2 = c->vlan ? 18 : 14;
	size_t len = l2 + 20 + l4len;
	size_t pad = len < 60 ? 60 - len : 0;
	uint8_t *f = script_slot(s, delay, len + pad, c);
	uint8_t *ip = f + l2;
	uint32_t sum;

	eth_header(f, c->mac[!dir], c->mac[dir], c->vlan, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	be16(ip + 2, (uint32_t)(20 + l4len));
	be16(ip + 4, c->ipid[dir]++);
	be16(ip + 6, c->proto == 6 ? 0x4000 : 0);
	ip[8] = c->ttl[dir];
	ip[9] = c->proto;
	be16(ip + 10, 0);
	be32(ip + 12, c->ip[dir]);
	be32(ip + 16, c->ip[!dir]);
	be16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	sum = csum_add(0, ip + 12, 8) + c->proto + (uint32_t)l4len;
	if (c->proto == 6) {
		be16(l4 + 16, 0);
		be16(l4 + 16, csum_fold(csum_add(sum, l4, l4len)));
	} else {
		uint16_t v;

		be16(l4 + 6, 0);
		v = csum_fold(csum_add(sum, l4, l4len));
		be16(l4 + 6, v == 0 ? 0xffff : v);
	}
	memcpy(ip + 20, l4, l4len);
	if (pad > 0)
		memset(ip + 20 + l4len, 0, pad);
}

static void
tcp_seg(struct sess *s, int dir, uint8_t flags, const uint8_t *pl,
    size_t plen, uint64_t delay)
{
	struct conv *c = &s->c;
	uint8_t l4[1600];
	size_t hl = (flags & TH_SYN) ? 24 : 20;

	if (plen > sizeof(l4) - hl)
		die("internal: TCP payload too large");
	be16(l4, c->port[dir]);
	be16(l4 + 2, c->port[!dir]);
	be32(l4 + 4, c->seq[dir]);
	be32(l4 + 8, (flags & TH_ACK) ? c->seq[!dir] : 0);
	l4[12] = (uint8_t)((hl / 4) << 4);
	l4[13] = flags;
	be16(l4 + 14, c->win[dir]);
	be16(l4 + 16, 0);
	be16(l4 + 18, 0);
	if (hl == 24) {
		l4[20] = 2;	/* MSS 1460 */
		l4[21] = 4;
		be16(l4 + 22, 1460);
	}
	if (plen > 0)
		memcpy(l4 + hl, pl, plen);
	ip_emit(s, c, dir, delay, l4, hl + plen);
	c->seq[dir] += (uint32_t)plen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
}

static void
udp_dgram(struct sess *s, struct conv *c, int dir, const uint8_t *pl,
    size_t plen, uint64_t delay)
{
	uint8_t l4[1600];

	if (plen > sizeof(l4) - 8)
		die("internal: UDP payload too large");
	be16(l4, c->port[dir]);
	be16(l4 + 2, c->port[!dir]);
	be16(l4 + 4, (uint32_t)(8 + plen));
	be16(l4 + 6, 0);
	memcpy(l4 + 8, pl, plen);
	ip_emit(s, c, dir, delay, l4, 8 + plen);
}

static uint32_t
jitter(uint32_t us)
{
	return us / 2 + rng_below(us + 1);
}

static void
tcp_open(struct sess *s)
{
	tcp_seg(s, 0, TH_SYN, NULL, 0, 0);
	tcp_seg(s, 1, TH_SYN | TH_ACK, NULL, 0, jitter(s->rtt));
	tcp_seg(s, 0, TH_ACK, NULL, 0, jitter(s->rtt));
}

/* Orderly close started by side dir; one in twenty is a reset instead. */
static void
tcp_close(struct sess *s, int dir, uint64_t delay)
{
	if (rng_permille(50)) {
		tcp_seg(s, dir, TH_RST | TH_ACK, NULL, 0, delay);
		return;
	}
	tcp_seg(s, dir, TH_FIN | TH_ACK, NULL, 0, delay);
	tcp_seg(s, !dir, TH_FIN | TH_ACK, NULL, 0, jitter(s->rtt) + 50);
	tcp_seg(s, dir, TH_ACK, NULL, 0, jitter(s->rtt));
}

/* Request from the client, response from the server (which acks it). */
static void
tcp_xchg(struct sess *s, const uint8_t *req, size_t reqlen,
    const uint8_t *rsp, size_t rsplen, uint64_t delay, uint32_t proc)
{
	tcp_seg(s, 0, TH_PSH | TH_ACK, req, reqlen, delay);
	if (rsplen > 0)
		tcp_seg(s, 1, TH_PSH | TH_ACK, rsp, rsplen,
		    jitter(s->rtt) + jitter(proc));
	else
		tcp_seg(s, 1, TH_ACK, NULL, 0, jitter(s->rtt) + 40);
}

/* ------------------------------------------------------- byte writer */

struct wb {
	uint8_t *p;
	size_t n, cap;
};

static void
wb_check(struct wb *w, size_t k)
{
	if (w->cap - w->n < k)
		die("internal: payload buffer overflow");
}

static void
w8(struct wb *w, uint32_t v)
{
	wb_check(w, 1);
	w->p[w->n++] = (uint8_t)v;
}

static void
w16(struct wb *w, uint32_t v)
{
	w8(w, v >> 8);
	w8(w, v);
}

static void
w16le(struct wb *w, uint32_t v)
{
	w8(w, v);
	w8(w, v >> 8);
}

static void
w24le(struct wb *w, uint32_t v)
{
	w8(w, v);
	w8(w, v >> 8);
	w8(w, v >> 16);
}

static void
w32(struct wb *w, uint32_t v)
{
	w16(w, v >> 16);
	w16(w, v);
}

static void
w32le(struct wb *w, uint32_t v)
{
	w16le(w, v);
	w16le(w, v >> 16);
}

static void
wmem(struct wb *w, const void *p, size_t k)
{
	if (k == 0)
		return;
	wb_check(w, k);
	memcpy(w->p + w->n, p, k);
	w->n += k;
}

static void
wstr(struct wb *w, const char *str)
{
	wmem(w, str, strlen(str));
}

static void
wzero(struct wb *w, size_t k)
{
	wb_check(w, k);
	memset(w->p + w->n, 0, k);
	w->n += k;
}

static void
wrand(struct wb *w, size_t k)
{
	wb_check(w, k);
	rng_fill(w->p + w->n, k);
	w->n += k;
}

static void
wpatch16(struct wb *w, size_t at, uint32_t v)
{
	be16(w->p + at, v);
}

#define WB(name, arr) struct wb name = { (arr), 0, sizeof(arr) }

static uint32_t
f32bits(float f)
{
	uint32_t v;

	memcpy(&v, &f, sizeof(v));
	return v;
}

/* ------------------------------------------------------- the heap */

static struct sess **heap;
static uint32_t heap_len, heap_cap;
static struct sess *free_list;
static uint64_t nsessions;

static int
sess_before(const struct sess *a, const struct sess *b)
{
	return a->t < b->t;
}

static void
heap_set(uint32_t i, struct sess *s)
{
	heap[i] = s;
	s->heap_idx = i;
}

static void
heap_up(uint32_t i)
{
	struct sess *s = heap[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!sess_before(s, heap[p]))
			break;
		heap_set(i, heap[p]);
		i = p;
	}
	heap_set(i, s);
}

static void
heap_down(uint32_t i)
{
	struct sess *s = heap[i];

	for (;;) {
		uint32_t l = 2 * i + 1, m;

		if (l >= heap_len)
			break;
		m = l;
		if (l + 1 < heap_len && sess_before(heap[l + 1], heap[l]))
			m = l + 1;
		if (!sess_before(heap[m], s))
			break;
		heap_set(i, heap[m]);
		i = m;
	}
	heap_set(i, s);
}

static void
heap_push(struct sess *s)
{
	if (heap_len == heap_cap) {
		heap_cap = heap_cap ? heap_cap * 2 : 1024;
		heap = realloc(heap, heap_cap * sizeof(*heap));
		if (heap == NULL)
			die("out of memory");
	}
	heap_set(heap_len, s);
	heap_up(heap_len++);
}

static void
heap_pop_top(void)
{
	heap_len--;
	if (heap_len > 0) {
		heap_set(0, heap[heap_len]);
		heap_down(0);
	}
}

static struct sess *
sess_alloc(void)
{
	struct sess *s = free_list;

	if (s != NULL)
		free_list = s->next_free;
	else if ((s = malloc(sizeof(*s))) == NULL)
		die("out of memory");
	memset(s, 0, offsetof(struct sess, pk));
	return s;
}

static void
sess_free(struct sess *s)
{
	s->next_free = free_list;
	free_list = s;
}

/*
 * Start a session at time t: run its first step now so its first frame
 * time is known, then queue it. The step sees g_now == t.
 */
static void
sess_start(uint64_t t, int (*step)(struct sess *), struct host *cli,
    struct host *srv, uint32_t interval, int is_short)
{
	struct sess *s = sess_alloc();
	uint64_t saved = g_now;

	s->t = t;
	s->step = step;
	s->cli = cli;
	s->srv = srv;
	s->interval = interval;
	s->is_short = (uint8_t)is_short;
	s->rtt = (cli != NULL && srv != NULL &&
	    (cli->kind == KIND_INET || srv->kind == KIND_INET)) ?
	    rng_range(8000, 40000) : rng_range(80, 400);
	g_now = t;
	if (!step(s)) {
		g_now = saved;
		sess_free(s);
		return;
	}
	g_now = saved;
	s->t += s->gap + (s->npkts ? s->pk[0].delay : 0);
	nsessions++;
	heap_push(s);
}

static struct host *
pick(enum role r)
{
	if (nrole[r] == 0)
		return NULL;
	return &by_role[r][rng_below(nrole[r])];
}

/* ------------------------------------------------------- Modbus/TCP */

static size_t
mbap(uint8_t *p, struct sess *s, uint8_t unit, const uint8_t *pdu, size_t n)
{
	be16(p, s->tid & 0xffff);
	be16(p + 2, 0);
	be16(p + 4, (uint32_t)(n + 1));
	p[6] = unit;
	memcpy(p + 7, pdu, n);
	return 7 + n;
}

/* One Modbus transaction: read (FC3/FC4), sometimes a write (FC6/FC16). */
static void
modbus_xact(struct sess *s, uint64_t delay)
{
	uint8_t q[260], r[260], pq[260], pr[260];
	uint8_t unit = (uint8_t)s->srv->addr;
	uint32_t sel = rng_below(1000), i, qty, addr;
	size_t nq = 0, nr = 0;

	s->tid++;
	if (sel < 15) {
		/* FC6 write single register */
		addr = 100 + rng_below(20);
		q[0] = 6;
		be16(q + 1, addr);
		be16(q + 3, rng_below(1000));
		nq = 5;
		memcpy(r, q, 5);
		nr = 5;
	} else if (sel < 25) {
		/* FC16 write multiple registers */
		qty = rng_range(2, 8);
		addr = 200 + rng_below(20);
		q[0] = 16;
		be16(q + 1, addr);
		be16(q + 3, qty);
		q[5] = (uint8_t)(qty * 2);
		for (i = 0; i < qty; i++)
			be16(q + 6 + 2 * i, rng_below(65536));
		nq = 6 + 2 * qty;
		r[0] = 16;
		be16(r + 1, addr);
		be16(r + 3, qty);
		nr = 5;
	} else {
		uint8_t fc = sel < 600 ? 3 : 4;

		qty = (s->srv->idx % 3 == 0) ? 10 : (sel % 4 == 0 ? 2 : 16);
		addr = fc == 3 ? 40 * (sel % 3) : 10 * (sel % 2);
		q[0] = fc;
		be16(q + 1, addr);
		be16(q + 3, qty);
		nq = 5;
		if (sel > 995) {
			/* illegal data address */
			r[0] = (uint8_t)(fc | 0x80);
			r[1] = 2;
			nr = 2;
		} else {
			r[0] = fc;
			r[1] = (uint8_t)(qty * 2);
			for (i = 0; i < qty; i++)
				be16(r + 2 + 2 * i,
				    (uint32_t)(1000 + 37 * i + (s->n % 50) + rng_below(4)));
			nr = 2 + 2 * qty;
		}
	}
	nq = mbap(pq, s, unit, q, nq);
	nr = mbap(pr, s, unit, r, nr);
	tcp_xchg(s, pq, nq, pr, nr, delay, 2000);
}

static int
step_modbus(struct sess *s)
{
	uint32_t k, nreq;

	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 502);
		tcp_open(s);
		s->state = 1;
		s->gap = 0;
		return 1;
	}
	nreq = rng_range(1, 2);
	for (k = 0; k < nreq; k++)
		modbus_xact(s, k == 0 ? 0 : 100);
	tcp_seg(s, 0, TH_ACK, NULL, 0, 150);
	s->n++;
	s->gap = jitter(s->interval);
	return 1;
}

/* Historian: connect, a few reads, close. */
static int
step_modbus_short(struct sess *s)
{
	uint32_t k, nreq = rng_range(2, 5);

	if (s->state++ > 0)
		return 0;
	conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 502);
	tcp_open(s);
	for (k = 0; k < nreq; k++)
		modbus_xact(s, k == 0 ? 200 : 300);
	tcp_close(s, 0, 500);
	s->gap = 0;
	return 1;
}

/* ------------------------------------------------------- S7comm */

static size_t
tpkt_cotp_dt(uint8_t *p, const uint8_t *s7, size_t n)
{
	p[0] = 3;
	p[1] = 0;
	be16(p + 2, (uint32_t)(7 + n));
	p[4] = 2;	/* COTP LI */
	p[5] = 0xf0;	/* DT */
	p[6] = 0x80;	/* EOT, TPDU nr 0 */
	memcpy(p + 7, s7, n);
	return 7 + n;
}

static size_t
cotp_conn(uint8_t *p, int confirm, uint16_t dref, uint16_t sref, uint8_t slot)
{
	static const uint8_t params_tail[] = { 0xc0, 0x01, 0x0a };
	size_t n = 0;

	p[n++] = 3;
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 22;
	p[n++] = 17;
	p[n++] = confirm ? 0xd0 : 0xe0;
	be16(p + n, dref);
	n += 2;
	be16(p + n, sref);
	n += 2;
	p[n++] = 0;	/* class 0 */
	p[n++] = 0xc1;	/* calling TSAP */
	p[n++] = 2;
	p[n++] = 1;
	p[n++] = 0;
	p[n++] = 0xc2;	/* called TSAP: rack 0, slot */
	p[n++] = 2;
	p[n++] = 1;
	p[n++] = slot;
	memcpy(p + n, params_tail, sizeof(params_tail));
	return n + sizeof(params_tail);
}

static void
s7_header(struct wb *w, uint8_t rosctr, uint32_t ref, size_t plen, size_t dlen)
{
	w8(w, 0x32);
	w8(w, rosctr);
	w16(w, 0);
	w16(w, ref & 0xffff);
	w16(w, (uint32_t)plen);
	w16(w, (uint32_t)dlen);
	if (rosctr == 2 || rosctr == 3)
		w16(w, 0);	/* error class, code */
}

static void
s7_send(struct sess *s, const uint8_t *req, size_t rn, const uint8_t *rsp,
    size_t sn, uint64_t delay)
{
	uint8_t a[600], b[600];
	size_t an = tpkt_cotp_dt(a, req, rn);
	size_t bn = tpkt_cotp_dt(b, rsp, sn);

	tcp_xchg(s, a, an, b, bn, delay, 3000);
}

static void
s7_setup(struct sess *s)
{
	uint8_t q[64], r[64];
	WB(wq, q);
	WB(wr, r);
	static const uint8_t par[] = { 0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0 };
	uint8_t a[64], b[64];
	uint16_t sref = (uint16_t)rng_range(1, 0x7fff);

	tcp_xchg(s, a, cotp_conn(a, 0, 0, sref, (uint8_t)(s->srv->idx % 2 ? 1 : 2)),
	    b, cotp_conn(b, 1, sref, (uint16_t)rng_range(1, 0x7fff),
	    (uint8_t)(s->srv->idx % 2 ? 1 : 2)), 300, 2000);
	s7_header(&wq, 1, ++s->tid, sizeof(par), 0);
	wmem(&wq, par, sizeof(par));
	s7_header(&wr, 3, s->tid, sizeof(par), 0);
	wmem(&wr, par, sizeof(par));
	s7_send(s, q, wq.n, r, wr.n, 200);
}

/* Read Var job with 1-3 DB items, ack_data with their values. */
static void
s7_read(struct sess *s, uint64_t delay)
{
	uint8_t q[256], r[512];
	WB(wq, q);
	WB(wr, r);
	uint32_t nitems = rng_range(1, 3), i, len[3], db[3], off[3];
	size_t dlen = 0;

	for (i = 0; i < nitems; i++) {
		len[i] = (uint32_t[]){ 2, 4, 8, 16, 33 }[rng_below(5)];
		db[i] = 1 + (s->srv->idx + i) % 10;
		off[i] = 4 * rng_below(50);
		dlen += 4 + len[i] + ((len[i] & 1) && i + 1 < nitems ? 1 : 0);
	}
	s7_header(&wq, 1, ++s->tid, 2 + 12 * nitems, 0);
	w8(&wq, 4);
	w8(&wq, nitems);
	for (i = 0; i < nitems; i++) {
		w8(&wq, 0x12);
		w8(&wq, 0x0a);
		w8(&wq, 0x10);
		w8(&wq, 0x02);	/* BYTE */
		w16(&wq, len[i]);
		w16(&wq, db[i]);
		w8(&wq, 0x84);	/* DB area */
		w8(&wq, (off[i] * 8) >> 16);
		w16(&wq, (off[i] * 8) & 0xffff);
	}
	s7_header(&wr, 3, s->tid, 2, dlen);
	w8(&wr, 4);
	w8(&wr, nitems);
	for (i = 0; i < nitems; i++) {
		w8(&wr, 0xff);
		w8(&wr, 0x04);
		w16(&wr, len[i] * 8);
		wrand(&wr, len[i]);
		if ((len[i] & 1) && i + 1 < nitems)
			w8(&wr, 0);
	}
	s7_send(s, q, wq.n, r, wr.n, delay);
}

/* Write Var job (one DB item). */
static void
s7_write(struct sess *s, uint64_t delay)
{
	uint8_t q[128], r[64];
	WB(wq, q);
	WB(wr, r);
	uint32_t len = 4;

	s7_header(&wq, 1, ++s->tid, 14, 4 + len);
	w8(&wq, 5);
	w8(&wq, 1);
	w8(&wq, 0x12);
	w8(&wq, 0x0a);
	w8(&wq, 0x10);
	w8(&wq, 0x02);
	w16(&wq, len);
	w16(&wq, 5);
	w8(&wq, 0x84);
	w8(&wq, 0);
	w16(&wq, 8 * 16);
	w8(&wq, 0);
	w8(&wq, 0x04);
	w16(&wq, len * 8);
	wrand(&wq, len);
	s7_header(&wr, 3, s->tid, 2, 1);
	w8(&wr, 5);
	w8(&wr, 1);
	w8(&wr, 0xff);
	s7_send(s, q, wq.n, r, wr.n, delay);
}

static void
pad_str(struct wb *w, const char *str, size_t n)
{
	size_t k = strlen(str);

	if (k > n)
		k = n;
	wmem(w, str, k);
	while (k++ < n)
		w8(w, ' ');
}

/* Userdata: read SZL 0x0011 (module identification). */
static void
s7_szl(struct sess *s, uint64_t delay)
{
	static const uint8_t qpar[] = { 0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00 };
	static const uint8_t rpar[] = { 0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01,
	    0x00, 0x00, 0x00, 0x00 };
	static const char *const mlfb[] = { "6ES7 315-2EH14-0AB0", "6ES7 516-3AN01-0AB0",
	    "6ES7 214-1AG40-0XB0" };
	uint8_t q[64], r[256];
	WB(wq, q);
	WB(wr, r);
	const char *m = mlfb[s->srv->idx % 3];
	uint32_t major = 2 + s->srv->idx % 3, i;
	static const uint16_t index[3] = { 1, 6, 7 };

	s7_header(&wq, 7, ++s->tid, sizeof(qpar), 8);
	wmem(&wq, qpar, sizeof(qpar));
	w8(&wq, 0xff);
	w8(&wq, 0x09);
	w16(&wq, 4);
	w16(&wq, 0x0011);
	w16(&wq, 0x0000);

	s7_header(&wr, 7, s->tid, sizeof(rpar), 4 + 8 + 3 * 28);
	wmem(&wr, rpar, sizeof(rpar));
	w8(&wr, 0xff);
	w8(&wr, 0x09);
	w16(&wr, 8 + 3 * 28);
	w16(&wr, 0x0011);
	w16(&wr, 0x0000);
	w16(&wr, 28);
	w16(&wr, 3);
	for (i = 0; i < 3; i++) {
		w16(&wr, index[i]);
		pad_str(&wr, i == 2 ? "" : m, 20);
		w16(&wr, i == 2 ? 0 : 0xc0);
		w16(&wr, i == 0 ? 0 : 0x5600 | major);
		w16(&wr, i == 0 ? 1 : (uint32_t)(i == 1 ? 0x0100 : 0x0203));
	}
	s7_send(s, q, wq.n, r, wr.n, delay);
}

static int
step_s7(struct sess *s)
{
	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 102);
		tcp_open(s);
		s7_setup(s);
		s->state = 1;
		s->gap = 0;
		return 1;
	}
	s7_read(s, 0);
	if (rng_permille(300))
		s7_read(s, 200);
	tcp_seg(s, 0, TH_ACK, NULL, 0, 120);
	s->n++;
	s->gap = jitter(s->interval);
	return 1;
}

/* Engineering access: identify, read, sometimes write, close. */
static int
step_s7_short(struct sess *s)
{
	if (s->state++ > 0)
		return 0;
	conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 102);
	tcp_open(s);
	s7_setup(s);
	s7_szl(s, 5000);
	s7_read(s, 20000);
	s7_read(s, 20000);
	if (rng_permille(200))
		s7_write(s, 40000);
	tcp_close(s, 0, 30000);
	s->gap = 0;
	return 1;
}

/* ------------------------------------------------------- EtherNet/IP */

static void
enip_header(struct wb *w, uint16_t cmd, size_t len, uint32_t handle,
    uint64_t ctx)
{
	w16le(w, cmd);
	w16le(w, (uint32_t)len);
	w32le(w, handle);
	w32le(w, 0);
	w32le(w, (uint32_t)ctx);
	w32le(w, (uint32_t)(ctx >> 32));
	w32le(w, 0);
}

static const char *
enip_product(const struct host *h, uint16_t *devtype, uint16_t *code)
{
	if (h->role == ROLE_ENIP_IO) {
		*devtype = 0x0c;
		*code = h->idx % 2 ? 0x00a6 : 0x0037;
		return h->idx % 2 ? "1734-AENT/B Ethernet Adapter" : "1756-EN2T/D";
	}
	*devtype = 0x0e;
	*code = h->idx % 2 ? 0x006c : 0x00a6;
	return h->idx % 2 ? "1756-L83E/B" : "1769-L33ER/A LOGIX5333ER";
}

/* CIP Identity attributes 1-7 as Get_Attribute_All returns them. */
static void
cip_identity(struct wb *w, const struct host *h)
{
	uint16_t devtype, code;
	const char *name = enip_product(h, &devtype, &code);

	w16le(w, 1);		/* Rockwell Automation/Allen-Bradley */
	w16le(w, devtype);
	w16le(w, code);
	w8(w, h->role == ROLE_ENIP_IO ? 11 : 33);
	w8(w, (uint32_t)(h->idx % 20 + 1));
	w16le(w, 0x0060);	/* status: configured, run */
	w32le(w, h->serial);
	w8(w, (uint32_t)strlen(name));
	wstr(w, name);
}

static void
enip_register(struct sess *s)
{
	uint8_t q[64], r[64];
	WB(wq, q);
	WB(wr, r);
	uint64_t ctx = rng_next();

	s->handle = (uint32_t)rng_next() | 1;
	enip_header(&wq, 0x65, 4, 0, ctx);
	w16le(&wq, 1);
	w16le(&wq, 0);
	enip_header(&wr, 0x65, 4, s->handle, ctx);
	w16le(&wr, 1);
	w16le(&wr, 0);
	tcp_xchg(s, q, wq.n, r, wr.n, 300, 1500);
}

/* SendRRData with an unconnected CIP request to the Identity object. */
static void
enip_cip(struct sess *s, int all, uint64_t delay)
{
	uint8_t cq[32], cr[128], q[256], r[256];
	WB(wcq, cq);
	WB(wcr, cr);
	WB(wq, q);
	WB(wr, r);
	uint64_t ctx = rng_next();

	if (all) {
		w8(&wcq, 0x01);
		w8(&wcq, 2);
		wmem(&wcq, "\x20\x01\x24\x01", 4);
		w8(&wcr, 0x81);
		w8(&wcr, 0);
		w8(&wcr, 0);
		w8(&wcr, 0);
		cip_identity(&wcr, s->srv);
	} else {
		w8(&wcq, 0x0e);
		w8(&wcq, 3);
		wmem(&wcq, "\x20\x01\x24\x01\x30\x05", 6);
		w8(&wcr, 0x8e);
		w8(&wcr, 0);
		w8(&wcr, 0);
		w8(&wcr, 0);
		w16le(&wcr, 0x0060);
	}
	enip_header(&wq, 0x6f, 16 + wcq.n, s->handle, ctx);
	w32le(&wq, 0);
	w16le(&wq, 10);
	w16le(&wq, 2);
	w16le(&wq, 0x0000);
	w16le(&wq, 0);
	w16le(&wq, 0x00b2);
	w16le(&wq, (uint32_t)wcq.n);
	wmem(&wq, cq, wcq.n);
	enip_header(&wr, 0x6f, 16 + wcr.n, s->handle, ctx);
	w32le(&wr, 0);
	w16le(&wr, 0);
	w16le(&wr, 2);
	w16le(&wr, 0x0000);
	w16le(&wr, 0);
	w16le(&wr, 0x00b2);
	w16le(&wr, (uint32_t)wcr.n);
	wmem(&wr, cr, wcr.n);
	tcp_xchg(s, q, wq.n, r, wr.n, delay, 2000);
}

static int
step_enip(struct sess *s)
{
	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 44818);
		tcp_open(s);
		enip_register(s);
		enip_cip(s, 1, 500);
		tcp_seg(s, 0, TH_ACK, NULL, 0, 150);
		s->state = 1;
		s->gap = 0;
		return 1;
	}
	enip_cip(s, s->n % 10 == 9, 0);
	tcp_seg(s, 0, TH_ACK, NULL, 0, 150);
	s->n++;
	s->gap = jitter(s->interval);
	return 1;
}

static int
step_enip_short(struct sess *s)
{
	uint8_t q[64];
	WB(wq, q);

	if (s->state++ > 0)
		return 0;
	conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 44818);
	tcp_open(s);
	enip_register(s);
	enip_cip(s, 1, 2000);
	enip_cip(s, 0, 2000);
	enip_header(&wq, 0x66, 0, s->handle, 0);
	tcp_seg(s, 0, TH_PSH | TH_ACK, q, wq.n, 1000);
	tcp_close(s, 0, 200);
	s->gap = 0;
	return 1;
}

/* Class 1 cyclic I/O: scanner (cli) and adapter (srv) both on UDP 2222. */
static int
step_enip_io(struct sess *s)
{
	uint8_t p[128];
	int dir;

	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 17, 2222, 2222);
		s->handle = (uint32_t)rng_next();
		s->state = 1;
	}
	for (dir = 0; dir < 2; dir++) {
		WB(w, p);
		uint32_t dlen = dir == 0 ? 4 : 12;

		w16le(&w, 2);
		w16le(&w, 0x8002);	/* sequenced address item */
		w16le(&w, 8);
		w32le(&w, s->handle + (uint32_t)dir);
		w32le(&w, s->n + 1);
		w16le(&w, 0x00b1);	/* connected data item */
		w16le(&w, 2 + dlen + (dir == 0 ? 4 : 0));
		w16le(&w, (s->n + 1) & 0xffff);
		if (dir == 0)
			w32le(&w, 1);	/* run/idle header: run */
		wrand(&w, dlen);
		udp_dgram(s, &s->c, dir, p, w.n, dir == 0 ? 0 : s->interval / 3);
	}
	s->n++;
	s->gap = s->interval - s->interval / 3 + rng_below(200);
	return 1;
}

/* ListIdentity broadcast from the cell engineering station, replies from all. */
static int
step_listident(struct sess *s)
{
	uint8_t q[32], r[128];
	struct conv cq, cr;
	struct host *ews = s->cli;
	uint16_t port = host_port(ews);
	uint64_t ctx = rng_next();
	uint32_t i;
	WB(wq, q);

	conv_init_bcast(&cq, ews, 0xffffffffu, port, 44818);
	enip_header(&wq, 0x63, 0, 0, ctx);
	udp_dgram(s, &cq, 0, q, wq.n, 0);
	for (i = 0; i < nhosts && s->npkts + 1 < SCRIPT_PKTS; i++) {
		struct host *h = &hosts[i];
		uint16_t devtype, code;
		const char *name;
		WB(wr, r);

		if ((h->role != ROLE_ENIP_PLC && h->role != ROLE_ENIP_IO) ||
		    subnet_of(h) != subnet_of(ews))
			continue;
		name = enip_product(h, &devtype, &code);
		conv_init(&cr, ews, h, 17, port, 44818);
		enip_header(&wr, 0x63, 2 + 4 + 34 + strlen(name), 0, ctx);
		w16le(&wr, 1);
		w16le(&wr, 0x0c);
		w16le(&wr, (uint32_t)(34 + strlen(name)));
		w16le(&wr, 1);
		w16(&wr, 2);
		w16(&wr, 44818);
		w32(&wr, h->ip);
		wzero(&wr, 8);
		cip_identity(&wr, h);
		w8(&wr, 3);
		udp_dgram(s, &cr, 1, r, wr.n, rng_range(200, 3000));
	}
	s->gap = s->state++ == 0 ? SEC(2) : jitter(s->interval);
	return 1;
}

/* ------------------------------------------------------- DNP3 */

static uint16_t crc_dnp_tab[256];

static void
crc_dnp_init(void)
{
	uint32_t i, b;

	for (i = 0; i < 256; i++) {
		uint16_t c = (uint16_t)i;

		for (b = 0; b < 8; b++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xa6bc) : (uint16_t)(c >> 1);
		crc_dnp_tab[i] = c;
	}
}

static uint16_t
crc_dnp(const uint8_t *p, size_t n)
{
	uint16_t c = 0;

	while (n-- > 0)
		c = (uint16_t)((c >> 8) ^ crc_dnp_tab[(c ^ *p++) & 0xff]);
	return (uint16_t)~c;
}

/* Link frame around user data (transport header + application fragment). */
static size_t
dnp3_frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src,
    const uint8_t *ud, size_t n)
{
	size_t o = 0, k;
	uint16_t c;

	out[o++] = 0x05;
	out[o++] = 0x64;
	out[o++] = (uint8_t)(5 + n);
	out[o++] = ctrl;
	out[o++] = (uint8_t)dst;
	out[o++] = (uint8_t)(dst >> 8);
	out[o++] = (uint8_t)src;
	out[o++] = (uint8_t)(src >> 8);
	c = crc_dnp(out, 8);
	out[o++] = (uint8_t)c;
	out[o++] = (uint8_t)(c >> 8);
	while (n > 0) {
		k = n < 16 ? n : 16;
		memcpy(out + o, ud, k);
		c = crc_dnp(ud, k);
		o += k;
		out[o++] = (uint8_t)c;
		out[o++] = (uint8_t)(c >> 8);
		ud += k;
		n -= k;
	}
	return o;
}

/* dir 0: master -> outstation. app: application fragment. */
static void
dnp3_send(struct sess *s, int dir, const uint8_t *app, size_t n, uint64_t delay)
{
	uint8_t ud[256], fr[320];
	size_t fn;
	uint16_t master = 1, outst = (uint16_t)(10 + s->srv->idx);

	ud[0] = (uint8_t)(0xc0 | (s->aseq[1]++ & 0x3f));
	memcpy(ud + 1, app, n);
	fn = dir == 0 ? dnp3_frame(fr, 0xc4, outst, master, ud, n + 1) :
	    dnp3_frame(fr, 0x44, master, outst, ud, n + 1);
	tcp_seg(s, dir, TH_PSH | TH_ACK, fr, fn, delay);
}

static void
dnp3_poll(struct sess *s, int integrity)
{
	uint8_t q[32], r[240];
	WB(wq, q);
	WB(wr, r);
	uint8_t seq = (uint8_t)(s->aseq[0]++ & 0x0f);
	uint32_t i, nev = 0;

	w8(&wq, 0xc0 | seq);
	w8(&wq, 0x01);		/* READ */
	wmem(&wq, "\x3c\x02\x06\x3c\x03\x06\x3c\x04\x06", 9);
	if (integrity)
		wmem(&wq, "\x3c\x01\x06", 3);

	if (!integrity && rng_permille(400))
		nev = rng_range(1, 4);
	w8(&wr, (nev ? 0xe0 : 0xc0) | seq);
	w8(&wr, 0x81);		/* RESPONSE */
	w8(&wr, s->n == 0 ? 0x80 : 0x00);	/* IIN1: restart on first */
	w8(&wr, 0x00);
	if (integrity) {
		wmem(&wr, "\x01\x02\x00\x00\x0f", 5);	/* g1v2, 0..15 */
		for (i = 0; i < 16; i++)
			w8(&wr, 0x01 | (rng_permille(300) ? 0x80 : 0));
		wmem(&wr, "\x1e\x01\x00\x00\x07", 5);	/* g30v1, 0..7 */
		for (i = 0; i < 8; i++) {
			w8(&wr, 0x01);
			w32le(&wr, 500 + 100 * i + rng_below(20));
		}
	} else if (nev) {
		wmem(&wr, "\x20\x01\x17", 3);	/* g32v1, 1-byte count+index */
		w8(&wr, nev);
		for (i = 0; i < nev; i++) {
			w8(&wr, rng_below(8));
			w8(&wr, 0x01);
			w32le(&wr, 500 + rng_below(1000));
		}
	}
	dnp3_send(s, 0, q, wq.n, 0);
	dnp3_send(s, 1, r, wr.n, jitter(s->rtt) + jitter(15000));
	if (nev) {
		uint8_t cf[2] = { (uint8_t)(0xc0 | seq), 0x00 };	/* CONFIRM */

		dnp3_send(s, 0, cf, 2, 3000);
		tcp_seg(s, 1, TH_ACK, NULL, 0, jitter(s->rtt) + 200);
	} else {
		tcp_seg(s, 0, TH_ACK, NULL, 0, 200);
	}
}

static int
step_dnp3(struct sess *s)
{
	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 20000);
		tcp_open(s);
		dnp3_poll(s, 1);
		s->n++;
		s->state = 1;
		s->gap = 0;
		return 1;
	}
	dnp3_poll(s, s->n % 20 == 0);
	s->n++;
	s->gap = jitter(s->interval);
	return 1;
}

/* ------------------------------------------------------- IEC 60870-5-104 */

static void
iec104_u(struct sess *s, int dir, uint8_t code, uint64_t delay)
{
	uint8_t p[6] = { 0x68, 0x04, code, 0, 0, 0 };

	tcp_seg(s, dir, TH_PSH | TH_ACK, p, 6, delay);
}

static void
iec104_s(struct sess *s, int dir, uint64_t delay)
{
	uint8_t p[6] = { 0x68, 0x04, 0x01, 0x00, 0, 0 };
	uint32_t nr = dir == 0 ? s->nr : s->ns;

	p[4] = (uint8_t)(nr << 1);
	p[5] = (uint8_t)(nr >> 7);
	tcp_seg(s, dir, TH_PSH | TH_ACK, p, 6, delay);
}

/* I-frame; dir 1 (outstation) uses ns/nr, dir 0 (master) nr/ns swapped. */
static void
iec104_i(struct sess *s, int dir, const uint8_t *asdu, size_t n, uint64_t delay)
{
	uint8_t p[260];
	uint32_t *mine = dir == 1 ? &s->ns : &s->nr;
	uint32_t other = dir == 1 ? s->nr : s->ns;

	/* For the master, s->nr is reused as its send count, s->ns as received. */
	p[0] = 0x68;
	p[1] = (uint8_t)(4 + n);
	p[2] = (uint8_t)((*mine & 0x7fff) << 1);
	p[3] = (uint8_t)((*mine & 0x7fff) >> 7);
	p[4] = (uint8_t)((other & 0x7fff) << 1);
	p[5] = (uint8_t)((other & 0x7fff) >> 7);
	memcpy(p + 6, asdu, n);
	(*mine)++;
	tcp_seg(s, dir, TH_PSH | TH_ACK, p, 6 + n, delay);
}

static void
iec104_asdu(struct wb *w, uint8_t type, uint8_t nobj, uint8_t cot, uint16_t ca)
{
	w8(w, type);
	w8(w, nobj);
	w8(w, cot);
	w8(w, 0);	/* originator */
	w16le(w, ca);
}

static int
step_iec104(struct sess *s)
{
	uint8_t a[240];
	uint16_t ca = s->srv->addr;
	uint32_t i, k;

	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 2404);
		tcp_open(s);
		iec104_u(s, 0, 0x07, 500);	/* STARTDT act */
		iec104_u(s, 1, 0x0b, jitter(s->rtt) + 1000);	/* STARTDT con */
		{
			WB(w, a);

			iec104_asdu(&w, 100, 1, 6, ca);	/* C_IC_NA_1 act */
			w24le(&w, 0);
			w8(&w, 20);
			iec104_i(s, 0, a, w.n, 2000);
			a[2] = 7;	/* act con */
			iec104_i(s, 1, a, w.n, jitter(s->rtt) + 2000);
		}
		{
			WB(w, a);

			iec104_asdu(&w, 1, 8, 20, ca);	/* M_SP_NA_1 inrogen */
			for (i = 0; i < 8; i++) {
				w24le(&w, 1 + i);
				w8(&w, rng_permille(500));
			}
			iec104_i(s, 1, a, w.n, 3000);
		}
		{
			WB(w, a);

			iec104_asdu(&w, 13, 6, 20, ca);	/* M_ME_NC_1 inrogen */
			for (i = 0; i < 6; i++) {
				w24le(&w, 1001 + i);
				w32le(&w, f32bits(50.0f + (float)i * 10.0f +
				    (float)rng_below(100) / 10.0f));
				w8(&w, 0);
			}
			iec104_i(s, 1, a, w.n, 2000);
		}
		{
			WB(w, a);

			iec104_asdu(&w, 100, 1, 10, ca);	/* act term */
			w24le(&w, 0);
			w8(&w, 20);
			iec104_i(s, 1, a, w.n, 1000);
		}
		iec104_s(s, 0, jitter(s->rtt) + 500);
		s->state = 1;
		s->gap = 0;
		return 1;
	}
	if (s->n % 30 == 29) {
		iec104_u(s, 0, 0x43, 0);	/* TESTFR act */
		iec104_u(s, 1, 0x83, jitter(s->rtt) + 300);
		tcp_seg(s, 0, TH_ACK, NULL, 0, 200);
	} else {
		WB(w, a);

		k = rng_range(1, 4);
		iec104_asdu(&w, 13, (uint8_t)k, 3, ca);	/* spontaneous */
		for (i = 0; i < k; i++) {
			w24le(&w, 1001 + rng_below(6));
			w32le(&w, f32bits(50.0f + (float)rng_below(1000) / 10.0f));
			w8(&w, 0);
		}
		iec104_i(s, 1, a, w.n, 0);
		if (s->ns % 8 == 0)
			iec104_s(s, 0, jitter(s->rtt) + 500);
		else
			tcp_seg(s, 0, TH_ACK, NULL, 0, jitter(s->rtt) + 200);
	}
	s->n++;
	s->gap = jitter(s->interval);
	return 1;
}

/* ------------------------------------------------------- BACnet/IP */

static int
step_bacnet(struct sess *s)
{
	uint8_t q[32], r[48];
	WB(wq, q);
	WB(wr, r);
	uint32_t inst = rng_below(16);
	uint32_t obj = (uint32_t)(s->n % 3 == 2 ? 2 : 0) << 22 | inst;
	uint8_t invoke = (uint8_t)s->tid++;

	if (s->state == 0) {
		conv_init(&s->c, s->cli, s->srv, 17, 47808, 47808);
		s->state = 1;
	}
	wmem(&wq, "\x81\x0a\x00\x00\x01\x04\x00\x05", 8);
	w8(&wq, invoke);
	w8(&wq, 0x0c);		/* readProperty */
	w8(&wq, 0x0c);		/* [0] object id */
	w32(&wq, obj);
	w8(&wq, 0x19);		/* [1] property id */
	w8(&wq, 85);		/* present-value */
	wpatch16(&wq, 2, (uint32_t)wq.n);
	wmem(&wr, "\x81\x0a\x00\x00\x01\x00\x30", 7);
	w8(&wr, invoke);
	w8(&wr, 0x0c);
	w8(&wr, 0x0c);
	w32(&wr, obj);
	w8(&wr, 0x19);
	w8(&wr, 85);
	w8(&wr, 0x3e);		/* [3] opening */
	w8(&wr, 0x44);		/* REAL */
	w32(&wr, f32bits(18.0f + (float)rng_below(80) / 10.0f));
	w8(&wr, 0x3f);
	wpatch16(&wr, 2, (uint32_t)wr.n);
	udp_dgram(s, &s->c, 0, q, wq.n, 0);
	udp_dgram(s, &s->c, 1, r, wr.n, jitter(s->rtt) + jitter(8000));
	s->n++;
	s->gap = jitter(s->interval);
	return 1;
}

/* Who-Is broadcast from the BMS, I-Am broadcasts from each device. */
static int
step_whois(struct sess *s)
{
	uint8_t p[32];
	struct conv c;
	uint32_t i, bc = subnet_of(s->cli) | 0xff;

	conv_init_bcast(&c, s->cli, bc, 47808, 47808);
	udp_dgram(s, &c, 0, (const uint8_t *)"\x81\x0b\x00\x08\x01\x00\x10\x08", 8, 0);
	for (i = 0; i < nrole[ROLE_BACNET_DEV] && s->npkts + 1 < SCRIPT_PKTS; i++) {
		struct host *h = &by_role[ROLE_BACNET_DEV][i];
		WB(w, p);

		if (subnet_of(h) != subnet_of(s->cli))
			continue;
		conv_init_bcast(&c, h, bc, 47808, 47808);
		wmem(&w, "\x81\x0b\x00\x14\x01\x00\x10\x00\xc4", 9);
		w32(&w, 8u << 22 | (1000u + h->idx));
		wmem(&w, "\x22\x05\xc4\x91\x03\x21", 6);
		w8(&w, h->idx % 2 ? 5 : 24);	/* Johnson Controls, Automated Logic */
		udp_dgram(s, &c, 0, p, w.n, rng_range(500, 5000));
	}
	s->gap = s->state++ == 0 ? SEC(1) : jitter(s->interval);
	return 1;
}

/* ------------------------------------------------------- ARP, LLDP */

static void
arp_frame(struct sess *s, uint16_t vlan, int op, const uint8_t *smac,
    uint32_t sip, const uint8_t *tmac, uint32_t tip, uint64_t delay)
{
	uint8_t *f;
	size_t l2 = vlan ? 18 : 14;
	static const uint8_t zero[6];

	f = script_slot(s, delay, 60, NULL);
	memset(f, 0, 60);
	eth_header(f, op == 1 ? bcast_mac : tmac, smac, vlan, 0x0806);
	f += l2;
	be16(f, 1);
	be16(f + 2, 0x0800);
	f[4] = 6;
	f[5] = 4;
	be16(f + 6, (uint32_t)op);
	memcpy(f + 8, smac, 6);
	be32(f + 14, sip);
	memcpy(f + 18, op == 1 ? zero : tmac, 6);
	be32(f + 24, tip);
}

static int
step_arp(struct sess *s)
{
	struct host *a = &hosts[rng_below(nhosts)];
	struct host gw;
	const struct host *b = NULL;
	uint32_t tries;

	/* a host resolves a neighbour on its subnet, or its gateway */
	for (tries = 0; tries < 8 && b == NULL; tries++) {
		struct host *c = &hosts[rng_below(nhosts)];

		if (c != a && subnet_of(c) == subnet_of(a))
			b = c;
	}
	if (b == NULL || rng_permille(300)) {
		memset(&gw, 0, sizeof(gw));
		gw.ip = subnet_of(a) | 1;
		gw.kind = a->kind;
		gw.sub = a->sub;
		gw_mac(a, gw.mac);
		b = &gw;
	}
	arp_frame(s, host_vlan(a), 1, a->mac, a->ip, b->mac, b->ip, 0);
	arp_frame(s, host_vlan(a), 2, b->mac, b->ip, a->mac, a->ip,
	    rng_range(50, 800));
	s->gap = jitter(s->interval);
	return 1;
}

static void
lldp_tlv(struct wb *w, uint32_t type, const void *v, size_t n)
{
	w16(w, type << 9 | (uint32_t)n);
	wmem(w, v, n);
}

static int
step_lldp(struct sess *s)
{
	static const uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
	static const char *const names[] = { "sw-sup-core", "sw-cell-a", "sw-cell-b",
	    "sw-substation", "sw-building", "sw-office" };
	uint32_t k;

	for (k = 0; k < KIND_INET; k++) {
		uint8_t p[256], mac[6], v[64];
		WB(w, p);
		char port[16];
		uint8_t *f;

		mac[0] = 0x00;
		mac[1] = 0x1e;
		mac[2] = 0xbd;
		mac[3] = 0x20;
		mac[4] = (uint8_t)k;
		mac[5] = 0x01;
		eth_header(p, dst, mac, 0, 0x88cc);
		w.n = 14;
		v[0] = 4;	/* chassis id: MAC */
		memcpy(v + 1, mac, 6);
		lldp_tlv(&w, 1, v, 7);
		snprintf(port, sizeof(port), "Gi1/0/%u", 24u + k);
		v[0] = 5;	/* port id: interface name */
		memcpy(v + 1, port, strlen(port));
		lldp_tlv(&w, 2, v, 1 + strlen(port));
		be16(v, 120);
		lldp_tlv(&w, 3, v, 2);
		lldp_tlv(&w, 4, "uplink to core", 14);
		lldp_tlv(&w, 5, names[k], strlen(names[k]));
		lldp_tlv(&w, 6, "Cisco IOS Software, IE-4000 Software, Version 15.2(7)E4",
		    55);
		be16(v, 0x0014);	/* bridge, router */
		be16(v + 2, 0x0004);
		lldp_tlv(&w, 7, v, 4);
		lldp_tlv(&w, 0, NULL, 0);
		while (w.n < 60)
			w8(&w, 0);
		f = script_slot(s, k == 0 ? 0 : rng_range(1000, 50000), w.n, NULL);
		memcpy(f, p, w.n);
	}
	s->gap = s->state++ == 0 ? 0 : jitter(s->interval);
	return 1;
}

/* ------------------------------------------------------- IT noise */

static const struct {
	const char *name;
	int internal;		/* resolves to a plant server */
	int tls;
	const char *path;
} names[] = {
	{ "www.msftconnecttest.com", 0, 0, "/connecttest.txt" },
	{ "ctldl.windowsupdate.com", 0, 0, "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab" },
	{ "ocsp.digicert.com", 0, 0, "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0LqoXyo4hxxe7H%2Fz9DKA%3D" },
	{ "time.windows.com", 0, 0, NULL },
	{ "login.microsoftonline.com", 0, 1, NULL },
	{ "outlook.office365.com", 0, 1, NULL },
	{ "www.google.com", 0, 1, NULL },
	{ "update.googleapis.com", 0, 1, NULL },
	{ "github.com", 0, 1, NULL },
	{ "support.industry.siemens.com", 0, 1, NULL },
	{ "www.rockwellautomation.com", 0, 1, NULL },
	{ "teams.microsoft.com", 0, 1, NULL },
	{ "settings-win.data.microsoft.com", 0, 1, NULL },
	{ "historian.plant.local", 1, 0, NULL },
	{ "fs01.corp.local", 1, 0, NULL },
	{ "wsus.corp.local", 1, 0, NULL },
	{ "wpad.corp.local", 1, 0, NULL },
};
#define NNAMES (sizeof(names) / sizeof(names[0]))

static void
dns_name(struct wb *w, const char *name)
{
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t k = dot ? (size_t)(dot - name) : strlen(name);

		w8(w, (uint32_t)k);
		wmem(w, name, k);
		name += k;
		if (*name == '.')
			name++;
	}
	w8(w, 0);
}

/* One DNS query and its answer (name index ni). */
static int
step_dns(struct sess *s)
{
	uint8_t q[256], r[320];
	WB(wq, q);
	WB(wr, r);
	struct host inet;
	uint32_t ni = s->tid;
	uint16_t id = (uint16_t)rng_next();
	int nx = names[ni].internal && strncmp(names[ni].name, "wpad", 4) == 0;
	uint32_t ip;

	if (s->state++ > 0)
		return 0;
	inet_host(&inet, names[ni].name);
	ip = names[ni].internal ? by_role[ROLE_HIST][0].ip + (ni & 3) : inet.ip;
	conv_init(&s->c, s->cli, s->srv, 17, host_port(s->cli), 53);
	w16(&wq, id);
	w16(&wq, 0x0100);
	w16(&wq, 1);
	w16(&wq, 0);
	w16(&wq, 0);
	w16(&wq, 0);
	dns_name(&wq, names[ni].name);
	w16(&wq, 1);
	w16(&wq, 1);
	wmem(&wr, q, wq.n);
	wpatch16(&wr, 2, nx ? 0x8183 : 0x8180);
	if (!nx) {
		wpatch16(&wr, 6, 1);
		w16(&wr, 0xc00c);
		w16(&wr, 1);
		w16(&wr, 1);
		w32(&wr, names[ni].internal ? 3600 : 300);
		w16(&wr, 4);
		w32(&wr, ip);
	}
	udp_dgram(s, &s->c, 0, q, wq.n, 0);
	udp_dgram(s, &s->c, 1, r, wr.n, jitter(s->rtt) +
	    (names[ni].internal ? 200 : jitter(15000)));
	s->gap = 0;
	return 1;
}

static int
step_http(struct sess *s)
{
	char q[512], r[1400];
	static const char body[] =
	    "<html><head><title>OK</title></head><body>Microsoft Connect Test</body></html>\n";
	int qn, rn;
	const char *host = s->tid < NNAMES ? names[s->tid].name : NULL;
	const char *path = s->tid < NNAMES ? names[s->tid].path : "/Portal/Portal.mwsl";
	char hostbuf[20];

	if (s->state++ > 0)
		return 0;
	if (host == NULL) {
		snprintf(hostbuf, sizeof(hostbuf), "%u.%u.%u.%u", s->srv->ip >> 24,
		    (s->srv->ip >> 16) & 0xff, (s->srv->ip >> 8) & 0xff, s->srv->ip & 0xff);
		host = hostbuf;
	}
	conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 80);
	qn = snprintf(q, sizeof(q), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n", path, host);
	rn = snprintf(r, sizeof(r), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof(body) - 1, body);
	tcp_open(s);
	tcp_xchg(s, (uint8_t *)q, (size_t)qn, (uint8_t *)r, (size_t)rn, 300, 5000);
	tcp_seg(s, 0, TH_ACK, NULL, 0, 300);
	tcp_close(s, 1, 200);
	s->gap = 0;
	return 1;
}

/* Record header with a zero length the caller patches. */
static void
tls_record(struct wb *w, uint8_t type, uint16_t ver)
{
	w8(w, type);
	w16(w, ver);
	w16(w, 0);
}

static int
step_tls(struct sess *s)
{
	uint8_t ch[512], sh[512], ad[128];
	WB(w, ch);
	const char *sni = names[s->tid].name;
	size_t rec, hs, ext, k, i;
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
	    0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };

	if (s->state++ > 0)
		return 0;
	conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 443);
	tcp_open(s);

	/* ClientHello (TLS 1.2 body, offering 1.3 by supported_versions) */
	rec = w.n;
	tls_record(&w, 0x16, 0x0301);
	hs = w.n;
	w8(&w, 1);
	w8(&w, 0);
	w16(&w, 0);
	w16(&w, 0x0303);
	wrand(&w, 32);
	w8(&w, 32);
	wrand(&w, 32);
	w16(&w, sizeof(suites));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		w16(&w, suites[i]);
	w8(&w, 1);
	w8(&w, 0);
	ext = w.n;
	w16(&w, 0);
	k = strlen(sni);
	w16(&w, 0x0000);	/* server_name */
	w16(&w, (uint32_t)(k + 5));
	w16(&w, (uint32_t)(k + 3));
	w8(&w, 0);
	w16(&w, (uint32_t)k);
	wstr(&w, sni);
	wmem(&w, "\x00\x17\x00\x00", 4);	/* extended_master_secret */
	wmem(&w, "\xff\x01\x00\x01\x00", 5);	/* renegotiation_info */
	wmem(&w, "\x00\x0a\x00\x08\x00\x06\x00\x1d\x00\x17\x00\x18", 12);
	wmem(&w, "\x00\x0b\x00\x02\x01\x00", 6);
	wmem(&w, "\x00\x10\x00\x0e\x00\x0c\x02\x68\x32\x08\x68\x74\x74\x70\x2f\x31\x2e\x31", 18);
	wmem(&w, "\x00\x0d\x00\x0e\x00\x0c\x04\x03\x08\x04\x04\x01\x05\x03\x08\x05\x05\x01", 18);
	wmem(&w, "\x00\x2b\x00\x05\x04\x03\x04\x03\x03", 9);	/* supported_versions */
	wmem(&w, "\x00\x33\x00\x26\x00\x24\x00\x1d\x00\x20", 10);	/* key_share x25519 */
	wrand(&w, 32);
	wpatch16(&w, ext, (uint32_t)(w.n - ext - 2));
	ch[hs + 1] = (uint8_t)((w.n - hs - 4) >> 16);
	wpatch16(&w, hs + 2, (uint32_t)(w.n - hs - 4));
	wpatch16(&w, rec + 3, (uint32_t)(w.n - rec - 5));
	tcp_seg(s, 0, TH_PSH | TH_ACK, ch, w.n, 500);

	/* ServerHello (TLS 1.3) + ChangeCipherSpec + encrypted handshake */
	{
		WB(v, sh);

		tls_record(&v, 0x16, 0x0303);
		w8(&v, 2);
		w8(&v, 0);
		w16(&v, 0);
		w16(&v, 0x0303);
		wrand(&v, 32);
		w8(&v, 32);
		wmem(&v, ch + 5 + 4 + 2 + 32 + 1, 32);	/* echo session id */
		w16(&v, 0x1301);
		w8(&v, 0);
		w16(&v, 46);
		wmem(&v, "\x00\x2b\x00\x02\x03\x04", 6);
		wmem(&v, "\x00\x33\x00\x24\x00\x1d\x00\x20", 8);
		wrand(&v, 32);
		wpatch16(&v, 7, (uint32_t)(v.n - 9));
		wpatch16(&v, 3, (uint32_t)(v.n - 5));
		wmem(&v, "\x14\x03\x03\x00\x01\x01", 6);
		k = v.n;
		w8(&v, 0x17);
		w16(&v, 0x0303);
		w16(&v, 0);
		wrand(&v, 120);
		wpatch16(&v, k + 3, 120);
		tcp_seg(s, 1, TH_PSH | TH_ACK, sh, v.n, jitter(s->rtt) + 2000);
	}
	/* client finished, then a few application records each way */
	{
		WB(v, ad);

		wmem(&v, "\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x35", 11);
		wrand(&v, 53);
		tcp_seg(s, 0, TH_PSH | TH_ACK, ad, v.n, jitter(s->rtt) + 300);
	}
	k = rng_range(1, 3);
	for (i = 0; i < k; i++) {
		size_t qn = rng_range(80, 600), rn = rng_range(100, 1100);
		uint8_t qb[620], rb[1120];

		qb[0] = 0x17;
		be16(qb + 1, 0x0303);
		be16(qb + 3, (uint32_t)qn);
		rng_fill(qb + 5, qn);
		rb[0] = 0x17;
		be16(rb + 1, 0x0303);
		be16(rb + 3, (uint32_t)rn);
		rng_fill(rb + 5, rn);
		tcp_xchg(s, qb, qn + 5, rb, rn + 5, 1000, 10000);
	}
	tcp_seg(s, 0, TH_ACK, NULL, 0, 200);
	tcp_close(s, 0, rng_range(1000, 50000));
	s->gap = 0;
	return 1;
}

static void
smb2_header(struct wb *w, int resp, uint64_t mid)
{
	wmem(w, "\xfeSMB", 4);
	w16le(w, 64);
	w16le(w, 0);		/* credit charge */
	w32le(w, 0);		/* status */
	w16le(w, 0);		/* NEGOTIATE */
	w16le(w, resp ? 1 : 0);	/* credits */
	w32le(w, resp ? 1 : 0);	/* flags: server-to-redir */
	w32le(w, 0);
	w32le(w, (uint32_t)mid);
	w32le(w, (uint32_t)(mid >> 32));
	w32le(w, 0xfeff);	/* reserved / process id */
	w32le(w, 0);		/* tree id */
	wzero(w, 8);		/* session id */
	wzero(w, 16);		/* signature */
}

static int
step_smb(struct sess *s)
{
	uint8_t q[200], r[300];
	WB(wq, q);
	WB(wr, r);
	uint64_t ft = 133485408000000000ULL + g_now * 10u;	/* FILETIME */

	if (s->state++ > 0)
		return 0;
	conv_init(&s->c, s->cli, s->srv, 6, host_port(s->cli), 445);
	tcp_open(s);
	w32(&wq, 0);
	smb2_header(&wq, 0, 0);
	w16le(&wq, 36);
	w16le(&wq, 4);		/* dialect count */
	w16le(&wq, 1);		/* signing enabled */
	w16le(&wq, 0);
	w32le(&wq, 0x7f);
	wrand(&wq, 16);
	wzero(&wq, 8);
	w16le(&wq, 0x0202);
	w16le(&wq, 0x0210);
	w16le(&wq, 0x0300);
	w16le(&wq, 0x0302);
	wpatch16(&wq, 2, (uint32_t)(wq.n - 4));

	w32(&wr, 0);
	smb2_header(&wr, 1, 0);
	w16le(&wr, 65);
	w16le(&wr, 1);		/* signing enabled */
	w16le(&wr, 0x0302);
	w16le(&wr, 0);
	wrand(&wr, 16);
	w32le(&wr, 0x2f);
	w32le(&wr, 8388608);
	w32le(&wr, 8388608);
	w32le(&wr, 8388608);
	w32le(&wr, (uint32_t)ft);
	w32le(&wr, (uint32_t)(ft >> 32));
	w32le(&wr, 0);
	w32le(&wr, 0);
	w16le(&wr, 128);	/* security buffer offset */
	w16le(&wr, 42);
	w32le(&wr, 0);
	/* SPNEGO negTokenInit advertising NTLMSSP */
	wmem(&wr, "\x60\x28\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x1e\x30\x1c\xa0\x1a"
	    "\x30\x18\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a\x06\x0a"
	    "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x1e", 42);
	wpatch16(&wr, 2, (uint32_t)(wr.n - 4));
	tcp_xchg(s, q, wq.n, r, wr.n, 300, 1000);
	tcp_seg(s, 0, TH_ACK, NULL, 0, 200);
	tcp_close(s, 0, rng_range(2000, 20000));
	s->gap = 0;
	return 1;
}

static int
step_ntp(struct sess *s)
{
	uint8_t q[48], r[48];
	uint64_t secs = START_EPOCH + 2208988800ULL + g_now / 1000000u;

	if (s->state++ > 0)
		return 0;
	conv_init(&s->c, s->cli, s->srv, 17, s->cli->ttl == 128 ? 123 : host_port(s->cli), 123);
	memset(q, 0, sizeof(q));
	q[0] = 0x23;		/* v4, client */
	q[2] = 6;
	q[3] = 0xe9;
	be32(q + 40, (uint32_t)secs);
	be32(q + 44, (uint32_t)rng_next());
	memset(r, 0, sizeof(r));
	r[0] = 0x24;		/* v4, server */
	r[1] = 2;
	r[2] = 6;
	r[3] = 0xe9;
	be32(r + 8, 0x20);
	be32(r + 12, 0xc0a80a01);	/* reference id */
	be32(r + 16, (uint32_t)secs - 40);
	memcpy(r + 24, q + 40, 8);
	be32(r + 32, (uint32_t)secs);
	be32(r + 40, (uint32_t)secs);
	be32(r + 44, (uint32_t)rng_next());
	udp_dgram(s, &s->c, 0, q, 48, 0);
	udp_dgram(s, &s->c, 1, r, 48, jitter(s->rtt) + 100);
	s->gap = 0;
	return 1;
}

static void
dhcp_msg(struct wb *w, int op, uint32_t xid, const struct host *cl,
    uint32_t yiaddr, uint32_t siaddr, uint8_t type, const struct host *srv)
{
	char name[24];

	w8(w, (uint32_t)op);
	w8(w, 1);
	w8(w, 6);
	w8(w, 0);
	w32(w, xid);
	w16(w, 0);
	w16(w, 0x8000);		/* broadcast */
	w32(w, 0);
	w32(w, yiaddr);
	w32(w, siaddr);
	w32(w, 0);
	wmem(w, cl->mac, 6);
	wzero(w, 10 + 64 + 128);
	w32(w, 0x63825363);
	w8(w, 53);
	w8(w, 1);
	w8(w, type);
	if (op == 1) {
		w8(w, 61);
		w8(w, 7);
		w8(w, 1);
		wmem(w, cl->mac, 6);
		snprintf(name, sizeof(name), "WS-OFFICE-%03u", cl->idx);
		w8(w, 12);
		w8(w, (uint32_t)strlen(name));
		wstr(w, name);
		if (type == 3) {
			w8(w, 50);
			w8(w, 4);
			w32(w, cl->ip);
			w8(w, 54);
			w8(w, 4);
			w32(w, srv->ip);
		}
		wmem(w, "\x37\x06\x01\x03\x06\x0f\x1f\x21", 8);
	} else {
		w8(w, 54);
		w8(w, 4);
		w32(w, srv->ip);
		w8(w, 51);
		w8(w, 4);
		w32(w, 86400);
		w8(w, 1);
		w8(w, 4);
		w32(w, 0xffffff00);
		w8(w, 3);
		w8(w, 4);
		w32(w, subnet_of(cl) | 1);
		w8(w, 6);
		w8(w, 4);
		w32(w, by_role[ROLE_DNS_SRV][0].ip);
	}
	w8(w, 255);
	while (w->n < 300)
		w8(w, 0);
}

static int
step_dhcp(struct sess *s)
{
	uint8_t p[400];
	struct conv cc, cs;
	struct host zero = *s->cli;
	uint32_t xid = (uint32_t)rng_next();
	int i;

	if (s->state++ > 0)
		return 0;
	zero.ip = 0;
	conv_init_bcast(&cc, &zero, 0xffffffffu, 68, 67);
	conv_init_bcast(&cs, s->srv, 0xffffffffu, 67, 68);
	if (subnet_of(s->srv) != subnet_of(s->cli))
		return 0;
	for (i = 0; i < 4; i++) {
		WB(w, p);
		static const uint8_t types[4] = { 1, 2, 3, 5 };

		dhcp_msg(&w, i % 2 ? 2 : 1, xid, s->cli, i % 2 ? s->cli->ip : 0,
		    i % 2 ? s->srv->ip : 0, types[i], s->srv);
		if (i % 2)
			udp_dgram(s, &cs, 0, p, w.n, rng_range(500, 3000));
		else
			udp_dgram(s, &cc, 0, p, w.n, i == 0 ? 0 : rng_range(200, 2000));
	}
	s->gap = 0;
	return 1;
}

/* ------------------------------------------------------- spawner */

static double spawn_mean = 20000.0;	/* us between short sessions */

static struct host inet_pool[64];
static uint32_t inet_used;

static struct host *
inet_for(uint32_t ni)
{
	struct host *h = &inet_pool[inet_used++ % 64];

	inet_host(h, names[ni].name);
	return h;
}

/* A DNS lookup of names[ni] by ws (the name index travels in tid). */
static void
spawn_dns_named(struct host *ws, uint32_t ni)
{
	struct sess *d = sess_alloc();

	d->t = g_now;
	d->step = step_dns;
	d->cli = ws;
	d->srv = &by_role[ROLE_DNS_SRV][0];
	d->is_short = 1;
	d->tid = ni;
	d->rtt = rng_range(80, 400);
	if (!step_dns(d)) {
		sess_free(d);
		return;
	}
	d->t += d->gap + d->pk[0].delay;
	nsessions++;
	heap_push(d);
}

static void
spawn_named(uint64_t t, int (*step)(struct sess *), struct host *cli,
    struct host *srv, uint32_t ni)
{
	struct sess *s = sess_alloc();

	s->t = t;
	s->step = step;
	s->cli = cli;
	s->srv = srv;
	s->is_short = 1;
	s->tid = ni;
	s->rtt = srv->kind == KIND_INET ? rng_range(5000, 40000) : rng_range(80, 400);
	g_now = t;
	if (!step(s)) {
		sess_free(s);
		return;
	}
	s->t += s->gap + s->pk[0].delay;
	nsessions++;
	heap_push(s);
}

static void
spawn_one(void)
{
	uint32_t w = rng_below(100), ni;
	struct host *ws = pick(ROLE_WS);
	uint64_t now = g_now;

	if (w < 25) {
		ni = rng_below(NNAMES);
		spawn_dns_named(ws, ni);
	} else if (w < 50) {
		do
			ni = rng_below(NNAMES);
		while (!names[ni].tls);
		spawn_dns_named(ws, ni);
		spawn_named(now + rng_range(3000, 30000), step_tls, ws, inet_for(ni), ni);
	} else if (w < 58) {
		ni = rng_below(3);
		spawn_dns_named(ws, ni);
		spawn_named(now + rng_range(3000, 30000), step_http, ws, inet_for(ni), ni);
	} else if (w < 65) {
		spawn_dns_named(ws, 14);
		spawn_named(now + rng_range(1000, 5000), step_smb, ws,
		    &by_role[ROLE_FILE_SRV][0], 14);
	} else if (w < 71) {
		struct host *c = rng_permille(500) ? ws : &hosts[rng_below(nhosts)];

		spawn_named(now, step_ntp, c, &by_role[ROLE_NTP_SRV][0], 0);
	} else if (w < 73) {
		spawn_named(now, step_dhcp, ws, &by_role[ROLE_DHCP_SRV][0], 0);
	} else if (w < 83) {
		spawn_named(now, step_modbus_short, &by_role[ROLE_HIST][0],
		    pick(ROLE_MB_PLC), 0);
	} else if (w < 89) {
		spawn_named(now, step_s7_short, &by_role[ROLE_EWS][0], pick(ROLE_S7_PLC), 0);
	} else if (w < 95) {
		struct host *ews = &by_role[ROLE_EWS][nrole[ROLE_EWS] - 1];

		spawn_named(now, step_enip_short, ews, pick(ROLE_ENIP_PLC), 0);
	} else {
		spawn_named(now, step_http, &by_role[ROLE_EWS][0], pick(ROLE_S7_PLC),
		    (uint32_t)NNAMES);
	}
	g_now = now;
}

static int
step_spawner(struct sess *s)
{
	double share = st_packets ? (double)st_short_packets / (double)st_packets : 0;

	if (s->state++ > 0)
		spawn_one();
	if (share < SHORT_SHARE)
		spawn_mean *= 0.995;
	else
		spawn_mean *= 1.005;
	if (spawn_mean < 200)
		spawn_mean = 200;
	if (spawn_mean > 2e6)
		spawn_mean = 2e6;
	s->gap = rng_below((uint32_t)(2 * spawn_mean) + 1);
	return 1;
}

/* ------------------------------------------------------- plant setup */

static void
plant_start(void)
{
	uint32_t i, ns = nrole[ROLE_SCADA];
	struct host *sc = by_role[ROLE_SCADA];

	for (i = 0; i < nrole[ROLE_MB_PLC]; i++) {
		struct host *plc = &by_role[ROLE_MB_PLC][i];

		sess_start(rng_below(SEC(2)), step_modbus, &sc[i % ns], plc,
		    (uint32_t)MS(rng_range(250, 2000)), 0);
		if (rng_permille(250))
			sess_start(rng_below(SEC(2)), step_modbus, &sc[(i + 1) % ns], plc,
			    (uint32_t)MS(rng_range(500, 3000)), 0);
	}
	for (i = 0; i < nrole[ROLE_S7_PLC]; i++)
		sess_start(rng_below(SEC(2)), step_s7, &sc[(i + 1) % ns],
		    &by_role[ROLE_S7_PLC][i], (uint32_t)MS(rng_range(500, 2000)), 0);
	for (i = 0; i < nrole[ROLE_ENIP_PLC]; i++)
		sess_start(rng_below(SEC(2)), step_enip, &sc[(i + 2) % ns],
		    &by_role[ROLE_ENIP_PLC][i], (uint32_t)MS(rng_range(1000, 5000)), 0);
	for (i = 0; i < nrole[ROLE_ENIP_IO]; i++)
		sess_start(rng_below(SEC(1)), step_enip_io,
		    &by_role[ROLE_ENIP_PLC][i % nrole[ROLE_ENIP_PLC]],
		    &by_role[ROLE_ENIP_IO][i], (uint32_t)MS(rng_range(100, 500)), 0);
	for (i = 0; i < nrole[ROLE_DNP3_RTU]; i++)
		sess_start(rng_below(SEC(3)), step_dnp3, &sc[0],
		    &by_role[ROLE_DNP3_RTU][i], (uint32_t)MS(rng_range(2000, 10000)), 0);
	for (i = 0; i < nrole[ROLE_IEC104_RTU]; i++)
		sess_start(rng_below(SEC(3)), step_iec104, &sc[ns > 3 ? 3 : 0],
		    &by_role[ROLE_IEC104_RTU][i], (uint32_t)MS(rng_range(500, 3000)), 0);
	for (i = 0; i < nrole[ROLE_BACNET_DEV]; i++)
		sess_start(rng_below(SEC(5)), step_bacnet, &by_role[ROLE_BMS][0],
		    &by_role[ROLE_BACNET_DEV][i], (uint32_t)MS(rng_range(5000, 30000)), 0);
	sess_start(MS(50), step_arp, NULL, NULL, (uint32_t)MS(400), 0);
	sess_start(MS(100), step_lldp, NULL, NULL, (uint32_t)SEC(30), 0);
	sess_start(MS(500), step_listident, &by_role[ROLE_EWS][nrole[ROLE_EWS] - 1], NULL,
	    (uint32_t)SEC(60), 0);
	sess_start(MS(700), step_whois, &by_role[ROLE_BMS][0], NULL, (uint32_t)SEC(120), 0);
	sess_start(MS(10), step_spawner, NULL, NULL, 0, 0);
}

static void
run_plant(uint64_t target)
{
	while (st_packets < target && heap_len > 0) {
		struct sess *s = heap[0];

		if (s->pos < s->npkts) {
			struct pkt_ref *r = &s->pk[s->pos++];

			out_packet(s->t, s->buf + r->off, r->len);
			if (r->key.k2 != 0)
				fset_insert(&r->key);
			if (s->is_short)
				st_short_packets++;
			if (s->pos < s->npkts) {
				s->t += s->pk[s->pos].delay;
				heap_down(0);
				continue;
			}
		}
		s->pos = s->npkts = s->used = 0;
		g_now = s->t;
		if (!s->step(s)) {
			heap_pop_top();
			sess_free(s);
			continue;
		}
		/* heap[0] is still s: new sessions start at or after g_now */
		s->t += s->gap + (s->npkts ? s->pk[0].delay : 0);
		heap_down(s->heap_idx);
	}
}

/* ------------------------------------------------------- synthetic floods */

/* A bare conversation between two made-up hosts (flood and hold modes). */
static void
synth_conv(struct conv *c, uint32_t ip0, uint32_t ip1, uint16_t p0, uint16_t p1, uint8_t proto,
    const uint8_t *mac0, const uint8_t *mac1)
{
	memset(c, 0, sizeof(*c));
	c->ip[0] = ip0;
	c->ip[1] = ip1;
	c->port[0] = p0;
	c->port[1] = p1;
	c->proto = proto;
	memcpy(c->mac[0], mac0, 6);
	memcpy(c->mac[1], mac1, 6);
	c->ttl[0] = c->ttl[1] = 64;
	c->seq[0] = (uint32_t)rng_next();
	c->seq[1] = (uint32_t)rng_next();
	c->win[0] = c->win[1] = 64240;
}

/* Write the session's scripted packets back to back from time *t. */
static void
synth_flush(struct sess *s, uint64_t *t)
{
	uint32_t j;

	for (j = 0; j < s->npkts; j++) {
		*t += s->pk[j].delay + (j == 0 ? 10 : 0);
		out_packet(*t, s->buf + s->pk[j].off, s->pk[j].len);
		if (s->pk[j].key.k2 != 0)
			fset_insert(&s->pk[j].key);
	}
	s->npkts = s->used = 0;
}

/* ------------------------------------------------------- flood */

/* n distinct flows: UDP singletons and TCP SYN / RST-ACK pairs. */
static void
run_flood(uint64_t n)
{
	static const uint8_t smac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };
	struct sess *s = sess_alloc();
	uint64_t i, t = 0;

	s->npkts = s->used = 0;
	for (i = 0; i < n; i++) {
		struct conv *c = &s->c;

		synth_conv(c, 0x0a000000u | (uint32_t)((i + 1) & 0xffffff),
		    0xac100000u | (uint32_t)((i >> 24) & 0xff) << 8 | 10,
		    (uint16_t)(1024 + (i * 7) % 64000), i & 1 ? 80 : 53, i & 1 ? 6 : 17, smac, dmac);
		if (c->proto == 6) {
			tcp_seg(s, 0, TH_SYN, NULL, 0, 0);
			tcp_seg(s, 1, TH_RST | TH_ACK, NULL, 0, 30);
		} else {
			uint8_t q[40];

			rng_fill(q, sizeof(q));
			udp_dgram(s, c, 0, q, sizeof(q), 0);
		}
		synth_flush(s, &t);
	}
	sess_free(s);
}

/* ------------------------------------------------------- hold */

/*
 * n Modbus/TCP connections that all stay open: handshake, one read request and its response,
 * no close, 10 us apart. At the end of the capture every flow is tracked and classified at
 * once, which is what "resident memory per tracked flow after classification" measures.
 */
static void
run_hold(uint64_t n)
{
	static const uint8_t smac[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x01 };
	static const uint8_t dmac[6] = { 0x00, 0x80, 0xf4, 0x20, 0x00, 0x02 };
	struct sess *s = sess_alloc();
	uint64_t i, t = 0;

	s->npkts = s->used = 0;
	for (i = 0; i < n; i++) {
		static const uint8_t req[12] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2 };
		static const uint8_t rsp[13] = { 0, 1, 0, 0, 0, 7, 1, 3, 4, 0, 42, 0, 7 };

		synth_conv(&s->c, 0x0a000000u | (uint32_t)((i + 1) & 0xffffff),
		    0xc0a80000u | (uint32_t)(i % 250 + 2), (uint16_t)(1024 + (i * 13) % 64000), 502, 6,
		    smac, dmac);
		tcp_seg(s, 0, TH_SYN, NULL, 0, 0);
		tcp_seg(s, 1, TH_SYN | TH_ACK, NULL, 0, 2);
		tcp_seg(s, 0, TH_ACK, NULL, 0, 2);
		tcp_seg(s, 0, TH_PSH | TH_ACK, req, sizeof(req), 2);
		tcp_seg(s, 1, TH_PSH | TH_ACK, rsp, sizeof(rsp), 2);
		synth_flush(s, &t);
	}
	sess_free(s);
}

/* ------------------------------------------------------- main */

static uint64_t
parse_count(const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg)
		die("bad number");
	if (*end == 'k' || *end == 'K')
		v *= 1000, end++;
	else if (*end == 'm' || *end == 'M')
		v *= 1000000, end++;
	if (*end != '\0')
		die("bad number suffix (use k or M)");
	return v;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gen-plant -n PACKETS [-o FILE|-] [-s SEED] [-H HOSTS]\n"
	    "       gen-plant --flood FLOWS [-o FILE|-] [-s SEED]\n"
	    "       gen-plant --hold FLOWS [-o FILE|-] [-s SEED]\n"
	    "  -n PACKETS   packets to write (k/M suffix allowed)\n"
	    "  -o FILE      output file, '-' for stdout (default)\n"
	    "  -s SEED      PRNG seed (default 1)\n"
	    "  -H HOSTS     plant hosts (default 300, 40..5000)\n"
	    "  --flood N    N distinct flows of one or two packets each\n"
	    "  --hold N     N Modbus/TCP connections left open (all tracked at the end)\n");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "flood", required_argument, NULL, 'F' },
		{ "hold", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t npackets = 0, flood = 0, hold = 0, seed = 1;
	uint32_t nh = 300;
	const char *out = "-";
	struct timespec t0, t1;
	int ch;

	while ((ch = getopt_long(argc, argv, "n:o:s:H:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			npackets = parse_count(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			seed = parse_count(optarg);
			break;
		case 'H':
			nh = (uint32_t)parse_count(optarg);
			break;
		case 'F':
			flood = parse_count(optarg);
			break;
		case 'K':
			hold = parse_count(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (npackets == 0 && flood == 0 && hold == 0) || nh < 40 || nh > 5000) {
		usage(stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rng_state = seed * 0x2545f4914f6cdd1dULL + 0x1234567;
	crc_dnp_init();
	out_fp = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
	if (out_fp == NULL) {
		fprintf(stderr, "gen-plant: %s: %s\n", out, strerror(errno));
		return 1;
	}
	out_buf = malloc(OUT_CAP);
	if (out_buf == NULL)
		die("out of memory");
	out_file_header();
	if (flood > 0) {
		run_flood(flood);
	} else if (hold > 0) {
		run_hold(hold);
	} else {
		hosts_build(nh);
		plant_start();
		run_plant(npackets);
	}
	out_flush();
	if (out_fp != stdout ? fclose(out_fp) != 0 : fflush(out_fp) != 0)
		die("write failed");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "gen-plant: packets=%" PRIu64 " flows=%" PRIu64 " bytes=%" PRIu64
	    " hosts=%u duration=%.1fs short_share=%.3f sessions=%" PRIu64
	    " gen_time=%.2fs\n", st_packets, st_flows, st_bytes,
	    flood || hold ? 0 : nhosts, (double)last_ts / 1e6,
	    st_packets ? (double)st_short_packets / (double)st_packets : 0.0,
	    nsessions, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
