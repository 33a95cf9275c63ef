// The PPTP client: one control connection to the server (TCP 1723) as the
// originator, one outgoing call, one PPP session as authenticatee, MPPE,
// and the TUN interface pppN with pppd's scripts, routes and pid files.
// Everything happens on one event loop; the cores are the server's.
//
// One Client is one attempt (one dial): start() connects; the call comes
// up; IPCP up creates pppN. hangup() (SIGTERM) closes LCP, then clears the
// call and stops the control connection; when all of it is over (scripts
// included) `done` is called with pppd's exit status. persist/maxfail/
// holdoff make a new Client per attempt (see dialer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/client/default_route.h"
#include "app/client/settings.h"
#include "base/log.h"
#include "base/rng.h"
#include "io/event_loop.h"
#include "io/gre_socket.h"
#include "io/netlink.h"
#include "io/script.h"
#include "io/tcp.h"
#include "io/tun.h"
#include "proto/gre/gre.h"
#include "proto/mppe/mppe.h"
#include "proto/ppp/session.h"
#include "proto/session/data_path.h"
#include "proto/pptp/client_control.h"

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
  session::IngressStats ingress;  // not GRE, or malformed GRE
  uint64_t gre_wrong_call = 0;       // another call ID, or not from the server
  uint64_t data_before_up = 0;
  uint64_t tun_dropped = 0;
  // GRE sequence, PPP and MPPE drops are counted by the call's DataPath.
};

class Client {
 public:
  // done(exit status) runs once, from the loop, when the client is finished.
  // scripts outlives the Client (its SIGCHLD handler stays on the loop).
  Client(io::EventLoop& loop, Settings settings, Ipv4 server, LogSink& sink, Rng& rng,
         io::ScriptRunner& scripts, std::function<void(int)> done);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  std::error_code start();
  // SIGTERM/SIGINT: ends the link cleanly; the exit status is 0.
  void hangup();
  // Called once, when IPCP is up and pppN is configured (updetach).
  void on_link_up(std::function<void()> cb) { link_up_cb_ = std::move(cb); }
  // IPCP came up during this attempt (pppd: the attempt succeeded).
  bool link_was_up() const { return link_was_up_; }
  const ClientStats& stats() const { return stats_; }
  void log_stats() const;

 private:
  void on_tcp_event(uint32_t ev);
  void service_control();
  void arm_control_timer();
  void start_session(uint16_t peer_call_id, uint16_t peer_window);
  void service_session();
  void handle_session_event(ppp::SessionEvent& ev);
  void answer_secret(const ppp::SecretRequest& req);
  void on_ip_up(const ppp::event::IpUp& up);
  void on_ip_down(bool keep_interface);
  void reuse_interface(const ppp::event::IpUp& up);
  void end_session(int status);
  void arm_call_timer();
  void on_call_timer();
  void set_interface_mtu();
  void add_routes();
  void remove_routes();
  void write_pid_files();
  void remove_pid_files();
  enum class Script { kPreUp, kUp, kDown };
  void run_script(const std::string& path, Script which);
  void restore_default_route();
  // A zero-delay timer that is cancelled if the Client goes first.
  void defer(std::function<void()> fn);
  void fail(int status, const std::string& why);
  void maybe_finish();

  void on_gre_readable();
  void on_gre_packet(uint8_t* data, size_t len);
  void on_ppp_frame(MutableByteView frame);
  void deliver_ip(ByteView ip);
  void on_tun_readable();
  void send_control_frame(const Bytes& frame);
  void queue_gre(ByteView pkt);
  void flush_gre();
  void deliver_released();

  io::EventLoop& loop_;
  Settings settings_;
  Ipv4 server_;
  LogSink& sink_;
  Logger log_;
  Rng& rng_;
  std::function<void(int)> done_;
  std::function<void()> link_up_cb_;

  io::TcpConnection tcp_;
  bool tcp_connected_ = false;
  std::optional<io::GreSocket> gre_;
  std::optional<io::Netlink> netlink_;
  io::ScriptRunner& scripts_;
  std::vector<io::EventLoop::TimerId> deferred_;
  std::optional<io::RouteLookup> server_route_;  // before the tunnel existed

  std::unique_ptr<pptp::ClientControl> control_;
  io::EventLoop::TimerId control_timer_ = 0;
  Time control_armed_ = kNever;
  uint16_t our_call_id_ = 0;
  uint16_t peer_call_id_ = 0;

  std::unique_ptr<session::DataPath> dp_;
  std::unique_ptr<ppp::Session> ppp_;
  std::optional<io::TunDevice> tun_;
  io::EventLoop::TimerId call_timer_ = 0;
  Time call_armed_ = kNever;
  Ipv4 local_ip_, remote_ip_;
  std::optional<Ipv4> dns1_, dns2_, wins1_, wins2_;
  std::string peer_name_;
  bool ip_up_ = false;
  bool host_route_added_ = false;
  bool default_route_added_ = false;
  std::optional<DefaultRoute> replaced_route_;  // replacedefaultroute: put back at down
  bool link_was_up_ = false;
  pid_t ip_up_pid_ = 0;
  std::vector<std::string> pid_files_;
  Time ip_up_at_;
  uint64_t bytes_in_ = 0, bytes_out_ = 0;

  bool hanging_up_ = false;
  bool secret_answered_ = false;  // one secret per attempt, as pppd
  bool session_over_ = false;
  bool finished_ = false;
  int status_ = kExitOk;
  io::EventLoop::TimerId hangup_timer_ = 0;

  static constexpr size_t kBufferSize = 2048;
  std::vector<uint8_t> rx_memory_;
  std::vector<uint8_t> tx_memory_;
  io::GreRecvBatch rx_batch_;
  io::GreSendBatch tx_batch_;
  size_t tx_used_ = 0;
  ClientStats stats_;
};

}  // namespace pptpx::client
