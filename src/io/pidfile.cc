// SPDX-License-Identifier: MIT
// Pid file (see pidfile.h).
#include "io/pidfile.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace pptpx::io {

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

Result<PidFile> PidFile::create(std::string path) {
  if (auto ec = write_pidfile(path)) return ec;
  PidFile p;
  p.path_ = std::move(path);
  return p;
}

PidFile& PidFile::operator=(PidFile&& o) noexcept {
  if (this != &o) {
    // Nobody to tell in a destructor or a move: a stale pid file is what
    // pppd and pptpd leave too, and the next start overwrites it.
    if (!path_.empty()) (void)remove_pidfile(path_);
    path_ = std::move(o.path_);
    o.path_.clear();
  }
  return *this;
}

PidFile::~PidFile() {
  if (!path_.empty()) (void)remove_pidfile(path_);  // see operator=
}

}  // namespace pptpx::io
