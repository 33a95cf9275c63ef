#!/bin/bash
# SPDX-License-Identifier: MIT
# systemd-analyze verify on pptpxd.service and pptpx@.service (a template:
# systemd verifies an instance of it) as configured in DIR; fails on any
# message, warnings included. --man=no: the Documentation= man pages need
# not be installed where the tests run.
# Usage: verify.sh DIR
set -u
dir=$1
command -v systemd-analyze > /dev/null || { echo "skip: no systemd-analyze"; exit 77; }
status=0
for unit in pptpxd.service pptpx@.service; do
  out=$(cd "$dir" && systemd-analyze verify --man=no "./$unit" 2>&1)
  rc=$?
  if [ "$rc" != 0 ] || [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify $dir/$unit (status $rc):"
    echo "$out"
    status=1
  else
    echo "ok: $unit"
  fi
done
exit "$status"
