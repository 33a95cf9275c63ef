// SPDX-License-Identifier: MIT
// Auth method names, factories and the helpers shared by PAP and CHAP
// (packet envelope of RFC 1334 section 2 / RFC 1994 section 4, MS-CHAP
// Failure message of RFC 2433 section 7 and RFC 2759 section 6).
#include "proto/ppp/auth/auth.h"

#include "base/hex.h"
#include "proto/ppp/auth/auth_internal.h"
#include "proto/ppp/protocols.h"

namespace pptpx::ppp {

const char* auth_protocol_name(AuthProtocol p) {
  switch (p) {
    case AuthProtocol::kNone: return "none";
    case AuthProtocol::kPap: return "PAP";
    case AuthProtocol::kChapMd5: return "CHAP";
    case AuthProtocol::kMsChapV1: return "MS-CHAP";
    case AuthProtocol::kMsChapV2: return "MS-CHAP-v2";
  }
  return "?";
}

uint16_t auth_ppp_protocol(AuthProtocol p) {
  switch (p) {
    case AuthProtocol::kNone: return 0;
    case AuthProtocol::kPap: return kProtoPap;
    case AuthProtocol::kChapMd5:
    case AuthProtocol::kMsChapV1:
    case AuthProtocol::kMsChapV2: return kProtoChap;
  }
  return 0;
}

std::unique_ptr<AuthMethod> make_authenticator(AuthProtocol p, const AuthenticatorConfig& cfg,
                                               Rng& rng, Logger log) {
  switch (p) {
    case AuthProtocol::kNone: return nullptr;
    case AuthProtocol::kPap: return auth_detail::make_pap_authenticator(cfg, rng, std::move(log));
    case AuthProtocol::kChapMd5:
    case AuthProtocol::kMsChapV1:
    case AuthProtocol::kMsChapV2:
      return auth_detail::make_chap_authenticator(p, cfg, rng, std::move(log));
  }
  return nullptr;
}

std::unique_ptr<AuthMethod> make_authenticatee(AuthProtocol p, const AuthenticateeConfig& cfg,
                                               Rng& rng, Logger log) {
  switch (p) {
    case AuthProtocol::kNone: return nullptr;
    case AuthProtocol::kPap: return auth_detail::make_pap_authenticatee(cfg, rng, std::move(log));
    case AuthProtocol::kChapMd5:
    case AuthProtocol::kMsChapV1:
    case AuthProtocol::kMsChapV2:
      return auth_detail::make_chap_authenticatee(p, cfg, rng, std::move(log));
  }
  return nullptr;
}

namespace auth_detail {

std::optional<Packet> parse_packet(ByteView raw) {
  Reader r(raw);
  Packet p;
  p.code = r.u8();
  p.id = r.u8();
  uint16_t len = r.u16();
  if (!r.ok() || len < 4 || len > raw.size()) return std::nullopt;
  p.data = raw.subspan(4, len - 4);
  return p;
}

Bytes build_packet(uint8_t code, uint8_t id, ByteView data) {
  Bytes out;
  out.reserve(4 + data.size());
  Writer w(out);
  w.u8(code);
  w.u8(id);
  w.u16(static_cast<uint16_t>(4 + data.size()));
  w.bytes(data);
  return out;
}

static std::optional<long> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string_view ms_chap_error_text(long code) {
  switch (code) {
    case 646: return "restricted logon hours";
    case 647: return "account disabled";
    case 648: return "password expired";
    case 649: return "no dial-in permission";
    case 691: return "authentication failure";
    case 709: return "error changing password";
    default: return {};
  }
}

MsFailure parse_ms_failure(std::string_view text) {
  MsFailure f;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) break;
    // M= runs to the end of the message and may contain spaces.
    if (text.substr(pos, 2) == "M=") {
      f.message = std::string(text.substr(pos + 2));
      break;
    }
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view tok = text.substr(pos, end - pos);
    pos = end;
    if (tok.size() < 2 || tok[1] != '=') continue;
    std::string_view val = tok.substr(2);
    switch (tok[0]) {
      case 'E': f.error = parse_decimal(val); break;
      case 'R': f.retry = val == "1"; break;
      case 'C': f.challenge = from_hex(val); break;
      case 'V': f.version = parse_decimal(val); break;
      default: break;
    }
  }
  return f;
}

void AuthBase::drop(Drop why, std::string_view what) {
  switch (why) {
    case Drop::kMalformed: ++stats_.malformed; break;
    case Drop::kUnexpected: ++stats_.unexpected; break;
    case Drop::kWrongId: ++stats_.wrong_id; break;
  }
  ++dropped_;
  log_.debug("dropped {}", what);
}

void AuthBase::succeed() {
  if (status_ != AuthStatus::kInProgress) return;
  status_ = AuthStatus::kSucceeded;
}

void AuthBase::fail(std::string reason) {
  if (status_ == AuthStatus::kFailed) return;
  status_ = AuthStatus::kFailed;
  failure_reason_ = std::move(reason);
}

}  // namespace auth_detail
}  // namespace pptpx::ppp
