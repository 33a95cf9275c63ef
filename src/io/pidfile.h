// SPDX-License-Identifier: MIT
// Pid file for the daemon (/var/run/pptpd.pid style): "<pid>\n".
#pragma once

#include <sys/types.h>

#include <string>

#include "io/result.h"

namespace pptpx::io {

[[nodiscard]] std::error_code write_pidfile(const std::string& path, pid_t pid);
[[nodiscard]] std::error_code write_pidfile(const std::string& path);  // getpid()
// Removes the file; a missing file is not an error.
[[nodiscard]] std::error_code remove_pidfile(const std::string& path);

// Writes on create(), removes on destruction.
class PidFile {
 public:
  static Result<PidFile> create(std::string path);
  PidFile() = default;
  PidFile(PidFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  PidFile& operator=(PidFile&& o) noexcept;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;
  ~PidFile();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pptpx::io
