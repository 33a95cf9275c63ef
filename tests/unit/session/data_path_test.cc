// SPDX-License-Identifier: MIT
#include "proto/session/data_path.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "base/rng.h"
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

// The same with a valid header checksum (RFC 791), as far-ahead packets need.
std::vector<uint8_t> checked_ipv4_packet(uint8_t tag) {
  auto p = ipv4_packet(tag);
  p[8] = 64;
  p[9] = 17;
  p[10] = p[11] = 0;
  uint32_t sum = 0;
  for (size_t i = 0; i < 20; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put_u16(&p[10], static_cast<uint16_t>(~sum));
  return p;
}

// A GRE packet with sequence number seq around a PPP frame.
std::vector<uint8_t> gre_packet(uint32_t seq, ByteView ppp) {
  std::vector<uint8_t> p(gre::kMaxHeaderSize + ppp.size());
  const gre::Header h{1, static_cast<uint16_t>(ppp.size()), true, seq, false, 0};
  const size_t n = gre::write_header(p.data(), h);
  std::copy(ppp.begin(), ppp.end(), p.begin() + static_cast<std::ptrdiff_t>(n));
  p.resize(n + ppp.size());
  return p;
}

// Random octets behind an MPPE header (A and D set) and a random count.
std::vector<uint8_t> forged_mppe(Rng& rng, size_t len) {
  std::vector<uint8_t> f(len);
  rng.fill(f);
  f[0] = 0xff;
  f[1] = 0x03;
  f[2] = 0x00;
  f[3] = 0xfd;
  f[4] = static_cast<uint8_t>(0x90 | (f[4] & 0x0f));
  return f;
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
            "out-of-sequence 1 discarding 2 malformed 0 far-ahead-refused 0 (no budget 0) | "
            "resyncs 1 (guessed 0) lengths guessed 0 "
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
            "gaps-skipped 0 too-big 0 | invalid 0 (far-ahead 0) far-ahead accepted 0");
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

// Issue 14: forged packets far ahead (random payloads, MPPE garbage with
// coherency-count jumps) leave the sequence, ack, count and keys as they
// were: the next genuine packet is delivered; each one is counted.
TEST_F(Pair, ForgedFarAheadPacketsLeaveTheReceiveStateAsItWas) {
  for (bool stateless : {true, false}) {
    DataPath x{gre::ChannelConfig{.peer_call_id = 2}};
    DataPath y{gre::ChannelConfig{.peer_call_id = 1, .reorder_packets = 8}};
    x.start_mppe(kKeyAtoB, kKeyBtoA, {128, stateless});
    y.start_mppe(kKeyBtoA, kKeyAtoB, {128, stateless});
    SeededRng rng(stateless ? 1 : 2);
    const int kForged = 300;
    for (int i = 0; i < 30; ++i) {
      auto ip = ipv4_packet(static_cast<uint8_t>(i));
      auto in = send_ip(x, y, ip);
      ASSERT_EQ(in.kind, DataPath::Inbound::kIp) << in.reason;
      EXPECT_EQ(std::vector<uint8_t>(in.data.begin(), in.data.end()), ip);
      for (int k = 0; k < kForged / 30; ++k) {
        const auto sent = static_cast<uint32_t>(x.stats().gre_data_out);
        auto f = forged_mppe(rng, 60 + k * 7);
        if (k % 2) f[4] = static_cast<uint8_t>(f[4] & 0x7f);  // no A bit
        const uint32_t seq = k == 0 ? sent + (1u << 30) : sent + gre::kMaxForwardJump + 1 + k;
        auto pkt = gre_packet(seq, f);
        EXPECT_EQ(receive(y, pkt).kind, DataPath::Inbound::kDropped);
        EXPECT_FALSE(y.take_reset_request(now));
        EXPECT_EQ(y.take_rx_action(now + seconds(10), nullptr), RxAction::kNone);
        EXPECT_FALSE(y.too_many_mppe_errors());
      }
    }
    const DataPathStats st = y.stats();
    EXPECT_EQ(st.gre_invalid, static_cast<uint64_t>(kForged));
    EXPECT_EQ(st.gre_invalid_far, static_cast<uint64_t>(kForged));
    EXPECT_EQ(st.gre_lost, 0u);
    EXPECT_EQ(st.gre_delivered, 30u);
    EXPECT_EQ(st.mppe.untrusted_refused + st.mppe_far_no_budget, static_cast<uint64_t>(kForged));
    EXPECT_EQ(st.mppe.decrypted, 30u);
    EXPECT_EQ(st.mppe_resets_sent, 0u);
  }
}

TEST_F(Pair, ForgedRandomSequenceNumbersAndPayloadsWithoutMppe) {
  SeededRng rng(3);
  int dropped = 0;
  for (int i = 0; i < 50; ++i) {
    auto ip = ipv4_packet(static_cast<uint8_t>(i));
    auto in = send_ip(a, b, ip);
    ASSERT_EQ(in.kind, DataPath::Inbound::kIp) << i << " " << in.reason;
    for (int k = 0; k < 20; ++k) {
      std::vector<uint8_t> junk(40 + k);
      rng.fill(junk);
      uint32_t seq = 0;
      rng.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&seq), sizeof seq));
      if (k < 2) junk[0] = 0xff, junk[1] = 0x03, junk[2] = 0x00, junk[3] = 0x21;  // "IP"
      if (k == 2) junk[0] = 0xc0, junk[1] = 0x21, junk[2] = 0x0c;                 // "LCP", no echo
      auto pkt = gre_packet(seq, junk);
      auto r = receive(b, pkt);
      dropped += r.kind == DataPath::Inbound::kDropped;
    }
  }
  EXPECT_EQ(dropped, 1000);
  const DataPathStats st = b.stats();
  EXPECT_EQ(st.gre_delivered, 50u);
  EXPECT_EQ(st.gre_lost, 0u);
  EXPECT_EQ(st.gre_stale + st.gre_duplicate + st.gre_invalid, 1000u);
}

