/* SPDX-License-Identifier: BSD-3-Clause */
/* conf.c: configuration defaults, size parsing, -r expansion. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ots/conf.h"
#include "ots/error.h"

unsigned
ots_conf_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 2)
		return 1;
	return (unsigned)(n - 1 > 64 ? 64 : n - 1);
}

void
ots_conf_defaults(struct ots_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->checkpoint_s = 300;
	c->alert_interval_s = 5;
	c->stats_interval_s = 60;
	c->inv_memcap = 256ull << 20;
	c->workers = ots_conf_default_workers();
	c->ring_bytes = 8u << 20;
	c->snaplen = 65535;
	c->pcap_buffer = 64u << 20;
	c->ndpi_max_pkts = 32;
	ots_flow_conf_default(&c->flow);
	ots_stream_conf_default(&c->stream);
	c->defrag.max_datagrams = 1024;
	c->defrag.max_frags = 64;
	c->defrag.timeout_us = 30u * 1000000u;
}

void
ots_conf_free(struct ots_conf *c)
{
	size_t i;

	for (i = 0; i < c->n_inputs; i++)
		free(c->inputs[i]);
	free(c->inputs);
	c->inputs = NULL;
	c->n_inputs = 0;
}

int
ots_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return OTS_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return OTS_EINVAL;
	*out = v;
	return OTS_OK;
}

int
ots_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return OTS_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return OTS_EINVAL;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mul = 1ull << 10; end++; break;
	case 'm': mul = 1ull << 20; end++; break;
	case 'g': mul = 1ull << 30; end++; break;
	case 't': mul = 1ull << 40; end++; break;
	default: return OTS_EINVAL;
	}
	if (mul > 1 && (strcasecmp(end, "ib") == 0 || strcasecmp(end, "b") == 0))
		end += strlen(end);
	if (*end || (mul > 1 && v > UINT64_MAX / mul))
		return OTS_EINVAL;
	*out = v * mul;
	return OTS_OK;
}

static int
push_input(struct ots_conf *c, const char *path)
{
	char **ni = realloc(c->inputs, (c->n_inputs + 1) * sizeof(*ni));

	if (!ni)
		return OTS_ENOMEM;
	c->inputs = ni;
	c->inputs[c->n_inputs] = strdup(path);
	if (!c->inputs[c->n_inputs])
		return OTS_ENOMEM;
	c->n_inputs++;
	return OTS_OK;
}

static int
is_capture_name(const char *n)
{
	static const char *const ext[] = { ".pcap", ".pcapng", ".cap", ".dmp", ".ntar" };
	const char *dot = strrchr(n, '.');
	size_t i;

	if (n[0] == '.' || !dot)
		return 0;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcasecmp(dot, ext[i]) == 0)
			return 1;
	/* rotated files: trace.pcap0, trace.pcap12 */
	return strncasecmp(dot, ".pcap", 5) == 0 && isdigit((unsigned char)dot[5]);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ots_conf_add_input(struct ots_conf *c, const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL, **nn;
	size_t n = 0, i;
	DIR *d;
	int rc = OTS_OK;

	if (strcmp(path, "-") == 0)
		return push_input(c, path); /* standard input: tcpdump -w - | otsensor -r - */
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	if (!S_ISDIR(st.st_mode))
		return push_input(c, path);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "cannot read directory %s: %s", path, strerror(errno));
		return OTS_EIO;
	}
	while ((de = readdir(d))) {
		char full[4096];
		struct stat fs;

		if (!is_capture_name(de->d_name))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, de->d_name) >= sizeof(full))
			continue;
		if (stat(full, &fs) < 0 || !S_ISREG(fs.st_mode))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(full))) {
			names = nn ? nn : names;
			rc = OTS_ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (rc == OTS_OK && n == 0) {
		snprintf(err, errlen, "directory %s holds no capture files (*.pcap, *.pcapng, *.cap)",
		         path);
		rc = OTS_EIO;
	}
	if (rc == OTS_OK)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (rc == OTS_OK)
			rc = push_input(c, names[i]);
		free(names[i]);
	}
	free(names);
	if (rc == OTS_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}
