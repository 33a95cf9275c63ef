#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd's sd_notify messages, as systemd would receive them: NOTIFY_SOCKET
# points at a datagram socket served by python3, which writes each message
# on a line ("|" for its newlines). In a network namespace:
# - at start: READY=1 with STATUS=0 sessions, listening on 0.0.0.0:1723;
# - SIGHUP: RELOADING=1, then READY=1 again;
# - `pptpxctl reload`: the same;
# - SIGHUP with an error in pptpd.conf: RELOADING=1, then READY=1 with the
#   status saying the reload failed and why;
# - SIGTERM: STOPPING=1, and pptpxd exits 0.
# Without NOTIFY_SOCKET pptpxd starts and stops as before (the other tests).
# Usage: systemd_notify.sh PPTPXD PPTPXCTL SOURCE_DIR
set -u
PPTPXD=$1 PPTPXCTL=$2 SRC=$3
TAG=sn
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/../client/client_common.sh"
. "$(dirname "$0")/../notify_receiver.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
pair_up
server_config
receiver notify

NOTIFY_SOCKET=$T/notify.sock ip netns exec "$NS_S" "$PPTPXD" -f -c "$T/server/pptpd.conf" \
  --chap-secrets "$T/server/chap-secrets" --ppp-options "" --control "$T/control.sock" \
  > "$T/server1.log" 2>&1 &
SERVER_PID=$!

READY='READY=1|STATUS=0 sessions, listening on 0.0.0.0:1723'
expect notify 1 "$READY"
ip netns exec "$NS_S" ss -ltn | grep -q ':1723 ' || fail "READY=1 before listening on 1723"
ok "start: $READY"

kill -HUP "$SERVER_PID"
expect notify 2 'RELOADING=1'
expect notify 3 "$READY"
ok "SIGHUP: RELOADING=1, then READY=1"

"$PPTPXCTL" --socket "$T/control.sock" reload > "$T/ctl.log" 2>&1 || fail "pptpxctl reload: $(cat "$T/ctl.log")"
expect notify 4 'RELOADING=1'
expect notify 5 "$READY"
ok "pptpxctl reload: RELOADING=1, then READY=1"

# A configuration with an error: the running one stays, and the status says so.
echo "listen not-an-address" >> "$T/server/pptpd.conf"
kill -HUP "$SERVER_PID"
expect notify 6 'RELOADING=1'
for i in $(seq 50); do [ -n "$(sed -n 7p "$T/notify.txt")" ] && break; sleep 0.1; done
FAILED_RELOAD="$READY; last reload failed: configuration has errors; keeping the running one: "
case $(sed -n 7p "$T/notify.txt") in
  "$FAILED_RELOAD"*"pptpd.conf:"*) ;;
  *) fail "after a failed reload: '$(sed -n 7p "$T/notify.txt")', want '$FAILED_RELOAD...'" ;;
esac
ok "failed reload: $(sed -n 7p "$T/notify.txt")"

kill -TERM "$SERVER_PID"
expect notify 8 'STOPPING=1'
wait "$SERVER_PID"
rc=$?
SERVER_PID=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
[ "$(wc -l < "$T/notify.txt")" = 8 ] || fail "more messages: $(tr '\n' ';' < "$T/notify.txt")"
ok "SIGTERM: STOPPING=1, exit 0"
