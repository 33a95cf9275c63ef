#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx life cycle against pptpxd in two network namespaces:
# MODE restart: persist + holdoff 1; pptpxd is stopped (SIGTERM) and started
#   again: ip-down runs, ppp0 goes, the client redials and ping works again.
#   Also: ip-pre-up runs (waited for, interface still down) before ip-up,
#   linkname gives LINKNAME and /run/ppp-LINKNAME.pid, `unit 3` gives ppp3,
#   `debug` logs PPTP control messages and PPP packets, `dump` the options,
#   SIGHUP drops the link and the client redials, `pptpx hangup` exits 0.
# MODE maxfail: no server; persist maxfail 2 holdoff 1: two attempts, then
#   exit status 8 (pppd's "connect failed").
# Usage: client_persist.sh PPTPXD PPTPX SOURCE_DIR restart|maxfail
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=${4:-restart}
TAG=cp
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

pair_up

server_config

stop_server() {
  kill "$SERVER_PID"
  for i in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && fail "pptpxd still running 10 s after SIGTERM"
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

cp "$SRC/examples/client/options.pptp" "$T/client/options.pptp"
cat > "$T/client/peers/office" <<EOT
pty "pptp 192.168.99.1 --nolaunchpppd"
name user1
remotename PPTP
require-mppe-128
file $T/client/options.pptp
ipparam office-vpn
linkname office
ip-pre-up-script $T/client/ip-pre-up
ip-up-script $T/client/ip-up
ip-down-script $T/client/ip-down
EOT
echo 'user1 PPTP secret1 *' > "$T/client/chap-secrets"
chmod 600 "$T/client/chap-secrets"
for s in ip-pre-up ip-up ip-down; do
  cat > "$T/client/$s" <<EOT
#!/bin/sh
state=\$(/usr/sbin/ip -o link show dev "\$1" 2>&1 | /usr/bin/cut -d'>' -f1)
echo "$s \$* LINKNAME=\$LINKNAME flags=\$state>" >> $T/scripts.log
EOT
  chmod 755 "$T/client/$s"
done
# ip-pre-up is waited for: it sleeps, and ip-up must still come after it.
sed -i '2i sleep 1' "$T/client/ip-pre-up"

if [ "$MODE" = maxfail ]; then
  start=$(date +%s)
  ip netns exec "$NS_C" timeout 60 "$PPTPX" --peers-dir "$T/client/peers" call office nodetach \
    persist maxfail 2 holdoff 1 --chap-secrets "$T/client/chap-secrets" --ppp-options "" \
    --run-dir "$T/run" > "$T/client.log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  [ "$rc" = 8 ] || fail "exit status $rc, expected 8 (connect failed)"
  n=$(grep -c 'cannot connect to 192.168.99.1 port 1723' "$T/client.log")
  [ "$n" = 2 ] || fail "$n connect attempts, expected 2"
  grep -q 'dialling again in 1 s (failed attempts 1 of 2)' "$T/client.log" || fail "no holdoff message"
  grep -q 'maxfail: 2 consecutive failed attempts, giving up' "$T/client.log" || fail "no maxfail message"
  [ "$took" -le 10 ] || fail "took $took s"
  ok "maxfail 2, no server: 2 attempts, holdoff 1 s, exit status 8 after $took s"
  # Without persist: one attempt, the same status.
  ip netns exec "$NS_C" timeout 60 "$PPTPX" --peers-dir "$T/client/peers" call office nodetach \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" > "$T/client.log" 2>&1
  rc=$?
  [ "$rc" = 8 ] || fail "no persist: exit status $rc, expected 8"
  [ "$(grep -c 'cannot connect' "$T/client.log")" = 1 ] || fail "no persist: more than one attempt"
  ok "no persist, no server: one attempt, exit status 8"
  exit 0
fi

start_server
ip netns exec "$NS_C" "$PPTPX" --peers-dir "$T/client/peers" call office nodetach debug dump \
  persist holdoff 1 unit 3 --chap-secrets "$T/client/chap-secrets" --ppp-options "" \
  --run-dir "$T/run" > "$T/client.log" 2>&1 &
CLIENT_PID=$!
wait_link 20 ppp3 || fail "ppp3 did not come up"
ping_ok || { cat "$T/ping.out"; fail "ping 10.10.0.1"; }
ok "link up on ppp3 (unit 3), ping works"

grep -q 'pptpx options in effect:' "$T/client.log" || fail "dump printed nothing"
grep -q '^holdoff 1$' "$T/client.log" || fail "dump lacks 'holdoff 1'"
ok "dump"
grep -q 'sent \[Start-Control-Connection-Request' "$T/client.log" || fail "debug: no sent SCCRQ"
grep -q 'rcvd \[Outgoing-Call-Reply' "$T/client.log" || fail "debug: no rcvd Outgoing-Call-Reply"
grep -q 'sent \[LCP ConfReq' "$T/client.log" || fail "debug: no sent [LCP ConfReq"
grep -q 'rcvd \[CCP ConfAck' "$T/client.log" || fail "debug: no rcvd [CCP ConfAck"
ok "debug logs PPTP control messages and PPP packets"

for i in $(seq 20); do grep -q '^ip-up' "$T/scripts.log" 2>/dev/null && break; sleep 0.1; done
head -2 "$T/scripts.log" > "$T/first.log"
grep -q '^ip-pre-up ppp3 ppp3 38400 10.10.0.10 10.10.0.1 office-vpn LINKNAME=office flags=.*<POINTOPOINT' "$T/first.log" \
  || fail "ip-pre-up: $(head -1 "$T/first.log")"
head -1 "$T/first.log" | grep -q '[<,]UP[,>]' && fail "interface already up during ip-pre-up"
sed -n 2p "$T/first.log" | grep -q '^ip-up ppp3 ppp3 38400 10.10.0.10 10.10.0.1 office-vpn LINKNAME=office flags=.*[<,]UP[,>]' \
  || fail "ip-up after ip-pre-up: $(sed -n 2p "$T/first.log")"
ok "ip-pre-up ran first, waited for, interface down; ip-up after; LINKNAME=office"
[ "$(sed -n 1p "$T/run/ppp-office.pid")" = "$CLIENT_PID" ] || fail "ppp-office.pid pid"
[ "$(sed -n 2p "$T/run/ppp-office.pid")" = ppp3 ] || fail "ppp-office.pid ifname"
ok "/run/ppp-office.pid: $CLIENT_PID ppp3"

t0=$(date +%s)
stop_server
gone=0
for i in $(seq 100); do
  ip -n "$NS_C" link show ppp3 > /dev/null 2>&1 || { gone=1; break; }
  sleep 0.1
done
[ $gone = 1 ] || fail "client ppp3 still there 10 s after the server stopped"
kill -0 "$CLIENT_PID" 2>/dev/null || fail "client exited instead of persisting"
grep -q '^ip-down ppp3' "$T/scripts.log" || fail "ip-down did not run"
[ -e "$T/run/ppp-office.pid" ] && fail "ppp-office.pid left while down"
ok "server stopped: ip-down ran, ppp3 removed, the client keeps running"

sleep 2   # a few refused attempts while the server is away
start_server
wait_link 20 ppp3 || fail "the link did not come back after the server restart"
ping_ok || { cat "$T/ping.out"; fail "ping after redial"; }
took=$(( $(date +%s) - t0 ))
[ "$took" -le 30 ] || fail "link back after $took s"
grep -q 'dialling again in 1 s' "$T/client.log" || fail "no redial message"
ok "server restarted: the client redialled, ping works again ($took s after the stop)"

# SIGHUP drops the link; with persist the client dials again.
n_up=$(grep -c '^ip-up' "$T/scripts.log")
kill -HUP "$CLIENT_PID"
for i in $(seq 100); do
  [ "$(grep -c '^ip-up' "$T/scripts.log")" -gt "$n_up" ] && break
  sleep 0.2
done
[ "$(grep -c '^ip-up' "$T/scripts.log")" -gt "$n_up" ] || fail "no new link after SIGHUP"
wait_link 10 ppp3 && ping_ok || fail "link after SIGHUP"
grep -q 'hangup (SIGHUP)' "$T/client.log" || fail "no SIGHUP log line"
ok "SIGHUP: link dropped and dialled again"

"$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
wait_exit 15 || fail "client still running 15 s after hangup"
[ "$RC" = 0 ] || fail "client exit status $RC after hangup"
ip -n "$NS_C" link show ppp3 > /dev/null 2>&1 && fail "ppp3 still there"
ok "pptpx hangup office: exit 0, ppp3 removed"
exit 0
