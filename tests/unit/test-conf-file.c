/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-conf-file.c: the config file (src/conf-file.c): keys onto long options, lists,
 * booleans, the kafka mapping, exact FILE:LINE:COL errors, the command line overriding the
 * file, reload differences, and a truncation sweep over the shipped example config.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ots/conf-file.h"
#include "ots/error.h"

/* the shape of main.c's table, plus the Kafka options */
static const struct option opts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "interface", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "workers", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "deterministic", no_argument, NULL, 256 },
	{ "geoip", required_argument, NULL, 257 },
	{ "zones", required_argument, NULL, 'z' },
	{ "check-zones", required_argument, NULL, 258 },
	{ "alert-interval", required_argument, NULL, 259 },
	{ "config", required_argument, NULL, 'c' },
	{ "user", required_argument, NULL, 260 },
	{ "kafka-brokers", required_argument, NULL, 270 },
	{ "kafka-prefix", required_argument, NULL, 271 },
	{ "kafka-property", required_argument, NULL, 272 },
	{ "kafka-spool-max", required_argument, NULL, 273 },
	{ NULL, 0, NULL, 0 }
};

static struct ots_conf_args A;
static char err[512];

static int
parse(const char *text)
{
	ots_conf_args_free(&A);
	return ots_conf_file_parse(&A, "t.yaml", text, strlen(text), opts, err, sizeof(err));
}

static void
expect_args(const char *text, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(parse(text), OTS_OK);
	assert_string_equal(err, "");
	assert_int_equal(A.n_file, (int)n);
	assert_int_equal(A.argc, (int)n + 1);
	assert_string_equal(A.argv[0], "otsensor");
	for (i = 0; i < n; i++)
		assert_string_equal(A.argv[i + 1], want[i]);
	assert_null(A.argv[n + 1]);
}

static void
expect_err(const char *text, int rc, const char *msg)
{
	assert_int_equal(parse(text), rc);
	assert_string_equal(err, msg);
	assert_int_equal(A.argc, 0);
}

static void
test_keys(void **state)
{
	static const char *const w[] = { "--interface=eth1", "--output=/var/out", "--workers=4",
	                                 "--alert-interval=10", "--user=otsensor" };

	(void)state;
	expect_args("interface: eth1\noutput: /var/out\nworkers: 4\nalert-interval: 10\n"
	            "user: otsensor\n", w, 5);
	assert_int_equal(A.line[0], 1);
	assert_int_equal(A.col[0], 12);
	assert_int_equal(A.line[4], 5);
	assert_int_equal(A.col[4], 7);
	/* empty files, comments only, null document: nothing */
	expect_args("", NULL, 0);
	expect_args("# nothing\n", NULL, 0);
	expect_args("~\n", NULL, 0);
	/* quoted values pass as they are, spaces and '=' included */
	{
		static const char *const q[] = { "--output=a b=c", "--zones=" };

		expect_args("output: \"a b=c\"\nzones: ''\n", q, 2);
	}
}

static void
test_lists_and_flags(void **state)
{
	static const char *const w[] = { "--read=a.pcap", "--read=b.pcap", "--geoip=x.mmdb",
	                                 "--deterministic", "--read=c.pcap" };

	(void)state;
	expect_args("read: [a.pcap, b.pcap]\ngeoip: x.mmdb\ndeterministic: true\nquiet: false\n"
	            "# a comment\n", w, 4);
	expect_args("read:\n  - a.pcap\n  - b.pcap\ngeoip: [x.mmdb]\ndeterministic: True\n", w, 4);
	assert_int_equal(A.line[1], 3);
	assert_int_equal(A.col[1], 5);
	expect_args("quiet: FALSE\n", NULL, 0);
	expect_err("quiet: yes\n", OTS_EINVAL, "t.yaml:1:8: 'quiet' is a flag: true or false");
	expect_err("quiet:\n", OTS_EINVAL, "t.yaml:1:7: 'quiet' is a flag: true or false");
	expect_err("output: [a, b]\n", OTS_EINVAL, "t.yaml:1:9: 'output' takes one value, not a list");
	expect_err("read: [a, [b]]\n", OTS_EINVAL,
	           "t.yaml:1:11: 'read' lists values: not a nested list or mapping");
	expect_err("read: [a, ~]\n", OTS_EINVAL, "t.yaml:1:11: 'read' lists values: not null");
	expect_err("output: {a: 1}\n", OTS_EINVAL, "t.yaml:1:9: 'output' takes a value, not a mapping");
	expect_err("output:\nworkers: 2\n", OTS_EINVAL, "t.yaml:1:8: 'output' needs a value");
}

