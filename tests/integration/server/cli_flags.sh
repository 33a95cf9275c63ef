#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpd's command-line flags on pptpxd, and the locked pid files, in two
# network namespaces:
# - -l ADDR: pptpxd listens on that address only (a second address on the
#   same interface is refused);
# - -p FILE: the pid goes there, not to pptpd.conf's pidfile;
# - -o FILE: that options file is read (its logfile fills up);
# - -C 1: one session; a second client's call is refused;
# - -D (delegate): no pool; the client gets the options file's L:R
#   address (10.10.0.30), not remoteip's first (10.10.0.10);
# - -e: accepted with a warning;
# - a second pptpxd on the same pid file (and control socket) says
#   "pptpxd already running (pid N)", exits 1, and the first one's pid
#   file and control socket are as they were;
# - a second `pptpx call office` says "pptpx already running for office
#   (pid N)", exits 1, and the first link and its pid file stay.
# Usage: cli_flags.sh PPTPXD PPTPX PPTPXCTL SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 PPTPXCTL=$3 SRC=$4
TAG=cf
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/../client/client_common.sh"
pair_up
server_config
ip -n "$NS_S" addr add 192.168.99.3/24 dev "v${TAG}s$ID"
cp "$T/server/options.pptpd" "$T/server/options.flag"
printf 'logfile %s\n10.10.0.1:10.10.0.30\n' "$T/via-o.log" >> "$T/server/options.flag"
PIDFILE=$T/flag.pid CTL=$T/ctl.sock

ip netns exec "$NS_S" "$PPTPXD" -f -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
  --ppp-options "" --control "$CTL" -l 192.168.99.3 -p "$PIDFILE" -C 1 -o "$T/server/options.flag" \
  -D -e /usr/sbin/pppd > "$T/server1.log" 2>&1 &
SERVER_PID=$!
wait_log 15 "$T/server1.log" 'pptpxd listening' || fail "pptpxd did not start"

# ---- -l
listeners=$(ip netns exec "$NS_S" ss -ltnH | awk '$4 ~ /:1723$/ { print $4 }')
[ "$listeners" = "192.168.99.3:1723" ] || fail "-l 192.168.99.3: listening on '$listeners'"
ip netns exec "$NS_C" timeout 3 bash -c 'exec 3<> /dev/tcp/192.168.99.1/1723' 2> /dev/null &&
  fail "-l 192.168.99.3: a connection to 192.168.99.1 was accepted"
ip netns exec "$NS_C" timeout 3 bash -c 'exec 3<> /dev/tcp/192.168.99.3/1723' ||
  fail "-l 192.168.99.3: no connection to 192.168.99.3"
ok "-l 192.168.99.3: listens on $listeners only; 192.168.99.1 refuses"

# ---- -p, -o, -C, -D, -e
[ "$(cat "$PIDFILE" 2> /dev/null)" = "$SERVER_PID" ] || fail "-p: $PIDFILE holds '$(cat "$PIDFILE" 2> /dev/null)'"
[ -e "$T/server/pptpd.pid" ] && fail "-p: pptpd.conf's pidfile was written too"
ok "-p $PIDFILE: holds $SERVER_PID; pptpd.conf's pidfile not written"
grep -q 'pptpxd listening' "$T/via-o.log" || fail "-o: the options file's logfile has no start line"
ok "-o: read (its logfile has $(wc -l < "$T/via-o.log") lines)"
grep -q 'with 1 address slot(s)' "$T/server1.log" || fail "-C 1: not one slot: $(grep listening "$T/server1.log")"
ok "-C 1: $(grep -o 'with 1 address slot(s)' "$T/server1.log")"
grep -q 'delegate: localip and remoteip are ignored' "$T/server1.log" || fail "-D: no delegate notice"
grep -q 'warning: -e/--ppp /usr/sbin/pppd: ignored: pptpxd runs no pppd' "$T/server1.log" || fail "-e: no warning"
ok "-D: localip/remoteip ignored; -e: accepted with a warning"

# ---- a second pptpxd on the same pid file and control socket
before=$(stat -c '%i %Y %s' "$PIDFILE" "$CTL")
ip netns exec "$NS_S" "$PPTPXD" -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
  --ppp-options "" --control "$CTL" -p "$PIDFILE" --port 1724 > "$T/second.log" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "second pptpxd: exit status $rc, want 1: $(cat "$T/second.log")"
grep -q "^pptpxd already running (pid $SERVER_PID)" "$T/second.log" || fail "second pptpxd: $(cat "$T/second.log")"
[ "$(stat -c '%i %Y %s' "$PIDFILE" "$CTL")" = "$before" ] || fail "second pptpxd changed the pid file or socket"
[ "$(cat "$PIDFILE")" = "$SERVER_PID" ] || fail "second pptpxd: the pid file holds $(cat "$PIDFILE")"
"$PPTPXCTL" --socket "$CTL" version > /dev/null || fail "the first pptpxd no longer answers on $CTL"
ip netns exec "$NS_S" ss -ltnH | grep -q ':1724 ' && fail "second pptpxd listens on 1724"
ok "second pptpxd: '$(head -1 "$T/second.log")', exit 1; pid file and control socket untouched"

# ---- clients: one session (-C 1), a second pptpx for the same peer
SERVER_ADDR=192.168.99.3 client_files
start_client
LINK_LOCAL=10.10.0.30 wait_link 30 || fail "-D: no link with the options file's 10.10.0.30: $(cat "$T/addr.out")"
ok "-D: the client has the options file's address: $(grep -o 'inet [^ ]* peer [^ ]*' "$T/addr.out")"
OWN=$T/run/pptpx-office.pid
[ "$(cat "$OWN")" = "$CLIENT_PID" ] || fail "pptpx pid file holds '$(cat "$OWN")', want $CLIENT_PID"
ok "client up; $OWN holds its pid"
before=$(stat -c '%i %Y %s' "$OWN")
ip netns exec "$NS_C" "$PPTPX" --peers-dir "$T/client/peers" call office nodetach \
  --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" > "$T/client2.log" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "second pptpx call office: exit status $rc, want 1: $(cat "$T/client2.log")"
grep -q "^pptpx already running for office (pid $CLIENT_PID)" "$T/client2.log" ||
  fail "second pptpx: $(cat "$T/client2.log")"
[ "$(stat -c '%i %Y %s' "$OWN")" = "$before" ] || fail "second pptpx changed $OWN"
kill -0 "$CLIENT_PID" && ping_ok || fail "the first link broke"
ok "second pptpx call office: '$(head -1 "$T/client2.log")', exit 1; the first link pings"

cp "$T/client/peers/office" "$T/client/peers/office2"
ip netns exec "$NS_C" timeout 30 "$PPTPX" --peers-dir "$T/client/peers" call office2 nodetach \
  --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" > "$T/client3.log" 2>&1
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "pptpx call office2 with -C 1: exit status $rc"
grep -q 'no free connection slots or IPs' "$T/server1.log" || fail "-C 1: the second call was not refused"
ok "-C 1: the second session is refused ('no free connection slots or IPs'), pptpx exits $rc"

# ---- ends: each pid file goes with its process
kill "$CLIENT_PID"
wait_exit 10 || fail "pptpx did not exit"
[ -e "$OWN" ] && fail "pptpx left $OWN"
kill "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
[ -e "$PIDFILE" ] && fail "pptpxd left $PIDFILE"
ok "pptpx and pptpxd removed their pid files at exit"
exit 0
