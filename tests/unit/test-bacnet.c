/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-bacnet.c: unit tests of the BACnet/IP dissector (protocols/bacnet.c).
 *
 * Samples are real datagrams of the shared captures (/work/shared/pcaps/bacnet, named in
 * comments) unless marked "crafted" (built from ASHRAE 135 clause 20/21 encodings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect-test.h"

extern const struct ots_dissector ots_dissector_bacnet;
#define D (&ots_dissector_bacnet)

struct pdu {
	uint8_t b[1600];
	size_t n;
};

static struct pdu
hx(const char *s)
{
	struct pdu p;
	unsigned v;

	p.n = 0;
	while (s[0] && s[1] && p.n < sizeof(p.b)) {
		if (sscanf(s, "%2x", &v) != 1)
			break;
		p.b[p.n++] = (uint8_t)v;
		s += 2;
	}
	return p;
}

/* BVLC original-unicast around an NPDU+APDU given in hex (crafted samples). */
static struct pdu
bvlc(uint8_t fn, const char *npdu_hex)
{
	struct pdu x = hx(npdu_hex), p;

	p.b[0] = 0x81;
	p.b[1] = fn;
	p.b[2] = (uint8_t)((x.n + 4) >> 8);
	p.b[3] = (uint8_t)(x.n + 4);
	memcpy(p.b + 4, x.b, x.n);
	p.n = x.n + 4;
	return p;
}

/* Real samples */
#define S_IAM "810b001401001000c4020000fe2204009100219a"           /* segmented f6 */
#define S_IHAVE "810b001d01001001c4020000fec405c0000475090103a489b793788251" /* seg f1 */
#define S_WHOHAS "810b000d010010072c05c00005"                     /* segmented f2 */
#define S_TIMESYNC "810b001201001006a476030602b41012301b"          /* segmented f9 */
#define S_SEGACK "810a000a0100405e0003"                           /* segmented f16 */
#define S_RPREQ_OL "810a0011010402345e0c0c020000fe194c"            /* segmented f14 */
#define S_WHOIS "810b00100120ffff00ff1008096f196f"                 /* ndpi f19 */
#define S_IAMROUTER "810b000d01a0ffff00ff010000"                   /* ndpi f22 */
#define S_NETNUM "810b000e01a0ffff00ff1300000b"                    /* ndpi f23 */
#define S_ERR "810b000d010050010c91009100"                         /* ndpi f18 */
#define S_RP_VID "810a001101040005010c0c023fffff1978"              /* iti f5 */
#define S_RP_VID_ACK "810a0014010030010c0c023fffff19783e21053f"    /* iti f6 */
#define S_RP_VNAME_ACK "810a001b010030010c0c023fffff19793e750704004a004300493f" /* iti f8 */
#define S_RP_FW "810a001101040005010c0c023fffff192c"               /* iti f9 */
#define S_RP_FW_ACK \
	"810a0029010030010c0c023fffff192c3e7515040035002e0031002e0030002e00340034003000303f"
#define S_RP_MODEL_ACK \
	"810a002d010030010c0c023fffff19463e751904004d0053002d004e004100450034003500310030002d00323f"
#define S_RP_NAME_ACK "810a0021010030010c0c023fffff194d3e750d04004b00420052004e004100453f"
#define S_READ_BDT "81020004"                                     /* iti f21 */
#define S_RESULT_NAK "810000060020"                               /* iti f22 */
#define S_REG_FD "810500060010"                                   /* iti f25 */
#define S_RPM_REQ \
	"810a002f01040003080e0c044000581e094b094d094f0955091c0920097b092609ae09360958096f096709" \
	"5109a81f"                                                  /* automayt SchedRPM f1 */
#define S_RPM_ACK \
	"810a0083010030080e0c044000581e294b4ec4044000584f294d4e74003132334f294f4e91114f29554e00" \
	"4f291c4e74003132334f29204ea4720101ffa4730101ff4f297b4e0e0f0e0f0e0f0e0f0e0f0e0f0e0f4f29" \
	"264e4f29ae4e004f29364e4f29584e210a4f296f4e8204004f29674e91004f29514e104f29a85e91029120" \
	"5f1f"                                                      /* automayt SchedRPM f2 */
/* icsnpp example f572/f573: reinitializeDevice with a password; its BVLC length (17) is
 * shorter than the datagram (25) as that capture has it */
#define S_REINIT "810a001101040005011409061d0b0044656c63617474793730"
#define S_REINIT_ERR "810a001101045001149105911a"

static struct dt T;

static int
to_srv(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 0, 47809, 47808);
}

