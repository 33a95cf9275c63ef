// SPDX-License-Identifier: MIT
// The data path allocates nothing per packet: counts every operator new
// while 2,000 IP packets go each way through two DataPaths with MPPE-128
// (stateless and stateful), including GRE acks and TCP MSS clamping; and
// while forged packets far ahead (MPPE with coherency-count jumps, checked
// on the data path's scratch copy) are refused between them.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "crypto/crypto.h"
#include "proto/session/data_path.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<uint64_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (counting) allocations++;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace pptpx::session {
namespace {

const uint8_t kA[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const uint8_t kB[16] = {9, 9, 9, 9, 8, 8, 8, 8, 7, 7, 7, 7, 6, 6, 6, 6};

void run(bool stateless) {
  ASSERT_TRUE(crypto::init());
  DataPath a{gre::ChannelConfig{.peer_call_id = 2}}, b{gre::ChannelConfig{.peer_call_id = 1}};
  for (DataPath* d : {&a, &b}) {
    d->set_framing(true, true);
    d->set_mppe_required(true);
    d->set_max_mss(1356);  // TCP MSS clamping on, as by default
  }
  a.start_mppe(kA, kB, {128, stateless});
  b.start_mppe(kB, kA, {128, stateless});
  std::array<uint8_t, 2048> buf{};
  Time now{};
  uint64_t delivered = 0;
  uint64_t forged_dropped = 0;
  counting = true;
  for (int i = 0; i < 4000; ++i) {
    DataPath& from = i % 2 ? a : b;
    DataPath& to = i % 2 ? b : a;
    uint8_t* ip = buf.data() + kHeadroom;
    std::fill(ip, ip + 1400, static_cast<uint8_t>(i));
    ip[0] = 0x45;
    ip[2] = 1400 >> 8;  // total length: stateful MPPE checks it
    ip[3] = 1400 & 0xff;
    if (i % 4 == 0) {     // a TCP SYN with an MSS to clamp, both ways
      ip[6] = ip[7] = 0;  // not a fragment
      ip[9] = 6;
      ip[32] = 0x60;
      ip[33] = 0x02;
      ip[40] = 2;
      ip[41] = 4;
      put_u16(ip + 42, 1460);
    }
    ByteView pkt = from.frame_ip(buf.data(), 1400, now);
    auto g = gre::parse(pkt);
    if (to.on_gre(g.packet.header, g.packet.payload, now)) {
      size_t off = static_cast<size_t>(g.packet.payload.data() - buf.data());
      auto in = to.on_frame(MutableByteView(buf.data() + off, g.packet.payload.size()), Time{});
      delivered += in.kind == DataPath::Inbound::kIp;
    }
    now += milliseconds(1);
    to.ack_only(buf.data(), now);
    // A forged MPPE packet 2^30 ahead, with a jump in the coherency count.
    std::array<uint8_t, 64> forged{};
    std::fill(forged.begin(), forged.end(), static_cast<uint8_t>(i * 7));
    forged[0] = 0x00;
    forged[1] = 0xfd;
    forged[2] = static_cast<uint8_t>(0x90 | (i & 0x0f));
    const gre::Header fh{1,     static_cast<uint16_t>(forged.size()),
                         true,  static_cast<uint32_t>(i) + (1u << 30),
                         false, 0};
    if (to.on_gre(fh, forged, now))
      forged_dropped += to.on_frame(forged, now).kind == DataPath::Inbound::kDropped;
  }
  counting = false;
  EXPECT_EQ(delivered, 4000u);
  EXPECT_EQ(forged_dropped, 4000u);
  EXPECT_EQ(a.stats().gre_invalid_far + b.stats().gre_invalid_far, 4000u);
  EXPECT_EQ(a.stats().tcp_mss_clamped + b.stats().tcp_mss_clamped, 1000u);
  EXPECT_EQ(allocations.load(), 0u);
  allocations = 0;
}

TEST(DataPathAllocations, NoneForStatelessMppe) { run(true); }
TEST(DataPathAllocations, NoneForStatefulMppe) { run(false); }

}  // namespace
}  // namespace pptpx::session
