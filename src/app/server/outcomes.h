// SPDX-License-Identifier: MIT
// How calls on the server end up, as pptpxctl stats and the metrics count
// them: sessions set up and how long that took, set-ups that failed and
// why, and each authentication of a client by method and outcome. The
// reasons are a few fixed names, never text from the network, so that a
// metric label has a bounded set of values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/common/prometheus.h"
#include "proto/ppp/auth/auth.h"

namespace pptpx::server {

// Why a call ended before its pppN carried IP.
enum class SetupFailure {
  kNoSlot,             // no free address slot or call ID: the call was refused
  kAuthFailed,         // authentication failed (either direction)
  kAddressNotAllowed,  // chap-secrets does not allow the user that address
  kAddressInUse,       // another session has the address
  kNoInterface,        // the TUN device could not be created
  kControlClosed,      // the control connection ended (client hung up, TCP reset)
  kEchoTimeout,        // LCP echo failure before the network came up
  kAdministrative,     // pptpxctl kill
  kShutdown,           // pptpxd stopping
  kNegotiation,        // LCP, IPCP or CCP did not agree (MPPE refused...)
  kNoAddress,          // delegate: neither chap-secrets nor the options give one
};
inline constexpr size_t kSetupFailures = 11;
std::string_view setup_failure_name(SetupFailure f);

// Why the client's authentication failed.
enum class AuthFailure {
  kBadPassword,
  kNoSecret,  // no chap-secrets line for the user
  kTimeout,   // no (timely) answer from the client
  kRefused,   // the client refused every method we require (in LCP)
  kOther,
};
inline constexpr size_t kAuthFailures = 5;
std::string_view auth_failure_name(AuthFailure f);
// The class of an authenticator's failure reason (proto/ppp/auth).
AuthFailure classify_auth_failure(std::string_view reason);

// PAP, CHAP, MS-CHAP, MS-CHAP-v2 and none (AuthProtocol's order).
inline constexpr size_t kAuthMethods = 5;
inline size_t method_index(ppp::AuthProtocol p) { return static_cast<size_t>(p); }
// auth_protocol_name, or "none".
std::string_view auth_method_name(size_t index);

// Seconds from the call's start (Outgoing-Call-Request) to IP up.
app::Histogram make_setup_histogram();

struct OutcomeStats {
  uint64_t setups = 0;  // sessions whose pppN came up, renegotiations not counted again
  std::array<uint64_t, kSetupFailures> setup_failures{};
  std::array<uint64_t, kAuthMethods> auth_successes{};
  std::array<std::array<uint64_t, kAuthFailures>, kAuthMethods> auth_failures{};
  app::Histogram setup_seconds = make_setup_histogram();

  void count(SetupFailure f) { setup_failures[static_cast<size_t>(f)]++; }
  void count_auth_failure(ppp::AuthProtocol p, AuthFailure f) {
    auth_failures[method_index(p)][static_cast<size_t>(f)]++;
  }
};

}  // namespace pptpx::server
