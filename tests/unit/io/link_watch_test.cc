// SPDX-License-Identifier: MIT
// Link notifications: parse_link_events on crafted rtnetlink datagrams
// (deleted, up, down, what is not an event, truncated and malformed
// messages), then LinkMonitor and Netlink::link_state on a real interface in
// a fresh network namespace (root only).
#include "io/link_watch.h"

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "io/netlink.h"
#include "io/tun.h"
#include "test_util.h"

namespace pptpx::io {
namespace {

using Kind = LinkEvent::Kind;

// Builds datagrams of link messages, one after another.
class Datagram {
 public:
  Datagram() : buf_(MNL_SOCKET_BUFFER_SIZE, 0) {}

  // One ifinfomsg message; name (if any) as IFLA_IFNAME.
  nlmsghdr* link(uint16_t type, int ifindex, unsigned flags, unsigned change,
                 const char* name = nullptr, uint8_t family = AF_UNSPEC) {
    nlmsghdr* h = mnl_nlmsg_put_header(buf_.data() + used_);
    h->nlmsg_type = type;
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifinfomsg)));
    ifi->ifi_family = family;
    ifi->ifi_index = ifindex;
    ifi->ifi_flags = flags;
    ifi->ifi_change = change;
    if (name) mnl_attr_put_strz(h, IFLA_IFNAME, name);
    mnl_attr_put_u32(h, IFLA_MTU, 1400);
    used_ += h->nlmsg_len;
    return h;
  }
  // Any other message with a payload of n zero octets.
  nlmsghdr* other(uint16_t type, size_t n) {
    nlmsghdr* h = mnl_nlmsg_put_header(buf_.data() + used_);
    h->nlmsg_type = type;
    mnl_nlmsg_put_extra_header(h, n);
    used_ += h->nlmsg_len;
    return h;
  }
  ByteView bytes() const { return ByteView(buf_.data(), used_); }
  ByteView first(size_t n) const { return ByteView(buf_.data(), n); }
  size_t size() const { return used_; }

 private:
  std::vector<uint8_t> buf_;
  size_t used_ = 0;
};

std::vector<LinkEvent> parse(ByteView d) {
  std::vector<LinkEvent> out;
  const size_t n = parse_link_events(d, out);
  EXPECT_EQ(n, out.size());
  return out;
}

TEST(LinkEvents, DeletedUpAndDownInOrder) {
  Datagram d;
  d.link(RTM_NEWLINK, 7, IFF_UP | IFF_RUNNING, IFF_UP, "ppp0");
  d.link(RTM_NEWLINK, 7, 0, IFF_UP | IFF_RUNNING, "ppp0");
  d.link(RTM_DELLINK, 7, 0, 0, "ppp0");
  d.link(RTM_DELLINK, 9, 0, 0);  // no IFLA_IFNAME
  auto ev = parse(d.bytes());
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, Kind::kUp);
  EXPECT_EQ(ev[1].kind, Kind::kDown);
  EXPECT_EQ(ev[2].kind, Kind::kDeleted);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ev[i].ifindex, 7u);
    EXPECT_EQ(ev[i].ifname, "ppp0");
  }
  EXPECT_EQ(ev[3].kind, Kind::kDeleted);
  EXPECT_EQ(ev[3].ifindex, 9u);
  EXPECT_EQ(ev[3].ifname, "");
}

