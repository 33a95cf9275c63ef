// SPDX-License-Identifier: MIT
// Tests for the PPP authentication methods (PAP, CHAP-MD5, MS-CHAP v1/v2),
// both roles: exact packets against the RFC vectors and a real pppd capture,
// and authenticator vs authenticatee in memory with loss and timeouts.
#include "proto/ppp/auth/auth.h"

#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "base/hex.h"
#include "crypto/crypto.h"
#include "crypto/mppe_keys.h"
#include "crypto/mschap.h"
#include "proto/ppp/protocols.h"

namespace pptpx::ppp {
namespace {

const std::map<std::string, std::string>& vectors() {
  static const std::map<std::string, std::string> v = [] {
    std::map<std::string, std::string> m;
    std::ifstream in(std::string(PPTPX_TEST_DATA) + "/auth/vectors.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t sp = line.find(' ');
      m[line.substr(0, sp)] = line.substr(sp + 1);
    }
    return m;
  }();
  return v;
}

std::string text(const std::string& name) {
  auto it = vectors().find(name);
  EXPECT_NE(it, vectors().end()) << name;
  return it == vectors().end() ? std::string() : it->second;
}

Bytes hex(const std::string& name) {
  auto b = from_hex(text(name));
  EXPECT_TRUE(b.has_value()) << name;
  return b.value_or(Bytes{});
}

// Serves scripted bytes first, then deterministic pseudo-random ones.
class ScriptedRng final : public Rng {
 public:
  explicit ScriptedRng(Bytes script = {}) : script_(script.begin(), script.end()) {}
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      if (!script_.empty()) {
        b = script_.front();
        script_.pop_front();
      } else {
        fallback_.fill(std::span<uint8_t>(&b, 1));
      }
    }
  }
  void push(ByteView more) { script_.insert(script_.end(), more.begin(), more.end()); }

 private:
  std::deque<uint8_t> script_;
  SeededRng fallback_{42};
};

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes chap_packet(uint8_t code, uint8_t id, ByteView data) {
  Bytes p = {code, id, 0, 0};
  p.insert(p.end(), data.begin(), data.end());
  put_u16(&p[2], static_cast<uint16_t>(p.size()));
  return p;
}

Bytes chap_response(uint8_t id, ByteView value, std::string_view name) {
  Bytes data = {static_cast<uint8_t>(value.size())};
  data.insert(data.end(), value.begin(), value.end());
  data.insert(data.end(), name.begin(), name.end());
  return chap_packet(2, id, data);
}

std::string message_of(const Bytes& pkt) { return std::string(pkt.begin() + 4, pkt.end()); }

Time t0() { return Time{} + seconds(1000); }

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
};

// ---------------------------------------------------------------- vectors

TEST_F(AuthTest, NamesAndProtocols) {
  EXPECT_STREQ(auth_protocol_name(AuthProtocol::kPap), "PAP");
  EXPECT_STREQ(auth_protocol_name(AuthProtocol::kChapMd5), "CHAP");
  EXPECT_STREQ(auth_protocol_name(AuthProtocol::kMsChapV1), "MS-CHAP");
  EXPECT_STREQ(auth_protocol_name(AuthProtocol::kMsChapV2), "MS-CHAP-v2");
  EXPECT_EQ(auth_ppp_protocol(AuthProtocol::kPap), kProtoPap);
  EXPECT_EQ(auth_ppp_protocol(AuthProtocol::kMsChapV2), kProtoChap);
  EXPECT_EQ(auth_ppp_protocol(AuthProtocol::kNone), 0);
  ScriptedRng rng;
  EXPECT_EQ(make_authenticator(AuthProtocol::kNone, {}, rng, Logger()), nullptr);
  EXPECT_EQ(make_authenticatee(AuthProtocol::kNone, {}, rng, Logger()), nullptr);
}

TEST_F(AuthTest, ChapMd5AuthenticateeMatchesVector) {
  ScriptedRng rng;
  auto c = make_authenticatee(AuthProtocol::kChapMd5, {.user = "client"}, rng, Logger());
  c->start(t0());
  uint8_t id = hex("chap_md5.identifier")[0];
  Bytes challenge_data = cat({Bytes{16}, hex("chap_md5.challenge"), as_bytes("srv")});
  c->on_packet(chap_packet(1, id, challenge_data), t0());
  auto req = c->pending_secret_request();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->client, "client");
  EXPECT_EQ(req->server, "srv");
  c->provide_secret(text("chap_md5.secret_ascii"), t0());
  auto out = c->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_hex(out[0]), text("chap_md5.response_packet_name_client"));
  c->on_packet(chap_packet(3, id, as_bytes("Access granted")), t0());
  EXPECT_EQ(c->status(), AuthStatus::kSucceeded);
  EXPECT_FALSE(c->mppe_keys().valid);
}

