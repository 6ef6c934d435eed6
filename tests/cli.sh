#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The command-line contract: options, exit codes, error lines, output files, truncated and
# corrupt captures, directories, filters, and byte-identical results whatever -w.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need jq
P=$top_srcdir/pcaps
cd "$top_srcdir" || exit 1

# help and version
"$OTSENSOR" -h > "$TMP/h" 2>&1; check "-h exits 0" [ $? -eq 0 ]
check "-h shows usage" grep -q "usage: otsensor -r PATH" "$TMP/h"
"$OTSENSOR" --version > "$TMP/v" 2>&1; check "--version exits 0" [ $? -eq 0 ]
check "--version names nDPI" grep -q "^nDPI " "$TMP/v"

# usage errors exit 2 with one line
"$OTSENSOR" > "$TMP/o" 2> "$TMP/e"; check "no input exits 2" [ $? -eq 2 ]
check "no input: one line" [ "$(wc -l < "$TMP/e")" -eq 1 ]
"$OTSENSOR" -r "$P/plant-example.pcap" -w 0 2> "$TMP/e"; check "-w 0 exits 2" [ $? -eq 2 ]
"$OTSENSOR" -r "$P/plant-example.pcap" --flow-memcap 12x 2> "$TMP/e"; check "bad size exits 2" [ $? -eq 2 ]
"$OTSENSOR" -r "$P/plant-example.pcap" -i lo 2> "$TMP/e"; check "-r with -i exits 2" [ $? -eq 2 ]
"$OTSENSOR" -r "$P/plant-example.pcap" --stats-interval 1s 2> "$TMP/e"; check "--stats-interval 1s exits 2" [ $? -eq 2 ]
check "--stats-interval: the reason" grep -q "stats-interval needs 0 to 86400 seconds" "$TMP/e"
# a file run: one final stats record, no stats.jsonl (live only)
"$OTSENSOR" -r "$P/plant-example.pcap" --stats-interval 1 -q -o "$TMP/si"
check "file run: the final record only, no stats.jsonl" sh -c "jq -e '.report.kind == \"final\" and .report.seq == 1 and .report.interval_s == 0 and .report.counters == \"cumulative\"' $TMP/si/stats.json >/dev/null && [ ! -e $TMP/si/stats.jsonl ]"

# runtime errors exit 1 with one clear line naming the file
"$OTSENSOR" -r "$TMP/nope.pcap" > "$TMP/o" 2> "$TMP/e"; check "missing file exits 1" [ $? -eq 1 ]
check "missing file: one line" [ "$(wc -l < "$TMP/e")" -eq 1 ]
check "missing file: names it" grep -q "nope.pcap: No such file" "$TMP/e"
"$OTSENSOR" -r "$P/corrupt.pcap" -o "$TMP/c" > "$TMP/o" 2> "$TMP/e"; check "corrupt file exits 1" [ $? -eq 1 ]
check "corrupt file: one line" [ "$(wc -l < "$TMP/e")" -eq 1 ]
check "corrupt file: says why" grep -q "corrupt.pcap: not a pcap or pcapng capture" "$TMP/e"
# every early exit frees what the configuration loaded (rules, zones): under ASan a leak
# would turn these exits into aborts
"$OTSENSOR" -r "$P/corrupt.pcap" -R "$top_srcdir/rules" -z "$top_srcdir/packaging/zones.example.yaml" \
	-o "$TMP/c2" > "$TMP/o" 2> "$TMP/e"; check "corrupt file with -R -z exits 1" [ $? -eq 1 ]
"$OTSENSOR" -r "$P/plant-example.pcap" -R "$top_srcdir/rules" --baseline "$TMP/none/b.json" \
	> "$TMP/o" 2> "$TMP/e"; check "missing --baseline with -R exits 1" [ $? -eq 1 ]
"$OTSENSOR" -r "$P/plant-example.pcap" -f "tcp port nonsense" 2> "$TMP/e"; check "bad BPF exits 1" [ $? -eq 1 ]
check "bad BPF: says so" grep -q "bad filter" "$TMP/e"

# summary on stdout without -o
"$OTSENSOR" -r "$P/plant-example.pcap" > "$TMP/s" 2> "$TMP/e"; check "summary run exits 0" [ $? -eq 0 ]
check "summary counts packets" grep -q "packets" "$TMP/s"
check "summary says where results go" grep -q "add -o DIR" "$TMP/s"
check "summary lists Modbus" grep -q "Modbus" "$TMP/s"
check "no progress line when stderr is not a terminal" [ ! -s "$TMP/e" ]

