// SPDX-License-Identifier: MIT
// Session tests: a scripted pptp-linux/pppd client (the packets of
// tests/data/ppp/mschapv2-mppe128-stateless.server-pppd.log), and two Sessions
// (server and client) joined by a lossy, duplicating, reordering wire.
#include "proto/ppp/session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crypto/crypto.h"
#include "crypto/mschap.h"
#include "proto/ppp/protocols.h"
#include "session_wire.h"

namespace pptpx::ppp {
namespace {

// Set PPP_TEST_LOG=1 to see the sessions' debug logs.
LogSink& g_sink = test::log_sink();

std::vector<SessionEvent> all_events(Session& s) {
  std::vector<SessionEvent> v;
  while (auto e = s.poll_event()) v.push_back(std::move(*e));
  return v;
}

template <typename T>
const T* find_event(const std::vector<SessionEvent>& v) {
  for (const auto& e : v)
    if (auto* p = std::get_if<T>(&e)) return p;
  return nullptr;
}

void feed(Session& s, const Bytes& frame, Time now) {
  auto f = parse_frame(frame);
  ASSERT_TRUE(f);
  s.on_control(f->protocol, f->info, now);
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class ScriptedClient : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::init());
    cfg.auth.authenticator.our_name = "pptpd";
  }
  Time t0 = Time{} + seconds(5000);
  SeededRng rng{42};
  SessionConfig cfg;
};

