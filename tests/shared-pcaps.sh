#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every real capture in ../shared/pcaps: no crash, no sanitizer report (when built with them),
# flows consistent with the tshark truth beside each capture (tests/check-truth.py), and the
# shipped rules (rules/) fire exactly as tests/rules-shared.expected says (each line there
# explained; UPDATE=1 rewrites the list, keeping no comments: review the diff).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
need jq
[ -d "$SHARED_PCAPS" ] || skip "shared captures not found at $SHARED_PCAPS (set OTS_SHARED_PCAPS)"
n=0
for cap in $(find "$SHARED_PCAPS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort); do
	rel=${cap#"$SHARED_PCAPS"/}
	out="$TMP/$(echo "$rel" | tr '/' '_')"
	"$OTSENSOR" -r "$cap" -w 2 --deterministic -q -R "$top_srcdir/rules" -o "$out" 2> "$out.err"
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q "not a pcap or pcapng" "$out.err"; then
		fail "$rel: exit $rc: $(head -c 300 "$out.err")"
		continue
	fi
	if grep -q "Sanitizer\|runtime error" "$out.err"; then
		fail "$rel: sanitizer report"; head -20 "$out.err"; continue
	fi
	n=$((n + 1))
	if [ -s "$out/alerts.jsonl" ]; then
		jq -r '.rule.id' "$out/alerts.jsonl" | sort | uniq -c |
			awk -v c="$rel" '{ print c ": " $2 " x" $1 }' >> "$TMP/fired"
	fi
	[ $rc -ne 0 ] && { ok; continue; }
	if [ -f "$cap.truth.json" ]; then
		if "$PYTHON" "$top_srcdir/tests/check-truth.py" "$cap.truth.json" "$out" > "$out.truth" 2>&1; then
			ok
		else
			fail "$rel: differs from tshark truth"; sed 's/^/    /' "$out.truth" | head -10
		fi
	else
		ok
	fi
done
echo "captures checked: $n"
check "some shared captures were read" [ "$n" -gt 0 ]
touch "$TMP/fired"
LC_ALL=C sort "$TMP/fired" -o "$TMP/fired"
EXP="$top_srcdir/tests/rules-shared.expected"
if [ "${UPDATE:-0}" = 1 ]; then
	cp "$TMP/fired" "$EXP"
	echo "rewrote $EXP: add the reasons back as comments"
fi
grep -v '^#' "$EXP" | grep -v '^$' | LC_ALL=C sort > "$TMP/expected"
if diff "$TMP/expected" "$TMP/fired" > "$TMP/fired.diff"; then
	ok
else
	fail "shipped rules fire differently on the shared captures (< expected, > now):"
	cat "$TMP/fired.diff"
fi
echo "rules fired on $(cut -d: -f1 "$TMP/fired" | sort -u | wc -l) of $n captures"
finish
