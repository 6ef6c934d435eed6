/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-fn-catalog.c: the function catalogs of the dissectors (ots_dissector.functions) tell
 * the truth. Every function_name an op carries while parsing real inputs must be listed:
 * each dissector's fuzz seed corpus (tests/fuzz/corpus/<name>/) is replayed the way the fuzz
 * entry feeds it (tests/fuzz/fuzz-dissector.inc: mode byte, datagram or TCP stream framed by
 * pdu_len()), then again cut at every length and with every byte altered, which reaches the
 * fallback names ("unknown" ...). Also: names are lowercase [a-z0-9_]+, lookups by name.
 * OTS_FN_CATALOG_UNSEEN=1 in the environment lists the entries the inputs never reached.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "ots/dissector.h"
#include "ots/error.h"

#ifndef OTS_TEST_FUZZ_CORPUS
#error "OTS_TEST_FUZZ_CORPUS must name tests/fuzz/corpus"
#endif

extern const struct ots_dissector ots_dissector_bacnet, ots_dissector_cdp, ots_dissector_dhcp,
	ots_dissector_dnp3, ots_dissector_enip, ots_dissector_fins, ots_dissector_ftp,
	ots_dissector_goose, ots_dissector_hartip, ots_dissector_iec104, ots_dissector_lldp,
	ots_dissector_mms, ots_dissector_modbus, ots_dissector_opcua, ots_dissector_pndcp,
	ots_dissector_s7comm, ots_dissector_s7comm_plus, ots_dissector_slmp, ots_dissector_telnet;

/* Corpus folder (the fuzz target's name) of each dissector. */
static const struct {
	const char *corpus;
	const struct ots_dissector *d;
} corpora[] = {
	{ "bacnet", &ots_dissector_bacnet },   { "cdp", &ots_dissector_cdp },
	{ "dhcp", &ots_dissector_dhcp },       { "dnp3", &ots_dissector_dnp3 },
	{ "enip", &ots_dissector_enip },       { "fins", &ots_dissector_fins },
	{ "ftp", &ots_dissector_ftp },         { "goose", &ots_dissector_goose },
	{ "hartip", &ots_dissector_hartip },   { "iec104", &ots_dissector_iec104 },
	{ "lldp", &ots_dissector_lldp },       { "mms", &ots_dissector_mms },
	{ "modbus", &ots_dissector_modbus },   { "opcua", &ots_dissector_opcua },
	{ "pndcp", &ots_dissector_pndcp },     { "s7comm", &ots_dissector_s7comm },
	{ "s7comm_plus", &ots_dissector_s7comm_plus }, { "slmp", &ots_dissector_slmp },
	{ "telnet", &ots_dissector_telnet },
};

#define N_CORPORA (sizeof(corpora) / sizeof(corpora[0]))
#define CAT_MAX 1024
#define MISS_MAX 64

/* One dissector's catalog, and what replaying its corpus found. */
struct cat {
	const struct ots_dissector *d;
	struct ots_fn_desc e[CAT_MAX];
	size_t n;
	int overflow;
	unsigned long ops, files, inputs;
	const char *missing[MISS_MAX]; /* distinct names emitted but not listed */
	size_t n_missing;
	int wrong_proto;
	uint8_t seen[CAT_MAX];
};

static void
cat_visit(void *ctx, const struct ots_fn_desc *fd)
{
	struct cat *c = ctx;

	if (c->n < CAT_MAX)
		c->e[c->n++] = *fd;
	else
		c->overflow = 1;
}

static void
cat_load(struct cat *c, const struct ots_dissector *d)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	ots_dissector_functions_each(d, cat_visit, c);
}

static int
cat_find(struct cat *c, const char *name)
{
	size_t i;
	int hit = 0;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].name, name) == 0) {
			c->seen[i] = 1;
			hit = 1;
		}
	return hit;
}

static void
on_op(void *ctx, const struct ots_ics_op *op)
{
	struct cat *c = ctx;
	size_t i;

	c->ops++;
	if (op->proto != c->d->id)
		c->wrong_proto = 1;
	if (op->function_name == NULL) {
		if (c->n_missing < MISS_MAX)
			c->missing[c->n_missing++] = "(null)";
		return;
	}
	if (cat_find(c, op->function_name))
		return;
	for (i = 0; i < c->n_missing; i++)
		if (strcmp(c->missing[i], op->function_name) == 0)
			return;
	if (c->n_missing < MISS_MAX)
		c->missing[c->n_missing++] = op->function_name;
}

