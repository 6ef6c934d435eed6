/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c: command line, threads, signals and the end-of-run reports. No packet logic here:
 * the main thread drains the workers' event rings into the output and shows progress.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ots/asset.h"
#include "ots/baseline.h"
#include "ots/capture.h"
#include "ots/classify.h"
#include "ots/conf.h"
#include "ots/conf-file.h"
#include "ots/dissector.h"
#include "ots/error.h"
#include "ots/geoip.h"
#include "ots/log.h"
#include "ots/output.h"
#include "ots/output-kafka.h"
#include "ots/oui.h"
#include "ots/privdrop.h"
#include "ots/stats.h"
#include "ots/worker.h"
#include "ots/zone-policy.h"
#include "ots/detect.h"
#include "ots/rules.h"
#include "ots/zones.h"

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_hup;

static void
on_signal(int sig)
{
	if (!got_signal) /* the first one names the cause; later ones only wake threads up */
		got_signal = sig;
}

static void
on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

/* The zones policy of a run (-z). */
struct zctx {
	struct ots_zones zones;
	int have;
	struct ots_policy pol;
	FILE *alerts;             /* DIR/alerts.jsonl */
	char host[256];           /* observer.name; empty with --deterministic */
	uint64_t reloads;
	struct ots_baseline bl;   /* --learn / --baseline (alerts also go to alerts) */
	const struct ots_capture *cap; /* packet time reached, for learning */
	int final;                /* the last checkpoint of the run */
};

/* -R: every set loaded stays until exit (hit records point into it); workers read cur. */
struct rctx {
	struct ots_rules **sets;
	size_t n_sets;
	_Atomic(const struct ots_rules *) cur;
	struct ots_detect det;
	uint64_t reloads;
	int on;
};

/* -R at start and on SIGHUP: a rule file that does not load keeps the previous set. */
static int
rules_reload(const struct ots_conf *conf, struct rctx *rc, const struct zctx *zc)
{
	struct ots_rules *rs = calloc(1, sizeof(*rs));
	struct ots_rules **v;
	char err[1024];

	if (!rs) {
		ots_err("rules: out of memory");
		return 1;
	}
	if (ots_rules_load_paths(rs, conf->rules_paths, conf->n_rules_paths,
	                         zc->have ? &zc->zones : NULL, err, sizeof(err)) != OTS_OK) {
		ots_err("%s%s", err, rc->n_sets ? " (the rules loaded before stay in force)" : "");
		free(rs);
		return 1;
	}
	v = realloc(rc->sets, (rc->n_sets + 1) * sizeof(*v));
	if (!v) {
		ots_rules_free(rs);
		free(rs);
		ots_err("rules: out of memory");
		return 1;
	}
	rc->sets = v;
	v[rc->n_sets++] = rs;
	if (rc->n_sets > 1) {
		rc->reloads++;
		ots_info("%s%s: rules reloaded (%u rule%s)", conf->rules_path,
		         conf->n_rules_paths > 1 ? " ..." : "", rs->n, rs->n == 1 ? "" : "s");
	}
	rc->det.rules = rs;
	atomic_store_explicit(&rc->cur, rs, memory_order_release);
	rc->on = 1;
	return 0;
}

/* -z at start and on SIGHUP: a file that does not load keeps the previous policy. */
static int
zones_reload(const struct ots_conf *conf, struct zctx *zc)
{
	struct ots_zones nz;
	char err[1024] = "";
	size_t i;

	memset(&nz, 0, sizeof(nz));
	if (ots_zones_load(&nz, conf->zones_path, err, sizeof(err)) != OTS_OK) {
		if (zc->have)
			ots_err("%s; keeping the zones loaded before", err);
		else
			ots_err("%s", err);
		return 1;
	}
	for (i = 0; i < nz.n_warnings; i++)
		ots_warn("%s", nz.warnings[i]);
	if (zc->have) {
		ots_zones_free(&zc->zones);
		zc->reloads++;
		ots_info("%s: zones reloaded (%zu zones, %zu conduits)", conf->zones_path, nz.n_zones,
		         nz.n_conduits);
	}
	zc->zones = nz;
	zc->have = 1;
	return 0;
}

/* --kafka-*: the options and the producer (NULL without --kafka-brokers). */
enum { OPT_KAFKA_BROKERS = 400, OPT_KAFKA_PREFIX, OPT_KAFKA_PROPERTY, OPT_KAFKA_SPOOL,
       OPT_KAFKA_SPOOL_MAX, OPT_KAFKA_FLUSH, OPT_KAFKA_SNAPSHOT, OPT_KAFKA__END };
static struct {
	const char *brokers, *prefix, *spool;
	const char **props;
	size_t n_props;
	uint64_t spool_max;
	double flush_s, snapshot_s;
} kcli = { NULL, NULL, NULL, NULL, 0, 1ull << 30, 10.0, 3600.0 };
static struct ots_kafka *kafka;

static int OTS_PRINTF(1, 2) bad_usage(const char *fmt, ...);

static int
kafka_opt(int c, const char *arg)
{
	char *end;
	double d;

	switch (c) {
	case OPT_KAFKA_BROKERS: kcli.brokers = arg; break;
	case OPT_KAFKA_PREFIX: kcli.prefix = arg; break;
	case OPT_KAFKA_SPOOL: kcli.spool = arg; break;
	case OPT_KAFKA_PROPERTY: {
		const char **v = realloc(kcli.props, (kcli.n_props + 1) * sizeof(*v));

		if (!v || !strchr(arg, '='))
			return bad_usage("--kafka-property needs KEY=VALUE, not '%s'", arg);
		kcli.props = v;
		v[kcli.n_props++] = arg;
		break;
	}
	case OPT_KAFKA_SPOOL_MAX:
		if (ots_parse_size(arg, &kcli.spool_max) != OTS_OK || kcli.spool_max < 4096)
			return bad_usage("--kafka-spool-max needs a size of at least 4k, not '%s'", arg);
		break;
	case OPT_KAFKA_FLUSH:
	case OPT_KAFKA_SNAPSHOT:
		d = strtod(arg, &end);
		if (end == arg || *end || !(d >= 0 && d <= 86400 * 7))
			return bad_usage("%s needs seconds, not '%s'", c == OPT_KAFKA_FLUSH ?
			                 "--kafka-flush-timeout" : "--kafka-snapshot", arg);
		*(c == OPT_KAFKA_FLUSH ? &kcli.flush_s : &kcli.snapshot_s) = d;
		break;
	}
	return 0;
}

/* After -o is ready: the producer and its spool (default DIR/kafka-spool, or next to
 * --state). Returns 0 or 1 (reported). */
