#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""make-pcaps.py - write the small crafted captures in pcaps/ (deterministic bytes).

usage: pcaps/make-pcaps.py [OUTDIR]      (default: the directory of this script)

Every file is built by hand from the specs (libpcap classic format, pcapng
draft-ietf-opsawg-pcapng, IPv4 RFC 791, IPv6 RFC 8200, TCP RFC 9293,
Modbus/TCP, LLDP IEEE 802.1AB, CDP, Linux cooked SLL/SLL2). Timestamps are
fixed, so rerunning gives identical files. plant-example.pcap is not made
here: it comes from `bench/gen-plant -n 3000 -s 1 -o pcaps/plant-example.pcap`.
"""
import os
import struct
import sys

T0 = 1704067200  # 2024-01-01T00:00:00Z

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

MAC_HMI = bytes.fromhex("001422a0b001")
MAC_PLC = bytes.fromhex("0080f4010203")
MAC_SW = bytes.fromhex("001ebd200001")
BCAST = b"\xff" * 6


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident=1, flags_frag=0x4000, ttl=64,
         total=None, ihl=5, options=b""):
    """IPv4 header + payload; total/ihl may lie (malformed cases)."""
    hl = 20 + len(options)
    tl = total if total is not None else hl + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, 0, tl, ident, flags_frag,
                    ttl, proto, 0, ip4(src), ip4(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4sum(src, dst, proto, seg, v6=False):
    if v6:
        ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    else:
        ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", v6=False,
        doff=None, win=8192):
    hl = 20
    off = doff if doff is not None else hl // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags,
                      win, 0, 0) + payload
    c = l4sum(src, dst, 6, seg, v6)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, v6=False, length=None):
    ln = length if length is not None else 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, ln, 0) + payload
    if length is None:
        c = l4sum(src, dst, 17, seg, v6) or 0xFFFF
        seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return seg


def eth(dst, src, etype, payload, tags=()):
    """tags: sequence of (tpid, vid) outermost first."""
    h = dst + src
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    h += struct.pack("!H", etype) + payload
    if len(h) < 60:
        h += b"\0" * (60 - len(h))
    return h


def pcap(path, linktype, frames, snaplen=65535):
    """frames: list of (t_us, data) or (t_us, data, wirelen)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for f in frames:
        t, data = f[0], f[1]
        wire = f[2] if len(f) > 2 else len(data)
        out.append(struct.pack("<IIII", T0 + t // 1000000, t % 1000000,
                               len(data), wire) + data)
    blob = b"".join(out)
    with open(path, "wb") as fp:
        fp.write(blob)
    return blob


# ------------------------------------------------------------------ Modbus

def mbap(tid, unit, pdu):
    return struct.pack("!HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def modbus_pairs(n=3):
    """(request, response) Modbus/TCP ADUs: FC3 reads and one FC6 write."""
    out = []
    for i in range(n):
        tid = i + 1
        if i == n - 1:
            req = bytes([6]) + struct.pack("!HH", 100, 1234)
            rsp = req
        else:
            req = bytes([3]) + struct.pack("!HH", 10 * i, 4)
            rsp = bytes([3, 8]) + struct.pack("!HHHH", 100 + i, 200, 300, 400)
        out.append((mbap(tid, 1, req), mbap(tid, 1, rsp)))
    return out


def tcp_session(cli, srv, cport, sport, exchanges, v6=False, t=0, rtt=300):
    """Return [(t_us, direction, l4 segment)] for a whole TCP session."""
    cs, ss = 1000, 50000
    segs = []

    def add(d, flags, pl=b""):
        nonlocal t, cs, ss
        t += rtt
        if d == 0:
            segs.append((t, 0, tcp(cli, srv, cport, sport, cs, ss if flags & 0x10 else 0,
                                   flags, pl, v6)))
            cs += len(pl) + (1 if flags & 0x03 else 0)
        else:
            segs.append((t, 1, tcp(srv, cli, sport, cport, ss, cs, flags, pl, v6)))
            ss += len(pl) + (1 if flags & 0x03 else 0)

    add(0, 0x02)
    add(1, 0x12)
    add(0, 0x10)
    for req, rsp in exchanges:  # an empty request: the server speaks first (a greeting)
        if req:
            add(0, 0x18, req)
        if rsp:
            add(1, 0x18, rsp)
    add(0, 0x10)
    add(0, 0x11)
    add(1, 0x11)
    add(0, 0x10)
    return segs


def v4_frames(segs, cli, srv, proto=6):
    out = []
    for i, (t, d, seg) in enumerate(segs):
        s, dd = (cli, srv) if d == 0 else (srv, cli)
        out.append((t, d, ipv4(s, dd, proto, seg, ident=0x100 + i)))
    return out


def dns_query(qid, name, answer=None):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    flags = 0x8180 if answer else 0x0100
    h = struct.pack("!HHHHHH", qid, flags, 1, 1 if answer else 0, 0, 0)
    body = q + struct.pack("!HH", 1, 1)
    if answer:
        body += struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + ip4(answer)
    return h + body


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac, ip4(sip),
                       tmac if op == 2 else b"\0" * 6, ip4(tip))


