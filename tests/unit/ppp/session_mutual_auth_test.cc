// SPDX-License-Identifier: MIT
// Authentication in both directions, as pppd runs it: two Sessions on a
// perfect in-memory wire under a virtual clock. The client requires the
// server to authenticate (pppd `auth`/`require-*` on a client) and the server
// agrees to when it has a secret for its own name. Secrets are answered by
// direction, so a wrong answer in one direction is visible as such.
#include <gtest/gtest.h>

#include "proto/ppp/session.h"
#include "session_wire.h"

namespace pptpx::ppp {
namespace {

// chap-secrets as both ends would hold it: "user1 pptpd secret1" lets the
// server verify the client, "pptpd user1 srvsecret" the client verify the
// server. `client_knows` is what the client believes the server's secret is.
struct Secrets {
  std::string client_knows = "srvsecret";
};

struct Seen {
  std::vector<SessionEvent> server, client;
  std::vector<SecretRequest> server_questions, client_questions;
  std::string server_reason, client_reason;
};

// An empty server column is PAP without remotename: any server (pppd
// get_pap_passwd looks up with a NULL server).
std::optional<std::string> answer(const SecretRequest& q, const Secrets& s, bool at_client) {
  bool any = q.server.empty();
  if (q.client == "user1" && (any || q.server == "pptpd")) return std::string("secret1");
  if ((q.client == "pptpd" || q.client == "office") && (any || q.server == "user1"))
    return at_client ? s.client_knows : std::string("srvsecret");
  return std::nullopt;
}

Seen run(const SessionConfig& scfg, const SessionConfig& ccfg, const Secrets& secrets = {}) {
  Seen seen;
  test::WireHooks hooks;
  hooks.answer = [&](bool at_server, const SecretRequest& q) {
    (at_server ? seen.server_questions : seen.client_questions).push_back(q);
    return answer(q, secrets, !at_server);
  };
  hooks.on_event = [&](bool at_server, SessionEvent& e) {
    if (auto* f = std::get_if<event::Finished>(&e))
      (at_server ? seen.server_reason : seen.client_reason) = f->reason;
    (at_server ? seen.server : seen.client).push_back(std::move(e));
  };
  test::run_pair(scfg, ccfg, hooks);
  return seen;
}

template <typename T>
std::vector<const T*> all(const std::vector<SessionEvent>& v) {
  std::vector<const T*> out;
  for (const auto& e : v)
    if (auto* p = std::get_if<T>(&e)) out.push_back(p);
  return out;
}

template <typename T>
const T* find_side(const std::vector<SessionEvent>& v, AuthSide side) {
  for (const T* p : all<T>(v))
    if (p->side == side) return p;
  return nullptr;
}

// The server requires `of_client` and authenticates itself with any of
// `server_accepts`; the client accepts `client_accepts` and requires `of_server`.
SessionConfig server_config(std::vector<AuthProtocol> of_client,
                            std::vector<AuthProtocol> server_accepts) {
  SessionConfig c;
  c.auth.allowed = std::move(of_client);
  c.auth.reverse = std::move(server_accepts);
  c.auth.authenticator.our_name = "pptpd";
  c.auth.authenticator.max_retries = 2;
  c.auth.authenticatee.user = "pptpd";
  c.mppe.enabled = c.mppe.required = false;
  return c;
}

SessionConfig client_config(std::vector<AuthProtocol> client_accepts,
                            std::vector<AuthProtocol> of_server) {
  SessionConfig c;
  c.role = Role::kAuthenticatee;
  c.auth.allowed = std::move(client_accepts);
  c.auth.reverse = std::move(of_server);
  c.auth.authenticatee.user = "user1";
  c.auth.authenticator.our_name = "user1";
  c.mppe.enabled = c.mppe.required = false;
  return c;
}

const std::vector<AuthProtocol> kEvery = {AuthProtocol::kMsChapV2, AuthProtocol::kMsChapV1,
                                          AuthProtocol::kChapMd5, AuthProtocol::kPap};

TEST(SessionMutualAuth, EachMethodBothWays) {
  for (AuthProtocol p : kEvery) {
    SCOPED_TRACE(auth_protocol_name(p));
    Seen s = run(server_config({p}, kEvery), client_config(kEvery, {p}));
    // Each side proved itself and verified the other, with the same method.
    const auto* sp = find_side<event::Authenticated>(s.server, AuthSide::kPeer);
    const auto* su = find_side<event::Authenticated>(s.server, AuthSide::kUs);
    const auto* cp = find_side<event::Authenticated>(s.client, AuthSide::kPeer);
    const auto* cu = find_side<event::Authenticated>(s.client, AuthSide::kUs);
    ASSERT_TRUE(sp && su && cp && cu);
    EXPECT_EQ(sp->peer_name, "user1");
    EXPECT_EQ(cp->peer_name, "pptpd");
    EXPECT_EQ(su->peer_name, "pptpd");
    EXPECT_EQ(cu->peer_name, "user1");
    for (const auto* a : {sp, su, cp, cu}) EXPECT_EQ(a->protocol, p);
    EXPECT_TRUE(all<event::AuthFailed>(s.server).empty());
    EXPECT_TRUE(all<event::AuthFailed>(s.client).empty());
    ASSERT_EQ(all<event::IpUp>(s.client).size(), 1u);
    EXPECT_EQ(all<event::IpUp>(s.client)[0]->local.str(), "10.10.0.10");
    ASSERT_EQ(all<event::IpUp>(s.server).size(), 1u);
    // The questions name their direction and the chap-secrets columns.
    ASSERT_EQ(s.client_questions.size(), 2u);
    for (const auto& q : s.client_questions) {
      EXPECT_EQ(q.protocol, p);
      if (q.side == AuthSide::kPeer) {
        EXPECT_EQ(q.client, "pptpd");
        EXPECT_EQ(q.server, "user1");
      } else {
        EXPECT_EQ(q.client, "user1");
        // PAP has no challenger name: pppd looks up with remotename or "*".
        EXPECT_EQ(q.server, p == AuthProtocol::kPap ? "" : "pptpd");
      }
    }
    EXPECT_NE(s.client_questions[0].side, s.client_questions[1].side);
  }
}

TEST(SessionMutualAuth, DifferentMethodInEachDirection) {
  Seen s = run(server_config({AuthProtocol::kMsChapV2}, kEvery),
               client_config(kEvery, {AuthProtocol::kChapMd5}));
  const auto* cp = find_side<event::Authenticated>(s.client, AuthSide::kPeer);
  const auto* cu = find_side<event::Authenticated>(s.client, AuthSide::kUs);
  ASSERT_TRUE(cp && cu);
  EXPECT_EQ(cp->protocol, AuthProtocol::kChapMd5);
  EXPECT_EQ(cu->protocol, AuthProtocol::kMsChapV2);
  EXPECT_EQ(all<event::IpUp>(s.client).size(), 1u);
}

// pppd auth.c link_established: the server Rejects our Authentication-Protocol
// (it has no secret for itself) while we require it.
TEST(SessionMutualAuth, PeerRejectingOurAuthProtocolIsRefusal) {
  Seen s = run(server_config({AuthProtocol::kMsChapV2}, {}),
               client_config(kEvery, {AuthProtocol::kMsChapV2}));
  const auto* f = find_side<event::AuthFailed>(s.client, AuthSide::kPeer);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->reason, "peer refused to authenticate");
  EXPECT_EQ(s.client_reason, "peer refused to authenticate");
  EXPECT_TRUE(all<event::IpUp>(s.client).empty());
  EXPECT_TRUE(s.client_questions.empty());  // LCP never let us authenticate
  EXPECT_EQ(s.server_reason, "LCP terminated by peer (peer refused to authenticate)");
}

// The server agrees only to PAP (Naks our CHAP with PAP), which we do not allow.
TEST(SessionMutualAuth, PeerNakingOnlyRefusedMethodsIsRefusal) {
  Seen s = run(server_config({AuthProtocol::kMsChapV2}, {AuthProtocol::kPap}),
               client_config(kEvery, {AuthProtocol::kMsChapV2, AuthProtocol::kChapMd5}));
  const auto* f = find_side<event::AuthFailed>(s.client, AuthSide::kPeer);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->reason, "peer refused to authenticate");
  EXPECT_TRUE(all<event::IpUp>(s.client).empty());
}