static int
to_cli(const struct pdu *p)
{
	return dt_parse(&T, D, p->b, p->n, 1, 47808, 47809);
}

static void
check_op(const struct ots_ics_op *op, int rsp, uint8_t cls, uint32_t fc, const char *name)
{
	assert_int_equal(op->proto, OTS_PROTO_BACNET);
	assert_int_equal(op->is_response, rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
}

static void
check_unit(const struct ots_ics_op *op, uint32_t unit)
{
	assert_int_equal(op->has_unit, 1);
	assert_int_equal(op->unit, unit);
}

static void
check_addr(const struct ots_ics_op *op, uint32_t start, uint32_t count)
{
	assert_int_equal(op->has_addr, 1);
	assert_int_equal(op->addr_start, start);
	assert_int_equal(op->addr_count, count);
}

static int
has_flag(uint8_t flag, const char *what)
{
	size_t i;

	for (i = 0; i < T.n_flags; i++)
		if (T.flags[i].flag == flag && strcmp(T.flags[i].what, what) == 0)
			return 1;
	return 0;
}

static const char *
fact(uint8_t attr, const char *src)
{
	size_t i;

	for (i = 0; i < T.n_facts; i++)
		if (T.facts[i].attr == attr && (!src || strcmp(T.facts[i].source, src) == 0))
			return T.facts[i].value;
	return NULL;
}

/* ------------------------------------------------------------------ op classes */

static void
test_read(void **s)
{
	struct pdu q = hx(S_RP_VID), a = hx(S_RP_VID_ACK);

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(to_cli(&a), OTS_OK);
	assert_int_equal(T.n_ops, 2);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_READ, 12, "read_property");
	check_unit(&T.ops[0], 4194303);
	check_addr(&T.ops[0], (8u << 22) | 4194303, 1);
	assert_int_equal(T.ops[0].has_transaction, 1);
	assert_int_equal(T.ops[0].transaction, 1);
	check_op(&T.ops[1], 1, OTS_OP_READ, 12, "read_property");
	assert_int_equal(T.ops[1].transaction, 1);
	assert_int_equal(T.ops[1].has_exception, 0);

	/* ReadPropertyMultiple on schedule,88 with 16 references */
	q = hx(S_RPM_REQ);
	a = hx(S_RPM_ACK);
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(to_cli(&a), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_READ, 14, "read_property_multiple");
	check_addr(&T.ops[0], (17u << 22) | 88, 1);
	assert_int_equal(T.ops[0].has_unit, 0);
	assert_int_equal(T.ops[0].transaction, 8);
	check_op(&T.ops[1], 1, OTS_OP_READ, 14, "read_property_multiple");
	check_addr(&T.ops[1], (17u << 22) | 88, 1);
	assert_int_equal(T.n_facts, 0); /* not the device object: no identity */
}

static void
test_write(void **s)
{
	/* crafted: writeProperty analog-output,1 present-value 100.0 priority 8, SimpleACK */
	struct pdu q = bvlc(0x0a, "0104" "0005020f" "0c00400001" "1955" "3e4442c800003f" "4908");
	struct pdu a = bvlc(0x0a, "0100" "20020f");

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(to_cli(&a), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 15, "write_property");
	check_addr(&T.ops[0], (1u << 22) | 1, 1);
	assert_int_equal(T.ops[0].transaction, 2);
	check_op(&T.ops[1], 1, OTS_OP_WRITE, 15, "write_property");
	assert_int_equal(T.ops[1].transaction, 2);

	/* crafted: writeGroup (unconfirmed 10) */
	q = bvlc(0x0b, "0100" "100a" "0901");
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_WRITE, 0x10a, "write_group");
	assert_int_equal(T.ops[0].has_transaction, 0);
}

