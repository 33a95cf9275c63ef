// SPDX-License-Identifier: MIT
// Tests that need root: each moves the process into a fresh network
// namespace first, so interfaces and routes never touch the host.
// TUN naming and packets, netlink (link, MTU, addresses, routes, route
// lookup, interface list, proxy ARP) and the raw GRE socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <string>

#include "io/gre_socket.h"
#include "io/netlink.h"
#include "io/tun.h"
#include "test_util.h"

namespace pptpx::io {
namespace {

#define ENTER_NETNS()                                                       \
  do {                                                                      \
    if (!test::enter_fresh_netns()) GTEST_SKIP() << "needs root and netns"; \
  } while (0)

Ipv4 ip(const char* s) { return *Ipv4::parse(s); }

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

const InterfaceInfo* find_if(const std::vector<InterfaceInfo>& v, unsigned ifindex) {
  for (const auto& i : v)
    if (i.ifindex == ifindex) return &i;
  return nullptr;
}

TEST(Tun, LowestFreePppNames) {
  ENTER_NETNS();
  auto a = TunDevice::create();
  ASSERT_TRUE(a.ok()) << a.error().message();
  auto b = TunDevice::create();
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(a->name(), "ppp0");
  EXPECT_EQ(b->name(), "ppp1");
  EXPECT_NE(a->ifindex(), b->ifindex());
  EXPECT_EQ(interface_index("ppp1"), b->ifindex());

  auto c = TunDevice::create(5u);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name(), "ppp5");
  EXPECT_FALSE(TunDevice::create(1u).ok());  // in use

  a->close();  // closing removes the device; its name is free again
  EXPECT_EQ(interface_index("ppp0"), 0u);
  auto d = TunDevice::create();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->name(), "ppp0");
  auto e = TunDevice::create();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->name(), "ppp2");
}

uint16_t ip_checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += get_u16(p + i);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(Tun, PacketsBothWays) {
  ENTER_NETNS();
  auto nl = Netlink::open();
  ASSERT_TRUE(nl.ok());
  auto tun = TunDevice::create();
  ASSERT_TRUE(tun.ok());
  ASSERT_FALSE(nl->add_address_ptp(tun->ifindex(), ip("10.0.0.1"), ip("10.0.0.2")));
  // No IPv6 router solicitations or MLD reports racing with our datagram.
  ASSERT_FALSE(tun->disable_ipv6());
  ASSERT_FALSE(nl->set_link_up(tun->ifindex(), true));

  // Kernel -> tun: a UDP datagram to the peer comes out of the device.
  int us = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(us, 0);
  sockaddr_in self{};
  self.sin_family = AF_INET;
  self.sin_addr.s_addr = htonl(ip("10.0.0.1").value);
  self.sin_port = htons(4000);
  ASSERT_EQ(::bind(us, reinterpret_cast<sockaddr*>(&self), sizeof(self)), 0);
  sockaddr_in peer = self;
  peer.sin_addr.s_addr = htonl(ip("10.0.0.2").value);
  peer.sin_port = htons(5000);
  ASSERT_EQ(::sendto(us, "ping", 4, 0, reinterpret_cast<sockaddr*>(&peer), sizeof(peer)), 4);
  uint8_t buf[2048];
  constexpr size_t kHeadroom = 64;
  ASSERT_TRUE(test::wait_readable(tun->fd()));
  Result<size_t> n = std::error_code{};
  // The kernel may also send IPv6/other noise first; find our UDP packet.
  for (int i = 0; i < 10; ++i) {
    n = tun->read(buf, kHeadroom);
    ASSERT_TRUE(n.ok()) << n.error().message();
    if (*n == 32 && buf[kHeadroom + 9] == IPPROTO_UDP) break;
    ASSERT_TRUE(test::wait_readable(tun->fd()));
  }
  ASSERT_EQ(*n, 20u + 8u + 4u);
  const uint8_t* pkt = buf + kHeadroom;
  EXPECT_EQ(pkt[0], 0x45);
  EXPECT_EQ(get_u32(pkt + 12), ip("10.0.0.1").value);
  EXPECT_EQ(get_u32(pkt + 16), ip("10.0.0.2").value);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(pkt + 28), 4), "ping");
  EXPECT_TRUE(would_block(tun->read(buf).error()));

  // tun -> kernel: a UDP datagram from the peer reaches our socket.
  uint8_t out[32] = {0x45, 0, 0, 32, 0, 1, 0, 0, 64, IPPROTO_UDP, 0, 0};
  put_u32(out + 12, ip("10.0.0.2").value);
  put_u32(out + 16, ip("10.0.0.1").value);
  put_u16(out + 10, ip_checksum(out, 20));
  put_u16(out + 20, 5000);
  put_u16(out + 22, 4000);
  put_u16(out + 24, 12);
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result): a 4-byte UDP payload, not a C string
  std::memcpy(out + 28, "pong", 4);
  ASSERT_FALSE(tun->write(out));
  ASSERT_TRUE(test::wait_readable(us));
  char rx[16];
  ASSERT_EQ(::recv(us, rx, sizeof(rx), 0), 4);
  EXPECT_EQ(std::string(rx, 4), "pong");
  ::close(us);
}