TEST(SessionMutualAuth, PeerWithWrongSecretFailsOurChallenge) {
  for (AuthProtocol p : kEvery) {
    SCOPED_TRACE(auth_protocol_name(p));
    Secrets secrets;
    secrets.client_knows = "not-the-servers";
    Seen s =
        run(server_config({AuthProtocol::kMsChapV2}, kEvery), client_config(kEvery, {p}), secrets);
    const auto* f = find_side<event::AuthFailed>(s.client, AuthSide::kPeer);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->peer_name, "pptpd");
    EXPECT_EQ(f->reason, "bad password");
    EXPECT_FALSE(find_side<event::Authenticated>(s.client, AuthSide::kPeer));
    EXPECT_EQ(s.client_reason, "Authentication failed");
    EXPECT_TRUE(all<event::IpUp>(s.client).empty());
    EXPECT_TRUE(all<event::IpUp>(s.server).empty());
    // The server saw its own authentication fail, not the client's.
    const auto* sf = find_side<event::AuthFailed>(s.server, AuthSide::kUs);
    ASSERT_TRUE(sf);
    EXPECT_FALSE(find_side<event::AuthFailed>(s.server, AuthSide::kPeer));
  }
}

// pppd ccp.c: MPPE with MS-CHAP run in both directions is refused ("MPPE
// required, but auth done in both directions.").
TEST(SessionMutualAuth, MppeRefusedWhenMsChapRanBothWays) {
  SessionConfig sc = server_config({AuthProtocol::kMsChapV2}, kEvery);
  SessionConfig cc = client_config(kEvery, {AuthProtocol::kMsChapV2});
  sc.mppe = cc.mppe = MppePolicy{};
  Seen s = run(sc, cc);
  EXPECT_TRUE(find_side<event::Authenticated>(s.client, AuthSide::kPeer));
  EXPECT_TRUE(find_side<event::Authenticated>(s.client, AuthSide::kUs));
  EXPECT_TRUE(all<event::CcpUp>(s.client).empty());
  EXPECT_TRUE(all<event::IpUp>(s.client).empty());
  // Whichever side decides first closes with pppd's reason.
  bool client_closed = s.client_reason == "MPPE required but not available";
  bool server_closed = s.server_reason == "MPPE required but not available";
  EXPECT_TRUE(client_closed || server_closed) << s.client_reason << " / " << s.server_reason;
}

