# SPDX-License-Identifier: BSD-3-Clause
"""Modbus/TCP: request and response function-code counts, unit-id counts, MEI identity."""
from collections import Counter

from common import compare

TRUTH_KEY = "modbus"
DIRS = ["modbus", "mixed_plant"]


# Captures where tshark's request/response split cannot be ours, and why. There the
# function-code counts are compared with both directions summed (still exact per code).
DIRECTION_BY_CONTENT = {
    "iti_modbus_test_data_part1.pcap":
        "the host on port 502 opens the TCP connection and sends exception responses "
        "(function code | 0x80) and an unknown function 42; the truth calls every PDU of the "
        "TCP initiator a request, otsensor calls a PDU from port 502 (and any exception) a "
        "response, as the Modbus spec does",
}

ROLE_EXPLAINED = DIRECTION_BY_CONTENT


def score(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "modbus"]
    req = Counter(str(o["function_code"] & 0x7f) for o in ops if not o["response"])
    rsp = Counter(str(o["function_code"] & 0x7f) for o in ops if o["response"])
    units = Counter(str(o["unit"]) for o in ops if "unit" in o)
    n = ok = 0
    reason = next((r for cap, r in DIRECTION_BY_CONTENT.items() if cap in label), None)
    if reason:
        print(f"explained: {label} request/response split: {reason}")
        both = Counter(t.get("function_codes_requests", {}) or {})
        both.update(t.get("function_codes_responses", {}) or {})
        checks = (("function_codes (both directions)", dict(both), req + rsp),
                  ("unit_ids", t.get("unit_ids", {}) or {}, units))
    else:
        checks = (("function_codes_requests", t.get("function_codes_requests", {}) or {}, req),
                  ("function_codes_responses", t.get("function_codes_responses", {}) or {}, rsp),
                  ("unit_ids", t.get("unit_ids", {}) or {}, units))
    for key, want, got in checks:
        a, b = compare(key, want, got, misses, label)
        n += a
        ok += b
    ident = t.get("device_identification", {}) or {}
    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == "modbus":
            ip = e["src_ip"] if e["ics"]["asset"] == "src" else e["dst_ip"]
            facts.setdefault(ip, set()).add(e["ics"]["value"])
    for ip, fields in ident.items():
        for field, value in fields.items():
            n += 1
            if value in facts.get(ip, set()):
                ok += 1
            else:
                misses.append(f"{label} modbus identity {ip} {field}={value!r} not reported")
    return n, ok
