#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pptpxd.service under a real systemd: a User-Mode Linux guest of the
# interop lab (lib.sh) boots the host's systemd 252 as PID 1
# (systemd-init.sh prepares it), installs dist/systemd/pptpxd.service with
# this build's pptpxd, and systemd-checks.sh starts, reloads and stops it.
# Checked here:
# - start: `systemctl start` returns 0 once pptpxd sent READY=1; active
#   (running), Type=notify, StatusText "0 sessions, listening on
#   0.0.0.0:1723"; the capability bounding set is exactly CAP_CHOWN,
#   CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW; NoNewPrivs 1;
# - a session: pptpx on the host side dials the guest's pptpxd.service
#   (MS-CHAPv2, MPPE-128): the guest's ppp0 comes up (TUN through
#   DevicePolicy=closed), a ping crosses it, StatusText says "1 session",
#   Debian's /etc/ppp/ip-up runs an ip-up.d script with the same bounding
#   set that can write /etc/ppp (ReadWritePaths=); after the hang-up,
#   "0 sessions";
# - reload (ExecReload, SIGHUP): still active (running), systemd's
#   "Reloading"/"Reloaded" lines and pptpxd's "configuration re-read" in
#   the journal; `pptpxctl reload` through the control socket in
#   /run/pptpxd (RuntimeDirectory=);
# - stop: inactive (dead), Result=success, pptpxd's "exiting" logged,
#   /run/pptpxd removed;
# - pptpx@lab.service (examples/client's peers file, dialing a pptpxd on
#   the host side of the lab bridge): `systemctl start` returns 0 with
#   ppp0 up (READY=1), StatusText names the server and the call;
#   `systemctl stop`: inactive, Result=success, ppp0 gone.
# - Restart=on-failure: pptpxd killed with SIGKILL is started again
#   (NRestarts=1, active, listening) over the control socket and pid file
#   the killed one left.
# Also prints `systemd-analyze security pptpxd.service` as run inside.
# Usage: systemd_test.sh PPTPXD PPTPX PPTPXCTL [WORK_DIR]
# With SYSTEMD_TEST_INSTALLED=1 the guest runs what a package installed on
# this host put there (tests/package/deb_test.sh, between install and
# purge): the units in /lib/systemd/system, running /usr/sbin/pptpxd, and
# `systemctl enable --now pptpxd` with no other step; give the installed
# programs as PPTPXD PPTPX PPTPXCTL.
# Exits 77 (skipped) without root, linux.uml or systemd.
set -uo pipefail
PPTPXD=$(realpath "$1") PPTPX=$(realpath "$2") PPTPXCTL=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
command -v linux.uml >/dev/null || { echo "skip: no linux.uml (user-mode-linux)"; exit 77; }
[ -x /lib/systemd/systemd ] || { echo "skip: no /lib/systemd/systemd"; exit 77; }
if [ -n "${4:-}" ]; then
	rm -rf "$4"
	LAB_WORK=$4
fi
LAB_GUEST_INIT=$HERE/systemd-init.sh
. "$HERE/lib.sh"
lab_init
started=$SECONDS
guest_new sd server
DIR=$(guest_dir sd)
STAGE=$DIR/stage
mkdir -p "$STAGE/units" "$DIR/bin" "$STAGE/etc/ppp/peers" "$STAGE/etc/ppp/ip-up.d"

# The units under test, running the binaries the guest mounts on
# /usr/local/sbin; or the installed package's, as they are.
if [ "${SYSTEMD_TEST_INSTALLED:-0}" = 1 ]; then
	for f in /lib/systemd/system/pptpxd.service /lib/systemd/system/pptpx@.service; do
		[ -e "$f" ] || { echo "FAIL: SYSTEMD_TEST_INSTALLED=1 but no $f: is the package installed?"; exit 1; }
	done
	: >"$STAGE/installed"
else
	for unit in pptpxd.service pptpx@.service; do
		sed 's|@PPTPX_SBINDIR@|/usr/local/sbin|' "$SRC/dist/systemd/$unit.in" >"$STAGE/units/$unit"
	done
	cp "$PPTPXD" "$PPTPX" "$PPTPXCTL" "$DIR/bin/"
