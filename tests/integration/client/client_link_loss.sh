#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx against pptpxd in two network namespaces when the path dies under
# the link:
# MODE echo: persist holdoff 1 lcp-echo-interval 1 lcp-echo-failure 3; GRE
#   is dropped by nftables in the server namespace: the client logs pppd's
#   "No response to 3 echo-requests" and "Serial link appears to be
#   disconnected.", runs ip-down, removes ppp0, waits the holdoff and dials
#   again; once GRE passes again the link comes back (ip-up, ping).
# MODE echo-nopersist: the same without persist: exit status 15.
# MODE reset: persist holdoff 1; the established control connection is
#   killed with a TCP RST from the server side (ss -K, or an nft
#   "reject with tcp reset" where socket destroy is not built in): the
#   client logs the reset, runs ip-down and dials again; the link comes back.
# MODE ctrl-echo: pty "pptp ... --idle-wait 1 --max-echo-wait 2", no
#   persist; the server's TCP segments are dropped (GRE still passes): the
#   client's PPTP Echo-Request goes unanswered, it closes the control
#   connection ("no Echo-Reply") within about 3 s, runs ip-down and exits
#   with pppd's status 16 (hang-up), as pppd does when pptp-linux gives up.
# Usage: client_link_loss.sh PPTPXD PPTPX SOURCE_DIR echo|echo-nopersist|reset|ctrl-echo
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=ll
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

command -v nft > /dev/null || { echo "skip: no nft"; exit 77; }
pair_up
server_config
start_server

# block_gre / unblock_gre: drop IP protocol 47 both ways in the server namespace.
block_gre() {
  ip netns exec "$NS_S" nft -f - <<EOT || fail "nft: cannot drop GRE"
table inet pxblock {
  chain in { type filter hook input priority 0; ip protocol gre drop; }
  chain out { type filter hook output priority 0; ip protocol gre drop; }
}
EOT
}
unblock_gre() { ip netns exec "$NS_S" nft delete table inet pxblock || fail "nft delete table"; }

case "$MODE" in
  echo) client_files persist "holdoff 1" "lcp-echo-interval 1" "lcp-echo-failure 3" ;;
  echo-nopersist) client_files "lcp-echo-interval 1" "lcp-echo-failure 3" ;;
  reset) PTY_EXTRA="--idle-wait 1" client_files persist "holdoff 1" ;;
  ctrl-echo) PTY_EXTRA="--idle-wait 1 --max-echo-wait 2" client_files ;;
  *) echo "unknown mode $MODE"; exit 2 ;;
esac
start_client
wait_link 20 || fail "ppp0 did not come up"
ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
wait_log 5 "$T/scripts.log" '^ip-up ppp0' || fail "ip-up did not run"
ok "link up, ip-up ran, ping works"

if [ "$MODE" = ctrl-echo ]; then
  t0=$(date +%s)
  ip netns exec "$NS_S" nft -f - <<EOT || fail "nft: cannot drop the server's TCP"
table inet pxctrl {
  chain out { type filter hook output priority 0; tcp sport 1723 drop; }
}
EOT
  wait_log 10 "$T/client.log" 'no Echo-Reply' || fail "no 'no Echo-Reply' in the client log"
  took=$(( $(date +%s) - t0 ))
  [ "$took" -le 5 ] || fail "control echo failure noticed after $took s (idle-wait 1, max-echo-wait 2)"
  ok "client log: $(grep -m1 'no Echo-Reply' "$T/client.log" | sed 's/^[^:]*:[^:]*:[^ ]* [a-z]*: //') ($took s)"
  wait_exit 20 || fail "client still running 20 s after the control connection died"
  [ "$RC" = 16 ] || fail "exit status $RC, want 16 (hang-up)"
  wait_log 5 "$T/scripts.log" '^ip-down ppp0' || fail "ip-down did not run"
  wait_gone 5 || fail "ppp0 still there"
  ok "ip-down ran, ppp0 removed, exit status 16"
  ip netns exec "$NS_S" nft delete table inet pxctrl
  exit 0
elif [ "$MODE" = reset ]; then
  # The server side of the established control connection.
  how="ss -K"
  # PPTPX_IT_RESET=nft tries the fallback directly.
  [ "${PPTPX_IT_RESET:-}" = nft ] ||
    ip netns exec "$NS_S" ss -K -tn state established '( sport = :1723 )' > /dev/null 2>&1
  if ! wait_log 3 "$T/client.log" 'CTRL: the server closed the control connection'; then
    # No CONFIG_INET_DIAG_DESTROY: answer the client's next segment (its
    # PPTP Echo-Request, sent after --idle-wait 1) with an RST instead.
    how="nft reject with tcp reset"
    # The server knows nothing of the reset: its session keeps 10.10.0.10
    # until its own timers end it, and the new call gets the next address.
    LINK_LOCAL=10.10.0.11
    ip netns exec "$NS_S" nft -f - <<EOT || fail "nft reject"
