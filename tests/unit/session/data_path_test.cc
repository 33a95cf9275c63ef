// SPDX-License-Identifier: MIT
#include "proto/session/data_path.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "crypto/crypto.h"

namespace pptpx::session {
namespace {

const uint8_t kKeyAtoB[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const uint8_t kKeyBtoA[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};

// A 28-octet IPv4 packet (version 4) with a recognisable payload.
std::vector<uint8_t> ipv4_packet(uint8_t tag) {
  std::vector<uint8_t> p(28, tag);
  p[0] = 0x45;
  p[2] = 0;
  p[3] = 28;
  return p;
}

struct Pair : ::testing::Test {
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
  DataPath a{gre::ChannelConfig{.peer_call_id = 2}};
  DataPath b{gre::ChannelConfig{.peer_call_id = 1}};
  Time now{};
  std::array<uint8_t, 2048> buf{};

  // Sends an IP packet from `from` and runs it through `to`.
  DataPath::Inbound send_ip(DataPath& from, DataPath& to, const std::vector<uint8_t>& ip) {
    std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
    ByteView pkt = from.frame_ip(buf.data(), ip.size(), now);
    if (pkt.empty()) return {};
    return receive(to, pkt);
  }
  DataPath::Inbound receive(DataPath& to, ByteView pkt) {
    auto g = gre::parse(pkt);
    EXPECT_TRUE(g.ok());
    if (!to.on_gre(g.packet.header, g.packet.payload, now)) return {};
    size_t off = static_cast<size_t>(g.packet.payload.data() - pkt.data());
    return to.on_frame(
        MutableByteView(const_cast<uint8_t*>(pkt.data()) + off, g.packet.payload.size()), now);
  }
};

TEST_F(Pair, ClearIpWhenMppeIsNotRequired) {
  auto ip = ipv4_packet(0x11);
  auto in = send_ip(a, b, ip);
  ASSERT_EQ(in.kind, DataPath::Inbound::kIp);
  EXPECT_EQ(std::vector<uint8_t>(in.data.begin(), in.data.end()), ip);
}

TEST_F(Pair, MppeBothWaysWithEveryFraming) {
  for (bool acfc : {false, true}) {
    for (bool pfc : {false, true}) {
      DataPath x{gre::ChannelConfig{.peer_call_id = 2}}, y{gre::ChannelConfig{.peer_call_id = 1}};
      x.set_framing(acfc, pfc);
      y.set_framing(acfc, pfc);
      x.set_mppe_required(true);
      y.set_mppe_required(true);
      x.start_mppe(kKeyAtoB, kKeyBtoA, {128, true});
      y.start_mppe(kKeyBtoA, kKeyAtoB, {128, true});
      for (int i = 0; i < 50; ++i) {
        auto ip = ipv4_packet(static_cast<uint8_t>(i));
        auto in = send_ip(i % 2 ? x : y, i % 2 ? y : x, ip);
        ASSERT_EQ(in.kind, DataPath::Inbound::kIp) << in.reason;
        EXPECT_EQ(std::vector<uint8_t>(in.data.begin(), in.data.end()), ip);
      }
    }
  }
}

TEST_F(Pair, StatefulResetRequestIsRepeatedOnTheTimer) {
  a.start_mppe(kKeyAtoB, kKeyBtoA, {128, false});
  b.start_mppe(kKeyBtoA, kKeyAtoB, {128, false});
  auto ip = ipv4_packet(0x22);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kIp);
  // Five lost: more than the receiver bridges by guessing their lengths.
  for (int i = 0; i < 5; ++i) {
    std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
    ASSERT_FALSE(a.frame_ip(buf.data(), ip.size(), now).empty());
  }
  const Time t0 = now;
  EXPECT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kDropped);
  EXPECT_TRUE(b.take_reset_request(now));  // at once after the loss
  EXPECT_EQ(b.stats().mppe_resets_sent, 1u);
  // Our request is lost. With nothing more discarded, nothing is repeated.
  now = t0 + kResetRepeat;
  EXPECT_FALSE(b.take_reset_request(now));
  // A packet discarded later arms the repeat, which the timer sends when
  // the repeat time is up, without waiting for another packet.
  now = t0 + kResetRepeat + kResetRepeat / 10;
  const Time t1 = now;
  EXPECT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kDropped);
  EXPECT_TRUE(b.take_reset_request(now));
  now = t1 + kResetRepeat / 2;
  EXPECT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kDropped);
  EXPECT_FALSE(b.take_reset_request(now));  // too soon
  EXPECT_LE(b.next_deadline(), t1 + kResetRepeat);
  now = t1 + kResetRepeat;
  EXPECT_TRUE(b.take_reset_request(now));
  EXPECT_EQ(b.stats().mppe_resets_sent, 3u);
  a.request_flush();  // this one arrives
  auto in = send_ip(a, b, ip);
  ASSERT_EQ(in.kind, DataPath::Inbound::kIp) << in.reason;
  EXPECT_EQ(std::vector<uint8_t>(in.data.begin(), in.data.end()), ip);
  EXPECT_FALSE(b.take_reset_request(now + seconds(5)));
  EXPECT_EQ(a.stats().mppe_flushes_asked, 1u);
  EXPECT_EQ(b.stats().mppe.resyncs, 1u);
  b.stop_mppe();  // the counters outlive the decryptor
  EXPECT_EQ(b.stats().mppe.resyncs, 1u);
  EXPECT_EQ(describe_mppe(b.stats()),
            "MPPE in: dropped late 0 duplicate 0 garbled 0 searching 0 keys-lost 0 "
            "out-of-sequence 1 discarding 2 malformed 0 | resyncs 1 (guessed 0) lengths guessed 0 "
            "search steps 0 | "
            "resets sent 3 asked 0 | CCP renegotiations 0 | dead-receive terminations 0");
}

