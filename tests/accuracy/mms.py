# SPDX-License-Identifier: BSD-3-Clause
"""MMS (ISO 9506 over ISO-on-TCP): confirmed service request/response counts, Identify.

tshark counts mms.confirmedServiceRequest / mms.confirmedServiceResponse: the choice tag of
the service. otsensor reports a confirmed service as its tag (< 0x100); PDUs without a
service (initiate, conclude, reject, a response that lacks its service ...) are 0x100 + the
MMSpdu tag and unconfirmed services 0x200 + tag, so they stay out of these counts. An
error PDU is reported with the service of the request it answers and an exception: tshark
counts it as no confirmedServiceResponse, so it is left out here too.
Identify: vendorName, modelName, revision -> identity vendor, model, firmware of the sender.
mixed_plant holds no MMS (no "mms" section in its truth), so it is not listed.
"""
from collections import Counter

from common import compare, identity_attrs

TRUTH_KEY = "mms"
DIRS = ["iec61850_mms"]

IDENT = {"vendor": "vendor", "model": "model", "revision": "firmware"}


def score(t, ev, misses, label):
    ops = [e["ics"] for e in ev if e["record"] == "ics_op" and e["ics"]["protocol"] == "mms"]
    req = Counter(str(o["function_code"]) for o in ops
                  if not o["response"] and o["function_code"] < 0x100)
    rsp = Counter(str(o["function_code"]) for o in ops
                  if o["response"] and o["function_code"] < 0x100 and "exception" not in o)
    n = ok = 0
    for key, got in (("confirmed_service_requests", req), ("confirmed_service_responses", rsp)):
        a, b = compare(key, t.get(key, {}) or {}, got, misses, label)
        n += a
        ok += b
    facts = identity_attrs(ev, "mms")
    for ip, fields in (t.get("identify", {}) or {}).items():
        for field, value in fields.items():
            n += 1
            if value in facts.get((ip, IDENT.get(field, field)), set()):
                ok += 1
            else:
                misses.append(f"{label} mms identify {ip} {field}={value!r} not reported")
    return n, ok
