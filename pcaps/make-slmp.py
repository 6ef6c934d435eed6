#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""make-slmp.py - write pcaps/slmp-example.pcap: a crafted MELSEC SLMP (MC protocol) session.

usage: pcaps/make-slmp.py [OUTFILE]        (default: slmp-example.pcap beside this script)
       pcaps/make-slmp.py --corpus DIR     (write fuzz seeds: first byte = fuzz mode)

Frames are built from the public SLMP reference manual: binary 3E frames over TCP port
5007 (handshake, read_cpu_model, batch read and write in word and bit units, remote stop and
run, a remote password unlock, an error answer) and 4E frames over UDP port 5007.
Deterministic bytes (fixed timestamps), classic libpcap format written with struct.
"""
import os
import struct
import sys

T0 = 1704067200
MAC_HMI = bytes.fromhex("001422a0b001")
MAC_PLC = bytes.fromhex("080070a1b2c3")
HMI, PLC = "192.168.3.10", "192.168.3.39"


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4sum(src, dst, proto, seg):
    ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(ph + seg)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    c = l4sum(src, dst, 6, h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def udp(src, dst, sport, dport, payload):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = l4sum(src, dst, 17, h + payload) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + payload


def eth(smac, dmac, payload):
    return dmac + smac + b"\x08\x00" + payload


# ---- SLMP frames (binary) ----
NET, PC, IO, ST = 0x00, 0xFF, 0x03FF, 0x00


def req3e(cmd, sub, data=b"", timer=0x0010):
    body = struct.pack("<HHH", timer, cmd, sub) + data
    return struct.pack("<BBBBHBH", 0x50, 0, NET, PC, IO, ST, len(body)) + body


def rsp3e(end=0, data=b""):
    body = struct.pack("<H", end) + data
    return struct.pack("<BBBBHBH", 0xD0, 0, NET, PC, IO, ST, len(body)) + body


def req4e(serial, cmd, sub, data=b"", timer=0x0010):
    body = struct.pack("<HHH", timer, cmd, sub) + data
    return struct.pack("<BBHHBBHBH", 0x54, 0, serial, 0, NET, PC, IO, ST, len(body)) + body


def rsp4e(serial, end=0, data=b""):
    body = struct.pack("<H", end) + data
    return struct.pack("<BBHHBBHBH", 0xD4, 0, serial, 0, NET, PC, IO, ST, len(body)) + body


def dev(num, code, points):
    """Head device number (3 bytes LE), device code, number of points (LE16)."""
    return struct.pack("<I", num)[:3] + bytes([code]) + struct.pack("<H", points)


DEV_D, DEV_M, DEV_Y = 0xA8, 0x90, 0x9D
MODEL = b"Q03UDVCPU".ljust(16, b" ")

# (request, response) pairs of the TCP session
TCP_PAIRS = [
    (req3e(0x0101, 0x0000), rsp3e(0, MODEL + struct.pack("<H", 0x0366))),
    (req3e(0x0401, 0x0000, dev(100, DEV_D, 3)), rsp3e(0, struct.pack("<HHH", 1, 2, 3))),
    (req3e(0x0401, 0x0001, dev(0, DEV_M, 4)), rsp3e(0, bytes([0x10, 0x01]))),
    (req3e(0x1401, 0x0000, dev(200, DEV_D, 2) + struct.pack("<HH", 0x1234, 0x5678)), rsp3e(0)),
    (req3e(0x1401, 0x0001, dev(16, DEV_Y, 3) + bytes([0x11, 0x00])), rsp3e(0)),
    (req3e(0x1630, 0x0000, struct.pack("<H", 6) + b"abc123"), rsp3e(0)),
    (req3e(0x1002, 0x0000, struct.pack("<H", 1)), rsp3e(0)),
    (req3e(0x1001, 0x0000, struct.pack("<HBB", 1, 0, 0)), rsp3e(0)),
    # error answer: end code 0xC059 with error information (net pc io st cmd sub)
    (req3e(0x0401, 0x0000, dev(0, 0x00, 1)),
     rsp3e(0xC059, struct.pack("<BBHBHH", NET, PC, IO, ST, 0x0401, 0x0000))),
]

UDP_PAIRS = [
    (req4e(0x0001, 0x0101, 0x0000), rsp4e(0x0001, 0, MODEL + struct.pack("<H", 0x0366))),
    (req4e(0x0002, 0x0401, 0x0000, dev(100, DEV_D, 2)),
     rsp4e(0x0002, 0, struct.pack("<HH", 7, 8))),
]


def session():
    pkts = []
    t = [0]

    def add(frame):
        t[0] += 1000
        pkts.append((T0 + t[0] // 1000000, t[0] % 1000000, frame))

    cport, sport = 49152, 5007
    cseq, sseq = 1000, 5000
    ident = [1]

    def ip(src, dst, proto, seg):
        ident[0] += 1
        return ipv4(src, dst, proto, seg, ident[0])

    def c2s(flags, payload=b""):
        return eth(MAC_HMI, MAC_PLC, ip(HMI, PLC, 6, tcp(HMI, PLC, cport, sport, cseq, sseq,
                                                         flags, payload)))

    def s2c(flags, payload=b""):
        return eth(MAC_PLC, MAC_HMI, ip(PLC, HMI, 6, tcp(PLC, HMI, sport, cport, sseq, cseq,
                                                         flags, payload)))

    add(eth(MAC_HMI, MAC_PLC, ip(HMI, PLC, 6, tcp(HMI, PLC, cport, sport, cseq, 0, 0x02))))
    cseq += 1
    add(eth(MAC_PLC, MAC_HMI, ip(PLC, HMI, 6, tcp(PLC, HMI, sport, cport, sseq, cseq, 0x12))))
    sseq += 1
    add(c2s(0x10))
    for q, a in TCP_PAIRS:
        add(c2s(0x18, q))
        cseq += len(q)
        add(s2c(0x18, a))
        sseq += len(a)
        add(c2s(0x10))
    add(c2s(0x11))
    cseq += 1
    add(s2c(0x11))
    sseq += 1
    add(c2s(0x10))
    for q, a in UDP_PAIRS:
        add(eth(MAC_HMI, MAC_PLC, ip(HMI, PLC, 17, udp(HMI, PLC, 49200, 5007, q))))
        add(eth(MAC_PLC, MAC_HMI, ip(PLC, HMI, 17, udp(PLC, HMI, 5007, 49200, a))))
    return pkts


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, frame in pkts:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def corpus(outdir):
    os.makedirs(outdir, exist_ok=True)
    seeds = {}
    for i, (q, a) in enumerate(TCP_PAIRS):
        seeds[f"3e-req-{i}"] = b"\x00" + q
        seeds[f"3e-rsp-{i}"] = b"\x01" + a
    seeds["3e-stream-req"] = b"\x02" + b"".join(q for q, _ in TCP_PAIRS[:5])
    seeds["3e-stream-pairs"] = b"\x0a" + b"".join(q + a for q, a in TCP_PAIRS)
    seeds["4e-stream-pairs"] = b"\x0a" + b"".join(q + a for q, a in UDP_PAIRS)
    seeds["4e-req"] = b"\x00" + UDP_PAIRS[0][0]
    seeds["4e-rsp"] = b"\x01" + UDP_PAIRS[0][1]
    asc_req = b"500000FF03FF00" + b"0018" + b"0010" + b"0401" + b"0000" + b"D*000100" + b"0003"
    seeds["ascii-3e-req"] = b"\x00" + asc_req
    seeds["ascii-3e-rsp"] = b"\x01" + b"D00000FF03FF00" + b"0010" + b"0000" + b"000100020003"
    seeds["ascii-4e-req"] = b"\x00" + b"54001234000000FF03FF000018001004010000D*0001000003"
    seeds["ascii-3e-write-bits"] = b"\x00" + b"500000FF03FF00001B001014010001Y*0000100003101"
    seeds["ascii-3e-write-words"] = b"\x00" + b"500000FF03FF000020001014010000D*000200000212345678"
    seeds["ascii-3e-unlock"] = b"\x00" + b"500000FF03FF0000160010163000000006abc123"
    for name, data in sorted(seeds.items()):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--corpus":
        corpus(sys.argv[2])
        return
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "slmp-example.pcap")
    write_pcap(out, session())


if __name__ == "__main__":
    main()
