# SPDX-License-Identifier: BSD-3-Clause
"""MELSEC SLMP / MELSOFT: who talks, on which port, how many PDUs (tshark has no decoder).

tshark 4.0 has no SLMP or MELSOFT dissector: the truth section "melsec_melsoft" is its
port heuristic (5006, 5007, 5551, 5552, 5560, 5562). The shared captures hold the MELSOFT
engineering protocol (GX Works), which otsensor's slmp module recognises by its header
(subheader 57/D7, size at offset 19) and the 5A/DA station search. What the truth says that
a content decoder can reproduce is scored:
  - the transports seen (one item per transport);
  - every endpoint (ip, role, server port, transport): the client sends requests, the
    server answers from its port (roles come from the subheader, not from ports);
  - every conversation (client, server, server port, transport);
  - on UDP, packets per endpoint and conversation and in total: one datagram is one PDU.
Skipped, with the reason printed:
  - TCP packet counts: tshark counts every segment (bare ACKs, handshake, and here every
    frame twice: the capture saw each packet on both sides of a router); otsensor counts
    PDUs once.
  - endpoint MAC addresses: the duplicate copy of each frame carries the router's MAC;
    otsensor keeps the first copy and drops the retransmitted one.
"""
from collections import Counter

TRUTH_KEY = "melsec_melsoft"
DIRS = ["melsec", "mixed_plant"]


def _views(ev):
    """(endpoints Counter, conversations Counter, transports set) from slmp ops."""
    eps, convs, trs = Counter(), Counter(), set()
    for e in ev:
        if e["record"] != "ics_op" or e["ics"]["protocol"] != "slmp":
            continue
        tr = e.get("transport")
        trs.add(tr)
        if e["ics"]["response"]:
            server, port, client = e.get("src_ip"), e.get("src_port"), e.get("dst_ip")
            eps[(server, "server", port, tr)] += 1
        else:
            client, server, port = e.get("src_ip"), e.get("dst_ip"), e.get("dst_port")
            eps[(client, "client", None, tr)] += 1
        convs[(client, server, port, tr)] += 1
    return eps, convs, trs


def score(t, ev, misses, label):
    eps, convs, trs = _views(ev)
    n = ok = 0
    tr_truth = t.get("transport", {}) or {}
    for tr, cnt in sorted(tr_truth.items()):
        n += 1
        if tr in trs:
            ok += 1
        else:
            misses.append(f"{label} slmp transport {tr}: tshark {cnt}, otsensor 0")
        if tr == "udp":
            n += 1
            got = sum(v for k, v in convs.items() if k[3] == "udp")
            if got == cnt:
                ok += 1
            else:
                misses.append(f"{label} slmp udp packets: tshark {cnt}, otsensor {got}")
        else:
            print(f"skip: {label} slmp {tr} packet count {cnt}: tshark counts segments "
                  "(ACKs, duplicates), otsensor PDUs")
    seen = set()
    for ep in t.get("endpoints", []) or []:
        key = (ep.get("ip"), ep.get("role"), ep.get("port"), ep.get("transport"))
        if key in seen:
            print(f"skip: {label} slmp endpoint {key} mac {ep.get('mac')}: same endpoint "
                  "through another MAC (duplicated frames)")
            continue
        seen.add(key)
        n += 1
        if key in eps:
            ok += 1
        else:
            misses.append(f"{label} slmp endpoint {key} not seen")
            continue
        if key[3] == "udp":
            n += 1
            if eps[key] == ep.get("packets_sent"):
                ok += 1
            else:
                misses.append(f"{label} slmp endpoint {key} packets: tshark "
                              f"{ep.get('packets_sent')}, otsensor {eps[key]}")
    for cv in t.get("conversations", []) or []:
        key = (cv.get("client"), cv.get("server"), cv.get("server_port"), cv.get("transport"))
        n += 1
        if key in convs:
            ok += 1
        else:
            misses.append(f"{label} slmp conversation {key} not seen")
            continue
        if key[3] == "udp":
            n += 1
            if convs[key] == cv.get("packets"):
                ok += 1
            else:
                misses.append(f"{label} slmp conversation {key} packets: tshark "
                              f"{cv.get('packets')}, otsensor {convs[key]}")
    return n, ok
