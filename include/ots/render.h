/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render.h: the pictures and the report of an inventory: a Graphviz map (map.dot, map.svg) and
 * one self-contained HTML page (report.html), drawn from a plain "view" model (src/render.c).
 *
 * The model is borrowed for the call and never modified. Output is deterministic: the same
 * model gives the same bytes (no clock is read; times shown come from the model, in UTC).
 * Thread: any; no global state. ots_render_svg reads the environment and waits for its child.
 */
#ifndef OTS_RENDER_H
#define OTS_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ots/error.h"

/* One asset (device) as shown. Strings are NUL-terminated, may be "" but never NULL. */
struct ots_render_asset {
	const char *id;          /* stable asset id, e.g. "mac:00:1b:1b:02:9a:c3" or "ip:10.0.0.5" or "ip:10.0.0.5%vlan10" */
	const char *name;        /* display name: station/host name, else first IP, else MAC */
	const char *role;        /* "plc","rtu","hmi","engineering","historian","network","it","unknown" */
	const char *group;       /* zone name, or subnet like "10.0.0.0/24", or "external" */
	const char *ips, *macs;  /* comma-separated */
	const char *vendor, *model, *firmware, *serial, *nic_vendor;
	const char *protocols;   /* e.g. "s7comm/tcp:102 (server), modbus (client)" */
	const char *country;     /* external peers: "DE" or "" */
	uint64_t first_seen, last_seen;  /* ns since epoch */
	uint64_t packets, bytes;
};

/* One conduit: initiator -> responder on (transport, port, protocol). */
struct ots_render_conduit {
	size_t src, dst;         /* indexes into the asset array */
	const char *id;          /* stable conduit id (hex) */
	const char *transport;   /* "tcp","udp","ether" */
	uint16_t port;           /* responder port, 0 for ether */
	const char *protocol;    /* "modbus","s7comm","TLS", ... */
	uint32_t op_mask;        /* bit (1u << enum ots_op_class) per op class seen (include/ots/ics-t.h) */
	const char *function_codes; /* display, e.g. "3 x120, 16 x4" */
	uint64_t packets[2], bytes[2]; /* [0] initiator -> responder */
	uint64_t first_seen, last_seen;
	uint8_t alert;           /* a zone check raised an alert on it: drawn red, never summarised */
};

struct ots_render_alert { const char *time, *severity, *rule, *summary, *src, *dst; };

struct ots_render {
	const char *title;       /* e.g. capture file name(s) or interface */
	const char *generated;   /* ISO time string chosen by the caller (deterministic tests) */
	const struct ots_render_asset *assets; size_t n_assets;
	const struct ots_render_conduit *conduits; size_t n_conduits;
	const struct ots_render_alert *alerts; size_t n_alerts;
	/* Added: shown in report.html instead of the map when svg is NULL; NULL (or a zeroed
	 * struct) gives "map.svg not rendered: Graphviz not installed". The caller sets it when
	 * dot was present but failed (e.g. to the err text of ots_render_svg). With an svg, a
	 * non-empty note is shown above the map (e.g. ots_render_svg's note of its retry). */
	const char *map_note;
};

/*
 * Op classes that draw an edge as engineering access (red, bold): PROGRAM, FIRMWARE,
 * MODE_CHANGE, RESTART. Write access (orange): WRITE, CONTROL. Everything else is grey.
 */
#define OTS_RENDER_OPS_ENGINEERING ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6))
#define OTS_RENDER_OPS_WRITE ((1u << 1) | (1u << 2))

/* ots_render_svg's answer when Graphviz is absent: the caller warns once and goes on. No other
 * failure of ots_render_svg returns this code. */
#define OTS_RENDER_ENODOT OTS_ENOTSUP

/* Map summaries (ots_render_dot). */
#define OTS_RENDER_SUMMARY_MIN_PAIRS 4
#define OTS_RENDER_NETWORK_PAIRS_MAX 40
#define OTS_RENDER_LONE_COLUMN 16
/* Past this many drawn edges the map asks dot for fewer crossing-reduction passes. */
#define OTS_RENDER_BIG_EDGES 1000

