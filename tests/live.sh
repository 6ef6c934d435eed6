#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Live capture for real: two network namespaces made by this test, joined by a veth pair;
# otsensor captures on one end while the other sends UDP and TCP, then SIGTERM ends the run.
# Needs root (CI runs as root); skipped otherwise. Traffic stays inside the namespaces
# (192.0.2.0/24, TEST-NET-1).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need ip
need python3
need jq
[ "$(id -u)" -eq 0 ] || skip "live capture test needs root (network namespaces)"
A=otsA$$
B=otsB$$
cleanup() {
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_pair "$A" "$B" va$$ vb$$ 192.0.2.1 192.0.2.2

cp "$top_srcdir/tests/data/live/zones.yaml" "$TMP/zones.yaml"
ip netns exec "$A" "$OTSENSOR" -i va$$ -w 2 -o "$TMP/out" --checkpoint 1 --state "$TMP/state" \
	-z "$TMP/zones.yaml" > "$TMP/stdout" 2> "$TMP/stderr" &
pid=$!
# wait until the capture is up (the sensor says so on stderr)
i=0
while [ $i -lt 50 ] && ! grep -q "capturing on" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "sensor announced the capture" grep -q "capturing on va$$" "$TMP/stderr"
sleep 0.3

# a TCP listener in A, a client in B; plus 40 UDP datagrams to port 5020
ip netns exec "$A" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 1502)); s.listen(1); s.settimeout(5)
c, _ = s.accept(); d = c.recv(100); c.sendall(d); c.close()
' &
lpid=$!
sleep 0.3
ip netns exec "$B" python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(40):
    u.sendto(b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01", ("192.0.2.1", 5020))
    time.sleep(0.005)
t = socket.create_connection(("192.0.2.1", 1502), timeout=5)
t.sendall(b"hello plant"); t.recv(100); t.close()
'
wait $lpid
sleep 1.5
# the inventory checkpoint runs while the capture goes on
check "checkpoint wrote assets.json during the capture" [ -s "$TMP/out/assets.json" ]
check "checkpoint saved the state during the capture" [ -s "$TMP/state" ]
# SIGHUP: a broken zones file keeps the old policy, a good one replaces it
echo "zones: [" > "$TMP/zones.yaml"
kill -HUP $pid
i=0
while [ $i -lt 100 ] && ! grep -q "keeping the zones loaded before" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP with a broken zones file: reported, old zones kept" grep -q "zones.yaml:.*keeping the zones loaded before" "$TMP/stderr"
cat > "$TMP/zones.yaml" <<'ZONES'
version: 1
zones:
  - name: a
    sl_t: 2
    networks: [192.0.2.1/32]
  - name: b
    sl_t: 1
    networks: [192.0.2.2/32]
conduits:
  - name: b-to-a
    from: b
    to: a
    allow:
      - protocol: any
        operations: [any]
ZONES
kill -HUP $pid
i=0
while [ $i -lt 100 ] && ! grep -q "zones reloaded" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP with a good zones file: reloaded" grep -q "zones reloaded" "$TMP/stderr"
kill -TERM $pid
wait $pid
rc=$?
check "SIGTERM ends the capture with status 0" [ $rc -eq 0 ]
check "stats.json written" jq -e '.interface == "va'$$'"' "$TMP/out/stats.json" > /dev/null
check "kernel drop counters reported" jq -e '.drops | has("kernel") and has("interface")' "$TMP/out/stats.json" > /dev/null
check "UDP flow with all 40 datagrams" [ "$(jq -s '[.[] | select(.transport == "udp" and .dst_port == 5020 and .src_ip == "192.0.2.2")] | map(.pkts_toserver) | add' "$TMP/out/flows.jsonl")" = 40 ]
check "TCP flow initiated by B" [ "$(jq -s '[.[] | select(.transport == "tcp" and .dst_port == 1502 and .src_ip == "192.0.2.2" and .dst_ip == "192.0.2.1")] | length' "$TMP/out/flows.jsonl")" -ge 1 ]
check "TCP stream bytes reassembled" jq -e '.tcp.stream_bytes >= 22' "$TMP/out/stats.json" > /dev/null
check "ARP seen on the wire" jq -e '.decode.arp >= 1' "$TMP/out/stats.json" > /dev/null
check "stats count the zones reload" jq -e '.zones.reloads == 1' "$TMP/out/stats.json" > /dev/null
check "the reloaded zones apply: b -> a is a declared conduit now" \
	[ "$(jq -s '[.[] | select(.source.ip == "192.0.2.2" and .destination.ip == "192.0.2.1")] | length' "$TMP/out/alerts.jsonl")" -eq 0 ]
check "inventory at exit: both hosts, by MAC" [ "$(jq '[.assets[] | select(.id | startswith("mac:")) | .ips[] | select(startswith("192.0.2."))] | sort' -c "$TMP/out/assets.json")" = '["192.0.2.1","192.0.2.2"]' ]
check "inventory at exit: the TCP conduit B -> A:1502" jq -e '[.conduits[] | select(.port == 1502 and .src.ip == "192.0.2.2")] | length == 1' "$TMP/out/conduits.json" > /dev/null

# Rules live: alerts come every --alert-interval seconds, before any inventory checkpoint;
# SIGHUP with a broken rule file keeps the rules in force, a good one replaces them.
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
ip netns exec "$A" "$OTSENSOR" -i va$$ -w 2 -o "$TMP/out2" --checkpoint 3600 --alert-interval 1 \
	-R "$TMP/live.rules" > "$TMP/stdout2" 2> "$TMP/stderr2" &
pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q "capturing on" "$TMP/stderr2"; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
ip netns exec "$A" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 502)); s.listen(1); s.settimeout(5)
c, _ = s.accept()
for i in range(3):
    q = c.recv(12)
    c.sendall(q[:4] + b"\x00\x05\x01\x03\x02\x00\x2a")
