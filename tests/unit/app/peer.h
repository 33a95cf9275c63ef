// SPDX-License-Identifier: MIT
// The test's side of a PPTP session against pptpxd's Server or pptpx's
// Client, built from the project's own cores: a PPTP control core
// (pptp::ClientControl or pptp::ServerControl) on a real loopback TCP
// socket, and per call a session::Call whose GRE goes through the
// application's FakeGre. Plus what the tests share: settings files, the
// event loop runner, IP packets and scripts that record their arguments.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"
#include "config/diagnostic.h"
#include "io/event_loop.h"
#include "io/tcp.h"
#include "proto/pptp/control_link.h"
#include "proto/session/call.h"
#include "support/fake_io.h"
#include "support/temp_dir.h"

namespace pptpx::apptest {

inline Ipv4 ip(const char* dotted) { return *Ipv4::parse(dotted); }
inline const Ipv4 kLoopback = ip("127.0.0.1");

// Writes to stderr when APP_TEST_LOG is set in the environment, and keeps
// the lines at notice and above.
class TestSink final : public LogSink {
 public:
  void write(LogLevel level, std::string_view line) override;
  bool enabled(LogLevel level) const override;
  // The kept lines that hold text.
  std::vector<std::string> lines_with(std::string_view text) const;
  bool contains(std::string_view text) const { return !lines_with(text).empty(); }
  // The kept warnings and errors.
  std::vector<std::string> problems() const;
  // Keep debug and info lines too (notices and above otherwise).
  void keep_all() { keep_all_ = true; }

 private:
  std::vector<std::pair<LogLevel, std::string>> kept_;
  bool keep_all_ = false;
};

// Writes text to path (mode 0755 when executable).
void write_file(const std::string& path, const std::string& text, bool executable = false);
std::string read_file(const std::string& path);
bool exists(const std::string& path);
// The lines of a file ("" lines kept, the last newline dropped).
std::vector<std::string> read_lines(const std::string& path);
// NAME=value lines (as env prints them) by name.
std::map<std::string, std::string> read_env(const std::string& path);
// Expects the environment recorded in path to hold every NAME=value of
// `has` and none of the names in `lacks`.
void expect_env(const std::string& path, const std::map<std::string, std::string>& has,
                const std::vector<std::string>& lacks = {});

// An executable script that records "$@" (one argument a line) in
// <dir>/<name>.args and its environment in <dir>/<name>.env, then writes
// <dir>/<name>.started. With gate, it then waits (20 s at most) for
// <dir>/<gate> to exist. Last it writes <dir>/<name>.done; before
// anything, ip-down style, it records in <dir>/<name>.after whether
// <dir>/<after>.done existed when it started.
void write_recording_script(const std::string& dir, const std::string& name,
                            const std::string& gate = "", const std::string& after = "");

// Expects what pppd gives a link's scripts, as write_recording_script
// recorded it in dir: each of up_scripts and then ip-down got `args` (after
// the path); each environment holds `env`, and ip-down's the totals too
// (CONNECT_TIME, BYTES_SENT, BYTES_RCVD), which the others lack.
void expect_script_runs(const std::string& dir, const std::vector<std::string>& up_scripts,
                        const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        const std::map<std::string, std::string>& totals);

// An IPv4 UDP packet of `size` octets whose payload is `fill` + i.
Bytes make_ip(Ipv4 src, Ipv4 dst, size_t size, uint8_t fill);
// A TCP SYN (44 octets, the MSS value at offset 42) with an MSS option.
Bytes make_tcp_syn(Ipv4 src, Ipv4 dst, uint16_t mss);

// The peer's session::Call: MS-CHAPv2 with 128-bit MPPE, required; user1
// with secret1, server name pptpd; no LCP echoes; no TCP MSS clamping.
session::CallConfig peer_call_config(ppp::Role role, uint16_t peer_call_id);

// One call at the test's end. GRE it sends is injected into the
// application's FakeGre as datagrams from `self` to `app`.
class PeerCall {
 public:
  PeerCall(const session::CallConfig& cfg, Rng& rng, Logger log, Time now, Ipv4 self, Ipv4 app);

