// SPDX-License-Identifier: MIT
// Human-readable decoding of PPP control packets for debug logs, in the
// style of pppd's "sent [LCP ConfReq id=0x1 <mru 1400> <magic 0x...>]", so
// admins can compare pptpx and pppd logs line by line. Secrets never appear:
// PAP passwords and CHAP values are not printed in clear.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"

namespace pptpx::ppp {

// Describes one control packet (the information field of a frame with the
// given protocol). Malformed packets are described as such, never trusted.
std::string describe_packet(uint16_t protocol, ByteView info);

}  // namespace pptpx::ppp
