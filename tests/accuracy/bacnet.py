# SPDX-License-Identifier: BSD-3-Clause
"""BACnet/IP: APDU types, BVLC functions, confirmed/unconfirmed service counts, devices.

otsensor's bacnet function_code (protocols/bacnet.c): confirmed service = service choice,
unconfirmed = 0x100 | service, network message = 0x200 | type, BVLC function without an
NPDU = 0x300 | function, segment ACK / reject / abort = 0x400 | APDU type.
"""
from collections import Counter

from common import compare

TRUTH_KEY = "bacnet"
DIRS = ["bacnet", "mixed_plant"]

# Confirmed services the standard answers with a ComplexACK (bacnet.c flags a SimpleACK for
# them, and a ComplexACK for the others, as malformed), so response + service tells the type.
COMPLEX = {3, 4, 6, 7, 10, 12, 13, 14, 18, 21, 23, 24, 25, 26, 29, 33}
NPDU_BVLC = ("0x04", "0x09", "0x0a", "0x0b")

# Truth device fields -> otsensor identity attribute.
DEVICE_ATTRS = {
    "vendor_identifier": "vendor_id",
    "vendor_name": "vendor",
    "model_name": "model",
    "firmware_revision": "firmware",
    "application_software_version": "software_version",
    "description": "description",
    "object_name": "name",
    "location": "location",
}


def apdu_type(o):
    fc = o["function_code"]
    if fc >= 0x400:
        return {4: "segment_ack", 6: "reject", 7: "abort"}.get(fc & 0xf, "?")
    if fc >= 0x200:
        return None  # network layer message or BVLC-only: no APDU
    if fc >= 0x100:
        return "unconfirmed_request"
    if not o["response"]:
        return "confirmed_request"
    if "exception" in o:
        return "error"
    return "complex_ack" if fc in COMPLEX else "simple_ack"


def score(t, ev, misses, label):
    ops = [e for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "bacnet"]
    io = [e["ics"] for e in ops]
    n = ok = 0

    got = Counter(a for a in map(apdu_type, io) if a)
    a, b = compare("apdu_types", t.get("apdu_types") or {}, got, misses, label)
    n, ok = n + a, ok + b

    conf = Counter(str(o["function_code"]) for o in io if o["function_code"] < 0x100)
    a, b = compare("confirmed_services", t.get("confirmed_services") or {}, conf, misses, label)
    n, ok = n + a, ok + b
    unconf = Counter(str(o["function_code"] & 0xff) for o in io
                     if 0x100 <= o["function_code"] < 0x200)
    a, b = compare("unconfirmed_services", t.get("unconfirmed_services") or {}, unconf, misses,
                   label)
    n, ok = n + a, ok + b

    # BVLC functions. Those without an NPDU are ops of their own (0x300 | function) and are
    # compared one by one. The NPDU carriers (forwarded, distribute, original unicast and
    # broadcast) are the envelope of an NPDU op that names the message, not the envelope: the
    # op record has no field for it, so their truth counts are compared as one sum against the
    # NPDU ops (every other op).
    want = dict(t.get("bvlc_functions") or {})
    npdu_want = sum(want.pop(k, 0) for k in NPDU_BVLC)
    bvlc = Counter("0x%02x" % (o["function_code"] & 0xff) for o in io
                   if 0x300 <= o["function_code"] < 0x400)
    a, b = compare("bvlc_functions", want, bvlc, misses, label)
    n, ok = n + a, ok + b
    if npdu_want:
        npdu_got = sum(1 for o in io if not 0x300 <= o["function_code"] < 0x400)
        a, b = compare("bvlc_functions", {"0x04+0x09+0x0a+0x0b": npdu_want},
                       {"0x04+0x09+0x0a+0x0b": npdu_got}, misses, label)
        n, ok = n + a, ok + b

    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == "bacnet":
            ip = e.get("src_ip") if e["ics"]["asset"] == "src" else e.get("dst_ip")
            facts.setdefault((ip, e["ics"]["attribute"]), set()).add(e["ics"]["value"])
    units = {}
    for e in ops:
        if "unit" in e["ics"]:
            for ip in (e.get("src_ip"), e.get("dst_ip")):
                units.setdefault(ip, set()).add(e["ics"]["unit"])
    for d in t.get("devices") or []:
        ip = d.get("ip")
        if "device_instance" in d:
            n += 1
            if d["device_instance"] in units.get(ip, set()):
                ok += 1
            else:
                misses.append(f"{label} bacnet device {ip} instance {d['device_instance']}: "
                              f"not a unit of its ops")
        for field, value in d.items():
            if field in ("ip", "mac", "source", "device_instance"):
                continue
            attr = DEVICE_ATTRS.get(field)
            if attr is None:
                print(f"skip: {label} bacnet device {ip} {field}={value!r}: no identity "
                      f"attribute for it in ics-t.h")
                continue
            if value == "":
                # An empty CharacterString names nothing: no fact is emitted for it.
                print(f"skip: {label} bacnet device {ip} {field}: empty string")
                continue
            n += 1
            if str(value) in facts.get((ip, attr), set()):
                ok += 1
            else:
                misses.append(f"{label} bacnet device {ip} {field}={value!r} not reported "
                              f"(got {sorted(facts.get((ip, attr), set()))})")
    return n, ok
