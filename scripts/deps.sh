#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian 12 package pptpx needs to build, test and run its demo.
set -euo pipefail
packages=(
  # build
  cmake ninja-build g++ clang pkg-config libssl-dev libfmt-dev libmnl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # sd_notify(3) for the Type=notify units (src/io/service_notify.cc); systemd
  # for systemd-analyze (the units' verify test) and the UML systemd test
  libsystemd-dev systemd
  # function size and complexity check (scripts/complexity.sh)
  pmccabe
  # clang-tidy check (scripts/tidy.sh): the checks .clang-tidy names are clang-tidy 14's
  clang-tidy-14
  # format check (scripts/format.sh): .clang-format as clang-format 14 reads it
  clang-format-14
  # man pages: scdoc turns docs/man/*.scd into roff at build time; man-db and groff
  # check that each page renders without a warning (docs/man/check_page.sh)
  scdoc man-db groff-base
  # run and test: namespaces, traffic
  iproute2 iputils-ping iperf3 psmisc procps kmod nftables python3
  # metrics test: promtool check metrics, and a real prometheus scraping pptpxd
  prometheus
  # packages (scripts/package.sh, tests/package/): the .deb with debhelper, checked with
  # lintian and man-db's `man -w`; the RPM with Debian's rpm, checked with rpmlint, rpm2cpio,
  # cpio and binutils (objdump, readelf); the Arch package with makepkg, which needs bsdtar
  # (libarchive-tools) and fakeroot (scdoc and libsystemd-dev, which the packages
  # also build with, are listed above)
  dpkg-dev debhelper fakeroot lintian rpm rpm2cpio rpmlint cpio binutils file
  makepkg pacman-package-manager libarchive-tools
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
  # The packages installed here must not start their services (pptpd's
  # would take port 1723): a policy-rc.d that refuses every start for the
  # length of the install (invoke-rc.d and deb-systemd-invoke honour it),
  # unless the machine already has one. Services already running are left
  # alone.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# scripts/deps.sh of pptpx, during its apt-get install\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  status=0
  apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
  [ "$own_policy" = 1 ] && rm -f "$policy"
  [ "$status" = 0 ] || exit "$status"
fi
