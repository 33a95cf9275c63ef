// SPDX-License-Identifier: MIT
#include "proto/ppp/dump.h"

#include <fmt/format.h>

#include "base/hex.h"
#include "base/ip.h"
#include "proto/ppp/protocols.h"

namespace pptpx::ppp {

namespace {

const char* protocol_name(uint16_t p) {
  switch (p) {
    case kProtoLcp: return "LCP";
    case kProtoPap: return "PAP";
    case kProtoChap: return "CHAP";
    case kProtoIpcp: return "IPCP";
    case kProtoIpv6cp: return "IPV6CP";
    case kProtoCcp: return "CCP";
    default: return nullptr;
  }
}

const char* code_name(uint8_t c) {
  static const char* const kNames[] = {
      nullptr,   "ConfReq", "ConfAck", "ConfNak", "ConfRej", "TermReq", "TermAck",  "CodeRej",
      "ProtRej", "EchoReq", "EchoRep", "DiscReq", "Ident",   "TimeRem", "ResetReq", "ResetAck"};
  return c < 16 ? kNames[c] : nullptr;
}

std::string printable(ByteView b) {
  std::string s;
  for (uint8_t c : b) s += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
  return s;
}

std::string lcp_option(uint8_t type, ByteView v) {
  Reader r(v);
  switch (type) {
    case 1:
      if (v.size() == 2) return fmt::format("mru {}", r.u16());
      break;
    case 2:
      if (v.size() == 4) return fmt::format("asyncmap {:#x}", r.u32());
      break;
    case 3:
      if (v.size() == 2 && get_u16(v.data()) == kProtoPap) return "auth pap";
      if (v.size() == 3 && get_u16(v.data()) == kProtoChap) {
        switch (v[2]) {
          case 5: return "auth chap MD5";
          case 0x80: return "auth chap MS";
          case 0x81: return "auth chap MS-v2";
          default: return fmt::format("auth chap {:#x}", v[2]);
        }
      }
      break;
    case 5:
      if (v.size() == 4) return fmt::format("magic {:#010x}", r.u32());
      break;
    case 7:
      if (v.empty()) return "pcomp";
      break;
    case 8:
      if (v.empty()) return "accomp";
      break;
    case 13: return "callback";
    case 17: return "mrru";
    case 19: return "endpoint";
    default: break;
  }
  return fmt::format("option {} {}", type, to_hex(v));
}

std::string ipcp_option(uint8_t type, ByteView v) {
  auto addr = [&](const char* name) {
    return v.size() == 4 ? fmt::format("{} {}", name, Ipv4{get_u32(v.data())}.str())
                         : fmt::format("{} ?{}", name, to_hex(v));
  };
  switch (type) {
    case 2: return fmt::format("compress {}", to_hex(v));
    case 3: return addr("addr");
    case 129: return addr("ms-dns1");
    case 130: return addr("ms-wins1");
    case 131: return addr("ms-dns2");
    case 132: return addr("ms-wins2");
    default: return fmt::format("option {} {}", type, to_hex(v));
  }
}

std::string ccp_option(uint8_t type, ByteView v) {
  if (type == 18 && v.size() == 4) {
    uint32_t b = get_u32(v.data());
    auto f = [&](uint32_t bit, char c) { return fmt::format("{}{}", (b & bit) ? '+' : '-', c); };
    return fmt::format("mppe {} {} {} {} {} {}", f(0x01000000, 'H'), f(0x80, 'M'), f(0x40, 'S'),
                       f(0x20, 'L'), f(0x10, 'D'), f(0x01, 'C'));
  }
  return fmt::format("option {} {}", type, to_hex(v));
}

std::string options(uint16_t protocol, ByteView data) {
  std::string out;
  Reader r(data);
  while (!r.empty()) {
    uint8_t type = r.u8();
    uint8_t len = r.u8();
    if (!r.ok() || len < 2 || len - 2u > r.remaining()) return out + " <malformed options>";
    ByteView v = r.bytes(len - 2u);
    std::string o = protocol == kProtoLcp    ? lcp_option(type, v)
                    : protocol == kProtoIpcp ? ipcp_option(type, v)
                    : protocol == kProtoCcp  ? ccp_option(type, v)
                                             : fmt::format("option {} {}", type, to_hex(v));
    out += " <" + o + ">";
  }
  return out;
}

std::string auth_body(uint16_t protocol, uint8_t code, ByteView data) {
  Reader r(data);
  if (protocol == kProtoPap) {
    if (code == 1) {
      uint8_t n = r.u8();
      ByteView user = r.bytes(n);
      if (!r.ok()) return " <malformed>";
      return fmt::format(" user=\"{}\" password=<hidden>", printable(user));
    }
    uint8_t n = r.u8();
    return fmt::format(" \"{}\"", printable(r.bytes(std::min<size_t>(n, r.remaining()))));
  }
  // CHAP
  if (code == 1 || code == 2) {
    uint8_t n = r.u8();
    ByteView value = r.bytes(n);
    if (!r.ok()) return " <malformed>";
    std::string name = printable(r.rest());
    // Challenges are public; the response value is shown only by length.
    if (code == 1) return fmt::format(" <{}>, name = \"{}\"", to_hex(value), name);
    return fmt::format(" <{} octets>, name = \"{}\"", value.size(), name);
  }
  return fmt::format(" \"{}\"", printable(data));
}

// The name of a PAP or CHAP code, or "code=0x.." for another.
std::string auth_code_name(uint16_t protocol, uint8_t code) {
  static const char* const kPap[] = {nullptr, "AuthReq", "AuthAck", "AuthNak"};
  static const char* const kChap[] = {nullptr, "Challenge", "Response", "Success", "Failure"};
  const char* cname = protocol == kProtoPap ? (code >= 1 && code <= 3 ? kPap[code] : nullptr)
                                            : (code >= 1 && code <= 4 ? kChap[code] : nullptr);
  return cname ? cname : fmt::format("code={:#x}", code);
}

// What follows code, id and length in an LCP, IPCP or CCP packet: the
// options of Configure-Request/Ack/Nak/Reject, the magic number of
// Echo-Request/Reply and Discard-Request, the protocol of Protocol-Reject,
// the text of Terminate-Request/Ack, the bytes of anything else.
std::string control_body(uint16_t protocol, uint8_t code, ByteView data) {
  std::string body;
  if (code >= 1 && code <= 4) {
    body = options(protocol, data);
  } else if ((code == 9 || code == 10 || code == 11) && data.size() >= 4) {
    body = fmt::format(" magic={:#x}", get_u32(data.data()));
    if (data.size() > 4) body += fmt::format(" <{}>", to_hex(data.subspan(4)));
  } else if (code == 8 && data.size() >= 2) {
    body = fmt::format(" proto={:#06x}", get_u16(data.data()));
  } else if ((code == 5 || code == 6) && !data.empty()) {
    body = fmt::format(" \"{}\"", printable(data));
  } else if (!data.empty()) {
    body = fmt::format(" <{}>", to_hex(data));
  }
  return body;
}

}  // namespace

std::string describe_packet(uint16_t protocol, ByteView info) {
  const char* pname = protocol_name(protocol);
  std::string head = pname ? pname : fmt::format("proto={:#06x}", protocol);
  Reader r(info);
  uint8_t code = r.u8();
  uint8_t id = r.u8();
  uint16_t len = r.u16();
  if (!r.ok() || len < 4 || len > info.size()) return fmt::format("[{} <malformed>]", head);
  ByteView data = info.subspan(4, len - 4u);
  if (protocol == kProtoPap || protocol == kProtoChap) {
    return fmt::format("[{} {} id={:#x}{}]", head, auth_code_name(protocol, code), id,
                       auth_body(protocol, code, data));
  }
  const char* cname = code_name(code);
  std::string c = cname ? cname : fmt::format("code={:#x}", code);
  return fmt::format("[{} {} id={:#x}{}]", head, c, id, control_body(protocol, code, data));
}

}  // namespace pptpx::ppp
