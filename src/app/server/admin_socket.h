// SPDX-License-Identifier: MIT
// pptpxd's control socket: a Unix socket served from the event loop, one
// request per line (app/common/admin_protocol.h), one JSON answer line each.
//
// Bounded so that no client can stall or exhaust the server: at most
// kMaxClients at once (more are answered with an error and closed), a
// request line of at most kMaxAdminRequest bytes, and kIdle without a
// request closes a connection. Writes never block: what the socket does not
// take waits in the connection's queue, and a client with an answer waiting
// is not read from until it has taken it, so one that never reads holds
// one answer and stalls only itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/common/admin_protocol.h"
#include "base/log.h"
#include "base/time.h"
#include "io/event_loop.h"
#include "io/tcp.h"
#include "io/unix_socket.h"

namespace pptpx::server {

class AdminSocket {
 public:
  static constexpr size_t kMaxClients = 16;
  static constexpr Duration kIdle = seconds(300);

  // Answers one request: an object, to which "ok" is added unless it has one.
  using Handler = std::function<nlohmann::json(const app::AdminRequest&)>;

  AdminSocket(io::EventLoop& loop, Logger log, Handler handler);
  ~AdminSocket();
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  [[nodiscard]] std::error_code open(const io::UnixListener::Options& opts);
  const std::string& path() const;
  bool group_applied() const { return listener_ && listener_->group_applied(); }
  size_t clients() const { return clients_.size(); }
  // Requests, those refused as malformed, too long or unknown, and clients
  // refused for being one too many.
  struct Stats {
    uint64_t requests = 0;
    uint64_t bad_requests = 0;
    uint64_t clients_refused = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Client {
    uint64_t id = 0;
    io::TcpConnection conn;
    std::string in;
    io::EventLoop::TimerId idle = 0;
  };
  void on_accept();
  void on_client(uint64_t id, uint32_t events);
  // Reads what is there and answers each complete line; false when the
  // client is to be closed.
  bool read_requests(Client& c);
  void answer_lines(Client& c);
  void answer(Client& c, std::string_view line);
  void send(Client& c, const nlohmann::json& j);
  void update_interest(Client& c);
  void arm_idle(Client& c);
  void close_client(uint64_t id);

  io::EventLoop& loop_;
  Logger log_;
  Handler handler_;
  std::optional<io::UnixListener> listener_;
  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_id_ = 1;
  Stats stats_;
};

// JSON text of j on one line; invalid UTF-8 (a user name from the network)
// comes out as U+FFFD instead of an exception.
std::string json_line(const nlohmann::json& j);

}  // namespace pptpx::server
