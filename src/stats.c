/* SPDX-License-Identifier: BSD-3-Clause */
/* stats.c: run counters into stats.json and a human summary. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ots/baseline.h"
#include "ots/classify.h"
#include "ots/decode.h"
#include "ots/detect.h"
#include "ots/dissector.h"
#include "ots/output-kafka.h"
#include "ots/stats.h"

double
ots_thread_cpu_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t
ots_stats_max_rss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (uint64_t)ru.ru_maxrss * 1024u; /* Linux reports KiB */
}

static void
dec_add(struct ots_decode_stats *sum, const struct ots_decode_stats *s)
{
	unsigned a;

	for (a = 0; a < OTS_AN__COUNT; a++)
		sum->anomalies[a] += s->anomalies[a];
	sum->ipv4 += s->ipv4;
	sum->ipv6 += s->ipv6;
	sum->arp += s->arp;
	sum->lldp += s->lldp;
	sum->cdp += s->cdp;
	sum->tcp += s->tcp;
	sum->udp += s->udp;
	sum->other_l3 += s->other_l3;
	sum->other_l4 += s->other_l4;
	sum->frags += s->frags;
	sum->reassembled += s->reassembled;
}

#define ADD(f) sum->f += s->f
void
ots_stats_sum(const struct ots_run *run, struct ots_worker_stats *sum)
{
	unsigned i, a;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < run->nworkers; i++) {
		const struct ots_worker_stats *s = run->wst ? &run->wst[i] : &run->workers[i].st;

		ADD(packets); ADD(bytes); ADD(ip_packets); ADD(non_ip); ADD(frag_held);
		ADD(no_flow); ADD(stream_bytes); ADD(tcp_gaps); ADD(tcp_gap_bytes);
		ADD(stream_nomem); ADD(out_waits); ADD(flows_out);
		dec_add(&sum->dec, &s->dec);
		ADD(flow.created); ADD(flow.ended_idle); ADD(flow.ended_active);
		ADD(flow.ended_closed); ADD(flow.ended_evicted); ADD(flow.ended_eof);
		ADD(flow.memcap_fail); ADD(flow.peak_active); ADD(flow.mem_peak);
		ADD(flow.lookups); ADD(flow.probes);
		ADD(cls.flows_detected); ADD(cls.flows_giveup); ADD(cls.flows_guessed);
		ADD(cls.alloc_fail); ADD(cls.packets);
		ADD(events_out); ADD(facts_dup); ADD(app.alloc_fail);
		ADD(rule_hits);
		ADD(l2.created); ADD(l2.expired); ADD(l2.evicted); ADD(l2.peak);
		for (a = 0; a < OTS_OP__COUNT; a++)
			ADD(ops[a]);
		for (a = 0; a < OTS_APP_PROTO_MAX; a++) {
			ADD(app.proto[a].flows); ADD(app.proto[a].pdus); ADD(app.proto[a].malformed);
			ADD(app.proto[a].desync); ADD(app.proto[a].given_up);
		}
	}
}
#undef ADD

