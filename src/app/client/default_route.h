// SPDX-License-Identifier: MIT
// The default route as /proc/net/route shows it (what pppd's sys-linux.c
// reads for defaultroute and replacedefaultroute): the client saves it
// before `replacedefaultroute` replaces it, and puts it back at link down.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ip.h"

namespace pptpx::client {

struct DefaultRoute {
  std::string ifname;
  Ipv4 gateway;  // 0: on-link
  uint32_t metric = 0;
};

// The usable (RTF_UP) default route with the lowest metric, skipping
// routes through `except_ifname`; nullopt when there is none. Malformed
// lines are skipped.
std::optional<DefaultRoute> parse_default_route(std::string_view proc_net_route,
                                                std::string_view except_ifname = {});

}  // namespace pptpx::client
