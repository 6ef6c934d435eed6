#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""make-rules-net.py - write the positive/negative captures of the shipped rules in
rules/bacnet.rules, profinet.rules, iec61850.rules, opcua.rules and generic.rules
(pcaps/rules/<rule-id>.pos.pcap and .neg.pcap), deterministic bytes.

usage: pcaps/make-rules-net.py [OUTDIR]      (default: pcaps/rules beside this script)

The packets are built by hand from the specs: BACnet/IP (ASHRAE 135 Annex J, clauses 20-21),
PROFINET DCP (IEC 61158-6-10), GOOSE (IEC 61850-8-1), MMS over ISO-on-TCP (RFC 1006, X.224,
ISO 8327-1, ISO 8823-1, ISO 9506-2), OPC UA binary (Part 6, Part 4), EtherNet/IP + CIP,
Modbus/TCP and ARP. The Ethernet/IP/TCP writer and the TCP session helper are
pcaps/make-pcaps.py's. Every capture starts at 2024-01-01T00:00:00Z.
"""
import importlib.util
import os
import struct
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("make_pcaps", os.path.join(_HERE, "make-pcaps.py"))
mp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mp)

ETH = mp.LINKTYPE_ETHERNET


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


# the plant: (ip, mac)
HMI = ("10.10.1.10", mac("00:14:22:a0:b0:01"))
ENG = ("10.10.1.50", mac("00:1b:21:3c:50:50"))
PLC = ("10.10.1.20", mac("00:80:f4:01:02:03"))
PLC2 = ("10.10.1.21", mac("00:80:f4:01:02:04"))
BMS = ("10.10.1.30", mac("00:a0:3d:00:10:30"))      # BACnet controller
IED = ("10.10.1.40", mac("00:50:c2:4f:90:40"))      # IEC 61850 IED
UAS = ("10.10.1.45", mac("00:0e:8c:00:45:45"))      # OPC UA server
ENIPD = ("10.10.1.25", mac("00:00:bc:12:34:56"))    # EtherNet/IP controller
GW = ("10.10.1.60", mac("00:20:4a:60:60:60"))       # Modbus gateway
ATT = ("10.10.1.66", mac("00:0c:29:66:66:66"))      # attacker laptop
PN_CTRL = mac("00:1b:1b:00:00:01")                  # PROFINET IO controller
PN_DEV = mac("00:1b:1b:00:00:02")                   # PROFINET IO device
PN_MCAST = mac("01:0e:cf:00:00:00")
GOOSE_MCAST = mac("01:0c:cd:01:00:01")
IED_MAC = mac("00:50:c2:4f:90:41")


def write(d, name, frames):
    frames = sorted(frames, key=lambda f: f[0])
    mp.pcap(os.path.join(d, name), ETH, frames)


def tcp_conv(cli, srv, cport, sport, exchanges, t=0, rtt=300):
    """Ethernet frames of a whole TCP session (handshake, exchanges, FIN)."""
    out = []
    segs = mp.tcp_session(cli[0], srv[0], cport, sport, exchanges, t=t, rtt=rtt)
    for tt, dd, pkt in mp.v4_frames(segs, cli[0], srv[0]):
        src, dst = (cli[1], srv[1]) if dd == 0 else (srv[1], cli[1])
        out.append((tt, mp.eth(dst, src, 0x0800, pkt)))
    return out


def udp_frame(t, a, b, sport, dport, payload, ident=1):
    pkt = mp.ipv4(a[0], b[0], 17, mp.udp(a[0], b[0], sport, dport, payload), ident=ident)
    return (t, mp.eth(b[1], a[1], 0x0800, pkt))


def syn_probe(t, a, b, sport, dport, answer):
    """A SYN and the target's answer: 'rst', 'synack' (then the scanner's RST) or None."""
    out = [(t, mp.eth(b[1], a[1], 0x0800,
                      mp.ipv4(a[0], b[0], 6, mp.tcp(a[0], b[0], sport, dport, 7000, 0, 0x02))))]
    if answer == "rst":
        out.append((t + 200, mp.eth(a[1], b[1], 0x0800,
                                    mp.ipv4(b[0], a[0], 6,
                                            mp.tcp(b[0], a[0], dport, sport, 0, 7001, 0x14)))))
    elif answer == "synack":
        out.append((t + 200, mp.eth(a[1], b[1], 0x0800,
                                    mp.ipv4(b[0], a[0], 6,
                                            mp.tcp(b[0], a[0], dport, sport, 90000, 7001, 0x12)))))
        out.append((t + 400, mp.eth(b[1], a[1], 0x0800,
                                    mp.ipv4(a[0], b[0], 6,
                                            mp.tcp(a[0], b[0], sport, dport, 7001, 0, 0x04)))))
    return out


def ber(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + ln + body if isinstance(tag, int) else tag + ln + body


# ------------------------------------------------------------------ BACnet/IP

BN_PORT = 47808
DEV_OBJ = struct.pack("!I", (8 << 22) | 1201)   # device,1201
AI_OBJ = struct.pack("!I", (0 << 22) | 1)       # analog-input,1


def bvlc(npdu_apdu):
    return struct.pack("!BBH", 0x81, 0x0A, 4 + len(npdu_apdu)) + npdu_apdu


def bn_req(invoke, service, data):
    # NPDU version 1, control 0x04 (expecting reply); confirmed request, max APDU 1476
    return bvlc(bytes([0x01, 0x04, 0x00, 0x05, invoke, service]) + data)


def bn_rsp(apdu):
    return bvlc(bytes([0x01, 0x00]) + apdu)


def bn_read_pairs(t, n=3):
    """ReadProperty present-value of analog-input,1 and object-name of the device."""
    out = []
    inv = 1
    for i in range(n):
        req = bn_req(inv, 12, b"\x0c" + AI_OBJ + b"\x19\x55")
        ack = bn_rsp(bytes([0x30, inv, 12]) + b"\x0c" + AI_OBJ + b"\x19\x55\x3e\x44" +
                     struct.pack("!f", 21.5 + i) + b"\x3f")
        out.append(udp_frame(t, ENG, BMS, BN_PORT, BN_PORT, req, ident=0x200 + 2 * i))
        out.append(udp_frame(t + 4000, BMS, ENG, BN_PORT, BN_PORT, ack, ident=0x300 + 2 * i))
        t += 1000000
        inv += 1
    name = b"\x00AHU-01"
    req = bn_req(inv, 12, b"\x0c" + DEV_OBJ + b"\x19\x4d")
    ack = bn_rsp(bytes([0x30, inv, 12]) + b"\x0c" + DEV_OBJ + b"\x19\x4d\x3e\x75" +
                 bytes([len(name)]) + name + b"\x3f")
    out.append(udp_frame(t, ENG, BMS, BN_PORT, BN_PORT, req, ident=0x280))
    out.append(udp_frame(t + 4000, BMS, ENG, BN_PORT, BN_PORT, ack, ident=0x380))
    return out


def make_bacnet(d):
    base = bn_read_pairs(0)
    write(d, "bacnet-reinitialize-device.neg.pcap", base)
    write(d, "bacnet-device-communication-control.neg.pcap", base)
    # ReinitializeDevice (20): reinitializedStateOfDevice [0] warmstart (1), no password
    pos = bn_read_pairs(0) + [
        udp_frame(5000000, ENG, BMS, BN_PORT, BN_PORT, bn_req(10, 20, b"\x09\x01"), ident=0x400),
        udp_frame(5004000, BMS, ENG, BN_PORT, BN_PORT, bn_rsp(bytes([0x20, 10, 20])), ident=0x401),
    ]
    write(d, "bacnet-reinitialize-device.pos.pcap", pos)
    # DeviceCommunicationControl (17): timeDuration [0] 60 min, enable-disable [1] disable
    pos = bn_read_pairs(0) + [
        udp_frame(5000000, ENG, BMS, BN_PORT, BN_PORT, bn_req(11, 17, b"\x09\x3c\x19\x01"),
                  ident=0x400),
        udp_frame(5004000, BMS, ENG, BN_PORT, BN_PORT, bn_rsp(bytes([0x20, 11, 17])), ident=0x401),
    ]
    write(d, "bacnet-device-communication-control.pos.pcap", pos)


# ------------------------------------------------------------------ PROFINET DCP

def dcp(fid, sid, st, xid, blocks, delay=0):
    return struct.pack("!HBBIHH", fid, sid, st, xid, delay, len(blocks)) + blocks


def dcp_block(opt, sub, data, info=None):
    body = (struct.pack("!H", info) if info is not None else b"") + data
    b = struct.pack("!BBH", opt, sub, len(body)) + body
    return b + (b"\0" if len(body) & 1 else b"")


def pn_frame(t, dst, src, payload):
    return (t, mp.eth(dst, src, 0x8892, payload))


def pn_routine(t):
    """Identify All from the controller, the device's answer, a Get of its name, set_signal."""
    ident_rsp = (dcp_block(2, 2, b"plc-line1", 0) + dcp_block(2, 1, b"S7-1500", 0) +
                 dcp_block(2, 3, struct.pack("!HH", 0x002A, 0x0E0A), 0) +
                 dcp_block(2, 4, b"\x01\x00", 0) +
                 dcp_block(1, 2, mp.ip4("10.10.2.20") + mp.ip4("255.255.255.0") +
                           mp.ip4("10.10.2.1"), 1))
    get_rsp = dcp_block(2, 2, b"plc-line1", 0)
    return [
        pn_frame(t, PN_MCAST, PN_CTRL, dcp(0xFEFE, 5, 0, 0x1001, b"\xff\xff\x00\x00", 0x80)),
        pn_frame(t + 3000, PN_CTRL, PN_DEV, dcp(0xFEFF, 5, 1, 0x1001, ident_rsp)),
        pn_frame(t + 500000, PN_DEV, PN_CTRL, dcp(0xFEFD, 3, 0, 0x1002, b"\x02\x02")),
        pn_frame(t + 502000, PN_CTRL, PN_DEV, dcp(0xFEFD, 3, 1, 0x1002, get_rsp)),
        # flash the device's LED (engineering tool "identify device"): a Set, but no change
        pn_frame(t + 900000, PN_DEV, PN_CTRL,
                 dcp(0xFEFD, 4, 0, 0x1003, dcp_block(5, 3, b"\x01\x00", 0))),
        pn_frame(t + 902000, PN_CTRL, PN_DEV,
                 dcp(0xFEFD, 4, 1, 0x1003, dcp_block(5, 4, b"\x05\x03\x00"))),
    ]


