// SPDX-License-Identifier: MIT
// Fuzz target: PAP/CHAP/MS-CHAP authenticators and authenticatees fed
// arbitrary packets, secret answers and timer ticks.
//
// Input: byte 0 picks the method and role; then records of
// [u8 op][u8 len][len bytes]: op bit 0..1 = deliver packet / answer secret /
// advance time / answer "no such user".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "crypto/crypto.h"
#include "proto/ppp/auth/auth.h"

using namespace pptpx;
using namespace pptpx::ppp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool crypto_ok = crypto::init();
  if (!crypto_ok || size < 1) return 0;
  static const AuthProtocol kProtos[] = {AuthProtocol::kPap, AuthProtocol::kChapMd5,
                                         AuthProtocol::kMsChapV1, AuthProtocol::kMsChapV2};
  AuthProtocol proto = kProtos[data[0] & 3];
  bool server = data[0] & 4;
  SeededRng rng(data[0]);
  std::unique_ptr<AuthMethod> m =
      server ? make_authenticator(proto, {.our_name = "pptpd", .max_retries = data[0] >> 6}, rng,
                                  Logger())
             : make_authenticatee(proto, {.user = "DOM\\user1"}, rng, Logger());
  Time now = Time{} + seconds(1);
  m->start(now);
  Reader r(ByteView(data + 1, size - 1));
  while (!r.empty()) {
    uint8_t op = r.u8();
    ByteView chunk = r.bytes(std::min<size_t>(r.u8(), r.remaining()));
    if (!r.ok()) break;
    switch (op & 3) {
      case 0: m->on_packet(chunk, now); break;
      case 1: m->provide_secret(std::string(as_chars(chunk)), now); break;
      case 2:
        now += milliseconds(op * 100);
        m->on_timer(now);
        break;
      case 3: m->provide_secret(std::nullopt, now); break;
    }
    (void)m->pending_secret_request();
    (void)m->next_deadline();
    for (auto& p : m->take_output()) {
      if (p.size() < 4 || get_u16(p.data() + 2) != p.size()) __builtin_trap();
    }
  }
  return 0;
}
