# SPDX-License-Identifier: MIT
# Shared by the client/server integration scripts (sourced, not run): two
# network namespaces joined by a veth pair (server 192.168.99.1, client
# 192.168.99.2), a temp folder $T, the example server configuration copied
# into $T/server with its paths rewritten, and a cleanup trap that kills
# $SERVER_PID / $CLIENT_PID, deletes the namespaces, prints the logs of a
# failed run and removes $T (kept with PPTPX_IT_KEEP=1).
# Before sourcing: set TAG (short, unique per script: namespace and veth names).
# Exits 77 (ctest "skipped") without root, netns or veth.

ID=$$
NS_S=px$TAG-s-$ID NS_C=px$TAG-c-$ID
T=$(mktemp -d /tmp/pptpx-it-XXXXXX)
SERVER_PID= CLIENT_PID=
FAILED=0
LABEL=${LABEL:-}

pair_cleanup() {
  [ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  local extra
  for extra in "$T"/*.pid; do [ -f "$extra" ] && kill "$(cat "$extra")" 2>/dev/null; done
  sleep 0.5
  [ -n "$CLIENT_PID" ] && kill -9 "$CLIENT_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  local ns
  for ns in "${PAIR_EXTRA_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ "$FAILED" != 0 ] || [ -n "${PPTPX_IT_VERBOSE:-}" ]; then
    local f
    for f in "$T"/*.log; do [ -f "$f" ] && { echo "---- $(basename "$f")"; cat "$f"; }; done
  fi
  [ -n "${PPTPX_IT_KEEP:-}" ] || rm -rf "$T"
}
trap pair_cleanup EXIT

fail() { echo "FAIL${LABEL:+ [$LABEL]}: $*"; FAILED=1; exit 1; }
ok() { echo "ok${LABEL:+ [$LABEL]}: $*"; }

# Creates the namespaces and the veth pair.
pair_up() {
  [ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
  ip netns add "$NS_S" 2>/dev/null || { echo "skip: no ip netns"; exit 77; }
  ip netns add "$NS_C" || fail "ip netns add"
  ip link add "v${TAG}s$ID" type veth peer name "v${TAG}c$ID" 2>/dev/null ||
    { echo "skip: no veth"; exit 77; }
  ip link set "v${TAG}s$ID" netns "$NS_S"
  ip link set "v${TAG}c$ID" netns "$NS_C"
  ip -n "$NS_S" addr add 192.168.99.1/24 dev "v${TAG}s$ID"
  ip -n "$NS_C" addr add 192.168.99.2/24 dev "v${TAG}c$ID"
  local ns
  for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_S" link set "v${TAG}s$ID" up
  ip -n "$NS_C" link set "v${TAG}c$ID" up
  mkdir -p "$T/server" "$T/client/peers" "$T/run"
}

# Namespaces link_ns created, deleted by pair_cleanup; link_ns's veth count.
PAIR_EXTRA_NS=()
PAIR_LINKS=0

# link_ns NS_A ADDR_A NS_B ADDR_B [MTU]: a veth pair between two namespaces,
# ADDR_A/24 on NS_A's end and ADDR_B/24 on NS_B's, both up (with MTU when
# given). A namespace that does not exist yet is created, with lo up, and
# deleted at exit.
link_ns() {
  local a=$1 addr_a=$2 b=$3 addr_b=$4 mtu=${5:-} ns
  local va="l$TAG${PAIR_LINKS}a$ID" vb="l$TAG${PAIR_LINKS}b$ID"
  PAIR_LINKS=$((PAIR_LINKS + 1))
  for ns in "$a" "$b"; do
    [ -e "/run/netns/$ns" ] && continue
    ip netns add "$ns" || fail "ip netns add $ns"
    PAIR_EXTRA_NS+=("$ns")
    ip -n "$ns" link set lo up
  done
  ip link add "$va" type veth peer name "$vb" || fail "ip link add $va type veth"
  ip link set "$va" netns "$a"
  ip link set "$vb" netns "$b"
  ip -n "$a" addr add "$addr_a/24" dev "$va"
  ip -n "$b" addr add "$addr_b/24" dev "$vb"
  if [ -n "$mtu" ]; then
    ip -n "$a" link set "$va" mtu "$mtu"
    ip -n "$b" link set "$vb" mtu "$mtu"
  fi
  ip -n "$a" link set "$va" up
  ip -n "$b" link set "$vb" up
}

# examples/server in $T/server, with its option file and pid file inside $T
# and no ip-up/ip-down scripts.
server_config() {
  cp "$SRC"/examples/server/* "$T/server/"
  sed -i "s|^option .*|option $T/server/options.pptpd|" "$T/server/pptpd.conf"
  echo "pidfile $T/server/pptpd.pid" >> "$T/server/pptpd.conf"
  printf 'ip-up-script %s\nip-down-script %s\n' "$T/server/none" "$T/server/none" \
    >> "$T/server/options.pptpd"
  chmod 600 "$T/server/chap-secrets"
}
