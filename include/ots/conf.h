/* SPDX-License-Identifier: BSD-3-Clause */
/* conf.h: run configuration defaults and argument helpers (src/conf.c). */
#ifndef OTS_CONF_H
#define OTS_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "ots/conf-t.h"

void ots_conf_defaults(struct ots_conf *c);
void ots_conf_free(struct ots_conf *c);

/* "64M", "1G", "4096", "512k" -> bytes (binary multiples). Returns OTS_OK or OTS_EINVAL. */
int ots_parse_size(const char *s, uint64_t *out);
/* Unsigned decimal in [min, max]. Returns OTS_OK or OTS_EINVAL. */
int ots_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Add a -r argument: a file, or a directory whose capture files (*.pcap, *.pcapng, *.cap,
 * *.dmp, *.pcap[0-9]*) are added in name order (not recursive). err gets a reason.
 */
int ots_conf_add_input(struct ots_conf *c, const char *path, char *err, size_t errlen);

/* Default worker count: online cores minus one (the reader), at least 1. */
unsigned ots_conf_default_workers(void);

#endif
