// SPDX-License-Identifier: MIT
// TCP MSS clamping (proto/session/tcp_mss.h): SYNs with the MSS above,
// at and below the limit, no MSS option, other options before it (an MSS
// value at an odd offset too), IPv4 options, SYN-ACK, non-SYN, non-TCP,
// fragments, and malformed lengths of every kind, which must leave the
// packet untouched. Every clamped packet's checksum is recomputed from
// scratch; every malformed or truncated packet runs in a buffer of exactly
// its size, so ASan sees any read past it. The data path and the Call
// clamp both ways, count, and stop with nomssclamp.
#include "proto/session/tcp_mss.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "crypto/crypto.h"
#include "proto/session/data_path.h"

namespace pptpx::session {
namespace {

using Packet = std::vector<uint8_t>;

constexpr uint8_t kSyn = 0x02, kAck = 0x10, kRst = 0x04, kPsh = 0x08;

// The Internet checksum over the TCP pseudo-header and segment.
uint16_t tcp_checksum(const Packet& p) {
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  const size_t total = get_u16(&p[2]);
  const size_t len = total - ihl;
  uint32_t sum = 0;
  for (size_t i = 12; i < 20; i += 2) sum += get_u16(&p[i]);  // source and destination
  sum += 6;
  sum += static_cast<uint32_t>(len);
  for (size_t i = 0; i < len; i += 2) {
    const uint8_t hi = p[ihl + i];
    const uint8_t lo = i + 1 < len ? p[ihl + i + 1] : 0;
    if (i == 16) continue;  // the checksum field itself
    sum += static_cast<uint32_t>(hi << 8 | lo);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t stored_checksum(const Packet& p) { return get_u16(&p[(p[0] & 0x0f) * 4 + 16]); }

// An IPv4 packet carrying a TCP segment with these flags and options (padded
// with zeros, End of Option List, to a multiple of 4), a payload, IPv4
// options of ip_options octets, and correct checksums.
Packet tcp_packet(uint8_t flags, const std::vector<uint8_t>& options, size_t payload = 0,
                  size_t ip_options = 0) {
  std::vector<uint8_t> opts = options;
  while (opts.size() % 4) opts.push_back(0);
  const size_t ihl = 20 + ip_options;
  const size_t thl = 20 + opts.size();
  Packet p(ihl + thl + payload, 0);
  p[0] = static_cast<uint8_t>(0x40 | ihl / 4);
  put_u16(&p[2], static_cast<uint16_t>(p.size()));
  put_u16(&p[4], 0x1234);
  p[6] = 0x40;  // DF
  p[8] = 64;
  p[9] = 6;
  put_u32(&p[12], 0x0a0a000a);                 // 10.10.0.10
  put_u32(&p[16], 0xc0a80a05);                 // 192.168.10.5
  for (size_t i = 20; i < ihl; ++i) p[i] = 1;  // IPv4 NOPs
  uint8_t* t = &p[ihl];
  put_u16(t, 40000);
  put_u16(t + 2, 443);
  put_u32(t + 4, 0x01020304);
  t[12] = static_cast<uint8_t>(thl / 4 << 4);
  t[13] = flags;
  put_u16(t + 14, 64240);
  std::copy(opts.begin(), opts.end(), t + 20);
  for (size_t i = 0; i < payload; ++i) t[thl + i] = static_cast<uint8_t>(i * 7 + 1);
  put_u16(t + 16, tcp_checksum(p));
  return p;
}

std::vector<uint8_t> mss(uint16_t v) {
  return {2, 4, static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}
std::vector<uint8_t> cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
// Linux's SYN options: MSS, SACK permitted, timestamps, NOP, window scale.
std::vector<uint8_t> linux_syn_options(uint16_t v) {
  return cat(mss(v), {4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7});
}

// The MSS value of a well-formed packet (0: none).
uint16_t mss_of(const Packet& p) {
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  const size_t thl = (size_t{p[ihl + 12]} >> 4) * 4;
  for (size_t i = ihl + 20; i < ihl + thl;) {
    if (p[i] == 0) break;
    if (p[i] == 1) {
      ++i;
      continue;
    }
    if (p[i] == 2) return get_u16(&p[i + 2]);
    i += p[i + 1];
  }
  return 0;
}

MssClamp clamp(Packet& p, uint16_t max) { return clamp_tcp_mss(MutableByteView(p), max); }

// Clamps a well-formed SYN: the result, the MSS after, a checksum that
// matches a recomputation, and nothing but the MSS and checksum changed.
void expect_clamped(Packet p, uint16_t max, uint16_t want_mss) {
  const Packet before = p;
  ASSERT_EQ(stored_checksum(p), tcp_checksum(p));
  EXPECT_EQ(clamp(p, max), MssClamp::kClamped);
  EXPECT_EQ(mss_of(p), want_mss);
  EXPECT_EQ(stored_checksum(p), tcp_checksum(p));
  size_t changed = 0;
  for (size_t i = 0; i < p.size(); ++i) changed += p[i] != before[i];
  EXPECT_LE(changed, 4u);
}

void expect_untouched(Packet p, uint16_t max, MssClamp want) {
  const Packet before = p;
  EXPECT_EQ(clamp(p, max), want);
  EXPECT_EQ(p, before);
}

TEST(TcpMss, ForMtu) {
  EXPECT_EQ(mss_for_mtu(1496), 1456);
  EXPECT_EQ(mss_for_mtu(1500), 1460);
  EXPECT_EQ(mss_for_mtu(1396), 1356);
  EXPECT_EQ(mss_for_mtu(40), 0);
  EXPECT_EQ(mss_for_mtu(0), 0);
}

TEST(TcpMss, AboveIsClamped) {
  expect_clamped(tcp_packet(kSyn, mss(1460)), 1456, 1456);
  expect_clamped(tcp_packet(kSyn, linux_syn_options(1460)), 1456, 1456);
  expect_clamped(tcp_packet(kSyn, linux_syn_options(65535)), 1356, 1356);
  expect_clamped(tcp_packet(kSyn, mss(1457)), 1456, 1456);
}

TEST(TcpMss, SynAckIsClamped) {
  expect_clamped(tcp_packet(kSyn | kAck, linux_syn_options(1460)), 1456, 1456);
}

TEST(TcpMss, EqualOrBelowIsUntouched) {
  expect_untouched(tcp_packet(kSyn, mss(1456)), 1456, MssClamp::kFits);
  expect_untouched(tcp_packet(kSyn, mss(536)), 1456, MssClamp::kFits);
  expect_untouched(tcp_packet(kSyn | kAck, linux_syn_options(1400)), 1456, MssClamp::kFits);
}

TEST(TcpMss, NoMssOption) {
  expect_untouched(tcp_packet(kSyn, {}), 1456, MssClamp::kNoMss);
  expect_untouched(tcp_packet(kSyn, {4, 2, 1, 1, 1, 3, 3, 7}), 1456, MssClamp::kNoMss);
  // An MSS option after End of Option List is not an option.
  expect_untouched(tcp_packet(kSyn, cat({0, 0, 0, 0}, mss(1460))), 1456, MssClamp::kNoMss);
}

TEST(TcpMss, OtherOptionsBeforeIt) {
  // Timestamps and window scale first: the value at an even offset.
  expect_clamped(tcp_packet(kSyn, cat({1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8}, mss(1460))), 1400,
                 1400);
  // One NOP first: the value at an odd offset, straddling two checksum words.
  expect_clamped(tcp_packet(kSyn, cat({1}, mss(1460))), 1456, 1456);
  expect_clamped(tcp_packet(kSyn, cat({1, 3, 3, 7}, mss(0xffff))), 0x0101, 0x0101);
  expect_clamped(tcp_packet(kSyn, cat({1, 1, 1, 4, 2}, mss(1460))), 1300, 1300);
}

TEST(TcpMss, ChecksumEdgeValues) {
  // Sweep values and limits so that the checksum arithmetic meets its
  // carries; every result is recomputed from scratch.
  for (uint32_t v = 1; v <= 0xffff; v += 257) {
    for (uint16_t max : {uint16_t{1}, uint16_t{536}, uint16_t{1456}, uint16_t{0xfffe}}) {
      if (v <= max) continue;
      for (size_t nops : {0, 1, 3}) {
        Packet p = tcp_packet(kSyn, cat(std::vector<uint8_t>(nops, 1), mss(uint16_t(v))));
        ASSERT_EQ(clamp(p, max), MssClamp::kClamped);
        ASSERT_EQ(stored_checksum(p), tcp_checksum(p)) << v << " " << max << " " << nops;
      }
    }
  }
}

TEST(TcpMss, PayloadAndOddLengths) {
  expect_clamped(tcp_packet(kSyn, mss(1460), 33), 1456, 1456);  // data on the SYN (TFO)
  expect_clamped(tcp_packet(kSyn, mss(1460), 1), 1456, 1456);
}

TEST(TcpMss, Ipv4Options) {
  expect_clamped(tcp_packet(kSyn, linux_syn_options(1460), 0, 4), 1456, 1456);
  expect_clamped(tcp_packet(kSyn, linux_syn_options(1460), 0, 40), 1456, 1456);
}

TEST(TcpMss, NotSyn) {
  expect_untouched(tcp_packet(kAck, mss(1460)), 1456, MssClamp::kNotSyn);
  expect_untouched(tcp_packet(kAck | kPsh, {}, 100), 1456, MssClamp::kNotSyn);
  expect_untouched(tcp_packet(kSyn | kRst, mss(1460)), 1456, MssClamp::kNotSyn);
}

TEST(TcpMss, NotTcp) {
  Packet udp = tcp_packet(kSyn, mss(1460));
  udp[9] = 17;
  expect_untouched(udp, 1456, MssClamp::kNotTcp);
  Packet v6 = tcp_packet(kSyn, mss(1460));
  v6[0] = 0x60;
  expect_untouched(v6, 1456, MssClamp::kNotTcp);
  expect_untouched({}, 1456, MssClamp::kNotTcp);
}

TEST(TcpMss, Fragments) {
  // A first fragment (MF, offset 0) holds the TCP header: clamped; the
  // checksum covers the whole segment, so the incremental update stays right.
  Packet first = tcp_packet(kSyn, mss(1460));
  first[6] = 0x20;
  const Packet before = first;
  EXPECT_EQ(clamp(first, 1456), MssClamp::kClamped);
  EXPECT_EQ(mss_of(first), 1456);
  EXPECT_EQ(checksum_replace(stored_checksum(before), 1460, 1456), stored_checksum(first));
  // A later fragment holds no TCP header, whatever its octets look like.
  for (uint8_t hi : {0x00, 0x20, 0x40}) {
    Packet later = tcp_packet(kSyn, mss(1460));
    later[6] = hi;
    later[7] = 1;  // offset 8 octets
    expect_untouched(later, 1456, MssClamp::kFragment);
    later[6] = static_cast<uint8_t>(hi | 0x1f);
    later[7] = 0xff;
    expect_untouched(later, 1456, MssClamp::kFragment);
  }
}

TEST(TcpMss, Ipv4LengthsThatDoNotAddUp) {
  const Packet good = tcp_packet(kSyn, linux_syn_options(1460));
  Packet p = good;
  p[0] = 0x44;  // IHL 16 octets
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p = good;
  p[0] = 0x4f;  // IHL 60 octets, past the TCP header's start
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p = good;
  put_u16(&p[2], static_cast<uint16_t>(good.size() + 1));  // total length past the buffer
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p = good;
  put_u16(&p[2], 19);  // total length below the header
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p = good;
  put_u16(&p[2], 20 + 19);  // room for less than a TCP header
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p = good;
  put_u16(&p[2], 20 + 20 + 4);  // total length cuts the options short: offset past it
  expect_untouched(p, 1456, MssClamp::kMalformed);
}

TEST(TcpMss, ShorterTotalLengthThanTheBuffer) {
  // Octets behind the total length are not the packet's: the header must
  // fit inside total length, and clamping still works within it.
  Packet p = tcp_packet(kSyn, mss(1460));
  p.resize(p.size() + 10, 0xee);
  expect_clamped(p, 1456, 1456);
}

TEST(TcpMss, TcpDataOffsetThatDoesNotAddUp) {
  const Packet good = tcp_packet(kSyn, linux_syn_options(1460));
  Packet p = good;
  p[20 + 12] = 0x40;  // 16 octets: shorter than a TCP header
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p[20 + 12] = 0x00;
  expect_untouched(p, 1456, MssClamp::kMalformed);
  p[20 + 12] = 0xf0;  // 60 octets, past the end of the packet
  expect_untouched(p, 1456, MssClamp::kMalformed);
  // A data offset of 5 hides the options: no MSS to see.
  p[20 + 12] = 0x50;
  expect_untouched(p, 1456, MssClamp::kNoMss);
}

TEST(TcpMss, MalformedOptionLengths) {
  // Length 0 and 1 would never advance; a length past the header; an MSS
  // option of another length than 4; a kind with no room for its length.
  expect_untouched(tcp_packet(kSyn, cat({8, 0, 0, 0}, mss(1460))), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, cat({8, 1, 0, 0}, mss(1460))), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, {8, 40, 0, 0}), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, {2, 3, 5, 0}), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, {2, 6, 5, 180, 0, 0, 0, 0}), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, {1, 1, 1, 2}), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, {1, 1, 2, 4}), 1456, MssClamp::kMalformed);
  expect_untouched(tcp_packet(kSyn, {1, 1, 1, 8}), 1456, MssClamp::kMalformed);
}

