// SPDX-License-Identifier: MIT
// LCP and CCP renegotiation on a live link (docs/resilience.md, section 5;
// RFC 1661 section 4: a Configure-Request on an Opened link takes the layer
// down and starts it over). A server-role and a client-role core - each a
// ppp::Session with a
// session::DataPath, as pptpxd and pptpx run them - on an in-memory GRE
// wire under a virtual clock. Either side restarts LCP at each phase
// (during authentication, during IPCP, with IP up, with traffic flowing),
// or CCP with IP up; afterwards authentication ran again, MPPE runs with
// fresh keys, IPCP has the same addresses, and IP passes both ways.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "base/rng.h"
#include "crypto/crypto.h"
#include "proto/ppp/session.h"
#include "proto/session/data_path.h"

namespace pptpx::session {
namespace {

using ppp::AuthProtocol;
using ppp::Role;
using ppp::Session;
using ppp::SessionConfig;
namespace event = ppp::event;

class NullSink final : public LogSink {
 public:
  void write(LogLevel, std::string_view) override {}
  bool enabled(LogLevel) const override { return false; }
};
NullSink g_sink;

SessionConfig server_config() {
  SessionConfig c;
  c.auth.authenticator.our_name = "pptpd";
  c.auth.authenticator.max_retries = 2;
  c.auth.allowed = {AuthProtocol::kMsChapV2};
  c.lcp.echo_interval = Duration::zero();
  return c;
}

SessionConfig client_config() {
  SessionConfig c = server_config();
  c.role = Role::kAuthenticatee;
  c.auth.authenticatee.user = "user1";
  return c;
}

// One end of the call: the PPP control core and the per-packet path.
struct End {
  End(const SessionConfig& cfg, uint64_t seed, uint16_t peer_call_id, const char* name, Time now)
      : rng(seed),
        ppp(cfg, rng, Logger(g_sink, name), now),
        dp(gre::ChannelConfig{.peer_call_id = peer_call_id}) {
    dp.set_mppe_required(true);
  }
  SeededRng rng;
  Session ppp;
  DataPath dp;
  int authenticated = 0, ip_up = 0, ip_down = 0, ccp_up = 0, ccp_down = 0, link_up = 0;
  bool finished = false;
  event::IpUp last_ip{};
  std::vector<uint8_t> recv_key;  // the keys of the last CcpUp
  int delivered = 0;              // IP packets that came out of on_frame
};

struct Call : ::testing::Test {
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
  Time now = Time{} + seconds(100);
  End server{server_config(), 11, 2, "srv", now};
  End client{client_config(), 29, 1, "cli", now};
  std::array<uint8_t, 2048> buf{};
  std::vector<std::vector<uint8_t>> to_client, to_server;  // GRE packets in flight

  void handle(End& e, bool is_server, ppp::SessionEvent& ev) {
    if (auto* a = std::get_if<event::Authenticated>(&ev)) {
      if (a->side != ppp::AuthSide::kPeer && is_server) return;
      ++e.authenticated;
      if (is_server) {
        ppp::IpConfig ip;
        ip.local = *Ipv4::parse("10.10.0.1");
        ip.remote = *Ipv4::parse("10.10.0.10");
        e.ppp.start_network(ip, now);
      }
    } else if (std::holds_alternative<event::LinkUp>(ev)) {
      ++e.link_up;
      e.dp.set_framing(e.ppp.tx_acfc(), e.ppp.tx_pfc());
    } else if (auto* c = std::get_if<event::CcpUp>(&ev)) {
      ++e.ccp_up;
      e.dp.start_mppe(c->keys.send.data(), c->keys.recv.data(), mppe::Settings{128, c->stateless});
      e.recv_key.assign(c->keys.recv.begin(), c->keys.recv.end());
    } else if (std::holds_alternative<event::CcpDown>(ev)) {
      ++e.ccp_down;
      e.dp.stop_mppe();
    } else if (auto* u = std::get_if<event::IpUp>(&ev)) {
      ++e.ip_up;
      e.last_ip = *u;
    } else if (std::holds_alternative<event::IpDown>(ev)) {
      ++e.ip_down;
    } else if (std::holds_alternative<event::ResetRequested>(ev)) {
      e.dp.request_flush();
    } else if (std::holds_alternative<event::Finished>(ev)) {
      e.finished = true;
    }
  }

