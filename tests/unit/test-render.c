/* SPDX-License-Identifier: BSD-3-Clause */
/* test-render.c: the map (DOT), the dot runner and the HTML report: clusters, merged edges,
 * styles, hostile names in DOT and HTML, no URL in the page, determinism, dot absent/failing/hung;
 * IT-to-IT summaries per group pair, dot's retry with the fallback layout. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/ics-t.h"
#include "ots/render.h"

#define HOSTILE "HMI \"evil\"\n<script>alert(1)</script> \\N https://evil.example/x.js"

static const struct ots_render_asset assets[] = {
	{ .id = "mac:00:1b:1b:02:9a:c3", .name = "PLC-1", .role = "plc", .group = "cell-a",
	  .ips = "10.0.0.5", .macs = "00:1b:1b:02:9a:c3", .vendor = "Siemens", .model = "S7-1500",
	  .firmware = "V2.9", .serial = "S C-123", .nic_vendor = "Siemens",
	  .protocols = "s7comm/tcp:102 (server)", .country = "", .first_seen = 1714557600000000000ull,
	  .last_seen = 1714561200000000000ull, .packets = 10, .bytes = 1500 },
	{ .id = "ip:10.0.0.9", .name = HOSTILE, .role = "hmi", .group = "cell-a", .ips = "10.0.0.9",
	  .macs = "", .vendor = "", .model = "", .firmware = "", .serial = "", .nic_vendor = "",
	  .protocols = "modbus (client)", .country = "", .packets = 9, .bytes = 2500000 },
	{ .id = "ip:10.1.0.2", .name = "EWS", .role = "engineering", .group = "ops",
	  .ips = "10.1.0.2", .macs = "", .vendor = "", .model = "", .firmware = "", .serial = "",
	  .nic_vendor = "", .protocols = "", .country = "" },
	{ .id = "ip:198.51.100.7", .name = "lonely", .role = "bogus-role", .group = "external",
	  .ips = "198.51.100.7", .macs = "", .vendor = "", .model = "", .firmware = "", .serial = "",
	  .nic_vendor = "", .protocols = "", .country = "DE" },
};

static const struct ots_render_conduit conduits[] = {
	{ .src = 1, .dst = 0, .id = "00aa", .transport = "tcp", .port = 502, .protocol = "modbus",
	  .op_mask = 1u << OTS_OP_READ, .function_codes = "3 x120" },
	{ .src = 2, .dst = 0, .id = "00bb", .transport = "tcp", .port = 102, .protocol = "s7comm",
	  .op_mask = (1u << OTS_OP_PROGRAM) | (1u << OTS_OP_READ), .function_codes = "0x1a x2" },
	{ .src = 1, .dst = 0, .id = "00cc", .transport = "tcp", .port = 102, .protocol = "s7comm",
	  .op_mask = 1u << OTS_OP_WRITE, .function_codes = "write x4" },
	{ .src = 99, .dst = 0, .id = "dead", .transport = "tcp", .port = 1, .protocol = "broken",
	  .function_codes = "" },
};

static const struct ots_render_alert alerts[] = {
	{ "2024-05-01T10:00:00Z", "high", "ics.program", "<img src=http://x.example/a.png>",
	  "EWS", "PLC-1" },
};

static struct ots_render
model(void)
{
	struct ots_render r;

	memset(&r, 0, sizeof(r));
	r.title = "cap\"ture<1>.pcap";
	r.generated = "2024-05-01T11:00:00Z";
	r.assets = assets;
	r.n_assets = 4;
	r.conduits = conduits;
	r.n_conduits = 4;
	r.alerts = alerts;
	r.n_alerts = 1;
	return r;
}

/* Render into a malloc'd string. */
static char *
render_dot(const struct ots_render *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ots_render_dot(f, r), OTS_OK);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *
render_html(const struct ots_render *r, const char *svg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ots_render_html(f, r, svg, svg ? strlen(svg) : 0), OTS_OK);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The text of the statement (one line) that starts with prefix. */
static char *
line_of(const char *text, const char *prefix)
{
	static char line[4096];
	const char *p = strstr(text, prefix), *e;

	if (!p)
		return NULL;
	e = strchr(p, '\n');
	snprintf(line, sizeof(line), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	return line;
}

static void
test_dot_structure(void **state)
{
	struct ots_render r = model();
	char *d = render_dot(&r), *l;
	const char *ca, *co, *ce;

	(void)state;
	assert_true(strncmp(d, "digraph otsensor {\n", 19) == 0);
	assert_string_equal(d + strlen(d) - 2, "}\n");
	/* clusters: sorted by name, "external" last, with their sizes */
	ca = strstr(d, "label=\"cell-a (2)\"");
	co = strstr(d, "label=\"ops (1)\"");
	ce = strstr(d, "label=\"external (1)\"");
	assert_non_null(ca);
	assert_non_null(co);
	assert_non_null(ce);
	assert_true(ca < co && co < ce);
	assert_int_equal(count(d, "subgraph cluster_g"), 3);
	assert_non_null(strstr(d, "subgraph cluster_g0 {"));
	assert_non_null(strstr(d, "subgraph cluster_g2 {"));
	/* every asset is a node, the lonely one too, styled by role (unknown for a bogus role) */
	l = line_of(d, "\t\ta0 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "shape=box, style=\"filled\", fillcolor=\"#4e79a7\""));
	assert_non_null(strstr(l, "label=\"PLC-1\\n10.0.0.5\""));
	l = line_of(d, "\t\ta2 [");
	assert_non_null(strstr(l, "shape=hexagon"));
	l = line_of(d, "\t\ta3 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "class=\"asset role-unknown\""));
	assert_true(ce < strstr(d, "\t\ta3 ["));
	/* two conduits HMI -> PLC merge into one edge: protocols and ops listed, write colour */
	assert_int_equal(count(d, "\ta1 -> a0 ["), 1);
	l = line_of(d, "\ta1 -> a0 [");
	assert_non_null(strstr(l, "label=\"modbus/502, s7comm/102\\nwrite,read\""));
	assert_non_null(strstr(l, "color=\"#f28e2b\""));
	assert_non_null(strstr(l, "class=\"conduit write\""));
	assert_non_null(strstr(l, "tooltip=\"modbus tcp/502: read [3 x120] 0 pkts\\n"
	                          "s7comm tcp/102: write [write x4] 0 pkts\""));
	/* engineering edge: purple and bold (red is for zone alerts) */
	l = line_of(d, "\ta2 -> a0 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "color=\"#6a3d9a\""));
	assert_non_null(strstr(l, "style=\"bold\""));
	assert_non_null(strstr(l, "penwidth=2.6"));
	assert_non_null(strstr(l, "label=\"s7comm/102\\nprogram,read\""));
	/* the out-of-range conduit is not drawn */
	assert_null(strstr(d, "a99"));
	assert_null(strstr(d, "broken"));
	/* legend: every role and edge class */
	assert_non_null(strstr(d, ">engineering</font>"));
	assert_non_null(strstr(d, "program, firmware, mode, restart"));
	/* the title is XML-escaped in the HTML-like legend label */
	assert_non_null(strstr(d, "<b>cap&quot;ture&lt;1&gt;.pcap</b>"));
	free(d);
}