TEST(TcpMss, TruncatedPackets) {
  // Every prefix of a SYN, in a buffer of exactly that size (ASan checks
  // the reads), with the total length kept and with it matching the prefix.
  const Packet good = tcp_packet(kSyn, linux_syn_options(1460));
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    const MssClamp r = clamp(cut, 1456);
    EXPECT_TRUE(r == MssClamp::kMalformed || (n == 0 && r == MssClamp::kNotTcp)) << n;
    if (n >= 4) {
      put_u16(&cut[2], static_cast<uint16_t>(n));
      const Packet before = cut;
      const MssClamp again = clamp(cut, 1456);
      EXPECT_NE(again, MssClamp::kClamped) << n;
      EXPECT_EQ(cut, before);
    }
  }
}

// ---- the data path and the call ----

const uint8_t kKeyA[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const uint8_t kKeyB[16] = {9, 9, 9, 9, 8, 8, 8, 8, 7, 7, 7, 7, 6, 6, 6, 6};

// One packet from `from` to `to` through GRE, PPP and MPPE when running;
// the IP packet `to` delivers (empty if none).
Packet through(DataPath& from, DataPath& to, const Packet& ip) {
  std::vector<uint8_t> buf(2048);
  std::copy(ip.begin(), ip.end(), buf.begin() + kHeadroom);
  ByteView pkt = from.frame_ip(buf.data(), ip.size(), Time{});
  if (pkt.empty()) return {};
  auto g = gre::parse(pkt);
  if (!to.on_gre(g.packet.header, g.packet.payload, Time{})) return {};
  const size_t off = static_cast<size_t>(g.packet.payload.data() - buf.data());
  auto in = to.on_frame(MutableByteView(buf.data() + off, g.packet.payload.size()), Time{});
  if (in.kind != DataPath::Inbound::kIp) return {};
  return Packet(in.data.begin(), in.data.end());
}

struct Pair {
  DataPath a{gre::ChannelConfig{.peer_call_id = 2}}, b{gre::ChannelConfig{.peer_call_id = 1}};
  explicit Pair(bool mppe) {
    if (!mppe) return;
    EXPECT_TRUE(crypto::init());
    a.start_mppe(kKeyA, kKeyB, {128, true});
    b.start_mppe(kKeyB, kKeyA, {128, true});
  }
};

TEST(TcpMssDataPath, OffByDefault) {
  Pair w(true);
  Packet out = through(w.a, w.b, tcp_packet(kSyn, mss(1460)));
  EXPECT_EQ(mss_of(out), 1460);
  EXPECT_EQ(w.a.stats().tcp_mss_clamped + w.b.stats().tcp_mss_clamped, 0u);
}

TEST(TcpMssDataPath, OutboundClampedBeforeEncryption) {
  Pair w(true);
  w.a.set_max_mss(1456);
  Packet out = through(w.a, w.b, tcp_packet(kSyn, linux_syn_options(1460)));
  EXPECT_EQ(mss_of(out), 1456);
  EXPECT_EQ(stored_checksum(out), tcp_checksum(out));
  EXPECT_EQ(w.a.stats().tcp_mss_clamped, 1u);
  EXPECT_EQ(w.b.stats().tcp_mss_clamped, 0u);
}

TEST(TcpMssDataPath, InboundClampedAfterDecryption) {
  Pair w(true);
  w.b.set_max_mss(1400);
  Packet out = through(w.a, w.b, tcp_packet(kSyn | kAck, linux_syn_options(1460)));
  EXPECT_EQ(mss_of(out), 1400);
  EXPECT_EQ(stored_checksum(out), tcp_checksum(out));
  EXPECT_EQ(w.b.stats().tcp_mss_clamped, 1u);
  // Other packets pass as they are, uncounted.
  const Packet data = tcp_packet(kAck, {}, 200);
  EXPECT_EQ(through(w.a, w.b, data), data);
  EXPECT_EQ(w.b.stats().tcp_mss_clamped, 1u);
}

TEST(TcpMssDataPath, InboundClearIpClamped) {
  Pair w(false);
  w.b.set_max_mss(1456);
  Packet out = through(w.a, w.b, tcp_packet(kSyn, mss(1460)));
  EXPECT_EQ(mss_of(out), 1456);
  EXPECT_EQ(stored_checksum(out), tcp_checksum(out));
  DataPathStats sum = w.a.stats();
  sum += w.b.stats();
  EXPECT_EQ(sum.tcp_mss_clamped, 1u);
}

}  // namespace
}  // namespace pptpx::session
