// SPDX-License-Identifier: MIT
// PPP frame and control-packet codecs for PPP carried in enhanced GRE.
//
// RFC 1661 sections 2, 5 and 6 (packet and option formats), RFC 1662 section 3
// (address/control fields; no HDLC flags, stuffing or FCS over GRE — RFC 2637
// section 4). Parsers return views into the caller's buffer and never read
// past it; anything malformed yields nullopt / false so the caller can drop it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"

namespace pptpx::ppp {

// Control packet codes (RFC 1661 section 5, RFC 1570, RFC 1962).
inline constexpr uint8_t kConfigureRequest = 1;
inline constexpr uint8_t kConfigureAck = 2;
inline constexpr uint8_t kConfigureNak = 3;
inline constexpr uint8_t kConfigureReject = 4;
inline constexpr uint8_t kTerminateRequest = 5;
inline constexpr uint8_t kTerminateAck = 6;
inline constexpr uint8_t kCodeReject = 7;
inline constexpr uint8_t kProtocolReject = 8;
inline constexpr uint8_t kEchoRequest = 9;
inline constexpr uint8_t kEchoReply = 10;
inline constexpr uint8_t kDiscardRequest = 11;
inline constexpr uint8_t kIdentification = 12;
inline constexpr uint8_t kTimeRemaining = 13;
inline constexpr uint8_t kResetRequest = 14;
inline constexpr uint8_t kResetAck = 15;

struct Frame {
  uint16_t protocol = 0;
  ByteView info;
};

// Parses a frame with or without ff 03 and with a 1- or 2-octet protocol.
std::optional<Frame> parse_frame(ByteView frame);

// Appends a frame to out. LCP is always sent with ff 03 and a 2-octet
// protocol whatever acfc/pfc say (RFC 1661 6.5/6.6).
void encode_frame(uint16_t protocol, ByteView info, bool acfc, bool pfc, Bytes& out);

struct Packet {
  uint8_t code = 0;
  uint8_t id = 0;
  ByteView data;  // up to Length; padding beyond Length is dropped
};

// Code, Identifier, Length, data. Length < 4 or > the octets present -> nullopt.
std::optional<Packet> parse_packet(ByteView info);
void build_packet(uint8_t code, uint8_t id, ByteView data, Bytes& out);

struct Option {
  uint8_t type = 0;
  ByteView value;  // without the type and length octets
  ByteView raw;    // the whole option as received
};

// Splits a Configure-* option list. False when an option has Length < 2 or
// runs past the end (the whole packet is then malformed).
bool parse_options(ByteView data, std::vector<Option>& out);

// Appends one option (type, length, value).
void put_option(Bytes& out, uint8_t type, ByteView value);
void put_option_u16(Bytes& out, uint8_t type, uint16_t v);
void put_option_u32(Bytes& out, uint8_t type, uint32_t v);

}  // namespace pptpx::ppp
