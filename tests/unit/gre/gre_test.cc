// SPDX-License-Identifier: MIT
#include "proto/gre/gre.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "base/hex.h"

namespace pptpx::gre {
namespace {

Bytes vec(const std::string& name) {
  std::ifstream in(std::string(PPTPX_TEST_DATA) + "/gre/gre_computed.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string n, hex;
    ls >> n >> hex;
    if (n == name) return from_hex(hex).value_or(Bytes{});
  }
  ADD_FAILURE() << "missing vector " << name;
  return {};
}

const Time t0 = Time{} + seconds(100);

TEST(GreCodec, DataWithAckVector) {
  Bytes wire = vec("gre_data_with_ack_example");
  ParseResult r = parse(wire);
  ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
  const Header& h = r.packet.header;
  EXPECT_EQ(h.call_id, 0x8001);
  EXPECT_EQ(h.payload_length, 12);
  EXPECT_TRUE(h.has_seq);
  EXPECT_EQ(h.seq, 1u);
  EXPECT_TRUE(h.has_ack);
  EXPECT_EQ(h.ack, 5u);
  EXPECT_EQ(to_hex(r.packet.payload), "ff03c0210905000801020304");
  EXPECT_TRUE(is_lcp_echo(r.packet.payload));

  uint8_t out[kMaxHeaderSize];
  ASSERT_EQ(write_header(out, h), 16u);
  EXPECT_EQ(to_hex(ByteView(out, 16)), to_hex(ByteView(wire).first(16)));
}

TEST(GreCodec, AckOnlyVector) {
  Bytes wire = vec("gre_ack_only_example");
  ParseResult r = parse(wire);
  ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
  const Header& h = r.packet.header;
  EXPECT_EQ(h.call_id, 0x1234);
  EXPECT_FALSE(h.has_seq);
  EXPECT_TRUE(h.has_ack);
  EXPECT_EQ(h.ack, 7u);
  EXPECT_TRUE(r.packet.payload.empty());
  uint8_t out[kMaxHeaderSize];
  ASSERT_EQ(write_header(out, h), 12u);
  EXPECT_EQ(to_hex(ByteView(out, 12)), to_hex(wire));
}

TEST(GreCodec, DataWithoutAck) {
  Header h{0x55, 3, true, 0xdeadbeef, false, 0};
  uint8_t out[kMaxHeaderSize];
  ASSERT_EQ(write_header(out, h), 12u);
  EXPECT_EQ(to_hex(ByteView(out, 12)), "3001880b00030055deadbeef");
  EXPECT_EQ(header_size(true, false), 12u);
  EXPECT_EQ(header_size(true, true), 16u);
  EXPECT_EQ(header_size(false, true), 12u);
}

TEST(GreCodec, TrailingBytesIgnored) {
  Bytes wire = vec("gre_data_with_ack_example");
  wire.push_back(0xee);
  ParseResult r = parse(wire);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.packet.payload.size(), 12u);
}

TEST(GreCodec, MalformedHeaders) {
  const Bytes good = vec("gre_data_with_ack_example");
  auto err = [](Bytes b) { return parse(b).error; };
  Bytes b;

  EXPECT_EQ(err(Bytes(good.begin(), good.begin() + 7)), ParseError::kTruncated);
  EXPECT_EQ(err(Bytes(good.begin(), good.begin() + 15)), ParseError::kTruncated);
  b = good;
  b[3] = 0x0c;
  EXPECT_EQ(err(b), ParseError::kBadProtocol);
  b = good;
  b[1] = 0x80;  // version 0
  EXPECT_EQ(err(b), ParseError::kBadVersion);
  for (uint8_t bit : {0x80, 0x40, 0x08, 0x04, 0x01}) {
    b = good;
    b[0] |= bit;
    EXPECT_EQ(err(b), ParseError::kBadFlags) << int(bit);
  }
  b = good;
  b[1] |= 0x08;  // Flags
  EXPECT_EQ(err(b), ParseError::kBadFlags);
  b = good;
  b[0] &= ~0x20;
  EXPECT_EQ(err(b), ParseError::kNoKey);
  b = good;
  b[5] = 13;
  EXPECT_EQ(err(b), ParseError::kBadPayloadLength);
  b = vec("gre_ack_only_example");
  b[5] = 1;
  b.push_back(0);
  EXPECT_EQ(err(b), ParseError::kPayloadWithoutSeq);
  b = vec("gre_ack_only_example");
  b[1] = 0x01;  // neither S nor A
  EXPECT_EQ(err(b), ParseError::kEmpty);

  ParseStats st;
  st.count(ParseError::kBadFlags);
  st.count(ParseError::kNone);
  EXPECT_EQ(st.bad_flags, 1u);
}

Bytes ipv4(uint16_t frag, size_t payload) {
  Bytes b = from_hex("4500000000000000402f0000c0a80001c0a80002").value();
  for (size_t i = 0; i < payload; ++i) b.push_back(static_cast<uint8_t>(i));
  put_u16(&b[2], static_cast<uint16_t>(b.size()));
  put_u16(&b[6], frag);
  return b;
}

TEST(Ipv4, ParsesAndChecks) {
  Bytes b = ipv4(0x4000, 8);  // DF
  b.push_back(0xaa);          // beyond Total Length: ignored
  Ipv4Result r = parse_ipv4(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.packet.protocol, kIpProtocolGre);
  EXPECT_EQ(r.packet.src.str(), "192.168.0.1");
  EXPECT_EQ(r.packet.dst.str(), "192.168.0.2");
  EXPECT_EQ(r.packet.payload.size(), 8u);
  EXPECT_EQ(r.packet.payload[7], 7);

  EXPECT_EQ(parse_ipv4(ipv4(0x2000, 8)).error, Ipv4Error::kFragment);
  EXPECT_EQ(parse_ipv4(ipv4(0x0001, 8)).error, Ipv4Error::kFragment);
  EXPECT_EQ(parse_ipv4(ByteView(ipv4(0, 0)).first(19)).error, Ipv4Error::kTruncated);
  b = ipv4(0, 8);
  b[0] = 0x65;
  EXPECT_EQ(parse_ipv4(b).error, Ipv4Error::kBadVersion);
  b = ipv4(0, 8);
  b[0] = 0x44;
  EXPECT_EQ(parse_ipv4(b).error, Ipv4Error::kBadHeaderLength);
  b = ipv4(0, 8);
  b[0] = 0x4f;  // 60 > 28 octets present
  EXPECT_EQ(parse_ipv4(b).error, Ipv4Error::kBadHeaderLength);
  b = ipv4(0, 8);
  put_u16(&b[2], 29);
  EXPECT_EQ(parse_ipv4(b).error, Ipv4Error::kBadTotalLength);
  b = ipv4(0, 8);
  put_u16(&b[2], 19);
  EXPECT_EQ(parse_ipv4(b).error, Ipv4Error::kBadTotalLength);
  // IHL 6 with options.
  b = ipv4(0, 8);
  b[0] = 0x46;
  r = parse_ipv4(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.packet.payload.size(), 4u);
}

Header data(uint32_t seq) { return Header{1, 4, true, seq, false, 0}; }
const uint8_t kIpPayload[] = {0x00, 0x21, 0x45, 0x00};
const uint8_t kEchoReq[] = {0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x08};
const uint8_t kEchoRepNoAc[] = {0xc0, 0x21, 0x0a, 0x01, 0x00, 0x08};
const uint8_t kConfReq[] = {0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04};

TEST(Channel, SendSequenceStartsAtOneAndPiggybacksAcks) {
  Channel ch(ChannelConfig{0x8001});
  Header h = ch.next_data_header(12, t0);
  EXPECT_EQ(h.seq, 1u);
  EXPECT_FALSE(h.has_ack);
  EXPECT_EQ(h.call_id, 0x8001);
  EXPECT_EQ(ch.on_receive(data(5), kIpPayload, t0), Verdict::kDeliver);
  h = ch.next_data_header(12, t0);
  EXPECT_EQ(h.seq, 2u);
  EXPECT_TRUE(h.has_ack);
  EXPECT_EQ(h.ack, 5u);
  // Nothing new received: no ack.
  TxFields f = ch.next_data(t0);
  EXPECT_EQ(f.seq, 3u);
  EXPECT_FALSE(f.has_ack);
  EXPECT_EQ(ch.stats().tx_acks_piggybacked, 1u);
  EXPECT_EQ(ch.unacked(), 3u);
}

TEST(Channel, FirstSeqAcceptedThenOnlyNewer) {
  Channel ch(ChannelConfig{});
  EXPECT_EQ(ch.on_receive(data(1000), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(1000), kIpPayload, t0), Verdict::kDuplicate);
  EXPECT_EQ(ch.on_receive(data(999), kIpPayload, t0), Verdict::kStale);
  EXPECT_EQ(ch.on_receive(data(1003), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(1002), kIpPayload, t0), Verdict::kStale);  // no reorder buffer
  EXPECT_EQ(ch.stats().rx_delivered, 2u);
  EXPECT_EQ(ch.stats().rx_duplicates, 1u);
  EXPECT_EQ(ch.stats().rx_stale, 2u);
  EXPECT_EQ(ch.stats().rx_lost, 2u);
}

TEST(Channel, WrapAround) {
  Channel ch(ChannelConfig{});
  EXPECT_EQ(ch.on_receive(data(0xfffffffe), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(0xffffffff), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(0), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(1), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(0xffffffff), kIpPayload, t0), Verdict::kStale);
  EXPECT_EQ(ch.stats().rx_lost, 0u);
  EXPECT_TRUE(seq_after(0, 0xffffffff));
  EXPECT_FALSE(seq_after(0xffffffff, 0));
  EXPECT_TRUE(seq_after(0x7fffffff, 0));
}

TEST(Channel, StaleLcpEchoStillDelivered) {
  Channel ch(ChannelConfig{});
  ch.on_receive(data(10), kIpPayload, t0);
  EXPECT_EQ(ch.on_receive(data(9), kEchoReq, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(10), kEchoRepNoAc, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.on_receive(data(8), kConfReq, t0), Verdict::kStale);
  EXPECT_EQ(ch.stats().rx_stale_echo_delivered, 2u);
  // Delivering a stale echo does not move the accepted sequence.
  EXPECT_EQ(ch.on_receive(data(11), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.next_data(t0).ack, 11u);
}

TEST(Channel, AckProcessing) {
  Channel ch(ChannelConfig{});
  for (int i = 0; i < 5; ++i) ch.next_data(t0);
  EXPECT_EQ(ch.unacked(), 5u);
  EXPECT_EQ(ch.on_receive(Header{1, 0, false, 0, true, 3}, {}, t0), Verdict::kAckOnly);
  EXPECT_EQ(ch.unacked(), 2u);
  ch.on_receive(Header{1, 0, false, 0, true, 2}, {}, t0);  // older ack: ignored
  EXPECT_EQ(ch.unacked(), 2u);
  ch.on_receive(Header{1, 0, false, 0, true, 9}, {}, t0);  // never sent
  EXPECT_EQ(ch.stats().rx_bad_acks, 1u);
  EXPECT_EQ(ch.unacked(), 2u);
  Header h = data(1);
  h.has_ack = true;
  h.ack = 5;
  EXPECT_EQ(ch.on_receive(h, kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.unacked(), 0u);
  EXPECT_EQ(ch.stats().rx_acks, 4u);
  EXPECT_EQ(ch.stats().max_unacked, 5u);
}

TEST(Channel, AckOnlyTimer) {
  ChannelConfig cfg;
  cfg.peer_call_id = 0x1234;
  cfg.ack_delay = milliseconds(300);
  cfg.ack_burst = 0;
  Channel ch(cfg);
  EXPECT_EQ(ch.next_deadline(), kNever);
  ch.on_receive(data(7), kIpPayload, t0);
  ch.on_receive(data(8), kIpPayload, t0 + milliseconds(100));
  EXPECT_EQ(ch.next_deadline(), t0 + milliseconds(300));
  EXPECT_FALSE(ch.on_timer(t0 + milliseconds(299)));
  auto h = ch.on_timer(t0 + milliseconds(300));
  ASSERT_TRUE(h);
  uint8_t out[kMaxHeaderSize];
  ASSERT_EQ(write_header(out, *h), 12u);
  EXPECT_EQ(to_hex(ByteView(out, 12)), "2081880b0000123400000008");
  EXPECT_EQ(ch.next_deadline(), kNever);
  EXPECT_FALSE(ch.on_timer(t0 + seconds(10)));
  EXPECT_EQ(ch.stats().tx_ack_only, 1u);

  // Outgoing data carries the ack and cancels the timer.
  ch.on_receive(data(9), kIpPayload, t0 + seconds(11));
  EXPECT_NE(ch.next_deadline(), kNever);
  EXPECT_TRUE(ch.next_data(t0 + seconds(11)).has_ack);
  EXPECT_EQ(ch.next_deadline(), kNever);
}

TEST(Channel, AckBurstMakesAckDueAtOnce) {
  ChannelConfig cfg;
  cfg.ack_delay = milliseconds(500);
  cfg.ack_burst = 3;
  Channel ch(cfg);
  ch.on_receive(data(1), kIpPayload, t0);
  ch.on_receive(data(2), kIpPayload, t0 + milliseconds(1));
  EXPECT_EQ(ch.next_deadline(), t0 + milliseconds(500));
  ch.on_receive(data(3), kIpPayload, t0 + milliseconds(2));
  EXPECT_LE(ch.next_deadline(), t0 + milliseconds(2));
  auto h = ch.on_timer(t0 + milliseconds(2));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->ack, 3u);
}

TEST(Channel, WindowNeverBlocks) {
  ChannelConfig cfg;
  cfg.peer_window = 2;
  Channel ch(cfg);
  for (uint32_t i = 1; i <= 5; ++i) EXPECT_EQ(ch.next_data(t0).seq, i);
  EXPECT_EQ(ch.stats().tx_over_window, 3u);
}

// ---- reorder window ----

ChannelConfig reorder(uint32_t packets, Duration wait = milliseconds(10)) {
  ChannelConfig c;
  c.reorder_packets = packets;
  c.reorder_wait = wait;
  return c;
}

// A payload that names its sequence number.
Bytes tagged(uint32_t seq) {
  Bytes b(6);
  b[0] = 0x00;
  b[1] = 0x21;
  put_u32(&b[2], seq);
  return b;
}

// Feeds one packet and collects what goes up, in order, as a pptpx call does.
void feed(Channel& ch, uint32_t seq, Time now, std::vector<uint32_t>& up) {
  Bytes p = tagged(seq);
  if (ch.on_receive(data(seq), p, now) == Verdict::kDeliver) up.push_back(get_u32(&p[2]));
  while (auto r = ch.take_released(now)) up.push_back(get_u32(r->data() + 2));
}

void drain(Channel& ch, Time now, std::vector<uint32_t>& up) {
  while (auto r = ch.take_released(now)) up.push_back(get_u32(r->data() + 2));
}

TEST(Reorder, SwappedPacketsGoUpInOrder) {
  Channel ch(reorder(8));
  std::vector<uint32_t> up;
  for (uint32_t s : {1u, 2u, 4u, 3u, 5u, 7u, 6u, 8u}) feed(ch, s, t0, up);
  EXPECT_EQ(up, (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(ch.stats().rx_stale, 0u);
  EXPECT_EQ(ch.stats().rx_lost, 0u);
  EXPECT_EQ(ch.stats().rx_late_in_order, 2u);
  EXPECT_EQ(ch.stats().rx_gaps_skipped, 0u);
  EXPECT_NE(ch.next_deadline(), t0 + milliseconds(10));  // nothing waits
}

TEST(Reorder, AGapIsWaitedForThenSkipped) {
  Channel ch(reorder(8, milliseconds(10)));
  std::vector<uint32_t> up;
  feed(ch, 1, t0, up);
  feed(ch, 3, t0 + milliseconds(1), up);  // 2 is lost
  feed(ch, 4, t0 + milliseconds(2), up);
  EXPECT_EQ(up, (std::vector<uint32_t>{1}));
  // The held packets set the timer; when it runs out, they go up.
  EXPECT_EQ(ch.next_deadline(), t0 + milliseconds(11));
  drain(ch, t0 + milliseconds(5), up);
  EXPECT_EQ(up.size(), 1u);
  drain(ch, t0 + milliseconds(11), up);
  EXPECT_EQ(up, (std::vector<uint32_t>{1, 3, 4}));
  EXPECT_EQ(ch.stats().rx_lost, 1u);
  EXPECT_EQ(ch.stats().rx_gaps_skipped, 1u);
  // Too late now: stale.
  Bytes p = tagged(2);
  EXPECT_EQ(ch.on_receive(data(2), p, t0 + milliseconds(12)), Verdict::kStale);
}

TEST(Reorder, AFullWindowGoesUpAtOnce) {
  Channel ch(reorder(4));
  std::vector<uint32_t> up;
  feed(ch, 1, t0, up);
  for (uint32_t s = 3; s <= 6; ++s) feed(ch, s, t0, up);  // 4 wait for 2
  EXPECT_EQ(up, (std::vector<uint32_t>{1}));
  feed(ch, 7, t0, up);  // a fifth: the gap is given up
  EXPECT_EQ(up, (std::vector<uint32_t>{1, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ch.stats().rx_gaps_skipped, 1u);
}

TEST(Reorder, AFarJumpIsLossNotReordering) {
  Channel ch(reorder(8));
  std::vector<uint32_t> up;
  feed(ch, 1, t0, up);
  feed(ch, 3, t0, up);    // waits for 2
  feed(ch, 500, t0, up);  // 496 missing: nothing waits for them
  EXPECT_EQ(up, (std::vector<uint32_t>{1, 3, 500}));
  feed(ch, 501, t0, up);
  EXPECT_EQ(up.back(), 501u);
  EXPECT_EQ(ch.stats().rx_lost, 497u);
}

TEST(Reorder, DuplicatesInTheWindowAreDropped) {
  Channel ch(reorder(8));
  std::vector<uint32_t> up;
  feed(ch, 1, t0, up);
  feed(ch, 3, t0, up);
  Bytes p = tagged(3);
  EXPECT_EQ(ch.on_receive(data(3), p, t0), Verdict::kDuplicate);
  feed(ch, 2, t0, up);
  EXPECT_EQ(up, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(ch.stats().rx_duplicates, 1u);
}

TEST(Reorder, APayloadTooBigForASlotIsCountedAsSuch) {
  Channel ch(reorder(8));
  std::vector<uint32_t> up;
  feed(ch, 1, t0, up);
  feed(ch, 3, t0, up);  // a gap: what follows waits in the window
  Bytes big(kReorderSlotSize + 1);
  EXPECT_EQ(ch.on_receive(data(4), big, t0), Verdict::kStale);
  EXPECT_EQ(ch.stats().rx_too_big, 1u);
  EXPECT_EQ(ch.stats().rx_stale, 0u);
  EXPECT_EQ(ch.stats().rx_duplicates, 0u);
}

TEST(Reorder, OffMeansLateIsStale) {
  Channel ch(reorder(0));
  std::vector<uint32_t> up;
  for (uint32_t s : {1u, 3u, 2u, 4u}) feed(ch, s, t0, up);
  EXPECT_EQ(up, (std::vector<uint32_t>{1, 3, 4}));
  EXPECT_EQ(ch.stats().rx_stale, 1u);
}

// Random reordering within the window and loss: what goes up is strictly
// increasing, nothing is delivered twice, and with no loss all arrives.
TEST(Reorder, RandomShuffleStaysInOrder) {
  for (int lossy = 0; lossy < 2; ++lossy) {
    Channel ch(reorder(8, milliseconds(5)));
    std::vector<uint32_t> order;
    for (uint32_t s = 1; s <= 3000; ++s) order.push_back(s);
    uint64_t x = 12345;
    auto rnd = [&] { return (x = x * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
    for (size_t i = 1; i + 3 < order.size(); i += 1 + rnd() % 4)
      std::swap(order[i], order[i + rnd() % 3]);
    std::vector<uint32_t> up;
    Time now = t0;
    size_t sent = 0;
    for (uint32_t s : order) {
      now += std::chrono::microseconds(100);
      if (lossy && rnd() % 20 == 0) continue;
      ++sent;
      feed(ch, s, now, up);
    }
    drain(ch, now + seconds(1), up);
    for (size_t i = 1; i < up.size(); ++i) ASSERT_LT(up[i - 1], up[i]) << i;
    if (!lossy) {
      EXPECT_EQ(up.size(), 3000u);
    }
    EXPECT_EQ(up.size() + ch.stats().rx_stale, sent) << lossy;
  }
}

// Issue 14: a packet changes the receive state only once its payload is
// validated; reject() puts everything back.
TEST(Forged, AFarAheadPacketRejectedLeavesTheStateAsBefore) {
  for (uint32_t window : {0u, 8u}) {
    Channel ch(ChannelConfig{.reorder_packets = window});
    for (int i = 0; i < 3; ++i) ch.next_data(t0);
    ASSERT_EQ(ch.on_receive(data(10), kIpPayload, t0), Verdict::kDeliver);
    EXPECT_EQ(ch.next_data(t0).ack, 10u);
    Header forged = data(10 + (1u << 30));
    forged.has_ack = true;
    forged.ack = 4;  // acknowledges what was sent
    ASSERT_EQ(ch.on_receive(forged, kIpPayload, t0), Verdict::kDeliver);
    EXPECT_TRUE(ch.delivered_far_ahead());
    EXPECT_EQ(ch.unacked(), 0u);
    ch.reject();
    EXPECT_EQ(ch.unacked(), 4u);                 // the ack is undone
    EXPECT_FALSE(ch.on_timer(t0 + seconds(1)));  // no ack became due
    EXPECT_EQ(ch.stats().rx_invalid, 1u);
    EXPECT_EQ(ch.stats().rx_invalid_far, 1u);
    EXPECT_EQ(ch.stats().rx_far_accepted, 0u);
    EXPECT_EQ(ch.stats().rx_lost, 0u);
    // The genuine next packet goes straight up, nothing lost or held.
    ASSERT_EQ(ch.on_receive(data(11), kIpPayload, t0), Verdict::kDeliver);
    EXPECT_FALSE(ch.delivered_far_ahead());
    EXPECT_EQ(ch.stats().rx_lost, 0u);
    EXPECT_EQ(ch.stats().rx_delivered, 2u);
    EXPECT_EQ(ch.next_data(t0).ack, 11u);
  }
}

TEST(Forged, AFarAheadPacketThatValidatesIsAcceptedAndCounted) {
  Channel ch(ChannelConfig{.reorder_packets = 8});
  ASSERT_EQ(ch.on_receive(data(10), kIpPayload, t0), Verdict::kDeliver);
  ASSERT_EQ(ch.on_receive(data(12), kIpPayload, t0), Verdict::kHeld);
  const uint32_t far = 10 + kMaxForwardJump + 1;
  ASSERT_EQ(ch.on_receive(data(far), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_TRUE(ch.delivered_far_ahead());
  EXPECT_EQ(ch.stats().rx_far_accepted, 1u);
  // What it overtook in the window is stale now.
  EXPECT_FALSE(ch.take_released(t0 + seconds(1)));
  EXPECT_EQ(ch.stats().rx_stale, 1u);
  EXPECT_EQ(ch.on_receive(data(far + 1), kIpPayload, t0), Verdict::kDeliver);
  // Within the window a jump is ordinary loss.
  EXPECT_EQ(ch.on_receive(data(far + 1 + kMaxForwardJump), kIpPayload, t0), Verdict::kHeld);
}

TEST(Forged, RejectUndoesAnInWindowPacketAndAReleasedOne) {
  Channel ch(ChannelConfig{.reorder_packets = 8});
  ASSERT_EQ(ch.on_receive(data(1), kIpPayload, t0), Verdict::kDeliver);
  ASSERT_EQ(ch.on_receive(data(3), kIpPayload, t0), Verdict::kHeld);  // forged, say
  ASSERT_EQ(ch.on_receive(data(2), kIpPayload, t0), Verdict::kHeld);
  auto p = ch.take_released(t0);
  ASSERT_TRUE(p);
  p = ch.take_released(t0);  // 3: does not validate
  ASSERT_TRUE(p);
  ch.reject();
  EXPECT_FALSE(ch.take_released(t0));
  EXPECT_EQ(ch.on_receive(data(3), kIpPayload, t0), Verdict::kDeliver);  // the genuine 3
  Channel plain(ChannelConfig{});
  ASSERT_EQ(plain.on_receive(data(1), kIpPayload, t0), Verdict::kDeliver);
  ASSERT_EQ(plain.on_receive(data(500), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_FALSE(plain.delivered_far_ahead());
  plain.reject();
  plain.reject();  // once only
  EXPECT_EQ(plain.stats().rx_invalid, 1u);
  EXPECT_EQ(plain.on_receive(data(2), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(plain.stats().rx_lost, 0u);
}

// A packet rejected in the window leaves no gap to wait for: the one after
// it goes straight up (no 10 ms in the window), and its own genuine twin is
// still taken if it comes.
TEST(Forged, ARejectedPacketLeavesNoGapToWaitFor) {
  Channel ch(ChannelConfig{.reorder_packets = 8});
  ASSERT_EQ(ch.on_receive(data(1), kIpPayload, t0), Verdict::kDeliver);
  ASSERT_EQ(ch.on_receive(data(2), kIpPayload, t0), Verdict::kDeliver);
  ch.reject();
  EXPECT_EQ(ch.on_receive(data(3), kIpPayload, t0), Verdict::kDeliver);
  ch.reject();
  EXPECT_EQ(ch.on_receive(data(4), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(ch.stats().rx_held, 0u);
  EXPECT_EQ(ch.stats().rx_lost, 2u);  // 2 and 3 never validated
  Channel twin(ChannelConfig{.reorder_packets = 8});
  ASSERT_EQ(twin.on_receive(data(1), kIpPayload, t0), Verdict::kDeliver);
  ASSERT_EQ(twin.on_receive(data(2), kIpPayload, t0), Verdict::kDeliver);
  twin.reject();
  EXPECT_EQ(twin.on_receive(data(2), kIpPayload, t0), Verdict::kDeliver);
  EXPECT_EQ(twin.stats().rx_lost, 0u);
}

TEST(Forged, StalePacketsCarryNoAck) {
  Channel ch(ChannelConfig{});
  for (int i = 0; i < 5; ++i) ch.next_data(t0);
  ASSERT_EQ(ch.on_receive(data(10), kIpPayload, t0), Verdict::kDeliver);
  Header stale = data(9);
  stale.has_ack = true;
  stale.ack = 5;
  EXPECT_EQ(ch.on_receive(stale, kIpPayload, t0), Verdict::kStale);
  EXPECT_EQ(ch.unacked(), 5u);
}

}  // namespace
}  // namespace pptpx::gre
