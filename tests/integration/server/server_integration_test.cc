// SPDX-License-Identifier: MIT
// Integration tests of pptpxd: the real binary in its own network namespace,
// driven by an in-test PPTP client (pptp_client.h) over a veth pair. Covers
// a whole MS-CHAPv2 + MPPE-128 session with traffic through the server's
// kernel, authentication failure, malformed TCP, GRE and PPP input against
// a live server, MPPE variants, and SIGTERM shutdown.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <regex>
#include <string>
#include <variant>
#include <vector>

#include "base/hex.h"
#include "integration/server/lab.h"
#include "integration/server/pptp_client.h"
#include "proto/ppp/frame.h"
#include "proto/ppp/protocols.h"

namespace pptpx::integ {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Ipv4 kLocal = *Ipv4::parse("10.10.0.1");    // server end of the tunnel
const Ipv4 kRemote = *Ipv4::parse("10.10.0.10");  // first remoteip address
const char* kPpp0Inet = "inet 10.10.0.1 peer 10.10.0.10/32";

class ServerIntegration : public ::testing::Test {
 protected:
  void start_lab(const LabOptions& opts = {}) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    lab_ = std::make_unique<Lab>(opts);
    ASSERT_TRUE(lab_->ok()) << lab_->error();
  }
  void SetUp() override { start_lab(); }
  void TearDown() override {
    // PPTPX_IT_DEBUG also prints the server's log of passing tests.
    if (lab_ && (HasFailure() || std::getenv("PPTPX_IT_DEBUG")))
      std::printf("---- pptpxd log ----\n%s\n", lab_->server_log().c_str());
    lab_.reset();
  }

  // Starts a client and runs it until IPCP and CCP are both up.
  void bring_up(PptpClient& c) {
    ASSERT_TRUE(c.start()) << c.error();
    ASSERT_TRUE(c.run_until([&] { return c.ip_up_ && c.ccp_up_; }, milliseconds(6000)))
        << "session did not come up; auth failed: "
        << (c.auth_failed_ ? c.auth_failed_->reason : "-")
        << ", finished: " << (c.finished_ ? c.finished_->reason : "-");
  }

  // Waits until the server's ppp0 shows `needle` (or, with needle "", is gone).
  bool wait_ppp0(const std::string& needle, milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::string s = lab_->server_addr_show("ppp0");
      if (needle.empty() ? s.empty() : s.find(needle) != std::string::npos) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      usleep(20000);
    }
  }

  // A fresh client completes a session and passes a ping: the server still serves.
  void expect_good_client(uint16_t call_id) {
    ClientOptions o;
    o.call_id = call_id;
    PptpClient c(o);
    bring_up(c);
    ASSERT_TRUE(c.ip_up_);
    EXPECT_EQ(c.ip_up_->local, kRemote);
    EXPECT_TRUE(c.ping(kRemote, kLocal, 0x7777, 9, milliseconds(3000)));
    EXPECT_TRUE(lab_->server_alive());
  }

  // The drop counters from a SIGUSR2 stats line.
  struct Stats {
    uint64_t connections = 0, malformed = 0, unknown_call = 0, wrong_peer = 0;
    uint64_t refused_per_source = 0;  // over waiting-per-source
  };
  std::optional<Stats> server_stats() {
    size_t before = count_stats_lines();
    kill(lab_->server_pid(), SIGUSR2);
    auto end = std::chrono::steady_clock::now() + seconds(2);
    while (count_stats_lines() == before && std::chrono::steady_clock::now() < end) usleep(20000);
    std::string log = lab_->server_log();
    size_t at = log.rfind("stats: ");
    if (at == std::string::npos) return std::nullopt;
    std::string line = log.substr(at, log.find('\n', at) - at);
    // Fields are found by name so the line may grow new counters.
    auto field = [&](const char* re, uint64_t& out) {
      std::smatch m;
      if (!std::regex_search(line, m, std::regex(re))) return false;
      out = std::stoull(m[1]);
      return true;
    };
    Stats s;
    if (!field(R"(connections (\d+))", s.connections) ||
        !field(R"(per source (\d+))", s.refused_per_source) ||
        !field(R"(GRE dropped:[^|]*\bmalformed (\d+))", s.malformed) ||
        !field(R"(unknown-call (\d+))", s.unknown_call) ||
        !field(R"(wrong-peer (\d+))", s.wrong_peer))
      return std::nullopt;
    return s;
  }
  size_t count_stats_lines() {
    std::string log = lab_->server_log();
    size_t n = 0;
    for (size_t p = log.find("stats: "); p != std::string::npos; p = log.find("stats: ", p + 1))
      ++n;
    return n;
  }

  std::unique_ptr<Lab> lab_;
};

