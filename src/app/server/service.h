// SPDX-License-Identifier: MIT
// What pptpxd says about itself as a service: the status line systemd
// shows, and the messages of a failed start that name the cause and the
// fix (a port taken, and by whom; a missing privilege).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

#include "base/log.h"
#include "io/port_owner.h"
#include "io/tcp.h"

namespace pptpx::server {

// "3 sessions, listening on 0.0.0.0:1723".
std::string status_line(size_t sessions, io::SocketAddress listen);

// listen(2) on `at` failed with ec: why, and what to do. owner: the process
// holding the port (io::find_port_owner), for EADDRINUSE. conf: the
// configuration file's path, where `listen` is set.
std::string listen_failure(io::SocketAddress at, std::error_code ec,
                           const std::optional<io::PortOwner>& owner, const std::string& conf);

// The raw GRE socket could not be opened.
std::string gre_failure(std::error_code ec);

// What pptpxd keeps once it listens, has its GRE socket, netlink, metrics
// and control sockets (README "Least privilege"): CAP_NET_ADMIN in use
// (TUN devices, addresses, routes, proxy ARP), and for the ip-up and
// ip-down scripts CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE and
// CAP_CHOWN (the bounding set of pptpxd.service) in the permitted and
// bounding sets. As root only; otherwise a warning and nothing changes.
// Logs the sets it leaves.
void drop_capabilities(const Logger& log);

}  // namespace pptpx::server
