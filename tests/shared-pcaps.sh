#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every real capture in ../shared/pcaps: no crash, no sanitizer report (when built with them),
# and flows consistent with the tshark truth beside each capture (tests/check-truth.py).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
[ -d "$SHARED_PCAPS" ] || skip "shared captures not found at $SHARED_PCAPS (set OTS_SHARED_PCAPS)"
n=0
for cap in $(find "$SHARED_PCAPS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort); do
	rel=${cap#"$SHARED_PCAPS"/}
	out="$TMP/$(echo "$rel" | tr '/' '_')"
	"$OTSENSOR" -r "$cap" -w 2 --deterministic -q -o "$out" 2> "$out.err"
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q "not a pcap or pcapng" "$out.err"; then
		fail "$rel: exit $rc: $(head -c 300 "$out.err")"
		continue
	fi
	if grep -q "Sanitizer\|runtime error" "$out.err"; then
		fail "$rel: sanitizer report"; head -20 "$out.err"; continue
	fi
	n=$((n + 1))
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
finish