template <typename T>
size_t count_events(const std::vector<pptp::ControlEvent>& v) {
  size_t n = 0;
  for (const auto& e : v) n += std::holds_alternative<T>(e) ? 1 : 0;
  return n;
}

template <typename T>
const T* find_event(const std::vector<pptp::ControlEvent>& v) {
  for (const auto& e : v)
    if (auto* p = std::get_if<T>(&e)) return p;
  return nullptr;
}

bool has_session_event_ipdown(const std::vector<ppp::SessionEvent>& v) {
  for (const auto& e : v)
    if (std::holds_alternative<ppp::event::IpDown>(e)) return true;
  return false;
}

// ---- 1. a whole session ----

TEST_F(ServerIntegration, FullSessionMppe128PingAndHangup) {
  PptpClient c;
  bring_up(c);
  if (HasFatalFailure()) return;

  ASSERT_EQ(count_events<pptp::Established>(c.control_events), 1u);
  const auto* connected = find_event<pptp::CallConnected>(c.control_events);
  ASSERT_NE(connected, nullptr);
  EXPECT_EQ(connected->our_call_id, c.our_call_id());
  EXPECT_NE(connected->peer_call_id, 0);
  EXPECT_EQ(c.ip_up_->local, kRemote);
  EXPECT_EQ(c.ip_up_->remote, kLocal);
  ASSERT_TRUE(c.ip_up_->dns1.has_value());
  EXPECT_EQ(*c.ip_up_->dns1, kLocal);
  // pppd: a single ms-dns is both the primary and the secondary server.
  ASSERT_TRUE(c.ip_up_->dns2.has_value());
  EXPECT_EQ(*c.ip_up_->dns2, kLocal);
  EXPECT_EQ(c.ccp_up_->key_bits, 128);
  EXPECT_TRUE(c.ccp_up_->stateless);

  ASSERT_TRUE(wait_ppp0(kPpp0Inet, milliseconds(2000))) << lab_->server_addr_show("ppp0");
  EXPECT_NE(lab_->server_addr_show("ppp0").find("ppp0"), std::string::npos);

  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x1234, 1, milliseconds(3000)));
  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x1234, 2, milliseconds(3000)));
  EXPECT_EQ(c.mppe_errors, 0u);
  // Only IPv4 may come through: IPV6CP is not negotiated (no +ipv6), so
  // nothing the server's kernel sends on ppp0 over IPv6 may be tunnelled.
  c.run_for(milliseconds(300));
  for (const Bytes& p : c.ip_in) {
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p[0] >> 4, 4) << "non-IPv4 packet sent as PPP IP: "
                            << to_hex(ByteView(p.data(), std::min<size_t>(p.size(), 64)));
  }

  c.close_session("User request");
  ASSERT_TRUE(c.run_until([&] { return c.finished(); }, milliseconds(3000)));
  c.hangup();
  ASSERT_TRUE(c.run_until([&] { return c.control().closed(); }, milliseconds(4000)))
      << "control connection not closed";
  EXPECT_TRUE(wait_ppp0("", milliseconds(2000))) << lab_->server_addr_show("ppp0");

  ASSERT_TRUE(lab_->wait_log("connection terminated after", milliseconds(2000)));
  std::string log = lab_->server_log();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      log, m,
      std::regex(
          R"(connection terminated after \d+ s: sent (\d+) bytes, received (\d+) bytes, user user1)")))
      << log;
  uint64_t sent = std::stoull(m[1]), received = std::stoull(m[2]);
  // Each echo request and reply is 60 octets of IPv4; at least two each.
  EXPECT_GE(received, 120u);
  EXPECT_EQ(received % 60, 0u);
  EXPECT_GE(sent, 120u);
  EXPECT_NE(log.find("user user1 authenticated with MS-CHAP-v2"), std::string::npos);
  EXPECT_NE(log.find("MPPE 128-bit stateless compression enabled"), std::string::npos);
  EXPECT_TRUE(lab_->server_alive());
}