static void
test_dot_escaping(void **state)
{
	struct ots_render r = model();
	char *d = render_dot(&r), *l;
	const char *p;
	int in_q = 0;

	(void)state;
	/* label cut to 26 characters; quote and backslash escaped, newline a space */
	l = line_of(d, "\t\ta1 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "label=\"HMI \\\"evil\\\" <script>alert(1..\\n10.0.0.9\""));
	assert_non_null(strstr(l, "tooltip=\"HMI \\\"evil\\\" <script>alert(1)</script> \\\\N "
	                          "https://evil.example/x.js (HMI)\\n"));
	/* no raw newline inside any quoted string; every quote balanced */
	for (p = d; *p; p++) {
		if (in_q && *p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			in_q = !in_q;
		if (in_q)
			assert_true(*p != '\n');
	}
	assert_false(in_q);
	free(d);
}

static void
test_html(void **state)
{
	struct ots_render r = model();
	char *h = render_html(&r, NULL);

	(void)state;
	assert_true(strncmp(h, "<!DOCTYPE html>\n", 16) == 0);
	/* hostile text only as text: the only script is ours, no tag or URL from the data */
	assert_int_equal(count(h, "<script"), 1);
	assert_null(strstr(h, "<img"));
	assert_non_null(strstr(h, "HMI &quot;evil&quot; &lt;script&gt;alert(1)&lt;&#47;script&gt; "
	                          "\\N https:&#47;&#47;evil.example&#47;x.js"));
	assert_non_null(strstr(h, "&lt;img src=http:&#47;&#47;x.example&#47;a.png&gt;"));
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_non_null(strstr(h, "<title>otsensor report: cap&quot;ture&lt;1&gt;.pcap</title>"));
	assert_non_null(strstr(h, "generated 2024-05-01T11:00:00Z"));
	assert_non_null(strstr(h, "<span id=\"n-assets\">4 assets</span>"));
	assert_non_null(strstr(h, "map.svg not rendered: Graphviz not installed"));
	assert_non_null(strstr(h, "Content-Security-Policy\" content=\"default-src 'none'"));
	/* tables: 4 assets, 4 conduits (the broken one is listed, "?" for its initiator), 1 alert */
	assert_int_equal(count(h, "<tr id=\"asset-"), 4);
	assert_int_equal(count(h, "<tr class="), 4);
	assert_non_null(strstr(h, "<tr class=\"engineering\" data-i=\"1\"><td>EWS</td><td>PLC-1</td>"
	                          "<td>s7comm</td><td>tcp</td><td class=\"n\">102</td>"
	                          "<td>program, read</td>"));
	assert_non_null(strstr(h, "<td>?</td>"));
	assert_non_null(strstr(h, "<td class=\"n\" data-v=\"2500000\">2.5 MB</td>"));
	assert_non_null(strstr(h, "<td class=\"t\" data-v=\"1714557600000000000\">"
	                          "2024-05-01T10:00:00Z</td>"));
	assert_int_equal(count(h, "<tr data-i="), 1);
	assert_null(strstr(h, "no alerts"));
	free(h);

	/* no alerts, a caller's note for the map */
	r.n_alerts = 0;
	r.map_note = "map.svg not rendered: dot exited with status 1";
	h = render_html(&r, NULL);
	assert_non_null(strstr(h, ">no alerts</p>"));
	assert_null(strstr(h, "alerts-table"));
	assert_non_null(strstr(h, "dot exited with status 1"));
	free(h);
}

