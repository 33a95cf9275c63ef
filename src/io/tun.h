// TUN device (IFF_TUN | IFF_NO_PI) standing in for the kernel's pppN
// interface: raw IPv4 packets, no link header. Closing the fd removes the
// device (it is never made persistent).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "io/result.h"

namespace pptpx::io {

class TunDevice {
 public:
  // With no unit, the kernel assigns the lowest free "<prefix>N" atomically
  // (the "%d" name template), as pppd does for pppN. With a unit, exactly
  // "<prefix><unit>" or an error (EBUSY/EEXIST/EINVAL if it exists).
  static Result<TunDevice> create(std::optional<unsigned> unit = {}, std::string_view prefix = "ppp");

  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }
  unsigned ifindex() const { return ifindex_; }
  bool is_open() const { return fd_.valid(); }

  // Reads one packet into buf starting at offset (headroom the caller keeps
  // for GRE/PPP headers). Returns the packet length; would_block(error)
  // when none is queued.
  Result<size_t> read(MutableByteView buf, size_t offset = 0);
  // Writes one IPv4 packet to the kernel.
  std::error_code write(ByteView packet);
  // Turns IPv6 off on the interface (no link-local address, no router
  // solicitations); a kernel without IPv6 is not an error.
  std::error_code disable_ipv6();
  void close();

 private:
  Fd fd_;
  std::string name_;
  unsigned ifindex_ = 0;
};

}  // namespace pptpx::io