// The Outgoing-Call-Reply must reach the client before the first GRE
// packet of the call: a client (the Linux kernel's pptp socket included)
// has no call to deliver GRE to until then and drops it, which costs a full
// LCP restart interval (3 s) before the link comes up.
TEST_F(ServerIntegration, NoGreBeforeOutgoingCallReply) {
  ClientOptions o;
  o.keep_early_gre = false;
  PptpClient c(o);
  auto t0 = std::chrono::steady_clock::now();
  bring_up(c);
  if (HasFatalFailure()) return;
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_EQ(c.early_gre, 0u) << "GRE packets arrived before the Outgoing-Call-Reply";
  EXPECT_LT(took.count(), 2000) << "the session took " << took.count() << " ms to come up";
}

// ---- 2. wrong password ----

TEST_F(ServerIntegration, WrongPasswordFailsWith691ThenGoodClientConnects) {
  {
    ClientOptions o;
    o.password = "not-the-secret";
    PptpClient bad(o);
    ASSERT_TRUE(bad.start()) << bad.error();
    ASSERT_TRUE(bad.run_until([&] { return bad.auth_failed_.has_value(); }, milliseconds(8000)));
    EXPECT_NE(bad.auth_failed_->reason.find("E=691"), std::string::npos)
        << bad.auth_failed_->reason;
    EXPECT_FALSE(bad.ip_up());
    EXPECT_TRUE(bad.run_until([&] { return bad.finished(); }, milliseconds(3000)));
    ASSERT_TRUE(lab_->wait_log("peer user1 failed: bad password", milliseconds(2000)));
    bad.hangup();
    bad.run_until([&] { return bad.control().closed(); }, milliseconds(3000));
  }
  EXPECT_EQ(lab_->server_addr_show("ppp0"), "");
  expect_good_client(0x5001);
}

// ---- 4a. malformed TCP ----

int tcp_connect() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(1723);
  inet_pton(AF_INET, kServerAddr, &a.sin_addr);
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends data and reads until the server closes (true) or 3 s pass (false).
// What the server sent before closing goes to *got.
bool send_expect_close(ByteView data, Bytes* got = nullptr) {
  int fd = tcp_connect();
  if (fd < 0) return false;
  send(fd, data.data(), data.size(), MSG_NOSIGNAL);
  bool closed = false;
  uint8_t buf[1024];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (got) got->insert(got->end(), buf, buf + n);
      continue;
    }
    closed = n == 0 || errno == ECONNRESET;
    break;
  }
  close(fd);
  return closed;
}

Bytes sccrq_bytes() {
  pptp::ClientControl cc(pptp::ClientControlConfig{}, Logger(), Clock::now());
  cc.start(Clock::now());
  return cc.take_output();
}

