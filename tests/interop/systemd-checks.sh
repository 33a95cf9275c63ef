#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs inside the systemd guest of tests/interop/systemd_test.sh, as
# pptpx-systemd-test.service: starts pptpxd.service, serves a session the
# host dials in (handshake through files in RES), reloads and stops it,
# then starts and stops pptpx@lab.service,
# saving what systemctl, journalctl and /proc say into RES/NAME.txt (and
# each command's status in RES/NAME.rc) for the host to check, then powers
# the guest off.
PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# step NAME COMMAND...: runs it, output to RES/NAME.txt, status to RES/NAME.rc.
step() {
	name=$1
	shift
	"$@" >"$RES/$name.txt" 2>&1
	echo $? >"$RES/$name.rc"
}
. "$(dirname "$0")/guest-files.sh"
# wait_status TEXT: pptpxd's status line starts with TEXT (10 s).
wait_status() {
	n=0
	while ! systemctl show -p StatusText --value $unit | grep -q "^$1"; do
		n=$((n + 1))
		[ "$n" -gt 50 ] && return 1
		sleep 0.2
	done
}
# wait_journal PATTERN: pptpxd's journal has a line matching it (10 s).
wait_journal() {
	n=0
	while ! journalctl -u pptpxd.service --no-pager -q | grep -q -- "$1"; do
		n=$((n + 1))
		[ "$n" -gt 50 ] && return 1
		sleep 0.2
	done
}
unit=pptpxd.service
cut -d' ' -f1 /proc/uptime >"$RES/booted-at.txt"
# Where the boot's time went (for keeping this test short).
step boot-journal journalctl -b --no-pager -o short-monotonic

# A package's unit as an admin starts it; else the unit under test.
if [ -e /run/pptpx-test/installed ]; then
	step start systemctl enable --now $unit
	step is-enabled systemctl is-enabled $unit
else
	step start systemctl start $unit
fi
step show-started systemctl show -p ActiveState,SubState,StatusText,Type,NRestarts,ExecStart $unit
pid=$(systemctl show -p MainPID --value $unit)
grep -E '^(CapBnd|CapEff|NoNewPrivs)' "/proc/$pid/status" >"$RES/caps.txt" 2>&1
step status-started systemctl status --no-pager -n 20 $unit

# A session: the host dials in with pptpx once told the server is up.
: >"$RES/server-up"
if wait_host_file client-up 60; then
	wait_status "1 session"
	step show-session systemctl show -p StatusText $unit
	step ppp0-server ip -4 addr show dev ppp0
	n=0
	while [ ! -s /etc/ppp/pptpx-test-ip-up.txt ] && [ "$n" -lt 50 ]; do
		n=$((n + 1))
		sleep 0.2
	done
	cp /etc/ppp/pptpx-test-ip-up.txt "$RES/ip-up-server.txt"
	: >"$RES/server-checked"
	wait_host_file client-down 30
	wait_status "0 sessions"
	step show-session-ended systemctl show -p StatusText $unit
fi

# Restart=on-failure: killed, pptpxd starts again (RestartSec=2s) over the
# control socket and pid file it left.
systemctl show -p MainPID --value $unit >"$RES/killed-pid.txt"
kill -KILL "$(cat "$RES/killed-pid.txt")"
n=0
# Active again only once the new pptpxd sent READY=1 (Type=notify).
while [ "$(systemctl show -p NRestarts,ActiveState $unit | sort | tr '\n' ' ')" != "ActiveState=active NRestarts=1 " ]; do
	n=$((n + 1))
	[ "$n" -gt 150 ] && break
	sleep 0.2
done
step show-restarted systemctl show -p ActiveState,SubState,NRestarts,StatusText,MainPID $unit
step ctl-after-restart pptpxctl sessions

step reload systemctl reload $unit
wait_journal 'configuration re-read'
step show-reloaded systemctl show -p ActiveState,SubState,StatusText,MainPID $unit
step status-reloaded systemctl status --no-pager -n 20 $unit
# The control socket in RuntimeDirectory=pptpxd, and its reload.
step ctl-reload pptpxctl reload

step stop systemctl stop $unit
step show-stopped systemctl show -p ActiveState,SubState,Result $unit
step status-stopped systemctl status --no-pager -n 40 $unit
step runtime-dir ls -A /run/pptpxd
step journal journalctl -b --no-pager -o short-monotonic -u $unit

# pptpx@lab.service: dials pptpxd on the host side of the lab bridge.
client=pptpx@lab.service
step client-start systemctl start $client
step client-show-started systemctl show -p ActiveState,SubState,StatusText $client
step client-ppp0 ip -4 addr show dev ppp0
step client-status-started systemctl status --no-pager -n 20 $client
step client-stop systemctl stop $client
step client-show-stopped systemctl show -p ActiveState,SubState,Result $client
step client-ppp0-stopped ip link show dev ppp0
step client-journal journalctl -b --no-pager -o short-monotonic -u $client
step security systemd-analyze security --no-pager $unit
cut -d' ' -f1 /proc/uptime >"$RES/done-at.txt"
: >"$RES/done"
sync
systemctl poweroff -ff