TEST_F(AuthTest, ChapMd5AuthenticatorVerifiesVector) {
  Bytes script = cat({hex("chap_md5.identifier"), hex("chap_md5.challenge")});
  ScriptedRng rng(script);
  auto s = make_authenticator(AuthProtocol::kChapMd5, {.our_name = "srv"}, rng, Logger());
  s->start(t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_hex(out[0]), "012a001810" + text("chap_md5.challenge") + "737276");
  s->on_packet(hex("chap_md5.response_packet_name_client"), t0());
  auto req = s->pending_secret_request();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->client, "client");
  EXPECT_EQ(req->server, "srv");
  s->provide_secret(text("chap_md5.secret_ascii"), t0());
  out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], chap_packet(3, 0x2a, as_bytes("Access granted")));
  EXPECT_EQ(s->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(s->peer_name(), "client");
}

TEST_F(AuthTest, MsChapV1BothRolesMatchVector) {
  Bytes chal = hex("mschapv1.challenge");
  ScriptedRng srng(cat({Bytes{0x07}, chal}));
  auto s = make_authenticator(AuthProtocol::kMsChapV1, {.our_name = "srv"}, srng, Logger());
  s->start(t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_hex(out[0]), "0107001008" + text("mschapv1.challenge") + "737276");

  ScriptedRng crng;
  auto c = make_authenticatee(AuthProtocol::kMsChapV1, {.user = "bob"}, crng, Logger());
  c->start(t0());
  c->on_packet(out[0], t0());
  c->provide_secret(text("mschapv1.password_ascii"), t0());
  auto resp = c->take_output();
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(resp[0], chap_response(7, hex("mschapv1.response_value_49"), "bob"));

  s->on_packet(resp[0], t0());
  s->provide_secret(text("mschapv1.password_ascii"), t0());
  out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], chap_packet(3, 7, as_bytes("Access granted")));
  EXPECT_EQ(s->status(), AuthStatus::kSucceeded);
  c->on_packet(out[0], t0());
  EXPECT_EQ(c->status(), AuthStatus::kSucceeded);

  crypto::Challenge8 c8;
  std::copy_n(chal.begin(), 8, c8.begin());
  auto keys = crypto::mschap1_start_keys(crypto::nt_password_hash("MyPw"),
                                         crypto::lm_password_hash("MyPw"), c8);
  EXPECT_TRUE(s->mppe_keys().valid);
  EXPECT_EQ(s->mppe_keys().send, keys.send);
  EXPECT_EQ(c->mppe_keys().recv, keys.recv);
}

TEST_F(AuthTest, MsChapV2AuthenticatorMatchesComputedPackets) {
  ScriptedRng rng(cat({Bytes{0x01}, hex("mschapv2.authenticator_challenge")}));
  auto s = make_authenticator(AuthProtocol::kMsChapV2, {.our_name = "srv"}, rng, Logger());
  s->start(t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_hex(out[0]), text("mschapv2_packets.challenge_packet"));
  s->on_packet(hex("mschapv2_packets.response_packet"), t0());
  auto req = s->pending_secret_request();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->client, "User");
  EXPECT_EQ(req->server, "srv");
  s->provide_secret(text("mschapv2.password_ascii"), t0());
  out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_hex(out[0]), text("mschapv2_packets.success_packet"));
  EXPECT_EQ(s->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(s->peer_name(), "User");

  crypto::Response24 nt;
  Bytes ntb = hex("mschapv2.nt_response");
  std::copy(ntb.begin(), ntb.end(), nt.begin());
  auto keys = crypto::mschap2_start_keys(crypto::nt_password_hash("clientPass"), nt, true);
  EXPECT_TRUE(s->mppe_keys().valid);
  EXPECT_EQ(s->mppe_keys().send, keys.send);
  EXPECT_EQ(s->mppe_keys().recv, keys.recv);
}

