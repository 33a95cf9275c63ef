// SPDX-License-Identifier: MIT
// The metrics HTTP server (see http_server.h).
#include "io/http_server.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <array>
#include <utility>
#include <vector>

namespace pptpx::io {

namespace {

// Connections accepted per wakeup of the listener, and reads per wakeup of
// one connection: a flood shares the loop with everything else.
constexpr int kAcceptBatch = 16;
constexpr int kReadRounds = 4;

// RFC 9110 section 5.6.2: the characters of a token (methods, field names).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

// Control characters other than horizontal tab have no place in a head.
bool has_control(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

// "/path?query": visible ASCII, starting with a slash (RFC 9112 section 3.2.1).
bool is_origin_form(std::string_view t) {
  if (t.empty() || t[0] != '/') return false;
  for (char c : t) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

using Status = HttpRequestHead::Status;

Status check_version(std::string_view v) {
  if (v == "HTTP/1.0" || v == "HTTP/1.1") return Status::kComplete;
  bool well_formed = v.size() == 8 && v.substr(0, 5) == "HTTP/" && v[5] >= '2' && v[5] <= '9' &&
                     v[6] == '.' && v[7] >= '0' && v[7] <= '9';
  return well_formed ? Status::kVersionNotSupported : Status::kBad;
}

// The request line: method SP request-target SP HTTP-version.
Status parse_request_line(std::string_view line, HttpRequestHead& h) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == line.npos ? line.npos : line.find(' ', sp1 + 1);
  if (sp2 == line.npos || line.find(' ', sp2 + 1) != line.npos) return Status::kBad;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || !is_origin_form(target)) return Status::kBad;
  Status v = check_version(version);
  if (v != Status::kComplete) return v;
  h.method = method;
  h.path = target.substr(0, target.find('?'));
  return Status::kComplete;
}

// name ":" OWS value OWS, no white space before the colon and no
// obsolete line folding (RFC 9112 sections 5.1 and 5.2).
bool is_field_line(std::string_view line) {
  if (line[0] == ' ' || line[0] == '\t') return false;
  size_t colon = line.find(':');
  return colon != line.npos && is_token(line.substr(0, colon));
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

std::string response_text(int status, std::string_view content_type, std::string_view body,
                          bool head_only, std::string_view extra_header) {
  std::string r = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n", status,
      reason_phrase(status), content_type, body.size());
  if (!extra_header.empty()) r += fmt::format("{}\r\n", extra_header);
  r += "\r\n";
  if (!head_only) r += body;
  return r;
}

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

}  // namespace

HttpRequestHead parse_http_request_head(std::string_view buf, size_t max_head) {
  HttpRequestHead h;
  std::vector<std::string_view> lines;
  size_t pos = 0;
  for (;;) {
    size_t nl = buf.find('\n', pos);
    if (nl == buf.npos || nl >= max_head) {
      h.status = buf.size() > max_head || nl != buf.npos ? Status::kTooLarge : Status::kIncomplete;
      return h;
    }
    std::string_view line = buf.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (line.empty()) {
      if (lines.empty()) continue;  // empty lines before the request line
      break;
    }
    if (has_control(line)) {
      h.status = Status::kBad;
      return h;
    }
    lines.push_back(line);
  }
  h.status = parse_request_line(lines[0], h);
  for (size_t i = 1; i < lines.size() && h.status == Status::kComplete; ++i)
    if (!is_field_line(lines[i])) h.status = Status::kBad;
  return h;
}

HttpServer::HttpServer(EventLoop& loop, Logger log, Handler handler, Limits limits)
    : loop_(loop), log_(std::move(log)), handler_(std::move(handler)), limits_(limits) {}

HttpServer::~HttpServer() {
  for (auto& [id, c] : clients_) {
    loop_.remove(c->conn.fd());
    if (c->timer) loop_.cancel_timer(c->timer);
  }
  if (listener_) loop_.remove(listener_->fd());
}

std::error_code HttpServer::listen(SocketAddress addr) {
  auto l = TcpListener::listen(addr, 64);
  if (!l) return l.error();
  listener_ = std::move(l.value());
  if (auto ec = loop_.add(listener_->fd(), kReadable, [this](uint32_t) { on_accept(); })) {
    listener_.reset();
    return ec;
  }
  return {};
}

std::optional<SocketAddress> HttpServer::local_address() const {
  if (!listener_) return std::nullopt;
  auto a = listener_->local_address();
  if (!a) return std::nullopt;
  return *a;
}

void HttpServer::on_accept() {
  for (int i = 0; i < kAcceptBatch; ++i) {
    auto a = listener_->accept();
    if (!a) {
      if (!would_block(a.error())) log_.warn("accept: {}", a.error().message());
      return;
    }
    admit(std::move(a->fd));
  }
}

void HttpServer::admit(Fd fd) {
  TcpConnection conn(std::move(fd));
  if (clients_.size() >= limits_.max_clients) {
    stats_.clients_refused++;
    log_.debug("{} clients already, refusing one more", clients_.size());
    // A best-effort answer; the socket's buffer takes this much.
    std::string busy =
        response_text(503, kTextPlain, "too many clients\n", false, "Retry-After: 1");
    (void)conn.write({reinterpret_cast<const uint8_t*>(busy.data()), busy.size()});
    return;
  }
  auto c = std::make_unique<Client>();
  c->id = next_id_++;
  c->conn = std::move(conn);
  uint64_t id = c->id;
  if (auto ec =
          loop_.add(c->conn.fd(), kReadable, [this, id](uint32_t ev) { on_client(id, ev); })) {
    log_.warn("cannot watch a client: {}", ec.message());
    return;
  }
  c->timer = loop_.add_timer_after(limits_.timeout, [this, id] {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    it->second->timer = 0;
    stats_.timeouts++;
    log_.debug("client still connected after {} ms, closing it",
               std::chrono::duration_cast<milliseconds>(limits_.timeout).count());
    close_client(id);
  });
  clients_.emplace(id, std::move(c));
}

void HttpServer::on_client(uint64_t id, uint32_t events) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  bool keep = true;
  if (events & kWritable) keep = after_write(c);
  if (keep && (events & (kReadable | kHangup | kError))) keep = on_readable(c);
  if (!keep) {
    close_client(id);
    return;
  }
  uint32_t want = c.conn.want_write() ? kWritable : kReadable;
  if (auto ec = loop_.modify(c.conn.fd(), want)) {
    log_.debug("cannot update a client's events: {}", ec.message());
    close_client(id);
  }
}

