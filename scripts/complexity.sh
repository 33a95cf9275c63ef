#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Function size guard: pmccabe over every src/**/*.cc.
# A function fails when its cyclomatic complexity exceeds 15 or it spans more
# than 60 lines. The complexity is pmccabe's first column, the *modified*
# McCabe number: 1 + each if, for, while, switch, &&, || and ?, a switch
# counting once however many cases it has. The length is pmccabe's fifth
# column, the lines from the function's first line to its closing brace.
#
# Exceptions are scripts/complexity-allow.txt, one `file:function` a line,
# function as this script prints it. The script fails on an offender that is
# not listed, and on a listed function that no longer offends (or is gone), so
# the list only shrinks. With --list it also prints every offender, listed
# or not, with its numbers.
#
# pmccabe 2.8 predates C++11: it silently skips the rest of a file after
# `namespace a::b {`, and the classes and functions carrying `noexcept`,
# `override` or `final`. Each file is therefore measured from a copy with
# those rewritten, line for line (`a::b` becomes `a__NS__b`, the specifiers
# become blanks); anything pmccabe still cannot parse fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C
max_ccn=15
max_lines=60
allow=scripts/complexity-allow.txt
command -v pmccabe >/dev/null || { echo "complexity: pmccabe is missing (bash scripts/deps.sh)"; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mapfile -t files < <(find src -name '*.cc' | sort)
for f in "${files[@]}"; do
  mkdir -p "$tmp/${f%/*}"
  sed -E -e '/^[[:space:]]*namespace[[:space:]]+[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)+[[:space:]]*\{/ s/::/__NS__/g' \
         -e 's/\b(noexcept|override)\b/        /g' \
         -e 's/\bfinal\b([[:space:]]*[:{])/     \1/g' \
      "$f" >"$tmp/$f"
done
rc=0
(cd "$tmp" && pmccabe "${files[@]}") >"$tmp/measured" 2>"$tmp/errors" || rc=$?
if [ "$rc" != 0 ] || [ -s "$tmp/errors" ]; then
  echo "complexity: pmccabe could not parse everything, so the measure would be incomplete:"
  cat "$tmp/errors"
  exit 1
fi

# "file:function<TAB>CCN n, n lines (line l)" for each offender.
awk -F'\t' -v ccn="$max_ccn" -v len="$max_lines" '
  $1 > ccn || $5 > len {
    where = $6
    sub(/\(.*/, "", where)
    name = $6
    sub(/^[^)]*\): /, "", name)
    gsub(/__NS__/, "::", name)
    printf "%s:%s\tCCN %d, %d lines (line %d)\n", where, name, $1, $5, $4
  }' "$tmp/measured" | sort >"$tmp/offenders"
cut -f1 "$tmp/offenders" | sort -u >"$tmp/offending"
{ grep -vE '^[[:space:]]*(#|$)' "$allow" || true; } | sed -E 's/[[:space:]]+$//' | sort -u >"$tmp/allowed"

if [ "${1:-}" = --list ]; then
  echo "complexity: every function over CCN $max_ccn or $max_lines lines:"
  sed 's/^/  /; s/\t/  /' "$tmp/offenders"
fi
fail=0
new=$(awk -F'\t' 'FILENAME == ARGV[1] { allowed[$0] = 1; next } !($1 in allowed)' "$tmp/allowed" "$tmp/offenders")
if [ -n "$new" ]; then
  echo "complexity: over CCN $max_ccn or $max_lines lines; split them (see $allow):"
  printf '%s\n' "$new" | sed 's/^/  /; s/\t/  /'
  fail=1
fi
stale=$(comm -13 "$tmp/offending" "$tmp/allowed")
if [ -n "$stale" ]; then
  echo "complexity: listed in $allow but no longer over the limits; remove the line:"
  printf '%s\n' "$stale" | sed 's/^/  /'
  fail=1
fi
if [ "$fail" = 0 ]; then
  echo "complexity ok: ${#files[@]} files, $(wc -l <"$tmp/measured") functions, $(wc -l <"$tmp/allowed") allowed offenders"
fi
exit "$fail"
