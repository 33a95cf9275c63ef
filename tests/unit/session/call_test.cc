// SPDX-License-Identifier: MIT
// session::Call, sans-I/O: a server-role and a client-role Call on a
// seeded in-memory GRE wire that loses, duplicates, delays and reorders
// packets, under a virtual clock. For each authentication method and MPPE
// mode the link comes up, IP packets cross both ways, stateful MPPE
// resynchronises after losses, and a hang-up ends both ends.
#include "proto/session/call.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "base/overloaded.h"
#include "base/rng.h"
#include "crypto/crypto.h"

namespace pptpx::session {
namespace {

using ppp::AuthProtocol;
using ppp::AuthSide;

// Set CALL_TEST_LOG=1 to see both ends' logs on stderr.
class StderrSink final : public LogSink {
 public:
  void write(LogLevel, std::string_view line) override {
    fprintf(stderr, "%.*s\n", int(line.size()), line.data());
  }
  bool enabled(LogLevel) const override { return getenv("CALL_TEST_LOG") != nullptr; }
};
StderrSink g_sink;

constexpr uint16_t kServerCallId = 0x1111;
constexpr uint16_t kClientCallId = 0x2222;
const Ipv4 kServerIp = *Ipv4::parse("10.10.0.1");
const Ipv4 kClientIp = *Ipv4::parse("10.10.0.10");

enum class Mode { kNone, kStateless, kStateful };

struct Method {
  const char* name;
  AuthProtocol auth;
  Mode mppe;
};

CallConfig config(const Method& m, bool server) {
  CallConfig c;
  ppp::SessionConfig& s = c.ppp;
  s.role = server ? ppp::Role::kAuthenticator : ppp::Role::kAuthenticatee;
  s.auth.allowed = {m.auth};
  s.auth.authenticator.our_name = "pptpd";
  s.auth.authenticator.max_retries = 2;
  s.auth.authenticatee.user = "user1";
  s.lcp.echo_interval = Duration::zero();
  s.ipcp_client.request_dns = true;  // usepeerdns
  s.mppe.enabled = m.mppe != Mode::kNone;
  s.mppe.required = m.mppe != Mode::kNone;
  s.mppe.stateful_only = m.mppe == Mode::kStateful;
  s.mppe.allow_stateful = m.mppe == Mode::kStateful;
  // The peer's call ID goes into the Key of everything we send.
  c.gre.peer_call_id = server ? kClientCallId : kServerCallId;
  c.gre.reorder_packets = gre::kDefaultReorderPackets;
  c.gre.reorder_wait = gre::kDefaultReorderWait;
  c.mtu = 1400;
  return c;
}

// A GRE packet in flight, due at `at`.
struct InFlight {
  Time at;
  uint64_t order;  // ties keep the order of sending
  std::vector<uint8_t> bytes;
};

struct Noise {
  double loss = 0, duplicate = 0, reorder = 0;
};

struct End {
  End(const CallConfig& cfg, bool is_server, uint64_t seed, Time now)
      : server(is_server),
        rng(seed),
        call(cfg, rng, Logger(g_sink, is_server ? "srv" : "cli"), now) {}
  bool server;
  SeededRng rng;
  Call call;
  int ip_up = 0, ip_down = 0, ccp_up = 0, link_dead = 0;
  bool authenticated = false, auth_failed = false, finished = false;
  std::string finish_reason;
  std::string secret = "secret1";  // the answer to every secret question
  call_event::IpUp last_up;
  std::set<uint32_t> received;  // sequence numbers of IP packets that came out
  uint16_t syn_mss = 0;         // the MSS of the last TCP SYN that came out
  int bad_packets = 0;          // came out, but not as sent

  // A fresh call with another configuration, before anything happened.
  void rebuild(const CallConfig& cfg, Time now) {
    call.~Call();
    new (&call) Call(cfg, rng, Logger(g_sink, server ? "srv" : "cli"), now);
  }
};

class CallTest : public ::testing::TestWithParam<Method> {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }

