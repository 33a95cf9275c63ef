// SPDX-License-Identifier: MIT
// The client's routes through the tunnel, as pppd's defaultroute and
// replacedefaultroute make them: a default route via pppN (never over an
// existing one unless replacedefaultroute), a host route that keeps the
// server itself outside the tunnel (pptp-linux; not with --nohostroute),
// and the replaced default route put back when the link goes down.
#pragma once

#include <optional>
#include <string>

#include "app/client/default_route.h"
#include "base/ip.h"
#include "base/log.h"
#include "io/netlink.h"

namespace pptpx::client {

struct RoutePolicy {
  bool defaultroute = false;
  bool replacedefaultroute = false;
  bool hostroute = true;  // pptp-linux's host route to the server
};

class Routes {
 public:
  // server_route: the kernel's route to the server before the tunnel existed.
  Routes(io::Netlink* netlink, Ipv4 server, std::optional<io::RouteLookup> server_route,
         RoutePolicy policy)
      : nl_(netlink), server_(server), server_route_(server_route), policy_(policy) {}

  // At IPCP up: the routes via the interface.
  void add(const std::string& ifname, unsigned ifindex, const Logger& log);
  // At link down (not at a renegotiation): our routes go, the replaced
  // default route comes back.
  void remove(unsigned ifindex, const Logger& log);

 private:
  io::Route host_route() const;
  void add_host_route(const Logger& log);
  void restore_default_route(const Logger& log);

  io::Netlink* nl_;
  Ipv4 server_;
  std::optional<io::RouteLookup> server_route_;
  RoutePolicy policy_;
  bool host_route_added_ = false;
  bool default_route_added_ = false;
  std::optional<DefaultRoute> replaced_;  // replacedefaultroute: put back at down
};

}  // namespace pptpx::client