TEST_F(ServerIntegration, MalformedTcpInputIsRefusedAndServerKeepsServing) {
  Bytes sccrq = sccrq_bytes();
  ASSERT_EQ(sccrq.size(), 156u);

  std::string http = "GET / HTTP/1.0\r\n\r\n";
  EXPECT_TRUE(send_expect_close(as_bytes(http))) << "garbage";

  Bytes bad_cookie = sccrq;
  bad_cookie[4] ^= 0xff;
  EXPECT_TRUE(send_expect_close(bad_cookie)) << "bad magic cookie";

  {
    int fd = tcp_connect();
    ASSERT_GE(fd, 0);
    send(fd, sccrq.data(), 50, MSG_NOSIGNAL);
    close(fd);
  }

  Bytes oversized = {0xff, 0xff, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00};
  EXPECT_TRUE(send_expect_close(oversized)) << "length 0xFFFF";

  // A valid SCCRQ, then an Outgoing-Call-Request whose Length says 100
  // (the message is 168 octets).
  Bytes two = sccrq;
  Bytes ocrq(100, 0);
  put_u16(&ocrq[0], 100);
  put_u16(&ocrq[2], 1);
  put_u32(&ocrq[4], 0x1A2B3C4D);
  put_u16(&ocrq[8], 7);
  put_u16(&ocrq[12], 0x2222);
  two.insert(two.end(), ocrq.begin(), ocrq.end());
  Bytes reply;
  EXPECT_TRUE(send_expect_close(two, &reply)) << "OCRQ with a wrong length";
  ASSERT_GE(reply.size(), 16u);
  EXPECT_EQ(get_u16(&reply[0]), 156);  // SCCRP
  EXPECT_EQ(get_u16(&reply[8]), 2);
  EXPECT_EQ(reply[12], 1);  // Result Code: OK

  std::vector<int> fds;
  for (int i = 0; i < 50; ++i) {
    int fd = tcp_connect();
    EXPECT_GE(fd, 0) << "connection " << i;
    if (fd >= 0) fds.push_back(fd);
  }
  for (int fd : fds) close(fd);
  // The good client comes from the same address: it is served once the
  // server has seen all 50 come and go (each stats line is a turn of its
  // loop; closes then wait at most one more turn).
  for (int i = 0; i < 50; ++i) {
    auto st = server_stats();
    if (st && st->connections + st->refused_per_source >= 55) break;
  }
  (void)server_stats();

  ASSERT_TRUE(lab_->server_alive());
  expect_good_client(0x5002);
  EXPECT_NE(lab_->server_log().find("bad magic cookie"), std::string::npos);
  EXPECT_NE(lab_->server_log().find("impossible message length"), std::string::npos);
  EXPECT_NE(lab_->server_log().find("bad message length"), std::string::npos);
  auto st = server_stats();
  ASSERT_TRUE(st);
  // 5 single connections + 50 + the good client; of the 50 from one
  // address only waiting-per-source (4) wait at once, the rest are refused.
  EXPECT_EQ(st->connections + st->refused_per_source, 56u);
  EXPECT_GE(st->connections, 10u);
}

// ---- 4b. malformed GRE ----

Bytes gre_header(uint8_t b0, uint8_t b1, uint16_t proto, uint16_t len, uint16_t call_id,
                 uint32_t seq) {
  Bytes h(12);
  h[0] = b0;
  h[1] = b1;
  put_u16(&h[2], proto);
  put_u16(&h[4], len);
  put_u16(&h[6], call_id);
  put_u32(&h[8], seq);
  return h;
}