# ------------------------------------------------------------------ files

def make_vlan_qinq(d):
    cli, srv = "10.20.1.10", "10.20.1.20"
    frames = []
    t = 0
    for tags, base in (([(0x8100, 10)], 0), ([(0x88A8, 100), (0x8100, 10)], 1000000)):
        frames.append((base + 10, eth(BCAST, MAC_HMI, 0x0806,
                                      arp(1, MAC_HMI, cli, BCAST, srv), tags)))
        frames.append((base + 200, eth(MAC_HMI, MAC_PLC, 0x0806,
                                       arp(2, MAC_PLC, srv, MAC_HMI, cli), tags)))
        segs = tcp_session(cli, srv, 50100 + base // 1000000, 502, modbus_pairs(), t=base + 1000)
        for tt, dd, pkt in v4_frames(segs, cli, srv):
            src, dst = (MAC_HMI, MAC_PLC) if dd == 0 else (MAC_PLC, MAC_HMI)
            frames.append((tt, eth(dst, src, 0x0800, pkt, tags)))
    pcap(os.path.join(d, "vlan-qinq.pcap"), LINKTYPE_ETHERNET, frames)


def tcp_and_dns(cli, srv, dns_srv):
    segs = v4_frames(tcp_session(cli, srv, 50200, 502, modbus_pairs(), t=1000), cli, srv)
    q = dns_query(0x1234, "plc1.plant.local")
    r = dns_query(0x1234, "plc1.plant.local", srv)
    segs.append((20000, 0, ipv4(cli, dns_srv, 17, udp(cli, dns_srv, 53000, 53, q), ident=7, flags_frag=0)))
    segs.append((20400, 1, ipv4(dns_srv, cli, 17, udp(dns_srv, cli, 53, 53000, r), ident=8, flags_frag=0)))
    return segs


def make_sll(d):
    frames = []
    for t, dd, pkt in tcp_and_dns("10.30.0.5", "10.30.0.6", "10.30.0.2"):
        ptype = 4 if dd == 0 else 0  # outgoing / to us
        mac = MAC_HMI if dd == 0 else MAC_PLC
        hdr = struct.pack("!HHH8sH", ptype, 1, 6, mac + b"\0\0", 0x0800)
        frames.append((t, hdr + pkt))
    pcap(os.path.join(d, "linux-sll.pcap"), LINKTYPE_LINUX_SLL, frames)


def make_sll2(d):
    frames = []
    for t, dd, pkt in tcp_and_dns("10.30.0.5", "10.30.0.6", "10.30.0.2"):
        ptype = 4 if dd == 0 else 0
        mac = MAC_HMI if dd == 0 else MAC_PLC
        hdr = struct.pack("!HHIHBB8s", 0x0800, 0, 2, 1, ptype, 6, mac + b"\0\0")
        frames.append((t, hdr + pkt))
    pcap(os.path.join(d, "linux-sll2.pcap"), LINKTYPE_LINUX_SLL2, frames)


def make_null(d):
    frames = []
    segs = tcp_session("127.0.0.1", "127.0.0.1", 50300, 502, modbus_pairs(), t=1000)
    for t, dd, pkt in v4_frames(segs, "127.0.0.1", "127.0.0.1"):
        frames.append((t, struct.pack("<I", 2) + pkt))  # AF_INET, host (LE) order
    pcap(os.path.join(d, "null-loopback.pcap"), LINKTYPE_NULL, frames)


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hlim, src, dst) + payload


def make_raw(d):
    frames = [(t, pkt) for t, dd, pkt in tcp_and_dns("10.40.0.5", "10.40.0.6", "10.40.0.2")]
    a, b = ip6("fd00:40::5"), ip6("fd00:40::6")
    t = 30000
    for t_, dd, seg in tcp_session(a, b, 50400, 502, modbus_pairs(2), v6=True, t=t):
        s, dst = (a, b) if dd == 0 else (b, a)
        frames.append((t_, ipv6(s, dst, 6, seg)))
    q = dns_query(0x4321, "plc2.plant.local")
    frames.append((60000, ipv6(a, b, 17, udp(a, b, 53001, 53, q, v6=True))))
    pcap(os.path.join(d, "raw-ip.pcap"), LINKTYPE_RAW, frames)


