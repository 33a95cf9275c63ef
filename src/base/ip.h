// SPDX-License-Identifier: MIT
// IPv4 addresses as host-order integers with parsing and formatting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pptpx {

struct Ipv4 {
  uint32_t value = 0;  // host order: 10.0.0.1 == 0x0A000001
  bool operator==(const Ipv4&) const = default;
  auto operator<=>(const Ipv4&) const = default;
  bool is_zero() const { return value == 0; }
  std::string str() const;
  static std::optional<Ipv4> parse(std::string_view s);  // dotted quad only
};

// The name servers IPCP hands out (RFC 1877; pppd ms-dns and ms-wins): the
// one set the server configures, IPCP negotiates and the client receives.
struct NameServers {
  std::optional<Ipv4> dns1, dns2, wins1, wins2;
  bool any_dns() const { return dns1 || dns2; }
  bool any_wins() const { return wins1 || wins2; }
};

// An IPv4 packet whose header holds together in `len` octets: version 4,
// header length at least 20 and within the packet, total length from the
// header length up to len; with checksum, the header checksum too (RFC 791).
bool well_formed_ipv4(const uint8_t* p, size_t len, bool checksum);

}  // namespace pptpx
