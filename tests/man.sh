#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The man page cannot drift from the program: every option `otsensor --help` prints (long and
# short) is documented in packaging/otsensor.8, and the page formats without warnings.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
MAN=$top_srcdir/packaging/otsensor.8
check "man page exists" [ -f "$MAN" ]
"$OTSENSOR" --help > "$TMP/help" 2>&1; check "--help exits 0" [ $? -eq 0 ]
# the page's text with roff's escaped hyphens made plain
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$MAN" > "$TMP/man"
longs=$(grep -oE -- '--[a-z][a-z0-9-]*' "$TMP/help" | sort -u)
shorts=$(grep -oE -- '^ +-[a-zA-Z],' "$TMP/help" | tr -d ' ,' | sort -u)
check "--help lists long options" [ "$(echo "$longs" | wc -l)" -ge 20 ]
for o in $longs $shorts; do
	# the option as a word of its own: not a prefix of a longer one
	if ! grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|$)" "$TMP/man"; then
		fail "option $o (in --help) is not documented in packaging/otsensor.8"
	else
		ok
	fi
done
# the other way: every long option the page documents is one the program knows
for o in $(grep -E '^\.(B|BI|BR|TP)' "$TMP/man" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
	if ! echo "$longs" | grep -qx -- "$o"; then
		fail "option $o (in the man page) is not in --help"
	else
		ok
	fi
done
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z "$MAN" > "$TMP/groff" 2>&1
	check "groff formats the page without warnings" [ ! -s "$TMP/groff" ]
	[ -s "$TMP/groff" ] && head -5 "$TMP/groff"
fi
finish
