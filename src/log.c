/* SPDX-License-Identifier: BSD-3-Clause */
/* log.c: stderr logging (one write per line so threads do not interleave within a line). */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "ots/log.h"

static enum ots_log_level log_level = OTS_LOG_INFO;

void
ots_log_set_level(enum ots_log_level l)
{
	log_level = l;
}

void
ots_log(enum ots_log_level l, const char *fmt, ...)
{
	static const char *const pfx[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;
	int n, m;

	if (l > log_level)
		return;
	n = snprintf(line, sizeof(line), "otsensor: %s", pfx[l]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}
