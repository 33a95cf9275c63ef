// SPDX-License-Identifier: MIT
// Reading rtnetlink attributes with libmnl, every payload length-checked
// before use: shared by the request socket (netlink.cc) and the link
// notifications (link_watch.cc). Internal to src/io.
#pragma once

#include <arpa/inet.h>
#include <libmnl/libmnl.h>

#include <cstring>
#include <optional>
#include <string>

#include "base/ip.h"

namespace pptpx::io::nla {

inline std::optional<Ipv4> ipv4(const ::nlattr* a) {
  if (mnl_attr_get_payload_len(a) < 4) return std::nullopt;
  uint32_t v;
  std::memcpy(&v, mnl_attr_get_payload(a), 4);
  return Ipv4{ntohl(v)};
}

inline std::optional<uint32_t> u32(const ::nlattr* a) {
  if (mnl_attr_get_payload_len(a) < 4) return std::nullopt;
  return mnl_attr_get_u32(a);
}

// A string attribute (IFLA_IFNAME, ...): up to its NUL, or the payload's
// end when the NUL is missing.
inline std::string str(const ::nlattr* a) {
  const char* p = static_cast<const char*>(mnl_attr_get_payload(a));
  return std::string(p, strnlen(p, mnl_attr_get_payload_len(a)));
}

// mnl_attr_for_each is C (void* arithmetic); this is the same walk with
// mnl_attr_ok bounding every attribute by the message end (nlmsg_len, not
// rounded up: the last message of a datagram may end unaligned). offset is
// the family header's size, which the caller has checked the payload holds.
template <typename F>
void for_each(const nlmsghdr* h, size_t offset, F f) {
  const char* end = reinterpret_cast<const char*>(h) + h->nlmsg_len;
  auto* a = static_cast<const ::nlattr*>(mnl_nlmsg_get_payload_offset(h, offset));
  while (mnl_attr_ok(a, static_cast<int>(end - reinterpret_cast<const char*>(a)))) {
    f(a);
    a = mnl_attr_next(a);
  }
}

}  // namespace pptpx::io::nla
