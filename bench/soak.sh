#!/bin/bash
# SPDX-License-Identifier: MIT
# Soak test (docs/resilience.md; not in CI): pptpxd and $SOAK_CLIENTS (20) pptpx
# clients in network namespaces, hit by faults in a loop for MINUTES:
#   burst    a loss burst: nftables drops the GRE of one session on the
#            client's or the server's way out while UDP floods that tunnel,
#            until >= 3000 packets were dropped (as client_resilience.sh);
#   reneg    LCP of one live session restarted by either end (lcp_restart.py);
#   restart  (every 10th fault) pptpxd killed (kill -9, or SIGTERM one time in three) and
#            started again: all clients redial (persist holdoff 1);
#   impair   for $SOAK_IMPAIR_SECS (20): 5% of GRE dropped both ways and
#            ~25% sent through a slow htb class (reordering) on the bridge,
#            while iperf3 TCP runs through 3 tunnels.
# After each fault the affected sessions must pass a ping through the tunnel
# again (bounds: burst/reneg 10 s, restart 30 s, impair 20 s); every cycle
# of 5 faults ends with a check of every session both ways. pptpxd's VmRSS and
# fds are taken when all sessions are up and before each kill, per process.
# At the end every session must ping both ways: exit 0 only then (and with
# no fault left unrecovered), else the failures are listed and it exits 1.
# Topology: server namespace (192.168.99.1) and N client namespaces
# (192.168.99.101...) on a bridge in its own namespace, where the impairment
# is applied. Names carry the pid, so parallel tests never collide.
# Usage (root): bench/soak.sh MINUTES [BUILD_DIR]   (BUILD_DIR default build)
# Env: SOAK_CLIENTS (20), SOAK_SEED (random), SOAK_IMPAIR_SECS (20),
#      SOAK_KEEP=1 keeps the logs folder (always kept after a failure).
set -u
[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]] || { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
MINUTES=$1
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${2:-build}
[ -d "$BUILD" ] || BUILD=$SRC/$BUILD
PPTPXD=$(realpath "$BUILD/src/cmd/pptpxd" 2>/dev/null) PPTPX=$(realpath "$BUILD/src/cmd/pptpx" 2>/dev/null)
[ -x "$PPTPXD" ] && [ -x "$PPTPX" ] || { echo "no pptpxd/pptpx in $BUILD/src/cmd (ninja -C $BUILD pptpxd pptpx)"; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 2; }
for c in nft tc python3 iperf3 ping; do command -v $c > /dev/null || { echo "needs $c"; exit 2; }; done
N=${SOAK_CLIENTS:-20}
IMPAIR_SECS=${SOAK_IMPAIR_SECS:-20}
SEED=${SOAK_SEED:-$$}
RANDOM=$SEED
LCP_RESTART=$SRC/tests/integration/client/lcp_restart.py

# The integration tests' pieces: $ID, $T, NS_S, server_config, start_server,
# client_files, fail; pair_cleanup kills $SERVER_PID and $T/*.pid.
TAG=sk
. "$SRC/tests/integration/netns_pair.sh"
. "$SRC/tests/integration/client/client_common.sh"
. "$SRC/bench/bridge.sh"

soak_cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for i in $(jobs -p); do kill "$i" 2>/dev/null; done
  [ "$rc" != 0 ] || [ -n "${SOAK_KEEP:-}" ] && PPTPX_IT_KEEP=1
  FAILED=0 pair_cleanup  # no log dump: the logs stay in $T
  for i in "$T"/*.pid; do [ -f "$i" ] && kill -9 "$(cat "$i")" 2>/dev/null; done
  bridge_down
  [ -n "${PPTPX_IT_KEEP:-}" ] && echo "logs kept in $T"
  exit "$rc"
}
trap soak_cleanup EXIT
trap 'echo; echo interrupted; exit 130' INT
trap 'exit 143' TERM

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
T_START=$(now_ms)
secs() { local r=$(($1 + 50)); printf '%d.%d' $((r / 1000)) $((r % 1000 / 100)); }  # ms -> s.d
log() { local e=$(($(now_ms) - T_START)); printf '[%02d:%02d] %s\n' $((e / 60000)) $((e / 1000 % 60)) "$*"; }
FAILURES=()
failure() { log "FAILURE: $*"; FAILURES+=("$*"); }

# ---- topology
bridge_up

# ---- server: examples/server with a pool for 40 and users u1..uN
server_config
sed -i 's/^remoteip .*/remoteip 10.10.0.10-49/' "$T/server/pptpd.conf"
sed -i '/^proxyarp/d' "$T/server/options.pptpd"  # no LAN here: only warnings
echo "lcp-restart 1" >> "$T/server/options.pptpd"
for i in $(seq "$N"); do echo "u$i pptpd s$i *" >> "$T/server/chap-secrets"; done
start_server

# ---- clients: client_common's peers file "office", one copy per user
client_files "lcp-restart 1"
: > "$T/client/chap-secrets"
for i in $(seq "$N"); do
  sed "s/^name user1$/name u$i/" "$T/client/peers/office" > "$T/client/peers/c$i"
  echo "u$i PPTP s$i *" >> "$T/client/chap-secrets"
  mkdir -p "$T/run/$i"
done
start_client_n() {
  ip netns exec "$(cns "$1")" "$PPTPX" --peers-dir "$T/client/peers" call "c$1" nodetach \
    persist holdoff 1 lcp-echo-interval 1 lcp-echo-failure 5 \
    --chap-secrets "$T/client/chap-secrets" --ppp-options "" --run-dir "$T/run/$1" \
    >> "$T/client$1.log" 2>&1 &
  echo $! > "$T/client$1.pid"
}
cpid() { cat "$T/client$1.pid"; }
ALL=$(seq "$N")
for i in $ALL; do start_client_n "$i"; done

# ---- probes
# caddr I: client I's tunnel address (empty when its ppp0 is down).
caddr() { ip -n "$(cns "$1")" -4 -o addr show dev ppp0 2>/dev/null | sed -n 's/.*inet \([0-9.]*\) peer 10\.10\.0\.1\/32.*/\1/p'; }
# wait_back BOUND_S SINCE_MS I...: polls (parallel pings, client to server
# through the tunnel) until every client I answers. BACK_MS: the last one's
# first answer, ms after SINCE_MS. NOT_BACK: the clients still down after
# BOUND_S (then returns 1).
wait_back() {
  local bound=$1 since=$2 i p pids
  shift 2
  local pending=("$@") deadline=$(($(now_ms) + bound * 1000))
  rm -f "$T"/back.*
  while :; do
    pids=()
    for i in "${pending[@]}"; do
      ( ip netns exec "$(cns "$i")" ping -n -c 1 -W 0.5 -q 10.10.0.1 > /dev/null 2>&1 && now_ms > "$T/back.$i" ) &
      pids+=($!)
    done
    wait "${pids[@]}"
    p=()
    for i in "${pending[@]}"; do [ -f "$T/back.$i" ] || p+=("$i"); done
    pending=("${p[@]}")
    [ ${#pending[@]} = 0 ] && break
    [ "$(now_ms)" -ge "$deadline" ] && break
    sleep 0.1
  done
  BACK_MS=$(($(cat "$T"/back.* 2>/dev/null | sort -n | tail -1) - since))
  NOT_BACK=${pending[*]}
  [ -z "$NOT_BACK" ]
}
# both_ways I...: every client I pings the server and the server pings its
# tunnel address (3 of 3 each way, 1 retry). BAD: those that did not.
both_ways() {
  local i a pids=()
  rm -f "$T"/bw.*
  for i in "$@"; do
    (
      for _ in 1 2; do
        a=$(caddr "$i")
        [ -n "$a" ] &&
          ip netns exec "$(cns "$i")" ping -n -c 3 -i 0.2 -W 1 -q 10.10.0.1 2>&1 | grep -q ' 3 received' &&
          ip netns exec "$NS_S" ping -n -c 3 -i 0.2 -W 1 -q "$a" 2>&1 | grep -q ' 3 received' &&
          { touch "$T/bw.$i"; exit 0; }
        sleep 1
      done
    ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  BAD=
  for i in "$@"; do [ -f "$T/bw.$i" ] || BAD="$BAD $i"; done
  BAD=${BAD# }
  [ -z "$BAD" ]
}
# stats PID: "RSS_KB FDS" of a process.
stats() {
  local rss
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null)
  echo "${rss:-?} $(ls "/proc/$1/fd" 2>/dev/null | wc -l)"
}
server_ppp() { ip -n "$NS_S" -o link show | grep -c ': ppp[0-9]*:'; }
clients_up() { local i n=0; for i in $ALL; do [ -n "$(caddr "$i")" ] && n=$((n + 1)); done; echo $n; }
# client_stats: "min/max/sum RSS KB, min/max fds" over the pptpx processes.
client_stats() {
  local i
  for i in $ALL; do stats "$(cpid "$i")"; done |
    awk 'NR == 1 {r0 = r1 = $1; f0 = f1 = $2}
         {s += $1; if ($1 < r0) r0 = $1; if ($1 > r1) r1 = $1; if ($2 < f0) f0 = $2; if ($2 > f1) f1 = $2}
         END {printf "RSS %d-%d KB (sum %d KB), fds %d-%d", r0, r1, s, f0, f1}'
}

# Per pptpxd incarnation: pid, RSS/fds when all sessions are up, RSS/fds
# before it is killed (or at the end), the faults it lived through.
INC_PID=() INC_UP=() INC_END=() INC_FAULTS=()
inc_begin() { INC_PID+=("$SERVER_PID"); INC_UP+=("$(stats "$SERVER_PID")"); INC_END+=("-"); INC_FAULTS+=(0); }
inc_end() { INC_END[-1]=$(stats "$SERVER_PID"); }

# ---- start: all sessions up
log "soak: $N clients, $MINUTES min, seed $SEED, logs in $T"
wait_back 60 "$T_START" $ALL || fail "clients $NOT_BACK did not come up in 60 s"
both_ways $ALL || fail "no traffic both ways for clients $BAD"
log "all $N sessions up after $(secs "$BACK_MS") s, traffic both ways"
inc_begin
START_SERVER="$SERVER_PID ${INC_UP[0]} $(server_ppp) $(clients_up)"
START_CLIENTS=$(client_stats)

# ---- faults
# record KIND MS: a recovery time.
record() { echo "$2" >> "$T/rec.$1"; }
# recovered KIND BOUND_S SINCE_MS WHAT I...: waits for the clients I; logs
# the recovery time; over the bound it waits up to 60 s more (slow), then
# gives up (failure).
recovered() {
  local kind=$1 bound=$2 since=$3 what=$4
  shift 4
  if wait_back "$bound" "$since" "$@"; then
    record "$kind" "$BACK_MS"
    log "$kind $what: back in $(secs "$BACK_MS") s"
  elif wait_back 60 "$since" $NOT_BACK; then
    record "$kind" "$BACK_MS"
    SLOW+=("$kind $what: back only after $(secs "$BACK_MS") s (bound $bound s)")
    log "SLOW: ${SLOW[-1]}"
  else
    failure "$kind $what: clients $NOT_BACK not back $((bound + 60)) s after the fault"
  fi
}
SLOW=()

# gre_dropped NS: the packets counted by table inet pxsoak in NS.
gre_dropped() { ip netns exec "$1" nft list table inet pxsoak 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1; }

fault_burst() {  # SIDE client|server, client I
  local side=$1 i=$2 ns to match dropped t0 fpid a
  a=$(caddr "$i")
  if [ "$side" = client ]; then
    ns=$(cns "$i") to=10.10.0.1 match=
  else
    ns=$NS_S to=$a match="ip daddr $(cip "$i")"
  fi
  [ -n "$a" ] || { failure "burst-$side c$i: session down before the fault"; return; }
  ip netns exec "$ns" nft add table inet pxsoak
  ip netns exec "$ns" nft "add chain inet pxsoak out { type filter hook output priority 0; }"
  ip netns exec "$ns" nft add rule inet pxsoak out $match ip protocol gre counter drop
  t0=$(now_ms)
  # Small UDP datagrams into the tunnel, as fast as they go (20 s at most).
  ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); end = time.monotonic() + 20
while time.monotonic() < end:
    for _ in range(100):
        try: s.sendto(b"x" * 16, (sys.argv[1], 9))
        except OSError: pass
    time.sleep(0.001)' "$to" &
  fpid=$!
  for _ in $(seq 300); do
    dropped=$(gre_dropped "$ns")
    [ "${dropped:-0}" -ge 3000 ] && break
    sleep 0.05
  done
  kill "$fpid" 2>/dev/null
  wait "$fpid" 2>/dev/null
  ip netns exec "$ns" nft delete table inet pxsoak
  t1=$(now_ms)
  [ "${dropped:-0}" -ge 3000 ] || failure "burst-$side c$i: only ${dropped:-0} GRE packets dropped"
  recovered "burst-$side" 10 "$t1" "c$i (${dropped:-0} GRE dropped in $(secs $((t1 - t0))) s)" "$i"
}

fault_reneg() {  # SIDE client|server (the end that restarts LCP), client I
  local side=$1 i=$2 before t0 ppid out try
  [ -n "$(caddr "$i")" ] || { failure "reneg-$side c$i: session down before the fault"; return; }
  before=$(count "$T/client$i.log" 'link renegotiating; ppp0 kept')
  # Two tries: the injected packet takes the next GRE sequence number, and
  # a real packet sent in the same instant makes the peer drop one of them.
  for try in 1 2; do
    # Traffic that lcp_restart.py learns the call ID and GRE sequence from.
    ip netns exec "$(cns "$i")" ping -c 12 -i 0.1 10.10.0.1 > /dev/null 2>&1 &
    ppid=$!
    if [ "$side" = server ]; then
      out=$(ip netns exec "$NS_S" python3 "$LCP_RESTART" eth0 "$(cip "$i")" --watch 1.2 --mschapv2 2>&1)
    else
      out=$(ip netns exec "$(cns "$i")" python3 "$LCP_RESTART" eth0 192.168.99.1 --watch 1.2 2>&1)
    fi || { failure "reneg-$side c$i: lcp_restart.py: $out"; return; }
    t0=$(now_ms)
    wait "$ppid" 2>/dev/null
    for _ in $(seq 50); do
      [ "$(count "$T/client$i.log" 'link renegotiating; ppp0 kept')" -gt "$before" ] && break
      sleep 0.1
    done
    [ "$(count "$T/client$i.log" 'link renegotiating; ppp0 kept')" -gt "$before" ] && break
    log "reneg-$side c$i: no renegotiation after try $try ($out)"
    [ "$try" = 2 ] && failure "reneg-$side c$i: the client did not renegotiate after 2 tries"
  done
  recovered "reneg-$side" 10 "$t0" "c$i" "$i"
}

fault_restart() {  # HOW kill9|term
  local how=$1 old=$SERVER_PID t0 t1
  inc_end
  t0=$(now_ms)
  {  # (without bash's "Killed" line)
    if [ "$how" = kill9 ]; then kill -9 "$old"; else kill -TERM "$old"; fi
    for _ in $(seq 150); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$old" 2>/dev/null && { failure "restart-$how: pptpxd $old still running 15 s after SIGTERM"; kill -9 "$old"; }
    wait "$old"
  } 2>/dev/null
  local rc=$?
  [ "$how" = term ] && [ "$rc" != 0 ] && failure "restart-term: pptpxd exited with status $rc"
  start_server
  t1=$(now_ms)
  recovered "restart-$how" 30 "$t1" "(pptpxd $old -> $SERVER_PID, listening $(secs $((t1 - t0))) s after the signal)" $ALL
  inc_begin
  log "pptpxd $SERVER_PID: all up: RSS ${INC_UP[-1]% *} KB, ${INC_UP[-1]#* } fds, $(server_ppp) pppN"
}

fault_impair() {
  local ports=() k i picks=() pids=() t1 dropped prio qdrop tcp=""
  for i in $(seq 0 "$N"); do ports+=("p$i"); done
  {
    for k in "${ports[@]}"; do
      echo "qdisc add dev $k root handle 1: htb default 1"
      echo "class add dev $k parent 1: classid 1:1 htb rate 10gbit quantum 60000"
      echo "class add dev $k parent 1: classid 1:2 htb rate 1mbit ceil 1mbit burst 2k cburst 2k"
      echo "qdisc add dev $k parent 1:2 handle 20: pfifo limit 10"
    done
  } | tc -n "$NS_B" -batch - || failure "impair: tc"
  ip netns exec "$NS_B" nft -f - <<EOT || failure "impair: nft"
table bridge pxsoak {
  chain f {
    type filter hook forward priority 0;
    ip protocol gre numgen random mod 100 < 5 counter drop
    ip protocol gre numgen random mod 100 < 25 meta priority set 1:2 counter
  }
}
EOT
  # iperf3 TCP through 3 random tunnels, each to its own server port.
  while [ ${#picks[@]} -lt 3 ]; do
    i=$((RANDOM % N + 1))
    [[ " ${picks[*]} " == *" $i "* ]] || picks+=("$i")
  done
  for k in 0 1 2; do
    ip netns exec "$NS_S" iperf3 -s -1 -p $((5301 + k)) > "$T/iperf-s$k.log" 2>&1 &
    echo $! > "$T/iperf-s$k.pid"
  done
  for _ in $(seq 30); do
    [ "$(ip netns exec "$NS_S" ss -ltnH '( sport >= :5301 and sport <= :5303 )' | wc -l)" = 3 ] && break
    sleep 0.1
  done
  for k in 0 1 2; do
    ip netns exec "$(cns "${picks[$k]}")" timeout $((IMPAIR_SECS + 15)) \
      iperf3 -c 10.10.0.1 -p $((5301 + k)) -t "$IMPAIR_SECS" -b 4M --connect-timeout 3000 > "$T/iperf-c$k.log" 2>&1 &
    pids+=($!)
  done
  sleep "$IMPAIR_SECS"  # the impairment's length
  wait "${pids[@]}"
  for k in 0 1 2; do
    kill "$(cat "$T/iperf-s$k.pid")" 2>/dev/null
    tcp="$tcp c${picks[$k]} $(awk '/receiver/ {print $7 " " $8}' "$T/iperf-c$k.log" | tail -1)"
    [ -n "$(awk '/receiver/' "$T/iperf-c$k.log")" ] || tcp="$tcp(failed: $(tail -1 "$T/iperf-c$k.log"))"
    rm -f "$T/iperf-s$k.pid"
  done
  qdrop=$(tc -s -n "$NS_B" qdisc show | awk '/^qdisc pfifo 20:/ {q = 1; next} q && /dropped/ {gsub(",", ""); s += $7; q = 0} END {print s + 0}')
  dropped=$(ip netns exec "$NS_B" nft list table bridge pxsoak | sed -n 's/.*counter packets \([0-9]*\) .* drop.*/\1/p')
  prio=$(ip netns exec "$NS_B" nft list table bridge pxsoak | sed -n 's/.*priority set 1:2 counter packets \([0-9]*\).*/\1/p')
  ip netns exec "$NS_B" nft delete table bridge pxsoak
  for k in "${ports[@]}"; do echo "qdisc del dev $k root"; done | tc -n "$NS_B" -batch -
  t1=$(now_ms)
  recovered impair 20 "$t1" "($IMPAIR_SECS s: $dropped GRE dropped, $prio via the slow class (of which $qdrop dropped by its queue); iperf3$tcp)" $ALL
}

# checkpoint: every session both ways; clients and server alive.
checkpoint() {
  local i
  for i in $ALL; do
    kill -0 "$(cpid "$i")" 2>/dev/null && continue
    failure "pptpx c$i (pid $(cpid "$i")) exited: $(tail -2 "$T/client$i.log" | tr '\n' ' ')"
    start_client_n "$i"
  done
  if both_ways $ALL; then
    log "checkpoint: all $N sessions pass traffic both ways; pptpxd RSS/fds $(stats "$SERVER_PID")"
  else
    failure "checkpoint: clients $BAD do not pass traffic both ways"
  fi
}

KINDS=(burst reneg burst reneg impair burst reneg burst reneg restart)
END_MS=$((T_START + $(awk "BEGIN {print int($MINUTES * 60000)}")))
nf=0
while [ "$(now_ms)" -lt "$END_MS" ]; do
  kill -0 "$SERVER_PID" 2>/dev/null || {
    failure "pptpxd $SERVER_PID died: $(tail -3 "$T/server$SERVER_RUNS.log" | tr '\n' ' ')"
    start_server; inc_begin
  }
  kind=${KINDS[$((nf % ${#KINDS[@]}))]}
  nf=$((nf + 1))
  INC_FAULTS[-1]=$((INC_FAULTS[-1] + 1))
  side=client
  [ $((RANDOM % 2)) = 0 ] && side=server
  case $kind in
    burst) fault_burst $side $((RANDOM % N + 1)) ;;
    reneg) fault_reneg $side $((RANDOM % N + 1)) ;;
    restart) if [ $((RANDOM % 3)) = 0 ]; then fault_restart term; else fault_restart kill9; fi ;;
    impair) fault_impair ;;
  esac
  [ $((nf % 5)) = 0 ] && checkpoint
done

# ---- end: every session passes traffic both ways
log "time is up after $nf faults; final check"
wait_back 60 "$(now_ms)" $ALL
FINAL_BAD=
both_ways $ALL || FINAL_BAD=$BAD
inc_end
END_SERVER="$SERVER_PID ${INC_END[-1]} $(server_ppp) $(clients_up)"
END_CLIENTS=$(client_stats)

# ---- summary
echo
echo "==== soak summary: $N clients, $(secs $(($(now_ms) - T_START))) s, $nf faults, seed $SEED"
printf '%-14s %6s %9s %9s %9s\n' fault count min_s median_s max_s
for f in $(ls "$T"/rec.* 2>/dev/null | sort); do
  sort -n "$f" | awk -v k="${f##*/rec.}" '{v[NR]=$1} END {printf "%-14s %6d %9.1f %9.1f %9.1f\n", k, NR, v[1]/1000, v[int((NR+1)/2)]/1000, v[NR]/1000}'
done
echo
printf '%-22s %10s %10s\n' "pptpxd" start end
read -r sp sr sf sn sc <<< "$START_SERVER"
read -r ep er ef en ec <<< "$END_SERVER"
printf '%-22s %10s %10s\n' pid "$sp" "$ep" "VmRSS KB" "$sr" "$er" "open fds" "$sf" "$ef" \
  "server pppN" "$sn" "$en" "clients with ppp0" "$sc" "$ec"
echo "pptpx clients: start $START_CLIENTS; end $END_CLIENTS"
echo
echo "pptpxd incarnations (RSS KB/fds when all $N were up, and before the kill or at the end):"
printf '  %-4s %-8s %-6s %-14s %-14s\n' "#" pid faults "all up" "before kill"
for k in "${!INC_PID[@]}"; do
  printf '  %-4s %-8s %-6s %-14s %-14s\n' $((k + 1)) "${INC_PID[$k]}" "${INC_FAULTS[$k]}" \
    "${INC_UP[$k]/ //}" "${INC_END[$k]/ //}"
done
n_mppe=$(cat "$T"/server*.log "$T"/client*.log | grep -c 'MPPE receive failing')
echo "log lines 'MPPE receive failing': $n_mppe"
[ ${#SLOW[@]} = 0 ] || { echo "slow recoveries (${#SLOW[@]}):"; printf '  %s\n' "${SLOW[@]}"; }
if [ -n "$FINAL_BAD" ]; then
  FAILURES+=("final check: clients $FINAL_BAD do not pass traffic both ways")
fi
if [ ${#FAILURES[@]} = 0 ]; then
  echo "RESULT: ok, all $N sessions pass traffic both ways at the end"
  exit 0
fi
echo "failures (${#FAILURES[@]}):"
printf '  %s\n' "${FAILURES[@]}"
echo "RESULT: FAILED"
exit 1
