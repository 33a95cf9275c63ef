// SPDX-License-Identifier: MIT
// Fuzzes the PPP frame parser and a server Session fed arbitrary control
// frames. Input: a sequence of [u8 flags][u16 length][frame]; flag bit 0
// advances the clock by 3 s first, bit 1 calls start_network.
#include <cstddef>
#include <cstdint>

#include "base/rng.h"
#include "crypto/crypto.h"
#include "proto/ppp/frame.h"
#include "proto/ppp/session.h"

using namespace pptpx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = crypto::init();
  (void)init;
  SeededRng rng(1);
  Time now = Time{} + seconds(1);
  ppp::SessionConfig cfg;
  cfg.auth.allowed = {ppp::AuthProtocol::kMsChapV2, ppp::AuthProtocol::kPap};
  cfg.ipv6 = (size & 1) != 0;
  ppp::Session s(cfg, rng, Logger(), now);
  s.open(now);
  Reader r(ByteView(data, size));
  while (!r.empty()) {
    uint8_t flags = r.u8();
    uint16_t len = r.u16();
    ByteView frame = r.bytes(len);
    if (!r.ok()) break;
    if (flags & 1) {
      now += seconds(3);
      s.on_timer(now);
    }
    if (flags & 2) {
      ppp::IpConfig ip;
      ip.local.value = 0x0A000001;
      ip.remote.value = 0x0A000002;
      s.start_network(ip, now);
    }
    if (auto f = ppp::parse_frame(frame)) s.on_control(f->protocol, f->info, now);
    if (s.pending_secret_request()) s.provide_secret(std::string("secret1"), now);
    s.take_frames();
    while (s.poll_event()) {
    }
  }
  return 0;
}
