#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The shipped ruleset (rules/*.rules) against its own captures: every enabled rule has
# pcaps/rules/<id>.pos.pcap, on which it fires, and <id>.neg.pcap, on which no shipped rule
# fires; alerts validate against packaging/schema/alert.schema.json; -w 1 and -w 3 write the
# same alerts; --check-rules names FILE:LINE:COL of a broken rule and a broken file on SIGHUP
# is covered by tests/live.sh.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
cd "$top_srcdir" || exit 1

"$OTSENSOR" --check-rules rules >"$TMP/check.out" 2>&1
check "--check-rules rules: exit 0 ($(cat "$TMP/check.out"))" [ $? -eq 0 ]

ids=$(sed -n 's/^rule \([a-z0-9][a-z0-9._-]*\) {.*/\1/p' rules/*.rules)
check "rules/*.rules define rules" [ -n "$ids" ]
for id in $ids; do
	# a disabled rule is not tested (its block says enabled no)
	if awk -v id="$id" '$1 == "rule" && $2 == id { on = 1 } on && $1 == "enabled" && $2 == "no" { d = 1 } on && $1 == "}" { exit } END { exit !d }' rules/*.rules; then
		continue
	fi
	for kind in pos neg; do
		cap=pcaps/rules/$id.$kind.pcap
		if [ ! -f "$cap" ]; then
			fail "$id: $cap is missing"
			continue
		fi
		out=$TMP/$id.$kind
		"$OTSENSOR" -q -r "$cap" -R rules --deterministic -o "$out" >"$out.log" 2>&1
		check "$id.$kind: exit 0 ($(head -c 300 "$out.log"))" [ $? -eq 0 ]
		fired=$(jq -r '.rule.id' "$out/alerts.jsonl" 2>/dev/null | sort -u | tr '\n' ' ')
		if [ "$kind" = pos ]; then
			case " $fired" in
			*" $id "*) ok ;;
			*) fail "$id.pos: rule did not fire (fired: ${fired:-nothing})" ;;
			esac
		else
			check "$id.neg: no rule fires (fired: $fired)" [ -z "$fired" ]
		fi
	done
done

# thread count does not change the alerts (threshold rules included)
for id in function-code-scan host-sweep s7-plc-stop; do
	[ -f "pcaps/rules/$id.pos.pcap" ] || continue
	"$OTSENSOR" -q -w 1 -r "pcaps/rules/$id.pos.pcap" -R rules --deterministic -o "$TMP/w1" &&
	"$OTSENSOR" -q -w 3 -r "pcaps/rules/$id.pos.pcap" -R rules --deterministic -o "$TMP/w3"
	check "$id: -w 1 and -w 3 give the same alerts" cmp -s "$TMP/w1/alerts.jsonl" "$TMP/w3/alerts.jsonl"
done

# a broken rule: FILE:LINE:COLUMN and exit 1
mkdir -p "$TMP/bad"
printf 'rule x {\n  name "x"\n  severity high\n  message "m"\n  match protocol modbuss\n}\n' >"$TMP/bad/a.rules"
"$OTSENSOR" --check-rules "$TMP/bad" >"$TMP/bad.out" 2>&1
check "--check-rules on a broken file exits 1" [ $? -eq 1 ]
check "the error names FILE:LINE:COL ($(cat "$TMP/bad.out"))" grep -q "a.rules:5:18: unknown protocol 'modbuss'" "$TMP/bad.out"
"$OTSENSOR" -q -r pcaps/plant-example.pcap -R "$TMP/bad" -o "$TMP/badrun" >/dev/null 2>&1
check "-R with a broken file refuses to start" [ $? -ne 0 ]

# ARP alone: a spoofed reply claims the victim's address for another MAC, and no IP packet
# follows; the inventory takes ARP senders' bindings, so arp-spoof fires on it
"$PYTHON" - "$TMP/arp-only.pcap" <<'PY'
import struct, sys
def arp(ts, src, op, sha, spa, tha, tpa, dst):
    eth = bytes.fromhex(dst.replace(':', '')) + bytes.fromhex(src.replace(':', '')) + b'\x08\x06'
    body = struct.pack('>HHBBH', 1, 0x0800, 6, 4, op) + bytes.fromhex(sha.replace(':', '')) + \
        bytes(map(int, spa.split('.'))) + bytes.fromhex(tha.replace(':', '')) + bytes(map(int, tpa.split('.')))
    frame = eth + body + b'\0' * 18
    return struct.pack('<IIII', int(ts), int(ts * 1e6) % 1000000, len(frame), len(frame)) + frame
V, A, H = '00:80:f4:01:02:14', '00:0c:29:66:66:66', '00:14:22:01:02:0a'
out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
t = 1704067200.0
out += arp(t, H, 1, H, '10.1.1.10', '00:00:00:00:00:00', '10.1.1.20', 'ff:ff:ff:ff:ff:ff')
out += arp(t + 0.001, V, 2, V, '10.1.1.20', H, '10.1.1.10', H)
out += arp(t + 1, A, 1, A, '10.1.1.66', '00:00:00:00:00:00', '10.1.1.10', 'ff:ff:ff:ff:ff:ff')
for i in range(3):
    out += arp(t + 2 + i, A, 2, A, '10.1.1.20', H, '10.1.1.10', H)
open(sys.argv[1], 'wb').write(out)
PY
"$OTSENSOR" -q -r "$TMP/arp-only.pcap" -R rules --deterministic -o "$TMP/arp" >/dev/null 2>&1
check "ARP-only spoof: arp-spoof names the attacker's MAC" \
	jq -e -s 'map(select(.rule.id == "arp-spoof" and .source.mac == "00:0c:29:66:66:66" and .source.ip == "10.1.1.20")) | length == 1' "$TMP/arp/alerts.jsonl" >/dev/null
check "ARP-only spoof: the change record names both MACs" \
	jq -e -s 'map(select(.change == "ip_mac_change" and .ip == "10.1.1.20" and .old_mac == "00:80:f4:01:02:14" and .new_mac == "00:0c:29:66:66:66")) | length == 1' "$TMP/arp/events.jsonl" >/dev/null

# site rules after the shipped set (packaging/local.rules.example): zone names need -z, the
# suppress line needs the shipped rule it names; on the plant, two writes into the control
# zone come from outside the supervisory zone
"$OTSENSOR" -z packaging/zones.example.yaml -R rules --check-rules packaging/local.rules.example >"$TMP/site.out" 2>&1
check "site rules check with -z and the shipped set ($(cat "$TMP/site.out"))" [ $? -eq 0 ]
"$OTSENSOR" -R rules --check-rules packaging/local.rules.example >"$TMP/site2.out" 2>&1
check "site rules without -z: the zone is named" grep -q "local.rules.example:[0-9]*:[0-9]*: zone 'control' needs a zones file (-z)" "$TMP/site2.out"
"$OTSENSOR" -z packaging/zones.example.yaml --check-rules packaging/local.rules.example >"$TMP/site3.out" 2>&1
check "site rules alone: the suppressed rule is missing" grep -q "suppress: no rule 'function-code-scan' is loaded" "$TMP/site3.out"
"$OTSENSOR" -q -r pcaps/plant-example.pcap -z packaging/zones.example.yaml -R rules \
	-R packaging/local.rules.example --deterministic -o "$TMP/site" >/dev/null 2>&1
check "plant with site rules: 2 writes into control from outside supervisory" \
	[ "$(jq -s 'map(select(.rule.id == "site-control-write-outside-supervisory" and .destination.zone == "control" and .source.zone != "supervisory")) | length' "$TMP/site/alerts.jsonl")" = 2 ]
check "stats list both -R paths" jq -e '.detection.rules_paths == ["rules", "packaging/local.rules.example"]' "$TMP/site/stats.json" >/dev/null

# alerts validate against the schema
if "$PYTHON" -c "import jsonschema" 2>/dev/null; then
	cat "$TMP"/*.pos/alerts.jsonl "$TMP/site/alerts.jsonl" >"$TMP/all.jsonl"
	"$PYTHON" - packaging/schema/alert.schema.json "$TMP/all.jsonl" <<'PY'
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
V = jsonschema.Draft202012Validator(s)
n = 0
for line in open(sys.argv[2]):
    V.validate(json.loads(line))
    n += 1
assert n > 0
print("schema: %d alerts valid" % n)
PY
	check "rule alerts validate against alert.schema.json" [ $? -eq 0 ]
else
	echo "note: python3-jsonschema missing: schema check skipped"
fi
finish