def make_fragments(d):
    cli, srv = "10.50.0.5", "10.50.0.6"
    frames = []
    t = 1000

    def frags(ident, payload_len, plan):
        """plan: list of (offset_bytes, length, more) slices of the UDP datagram."""
        body = bytes((i * 7 + ident) & 0xFF for i in range(payload_len))
        dgram = udp(cli, srv, 40000 + ident, 5000, body)
        out = []
        for off, ln, more in plan:
            piece = dgram[off:off + ln]
            ff = (0x2000 if more else 0) | (off // 8)
            out.append(ipv4(cli, srv, 17, piece, ident=ident, flags_frag=ff))
        return out

    # A: in order; B: out of order (last, first, middle); C: overlap; D: never completed
    a = frags(1, 1192, [(0, 400, 1), (400, 400, 1), (800, 400, 0)])
    b = frags(2, 1192, [(800, 400, 0), (0, 400, 1), (400, 400, 1)])
    c = frags(3, 1192, [(0, 400, 1), (320, 480, 1), (800, 400, 0)])
    dd = frags(4, 1192, [(0, 400, 1), (400, 400, 1)])
    for pkt in a + b + c + dd:
        frames.append((t, eth(MAC_PLC, MAC_HMI, 0x0800, pkt)))
        t += 500
    pcap(os.path.join(d, "ipv4-fragments.pcap"), LINKTYPE_ETHERNET, frames)


def make_ipv6_ext(d):
    a, b = ip6("fd00:60::5"), ip6("fd00:60::6")
    frames = []
    t = 1000
    # Hop-by-hop (PadN), destination options (PadN), routing type 4 SRH-free:
    # use type 0 style header with segments left 0 (ignored by receivers).
    hbh = lambda nh: bytes([nh, 0, 1, 4, 0, 0, 0, 0])
    dst = lambda nh: bytes([nh, 0, 1, 4, 0, 0, 0, 0])
    rth = lambda nh: bytes([nh, 2, 0, 0, 0, 0, 0, 0]) + ip6("fd00:60::99")  # type 0, 1 address, SL 0
    seg_u = udp(a, b, 41000, 5000, b"hello over ipv6 ext headers", v6=True)
    frames.append((t, eth(MAC_PLC, MAC_HMI, 0x86DD, ipv6(a, b, 0, hbh(60) + dst(43) + rth(17) + seg_u))))
    for i, (tt, dd, seg) in enumerate(tcp_session(a, b, 50600, 502, modbus_pairs(2), v6=True, t=2000)):
        s, dd_ = (a, b) if dd == 0 else (b, a)
        frames.append((tt, eth(MAC_PLC if dd == 0 else MAC_HMI, MAC_HMI if dd == 0 else MAC_PLC,
                               0x86DD, ipv6(s, dd_, 0, hbh(60) + dst(6) + seg))))
    # fragment header: one UDP datagram in two fragments
    body = bytes(range(256)) * 5
    dg = udp(a, b, 41001, 5000, body, v6=True)
    ident = 0xABCD
    p1, p2 = dg[:800], dg[800:]
    f1 = struct.pack("!BBHI", 17, 0, (0 << 3) | 1, ident) + p1
    f2 = struct.pack("!BBHI", 17, 0, (800 // 8) << 3, ident) + p2
    frames.append((30000, eth(MAC_PLC, MAC_HMI, 0x86DD, ipv6(a, b, 0, hbh(44) + f1))))
    frames.append((30400, eth(MAC_PLC, MAC_HMI, 0x86DD, ipv6(a, b, 44, f2))))
    pcap(os.path.join(d, "ipv6-ext.pcap"), LINKTYPE_ETHERNET, frames)


def make_tcp_reorder(d):
    cli, srv = "10.70.0.5", "10.70.0.6"
    pairs = modbus_pairs(6)
    segs = tcp_session(cli, srv, 50700, 502, pairs, t=1000)
    # segs: 0 SYN,1 SA,2 ACK, then req/rsp pairs at 3..14, then ACK, FIN, FIN, ACK
    order = list(range(len(segs)))
    # out of order: swap request 2 (index 5) with response 1 (index 4)? keep
    # per-direction reorder: client requests 3 and 4 (indices 7, 9) swap.
    order[7], order[9] = order[9], order[7]
    frames = []
    for pos, i in enumerate(order):
        t, dd, seg = segs[i]
        if i == 11:      # lost: response 5 (server side) never captured
            continue
        s, dst = (cli, srv) if dd == 0 else (srv, cli)
        pkt = ipv4(s, dst, 6, seg, ident=0x200 + i)
        src_mac, dst_mac = (MAC_HMI, MAC_PLC) if dd == 0 else (MAC_PLC, MAC_HMI)
        frames.append((1000 + pos * 300, eth(dst_mac, src_mac, 0x0800, pkt)))
        if i == 5:       # retransmission of request 2
            frames.append((1000 + pos * 300 + 150, eth(dst_mac, src_mac, 0x0800, pkt)))
    pcap(os.path.join(d, "tcp-reorder.pcap"), LINKTYPE_ETHERNET, frames)


def lldp_frame(mac, name, desc, port):
    def tlv(tp, v):
        return struct.pack("!H", (tp << 9) | len(v)) + v
    body = (tlv(1, b"\x04" + mac) + tlv(2, b"\x05" + port.encode()) + tlv(3, b"\x00\x78")
            + tlv(4, b"uplink") + tlv(5, name.encode()) + tlv(6, desc.encode())
            + tlv(7, b"\x00\x14\x00\x04") + tlv(0, b""))
    return eth(bytes.fromhex("0180c200000e"), mac, 0x88CC, body)


def cdp_frame(mac, name, platform, version, port, addr):
    def tlv(tp, v):
        return struct.pack("!HH", tp, 4 + len(v)) + v
    addrs = struct.pack("!I", 1) + struct.pack("!BBB", 1, 1, 0xCC) + struct.pack("!H", 4) + ip4(addr)
    body = (tlv(1, name.encode()) + tlv(2, addrs) + tlv(3, port.encode())
            + tlv(4, b"\x00\x00\x00\x28") + tlv(5, version.encode()) + tlv(6, platform.encode()))
    cdp = struct.pack("!BBH", 2, 180, 0) + body
    c = csum(cdp)
    cdp = cdp[:2] + struct.pack("!H", c) + cdp[4:]
    llc = b"\xaa\xaa\x03\x00\x00\x0c\x20\x00" + cdp
    frame = bytes.fromhex("01000ccccccc") + mac + struct.pack("!H", len(llc)) + llc
    if len(frame) < 60:
        frame += b"\0" * (60 - len(frame))
    return frame


def make_lldp_cdp(d):
    sw1 = bytes.fromhex("001ebd200101")
    sw2 = bytes.fromhex("00000c9a0b01")
    frames = [
        (1000, lldp_frame(sw1, "sw-cell-a", "Cisco IOS Software, IE-4000 Software, Version 15.2(7)E4", "Gi1/0/1")),
        (2000, cdp_frame(sw2, "sw-core-1.plant.local", "cisco WS-C3850-24T",
                         "Cisco IOS Software, Catalyst L3 Switch Software, Version 16.9.5", "GigabitEthernet1/0/24",
                         "10.80.0.1")),
        (3000, eth(BCAST, MAC_HMI, 0x0806, arp(1, MAC_HMI, "10.80.0.10", BCAST, "10.80.0.20"))),
        (3300, eth(MAC_HMI, MAC_PLC, 0x0806, arp(2, MAC_PLC, "10.80.0.20", MAC_HMI, "10.80.0.10"))),
        (31000, lldp_frame(sw1, "sw-cell-a", "Cisco IOS Software, IE-4000 Software, Version 15.2(7)E4", "Gi1/0/1")),
    ]
    pcap(os.path.join(d, "lldp-cdp.pcap"), LINKTYPE_ETHERNET, frames)


def make_cleartext_logins(d):
    """An FTP login and upload to a PLC, and a Telnet login to a switch: cleartext credentials."""
    frames = []
    cli, plc, sw = "10.70.0.5", "10.70.0.20", "10.70.0.2"
    ftp = [(b"", b"220 PLC-20 FTP server ready\r\n"),
           (b"USER engineer\r\n", b"331 Password required for engineer\r\n"),
           (b"PASS plc-pass\r\n", b"230 User engineer logged in\r\n"),
           (b"STOR /ide0/app.st\r\n", b"150 Opening data connection\r\n"),
           (b"QUIT\r\n", b"221 Goodbye\r\n")]
    tn = [(b"\xff\xfb\x18", b"\xff\xfd\x18\xff\xfb\x01\r\nRUGGEDCOM RS900 v4.3\r\nlogin: "),
          (b"admin\r\n", b"Password: "),
          (b"admin\r\n", b"\r\nRS900# ")]
    for srv, port, ex, t0 in ((plc, 21, ftp, 1000), (sw, 23, tn, 20000)):
        for t, dd, pkt in v4_frames(tcp_session(cli, srv, 51000 + port, port, ex, t=t0), cli, srv):
            src, dst = (MAC_HMI, MAC_PLC) if dd == 0 else (MAC_PLC, MAC_HMI)
            frames.append((t, eth(dst, src, 0x0800, pkt)))
    pcap(os.path.join(d, "cleartext-logins.pcap"), LINKTYPE_ETHERNET, frames)


def s7_pdu(rosctr, ref, par, dat=b"", err=None):
    hdr = struct.pack("!BBHHHH", 0x32, rosctr, 0, ref, len(par), len(dat))
    if err is not None:
        hdr += struct.pack("!H", err)
    body = b"\x02\xf0\x80" + hdr + par + dat
    return struct.pack("!BBH", 3, 0, 4 + len(body)) + body


def make_odd_ports(d):
    """Industrial protocols off their ports, and noise on theirs: content must decide.
    Modbus on 5020, S7comm behind a gateway port 10102, BACnet on 47809, random bytes on 502
    and 102 (must not be taken for Modbus or S7)."""
    frames = []
    hmi, plc, gw = "10.60.0.5", "10.60.0.20", "10.60.0.30"
    for t, dd, pkt in v4_frames(tcp_session(hmi, plc, 52000, 5020, modbus_pairs(2), t=1000), hmi, plc):
        frames.append((t, eth(MAC_PLC if dd == 0 else MAC_HMI, MAC_HMI if dd == 0 else MAC_PLC, 0x0800, pkt)))
    cr = bytes.fromhex("0300001611e00000000100c0010ac1020100c2020102")
    cc = bytes.fromhex("0300001611d00001000100c0010ac1020100c2020102")
    setup = s7_pdu(1, 0x100, bytes.fromhex("f0000001000101e0"))
    setup_ack = s7_pdu(3, 0x100, bytes.fromhex("f0000001000100f0"), err=0)
    stop = s7_pdu(1, 0x200, bytes.fromhex("29000000000009505f50524f4752414d"))
    stop_ack = s7_pdu(3, 0x200, bytes.fromhex("29"), err=0)
    ex = [(cr, cc), (setup, setup_ack), (stop, stop_ack)]
    for t, dd, pkt in v4_frames(tcp_session(hmi, gw, 52100, 10102, ex, t=5000), hmi, gw):
        frames.append((t, eth(MAC_SW if dd == 0 else MAC_HMI, MAC_HMI if dd == 0 else MAC_SW, 0x0800, pkt)))
    noise = bytes((i * 37 + 11) & 0xFF for i in range(64))
    for port, t0 in ((502, 9000), (102, 12000)):
        ex = [(noise, noise[::-1]), (noise[5:], noise[:40])]
        for t, dd, pkt in v4_frames(tcp_session(hmi, plc, 52200 + port, port, ex, t=t0), hmi, plc):
            frames.append((t, eth(MAC_PLC if dd == 0 else MAC_HMI, MAC_HMI if dd == 0 else MAC_PLC, 0x0800, pkt)))
    whois = bytes.fromhex("810b000c0120ffff00ff1008")
    iam = bytes.fromhex("810a001401001000c4020003e82205c491032105")
    iam = iam[:2] + struct.pack("!H", len(iam)) + iam[4:]
    frames.append((15000, eth(BCAST, MAC_HMI, 0x0800, ipv4(hmi, "10.60.0.255", 17, udp(hmi, "10.60.0.255", 47809, 47809, whois)))))
    frames.append((15500, eth(MAC_HMI, MAC_PLC, 0x0800, ipv4(plc, hmi, 17, udp(plc, hmi, 47809, 47809, iam)))))
    frames.sort(key=lambda x: x[0])
    pcap(os.path.join(d, "odd-ports.pcap"), LINKTYPE_ETHERNET, frames)


def make_inventory(d):
    """The asset keys: a PLC with two IPs on one MAC (one device), five peers behind a router
    (its MAC, TTL 63/127: five ip: assets, not one), the router's own management address
    (TTL 255: its mac: asset), two public peers in the GeoIP test ranges of
    tests/data/geoip/ (81.2.69.160 GB, 216.160.83.58 US), an HMI polling both PLC addresses
    and a broadcast that is no device."""
    mac_plc, mac_hmi = MAC_PLC, MAC_HMI
    mac_rtr = bytes.fromhex("00000c07ac01")
    plc_a, plc_b, hmi = "10.50.0.20", "10.51.0.20", "10.50.0.5"
    frames = []

    def session(cli, srv, cport, sport, ex, t0, cmac, smac, cttl, sttl):
        for t, dd, seg in tcp_session(cli, srv, cport, sport, ex, t=t0):
            if dd == 0:
                pkt = ipv4(cli, srv, 6, seg, ident=t & 0xFFFF, ttl=cttl)
                frames.append((t, eth(smac, cmac, 0x0800, pkt)))
            else:
                pkt = ipv4(srv, cli, 6, seg, ident=t & 0xFFFF, ttl=sttl)
                frames.append((t, eth(cmac, smac, 0x0800, pkt)))

    session(hmi, plc_a, 50100, 502, modbus_pairs(2), 1000, mac_hmi, mac_plc, 128, 64)
    session(hmi, plc_b, 50101, 502, modbus_pairs(2), 4000, mac_hmi, mac_plc, 128, 64)
    for i, peer in enumerate(("10.9.0.20", "10.9.0.21", "10.9.1.7")):
        session(peer, plc_a, 50200 + i, 502, modbus_pairs(2), 8000 + 3000 * i, mac_rtr, mac_plc,
                127, 64)
    for i, peer in enumerate(("81.2.69.160", "216.160.83.58")):
        session(hmi, peer, 50300 + i, 443, [(b"\x16\x03\x01\x00\x05hello", b"\x16\x03\x03\x00\x02ok")],
                20000 + 3000 * i, mac_hmi, mac_rtr, 128, 63)
    snmp = bytes.fromhex("302602010104067075626c6963a01902040000000102010002010030")
    frames.append((27000, eth(mac_plc, mac_rtr, 0x0800,
                              ipv4("10.50.0.1", plc_a, 17, udp("10.50.0.1", plc_a, 50400, 161, snmp), ttl=255))))
    frames.append((28000, eth(BCAST, mac_hmi, 0x0800,
                              ipv4(hmi, "255.255.255.255", 17, udp(hmi, "255.255.255.255", 50500, 9999, b"where"), ttl=64))))
    frames.sort(key=lambda x: x[0])
    pcap(os.path.join(d, "inventory-example.pcap"), LINKTYPE_ETHERNET, frames)


def make_zones(d):
    """Every IEC 62443 zone rule of tests/regress/zones-rules (zones in pcaps/zones-rules.yaml):
    supervisory 10.1.1.0/24 (SL-T 2), control 10.1.2.0/24 (SL-T 3), office 10.1.3.0/24
    (SL-T 1); conduit supervisory -> control allows Modbus reads on 502 and S7 reads on 102.
    Allowed: HMI Modbus reads (the PLC's replies are no initiation). Alerts: a Modbus write
    (zone-operation-denied), the PLC opening Modbus to the HMI (zone-wrong-direction), office
    HTTP to the PLC (zone-no-conduit), Telnet from the HMI (zone-protocol-denied,
    sl-insecure-protocol), an S7 PLC STOP from the engineering station
    (zone-operation-denied, sl-cleartext-engineering), the PLC talking to an unzoned host
    (zone-unknown-host), the HMI reaching a public address (zone-internet)."""
    hmi, ews, plc, pc, lost, pub = "10.1.1.10", "10.1.1.20", "10.1.2.30", "10.1.3.40", \
        "10.9.9.9", "81.2.69.160"
    mac = {hmi: bytes.fromhex("001422000a01"), ews: bytes.fromhex("001422000a02"),
           plc: bytes.fromhex("001b1b000a03"), pc: bytes.fromhex("001422000a04"),
           lost: bytes.fromhex("001422000a05")}
    rtr = bytes.fromhex("00000c07ac02")
    frames = []
    t0 = [1000]

    def session(cli, srv, cport, sport, ex, sttl=64):
        cm, sm = mac.get(cli, rtr), mac.get(srv, rtr)
        for t, dd, seg in tcp_session(cli, srv, cport, sport, ex, t=t0[0]):
            if dd == 0:
                frames.append((t, eth(sm, cm, 0x0800, ipv4(cli, srv, 6, seg, ident=t & 0xFFFF))))
            else:
                frames.append((t, eth(cm, sm, 0x0800, ipv4(srv, cli, 6, seg, ident=t & 0xFFFF,
                                                          ttl=sttl))))
        t0[0] += 4000

    reads = [(mbap(1, 1, bytes([3]) + struct.pack("!HH", 0, 4)),
              mbap(1, 1, bytes([3, 8]) + b"\x00\x01\x00\x02\x00\x03\x00\x04"))]
    write = [(mbap(2, 1, bytes([6]) + struct.pack("!HH", 100, 7)),
              mbap(2, 1, bytes([6]) + struct.pack("!HH", 100, 7)))]
    session(hmi, plc, 50001, 502, reads)
    session(hmi, plc, 50002, 502, write)
    session(plc, hmi, 50003, 502, reads)
    session(pc, plc, 50004, 80, [(b"GET / HTTP/1.1\r\nHost: plc\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")])
    session(hmi, plc, 50005, 23, [(b"", b"\r\nlogin: "), (b"admin\r\n", b"Password: "),
                                  (b"secret\r\n", b"\r\n$ ")])
    cr = bytes.fromhex("0300001611e00000000100c0010ac1020100c2020102")
    cc = bytes.fromhex("0300001611d00001000100c0010ac1020100c2020102")
    setup = s7_pdu(1, 0x100, bytes.fromhex("f0000001000101e0"))
    setup_ack = s7_pdu(3, 0x100, bytes.fromhex("f0000001000100f0"), err=0)
    stop = s7_pdu(1, 0x200, bytes.fromhex("29000000000009505f50524f4752414d"))
    stop_ack = s7_pdu(3, 0x200, bytes.fromhex("29"), err=0)
    session(ews, plc, 50006, 102, [(cr, cc), (setup, setup_ack), (stop, stop_ack)])
    session(plc, lost, 50007, 502, reads)
    session(hmi, pub, 50008, 443, [(b"\x16\x03\x01\x00\x05hello", b"\x16\x03\x03\x00\x02ok")],
            sttl=115)
    frames.sort(key=lambda x: x[0])
    pcap(os.path.join(d, "zones-rules.pcap"), LINKTYPE_ETHERNET, frames)


def make_malformed(d):
    cli, srv = "10.90.0.5", "10.90.0.6"
    good_tcp = tcp(cli, srv, 50900, 502, 1, 1, 0x18, mbap(1, 1, b"\x03\x00\x00\x00\x02"))
    frames = []
    t = 1000

    def add(frame, wire=None):
        nonlocal t
        frames.append((t, frame) if wire is None else (t, frame, wire))
        t += 1000

    # 1 bad IHL (3 words < 5)
    add(eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 6, good_tcp, ihl=3)))
    # 2 IPv4 total length larger than the frame
    add(eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 6, good_tcp, total=1400)))
    # 3 TCP data offset 15 words (60 bytes) beyond the segment
    add(eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 6, tcp(cli, srv, 50900, 502, 1, 1, 0x18, b"\x00\x01", doff=15))))
    # 4 TCP data offset 2 (< 5)
    add(eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 6, tcp(cli, srv, 50900, 502, 1, 1, 0x18, b"\x00\x01", doff=2))))
    # 5 UDP length claims more than the datagram
    add(eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 17, udp(cli, srv, 5353, 53, b"\x12\x34\x01\x00", length=300), flags_frag=0)))
    # 6 UDP length smaller than the header
    add(eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 17, udp(cli, srv, 5353, 53, b"\x12\x34\x01\x00", length=4), flags_frag=0)))
    # 7 truncated VLAN tag (frame ends inside the tag)
    add(MAC_PLC + MAC_HMI + b"\x81\x00\x00")
    # 8 caplen < wirelen: snapped in the middle of the Modbus payload
    full = eth(MAC_PLC, MAC_HMI, 0x0800, ipv4(cli, srv, 6, good_tcp))
    add(full[:14 + 20 + 20 + 3], wire=len(full))
    # 9 IPv4 version field 6 with an IPv4 ethertype
    bad = bytearray(ipv4(cli, srv, 6, good_tcp))
    bad[0] = 0x65
    add(eth(MAC_PLC, MAC_HMI, 0x0800, bytes(bad)))
    # 10 short Ethernet frame (10 bytes)
    add(MAC_PLC + MAC_HMI[:4])
    # 11 a valid frame last, so readers can show they recovered
    add(full)
    pcap(os.path.join(d, "malformed.pcap"), LINKTYPE_ETHERNET, frames)