# -o writes flows.jsonl and stats.json, valid JSON, consistent counts
"$OTSENSOR" -r "$P/plant-example.pcap" -o "$TMP/out/nested" -q; check "-o run exits 0" [ $? -eq 0 ]
check "events.jsonl is JSON lines" jq -e . "$TMP/out/nested/events.jsonl" > /dev/null
check "stats counts every written event" [ "$(jq '.ics.events_written + .inventory.changes_written' "$TMP/out/nested/stats.json")" -eq "$(wc -l < "$TMP/out/nested/events.jsonl")" ]
check "one new_asset record per asset" [ "$(jq -s '[.[] | select(.change == "new_asset")] | length' "$TMP/out/nested/events.jsonl")" -eq "$(jq '.assets | length' "$TMP/out/nested/assets.json")" ]
for f in assets.json conduits.json assets.csv map.dot report.html; do
	check "-o writes $f" [ -s "$TMP/out/nested/$f" ]
done
check "flows.jsonl is JSON lines" jq -e . "$TMP/out/nested/flows.jsonl" > /dev/null
check "stats.json is JSON" jq -e . "$TMP/out/nested/stats.json" > /dev/null
n=$(wc -l < "$TMP/out/nested/flows.jsonl")
check "stats counts every written flow" [ "$(jq .flows.written "$TMP/out/nested/stats.json")" -eq "$n" ]
check "stats: flows created = written" [ "$(jq .flows.created "$TMP/out/nested/stats.json")" -eq "$n" ]
check "stats: packets = capture" [ "$(jq .packets "$TMP/out/nested/stats.json")" -eq "$(jq '.inputs[0].packets' "$TMP/out/nested/stats.json")" ]
check "pps present without --deterministic" jq -e '.pps > 0' "$TMP/out/nested/stats.json" > /dev/null

# truncated mid-packet: warning, exit 0, every packet before the cut
"$OTSENSOR" -r "$P/truncated.pcap" -o "$TMP/t" -q 2> "$TMP/e"; check "truncated exits 0" [ $? -eq 0 ]
check "truncated: warns" grep -q "truncated.pcap is cut short" "$TMP/e"
check "truncated: flagged in stats" jq -e '.inputs[0].truncated == true' "$TMP/t/stats.json" > /dev/null
check "truncated: packets before the cut" [ "$(jq .packets "$TMP/t/stats.json")" -eq "$(cat "$P/truncated.packets")" ]
check "truncated: flows written" [ "$(wc -l < "$TMP/t/flows.jsonl")" -ge 1 ]

# directories are read in name order; several -r in the order given
mkdir -p "$TMP/dir"
cp "$P/linux-sll.pcap" "$TMP/dir/b.pcap"
cp "$P/vlan-qinq.pcap" "$TMP/dir/a.pcap"
echo "not a capture" > "$TMP/dir/notes.txt"
"$OTSENSOR" -r "$TMP/dir" -o "$TMP/d" -q; check "directory read exits 0" [ $? -eq 0 ]
check "directory: two captures, name order" [ "$(jq -r '.inputs | map(.path | split("/") | last) | join(",")' "$TMP/d/stats.json")" = "a.pcap,b.pcap" ]
"$OTSENSOR" -r "$P/linux-sll.pcap" -r "$P/vlan-qinq.pcap" -o "$TMP/d2" -q
check "two -r: order kept" [ "$(jq -r '.inputs | map(.path | split("/") | last) | join(",")' "$TMP/d2/stats.json")" = "linux-sll.pcap,vlan-qinq.pcap" ]
mkdir -p "$TMP/empty"
"$OTSENSOR" -r "$TMP/empty" 2> "$TMP/e"; check "empty directory exits 1" [ $? -eq 1 ]

# standard input, and a file read stopped by a signal while blocked on a pipe
"$OTSENSOR" -r - -o "$TMP/stdin" -q < "$P/vlan-qinq.pcap"; check "-r - reads standard input" [ $? -eq 0 ]
check "-r -: every packet" [ "$(jq .packets "$TMP/stdin/stats.json")" -eq 30 ]
echo "not a capture" | "$OTSENSOR" -r - 2> "$TMP/e" > /dev/null; check "-r - garbage exits 1" [ $? -eq 1 ]
check "-r - garbage: says standard input" grep -q "cannot read standard input" "$TMP/e"
mkfifo "$TMP/fifo"
(cat "$P/vlan-qinq.pcap"; sleep 3) > "$TMP/fifo" &
writer=$!
"$OTSENSOR" -r "$TMP/fifo" -o "$TMP/fifo-out" -q 2> "$TMP/e" &
sensor=$!
sleep 0.5
kill -TERM $sensor
wait $sensor; rc=$?
check "SIGTERM during a file read exits 1" [ $rc -eq 1 ]
check "SIGTERM during a file read: says so" grep -q "interrupted by signal 15" "$TMP/e"
check "SIGTERM during a file read: results so far written" [ "$(jq .packets "$TMP/fifo-out/stats.json")" -eq 30 ]
kill $writer 2>/dev/null; wait $writer 2>/dev/null

