#!/bin/bash
# SPDX-License-Identifier: MIT
# Each failure names its cause and the fix, on the side that can tell,
# within seconds (pptpx against pptpxd in two network namespaces):
# MODE gre-in:   nftables drops GRE into the client: pptpx warns within
#                10 s that no GRE comes from the server, and ends with
#                "not one GRE packet came from" it (exit 10);
# MODE gre-out:  GRE dropped into the server: pptpxd's notice within 10 s
#                ("no GRE from 192.168.99.2 after 5 s"), pptpx ends with
#                "our GRE ... does not reach" the server (exit 10);
# MODE gre-reject: the server's firewall rejects GRE (ICMP administratively
#                prohibited): pptpx names it from the ICMP within 10 s;
# MODE wrongpw:  "the server rejected user1's password (MS-CHAP-v2 E=691",
#                never "no secret" (exit 19);
# MODE nomppe:   the peers file has nomppe, the server requires MPPE:
#                "the server requires MPPE ...; this peers file has nomppe";
# MODE full:     one address in remoteip, a second client: "the server
#                refused the call: result 2 (general error), error 4 (no
#                resource): the server is full" (exit 8);
# MODE port:     TCP 1723 dropped, default detach, --connect-timeout 3: the
#                parent prints "cannot connect to ... no answer in 3 s" and
#                exits 8 within 10 s;
# MODE hangup:   SIGTERM to a connected pptpx: "call cleared at our
#                request", never "disconnected by the server" (exit 0).
# Usage: client_failures.sh PPTPXD PPTPX SOURCE_DIR MODE
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4
TAG=fl
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"
command -v nft > /dev/null || { echo "skip: no nft"; exit 77; }

# drop NS RULE [VERDICT]: an input rule in namespace NS that drops (or
# VERDICT) what RULE matches.
drop() {
  ip netns exec "$1" nft -f - <<EOT || fail "nft: cannot add '$2'"
table inet pxfail {
  chain input {
    type filter hook input priority 0;
    $2 ${3:-drop}
  }
}
EOT
}
# client_exit SECONDS: waits for pptpx to end; its status in RC.
client_exit() {
  wait_exit "$1" || fail "pptpx still runs after $1 s: $(tail -3 "$T/client.log")"
}
has() { grep -qF -- "$2" "$1" || fail "no '$2' in $(basename "$1"): $(cat "$1")"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "'$2' in $(basename "$1")"; }