TEST_F(ScriptedClient, MsChapV2Mppe128StatelessLikePppd) {
  // The capture, from the transcript kept with the test data.
  std::ifstream in(PPTPX_TEST_DATA "/ppp/mschapv2-mppe128-stateless.server-pppd.log");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  ASSERT_NE(ss.str().find("rcvd [IPCP ConfReq id=0x1 <compress VJ 0f 01> <addr 0.0.0.0>]"),
            std::string::npos);

  Session s(cfg, rng, Logger(g_sink, "srv"), t0);
  s.open(t0);
  auto frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  Bytes req = frames[0];
  // ff 03 c0 21 01 01 00 13 | 03 05 c2 23 81 | 05 06 magic | 07 02 | 08 02
  ASSERT_EQ(req.size(), 23u);
  EXPECT_EQ(Bytes(req.begin(), req.begin() + 13),
            (Bytes{0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 19, 3, 5, 0xC2, 0x23, 0x81}));
  uint32_t our_magic = get_u32(&req[15]);
  EXPECT_NE(our_magic, 0u);
  EXPECT_EQ(Bytes(req.begin() + 19, req.end()), (Bytes{7, 2, 8, 2}));

  // rcvd [LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0x544a4707> <pcomp> <accomp>]
  const Bytes peer_opts{2, 6, 0, 0, 0, 0, 5, 6, 0x54, 0x4a, 0x47, 0x07, 7, 2, 8, 2};
  feed(s, cat({{0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 20}, peer_opts}), t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], cat({{0xFF, 0x03, 0xC0, 0x21, 2, 1, 0, 20}, peer_opts}));

  // rcvd [LCP ConfAck id=0x1 ...ours...]
  Bytes ack(req.begin(), req.end());
  ack[4] = 2;
  feed(s, ack, t0);
  auto ev = all_events(s);
  EXPECT_TRUE(find_event<event::LinkUp>(ev));
  EXPECT_EQ(s.phase(), Phase::kAuthenticate);
  EXPECT_TRUE(s.tx_acfc());
  EXPECT_TRUE(s.tx_pfc());
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  // CHAP Challenge, compressed header (we acked ACFC): c2 23 01 id len 16 <16> "pptpd"
  Bytes chal = frames[0];
  ASSERT_EQ(chal.size(), 2u + 4 + 1 + 16 + 5);
  EXPECT_EQ(chal[0], 0xC2);
  EXPECT_EQ(chal[2], 1);
  EXPECT_EQ(chal[6], 16);
  EXPECT_EQ(std::string(chal.end() - 5, chal.end()), "pptpd");
  uint8_t chap_id = chal[3];
  crypto::Challenge16 auth_chal;
  std::copy(chal.begin() + 7, chal.begin() + 23, auth_chal.begin());

  // rcvd [LCP EchoReq id=0x0 magic=0x544a4707] -> EchoRep with our magic
  feed(s, Bytes{0xFF, 0x03, 0xC0, 0x21, 9, 0, 0, 8, 0x54, 0x4a, 0x47, 0x07}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  Bytes rep{0xFF, 0x03, 0xC0, 0x21, 10, 0, 0, 8, 0, 0, 0, 0};
  put_u32(&rep[8], our_magic);
  EXPECT_EQ(frames[0], rep);

  // IPCP during authentication is discarded silently.
  feed(s, Bytes{0x80, 0x21, 1, 1, 0, 10, 3, 6, 0, 0, 0, 0}, t0);
  EXPECT_TRUE(s.take_frames().empty());

  // rcvd [CHAP Response id=0xe1 <peer challenge, 8 zero, NT-Response, flags>, name = "user1"]
  crypto::Challenge16 peer_chal{0x70, 0x71, 0xe2, 0x12, 0x7f, 0xb1, 0x69, 0xc4,
                                0x3c, 0xbb, 0x82, 0x65, 0xdc, 0x8c, 0xaa, 0x02};
  auto nt = crypto::generate_nt_response(auth_chal, peer_chal, "user1",
                                         crypto::nt_password_hash("secret1"));
  Bytes resp{0xC2, 0x23, 2, chap_id, 0, 4 + 1 + 49 + 5, 49};
  resp.insert(resp.end(), peer_chal.begin(), peer_chal.end());
  resp.insert(resp.end(), 8, 0);
  resp.insert(resp.end(), nt.begin(), nt.end());
  resp.push_back(0);
  for (char c : std::string("user1")) resp.push_back(static_cast<uint8_t>(c));
  feed(s, resp, t0);
  auto q = s.pending_secret_request();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->client, "user1");
  EXPECT_EQ(q->server, "pptpd");
  s.provide_secret(std::string("secret1"), t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(Bytes(frames[0].begin(), frames[0].begin() + 4), (Bytes{0xC2, 0x23, 3, chap_id}));
  ev = all_events(s);
  auto* authed = find_event<event::Authenticated>(ev);
  ASSERT_TRUE(authed);
  EXPECT_EQ(authed->peer_name, "user1");
  EXPECT_EQ(authed->protocol, AuthProtocol::kMsChapV2);
  EXPECT_EQ(s.phase(), Phase::kNetwork);

  IpConfig ip;
  ip.local = *Ipv4::parse("10.10.0.1");
  ip.remote = *Ipv4::parse("10.10.0.10");
  s.start_network(ip, t0);
  // sent [CCP ConfReq id=0x1 <mppe +H -M +S -L -D -C>]; IPCP waits for CCP.
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0xFD, 1, 1, 0, 10, 18, 6, 1, 0, 0, 0x40}));
  EXPECT_FALSE(s.data_allowed());

  // rcvd [CCP ConfReq id=0x1 <mppe +H -M +S -L -D -C>] -> Ack
  feed(s, Bytes{0xFF, 0x03, 0x80, 0xFD, 1, 1, 0, 10, 18, 6, 1, 0, 0, 0x40}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0xFD, 2, 1, 0, 10, 18, 6, 1, 0, 0, 0x40}));
  // rcvd [CCP ConfAck id=0x1 ...] -> CcpUp, then sent [IPCP ConfReq id=0x1 <addr 10.10.0.1>]
  feed(s, Bytes{0xFF, 0x03, 0x80, 0xFD, 2, 1, 0, 10, 18, 6, 1, 0, 0, 0x40}, t0);
  ev = all_events(s);
  auto* ccp = find_event<event::CcpUp>(ev);
  ASSERT_TRUE(ccp);
  EXPECT_EQ(ccp->bits, 0x01000040u);
  EXPECT_EQ(ccp->key_bits, 128);
  EXPECT_TRUE(ccp->stateless);
  EXPECT_TRUE(ccp->keys.valid);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0x21, 1, 1, 0, 10, 3, 6, 10, 10, 0, 1}));

  // rcvd [IPV6CP ConfReq id=0x1 <addr fe80::6561:2aaf:a02d:7ab9>] -> LCP Protocol-Reject
  const Bytes v6{1, 1, 0, 14, 1, 10, 0x65, 0x61, 0x2a, 0xaf, 0xa0, 0x2d, 0x7a, 0xb9};
  feed(s, cat({{0x80, 0x57}, v6}), t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(Bytes(frames[0].begin(), frames[0].begin() + 5), (Bytes{0xFF, 0x03, 0xC0, 0x21, 8}));
  EXPECT_EQ(Bytes(frames[0].begin() + 6, frames[0].end()), cat({{0, 20, 0x80, 0x57}, v6}));

  // rcvd [IPCP ConfReq id=0x1 <compress VJ 0f 01> <addr 0.0.0.0>] -> ConfRej VJ
  feed(s, Bytes{0x80, 0x21, 1, 1, 0, 16, 2, 6, 0, 0x2D, 0x0F, 0x01, 3, 6, 0, 0, 0, 0}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0x21, 4, 1, 0, 10, 2, 6, 0, 0x2D, 0x0F, 0x01}));
  // rcvd [IPCP ConfAck id=0x1 <addr 10.10.0.1>]
  feed(s, Bytes{0x80, 0x21, 2, 1, 0, 10, 3, 6, 10, 10, 0, 1}, t0);
  // rcvd [IPCP ConfReq id=0x2 <addr 0.0.0.0>] -> ConfNak <addr 10.10.0.10>
  feed(s, Bytes{0x80, 0x21, 1, 2, 0, 10, 3, 6, 0, 0, 0, 0}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0x21, 3, 2, 0, 10, 3, 6, 10, 10, 0, 10}));
  // rcvd [IPCP ConfReq id=0x3 <addr 10.10.0.10>] -> ConfAck, IP up
  feed(s, Bytes{0x80, 0x21, 1, 3, 0, 10, 3, 6, 10, 10, 0, 10}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0x21, 2, 3, 0, 10, 3, 6, 10, 10, 0, 10}));
  ev = all_events(s);
  auto* ipup = find_event<event::IpUp>(ev);
  ASSERT_TRUE(ipup);
  EXPECT_EQ(ipup->local.str(), "10.10.0.1");
  EXPECT_EQ(ipup->remote.str(), "10.10.0.10");
  EXPECT_TRUE(s.data_allowed());

  // CCP Reset-Request -> Reset-Ack with the same id, and an event.
  feed(s, Bytes{0x80, 0xFD, 14, 0x21, 0, 4}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0x80, 0xFD, 15, 0x21, 0, 4}));
  ev = all_events(s);
  EXPECT_TRUE(find_event<event::ResetRequested>(ev));

  // Unknown protocol -> Protocol-Reject; unknown LCP code -> Code-Reject.
  feed(s, Bytes{0xC0, 0x2B, 1, 1, 0, 4}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0][4], 8);
  EXPECT_EQ(Bytes(frames[0].begin() + 8, frames[0].begin() + 10), (Bytes{0xC0, 0x2B}));
  feed(s, Bytes{0xFF, 0x03, 0xC0, 0x21, 0x30, 1, 0, 4}, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0][4], 7);

  // rcvd [LCP TermReq id=0x2 "MPPE disabled"] -> TermAck; Finished after the restart timer.
  Bytes term{0xFF, 0x03, 0xC0, 0x21, 5, 2, 0, 17};
  for (char c : std::string("MPPE disabled")) term.push_back(static_cast<uint8_t>(c));
  feed(s, term, t0);
  frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], (Bytes{0xFF, 0x03, 0xC0, 0x21, 6, 2, 0, 4}));
  ev = all_events(s);
  EXPECT_TRUE(find_event<event::IpDown>(ev));
  EXPECT_TRUE(find_event<event::CcpDown>(ev));
  EXPECT_FALSE(s.data_allowed());
  EXPECT_EQ(s.next_deadline(), t0 + seconds(3));
  s.on_timer(t0 + seconds(3));
  ev = all_events(s);
  auto* fin = find_event<event::Finished>(ev);
  ASSERT_TRUE(fin);
  EXPECT_EQ(fin->reason, "LCP terminated by peer (MPPE disabled)");
  EXPECT_EQ(s.phase(), Phase::kDead);
}

