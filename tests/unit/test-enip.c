/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-enip.c: unit tests of the EtherNet/IP + CIP dissector (protocols/enip.c).
 * Sample PDUs are real TCP/UDP payloads from the shared captures (file and frame noted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_enip;
#define D (&ots_dissector_enip)

struct pdu {
	uint8_t b[4096];
	size_t n;
};

static struct pdu
hx(const char *s)
{
	struct pdu p;
	size_t i, n = strlen(s) / 2;

	assert_true(n <= sizeof(p.b));
	for (i = 0; i < n; i++) {
		char t[3] = { s[2 * i], s[2 * i + 1], 0 };

		p.b[i] = (uint8_t)strtoul(t, NULL, 16);
	}
	p.n = n;
	return p;
}

/* iti_enip_test.pcap frames 6, 7 */
static const char LI_REQ[] = "63000000000000000000000000000000c1debed100000000";
static const char LI_RSP[] =
	"63003300000000000000000000000000c1debed10000000001000c002d0001000002af120a0101a400"
	"0000000000000001000c003a00040330008e4d52000b313735362d454e42542f4103";
/* icsnpp_multiple_service_packet_cip.pcapng frame 1: MSP of 11 Get_Attribute_List */
static const char MSP_REQ[] =
	"7000ba0000010211000000000000000000000000000000000000000001000200a1000400010b7c00b100"
	"a60089070a02200224010b00180022002c0036004c005800640072007c008a0094000302200124010100"
	"050003022069240001000b0003022073240101000200030220ac24010700010002000300050007000900"
	"0a000303206825002024010013000302207024010200120013000302208e240103000300080010000302"
	"206924000100090003022068240003000f0018001900030220772401010002000302208b240101000600";
/* iti_openics_EIP-LockPLCAttempt.pcap frames 31, 33: MSP of 9, response with statuses */
static const char MSP2_REQ[] =
	"7000a40000010212000000000000000000000000000000000000000001000200a1000400016b0700b100"
	"9000ef1b0a0220022401090014001e0028003e004a00560064006e007c00030220012401010005000302"
	"2069240001000b00030220ac240107000100020003000500070009000a00030320682500202401001300"
	"0302207024010200120013000302208e240103000300080010000302206924000100090003022068240003"
	"000f0018001900030220732401020001000200";
static const char MSP2_RSP[] =
	"7000f10000010212000000000000000000000000000000000000000000000200a10004004c00fe80b100"
	"dd00ef1b8a0000000900140020002c0064006f0085009d00a900c5008300000001000500000060308300"
	"000001000b00000003008300000007000100000005000200000001000300000089292fb8050000000000"
	"070000000200000009000000010001000a0000008422df48830000000100130000000083000000020012"
	"0000000000000013000000000000008300000003000300000014000800000000001000000001008300"
	"000001000900000000008300000003000f000000000018000000000000001900000000000000830000"
	"000200010000000000020000000000";
/* icsnpp_set_attribute_single_service_cip.pcapng frame 1 */
static const char SAS_REQ[] =
	"70001c00f4ffcab4000000005f7079636f6d6d5f00000000000000000a000200a1000400ba629adab100"
	"08000d00100220012400";
/* iti_cip_start_plc.pcap, iti_openics_EIP-RemoteModeChangeAttempt.pcap frames 421, 422 */
static const char START_REQ[] =
	"70001c0001002a00000000000000000000000000000000000000000001000200a1000400224095ffb100"
	"0800e7000602208e2401";
static const char STOP_REQ[] =
	"70001c0000010212000000000000000000000000000000000000000001000200a10004000139dd00b100"
	"0800b0280702208e2401";
static const char STOP_RSP[] =
	"70001a0000010212000000000000000000000000000000000000000000000200a10004001c00fe80b100"
	"0600b02887000000";
/* iti_openics_EIP-RebootorRestart.pcap frames 454, 456: Reset */
static const char RESET_REQ[] =
	"70001c0000010211000000000000000000000000000000000000000001000200a1000400010b7900b100"
	"0800a100050220722401";
static const char RESET_RSP[] =
	"70001a0000010211000000000000000000000000000000000000000000000200a10004001700fe80b100"
	"0600a10085000000";
/* iti_openics_EIP-FirmwareChangeFailure.pcap frames 12, 13 (request cut to 60 data bytes) */
static const char FW_REQ[] =
	"6f005900000102120000000015740100489ae00000000000000000001400020000000000b20049004d02"
	"20a124010000000095950000000000000000000000000016001bff0096644800004d48000089436f7079"
	"726967687420286329203230303420416c6c656e2d427261646c657920";
static const char FW_RSP[] =
	"6f001a00000102120000000015740100489ae00000000000000000001400020000000000b2000a00cd00"
	"0000000000000200";
/* iti_openics_EIP-RebootorRestart.pcap frames 8, 10: Unconnected_Send(Get_Attributes_All
 * Identity) and its response */
static const char ID_REQ[] =
	"6f0024000001021100000000b39b02002008e10000000000000000002000020000000000b20014005202"
	"2006240107f9060001022001240101000100";
static const char ID_RSP[] =
	"6f0037000001021100000000b39b02002008e10000000000000000002000020000000000b20027008100"
	"000001000e003600101460303f82510014313735362d4c36312f42204c4f47495835353631";
/* same capture frames 21, 22: Forward_Open */
static const char FO_REQ[] =
	"6f0040000001021100000000c69b02002008e10000000000000000002000020000000000b20030005402"
	"2006240107f9140000801300fe8014004d00f32b95320000000000127a00f44300127a00f443a3030100"
	"20022401";
static const char FO_RSP[] =
	"6f002e000001021100000000c69b02002008e10000000000000000002000020000000000b2001e00d400"
	"0000010379001300fe8014004d00f32b953200127a0000127a000000";
/* same capture frame 280: Get_Attribute_List response with general status 5 */
static const char ERR_RSP[] =
	"70001c0000010211000000000000000000000000000000000000000000000200a10004001700fe80b100"
	"08005600830005010000";
/* ndpi_ethernetIP.pcap frame 37, 38: MSP of Read_Modify_Write_Tag on symbolic paths */
static const char RMW_REQ[] =
	"7000aa000001021000000000a3a893000000000000000000000000000a000200a100040001038b00b100"
	"960071ec0a022002240104000a00280046006a004e0c91164c4d535f44495341424c455f32445343414e"
	"4e455231010001ff4e0c91164c4d535f44495341424c455f32445343414e4e455232010001ff4e0f911b"
	"4c4d535f44495341424c455f424152434f44455f5343414e4e455200010000fe4e0f911b4c4d535f5345"
	"54504f494e544348414e47455f524543454956454400010000fe";
static const char RMW_RSP[] =
	"7000340000010210000000000000000000000000000000000000000000000200a1000400b5c70080b100"
	"200071ec8a00000004000a000e0012001600ce000000ce000000ce000000ce000000";
/* ndpi_cip_io.pcap frame 1: class 1 I/O datagram (UDP 2222) */
static const char IO_DGRAM[] = "020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff0000";
/* Get_Attribute_List (Identity attributes 1, 6, 7), connected, and its response */
static const char GAL_REQ[] =
	"7000240000000000000000000000000000000000000000000000000000000200a100040001000000b100"
	"100009000302200124010300010006000700";
static const char GAL_RSP[] =
	"7000320000000000000000000000000000000000000000000000000000000200a100040002000000b100"
	"1e000900830000000300010000000100060000003f82510007000000034c3631";
/* RegisterSession request, protocol version 1 */
static const char REG_REQ[] = "650004000000000000000000000000000000000000000000" "01000000";
/* SendRRData to the File object (class 0x37 instance 0xC8): Initiate_Download */
static const char FILE_REQ[] =
	"6f001c000001021100000000112233445566778800000000000000000a00020000000000b2000c004c02"
	"203724c8100000000100";

static struct dt T;

static int
req(const char *h)
{
	struct pdu p = hx(h);

	return dt_parse(&T, D, p.b, p.n, 0, 40000, 44818);
}

static int
rsp(const char *h)
{
	struct pdu p = hx(h);

	return dt_parse(&T, D, p.b, p.n, 1, 44818, 40000);
}

static void
check_op(const struct ots_ics_op *op, int is_rsp, uint8_t cls, uint32_t fc, const char *name)
{
	assert_int_equal(op->proto, OTS_PROTO_ENIP);
	assert_int_equal(op->is_response, is_rsp);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->function, fc);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->has_unit, 0);
	assert_int_equal(op->has_addr, 0);
}

