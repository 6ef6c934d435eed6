/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-rules.c: libFuzzer entry for the detection rule parser (src/rules.c): parses the input
 * from memory (with a small zones set, so zone names resolve), finishes the set and checks the
 * contract: a success gives rules with id, name, message and severity 1-100 and a per-protocol
 * index that lists exactly the enabled rules of each kind that can match the protocol; a failure
 * gives one line "fuzz.rules:LINE:COLUMN: message". Each match call runs on a fixed context.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ots/error.h"
#include "ots/ics-t.h"
#include "ots/rules.h"
#include "ots/zones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char zones_text[] =
	"version: 1\n"
	"zones:\n"
	"  - name: control\n"
	"    sl_t: 3\n"
	"    networks: [10.1.20.0/24]\n"
	"  - name: office\n"
	"    sl_t: 1\n"
	"    networks: [192.168.0.0/16, \"2001:db8::/32\"]\n";

static struct ots_zones *
zones(void)
{
	static struct ots_zones z;
	static int done;
	char err[256];

	if (!done) {
		if (ots_zones_parse(&z, "zones.yaml", zones_text, sizeof(zones_text) - 1, err,
		                    sizeof(err)) != OTS_OK)
			abort();
		done = 1;
	}
	return &z;
}

/* Can rule r be listed for protocol x: every positive protocol condition names x. */
static int
can_match(const struct ots_rule *r, unsigned x)
{
	uint32_t k;

	for (k = 0; k < r->n_conds; k++)
		if (r->conds[k].field == OTS_RF_PROTOCOL && !r->conds[k].negate &&
		    !((r->conds[k].bits >> x) & 1))
			return 0;
	return 1;
}

static void
check_cond(const struct ots_rule_cond *k)
{
	uint32_t i;

	if (k->field >= OTS_RF__COUNT || k->negate > 1 || k->line == 0 || k->col == 0)
		abort();
	if (k->field == OTS_RF_EXCEPTION ? k->n != 0 : k->n == 0)
		abort();
	for (i = 0; i < k->n; i++) {
		if (k->ranges && k->ranges[i].lo > k->ranges[i].hi)
			abort();
		if (k->nets && k->nets[i].len > 128)
			abort();
		if (k->strs && (!k->strs[i] || !k->strs[i][0]))
			abort();
		if (k->zones && (k->zones[i] < -2 || k->zones[i] >= (int)zones()->n_zones))
			abort();
	}
}

static void
check_set(const struct ots_rules *rs)
{
	static const uint8_t sip[16] = { [10] = 0xff, [11] = 0xff, 10, 1, 20, 5 };
	static const uint8_t dip[16] = { [10] = 0xff, [11] = 0xff, 192, 168, 0, 9 };
	static const uint8_t mac[6] = { 0, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct ots_ics_op op;
	struct ots_rule_ctx x;
	uint32_t i, on, p, k;

	memset(&op, 0, sizeof(op));
	op.proto = OTS_PROTO_MODBUS;
	op.function_name = "write_single_register";
	op.has_unit = op.has_addr = 1;
	memset(&x, 0, sizeof(x));
	x.proto = OTS_PROTO_MODBUS;
	x.op = &op;
	x.transport = 6;
	x.has_ip = x.has_smac = 1;
	x.sip = sip;
	x.dip = dip;
	x.smac = mac;
	x.reason = "dcc_password";
	for (i = 0; i < rs->n; i++) {
		const struct ots_rule *r = &rs->v[i];

		if (!r->id || !r->id[0] || !r->name || !r->name[0] || !r->message ||
		    !r->message[0] || r->severity < 1 || r->severity > 100 ||
		    r->on >= OTS_RON__COUNT || r->enabled > 1 || r->index != i || !r->file ||
		    r->line == 0)
			abort();
		if (r->thr_n && (r->thr_window_us == 0 ||
		                 r->thr_window_us > UINT64_C(7) * 24 * 3600 * 1000000 ||
		                 r->thr_by == 0 || r->thr_by > 7 || r->on == OTS_RON_ASSET))
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(rs->v[k].id, r->id) == 0)
				abort();
		for (k = 0; k < r->n_conds; k++)
			check_cond(&r->conds[k]);
		for (k = 0; k < r->n_supp; k++)
			check_cond(&r->supp[k]);
		x.on = r->on;
		(void)ots_rules_match(r, &x);
		(void)ots_rules_match_assets(r, 0, -2, 1, 0);
	}
	for (on = 0; on < OTS_RON__COUNT; on++)
		for (p = 0; p < OTS_ICS_PROTO_SLOTS; p++) {
			uint32_t n, want = 0;
			const uint32_t *v = ots_rules_for(rs, on, p, &n);

			for (i = 0; i < rs->n; i++)
				want += rs->v[i].enabled && rs->v[i].on == on && can_match(&rs->v[i], p);
			if (n != want || (n && !v))
				abort();
			for (k = 0; k < n; k++) {
				const struct ots_rule *r = &rs->v[v[k]];

				if (v[k] >= rs->n || (k && v[k] <= v[k - 1]) || !r->enabled || r->on != on ||
				    !can_match(r, p))
					abort();
			}
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ots_rules rs;
	char err[512];
	unsigned line, col;
	int rc, n = 0;

	memset(&rs, 0, sizeof(rs));
	err[0] = 'x';
	rc = ots_rules_parse(&rs, "fuzz.rules", (const char *)data, size, zones(), err,
	                     sizeof(err));
	if (rc == OTS_OK) {
		if (err[0] != '\0')
			abort();
		rc = ots_rules_finish(&rs, err, sizeof(err));
	}
	if (rc == OTS_OK) {
		check_set(&rs);
	} else {
		if (rc != OTS_EINVAL && rc != OTS_ENOMEM)
			abort();
		if (rc == OTS_EINVAL &&
		    (strncmp(err, "fuzz.rules:", 11) != 0 || strchr(err, '\n') != NULL ||
		     sscanf(err + 11, "%u:%u: %n", &line, &col, &n) != 2 || n == 0 || line == 0 ||
		     col == 0 || err[11 + n] == '\0'))
			abort();
	}
	ots_rules_free(&rs);
	return 0;
}
