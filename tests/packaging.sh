#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The systemd unit as built (packaging/otsensor@.service): systemd-analyze verify on an instance
# of it, with ExecStart pointed at the built binary; the hardening this project promises is in
# it; the sysusers.d line is well-formed; the config file (/etc/otsensor/otsensor.yaml) is
# named by OTSENSOR_OPTS, names the shipped rules, passes --test-config and installs in
# SYSCONFDIR/otsensor. systemd-analyze verify is skipped without it.
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

# the service's config file (/etc/otsensor/otsensor.yaml): OTSENSOR_OPTS names it, it names
# the shipped rules, and it is valid (with the rules path of this tree)
CONF=$top_builddir/packaging/otsensor.yaml
check "config file built" [ -s "$CONF" ]
check "config file has no @...@ left" sh -c "! grep -q '@[a-z]*@' '$CONF'"
confpath=$(sed -n 's|^OTSENSOR_OPTS="-c \([^ "]*\)"$|\1|p' "$top_builddir/packaging/default/otsensor")
check "OTSENSOR_OPTS is -c SYSCONFDIR/otsensor/otsensor.yaml ($confpath)" \
	sh -c "case '$confpath' in /*/otsensor/otsensor.yaml) exit 0;; *) exit 1;; esac"
rulesdir=$(sed -n 's|^rules: \[\(.*\)/rules\]$|\1|p' "$CONF")
check "config file: the shipped rules (rules: [PKGDATADIR/rules])" [ -n "$rulesdir" ]
for k in checkpoint alert-interval stats-interval; do
	check "config file sets $k" grep -qE "^$k: [0-9]+$" "$CONF"
done
sed "s|^rules: \[.*/rules\]|rules: [$top_srcdir/rules]|" "$CONF" > "$TMP/otsensor.yaml"
"$OTSENSOR" -c "$TMP/otsensor.yaml" --test-config -i lo -o "$TMP/out" > "$TMP/tc.out" 2>&1
check "the config file passes --test-config" [ $? -eq 0 ]
check "--test-config loaded the shipped rules" grep -q "rules: valid: " "$TMP/tc.out"
check "--test-config: 4 options from the file" grep -q "options valid, 4 from the file" "$TMP/tc.out"
# the install tree: make install puts the config file in SYSCONFDIR/otsensor
if [ -f "$top_builddir/Makefile" ] && command -v make >/dev/null 2>&1; then
	make -C "$top_builddir" -s install-otsconfDATA install-envdefaultDATA DESTDIR="$TMP/inst" > "$TMP/inst.log" 2>&1
	check "make install: SYSCONFDIR/otsensor/otsensor.yaml ($confpath) and default/otsensor" \
		sh -c "cmp -s '$CONF' '$TMP/inst$confpath' && [ -s '$TMP/inst${confpath%/otsensor/otsensor.yaml}/default/otsensor' ]"
fi

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
