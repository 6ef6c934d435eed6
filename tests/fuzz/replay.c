/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * replay.c: runs a libFuzzer entry over corpus files when libFuzzer is absent (make check).
 * Each argument is a file or a directory (walked recursively); prints "replayed N inputs".
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (16u << 20)

static int
replay_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long sz;
	size_t got;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: cannot open\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (unsigned long)sz > REPLAY_MAX_FILE) {
		fprintf(stderr, "replay: %s: cannot size or too large\n", path);
		fclose(f);
		return -1;
	}
	buf = malloc(sz ? (size_t)sz : 1);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	got = fread(buf, 1, (size_t)sz, f);
	fclose(f);
	/* An exactly sized copy, so sanitizers see reads past the input. */
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	(*count)++;
	return 0;
}

static int
replay_path(const char *path, unsigned long *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: not found\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: cannot open directory\n", path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= sizeof(sub))
			continue;
		if (replay_path(sub, count) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned long count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue; /* libFuzzer flags (-runs=0 ...): same command line for both builds */
		if (replay_path(argv[i], &count) != 0)
			rc = 1;
	}
	printf("replayed %lu inputs\n", count);
	return rc;
}
