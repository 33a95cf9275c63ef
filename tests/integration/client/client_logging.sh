#!/bin/bash
# SPDX-License-Identifier: MIT
# Where pptpx sends its log, as pppd does, with the link up and hung up
# against pptpxd in two network namespaces:
#   nodetach logfd 3 3>FILE: the log in FILE, nothing on stderr;
#   nodetach nologfd: nothing on stderr (syslog only);
#   nodetach logfile FILE: the log in FILE, nothing on stderr (pppd: logfile
#   replaces the log fd);
#   nodetach alone: the log on stderr.
# Usage: client_logging.sh PPTPXD PPTPX SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3
TAG=lg
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

pair_up
server_config
start_server
client_files

# one_run NAME ARGS...: dial with ARGS (stderr in $T/NAME.stderr, fd 3 on
# $T/NAME.fd3), wait for the link, hang up, check exit 0.
one_run() {
  local name=$1
  shift
  LABEL=$name
  ip netns exec "$NS_C" "$PPTPX" --peers-dir "$T/client/peers" call office nodetach "$@" \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" \
    > "$T/$name.stdout" 2> "$T/$name.stderr" 3> "$T/$name.fd3" &
  CLIENT_PID=$!
  wait_link 20 || fail "ppp0 did not come up"
  "$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
  wait_exit 15 || fail "client still running 15 s after hangup"
  [ "$RC" = 0 ] || fail "exit status $RC"
  wait_gone 5 || fail "ppp0 left behind"
}

# has_log FILE: the whole life of the link is in FILE.
has_log() {
  grep -q 'notice: connecting to 192.168.99.1 (192.168.99.1) port 1723$' "$1" &&
    grep -q 'notice: local  IP address 10.10.0.10$' "$1" &&
    grep -q 'info: LCP terminated: ' "$1"
}

one_run logfd logfd 3
has_log "$T/logfd.fd3" || { cat "$T/logfd.fd3"; fail "fd 3 does not hold the log"; }
[ -s "$T/logfd.stderr" ] && { cat "$T/logfd.stderr"; fail "log also on stderr"; }
[ -s "$T/logfd.stdout" ] && fail "output on stdout"
ok "logfd 3: $(wc -l < "$T/logfd.fd3") lines on fd 3, stderr and stdout empty"

one_run nologfd nologfd
[ -s "$T/nologfd.stderr" ] && { cat "$T/nologfd.stderr"; fail "log on stderr"; }
[ -s "$T/nologfd.fd3" ] && fail "log on fd 3"
ok "nologfd: nothing on stderr"

one_run logfile logfile "$T/logfile.log"
has_log "$T/logfile.log" || { cat "$T/logfile.log"; fail "the logfile does not hold the log"; }
[ -s "$T/logfile.stderr" ] && { cat "$T/logfile.stderr"; fail "log also on stderr"; }
ok "nodetach logfile: $(wc -l < "$T/logfile.log") lines in the file, stderr empty"

one_run stderr
has_log "$T/stderr.stderr" || { cat "$T/stderr.stderr"; fail "no log on stderr"; }
[ -s "$T/stderr.fd3" ] && fail "log on fd 3"
ok "nodetach: the log on stderr"
exit 0
