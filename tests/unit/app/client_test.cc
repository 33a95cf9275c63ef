// SPDX-License-Identifier: MIT
// pptpx's Client on a real event loop with faked GRE, TUN and netlink,
// against a tiny PPTP server in the test: pptp::ServerControl over
// loopback TCP and a server-role session::Call whose GRE goes through the
// FakeGre. The life cycle and its exit statuses, the pppN interface, the
// GRE filter, ip-pre-up/ip-up/ip-down without blocking the loop, and pppN
// removed or set down from outside.
#include "app/client/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/client/settings.h"
#include "io/script.h"
#include "proto/gre/gre.h"
#include "proto/pptp/messages.h"
#include "proto/pptp/server_control.h"
#include "support/fake_io.h"
#include "unit/app/peer.h"

namespace pptpx::client {
namespace {

using apptest::ip;
using apptest::kLoopback;
using apptest::PeerCall;

const Ipv4 kServerIp = ip("10.20.0.1");
const Ipv4 kClientIp = ip("10.20.0.2");
constexpr uint16_t kPacCallId = 0x5151;

// The test's PPTP server (PAC): one control connection and its call.
struct Pac {
  Pac(io::TcpConnection tcp, const Logger& log, Time now)
      : ctl(std::move(tcp), pptp::ServerControlConfig{}, log.child("CTRL"), now) {}

  apptest::ControlPeer<pptp::ServerControl> ctl;
  std::optional<pptp::CallRequested> requested;
  std::unique_ptr<PeerCall> call;
  bool cdn_sent = false;
  bool cleared = false;
  bool closed = false;
};

class ClientTest : public apptest::AppTest {
 protected:
  void SetUp() override {
    AppTest::SetUp();
    scripts = std::make_unique<io::ScriptRunner>(*loop, log);
    auto listening = io::TcpListener::listen({kLoopback, 0});
    ASSERT_TRUE(listening.ok());
    listener = std::move(listening.value());
    auto a = listener->local_address();
    ASSERT_TRUE(a.ok());
    port = a->port;
    ASSERT_FALSE(loop->add(listener->fd(), io::kReadable, [](uint32_t) {}));
  }

  // A peers file as the README's walk-through has it, for 127.0.0.1.
  Settings make_settings() {
    ::mkdir(dir.file("peers").c_str(), 0755);
    apptest::write_file(dir.file("peers/test"),
                        "pty \"pptp 127.0.0.1 --nolaunchpppd\"\n"
                        "name user1\nremotename pptpd\nrequire-mppe-128\n"
                        "refuse-pap\nrefuse-eap\nrefuse-chap\nrefuse-mschap\n"
                        "usepeerdns\nipparam office\n");
    Flags f;
    f.call_name = "test";
    f.peers_dir = dir.file("peers");
    f.resolv_conf_path = dir.file("resolv.conf");
    f.run_dir = dir.path();
    return apptest::load_test_settings(f, dir, load_settings);
  }

  void start_client() {
    auto p = std::make_unique<test::FakePlatform>();
    platform = p.get();
    if (tun_error) platform->fail_create_tun(tun_error);
    client = std::make_unique<Client>(
        *loop, make_settings(), kLoopback, sink, rng, *scripts, [this](int st) { status = st; },
        std::move(p));
    client->set_port(port);
    client->on_link_up([this] { link_up = true; });
    ASSERT_FALSE(client->start());
    gre = platform->gre();
    ASSERT_NE(gre, nullptr);
  }

  void on_control_event(pptp::ControlEvent& ev, Time now) {
    if (auto* r = std::get_if<pptp::CallRequested>(&ev)) {
      pac->requested = *r;
      if (refuse_calls) {
        pac->ctl.core().reject_call(r->peer_call_id, pptp::kResultGeneralError,
                                    pptp::kErrorNoResource, now);
        return;
      }
      pac->ctl.core().accept_call(r->peer_call_id, kPacCallId, 0, now);
      // LCP starts with the client's first GRE packet, as pptpxd's does.
      pac->call = std::make_unique<PeerCall>(
          apptest::peer_call_config(ppp::Role::kAuthenticator, r->peer_call_id), peer_rng,
          log.child("pac call"), now, kLoopback, kLoopback);
      ppp::IpConfig net;
      net.local = kServerIp;
      net.remote = kClientIp;
      net.dns1 = ip("10.20.0.53");
      pac->call->network = net;
    } else if (std::holds_alternative<pptp::CallCleared>(ev)) {
      pac->cleared = true;
    } else if (std::holds_alternative<pptp::Closed>(ev)) {
      pac->closed = true;
    }
  }

