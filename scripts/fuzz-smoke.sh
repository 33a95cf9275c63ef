#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds every libFuzzer target with clang and runs each for a short time
# (FUZZ_SECONDS, default 20) from an empty corpus. Any crash fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DPPTPX_FUZZ=ON -DPPTPX_TESTS=OFF >/dev/null
ninja -C build-fuzz >/dev/null
mapfile -t fuzzers < <(find build-fuzz/tests/fuzz -type f -executable ! -name '*.so' | sort)
[ "${#fuzzers[@]}" -gt 0 ] || { echo "no fuzz targets built"; exit 1; }
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
fail=0
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  corpus=$(mktemp -d)
  if "$f" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/$name-" "$corpus" \
      >"build-fuzz/$name.log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "build-fuzz/$name.log")
    echo "fuzz $name: ok, ${runs:-?} inputs in ${seconds}s"
  else
    echo "fuzz $name: FAILED (see build-fuzz/$name.log)"
    tail -30 "build-fuzz/$name.log"
    fail=1
  fi
  rm -rf "$corpus"
done
exit "$fail"
