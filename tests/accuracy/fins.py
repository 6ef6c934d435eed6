# SPDX-License-Identifier: BSD-3-Clause
"""Omron FINS: command and response code counts, FINS/TCP command counts, controller data.

  command_codes / command_codes_responses  "0x%04x" of (MRC << 8 | SRC) for commands and
                 responses (ICF bit 6); the dissector's function_code is that command code.
  fins_tcp_commands  FINS/TCP header command counts over TCP: a FINS/TCP message other than
                 frame send is an op of function 0x10000 | command; every FINS frame carried
                 over TCP came in a frame send (command 2).
  controller_data  controller model and version of a 0501 response (MODEL and FIRMWARE facts
                 of the responder), compared as tshark shows them (NULs and spaces trimmed).
"""
from collections import Counter

from common import compare

TRUTH_KEY = "fins"
DIRS = ["omron_fins"]
TCP_FUNC = 0x10000


def score(t, ev, misses, label):
    recs = [e for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "fins"]
    frames = [e["ics"] for e in recs if e["ics"]["function_code"] < TCP_FUNC]
    req = Counter("0x%04x" % o["function_code"] for o in frames if not o["response"])
    rsp = Counter("0x%04x" % o["function_code"] for o in frames if o["response"])
    tcp = Counter(str(e["ics"]["function_code"] & 0xffff if e["ics"]["function_code"] >= TCP_FUNC
                      else 2) for e in recs if e.get("transport") == "tcp")
    n = ok = 0
    for key, got in (("command_codes", req), ("command_codes_responses", rsp),
                     ("fins_tcp_commands", tcp)):
        a, b = compare(key, t.get(key, {}) or {}, got, misses, label)
        n += a
        ok += b
    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == "fins":
            ip = e.get("src_ip") if e["ics"]["asset"] == "src" else e.get("dst_ip")
            facts.setdefault((ip, e["ics"]["attribute"]), set()).add(e["ics"]["value"])
    for ip, fields in (t.get("controller_data", {}) or {}).items():
        for field, attr in (("controller_model", "model"), ("controller_version", "firmware")):
            if field not in fields:
                continue
            n += 1
            have = facts.get((ip, attr), set())
            if fields[field] in have:
                ok += 1
            else:
                misses.append(f"{label} fins controller_data {ip} {field}={fields[field]!r} "
                              f"not reported (otsensor {sorted(have)})")
    return n, ok
