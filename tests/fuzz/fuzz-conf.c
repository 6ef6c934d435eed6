/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-conf.c: libFuzzer entry for the config file (src/conf-file.c): a success gives
 * "--name[=value]" arguments of known options, each with a position; a failure one line
 * naming the input and no arguments.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots/conf-file.h"
#include "ots/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct option opts[] = {
	{ "read", required_argument, NULL, 'r' }, { "interface", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' }, { "geoip", required_argument, NULL, 1 },
	{ "zones", required_argument, NULL, 'z' }, { "user", required_argument, NULL, 2 },
	{ "kafka-brokers", required_argument, NULL, 3 }, { "kafka-property", required_argument, NULL, 4 },
	{ NULL, 0, NULL, 0 }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ots_conf_args a;
	char err[512];
	int i, rc;

	err[0] = 'x';
	rc = ots_conf_file_parse(&a, "fuzz.yaml", (const char *)data, size, opts, err, sizeof(err));
	if (rc == OTS_OK) {
		if (err[0] != '\0' || a.argc != a.n_file + 1 || a.argv[a.argc] != NULL)
			abort();
		for (i = 1; i < a.argc; i++) {
			const struct option *o;
			size_t n = strcspn(a.argv[i] + 2, "=");
			int found = 0;

			if (strncmp(a.argv[i], "--", 2) != 0 || a.line[i - 1] == 0 || a.col[i - 1] == 0)
				abort();
			for (o = opts; o->name; o++)
				found |= strlen(o->name) == n && strncmp(o->name, a.argv[i] + 2, n) == 0;
			if (!found)
				abort();
		}
	} else {
		if (rc != OTS_EINVAL && rc != OTS_ELIMIT && rc != OTS_ENOMEM)
			abort();
		if (strncmp(err, "fuzz.yaml:", 10) != 0 || strchr(err, '\n') != NULL || a.argc != 0)
			abort();
	}
	ots_conf_args_free(&a);
	return 0;
}
