#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI's one build (scripts/test.sh): build-ci/ with clang, ASan, LeakSanitizer
# and UBSan, libFuzzer's coverage hooks and the fuzz targets, the tests,
# and warnings as errors. One tree serves the unit and integration tests
# (under the sanitizers), the fuzz smoke run and the interoperability
# suites, where three builds served before: on a machine of two cores each
# full build costs minutes of CI. The Debian package lane builds with GCC
# (tests/package/deb_test.sh), and `cmake --preset dev` is GCC too.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-ci -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DPPTPX_WERROR=ON -DPPTPX_SANITIZE=ON -DPPTPX_FUZZ=ON -DPPTPX_TESTS=ON >/dev/null
ninja -C build-ci
