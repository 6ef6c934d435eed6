#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Kafka output against a real Kafka-protocol broker (tests/kafka-mock: librdkafka's mock
# cluster on loopback), read back with kcat:
#  1. broker up: each topic holds exactly what the files hold (alerts = alerts.jsonl and events
#     = events.jsonl line for line in per-key order, keys as documented, schema_version and
#     sensor headers on every message, every asset and conduit id of assets.json/conduits.json
#     keyed in .assets/.conduits, one stats record);
#  2. broker down for a whole run: everything goes to the spool, nothing to Kafka; broker back,
#     a second run replays the spool first: Kafka holds run 1 then run 2 for every key (zero
#     records lost, per-key order kept) and the spool is empty;
#  3. broker down at start and back while the run's exit flush waits: the flush delivers all.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need kcat
MOCK="$top_builddir/tests/kafka-mock"
[ -x "$MOCK" ] || skip "tests/kafka-mock is not built"
cd "$top_srcdir" || exit 1
CAP=pcaps/zones-rules.pcap
MPID=
trap '[ -n "$MPID" ] && kill "$MPID" 2>/dev/null; rm -rf "$TMP"' EXIT
RUN="-r $CAP -z pcaps/zones-rules.yaml -R rules -q"

# start_mock: a broker whose stdin is a FIFO we hold open; sets ADDR and MPID
start_mock() {
	rm -f "$TMP/fifo" "$TMP/addr" && mkfifo "$TMP/fifo"
	"$MOCK" < "$TMP/fifo" > "$TMP/addr" 2>> "$TMP/mock.err" &
	MPID=$!
	exec 3> "$TMP/fifo"
	i=0
	while [ ! -s "$TMP/addr" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ADDR=$(cat "$TMP/addr")
	case "$ADDR" in 127.0.0.1:*) ;; *) echo "mock broker did not start"; exit 1 ;; esac
}
stop_mock() { exec 3>&-; wait "$MPID" 2>/dev/null; MPID=; }
consume() { # consume DIR: every topic as kcat JSON, one file per topic
	for t in alerts assets conduits events stats; do
		timeout 30 kcat -C -b "$ADDR" -t "otsensor.$t" -e -o beginning -q -J \
			> "$1/k-$t.json" 2>> "$TMP/kcat.err" || echo "kcat $t: exit $?"
	done
}

# python check: compare DIR(s) with the consumed topics
COMPARE='
import json, sys
kdir, outs = sys.argv[1], sys.argv[2:]
def topic(t):
    return [json.loads(l) for l in open(f"{kdir}/k-{t}.json") if l.strip()]
def lines(o, f):
    try:
        return [l.rstrip("\n") for l in open(f"{o}/{f}") if l.strip()]
    except FileNotFoundError:
        return []
def akey(l):
    d = json.loads(l); return d["rule"]["id"] + "/" + d["alert_id"]
def ekey(l):
    d = json.loads(l); return d.get("flow_id") or d.get("asset")
bad = 0
def fail(m):
    global bad; bad += 1; print("FAIL:", m)
for t, f, kf in (("alerts", "alerts.jsonl", akey), ("events", "events.jsonl", ekey)):
    want = [l for o in outs for l in lines(o, f)]
    got = topic(t)
    if len(got) != len(want):
        fail(f"{t}: {len(got)} messages, files hold {len(want)}")
    if sorted(m["payload"] for m in got) != sorted(want):
        fail(f"{t}: the messages differ from {f}")
    # per key, the order of the files (run 1 before run 2)
    byk = {}
    for l in want:
        byk.setdefault(kf(l), []).append(l)
    gk = {}
    for m in got:
        gk.setdefault(m["key"], []).append(m["payload"])
    if byk != gk:
        fail(f"{t}: keys or per-key order differ from {f}")
    if f == "events.jsonl" and not any(len(v) > 1 for v in byk.values()):
        fail("events: no key with several records: per-key order untested")
for t in ("alerts", "assets", "conduits", "events", "stats"):
    for m in topic(t):
        h = dict((m.get("headers") or [])[i:i + 2] for i in range(0, len(m.get("headers") or []), 2))
        if h.get("schema_version") != "1" or not h.get("sensor"):
            fail(t + ": message without schema_version/sensor headers: " + str(m.get("headers")))
            break
