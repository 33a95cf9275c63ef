// SPDX-License-Identifier: MIT
// Fd and small helpers.
#include "io/result.h"

#include <fcntl.h>
#include <unistd.h>

namespace pptpx::io {

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::error_code set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return errno_error();
  if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno_error();
  return {};
}

}  // namespace pptpx::io