// Issue 9: a receive direction that keeps failing while the peer keeps
// sending asks for fresh keys (CCP), and, when renegotiating brings nothing
// back, for the end of the link - never a silent dead link.
TEST_F(Pair, DeadReceiveRenegotiatesCcpThenEnds) {
  // b decrypts with the wrong key: every packet from a is garbage to it.
  a.start_mppe(kKeyAtoB, kKeyBtoA, {128, true});
  b.start_mppe(kKeyBtoA, kKeyBtoA, {128, true});
  auto ip = ipv4_packet(0x33);
  std::string why;
  auto flood = [&](int n) {
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kDropped);
      now += milliseconds(100);
    }
  };
  for (uint32_t round = 1; round <= kMaxCcpRenegotiations; ++round) {
    flood(5);
    EXPECT_EQ(b.take_rx_action(now, &why), RxAction::kNone);  // too few packets, too soon
    flood(20);
    ASSERT_EQ(b.take_rx_action(now, &why), RxAction::kRenegotiateCcp) << round;
    // Garbage from the start: the stateless key search gives up first.
    EXPECT_NE(why.find("decrypts the peer's packets"), std::string::npos) << why;
    EXPECT_EQ(b.take_rx_action(now, &why), RxAction::kNone);  // once per key set
    // CCP renegotiated: fresh decryptor, still the wrong key.
    a.start_mppe(kKeyAtoB, kKeyBtoA, {128, true});
    b.start_mppe(kKeyBtoA, kKeyBtoA, {128, true});
  }
  flood(25);
  EXPECT_EQ(b.take_rx_action(now, &why), RxAction::kTerminate);
  EXPECT_NE(why.find("after 2 CCP renegotiations"), std::string::npos) << why;
  EXPECT_EQ(b.stats().ccp_renegotiations, 2u);
  EXPECT_EQ(b.stats().rx_dead_terminations, 1u);
}

TEST_F(Pair, DeadStatefulReceiveRenegotiatesAfterTime) {
  a.start_mppe(kKeyAtoB, kKeyBtoA, {128, false});
  b.start_mppe(kKeyBtoA, kKeyBtoA, {128, false});
  auto ip = ipv4_packet(0x35);
  std::string why;
  for (int i = 0; i < 19; ++i) {
    EXPECT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kDropped);
    if (b.take_reset_request(now)) a.request_flush();
    EXPECT_EQ(b.take_rx_action(now, &why), RxAction::kNone) << i;
    now += milliseconds(100);
  }
  send_ip(a, b, ip);
  now += milliseconds(100);
  send_ip(a, b, ip);
  ASSERT_EQ(b.take_rx_action(now, &why), RxAction::kRenegotiateCcp);
  EXPECT_EQ(why, "no MPPE packet from the peer decrypted for 2000 ms (21 refused)");
}

