# SPDX-License-Identifier: MIT
# Sourced (POSIX sh) by the scripts that run inside a UML guest
# (guest-init.sh, systemd-checks.sh): files the host creates in $RES, the
# guest's results folder on hostfs.

# host_has NAME: the host created RES/NAME (a listing always asks the host;
# a lookup could be answered from a stale negative entry).
host_has() {
	for f in "$RES"/*; do [ "${f##*/}" = "$1" ] && return 0; done
	return 1
}

# wait_host_file NAME SECONDS: host_has NAME within SECONDS.
wait_host_file() {
	n=0
	while ! host_has "$1"; do
		n=$((n + 1))
		[ "$n" -gt $(($2 * 5)) ] && return 1
		sleep 0.2
	done
	return 0
}
