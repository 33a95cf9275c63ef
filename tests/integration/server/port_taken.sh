#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd's start failures that name the cause and the fix, in a network
# namespace:
# - python3 listens on 0.0.0.0:1723, then on [::]:1723 (dual stack): pptpxd
#   exits 1 with "cannot listen on 0.0.0.0:1723: port 1723 is taken by
#   python3 (pid N); stop it or set another address with 'listen' in CONF";
# - without CAP_NET_BIND_SERVICE (setpriv drops it from the bounding set):
#   exit 1, the message names CAP_NET_BIND_SERVICE (skipped where the
#   kernel lets the bind through anyway);
# - without CAP_NET_RAW: exit 1, the message names the raw GRE socket and
#   CAP_NET_RAW.
# Usage: port_taken.sh PPTPXD SOURCE_DIR
set -u
PPTPXD=$1 SRC=$2
TAG=pt
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/../client/client_common.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
pair_up
server_config
CONF=$T/server/pptpd.conf

# holder FAMILY ADDR: python3 listening on ADDR:1723 in the server namespace.
holder() {
  ip netns exec "$NS_S" python3 -c '
import socket, sys, time
s = socket.socket(getattr(socket, sys.argv[1]), socket.SOCK_STREAM)
s.bind((sys.argv[2], 1723))
s.listen()
time.sleep(60)' "$1" "$2" > "$T/holder.log" 2>&1 &
  HOLDER=$!
  echo "$HOLDER" > "$T/holder.pid"
  local i
  for i in $(seq 50); do
    ip netns exec "$NS_S" ss -ltn | grep -q ':1723 ' && return 0
    sleep 0.1
  done
  fail "python3 does not listen on 1723"
}

# run_server LOG [PREFIX...]: pptpxd -f in the server namespace until it
# exits (10 s at most); its status in RC.
run_server() {
  local log=$1
  shift
  timeout 10 ip netns exec "$NS_S" "$@" "$PPTPXD" -f -c "$CONF" --chap-secrets \
    "$T/server/chap-secrets" --ppp-options "" --control none > "$log" 2>&1
  RC=$?
}

for family in AF_INET:0.0.0.0 AF_INET6:::; do
  holder "${family%%:*}" "${family#*:}"
  run_server "$T/server-${family%%:*}.log"
  [ "$RC" = 1 ] || fail "${family%%:*}: exit status $RC, want 1"
  want="cannot listen on 0.0.0.0:1723: port 1723 is taken by python3 (pid $HOLDER); stop it or set another address with 'listen' in $CONF"
  grep -qF -- "$want" "$T/server-${family%%:*}.log" ||
    fail "${family%%:*}: want '$want', got: $(cat "$T/server-${family%%:*}.log")"
  kill "$HOLDER"
  wait "$HOLDER" 2> /dev/null
  ok "${family%%:*} listener on 1723: $want"
done

command -v setpriv > /dev/null || { echo "skip: no setpriv for the capability cases"; exit 0; }
# Some kernels (a sandbox's, or a cgroup BPF bind hook) let any process
# bind ports below 1024: then there is nothing to see.
if ip netns exec "$NS_S" setpriv --bounding-set -net_bind_service -- python3 -c '
import socket
socket.socket().bind(("0.0.0.0", 1723))' 2> /dev/null; then
  echo "skip (without CAP_NET_BIND_SERVICE): this kernel lets a bind to port 1723 through without it"
else
  run_server "$T/server-nobind.log" setpriv --bounding-set -net_bind_service --
  [ "$RC" = 1 ] || fail "without CAP_NET_BIND_SERVICE: exit status $RC, want 1"
  grep -q "cannot listen on 0.0.0.0:1723: Permission denied: port 1723 needs root or CAP_NET_BIND_SERVICE" \
    "$T/server-nobind.log" || fail "without CAP_NET_BIND_SERVICE: $(cat "$T/server-nobind.log")"
  ok "without CAP_NET_BIND_SERVICE: $(grep -o 'cannot listen.*' "$T/server-nobind.log")"
fi

run_server "$T/server-noraw.log" setpriv --bounding-set -net_raw --
[ "$RC" = 1 ] || fail "without CAP_NET_RAW: exit status $RC, want 1"
grep -q "cannot open the raw GRE socket (IP protocol 47): Operation not permitted: it needs root or CAP_NET_RAW" \
  "$T/server-noraw.log" || fail "without CAP_NET_RAW: $(cat "$T/server-noraw.log")"
ok "without CAP_NET_RAW: $(grep -o 'cannot open.*' "$T/server-noraw.log")"
