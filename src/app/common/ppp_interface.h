// SPDX-License-Identifier: MIT
// The pppN interface of one link, as pppd handles it: created at IPCP up,
// given the point-to-point addresses and the MTU, brought up, re-addressed
// if the link is renegotiated with other addresses, and removed (closing
// the TUN device deletes it) when the link ends. Removed or set down from
// outside, it is marked lost (see link_watcher.h) while its link ends.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "app/common/link_watcher.h"
#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "io/netlink.h"
#include "io/tun.h"

namespace pptpx::app {

class PppInterface {
 public:
  PppInterface(std::unique_ptr<io::TunIo> tun, io::LinkControl& links)
      : tun_(std::move(tun)), links_(links) {}

  const std::string& name() const { return tun_->name(); }
  unsigned ifindex() const { return tun_->ifindex(); }
  int fd() const { return tun_->fd(); }

  // Addresses, MTU and (unless the link runs IPv6) no IPv6; the interface
  // stays down. Failures are logged: the link still comes up, as with pppd.
  void configure(Ipv4 local, Ipv4 remote, int mtu, bool ipv6, const Logger& log);
  void bring_up(const Logger& log);
  // bring_up() succeeded: from now on down is a loss.
  bool is_up() const { return up_; }
  // A renegotiated link: the addresses change in place (routes stay).
  void readdress(Ipv4 old_local, Ipv4 old_remote, Ipv4 local, Ipv4 remote, const Logger& log);
  void set_mtu(int mtu, const Logger& log);

  // Removed or set down from outside (once; the first loss stays).
  void set_lost(LinkLoss loss) {
    if (!lost_) lost_ = loss;
  }
  std::optional<LinkLoss> lost() const { return lost_; }
  // What the link watcher is to check: nothing once lost.
  std::optional<OwnInterface> watched() const {
    if (lost_) return std::nullopt;
    return OwnInterface{ifindex(), up_};
  }
  // The line for the interface's end (the caller then destroys it, which
  // closes the TUN device): at info, or at debug when it was removed from
  // outside already, which is fine.
  void log_removal(const Logger& log) const;

  // Packets from the kernel, each at `offset` in its buffer (see io::TunIo).
  size_t read(std::span<const MutableByteView> bufs, size_t offset, std::span<size_t> lens) {
    return tun_->read_batch(bufs, offset, lens);
  }
  // One IPv4 packet to the kernel; false when it was dropped.
  bool write(ByteView ip) { return tun_->write_batch(std::span<const ByteView>(&ip, 1)) == 1; }

 private:
  std::unique_ptr<io::TunIo> tun_;
  io::LinkControl& links_;
  bool up_ = false;
  std::optional<LinkLoss> lost_;
};

}  // namespace pptpx::app
