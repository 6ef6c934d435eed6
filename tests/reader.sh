#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The two capture readers give the same run: classic pcap Ethernet files are read by
# src/savefile.c, everything else by libpcap, and OTSENSOR_PCAP_READER=libpcap sends every
# file to libpcap. Every bundled capture, the shared captures when present, and variants of
# the plant capture made here (other byte order, nanosecond timestamps, a small snapshot
# length with longer records, an oversized record, timestamps past 2038 in both byte orders, cuts inside the
# file header, a record header and a packet) are run both ways with --deterministic: every
# output file, the counters, the truncation flag and its reason must be identical.
. "$(dirname "$0")/lib.sh"
need jq
P="$top_srcdir/pcaps"

V="$TMP/variants"
mkdir -p "$V"
"$PYTHON" - "$P/plant-example.pcap" "$V" <<'EOF' || fail "building the variants"
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
hdr, body = data[:24], data[24:]
magic, vmaj, vmin, zone, sig, snap, link = struct.unpack('<IHHiIII', hdr)
recs = []
o = 0
while o + 16 <= len(body):
    sec, usec, cap, wire = struct.unpack('<IIII', body[o:o + 16])
    recs.append((sec, usec, wire, body[o + 16:o + 16 + cap]))
    o += 16 + cap

def write(name, recs, e='<', magic=0xa1b2c3d4, snap=snap, frac=lambda u: u, cut=None,
          caps=None):
    b = struct.pack(e + 'IHHiIII', magic, 2, 4, 0, 0, snap, link)
    for i, (sec, usec, wire, pkt) in enumerate(recs):
        cap = len(pkt) if caps is None else caps(i, pkt)
        b += struct.pack(e + 'IIII', sec, frac(usec), cap, wire) + pkt
    if cut is not None:
        b = b[:cut]
    open(out + '/' + name, 'wb').write(b)

write('swapped.pcap', recs, e='>')
write('nano.pcap', recs, magic=0xa1b23c4d, frac=lambda u: u * 1000 + 999)
write('nano-swapped.pcap', recs, e='>', magic=0xa1b23c4d, frac=lambda u: u * 1000 + 1)
write('snap64.pcap', recs, snap=64)
write('snap0.pcap', recs, snap=0)
big = list(recs[:50]) + [(recs[50][0], 0, 300000, b'\0' * 300000)] + list(recs[51:60])
write('oversize.pcap', big, snap=0)
write('oversize-snap.pcap', big, snap=100)
write('y2038.pcap', [(0xfffffff0 - i, u, w, p) for i, (s, u, w, p) in enumerate(recs[:40])])
# libpcap sign-extends the seconds of a file in our byte order, zero-extends a swapped one's
write('y2038-swapped.pcap', [(0x98000000 + i, u, w, p) for i, (s, u, w, p) in enumerate(recs[:40])],
      e='>')
write('y2038-nano-swapped.pcap', [(0x98000000 + i, u, w, p) for i, (s, u, w, p) in enumerate(recs[:40])],
      e='>', magic=0xa1b23c4d, frac=lambda u: 0xfffffff0 - u)
full = 24 + sum(16 + len(r[3]) for r in recs)
for cut in (10, 24, 30, 24 + 16 + 20, full - 7, full - 100):
    write('cut-%d.pcap' % cut, recs, cut=cut)
# a cut inside the discarded tail of a record longer than the snapshot length, and inside
# its kept part
n = 24 + sum(16 + len(r[3]) for r in recs[:30])
write('snap64-cut-tail.pcap', recs, snap=64, cut=n + 16 + 64 + 3)
write('snap64-cut-head.pcap', recs, snap=64, cut=n + 16 + 10)
EOF

run_both() { # run_both NAME FILE [ARGS...]
	name=$1; f=$2; shift 2
	a="$TMP/own/$name"; b="$TMP/lib/$name"
	"$OTSENSOR" -r "$f" --deterministic -q -o "$a" "$@" > /dev/null 2> "$a.err"
	ra=$?
	OTSENSOR_PCAP_READER=libpcap "$OTSENSOR" -r "$f" --deterministic -q -o "$b" "$@" \
		> /dev/null 2> "$b.err"
	rb=$?
	check "$name: same exit status ($ra, $rb)" [ "$ra" -eq "$rb" ]
	check "$name: same messages" cmp -s "$a.err" "$b.err"
	for o in flows.jsonl events.jsonl assets.json conduits.json assets.csv map.dot \
	         alerts.jsonl; do
		if [ -f "$a/$o" ] || [ -f "$b/$o" ]; then
			check "$name: same $o" cmp -s "$a/$o" "$b/$o"
		fi
	done
	if [ -f "$a/stats.json" ] || [ -f "$b/stats.json" ]; then
		check "$name: same stats.json" sh -c "[ \"\$(jq -S 'del(.sensor)' '$a/stats.json')\" = \"\$(jq -S 'del(.sensor)' '$b/stats.json')\" ]"
	fi
}
mkdir -p "$TMP/own" "$TMP/lib"

for f in "$P"/*.pcap "$P"/*.pcapng "$V"/*.pcap; do
	run_both "$(basename "$f")" "$f"
done
# the variants are meant to reach every branch: check a few reasons are what libpcap says
check "cut inside a packet: libpcap's reason" grep -q "truncated dump file; tried to read [0-9]* captured bytes, only got" "$TMP/own/cut-$(ls "$V" | sed -n 's/^cut-\([0-9]*\)\.pcap$/\1/p' | sort -n | tail -1).pcap.err"
check "oversized record: libpcap's reason (snaplen 0 means the maximum)" grep -q "invalid packet capture length 300000, bigger than snaplen of 262144" "$TMP/own/oversize.pcap.err"
check "oversized record past a small snapshot: libpcap's reason" grep -q "invalid packet capture length 300000, bigger than snaplen of 100" "$TMP/own/oversize-snap.pcap.err"
check "cut inside a kept snapshot: libpcap's reason" grep -q "tried to read 64 captured bytes" "$TMP/own/snap64-cut-head.pcap.err"
check "records longer than the snapshot are cut to it" [ "$(jq .packets "$TMP/own/snap64.pcap/stats.json")" -eq "$(jq .packets "$TMP/own/plant-example.pcap/stats.json")" ]
# with a filter and from standard input libpcap reads; the result does not change either
run_both "plant-example.pcap -f tcp" "$P/plant-example.pcap" -f tcp
a="$TMP/own/stdin"
"$OTSENSOR" -r - --deterministic -q -o "$a" < "$P/plant-example.pcap" > /dev/null 2>&1
check "standard input: same flows as the file" cmp -s "$a/flows.jsonl" "$TMP/own/plant-example.pcap/flows.jsonl"
# a named pipe is read by libpcap (it has consumed the file header from the pipe already)
mkfifo "$TMP/fifo.pcap"
cat "$P/plant-example.pcap" > "$TMP/fifo.pcap" &
a="$TMP/own/fifo"
"$OTSENSOR" -r "$TMP/fifo.pcap" --deterministic -q -o "$a" > /dev/null 2>&1
check "named pipe: same flows as the file" cmp -s "$a/flows.jsonl" "$TMP/own/plant-example.pcap/flows.jsonl"
wait

if [ -d "$SHARED_PCAPS" ]; then
	for f in $(find "$SHARED_PCAPS" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) | sort); do
		run_both "shared-$(basename "$f")" "$f"
	done
else
	echo "note: $SHARED_PCAPS absent, shared captures not compared"
fi
finish
