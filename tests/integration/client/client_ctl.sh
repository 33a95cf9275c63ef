#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxctl against a running pptpxd with two pptpx sessions: user1 from
# 192.168.99.2 and user2 (fixed address 10.10.0.50) from a second client
# namespace on 192.168.97.0/24.
# - `sessions --json` lists both with their users, client addresses and
#   ports, addresses, auth and MPPE; user1's byte counts grow while ping runs;
#   the table for people has a header and both users;
# - `stats --json` counts the two calls and sessions, and its traffic
#   counters grow by the pings sent (23 echo requests and replies, within 3
#   packets of other traffic), with no drop;
# - `debug on`, then `reload`: pptpxd logs both, and debug stays on across
#   the reload (the kill below is logged at debug: its LCP TermReq);
# - `kill user1 --reason ...` ends exactly that session: pptpxd logs who and
#   why, the client exits with pppd's status for a hang-up (16), user2 keeps
#   passing traffic; `kill nobody` exits 1 naming the target;
# - the control socket survives garbage, a line over 4096 bytes and a client
#   that sends requests and never reads: pptpxctl still gets answers;
# - a missing socket is named with the fix.
# Usage: client_ctl.sh PPTPXD PPTPX SOURCE_DIR PPTPXCTL
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 PPTPXCTL=$4
TAG=ct
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

NS_C2=px$TAG-c2-$ID
pair_up
link_ns "$NS_S" 192.168.97.1 "$NS_C2" 192.168.97.2

server_config
start_server
client_files
sed -e 's/^name user1$/name user2/' -e 's/pptp 192.168.99.1 /pptp 192.168.97.1 /' \
  "$T/client/peers/office" > "$T/client/peers/office2"
echo 'user2 PPTP secret2 *' >> "$T/client/chap-secrets"
mkdir -p "$T/run2"

ctl() { "$PPTPXCTL" --socket "$T/control.sock" "$@"; }
# jq-less JSON reading: python3 prints one expression of the parsed input.
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# One after the other: each call takes an address slot as it starts, so
# user1 first gets 10.10.0.10 (user2's fixed address leaves its slot unused).
start_client
wait_link 20 || fail "user1's link did not come up"
start_client2 "$NS_C2" office2 "$T/run2"
ok "two sessions up"

ctl sessions --json > "$T/s1.json" || fail "pptpxctl sessions --json failed"
ctl stats --json > "$T/stats1.json" || fail "pptpxctl stats --json failed"
[ "$(jget 'len(d)' < "$T/s1.json")" = 2 ] || fail "not two sessions: $(cat "$T/s1.json")"
[ "$(jget '" ".join(sorted(s["user"] for s in d))' < "$T/s1.json")" = "user1 user2" ] ||
  fail "users: $(cat "$T/s1.json")"
u1() { jget "[s for s in d if s['user']=='user1'][0]$1"; }
[ "$(u1 "['address']" < "$T/s1.json")" = 10.10.0.10 ] || fail "user1's address"
[ "$(jget "[s for s in d if s['user']=='user2'][0]['address']" < "$T/s1.json")" = 10.10.0.50 ] ||
  fail "user2's address"
[ "$(u1 "['client']" < "$T/s1.json")" = 192.168.99.2 ] || fail "user1's client address"
[ "$(u1 "['client_port']>1023" < "$T/s1.json")" = True ] || fail "user1's client port"
[ "$(u1 "['mppe']" < "$T/s1.json")" = "128-bit stateless" ] || fail "user1's MPPE"
[ "$(u1 "['auth']" < "$T/s1.json")" = MS-CHAP-v2 ] || fail "user1's authentication"
ok "sessions --json: users, addresses, client address and port, MPPE"

ping_ok || fail "ping user1"
ip netns exec "$NS_C" ping -c 20 -i 0.05 -s 500 -W 2 10.10.0.1 > /dev/null 2>&1
ctl sessions --json > "$T/s2.json" || fail "pptpxctl sessions --json failed"
ctl stats --json > "$T/stats2.json" || fail "pptpxctl stats --json failed"
b1=$(u1 "['bytes_in']" < "$T/s1.json") b2=$(u1 "['bytes_in']" < "$T/s2.json")
p1=$(u1 "['packets_out']" < "$T/s1.json") p2=$(u1 "['packets_out']" < "$T/s2.json")
# 23 echo requests of 28 + 56 or 500 octets came in, as many replies went out.
[ $((b2 - b1)) -ge $((20 * 528 + 3 * 84)) ] || fail "user1's bytes in grew by $((b2 - b1)) only"
[ $((p2 - p1)) -ge 23 ] || fail "user1's packets out grew by $((p2 - p1)) only"
ok "bytes in grew by $((b2 - b1)), packets out by $((p2 - p1)) over 23 pings"

