# SPDX-License-Identifier: BSD-3-Clause
"""S7comm: job and ack_data function counts."""
from collections import Counter

from common import compare

TRUTH_KEY = "s7comm"
DIRS = ["s7comm"]


def score(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "s7comm"]
    n = ok = 0
    for key, resp in (("job_functions", False), ("ack_functions", True)):
        want = {}
        for k, v in (t.get(key, {}) or {}).items():
            want[str(int(k.split("(")[0], 16))] = v
        got = Counter(str(o["function_code"]) for o in ops if o["response"] == resp
                      and o["function_code"] < 0x100)
        a, b = compare(key, want, got, misses, label)
        n += a
        ok += b
    return n, ok
