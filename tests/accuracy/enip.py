# SPDX-License-Identifier: BSD-3-Clause
"""EtherNet/IP + CIP: encapsulation command counts, CIP service counts (requests and
responses, embedded Multiple_Service_Packet and Unconnected_Send messages included, as tshark
counts every cip.sc), ListIdentity and Identity object values."""
from collections import Counter

from common import compare, identity_attrs

TRUTH_KEY = "enip_cip"
DIRS = ["enip_cip", "mixed_plant"]

# Encapsulation-level ops carry the command as function code and one of these names; every
# other enip op is a CIP message router request or response.
ENCAP = {"nop", "list_services", "list_identity", "list_interfaces", "register_session",
         "unregister_session", "send_rr_data", "send_unit_data", "indicate_status", "cancel"}
# The truth's own labels (pcap-truth.py ENIP_COMMANDS); 0x0000 (NOP) is not in its table.
TSHARK_CMD = {0x0001: "NOP", 0x0004: "ListServices", 0x0063: "ListIdentity",
              0x0064: "ListInterfaces", 0x0065: "RegisterSession", 0x0066: "UnRegisterSession",
              0x006f: "SendRRData", 0x0070: "SendUnitData", 0x0072: "IndicateStatus",
              0x0073: "Cancel"}
# CIP device profiles as protocols/enip-vendors.h names them (device_type facts are names).
DEVTYPE = {0x0C: "Communications Adapter", 0x0E: "Programmable Logic Controller",
           0x02: "AC Drive", 0x07: "General Purpose Discrete I/O", 0x18: "Human-Machine Interface",
           0x2B: "Generic Device (keyable)", 0x2C: "Managed Switch"}
# Device status word and state byte of ListIdentity are runtime status, not identity: the
# sensor reports no fact for them (no fact attribute fits), so they are not scored.
SKIP_LIR = {"state": "device state byte is runtime status, not an identity fact",
            "status": "device status word is runtime status, not an identity fact"}


def _devtype(v):
    n = int(v, 0)
    return DEVTYPE.get(n, str(n))


def score(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "enip"]
    encap = [o for o in ops if o["function"] in ENCAP]
    cip = [o for o in ops if o["function"] not in ENCAP]
    cmds = Counter("0x%04x(%s)" % (o["function_code"], TSHARK_CMD.get(o["function_code"], "?"))
                   for o in encap)
    req = Counter("0x%02x" % (o["function_code"] & 0x7f) for o in cip if not o["response"])
    rsp = Counter("0x%02x" % (o["function_code"] & 0x7f) for o in cip if o["response"])
    n = ok = 0
    for key, got in (("enip_commands", cmds), ("cip_service_codes_requests", req),
                     ("cip_service_codes_responses", rsp)):
        a, b = compare(key, t.get(key, {}) or {}, got, misses, label)
        n += a
        ok += b
    facts = identity_attrs(ev, "enip")

    def check(ip, field, attr, want, what):
        nonlocal n, ok
        n += 1
        if want in facts.get((ip, attr), set()):
            ok += 1
        else:
            misses.append(f"{label} enip {what} {ip} {field}={want!r}: otsensor "
                          f"{sorted(facts.get((ip, attr), set()))}")

    for ip, f in (t.get("list_identity", {}) or {}).items():
        for field, v in sorted(f.items()):
            if not isinstance(v, str):
                v = v[0]  # several values in one frame: the first one
            if field in SKIP_LIR:
                print(f"skip: {label} list_identity {ip} {field}: {SKIP_LIR[field]}")
                continue
            if field == "vendor_id":
                check(ip, field, "vendor_id", str(int(v, 0)), "list_identity")
            elif field == "device_type":
                check(ip, field, "device_type", _devtype(v), "list_identity")
            elif field == "product_code":
                check(ip, field, "product_code", str(int(v, 0)), "list_identity")
            elif field == "revision":
                r = int(v, 0)
                # tshark shows the two revision bytes as one number, major << 8 | minor
                check(ip, field, "firmware", "%d.%d" % (r >> 8, r & 0xff), "list_identity")
            elif field == "serial":
                check(ip, field, "serial", v, "list_identity")
            elif field == "product_name":
                check(ip, field, "model", v, "list_identity")
    for ip, f in (t.get("cip_identity_object", {}) or {}).items():
        fw = f.get("major_rev", "?") + "." + f.get("minor_rev", "?")
        for field, v in sorted(f.items()):
            if field == "vendor_id":
                check(ip, field, "vendor_id", str(int(v, 0)), "cip_identity")
            elif field == "device_type":
                check(ip, field, "device_type", _devtype(v), "cip_identity")
            elif field == "product_code":
                check(ip, field, "product_code", str(int(v, 0)), "cip_identity")
            elif field in ("major_rev", "minor_rev"):
                check(ip, field, "firmware", fw, "cip_identity")
            elif field == "serial":
                check(ip, field, "serial", v, "cip_identity")
            elif field == "product_name":
                check(ip, field, "model", v, "cip_identity")
    return n, ok
