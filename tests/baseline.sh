#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Baseline learning on the plant capture (3.15 s of packet time): --learn over its first half
# saves --baseline FILE; replaying the capture with FILE gives the same alerts.jsonl as the
# learning run, twice and with 1, 2 and 4 workers, and the same FILE whatever the worker
# count; a baseline of the whole capture raises nothing; a copy of it with crafted departures
# (an asset, a conduit and a function removed, another firmware, another role) raises exactly
# the expected rule ids; the records validate against alert.schema.json and stats.schema.json;
# a corrupt FILE stops the sensor with FILE and line; --baseline without FILE or --learn fails.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
cd "$top_srcdir" || exit 1
S=packaging/schema
CAP=pcaps/plant-example.pcap
B="$TMP/half.baseline"

"$OTSENSOR" -r "$CAP" --deterministic -q -w 2 -o "$TMP/learn" --learn 1575ms --baseline "$B"
check "--learn --baseline: exit 0" [ $? -eq 0 ]
check "the baseline is saved" [ -s "$B" ]
check "no temp file left" [ ! -e "$B.tmp" ]
check "alerts after the learning time" [ -s "$TMP/learn/alerts.jsonl" ]
"$OTSENSOR" -r "$CAP" --deterministic -q -w 4 -o "$TMP/learn4" --learn 1575ms --baseline "$TMP/half4.baseline"
check "the baseline file does not depend on the worker count" cmp -s "$B" "$TMP/half4.baseline"
for run in 1 2 4 1b; do
	"$OTSENSOR" -r "$CAP" --deterministic -q -w "${run%b}" -o "$TMP/replay$run" --baseline "$B"
	check "replay -w ${run%b} ($run): exit 0" [ $? -eq 0 ]
	check "replay $run: alerts identical to the learning run" \
		cmp -s "$TMP/learn/alerts.jsonl" "$TMP/replay$run/alerts.jsonl"
done
check "the loaded baseline is not rewritten" cmp -s "$B" "$TMP/half4.baseline"

# the whole capture learned: replaying it raises nothing
"$OTSENSOR" -r "$CAP" --deterministic -q -o "$TMP/full" --learn 1h --baseline "$TMP/full.baseline"
check "--learn 1h: exit 0" [ $? -eq 0 ]
check "--learn 1h: no alert while learning" [ ! -s "$TMP/full/alerts.jsonl" ]
"$OTSENSOR" -r "$CAP" --deterministic -q -o "$TMP/fullr" --baseline "$TMP/full.baseline"
check "the same traffic against its own baseline: no alert" [ ! -s "$TMP/fullr/alerts.jsonl" ]

# crafted departures from the baseline
"$PYTHON" - "$TMP/full.baseline" "$TMP/crafted.baseline" "$TMP/expect" <<'PY'
import json, sys
src, dst, exp = sys.argv[1:4]
recs = [json.loads(l) for l in open(src)]
head, assets, conduits = recs[0], [r for r in recs if r["record"] == "asset"], \
    [r for r in recs if r["record"] == "conduit"]
fw = next(a for a in assets if a["firmware"])
fw["firmware"] = ["0.0-crafted"]                            # firmware-change
role = next(a for a in assets if a["role"] == "plc" and a is not fw)
role["role"] = "historian"                                  # role-change
fnc = next(c for c in conduits if len(c["functions"]) >= 2)
gone_fn = fnc["functions"].pop()                            # new-function
used = {c["source"] for c in conduits} | {c["destination"] for c in conduits}
gone_c = next(c for c in conduits if c is not fnc and c["source"].startswith("mac:")
              and sum(1 for d in conduits if c["source"] in (d["source"], d["destination"])) == 1
              and c["source"] not in (fw["id"], role["id"]))
conduits.remove(gone_c)                                     # new-conduit ...
gone_a = gone_c["source"]
assets = [a for a in assets if a["id"] != gone_a]           # ... and new-asset
head["assets"], head["conduits"] = len(assets), len(conduits)
head["functions"] = sum(len(c["functions"]) for c in conduits)
with open(dst, "w") as f:
    for r in [head] + assets + conduits + [{"record": "end"}]:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
