# SPDX-License-Identifier: BSD-3-Clause
"""GOOSE (IEC 61850-8-1, layer 2): per publisher (source MAC) the frames, APPID, stNum range,
gocbRef, datSet, destination MAC and the simulation bit tshark shows (ics.goose.publishers).

otsensor reports one goose_publish op per frame (unit = APPID, transaction = stNum, src_mac,
dst_mac), facts name = gocbRef and description = datSet, and a test_mode flag for frames
marked simulation/test.
Skipped, with the reason printed: goID and confRev. otsensor keeps no identity attribute
for them (goID is an optional free-form id, usually a copy of gocbRef or datSet; confRev is
the data set's configuration revision, not a device property); reporting them would take
attributes the fact vocabulary does not have.
"""
from collections import defaultdict

TRUTH_KEY = "goose"
DIRS = ["iec61850_goose"]
SKIPPED = {"goID": "no identity attribute for the optional goID",
           "confRev": "no identity attribute for the data set's confRev"}


def score(t, ev, misses, label):
    frames = defaultdict(int)
    appids = defaultdict(set)
    dsts = defaultdict(set)
    stnums = defaultdict(list)
    facts = defaultdict(set)
    sim = defaultdict(int)
    for e in ev:
        i = e["ics"]
        if i.get("protocol") != "goose":
            continue
        mac = e.get("src_mac")
        if e["record"] == "ics_op":
            frames[mac] += 1
            if "unit" in i:
                appids[mac].add(i["unit"])
            if "transaction" in i:
                stnums[mac].append(i["transaction"])
            if e.get("dst_mac"):
                dsts[mac].add(e["dst_mac"])
        elif e["record"] == "identity":
            facts[(mac, i["attribute"])].add(i["value"])
        elif e["record"] == "ics_flag" and i.get("flag") == "test_mode":
            sim[mac] += 1
    n = ok = 0

    def check(mac, field, want, good, got):
        nonlocal n, ok
        n += 1
        if good:
            ok += 1
        else:
            misses.append(f"{label} goose {mac} {field}: tshark {want!r}, otsensor {got!r}")

    for p in t.get("publishers", []) or []:
        mac = p.get("src_mac")
        for field, want in sorted(p.items()):
            if field == "src_mac":
                continue
            if field in SKIPPED:
                print(f"skip: {label} goose {mac} {field}={want!r}: {SKIPPED[field]}")
                continue
            if field == "packets":
                check(mac, field, want, frames[mac] == want, frames[mac])
            elif field == "dst_mac":
                check(mac, field, want, want in dsts[mac], sorted(dsts[mac]))
            elif field == "appid":
                check(mac, field, want, int(want, 16) in appids[mac], sorted(appids[mac]))
            elif field == "gocbRef":
                check(mac, field, want, want in facts[(mac, "name")], sorted(facts[(mac, "name")]))
            elif field == "datSet":
                got = facts[(mac, "description")]
                check(mac, field, want, want in got, sorted(got))
            elif field in ("stNum_min", "stNum_max"):
                got = (min if field == "stNum_min" else max)(stnums[mac]) if stnums[mac] else None
                check(mac, field, want, got == want, got)
            elif field == "simulation":
                # "1": at least one frame marked; "0": none
                check(mac, field, want, (sim[mac] > 0) == (str(want) in ("1", "True", "true")),
                      sim[mac])
            else:
                check(mac, field, want, False, "not scored")
    return n, ok