void
ots_stats_json(struct ots_json *j, const struct ots_run *run)
{
	const struct ots_conf *conf = run->conf;
	const struct ots_capture *cap = run->cap;
	const struct ots_capture_stats *cs = run->interval && run->cap_st ? run->cap_st : &cap->st;
	struct ots_worker_stats s;
	char host[256];
	unsigned i;
	size_t k;

	ots_stats_sum(run, &s);
	ots_json_obj_open(j, NULL);
	ots_json_u64(j, "schema_version", OTS_SCHEMA_VERSION);
	ots_json_str(j, "record", "stats");
	ots_json_obj_open(j, "report");
	ots_json_str(j, "kind", run->interval ? "interval" : "final");
	ots_json_u64(j, "seq", run->seq ? run->seq : 1);
	ots_json_str(j, "counters", "cumulative");
	ots_json_u64(j, "interval_s", run->interval_s);
	if (run->time_us && !conf->deterministic)
		ots_json_time(j, "time", run->time_us);
	ots_json_obj_close(j);
	ots_json_obj_open(j, "sensor");
	ots_json_str(j, "version", run->version);
	ots_json_str(j, "ndpi_version", ots_classify_ndpi_version());
	if (!conf->deterministic) {
		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			ots_json_str(j, "host", host);
		}
		ots_json_u64(j, "pid", (uint64_t)getpid());
	}
	ots_json_obj_close(j);
	ots_json_bool(j, "deterministic", conf->deterministic);
	ots_json_u64(j, "workers_count", run->nworkers);
	if (conf->iface) {
		ots_json_str(j, "interface", conf->iface);
	} else {
		ots_json_arr_open(j, "inputs");
		for (k = 0; k < cap->n_inputs; k++) {
			const struct ots_input_stats *in = &cap->inputs[k];

			ots_json_obj_open(j, NULL);
			ots_json_str(j, "path", in->path);
			ots_json_u64(j, "packets", in->packets);
			ots_json_u64(j, "bytes", in->bytes);
			ots_json_i64(j, "linktype", in->linktype);
			ots_json_bool(j, "truncated", in->truncated);
			if (in->error[0])
				ots_json_str(j, "error", in->error);
			ots_json_obj_close(j);
		}
		ots_json_arr_close(j);
	}
	if (cs->packets) {
		ots_json_time(j, "first_seen", cs->first_ts);
		ots_json_time(j, "last_seen", cs->last_ts);
	}
	ots_json_u64(j, "packets", cs->packets);
	ots_json_u64(j, "bytes", cs->bytes);
	if (!conf->deterministic) {
		ots_json_dbl(j, "elapsed_s", run->elapsed_s, 6);
		ots_json_dbl(j, "pps", run->elapsed_s > 0 ? (double)cs->packets / run->elapsed_s
		                                          : 0.0, 1);
		if (!run->interval)
			ots_json_dbl(j, "reader_cpu_s", cs->cpu_s, 3);
		ots_json_dbl(j, "main_cpu_s", ots_thread_cpu_s(), 3);
	}
	ots_json_obj_open(j, "drops");
	ots_json_u64(j, "ring_full", cs->ring_full_drops);
	ots_json_u64(j, "oversize", cs->oversize_drops);
	ots_json_u64(j, "kernel", cs->kernel_drops);
	ots_json_u64(j, "interface", cs->if_drops);
	ots_json_u64(j, "flow_memcap_packets", s.no_flow);
	ots_json_obj_close(j);

	ots_json_obj_open(j, "alerts");
	ots_json_u64(j, "written", run->alerts_total);
	ots_json_obj_close(j);

	ots_json_obj_open(j, "decode");
	ots_json_u64(j, "ipv4", s.dec.ipv4);
	ots_json_u64(j, "ipv6", s.dec.ipv6);
	ots_json_u64(j, "arp", s.dec.arp);
	ots_json_u64(j, "lldp", s.dec.lldp);
	ots_json_u64(j, "cdp", s.dec.cdp);
	ots_json_u64(j, "other_l2", s.dec.other_l3);
	ots_json_u64(j, "tcp", s.dec.tcp);
	ots_json_u64(j, "udp", s.dec.udp);
	ots_json_u64(j, "other_l4", s.dec.other_l4);
	ots_json_u64(j, "ip_fragments", s.dec.frags);
	ots_json_u64(j, "ipv4_reassembled", s.dec.reassembled);
	ots_json_u64(j, "non_ip", s.non_ip);
	ots_json_obj_open(j, "anomalies");
	for (i = 0; i < OTS_AN__COUNT; i++)
		ots_json_u64(j, ots_anomaly_name((enum ots_anomaly)i), s.dec.anomalies[i]);
	ots_json_obj_close(j);
	ots_json_obj_close(j);

	ots_json_obj_open(j, "flows");
	ots_json_u64(j, "created", s.flow.created);
	ots_json_u64(j, "written", run->out->flows_total);
	ots_json_obj_open(j, "ended");
	ots_json_u64(j, "idle", s.flow.ended_idle);
	ots_json_u64(j, "active_timeout", s.flow.ended_active);
	ots_json_u64(j, "closed", s.flow.ended_closed);
	ots_json_u64(j, "evicted", s.flow.ended_evicted);
	ots_json_u64(j, "eof", s.flow.ended_eof);
	ots_json_obj_close(j);
	ots_json_u64(j, "memcap_refused", s.flow.memcap_fail);
	ots_json_u64(j, "peak_active", s.flow.peak_active);
	ots_json_u64(j, "classified", s.cls.flows_detected);
	ots_json_u64(j, "guessed", s.cls.flows_guessed);
	ots_json_u64(j, "unknown", s.cls.flows_giveup);
	ots_json_u64(j, "ndpi_packets", s.cls.packets);
	ots_json_obj_close(j);

	ots_json_obj_open(j, "ics");
	ots_json_u64(j, "events_written", run->out->events_total);
	ots_json_u64(j, "identity_repeats_suppressed", s.facts_dup + run->out->facts_repeated);
	ots_json_obj_open(j, "ops");
	for (i = 0; i < OTS_OP__COUNT; i++)
		ots_json_u64(j, ots_op_class_name((enum ots_op_class)i), s.ops[i]);
	ots_json_obj_close(j);
	ots_json_obj_open(j, "protocols");
	for (k = 0; k < ots_dissectors_count; k++) {
		const struct ots_dissector *d = ots_dissectors[k];
		const struct ots_app_stats *p = &s.app.proto[d->id < OTS_APP_PROTO_MAX ? d->id : 0];

		ots_json_obj_open(j, d->name);
		ots_json_u64(j, "flows", p->flows);
		ots_json_u64(j, "pdus", p->pdus);
		ots_json_u64(j, "malformed", p->malformed);
		ots_json_u64(j, "framing_errors", p->desync);
		ots_json_u64(j, "flows_given_up", p->given_up);
		ots_json_obj_close(j);
	}
	ots_json_obj_close(j);
	if (s.l2.created) { /* only runs with layer-2 streams that keep state (GOOSE) */
		ots_json_obj_open(j, "layer2_streams");
		ots_json_u64(j, "created", s.l2.created);
		ots_json_u64(j, "expired", s.l2.expired);
		ots_json_u64(j, "evicted", s.l2.evicted);
		ots_json_u64(j, "peak", s.l2.peak);
		ots_json_obj_close(j);
	}
	ots_json_obj_close(j);

	if (run->inv) {
		const struct ots_inv *inv = run->inv;

		ots_json_obj_open(j, "inventory");
		ots_json_u64(j, "assets", inv->n_order);
		ots_json_u64(j, "conduits", inv->n_conduits);
		ots_json_u64(j, "observed_endpoints", inv->n_nodes);
		ots_json_u64(j, "observed_conduits", inv->n_oc);
		ots_json_u64(j, "changes_written", inv->changes_total);
		ots_json_u64(j, "facts_dropped", inv->facts_dropped);
		ots_json_u64(j, "memcap_bytes", inv->memcap);
		ots_json_u64(j, "endpoints_refused", inv->nodes_refused);
		ots_json_u64(j, "conduits_refused", inv->conduits_refused);
		if (!conf->deterministic) { /* struct sizes and timing: host figures */
			ots_json_u64(j, "memory_bytes", ots_inv_mem(inv));
			ots_json_dbl(j, "checkpoint_s", inv->checkpoint_s, 3);
		}
		ots_json_obj_close(j);
	}

	if (run->zones_path) {
		ots_json_obj_open(j, "zones");
		ots_json_str(j, "file", run->zones_path);
		ots_json_u64(j, "zones", run->n_zones);
		ots_json_u64(j, "conduits", run->n_zone_conduits);
		ots_json_u64(j, "alerts_written", run->alerts_written);
		ots_json_u64(j, "reloads", run->zone_reloads);
		ots_json_obj_close(j);
	}

	if (run->rules_path && run->det) {
		const struct ots_detect *d = run->det;

		ots_json_obj_open(j, "detection");
		ots_json_arr_open(j, "rules_paths");
		for (i = 0; i < run->n_rules_paths; i++)
			ots_json_str(j, NULL, run->rules_paths[i]);
		ots_json_arr_close(j);
		ots_json_u64(j, "rules", d->rules ? d->rules->n : 0);
		ots_json_u64(j, "reloads", run->rule_reloads);
		ots_json_u64(j, "worker_hits", s.rule_hits);
		ots_json_u64(j, "hits", d->st.hits);
		ots_json_u64(j, "hits_dropped", d->st.hits_dropped);
		ots_json_u64(j, "suppressed", d->st.suppressed);
		ots_json_u64(j, "alerts_written", d->st.alerts_written);
		ots_json_obj_open(j, "alerts_by_severity");
		ots_json_u64(j, "low", d->alerts_by_sev[0]);
		ots_json_u64(j, "medium", d->alerts_by_sev[1]);
		ots_json_u64(j, "high", d->alerts_by_sev[2]);
		ots_json_u64(j, "critical", d->alerts_by_sev[3]);
		ots_json_obj_close(j);
		ots_json_obj_close(j);
	}
	if (run->baseline)
		ots_baseline_stats_json(run->baseline, j);
	if (run->kafka)
		ots_kafka_stats_json(run->kafka, j);

	ots_json_obj_open(j, "tcp");
	ots_json_u64(j, "stream_bytes", s.stream_bytes);
	ots_json_u64(j, "gaps", s.tcp_gaps);
	ots_json_u64(j, "gap_bytes", s.tcp_gap_bytes);
	ots_json_u64(j, "alloc_failures", s.stream_nomem);
	ots_json_obj_close(j);

	ots_json_obj_open(j, "memory");
	ots_json_u64(j, "flow_memcap_bytes", conf->flow.memcap);
	ots_json_u64(j, "flow_mem_peak_bytes", s.flow.mem_peak);
	if (!conf->deterministic)
		ots_json_u64(j, "max_rss_bytes", run->max_rss_bytes);
	ots_json_obj_close(j);

	ots_json_arr_open(j, "workers");
	for (i = 0; i < run->nworkers; i++) {
		const struct ots_worker_stats *w = run->wst ? &run->wst[i] : &run->workers[i].st;

		ots_json_obj_open(j, NULL);
		ots_json_u64(j, "id", i);
		ots_json_u64(j, "packets", w->packets);
		ots_json_u64(j, "bytes", w->bytes);
		ots_json_u64(j, "flows_created", w->flow.created);
		ots_json_u64(j, "flows_peak_active", w->flow.peak_active);
		ots_json_u64(j, "flow_mem_peak_bytes", w->flow.mem_peak);
		ots_json_dbl(j, "mean_probe_length",
		             w->flow.lookups ? (double)w->flow.probes / (double)w->flow.lookups : 0.0,
		             3);
		ots_json_u64(j, "ndpi_packets", w->cls.packets);
		if (!conf->deterministic) {
			ots_json_u64(j, "output_waits", w->out_waits);
			ots_json_dbl(j, "cpu_s", w->cpu_s, 3);
		}
		ots_json_obj_close(j);
	}
	ots_json_arr_close(j);
	ots_json_obj_close(j);
	ots_json_newline(j);
}

