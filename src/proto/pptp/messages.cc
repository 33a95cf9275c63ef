// SPDX-License-Identifier: MIT
// PPTP control message codec (RFC 2637 section 2; layouts in sections 2.1-2.15;
// docs/protocol.md, Control messages).
#include "proto/pptp/messages.h"

#include <fmt/format.h>

#include <array>

#include "base/overloaded.h"
#include "base/text.h"

namespace pptpx::pptp {
namespace {

constexpr std::array<uint16_t, 16> kLengths = {0,  156, 156, 16, 16, 16,  20, 168,
                                               32, 220, 24,  28, 16, 148, 40, 24};
constexpr std::array<std::string_view, 16> kNames = {
    "Unknown",
    "Start-Control-Connection-Request",
    "Start-Control-Connection-Reply",
    "Stop-Control-Connection-Request",
    "Stop-Control-Connection-Reply",
    "Echo-Request",
    "Echo-Reply",
    "Outgoing-Call-Request",
    "Outgoing-Call-Reply",
    "Incoming-Call-Request",
    "Incoming-Call-Reply",
    "Incoming-Call-Connected",
    "Call-Clear-Request",
    "Call-Disconnect-Notify",
    "WAN-Error-Notify",
    "Set-Link-Info",
};

constexpr size_t kNameSize = 64;
constexpr size_t kStatsSize = 128;

// The body encoders write everything after the 12-octet header.
void body(Writer& w, const StartControlConnectionRequest& m) {
  w.u16(m.protocol_version);
  w.u16(0);
  w.u32(m.framing_capabilities);
  w.u32(m.bearer_capabilities);
  w.u16(m.maximum_channels);
  w.u16(m.firmware_revision);
  w.fixed_string(m.host_name, kNameSize);
  w.fixed_string(m.vendor_string, kNameSize);
}
void body(Writer& w, const StartControlConnectionReply& m) {
  w.u16(m.protocol_version);
  w.u8(m.result_code);
  w.u8(m.error_code);
  w.u32(m.framing_capabilities);
  w.u32(m.bearer_capabilities);
  w.u16(m.maximum_channels);
  w.u16(m.firmware_revision);
  w.fixed_string(m.host_name, kNameSize);
  w.fixed_string(m.vendor_string, kNameSize);
}
void body(Writer& w, const StopControlConnectionRequest& m) {
  w.u8(m.reason);
  w.u8(0);
  w.u16(0);
}
void body(Writer& w, const StopControlConnectionReply& m) {
  w.u8(m.result_code);
  w.u8(m.error_code);
  w.u16(0);
}
void body(Writer& w, const EchoRequest& m) { w.u32(m.identifier); }
void body(Writer& w, const EchoReply& m) {
  w.u32(m.identifier);
  w.u8(m.result_code);
  w.u8(m.error_code);
  w.u16(0);
}
void body(Writer& w, const OutgoingCallRequest& m) {
  w.u16(m.call_id);
  w.u16(m.call_serial_number);
  w.u32(m.minimum_bps);
  w.u32(m.maximum_bps);
  w.u32(m.bearer_type);
  w.u32(m.framing_type);
  w.u16(m.packet_recv_window_size);
  w.u16(m.packet_processing_delay);
  w.u16(m.phone_number_length);
  w.u16(0);
  w.fixed_string(m.phone_number, kNameSize);
  w.fixed_string(m.subaddress, kNameSize);
}
void body(Writer& w, const OutgoingCallReply& m) {
  w.u16(m.call_id);
  w.u16(m.peer_call_id);
  w.u8(m.result_code);
  w.u8(m.error_code);
  w.u16(m.cause_code);
  w.u32(m.connect_speed);
  w.u16(m.packet_recv_window_size);
  w.u16(m.packet_processing_delay);
  w.u32(m.physical_channel_id);
}
void body(Writer& w, const IncomingCallRequest& m) {
  w.u16(m.call_id);
  w.u16(m.call_serial_number);
  w.u32(m.call_bearer_type);
  w.u32(m.physical_channel_id);
  w.u16(m.dialed_number_length);
  w.u16(m.dialing_number_length);
  w.fixed_string(m.dialed_number, kNameSize);
  w.fixed_string(m.dialing_number, kNameSize);
  w.fixed_string(m.subaddress, kNameSize);
}
void body(Writer& w, const IncomingCallReply& m) {
  w.u16(m.call_id);
  w.u16(m.peer_call_id);
  w.u8(m.result_code);
  w.u8(m.error_code);
  w.u16(m.packet_recv_window_size);
  w.u16(m.packet_transmit_delay);
  w.u16(0);
}
void body(Writer& w, const IncomingCallConnected& m) {
  w.u16(m.peer_call_id);
  w.u16(0);
  w.u32(m.connect_speed);
  w.u16(m.packet_recv_window_size);
  w.u16(m.packet_transmit_delay);
  w.u32(m.framing_type);
}
void body(Writer& w, const CallClearRequest& m) {
  w.u16(m.call_id);
  w.u16(0);
}
void body(Writer& w, const CallDisconnectNotify& m) {
  w.u16(m.call_id);
  w.u8(m.result_code);
  w.u8(m.error_code);
  w.u16(m.cause_code);
  w.u16(0);
  w.fixed_string(m.call_statistics, kStatsSize);
}
void body(Writer& w, const WanErrorNotify& m) {
  w.u16(m.peer_call_id);
  w.u16(0);
  w.u32(m.crc_errors);
  w.u32(m.framing_errors);
  w.u32(m.hardware_overruns);
  w.u32(m.buffer_overruns);
  w.u32(m.time_out_errors);
  w.u32(m.alignment_errors);
}
void body(Writer& w, const SetLinkInfo& m) {
  w.u16(m.peer_call_id);
  w.u16(0);
  w.u32(m.send_accm);
  w.u32(m.receive_accm);
}

// Body decoders: `reserved` accumulates every reserved field so that one
// non-zero value is reported.
struct BodyReader {
  Reader& r;
  uint32_t reserved = 0;
  void res16() { reserved |= r.u16(); }
  void res8() { reserved |= r.u8(); }
};

// Body decoders, in the order of the encoders above.
void read_body(BodyReader& b, StartControlConnectionRequest& m) {
  m.protocol_version = b.r.u16();
  b.res16();
  m.framing_capabilities = b.r.u32();
  m.bearer_capabilities = b.r.u32();
  m.maximum_channels = b.r.u16();
  m.firmware_revision = b.r.u16();
  m.host_name = b.r.fixed_string(kNameSize);
  m.vendor_string = b.r.fixed_string(kNameSize);
}

void read_body(BodyReader& b, StartControlConnectionReply& m) {
  m.protocol_version = b.r.u16();
  m.result_code = b.r.u8();
  m.error_code = b.r.u8();
  m.framing_capabilities = b.r.u32();
  m.bearer_capabilities = b.r.u32();
  m.maximum_channels = b.r.u16();
  m.firmware_revision = b.r.u16();
  m.host_name = b.r.fixed_string(kNameSize);
  m.vendor_string = b.r.fixed_string(kNameSize);
}

void read_body(BodyReader& b, StopControlConnectionRequest& m) {
  m.reason = b.r.u8();
  b.res8();
  b.res16();
}

void read_body(BodyReader& b, StopControlConnectionReply& m) {
  m.result_code = b.r.u8();
  m.error_code = b.r.u8();
  b.res16();
}

void read_body(BodyReader& b, EchoRequest& m) { m.identifier = b.r.u32(); }

void read_body(BodyReader& b, EchoReply& m) {
  m.identifier = b.r.u32();
  m.result_code = b.r.u8();
  m.error_code = b.r.u8();
  b.res16();
}

void read_body(BodyReader& b, OutgoingCallRequest& m) {
  m.call_id = b.r.u16();
  m.call_serial_number = b.r.u16();
  m.minimum_bps = b.r.u32();
  m.maximum_bps = b.r.u32();
  m.bearer_type = b.r.u32();
  m.framing_type = b.r.u32();
  m.packet_recv_window_size = b.r.u16();
  m.packet_processing_delay = b.r.u16();
  m.phone_number_length = b.r.u16();
  b.res16();
  m.phone_number = b.r.fixed_string(kNameSize);
  m.subaddress = b.r.fixed_string(kNameSize);
}

void read_body(BodyReader& b, OutgoingCallReply& m) {
  m.call_id = b.r.u16();
  m.peer_call_id = b.r.u16();
  m.result_code = b.r.u8();
  m.error_code = b.r.u8();
  m.cause_code = b.r.u16();
  m.connect_speed = b.r.u32();
  m.packet_recv_window_size = b.r.u16();
  m.packet_processing_delay = b.r.u16();
  m.physical_channel_id = b.r.u32();
}

void read_body(BodyReader& b, IncomingCallRequest& m) {
  m.call_id = b.r.u16();
  m.call_serial_number = b.r.u16();
  m.call_bearer_type = b.r.u32();
  m.physical_channel_id = b.r.u32();
  m.dialed_number_length = b.r.u16();
  m.dialing_number_length = b.r.u16();
  m.dialed_number = b.r.fixed_string(kNameSize);
  m.dialing_number = b.r.fixed_string(kNameSize);
  m.subaddress = b.r.fixed_string(kNameSize);
}

void read_body(BodyReader& b, IncomingCallReply& m) {
  m.call_id = b.r.u16();
  m.peer_call_id = b.r.u16();
  m.result_code = b.r.u8();
  m.error_code = b.r.u8();
  m.packet_recv_window_size = b.r.u16();
  m.packet_transmit_delay = b.r.u16();
  b.res16();
}

void read_body(BodyReader& b, IncomingCallConnected& m) {
  m.peer_call_id = b.r.u16();
  b.res16();
  m.connect_speed = b.r.u32();
  m.packet_recv_window_size = b.r.u16();
  m.packet_transmit_delay = b.r.u16();
  m.framing_type = b.r.u32();
}

void read_body(BodyReader& b, CallClearRequest& m) {
  m.call_id = b.r.u16();
  b.res16();
}

void read_body(BodyReader& b, CallDisconnectNotify& m) {
  m.call_id = b.r.u16();
  m.result_code = b.r.u8();
  m.error_code = b.r.u8();
  m.cause_code = b.r.u16();
  b.res16();
  m.call_statistics = b.r.fixed_string(kStatsSize);
}

void read_body(BodyReader& b, WanErrorNotify& m) {
  m.peer_call_id = b.r.u16();
  b.res16();
  m.crc_errors = b.r.u32();
  m.framing_errors = b.r.u32();
  m.hardware_overruns = b.r.u32();
  m.buffer_overruns = b.r.u32();
  m.time_out_errors = b.r.u32();
  m.alignment_errors = b.r.u32();
}

void read_body(BodyReader& b, SetLinkInfo& m) {
  m.peer_call_id = b.r.u16();
  b.res16();
  m.send_accm = b.r.u32();
  m.receive_accm = b.r.u32();
}

// The message of type M, its fields read in wire order.
template <typename M>
Message read_message(BodyReader& b) {
  M m;
  read_body(b, m);
  return m;
}

Message parse_body(uint16_t type, BodyReader& b) {
  switch (static_cast<MessageType>(type)) {
    case MessageType::kStartControlConnectionRequest:
      return read_message<StartControlConnectionRequest>(b);
    case MessageType::kStartControlConnectionReply:
      return read_message<StartControlConnectionReply>(b);
    case MessageType::kStopControlConnectionRequest:
      return read_message<StopControlConnectionRequest>(b);
    case MessageType::kStopControlConnectionReply:
      return read_message<StopControlConnectionReply>(b);
    case MessageType::kEchoRequest: return read_message<EchoRequest>(b);
    case MessageType::kEchoReply: return read_message<EchoReply>(b);
    case MessageType::kOutgoingCallRequest: return read_message<OutgoingCallRequest>(b);
    case MessageType::kOutgoingCallReply: return read_message<OutgoingCallReply>(b);
    case MessageType::kIncomingCallRequest: return read_message<IncomingCallRequest>(b);
    case MessageType::kIncomingCallReply: return read_message<IncomingCallReply>(b);
    case MessageType::kIncomingCallConnected: return read_message<IncomingCallConnected>(b);
    case MessageType::kCallClearRequest: return read_message<CallClearRequest>(b);
    case MessageType::kCallDisconnectNotify: return read_message<CallDisconnectNotify>(b);
    case MessageType::kWanErrorNotify: return read_message<WanErrorNotify>(b);
    case MessageType::kSetLinkInfo: return read_message<SetLinkInfo>(b);
  }
  b.r.fail();
  return Message{};
}

}  // namespace

size_t message_length(uint16_t type) { return type < kLengths.size() ? kLengths[type] : 0; }

std::string_view message_name(uint16_t type) {
  return type < kNames.size() ? kNames[type] : kNames[0];
}

std::string_view decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::kNone: return "none";
    case DecodeError::kTruncated: return "truncated";
    case DecodeError::kBadLength: return "bad length";
    case DecodeError::kBadCookie: return "bad magic cookie";
    case DecodeError::kBadMessageType: return "bad PPTP message type";
    case DecodeError::kUnknownType: return "unknown control message type";
  }
  return "?";
}

