/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * enip-vendors.h: CIP vendor id -> vendor name, and CIP device type -> profile name.
 *
 * Vendor ids are assigned by ODVA (the public "ODVA vendor ID" list, also reproduced as facts
 * by the Wireshark CIP dissector and nmap's enip-info script). Only well-known ids that were
 * checked against that list are here; an id missing from the table is reported by number only.
 * Device types are the CIP device profile numbers of the CIP Networks Library Vol. 1, ch. 6.
 * Private to protocols/enip.c.
 */
#ifndef OTS_ENIP_VENDORS_H
#define OTS_ENIP_VENDORS_H

#include <stdint.h>

struct en_name {
	uint16_t id;
	const char *name;
};

/* Sorted by id. */
static const struct en_name en_vendors[] = {
	{ 1, "Rockwell Automation/Allen-Bradley" },
	{ 2, "Namco Controls Corp." },
	{ 3, "Honeywell Inc." },
	{ 4, "Parker Hannifin Corp. (Veriflo Division)" },
	{ 5, "Rockwell Automation/Reliance Elec." },
	{ 7, "SMC Corporation" },
	{ 8, "Molex Incorporated" },
	{ 9, "Western Reserve Controls Corp." },
	{ 10, "Advanced Micro Controls Inc. (AMCI)" },
	{ 11, "ASCO Pneumatic Controls" },
	{ 12, "Banner Engineering Corp." },
	{ 13, "Belden Wire & Cable Company" },
	{ 14, "Cooper Interconnect" },
	{ 16, "Daniel Woodhead Co. (Woodhead Connectivity)" },
	{ 17, "Dearborn Group Inc." },
	{ 19, "Helm Instrument Company" },
	{ 20, "Huron Net Works" },
	{ 21, "Lumberg, Inc." },
	{ 22, "Online Development Inc. (Automation Value)" },
	{ 23, "Vorne Industries, Inc." },
	{ 24, "ODVA Special Reserve" },
	{ 26, "Festo Corporation" },
	{ 30, "Unico, Inc." },
	{ 31, "Ross Controls" },
	{ 34, "Hohner Corp." },
	{ 35, "Micro Mo Electronics, Inc." },
	{ 36, "MKS Instruments, Inc." },
	{ 37, "Yaskawa Electric America formerly Magnetek Drives" },
	{ 40, "WAGO Corporation" },
	{ 41, "Kinetics (Unit Instruments)" },
	{ 42, "IMI Norgren Limited" },
	{ 43, "BALLUFF, Inc." },
	{ 44, "Yaskawa Electric America, Inc." },
	{ 45, "Eurotherm Controls Inc" },
	{ 46, "ABB Industrial Systems" },
	{ 47, "Omron Corporation" },
	{ 48, "TURCK, Inc." },
	{ 49, "Grayhill Inc." },
	{ 50, "Real Time Automation (C&ID)" },
	{ 52, "Numatics, Inc." },
	{ 53, "Lutze, Inc." },
	{ 56, "Softing GmbH" },
	{ 57, "Pepperl + Fuchs" },
	{ 58, "Spectrum Controls, Inc." },
	{ 60, "Applied Motion Products, Inc." },
	{ 64, "Clippard Instrument Laboratory" },
	{ 68, "Eaton Electrical" },
	{ 71, "Toshiba International Corp." },
	{ 72, "Control Technology Incorporated" },
	{ 74, "Hitachi, Ltd." },
	{ 75, "ABB Robotics Products AB" },
	{ 78, "Berger Lahr" },
	{ 81, "Bosch Rexroth AG" },
	{ 90, "HMS Industrial Networks AB" },
};

/* Sorted by id. */
static const struct en_name en_devtypes[] = {
	{ 0x00, "Generic Device (deprecated)" },
	{ 0x02, "AC Drive" },
	{ 0x03, "Motor Overload" },
	{ 0x04, "Limit Switch" },
	{ 0x05, "Inductive Proximity Switch" },
	{ 0x06, "Photoelectric Sensor" },
	{ 0x07, "General Purpose Discrete I/O" },
	{ 0x09, "Resolver" },
	{ 0x0C, "Communications Adapter" },
	{ 0x0E, "Programmable Logic Controller" },
	{ 0x10, "Position Controller" },
	{ 0x13, "DC Drive" },
	{ 0x15, "Contactor" },
	{ 0x16, "Motor Starter" },
	{ 0x17, "Soft Start" },
	{ 0x18, "Human-Machine Interface" },
	{ 0x1A, "Mass Flow Controller" },
	{ 0x1B, "Pneumatic Valve" },
	{ 0x1C, "Vacuum Pressure Gauge" },
	{ 0x1D, "Process Control Value" },
	{ 0x1E, "Residual Gas Analyzer" },
	{ 0x1F, "DC Power Generator" },
	{ 0x20, "RF Power Generator" },
	{ 0x21, "Turbomolecular Vacuum Pump" },
	{ 0x22, "Encoder" },
	{ 0x23, "Safety Discrete I/O Device" },
	{ 0x24, "Fluid Flow Controller" },
	{ 0x25, "CIP Motion Drive" },
	{ 0x26, "CompoNet Repeater" },
	{ 0x27, "Mass Flow Controller, Enhanced" },
	{ 0x28, "CIP Modbus Device" },
	{ 0x29, "CIP Modbus Translator" },
	{ 0x2A, "Safety Analog I/O Device" },
	{ 0x2B, "Generic Device (keyable)" },
	{ 0x2C, "Managed Switch" },
	{ 0x32, "ControlNet Physical Layer Component" },
};

static const char *
en_name_of(const struct en_name *t, size_t n, uint16_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].id == id)
			return t[mid].name;
		if (t[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

#endif
