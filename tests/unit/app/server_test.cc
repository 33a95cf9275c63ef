// SPDX-License-Identifier: MIT
// pptpxd's Server on a real event loop with faked GRE, TUN and netlink:
// PPTP clients built from pptp::ClientControl over loopback TCP and
// client-role session::Calls whose GRE goes through the FakeGre. Admission
// and call IDs, the address pool, GRE demultiplexing and the wrong-peer
// drop, the pppN interface, teardown, the ip-up/ip-down scripts, and pppN
// removed or set down from outside.
#include "app/server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/ctl/request.h"
#include "app/server/settings.h"
#include "proto/gre/gre.h"
#include "proto/pptp/client_control.h"
#include "proto/pptp/messages.h"
#include "support/fake_io.h"
#include "unit/app/peer.h"

namespace pptpx::server {
namespace {

using apptest::ip;
using apptest::kLoopback;
using apptest::PeerCall;

const Ipv4 kLocalIp = ip("10.10.0.1");
const Ipv4 kDns = ip("10.10.0.53");

// A PPTP client (PNS) on one control connection from its own loopback
// address, and its calls by our call ID.
struct Pns {
  Pns(io::TcpConnection tcp, Ipv4 a, const Logger& log, Time now)
      : addr(a), ctl(std::move(tcp), pptp::ClientControlConfig{}, log.child("CTRL"), now) {}

  Ipv4 addr;
  apptest::ControlPeer<pptp::ClientControl> ctl;
  std::map<uint16_t, std::unique_ptr<PeerCall>> calls;
  std::map<uint16_t, uint16_t> server_ids;  // our call ID -> the server's
  std::vector<pptp::CallRejected> rejected;
  std::vector<pptp::CallDisconnected> disconnected;
  bool closed = false;

  PeerCall& call(uint16_t id) { return *calls.at(id); }
};

class ServerTest : public apptest::AppTest {
 protected:
  // pptpd.conf with two address slots, MS-CHAPv2 and MPPE-128 required;
  // conf_extra and options_extra are added to pptpd.conf and the options.
  Settings make_settings() {
    apptest::write_file(dir.file("pptpd.conf"), "option " + dir.file("options.pptpd") +
                                                    "\nlocalip 10.10.0.1\n"
                                                    "remoteip 10.10.0.10-11\n"
                                                    "listen 127.0.0.1\n" +
                                                    conf_extra);
    apptest::write_file(dir.file("options.pptpd"),
                        "name pptpd\nrefuse-pap\nrefuse-chap\nrefuse-mschap\n"
                        "require-mschap-v2\nrequire-mppe-128\nms-dns 10.10.0.53\n"
                        // The end that answers a Terminate-Request finishes a
                        // restart period later: keep it short.
                        "lcp-restart 1\n" +
                            options_extra);
    Flags f;
    f.conf_path = dir.file("pptpd.conf");
    return apptest::load_test_settings(f, dir, load_settings);
  }

  // The server on 127.0.0.1, a port the kernel picks.
  void start_server() {
    auto p = std::make_unique<test::FakePlatform>();
    platform = p.get();
    server = std::make_unique<Server>(*loop, make_settings(), sink, rng, std::move(p));
    server->set_port(0);
    ASSERT_FALSE(server->start());
    gre = platform->gre();
    ASSERT_NE(gre, nullptr);
  }

  // A control connection from `from` (127.x.y.z) with one call placed.
  Pns& dial(const char* from, uint16_t call_id) {
    auto tcp = apptest::connect_loopback(server->port(), ip(from));
    EXPECT_TRUE(tcp) << "cannot connect to the server";
    if (!tcp) throw std::runtime_error("no connection");
    Time now = loop->now();
    clients.push_back(std::make_unique<Pns>(std::move(*tcp), ip(from), log.child(from), now));
    Pns& p = *clients.back();
    p.ctl.core().start(now);
    place_call(p, call_id);
    return p;
  }

  void place_call(Pns& p, uint16_t call_id) {
    pptp::CallParams params;
    params.call_id = call_id;
    p.ctl.core().place_call(params, loop->now());
  }

  void on_control_event(Pns& p, pptp::ControlEvent& ev, Time now) {
    if (auto* c = std::get_if<pptp::CallConnected>(&ev)) {
      // The client's LCP starts as the call connects (as pptpx does).
      auto call = std::make_unique<PeerCall>(
          apptest::peer_call_config(ppp::Role::kAuthenticatee, c->peer_call_id), peer_rng,
          log.child(fmt::format("{} call {}", p.addr.str(), c->our_call_id)), now, p.addr,
          kLoopback);
      call->call().open(now);
      call->service(*gre, now);
      p.server_ids[c->our_call_id] = c->peer_call_id;
      p.calls[c->our_call_id] = std::move(call);
    } else if (auto* r = std::get_if<pptp::CallRejected>(&ev)) {
      p.rejected.push_back(*r);
    } else if (auto* d = std::get_if<pptp::CallDisconnected>(&ev)) {
      p.disconnected.push_back(*d);
    } else if (std::holds_alternative<pptp::Closed>(ev)) {
      p.closed = true;
    }
  }

  // The client's call a GRE packet from the server is for: the call ID in
  // its Key, sent to the address of that call's client.
  PeerCall* call_for(const test::SentGre& s) {
    auto g = gre::parse(s.bytes);
    if (!g.ok()) return nullptr;
    for (auto& p : clients) {
      auto it = p->calls.find(g.packet.header.call_id);
      if (it != p->calls.end() && s.dst == p->addr) return it->second.get();
    }
    return nullptr;
  }

  // Everything the test's side has to do after a turn of the loop.
  void pump() override {
    Time now = loop->now();
    for (auto& p : clients)
      for (pptp::ControlEvent& ev : p->ctl.pump(now)) on_control_event(*p, ev, now);
    for (test::SentGre& s : gre->take_sent()) {
      EXPECT_EQ(s.src, kLoopback) << "GRE leaves from the address the client reached";
      if (PeerCall* c = call_for(s))
        c->receive(s, *gre, now);
      else
        stray.push_back(std::move(s));
    }
    for (auto& p : clients)
      for (auto& [id, c] : p->calls) c->service(*gre, now);
  }

  // Dials from `from` and waits for the link to come up.
  PeerCall& bring_up(const char* from, uint16_t call_id) {
    Pns& p = dial(from, call_id);
    // Both ends may carry IP: ours says so, and the server has read all
    // we sent (the last Configure-Acks).
    EXPECT_TRUE(run_until([&] {
      return p.calls.count(call_id) && p.call(call_id).data_allowed() && gre->waiting() == 0;
    })) << "the link from "
        << from << " did not come up";
    if (!p.calls.count(call_id)) throw std::runtime_error("no call");
    return p.call(call_id);
  }

  // As pptpx hangs up: LCP Terminate-Request, then once LCP has finished
  // Call-Clear-Request and Stop-Control-Connection-Request.
  void hang_up(Pns& p, uint16_t call_id) {
    PeerCall& c = p.call(call_id);
    c.close(*gre, loop->now());
    EXPECT_TRUE(run_until([&] { return c.finished; }));
    p.ctl.core().hangup(loop->now());
  }

  // The live pppN whose peer address is `remote`.
  test::FakeTun* tun_for(Ipv4 remote) const {
    for (test::FakeTun* t : platform->tuns()) {
      const test::FakeLinks::Link* l = platform->link_control().find(t->ifindex());
      if (l && !l->addresses.empty() && l->addresses.back().second == remote) return t;
    }
    return nullptr;
  }

