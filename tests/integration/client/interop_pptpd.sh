#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pptpx (client, on the lab namespace's host side) against the real PoPToP
# pptpd + pppd 2.4.9 in a User-Mode Linux guest, with examples/server and a
# peers file in the style of examples/client. Checks: MPPE-128 link, ip-up
# arguments, ping to the server's tunnel address, usepeerdns DNS1,
# usepeerwins WINS1 (an ms-wins line added to the server's options), hang-up
# seen by the server's pppd as an LCP Terminate-Request, exit status 0.
# Usage (root): tests/integration/client/interop_pptpd.sh [BUILD_DIR]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../.." && pwd)
BUILD=${1:-$SRC/build-client}
PPTPX=$BUILD/src/cmd/pptpx
. "$SRC/tests/interop/lib.sh"
[ -x "$PPTPX" ] || lab_die "no $PPTPX (build it first)"

lab_init
guest_new srv server "$LAB_PREFIX.2"
server_files srv "$SRC/examples/server"
echo 'ms-wins 10.10.0.2' >>"$LAB_WORK/srv/etc-ppp/options.pptpd"
guest_start srv 300
guest_wait_file srv ready 60 || lab_die "pptpd guest did not start (see $LAB_WORK/srv)"
lab_log "pptpd guest ready after $(guest_elapsed srv) s"
# "ready" means pptpd was started; its manager may not be listening yet.
for _ in $(seq 50); do
	lab_ns timeout 1 bash -c "exec 3<>/dev/tcp/$LAB_PREFIX.2/1723" 2>/dev/null && break
	sleep 0.2
done

C=$LAB_WORK/pptpx-client
mkdir -p "$C/peers" "$C/run"
cp "$SRC/examples/client/options.pptp" "$C/options.pptp"
cat >"$C/peers/vpn-connection1" <<EOT
pty "pptp $LAB_PREFIX.2 --nolaunchpppd"
name user1
remotename PPTP
require-mppe-128
file $C/options.pptp
ipparam vpn-connection1
usepeerdns
usepeerwins
ip-up-script $C/ip-up
ip-down-script $C/ip-down
EOT
echo 'user1 PPTP secret1 *' >"$C/chap-secrets"
chmod 600 "$C/chap-secrets"
for s in ip-up ip-down; do
	printf '#!/bin/sh\necho "$*" > %s/%s.args\nenv | sort > %s/%s.env\n' "$C" "$s" "$C" "$s" >"$C/$s"
	chmod 755 "$C/$s"
done

ip netns exec "$LAB_NS" "$PPTPX" --peers-dir "$C/peers" call vpn-connection1 nodetach debug \
	--chap-secrets "$C/chap-secrets" --ppp-options "" --run-dir "$C/run" \
	--resolv-conf "$C/resolv.conf" >"$C/client.log" 2>&1 &
CPID=$!
rc=0
fail() { echo "FAIL: $*"; rc=1; }
up=0
for _ in $(seq 150); do
	lab_ns ip addr show dev ppp0 2>/dev/null | grep -q 'inet .* peer' && { up=1; break; }
	kill -0 "$CPID" 2>/dev/null || break
	sleep 0.2
done
if [ $up = 1 ]; then
	echo "ok: $(lab_ns ip -4 addr show dev ppp0 | grep inet)"
	grep -q 'MPPE 128-bit stateless compression enabled' "$C/client.log" && echo "ok: MPPE-128 stateless" || fail "no MPPE-128"
	sleep 0.5
	echo "ip-up args: $(cat "$C/ip-up.args" 2>/dev/null)"
	grep -x 'DNS1=10.10.0.1' "$C/ip-up.env" >/dev/null && echo "ok: DNS1=10.10.0.1, resolv.conf: $(tr '\n' ' ' <"$C/resolv.conf")" || fail "no DNS1"
	grep -x 'WINS1=10.10.0.2' "$C/ip-up.env" >/dev/null && grep -qx 'USEPEERWINS=1' "$C/ip-up.env" &&
		echo "ok: WINS1=10.10.0.2" || fail "no WINS1"
	lab_ns ping -c 3 -i 0.3 -W 2 10.10.0.1 >"$C/ping.out" 2>&1 && echo "ok: $(grep received "$C/ping.out")" || fail "ping: $(cat "$C/ping.out")"
else
	fail "the link did not come up"
fi
kill -TERM "$CPID" 2>/dev/null
wait "$CPID"
crc=$?
[ "$crc" = 0 ] && echo "ok: pptpx exit status 0" || fail "pptpx exit status $crc"
sleep 1
grep -q 'rcvd \[LCP TermReq' "$LAB_WORK/srv/server-pppd.log" && echo "ok: the server's pppd got LCP TermReq" || fail "no LCP TermReq at the server"
guest_stop srv
guest_wait srv 15
[ $rc = 0 ] || { echo "---- client log"; cat "$C/client.log"; echo "---- server pppd log"; cat "$LAB_WORK/srv/server-pppd.log"; }
echo "results in $LAB_WORK"
exit $rc
