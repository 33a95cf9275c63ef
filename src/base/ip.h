// IPv4 addresses as host-order integers with parsing and formatting.
#pragma once

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

}  // namespace pptpx