TEST(LinkEvents, WhatIsNoEvent) {
  Datagram d;
  // A new interface (ifi_change all ones), down or up.
  d.link(RTM_NEWLINK, 7, 0, ~0u, "ppp0");
  d.link(RTM_NEWLINK, 8, IFF_UP, ~0u, "ppp1");
  // Something else changed (MTU, carrier, a name): IFF_UP did not.
  d.link(RTM_NEWLINK, 7, IFF_UP, 0, "ppp0");
  d.link(RTM_NEWLINK, 7, 0, IFF_PROMISC, "ppp0");
  // A port leaving its bridge: the interface is still there.
  d.link(RTM_DELLINK, 7, 0, 0, "ppp0", AF_BRIDGE);
  // No interface index.
  d.link(RTM_DELLINK, 0, 0, 0, "ppp0");
  d.link(RTM_DELLINK, -3, 0, 0, "ppp0");
  // Not link messages.
  d.other(RTM_NEWADDR, sizeof(ifaddrmsg));
  d.other(NLMSG_DONE, 4);
  d.other(NLMSG_ERROR, sizeof(nlmsgerr));
  EXPECT_TRUE(parse(d.bytes()).empty());
  EXPECT_TRUE(parse(ByteView()).empty());
}

TEST(LinkEvents, TruncatedMessageEndsTheWalk) {
  Datagram d;
  d.link(RTM_DELLINK, 7, 0, 0, "ppp0");
  const size_t first = d.size();
  d.link(RTM_DELLINK, 8, 0, 0, "ppp1");
  // Every cut of the second message: the first still counts, the second never.
  for (size_t n = first; n < d.size(); ++n) {
    auto ev = parse(d.first(n));
    ASSERT_EQ(ev.size(), 1u) << n;
    EXPECT_EQ(ev[0].ifindex, 7u);
  }
  for (size_t n = 0; n < first; ++n) EXPECT_TRUE(parse(d.first(n)).empty()) << n;
  EXPECT_EQ(parse(d.bytes()).size(), 2u);
}

TEST(LinkEvents, LengthFieldsThatLie) {
  // nlmsg_len past the datagram, or below the header: nothing, no overrun.
  for (uint32_t len : {0u, 8u, 15u, 4096u, 0xFFFFFFFFu}) {
    Datagram d;
    d.link(RTM_DELLINK, 7, 0, 0, "ppp0")->nlmsg_len = len;
    EXPECT_TRUE(parse(d.bytes()).empty()) << len;
  }
  // A message too short for its ifinfomsg is passed over; the next counts.
  Datagram d;
  d.other(RTM_DELLINK, sizeof(ifinfomsg) - 4);
  d.link(RTM_DELLINK, 8, 0, 0, "ppp1");
  auto ev = parse(d.bytes());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].ifindex, 8u);
}

TEST(LinkEvents, AttributesAreBoundedByTheirMessage) {
  // IFLA_IFNAME whose nla_len runs past the message: the attribute is
  // dropped, the event stays.
  {
    Datagram d;
    nlmsghdr* h = d.link(RTM_DELLINK, 7, 0, 0, "ppp0");
    auto* a = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(h, sizeof(ifinfomsg)));
    ASSERT_EQ(mnl_attr_get_type(a), IFLA_IFNAME);
    a->nla_len = 200;
    auto ev = parse(d.bytes());
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].ifname, "");
  }
  // A name with no NUL ends with its payload; a long one is cut to what
  // an interface name can be.
  {
    Datagram d;
    nlmsghdr* h = d.link(RTM_DELLINK, 7, 0, 0, "ppp0");
    auto* a = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(h, sizeof(ifinfomsg)));
    std::memcpy(mnl_attr_get_payload(a), "pppX\xff", 5);  // payload "ppp0\0" -> no NUL
    a->nla_len = static_cast<uint16_t>(MNL_ATTR_HDRLEN + 4);
    auto ev = parse(d.bytes());
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].ifname, "pppX");
  }
  {
    Datagram d;
    d.link(RTM_DELLINK, 7, 0, 0, "a-name-longer-than-ifnamsiz");
    auto ev = parse(d.bytes());
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].ifname, std::string("a-name-longer-than-ifnamsiz").substr(0, IFNAMSIZ - 1));
  }
}

// ---- on a real interface (root) ----

#define ENTER_NETNS()                                                       \
  do {                                                                      \
    if (!test::enter_fresh_netns()) GTEST_SKIP() << "needs root and netns"; \
  } while (0)

