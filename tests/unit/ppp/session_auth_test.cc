// SPDX-License-Identifier: MIT
// Session tests found by the client/server matrix (tests/integration/
// client_matrix): two Sessions joined by a perfect in-memory wire under a
// virtual clock, run until both are quiet.
#include <gtest/gtest.h>

#include "proto/ppp/session.h"
#include "session_wire.h"

namespace pptpx::ppp {
namespace {

struct Seen {
  std::vector<SessionEvent> server, client;
};

// The server knows user1 by "secret1"; the client answers with `client_secret`.
Seen run(const SessionConfig& scfg, const SessionConfig& ccfg, const std::string& client_secret) {
  Seen seen;
  test::WireHooks hooks;
  hooks.answer = [&](bool at_server, const SecretRequest&) -> std::optional<std::string> {
    return at_server ? std::string("secret1") : client_secret;
  };
  hooks.on_event = [&](bool at_server, SessionEvent& e) {
    (at_server ? seen.server : seen.client).push_back(std::move(e));
  };
  test::run_pair(scfg, ccfg, hooks);
  return seen;
}

template <typename T>
const T* find(const std::vector<SessionEvent>& v) {
  for (const auto& e : v)
    if (auto* p = std::get_if<T>(&e)) return p;
  return nullptr;
}

SessionConfig server_config(AuthProtocol p) {
  SessionConfig c;
  c.auth.authenticator.our_name = "pptpd";
  c.auth.authenticator.max_retries = 2;  // as pptpxd configures it
  c.auth.allowed = {p};
  return c;
}

SessionConfig client_config(AuthProtocol p) {
  SessionConfig c;
  c.auth.allowed = {p};
  c.role = Role::kAuthenticatee;
  c.auth.authenticatee.user = "user1";
  return c;
}

// The matrix's wrong-password case: the client gives up after one MS-CHAP
// retry and terminates LCP while the server still offers retries. The
// server never reported the failure (pptpxd logged no "authentication
// failed for user"), only the Finished of a link that went down.
TEST(SessionAuth, PeerGivingUpAfterMsChapFailureIsReportedAsFailed) {
  for (AuthProtocol p : {AuthProtocol::kMsChapV2, AuthProtocol::kMsChapV1}) {
    SCOPED_TRACE(auth_protocol_name(p));
    Seen s = run(server_config(p), client_config(p), "wrong");
    const auto* cf = find<event::AuthFailed>(s.client);
    ASSERT_TRUE(cf);
    const auto* sf = find<event::AuthFailed>(s.server);
    ASSERT_TRUE(sf);
    EXPECT_EQ(sf->peer_name, "user1");
    EXPECT_EQ(sf->reason, "bad password");
    EXPECT_FALSE(find<event::Authenticated>(s.server));
    int failures = 0;
    for (const auto& e : s.server) failures += std::holds_alternative<event::AuthFailed>(e);
    EXPECT_EQ(failures, 1);
  }
}

TEST(SessionAuth, RightPasswordReportsNoFailure) {
  Seen s = run(server_config(AuthProtocol::kMsChapV2), client_config(AuthProtocol::kMsChapV2),
               "secret1");
  const auto* a = find<event::Authenticated>(s.server);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->peer_name, "user1");
  EXPECT_FALSE(find<event::AuthFailed>(s.server));
  EXPECT_FALSE(find<event::AuthFailed>(s.client));
  EXPECT_TRUE(find<event::IpUp>(s.client));
}

// A client with every strength open (plain require-mppe) against a peer
// that allows 56-bit only, as a Windows server set to "strong" encryption:
// the link comes up with 56-bit keys in both directions, the same at both ends.
TEST(SessionAuth, FiftySixBitMppeWhenThePeerInsists) {
  SessionConfig scfg = server_config(AuthProtocol::kMsChapV2);
  scfg.mppe.allow_128 = false;
  scfg.mppe.allow_40 = false;
  scfg.mppe.allow_56 = true;
  SessionConfig ccfg = client_config(AuthProtocol::kMsChapV2);
  ccfg.mppe.allow_40 = ccfg.mppe.allow_56 = ccfg.mppe.allow_128 = true;
  Seen s = run(scfg, ccfg, "secret1");
  const auto* sc = find<event::CcpUp>(s.server);
  const auto* cc = find<event::CcpUp>(s.client);
  ASSERT_TRUE(sc);
  ASSERT_TRUE(cc);
  EXPECT_EQ(sc->key_bits, 56);
  EXPECT_EQ(cc->key_bits, 56);
  EXPECT_EQ(cc->bits, 0x01000080u);  // M and H: 56-bit stateless
  EXPECT_EQ(sc->keys.send, cc->keys.recv);
  EXPECT_EQ(sc->keys.recv, cc->keys.send);
  EXPECT_TRUE(find<event::IpUp>(s.client));
  // Against a 128-bit peer the same client takes 128.
  s = run(server_config(AuthProtocol::kMsChapV2), ccfg, "secret1");
  cc = find<event::CcpUp>(s.client);
  ASSERT_TRUE(cc);
  EXPECT_EQ(cc->key_bits, 128);
}

}  // namespace
}  // namespace pptpx::ppp