  std::string conf_extra, options_extra;
  test::FakePlatform* platform = nullptr;
  test::FakeGre* gre = nullptr;
  std::unique_ptr<Server> server;
  std::vector<std::unique_ptr<Pns>> clients;
  std::vector<test::SentGre> stray;  // GRE for no call of the test's
};

TEST_F(ServerTest, StartsOnTheBoundPortWithGreOnTheListenAddress) {
  start_server();
  EXPECT_NE(server->port(), 0);
  EXPECT_EQ(platform->gre_opens(), 1u);
  EXPECT_EQ(gre->options().local, kLoopback);
  EXPECT_EQ(server->session_count(), 0u);
}

TEST_F(ServerTest, LogsThePoolInUseAtStart) {
  start_server();
  EXPECT_EQ(sink.lines_with("pool "),
            std::vector<std::string>{"pool 10.10.0.10-11: 2 addresses, connections 2"});
}

TEST_F(ServerTest, GreFailureFailsStart) {
  auto p = std::make_unique<test::FakePlatform>();
  p->fail_open_gre(std::make_error_code(std::errc::operation_not_permitted));
  server = std::make_unique<Server>(*loop, make_settings(), sink, rng, std::move(p));
  server->set_port(0);
  EXPECT_EQ(server->start(), std::errc::operation_not_permitted);
  EXPECT_NE(server->start_failure().find("raw GRE socket (IP protocol 47): Operation not "
                                         "permitted: it needs root or CAP_NET_RAW"),
            std::string::npos)
      << server->start_failure();
}

// The port held by a listener of this process: the message names it (its
// /proc/PID/comm) and its pid.
TEST_F(ServerTest, PortTakenFailsStartNamingTheProgramHoldingIt) {
  auto holder = io::TcpListener::listen({kLoopback, 0});
  ASSERT_TRUE(holder);
  auto bound = holder->local_address();
  ASSERT_TRUE(bound);
  server = std::make_unique<Server>(*loop, make_settings(), sink, rng,
                                    std::make_unique<test::FakePlatform>());
  server->set_port(bound->port);
  EXPECT_EQ(server->start(), std::errc::address_in_use);
  const std::string want = fmt::format(
      "cannot listen on 127.0.0.1:{0}: port {0} is taken by app_test (pid {1}); stop it",
      bound->port, getpid());
  EXPECT_EQ(server->start_failure().substr(0, want.size()), want) << server->start_failure();
  EXPECT_NE(server->start_failure().find("or set another address with 'listen' in " +
                                         dir.file("pptpd.conf")),
            std::string::npos);
}

TEST_F(ServerTest, SessionsChangedAsCallsStartAndEnd) {
  start_server();
  std::vector<size_t> counts;
  server->on_sessions_changed([&](size_t n) { counts.push_back(n); });
  bring_up("127.0.0.2", 0x0A01);
  EXPECT_EQ(counts, std::vector<size_t>{1});
  clients[0]->ctl.core().hangup(loop->now());
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  EXPECT_EQ(counts, (std::vector<size_t>{1, 0}));
  EXPECT_EQ(server->listen_address().addr, kLoopback);
  EXPECT_EQ(server->listen_address().port, server->port());
}

TEST_F(ServerTest, CallsGetDistinctIdsUntilThePoolIsFullAndHangUpReturnsTheSlot) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);
  const uint16_t id_a = clients[0]->server_ids[0x0A01];
  const uint16_t id_b = clients[1]->server_ids[0x0B01];
  EXPECT_NE(id_a, 0);
  EXPECT_NE(id_b, 0);
  EXPECT_NE(id_a, id_b);
  // Each call has its own slot of the pool: the client's address.
  EXPECT_EQ(a.last_up.local, ip("10.10.0.10"));
  EXPECT_EQ(b.last_up.local, ip("10.10.0.11"));
  EXPECT_EQ(a.last_up.remote, kLocalIp);
  EXPECT_EQ(server->session_count(), 2u);
  ASSERT_EQ(platform->tuns().size(), 2u);
  EXPECT_EQ(platform->tuns()[0]->name(), "ppp0");
  EXPECT_EQ(platform->tuns()[1]->name(), "ppp1");

  // The pool holds two: a third call is refused, result 2 (general error)
  // error 4 (no resource), and costs nothing.
  Pns& c = dial("127.0.0.4", 0x0C01);
  ASSERT_TRUE(run_until([&] { return !c.rejected.empty(); }));
  EXPECT_EQ(c.rejected[0].our_call_id, 0x0C01);
  EXPECT_EQ(c.rejected[0].result, pptp::kResultGeneralError);
  EXPECT_EQ(c.rejected[0].error, pptp::kErrorNoResource);
  EXPECT_TRUE(c.calls.empty());
  EXPECT_EQ(server->stats().calls_refused_no_slot, 1u);
  EXPECT_EQ(server->session_count(), 2u);
  EXPECT_EQ(platform->tun_creations(), 2u);

  // The first client hangs up (Call-Clear-Request, Stop): its slot and
  // interface are free again, and the next call gets them.
  clients[0]->ctl.core().hangup(loop->now());
  ASSERT_TRUE(run_until([&] { return server->session_count() == 1; }));
  EXPECT_EQ(platform->tuns().size(), 1u);
  EXPECT_EQ(tun_for(ip("10.10.0.10")), nullptr);
  PeerCall& d = bring_up("127.0.0.5", 0x0D01);
  EXPECT_EQ(d.last_up.local, ip("10.10.0.10"));
  EXPECT_NE(clients[3]->server_ids[0x0D01], id_b);
  EXPECT_EQ(server->session_count(), 2u);
  EXPECT_EQ(server->stats().calls, 3u);
  EXPECT_EQ(server->stats().calls_refused_no_slot, 1u);
  EXPECT_TRUE(stray.empty());
}

TEST_F(ServerTest, GreReachesItsCallFromItsPeerOnly) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);
  test::FakeTun* tun_a = tun_for(ip("10.10.0.10"));
  test::FakeTun* tun_b = tun_for(ip("10.10.0.11"));
  ASSERT_TRUE(tun_a && tun_b);

  const Bytes packet = apptest::make_ip(ip("10.10.0.10"), ip("192.0.2.1"), 200, 7);
  const Bytes framed = a.frame_ip(packet, loop->now());
  ASSERT_FALSE(framed.empty());
  const ServerStats before = server->stats();

  // A's packet from B's address: right call ID, wrong peer.
  gre->inject_gre(ip("127.0.0.3"), kLoopback, framed);
  ASSERT_TRUE(
      run_until([&] { return server->stats().gre_wrong_peer == before.gre_wrong_peer + 1; }));
  // A call ID nobody has.
  Bytes unknown = framed;
  uint16_t other = 1;
  while (other == clients[0]->server_ids[0x0A01] || other == clients[1]->server_ids[0x0B01])
    ++other;
  put_u16(unknown.data() + 6, other);
  gre->inject_gre(ip("127.0.0.2"), kLoopback, unknown);
  ASSERT_TRUE(
      run_until([&] { return server->stats().gre_unknown_call == before.gre_unknown_call + 1; }));
  EXPECT_TRUE(tun_a->written().empty());
  EXPECT_TRUE(tun_b->written().empty());

  // The same packet from A: delivered, so the dropped copies changed
  // nothing (not even the GRE sequence state).
  gre->inject_gre(ip("127.0.0.2"), kLoopback, framed);
  ASSERT_TRUE(run_until([&] { return !tun_a->written().empty(); }));
  EXPECT_EQ(tun_a->written()[0], packet);
  EXPECT_TRUE(tun_b->written().empty());
  EXPECT_EQ(server->stats().gre_wrong_peer, before.gre_wrong_peer + 1);
  EXPECT_EQ(server->stats().gre_unknown_call, before.gre_unknown_call + 1);

  // And back: B's interface to B only.
  const Bytes reply = apptest::make_ip(ip("192.0.2.1"), ip("10.10.0.11"), 300, 9);
  tun_b->inject(reply);
  ASSERT_TRUE(run_until([&] { return !b.ip_in.empty(); }));
  EXPECT_EQ(b.ip_in[0], reply);
  EXPECT_TRUE(a.ip_in.empty());
  EXPECT_TRUE(stray.empty());
}

