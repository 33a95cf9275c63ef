// SPDX-License-Identifier: MIT
// Link notifications from the kernel (rtnetlink multicast group
// RTNLGRP_LINK): which interfaces were deleted (RTM_DELLINK) or set up or
// down (RTM_NEWLINK whose ifi_change holds IFF_UP), so that an application
// notices when its pppN is removed or set down from outside.
//
// LinkMonitor owns its own NETLINK_ROUTE socket, bound to the group and
// nonblocking, for the event loop to watch; the request socket (Netlink)
// stays synchronous. When the socket's queue overflowed (ENOBUFS) the
// kernel dropped notifications: a kOverflow event says every interface of
// interest must be checked again (LinkControl::link_state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "base/bytes.h"
#include "io/result.h"

struct mnl_socket;

namespace pptpx::io {

struct LinkEvent {
  enum class Kind : uint8_t {
    kDeleted,   // RTM_DELLINK
    kDown,      // RTM_NEWLINK that cleared IFF_UP
    kUp,        // RTM_NEWLINK that set IFF_UP
    kOverflow,  // notifications were lost: check every interface again
  };
  Kind kind = Kind::kOverflow;
  unsigned ifindex = 0;  // 0 with kOverflow
  std::string ifname;    // IFLA_IFNAME; empty when the message had none
};

// The link events in one datagram of rtnetlink messages, as recv() returned
// it, appended to out in order; returns how many. Only AF_UNSPEC link
// messages count (an AF_BRIDGE RTM_DELLINK is a port leaving its bridge,
// not a deletion), and an RTM_NEWLINK only when IFF_UP changed, a new
// interface (ifi_change all ones) excepted. Whatever is malformed is
// skipped: a message whose length runs past the datagram ends the walk, one
// too short for its ifinfomsg is passed over, and every attribute is
// bounded by its message.
size_t parse_link_events(ByteView datagram, std::vector<LinkEvent>& out);

// What the applications need of link notifications: LinkMonitor, and in
// tests an in-memory fake (tests/support/fake_io.h).
class LinkWatch {
 public:
  virtual ~LinkWatch() = default;
  // Readable while notifications wait.
  virtual int fd() const = 0;
  // Everything queued, in order, appended to out without blocking; a lost
  // stretch of notifications is one kOverflow event where it happened.
  // Returns an error other than "nothing left" or an overflow, if any.
  virtual std::error_code read(std::vector<LinkEvent>& out) = 0;
};

class LinkMonitor final : public LinkWatch {
 public:
  LinkMonitor() = default;  // not open; use open()
  // Room for bursts (many sessions ending at once) before the kernel drops
  // notifications; net.core.rmem_max caps it.
  static constexpr int kReceiveBuffer = 1 << 20;

  // A NETLINK_ROUTE socket bound to RTNLGRP_LINK in this network namespace,
  // asking for receive_buffer octets of queue (SO_RCVBUF).
  static Result<LinkMonitor> open(int receive_buffer = kReceiveBuffer);
  LinkMonitor(LinkMonitor&&) noexcept;
  LinkMonitor& operator=(LinkMonitor&&) noexcept;
  ~LinkMonitor() override;

  int fd() const override;
  std::error_code read(std::vector<LinkEvent>& out) override;
  // Times the kernel dropped notifications for this socket (ENOBUFS).
  uint64_t overflows() const { return overflows_; }

 private:
  mnl_socket* nl_ = nullptr;
  std::unique_ptr<char[]> buf_;
  uint64_t overflows_ = 0;
};

}  // namespace pptpx::io
