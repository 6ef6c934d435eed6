/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-oui.c: IEEE OUI registries: CSV record parser (quotes, "" escapes, CRLF, multi-line
 * addresses, malformed records), oui.txt lines, longest-prefix lookup, name interning,
 * missing files, and the real Debian ieee-data lists when installed (load time and memory).
 * The loader's fast path (ots_oui_scan_csv) is checked against ots_oui_parse_csv record by
 * record, and whole loads against a reference loader built on ots_oui_parse_csv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/error.h"
#include "ots/oui.h"

#ifndef OTS_TOP_SRCDIR
#define OTS_TOP_SRCDIR "."
#endif

static const char *
data_dir(const char *sub, char *buf, size_t len)
{
	const char *top = getenv("top_srcdir");

	snprintf(buf, len, "%s/tests/data/oui/%s", top && *top ? top : OTS_TOP_SRCDIR, sub);
	return buf;
}

static void
mac_of(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	assert_int_equal(sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
}

static const char *
lookup(const struct ots_oui *o, const char *s)
{
	uint8_t mac[6];

	mac_of(s, mac);
	return ots_oui_lookup(o, mac);
}

#define assert_vendor(o, mac, want)                                                                \
	do {                                                                                       \
		const char *got_ = lookup((o), (mac));                                             \
		if ((want) == NULL) {                                                              \
			if (got_ != NULL)                                                          \
				fail_msg("%s: want NULL, got \"%s\"", (mac), got_);              \
		} else {                                                                           \
			if (got_ == NULL)                                                          \
				fail_msg("%s: want \"%s\", got NULL", (mac), (const char *)(want)); \
			assert_string_equal(got_, (want));                                         \
		}                                                                                  \
	} while (0)

/* Parse one CSV string as a single record; returns the status, *used the bytes taken. */
static int
parse1(const char *s, size_t *used, struct ots_oui_rec *rec)
{
	return ots_oui_parse_csv(s, strlen(s), used, rec);
}

static void
test_parse_csv(void **state)
{
	struct ots_oui_rec rec;
	size_t used;
	const char *s;

	(void)state;
	s = "MA-L,001B1B,\"Siemens AG,\",I IA SC Karlsruhe DE  \r\nMA-L,...";
	assert_int_equal(parse1(s, &used, &rec), OTS_OK);
	assert_int_equal(used, strchr(s, '\n') + 1 - s);
	assert_int_equal(rec.bits, 24);
	assert_true(rec.prefix == 0x001B1B);
	assert_string_equal(rec.name, "Siemens AG,");
	assert_int_equal(rec.name_len, 11);

	/* "" escapes, quoted address with commas and quotes */
	s = "MA-M,ACDE48A,\"The \"\"Q\"\" Co, Ltd.\",\"1 Main St, \"\"B\"\"\"\r\n";
	assert_int_equal(parse1(s, &used, &rec), OTS_OK);
	assert_int_equal(used, strlen(s));
	assert_int_equal(rec.bits, 28);
	assert_true(rec.prefix == 0xACDE48A);
	assert_string_equal(rec.name, "The \"Q\" Co, Ltd.");

	/* the address spans lines (as in the published files): one record */
	s = "MA-S,8C1F64C57,Strategic Robotic Systems,\"14842 NE 95th Street\nBuilding 5 WA\"\r\nX";
	assert_int_equal(parse1(s, &used, &rec), OTS_OK);
	assert_int_equal(used, strlen(s) - 1);
	assert_int_equal(rec.bits, 36);
	assert_true(rec.prefix == 0x8C1F64C57ull);
	assert_string_equal(rec.name, "Strategic Robotic Systems");

	/* trimmed, case kept, lower-case hex accepted, no address, no line end */
	assert_int_equal(parse1("MA-L,3cb07e, \t Padded  Corp.\t ", &used, &rec), OTS_OK);
	assert_string_equal(rec.name, "Padded  Corp.");
	assert_true(rec.prefix == 0x3CB07E);
	assert_int_equal(parse1("MA-L,0000BC,\" Quoted Pad \",\n", &used, &rec), OTS_OK);
	assert_string_equal(rec.name, "Quoted Pad");
	/* LF only */
	s = "MA-L,0000BC,Rockwell Automation,x\nnext";
	assert_int_equal(parse1(s, &used, &rec), OTS_OK);
	assert_int_equal(used, strlen(s) - 4);

	/* header and blank lines: nothing to load, not malformed */
	assert_int_equal(parse1("Registry,Assignment,Organization Name,Organization Address\r\n", &used,
	                        &rec), OTS_ENOTSUP);
	assert_int_equal(parse1("\r\nMA-L", &used, &rec), OTS_ENOTSUP);
	assert_int_equal(used, 2);
	assert_int_equal(parse1("\n", &used, &rec), OTS_ENOTSUP);
	assert_int_equal(used, 1);
	assert_int_equal(ots_oui_parse_csv("", 0, &used, &rec), OTS_ENOTSUP);
	assert_int_equal(used, 0);
}

static void
test_parse_csv_malformed(void **state)
{
	static const char *bad[] = {
		"MA-L,ZZ1234,Bad Hex,addr\r\n",          /* not hex */
		"MA-L,00AB,Short,addr\r\n",              /* 4 digits */
		"MA-L,00ABCDEF,Eight,addr\r\n",          /* 8 digits */
		"MA-L,0000000000,Ten,addr\r\n",          /* 10 digits */
		"MA-L,001122,,addr\r\n",                 /* empty name */
		"MA-L,001122,  \t ,addr\r\n",            /* blank name */
		"MA-L,001122,Unquoted, Comma Inc,addr\r\n", /* 5 fields */
		"MA-L,001122\r\n",                       /* 2 fields */
		"just text\r\n",                         /* 1 field */
		"MA-L,001122,\"a\"b,addr\r\n",           /* text after the closing quote */
		"MA-L,001122,\"Ctl\x01name\",addr\r\n",  /* control byte in the name */
		"MA-L,001122,\"Ctl\rname\",addr\r\n",    /* CR inside the name */
	};
	struct ots_oui_rec rec;
	char big[OTS_OUI_NAME_MAX + 64];
	size_t used, i;
	const char *s;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse1(bad[i], &used, &rec) != OTS_EINVAL)
			fail_msg("bad[%zu] accepted: %s", i, bad[i]);
		assert_int_equal(used, strlen(bad[i]));
	}
	/* unterminated quote in the name: skipped to the end of its line, next record intact */
	s = "MA-L,0A0B0D,\"Unterminated,addr\r\nMA-L,001B1B,\"Siemens AG,\",x\r\n";
	assert_int_equal(parse1(s, &used, &rec), OTS_EINVAL);
	assert_int_equal(used, strchr(s, '\n') + 1 - s);
	assert_int_equal(parse1(s + used, &used, &rec), OTS_OK);
	assert_string_equal(rec.name, "Siemens AG,");
	/* unterminated quote at the end of the input */
	assert_int_equal(parse1("MA-L,001122,x,\"addr", &used, &rec), OTS_EINVAL);
	assert_int_equal(used, 19);
	/* name longer than OTS_OUI_NAME_MAX - 1 */
	memset(big, 0, sizeof(big));
	memcpy(big, "MA-L,001122,", 12);
	memset(big + 12, 'n', OTS_OUI_NAME_MAX);
	assert_int_equal(parse1(big, &used, &rec), OTS_EINVAL);
	big[12 + OTS_OUI_NAME_MAX - 1] = '\0'; /* 255 bytes: fits */
	assert_int_equal(parse1(big, &used, &rec), OTS_OK);
	assert_int_equal(rec.name_len, OTS_OUI_NAME_MAX - 1);
}

