#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Makes a PPTP peer see an LCP Configure-Request on its open link, as if
the other end restarted LCP (RFC 1661: renegotiation). Test tool for the
integration tests only; run it inside the test's network namespace of the
end that "restarts", never towards an address outside it.

It watches the GRE packets this namespace sends to PEER on IFACE (an
AF_PACKET socket; "watching" is printed once it does) to learn the call ID
the peer expects and the last sequence number, waits until the link is
quiet (--quiet), then sends one GRE packet
with the next sequence number carrying LCP Configure-Request <magic>
(and <auth MS-CHAPv2> with --mschapv2, as a server asks).

Usage: lcp_restart.py IFACE PEER_IP [--watch SECONDS] [--mschapv2]
Exit status 0 when the packet was sent, 1 when no GRE to PEER was seen.
"""

import argparse
import os
import socket
import struct
import time

ETH_P_IP = 0x0800
ETH_P_ALL = 0x0003
GRE_PPP = 0x880B


def parse_gre(frame, peer):
    """(call_id, seq) of an enhanced GRE data packet to peer, else None."""
    if len(frame) < 14 + 20 or struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 47 or ip[16:20] != peer:
        return None
    g = ip[ihl:]
    if len(g) < 8:
        return None
    flags, proto, _length, call_id = struct.unpack("!HHHH", g[:8])
    if proto != GRE_PPP or not flags & 0x1000:  # S bit: carries a sequence number
        return None
    return call_id, struct.unpack("!I", g[8:12])[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("peer")
    ap.add_argument("--watch", type=float, default=0.0, help="watch at least this long")
    ap.add_argument("--timeout", type=float, default=15.0, help="give up without GRE after this")
    ap.add_argument("--mschapv2", action="store_true",
                    help="ask for MS-CHAPv2 authentication, as a server's request does")
    ap.add_argument("--quiet", type=float, default=0.4, help="seconds without GRE before sending")
    a = ap.parse_args()
    peer = socket.inet_aton(a.peer)

    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sniff.bind((a.iface, 0))
    sniff.settimeout(0.05)
    print("watching", flush=True)
    call_id = seq = None
    frames = gre_frames = 0
    last_seen = time.monotonic()
    end = time.monotonic() + a.watch
    while True:
        now = time.monotonic()
        if call_id is not None and now - last_seen >= a.quiet and now >= end:
            break
        if now > end + a.timeout:
            break
        try:
            frame, addr = sniff.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING:
            continue
        frames += 1
        if len(frame) > 14 + 9 and frame[14 + 9] == 47:
            gre_frames += 1
        g = parse_gre(frame, peer)
        if g:
            call_id, seq = g[0], g[1] if seq is None else max(seq, g[1])
            last_seen = time.monotonic()
    if call_id is None:
        print(f"no GRE data packet to {a.peer} seen on {a.iface} "
              f"({frames} IPv4 frames out, {gre_frames} GRE)")
        return 1

    magic = os.urandom(4)
    options = b"\x05\x06" + magic
    if a.mschapv2:
        options = b"\x03\x05\xc2\x23\x81" + options
    lcp = struct.pack("!BBH", 1, 0x42, 4 + len(options)) + options
    ppp = b"\xff\x03\xc0\x21" + lcp
    gre = struct.pack("!HHHHI", 0x3001, GRE_PPP, len(ppp), call_id, (seq + 1) & 0xFFFFFFFF) + ppp
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
    raw.sendto(gre, (a.peer, 0))
    print(f"sent LCP Configure-Request to {a.peer}: call ID {call_id}, GRE seq {seq + 1}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