def pn_set(t, xid, opt, sub, data, qual=1):
    return [
        pn_frame(t, PN_DEV, ENG[1], dcp(0xFEFD, 4, 0, xid, dcp_block(opt, sub, data, qual))),
        pn_frame(t + 2000, ENG[1], PN_DEV,
                 dcp(0xFEFD, 4, 1, xid, dcp_block(5, 4, bytes([opt, sub, 0])))),
    ]


def make_pndcp(d):
    for rid in ("pndcp-set-name", "pndcp-factory-reset", "pndcp-set-ip"):
        write(d, rid + ".neg.pcap", pn_routine(0))
    write(d, "pndcp-set-name.pos.pcap",
          pn_routine(0) + pn_set(2000000, 0x2001, 2, 2, b"rogue-plc"))
    write(d, "pndcp-set-ip.pos.pcap",
          pn_routine(0) + pn_set(2000000, 0x2002, 1, 2,
                                 mp.ip4("10.10.2.99") + mp.ip4("255.255.255.0") +
                                 mp.ip4("10.10.2.66")))
    # Reset to Factory (Control/5-6, qualifier = mode 2: communication parameters) and
    # the older Factory Reset (Control/5-5)
    write(d, "pndcp-factory-reset.pos.pcap",
          pn_routine(0) + pn_set(2000000, 0x2003, 5, 6, b"", qual=0x0004) +
          pn_set(3000000, 0x2004, 5, 5, b"", qual=0))


