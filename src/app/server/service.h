// SPDX-License-Identifier: MIT
// What pptpxd says about itself as a service: the status line systemd
// shows, and the messages of a failed start that name the cause and the
// fix (a port taken, and by whom; a missing privilege).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <system_error>

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

}  // namespace pptpx::server
