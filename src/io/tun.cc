// SPDX-License-Identifier: MIT
// TUN device (see tun.h).
#include "io/tun.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

namespace pptpx::io {

Result<TunDevice> TunDevice::create(std::optional<unsigned> unit, std::string_view prefix) {
  std::string want = std::string(prefix) + (unit ? std::to_string(*unit) : std::string("%d"));
  if (want.size() >= IFNAMSIZ) return std::make_error_code(std::errc::invalid_argument);
  Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return errno_error();
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, want.data(), want.size());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) return errno_error();
  TunDevice dev;
  dev.name_.assign(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
  dev.ifindex_ = if_nametoindex(dev.name_.c_str());
  if (dev.ifindex_ == 0) return errno_error();
  dev.fd_ = std::move(fd);
  return dev;
}

Result<size_t> TunDevice::read(MutableByteView buf, size_t offset) {
  if (offset >= buf.size()) return std::make_error_code(std::errc::no_buffer_space);
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf.data() + offset, buf.size() - offset);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    return errno_error();
  }
}

std::error_code TunDevice::write(ByteView packet) {
  for (;;) {
    ssize_t n = ::write(fd_.get(), packet.data(), packet.size());
    if (n >= 0) return {};
    if (errno == EINTR) continue;
    return errno_error();
  }
}

size_t TunDevice::read_batch(std::span<const MutableByteView> bufs, size_t offset,
                             std::span<size_t> lens) {
  size_t n = 0;
  for (; n < bufs.size() && n < lens.size(); ++n) {
    auto r = read(bufs[n], offset);
    if (!r || *r == 0) break;
    lens[n] = *r;
  }
  return n;
}

size_t TunDevice::write_batch(std::span<const ByteView> packets) {
  size_t n = 0;
  for (ByteView p : packets) {
    if (!write(p)) ++n;
  }
  return n;
}

std::error_code TunDevice::disable_ipv6() {
  // Without this the kernel gives the interface a link-local address and
  // sends Router Solicitations into a tunnel that never negotiated IPv6.
  std::string path = "/proc/sys/net/ipv6/conf/" + name_ + "/disable_ipv6";
  Fd f(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!f.valid()) return errno == ENOENT ? std::error_code{} : errno_error();
  if (::write(f.get(), "1", 1) != 1) return errno_error();
  return {};
}

void TunDevice::close() {
  fd_.reset();
  ifindex_ = 0;
}

}  // namespace pptpx::io
