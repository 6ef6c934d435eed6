/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.c: one nDPI detection module per worker (see classify.h).
 *
 * nDPI's API changed between 4.2 (Debian 12) and current releases; configure probes each
 * change (OTS_NDPI_*) and this file is the only place that knows about them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "ots/classify.h"
#include "ots/log.h"

/* Names of (master, app) pairs already formatted: a flow end costs a lookup, not printf. */
#define NAME_CACHE 256
struct name_slot {
	uint32_t key; /* (master << 16 | app) + 1; 0 = empty */
	char name[48];
};

struct ots_classify {
	struct ndpi_detection_module_struct *mod;
	struct name_slot names[NAME_CACHE];
	uint32_t max_pkts;
	size_t flow_size;
	struct ots_classify_stats st;
};

#ifdef OTS_NDPI_PROTO_NESTED
#define PROTO_MASTER(p) ((p).proto.master_protocol)
#define PROTO_APP(p)    ((p).proto.app_protocol)
#else
#define PROTO_MASTER(p) ((p).master_protocol)
#define PROTO_APP(p)    ((p).app_protocol)
#endif

struct ots_classify *
ots_classify_new(uint32_t max_pkts)
{
	struct ots_classify *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
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

long
ots_classify_packet(struct ots_classify *c, struct ots_flow *f, const struct ots_pkt *p, int dir)
{
	ndpi_protocol r;
	long delta = 0;
	uint32_t len;

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
	c->st.packets++;
	f->ndpi_pkts++;
#ifdef OTS_NDPI_INPUT_INFO
	{
		struct ndpi_flow_input_info in;

		memset(&in, 0, sizeof(in));
		in.in_pkt_dir = (unsigned char)dir;
		in.seen_flow_beginning = (f->tcp_state & 8) ? 1 : 0;
		r = ndpi_detection_process_packet(c->mod, f->ndpi, p->l3, (unsigned short)len,
		                                  p->ts_us / 1000, &in);
	}
#else
	(void)dir;
	r = ndpi_detection_process_packet(c->mod, f->ndpi, p->l3, (unsigned short)len,
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