DecodeResult decode(ByteView data) {
  DecodeResult res;
  Reader r(data);
  uint16_t length = r.u16();
  uint16_t pptp_type = r.u16();
  uint32_t cookie = r.u32();
  uint16_t type = r.u16();
  uint16_t reserved0 = r.u16();
  if (!r.ok()) {
    res.error = DecodeError::kTruncated;
    return res;
  }
  if (cookie != kMagicCookie) {
    res.error = DecodeError::kBadCookie;
    return res;
  }
  if (length > data.size()) {
    res.error = DecodeError::kTruncated;
    return res;
  }
  if (length != data.size()) {
    res.error = DecodeError::kBadLength;
    return res;
  }
  if (pptp_type != kControlMessage) {
    res.error = DecodeError::kBadMessageType;
    return res;
  }
  size_t expected = message_length(type);
  if (expected == 0) {
    res.error = DecodeError::kUnknownType;
    return res;
  }
  if (length != expected) {
    res.error = DecodeError::kBadLength;
    return res;
  }
  BodyReader b{r};
  b.reserved = reserved0;
  res.message = parse_body(type, b);
  if (!r.ok() || !r.empty()) {
    res.error = DecodeError::kBadLength;  // unreachable with the length table; kept as a guard
    return res;
  }
  res.reserved_nonzero = b.reserved != 0;
  return res;
}