  Time now = Time{} + seconds(100);
  SeededRng wire_rng{7};
  Noise noise;
  uint64_t sent_order = 0;
  End server{config(GetParam(), true), true, 11, now};
  End client{config(GetParam(), false), false, 29, now};
  std::deque<InFlight> to_client, to_server;
  std::array<uint8_t, 2048> buf{};
  uint32_t next_seq = 1;
  int ip_sent[2] = {0, 0};  // by the server, by the client

  double chance() { return static_cast<double>(wire_rng.u32()) / 4294967296.0; }

  void put_on_wire(bool from_server, ByteView pkt) {
    if (chance() < noise.loss) return;
    int copies = chance() < noise.duplicate ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
      Duration delay = std::chrono::microseconds(500);
      if (chance() < noise.reorder) delay += std::chrono::microseconds(wire_rng.u32() % 4000);
      auto& q = from_server ? to_client : to_server;
      InFlight f{now + delay, sent_order++, std::vector<uint8_t>(pkt.begin(), pkt.end())};
      auto at = std::upper_bound(q.begin(), q.end(), f, [](const InFlight& a, const InFlight& b) {
        return a.at < b.at || (a.at == b.at && a.order < b.order);
      });
      q.insert(at, std::move(f));
    }
  }

  void on_event(End& e, CallEvent& ev) {
    std::visit(Overloaded{
                   [&](call_event::SecretNeeded&) { e.call.provide_secret(e.secret, now); },
                   [&](call_event::Authenticated& a) {
                     if (!e.server || a.side != AuthSide::kPeer) return;
                     e.authenticated = true;
                     EXPECT_EQ(a.peer_name, "user1");
                     ppp::IpConfig ip;
                     ip.local = kServerIp;
                     ip.remote = kClientIp;
                     ip.dns1 = *Ipv4::parse("10.10.0.53");
                     e.call.start_network(ip, now);
                   },
                   [&](call_event::AuthFailed&) { e.auth_failed = true; },
                   [&](call_event::IpUp& up) {
                     ++e.ip_up;
                     e.last_up = up;
                   },
                   [&](call_event::IpDown&) { ++e.ip_down; },
                   [&](call_event::CcpUp&) { ++e.ccp_up; },
                   [&](call_event::CcpDown&) {},
                   [&](call_event::LinkDead&) { ++e.link_dead; },
                   [&](call_event::Finished& f) {
                     e.finished = true;
                     e.finish_reason = f.reason;
                   },
               },
               ev);
  }

  // Everything the end has to say: events acted on, frames onto the wire.
  void service(End& e) {
    for (int guard = 0; guard < 64; ++guard) {
      bool any = false;
      while (auto ev = e.call.poll_event()) {
        on_event(e, *ev);
        any = true;
      }
      for (;;) {
        ByteView pkt = e.call.poll_transmit(buf.data(), buf.size(), now);
        if (pkt.empty()) break;
        put_on_wire(e.server, pkt);
        any = true;
      }
      if (!any) return;
    }
    ADD_FAILURE() << "service did not settle";
  }

  void check_ip(End& e, ByteView ip) {
    if (ip.size() == 44 && ip[9] == 6) {  // send_syn's
      e.syn_mss = get_u16(ip.data() + 42);
      return;
    }
    // Our test packets: 20-octet IPv4 header, then the sequence number.
    if (ip.size() < 24 || ip[0] != 0x45 || get_u16(ip.data() + 2) != ip.size()) {
      ++e.bad_packets;
      return;
    }
    uint32_t seq = get_u32(ip.data() + 20);
    for (size_t i = 24; i < ip.size(); ++i) {
      if (ip[i] != static_cast<uint8_t>(seq + i)) {
        ++e.bad_packets;
        return;
      }
    }
    e.received.insert(seq);
  }

