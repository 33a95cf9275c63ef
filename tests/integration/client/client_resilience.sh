#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx (persist, MS-CHAPv2, MPPE-128 stateless) against pptpxd in two
# network namespaces: the tunnel survives faults of a real path
# (docs/resilience.md).
# MODE burst-up / burst-down: a loss burst of at least 3000 GRE packets in a
#   row, client to server (up) or server to client (down): UDP floods the
#   tunnel while nftables drops GRE on the way out; once the drop rule is
#   gone, 20 of 20 pings cross the tunnel and the receiver logged no dead
#   receive. Before the fix, a burst over 1024 packets was a black hole.
#   burst-up-stateful / burst-down-stateful: the same over stateful MPPE
#   (pptpx --mppe-stateful-only, mppe-stateful on the server), where the
#   receiver gets back in step through a CCP Reset-Request.
# MODE renegotiate-server / renegotiate-client: one end's LCP is restarted
#   on the live link (an LCP Configure-Request on the open link, sent by
#   lcp_restart.py from that end's namespace with the call's GRE key and
#   next sequence number): both ends renegotiate LCP, authenticate again
#   and bring MPPE and IPCP back; ppp0 is kept (same ifindex), ip-down and
#   ip-up run again, and pings resume within 5 s.
# Usage: client_resilience.sh PPTPXD PPTPX SOURCE_DIR MODE
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=rs
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

command -v nft > /dev/null || { echo "skip: no nft"; exit 77; }
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
pair_up
server_config
# Renegotiation retries come after the restart timer: 1 s, not 3.
echo "lcp-restart 1" >> "$T/server/options.pptpd"
CLIFLAGS=()
case "$MODE" in
  *-stateful)
    echo "mppe-stateful" >> "$T/server/options.pptpd"
    CLIFLAGS=(--mppe-stateful-only) ;;
esac
start_server
client_files persist "holdoff 1" "lcp-restart 1"
start_client "${CLIFLAGS[@]}"
wait_link 20 || fail "ppp0 did not come up"
ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
ok "link up, ping works"

# pings_after SECONDS: the time, in tenths of a second, until a ping
# crosses the tunnel again (fails past SECONDS).
pings_after() {
  local i
  for i in $(seq $(($1 * 5))); do
    ip netns exec "$NS_C" ping -c 1 -W 0.2 10.10.0.1 > /dev/null 2>&1 && { echo $((i * 2)); return 0; }
  done
  return 1
}

case "$MODE" in
burst-up | burst-down | burst-up-stateful | burst-down-stateful)
  if [ "${MODE%-stateful}" = burst-up ]; then
    NS_DROP=$NS_C FLOOD_NS=$NS_C FLOOD_TO=10.10.0.1 RX_LOG=$T/server1.log
  else
    NS_DROP=$NS_S FLOOD_NS=$NS_S FLOOD_TO=10.10.0.10 RX_LOG=$T/client.log
  fi
  ip netns exec "$NS_DROP" nft -f - <<EOT || fail "nft: cannot drop GRE"
table inet pxburst {
  chain out { type filter hook output priority 0; ip protocol gre counter drop; }
}
EOT
  # Small UDP datagrams through the tunnel, as fast as they go, until the
  # drop rule has eaten 3000 GRE packets.
  ip netns exec "$FLOOD_NS" python3 - "$FLOOD_TO" <<'EOT' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 20
while time.monotonic() < end:
    for _ in range(100):
        try:
            s.sendto(b"x" * 16, (sys.argv[1], 9))
        except OSError:
            pass
    time.sleep(0.001)
