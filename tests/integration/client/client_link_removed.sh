#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx against pptpxd in two network namespaces when a session's pppN is
# removed or set down from outside (README "Sessions and scripts"):
# MODE server-del: `ip link del ppp0` in the server namespace. pptpxd logs
#   "ppp0 (user user1) was removed from outside pptpxd: ending the session"
#   and sends LCP Terminate-Request with the reason; the client logs it,
#   runs ip-down, removes its ppp0 and exits with pppd's status 16
#   (hang-up). The server complains of nothing (the interface is gone, not
#   removed twice), and at SIGTERM it has no session left.
# MODE server-down: the same with `ip link set ppp0 down`; pptpxd's
#   teardown removes the interface.
# MODE client-del: `ip link del ppp0` in the client namespace: pptpx logs
#   "ppp0 was removed from outside pptpx: ending the link", tells the server
#   (Terminate-Request) and exits with status 16; the server's session ends.
# Usage: client_link_removed.sh PPTPXD PPTPX SOURCE_DIR server-del|server-down|client-del
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=lr
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

case "$MODE" in server-del | server-down | client-del) ;; *) echo "unknown mode $MODE"; exit 2 ;; esac
pair_up
server_config
# debug: each end logs the Terminate-Request it receives, with its reason.
echo debug >> "$T/server/options.pptpd"
start_server
client_files debug
start_client
wait_link 20 || fail "ppp0 did not come up"
ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || fail "no ppp0 in the server namespace"
ok "link up, ping works"

t0=$(date +%s%3N)
case "$MODE" in
  server-del)
    ip -n "$NS_S" link del ppp0 || fail "ip link del ppp0 (server)"
    why='ppp0 (user user1) was removed from outside pptpxd: ending the session'
    reason='Interface ppp0 removed on the server' ;;
  server-down)
    ip -n "$NS_S" link set ppp0 down || fail "ip link set ppp0 down (server)"
    why='ppp0 (user user1) was set down from outside pptpxd: ending the session'
    reason='Interface ppp0 set down on the server' ;;
  client-del)
    ip -n "$NS_C" link del ppp0 || fail "ip link del ppp0 (client)"
    why='ppp0 was removed from outside pptpx: ending the link'
    reason='Interface ppp0 removed on the client' ;;
esac

if [ "$MODE" = client-del ]; then
  wait_log 5 "$T/client.log" "$why" || fail "no '$why' in the client log"
  ok "client log: $why"
  wait_log 10 "$T/server1.log" "rcvd \[LCP TermReq id=0x[0-9a-f]* \"$reason\"\]" ||
    fail "the server did not hear the Terminate-Request"
  ok "server log: rcvd [LCP TermReq \"$reason\"]"
else
  wait_log 5 "$T/server1.log" "$why" || fail "no '$why' in the server log"
  ok "server log: $why"
  wait_log 10 "$T/client.log" "rcvd \[LCP TermReq id=0x[0-9a-f]* \"$reason\"\]" ||
    fail "the client did not hear the Terminate-Request"
  ok "client log: rcvd [LCP TermReq \"$reason\"]"
fi

wait_exit 15 || fail "client still running 15 s after the interface went"
[ "$RC" = 16 ] || fail "exit status $RC, want 16 (hang-up)"
wait_gone 5 || fail "client ppp0 still there"
wait_log 5 "$T/scripts.log" '^ip-down ppp0' || fail "ip-down did not run"
took=$(( $(date +%s%3N) - t0 ))
ok "client: ip-down ran, ppp0 removed, exit status 16 ($took ms)"

wait_log 5 "$T/server1.log" 'connection terminated after' || fail "the server did not end the session"
for i in $(seq 50); do
  ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || break
  sleep 0.1
done
ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 && fail "server ppp0 still there"
# Its own teardown is not taken for a removal from outside, and nothing
# failed on the gone interface.
[ "$(count "$T/server1.log" 'from outside')" = "$([ "$MODE" = client-del ] && echo 0 || echo 1)" ] ||
  fail "server log: $(grep 'from outside' "$T/server1.log")"
# From the Terminate-Request on (the example configuration's proxyarp
# warns before, on this LAN-less server).
if sed -n '/LCP TermReq/,$p' "$T/server1.log" | grep -E ' (warning|error): |cannot'; then
  fail "the server complained"
fi
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=
[ "$rc" = 0 ] || fail "pptpxd exit status $rc"
grep -q 'shutting down 0 session(s)' "$T/server1.log" ||
  fail "server log: $(grep 'shutting down' "$T/server1.log")"
ok "server: session ended, ppp0 gone, no complaint, 0 sessions at SIGTERM"
exit 0