static void
test_discovery_identity(void **s)
{
	(void)s;
	assert_true(D->state_size <= sizeof(T.state));
	dt_reset(&T);
	assert_int_equal(req(LI_REQ), OTS_OK);
	assert_int_equal(rsp(LI_RSP), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 0x63, "list_identity");
	check_op(&T.ops[1], 1, OTS_OP_DISCOVERY, 0x63, "list_identity");
	assert_int_equal(T.ops[1].has_exception, 0);
	assert_int_equal(T.n_facts, 7);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR_ID), "1");
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "Rockwell Automation/Allen-Bradley");
	assert_string_equal(dt_fact(&T, OTS_FACT_DEVICE_TYPE), "Communications Adapter");
	assert_string_equal(dt_fact(&T, OTS_FACT_PRODUCT_CODE), "58");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "4.3");
	assert_string_equal(dt_fact(&T, OTS_FACT_SERIAL), "0x00524d8e");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "1756-ENBT/A");
	assert_string_equal(T.facts[0].source, "ListIdentity");
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);
	assert_int_equal(T.facts[0].proto, OTS_PROTO_ENIP);
}

static void
test_identity_object(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(req(ID_REQ), OTS_OK);
	assert_int_equal(T.n_ops, 3);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x6f, "send_rr_data");
	assert_int_equal(T.ops[0].has_transaction, 1);
	assert_int_equal(T.ops[0].transaction, 0x00029bb3);
	check_op(&T.ops[1], 0, OTS_OP_OTHER, 0x52, "unconnected_send");
	check_op(&T.ops[2], 0, OTS_OP_IDENTITY, 0x01, "get_attributes_all");
	assert_int_equal(T.ops[2].transaction, 0x00029bb3);
	assert_int_equal(rsp(ID_RSP), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 5);
	check_op(&T.ops[3], 1, OTS_OP_OTHER, 0x6f, "send_rr_data");
	check_op(&T.ops[4], 1, OTS_OP_IDENTITY, 0x81, "get_attributes_all");
	assert_int_equal(T.n_facts, 7);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR_ID), "1");
	assert_string_equal(dt_fact(&T, OTS_FACT_DEVICE_TYPE), "Programmable Logic Controller");
	assert_string_equal(dt_fact(&T, OTS_FACT_PRODUCT_CODE), "54");
	assert_string_equal(dt_fact(&T, OTS_FACT_FIRMWARE), "16.20");
	assert_string_equal(dt_fact(&T, OTS_FACT_SERIAL), "0x0051823f");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "1756-L61/B LOGIX5561");
	assert_string_equal(T.facts[0].source, "CIP Identity");

	/* Get_Attribute_Single of attribute 7 (product name), connected */
	dt_reset(&T);
	assert_int_equal(req("70001e0000000000000000000000000000000000000000000000000000000200"
	                     "a100040001000000b1000a0005000e03200124013007"), OTS_OK);
	check_op(&T.ops[1], 0, OTS_OP_IDENTITY, 0x0e, "get_attribute_single");
	assert_int_equal(rsp("70001e0000000000000000000000000000000000000000000000000000000200"
	                     "a100040002000000b1000a0005008e000000034c3631"), OTS_OK);
	check_op(&T.ops[3], 1, OTS_OP_IDENTITY, 0x8e, "get_attribute_single");
	assert_int_equal(T.n_facts, 1);
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "L61");

	/* Get_Attribute_List of attributes 1, 6, 7 */
	dt_reset(&T);
	assert_int_equal(req(GAL_REQ), OTS_OK);
	check_op(&T.ops[1], 0, OTS_OP_IDENTITY, 0x03, "get_attribute_list");
	assert_int_equal(T.ops[0].has_transaction, 1);
	assert_int_equal(T.ops[0].transaction, 9);
	assert_int_equal(rsp(GAL_RSP), OTS_OK);
	check_op(&T.ops[3], 1, OTS_OP_IDENTITY, 0x83, "get_attribute_list");
	assert_int_equal(T.n_facts, 4);
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR_ID), "1");
	assert_string_equal(dt_fact(&T, OTS_FACT_VENDOR), "Rockwell Automation/Allen-Bradley");
	assert_string_equal(dt_fact(&T, OTS_FACT_SERIAL), "0x0051823f");
	assert_string_equal(dt_fact(&T, OTS_FACT_MODEL), "L61");
}

