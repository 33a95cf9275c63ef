#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpx against pptpxd over an impaired path (docs/resilience.md, section
# 4): 5% of GRE packets dropped each way at random (nftables numgen) and 25%
# of them steered into a slow htb class on each veth, so they arrive late,
# behind later ones.
# MPPE-128, stateless or stateful. The session must stay up through a TCP
# iperf3 run of SECONDS (60 by default), TCP must keep flowing (no second
# without data, at most a few in stateful mode) and the throughput is
# reported against the clean path measured first in the same run.
# WINDOW=off runs both ends without the GRE reorder window (pptpxd
# reorder-timeout 0, pptp --nobuffer), to measure what the window does.
# Usage: client_impaired.sh PPTPXD PPTPX SOURCE_DIR stateless|stateful [SECONDS]
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 MODE=$4 SECS=${5:-60}
TAG=im
LABEL="$MODE${WINDOW:+ window $WINDOW}"
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

for tool in nft tc iperf3 python3; do
  command -v $tool > /dev/null || { echo "skip: no $tool"; exit 77; }
done
pair_up
server_config
CLIFLAGS=()
if [ "$MODE" = stateful ]; then
  echo "mppe-stateful" >> "$T/server/options.pptpd"
  CLIFLAGS=(--mppe-stateful-only)
fi
PTY_EXTRA=
if [ "${WINDOW:-on}" = off ]; then
  echo "reorder-timeout 0" >> "$T/server/pptpd.conf"
  PTY_EXTRA=--nobuffer
fi
start_server
client_files
start_client "${CLIFLAGS[@]}"
wait_link 20 || fail "ppp0 did not come up"
grep -q "MPPE 128-bit $MODE compression enabled" "$T/client.log" || fail "not MPPE-128 $MODE"
ip netns exec "$NS_S" iperf3 -s -D -B 10.10.0.1 --pidfile "$T/iperf3.pid" > /dev/null 2>&1 ||
  fail "iperf3 -s"
for i in $(seq 30); do
  ip netns exec "$NS_S" ss -ltn 2>/dev/null | grep -q '10.10.0.1:5201' && break
  sleep 0.1
done

# iperf_run SECONDS NAME: TCP from the client; receiver Mbit/s in $MBPS,
# and the longest run of intervals with no data in $STALL (seconds).
iperf_run() {
  ip netns exec "$NS_C" timeout $(($1 + 30)) iperf3 -c 10.10.0.1 -t "$1" -i 1 -J \
    > "$T/$2.json" 2>&1 || { tail -5 "$T/$2.json"; fail "iperf3 $2 did not finish"; }
  read -r MBPS STALL < <(python3 - "$T/$2.json" <<'EOT'
import json, sys
r = json.load(open(sys.argv[1]))
mbps = r["end"]["sum_received"]["bits_per_second"] / 1e6
run = worst = 0
for iv in r["intervals"]:
    run = run + 1 if iv["sum"]["bytes"] == 0 else 0
    worst = max(worst, run)
print(f"{mbps:.1f} {worst}")
EOT
)
  [ -n "$MBPS" ] || fail "no iperf3 result for $2"
}

iperf_run 5 clean
CLEAN=$MBPS
ok "clean path: $CLEAN Mbit/s"

# The impairment, on each namespace's veth: htb with a fast default class
# and a slow one that 25% of GRE packets are steered into (a short queue,
# so they arrive a few packets late, not seconds late), and 5% of GRE
# dropped on the way out.
impair() {  # impair NS DEV
  ip netns exec "$1" tc qdisc add dev "$2" root handle 1: htb default 10 r2q 1000 || fail "tc htb"
  ip netns exec "$1" tc class add dev "$2" parent 1: classid 1:10 htb rate 10gbit
  ip netns exec "$1" tc class add dev "$2" parent 1: classid 1:20 htb rate 100mbit ceil 100mbit \
    burst 1600 cburst 1600
  ip netns exec "$1" tc qdisc add dev "$2" parent 1:20 handle 20: pfifo limit 8
  ip netns exec "$1" nft -f - <<EOT || fail "nft impairment"
table inet pximpair {
  chain out {
    type filter hook output priority 0; policy accept;
    ip protocol gre numgen random mod 100 < 5 counter drop
    ip protocol gre numgen random mod 4 == 0 counter meta priority set 1:20
  }
}
EOT
}
impair "$NS_S" "v${TAG}s$ID"
impair "$NS_C" "v${TAG}c$ID"

iperf_run "$SECS" impaired
IMP=$MBPS
ratio=$(python3 -c "print(f'{$IMP / $CLEAN * 100:.0f}')")
for ns in "$NS_S" "$NS_C"; do
  ip netns exec "$ns" nft list table inet pximpair | grep -o 'counter packets [0-9]*' | tr '\n' ' '
  echo
done > "$T/impair-counters.out"
ok "impaired path ($SECS s, 5% loss each way, 25% late): $IMP Mbit/s = $ratio% of clean; longest stall $STALL s"
ok "nft counters (dropped, delayed), server then client: $(tr '\n' ';' < "$T/impair-counters.out")"
pgrep -f "$T/client/peers" > /dev/null || fail "the client exited during the run"
ip -n "$NS_C" link show ppp0 > /dev/null 2>&1 || fail "ppp0 went away during the run"
# Stateless keeps TCP moving every second; stateful loses whatever follows
# a loss until the peer's flush, and TCP backs off: allow a few seconds.
max_stall=1
[ "$MODE" = stateful ] && max_stall=8
[ "$STALL" -le "$max_stall" ] || fail "TCP stalled for $STALL s in a row (limit $max_stall)"
python3 -c "import sys; sys.exit(0 if $IMP > 0.5 else 1)" || fail "almost nothing got through: $IMP Mbit/s"

kill -USR2 "$SERVER_PID" "$CLIENT_PID"
wait_log 5 "$T/client.log" 'reorder window:' || fail "no stats line from the client"
wait_log 5 "$T/server1.log" 'reorder window:' || fail "no stats line from the server"
ok "server: $(grep -o 'GRE in: [^|]*| reorder window: [^|]*' "$T/server1.log" | tail -1)"
ok "client: $(grep -o 'GRE in: [^|]*| reorder window: [^|]*' "$T/client.log" | tail -1)"
ok "server: $(grep -o 'MPPE in: [^|]*' "$T/server1.log" | tail -1)"
if [ "${WINDOW:-on}" = on ]; then
  grep 'reorder window:' "$T/server1.log" | tail -1 | grep -q 'late-in-order [1-9]' ||
    fail "the server's reorder window put no late packet in order"
fi
"$PPTPX" hangup office --run-dir "$T/run" || fail "pptpx hangup"
wait_exit 15 || fail "client still running 15 s after hangup"
ok "pptpx hangup: exit $RC"
exit 0