TEST_F(Pair, AFarAheadPacketThatValidatesIsAcceptedAndCounted) {
  // In clear: a well-formed IPv4 packet with its checksum.
  auto ip = checked_ipv4_packet(0x50);
  ASSERT_EQ(send_ip(a, b, ip).kind, DataPath::Inbound::kIp);
  std::vector<uint8_t> frame = {0xff, 0x03, 0x00, 0x21};
  frame.insert(frame.end(), ip.begin(), ip.end());
  // Alone, far ahead in clear, it is not taken; the one after it is.
  auto far = gre_packet(1 + (1u << 30), frame);
  EXPECT_EQ(receive(b, far).kind, DataPath::Inbound::kDropped);
  EXPECT_EQ(b.stats().far_clear_unconfirmed, 1u);
  far = gre_packet(2 + (1u << 30), frame);
  auto in = receive(b, far);
  ASSERT_EQ(in.kind, DataPath::Inbound::kIp) << in.reason;
  EXPECT_EQ(b.stats().gre_far_accepted, 1u);
  EXPECT_EQ(b.stats().gre_invalid_far, 1u);
  // Without a valid checksum the same is refused.
  frame[14] ^= 1;
  far = gre_packet(3 + (2u << 30), frame);
  EXPECT_EQ(receive(b, far).kind, DataPath::Inbound::kDropped);
  EXPECT_EQ(b.stats().ip_malformed, 1u);
  EXPECT_EQ(b.stats().gre_invalid_far, 2u);
  // A far-ahead LCP echo goes up without moving anything.
  const uint8_t echo[] = {0xff, 0x03, 0xc0, 0x21, 0x09, 0x07, 0x00, 0x08, 1, 2, 3, 4};
  far = gre_packet(2 + (1u << 30) + 100000, echo);
  EXPECT_EQ(receive(b, far).kind, DataPath::Inbound::kControl);
  EXPECT_EQ(b.stats().gre_invalid_far, 3u);
  frame[14] ^= 1;
  EXPECT_EQ(receive(b, gre_packet(3 + (1u << 30), frame)).kind, DataPath::Inbound::kIp);
  EXPECT_EQ(b.stats().gre_far_accepted, 1u);
  // MPPE: a genuine packet whose sequence number jumped far.
  for (bool stateless : {true, false}) {
    DataPath x{gre::ChannelConfig{.peer_call_id = 2}}, y{gre::ChannelConfig{.peer_call_id = 1}};
    x.start_mppe(kKeyAtoB, kKeyBtoA, {128, stateless});
    y.start_mppe(kKeyBtoA, kKeyAtoB, {128, stateless});
    ASSERT_EQ(send_ip(x, y, ip).kind, DataPath::Inbound::kIp);
    if (!stateless) x.request_flush();  // stateful: only a flushed packet can be checked
    // Two packets, both moved 2^30 on: the first checked far ahead, the
    // second in the window again (the stream carries on from the first).
    for (uint64_t far_accepted : {1u, 1u}) {
      std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
      ByteView pkt = x.frame_ip(buf.data(), ip.size(), now);
      auto g = gre::parse(pkt);
      ASSERT_TRUE(g.ok());
      std::vector<uint8_t> ppp(g.packet.payload.begin(), g.packet.payload.end());
      auto moved = gre_packet(g.packet.header.seq + (1u << 30), ppp);
      in = receive(y, moved);
      ASSERT_EQ(in.kind, DataPath::Inbound::kIp) << in.reason;
      EXPECT_EQ(std::vector<uint8_t>(in.data.begin(), in.data.end()), ip);
      EXPECT_EQ(y.stats().gre_far_accepted, far_accepted);
    }
  }
}