static void
test_read_write(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(req(SAS_REQ), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x70, "send_unit_data");
	check_op(&T.ops[1], 0, OTS_OP_WRITE, 0x10, "set_attribute_single");
	assert_int_equal(T.ops[1].has_transaction, 1);
	assert_int_equal(T.ops[1].transaction, 0x000d);

	/* MSP of 4 Read_Modify_Write_Tag on symbolic paths, response paired by sequence */
	dt_reset(&T);
	assert_int_equal(req(RMW_REQ), OTS_OK);
	assert_int_equal(rsp(RMW_RSP), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 12);
	check_op(&T.ops[1], 0, OTS_OP_OTHER, 0x0a, "multiple_service_packet");
	check_op(&T.ops[2], 0, OTS_OP_WRITE, 0x4e, "read_modify_write_tag");
	check_op(&T.ops[5], 0, OTS_OP_WRITE, 0x4e, "read_modify_write_tag");
	check_op(&T.ops[6], 1, OTS_OP_OTHER, 0x70, "send_unit_data");
	check_op(&T.ops[7], 1, OTS_OP_OTHER, 0x8a, "multiple_service_packet");
	check_op(&T.ops[8], 1, OTS_OP_WRITE, 0xce, "read_modify_write_tag");
	check_op(&T.ops[11], 1, OTS_OP_WRITE, 0xce, "read_modify_write_tag");
	assert_int_equal(T.ops[11].transaction, 0xec71);
	assert_int_equal(T.ops[11].has_exception, 0);
}

