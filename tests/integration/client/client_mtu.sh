#!/bin/bash
# SPDX-License-Identifier: MIT
# Tunnel packets too big for the path (issue 13): pptpx dials pptpxd with
# mtu and mru 1500 on both sides, so a full-size tunnel packet is 1,540
# octets; each end's path check (proto/session/path_check.h) must say so
# within 10 s of the link coming up, with the mtu and mru to set and the
# file to set them in.
# MODE router: client - R1 - R2 - server, the R1-R2 link has MTU 1400.
#   Each end's DF probe is refused by its own host (MTU 1500), then by the
#   router in front of the narrow link (ICMP fragmentation-needed, MTU
#   1400): both log the path MTU 1400, the router's address and
#   "`mtu 1360` and `mru 1360`"; full-size packets still cross as
#   fragments, so a 1,472-octet ping through the tunnel is answered.
# MODE fragdrop: client and server on one link; the server's namespace
#   drops every IP fragment before reassembly (nftables, prerouting at
#   priority -450). The full-size probes (two fragments each) get no
#   answer while the small ones do: both ends warn that large packets or
#   fragments are dropped and say "set `mtu 1460` and `mru 1460`" (a DF
#   probe of 1,500 octets was answered). A ping whose tunnel packets fit
#   in 1,500 octets still passes.
# Usage: client_mtu.sh PPTPXD PPTPX SOURCE_DIR router|fragdrop
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=mt
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"
case $MODE in router | fragdrop) ;; *) echo "unknown mode $MODE"; exit 2 ;; esac
command -v nft > /dev/null || { echo "skip: no nft"; exit 77; }

NS_R1=px$TAG-r1-$ID NS_R2=px$TAG-r2-$ID
pair_up
if [ "$MODE" = router ]; then
  # Take the client off the server's link: server 192.168.99.1 - R2 .99.2 |
  # R2 192.168.97.2 - R1 .97.1 (MTU 1400) | R1 192.168.98.1 - client .98.2.
  ip netns add "$NS_R2" || fail "ip netns add"
  PAIR_EXTRA_NS+=("$NS_R2")
  ip -n "$NS_R2" link set lo up
  ip -n "$NS_C" link set "v${TAG}c$ID" netns "$NS_R2"
  ip -n "$NS_R2" addr add 192.168.99.2/24 dev "v${TAG}c$ID"
  ip -n "$NS_R2" link set "v${TAG}c$ID" up
  link_ns "$NS_R2" 192.168.97.2 "$NS_R1" 192.168.97.1 1400
  link_ns "$NS_R1" 192.168.98.1 "$NS_C" 192.168.98.2
  for ns in "$NS_R1" "$NS_R2"; do ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1; done
  ip -n "$NS_R1" route add 192.168.99.0/24 via 192.168.97.2
  ip -n "$NS_R2" route add 192.168.98.0/24 via 192.168.97.1
  ip -n "$NS_S" route add 192.168.98.0/24 via 192.168.99.2
  ip -n "$NS_C" route add default via 192.168.98.1
  ip netns exec "$NS_C" ping -c 1 -W 2 192.168.99.1 > /dev/null || fail "no route through the routers"
else
  ip netns exec "$NS_S" nft -f - << 'EOT' || fail "nft: cannot drop fragments"
table ip fragdrop {
  chain pre {
    type filter hook prerouting priority -450; policy accept;
    ip frag-off & 0x3fff != 0 counter drop
  }
}
EOT
fi

server_config
printf 'mtu 1500\nmru 1500\n' >> "$T/server/options.pptpd"
start_server
client_files "mtu 1500" "mru 1500"
start_client debug
wait_link 20 || fail "no link"
up=$(date +%s)

peers=$T/client/peers/office
opts=$T/server/options.pptpd
if [ "$MODE" = router ]; then
  want_c="path MTU to the peer is 1400 (192.168.98.1 sent ICMP fragmentation-needed): full-size tunnel packets (1540 octets) are fragmented on the way; set \`mtu 1360\` and \`mru 1360\` in $peers to avoid it"
  want_s="path MTU to the peer is 1400 (192.168.99.2 sent ICMP fragmentation-needed): full-size tunnel packets (1540 octets) are fragmented on the way; set \`mtu 1360\` and \`mru 1360\` in $opts to avoid it"
else
  lost="full-size tunnel packets (1540 octets) get no answer while small ones do: large packets or IP fragments are dropped between us and the peer (path MTU 1500); set \`mtu 1460\` and \`mru 1460\` in"
  want_c="$lost $peers"
  want_s="$lost $opts"
fi
wait_log 10 "$T/client.log" "$want_c" || fail "the client does not say: $want_c"
wait_log 2 "$T/server1.log" "$want_s" || fail "the server does not say: $want_s"
took=$(($(date +%s) - up))
[ "$took" -le 10 ] || fail "the messages took ${took} s after the link came up"
ok "both ends name the path's limit and the fix within ${took} s of the link"
[ "$MODE" = fragdrop ] && { grep -q "warning: .*full-size tunnel packets" "$T/client.log" ||
  fail "the client's message is not a warning"; }
[ "$(count "$T/client.log" "full-size tunnel packets")" = 1 ] || fail "said more than once"

# Data still flows: 1,472-octet inner packets (1,516-octet tunnel packets:
# fragments on the way in router mode) and, with fragments dropped,
# 1,400-octet ones that fit in 1,500.
size=1444
[ "$MODE" = fragdrop ] && size=1372
ip netns exec "$NS_C" ping -c 3 -i 0.3 -W 2 -s $size 10.10.0.1 > "$T/ping.out" 2>&1 ||
  { cat "$T/ping.out"; fail "ping -s $size through the tunnel"; }
ok "ping -s $size through the tunnel"