  void deliver(End& e, InFlight& f) {
    auto g = gre::parse(f.bytes);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g.packet.header.call_id, e.server ? kServerCallId : kClientCallId);
    if (!e.call.opened()) e.call.open(now);
    // The payload lies in our own copy of the packet: decrypt in place.
    MutableByteView payload(f.bytes.data() + (g.packet.payload.data() - f.bytes.data()),
                            g.packet.payload.size());
    ByteView ip = e.call.receive(g.packet.header, payload, now);
    if (!ip.empty()) check_ip(e, ip);
    for (ByteView r = e.call.next_released(now); !r.empty(); r = e.call.next_released(now))
      check_ip(e, r);
    service(e);
  }

  // One IP packet from the end's TUN side, `size` octets.
  void send_ip(End& e, size_t size) {
    uint8_t* ip = buf.data() + kHeadroom;
    std::memset(ip, 0, 20);
    ip[0] = 0x45;
    put_u16(ip + 2, static_cast<uint16_t>(size));
    ip[8] = 64;
    ip[9] = 17;
    uint32_t seq = next_seq++;
    put_u32(ip + 20, seq);
    for (size_t i = 24; i < size; ++i) ip[i] = static_cast<uint8_t>(seq + i);
    ByteView pkt = e.call.send_ip(buf.data(), size, now);
    if (pkt.empty()) return;
    ++ip_sent[e.server ? 0 : 1];
    put_on_wire(e.server, pkt);
    service(e);
  }

  // A TCP SYN from the end's TUN side with an MSS option (checksum not set:
  // tcp_mss_test.cc checks the checksums).
  void send_syn(End& e, uint16_t mss) {
    uint8_t* ip = buf.data() + kHeadroom;
    std::memset(ip, 0, 44);
    ip[0] = 0x45;
    put_u16(ip + 2, 44);
    ip[8] = 64;
    ip[9] = 6;
    ip[32] = 0x60;  // data offset: 24 octets
    ip[33] = 0x02;  // SYN
    ip[40] = 2;     // MSS
    ip[41] = 4;
    put_u16(ip + 42, mss);
    ByteView pkt = e.call.send_ip(buf.data(), 44, now);
    ASSERT_FALSE(pkt.empty());
    put_on_wire(e.server, pkt);
    service(e);
  }

  // On a link that comes up now, each end sends a SYN with MSS 1460: each
  // receives it with an MSS that fits the interface MTU (clamped) or 1460,
  // and each counted so many clamps.
  void exchange_syns(bool clamped, uint64_t client_clamps, uint64_t server_clamps) {
    dial();
    run(seconds(5));
    expect_up();
    const uint16_t want = clamped ? static_cast<uint16_t>(client.call.interface_mtu() - 40) : 1460;
    send_syn(client, 1460);
    send_syn(server, 1460);
    run(seconds(1));
    EXPECT_EQ(server.syn_mss, want);
    EXPECT_EQ(client.syn_mss, want);
    EXPECT_EQ(client.call.data_path_stats().tcp_mss_clamped, client_clamps);
    EXPECT_EQ(server.call.data_path_stats().tcp_mss_clamped, server_clamps);
  }

  // Advances the virtual clock event by event until `until` (or quiet).
  void run(Duration span, Duration traffic_every = Duration::zero()) {
    const Time end = now + span;
    Time next_traffic = traffic_every.count() ? now : kNever;
    for (int step = 0; step < 200000; ++step) {
      Time t = kNever;
      if (!to_client.empty()) t = earliest(t, to_client.front().at);
      if (!to_server.empty()) t = earliest(t, to_server.front().at);
      t = earliest(t, server.call.next_deadline());
      t = earliest(t, client.call.next_deadline());
      t = earliest(t, next_traffic);
      if (t == kNever || t > end) {
        now = std::max(now, end);
        return;
      }
      now = std::max(now, t);
      if (!to_client.empty() && to_client.front().at <= now) {
        InFlight f = std::move(to_client.front());
        to_client.pop_front();
        deliver(client, f);
      } else if (!to_server.empty() && to_server.front().at <= now) {
        InFlight f = std::move(to_server.front());
        to_server.pop_front();
        deliver(server, f);
      } else if (next_traffic <= now) {
        next_traffic = now + traffic_every;
        send_ip(server, 100 + next_seq % 1200);
        send_ip(client, 100 + next_seq % 1200);
      } else {
        for (End* e : {&server, &client}) {
          if (e->call.next_deadline() > now) continue;
          e->call.on_timer(now);
          for (ByteView r = e->call.next_released(now); !r.empty(); r = e->call.next_released(now))
            check_ip(*e, r);
          service(*e);
        }
      }
    }
    ADD_FAILURE() << "run did not finish";
  }

  void dial() {
    // The client opens as the call connects; the server with the first GRE.
    client.call.open(now);
    service(client);
  }

  void expect_up() {
    ASSERT_TRUE(server.authenticated);
    ASSERT_EQ(server.ip_up, 1);
    ASSERT_EQ(client.ip_up, 1);
    EXPECT_EQ(client.last_up.local, kClientIp);
    EXPECT_EQ(client.last_up.remote, kServerIp);
    EXPECT_EQ(server.last_up.local, kServerIp);
    EXPECT_EQ(server.last_up.remote, kClientIp);
    EXPECT_EQ(client.last_up.servers.dns1, Ipv4::parse("10.10.0.53"));
    const bool mppe = GetParam().mppe != Mode::kNone;
    EXPECT_EQ(server.ccp_up, mppe ? 1 : 0);
    // pppd's MTU rule: min(mtu 1400, the peer's MRU 1500), less MPPE's 4.
    EXPECT_EQ(client.call.interface_mtu(), mppe ? 1396 : 1400);
    EXPECT_TRUE(client.call.ip_up());
    EXPECT_TRUE(server.call.ip_up());
  }

  void hang_up() {
    client.call.close("User request", now);
    service(client);
    run(seconds(30));
    EXPECT_TRUE(client.finished);
    EXPECT_TRUE(server.finished);
    EXPECT_FALSE(client.call.ip_up());
    EXPECT_FALSE(server.call.ip_up());
    EXPECT_EQ(server.ip_down, 1);
    EXPECT_EQ(client.ip_down, 1);
    EXPECT_EQ(server.call.next_deadline(), kNever);
    EXPECT_EQ(client.call.next_deadline(), kNever);
  }
};