static void
test_msp(void **s)
{
	size_t i;

	(void)s;
	dt_reset(&T);
	assert_int_equal(req(MSP_REQ), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 13);
	check_op(&T.ops[1], 0, OTS_OP_OTHER, 0x0a, "multiple_service_packet");
	check_op(&T.ops[2], 0, OTS_OP_IDENTITY, 0x03, "get_attribute_list"); /* class 1 */
	for (i = 3; i < 13; i++)
		check_op(&T.ops[i], 0, OTS_OP_READ, 0x03, "get_attribute_list");

	dt_reset(&T);
	assert_int_equal(req(MSP2_REQ), OTS_OK);
	assert_int_equal(rsp(MSP2_RSP), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 22);
	check_op(&T.ops[12], 1, OTS_OP_OTHER, 0x8a, "multiple_service_packet");
	check_op(&T.ops[13], 1, OTS_OP_IDENTITY, 0x83, "get_attribute_list");
	check_op(&T.ops[14], 1, OTS_OP_READ, 0x83, "get_attribute_list");
}

static void
test_mode_change(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(req(START_REQ), OTS_OK);
	check_op(&T.ops[1], 0, OTS_OP_MODE_CHANGE, 0x06, "start");
	dt_reset(&T);
	assert_int_equal(req(STOP_REQ), OTS_OK);
	assert_int_equal(rsp(STOP_RSP), OTS_OK);
	assert_int_equal(T.n_ops, 4);
	check_op(&T.ops[1], 0, OTS_OP_MODE_CHANGE, 0x07, "stop");
	check_op(&T.ops[3], 1, OTS_OP_MODE_CHANGE, 0x87, "stop");
	assert_int_equal(T.ops[3].transaction, 0x28b0);
}

