// SPDX-License-Identifier: MIT
// Fuzzes TCP MSS clamping (proto/session/tcp_mss.h) on one packet, in a
// buffer of exactly its size. Octets 0-1 are the limit, octet 2 picks how
// much of the packet to make plausible first (IPv4, TCP, SYN, first
// fragment, total length, a valid checksum), so that the option walk is
// reached with fuzzed IHL, data offset and options. Checks: a packet not
// clamped is untouched; a clamped one changed in at most four octets (the
// MSS value and the checksum), keeps a valid checksum if it had one, and
// is not clamped again.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "proto/session/tcp_mss.h"

using namespace pptpx;
using namespace pptpx::session;

namespace {

// The one's complement sum of the pseudo-header and the TCP segment,
// checksum included, folded: 0 or 0xffff when the checksum is right.
uint16_t tcp_sum(const std::vector<uint8_t>& p) {
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  const size_t len = get_u16(&p[2]) - ihl;
  uint32_t sum = 6 + static_cast<uint32_t>(len);
  for (size_t i = 12; i < 20; i += 2) sum += get_u16(&p[i]);
  for (size_t i = 0; i < len; i += 2)
    sum += static_cast<uint32_t>(p[ihl + i] << 8 | (i + 1 < len ? p[ihl + i + 1] : 0));
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// Whether the TCP header lies inside the packet, for tcp_sum.
bool has_tcp_header(const std::vector<uint8_t>& p) {
  if (p.size() < 20) return false;
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  const size_t total = get_u16(&p[2]);
  return ihl >= 20 && total <= p.size() && total >= ihl + 20;
}

void make_plausible(std::vector<uint8_t>& p, uint8_t how) {
  if (p.size() < 20) return;
  p[0] = static_cast<uint8_t>(0x40 | (p[0] & 0x0f));
  p[9] = 6;
  if (how & 2) put_u16(&p[2], static_cast<uint16_t>(p.size()));
  if (how & 4) {
    p[6] &= 0xe0;  // fragment offset 0
    p[7] = 0;
  }
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  if (p.size() >= ihl + 20) {
    p[ihl + 13] = static_cast<uint8_t>((p[ihl + 13] | 0x02) & ~0x04);
    if ((how & 8) && has_tcp_header(p)) {
      put_u16(&p[ihl + 16], 0);
      put_u16(&p[ihl + 16], static_cast<uint16_t>(~tcp_sum(p)));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint16_t max_mss = static_cast<uint16_t>(data[0] << 8 | data[1]);
  std::vector<uint8_t> p(data + 3, data + size);
  if (data[2] & 1) make_plausible(p, data[2]);
  const std::vector<uint8_t> before = p;
  const bool valid = has_tcp_header(p) && (tcp_sum(p) == 0xffff || tcp_sum(p) == 0);
  const MssClamp r = clamp_tcp_mss(MutableByteView(p), max_mss);
  if (r != MssClamp::kClamped) {
    if (p != before) __builtin_trap();
    return 0;
  }
  size_t changed = 0;
  for (size_t i = 0; i < p.size(); ++i) changed += p[i] != before[i];
  if (changed > 4) __builtin_trap();
  if (valid && tcp_sum(p) != 0xffff && tcp_sum(p) != 0) __builtin_trap();
  if (clamp_tcp_mss(MutableByteView(p), max_mss) != MssClamp::kFits) __builtin_trap();
  return 0;
}
