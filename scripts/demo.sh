#!/usr/bin/env bash
# The pptpx demo, for a fresh Debian 12 machine (as root): installs what it
# needs, builds, then runs pptpxd with the example configuration of
# examples/server (unchanged) on the host side of a lab network namespace,
# and dials it with the real Linux client — pppd 2.4.9 + pptp-linux, inside
# a User-Mode Linux guest, because this kernel has no PPP — which pings
# through the tunnel and runs iperf3 for a few seconds. Until pptpx's own
# client lands, the client side of the demo is the reference one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh >/dev/null
echo "== pptpxd <-> pppd + pptp-linux (MS-CHAPv2, MPPE-128), pings and iperf3 through the tunnel"
rc=0
CASES=1 IPERF_SECONDS=${IPERF_SECONDS:-5} DEMO=1 bash tests/interop/server_test.sh || rc=$?
exit "$rc"