# The server-wide counters: the same pings, and nothing dropped. One
# python3 for every check: each start costs time on a loaded machine.
python3 - "$T/stats1.json" "$T/stats2.json" > "$T/stats.check" <<'PY' || fail "stats: $(cat "$T/stats.check")"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sent = 20 * 528 + 3 * 84  # 20 pings of 500 octets and 3 of 56, with IP and ICMP headers
grew = {k: b[k] - a[k] for k in ("packets_in", "packets_out", "bytes_in", "bytes_out")}
bad = [f"{k} grew by {n}, want 23 pings (+3)" for k, n in grew.items()
       if k.startswith("packets") and not 23 <= n <= 26]
bad += [f"{k} grew by {n}, want {sent}" for k, n in grew.items()
        if k.startswith("bytes") and not sent <= n <= sent + 3 * 1500]
drops = sum(b["drops"]["data_path"].values()) + sum(b["drops"]["mppe"].values())
if drops:
    bad.append(f"drops: {b['drops']}")
if (b["auth_successes"].get("MS-CHAP-v2"), b["setups"]) != (2, 2):
    bad.append(f"auth successes {b['auth_successes']}, set-ups {b['setups']}: want 2 and 2")
print("; ".join(bad) if bad else
      f"packets in {grew['packets_in']}, out {grew['packets_out']}, bytes in {grew['bytes_in']} for {sent} sent; no drops")
sys.exit(1 if bad else 0)
PY
ok "stats: $(cat "$T/stats.check")"

ctl sessions > "$T/table.out" || fail "pptpxctl sessions failed"
head -1 "$T/table.out" | grep -q '^IFACE  *USER  *CLIENT  *ADDRESS' || fail "table header: $(cat "$T/table.out")"
grep -q 'user1  *192.168.99.2:[0-9]*  *10.10.0.10 ' "$T/table.out" || fail "user1's row: $(cat "$T/table.out")"
ctl stats --json > "$T/stats.json" || fail "pptpxctl stats failed"
[ "$(jget 'd["calls"], d["sessions"]' < "$T/stats.json")" = "2 2" ] ||
  fail "stats: $(cat "$T/stats.json")"
ctl show user2 | grep -q '^address: *10.10.0.50$' || fail "show user2"
ok "sessions table, stats and show"

# The control socket against misbehaving clients.
python3 - "$T/control.sock" <<'PY' || fail "misbehaving clients"
import socket, sys, time
path = sys.argv[1]
g = socket.socket(socket.AF_UNIX); g.connect(path)
g.sendall(b"\x00\xff garbage {{{\n" + b"x" * 5000)
g.settimeout(5)
got = b""
while True:
    c = g.recv(65536)
    if not c: break
    got += c
assert b"unknown command" in got and b"request longer than 4096" in got, got
lazy = socket.socket(socket.AF_UNIX); lazy.connect(path)
lazy.sendall(b"sessions\n" * 1000)   # never reads the answers
time.sleep(0.5)
PY
ctl version | grep -q '^pptpxd ' || fail "no answer after the misbehaving clients"
ok "control socket survives garbage, an oversized line and a client that never reads"

ctl debug on | grep -q 'debug logging on' || fail "debug on"
wait_log 5 "$T/server1.log" "debug logging on" || fail "pptpxd did not log 'debug logging on'"
ctl reload > "$T/reload.out" || fail "pptpxctl reload: $(cat "$T/reload.out")"
wait_log 5 "$T/server1.log" "configuration re-read" || fail "pptpxd did not log the reload"
ok "debug on and reload: both logged"

ctl kill user1 --reason "maintenance window" > "$T/kill.out" || fail "pptpxctl kill failed"
grep -q 'disconnected 1 session' "$T/kill.out" || fail "kill said: $(cat "$T/kill.out")"
wait_exit 15 || fail "user1's client did not exit"
[ "$RC" = 16 ] || fail "user1's client exited with $RC, not 16 (hang-up)"
wait_log 5 "$T/server1.log" "disconnecting user 'user1' (ppp[0-9]*): maintenance window" ||
  fail "pptpxd did not log who and why"
grep -q 'the server hung up: "maintenance window"' "$T/client.log" || fail "the client did not log who hung up and why"
grep -q "sent \[LCP TermReq .*maintenance window" "$T/server1.log" ||
  fail "no debug line for the LCP Terminate-Request: debug did not survive the reload"
ip netns exec "$NS_C2" ping -c 3 -i 0.3 -W 2 10.10.0.1 > "$T/ping2.out" 2>&1 &&
  grep -q '3 received' "$T/ping2.out" || fail "user2 lost traffic after user1 was killed"
[ "$(ctl sessions --json | jget '[s["user"] for s in d]')" = "['user2']" ] ||
  fail "after the kill: $(ctl sessions --json)"
ok "kill user1: client exited 16 with the reason, user2 still passes traffic"

ctl kill nobody 2> "$T/err.out" && fail "kill nobody succeeded"
grep -q "no session matches 'nobody'" "$T/err.out" || fail "kill nobody said: $(cat "$T/err.out")"
"$PPTPXCTL" --socket "$T/none.sock" sessions 2> "$T/err.out" && fail "a missing socket worked"
grep -q "no control socket at $T/none.sock: is pptpxd running?" "$T/err.out" ||
  fail "missing socket said: $(cat "$T/err.out")"
ok "unknown session and missing socket: exit 1 with the cause"
echo "PASS"