TEST_F(ServerTest, IpUpCreatesTheInterfaceWithThePoolAddressesAndMtu) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  EXPECT_EQ(a.last_up.local, ip("10.10.0.10"));
  EXPECT_EQ(a.last_up.remote, kLocalIp);
  EXPECT_EQ(a.last_up.servers.dns1, kDns);
  ASSERT_TRUE(run_until([&] { return server->session_count() == 1 && !platform->tuns().empty(); }));
  EXPECT_EQ(platform->tun_creations(), 1u);
  test::FakeTun& tun = *platform->tuns()[0];
  EXPECT_EQ(tun.name(), "ppp0");
  EXPECT_TRUE(tun.ipv6_disabled());
  const test::FakeLinks::Link* link = platform->link_control().find(tun.ifindex());
  ASSERT_NE(link, nullptr);
  ASSERT_EQ(link->addresses.size(), 1u);
  EXPECT_EQ(link->addresses[0].first, kLocalIp);
  EXPECT_EQ(link->addresses[0].second, ip("10.10.0.10"));
  // pppd's rule: min(mtu 1500, the peer's MRU 1500) less MPPE's 4 octets.
  EXPECT_EQ(link->mtu, 1496u);
  EXPECT_EQ(link->up, true);
}

TEST_F(ServerTest, IpCrossesBetweenTheInterfaceAndTheCall) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  ASSERT_TRUE(run_until([&] { return !platform->tuns().empty(); }));
  test::FakeTun& tun = *platform->tuns()[0];
  // From the kernel through the tunnel to the client, several in a batch.
  std::vector<Bytes> down;
  for (int i = 0; i < 20; ++i) {
    down.push_back(
        apptest::make_ip(ip("192.0.2.1"), ip("10.10.0.10"), 60 + 50 * i, static_cast<uint8_t>(i)));
    tun.inject(down.back());
  }
  ASSERT_TRUE(run_until([&] { return a.ip_in.size() == down.size(); }));
  EXPECT_EQ(a.ip_in, down);
  // And from the client to the kernel.
  const Bytes up = apptest::make_ip(ip("10.10.0.10"), ip("192.0.2.1"), 1496, 3);
  a.send_ip(*gre, up, loop->now());
  ASSERT_TRUE(run_until([&] { return !tun.written().empty(); }));
  EXPECT_EQ(tun.written()[0], up);
  EXPECT_EQ(server->stats().tun_dropped, 0u);
  EXPECT_EQ(server->stats().data_before_up, 0u);
}

TEST_F(ServerTest, ClientHangUpRemovesTheInterfaceAndTheSession) {
  start_server();
  bring_up("127.0.0.2", 0x0A01);
  ASSERT_EQ(platform->tuns().size(), 1u);
  Pns& p = *clients[0];
  hang_up(p, 0x0A01);
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  EXPECT_TRUE(platform->tuns().empty());
  ASSERT_TRUE(run_until([&] { return p.ctl.core().closed(); }));
  EXPECT_EQ(server->session_count(), 0u);
  EXPECT_EQ(server->stats().calls, 1u);
}

TEST_F(ServerTest, LinkEndWithoutCallClearGetsACdnAndTheControlConnectionStops) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  a.close(*gre, loop->now());
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  Pns& p = *clients[0];
  EXPECT_TRUE(platform->tuns().empty());
  // The client does not clear the call: after a moment the server tells it
  // (Call-Disconnect-Notify) and stops the control connection.
  ASSERT_TRUE(run_until([&] { return p.ctl.core().closed(); }));
  ASSERT_EQ(p.disconnected.size(), 1u);
  EXPECT_EQ(p.disconnected[0].our_call_id, 0x0A01);
  EXPECT_EQ(p.disconnected[0].result, pptp::kCdnAdminShutdown);
}

TEST_F(ServerTest, NoInterfaceEndsTheCallAndFreesItsSlot) {
  start_server();
  platform->fail_create_tun(std::make_error_code(std::errc::no_such_device));
  Pns& p = dial("127.0.0.2", 0x0A01);
  // The server closes the link itself ("No interface") and the call ends.
  ASSERT_TRUE(run_until([&] {
    return p.calls.count(0x0A01) && server->stats().calls == 1 && server->session_count() == 0;
  }));
  EXPECT_EQ(platform->tun_creations(), 0u);
  platform->fail_create_tun({});
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);
  EXPECT_EQ(b.last_up.local, ip("10.10.0.10"));
  EXPECT_EQ(platform->tuns().size(), 1u);
}

TEST_F(ServerTest, ScriptsGetPppdsArgumentsAndEnvironmentAndIpDownWaitsForIpUp) {
  // ip-up waits for the test's "release"; ip-down notes whether ip-up
  // had finished when it started.
  apptest::write_recording_script(dir.path(), "ip-up", "release");
  apptest::write_recording_script(dir.path(), "ip-down", "", "ip-up");
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  ASSERT_TRUE(run_until([&] { return apptest::exists(dir.file("ip-up.started")); }));

  // One packet each way, for the byte counts.
  ASSERT_EQ(platform->tuns().size(), 1u);
  test::FakeTun& tun = *platform->tuns()[0];
  tun.inject(apptest::make_ip(ip("192.0.2.1"), ip("10.10.0.10"), 100, 1));
  a.send_ip(*gre, apptest::make_ip(ip("10.10.0.10"), ip("192.0.2.1"), 250, 2), loop->now());
  ASSERT_TRUE(run_until([&] { return a.ip_in.size() == 1 && tun.written().size() == 1; }));

  // The link ends while ip-up still runs: ip-down waits for it.
  hang_up(*clients[0], 0x0A01);
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  expect_ip_down_after_ip_up("release");

  // pppd's six arguments: interface, device (no pty here: the interface,
  // README "Scripts"), speed, local and remote address, ipparam (pptpd's:
  // the client's address).
  const std::vector<std::string> args = {"ppp0",      "ppp0",       "115200",
                                         "10.10.0.1", "10.10.0.10", "127.0.0.2"};
  const std::map<std::string, std::string> env = {
      {"PEERNAME", "user1"},    {"IPLOCAL", "10.10.0.1"}, {"IPREMOTE", "10.10.0.10"},
      {"IFNAME", "ppp0"},       {"DEVICE", "ppp0"},       {"SPEED", "115200"},
      {"IPPARAM", "127.0.0.2"}, {"DNS1", "10.10.0.53"},   {"UNIT", "0"}};
  // At ip-down the totals too: one packet of 100 octets out, 250 in.
  apptest::expect_script_runs(
      dir.path(), {"ip-up"}, args, env,
      {{"CONNECT_TIME", "0"}, {"BYTES_SENT", "100"}, {"BYTES_RCVD", "250"}});
}

