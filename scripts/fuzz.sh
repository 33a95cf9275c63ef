#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every libFuzzer target for SECONDS each, from its seed corpus in
# tests/fuzz/corpus/TARGET (tests/fuzz/make_corpus.py writes it) and what
# earlier runs found, FUZZ_JOBS targets at a time (default: one per core).
# Any crash, leak, timeout (an input taking over FUZZ_TIMEOUT seconds, default
# 10) or memory blow-up (over 2 GiB) fails. Prints a line per target: inputs
# run, coverage (libFuzzer's cov: edges and ft: features) and corpus size.
#
#   scripts/fuzz.sh SECONDS        builds the targets with clang into build-fuzz/ first
#   scripts/fuzz.sh SECONDS DIR    the targets already built in DIR (e.g. CI's build-ci/)
#
# What a run finds stays in DIR/fuzz-corpus/TARGET for the next run; a
# failing input is written to DIR/TARGET-crash-... (or -leak-, -timeout-,
# -oom-); reproduce with `DIR/tests/fuzz/.../TARGET FILE`. CI runs 20 s
# per target (scripts/fuzz-smoke.sh); a long run is a 10-minute one:
#   scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] && [[ $1 =~ ^[0-9]+$ ]] || {
  echo "usage: scripts/fuzz.sh SECONDS [BUILD_DIR]" >&2
  exit 2
}
seconds=$1
dir=${2:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
if [ $# -lt 2 ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DPPTPX_FUZZ=ON -DPPTPX_TESTS=OFF >/dev/null
  ninja -C build-fuzz >/dev/null
fi
mapfile -t fuzzers < <(find "$dir/tests/fuzz" -type f -executable ! -name '*.so' | sort)
[ "${#fuzzers[@]}" -gt 0 ] || { echo "no fuzz targets built in $dir (configure with -DPPTPX_FUZZ=ON)"; exit 1; }
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
# Leaks are LSan's to report here, not the test runs' ASAN_OPTIONS.
unset ASAN_OPTIONS

# run_one TARGET: its log in DIR/NAME.log, "ok" or "FAILED" in DIR/NAME.result.
run_one() {
  local f=$1 name work seeds
  name=$(basename "$f")
  work="$dir/fuzz-corpus/$name"
  seeds="tests/fuzz/corpus/$name"
  mkdir -p "$work"
  [ -d "$seeds" ] || seeds=
  if "$f" -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/$name-" "$work" $seeds > "$dir/$name.log" 2>&1; then
    echo ok > "$dir/$name.result"
  else
    echo FAILED > "$dir/$name.result"
  fi
}

for f in "${fuzzers[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$f" &
done
wait
fail=0
for f in "${fuzzers[@]}"; do
  name=$(basename "$f")
  log="$dir/$name.log"
  runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log")
  # The last status line: "#N  DONE  cov: C ft: F corp: U/S ...".
  cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)\/([^ ]+).*/cov \1, ft \2, corpus \3 (\4)/')
  if [ "$(cat "$dir/$name.result" 2>/dev/null)" = ok ]; then
    echo "fuzz $name: ok, ${runs:-?} inputs in ${seconds} s; ${cov:-no coverage line}"
  else
    echo "fuzz $name: FAILED after ${runs:-?} inputs (see $log)"
    tail -30 "$log"
    fail=1
  fi
done
exit "$fail"
