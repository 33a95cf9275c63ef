#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The clang-tidy guard: the checks of .clang-tidy over every
# translation unit of src/ and tests/, and over the project's headers they
# include. Fails on any finding; the findings and their context are printed.
#
# The compile database comes from a configure of its own in build-tidy/, with
# clang++, so that the flags are those of clang-tidy's front end. Nothing is
# built (no source is generated). One clang-tidy runs per core.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v run-clang-tidy-14 >/dev/null || { echo "tidy: clang-tidy-14 is missing (bash scripts/deps.sh)"; exit 2; }

cmake -S . -B build-tidy -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DPPTPX_TESTS=ON >/dev/null
files=$(grep -cE '"file": ".*/(src|tests)/' build-tidy/compile_commands.json)
log=build-tidy/tidy.log
rc=0
# run-clang-tidy-14 always colours its output; the log is kept plain.
run-clang-tidy-14 -p build-tidy -j "$(nproc)" -quiet '/(src|tests)/' 2>&1 |
  sed -E 's/\x1b\[[0-9;]*m//g' >"$log" || rc=$?

# A finding in a header is printed once for each file that includes it.
findings=$(grep -E '(warning|error): .*\[[^]]+\]$' "$log" | sort -u || true)
if [ "$rc" != 0 ] || [ -n "$findings" ]; then
  grep -vE '^(clang-tidy-14 |[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$)' "$log" || true
  echo "tidy: $(printf '%s' "$findings" | grep -c . || true) findings in $files files (the whole output: $log)"
  exit 1
fi
echo "tidy ok: $files files, no findings"
