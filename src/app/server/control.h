// SPDX-License-Identifier: MIT
// One client's PPTP control connection (TCP 1723) on the server: the
// socket, its sans-I/O core and the calls it placed (our call IDs). Its log
// lines start with "[address:port]": clients behind one NAT address differ
// only by their TCP port.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/ip.h"
#include "base/log.h"
#include "base/time.h"
#include "io/event_loop.h"
#include "io/tcp.h"
#include "proto/pptp/server_control.h"

namespace pptpx::server {

struct Control {
  Control(uint64_t i, io::TcpConnection t, io::SocketAddress p, Ipv4 l,
          const pptp::ServerControlConfig& cfg, Logger lg, Time now)
      : id(i),
        tcp(std::move(t)),
        peer(p.addr),
        peer_port(p.port),
        local(l),
        core(cfg, lg, now),
        log(std::move(lg)) {}

  // "192.0.2.7:53122".
  std::string name() const { return peer.str() + ":" + std::to_string(peer_port); }

  uint64_t id = 0;
  io::TcpConnection tcp;
  Ipv4 peer;
  uint16_t peer_port = 0;  // the client's TCP port
  Ipv4 local;
  pptp::ServerControl core;
  io::EventLoop::TimerId timer = 0;
  Time armed = kNever;
  std::vector<uint16_t> calls;  // our call IDs
  Logger log;
  // Its start and end lines: info, or debug for a connection from an
  // address that a notice was logged about this minute (a flood).
  LogLevel level = LogLevel::kInfo;
};

}  // namespace pptpx::server
