/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test-dhcp.c: unit tests of the DHCP/BOOTP dissector (protocols/dhcp.c).
 *
 * The DHCP truth of the shared captures sits under the truth files' "it" key, which the
 * accuracy harness (tests/ics-accuracy.py reads "ics" only) cannot score; the three tshark
 * comparisons below replay every DHCP datagram of those captures (real bytes) and assert
 * tshark's values: message type counts per client, hostname, requested/assigned address,
 * vendor class.
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

extern const struct ots_dissector ots_dissector_dhcp;
#define D (&ots_dissector_dhcp)

struct sample {
	uint16_t sport; /* 67 server, 68 client */
	const char *hex;
};

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

/* it_services/zeek_dhcp.pcap, frames 1-9 */
static const struct sample zeek[] = {
	{ 68,
	  "01010600000007c0000000000000000000000000000000000000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501013204c0a8d3c20c0d62746573742e69732e636f6f6cff" },
	{ 67,
	  "02010600000007c0000000000000000080020661ac13e6070000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501023604800206983304000003840104ffffff0003048002060106088002010b8002010a0408800201148002011543"
	  "0d6e6574776f726b2d636f6e66671c04800206ff2a0c8002011480020115800201162b0b3137322e31382e362e33373c"
	  "07417275626141502c088002681d8002681e2e01020f07636d752e656475ff" },
	{ 68,
	  "01010600000007c0000000000000000000000000000000000000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501033604800206983204c0a8d3c20c0d62746573742e69732e636f6f6cff" },
	{ 67,
	  "02010600000007c0000080000000000000000000800206980000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "350106360480020698381f7265717565737465642061646472657373206e6f7420617661696c61626c65ff0000000000"
	  "000000000000000000000000" },
	{ 68,
	  "01010600000007c0000000000000000000000000000000000000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501033204800206bd0c0d62746573742e69732e636f6f6cff" },
	{ 67,
	  "02010600000007c00000000000000000800206bdac13e6070000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501053604800206983304000003840104ffffff0003048002060106088002010b8002010a0408800201148002011543"
	  "0d6e6574776f726b2d636f6e66671c04800206ff2a0c8002011480020115800201162b0b3137322e31382e362e33373c"
	  "07417275626141502c088002681d8002681e2e01020f07636d752e656475ff" },
	{ 68,
	  "01010600000007c0000000000000000000000000000000000000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "350104ff" },
	{ 68,
	  "010106000000079c000000000000000000000000000000000000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "350107ff" },
	{ 68,
	  "01010600000007c4000000000000000000000000000000000000000090b11c9949290000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501083304012ec3c03204800206bd0c0d62746573742e69732e636f6f6cff" },
};
/* it_services/suricata_dhcp-eve-extended.pcap, frames 1-2 */
static const struct sample suricata[] = {
	{ 68,
	  "01010600ef645744000000000a1001040000000000000000000000000011321749f00000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "3501030c056e617331003707011c02030f060c3d07010011321749f0ff00000000000000000000000000000000000000"
	  "000000000000000000000000" },
	{ 67,
	  "02010600ef645744000000000a1001040a1001040a100101000000000011321749f00000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363"
	  "35010536040a100101330400000e103a04000006913b0400000bd70104ffff00001c040a10ffff06040a1001010f0775"
	  "6e782e6361000c056e6173310003040a100101ff" },
};
/* malformed/ndpi_dhcp-fuzz.pcapng, frame 1 */
static const struct sample fuzz[] = {
	{ 68,
	  "01010600c979b96000000000c0a80168000000000000000000000000001f29da2d790000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000d70000000000005300000000000000000000000000000000000000000000000000000000000000"
	  "000000000000000000000000000000000000000000000000000000000000000000650000000000000000000063825363"
	  "35016a3d0701001f29da2d790c074d4b30333836323c314d53465420352e30370c010f03062c2e2f1f21f92bfc2b03dc"
	  "0100ff000000002500000000" },
};

static struct dt T;

/* A client (op 1) or server (op 2) message: fixed header, cookie, then options (crafted). */
static struct pdu
mk(uint8_t op, uint32_t yiaddr, uint32_t giaddr, uint16_t flags, const char *opts_hex)
{
	struct pdu p, o = hx(opts_hex);

	memset(&p, 0, sizeof(p));
	p.b[0] = op;
	p.b[1] = 1;
	p.b[2] = 6;
	p.b[4] = 0xde;
	p.b[5] = 0xad;
	p.b[6] = 0xbe;
	p.b[7] = 0xef;
	p.b[10] = (uint8_t)(flags >> 8);
	p.b[11] = (uint8_t)flags;
	p.b[16] = (uint8_t)(yiaddr >> 24);
	p.b[17] = (uint8_t)(yiaddr >> 16);
	p.b[18] = (uint8_t)(yiaddr >> 8);
	p.b[19] = (uint8_t)yiaddr;
	p.b[24] = (uint8_t)(giaddr >> 24);
	p.b[25] = (uint8_t)(giaddr >> 16);
	p.b[26] = (uint8_t)(giaddr >> 8);
	p.b[27] = (uint8_t)giaddr;
	memcpy(p.b + 28, "\x00\x11\x22\x33\x44\x55", 6);
	memcpy(p.b + 236, "\x63\x82\x53\x63", 4);
	memcpy(p.b + 240, o.b, o.n);
	p.n = 240 + o.n;
	return p;
}

static int
send(const struct pdu *p)
{
	int srv = p->b[0] == 2;

	return dt_parse(&T, D, p->b, p->n, srv, srv ? 67 : 68, srv ? 68 : 67);
}

static int
replay(const struct sample *s, size_t n)
{
	size_t i;
	int bad = 0;

	dt_reset(&T);
	for (i = 0; i < n; i++) {
		struct pdu p = hx(s[i].hex);

		if (dt_parse(&T, D, p.b, p.n, s[i].sport == 67, s[i].sport,
		             s[i].sport == 67 ? 68 : 67) != OTS_OK)
			bad++;
	}
	return bad;
}

static size_t
count_type(uint32_t type)
{
	size_t i, n = 0;

	for (i = 0; i < T.n_ops; i++)
		if (T.ops[i].function == type)
			n++;
	return n;
}

static const struct dt_fact *
fact(uint8_t attr)
{
	size_t i;

	for (i = 0; i < T.n_facts; i++)
		if (T.facts[i].attr == attr)
			return &T.facts[i];
	return NULL;
}

static int
has_flag(const char *what)
{
	size_t i;

	for (i = 0; i < T.n_flags; i++)
		if (T.flags[i].flag == OTS_FLAG_MALFORMED && strcmp(T.flags[i].what, what) == 0)
			return 1;
	return 0;
}

static void
check_op(const struct ots_ics_op *op, int rsp, uint8_t cls, uint32_t fc, const char *name)
{
	assert_int_equal(op->proto, OTS_PROTO_DHCP);
	assert_int_equal(op->is_response, rsp);
	assert_int_equal(op->op_class, cls);
	assert_int_equal(op->function, fc);
	assert_string_equal(op->function_name, name);
	assert_int_equal(op->has_unit, 0);
}

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

/* ------------------------------------------------------------------ tshark comparisons */

static void
test_tshark_zeek(void **s)
{
	const struct dt_fact *f;

	(void)s;
	/* tshark: client 90:b1:1c:99:49:29 messages {1:1,2:1,3:2,4:1,5:1,6:1,7:1,8:1},
	 * hostname btest.is.cool, requested_ip 128.2.6.189, vendor_class ArubaAP,
	 * assigned_ip 128.2.6.189 */
	assert_int_equal(replay(zeek, sizeof(zeek) / sizeof(zeek[0])), 0);
	assert_int_equal(T.n_ops, 9);
	assert_int_equal(count_type(1), 1);
	assert_int_equal(count_type(2), 1);
	assert_int_equal(count_type(3), 2);
	assert_int_equal(count_type(4), 1);
	assert_int_equal(count_type(5), 1);
	assert_int_equal(count_type(6), 1);
	assert_int_equal(count_type(7), 1);
	assert_int_equal(count_type(8), 1);
	assert_int_equal(T.n_flags, 0);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 1, "discover");
	assert_int_equal(T.ops[0].transaction, 0x7c0);
	check_op(&T.ops[1], 1, OTS_OP_DISCOVERY, 2, "offer");
	check_op(&T.ops[3], 1, OTS_OP_DISCOVERY, 6, "nak");
	/* the last request asks for 128.2.6.189, the ACK gives it */
	check_op(&T.ops[4], 0, OTS_OP_DISCOVERY, 3, "request");
	assert_int_equal(T.ops[4].addr_start, IP4(128, 2, 6, 189));
	check_op(&T.ops[5], 1, OTS_OP_DISCOVERY, 5, "ack");
	assert_int_equal(T.ops[5].addr_start, IP4(128, 2, 6, 189));
	check_op(&T.ops[6], 0, OTS_OP_DISCOVERY, 4, "decline");
	check_op(&T.ops[7], 0, OTS_OP_DISCOVERY, 7, "release");
	assert_int_equal(T.ops[7].transaction, 0x79c);
	check_op(&T.ops[8], 0, OTS_OP_DISCOVERY, 8, "inform");

	f = fact(OTS_FACT_HOSTNAME);
	assert_non_null(f);
	assert_string_equal(f->value, "btest.is.cool");
	assert_int_equal(f->side, OTS_SIDE_SENDER);
	assert_string_equal(f->source, "DHCP option 12");
	f = fact(OTS_FACT_IP);
	assert_non_null(f);
	assert_string_equal(f->value, "128.2.6.189");
	assert_int_equal(f->side, OTS_SIDE_RECEIVER);
	f = fact(OTS_FACT_VENDOR_CLASS);
	assert_non_null(f);
	assert_string_equal(f->value, "ArubaAP");
	assert_int_equal(f->side, OTS_SIDE_RECEIVER);
	f = fact(OTS_FACT_ROLE);
	assert_non_null(f);
	assert_string_equal(f->value, "dhcp_server");
	assert_int_equal(f->side, OTS_SIDE_SENDER);
}

static void
test_tshark_suricata(void **s)
{
	(void)s;
	/* tshark: client 00:11:32:17:49:f0 messages {3:1,5:1}, hostname nas1,
	 * assigned_ip 10.16.1.4 */
	assert_int_equal(replay(suricata, sizeof(suricata) / sizeof(suricata[0])), 0);
	assert_int_equal(T.n_ops, 2);
	assert_int_equal(count_type(3), 1);
	assert_int_equal(count_type(5), 1);
	assert_string_equal(fact(OTS_FACT_HOSTNAME)->value, "nas1");
	assert_string_equal(fact(OTS_FACT_IP)->value, "10.16.1.4");
	assert_null(fact(OTS_FACT_VENDOR_CLASS));
	assert_int_equal(T.ops[0].transaction, 0xef645744);
}

static void
test_tshark_malformed(void **s)
{
	(void)s;
	/* tshark: message type 106 (unknown), hostname MK03862, then [Malformed Packet]: the
	 * vendor class option claims 49 bytes the datagram does not have */
	assert_int_equal(replay(fuzz, 1), 1);
	assert_int_equal(T.n_ops, 1);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 106, "unknown");
	assert_string_equal(fact(OTS_FACT_HOSTNAME)->value, "MK03862");
	assert_null(fact(OTS_FACT_VENDOR_CLASS));
	assert_true(has_flag("short_option"));
	assert_int_equal(T.n_flags, 1);
}

