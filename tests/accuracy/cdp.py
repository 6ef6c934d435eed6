# SPDX-License-Identifier: BSD-3-Clause
"""CDP: per sending MAC, frames and the identity TLVs tshark shows (it.cdp in the truth).
tshark's software_version is the first line of the TLV, as is ours (the whole is description)."""
from common import score_l2_identity

TRUTH_KEY = "cdp"
TRUTH_SECTION = "it"
DIRS = ["*"]
FIELDS = {"device_id": "name", "platform": "platform", "software_version": "software_version",
          "port_id": "port_id"}


def score(t, ev, misses, label):
    return score_l2_identity(t, ev, "cdp", FIELDS, misses, label)
