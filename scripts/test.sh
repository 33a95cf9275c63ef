#!/usr/bin/env bash
# Every pptpx test, for a fresh Debian 12 machine (as root): installs what it
# needs, builds, checks function size and complexity (pmccabe), runs the unit
# and integration tests (ctest), a short fuzz run of every parser, and the
# interoperability tests against the real
# implementations in User-Mode Linux guests: pptpxd against pppd +
# pptp-linux, and pptpx against PoPToP pptpd + pppd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
echo "== function size and complexity"
bash scripts/complexity.sh
echo "== unit and integration tests"
ctest --test-dir build --output-on-failure -j2
echo "== fuzz smoke"
bash scripts/fuzz-smoke.sh
echo "== interoperability: pptpxd against pppd 2.4.9 + pptp-linux"
bash tests/interop/server_test.sh
echo "== interoperability: pptpx (first client path) against PoPToP pptpd + pppd 2.4.9"
bash tests/integration/client/interop_pptpd.sh build
echo "== all tests passed"
