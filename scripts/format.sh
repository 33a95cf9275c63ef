#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The clang-format guard: every C++ file git tracks (*.cc, *.h) must be as
# clang-format 14 writes it with .clang-format; and every source file (C++,
# shell, Python, CMake) names its licence in an SPDX line near its top.
#   scripts/format.sh         check: list each file that deviates and fail
#   scripts/format.sh fix     rewrite the files in place
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format-14 >/dev/null || { echo "format: clang-format-14 is missing (bash scripts/deps.sh)"; exit 2; }
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "${1:-check}" = fix ]; then
  clang-format-14 -i "${files[@]}"
  echo "format: ${#files[@]} files formatted"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format-14 --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf '%s\n' "${bad[@]}"
  echo "format: ${#bad[@]} of ${#files[@]} files deviate from .clang-format; fix them with: bash scripts/format.sh fix"
  exit 1
fi
mapfile -t sources < <(git ls-files '*.cc' '*.h' '*.sh' '*.py' '*.cmake' '*CMakeLists.txt' | grep -v '^tests/data/')
unlicensed=()
for f in "${sources[@]}"; do
  head -3 "$f" | grep -q 'SPDX-License-Identifier: MIT' || unlicensed+=("$f")
done
if ((${#unlicensed[@]})); then
  printf '%s\n' "${unlicensed[@]}"
  echo "format: ${#unlicensed[@]} source files lack '# SPDX-License-Identifier: MIT' (or // ...) in their first 3 lines"
  exit 1
fi
echo "format ok: ${#files[@]} files; SPDX lines in all ${#sources[@]} sources"
