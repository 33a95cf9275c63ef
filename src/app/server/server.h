// SPDX-License-Identifier: MIT
// The PPTP server: accepts control connections on TCP 1723, runs one PPTP
// control core per connection and one session::Call per call, moves data
// between the raw GRE socket and each call's pppN interface, and runs the
// pppd-style scripts. Everything happens on one event loop.
//
// Rooms: server.cc (start, reload, stats, shutdown), controls.cc (control
// connections), links.cc (calls: admission, PPP events, pppN, scripts),
// data.cc (GRE and pppN packets), admin.cc (the control socket's
// requests), metrics.cc (GET /metrics). Ownership: Server owns the
// Controls (one per TCP connection) and, through the CallTable, the Links
// (one per call). A Link holds a plain pointer to its Control; a Link is
// always ended before its Control is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/common/admin_protocol.h"
#include "app/common/gre_port.h"
#include "app/common/link_scripts.h"
#include "app/common/link_watcher.h"
#include "app/common/platform.h"
#include "app/common/prometheus.h"
#include "app/common/secrets.h"
#include "app/server/admin_socket.h"
#include "app/server/admission.h"
#include "app/server/auth_throttle.h"
#include "app/server/call_table.h"
#include "app/server/control.h"
#include "app/server/link.h"
#include "app/server/outcomes.h"
#include "app/server/pool.h"
#include "app/server/settings.h"
#include "base/log.h"
#include "base/rng.h"
#include "io/event_loop.h"
#include "io/http_server.h"
#include "io/netstat.h"
#include "io/script.h"
#include "io/tcp.h"
#include "proto/session/data_path.h"

