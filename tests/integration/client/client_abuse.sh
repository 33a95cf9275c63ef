#!/bin/bash
# SPDX-License-Identifier: MIT
# TCP port 1723 abused from one address (192.168.99.3, in the client's
# namespace beside pptpx's 192.168.99.2) while pptpx is served
# (tests/integration/client/port_abuse.py does the abuse):
# MODE idle1000:  1,000 idle connections held from .3, opened again as the
#                 server closes them: beyond waiting-per-source (default 4)
#                 they are refused;
# MODE evict1000: the same with waiting-per-source 10000: the global limit
#                 of waiting connections (64) is reached and each new
#                 connection closes the oldest waiting one;
# MODE source63:  63 idle connections held from .3 (pptpxd used to refuse
#                 everyone then);
# MODE echo:      a peer from .3 sends Start-Control-Connection-Request and
#                 Echo-Requests, never reads (4 KiB receive buffer): it is
#                 disconnected within seconds and counted.
# In every mode a live session passes ping during the abuse, then pptpx
# hangs up and calls again, gets its session and pings; pptpxctl stats
# counts the abuse and the log has one notice for .3, not a line each.
# Usage: client_abuse.sh PPTPXD PPTPX SOURCE_DIR MODE
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=ab
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
ABUSE=$(dirname "$0")/port_abuse.py
PPTPXCTL=$(dirname "$PPTPXD")/pptpxctl

pair_up
ip -n "$NS_C" addr add 192.168.99.3/24 dev "v${TAG}c$ID"
server_config
[ "$MODE" = evict1000 ] && echo "waiting-per-source 10000" >> "$T/server/pptpd.conf"
start_server
client_files
start_client
wait_link 20 || fail "no link before the abuse: $(tail -5 "$T/client.log")"
ping_ok || fail "no ping before the abuse"
ok "session up, ping passes"

# stat NAME: a counter of pptpxctl stats --json.
stat() {
  "$PPTPXCTL" --socket "$T/control.sock" stats --json > "$T/stats.json" || fail "pptpxctl stats"
  grep -o "\"$1\": *[0-9]*" "$T/stats.json" | grep -o '[0-9]*$'
}

case "$MODE" in
  idle1000 | evict1000 | source63)
    n=1000
    [ "$MODE" = source63 ] && n=63
    ip netns exec "$NS_C" python3 "$ABUSE" hold 192.168.99.3 192.168.99.1 "$n" 25 "$T/hold.ready" \
      > "$T/hold.log" 2>&1 &
    echo $! > "$T/hold.pid"
    wait_log 10 "$T/hold.ready" ready || fail "port_abuse.py hold did not start: $(cat "$T/hold.log")"
    sleep 2
    ;;
  echo)
    ip netns exec "$NS_C" python3 "$ABUSE" echo 192.168.99.3 192.168.99.1 20 > "$T/echo.log" 2>&1 &
    echo $! > "$T/echo.pid"
    ;;
esac

ping_ok || fail "the live session passes no ping during the abuse"
ok "live session: ping passes during the abuse"
kill "$CLIENT_PID"
wait_exit 10 || fail "pptpx did not hang up"
wait_gone 5 || fail "ppp0 stays after the hang-up"
start=$SECONDS
start_client
wait_link 20 || fail "a new call is not served during the abuse: $(tail -5 "$T/client.log")"
ping_ok || fail "the new session passes no ping"
ok "new call from 192.168.99.2 served within $((SECONDS - start)) s during the abuse, ping passes"

case "$MODE" in
  idle1000 | source63)
    r=$(stat connections_refused_per_source)
    [ "$r" -gt 0 ] || fail "connections_refused_per_source $r"
    ok "connections_refused_per_source $r"
    ;;
  evict1000)
    r=$(stat connections_evicted)
    [ "$r" -gt 0 ] || fail "connections_evicted $r"
    ok "connections_evicted $r"
    ;;
  echo)
    wait_log 20 "$T/echo.log" 'disconnected after' || fail "the peer that never reads: $(cat "$T/echo.log")"
    r=$(stat connections_output_overflow)
    [ "$r" = 1 ] || fail "connections_output_overflow $r"
    ok "the peer that never reads: $(cat "$T/echo.log"), connections_output_overflow $r"
    ;;
esac
notices=$(count "$T/server1.log" 'CTRL: 192.168.99.3: ')
[ "$notices" -ge 1 ] && [ "$notices" -le 2 ] || fail "$notices notices about 192.168.99.3"
lines=$(count "$T/server1.log" '192.168.99.3')
# Each connection admitted before the first notice logs its start: at
# most the global limit of waiting ones (64) in evict1000.
max=20
[ "$MODE" = evict1000 ] && max=80
[ "$lines" -le "$max" ] || fail "$lines log lines about 192.168.99.3: $(grep 192.168.99.3 "$T/server1.log" | sort | uniq -c | sort -rn | head -5)"
ok "$lines log line(s) about 192.168.99.3: $(grep -o 'CTRL: 192.168.99.3: .*' "$T/server1.log" | head -1)"
[ -f "$T/hold.pid" ] && kill "$(cat "$T/hold.pid")" 2>/dev/null
exit 0
