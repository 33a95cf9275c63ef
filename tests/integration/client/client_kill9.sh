#!/bin/bash
# SPDX-License-Identifier: MIT
# kill -9 of either end, pptpx against pptpxd in two network namespaces.
# The server namespace has a LAN (a veth pair, 10.10.0.254/24) holding the
# remoteip pool, so examples/server's `proxyarp` publishes each client's
# address there (`ip neigh show proxy`).
# MODE server-kill9: client with persist holdoff 1 lcp-echo-interval 1
#   lcp-echo-failure 3, link up, ping; pptpxd is killed with SIGKILL. What
#   the dead process left is printed: its pppN goes with its TUN fd, its
#   proxy ARP entry stays. A restarted pptpxd removes the stale entry for
#   its pool address at start ("removed a stale proxy ARP entry"), leaves a
#   proxy entry outside its pool alone, and the client is back (ppp0 with
#   10.10.0.10, ping) within holdoff + a few seconds of the new server
#   accepting calls; the proxy entry is published again, once.
# MODE client-kill9: server options with lcp-echo-interval 1
#   lcp-echo-failure 3; link up, ping; pptpx is killed with SIGKILL: its
#   kernel closes the control connection, and pptpxd ends the session at
#   once (log: "client closed the control connection"): ppp0 in the server
#   namespace and the proxy ARP entry go. A new client gets 10.10.0.10 again.
# MODE client-vanish: as client-kill9, but the client namespace drops all
#   its output first (a crashed or unplugged host: no FIN, no GRE): pptpxd
#   notices through LCP echo within the echo time (3 x 1 s, plus the
#   Terminate and the clear wait) and logs "no response to LCP echo
#   requests"; ppp0 and the proxy entry go; once the path is back a new
#   client gets 10.10.0.10 again.
# Usage: client_kill9.sh PPTPXD PPTPX SOURCE_DIR server-kill9|client-kill9|client-vanish
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=k9
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

case "$MODE" in server-kill9 | client-kill9 | client-vanish) ;; *) echo "unknown mode $MODE"; exit 2 ;; esac
[ "$MODE" = client-vanish ] && { command -v nft > /dev/null || { echo "skip: no nft"; exit 77; }; }
pair_up
LAN=k9l$ID
ip -n "$NS_S" link add "$LAN" type veth peer name "k9p$ID" || fail "LAN veth"
ip -n "$NS_S" addr add 10.10.0.254/24 dev "$LAN"
ip -n "$NS_S" link set "$LAN" up
ip -n "$NS_S" link set "k9p$ID" up
ip netns exec "$NS_S" sysctl -qw net.ipv4.ip_forward=1
server_config
grep -q '^proxyarp' "$T/server/options.pptpd" || echo proxyarp >> "$T/server/options.pptpd"
[ "$MODE" != server-kill9 ] &&
  printf 'lcp-echo-interval 1\nlcp-echo-failure 3\n' >> "$T/server/options.pptpd"

proxy_entries() { ip -n "$NS_S" neigh show proxy; }
# now_ms: milliseconds since the epoch.
now_ms() { date +%s%3N; }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

start_server
if [ "$MODE" = server-kill9 ]; then
  client_files persist "holdoff 1" "lcp-echo-interval 1" "lcp-echo-failure 3"
else
  client_files
fi
start_client
wait_link 20 || fail "ppp0 did not come up"
ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
wait_log 5 "$T/server1.log" "proxy ARP entry for 10.10.0.10 published on $LAN" ||
  fail "no proxy ARP entry published"
proxy_entries | grep -q "^10.10.0.10 dev $LAN" || fail "proxy entries: $(proxy_entries)"
ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || fail "no ppp0 in the server namespace"
ok "link up, ping works, proxy ARP entry for 10.10.0.10 on the LAN, server ppp0"

if [ "$MODE" = server-kill9 ]; then
  # A proxy entry that is not pptpxd's: outside the pool, it must survive.
  ip -n "$NS_S" neigh add proxy 10.10.0.100 dev "$LAN" || fail "ip neigh add proxy"
  t_kill=$(now_ms)
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
  wait_log 10 "$T/client.log" 'CTRL: the server closed the control connection' ||
    fail "the client did not notice the dead server"
  t_seen=$(now_ms)
  wait_gone 5 || fail "client ppp0 still there"
  ok "client noticed the dead server after $(secs $((t_seen - t_kill))) s: $(grep -m1 'CTRL: the server closed' "$T/client.log" | sed 's/.*CTRL: //')"
  # What the dead server left behind.
  left_links=$(ip -n "$NS_S" -o link show | grep -o ' ppp[0-9]*' | tr -d ' ' | tr '\n' ' ')
  left_proxy=$(proxy_entries | tr '\n' ';')
  left_routes=$(ip -n "$NS_S" route show | grep -c '10\.10\.0\.1[0-9] \|ppp')
  left_pid=$([ -e "$T/server/pptpd.pid" ] && echo "pid file left" || echo "no pid file")
  echo "observed after kill -9: ppp links [${left_links}] proxy [${left_proxy}] routes to clients ${left_routes}, ${left_pid}"
  [ -z "$left_links" ] || fail "ppp links left after kill -9: $left_links"
  # Keep the client out while the new server starts: answer its SYNs with a
  # reset (it sees "connection refused", as with no server at all), so the
  # clean-up at start can be checked before the client publishes again.
  ip netns exec "$NS_S" nft -f - <<EOT || fail "nft reject"
