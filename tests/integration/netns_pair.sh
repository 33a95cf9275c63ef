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
