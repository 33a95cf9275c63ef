// SPDX-License-Identifier: MIT
// The PPTP client: one control connection to the server (TCP 1723) as the
// originator, one outgoing call, one PPP link (session::Call) as
// authenticatee, and the interface pppN with pppd's scripts, routes and pid
// files. Everything happens on one event loop.
//
// One Client is one attempt (one dial): start() connects; the call comes
// up; IPCP up creates pppN. hangup() (SIGTERM) closes LCP, then clears the
// call and stops the control connection; when all of it is over (scripts
// included) `done` is called with pppd's exit status. persist/maxfail/
// holdoff make a new Client per attempt (see dialer.h).
//
// Rooms: client.cc (life cycle, control connection), link.cc (the PPP
// link's events, pppN, scripts, pid files, data path), routes.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/client/routes.h"
#include "app/client/settings.h"
#include "app/common/call_timer.h"
#include "app/common/gre_port.h"
#include "app/common/link_scripts.h"
#include "app/common/link_watcher.h"
#include "app/common/platform.h"
#include "app/common/ppp_interface.h"
#include "app/common/secrets.h"
#include "base/log.h"
#include "base/rng.h"
#include "io/event_loop.h"
#include "io/script.h"
#include "io/tcp.h"
#include "proto/pptp/client_control.h"
#include "proto/session/call.h"

namespace pptpx::client {

// pppd's exit statuses (pppd(8) "EXIT STATUS").
inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;
inline constexpr int kExitOptionError = 2;
inline constexpr int kExitConnectFailed = 8;
inline constexpr int kExitNegotiationFailed = 10;
inline constexpr int kExitPeerAuthFailed = 11;
inline constexpr int kExitPeerDead = 15;
inline constexpr int kExitHangup = 16;
inline constexpr int kExitAuthToPeerFailed = 19;

struct ClientStats {
  uint64_t gre_wrong_call = 0;  // another call ID, or not from the server
  uint64_t tun_dropped = 0;
  uint64_t data_before_up = 0;    // IP while pppN was not up yet (ip-pre-up running)
  uint64_t gre_silent_calls = 0;  // calls without one GRE packet from the server in time
  // GRE sequence, PPP and MPPE drops, and IP before the link was up, are
  // counted by the call.
};

class Client {
 public:
  // Where an attempt is. Each stage only moves forward.
  enum class Stage {
    kIdle,        // before start()
    kConnecting,  // TCP connect to port 1723 under way
    kCalling,     // control connection up, the call not connected yet
    kLink,        // the call is connected: the PPP link runs
    kClosing,     // the link is over: clearing the call, stopping the
                  // control connection, waiting for scripts
    kFinished,    // done() was called (from the loop)
  };

