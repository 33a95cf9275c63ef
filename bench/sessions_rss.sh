#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd's memory with N live sessions (not in CI; root): pptpxd and N pptpx
# clients, each in its own network namespace on one bridge (as bench/soak.sh),
# MS-CHAPv2 with MPPE-128 (examples/server, examples/client). When every
# client's ppp0 has its address and pings the server through the tunnel,
# it prints the size of the pptpxd binary and pptpxd's VmRSS and VmHWM from
# /proc (RssAnon and RssFile too) with no session, when all are up, and
# after 5 s of pings on every tunnel.
# Usage: bench/sessions_rss.sh [N [BUILD_DIR]]   (N 10, BUILD_DIR build/router)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10}
BUILD=${2:-build/router}
[ -d "$BUILD" ] || BUILD=$SRC/$BUILD
PPTPXD=$(realpath "$BUILD/src/cmd/pptpxd" 2>/dev/null) PPTPX=$(realpath "$BUILD/src/cmd/pptpx" 2>/dev/null)
[ -x "$PPTPXD" ] && [ -x "$PPTPX" ] || { echo "no pptpxd/pptpx in $BUILD/src/cmd"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 2; }

TAG=rs
. "$SRC/tests/integration/netns_pair.sh"
. "$SRC/tests/integration/client/client_common.sh"
. "$SRC/bench/bridge.sh"
rss_cleanup() {
  local rc=$? i
  trap - EXIT
  for i in "$T"/c*.pid; do [ -f "$i" ] && kill "$(cat "$i")" 2>/dev/null; done
  sleep 0.5
  FAILED=$((rc != 0)) pair_cleanup
  bridge_down
  exit "$rc"
}
trap rss_cleanup EXIT

bridge_up

server_config
sed -i 's/^remoteip .*/remoteip 10.10.0.10-49/' "$T/server/pptpd.conf"
sed -i '/^proxyarp/d' "$T/server/options.pptpd"
for i in $(seq "$N"); do echo "u$i pptpd s$i *" >>"$T/server/chap-secrets"; done
start_server
# mem: pptpxd's peak and current resident size, and the current one split
# into anonymous memory (its own heap and stacks) and mapped files (the
# binary and shared libraries, shared with other processes).
mem() {
  sed -n 's/^\(VmHWM\|VmRSS\|RssAnon\|RssFile\):[[:space:]]*\([0-9]*\) kB/\1 \2 KiB,/p' "/proc/$SERVER_PID/status" |
    tr '\n' ' ' | sed 's/, $//'
}
sleep 0.5
echo "no session: pptpxd $(mem)"

client_files
: >"$T/client/chap-secrets"
for i in $(seq "$N"); do
  sed "s/^name user1$/name u$i/" "$T/client/peers/office" >"$T/client/peers/c$i"
  echo "u$i PPTP s$i *" >>"$T/client/chap-secrets"
  mkdir -p "$T/run/$i"
  ip netns exec "$(cns "$i")" "$PPTPX" --peers-dir "$T/client/peers" call "c$i" nodetach \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run/$i" \
    >>"$T/client$i.log" 2>&1 &
  echo $! >"$T/c$i.pid"
done

up=0
for _ in $(seq 300); do
  up=0
  for i in $(seq "$N"); do
    ip netns exec "$(cns "$i")" ping -n -c 1 -W 0.3 -q 10.10.0.1 >/dev/null 2>&1 && up=$((up + 1))
  done
  [ "$up" = "$N" ] && break
  sleep 0.2
done
[ "$up" = "$N" ] || fail "only $up of $N sessions pass traffic"
echo "pptpxd: $(stat -c %s "$PPTPXD") bytes ($PPTPXD), $(file -b "$PPTPXD" | grep -o 'stripped\|not stripped')"
echo "sessions up: $N; pptpxd $(mem); ppp interfaces: $(ip -n "$NS_S" -o link show | grep -c ': ppp')"
pings=()
for i in $(seq "$N"); do
  ip netns exec "$(cns "$i")" ping -n -c 25 -i 0.2 -s 1200 -q 10.10.0.1 >/dev/null 2>&1 &
  pings+=($!)
done
wait "${pings[@]}"
echo "after 5 s of pings on every tunnel: pptpxd $(mem)"
