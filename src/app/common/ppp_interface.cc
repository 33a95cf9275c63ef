// SPDX-License-Identifier: MIT
#include "app/common/ppp_interface.h"

namespace pptpx::app {

void PppInterface::configure(Ipv4 local, Ipv4 remote, int mtu, bool ipv6, const Logger& log) {
  if (auto ec = links_.add_address_ptp(ifindex(), local, remote))
    log.warn("cannot set addresses: {}", ec.message());
  set_mtu(mtu, log);
  if (!ipv6) {
    if (auto ec = tun_->disable_ipv6()) log.debug("cannot disable IPv6: {}", ec.message());
  }
}

void PppInterface::bring_up(const Logger& log) {
  if (auto ec = links_.set_link_up(ifindex(), true)) {
    log.warn("cannot bring the interface up: {}", ec.message());
    return;
  }
  up_ = true;
}

void PppInterface::readdress(Ipv4 old_local, Ipv4 old_remote, Ipv4 local, Ipv4 remote,
                             const Logger& log) {
  if (auto ec = links_.replace_address_ptp(ifindex(), old_local, old_remote, local, remote))
    log.warn("cannot set addresses: {}", ec.message());
}

void PppInterface::set_mtu(int mtu, const Logger& log) {
  if (auto ec = links_.set_mtu(ifindex(), static_cast<unsigned>(mtu)))
    log.warn("{}: cannot set MTU {}: {}", name(), mtu, ec.message());
}

void PppInterface::log_removal(const Logger& log) const {
  if (lost_ == LinkLoss::kRemoved)
    log.debug("interface {} was removed already", name());
  else
    log.info("interface {} removed", name());
}

}  // namespace pptpx::app
