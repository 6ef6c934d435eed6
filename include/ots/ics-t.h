/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ics-t.h: the one vocabulary every industrial dissector reduces traffic to (types only).
 *
 * Assets, conduits, zone policy and rules consume only these records, so a check such as
 * "supervisory -> control: Modbus READ only" is written once for every protocol.
 * Ids and names are stable: they reach JSON, Kafka and rule files.
 */
#ifndef OTS_ICS_T_H
#define OTS_ICS_T_H

#include <stddef.h>
#include <stdint.h>

/* Protocol ids: explicit, never reused. The name ("modbus") is also the config section, the
 * JSON value, the stats prefix and the rule keyword prefix. */
enum ots_proto_id {
	OTS_PROTO_NONE = 0,
	OTS_PROTO_MODBUS = 1,
	OTS_PROTO_DNP3 = 2,
	OTS_PROTO_ENIP = 3,
	OTS_PROTO_S7COMM = 4,
	OTS_PROTO_S7COMM_PLUS = 5,
	OTS_PROTO_IEC104 = 6,
	OTS_PROTO_BACNET = 7,
	OTS_PROTO_OPCUA = 8,
	OTS_PROTO_PNDCP = 9,
	OTS_PROTO_GOOSE = 10,
	OTS_PROTO_MMS = 11,
	OTS_PROTO_FINS = 12,
	OTS_PROTO_SLMP = 13,
	OTS_PROTO_HARTIP = 14,
	OTS_PROTO_LLDP = 15,
	OTS_PROTO_CDP = 16,
	OTS_PROTO_DHCP = 17,
	OTS_PROTO_FTP = 18,      /* IT protocols the zone layer must see: cleartext logins */
	OTS_PROTO_TELNET = 19
};

/* What an operation does, whatever the protocol. */
enum ots_op_class {
	OTS_OP_READ = 0,
	OTS_OP_WRITE = 1,
	OTS_OP_CONTROL = 2,      /* operate an output/point: DNP3 operate, IEC 104 C_SC ... */
	OTS_OP_PROGRAM = 3,      /* logic download/upload/delete */
	OTS_OP_MODE_CHANGE = 4,  /* run/stop, lock, DNP3 stop application */
	OTS_OP_FIRMWARE = 5,
	OTS_OP_RESTART = 6,
	OTS_OP_DIAGNOSTIC = 7,
	OTS_OP_FILE = 8,
	OTS_OP_TIME_SYNC = 9,
	OTS_OP_AUTH = 10,
	OTS_OP_DISCOVERY = 11,
	OTS_OP_IDENTITY = 12,
	OTS_OP_EVENT = 13,       /* unsolicited/spontaneous data */
	OTS_OP_OTHER = 14,
	OTS_OP__COUNT
};

/* One request or response, normalized. Strings are static (names) or absent. */
struct ots_ics_op {
	uint16_t proto;          /* enum ots_proto_id */
	uint8_t op_class;        /* enum ots_op_class */
	uint8_t is_response;     /* 0 request, 1 response */
	uint8_t has_unit;
	uint8_t has_exception;
	uint8_t has_addr;
	uint8_t has_transaction;
	uint8_t has_qualifier;
	uint32_t unit;           /* unit id, station, link address, CPU slot ... */
	uint32_t function;       /* raw function or service code */
	const char *function_name; /* static, e.g. "write_single_register" */
	uint32_t exception;      /* exception or error code when has_exception */
	uint32_t addr_start;     /* first address touched when has_addr */
	uint32_t addr_count;
	uint32_t transaction;    /* for request/response pairing when has_transaction */
	uint32_t qualifier;      /* what qualifies the function in this protocol, when
	                          * has_qualifier: IEC 104 cause of transmission octet,
	                          * S7comm-plus version << 8 | opcode ... (documented per
	                          * dissector); never folded into function */
};

/*
 * Per-flow tallies of operations: what a conduit did, routine reads included, without one
 * record per PDU. Up to OTS_ICS_FN_SLOTS distinct functions are kept by name; the rest are
 * summed in fn_other (a poller uses a handful; a scanner's sweep shows up as fn_other).
 */
#define OTS_ICS_FN_SLOTS 8

struct ots_ics_fn_count {   /* 24 bytes: every ICS flow holds OTS_ICS_FN_SLOTS of them */
	const char *name;        /* static */
	uint32_t code;
	uint32_t requests, responses;
	uint16_t exceptions;     /* saturates at 65535 */
	uint8_t op_class;
};