const Method kMethods[] = {
    {"MsChapV2Mppe128Stateless", AuthProtocol::kMsChapV2, Mode::kStateless},
    {"MsChapV2Mppe128Stateful", AuthProtocol::kMsChapV2, Mode::kStateful},
    {"MsChapV1Mppe128", AuthProtocol::kMsChapV1, Mode::kStateless},
    {"ChapMd5", AuthProtocol::kChapMd5, Mode::kNone},
    {"Pap", AuthProtocol::kPap, Mode::kNone},
};

INSTANTIATE_TEST_SUITE_P(EveryMethod, CallTest, ::testing::ValuesIn(kMethods),
                         [](const ::testing::TestParamInfo<Method>& i) { return i.param.name; });

TEST_P(CallTest, CleanWireCarriesEveryPacketAndHangsUp) {
  dial();
  run(seconds(5));
  expect_up();
  run(seconds(1), milliseconds(2));
  run(seconds(1));  // the last packets land
  EXPECT_EQ(server.bad_packets + client.bad_packets, 0);
  EXPECT_EQ(static_cast<int>(server.received.size()), ip_sent[1]);
  EXPECT_EQ(static_cast<int>(client.received.size()), ip_sent[0]);
  EXPECT_GT(ip_sent[0], 400);
  EXPECT_EQ(server.call.traffic().packets_in, static_cast<uint64_t>(ip_sent[1]));
  EXPECT_EQ(client.call.traffic().packets_out, static_cast<uint64_t>(ip_sent[1]));
  hang_up();
}

TEST_P(CallTest, NoisyWireComesUpCarriesIpBothWaysAndHangsUp) {
  noise = Noise{.loss = 0.05, .duplicate = 0.03, .reorder = 0.2};
  dial();
  run(seconds(30));
  expect_up();
  run(seconds(4), milliseconds(2));
  run(seconds(1));
  EXPECT_EQ(server.bad_packets + client.bad_packets, 0);
  // 5% loss, in either direction: most packets arrive, none twice.
  EXPECT_GT(ip_sent[0], 1500);
  EXPECT_GT(client.received.size(), ip_sent[0] * 8 / 10) << "of " << ip_sent[0];
  EXPECT_GT(server.received.size(), ip_sent[1] * 8 / 10) << "of " << ip_sent[1];
  EXPECT_LE(server.call.traffic().packets_in, static_cast<uint64_t>(ip_sent[1]));
  if (GetParam().mppe == Mode::kStateful) {
    // Losses put stateful MPPE out of step; it came back each time.
    DataPathStats d = client.call.data_path_stats();
    EXPECT_GT(d.mppe.resyncs + d.mppe.lengths_guessed, 0u);
    // And the last packets still crossed.
    noise = Noise{};
    size_t before = client.received.size();
    run(milliseconds(200), milliseconds(2));
    run(seconds(1));
    EXPECT_GE(client.received.size(), before + 90);
  }
  noise = Noise{.loss = 0.05};
  hang_up();
}

