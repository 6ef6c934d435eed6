/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry.c: the one table of dissectors, in probe order (most specific structure first).
 * A plain const array, not linker-section self-registration: a static test build can never
 * silently lose a dissector.
 */
#include <string.h>

#include "ots/compiler.h"
#include "ots/dissector.h"

extern const struct ots_dissector ots_dissector_modbus;

extern const struct ots_dissector ots_dissector_s7comm;

const struct ots_dissector *const ots_dissectors[] = {
	&ots_dissector_s7comm,
	&ots_dissector_modbus,
};

const size_t ots_dissectors_count = OTS_ARRAY_LEN(ots_dissectors);

const struct ots_dissector *
ots_dissector_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ots_dissectors_count; i++)
		if (strcmp(ots_dissectors[i]->name, name) == 0)
			return ots_dissectors[i];
	return NULL;
}

const struct ots_dissector *
ots_dissector_by_id(uint16_t id)
{
	size_t i;

	for (i = 0; i < ots_dissectors_count; i++)
		if (ots_dissectors[i]->id == id)
			return ots_dissectors[i];
	return NULL;
}