/* One input as the fuzz entry runs it: byte 0 = mode and direction, the rest = bytes. */
static void
run_input(struct cat *c, const uint8_t *data, size_t size)
{
	static uint8_t state[1 << 16];
	const struct ots_dissector *d = c->d;
	struct ots_dissect_out out = { on_op, NULL, NULL, c };
	struct ots_dissect_pkt pkt;
	uint8_t *buf;
	size_t off = 0;
	int mode;

	if (size < 1 || d->state_size > sizeof(state))
		return;
	c->inputs++;
	mode = data[0];
	data++;
	size--;
	memset(&pkt, 0, sizeof(pkt));
	pkt.dir = mode & 1;
	pkt.sport = pkt.dir ? d->ports[0] : 40000;
	pkt.dport = pkt.dir ? 40000 : d->ports[0];
	memset(state, 0, d->state_size);
	buf = malloc(size ? size : 1); /* exact size: sanitizers see reads past the end */
	assert_non_null(buf);
	if (size)
		memcpy(buf, data, size);
	if ((mode & 6) == 0 || !d->pdu_len) {
		d->parse(d->state_size ? state : NULL, buf, size, &pkt, &out);
	} else if ((mode & 6) == 2) {
		while (off < size) {
			long n = d->pdu_len(buf + off, size - off);

			if (n <= 0 || (size_t)n > size - off || (uint32_t)n > d->max_pdu)
				break;
			d->parse(d->state_size ? state : NULL, buf + off, (size_t)n, &pkt, &out);
			off += (size_t)n;
			pkt.dir ^= (mode >> 3) & 1;
		}
		if (d->gap)
			d->gap(d->state_size ? state : NULL, pkt.dir);
	}
	if (d->fini)
		d->fini(d->state_size ? state : NULL, &out);
	free(buf);
}

/* The input, then every prefix of it, then each byte replaced by a few values. */
static void
run_variants(struct cat *c, const uint8_t *data, size_t size)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	uint8_t *v;
	size_t i, k;

	run_input(c, data, size);
	for (i = 1; i < size; i++)
		run_input(c, data, i);
	v = malloc(size ? size : 1);
	assert_non_null(v);
	for (i = 1; i < size && i < 512; i++) {
		for (k = 0; k < sizeof(vals); k++) {
			if (data[i] == vals[k])
				continue;
			memcpy(v, data, size);
			v[i] = vals[k];
			run_input(c, v, size);
		}
		memcpy(v, data, size);
		v[i] ^= 0x55;
		run_input(c, v, size);
	}
	free(v);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long sz;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc(sz ? (size_t)sz : 1);
	if (buf)
		*len = fread(buf, 1, (size_t)sz, f);
	fclose(f);
	return buf;
}

static void
replay_corpus(struct cat *c, const char *corpus)
{
	char dir[4096], path[4096 + 256];
	struct dirent *e;
	DIR *dh;

	snprintf(dir, sizeof(dir), "%s/%s", OTS_TEST_FUZZ_CORPUS, corpus);
	dh = opendir(dir);
	if (!dh)
		fail_msg("%s: cannot open the corpus folder %s", c->d->name, dir);
	while ((e = readdir(dh)) != NULL) {
		uint8_t *buf;
		size_t len = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		buf = read_file(path, &len);
		if (!buf)
			continue; /* a sub-folder: the fuzz corpora have none */
		c->files++;
		run_variants(c, buf, len);
		free(buf);
	}
	closedir(dh);
}

/*
 * Sessions for what no single fuzz input can show: ops that need both directions of a flow
 * (the Telnet login answered, an FTP reply paired or not). Steps are whole PDUs.
 */
struct step {
	int dir;
	const char *bytes;
};

static const struct step telnet_session[] = {
	{ 1, "\r\nSCALANCE X208 V4.1\r\n\r\nlogin: " }, { 0, "admin\r\n" },
	{ 1, "Password: " }, { 0, "secret\r\n" }, { 1, "Login incorrect\r\nlogin: " },
	{ 0, "root\r\n" }, { -1, NULL },
};

