// SPDX-License-Identifier: MIT
#include "app/client/routes.h"

#include "config/ppp_options.h"

namespace pptpx::client {

namespace {

constexpr const char* kProcNetRoute = "/proc/net/route";

}  // namespace

io::Route Routes::host_route() const {
  io::Route host;
  host.dst = server_;
  host.prefix_len = 32;
  host.ifindex = server_route_ ? server_route_->ifindex : 0;
  host.gateway = server_route_ ? server_route_->gateway : Ipv4{};
  return host;
}

void Routes::add(const std::string& ifname, unsigned ifindex, const Logger& log) {
  if (!policy_.defaultroute || !nl_) return;
  std::optional<DefaultRoute> existing;
  config::FileReadResult table = config::read_whole_file(kProcNetRoute);
  if (table.contents) existing = parse_default_route(*table.contents, ifname);
  if (existing && !policy_.replacedefaultroute) {
    // pppd leaves any existing default route alone, whatever its metric;
    // then there is nothing for a host route to the server to protect.
    if (existing->gateway.is_zero())
      log.warn("not replacing existing default route through {}", existing->ifname);
    else
      log.warn("not replacing existing default route via {}", existing->gateway.str());
    return;
  }
  add_host_route(log);
  if (policy_.replacedefaultroute) {
    replaced_ = existing;
    if (replaced_)
      // Debian's pppd words (its replacedefaultroute patch).
      log.info("replacing old default route to {} [{}] (metric {})", replaced_->ifname,
               replaced_->gateway.str(), replaced_->metric);
  }
  io::Route def;
  def.dst = Ipv4{};
  def.prefix_len = 0;
  def.ifindex = ifindex;
  if (auto ec = nl_->add_route(def, policy_.replacedefaultroute)) {
    replaced_.reset();
    if (ec == std::errc::file_exists)
      log.warn("not replacing the existing default route (use replacedefaultroute)");
    else
      log.warn("cannot add the default route: {}", ec.message());
    return;
  }
  default_route_added_ = true;
  log.notice("default route set via {}", ifname);
}

void Routes::add_host_route(const Logger& log) {
  if (!policy_.hostroute || !server_route_ || server_route_->ifindex == 0) return;
  if (auto ec = nl_->add_route(host_route())) {
    if (ec != std::errc::file_exists)
      log.warn("cannot add the host route to {}: {}", server_.str(), ec.message());
    return;
  }
  host_route_added_ = true;
}

void Routes::remove(unsigned ifindex, const Logger& log) {
  if (!nl_) return;
  if (default_route_added_ && ifindex) {
    io::Route def;
    def.prefix_len = 0;
    def.ifindex = ifindex;
    if (auto ec = nl_->del_route(def)) log.debug("default route: {}", ec.message());
  }
  default_route_added_ = false;
  restore_default_route(log);
  if (host_route_added_) {
    if (auto ec = nl_->del_route(host_route()))
      log.debug("host route to {}: {}", server_.str(), ec.message());
  }
  host_route_added_ = false;
}

void Routes::restore_default_route(const Logger& log) {
  if (!replaced_) return;
  DefaultRoute old = *replaced_;
  replaced_.reset();
  io::Route r;
  r.dst = Ipv4{};
  r.prefix_len = 0;
  r.ifindex = io::interface_index(old.ifname);
  r.gateway = old.gateway;
  r.metric = old.metric;
  if (r.ifindex == 0) {
    log.warn("cannot restore the default route: interface {} is gone", old.ifname);
    return;
  }
  // EEXIST: ours had another metric, so the old one was never removed.
  if (auto ec = nl_->add_route(r); ec && ec != std::errc::file_exists)
    log.warn("cannot restore the default route via {}: {}", old.ifname, ec.message());
  else
    log.notice("restoring old default route to {} [{}]", old.ifname, old.gateway.str());
}

}  // namespace pptpx::client