// TCP MSS clamping: a SYN with MSS 1460 either way comes out with one that
// fits the interface MTU (1396 with MPPE, else 1400; less 40), clamped and
// counted by the sender, or by the receiver when the sender has
// nomssclamp; with nomssclamp at both ends it stays 1460.
TEST_P(CallTest, ClampsTcpMssBothWays) {
  exchange_syns(true, 1, 1);
  send_syn(client, 536);  // small enough already
  run(seconds(1));
  EXPECT_EQ(server.syn_mss, 536);
  EXPECT_EQ(client.call.data_path_stats().tcp_mss_clamped, 1u);
  hang_up();
}

TEST_P(CallTest, NoMssClampAtOneEndLeavesItToTheOther) {
  CallConfig cfg = config(GetParam(), false);
  cfg.mss_clamp = false;
  client.rebuild(cfg, now);
  exchange_syns(true, 0, 2);
  hang_up();
}

TEST_P(CallTest, NoMssClampAtBothEndsPassesSynsAsTheyAre) {
  for (End* e : {&server, &client}) {
    CallConfig cfg = config(GetParam(), e->server);
    cfg.mss_clamp = false;
    e->rebuild(cfg, now);
  }
  exchange_syns(false, 0, 0);
  hang_up();
}

class StatefulCallTest : public CallTest {};
INSTANTIATE_TEST_SUITE_P(MsChapV2, StatefulCallTest, ::testing::Values(kMethods[1]),
                         [](const ::testing::TestParamInfo<Method>& i) { return i.param.name; });

TEST_P(StatefulCallTest, ResynchronisesAfterABurstOfLoss) {
  dial();
  run(seconds(5));
  expect_up();
  run(milliseconds(200), milliseconds(2));
  // Twenty packets from the server vanish: more than the lengths the
  // receiver can guess, so it asks for a flush (CCP Reset-Request).
  noise = Noise{.loss = 1.0};
  for (int i = 0; i < 20; ++i) send_ip(server, 200);
  noise = Noise{};
  size_t before = client.received.size();
  run(seconds(1), milliseconds(2));
  run(seconds(1));
  DataPathStats d = client.call.data_path_stats();
  EXPECT_GE(d.mppe_resets_sent, 1u);
  EXPECT_GE(d.mppe.resyncs, 1u);
  EXPECT_GE(server.call.data_path_stats().mppe_flushes_asked, 1u);
  EXPECT_GE(client.received.size(), before + 400);
  hang_up();
}

TEST_P(CallTest, WrongSecretFailsAuthenticationAndEndsTheLink) {
  server.secret = "other";  // the server knows another secret for user1
  dial();
  run(seconds(60));
  EXPECT_TRUE(client.auth_failed);
  EXPECT_FALSE(server.authenticated);
  EXPECT_EQ(server.ip_up, 0);
  EXPECT_TRUE(server.finished);
  EXPECT_TRUE(client.finished);
}

TEST_P(CallTest, IdleTimeoutEndsALinkWithoutTraffic) {
  // The server runs with pppd's `idle 2`.
  CallConfig cfg = config(GetParam(), true);
  cfg.idle = seconds(2);
  server.rebuild(cfg, now);
  dial();
  run(seconds(1));
  expect_up();
  run(seconds(3), milliseconds(500));  // traffic keeps it up
  EXPECT_FALSE(server.finished);
  run(seconds(1));
  EXPECT_FALSE(server.finished);  // 1 s without traffic: not yet
  run(seconds(10));
  EXPECT_TRUE(server.finished);
  EXPECT_TRUE(client.finished);
  EXPECT_EQ(server.finish_reason, "Idle timeout");
}

}  // namespace
}  // namespace pptpx::session
