/* SPDX-License-Identifier: BSD-3-Clause */
#define FUZZ_DISSECTOR ots_dissector_ftp
#include "fuzz-dissector.inc"
