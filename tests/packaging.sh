#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The systemd unit as built (packaging/otsensor@.service): systemd-analyze verify on an instance
# of it, with ExecStart pointed at the built binary; the hardening this project promises is in
# it; the sysusers.d line is well-formed. Skipped without systemd-analyze.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
UNIT=$top_builddir/packaging/otsensor@.service
[ -f "$UNIT" ] || skip "$UNIT not built (make check builds it)"

# what the unit must say, whatever systemd-analyze is there
for want in 'User=otsensor' 'Group=otsensor' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'ProtectHome=yes' 'PrivateTmp=yes' 'MemoryDenyWriteExecute=yes' \
	'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' \
	'StateDirectory=otsensor otsensor/%i' 'SystemCallFilter=@system-service' \
	'RestrictAddressFamilies=AF_PACKET AF_UNIX AF_INET AF_INET6 AF_NETLINK' \
	'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure'; do
	check "unit has $want" grep -qxF -- "$want" "$UNIT"
done
check "unit has no @...@ left" sh -c "! grep -q '@[a-z]*@' '$UNIT'"
check "sysusers line" grep -qE '^u otsensor - "[^"]+" /var/lib/otsensor ' "$top_srcdir/packaging/otsensor.sysusers"
check "default file sets OTSENSOR_OPTS" grep -qE '^OTSENSOR_OPTS="[^"]*"$' "$top_builddir/packaging/default/otsensor"

if command -v systemd-analyze >/dev/null 2>&1; then
	# an instance of the template, ExecStart on the built binary (verify wants it executable)
	mkdir -p "$TMP/units"
	sed "s|^ExecStart=[^ ]*/otsensor |ExecStart=$OTSENSOR |" "$UNIT" > "$TMP/units/otsensor@.service"
	ln -s otsensor@.service "$TMP/units/otsensor@lo.service"
	SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$TMP/units/otsensor@lo.service" > "$TMP/verify" 2>&1
	rc=$?
	# a container without a running systemd cannot load the interface's .device unit
	grep -v -e 'sys-subsystem-net-devices' -e 'Failed to prepare filename' "$TMP/verify" > "$TMP/verify.own" || :
	check "systemd-analyze verify (rc $rc)" [ "$rc" -eq 0 ] || [ ! -s "$TMP/verify.own" ]
	check "systemd-analyze verify prints nothing about the unit" [ ! -s "$TMP/verify.own" ]
	cat "$TMP/verify"
else
	echo "systemd-analyze not found: unit not verified"
fi
check "man page formats" sh -c "! command -v man >/dev/null || man -l '$top_srcdir/packaging/otsensor.8' >/dev/null 2>&1"
finish
