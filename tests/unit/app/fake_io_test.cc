// SPDX-License-Identifier: MIT
// The fakes themselves (tests/support/fake_io.h): readiness exactly while
// input waits, batches, what is recorded, pppN units and failures.
#include "support/fake_io.h"

#include <gtest/gtest.h>
#include <poll.h>

namespace pptpx::test {
namespace {

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

const Ipv4 kA = *Ipv4::parse("192.0.2.1");
const Ipv4 kB = *Ipv4::parse("192.0.2.2");

TEST(FakeGre, ReadableExactlyWhileDatagramsWait) {
  FakePlatform platform;
  auto g = platform.open_gre({});
  ASSERT_TRUE(g.ok());
  io::GreIo& io = **g;
  FakeGre& fake = *platform.gre();
  EXPECT_FALSE(readable(io.fd()));
  const Bytes gre = {0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 7, 0, 0, 0, 1};
  fake.inject_gre(kA, kB, gre);
  fake.inject_gre(kB, kA, gre);
  EXPECT_TRUE(readable(io.fd()));

  // One buffer: one datagram a batch, still readable after the first.
  std::vector<uint8_t> mem(2048);
  io::GreRecvBatch batch;
  batch.set_buffer(0, MutableByteView(mem));
  auto n = io.recv_batch(batch);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(*n, 1u);
  EXPECT_EQ(batch.source(0), kA);
  ASSERT_EQ(batch.packet(0).size(), 20 + gre.size());
  EXPECT_EQ(batch.packet(0)[9], io::kIpProtoGre);
  EXPECT_TRUE(readable(io.fd()));
  n = io.recv_batch(batch);
  ASSERT_EQ(*n, 1u);
  EXPECT_EQ(batch.source(0), kB);
  EXPECT_FALSE(readable(io.fd()));
  n = io.recv_batch(batch);
  EXPECT_EQ(*n, 0u);
}

TEST(FakeGre, RecordsWhatIsSent) {
  FakeGre fake({});
  const Bytes p1 = {1, 2, 3}, p2 = {4, 5};
  io::GreSendBatch batch;
  batch.add(kA, p1, kB);
  batch.add(kB, p2);
  EXPECT_EQ(fake.send_batch(batch), 2u);
  ASSERT_EQ(fake.sent().size(), 2u);
  EXPECT_EQ(fake.sent()[0].dst, kA);
  EXPECT_EQ(fake.sent()[0].src, kB);
  EXPECT_EQ(fake.sent()[0].bytes, p1);
  EXPECT_TRUE(fake.sent()[1].src.is_zero());
  EXPECT_EQ(fake.take_sent().size(), 2u);
  EXPECT_TRUE(fake.take_sent().empty());
  EXPECT_EQ(fake.sent().size(), 2u);
}

TEST(FakeTun, ReadableWhilePacketsWaitAndRecordsWrites) {
  FakePlatform platform;
  auto t = platform.create_tun(std::nullopt);
  ASSERT_TRUE(t.ok());
  io::TunIo& tun = **t;
  EXPECT_EQ(tun.name(), "ppp0");
  EXPECT_FALSE(readable(tun.fd()));
  const Bytes small(40, 1), big(100, 2);
  platform.tun("ppp0")->inject(small);
  platform.tun("ppp0")->inject(big);
  EXPECT_TRUE(readable(tun.fd()));
  // Packet i lands at the offset in buffer i; one too large is dropped.
  std::vector<uint8_t> m0(64 + 40), m1(64 + 40);
  const MutableByteView bufs[] = {MutableByteView(m0), MutableByteView(m1)};
  size_t lens[2] = {};
  EXPECT_EQ(tun.read_batch(bufs, 64, lens), 1u);
  EXPECT_EQ(lens[0], 40u);
  EXPECT_EQ(m0[64], 1);
  EXPECT_EQ(platform.tun("ppp0")->too_big(), 1u);
  EXPECT_FALSE(readable(tun.fd()));
  const ByteView out[] = {small, big};
  EXPECT_EQ(tun.write_batch(out), 2u);
  EXPECT_EQ(platform.tun("ppp0")->written(), (std::vector<Bytes>{small, big}));
}

TEST(FakePlatform, UnitsIndexesFailuresAndLifetimes) {
  FakePlatform platform;
  auto t0 = platform.create_tun(std::nullopt);
  auto t1 = platform.create_tun(std::nullopt);
  ASSERT_TRUE(t0.ok() && t1.ok());
  EXPECT_EQ((*t1)->name(), "ppp1");
  EXPECT_EQ(platform.create_tun(1u).error(), std::errc::device_or_resource_busy);
  const unsigned index0 = (*t0)->ifindex();
  t0.value().reset();  // the application removes ppp0
  ASSERT_EQ(platform.tuns().size(), 1u);
  auto again = platform.create_tun(std::nullopt);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->name(), "ppp0");
  EXPECT_NE((*again)->ifindex(), index0);  // never reused
  EXPECT_EQ(platform.tun_creations(), 3u);

