# SPDX-License-Identifier: BSD-3-Clause
"""OPC UA binary: message-type counts, service NodeId counts, endpoint URLs (HEL), security
policy URIs (OPN), application and product URIs (ApplicationDescription wherever tshark shows
one: CreateSession request/response, GetEndpoints and FindServers responses, RegisterServer).

How otsensor reports them (protocols/opcua.c):
- one ics_op per chunk; the message type follows from function_name: hello, acknowledge,
  error, reverse_hello, open_secure_channel, close_secure_channel; every other name is a MSG
  chunk (a decoded service, secured_message, message_continuation, abort, unknown_service);
- function_code = the service's binary-encoding NodeId when the body was decoded, 0 when not
  (encrypted bodies: tshark cannot decode them either);
- HEL endpoint URL: identity attribute "endpoint_url", source "Hello";
- OPN security policy URI: identity attribute "security_policy", source "OpenSecureChannel";
- applicationUri / productUri: identity attributes "application_uri" / "product_uri".
"""
from collections import Counter

from common import compare, ops

TRUTH_KEY = "opcua"
DIRS = ["opcua", "mixed_plant"]

TYPE_OF = {"hello": "HEL", "acknowledge": "ACK", "error": "ERR", "reverse_hello": "RHE",
           "open_secure_channel": "OPN", "close_secure_channel": "CLO"}


def _facts(ev, attr, source=None):
    vals = set()
    for e in ev:
        if e["record"] != "identity" or e["ics"]["protocol"] != "opcua":
            continue
        if e["ics"]["attribute"] != attr:
            continue
        if source and e["ics"].get("source") != source:
            continue
        vals.add(e["ics"]["value"])
    return vals


def _values(name, want, got, misses, label):
    n = ok = 0
    for v in sorted(want or []):
        n += 1
        if v in got:
            ok += 1
        else:
            misses.append(f"{label} opcua {name} {v!r} not reported")
    return n, ok


def score(t, ev, misses, label):
    o = ops(ev, "opcua")
    types = Counter(TYPE_OF.get(x["function"], "MSG") for x in o)
    svc = Counter(str(x["function_code"]) for x in o
                  if x["function_code"] and x["function"] != "message_continuation")
    n = ok = 0
    for key, got in (("message_types", types), ("service_node_ids", svc)):
        a, b = compare(key, t.get(key, {}) or {}, got, misses, label)
        n += a
        ok += b
    for key, attr, src in (("endpoint_urls", "endpoint_url", "Hello"),
                           # not filtered by source: events.jsonl keeps one identity record
                           # per asset, attribute and value, so a policy URI already
                           # reported from a GetEndpoints response is not repeated for OPN
                           ("security_policies", "security_policy", None),
                           ("application_uris", "application_uri", None),
                           ("product_uris", "product_uri", None)):
        a, b = _values(key, t.get(key), _facts(ev, attr, src), misses, label)
        n += a
        ok += b
    return n, ok
