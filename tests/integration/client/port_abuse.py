#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Abuses a PPTP server's TCP port from one source address. Test tool for
the integration tests only; run it inside the test's network namespace,
never towards an address outside it.

hold SRC DST N SECONDS READY
    Opens N TCP connections to DST:1723 from SRC that never send anything,
    writes READY once all were started, and for SECONDS keeps N open: each
    one the server closes is opened again (twice a second at most).
    Prints "opened K closed-by-server C" at the end.
echo SRC DST SECONDS
    One connection from SRC with a 4 KiB receive buffer: sends
    Start-Control-Connection-Request, then Echo-Requests without end, and
    never reads. Prints "disconnected after K bytes" when the server closes
    it within SECONDS (exit 0), "still connected" otherwise (exit 1).
"""

import resource
import select
import socket
import struct
import sys
import time

PORT = 1723
COOKIE = 0x1A2B3C4D


def control(ctype, body):
    """A PPTP control message: length, type 1, cookie, control type, reserved."""
    return struct.pack("!HHIHH", 12 + len(body), 1, COOKIE, ctype, 0) + body


def sccrq():
    body = struct.pack("!HHIIHH", 0x0100, 0, 3, 3, 1, 1)
    body += b"abuse".ljust(64, b"\0") + b"abuse".ljust(64, b"\0")
    return control(1, body)


def echo_request(ident):
    return control(5, struct.pack("!I", ident))


def start(src, dst):
    s = socket.socket()
    s.setblocking(False)
    s.bind((src, 0))
    s.connect_ex((dst, PORT))
    return s


def hold(src, dst, n, seconds, ready):
    resource.setrlimit(resource.RLIMIT_NOFILE, (n + 256, n + 256))
    socks = {}
    poller = select.poll()
    opened = closed = 0

    def add():
        nonlocal opened
        s = start(src, dst)
        socks[s.fileno()] = s
        poller.register(s, select.POLLIN)
        opened += 1

    for _ in range(n):
        add()
    with open(ready, "w") as f:
        f.write("ready\n")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        dead = 0
        for fd, _ in poller.poll(500):
            s = socks.pop(fd)
            poller.unregister(fd)
            s.close()
            dead += 1
        closed += dead
        time.sleep(0.5)
        for _ in range(dead):
            add()
    print(f"opened {opened} closed-by-server {closed}")


def echo(src, dst, seconds):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((dst, PORT))
    burst = b"".join(echo_request(i) for i in range(256))
    sent = 0
    end = time.monotonic() + seconds
    try:
        s.sendall(sccrq())
        while time.monotonic() < end:
            try:
                s.sendall(burst)
                sent += len(burst)
            except socket.timeout:
                pass  # the server reads slower than we write: go on
    except OSError:
        print(f"disconnected after {sent} bytes")
        return 0
    print("still connected")
    return 1


def main():
    if sys.argv[1] == "hold":
        hold(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
        return 0
    return echo(sys.argv[2], sys.argv[3], float(sys.argv[4]))


if __name__ == "__main__":
    sys.exit(main())
