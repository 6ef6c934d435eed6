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
# netns_pair A B VA VB [ADDR_A ADDR_B]: network namespaces A and B joined by the veth pair
# VA (in A) - VB (in B), links up, loopback up in A. With addresses (a/24 each), the
# namespaces can talk; without, IPv6 is off on both sides before the links come up, so the
# kernel sends nothing of its own (no router solicitation, MLD or ARP) and a capture sees only
# what the test sends. Skips the test when namespaces or veth pairs cannot be made. The
# caller's EXIT trap deletes A and B (ip netns del).
netns_pair() {
	ip netns add "$1" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns add "$2" || exit 1
	if [ $# -lt 6 ]; then
		for ns in "$1" "$2"; do
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
		done
	fi
	ip link add "$3" type veth peer name "$4" || skip "cannot create veth pairs here"
	ip link set "$3" netns "$1"
	ip link set "$4" netns "$2"
	if [ $# -ge 6 ]; then
		ip -n "$1" addr add "$5/24" dev "$3"
		ip -n "$2" addr add "$6/24" dev "$4"
	else
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.$3.disable_ipv6=1" 2>/dev/null || true
		ip netns exec "$2" sysctl -qw "net.ipv6.conf.$4.disable_ipv6=1" 2>/dev/null || true
	fi
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
	ip -n "$1" link set lo up
}