static void
test_control(void **s)
{
	/* crafted: lifeSafetyOperation [0] process 1, [1] "ops", [2] request 1 */
	struct pdu q = bvlc(0x0a, "0104" "0005041b" "0901" "1d0400" "6f7073" "2901");

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_CONTROL, 27, "life_safety_operation");
}

static void
test_mode_change_password(void **s)
{
	/* crafted: deviceCommunicationControl [1] disable, [2] password "secret" */
	struct pdu q = bvlc(0x0a, "0104" "00050711" "1901" "2d0700736563726574");
	struct pdu a = bvlc(0x0a, "0100" "200711");

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(to_cli(&a), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_MODE_CHANGE, 17, "device_communication_control");
	check_op(&T.ops[1], 1, OTS_OP_MODE_CHANGE, 17, "device_communication_control");
	assert_int_equal(T.n_flags, 1);
	assert_true(has_flag(OTS_FLAG_CLEARTEXT_CREDENTIAL, "dcc_password"));

	/* without the password: no flag */
	q = bvlc(0x0a, "0104" "00050711" "1901");
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(T.n_flags, 0);
}

static void
test_restart_password_error(void **s)
{
	struct pdu q = hx(S_REINIT), a = hx(S_REINIT_ERR);

	(void)s;
	dt_reset(&T);
	/* the capture's short BVLC length is flagged, the datagram still decoded */
	assert_int_equal(dt_parse(&T, D, q.b, q.n, 0, 47808, 47808), OTS_EINVAL);
	assert_int_equal(dt_parse(&T, D, a.b, a.n, 1, 47808, 47808), OTS_EINVAL);
	assert_int_equal(T.n_ops, 2);
	check_op(&T.ops[0], 0, OTS_OP_RESTART, 20, "reinitialize_device");
	assert_int_equal(T.ops[0].transaction, 1);
	check_op(&T.ops[1], 1, OTS_OP_RESTART, 20, "reinitialize_device");
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, (5u << 16) | 26); /* services, password-failure */
	assert_true(has_flag(OTS_FLAG_CLEARTEXT_CREDENTIAL, "reinit_password"));
	assert_true(has_flag(OTS_FLAG_MALFORMED, "bvlc_length_mismatch"));
	assert_int_equal(T.n_flags, 3);

	/* crafted, well-formed: reinit warmstart, no password, SimpleACK */
	q = bvlc(0x0a, "0104" "00050914" "0901");
	a = bvlc(0x0a, "0100" "200914");
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(to_cli(&a), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[1], 1, OTS_OP_RESTART, 20, "reinitialize_device");
}

static void
test_file(void **s)
{
	/* crafted: atomicReadFile file,1 stream access start 0 count 64 */
	struct pdu q = bvlc(0x0a, "0104" "00050a06" "c402800001" "0e" "3100" "2140" "0f");

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_FILE, 6, "atomic_read_file");
	check_addr(&T.ops[0], (10u << 22) | 1, 1);
}

static void
test_time_sync(void **s)
{
	struct pdu q = hx(S_TIMESYNC);

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_TIME_SYNC, 0x106, "time_synchronization");
	q = bvlc(0x0b, "0100" "1009" "a476030602" "b41012301b");
	dt_reset(&T);
	(void)to_srv(&q);
	check_op(&T.ops[0], 0, OTS_OP_TIME_SYNC, 0x109, "utc_time_synchronization");
}

static void
test_auth(void **s)
{
	/* crafted: authenticate (24) with a pseudo random number */
	struct pdu q = bvlc(0x0a, "0104" "00050b18" "0901");

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_AUTH, 24, "authenticate");
}

