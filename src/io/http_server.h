// SPDX-License-Identifier: MIT
// A small HTTP/1.x server on the event loop for pptpxd's metrics: one
// request per connection (RFC 9112), GET or HEAD of a few fixed paths, then
// the answer with "Connection: close" and the end of the connection.
//
// Bounded so that no client can stall or exhaust the process (Limits): at
// most 16 connections at once (one more gets 503 and is closed), a request
// head of at most 8 KiB (431 beyond), and 10 s for the whole exchange from
// accept to close. Writes never block: what the socket
// does not take waits in the connection's queue. After the answer the
// server stops sending (FIN) and reads what the client still sends until it
// closes, so that unread input cannot turn the close into a reset that
// loses the answer (RFC 9112 section 9.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/log.h"
#include "base/time.h"
#include "io/event_loop.h"
#include "io/tcp.h"

namespace pptpx::io {

// What the request head said, or why it cannot be answered.
struct HttpRequestHead {
  enum class Status {
    kIncomplete,  // no empty line yet: read more
    kComplete,
    kBad,                 // not an HTTP/1.x request head: 400
    kTooLarge,            // no end of the head within the limit: 431
    kVersionNotSupported  // HTTP/2 or later on this connection: 505
  };
  Status status = Status::kIncomplete;
  std::string method;
  std::string path;  // the origin-form target without its query
};

// Parses the request line and header fields (RFC 9112 sections 2 to 5) at
// the start of buf. Accepts CRLF or a bare LF as line end and skips empty
// lines before the request line (RFC 9112 section 2.2); only origin-form
// targets ("/path?query"). Header fields are checked for form only.
HttpRequestHead parse_http_request_head(std::string_view buf, size_t max_head);

// What one HttpServer allows (see the top of this file).
struct HttpLimits {
  size_t max_clients = 16;
  size_t max_head = 8192;
  Duration timeout = seconds(10);
};

class HttpServer {
 public:
  using Limits = HttpLimits;
  // What the client sends after its answer is read and dropped up to this
  // much; then the connection closes.
  static constexpr size_t kMaxDrain = 65536;

  struct Page {
    std::string content_type;
    std::string body;
  };
  // The page at path, or nullopt for 404. Called on the loop, once per GET
  // or HEAD.
  using Handler = std::function<std::optional<Page>(std::string_view path)>;

  HttpServer(EventLoop& loop, Logger log, Handler handler, Limits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Listens on addr (port 0: the kernel picks one, see local_address()).
  [[nodiscard]] std::error_code listen(SocketAddress addr);
  std::optional<SocketAddress> local_address() const;
  size_t clients() const { return clients_.size(); }

  struct Stats {
    uint64_t requests = 0;         // answered with 200
    uint64_t errors = 0;           // answered with 4xx or 5xx
    uint64_t clients_refused = 0;  // one more than max_clients
    uint64_t timeouts = 0;         // closed after the timeout
  };
  const Stats& stats() const { return stats_; }

 private:
  enum class Phase { kReading, kAnswering, kDraining };
  struct Client {
    uint64_t id = 0;
    TcpConnection conn;
    std::string in;
    Phase phase = Phase::kReading;
    size_t drained = 0;
    EventLoop::TimerId timer = 0;
  };
  void on_accept();
  void admit(Fd fd);
  void on_client(uint64_t id, uint32_t events);
  // false when the client is to be closed.
  bool on_readable(Client& c);
  bool read_head(Client& c);
  bool drain(Client& c);
  void answer(Client& c, const HttpRequestHead& head);
  void respond(Client& c, int status, std::string_view content_type, std::string_view body,
               bool head_only = false, std::string_view extra_header = {});
  bool after_write(Client& c);
  void close_client(uint64_t id);

  EventLoop& loop_;
  Logger log_;
  Handler handler_;
  Limits limits_;
  std::optional<TcpListener> listener_;
  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_id_ = 1;
  Stats stats_;
};

}  // namespace pptpx::io