static const struct step ftp_session[] = {
	{ 1, "220 FTP server ready\r\n" }, { 0, "USER anonymous\r\n" },
	{ 1, "331 Password required\r\n" }, { 0, "PASS guest\r\n" }, { 1, "230 Logged in\r\n" },
	{ 0, "XYZW\r\n" }, { 1, "500 Unknown command\r\n" }, { 1, "200 Surprise\r\n" },
	{ -1, NULL },
};

static const struct {
	const struct ots_dissector *d;
	const struct step *steps;
} sessions[] = {
	{ &ots_dissector_telnet, telnet_session },
	{ &ots_dissector_ftp, ftp_session },
};

static void
run_sessions(struct cat *c)
{
	static uint8_t state[1 << 16];
	struct ots_dissect_out out = { on_op, NULL, NULL, c };
	const struct ots_dissector *d = c->d;
	size_t i, k;

	for (i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++) {
		if (sessions[i].d != d)
			continue;
		assert_true(d->state_size <= sizeof(state));
		memset(state, 0, d->state_size);
		for (k = 0; sessions[i].steps[k].bytes; k++) {
			const struct step *s = &sessions[i].steps[k];
			struct ots_dissect_pkt pkt = { s->dir, s->dir ? d->ports[0] : 40000,
			                               s->dir ? 40000 : d->ports[0], 0 };
			size_t n = strlen(s->bytes);
			uint8_t *buf = malloc(n);

			assert_non_null(buf);
			memcpy(buf, s->bytes, n);
			c->inputs++;
			d->parse(d->state_size ? state : NULL, buf, n, &pkt, &out);
			free(buf);
		}
		if (d->fini)
			d->fini(d->state_size ? state : NULL, &out);
	}
}

static int
name_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* Every dissector of the registry has a corpus here: a new one cannot slip by untested. */
static void
test_every_dissector_covered(void **unused)
{
	size_t i, j;

	(void)unused;
	assert_int_equal(ots_dissectors_count, N_CORPORA);
	for (i = 0; i < ots_dissectors_count; i++) {
		for (j = 0; j < N_CORPORA; j++)
			if (corpora[j].d == ots_dissectors[i])
				break;
		if (j == N_CORPORA)
			fail_msg("%s: no corpus in test-fn-catalog", ots_dissectors[i]->name);
	}
}

static void
test_catalog_shape(void **unused)
{
	static struct cat c;
	struct ots_fn_desc fd;
	size_t i, j;

	(void)unused;
	for (j = 0; j < N_CORPORA; j++) {
		cat_load(&c, corpora[j].d);
		if (c.n == 0)
			fail_msg("%s: empty function catalog", c.d->name);
		assert_false(c.overflow);
		for (i = 0; i < c.n; i++) {
			if (!name_ok(c.e[i].name))
				fail_msg("%s: bad function name '%s'", c.d->name,
				         c.e[i].name ? c.e[i].name : "(null)");
			if (c.e[i].op_class > OTS_OP__COUNT)
				fail_msg("%s: %s: op_class %u", c.d->name, c.e[i].name, c.e[i].op_class);
			assert_int_equal(ots_dissector_function(c.d, c.e[i].name, &fd), 1);
			assert_string_equal(fd.name, c.e[i].name);
		}
		assert_int_equal(ots_dissector_function(c.d, "no_such_function", &fd), 0);
		assert_int_equal(ots_dissector_function(c.d, "", NULL), 0);
	}
}