/* ------------------------------------------------------------------ op classes */

static void
test_classes(void **s)
{
	struct pdu p;

	(void)s;
	p = mk(2, 0, 0, 0, "350109ff"); /* forcerenew */
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_CONTROL, 9, "forcerenew");
	assert_int_equal(T.ops[0].transaction, 0xdeadbeef);
	p = mk(1, 0, 0, 0, "35010aff"); /* leasequery */
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_READ, 10, "leasequery");
	p = mk(1, 0, 0, 0, "350112ff"); /* tls */
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_OTHER, 18, "tls");
	/* plain BOOTP: no cookie */
	p = mk(1, 0, 0, 0, "");
	memset(p.b + 236, 0, 64);
	p.n = 300;
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	check_op(&T.ops[0], 0, OTS_OP_DISCOVERY, 0, "bootp_request");
	p.b[0] = 2;
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	check_op(&T.ops[0], 1, OTS_OP_DISCOVERY, 0, "bootp_reply");
}

/* ------------------------------------------------------------------ identity */

static void
test_identity(void **s)
{
	struct pdu p;

	(void)s;
	/* client FQDN in DNS wire format (E flag), vendor class "MSFT 5.0" */
	p = mk(1, 0, 0, 0, "350101" "510d" "050000" "04686f7374" "036c616e" "00"
	                   "3c08" "4d53465420352e30" "ff");
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_int_equal(T.n_facts, 2);
	assert_string_equal(fact(OTS_FACT_HOSTNAME)->value, "host.lan");
	assert_string_equal(fact(OTS_FACT_HOSTNAME)->source, "DHCP option 81");
	assert_string_equal(fact(OTS_FACT_VENDOR_CLASS)->value, "MSFT 5.0");
	assert_int_equal(fact(OTS_FACT_VENDOR_CLASS)->side, OTS_SIDE_SENDER);

	/* ASCII FQDN (no E flag); a NUL-terminated host name */
	p = mk(1, 0, 0, 0, "350103" "5108" "010000" "706c633031" "0c04" "61620000" "ff");
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_int_equal(T.n_facts, 2);
	assert_string_equal(T.facts[0].value, "ab");
	assert_string_equal(T.facts[1].value, "plc01");

	/* relayed (giaddr set): the IP sender is the relay, no client facts */
	p = mk(1, 0, IP4(10, 0, 0, 1), 0, "350101" "0c04" "6e617331" "ff");
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_int_equal(T.n_facts, 0);

	/* an ACK broadcast to the client (flag set): the receiver is not the host: no IP fact */
	p = mk(2, IP4(10, 0, 0, 9), 0, 0x8000, "350105" "ff");
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_null(fact(OTS_FACT_IP));
	assert_non_null(fact(OTS_FACT_ROLE));
	/* unicast: it is */
	p = mk(2, IP4(10, 0, 0, 9), 0, 0, "350105" "ff");
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_string_equal(fact(OTS_FACT_IP)->value, "10.0.0.9");
	assert_int_equal(T.ops[0].addr_start, IP4(10, 0, 0, 9));
	/* an offer only proposes */
	p = mk(2, IP4(10, 0, 0, 9), 0, 0, "350102" "ff");
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_null(fact(OTS_FACT_IP));

	/* option overload 3: host name in file, requested address in sname */
	p = mk(1, 0, 0, 0, "350103" "340103" "ff");
	memcpy(p.b + 108, "\x0c\x05plc02\xff", 8);
	memcpy(p.b + 44, "\x32\x04\x0a\x00\x00\x07\xff", 7);
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_string_equal(fact(OTS_FACT_HOSTNAME)->value, "plc02");
	assert_int_equal(T.ops[0].addr_start, IP4(10, 0, 0, 7));
}