TEST_F(AuthTest, MsChapV2AuthenticateeMatchesComputedPackets) {
  ScriptedRng rng(hex("mschapv2.peer_challenge"));
  auto c = make_authenticatee(AuthProtocol::kMsChapV2, {.user = "User"}, rng, Logger());
  c->start(t0());
  c->on_packet(hex("mschapv2_packets.challenge_packet"), t0());
  c->provide_secret(text("mschapv2.password_ascii"), t0());
  auto out = c->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_hex(out[0]), text("mschapv2_packets.response_packet"));
  c->on_packet(hex("mschapv2_packets.success_packet"), t0());
  EXPECT_EQ(c->status(), AuthStatus::kSucceeded);
  crypto::Response24 nt;
  Bytes ntb = hex("mschapv2.nt_response");
  std::copy(ntb.begin(), ntb.end(), nt.begin());
  auto keys = crypto::mschap2_start_keys(crypto::nt_password_hash("clientPass"), nt, false);
  EXPECT_TRUE(c->mppe_keys().valid);
  EXPECT_EQ(c->mppe_keys().send, keys.send);
  EXPECT_EQ(c->mppe_keys().recv, keys.recv);
}

TEST_F(AuthTest, MsChapV2DomainNameKeptButStrippedForHash) {
  // RFC 2759 vector computed for "User": the same NT-Response must verify for
  // "DOMAIN\User", since the challenge hash ignores the domain.
  ScriptedRng rng(cat({Bytes{0x01}, hex("mschapv2.authenticator_challenge")}));
  auto s = make_authenticator(AuthProtocol::kMsChapV2, {.our_name = "srv"}, rng, Logger());
  s->start(t0());
  s->take_output();
  Bytes value =
      cat({hex("mschapv2.peer_challenge"), Bytes(8, 0), hex("mschapv2.nt_response"), Bytes{0}});
  s->on_packet(chap_response(1, value, "DOMAIN\\User"), t0());
  ASSERT_TRUE(s->pending_secret_request());
  EXPECT_EQ(s->pending_secret_request()->client, "DOMAIN\\User");
  s->provide_secret(std::string("clientPass"), t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(message_of(out[0]),
            text("mschapv2.authenticator_response_ascii") + " M=Access granted");
  EXPECT_EQ(s->peer_name(), "DOMAIN\\User");
}

// The real exchange from mschapv2-mppe128-stateless.server-pppd.log.
TEST_F(AuthTest, MsChapV2AuthenticatorReproducesPppdCapture) {
  uint8_t id = hex("capture.identifier")[0];
  ScriptedRng rng(cat({Bytes{id}, hex("capture.challenge")}));
  AuthenticatorConfig cfg{.our_name = text("capture.server_name_ascii")};
  auto s = make_authenticator(AuthProtocol::kMsChapV2, cfg, rng, Logger());
  s->start(t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0],
            chap_packet(1, 0xe1, cat({Bytes{16}, hex("capture.challenge"), as_bytes("pptpd")})));
  s->on_packet(chap_response(id, hex("capture.response_value"), text("capture.user_ascii")), t0());
  auto req = s->pending_secret_request();
  ASSERT_TRUE(req);
  EXPECT_EQ(req->client, "user1");
  EXPECT_EQ(req->server, "pptpd");
  s->provide_secret(text("capture.password_ascii"), t0());
  out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], chap_packet(3, 0xe1, as_bytes(text("capture.success_message_ascii"))));
  EXPECT_EQ(message_of(out[0]), "S=8C083B7742B183F75EC141141A78DA8590AC7116 M=Access granted");
  EXPECT_EQ(s->status(), AuthStatus::kSucceeded);
  EXPECT_TRUE(s->mppe_keys().valid);
}

TEST_F(AuthTest, MsChapV2AuthenticateeReproducesPppdCapture) {
  Bytes value = hex("capture.response_value");
  ScriptedRng rng(Bytes(value.begin(), value.begin() + 16));  // the peer challenge
  auto c = make_authenticatee(AuthProtocol::kMsChapV2, {.user = "user1"}, rng, Logger());
  c->start(t0());
  c->on_packet(chap_packet(1, 0xe1, cat({Bytes{16}, hex("capture.challenge"), as_bytes("pptpd")})),
               t0());
  ASSERT_TRUE(c->pending_secret_request());
  EXPECT_EQ(c->pending_secret_request()->server, "pptpd");
  c->provide_secret(text("capture.password_ascii"), t0());
  auto out = c->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], chap_response(0xe1, value, "user1"));
  c->on_packet(chap_packet(3, 0xe1, as_bytes(text("capture.success_message_ascii"))), t0());
  EXPECT_EQ(c->status(), AuthStatus::kSucceeded);
  EXPECT_TRUE(c->mppe_keys().valid);
}

// ------------------------------------------------- authenticatee checks S=