static void
human_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static int
proto_cmp(const void *a, const void *b)
{
	const struct ots_proto_total *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->name, y->name);
}

void
ots_stats_summary(FILE *fp, const struct ots_run *run)
{
	const struct ots_capture *cap = run->cap;
	struct ots_worker_stats s;
	struct ots_proto_total *p = NULL;
	char b1[32], t1[40], t2[40];
	size_t k, n = run->out->n_protos;
	unsigned i, shown = 0;
	time_t t;
	struct tm tm;

	ots_stats_sum(run, &s);
	human_bytes(cap->st.bytes, b1, sizeof(b1));
	if (run->conf->iface) {
		fprintf(fp, "otsensor: captured %llu packets (%s) on %s\n",
		        (unsigned long long)cap->st.packets, b1, run->conf->iface);
	} else {
		fprintf(fp, "otsensor: read %zu file%s, %llu packets (%s)\n", cap->n_inputs,
		        cap->n_inputs == 1 ? "" : "s", (unsigned long long)cap->st.packets, b1);
	}
	if (cap->st.packets) {
		t = (time_t)(cap->st.first_ts / 1000000u);
		gmtime_r(&t, &tm);
		strftime(t1, sizeof(t1), "%Y-%m-%d %H:%M:%S", &tm);
		t = (time_t)(cap->st.last_ts / 1000000u);
		gmtime_r(&t, &tm);
		strftime(t2, sizeof(t2), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(fp, "  time:      %s to %s UTC\n", t1, t2);
	}
	fprintf(fp, "  decoded:   %llu IPv4, %llu IPv6, %llu ARP, %llu LLDP, %llu CDP, "
	        "%llu other layer-2 frames\n",
	        (unsigned long long)s.dec.ipv4, (unsigned long long)s.dec.ipv6,
	        (unsigned long long)s.dec.arp, (unsigned long long)s.dec.lldp,
	        (unsigned long long)s.dec.cdp, (unsigned long long)s.dec.other_l3);
	fprintf(fp, "  flows:     %llu (%llu classified, %llu guessed, %llu unknown)\n",
	        (unsigned long long)run->out->flows_total, (unsigned long long)s.cls.flows_detected,
	        (unsigned long long)s.cls.flows_guessed, (unsigned long long)s.cls.flows_giveup);
	if (n) {
		p = malloc(n * sizeof(*p));
		if (p) {
			memcpy(p, run->out->protos, n * sizeof(*p));
			qsort(p, n, sizeof(*p), proto_cmp);
			fprintf(fp, "  protocols by bytes (flows / packets / bytes):\n");
			for (k = 0; k < n && k < 12; k++) {
				human_bytes(p[k].bytes, b1, sizeof(b1));
				fprintf(fp, "    %-24s %8llu %10llu %12s\n", p[k].name,
				        (unsigned long long)p[k].flows, (unsigned long long)p[k].pkts, b1);
			}
			if (n > 12)
				fprintf(fp, "    ... and %zu more\n", n - 12);
			free(p);
		}
	}
	for (k = 0; k < ots_dissectors_count; k++) {
		const struct ots_dissector *d = ots_dissectors[k];
		const struct ots_app_stats *as = &s.app.proto[d->id < OTS_APP_PROTO_MAX ? d->id : 0];

		if (!as->flows)
			continue;
		if (!shown++)
			fprintf(fp, "  industrial (flows / PDUs / malformed):");
		fprintf(fp, " %s %llu/%llu/%llu", d->name, (unsigned long long)as->flows,
		        (unsigned long long)as->pdus, (unsigned long long)as->malformed);
	}
	if (shown) {
		uint64_t nonread = 0;

		for (i = 1; i < OTS_OP__COUNT; i++)
			nonread += s.ops[i];
		fprintf(fp, "\n  operations: %llu reads, %llu others (writes, control, program ...: "
		        "see events.jsonl)\n", (unsigned long long)s.ops[OTS_OP_READ],
		        (unsigned long long)nonread);
		shown = 0;
	}
	for (i = 0; i < OTS_AN__COUNT; i++) {
		if (!s.dec.anomalies[i])
			continue;
		if (!shown++)
			fprintf(fp, "  anomalies:");
		fprintf(fp, " %s=%llu", ots_anomaly_name((enum ots_anomaly)i),
		        (unsigned long long)s.dec.anomalies[i]);
	}
	if (shown)
		fprintf(fp, "\n");
	for (k = 0; k < cap->n_inputs; k++)
		if (cap->inputs[k].truncated)
			fprintf(fp, "  warning:   %s is cut short (%s); results cover it up to the cut\n",
			        cap->inputs[k].path, cap->inputs[k].error);
	if (cap->st.ring_full_drops || cap->st.kernel_drops || cap->st.if_drops)
		fprintf(fp, "  drops:     %llu ring full, %llu kernel, %llu interface\n",
		        (unsigned long long)cap->st.ring_full_drops,
		        (unsigned long long)cap->st.kernel_drops, (unsigned long long)cap->st.if_drops);
	if (run->conf->outdir)
		fprintf(fp, "  results:   %s/flows.jsonl (%llu flow records), %s/events.jsonl (%llu "
		        "events), %s/stats.json\n", run->conf->outdir,
		        (unsigned long long)run->out->flows_total, run->conf->outdir,
		        (unsigned long long)run->out->events_total, run->conf->outdir);
	else
		fprintf(fp, "  results:   not written; add -o DIR for DIR/flows.jsonl (one record per "
		        "flow) and DIR/stats.json\n");
}
