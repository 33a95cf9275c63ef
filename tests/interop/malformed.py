#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Malformed PPTP input for the interop lab (server suite, case 9).

Run from a network namespace joined to the lab bridge, never towards an
address outside the lab. Sends to the server under test:
  - TCP 1723: random bytes, an SCCRQ with a bad magic cookie, a truncated
    SCCRQ, a header with an impossible length, a valid SCCRQ followed by
    a truncated OCRQ and garbage (RFC 2637 section 2);
  - GRE (IP protocol 47, raw socket): truncated headers, wrong version,
    wrong protocol type, missing key bit, payload length beyond the packet,
    random bytes, unknown call IDs (RFC 2637 section 4.1);
  - with --spoof SRC --call-id N: the same malformed GRE headers from the
    connected client's address to its session, which must be dropped
    without disturbing it. Well-formed data packets are never forged: a
    forged sequence number or MPPE coherency count would desynchronise any
    PPTP peer, by design of the protocol.
Prints one line per probe and what the server did (closed, answered, ...).
"""

import argparse
import os
import random
import socket
import struct
import time

COOKIE = 0x1A2B3C4D


def ctrl_header(length, ctype, cookie=COOKIE):
    return struct.pack("!HHIHH", length, 1, cookie, ctype, 0)


def sccrq(cookie=COOKIE):
    body = struct.pack("!HBBIIHH", 0x0100, 0, 0, 3, 3, 65535, 1)
    body += b"lab-garbage".ljust(64, b"\0") + b"pptpx-interop".ljust(64, b"\0")
    return ctrl_header(156, 1, cookie) + body


def ocrq_truncated():
    return ctrl_header(168, 7) + struct.pack("!HHII", 0x4242, 0, 300, 100000000)


def tcp_probe(server, name, chunks, read_after=1.0):
    """Sends chunks on a fresh connection; reports how the server reacted."""
    s = socket.create_connection((server, 1723), timeout=3)
    got = b""
    outcome = "open"
    try:
        for c in chunks:
            s.sendall(c)
            time.sleep(0.05)
        s.settimeout(read_after)
        while True:
            d = s.recv(4096)
            if not d:
                outcome = "closed by server"
                break
            got += d
    except socket.timeout:
        outcome = "still open"
    except ConnectionResetError:
        outcome = "reset by server"
    finally:
        s.close()
    print(f"tcp {name}: {outcome}, {len(got)} bytes back")


def gre(flags_ver, proto, length, call_id, seq=None, ack=None, payload=b""):
    h = struct.pack("!HHHH", flags_ver, proto, length, call_id)
    if seq is not None:
        h += struct.pack("!I", seq)
    if ack is not None:
        h += struct.pack("!I", ack)
    return h + payload


def malformed_gre(call_id, rnd):
    junk = bytes(rnd.getrandbits(8) for _ in range(40))
    return [
        ("1 octet", b"\x30"),
        ("4 octets", b"\x30\x81\x88\x0b"),
        ("header cut after call id", gre(0x3081, 0x880B, 40, call_id)),
        ("version 0", gre(0x3000, 0x880B, 40, call_id, 0, None, junk)),
        ("protocol 0x0800", gre(0x3001, 0x0800, 40, call_id, 0, None, junk)),
        ("no key bit", gre(0x1001, 0x880B, 40, call_id, 0, None, junk)),
        ("checksum bit", gre(0xB001, 0x880B, 40, call_id, 0, None, junk)),
        ("routing bit", gre(0x7001, 0x880B, 40, call_id, 0, None, junk)),
        ("flags bits", gre(0x3079, 0x880B, 40, call_id, 0, None, junk)),
        ("payload length beyond packet", gre(0x3001, 0x880B, 1400, call_id, 0, None, junk)),
        ("payload length 65535", gre(0x3081, 0x880B, 65535, call_id, 0, 0, junk)),
        ("ack flag, no room for ack", gre(0x3081, 0x880B, 0, call_id, 0)),
        ("ack-only with payload length", gre(0x2081, 0x880B, 40, call_id, None, 0, junk)),
    ]


def gre_send(server, packets, spoof=None):
    if spoof:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    src = socket.inet_aton(spoof) if spoof else None
    dst = socket.inet_aton(server)
    for name, p in packets:
        if spoof:
            # The kernel fills in the total length, ID and checksum.
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, 47, 0, src, dst)
            p = ip + p
        s.sendto(p, (server, 0))
        time.sleep(0.01)
    s.close()
    who = f"spoofed from {spoof}" if spoof else "from this namespace"
    print(f"gre: {len(packets)} malformed packets {who}: " + ", ".join(n for n, _ in packets[:20]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("server")
    ap.add_argument("--spoof", help="client address to forge GRE from")
    ap.add_argument("--call-id", type=int, help="the server's call ID of that client's session")
    ap.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    print(f"seed {a.seed}")
    server = a.server

    tcp_probe(server, "random bytes", [bytes(rnd.getrandbits(8) for _ in range(700))])
    tcp_probe(server, "SCCRQ with bad cookie", [sccrq(cookie=0xDEADBEEF)])
    tcp_probe(server, "truncated SCCRQ then close", [sccrq()[:40]], read_after=0.2)
    tcp_probe(server, "length 4 header", [ctrl_header(4, 1) + b"\0" * 8])
    tcp_probe(server, "length 65535 SCCRQ", [ctrl_header(65535, 1) + sccrq()[12:]])
    tcp_probe(server, "SCCRQ + truncated OCRQ + garbage",
              [sccrq(), ocrq_truncated(), bytes(rnd.getrandbits(8) for _ in range(300))])
    tcp_probe(server, "SCCRQ split in 1-octet writes", [bytes([b]) for b in sccrq()[:30]], read_after=0.2)

    packets = malformed_gre(rnd.getrandbits(16), rnd)
    packets += [(f"random {i}", bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 200))))
                for i in range(20)]
    packets += [(f"unknown call id {i}", gre(0x3081, 0x880B, 8, rnd.getrandbits(16), 1, 0, b"\xff\x03\xc0\x21\x09\x01\x00\x04"))
                for i in range(10)]
    gre_send(server, packets)
    if a.spoof and a.call_id is not None:
        gre_send(server, malformed_gre(a.call_id, rnd), spoof=a.spoof)


if __name__ == "__main__":
    main()
