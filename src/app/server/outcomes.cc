// SPDX-License-Identifier: MIT
// Names and classes of call outcomes (see outcomes.h).
#include "app/server/outcomes.h"

namespace pptpx::server {

std::string_view setup_failure_name(SetupFailure f) {
  switch (f) {
    case SetupFailure::kNoSlot: return "no_address_slot";
    case SetupFailure::kAuthFailed: return "auth_failed";
    case SetupFailure::kAddressNotAllowed: return "address_not_allowed";
    case SetupFailure::kAddressInUse: return "address_in_use";
    case SetupFailure::kNoInterface: return "no_interface";
    case SetupFailure::kControlClosed: return "control_connection_closed";
    case SetupFailure::kEchoTimeout: return "echo_timeout";
    case SetupFailure::kAdministrative: return "administrative";
    case SetupFailure::kShutdown: return "shutdown";
    case SetupFailure::kNegotiation: return "negotiation_failed";
    case SetupFailure::kNoAddress: return "no_address";
  }
  return "other";
}

std::string_view auth_failure_name(AuthFailure f) {
  switch (f) {
    case AuthFailure::kBadPassword: return "bad_password";
    case AuthFailure::kNoSecret: return "no_secret";
    case AuthFailure::kTimeout: return "timeout";
    case AuthFailure::kRefused: return "refused";
    case AuthFailure::kOther: return "other";
  }
  return "other";
}

// The authenticators' reasons (proto/ppp/auth: pap.cc,
// chap_authenticator.cc) and the session's for a peer refusing to
// authenticate (proto/ppp/session.cc).
AuthFailure classify_auth_failure(std::string_view reason) {
  if (reason == "bad password") return AuthFailure::kBadPassword;
  if (reason.starts_with("no secret")) return AuthFailure::kNoSecret;
  if (reason == "timeout" || reason == "no response to challenge") return AuthFailure::kTimeout;
  if (reason == "peer refused to authenticate") return AuthFailure::kRefused;
  return AuthFailure::kOther;
}

std::string_view auth_method_name(size_t index) {
  return ppp::auth_protocol_name(static_cast<ppp::AuthProtocol>(index));
}

app::Histogram make_setup_histogram() {
  return app::Histogram({0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
}

}  // namespace pptpx::server