// Coherency-count jumps far ahead cost key changes out of a per-call budget
// refilled with time, stateless as stateful; genuine traffic is untouched.
TEST_F(Pair, FarAheadKeyWorkIsBudgetedPerSecond) {
  for (bool stateless : {true, false}) {
    DataPath x{gre::ChannelConfig{.peer_call_id = 2}}, y{gre::ChannelConfig{.peer_call_id = 1}};
    x.start_mppe(kKeyAtoB, kKeyBtoA, {128, stateless});
    y.start_mppe(kKeyBtoA, kKeyAtoB, {128, stateless});
    SeededRng rng(4);
    const int kSeconds = 10;
    const int kForgedPerMs = 5;
    ASSERT_EQ(send_ip(x, y, ipv4_packet(1)).kind, DataPath::Inbound::kIp);
    const uint64_t work0 = y.stats().mppe.key_work;
    for (int ms = 0; ms < kSeconds * 1000; ++ms) {
      now += milliseconds(1);
      for (int k = 0; k < kForgedPerMs; ++k) {
        auto f = forged_mppe(rng, 100);
        auto pkt = gre_packet(static_cast<uint32_t>(x.stats().gre_data_out) + (1u << 30), f);
        ASSERT_EQ(receive(y, pkt).kind, DataPath::Inbound::kDropped);
      }
      if (ms % 10 == 0) {
        auto ip = ipv4_packet(static_cast<uint8_t>(ms));
        ASSERT_EQ(send_ip(x, y, ip).kind, DataPath::Inbound::kIp) << ms;
      }
    }
    const DataPathStats st = y.stats();
    // The genuine packets' own key changes, one each (stateless), plus the
    // burst, the refill and one packet's overshoot.
    const uint64_t genuine = stateless ? uint64_t{kSeconds} * 100 : 0;
    EXPECT_LE(
        st.mppe.key_work - work0,
        genuine + kFarStepBurst + uint64_t{kSeconds} * kFarStepsPerSecond + kFarStepsPerPacket);
    EXPECT_GT(st.mppe_far_no_budget, 0u);
    EXPECT_EQ(st.gre_invalid_far, static_cast<uint64_t>(kSeconds * 1000 * kForgedPerMs));
  }
}

}  // namespace
}  // namespace pptpx::session
