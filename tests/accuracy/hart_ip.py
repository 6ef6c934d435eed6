# SPDX-License-Identifier: BSD-3-Clause
"""HART-IP: message types, message ids, HART command numbers, command 0 identity.

protocols/hartip.c reports one op per message (one per command of a direct PDU):
function = HART command number for a token-passing PDU (message id 3), 0x10000 | message id
for the other messages; response = message type is not a request; publish messages carry
class "event".
"""
from collections import Counter

from common import compare, identity_attrs, ops

ENDPOINT_SKIPS = {
    "icsnpp_hart-ip.pcap": {
        ("192.168.0.101", "server"): "its only 'server' packet is the session-close quoted "
                                     "inside an ICMP port-unreachable error (frame 27): "
                                     "otsensor does not hand ICMP quotes to dissectors",
    },
}
TRUTH_KEY = "hart_ip"
DIRS = ["hart_ip"]

FC_MSG = 0x10000

# HART-IP messages tshark decodes that otsensor cannot see, by capture (label) and key.
# icsnpp_hart-ip.pcap frame 27 is an ICMP port-unreachable quoting the UDP session-close
# response the client sent back to 192.168.0.10:5095 after closing: tshark dissects the
# quoted datagram as HART-IP, otsensor only hands transport payloads to dissectors.
NOT_ON_THE_WIRE = {
    "hart_ip/icsnpp_hart-ip.pcap:": {
        "message_types": {"1": 1},
        "message_ids": {"1": 1},
    },
}

# truth identity field -> (otsensor attribute, value as otsensor renders it)
IDENT = {
    "manufacturer_id": ("vendor_id", lambda v: v),
    "expanded_device_type": ("device_type", lambda v: v),
    "device_id": ("serial", lambda v: v),
    "device_rev": ("software_version", lambda v: v),
    "software_rev": ("firmware", lambda v: v),
    "hart_universal_rev": ("platform", lambda v: "HART " + v),
}


def msg_type(o):
    if not o["response"]:
        return "0"
    if o["op_class"] == "event":
        return "2"
    return "1"


def score(t, ev, misses, label):
    o = ops(ev, "hart_ip")
    # tshark 4.0 dissects HART-IP v1 messages only: direct PDUs (message id 4, one op per
    # command, no address) and read-audit-log (5) show as bare TCP there, so they are left
    # out of the comparison (the truth holds none of them).
    direct = [x for x in o if (x["function_code"] < FC_MSG and "unit" not in x)
              or x["function_code"] in (FC_MSG | 4, FC_MSG | 5)]
    if direct:
        print(f"skip: {label} {len(direct)} direct-PDU/audit-log op(s): tshark 4.0 does not "
              "dissect HART-IP message ids 4 and 5")
    msgs = [x for x in o if x not in direct]
    got = {
        "message_types": Counter(msg_type(x) for x in msgs),
        "message_ids": Counter(str(x["function_code"] - FC_MSG) if x["function_code"] >= FC_MSG
                               else "3" for x in msgs),
        "hart_commands": Counter(str(x["function_code"]) for x in msgs
                                 if x["function_code"] < FC_MSG),
    }
    n = ok = 0
    for key, g in got.items():
        want = dict(t.get(key, {}) or {})
        for k, minus in NOT_ON_THE_WIRE.get(label, {}).get(key, {}).items():
            if k in want:
                print(f"skip: {label} {key} {k}: {minus} message(s) seen only inside ICMP errors")
                want[k] -= minus
        a, b = compare(key, want, g, misses, label)
        n += a
        ok += b
    # identity: tshark fills its identity fields from any command 0/11/21 frame whose data is
    # long enough, requests included (the all_types capture's command 21 request carries a
    # long tag "b8-27-eb-95-26-6f" that tshark reads as an identity block of the client).
    # Only a device's response describes it: skip identity of hosts that sent no response.
    responders = {e.get("src_ip") for e in ev if e["record"] == "ics_op"
                  and e["ics"]["protocol"] == "hart_ip" and e["ics"]["response"]}
    requesters = {e.get("src_ip") for e in ev if e["record"] == "ics_op"
                  and e["ics"]["protocol"] == "hart_ip" and not e["ics"]["response"]}
    facts = identity_attrs(ev, "hart_ip")
    for ip, fields in (t.get("identity", {}) or {}).items():
        if ip not in responders and ip in requesters:
            print(f"skip: {label} identity of {ip}: tshark decoded a request's data as an "
                  "identity block; a request does not identify its sender")
            continue
        for field, value in fields.items():
            if field not in IDENT:
                continue
            attr, render = IDENT[field]
            n += 1
            if render(str(value)) in facts.get((ip, attr), set()):
                ok += 1
            else:
                misses.append(f"{label} hart_ip identity {ip} {field}={value!r}: otsensor "
                              f"{sorted(facts.get((ip, attr), set()))}")
    return n, ok
