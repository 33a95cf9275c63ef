// SPDX-License-Identifier: MIT
// The client's words for why an attempt failed: the cause and the fix,
// from the server's verdict and this peers file's settings (see client.h).
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "app/client/client.h"
#include "base/text.h"

namespace pptpx::client {
namespace {

// "128-bit stateless" and the like: what this peers file lets MPPE be.
std::string mppe_allowed(const ppp::MppePolicy& m) {
  if (!m.enabled) return "no MPPE (nomppe)";
  std::string bits;
  for (auto [on, name] : {std::pair{m.allow_128, "128"}, {m.allow_56, "56"}, {m.allow_40, "40"}})
    if (on) bits += (bits.empty() ? "" : "/") + std::string(name);
  std::string_view mode = m.stateful_only
                              ? "stateful only"
                              : (m.allow_stateful ? "stateless or stateful" : "stateless");
  return fmt::format("{}-bit, {}", bits.empty() ? "no strength" : bits, mode);
}

bool mentions_mppe(std::string_view s) { return s.find("MPPE") != std::string_view::npos; }

}  // namespace

std::string Client::explain_auth_failure(const session::call_event::AuthFailed& f) const {
  const std::string_view method = ppp::auth_protocol_name(f.protocol);
  const std::string user = escaped(settings_.user);
  const std::string where = settings_.ppp.password
                                ? std::string("the password option of the peers file")
                                : fmt::format("{}'s line in {}", user, secrets_.where(f.protocol));
  std::string_view reason = f.reason;
  if (reason.starts_with("rejected: ")) {
    std::string_view verdict = reason.substr(10);
    // E=691 and PAP's or CHAP's refusal: the password; other MS-CHAP
    // codes (account disabled, no dial-in permission...) are the account.
    bool password = verdict.find("E=") == std::string_view::npos || verdict.starts_with("E=691");
    if (password)
      return fmt::format("the server rejected {}'s password ({} {}): check the secret in {}", user,
                         method, verdict, where);
    return fmt::format(
        "the server refused {} ({} {}): the account, not the password; ask the "
        "server's admin",
        user, method, verdict);
  }
  if (reason.starts_with("no secret for "))
    return fmt::format("no secret for {} to answer the server's {}: add it to {}", user, method,
                       secrets_.where(f.protocol));
  if (reason == "timeout")
    return fmt::format("the server did not answer our {} response for {} in time", method, user);
  return fmt::format("authentication to the server failed: {}", reason);
}

std::string Client::explain_link_end() const {
  if (!call_) return {};
  const ppp::MppePolicy& mppe = settings_.session.mppe;
  const ppp::Session& ppp = call_->ppp();
  const std::string& reason = ppp.end_reason();
  const std::string& peer_reason = ppp.peer_terminate_reason();
  if (!peer_reason.empty()) {
    if (mentions_mppe(peer_reason) && !mppe.enabled)
      return fmt::format(
          "the server requires MPPE (it ended the link: \"{}\"); this peers file has nomppe: "
          "remove nomppe, or put require-mppe-128 in its place",
          peer_reason);
    if (mentions_mppe(peer_reason))
      return fmt::format(
          "the server ended the link over MPPE (\"{}\"): it wants a strength or mode this peers "
          "file does not allow (here: {}); match require-mppe-*/nomppe-*/mppe-stateful to the "
          "server's options",
          peer_reason, mppe_allowed(mppe));
    return fmt::format("the server ended the link before it came up: \"{}\"", peer_reason);
  }
  if (ppp.closed_by_us() && mentions_mppe(reason))
    return fmt::format(
        "this peers file requires MPPE (here: {}) but the server did not agree to it (\"{}\"): "
        "the server has MPPE off or other strengths only; ask its admin, or relax "
        "require-mppe-128",
        mppe_allowed(mppe), reason);
  if (reason != "LCP negotiation failed") return {};
  if (!gre_seen_)
    return fmt::format(
        "{}: not one GRE packet came from {} though TCP 1723 works: IP protocol 47 is blocked "
        "between us (a firewall, or a NAT without a PPTP helper)",
        reason, server_.str());
  return fmt::format(
      "{}: the server's GRE arrives but it never answered ours: our GRE (IP protocol 47) does "
      "not reach {} (a firewall on our way out or in front of the server?)",
      reason, server_.str());
}

}  // namespace pptpx::client