static void
test_restart(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(req(RESET_REQ), OTS_OK);
	assert_int_equal(rsp(RESET_RSP), OTS_OK);
	assert_int_equal(T.n_ops, 4);
	check_op(&T.ops[1], 0, OTS_OP_RESTART, 0x05, "reset");
	check_op(&T.ops[3], 1, OTS_OP_RESTART, 0x85, "reset");
}

static void
test_firmware(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(req(FW_REQ), OTS_OK);
	assert_int_equal(rsp(FW_RSP), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 4);
	check_op(&T.ops[1], 0, OTS_OP_FIRMWARE, 0x4d, "firmware_update");
	check_op(&T.ops[3], 1, OTS_OP_FIRMWARE, 0xcd, "firmware_update");
	assert_int_equal(T.ops[3].transaction, 0x00017415);
}

static void
test_file_other(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(req(FILE_REQ), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[1], 0, OTS_OP_FILE, 0x4c, "initiate_download");

	dt_reset(&T);
	assert_int_equal(req(FO_REQ), OTS_OK);
	assert_int_equal(rsp(FO_RSP), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(T.n_ops, 4);
	check_op(&T.ops[1], 0, OTS_OP_OTHER, 0x54, "forward_open");
	check_op(&T.ops[3], 1, OTS_OP_OTHER, 0xd4, "forward_open");

	dt_reset(&T);
	assert_int_equal(req(REG_REQ), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 0x65, "register_session");
	assert_int_equal(T.n_flags, 0);
}

static void
test_exception(void **s)
{
	(void)s;
	dt_reset(&T);
	assert_int_equal(rsp(ERR_RSP), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[1], 1, OTS_OP_READ, 0x83, "get_attribute_list");
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 5);
	/* encapsulation status on an UnRegisterSession reply; a 23-byte prefix is short */
	dt_reset(&T);
	assert_int_equal(rsp("6600000000000000640000000000000000000000000000"), OTS_ETRUNC);
	assert_int_equal(T.n_flags, 0);
	assert_int_equal(rsp("660000000000000064000000000000000000000000000000"), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_OTHER, 0x66, "unregister_session");
	assert_int_equal(T.ops[0].has_exception, 1);
	assert_int_equal(T.ops[0].exception, 0x64);
}

static void
test_io(void **s)
{
	struct ots_dissect_pkt pkt = { 0, 2222, 2222, 0 };
	struct pdu p = hx(IO_DGRAM);

	(void)s;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 2222, 2222), OTS_OK);
	assert_int_equal(T.n_ops, 0);
	assert_int_equal(T.n_flags, 0);
	assert_true(D->probe(p.b, p.n, &pkt) >= OTS_PROBE_MAYBE);
	p.b[14] = 0xb2; /* not connected data: not I/O */
	assert_int_equal(D->probe(p.b, p.n, &pkt), OTS_PROBE_NO);
}

/* Expect one malformed flag with reason why and OTS_EINVAL. */
static void
bad(const struct pdu *p, const char *why)
{
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p->b, p->n, 0, 40000, 44818), OTS_EINVAL);
	assert_int_equal(T.n_flags, 1);
	assert_int_equal(T.flags[0].flag, OTS_FLAG_MALFORMED);
	assert_string_equal(T.flags[0].what, why);
}