// MS-CHAPv2 one way and CHAP-MD5 the other: the keys come from MS-CHAPv2 and
// both ends agree on them (MPPE-128 comes up with matching send/recv keys).
TEST(SessionMutualAuth, MppeKeysFromTheOnlyMsChapDirection) {
  SessionConfig sc = server_config({AuthProtocol::kMsChapV2}, kEvery);
  SessionConfig cc = client_config(kEvery, {AuthProtocol::kChapMd5});
  sc.mppe = cc.mppe = MppePolicy{};
  Seen s = run(sc, cc);
  auto cu = all<event::CcpUp>(s.client);
  auto su = all<event::CcpUp>(s.server);
  ASSERT_EQ(cu.size(), 1u);
  ASSERT_EQ(su.size(), 1u);
  EXPECT_EQ(cu[0]->key_bits, 128);
  ASSERT_TRUE(cu[0]->keys.valid);
  EXPECT_EQ(cu[0]->keys.send, su[0]->keys.recv);
  EXPECT_EQ(cu[0]->keys.recv, su[0]->keys.send);
  EXPECT_NE(cu[0]->keys.send, cu[0]->keys.recv);
  EXPECT_EQ(all<event::IpUp>(s.client).size(), 1u);
}

// pppd chap-new.c: with remotename set, the authenticator looks the secret up
// under that name, whatever name the peer sent.
TEST(SessionMutualAuth, RemotenameSelectsTheSecretOfThePeer) {
  SessionConfig cc = client_config(kEvery, {AuthProtocol::kChapMd5});
  cc.auth.authenticator.remote_name = "pptpd";
  SessionConfig sc = server_config({AuthProtocol::kMsChapV2}, kEvery);
  sc.auth.authenticatee.user = "office";  // the name the server sends
  Seen s = run(sc, cc);
  bool asked = false;
  for (const auto& q : s.client_questions) {
    if (q.side != AuthSide::kPeer) continue;
    asked = true;
    EXPECT_EQ(q.client, "pptpd");
  }
  EXPECT_TRUE(asked);
  const auto* cp = find_side<event::Authenticated>(s.client, AuthSide::kPeer);
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->peer_name, "office");
}

}  // namespace
}  // namespace pptpx::ppp