static void
test_html_svg_inline(void **state)
{
	static const char svg[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n"
		" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		"<svg width=\"62pt\" height=\"44pt\"\n viewBox=\"0.00 0.00 62.00 44.00\" "
		"xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		"<g id=\"a0\" class=\"node\"><title>a0</title><text>see https://x</text></g>\n</svg>\n";
	struct ots_render r = model();
	char *h = render_html(&r, svg);

	(void)state;
	assert_non_null(strstr(h, "<div class=\"map fit\" id=\"map-view\">\n"
	                          "<svg width=\"62pt\" height=\"44pt\"\n viewBox=\"0.00 0.00 62.00 "
	                          "44.00\">\n<g id=\"a0\" class=\"node\">"));
	assert_non_null(strstr(h, "see https:&#47;&#47;x"));
	assert_null(strstr(h, "xmlns"));
	assert_null(strstr(h, "<?xml"));
	assert_null(strstr(h, "DOCTYPE svg"));
	assert_null(strstr(h, "://"));
	assert_null(strstr(h, "not rendered"));
	free(h);
}

static void
test_deterministic(void **state)
{
	struct ots_render r = model();
	char *a = render_dot(&r), *b = render_dot(&r);
	char *x = render_html(&r, "<svg></svg>"), *y = render_html(&r, "<svg></svg>");

	(void)state;
	assert_string_equal(a, b);
	assert_string_equal(x, y);
	free(a);
	free(b);
	free(x);
	free(y);
}

static void
test_empty_model(void **state)
{
	struct ots_render r;
	char *d, *h;

	(void)state;
	memset(&r, 0, sizeof(r));
	d = render_dot(&r);
	assert_non_null(strstr(d, "0 assets, 0 conduits"));
	assert_null(strstr(d, "subgraph"));
	h = render_html(&r, NULL);
	assert_non_null(strstr(h, "no alerts"));
	free(d);
	free(h);
}

/* A plant for the summaries: cell (PLC, HMI, switch), office (server, five PCs), dmz (jump
 * host), external (one peer). */
static const struct ots_render_asset plant[] = {
	{ .id = "ip:10.0.0.5", .name = "PLC", .role = "plc", .group = "cell" },        /* 0 */
	{ .id = "ip:10.0.0.9", .name = "HMI", .role = "hmi", .group = "cell" },        /* 1 */
	{ .id = "ip:10.0.0.1", .name = "SW", .role = "network", .group = "cell" },     /* 2 */
	{ .id = "ip:10.1.0.2", .name = "SRV", .role = "it", .group = "office" },       /* 3 */
	{ .id = "ip:10.1.0.11", .name = "PC1", .role = "it", .group = "office" },      /* 4 */
	{ .id = "ip:10.1.0.12", .name = "PC2", .role = "it", .group = "office" },      /* 5 */
	{ .id = "ip:10.1.0.13", .name = "PC3", .role = "unknown", .group = "office" }, /* 6 */
	{ .id = "ip:10.1.0.14", .name = "PC4", .role = "it", .group = "office" },      /* 7 */
	{ .id = "ip:10.1.0.15", .name = "PC5", .role = "it", .group = "office" },      /* 8 */
	{ .id = "ip:10.2.0.2", .name = "JUMP", .role = "it", .group = "dmz" },         /* 9 */
	{ .id = "ip:192.0.2.7", .name = "cloud", .role = "unknown", .group = "external" }, /* 10 */
};

#define C(s, d, proto, pt, ops) \
	{ .src = (s), .dst = (d), .id = "c", .transport = "tcp", .port = (pt), \
	  .protocol = (proto), .op_mask = (ops), .function_codes = "" }

static const struct ots_render_conduit plant_conduits[] = {
	/* office -> office: five PCs to the server, two conduits each (summed: 5 pairs) */
	C(4, 3, "ldap", 389, 0), C(4, 3, "smb", 445, 0), C(5, 3, "ldap", 389, 0),
	C(5, 3, "smb", 445, 0), C(6, 3, "ldap", 389, 0), C(6, 3, "smb", 445, 0),
	C(7, 3, "ldap", 389, 0), C(7, 3, "smb", 445, 0), C(8, 3, "ldap", 389, 0),
	C(8, 3, "smb", 445, 0),
	/* office -> external: five PCs to the cloud (summed: 5 pairs, TLS 4 and DNS 2) */
	C(4, 10, "TLS.Google", 443, 0), C(5, 10, "TLS.Microsoft", 443, 0),
	C(6, 10, "TLS.Google", 443, 0), C(7, 10, "DNS", 53, 0), C(7, 10, "TLS", 443, 0),
	C(8, 10, "DNS.Google", 53, 0),
	/* IT to an OT device, an IT protocol: drawn */
	C(3, 0, "HTTP", 80, 0),
	/* IT to IT but an industrial protocol (nDPI's spelling too): drawn */
	C(4, 5, "Modbus", 502, 0), C(5, 6, "IEC60870", 2404, 0),
	/* IT to IT with a write: drawn */
	C(6, 7, "mystery", 9999, 1u << OTS_OP_WRITE),
	/* dmz -> office: one pair, too few to sum */
	C(9, 3, "rdp", 3389, 0),
	/* a network device, few of them: drawn */
	C(2, 3, "snmp", 161, 0),
	/* ICS */
	C(1, 0, "modbus", 502, 1u << OTS_OP_READ),
};

static struct ots_render
plant_model(void)
{
	struct ots_render r;

	memset(&r, 0, sizeof(r));
	r.title = "plant";
	r.generated = "2024-05-01T11:00:00Z";
	r.assets = plant;
	r.n_assets = sizeof(plant) / sizeof(plant[0]);
	r.conduits = plant_conduits;
	r.n_conduits = sizeof(plant_conduits) / sizeof(plant_conduits[0]);
	return r;
}

static void
test_dot_summary(void **state)
{
	struct ots_render r = plant_model();
	char *d = render_dot(&r), *h, *l;
	const char *g;
	size_t i;

	(void)state;
	/* groups: cell g0, dmz g1, office g2, external g3 */
	assert_non_null(strstr(d, "subgraph cluster_g2 {\n\t\tgraph [id=\"g2\", class=\"group\""));
	assert_non_null(strstr(d, "label=\"office (6)\""));
	/* two summary edges, between the "IT hosts" nodes */
	assert_int_equal(count(d, "class=\"conduit summary\""), 2);
	l = line_of(d, "\tit_g2 -> it_g2 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "id=\"s2_2\""));
	assert_non_null(strstr(l, "style=\"dashed\""));
	assert_non_null(strstr(l, "color=\"#9a9a9a\""));
	assert_non_null(strstr(l, "label=\"10 conduits, 5 pairs\\nldap 5, smb 5\""));
	assert_non_null(strstr(l, "tooltip=\"IT traffic office -> office: 10 conduits, 5 device "
	                          "pairs, 5 initiators, 1 responders\\nldap 5\\nsmb 5\\n--\\n"
	                          "PC1 -> SRV (2)\\nPC2 -> SRV (2)\\nPC3 -> SRV (2)\\n"));
	l = line_of(d, "\tit_g2 -> it_g3 [");
	assert_non_null(l);
	/* families: TLS.Google, TLS.Microsoft and TLS are TLS; DNS.Google and DNS are DNS */
	assert_non_null(strstr(l, "label=\"6 conduits, 5 to 1 host\\nTLS 4, DNS 2\""));
	/* the nodes they join: in their clusters, not asset nodes */
	l = line_of(d, "\t\tit_g2 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "label=\"IT hosts (6)\""));
	assert_non_null(strstr(l, "class=\"summary\""));
	g = strstr(d, "subgraph cluster_g2 {");
	assert_true(g < strstr(d, "\t\tit_g2 [") && strstr(d, "\t\tit_g2 [") <
	            strstr(d, "subgraph cluster_g3 {"));
	l = line_of(d, "\t\tit_g3 [");
	assert_non_null(l);
	assert_non_null(strstr(l, "label=\"external hosts (1)\""));
	assert_null(strstr(d, "it_g0"));
	assert_null(strstr(d, "it_g1"));
	/* summed pairs have no edge of their own */
	assert_null(strstr(d, "\ta4 -> a3 ["));
	assert_null(strstr(d, "\ta8 -> a3 ["));
	assert_null(strstr(d, "\ta4 -> a10 ["));
	assert_null(strstr(d, "\ta7 -> a10 ["));
	/* drawn alone: OT role, industrial protocol (any spelling), write, few pairs, network */
	assert_non_null(strstr(d, "\ta3 -> a0 ["));
	assert_non_null(strstr(d, "\ta4 -> a5 ["));
	assert_non_null(strstr(d, "\ta5 -> a6 ["));
	assert_non_null(strstr(d, "\ta6 -> a7 ["));
	assert_non_null(strstr(d, "\ta9 -> a3 ["));
	assert_non_null(strstr(d, "\ta2 -> a3 ["));
	assert_non_null(strstr(d, "\ta1 -> a0 ["));
	assert_int_equal(count(d, "class=\"conduit "), 7 + 2);
	/* the legend says so */
	assert_non_null(strstr(d, "IT-to-IT traffic summarised per group pair: 16 conduits of 10 "
	                          "device pairs between 7 IT, unknown or network hosts, drawn as 2 "
	                          "edges"));
	/* every node still there; PC5 and the cloud have no drawn edge: < 16 lone, no column */
	for (i = 0; i < r.n_assets; i++) {
		char id[32];

		snprintf(id, sizeof(id), "\t\ta%zu [", i);
		assert_non_null(strstr(d, id));
	}
	assert_null(strstr(d, "style=invis"));
	assert_null(strstr(d, "mclimit"));
	/* the report's conduit table keeps every conduit */
	h = render_html(&r, NULL);
	assert_int_equal(count(h, "<tr class="), r.n_conduits);
	assert_non_null(strstr(h, "<td>PC1</td><td>SRV</td><td>ldap</td>"));
	assert_non_null(strstr(h, "<td>PC5</td><td>cloud</td><td>DNS.Google</td>"));
	free(h);
	free(d);

	/* without the first ten conduits the office pair is gone; office -> external still sums */
	r.conduits = plant_conduits + 10;
	r.n_conduits -= 10;
	d = render_dot(&r);
	assert_int_equal(count(d, "class=\"conduit summary\""), 1);
	assert_non_null(strstr(d, "label=\"IT hosts (5)\""));
	free(d);
	/* with two of its pairs left, too few: drawn one by one, no summary, no legend line */
	r.conduits = plant_conduits + 13;
	r.n_conduits -= 3;
	d = render_dot(&r);
	assert_int_equal(count(d, "class=\"conduit summary\""), 0);
	assert_null(strstr(d, "it_g"));
	assert_null(strstr(d, "IT-to-IT"));
	assert_non_null(strstr(d, "\ta7 -> a10 ["));
	assert_non_null(strstr(d, "\ta8 -> a10 ["));
	free(d);
}

