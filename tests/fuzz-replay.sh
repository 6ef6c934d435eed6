#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Replay every fuzz corpus through its target (libFuzzer runs them when built with
# --enable-fuzzers; otherwise the replayer main does).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
n=0
for corpus in "$top_srcdir"/tests/fuzz/corpus/*/; do
	name=$(basename "$corpus")
	bin="$top_builddir/tests/fuzz/fuzz-$name"
	[ -x "$bin" ] || { fail "no fuzz target built for corpus $name"; continue; }
	if "$bin" -runs=0 "$corpus" > "$TMP/$name.log" 2>&1; then
		ok
	else
		fail "fuzz-$name crashed on its corpus"; tail -20 "$TMP/$name.log"
	fi
	n=$((n + 1))
done
check "corpora found" [ "$n" -gt 0 ]
finish
