#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target for a short time (FUZZ_SECONDS, default 20)
# from an empty corpus, two at a time. Any crash fails.
#   scripts/fuzz-smoke.sh          builds the targets with clang into build-fuzz/ first
#   scripts/fuzz-smoke.sh DIR      the targets already built in DIR (CI's build-ci/,
#                                  scripts/ci-build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
dir=${1:-build-fuzz}
if [ $# -eq 0 ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DPPTPX_FUZZ=ON -DPPTPX_TESTS=OFF >/dev/null
  ninja -C build-fuzz >/dev/null
fi
mapfile -t fuzzers < <(find "$dir/tests/fuzz" -type f -executable ! -name '*.so' | sort)
[ "${#fuzzers[@]}" -gt 0 ] || { echo "no fuzz targets built in $dir"; exit 1; }
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
# Leaks are LSan's to report here, not the test runs' ASAN_OPTIONS.
unset ASAN_OPTIONS

# run_one TARGET: its log in DIR/NAME.log, "ok" or "FAILED" in DIR/NAME.result.
run_one() {
  local f=$1 name corpus
  name=$(basename "$f")
  corpus=$(mktemp -d)
  if "$f" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/$name-" "$corpus" > "$dir/$name.log" 2>&1; then
    echo ok > "$dir/$name.result"
  else
    echo FAILED > "$dir/$name.result"
  fi
  rm -rf "$corpus"
}

for f in "${fuzzers[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  run_one "$f" &
done
wait
fail=0
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  if [ "$(cat "$dir/$name.result" 2>/dev/null)" = ok ]; then
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$dir/$name.log")
    echo "fuzz $name: ok, ${runs:-?} inputs in ${seconds}s"
  else
    echo "fuzz $name: FAILED (see $dir/$name.log)"
    tail -30 "$dir/$name.log"
    fail=1
  fi
done
exit "$fail"