/* ------------------------------------------------------------------ malformed */

static void
expect_bad(const struct pdu *p, const char *why)
{
	dt_reset(&T);
	assert_int_equal(send(p), OTS_EINVAL);
	assert_true(has_flag(why));
}

static void
test_malformed(void **s)
{
	struct pdu p;

	(void)s;
	p = mk(3, 0, 0, 0, "350101ff");
	dt_reset(&T);
	assert_int_equal(dt_parse(&T, D, p.b, p.n, 0, 68, 67), OTS_EINVAL);
	assert_true(has_flag("bad_op"));
	p = mk(1, 0, 0, 0, "350101ff");
	p.n = 200;
	expect_bad(&p, "short_header");
	p = mk(1, 0, 0, 0, "350101ff");
	p.b[2] = 17;
	expect_bad(&p, "bad_hlen");
	p = mk(1, 0, 0, 0, "35020101ff");
	expect_bad(&p, "bad_option");
	p = mk(1, 0, 0, 0, "350101" "340104" "ff");
	expect_bad(&p, "bad_option");
	p = mk(1, 0, 0, 0, "350101" "3203000000" "ff");
	expect_bad(&p, "bad_option");
	p = mk(1, 0, 0, 0, "350101" "51020000" "ff");
	expect_bad(&p, "bad_option");
	p = mk(1, 0, 0, 0, "350101" "0c09" "6162");
	expect_bad(&p, "short_option");
	assert_int_equal(T.n_ops, 1);
	p = mk(1, 0, 0, 0, "350101" "0c02" "6162");
	expect_bad(&p, "no_end_option");
	p = mk(1, 0, 0, 0, "");
	p.n = 238;
	expect_bad(&p, "short_vendor_area");
}

