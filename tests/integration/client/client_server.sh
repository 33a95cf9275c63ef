#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx (client) dials pptpxd (server) across a veth pair between two
# network namespaces, with the example configurations: the link comes up
# with MS-CHAPv2 + MPPE-128, ping crosses it, ip-up gets pppd's arguments,
# `pptpx hangup` ends it with exit status 0 and the server's ppp0 goes away.
# usepeerwins: the server's ms-wins reaches ip-up as WINS1 (pppd 2.5).
# MODE updetach: the command returns once the link is up (status 0) and the
# daemon is found through its pid file; its log goes to a `logfile`.
# MODE updetach-wrongpw: updetach with a wrong password: the command
# returns pppd's status 19 once authentication fails, and nothing is left
# running.
# Usage: client_server.sh PPTPXD PPTPX SOURCE_DIR [nodetach|updetach|updetach-wrongpw]
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=${4:-nodetach}
TAG=cs
. "$(dirname "$0")/../netns_pair.sh"

pair_up

# Server: examples/server with its paths moved into the temp dir.
server_config
echo "ms-wins 10.10.0.2" >> "$T/server/options.pptpd"
ip netns exec "$NS_S" "$PPTPXD" -f --control none -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
  --ppp-options "" > "$T/server.log" 2>&1 &
SERVER_PID=$!

# Client: the example walk-through's peers file and options.pptp.
cp "$SRC/examples/client/options.pptp" "$T/client/options.pptp"
cat > "$T/client/peers/vpn-connection1" <<EOT
pty "pptp 192.168.99.1 --nolaunchpppd"
name user1
remotename PPTP
require-mppe-128
file $T/client/options.pptp
ipparam vpn-connection1
usepeerwins
ip-up-script $T/client/ip-up
ip-down-script $T/client/ip-down
EOT
echo 'user1 PPTP secret1 *' > "$T/client/chap-secrets"
chmod 600 "$T/client/chap-secrets"
for s in ip-up ip-down; do
  cat > "$T/client/$s" <<EOT
#!/bin/sh
echo "\$*" > $T/$s.args
env | sort > $T/$s.env
EOT
  chmod 755 "$T/client/$s"
done

for i in $(seq 50); do
  ip netns exec "$NS_S" ss -ltn 2>/dev/null | grep -q ':1723' && break
  sleep 0.1
done
if [ "$MODE" = updetach-wrongpw ]; then
  echo 'user1 PPTP not-the-secret *' > "$T/client/chap-secrets"
  ip netns exec "$NS_C" timeout 30 "$PPTPX" --peers-dir "$T/client/peers" call vpn-connection1 updetach \
    logfile "$T/client.log" --chap-secrets "$T/client/chap-secrets" --ppp-options "" \
    --run-dir "$T/run" > "$T/client.stderr" 2>&1
  rc=$?
  [ $rc = 19 ] || { cat "$T/client.stderr"; fail "updetach with a wrong password: status $rc, want 19"; }
  grep -q 'exiting (status 19)' "$T/client.log" || fail "the daemon's log does not end with status 19"
  pgrep -f "$T/client/peers" > /dev/null && fail "a pptpx process is left running"
  ip -n "$NS_C" link show ppp0 > /dev/null 2>&1 && fail "ppp0 left behind"
  ok "updetach, wrong password: the command returned 19 and nothing is left running"
  exit 0
elif [ "$MODE" = updetach ]; then
  ip netns exec "$NS_C" timeout 30 "$PPTPX" --peers-dir "$T/client/peers" call vpn-connection1 updetach \
    debug logfile "$T/client.log" --chap-secrets "$T/client/chap-secrets" --ppp-options "" \
    --run-dir "$T/run" > "$T/client.stderr" 2>&1
  rc=$?
  [ $rc = 0 ] || { cat "$T/client.stderr"; fail "updetach: status $rc"; }
  CLIENT_PID=$(head -1 "$T/run/pptpx-vpn-connection1.pid")
  ok "updetach returned 0 with the link up (daemon pid $CLIENT_PID)"
else
  ip netns exec "$NS_C" "$PPTPX" --peers-dir "$T/client/peers" call vpn-connection1 nodetach debug \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" \
    > "$T/client.log" 2>&1 &
  CLIENT_PID=$!
fi

up=0
for i in $(seq 100); do
  if ip -n "$NS_C" addr show dev ppp0 2>/dev/null | grep -q 'inet 10.10.0.10 peer 10.10.0.1/32'; then
    up=1; break
  fi
  kill -0 "$CLIENT_PID" 2>/dev/null || break
  sleep 0.2
done
[ $up = 1 ] || fail "client ppp0 did not come up with 10.10.0.10 peer 10.10.0.1"
ok "client ppp0 has 10.10.0.10 peer 10.10.0.1"

ip netns exec "$NS_C" ping -c 3 -i 0.3 -W 2 10.10.0.1 > "$T/ping.out" 2>&1 || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
grep -q '3 received' "$T/ping.out" || fail "ping lost packets"
ok "ping -c 3 10.10.0.1: $(grep received "$T/ping.out")"

