/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.c: one nDPI detection module per worker (see classify.h).
 *
 * nDPI's API changed between 4.2 (Debian 12) and current releases; configure probes each
 * change (OTS_NDPI_*) and this file is the only place that knows about them.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "ots/classify.h"
#include "ots/rd.h"
#include "ots/log.h"

/* Names of (master, app) pairs already formatted: a flow end costs a lookup, not printf. */
#define NAME_CACHE 256
struct name_slot {
	uint32_t key; /* (master << 16 | app) + 1; 0 = empty */
	char name[48];
};

#define TLS_TRIM_MAX 2048

struct ots_classify {
	struct ndpi_detection_module_struct *mod;
	struct name_slot names[NAME_CACHE];
	uint32_t max_pkts;
	size_t flow_size;
	struct ots_classify_stats st;
	uint8_t scratch[TLS_TRIM_MAX]; /* a trimmed TLS ClientHello for nDPI */
};

#ifdef OTS_NDPI_PROTO_NESTED
#define PROTO_MASTER(p) ((p).proto.master_protocol)
#define PROTO_APP(p)    ((p).proto.app_protocol)
#else
#define PROTO_MASTER(p) ((p).master_protocol)
#define PROTO_APP(p)    ((p).app_protocol)
#endif

#if HAVE_DECL_NDPI_DGA_FUNCTION
/*
 * nDPI scores every DNS query name, TLS server name and HTTP host for a generated (DGA)
 * domain: a bigram walk per name that only sets a flow risk, and no output here carries
 * nDPI's risks. nDPI lets the application replace that check with its own function; this
 * one says "not generated" at once (4% of a worker's instructions on the benchmark plant,
 * labels unchanged). The hook is a process-wide variable: set once, before any worker's
 * module exists.
 */
static int
no_dga(const char *domain, int len)
{
	(void)domain;
	(void)len;
	return 0;
}

static pthread_once_t dga_once = PTHREAD_ONCE_INIT;

static void
dga_off(void)
{
	ndpi_dga_function = no_dga;
}
#endif

struct ots_classify *
ots_classify_new(uint32_t max_pkts)
{
	struct ots_classify *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
#if HAVE_DECL_NDPI_DGA_FUNCTION
	pthread_once(&dga_once, dga_off);
#endif
#ifdef OTS_NDPI_GLOBAL_CTX
	c->mod = ndpi_init_detection_module(NULL);
#else
	c->mod = ndpi_init_detection_module(ndpi_no_prefs);
#endif
	if (!c->mod) {
		free(c);
		return NULL;
	}
#if defined(HAVE_NDPI_SET_PROTOCOL_DETECTION_BITMASK2) && defined(NDPI_BITMASK_SET_ALL)
	{
		NDPI_PROTOCOL_BITMASK all;

		NDPI_BITMASK_SET_ALL(all);
		ndpi_set_protocol_detection_bitmask2(c->mod, &all);
	}
#endif
#ifdef HAVE_NDPI_FINALIZE_INITIALIZATION
	ndpi_finalize_initialization(c->mod);
#endif
	c->max_pkts = max_pkts ? max_pkts : 32;
	c->flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
	return c;
}

void
ots_classify_free(struct ots_classify *c)
{
	if (!c)
		return;
	ndpi_exit_detection_module(c->mod);
	free(c);
}

size_t
ots_classify_flow_cost(const struct ots_classify *c)
{
	return c->flow_size;
}

static long
release(struct ots_classify *c, struct ots_flow *f)
{
	if (!f->ndpi)
		return 0;
	ndpi_free_flow(f->ndpi);
	f->ndpi = NULL;
	return -(long)c->flow_size;
}

static void
set_result(struct ots_flow *f, ndpi_protocol p)
{
	f->ndpi_master = PROTO_MASTER(p);
	f->ndpi_app = PROTO_APP(p);
	f->ndpi_category = (uint16_t)p.category;
}

static long
giveup(struct ots_classify *c, struct ots_flow *f)
{
	ndpi_protocol p;
	u_int8_t guessed = 0;

	if (f->ndpi) {
#ifdef OTS_NDPI_GIVEUP_3ARGS
		p = ndpi_detection_giveup(c->mod, f->ndpi, &guessed);
#else
		p = ndpi_detection_giveup(c->mod, f->ndpi, 1, &guessed);
#endif
		set_result(f, p);
	}
	if (f->ndpi_app != NDPI_PROTOCOL_UNKNOWN || f->ndpi_master != NDPI_PROTOCOL_UNKNOWN) {
		f->ndpi_state = guessed ? OTS_NDPI_GUESSED : OTS_NDPI_DETECTED;
		if (guessed)
			c->st.flows_guessed++;
		else
			c->st.flows_detected++;
	} else {
		f->ndpi_state = OTS_NDPI_GIVEUP;
		c->st.flows_giveup++;
	}
	return release(c, f);
}

