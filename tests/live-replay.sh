#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Live capture equals the offline run: bundled captures are replayed with tcpreplay at a fixed
# rate into a veth pair joining two network namespaces made by this test; otsensor captures
# the other end (-w 2), SIGTERM ends it, and the results are compared with `otsensor -r` on the
# same capture: assets, conduits, alerts (example zones file, shipped rules), events, flows and
# the packet, flow, decoder and drop counters. Needs root and tcpreplay; skipped otherwise.
#
# What legitimately differs and is left out of the comparison: times (packet time is the
# replay's wall clock) and what derives from them (first_seen, last_seen, duration_s, the flow
# id, which hashes the first packet's time); the run's own figures (elapsed, CPU, memory, pid,
# inputs vs interface, the record's time and the live stats interval). Identity records are
# compared as (asset address, protocol, attribute, value): one is written per such fact,
# from whichever flow (and so source message and confidence) reached the output first, and
# without --deterministic that is arrival order across workers, file runs included.
# No address and no IPv6 on the veths, so the kernel sends nothing of its own on them (no
# router solicitation, MLD, ARP): the sensor must count exactly the capture's packets.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need ip
need jq
need tcpreplay
[ "$(id -u)" -eq 0 ] || skip "live replay test needs root (network namespaces)"
A=otsRA$$
B=otsRB$$
VA=ra$$
VB=rb$$
PPS=${OTS_REPLAY_PPS:-2000}
cleanup() {
	[ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_pair "$A" "$B" "$VA" "$VB"

# Drop what depends on time (see the top of this file).
cat > "$TMP/norm.jq" <<'JQ'
def untimed: walk(if type == "object" then del(.["@timestamp"], .first_seen, .last_seen, .duration_s, .flow_id) else . end);
def identity: if .record == "identity" then
	{record, protocol: .ics.protocol, attribute: .ics.attribute, value: .ics.value,
	 asset_ip: (if .ics.asset == "src" then .src_ip else .dst_ip end)} else . end;
untimed | identity
JQ
cat > "$TMP/stats.jq" <<'JQ'
del(.sensor, .interface, .inputs, .first_seen, .last_seen, .elapsed_s, .pps, .reader_cpu_s,
    .main_cpu_s, .memory, .inventory.checkpoint_s, .inventory.memory_bytes, .report.time,
    .report.interval_s)
| .workers |= map(del(.cpu_s, .flow_mem_peak_bytes, .output_waits))
JQ

# same WHAT FILE: compare one output of the offline and the live run, diff on failure
same() {
	what=$1; f=$2
	case "$f" in
	stats.json) filter="-S -f $TMP/stats.jq" ;;
	*.json) filter="-S -f $TMP/norm.jq" ;;
	*) filter="-S -c -f $TMP/norm.jq" ;;
	esac
	for run in off live; do
		if [ -e "$TMP/$run/$f" ]; then
			# shellcheck disable=SC2086
			jq $filter "$TMP/$run/$f" > "$TMP/$run.$f.norm" || echo "jq failed on $run/$f" >> "$TMP/$run.$f.norm"
		else
			echo "(no $f)" > "$TMP/$run.$f.norm"
		fi
		case "$f" in *.jsonl) sort -o "$TMP/$run.$f.norm" "$TMP/$run.$f.norm" ;; esac
	done
	if diff -u "$TMP/off.$f.norm" "$TMP/live.$f.norm" > "$TMP/diff"; then
		ok
	else
		fail "$what: $f differs between the offline run (-) and the live capture (+)"
		head -40 "$TMP/diff"
	fi
}

# replay NAME CAPTURE [otsensor options...]
replay() {
	name=$1; cap=$2; shift 2
	rm -rf "$TMP/off" "$TMP/live"
	: > "$TMP/stderr"
	ip netns exec "$A" "$OTSENSOR" -i "$VA" -w 2 -o "$TMP/live" "$@" > /dev/null 2> "$TMP/stderr" &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q "capturing on" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
	check "$name: sensor announced the capture" grep -q "capturing on $VA" "$TMP/stderr"
	sleep 0.3
	ip netns exec "$B" tcpreplay -q -i "$VB" --pps="$PPS" "$cap" > "$TMP/tcpreplay.out" 2>&1 ||
		fail "$name: tcpreplay failed: $(cat "$TMP/tcpreplay.out")"
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	check "$name: SIGTERM ends the capture with status 0" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || cat "$TMP/stderr"
	"$OTSENSOR" -r "$cap" -w 2 -o "$TMP/off" "$@" > /dev/null 2>&1 ||
		fail "$name: offline run failed"
	sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$TMP/tcpreplay.out")
	pk=$(jq .packets "$TMP/off/stats.json")
	check "$name: tcpreplay sent every packet ($sent of $pk)" [ "$sent" = "$pk" ]
	check "$name: live capture counted every packet, none dropped" \
		jq -e --argjson n "$pk" '.packets == $n and ([.drops[]] | add) == 0' "$TMP/live/stats.json" > /dev/null
	for f in assets.json conduits.json alerts.jsonl events.jsonl flows.jsonl stats.json; do
		same "$name" "$f"
	done
}

# The main example (README quick start) with the example zones and the shipped rules: zone
# alerts, VLAN tags 30/40/50, 19 protocols; then 802.1Q and QinQ, layer-2 GOOSE frames and a
# zones capture that raises every kind of zone alert.
replay plant "$top_srcdir/pcaps/plant-example.pcap" \
	-z "$top_srcdir/packaging/zones.example.yaml" -R "$top_srcdir/rules"
check "plant: the main example has 3000 packets" jq -e '.packets == 3000' "$TMP/live/stats.json" > /dev/null
check "plant: zone alerts were raised live" [ "$(grep -c . "$TMP/live/alerts.jsonl")" -gt 0 ]
replay vlan-qinq "$top_srcdir/pcaps/vlan-qinq.pcap"
replay goose "$top_srcdir/pcaps/goose-sequence.pcap" -R "$top_srcdir/rules"
replay zones-rules "$top_srcdir/pcaps/zones-rules.pcap" \
	-z "$top_srcdir/pcaps/zones-rules.yaml" -R "$top_srcdir/rules"
finish
