// SPDX-License-Identifier: MIT
// Who holds a TCP port: the listening sockets of /proc/net/tcp and tcp6
// that keep ADDR:PORT from being bound, and the process whose
// /proc/PID/fd/N links to one of them (socket:[INODE]). For the message of
// a failed listen (EADDRINUSE), so it can name the program in the way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"

namespace pptpx::io {

struct PortOwner {
  int pid = 0;
  std::string name;  // /proc/PID/comm
  std::string unit;  // the systemd service it runs in ("pptpd.service"), or ""
};

// The inodes of the listening sockets in a /proc/net/tcp (v6 false) or
// /proc/net/tcp6 (v6 true) text that conflict with binding addr:port: same
// port, and either address a wildcard or both the same (IPv4-mapped for
// tcp6; a specific IPv6 address never conflicts).
std::vector<uint64_t> listening_inodes(std::string_view text, bool v6, Ipv4 addr, uint16_t port);

// The service a /proc/PID/cgroup text places the process in: the last
// component of its path when it ends in ".service", else "".
std::string service_unit(std::string_view cgroup_text);

// The process holding a listening TCP socket that keeps addr:port from
// being bound, as seen from proc_root (normally /proc, of this network
// namespace). nullopt when none is found, or the fds cannot be read
// (another user's process, without root).
std::optional<PortOwner> find_port_owner(Ipv4 addr, uint16_t port,
                                         const std::string& proc_root = "/proc");

}  // namespace pptpx::io
