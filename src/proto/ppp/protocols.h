// SPDX-License-Identifier: MIT
// PPP protocol numbers (RFC 1700 / IANA) used by pptpx.
#pragma once

#include <cstdint>

namespace pptpx::ppp {

inline constexpr uint16_t kProtoIp = 0x0021;
inline constexpr uint16_t kProtoIpv6 = 0x0057;
inline constexpr uint16_t kProtoMppe = 0x00FD;  // compressed/encrypted datagram
inline constexpr uint16_t kProtoIpcp = 0x8021;
inline constexpr uint16_t kProtoIpv6cp = 0x8057;
inline constexpr uint16_t kProtoCcp = 0x80FD;
inline constexpr uint16_t kProtoLcp = 0xC021;
inline constexpr uint16_t kProtoPap = 0xC023;
inline constexpr uint16_t kProtoChap = 0xC223;

}  // namespace pptpx::ppp