  void pump() override {
    Time now = loop->now();
    if (!pac) {
      if (auto a = listener->accept(); a.ok())
        pac = std::make_unique<Pac>(io::TcpConnection(std::move(a->fd)), log, now);
    }
    if (pac) {
      // Twice: what answers an event goes out at once.
      for (int i = 0; i < 2; ++i)
        for (pptp::ControlEvent& ev : pac->ctl.pump(now)) on_control_event(ev, now);
    }
    // A finished client has closed its GRE socket.
    gre = platform ? platform->gre() : nullptr;
    if (!gre) return;
    for (test::SentGre& s : gre->take_sent()) {
      auto g = gre::parse(s.bytes);
      EXPECT_EQ(s.dst, kLoopback);
      EXPECT_TRUE(s.src.is_zero()) << "no localbind: the route's source";
      if (pac && pac->call && g.ok() && g.packet.header.call_id == kPacCallId)
        pac->call->receive(s, *gre, now);
      else
        stray.push_back(std::move(s));
    }
    if (pac && pac->call && pac->call->call().opened()) pac->call->service(*gre, now);
    // As pptpxd: once our LCP is over, Call-Disconnect-Notify.
    if (pac && pac->call && pac->call->finished && !pac->cdn_sent) {
      pac->cdn_sent = true;
      pac->ctl.core().disconnect_call(kPacCallId, pptp::kCdnAdminShutdown, "", now);
    }
  }

  // Starts the client and waits for pppN to be up.
  PeerCall& bring_up() {
    start_client();
    // Both ends may carry IP: ours says so, and the client has read all we
    // sent (the last Configure-Acks).
    EXPECT_TRUE(run_until([&] {
      return link_up && pac && pac->call && pac->call->data_allowed() && gre->waiting() == 0;
    })) << "the link did not come up";
    if (!pac || !pac->call) throw std::runtime_error("no call");
    return *pac->call;
  }