static void
test_kafka(void **state)
{
	static const char *const w[] = { "--kafka-brokers=k1:9092,k2:9092", "--kafka-prefix=plant",
	                                 "--kafka-property=security.protocol=ssl",
	                                 "--kafka-property=ssl.ca.location=/etc/ca.pem",
	                                 "--kafka-spool-max=1G", "--kafka-prefix=x" };

	(void)state;
	expect_args("kafka:\n  brokers: k1:9092,k2:9092\n  prefix: plant\n  properties:\n"
	            "    security.protocol: ssl\n    ssl.ca.location: /etc/ca.pem\n"
	            "  spool-max: 1G\n", w, 5);
	assert_int_equal(A.line[3], 6);
	assert_int_equal(A.col[3], 22);
	/* the flat spelling is the same option */
	expect_args("kafka-prefix: x\n", w + 5, 1);
	expect_err("kafka:\n  broker: k\n", OTS_EINVAL,
	           "t.yaml:2:3: unknown option 'kafka.broker' (otsensor --help lists them)");
	expect_err("kafka: k1\n", OTS_EINVAL,
	           "t.yaml:1:8: 'kafka' holds a mapping (brokers, prefix, properties ...)");
	expect_err("kafka:\n  properties: [a]\n", OTS_EINVAL,
	           "t.yaml:2:15: 'kafka.properties' holds a mapping of librdkafka properties");
	expect_err("kafka:\n  properties:\n    a=b: 1\n", OTS_EINVAL,
	           "t.yaml:3:5: a librdkafka property name without '=' is expected");
	expect_err("kafka:\n  properties:\n    acks:\n", OTS_EINVAL,
	           "t.yaml:3:10: property 'acks' needs a value");
	expect_err("kafka:\n  properties: {acks: 1, acks: 2}\n", OTS_EINVAL,
	           "t.yaml:2:25: duplicate key 'acks' in 'kafka.properties' (first at line 2)");
	expect_err("kafka:\n  prefix: a\n  prefix: b\n", OTS_EINVAL,
	           "t.yaml:3:3: duplicate key 'prefix' in 'kafka' (first at line 2)");
}

static void
test_errors(void **state)
{
	(void)state;
	expect_err("output: x\nbogus: 1\n", OTS_EINVAL,
	           "t.yaml:2:1: unknown option 'bogus' (otsensor --help lists them)");
	expect_err("o: x\n", OTS_EINVAL, "t.yaml:1:1: unknown option 'o' (otsensor --help lists them)");
	expect_err("outp: x\n", OTS_EINVAL,
	           "t.yaml:1:1: unknown option 'outp' (otsensor --help lists them)");
	expect_err("output: a\noutput: b\n", OTS_EINVAL,
	           "t.yaml:2:1: duplicate key 'output' (first at line 1)");
	expect_err("help: true\n", OTS_EINVAL,
	           "t.yaml:1:1: 'help' is a command-line action, not a setting for the config file");
	expect_err("config: other.yaml\n", OTS_EINVAL,
	           "t.yaml:1:1: 'config' is a command-line action, not a setting for the config file");
	expect_err("check-zones: z.yaml\n", OTS_EINVAL,
	           "t.yaml:1:1: 'check-zones' is a command-line action, not a setting for the config file");
	expect_err("- read\n", OTS_EINVAL,
	           "t.yaml:1:1: a config file is a mapping of option names to values (read: FILE, ...)");
	expect_err("output\n", OTS_EINVAL,
	           "t.yaml:1:1: a config file is a mapping of option names to values (read: FILE, ...)");
	expect_err("[a]: x\n", OTS_EINVAL, "t.yaml:1:1: a key must be an option name");
	expect_err("output: x\n  workers: 2\n", OTS_EINVAL,
	           "t.yaml:2:10: YAML syntax error: mapping values are not allowed in this context");
	expect_err("output: [x\n", OTS_EINVAL,
	           "t.yaml:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 9)");
	expect_err("output: &a x\nzones: *a\n", OTS_EINVAL,
	           "t.yaml:1:9: YAML anchors and aliases are not supported in a config file");
	expect_err("output: !!str x\n", OTS_EINVAL,
	           "t.yaml:1:9: YAML tags are not supported in a config file");
	expect_err("output: x\n---\nworkers: 2\n", OTS_EINVAL,
	           "t.yaml:2:1: a second YAML document (a config file holds one)");
	expect_err("a: [[[[[[[[[x]]]]]]]]]\n", OTS_ELIMIT, "t.yaml:1:11: nesting deeper than 8 levels");
	expect_err("output: \"a\\0b\"\n", OTS_EINVAL, "t.yaml:1:9: NUL character in a string");
	expect_err("\xff: x\n", OTS_EINVAL, "t.yaml:1:1: invalid input: invalid leading UTF-8 octet");
}

