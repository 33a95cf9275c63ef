#!/usr/bin/env bash
# Installs every Debian 12 package pptpx needs to build, test and run its demo.
set -euo pipefail
packages=(
  # build
  cmake ninja-build g++ clang pkg-config libssl-dev libfmt-dev libmnl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # function size and complexity check (scripts/complexity.sh)
  pmccabe
  # clang-tidy check (scripts/tidy.sh): the checks .clang-tidy names are clang-tidy 14's
  clang-tidy-14
  # format check (scripts/format.sh): .clang-format as clang-format 14 reads it
  clang-format-14
  # run and test: namespaces, traffic
  iproute2 iputils-ping iperf3 psmisc procps kmod nftables python3
  # metrics test: promtool check metrics, and a real prometheus scraping pptpxd
  prometheus
  # interop lab: real pppd + pptp-linux + pptpd inside User-Mode Linux guests
  user-mode-linux ppp pptp-linux pptpd busybox
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# pptpd's package may start its own daemon on port 1723; pptpx needs the port.
if pgrep -x pptpd >/dev/null 2>&1; then pkill -x pptpd || true; fi
