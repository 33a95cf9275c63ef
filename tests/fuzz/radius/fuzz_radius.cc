// SPDX-License-Identifier: MIT
// Fuzzes the RADIUS codec (proto/radius) with a datagram as a RADIUS server
// or a Dynamic Authorization client would send it: the parser, the
// verifiers (response, signed request, Access-Request), and the hidden
// values (User-Password, salt-encrypted keys) of every attribute. Checks
// that what parses encodes to a packet that parses to the same attributes.
#include <cstddef>
#include <cstdint>

#include "crypto/crypto.h"
#include "proto/radius/radius.h"

using namespace pptpx;
using namespace pptpx::radius;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool crypto_ok = crypto::init();
  if (!crypto_ok) return 0;
  ByteView in(data, size);
  const Authenticator request_auth{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  (void)verify_response(in, request_auth, "secret", true);
  (void)verify_signed_request(in, "secret");
  (void)verify_access_request(in, "secret", true);
  ParseResult r = parse(in);
  if (!r.ok()) return 0;
  for (const Attribute& a : r.packet.attributes) {
    (void)unhide_password(a.value, request_auth, "secret");
    (void)decrypt_salted(a.value, request_auth, "secret");
  }
  (void)r.packet.string(attr::kUserName);
  (void)r.packet.ipv4(attr::kFramedIpAddress);
  const Bytes again = encode(r.packet);
  if (again.empty()) return 0;  // grew past 4096 octets (split vendor attributes)
  ParseResult r2 = parse(again);
  if (!r2.ok() || r2.packet.attributes != r.packet.attributes || r2.packet.code != r.packet.code ||
      r2.packet.id != r.packet.id)
    __builtin_trap();
  return 0;
}
