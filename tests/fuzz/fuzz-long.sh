#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A long libFuzzer run of one dissector (or of every one), outside the build: clang, ASan,
# UBSan, the dissector's own file and the shared entry. New inputs go to a scratch corpus;
# a crash stops the run and leaves crash-* in the current directory (keep it in
# tests/fuzz/corpus/NAME/ as a regression input once fixed).
#   tests/fuzz/fuzz-long.sh NAME|all [SECONDS=600]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${2:-600}
run() {
	name=$1
	src="$top/protocols/$name.c"
	# a library module with its own entry (json-read) is src/NAME.c
	[ -f "$src" ] || src="$top/src/$name.c"
	[ -f "$src" ] || { echo "no dissector or module $name" >&2; return 1; }
	dict=
	[ -f "$top/tests/fuzz/$name.dict" ] && dict="-dict=$top/tests/fuzz/$name.dict"
	# modules that need more than their own file
	extra=
	case $name in
	zones) extra="$top/src/ics.c $(pkg-config --cflags --libs yaml-0.1)" ;;
	esac
	bin=${TMPDIR:-/tmp}/ots-fuzz-$name
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I "$top/include" -I "$top" "$top/tests/fuzz/fuzz-$name.c" "$src" $extra -o "$bin"
	mkdir -p "$bin.corpus"
	"$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 $dict "$bin.corpus" \
		"$top/tests/fuzz/corpus/$name" 2>&1 | grep -E "^stat::number_of_executed_units|^Done|ERROR|SUMMARY" |
		sed "s/^/fuzz-$name: /"
}
if [ "$1" = all ]; then
	for f in "$top"/protocols/*.c; do
		n=$(basename "$f" .c)
		[ "$n" = registry ] || run "$n"
	done
else
	run "$1"
fi