static void
test_lookup(void **unused)
{
	struct ots_fn_desc fd;

	(void)unused;
	assert_int_equal(ots_dissector_function(&ots_dissector_modbus, "write_single_register", &fd), 1);
	assert_int_equal(fd.code, 6);
	assert_int_equal(fd.op_class, OTS_OP_WRITE);
	assert_int_equal(ots_dissector_function(&ots_dissector_modbus, "diagnostics", &fd), 1);
	assert_int_equal(fd.code, 8);
	assert_int_equal(fd.op_class, OTS_OP__COUNT); /* restart or listen-only by sub-function */
	assert_int_equal(ots_dissector_function(&ots_dissector_modbus, "unknown", &fd), 1);
	assert_int_equal(fd.code, OTS_FN_CODE_NONE);
	assert_int_equal(ots_dissector_function(&ots_dissector_s7comm, "plc_stop", &fd), 1);
	assert_int_equal(fd.code, 0x29);
	assert_int_equal(fd.op_class, OTS_OP_MODE_CHANGE);
	assert_int_equal(ots_dissector_function(&ots_dissector_s7comm, "userdata", &fd), 1);
	assert_int_equal(ots_dissector_function(&ots_dissector_s7comm, "ack", &fd), 1);
	/* two codes (0x04b1, 0x05a9): no single one */
	assert_int_equal(ots_dissector_function(&ots_dissector_s7comm_plus, "error", &fd), 1);
	assert_int_equal(fd.code, OTS_FN_CODE_NONE);
	assert_int_equal(fd.op_class, OTS_OP_OTHER);
	assert_int_equal(ots_dissector_function(&ots_dissector_bacnet, "unknown_confirmed_service",
	                                        &fd), 1);
	assert_int_equal(ots_dissector_function(&ots_dissector_bacnet, "who_is", &fd), 1);
	assert_int_equal(fd.code, 0x108);
	assert_int_equal(fd.op_class, OTS_OP_DISCOVERY);
	assert_int_equal(ots_dissector_function(&ots_dissector_ftp, "reply", &fd), 1);
	assert_int_equal(ots_dissector_function(&ots_dissector_iec104, "testfr_act", &fd), 1);
	assert_int_equal(fd.code, 0x143);
	assert_int_equal(fd.op_class, OTS_OP_DIAGNOSTIC);
	assert_int_equal(ots_dissector_function(&ots_dissector_pndcp, "identify", &fd), 1);
	assert_int_equal(fd.code, 5);
	assert_int_equal(fd.op_class, OTS_OP_DISCOVERY); /* the request's class */
	assert_int_equal(ots_dissector_function(&ots_dissector_pndcp, "set_ip", &fd), 1);
	assert_int_equal(fd.op_class, OTS_OP_WRITE);
	/* names parse() never reports are not listed */
	assert_int_equal(ots_dissector_function(&ots_dissector_mms, "confirmed_request", &fd), 0);
	assert_int_equal(ots_dissector_function(&ots_dissector_mms, "unconfirmed", &fd), 0);
	assert_int_equal(ots_dissector_function(&ots_dissector_bacnet, "forwarded_npdu", &fd), 0);
	assert_int_equal(ots_dissector_function(&ots_dissector_fins, "frame_send", &fd), 0);
	assert_int_equal(ots_dissector_function(NULL, "read", &fd), 0);
}

/* The catalog holds every name parse() emits on the corpus and its variants. */
static void
test_corpus_names_listed(void **unused)
{
	static struct cat c;
	size_t i, j, listed_seen;
	int bad = 0;

	(void)unused;
	for (j = 0; j < N_CORPORA; j++) {
		cat_load(&c, corpora[j].d);
		replay_corpus(&c, corpora[j].corpus);
		run_sessions(&c);
		for (i = 0, listed_seen = 0; i < c.n; i++)
			listed_seen += c.seen[i];
		print_message("%-14s %3zu entries, %2lu seeds, %7lu inputs, %8lu ops, %3zu entries "
		              "seen\n", c.d->name, c.n, c.files, c.inputs, c.ops, listed_seen);
		if (getenv("OTS_FN_CATALOG_UNSEEN"))
			for (i = 0; i < c.n; i++)
				if (!c.seen[i])
					print_message("  not seen: %s\n", c.e[i].name);
		if (c.files == 0 || c.ops == 0) {
			print_error("%s: corpus %s gave no op\n", c.d->name, corpora[j].corpus);
			bad = 1;
		}
		if (c.wrong_proto) {
			print_error("%s: an op carries another protocol id\n", c.d->name);
			bad = 1;
		}
		for (i = 0; i < c.n_missing; i++) {
			print_error("%s: parse() reported function '%s', not in its catalog\n",
			            c.d->name, c.missing[i]);
			bad = 1;
		}
	}
	if (bad)
		fail_msg("function catalogs miss names parse() reports (see above)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_dissector_covered),
		cmocka_unit_test(test_catalog_shape),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_corpus_names_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
