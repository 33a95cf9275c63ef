#!/bin/bash
# SPDX-License-Identifier: MIT
# A man page renders without a single warning from man or groff.
# Usage: check_page.sh PAGE (roff). Exit 77 (skipped) without man.
set -u
page=$1
command -v man > /dev/null || { echo "skip: no man"; exit 77; }
[ -s "$page" ] || { echo "FAIL: $page is missing or empty"; exit 1; }
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$page" 2>&1 > /dev/null)
if [ -n "$warnings" ]; then
  echo "FAIL: $page: $warnings"
  exit 1
fi
echo "ok: $page renders without warnings"
