#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds pptpx into build/ (Release with debug info, tests on).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPPTPX_WERROR=ON >/dev/null
ninja -C build
