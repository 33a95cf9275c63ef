#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the fuzz targets' seed corpora into tests/fuzz/corpus/TARGET/.

The seeds come from the real pppd captures in tests/data/mppe/*.pcapng
(GRE packets, the PPTP control stream, PPP control frames, CHAP and MPPE
packets), from the configuration files the unit tests read
(tests/data/config, tests/data/client) and from packets and request lines
written here in each target's input format (see the comment at the top of
each tests/fuzz/*/*.cc). Python's standard library only: run it again
after changing a target's input format, and commit the result.

    python3 tests/fuzz/make_corpus.py
"""

import hashlib
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

PPP_LCP, PPP_PAP, PPP_CHAP, PPP_IPCP, PPP_CCP, PPP_MPPE = 0xC021, 0xC023, 0xC223, 0x8021, 0x80FD, 0x00FD


def read_pcapng(path):
    """Yields (link_type, frame) for each Enhanced Packet Block."""
    with open(path, "rb") as f:
        data = f.read()
    endian = "<"
    links = []
    pos = 0
    while pos + 12 <= len(data):
        btype = struct.unpack_from(endian + "I", data, pos)[0]
        if btype == 0x0A0D0D0A:
            magic = data[pos + 8:pos + 12]
            endian = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack_from(endian + "I", data, pos + 4)[0]
        if blen < 12 or pos + blen > len(data):
            break
        if btype == 1:
            links.append(struct.unpack_from(endian + "H", data, pos + 8)[0])
        elif btype == 6:
            iface, _, _, caplen = struct.unpack_from(endian + "IIII", data, pos + 8)
            frame = data[pos + 28:pos + 28 + caplen]
            yield links[iface] if iface < len(links) else 1, frame
        pos += blen


def ipv4_packets(path):
    """The IPv4 packets of a capture (Ethernet or raw link)."""
    for link, frame in read_pcapng(path):
        if link == 1:
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            frame = frame[14:]
        if len(frame) >= 20 and frame[0] >> 4 == 4:
            yield frame


def split_capture(path):
    """GRE packets (with the source address) and the control stream per direction."""
    gre, streams = [], {}
    for ip in ipv4_packets(path):
        ihl = (ip[0] & 15) * 4
        total = struct.unpack_from(">H", ip, 2)[0]
        src = ip[12:16]
        body = ip[ihl:total]
        if ip[9] == 47:
            gre.append((src, ip[:total], body))
        elif ip[9] == 6 and len(body) >= 20:
            sport, dport = struct.unpack_from(">HH", body, 0)
            off = (body[12] >> 4) * 4
            payload = body[off:]
            if payload and 1723 in (sport, dport):
                key = "to_server" if dport == 1723 else "to_client"
                streams[key] = streams.get(key, b"") + payload
    return gre, streams


def gre_payload(pkt):
    """The PPP frame of an enhanced GRE packet (address/control stripped), or None."""
    if len(pkt) < 8:
        return None
    flags = pkt[0]
    off = 8 + (4 if flags & 0x10 else 0) + (4 if pkt[1] & 0x80 else 0)
    length = struct.unpack_from(">H", pkt, 4)[0]
    frame = pkt[off:off + length]
    if frame[:2] == b"\xff\x03":
        frame = frame[2:]
    return frame or None


def ppp_protocol(frame):
    if frame[0] & 1:
        return frame[0], frame[1:]
    return struct.unpack_from(">H", frame, 0)[0], frame[2:]


class Corpus:
    def __init__(self):
        self.count = {}

    def add(self, target, data):
        d = os.path.join(OUT, target)
        os.makedirs(d, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        self.count[target] = self.count.get(target, 0) + 1


def rec8(op, payload):
    """[u8 op][u8 len][octets], the record of fuzz_auth, fuzz_call and mppe_decrypt_fuzz."""
    payload = payload[:255]
    return bytes([op & 0xFF, len(payload)]) + payload


def ipv4(proto, payload, src=b"\x0a\x0a\x00\x0a", dst=b"\x0a\x0a\x00\x01"):
    hdr = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                                src, dst))
    s = sum(struct.unpack(">10H", bytes(hdr)))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    struct.pack_into(">H", hdr, 10, ~s & 0xFFFF)
    return bytes(hdr) + payload


def tcp_syn(mss):
    tcp = struct.pack(">HHIIBBHHH", 40000, 80, 1, 0, 0x60, 0x02, 65535, 0, 0) + struct.pack(">BBH", 2, 4, mss)
    return ipv4(6, tcp)


def captures(c):
    mppe_dir = os.path.join(DATA, "mppe")
    for name in sorted(os.listdir(mppe_dir)):
        if not name.endswith(".pcapng"):
            continue
        gre, streams = split_capture(os.path.join(mppe_dir, name))
        if not gre:
            continue
        client_addr = gre[0][0]
        # fuzz_gre: one IPv4 packet whole; runs of GRE packets, length-prefixed.
        c.add("fuzz_gre", gre[0][1])
        for i in range(0, len(gre), 8):
            c.add("fuzz_gre", b"".join(bytes([min(len(g), 255)]) + g[:255] for _, _, g in gre[i:i + 8]))
        # fuzz_pptp_control: each direction's stream (octet 0 decides whether a
        # valid SCCRQ goes first: the server's stream seeds both ways).
        for key in sorted(streams):
            c.add("fuzz_pptp_control", streams[key])
        frames = [(src, gre_payload(g)) for src, _, g in gre]
        frames = [(src, f) for src, f in frames if f]
        from_client = [f for src, f in frames if src == client_addr]
        from_server = [f for src, f in frames if src != client_addr]
        control = [f for f in from_client if ppp_protocol(f)[0] != PPP_MPPE]
        # fuzz_ppp_session: [flags][u16 len][frame]
        c.add("fuzz_ppp_session", b"".join(struct.pack(">BH", 0, len(f)) + f for f in control))
        c.add("fuzz_ppp_session",
              b"".join(struct.pack(">BH", 2 if ppp_protocol(f)[0] == PPP_IPCP else 0, len(f)) + f
                       for f in control))
        # fuzz_call with the server alone: the client's frames at the next
        # sequence numbers (op 1), the clock moving in between.
        c.add("fuzz_call", bytes([0x00]) + b"".join(rec8(1, f) + rec8(3 | 8, b"") for f in control))
        c.add("fuzz_call", bytes([0x01]) + b"".join(rec8(1, f) for f in from_client[:40]))
        # fuzz_auth: MS-CHAPv2 as authenticator (octet 0 = 3 | 4) given the
        # client's Response, and as authenticatee given the server's packets.
        chap_c = [ppp_protocol(f)[1] for f in from_client if ppp_protocol(f)[0] == PPP_CHAP]
        chap_s = [ppp_protocol(f)[1] for f in from_server if ppp_protocol(f)[0] == PPP_CHAP]
        c.add("fuzz_auth", bytes([7]) + b"".join(rec8(0, p) + rec8(1, b"secret1") for p in chap_c))
        c.add("fuzz_auth", bytes([3]) + b"".join(rec8(0, p) + rec8(1, b"secret1") for p in chap_s))
        # mppe_decrypt_fuzz: the captured MPPE packets as they are, in the
        # capture's mode (128 stateless: 2 | 4; 40: 0 | 4; ip_only: 16).
        bits = 2 if "128" in name else 0
        mppe = [ppp_protocol(f)[1] for f in from_client if ppp_protocol(f)[0] == PPP_MPPE]
        for mode in (bits | 4, bits | 4 | 16):
            c.add("mppe_decrypt_fuzz", bytes([mode]) + b"".join(rec8(0, p) for p in mppe[:30]))


def synthetic(c):
    ping = ipv4(1, b"\x08\x00\xf7\xff\x00\x01\x00\x01" + bytes(range(56)))
    # mppe_decrypt_fuzz: every mode, plaintexts through the Encryptor:
    # delivered, lost, corrupted, untrusted, with a flush.
    for mode in range(32):
        recs = [rec8(1, ping[:40]), rec8(1, ping[:60]), rec8(3, ping[:30]), rec8(1, ping[:20]),
                rec8(5, b"\x41" + ping[:40]), rec8(9, ping[:50]), rec8(1 | 16, ping[:44]),
                rec8(8, b"\x90\x05" + bytes(40)), rec8(1, ping)]
        c.add("mppe_decrypt_fuzz", bytes([mode]) + b"".join(recs))
    # fuzz_call: the honest client dials first (bit 4), each MPPE mode and
    # authentication method, then every kind of record.
    ops = [rec8(2, b""), rec8(2, b"\x10\x01"), rec8(4, ping), rec8(3 | 8 * 4, b""), rec8(7, b""),
           rec8(2, b""), rec8(5, b"\x00\x05\x00"), rec8(5, b"\x01"), rec8(6, b""), rec8(3 | 8 * 8, b""),
           rec8(6 | 8, b""), rec8(3 | 8 * 20, b""), rec8(1, b"\x00\xfd\x90\x01" + bytes(30)),
           rec8(1, b"\x80\xfd\x0e\x01\x00\x04"), rec8(1, b"\xc0\x21\x09\x02\x00\x08\x00\x00\x00\x00"),
           rec8(4, tcp_syn(1460)), rec8(2, b""), rec8(3 | 8 * 31, b"")]
    for setup in range(16):
        c.add("fuzz_call", bytes([0x10 | setup]) + b"".join(ops))
    c.add("fuzz_call", bytes([0x30 | 1]) + b"".join(ops))
    # fuzz_tcp_mss: [max mss u16][how][packet]
    for how in (0, 1, 0xF):
        c.add("fuzz_tcp_mss", struct.pack(">HB", 1360, how) + tcp_syn(1460))
    # fuzz_pptp_control: a Start-Control-Connection-Request and Outgoing-Call-Request.
    sccrq = struct.pack(">HHIHH", 156, 1, 0x1A2B3C4D, 1, 0) + struct.pack(">HHIIHH", 0x0100, 0, 1, 1, 1, 0)
    sccrq += b"local".ljust(64, b"\0") + b"linux".ljust(64, b"\0")
    ocrq = struct.pack(">HHIHH", 168, 1, 0x1A2B3C4D, 7, 0) + struct.pack(">HHIIIIHHHH", 1, 0, 300, 100000000, 1, 1, 64, 0, 0, 0)
    ocrq += b"".ljust(64, b"\0") + b"".ljust(64, b"\0")
    c.add("fuzz_pptp_control", b"\0" + sccrq + ocrq)
    # fuzz_admin_request: lines as pptpxctl and socat users write them, and answers.
    for line in [b"sessions", b"show ppp0", b"kill alice end of contract", b"stats", b"blocks",
                 b"unblock 192.0.2.7", b"unblock all", b"reload", b"debug on", b"version",
                 b'{"command":"kill","target":"alice","reason":"maintenance"}',
                 b'{"command":"debug","on":false}',
                 b'{"ok":true,"sessions":[{"interface":"ppp0","user":"alice","client":"192.0.2.7",'
                 b'"client_port":40000,"address":"10.0.0.2","call_id":1,"peer_call_id":2,'
                 b'"uptime_seconds":3725,"bytes_in":1536}]}',
                 b'{"ok":true,"blocks":[{"kind":"address","name":"192.0.2.7","failures":31,'
                 b'"blocked":true,"blocked_seconds":840}]}',
                 b'{"ok":true,"stats":{"calls":3,"control_socket":{"requests":10}}}']:
        c.add("fuzz_admin_request", line)
    # fuzz_config_peers: a pty line on its own.
    c.add("fuzz_config_radius", b"auth_order\tradius\nlogin_tries\t4\nauthserver 10.0.0.5,10.0.0.6:1645\n"
                                b"acctserver 10.0.0.5:1813:s3cret\nservers /etc/radiusclient/servers\n"
                                b"radius_timeout 5\nradius_retries 2\nnas-identifier vpn-1\n"
                                b"nas-ip-address 192.0.2.1\nbindaddr *\ndefault_realm\n")
    c.add("fuzz_config_radius", b"# host secret\n10.0.0.5\ts3cret\nlocalhost x#y\n")
    c.add("fuzz_config_peers", b'pptp vpn.example.org --nolaunchpppd --loglevel 2 --timeout 0.5 '
                               b'--localbind 192.0.2.1 --nobuffer --idle-wait 30')


def radius(c):
    """fuzz_radius: the packets of tests/data/radius/vectors.txt."""
    with open(os.path.join(DATA, "radius", "vectors.txt")) as f:
        for line in f:
            name, value = line.split()
            if name != "hidden_password_24" and name != "salted_send_key":
                c.add("fuzz_radius", bytes.fromhex(value))


def config_files(c):
    conf = os.path.join(DATA, "config")
    targets = {"pptpd.conf": "fuzz_config_pptpd_conf", "chap-secrets": "fuzz_config_secrets",
               "chap-secrets.simple": "fuzz_config_secrets", "options.pptpd": "fuzz_config_ppp_options",
               "included.opts": "fuzz_config_ppp_options", "missing_include.opts": "fuzz_config_ppp_options"}
    for name, target in targets.items():
        with open(os.path.join(conf, name), "rb") as f:
            c.add(target, f.read())
    client = os.path.join(DATA, "client")
    with open(os.path.join(client, "options.pptp"), "rb") as f:
        c.add("fuzz_config_ppp_options", f.read())
    peers = os.path.join(client, "peers")
    for name in sorted(os.listdir(peers)):
        with open(os.path.join(peers, name), "rb") as f:
            c.add("fuzz_config_peers", f.read())


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    c = Corpus()
    captures(c)
    synthetic(c)
    radius(c)
    config_files(c)
    for target in sorted(c.count):
        print(f"{target}: {c.count[target]} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