/*
 * nDPI 4.2 builds a JA3 fingerprint string of every TLS ClientHello with one snprintf per
 * cipher suite, extension, ALPN name and supported version: on plant traffic that was a
 * quarter of a worker's instructions, for a string nothing here uses. The label comes from
 * the server name alone (matched against nDPI's host lists); ALPN and supported_versions
 * only feed nDPI's metadata and risks, which no output carries. So nDPI gets the ClientHello
 * cut down to the server name (and ESNI/ECH, and the first two cipher suites) when the whole
 * hello is in one segment. Labels were compared on the 152 shared captures, every bundled
 * capture and the 1M-packet benchmark plant (11k TLS flows): identical; the regression
 * cases' flows.jsonl (TLS.Google, TLS.Microsoft365 ...) keep them so. Keeping only the
 * server name took a further 2.5% of a worker's instructions off (callgrind, plant 1M).
 */
/*
 * What remained of the ClientHello's cost in nDPI 4.2 was the JA3 fingerprint itself: about
 * twenty snprintf calls per hello (version, cipher suites, extensions, then sixteen for the
 * hex of the MD5), 15,000 instructions of the 21,600 a hello cost, 6% of a worker on the
 * plant. nDPI 4.2 has no switch for it, but it skips the whole fingerprint when a list
 * overflows its 512-entry JA3 tables ("invalid JA3"), and ec_point_formats is the one list it
 * walks without looking at the content. So the trimmed hello ends with an ec_point_formats
 * extension of 513 entries: nDPI stores 512, marks the JA3 invalid and goes on to the same
 * verdict (the server name decides it, the formats never do). Newer nDPI releases that
 * compute the fingerprint regardless only lose the saving. Labels compared as for the trim.
 */
#define JA3_OFF_FORMATS 513

static int
tls_keep_ext(uint16_t t)
{
	return t == 0x0000 /* server_name */ || t == 0xffce /* ESNI */ ||
	       t == 0xfe0d /* ECH */;
}

/* The packet rebuilt with a trimmed ClientHello into out; its length, or 0 to pass the
 * packet as it is. */
static uint32_t
tls_hello_trim(const struct ots_pkt *p, uint8_t *out, size_t outlen)
{
	struct ots_rd r, ex;
	const uint8_t *ver, *rnd, *sid, *cs, *comp, *ext;
	uint8_t sidlen, complen;
	uint16_t rec_len, cslen, extlen, t, l;
	uint32_t hlen;
	size_t hdr, o, body, ext_at, n_cs;

	if (p->ip_proto != 6 || !p->payload || !p->l3 || p->payload_len < 9 || p->payload < p->l3)
		return 0;
	hdr = (size_t)(p->payload - p->l3);
	if (hdr + p->payload_len != p->l3_len || (p->ip_version != 4 && p->ip_version != 6))
		return 0;
	rd_init(&r, p->payload, p->payload_len);
	if (rd_u8(&r) != 0x16 || rd_u8(&r) != 3)
		return 0;
	rd_u8(&r);
	rec_len = rd_be16(&r);
	if (!rd_ok(&r) || rd_left(&r) != rec_len || rd_u8(&r) != 1)
		return 0; /* not exactly one ClientHello record in this segment */
	hlen = rd_be24(&r);
	ver = rd_ptr(&r, 2);
	rnd = rd_ptr(&r, 32);
	sidlen = rd_u8(&r);
	sid = rd_ptr(&r, sidlen);
	cslen = rd_be16(&r);
	cs = rd_ptr(&r, cslen);
	complen = rd_u8(&r);
	comp = rd_ptr(&r, complen);
	extlen = rd_be16(&r);
	ext = rd_ptr(&r, extlen);
	if (!rd_ok(&r) || rd_left(&r) != 0 || hlen + 4u != rec_len || cslen < 2 || (cslen & 1) ||
	    !ver || !rnd || (sidlen && !sid) || (complen && !comp) || !ext)
		return 0;
	n_cs = cslen > 4 ? 4 : cslen;
	if (hdr + 9 + 2 + 32 + 1 + sidlen + 2 + n_cs + 1 + complen + 2 > outlen)
		return 0;
	memcpy(out, p->l3, hdr);
	o = hdr + 9; /* record and handshake headers written last */
	body = o;
	memcpy(out + o, ver, 2), o += 2;
	memcpy(out + o, rnd, 32), o += 32;
	out[o++] = sidlen;
	if (sidlen)
		memcpy(out + o, sid, sidlen), o += sidlen;
	out[o++] = (uint8_t)(n_cs >> 8);
	out[o++] = (uint8_t)n_cs;
	memcpy(out + o, cs, n_cs), o += n_cs;
	out[o++] = complen;
	if (complen)
		memcpy(out + o, comp, complen), o += complen;
	ext_at = o;
	o += 2;
	rd_init(&ex, ext, extlen);
	while (rd_left(&ex) >= 4) {
		const uint8_t *e0 = ext + rd_off(&ex), *d;

		t = rd_be16(&ex);
		l = rd_be16(&ex);
		d = rd_ptr(&ex, l);
		if (!rd_ok(&ex) || (l && !d))
			return 0;
		if (!tls_keep_ext(t))
			continue;
		if (o + 4u + l > outlen)
			return 0;
		memcpy(out + o, e0, 4u + l);
		o += 4u + l;
	}
	if (rd_left(&ex))
		return 0;
	/* the JA3 switch (see JA3_OFF_FORMATS) */
	if (o + 4u + 1u + JA3_OFF_FORMATS > outlen)
		return 0;
	out[o++] = 0x00;
	out[o++] = 0x0b; /* ec_point_formats */
	out[o++] = (uint8_t)((1u + JA3_OFF_FORMATS) >> 8);
	out[o++] = (uint8_t)(1u + JA3_OFF_FORMATS);
	out[o++] = 0xff; /* the list's own length byte: nDPI reads the extension's instead */
	memset(out + o, 0, JA3_OFF_FORMATS);
	o += JA3_OFF_FORMATS;
	/* lengths: extensions, handshake, record, IP */
	out[ext_at] = (uint8_t)((o - ext_at - 2) >> 8);
	out[ext_at + 1] = (uint8_t)(o - ext_at - 2);
	out[hdr] = 0x16;
	memcpy(out + hdr + 1, p->payload + 1, 2);
	out[hdr + 3] = (uint8_t)((o - hdr - 5) >> 8);
	out[hdr + 4] = (uint8_t)(o - hdr - 5);
	out[hdr + 5] = 1;
	out[hdr + 6] = (uint8_t)((o - body) >> 16);
	out[hdr + 7] = (uint8_t)((o - body) >> 8);
	out[hdr + 8] = (uint8_t)(o - body);
	if (p->ip_version == 4) {
		out[2] = (uint8_t)(o >> 8);
		out[3] = (uint8_t)o;
	} else {
		out[4] = (uint8_t)((o - 40) >> 8);
		out[5] = (uint8_t)(o - 40);
	}
	return (uint32_t)o;
}