class SuccessFormTest : public AuthTest {
 protected:
  std::unique_ptr<AuthMethod> responded(ScriptedRng& rng) {
    auto c = make_authenticatee(AuthProtocol::kMsChapV2, {.user = "User"}, rng, Logger());
    c->start(t0());
    c->on_packet(hex("mschapv2_packets.challenge_packet"), t0());
    c->provide_secret(text("mschapv2.password_ascii"), t0());
    c->take_output();
    return c;
  }
};

TEST_F(SuccessFormTest, AcceptsAllThreeForms) {
  std::string s = text("mschapv2.authenticator_response_ascii");
  for (const std::string& msg : {s, s + " M=ok", s + "M=ok"}) {
    ScriptedRng rng(hex("mschapv2.peer_challenge"));
    auto c = responded(rng);
    c->on_packet(chap_packet(3, 1, as_bytes(msg)), t0());
    EXPECT_EQ(c->status(), AuthStatus::kSucceeded) << msg;
  }
}

TEST_F(SuccessFormTest, RejectsMissingOrWrongAuthenticatorResponse) {
  std::string good = text("mschapv2.authenticator_response_ascii");
  std::string wrong = good;
  wrong[10] = wrong[10] == '0' ? '1' : '0';
  for (const std::string& msg : {std::string("M=Access granted"), std::string(""), wrong,
                                 good.substr(0, 41), "X" + good.substr(1)}) {
    ScriptedRng rng(hex("mschapv2.peer_challenge"));
    auto c = responded(rng);
    c->on_packet(chap_packet(3, 1, as_bytes(msg)), t0());
    EXPECT_EQ(c->status(), AuthStatus::kFailed) << msg;
    EXPECT_EQ(c->failure_reason(), "server authenticator response mismatch");
    EXPECT_FALSE(c->mppe_keys().valid);
  }
}

// ------------------------------------------------------ in-memory pairs

// Drives an authenticator and an authenticatee against each other with a
// virtual clock. `drop` decides whether a packet is lost (index counts every
// packet put on the wire, both directions).
struct Pair {
  Pair(AuthProtocol p, const AuthenticatorConfig& scfg, const AuthenticateeConfig& ccfg)
      : server(make_authenticator(p, scfg, srng, Logger())),
        client(make_authenticatee(p, ccfg, crng, Logger())) {}

  ScriptedRng srng{Bytes{}};
  ScriptedRng crng{Bytes{}};
  std::unique_ptr<AuthMethod> server, client;
  std::map<std::string, std::string> server_secrets;      // by client name
  std::deque<std::optional<std::string>> client_secrets;  // one answer per question
  std::function<bool(size_t, bool to_client)> drop = [](size_t, bool) { return false; };
  size_t wire = 0;
  size_t to_client = 0, to_server = 0;
  Time now = t0();
  std::vector<SecretRequest> server_questions, client_questions;

  bool done() const {
    return server->status() != AuthStatus::kInProgress &&
           client->status() != AuthStatus::kInProgress;
  }

  void answer() {
    if (auto q = server->pending_secret_request()) {
      server_questions.push_back(*q);
      auto it = server_secrets.find(q->client);
      server->provide_secret(
          it == server_secrets.end() ? std::nullopt : std::optional<std::string>(it->second), now);
    }
    if (auto q = client->pending_secret_request()) {
      client_questions.push_back(*q);
      std::optional<std::string> a;
      if (!client_secrets.empty()) {
        a = client_secrets.front();
        if (client_secrets.size() > 1) client_secrets.pop_front();
      }
      client->provide_secret(a, now);
    }
  }

  // Delivers packets until quiet, then advances time to the next deadline.
  void run(Duration limit = seconds(600)) {
    server->start(now);
    client->start(now);
    Time end = now + limit;
    while (now < end) {
      bool moved = true;
      while (moved) {
        moved = false;
        answer();
        for (auto& pkt : server->take_output()) {
          moved = true;
          ++to_client;
          if (!drop(wire++, true)) client->on_packet(pkt, now);
        }
        for (auto& pkt : client->take_output()) {
          moved = true;
          ++to_server;
          if (!drop(wire++, false)) server->on_packet(pkt, now);
        }
      }
      if (done()) return;
      Time next = earliest(server->next_deadline(), client->next_deadline());
      if (next == kNever) return;
      now = std::max(now, next);
      server->on_timer(now);
      client->on_timer(now);
    }
  }
};

const AuthProtocol kAll[] = {AuthProtocol::kPap, AuthProtocol::kChapMd5, AuthProtocol::kMsChapV1,
                             AuthProtocol::kMsChapV2};

class PairTest : public AuthTest, public ::testing::WithParamInterface<AuthProtocol> {};

