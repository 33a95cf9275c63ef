#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd's listen backlog and its overflow counters, in a network namespace
# with net.core.somaxconn 8:
# - no listen-backlog: pptpxd takes somaxconn ("(backlog 8)" at start);
# - pptpxd stopped (SIGSTOP), a burst of 1000 TCP connects to port 1723:
#   the accept queue fills and the kernel drops the rest of the handshakes;
#   after SIGCONT, SIGUSR2's stats line shows "listen queue N/8" and a
#   non-zero "overflows" (TcpExt ListenOverflows since start);
# - listen-backlog 100 is capped to somaxconn with a notice; listen-backlog
#   0 is a configuration error (file:line, exit status 2).
# Usage: listen_backlog.sh PPTPXD SOURCE_DIR
set -u
PPTPXD=$1 SRC=$2
TAG=lb
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/../client/client_common.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
pair_up
server_config
ip netns exec "$NS_S" sysctl -qw net.core.somaxconn=8 || { echo "skip: somaxconn is not per namespace"; exit 77; }

start_server
wait_log 5 "$T/server1.log" 'listening on 0.0.0.0:1723 (backlog 8)' ||
  fail "start: $(grep listening "$T/server1.log")"
ok "no listen-backlog: the backlog is net.core.somaxconn (8)"

# stats_line: SIGUSR2, then the newest stats line of the current log.
stats_line() {
  local log=$T/server$SERVER_RUNS.log n
  n=$(count "$log" 'stats: ')
  kill -USR2 "$SERVER_PID"
  for i in $(seq 50); do [ "$(count "$log" 'stats: ')" -gt "$n" ] && break; sleep 0.1; done
  grep 'stats: ' "$log" | tail -1
}
line=$(stats_line)
echo "$line" | grep -q 'listen queue 0/8 overflows 0 drops 0 (namespace) accept errors 0' ||
  fail "stats before the burst: $line"

kill -STOP "$SERVER_PID"
ip netns exec "$NS_C" python3 - <<'PY' || fail "burst"
import resource, socket, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
socks = []
for _ in range(1000):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("192.168.99.1", 1723))
    socks.append(s)
time.sleep(1.5)  # the SYN retransmission after 1 s overflows again
for s in socks:
    s.close()
PY
kill -CONT "$SERVER_PID"
line=$(stats_line)
overflows=$(echo "$line" | sed -n 's/.*overflows \([0-9]*\) drops.*/\1/p')
queue=$(echo "$line" | sed -n 's/.*listen queue \([0-9]*\/[0-9]*\) .*/\1/p')
[ -n "$overflows" ] && [ "$overflows" -gt 0 ] || fail "no overflows counted: $line"
case "$queue" in */8) ;; *) fail "queue: $line" ;; esac
echo "$line" | grep -q 'accept errors 0' || fail "accept errors: $line"
ok "1000 connects at a stopped server: overflows $overflows counted, queue $queue"
wait_log 5 "$T/server1.log" 'CTRL: client 192.168.99.2 control connection started' ||
  fail "the queued connections were not accepted after SIGCONT"
ok "queued connections accepted after SIGCONT: $(count "$T/server1.log" 'control connection started')"

kill "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
echo "listen-backlog 100" >> "$T/server/pptpd.conf"
start_server
wait_log 5 "$T/server2.log" 'listen-backlog 100 is capped to 8 by net.core.somaxconn' ||
  fail "no cap notice: $(head -3 "$T/server2.log")"
grep -q '(backlog 8)' "$T/server2.log" || fail "backlog: $(grep listening "$T/server2.log")"
ok "listen-backlog 100: capped to somaxconn 8 with a notice"
kill "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=

sed -i 's/^listen-backlog .*/listen-backlog 0/' "$T/server/pptpd.conf"
n=$(grep -n '^listen-backlog' "$T/server/pptpd.conf" | cut -d: -f1)
ip netns exec "$NS_S" "$PPTPXD" -f --control none -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
  --ppp-options "" > "$T/bad.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "listen-backlog 0: exit status $rc, want 2"
grep -q "^pptpxd: $T/server/pptpd.conf:$n: listen-backlog value '0' is not a number from 1 to 65535$" "$T/bad.log" ||
  fail "listen-backlog 0: $(cat "$T/bad.log")"
ok "listen-backlog 0: $(sed 's/^pptpxd: .*\///' "$T/bad.log"), exit status 2"
exit 0
