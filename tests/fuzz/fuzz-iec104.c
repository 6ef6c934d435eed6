/* SPDX-License-Identifier: BSD-3-Clause */
#define FUZZ_DISSECTOR ots_dissector_iec104
#include "fuzz-dissector.inc"