static void
test_discovery(void **s)
{
	struct pdu q = hx(S_WHOIS);

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 0x108, "who_is");
	check_addr(&T.ops[0], 111, 1);

	q = hx(S_WHOHAS);
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 0x107, "who_has");

	/* network layer: I-Am-Router-To-Network, Network-Number-Is (routed to DNET 0xffff) */
	q = hx(S_IAMROUTER);
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_DISCOVERY, 0x201, "i_am_router_to_network");
	q = hx(S_NETNUM);
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_DISCOVERY, 0x213, "network_number_is");
}

static void
test_event(void **s)
{
	/* crafted: unconfirmedCOVNotification process 1 from device,77 about analog-input,2 */
	struct pdu q = bvlc(0x0b, "0100" "1002" "0901" "1c0200004d" "2c00000002" "3900"
	                          "4e" "0955" "2e44000000002f" "4f");

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_EVENT, 0x102, "unconfirmed_cov_notification");
	check_unit(&T.ops[0], 77);

	/* confirmedEventNotification answered by a SimpleACK */
	q = bvlc(0x0a, "0104" "00050c02" "0901");
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_EVENT, 2, "confirmed_event_notification");
}

static void
test_other_bvlc_reject_abort(void **s)
{
	struct pdu q;

	(void)s;
	q = hx(S_READ_BDT);
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_READ, 0x302, "read_broadcast_distribution_table");
	q = hx(S_RESULT_NAK);
	assert_int_equal(to_cli(&q), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_OTHER, 0x300, "bvlc_result");
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 0x20);
	q = hx(S_REG_FD);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[2], 0, OTS_OP_OTHER, 0x305, "register_foreign_device");

	/* confirmedPrivateTransfer rejected, then an abort of a readProperty */
	dt_reset(&T);
	q = bvlc(0x0a, "0104" "00050512" "0901");
	assert_int_equal(to_srv(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 18, "confirmed_private_transfer");
	q = bvlc(0x0a, "0100" "600502");
	assert_int_equal(to_cli(&q), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_OTHER, 0x406, "reject");
	assert_int_equal(T.ops[1].exception, 2);
	q = hx(S_RP_FW);
	assert_int_equal(to_srv(&q), OTS_OK);
	q = bvlc(0x0a, "0100" "710104");
	assert_int_equal(to_cli(&q), OTS_OK);
	check_op(&T.ops[3], 1, OTS_OP_READ, 0x407, "abort");
	check_unit(&T.ops[3], 4194303);
	assert_int_equal(T.ops[3].exception, 4);
}

static void
test_error_pairing(void **s)
{
	/* ndpi f18: Error for readProperty invoke 1: class device (0), code other (0) */
	struct pdu q = hx(S_RP_FW), a = hx(S_ERR);

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	assert_int_equal(to_cli(&a), OTS_OK);
	check_op(&T.ops[1], 1, OTS_OP_READ, 12, "read_property");
	assert_int_equal(T.ops[1].has_exception, 1);
	assert_int_equal(T.ops[1].exception, 0);
	check_unit(&T.ops[1], 4194303);
}

static void
test_segments(void **s)
{
	/* segmented f14 request then a client segment ACK (SRV bit clear) */
	struct pdu q = hx(S_RPREQ_OL), a = hx(S_SEGACK);

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_srv(&q), OTS_OK);
	check_unit(&T.ops[0], 254);
	check_op(&T.ops[0], 0, OTS_OP_READ, 12, "read_property");
	assert_int_equal(T.ops[0].transaction, 0x5e);
	assert_int_equal(to_srv(&a), OTS_OK);
	check_op(&T.ops[1], 0, OTS_OP_READ, 0x404, "segment_ack");
	assert_int_equal(T.ops[1].transaction, 0x5e);

	/* crafted: first segment (seq 0, more follows) of a ComplexACK cut inside its value */
	q = bvlc(0x0a, "0100" "3c5e0003" "0c" "0c020000fe" "194c" "3e" "c402c000de" "c402c0");
	assert_int_equal(to_cli(&q), OTS_OK);
	check_op(&T.ops[2], 1, OTS_OP_READ, 12, "read_property");
	check_unit(&T.ops[2], 254);
	assert_int_equal(T.n_flags, 0);
	/* the same cut in an unsegmented ACK is short */
	q = bvlc(0x0a, "0100" "305e" "0c" "0c020000fe" "194c" "3e" "c402c000de" "c402c0");
	assert_int_equal(to_cli(&q), OTS_EINVAL);
	assert_true(has_flag(OTS_FLAG_MALFORMED, "short_service_data"));
}

