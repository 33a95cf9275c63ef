// SPDX-License-Identifier: MIT
#include "unit/app/peer.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/overloaded.h"
#include "crypto/crypto.h"
#include "proto/gre/gre.h"
#include "proto/pptp/client_control.h"
#include "proto/pptp/server_control.h"

namespace pptpx::apptest {

void TestSink::write(LogLevel level, std::string_view line) {
  if (level <= LogLevel::kNotice || keep_all_) kept_.emplace_back(level, line);
  if (std::getenv("APP_TEST_LOG"))
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

bool TestSink::enabled(LogLevel level) const {
  return level <= LogLevel::kNotice || keep_all_ || std::getenv("APP_TEST_LOG") != nullptr;
}

std::vector<std::string> TestSink::lines_with(std::string_view text) const {
  std::vector<std::string> out;
  for (const auto& [level, l] : kept_)
    if (l.find(text) != std::string::npos) out.push_back(l);
  return out;
}

std::vector<std::string> TestSink::problems() const {
  std::vector<std::string> out;
  for (const auto& [level, l] : kept_)
    if (level <= LogLevel::kWarning) out.push_back(l);
  return out;
}

void write_file(const std::string& path, const std::string& text, bool executable) {
  std::ofstream(path, std::ios::trunc) << text;
  ::chmod(path.c_str(), executable ? 0755 : 0644);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::map<std::string, std::string> read_env(const std::string& path) {
  std::map<std::string, std::string> env;
  for (const std::string& line : read_lines(path))
    if (auto eq = line.find('='); eq != std::string::npos)
      env[line.substr(0, eq)] = line.substr(eq + 1);
  return env;
}

void expect_env(const std::string& path, const std::map<std::string, std::string>& has,
                const std::vector<std::string>& lacks) {
  const std::map<std::string, std::string> env = read_env(path);
  for (const auto& [name, value] : has) {
    auto it = env.find(name);
    EXPECT_TRUE(it != env.end() && it->second == value)
        << path << ": " << name << " is " << (it == env.end() ? "missing" : "'" + it->second + "'")
        << ", not '" << value << "'";
  }
  for (const std::string& name : lacks) EXPECT_EQ(env.count(name), 0u) << path << ": " << name;
}

void expect_script_runs(const std::string& dir, const std::vector<std::string>& up_scripts,
                        const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        const std::map<std::string, std::string>& totals) {
  std::vector<std::string> total_names;
  total_names.reserve(totals.size());
  for (const auto& [name, value] : totals) total_names.push_back(name);
  for (const std::string& s : up_scripts) {
    EXPECT_EQ(read_lines(dir + "/" + s + ".args"), args) << s;
    expect_env(dir + "/" + s + ".env", env, total_names);
  }
  EXPECT_EQ(read_lines(dir + "/ip-down.args"), args);
  std::map<std::string, std::string> at_down = env;
  at_down.insert(totals.begin(), totals.end());
  expect_env(dir + "/ip-down.env", at_down);
}

void write_recording_script(const std::string& dir, const std::string& name,
                            const std::string& gate, const std::string& after) {
  // The environment is exactly what the application gives: no PATH.
  const std::string base = dir + "/" + name;
  std::string text = "#!/bin/sh\n";
  if (!after.empty())
    text += "if [ -e " + dir + "/" + after + ".done ]; then echo yes; else echo no; fi > " + base +
            ".after\n";
  text += "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + base + ".args\n";
  text += "/usr/bin/env > " + base + ".env\n";
  text += ": > " + base + ".started\n";
  if (!gate.empty())
    text += "i=0\nwhile [ ! -e " + dir + "/" + gate +
            " ] && [ $i -lt 2000 ]; do /bin/sleep 0.01; i=$((i+1)); done\n";
  text += ": > " + base + ".done\n";
  write_file(base, text, true);
}

Bytes make_ip(Ipv4 src, Ipv4 dst, size_t size, uint8_t fill) {
  Bytes payload(size - 20);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(fill + i);
  return test::ipv4_datagram(src, dst, 17, payload);
}

Bytes make_tcp_syn(Ipv4 src, Ipv4 dst, uint16_t mss) {
  Bytes tcp(24, 0);
  tcp[12] = 0x60;  // data offset: 24 octets
  tcp[13] = 0x02;  // SYN
  tcp[20] = 2;     // MSS
  tcp[21] = 4;
  put_u16(&tcp[22], mss);
  return test::ipv4_datagram(src, dst, 6, tcp);
}

session::CallConfig peer_call_config(ppp::Role role, uint16_t peer_call_id) {
  session::CallConfig c;
  ppp::SessionConfig& s = c.ppp;
  s.role = role;
  s.auth.allowed = {ppp::AuthProtocol::kMsChapV2};
  s.auth.authenticator.our_name = "pptpd";
  s.auth.authenticatee.user = "user1";
  s.lcp.echo_interval = Duration::zero();
  s.ipcp_client.request_dns = true;
  c.gre.peer_call_id = peer_call_id;
  // What the tests look at is the application's MSS clamping, not ours.
  c.mss_clamp = false;
  return c;
}

// ---- PeerCall ----

PeerCall::PeerCall(const session::CallConfig& cfg, Rng& rng, Logger log, Time now, Ipv4 self,
                   Ipv4 app)
    : call_(cfg, rng, std::move(log), now), self_(self), app_(app), buf_(4096) {}

void PeerCall::receive(const test::SentGre& pkt, test::FakeGre& gre, Time now) {
  Bytes b = pkt.bytes;
  auto g = gre::parse(b);
  if (!g.ok()) return;
  if (!call_.opened()) call_.open(now);
  // The payload lies in our own copy: decrypted in place.
  MutableByteView payload(b.data() + (g.packet.payload.data() - b.data()), g.packet.payload.size());
  ByteView ip = call_.receive(g.packet.header, payload, now);
  if (!ip.empty()) ip_in.emplace_back(ip.begin(), ip.end());
  for (ByteView r = call_.next_released(now); !r.empty(); r = call_.next_released(now))
    ip_in.emplace_back(r.begin(), r.end());
  service(gre, now);
}

Bytes PeerCall::frame_ip(ByteView ip, Time now) {
  Bytes buf(session::kHeadroom + ip.size() + 64);
  std::memcpy(buf.data() + session::kHeadroom, ip.data(), ip.size());
  ByteView pkt = call_.send_ip(buf.data(), ip.size(), now);
  return Bytes(pkt.begin(), pkt.end());
}

void PeerCall::send_ip(test::FakeGre& gre, ByteView ip, Time now) {
  Bytes pkt = frame_ip(ip, now);
  if (!pkt.empty()) gre.inject_gre(self_, app_, pkt);
  service(gre, now);
}

void PeerCall::close(test::FakeGre& gre, Time now) {
  call_.close("User request", now);
  service(gre, now);
}

void PeerCall::service(test::FakeGre& gre, Time now) {
  if (call_.next_deadline() <= now) {
    call_.on_timer(now);
    for (ByteView r = call_.next_released(now); !r.empty(); r = call_.next_released(now))
      ip_in.emplace_back(r.begin(), r.end());
  }
  for (int guard = 0; guard < 64; ++guard) {
    bool any = false;
    while (auto ev = call_.poll_event()) {
      on_event(*ev, now);
      any = true;
    }
    for (;;) {
      ByteView pkt = call_.poll_transmit(buf_.data(), buf_.size(), now);
      if (pkt.empty()) break;
      gre.inject_gre(self_, app_, pkt);
      any = true;
    }
    if (!any) return;
  }
}

void PeerCall::on_event(session::CallEvent& ev, Time now) {
  namespace ce = session::call_event;
  std::visit(Overloaded{
                 [&](ce::SecretNeeded&) { call_.provide_secret(secret, now); },
                 [&](ce::Authenticated& a) {
                   if (a.side != ppp::AuthSide::kPeer || !network) return;
                   authenticated = true;
                   call_.start_network(*network, now);
                 },
                 [&](ce::AuthFailed&) { auth_failed = true; },
                 [&](ce::IpUp& up) {
                   ++ip_up;
                   last_up = up;
                 },
                 [&](ce::IpDown&) { ++ip_down; },
                 [&](ce::Finished& f) {
                   finished = true;
                   finish_reason = f.reason;
                 },
                 [&](auto&) {},
             },
             ev);
}

// ---- ControlPeer ----

template <class Core>
std::vector<pptp::ControlEvent> ControlPeer<Core>::pump(Time now) {
  uint8_t buf[4096];
  while (tcp_.is_open() && !eof_) {
    auto r = tcp_.read(MutableByteView(buf, sizeof buf));
    if (!r) {
      if (!io::would_block(r.error())) eof_ = true;
      break;
    }
    if (*r == 0) {
      eof_ = true;
      break;
    }
    core_.on_bytes(ByteView(buf, *r), now);
  }
  if (core_.next_deadline() <= now) core_.on_timer(now);
  std::vector<pptp::ControlEvent> events;
  while (auto ev = core_.poll_event()) events.push_back(std::move(*ev));
  Bytes out = core_.take_output();
  if (tcp_.is_open() && !out.empty()) {
    if (tcp_.write(out)) eof_ = true;
  }
  if (tcp_.is_open() && tcp_.want_write()) {
    if (tcp_.flush()) eof_ = true;
  }
  return events;
}

template class ControlPeer<pptp::ClientControl>;
template class ControlPeer<pptp::ServerControl>;

std::optional<io::TcpConnection> connect_loopback(uint16_t port, Ipv4 local) {
  auto t = io::TcpConnection::connect({kLoopback, port}, local);
  if (!t) return std::nullopt;
  pollfd p{t->fd(), POLLOUT, 0};
  if (::poll(&p, 1, 2000) != 1 || t->finish_connect()) return std::nullopt;
  return std::move(t.value());
}

bool run_until(io::EventLoop& loop, const std::function<void()>& pump,
               const std::function<bool()>& pred, Duration timeout) {
  const Time end = loop.now() + timeout;
  for (;;) {
    pump();
    if (pred()) return true;
    const Time now = loop.now();
    if (now >= end) return false;
    if (auto ec = loop.run_once(std::min<Duration>(end - now, milliseconds(2)))) return false;
  }
}

void AppTest::SetUp() {
  ASSERT_TRUE(crypto::init());
  auto l = io::EventLoop::create();
  ASSERT_TRUE(l.ok());
  loop = std::move(l).value();
  ASSERT_FALSE(dir.path().empty());
}

void AppTest::expect_ip_down_after_ip_up(const std::string& gate) {
  run_until([] { return false; }, milliseconds(100));
  EXPECT_FALSE(exists(dir.file("ip-down.started")));
  write_file(dir.file(gate), "");
  ASSERT_TRUE(run_until([&] { return exists(dir.file("ip-down.done")); }));
  EXPECT_EQ(read_file(dir.file("ip-down.after")), "yes\n");
}

}  // namespace pptpx::apptest