long
ots_classify_packet(struct ots_classify *c, struct ots_flow *f, const struct ots_pkt *p, int dir)
{
	ndpi_protocol r;
	long delta = 0;
	uint32_t len;
	const uint8_t *l3;

	if (f->ndpi_state != OTS_NDPI_PENDING || !p->l3 || p->l3_len == 0)
		return 0;
	if (!f->ndpi) {
		f->ndpi = ndpi_flow_malloc(c->flow_size);
		if (!f->ndpi) {
			c->st.alloc_fail++;
			f->ndpi_state = OTS_NDPI_GIVEUP;
			c->st.flows_giveup++;
			return 0;
		}
		memset(f->ndpi, 0, c->flow_size);
		delta = (long)c->flow_size;
	}
	/* nDPI takes an unsigned short length: a larger (reassembled) datagram is cut, which
	 * only hides bytes past 64 KiB from classification. */
	len = p->l3_len > 0xffff ? 0xffff : p->l3_len;
	l3 = p->l3;
	{
		uint32_t tl = tls_hello_trim(p, c->scratch, sizeof(c->scratch));

		if (tl) {
			l3 = c->scratch;
			len = tl;
		}
	}
	f->ndpi_pkts++;
	/*
	 * A TCP segment without payload (handshake, bare ACK, FIN/RST) gives nDPI nothing to
	 * classify, yet each costs a walk of its whole no-payload dissector list. nDPI gets the
	 * flow's first packet (it needs one to know the flow, even one with no payload, for its
	 * port guess) and then only segments with data; it still counts towards --ndpi-packets.
	 * nDPI starts its sequence tracking from the first data segment's seq/ack as it does on
	 * a capture that missed the handshake. Labels unchanged on every capture we have; 4% of
	 * a worker's instructions on the plant.
	 */
	if (f->ndpi_pkts > 1 && p->ip_proto == 6 && p->payload_len == 0)
		return delta;
	c->st.packets++;
#ifdef OTS_NDPI_INPUT_INFO
	{
		struct ndpi_flow_input_info in;

		memset(&in, 0, sizeof(in));
		in.in_pkt_dir = (unsigned char)dir;
		in.seen_flow_beginning = (f->tcp_state & 8) ? 1 : 0;
		r = ndpi_detection_process_packet(c->mod, f->ndpi, l3, (unsigned short)len,
		                                  p->ts_us / 1000, &in);
	}
#else
	(void)dir;
	r = ndpi_detection_process_packet(c->mod, f->ndpi, l3, (unsigned short)len,
	                                  p->ts_us / 1000);
#endif
	set_result(f, r);
	if (PROTO_APP(r) != NDPI_PROTOCOL_UNKNOWN || PROTO_MASTER(r) != NDPI_PROTOCOL_UNKNOWN) {
		/* Classified: the verdict is final and the state goes now. nDPI could go on for
		 * metadata (TLS certificates, DNS answers) but nothing downstream uses it, and on
		 * plant traffic those extra packets cost 8% of the instructions of a run. The
		 * application (TLS.Google ...) is already known from the first payload. */
		f->ndpi_state = OTS_NDPI_DETECTED;
		c->st.flows_detected++;
		return delta + release(c, f);
	}
	if (f->ndpi_pkts >= c->max_pkts)
		return delta + giveup(c, f);
	return delta;
}