TEST(Netlink, LinkAddressRoute) {
  ENTER_NETNS();
  auto nl = Netlink::open();
  ASSERT_TRUE(nl.ok()) << nl.error().message();
  auto tun = TunDevice::create();
  ASSERT_TRUE(tun.ok());
  unsigned idx = tun->ifindex();
  ASSERT_FALSE(nl->set_mtu(idx, 1396));
  ASSERT_FALSE(nl->add_address_ptp(idx, ip("10.1.0.1"), ip("10.1.0.2")));
  EXPECT_TRUE(nl->add_address_ptp(idx, ip("10.1.0.1"), ip("10.1.0.2")));  // exists
  ASSERT_FALSE(nl->set_link_up(idx, true));

  auto ifs = nl->list_interfaces();
  ASSERT_TRUE(ifs.ok()) << ifs.error().message();
  const InterfaceInfo* info = find_if(*ifs, idx);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->name, "ppp0");
  EXPECT_EQ(info->mtu, 1396u);
  EXPECT_TRUE(info->flags & IFF_UP);
  EXPECT_TRUE(info->flags & IFF_POINTOPOINT);
  ASSERT_EQ(info->addresses.size(), 1u);
  EXPECT_EQ(info->addresses[0].local, ip("10.1.0.1"));
  EXPECT_EQ(info->addresses[0].address, ip("10.1.0.2"));
  EXPECT_EQ(info->addresses[0].prefix_len, 32);
  EXPECT_NE(run("ip -4 addr show dev ppp0").find("inet 10.1.0.1 peer 10.1.0.2/32"),
            std::string::npos);

  // The peer's host route comes with the address; a network route and a
  // default route via the interface, with metrics.
  auto r = nl->get_route(ip("10.1.0.2"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->ifindex, idx);
  EXPECT_EQ(r->prefsrc, ip("10.1.0.1"));
  EXPECT_FALSE(nl->get_route(ip("192.168.50.7")).ok());  // unreachable
  Route net{ip("192.168.50.0"), 24, idx, {}, 7};
  ASSERT_FALSE(nl->add_route(net));
  EXPECT_TRUE(nl->add_route(net));         // exists
  EXPECT_FALSE(nl->add_route(net, true));  // replace is fine
  r = nl->get_route(ip("192.168.50.7"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ifindex, idx);
  EXPECT_TRUE(r->gateway.is_zero());
  auto shown = run("ip route show 192.168.50.0/24");
  EXPECT_EQ(shown.rfind("192.168.50.0/24 dev ppp0 ", 0), 0u) << shown;
  EXPECT_NE(shown.find("scope link metric 7"), std::string::npos) << shown;
  Route def{{}, 0, idx, {}, 0};
  ASSERT_FALSE(nl->add_route(def));
  EXPECT_NE(run("ip route show default").find("default dev ppp0"), std::string::npos);
  r = nl->get_route(ip("8.8.8.8"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ifindex, idx);
  // A route via a gateway: resolved by the kernel to the interface.
  Route gw{ip("172.16.0.0"), 16, 0, ip("10.1.0.2"), 0};
  ASSERT_FALSE(nl->add_route(gw));
  r = nl->get_route(ip("172.16.3.4"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->gateway, ip("10.1.0.2"));
  EXPECT_EQ(r->ifindex, idx);

  ASSERT_FALSE(nl->del_route(gw));
  ASSERT_FALSE(nl->del_route(def));
  ASSERT_FALSE(nl->del_route(net));
  EXPECT_TRUE(nl->del_route(net));  // already gone
  EXPECT_FALSE(nl->get_route(ip("192.168.50.7")).ok());
  // A link renegotiated with the same addresses keeps them; with others,
  // the pair is replaced.
  ASSERT_FALSE(
      nl->replace_address_ptp(idx, ip("10.1.0.1"), ip("10.1.0.2"), ip("10.1.0.1"), ip("10.1.0.2")));
  ASSERT_FALSE(
      nl->replace_address_ptp(idx, ip("10.1.0.1"), ip("10.1.0.2"), ip("10.1.0.1"), ip("10.1.0.3")));
  ifs = nl->list_interfaces();
  ASSERT_TRUE(ifs.ok());
  ASSERT_EQ(find_if(*ifs, idx)->addresses.size(), 1u);
  EXPECT_EQ(find_if(*ifs, idx)->addresses[0].address, ip("10.1.0.3"));
  ASSERT_FALSE(nl->del_address_ptp(idx, ip("10.1.0.1"), ip("10.1.0.3")));
  ifs = nl->list_interfaces();
  ASSERT_TRUE(ifs.ok());
  EXPECT_TRUE(find_if(*ifs, idx)->addresses.empty());
  ASSERT_FALSE(nl->set_link_up(idx, false));
  ifs = nl->list_interfaces();
  EXPECT_FALSE(find_if(*ifs, idx)->flags & IFF_UP);
}

TEST(Netlink, ProxyArpOnLanInterface) {
  ENTER_NETNS();
  if (run("ip link add v0 type veth peer name v1 && echo ok") != "ok\n") GTEST_SKIP() << "no veth";
  auto nl = Netlink::open();
  ASSERT_TRUE(nl.ok());
  unsigned v0 = interface_index("v0");
  unsigned v1 = interface_index("v1");
  ASSERT_NE(v0, 0u);
  ASSERT_FALSE(nl->add_address(v0, ip("192.168.7.1"), 24));
  ASSERT_FALSE(nl->set_link_up(v0, true));
  ASSERT_FALSE(nl->set_link_up(v1, true));
  auto tun = TunDevice::create();
  ASSERT_TRUE(tun.ok());
  ASSERT_FALSE(nl->add_address_ptp(tun->ifindex(), ip("192.168.7.1"), ip("192.168.7.50")));
  ASSERT_FALSE(nl->set_link_up(tun->ifindex(), true));

  auto lan = nl->find_lan_interface(ip("192.168.7.50"));
  ASSERT_TRUE(lan.ok());
  ASSERT_TRUE(lan->has_value());
  EXPECT_EQ((*lan)->name, "v0");  // not the point-to-point ppp0
  auto none = nl->find_lan_interface(ip("10.9.9.9"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  ASSERT_FALSE(nl->add_proxy_arp(v0, ip("192.168.7.50")));
  EXPECT_NE(run("ip neigh show proxy").find("192.168.7.50 dev v0"), std::string::npos);
  // Publishing again replaces (a stale entry from a killed server is no error).
  ASSERT_FALSE(nl->add_proxy_arp(v0, ip("192.168.7.50")));
  run("ip neigh add proxy 192.168.7.60 dev v1");
  auto entries = nl->list_proxy_arp();
  ASSERT_TRUE(entries.ok()) << entries.error().message();
  ASSERT_EQ(entries->size(), 2u);
  bool saw50 = false, saw60 = false;
  for (const auto& e : *entries) {
    if (e.addr == ip("192.168.7.50") && e.ifindex == v0) saw50 = true;
    if (e.addr == ip("192.168.7.60") && e.ifindex == v1) saw60 = true;
  }
  EXPECT_TRUE(saw50);
  EXPECT_TRUE(saw60);
  ASSERT_FALSE(nl->del_proxy_arp(v1, ip("192.168.7.60")));
  // A fresh namespace starts with forwarding off; pppd only warns about it.
  MemoryLogSink sink;
  EXPECT_FALSE(warn_if_ip_forward_disabled(Logger(sink)));
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(sink.lines[0].level, LogLevel::kWarning);
  ASSERT_FALSE(nl->del_proxy_arp(v0, ip("192.168.7.50")));
  EXPECT_EQ(run("ip neigh show proxy").find("192.168.7.50"), std::string::npos);
}

TEST(GreSocket, LoopbackBatch) {
  ENTER_NETNS();
  auto sock = GreSocket::open();
  ASSERT_TRUE(sock.ok()) << sock.error().message();
  // Enhanced GRE headers (RFC 2637 4.1) with distinct call ids.
  std::array<std::array<uint8_t, 16>, 3> pkts{};
  GreSendBatch tx;
  for (size_t i = 0; i < pkts.size(); ++i) {
    auto& p = pkts[i];
    p = {0x30, 0x01, 0x88, 0x0B,
         0x00, 0x04, 0x00, static_cast<uint8_t>(i),
         0,    0,    0,    static_cast<uint8_t>(i),
         0xDE, 0xAD, 0xBE, static_cast<uint8_t>(i)};
    ASSERT_TRUE(tx.add(ip("127.0.0.1"), p));
  }
  EXPECT_EQ(sock->send_batch(tx), 3u);
  EXPECT_EQ(tx.size(), 0u);
  EXPECT_EQ(sock->stats().tx_packets, 3u);

  std::array<std::array<uint8_t, 256>, kMaxBatch> storage;
  GreRecvBatch rx;
  for (size_t i = 0; i < kMaxBatch; ++i) rx.set_buffer(i, storage[i]);
  size_t got = 0;
  std::vector<Bytes> seen;
  while (got < 3) {
    ASSERT_TRUE(test::wait_readable(sock->fd()));
    auto n = sock->recv_batch(rx);
    ASSERT_TRUE(n.ok()) << n.error().message();
    for (size_t i = 0; i < rx.size(); ++i) {
      auto p = rx.packet(i);
      ASSERT_GE(p.size(), 20u);
      size_t ihl = (p[0] & 0x0Fu) * size_t{4};
      EXPECT_EQ(p[9], kIpProtoGre);
      EXPECT_EQ(rx.source(i), ip("127.0.0.1"));
      seen.emplace_back(p.begin() + static_cast<ptrdiff_t>(ihl), p.end());
    }
    got += *n;
  }
  ASSERT_EQ(seen.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(seen[i], Bytes(pkts[i].begin(), pkts[i].end()));
  EXPECT_EQ(sock->recv_batch(rx).value(), 0u);  // nothing left, no error

  // A packet larger than the buffer is dropped and counted.
  Bytes big(600, 0x30);
  ASSERT_FALSE(sock->send(ip("127.0.0.1"), big));
  ASSERT_FALSE(sock->send(ip("127.0.0.1"), pkts[0]));
  ASSERT_TRUE(test::wait_readable(sock->fd()));
  ::usleep(10000);
  auto n = sock->recv_batch(rx);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 1u);
  EXPECT_EQ(rx.packet(0).size(), 20u + 16u);
  EXPECT_EQ(sock->stats().rx_truncated, 1u);
  EXPECT_EQ(sock->stats().rx_packets, 4u);

  // Unreachable destinations are dropped without stopping the batch.
  tx.add(ip("203.0.113.9"), pkts[0]);
  tx.add(ip("127.0.0.1"), pkts[1]);
  EXPECT_EQ(sock->send_batch(tx), 1u);
  EXPECT_EQ(sock->stats().tx_errors, 1u);
}

TEST(GreSocket, SourceAddressPerPacket) {
  // A multi-homed server answers from the address each client reached:
  // 127.0.0.2 and 127.0.0.3 are both ours (127/8 on lo), the route to
  // 127.0.0.1 would pick 127.0.0.1.
  ENTER_NETNS();
  auto sock = GreSocket::open();
  ASSERT_TRUE(sock.ok()) << sock.error().message();
  std::array<uint8_t, 16> p = {0x30, 0x01, 0x88, 0x0B, 0x00, 0x04, 0x00, 0x07,
                               0,    0,    0,    1,    0xDE, 0xAD, 0xBE, 0xEF};
  GreSendBatch tx;
  for (int round = 0; round < 2; ++round) {  // slots are reused with and without a source
    ASSERT_TRUE(tx.add(ip("127.0.0.1"), p, ip("127.0.0.2")));
    ASSERT_TRUE(tx.add(ip("127.0.0.1"), p));
    ASSERT_TRUE(tx.add(ip("127.0.0.1"), p, ip("127.0.0.3")));
    ASSERT_EQ(sock->send_batch(tx), 3u);
    std::array<std::array<uint8_t, 256>, kMaxBatch> storage;
    GreRecvBatch rx;
    for (size_t i = 0; i < kMaxBatch; ++i) rx.set_buffer(i, storage[i]);
    std::vector<Ipv4> sources;
    while (sources.size() < 3) {
      ASSERT_TRUE(test::wait_readable(sock->fd()));
      auto n = sock->recv_batch(rx);
      ASSERT_TRUE(n.ok());
      for (size_t i = 0; i < rx.size(); ++i) sources.push_back(rx.source(i));
    }
    EXPECT_EQ(sources[0], ip("127.0.0.2"));
    EXPECT_EQ(sources[1], ip("127.0.0.1"));
    EXPECT_EQ(sources[2], ip("127.0.0.3"));
    // The next round: the first slot without a source this time.
    if (round == 0) {
      ASSERT_TRUE(tx.add(ip("127.0.0.1"), p));
      ASSERT_EQ(sock->send_batch(tx), 1u);
      ASSERT_TRUE(test::wait_readable(sock->fd()));
      auto n = sock->recv_batch(rx);
      ASSERT_TRUE(n.ok());
      ASSERT_EQ(*n, 1u);
      EXPECT_EQ(rx.source(0), ip("127.0.0.1"));
    }
  }
}

}  // namespace
}  // namespace pptpx::io
