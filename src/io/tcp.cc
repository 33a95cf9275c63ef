// SPDX-License-Identifier: MIT
// Non-blocking TCP sockets (see tcp.h).
#include "io/tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pptpx::io {
namespace {

sockaddr_in to_sockaddr(SocketAddress a) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(a.addr.value);
  sin.sin_port = htons(a.port);
  return sin;
}

SocketAddress from_sockaddr(const sockaddr_in& sin) {
  return {Ipv4{ntohl(sin.sin_addr.s_addr)}, ntohs(sin.sin_port)};
}

Result<SocketAddress> sock_name(int fd, bool peer) {
  sockaddr_in sin{};
  socklen_t len = sizeof(sin);
  int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&sin), &len)
                : ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  if (rc < 0) return errno_error();
  if (sin.sin_family != AF_INET)
    return std::make_error_code(std::errc::address_family_not_supported);
  return from_sockaddr(sin);
}

std::error_code set_int_opt(int fd, int level, int name, int value) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) < 0) return errno_error();
  return {};
}

}  // namespace

Result<TcpListener> TcpListener::listen(SocketAddress addr, int backlog) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error();
  if (auto ec = set_int_opt(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1)) return ec;
  sockaddr_in sin = to_sockaddr(addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0) return errno_error();
  if (::listen(fd.get(), backlog) < 0) return errno_error();
  TcpListener l;
  l.fd_ = std::move(fd);
  return l;
}

Result<TcpListener::QueueInfo> TcpListener::queue_info() const {
  tcp_info ti{};
  socklen_t len = sizeof(ti);
  if (::getsockopt(fd_.get(), IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) return errno_error();
  // For a listener the kernel reports the accept queue in these two fields.
  return QueueInfo{ti.tcpi_unacked, ti.tcpi_sacked};
}

Result<SocketAddress> TcpListener::local_address() const { return sock_name(fd_.get(), false); }

Result<TcpListener::Accepted> TcpListener::accept() {
  sockaddr_in peer{};
  socklen_t len = sizeof(peer);
  for (;;) {
    int s = ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &len,
                      SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (s >= 0) {
      Accepted a;
      a.fd = Fd(s);
      a.peer = from_sockaddr(peer);
      auto local = sock_name(s, false);
      if (!local) return local.error();
      a.local = *local;
      return a;
    }
    // A connection reset before accept is the peer's problem, not ours.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return errno_error();
  }
}

Result<TcpConnection> TcpConnection::connect(SocketAddress remote, std::optional<Ipv4> local) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error();
  if (local) {
    sockaddr_in l = to_sockaddr({*local, 0});
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&l), sizeof(l)) < 0) return errno_error();
  }
  sockaddr_in sin = to_sockaddr(remote);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0 &&
      errno != EINPROGRESS) {
    return errno_error();
  }
  return TcpConnection(std::move(fd));
}

std::error_code TcpConnection::finish_connect() {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno_error();
  return err ? errno_error(err) : std::error_code{};
}

Result<size_t> TcpConnection::read(MutableByteView buf) {
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    return errno_error();
  }
}

std::error_code TcpConnection::write(ByteView data) {
  if (!fd_.valid()) return std::make_error_code(std::errc::not_connected);
  if (want_write()) {
    // Keep order: append behind what is already queued.
    out_.insert(out_.end(), data.begin(), data.end());
    return flush();
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd_.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return errno_error();
  }
  out_.clear();
  out_pos_ = 0;
  out_.insert(out_.end(), data.begin() + static_cast<ptrdiff_t>(done), data.end());
  return {};
}

std::error_code TcpConnection::flush() {
  while (out_pos_ < out_.size()) {
    ssize_t n = ::send(fd_.get(), out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
    if (n > 0) {
      out_pos_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {};
    return errno_error();
  }
  out_.clear();
  out_pos_ = 0;
  return {};
}

void TcpConnection::close() {
  fd_.reset();
  out_.clear();
  out_pos_ = 0;
}

std::error_code TcpConnection::shutdown_write() {
  if (::shutdown(fd_.get(), SHUT_WR) < 0) return errno_error();
  return {};
}

Result<SocketAddress> TcpConnection::local_address() const { return sock_name(fd_.get(), false); }
Result<SocketAddress> TcpConnection::peer_address() const { return sock_name(fd_.get(), true); }

std::error_code TcpConnection::set_nodelay(bool on) {
  return set_int_opt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0);
}
std::error_code TcpConnection::set_keepalive(bool on) {
  return set_int_opt(fd_.get(), SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0);
}

}  // namespace pptpx::io
