# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the per-protocol scorers in tests/accuracy/ (see tests/ics-accuracy.py).

A scorer module <proto>.py defines:
  TRUTH_KEY  the key under "ics" in the tshark truth files ("enip_cip", "iec104" ...)
  TRUTH_SECTION  optional: "it" for protocols the truth files list there (LLDP, CDP, DHCP)
  DIRS       the folders of ../shared/pcaps whose captures it scores (["*"]: every folder)
  PROTOCOL   optional: ics.protocol of our records when it differs from the module name
  ROLE_EXPLAINED  optional: {capture file name: reason} where tshark's client/server side of an
             endpoint cannot be ours (the runner then skips those endpoint items, printing why)
  ENDPOINT_SKIPS  optional: {capture file name: {(ip, role): reason}}: single endpoints to skip
The runner also scores the truth's "endpoints" (ip, role client/server) for every module:
an endpoint is found when one of our operations has it on the right side (a server sends
responses or receives requests; a client the reverse).
  score(t, ev, misses, label) -> (items, matched)
             t: the truth's ics[TRUTH_KEY] dict; ev: every events.jsonl record of the run
             (made with --log-all-ops --deterministic); append one line to misses per miss.
"""
from collections import Counter


def compare(name, want, got, misses, label):
    """Count items of want (key -> count or value) that got reproduces exactly."""
    items = ok = 0
    for k, v in sorted(want.items(), key=lambda kv: str(kv[0])):
        items += 1
        if got.get(k) == v:
            ok += 1
        else:
            misses.append(f"{label} {name} {k}: tshark {v}, otsensor {got.get(k, 0)}")
    return items, ok


def ops(ev, proto):
    """The ics objects of every ics_op record of protocol proto."""
    return [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == proto]


def count(items, key=lambda o: o["function_code"]):
    """Counter of str(key(item)) over items."""
    return Counter(str(key(o)) for o in items)


def identity_values(ev, proto):
    """{ip: set(values)} of every identity record of proto, by the asset it describes."""
    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == proto:
            ip = e.get("src_ip") if e["ics"]["asset"] == "src" else e.get("dst_ip")
            facts.setdefault(ip, set()).add(e["ics"]["value"])
    return facts


def identity_attrs(ev, proto):
    """{(ip, attribute): set(values)} of every identity record of proto."""
    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == proto:
            ip = e.get("src_ip") if e["ics"]["asset"] == "src" else e.get("dst_ip")
            facts.setdefault((ip, e["ics"]["attribute"]), set()).add(e["ics"]["value"])
    return facts


def l2_identity(ev, proto):
    """{(src_mac, attribute): set(values)} of identity records of a layer-2 protocol."""
    facts = {}
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == proto:
            facts.setdefault((e.get("src_mac"), e["ics"]["attribute"]), set()).add(e["ics"]["value"])
    return facts


def l2_counts(ev, proto):
    """Counter of ics_op records of proto per src_mac."""
    return Counter(e.get("src_mac") for e in ev
                   if e["record"] == "ics_op" and e["ics"]["protocol"] == proto)


def score_l2_identity(t, ev, proto, fields, misses, label):
    """Score truth {mac: {field: value, "packets": n}} against layer-2 identity and op counts.
    fields maps a truth field to our attribute name."""
    got = l2_identity(ev, proto)
    pk = l2_counts(ev, proto)
    n = ok = 0
    for mac, info in sorted(t.items()):
        for field, value in sorted(info.items()):
            n += 1
            if field == "packets":
                if pk.get(mac, 0) == value:
                    ok += 1
                else:
                    misses.append(f"{label} {proto} {mac} frames: tshark {value}, otsensor {pk.get(mac, 0)}")
                continue
            attr = fields.get(field)
            if attr and value in got.get((mac, attr), set()):
                ok += 1
            else:
                misses.append(f"{label} {proto} {mac} {field}={value!r}: otsensor "
                              f"{sorted(got.get((mac, attr), set()))}")
    return n, ok


def score_endpoints(t, ev, proto, misses, label, skips=None):
    """Every ICS endpoint of the truth is found, on its client/server side (skips:
    {(ip, role): reason} printed and left out)."""
    eps = t.get("endpoints") or []
    seen = set()
    for e in ev:
        if e["record"] != "ics_op" or e["ics"]["protocol"] != proto or "src_ip" not in e:
            continue
        rsp = e["ics"].get("response", False)
        seen.add((e["src_ip"], "server" if rsp else "client"))
        seen.add((e["dst_ip"], "client" if rsp else "server"))
    n = ok = 0
    for ep in eps:
        if ep.get("role") not in ("client", "server") or not ep.get("ip"):
            continue
        why = (skips or {}).get((ep["ip"], ep["role"]))
        if why:
            print(f"explained: {label} endpoint {ep['ip']} as {ep['role']}: {why}")
            continue
        n += 1
        if (ep["ip"], ep["role"]) in seen:
            ok += 1
        else:
            misses.append(f"{label} endpoint {ep['ip']} as {ep['role']} not found")
    return n, ok
