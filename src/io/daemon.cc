// SPDX-License-Identifier: MIT
// daemonize() (see daemon.h).
#include "io/daemon.h"

#include <fcntl.h>
#include <unistd.h>

namespace pptpx::io {

std::error_code daemonize() {
  pid_t pid = ::fork();
  if (pid < 0) return errno_error();
  if (pid > 0) ::_exit(0);
  if (::setsid() < 0) return errno_error();
  if (::chdir("/") < 0) return errno_error();
  int null = ::open("/dev/null", O_RDWR);
  if (null < 0) return errno_error();
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup2(null, fd) < 0) {
      auto ec = errno_error();
      if (null > 2) ::close(null);
      return ec;
    }
  }
  if (null > 2) ::close(null);
  return {};
}

}  // namespace pptpx::io
