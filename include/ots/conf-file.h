/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf-file.h: the YAML config file (-c FILE, src/conf-file.c) turned into an argument list
 * for the command-line parser.
 *
 * The file is a mapping whose keys are the long option names of the getopt_long table and
 * whose values are what the option takes: a scalar, a list for a repeatable option (read,
 * geoip, kafka-property), true/false for a flag. A `kafka:` mapping maps KEY onto
 * --kafka-KEY, and `kafka: properties: {K: V}` onto --kafka-property=K=V. Each entry becomes
 * one "--name=value" (or "--name") argument, so the file and the command line go through
 * the same parser and cannot drift: an option added to the table is a config key at once.
 */
#ifndef OTS_CONF_FILE_H
#define OTS_CONF_FILE_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#define OTS_CONF_FILE_MAX (1u << 20)   /* bytes of a config file */
#define OTS_CONF_FILE_MAX_ITEMS 4096   /* arguments one file may give */

struct ots_conf_args {
	char **argv;          /* argv[0] the program, argv[1 .. n_file] from the file, then the
	                       * command line (minus nothing: -c stays); NULL-terminated; owned */
	int argc;
	int n_file;           /* argv[1 .. n_file] come from the file */
	unsigned *line, *col; /* of the value of argv[1 + k], k < n_file (1-based) */
	char *path;           /* the config file, NULL without -c; owned */
};

/*
 * Turn a config file held in memory into arguments: a->argv[1 .. n_file] (argv[0] is
 * "otsensor"; no command line). name is the file name in messages. opts is the option table
 * (terminated by a NULL name). Returns OTS_OK; OTS_EINVAL, OTS_ELIMIT or OTS_ENOMEM with
 * err = "NAME:LINE:COL: reason" (one line) and *a empty. The caller frees *a.
 */
int ots_conf_file_parse(struct ots_conf_args *a, const char *name, const char *buf, size_t len,
                        const struct option *opts, char *err, size_t errlen);

/*
 * The argument list of a run: scans argv (the command line) for -c/--config FILE, reads FILE
 * and puts its arguments first, leaving out every option the command line names itself (the
 * command line overrides the file, a repeatable option as a whole). shortopts and opts are
 * the parser's getopt_long arguments; getopt state is reset (optind = 0) on return. Without
 * -c, *a is a copy of argv. Returns OTS_OK, OTS_EIO (unreadable file), OTS_EINVAL /
 * OTS_ELIMIT (bad file) or OTS_ENOMEM, err filled. The caller frees *a.
 */
int ots_conf_args_build(struct ots_conf_args *a, int argc, char **argv, const char *shortopts,
                        const struct option *opts, char *err, size_t errlen);

/* "FILE:LINE:COL: " when argv index idx comes from the file, else "". Returns buf. */
const char *ots_conf_args_where(const struct ots_conf_args *a, int idx, char *buf, size_t len);

/*
 * Long option names (pointers into opts) whose values from the file differ between two
 * lists built from the same command line: what a reload changes. Fills names[0 .. max) and
 * returns how many differ (may exceed max).
 */
size_t ots_conf_args_changed(const struct ots_conf_args *old, const struct ots_conf_args *nw,
                             const struct option *opts, const char **names, size_t max);

/* Print the arguments, one a line, each with where it comes from (test-config). */
void ots_conf_args_print(FILE *fp, const struct ots_conf_args *a);

void ots_conf_args_free(struct ots_conf_args *a);

#endif