TEST_F(ServerTest, InterfaceRemovedFromOutsideEndsTheSession) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  ASSERT_NE(platform->link_watch(), nullptr);
  ASSERT_EQ(platform->tuns().size(), 1u);
  const size_t asked = platform->link_control().journal().size();
  platform->remove_interface(*platform->tuns()[0]);
  ASSERT_TRUE(run_until([&] { return a.finished; }));
  EXPECT_EQ(a.finish_reason, "LCP terminated by peer (Interface ppp0 removed on the server)");
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  EXPECT_TRUE(platform->tuns().empty());
  // Nothing more was asked of the gone interface, and nothing complained.
  EXPECT_EQ(platform->link_control().journal().size(), asked);
  EXPECT_EQ(platform->link_control().calls_on_removed(), 0u);
  EXPECT_TRUE(sink.problems().empty()) << sink.problems()[0];
  EXPECT_EQ(sink.lines_with("ppp0 (user user1) was removed from outside pptpxd: ending the session")
                .size(),
            1u);
  Pns& p = *clients[0];
  ASSERT_TRUE(run_until([&] { return p.ctl.core().closed(); }));
  ASSERT_EQ(p.disconnected.size(), 1u);
  EXPECT_EQ(p.disconnected[0].result, pptp::kCdnAdminShutdown);
  EXPECT_EQ(sink.lines_with("connection terminated after").size(), 1u);
}

TEST_F(ServerTest, InterfaceSetDownFromOutsideEndsTheSession) {
  apptest::write_recording_script(dir.path(), "ip-down");
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);
  test::FakeTun* tun_b = tun_for(ip("10.10.0.11"));
  ASSERT_NE(tun_b, nullptr);
  platform->set_interface_down(*tun_b);
  ASSERT_TRUE(run_until([&] { return b.finished && server->session_count() == 1; }));
  EXPECT_EQ(b.finish_reason, "LCP terminated by peer (Interface ppp1 set down on the server)");
  EXPECT_EQ(sink.lines_with("ppp1 (user user1) was set down from outside pptpxd").size(), 1u);
  // ip-down ran for it; the other session goes on.
  ASSERT_TRUE(run_until([&] { return apptest::exists(dir.file("ip-down.done")); }));
  EXPECT_EQ(apptest::read_lines(dir.file("ip-down.args"))[0], "ppp1");
  EXPECT_EQ(tun_for(ip("10.10.0.11")), nullptr);
  EXPECT_NE(tun_for(ip("10.10.0.10")), nullptr);
  EXPECT_FALSE(a.finished);
  EXPECT_TRUE(sink.problems().empty()) << sink.problems()[0];
}

TEST_F(ServerTest, LostLinkNotificationsAreMadeUpByAskingForEachInterface) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);
  // ppp0 goes without a word; then the notifications overflowed.
  platform->remove_interface(*tun_for(ip("10.10.0.10")), /*notify=*/false);
  platform->overflow_link_events();
  ASSERT_TRUE(run_until([&] { return a.finished && server->session_count() == 1; }));
  EXPECT_EQ(platform->link_control().state_queries(), 2u);
  EXPECT_EQ(sink.lines_with("ppp0 (user user1) was removed from outside pptpxd").size(), 1u);
  EXPECT_FALSE(b.finished);
}

TEST_F(ServerTest, OwnTeardownAndOtherInterfacesAreNoLossFromOutside) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  bring_up("127.0.0.3", 0x0B01);
  test::FakeTun* tun_b = tun_for(ip("10.10.0.11"));
  ASSERT_NE(tun_b, nullptr);
  const unsigned ifindex_b = tun_b->ifindex();
  // The second client hangs up: pptpxd removes ppp1 itself, and the kernel
  // says so (down, deleted) after the fact.
  hang_up(*clients[1], 0x0B01);
  ASSERT_TRUE(run_until([&] { return server->session_count() == 1; }));
  test::FakeLinkWatch& watch = *platform->link_watch();
  watch.inject({io::LinkEvent::Kind::kDown, ifindex_b, "ppp1"});
  watch.inject({io::LinkEvent::Kind::kDeleted, ifindex_b, "ppp1"});
  // Someone else's interface, and ppp0 going up again.
  watch.inject({io::LinkEvent::Kind::kDeleted, 9999, "eth9"});
  watch.inject({io::LinkEvent::Kind::kUp, platform->tuns()[0]->ifindex(), "ppp0"});
  run_until([] { return false; }, milliseconds(200));
  EXPECT_EQ(server->session_count(), 1u);
  EXPECT_FALSE(a.finished);
  EXPECT_TRUE(sink.lines_with("from outside").empty());
}

TEST_F(ServerTest, RunsWithoutLinkNotifications) {
  auto p = std::make_unique<test::FakePlatform>();
  p->fail_watch_links(std::make_error_code(std::errc::permission_denied));
  platform = p.get();
  server = std::make_unique<Server>(*loop, make_settings(), sink, rng, std::move(p));
  server->set_port(0);
  ASSERT_FALSE(server->start());
  gre = platform->gre();
  EXPECT_EQ(sink.lines_with("cannot watch link notifications: Permission denied").size(), 1u);
  bring_up("127.0.0.2", 0x0A01);
  EXPECT_EQ(server->session_count(), 1u);
}

// ---- the control socket's requests (pptpxctl) ----

nlohmann::json ask(Server& srv, const std::string& line) {
  std::string error;
  auto req = app::parse_admin_request(line, &error);
  EXPECT_TRUE(req) << error;
  return req ? srv.admin_request(*req) : nlohmann::json();
}

TEST_F(ServerTest, AdminListsEachSessionWithItsUserAddressesAndTraffic) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  bring_up("127.0.0.3", 0x0B01);
  a.send_ip(*gre, apptest::make_ip(ip("10.10.0.10"), ip("192.0.2.1"), 300, 1), loop->now());
  ASSERT_TRUE(run_until([&] { return platform->tuns()[0]->written().size() == 1; }));

  nlohmann::json j = ask(*server, "sessions");
  ASSERT_EQ(j["sessions"].size(), 2u) << j.dump();
  const nlohmann::json& s = j["sessions"][0];
  EXPECT_EQ(s["interface"], "ppp0");
  EXPECT_EQ(s["user"], "user1");
  EXPECT_EQ(s["client"], "127.0.0.2");
  EXPECT_GT(s["client_port"].get<int>(), 0);
  EXPECT_EQ(s["address"], "10.10.0.10");
  EXPECT_EQ(s["local_address"], "10.10.0.1");
  EXPECT_EQ(s["peer_call_id"], 0x0A01);
  EXPECT_EQ(s["auth"], "MS-CHAP-v2");
  EXPECT_EQ(s["mppe"], "128-bit stateless");
  EXPECT_EQ(s["state"], "up");
  EXPECT_EQ(s["bytes_in"], 300u);
  EXPECT_EQ(s["packets_in"], 1u);
  EXPECT_EQ(j["sessions"][1]["address"], "10.10.0.11");

  // show by the address given, by interface, by the client's address:port.
  EXPECT_EQ(ask(*server, "show 10.10.0.11")["sessions"][0]["client"], "127.0.0.3");
  EXPECT_EQ(ask(*server, "show ppp0")["sessions"][0]["address"], "10.10.0.10");
  std::string endpoint = fmt::format("127.0.0.3:{}", j["sessions"][1]["client_port"].get<int>());
  nlohmann::json shown = ask(*server, "show " + endpoint);
  ASSERT_EQ(shown["sessions"].size(), 1u);
  EXPECT_TRUE(shown["sessions"][0].contains("drops"));
  // A user with two sessions is both.
  EXPECT_EQ(ask(*server, "show user1")["sessions"].size(), 2u);
  nlohmann::json none = ask(*server, "show nobody");
  EXPECT_EQ(none["ok"], false);
  EXPECT_EQ(none["error"], "no session matches 'nobody'");

  nlohmann::json stats = ask(*server, "stats")["stats"];
  EXPECT_EQ(stats["sessions"], 2u);
  EXPECT_EQ(stats["calls"], 2u);
  EXPECT_EQ(stats["connections"], 2u);
}

