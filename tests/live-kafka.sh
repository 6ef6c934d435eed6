#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Live capture with Kafka, broker down mid-stream: two network namespaces joined by a veth
# pair, the mock broker (tests/kafka-mock) on the capture namespace's loopback. otsensor
# captures with --checkpoint 1 --alert-interval 1 --stats-interval 1 while the other end sends
# Modbus/TCP and UDP all along, so alerts, events, assets, conduits and stats records flow
# continuously. The broker goes down for a while (records time out after 2 s and go to the
# spool, later ones queue up behind them) and comes back; then SIGTERM. Checks:
#  - stats records: at least 2 interval records in DIR/stats.jsonl with growing packet counts,
#    then the final one; DIR/stats.json is the last; the records continued while the broker
#    was away; each matches stats.schema.json;
#  - every topic read back with kcat: alerts and events equal alerts.jsonl and events.jsonl
#    (none lost, no duplicate), stats equal stats.jsonl line for line, each key in the order
#    of the files; the last message of each asset and conduit is its record in
#    assets.json/conduits.json;
#  - the outage was real (records failed and were spooled, then replayed) and the spool is
#    empty at the end.
# Needs root (CI runs as root); skipped otherwise. Traffic stays inside the namespaces.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need ip
need jq
need kcat
need python3
MOCK="$top_builddir/tests/kafka-mock"
[ -x "$MOCK" ] || skip "tests/kafka-mock is not built"
[ "$(id -u)" -eq 0 ] || skip "live capture test needs root (network namespaces)"
A=otsKA$$
B=otsKB$$
MPID=
GPID=
cleanup() {
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_pair "$A" "$B" ka$$ kb$$ 192.0.2.1 192.0.2.2

# the broker, in A (the sensor's namespace); its stdin is a FIFO we hold open: down/up
mkfifo "$TMP/fifo"
ip netns exec "$A" "$MOCK" < "$TMP/fifo" > "$TMP/addr" 2> "$TMP/mock.err" &
MPID=$!
exec 3> "$TMP/fifo"
i=0
while [ ! -s "$TMP/addr" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ADDR=$(cat "$TMP/addr")
case "$ADDR" in 127.0.0.1:*) ;; *) echo "mock broker did not start"; exit 1 ;; esac

cp "$top_srcdir/tests/data/live/zones.yaml" "$TMP/zones.yaml"
cat > "$TMP/live.rules" <<'RULES'
rule live-modbus-read {
    name     "Modbus read"
    severity low
    message  "a Modbus read"
    match    protocol modbus
    match    class read
    match    direction request
}
RULES

ip netns exec "$A" "$OTSENSOR" -i ka$$ -w 2 -o "$TMP/out" --checkpoint 1 --alert-interval 1 \
	--stats-interval 1 --log-all-ops -z "$TMP/zones.yaml" -R "$TMP/live.rules" \
	--kafka-brokers "$ADDR" --kafka-spool "$TMP/spool" --kafka-flush-timeout 30 \
	--kafka-property message.timeout.ms=2000 --kafka-property reconnect.backoff.max.ms=500 \
	> "$TMP/stdout" 2> "$TMP/stderr" &
pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q "capturing on" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "sensor announced the capture" grep -q "capturing on ka$$" "$TMP/stderr"

# traffic all along: a Modbus server in A; in B a new Modbus/TCP connection (3 reads) and a
# UDP datagram to a new port (a new conduit) every 0.25 s, until the file stop appears
ip netns exec "$A" python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 502)); s.listen(16); s.settimeout(30)
def serve(c):
    try:
        while True:
            q = c.recv(12)
            if not q: break
            c.sendall(q[:4] + b"\x00\x05\x01\x03\x02\x00\x2a")
    finally:
        c.close()
while True:
    try:
        c, _ = s.accept()
    except OSError:
        break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' &
