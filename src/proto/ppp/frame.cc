// SPDX-License-Identifier: MIT
// PPP frame and control-packet codecs (RFC 1661, RFC 1662 section 3).
#include "proto/ppp/frame.h"

#include "proto/ppp/protocols.h"

namespace pptpx::ppp {

std::optional<Frame> parse_frame(ByteView frame) {
  Reader r(frame);
  if (frame.size() >= 2 && frame[0] == 0xFF && frame[1] == 0x03) r.skip(2);
  if (r.empty()) return std::nullopt;
  uint8_t first = r.u8();
  uint16_t protocol = first;
  // An odd first octet is a PFC-compressed protocol (RFC 1661 6.5); a full
  // protocol number has an even high octet and an odd low octet.
  if ((first & 1) == 0) {
    uint8_t second = r.u8();
    if (!r.ok() || (second & 1) == 0) return std::nullopt;
    protocol = static_cast<uint16_t>((first << 8) | second);
  }
  return Frame{protocol, r.rest()};
}

void encode_frame(uint16_t protocol, ByteView info, bool acfc, bool pfc, Bytes& out) {
  Writer w(out);
  bool lcp = protocol == kProtoLcp;
  if (!acfc || lcp) {
    w.u8(0xFF);
    w.u8(0x03);
  }
  if (pfc && !lcp && protocol < 0x100) {
    w.u8(static_cast<uint8_t>(protocol));
  } else {
    w.u16(protocol);
  }
  w.bytes(info);
}

std::optional<Packet> parse_packet(ByteView info) {
  Reader r(info);
  Packet p;
  p.code = r.u8();
  p.id = r.u8();
  uint16_t length = r.u16();
  if (!r.ok() || length < 4 || length > info.size()) return std::nullopt;
  p.data = info.subspan(4, length - 4u);
  return p;
}

void build_packet(uint8_t code, uint8_t id, ByteView data, Bytes& out) {
  Writer w(out);
  w.u8(code);
  w.u8(id);
  w.u16(static_cast<uint16_t>(4 + data.size()));
  w.bytes(data);
}

bool parse_options(ByteView data, std::vector<Option>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 2) return false;
    uint8_t type = data[pos];
    uint8_t len = data[pos + 1];
    if (len < 2 || len > data.size() - pos) return false;
    out.push_back(Option{type, data.subspan(pos + 2, len - 2u), data.subspan(pos, len)});
    pos += len;
  }
  return true;
}

void put_option(Bytes& out, uint8_t type, ByteView value) {
  out.push_back(type);
  out.push_back(static_cast<uint8_t>(2 + value.size()));
  out.insert(out.end(), value.begin(), value.end());
}

void put_option_u16(Bytes& out, uint8_t type, uint16_t v) {
  uint8_t b[2];
  put_u16(b, v);
  put_option(out, type, b);
}

void put_option_u32(Bytes& out, uint8_t type, uint32_t v) {
  uint8_t b[4];
  put_u32(b, v);
  put_option(out, type, b);
}

}  // namespace pptpx::ppp