  session::Call& call() { return call_; }
  // IP may cross: IPCP up, and MPPE too since it is required.
  bool data_allowed() const { return call_.ppp().data_allowed(); }
  // A GRE packet the application sent for this call; LCP starts with the
  // first one if it has not yet (as pptpxd does).
  void receive(const test::SentGre& pkt, test::FakeGre& gre, Time now);
  // The GRE packet carrying ip, as send_ip would inject it.
  Bytes frame_ip(ByteView ip, Time now);
  void send_ip(test::FakeGre& gre, ByteView ip, Time now);
  // Timers due, events acted on, control frames and acks sent.
  void service(test::FakeGre& gre, Time now);
  void close(test::FakeGre& gre, Time now);

  // The answers: the secret for every question; in the server role the
  // addresses given at Authenticated.
  std::string secret = "secret1";
  std::optional<ppp::IpConfig> network;

  // What happened.
  bool authenticated = false;  // the peer proved who it is (server role)
  bool auth_failed = false;
  int ip_up = 0, ip_down = 0;
  bool finished = false;
  std::string finish_reason;  // as Finished said it
  session::call_event::IpUp last_up;
  std::vector<Bytes> ip_in;  // IP packets that came out of the tunnel

 private:
  void on_event(session::CallEvent& ev, Time now);

  session::Call call_;
  Ipv4 self_, app_;
  Bytes buf_;
};

// A PPTP control connection at the test's end: Core is pptp::ClientControl
// or pptp::ServerControl.
template <class Core>
class ControlPeer {
 public:
  // The core is built from args (config, logger, now).
  template <class... A>
  explicit ControlPeer(io::TcpConnection tcp, A&&... args)
      : tcp_(std::move(tcp)), core_(std::forward<A>(args)...) {}
  Core& core() { return core_; }
  bool eof() const { return eof_; }
  // Reads what arrived, runs the core's timer when due and sends what it
  // has to say; returns the events since the last pump.
  std::vector<pptp::ControlEvent> pump(Time now);
  void close() { tcp_.close(); }

 private:
  io::TcpConnection tcp_;
  Core core_;
  bool eof_ = false;
};

// A non-blocking TCP connection to 127.0.0.1:port from `local`, connected
// (bounded by 2 s); empty on failure.
std::optional<io::TcpConnection> connect_loopback(uint16_t port, Ipv4 local);

// Runs the loop in short turns, calling pump() after each, until pred()
// holds or timeout passes; returns pred().
bool run_until(io::EventLoop& loop, const std::function<void()>& pump,
               const std::function<bool()>& pred, Duration timeout = seconds(10));

// Settings of either application (server:: or client::Flags) from files
// in dir: chap-secrets with "user1 pptpd secret1 *", no pap-secrets, no
// global options file, the scripts in dir. load is the application's
// load_settings; no error is expected.
template <class Flags, class Load>
auto load_test_settings(Flags& f, const test::TempDir& dir, Load load) {
  write_file(dir.file("chap-secrets"), "user1 pptpd secret1 *\n");
  f.chap_secrets_path = dir.file("chap-secrets");
  f.pap_secrets_path = dir.file("pap-secrets");
  f.global_options_path = "";
  f.scripts_dir = dir.path();
  config::Diagnostics diags;
  auto s = load(f, diags);
  for (const auto& d : diags) EXPECT_FALSE(d.is_error) << d.str();
  return s;
}

// What the app tests share: crypto, a real event loop, a fresh directory,
// the log and seeded randomness (the application's and the peer's).
class AppTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // The test's side after each turn of the loop.
  virtual void pump() = 0;
  bool run_until(const std::function<bool()>& pred, Duration timeout = seconds(10)) {
    return apptest::run_until(
        *loop, [this] { pump(); }, pred, timeout);
  }
  // The link is over while ip-up (see write_recording_script) waits at
  // its gate: ip-down must not start (watched for 100 ms) until ip-up is
  // let go and has exited. Returns once ip-down has finished.
  void expect_ip_down_after_ip_up(const std::string& gate);

  std::unique_ptr<io::EventLoop> loop;  // first: it outlives what uses it
  TestSink sink;
  Logger log{sink, "test"};
  SeededRng rng{1};
  SeededRng peer_rng{2};
  test::TempDir dir;
};

}  // namespace pptpx::apptest