static void
test_build_override(void **state)
{
	char path[] = "/tmp/test-conf-file.XXXXXX";
	const char *text = "read: [a.pcap, b.pcap]\noutput: /o\nworkers: 2\nquiet: true\n";
	char *argv[] = { "otsensor", "-q", "--config", path, "-w", "3", "--read=c.pcap", NULL };
	char where[256];
	struct ots_conf_args b;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(ots_conf_args_build(&b, 7, argv, "r:i:o:w:qhz:c:", opts, err,
	                                     sizeof(err)), OTS_OK);
	/* read, workers and quiet come from the command line: the file gives output only */
	assert_int_equal(b.n_file, 1);
	assert_string_equal(b.argv[1], "--output=/o");
	assert_string_equal(b.path, path);
	assert_int_equal(b.argc, 8);
	assert_string_equal(b.argv[2], "-q");
	assert_string_equal(b.argv[7], "--read=c.pcap");
	assert_null(b.argv[8]);
	snprintf(err, sizeof(err), "%s:2:9: ", path);
	assert_string_equal(ots_conf_args_where(&b, 1, where, sizeof(where)), err);
	assert_string_equal(ots_conf_args_where(&b, 2, where, sizeof(where)), "");
	/* a reload that changes output and zones names both */
	{
		const char *names[4];

		ots_conf_args_free(&A);
		assert_int_equal(parse("output: /o2\nzones: z.yaml\n"), OTS_OK);
		A.path = NULL;
		assert_int_equal(ots_conf_args_changed(&b, &A, opts, names, 4), 2);
		assert_string_equal(names[0], "output");
		assert_string_equal(names[1], "zones");
		assert_int_equal(ots_conf_args_changed(&b, &b, opts, names, 4), 0);
	}
	/* without -c: a copy of argv */
	ots_conf_args_free(&b);
	{
		char *argv2[] = { "otsensor", "-r", "x.pcap", NULL };

		assert_int_equal(ots_conf_args_build(&b, 3, argv2, "r:c:", opts, err, sizeof(err)),
		                 OTS_OK);
		assert_int_equal(b.n_file, 0);
		assert_int_equal(b.argc, 3);
		assert_null(b.path);
		assert_string_equal(b.argv[2], "x.pcap");
	}
	ots_conf_args_free(&b);
	unlink(path);
	argv[3] = "/nonexistent/otsensor.yaml";
	assert_int_equal(ots_conf_args_build(&b, 7, argv, "r:i:o:w:qhz:c:", opts, err, sizeof(err)),
	                 OTS_EIO);
	assert_string_equal(err, "/nonexistent/otsensor.yaml: cannot open: No such file or directory");
}

/* Every prefix of the example config either parses or fails with one line naming the file. */
static void
test_truncation_sweep(void **state)
{
	const char *top = getenv("top_srcdir");
	char path[1024], *buf;
	static const struct option full[] = {
		{ "read", 1, NULL, 1 }, { "interface", 1, NULL, 1 }, { "filter", 1, NULL, 1 },
		{ "output", 1, NULL, 1 }, { "deterministic", 0, NULL, 1 },
		{ "log-all-ops", 0, NULL, 1 }, { "quiet", 0, NULL, 1 },
		{ "suggest-zones", 0, NULL, 1 }, { "state", 1, NULL, 1 },
		{ "checkpoint", 1, NULL, 1 }, { "alert-interval", 1, NULL, 1 },
		{ "stats-interval", 1, NULL, 1 }, { "inventory-memcap", 1, NULL, 1 }, { "geoip", 1, NULL, 1 },
		{ "ieee-data", 1, NULL, 1 }, { "zones", 1, NULL, 1 }, { "rules", 1, NULL, 1 },
		{ "learn", 1, NULL, 1 }, { "baseline", 1, NULL, 1 }, { "workers", 1, NULL, 1 },
		{ "flow-memcap", 1, NULL, 1 }, { "ndpi-packets", 1, NULL, 1 },
		{ "user", 1, NULL, 1 }, { NULL, 0, NULL, 0 }
	};
	size_t len, i, ok = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/packaging/otsensor.example.yaml",
	         top && top[0] ? top : OTS_TEST_TOP_SRCDIR);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf = malloc(1 << 16);
	assert_non_null(buf);
	len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	assert_true(len > 1000);
	ots_conf_args_free(&A);
	assert_int_equal(ots_conf_file_parse(&A, "ex.yaml", buf, len, full, err, sizeof(err)),
	                 OTS_OK);
	assert_int_equal(A.n_file, 19); /* every non-comment key but the false flags */
	for (i = 0; i <= len; i++) {
		struct ots_conf_args t;
		int rc = ots_conf_file_parse(&t, "ex.yaml", buf, i, full, err, sizeof(err));

		if (rc == OTS_OK) {
			ok++;
			assert_true(t.n_file <= 19);
		} else {
			assert_true(strncmp(err, "ex.yaml:", 8) == 0);
			assert_null(strchr(err, '\n'));
			assert_int_equal(t.argc, 0);
		}
		ots_conf_args_free(&t);
	}
	assert_true(ok > len / 2);
	free(buf);
}

static int
teardown(void **state)
{
	(void)state;
	ots_conf_args_free(&A);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_keys, teardown),
		cmocka_unit_test_teardown(test_lists_and_flags, teardown),
		cmocka_unit_test_teardown(test_kafka, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
		cmocka_unit_test_teardown(test_build_override, teardown),
		cmocka_unit_test_teardown(test_truncation_sweep, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
