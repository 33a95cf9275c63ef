# SPDX-License-Identifier: MIT
# Shared by bench/soak.sh and bench/sessions_rss.sh (sourced after
# tests/integration/netns_pair.sh, not run): a server namespace ($NS_S,
# 192.168.99.1) and $N client namespaces (cns I, 192.168.99.(100+I)), each
# joined by a veth to one bridge in its own namespace ($NS_B), where a test
# can impair traffic. bridge_down deletes the client and bridge namespaces.

NS_B=px$TAG-b-$ID
cns() { echo "px$TAG-$1-$ID"; }             # client I's namespace
cip() { echo "192.168.99.$((100 + $1))"; }  # client I's address on the bridge

# port NS NAME IP: a veth from the bridge (port pNAME) to eth0 in NS.
port() {
  ip link add "p$2" netns "$NS_B" type veth peer name eth0 netns "$1" || fail "veth p$2"
  ip -n "$NS_B" link set "p$2" master br0
  ip -n "$NS_B" link set "p$2" up
  ip -n "$1" addr add "$3/24" dev eth0
  ip -n "$1" link set lo up
  ip -n "$1" link set eth0 up
}

bridge_up() {
  ip netns add "$NS_S" || exit 2
  ip netns add "$NS_B" || exit 2
  ip -n "$NS_B" link add br0 type bridge
  ip -n "$NS_B" link set br0 up
  port "$NS_S" 0 192.168.99.1
  local i
  for i in $(seq "$N"); do
    ip netns add "$(cns "$i")" || fail "ip netns add"
    port "$(cns "$i")" "$i" "$(cip "$i")"
  done
  mkdir -p "$T/server" "$T/client/peers" "$T/run"
}

bridge_down() {
  local i
  for i in $(seq "$N"); do ip netns del "$(cns "$i")" 2>/dev/null; done
  ip netns del "$NS_B" 2>/dev/null
}
