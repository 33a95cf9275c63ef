# SPDX-License-Identifier: MIT
# Shared by the sd_notify scripts (sourced after netns_pair.sh, not run): a
# stand-in for systemd's end of NOTIFY_SOCKET, and a check of what it got.

# receiver NAME: python3 serving a datagram socket $T/NAME.sock, each
# message written to $T/NAME.txt as one line ("|" for its newlines); killed
# at clean-up through $T/NAME-receiver.pid.
receiver() {
  : > "$T/$1.txt"
  python3 - "$T/$1.sock" "$T/$1.txt" > "$T/$1-receiver.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
  echo $! > "$T/$1-receiver.pid"
  local i
  for i in $(seq 50); do [ -S "$T/$1.sock" ] && return 0; sleep 0.1; done
  fail "receiver $1 does not listen"
}

# expect NAME N LINE: the Nth message NAME received is LINE, within 10 s.
expect() {
  local i got
  for i in $(seq 100); do
    got=$(sed -n "$2p" "$T/$1.txt")
    [ -n "$got" ] && break
    sleep 0.1
  done
  [ "$got" = "$3" ] || fail "$1 message $2: '$got', want '$3' (all: $(tr '\n' ';' < "$T/$1.txt"))"
}