def make_truncated(d):
    cli, srv = "10.91.0.5", "10.91.0.6"
    segs = tcp_session(cli, srv, 50910, 502, modbus_pairs(7), t=1000)
    frames = []
    for t, dd, pkt in v4_frames(segs, cli, srv)[:20]:
        src, dst = (MAC_HMI, MAC_PLC) if dd == 0 else (MAC_PLC, MAC_HMI)
        frames.append((t, eth(dst, src, 0x0800, pkt)))
    path = os.path.join(d, "truncated.pcap")
    blob = pcap(path, LINKTYPE_ETHERNET, frames)
    last = len(frames[-1][1])
    with open(path, "wb") as fp:
        fp.write(blob[:len(blob) - last // 2])  # cut inside the last packet's data


def make_corrupt(d):
    blob = b"NOTAPCAP" + bytes((i * 37 + 11) & 0xFF for i in range(248))
    with open(os.path.join(d, "corrupt.pcap"), "wb") as fp:
        fp.write(blob)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def ng_block(btype, body):
    ln = 12 + len(body)
    return struct.pack("<II", btype, ln) + body + struct.pack("<I", ln)


def ng_opt(code, val):
    return struct.pack("<HH", code, len(val)) + pad4(val)


def make_pcapng(d):
    cli, srv = "10.20.1.10", "10.20.1.20"
    shb_opts = (ng_opt(3, b"Linux") + ng_opt(4, b"otsensor pcaps/make-pcaps.py") + ng_opt(0, b""))
    shb = ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts)
    idb_opts = ng_opt(2, b"eth0") + ng_opt(9, b"\x06") + ng_opt(0, b"")  # if_tsresol 10^-6
    idb = ng_block(1, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, 65535) + idb_opts)
    blocks = [shb, idb]
    segs = tcp_session(cli, srv, 50100, 502, modbus_pairs(), t=1000)
    for t, dd, pkt in v4_frames(segs, cli, srv):
        src, dst = (MAC_HMI, MAC_PLC) if dd == 0 else (MAC_PLC, MAC_HMI)
        f = eth(dst, src, 0x0800, pkt)
        ts = (T0 * 1000000 + t)
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + pad4(f)
        blocks.append(ng_block(6, body))
    with open(os.path.join(d, "pcapng-example.pcapng"), "wb") as fp:
        fp.write(b"".join(blocks))
    # the same session as classic pcap, for comparison
    frames = []
    for t, dd, pkt in v4_frames(segs, cli, srv):
        src, dst = (MAC_HMI, MAC_PLC) if dd == 0 else (MAC_PLC, MAC_HMI)
        frames.append((t, eth(dst, src, 0x0800, pkt)))
    pcap(os.path.join(d, "pcapng-example.pcap"), LINKTYPE_ETHERNET, frames)


