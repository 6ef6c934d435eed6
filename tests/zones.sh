#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Zone checks on the plant capture: alerts.jsonl and zones.json validate against their JSON
# Schemas (packaging/schema/alert.schema.json, zones.schema.json), --check-zones accepts the
# example and names FILE:LINE:COL of a broken copy, and a --suggest-zones file raises no alert
# on the traffic it was made from.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
"$PYTHON" -c "import jsonschema" 2>/dev/null || skip "python3-jsonschema is not installed (./bootstrap installs it)"
cd "$top_srcdir" || exit 1
S=packaging/schema
CAP=pcaps/plant-example.pcap
EX=packaging/zones.example.yaml

"$OTSENSOR" -r "$CAP" -z "$EX" --deterministic -q -o "$TMP/z"
check "-z $EX: exit 0" [ $? -eq 0 ]
check "alerts.jsonl is not empty" [ -s "$TMP/z/alerts.jsonl" ]
"$PYTHON" - "$S" "$TMP/z" <<'PY'
import json, sys, jsonschema
s, out = sys.argv[1], sys.argv[2]
V = jsonschema.Draft202012Validator
rules = {"zone-no-conduit", "zone-wrong-direction", "zone-protocol-denied",
         "zone-operation-denied", "zone-unknown-host", "zone-internet",
         "sl-cleartext-engineering", "sl-insecure-protocol"}
a = json.load(open(s + "/alert.schema.json"))
z = json.load(open(s + "/zones.schema.json"))
V.check_schema(a)
V.check_schema(z)
zone_enum = [c["then"]["properties"]["rule"]["properties"]["id"]["enum"] for c in a["allOf"]
             if c["if"]["properties"]["rule"]["properties"].get("ruleset", {}).get("const") == "iec62443-zones"][0]
assert set(zone_enum) == rules
n, seen, ids = 0, set(), set()
for line in open(out + "/alerts.jsonl"):
    rec = json.loads(line)
    V(a).validate(rec)
    assert rec["rule"]["id"] in rules, rec["rule"]["id"]
    assert rec["alert_id"] not in ids, "alert written twice: " + rec["alert_id"]
    ids.add(rec["alert_id"])
    seen.add(rec["rule"]["id"])
    n += 1
assert n > 0, "no alerts"
# what the example deliberately leaves out (its header comment)
for r in ("zone-operation-denied", "zone-protocol-denied", "zone-no-conduit"):
    assert r in seen, r + " not raised"
doc = json.load(open(out + "/zones.json"))
V(z).validate(doc)
assert [x["name"] for x in doc["zones"]] == ["office", "supervisory", "control", "rockwell-cell",
                                             "substation", "bms"]
assert doc["site"] == "plant-example"
PY
check "alerts.jsonl and zones.json match their schemas" [ $? -eq 0 ]

"$OTSENSOR" --check-zones "$EX" >"$TMP/check.out" 2>&1
check "--check-zones $EX: exit 0" [ $? -eq 0 ]
sed 's/^site: plant-example$/site: plant-example\nsites: typo/' "$EX" >"$TMP/broken.yaml"
line=$(grep -n '^sites:' "$TMP/broken.yaml" | cut -d: -f1)
check "the broken copy has the unknown key" [ -n "$line" ]
"$OTSENSOR" --check-zones "$TMP/broken.yaml" >"$TMP/broken.out" 2>&1
check "--check-zones on an unknown key: exit 1" [ $? -eq 1 ]
check "the error names FILE:LINE:COL:" grep -q "$TMP/broken.yaml:$line:1: unknown key 'sites'" "$TMP/broken.out"

"$OTSENSOR" -r "$CAP" --suggest-zones -q -o "$TMP/s" >"$TMP/suggested.yaml"
check "--suggest-zones: exit 0" [ $? -eq 0 ]
check "--suggest-zones: stdout is DIR/zones.suggested.yaml" cmp -s "$TMP/suggested.yaml" "$TMP/s/zones.suggested.yaml"
"$OTSENSOR" --check-zones "$TMP/suggested.yaml" >/dev/null 2>&1
check "the suggestion passes --check-zones" [ $? -eq 0 ]
"$OTSENSOR" -r "$CAP" -z "$TMP/suggested.yaml" --deterministic -q -o "$TMP/r"
check "-z suggestion: exit 0" [ $? -eq 0 ]
check "-z suggestion: alerts.jsonl exists" [ -f "$TMP/r/alerts.jsonl" ]
check "-z suggestion: alerts.jsonl is empty" [ ! -s "$TMP/r/alerts.jsonl" ]
"$PYTHON" - "$S" "$TMP/r" <<'PY'
import json, sys, jsonschema
s, out = sys.argv[1], sys.argv[2]
doc = json.load(open(out + "/zones.json"))
jsonschema.validate(doc, json.load(open(s + "/zones.schema.json")),
                    cls=jsonschema.Draft202012Validator)
assert doc["site"] == "suggested" and doc["zones"]
for zone in doc["zones"]:
    assert not zone["alerts"], zone["name"]
PY
check "zones.json of the suggestion: valid, no alerts" [ $? -eq 0 ]
finish
