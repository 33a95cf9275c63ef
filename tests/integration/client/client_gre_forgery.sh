#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14: forged GRE cannot freeze or hijack a session. Two pptpx clients
# (user1 192.168.99.2, user2 192.168.99.3) and an attacker (192.168.99.66)
# on one bridge in the server's namespace. While both clients ping through
# their tunnels for 20 s, the attacker sends, with each client's address as
# source and its session's call ID, random sequence numbers and payloads,
# packets 2^30 ahead, and MPPE packets with coherency-count jumps
# (gre_forge.py). Then:
# - each ping loses at most 1%;
# - every forged packet is counted by pptpxd under a named drop (gre_stale,
#   gre_duplicate or gre_invalid: the payload failed validation and the GRE
#   state was left as it was), and the far-ahead ones under gre_invalid_far;
# - pptpxd's CPU (utime + stime from /proc) stays under $CPU_BOUND_PCT% of
#   one core over the attack (see docs/resilience.md, section 9).
# Usage: client_gre_forgery.sh PPTPXD PPTPX SOURCE_DIR PPTPXCTL [RATE]
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 PPTPXCTL=$4 RATE=${5:-300}
CPU_BOUND_PCT=${CPU_BOUND_PCT:-15}
TAG=gf
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

NS_C2=px$TAG-c2-$ID NS_A=px$TAG-a-$ID
forge_cleanup() {
  pair_cleanup
  ip netns del "$NS_C2" 2>/dev/null
  ip netns del "$NS_A" 2>/dev/null
}
trap forge_cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
ip netns add "$NS_S" 2>/dev/null || { echo "skip: no ip netns"; exit 77; }
BR=br$TAG$ID
ip -n "$NS_S" link add "$BR" type bridge || { echo "skip: no bridge"; exit 77; }
ip -n "$NS_S" addr add 192.168.99.1/24 dev "$BR"
ip -n "$NS_S" link set "$BR" up
ip -n "$NS_S" link set lo up
# plug NS HOST_ADDR: a namespace on the bridge.
plug() {
  local ns=$1 addr=$2 n=$3
  ip netns add "$ns" || fail "ip netns add $ns"
  ip link add "v$TAG$n$ID" type veth peer name "w$TAG$n$ID" || { echo "skip: no veth"; exit 77; }
  ip link set "v$TAG$n$ID" netns "$NS_S"
  ip link set "w$TAG$n$ID" netns "$ns"
  ip -n "$NS_S" link set "v$TAG$n$ID" master "$BR" up
  ip -n "$ns" addr add "$addr/24" dev "w$TAG$n$ID"
  ip -n "$ns" link set "w$TAG$n$ID" up
  ip -n "$ns" link set lo up
}
plug "$NS_C" 192.168.99.2 c
plug "$NS_C2" 192.168.99.3 d
plug "$NS_A" 192.168.99.66 a
mkdir -p "$T/server" "$T/client/peers" "$T/run" "$T/run2"

server_config
start_server
client_files
sed -e 's/^name user1$/name user2/' "$T/client/peers/office" > "$T/client/peers/office2"
echo 'user2 PPTP secret2 *' >> "$T/client/chap-secrets"
ctl() { "$PPTPXCTL" --socket "$T/control.sock" "$@"; }

start_client
wait_link 20 || fail "user1's link did not come up"
start_client2 "$NS_C2" office2 "$T/run2"
ok "two sessions up"

ctl sessions --json > "$T/sessions.json" || fail "pptpxctl sessions --json failed"
targets=$(python3 -c '
import json, sys
print(" ".join("%s:%d" % (s["client"], s["call_id"]) for s in json.load(open(sys.argv[1]))))
' "$T/sessions.json")
[ "$(echo "$targets" | wc -w)" = 2 ] || fail "not two sessions: $(cat "$T/sessions.json")"
ok "targets (client address:call ID): $targets"

ctl stats --json > "$T/stats1.json" || fail "pptpxctl stats --json failed"
cpu() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
cpu0=$(cpu) t0=$(date +%s.%N)
ip netns exec "$NS_C" ping -c 100 -i 0.2 -W 1 10.10.0.1 > "$T/ping1.log" 2>&1 &
P1=$!
ip netns exec "$NS_C2" ping -c 100 -i 0.2 -W 1 10.10.0.1 > "$T/ping2.log" 2>&1 &
P2=$!
ip netns exec "$NS_A" python3 "$(dirname "$0")/gre_forge.py" 192.168.99.1 19.5 "$RATE" \
  $targets > "$T/forge.json" 2> "$T/forge.log" || fail "gre_forge.py: $(cat "$T/forge.log")"
wait "$P1" "$P2"
cpu1=$(cpu) t1=$(date +%s.%N)
ctl stats --json > "$T/stats2.json" || fail "pptpxctl stats --json failed"
ctl sessions --json > "$T/sessions2.json" || fail "pptpxctl sessions --json failed"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/sessions2.json")" = 2 ] ||
  fail "a session ended: $(cat "$T/sessions2.json")"

tck=$(getconf CLK_TCK)
python3 - "$T" "$cpu0" "$cpu1" "$t0" "$t1" "$tck" "$CPU_BOUND_PCT" > "$T/check.out" <<'PY' ||
import json, re, sys
t, cpu0, cpu1, t0, t1, tck, bound = sys.argv[1:]
bad = []
for n in (1, 2):
    out = open(f"{t}/ping{n}.log").read()
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    if not m:
        bad.append(f"ping {n}: no summary")
        continue
    tx, rx = int(m[1]), int(m[2])
    print(f"ping {n}: {rx}/{tx} received")
    if rx < tx * 0.99:
        bad.append(f"ping {n} lost {tx - rx} of {tx}")
sent = json.load(open(f"{t}/forge.json"))
a, b = (json.load(open(f"{t}/stats{n}.json"))["drops"] for n in (1, 2))
d = {k: b["data_path"][k] - a["data_path"][k] for k in b["data_path"]}
m = {k: b["mppe"][k] - a["mppe"][k] for k in b["mppe"]}
counted = d["gre_stale"] + d["gre_duplicate"] + d["gre_invalid"]
print("forged sent:", sent)
print("data path drops:", {k: v for k, v in d.items() if v})
print("MPPE drops:", {k: v for k, v in m.items() if v})
print(f"counted as stale + duplicate + invalid: {counted}")
# Every forged packet counted (a few genuine stale packets may add to it).
if not sent["total"] <= counted <= sent["total"] + 20:
    bad.append(f"{sent['total']} forged, {counted} counted")
if d["gre_invalid_far"] < sent["far"] + sent["mppe"]:
    bad.append(f"gre_invalid_far {d['gre_invalid_far']} < {sent['far'] + sent['mppe']} far-ahead")
secs = float(t1) - float(t0)
pct = 100.0 * (int(cpu1) - int(cpu0)) / int(tck) / secs
print(f"pptpxd CPU over {secs:.1f} s: {pct:.1f}% of one core (bound {bound}%)")
if pct > float(bound):
    bad.append(f"pptpxd used {pct:.1f}% CPU, bound {bound}%")
print("\n".join(bad) if bad else "all good")
sys.exit(1 if bad else 0)
PY
  fail "$(cat "$T/check.out")"
cat "$T/check.out"
ok "forged GRE: pings kept, every forged packet counted, CPU bounded"