  std::unique_ptr<io::ScriptRunner> scripts;
  std::optional<io::TcpListener> listener;
  uint16_t port = 0;
  std::unique_ptr<Pac> pac;
  bool refuse_calls = false;  // reject them (result 2, error 4)
  std::error_code tun_error;
  test::FakePlatform* platform = nullptr;
  test::FakeGre* gre = nullptr;  // the client's, while it has one (pump() refreshes it)
  std::unique_ptr<Client> client;
  std::optional<int> status;  // from done()
  bool link_up = false;
  std::vector<test::SentGre> stray;
};

TEST_F(ClientTest, DialsAndBringsTheInterfaceUp) {
  PeerCall& s = bring_up();
  ASSERT_TRUE(pac->requested);
  EXPECT_NE(pac->requested->peer_call_id, 0);
  EXPECT_EQ(client->stage(), Client::Stage::kLink);
  EXPECT_TRUE(client->link_was_up());
  EXPECT_TRUE(s.authenticated);
  EXPECT_EQ(s.last_up.local, kServerIp);
  EXPECT_EQ(s.last_up.remote, kClientIp);
  ASSERT_EQ(platform->tuns().size(), 1u);
  test::FakeTun& tun = *platform->tuns()[0];
  EXPECT_EQ(tun.name(), "ppp0");
  EXPECT_TRUE(tun.ipv6_disabled());
  const test::FakeLinks::Link* link = platform->link_control().find(tun.ifindex());
  ASSERT_NE(link, nullptr);
  ASSERT_EQ(link->addresses.size(), 1u);
  EXPECT_EQ(link->addresses[0], std::pair(kClientIp, kServerIp));
  EXPECT_EQ(link->mtu, 1496u);  // min(mtu 1500, MRU 1500) less MPPE's 4
  EXPECT_EQ(link->up, true);
  EXPECT_TRUE(gre->options().local.is_zero());
  // usepeerdns and the pid file, as pppd writes them.
  EXPECT_EQ(apptest::read_file(dir.file("resolv.conf")), "nameserver 10.20.0.53\n");
  EXPECT_TRUE(apptest::exists(dir.file("ppp0.pid")));
  EXPECT_FALSE(status);
  EXPECT_TRUE(stray.empty());
}

TEST_F(ClientTest, IpCrossesBetweenTheInterfaceAndTheCall) {
  PeerCall& s = bring_up();
  test::FakeTun& tun = *platform->tuns()[0];
  std::vector<Bytes> out;
  for (int i = 0; i < 20; ++i) {
    out.push_back(
        apptest::make_ip(kClientIp, ip("192.0.2.1"), 60 + 50 * i, static_cast<uint8_t>(i)));
    tun.inject(out.back());
  }
  ASSERT_TRUE(run_until([&] { return s.ip_in.size() == out.size(); }));
  EXPECT_EQ(s.ip_in, out);
  const Bytes in = apptest::make_ip(ip("192.0.2.1"), kClientIp, 1496, 5);
  s.send_ip(*gre, in, loop->now());
  ASSERT_TRUE(run_until([&] { return !tun.written().empty(); }));
  EXPECT_EQ(tun.written()[0], in);
  EXPECT_EQ(client->stats().tun_dropped, 0u);
}

// TCP MSS clamping, on by default: SYNs either way cross with an MSS that
// fits ppp0's MTU of 1496 (the test server itself does not clamp).
TEST_F(ClientTest, ClampsTheMssOfTcpSynsBothWays) {
  PeerCall& s = bring_up();
  test::FakeTun& tun = *platform->tuns()[0];
  tun.inject(apptest::make_tcp_syn(kClientIp, ip("192.0.2.1"), 1460));
  ASSERT_TRUE(run_until([&] { return s.ip_in.size() == 1; }));
  EXPECT_EQ(get_u16(&s.ip_in[0][42]), 1456);
  s.send_ip(*gre, apptest::make_tcp_syn(ip("192.0.2.1"), kClientIp, 1460), loop->now());
  ASSERT_TRUE(run_until([&] { return !tun.written().empty(); }));
  EXPECT_EQ(get_u16(&tun.written()[0][42]), 1456);
}

TEST_F(ClientTest, GreForAnotherCallOrFromAnotherAddressIsDropped) {
  PeerCall& s = bring_up();
  test::FakeTun& tun = *platform->tuns()[0];
  const Bytes packet = apptest::make_ip(ip("192.0.2.1"), kClientIp, 200, 1);
  const Bytes framed = s.frame_ip(packet, loop->now());
  ASSERT_FALSE(framed.empty());
  const uint64_t before = client->stats().gre_wrong_call;
  gre->inject_gre(ip("127.0.0.9"), kLoopback, framed);
  ASSERT_TRUE(run_until([&] { return client->stats().gre_wrong_call == before + 1; }));
  Bytes other_call = framed;
  put_u16(other_call.data() + 6, static_cast<uint16_t>(pac->requested->peer_call_id + 1));
  gre->inject_gre(kLoopback, kLoopback, other_call);
  ASSERT_TRUE(run_until([&] { return client->stats().gre_wrong_call == before + 2; }));
  EXPECT_TRUE(tun.written().empty());
  // The packet itself was good, and the dropped copies took nothing from it.
  gre->inject_gre(kLoopback, kLoopback, framed);
  ASSERT_TRUE(run_until([&] { return !tun.written().empty(); }));
  EXPECT_EQ(tun.written()[0], packet);
  EXPECT_EQ(client->stats().gre_wrong_call, before + 2);
}

TEST_F(ClientTest, HangupEndsEverythingAndExitsZero) {
  bring_up();
  client->hangup();
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitOk);
  EXPECT_EQ(client->stage(), Client::Stage::kFinished);
  EXPECT_EQ(pac->call->ip_down, 1);
  EXPECT_TRUE(pac->cleared);
  ASSERT_TRUE(run_until([&] { return pac->closed; }));
  EXPECT_TRUE(platform->tuns().empty());
  EXPECT_FALSE(apptest::exists(dir.file("ppp0.pid")));
}

TEST_F(ClientTest, ServerEndingTheLinkExitsWithHangupStatus) {
  PeerCall& s = bring_up();
  s.close(*gre, loop->now());
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitHangup);
  EXPECT_TRUE(platform->tuns().empty());
  // The call is gone (our CDN): the client only stops the connection.
  EXPECT_FALSE(pac->cleared);
  ASSERT_TRUE(run_until([&] { return pac->closed; }));
}

TEST_F(ClientTest, InterfaceRemovedFromOutsideEndsTheLinkWithHangupStatus) {
  PeerCall& s = bring_up();
  ASSERT_EQ(platform->tuns().size(), 1u);
  const size_t asked = platform->link_control().journal().size();
  platform->remove_interface(*platform->tuns()[0]);
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitHangup);
  // The server heard the Terminate-Request (its IPCP went down) and
  // acknowledged it; the client cleared the call.
  EXPECT_EQ(s.ip_down, 1);
  EXPECT_TRUE(pac->cleared);
  EXPECT_TRUE(platform->tuns().empty());
  EXPECT_EQ(platform->link_control().journal().size(), asked);
  EXPECT_EQ(platform->link_control().calls_on_removed(), 0u);
  EXPECT_EQ(sink.lines_with("ppp0 was removed from outside pptpx: ending the link").size(), 1u);
  EXPECT_TRUE(sink.problems().empty()) << sink.problems()[0];
  EXPECT_FALSE(apptest::exists(dir.file("ppp0.pid")));
}

TEST_F(ClientTest, InterfaceSetDownFromOutsideEndsTheLink) {
  PeerCall& s = bring_up();
  ASSERT_EQ(platform->tuns().size(), 1u);
  platform->set_interface_down(*platform->tuns()[0]);
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitHangup);
  EXPECT_EQ(s.ip_down, 1);
  EXPECT_TRUE(platform->tuns().empty());
  EXPECT_EQ(sink.lines_with("ppp0 was set down from outside pptpx: ending the link").size(), 1u);
}

