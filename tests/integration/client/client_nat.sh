#!/bin/bash
# SPDX-License-Identifier: MIT
# Many pptpx clients behind one NAT: pptpxd in one namespace with two
# networks, 192.168.99.0/24 with one client on it directly (user4) and
# 192.168.98.0/24 towards a NAT router namespace; behind the router three
# client namespaces (user1 to user3, 172.16.N.2), masqueraded to the
# router's 192.168.98.2.
# MODE helper: the router attaches the kernel's PPTP conntrack/NAT helper
#   (nftables `ct helper` of type "pptp" on TCP port 1723), which tracks
#   each call's GRE and translates the clients' call IDs. All four links
#   are up at once, the server sees three control connections from
#   192.168.98.2 and one from 192.168.99.2, every client pings the server;
#   the server pings each client's tunnel address and only that client's
#   ppp0 receives the packets (RX counters of all four); SIGTERM to one
#   NATed client ends its session only: the other three keep passing
#   traffic, again each only its own.
# MODE nohelper: the same masquerade without the helper. The control
#   connections and calls go through and the clients' GRE reaches the
#   server, but the router's GRE conntrack cannot match the server's GRE
#   (other call ID) to them: it ends at the router, no NATed link comes up,
#   not even one. Each NATed client logs "link finished: LCP negotiation
#   failed" after 30 s and exits with status 10; client 1 (debug) shows its
#   10 LCP Configure-Requests and nothing received; the server ends the
#   three calls having passed 0 bytes. The direct client works throughout.
# Usage: client_nat.sh PPTPXD PPTPX SOURCE_DIR helper|nohelper
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=nt
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

case "$MODE" in helper|nohelper) ;; *) echo "unknown mode $MODE"; exit 2 ;; esac
command -v nft > /dev/null || { echo "skip: no nft"; exit 77; }

NS_R=px$TAG-r-$ID
NATED="1 2 3" DIRECT=4
# Client N: its namespace; its tunnel address, a pattern for user1 who
# takes one from the pool (which one depends on the order of the calls), the
# address itself once the link is up; its pid.
client_ns() { if [ "$1" = "$DIRECT" ]; then echo "$NS_C"; else echo "px$TAG-$1-$ID"; fi; }
client_addr() {
  case $1 in
    1) ip -n "$(client_ns 1)" -4 -o addr show dev ppp0 2>/dev/null | grep -o '10\.10\.0\.1[0-9] peer' |
         grep -o '^[0-9.]*' || echo '10\.10\.0\.1[0-9]' ;;
    *) echo "10.10.0.5$(($1 - 2))" ;;
  esac
}
client_pid() { cat "$T/client$1.pid" 2>/dev/null; }

nat_cleanup() {
  pair_cleanup
  local i
  for i in $NATED; do ip netns del "$(client_ns "$i")" 2>/dev/null; done
  ip netns del "$NS_R" 2>/dev/null
}
trap nat_cleanup EXIT

pair_up  # NS_S 192.168.99.1 -- NS_C 192.168.99.2: the direct client
ip netns add "$NS_R" || fail "ip netns add"
ip link add "v${TAG}w$ID" type veth peer name "v${TAG}r$ID" || fail "veth"
ip link set "v${TAG}w$ID" netns "$NS_S"
ip link set "v${TAG}r$ID" netns "$NS_R"
ip -n "$NS_S" addr add 192.168.98.1/24 dev "v${TAG}w$ID"
ip -n "$NS_R" addr add 192.168.98.2/24 dev "v${TAG}r$ID"
ip -n "$NS_S" link set "v${TAG}w$ID" up
ip -n "$NS_R" link set "v${TAG}r$ID" up
ip -n "$NS_R" link set lo up
ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 || fail "ip_forward"
for i in $NATED; do
  ns=$(client_ns "$i")
  ip netns add "$ns" || fail "ip netns add"
  ip link add "v${TAG}${i}r$ID" type veth peer name "v${TAG}${i}c$ID" || fail "veth"
  ip link set "v${TAG}${i}r$ID" netns "$NS_R"
  ip link set "v${TAG}${i}c$ID" netns "$ns"
  ip -n "$NS_R" addr add "172.16.$i.1/24" dev "v${TAG}${i}r$ID"
  ip -n "$ns" addr add "172.16.$i.2/24" dev "v${TAG}${i}c$ID"
  ip -n "$NS_R" link set "v${TAG}${i}r$ID" up
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "v${TAG}${i}c$ID" up
  ip -n "$ns" route add default via "172.16.$i.1"
done