# BPF filter
"$OTSENSOR" -r "$P/plant-example.pcap" -f "tcp port 502" -o "$TMP/f" -q; check "filter run exits 0" [ $? -eq 0 ]
check "filter keeps only port 502" [ "$(jq -s 'map(select(.dst_port != 502 and .src_port != 502)) | length' "$TMP/f/flows.jsonl")" -eq 0 ]
check "filter keeps some flows" [ "$(wc -l < "$TMP/f/flows.jsonl")" -ge 1 ]

# inventory: asset keys, GeoIP, OUI (pcaps/inventory-example.pcap, see pcaps/README.md)
"$OTSENSOR" -r "$P/inventory-example.pcap" --geoip "$top_srcdir/tests/data/geoip/country.mmdb" \
	--geoip "$top_srcdir/tests/data/geoip/asn.mmdb" -q -o "$TMP/inv" 2> "$TMP/inv.err"
check "inventory run exits 0" [ $? -eq 0 ]
A="$TMP/inv/assets.json"
check "inventory: 8 assets" [ "$(jq '.assets | length' "$A")" -eq 8 ]
check "inventory: one PLC with both IPs on its MAC" jq -e '[.assets[] | select(.id == "mac:00:80:f4:01:02:03" and .ips == ["10.50.0.20", "10.51.0.20"] and .role == "plc")] | length == 1' "$A"
check "inventory: peers behind the router stay apart, without the router's MAC" jq -e '[.assets[] | select((.id | startswith("ip:10.9.")) and .macs == [])] | length == 3' "$A"
check "inventory: the router is its own network asset" jq -e '.assets[] | select(.id == "mac:00:00:0c:07:ac:01") | .role == "network" and .ips == ["10.50.0.1"]' "$A"
check "inventory: country and AS of a public peer" jq -e '.assets[] | select(.id == "ip:81.2.69.160") | .external and .geo.country == "GB" and .geo.asn == 15169' "$A"
check "inventory: no GeoIP for private addresses" jq -e '[.assets[] | select(.id == "ip:10.9.0.20") | has("geo")] == [false]' "$A"
check "inventory: NIC vendor from ieee-data" jq -e '.assets[] | select(.id == "mac:00:80:f4:01:02:03") | .nic_vendor | test("TELEMECANIQUE")' "$A"
check "inventory: no asset for the broadcast" jq -e '[.assets[] | select(.ips | index("255.255.255.255"))] == []' "$A"
"$OTSENSOR" -r "$P/inventory-example.pcap" --ieee-data "$TMP/no-such-dir" --geoip none -q -o "$TMP/inv2" 2> "$TMP/inv2.err"
check "--ieee-data without lists: exits 0" [ $? -eq 0 ]
check "--ieee-data without lists: one clear warning" grep -q "ieee-data" "$TMP/inv2.err"
check "--ieee-data without lists: nic_vendor null" jq -e '[.assets[].nic_vendor] | all(. == null)' "$TMP/inv2/assets.json"
"$OTSENSOR" -r "$P/inventory-example.pcap" --geoip "$TMP/no-such.mmdb" -q -o "$TMP/inv3" 2> "$TMP/inv3.err"
check "--geoip missing file: exit 1" [ $? -eq 1 ]
check "--geoip missing file: names it" grep -q "no-such.mmdb" "$TMP/inv3.err"

# --state: a second run over the same capture keeps first-seen times and reports no new asset
S="$TMP/state.json"
"$OTSENSOR" -r "$P/inventory-example.pcap" --state "$S" -q -o "$TMP/st1" 2>/dev/null
check "--state: file written" [ -s "$S" ]
"$OTSENSOR" -r "$P/plant-example.pcap" --state "$S" -q -o "$TMP/st2" 2>/dev/null
check "--state: assets of the first run kept" jq -e '[.assets[] | select(.id == "mac:00:80:f4:01:02:03")] | length == 1' "$TMP/st2/assets.json"
check "--state: known assets not new again" sh -c "! grep -q '\"asset\":\"mac:00:80:f4:01:02:03\"' '$TMP/st2/events.jsonl'"
printf '{"schema_version":1,"record":"otsensor_state","nodes":[' > "$S"
"$OTSENSOR" -r "$P/inventory-example.pcap" --state "$S" -q -o "$TMP/st3" 2> "$TMP/st3.err"
check "--state corrupt: run goes on (exit 0)" [ $? -eq 0 ]
check "--state corrupt: reported with its new name" grep -q "corrupt-" "$TMP/st3.err"
check "--state corrupt: set aside, not dropped" sh -c "ls '$S'.corrupt-* > /dev/null"
check "--state corrupt: a fresh state saved" sh -c "head -1 '$S' | jq -e '.record == \"otsensor_state\"' > /dev/null"