static void
test_parse_txt(void **state)
{
	struct ots_oui_rec rec;
	const char *s;

	(void)state;
	s = "00-00-0C   (hex)\t\tCisco Systems, Inc\r\n";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_OK);
	assert_true(rec.prefix == 0x00000C);
	assert_int_equal(rec.bits, 24);
	assert_string_equal(rec.name, "Cisco Systems, Inc");
	/* iab.txt pads with spaces */
	s = "00-50-C2                      (hex)                         DEUTA-WERKE GmbH        ";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_OK);
	assert_string_equal(rec.name, "DEUTA-WERKE GmbH");
	s = "00000C     (base 16)\t\tCisco Systems, Inc";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_ENOTSUP);
	s = "\t\t\t\t80 West Tasman Drive";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_ENOTSUP);
	s = "OUI/MA-L                                                    Organization";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_ENOTSUP);
	assert_int_equal(ots_oui_parse_txt("", 0, &rec), OTS_ENOTSUP);
	s = "00-1G-1B   (hex)\t\tBad Hex";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_EINVAL);
	s = "00-1C-1B   (hex)\t\t  ";
	assert_int_equal(ots_oui_parse_txt(s, strlen(s), &rec), OTS_EINVAL);
}

static void
test_load_fixture(void **state)
{
	static const char *names[] = {
		"Siemens AG,", "Rockwell Automation", "Cisco Systems, Inc",
		"The \"Quoted\" Company, Ltd.", "Aviva Links Inc.", "Padded Name Corp.",
		"NETWORK RESEARCH CORPORATION", "CERN", "IEEE Registration Authority",
		"Locally Administered Block", "Multicast Block", "Three Fields Only",
		"Siemens MA-M, Sub", "TELEPLATFORMS", "Deep Siemens Unit", "DEUTA-WERKE GmbH",
	};
	struct ots_oui o;
	char dir[256], err[1024], want[1024];
	size_t i, names_len = 0;
	const char *a, *b;

	(void)state;
	data_dir("full", dir, sizeof(dir));
	assert_int_equal(ots_oui_load(&o, dir, err, sizeof(err)), 17);
	assert_int_equal(o.entries, 17);
	assert_int_equal(o.n[OTS_OUI_L24], 12);
	assert_int_equal(o.n[OTS_OUI_L28], 2);
	assert_int_equal(o.n[OTS_OUI_L36], 3);
	assert_int_equal(o.bad_lines, 4);
	assert_int_equal(o.duplicates, 1);
	snprintf(want, sizeof(want), "4 malformed OUI records skipped (first at %s/oui.csv:4)", dir);
	assert_string_equal(err, want);
	/* every distinct name stored once */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		names_len += strlen(names[i]) + 1;
	assert_int_equal(o.names_len, names_len);
	assert_int_equal(ots_oui_memsize(&o), names_len + 17 * sizeof(uint64_t));

	assert_vendor(&o, "00:1b:1b:01:02:03", "Siemens AG,");
	assert_vendor(&o, "00:00:BC:12:34:56", "Rockwell Automation");
	assert_vendor(&o, "F4:BD:9E:00:00:01", "Cisco Systems, Inc");
	assert_vendor(&o, "AC:DE:48:00:00:01", "The \"Quoted\" Company, Ltd.");
	assert_vendor(&o, "C4:04:D8:00:00:01", "Aviva Links Inc.");
	assert_vendor(&o, "3C:B0:7E:00:00:01", "Padded Name Corp.");
	assert_vendor(&o, "FC:FC:FC:00:00:01", "Three Fields Only");
	/* duplicate prefix: the first record wins */
	assert_vendor(&o, "08:00:30:00:00:01", "NETWORK RESEARCH CORPORATION");
	/* malformed records were not loaded, the record after the bad quote was */
	assert_vendor(&o, "0A:0B:0D:00:00:01", NULL);
	assert_vendor(&o, "0A:0B:0F:00:00:01", NULL);
	assert_vendor(&o, "00:00:00:00:00:01", NULL);
	assert_vendor(&o, "FF:FF:FE:00:00:01", NULL);

	/* longest prefix: 36 inside 28 inside 24 */
	assert_vendor(&o, "00:1B:1B:5A:1F:FF", "Deep Siemens Unit");
	assert_vendor(&o, "00:1B:1B:5A:20:00", "Siemens MA-M, Sub");
	assert_vendor(&o, "00:1B:1B:50:00:00", "Siemens MA-M, Sub");
	assert_vendor(&o, "00:1B:1B:4F:FF:FF", "Siemens AG,");
	assert_vendor(&o, "00:1B:1B:60:00:00", "Siemens AG,");
	assert_vendor(&o, "AC:DE:48:A0:00:00", "Rockwell Automation");
	assert_vendor(&o, "AC:DE:48:B0:00:00", "The \"Quoted\" Company, Ltd.");
	assert_vendor(&o, "00:50:C2:7D:50:01", "DEUTA-WERKE GmbH");
	assert_vendor(&o, "00:50:C2:7D:60:01", "IEEE Registration Authority");
	assert_vendor(&o, "70:B3:D5:F2:F0:00", "TELEPLATFORMS");
	assert_vendor(&o, "70:B3:D5:F3:00:00", NULL); /* no MA-L for 70B3D5 in the fixture */

	/* multicast and locally administered: NULL even where a block is listed */
	assert_vendor(&o, "01:00:00:00:00:01", NULL);
	assert_vendor(&o, "0E:00:00:00:00:01", NULL);
	assert_vendor(&o, "01:1B:1B:01:02:03", NULL);
	assert_vendor(&o, "02:1B:1B:01:02:03", NULL);

	/* interned: one name shared by MA-L 0000BC, 086195 and MA-M ACDE48A */
	a = lookup(&o, "00:00:BC:00:00:00");
	b = lookup(&o, "AC:DE:48:A1:00:00");
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, lookup(&o, "08:61:95:00:00:00"));

	ots_oui_free(&o);
	assert_null(lookup(&o, "00:1b:1b:01:02:03"));
	ots_oui_free(&o); /* twice is harmless */
}

