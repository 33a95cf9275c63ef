// SPDX-License-Identifier: MIT
// What pptpxd and pptpx need of the system besides TCP and scripts: the raw
// GRE socket, one TUN device per link, the netlink calls that set it up and
// the link notifications that tell when it is removed or set down.
// SystemPlatform is the real thing (root or CAP_NET_ADMIN/CAP_NET_RAW);
// tests/support/fake_io.h has in-memory fakes, so the applications run in
// unit tests without root or namespaces.
#pragma once

#include <memory>
#include <optional>

#include "io/gre_socket.h"
#include "io/link_watch.h"
#include "io/netlink.h"
#include "io/result.h"
#include "io/tun.h"

namespace pptpx::app {

class Platform {
 public:
  virtual ~Platform() = default;
  virtual io::Result<std::unique_ptr<io::GreIo>> open_gre(const io::GreSocket::Options& opts) = 0;
  // With no unit the lowest free pppN; with one, exactly that or an error.
  virtual io::Result<std::unique_ptr<io::TunIo>> create_tun(std::optional<unsigned> unit) = 0;
  virtual io::LinkControl& links() = 0;
  // A subscription to link notifications, for the event loop to watch.
  virtual io::Result<std::unique_ptr<io::LinkWatch>> watch_links() = 0;
  // Routes, proxy ARP and the like: the real netlink socket, or null when
  // there is none (fakes).
  virtual io::Netlink* netlink() = 0;
};

class SystemPlatform final : public Platform {
 public:
  // Opens the netlink socket.
  static io::Result<std::unique_ptr<SystemPlatform>> open();

  io::Result<std::unique_ptr<io::GreIo>> open_gre(const io::GreSocket::Options& opts) override;
  io::Result<std::unique_ptr<io::TunIo>> create_tun(std::optional<unsigned> unit) override;
  io::LinkControl& links() override { return netlink_; }
  io::Result<std::unique_ptr<io::LinkWatch>> watch_links() override;
  io::Netlink* netlink() override { return &netlink_; }

 private:
  explicit SystemPlatform(io::Netlink nl) : netlink_(std::move(nl)) {}
  io::Netlink netlink_;
};

}  // namespace pptpx::app