EOT
  FLOOD_PID=$!
  dropped=0
  for i in $(seq 200); do
    dropped=$(ip netns exec "$NS_DROP" nft list table inet pxburst | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
    [ "${dropped:-0}" -ge 3000 ] && break
    sleep 0.05
  done
  kill "$FLOOD_PID" 2>/dev/null
  wait "$FLOOD_PID" 2>/dev/null
  ip netns exec "$NS_DROP" nft delete table inet pxburst || fail "nft delete table"
  [ "${dropped:-0}" -ge 3000 ] || fail "only ${dropped:-0} GRE packets dropped"
  ok "$dropped GRE packets dropped in a row ($MODE)"
  t=$(pings_after 5) || fail "no ping crossed the tunnel within 5 s of the loss burst"
  ok "first ping through after $((t / 10)).$((t % 10)) s"
  ip netns exec "$NS_C" ping -c 20 -i 0.05 -W 1 10.10.0.1 > "$T/ping.out" 2>&1
  grep -q ' 20 received' "$T/ping.out" || { cat "$T/ping.out"; fail "not 20 of 20 pings after the burst"; }
  ok "20 of 20 pings after the burst"
  ! grep -q 'MPPE receive failing' "$RX_LOG" || fail "the receiver gave up: $(grep 'MPPE receive failing' "$RX_LOG")"
  kill -USR2 "$SERVER_PID" "$CLIENT_PID"
  # Stateless: the key search found the key (resyncs). Stateful: the
  # receiver asked for a flush (resets sent) and took it (resyncs).
  wait_log 5 "$RX_LOG" 'resyncs [1-9]' || fail "no resync counted: $(grep 'MPPE in:' "$RX_LOG")"
  case "$MODE" in
    *-stateful) grep 'MPPE in:' "$RX_LOG" | tail -1 | grep -q 'resets sent [1-9]' ||
      fail "no CCP Reset-Request sent: $(grep 'MPPE in:' "$RX_LOG" | tail -1)" ;;
  esac
  ok "receiver stats: $(grep -o 'MPPE in: [^|]*| resyncs [^|]*| resets [^|]*' "$RX_LOG" | tail -1)"
  ;;
renegotiate-server | renegotiate-client)
  idx=$(ip -n "$NS_C" -o link show ppp0 | cut -d: -f1)
  if [ "$MODE" = renegotiate-server ]; then
    ip netns exec "$NS_S" python3 "$(dirname "$0")/lcp_restart.py" "v${TAG}s$ID" 192.168.99.2 \
      --mschapv2 > "$T/inject.log" 2>&1 &
  else
    ip netns exec "$NS_C" python3 "$(dirname "$0")/lcp_restart.py" "v${TAG}c$ID" 192.168.99.1 \
      > "$T/inject.log" 2>&1 &
  fi
  INJ=$!
  wait_log 10 "$T/inject.log" '^watching' || fail "lcp_restart.py did not start: $(cat "$T/inject.log")"
  # Traffic that lcp_restart.py learns the call ID and sequence from.
  ip netns exec "$NS_C" ping -c 3 -i 0.1 10.10.0.1 > /dev/null 2>&1
  wait "$INJ" || fail "lcp_restart.py: $(cat "$T/inject.log")"
  t0=$(date +%s%N)
  ok "$(grep '^sent' "$T/inject.log")"
  wait_log 5 "$T/client.log" 'link renegotiating; ppp0 kept' || fail "the client did not renegotiate"
  t=$(pings_after 5) || fail "no ping crossed the tunnel within 5 s of the LCP restart"
  ok "pings resume $((t / 10)).$((t % 10)) s after the check started ($(( ($(date +%s%N) - t0) / 1000000 )) ms after the restart)"
  wait_log 5 "$T/scripts.log" '^ip-up ppp0' || fail "no ip-up"
  [ "$(count "$T/scripts.log" '^ip-down ppp0')" = 1 ] || fail "ip-down: $(cat "$T/scripts.log")"
  [ "$(count "$T/scripts.log" '^ip-up ppp0')" = 2 ] || fail "ip-up: $(cat "$T/scripts.log")"
  [ "$(ip -n "$NS_C" -o link show ppp0 | cut -d: -f1)" = "$idx" ] || fail "ppp0 was recreated"
  [ "$(count "$T/server1.log" 'user user1 authenticated with MS-CHAP-v2')" = 2 ] ||
    fail "the server did not authenticate the client again"
  [ "$(count "$T/client.log" 'notice: MPPE 128-bit stateless compression enabled')" = 2 ] ||
    fail "MPPE did not come back"
  ok "ppp0 kept (ifindex $idx), re-authenticated, MPPE again, ip-down then ip-up ran"
  ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac

"$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
wait_exit 15 || fail "client still running 15 s after hangup"
[ "$RC" = 0 ] || fail "exit status $RC after hangup"
ok "pptpx hangup: exit 0"
exit 0
