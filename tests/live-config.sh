#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Live operation from a config file, in network namespaces made by this test (root): --user
# drops to nobody once the capture is open (no capability left) and writes to a directory
# owned by nobody; SIGHUP re-reads the config file: a broken one keeps the configuration,
# a good one applies alert-interval and the zones path live and names what needs a restart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need ip
need python3
need jq
[ "$(id -u)" -eq 0 ] || skip "live config test needs root (network namespaces, --user)"
id nobody > /dev/null 2>&1 || skip "no user nobody"
A=otcA$$
B=otcB$$
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
netns_pair "$A" "$B" ca$$ cb$$ 192.0.2.1 192.0.2.2

# everything nobody reads lies under a directory it can enter
chmod 755 "$TMP"
mkdir "$TMP/out" && chown nobody "$TMP/out"
zones() { # zones FILE SLT
	cat > "$1" <<ZONES
version: 1
zones:
  - name: a
    sl_t: $2
    networks: [192.0.2.1/32]
  - name: b
    sl_t: 1
    networks: [192.0.2.2/32]
conduits: []
ZONES
}
zones "$TMP/z1.yaml" 2
zones "$TMP/z2.yaml" 3
cat > "$TMP/sensor.yaml" <<CONF
interface: ca$$
output: $TMP/out
state: $TMP/state/inventory.state
workers: 2
checkpoint: 3600
alert-interval: 30
zones: $TMP/z1.yaml
user: nobody
CONF
ip netns exec "$A" "$OTSENSOR" -c "$TMP/sensor.yaml" > "$TMP/stdout" 2> "$TMP/stderr" &
pid=$!
i=0
while [ $i -lt 50 ] && ! grep -q "capturing on" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "sensor announced the capture" grep -q "capturing on ca$$" "$TMP/stderr"
uid=$(id -u nobody)
check "runs as nobody (real, effective, saved, fs uid)" grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid$" /proc/$pid/status
check "no capability effective" grep -q "^CapEff:[[:space:]]*0000000000000000$" /proc/$pid/status
check "no capability permitted" grep -q "^CapPrm:[[:space:]]*0000000000000000$" /proc/$pid/status
check "no supplementary group but its own" [ "$(awk '/^Groups:/ {print $2}' /proc/$pid/status)" = "$(id -g nobody)" ]
check "no_new_privs set" grep -q "^NoNewPrivs:[[:space:]]*1$" /proc/$pid/status
check "the --state directory was made for nobody" [ "$(stat -c %U "$TMP/state")" = nobody ]
check "the outputs belong to nobody" [ "$(stat -c %U "$TMP/out/flows.jsonl")" = nobody ]

ip netns exec "$B" python3 -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    u.sendto(b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01", ("192.0.2.1", 5020))
    time.sleep(0.005)
'
# SIGHUP, broken config: reported with FILE:LINE:COL, the configuration in force stays
cp "$TMP/sensor.yaml" "$TMP/sensor.good"
printf 'workers: [\n' >> "$TMP/sensor.yaml"
kill -HUP $pid
i=0
while [ $i -lt 100 ] && ! grep -q "keeping the configuration" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP with a broken config: FILE:LINE:COL, kept" grep -q "sensor.yaml:[0-9]*:[0-9]*: .*keeping the configuration loaded before" "$TMP/stderr"
# SIGHUP, good config: alert-interval and zones live, workers needs a restart
sed -e "s|z1.yaml|z2.yaml|; s|alert-interval: 30|alert-interval: 1|; s|workers: 2|workers: 3|" \
	"$TMP/sensor.good" > "$TMP/sensor.yaml"
kill -HUP $pid
i=0
while [ $i -lt 100 ] && ! grep -q "configuration reloaded" "$TMP/stderr"; do sleep 0.1; i=$((i + 1)); done
check "SIGHUP applies zones and alert-interval" grep -q "sensor.yaml: configuration reloaded (applied: alert-interval, zones)" "$TMP/stderr"
check "SIGHUP names what needs a restart" grep -q "sensor.yaml: workers changed: that needs a restart" "$TMP/stderr"
check "the new zones file is loaded" grep -q "z2.yaml: zones reloaded" "$TMP/stderr"
kill -TERM $pid
wait $pid
rc=$?
pid=
check "SIGTERM ends the run with status 0" [ $rc -eq 0 ]
check "nobody wrote the inventory and the state at exit" [ -s "$TMP/out/assets.json" ] && [ -s "$TMP/state/inventory.state" ]
check "stats: both zones reloads counted (every SIGHUP re-reads the zones)" jq -e '.zones.reloads == 2 and (.zones.file | endswith("z2.yaml"))' "$TMP/out/stats.json" > /dev/null
# all 20 datagrams: the ones the kernel still held when SIGTERM came are read before the end
check "UDP flow with all 20 datagrams" [ "$(jq -s '[.[] | select(.dst_port == 5020)] | map(.pkts_toserver) | add' "$TMP/out/flows.jsonl")" = 20 ]

# a directory nobody cannot write: refused with a clear message before any packet
mkdir "$TMP/rootonly" && chmod 755 "$TMP/rootonly"
ip netns exec "$A" "$OTSENSOR" -i ca$$ -o "$TMP/rootonly" --user nobody -q > /dev/null 2> "$TMP/stderr3"
check "unwritable output directory: exit 1" [ $? -eq 1 ]
check "unwritable output directory: named with owner and mode" grep -q "user nobody cannot write $TMP/rootonly (the output directory: owner uid 0, mode 0755)" "$TMP/stderr3"
[ "$FAILS" -eq 0 ] || cat "$TMP/stderr"
finish
