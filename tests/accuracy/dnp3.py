# SPDX-License-Identifier: BSD-3-Clause
"""DNP3: application function-code counts (requests and responses together) and the link
addresses outstations send from.

tshark's "link_addresses" maps "<sender ip>|<role>" (role from the DIR bit of the frame) to
the source link addresses of the frames that host sent. otsensor's ops carry the outstation
address as "unit" (source of what an outstation sends, destination of what a master sends),
so an outstation's addresses are the units of the ops it sent (responses 129/130/131).

A master's own link address is no unit (unit is the outstation by definition): the dissector
reports every sender's link address as a "station_address" identity fact, and "<ip>|master"
items are scored from those (less the host's outstation addresses when it is both).
"""
from collections import Counter

from common import compare

TRUTH_KEY = "dnp3"
DIRS = ["dnp3"]

# tshark dissects a retransmitted TCP segment again and counts its function code a second time;
# otsensor's TCP reassembly hands each stream byte to the dissector once. The function codes
# of the retransmitted DNP3 segments, per capture, are taken off tshark's counts (printed):
#   tshark -r F -Y "dnp3 && tcp.analysis.retransmission" -T fields -e dnp3.al.func
# Only ndpi_dnp3.pcap has any (28 segments: 14 frames each sent twice more).
RETRANSMITTED = {
    "ndpi_dnp3.pcap": {"0": 6, "129": 8, "130": 14},
}


def score(t, ev, misses, label):
    ops = [e for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "dnp3"]
    n = ok = 0
    fcs = Counter(str(e["ics"]["function_code"]) for e in ops)
    want = dict(t.get("application_function_codes", {}) or {})
    capture = label.rstrip(":").split("/")[-1]
    for fc, dup in RETRANSMITTED.get(capture, {}).items():
        print(f"adjust: {label} dnp3 application_function_codes {fc}: tshark {want.get(fc, 0)} "
              f"less {dup} in TCP retransmissions tshark dissected twice")
        want[fc] = want.get(fc, 0) - dup
    a, b = compare("application_function_codes", want, fcs, misses, label)
    n += a
    ok += b
    got = {}
    for e in ops:
        o = e["ics"]
        if o["response"] and "unit" in o:
            got.setdefault(f"{e['src_ip']}|outstation", set()).add(o["unit"])
    for e in ev:
        if e["record"] == "identity" and e["ics"]["protocol"] == "dnp3" and \
                e["ics"]["attribute"] == "station_address" and e["ics"]["asset"] == "src":
            got.setdefault(f"{e['src_ip']}|master", set())
            got.setdefault(f"{e['src_ip']}|any", set()).add(int(e["ics"]["value"]))
    for key, addrs in sorted((t.get("link_addresses", {}) or {}).items()):
        if key.endswith("|master"):
            # a master's own link address: the station_address identity of its IP
            ip = key.split("|")[0]
            mine = got.get(f"{ip}|any", set()) - got.get(f"{ip}|outstation", set())
            got[key] = mine if mine else got.get(f"{ip}|any", set())
        n += 1
        if got.get(key) == set(addrs):
            ok += 1
        else:
            misses.append(f"{label} dnp3 link_addresses {key}: tshark {sorted(addrs)}, "
                          f"otsensor {sorted(got.get(key, set()))}")
    return n, ok