TEST_P(PairTest, Success) {
  Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "user1"});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"secret1"};
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.client->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.server->peer_name(), "user1");
  EXPECT_EQ(p.client->peer_name(), "user1");
  ASSERT_EQ(p.server_questions.size(), 1u);
  EXPECT_EQ(p.server_questions[0].client, "user1");
  EXPECT_EQ(p.server_questions[0].server, "pptpd");
  ASSERT_EQ(p.client_questions.size(), 1u);
  EXPECT_EQ(p.client_questions[0].client, "user1");
  bool ms = GetParam() == AuthProtocol::kMsChapV1 || GetParam() == AuthProtocol::kMsChapV2;
  if (GetParam() != AuthProtocol::kPap) {
    EXPECT_EQ(p.client_questions[0].server, "pptpd");
  }
  EXPECT_EQ(p.server->mppe_keys().valid, ms);
  EXPECT_EQ(p.client->mppe_keys().valid, ms);
  if (ms) {
    EXPECT_EQ(p.server->mppe_keys().send, p.client->mppe_keys().recv);
    EXPECT_EQ(p.server->mppe_keys().recv, p.client->mppe_keys().send);
  }
  if (GetParam() == AuthProtocol::kMsChapV2) {
    EXPECT_NE(p.server->mppe_keys().send, p.server->mppe_keys().recv);
  }
  EXPECT_EQ(p.server->dropped(), 0u);
  EXPECT_EQ(p.client->dropped(), 0u);
}

TEST_P(PairTest, EmptySecretWorks) {
  Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "guest"});
  p.server_secrets["guest"] = "";
  p.client_secrets = {""};
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.client->status(), AuthStatus::kSucceeded);
}

TEST_P(PairTest, WrongPassword) {
  Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "user1"});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"secret2"};
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.client->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.server->failure_reason(), "bad password");
  EXPECT_FALSE(p.server->mppe_keys().valid);
  EXPECT_FALSE(p.client->mppe_keys().valid);
  switch (GetParam()) {
    case AuthProtocol::kPap:
      EXPECT_EQ(p.client->failure_reason(), "rejected: Login incorrect");
      break;
    case AuthProtocol::kChapMd5:
      EXPECT_EQ(p.client->failure_reason(), "rejected: Access denied");
      break;
    case AuthProtocol::kMsChapV1:
      EXPECT_EQ(p.client->failure_reason(), "rejected: E=691 (authentication failure)");
      break;
    case AuthProtocol::kMsChapV2:
      EXPECT_EQ(p.client->failure_reason(),
                "rejected: E=691 (authentication failure) M=Authentication failed");
      break;
    default: break;
  }
}

TEST_P(PairTest, UnknownUserLooksLikeWrongPasswordOnTheWire) {
  // Record what the server sends for a wrong password and for an unknown user.
  auto verdict = [&](bool known) {
    Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "user1"});
    if (known) p.server_secrets["user1"] = "other";
    p.client_secrets = {"secret1"};
    p.drop = [&](size_t, bool) { return false; };
    p.run();
    EXPECT_EQ(p.server->status(), AuthStatus::kFailed);
    EXPECT_EQ(p.client->status(), AuthStatus::kFailed);
    return std::make_pair(p.server->failure_reason(), p.client->failure_reason());
  };
  auto [sr_unknown, cr_unknown] = verdict(false);
  auto [sr_wrong, cr_wrong] = verdict(true);
  EXPECT_EQ(sr_unknown, "no secret for user1");
  EXPECT_EQ(sr_wrong, "bad password");
  EXPECT_EQ(cr_unknown, cr_wrong);
}

TEST_P(PairTest, ClientWithoutSecretFails) {
  Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "nobody"});
  p.client_secrets = {std::nullopt};
  p.run(seconds(5));
  EXPECT_EQ(p.client->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.client->failure_reason(), "no secret for nobody");
}

TEST_P(PairTest, LostPacketsAreRecovered) {
  // Lose the first packet in each direction, then every third packet.
  for (int pattern = 0; pattern < 3; ++pattern) {
    Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "user1"});
    p.server_secrets["user1"] = "secret1";
    p.client_secrets = {"secret1"};
    std::set<bool> lost_once;
    p.drop = [&](size_t i, bool to_client) {
      if (pattern == 0) return i == 0;                              // first packet
      if (pattern == 1) return lost_once.insert(to_client).second;  // first each way
      return i % 3 == 1;
    };
    p.run();
    EXPECT_EQ(p.server->status(), AuthStatus::kSucceeded) << pattern;
    EXPECT_EQ(p.client->status(), AuthStatus::kSucceeded) << pattern;
    EXPECT_GT(p.server->stats().retransmits + p.client->stats().retransmits, 0u) << pattern;
    if (GetParam() != AuthProtocol::kPap && GetParam() != AuthProtocol::kChapMd5) {
      EXPECT_EQ(p.server->mppe_keys().send, p.client->mppe_keys().recv);
    }
  }
}