/* ------------------------------------------------------------------ sweep, flood, probe */

/* A sample without the padding after its end option (a prefix holding the end is whole). */
static struct pdu
trimmed(const char *hex)
{
	struct pdu p = hx(hex);

	while (p.n > 240 && p.b[p.n - 1] == 0)
		p.n--;
	return p;
}

static void
test_sweep(void **s)
{
	size_t i, r;

	(void)s;
	/* every prefix is rejected but the 236-byte one (a BOOTP header with no vendor area) */
	for (i = 0; i < sizeof(zeek) / sizeof(zeek[0]); i++) {
		struct pdu p = trimmed(zeek[i].hex);

		r = dt_sweep(D, p.b, p.n, zeek[i].sport == 67, zeek[i].sport, 67, 1);
		assert_int_equal(r, p.n - 1);
	}
	for (i = 0; i < sizeof(suricata) / sizeof(suricata[0]); i++) {
		struct pdu p = trimmed(suricata[i].hex);

		r = dt_sweep(D, p.b, p.n, 0, suricata[i].sport, 67, 1);
		assert_int_equal(r, p.n - 1);
	}
	{
		struct pdu p = hx(fuzz[0].hex);

		r = dt_sweep(D, p.b, p.n, 0, 68, 67, 1);
		assert_int_equal(r, p.n - 1);
	}
	{
		struct pdu p = mk(1, 0, 0, 0, "350101" "510d" "050000" "04686f7374" "036c616e" "00"
		                              "ff");

		r = dt_sweep(D, p.b, p.n, 0, 68, 67, 1);
		assert_int_equal(r, p.n - 1);
	}
}