  // Moves everything one side has to say onto the wire.
  void service(End& e, bool is_server) {
    for (int guard = 0; guard < 16; ++guard) {
      if (auto q = e.ppp.pending_secret_request())
        e.ppp.provide_secret(std::string("secret1"), now);
      bool any = false;
      while (auto ev = e.ppp.poll_event()) {
        handle(e, is_server, *ev);
        any = true;
      }
      for (const Bytes& f : e.ppp.take_frames()) {
        ByteView pkt = e.dp.frame_control(buf.data(), buf.size(), f, now);
        (is_server ? to_client : to_server).emplace_back(pkt.begin(), pkt.end());
        any = true;
      }
      if (!any) break;
    }
  }

  void receive(End& e, bool is_server, std::vector<uint8_t>& pkt) {
    auto g = gre::parse(pkt);
    ASSERT_TRUE(g.ok());
    if (!e.dp.on_gre(g.packet.header, g.packet.payload, now)) return;
    size_t off = static_cast<size_t>(g.packet.payload.data() - pkt.data());
    auto in = e.dp.on_frame(MutableByteView(pkt.data() + off, g.packet.payload.size()), now);
    if (in.kind == DataPath::Inbound::kControl) {
      e.ppp.on_control(in.protocol, in.data, now);
      service(e, is_server);
    } else if (in.kind == DataPath::Inbound::kIp) {
      ++e.delivered;
    }
  }

  // Sends one IP packet each way if the link lets it (traffic flowing).
  void send_traffic() {
    static const std::vector<uint8_t> ip = {0x45, 0, 0,  28, 0, 0,  0, 0, 64, 17, 0, 0, 10, 10,
                                            0,    1, 10, 10, 0, 10, 1, 2, 3,  4,  0, 8, 0,  0};
    for (bool from_server : {true, false}) {
      End& e = from_server ? server : client;
      if (!e.ppp.data_allowed()) continue;
      std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
      ByteView pkt = e.dp.frame_ip(buf.data(), ip.size(), now);
      if (!pkt.empty()) (from_server ? to_client : to_server).emplace_back(pkt.begin(), pkt.end());
    }
  }

  // Runs the wire until `stop` holds (checked between packets) or both are
  // quiet; the virtual clock jumps to the next timer when nothing moves.
  void run(const std::function<bool()>& stop = nullptr, bool traffic = false) {
    for (int step = 0; step < 5000; ++step) {
      if (stop && stop()) return;
      if (traffic && step % 3 == 0) send_traffic();
      if (!to_client.empty()) {
        auto p = std::move(to_client.front());
        to_client.erase(to_client.begin());
        receive(client, false, p);
        continue;
      }
      if (!to_server.empty()) {
        auto p = std::move(to_server.front());
        to_server.erase(to_server.begin());
        receive(server, true, p);
        continue;
      }
      if (traffic && server.ppp.data_allowed() && client.ppp.data_allowed() && stop == nullptr &&
          step > 200)
        return;
      Time next = earliest(server.ppp.next_deadline(), client.ppp.next_deadline());
      if (next == kNever || next > Time{} + seconds(300)) return;
      now = std::max(now, next);
      server.ppp.on_timer(now);
      client.ppp.on_timer(now);
      service(server, true);
      service(client, false);
    }
  }

  void open() {
    client.ppp.open(now);
    server.ppp.open(now);
    service(server, true);
    service(client, false);
  }