fi
printf '%s\n' '[Unit]' 'Description=pptpx systemd test (tests/interop/systemd_test.sh)' \
	'Requires=pptpx-systemd-test.service' >"$STAGE/units/pptpx-systemd-test.target"
printf '%s\n' '[Unit]' 'Description=pptpx systemd test: start, reload, stop pptpxd.service' \
	'[Service]' 'Type=oneshot' 'TimeoutStartSec=infinity' "Environment=RES=$DIR" \
	"ExecStart=/bin/sh $HERE/systemd-checks.sh" >"$STAGE/units/pptpx-systemd-test.service"
sed 's|^option .*|option /etc/ppp/pptpd-options|' "$SRC/examples/server/pptpd.conf" \
	>"$STAGE/etc/pptpd.conf"
cp "$SRC/examples/server/options.pptpd" "$STAGE/etc/ppp/pptpd-options"
{
	cat "$SRC/examples/server/chap-secrets"
	echo "user1 PPTP secret1 *"
} >"$STAGE/etc/ppp/chap-secrets"
chmod 600 "$STAGE/etc/ppp/chap-secrets"
# The client's peers file "lab" (examples/client), dialing the host side.
sed -e "s/^pty .*/pty \"pptp $LAB_HOST_ADDR --nolaunchpppd\"/" -e 's/^ipparam .*/ipparam lab/' \
	"$SRC/examples/client/peers/vpn-connection1" >"$STAGE/etc/ppp/peers/lab"
cp "$SRC/examples/client/options.pptp" "$STAGE/etc/ppp/options.pptp"
# Run by Debian's /etc/ppp/ip-up (run-parts) under the units' hardening:
# who it runs as, and whether /etc/ppp is writable (ReadWritePaths=).
printf '%s\n' '#!/bin/sh' \
	'{ echo "ip-up $*"; id -u; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status; } >>/etc/ppp/pptpx-test-ip-up.txt' \
	>"$STAGE/etc/ppp/ip-up.d/zz-pptpx-test"
chmod 755 "$STAGE/etc/ppp/ip-up.d/zz-pptpx-test"

# pptpx on the host side, to dial the guest's pptpxd.service.
CLIENT=$DIR/host-client
mkdir -p "$CLIENT/peers" "$CLIENT/run"
printf '%s\n' "pty \"pptp $(cat "$DIR/addr") --nolaunchpppd\"" 'name user1' 'remotename PPTP' \
	'require-mppe-128' "file $SRC/examples/client/options.pptp" 'ipparam guest' \
	"ip-up-script $CLIENT/none" "ip-down-script $CLIENT/none" >"$CLIENT/peers/guest"
echo 'user1 PPTP secret1 *' >"$CLIENT/chap-secrets"
chmod 600 "$CLIENT/chap-secrets"

# pptpxd on the host side of the lab bridge, for pptpx@lab.service.
HOST=$DIR/host-server
mkdir -p "$HOST"
cp "$SRC/examples/server/"* "$HOST/"
sed -i "s|^option .*|option $HOST/options.pptpd|" "$HOST/pptpd.conf"
echo "pidfile $HOST/pptpd.pid" >>"$HOST/pptpd.conf"
printf 'ip-up-script %s\nip-down-script %s\n' "$HOST/none" "$HOST/none" >>"$HOST/options.pptpd"
chmod 600 "$HOST/chap-secrets"
lab_ns_spawn "$DIR/host-pptpxd.log" "$PPTPXD" -f -c "$HOST/pptpd.conf" \
	--chap-secrets "$HOST/chap-secrets" --ppp-options "" --control none

# dial_guest: a session into the guest's pptpxd.service while it is up:
# pptpx nodetach, ppp0 with its address, a ping through it, hang-up.
dial_guest() {
	guest_wait_file sd server-up 120 || return 1
	lab_ns_spawn "$DIR/host-client.log" "$PPTPX" --peers-dir "$CLIENT/peers" call guest nodetach \
		--chap-secrets "$CLIENT/chap-secrets" --ppp-options "" --run-dir "$CLIENT/run"
	local pid=$LAB_LAST_PID i
	for i in $(seq 100); do
		lab_ns ip -4 addr show dev ppp0 >"$DIR/host-ppp0.txt" 2>&1
		grep -q 'inet 10.10.0.10 peer 10.10.0.1/32' "$DIR/host-ppp0.txt" && break
		sleep 0.2
	done
	lab_ns ping -c 3 -i 0.3 -W 2 10.10.0.1 >"$DIR/host-ping.txt" 2>&1
	: >"$DIR/client-up"
	guest_wait_file sd server-checked 30
	kill -TERM "$pid"
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	: >"$DIR/client-down"
}

