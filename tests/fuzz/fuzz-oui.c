/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-oui.c: libFuzzer entry for the IEEE registry parsers (src/oui.c): walks the input as
 * CSV records and as oui.txt lines, and checks the parser's contract on every record (and
 * that the loader's fast path, ots_oui_scan_csv, agrees with it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ots/error.h"
#include "ots/oui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_rec(const struct ots_oui_rec *rec)
{
	if (rec->bits != 24 && rec->bits != 28 && rec->bits != 36)
		abort();
	if (rec->prefix >> rec->bits != 0)
		abort();
	if (rec->name_len == 0 || rec->name_len >= sizeof(rec->name) ||
	    rec->name[rec->name_len] != '\0' || strlen(rec->name) != rec->name_len)
		abort();
	if (rec->name[0] == ' ' || rec->name[0] == '\t' || rec->name[rec->name_len - 1] == ' ' ||
	    rec->name[rec->name_len - 1] == '\t')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct ots_oui_rec rec;
	size_t pos = 0;

	while (pos < size) {
		struct ots_oui_span sp;
		size_t used = 0, sused = 0;
		int rc = ots_oui_parse_csv(buf + pos, size - pos, &used, &rec);

		if (used == 0 || used > size - pos)
			abort();
		if (rc == OTS_OK)
			check_rec(&rec);
		else if (rc != OTS_EINVAL && rc != OTS_ENOTSUP)
			abort();
		/* the loader's fast path, when it takes the record, agrees with the parser */
		if (ots_oui_scan_csv(buf + pos, size - pos, &sused, &sp) &&
		    (rc != OTS_OK || sused != used || sp.prefix != rec.prefix || sp.bits != rec.bits ||
		     sp.name_len != rec.name_len || memcmp(sp.name, rec.name, sp.name_len) != 0))
			abort();
		pos += used;
	}
	for (pos = 0; pos < size;) {
		const char *nl = memchr(buf + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : size - pos;

		if (ots_oui_parse_txt(buf + pos, n, &rec) == OTS_OK) {
			check_rec(&rec);
			if (rec.bits != 24)
				abort();
		}
		pos += n;
	}
	return 0;
}