static void
test_malformed(void **s)
{
	struct pdu p;

	(void)s;
	p = hx(SAS_REQ);
	p.b[2] = 0x1d; /* claims one byte more */
	bad(&p, "short_pdu");
	p.b[2] = 0x1b;
	bad(&p, "length_mismatch");
	p = hx(SAS_REQ);
	p.b[0] = 0x71;
	bad(&p, "unknown_command");
	p = hx(SAS_REQ);
	p.b[20] = 1;
	bad(&p, "nonzero_options");
	p = hx(SAS_REQ);
	p.b[30] = 0x20; /* item count */
	bad(&p, "cpf_bad_count");
	p = hx(SAS_REQ);
	p.b[42] = 0x09; /* data item length one past the end */
	bad(&p, "cpf_bad_item_length");
	p = hx(SAS_REQ);
	p.b[42] = 0x07;
	bad(&p, "cpf_trailing");
	p = hx(SAS_REQ);
	p.b[42] = 0x01; /* connected data item shorter than its sequence count */
	p.n = 45;
	p.b[2] = (uint8_t)(p.n - 24);
	bad(&p, "cpf_short_connected");
	p = hx(SAS_REQ);
	p.b[47] = 0x03; /* path of 3 words: past the message */
	bad(&p, "cip_bad_path_size");
	p = hx(SAS_REQ);
	p.b[48] = 0x60; /* reserved segment type */
	bad(&p, "cip_bad_path");
	p = hx(MSP_REQ);
	p.b[52] = 0xff; /* 255 entries cannot fit */
	bad(&p, "msp_bad_count");
	p = hx(MSP_REQ);
	p.b[55] = 0xff; /* first offset 0xff18 */
	bad(&p, "msp_bad_offset");
	p = hx(ID_REQ);
	p.b[48] = 0x30; /* embedded message size */
	bad(&p, "ucsend_bad_length");
	p = hx(ID_REQ);
	p.b[56] = 0x05; /* route path words past the end */
	bad(&p, "ucsend_bad_route");
	p = hx(REG_REQ);
	p.b[2] = 5;
	p.b[p.n++] = 0;
	bad(&p, "register_bad_length");
	/* response without general status */
	p = hx("7000100000000000000000000000000000000000000000000000000000000100b100040005008300");
	bad(&p, "cip_short_response");
	/* identity response cut short */
	dt_reset(&T);
	assert_int_equal(req(ID_REQ), OTS_OK);
	p = hx(ID_RSP);
	p.b[2] = (uint8_t)(p.b[2] - 4);
	p.b[38] = (uint8_t)(p.b[38] - 4);
	p.n -= 4;
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 1, 44818, 40000), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "identity_short");
	/* ListIdentity item too short */
	p = hx(LI_RSP);
	p.b[2] = (uint8_t)(p.b[2] - 10);
	p.b[28] = (uint8_t)(p.b[28] - 10);
	p.n -= 10;
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 1, 44818, 40000), OTS_EINVAL);
	assert_string_equal(T.flags[0].what, "identity_short");
}

static void
sweep1(const char *h, int dir, size_t full_ops)
{
	struct pdu p = hx(h);

	assert_int_equal(dt_sweep(D, p.b, p.n, dir, dir ? 44818 : 40000, dir ? 40000 : 44818,
	                          full_ops), p.n);
}

static void
test_sweep(void **s)
{
	(void)s;
	sweep1(LI_REQ, 0, 1);
	sweep1(LI_RSP, 1, 1);
	sweep1(MSP_REQ, 0, 13);
	sweep1(MSP2_REQ, 0, 11);
	sweep1(MSP2_RSP, 1, 11);
	sweep1(SAS_REQ, 0, 2);
	sweep1(START_REQ, 0, 2);
	sweep1(STOP_REQ, 0, 2);
	sweep1(STOP_RSP, 1, 2);
	sweep1(RESET_REQ, 0, 2);
	sweep1(RESET_RSP, 1, 2);
	sweep1(FW_REQ, 0, 2);
	sweep1(FW_RSP, 1, 2);
	sweep1(ID_REQ, 0, 3);
	sweep1(ID_RSP, 1, 2);
	sweep1(FO_REQ, 0, 2);
	sweep1(FO_RSP, 1, 2);
	sweep1(ERR_RSP, 1, 2);
	sweep1(RMW_REQ, 0, 6);
	sweep1(RMW_RSP, 1, 6);
	sweep1(REG_REQ, 0, 1);
	sweep1(FILE_REQ, 0, 2);
	sweep1(GAL_REQ, 0, 2);
	sweep1(GAL_RSP, 1, 2);
	/* the I/O datagram is not framed: its prefixes are rejected, never over-reported */
	{
		struct pdu p = hx(IO_DGRAM);
		struct ots_dissect_pkt pkt = { 0, 2222, 2222, 0 };
		size_t k;

		for (k = 0; k < p.n; k++) {
			uint8_t *c = malloc(k ? k : 1);

			memcpy(c, p.b, k);
			dt_reset(&T);
			(void)D->probe(c, k, &pkt);
			(void)D->parse(T.state, c, k, &pkt, &T.out);
			assert_int_equal(T.n_ops, 0);
			free(c);
		}
	}
}