long
ots_classify_finish(struct ots_classify *c, struct ots_flow *f)
{
	if (f->ndpi_state != OTS_NDPI_PENDING)
		return release(c, f);
	if (!f->ndpi && f->ndpi_app == NDPI_PROTOCOL_UNKNOWN &&
	    f->ndpi_master == NDPI_PROTOCOL_UNKNOWN) {
		/* never saw an IP packet with bytes for nDPI */
		f->ndpi_state = OTS_NDPI_GIVEUP;
		c->st.flows_giveup++;
		return 0;
	}
	return giveup(c, f);
}

int
ots_classify_settled_it(const struct ots_flow *f)
{
	uint16_t p = f->ndpi_master != NDPI_PROTOCOL_UNKNOWN ? f->ndpi_master : f->ndpi_app;

	if (f->ndpi_state != OTS_NDPI_DETECTED)
		return 0; /* a guess by port settles nothing */
	switch (p) {
	case NDPI_PROTOCOL_TLS:
	case NDPI_PROTOCOL_DTLS:
	case NDPI_PROTOCOL_QUIC:
	case NDPI_PROTOCOL_HTTP:
	case NDPI_PROTOCOL_HTTP_PROXY:
	case NDPI_PROTOCOL_DNS:
	case NDPI_PROTOCOL_MDNS:
	case NDPI_PROTOCOL_LLMNR:
	case NDPI_PROTOCOL_NETBIOS:
	case NDPI_PROTOCOL_SMBV1:
	case NDPI_PROTOCOL_SMBV23:
	case NDPI_PROTOCOL_NTP:
	case NDPI_PROTOCOL_SSH:
	case NDPI_PROTOCOL_RDP:
	case NDPI_PROTOCOL_KERBEROS:
	case NDPI_PROTOCOL_LDAP:
		return 1;
	}
	return 0;
}

static void
format_name(struct ots_classify *c, uint16_t master, uint16_t app, char *buf, size_t len)
{
	const char *m, *a;

	if (master == NDPI_PROTOCOL_UNKNOWN && app == NDPI_PROTOCOL_UNKNOWN) {
		snprintf(buf, len, "Unknown");
		return;
	}
	m = master != NDPI_PROTOCOL_UNKNOWN ? ndpi_get_proto_name(c->mod, master) : NULL;
	a = app != NDPI_PROTOCOL_UNKNOWN ? ndpi_get_proto_name(c->mod, app) : NULL;
	if (m && a && master != app)
		snprintf(buf, len, "%s.%s", m, a);
	else
		snprintf(buf, len, "%s", a ? a : (m ? m : "Unknown"));
}

const char *
ots_classify_proto_name(struct ots_classify *c, const struct ots_flow *f, char *buf, size_t len)
{
	uint32_t key = ((uint32_t)f->ndpi_master << 16 | f->ndpi_app) + 1;
	struct name_slot *slot = &c->names[(key * 2654435761u) >> 24];
	size_t n;

	if (slot->key != key) {
		format_name(c, f->ndpi_master, f->ndpi_app, slot->name, sizeof(slot->name));
		slot->key = key;
	}
	n = strlen(slot->name);
	if (len == 0)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, slot->name, n);
	buf[n] = '\0';
	return buf;
}

const char *
ots_classify_category_name(struct ots_classify *c, const struct ots_flow *f)
{
	const char *n = ndpi_category_get_name(c->mod, (ndpi_protocol_category_t)f->ndpi_category);

	return n ? n : "Unspecified";
}

const struct ots_classify_stats *
ots_classify_stats(const struct ots_classify *c)
{
	return &c->st;
}

const char *
ots_classify_ndpi_version(void)
{
#ifdef HAVE_NDPI_REVISION
	return ndpi_revision();
#else
	return "unknown";
#endif
}
