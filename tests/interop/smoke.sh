#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke run of the lab with the reference peers only: real pptpd in one
# guest, one real pppd + pptp-linux client in another, on the lab bridge,
# with the configurations of examples/. Proves the harness works and
# times one client run. Knobs: IPERF_SECONDS (default 5), LAB_WORK.
# Exit status 0 when the link came up with MPPE-128 and pings passed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
IPERF_SECONDS=${IPERF_SECONDS:-5}

lab_init
t0=$(date +%s.%N)
guest_new srv server "$LAB_PREFIX.2"
server_files srv "$HERE/../../examples/server"
guest_start srv 300
guest_wait_file srv ready 30 || lab_die "pptpd guest did not start (see $LAB_WORK/srv)"
guest_exec srv 10 "iperf3 -s -D" >/dev/null
lab_log "server guest ready after $(guest_elapsed srv) s"

guest_new c1 client
client_files c1 "$LAB_PREFIX.2" user1 secret1
guest_set c1 IPERF_SECONDS "$IPERF_SECONDS"
guest_start c1 120
guest_wait c1 120 || lab_log "client guest hit its deadline"
d=$LAB_WORK/c1
lab_log "client guest run (boot, link, pings, ${IPERF_SECONDS}s iperf3, hang-up, halt): $(guest_elapsed c1) s"
guest_stop srv
guest_wait srv 15

rc=0
grep -q "MPPE 128-bit stateless compression enabled" "$d/pppd.log" 2>/dev/null || { echo "no MPPE-128 in $d/pppd.log"; rc=1; }
[ "$(cat "$d/ping.rc" 2>/dev/null)" = 0 ] || { echo "ping failed"; rc=1; }
[ "$(cat "$d/ping-1300.rc" 2>/dev/null)" = 0 ] || { echo "1300-byte ping failed"; rc=1; }
echo "client address: $(cat "$d/local-ip" 2>/dev/null), peer $(cat "$d/peer-ip" 2>/dev/null)"
[ "$IPERF_SECONDS" -gt 0 ] && grep receiver "$d/iperf3.txt"
echo "whole smoke run: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s; results in $LAB_WORK"
[ "$rc" = 0 ] && echo "smoke: PASS" || echo "smoke: FAIL"
exit "$rc"