TEST_F(ServerTest, AdminKillEndsTheNamedSessionWithItsReasonAndLeavesTheOther) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);
  nlohmann::json j = ask(*server, R"({"command":"kill","target":"ppp0","reason":"maintenance"})");
  EXPECT_EQ(j["killed"], 1u) << j.dump();
  ASSERT_TRUE(run_until([&] { return a.finished && server->session_count() == 1; }));
  EXPECT_TRUE(sink.contains("disconnecting user 'user1' (ppp0): maintenance"));
  // The client was told: LCP Terminate-Request, then Call-Disconnect-Notify.
  ASSERT_TRUE(run_until([&] { return clients[0]->ctl.core().closed(); }));
  EXPECT_FALSE(b.finished);
  EXPECT_EQ(ask(*server, "sessions")["sessions"][0]["address"], "10.10.0.11");
  // The other session still carries IP.
  b.send_ip(*gre, apptest::make_ip(ip("10.10.0.11"), ip("192.0.2.1"), 100, 1), loop->now());
  ASSERT_TRUE(run_until([&] { return tun_for(ip("10.10.0.11"))->written().size() == 1; }));
  EXPECT_EQ(ask(*server, "kill nobody")["ok"], false);
}

TEST_F(ServerTest, AdminKillByUserEndsEverySessionOfThatUser) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  PeerCall& b = bring_up("127.0.0.3", 0x0B01);  // user1 too, from another address
  nlohmann::json j = ask(*server, "kill user1");
  EXPECT_EQ(j["killed"], 2u) << j.dump();
  ASSERT_TRUE(run_until([&] { return a.finished && b.finished && server->session_count() == 0; }));
  EXPECT_TRUE(
      sink.contains("disconnecting user 'user1' (ppp0): disconnected by the administrator"));
  EXPECT_TRUE(
      sink.contains("disconnecting user 'user1' (ppp1): disconnected by the administrator"));
  EXPECT_EQ(ask(*server, "kill user1")["error"], "no session matches 'user1'");
}

TEST_F(ServerTest, AdminSocketAnswersPptpxctlAndSurvivesGarbage) {
  start_server();
  std::string path = dir.file("control.sock");
  io::UnixListener::Options o;
  o.path = path;
  o.group = "";
  bool debug = false;
  Server::AdminHooks hooks;
  hooks.debug = [&](bool on) { debug = on; };
  hooks.version = "9.9";
  ASSERT_FALSE(server->open_admin(o, hooks));

  // pptpxctl's blocking request needs the loop turning: a helper process.
  auto ask_socket = [&](const app::AdminRequest& r) {
    ctl::Answer answer;
    std::thread t([&] { answer = ctl::ask(path, r, 5000); });
    run_until([&] { return false; }, milliseconds(300));
    t.join();
    return answer;
  };
  app::AdminRequest v;
  v.command = "version";
  ctl::Answer a = ask_socket(v);
  ASSERT_TRUE(a.reached) << a.error;
  EXPECT_EQ(a.body()["version"], "9.9");
  EXPECT_EQ(a.body()["ok"], true);
  app::AdminRequest d;
  d.command = "debug";
  d.on = true;
  EXPECT_TRUE(ask_socket(d).reached);
  EXPECT_TRUE(debug);

  // Garbage, then a line too long: answered with errors, the server lives.
  auto raw = io::unix_connect(path);
  ASSERT_TRUE(raw);
  std::string garbage = "\x01\xff{{{\n";
  ASSERT_EQ(write(raw->get(), garbage.data(), garbage.size()), ssize_t(garbage.size()));
  std::string huge(5000, 'x');
  ASSERT_EQ(write(raw->get(), huge.data(), huge.size()), ssize_t(huge.size()));
  run_until([&] { return false; }, milliseconds(300));
  char buf[4096];
  ssize_t n = read(raw->get(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  std::string answers(buf, size_t(n));
  EXPECT_NE(answers.find("unknown command"), std::string::npos) << answers;
  EXPECT_NE(answers.find("request longer than 4096 bytes"), std::string::npos) << answers;
  EXPECT_EQ(read(raw->get(), buf, sizeof buf), 0);  // and closed
  EXPECT_EQ(server->admin()->stats().bad_requests, 2u);
  // A client that asks and never reads stalls only itself.
  auto lazy = io::unix_connect(path);
  ASSERT_TRUE(lazy);
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "stats\n";
  ASSERT_GT(write(lazy->get(), many.data(), many.size()), 0);
  EXPECT_TRUE(ask_socket(v).reached);
}

// ---- metrics (GET /metrics) ----

// The exposition text's shape: every sample's family declared once, with
// # HELP before # TYPE, and its samples together after them.
void expect_well_formed(const std::string& text) {
  std::set<std::string> families;
  std::string current;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    ASSERT_NE(nl, std::string::npos) << "no final newline";
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("# HELP ")) {
      current = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(families.insert(current).second) << "family twice: " << current;
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      EXPECT_TRUE(line.starts_with("# TYPE " + current + " ")) << line;
      continue;
    }
    std::string name = line.substr(0, line.find_first_of("{ "));
    bool ours = name == current;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      ours = ours || name == current + suffix;
    EXPECT_TRUE(ours) << "sample outside its family " << current << ": " << line;
  }
}

