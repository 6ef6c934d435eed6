/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * render-demo.c: writes the map and report of a synthetic plant of 231 devices to a folder
 * (map.dot, map.svg when Graphviz is installed, report.html), for tests/report-html.sh and for
 * a person to look at. 10 cells, each with 15 PLCs, 3 HMIs, 2 engineering workstations, a
 * historian and a switch; a DMZ, office IT, external peers, one device that never talked.
 *
 * usage: render-demo DIR [--no-svg]   prints "assets=N conduits=N alerts=N roles=..." on stdout
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ots/ics-t.h"
#include "ots/render.h"

#define MAX_ASSETS 256
#define MAX_CONDUITS 1200
#define T0 1714557600000000000ull /* 2024-05-01T10:00:00Z */
#define OP(x) (1u << (x))

static char pool[1 << 20];
static size_t pool_used;

static const char *
s(const char *fmt, ...)
{
	va_list ap;
	char *p = pool + pool_used;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, sizeof(pool) - pool_used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(pool) - pool_used) {
		fprintf(stderr, "render-demo: string pool full\n");
		exit(1);
	}
	pool_used += (size_t)n + 1;
	return p;
}

static struct ots_render_asset assets[MAX_ASSETS];
static struct ots_render_conduit conduits[MAX_CONDUITS];
static size_t n_assets, n_conduits;

static size_t
asset(const char *name, const char *role, const char *group, const char *ip, const char *vendor,
      const char *model, const char *protocols)
{
	struct ots_render_asset *a = &assets[n_assets];
	unsigned k = (unsigned)n_assets;

	a->id = s("mac:00:1b:1b:%02x:%02x:%02x", (k >> 16) & 0xff, (k >> 8) & 0xff, k & 0xff);
	a->name = name;
	a->role = role;
	a->group = group;
	a->ips = ip;
	a->macs = a->id + 4;
	a->vendor = vendor;
	a->model = model;
	a->firmware = strcmp(role, "plc") == 0 ? s("V2.%u.%u", k % 9, k % 4) : "";
	a->serial = strcmp(role, "plc") == 0 ? s("S C-X%07u", 4100000 + k * 37) : "";
	a->nic_vendor = *vendor ? vendor : "Intel";
	a->protocols = protocols;
	a->country = "";
	a->first_seen = T0 + (uint64_t)k * 1000000000ull;
	a->last_seen = T0 + 3600000000000ull - (uint64_t)k * 1000000ull;
	a->packets = 1000 + (uint64_t)k * 13;
	a->bytes = a->packets * 97;
	return n_assets++;
}

static void
conduit(size_t src, size_t dst, const char *transport, unsigned port, const char *proto,
        uint32_t ops, const char *fcs)
{
	struct ots_render_conduit *c = &conduits[n_conduits];
	unsigned k = (unsigned)n_conduits;

	c->src = src;
	c->dst = dst;
	c->id = s("%016llx", (unsigned long long)(0x9e3779b97f4a7c15ull * (k + 1)));
	c->transport = transport;
	c->port = (uint16_t)port;
	c->protocol = proto;
	c->op_mask = ops;
	c->function_codes = fcs;
	c->packets[0] = 200 + k % 50;
	c->packets[1] = 190 + k % 40;
	c->bytes[0] = c->packets[0] * 80;
	c->bytes[1] = c->packets[1] * 120;
	c->first_seen = T0 + (uint64_t)k * 500000000ull;
	c->last_seen = T0 + 3000000000000ull + (uint64_t)k * 1000000ull;
	n_conduits++;
}

static const struct ots_render_alert alerts[] = {
	{ "2024-05-01T10:12:03Z", "high", "ics.program_download", "S7comm program download",
	  "C01-EWS1", "C01-PLC01" },
	{ "2024-05-01T10:20:44Z", "high", "ics.firmware_update", "S7comm firmware update",
	  "C02-EWS2", "C02-PLC15" },
	{ "2024-05-01T10:31:10Z", "medium", "zone.external_conduit",
	  "TLS from the DMZ to an external peer", "JUMP-HOST", "vendor-remote.example" },
	{ "2024-05-01T10:45:00Z", "low", "asset.new", "new device 10.10.3.200", "10.10.3.200", "" },
};