  platform.fail_create_tun(std::make_error_code(std::errc::no_such_device));
  EXPECT_EQ(platform.create_tun(std::nullopt).error(), std::errc::no_such_device);
  EXPECT_EQ(platform.tun_creations(), 3u);
  platform.fail_open_gre(std::make_error_code(std::errc::operation_not_permitted));
  EXPECT_FALSE(platform.open_gre({}).ok());
  EXPECT_EQ(platform.gre(), nullptr);
  EXPECT_EQ(platform.netlink(), nullptr);
}

TEST(FakeLinks, RecordsAddressesMtuAndState) {
  FakeLinks links;
  EXPECT_FALSE(links.add_address_ptp(7, kA, kB));
  EXPECT_TRUE(links.add_address_ptp(7, kA, kB));  // already there
  EXPECT_FALSE(links.set_mtu(7, 1496));
  EXPECT_FALSE(links.set_link_up(7, true));
  EXPECT_FALSE(links.replace_address_ptp(7, kA, kB, kB, kA));
  const FakeLinks::Link* l = links.find(7);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->addresses, (std::vector<std::pair<Ipv4, Ipv4>>{{kB, kA}}));
  EXPECT_EQ(l->mtu, 1496u);
  EXPECT_EQ(l->up, true);
  EXPECT_EQ(links.find(8), nullptr);
  EXPECT_EQ(links.journal(), (std::vector<std::string>{"addr 7 192.0.2.1 192.0.2.2", "mtu 7 1496",
                                                       "up 7", "readdr 7 192.0.2.2 192.0.2.1"}));
}

TEST(FakeLinkWatch, TheAdministratorChangesTheStateAndTheWatchTellsIt) {
  FakePlatform platform;
  auto t = platform.create_tun(std::nullopt);
  ASSERT_TRUE(t.ok());
  FakeTun& tun = *platform.tuns()[0];
  io::LinkControl& links = platform.links();
  EXPECT_EQ(*links.link_state(tun.ifindex()), io::LinkState::kDown);
  EXPECT_FALSE(links.set_link_up(tun.ifindex(), true));
  EXPECT_EQ(*links.link_state(tun.ifindex()), io::LinkState::kUp);
  EXPECT_EQ(*links.link_state(tun.ifindex() + 1), io::LinkState::kGone);

  auto w = platform.watch_links();
  ASSERT_TRUE(w.ok());
  io::LinkWatch& watch = **w;
  EXPECT_FALSE(readable(watch.fd()));
  platform.set_interface_down(tun);
  EXPECT_EQ(*links.link_state(tun.ifindex()), io::LinkState::kDown);
  platform.remove_interface(tun);
  platform.overflow_link_events();
  EXPECT_TRUE(readable(watch.fd()));
  std::vector<io::LinkEvent> ev;
  EXPECT_FALSE(watch.read(ev));
  EXPECT_FALSE(readable(watch.fd()));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].kind, io::LinkEvent::Kind::kDown);
  EXPECT_EQ(ev[1].kind, io::LinkEvent::Kind::kDeleted);
  EXPECT_EQ(ev[1].ifindex, tun.ifindex());
  EXPECT_EQ(ev[1].ifname, "ppp0");
  EXPECT_EQ(ev[2].kind, io::LinkEvent::Kind::kOverflow);
  // A removed interface is gone, and refuses what is asked of it.
  EXPECT_EQ(*links.link_state(tun.ifindex()), io::LinkState::kGone);
  EXPECT_EQ(links.set_mtu(tun.ifindex(), 1400), std::errc::no_such_device);
  EXPECT_EQ(platform.link_control().calls_on_removed(), 1u);
  // Without notify only the state changes.
  platform.remove_interface(tun, /*notify=*/false);
  EXPECT_FALSE(readable(watch.fd()));
}

}  // namespace
}  // namespace pptpx::test
