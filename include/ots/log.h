/* SPDX-License-Identifier: BSD-3-Clause */
/* log.h: messages to stderr, one line each, prefixed "otsensor: ". Never on the packet path. */
#ifndef OTS_LOG_H
#define OTS_LOG_H

#include "ots/compiler.h"

enum ots_log_level { OTS_LOG_ERR = 0, OTS_LOG_WARN = 1, OTS_LOG_INFO = 2, OTS_LOG_DEBUG = 3 };

void ots_log_set_level(enum ots_log_level l);
void ots_log(enum ots_log_level l, const char *fmt, ...) OTS_PRINTF(2, 3);

#define ots_err(...)  ots_log(OTS_LOG_ERR, __VA_ARGS__)
#define ots_warn(...) ots_log(OTS_LOG_WARN, __VA_ARGS__)
#define ots_info(...) ots_log(OTS_LOG_INFO, __VA_ARGS__)

#endif