TEST_P(PairTest, LostVerdictIsRepeated) {
  // The verdict (third packet for CHAP, second for PAP) is lost; the repeated
  // request/response gets the same answer.
  Pair p(GetParam(), {.our_name = "pptpd"}, {.user = "user1"});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"secret1"};
  size_t verdict_index = GetParam() == AuthProtocol::kPap ? 1 : 2;
  p.drop = [&](size_t i, bool) { return i == verdict_index; };
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.client->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.server->stats().repeats, 1u);
  EXPECT_EQ(p.server_questions.size(), 1u);
}

TEST_P(PairTest, SilentPeerTimesOut) {
  Pair p(GetParam(), {.our_name = "pptpd", .restart = seconds(3), .max_challenges = 4},
         {.user = "user1", .restart = seconds(3), .max_requests = 4});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"secret1"};
  p.drop = [](size_t, bool) { return true; };
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.client->status(), AuthStatus::kFailed);
  if (GetParam() == AuthProtocol::kPap) {
    EXPECT_EQ(p.server->failure_reason(), "timeout");
    EXPECT_EQ(p.client->failure_reason(), "timeout");
    EXPECT_EQ(p.to_server, 4u);  // max_requests Authenticate-Requests
    EXPECT_EQ(p.to_client, 0u);
  } else {
    EXPECT_EQ(p.server->failure_reason(), "no response to challenge");
    EXPECT_EQ(p.client->failure_reason(), "timeout");
    EXPECT_EQ(p.to_client, 4u);  // max_challenges Challenges
    EXPECT_EQ(p.to_server, 0u);
  }
}

std::string proto_name(const ::testing::TestParamInfo<AuthProtocol>& i) {
  std::string n = auth_protocol_name(i.param);
  for (auto& ch : n) {
    if (ch == '-') ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(All, PairTest, ::testing::ValuesIn(kAll), proto_name);

// ------------------------------------------------------------- retries

class RetryTest : public AuthTest, public ::testing::WithParamInterface<AuthProtocol> {};

TEST_P(RetryTest, SecondTryWithRightPasswordSucceeds) {
  Pair p(GetParam(), {.our_name = "pptpd", .max_retries = 1}, {.user = "user1"});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"wrong", "secret1"};
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.client->status(), AuthStatus::kSucceeded);
  EXPECT_EQ(p.client_questions.size(), 2u);
  EXPECT_EQ(p.server_questions.size(), 2u);
  EXPECT_EQ(p.server->mppe_keys().send, p.client->mppe_keys().recv);
}

TEST_P(RetryTest, RetriesAreBounded) {
  Pair p(GetParam(), {.our_name = "pptpd", .max_retries = 3}, {.user = "user1"});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"wrong"};
  p.run();
  // The client retries once, then gives up on the second Failure.
  EXPECT_EQ(p.client->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.client_questions.size(), 2u);
  EXPECT_EQ(p.server_questions.size(), 2u);
}

TEST_P(RetryTest, FailureMessageCarriesNewChallenge) {
  ScriptedRng rng;
  auto s = make_authenticator(GetParam(), {.our_name = "s", .max_retries = 1}, rng, Logger());
  s->start(t0());
  Bytes ch = s->take_output().at(0);
  uint8_t id = ch[1];
  size_t n = ch[4];
  Bytes old_chal(ch.data() + 5, ch.data() + 5 + n);
  s->on_packet(chap_response(id, Bytes(49, 1), "u"), t0());
  s->provide_secret(std::string("pw"), t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][0], 4);
  EXPECT_EQ(out[0][1], id);
  std::string msg = message_of(out[0]);
  EXPECT_EQ(s->status(), AuthStatus::kInProgress);
  size_t c = msg.find("C=");
  ASSERT_NE(c, std::string::npos);
  std::string new_chal_hex = msg.substr(c + 2, 2 * n);
  EXPECT_NE(new_chal_hex, to_hex(old_chal, true));
  if (GetParam() == AuthProtocol::kMsChapV2) {
    EXPECT_EQ(msg, "E=691 R=1 C=" + new_chal_hex + " V=3 M=Authentication failed");
  } else {
    EXPECT_EQ(msg, "E=691 R=1 C=" + new_chal_hex + " V=0");
  }
  // A repeat of the failed Response gets the same Failure again.
  s->on_packet(chap_response(id, Bytes(49, 1), "u"), t0());
  auto again = s->take_output();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], out[0]);
  // The second failure ends it with R=0.
  s->on_packet(chap_response(static_cast<uint8_t>(id + 1), Bytes(49, 1), "u"), t0());
  s->provide_secret(std::nullopt, t0());
  out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][1], static_cast<uint8_t>(id + 1));
  EXPECT_NE(message_of(out[0]).find("R=0"), std::string::npos);
  EXPECT_EQ(s->status(), AuthStatus::kFailed);
  EXPECT_EQ(s->failure_reason(), "no secret for u");
}

