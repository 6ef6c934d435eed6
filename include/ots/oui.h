/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oui.h: NIC vendor from a MAC address, through the IEEE registries shipped by Debian's
 * ieee-data package (src/oui.c).
 *
 * Registries: MA-L (oui.csv, 24-bit assignments), MA-M (mam.csv, 28-bit), MA-S (oui36.csv,
 * 36-bit) and IAB (iab.csv, 36-bit). CSV per RFC 4180: "Registry,Assignment,Organization Name,
 * Organization Address", a field may be double-quoted with "" escapes, commas and line breaks
 * inside (the published files carry addresses over several lines).
 *
 * Layout: one sorted array per prefix length (36, 28, 24 bits) of packed entries
 * (prefix << 28 | name offset) and one blob of NUL-terminated names, each distinct name stored
 * once. Lookup is three binary searches at most, longest prefix first.
 *
 * Thread: load and free from one thread; after load the list is read-only and lookups may run
 * concurrently from any number of threads.
 */
#ifndef OTS_OUI_H
#define OTS_OUI_H

#include <stddef.h>
#include <stdint.h>

#define OTS_OUI_DEFAULT_DIR "/usr/share/ieee-data"

#define OTS_OUI_NAME_MAX 256      /* longest name kept, NUL included (published max: 108) */
#define OTS_OUI_REC_MAX 4096      /* a CSV record longer than this is malformed */
#define OTS_OUI_FILE_MAX (64u << 20) /* a registry file larger than this is refused */
#define OTS_OUI_NAME_BITS 28      /* name offsets are packed in the low 28 bits of an entry */

enum ots_oui_len { OTS_OUI_L36 = 0, OTS_OUI_L28 = 1, OTS_OUI_L24 = 2, OTS_OUI__NLEN = 3 };

struct ots_oui {
	/* tab[i]: n[i] entries sorted by prefix, (prefix << OTS_OUI_NAME_BITS) | offset in names;
	 * tab[OTS_OUI_L36] holds MA-S and IAB, tab[OTS_OUI_L28] MA-M, tab[OTS_OUI_L24] MA-L. */
	uint64_t *tab[OTS_OUI__NLEN];
	size_t n[OTS_OUI__NLEN];
	char *names;       /* interned names, each NUL-terminated */
	size_t names_len;  /* bytes used in names */
	size_t entries;    /* sum of n[] */
	size_t bad_lines;  /* malformed records skipped */
	size_t duplicates; /* records whose prefix was already assigned (first one kept) */
};

/* One parsed registry record (the parser is separate so it can be fuzzed). */
struct ots_oui_rec {
	uint64_t prefix;               /* assignment, `bits` wide */
	unsigned bits;                 /* 24, 28 or 36 */
	size_t name_len;
	char name[OTS_OUI_NAME_MAX];   /* unescaped, trimmed, NUL-terminated, case as published */
};

/*
 * Parse one CSV record at buf[0..len). Always sets *used to the bytes consumed (>0 when
 * len > 0), line end included, so the caller steps to the next record even after an error.
 * Returns OTS_OK with *rec filled, OTS_ENOTSUP for a blank or header line (nothing to load,
 * not an error), OTS_EINVAL for a malformed record (not 3 or 4 fields, assignment not 6, 7 or
 * 9 hex digits, empty or too long name, control characters in the name, text after a closing
 * quote, unterminated quote, record over OTS_OUI_REC_MAX). Only the last field (the address)
 * may span lines; a quote left open in an earlier field, an unterminated quote or an overlong
 * record is skipped to the end of its first physical line, so the next record still loads.
 */
int ots_oui_parse_csv(const char *buf, size_t len, size_t *used, struct ots_oui_rec *rec);

/* A record found by ots_oui_scan_csv(): the name points into the scanned buffer. */
struct ots_oui_span {
	uint64_t prefix;  /* assignment, `bits` wide */
	unsigned bits;    /* 24, 28 or 36 */
	const char *name; /* trimmed name inside buf, not NUL-terminated */
	size_t name_len;
};

/*
 * The loader's fast path for the common record shape: unquoted registry, 6, 7 or 9 hex digit
 * assignment, a name plain or quoted without "" escapes, and an address on the same line, plain
 * or quoted, ending in LF or CRLF. Returns 1 with *sp and *used (line end included) exactly as
 * ots_oui_parse_csv() would give them for buf[0..len) (OTS_OK, same bytes consumed, same
 * prefix, bits and name); returns 0, *used and *sp untouched, when the record is anything else
 * (header, blank, escapes, line breaks in a quote, malformed, near the limits): the caller then
 * parses it with ots_oui_parse_csv(). Reads only buf[0..len).
 */
int ots_oui_scan_csv(const char *buf, size_t len, size_t *used, struct ots_oui_span *sp);

/*
 * Parse one line of the legacy oui.txt form ("00-00-0C   (hex)\t\tCisco Systems, Inc").
 * line[0..len) holds one line without its terminator. Returns OTS_OK with a 24-bit *rec,
 * OTS_ENOTSUP for any other line (headers, "(base 16)" and address lines, blanks),
 * OTS_EINVAL for a "(hex)" line with a bad prefix or name.
 */
int ots_oui_parse_txt(const char *line, size_t len, struct ots_oui_rec *rec);

/*
 * Load the four registries from dir (OTS_OUI_DEFAULT_DIR when NULL). o is overwritten (it must
 * not hold a loaded list) and must be released with ots_oui_free() whatever the result.
 * For each registry the .csv is read; oui.txt is used when oui.csv is absent.
 * Returns the number of entries loaded (>= 0) or a negative OTS_E* (OTS_ENOMEM, OTS_EIO for
 * a file present but unreadable, OTS_ELIMIT for a file over OTS_OUI_FILE_MAX), with err naming
 * the file (and line). On success err holds a one-line warning, or "" when there is none:
 * missing files ("no OUI list at DIR (install ieee-data): NIC vendors unknown" when none is
 * there) and the count and first place of malformed records (also in o->bad_lines).
 */
int ots_oui_load(struct ots_oui *o, const char *dir, char *err, size_t errlen);

/*
 * Organisation name for mac by longest prefix (36, then 28, then 24 bits), or NULL when none
 * is assigned, for a multicast MAC (bit 0x01 of the first byte) and for a locally administered
 * one (bit 0x02: randomised or virtual, no vendor). The string is owned by o and lives until
 * ots_oui_free(). O(log n); read-only, thread-safe after load.
 */
const char *ots_oui_lookup(const struct ots_oui *o, const uint8_t mac[6]);

/* Bytes held by o (tables and names) after load. */
size_t ots_oui_memsize(const struct ots_oui *o);

/* Release everything o holds; o is left empty (lookups return NULL). Safe on a zeroed o. */
void ots_oui_free(struct ots_oui *o);

#endif
