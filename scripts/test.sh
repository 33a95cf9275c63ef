#!/usr/bin/env bash
# Every pptpx test, for a fresh Debian 12 machine (as root): installs what it
# needs, builds, checks function size and complexity (pmccabe), runs the
# unit and integration tests (ctest), a short fuzz
# run of every parser, the interoperability tests against the real
# implementations in User-Mode Linux guests (pptpxd against pppd +
# pptp-linux, and pptpx against PoPToP pptpd + pppd), and last the unit and
# integration tests again under ASan+UBSan (scripts/asan.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
echo "== function size and complexity"
bash scripts/complexity.sh

# The sanitizer build needs nothing from the stages below, so it runs beside
# them at the lowest CPU priority, on what the tests (mostly waiting on
# namespaces and UML guests) leave idle. Its own session, so that a failing
# stage can stop it; its output goes to a log, printed only if it fails.
asan_log=build-asan/build.log
mkdir -p build-asan
setsid -w nice -n 19 bash scripts/asan.sh build >"$asan_log" 2>&1 &
asan_build=$!
trap 'kill -- -"$asan_build" 2>/dev/null || true' EXIT

echo "== unit and integration tests"
ctest --test-dir build --output-on-failure -j2
echo "== fuzz smoke"
bash scripts/fuzz-smoke.sh
echo "== interoperability: pptpxd against pppd 2.4.9 + pptp-linux"
bash tests/interop/server_test.sh
echo "== interoperability: pptpx (first client path) against PoPToP pptpd + pppd 2.4.9"
bash tests/integration/client/interop_pptpd.sh build

echo "== unit and integration tests under ASan+UBSan"
if ! wait "$asan_build"; then
  cat "$asan_log"
  echo "asan build failed"
  exit 1
fi
trap - EXIT
tail -1 "$asan_log"
bash scripts/asan.sh test
echo "== all tests passed"
