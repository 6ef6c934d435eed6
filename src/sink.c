/* SPDX-License-Identifier: BSD-3-Clause */
/* sink.c: the optional second destination of the JSON Lines records (see include/ots/sink.h). */
#include "ots/sink.h"

static ots_sink_fn sink_fn;
static void *sink_ctx;

void
ots_sink_set(ots_sink_fn fn, void *ctx)
{
	sink_fn = fn;
	sink_ctx = ctx;
}

int
ots_sink_on(void)
{
	return sink_fn != NULL;
}

void
ots_sink_emit(enum ots_sink_kind kind, const char *key, const char *line, size_t len)
{
	if (sink_fn)
		sink_fn(sink_ctx, kind, key, line, len);
}

const char *
ots_sink_kind_name(enum ots_sink_kind kind)
{
	static const char *const names[OTS_SINK__COUNT] = {
		"alerts", "assets", "conduits", "events", "stats"
	};

	return (unsigned)kind < OTS_SINK__COUNT ? names[kind] : "unknown";
}
