// SPDX-License-Identifier: MIT
#include "proto/session/tcp_mss.h"

namespace pptpx::session {

namespace {

constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kTcpMinHeader = 20;
constexpr uint8_t kIpProtocolTcp = 6;
constexpr uint16_t kFragmentOffsetMask = 0x1fff;
constexpr size_t kTcpFlags = 13;
constexpr size_t kTcpChecksum = 16;
constexpr uint8_t kTcpSyn = 0x02;
constexpr uint8_t kTcpRst = 0x04;
// TCP options (RFC 9293, section 3.2).
constexpr uint8_t kOptionEnd = 0;
constexpr uint8_t kOptionNop = 1;
constexpr uint8_t kOptionMss = 2;
constexpr size_t kOptionMssLength = 4;

// The TCP header (with its options) of an unfragmented IPv4 packet or of a
// first fragment, or the reason there is none to look at.
struct TcpHeader {
  MssClamp why = MssClamp::kMalformed;
  uint8_t* tcp = nullptr;
  size_t length = 0;  // data offset x 4: 20 to 60
};

TcpHeader find_tcp_header(MutableByteView ip) {
  TcpHeader h;
  if (ip.empty() || (ip[0] >> 4) != 4) {
    h.why = MssClamp::kNotTcp;
    return h;
  }
  if (ip.size() < kIpv4MinHeader) return h;
  const size_t ihl = size_t{ip[0] & 0x0fu} * 4;
  const size_t total = get_u16(&ip[2]);
  if (ihl < kIpv4MinHeader || total < ihl || total > ip.size()) return h;
  if (ip[9] != kIpProtocolTcp) {
    h.why = MssClamp::kNotTcp;
    return h;
  }
  if ((get_u16(&ip[6]) & kFragmentOffsetMask) != 0) {
    h.why = MssClamp::kFragment;
    return h;
  }
  const size_t segment = total - ihl;
  if (segment < kTcpMinHeader) return h;
  const size_t data_offset = (size_t{ip[ihl + 12]} >> 4) * 4;
  if (data_offset < kTcpMinHeader || data_offset > segment) return h;
  h.tcp = &ip[ihl];
  h.length = data_offset;
  h.why = MssClamp::kClamped;  // found; the caller decides
  return h;
}

// Where the MSS option's value lies in the TCP header (an offset from its
// start), or 0 with the reason in *why. Every option's length is checked
// before it is used to step over the option.
size_t find_mss_value(const uint8_t* tcp, size_t length, MssClamp* why) {
  size_t i = kTcpMinHeader;
  while (i < length) {
    const uint8_t kind = tcp[i];
    if (kind == kOptionEnd) break;
    if (kind == kOptionNop) {
      ++i;
      continue;
    }
    const size_t left = length - i;
    if (left < 2 || tcp[i + 1] < 2 || tcp[i + 1] > left) {
      *why = MssClamp::kMalformed;
      return 0;
    }
    const size_t option_length = tcp[i + 1];
    if (kind == kOptionMss) {
      if (option_length != kOptionMssLength) {
        *why = MssClamp::kMalformed;
        return 0;
      }
      return i + 2;
    }
    i += option_length;
  }
  *why = MssClamp::kNoMss;
  return 0;
}

uint16_t swap_bytes(uint16_t v) { return static_cast<uint16_t>((v << 8) | (v >> 8)); }

}  // namespace

uint16_t checksum_replace(uint16_t hc, uint16_t old_word, uint16_t new_word) {
  // ~(~HC + ~m + m') in one's complement: add with end-around carry.
  uint32_t sum = uint32_t{static_cast<uint16_t>(~hc)} + static_cast<uint16_t>(~old_word) + new_word;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

MssClamp clamp_tcp_mss(MutableByteView packet, uint16_t max_mss) {
  const TcpHeader h = find_tcp_header(packet);
  if (!h.tcp) return h.why;
  const uint8_t flags = h.tcp[kTcpFlags];
  if ((flags & kTcpSyn) == 0 || (flags & kTcpRst) != 0) return MssClamp::kNotSyn;
  MssClamp why = MssClamp::kNoMss;
  const size_t at = find_mss_value(h.tcp, h.length, &why);
  if (at == 0) return why;
  const uint16_t mss = get_u16(&h.tcp[at]);
  if (mss <= max_mss) return MssClamp::kFits;
  put_u16(&h.tcp[at], max_mss);
  // The checksum sums 16-bit words from the start of the TCP header: a
  // value at an odd offset straddles two of them, its octets swapped.
  const bool odd = (at & 1) != 0;
  const uint16_t old_word = odd ? swap_bytes(mss) : mss;
  const uint16_t new_word = odd ? swap_bytes(max_mss) : max_mss;
  put_u16(&h.tcp[kTcpChecksum],
          checksum_replace(get_u16(&h.tcp[kTcpChecksum]), old_word, new_word));
  return MssClamp::kClamped;
}

}  // namespace pptpx::session
