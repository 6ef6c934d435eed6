/* SPDX-License-Identifier: BSD-3-Clause */
/* ics.c: names of the normalized ICS vocabulary (ics-t.h). Stable: they reach JSON. */
#include "ots/compiler.h"
#include "ots/ics-t.h"

static const char *const op_class_names[OTS_OP__COUNT] = {
	[OTS_OP_READ] = "read",
	[OTS_OP_WRITE] = "write",
	[OTS_OP_CONTROL] = "control",
	[OTS_OP_PROGRAM] = "program",
	[OTS_OP_MODE_CHANGE] = "mode_change",
	[OTS_OP_FIRMWARE] = "firmware",
	[OTS_OP_RESTART] = "restart",
	[OTS_OP_DIAGNOSTIC] = "diagnostic",
	[OTS_OP_FILE] = "file",
	[OTS_OP_TIME_SYNC] = "time_sync",
	[OTS_OP_AUTH] = "auth",
	[OTS_OP_DISCOVERY] = "discovery",
	[OTS_OP_IDENTITY] = "identity",
	[OTS_OP_EVENT] = "event",
	[OTS_OP_OTHER] = "other",
};

static const char *const fact_attr_names[OTS_FACT__COUNT] = {
	[OTS_FACT_VENDOR] = "vendor",
	[OTS_FACT_VENDOR_ID] = "vendor_id",
	[OTS_FACT_MODEL] = "model",
	[OTS_FACT_PRODUCT_CODE] = "product_code",
	[OTS_FACT_DEVICE_TYPE] = "device_type",
	[OTS_FACT_FIRMWARE] = "firmware",
	[OTS_FACT_HW_REVISION] = "hardware_revision",
	[OTS_FACT_SERIAL] = "serial",
	[OTS_FACT_NAME] = "name",
	[OTS_FACT_ORDER_NUMBER] = "order_number",
	[OTS_FACT_MODULE_NAME] = "module_name",
	[OTS_FACT_PLANT_ID] = "plant_id",
	[OTS_FACT_APP_URI] = "application_uri",
	[OTS_FACT_PRODUCT_URI] = "product_uri",
	[OTS_FACT_SECURITY_MODE] = "security_mode",
	[OTS_FACT_PLATFORM] = "platform",
	[OTS_FACT_SW_VERSION] = "software_version",
	[OTS_FACT_DESCRIPTION] = "description",
	[OTS_FACT_HOSTNAME] = "hostname",
	[OTS_FACT_VENDOR_CLASS] = "vendor_class",
	[OTS_FACT_ROLE] = "role",
	[OTS_FACT_IP] = "ip",
	[OTS_FACT_CHASSIS_ID] = "chassis_id",
	[OTS_FACT_PORT_ID] = "port_id",
	[OTS_FACT_MAC] = "mac",
	[OTS_FACT_LOCATION] = "location",
	[OTS_FACT_ENDPOINT_URL] = "endpoint_url",
	[OTS_FACT_SECURITY_POLICY] = "security_policy",
	[OTS_FACT_STATION_ADDRESS] = "station_address",
	[OTS_FACT_NETMASK] = "netmask",
	[OTS_FACT_GATEWAY] = "gateway",
};

static const char *const flag_names[OTS_FLAG__COUNT] = {
	[OTS_FLAG_MALFORMED] = "malformed",
	[OTS_FLAG_CLEARTEXT_CREDENTIAL] = "cleartext_credential",
	[OTS_FLAG_NO_SECURITY] = "no_security",
	[OTS_FLAG_TEST_MODE] = "test_mode",
	[OTS_FLAG_OUT_OF_SEQUENCE] = "out_of_sequence",
};

const char *
ots_op_class_name(enum ots_op_class c)
{
	return (unsigned)c < OTS_OP__COUNT ? op_class_names[c] : "other";
}

const char *
ots_fact_attr_name(enum ots_fact_attr a)
{
	return (unsigned)a < OTS_FACT__COUNT ? fact_attr_names[a] : "unknown";
}

const char *
ots_ics_flag_name(enum ots_ics_flag f)
{
	return (unsigned)f < OTS_FLAG__COUNT ? flag_names[f] : "unknown";
}