// Reads until an event for ifindex of `kind` came (or 2 s without any).
bool saw(LinkMonitor& m, unsigned ifindex, Kind kind, std::vector<LinkEvent>* all = nullptr) {
  for (int i = 0; i < 20; ++i) {
    std::vector<LinkEvent> ev;
    if (!test::wait_readable(m.fd(), 100)) continue;
    EXPECT_FALSE(m.read(ev));
    for (const LinkEvent& e : ev) {
      if (all) all->push_back(e);
      if (e.ifindex == ifindex && e.kind == kind) return true;
    }
  }
  return false;
}

TEST(LinkMonitor, ReportsUpDownAndDeletionOfARealInterface) {
  ENTER_NETNS();
  auto nl = Netlink::open();
  ASSERT_TRUE(nl.ok());
  auto m = LinkMonitor::open();
  ASSERT_TRUE(m.ok()) << m.error().message();
  auto tun = TunDevice::create();
  ASSERT_TRUE(tun.ok());
  const unsigned ifindex = tun->ifindex();
  EXPECT_EQ(*nl->link_state(ifindex), LinkState::kDown);

  ASSERT_FALSE(nl->set_link_up(ifindex, true));
  std::vector<LinkEvent> seen;
  ASSERT_TRUE(saw(*m, ifindex, Kind::kUp, &seen));
  // Its creation was no event.
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.back().ifname, "ppp0");
  EXPECT_EQ(*nl->link_state(ifindex), LinkState::kUp);

  ASSERT_FALSE(nl->set_link_up(ifindex, false));
  ASSERT_TRUE(saw(*m, ifindex, Kind::kDown));
  EXPECT_EQ(*nl->link_state(ifindex), LinkState::kDown);

  // `ip link del` of an up interface: down, then deleted. The TUN device
  // stays open and from now on reports an error.
  ASSERT_FALSE(nl->set_link_up(ifindex, true));
  ASSERT_TRUE(saw(*m, ifindex, Kind::kUp));
  ASSERT_EQ(std::system("ip link del ppp0"), 0);
  seen.clear();
  ASSERT_TRUE(saw(*m, ifindex, Kind::kDeleted, &seen));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kind, Kind::kDown);
  EXPECT_EQ(seen[1].ifname, "ppp0");
  EXPECT_EQ(*nl->link_state(ifindex), LinkState::kGone);
  EXPECT_EQ(*nl->link_state(999999), LinkState::kGone);
  EXPECT_TRUE(tun->is_open());
  EXPECT_EQ(m->overflows(), 0u);
}

TEST(LinkMonitor, OverflowIsReported) {
  ENTER_NETNS();
  // The smallest queue the kernel allows (SOCK_MIN_RCVBUF): a few
  // notifications fill it.
  auto m = LinkMonitor::open(1);
  ASSERT_TRUE(m.ok());
  auto nl = Netlink::open();
  ASSERT_TRUE(nl.ok());
  auto tun = TunDevice::create();
  ASSERT_TRUE(tun.ok());
  // Up and down while nobody reads.
  for (int i = 0; i < 20; ++i) ASSERT_FALSE(nl->set_link_up(tun->ifindex(), i % 2 == 0));
  std::vector<LinkEvent> ev;
  EXPECT_FALSE(m->read(ev));
  EXPECT_TRUE(std::any_of(ev.begin(), ev.end(),
                          [](const LinkEvent& e) { return e.kind == Kind::kOverflow; }));
  EXPECT_GT(m->overflows(), 0u);
  EXPECT_LT(ev.size(), 20u);
  // The socket goes on: the next notification arrives.
  ASSERT_FALSE(nl->set_link_up(tun->ifindex(), true));
  EXPECT_TRUE(saw(*m, tun->ifindex(), Kind::kUp));
}

}  // namespace
}  // namespace pptpx::io