c.close()
' &
lpid=$!
sleep 0.3
ip netns exec "$B" python3 -c '
import socket
t = socket.create_connection(("192.0.2.1", 502), timeout=5)
for i in range(3):
    t.sendall(bytes([0, i + 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1])); t.recv(100)
t.close()
'
wait $lpid
i=0
while [ $i -lt 40 ] && ! [ -s "$TMP/out2/alerts.jsonl" ]; do sleep 0.1; i=$((i + 1)); done
check "a rule alert arrives within the alert interval, during the capture" \
	jq -e -s 'map(select(.rule.id == "live-modbus-read" and .source.ip == "192.0.2.2" and .destination.port == 502)) | length == 1' "$TMP/out2/alerts.jsonl" > /dev/null
check "no inventory checkpoint ran for it" [ ! -e "$TMP/out2/assets.json" ]
printf 'rule broken {\n  name "x"\n' > "$TMP/live.rules"
kill -HUP $pid
i=0
while [ $i -lt 100 ] && ! grep -q "stay in force" "$TMP/stderr2"; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP with a broken rule file: FILE:LINE:COL reported, old rules kept" grep -q "live.rules:[0-9]*:[0-9]*: .*stay in force" "$TMP/stderr2"
sed 's/live-modbus-read/live-modbus-read-2/' > "$TMP/live.rules" <<'RULES'
rule live-modbus-read {
    name     "Modbus read"
    severity low
    message  "a Modbus read"
    match    protocol modbus
    match    class read
}
RULES
kill -HUP $pid
i=0
while [ $i -lt 100 ] && ! grep -q "rules reloaded" "$TMP/stderr2"; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP with a good rule file: reloaded" grep -q "rules reloaded (1 rule)" "$TMP/stderr2"
kill -TERM $pid
wait $pid
check "SIGTERM ends the rules run with status 0" [ $? -eq 0 ]
check "stats count the rules reload" jq -e '.detection.reloads == 1 and .detection.alerts_written == 1' "$TMP/out2/stats.json" > /dev/null
finish
