# SPDX-License-Identifier: BSD-3-Clause
"""IEC 60870-5-104: APCI formats, U-format functions, ASDU type ids, causes, common addresses.

protocols/iec104.c reports one op per APDU: function = type id (I format with an ASDU),
0x100 | ctrl1 (U format), 0x101 (S format), 0x200 (I format without ASDU); qualifier = the
COT octet (cause in its low 6 bits); unit = common address. tshark counts the same per APDU,
several APDUs per segment included.
"""
from collections import Counter

from common import compare, ops

TRUTH_KEY = "iec104"
DIRS = ["iec104"]

FC_U = 0x100
FC_S = 0x101
FC_I_EMPTY = 0x200


def apci(fc):
    if fc < 0x100 or fc == FC_I_EMPTY:
        return "I"
    if fc == FC_S:
        return "S"
    return "U"


def score(t, ev, misses, label):
    o = ops(ev, "iec104")
    got = {
        "apci_types": Counter(apci(x["function_code"]) for x in o),
        # tshark's utype field is ctrl1 bits 2..7
        "u_frame_types": Counter("0x%02x" % ((x["function_code"] & 0xff) >> 2) for x in o
                                 if apci(x["function_code"]) == "U"),
        "asdu_type_ids": Counter(str(x["function_code"]) for x in o if x["function_code"] < 0x100),
        "causes_of_transmission": Counter(str(x["qualifier"] & 0x3f) for x in o
                                          if x["function_code"] < 0x100 and "qualifier" in x),
        "common_addresses": Counter(str(x["unit"]) for x in o
                                    if x["function_code"] < 0x100 and "unit" in x),
    }
    n = ok = 0
    for key, g in got.items():
        a, b = compare(key, t.get(key, {}) or {}, g, misses, label)
        n += a
        ok += b
    return n, ok