table inet pxk9 {
  chain in { type filter hook input priority 0; tcp dport 1723 reject with tcp reset; }
}
EOT
  start_server
  wait_log 5 "$T/server2.log" 'pptpxd listening' || fail "the new server did not start"
  if proxy_entries | grep -q '^10.10.0.10 '; then
    fail "stale proxy ARP entry for 10.10.0.10 still there after the restart: $(proxy_entries | tr '\n' ';')"
  fi
  grep -q "removed a stale proxy ARP entry for 10.10.0.10 on $LAN" "$T/server2.log" ||
    fail "no log of the stale entry: $(grep -i proxy "$T/server2.log")"
  proxy_entries | grep -q "^10.10.0.100 dev $LAN" || fail "the proxy entry outside the pool was removed"
  ok "restarted pptpxd removed the stale proxy ARP entry for 10.10.0.10, kept 10.10.0.100"
  t_open=$(now_ms)
  ip netns exec "$NS_S" nft delete table inet pxk9 || fail "nft delete table"
  wait_link 20 || fail "the link did not come back after the restart"
  t_back=$(now_ms)
  ping_ok || { cat "$T/ping.out"; fail "ping after the restart"; }
  back=$((t_back - t_open))
  [ "$back" -le 5000 ] || fail "link back $(secs $back) s after the server accepted calls (holdoff 1)"
  wait_log 5 "$T/server2.log" "proxy ARP entry for 10.10.0.10 published on $LAN" ||
    fail "proxy ARP not published again"
  [ "$(proxy_entries | grep -c '^10.10.0.10 ')" = 1 ] || fail "proxy entries: $(proxy_entries | tr '\n' ';')"
  ok "client back $(secs $back) s after the new server accepted calls ($(secs $((t_back - t_kill))) s after kill -9), ping works, proxy ARP published again"
  "$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
  wait_exit 15 || fail "client still running 15 s after hangup"
  exit 0
fi

# The client dies.
if [ "$MODE" = client-vanish ]; then
  ip netns exec "$NS_C" nft -f - <<EOT || fail "nft drop"
table inet pxk9 {
  chain out { type filter hook output priority 0; ip daddr 192.168.99.1 drop; }
}
EOT
fi
t_kill=$(now_ms)
kill -9 "$CLIENT_PID"
wait "$CLIENT_PID" 2>/dev/null
CLIENT_PID=
gone=0
for i in $(seq 150); do
  ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || { gone=1; break; }
  sleep 0.1
done
t_gone=$(now_ms)
[ $gone = 1 ] || fail "server ppp0 still there 15 s after the client was killed"
took=$((t_gone - t_kill))
if [ "$MODE" = client-kill9 ]; then
  why='client closed the control connection'
  limit=2000
else
  why='no response to LCP echo requests'
  limit=7000  # 3 echo-requests 1 s apart, the 4th interval, Terminate-Request, clear wait
fi
wait_log 2 "$T/server1.log" "$why" || fail "server log does not say '$why'"
[ "$took" -le "$limit" ] || fail "session freed after $(secs $took) s (limit $(secs $limit) s)"
wait_log 2 "$T/server1.log" 'interface ppp0 removed' || fail "no 'interface ppp0 removed' in the server log"
for i in $(seq 20); do proxy_entries | grep -q '^10.10.0.10 ' || break; sleep 0.1; done
proxy_entries | grep -q '^10.10.0.10 ' && fail "proxy ARP entry left: $(proxy_entries)"
ok "server freed the session $(secs $took) s after kill -9: ppp0 and the proxy entry gone, log: $(grep -m1 "$why" "$T/server1.log" | sed 's/^.*\]:* //')"

if [ "$MODE" = client-vanish ]; then
  ip netns exec "$NS_C" nft delete table inet pxk9 || fail "nft delete table"
fi
start_client
wait_link 20 || fail "a new client did not get 10.10.0.10"
ping_ok || { cat "$T/ping.out"; fail "ping with the new client"; }
for i in $(seq 50); do
  [ "$(count "$T/server1.log" "proxy ARP entry for 10.10.0.10 published on $LAN")" = 2 ] && break
  sleep 0.1
done
[ "$(count "$T/server1.log" "proxy ARP entry for 10.10.0.10 published on $LAN")" = 2 ] ||
  fail "no proxy ARP entry for the new client"
ok "a new client got 10.10.0.10 again, ping works"
exit 0