TEST_F(ScriptedClient, PeerRejectingCcpWhenMppeRequiredClosesLink) {
  Session s(cfg, rng, Logger(g_sink, "srv"), t0);
  s.open(t0);
  auto req = s.take_frames().at(0);
  feed(s, Bytes{0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 10, 5, 6, 1, 2, 3, 4}, t0);
  req[4] = 2;
  feed(s, req, t0);
  s.take_frames();
  // The peer Protocol-Rejects CHAP: no way to authenticate.
  feed(s, Bytes{0xFF, 0x03, 0xC0, 0x21, 8, 9, 0, 8, 0xC2, 0x23, 1, 1}, t0);
  auto frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0][4], 5);  // Terminate-Request
  EXPECT_EQ(s.phase(), Phase::kTerminate);
}

TEST_F(ScriptedClient, NoAnswerEndsAfterMaxConfigure) {
  Session s(cfg, rng, Logger(g_sink, "srv"), t0);
  s.open(t0);
  Time now = t0;
  int sent = 0;
  while (s.next_deadline() != kNever) {
    sent += static_cast<int>(s.take_frames().size());
    now = s.next_deadline();
    s.on_timer(now);
  }
  sent += static_cast<int>(s.take_frames().size());
  EXPECT_EQ(sent, 10);
  auto ev = all_events(s);
  auto* fin = find_event<event::Finished>(ev);
  ASSERT_TRUE(fin);
  EXPECT_EQ(fin->reason, "LCP negotiation failed");
  EXPECT_EQ(now, t0 + seconds(30));
}