for t, f, n in (("assets", "assets.json", "assets"), ("conduits", "conduits.json", "conduits")):
    ids = set(a["id"] for o in outs for a in json.load(open(f"{o}/{f}"))[n])
    got = topic(t)
    keys = set(m["key"] for m in got)
    if ids != keys:
        fail(f"{t}: keys {len(keys)} != ids in {f} {len(ids)}")
    for m in got:
        if json.loads(m["payload"])["id"] != m["key"]:
            fail(t + ": key " + str(m["key"]) + " is not the record id"); break
st = topic("stats")
if len(st) != len(outs) or any(json.loads(m["payload"])["record"] != "stats" for m in st):
    fail(f"stats: {len(st)} records for {len(outs)} runs")
sys.exit(1 if bad else 0)
'

# 1. broker up
start_mock
"$OTSENSOR" $RUN -o "$TMP/a" --kafka-brokers "$ADDR"
check "run with the broker up: exit 0" [ $? -eq 0 ]
check "alerts.jsonl has alerts" [ -s "$TMP/a/alerts.jsonl" ]
mkdir -p "$TMP/ka" && consume "$TMP/ka"
check "1: Kafka holds what the files hold" "$PYTHON" -c "$COMPARE" "$TMP/ka" "$TMP/a"
check "1: stats.json kafka block: all delivered, nothing spooled" "$PYTHON" -c '
import json, sys
k = json.load(open(sys.argv[1]))["kafka"]
sys.exit(not (k["delivered"] == k["produced"] > 0 and k["failed"] == 0 and k["spooled"] == 0
              and k["spool_bytes"] == 0 and sum(k["dropped"].values()) == 0))' "$TMP/a/stats.json"
stop_mock

# 2. broker down for run 1, back for run 2
start_mock
kill -USR1 "$MPID"; sleep 0.3
"$OTSENSOR" $RUN -o "$TMP/b1" --kafka-brokers "$ADDR" --kafka-spool "$TMP/spool" \
	--kafka-flush-timeout 1 2> "$TMP/b1.err"
check "2: run with the broker down: exit 0" [ $? -eq 0 ]
check "2: the exit names the spooled records" grep -q "kept in the spool" "$TMP/b1.err"
check "2: everything spooled, nothing delivered" "$PYTHON" -c '
import json, sys
k = json.load(open(sys.argv[1]))["kafka"]
sys.exit(not (k["delivered"] == 0 and k["spool_records"] == k["produced"] > 0))' "$TMP/b1/stats.json"
kill -USR2 "$MPID"; sleep 0.3
"$OTSENSOR" $RUN -o "$TMP/b2" --kafka-brokers "$ADDR" --kafka-spool "$TMP/spool" 2> "$TMP/b2.err"
check "2: run with the broker back: exit 0" [ $? -eq 0 ]
check "2: spool drained" [ "$(cat "$TMP"/spool/*.spool | wc -c)" -eq 0 ]
mkdir -p "$TMP/kb" && consume "$TMP/kb"
check "2: Kafka holds run 1 then run 2, per key in order" "$PYTHON" -c "$COMPARE" "$TMP/kb" "$TMP/b1" "$TMP/b2"
stop_mock

# 3. broker down at start, back while the exit flush waits
start_mock
kill -USR1 "$MPID"
( sleep 1.5; kill -USR2 "$MPID" ) &
UPPID=$!
"$OTSENSOR" $RUN -o "$TMP/c" --kafka-brokers "$ADDR" --kafka-spool "$TMP/spool3" \
	--kafka-flush-timeout 20
check "3: exit 0" [ $? -eq 0 ]
wait "$UPPID"
mkdir -p "$TMP/kc" && consume "$TMP/kc"
check "3: the exit flush delivered everything" "$PYTHON" -c "$COMPARE" "$TMP/kc" "$TMP/c"
check "3: spool empty" [ "$(cat "$TMP"/spool3/*.spool | wc -c)" -eq 0 ]
stop_mock
finish
