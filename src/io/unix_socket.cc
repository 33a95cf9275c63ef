// SPDX-License-Identifier: MIT
// Unix stream sockets (see unix_socket.h).
#include "io/unix_socket.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace pptpx::io {
namespace {

Result<sockaddr_un> to_sockaddr(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sun.sun_path))
    return std::make_error_code(std::errc::filename_too_long);
  std::memcpy(sun.sun_path, path.data(), path.size());
  return sun;
}

std::error_code connect_to(int fd, const sockaddr_un& sun) {
  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof(sun)) == 0) return {};
    if (errno != EINTR) return errno_error();
  }
}

// The folder that holds path: created (0755) when missing, one level only,
// as systemd's RuntimeDirectory would.
std::error_code make_parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  std::string dir = path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return errno_error();
  return {};
}

// A socket file at the path that nothing answers on is removed; one that
// answers belongs to a running process.
std::error_code clear_stale(const sockaddr_un& sun, const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) < 0) return errno == ENOENT ? std::error_code{} : errno_error();
  if (!S_ISSOCK(st.st_mode)) return std::make_error_code(std::errc::file_exists);
  Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return errno_error();
  if (!connect_to(probe.get(), sun)) return std::make_error_code(std::errc::address_in_use);
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return errno_error();
  return {};
}

}  // namespace

Result<UnixListener> UnixListener::listen(const Options& opts) {
  auto sun = to_sockaddr(opts.path);
  if (!sun) return sun.error();
  if (auto ec = make_parent(opts.path)) return ec;
  if (auto ec = clear_stale(*sun, opts.path)) return ec;
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error();
  // Nobody else may connect between bind and chmod.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*sun), sizeof(*sun));
  int bind_errno = errno;
  ::umask(old);
  if (rc < 0) return errno_error(bind_errno);
  UnixListener l;
  l.path_ = opts.path;
  l.fd_ = std::move(fd);
  if (const group* g = opts.group.empty() ? nullptr : ::getgrnam(opts.group.c_str())) {
    if (::chown(opts.path.c_str(), static_cast<uid_t>(-1), g->gr_gid) < 0) return errno_error();
    l.group_applied_ = true;
  }
  if (::chmod(opts.path.c_str(), opts.mode) < 0) return errno_error();
  if (::listen(l.fd_.get(), opts.backlog) < 0) return errno_error();
  return l;
}

UnixListener::~UnixListener() {
  if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
}

UnixListener::UnixListener(UnixListener&& o) noexcept
    : fd_(std::move(o.fd_)), path_(std::move(o.path_)), group_applied_(o.group_applied_) {
  o.path_.clear();
}

UnixListener& UnixListener::operator=(UnixListener&& o) noexcept {
  if (this != &o) {
    if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
    fd_ = std::move(o.fd_);
    path_ = std::move(o.path_);
    group_applied_ = o.group_applied_;
    o.path_.clear();
  }
  return *this;
}

Result<Fd> UnixListener::accept() {
  for (;;) {
    int s = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (s >= 0) return Fd(s);
    if (errno == EINTR || errno == ECONNABORTED) continue;
    return errno_error();
  }
}

Result<Fd> unix_connect(const std::string& path) {
  auto sun = to_sockaddr(path);
  if (!sun) return sun.error();
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_error();
  if (auto ec = connect_to(fd.get(), *sun)) return ec;
  return fd;
}

}  // namespace pptpx::io