pair_up
server_config
case "$MODE" in
  gre-in | gre-out)
    [ "$MODE" = gre-in ] && drop "$NS_C" "ip protocol gre" || drop "$NS_S" "ip protocol gre"
    start_server
    client_files "lcp-max-configure 4"
    start=$SECONDS
    start_client
    if [ "$MODE" = gre-in ]; then
      wait_log 10 "$T/client.log" "no GRE from 192.168.99.1 5 s after the call connected" ||
        fail "pptpx did not say GRE is missing within 10 s: $(cat "$T/client.log")"
      ok "pptpx within $((SECONDS - start)) s: $(grep -o 'no GRE from.*arrive' "$T/client.log")"
      client_exit 30
      [ "$RC" = 10 ] || fail "exit status $RC, want 10"
      has "$T/client.log" "LCP negotiation failed: not one GRE packet came from 192.168.99.1"
    else
      wait_log 10 "$T/server1.log" "no GRE from 192.168.99.2 after 5 s: IP protocol 47 blocked" ||
        fail "pptpxd did not say GRE is missing within 10 s: $(cat "$T/server1.log")"
      ok "pptpxd within $((SECONDS - start)) s: $(grep -o 'call from.*blocked between us?' "$T/server1.log")"
      client_exit 30
      [ "$RC" = 10 ] || fail "exit status $RC, want 10"
      has "$T/client.log" "the server's GRE arrives but it never answered ours"
      "$(dirname "$PPTPXD")/pptpxctl" --socket "$T/control.sock" stats --json > "$T/stats.json" ||
        fail "pptpxctl stats"
      grep -q '"calls_without_gre": *1' "$T/stats.json" || fail "calls_without_gre: $(cat "$T/stats.json")"
    fi
    ok "pptpx exit $RC: $(grep -o 'error: .*' "$T/client.log" | tail -1)"
    ;;
  gre-reject)
    drop "$NS_S" "ip protocol gre" "reject with icmp type admin-prohibited"
    start_server
    client_files "lcp-max-configure 4"
    start=$SECONDS
    start_client
    want="GRE to 192.168.99.1 is administratively prohibited (ICMP from 192.168.99.1): a firewall rejects IP protocol 47 (GRE); allow it both ways"
    wait_log 10 "$T/client.log" "$want" || fail "pptpx did not say within 10 s: $want"
    ok "pptpx within $((SECONDS - start)) s: $want"
    [ "$(grep -c 'administratively prohibited' "$T/client.log")" = 1 ] || fail "said more than once"
    client_exit 30
    [ "$RC" = 10 ] || fail "exit status $RC, want 10"
    ;;
  wrongpw)
    sed -i 's/secret1/another-secret/' "$T/server/chap-secrets"
    start_server
    client_files
    start_client
    client_exit 20
    [ "$RC" = 19 ] || fail "exit status $RC, want 19"
    has "$T/client.log" "the server rejected user1's password (MS-CHAP-v2 E=691 (authentication failure)"
    hasnt "$T/client.log" "no secret"
    ok "exit 19: $(grep -o 'error: .*' "$T/client.log" | head -1)"
    ;;
  nomppe)
    start_server
    client_files nomppe
    start_client
    client_exit 20
    has "$T/client.log" "the server requires MPPE (it ended the link: \"MPPE required but peer negotiation failed\"); this peers file has nomppe"
    ok "exit $RC: $(grep -o 'error: .*' "$T/client.log" | head -1)"
    ;;
  full)
    sed -i 's/^remoteip .*/remoteip 10.10.0.10/' "$T/server/pptpd.conf"
    start_server
    client_files
    cp "$T/client/peers/office" "$T/client/peers/second"
    start_client
    wait_link 20 || fail "the first client's link did not come up"
    ip netns exec "$NS_C" timeout 20 "$PPTPX" --peers-dir "$T/client/peers" call second nodetach \
      --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run" > "$T/second.log" 2>&1
    rc=$?
    [ "$rc" = 8 ] || fail "second client: exit status $rc, want 8"
    has "$T/second.log" "the server refused the call: result 2 (general error), error 4 (no resource): the server is full"
    ok "second client exit 8: $(grep -o 'error: .*' "$T/second.log" | head -1)"
    ;;
  port)
    drop "$NS_S" "tcp dport 1723"
    start_server
    client_files
    start=$SECONDS
    # Default detach: the parent waits for the connect and reports it.
    ip netns exec "$NS_C" timeout 20 "$PPTPX" --peers-dir "$T/client/peers" call office \
      --connect-timeout 3 --chap-secrets "$T/client/chap-secrets" --ppp-options "" \
      --run-dir "$T/run" > "$T/client.log" 2>&1
    rc=$? took=$((SECONDS - start))
    [ "$rc" = 8 ] || fail "exit status $rc, want 8: $(cat "$T/client.log")"
    [ "$took" -le 10 ] || fail "the parent took $took s"
    has "$T/client.log" "pptpx: cannot connect to 192.168.99.1 port 1723: no answer in 3 s"
    ok "default detach: exit 8 after $took s: $(head -1 "$T/client.log")"
    ;;
  hangup)
    start_server
    client_files
    start_client
    wait_link 20 || fail "the link did not come up"
    kill -TERM "$CLIENT_PID"
    client_exit 15
    [ "$RC" = 0 ] || fail "exit status $RC, want 0"
    has "$T/client.log" "CTRL: call cleared at our request (result 4 (request)"
    hasnt "$T/client.log" "disconnected by the server"
    ok "exit 0: $(grep -o 'CTRL: call cleared.*' "$T/client.log")"
    ;;
  *) echo "unknown mode $MODE"; exit 2 ;;
esac
exit 0
