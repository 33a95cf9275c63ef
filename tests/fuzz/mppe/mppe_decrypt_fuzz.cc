// SPDX-License-Identifier: MIT
// Fuzzes the MPPE Decryptor with a sequence of packets. The first input octet
// picks the mode (bits, stateless, jump limit, ip_only); the rest is split into packets by a
// one-octet length prefix, so the fuzzer reaches the stateful discard and
// resync paths and long stateless key roll-forwards.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/crypto.h"
#include "proto/mppe/mppe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool ok = pptpx::crypto::init();
  if (!ok || size < 1) return 0;
  static const int kBits[] = {40, 56, 128, 128};
  const uint8_t key[16] = {0x8b, 0x7c, 0xdc, 0x14, 0x9b, 0x99, 0x3a, 0x1b,
                           0xa1, 0x18, 0xcb, 0x15, 0x3f, 0x56, 0xdc, 0xcb};
  pptpx::mppe::Settings s{kBits[data[0] & 3], (data[0] & 4) != 0,
                          static_cast<uint16_t>((data[0] & 8) ? 2048 : 1024)};
  s.ip_only = (data[0] & 16) != 0;
  pptpx::mppe::Decryptor dec(key, s);
  pptpx::mppe::Encryptor enc(key, s);
  size_t pos = 1;
  std::vector<uint8_t> pkt;
  while (pos < size) {
    size_t len = data[pos++];
    if (len > size - pos) len = size - pos;
    pkt.assign(data + pos, data + pos + len);
    pos += len;
    auto r = dec.decrypt(pkt);
    if (r.ok() && (r.plaintext.data() < pkt.data() ||
                   r.plaintext.data() + r.plaintext.size() > pkt.data() + pkt.size())) {
      __builtin_trap();
    }
    if (dec.take_reset_request()) enc.request_flush();
    if (len >= 3) enc.encrypt(pkt.data(), pkt.size());
  }
  return 0;
}