static void
test_load_txt_fallback(void **state)
{
	struct ots_oui o;
	char dir[256], err[1024], want[1024];

	(void)state;
	data_dir("txt", dir, sizeof(dir));
	assert_int_equal(ots_oui_load(&o, dir, err, sizeof(err)), 2);
	assert_int_equal(o.bad_lines, 2);
	snprintf(want, sizeof(want),
	         "no mam.csv, oui36.csv, iab.csv in %s: some NIC vendors unknown; "
	         "2 malformed OUI records skipped (first at %s/oui.txt:14)",
	         dir, dir);
	assert_string_equal(err, want);
	assert_vendor(&o, "00:00:0C:07:AC:01", "Cisco Systems, Inc");
	assert_vendor(&o, "00:1B:1B:00:00:00", "Siemens AG,");
	assert_vendor(&o, "00:1C:1B:00:00:00", NULL);
	ots_oui_free(&o);
}

static void
test_load_missing(void **state)
{
	struct ots_oui o;
	char err[512];

	(void)state;
	assert_int_equal(ots_oui_load(&o, "/nonexistent/ieee-data", err, sizeof(err)), 0);
	assert_string_equal(err,
	                    "no OUI list at /nonexistent/ieee-data (install ieee-data): NIC vendors unknown");
	assert_int_equal(o.entries, 0);
	assert_null(lookup(&o, "00:1b:1b:01:02:03"));
	ots_oui_free(&o);
	/* a file where the directory should be */
	assert_int_equal(ots_oui_load(&o, "/dev/null", err, sizeof(err)), 0);
	assert_string_equal(err, "no OUI list at /dev/null (install ieee-data): NIC vendors unknown");
	ots_oui_free(&o);
	/* a tiny err buffer is truncated, not overrun; NULL err is accepted */
	assert_int_equal(ots_oui_load(&o, "/nonexistent", err, 8), 0);
	assert_string_equal(err, "no OUI ");
	ots_oui_free(&o);
	assert_int_equal(ots_oui_load(&o, "/nonexistent", NULL, 0), 0);
	ots_oui_free(&o);
}

