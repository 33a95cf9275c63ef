// SPDX-License-Identifier: MIT
// Helpers shared by the io tests.
#pragma once

#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "io/netlink.h"
#include "support/temp_dir.h"

namespace pptpx::io::test {

// Moves this process into a fresh network namespace with lo up, so tests
// that create interfaces cannot collide with the host or with each other.
// False (the caller skips) when not root or namespaces are unavailable.
inline bool enter_fresh_netns() {
  if (::geteuid() != 0) return false;
  if (::unshare(CLONE_NEWNET) != 0) return false;
  auto nl = Netlink::open();
  if (!nl) return false;
  return !nl->set_link_up(interface_index("lo"), true);
}

inline bool wait_readable(int fd, int timeout_ms = 2000) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// A whole file; empty when it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

using TempDir = pptpx::test::TempDir;

}  // namespace pptpx::io::test
