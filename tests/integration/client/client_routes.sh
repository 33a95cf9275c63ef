#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx's default route handling against pptpxd in two network namespaces,
# with a real default route in the client namespace (via 192.168.99.1) and
# the server dialled at an off-link address (172.31.0.1 on the server's lo),
# so the route to the server goes through the gateway:
# MODE replace: defaultroute replacedefaultroute: while up, default dev
#   ppp0 and a host route 172.31.0.1 via the old gateway (the tunnel's own
#   packets stay outside it); after hang-up the old default route is back
#   exactly and the host route is gone.
# MODE keep: defaultroute alone and an existing default route of metric 100:
#   pppd's "not replacing existing default route via 192.168.99.1", the
#   routing table keeps its default route, no host route; all unchanged
#   after hang-up.
# Usage: client_routes.sh PPTPXD PPTPX SOURCE_DIR replace|keep
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=rt
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

pair_up
VC=v${TAG}c$ID
SERVER_ADDR=172.31.0.1
ip -n "$NS_S" addr add $SERVER_ADDR/32 dev lo
case "$MODE" in
  replace)
    ip -n "$NS_C" route add default via 192.168.99.1
    client_files defaultroute replacedefaultroute ;;
  keep)
    ip -n "$NS_C" route add default via 192.168.99.1 metric 100
    client_files defaultroute ;;
  *) echo "unknown mode $MODE"; exit 2 ;;
esac
server_config
# No `listen`: the route from the server to the client would pick
# 192.168.99.1 as GRE source, but pptpxd answers from the address the
# client dialled, which is all pptpx (like pptp-linux) accepts GRE from.
start_server

ip -n "$NS_C" route show > "$T/routes.before"
ip -n "$NS_C" route show default > "$T/default.before"
start_client debug
wait_link 20 || fail "ppp0 did not come up"
ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
ok "link up with the server at $SERVER_ADDR (off-link, via 192.168.99.1), ping works"

if [ "$MODE" = replace ]; then
  got=$(ip -n "$NS_C" route show default)
  [ "$got" = "default dev ppp0 scope link " ] || [ "$got" = "default dev ppp0 scope link" ] ||
    fail "default route while up: '$got'"
  got=$(ip -n "$NS_C" route show $SERVER_ADDR/32)
  [ "$(echo $got)" = "$SERVER_ADDR via 192.168.99.1 dev $VC" ] || fail "host route while up: '$got'"
  ok "while up: default dev ppp0; $SERVER_ADDR via 192.168.99.1 dev $VC"
  grep -q "replacing old default route to $VC \[192.168.99.1\]" "$T/client.log" ||
    fail "no 'replacing old default route' log line"
  # The control connection and GRE still reach the server outside the tunnel.
  ip -n "$NS_C" route get $SERVER_ADDR | grep -q "via 192.168.99.1 dev $VC" ||
    fail "route get $SERVER_ADDR: $(ip -n "$NS_C" route get $SERVER_ADDR)"
  ip -n "$NS_C" route get 198.51.100.7 | grep -q 'dev ppp0' ||
    fail "route get 198.51.100.7: $(ip -n "$NS_C" route get 198.51.100.7)"
  sleep 2
  ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1 with the default route via ppp0"; }
  ok "the server stays reachable outside the tunnel, other traffic goes into it, ping works"
else
  grep -q 'not replacing existing default route via 192.168.99.1$' "$T/client.log" ||
    fail "no 'not replacing existing default route via 192.168.99.1'"
  ok "client log: not replacing existing default route via 192.168.99.1"
  ip -n "$NS_C" route show default > "$T/default.up"
  cmp -s "$T/default.before" "$T/default.up" || fail "default route changed: $(cat "$T/default.up")"
  ip -n "$NS_C" route show $SERVER_ADDR/32 | grep -q . && fail "host route added"
  ok "default route unchanged ($(cat "$T/default.up")), no host route"
fi

"$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
wait_exit 15 || fail "client still running 15 s after hangup"
[ "$RC" = 0 ] || fail "exit status $RC after hangup"
wait_gone 5 || fail "ppp0 still there"
ip -n "$NS_C" route show > "$T/routes.after"
diff "$T/routes.before" "$T/routes.after" > "$T/routes.diff" ||
  { cat "$T/routes.diff"; fail "routing table differs after hang-up"; }
ok "after hang-up the routing table is as before: $(cat "$T/default.before")"
if [ "$MODE" = replace ]; then
  grep -q "restoring old default route to $VC \[192.168.99.1\]" "$T/client.log" ||
    fail "no 'restoring old default route' log line"
  ok "client log: restoring old default route to $VC [192.168.99.1]"
fi
exit 0
