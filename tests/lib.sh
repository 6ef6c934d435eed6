# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the script tests (sourced). Automake's test driver reads the exit status:
# 0 pass, 77 skip, anything else fail.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${OTSENSOR:=$top_builddir/src/otsensor}"
SHARED_PCAPS="${OTS_SHARED_PCAPS:-$top_srcdir/../shared/pcaps}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ots-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Debian's interpreter first: bootstrap installs python3-jsonschema for it (a pyenv or venv
# python3 earlier in PATH would not see Debian's modules).
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
FAILS=0
CHECKS=0

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { CHECKS=$((CHECKS + 1)); }
check() { # check DESCRIPTION COMMAND...
	desc=$1; shift
	if "$@"; then ok; else fail "$desc"; fi
}
skip() { echo "SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (./bootstrap installs it)"; }
finish() {
	echo "$CHECKS checks passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
