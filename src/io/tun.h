// SPDX-License-Identifier: MIT
// TUN device (IFF_TUN | IFF_NO_PI) standing in for the kernel's pppN
// interface: raw IPv4 packets, no link header. Closing the fd removes the
// device (it is never made persistent).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "io/result.h"

namespace pptpx::io {

// What the applications need of a pppN interface's packets, in batches:
// TunDevice, and in tests an in-memory fake (tests/support/fake_io.h).
class TunIo {
 public:
  virtual ~TunIo() = default;
  virtual int fd() const = 0;
  virtual const std::string& name() const = 0;
  virtual unsigned ifindex() const = 0;
  // Reads up to bufs.size() packets, packet i into bufs[i] from `offset`
  // (headroom for GRE/PPP headers), its length into lens[i]. Returns how
  // many; 0 when none is queued (or on an error, counted by the device).
  virtual size_t read_batch(std::span<const MutableByteView> bufs, size_t offset,
                            std::span<size_t> lens) = 0;
  // Writes IPv4 packets to the kernel; returns how many it took (the rest
  // are dropped).
  virtual size_t write_batch(std::span<const ByteView> packets) = 0;
  // Turns IPv6 off on the interface (no link-local address, no router
  // solicitations); a kernel without IPv6 is not an error.
  virtual std::error_code disable_ipv6() = 0;
};

class TunDevice final : public TunIo {
 public:
  // With no unit, the kernel assigns the lowest free "<prefix>N" atomically
  // (the "%d" name template), as pppd does for pppN. With a unit, exactly
  // "<prefix><unit>" or an error (EBUSY/EEXIST/EINVAL if it exists).
  static Result<TunDevice> create(std::optional<unsigned> unit = {},
                                  std::string_view prefix = "ppp");

  int fd() const override { return fd_.get(); }
  const std::string& name() const override { return name_; }
  unsigned ifindex() const override { return ifindex_; }
  bool is_open() const { return fd_.valid(); }

  // Reads one packet into buf starting at offset (headroom the caller keeps
  // for GRE/PPP headers). Returns the packet length; would_block(error)
  // when none is queued.
  Result<size_t> read(MutableByteView buf, size_t offset = 0);
  // Writes one IPv4 packet to the kernel.
  [[nodiscard]] std::error_code write(ByteView packet);
  // One read(2) or write(2) per packet: the TUN device takes one at a time
  // (without IFF_VNET_HDR offloads).
  size_t read_batch(std::span<const MutableByteView> bufs, size_t offset,
                    std::span<size_t> lens) override;
  size_t write_batch(std::span<const ByteView> packets) override;
  std::error_code disable_ipv6() override;
  void close();

 private:
  Fd fd_;
  std::string name_;
  unsigned ifindex_ = 0;
};

}  // namespace pptpx::io
