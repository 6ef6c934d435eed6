# SPDX-License-Identifier: BSD-3-Clause
"""LLDP: per sending MAC, frames and the identity TLVs tshark shows (it.lldp in the truth)."""
from common import score_l2_identity

TRUTH_KEY = "lldp"
TRUTH_SECTION = "it"
DIRS = ["*"]
FIELDS = {"chassis_id": "chassis_id", "port_id": "port_id", "system_name": "name",
          "system_description": "description", "management_ip": "ip"}


def score(t, ev, misses, label):
    return score_l2_identity(t, ev, "lldp", FIELDS, misses, label)
