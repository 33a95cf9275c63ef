#!/bin/bash
# SPDX-License-Identifier: MIT
# sd_notify of both programs, as systemd would receive them (each
# NOTIFY_SOCKET a datagram socket served by python3, one line a message,
# "|" for its newlines), pptpx dialing pptpxd across two namespaces:
# - pptpx nodetach (as pptpx@.service runs it): READY=1 with a STATUS
#   naming the server and the call, once the link is up, and nothing
#   before; STOPPING=1 at SIGTERM;
# - pptpxd: STATUS=1 session when the call starts, STATUS=0 sessions when
#   it has ended.
# Usage: client_notify.sh PPTPXD PPTPX SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3
TAG=cn
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"
. "$(dirname "$0")/../notify_receiver.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
pair_up
server_config

receiver server
receiver client

export NOTIFY_SOCKET=$T/server.sock
start_server
export NOTIFY_SOCKET=$T/client.sock
client_files
start_client
unset NOTIFY_SOCKET
expect server 1 'READY=1|STATUS=0 sessions, listening on 0.0.0.0:1723'

# Nothing from the client before its link is up.
for i in $(seq 100); do
  grep -q 'inet 10.10.0.10 peer' <(ip -n "$NS_C" addr show dev ppp0 2> /dev/null) && break
  [ -s "$T/client.txt" ] && fail "client notified before its link was up: $(cat "$T/client.txt")"
  sleep 0.1
done
wait_link 20 || fail "the link did not come up"
expect client 1 'READY=1|STATUS=link up with 192.168.99.1 (call office)'
expect server 2 'STATUS=1 session, listening on 0.0.0.0:1723'
ok "link up: pptpx READY=1, pptpxd STATUS=1 session"

kill -TERM "$CLIENT_PID"
expect client 2 'STOPPING=1'
wait_exit 15
[ "$RC" = 0 ] || fail "pptpx exit status '$RC' after SIGTERM"
CLIENT_PID=
expect server 3 'STATUS=0 sessions, listening on 0.0.0.0:1723'
[ "$(wc -l < "$T/client.txt")" = 2 ] || fail "more client messages: $(tr '\n' ';' < "$T/client.txt")"
ok "SIGTERM: pptpx STOPPING=1, exit 0; pptpxd STATUS=0 sessions"