static int
kafka_start(const struct ots_conf *conf, const char *sensor)
{
	struct ots_kafka_opts o;
	char err[1024], dir[4096];
	size_t i;

	if (!kcli.brokers)
		return 0;
	if (kcli.spool) {
		snprintf(dir, sizeof(dir), "%s", kcli.spool);
	} else if (conf->state_path) {
		const char *sl = strrchr(conf->state_path, '/');

		snprintf(dir, sizeof(dir), "%.*s%skafka-spool", sl ? (int)(sl - conf->state_path) : 0,
		         conf->state_path, sl ? "/" : "");
	} else {
		snprintf(dir, sizeof(dir), "%s/kafka-spool", conf->outdir);
	}
	kafka = ots_kafka_new();
	if (!kafka) {
		ots_err("kafka: out of memory");
		return 1;
	}
	if (ots_kafka_set(kafka, "bootstrap.servers", kcli.brokers, err, sizeof(err)) != OTS_OK)
		goto fail;
	for (i = 0; i < kcli.n_props; i++)
		if (ots_kafka_set_kv(kafka, kcli.props[i], err, sizeof(err)) != OTS_OK)
			goto fail;
	memset(&o, 0, sizeof(o));
	o.prefix = kcli.prefix;
	o.sensor = sensor;
	o.spool_dir = dir;
	o.spool_max = kcli.spool_max;
	o.flush_timeout_s = kcli.flush_s;
	o.snapshot_s = kcli.snapshot_s;
	if (ots_kafka_open(kafka, &o, err, sizeof(err)) == OTS_OK)
		return 0;
fail:
	ots_err("%s", err);
	ots_kafka_free(kafka);
	kafka = NULL;
	return 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	        "usage: otsensor -r PATH [-r PATH ...] [options]\n"
	        "       otsensor -i IFACE [options]\n"
	        "\n"
	        "Passive OT network sensor: reads captures or a live interface, tracks flows and\n"
	        "classifies their traffic.\n"
	        "\n"
	        "input:\n"
	        "  -r, --read PATH        pcap or pcapng file, or a directory of them (read in name\n"
	        "                         order), '-' for standard input; repeat to read\n"
	        "                         several, in the order given\n"
	        "  -i, --interface IFACE  capture live (promiscuous); stop with Ctrl-C or SIGTERM\n"
	        "  -f, --filter 'BPF'     capture filter (tcpdump syntax)\n"
	        "output:\n"
	        "  -o, --output DIR       write DIR/flows.jsonl, DIR/events.jsonl (ICS operations\n"
	        "                         other than routine reads, identity facts, protocol\n"
	        "                         violations) and DIR/stats.json (created if\n"
	        "                         needed); a summary goes to stdout either way\n"
	        "      --deterministic    results depend only on the capture: packet time only,\n"
	        "                         sorted records, no host name, pid or wall-clock figures\n"
	        "      --log-all-ops      log routine reads in events.jsonl too\n"
	        "  -q, --quiet            no summary, no progress line\n"
	        "inventory (with -o: DIR/assets.json, conduits.json, assets.csv, map.dot,\n"
	        "map.svg when Graphviz is installed, report.html; changes in events.jsonl):\n"
	        "      --state FILE       load the inventory from FILE at start, save it there\n"
	        "                         atomically at every checkpoint and at exit\n"
	        "      --checkpoint SECS  live capture: rewrite the inventory files and the\n"
	        "                         state every SECS seconds (default 300)\n"
	        "      --alert-interval SECS  live capture: run the zone, rule and baseline\n"
	        "                         checks every SECS seconds (default 5; longer when the\n"
	        "                         inventory is so large its build takes a while)\n"
	        "      --stats-interval SECS  live capture: a stats record every SECS seconds\n"
	        "                         (default 60, 0: only at exit): DIR/stats.json rewritten,\n"
	        "                         a line added to DIR/stats.jsonl, and to Kafka P.stats\n"
	        "      --inventory-memcap SIZE  memory for the inventory's observations (default\n"
	        "                         256M; past it new devices and conduits are counted, not kept)\n"
	        "      --geoip FILE       MaxMind DB for country/ASN of public peers (GeoLite2/\n"
	        "                         GeoIP2 Country, City, ASN; ip-location-db country);\n"
	        "                         repeat for several; 'none' disables the default\n"
	        "      --ieee-data DIR    IEEE OUI lists for NIC vendors\n"
	        "                         (default /usr/share/ieee-data, package ieee-data)\n"
	        "zones (IEC 62443):\n"
	        "  -z, --zones FILE       check the traffic against the zones and conduits declared\n"
	        "                         in FILE (YAML): DIR/alerts.jsonl, DIR/zones.json; SIGHUP\n"
	        "                         re-reads FILE (a broken file keeps the previous zones)\n"
	        "      --check-zones FILE validate a zones file and exit (0 valid, 1 not)\n"
	        "      --suggest-zones    after reading the captures, print a starter zones file\n"
	        "                         made from the traffic seen (stdout; DIR/zones.suggested.yaml)\n"
	        "detection (rules/README.md):\n"
	        "  -R, --rules PATH       detection rules: a .rules file or a directory of them;\n"
	        "                         repeat for several (shipped set, then site rules);\n"
	        "                         alerts in DIR/alerts.jsonl; SIGHUP re-reads them (a\n"
	        "                         broken file keeps the previous rules)\n"
	        "      --check-rules PATH load the rules (with the -R paths and -z zones given),\n"
	        "                         report, exit 0/1\n"
	        "      --list-functions[=PROTO]  print the functions rules can match: protocol,\n"
	        "                         name, code, op class (tab-separated) and exit\n"
	        "baseline:\n"
	        "      --learn DURATION   learn a baseline from the first DURATION of packet time\n"
	        "                         (30m, 8h, 7d; seconds without a unit): assets, conduits,\n"
	        "                         functions, firmware and roles; afterwards new-asset,\n"
	        "                         new-conduit, new-function, firmware-change and\n"
	        "                         role-change alerts go to DIR/alerts.jsonl\n"
	        "      --baseline FILE    with --learn and no FILE yet: save the baseline there once\n"
	        "                         learned; when FILE exists: load it, do not learn, and\n"
	        "                         alert from the first packet\n"
	        "kafka (records of alerts.jsonl, events.jsonl, assets, conduits, stats):\n"
	        "      --kafka-brokers HOST:PORT[,...]  also publish to Kafka (needs -o DIR)\n"
	        "      --kafka-prefix P   topics P.alerts, P.assets, P.conduits, P.events,\n"
	        "                         P.stats (default otsensor)\n"
	        "      --kafka-property K=V  any librdkafka property (TLS, SASL ...); repeatable\n"
	        "      --kafka-spool DIR  records the broker cannot take wait there (default\n"
	        "                         DIR/kafka-spool of -o, or next to --state)\n"
	        "      --kafka-spool-max SIZE  spool cap (default 1G); past it the oldest events\n"
	        "                         are dropped first, alerts last\n"
	        "      --kafka-flush-timeout SECS  at exit (default 10), then the rest is spooled\n"
	        "      --kafka-snapshot SECS  full assets/conduits snapshot period (default 3600)\n"
	        "engine:\n"
	        "  -w, --workers N        worker threads (default: online cores - 1, at least 1)\n"
	        "      --flow-memcap SIZE memory for flow state, all workers (default 256M;\n"
	        "                         suffixes k, M, G)\n"
	        "      --ndpi-packets N   packets per flow given to nDPI before giving up (32)\n"
	        "config and service:\n"
	        "  -c, --config FILE      YAML file of options: keys are the long option names,\n"
	        "                         values what they take (true/false for flags, a list\n"
	        "                         for read/geoip); options given here override it;\n"
	        "                         SIGHUP re-reads it (packaging/otsensor.example.yaml)\n"
	        "      --test-config      check the options, config file, zones and rules, print\n"
	        "                         what would run and exit (0 valid, 1 not)\n"
	        "      --user NAME        run as NAME once the capture is open (no capability\n"
	        "                         kept); the output and --state directories must be\n"
	        "                         writable by NAME (created for it when missing)\n"
	        "  -h, --help             this help\n"
	        "      --version          version and library versions\n"
	        "\n"
	        "Exit status: 0 success, 1 runtime error (unreadable input, file read interrupted\n"
	        "by a signal ...), 2 bad usage. SIGINT/SIGTERM end a live capture normally (0).\n");
}

