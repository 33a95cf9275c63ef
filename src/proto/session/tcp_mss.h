// SPDX-License-Identifier: MIT
// TCP MSS clamping, what `iptables -j TCPMSS --clamp-mss-to-pmtu` does,
// built into the data path: the MSS option of a TCP SYN (or SYN-ACK) in an
// IPv4 packet is lowered in place to what fits the tunnel, and the TCP
// checksum is updated incrementally (RFC 1624, eqn. 3), so a sender that
// believes in a 1,500-octet path never sends segments the tunnel would have
// to drop. Untrusted bytes: every length (IHL, total length, TCP data
// offset, each option's length) is checked against the others and the
// buffer, and a packet whose lengths do not add up is left as it is.
// No allocation; pure (no I/O).
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace pptpx::session {

// IPv4 and TCP headers without options: MSS = MTU - 40 (RFC 879, RFC 6691).
inline constexpr int kTcpIpv4Overhead = 40;

// The largest MSS whose segments fit an interface of this MTU; 0 when none does.
inline uint16_t mss_for_mtu(int mtu) {
  if (mtu <= kTcpIpv4Overhead) return 0;
  if (mtu - kTcpIpv4Overhead > 0xffff) return 0xffff;
  return static_cast<uint16_t>(mtu - kTcpIpv4Overhead);
}

enum class MssClamp : uint8_t {
  kClamped,    // a SYN whose MSS was above max_mss: now max_mss, checksum updated
  kFits,       // a SYN whose MSS is max_mss or less: untouched
  kNoMss,      // a SYN without an MSS option
  kNotSyn,     // TCP, but SYN clear or RST set
  kNotTcp,     // not IPv4, or not TCP
  kFragment,   // a fragment after the first: no TCP header in it
  kMalformed,  // lengths that do not add up, an option that runs past the header
};

// Caps the MSS option of a TCP SYN in `packet` (an IPv4 packet, as read
// from or written to the TUN device) at max_mss. Only the octets of the MSS
// value and the TCP checksum change, and only for kClamped.
MssClamp clamp_tcp_mss(MutableByteView packet, uint16_t max_mss);

// RFC 1624, eqn. 3: the Internet checksum hc of data in which the 16-bit
// word old_word, at an even offset from the start of the checksummed data,
// became new_word. (For a word at an odd offset, pass both byte-swapped.)
uint16_t checksum_replace(uint16_t hc, uint16_t old_word, uint16_t new_word);

}  // namespace pptpx::session