# Deadlines far above the usual minute or two: a loaded CI machine slows a
# UML guest down several times.
guest_start sd 240
dial_guest || lab_log "the guest's pptpxd.service did not come up for the session"
guest_wait sd 250 || lab_log "the guest did not power off in time"
elapsed=$((SECONDS - started))

failed=0
fail() {
	echo "FAIL: $*"
	failed=1
}
ok() { [ "$failed" = 0 ] && echo "ok: $*"; }
has() { grep -qF -- "$2" "$DIR/$1.txt" 2>/dev/null; }
rc() { cat "$DIR/$1.rc" 2>/dev/null || echo none; }
show() { cat "$DIR/$1.txt" 2>/dev/null; }

if [ ! -e "$DIR/done" ]; then
	echo "FAIL: the checks did not finish after ${elapsed} s; the guest's console, last lines:"
	sed 's/\x1b\[[0-9;]*[mK]//g' "$DIR/uml-console.log" | grep -v 'Job .* running' | tail -40
	exit 1
fi

[ "$(rc start)" = 0 ] || fail "systemctl start: status $(rc start): $(show start)"
if [ -e "$DIR/stage/installed" ]; then
	[ "$(show is-enabled)" = enabled ] || fail "after enable --now: is-enabled says $(show is-enabled)"
	has show-started "ExecStart={ path=/usr/sbin/pptpxd" || fail "the unit does not run /usr/sbin/pptpxd"
	ok "installed package: systemctl enable --now pptpxd: $(show is-enabled), $(grep -o 'path=[^ ]*' "$DIR/show-started.txt")"
fi
for want in ActiveState=active SubState=running Type=notify \
	"StatusText=0 sessions, listening on 0.0.0.0:1723" NRestarts=0; do
	has show-started "$want" || fail "after start, no '$want' in: $(show show-started)"
done
has status-started "Active: active (running)" || fail "status after start: $(show status-started)"
# CAP_CHOWN (0) | CAP_NET_BIND_SERVICE (10) | CAP_NET_ADMIN (12) | CAP_NET_RAW (13)
grep -q '^CapBnd:.*0000000000003401$' "$DIR/caps.txt" || fail "capabilities: $(show caps)"
grep -q '^NoNewPrivs:.*1$' "$DIR/caps.txt" || fail "NoNewPrivs: $(show caps)"
ok "start: active (running), $(grep StatusText "$DIR/show-started.txt"); $(tr '\n\t' '  ' <"$DIR/caps.txt")"

has show-session "StatusText=1 session, listening on 0.0.0.0:1723" ||
	fail "with the host dialed in: $(show show-session) (pptpx: $(cat "$DIR/host-client.log"))"
has ppp0-server "inet 10.10.0.1 peer 10.10.0.10/32" || fail "the guest's ppp0: $(show ppp0-server)"
grep -q ' 0% packet loss' "$DIR/host-ping.txt" || fail "ping through the session: $(cat "$DIR/host-ping.txt")"
grep -q '^ip-up ppp0 ' "$DIR/ip-up-server.txt" || fail "ip-up.d under the unit: $(show ip-up-server)"
grep -q '^CapBnd:.*0000000000003401$' "$DIR/ip-up-server.txt" || fail "ip-up's capabilities: $(show ip-up-server)"
has show-session-ended "StatusText=0 sessions" || fail "after the hang-up: $(show show-session-ended)"
ok "a session into the unit: ppp0 10.10.0.1 peer 10.10.0.10, ping $(grep -o '[0-9]* received' "$DIR/host-ping.txt"), StatusText 1 session then 0; ip-up.d ran as uid $(sed -n 2p "$DIR/ip-up-server.txt") with CapBnd 3401 and wrote /etc/ppp"

