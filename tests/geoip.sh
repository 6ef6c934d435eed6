#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The committed test databases (tests/data/geoip/*.mmdb) are what make-mmdb.pl writes: regenerate
# them when perl's MaxMind::DB::Writer is there, compare, and run test-geoip on the fresh files.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need perl
perl -MMaxMind::DB::Writer::Tree -e 1 2>/dev/null ||
	skip "perl module MaxMind::DB::Writer is not installed (Debian: libmaxmind-db-writer-perl)"
D=$top_srcdir/tests/data/geoip
T=$top_builddir/tests/unit/test-geoip
[ -x "$T" ] || skip "$T is not built"

check "make-mmdb.pl runs" perl "$D/make-mmdb.pl" "$TMP" > "$TMP/log" 2>&1
for f in "$D"/*.mmdb; do
	b=$(basename "$f")
	check "$b regenerated" [ -s "$TMP/$b" ]
	# The writer's output is byte-stable for one version; another version may lay the tree
	# out differently, which the lookups below still judge.
	cmp -s "$f" "$TMP/$b" || echo "note: $b differs byte-wise from the committed file"
done
cp "$D/not-an-mmdb.txt" "$TMP/"
OTS_GEOIP_TEST_DIR=$TMP "$T" > "$TMP/unit.log" 2>&1
check "test-geoip passes on regenerated databases" [ $? -eq 0 ]
[ "$FAILS" -eq 0 ] || cat "$TMP/log" "$TMP/unit.log"
finish