// The value of the sample line that starts with `series` ("name{labels}").
std::optional<std::string> value_of(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + series.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

TEST_F(ServerTest, MetricsCountSessionsSetupsTrafficAndAgreeWithStats) {
  start_server();
  Pns& p = dial("127.0.0.2", 0x0A01);
  ASSERT_TRUE(run_until([&] {
    return p.calls.count(0x0A01) && p.call(0x0A01).data_allowed() && gre->waiting() == 0;
  }));
  PeerCall& a = p.call(0x0A01);
  a.send_ip(*gre, apptest::make_ip(ip("10.10.0.10"), ip("192.0.2.1"), 300, 1), loop->now());
  ASSERT_TRUE(run_until([&] { return platform->tuns()[0]->written().size() == 1; }));

  std::string m = server->metrics_text();
  expect_well_formed(m);
  EXPECT_EQ(value_of(m, R"(pptpx_sessions{auth="MS-CHAP-v2",mppe="128-bit stateless"})"), "1") << m;
  EXPECT_EQ(value_of(m, "pptpx_calls"), "1");
  EXPECT_EQ(value_of(m, "pptpx_session_setups_total"), "1");
  EXPECT_EQ(value_of(m, "pptpx_session_setup_seconds_count"), "1");
  EXPECT_EQ(value_of(m, R"(pptpx_session_setup_seconds_bucket{le="+Inf"})"), "1");
  EXPECT_EQ(value_of(m, R"(pptpx_auth_successes_total{method="MS-CHAP-v2"})"), "1");
  EXPECT_EQ(value_of(m, "pptpx_received_bytes_total"), "300");
  EXPECT_EQ(value_of(m, "pptpx_received_packets_total"), "1");
  EXPECT_EQ(value_of(m, "pptpx_pool_addresses"), "2");
  EXPECT_EQ(value_of(m, "pptpx_pool_addresses_free"), "1");
  EXPECT_EQ(value_of(m, R"(pptpx_control_connections{state="established"})"), "1");
  EXPECT_EQ(value_of(m, "pptpx_control_connections_total"), "1");
  EXPECT_EQ(value_of(m, R"(pptpx_dropped_packets_total{reason="gre_wrong_peer"})"), "0");
  EXPECT_TRUE(value_of(m, "process_resident_memory_bytes"));
  // Per session only when asked for.
  EXPECT_EQ(m.find("pptpx_session_received_bytes_total"), std::string::npos);

  hang_up(p, 0x0A01);
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  m = server->metrics_text();
  expect_well_formed(m);
  // The ended session's traffic stays counted; its kind of session stays at 0.
  EXPECT_EQ(value_of(m, R"(pptpx_sessions{auth="MS-CHAP-v2",mppe="128-bit stateless"})"), "0");
  EXPECT_EQ(value_of(m, "pptpx_received_bytes_total"), "300");
  EXPECT_EQ(value_of(m, "pptpx_session_setups_total"), "1");
  EXPECT_EQ(value_of(m, "pptpx_pool_addresses_free"), "2");
  nlohmann::json stats = ask(*server, "stats")["stats"];
  EXPECT_EQ(stats["bytes_in"], 300u) << stats.dump();
  EXPECT_EQ(stats["packets_in"], 1u);
  EXPECT_EQ(stats["setups"], 1u);
  EXPECT_EQ(stats["setup_seconds"]["count"], 1u);
  EXPECT_EQ(stats["auth_successes"]["MS-CHAP-v2"], 1u);
  EXPECT_EQ(stats["pool_free"], 2u);
  EXPECT_EQ(stats["setup_failures"]["auth_failed"], 0u);
}

// TCP MSS clamping, on by default: a SYN from the client reaches ppp0 with
// an MSS that fits its MTU of 1496, counted for the session, in the stats
// and in the metrics; nomssclamp in the options file lets it through as is.
TEST_F(ServerTest, ClampsTheMssOfTcpSynsAndCountsThem) {
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  a.send_ip(*gre, apptest::make_tcp_syn(ip("10.10.0.10"), ip("192.0.2.1"), 1460), loop->now());
  ASSERT_TRUE(run_until([&] { return platform->tuns()[0]->written().size() == 1; }));
  EXPECT_EQ(get_u16(&platform->tuns()[0]->written()[0][42]), 1456);
  EXPECT_EQ(ask(*server, "show ppp0")["sessions"][0]["tcp_mss_clamped"], 1u);
  EXPECT_EQ(ask(*server, "stats")["stats"]["tcp_mss_clamped"], 1u);
  EXPECT_EQ(value_of(server->metrics_text(), "pptpx_tcp_mss_clamped_total"), "1");
}

TEST_F(ServerTest, NoMssClampLetsTcpSynsThroughAsTheyAre) {
  options_extra = "nomssclamp\n";
  start_server();
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  a.send_ip(*gre, apptest::make_tcp_syn(ip("10.10.0.10"), ip("192.0.2.1"), 1460), loop->now());
  ASSERT_TRUE(run_until([&] { return platform->tuns()[0]->written().size() == 1; }));
  EXPECT_EQ(get_u16(&platform->tuns()[0]->written()[0][42]), 1460);
  EXPECT_EQ(ask(*server, "stats")["stats"]["tcp_mss_clamped"], 0u);
  EXPECT_EQ(value_of(server->metrics_text(), "pptpx_tcp_mss_clamped_total"), "0");
}

TEST_F(ServerTest, MetricsCountAFailedAuthenticationByMethodAndReason) {
  start_server();
  apptest::write_file(dir.file("chap-secrets"), "user1 pptpd another-secret *\n");
  Pns& p = dial("127.0.0.2", 0x0A01);
  ASSERT_TRUE(run_until([&] { return p.calls.count(0x0A01) && p.call(0x0A01).auth_failed; }));
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  std::string m = server->metrics_text();
  expect_well_formed(m);
  EXPECT_EQ(value_of(m, R"(pptpx_auth_failures_total{method="MS-CHAP-v2",reason="bad_password"})"),
            "1")
      << m;
  EXPECT_EQ(value_of(m, R"(pptpx_session_setup_failures_total{reason="auth_failed"})"), "1");
  EXPECT_EQ(value_of(m, "pptpx_session_setups_total"), "0");
  EXPECT_EQ(value_of(m, R"(pptpx_auth_successes_total{method="MS-CHAP-v2"})"), "0");
  nlohmann::json stats = ask(*server, "stats")["stats"];
  EXPECT_EQ(stats["auth_failures"]["MS-CHAP-v2"]["bad_password"], 1u) << stats.dump();
  EXPECT_EQ(stats["setup_failures"]["auth_failed"], 1u);
}

TEST_F(ServerTest, AFailedLoginHintsAtAnEscapeInTheSecretWithoutLoggingIt) {
  sink.keep_all();
  start_server();
  // The client's password is "secret1"; pppd reads "secre\t1" as "secre<TAB>1".
  apptest::write_file(dir.file("chap-secrets"), "# users\nuser1 pptpd secre\\t1 *\n");
  Pns& p = dial("127.0.0.2", 0x0A01);
  ASSERT_TRUE(run_until([&] { return p.calls.count(0x0A01) && p.call(0x0A01).auth_failed; }));
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  std::vector<std::string> hints = sink.lines_with("backslash escape");
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_NE(hints[0].find("hint: the secret at " + dir.file("chap-secrets") +
                          ":2 contains a backslash escape, read as pppd reads it (\\t is a tab, "
                          "\\s a space, \\\\ one backslash); a backslash in the password must "
                          "be written \\\\"),
            std::string::npos)
      << hints[0];
  for (const char* secret : {"secre\t1", "secre\\t1"})
    EXPECT_TRUE(sink.lines_with(secret).empty()) << sink.lines_with(secret)[0];
  EXPECT_EQ(sink.lines_with("authentication failed for user 'user1'").size(), 1u);
  // A plain secret gets no hint.
  apptest::write_file(dir.file("chap-secrets"), "user1 pptpd another-secret *\n");
  Pns& q = dial("127.0.0.3", 0x0A02);
  ASSERT_TRUE(run_until([&] { return q.calls.count(0x0A02) && q.call(0x0A02).auth_failed; }));
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  EXPECT_EQ(sink.lines_with("backslash escape").size(), 1u);
  EXPECT_EQ(sink.lines_with("authentication failed for user 'user1'").size(), 2u);
}

// The auth throttle, with small numbers: two free failures, then 1 s,
// 2 s; user1 blocked at its fourth failure. Each call is two attempts:
// the server offers an MS-CHAP retry and the client takes it.
TEST_F(ServerTest, FailedLoginsAreAnsweredLaterThenRefusedUncheckedWithE691) {
  sink.keep_all();
  conf_extra =
      "auth-free-failures 2\nauth-max-delay 2\nauth-block-user 4\nauth-block-source 100\n"
      "auth-block-time 60\n";
  start_server();
  apptest::write_file(dir.file("chap-secrets"), "user1 pptpd another-secret *\n");
  // How long the server took to say no (twice) to a call from `from`.
  auto attempt = [&](const char* from, uint16_t id) {
    Time t0 = loop->now();
    Pns& p = dial(from, id);
    EXPECT_TRUE(run_until([&] { return p.calls.count(id) && p.call(id).auth_failed; })) << from;
    Duration took = loop->now() - t0;
    EXPECT_TRUE(run_until([&] { return server->session_count() == 0; }));
    return took;
  };
  EXPECT_LT(attempt("127.0.0.2", 0x0A01), milliseconds(900)) << "two free failures";
  EXPECT_GE(attempt("127.0.0.2", 0x0A02), seconds(3)) << "1 s, then 2 s";
  EXPECT_EQ(server->stats().auth_throttled, 2u);
  auto blocks = sink.lines_with("failed logins as user 'user1'");
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_NE(blocks[0].find("4 failed logins as user 'user1': refusing them for 60 s"),
            std::string::npos)
      << blocks[0];
  // Blocked: refused at once, unchecked, with the Failure a wrong password
  // gets; the right password does not help.
  apptest::write_file(dir.file("chap-secrets"), "user1 pptpd secret1 *\n");
  EXPECT_LT(attempt("127.0.0.3", 0x0A03), milliseconds(900));
  bool e691 = false;
  for (const std::string& l : sink.lines_with("rejected: E=691"))
    e691 = e691 || l.find("127.0.0.3") != std::string::npos;
  EXPECT_TRUE(e691);
  EXPECT_EQ(sink.lines_with("failed logins as user 'user1'").size(), 1u) << "said once";
  EXPECT_EQ(server->stats().auth_blocked_refusals, 2u);
  EXPECT_EQ(server->stats().auth_blocks_started, 1u);
  std::string m = server->metrics_text();
  EXPECT_EQ(value_of(m, "pptpx_auth_throttled_total"), "2");
  EXPECT_EQ(value_of(m, "pptpx_auth_blocked_refusals_total"), "2");
  EXPECT_EQ(value_of(m, "pptpx_auth_blocks_started_total"), "1");
  // pptpxctl blocks: the address with its failures (a refusal is none)
  // and next delay, the user blocked with its refusals.
  nlohmann::json list = ask(*server, "blocks")["blocks"];
  ASSERT_EQ(list.size(), 2u) << list.dump();
  EXPECT_EQ(list[0]["name"], "127.0.0.2");
  EXPECT_EQ(list[0]["failures"], 4u);
  EXPECT_EQ(list[0]["blocked"], false);
  EXPECT_EQ(list[0]["delay_seconds"], 2);
  EXPECT_EQ(list[1]["name"], "user1");
  EXPECT_EQ(list[1]["failures"], 4u);
  EXPECT_EQ(list[1]["blocked"], true);
  EXPECT_EQ(list[1]["refused"], 2u);
  // pptpxctl unblock: user1 comes up at once from a new address.
  EXPECT_EQ(ask(*server, "unblock user1")["unblocked"], 1u);
  EXPECT_FALSE(ask(*server, "unblock user1")["ok"].get<bool>());
  Time t0 = loop->now();
  bring_up("127.0.0.5", 0x0A05);
  EXPECT_LT(loop->now() - t0, milliseconds(900));
  EXPECT_EQ(server->stats().auth_throttled, 2u);
  EXPECT_EQ(ask(*server, "unblock all")["unblocked"], 1u);
}

TEST_F(ServerTest, AuthThrottleOffAnswersEveryFailureAtOnce) {
  conf_extra = "auth-throttle off\nauth-free-failures 0\n";
  start_server();
  apptest::write_file(dir.file("chap-secrets"), "user1 pptpd another-secret *\n");
  for (uint16_t id = 0x0A01; id < 0x0A04; ++id) {
    Time t0 = loop->now();
    Pns& p = dial("127.0.0.2", id);
    ASSERT_TRUE(run_until([&] { return p.calls.count(id) && p.call(id).auth_failed; }));
    EXPECT_LT(loop->now() - t0, milliseconds(900));
    ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  }
  EXPECT_EQ(server->stats().auth_throttled, 0u);
  EXPECT_TRUE(ask(*server, "blocks")["blocks"].empty());
}

TEST_F(ServerTest, MetricsAddressFromTheCommandLineOverPptpdConf) {
  apptest::write_file(dir.file("pptpd.conf"),
                      "remoteip 10.10.0.10\nmetrics 127.0.0.1:9723\nmetrics-per-session\n");
  Flags f;
  f.conf_path = dir.file("pptpd.conf");
  Settings s = apptest::load_test_settings(f, dir, load_settings);
  ASSERT_TRUE(s.metrics);
  EXPECT_EQ(s.metrics->port, 9723);
  EXPECT_TRUE(s.metrics_per_session);
  f.metrics = config::HostPort{ip("127.0.0.5"), 9100};
  s = apptest::load_test_settings(f, dir, load_settings);
  EXPECT_EQ(s.metrics, (config::HostPort{ip("127.0.0.5"), 9100}));
  f.no_metrics = true;  // --metrics none
  EXPECT_FALSE(apptest::load_test_settings(f, dir, load_settings).metrics);
}

TEST_F(ServerTest, MetricsAreServedOverHttpWithSeriesPerSessionWhenAsked) {
  start_server();
  ASSERT_FALSE(server->open_metrics({kLoopback, 0}, /*per_session=*/true));
  uint16_t port = server->metrics_server()->local_address()->port;
  bring_up("127.0.0.2", 0x0A01);

  // A scraper's blocking request needs the loop turning: a helper thread.
  auto get = [&](const std::string& request) {
    std::string got;
    std::atomic<bool> done = false;
    std::thread t([&] {
      auto c = io::TcpConnection::connect({kLoopback, port});
      int fd = c ? c->fd() : -1;
      pollfd w{fd, POLLOUT, 0};
      if (fd < 0 || poll(&w, 1, 2000) != 1) {
        done = true;
        return;
      }
      (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      char buf[4096];
      for (pollfd r{fd, POLLIN, 0}; poll(&r, 1, 2000) == 1;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, size_t(n));
      }
      done = true;
    });
    run_until([&] { return done.load(); }, seconds(5));
    t.join();
    return got;
  };
  std::string r = get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.starts_with("HTTP/1.1 200 OK\r\n")) << r.substr(0, 200);
  EXPECT_NE(r.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  std::string body = r.substr(r.find("\r\n\r\n") + 4);
  expect_well_formed(body);
  EXPECT_TRUE(
      value_of(body, R"(pptpx_session_received_bytes_total{user="user1",interface="ppp0"})"))
      << body;
  EXPECT_EQ(value_of(body, R"(pptpx_sessions{auth="MS-CHAP-v2",mppe="128-bit stateless"})"), "1");
  EXPECT_TRUE(get("GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
  EXPECT_EQ(server->metrics_server()->stats().requests, 1u);
}

TEST_F(ServerTest, DelegateGivesTheOptionsAddressesNotThePool) {
  conf_extra = "delegate\nconnections 3\n";
  options_extra = "10.20.0.1:10.20.0.5\n";
  apptest::write_file(dir.file("chap-secrets"), "user1 pptpd secret1 *\n");
  start_server();
  EXPECT_TRUE(sink.contains("delegate: localip and remoteip are ignored"));
  PeerCall& a = bring_up("127.0.0.2", 0x0A01);
  EXPECT_EQ(a.last_up.local, ip("10.20.0.5"));
  EXPECT_EQ(a.last_up.remote, ip("10.20.0.1"));
  nlohmann::json stats = ask(*server, "stats")["stats"];
  EXPECT_EQ(stats["pool_size"], 3u) << stats.dump();
}

TEST_F(ServerTest, DelegateRefusesAUserWithNoAddressNamingTheFix) {
  conf_extra = "delegate\n";
  start_server();
  Pns& p = dial("127.0.0.2", 0x0A01);
  ASSERT_TRUE(run_until([&] { return !p.disconnected.empty() || p.closed; }));
  ASSERT_TRUE(run_until([&] { return server->session_count() == 0; }));
  EXPECT_TRUE(sink.contains("delegate: no address for user1: give the user one in chap-secrets"));
  std::string m = server->metrics_text();
  EXPECT_EQ(value_of(m, R"(pptpx_session_setup_failures_total{reason="no_address"})"), "1") << m;
  EXPECT_EQ(platform->tun_creations(), 0u);
}

// ---- connections without a call (admission.h) ----

// Whether the server has closed t (EOF or reset) by the time the loop has
// run a moment.
bool server_closed(io::TcpConnection& t) {
  uint8_t buf[512];
  for (;;) {
    auto r = t.read(MutableByteView(buf, sizeof buf));
    if (r && *r > 0) continue;  // what the server said before it closed
    return r ? true : !io::would_block(r.error());
  }
}

class AdmissionTest : public ServerTest {
 protected:
  // A connection from `from` that says nothing, once the server has taken
  // it (admitted or refused: the server sees them in the order made).
  io::TcpConnection idle(const char* from) {
    auto taken = [this] {
      return server->stats().connections + server->stats().connections_refused_per_source;
    };
    const uint64_t before = taken();
    auto tcp = apptest::connect_loopback(server->port(), ip(from));
    EXPECT_TRUE(tcp) << from;
    if (!tcp) throw std::runtime_error("no connection");
    EXPECT_TRUE(run_until([&] { return taken() > before; }));
    return std::move(*tcp);
  }
};

TEST_F(AdmissionTest, OneSourceGetsFourWaitingConnectionsAndOneLogLineAMinute) {
  start_server();
  std::vector<io::TcpConnection> held;
  held.reserve(4);
  for (int i = 0; i < 4; ++i) held.push_back(idle("127.0.0.5"));
  EXPECT_EQ(server->stats().connections, 4u);
  std::vector<io::TcpConnection> refused;
  refused.reserve(6);
  for (int i = 0; i < 6; ++i) refused.push_back(idle("127.0.0.5"));
  EXPECT_EQ(server->stats().connections, 4u);
  EXPECT_EQ(server->stats().connections_refused_per_source, 6u);
  for (auto& r : refused) EXPECT_TRUE(run_until([&] { return server_closed(r); }));
  for (auto& h : held) EXPECT_FALSE(server_closed(h));
  auto lines = sink.lines_with("127.0.0.5: refusing connections");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("4 without a call from this address already (waiting-per-source 4)"),
            std::string::npos)
      << lines[0];
  // Another address is served meanwhile.
  bring_up("127.0.0.9", 0x0A01);
  nlohmann::json stats = ask(*server, "stats")["stats"];
  EXPECT_EQ(stats["connections_refused_per_source"], 6u) << stats.dump();
  EXPECT_EQ(value_of(server->metrics_text(), "pptpx_control_connections_refused_per_source_total"),
            "6");
}

TEST_F(AdmissionTest, WaitingPerSourceIsTheLimit) {
  conf_extra = "waiting-per-source 1\n";
  start_server();
  io::TcpConnection a = idle("127.0.0.5");
  io::TcpConnection b = idle("127.0.0.5");
  EXPECT_EQ(server->stats().connections_refused_per_source, 1u);
  EXPECT_TRUE(run_until([&] { return server_closed(b); }));
  EXPECT_FALSE(server_closed(a));
}

// 64 waiting connections (2 slots: the limit is max(64, 2 x 2)): each new
// one closes the oldest waiting one, never a connection with a call.
TEST_F(AdmissionTest, AtTheLimitTheOldestWaitingConnectionMakesRoom) {
  conf_extra = "waiting-per-source 1000\n";
  start_server();
  bring_up("127.0.0.2", 0x0A01);  // a session, older than every waiting one
  std::vector<io::TcpConnection> held;
  held.reserve(64);
  for (int i = 0; i < 64; ++i) held.push_back(idle("127.0.0.5"));
  EXPECT_EQ(server->stats().connections_evicted, 0u);
  io::TcpConnection fresh = idle("127.0.0.6");
  EXPECT_EQ(server->stats().connections_evicted, 1u);
  EXPECT_TRUE(run_until([&] { return server_closed(held[0]); }));
  EXPECT_FALSE(server_closed(held[1]));
  EXPECT_FALSE(server_closed(fresh));
  // A proper client gets in (closing the next oldest) and places its call.
  bring_up("127.0.0.9", 0x0A02);
  EXPECT_EQ(server->stats().connections_evicted, 2u);
  EXPECT_TRUE(run_until([&] { return server_closed(held[1]); }));
  EXPECT_EQ(server->session_count(), 2u);
  EXPECT_FALSE(clients[0]->closed);
  EXPECT_EQ(sink.lines_with("127.0.0.5: closing this address's oldest connection").size(), 1u);
  EXPECT_EQ(value_of(server->metrics_text(), "pptpx_control_connections_evicted_total"), "2");
}

// stimeout bounds the wait for Start-Control-Connection-Request and, after
// it, for a call; a connection with a call stays.
TEST_F(AdmissionTest, StimeoutClosesConnectionsThatPlaceNoCall) {
  conf_extra = "stimeout 1\n";
  start_server();
  io::TcpConnection silent = idle("127.0.0.5");
  auto tcp = apptest::connect_loopback(server->port(), ip("127.0.0.6"));
  ASSERT_TRUE(tcp);
  clients.push_back(std::make_unique<Pns>(std::move(*tcp), ip("127.0.0.6"), log, loop->now()));
  Pns& started = *clients.back();
  started.ctl.core().start(loop->now());  // Start-Control-Connection-Request, no call
  ASSERT_TRUE(run_until([&] { return started.ctl.core().established(); }));
  bring_up("127.0.0.9", 0x0A01);
  ASSERT_TRUE(run_until([&] { return server->stats().connections_idle_closed == 2; }, seconds(4)));
  EXPECT_TRUE(run_until([&] { return started.ctl.eof() && server_closed(silent); }));
  run_until([] { return false; }, milliseconds(1200));
  EXPECT_EQ(server->session_count(), 1u);
  EXPECT_FALSE(clients.back()->closed);
  EXPECT_EQ(sink.lines_with("without a call: no call placed in time (stimeout 1 s)").size(), 1u);
  EXPECT_EQ(
      sink.lines_with("without a call: no Start-Control-Connection-Request (stimeout 1 s)").size(),
      1u);
  EXPECT_EQ(value_of(server->metrics_text(), "pptpx_control_connections_idle_closed_total"), "2");
}

// A peer that sends Echo-Requests and never reads the replies: the server
// queues at most 64 KiB beyond what the socket took, then disconnects it.
TEST_F(AdmissionTest, APeerThatDoesNotReadIsDisconnected) {
  start_server();
  bring_up("127.0.0.9", 0x0A01);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  int small = 2048;
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(server->port());
  sin.sin_addr.s_addr = htonl(kLoopback.value);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
  ASSERT_EQ(::fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  io::TcpConnection peer{io::Fd(fd)};
  Bytes flood = pptp::encode(pptp::StartControlConnectionRequest{});
  for (uint32_t i = 0; i < 256; ++i) {
    Bytes m = pptp::encode(pptp::EchoRequest{i});
    flood.insert(flood.end(), m.begin(), m.end());
  }
  ASSERT_TRUE(run_until(
      [&] {
        // Our own queue is bounded too: top it up only when it is empty.
        // Errors (the server's reset at the end) are what we wait for.
        if (!peer.want_write()) (void)peer.write(flood);
        if (peer.want_write()) (void)peer.flush();
        return server->stats().connections_output_overflow == 1;
      },
      seconds(20)));
  EXPECT_EQ(sink.lines_with("does not read what we send (over 64 KiB unsent)").size(), 1u);
  EXPECT_EQ(server->session_count(), 1u);
  EXPECT_EQ(value_of(server->metrics_text(), "pptpx_control_connections_output_overflow_total"),
            "1");
}

}  // namespace
}  // namespace pptpx::server