// Two sessions over a noisy wire under a virtual clock.
struct Wire {
  struct InFlight {
    Time at;
    bool to_client;
    Bytes frame;
  };
  std::vector<InFlight> q;
  SeededRng noise;
  int drop_pct, dup_pct;
  explicit Wire(uint64_t seed, int drop, int dup) : noise(seed), drop_pct(drop), dup_pct(dup) {}
  void send(Time now, bool to_client, const std::vector<Bytes>& frames) {
    for (const Bytes& f : frames) {
      if (getenv("PPP_TEST_LOG")) {
        std::string h;
        for (uint8_t b : f) h += fmt::format("{:02x}", b);
        fprintf(stderr, "%s %s\n", to_client ? "S>C" : "C>S", h.c_str());
      }
      if (static_cast<int>(noise.u32() % 100) < drop_pct) continue;
      int copies = static_cast<int>(noise.u32() % 100) < dup_pct ? 2 : 1;
      for (int i = 0; i < copies; ++i)
        q.push_back({now + milliseconds(1 + noise.u32() % 40), to_client, f});
    }
  }
};

struct Outcome {
  bool server_ip = false, client_ip = false, server_ccp = false, client_ccp = false;
  event::CcpUp server_keys, client_keys;
  event::IpUp client_up;
  std::string client_user;
};