for want in ActiveState=active SubState=running NRestarts=1 "StatusText=0 sessions, listening"; do
	has show-restarted "$want" || fail "after SIGKILL, no '$want' in: $(show show-restarted)"
done
[ "$(show killed-pid)" != "$(sed -n 's/^MainPID=//p' "$DIR/show-restarted.txt")" ] ||
	fail "after SIGKILL: the same MainPID $(show killed-pid)"
[ "$(rc ctl-after-restart)" = 0 ] || fail "pptpxctl after the restart: $(show ctl-after-restart)"
ok "Restart=on-failure: SIGKILL to $(show killed-pid), then $(grep -E '^(NRestarts|MainPID)=' "$DIR/show-restarted.txt" | tr '\n' ' ')and pptpxctl answers"

[ "$(rc reload)" = 0 ] || fail "systemctl reload: status $(rc reload): $(show reload)"
for want in ActiveState=active "StatusText=0 sessions, listening on 0.0.0.0:1723"; do
	has show-reloaded "$want" || fail "after reload, no '$want' in: $(show show-reloaded)"
done
has status-reloaded "Active: active (running)" || fail "status after reload: $(show status-reloaded)"
for want in "Reloading pptpxd.service" "Reloaded pptpxd.service" "configuration re-read"; do
	has journal "$want" || fail "journal: no '$want'"
done
[ "$(rc ctl-reload)" = 0 ] || fail "pptpxctl reload: $(show ctl-reload)"
ok "reload: active (running); journal: $(grep -o 'Reloaded pptpxd.service.*' "$DIR/journal.txt" | head -1); pptpxctl reload: $(show ctl-reload)"

[ "$(rc stop)" = 0 ] || fail "systemctl stop: status $(rc stop): $(show stop)"
for want in ActiveState=inactive SubState=dead Result=success; do
	has show-stopped "$want" || fail "after stop, no '$want' in: $(show show-stopped)"
done
has status-stopped "Active: inactive (dead)" || fail "status after stop: $(show status-stopped)"
has journal "exiting" || fail "journal: pptpxd did not log 'exiting'"
[ "$(rc runtime-dir)" != 0 ] || fail "/run/pptpxd left after stop: $(show runtime-dir)"
ok "stop: inactive (dead), Result=success, /run/pptpxd removed"

[ "$(rc client-start)" = 0 ] || fail "systemctl start pptpx@lab: status $(rc client-start): $(show client-start)"
for want in ActiveState=active SubState=running "StatusText=link up with $LAB_HOST_ADDR (call lab)"; do
	has client-show-started "$want" || fail "pptpx@lab after start, no '$want' in: $(show client-show-started)"
done
has client-ppp0 "inet 10.10.0.10 peer 10.10.0.1/32" || fail "pptpx@lab: ppp0: $(show client-ppp0)"
[ "$(rc client-stop)" = 0 ] || fail "systemctl stop pptpx@lab: $(show client-stop)"
for want in ActiveState=inactive Result=success; do
	has client-show-stopped "$want" || fail "pptpx@lab after stop, no '$want' in: $(show client-show-stopped)"
done
[ "$(rc client-ppp0-stopped)" != 0 ] || fail "pptpx@lab: ppp0 left after stop"
ok "pptpx@lab: start returned with the link up ($(grep -o 'inet [^ ]* peer [^ ]*' "$DIR/client-ppp0.txt")), $(grep StatusText "$DIR/client-show-started.txt"); stop: inactive, ppp0 gone"

echo "systemd-analyze security, in the guest: $(grep -o 'Overall exposure level.*' "$DIR/security.txt")"
echo "guest uptime: systemd started at $(show systemd-exec-at) s, checks from $(show booted-at) s to $(show done-at) s; whole test ${elapsed} s"
if [ "$failed" != 0 ]; then
	echo "---- journal of pptpxd.service"
	show journal
	echo "---- journal of pptpx@lab.service"
	show client-journal
	echo "---- host-side pptpxd"
	cat "$DIR/host-pptpxd.log"
	exit 1
fi
exit 0
