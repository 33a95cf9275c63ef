// SPDX-License-Identifier: MIT
#include "app/client/default_route.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/text.h"

namespace pptpx::client {

namespace {

constexpr unsigned kRtfUp = 0x1;

std::optional<uint32_t> parse_number(std::string_view s, int base) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(text.c_str(), &end, base);
  if (errno != 0 || *end != 0 || v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// The route of one line of /proc/net/route when it is a default route that
// is up and not through except_ifname; nullopt for any other line.
std::optional<DefaultRoute> default_route_of(std::string_view line,
                                             std::string_view except_ifname) {
  auto f = split_fields(line);
  if (f.size() < 8) return std::nullopt;
  auto dst = parse_number(f[1], 16), gw = parse_number(f[2], 16), flags = parse_number(f[3], 16),
       metric = parse_number(f[6], 10), mask = parse_number(f[7], 16);
  if (!dst || !gw || !flags || !metric || !mask) return std::nullopt;
  if (*dst != 0 || *mask != 0 || !(*flags & kRtfUp) || f[0] == except_ifname) return std::nullopt;
  // The kernel prints the address in memory (network) order as one u32.
  return DefaultRoute{std::string(f[0]), Ipv4{ntohl(*gw)}, *metric};
}

}  // namespace

std::optional<DefaultRoute> parse_default_route(std::string_view text,
                                                std::string_view except_ifname) {
  std::optional<DefaultRoute> best;
  bool header = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (header) {  // "Iface Destination Gateway Flags RefCnt Use Metric Mask ..."
      header = false;
      continue;
    }
    std::optional<DefaultRoute> route = default_route_of(line, except_ifname);
    if (!route || (best && best->metric <= route->metric)) continue;
    best = std::move(route);
  }
  return best;
}

}  // namespace pptpx::client
