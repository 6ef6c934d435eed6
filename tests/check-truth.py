#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare an otsensor result directory with a tshark truth file (../shared/pcaps/*.truth.json).

Checks that must hold for any correct flow engine, whatever its classifier:
  - every packet of the capture is counted (fewer only when the file is cut short);
  - IPv4/IPv6 frame counts match tshark's;
  - every industrial conversation tshark decoded (client, server, server port, transport) is
    one or more of our flows;
  - every host that sent an IP packet appears in some flow.
Prints each difference; exit status 1 when there is one.
"""
import json
import sys


def load_flows(path):
    flows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                flows.append(json.loads(line))
    return flows


def main():
    truth = json.load(open(sys.argv[1], encoding="utf-8"))
    outdir = sys.argv[2]
    stats = json.load(open(outdir + "/stats.json", encoding="utf-8"))
    flows = load_flows(outdir + "/flows.jsonl")
    errors = []

    truncated = any(i.get("truncated") for i in stats.get("inputs", []))
    want = truth["capinfos"]["packets"]
    got = stats["packets"]
    if (got != want and not truncated) or got > want:
        errors.append(f"packets: otsensor {got}, capinfos {want}")

    protos = truth.get("protocols", {})
    for ours, theirs in (("ipv4", "ip"), ("ipv6", "ipv6")):
        t = protos.get(theirs, 0)
        o = stats["decode"][ours]
        if not truncated and o != t:
            errors.append(f"{ours} frames: otsensor {o}, tshark {t}")

    pairs = {}
    for f in flows:
        key = frozenset((f["src_ip"], f["dst_ip"]))
        pairs.setdefault((key, f["transport"]), []).append(f)
    for name, ics in sorted(truth.get("ics", {}).items()):
        if not isinstance(ics, dict):
            continue
        for c in ics.get("conversations", []) or []:
            cl, sv, port, tr = c.get("client"), c.get("server"), c.get("server_port"), c.get("transport")
            if not cl or not sv or tr not in ("tcp", "udp"):
                continue
            cands = pairs.get((frozenset((cl, sv)), tr), [])
            if port is not None:
                cands = [f for f in cands if port in (f["src_port"], f["dst_port"])]
            if not cands:
                errors.append(f"{name}: conversation {cl} -> {sv}:{port}/{tr} has no flow")

    seen = set()
    for f in flows:
        seen.add(f["src_ip"])
        seen.add(f["dst_ip"])
    for h in truth.get("hosts", []):
        ip = h.get("ip")
        if ip and ip not in seen and not truncated:
            errors.append(f"host {ip} (mac {h.get('mac')}) is in no flow")

    for e in errors[:50]:
        print(e)
    if len(errors) > 50:
        print(f"... {len(errors) - 50} more")
    print(f"flows {len(flows)}, packets {got}, differences {len(errors)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
