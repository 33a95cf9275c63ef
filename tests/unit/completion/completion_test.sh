#!/bin/bash
# SPDX-License-Identifier: MIT
# dist/bash-completion/pptpx, sourced in a plain bash: pptpx call and
# hangup complete the peers files' names (of --peers-dir), the commands
# and values complete, and each program's options as completed are the
# flags its --help names.
# Usage: completion_test.sh SOURCE_DIR PPTPXD PPTPX PPTPXCTL
set -u
SRC=$1 PPTPXD=$2 PPTPX=$3 PPTPXCTL=$4
. "$SRC/dist/bash-completion/pptpx" || { echo "FAIL: cannot source the completion"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# complete LINE: the completions bash would offer for LINE (completing its
# last word; a trailing space starts a new one), sorted, one line.
complete_line() {
  local line=$1 func
  read -ra COMP_WORDS <<< "$line"
  [[ $line == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  func=$(complete -p "${COMP_WORDS[0]}" | awk '{ print $3 }')
  COMPREPLY=()
  "$func"
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect LINE WANT
expect() {
  local got
  got=$(complete_line "$1")
  [ "$got" = "$2" ] || fail "'$1': got '$got', want '$2'"
  echo "ok: '$1' -> $got"
}

mkdir "$T/peers"
touch "$T/peers/vpn-office" "$T/peers/vpn-home" "$T/peers/lab"
expect "pptpx --peers-dir $T/peers call vpn" "vpn-home vpn-office"
expect "pptpx --peers-dir $T/peers hangup " "lab vpn-home vpn-office"
expect "pptpx " "call hangup"
expect "pptpx --log-level d" "debug"
expect "pptpx call lab nodet" "nodetach"
expect "pptpxctl " "blocks debug kill reload sessions show stats unblock version"
expect "pptpxctl debug " "off on"
expect "pptpxctl sessions " ""
expect "pptpxd --log-level w" "warning"
touch "$T/pptpd.conf"
expect "pptpxd -c $T/pptpd" "$T/pptpd.conf"

# The options each completion offers are the flags of --help.
for pair in "pptpxd:$PPTPXD" "pptpx:$PPTPX" "pptpxctl:$PPTPXCTL"; do
  name=${pair%%:*} program=${pair#*:}
  completed=$(complete_line "$name -" | tr ' ' '\n' | sort -u)
  help=$("$program" --help | grep -oE '(^|[[:space:](\[,])--?[A-Za-z][A-Za-z0-9-]*' |
    sed -E 's/^[^-]*//' | sort -u)
  [ "$completed" = "$help" ] ||
    fail "$name: completed and --help differ: $(diff <(echo "$completed") <(echo "$help") | grep '^[<>]' | tr '\n' ' ')"
  echo "ok: $name completes the $(wc -l <<< "$help") flags of its --help"
done
