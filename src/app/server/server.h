// The PPTP server: accepts control connections on TCP 1723, runs one PPTP
// control core per connection and one PPP session core per call, moves data
// between the raw GRE socket and each call's TUN interface (pppN), and runs
// the pppd-style scripts. Everything happens on one event loop.
//
// Ownership: Server owns Controls (one per TCP connection) and Calls (one
// per PPTP call, indexed by our call ID). A Call holds a plain pointer to its
// Control; a Control never outlives the Server, and a Call is always ended
// before its Control is destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/server/pool.h"
#include "app/server/settings.h"
#include "base/log.h"
#include "base/rng.h"
#include "config/secrets.h"
#include "io/event_loop.h"
#include "io/gre_socket.h"
#include "io/netlink.h"
#include "io/netstat.h"
#include "io/script.h"
#include "io/tcp.h"
#include "io/tun.h"
#include "proto/gre/gre.h"
#include "proto/mppe/mppe.h"
#include "proto/ppp/session.h"
#include "proto/session/data_path.h"
#include "proto/pptp/server_control.h"

namespace pptpx::server {

// Server-wide counters of dropped input, by reason.
struct ServerStats {
  uint64_t connections = 0;
  uint64_t connections_refused = 0;  // too many waiting control connections
  uint64_t calls = 0;
  uint64_t calls_refused_no_slot = 0;
  session::IngressStats ingress;     // not GRE, or malformed GRE
  uint64_t gre_unknown_call = 0;     // no call with that ID
  uint64_t gre_wrong_peer = 0;       // right call ID, wrong source address
  uint64_t data_before_up = 0;       // IP before the network phase allowed it
  uint64_t tun_dropped = 0;          // tun write failed or packet too big
  uint64_t accept_errors = 0;        // accept() failed other than "none left"
  // Per-call data path drops (GRE sequence, PPP, MPPE), summed as calls end.
  session::DataPathStats data_path;
};

class Server {
 public:
  Server(io::EventLoop& loop, Settings settings, LogSink& sink, Rng& rng);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listening socket and the raw GRE socket.
  std::error_code start();
  // SIGHUP: new settings apply to sessions that start from now on.
  void reload(Settings settings);
  // SIGTERM: ends every session cleanly, then calls done (also on timeout).
  void shutdown(std::function<void()> done);

  size_t session_count() const { return calls_.size(); }
  const ServerStats& stats() const { return stats_; }
  // Logs the drop counters (at exit, and on SIGUSR2).
  void log_stats() const;
  // "listen queue Q/B overflows O drops D (namespace) accept errors E".
  std::string describe_listen() const;
  uint16_t port() const { return port_; }
  // For tests: listen on another port than 1723.
  void set_port(uint16_t port) { port_ = port; }

 private:
  struct Control;
  struct Call;

  // proxyarp: withdraws proxy ARP entries for pool addresses, which only a
  // pptpxd killed with SIGKILL (or a crash) can have left behind.
  void remove_stale_proxy_arp();
  void on_accept();
  void on_control_readable(Control& c);
  void service_control(Control& c);
  void arm_control_timer(Control& c);
  void close_control(Control& c);
  void destroy_control(uint64_t id);

  void start_call(Control& c, const pptp::CallRequested& req);
  void open_call(Call& call);
  void service_call(Call& call);
  void handle_session_event(Call& call, ppp::SessionEvent& ev);
  void answer_secret(Call& call, const ppp::SecretRequest& req);
  void on_authenticated(Call& call, const std::string& peer_name);
  void on_ip_up(Call& call, const ppp::event::IpUp& up);
  void on_ip_down(Call& call, bool keep_interface);
  void deliver_released(Call& call);
  // Ends the session (ip-down, pppN removed, address freed). The CDN and the
  // end of an idle control connection follow at once, or after kClearWait
  // with defer_control, unless the client clears the call first.
  void end_call(Call& call, uint8_t cdn_result, bool send_cdn, bool defer_control = false);
  void arm_call_timer(Call& call);
  void on_call_timer(uint16_t our_id);
  void set_interface_mtu(Call& call);

  void on_gre_readable();
  void on_gre_packet(uint8_t* data, size_t len);
  void on_ppp_frame(Call& call, MutableByteView frame);
  void deliver_ip(Call& call, ByteView ip);
  void on_tun_readable(Call& call);
  void send_control_frame(Call& call, const Bytes& frame);
  void queue_gre(Call& call, ByteView pkt);
  void flush_gre();

  uint16_t allocate_call_id();
  std::string script_device(const Call& call) const;
  void run_script(Call& call, const std::string& path, bool down);
  void maybe_finish_shutdown();
  void on_script_exit(pid_t pid);

  io::EventLoop& loop_;
  Settings settings_;
  LogSink& sink_;
  Logger log_;
  Rng& rng_;
  AddressPool pool_;
  uint16_t port_ = 1723;

  std::optional<io::TcpListener> listener_;
  int backlog_ = 0;  // asked of listen(2)
  // /proc/net/netstat's listen counters at start: the stats line shows what
  // the namespace counted since.
  std::optional<io::ListenCounters> listen_base_;
  std::optional<io::GreSocket> gre_;
  std::optional<io::Netlink> netlink_;
  io::ScriptRunner scripts_;

  uint64_t next_control_id_ = 1;
  std::map<uint64_t, std::unique_ptr<Control>> controls_;
  std::map<uint16_t, std::unique_ptr<Call>> calls_;
  std::vector<Call*> by_call_id_;  // 65,536 entries: GRE demultiplexing
  uint16_t next_call_id_ = 0;

  // Data-path buffers, allocated once.
  static constexpr size_t kBufferSize = 2048;
  std::vector<uint8_t> rx_memory_;
  std::vector<uint8_t> tx_memory_;
  io::GreRecvBatch rx_batch_;
  io::GreSendBatch tx_batch_;
  size_t tx_used_ = 0;

  // ip-down scripts waiting for their session's ip-up to finish, by ip-up pid.
  std::map<pid_t, std::shared_ptr<std::function<pid_t()>>> deferred_down_;

  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  io::EventLoop::TimerId shutdown_timer_ = 0;
  ServerStats stats_;
};

}  // namespace pptpx::server
