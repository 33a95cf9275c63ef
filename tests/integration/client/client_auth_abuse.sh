#!/bin/bash
# SPDX-License-Identifier: MIT
# Password guessing (issue 14, section 2): 300 wrong passwords for "admin"
# from one address (192.168.98.2, a third namespace routed to the server's
# 192.168.98.1), by pptpx processes 24 at a time, each trying twice (the
# server offers MS-CHAP retries). pptpd.conf blocks the source after 20
# failures (auth-block-source 20; no user blocks, auth-block-user 0, so
# that the source's is the one seen), so most attempts are refused at once.
# Meanwhile user1's live session from 192.168.99.2 passes ping, and user2
# logs in from 192.168.99.2 without delay (its set-up time is measured and
# the server says nothing of delaying it). pptpxctl blocks shows the block
# with its count, the log says it once, pptpxctl unblock ends it.
# Usage: client_auth_abuse.sh PPTPXD PPTPX SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3
TAG=au
LABEL=auth
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
PPTPXCTL=$(dirname "$PPTPXD")/pptpxctl
NS_A=px$TAG-a-$ID
trap 'touch "$T/attack.stop"; pair_cleanup' EXIT

pair_up
link_ns "$NS_A" 192.168.98.2 "$NS_S" 192.168.98.1

server_config
sed -i 's/^remoteip .*/remoteip 10.10.0.10-40/' "$T/server/pptpd.conf"
cat >> "$T/server/pptpd.conf" << 'CONF'
waiting-per-source 64
auth-free-failures 2
auth-max-delay 1
auth-block-source 20
auth-block-user 0
auth-block-time 600
CONF
echo 'admin		pptpd	not-what-they-guess	*' >> "$T/server/chap-secrets"
start_server
client_files
start_client
wait_link 20 || fail "no link before the attack: $(tail -5 "$T/client.log")"
ping_ok || fail "no ping before the attack"
ok "user1's session up from 192.168.99.2, ping passes"

# The attacker: pptpx as admin with a wrong password, to 192.168.98.1.
mkdir -p "$T/attacker/peers"
sed -e 's/^name user1/name admin/' -e 's/192.168.99.1/192.168.98.1/' \
  -e '/^ip-up-script\|^ip-down-script/d' "$T/client/peers/office" > "$T/attacker/peers/attack"
echo 'admin PPTP wrong-guess *' > "$T/attacker/chap-secrets"
chmod 600 "$T/attacker/chap-secrets"
attack() {
  local i=0 j
  while [ ! -f "$T/attack.stop" ]; do
    for j in $(seq 24); do
      i=$((i + 1))
      mkdir -p "$T/run-a$i"
      timeout 20 ip netns exec "$NS_A" "$PPTPX" --peers-dir "$T/attacker/peers" call attack \
        nodetach --chap-secrets "$T/attacker/chap-secrets" --ppp-options "" \
        --run-dir "$T/run-a$i" > "$T/attack-last.out" 2>&1 &
    done
    wait
  done
}

# attempts: the client authentications pptpxd has answered no to (wrong
# password, unknown user, refused while blocked).
stats() { "$PPTPXCTL" --socket "$T/control.sock" stats --json > "$T/stats.json" || fail "pptpxctl stats"; }
attempts() {
  stats
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))
print(s["auth_blocked_refusals"] + sum(sum(r.values()) for r in s["auth_failures"].values()))' \
    "$T/stats.json"
}
stat() { stats; python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/stats.json" "$1"; }

start=$SECONDS
attack &
echo $! > "$T/attack.pid"
sleep 3
ping_ok || fail "user1's session passes no ping during the attack"
ok "user1's session: ping passes during the attack ($(attempts) attempts so far)"

# user2 from 192.168.99.2 while the attack goes on: served at once.
sed -e 's/^name user1/name user2/' "$T/client/peers/office" > "$T/client/peers/office2"
echo 'unit 1' >> "$T/client/peers/office2"
echo 'user2 PPTP secret2 *' > "$T/client/chap-secrets2"
chmod 600 "$T/client/chap-secrets2"
mkdir -p "$T/run2"
t0=$(date +%s%N)
ip netns exec "$NS_C" "$PPTPX" --peers-dir "$T/client/peers" call office2 nodetach \
  --chap-secrets "$T/client/chap-secrets2" --ppp-options "" --run-dir "$T/run2" \
  > "$T/client2.log" 2>&1 &
USER2_PID=$!
echo $USER2_PID > "$T/user2.pid"
for i in $(seq 100); do
  ip -n "$NS_C" addr show dev ppp1 2> /dev/null | grep -q 'inet 10.10.0.50 peer 10.10.0.1/32' && break
  sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
ip -n "$NS_C" addr show dev ppp1 2> /dev/null | grep -q 'inet 10.10.0.50' ||
  fail "user2 is not served during the attack: $(tail -5 "$T/client2.log")"
[ "$ms" -lt 5000 ] || fail "user2's login took $ms ms during the attack"
grep -q "user 'user2'.*answering in" "$T/server1.log" && fail "user2's login was delayed"
ok "user2 from 192.168.99.2 up in $ms ms during the attack, not delayed"

for i in $(seq 50); do
  n=$(attempts)
  [ "$n" -ge 300 ] && break
  [ $((SECONDS - start)) -lt 100 ] || break
  sleep 1
done
touch "$T/attack.stop"
wait "$(cat "$T/attack.pid")"
n=$(attempts)
[ "$n" -ge 300 ] || fail "only $n wrong-password attempts in $((SECONDS - start)) s"
ok "$n wrong-password attempts from 192.168.98.2 in $((SECONDS - start)) s"
ping_ok || fail "user1's session passes no ping after the attack"
ping_ok 10.10.0.1 || fail "no ping after the attack"
ok "user1's session still passes ping"
kill "$USER2_PID"

r=$(stat auth_blocked_refusals)
b=$(stat auth_blocks_started)
[ "$r" -gt 200 ] || fail "auth_blocked_refusals $r"
[ "$b" -ge 1 ] || fail "auth_blocks_started $b"
lines=$(count "$T/server1.log" 'failed logins from 192.168.98.2: refusing its logins')
[ "$lines" = 1 ] || fail "$lines block lines for 192.168.98.2"
ok "blocked once: $(grep -o '[0-9]* failed logins from 192.168.98.2: refusing its logins for [0-9]* s' "$T/server1.log"); $r refused unchecked"
"$PPTPXCTL" --socket "$T/control.sock" blocks > "$T/blocks.out" || fail "pptpxctl blocks"
grep -q '^address *192.168.98.2 .*blocked' "$T/blocks.out" || fail "pptpxctl blocks: $(cat "$T/blocks.out")"
ok "pptpxctl blocks: $(grep 192.168.98.2 "$T/blocks.out")"
"$PPTPXCTL" --socket "$T/control.sock" unblock 192.168.98.2 > /dev/null || fail "pptpxctl unblock"
"$PPTPXCTL" --socket "$T/control.sock" blocks > "$T/blocks.out"
grep -q '192.168.98.2' "$T/blocks.out" && fail "192.168.98.2 still listed after unblock"
ok "pptpxctl unblock 192.168.98.2 ends the block"
warnings=$(grep -c "authentication failed for user 'admin'" "$T/server1.log")
[ "$warnings" -le 40 ] || fail "$warnings failure lines for admin: refusals are logged at debug only"
exit 0