INSTANTIATE_TEST_SUITE_P(Ms, RetryTest,
                         ::testing::Values(AuthProtocol::kMsChapV1, AuthProtocol::kMsChapV2),
                         proto_name);

// ---------------------------------------------------------- robustness

TEST_F(AuthTest, NoRetryWhenNotAllowed) {
  Pair p(AuthProtocol::kMsChapV2, {.our_name = "pptpd"}, {.user = "user1"});
  p.server_secrets["user1"] = "secret1";
  p.client_secrets = {"wrong", "secret1"};
  p.run();
  EXPECT_EQ(p.server->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.client->status(), AuthStatus::kFailed);
  EXPECT_EQ(p.client_questions.size(), 1u);
}

TEST_F(AuthTest, AuthenticatorIgnoresWrongIdAndMalformed) {
  ScriptedRng rng(cat({Bytes{0x10}, Bytes(16, 0xab)}));
  auto s = make_authenticator(AuthProtocol::kMsChapV2, {.our_name = "s"}, rng, Logger());
  s->start(t0());
  s->take_output();
  s->on_packet(chap_response(0x11, Bytes(49, 0), "u"), t0());  // wrong id
  EXPECT_EQ(s->stats().wrong_id, 1u);
  s->on_packet(chap_response(0x10, Bytes(48, 0), "u"), t0());  // wrong Value-Size
  s->on_packet(Bytes{2, 0x10, 0}, t0());                       // short header
  s->on_packet(Bytes{2, 0x10, 0, 60, 49}, t0());               // Length beyond buffer
  s->on_packet(Bytes{2, 0x10, 0, 3}, t0());                    // Length < 4
  s->on_packet(Bytes{2, 0x10, 0, 5, 49}, t0());                // Value beyond Length
  EXPECT_EQ(s->stats().malformed, 5u);
  s->on_packet(chap_packet(3, 0x10, {}), t0());  // Success sent to the authenticator
  EXPECT_EQ(s->stats().unexpected, 1u);
  EXPECT_EQ(s->dropped(), 7u);
  EXPECT_FALSE(s->pending_secret_request());
  EXPECT_TRUE(s->take_output().empty());
  EXPECT_EQ(s->status(), AuthStatus::kInProgress);
  // Padding after Length is ignored.
  Bytes ok = chap_response(0x10, Bytes(49, 0), "u");
  ok.push_back(0xff);
  s->on_packet(ok, t0());
  EXPECT_TRUE(s->pending_secret_request());
}

TEST_F(AuthTest, AuthenticatorRetransmitsSameChallenge) {
  ScriptedRng rng;
  auto s = make_authenticator(AuthProtocol::kChapMd5,
                              {.our_name = "s", .restart = seconds(3), .max_challenges = 3}, rng,
                              Logger());
  s->start(t0());
  Bytes first = s->take_output().at(0);
  EXPECT_EQ(s->next_deadline(), t0() + seconds(3));
  s->on_timer(t0() + seconds(2));
  EXPECT_TRUE(s->take_output().empty());
  s->on_timer(t0() + seconds(3));
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], first);
  s->on_timer(t0() + seconds(6));
  EXPECT_EQ(s->take_output().size(), 1u);
  s->on_timer(t0() + seconds(9));
  EXPECT_TRUE(s->take_output().empty());
  EXPECT_EQ(s->status(), AuthStatus::kFailed);
  EXPECT_EQ(s->next_deadline(), kNever);
}