namespace pptpx::server {

// Server-wide counters of dropped input, by reason.
struct ServerStats {
  uint64_t connections = 0;
  uint64_t connections_refused = 0;  // too many control connections at once
  // Connections without a call (admission.h): refused over
  // waiting-per-source, the oldest closed to admit a new one at the global
  // limit, closed without Start-Control-Connection-Request or call within
  // stimeout; and any closed for not reading what we send.
  uint64_t connections_refused_per_source = 0;
  uint64_t connections_evicted = 0;
  uint64_t connections_idle_closed = 0;
  uint64_t connections_output_overflow = 0;
  uint64_t calls = 0;
  uint64_t calls_refused_no_slot = 0;
  uint64_t calls_without_gre = 0;  // no GRE from the client gre-timeout after the call
  // The auth throttle (auth_throttle.h): attempts answered late, attempts
  // refused unchecked (their user or source blocked), blocks started.
  uint64_t auth_throttled = 0;
  uint64_t auth_blocked_refusals = 0;
  uint64_t auth_blocks_started = 0;
  uint64_t gre_unknown_call = 0;  // no call with that ID
  uint64_t gre_wrong_peer = 0;    // right call ID, wrong source address
  uint64_t tun_dropped = 0;       // tun write failed or packet too big
  uint64_t accept_errors = 0;     // accept() failed other than "none left"
  // Per-connection and per-call counters, summed as they end.
  pptp::ControlStats control;
  ppp::PppCounters ppp;
  session::DataPathStats data_path;
  uint64_t data_before_up = 0;   // IP before the network phase allowed it
  session::CallTraffic traffic;  // IP in and out of the calls that ended
  // Set-ups, their failures and authentications (outcomes.h).
  OutcomeStats outcomes;
};

// A counter and its name (a metric's label value, a pptpxctl stats key).
struct NamedCount {
  std::string_view name;
  uint64_t value;
};
// Every drop counter of the server, by group: the data path's, MPPE's
// decryptors', PPTP control messages', PPP control packets'; and the MPPE
// resets sent and honoured.
struct DropTables {
  std::vector<NamedCount> data_path, mppe, control, ppp, mppe_resets;
};

class Server {
 public:
  // platform: the GRE socket, TUN devices and netlink (null: the system's,
  // opened by start()).
  Server(io::EventLoop& loop, Settings settings, LogSink& sink, Rng& rng,
         std::unique_ptr<app::Platform> platform = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listening socket and the raw GRE socket. On failure,
  // start_failure() says why and what to do.
  std::error_code start();
  const std::string& start_failure() const { return start_failure_; }
  // The address and port it listens on.
  io::SocketAddress listen_address() const { return {settings_.listen.value_or(Ipv4{}), port_}; }
  // Called with the number of sessions each time a call starts or ends.
  void on_sessions_changed(std::function<void(size_t)> cb) { sessions_changed_ = std::move(cb); }
  // SIGHUP: new settings apply to sessions that start from now on.
  void reload(Settings settings);
  // SIGTERM: ends every session cleanly, then calls done (also on timeout).
  void shutdown(std::function<void()> done);

  size_t session_count() const { return calls_.size(); }
  const ServerStats& stats() const { return stats_; }
  const session::IngressStats& ingress() const { return gre_->ingress(); }
  // Logs the drop counters (at exit, and on SIGUSR2).
  void log_stats() const;
  // "listen queue Q/B overflows O drops D (namespace) accept errors E".
  std::string describe_listen() const;
  // The TCP port: after start(), the one bound (set_port(0) lets the
  // kernel choose).
  uint16_t port() const { return port_; }
  // For tests: listen on another port than 1723.
  void set_port(uint16_t port) { port_ = port; }

  // The control socket (admin.cc). The hooks do what the process, not the
  // server, owns: re-reading the configuration (an error text, or "" when
  // it was applied) and the log's debug switch.
  struct AdminHooks {
    std::function<std::string()> reload;
    std::function<void(bool)> debug;
    std::string version;
  };
  [[nodiscard]] std::error_code open_admin(const io::UnixListener::Options& opts, AdminHooks hooks);
  const AdminSocket* admin() const { return admin_.get(); }
  // One control socket request's answer (see app/common/admin_protocol.h).
  nlohmann::json admin_request(const app::AdminRequest& req);

  // The metrics endpoint (metrics.cc): GET /metrics on addr, served from the
  // loop (io/http_server.h). per_session adds series per user and pppN.
  [[nodiscard]] std::error_code open_metrics(io::SocketAddress addr, bool per_session);
  const io::HttpServer* metrics_server() const { return metrics_.get(); }
  // One scrape: every metric in the Prometheus text format (app/common/prometheus.h).
  std::string metrics_text() const;

 private:
  // ---- controls.cc ----
  void on_accept();
  // Whether a connection from source may be admitted; at the global limit
  // of waiting connections, closes the oldest to make room.
  bool make_room_for(Ipv4 source);
  size_t waiting_limit() const;
  // The connection placed its call: it no longer counts as waiting.
  void call_placed(Control& c) { waiting_.remove(c.id); }
  // One notice about source, at most one a minute (SourceThrottle).
  void note_source(Ipv4 source, std::string_view what);
  // Closes a connection whose output is over kMaxControlOutput; true if so.
  bool close_if_not_reading(Control& c);
  void admit_connection(io::TcpListener::Accepted a);
  void on_control_event(uint64_t id, uint32_t ev);
  void on_control_readable(Control& c);
  void service_control(Control& c);
  void handle_control_event(Control& c, pptp::ControlEvent& ev);
  void on_control_closed(Control& c, const pptp::Closed& cl);
  void arm_control_timer(Control& c);
  void close_control(Control& c);
  void end_control_calls(Control& c);
  void destroy_control(uint64_t id);
  void stop_idle_control_after(uint64_t control_id, uint16_t call_id, uint8_t cdn_result,
                               bool send_cdn, std::string stats);

  // ---- links.cc ----
  void start_call(Control& c, const pptp::CallRequested& req);
  session::CallConfig call_config(const pptp::CallRequested& req) const;
  void open_call(Link& link);
  void service_call(Link& link);
  void handle_call_event(Link& link, session::CallEvent& ev);
  void answer_secret(Link& link, const session::call_event::SecretNeeded& q);
  void answer_own_secret(Link& link, const ppp::SecretRequest& req);
  // The client's secret: refused (blocked), held back (delay) or checked.
  void answer_client(Link& link, const ppp::SecretRequest& req, bool held);
  void check_client_secret(Link& link, const ppp::SecretRequest& req);
  // The verdict on the link's checked attempt: counted by the throttle.
  void attempt_failed(Link& link);
  void on_auth_failed(Link& link, const session::call_event::AuthFailed& f);
  void on_authenticated(Link& link, const session::call_event::Authenticated& a);
  bool assign_addresses(Link& link, const std::string& user, Time now);
  void no_gre_yet(Link& link);
  void on_ip_up(Link& link, const session::call_event::IpUp& up);
  void create_interface(Link& link, const session::call_event::IpUp& up);
  void publish_proxy_arp(Link& link, Ipv4 remote);
  void on_ip_down(Link& link, bool keep_interface);
  // pppN removed or set down from outside (LinkWatcher, or an error on the
  // TUN device): Terminate-Request to the client, then the usual end.
  std::vector<app::OwnInterface> own_interfaces() const;
  void on_interface_lost(const app::LostInterface& lost);
  void end_lost_interface(Link& link, app::LinkLoss loss);
  void run_script(Link& link, const std::string& path, bool down);
  // Ends the session (ip-down, pppN removed, address freed). The CDN and the
  // end of an idle control connection follow at once, or after kClearWait
  // with defer_control, unless the client clears the call first.
  void end_call(Link& link, uint8_t cdn_result, bool send_cdn, bool defer_control = false);
  void after_call_ended(Control& c, uint16_t call_id, uint8_t cdn_result, bool send_cdn,
                        bool defer_control, std::string stats);
  void arm_call_timer(Link& link);
  // Ends the link from our side: an LCP Terminate-Request carrying reason
  // (the call ends when LCP has), or, before LCP started, the call at once.
  void hang_up(Link& link, std::string_view reason, Time now);
  void on_call_timer(uint16_t our_id);

  // ---- data.cc ----
  void on_gre_datagram(session::GreDatagram& g);
  void on_gre_error(const session::PathError& e, uint16_t peer_call_id);
  void deliver_ip(Link& link, ByteView ip);
  void deliver_released(Link& link);
  void on_tun_readable(Link& link);

  // ---- metrics.cc ----
  // The counters of the calls and connections that ended plus the live ones.
  struct Totals {
    session::DataPathStats data_path;
    ppp::PppCounters ppp;
    pptp::ControlStats control;
    session::CallTraffic traffic;
    uint64_t data_before_up = 0;
  };
  Totals totals() const;
  // Every drop counter by its name, in groups (metrics and pptpxctl stats).
  DropTables drop_tables(const Totals& t) const;
  void write_sessions(app::Exposition& e) const;
  void write_outcomes(app::Exposition& e) const;
  void write_traffic(app::Exposition& e, const Totals& t) const;
  void write_drops(app::Exposition& e, const Totals& t) const;
  void write_connections(app::Exposition& e) const;
  void write_per_session(app::Exposition& e) const;

  // ---- admin.cc ----
  std::vector<Link*> match_sessions(std::string_view target) const;
  nlohmann::json admin_sessions(const app::AdminRequest& req);  // sessions, show, kill
  // Ends the sessions found (match_sessions) as an administrative hang-up
  // with reason; the number ended.
  size_t kill_sessions(const std::vector<Link*>& found, std::string_view reason);
  nlohmann::json session_json(const Link& link, bool full) const;
  nlohmann::json stats_json() const;
  nlohmann::json blocks_json() const;  // pptpxctl blocks

  // ---- server.cc ----
  std::error_code open_listener(Ipv4 bind, int cap);
  std::error_code open_gre(Ipv4 bind);
  std::error_code fail_start(std::error_code ec, std::string why);
  void sessions_changed() const;

  // proxyarp: withdraws proxy ARP entries for pool addresses, which only a
  // pptpxd killed with SIGKILL (or a crash) can have left behind.
  void remove_stale_proxy_arp();
  void maybe_finish_shutdown();

  io::EventLoop& loop_;
  Settings settings_;
  Logger log_;
  Rng& rng_;
  AddressPool pool_;
  uint16_t port_ = 1723;
  std::unique_ptr<app::Platform> platform_;
  app::LinkWatcher link_watcher_;  // after platform_: it uses the platform's netlink
  app::SecretsFiles secrets_;

  std::optional<io::TcpListener> listener_;
  int backlog_ = 0;  // asked of listen(2)
  // /proc/net/netstat's listen counters at start: the stats line shows what
  // the namespace counted since.
  std::optional<io::ListenCounters> listen_base_;
  std::unique_ptr<app::GrePort> gre_;
  io::ScriptRunner runner_;
  app::LinkScripts scripts_;

  uint64_t next_control_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Control>> controls_;
  WaitingConnections waiting_;  // controls_ with no call placed yet
  SourceThrottle source_log_;
  AuthThrottle auth_throttle_;  // failed authentications by source and user
  CallTable calls_;

  std::unique_ptr<AdminSocket> admin_;
  std::unique_ptr<io::HttpServer> metrics_;
  bool metrics_per_session_ = false;
  // (auth, MPPE) of every session that was up since start: their
  // pptpx_sessions series stay, at 0, when the last such session ends.
  mutable std::set<std::pair<std::string, std::string>> session_kinds_;
  AdminHooks admin_hooks_;
  Time started_;
  std::string start_failure_;
  std::function<void(size_t)> sessions_changed_;

  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  io::EventLoop::TimerId shutdown_timer_ = 0;
  ServerStats stats_;
};

}  // namespace pptpx::server