static void
test_load_unreadable(void **state)
{
	struct ots_oui o;
	char dir[] = "/tmp/test-oui-XXXXXX", path[64], err[512], want[128];
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* a directory named oui.csv: present but not a file -> fatal, names the path */
	snprintf(path, sizeof(path), "%s/oui.csv", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	rc = ots_oui_load(&o, dir, err, sizeof(err));
	assert_int_equal(rc, OTS_EIO);
	snprintf(want, sizeof(want), "%s: not a regular file", path);
	assert_string_equal(err, want);
	assert_int_equal(o.entries, 0);
	assert_null(o.names);
	ots_oui_free(&o);
	rmdir(path);
	rmdir(dir);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
test_debian_lists(void **state)
{
	const char *dir = OTS_OUI_DEFAULT_DIR;
	struct ots_oui o;
	struct rusage ru0, ru1;
	char err[512], path[256];
	double t0, t1, t2;
	int n, i;
	uint8_t mac[6] = { 0x00, 0x1b, 0x1b, 0, 0, 0 };
	volatile const char *sink = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/oui.csv", dir);
	if (access(path, R_OK) != 0) {
		print_message("SKIP: %s not readable (apt-get install ieee-data to test the real lists)\n",
		              path);
		skip();
	}
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_ms();
	n = ots_oui_load(&o, dir, err, sizeof(err));
	t1 = now_ms();
	getrusage(RUSAGE_SELF, &ru1);
	if (n < 0)
		fail_msg("load %s: %s", dir, err);
	print_message("oui: %d entries (MA-L %zu, MA-M %zu, MA-S+IAB %zu), %zu duplicates, "
	              "%zu malformed, %zu name bytes; warning: \"%s\"\n",
	              n, o.n[OTS_OUI_L24], o.n[OTS_OUI_L28], o.n[OTS_OUI_L36], o.duplicates,
	              o.bad_lines, o.names_len, err);
	print_message("oui: load %.1f ms, %zu bytes held (tables %zu + names %zu), max RSS %ld -> %ld KiB\n",
	              t1 - t0, ots_oui_memsize(&o), ots_oui_memsize(&o) - o.names_len,
	              o.names_len, ru0.ru_maxrss, ru1.ru_maxrss);
	/* ieee-data 20220827 has 46.5k assignments; older or newer lists stay in the same range */
	assert_true(n > 30000);
	assert_int_equal(o.bad_lines, 0);
	assert_string_equal(err, "");

	/* published strings, as in /usr/share/ieee-data/oui.csv */
	assert_vendor(&o, "00:1B:1B:12:34:56", "Siemens AG,");
	assert_vendor(&o, "00:00:BC:12:34:56", "Rockwell Automation");
	assert_vendor(&o, "00:0E:8C:00:00:01", "Siemens AG");
	/* MA-S / IAB inside the IEEE blocks, MA-M inside its block */
	assert_vendor(&o, "00:50:C2:7D:50:00", "DEUTA-WERKE GmbH");
	assert_vendor(&o, "70:B3:D5:F2:F0:00", "TELEPLATFORMS");
	assert_vendor(&o, "20:85:93:B0:00:00", "IOG Products LLC");
	assert_vendor(&o, "02:1B:1B:12:34:56", NULL);

	t1 = now_ms();
	for (i = 0; i < 1000000; i++) {
		mac[3] = (uint8_t)i;
		mac[0] = (uint8_t)((i >> 8) & 0xfc);
		sink = ots_oui_lookup(&o, mac);
	}
	t2 = now_ms();
	(void)sink;
	print_message("oui: 1M lookups in %.1f ms (%.0f ns each)\n", t2 - t1, (t2 - t1) * 1e6 / 1e6);
	ots_oui_free(&o);
}

/* ---- reference: the byte-at-a-time CSV parser of before the run-at-a-time one ----
 * test_parse_csv_differential checks that the two agree on every status, length consumed
 * and record. */
#define SMALL_FIELD 16

static int
ref_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
ref_hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Trim blanks around s[0..*len) in place; returns the new start. */
static const char *
ref_trim(const char *s, size_t *len)
{
	size_t n = *len;

	while (n > 0 && ref_is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && ref_is_blank(s[n - 1]))
		n--;
	*len = n;
	return s;
}

/* Copy a trimmed name into rec; OTS_EINVAL when empty, too long or holding control bytes. */
static int
ref_set_name(struct ots_oui_rec *rec, const char *s, size_t n)
{
	size_t i;

	s = ref_trim(s, &n);
	if (n == 0 || n >= sizeof(rec->name))
		return OTS_EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return OTS_EINVAL;
	memcpy(rec->name, s, n);
	rec->name[n] = '\0';
	rec->name_len = n;
	return OTS_OK;
}

/* Hex assignment of 6, 7 or 9 digits -> prefix and bits; OTS_EINVAL otherwise. */
static int
ref_set_prefix(struct ots_oui_rec *rec, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	s = ref_trim(s, &n);
	if (n != 6 && n != 7 && n != 9)
		return OTS_EINVAL;
	for (i = 0; i < n; i++) {
		int h = ref_hex_val(s[i]);

		if (h < 0)
			return OTS_EINVAL;
		v = v << 4 | (uint64_t)h;
	}
	rec->prefix = v;
	rec->bits = (unsigned)n * 4;
	return OTS_OK;
}

/* One CSV field being collected: bytes past cap are counted, not stored. */
struct ref_field {
	char *buf;
	size_t cap, len;
};

static void
ref_field_put(struct ref_field *f, char c)
{
	if (f->buf != NULL && f->len < f->cap)
		f->buf[f->len] = c;
	f->len++;
}

static int
ref_parse_csv(const char *buf, size_t len, size_t *used, struct ots_oui_rec *rec)
{
	char reg[SMALL_FIELD], asg[SMALL_FIELD], name[OTS_OUI_NAME_MAX];
	struct ref_field fl[3] = {
		{ reg, sizeof(reg), 0 }, { asg, sizeof(asg), 0 }, { name, sizeof(name), 0 }
	};
	size_t i = 0, line_end, nf = 0;
	const char *nl;
	int rc;

	*used = 0;
	if (len == 0)
		return OTS_ENOTSUP;
	nl = memchr(buf, '\n', len);
	line_end = nl ? (size_t)(nl - buf) + 1 : len;

	for (;;) {
		struct ref_field dummy = { NULL, 0, 0 };
		struct ref_field *f = nf < 3 ? &fl[nf] : &dummy;

		if (i < len && buf[i] == '"') {
			i++;
			for (;;) {
				if (i >= len || i > OTS_OUI_REC_MAX)
					goto bad_line; /* unterminated quote */
				if (buf[i] == '\n' && nf < 3)
					goto bad_line; /* only the address may span lines */
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						ref_field_put(f, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				ref_field_put(f, buf[i++]);
			}
			while (i < len && ref_is_blank(buf[i]))
				i++;
			if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
				i++;
			if (i < len && buf[i] != ',' && buf[i] != '\n')
				goto bad_line; /* text after the closing quote */
		} else {
			while (i < len && buf[i] != ',' && buf[i] != '\n') {
				if (buf[i] != '\r' || (i + 1 < len && buf[i + 1] != '\n'))
					ref_field_put(f, buf[i]);
				i++;
			}
		}
		if (i > OTS_OUI_REC_MAX)
			goto bad_line;
		nf++;
		if (i < len && buf[i] == ',') {
			i++;
			continue;
		}
		if (i < len && buf[i] == '\r')
			i++;
		if (i < len && buf[i] == '\n')
			i++;
		break;
	}
	*used = i;

	if (nf == 1 && fl[0].len == 0)
		return OTS_ENOTSUP; /* blank line */
	if (fl[0].len == 8 && memcmp(reg, "Registry", 8) == 0)
		return OTS_ENOTSUP; /* header */
	if (nf < 3 || nf > 4 || fl[1].len > fl[1].cap || fl[2].len > fl[2].cap)
		return OTS_EINVAL;
	if ((rc = ref_set_prefix(rec, asg, fl[1].len)) != OTS_OK)
		return rc;
	return ref_set_name(rec, name, fl[2].len);

bad_line:
	*used = line_end;
	return OTS_EINVAL;
}


/* Compare the parser with the reference on buf[0..len), record after record. */
static size_t scan_hits; /* records the fast path took */

/* The fast path on buf[0..len): when it takes the record, the full parser gave rc, used, rec. */
static void
check_scan(const char *buf, size_t len, int rc, size_t used, const struct ots_oui_rec *rec)
{
	struct ots_oui_span sp;
	size_t u = 0;

	if (!ots_oui_scan_csv(buf, len, &u, &sp))
		return;
	scan_hits++;
	if (rc != OTS_OK || u != used)
		fail_msg("fast path took a record the parser gives rc %d used %zu (fast: used %zu): %.*s",
		         rc, used, u, (int)(len < 80 ? len : 80), buf);
	assert_true(sp.prefix == rec->prefix);
	assert_int_equal(sp.bits, rec->bits);
	assert_int_equal(sp.name_len, rec->name_len);
	assert_memory_equal(sp.name, rec->name, rec->name_len);
	assert_true(sp.name >= buf && sp.name + sp.name_len <= buf + len);
}

static void
diff_all(const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		struct ots_oui_rec a, b;
		size_t ua = 0, ub = 0;
		int ra, rb;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		ra = ots_oui_parse_csv(buf + pos, len - pos, &ua, &a);
		rb = ref_parse_csv(buf + pos, len - pos, &ub, &b);
		check_scan(buf + pos, len - pos, ra, ua, &a);
		if (ra != rb || ua != ub)
			fail_msg("at %zu: rc %d/%d used %zu/%zu", pos, ra, rb, ua, ub);
		if (ra == OTS_OK) {
			assert_true(a.prefix == b.prefix);
			assert_int_equal(a.bits, b.bits);
			assert_int_equal(a.name_len, b.name_len);
			assert_string_equal(a.name, b.name);
		}
		assert_true(ua > 0);
		pos += ua;
	}
}

static void
test_parse_csv_differential(void **state)
{
	/* bytes that steer the parser, and some that make valid fields */
	static const char alpha[] = "\",,,\n\r \t\"aAfF0917-LM\x01\x7f\xc3";
	static const char *const pieces[] = {
		"MA-L", "MA-M", "MA-S", "IAB", "Registry", "00D0EF", "0050C27", "70B3D5F2F",
		"\"", "\"\"", ",", "\r\n", "\n", "\r", " ", "\t", "Siemens AG", "\"Acme, Inc\"",
		"\"x\"\"y\"", "\"multi\nline\"", "\" pad \"  ", "a\rb", ",\r,"
	};
	static char buf[3 * OTS_OUI_REC_MAX];
	uint32_t x = 12345;
	unsigned round;
	size_t k;

	(void)state;
	for (round = 0; round < 200000; round++) {
		size_t len = 0, want;

		x = x * 1103515245u + 12345u;
		want = (x >> 16) % 96;
		while (len < want) {
			x = x * 1103515245u + 12345u;
			if ((x >> 8) & 1) {
				buf[len++] = alpha[(x >> 16) % (sizeof(alpha) - 1)];
			} else {
				const char *p = pieces[(x >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
				size_t n = strlen(p);

				memcpy(buf + len, p, n);
				len += n;
			}
		}
		diff_all(buf, len);
	}
	/* records around the length limit: an address quoted or not, closed or not */
	for (k = OTS_OUI_REC_MAX - 40; k < OTS_OUI_REC_MAX + 40; k++) {
		int variant;

		for (variant = 0; variant < 4; variant++) {
			size_t len = (size_t)snprintf(buf, sizeof(buf), "MA-L,00D0EF,IGT,%s",
			                              variant & 1 ? "\"" : "");

			while (len < k)
				buf[len++] = variant & 2 ? ',' : 'x';
			if (variant & 1)
				buf[len++] = '"';
			buf[len++] = '\n';
			memcpy(buf + len, "MA-L,00D0F0,Next,\"a\"\n", 22);
			len += 22;
			diff_all(buf, len);
		}
	}
}

/* Both parsers over whole registry files: the fixtures and Debian's lists when installed. */
static void
diff_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL)
		return;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	diff_all(b, (size_t)n);
	free(b);
}

static void
test_parse_csv_differential_files(void **state)
{
	static const char *const names[] = { "oui.csv", "mam.csv", "oui36.csv", "iab.csv" };
	char dir[4096], path[4200];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", data_dir("full", dir, sizeof(dir)), names[i]);
		diff_file(path);
		snprintf(path, sizeof(path), "%s/%s", OTS_OUI_DEFAULT_DIR, names[i]);
		diff_file(path);
	}
}

/* ---- the loader's fast path: generated records around the shape it takes ---- */

static uint32_t rng = 4242;

static unsigned
rnd(unsigned n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static size_t
put(char *b, size_t len, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (len + n <= cap) {
		memcpy(b + len, s, n);
		len += n;
	}
	return len;
}

/* One record, mostly well-formed, with one of the variations the fast path must refuse. */
static size_t
gen_record(char *b, size_t len, size_t cap)
{
	static const char *const regs[] = { "MA-L", "MA-M", "MA-S", "IAB", "MA-L", "MA-L",
		                            "Registry", "MA-X", "\"MA-L\"", "", "MA-LL", " MA-L" };
	static const char *const names[] = {
		"Siemens AG", "\"Cisco Systems, Inc\"", "\"The \"\"Quoted\"\" Co\"", "  Padded  ",
		"\" Quoted pad \"", "Tab\there", "Ctl\x01", "Del\x7f", "", "   ", "\"\"", "\"a\" ",
		"\"open", "Caf\xc3\xa9 GmbH", "semi\"quote", "\"x\"y", "CR\r", "Private", "IEEE",
		"\"Bar, Baz\"", "Ab", "A longer organisation name, 17 bytes+", "\"multi\nline\"",
	};
	static const char *const addrs[] = {
		"1 Main St  Town  US 12345 ", "\"Polbina st., 3/1 Moscow  RU 109388 \"", "",
		"\"two\nlines\"", "a,b", "\"q\"\"q\"", "\"open", "\"x\" y", "\"\"", "x\"y",
		"Musterstrasse 1 Berlin DE 10115", "\"a,b,c\"", "\"a\"  ",
	};
	static const char *const ends[] = { "\n", "\n", "\n", "\r\n", "\r\n", "\r", "" };
	static const char hexd[] = "0123456789ABCDEFabcdef";
	char tmp[600];
	size_t k, n;

	len = put(b, len, cap, regs[rnd(sizeof(regs) / sizeof(regs[0]))]);
	len = put(b, len, cap, ",");
	/* assignment: 6, 7 or 9 digits, sometimes another count or a bad byte */
	n = (size_t[]){ 6, 6, 7, 9, 9, 5, 8, 10 }[rnd(8)];
	for (k = 0; k < n; k++)
		tmp[k] = hexd[rnd(sizeof(hexd) - 1)];
	if (rnd(10) == 0)
		tmp[rnd((unsigned)n)] = "G \"x,"[rnd(5)];
	tmp[n] = '\0';
	len = put(b, len, cap, tmp);
	len = put(b, len, cap, ",");
	if (rnd(12) == 0) {
		/* a name near the OTS_OUI_NAME_MAX limit, plain or quoted */
		int q = (int)rnd(2);

		n = OTS_OUI_NAME_MAX - 3 + rnd(6);
		memset(tmp, 'n', n);
		if (q) {
			tmp[0] = '"';
			tmp[n - 1] = '"';
		}
		if (rnd(2))
			tmp[q] = ' ';
		tmp[n] = '\0';
		len = put(b, len, cap, tmp);
	} else {
		len = put(b, len, cap, names[rnd(sizeof(names) / sizeof(names[0]))]);
	}
	if (rnd(15) != 0) {
		len = put(b, len, cap, ",");
		if (rnd(40) == 0) {
			/* an address that takes the record near OTS_OUI_REC_MAX */
			int q = (int)rnd(2);
			size_t want = OTS_OUI_REC_MAX - 30 + rnd(60);

			if (q)
				len = put(b, len, cap, "\"");
			while (len < cap && want-- > 0)
				b[len++] = 'a';
			if (q)
				len = put(b, len, cap, "\"");
		} else {
			len = put(b, len, cap, addrs[rnd(sizeof(addrs) / sizeof(addrs[0]))]);
		}
		if (rnd(25) == 0)
			len = put(b, len, cap, ",extra");
	}
	return put(b, len, cap, ends[rnd(sizeof(ends) / sizeof(ends[0]))]);
}

static void
test_scan_csv_differential(void **state)
{
	static char buf[6 * OTS_OUI_REC_MAX];
	unsigned round, k;

	(void)state;
	scan_hits = 0;
	for (round = 0; round < 30000; round++) {
		size_t len = 0;
		unsigned nrec = 1 + rnd(4);

		for (k = 0; k < nrec; k++)
			len = gen_record(buf, len, sizeof(buf));
		diff_all(buf, len);
		/* and the same bytes cut short: the fast path must not read past len */
		if (len > 0)
			diff_all(buf, len - 1 - rnd((unsigned)len));
	}
	print_message("oui: fast path took %zu generated records\n", scan_hits);
	assert_true(scan_hits > 2000);
}

/* ---- whole loads against a loader built on ots_oui_parse_csv ---- */

struct ref_ent {
	uint64_t prefix;
	size_t seq; /* record order: the first of a duplicated prefix is kept */
	char name[OTS_OUI_NAME_MAX];
};

struct ref_list {
	struct ref_ent *e[OTS_OUI__NLEN];
	size_t n[OTS_OUI__NLEN], cap[OTS_OUI__NLEN], seq, bad;
	char first_bad[64];
	unsigned long first_bad_line;
};

static void
ref_load_file(struct ref_list *r, const char *dir, const char *file)
{
	char path[4200];
	FILE *f;
	char *b;
	long n;
	size_t pos = 0;
	unsigned long line = 1;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "rb")) == NULL)
		return;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	while (pos < (size_t)n) {
		struct ots_oui_rec rec;
		size_t used, i;
		int rc = ots_oui_parse_csv(b + pos, (size_t)n - pos, &used, &rec);

		if (rc == OTS_OK) {
			unsigned t = rec.bits == 36 ? OTS_OUI_L36 : rec.bits == 28 ? OTS_OUI_L28 : OTS_OUI_L24;

			if (r->n[t] == r->cap[t]) {
				r->cap[t] = r->cap[t] ? 2 * r->cap[t] : 256;
				r->e[t] = realloc(r->e[t], r->cap[t] * sizeof(*r->e[t]));
				assert_non_null(r->e[t]);
			}
			r->e[t][r->n[t]].prefix = rec.prefix;
			r->e[t][r->n[t]].seq = r->seq++;
			memcpy(r->e[t][r->n[t]].name, rec.name, rec.name_len + 1);
			r->n[t]++;
		} else if (rc == OTS_EINVAL && r->bad++ == 0) {
			snprintf(r->first_bad, sizeof(r->first_bad), "%s", file);
			r->first_bad_line = line;
		}
		for (i = 0; i < used; i++)
			line += b[pos + i] == '\n';
		pos += used;
	}
	free(b);
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref_ent *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load dir both ways and compare every table entry, the counts, names bytes and warning. */
static void
compare_with_ref(const char *dir)
{
	static const char *const files[] = { "oui.csv", "mam.csv", "oui36.csv", "iab.csv" };
	struct ref_list r;
	struct ots_oui o;
	char err[1024], want[1024];
	const char **nm;
	size_t t, i, k, total = 0, dups = 0, names_len = 0;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 4; i++)
		ref_load_file(&r, dir, files[i]);
	assert_true(ots_oui_load(&o, dir, err, sizeof(err)) >= 0);
	nm = malloc((r.seq + 1) * sizeof(*nm));
	assert_non_null(nm);
	for (t = 0, k = 0; t < OTS_OUI__NLEN; t++) {
		size_t kept = 0;

		for (i = 0; i < r.n[t]; i++)
			nm[k++] = r.e[t][i].name;
		if (r.n[t] > 0)
			qsort(r.e[t], r.n[t], sizeof(*r.e[t]), ref_cmp);
		for (i = 0; i < r.n[t]; i++) {
			const struct ref_ent *e = &r.e[t][i];
			uint64_t got;

			if (i > 0 && e->prefix == r.e[t][i - 1].prefix) {
				dups++;
				continue;
			}
			assert_true(kept < o.n[t]);
			got = o.tab[t][kept++];
			if ((got >> OTS_OUI_NAME_BITS) != e->prefix ||
			    strcmp(o.names + (got & ((UINT64_C(1) << OTS_OUI_NAME_BITS) - 1)), e->name) != 0)
				fail_msg("table %zu entry %zu: want %llx \"%s\", got %llx \"%s\"", t, kept - 1,
				         (unsigned long long)e->prefix, e->name,
				         (unsigned long long)(got >> OTS_OUI_NAME_BITS),
				         o.names + (got & ((UINT64_C(1) << OTS_OUI_NAME_BITS) - 1)));
		}
		assert_int_equal(kept, o.n[t]);
		total += kept;
	}
	assert_int_equal(o.entries, total);
	assert_int_equal(o.duplicates, dups);
	assert_int_equal(o.bad_lines, r.bad);
	/* each distinct name stored once */
	if (k > 0)
		qsort(nm, k, sizeof(*nm), str_cmp);
	for (i = 0; i < k; i++)
		if (i == 0 || strcmp(nm[i], nm[i - 1]) != 0)
			names_len += strlen(nm[i]) + 1;
	assert_int_equal(o.names_len, names_len);
	if (r.bad > 0) {
		snprintf(want, sizeof(want), "%zu malformed OUI records skipped (first at %s/%s:%lu)",
		         r.bad, dir, r.first_bad, r.first_bad_line);
		assert_non_null(strstr(err, want));
	}
	free(nm);
	for (t = 0; t < OTS_OUI__NLEN; t++)
		free(r.e[t]);
	ots_oui_free(&o);
}