enum {
	OPT_DETERMINISTIC = 256, OPT_VERSION, OPT_MEMCAP, OPT_NDPI_PKTS, OPT_LOG_ALL_OPS,
	OPT_STATE, OPT_CHECKPOINT, OPT_GEOIP, OPT_IEEE, OPT_CHECK_ZONES, OPT_SUGGEST_ZONES,
	OPT_INV_MEMCAP, OPT_CHECK_RULES, OPT_LIST_FUNCTIONS, OPT_LEARN, OPT_BASELINE,
	OPT_ALERT_INTERVAL, OPT_TEST_CONFIG, OPT_USER, OPT_STATS_INTERVAL
};

#define SHORT_OPTS "r:i:f:o:w:qhz:R:c:"

static const struct option long_opts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "kafka-brokers", required_argument, NULL, OPT_KAFKA_BROKERS },
	{ "kafka-prefix", required_argument, NULL, OPT_KAFKA_PREFIX },
	{ "kafka-property", required_argument, NULL, OPT_KAFKA_PROPERTY },
	{ "kafka-spool", required_argument, NULL, OPT_KAFKA_SPOOL },
	{ "kafka-spool-max", required_argument, NULL, OPT_KAFKA_SPOOL_MAX },
	{ "kafka-flush-timeout", required_argument, NULL, OPT_KAFKA_FLUSH },
	{ "kafka-snapshot", required_argument, NULL, OPT_KAFKA_SNAPSHOT },
	{ "interface", required_argument, NULL, 'i' },
	{ "filter", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "workers", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "flow-memcap", required_argument, NULL, OPT_MEMCAP },
	{ "ndpi-packets", required_argument, NULL, OPT_NDPI_PKTS },
	{ "log-all-ops", no_argument, NULL, OPT_LOG_ALL_OPS },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
	{ "alert-interval", required_argument, NULL, OPT_ALERT_INTERVAL },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "ieee-data", required_argument, NULL, OPT_IEEE },
	{ "zones", required_argument, NULL, 'z' },
	{ "check-zones", required_argument, NULL, OPT_CHECK_ZONES },
	{ "suggest-zones", no_argument, NULL, OPT_SUGGEST_ZONES },
	{ "inventory-memcap", required_argument, NULL, OPT_INV_MEMCAP },
	{ "rules", required_argument, NULL, 'R' },
	{ "check-rules", required_argument, NULL, OPT_CHECK_RULES },
	{ "list-functions", optional_argument, NULL, OPT_LIST_FUNCTIONS },
	{ "learn", required_argument, NULL, OPT_LEARN },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "config", required_argument, NULL, 'c' },
	{ "test-config", no_argument, NULL, OPT_TEST_CONFIG },
	{ "user", required_argument, NULL, OPT_USER },
	{ NULL, 0, NULL, 0 }
};

/* The argument list parse_args() reads (config file first) and where its current option
 * comes from: "FILE:LINE:COL: " for an option of the config file, else "". */
static const struct ots_conf_args *cur_args;
static char arg_where[1200];

static int OTS_PRINTF(1, 2)
bad_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ots_err("%s%s (see otsensor -h)", arg_where, msg);
	return 2;
}

static int
parse_args(int argc, char **argv, struct ots_conf *conf)
{
	char err[512];
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, SHORT_OPTS, long_opts, NULL)) != -1) {
		ots_conf_args_where(cur_args, optind - 1, arg_where, sizeof(arg_where));
		switch (c) {
		case 'r':
			if (ots_conf_add_input(conf, optarg, err, sizeof(err)) != OTS_OK) {
				ots_err("%s%s", arg_where, err);
				return 1;
			}
			break;
		case 'i':
			if (conf->iface)
				return bad_usage("only one -i interface per sensor process");
			conf->iface = optarg;
			break;
		case 'f': conf->bpf = optarg; break;
		case 'o': conf->outdir = optarg; break;
		case 'w':
			if (ots_parse_uint(optarg, 1, OTS_MAX_WORKERS, &v) != OTS_OK)
				return bad_usage("-w needs a worker count from 1 to %d, not '%s'",
				                 OTS_MAX_WORKERS, optarg);
			conf->workers = (unsigned)v;
			break;
		case 'q': conf->quiet = 1; break;
		case 'h': usage(stdout); exit(0);
		case OPT_DETERMINISTIC: conf->deterministic = 1; break;
		case OPT_LOG_ALL_OPS: conf->log_all_ops = 1; break;
		case OPT_VERSION:
			printf("otsensor %s\nnDPI %s\n%s\n", PACKAGE_VERSION, ots_classify_ndpi_version(),
			       ots_capture_lib_version());
			exit(0);
		case OPT_MEMCAP:
			if (ots_parse_size(optarg, &v) != OTS_OK || v < (1u << 20))
				return bad_usage("--flow-memcap needs a size of at least 1M (e.g. 512M), "
				                 "not '%s'", optarg);
			conf->flow.memcap = v;
			break;
		case OPT_NDPI_PKTS:
			if (ots_parse_uint(optarg, 1, 1000, &v) != OTS_OK)
				return bad_usage("--ndpi-packets needs 1 to 1000, not '%s'", optarg);
			conf->ndpi_max_pkts = (uint32_t)v;
			break;
		case OPT_STATE: conf->state_path = optarg; break;
		case OPT_CHECKPOINT:
			if (ots_parse_uint(optarg, 1, 86400, &v) != OTS_OK)
				return bad_usage("--checkpoint needs 1 to 86400 seconds, not '%s'", optarg);
			conf->checkpoint_s = (unsigned)v;
			break;
		case OPT_ALERT_INTERVAL:
			if (ots_parse_uint(optarg, 1, 86400, &v) != OTS_OK)
				return bad_usage("--alert-interval needs 1 to 86400 seconds, not '%s'", optarg);
			conf->alert_interval_s = (unsigned)v;
			break;
		case OPT_STATS_INTERVAL:
			if (ots_parse_uint(optarg, 0, 86400, &v) != OTS_OK)
				return bad_usage("--stats-interval needs 0 to 86400 seconds, not '%s'", optarg);
			conf->stats_interval_s = (unsigned)v;
			break;
		case OPT_GEOIP:
			if (strcmp(optarg, "none") == 0) {
				conf->geoip_off = 1;
				break;
			}
			if (conf->n_geoip == sizeof(conf->geoip) / sizeof(conf->geoip[0]))
				return bad_usage("at most %zu --geoip databases",
				                 sizeof(conf->geoip) / sizeof(conf->geoip[0]));
			conf->geoip[conf->n_geoip++] = optarg;
			break;
		case OPT_IEEE: conf->ieee_dir = optarg; break;
		case 'z': conf->zones_path = optarg; break;
		case OPT_CHECK_ZONES: conf->check_zones = optarg; break;
		case OPT_SUGGEST_ZONES: conf->suggest_zones = 1; break;
		case 'R':
			if (conf->n_rules_paths == OTS_ARRAY_LEN(conf->rules_paths))
				return bad_usage("at most %zu -R paths", OTS_ARRAY_LEN(conf->rules_paths));
			if (!conf->rules_path)
				conf->rules_path = optarg;
			conf->rules_paths[conf->n_rules_paths++] = optarg;
			break;
		case OPT_CHECK_RULES: conf->check_rules = optarg; break;
		case OPT_LIST_FUNCTIONS:
			if (ots_dissector_print_functions(stdout, optarg, err, sizeof(err)) != OTS_OK) {
				ots_err("%s", err);
				exit(2);
			}
			exit(0);
		case OPT_INV_MEMCAP:
			if (ots_parse_size(optarg, &v) != OTS_OK || v < (1u << 20))
				return bad_usage("--inventory-memcap needs a size of at least 1M (e.g. "
				                 "512M), not '%s'", optarg);
			conf->inv_memcap = v;
			break;
		case OPT_LEARN:
			if (ots_baseline_parse_duration(optarg, &conf->learn_us) != OTS_OK)
				return bad_usage("--learn needs a duration such as 30m, 8h or 7d, not '%s'",
				                 optarg);
			break;
		case OPT_BASELINE: conf->baseline_path = optarg; break;
		case 'c': conf->config_path = optarg; break; /* read by ots_conf_args_build() */
		case OPT_TEST_CONFIG: conf->test_config = 1; break;
		case OPT_USER: conf->user = optarg; break;
		default:
			if (c >= OPT_KAFKA_BROKERS && c < OPT_KAFKA__END) {
				if (kafka_opt(c, optarg) != 0)
					return 2;
				break;
			}
			return 2; /* getopt printed the reason */
		}
	}
	arg_where[0] = '\0';
	if (optind < argc)
		return bad_usage("unexpected argument '%s' (inputs are given with -r)", argv[optind]);
	if (conf->check_zones || conf->check_rules)
		return 0;
	if (conf->suggest_zones && !conf->n_inputs)
		return bad_usage("--suggest-zones works on captures: give -r FILE|DIR");
	if (!conf->n_inputs && !conf->iface)
		return bad_usage("nothing to read: give -r FILE|DIR or -i IFACE");
	if (conf->n_inputs && conf->iface)
		return bad_usage("-r and -i exclude each other");
	if (kcli.brokers && !conf->outdir)
		return bad_usage("--kafka-brokers publishes what -o DIR holds: give -o DIR");
	return 0;
}