lpid=$!
sleep 0.3
ip netns exec "$B" python3 -c '
import os, socket, sys, time
stop = sys.argv[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
i = 0
while not os.path.exists(stop) and i < 400:
    t = socket.create_connection(("192.0.2.1", 502), timeout=5)
    for k in range(3):
        t.sendall(bytes([0, k + 1, 0, 0, 0, 6, 1, 3, 0, k, 0, 1])); t.recv(100)
    t.close()
    u.sendto(b"ping", ("192.0.2.1", 6000 + i))
    i += 1
    time.sleep(0.25)
' "$TMP/stop" &
GPID=$!

n_at() { [ -f "$TMP/out/stats.jsonl" ] && wc -l < "$TMP/out/stats.jsonl" || echo 0; }
sleep 3
n_before=$(n_at)
echo down >&3
sleep 6
n_down=$(n_at)
echo up >&3
sleep 4
touch "$TMP/stop"
wait "$GPID"
GPID=
sleep 1.5
kill -TERM $pid
wait $pid
rc=$?
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null
check "SIGTERM ends the capture with status 0" [ $rc -eq 0 ]
check "the broker went down and came back" grep -q "brokers up" "$TMP/mock.err"
check "stats records went on while the broker was away ($n_before, then $n_down)" \
	[ "$n_down" -ge $((n_before + 3)) ]

for t in alerts assets conduits events stats; do
	ip netns exec "$A" timeout 30 kcat -C -b "$ADDR" -t "otsensor.$t" -e -o beginning -q -J \
		> "$TMP/k-$t.json" 2>> "$TMP/kcat.err" || echo "kcat $t: exit $?"
done

"$PYTHON" - "$TMP" "$top_srcdir/packaging/schema/stats.schema.json" <<'PY'
import json, sys
tmp = sys.argv[1]
out = tmp + "/out"
bad = 0
def fail(m):
    global bad; bad += 1; print("FAIL:", m)
def topic(t):
    return [json.loads(l) for l in open(f"{tmp}/k-{t}.json") if l.strip()]
def lines(f):
    try:
        return [l.rstrip("\n") for l in open(f"{out}/{f}") if l.strip()]
    except FileNotFoundError:
        return []

# stats records
st = [json.loads(l) for l in lines("stats.jsonl")]
iv = [r for r in st if r["report"]["kind"] == "interval"]
if len(iv) < 2:
    fail(f"{len(iv)} interval stats records")
if not st or st[-1]["report"]["kind"] != "final" or any(r["report"]["kind"] != "interval" for r in st[:-1]):
    fail("stats.jsonl: interval records then one final record expected")
if [r["report"]["seq"] for r in st] != list(range(1, len(st) + 1)):
    fail("stats.jsonl: seq is not 1..n")
pk = [r["packets"] for r in st]
if pk != sorted(pk) or pk[-1] <= pk[0] or len(set(pk)) < 3:
    fail(f"stats.jsonl: packet counts do not grow: {pk}")
for r in st:
    if r["report"]["counters"] != "cumulative" or r["report"]["interval_s"] != 1 or "time" not in r["report"]:
        fail("stats record without its report block: " + json.dumps(r["report"])); break
    for f in ("kernel", "ring_full", "interface"):
        if f not in r["drops"]:
            fail("stats record without drops." + f); break
    for f in ("delivered", "queued", "spooled", "dropped"):
        if f not in r["kafka"]:
            fail("stats record without kafka." + f); break
    if "flows" not in r or "assets" not in r.get("inventory", {}) or "written" not in r["alerts"]:
        fail("stats record without flows/inventory.assets/alerts.written"); break
try:
    import jsonschema
    sch = json.load(open(sys.argv[2]))
    for r in st:
        jsonschema.validate(r, sch, cls=jsonschema.Draft202012Validator)
except ImportError:
    print("python3-jsonschema missing: stats records not validated")
except jsonschema.ValidationError as e:
    fail("a stats record does not match stats.schema.json: " + e.message)
if [r["report"]["time"] for r in st] != sorted(r["report"]["time"] for r in st):
    fail("stats times not in order")
if iv and iv[-1]["alerts"]["written"] == 0:
    fail("no alert counted in the interval records")
final = json.load(open(out + "/stats.json"))
if final["report"]["kind"] != "final" or final["report"]["seq"] != len(st):
    fail("stats.json is not the final record")

# every record of the files is in Kafka, no duplicate, each key in file order
def akey(l):
    d = json.loads(l); return d["rule"]["id"] + "/" + d["alert_id"]
def ekey(l):
    d = json.loads(l); return d.get("flow_id") or d.get("asset")
for t, f, kf in (("alerts", "alerts.jsonl", akey), ("events", "events.jsonl", ekey),
                 ("stats", "stats.jsonl", None)):
    want = lines(f)
    got = topic(t)
    if not want:
        fail(f"{f} is empty")
    if len(got) != len(want):
        fail(f"{t}: {len(got)} messages, {f} holds {len(want)}")
    if sorted(m["payload"] for m in got) != sorted(want):
        fail(f"{t}: the messages differ from {f}")
    if len(set(m["payload"] for m in got)) != len(got):
        fail(f"{t}: duplicates")
    if kf is None:  # stats: one key, the sensor name; the order of the file
        if [m["payload"] for m in got] != want or len(set(m["key"] for m in got)) != 1:
            fail(f"{t}: order or key differ from {f}")
        continue
    byk, gk = {}, {}
    for l in want:
        byk.setdefault(kf(l), []).append(l)
    for m in got:
        gk.setdefault(m["key"], []).append(m["payload"])
    if byk != gk:
        nk = sum(1 for k in byk if byk[k] != gk.get(k))
        fail(f"{t}: keys or per-key order differ from {f} ({nk} keys)")
ev = lines("events.jsonl")
ek = {}
for l in ev:
    ek[ekey(l)] = ek.get(ekey(l), 0) + 1
if not any(v > 1 for v in ek.values()):
    fail("events: no key with several records: per-key order untested")
# assets and conduits: the last message of each key is the record of the file
for t, f, n in (("assets", "assets.json", "assets"), ("conduits", "conduits.json", "conduits")):
    recs = {a["id"]: a for a in json.load(open(f"{out}/{f}"))[n]}
    last = {}
    for m in topic(t):
        last[m["key"]] = json.loads(m["payload"])
    if set(recs) != set(last):
        fail(f"{t}: keys {len(last)} != ids in {f} {len(recs)}")
    diff = [k for k in recs if k in last and last[k] != recs[k]]
    if diff:
        fail(f"{t}: {len(diff)} records whose last message differs from {f}, e.g. {diff[0]}")

# the outage was real, and nothing is left or lost
k = final["kafka"]
if not (k["failed"] > 0 and k["spooled"] > 0 and k["replayed"] > 0):
    fail(f"no outage seen: failed {k['failed']} spooled {k['spooled']} replayed {k['replayed']}")
if k["spool_records"] or k["spool_bytes"] or sum(k["dropped"].values()):
    fail(f"spool not drained or records dropped: {k['spool_records']} {k['spool_bytes']} {k['dropped']}")
print(f"{len(st)} stats records, {len(lines('alerts.jsonl'))} alerts, {len(ev)} events; "
      f"kafka failed {k['failed']} spooled {k['spooled']} replayed {k['replayed']} delivered {k['delivered']}")
sys.exit(1 if bad else 0)
PY
check "Kafka holds every record of the files, none twice, per-key order kept" [ $? -eq 0 ]
check "spool empty" [ "$(cat "$TMP"/spool/*.spool | wc -c)" -eq 0 ]
exec 3>&-
wait "$MPID" 2>/dev/null
MPID=
finish
