// SPDX-License-Identifier: MIT
// Pid file for the daemon (/var/run/pptpd.pid style): "<pid>\n".
//
// PidFile holds the file locked (flock, exclusive) for the life of the
// process, so a second pptpxd (or pptpx for the same peer) on the same
// file finds it taken and leaves everything alone. The lock passes to a
// child that daemonises: it lives with the open file description, which
// fork shares.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "io/result.h"

namespace pptpx::io {

[[nodiscard]] std::error_code write_pidfile(const std::string& path, pid_t pid);
[[nodiscard]] std::error_code write_pidfile(const std::string& path);  // getpid()
// Removes the file; a missing file is not an error.
[[nodiscard]] std::error_code remove_pidfile(const std::string& path);
// The pid on the first line of a pid file; nullopt when missing or garbled.
std::optional<pid_t> read_pidfile(const std::string& path);

class PidFile {
 public:
  // Opens (creating it if needed) and locks the file, without changing
  // it. When another process holds the lock: the error is
  // std::errc::resource_unavailable_try_again (see already_running), and
  // the file is left as it is.
  static Result<PidFile> lock(std::string path);
  // Writes getpid() into the locked file. Only the process that wrote it
  // removes the file at destruction: a parent that forked a daemon and
  // exits leaves it to the child.
  [[nodiscard]] std::error_code write();

  PidFile() = default;
  PidFile(PidFile&& o) noexcept;
  PidFile& operator=(PidFile&& o) noexcept;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile();
  const std::string& path() const { return path_; }

 private:
  void release();

  std::string path_;
  Fd fd_;
  pid_t owner_ = 0;  // the pid written, 0 before write()
};

// Whether lock() failed because another process holds the file.
inline bool already_running(std::error_code ec) { return would_block(ec); }
// Who holds a locked pid file, for a message: "pid 1234", or "its pid is
// not written yet" (locked, not yet written).
std::string pid_holder(const std::string& path);

}  // namespace pptpx::io