/* Milliseconds ots_render_svg gives dot before killing it. */
#define OTS_RENDER_DOT_TIMEOUT_MS 60000u

/*
 * Graphviz source of the conduit map. Assets are grouped in clusters by group (sorted by name,
 * "external" last); conduits between the same (initiator, responder) merge into one edge.
 * Deterministic: same model -> same bytes. Returns OTS_OK, OTS_EIO (write error on f) or
 * OTS_ENOMEM; a conduit whose src or dst is out of range is skipped. Node ids are "a<index>".
 * An edge's label (protocols/ports, op classes) is shown once per source: the other edges of
 * that source with the same label carry it in their tooltip only.
 *
 * IT-to-IT traffic is summed up per group pair so that big plants stay readable (and dot
 * fast): a device pair is drawn as its own edge when either device has an OT role (plc, rtu,
 * hmi, engineering, historian), when a conduit carries an industrial protocol (an ICS
 * dissector's name) or a write or engineering op, or when it touches a network-role device
 * and there are at most OTS_RENDER_NETWORK_PAIRS_MAX such pairs. The other pairs (roles it,
 * unknown, network) of a (source group, destination group) with at least
 * OTS_RENDER_SUMMARY_MIN_PAIRS of them become one dashed grey edge between the groups'
 * "IT hosts" nodes (id "it_g<group>", in the cluster; edge id "s<group>_<group>"), labelled
 * with its conduits, hosts and top protocol families; the legend says so. Devices left with
 * no drawn edge are laid out in columns of OTS_RENDER_LONE_COLUMN by invisible edges.
 * Only the picture is summed up: report.html's conduit table lists every conduit.
 */
int ots_render_dot(FILE *f, const struct ots_render *r);

/* The argument of ots_render_svg's retry when dot fails: rank the whole graph at once, which
 * does not go through the per-cluster ranking that fails on some graphs with clusters
 * ("trouble in init_rank", "lost aN aM edge"). */
#define OTS_RENDER_DOT_FALLBACK "-Gnewrank=true"

/*
 * Run `dot -Tsvg` (found on PATH, or $OTS_DOT when set and non-empty) with posix_spawn on
 * dot_path -> svg_path (written to svg_path.tmp.<pid> then renamed). When dot exits non-zero
 * (or dies of a signal) it is run once more with OTS_RENDER_DOT_FALLBACK before its other
 * arguments. Returns OTS_OK (err is "" when the first run drew it; when the retry did, err
 * says so with the first run's failure: the caller may warn); OTS_RENDER_ENODOT when dot is
 * absent; OTS_EIO when both runs fail (err names each exit status and first error line on
 * stderr: the first line starting "Error", else the first line) or a file cannot be written;
 * OTS_ELIMIT when a run went past the timeout (OTS_RENDER_DOT_TIMEOUT_MS each; no retry after
 * a first run killed) and was killed. err (may be NULL) gets a one-line reason.
 * Blocks the calling thread until dot ends; reaps its children.
 */
int ots_render_svg(const char *dot_path, const char *svg_path, char *err, size_t errlen);
/* The same with a timeout in milliseconds (tests). */
int ots_render_svg_timeout(const char *dot_path, const char *svg_path, unsigned timeout_ms,
                           char *err, size_t errlen);

/*
 * One self-contained page: inline CSS and JS, no external URL and a Content-Security-Policy that
 * forbids any fetch. Header (title, generated, counts), the map (svg text inlined when non-NULL:
 * the XML prolog and namespace declarations are dropped), asset, conduit and alert tables
 * sortable by a click on a header (numeric-aware) with a filter box. All model text is
 * HTML-escaped. The page honours a fragment "#sort=TABLE:COLUMN" (TABLE assets, conduits or
 * alerts; COLUMN a header's data-key, "-" before it for descending) and writes the order it
 * applied into body[data-sorted]; with "&layout" in the fragment it also fixes the map's
 * height and writes the page rectangles of the map, the header and the asset table header
 * into body[data-layout] (JSON, for tests/report-html.sh). Returns OTS_OK or OTS_EIO.
 */
int ots_render_html(FILE *f, const struct ots_render *r, const char *svg, size_t svg_len);

#endif
