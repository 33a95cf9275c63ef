#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CI's short fuzz run: every libFuzzer target for FUZZ_SECONDS (default 20)
# from its seeds (scripts/fuzz.sh), one per core. Any crash fails.
#   scripts/fuzz-smoke.sh          builds the targets with clang into build-fuzz/ first
#   scripts/fuzz-smoke.sh DIR      the targets already built in DIR (CI's build-ci/,
#                                  scripts/ci-build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}" "$@"
