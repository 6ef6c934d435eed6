#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""make-rules-ics.py - positive and negative captures for the controller/outstation rules.

usage: python3 pcaps/make-rules-ics.py [OUTDIR]     (default: pcaps/rules/ next to this script)

For every rule of rules/s7comm.rules, rules/enip.rules, rules/modbus.rules, rules/dnp3.rules
and rules/iec104.rules it writes <rule-id>.pos.pcap (the dangerous operation among a little
routine traffic) and <rule-id>.neg.pcap (the same protocol doing routine work, and the near
miss where the rule has a condition). Every PDU is built by hand from the protocol specs
(S7comm over ISO-on-TCP RFC 1006, EtherNet/IP and CIP Vol. 1-2, Modbus/TCP, DNP3 IEEE 1815
over TCP, IEC 60870-5-104). TCP sessions have their handshake and close; timestamps start
2024-01-01T00:00:00Z and are fixed, so a rerun writes identical files. Python stdlib only;
the pcap writer and TCP helpers come from make-pcaps.py.
"""
import importlib.util
import os
import struct
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("make_pcaps", os.path.join(_here, "make-pcaps.py"))
mp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mp)

LINKTYPE_ETHERNET = mp.LINKTYPE_ETHERNET


def mac(n):
    """A locally plausible unicast MAC: Siemens/Rockwell/Schneider-like OUIs by host number."""
    return bytes.fromhex("0080f4") + bytes([0x10, 0x00, n & 0xFF])


class Capture:
    """Frames of one capture: TCP sessions between hosts, in time order."""

    def __init__(self):
        self.frames = []
        self.t = 1000

    def session(self, cli, srv, cport, sport, exchanges):
        cm, sm = mac(int(cli.split(".")[-1])), mac(int(srv.split(".")[-1]))
        for t, d, seg in mp.tcp_session(cli, srv, cport, sport, exchanges, t=self.t):
            if d == 0:
                pkt = mp.ipv4(cli, srv, 6, seg, ident=t & 0xFFFF, ttl=64)
                self.frames.append((t, mp.eth(sm, cm, 0x0800, pkt)))
            else:
                pkt = mp.ipv4(srv, cli, 6, seg, ident=t & 0xFFFF, ttl=64)
                self.frames.append((t, mp.eth(cm, sm, 0x0800, pkt)))
            self.t = t
        self.t += 100000  # next session 100 ms later

    def write(self, path):
        self.frames.sort(key=lambda x: x[0])
        mp.pcap(path, LINKTYPE_ETHERNET, self.frames)


# ------------------------------------------------------------------ S7comm

COTP_CR = bytes.fromhex("0300001611e00000000100c0010ac1020100c2020102")
COTP_CC = bytes.fromhex("0300001611d00001000100c0010ac1020100c2020102")


def s7(rosctr, ref, par, dat=b"", err=None):
    return mp.s7_pdu(rosctr, ref, par, dat, err)


def s7_setup():
    return [(COTP_CR, COTP_CC),
            (s7(1, 0x100, bytes.fromhex("f0000001000101e0")),
             s7(3, 0x100, bytes.fromhex("f0000001000100f0"), err=0))]


def s7_read(ref, db=1, start=0):
    """Read 4 bytes of DB<db> (an HMI's cyclic poll) and the PLC's answer."""
    item = struct.pack("!BBBBHHB", 0x12, 0x0A, 0x10, 0x02, 4, db, 0x84) + \
        struct.pack("!I", start * 8)[1:]
    req = s7(1, ref, bytes([0x04, 1]) + item)
    rsp = s7(3, ref, bytes([0x04, 1]), bytes([0xFF, 0x04, 0x00, 0x20, 0, 1, 2, 3]), err=0)
    return (req, rsp)


def s7_pi(ref, block, name):
    par = bytes([0x28, 0, 0, 0, 0, 0, 0, 0xFD]) + struct.pack("!H", len(block)) + block + \
        bytes([len(name)]) + name
    return (s7(1, ref, par), s7(3, ref, bytes([0x28]), err=0))


def s7_filename(btype, num, fs):
    return b"_" + btype + b"%05d" % num + fs


def s7_download(ref):
    """Download of OB1: request_download by the PG, then the PLC pulls the block
    (download_block, a job from the PLC the PG answers with the data) and ends
    (download_ended). The PLC's jobs travel in the same TCP connection."""
    name = s7_filename(b"08", 1, b"P")
    par = bytes([0x1A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, len(name)]) + name + \
        bytes([13]) + b"1000064000032"
    out = [(s7(1, ref, par), s7(3, ref, bytes([0x1A]), err=0))]
    # PLC -> PG jobs: sent as the "response" side of an exchange; the PG answers in the next.
    blk = bytes([0x1B, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, len(name)]) + name
    data = struct.pack("!HH", 32, 0x00FB) + bytes(range(32))
    end = bytes([0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, len(name)]) + name
    out.append((b"", s7(1, 0x0500, blk)))
    out.append((s7(3, 0x0500, bytes([0x1B, 0x00]), data, err=0), s7(1, 0x0600, end)))
    out.append((s7(3, 0x0600, bytes([0x1C]), err=0), b""))
    return out


def s7_upload(ref):
    name = s7_filename(b"08", 1, b"A")
    start = bytes([0x1D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, len(name)]) + name
    start_ack = bytes([0x1D, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07]) + b"0000064"
    up = bytes([0x1E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07])
    up_data = struct.pack("!HH", 32, 0x00FB) + bytes(range(32))
    end = bytes([0x1F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07])
    return [(s7(1, ref, start), s7(3, ref, start_ack, err=0)),
            (s7(1, ref + 1, up), s7(3, ref + 1, bytes([0x1E, 0x00]), up_data, err=0)),
            (s7(1, ref + 2, end), s7(3, ref + 2, bytes([0x1F]), err=0))]


S7_EWS, S7_HMI, S7_PLC = "10.10.1.50", "10.10.1.10", "10.10.1.20"


def s7_capture(dangerous):
    c = Capture()
    c.session(S7_HMI, S7_PLC, 49200, 102, s7_setup() + [s7_read(0x200 + i, 1, 4 * i) for i in range(4)])
    if dangerous:
        c.session(S7_EWS, S7_PLC, 49300, 102, s7_setup() + [s7_read(0x300)] + dangerous)
    c.session(S7_HMI, S7_PLC, 49201, 102, s7_setup() + [s7_read(0x400 + i, 2, 0) for i in range(3)])
    return c


def make_s7(d):
    stop = (s7(1, 0x700, bytes.fromhex("29000000000009505f50524f4752414d")),
            s7(3, 0x700, bytes([0x29]), err=0))
    start = s7_pi(0x701, b"", b"P_PROGRAM")                      # hot restart
    cold = s7_pi(0x702, b"C ", b"P_PROGRAM")                     # cold restart
    dele = s7_pi(0x703, b"\x01\x00" + b"0C00001B", b"_DELE")   # delete FC1: count, type, number, fs
    cases = {
        "s7-plc-stop": [stop],
        "s7-plc-start": [start, cold],
        "s7-block-download": s7_download(0x704),
        "s7-block-upload": s7_upload(0x710),
        "s7-block-delete": [dele],
    }
    for rid, ex in cases.items():
        s7_capture(ex).write(os.path.join(d, rid + ".pos.pcap"))
        # negative: the HMI's reads, and the engineering station only reading
        s7_capture([s7_read(0x800), s7_read(0x801, 3, 0)]).write(os.path.join(d, rid + ".neg.pcap"))


# ------------------------------------------------------------------ EtherNet/IP, CIP

def enip(cmd, session, data, ctx=0):
    return struct.pack("<HHIIQI", cmd, len(data), session, 0, ctx, 0) + data


def enip_rr(session, cip, ctx):
    cpf = struct.pack("<IHH", 0, 0, 2) + struct.pack("<HH", 0, 0) + \
        struct.pack("<HH", 0x00B2, len(cip)) + cip
    return enip(0x006F, session, cpf, ctx)


def cip_req(svc, cls, inst, attr=None, data=b""):
    path = bytes([0x20, cls, 0x24, inst])
    if attr is not None:
        path += bytes([0x30, attr])
    return bytes([svc, len(path) // 2]) + path + data


def cip_rsp(svc, data=b"", status=0):
    return bytes([svc | 0x80, 0, status, 0]) + data


EN_SESSION = 0x12345678


def enip_session(exchanges):
    reg = enip(0x0065, 0, struct.pack("<HH", 1, 0), 1)
    reg_r = enip(0x0065, EN_SESSION, struct.pack("<HH", 1, 0), 1)
    out = [(reg, reg_r)]
    for i, (req, rsp) in enumerate(exchanges):
        out.append((enip_rr(EN_SESSION, req, 0x100 + i), enip_rr(EN_SESSION, rsp, 0x100 + i)))
    out.append((enip(0x0066, EN_SESSION, b"", 2), b""))
    return out


def cip_reads():
    """What an HMI or asset tool does: identity attributes (vendor, product name)."""
    name = b"1756-L83E/B"
    return [(cip_req(0x0E, 0x01, 1, 1), cip_rsp(0x0E, struct.pack("<H", 1))),
            (cip_req(0x0E, 0x01, 1, 7), cip_rsp(0x0E, bytes([len(name)]) + name)),
            (cip_req(0x0E, 0x01, 1, 5), cip_rsp(0x0E, struct.pack("<H", 0x0060)))]


EN_HMI, EN_EWS, EN_PLC = "10.10.2.10", "10.10.2.50", "10.10.2.20"


def enip_capture(dangerous):
    c = Capture()
    c.session(EN_HMI, EN_PLC, 50100, 44818, enip_session(cip_reads()))
    if dangerous:
        c.session(EN_EWS, EN_PLC, 50200, 44818, enip_session(cip_reads()[:1] + dangerous))
    c.session(EN_HMI, EN_PLC, 50101, 44818, enip_session(cip_reads()[1:]))
    return c


def make_enip(d):
    fname = b"PROGRAM.BIN"
    init_dl = cip_req(0x4C, 0x37, 0xC8, data=struct.pack("<IH", 64, 1) + bytes([len(fname)]) + fname)
    init_dl_r = cip_rsp(0x4C, struct.pack("<IB", 64, 32))
    xfer = [(cip_req(0x50, 0x37, 0xC8, data=bytes([n, 1 if n == 0 else 2]) + bytes(32)),
             cip_rsp(0x50, bytes([n]))) for n in range(2)]
    cases = {
        "cip-reset": [(cip_req(0x05, 0x01, 1, data=b"\x00"), cip_rsp(0x05))],
        "cip-start": [(cip_req(0x06, 0x01, 1), cip_rsp(0x06))],
        "cip-stop": [(cip_req(0x07, 0x01, 1), cip_rsp(0x07))],
        "cip-program-download": [(init_dl, init_dl_r)] + xfer,
    }
    for rid, ex in cases.items():
        enip_capture(ex).write(os.path.join(d, rid + ".pos.pcap"))
        enip_capture(cip_reads()).write(os.path.join(d, rid + ".neg.pcap"))


# ------------------------------------------------------------------ Modbus

def mb_read(tid, unit=1, start=0):
    return (mp.mbap(tid, unit, bytes([3]) + struct.pack("!HH", start, 4)),
            mp.mbap(tid, unit, bytes([3, 8]) + struct.pack("!HHHH", 10, 20, 30, 40)))


def mb_write16(tid, unit=1, start=100):
    req = bytes([16]) + struct.pack("!HHB", start, 2, 4) + struct.pack("!HH", 1, 2)
    return (mp.mbap(tid, unit, req), mp.mbap(tid, unit, bytes([16]) + struct.pack("!HH", start, 2)))


def mb_write6(tid, unit=1, reg=100, val=55):
    pdu = bytes([6]) + struct.pack("!HH", reg, val)
    return (mp.mbap(tid, unit, pdu), mp.mbap(tid, unit, pdu))


MB_HMI, MB_PLC_A, MB_PLC_B = "10.10.3.10", "10.10.3.20", "10.10.3.21"


def make_modbus(d):
    polls = [mb_read(i + 1, 1, 10 * i) for i in range(4)]

    # modbus-write-unexpected-source. src/asset.c gives every Modbus client that issues
    # operations the role hmi (or engineering with diagnostics/program ops); a writer gets
    # another role only when it is something else too. Positive: PLC-A answers the HMI's
    # polls (role plc) and writes holding registers of PLC-B itself. Negative: the HMI
    # polls and writes (role hmi).
    c = Capture()
    c.session(MB_HMI, MB_PLC_A, 50300, 502, polls)
    c.session(MB_HMI, MB_PLC_B, 50301, 502, polls[:2])
    c.session(MB_PLC_A, MB_PLC_B, 50302, 502, [mb_read(20, 1), mb_write16(21, 1, 200)])
    c.write(os.path.join(d, "modbus-write-unexpected-source.pos.pcap"))

    def hmi_routine():
        c = Capture()
        c.session(MB_HMI, MB_PLC_A, 50300, 502, polls + [mb_write6(9, 1, 100, 55)])
        c.session(MB_HMI, MB_PLC_B, 50301, 502, polls[:2] + [mb_write16(10, 1, 200)])
        return c

    neg = hmi_routine()
    neg.write(os.path.join(d, "modbus-write-unexpected-source.neg.pcap"))
    neg.write(os.path.join(d, "modbus-restart.neg.pcap"))
    neg.write(os.path.join(d, "modbus-broadcast-write.neg.pcap"))

    # modbus-restart: FC 8 sub-function 0x0001 Restart Communications Option (echoed)
    c = hmi_routine()
    rst = bytes([8]) + struct.pack("!HH", 0x0001, 0x0000)
    c.session(MB_HMI, MB_PLC_A, 50310, 502, [(mp.mbap(30, 1, rst), mp.mbap(30, 1, rst))])
    c.write(os.path.join(d, "modbus-restart.pos.pcap"))

    # modbus-broadcast-write: unit 0 is the broadcast address; a gateway forwards it to
    # every serial slave, which acts without answering
    c = hmi_routine()
    bc = bytes([6]) + struct.pack("!HH", 100, 0)
    c.session(MB_HMI, MB_PLC_A, 50320, 502, [(mp.mbap(40, 0, bc), b""), mb_read(41, 1)])
    c.write(os.path.join(d, "modbus-broadcast-write.pos.pcap"))


# ------------------------------------------------------------------ DNP3

def crc_dnp(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return struct.pack("<H", (~crc) & 0xFFFF)


def dnp3_frame(master_to_out, dst, src, apdu, tseq):
    """One link frame (unconfirmed user data) carrying one transport segment."""
    ctrl = 0xC4 if master_to_out else 0x44
    user = bytes([0xC0 | (tseq & 0x3F)]) + apdu
    hdr = struct.pack("<BBBBHH", 0x05, 0x64, 5 + len(user), ctrl, dst, src)
    out = hdr + crc_dnp(hdr)
    for i in range(0, len(user), 16):
        blk = user[i:i + 16]
        out += blk + crc_dnp(blk)
    return out


D3_MASTER, D3_OUT = 1, 10
D3_HMI, D3_RTU = "10.10.4.10", "10.10.4.20"


class Dnp3:
    def __init__(self):
        self.ex = []
        self.seq = 0
        self.tm = 0
        self.to = 0

    def x(self, fc, objs=b"", rsp_objs=b"", iin=b"\x00\x00", answer=True):
        req = bytes([0xC0 | self.seq, fc]) + objs
        r = dnp3_frame(True, D3_OUT, D3_MASTER, req, self.tm)
        self.tm += 1
        a = b""
        if answer:
            a = dnp3_frame(False, D3_MASTER, D3_OUT, bytes([0xC0 | self.seq, 0x81]) + iin + rsp_objs,
                           self.to)
            self.to += 1
        self.ex.append((r, a))
        self.seq = (self.seq + 1) & 0x0F

    def poll(self):
        # class 1, 2, 3, 0 read; a binary input and a counter in the answer
        self.x(1, bytes.fromhex("3c0206" "3c0306" "3c0406" "3c0106"),
               bytes.fromhex("0102000000" "01") +                 # g1v2 point 0: online, off
               bytes.fromhex("1401000000" "01") + struct.pack("<I", 1234))  # g20v1 counter 0


def crob(index, code=0x03):
    """g12v1 CROB, qualifier 0x28 (2-octet count, 2-octet index prefix): latch on."""
    return bytes.fromhex("0c0128") + struct.pack("<HH", 1, index) + \
        struct.pack("<BBIIB", code, 1, 100, 0, 0)


def dnp3_capture(fill):
    d3 = Dnp3()
    d3.poll()
    d3.x(20, bytes.fromhex("3c0206" "3c0306" "3c0406"))       # enable unsolicited (start-up)
    d3.poll()
    fill(d3)
    d3.poll()
    c = Capture()
    c.session(D3_HMI, D3_RTU, 50400, 20000, d3.ex)
    return c


def g70v3(mode, name, req_id=1):
    """File command object: open FILE for mode (1 read, 2 write)."""
    body = struct.pack("<HH", 26, len(name)) + bytes(6) + struct.pack("<HIIHHH", 0x01B6, 0, 0, mode,
                                                                      1024, req_id) + name
    return bytes.fromhex("46035b01") + struct.pack("<H", len(body)) + body


def g70v4(handle, req_id=1, status=0):
    body = struct.pack("<IIHHB", handle, 0, 1024, req_id, status)
    return bytes.fromhex("46045b01") + struct.pack("<H", len(body)) + body


def make_dnp3(d):
    def restart(d3):
        d3.x(13, rsp_objs=bytes.fromhex("3402070100" "10"))    # cold restart, g52v2 delay 4096 ms
        d3.x(14, rsp_objs=bytes.fromhex("3402070110" "00"))    # warm restart, g52v2 delay 16 ms

    def stop_app(d3):
        name = b"LOGIC"
        d3.x(18, bytes.fromhex("5a015b01") + struct.pack("<H", len(name)) + name)

    def disable(d3):
        d3.x(21, bytes.fromhex("3c0206" "3c0306" "3c0406"))

    def files(d3):
        name = b"/cfg/logic.bin"
        d3.x(25, g70v3(2, name), g70v4(0x1001))

    def direct(d3):
        d3.x(5, crob(3), crob(3))
        d3.x(6, crob(4), answer=False)

    def operate_alone(d3):
        d3.x(4, crob(7), crob(7))

    def sbo(d3):
        d3.x(3, crob(7), crob(7))
        d3.x(4, crob(7), crob(7))

    cases = {
        "dnp3-restart": restart,
        "dnp3-stop-application": stop_app,
        "dnp3-disable-unsolicited": disable,
        "dnp3-file-transfer": files,
        "dnp3-direct-operate": direct,
        "dnp3-operate-without-select": operate_alone,
    }
    for rid, fill in cases.items():
        dnp3_capture(fill).write(os.path.join(d, rid + ".pos.pcap"))
        # negative: polling and a select-before-operate control (the correct way)
        dnp3_capture(sbo).write(os.path.join(d, rid + ".neg.pcap"))


# ------------------------------------------------------------------ IEC 60870-5-104

class I104:
    def __init__(self, ca=1):
        self.ex = [(bytes.fromhex("680407000000"), bytes.fromhex("68040b000000"))]  # STARTDT
        self.ca = ca
        self.vs_m = self.vs_c = 0   # send sequence numbers: master (controlling), controlled

    def i_m(self, asdu):
        f = bytes([0x68, 4 + len(asdu)]) + struct.pack("<HH", self.vs_m << 1, self.vs_c << 1) + asdu
        self.vs_m += 1
        return f

    def i_c(self, asdu):
        f = bytes([0x68, 4 + len(asdu)]) + struct.pack("<HH", self.vs_c << 1, self.vs_m << 1) + asdu
        self.vs_c += 1
        return f

    def asdu(self, tid, cot, ioa, elem, n=1):
        return struct.pack("<BBBBH", tid, n, cot, 0, self.ca) + struct.pack("<I", ioa)[:3] + elem

    def s_frame(self):
        return bytes([0x68, 4, 1, 0]) + struct.pack("<H", self.vs_c << 1)

    def command(self, tid, ioa, elem):
        """act -> actcon, actterm (the controlled station's replies in one segment each)."""
        req = self.i_m(self.asdu(tid, 6, ioa, elem))
        con = self.i_c(self.asdu(tid, 7, ioa, elem))
        self.ex.append((req, con))
        term = self.i_c(self.asdu(tid, 10, ioa, elem))
        self.ex.append((b"", term))
        self.ex.append((self.s_frame(), b""))

    def interrogation(self):
        req = self.i_m(self.asdu(100, 6, 0, b"\x14"))
        con = self.i_c(self.asdu(100, 7, 0, b"\x14"))
        self.ex.append((req, con))
        # M_SP_NA_1, 3 sequential points (SQ=1) answering the interrogation
        pts = struct.pack("<BBBBH", 1, 0x83, 20, 0, self.ca) + struct.pack("<I", 1001)[:3] + \
            bytes([1, 0, 1])
        self.ex.append((b"", self.i_c(pts)))
        # M_ME_NC_1 short float measurement
        me = self.asdu(13, 20, 2001, struct.pack("<fB", 49.98, 0))
        self.ex.append((b"", self.i_c(me)))
        self.ex.append((b"", self.i_c(self.asdu(100, 10, 0, b"\x14"))))
        self.ex.append((self.s_frame(), b""))

    def spontaneous(self):
        self.ex.append((b"", self.i_c(self.asdu(13, 3, 2001, struct.pack("<fB", 50.01, 0)))))
        self.ex.append((self.s_frame(), b""))


I4_SCADA, I4_RTU = "10.10.5.10", "10.10.5.20"


def make_iec104(d):
    def cap(fill):
        s = I104()
        s.interrogation()
        s.spontaneous()
        if fill:
            fill(s)
        s.spontaneous()
        c = Capture()
        c.session(I4_SCADA, I4_RTU, 50500, 2404, s.ex)
        return c

    def controls(s):
        s.command(45, 3001, b"\x01")                          # C_SC_NA_1 single command ON
        s.command(46, 3002, b"\x02")                          # C_DC_NA_1 double command ON
        s.command(50, 4001, struct.pack("<fB", 12.5, 0))      # C_SE_NC_1 set-point float

    def reset(s):
        s.command(105, 0, b"\x01")                            # C_RP_NA_1 general reset

    cap(controls).write(os.path.join(d, "iec104-control-command.pos.pcap"))
    cap(reset).write(os.path.join(d, "iec104-reset-process.pos.pcap"))
    for rid in ("iec104-control-command", "iec104-reset-process"):
        cap(None).write(os.path.join(d, rid + ".neg.pcap"))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(_here, "rules")
    os.makedirs(d, exist_ok=True)
    for fn in (make_s7, make_enip, make_modbus, make_dnp3, make_iec104):
        fn(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
