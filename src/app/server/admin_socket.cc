// SPDX-License-Identifier: MIT
// pptpxd's control socket (see admin_socket.h).
#include "app/server/admin_socket.h"

#include <array>
#include <utility>

namespace pptpx::server {

std::string json_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

AdminSocket::AdminSocket(io::EventLoop& loop, Logger log, Handler handler)
    : loop_(loop), log_(std::move(log)), handler_(std::move(handler)) {}

AdminSocket::~AdminSocket() {
  while (!clients_.empty()) close_client(clients_.begin()->first);
  if (listener_) loop_.remove(listener_->fd());
}

std::error_code AdminSocket::open(const io::UnixListener::Options& opts) {
  auto l = io::UnixListener::listen(opts);
  if (!l) return l.error();
  listener_ = std::move(l.value());
  if (auto ec = loop_.add(listener_->fd(), io::kReadable, [this](uint32_t) { on_accept(); })) {
    listener_.reset();
    return ec;
  }
  return {};
}

const std::string& AdminSocket::path() const {
  static const std::string none;
  return listener_ ? listener_->path() : none;
}

void AdminSocket::on_accept() {
  // A bounded number per wake-up, so that a flood cannot hold the loop.
  for (int i = 0; i < 16; ++i) {
    auto fd = listener_->accept();
    if (!fd) {
      if (!io::would_block(fd.error()))
        log_.warn("control socket: accept: {}", fd.error().message());
      return;
    }
    io::TcpConnection conn(std::move(fd.value()));
    if (clients_.size() >= kMaxClients) {
      stats_.clients_refused++;
      log_.debug("control socket: {} clients already, refusing one more", clients_.size());
      // A best-effort answer; the socket's buffer takes this much.
      std::string busy = json_line(app::admin_error("too many control socket clients (at most " +
                                                    std::to_string(kMaxClients) + ")"));
      (void)conn.write({reinterpret_cast<const uint8_t*>(busy.data()), busy.size()});
      continue;
    }
    auto c = std::make_unique<Client>();
    c->id = next_id_++;
    c->conn = std::move(conn);
    uint64_t id = c->id;
    if (auto ec = loop_.add(c->conn.fd(), io::kReadable,
                            [this, id](uint32_t ev) { on_client(id, ev); })) {
      log_.warn("control socket: cannot watch a client: {}", ec.message());
      continue;
    }
    arm_idle(*c);
    clients_.emplace(id, std::move(c));
  }
}

void AdminSocket::arm_idle(Client& c) {
  uint64_t id = c.id;
  loop_.rearm_timer(&c.idle, loop_.now() + kIdle, [this, id] {
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    it->second->idle = 0;
    log_.debug("control socket: client idle for {} s, closing it",
               std::chrono::duration_cast<seconds>(kIdle).count());
    close_client(id);
  });
}

void AdminSocket::on_client(uint64_t id, uint32_t events) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (events & io::kWritable) {
    if (auto ec = c.conn.flush()) {
      close_client(id);
      return;
    }
    answer_lines(c);  // requests that waited for the answers before them
  }
  if ((events & (io::kReadable | io::kHangup | io::kError)) && !read_requests(c)) {
    close_client(id);
    return;
  }
  if (c.conn.should_close()) {
    close_client(id);
    return;
  }
  update_interest(c);
}

bool AdminSocket::read_requests(Client& c) {
  std::array<uint8_t, 4096> buf;
  // Bounded: a client that writes without end shares the loop with the rest.
  for (int i = 0; i < 16 && !c.conn.want_write(); ++i) {
    auto n = c.conn.read(buf);
    if (!n) return io::would_block(n.error());
    if (*n == 0) return c.conn.want_write();  // EOF: finish sending answers first
    c.in.append(reinterpret_cast<const char*>(buf.data()), *n);
    answer_lines(c);
    if (c.in.size() > app::kMaxAdminRequest) {
      stats_.bad_requests++;
      log_.debug("control socket: request line longer than {} bytes, closing the client",
                 app::kMaxAdminRequest);
      send(c, app::admin_error("request longer than " + std::to_string(app::kMaxAdminRequest) +
                               " bytes"));
      c.in.clear();
      c.conn.close_after_flush();
      return true;
    }
  }
  return true;
}

void AdminSocket::answer_lines(Client& c) {
  // Answers waiting: no more requests until the client has read them.
  size_t nl;
  while (!c.conn.want_write() && (nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    answer(c, line);
    arm_idle(c);
  }
}

void AdminSocket::answer(Client& c, std::string_view line) {
  stats_.requests++;
  std::string error;
  auto req = app::parse_admin_request(line, &error);
  if (!req) {
    stats_.bad_requests++;
    send(c, app::admin_error(error));
    return;
  }
  nlohmann::json j = handler_(*req);
  if (!j.contains("ok")) j["ok"] = true;
  send(c, j);
}

void AdminSocket::send(Client& c, const nlohmann::json& j) {
  std::string s = json_line(j);
  if (auto ec = c.conn.write({reinterpret_cast<const uint8_t*>(s.data()), s.size()}))
    log_.debug("control socket: write: {}", ec.message());
}

void AdminSocket::update_interest(Client& c) {
  // A client with answers waiting is not read from until it takes them, so
  // one that never reads holds at most one answer (and a few requests).
  uint32_t want = c.conn.want_write() ? io::kWritable : io::kReadable;
  if (auto ec = loop_.modify(c.conn.fd(), want))
    log_.debug("control socket: cannot update a client's events: {}", ec.message());
}

void AdminSocket::close_client(uint64_t id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  loop_.remove(it->second->conn.fd());
  if (it->second->idle) loop_.cancel_timer(it->second->idle);
  clients_.erase(it);
}

}  // namespace pptpx::server
