// SPDX-License-Identifier: MIT
#include "base/ip.h"

#include <fmt/format.h>

namespace pptpx {

std::string Ipv4::str() const {
  return fmt::format("{}.{}.{}.{}", value >> 24, (value >> 16) & 255, (value >> 8) & 255,
                     value & 255);
}

std::optional<Ipv4> Ipv4::parse(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    uint32_t octet = 0;
    size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      octet = octet * 10 + static_cast<uint32_t>(s[i] - '0');
      if (++digits > 3 || octet > 255) return std::nullopt;
      ++i;
    }
    out = out << 8 | octet;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return Ipv4{out};
}

bool well_formed_ipv4(const uint8_t* p, size_t len, bool checksum) {
  if (len < 20 || (p[0] >> 4) != 4) return false;
  const size_t ihl = size_t{p[0] & 0x0Fu} * 4;
  const size_t total = size_t{p[2]} << 8 | p[3];
  if (ihl < 20 || ihl > len || total < ihl || total > len) return false;
  if (!checksum) return true;
  uint32_t sum = 0;
  for (size_t i = 0; i < ihl; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return sum == 0xFFFF;
}

}  // namespace pptpx