int
main(int argc, char **argv)
{
	static const char *const plc_vendor[] = { "Siemens", "Rockwell Automation", "Schneider Electric" };
	static const char *const plc_model[] = { "S7-1500 CPU 1516-3 PN/DP", "1756-L83E ControlLogix",
		                                 "M580 BMEP582040" };
	static const char *const plc_proto[] = { "s7comm", "enip", "modbus" };
	static const unsigned plc_port[] = { 102, 44818, 502 };
	static const char *const plc_served[] = { "s7comm/tcp:102 (server)", "enip/tcp:44818 (server)",
		                                  "modbus/tcp:502 (server)" };
	size_t plc[10][15], hmi[10][3], ews[10][2], hist[10], sw[10];
	size_t hc, gw, jump, dc, pc[3], vendor_remote, ntp, update, lonely;
	struct ots_render r;
	char path[4096], err[512];
	const char *dir;
	char *svg = NULL;
	size_t svg_len = 0;
	FILE *f;
	int c, k, v, rc, no_svg;

	if (argc < 2) {
		fprintf(stderr, "usage: render-demo DIR [--no-svg]\n");
		return 2;
	}
	dir = argv[1];
	no_svg = argc > 2 && strcmp(argv[2], "--no-svg") == 0;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "render-demo: %s: %s\n", dir, strerror(errno));
		return 1;
	}

	hc = asset("HIST-CENTRAL", "historian", "plant-dmz", "10.20.0.10", "AVEVA", "PI Server", "opcua/tcp:4840 (client), mssql/tcp:1433 (server)");
	gw = asset("OPC-GW", "it", "plant-dmz", "10.20.0.11", "Kepware", "KEPServerEX", "opcua/tcp:4840 (server)");
	jump = asset("JUMP-HOST", "it", "plant-dmz", "10.20.0.20", "Dell", "", "rdp (client), snmp (client), TLS (client)");
	dc = asset("AD-DC01", "it", "office-it", "10.30.0.5", "Dell", "Windows Server", "ldap/tcp:389 (server), kerberos/tcp:88 (server)");
	for (k = 0; k < 3; k++)
		pc[k] = asset(s("office-pc-%d", k + 1), "it", "office-it", s("10.30.1.%d", 21 + k), "HP", "", "ldap (client)");
	vendor_remote = asset("vendor-remote.example", "unknown", "external", "198.51.100.7", "", "", "TLS/tcp:443 (server)");
	assets[vendor_remote].country = "DE";
	ntp = asset("203.0.113.5", "unknown", "external", "203.0.113.5", "", "", "ntp/udp:123 (server)");
	assets[ntp].country = "NL";
	update = asset("updates.example", "unknown", "external", "192.0.2.80", "", "", "TLS/tcp:443 (server)");
	assets[update].country = "US";

	for (c = 0; c < 10; c++) {
		const char *zone = s("cell-%02d", c + 1);

		sw[c] = asset(s("C%02d-SW1", c + 1), "network", zone, s("10.10.%d.1", c + 1), "Hirschmann", "RSP35", "snmp/udp:161 (server), lldp");
		for (k = 0; k < 15; k++) {
			v = (c + k / 5) % 3;
			plc[c][k] = asset(s("C%02d-PLC%02d", c + 1, k + 1), "plc", zone, s("10.10.%d.%d", c + 1, 10 + k),
			                  plc_vendor[v], plc_model[v], plc_served[v]);
		}
		for (k = 0; k < 3; k++)
			hmi[c][k] = asset(s("C%02d-HMI%d", c + 1, k + 1), "hmi", zone, s("10.10.%d.%d", c + 1, 101 + k),
			                  "Siemens", "SIMATIC TP1500", "s7comm, enip, modbus (client)");
		for (k = 0; k < 2; k++)
			ews[c][k] = asset(s("C%02d-EWS%d", c + 1, k + 1), "engineering", zone, s("10.10.%d.%d", c + 1, 111 + k),
			                  "Dell", "Precision 3660", "s7comm, s7comm_plus, enip (client), rdp (server)");
		hist[c] = asset(s("C%02d-HIST", c + 1), "historian", zone, s("10.10.%d.120", c + 1), "AVEVA",
		                "Historian Client", "opcua/tcp:4840 (server), s7comm (client)");
	}
	lonely = asset("10.10.3.200", "unknown", "cell-03", "10.10.3.200", "", "", "");
	(void)lonely;

	for (c = 0; c < 10; c++) {
		for (k = 0; k < 15; k++) {
			size_t p = plc[c][k];
			int pv = (c + k / 5) % 3;
			const char *pr = plc_proto[pv];
			unsigned port = plc_port[pv];

			/* operators: HMI1 reads and writes setpoints, HMI2-3 read */
			conduit(hmi[c][0], p, "tcp", port, pr, OP(OTS_OP_READ) | OP(OTS_OP_WRITE), "read x2400, write x12");
			conduit(hmi[c][1], p, "tcp", port, pr, OP(OTS_OP_READ), "read x2400");
			conduit(hmi[c][2], p, "tcp", port, pr, OP(OTS_OP_READ), "read x2400");
			/* engineering: EWS1 reads everything, programs three PLCs */
			conduit(ews[c][0], p, "tcp", port, pr,
			        OP(OTS_OP_READ) | OP(OTS_OP_DIAGNOSTIC) |
			        (k < 3 ? OP(OTS_OP_PROGRAM) | OP(OTS_OP_MODE_CHANGE) : 0),
			        k < 3 ? "read x40, download x6, stop x1, start x1" : "read x40, szl x8");
			if (k < 3 && pv == 0)
				conduit(ews[c][0], p, "tcp", 102, "s7comm_plus", OP(OTS_OP_READ) | OP(OTS_OP_PROGRAM), "explore x4, setmultivariables x2");
			/* historian polls over the PLC protocol */
			conduit(hist[c], p, "tcp", port, pr, OP(OTS_OP_READ), "read x600");
		}
		/* a firmware update on the last PLC, from EWS2 */
		conduit(ews[c][1], plc[c][14], "tcp", plc_port[(c + 2) % 3], plc_proto[(c + 2) % 3],
		        OP(OTS_OP_FIRMWARE) | OP(OTS_OP_RESTART), "firmware x1, restart x1");
		conduit(hist[c], hc, "tcp", 1433, "mssql", 0, "");
		conduit(gw, hist[c], "tcp", 4840, "opcua", OP(OTS_OP_READ) | OP(OTS_OP_AUTH), "Browse x10, Read x500");
		conduit(jump, ews[c][0], "tcp", 3389, "rdp", 0, "");
		conduit(jump, sw[c], "udp", 161, "snmp", 0, "");
		conduit(sw[c], ntp, "udp", 123, "ntp", OP(OTS_OP_TIME_SYNC), "");
	}
	conduit(jump, vendor_remote, "tcp", 443, "TLS", 0, "");
	conduit(jump, update, "tcp", 443, "TLS", 0, "");
	conduit(hc, gw, "tcp", 4840, "opcua", OP(OTS_OP_READ), "Read x100");
	for (k = 0; k < 3; k++) {
		conduit(pc[k], dc, "tcp", 389, "ldap", 0, "");
		conduit(pc[k], dc, "tcp", 88, "kerberos", OP(OTS_OP_AUTH), "");
		conduit(pc[k], dc, "tcp", 445, "smb", 0, "");
	}
	conduit(pc[0], jump, "tcp", 3389, "rdp", 0, "");

	memset(&r, 0, sizeof(r));
	r.title = "plant-demo.pcapng (synthetic 231-device plant)";
	r.generated = "2024-05-01T11:00:00Z";
	r.assets = assets;
	r.n_assets = n_assets;
	r.conduits = conduits;
	r.n_conduits = n_conduits;
	r.alerts = alerts;
	r.n_alerts = sizeof(alerts) / sizeof(alerts[0]);

	snprintf(path, sizeof(path), "%s/map.dot", dir);
	f = fopen(path, "w");
	if (!f || ots_render_dot(f, &r) != OTS_OK || fclose(f) != 0) {
		fprintf(stderr, "render-demo: %s: cannot write\n", path);
		return 1;
	}
	if (!no_svg) {
		char svg_path[4096];

		snprintf(svg_path, sizeof(svg_path), "%s/map.svg", dir);
		rc = ots_render_svg(path, svg_path, err, sizeof(err));
		if (rc == OTS_OK) {
			f = fopen(svg_path, "rb");
			if (f) {
				long n;

				fseek(f, 0, SEEK_END);
				n = ftell(f);
				rewind(f);
				svg = n > 0 ? malloc((size_t)n) : NULL;
				if (svg && fread(svg, 1, (size_t)n, f) == (size_t)n)
					svg_len = (size_t)n;
				fclose(f);
			}
		} else {
			fprintf(stderr, "render-demo: warning: %s\n", err);
			r.map_note = rc == OTS_RENDER_ENODOT ? NULL : err;
		}
	}
	snprintf(path, sizeof(path), "%s/report.html", dir);
	f = fopen(path, "w");
	if (!f || ots_render_html(f, &r, svg_len ? svg : NULL, svg_len) != OTS_OK || fclose(f) != 0) {
		fprintf(stderr, "render-demo: %s: cannot write\n", path);
		free(svg);
		return 1;
	}
	free(svg);
	printf("assets=%zu conduits=%zu alerts=%zu svg=%d\n", n_assets, n_conduits, r.n_alerts,
	       svg_len ? 1 : 0);
	return 0;
}