  // Both ends carry IP, and a packet each way arrives.
  void expect_ip_flows(const char* when) {
    SCOPED_TRACE(when);
    ASSERT_TRUE(server.ppp.data_allowed());
    ASSERT_TRUE(client.ppp.data_allowed());
    int s0 = server.delivered, c0 = client.delivered;
    send_traffic();
    run();
    EXPECT_EQ(server.delivered, s0 + 1);
    EXPECT_EQ(client.delivered, c0 + 1);
  }
};

enum class Phase { kAuthentication, kIpcp, kIpUp, kTraffic };
struct Case {
  bool server_restarts;
  Phase phase;
};

class Renegotiation : public Call, public ::testing::WithParamInterface<Case> {};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  static const char* const kPhases[] = {"DuringAuthentication", "DuringIpcp", "WithIpUp",
                                        "WithTraffic"};
  return std::string(info.param.server_restarts ? "Server" : "Client") +
         kPhases[static_cast<int>(info.param.phase)];
}

INSTANTIATE_TEST_SUITE_P(EverySideAndPhase, Renegotiation,
                         ::testing::Values(Case{true, Phase::kAuthentication},
                                           Case{false, Phase::kAuthentication},
                                           Case{true, Phase::kIpcp}, Case{false, Phase::kIpcp},
                                           Case{true, Phase::kIpUp}, Case{false, Phase::kIpUp},
                                           Case{true, Phase::kTraffic},
                                           Case{false, Phase::kTraffic}),
                         case_name);

TEST_P(Renegotiation, LinkComesBackWithFreshKeysAndTheSameAddresses) {
  End& restarter = GetParam().server_restarts ? server : client;
  open();
  switch (GetParam().phase) {
    case Phase::kAuthentication:
      // The server's challenge is out, no answer taken yet.
      run([&] { return server.ppp.phase() == ppp::Phase::kAuthenticate && !to_client.empty(); });
      ASSERT_EQ(server.ppp.phase(), ppp::Phase::kAuthenticate);
      break;
    case Phase::kIpcp:
      run([&] {
        return server.ppp.ipcp_state() == ppp::FsmState::kReqSent ||
               server.ppp.ipcp_state() == ppp::FsmState::kAckRcvd ||
               client.ppp.ipcp_state() == ppp::FsmState::kAckSent;
      });
      ASSERT_FALSE(server.ppp.data_allowed());
      ASSERT_EQ(server.ppp.phase(), ppp::Phase::kNetwork);
      break;
    case Phase::kIpUp:
    case Phase::kTraffic:
      run();
      expect_ip_flows("before");
      break;
  }
  const int auth_before = server.authenticated;
  const int ip_up_before = client.ip_up;
  std::vector<uint8_t> key_before = client.recv_key;
  restarter.ppp.renegotiate_lcp(now);
  service(server, true);
  service(client, false);
  if (GetParam().phase == Phase::kTraffic) {
    // Packets keep coming while the link renegotiates; none may wedge it.
    run(nullptr, /*traffic=*/true);
  }
  run();
  EXPECT_FALSE(server.finished);
  EXPECT_FALSE(client.finished);
  EXPECT_EQ(server.authenticated, auth_before + 1);  // the peer authenticated again
  EXPECT_EQ(client.authenticated, server.authenticated);
  EXPECT_EQ(server.link_up, 2);
  EXPECT_EQ(client.link_up, 2);
  if (GetParam().phase >= Phase::kIpUp) {
    EXPECT_EQ(client.ip_up, ip_up_before + 1);
    EXPECT_EQ(client.ip_down, 1);
    EXPECT_EQ(server.ip_down, 1);
    EXPECT_EQ(client.ccp_down, 1);
    EXPECT_EQ(server.ccp_down, 1);
    // A fresh MS-CHAPv2 exchange gives fresh MPPE start keys.
    EXPECT_NE(client.recv_key, key_before);
  }
  EXPECT_EQ(client.last_ip.local.str(), "10.10.0.10");
  EXPECT_EQ(client.last_ip.remote.str(), "10.10.0.1");
  expect_ip_flows("after");
}

TEST_F(Call, CcpRenegotiationFromEitherSideRestartsMppeAndKeepsIp) {
  open();
  run();
  expect_ip_flows("before");
  for (End* restarter : {&server, &client}) {
    const int ip_up = client.ip_up;
    restarter->ppp.renegotiate_ccp(now);
    service(server, true);
    service(client, false);
    run();
    EXPECT_EQ(client.ip_up, ip_up);  // IPCP untouched
    EXPECT_EQ(client.ip_down, 0);
    expect_ip_flows(restarter == &server ? "server restarted CCP" : "client restarted CCP");
  }
  EXPECT_EQ(server.ccp_up, 3);
  EXPECT_EQ(client.ccp_up, 3);
  EXPECT_FALSE(server.finished);
}

}  // namespace
}  // namespace pptpx::session
