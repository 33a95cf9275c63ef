#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""RADIUS test vectors for tests/unit/radius, computed from the RFCs'
definitions with Python's hashlib and hmac only - independently of
src/proto/radius. Prints NAME HEX lines (vectors.txt holds its output).

    python3 tests/data/radius/make_vectors.py > tests/data/radius/vectors.txt
"""
import hashlib
import hmac
import struct

SECRET = b"xyzzy5461"  # RFC 2865 section 7.1's
RA = bytes.fromhex("0f403f9473978057bd83d5cb98f4227a")


def md5(*parts):
    return hashlib.md5(b"".join(parts)).digest()


def attr(t, v):
    return bytes([t, 2 + len(v)]) + v


def vsa(vendor, t, v):
    return attr(26, struct.pack(">I", vendor) + bytes([t, 2 + len(v)]) + v)


def packet(code, ident, auth, attrs):
    return bytes([code, ident]) + struct.pack(">H", 20 + len(attrs)) + auth + attrs


def out(name, data):
    print(name, data.hex())


# RFC 2865 section 7.1: the Access-Request and its Access-Accept.
hidden = bytes(a ^ b for a, b in zip(b"arctangent".ljust(16, b"\0"), md5(SECRET, RA)))
req = packet(1, 0, RA, attr(1, b"nemo") + attr(2, hidden) + attr(4, bytes([192, 168, 1, 16])) +
             attr(5, struct.pack(">I", 3)))
out("rfc2865_7_1_request", req)
accept_attrs = attr(6, struct.pack(">I", 1)) + attr(15, struct.pack(">I", 0)) + attr(14, bytes([192, 168, 1, 3]))
accept = bytearray(packet(2, 0, RA, accept_attrs))
accept[4:20] = md5(bytes(accept[:4]), RA, accept_attrs, SECRET)
out("rfc2865_7_1_accept", bytes(accept))

# A long password (two blocks): b(2) = MD5(S + c(1)).
pw = b"a password of 24 octets!"
p = pw.ljust(32, b"\0")
c1 = bytes(a ^ b for a, b in zip(p[:16], md5(SECRET, RA)))
c2 = bytes(a ^ b for a, b in zip(p[16:], md5(SECRET, c1)))
out("hidden_password_24", c1 + c2)

# The same Access-Request with a Message-Authenticator first (RFC 3579 3.2).
attrs = attr(80, bytes(16)) + attr(1, b"nemo") + attr(2, hidden) + attr(4, bytes([192, 168, 1, 16])) + \
    attr(5, struct.pack(">I", 3))
zeroed = packet(1, 0, RA, attrs)
mac = hmac.new(SECRET, zeroed, hashlib.md5).digest()
out("access_request_with_ma", zeroed[:22] + mac + zeroed[38:])

# An Access-Accept with a Message-Authenticator first, then the response
# authenticator over it; MS-MPPE-Send-Key salt-encrypted (RFC 2548 2.4.2).
send_key = bytes(range(0x10, 0x20))
salt = struct.pack(">H", 0x8123)
plain = (bytes([16]) + send_key).ljust(32, b"\0")
b1 = md5(SECRET, RA, salt)
e1 = bytes(a ^ b for a, b in zip(plain[:16], b1))
b2 = md5(SECRET, e1)
e2 = bytes(a ^ b for a, b in zip(plain[16:], b2))
salted = salt + e1 + e2
out("salted_send_key", salted)
attrs = attr(80, bytes(16)) + vsa(311, 16, salted) + vsa(311, 26, b"\x01S=0123456789ABCDEF0123456789ABCDEF01234567")
resp = bytearray(packet(2, 7, RA, attrs))
mac = hmac.new(SECRET, bytes(resp), hashlib.md5).digest()
resp[22:38] = mac
resp[4:20] = md5(bytes(resp[:4]), RA, bytes(resp[20:]), SECRET)
out("accept_with_ma_and_keys", bytes(resp))

# An Accounting-Request (RFC 2866 section 3): Acct-Status-Type Start,
# Acct-Session-Id, User-Name.
attrs = attr(40, struct.pack(">I", 1)) + attr(44, b"00000001") + attr(1, b"nemo")
acct = bytearray(packet(4, 9, bytes(16), attrs))
acct[4:20] = md5(bytes(acct), SECRET)
out("accounting_start", bytes(acct))

# A Disconnect-Request (RFC 5176) with a Message-Authenticator, computed
# with the authenticator field zeroed, then the request authenticator.
attrs = attr(1, b"nemo") + attr(80, bytes(16))
dis = bytearray(packet(40, 3, bytes(16), attrs))
mac = hmac.new(SECRET, bytes(dis), hashlib.md5).digest()
dis[-16:] = mac
dis[4:20] = md5(bytes(dis[:4]), bytes(16), bytes(dis[20:]), SECRET)
out("disconnect_request_with_ma", bytes(dis))
