#!/bin/bash
# SPDX-License-Identifier: MIT
# pptpxd keeps only the capabilities it needs once it has started (README
# "Least privilege"), and still does its work (pptpx against pptpxd in two
# network namespaces): /proc/PID/status of the running pptpxd shows CapEff
# = CAP_NET_ADMIN, CapPrm = CapBnd = CAP_NET_ADMIN, CAP_NET_RAW,
# CAP_NET_BIND_SERVICE and CAP_CHOWN (of those the test's shell has),
# CapInh = CapAmb = 0; a client logs in (chap-secrets read after the drop),
# ping passes, the server's ip-up runs with CapEff = that bounding set, and
# at hang-up ip-down runs and the server's ppp0 is removed; SIGHUP still
# re-reads the configuration.
# Usage: client_privileges.sh PPTPXD PPTPX SOURCE_DIR
set -u
PPTPXD=$1 PPTPX=$2 SRC=$3
TAG=pv
. "$(dirname "$0")/../netns_pair.sh"
. "$(dirname "$0")/client_common.sh"

has() { grep -qF -- "$2" "$1" || fail "no '$2' in $(basename "$1"): $(cat "$1")"; }
# cap FILE NAME: the hex mask of the "NAME:" line of a /proc status file.
cap() { awk -v n="$2:" '$1 == n { print $2 }' "$1"; }
hex() { printf '%016x' "$1"; }

pair_up
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
server_config
for s in ip-up ip-down; do
  printf '#!/bin/sh\ngrep ^Cap /proc/self/status > %s/%s.caps\n' "$T" "$s" > "$T/server/$s"
  chmod 755 "$T/server/$s"
done
sed -i "s|^ip-up-script .*|ip-up-script $T/server/ip-up|; s|^ip-down-script .*|ip-down-script $T/server/ip-down|" \
  "$T/server/options.pptpd"

# CAP_CHOWN 0, CAP_NET_BIND_SERVICE 10, CAP_NET_ADMIN 12, CAP_NET_RAW 13.
grep ^Cap /proc/self/status > "$T/shell.caps"
shell_bnd=$((0x$(cap "$T/shell.caps" CapBnd)))
want_eff=$(hex $((shell_bnd & 0x1000)))
want_bnd=$(hex $((shell_bnd & 0x3401)))

start_server
wait_log 10 "$T/server1.log" "capabilities kept" || fail "pptpxd did not log its capabilities"
grep ^Cap "/proc/$SERVER_PID/status" > "$T/server.caps" || fail "no /proc/$SERVER_PID/status"
for f in "CapEff $want_eff" "CapPrm $want_bnd" "CapBnd $want_bnd" "CapInh 0000000000000000" \
  "CapAmb 0000000000000000"; do
  set -- $f
  [ "$(cap "$T/server.caps" "$1")" = "$2" ] || fail "pptpxd $1 $(cap "$T/server.caps" "$1"), want $2"
done
ok "pptpxd after start-up: $(tr '\n\t' '  ' < "$T/server.caps")"
ok "$(grep -o 'capabilities kept.*' "$T/server1.log")"

client_files
start_client
wait_link 20 || fail "the link did not come up: $(tail -5 "$T/client.log")"
ping_ok || fail "no ping through the link: $(cat "$T/ping.out")"
ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || fail "the server has no ppp0"
for i in $(seq 50); do [ -s "$T/ip-up.caps" ] && break; sleep 0.1; done
[ -s "$T/ip-up.caps" ] || fail "the server's ip-up did not run"
[ "$(cap "$T/ip-up.caps" CapEff)" = "$want_bnd" ] ||
  fail "ip-up CapEff $(cap "$T/ip-up.caps" CapEff), want $want_bnd"
ok "session up, ping passes, ip-up ran with CapEff $want_bnd"

kill -HUP "$SERVER_PID"
wait_log 10 "$T/server1.log" "configuration re-read" || fail "no reload after SIGHUP"
kill -TERM "$CLIENT_PID"
wait_exit 15 || fail "pptpx still runs 15 s after SIGTERM"
for i in $(seq 50); do
  [ -s "$T/ip-down.caps" ] && ! ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 && break
  sleep 0.1
done
[ -s "$T/ip-down.caps" ] || fail "the server's ip-down did not run"
! ip -n "$NS_S" link show ppp0 > /dev/null 2>&1 || fail "the server's ppp0 is still there"
has "$T/server1.log" "user user1 authenticated with MS-CHAP-v2"
ok "hang-up: ip-down ran, the server's ppp0 removed, SIGHUP re-read the configuration"
exit 0