Outcome run_pair(uint64_t seed, int drop, int dup) {
  EXPECT_TRUE(crypto::init());
  SessionConfig scfg;
  scfg.auth.authenticator.our_name = "pptpd";
  SessionConfig ccfg;
  ccfg.role = Role::kAuthenticatee;
  ccfg.auth.authenticatee.user = "user1";
  ccfg.ipcp_client.request_dns = true;
  ccfg.ipcp_client.request_wins = true;
  SeededRng srng(seed * 3 + 1), crng(seed * 7 + 5);
  Time now = Time{} + seconds(100);
  Session server(scfg, srng, Logger(g_sink, "srv"), now);
  Session client(ccfg, crng, Logger(g_sink, "cli"), now);
  Wire wire(seed, drop, dup);
  Outcome o;
  IpConfig ip;
  ip.local = *Ipv4::parse("10.10.0.1");
  ip.remote = *Ipv4::parse("10.10.0.10");
  ip.dns1 = *Ipv4::parse("10.10.0.53");
  ip.wins1 = *Ipv4::parse("10.10.0.137");
  client.open(now);
  server.open(now);
  auto handle_events = [&] {
    for (Session* s : {&server, &client}) {
      if (auto q = s->pending_secret_request()) {
        EXPECT_EQ(q->client, "user1");
        s->provide_secret(std::string("secret1"), now);
      }
      while (auto e = s->poll_event()) {
        if (auto* a = std::get_if<event::Authenticated>(&*e); a && s == &server) {
          o.client_user = a->peer_name;
          server.start_network(ip, now);
        }
        if (auto* c = std::get_if<event::CcpUp>(&*e)) {
          (s == &server ? o.server_ccp : o.client_ccp) = true;
          (s == &server ? o.server_keys : o.client_keys) = *c;
        }
        if (auto* i = std::get_if<event::IpUp>(&*e)) {
          (s == &server ? o.server_ip : o.client_ip) = true;
          if (s == &client) o.client_up = *i;
        }
        EXPECT_FALSE(std::holds_alternative<event::Finished>(*e));
      }
    }
  };
  Time end = now + seconds(120);
  while (now < end && !(server.data_allowed() && client.data_allowed() && wire.q.empty())) {
    wire.send(now, true, server.take_frames());
    wire.send(now, false, client.take_frames());
    handle_events();
    // Next moment: a delivery (in arrival order, which reorders) or a timer.
    Time next = earliest(server.next_deadline(), client.next_deadline());
    auto it = std::min_element(wire.q.begin(), wire.q.end(),
                               [](const auto& a, const auto& b) { return a.at < b.at; });
    if (it != wire.q.end() && it->at <= next) {
      now = std::max(now, it->at);
      Wire::InFlight f = std::move(*it);
      wire.q.erase(it);
      auto fr = parse_frame(f.frame);
      EXPECT_TRUE(fr);
      if (fr) (f.to_client ? client : server).on_control(fr->protocol, fr->info, now);
    } else if (next != kNever) {
      now = std::max(now, next);
      server.on_timer(now);
      client.on_timer(now);
    } else if (it == wire.q.end()) {
      break;
    }
  }
  handle_events();
  EXPECT_TRUE(server.data_allowed());
  EXPECT_TRUE(client.data_allowed());
  return o;
}

void check(const Outcome& o) {
  EXPECT_TRUE(o.server_ip && o.client_ip && o.server_ccp && o.client_ccp);
  EXPECT_EQ(o.client_user, "user1");
  EXPECT_EQ(o.client_up.local.str(), "10.10.0.10");
  EXPECT_EQ(o.client_up.remote.str(), "10.10.0.1");
  ASSERT_TRUE(o.client_up.dns1);
  EXPECT_EQ(o.client_up.dns1->str(), "10.10.0.53");
  EXPECT_FALSE(o.client_up.dns2);  // the server had none: rejected, not 0.0.0.0
  ASSERT_TRUE(o.client_up.wins1);
  EXPECT_EQ(o.client_up.wins1->str(), "10.10.0.137");
  EXPECT_FALSE(o.client_up.wins2);
  EXPECT_EQ(o.server_keys.bits, 0x01000040u);
  EXPECT_EQ(o.client_keys.bits, 0x01000040u);
  EXPECT_TRUE(o.server_keys.keys.valid);
  EXPECT_EQ(o.server_keys.keys.send, o.client_keys.keys.recv);
  EXPECT_EQ(o.server_keys.keys.recv, o.client_keys.keys.send);
  EXPECT_NE(o.server_keys.keys.send, o.server_keys.keys.recv);
}

TEST(SessionPair, CleanWire) { check(run_pair(1, 0, 0)); }

TEST(SessionPair, NoisyWires) {
  for (uint64_t seed = 2; seed < 12; ++seed) {
    SCOPED_TRACE(seed);
    check(run_pair(seed, 15, 15));
  }
}

}  // namespace
}  // namespace pptpx::ppp
