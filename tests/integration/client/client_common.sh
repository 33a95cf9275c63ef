# SPDX-License-Identifier: MIT
# Shared by the client life-cycle scripts (sourced after netns_pair.sh, not
# run): start/stop pptpxd in $NS_S, a peers file "office" for 192.168.99.1
# or $SERVER_ADDR, ip-up/ip-down scripts that log to $T/scripts.log, and
# waits on the link and on the client's exit.

SERVER_RUNS=0
# start_server: pptpxd -f with $T/server and its control socket at
# $T/control.sock, its log in $T/serverN.log.
start_server() {
  SERVER_RUNS=$((SERVER_RUNS + 1))
  ip netns exec "$NS_S" "$PPTPXD" -f -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
    --ppp-options "" --control "$T/control.sock" > "$T/server$SERVER_RUNS.log" 2>&1 &
  SERVER_PID=$!
  local i
  for i in $(seq 50); do
    ip netns exec "$NS_S" ss -ltn 2>/dev/null | grep -q ':1723' && return 0
    sleep 0.1
  done
  fail "pptpxd does not listen"
}

# client_files [EXTRA_LINE...]: $T/client/peers/office (MS-CHAPv2, MPPE-128,
# examples/client/options.pptp, ipparam office-vpn, scripts in $T/client),
# the extra lines appended; chap-secrets; ip-up and ip-down that log
# "NAME ARGS" to $T/scripts.log. $PTY_EXTRA: more pptp options on the pty line.
client_files() {
  cp "$SRC/examples/client/options.pptp" "$T/client/options.pptp"
  {
    echo "pty \"pptp ${SERVER_ADDR:-192.168.99.1} --nolaunchpppd${PTY_EXTRA:+ $PTY_EXTRA}\""
    echo "name user1"
    echo "remotename PPTP"
    echo "require-mppe-128"
    echo "file $T/client/options.pptp"
    echo "ipparam office-vpn"
    echo "ip-up-script $T/client/ip-up"
    echo "ip-down-script $T/client/ip-down"
    local l
    for l in "$@"; do echo "$l"; done
  } > "$T/client/peers/office"
  echo 'user1 PPTP secret1 *' > "$T/client/chap-secrets"
  chmod 600 "$T/client/chap-secrets"
  local s
  for s in ip-up ip-down; do
    printf '#!/bin/sh\necho "%s $*" >> %s/scripts.log\n' "$s" "$T" > "$T/client/$s"
    chmod 755 "$T/client/$s"
  done
  : > "$T/scripts.log"
}

# start_client ARGS...: pptpx call office nodetach ARGS in $NS_C, log in
# $T/client.log.
start_client() {
  ip netns exec "$NS_C" "$PPTPX" --peers-dir "$T/client/peers" call office nodetach "$@" \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" \
    > "$T/client.log" 2>&1 &
  CLIENT_PID=$!
}

# start_client2 NS PEER RUN_DIR: a second client (pptpx call PEER nodetach)
# in namespace NS, its pid in $T/client2.pid, its log in $T/client2.log;
# waits until its ppp0 has 10.10.0.50 (user2's fixed address) or fails.
start_client2() {
  ip netns exec "$1" "$PPTPX" --peers-dir "$T/client/peers" call "$2" nodetach \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$3" \
    > "$T/client2.log" 2>&1 &
  echo $! > "$T/client2.pid"
  local i
  for i in $(seq 100); do
    ip -n "$1" addr show dev ppp0 2>/dev/null | grep -q 'inet 10.10.0.50 peer 10.10.0.1/32' && break
    sleep 0.2
  done
  ip -n "$1" addr show dev ppp0 | grep -q 'inet 10.10.0.50' || fail "user2's link did not come up"
}

# wait_link SECONDS [IFNAME]: the interface up with the server's addresses
# ($LINK_LOCAL, by default 10.10.0.10, peer 10.10.0.1).
wait_link() {
  local i ifname=${2:-ppp0}
  for i in $(seq $(($1 * 5))); do
    ip -n "$NS_C" addr show dev "$ifname" 2>/dev/null > "$T/addr.out"
    grep -q "inet ${LINK_LOCAL:-10.10.0.10} peer 10.10.0.1/32" "$T/addr.out" &&
      grep -q '[<,]UP[,>]' "$T/addr.out" &&
      return 0
    kill -0 "$CLIENT_PID" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# wait_gone SECONDS [IFNAME]: the client's interface removed.
wait_gone() {
  local i ifname=${2:-ppp0}
  for i in $(seq $(($1 * 10))); do
    ip -n "$NS_C" link show "$ifname" > /dev/null 2>&1 || return 0
    sleep 0.1
  done
  return 1
}

# wait_log SECONDS FILE PATTERN: grep -q PATTERN FILE succeeds in time.
wait_log() {
  local i
  for i in $(seq $(($1 * 10))); do
    grep -q -- "$3" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# count FILE PATTERN: the number of matching lines.
count() { grep -c -- "$2" "$1" 2>/dev/null; }

ping_ok() {  # ping_ok [ADDR]
  ip netns exec "$NS_C" ping -c 3 -i 0.3 -W 2 "${1:-10.10.0.1}" > "$T/ping.out" 2>&1 &&
    grep -q '3 received' "$T/ping.out"
}

# wait_exit SECONDS: the client's exit status in $RC ("" if still running).
wait_exit() {
  local i
  RC=
  for i in $(seq $(($1 * 10))); do
    if ! kill -0 "$CLIENT_PID" 2>/dev/null; then
      wait "$CLIENT_PID"
      RC=$?
      CLIENT_PID=
      return 0
    fi
    sleep 0.1
  done
  return 1
}