# zones: every rule once on the crafted capture (pcaps/README.md), and nothing for the allowed reads
"$OTSENSOR" -r "$P/zones-rules.pcap" -z "$P/zones-rules.yaml" -q -o "$TMP/zr" 2> "$TMP/zr.err"
check "zones run exits 0" [ $? -eq 0 ]
check "zones: every rule id raised" [ "$(jq -r '.rule.id' "$TMP/zr/alerts.jsonl" | sort -u | tr '\n' ' ')" = "sl-cleartext-engineering sl-insecure-protocol zone-internet zone-no-conduit zone-operation-denied zone-protocol-denied zone-unknown-host zone-wrong-direction " ]
check "zones: a Modbus write over the read-only conduit is denied (FR3)" jq -e -s '[.[] | select(.rule.id == "zone-operation-denied" and .network.protocol == "modbus")] | length == 1 and .[0].ics.op_classes == ["write"] and .[0].iec62443.fr == ["FR3"] and .[0].iec62443.conduit == "scada-read"' "$TMP/zr/alerts.jsonl"
check "zones: the HMI's reads (and the PLC's replies) raise nothing" [ "$(jq -s '[.[] | select(.source.ip == "10.1.1.10" and .destination.port == 502 and (.ics.op_classes | index("read")))] | length' "$TMP/zr/alerts.jsonl")" -eq 0 ]
check "zones: zones.json estimates control at SL-A 0 (internet-free but denied flows in)" jq -e '.zones[] | select(.name == "control") | .sl_a.estimate == 0 and .sl_a.meets_target == false' "$TMP/zr/zones.json"
"$OTSENSOR" --check-zones "$P/zones-rules.yaml" > "$TMP/cz.out" 2>&1
check "--check-zones: valid file exits 0" [ $? -eq 0 ]
printf 'version: 1\nzones:\n  - name: a\n    sl_t: 2\n    netwrks: [10.0.0.0/8]\n' > "$TMP/bad.yaml"
"$OTSENSOR" --check-zones "$TMP/bad.yaml" > "$TMP/cz2.out" 2>&1
check "--check-zones: bad key exits 1" [ $? -eq 1 ]
check "--check-zones: names file, line and column" grep -q "bad.yaml:5:5:" "$TMP/cz2.out"
"$OTSENSOR" -r "$P/zones-rules.pcap" -z "$TMP/bad.yaml" -q -o "$TMP/zr2" 2> "$TMP/zr2.err"
check "-z with a bad file: exit 1 before reading" [ $? -eq 1 ]
"$OTSENSOR" -r "$P/zones-rules.pcap" --suggest-zones > "$TMP/sugg.yaml" 2> "$TMP/sugg.err"
check "--suggest-zones exits 0" [ $? -eq 0 ]
"$OTSENSOR" -r "$P/zones-rules.pcap" -z "$TMP/sugg.yaml" -q -o "$TMP/zr3" 2> "$TMP/zr3.err"
check "--suggest-zones: its file raises no alert on the same capture" [ ! -s "$TMP/zr3/alerts.jsonl" ]

# determinism: the same bytes for -w 1, 2 and 4
for w in 1 2 4; do
	"$OTSENSOR" -r "$P/plant-example.pcap" -r "$P/ipv4-fragments.pcap" -r "$P/tcp-reorder.pcap" \
		--deterministic -w $w -o "$TMP/w$w" -q || fail "deterministic -w $w run"
done
check "flows.jsonl identical for -w 1 and -w 2" cmp -s "$TMP/w1/flows.jsonl" "$TMP/w2/flows.jsonl"
check "flows.jsonl identical for -w 1 and -w 4" cmp -s "$TMP/w1/flows.jsonl" "$TMP/w4/flows.jsonl"
check "events.jsonl identical for -w 1 and -w 4" cmp -s "$TMP/w1/events.jsonl" "$TMP/w4/events.jsonl"
check "events.jsonl identical for -w 1 and -w 2" cmp -s "$TMP/w1/events.jsonl" "$TMP/w2/events.jsonl"
check "the plant capture has ICS events" [ "$(wc -l < "$TMP/w1/events.jsonl")" -gt 0 ]
for f in assets.json conduits.json assets.csv map.dot report.html; do
	check "$f identical for -w 1, 2 and 4" sh -c "cmp -s '$TMP/w1/$f' '$TMP/w2/$f' && cmp -s '$TMP/w1/$f' '$TMP/w4/$f'"