# The router: masquerade towards the server, the PPTP helper in helper mode,
# and counters of the GRE it forwards each way and of what reaches it.
if [ "$MODE" = helper ]; then
  HELPER='ct helper pptp-nat { type "pptp" protocol tcp; }'
  ATTACH='tcp dport 1723 ct helper set "pptp-nat"'
else
  HELPER= ATTACH=
fi
ip netns exec "$NS_R" nft -f - <<EOT || fail "nft: cannot set up the NAT"
table ip pxnat {
  $HELPER
  chain prerouting { type filter hook prerouting priority filter; $ATTACH; }
  chain forward {
    type filter hook forward priority filter;
    ip protocol gre iifname "v${TAG}r$ID" counter name gre_in
    ip protocol gre oifname "v${TAG}r$ID" counter name gre_out
  }
  chain input { type filter hook input priority filter; ip protocol gre counter name gre_local; }
  chain postrouting { type nat hook postrouting priority srcnat; oifname "v${TAG}r$ID" masquerade; }
  counter gre_in { }
  counter gre_out { }
  counter gre_local { }
}
EOT
# nft_packets NAME: the packets a router counter saw.
nft_packets() {
  ip netns exec "$NS_R" nft list counter ip pxnat "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

server_config
cat >> "$T/server/chap-secrets" <<EOT
user3		pptpd	secret3			10.10.0.51
user4		pptpd	secret4			10.10.0.52
EOT
start_server

# Peers files u1..u4 from client_common's "office": user N, the server at
# 192.168.98.1 behind the NAT, 192.168.99.1 for the direct client.
SERVER_ADDR=192.168.98.1 client_files
for i in $NATED $DIRECT; do
  server=192.168.98.1
  [ "$i" = "$DIRECT" ] && server=192.168.99.1
  sed -e "s/^name user1$/name user$i/" -e "s/pptp 192.168.98.1 /pptp $server /" \
    "$T/client/peers/office" > "$T/client/peers/u$i"
  [ "$i" = 1 ] || echo "user$i PPTP secret$i *" >> "$T/client/chap-secrets"
  [ "$i" = 1 ] && [ "$MODE" = nohelper ] && echo debug >> "$T/client/peers/u$i"
  mkdir -p "$T/run/$i"
done

# start_client_n N: pptpx call uN nodetach in client N's namespace, log in
# $T/clientN.log, pid in $T/clientN.pid (killed by the cleanup).
start_client_n() {
  ip netns exec "$(client_ns "$1")" "$PPTPX" --peers-dir "$T/client/peers" call "u$1" nodetach \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run/$1" \
    > "$T/client$1.log" 2>&1 &
  echo $! > "$T/client$1.pid"
}
# With client N's namespace, pid and address: wait_link, ping_ok, wait_exit.
as_client() {
  local n=$1
  shift
  NS_C=$(client_ns "$n") CLIENT_PID=$(client_pid "$n") LINK_LOCAL=$(client_addr "$n") "$@"
}
# rx N: packets client N's ppp0 has received from the tunnel.
rx() { ip netns exec "$(client_ns "$1")" cat /sys/class/net/ppp0/statistics/rx_packets 2>/dev/null || echo gone; }

# server_pings_each N...: the server pings client N's tunnel address 2+N
# times, for each N in turn; client N's ppp0 receives exactly that many
# packets and every other listed client's none.
server_pings_each() {
  local n m before after want
  for n in "$@"; do
    for m in "$@"; do before[m]=$(rx "$m"); done
    want=$((2 + n))
    ip netns exec "$NS_S" ping -c "$want" -i 0.2 -W 2 "$(client_addr "$n")" > "$T/ping.out" 2>&1 &&
      grep -q "$want received" "$T/ping.out" || { cat "$T/ping.out"; fail "server ping to client $n"; }
    for m in "$@"; do
      after=$(rx "$m")
      [ "$m" = "$n" ] || want=0
      [ "$after" = "$((before[m] + want))" ] ||
        fail "server pinged client $n ($((2 + n)) echo requests): client $m ppp0 RX $((before[m])) -> $after, want +$want"
      want=$((2 + n))
    done
  done
  ok "the server pinged clients $*: each ppp0 got its own echo requests, the others none"
}

for i in $NATED $DIRECT; do start_client_n "$i"; done

if [ "$MODE" = nohelper ]; then
  as_client "$DIRECT" wait_link 20 || fail "the direct client's ppp0 did not come up"
  as_client "$DIRECT" ping_ok || { cat "$T/ping.out"; fail "direct client: ping 10.10.0.1"; }
  ok "direct client: link up, ping works"
  # Each NATed call is placed and answered; the server's GRE ends at the
  # router, so LCP never completes and both ends give up after pppd's
  # 10 Config-Requests 3 s apart.
  for i in $NATED; do
    as_client "$i" wait_exit 45 || fail "client $i still running 45 s after its call"
    [ "$RC" = 10 ] || fail "client $i: exit status $RC, want 10 (negotiation failed)"
    rm -f "$T/client$i.pid"
    grep -q 'CTRL: call [0-9]* connected: server call ID' "$T/client$i.log" ||
      fail "client $i: its call was not connected"
    grep -q 'link finished: LCP negotiation failed' "$T/client$i.log" ||
      fail "client $i: no 'link finished: LCP negotiation failed'"
  done
  ok "each NATed client: call connected, 30 s later 'LCP negotiation failed', exit status 10"
  # Client 1 has debug: only its own LCP Configure-Requests, nothing received.
  [ "$(count "$T/client1.log" 'sent \[LCP ConfReq')" = 10 ] && ! grep -q 'rcvd \[LCP' "$T/client1.log" ||
    fail "client 1 (debug): want 10 'sent [LCP ConfReq' and no 'rcvd [LCP'"
  ok "client 1 with debug: 10 LCP Configure-Requests sent, no LCP packet received"
  [ "$(count "$T/server1.log" 'CTRL: client 192.168.98.2 control connection started')" = 3 ] ||
    fail "the server did not see three control connections from 192.168.98.2"
  [ "$(count "$T/server1.log" 'connection terminated after .* s: sent 0 bytes, received 0 bytes$')" = 3 ] ||
    fail "the server did not end three calls having passed no data"
  gre_out=$(nft_packets gre_out) gre_in=$(nft_packets gre_in) gre_local=$(nft_packets gre_local)
  [ "$gre_out" -gt 0 ] && [ "$gre_in" = 0 ] && [ "$gre_local" -gt 0 ] ||
    fail "router GRE counters: to the server $gre_out, to the clients $gre_in, to itself $gre_local"
  ok "router: $gre_out GRE packets to the server, $gre_in back to the clients, $gre_local to the router itself"
  as_client "$DIRECT" ping_ok || { cat "$T/ping.out"; fail "direct client: ping at the end"; }
  ok "the direct client still pings the server"
  exit 0
fi

for i in $NATED $DIRECT; do as_client "$i" wait_link 20 || fail "client $i: ppp0 did not come up"; done
for i in $NATED $DIRECT; do
  [ "$(rx "$i")" != gone ] || fail "client $i: ppp0 gone while waiting for the others"
done
[ "$(ip -n "$NS_S" -o link show | grep -c ': ppp[0-9]*:')" = 4 ] || fail "the server has not 4 pppN"
ok "four links up at once: $(for i in $NATED $DIRECT; do printf '%s ' "$(client_addr "$i")"; done)"
[ "$(count "$T/server1.log" 'CTRL: client 192.168.98.2 control connection started')" = 3 ] &&
  [ "$(count "$T/server1.log" 'CTRL: client 192.168.99.2 control connection started')" = 1 ] ||
  fail "the server did not see 3 connections from 192.168.98.2 and 1 from 192.168.99.2"
ok "the server saw 3 control connections from the NAT's 192.168.98.2 and 1 from 192.168.99.2"

for i in $NATED $DIRECT; do as_client "$i" ping_ok || { cat "$T/ping.out"; fail "client $i: ping 10.10.0.1"; }; done
ok "each client pings the server"
server_pings_each $NATED $DIRECT

# Hang up client 2 (SIGTERM): the others keep their links.
kill -TERM "$(client_pid 2)"
as_client 2 wait_exit 15 || fail "client 2 still running 15 s after SIGTERM"
[ "$RC" = 0 ] || fail "client 2: exit status $RC after SIGTERM"
rm -f "$T/client2.pid"
wait_log 10 "$T/server1.log" 'connection terminated after .* user user2$' ||
  fail "the server did not end client 2's session"
[ "$(count "$T/server1.log" 'connection terminated after')" = 1 ] || fail "the server ended other sessions"
for i in 1 3 $DIRECT; do kill -0 "$(client_pid "$i")" || fail "client $i exited after client 2's hang-up"; done
[ "$(ip -n "$NS_S" -o link show | grep -c ': ppp[0-9]*:')" = 3 ] || fail "the server has not 3 pppN"
ok "client 2 hung up (exit 0), the server ended its session, three links remain"
for i in 1 3 $DIRECT; do as_client "$i" ping_ok || { cat "$T/ping.out"; fail "client $i: ping after the hang-up"; }; done
ok "clients 1, 3 and 4 still ping the server"
server_pings_each 1 3 $DIRECT
exit 0
