#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Dissector accuracy against the tshark truth of ../shared/pcaps, per protocol, as a ratchet:
# tests/ics-accuracy.expected holds the scores reached; a fall fails, misses are listed.
# UPDATE=1 records a rise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
[ -d "$SHARED_PCAPS" ] || skip "shared captures not found at $SHARED_PCAPS (set OTS_SHARED_PCAPS)"
if [ "${UPDATE:-0}" = 1 ]; then
	"$PYTHON" "$top_srcdir/tests/ics-accuracy.py" "$OTSENSOR" "$SHARED_PCAPS" \
		"$top_srcdir/tests/ics-accuracy.expected" --update
	exit $?
fi
"$PYTHON" "$top_srcdir/tests/ics-accuracy.py" "$OTSENSOR" "$SHARED_PCAPS" \
	"$top_srcdir/tests/ics-accuracy.expected" > "$TMP/acc.txt" 2>&1
rc=$?
grep -E "^score|^FAIL|^explained|^skip" "$TMP/acc.txt"
grep "^miss:" "$TMP/acc.txt" | head -40
check "no protocol's accuracy fell below tests/ics-accuracy.expected" [ $rc -eq 0 ]
check "every dissector was scored" [ "$(grep -c '^score' "$TMP/acc.txt")" -ge 1 ]
finish