TEST_F(ServerIntegration, MalformedGreIsDroppedAndSessionKeepsWorking) {
  PptpClient c;
  bring_up(c);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x2000, 1, milliseconds(3000)));
  auto before = server_stats();
  ASSERT_TRUE(before);

  uint16_t cid = *c.peer_call_id();
  // LCP Terminate-Request: fatal to the session if the server took it.
  const Bytes term = {0xff, 0x03, 0xc0, 0x21, 0x05, 0x77, 0x00, 0x04};
  auto with = [&](Bytes h, const Bytes& payload) {
    h.insert(h.end(), payload.begin(), payload.end());
    return h;
  };
  constexpr uint32_t kFarSeq = 0x40000000;
  constexpr int kRounds = 3;
  uint16_t unknown = static_cast<uint16_t>(cid ^ 0x8000);
  if (unknown == 0) unknown = 1;

  int wrong_src = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
  ASSERT_GE(wrong_src, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, kClientAddr2, &local.sin_addr);
  sockaddr_in srv{};
  srv.sin_family = AF_INET;
  inet_pton(AF_INET, kServerAddr, &srv.sin_addr);
  ASSERT_EQ(bind(wrong_src, reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
  ASSERT_EQ(connect(wrong_src, reinterpret_cast<sockaddr*>(&srv), sizeof srv), 0);

  for (int i = 0; i < kRounds; ++i) {
    uint32_t seq = kFarSeq + static_cast<uint32_t>(i);
    c.send_raw_gre(with(gre_header(0x30, 0x00, 0x880B, 8, cid, seq), term));      // version 0
    c.send_raw_gre(with(gre_header(0x30, 0x01, 0x0800, 8, cid, seq), term));      // protocol
    c.send_raw_gre(with(gre_header(0x10, 0x01, 0x880B, 8, cid, seq), term));      // K clear
    c.send_raw_gre(with(gre_header(0x30, 0x01, 0x880B, 200, cid, seq), term));    // length
    c.send_raw_gre(with(gre_header(0x30, 0x01, 0x880B, 8, unknown, seq), term));  // call ID
    Bytes spoof = with(gre_header(0x30, 0x01, 0x880B, 8, cid, seq), term);
    send(wrong_src, spoof.data(), spoof.size(), 0);
  }
  close(wrong_src);
  c.run_for(milliseconds(300));

  EXPECT_FALSE(c.finished());
  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x2000, 2, milliseconds(3000)));
  auto after = server_stats();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->malformed - before->malformed, 4u * kRounds);
  EXPECT_EQ(after->unknown_call - before->unknown_call, 1u * kRounds);
  EXPECT_EQ(after->wrong_peer - before->wrong_peer, 1u * kRounds);
  std::string log = lab_->server_log();
  EXPECT_NE(log.find("dropped: bad version"), std::string::npos);
  EXPECT_NE(log.find("dropped: bad protocol"), std::string::npos);
  EXPECT_NE(log.find("dropped: no key"), std::string::npos);
  EXPECT_NE(log.find("dropped: bad payload length"), std::string::npos);
  EXPECT_NE(log.find(std::string("from ") + kClientAddr2 + " dropped (peer is " + kClientAddr),
            std::string::npos);
  EXPECT_EQ(log.find("interface ppp0 removed"), std::string::npos);
}

// ---- 4c. garbage PPP inside valid GRE ----

