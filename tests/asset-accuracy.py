#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Score otsensor's asset inventory against the tshark truth beside each shared capture.

usage: asset-accuracy.py OTSENSOR PCAPS_DIR EXPECTED_FILE [--update] [-w N]

For every capture with a truth file, otsensor runs once (`--deterministic -w N`) and three
things are scored:

hosts     every (source MAC, source IP) pair tshark saw is in the inventory: an asset lists
          the IP, and lists the MAC too unless the asset is keyed by IP (a routed peer: its
          frames carry a router's MAC) or tshark saw that MAC with several IPs (a router's).
identity  every identity fact otsensor reported in events.jsonl (the facts that
          ics-accuracy.py scores against tshark's decoding) is an attribute value, with its
          protocol and source message, of the asset holding that endpoint's IP (its MAC for
          layer-2 frames); and the asset's summary field shows one of the attribute's values.
          With ics-accuracy at 100%, this makes every asset's identity equal the truth.
roles     devices whose role the truth makes evident (see evident_roles()) get that role.

Scores are a ratchet in EXPECTED_FILE, as for ics-accuracy.py; every miss is printed.
"""
import json
import os
import subprocess
import sys
import tempfile

BROADCASTISH = ("0.0.0.0", "255.255.255.255", "::")

# Host pairs tshark lists that the inventory leaves out on purpose, with the reason.
HOSTS_EXPLAINED = {
    "malformed/zeek_fuzz-72.pcap": "fuzzed capture: one TCP connection whose frames carry "
    "bit-flipped source MACs (5 of 23 frames); a flow keeps the first MAC each side sent, so "
    "the flipped ones never become devices",
}

# A server of these protocols is, evidently, this kind of device (controllers answer
# S7/CIP/FINS/SLMP; outstations and IEDs answer DNP3, IEC 104, MMS).
SERVER_ROLE = {"s7comm": "plc", "enip_cip": "plc", "fins": "plc", "dnp3": "rtu",
               "iec104": "rtu", "mms": "rtu"}

# Summary field of assets.json -> attributes that feed it.
SUMMARY = {"vendor": ["vendor"], "model": ["model", "module_name", "platform"],
           "product_code": ["product_code", "order_number"],
           "firmware": ["firmware", "sw_version"], "hardware": ["hw_revision"],
           "serial": ["serial"], "name": ["name", "hostname"]}


def is_group_ip(ip):
    if ":" in ip:
        return ip.lower().startswith("ff")
    first = int(ip.split(".")[0])
    return 224 <= first <= 239 or ip.endswith(".255")


def run(otsensor, cap, out, workers):
    subprocess.run([otsensor, "-r", cap, "--deterministic", "-q", "-w", str(workers),
                    "--geoip", "none", "-o", out], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assets = json.load(open(os.path.join(out, "assets.json"), encoding="utf-8"))["assets"]
    except (OSError, ValueError, KeyError):
        assets = None
    events = []
    try:
        with open(os.path.join(out, "events.jsonl"), encoding="utf-8") as f:
            events = [json.loads(line) for line in f if line.strip()]
    except OSError:
        pass
    return assets, events


def index(assets):
    by_ip, by_mac = {}, {}
    for a in assets:
        for ip in a["ips"]:
            by_ip.setdefault(ip, []).append(a)
        for m in a["macs"]:
            by_mac.setdefault(m, []).append(a)
    return by_ip, by_mac


def score_hosts(truth, assets, misses, label):
    why = HOSTS_EXPLAINED.get(label.rstrip(":"))
    if why:
        print(f"explained: {label} hosts: {why}")
        return 0, 0
    by_ip, _ = index(assets)
    ips_per_mac = {}
    for h in truth.get("hosts", []):
        ips_per_mac.setdefault(h["mac"], set()).add(h["ip"])
    n = ok = 0
    for h in truth.get("hosts", []):
        ip, mac = h["ip"], h["mac"]
        if not ip or ip in BROADCASTISH or is_group_ip(ip) or ip.startswith("169.254."):
            continue
        n += 1
        cands = by_ip.get(ip, [])
        if not cands:
            misses.append(f"{label} host {mac} {ip}: no asset lists the IP")
            continue
        if any(a["id"].startswith("ip:") or mac in a["macs"] for a in cands) or \
                len(ips_per_mac.get(mac, ())) > 1:
            ok += 1
        else:
            misses.append(f"{label} host {mac} {ip}: IP in {[a['id'] for a in cands]} "
                          "without that MAC")
    return n, ok


def endpoint_of(e):
    side = e["ics"].get("asset", "src")
    return e.get(side + "_ip"), e.get(side + "_mac")


def score_identity(assets, events, misses, label):
    by_ip, by_mac = index(assets)
    n = ok = 0
    for e in events:
        if e.get("record") != "identity":
            continue
        ics = e["ics"]
        ip, mac = endpoint_of(e)
        if ip and (ip in BROADCASTISH or is_group_ip(ip)):
            ip = None
        cands = by_ip.get(ip, []) if ip else by_mac.get(mac, [])
        n += 1
        what = f"{ics['protocol']} {ics['attribute']}={ics['value']!r} of {ip or mac}"
        if not cands:
            misses.append(f"{label} identity {what}: no asset for the endpoint")
            continue
        good = False
        for a in cands:
            for v in a["attributes"].get(ics["attribute"], []):
                if v["value"] == ics["value"] and any(
                        s["protocol"] == ics["protocol"] and s["message"] == ics["source"]
                        for s in v["sources"]):
                    good = True
        if not good:
            misses.append(f"{label} identity {what}: not among {[a['id'] for a in cands]}'s "
                          "attributes with that source")
            continue
        # the summary field shows one of the values of its attributes
        for field, attrs in SUMMARY.items():
            if ics["attribute"] in attrs:
                for a in cands:
                    vals = {v["value"] for at in attrs for v in a["attributes"].get(at, [])}
                    if a[field] is None or a[field] not in vals:
                        good = False
                        misses.append(f"{label} identity {what}: {a['id']} summary {field}="
                                      f"{a[field]!r} is not one of {sorted(vals)}")
        ok += good
    return n, ok


def evident_roles(truth):
    """IP -> expected role: servers of exactly one evident-role protocol that are not
    clients of any ICS protocol in the capture; GOOSE publishers are IEDs (rtu)."""
    served, clients = {}, set()
    for proto, sec in (truth.get("ics") or {}).items():
        if not isinstance(sec, dict):
            continue
        for ep in sec.get("endpoints", []):
            ip = ep.get("ip")
            if not ip:
                continue
            if ep.get("role") == "server" and proto in SERVER_ROLE:
                served.setdefault(ip, set()).add(SERVER_ROLE[proto])
            elif ep.get("role") == "client":
                clients.add(ip)
    return {ip: r.pop() for ip, r in served.items() if len(r) == 1 and ip not in clients}


def score_roles(truth, assets, misses, label):
    by_ip, _ = index(assets)
    n = ok = 0
    for ip, role in sorted(evident_roles(truth).items()):
        n += 1
        cands = by_ip.get(ip, [])
        if any(a["role"] == role for a in cands):
            ok += 1
        else:
            got = [(a["id"], a["role"], a["role_evidence"][0]) for a in cands]
            misses.append(f"{label} role of {ip}: expected {role}, got {got}")
    return n, ok


def main():
    otsensor, pcaps, expected_file = sys.argv[1:4]
    update = "--update" in sys.argv
    workers = 1
    if "-w" in sys.argv:
        workers = int(sys.argv[sys.argv.index("-w") + 1])
    totals = {"hosts": [0, 0], "identity": [0, 0], "roles": [0, 0]}
    misses = []
    ncap = 0
    with tempfile.TemporaryDirectory() as tmp:
        for d in sorted(os.listdir(pcaps)):
            folder = os.path.join(pcaps, d)
            if not os.path.isdir(folder):
                continue
            for fn in sorted(os.listdir(folder)):
                truth_path = os.path.join(folder, fn + ".truth.json")
                if fn.endswith(".truth.json") or not os.path.exists(truth_path):
                    continue
                truth = json.load(open(truth_path, encoding="utf-8"))
                label = f"{d}/{fn}:"
                assets, events = run(otsensor, os.path.join(folder, fn),
                                     os.path.join(tmp, str(ncap)), workers)
                ncap += 1
                if assets is None:
                    misses.append(f"{label} no assets.json")
                    totals["hosts"][0] += 1
                    continue
                for key, (n, ok) in (("hosts", score_hosts(truth, assets, misses, label)),
                                     ("identity", score_identity(assets, events, misses, label)),
                                     ("roles", score_roles(truth, assets, misses, label))):
                    totals[key][0] += n
                    totals[key][1] += ok
    for m in misses:
        print("miss:", m)
    print(f"captures: {ncap}")
    scores = {}
    for key, (n, ok) in totals.items():
        scores[key] = round(100.0 * ok / n, 1) if n else 100.0
        print(f"score {key}: {ok}/{n} = {scores[key]}%")
    expected = {}
    if os.path.exists(expected_file):
        expected = json.load(open(expected_file, encoding="utf-8"))
    fell = [k for k, s in scores.items() if s < expected.get(k, 0.0)]
    for k in fell:
        print(f"FAIL: {k} accuracy fell from {expected[k]}% to {scores[k]}%")
    if update:
        with open(expected_file, "w", encoding="utf-8") as f:
            json.dump(scores, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"recorded in {expected_file}")
    return 1 if fell and not update else 0


if __name__ == "__main__":
    sys.exit(main())