void encode(const Message& m, Bytes& out) {
  uint16_t type = message_type(m);
  Writer w(out);
  w.u16(static_cast<uint16_t>(message_length(type)));
  w.u16(kControlMessage);
  w.u32(kMagicCookie);
  w.u16(type);
  w.u16(0);
  std::visit([&w](const auto& msg) { body(w, msg); }, m);
}

Bytes encode(const Message& m) {
  Bytes out;
  out.reserve(message_length(message_type(m)));
  encode(m, out);
  return out;
}

std::string describe(const Message& m) {
  std::string name(message_name(message_type(m)));
  std::string detail = std::visit(
      Overloaded{
          [](const StartControlConnectionRequest& x) {
            return fmt::format("version {:#06x} host \"{}\" vendor \"{}\"", x.protocol_version,
                               escaped(x.host_name), escaped(x.vendor_string));
          },
          [](const StartControlConnectionReply& x) {
            return fmt::format("version {:#06x} result {} error {} host \"{}\"", x.protocol_version,
                               x.result_code, x.error_code, escaped(x.host_name));
          },
          [](const StopControlConnectionRequest& x) { return fmt::format("reason {}", x.reason); },
          [](const StopControlConnectionReply& x) {
            return fmt::format("result {}", x.result_code);
          },
          [](const EchoRequest& x) { return fmt::format("id {:#x}", x.identifier); },
          [](const EchoReply& x) {
            return fmt::format("id {:#x} result {}", x.identifier, x.result_code);
          },
          [](const OutgoingCallRequest& x) {
            return fmt::format("call {} serial {} window {} max bps {}", x.call_id,
                               x.call_serial_number, x.packet_recv_window_size, x.maximum_bps);
          },
          [](const OutgoingCallReply& x) {
            return fmt::format("call {} peer call {} result {} error {} window {} speed {}",
                               x.call_id, x.peer_call_id, x.result_code, x.error_code,
                               x.packet_recv_window_size, x.connect_speed);
          },
          [](const IncomingCallRequest& x) { return fmt::format("call {}", x.call_id); },
          [](const IncomingCallReply& x) {
            return fmt::format("call {} peer call {} result {}", x.call_id, x.peer_call_id,
                               x.result_code);
          },
          [](const IncomingCallConnected& x) {
            return fmt::format("peer call {}", x.peer_call_id);
          },
          [](const CallClearRequest& x) { return fmt::format("call {}", x.call_id); },
          [](const CallDisconnectNotify& x) {
            return fmt::format("call {} result {} error {}", x.call_id, x.result_code,
                               x.error_code);
          },
          [](const WanErrorNotify& x) { return fmt::format("peer call {}", x.peer_call_id); },
          [](const SetLinkInfo& x) {
            return fmt::format("peer call {} send accm {:#x} recv accm {:#x}", x.peer_call_id,
                               x.send_accm, x.receive_accm);
          },
      },
      m);
  return name + " " + detail;
}

}  // namespace pptpx::pptp