TEST_F(ServerIntegration, GarbagePppIsHandledAndSessionStaysUp) {
  PptpClient c;
  bring_up(c);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x3000, 1, milliseconds(3000)));
  size_t frames_before = c.control_frames.size();

  const Bytes random = {0x5a, 0x13, 0x77, 0xe1, 0x09, 0xc4, 0x3b, 0x88, 0x01, 0xfe,
                        0x6d, 0x20, 0x9a, 0x47, 0x11, 0xd0, 0x2c, 0x85, 0xbb, 0x03};
  c.send_ppp_frame(random);
  // LCP Configure-Request claiming 255 octets with 8 present.
  c.send_ppp_frame(Bytes{0xff, 0x03, 0xc0, 0x21, 0x01, 0x44, 0x00, 0xff, 0x01, 0x04, 0x05, 0xdc});
  // LCP packet shorter than its header.
  c.send_ppp_frame(Bytes{0xff, 0x03, 0xc0, 0x21, 0x09, 0x45, 0x00, 0x02});
  // An unknown protocol: the server must Protocol-Reject it.
  const Bytes unknown_info = {0x01, 0x31, 0x00, 0x06, 0xaa, 0xbb};
  c.send_ppp(0x80A1, unknown_info);
  // IPCP Configure-Request whose option runs past the packet.
  c.send_ppp(ppp::kProtoIpcp, Bytes{0x01, 0x52, 0x00, 0x09, 0x03, 0x06, 0x0a, 0x0a, 0x00});
  // CCP Reset-Request: answered with Reset-Ack, same identifier.
  c.send_ppp(ppp::kProtoCcp, Bytes{0x0e, 0x21, 0x00, 0x04});

  auto find_frame = [&](uint16_t proto, uint8_t code, uint8_t id) -> const ReceivedFrame* {
    for (size_t i = frames_before; i < c.control_frames.size(); ++i) {
      const auto& f = c.control_frames[i];
      if (f.protocol == proto && f.info.size() >= 4 && f.info[0] == code && f.info[1] == id)
        return &f;
    }
    return nullptr;
  };
  auto find_code = [&](uint16_t proto, uint8_t code) -> const ReceivedFrame* {
    for (size_t i = frames_before; i < c.control_frames.size(); ++i) {
      const auto& f = c.control_frames[i];
      if (f.protocol == proto && f.info.size() >= 4 && f.info[0] == code) {
        if (code == ppp::kProtocolReject && get_u16(&f.info[4]) != 0x80A1) continue;
        return &f;
      }
    }
    return nullptr;
  };
  ASSERT_TRUE(c.run_until(
      [&] {
        return find_code(ppp::kProtoLcp, ppp::kProtocolReject) &&
               find_frame(ppp::kProtoCcp, ppp::kResetAck, 0x21);
      },
      milliseconds(3000)))
      << "no Protocol-Reject for 0x80A1 or no CCP Reset-Ack";
  const ReceivedFrame* rej = find_code(ppp::kProtoLcp, ppp::kProtocolReject);
  ASSERT_EQ(rej->info.size(), 4u + 2u + unknown_info.size());
  EXPECT_EQ(get_u16(&rej->info[2]), rej->info.size());
  EXPECT_EQ(get_u16(&rej->info[4]), 0x80A1);
  EXPECT_EQ(Bytes(rej->info.begin() + 6, rej->info.end()), unknown_info);
  const ReceivedFrame* ack = find_frame(ppp::kProtoCcp, ppp::kResetAck, 0x21);
  EXPECT_EQ(ack->info, (Bytes{0x0f, 0x21, 0x00, 0x04}));

  c.run_for(milliseconds(200));
  // Nothing may have restarted a layer: no LCP or IPCP Configure-Request.
  EXPECT_EQ(find_code(ppp::kProtoLcp, ppp::kConfigureRequest), nullptr);
  EXPECT_EQ(find_code(ppp::kProtoIpcp, ppp::kConfigureRequest), nullptr);
  EXPECT_FALSE(c.finished());
  EXPECT_FALSE(has_session_event_ipdown(c.session_events));
  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x3000, 2, milliseconds(3000)));
  EXPECT_EQ(c.mppe_errors, 0u);
  EXPECT_TRUE(wait_ppp0(kPpp0Inet, milliseconds(500)));
  EXPECT_EQ(lab_->server_log().find("interface ppp0 removed"), std::string::npos);
  EXPECT_TRUE(lab_->server_alive());
}

// ---- 5. SIGTERM ----

TEST_F(ServerIntegration, SigtermEndsSessionsCleanlyAndExitsZero) {
  PptpClient c;
  bring_up(c);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(c.ping(kRemote, kLocal, 0x4000, 1, milliseconds(3000)));
  ASSERT_TRUE(wait_ppp0(kPpp0Inet, milliseconds(2000)));
  size_t frames_before = c.control_frames.size();

  pid_t pid = lab_->server_pid();
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  ASSERT_TRUE(c.run_until([&] { return c.finished() && c.control().closed(); }, milliseconds(5000)))
      << "finished " << c.finished() << " control closed " << c.control().closed();

  bool saw_term = false;
  for (size_t i = frames_before; i < c.control_frames.size(); ++i) {
    const auto& f = c.control_frames[i];
    if (f.protocol == ppp::kProtoLcp && !f.info.empty() && f.info[0] == ppp::kTerminateRequest)
      saw_term = true;
  }
  EXPECT_TRUE(saw_term) << "no LCP Terminate-Request from the server";
  const auto* cdn = find_event<pptp::CallDisconnected>(c.control_events);
  ASSERT_NE(cdn, nullptr) << "no Call-Disconnect-Notify";
  EXPECT_EQ(cdn->our_call_id, c.our_call_id());
  const auto* closed = find_event<pptp::Closed>(c.control_events);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->reason, "server sent Stop-Control-Connection-Request");

  auto st = lab_->signal_and_wait(0, milliseconds(4000));
  ASSERT_TRUE(st.has_value()) << "pptpxd did not exit";
  EXPECT_TRUE(WIFEXITED(*st));
  EXPECT_EQ(WEXITSTATUS(*st), 0);
  EXPECT_EQ(lab_->server_addr_show("ppp0"), "");
  std::string log = lab_->server_log();
  EXPECT_NE(log.find("terminating on signal 15"), std::string::npos);
  EXPECT_NE(log.find("exiting"), std::string::npos);
  EXPECT_EQ(log.find("shutdown grace period over"), std::string::npos);
}

