# SPDX-License-Identifier: BSD-3-Clause
"""report-html.py: checks for tests/report-html.sh on what headless Chromium made of report.html.

  report-html.py dom DUMP N_ASSETS N_CONDUITS SORT [ROLES]  the DOM after the page's JS ran
                                                     (ROLES: comma-separated roles the map
                                                     must show; default all but rtu)
  report-html.py png SHOT.png DUMP                   the screenshot, regions from the DOM dump

Standard library only (the PNG is decoded with zlib). Prints one line per failed check and
exits 1 when any failed.
"""
import html.parser
import json
import re
import struct
import sys
import zlib

FAILS = []


def check(ok, what):
    if not ok:
        FAILS.append(what)
        print("FAIL: " + what)


class Dom(html.parser.HTMLParser):
    """Collects map node groups, table rows (with their cells' text and data-v) and body attrs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.body = {}
        self.nodes = []          # (id, class) of <g class="node ...">
        self.in_svg = 0
        self.table = None
        self.section = None
        self.rows = {}           # table name -> [ {"i": data-i, "cells": [(text, data-v)]} ]
        self.cell = None
        self.head = {}           # table name -> [data-key]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "svg":
            self.in_svg += 1
        elif tag == "g" and self.in_svg and "node" in (a.get("class") or "").split():
            self.nodes.append((a.get("id"), a.get("class")))
        elif tag == "table":
            self.table = a.get("data-name")
            self.rows.setdefault(self.table, [])
            self.head.setdefault(self.table, [])
        elif tag == "th" and self.table:
            self.head[self.table].append(a.get("data-key"))
        elif tag == "tr" and self.table and "data-i" in a:
            self.rows[self.table].append({"i": int(a["data-i"]), "cells": []})
        elif tag == "td" and self.table and self.rows[self.table]:
            self.cell = [a.get("data-v"), ""]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg -= 1
        elif tag == "table":
            self.table = None
        elif tag == "td" and self.cell is not None:
            self.rows[self.table][-1]["cells"].append((self.cell[1], self.cell[0]))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


def parse(path):
    d = Dom()
    with open(path, encoding="utf-8") as f:
        d.feed(f.read())
    return d


def value(cell):
    text, v = cell
    return v if v is not None else text


def dom(path, n_assets, n_conduits, sort, roles_wanted=None):
    d = parse(path)
    asset_nodes = [n for n in d.nodes if re.fullmatch(r"a\d+", n[0] or "")]
    check(len(asset_nodes) == n_assets,
          "map: %d asset node groups in the svg, expected %d" % (len(asset_nodes), n_assets))
    roles = {c.split("role-")[-1] for _, c in asset_nodes if "role-" in c}
    for r in roles_wanted or ("plc", "hmi", "engineering", "historian", "network", "it",
                               "unknown"):
        check(r in roles, "map: no node of role %s" % r)
    check(len(d.rows.get("assets", [])) == n_assets,
          "assets table: %d rows, expected %d" % (len(d.rows.get("assets", [])), n_assets))
    check(len(d.rows.get("conduits", [])) == n_conduits,
          "conduits table: %d rows, expected %d" % (len(d.rows.get("conduits", [])), n_conduits))
    check(d.body.get("data-sorted") == sort,
          "body[data-sorted] is %r, expected %r" % (d.body.get("data-sorted"), sort))
    table, key = sort.split(":")
    desc = key.startswith("-")
    key = key.lstrip("-")
    rows = d.rows.get(table, [])
    if key not in d.head.get(table, []):
        check(False, "%s table has no column %s" % (table, key))
        return d
    col = d.head[table].index(key)
    got = [r["i"] for r in rows]

    def k(r):
        v = value(r["cells"][col])
        return (-float(v) if desc else float(v), r["i"])
    want = [r["i"] for r in sorted(rows, key=k)]
    check(got == want, "%s not sorted by %s%s (numeric, stable): first rows %s, expected %s"
          % (table, "-" if desc else "", key, got[:8], want[:8]))
    check(got != sorted(got), "%s: the sort left the original order" % table)
    return d


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        elif typ == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG: depth %d colour type %d interlace %d" % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(h):
        ft = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 0xff
            elif ft == 2:
                line[x] = (line[x] + b) & 0xff
            elif ft == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 0xff
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 0xff
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def hexrgb(s):
    return tuple(int(s[i:i + 2], 16) for i in (1, 3, 5))


def count_colour(img, rect, rgb, tol=2):
    w, h, bpp, rows = img
    x0, y0, rw, rh = rect
    x1, y1 = min(w, x0 + rw), min(h, y0 + rh)
    n = 0
    for y in range(max(0, y0), y1):
        line = rows[y]
        for x in range(max(0, x0), x1):
            o = x * bpp
            if (abs(line[o] - rgb[0]) <= tol and abs(line[o + 1] - rgb[1]) <= tol
                    and abs(line[o + 2] - rgb[2]) <= tol):
                n += 1
    return n


ROLE_FILL = {"plc": "#4e79a7", "hmi": "#edc948", "engineering": "#b07aa1",
             "historian": "#76b7b2", "network": "#bab0ac"}
HEADER = "#1f3a5f"


def png(shot, dump):
    layout = json.loads(parse(dump).body.get("data-layout") or "{}")
    for k in ("map", "assets_head", "header"):
        if k not in layout:
            check(False, "no layout rectangle for %s in the DOM dump" % k)
            return
    img = read_png(shot)
    w, h = img[0], img[1]
    check(layout["assets_head"][1] + layout["assets_head"][3] <= h,
          "asset table header at y=%d is below the %d-pixel screenshot" % (layout["assets_head"][1], h))
    # not blank: many colours over the picture
    colours = set()
    for y in range(0, h, 7):
        line = img[3][y]
        for x in range(0, w, 7):
            colours.add(line[x * img[2]:x * img[2] + 3])
    check(len(colours) > 40, "screenshot looks blank: %d colours" % len(colours))
    m = layout["map"]
    for role, fill in ROLE_FILL.items():
        n = count_colour(img, m, hexrgb(fill))
        check(n >= 100, "map region %s: %d pixels of the %s colour %s" % (m, n, role, fill))
    # the map colours belong to the map: none in the page header
    hd = layout["header"]
    n = count_colour(img, hd, hexrgb(ROLE_FILL["plc"]))
    check(n == 0, "page header has %d pixels of the PLC colour" % n)
    th = layout["assets_head"]
    n = count_colour(img, th, hexrgb(HEADER))
    check(n >= th[2] * th[3] // 3,
          "asset table header %s: %d pixels of %s" % (th, n, HEADER))
    n = count_colour(img, hd, hexrgb(HEADER))
    check(n >= hd[2] * hd[3] // 2, "page header %s: %d pixels of %s" % (hd, n, HEADER))
    print("png: %dx%d, %d colours sampled, map %s" % (w, h, len(colours), m))


def main(argv):
    if len(argv) >= 6 and argv[1] == "dom":
        # optional 7th argument: the roles the map must show, comma-separated
        dom(argv[2], int(argv[3]), int(argv[4]), argv[5],
            argv[6].split(",") if len(argv) > 6 else None)
    elif len(argv) >= 4 and argv[1] == "png":
        png(argv[2], argv[3])
    else:
        print(__doc__)
        return 2
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