done
check "stats totals identical for -w 1 and -w 4 (per-shard peaks aside)" [ "$(jq -S 'del(.workers, .workers_count, .memory.flow_mem_peak_bytes, .flows.peak_active)' "$TMP/w1/stats.json")" = "$(jq -S 'del(.workers, .workers_count, .memory.flow_mem_peak_bytes, .flows.peak_active)' "$TMP/w4/stats.json")" ]
check "deterministic stats have no pid or wall clock" jq -e '(.sensor.pid == null) and (.elapsed_s == null) and (.memory.max_rss_bytes == null)' "$TMP/w1/stats.json" > /dev/null
"$OTSENSOR" -r "$P/plant-example.pcap" -r "$P/ipv4-fragments.pcap" -r "$P/tcp-reorder.pcap" \
	--deterministic -w 1 -o "$TMP/again" -q
check "a second run gives the same bytes" cmp -s "$TMP/w1/flows.jsonl" "$TMP/again/flows.jsonl"
# a run into a directory with an earlier run's large files: they are moved aside and removed
# in the background (output-file.c), the new files are whole and nothing is left behind; a
# symbolic link named flows.jsonl is written through, as before
head -c 3000000 /dev/zero | tr '\0' x > "$TMP/again/flows.jsonl"
cp "$TMP/again/flows.jsonl" "$TMP/again/events.jsonl"
ln "$TMP/again/flows.jsonl" "$TMP/hardlink"
"$OTSENSOR" -r "$P/plant-example.pcap" -r "$P/ipv4-fragments.pcap" -r "$P/tcp-reorder.pcap" \
	--deterministic -w 1 -o "$TMP/again" -q
check "over an earlier run's large files: the same flows.jsonl" cmp -s "$TMP/w1/flows.jsonl" "$TMP/again/flows.jsonl"
check "over an earlier run's large files: the same events.jsonl" cmp -s "$TMP/w1/events.jsonl" "$TMP/again/events.jsonl"
check "over an earlier run's large files: nothing left aside" [ -z "$(ls -A "$TMP/again" | grep '^\.')" ]
check "the earlier file itself is untouched (a new inode was written)" sh -c "[ \$(tr -d x < '$TMP/hardlink' | wc -c) -eq 0 ] && [ \$(wc -c < '$TMP/hardlink') -eq 3000000 ]"
mkdir -p "$TMP/viasym"
: > "$TMP/symtarget"
ln -s "$TMP/symtarget" "$TMP/viasym/flows.jsonl"
"$OTSENSOR" -r "$P/plant-example.pcap" -r "$P/ipv4-fragments.pcap" -r "$P/tcp-reorder.pcap" \
	--deterministic -w 1 -o "$TMP/viasym" -q
check "flows.jsonl as a symbolic link: written through it" sh -c "[ -L '$TMP/viasym/flows.jsonl' ] && cmp -s '$TMP/w1/flows.jsonl' '$TMP/symtarget'"

# --list-functions: the function catalog rules are checked against (sorted, unique, every
# protocol); an unknown protocol is a usage error naming it
"$OTSENSOR" --list-functions=modbus > "$TMP/lf" 2> "$TMP/e"; check "--list-functions=modbus exits 0" [ $? -eq 0 ]
check "--list-functions: modbus write_single_register, code 6" grep -q "^modbus	write_single_register	6	write$" "$TMP/lf"
check "--list-functions=modbus: modbus only" [ "$(cut -f1 "$TMP/lf" | sort -u)" = modbus ]
"$OTSENSOR" --list-functions > "$TMP/lf" 2> "$TMP/e"; check "--list-functions exits 0" [ $? -eq 0 ]
check "--list-functions: every protocol" [ "$(cut -f1 "$TMP/lf" | sort -u | wc -l)" -eq 19 ]
check "--list-functions: no duplicate" [ -z "$(sort "$TMP/lf" | uniq -d)" ]
check "--list-functions: s7comm plc_stop" grep -q "^s7comm	plc_stop	41	mode_change$" "$TMP/lf"
"$OTSENSOR" --list-functions=nope > "$TMP/o" 2> "$TMP/e"; check "--list-functions=nope exits 2" [ $? -eq 2 ]
check "--list-functions=nope names it" grep -q "no protocol 'nope'" "$TMP/e"

finish