/* Counting sink for floods (the collector keeps at most DT_MAX ops). */
static size_t n_flood_ops;

static void
count_op(void *ctx, const struct ots_ics_op *op)
{
	(void)ctx;
	(void)op;
	n_flood_ops++;
}

static void
test_flood(void **s)
{
	static uint8_t buf[24 + 16 + 6 + 2 + 3000 * 8];
	struct ots_dissect_out out = { count_op, NULL, NULL, NULL };
	struct ots_dissect_pkt pkt = { 0, 40000, 44818, 0 };
	size_t n = 3000, off, i, msg;
	static uint8_t st[4096];
	struct pdu p;

	(void)s;
	/* one MSP of 3000 Get_Attribute_Single: 3000 + 2 ops, no state growth */
	memset(buf, 0, sizeof(buf));
	msg = 6 + 2 + n * 2 + n * 6;
	buf[0] = 0x6f;
	off = 24 + 6;
	buf[off] = 2;
	off += 2 + 4; /* null address item */
	buf[off] = 0xb2;
	buf[off + 2] = (uint8_t)msg;
	buf[off + 3] = (uint8_t)(msg >> 8);
	off += 4;
	buf[2] = (uint8_t)(off - 24 + msg);
	buf[3] = (uint8_t)((off - 24 + msg) >> 8);
	buf[off++] = 0x0a;
	buf[off++] = 0x02;
	buf[off++] = 0x20;
	buf[off++] = 0x02;
	buf[off++] = 0x24;
	buf[off++] = 0x01;
	{
		size_t base = off;

		buf[off++] = (uint8_t)n;
		buf[off++] = (uint8_t)(n >> 8);
		for (i = 0; i < n; i++) {
			size_t o = 2 + n * 2 + i * 6;

			buf[off++] = (uint8_t)o;
			buf[off++] = (uint8_t)(o >> 8);
		}
		for (i = 0; i < n; i++) {
			static const uint8_t gas[6] = { 0x0e, 0x02, 0x20, 0x01, 0x24, 0x01 };

			memcpy(buf + off, gas, 6);
			off += 6;
		}
		assert_int_equal(off - base, msg - 6);
	}
	assert_int_equal(off, sizeof(buf));
	memset(st, 0, sizeof(st));
	n_flood_ops = 0;
	assert_int_equal(D->pdu_len(buf, off), (long)off);
	assert_int_equal(D->parse(st, buf, off, &pkt, &out), OTS_OK);
	assert_int_equal(n_flood_ops, n + 2);

	/* 5000 unanswered requests with distinct sender contexts: the pending table stays bounded */
	p = hx(ID_REQ);
	n_flood_ops = 0;
	for (i = 0; i < 5000; i++) {
		p.b[12] = (uint8_t)i;
		p.b[13] = (uint8_t)(i >> 8);
		assert_int_equal(D->parse(st, p.b, p.n, &pkt, &out), OTS_OK);
	}
	assert_int_equal(n_flood_ops, 5000 * 3);
}

/* TCP: emulate the engine's framing over a byte stream cut into segments of size seg. */
static size_t
stream(const uint8_t *b, size_t n, size_t seg)
{
	static uint8_t acc[8192];
	size_t have = 0, fed = 0, pdus = 0;

	while (fed < n || have > 0) {
		size_t take = n - fed < seg ? n - fed : seg;
		long l;

		memcpy(acc + have, b + fed, take);
		have += take;
		fed += take;
		while ((l = D->pdu_len(acc, have)) > 0 && (size_t)l <= have) {
			assert_int_equal(dt_parse(&T, D, acc, (size_t)l, 0, 40000, 44818), OTS_OK);
			memmove(acc, acc + l, have - (size_t)l);
			have -= (size_t)l;
			pdus++;
		}
		assert_true(l >= 0);
		if (fed == n && have > 0 && l == 0)
			break;
	}
	return pdus;
}

