#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# report.html as a person sees it: the synthetic 231-device plant (tests/render-demo) rendered
# by Graphviz, opened in headless Chromium. The DOM after the page's JS has the map with one
# node group per asset and full tables, a #sort= fragment sorts numerically and stably, and the
# screenshot shows the role colours inside the map and the header colour on the tables.
# Chromium never reaches the network: the page has no URL, and every host name resolves to
# nothing and every connection goes to a closed loopback port.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need dot
need python3
need jq
CHROMIUM=""
for c in chromium chromium-browser; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
[ -n "$CHROMIUM" ] || skip "chromium is not installed (OTS_BOOTSTRAP_FULL=1 ./bootstrap installs it)"
DEMO="$top_builddir/tests/render-demo"
[ -x "$DEMO" ] || skip "$DEMO is not built (make check builds it)"

OUT="$TMP/out"
"$DEMO" "$OUT" > "$TMP/demo.txt" 2> "$TMP/demo.err"
check "render-demo exits 0" [ $? -eq 0 ]
cat "$TMP/demo.txt"
NA=$(sed -n 's/.*assets=\([0-9]*\).*/\1/p' "$TMP/demo.txt")
NC=$(sed -n 's/.*conduits=\([0-9]*\).*/\1/p' "$TMP/demo.txt")
check "render-demo rendered the svg" grep -q "svg=1" "$TMP/demo.txt"
check "map.dot written" [ -s "$OUT/map.dot" ]
check "map.svg written" [ -s "$OUT/map.svg" ]
check "report.html has no URL" sh -c "! grep -q -e 'http://' -e 'https://' '$OUT/report.html'"

# Same model, same bytes.
"$DEMO" "$TMP/again" --no-svg > /dev/null 2>&1
check "map.dot is deterministic" cmp -s "$OUT/map.dot" "$TMP/again/map.dot"

browse() { # browse LOGNAME ARGS... (URL last)
	log=$1; shift
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$TMP/profile" --no-first-run --no-default-browser-check \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --disable-domain-reliability \
		--disable-client-side-phishing-detection --metrics-recording-only \
		--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication \
		--host-resolver-rules="MAP * ~NOTFOUND" --proxy-server="127.0.0.1:9" \
		--window-size=1400,3000 "$@" 2> "$TMP/$log.log"
}

URL="file://$OUT/report.html"
# 1-2: the DOM after the JS: map, tables, sorted by packets (descending), then conduits by port
browse dom1 --virtual-time-budget=5000 --dump-dom "$URL#sort=assets:-packets&layout" > "$TMP/dom1.html"
[ -s "$TMP/dom1.html" ] || tail -5 "$TMP/dom1.log"
check "chromium dumps the DOM" [ -s "$TMP/dom1.html" ]
check "DOM: map, tables, assets sorted by -packets" \
	"$PYTHON" "$top_srcdir/tests/report-html.py" dom "$TMP/dom1.html" "$NA" "$NC" assets:-packets
browse dom2 --virtual-time-budget=5000 --dump-dom "$URL#sort=conduits:port" > "$TMP/dom2.html"
check "DOM: conduits sorted by port (numeric, stable)" \
	"$PYTHON" "$top_srcdir/tests/report-html.py" dom "$TMP/dom2.html" "$NA" "$NC" conduits:port

# 3: the screenshot is not blank, colours where they belong
browse shot --virtual-time-budget=5000 --screenshot="$TMP/shot.png" "$URL#sort=assets:-packets&layout" > /dev/null
[ -s "$TMP/shot.png" ] || tail -5 "$TMP/shot.log"
check "chromium takes a screenshot" [ -s "$TMP/shot.png" ]
check "screenshot: role colours in the map, header colour on the table" \
	"$PYTHON" "$top_srcdir/tests/report-html.py" png "$TMP/shot.png" "$TMP/dom1.html"
[ -n "${OTS_KEEP_SHOT:-}" ] && cp "$TMP/shot.png" "$OTS_KEEP_SHOT"

# 4: the sensor's own report on the bundled plant capture: one map node per asset of
# assets.json, one table row per asset and per device-to-device conduit, and a screenshot
# with the map drawn
REAL="$TMP/real"
"$OTSENSOR" -r "$top_srcdir/pcaps/plant-example.pcap" --deterministic -q -o "$REAL" 2> "$TMP/real.err"
check "otsensor -o writes report.html and map.svg" sh -c "[ -s '$REAL/report.html' ] && [ -s '$REAL/map.svg' ]"
RA=$(jq '.assets | length' "$REAL/assets.json")
RC=$(jq '[.conduits[] | select(.src.asset != null and .dst.asset != null)] | length' "$REAL/conduits.json")
RR=$(jq -r '[.assets[].role] | unique | join(",")' "$REAL/assets.json")
check "report.html has no URL" sh -c "! grep -q -e 'http://' -e 'https://' '$REAL/report.html'"
browse dom3 --virtual-time-budget=5000 --dump-dom "file://$REAL/report.html#sort=assets:-packets&layout" > "$TMP/dom3.html"
check "sensor report: $RA map nodes and asset rows, $RC conduit rows, sorted by -packets" \
	"$PYTHON" "$top_srcdir/tests/report-html.py" dom "$TMP/dom3.html" "$RA" "$RC" assets:-packets "$RR"
browse shot2 --virtual-time-budget=5000 --screenshot="$TMP/shot2.png" "file://$REAL/report.html#sort=assets:-packets&layout" > /dev/null
check "sensor report screenshot: role colours in the map, header colour on the table" \
	"$PYTHON" "$top_srcdir/tests/report-html.py" png "$TMP/shot2.png" "$TMP/dom3.html"
finish