grep -q 'MPPE 128-bit stateless compression enabled' "$T/client.log" || fail "client log has no MPPE 128-bit stateless"
ok "client log: MPPE 128-bit stateless"

for i in $(seq 20); do [ -s "$T/ip-up.args" ] && break; sleep 0.1; done
[ "$(cat "$T/ip-up.args" 2>/dev/null)" = "ppp0 ppp0 38400 10.10.0.10 10.10.0.1 vpn-connection1" ] \
  || fail "ip-up arguments: '$(cat "$T/ip-up.args" 2>/dev/null)'"
for v in IFNAME=ppp0 IPLOCAL=10.10.0.10 IPREMOTE=10.10.0.1 IPPARAM=vpn-connection1 SPEED=38400 \
         DEVICE=ppp0 "PPPD_PID=$CLIENT_PID" WINS1=10.10.0.2 USEPEERWINS=1; do
  grep -qx "$v" "$T/ip-up.env" || fail "ip-up environment lacks $v"
done
# pppd: a single ms-wins is both the primary and the secondary server.
grep -qx "WINS2=10.10.0.2" "$T/ip-up.env" || fail "ip-up environment lacks WINS2=10.10.0.2"
grep -q "^DNS1=" "$T/ip-up.env" && fail "DNS1 set without usepeerdns"
grep -q 'primary   WINS address 10.10.0.2' "$T/client.log" || fail "client log has no WINS address"
ok "ip-up: $(cat "$T/ip-up.args"); WINS1=10.10.0.2"

[ "$(head -1 "$T/run/ppp0.pid" 2>/dev/null)" = "$CLIENT_PID" ] || fail "no $T/run/ppp0.pid"
[ "$(head -1 "$T/run/pptpx-vpn-connection1.pid" 2>/dev/null)" = "$CLIENT_PID" ] || fail "no pptpx-vpn-connection1.pid"
ok "pid files"

ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || fail "server has no ppp0"
"$PPTPX" hangup vpn-connection1 --run-dir "$T/run" || fail "pptpx hangup"
rc=
for i in $(seq 150); do
  if ! kill -0 "$CLIENT_PID" 2>/dev/null; then
    if [ "$MODE" = updetach ]; then rc=$(grep -o 'exiting (status [0-9]*)' "$T/client.log" | grep -o '[0-9]*'); else wait "$CLIENT_PID"; rc=$?; fi
    break
  fi
  sleep 0.1
done
[ -n "$rc" ] || fail "client still running 15 s after hangup"
CLIENT_PID=
[ "$rc" = 0 ] || fail "client exit status $rc"
ok "client exited with status 0 after hangup"
grep -q 'LCP terminated' "$T/client.log" || fail "client log has no LCP termination"
[ -s "$T/ip-down.args" ] || fail "ip-down did not run"
[ "$(cat "$T/ip-down.args")" = "ppp0 ppp0 38400 10.10.0.10 10.10.0.1 vpn-connection1" ] ||
  fail "ip-down arguments: '$(cat "$T/ip-down.args")'"
# pppd's link statistics at ip-down: the ping above crossed the link.
for v in CONNECT_TIME BYTES_SENT BYTES_RCVD; do
  grep -qE "^$v=[0-9]+\$" "$T/ip-down.env" || fail "ip-down environment lacks $v"
done
for v in BYTES_SENT BYTES_RCVD; do
  [ "$(sed -n "s/^$v=//p" "$T/ip-down.env")" -ge 252 ] || fail "$v at ip-down is under 3 pings (3 x 84 octets)"
done
grep -q '^PEERNAME=' "$T/ip-down.env" && fail "PEERNAME set though the server did not authenticate (noauth)"
ok "ip-down: $(cat "$T/ip-down.args"); $(grep -E '^(CONNECT_TIME|BYTES_SENT|BYTES_RCVD)=' "$T/ip-down.env" | tr '\n' ' ')"
gone=0
for i in $(seq 50); do
  ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || { gone=1; break; }
  sleep 0.1
done
[ $gone = 1 ] || fail "server ppp0 still there"
ok "server ppp0 removed"
ip -n "$NS_C" link show ppp0 > /dev/null 2>&1 && fail "client ppp0 still there"
ok "client ppp0 removed"
# The hang-up order of the issue: LCP Terminate, then Call-Clear-Request
# (answered by a Call-Disconnect-Notify), then Stop-Control-Connection.
grep -q 'call [0-9]* cleared by the peer' "$T/server.log" || fail "server saw no Call-Clear-Request"
grep -q 'control connection closed: peer sent Stop-Control-Connection-Request' "$T/server.log" ||
  fail "server saw no Stop-Control-Connection-Request from the client"
ok "hang-up: LCP Terminate, Call-Clear-Request, Stop-Control-Connection"
[ -e "$T/run/ppp0.pid" ] && fail "ppp0.pid left behind"
exit 0
