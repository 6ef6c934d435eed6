#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pcap regression: every tests/regress/<case>/ holds `args` (otsensor arguments, paths relative
# to the source tree) and expected/: flows.jsonl, events.jsonl, assets.json, conduits.json (and with -z
# alerts.jsonl, zones.json) compared byte for byte, stats.json compared
# without the sensor block. UPDATE=1 rewrites the expectations (review the diff before commit).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need jq
cd "$top_srcdir" || exit 1
n=0
for dir in tests/regress/*/; do
	[ -f "$dir/args" ] || continue
	name=$(basename "$dir")
	out="$TMP/$name"
	# shellcheck disable=SC2046
	"$OTSENSOR" $(cat "$dir/args") --deterministic -q -o "$out" 2> "$out.err"
	rc=$?
	expected_rc=$(cat "$dir/exit" 2>/dev/null || echo 0)
	check "$name: exit status $rc (expected $expected_rc)" [ "$rc" -eq "$expected_rc" ]
	jq -S 'del(.sensor)' "$out/stats.json" > "$out/stats.cmp" 2>/dev/null
	if [ "${UPDATE:-0}" = 1 ]; then
		mkdir -p "$dir/expected"
		cp "$out/flows.jsonl" "$dir/expected/flows.jsonl"
		cp "$out/events.jsonl" "$dir/expected/events.jsonl"
		cp "$out/assets.json" "$dir/expected/assets.json"
		cp "$out/conduits.json" "$dir/expected/conduits.json"
		for f in alerts.jsonl zones.json; do
			[ -f "$out/$f" ] && cp "$out/$f" "$dir/expected/$f"
		done
		cp "$out/stats.cmp" "$dir/expected/stats.json"
		echo "updated $name"
		continue
	fi
	if ! cmp -s "$out/flows.jsonl" "$dir/expected/flows.jsonl"; then
		fail "$name: flows.jsonl differs"
		diff "$dir/expected/flows.jsonl" "$out/flows.jsonl" | head -20
	else
		ok
	fi
	if [ -f "$dir/expected/events.jsonl" ] && ! cmp -s "$out/events.jsonl" "$dir/expected/events.jsonl"; then
		fail "$name: events.jsonl differs"
		diff "$dir/expected/events.jsonl" "$out/events.jsonl" | head -20
	else
		ok
	fi
	for f in assets.json conduits.json alerts.jsonl zones.json; do
		if [ -f "$dir/expected/$f" ] && ! cmp -s "$out/$f" "$dir/expected/$f"; then
			fail "$name: $f differs"
			diff "$dir/expected/$f" "$out/$f" | head -20
		else
			ok
		fi
	done
	if ! cmp -s "$out/stats.cmp" "$dir/expected/stats.json"; then
		fail "$name: stats.json differs"
		diff "$dir/expected/stats.json" "$out/stats.cmp" | head -20
	else
		ok
	fi
	n=$((n + 1))
done
[ "${UPDATE:-0}" = 1 ] && exit 0
check "regression cases found" [ "$n" -gt 0 ]
finish
