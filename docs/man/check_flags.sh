#!/bin/bash
# SPDX-License-Identifier: MIT
# The flags a program's --help names are exactly the flags its man page
# defines (the *-x*, *--long* terms of its definition lists), so neither
# can drift from the other.
# Usage: check_flags.sh PROGRAM PAGE.scd
set -u
program=$1 page=$2
help=$("$program" --help) || { echo "FAIL: $program --help failed"; exit 1; }
# A flag in the help: a dash or two at the start of a word (after a blank,
# '(', '[' or ','), then a letter.
from_help=$(grep -oE '(^|[[:space:](\[,])--?[A-Za-z][A-Za-z0-9-]*' <<< "$help" |
  sed -E 's/^[^-]*//' | sort -u)
# A definition in the page: a line of terms starting with a flag, and under
# it a line indented with a tab.
from_page=$(awk '/^\t/ && prev ~ /^\*-/ { print prev } { prev = $0 }' "$page" |
  grep -oE '\*--?[A-Za-z][A-Za-z0-9-]*\*' | tr -d '*' | sort -u)
missing=$(comm -23 <(echo "$from_help") <(echo "$from_page"))
extra=$(comm -13 <(echo "$from_help") <(echo "$from_page"))
[ -z "$missing" ] || echo "FAIL: in $(basename "$program") --help, not in $(basename "$page"): $missing"
[ -z "$extra" ] || echo "FAIL: in $(basename "$page"), not in $(basename "$program") --help: $extra"
[ -z "$missing$extra" ] || exit 1
echo "ok: $(basename "$program") --help and $(basename "$page") name the same $(wc -l <<< "$from_help") flags:" $from_help
