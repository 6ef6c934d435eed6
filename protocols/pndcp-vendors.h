/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pndcp-vendors.h: PROFINET VendorID -> manufacturer name (a modest, well-known subset).
 *
 * VendorIDs are assigned by PROFIBUS & PROFINET International (PI) and published in its
 * manufacturer ID list; the same numbers appear as VendorID="0x...." in each vendor's GSDML
 * files. This table holds only ids whose owner is common knowledge in GSDML files; an id not
 * listed gets no VENDOR fact (VENDOR_ID is still reported).
 */
#ifndef OTS_PNDCP_VENDORS_H
#define OTS_PNDCP_VENDORS_H

#include <stdint.h>

struct pndcp_vendor {
	uint16_t id;
	const char *name;
};

static const struct pndcp_vendor pndcp_vendors[] = {
	{ 0x002a, "Siemens" },
	{ 0x00b0, "Phoenix Contact" },
	{ 0x010a, "SEW-Eurodrive" },
	{ 0x010c, "HMS Industrial Networks" },
	{ 0x011d, "WAGO" },
	{ 0x011e, "Hilscher" },
	{ 0x0120, "Beckhoff Automation" },
};

#endif