# ------------------------------------------------------------------ GOOSE and DNP3 sequences

def ber(tag, value):
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = struct.pack("!BH", 0x82, n)
    return bytes([tag]) + ln + value


def ber_uint(tag, v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")  # a leading 0 keeps it positive
    return ber(tag, b)


def goose_frame(src, dst, appid, gocb, st, sq, t_us, sim=False, tags=()):
    """IEC 61850-8-1 GOOSE: APPID, length, reserved1/2, goosePdu (tag 0x61)."""
    secs, frac = divmod(t_us, 1000000)
    utc = struct.pack("!I", T0 + secs) + (frac * (1 << 24) // 1000000).to_bytes(3, "big") + b"\x0a"
    data = ber(0x83, b"\x01" if st % 2 else b"\x00") + ber(0x83, b"\x00")  # two booleans
    pdu = (ber(0x80, gocb.encode()) + ber_uint(0x81, 2000) + ber(0x82, (gocb.split("$")[0] + "$Trip").encode())
           + ber(0x83, gocb.encode()) + ber(0x84, utc) + ber_uint(0x85, st) + ber_uint(0x86, sq)
           + ber(0x87, b"\xff" if sim else b"\x00") + ber_uint(0x88, 1) + ber(0x89, b"\x00")
           + ber_uint(0x8A, 2) + ber(0xAB, data))
    goose = ber(0x61, pdu)
    body = struct.pack("!HHHH", appid, 8 + len(goose), 0, 0) + goose
    return eth(dst, src, 0x88B8, body, tags)


def crc_dnp(data):
    c = 0
    for b in data:
        c ^= b
        for _ in range(8):
            c = (c >> 1) ^ 0xA6BC if c & 1 else c >> 1
    return (~c) & 0xFFFF


def dnp3_frame(from_master, dst, src, apdu, tseq):
    """One DNP3 link frame (unconfirmed user data) carrying a whole application fragment."""
    ud = bytes([0xC0 | (tseq & 0x3F)]) + apdu  # transport FIR FIN
    assert len(ud) <= 250
    ctrl = 0xC4 if from_master else 0x44        # DIR (master), PRM, function 4
    hdr = struct.pack("<BBBBHH", 0x05, 0x64, 5 + len(ud), ctrl, dst, src)
    out = hdr + struct.pack("<H", crc_dnp(hdr))
    for i in range(0, len(ud), 16):
        blk = ud[i:i + 16]
        out += blk + struct.pack("<H", crc_dnp(blk))
    return out


def crob_request(fc, seq, index, status=0):
    """SELECT (3) / OPERATE (4) of one g12v1 CROB (latch on, 1000 ms), qualifier 0x28."""
    crob = struct.pack("<BBIIB", 0x03, 1, 1000, 0, status)
    return bytes([0xC0 | (seq & 0x0F), fc, 12, 1, 0x28]) + struct.pack("<HH", 1, index) + crob


def crob_response(seq, index, status):
    crob = struct.pack("<BBIIB", 0x03, 1, 1000, 0, status)
    return bytes([0xC0 | (seq & 0x0F), 0x81, 0x00, 0x00, 12, 1, 0x28]) + struct.pack("<HH", 1, index) + crob


def make_goose_sequence(d):
    """GOOSE stNum/sqNum sequences and DNP3 select-before-operate (out_of_sequence checks).

    Publisher A (APPID 3, VLAN 10 priority 4): a normal stream (stNum 1..3, sqNum back to 0
    with each), a jump 3 -> 7, a step back 7 -> 4, a simulated frame of the same control
    block (stNum 100: test set, separate numbers), sqNum 5 -> 2 within stNum 4, then a restart
    (stNum 1 sqNum 0). Publisher B (APPID 4) runs in order throughout. DNP3: a master selects
    and operates CROB 0 of outstation 10 (no flag); another host sends a bare OPERATE on its
    own connection, answered with control status NO_SELECT (2): flagged."""
    ied_a, ied_b = bytes.fromhex("0050c2a00001"), bytes.fromhex("0050c2a00002")
    mc_a, mc_b = bytes.fromhex("010ccd010003"), bytes.fromhex("010ccd010004")
    ga, gb = "IED1LD0/LLN0$GO$gcbTrip", "IED2LD0/LLN0$GO$gcbPos"
    tag = ((0x8100, (4 << 13) | 10),)
    frames = []
    t = 1000
    seq_a = [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (3, 0), (3, 1),   # normal
             (7, 0), (7, 1),                                                    # jump 3 -> 7
             (4, 0), (4, 1),                                                    # back 7 -> 4
             "sim",                                                             # simulation
             (4, 5), (4, 2),                                                    # sqNum back
             (1, 0), (1, 1), (2, 0)]                                            # restart
    for i, x in enumerate(seq_a):
        t += 250000
        if x == "sim":
            frames.append((t, goose_frame(ied_a, mc_a, 3, ga, 100, 0, t, sim=True, tags=tag)))
        else:
            frames.append((t, goose_frame(ied_a, mc_a, 3, ga, x[0], x[1], t, tags=tag)))
        frames.append((t + 1000, goose_frame(ied_b, mc_b, 4, gb, 50 + i // 4, i % 4, t + 1000)))
    # DNP3 over TCP: select then operate (sequence 1, 2) by the master; a bare operate by another host
    master, rogue, outst = "10.90.0.10", "10.90.0.66", "10.90.0.20"
    mac_master, mac_rogue, mac_outst = MAC_HMI, bytes.fromhex("02000000aa66"), MAC_PLC
    sbo = [(dnp3_frame(True, 10, 1, crob_request(3, 1, 0), 0), dnp3_frame(False, 1, 10, crob_response(1, 0, 0), 0)),
           (dnp3_frame(True, 10, 1, crob_request(4, 2, 0), 1), dnp3_frame(False, 1, 10, crob_response(2, 0, 0), 1))]
    bare = [(dnp3_frame(True, 10, 1, crob_request(4, 5, 0), 0), dnp3_frame(False, 1, 10, crob_response(5, 0, 2), 0))]
    for cli, cmac, port, ex, t0 in ((master, mac_master, 50500, sbo, 6000000), (rogue, mac_rogue, 50501, bare, 7000000)):
        for tt, dd, pkt in v4_frames(tcp_session(cli, outst, port, 20000, ex, t=t0, rtt=20000), cli, outst):
            src, dst = (cmac, mac_outst) if dd == 0 else (mac_outst, cmac)
            frames.append((tt, eth(dst, src, 0x0800, pkt)))
    frames.sort(key=lambda f: f[0])
    pcap(os.path.join(d, "goose-sequence.pcap"), LINKTYPE_ETHERNET, frames)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(d, exist_ok=True)
    for fn in (make_vlan_qinq, make_sll, make_sll2, make_null, make_raw, make_fragments,
               make_ipv6_ext, make_tcp_reorder, make_lldp_cdp, make_cleartext_logins, make_odd_ports, make_inventory, make_zones, make_malformed,
               make_truncated, make_corrupt, make_pcapng, make_goose_sequence):
        fn(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
