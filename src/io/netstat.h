// SPDX-License-Identifier: MIT
// Listen queue figures the kernel keeps outside the socket: the
// namespace-wide TcpExt counters of /proc/net/netstat (ListenOverflows: a
// handshake found the accept queue full; ListenDrops: every SYN or final ACK
// dropped at a listener, overflows included) and net.core.somaxconn, the cap
// on any listen(2) backlog.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "io/result.h"

namespace pptpx::io {

// One counter of /proc/net/snmp-style text: a "Group: name name ..." line
// followed by a "Group: value value ..." line. nullopt when absent.
std::optional<uint64_t> netstat_counter(std::string_view text, std::string_view group,
                                        std::string_view name);

struct ListenCounters {
  uint64_t overflows = 0;  // TcpExt ListenOverflows
  uint64_t drops = 0;      // TcpExt ListenDrops
};
Result<ListenCounters> read_listen_counters(const std::string& path = "/proc/net/netstat");

// The integer a /proc/sys file holds (e.g. net/ipv4/ip_forward).
Result<int> read_sysctl_int(const std::string& path);

// /proc/sys/net/core/somaxconn.
Result<int> read_somaxconn(const std::string& path = "/proc/sys/net/core/somaxconn");

}  // namespace pptpx::io