TEST_F(ClientTest, RefusedCallExitsWithConnectFailed) {
  refuse_calls = true;
  start_client();
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitConnectFailed);
  EXPECT_EQ(platform->tun_creations(), 0u);
}

TEST_F(ClientTest, NoServerExitsWithConnectFailed) {
  // A port that is bound but not listening refuses connections, and no
  // other test can take it meanwhile.
  io::Fd bound(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(kLoopback.value);
  socklen_t len = sizeof sa;
  ASSERT_EQ(::bind(bound.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::getsockname(bound.get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
  port = ntohs(sa.sin_port);
  start_client();
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitConnectFailed);
}

TEST_F(ClientTest, NoInterfaceExitsFatal) {
  tun_error = std::make_error_code(std::errc::no_such_device);
  start_client();
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitFatal);
  EXPECT_FALSE(link_up);
  EXPECT_EQ(platform->tun_creations(), 0u);
}

TEST_F(ClientTest, ScriptsRunInPppdsOrderWithItsArgumentsWithoutBlockingTheLoop) {
  apptest::write_recording_script(dir.path(), "ip-pre-up", "release-pre");
  apptest::write_recording_script(dir.path(), "ip-up", "release-up");
  apptest::write_recording_script(dir.path(), "ip-down", "", "ip-up");
  start_client();

  // ip-pre-up runs with the addresses set and the interface down; the
  // loop goes on meanwhile (IP from the server is counted, not delivered).
  ASSERT_TRUE(run_until([&] {
    return apptest::exists(dir.file("ip-pre-up.started")) && pac && pac->call &&
           pac->call->data_allowed() && gre->waiting() == 0;
  }));
  ASSERT_EQ(platform->tuns().size(), 1u);
  test::FakeTun& tun = *platform->tuns()[0];
  const test::FakeLinks::Link* link = platform->link_control().find(tun.ifindex());
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->addresses.size(), 1u);
  EXPECT_FALSE(link->up);
  PeerCall& s = *pac->call;
  s.send_ip(*gre, apptest::make_ip(ip("192.0.2.1"), kClientIp, 80, 0), loop->now());
  ASSERT_TRUE(run_until([&] { return client->stats().data_before_up == 1; }));
  EXPECT_FALSE(link_up);
  EXPECT_FALSE(apptest::exists(dir.file("ip-up.started")));

  apptest::write_file(dir.file("release-pre"), "");
  ASSERT_TRUE(run_until([&] { return link_up && apptest::exists(dir.file("ip-up.started")); }));
  EXPECT_EQ(link->up, true);
  EXPECT_EQ(link->mtu, 1496u);
  s.send_ip(*gre, apptest::make_ip(ip("192.0.2.1"), kClientIp, 100, 1), loop->now());
  tun.inject(apptest::make_ip(kClientIp, ip("192.0.2.1"), 250, 2));
  ASSERT_TRUE(run_until([&] { return tun.written().size() == 1 && s.ip_in.size() == 1; }));

  // Hung up while ip-up runs: ip-down waits for it, and so does the end.
  client->hangup();
  ASSERT_TRUE(run_until([&] { return platform->tuns().empty(); }));
  EXPECT_FALSE(status);
  expect_ip_down_after_ip_up("release-up");
  ASSERT_TRUE(run_until([&] { return status.has_value(); }));
  EXPECT_EQ(*status, kExitOk);

  // pppd's arguments: interface, device (the interface for a pty link),
  // the pty's speed, local and remote address, ipparam.
  const std::vector<std::string> args = {"ppp0",      "ppp0",      "38400",
                                         "10.20.0.2", "10.20.0.1", "office"};
  const std::map<std::string, std::string> env = {
      {"IFNAME", "ppp0"},    {"IPLOCAL", "10.20.0.2"}, {"IPREMOTE", "10.20.0.1"},
      {"IPPARAM", "office"}, {"CALL_FILE", "test"},    {"DNS1", "10.20.0.53"},
      {"USEPEERDNS", "1"}};
  // At ip-down the totals too: 250 octets out; in, the 80 octets that came
  // while ip-pre-up ran count with the 100 after: the call counts what it
  // received, whether pppN took it or not (as the kernel's ppp unit counts
  // rx_bytes before its NPMODE check).
  apptest::expect_script_runs(
      dir.path(), {"ip-pre-up", "ip-up"}, args, env,
      {{"CONNECT_TIME", "0"}, {"BYTES_SENT", "250"}, {"BYTES_RCVD", "180"}});
}

}  // namespace
}  // namespace pptpx::client
