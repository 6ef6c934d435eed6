/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-zones.c: libFuzzer entry for the zones file parser (src/zones.c): parses the input from
 * memory and checks the contract: a failure leaves the set empty with a one-line message naming
 * the input; a success gives a set whose lookups and conduit queries are consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots/error.h"
#include "ots/zones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_loaded(const struct ots_zones *z)
{
	size_t i, k;
	int idx[4], rev;

	if (z->version != 1 || z->n_zones == 0 || z->index == NULL || z->path == NULL)
		abort();
	for (i = 0; i < z->n_zones; i++) {
		const struct ots_zone *zn = &z->zones[i];

		if (zn->name == NULL || zn->sl_t > 4 || (zn->n_nets == 0 && zn->n_vlans == 0))
			abort();
		if (ots_zones_find(z, zn->name) != (int)i)
			abort();
		for (k = 0; k < zn->n_nets; k++) {
			/* a network's own address lies in this zone or in a longer prefix */
			int got = ots_zones_lookup(z, zn->nets[k].addr, 1, 0);

			if (got < 0 || (size_t)got >= z->n_zones)
				abort();
		}
		for (k = 0; k < zn->n_vlans; k++) {
			uint8_t none[16] = { 0 };

			if (zn->vlans[k] == 0 || zn->vlans[k] > 4094 ||
			    ots_zones_lookup(z, none, 0, zn->vlans[k]) != (int)i)
				abort();
		}
	}
	for (i = 0; i < z->n_conduits; i++) {
		const struct ots_zconduit *c = &z->conduits[i];
		size_t n;
		int found = 0;

		if (c->from < 0 || (size_t)c->from >= z->n_zones || c->to < 0 ||
		    (size_t)c->to >= z->n_zones || c->n_allow == 0)
			abort();
		n = ots_zones_conduits(z, c->from, c->to, idx, 4, &rev);
		if (n == 0 || n > 4 || rev != 0)
			abort();
		for (k = 0; k < n; k++)
			found |= idx[k] == (int)i;
		if (!found && n < 4)
			abort();
		for (k = 0; k < c->n_allow; k++)
			(void)ots_zone_allow_match(&c->allow[k], "modbus", 1, 502);
	}
	for (i = 0; i < z->n_warnings; i++)
		if (z->warnings[i] == NULL || strchr(z->warnings[i], '\n') != NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ots_zones z;
	char err[512];
	int rc;

	memset(&z, 0, sizeof(z));
	err[0] = 'x';
	rc = ots_zones_parse(&z, "fuzz.yaml", (const char *)data, size, err, sizeof(err));
	if (rc == OTS_OK) {
		if (err[0] != '\0')
			abort();
		check_loaded(&z);
	} else {
		if (rc != OTS_EINVAL && rc != OTS_ELIMIT && rc != OTS_ENOMEM)
			abort();
		if (strncmp(err, "fuzz.yaml:", 10) != 0 || strchr(err, '\n') != NULL)
			abort();
		if (z.zones != NULL || z.index != NULL || z.warnings != NULL)
			abort();
	}
	ots_zones_free(&z);
	return 0;
}
