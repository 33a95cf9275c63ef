# SPDX-License-Identifier: MIT
# Shared by the package tests (sourced, not run), from the top of the tree:
# NAME (set before), step and fail messages with the seconds since the
# start, a temp folder $tmp removed at exit, $version from CMakeLists.txt,
# and package KIND FILE: FILE if given (the test checks a package built
# before), else the path scripts/package.sh KIND builds.

t0=$SECONDS
step() { echo "== $NAME: $* (at $((SECONDS - t0)) s)"; }
fail() { echo "FAIL $NAME: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^project(pptpx VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

package() {
  local p=$2
  [ -n "$p" ] || p=$(bash scripts/package.sh "$1" | tail -1)
  p=$(realpath "$p")
  [ -f "$p" ] || fail "no package at $p"
  echo "package: $p" >&2
  echo "$p"
}
