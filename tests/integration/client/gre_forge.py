#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Forged enhanced GRE at pptpxd (issue 14), from a namespace that can spoof
# the clients' addresses: for each target SRC:CALL_ID (the client's address,
# the server's call ID for that session), RATE packets a second of each kind
# for SECONDS seconds:
#   random  - random sequence number, acknowledgment and payload;
#   far     - sequence numbers 2^30 ahead (counting up), payloads that look
#             like PPP IP, LCP or MPPE;
#   mppe    - MPPE packets (A and D set, or D alone) with random coherency
#             counts - jumps of up to 4095 key changes - far ahead.
# Prints one JSON object: packets sent by kind and in all.
# Usage: gre_forge.py DST SECONDS RATE SRC:CALL_ID...
# Plain socket with IP_HDRINCL (no scapy): the kernel fills in the IP
# checksum, total length and ID.
import json
import os
import random
import socket
import struct
import sys
import time


def ip_header(src, dst):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, 47, 0, socket.inet_aton(src),
                       socket.inet_aton(dst))


def gre(call_id, seq, payload, ack=None):
    flags = 0x3001 | (0x0080 if ack is not None else 0)  # K, S, version 1 (+ A)
    h = struct.pack("!HHHHI", flags, 0x880B, len(payload), call_id, seq)
    if ack is not None:
        h += struct.pack("!I", ack)
    return h + payload


def random_packet(rng, call_id, _k):
    payload = rng.randbytes(rng.randrange(8, 200))
    ack = rng.getrandbits(32) if rng.random() < 0.5 else None
    return gre(call_id, rng.getrandbits(32), payload, ack)


def far_packet(rng, call_id, k):
    kind = k % 3
    if kind == 0:  # "IP": an IPv4-looking header with a wrong checksum
        body = b"\xff\x03\x00\x21\x45\x00\x00\x28" + rng.randbytes(32)
    elif kind == 1:  # "LCP": any code, random length
        body = b"\xff\x03\xc0\x21" + bytes([rng.randrange(1, 256)]) + rng.randbytes(20)
    else:
        body = b"\xff\x03\x00\xfd" + bytes([0x90 | rng.randrange(16)]) + rng.randbytes(100)
    return gre(call_id, (1 << 30) + k, body, rng.getrandbits(32))


def mppe_packet(rng, call_id, k):
    count = rng.randrange(4096)
    bits = 0x90 if k % 4 else 0x10
    body = b"\xff\x03\x00\xfd" + bytes([bits | count >> 8, count & 0xFF]) + rng.randbytes(
        rng.randrange(40, 1400))
    return gre(call_id, (1 << 24) + k * 7, body)


KINDS = {"random": random_packet, "far": far_packet, "mppe": mppe_packet}


def main():
    dst, seconds, rate = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    targets = []
    for t in sys.argv[4:]:
        src, cid = t.split(":")
        targets.append((src, int(cid)))
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sent = {k: 0 for k in KINDS}
    start = time.monotonic()
    tick = 0.01  # send in 10 ms rounds
    k = 0
    while True:
        now = time.monotonic() - start
        if now >= seconds:
            break
        per_round = max(1, int(rate * tick))
        for _ in range(per_round):
            for src, cid in targets:
                for name, make in KINDS.items():
                    s.sendto(ip_header(src, dst) + make(rng, cid, k), (dst, 0))
                    sent[name] += 1
            k += 1
        time.sleep(max(0.0, tick * (k / per_round) - (time.monotonic() - start)))
    sent["total"] = sum(sent.values())
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
