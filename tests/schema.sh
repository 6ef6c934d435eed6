#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every record otsensor writes (flows, events, stats, assets, conduits) validates against its JSON Schema in
# packaging/schema/ (the
# contract SIEM parsers rely on), with and without --deterministic.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
"$PYTHON" -c "import jsonschema" 2>/dev/null || skip "python3-jsonschema is not installed (./bootstrap installs it)"
cd "$top_srcdir" || exit 1
S=packaging/schema
for mode in "" "--deterministic" "--log-all-ops"; do
	for cap in pcaps/plant-example.pcap pcaps/vlan-qinq.pcap pcaps/ipv6-ext.pcap pcaps/truncated.pcap; do
		out="$TMP/$(basename "$cap")$mode"
		"$OTSENSOR" -r "$cap" $mode -q -o "$out" 2>/dev/null
		"$PYTHON" - "$S" "$out" <<'PY'
import json, sys, jsonschema
s, out = sys.argv[1], sys.argv[2]
fs = json.load(open(s + "/flow.schema.json"))
es = json.load(open(s + "/event.schema.json"))
jsonschema.Draft202012Validator.check_schema(es)
ss = json.load(open(s + "/stats.schema.json"))
jsonschema.Draft202012Validator.check_schema(fs)
jsonschema.Draft202012Validator.check_schema(ss)
jsonschema.validate(json.load(open(out + "/stats.json")), ss, cls=jsonschema.Draft202012Validator)
n = 0
for line in open(out + "/flows.jsonl"):
    jsonschema.validate(json.loads(line), fs, cls=jsonschema.Draft202012Validator)
    n += 1
assert n > 0, "no flow records"
for line in open(out + "/events.jsonl"):
    jsonschema.validate(json.loads(line), es, cls=jsonschema.Draft202012Validator)
for name in ("assets", "conduits"):
    sch = json.load(open(s + "/" + name + ".schema.json"))
    jsonschema.Draft202012Validator.check_schema(sch)
    doc = json.load(open(out + "/" + name + ".json"))
    jsonschema.validate(doc, sch, cls=jsonschema.Draft202012Validator)
    assert doc[name], "no " + name
PY
		check "$cap $mode: records match the schemas" [ $? -eq 0 ]
	done
done
finish
