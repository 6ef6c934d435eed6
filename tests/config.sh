#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The config file (-c): a run from a file equals the same run from the command line; the
# command line overrides the file; --test-config exits 0/1; the example config is valid.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
PCAP="$top_srcdir/pcaps/plant-example.pcap"
EX="$top_srcdir/packaging/otsensor.example.yaml"

"$OTSENSOR" -r "$PCAP" -o "$TMP/cli" --deterministic -w 2 -z "$top_srcdir/packaging/zones.example.yaml" \
	-R "$top_srcdir/rules" --geoip none -q > "$TMP/cli.stdout" 2> "$TMP/cli.stderr"
check "command-line run" [ $? -eq 0 ]
cat > "$TMP/run.yaml" <<CONF
# the same run as a config file
read: [$PCAP]
output: $TMP/file
deterministic: true
workers: 2
zones: $top_srcdir/packaging/zones.example.yaml
rules: "$top_srcdir/rules"
geoip: none
quiet: true
log-all-ops: false
CONF
"$OTSENSOR" -c "$TMP/run.yaml" > "$TMP/file.stdout" 2> "$TMP/file.stderr"
check "config-file run" [ $? -eq 0 ]
for f in flows.jsonl events.jsonl alerts.jsonl assets.json conduits.json zones.json stats.json; do
	check "$f from the file equals $f from the command line" cmp -s "$TMP/cli/$f" "$TMP/file/$f"
done

# the command line overrides the file: -o and -w replace the file's, -r replaces its list
"$OTSENSOR" -c "$TMP/run.yaml" -o "$TMP/over" -w 1 -r "$top_srcdir/pcaps/vlan-qinq.pcap" \
	> /dev/null 2>&1
check "override run" [ $? -eq 0 ]
check "-o overrides output" [ -s "$TMP/over/stats.json" ]
check "-w overrides workers" jq -e ".workers_count == 1" "$TMP/over/stats.json" > /dev/null
check "-r replaces the file's read list" jq -e '.inputs | length == 1 and (.[0].path | endswith("vlan-qinq.pcap"))' "$TMP/over/stats.json" > /dev/null

# --test-config
"$OTSENSOR" -c "$TMP/run.yaml" --test-config > "$TMP/tc.out" 2>&1
check "--test-config on a good file: 0" [ $? -eq 0 ]
check "--test-config prints the options with their lines" grep -q -- "--workers=2  (.*run.yaml:5)" "$TMP/tc.out"
check "--test-config checks the zones" grep -q "zones.example.yaml: valid: 6 zones" "$TMP/tc.out"
check "--test-config checks the rules" grep -q "rules: valid: " "$TMP/tc.out"
"$OTSENSOR" -c "$EX" --test-config -z "$top_srcdir/packaging/zones.example.yaml" \
	-R "$top_srcdir/rules" --user nobody > "$TMP/ex.out" 2>&1
check "the example config is valid (paths of this host on the command line)" [ $? -eq 0 ]
check "the example gives 19 options, 3 overridden" grep -q "options valid, 16 from the file" "$TMP/ex.out"
printf 'read: %s\nworkers: 0\n' "$PCAP" > "$TMP/bad1.yaml"
"$OTSENSOR" -c "$TMP/bad1.yaml" --test-config > /dev/null 2> "$TMP/bad1.err"
check "--test-config on a bad value: 1" [ $? -eq 1 ]
check "bad value: the parser's message at FILE:LINE:COL" grep -q "bad1.yaml:2:10: -w needs a worker count from 1 to 256, not '0'" "$TMP/bad1.err"
printf 'read: %s\nworker: 2\n' "$PCAP" > "$TMP/bad2.yaml"
"$OTSENSOR" -c "$TMP/bad2.yaml" --test-config > /dev/null 2> "$TMP/bad2.err"
check "--test-config on an unknown key: 1" [ $? -eq 1 ]
check "unknown key at FILE:LINE:COL" grep -q "bad2.yaml:2:1: unknown option 'worker' (otsensor --help lists them)" "$TMP/bad2.err"
"$OTSENSOR" -c "$TMP/bad2.yaml" > /dev/null 2>&1
check "a run with a bad config file: usage error 2" [ $? -eq 2 ]
printf 'read: %s\nzones: %s\n' "$PCAP" "$TMP/bad1.yaml" > "$TMP/bad3.yaml"
"$OTSENSOR" -c "$TMP/bad3.yaml" --test-config > /dev/null 2> "$TMP/bad3.err"
check "--test-config with a broken zones file: 1" [ $? -eq 1 ]
"$OTSENSOR" -c "$TMP/nonexistent.yaml" --test-config > /dev/null 2> "$TMP/bad4.err"
check "--test-config with no such file: 1" [ $? -eq 1 ]
check "missing file named" grep -q "nonexistent.yaml: cannot open" "$TMP/bad4.err"
finish
