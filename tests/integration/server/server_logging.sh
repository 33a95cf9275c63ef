#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd's logging, in a network namespace:
# - -f: every line once on stderr, the same lines in the options file's
#   logfile; a control connection is named [address:port];
# - SIGUSR1 turns debug on and a SIGHUP with the configuration unchanged
#   keeps it on; SIGUSR1 turns it off; `debug` added to (then removed
#   from) the options file turns it on (off) at the next SIGHUP;
# - the logfile moved away (as logrotate does), SIGHUP: new lines go to a
#   new file, none to the moved one;
# - --log-level: an unknown level exits 2 naming the valid ones; warning
#   leaves out the notices;
# - a daemon with no syslog socket at /dev/log says so on stderr before it
#   detaches; with one (a tmpfs on /dev in a private mount namespace, the
#   socket served by python), it says nothing and logs to syslog, and -f
#   writes syslog only with --syslog.
# Usage: server_logging.sh PPTPXD SOURCE_DIR
set -u
PPTPXD=$1 SRC=$2
TAG=lg
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/../client/client_common.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
pair_up
server_config
LOGFILE=$T/server/pptpxd.log
echo "logfile $LOGFILE" >> "$T/server/options.pptpd"
ERR=$T/server1.log

# poke: a control connection from the client that sends one PPTP message of
# management type (dropped with a debug line), then closes.
poke() {
  ip netns exec "$NS_C" python3 - <<'PY' || fail "poke"
import socket, struct, time
s = socket.create_connection(("192.168.99.1", 1723), timeout=5)
s.sendall(struct.pack("!HHIHHI", 16, 2, 0x1A2B3C4D, 1, 0, 0))
time.sleep(0.2)
s.close()
PY
}
# signal SIG PATTERN N: sends SIG to pptpxd and waits for the Nth line
# matching PATTERN on its stderr.
signal() {
  kill -"$1" "$SERVER_PID"
  local i
  for i in $(seq 50); do [ "$(count "$ERR" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
  fail "after SIG$1: $(count "$ERR" "$2") lines '$2', want $3"
}
# dropped N: N debug lines for the poked connections, once they have ended.
dropped() {
  local i
  for i in $(seq 50); do
    [ "$(count "$ERR" 'control connection finished')" -ge "$POKES" ] && break
    sleep 0.1
  done
  [ "$(count "$ERR" 'debug: .*dropping PPTP message type 2')" = "$1" ] ||
    fail "$(count "$ERR" 'dropping PPTP message type 2') debug lines for the pokes, want $1"
}
POKES=0
poke_once() { poke; POKES=$((POKES + 1)); }

ip netns exec "$NS_S" "$PPTPXD" -f --control none -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
  --ppp-options "" > "$ERR" 2>&1 &
SERVER_PID=$!
wait_log 5 "$ERR" 'pptpxd listening' || fail "pptpxd did not start"

# ---- each line once, the log file alike, [address:port]
poke_once
dropped 0
signal USR2 'stats: ' 1
sleep 0.2  # the logfile's copy of the last line
[ -z "$(sort "$ERR" | uniq -d)" ] || fail "lines twice on stderr: $(sort "$ERR" | uniq -d)"
cmp -s "$ERR" "$LOGFILE" || fail "stderr and the logfile differ: $(diff "$ERR" "$LOGFILE")"
grep -Eq '\[192\.168\.99\.2:[0-9]+\]: CTRL: client 192\.168\.99\.2 control connection started$' "$ERR" ||
  fail "no [address:port] start line: $(grep 'connection started' "$ERR")"
grep -Eq '\[192\.168\.99\.2:[0-9]+\]: CTRL: client 192\.168\.99\.2 control connection finished$' "$ERR" ||
  fail "no [address:port] end line: $(grep 'connection finished' "$ERR")"
ok "-f: $(wc -l < "$ERR") lines, each once on stderr and the same in the logfile; $(grep -o '\[192[^]]*\]: CTRL: client [0-9.]* control connection started' "$ERR")"

# ---- debug across SIGHUP
signal USR1 'notice: debug logging on' 1
poke_once
dropped 1
signal HUP 'configuration re-read' 1
poke_once
dropped 2
grep -q 'debug logging off' "$ERR" && fail "SIGHUP turned debug off"
ok "SIGUSR1 then SIGHUP with the configuration unchanged: debug still on"
signal USR1 'notice: debug logging off' 1
poke_once
dropped 2
ok "SIGUSR1 again: debug off"
echo debug >> "$T/server/options.pptpd"
signal HUP 'notice: debug logging on' 2
poke_once
dropped 3
sed -i '/^debug$/d' "$T/server/options.pptpd"
signal HUP 'notice: debug logging off' 2
poke_once
dropped 3
ok "debug added to the options file: on at SIGHUP; removed: off at SIGHUP"

# ---- logrotate: move, SIGHUP, new file
mv "$LOGFILE" "$LOGFILE.1"
moved=$(wc -l < "$LOGFILE.1")
reread=$(count "$ERR" 'configuration re-read')
signal HUP 'configuration re-read' $((reread + 1))
signal USR2 'stats: ' 2
[ -f "$LOGFILE" ] || fail "no new logfile after SIGHUP"
grep -q 'configuration re-read' "$LOGFILE" && grep -q 'stats: ' "$LOGFILE" ||
  fail "the new logfile lacks the new lines: $(cat "$LOGFILE")"
[ "$(wc -l < "$LOGFILE.1")" = "$moved" ] || fail "lines still went to the moved file"
ok "logfile moved, SIGHUP: $(wc -l < "$LOGFILE") new lines in a new file, the moved one kept its $moved"
kill "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=

# ---- --log-level
ip netns exec "$NS_S" "$PPTPXD" -f --control none --log-level loud -c "$T/server/pptpd.conf" > "$T/bad.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "--log-level loud: exit status $rc, want 2"
grep -q "^pptpxd: unknown log level 'loud' (one of error|warning|notice|info|debug)$" "$T/bad.log" ||
  fail "--log-level loud: $(cat "$T/bad.log")"
ok "--log-level loud: $(cat "$T/bad.log"), exit status 2"
ERR=$T/server2.log
ip netns exec "$NS_S" "$PPTPXD" -f --control none --log-level warning -c "$T/server/pptpd.conf" \
  --chap-secrets "$T/server/chap-secrets" --ppp-options "" > "$ERR" 2>&1 &
SERVER_PID=$!
for i in $(seq 50); do ip netns exec "$NS_S" ss -ltn | grep -q ':1723' && break; sleep 0.1; done
poke
kill "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
grep -Eq ' (notice|info|debug): ' "$ERR" && fail "--log-level warning let through: $(grep -E ' (notice|info|debug): ' "$ERR")"
ok "--log-level warning: no notice, info or debug line ($(wc -l < "$ERR") lines)"

# ---- syslog
PIDFILE=$T/server/pptpd.pid
# stop_daemon: TERM to the pid in the pid file, then wait for its end.
stop_daemon() {
  local pid i
  for i in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
  pid=$(cat "$PIDFILE" 2>/dev/null) || fail "no pid file"
  kill "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  fail "the daemon did not stop"
}
# daemon_says LINE: a daemon started and stopped printed LINE on stderr.
daemon_says() {
  ip netns exec "$NS_S" "$PPTPXD" --control none -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
    --ppp-options "" > "$T/daemon.log" 2>&1 || fail "daemon: $(cat "$T/daemon.log")"
  stop_daemon
  grep -qxF -- "$1" "$T/daemon.log" || fail "daemon: '$(cat "$T/daemon.log")', want '$1'"
  ok "daemon, no /dev/log: $(cat "$T/daemon.log")"
}
if [ -e /dev/log ]; then
  ok "skipped the daemon without a syslog socket: this host has /dev/log"
else
  why="pptpxd: no syslog socket at /dev/log (No such file or directory)"
  daemon_says "$why: log lines will only go to the logfile $LOGFILE"
  sed -i '/^logfile /d' "$T/server/options.pptpd"
  daemon_says "$why: log lines will go nowhere (set 'logfile' in the options file or run with -f)"
fi
sed -i '/^logfile /d' "$T/server/options.pptpd"

# The rest runs in a private mount namespace with a tmpfs on /dev: /dev/null
# bound back in, and a syslog socket at /dev/log whose datagrams go to
# $T/syslog.out, one a line. Exit status: 0, 77 (no such namespace), or the
# failed step.
: > "$T/devnull"
export PPTPXD T PIDFILE
ip netns exec "$NS_S" unshare -m --propagation private bash -c '
  set -u
  mount --bind /dev/null "$T/devnull" || exit 77
  mount -t tmpfs tmpfs /dev || exit 77
  touch /dev/null && mount --bind "$T/devnull" /dev/null || exit 77
  python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
with open(sys.argv[1], \"a\") as f:
    while True:
        f.write(s.recv(4096).decode(errors=\"replace\").rstrip(\"\n\") + \"\n\")
        f.flush()
" "$T/syslog.out" &
  py=$!
  for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
  start() {  # start NAME ARGS...: pptpxd ARGS in the background, stderr in $T/NAME.log
    local name=$1
    shift
    "$PPTPXD" "$@" --control none -c "$T/server/pptpd.conf" --chap-secrets "$T/server/chap-secrets" \
      --ppp-options "" > "$T/$name.log" 2>&1 &
    PID=$!
  }
  # listening FILE: waits for the start line in FILE.
  listening() { for i in $(seq 50); do grep -q "pptpxd listening" "$1" && return 0; sleep 0.1; done; return 1; }
  stop() {  # stop PID: TERM, then wait for the end
    kill "$1"
    for i in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    return 1
  }
  # mark NAME: a line in the syslog output, once the datagrams before it are written.
  mark() { sleep 0.3; echo "MARK $1" >> "$T/syslog.out"; }
  mark daemon
  start daemon
  wait $PID || exit 2
  listening "$T/syslog.out" || exit 3
  for i in $(seq 50); do [ -s "$PIDFILE" ] && break; sleep 0.1; done
  stop "$(cat "$PIDFILE")" || exit 4
  mark fg
  start fg -f
  listening "$T/fg.log" || exit 5
  stop $PID || exit 6
  mark fg-syslog
  start fg-syslog -f --syslog
  listening "$T/fg-syslog.log" || exit 7
  stop $PID || exit 8
  mark end
  kill $py
'
rc=$?
[ "$rc" = 77 ] && { ok "skipped the syslog socket cases: no tmpfs on /dev"; exit 0; }
[ "$rc" = 0 ] || fail "syslog socket cases: step $rc"
# between A B: the syslog lines after MARK A, before MARK B.
between() { sed -n "/^MARK $1\$/,/^MARK $2\$/p" "$T/syslog.out" | grep -v '^MARK'; }
[ ! -s "$T/daemon.log" ] || fail "daemon with a syslog socket wrote to stderr: $(cat "$T/daemon.log")"
between daemon fg | grep -q 'pptpxd\[[0-9]*\]: pptpxd listening' ||
  fail "daemon: no syslog line: $(cat "$T/syslog.out")"
ok "daemon with a syslog socket: nothing on stderr, $(between daemon fg | wc -l) syslog lines"
[ -z "$(between fg fg-syslog)" ] || fail "-f wrote syslog: $(between fg fg-syslog)"
grep -q 'pptpxd listening' "$T/fg.log" || fail "-f: nothing on stderr"
ok "-f: $(wc -l < "$T/fg.log") lines on stderr, none to syslog"
n=$(between fg-syslog end | wc -l)
[ "$n" = "$(wc -l < "$T/fg-syslog.log")" ] ||
  fail "-f --syslog: $n syslog lines, $(wc -l < "$T/fg-syslog.log") on stderr"
[ -z "$(sort "$T/fg-syslog.log" | uniq -d)" ] || fail "-f --syslog: lines twice on stderr"
ok "-f --syslog: each of $n lines once on stderr and once to syslog"
exit 0