/*
 * -c: every argument list a run parsed (the first at start, one per SIGHUP that changed the
 * config file) stays until exit: the options in force point into them.
 */
static struct ots_conf_args **args_kept;
static size_t n_args_kept;

/* Build the argument list of argv (the config file first) and keep it. NULL on error. */
static struct ots_conf_args *
args_load(int argc, char **argv)
{
	struct ots_conf_args *a = calloc(1, sizeof(*a)), **v;
	char err[1200];

	v = a ? realloc(args_kept, (n_args_kept + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(a);
		ots_err("out of memory");
		return NULL;
	}
	args_kept = v;
	if (ots_conf_args_build(a, argc, argv, SHORT_OPTS, long_opts, err, sizeof(err)) != OTS_OK) {
		ots_err("%s%s", err, n_args_kept ? "; keeping the configuration loaded before" : "");
		free(a);
		return NULL;
	}
	args_kept[n_args_kept++] = a;
	return a;
}

/*
 * SIGHUP with -c: re-read the config file (a broken one keeps the options in force), apply
 * what can change live (zones and rules paths, alert-interval, checkpoint; the zones and rules
 * reloads follow) and name what needs a restart. Returns 1 when alert-interval changed.
 */
static int
config_reload(struct ots_conf *conf, int argc, char **argv)
{
	const struct ots_conf_args *prev = args_kept[n_args_kept - 1];
	struct ots_conf_args *na;
	struct ots_conf nc;
	const char *names[64];
	char applied[512] = "", restart[512] = "";
	size_t n, i, la = 0, lr = 0;
	int rc, ai = 0;

	if (!(na = args_load(argc, argv)))
		return 0;
	ots_conf_defaults(&nc);
	cur_args = na;
	rc = parse_args(na->argc, na->argv, &nc);
	cur_args = NULL;
	ots_conf_free(&nc);
	if (rc) {
		ots_err("%s: keeping the configuration loaded before", conf->config_path);
		ots_conf_args_free(na);
		free(na);
		n_args_kept--;
		return 0;
	}
	n = ots_conf_args_changed(prev, na, long_opts, names, 64);
	for (i = 0; i < n && i < 64; i++) {
		const char *o = names[i];
		int live = 1;

		if (strcmp(o, "zones") == 0 && conf->zones_path && nc.zones_path)
			conf->zones_path = nc.zones_path;
		else if (strcmp(o, "rules") == 0 && conf->rules_path && nc.rules_path) {
			conf->rules_path = nc.rules_path; /* every path of the list */
			memcpy(conf->rules_paths, nc.rules_paths, sizeof(conf->rules_paths));
			conf->n_rules_paths = nc.n_rules_paths;
		}
		else if (strcmp(o, "alert-interval") == 0)
			ai = (conf->alert_interval_s = nc.alert_interval_s) != 0;
		else if (strcmp(o, "checkpoint") == 0)
			conf->checkpoint_s = nc.checkpoint_s;
		else if (strcmp(o, "stats-interval") == 0)
			conf->stats_interval_s = nc.stats_interval_s;
		else
			live = 0;
		if (live)
			la += (size_t)snprintf(applied + la, la < sizeof(applied) ? sizeof(applied) - la : 0,
			                       "%s%s", la ? ", " : "", o);
		else
			lr += (size_t)snprintf(restart + lr, lr < sizeof(restart) ? sizeof(restart) - lr : 0,
			                       "%s%s", lr ? ", " : "", o);
	}
	ots_info("%s: configuration reloaded (%s%s)", conf->config_path, la ? "applied: " : "",
	         la ? applied : "no live option changed");
	if (lr)
		ots_warn("%s: %s changed: that needs a restart, the values in force stay",
		         conf->config_path, restart);
	return ai;
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Move every visible record of every worker into the output. Returns records moved. */
static size_t
drain(struct ots_worker *w, unsigned n, struct ots_output *out, struct ots_inv *inv,
      struct ots_detect *det)
{
	const void *r;
	size_t moved = 0;
	uint32_t len, type;
	unsigned i;

	for (i = 0; i < n; i++) {
		while ((r = ots_ring_peek(&w[i].out, &len))) {
			memcpy(&type, r, sizeof(type));
			if (type == OTS_REC_FLOW) {
				/* flows without a dissector come without their ICS tallies */
				struct ots_flow_msg fm;

				memcpy(&fm, r, len < sizeof(fm) ? len : sizeof(fm));
				if (inv)
					ots_inv_flow(inv, &fm.r, len >= sizeof(fm) ? &fm.ics : NULL);
				if (inv && det)
					ots_detect_flow(det, inv, &fm.r);
				ots_output_flow(out, &fm.r, len >= sizeof(fm) ? &fm.ics : NULL);
			} else {
				/* events may come without their tail (value): never read past len */
				struct ots_event_rec e;

				memset(&e, 0, sizeof(e));
				memcpy(&e, r, len < sizeof(e) ? len : sizeof(e));
				if (e.kind == OTS_EV_HIT) {
					if (inv && det)
						ots_detect_hit(det, inv, &e);
				} else if (inv)
					ots_inv_event(inv, &e);
				if (e.kind != OTS_EV_HIT && e.kind != OTS_EV_ARP)
					ots_output_event(out, &e);
			}
			ots_ring_consume(&w[i].out);
			if ((++moved & 255) == 0)
				ots_ring_release(&w[i].out);
		}
		ots_ring_release(&w[i].out);
	}
	return moved;
}

/* Enrichment and --state for the inventory. Returns 0, or 1 when an explicit option cannot
 * be honoured (the caller exits 1). */
static int
inventory_open(const struct ots_conf *conf, struct ots_inv *inv, struct ots_oui *oui,
               struct ots_geoip **geo)
{
	char err[1024] = "";
	const char *def[1];
	const char *const *paths = conf->geoip;
	size_t n = conf->n_geoip;

	(void)oui; /* loaded by inventory_load_oui() once packets flow */
	if (!conf->geoip_off && n == 0) {
		/* the packaged default (bootstrap fetches it), only when present */
		def[0] = OTS_GEOIP_DEFAULT_DB;
		if (access(def[0], R_OK) == 0) {
			paths = def;
			n = 1;
		}
	}
	if (!conf->geoip_off && n) {
		err[0] = '\0';
		if (ots_geoip_open(geo, paths, n, err, sizeof(err)) != OTS_OK) {
			ots_err("%s", err);
			return 1;
		}
		inv->geo = *geo;
	}
	if (conf->state_path) {
		err[0] = '\0';
		if (ots_inv_state_load(inv, conf->state_path, err, sizeof(err)) != OTS_OK)
			ots_warn("%s", err);
	}
	return 0;
}

/*
 * The OUI lists (46k entries, some 30 ms to parse) load on the main thread after the capture
 * started: the workers run meanwhile and their output rings absorb the pause, instead of
 * every run starting 30 ms later. Only the inventory build reads them.
 */
static void
inventory_load_oui(const struct ots_conf *conf, struct ots_inv *inv, struct ots_oui *oui)
{
	char err[1024] = "";

	if (ots_oui_load(oui, conf->ieee_dir ? conf->ieee_dir : OTS_OUI_DEFAULT_DIR, err,
	                 sizeof(err)) > 0)
		inv->oui = oui;
	if (err[0])
		ots_warn("%s", err);
}

/* Learn (--learn), save the baseline once learned (--baseline) and write its alerts. */
static int
baseline_checkpoint(const struct ots_conf *conf, struct ots_inv *inv, struct zctx *zc)
{
	char err[1024] = "";
	int rc;

	if (zc->cap)
		ots_baseline_set_t0(&zc->bl, atomic_load_explicit(&zc->cap->prog_first_ts,
		                                                  memory_order_relaxed));
	rc = ots_baseline_update(&zc->bl, inv, zc->cap ? atomic_load_explicit(&zc->cap->prog_last_ts,
	                         memory_order_relaxed) : 0, zc->final);
	if (rc < 0) {
		ots_err("baseline: out of memory");
		return 1;
	}
	if (zc->bl.complete && zc->bl.dirty && conf->baseline_path && !zc->bl.loaded) {
		if (ots_baseline_save(&zc->bl, conf->baseline_path, err, sizeof(err)) != OTS_OK) {
			ots_err("%s", err);
			return 1;
		}
		if (!conf->quiet)
			ots_info("baseline saved to %s: %u assets, %u conduits, %u functions%s",
			         conf->baseline_path, zc->bl.n_assets, zc->bl.n_conduits, zc->bl.fnset.n,
			         zc->final && zc->cap && atomic_load(&zc->cap->prog_last_ts) < zc->bl.t_end
			         ? " (the capture ended before the learning time)" : "");
	}
	ots_baseline_write_alerts(&zc->bl, inv, zc->have ? &zc->zones : NULL,
	                          zc->host[0] ? zc->host : NULL, zc->alerts);
	if (zc->alerts && fflush(zc->alerts) != 0) {
		ots_err("error writing alerts.jsonl");
		return 1;
	}
	return 0;
}

/* Build the inventory, report its changes, check the zones, write the files and save the
 * state. events is events.jsonl (or NULL). Returns 0 or 1 (error reported). */
static int
inventory_checkpoint(const struct ots_conf *conf, struct ots_inv *inv, FILE *events,
                     const char *title, struct zctx *zc, struct rctx *rc, int full)
{
	struct ots_inv_overlay ov, *ovp = NULL;
	void *ovs = NULL;
	char err[1024] = "";
	int status = 0;
	double t0 = mono_now();

	if (ots_inv_build(inv) != OTS_OK) {
		ots_err("inventory: out of memory");
		return 1;
	}
	if (rc && rc->on) {
		ots_detect_prepare(&rc->det, inv, zc->have ? &zc->zones : NULL);
		inv->on_change = ots_detect_on_change;
		inv->on_change_ctx = &rc->det;
	}
	ots_inv_changes(inv, events);
	inv->on_change = NULL;
	if (zc && zc->bl.active && baseline_checkpoint(conf, inv, zc) != 0)
		status = 1;
	if (zc && zc->have) {
		if (ots_policy_eval(&zc->pol, &zc->zones, inv) != OTS_OK) {
			ots_err("zone checks: out of memory");
			status = 1;
		} else {
			ots_policy_write_alerts(&zc->pol, &zc->zones, inv, zc->host[0] ? zc->host : NULL,
			                        zc->alerts);
			if (zc->alerts && fflush(zc->alerts) != 0) {
				ots_err("error writing alerts.jsonl");
				status = 1;
			}
			if (full && ots_policy_overlay(&zc->pol, &zc->zones, inv, &ov, &ovs) == OTS_OK)
				ovp = &ov;
			if (full && conf->outdir) {
				struct ots_json j;
				char path[4096];

				ots_json_init(&j);
				j.pretty = 1;
				ots_policy_zones_json(&zc->pol, &zc->zones, inv, &j);
				snprintf(path, sizeof(path), "%s/zones.json", conf->outdir);
				if (j.err || ots_write_file_atomic(path, j.buf, j.len) != OTS_OK) {
					ots_err("cannot write %s", path);
					status = 1;
				}
				ots_json_free(&j);
			}
		}
	}
	if (rc && rc->on) {
		ots_detect_checkpoint(&rc->det, inv, zc->have ? &zc->zones : NULL,
		                      zc->host[0] ? zc->host : NULL, zc->alerts);
		if (zc->alerts && fflush(zc->alerts) != 0) {
			ots_err("error writing alerts.jsonl");
			status = 1;
		}
	}
	if (!full)
		return status; /* alerts only (live, --alert-interval) */
	if (conf->outdir && ots_inv_write(inv, conf->outdir, title, ovp, err, sizeof(err)) != OTS_OK) {
		ots_err("%s", err);
		status = 1;
	}
	ots_policy_overlay_free(ovs);
	ots_kafka_inventory(kafka, inv);
	if (conf->state_path) {
		err[0] = '\0';
		if (ots_inv_state_save(inv, conf->state_path, err, sizeof(err)) != OTS_OK) {
			ots_err("%s", err);
			status = 1;
		}
	}
	inv->checkpoint_s = mono_now() - t0;
	return status;
}

static void
report_title(const struct ots_conf *conf, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	if (conf->iface) {
		snprintf(buf, len, "live capture on %s", conf->iface);
		return;
	}
	for (i = 0; i < conf->n_inputs && n + 1 < len; i++) {
		const char *b = strrchr(conf->inputs[i], '/');

		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		                      b ? b + 1 : conf->inputs[i]);
		if (n >= len)
			break;
	}
}

static void
progress(const struct ots_capture *cap, double t0, int final)
{
	uint64_t pk = atomic_load_explicit(&cap->prog_packets, memory_order_relaxed);
	uint64_t by = atomic_load_explicit(&cap->prog_bytes, memory_order_relaxed);
	double el = mono_now() - t0;
	double pct = cap->total_file_bytes ? 100.0 * (double)by / (double)cap->total_file_bytes : 0;

	if (final) {
		fputs("\r\033[K", stderr);
		return;
	}
	if (pct > 100)
		pct = 100;
	fprintf(stderr, "\r\033[Kotsensor: %5.1f%%  %llu packets  %.0f packets/s", pct,
	        (unsigned long long)pk, el > 0 ? (double)pk / el : 0.0);
}

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The parts of a stats record that change while the run goes on (main thread). */
static void
run_fill(struct ots_run *run, const struct ots_conf *conf, const struct zctx *zc,
         const struct rctx *rc)
{
	unsigned i;

	run->alerts_total = 0;
	if (zc->have) {
		run->zones_path = conf->zones_path;
		run->n_zones = zc->zones.n_zones;
		run->n_zone_conduits = zc->zones.n_conduits;
		run->alerts_written = zc->pol.alerts_written;
		run->zone_reloads = zc->reloads;
		run->alerts_total += zc->pol.alerts_written;
	}
	if (rc->on) {
		run->rules_paths = conf->rules_paths;
		run->n_rules_paths = conf->n_rules_paths;
		run->rules_path = conf->rules_path;
		run->det = &rc->det;
		run->rule_reloads = rc->reloads;
		run->alerts_total += rc->det.st.alerts_written;
	}
	run->baseline = zc->bl.active ? &zc->bl : NULL;
	if (zc->bl.active)
		for (i = 0; i < OTS_BL__COUNT; i++)
			run->alerts_total += zc->bl.alerts[i];
	run->kafka = kafka;
	run->interval_s = conf->iface ? conf->stats_interval_s : 0;
	run->time_us = conf->deterministic ? 0 : wall_us();
	run->max_rss_bytes = ots_stats_max_rss();
}

/*
 * One stats record as one line: to Kafka P.stats (key: the sensor name) and, live, a line of
 * DIR/stats.jsonl (jsonl, NULL without). Returns 0 or 1 (error reported).
 */
static int
stats_emit(const struct ots_run *run, FILE *jsonl, const char *key)
{
	struct ots_json j;
	int rc = 0;

	ots_json_init(&j);
	ots_stats_json(&j, run);
	if (j.err) {
		ots_err("stats record: out of memory");
		rc = 1;
	} else {
		if (kafka)
			ots_kafka_publish(kafka, OTS_SINK_STATS, key, j.buf, j.len);
		if (jsonl && (fwrite(j.buf, 1, j.len, jsonl) != j.len || fflush(jsonl) != 0)) {
			ots_err("error writing stats.jsonl");
			rc = 1;
		}
	}
	ots_json_free(&j);
	return rc;
}

/* DIR/stats.json (pretty, replaced atomically). Returns 0 or 1 (error reported). */
static int
stats_write_file(const struct ots_run *run, const char *outdir)
{
	struct ots_json j;
	char path[4096];
	int rc = 0;

	ots_json_init(&j);
	j.pretty = 1;
	ots_stats_json(&j, run);
	snprintf(path, sizeof(path), "%s/stats.json", outdir);
	if (j.err || ots_write_file_atomic(path, j.buf, j.len) != OTS_OK) {
		ots_err("cannot write %s", path);
		rc = 1;
	}
	ots_json_free(&j);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ots_conf conf;
	struct ots_conf_args *args;
	struct ots_output out;
	struct ots_capture cap;
	struct ots_worker *workers = NULL;
	struct ots_run run;
	struct ots_inv inv;
	struct ots_oui oui;
	struct ots_geoip *geo = NULL;
	struct zctx zc;
	struct rctx rctx;
	struct sigaction sa;
	char title[1024];
	double last_ckpt, last_alerts, alert_every, last_stats, last_flush;
	struct ots_capture_stats cap_now;
	struct ots_worker_stats *wst = NULL; /* live stats records: the workers' snapshots */
	FILE *stats_jsonl = NULL;
	uint64_t stats_seq = 0;
	const char *skey;
	int inv_on;
	char err[512] = "";
	double t0, last_prog = 0;
	unsigned i, started = 0, spins = 0;
	int rc, status = 0, all_done, init_failed = 0;

	ots_conf_defaults(&conf);
	memset(&cap, 0, sizeof(cap));
	args = args_load(argc, argv);
	cur_args = args;
	rc = args ? parse_args(args->argc, args->argv, &conf) : 2;
	cur_args = NULL;
	if (rc) {
		ots_conf_free(&conf);
		for (i = 1; i < (unsigned)argc; i++)
			if (strcmp(argv[i], "--test-config") == 0)
				rc = 1; /* --test-config: 0 valid, 1 not */
		return rc;
	}
	if (conf.test_config) {
		/* what would run, then the zones and rules through --check-zones/--check-rules */
		printf("%s: options valid, %d from the file\n", conf.config_path ? conf.config_path :
		       "command line", args->n_file);
		ots_conf_args_print(stdout, args);
		if (conf.user && !getpwnam(conf.user)) {
			ots_err("--user %s: no such user", conf.user);
			ots_conf_free(&conf);
			return 1;
		}
		conf.check_zones = conf.zones_path;
		if (conf.n_rules_paths) /* every -R path, checked together (the last one is
		                         * added back by the --check-rules code) */
			conf.check_rules = conf.rules_paths[--conf.n_rules_paths];
		if (!conf.check_zones && !conf.check_rules) {
			ots_conf_free(&conf);
			return 0;
		}
	}
	conf.progress = !conf.quiet && conf.n_inputs && isatty(STDERR_FILENO);
	memset(&zc, 0, sizeof(zc));
	ots_policy_init(&zc.pol);
	memset(&rctx, 0, sizeof(rctx));
	ots_detect_init(&rctx.det, NULL);
	if (conf.check_zones) {
		size_t k;

		conf.zones_path = conf.check_zones;
		rc = zones_reload(&conf, &zc);
		if (rc == 0) {
			printf("%s: valid: %zu zones, %zu conduits%s%s%s\n", conf.check_zones,
			       zc.zones.n_zones, zc.zones.n_conduits, zc.zones.site ? ", site " : "",
			       zc.zones.site ? zc.zones.site : "",
			       zc.zones.n_warnings ? " (warnings above)" : "");
			for (k = 0; k < zc.zones.n_zones; k++)
				printf("  zone %s: SL-T %u, %zu networks, %zu VLANs\n", zc.zones.zones[k].name,
				       zc.zones.zones[k].sl_t, zc.zones.zones[k].n_nets,
				       zc.zones.zones[k].n_vlans);
			ots_zones_free(&zc.zones);
		}
		if (rc || !conf.check_rules) { /* with both, the rules are checked next */
			ots_conf_free(&conf);
			return rc;
		}
		zc.have = 0; /* freed above; -z loads it again for the rules */
	}
	if (conf.zones_path && zones_reload(&conf, &zc) != 0) {
		ots_conf_free(&conf);
		return 1;
	}
	if (conf.check_rules) {
		/* checked together with the -R paths given before it (site rules that suppress
		 * shipped ones) */
		if (conf.n_rules_paths == OTS_ARRAY_LEN(conf.rules_paths))
			conf.n_rules_paths--;
		conf.rules_paths[conf.n_rules_paths++] = conf.check_rules;
		conf.rules_path = conf.rules_paths[0];
		rc = rules_reload(&conf, &rctx, &zc);
		if (rc == 0) {
			const struct ots_rules *rs = rctx.sets[0];
			unsigned k, on[OTS_RON__COUNT] = { 0 }, thr = 0, off = 0;

			for (k = 0; k < rs->n; k++) {
				on[rs->v[k].on]++;
				thr += rs->v[k].thr_n != 0;
				off += !rs->v[k].enabled;
			}
			printf("%s: valid: %u rules in %u file%s (%u on op, %u on flag, %u on flow, %u on "
			       "asset; %u with a threshold; %u disabled)\n", conf.check_rules, rs->n,
			       rs->n_files, rs->n_files == 1 ? "" : "s", on[0], on[1], on[2], on[3], thr,
			       off);
			ots_rules_free(rctx.sets[0]);
			free(rctx.sets[0]);
			free(rctx.sets);
		}
		if (zc.have)
			ots_zones_free(&zc.zones);
		ots_conf_free(&conf);
		return rc;
	}
	if (conf.rules_path && rules_reload(&conf, &rctx, &zc) != 0)
		goto early_fail;
	if (conf.suggest_zones)
		conf.quiet = 1; /* stdout is the YAML */
	if (!conf.deterministic && gethostname(zc.host, sizeof(zc.host) - 1) != 0)
		zc.host[0] = '\0';
	if (conf.baseline_path || conf.learn_us) {
		ots_baseline_init(&zc.bl);
		rc = conf.baseline_path ? ots_baseline_load(&zc.bl, conf.baseline_path, err,
		                                            sizeof(err)) : OTS_EIO;
		if (rc == OTS_OK && conf.learn_us)
			ots_info("%s exists: alerting against it, not learning", conf.baseline_path);
		else if (rc == OTS_EIO && conf.baseline_path && (errno != ENOENT || !conf.learn_us)) {
			ots_err("%s%s", err, errno == ENOENT ? " (give --learn DURATION to learn it)" : "");
			goto early_fail;
		} else if (rc == OTS_EIO) {
			ots_baseline_learn(&zc.bl, conf.learn_us);
		} else if (rc != OTS_OK) {
			ots_err("%s", err);
			goto early_fail;
		}
	}

	if (ots_capture_check(&conf, err, sizeof(err)) != OTS_OK) {
		ots_err("%s", err);
		goto early_fail;
	}
	/* the capture opens with the privileges we were started with, --user drops them */
	if (ots_capture_open(&cap, &conf, err, sizeof(err)) != OTS_OK ||
	    ots_priv_apply(&conf, err, sizeof(err)) != OTS_OK) {
		ots_err("%s", err);
		ots_capture_destroy(&cap);
		goto early_fail;
	}
	if (ots_output_open(&out, &conf, err, sizeof(err)) != OTS_OK) {
		ots_err("%s", err);
		ots_output_close(&out);
		ots_capture_destroy(&cap);
		goto early_fail;
	}
	ots_inv_init(&inv);
	memset(&oui, 0, sizeof(oui));
	report_title(&conf, title, sizeof(title));
	inv_on = conf.outdir != NULL || conf.state_path != NULL || zc.have || conf.suggest_zones ||
	         rctx.on || zc.bl.active;
	if ((zc.have || rctx.on || zc.bl.active) && conf.outdir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/alerts.jsonl", conf.outdir);
		zc.alerts = ots_out_create(path);
		if (!zc.alerts) {
			ots_err("cannot write %s: %s", path, strerror(errno));
			ots_output_close(&out);
			ots_capture_destroy(&cap);
			goto early_fail;
		}
	}
	if (conf.iface && conf.outdir && conf.stats_interval_s) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/stats.jsonl", conf.outdir);
		stats_jsonl = ots_out_create(path);
		if (!stats_jsonl) {
			ots_err("cannot write %s: %s", path, strerror(errno));
			if (zc.alerts)
				ots_fclose(zc.alerts);
			ots_output_close(&out);
			ots_capture_destroy(&cap);
			goto early_fail;
		}
	}
	if ((inv_on && inventory_open(&conf, &inv, &oui, &geo) != 0) ||
	    kafka_start(&conf, zc.host) != 0)
		goto early_close;
	inv.memcap = conf.inv_memcap; /* after --state: a loaded state is never cut */
	workers = calloc(conf.workers, sizeof(*workers));
	wst = calloc(conf.workers, sizeof(*wst));
	if (!workers || !wst) {
		free(workers);
		free(wst);
		workers = NULL;
		wst = NULL;
		ots_err("out of memory");
		goto early_close;
	}
	for (i = 0; i < conf.workers; i++) {
		if (ots_worker_init(&workers[i], i, &conf, err, sizeof(err)) != OTS_OK) {
			ots_err("%s", err[0] ? err : "cannot start a worker thread");
			status = 1;
			goto teardown;
		}
		workers[i].rules_slot = &rctx.cur;
		if (ots_worker_start(&workers[i]) != OTS_OK) {
			ots_err("%s", err[0] ? err : "cannot start a worker thread");
			status = 1;
			goto teardown;
		}
		started++;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t0 = mono_now();
	last_ckpt = last_alerts = last_stats = last_flush = t0;
	skey = zc.host[0] ? zc.host : "otsensor";
	memset(&run, 0, sizeof(run));
	run.conf = &conf;
	run.cap = &cap;
	run.workers = workers;
	run.nworkers = conf.workers;
	run.out = &out;
	run.inv = inv_on ? &inv : NULL;
	run.version = PACKAGE_VERSION;
	alert_every = conf.alert_interval_s;
	zc.cap = &cap;
	if (ots_capture_start(&cap, &conf, workers, conf.workers, err, sizeof(err)) != OTS_OK) {
		ots_err("%s", err);
		status = 1;
		goto teardown;
	}
	if (conf.iface && !conf.quiet)
		ots_info("capturing on %s with %u worker%s; stop with Ctrl-C", conf.iface,
		         conf.workers, conf.workers == 1 ? "" : "s");
	if (inv_on)
		inventory_load_oui(&conf, &inv, &oui);

	/* Main loop: drain results until every worker has seen EOF. The backoff state lives
	 * across iterations, so a busy output is drained at once and an idle one costs a
	 * 200 us sleep per round, never a long stall that would fill the workers' event rings. */
	for (;;) {
		if (got_signal && !atomic_load(&cap.stop))
			ots_capture_stop(&cap);
		for (i = 0; i < conf.workers; i++) {
			if (atomic_load_explicit(&workers[i].init_failed, memory_order_acquire) &&
			    !init_failed) {
				init_failed = 1;
				ots_err("worker %u: cannot initialise nDPI (out of memory?)", i);
				ots_capture_stop(&cap);
			}
		}
		all_done = 1;
		for (i = 0; i < conf.workers; i++)
			if (!atomic_load_explicit(&workers[i].done, memory_order_acquire))
				all_done = 0;
		if (drain(workers, conf.workers, &out, inv_on ? &inv : NULL, rctx.on ? &rctx.det : NULL) == 0) {
			if (all_done)
				break;
			ots_backoff_sleep(&spins);
		} else {
			spins = 0;
		}
		ots_kafka_poll(kafka);
		if (conf.iface && mono_now() - last_flush >= 1.0) {
			/* live: what was drained is in flows.jsonl and events.jsonl within a second
			 * (their buffers are 256 KiB) */
			ots_output_flush(&out);
			last_flush = mono_now();
		}
		if (got_hup) {
			got_hup = 0;
			if (conf.config_path && config_reload(&conf, argc, argv))
				alert_every = conf.alert_interval_s;
			if (conf.zones_path)
				zones_reload(&conf, &zc); /* applies from the next checkpoint */
			if (conf.rules_path && rules_reload(&conf, &rctx, &zc) != 0 && zc.have &&
			    rctx.n_sets) {
				/* the old rules stay: their zone names must point into the new file */
				char miss[256];
				unsigned lost = ots_rules_rezone(rctx.sets[rctx.n_sets - 1], &zc.zones,
				                                 miss, sizeof(miss));

				if (lost)
					ots_warn("%s (%u zone name%s of the rules in force) is not in %s: "
					         "such a condition matches nothing", miss, lost,
					         lost == 1 ? "" : "s", conf.zones_path);
			}
		}
		if (inv_on && conf.iface && mono_now() - last_ckpt >= (double)conf.checkpoint_s) {
			/* live: the files and the state follow the network; a checkpoint of a
			 * large inventory takes the main thread for a moment, the worker rings
			 * absorb it */
			if (inventory_checkpoint(&conf, &inv, out.events, title, &zc, &rctx, 1) != 0)
				status = 1;
			if (out.events)
				fflush(out.events);
			last_ckpt = last_alerts = mono_now();
		} else if (conf.iface && (zc.have || rctx.on || zc.bl.active) &&
		           mono_now() - last_alerts >= alert_every) {
			/*
			 * live alerts do not wait for the inventory files: every --alert-interval
			 * seconds the inventory is built and the checks run, nothing else is
			 * written. The build of a very large inventory takes seconds: the interval
			 * stretches to 20 times its cost so the main thread keeps draining.
			 */
			double t = mono_now(), cost;

			if (inventory_checkpoint(&conf, &inv, out.events, title, &zc, &rctx, 0) != 0)
				status = 1;
			if (out.events)
				fflush(out.events);
			last_alerts = mono_now();
			cost = last_alerts - t;
			alert_every = cost * 20 > conf.alert_interval_s ? cost * 20 : conf.alert_interval_s;
		}
		if (conf.iface && conf.outdir && conf.stats_interval_s &&
		    mono_now() - last_stats >= (double)conf.stats_interval_s) {
			/* live stats: the counters so far, cumulative (workers: see worker.h) */
			ots_capture_snapshot(&cap, &cap_now);
			for (i = 0; i < conf.workers; i++)
				ots_worker_stats_snapshot(&workers[i], &wst[i]);
			run.wst = wst;
			run.interval = 1;
			run.cap_st = &cap_now;
			run.seq = ++stats_seq;
			run.elapsed_s = mono_now() - t0;
			run_fill(&run, &conf, &zc, &rctx);
			if (stats_emit(&run, stats_jsonl, skey) != 0 ||
			    stats_write_file(&run, conf.outdir) != 0)
				status = 1;
			last_stats = mono_now();
		}
		if (conf.progress && mono_now() - last_prog > 0.5) {
			progress(&cap, t0, 0);
			last_prog = mono_now();
		}
	}
	drain(workers, conf.workers, &out, inv_on ? &inv : NULL, rctx.on ? &rctx.det : NULL);
	ots_capture_join(&cap);
	if (conf.progress)
		progress(&cap, t0, 1);

	run.interval = 0;
	run.cap_st = NULL;
	run.wst = NULL; /* the workers are joined: their own counters from here */
	run.elapsed_s = mono_now() - t0;
	run.max_rss_bytes = ots_stats_max_rss();

	if (cap.error != OTS_OK) {
		ots_err("%s", cap.errmsg);
		status = 1;
	}
	if (init_failed)
		status = 1;
	if (got_signal && conf.n_inputs) {
		/* Stopping a live capture is how it ends; stopping a file read leaves it partial. */
		ots_warn("interrupted by signal %d: results cover the packets read so far",
		         (int)got_signal);
		status = 1;
	}
	for (i = 0; i < cap.n_inputs; i++)
		if (cap.inputs[i].truncated)
			ots_warn("%s is cut short (%s); results cover it up to the cut",
			         cap.inputs[i].path, cap.inputs[i].error);
	if (ots_output_finish(&out, err, sizeof(err)) != OTS_OK) {
		ots_err("%s", err);
		status = 1;
	}
	if (inv_on) {
		/* changes go after the packet events (events.jsonl is closed by now: append) */
		FILE *ev = out.events_path ? fopen(out.events_path, "a") : NULL;

		zc.final = 1;
		if (inventory_checkpoint(&conf, &inv, ev, title, &zc, &rctx, 1) != 0)
			status = 1;
		if (ev && fclose(ev) != 0) {
			ots_err("error writing %s", out.events_path);
			status = 1;
		}
		if (!conf.quiet)
			printf("inventory: %u assets, %u conduits%s%s\n", inv.n_order, inv.n_conduits,
			       conf.outdir ? " in " : "", conf.outdir ? conf.outdir : "");
		if (inv.nodes_refused || inv.conduits_refused)
			ots_warn("inventory memory cap reached: %llu endpoints and %llu conduits not "
			         "recorded (--inventory-memcap)", (unsigned long long)inv.nodes_refused,
			         (unsigned long long)inv.conduits_refused);
		if (rctx.on && !conf.quiet)
			printf("rules: %u loaded, %llu alert%s (%s)\n", rctx.det.rules->n,
			       (unsigned long long)rctx.det.st.alerts_written,
			       rctx.det.st.alerts_written == 1 ? "" : "s",
			       conf.outdir ? "alerts.jsonl" : "add -o DIR to keep them");
		if (zc.have && !conf.quiet)
			printf("zones: %llu alert%s (%s)\n", (unsigned long long)zc.pol.alerts_written,
			       zc.pol.alerts_written == 1 ? "" : "s",
			       conf.outdir ? "alerts.jsonl, zones.json" : "add -o DIR to keep them");
		if (zc.bl.active && !conf.quiet) {
			uint64_t n = 0;

			for (i = 0; i < OTS_BL__COUNT; i++)
				n += zc.bl.alerts[i];
			printf("baseline: %s, %llu alert%s (%s)\n", zc.bl.loaded ? "loaded" : "learned",
			       (unsigned long long)n, n == 1 ? "" : "s",
			       conf.outdir ? "alerts.jsonl" : "add -o DIR to keep them");
		}
		if (conf.suggest_zones && inv.built) {
			if (ots_policy_suggest(&inv, stdout) != OTS_OK) {
				ots_err("--suggest-zones: cannot write the zones file");
				status = 1;
			}
			if (conf.outdir) {
				char path[4096];
				FILE *sf;

				snprintf(path, sizeof(path), "%s/zones.suggested.yaml", conf.outdir);
				sf = fopen(path, "w");
				if (!sf || ots_policy_suggest(&inv, sf) != OTS_OK || fclose(sf) != 0) {
					ots_err("cannot write %s", path);
					status = 1;
				}
			}
		}
	}
	if (conf.outdir) {
		/* the final record goes to Kafka and stats.jsonl, then the flush; stats.json gets
		 * the counters after it */
		run.seq = ++stats_seq;
		run_fill(&run, &conf, &zc, &rctx);
		if (stats_emit(&run, stats_jsonl, skey) != 0)
			status = 1;
		ots_kafka_close(kafka);
		if (stats_write_file(&run, conf.outdir) != 0)
			status = 1;
	}
	if (!conf.quiet)
		ots_stats_summary(stdout, &run);
	ots_capture_destroy(&cap);

teardown:
	for (i = 0; i < started; i++) {
		if (!atomic_load(&workers[i].done)) {
			/* the reader never ran: end the worker from here (we are the only producer) */
			atomic_store(&workers[i].discard, 1);
			ots_worker_send_eof(&workers[i]);
		}
		ots_worker_join(&workers[i]);
	}
	for (i = 0; workers && i < conf.workers; i++)
		ots_worker_destroy(&workers[i]);
	free(workers);
	free(wst);
	ots_capture_destroy(&cap); /* again after a normal end: it is idempotent */
	ots_output_close(&out);
	ots_kafka_free(kafka);
	kafka = NULL;
	ots_inv_free(&inv);
	ots_oui_free(&oui);
	if (geo)
		ots_geoip_close(geo);
	if (zc.alerts && ots_fclose(zc.alerts) != 0)
		status = 1;
	if (stats_jsonl && ots_fclose(stats_jsonl) != 0)
		status = 1;
	ots_detect_free(&rctx.det);
release: /* what the configuration loaded */
	free(kcli.props);
	ots_policy_free(&zc.pol);
	for (i = 0; i < rctx.n_sets; i++) {
		ots_rules_free(rctx.sets[i]);
		free(rctx.sets[i]);
	}
	free(rctx.sets);
	ots_baseline_free(&zc.bl);
	if (zc.have)
		ots_zones_free(&zc.zones);
	ots_conf_free(&conf);
	return status;

early_close: /* before any thread started, with the capture, outputs and inventory open */
	status = 1;
	goto teardown;
early_fail: /* before anything but the configuration was loaded */
	status = 1;
	goto release;
}
