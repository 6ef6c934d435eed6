/* SPDX-License-Identifier: BSD-3-Clause */
#define FUZZ_DISSECTOR ots_dissector_telnet
#include "fuzz-dissector.inc"
