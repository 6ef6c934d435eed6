#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Asset inventory against the tshark truth of ../shared/pcaps (hosts, identity, evident roles),
# with one worker and with four (the inventory must not depend on the worker count), as a
# ratchet: tests/asset-accuracy.expected holds the scores reached. UPDATE=1 records a rise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
[ -d "$SHARED_PCAPS" ] || skip "shared captures not found at $SHARED_PCAPS (set OTS_SHARED_PCAPS)"
if [ "${UPDATE:-0}" = 1 ]; then
	"$PYTHON" "$top_srcdir/tests/asset-accuracy.py" "$OTSENSOR" "$SHARED_PCAPS" \
		"$top_srcdir/tests/asset-accuracy.expected" --update
	exit $?
fi
for w in 1 4; do
	"$PYTHON" "$top_srcdir/tests/asset-accuracy.py" "$OTSENSOR" "$SHARED_PCAPS" \
		"$top_srcdir/tests/asset-accuracy.expected" -w $w > "$TMP/acc$w.txt" 2>&1
	rc=$?
	grep -E "^score|^FAIL|^explained|^captures" "$TMP/acc$w.txt"
	grep "^miss:" "$TMP/acc$w.txt" | head -40
	check "-w $w: no inventory score fell below tests/asset-accuracy.expected" [ $rc -eq 0 ]
	check "-w $w: captures were scored" grep -q '^score identity' "$TMP/acc$w.txt"
done
check "-w 1 and -w 4 give the same scores and misses" cmp -s "$TMP/acc1.txt" "$TMP/acc4.txt"
finish