/* Many network devices are summed too; many lone nodes are put in columns; a big map is
 * tuned. */
static void
test_dot_summary_large(void **state)
{
	enum { N_SW = 45, N_PLC = 1100 };
	static struct ots_render_asset a[1 + N_SW + N_PLC + 1];
	static struct ots_render_conduit c[N_SW + N_PLC];
	struct ots_render r;
	char *d;
	size_t i, n = 0, m = 0;

	(void)state;
	a[n++] = (struct ots_render_asset){ .id = "srv", .name = "srv", .role = "it", .group = "it" };
	for (i = 0; i < N_SW; i++) {
		a[n] = (struct ots_render_asset){ .id = "sw", .name = "sw", .role = "network",
		                                  .group = "net" };
		c[m++] = (struct ots_render_conduit){ .src = n, .dst = 0, .id = "c", .transport = "udp",
		                                      .port = 514, .protocol = "syslog" };
		n++;
	}
	for (i = 0; i < N_PLC; i++) {
		a[n] = (struct ots_render_asset){ .id = "plc", .name = "plc", .role = "plc",
		                                  .group = "cell" };
		c[m++] = (struct ots_render_conduit){ .src = N_SW + N_PLC + 1, .dst = n, .id = "c",
		                                      .transport = "tcp", .port = 502,
		                                      .protocol = "modbus" };
		n++;
	}
	a[n++] = (struct ots_render_asset){ .id = "hmi", .name = "hmi", .role = "hmi",
	                                    .group = "cell" };
	memset(&r, 0, sizeof(r));
	r.assets = a;
	r.n_assets = n;
	r.conduits = c;
	r.n_conduits = m;
	d = render_dot(&r);
	/* 45 > 40 network pairs: one summary net -> it (groups: cell g0, it g1, net g2) */
	assert_int_equal(count(d, "class=\"conduit summary\""), 1);
	assert_non_null(strstr(d, "\tit_g2 -> it_g1 [id=\"s2_1\""));
	assert_non_null(strstr(d, "label=\"45 conduits, 45 to 1 host\\nsyslog 45\""));
	/* the 45 switches have no drawn edge: three columns of 16, 16 and 13 (29 invisible
	 * edges); srv has none either but is alone in its group */
	assert_int_equal(count(d, "[style=invis]"), N_SW - 16);
	/* 1100 modbus edges + 1: a big map */
	assert_int_equal(count(d, "class=\"conduit read\"") + count(d, "class=\"conduit other\""),
	                 N_PLC);
	assert_non_null(strstr(d, "\tgraph [mclimit=0.2, remincross=false];\n"));
	free(d);
}