/* ------------------------------------------------------------------ identity */

static void
test_identity_iam(void **s)
{
	struct pdu q = hx(S_IAM);

	(void)s;
	dt_reset(&T);
	assert_int_equal(to_cli(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_IDENTITY, 0x100, "i_am");
	check_unit(&T.ops[0], 254);
	assert_string_equal(fact(OTS_FACT_VENDOR_ID, "I-Am"), "154");
	assert_null(fact(OTS_FACT_VENDOR, NULL)); /* 154 is not in the table */
	assert_int_equal(T.facts[0].side, OTS_SIDE_SENDER);

	/* vendor 8 -> Delta Controls (crafted I-Am of device 1234) */
	q = bvlc(0x0b, "0100" "1000" "c4020004d2" "2205c4" "9103" "2108");
	dt_reset(&T);
	assert_int_equal(to_cli(&q), OTS_OK);
	check_unit(&T.ops[0], 1234);
	assert_string_equal(fact(OTS_FACT_VENDOR_ID, NULL), "8");
	assert_string_equal(fact(OTS_FACT_VENDOR, NULL), "Delta Controls");

	/* the same I-Am routed from network 5 (SNET): the IP sender is the router, no facts */
	q = bvlc(0x0b, "0108" "00050104" "1000" "c4020004d2" "2205c4" "9103" "2108");
	dt_reset(&T);
	assert_int_equal(to_cli(&q), OTS_OK);
	check_unit(&T.ops[0], 1234);
	assert_int_equal(T.n_facts, 0);

	q = hx(S_IHAVE);
	dt_reset(&T);
	assert_int_equal(to_cli(&q), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_IDENTITY, 0x101, "i_have");
	check_unit(&T.ops[0], 254);
}

static void
test_identity_read_property(void **s)
{
	struct pdu p;

	(void)s;
	dt_reset(&T);
	p = hx(S_RP_VID_ACK);
	assert_int_equal(to_cli(&p), OTS_OK);
	p = hx(S_RP_VNAME_ACK);
	assert_int_equal(to_cli(&p), OTS_OK);
	p = hx(S_RP_FW_ACK);
	assert_int_equal(to_cli(&p), OTS_OK);
	p = hx(S_RP_MODEL_ACK);
	assert_int_equal(to_cli(&p), OTS_OK);
	p = hx(S_RP_NAME_ACK);
	assert_int_equal(to_cli(&p), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	assert_string_equal(fact(OTS_FACT_VENDOR_ID, "ReadProperty"), "5");
	assert_string_equal(fact(OTS_FACT_VENDOR, NULL), "Johnson Controls, Inc.");
	assert_string_equal(T.facts[2].value, "JCI"); /* vendor-name, UCS-2 */
	assert_int_equal(T.facts[2].attr, OTS_FACT_VENDOR);
	assert_string_equal(fact(OTS_FACT_FIRMWARE, "ReadProperty"), "5.1.0.4400");
	assert_string_equal(fact(OTS_FACT_MODEL, NULL), "MS-NAE4510-2");
	assert_string_equal(fact(OTS_FACT_NAME, NULL), "KBRNAE");
	assert_int_equal(T.n_facts, 6);

	/* crafted RPM ACK on device,9: model-name "X1" (UTF-8), application-software-version
	 * "2.0", description "AHU" (ISO 8859-1), a property error in between */
	p = bvlc(0x0a, "0100" "30070e" "0c02000009" "1e"
	               "2946" "4e" "7503005831" "4f"
	               "2978" "5e" "9102" "9120" "5f"
	               "290c" "4e" "750400322e30" "4f"
	               "291c" "4e" "7504054148" "55" "4f"
	               "1f");
	dt_reset(&T);
	assert_int_equal(to_cli(&p), OTS_OK);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 1, OTS_OP_READ, 14, "read_property_multiple");
	check_unit(&T.ops[0], 9);
	assert_string_equal(fact(OTS_FACT_MODEL, "ReadPropertyMultiple"), "X1");
	assert_string_equal(fact(OTS_FACT_SW_VERSION, NULL), "2.0");
	assert_string_equal(fact(OTS_FACT_DESCRIPTION, NULL), "AHU");
	assert_int_equal(T.n_facts, 3);

	/* a learned device instance names later ops of that side */
	p = bvlc(0x0a, "0104" "00050712" "0901");
	assert_int_equal(to_srv(&p), OTS_OK);
	check_unit(&T.ops[1], 9);
}

/* ------------------------------------------------------------------ malformed */

static void
expect_bad(const struct pdu *p, const char *why)
{
	dt_reset(&T);
	assert_int_equal(to_srv(p), OTS_EINVAL);
	assert_true(has_flag(OTS_FLAG_MALFORMED, why));
}

static void
test_malformed(void **s)
{
	struct pdu p;

	(void)s;
	p = hx("820a0006010010");
	expect_bad(&p, "bad_bvlc_type");
	p = hx("810d00060100");
	expect_bad(&p, "bad_bvlc_function");
	p = hx("810a0003");
	expect_bad(&p, "bad_bvlc_length");
	p = hx("810a00");
	expect_bad(&p, "short_bvlc");
	p = hx("810a00ff01001008");
	expect_bad(&p, "bvlc_length_mismatch");
	assert_int_equal(T.n_ops, 1); /* still decoded */
	p = bvlc(0x0a, "02001008");
	expect_bad(&p, "bad_npdu_version");
	p = bvlc(0x0a, "01401008");
	expect_bad(&p, "npdu_reserved_bits");
	p = bvlc(0x0a, "0108000100" "1008");
	expect_bad(&p, "bad_slen");
	p = bvlc(0x0a, "012000");
	expect_bad(&p, "short_npdu");
	p = bvlc(0x0a, "010080");
	expect_bad(&p, "bad_apdu_type");
	p = bvlc(0x0a, "010000");
	expect_bad(&p, "short_apdu");
	p = bvlc(0x0a, "0104" "0005010c" "2c023fffff" "194b");   /* objid with the wrong tag */
	expect_bad(&p, "bad_service_data");
	p = bvlc(0x0a, "0104" "0005010c" "0c023f");              /* cut object identifier */
	expect_bad(&p, "short_service_data");
	p = bvlc(0x0a, "0100" "1000" "c4020004d2" "2205c4");     /* I-Am without its vendor */
	expect_bad(&p, "short_service_data");
	p = bvlc(0x0a, "0100" "1000" "c4004004d2" "2205c4" "9103" "2108"); /* I-Am, no device */
	expect_bad(&p, "bad_service_data");
	p = bvlc(0x0a, "0100" "1008" "0964" "1901");             /* who-Is high < low */
	expect_bad(&p, "bad_service_data");
	p = bvlc(0x0a, "0100" "20010c");                         /* SimpleACK for readProperty */
	expect_bad(&p, "simple_ack_for_complex_service");
	p = bvlc(0x0a, "0100" "30010f");                         /* ComplexACK for writeProperty */
	expect_bad(&p, "complex_ack_for_simple_service");
	p = bvlc(0x0a, "0100" "30010c" "0c023fffff" "194b" "3e" "c6");  /* app tag lvt 6 */
	expect_bad(&p, "bad_service_data");
	p = bvlc(0x0a, "0100" "30010c" "0c023fffff" "194b" "3e" "c402"); /* value cut */
	expect_bad(&p, "short_service_data");
	p = bvlc(0x0a, "0100" "30010c" "0c023fffff" "194b" "3e" "21054f"); /* wrong close */
	expect_bad(&p, "bad_service_data");
	p = bvlc(0x0a, "0100" "50010c" "91");                    /* Error cut */
	expect_bad(&p, "short_service_data");
	p = hx("8100000700200a");                                /* result with 3 bytes */
	expect_bad(&p, "bad_bvlc_body");
}

/* ------------------------------------------------------------------ sweep, flood, probe */

static void
test_sweep(void **s)
{
	static const char *const full[] = {
		S_IAM, S_IHAVE, S_WHOHAS, S_TIMESYNC, S_SEGACK, S_RPREQ_OL, S_WHOIS, S_IAMROUTER,
		S_NETNUM, S_ERR, S_RP_VID, S_RP_VID_ACK, S_RP_VNAME_ACK, S_RP_FW, S_RP_FW_ACK,
		S_RP_MODEL_ACK, S_RP_NAME_ACK, S_READ_BDT, S_RESULT_NAK, S_REG_FD, S_RPM_REQ,
		S_RPM_ACK,
	};
	static const char *const crafted[] = {
		"0104" "0005020f" "0c00400001" "1955" "3e4442c800003f" "4908",
		"0100" "20020f",
		"0100" "100a" "0901",
		"0104" "0005041b" "0901" "1d0400" "6f7073" "2901",
		"0104" "00050711" "1901" "2d0700736563726574",
		"0104" "00050a06" "c402800001" "0e" "3100" "2140" "0f",
		"0100" "1002" "0901" "1c0200004d" "2c00000002" "3900" "4e" "0955"
		"2e44000000002f" "4f",
		"0100" "600502",
		"0100" "710104",
		"0100" "3c5e0003" "0c" "0c020000fe" "194c" "3e" "c402c000de" "c402c0",
		"0100" "30070e" "0c02000009" "1e" "2946" "4e" "7503005831" "4f" "2978" "5e" "9102"
		"9120" "5f" "290c" "4e" "750400322e30" "4f" "291c" "4e" "7504054148" "55" "4f" "1f",
	};
	static const char *const badlen[] = { S_REINIT, S_REINIT_ERR };
	struct pdu p;
	size_t i, r;

	(void)s;
	/* the BVLC length must equal the datagram: every strict prefix is rejected */
	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		p = hx(full[i]);
		r = dt_sweep(D, p.b, p.n, 0, 47809, 47808, 1);
		assert_int_equal(r, p.n);
	}
	for (i = 0; i < sizeof(crafted) / sizeof(crafted[0]); i++) {
		p = bvlc(0x0a, crafted[i]);
		r = dt_sweep(D, p.b, p.n, 1, 47808, 47809, 1);
		assert_int_equal(r, p.n);
	}
	for (i = 0; i < sizeof(badlen) / sizeof(badlen[0]); i++) {
		p = hx(badlen[i]);
		r = dt_sweep(D, p.b, p.n, 0, 47808, 47808, 1);
		assert_int_equal(r, p.n);
	}
}

