# SPDX-License-Identifier: BSD-3-Clause
"""Modbus/TCP: request and response function-code counts, unit-id counts, MEI identity."""
from collections import Counter

from common import compare

TRUTH_KEY = "modbus"
DIRS = ["modbus", "mixed_plant"]


def score(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "modbus"]
    req = Counter(str(o["function_code"] & 0x7f) for o in ops if not o["response"])
    rsp = Counter(str(o["function_code"] & 0x7f) for o in ops if o["response"])
    units = Counter(str(o["unit"]) for o in ops if "unit" in o)
    n = ok = 0
    for key, got in (("function_codes_requests", req), ("function_codes_responses", rsp),
                     ("unit_ids", units)):
        a, b = compare(key, t.get(key, {}) or {}, got, misses, label)
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