// ---- MPPE variants ----

class ServerIntegrationVariant : public ServerIntegration {
 protected:
  void SetUp() override {}
};

TEST_F(ServerIntegrationVariant, Mppe40) {
  LabOptions lo;
  lo.mppe_line = "require-mppe-40";
  start_lab(lo);
  if (HasFatalFailure() || IsSkipped()) return;
  ClientOptions o;
  o.mppe.allow_40 = true;
  o.mppe.allow_128 = false;
  PptpClient c(o);
  bring_up(c);
  if (HasFatalFailure()) return;
  EXPECT_EQ(c.ccp_up_->key_bits, 40);
  EXPECT_TRUE(c.ccp_up_->stateless);
  EXPECT_TRUE(c.ping(kRemote, kLocal, 0x4040, 1, milliseconds(3000)));
}

// mppe-stateful allows stateful MPPE but, as with pppd, a client offering
// stateless (ours always does first) gets stateless.
TEST_F(ServerIntegrationVariant, Mppe128StatefulAllowedStillNegotiatesStateless) {
  LabOptions lo;
  lo.extra_options = "mppe-stateful";
  start_lab(lo);
  if (HasFatalFailure() || IsSkipped()) return;
  ClientOptions o;
  o.mppe.allow_stateful = true;
  PptpClient c(o);
  bring_up(c);
  if (HasFatalFailure()) return;
  EXPECT_EQ(c.ccp_up_->key_bits, 128);
  EXPECT_TRUE(c.ccp_up_->stateless);
  for (uint16_t seq = 1; seq <= 3; ++seq)
    EXPECT_TRUE(c.ping(kRemote, kLocal, 0x4128, seq, milliseconds(3000))) << seq;
  EXPECT_EQ(c.mppe_errors, 0u);
}

// proxyarp: a client address inside the server's LAN subnet is published
// as a proxy ARP entry on the LAN interface, and withdrawn at hang-up.
TEST_F(ServerIntegrationVariant, ProxyArpPublishesTheClientOnTheLan) {
  LabOptions lo;
  lo.remoteip = "192.168.88.50-60";
  start_lab(lo);
  if (HasFatalFailure() || IsSkipped()) return;
  PptpClient c(ClientOptions{});
  bring_up(c);
  if (HasFatalFailure()) return;
  EXPECT_EQ(c.ip_up_->local, *Ipv4::parse("192.168.88.50"));
  auto proxy_entries = [&] {
    std::string out;
    run_command("ip -n " + lab_->server_ns() + " neigh show proxy", &out);
    return out;
  };
  std::string before = proxy_entries();
  EXPECT_NE(before.find("192.168.88.50"), std::string::npos) << before;
  EXPECT_TRUE(lab_->wait_log("proxy ARP entry for 192.168.88.50 published", milliseconds(1000)));
  c.close_session("User request");
  ASSERT_TRUE(c.run_until([&] { return c.finished(); }, milliseconds(3000)));
  c.hangup();
  c.run_until([&] { return c.control().closed(); }, milliseconds(4000));
  EXPECT_TRUE(wait_ppp0("", milliseconds(3000)));
  std::string after = proxy_entries();
  EXPECT_EQ(after.find("192.168.88.50"), std::string::npos) << after;
}

}  // namespace
}  // namespace pptpx::integ
