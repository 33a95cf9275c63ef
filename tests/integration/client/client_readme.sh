#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's client walk-through, as written, against pptpxd with
# examples/server in two network namespaces. The client runs in a private
# mount namespace where /etc/ppp is a copy holding Debian's own ip-up,
# ip-down, ip-pre-up and their .d folders and /etc/ppp/options from this
# machine's ppp package, examples/client's peers file (SERVER replaced),
# options.pptp and ip-up.d/vpn-route, and chap-secrets `user1 PPTP secret1 *`
# (mode 600); /etc/resolv.conf and /run are private too. Then, with no
# test-only flags:
#   pptpx call vpn-connection1    detaches; ppp0 comes up, Debian's ip-up runs
#                                 vpn-route: 10.10.0.0/24 dev ppp0, and
#                                 10.10.0.5 (a host behind the server) answers
#   pptpx hangup vpn-connection1  the daemon exits, ppp0 and the route go
#   pptpx call vpn-connection1 nodetach   the same in the foreground, the log
#                                 on stderr; then hangup again.
# Usage: client_readme.sh PPTPXD PPTPX SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3
TAG=rd
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

for f in /etc/ppp/ip-up /etc/ppp/ip-down /etc/ppp/ip-up.d /etc/ppp/ip-down.d /etc/ppp/options; do
  [ -e "$f" ] || { echo "skip: no $f (Debian's ppp package)"; exit 77; }
done
command -v unshare > /dev/null || { echo "skip: no unshare"; exit 77; }
# A detached pptpx left by a failed run is in neither $CLIENT_PID nor a pid
# file this side can see: end whatever still runs in the client namespace.
readme_cleanup() {
  local p
  for p in $(ip netns pids "$NS_C" 2>/dev/null); do kill "$p" 2>/dev/null; done
  pair_cleanup
}
trap readme_cleanup EXIT

pair_up
server_config
# A host of the office network behind the server: reachable only through
# the route vpn-route adds.
ip -n "$NS_S" addr add 10.10.0.5/32 dev lo
start_server

E=$T/etc-ppp
mkdir -p "$E/peers"
cp -a /etc/ppp/ip-up /etc/ppp/ip-down /etc/ppp/ip-up.d /etc/ppp/ip-down.d /etc/ppp/options "$E/"
for f in ip-pre-up ip-pre-up.d; do [ -e /etc/ppp/$f ] && cp -a /etc/ppp/$f "$E/"; done
sed 's/SERVER/192.168.99.1/' "$SRC/examples/client/peers/vpn-connection1" > "$E/peers/vpn-connection1"
cp "$SRC/examples/client/options.pptp" "$E/options.pptp"
cp "$SRC/examples/client/ip-up.d/vpn-route" "$E/ip-up.d/vpn-route"
chmod 755 "$E/ip-up.d/vpn-route"
echo 'user1 PPTP secret1 *' > "$E/chap-secrets"
chmod 600 "$E/chap-secrets"
echo 'nameserver 192.0.2.53' > "$T/resolv.conf"

# The client side, run inside the private mount namespace (a detached
# pptpx stays in it, so hangup has to run there too). Each step prints
# "ok: ..." or "FAIL: ..." and stops at the first failure.
cat > "$T/inner.sh" <<'EOT'
set -u
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
mount --bind "$E" /etc/ppp || fail "bind /etc/ppp"
mount --bind "$T/resolv.conf" /etc/resolv.conf || fail "bind /etc/resolv.conf"
mount -t tmpfs tmpfs /run || fail "tmpfs /run"
export PATH="$BIN:$PATH"

# up_and_down MODE: after the call, ppp0, the route, ping, hangup.
up_and_down() {
  local i pid=
  for i in $(seq 100); do
    ip addr show dev ppp0 2>/dev/null | grep -q 'inet 10.10.0.10 peer 10.10.0.1/32' &&
      ip route show 10.10.0.0/24 | grep -q 'dev ppp0' && break
    sleep 0.2
  done
  ip addr show dev ppp0 2>/dev/null | grep -q 'inet 10.10.0.10 peer 10.10.0.1/32' ||
    fail "$1: no ppp0 with 10.10.0.10 peer 10.10.0.1"
  got=$(ip route show 10.10.0.0/24)
  [ "$(echo $got)" = "10.10.0.0/24 dev ppp0 scope link" ] || fail "$1: route '$got'"
  ok "$1: ppp0 10.10.0.10 peer 10.10.0.1; Debian's ip-up ran vpn-route: $got"
  ping -c 3 -i 0.3 -W 2 10.10.0.5 > "$T/ping.out" 2>&1 && grep -q '3 received' "$T/ping.out" ||
    { cat "$T/ping.out"; fail "$1: ping 10.10.0.5"; }
  ok "$1: ping 10.10.0.5 through the tunnel: $(grep received "$T/ping.out")"
  pid=$(cat /run/pptpx-vpn-connection1.pid 2>/dev/null)
  [ -n "$pid" ] || fail "$1: no /run/pptpx-vpn-connection1.pid"
  pptpx hangup vpn-connection1 || fail "$1: pptpx hangup vpn-connection1: status $?"
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "$1: pptpx (pid $pid) still running 10 s after hangup"
  ip link show ppp0 > /dev/null 2>&1 && fail "$1: ppp0 still there"
  ip route show 10.10.0.0/24 | grep -q . && fail "$1: route still there"
  ok "$1: pptpx hangup vpn-connection1: pid $pid gone, ppp0 and the route gone"
}

pptpx call vpn-connection1 > "$T/call.out" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$T/call.out"; fail "pptpx call vpn-connection1: status $rc"; }
ok "pptpx call vpn-connection1: status 0, detached; output: '$(cat "$T/call.out")'"
up_and_down detached

pptpx call vpn-connection1 nodetach > "$T/nodetach.out" 2> "$T/nodetach.log" &
fg=$!
up_and_down nodetach
wait $fg
rc=$?
[ $rc = 0 ] || fail "nodetach: exit status $rc"
grep -q 'notice: local  IP address 10.10.0.10$' "$T/nodetach.log" || fail "nodetach: no log on stderr"
ok "nodetach: exit status 0, the log on stderr ($(wc -l < "$T/nodetach.log") lines)"
EOT
E=$E T=$T BIN=$(dirname "$PPTPX") ip netns exec "$NS_C" unshare -m --propagation private \
  bash "$T/inner.sh" > "$T/inner.out" 2>&1
rc=$?
sed 's/^/  /' "$T/inner.out"
if [ $rc != 0 ]; then
  cp "$T/nodetach.log" "$T/client.log" 2> /dev/null
  fail "the walk-through (status $rc)"
fi
[ "$(cat "$T/resolv.conf")" = 'nameserver 192.0.2.53' ] || fail "/etc/resolv.conf changed without usepeerdns"
ok "the README walk-through works as written"
exit 0
