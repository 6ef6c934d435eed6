#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Score otsensor's industrial dissectors against the tshark truth beside each capture.

usage: ics-accuracy.py OTSENSOR PCAPS_DIR EXPECTED_FILE [--update]

Each protocol has a scorer in tests/accuracy/<proto>.py (see tests/accuracy/common.py for
its interface). For every capture with a truth file in the scorer's folders, otsensor runs
once (`--log-all-ops --deterministic -w 1`) and the scorer counts how many of tshark's items
(function-code counts, identity values ...) it reproduces exactly. Scores per protocol are
compared with EXPECTED_FILE, a ratchet: a score may rise, never fall; a fall fails the test
and --update records a rise. Every miss is printed with both values; misses that have a
reason (tshark decodes something we choose not to, or the reverse) are explained in the
scorer that allows for them.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accuracy")
sys.path.insert(0, HERE)
import common  # noqa: E402  (tests/accuracy/common.py)


def load_scorers():
    scorers = {}
    for fn in sorted(os.listdir(HERE)):
        if not fn.endswith(".py") or fn == "common.py":
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        scorers[fn[:-3]] = mod
    return scorers


def run(otsensor, cap, out):
    subprocess.run([otsensor, "-r", cap, "--log-all-ops", "--deterministic", "-q", "-w", "1",
                    "-o", out], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ev = []
    try:
        with open(os.path.join(out, "events.jsonl"), encoding="utf-8") as f:
            ev = [json.loads(l) for l in f if l.strip()]
        # inventory changes share the file; the dissector scores look at packet events
        ev = [e for e in ev if e.get("record") != "asset_change"]
    except OSError:
        pass
    return ev


def main():
    otsensor, pcaps, expected_file = sys.argv[1:4]
    update = "--update" in sys.argv
    only = [a[7:] for a in sys.argv[4:] if a.startswith("--only=")]
    totals = {}
    misses = []
    cache = {}
    with tempfile.TemporaryDirectory() as tmp:
        for proto, mod in load_scorers().items():
            if only and proto not in only:
                continue
            dirs = mod.DIRS
            if dirs == ["*"]:
                dirs = sorted(x for x in os.listdir(pcaps) if os.path.isdir(os.path.join(pcaps, x)))
            section = getattr(mod, "TRUTH_SECTION", "ics")
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
                    t = (truth.get(section) or {}).get(mod.TRUTH_KEY)
                    if not isinstance(t, dict):
                        continue
                    cap = os.path.join(folder, fn)
                    if cap not in cache:
                        cache[cap] = run(otsensor, cap, os.path.join(tmp, str(len(cache))))
                    label = f"{d}/{fn}:"
                    n, ok = mod.score(t, cache[cap], misses, label)
                    if section == "ics":
                        why = getattr(mod, "ROLE_EXPLAINED", {}).get(fn)
                        if why:
                            print(f"explained: {label} endpoint roles: {why}")
                        else:
                            skips = getattr(mod, "ENDPOINT_SKIPS", {}).get(fn)
                            a, b = common.score_endpoints(t, cache[cap],
                                                          getattr(mod, "PROTOCOL", proto),
                                                          misses, label, skips)
                            n += a
                            ok += b
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
