// SPDX-License-Identifier: MIT
// Pid file (see pidfile.h).
#include "io/pidfile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <string>

namespace pptpx::io {

namespace {

// Whether fd is still the file at path: a process that held the lock may
// have removed the file between our open and our flock.
bool still_linked(int fd, const std::string& path) {
  struct stat by_fd {
  }, by_path{};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_path) != 0) return false;
  return by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

std::error_code write_pidfile(const std::string& path, pid_t pid) {
  // Write a temporary file and rename, so a reader never sees a partial pid.
  std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return errno_error();
  std::string text = std::to_string(pid) + "\n";
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    auto ec = errno_error();
    ::unlink(tmp.c_str());
    return ec;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    auto ec = errno_error();
    ::unlink(tmp.c_str());
    return ec;
  }
  return {};
}

std::error_code write_pidfile(const std::string& path) { return write_pidfile(path, ::getpid()); }

std::error_code remove_pidfile(const std::string& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) return errno_error();
  return {};
}

std::optional<pid_t> read_pidfile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
  if (ec != std::errc() || end != line.data() + line.size() || pid <= 1) return std::nullopt;
  return pid;
}

std::string pid_holder(const std::string& path) {
  std::optional<pid_t> pid = read_pidfile(path);
  return pid ? "pid " + std::to_string(*pid) : "its pid is not written yet";
}

Result<PidFile> PidFile::lock(std::string path) {
  // Removed at exit, when a daemon's working directory is / already.
  std::error_code ec;
  if (!path.empty() && path[0] != '/') path = std::filesystem::absolute(path, ec).string();
  if (ec) return ec;
  for (;;) {
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd.valid()) return errno_error();
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return errno_error();
    if (!still_linked(fd.get(), path)) continue;  // removed meanwhile: lock the new one
    PidFile p;
    p.path_ = std::move(path);
    p.fd_ = std::move(fd);
    return p;
  }
}

std::error_code PidFile::write() {
  const pid_t pid = ::getpid();
  const std::string text = std::to_string(pid) + "\n";
  if (::ftruncate(fd_.get(), 0) != 0) return errno_error();
  if (::pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    return errno_error();
  owner_ = pid;
  return {};
}

PidFile::PidFile(PidFile&& o) noexcept
    : path_(std::move(o.path_)), fd_(std::move(o.fd_)), owner_(std::exchange(o.owner_, 0)) {
  o.path_.clear();
}

PidFile& PidFile::operator=(PidFile&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    o.path_.clear();
    fd_ = std::move(o.fd_);
    owner_ = std::exchange(o.owner_, 0);
  }
  return *this;
}

// Removes the file while still holding the lock (so nobody can lock the
// old file and think it current), then lets the lock go. Nobody to tell of
// a failure in a destructor or a move: a stale pid file is what pppd and
// pptpd leave too, and the next start takes it over.
void PidFile::release() {
  if (fd_.valid() && owner_ == ::getpid()) (void)remove_pidfile(path_);
  fd_.reset();
  owner_ = 0;
}

PidFile::~PidFile() { release(); }

}  // namespace pptpx::io
