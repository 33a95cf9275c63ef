// SPDX-License-Identifier: MIT
// Shared pieces of the PAP and CHAP implementations: the common packet
// envelope (RFC 1334 section 2, RFC 1994 section 4: Code, Identifier,
// Length, Data), the base class that counts drops, the MS-CHAP Failure
// message parser (RFC 2433 section 7, RFC 2759 section 6) and the per-method
// factories that auth.cc dispatches to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proto/ppp/auth/auth.h"

namespace pptpx::ppp::auth_detail {

// Codes shared by PAP (1..3) and CHAP (1..4).
inline constexpr uint8_t kCodeRequest = 1;  // PAP Authenticate-Request / CHAP Challenge
inline constexpr uint8_t kCodeAck = 2;      // PAP Authenticate-Ack / CHAP Response
inline constexpr uint8_t kCodeNak = 3;      // PAP Authenticate-Nak / CHAP Success
inline constexpr uint8_t kCodeFailure = 4;  // CHAP Failure

struct Packet {
  uint8_t code = 0;
  uint8_t id = 0;
  ByteView data;  // bounded by the Length field; octets past it are padding
};

// Nullopt when shorter than 4 octets or Length is < 4 or beyond the buffer.
std::optional<Packet> parse_packet(ByteView raw);
// Code, Identifier, Length, then `data`.
Bytes build_packet(uint8_t code, uint8_t id, ByteView data);

// A parsed MS-CHAP Failure message. Unknown or malformed fields are ignored
// (the peer may be a non-Microsoft server), so every field is optional.
struct MsFailure {
  std::optional<long> error;       // E=
  bool retry = false;              // R=1
  std::optional<Bytes> challenge;  // C= decoded from hex
  std::optional<long> version;     // V=
  std::string message;             // M= (rest of the text)
};
MsFailure parse_ms_failure(std::string_view text);
// The meaning of an MS-CHAP Failure's E= code (RFC 2433 and RFC 2759:
// 646-649, 691, 709); empty for another code.
std::string_view ms_chap_error_text(long code);

// Counts and logs drops the same way in every method.
class AuthBase : public AuthMethod {
 protected:
  explicit AuthBase(Logger log) : log_(std::move(log)) {}
  enum class Drop { kMalformed, kUnexpected, kWrongId };
  void drop(Drop why, std::string_view what);
  // Sets the final status; keeps the first failure reason.
  void succeed();
  void fail(std::string reason);

  Logger log_;
};

std::unique_ptr<AuthMethod> make_pap_authenticator(const AuthenticatorConfig& cfg, Rng& rng,
                                                   Logger log);
std::unique_ptr<AuthMethod> make_pap_authenticatee(const AuthenticateeConfig& cfg, Rng& rng,
                                                   Logger log);
std::unique_ptr<AuthMethod> make_chap_authenticator(AuthProtocol p, const AuthenticatorConfig& cfg,
                                                    Rng& rng, Logger log);
std::unique_ptr<AuthMethod> make_chap_authenticatee(AuthProtocol p, const AuthenticateeConfig& cfg,
                                                    Rng& rng, Logger log);

}  // namespace pptpx::ppp::auth_detail