bool HttpServer::on_readable(Client& c) {
  switch (c.phase) {
    case Phase::kReading: return read_head(c);
    case Phase::kDraining: return drain(c);
    case Phase::kAnswering: return true;  // the answer goes out first
  }
  return false;
}

bool HttpServer::read_head(Client& c) {
  std::array<uint8_t, 4096> buf;
  for (int i = 0; i < kReadRounds; ++i) {
    auto n = c.conn.read(buf);
    if (!n) return would_block(n.error());
    if (*n == 0) return false;  // gone before a whole request: nothing to answer
    c.in.append(reinterpret_cast<const char*>(buf.data()), *n);
    HttpRequestHead head = parse_http_request_head(c.in, limits_.max_head);
    if (head.status == HttpRequestHead::Status::kIncomplete) continue;
    answer(c, head);
    return after_write(c);
  }
  return true;
}

void HttpServer::answer(Client& c, const HttpRequestHead& head) {
  switch (head.status) {
    case Status::kBad: return respond(c, 400, kTextPlain, "bad request\n");
    case Status::kTooLarge:
      return respond(c, 431, kTextPlain,
                     fmt::format("request head longer than {} octets\n", limits_.max_head));
    case Status::kVersionNotSupported: return respond(c, 505, kTextPlain, "HTTP/1.x only\n");
    case Status::kIncomplete:
    case Status::kComplete: break;
  }
  bool head_only = head.method == "HEAD";
  if (head.method != "GET" && !head_only)
    return respond(c, 405, kTextPlain, "GET or HEAD only\n", false, "Allow: GET, HEAD");
  std::optional<Page> page = handler_(head.path);
  if (!page) return respond(c, 404, kTextPlain, "not found\n", head_only);
  respond(c, 200, page->content_type, page->body, head_only);
}

void HttpServer::respond(Client& c, int status, std::string_view content_type,
                         std::string_view body, bool head_only, std::string_view extra_header) {
  (status < 400 ? stats_.requests : stats_.errors)++;
  if (status >= 400) log_.debug("answered {} {}", status, reason_phrase(status));
  c.in.clear();
  c.phase = Phase::kAnswering;
  std::string r = response_text(status, content_type, body, head_only, extra_header);
  if (auto ec = c.conn.write({reinterpret_cast<const uint8_t*>(r.data()), r.size()}))
    log_.debug("write: {}", ec.message());
}

// Sends what is queued; once the answer is out, stops sending and drains.
bool HttpServer::after_write(Client& c) {
  if (auto ec = c.conn.flush()) return false;
  if (c.conn.want_write() || c.phase != Phase::kAnswering) return true;
  c.phase = Phase::kDraining;
  return !c.conn.shutdown_write();
}

bool HttpServer::drain(Client& c) {
  std::array<uint8_t, 4096> buf;
  for (int i = 0; i < kReadRounds; ++i) {
    auto n = c.conn.read(buf);
    if (!n) return would_block(n.error());
    if (*n == 0) return false;  // the client closed: done
    c.drained += *n;
    if (c.drained > kMaxDrain) return false;
  }
  return true;
}

void HttpServer::close_client(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  loop_.remove(it->second->conn.fd());
  if (it->second->timer) loop_.cancel_timer(it->second->timer);
  clients_.erase(it);
}

}  // namespace pptpx::io
