// SPDX-License-Identifier: MIT
// CCP / MPPE option negotiation (RFC 1962, RFC 3078 section 2).
#include "proto/ppp/ccp.h"

#include <bit>

namespace pptpx::ppp {
namespace {

constexpr uint32_t kStrengths = kMppeS | kMppeM | kMppeL;

uint32_t strongest(uint32_t bits) {
  if (bits & kMppeS) return kMppeS;
  if (bits & kMppeM) return kMppeM;
  if (bits & kMppeL) return kMppeL;
  return 0;
}

void put_mppe(RequestJudge& judge, const Option* o, uint32_t bits) {
  uint8_t v[4];
  put_u32(v, bits);
  judge.nak(o, kCcpMppe, v);
}

}  // namespace

int mppe_key_bits(uint32_t bits) {
  switch (strongest(bits)) {
    case kMppeS: return 128;
    case kMppeM: return 56;
    case kMppeL: return 40;
    default: return 0;
  }
}

uint32_t CcpOptions::allowed_strengths() const {
  return (policy_.allow_128 ? kMppeS : 0) | (policy_.allow_56 ? kMppeM : 0) |
         (policy_.allow_40 ? kMppeL : 0);
}

void CcpOptions::reset_request() {
  send_mppe_ = policy_.enabled && allowed_strengths() != 0;
  // Stateless is always tried first, even when stateful is allowed.
  want_bits_ = allowed_strengths() | (policy_.stateful_only ? 0 : kMppeH);
  tx_bits_ = rx_bits_ = pending_tx_bits_ = 0;
  fatal_.clear();
}

void CcpOptions::build_request(Bytes& out) {
  if (send_mppe_) put_option_u32(out, kCcpMppe, want_bits_);
}

void CcpOptions::judge_request(const std::vector<Option>& options, RequestJudge& judge) {
  pending_tx_bits_ = 0;
  for (const Option& o : options) {
    if (o.type != kCcpMppe || o.value.size() != 4 || !policy_.enabled || allowed_strengths() == 0) {
      // Stac (17), BSD-Compress (21), Deflate (26), anything else.
      judge.reject(o);
      continue;
    }
    uint32_t offered = get_u32(o.value.data());
    uint32_t bits = offered & (kMppeH | allowed_strengths() | (offered & kStrengths));
    bool nak = bits != offered;  // D, C, unknown bits: Nak them away
    if (!(bits & kMppeH) && !stateful_allowed()) {
      judge.reject(o);  // "Refusing MPPE stateful mode offered by peer"
      continue;
    }
    uint32_t strengths = bits & kStrengths;
    uint32_t common = strengths & allowed_strengths();
    if (strengths == 0) {
      nak = true;
      bits = (bits & kMppeH) | allowed_strengths();
    } else if (std::popcount(strengths) > 1) {
      if (common == 0) {
        judge.reject(o);
        continue;
      }
      nak = true;
      bits = (bits & kMppeH) | strongest(common);
    } else if (common == 0) {
      judge.reject(o);
      continue;
    }
    if (policy_.stateful_only && (bits & kMppeH)) {
      nak = true;
      bits &= ~kMppeH;
    }
    if (nak)
      put_mppe(judge, &o, bits);
    else
      pending_tx_bits_ = bits;
  }
}

void CcpOptions::on_ack(const std::vector<Option>&) { rx_bits_ = send_mppe_ ? want_bits_ : 0; }

bool CcpOptions::on_nak(const std::vector<Option>& options) {
  for (const Option& o : options) {
    if (o.type != kCcpMppe || !send_mppe_) continue;
    if (o.value.size() != 4) return false;
    uint32_t bits = get_u32(o.value.data());
    uint32_t strengths = bits & kStrengths;
    bool ok = (bits & ~(kMppeH | kStrengths)) == 0 && std::popcount(strengths) == 1 &&
              (strengths & allowed_strengths()) != 0 &&
              ((bits & kMppeH) != 0 ? !policy_.stateful_only : stateful_allowed());
    if (ok) {
      want_bits_ = bits;
    } else if (policy_.required) {
      fatal_ = "MPPE required but peer negotiation failed";
    } else {
      send_mppe_ = false;
    }
  }
  return true;
}

bool CcpOptions::on_reject(const std::vector<Option>& options) {
  for (const Option& o : options) {
    if (o.type != kCcpMppe) continue;
    send_mppe_ = false;
    if (policy_.required) fatal_ = "MPPE required but peer refused";
  }
  return true;
}

}  // namespace pptpx::ppp