/* A directory with a fake dot program body (a shell script). */
static void
fake_dot(const char *dir, const char *body, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/fake-dot", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static void
test_svg(void **state)
{
	char dir[] = "/tmp/test-render.XXXXXX", dotp[256], svgp[256], prog[256], err[256];
	struct ots_render r = model();
	struct timespec t0, t1;
	struct stat st;
	FILE *f;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(dotp, sizeof(dotp), "%s/map.dot", dir);
	snprintf(svgp, sizeof(svgp), "%s/map.svg", dir);
	f = fopen(dotp, "w");
	assert_non_null(f);
	assert_int_equal(ots_render_dot(f, &r), OTS_OK);
	assert_int_equal(fclose(f), 0);

	/* absent: the not-installed code, naming where it looked */
	setenv("OTS_DOT", "/nonexistent/bin/dot", 1);
	err[0] = '\0';
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_RENDER_ENODOT);
	assert_non_null(strstr(err, "OTS_DOT"));
	setenv("OTS_DOT", "no-such-dot-program", 1);
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_RENDER_ENODOT);
	assert_int_equal(stat(svgp, &st), -1);

	/* failing: its exit status and first stderr line, no file left */
	fake_dot(dir, "echo 'Error: syntax error in line 3' >&2; echo more >&2; exit 3", prog,
	         sizeof(prog));
	setenv("OTS_DOT", prog, 1);
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_EIO);
	assert_non_null(strstr(err, "dot exited with status 3: Error: syntax error in line 3"));
	assert_null(strstr(err, "more"));
	assert_int_equal(stat(svgp, &st), -1);

	/* hung: killed at the timeout */
	fake_dot(dir, "exec sleep 10", prog, sizeof(prog));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ots_render_svg_timeout(dotp, svgp, 200, err, sizeof(err)), OTS_ELIMIT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
	assert_non_null(strstr(err, "killed after 200 ms"));
	assert_int_equal(stat(svgp, &st), -1);

	/* working: the output lands under its name (the arguments reach the program) */
	fake_dot(dir, "[ \"$1\" = -Tsvg ] && [ \"$2\" = -o ] && echo '<svg/>' > \"$3\"", prog,
	         sizeof(prog));
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_OK);
	assert_int_equal(stat(svgp, &st), 0);
	assert_int_equal(st.st_size, 7);
	unlink(svgp);

	/* the real Graphviz, when installed, accepts the hostile model */
	unsetenv("OTS_DOT");
	rc = ots_render_svg(dotp, svgp, err, sizeof(err));
	if (rc != OTS_RENDER_ENODOT) {
		assert_int_equal(rc, OTS_OK);
		assert_int_equal(stat(svgp, &st), 0);
		assert_true(st.st_size > 1000);
	}
	unlink(svgp);
	unlink(prog);
	unlink(dotp);
	rmdir(dir);
}

