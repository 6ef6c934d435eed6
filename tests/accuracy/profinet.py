# SPDX-License-Identifier: BSD-3-Clause
"""PROFINET DCP (dissector profinet_dcp): service counts, DCP FrameIDs, device identity.

What is scored, from the tshark truth's ics.profinet:
  dcp_services   "<ServiceID>/<req|rsp>" counts: function_code is the DCP ServiceID
                 (3 Get, 4 Set, 5 Identify, 6 Hello), response the ServiceType's bit 0.
  rt_frame_ids   the DCP FrameIDs only (0xfefc-0xfeff). The dissector rejects a frame whose
                 FrameID does not fit its service (frame_id_mismatch), so each op names its
                 FrameID: Identify request 0xfefe, Identify response 0xfeff, Get/Set 0xfefd,
                 Hello 0xfefc.
  dcp_devices    per device MAC (responses, Hello: the sender) and per "set_request:A->B"
                 (a Set names the receiver B): NameOfStation, type of station, VendorID,
                 DeviceID, DeviceRole, IP address.

Skipped, each with the reason printed:
  - pnio_cm_dcerpc_request_opnums / pnio_cm_opnums: PROFINET IO connection management is
    DCE/RPC over UDP 34964, not DCP; no dissector of this tree decodes it.
  - rt_frame_ids outside 0xfefc-0xfeff: cyclic RT, alarm and PTCP frames share EtherType
    0x8892 but are not DCP; the dissector accepts them without an op.
  - dcp_devices "identify_request:A->B" entries: the NameOfStation in an Identify request is a
    search filter sent to the DCP multicast address, not a fact about any device.
  - ip "0.0.0.0": the device has no address configured; reporting it as an identity would be
    noise, so the dissector does not.
"""
from collections import Counter

from common import compare

TRUTH_KEY = "profinet"
DIRS = ["profinet"]
PROTO = "profinet_dcp"
PROTOCOL = PROTO  # ics.protocol of our records (the runner scores endpoints with it)

FRAME_ID = {(5, False): "0xfefe", (5, True): "0xfeff", (3, False): "0xfefd",
            (3, True): "0xfefd", (4, False): "0xfefd", (4, True): "0xfefd",
            (6, False): "0xfefc"}
FIELD_ATTR = {"name_of_station": "name", "type_of_station": "model", "vendor_id": "vendor_id",
              "device_id": "product_code", "device_role": "role", "ip": "ip",
              "netmask": "netmask", "gateway": "gateway"}
ROLE_BITS = ("io-device", "io-controller", "io-multidevice", "io-supervisor")
SKIP_KEYS = {
    "pnio_cm_dcerpc_request_opnums": "PNIO-CM is DCE/RPC over UDP 34964, not DCP",
    "pnio_cm_opnums": "PNIO-CM is DCE/RPC over UDP 34964, not DCP",
}


def _role_text(v):
    bits = int(v, 16)
    return "+".join(n for i, n in enumerate(ROLE_BITS) if bits & (1 << i))


def _facts(ev):
    """{(asset mac, attribute): set(values)} of profinet_dcp identity. The engine logs one
    record per asset, attribute and value, so a Set naming a station with the name its
    Identify response already gave shows only once: values are kept per device MAC."""
    got = {}
    for e in ev:
        if e["record"] != "identity" or e["ics"]["protocol"] != PROTO:
            continue
        a = e["ics"]
        mac = e.get("src_mac") if a["asset"] == "src" else e.get("dst_mac")
        got.setdefault((mac, a["attribute"]), set()).add(a["value"])
    return got


def score(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == PROTO]
    n = ok = 0
    for key, why in SKIP_KEYS.items():
        if t.get(key):
            print(f"explained: {label} {key} {t[key]}: {why}")

    svc = Counter(f"{o['function_code']}/{'rsp' if o['response'] else 'req'}" for o in ops)
    a, b = compare("dcp_services", t.get("dcp_services", {}) or {}, svc, misses, label)
    n += a
    ok += b

    fids = Counter(FRAME_ID.get((o["function_code"], bool(o["response"])), "?") for o in ops)
    want = {}
    for k, v in (t.get("rt_frame_ids", {}) or {}).items():
        if k in ("0xfefc", "0xfefd", "0xfefe", "0xfeff"):
            want[k] = v
        else:
            print(f"explained: {label} rt_frame_ids {k}={v}: PROFINET RT/alarm/PTCP frame, not DCP")
    a, b = compare("rt_frame_ids", want, fids, misses, label)
    n += a
    ok += b

    got = _facts(ev)
    for who, fields in (t.get("dcp_devices", {}) or {}).items():
        if who.startswith("identify_request:"):
            print(f"explained: {label} dcp_devices {who} {fields}: an Identify request's filter "
                  "names the station sought, not a device")
            continue
        if ":" in who and "->" in who and who.split(":", 1)[0].endswith("_request"):
            kind, pair = who.split(":", 1)
            src, dst = pair.split("->")
            asset = src if kind == "hello_request" else dst
        else:
            asset = who
        for field, value in sorted(fields.items()):
            if field == "ip" and value == "0.0.0.0":
                print(f"explained: {label} dcp_devices {who} ip=0.0.0.0: no address configured")
                continue
            want_v = _role_text(value) if field == "device_role" else value
            n += 1
            have = got.get((asset, FIELD_ATTR[field]), set())
            if want_v in have:
                ok += 1
            else:
                misses.append(f"{label} profinet dcp_devices {who} {field}={want_v!r} "
                              f"not reported (otsensor {sorted(have)})")
    return n, ok