TEST_F(Pair, RenegotiatedKeysThatWorkResetTheEscalation) {
  a.start_mppe(kKeyAtoB, kKeyBtoA, {128, true});
  b.start_mppe(kKeyBtoA, kKeyBtoA, {128, true});
  auto ip = ipv4_packet(0x34);
  std::string why;
  for (uint32_t round = 0; round < 5; ++round) {
    for (int i = 0; i < 25; ++i) {
      send_ip(a, b, ip);
      now += milliseconds(100);
    }
    ASSERT_EQ(b.take_rx_action(now, &why), RxAction::kRenegotiateCcp) << round;
    // Fresh keys that work this time: one good packet clears the count.
    a.start_mppe(kKeyAtoB, kKeyBtoA, {128, true});
    b.start_mppe(kKeyBtoA, kKeyAtoB, {128, true});
    ASSERT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kIp);
    b.start_mppe(kKeyBtoA, kKeyBtoA, {128, true});  // and broken again
  }
  EXPECT_EQ(b.stats().rx_dead_terminations, 0u);
}

TEST_F(Pair, GreDropsAreNamedByReason) {
  auto ip = ipv4_packet(0x40);
  std::vector<std::vector<uint8_t>> sent;
  for (int i = 0; i < 3; ++i) {
    std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
    ByteView pkt = a.frame_ip(buf.data(), ip.size(), now);
    sent.emplace_back(pkt.begin(), pkt.end());
  }
  ASSERT_EQ(receive(b, sent[0]).kind, DataPath::Inbound::kIp);
  ASSERT_EQ(receive(b, sent[2]).kind, DataPath::Inbound::kIp);  // 1 is lost...
  auto copy = sent[2];
  EXPECT_EQ(receive(b, copy).kind, DataPath::Inbound::kDropped);     // a duplicate
  EXPECT_EQ(receive(b, sent[1]).kind, DataPath::Inbound::kDropped);  // ...and late: stale
  EXPECT_EQ(describe_gre(b.stats()),
            "GRE in: stale 1 duplicate 1 lost 1 | reorder window: held 0 late-in-order 0 "
            "gaps-skipped 0 too-big 0");
}

TEST_F(Pair, MppeRequiredDropsClearTrafficBothWays) {
  a.set_mppe_required(true);
  b.set_mppe_required(true);
  auto ip = ipv4_packet(0x22);
  std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
  EXPECT_TRUE(a.frame_ip(buf.data(), ip.size(), now).empty());  // no keys yet
  EXPECT_EQ(a.stats().out_no_mppe, 1u);
  DataPath clear{gre::ChannelConfig{.peer_call_id = 1}};
  auto in = send_ip(clear, b, ip);
  EXPECT_EQ(in.kind, DataPath::Inbound::kDropped);
  EXPECT_EQ(b.stats().clear_ip_dropped, 1u);
}

TEST_F(Pair, OnlyIpv4GoesOut) {
  std::vector<uint8_t> ip6(40, 0);
  ip6[0] = 0x60;
  std::copy(ip6.begin(), ip6.end(), buf.begin() + kHeadroom);
  EXPECT_TRUE(a.frame_ip(buf.data(), ip6.size(), now).empty());
  EXPECT_EQ(a.stats().out_not_ipv4, 1u);
}

TEST_F(Pair, ControlFramesPassThroughAndGarbageIsDropped) {
  const uint8_t lcp[] = {0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x08, 1, 2, 3, 4};
  ByteView pkt = a.frame_control(buf.data(), buf.size(), lcp, now);
  auto in = receive(b, pkt);
  ASSERT_EQ(in.kind, DataPath::Inbound::kControl);
  EXPECT_EQ(in.protocol, 0xc021);
  EXPECT_EQ(in.data.size(), 8u);
  const uint8_t bad[] = {0xff, 0x03, 0xc0};  // truncated protocol
  pkt = a.frame_control(buf.data(), buf.size(), bad, now);
  EXPECT_EQ(receive(b, pkt).kind, DataPath::Inbound::kDropped);
  EXPECT_EQ(b.stats().ppp_malformed, 1u);
  const uint8_t mppe_early[] = {0x00, 0xfd, 0x90, 0x00, 1, 2, 3};
  pkt = a.frame_control(buf.data(), buf.size(), mppe_early, now);
  EXPECT_EQ(receive(b, pkt).kind, DataPath::Inbound::kDropped);
  EXPECT_EQ(b.stats().mppe_dropped, 1u);
}

TEST_F(Pair, DuplicatesAreDroppedAndCounted) {
  auto ip = ipv4_packet(0x33);
  std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
  ByteView pkt = a.frame_ip(buf.data(), ip.size(), now);
  std::vector<uint8_t> copy(pkt.begin(), pkt.end());
  EXPECT_EQ(receive(b, copy).kind, DataPath::Inbound::kIp);
  EXPECT_EQ(receive(b, copy).kind, DataPath::Inbound::kDropped);
  EXPECT_EQ(b.stats().gre_duplicates, 1u);
}

}  // namespace
}  // namespace pptpx::session