static void
test_flood(void **s)
{
	struct pdu p;
	size_t i;

	(void)s;
	/* 1000 pad bytes and 100 host name options in one datagram: one op, one fact (the
	 * last host name option wins, read once) */
	p = mk(1, 0, 0, 0, "350101");
	for (i = 0; i < 1000; i++)
		p.b[p.n++] = 0;
	for (i = 0; i < 100; i++) {
		memcpy(p.b + p.n, "\x0c\x01x", 3);
		p.n += 3;
	}
	p.b[p.n++] = 0xff;
	dt_reset(&T);
	assert_int_equal(send(&p), OTS_OK);
	assert_int_equal(T.n_ops, 1);
	assert_int_equal(T.n_facts, 1);
	/* 20000 datagrams: no state, nothing grows */
	p = mk(1, 0, 0, 0, "350101ff");
	for (i = 0; i < 20000; i++) {
		T.n_ops = 0;
		assert_int_equal(send(&p), OTS_OK);
	}
	assert_int_equal(D->state_size, 0);
}

static void
test_probe(void **s)
{
	struct ots_dissect_pkt std = { 0, 68, 67, 0 }, odd = { 0, 40000, 6767, 0 };
	struct pdu p = hx(zeek[0].hex);
	uint8_t buf[400];
	size_t i, k;

	(void)s;
	assert_int_equal(D->probe(p.b, p.n, &std), OTS_PROBE_SURE);
	assert_int_equal(D->probe(p.b, p.n, &odd), OTS_PROBE_SURE);
	p.b[236] = 0; /* no cookie: plain BOOTP, only the port makes it likely */
	assert_int_equal(D->probe(p.b, p.n, &odd), 40);
	assert_int_equal(D->probe(p.b, p.n, &std), 60);
	p.b[0] = 3;
	assert_int_equal(D->probe(p.b, p.n, &std), OTS_PROBE_NO);
	assert_int_equal(D->probe(p.b, 100, &std), OTS_PROBE_NO);

	srand(67);
	for (i = 0; i < 1000; i++) {
		for (k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)rand();
		assert_true(D->probe(buf, 240 + (size_t)(rand() % 160), &std) < OTS_PROBE_MAYBE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tshark_zeek),
		cmocka_unit_test(test_tshark_suricata),
		cmocka_unit_test(test_tshark_malformed),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
