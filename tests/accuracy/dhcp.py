# SPDX-License-Identifier: BSD-3-Clause
"""DHCP (it.dhcp in the truth, keyed by the client's MAC): message-type counts, host name,
vendor class, requested and assigned addresses. Messages are compared per capture (a server's
reply is sent by the server's MAC and the truth files it under the client's)."""
import ipaddress
from collections import Counter

from common import compare

TRUTH_KEY = "dhcp"
TRUTH_SECTION = "it"
DIRS = ["*"]
ATTRS = {"hostname": "hostname", "vendor_class": "vendor_class", "assigned_ip": "ip"}


def score(t, ev, misses, label):
    ops = [e for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "dhcp"]
    want = Counter()
    for info in t.values():
        want.update({str(k): v for k, v in (info.get("messages") or {}).items()})
    got = Counter(str(e["ics"]["function_code"]) for e in ops)
    n, ok = compare("messages", dict(want), got, misses, label)
    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == "dhcp":
            mac = e.get("src_mac") if e["ics"]["asset"] == "src" else e.get("dst_mac")
            facts.setdefault((mac, e["ics"]["attribute"]), set()).add(e["ics"]["value"])
    requested = {}
    for e in ops:
        a = e["ics"].get("address")
        if a and not e["ics"]["response"]:
            requested.setdefault(e.get("src_mac"), set()).add(str(ipaddress.ip_address(a["start"])))
    for mac, info in sorted(t.items()):
        for field, value in sorted(info.items()):
            if field == "messages":
                continue
            n += 1
            if field == "requested_ip":
                found = value in requested.get(mac, set())
            else:
                found = value in facts.get((mac, ATTRS.get(field)), set())
            if found:
                ok += 1
            else:
                misses.append(f"{label} dhcp {mac} {field}={value!r} not reported")
    return n, ok
