#!/bin/bash
# SPDX-License-Identifier: MIT
# TCP MSS clamping through the tunnel, pptpx dialing pptpxd across two
# namespaces (MPPE-128: both ppp0 have MTU 1496, so an MSS that fits is
# 1456). Each side's route to the other's tunnel address says `advmss
# 1460`, so both kernels advertise 1460 as if the segments came from a
# LAN with MTU 1500. python3 in the server namespace listens on
# 10.10.0.1:5001 and reads the client's SYN off a raw socket; python3 in
# the client namespace connects (a request and an answer cross, so the
# clamped segments' checksums are right) and reads the server's SYN-ACK the
# same way. The mode says which ends clamp (`nomssclamp` in the options
# file of the others):
#   both         SYN and SYN-ACK arrive with 1456; each end counted one
#                (pptpxctl stats and show, GET /metrics, pptpx's stats line)
#   none         both stay 1460; nothing counted
#   server-only  1456 both ways, both clamped by pptpxd (one on the way
#                in, one on the way out): it counted two, pptpx none
#   client-only  the same by pptpx
# Usage: client_mss.sh PPTPXD PPTPX SOURCE_DIR PPTPXCTL MODE
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3 PPTPXCTL=$4 MODE=$5
TAG=ms
LABEL=$MODE
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"
command -v python3 > /dev/null || { echo "skip: no python3"; exit 77; }
case $MODE in
  both) server_clamps=1 client_clamps=1 want=1456 server_count=1 client_count=1 ;;
  none) server_clamps=0 client_clamps=0 want=1460 server_count=0 client_count=0 ;;
  server-only) server_clamps=1 client_clamps=0 want=1456 server_count=2 client_count=0 ;;
  client-only) server_clamps=0 client_clamps=1 want=1456 server_count=0 client_count=2 ;;
  *) echo "unknown mode $MODE"; exit 2 ;;
esac
pair_up
server_config
echo "metrics 127.0.0.1:9723" >> "$T/server/pptpd.conf"
[ "$server_clamps" = 1 ] || echo nomssclamp >> "$T/server/options.pptpd"
extra=()
[ "$client_clamps" = 1 ] || extra=(nomssclamp)

# probe.py server|client: the listener or the connecting end; prints the
# MSS of the SYN (server) or SYN-ACK (client) that reached it.
cat > "$T/probe.py" << 'EOF'
import select, socket, struct, sys, time
role, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)

def mss_of(pkt):
    ihl = (pkt[0] & 15) * 4
    tcp = pkt[ihl:]
    end, i = (tcp[12] >> 4) * 4, 20
    while i < end and tcp[i] != 0:
        if tcp[i] == 1:
            i += 1
            continue
        if tcp[i] == 2:
            return struct.unpack('!H', tcp[i + 2:i + 4])[0]
        i += tcp[i + 1]
    return 0

def syn(want_ack, deadline):
    while time.time() < deadline:
        if not select.select([raw], [], [], 0.2)[0]:
            continue
        pkt = raw.recv(65535)
        ihl = (pkt[0] & 15) * 4
        sport, dport = struct.unpack('!HH', pkt[ihl:ihl + 4])
        flags = pkt[ihl + 13]
        if (dport if not want_ack else sport) == port and flags & 2 and bool(flags & 16) == want_ack:
            return mss_of(pkt)
    sys.exit('no SYN seen')

deadline = time.time() + 20
if role == 'server':
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, port))
    lst.listen(1)
    open(sys.argv[4], 'w').close()  # listening
    mss = syn(False, deadline)
    lst.settimeout(10)
    conn, _ = lst.accept()
    conn.settimeout(10)
    if conn.recv(4) != b'ping':
        sys.exit('no request')
    conn.sendall(b'pong')
    conn.close()
else:
    c = socket.create_connection((addr, port), timeout=10)
    c.sendall(b'ping')
    if c.recv(4) != b'pong':
        sys.exit('no answer')
    c.close()
    mss = syn(True, deadline)
print(mss)
EOF

start_server
client_files "${extra[@]}"
start_client
wait_link 20 || fail "the link did not come up"
for i in $(seq 50); do ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 && break; sleep 0.1; done
ip -n "$NS_C" link show ppp0 | grep -q 'mtu 1496' || fail "client ppp0: $(ip -n "$NS_C" link show ppp0)"
ip -n "$NS_S" link show ppp0 | grep -q 'mtu 1496' || fail "server ppp0: $(ip -n "$NS_S" link show ppp0)"
ip -n "$NS_C" route replace 10.10.0.1 dev ppp0 src 10.10.0.10 advmss 1460 ||
  fail "advmss on the client's route"
ip -n "$NS_S" route replace 10.10.0.10 dev ppp0 src 10.10.0.1 advmss 1460 ||
  fail "advmss on the server's route"

ip netns exec "$NS_S" python3 "$T/probe.py" server 10.10.0.1 5001 "$T/listening" \
  > "$T/server-mss.out" 2> "$T/probe-server.log" &
probe=$!
for i in $(seq 100); do [ -e "$T/listening" ] && break; sleep 0.1; done
[ -e "$T/listening" ] || fail "the probe does not listen: $(cat "$T/probe-server.log")"
ip netns exec "$NS_C" python3 "$T/probe.py" client 10.10.0.1 5001 \
  > "$T/client-mss.out" 2> "$T/probe-client.log" ||
  fail "TCP through the tunnel failed: $(cat "$T/probe-client.log")"
wait "$probe" || fail "the server's probe failed: $(cat "$T/probe-server.log")"
syn=$(cat "$T/server-mss.out") synack=$(cat "$T/client-mss.out")
[ "$syn" = "$want" ] || fail "the client's SYN arrived with MSS $syn, not $want"
[ "$synack" = "$want" ] || fail "the server's SYN-ACK arrived with MSS $synack, not $want"
ok "SYN and SYN-ACK sent with MSS 1460 arrived with $want; a request and its answer crossed"

ctl() { "$PPTPXCTL" --socket "$T/control.sock" "$@"; }
ctl stats > "$T/stats.out" || fail "pptpxctl stats"
grep -Eq "^tcp_mss_clamped +$server_count\$" "$T/stats.out" ||
  fail "pptpxctl stats: $(grep tcp_mss "$T/stats.out")"
ctl show user1 > "$T/show.out" || fail "pptpxctl show"
grep -Eq "^tcp_mss_clamped: +$server_count\$" "$T/show.out" ||
  fail "pptpxctl show: $(grep tcp_mss "$T/show.out")"
ip netns exec "$NS_S" python3 -c \
  'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:9723/metrics").read().decode())' \
  > "$T/metrics.out" || fail "GET /metrics"
grep -q "^pptpx_tcp_mss_clamped_total $server_count\$" "$T/metrics.out" ||
  fail "metrics: $(grep tcp_mss "$T/metrics.out")"
kill -USR2 "$CLIENT_PID"
wait_log 5 "$T/client.log" "TCP MSS clamped $client_count |" ||
  fail "pptpx's stats line: $(grep -o 'TCP MSS clamped [0-9]*' "$T/client.log")"
ok "counted: pptpxd $server_count (stats, show, metrics), pptpx $client_count (stats line)"

kill -TERM "$CLIENT_PID"
wait_exit 15 || fail "pptpx did not exit"
[ "$RC" = 0 ] || fail "pptpx exit status $RC"