static size_t
runs(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int ch;

	if (!f)
		return 0;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void
test_svg_fallback(void **state)
{
	char dir[] = "/tmp/test-render.XXXXXX", dotp[256], svgp[256], prog[256], log[256];
	char err[1024], body[1024];
	struct ots_render r = model();
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(dotp, sizeof(dotp), "%s/map.dot", dir);
	snprintf(svgp, sizeof(svgp), "%s/map.svg", dir);
	snprintf(log, sizeof(log), "%s/runs", dir);
	f = fopen(dotp, "w");
	assert_non_null(f);
	assert_int_equal(ots_render_dot(f, &r), OTS_OK);
	assert_int_equal(fclose(f), 0);

	/* fails the first time (a warning before the error), the retry has the fallback first */
	snprintf(body, sizeof(body),
	         "echo \"$*\" >> '%s'\n"
	         "if [ \"$1\" != -Gnewrank=true ]; then\n"
	         "  echo 'Warning: node a1, port x unrecognized' >&2\n"
	         "  echo 'Error: trouble in init_rank' >&2; printf '\\t%%%%0 8\\n' >&2; exit 1\n"
	         "fi\n"
	         "[ \"$2\" = -Tsvg ] && [ \"$3\" = -o ] && echo '<svg/>' > \"$4\"", log);
	fake_dot(dir, body, prog, sizeof(prog));
	setenv("OTS_DOT", prog, 1);
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_OK);
	assert_int_equal(runs(log), 2);
	assert_int_equal(stat(svgp, &st), 0);
	assert_int_equal(st.st_size, 7);
	assert_non_null(strstr(err, "map.dot: dot exited with status 1: Error: trouble in init_rank; "));
	assert_non_null(strstr(err, "map.svg drawn by the retry with -Gnewrank=true"));
	assert_null(strstr(err, "Warning"));
	assert_null(strstr(err, "%0"));
	unlink(svgp);

	/* the report shows that note above the map */
	{
		char *h;

		r.map_note = err;
		h = render_html(&r, "<svg></svg>");
		assert_non_null(strstr(h, "<p class=\"note\" id=\"map-note\">"));
		assert_non_null(strstr(h, "drawn by the retry with -Gnewrank=true</p>\n"
		                          "<div class=\"tools\">"));
		free(h);
		r.map_note = NULL;
	}

	/* fine the first time: one run, no note */
	unlink(log);
	fake_dot(dir, "echo x >> \"$(dirname \"$0\")/runs\"; echo '<svg/>' > \"$3\"", prog,
	         sizeof(prog));
	strcpy(err, "stale");
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_OK);
	assert_int_equal(runs(log), 1);
	assert_string_equal(err, "");
	unlink(svgp);

	/* fails both times: both failures named (the first line when none starts "Error") */
	unlink(log);
	snprintf(body, sizeof(body),
	         "echo x >> '%s'\n"
	         "if [ \"$1\" = -Gnewrank=true ]; then echo 'Error: lost a52 a228 edge' >&2; exit 1; fi\n"
	         "echo 'dot: cannot open' >&2; kill -TERM $$", log);
	fake_dot(dir, body, prog, sizeof(prog));
	assert_int_equal(ots_render_svg(dotp, svgp, err, sizeof(err)), OTS_EIO);
	assert_int_equal(runs(log), 2);
	assert_non_null(strstr(err, "map.dot: dot died of signal 15: dot: cannot open; the retry with "
	                            "-Gnewrank=true failed too: dot exited with status 1: Error: lost "
	                            "a52 a228 edge"));
	assert_int_equal(stat(svgp, &st), -1);

	/* killed at the timeout: no retry */
	unlink(log);
	snprintf(body, sizeof(body), "echo x >> '%s'; exec sleep 10", log);
	fake_dot(dir, body, prog, sizeof(prog));
	assert_int_equal(ots_render_svg_timeout(dotp, svgp, 200, err, sizeof(err)), OTS_ELIMIT);
	assert_int_equal(runs(log), 1);
	assert_int_equal(stat(svgp, &st), -1);

	unsetenv("OTS_DOT");
	unlink(log);
	unlink(prog);
	unlink(dotp);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_structure),
		cmocka_unit_test(test_dot_escaping),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_html_svg_inline),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_empty_model),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_dot_summary),
		cmocka_unit_test(test_dot_summary_large),
		cmocka_unit_test(test_svg_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