struct ots_ics_counts {
	uint32_t ops[OTS_OP__COUNT]; /* by op class, requests and responses */
	struct ots_ics_fn_count fn[OTS_ICS_FN_SLOTS];
	uint32_t fn_other;       /* operations of functions beyond the slots */
	uint8_t n_fn;
	/* first use of fn[i]: milliseconds after the flow record's first_ts (saturates); a
	 * parallel array, not a member of ots_ics_fn_count, where padding would double it */
	uint32_t fn_first_ms[OTS_ICS_FN_SLOTS];
};

/* Identity attributes (stable ids; names in ots_fact_attr_name()). */
enum ots_fact_attr {
	OTS_FACT_VENDOR = 0,
	OTS_FACT_VENDOR_ID = 1,
	OTS_FACT_MODEL = 2,
	OTS_FACT_PRODUCT_CODE = 3,
	OTS_FACT_DEVICE_TYPE = 4,
	OTS_FACT_FIRMWARE = 5,
	OTS_FACT_HW_REVISION = 6,
	OTS_FACT_SERIAL = 7,
	OTS_FACT_NAME = 8,           /* station / device / object name */
	OTS_FACT_ORDER_NUMBER = 9,
	OTS_FACT_MODULE_NAME = 10,
	OTS_FACT_PLANT_ID = 11,
	OTS_FACT_APP_URI = 12,
	OTS_FACT_PRODUCT_URI = 13,
	OTS_FACT_SECURITY_MODE = 14,
	OTS_FACT_PLATFORM = 15,
	OTS_FACT_SW_VERSION = 16,
	OTS_FACT_DESCRIPTION = 17,
	OTS_FACT_HOSTNAME = 18,
	OTS_FACT_VENDOR_CLASS = 19,
	OTS_FACT_ROLE = 20,
	OTS_FACT_IP = 21,
	OTS_FACT_CHASSIS_ID = 22,    /* LLDP chassis id */
	OTS_FACT_PORT_ID = 23,       /* LLDP/CDP: the sender's port the frame left by */
	OTS_FACT_MAC = 24,           /* a MAC address the device reports as its own */
	OTS_FACT_LOCATION = 25,      /* where the device says it is (BACnet location, SNMP ...) */
	OTS_FACT_ENDPOINT_URL = 26,  /* OPC UA endpoint URL */
	OTS_FACT_SECURITY_POLICY = 27, /* OPC UA security policy URI */
	OTS_FACT_STATION_ADDRESS = 28, /* a protocol address the device answers to (DNP3 link ...) */
	OTS_FACT_NETMASK = 29,       /* IPv4 netmask the device is configured with */
	OTS_FACT_GATEWAY = 30,       /* default gateway the device is configured with */
	OTS_FACT__COUNT
};

/* Which endpoint of the PDU a fact describes. */
enum ots_fact_side { OTS_SIDE_SENDER = 0, OTS_SIDE_RECEIVER = 1 };

/* One identity fact, with the message it came from. value is borrowed for the call. */
struct ots_ics_fact {
	uint16_t proto;
	uint8_t attr;            /* enum ots_fact_attr */
	uint8_t side;            /* enum ots_fact_side */
	uint8_t confidence;      /* 0-100 */
	const char *source;      /* static: "ListIdentity", "FC43/14", "SZL 0x001C" ... */
	const char *value;       /* not NUL-terminated */
	size_t value_len;
};

/* Security-relevant observations for the zone layer. */
enum ots_ics_flag {
	OTS_FLAG_MALFORMED = 0,          /* protocol violation (a PDU that breaks the spec) */
	OTS_FLAG_CLEARTEXT_CREDENTIAL = 1,
	OTS_FLAG_NO_SECURITY = 2,        /* e.g. OPC UA SecurityMode None */
	OTS_FLAG_TEST_MODE = 3,          /* test or simulation traffic (GOOSE simulation, IEC 104 T bit) */
	OTS_FLAG_OUT_OF_SEQUENCE = 4,    /* protocol state out of order: GOOSE stNum/sqNum jumps or
	                                  * steps back, DNP3 operate without a select */
	OTS_FLAG__COUNT
};

struct ots_ics_flag_rec {
	uint16_t proto;
	uint8_t flag;            /* enum ots_ics_flag */
	const char *what;        /* static short reason, "bad_length", "dcc_password" ... */
};

const char *ots_op_class_name(enum ots_op_class c);
const char *ots_fact_attr_name(enum ots_fact_attr a);
const char *ots_ics_flag_name(enum ots_ics_flag f);

#endif
