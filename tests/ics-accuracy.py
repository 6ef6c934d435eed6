#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Score otsensor's industrial dissectors against the tshark truth beside each capture.

usage: ics-accuracy.py OTSENSOR PCAPS_DIR EXPECTED_FILE [--update]

For every capture with a truth file, runs `otsensor --log-all-ops --deterministic` and counts,
per protocol, how many of tshark's items it reproduces exactly:
  modbus  request and response function-code counts, unit-id frame counts, MEI identity fields
  dnp3    application function-code counts
  s7comm  job and ack_data function counts
An item counts as matched when otsensor's count (or value) equals tshark's. Scores per
protocol are compared with EXPECTED_FILE (a ratchet: a score may rise, never fall; a fall
fails the test and --update records a rise). Every miss is printed with both values.
"""
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter

PROTO_DIRS = {"modbus": ["modbus", "mixed_plant"], "dnp3": ["dnp3"], "s7comm": ["s7comm"]}


def run(otsensor, cap, out):
    subprocess.run([otsensor, "-r", cap, "--log-all-ops", "--deterministic", "-q", "-w", "1",
                    "-o", out], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ev = []
    try:
        with open(os.path.join(out, "events.jsonl"), encoding="utf-8") as f:
            ev = [json.loads(l) for l in f if l.strip()]
    except OSError:
        pass
    return ev


def compare(name, want, got, misses, label):
    items = 0
    ok = 0
    for k, v in sorted(want.items(), key=lambda kv: str(kv[0])):
        items += 1
        if got.get(k) == v:
            ok += 1
        else:
            misses.append(f"{label} {name} {k}: tshark {v}, otsensor {got.get(k, 0)}")
    return items, ok


def score_modbus(t, ev, misses, label):
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


def score_dnp3(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "dnp3"]
    got = Counter(str(o["function_code"]) for o in ops)
    return compare("application_function_codes", t.get("application_function_codes", {}) or {},
                   got, misses, label)


def score_s7comm(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "s7comm"]
    n = ok = 0
    for key, resp in (("job_functions", False), ("ack_functions", True)):
        want = {}
        for k, v in (t.get(key, {}) or {}).items():
            want[str(int(k.split("(")[0], 16))] = v
        got = Counter(str(o["function_code"]) for o in ops if o["response"] == resp
                      and o["function_code"] < 0x100)
        a, b = compare(key, want, got, misses, label)
        n += a
        ok += b
    return n, ok


SCORERS = {"modbus": score_modbus, "dnp3": score_dnp3, "s7comm": score_s7comm}


def main():
    otsensor, pcaps, expected_file = sys.argv[1:4]
    update = "--update" in sys.argv
    totals = {}
    misses = []
    with tempfile.TemporaryDirectory() as tmp:
        for proto, dirs in PROTO_DIRS.items():
            for d in dirs:
                folder = os.path.join(pcaps, d)
                if not os.path.isdir(folder):
                    continue
                for fn in sorted(os.listdir(folder)):
                    if fn.endswith(".truth.json"):
                        continue
                    truth_path = os.path.join(folder, fn + ".truth.json")
                    if not os.path.exists(truth_path):
                        continue
                    truth = json.load(open(truth_path, encoding="utf-8"))
                    t = (truth.get("ics") or {}).get(proto)
                    if not isinstance(t, dict):
                        continue
                    ev = run(otsensor, os.path.join(folder, fn), os.path.join(tmp, d + "_" + fn))
                    n, ok = SCORERS[proto](t, ev, misses, f"{d}/{fn}:")
                    a, b = totals.get(proto, (0, 0))
                    totals[proto] = (a + n, b + ok)
    for m in misses:
        print("miss:", m)
    scores = {}
    for proto, (n, ok) in sorted(totals.items()):
        scores[proto] = round(100.0 * ok / n, 1) if n else 100.0
        print(f"score {proto}: {ok}/{n} = {scores[proto]}%")
    expected = {}
    if os.path.exists(expected_file):
        expected = json.load(open(expected_file, encoding="utf-8"))
    fell = [p for p, s in scores.items() if s < expected.get(p, 0.0)]
    for p in fell:
        print(f"FAIL: {p} accuracy fell from {expected[p]}% to {scores[p]}%")
    if update:
        merged = dict(expected)
        merged.update(scores)
        with open(expected_file, "w", encoding="utf-8") as f:
            json.dump(merged, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"recorded in {expected_file}")
    return 1 if fell and not update else 0


if __name__ == "__main__":
    sys.exit(main())
