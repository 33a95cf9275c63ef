// SPDX-License-Identifier: MIT
// Link notifications (see link_watch.h).
#include "io/link_watch.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "io/netlink_attr.h"

namespace pptpx::io {
namespace {

// One notification is a few hundred octets to a few KiB (IFLA_STATS64 and
// the like); a datagram larger than this is truncated and counted as lost.
constexpr size_t kBufSize = 32768;
// Datagrams per read(); the loop calls again while more wait.
constexpr int kReadRounds = 64;
// ifi_change of the RTM_NEWLINK that announces a new interface.
constexpr unsigned kNewInterface = ~0u;

// The event one link message carries, if any.
std::optional<LinkEvent> link_event(const nlmsghdr* h) {
  if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(h) < sizeof(ifinfomsg)) return std::nullopt;
  const auto* m = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
  if (m->ifi_family != AF_UNSPEC || m->ifi_index <= 0) return std::nullopt;
  LinkEvent ev;
  if (h->nlmsg_type == RTM_DELLINK) {
    ev.kind = LinkEvent::Kind::kDeleted;
  } else {
    if (m->ifi_change == kNewInterface || !(m->ifi_change & IFF_UP)) return std::nullopt;
    ev.kind = (m->ifi_flags & IFF_UP) ? LinkEvent::Kind::kUp : LinkEvent::Kind::kDown;
  }
  ev.ifindex = static_cast<unsigned>(m->ifi_index);
  nla::for_each(h, sizeof(ifinfomsg), [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == IFLA_IFNAME) ev.ifname = nla::str(a).substr(0, IFNAMSIZ - 1);
  });
  return ev;
}

}  // namespace

size_t parse_link_events(ByteView datagram, std::vector<LinkEvent>& out) {
  // mnl_nlmsg_ok compares nlmsg_len as an int, so a length of 0xFFFFFFFF
  // would pass it; this walk checks in size_t.
  size_t added = 0;
  size_t off = 0;
  while (datagram.size() - off >= sizeof(nlmsghdr)) {
    const auto* h = reinterpret_cast<const nlmsghdr*>(datagram.data() + off);
    const size_t len = h->nlmsg_len;
    if (len < sizeof(nlmsghdr) || len > datagram.size() - off) break;
    if (auto ev = link_event(h)) {
      out.push_back(std::move(*ev));
      ++added;
    }
    off += std::min(datagram.size() - off, MNL_ALIGN(len));
  }
  return added;
}

Result<LinkMonitor> LinkMonitor::open(int receive_buffer) {
  LinkMonitor m;
  m.nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (!m.nl_) return errno_error();
  if (mnl_socket_bind(m.nl_, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) return errno_error();
  // Best effort: the default buffer works, it only overflows sooner.
  (void)::setsockopt(mnl_socket_get_fd(m.nl_), SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                     sizeof receive_buffer);
  m.buf_ = std::make_unique<char[]>(kBufSize);
  return m;
}

LinkMonitor::LinkMonitor(LinkMonitor&& o) noexcept
    : nl_(std::exchange(o.nl_, nullptr)), buf_(std::move(o.buf_)), overflows_(o.overflows_) {}

LinkMonitor& LinkMonitor::operator=(LinkMonitor&& o) noexcept {
  if (this != &o) {
    if (nl_) mnl_socket_close(nl_);
    nl_ = std::exchange(o.nl_, nullptr);
    buf_ = std::move(o.buf_);
    overflows_ = o.overflows_;
  }
  return *this;
}

LinkMonitor::~LinkMonitor() {
  if (nl_) mnl_socket_close(nl_);
}

int LinkMonitor::fd() const { return nl_ ? mnl_socket_get_fd(nl_) : -1; }

std::error_code LinkMonitor::read(std::vector<LinkEvent>& out) {
  for (int round = 0; round < kReadRounds; ++round) {
    sockaddr_nl from{};
    iovec iov{buf_.get(), kBufSize};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd(), &msg, 0);
    if (n < 0 && errno == EINTR) continue;
    if ((n < 0 && errno == ENOBUFS) || (n >= 0 && (msg.msg_flags & MSG_TRUNC))) {
      ++overflows_;
      out.push_back(LinkEvent{});
      continue;
    }
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? std::error_code{} : errno_error();
    // Only the kernel speaks for the group; a process with CAP_NET_ADMIN
    // could send to it too.
    if (from.nl_pid != 0) continue;
    parse_link_events(
        ByteView(reinterpret_cast<const uint8_t*>(buf_.get()), static_cast<size_t>(n)), out);
  }
  return {};
}

}  // namespace pptpx::io
