// SPDX-License-Identifier: MIT
#include "app/common/platform.h"

namespace pptpx::app {

io::Result<std::unique_ptr<SystemPlatform>> SystemPlatform::open() {
  auto nl = io::Netlink::open();
  if (!nl) return nl.error();
  return std::unique_ptr<SystemPlatform>(new SystemPlatform(std::move(nl.value())));
}

io::Result<std::unique_ptr<io::GreIo>> SystemPlatform::open_gre(
    const io::GreSocket::Options& opts) {
  auto g = io::GreSocket::open(opts);
  if (!g) return g.error();
  return std::unique_ptr<io::GreIo>(std::make_unique<io::GreSocket>(std::move(g.value())));
}

io::Result<std::unique_ptr<io::TunIo>> SystemPlatform::create_tun(std::optional<unsigned> unit) {
  auto t = io::TunDevice::create(unit);
  if (!t) return t.error();
  return std::unique_ptr<io::TunIo>(std::make_unique<io::TunDevice>(std::move(t.value())));
}

io::Result<std::unique_ptr<io::LinkWatch>> SystemPlatform::watch_links() {
  auto m = io::LinkMonitor::open();
  if (!m) return m.error();
  return std::unique_ptr<io::LinkWatch>(std::make_unique<io::LinkMonitor>(std::move(m.value())));
}

}  // namespace pptpx::app