static void
test_load_same_as_parser(void **state)
{
	static const char *const files[] = { "oui.csv", "mam.csv", "oui36.csv", "iab.csv" };
	static const unsigned digits[] = { 6, 7, 9, 9 };
	char dir[] = "/tmp/test-oui-XXXXXX", path[64], fdir[4096];
	static char buf[1 << 20];
	size_t i;

	(void)state;
	/* generated registries: random prefixes (the sort), duplicates, bad records, CRLF */
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 4; i++) {
		size_t len = 0, k;
		FILE *f;

		len = put(buf, len, sizeof(buf), "Registry,Assignment,Organization Name,Organization Address\n");
		for (k = 0; k < 3000; k++) {
			if (rnd(4) != 0) {
				/* a well-formed record in the registry's width, prefixes from a small
				 * space so that some repeat */
				len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s,%0*X,%s,addr %zu\n",
				                        i == 3 ? "IAB" : "MA-L", (int)digits[i],
				                        rnd(1u << 14) * (digits[i] == 6 ? 977u : 130001u),
				                        (const char *[]){ "Acme", "\"Acme, Inc\"", "Beta",
				                                          "\"Gamma \"\"G\"\"\"" }[rnd(4)], k);
			} else {
				len = gen_record(buf, len, sizeof(buf) - 8);
			}
		}
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_non_null(f = fopen(path, "wb"));
		assert_int_equal(fwrite(buf, 1, len, f), len);
		fclose(f);
	}
	compare_with_ref(dir);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);

	compare_with_ref(data_dir("full", fdir, sizeof(fdir)));
	snprintf(path, sizeof(path), "%s/oui.csv", OTS_OUI_DEFAULT_DIR);
	if (access(path, R_OK) == 0)
		compare_with_ref(OTS_OUI_DEFAULT_DIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_csv),
		cmocka_unit_test(test_parse_csv_malformed),
		cmocka_unit_test(test_parse_txt),
		cmocka_unit_test(test_load_fixture),
		cmocka_unit_test(test_load_txt_fallback),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_unreadable),
		cmocka_unit_test(test_debian_lists),
		cmocka_unit_test(test_parse_csv_differential),
		cmocka_unit_test(test_parse_csv_differential_files),
		cmocka_unit_test(test_scan_csv_differential),
		cmocka_unit_test(test_load_same_as_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