# ------------------------------------------------------------------ GOOSE

def goose_frame(t, st, sq, sim=False, val=True):
    utc = struct.pack("!II", mp.T0 + t // 1000000, ((t % 1000000) << 32) // 1000000)
    utc = utc[:7] + b"\x0a"  # 3 bytes fraction + time quality (accuracy 10 bits)
    alldata = ber(0x83, b"\x01" if val else b"\x00") + ber(0x84, b"\x06\x00\x00")
    pdu = (ber(0x80, b"IED1CTRL/LLN0$GO$gcbTrip") + ber(0x81, b"\x07\xd0") +
           ber(0x82, b"IED1CTRL/LLN0$dsTrip") + ber(0x83, b"IED1_Trip") + ber(0x84, utc) +
           ber(0x85, struct.pack("!I", st)) + ber(0x86, struct.pack("!I", sq)) +
           ber(0x87, b"\xff" if sim else b"\x00") + ber(0x88, b"\x01") +
           ber(0x89, b"\x00") + ber(0x8A, b"\x02") + ber(0xAB, alldata))
    body = ber(0x61, pdu)
    hdr = struct.pack("!HHHH", 0x0001, 8 + len(body), 0, 0)
    return (t, mp.eth(GOOSE_MCAST, IED_MAC, 0x88B8, hdr + body))


def goose_stream(seq, sim=False):
    """seq: list of (stNum, sqNum); one frame every 500 ms."""
    return [goose_frame(i * 500000, st, sq, sim, st % 2 == 1) for i, (st, sq) in enumerate(seq)]


def make_goose(d):
    normal = [(5, 0), (5, 1), (5, 2), (6, 0), (6, 1), (6, 2), (7, 0), (7, 1)]
    write(d, "goose-sequence-anomaly.neg.pcap", goose_stream(normal))
    write(d, "goose-test-mode.neg.pcap", goose_stream(normal))
    # stNum 5 then 9: three state changes never reached the subscribers (or a forged frame)
    write(d, "goose-sequence-anomaly.pos.pcap",
          goose_stream([(5, 0), (5, 1), (5, 2), (9, 0), (9, 1), (9, 2)]))
    write(d, "goose-test-mode.pos.pcap",
          goose_stream(normal[:3]) + [goose_frame(1500000 + i * 500000, 6, i, True)
                                      for i in range(3)])


# ------------------------------------------------------------------ MMS

def tpkt_dt(user):
    cotp = b"\x02\xf0\x80"
    return struct.pack("!BBH", 3, 0, 4 + len(cotp) + len(user)) + cotp + user


COTP_CR = bytes.fromhex("030000130ee00000000600c1020002c2020001")
COTP_CC = bytes.fromhex("030000130ed00006000100c1020002c2020001")
# session CONNECT with the presentation CP-type, ACSE AARQ and MMS initiate-RequestPDU
# (the association of an IEC 61850 client: libiec61850 defaults)
MMS_INIT_REQ = tpkt_dt(bytes.fromhex(
    "0db20506130100160102140200023302000134020001c19c318199a003800101a28191810400000001"
    "820400000001a423300f0201010604520100013004060251013010020103060528ca22020130040602"
    "510188020600615a3058020101a053605180020780a107060528ca220203a20606042bce0f02a30302"
    "0117be35283306025101020103a02aa82880027530810203e8820203e8830105a417800101810305fb"
    "00820d03ffffffffffffffffffffff00"))


def mms_init_rsp():
    detail = ber(0xA4, bytes.fromhex("800101" "810305f100" "820c03ee1c00000408000079e800"))
    init = ber(0xA9, bytes.fromhex("800203e8810105820105830105") + detail)
    aare = ber(0x61, bytes.fromhex("a107060528ca220203a203020100a305a103020100") +
               ber(0xBE, ber(0x28, bytes.fromhex("020103") + ber(0xA0, init))))
    cpa = ber(0x31, bytes.fromhex("a003800101") +
              ber(0xA2, bytes.fromhex("830400000001") +
                  ber(0xA5, bytes.fromhex("3007800100810251013007800100810251 01".replace(" ", ""))) +
                  ber(0x61, ber(0x30, bytes.fromhex("020101") + ber(0xA0, aare)))))
    spdu = bytes.fromhex("0506130100160102" + "14020002") + ses(0xC1, cpa)
    return tpkt_dt(ses(0x0E, spdu))


def ses(pi, body):
    """ISO 8327 parameter/SPDU: one length octet below 255, else 0xFF and two octets."""
    n = len(body)
    return bytes([pi]) + (bytes([n]) if n < 255 else struct.pack("!BH", 0xFF, n)) + body


def mms_data(pdu):
    # session GIVE TOKENS + DATA TRANSFER, presentation fully-encoded-data, context 3
    return tpkt_dt(b"\x01\x00\x01\x00" +
                   ber(0x61, ber(0x30, b"\x02\x01\x03" + ber(0xA0, pdu))))


def mms_creq(inv, svc):
    return mms_data(ber(0xA0, b"\x02\x01" + bytes([inv]) + svc))


def mms_cresp(inv, svc):
    return mms_data(ber(0xA1, b"\x02\x01" + bytes([inv]) + svc))


def mms_objname(item):
    # variableSpecification name [0] -> domain-specific [1] { domainId, itemId }
    return ber(0xA0, ber(0xA1, ber(0x1A, b"IED1CTRL") + ber(0x1A, item)))


def mms_read(inv, item, value):
    req = ber(0xA4, ber(0xA1, ber(0xA0, ber(0x30, mms_objname(item)))))
    rsp = ber(0xA4, ber(0xA1, ber(0x87, b"\x08" + struct.pack("!f", value))))
    return (mms_creq(inv, req), mms_cresp(inv, rsp))


def mms_session(t, extra, cport=49200):
    ex = [(COTP_CR, COTP_CC), (MMS_INIT_REQ, mms_init_rsp())]
    ex += [mms_read(i + 1, b"MMXU1$MX$TotW$mag$f", 120.5 + i) for i in range(3)]
    ex += extra
    ex.append((mms_data(b"\x8b\x00"), mms_data(b"\x8c\x00")))  # conclude (IMPLICIT NULL)
    return tcp_conv(HMI, IED, cport, 102, ex, t=t)


def make_mms(d):
    for rid in ("mms-write", "mms-domain-delete", "mms-program-invocation"):
        write(d, rid + ".neg.pcap", mms_session(0, []))
    # Write: listOfVariable + listOfData (boolean true): operate a breaker control object
    wr = ber(0xA5, ber(0xA0, ber(0x30, mms_objname(b"CSWI1$CO$Pos$Oper$ctlVal"))) +
             ber(0xA0, b"\x83\x01\x01"))
    write(d, "mms-write.pos.pcap",
          mms_session(0, [(mms_creq(9, wr), mms_cresp(9, ber(0xA5, b"\x81\x00")))]))
    # DeleteDomain [36] IMPLICIT Identifier; response NULL
    dd = b"\x9f\x24" + bytes([len(b"IED1CTRL")]) + b"IED1CTRL"
    write(d, "mms-domain-delete.pos.pcap",
          mms_session(0, [(mms_creq(9, dd), mms_cresp(9, b"\x9f\x24\x00"))]))
    # CreateProgramInvocation [38]: name [0], listOfDomainName [1], reusable [2]
    cpi = ber(b"\xbf\x26", ber(0x80, b"PI1") + ber(0xA1, ber(0x1A, b"IED1CTRL")) +
              b"\x82\x01\x00")
    dpi = b"\x9f\x27\x03PI1"
    write(d, "mms-program-invocation.pos.pcap",
          mms_session(0, [(mms_creq(9, cpi), mms_cresp(9, b"\x9f\x26\x00")),
                          (mms_creq(10, dpi), mms_cresp(10, b"\x9f\x27\x00"))]))


# ------------------------------------------------------------------ OPC UA

def ua_str(s):
    if s is None:
        return b"\xff\xff\xff\xff"
    return struct.pack("<i", len(s)) + s


def ua_chunk(kind, body):
    return kind + b"F" + struct.pack("<I", 8 + len(body)) + body


def ua_msg(seq, rid, nodeid, body):
    return ua_chunk(b"MSG", struct.pack("<IIII", 1, 1, seq, rid) +
                    b"\x01\x00" + struct.pack("<H", nodeid) + body)


UA_TS = struct.pack("<q", 133485408000000000)  # 2024-01-01 as a DateTime


def ua_req_hdr(handle):
    # authenticationToken (numeric ns 1), timestamp, handle, diagnostics, audit, timeout, ext
    return (b"\x01\x01\x10\x27" + UA_TS + struct.pack("<II", handle, 0) + ua_str(None) +
            struct.pack("<I", 10000) + b"\x00\x00\x00")


def ua_rsp_hdr(handle):
    return (UA_TS + struct.pack("<II", handle, 0) + b"\x00" + b"\xff\xff\xff\xff" +
            b"\x00\x00\x00")


def ua_node(i):
    return b"\x01\x02" + struct.pack("<H", i)   # four-byte NodeId, namespace 2


def ua_read(seq, rid, node, value):
    req = (ua_req_hdr(rid) + struct.pack("<d", 0.0) + struct.pack("<I", 2) +
           struct.pack("<i", 1) + ua_node(node) + struct.pack("<I", 13) + ua_str(None) +
           b"\x00\x00" + ua_str(None))
    rsp = (ua_rsp_hdr(rid) + struct.pack("<i", 1) + b"\x01\x06" + struct.pack("<i", value) +
           b"\xff\xff\xff\xff")
    return (ua_msg(seq, rid, 631, req), ua_msg(seq, rid, 634, rsp))


def ua_session(t, extra):
    url = b"opc.tcp://10.10.1.45:4840"
    hel = ua_chunk(b"HEL", struct.pack("<IIIII", 0, 65536, 65536, 0, 0) + ua_str(url))
    ack = ua_chunk(b"ACK", struct.pack("<IIIII", 0, 65536, 65536, 0, 0))
    ex = [(hel, ack)]
    ex += [ua_read(1 + i, 10 + i, 1001 + i, 40 + i) for i in range(3)]
    ex += extra
    return tcp_conv(HMI, UAS, 49300, 4840, ex, t=t)


def make_opcua(d):
    for rid in ("opcua-write", "opcua-method-call"):
        write(d, rid + ".neg.pcap", ua_session(0, []))
    wreq = (ua_req_hdr(20) + struct.pack("<i", 1) + ua_node(1001) + struct.pack("<I", 13) +
            ua_str(None) + b"\x01\x06" + struct.pack("<i", 95))
    wrsp = ua_rsp_hdr(20) + struct.pack("<i", 1) + b"\x00\x00\x00\x00" + b"\xff\xff\xff\xff"
    write(d, "opcua-write.pos.pcap",
          ua_session(0, [(ua_msg(4, 20, 673, wreq), ua_msg(4, 20, 676, wrsp))]))
    creq = (ua_req_hdr(21) + struct.pack("<i", 1) + ua_node(5000) + ua_node(5001) +
            struct.pack("<i", 0))
    crsp = (ua_rsp_hdr(21) + struct.pack("<i", 1) + b"\x00\x00\x00\x00" +
            struct.pack("<iii", 0, 0, 0) + b"\xff\xff\xff\xff")
    write(d, "opcua-method-call.pos.pcap",
          ua_session(0, [(ua_msg(4, 21, 712, creq), ua_msg(4, 21, 715, crsp))]))


# ------------------------------------------------------------------ EtherNet/IP firmware

def enip(cmd, session, data, ctx=b"\0" * 8):
    return struct.pack("<HHII", cmd, len(data), session, 0) + ctx + struct.pack("<I", 0) + data


def enip_rr(session, cip, ctx):
    cpf = struct.pack("<IHH", 0, 10, 2) + struct.pack("<HH", 0, 0) + \
        struct.pack("<HH", 0xB2, len(cip)) + cip
    return enip(0x6F, session, cpf, ctx)


def cip_req(svc, path, data=b""):
    return bytes([svc, len(path) // 2]) + path + data


def cip_rsp(svc, data=b""):
    return bytes([svc | 0x80, 0, 0, 0]) + data


def enip_session(extra):
    sess = 0x11223344
    ex = [(enip(0x65, 0, struct.pack("<HH", 1, 0)), enip(0x65, sess, struct.pack("<HH", 1, 0)))]
    # Get_Attribute_Single of the Identity object's product name (attribute 7)
    name = b"\x0b1756-L81E/B"
    ex.append((enip_rr(sess, cip_req(0x0E, b"\x20\x01\x24\x01\x30\x07"), b"ctx00001"),
               enip_rr(sess, cip_rsp(0x0E, name), b"ctx00001")))
    ex += [(enip_rr(sess, q, c), enip_rr(sess, r, c)) for q, r, c in extra]
    ex.append((enip(0x66, sess, b""), b""))
    return tcp_conv(ENG, ENIPD, 49400, 44818, ex)


def make_firmware(d):
    write(d, "firmware-transfer.neg.pcap", enip_session([]))
    # vendor class 0xA1 (firmware update object of Rockwell's flash tools), instance 1:
    # class-specific services 0x4B (begin) and 0x4D (transfer a block of the image)
    blk = bytes(range(64))
    extra = [(cip_req(0x4B, b"\x20\xa1\x24\x01", struct.pack("<I", 0x00200000)),
              cip_rsp(0x4B), b"ctx00002"),
             (cip_req(0x4D, b"\x20\xa1\x24\x01", struct.pack("<I", 0) + blk),
              cip_rsp(0x4D), b"ctx00003")]
    write(d, "firmware-transfer.pos.pcap", enip_session(extra))


# ------------------------------------------------------------------ Modbus and flows

def mb_session(cli, srv, cport, reqs, t=0):
    """reqs: (unit, request pdu, response pdu)."""
    ex = []
    for i, (unit, q, r) in enumerate(reqs):
        ex.append((mp.mbap(i + 1, unit, q), mp.mbap(i + 1, unit, r)))
    return tcp_conv(cli, srv, cport, 502, ex, t=t, rtt=20000)


def rd(fc, addr, n):
    return bytes([fc]) + struct.pack("!HH", addr, n)


def rd_rsp(fc, n):
    if fc in (1, 2):
        nb = (n + 7) // 8
        return bytes([fc, nb]) + bytes([0x55] * nb)
    return bytes([fc, 2 * n]) + b"".join(struct.pack("!H", 100 + i) for i in range(n))


def exc(fc, code):
    return bytes([fc | 0x80, code])


def poll(unit=1, rounds=3, fcs=(3, 4, 1)):
    out = []
    for _ in range(rounds):
        for fc in fcs:
            out.append((unit, rd(fc, 0, 4), rd_rsp(fc, 4)))
    return out


def make_modbus(d):
    # a poller using 3 function codes
    write(d, "function-code-scan.neg.pcap", mb_session(HMI, PLC, 50200, poll()))
    # a client trying 11 function codes (supported or not) in turn
    scan = [(1, rd(1, 0, 8), rd_rsp(1, 8)), (1, rd(2, 0, 8), rd_rsp(2, 8)),
            (1, rd(3, 0, 2), rd_rsp(3, 2)), (1, rd(4, 0, 2), rd_rsp(4, 2)),
            (1, b"\x07", b"\x07\x00"),
            (1, b"\x08\x00\x00\xa5\x37", b"\x08\x00\x00\xa5\x37"),   # return query data
            (1, b"\x0b", exc(11, 1)), (1, b"\x0c", exc(12, 1)),
            (1, b"\x11", b"\x11\x05\x01\xffPLC"),
            (1, b"\x18\x00\x00", exc(24, 1)),
            (1, b"\x2b\x0e\x01\x00", exc(43, 1))]
    write(d, "function-code-scan.pos.pcap", mb_session(ATT, PLC, 50201, scan))
    # a gateway with three serial slaves polled
    write(d, "unit-id-scan.neg.pcap",
          mb_session(HMI, GW, 50202, [(u, rd(3, 0, 2), rd_rsp(3, 2)) for u in (1, 2, 3)] * 2))
    # units 1..20 tried: 1-4 and 13-20 answer, the gateway reports 5-12 absent (0x0B)
    sweep = [(u, rd(3, 0, 2), rd_rsp(3, 2) if u <= 4 or u > 12 else exc(3, 0x0B))
             for u in range(1, 21)]
    write(d, "unit-id-scan.pos.pcap", mb_session(ATT, GW, 50203, sweep))
    # reads with 3 illegal-address exceptions among them
    few = poll(rounds=2) + [(1, rd(3, 9000 + i, 2), exc(3, 2)) for i in range(3)] + poll(rounds=1)
    write(d, "exception-storm.neg.pcap", mb_session(HMI, PLC, 50204, few))
    # 30 reads of addresses the PLC does not have, all refused, in 0.6 s x 2 rtt
    storm = poll(rounds=1) + [(1, rd(3, 9000 + 10 * i, 2), exc(3, 2)) for i in range(30)]
    write(d, "exception-storm.pos.pcap", mb_session(ATT, PLC, 50205, storm))


def make_sweeps(d):
    def hosts(n):
        return [("10.10.3.%d" % (10 + i), mac("00:80:f4:03:00:%02x" % (10 + i)))
                for i in range(n)]
    # SYN to port 502 of 20 hosts: 3 listen (SYN-ACK, the scanner resets), the rest refuse
    pos, neg = [], []
    for i, h in enumerate(hosts(20)):
        pos += syn_probe(i * 100000, ATT, h, 40000 + i, 502, "synack" if i % 7 == 0 else "rst")
    for i, h in enumerate(hosts(5)):
        neg += mb_session(HMI, h, 50300 + i, poll(rounds=1), t=i * 200000)
    write(d, "host-sweep.pos.pcap", pos)
    write(d, "host-sweep.neg.pcap", neg)
    ports = [21, 22, 23, 25, 53, 80, 102, 135, 139, 161, 443, 445, 502, 1911, 2404, 4840,
             5007, 20000, 44818, 47808]
    pos = []
    for i, p in enumerate(ports):
        pos += syn_probe(i * 50000, ATT, PLC, 41000 + i, p, "synack" if p in (80, 102, 502)
                         else "rst")
    write(d, "port-sweep.pos.pcap", pos)
    # an engineering station using 5 services of one PLC
    neg = mb_session(ENG, PLC, 50400, poll(rounds=1))
    for i, p in enumerate((80, 443, 102, 161)):
        neg += syn_probe(1000000 + i * 100000, ENG, PLC, 50410 + i, p, "synack")
    write(d, "port-sweep.neg.pcap", neg)


def arp_frame(t, op, smac, sip, tmac, tip, dst):
    return (t, mp.eth(dst, smac, 0x0806, mp.arp(op, smac, sip, tmac, tip)))


def make_arp(d):
    def routine(t, plc_mac):
        fr = [arp_frame(t, 1, HMI[1], HMI[0], mp.BCAST, PLC[0], mp.BCAST),
              arp_frame(t + 300, 2, plc_mac, PLC[0], HMI[1], HMI[0], HMI[1])]
        plc = (PLC[0], plc_mac)
        fr += mb_session(HMI, plc, 50500 + t // 1000000, poll(rounds=1), t=t + 1000)
        return fr
    neg = routine(0, PLC[1]) + routine(5000000, PLC[1])
    write(d, "arp-spoof.neg.pcap", neg)
    # the attacker answers for the PLC's IP with its own MAC (gratuitous replies to the HMI),
    # and the HMI's next Modbus session goes to the attacker's MAC
    pos = routine(0, PLC[1])
    for i in range(3):
        pos.append(arp_frame(4000000 + i * 1000000, 2, ATT[1], PLC[0], HMI[1], HMI[0], HMI[1]))
    pos += mb_session(HMI, (PLC[0], ATT[1]), 50510, poll(rounds=1), t=6000000)
    write(d, "arp-spoof.pos.pcap", pos)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(_HERE, "rules")
    os.makedirs(d, exist_ok=True)
    for fn in (make_bacnet, make_pndcp, make_goose, make_mms, make_opcua, make_firmware,
               make_modbus, make_sweeps, make_arp):
        fn(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