static void
test_flood(void **s)
{
	struct pdu p;
	size_t i, n;

	(void)s;
	/* 5000 unanswered requests: pairing state stays bounded (16 slots); an answer to an
	 * evicted invoke id gets no paired class, a recent one does */
	dt_reset(&T);
	for (i = 0; i < 5000; i++) {
		p = bvlc(0x0a, "0104" "0005000f" "0c00400001" "1955" "3e4442c800003f");
		p.b[8] = (uint8_t)i;
		T.n_ops = 0;
		assert_int_equal(to_srv(&p), OTS_OK);
	}
	T.n_ops = 0;
	p = bvlc(0x0a, "0100" "607002"); /* invoke 0x70 (i = 4976): evicted */
	assert_int_equal(to_cli(&p), OTS_OK);
	assert_int_equal(T.ops[0].op_class, OTS_OP_OTHER);
	p = bvlc(0x0a, "0100" "608502"); /* i = 4997 -> invoke 0x85: still pending */
	assert_int_equal(to_cli(&p), OTS_OK);
	assert_int_equal(T.ops[1].op_class, OTS_OP_WRITE);

	/* one ReadPropertyMultiple naming 160 objects (a full 1476-byte APDU): one op */
	memset(&p, 0, sizeof(p));
	p.b[0] = 0x81;
	p.b[1] = 0x0a;
	memcpy(p.b + 4, "\x01\x04\x00\x05\x01\x0e", 6);
	n = 10;
	for (i = 0; i < 160; i++) {
		memcpy(p.b + n, "\x0c\x00\x00\x00\x00\x1e\x09\x55\x1f", 9);
		p.b[n + 4] = (uint8_t)i;
		n += 9;
	}
	p.b[2] = (uint8_t)(n >> 8);
	p.b[3] = (uint8_t)n;
	p.n = n;
	dt_reset(&T);
	assert_int_equal(to_srv(&p), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	check_addr(&T.ops[0], 0, 160);

	/* a deeply nested value is refused, not recursed */
	n = 0;
	memcpy(p.b, "\x81\x0a\x00\x00\x01\x00\x30\x01\x0c\x0c\x02\x00\x00\x01\x19\x4b\x3e", 17);
	n = 17;
	for (i = 0; i < 600; i++)
		p.b[n++] = 0x0e;
	for (i = 0; i < 600; i++)
		p.b[n++] = 0x0f;
	p.b[n++] = 0x3f;
	p.b[2] = (uint8_t)(n >> 8);
	p.b[3] = (uint8_t)n;
	p.n = n;
	expect_bad(&p, "bad_service_data");
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt std = { 0, 40000, 47808, 0 }, odd = { 0, 40000, 47809, 0 },
	                       any = { 0, 40000, 12345, 0 };
	struct pdu p = hx(S_RP_VID);
	uint8_t buf[64];
	size_t i, k;

	(void)s;
	assert_int_equal(D->probe(p.b, p.n, &std), OTS_PROBE_SURE);
	assert_int_equal(D->probe(p.b, p.n, &odd), OTS_PROBE_SURE);
	assert_int_equal(D->probe(p.b, p.n, &any), OTS_PROBE_SURE);
	p = hx(S_REG_FD);
	assert_int_equal(D->probe(p.b, p.n, &any), 80);
	p = hx(S_REINIT); /* short BVLC length: structure only */
	assert_int_equal(D->probe(p.b, p.n, &any), OTS_PROBE_MAYBE);
	assert_int_equal(D->probe(p.b, p.n, &std), 70);
	p = hx("810a000a0100900000");
	assert_int_equal(D->probe(p.b, 9, &std), OTS_PROBE_NO); /* APDU type 9 */

	srand(47808);
	for (i = 0; i < 1000; i++) {
		for (k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)rand();
		assert_true(D->probe(buf, 8 + (size_t)(rand() % 56), &std) < OTS_PROBE_MAYBE);
	}
	/* random bytes behind a BVLC header are still rejected unless the NPDU fits */
	for (i = 0; i < 1000; i++) {
		for (k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)rand();
		buf[0] = 0x81;
		buf[1] = 0x0a;
		buf[2] = 0;
		buf[3] = 40;
		if (buf[4] == 1 && !(buf[5] & 0x50))
			continue;
		assert_true(D->probe(buf, 40, &std) < OTS_PROBE_MAYBE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_mode_change_password),
		cmocka_unit_test(test_restart_password_error),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_time_sync),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_other_bvlc_reject_abort),
		cmocka_unit_test(test_error_pairing),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_identity_iam),
		cmocka_unit_test(test_identity_read_property),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