  // done(exit status) runs once, from the loop, when the client is finished.
  // scripts outlives the Client (its SIGCHLD handler stays on the loop).
  // platform: the GRE socket, TUN devices and netlink (null: the system's).
  Client(io::EventLoop& loop, Settings settings, Ipv4 server, LogSink& sink, Rng& rng,
         io::ScriptRunner& scripts, std::function<void(int)> done,
         std::unique_ptr<app::Platform> platform = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // For tests: the server's TCP port, instead of 1723; before start().
  void set_port(uint16_t port) { port_ = port; }
  std::error_code start();
  // SIGTERM/SIGINT: ends the link cleanly; the exit status is 0.
  void hangup();
  // Called once, when IPCP is up and pppN is configured (updetach).
  void on_link_up(std::function<void()> cb) { link_up_cb_ = std::move(cb); }
  // Called once, when the TCP connect to the server succeeded (true) or
  // failed (false, with the error line); for the detaching parent.
  void on_connect_result(std::function<void(bool, const std::string&)> cb) {
    connect_cb_ = std::move(cb);
  }
  // IPCP came up during this attempt (pppd: the attempt succeeded).
  bool link_was_up() const { return link_was_up_; }
  Stage stage() const { return stage_; }
  const ClientStats& stats() const { return stats_; }
  void log_stats() const;

 private:
  // ---- client.cc: life cycle and control connection ----
  void on_tcp_event(uint32_t ev);
  void on_connected();
  void read_control();
  void service_control();
  void handle_control_event(pptp::ControlEvent& ev);
  void arm_control_timer();
  void close_tcp();
  void fail(int status, const std::string& why);
  void report_connect(bool ok, const std::string& why);
  void on_connect_timeout();
  void maybe_finish();
  // A zero-delay timer that is cancelled if the Client goes first.
  void defer(std::function<void()> fn);

  // ---- link.cc: the PPP link ----
  void start_link(uint16_t peer_call_id, uint16_t peer_window);
  void service_link();
  void handle_link_event(session::CallEvent& ev);
  void answer_secret(const session::call_event::SecretNeeded& q);
  void on_ip_up(const session::call_event::IpUp& up);
  void create_interface(const session::call_event::IpUp& up);
  void finish_ip_up(uint64_t generation);
  void on_ip_down(bool keep_interface);
  // pppN removed or set down from outside (LinkWatcher, or an error on the
  // TUN device): LCP Terminate-Request, then the link ends as usual.
  void watch_interface();
  void on_interface_lost(app::LinkLoss loss);
  void end_link(int status);
  void on_link_timer();
  void write_pid_files();
  void remove_pid_files();
  void write_resolv_conf();
  enum class Script { kPreUp, kUp, kDown };
  app::ScriptContext script_context() const;
  void run_script(const std::string& path, Script which, const std::function<void()>& then = {});
  void on_gre_datagram(session::GreDatagram& g);
  void on_gre_silence();
  // The error line for a link that ended before IP came up; empty when the
  // link's own lines already say it.
  std::string explain_link_end() const;
  // ---- explain.cc ----
  // The error line for our authentication failing: the cause and the fix.
  std::string explain_auth_failure(const session::call_event::AuthFailed& f) const;
  void on_gre_error(const session::PathError& e);
  void unwatch_gre();
  void deliver_ip(ByteView ip);
  void deliver_released();
  void on_tun_readable();

  io::EventLoop& loop_;
  Settings settings_;
  Ipv4 server_;
  uint16_t port_;
  Logger log_;
  Rng& rng_;
  std::function<void(int)> done_;
  std::function<void()> link_up_cb_;
  std::function<void(bool, const std::string&)> connect_cb_;
  std::unique_ptr<app::Platform> platform_;
  app::LinkWatcher link_watcher_;  // after platform_: it uses the platform's netlink
  app::SecretsFiles secrets_;
  app::LinkScripts scripts_;

  Stage stage_ = Stage::kIdle;
  bool hanging_up_ = false;  // the user asked: the exit status is 0
  int status_ = kExitOk;

  io::TcpConnection tcp_;
  std::unique_ptr<app::GrePort> gre_;
  std::vector<io::EventLoop::TimerId> deferred_;
  std::optional<Routes> routes_;

  std::unique_ptr<pptp::ClientControl> control_;
  io::EventLoop::TimerId control_timer_ = 0;
  Time control_armed_ = kNever;
  uint16_t our_call_id_ = 0;

  std::unique_ptr<session::Call> call_;
  app::CallTimer link_timer_;
  std::unique_ptr<app::PppInterface> ppp_if_;
  Ipv4 local_ip_, remote_ip_;
  NameServers servers_;    // what the server gave us (usepeerdns, usepeerwins)
  bool ip_up_ = false;     // pppN is up and carries IP
  bool if_ready_ = false;  // ip-pre-up is over, pppN was brought up
  bool link_was_up_ = false;
  uint64_t ip_up_generation_ = 0;  // ip-pre-up's continuation is for this one
  pid_t ip_up_pid_ = 0;
  std::vector<std::string> pid_files_;
  Time ip_up_at_;
  io::EventLoop::TimerId hangup_timer_ = 0;
  io::EventLoop::TimerId pre_up_timer_ = 0;
  io::EventLoop::TimerId connect_timer_ = 0;
  io::EventLoop::TimerId gre_watch_timer_ = 0;
  bool gre_seen_ = false;  // a GRE packet of our call came from the server
  ClientStats stats_;
};

}  // namespace pptpx::client
