#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every pptpx test, for a fresh Debian 12 machine (as root): installs what it
# needs, builds once with clang under ASan+UBSan with the fuzz targets
# (scripts/ci-build.sh), checks the format (clang-format), function size and
# complexity (pmccabe) and clang-tidy's findings, runs the unit and
# integration tests (ctest, under the sanitizers: scripts/asan.sh), a short
# fuzz run of every parser, the interoperability tests against the real
# implementations in User-Mode Linux guests (pptpxd against pppd +
# pptp-linux, and pptpx against PoPToP pptpd + pppd), and the Debian
# package (tests/package/deb_test.sh: built with GCC, lintian, installed,
# started under systemd in a UML guest, purged).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage's start, in seconds since this script began: where CI's time goes.
stage() { echo "== $* (at ${SECONDS} s)"; }
bash scripts/deps.sh
stage "build (clang, ASan+UBSan, fuzz targets)"
bash scripts/ci-build.sh
stage "format"
bash scripts/format.sh
stage "function size and complexity"
bash scripts/complexity.sh

# clang-tidy and the package need nothing from the stages below, so they run
# beside them at the lowest CPU priority, on what the tests (mostly waiting
# on namespaces and UML guests) leave idle. Their own sessions, so that a
# failing stage can stop them; their output goes to logs, printed only if
# they fail.
tidy_log=build-ci/tidy.log
setsid -w nice -n 19 bash -c "bash scripts/tidy.sh >$tidy_log 2>&1 || exit 11" &
background=$!
# The package: a second build (GCC, Release, no tests), lintian, install, a
# UML guest (systemd_unit_uml's checks on the installed programs), purge.
package_log=build-ci/package.log
setsid -w nice -n 19 bash tests/package/deb_test.sh >$package_log 2>&1 &
package=$!
trap 'kill -- -"$background" -"$package" 2>/dev/null || true' EXIT

stage "unit and integration tests under ASan+UBSan"
bash scripts/asan.sh test build-ci
stage "fuzz smoke"
bash scripts/fuzz-smoke.sh build-ci
stage "interoperability: pptpxd against pppd 2.4.9 + pptp-linux"
BUILD_DIR=build-ci bash tests/interop/server_test.sh
stage "interoperability: pptpx (first client path) against PoPToP pptpd + pppd 2.4.9"
bash tests/integration/client/interop_pptpd.sh build-ci

stage "clang-tidy (run in the background)"
status=0
wait "$background" || status=$?
case $status in
  0) ;;
  11) cat "$tidy_log"; echo "clang-tidy failed"; exit 1 ;;
  *) echo "background stage failed with status $status"; exit 1 ;;
esac
tail -1 "$tidy_log"
stage "the Debian package (run in the background)"
status=0
wait "$package" || status=$?
trap - EXIT
grep -E '^(== |ok: |note: |lintian: |FAIL)' "$package_log" || true
[ "$status" = 0 ] || { cat "$package_log"; echo "the package test failed"; exit 1; }
stage "all tests passed"
