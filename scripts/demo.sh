#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The pptpx demo, for a fresh Debian 12 machine (as root): installs what it
# needs, builds, then runs pptpxd with the example configuration of
# examples/server (unchanged) on the host side of a lab network namespace,
# and dials it with the real Linux client — pppd 2.4.9 + pptp-linux, inside
# a User-Mode Linux guest with its own network stack, because this kernel
# has no PPP — which pings through the tunnel and runs iperf3 for a few
# seconds. Then it shows what each side logged.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
work=$PWD/tests/interop/work/demo-$(date +%Y%m%d-%H%M%S)
echo "== pptpxd (examples/server) <-> pppd + pptp-linux: MS-CHAPv2, MPPE-128, ping, iperf3"
rc=0
CASES=1 IPERF_SECONDS=${IPERF_SECONDS:-5} LAB_WORK=$work bash tests/interop/server_test.sh || rc=$?
echo
echo "== server log (pptpxd -f)"
grep -E "CTRL: client|authenticated|MPPE|local IP|terminated|interface" "$work/server.log" || true
echo
echo "== client log (pppd)"
grep -E "CHAP|MPPE|local  IP|remote IP|Connection terminated" "$work/c1/pppd.log" || true
echo
echo "== client: ping 10.10.0.1 through the tunnel"
tail -2 "$work/c1/ping.txt" || true
echo "== client: iperf3 to the server through the tunnel"
grep -E "sender|receiver" "$work/c1/iperf3.txt" || true
echo
echo "results in $work"
exit "$rc"