table inet pxreset {
  chain in { type filter hook input priority 0; tcp dport 1723 reject with tcp reset; }
}
EOT
    wait_log 10 "$T/client.log" 'CTRL: the server closed the control connection' ||
      fail "the client did not see the reset ($how)"
    ip netns exec "$NS_S" nft delete table inet pxreset
  fi
  grep -q 'CTRL: the server closed the control connection: Connection reset by peer' "$T/client.log" ||
    fail "client log: $(grep 'CTRL: the server closed' "$T/client.log")"
  ok "$how: client log: CTRL: the server closed the control connection: Connection reset by peer"
  wait_gone 10 || fail "ppp0 still there after the reset"
  wait_log 5 "$T/scripts.log" '^ip-down ppp0' || fail "ip-down did not run"
  kill -0 "$CLIENT_PID" 2>/dev/null || fail "client exited instead of persisting"
  ok "ip-down ran, ppp0 removed, the client keeps running"
  wait_log 10 "$T/client.log" 'link ended (status 16); dialling again in 1 s' ||
    fail "no holdoff/redial message with status 16"
  wait_link 20 || fail "the link did not come back after the reset"
  wait_log 5 "$T/scripts.log" '^ip-up ppp0.*' || fail "ip-up did not run again"
  [ "$(count "$T/scripts.log" '^ip-up ppp0')" = 2 ] || fail "ip-up ran $(count "$T/scripts.log" '^ip-up') times"
  ping_ok || { cat "$T/ping.out"; fail "ping after the redial"; }
  ok "redialled after holdoff 1: ip-up ran again, ping works"
else
  t0=$(date +%s)
  block_gre
  wait_log 15 "$T/client.log" 'No response to 3 echo-requests' || fail "no 'No response to 3 echo-requests'"
  grep -q 'Serial link appears to be disconnected\.$' "$T/client.log" ||
    fail "no 'Serial link appears to be disconnected.'"
  took=$(( $(date +%s) - t0 ))
  [ "$took" -le 8 ] || fail "echo failure noticed after $took s (interval 1, failure 3)"
  ok "client log: No response to 3 echo-requests / Serial link appears to be disconnected. ($took s)"
  wait_gone 15 || fail "ppp0 still there after the echo failure"
  wait_log 5 "$T/scripts.log" '^ip-down ppp0 ppp0 38400 10.10.0.10 10.10.0.1 office-vpn$' ||
    fail "ip-down did not run: $(cat "$T/scripts.log")"
  ok "ip-down ran, ppp0 removed"
  if [ "$MODE" = echo-nopersist ]; then
    wait_exit 20 || fail "client still running 20 s after the link died"
    [ "$RC" = 15 ] || fail "exit status $RC, want 15 (peer dead)"
    ok "no persist: exit status 15"
    unblock_gre
    exit 0
  fi
  wait_log 20 "$T/client.log" 'link ended (status 15); dialling again in 1 s' ||
    fail "no redial with status 15: $(grep 'link ended' "$T/client.log")"
  kill -0 "$CLIENT_PID" 2>/dev/null || fail "client exited instead of persisting"
  ok "persist: link ended (status 15); dialling again in 1 s"
  # The new call's LCP goes nowhere while GRE is blocked; then it passes.
  wait_log 10 "$T/client.log" 'connecting to 192.168.99.1' || fail "no new attempt"
  sleep 1
  unblock_gre
  wait_link 30 || fail "the link did not come back once GRE passed again"
  wait_log 5 "$T/scripts.log" '^ip-up ppp0' || fail "no ip-up"
  [ "$(count "$T/scripts.log" '^ip-up ppp0')" = 2 ] || fail "ip-up ran $(count "$T/scripts.log" '^ip-up') times"
  ping_ok || { cat "$T/ping.out"; fail "ping after the redial"; }
  ok "GRE unblocked: the link came back, ip-up ran again, ping works"
fi

"$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
wait_exit 15 || fail "client still running 15 s after hangup"
[ "$RC" = 0 ] || fail "exit status $RC after hangup"
wait_gone 5 || fail "ppp0 still there after hangup"
ok "pptpx hangup: exit 0, ppp0 removed"
exit 0
