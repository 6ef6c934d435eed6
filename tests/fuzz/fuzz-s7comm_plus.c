/* SPDX-License-Identifier: BSD-3-Clause */
#define FUZZ_DISSECTOR ots_dissector_s7comm_plus
#include "fuzz-dissector.inc"
