# SPDX-License-Identifier: BSD-3-Clause
"""S7comm-plus: protocol version and opcode counts.

tshark 4.0 has no S7comm-plus dissector: the truth ("heuristic") counts, per frame whose COTP
DT payload starts with 0x72 (TCP retransmissions left out), the version byte after 0x72 and
the byte after the 4-byte header as the opcode. otsensor reports one ics_op per PDU with
function_code = the function and qualifier = version << 8 | opcode (protocols/s7comm_plus.c).
Known differences, none in the shared captures: a keep-alive (version 0xfe/0xff) has no
opcode, so it is counted for its version only; a later fragment of a PDU split over several
TPKTs (no trailer) repeats the 0x72 header but is not a new op, so it is not counted.
"""
from collections import Counter

from common import compare, ops

TRUTH_KEY = "s7comm_plus"
DIRS = ["s7comm_plus", "mixed_plant"]


def score(t, ev, misses, label):
    o = ops(ev, "s7comm_plus")
    versions = Counter(f"0x{(x['qualifier'] >> 8) & 0xff:02x}" for x in o)
    opcodes = Counter(f"0x{x['qualifier'] & 0xff:02x}" for x in o
                      if x["function"] != "keep_alive")
    n = ok = 0
    for key, got in (("protocol_versions", versions), ("opcodes_best_effort", opcodes)):
        a, b = compare(key, t.get(key, {}) or {}, got, misses, label)
        n += a
        ok += b
    return n, ok