want = sorted([("firmware-change", fw["id"]), ("role-change", role["id"]),
               ("new-function", "%s>%s/%s" % (fnc["source"], fnc["destination"], gone_fn["code"])),
               ("new-conduit", "%s>%s" % (gone_c["source"], gone_c["destination"])),
               ("new-asset", gone_a)])
json.dump(want, open(exp, "w"))
PY
check "crafted baseline written" [ $? -eq 0 ]
"$OTSENSOR" -r "$CAP" --deterministic -q -w 4 -o "$TMP/crafted" --baseline "$TMP/crafted.baseline"
check "crafted: exit 0" [ $? -eq 0 ]
"$PYTHON" - "$S" "$TMP" <<'PY'
import json, sys
s, tmp = sys.argv[1:3]
want = [tuple(x) for x in json.load(open(tmp + "/expect"))]
got = []
for line in open(tmp + "/crafted/alerts.jsonl"):
    r = json.loads(line)
    b, rid = r["baseline"], r["rule"]["id"]
    assert r["rule"]["ruleset"] == "baseline"
    if rid == "new-function":
        got.append((rid, "%s>%s/%s" % (b["conduit"]["source"], b["conduit"]["destination"],
                                       b["function"]["code"])))
    elif rid == "new-conduit":
        got.append((rid, "%s>%s" % (b["conduit"]["source"], b["conduit"]["destination"])))
    else:
        got.append((rid, b["asset"]))
    if rid == "firmware-change":
        assert b["firmware"]["before"] == ["0.0-crafted"], b
        assert r["threat"]["technique_ids"] == ["T0857"], r
    if rid == "role-change":
        assert b["role"]["before"] == "historian" and b["role"]["now"] == "plc", b
assert sorted(got) == want, (sorted(got), want)
st = json.load(open(tmp + "/crafted/stats.json"))["baseline"]
assert st["mode"] == "loaded" and sum(st["alerts"].values()) == 5, st
PY
check "crafted: exactly the expected rule ids, naming what changed" [ $? -eq 0 ]

if "$PYTHON" -c "import jsonschema" 2>/dev/null; then
	"$PYTHON" - "$S" "$TMP" <<'PY'
import json, sys, jsonschema
s, tmp = sys.argv[1:3]
V = jsonschema.Draft202012Validator
a = json.load(open(s + "/alert.schema.json"))
st = json.load(open(s + "/stats.schema.json"))
V.check_schema(a)
n = 0
for d in ("learn", "crafted"):
    for line in open(tmp + "/" + d + "/alerts.jsonl"):
        V(a).validate(json.loads(line))
        n += 1
    V(st).validate(json.load(open(tmp + "/" + d + "/stats.json")))
assert n > 5
PY
	check "alerts and stats validate against their schemas" [ $? -eq 0 ]
fi

# errors
printf '{"schema_version":1,"record":"otsensor_baseline","learned_from_us":1,"learned_until_us":2,"assets":0,"conduits":0,"functions":0}\n{"record":\n' > "$TMP/bad.baseline"
"$OTSENSOR" -r "$CAP" -q --baseline "$TMP/bad.baseline" 2>"$TMP/err"
check "corrupt baseline: exit 1" [ $? -eq 1 ]
check "corrupt baseline: file and line named" grep -q "bad.baseline: line 2: " "$TMP/err"
"$OTSENSOR" -r "$CAP" -q --baseline "$TMP/none.baseline" 2>"$TMP/err"
check "--baseline without FILE or --learn: exit 1" [ $? -eq 1 ]
check "--baseline without FILE: says so" grep -q "none.baseline" "$TMP/err"
"$OTSENSOR" -r "$CAP" -q --learn 5x 2>/dev/null
check "--learn 5x: usage error" [ $? -eq 2 ]
finish
