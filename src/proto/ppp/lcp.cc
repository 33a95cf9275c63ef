// SPDX-License-Identifier: MIT
// LCP options (RFC 1661 section 6).
#include "proto/ppp/lcp.h"

#include <algorithm>

#include "proto/ppp/protocols.h"

namespace pptpx::ppp {

Bytes auth_option_value(AuthProtocol p) {
  switch (p) {
    case AuthProtocol::kPap: return {0xC0, 0x23};
    case AuthProtocol::kChapMd5: return {0xC2, 0x23, 0x05};
    case AuthProtocol::kMsChapV1: return {0xC2, 0x23, 0x80};
    case AuthProtocol::kMsChapV2: return {0xC2, 0x23, 0x81};
    case AuthProtocol::kNone: break;
  }
  return {};
}

AuthProtocol parse_auth_option(ByteView v) {
  if (v.size() == 2 && get_u16(v.data()) == kProtoPap) return AuthProtocol::kPap;
  if (v.size() == 3 && get_u16(v.data()) == kProtoChap) {
    switch (v[2]) {
      case 0x05: return AuthProtocol::kChapMd5;
      case 0x80: return AuthProtocol::kMsChapV1;
      case 0x81: return AuthProtocol::kMsChapV2;
      default: break;
    }
  }
  return AuthProtocol::kNone;
}

LcpOptions::LcpOptions(const LcpConfig& cfg, Rng& rng, std::vector<AuthProtocol> require,
                       std::vector<AuthProtocol> accept)
    : cfg_(cfg), rng_(rng), require_(std::move(require)), accept_(std::move(accept)) {
  reset_request();
}

uint32_t LcpOptions::new_magic(uint32_t avoid) {
  uint32_t m = 0;
  while (m == 0 || m == avoid) m = rng_.u32();
  return m;
}

void LcpOptions::reset_request() {
  want_ = Side{};
  want_.send_mru = cfg_.mru != kDefaultMru;
  want_.mru = cfg_.mru;
  if (!require_.empty()) want_.auth = require_.front();
  want_.magic = new_magic(0);
  want_.pfc = cfg_.request_pfc;
  want_.acfc = cfg_.request_acfc;
  got_ = Side{};
  his_ = Side{};
  auth_refused_ = false;
}

void LcpOptions::build_request(Bytes& out) {
  if (want_.send_mru) put_option_u16(out, kLcpMru, want_.mru);
  if (want_.auth != AuthProtocol::kNone) put_option(out, kLcpAuth, auth_option_value(want_.auth));
  if (want_.send_magic) put_option_u32(out, kLcpMagic, want_.magic);
  if (want_.pfc) put_option(out, kLcpPfc, {});
  if (want_.acfc) put_option(out, kLcpAcfc, {});
}

void LcpOptions::judge_request(const std::vector<Option>& options, RequestJudge& judge) {
  pending_ = Side{};
  pending_.send_magic = false;
  for (const Option& o : options) {
    switch (o.type) {
      case kLcpMru: judge_mru(o, judge); break;
      case kLcpAccm:
        // Meaningless over GRE, but pppd-based peers always ask: Ack and ignore.
        if (o.value.size() != 4) judge.reject(o);
        break;
      case kLcpAuth: judge_auth(o, judge); break;
      case kLcpMagic: judge_magic(o, judge); break;
      case kLcpPfc:
        if (o.value.empty())
          pending_.pfc = true;
        else
          judge.reject(o);
        break;
      case kLcpAcfc:
        if (o.value.empty())
          pending_.acfc = true;
        else
          judge.reject(o);
        break;
      default:
        // Quality-Protocol, Callback, multilink options and anything unknown.
        judge.reject(o);
        break;
    }
  }
}

void LcpOptions::judge_mru(const Option& o, RequestJudge& judge) {
  if (o.value.size() != 2) {
    judge.reject(o);
  } else if (get_u16(o.value.data()) < kMinMru) {
    uint8_t v[2];
    put_u16(v, kMinMru);
    judge.nak(&o, kLcpMru, v);
  } else {
    pending_.mru = get_u16(o.value.data());
  }
}

void LcpOptions::judge_auth(const Option& o, RequestJudge& judge) {
  AuthProtocol p = parse_auth_option(o.value);
  bool allowed = std::find(accept_.begin(), accept_.end(), p) != accept_.end();
  // A second Authentication-Protocol in one request is Rejected, as
  // pppd does once it has taken one.
  if (accept_.empty() || pending_.auth != AuthProtocol::kNone) {
    judge.reject(o);
  } else if (p != AuthProtocol::kNone && allowed) {
    pending_.auth = p;
  } else {
    judge.nak(&o, kLcpAuth, auth_option_value(accept_.front()));
  }
}

void LcpOptions::judge_magic(const Option& o, RequestJudge& judge) {
  if (o.value.size() != 4) {
    judge.reject(o);
    return;
  }
  pending_.magic = get_u32(o.value.data());
  pending_.send_magic = true;
  // Zero is invalid; our own value back may mean a looped-back link.
  if (pending_.magic == 0 || (want_.send_magic && pending_.magic == want_.magic)) {
    if (pending_.magic != 0) ++magic_collisions_;
    uint8_t v[4];
    put_u32(v, new_magic(want_.magic));
    judge.nak(&o, kLcpMagic, v);
  }
}

void LcpOptions::on_ack(const std::vector<Option>&) { got_ = want_; }

bool LcpOptions::on_nak(const std::vector<Option>& options) {
  for (const Option& o : options) {
    switch (o.type) {
      case kLcpMru:
        if (o.value.size() != 2) return false;
        if (uint16_t v = get_u16(o.value.data()); v >= kMinMru && v <= kDefaultMru) {
          want_.mru = v;
          want_.send_mru = v != kDefaultMru;
        }
        break;
      case kLcpAuth:
        if (!nak_auth(o)) return false;
        break;
      case kLcpMagic:
        if (o.value.size() != 4) return false;
        want_.magic = new_magic(want_.magic);
        break;
      case kLcpPfc: want_.pfc = false; break;
      case kLcpAcfc: want_.acfc = false; break;
      default: break;
    }
  }
  return true;
}

// A Nak of our Authentication-Protocol; false for a bad Nak.
bool LcpOptions::nak_auth(const Option& o) {
  if (want_.auth == AuthProtocol::kNone) return true;
  AuthProtocol p = parse_auth_option(o.value);
  // Naking our choice only to suggest it back is a bad Nak (pppd).
  if (p == want_.auth) return false;
  if (p != AuthProtocol::kNone &&
      std::find(require_.begin(), require_.end(), p) != require_.end()) {
    want_.auth = p;
    return true;
  }
  // pppd lcp_nakci: a method we do not allow makes us stop asking for
  // the one we asked; a Nak naming PAP while we ask for CHAP drops every
  // CHAP flavour. With nothing left the request goes without the option
  // and, auth being required, the link ends "peer refused to authenticate".
  auto cur = std::find(require_.begin(), require_.end(), want_.auth);
  auto next = cur == require_.end() ? cur : cur + 1;
  if (p == AuthProtocol::kPap && want_.auth != AuthProtocol::kPap) {
    while (next != require_.end() && *next != AuthProtocol::kPap) ++next;
  }
  want_.auth = next == require_.end() ? AuthProtocol::kNone : *next;
  if (want_.auth == AuthProtocol::kNone) auth_refused_ = true;
  return true;
}

bool LcpOptions::on_reject(const std::vector<Option>& options) {
  for (const Option& o : options) {
    switch (o.type) {
      case kLcpMru: want_.send_mru = false; break;
      case kLcpAuth:
        want_.auth = AuthProtocol::kNone;
        auth_refused_ = true;
        break;
      case kLcpMagic: want_.send_magic = false; break;
      case kLcpPfc: want_.pfc = false; break;
      case kLcpAcfc: want_.acfc = false; break;
      default: break;
    }
  }
  return true;
}

}  // namespace pptpx::ppp