TEST_F(AuthTest, PapAuthenticatorRepeatsVerdictWithNewId) {
  ScriptedRng rng;
  auto s = make_authenticator(AuthProtocol::kPap, {.our_name = "s"}, rng, Logger());
  s->start(t0());
  EXPECT_TRUE(s->take_output().empty());
  Bytes req = {1, 5, 0, 16, 5, 'u', 's', 'e', 'r', '1', 0x07, 's', 'e', 'c', 'r', 'e', 't', '1'};
  req[3] = static_cast<uint8_t>(req.size());
  s->on_packet(req, t0());
  auto q = s->pending_secret_request();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->client, "user1");
  EXPECT_EQ(q->server, "s");
  s->provide_secret(std::string("secret1"), t0());
  auto out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Bytes{2, 5, 0, 13, 8, 'L', 'o', 'g', 'i', 'n', ' ', 'o', 'k'}));
  req[1] = 6;
  s->on_packet(req, t0());
  out = s->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Bytes{2, 6, 0, 13, 8, 'L', 'o', 'g', 'i', 'n', ' ', 'o', 'k'}));
  EXPECT_EQ(s->status(), AuthStatus::kSucceeded);
  // Truncated requests are dropped.
  s->on_packet(Bytes{1, 7, 0, 6, 5, 'u'}, t0());
  EXPECT_EQ(s->stats().malformed, 1u);
}

TEST_F(AuthTest, PapAuthenticateeRequestBytes) {
  ScriptedRng rng(Bytes{0x20});
  auto c = make_authenticatee(AuthProtocol::kPap, {.user = "ab", .max_requests = 2}, rng, Logger());
  c->start(t0());
  EXPECT_TRUE(c->take_output().empty());
  c->provide_secret(std::string("xyz"), t0());
  auto out = c->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (Bytes{1, 0x20, 0, 11, 2, 'a', 'b', 3, 'x', 'y', 'z'}));
  c->on_timer(t0() + seconds(3));
  out = c->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][1], 0x21);
  // An answer to the old Identifier is ignored; the current one is accepted.
  c->on_packet(Bytes{2, 0x20, 0, 5, 0}, t0());
  EXPECT_EQ(c->stats().wrong_id, 1u);
  c->on_packet(Bytes{3, 0x21, 0, 9, 4, 'n', 'o', 'p', 'e'}, t0());
  EXPECT_EQ(c->status(), AuthStatus::kFailed);
  EXPECT_EQ(c->failure_reason(), "rejected: nope");
}

TEST_F(AuthTest, AuthenticateeAnswersRepeatedChallengeWithSameResponse) {
  ScriptedRng rng;
  auto c = make_authenticatee(AuthProtocol::kMsChapV2, {.user = "u"}, rng, Logger());
  c->start(t0());
  Bytes ch = chap_packet(1, 9, cat({Bytes{16}, Bytes(16, 0x55), as_bytes("s")}));
  c->on_packet(ch, t0());
  c->provide_secret(std::string("pw"), t0());
  Bytes first = c->take_output().at(0);
  c->on_packet(ch, t0());
  auto out = c->take_output();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], first);
  EXPECT_EQ(c->stats().repeats, 1u);
  // Wrong Value-Size for MS-CHAPv2 and a Success with another id are dropped.
  c->on_packet(chap_packet(1, 10, cat({Bytes{8}, Bytes(8, 1)})), t0());
  c->on_packet(chap_packet(3, 10, as_bytes("S=00")), t0());
  EXPECT_EQ(c->stats().malformed, 1u);
  EXPECT_EQ(c->stats().wrong_id, 1u);
  EXPECT_EQ(c->status(), AuthStatus::kInProgress);
}

TEST_F(AuthTest, RemoteNameOverridesChallengerName) {
  ScriptedRng rng;
  auto c = make_authenticatee(AuthProtocol::kChapMd5, {.user = "u", .remote_name = "corp"}, rng,
                              Logger());
  c->start(t0());
  c->on_packet(chap_packet(1, 1, cat({Bytes{4}, Bytes(4, 1)})), t0());
  ASSERT_TRUE(c->pending_secret_request());
  EXPECT_EQ(c->pending_secret_request()->server, "corp");
}

TEST_F(AuthTest, SecretsNeverLogged) {
  MemoryLogSink sink;
  Pair p(AuthProtocol::kMsChapV2, {.our_name = "pptpd"}, {.user = "user1"});
  p.server = make_authenticator(AuthProtocol::kPap, {.our_name = "pptpd"}, p.srng, Logger(sink));
  p.client = make_authenticatee(AuthProtocol::kPap, {.user = "user1"}, p.crng, Logger(sink));
  p.server_secrets["user1"] = "hunter2";
  p.client_secrets = {"hunter2x"};
  p.run();
  EXPECT_FALSE(sink.lines.empty());
  for (auto& l : sink.lines) EXPECT_EQ(l.text.find("hunter2"), std::string::npos) << l.text;
}

}  // namespace
}  // namespace pptpx::ppp