static void
test_tcp_framing(void **s)
{
	/* ndpi_ethernetIP.pcap frame 3: several PDUs in one segment (start of it) */
	struct pdu a = hx(SAS_REQ), b = hx(MSP_REQ), c = hx(START_REQ);
	static uint8_t all[8192];
	size_t n = 0;

	(void)s;
	memcpy(all + n, a.b, a.n);
	n += a.n;
	memcpy(all + n, b.b, b.n);
	n += b.n;
	memcpy(all + n, c.b, c.n);
	n += c.n;
	/* all three in one segment */
	dt_reset(&T);
	assert_int_equal(stream(all, n, n), 3);
	assert_int_equal(T.n_ops, 2 + 13 + 2);
	check_op(&T.ops[16], 0, OTS_OP_MODE_CHANGE, 0x06, "start");
	/* split everywhere: 1, 7 and 23 byte segments */
	dt_reset(&T);
	assert_int_equal(stream(all, n, 1), 3);
	assert_int_equal(T.n_ops, 17);
	dt_reset(&T);
	assert_int_equal(stream(all, n, 7), 3);
	assert_int_equal(T.n_ops, 17);
	dt_reset(&T);
	assert_int_equal(stream(all, n, 23), 3);
	assert_int_equal(T.n_ops, 17);
	/* desynchronised stream */
	assert_int_equal(D->pdu_len((const uint8_t *)"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27), -1);
	assert_int_equal(D->pdu_len(a.b, 23), 0);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt odd = { 0, 40000, 5555, 0 };
	struct ots_dissect_pkt wk = { 0, 40000, 44818, 0 };
	struct ots_dissect_pkt wk_io = { 0, 2222, 2222, 0 };
	struct pdu p;
	uint8_t rnd[64];
	unsigned seed = 12345;
	int i, j;

	(void)s;
	p = hx(SAS_REQ);
	assert_true(D->probe(p.b, p.n, &odd) >= OTS_PROBE_MAYBE);
	assert_true(D->probe(p.b, p.n, &wk) > D->probe(p.b, p.n, &odd));
	p = hx(LI_REQ);
	assert_true(D->probe(p.b, p.n, &odd) >= OTS_PROBE_MAYBE);
	p = hx(LI_RSP);
	assert_true(D->probe(p.b, p.n, &odd) >= OTS_PROBE_MAYBE);
	p = hx(REG_REQ);
	assert_true(D->probe(p.b, p.n, &odd) >= OTS_PROBE_MAYBE);
	p.b[24] = 2; /* protocol version 2 */
	assert_int_equal(D->probe(p.b, p.n, &odd), OTS_PROBE_NO);
	p = hx(ID_RSP);
	assert_true(D->probe(p.b, p.n, &odd) >= OTS_PROBE_MAYBE);
	p.b[20] = 1; /* options */
	assert_int_equal(D->probe(p.b, p.n, &odd), OTS_PROBE_NO);
	/* a zeroed buffer looks like a NOP: never enough */
	memset(p.b, 0, 24);
	assert_true(D->probe(p.b, 24, &wk) < OTS_PROBE_MAYBE);
	/* random bytes on the well-known ports */
	for (i = 0; i < 1000; i++) {
		for (j = 0; j < (int)sizeof(rnd); j++) {
			seed = seed * 1103515245u + 12345u;
			rnd[j] = (uint8_t)(seed >> 16);
		}
		assert_true(D->probe(rnd, sizeof(rnd), &wk) < OTS_PROBE_MAYBE);
		assert_true(D->probe(rnd, 24 + (size_t)(i % 40), &wk_io) < OTS_PROBE_MAYBE);
	}
	assert_ptr_equal(ots_dissector_by_name("enip"), &ots_dissector_enip);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_identity),
		cmocka_unit_test(test_identity_object),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_msp),
		cmocka_unit_test(test_mode_change),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_firmware),
		cmocka_unit_test(test_file_other),
		cmocka_unit_test(test_exception),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_tcp_framing),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
