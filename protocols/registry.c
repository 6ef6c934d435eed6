/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * registry.c: the one table of dissectors, in probe order (most specific structure first).
 * A plain const array, not linker-section self-registration: a static test build can never
 * silently lose a dissector.
 */
#include <string.h>

#include "ots/compiler.h"
#include "ots/dissector.h"

extern const struct ots_dissector ots_dissector_bacnet;
extern const struct ots_dissector ots_dissector_cdp;
extern const struct ots_dissector ots_dissector_dhcp;
extern const struct ots_dissector ots_dissector_dnp3;
extern const struct ots_dissector ots_dissector_enip;
extern const struct ots_dissector ots_dissector_fins;
extern const struct ots_dissector ots_dissector_ftp;
extern const struct ots_dissector ots_dissector_goose;
extern const struct ots_dissector ots_dissector_hartip;
extern const struct ots_dissector ots_dissector_iec104;
extern const struct ots_dissector ots_dissector_lldp;
extern const struct ots_dissector ots_dissector_mms;
extern const struct ots_dissector ots_dissector_modbus;
extern const struct ots_dissector ots_dissector_opcua;
extern const struct ots_dissector ots_dissector_pndcp;
extern const struct ots_dissector ots_dissector_s7comm;
extern const struct ots_dissector ots_dissector_s7comm_plus;
extern const struct ots_dissector ots_dissector_slmp;
extern const struct ots_dissector ots_dissector_telnet;

const struct ots_dissector *const ots_dissectors[] = {
	&ots_dissector_s7comm,
	&ots_dissector_s7comm_plus,
	&ots_dissector_mms,
	&ots_dissector_modbus,
	&ots_dissector_dnp3,
	&ots_dissector_enip,
	&ots_dissector_iec104,
	&ots_dissector_opcua,
	&ots_dissector_fins,
	&ots_dissector_slmp,
	&ots_dissector_hartip,
	&ots_dissector_ftp,
	&ots_dissector_telnet,
	&ots_dissector_bacnet,
	&ots_dissector_dhcp,
	&ots_dissector_pndcp,
	&ots_dissector_goose,
	&ots_dissector_lldp,
	&ots_dissector_cdp,
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
