// SPDX-License-Identifier: MIT
// PPTP control messages (RFC 2637 section 2): the 15 message structs, their
// encoder and a validating decoder.
//
// Every message shares the 12-octet header (Length, PPTP Message Type = 1,
// Magic Cookie 0x1A2B3C4D, Control Message Type, Reserved0). decode() accepts
// only the exact length of each type; non-zero reserved fields are accepted
// and reported through DecodeResult::reserved_nonzero so the caller can log.
// Field names follow the RFC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"

namespace pptpx::pptp {

inline constexpr uint32_t kMagicCookie = 0x1A2B3C4D;
inline constexpr uint16_t kControlMessage = 1;  // PPTP Message Type
inline constexpr uint16_t kProtocolVersion = 0x0100;
inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxMessageSize = 220;  // Incoming-Call-Request

enum class MessageType : uint16_t {
  kStartControlConnectionRequest = 1,
  kStartControlConnectionReply = 2,
  kStopControlConnectionRequest = 3,
  kStopControlConnectionReply = 4,
  kEchoRequest = 5,
  kEchoReply = 6,
  kOutgoingCallRequest = 7,
  kOutgoingCallReply = 8,
  kIncomingCallRequest = 9,
  kIncomingCallReply = 10,
  kIncomingCallConnected = 11,
  kCallClearRequest = 12,
  kCallDisconnectNotify = 13,
  kWanErrorNotify = 14,
  kSetLinkInfo = 15,
};

// Total length of a control message of this type; 0 for an unknown type.
size_t message_length(uint16_t control_message_type);
std::string_view message_name(uint16_t control_message_type);

// Result codes used by the automata (RFC 2637 2.2, 2.4, 2.6, 2.8, 2.10, 2.13).
inline constexpr uint8_t kResultOk = 1;
inline constexpr uint8_t kResultGeneralError = 2;
inline constexpr uint8_t kSccrpChannelExists = 3;
inline constexpr uint8_t kSccrpNotAuthorized = 4;
inline constexpr uint8_t kSccrpBadVersion = 5;
inline constexpr uint8_t kOcrpConnected = 1;
inline constexpr uint8_t kOcrpBusy = 4;
inline constexpr uint8_t kOcrpDoNotAccept = 7;
inline constexpr uint8_t kIcrpDoNotAccept = 3;
inline constexpr uint8_t kCdnLostCarrier = 1;
inline constexpr uint8_t kCdnGeneralError = 2;
inline constexpr uint8_t kCdnAdminShutdown = 3;
inline constexpr uint8_t kCdnRequest = 4;
inline constexpr uint8_t kStopReasonNone = 1;
inline constexpr uint8_t kStopReasonStopProtocol = 2;
inline constexpr uint8_t kStopReasonLocalShutdown = 3;

// General Error Codes (RFC 2637 2.16), used when Result = 2.
inline constexpr uint8_t kErrorNone = 0;
inline constexpr uint8_t kErrorNotConnected = 1;
inline constexpr uint8_t kErrorBadFormat = 2;
inline constexpr uint8_t kErrorBadValue = 3;
inline constexpr uint8_t kErrorNoResource = 4;
inline constexpr uint8_t kErrorBadCallId = 5;
inline constexpr uint8_t kErrorPacError = 6;

struct StartControlConnectionRequest {
  uint16_t protocol_version = kProtocolVersion;
  uint32_t framing_capabilities = 0;
  uint32_t bearer_capabilities = 0;
  uint16_t maximum_channels = 0;
  uint16_t firmware_revision = 0;
  std::string host_name;      // 64 octets on the wire
  std::string vendor_string;  // 64 octets on the wire
  bool operator==(const StartControlConnectionRequest&) const = default;
};

struct StartControlConnectionReply {
  uint16_t protocol_version = kProtocolVersion;
  uint8_t result_code = 0;
  uint8_t error_code = 0;
  uint32_t framing_capabilities = 0;
  uint32_t bearer_capabilities = 0;
  uint16_t maximum_channels = 0;
  uint16_t firmware_revision = 0;
  std::string host_name;
  std::string vendor_string;
  bool operator==(const StartControlConnectionReply&) const = default;
};

struct StopControlConnectionRequest {
  uint8_t reason = kStopReasonNone;
  bool operator==(const StopControlConnectionRequest&) const = default;
};

struct StopControlConnectionReply {
  uint8_t result_code = kResultOk;
  uint8_t error_code = 0;
  bool operator==(const StopControlConnectionReply&) const = default;
};

struct EchoRequest {
  uint32_t identifier = 0;
  bool operator==(const EchoRequest&) const = default;
};

struct EchoReply {
  uint32_t identifier = 0;
  uint8_t result_code = kResultOk;
  uint8_t error_code = 0;
  bool operator==(const EchoReply&) const = default;
};

struct OutgoingCallRequest {
  uint16_t call_id = 0;
  uint16_t call_serial_number = 0;
  uint32_t minimum_bps = 0;
  uint32_t maximum_bps = 0;
  uint32_t bearer_type = 0;
  uint32_t framing_type = 0;
  uint16_t packet_recv_window_size = 0;
  uint16_t packet_processing_delay = 0;
  uint16_t phone_number_length = 0;
  std::string phone_number;  // 64 octets
  std::string subaddress;    // 64 octets
  bool operator==(const OutgoingCallRequest&) const = default;
};

struct OutgoingCallReply {
  uint16_t call_id = 0;
  uint16_t peer_call_id = 0;
  uint8_t result_code = 0;
  uint8_t error_code = 0;
  uint16_t cause_code = 0;
  uint32_t connect_speed = 0;
  uint16_t packet_recv_window_size = 0;
  uint16_t packet_processing_delay = 0;
  uint32_t physical_channel_id = 0;
  bool operator==(const OutgoingCallReply&) const = default;
};

struct IncomingCallRequest {
  uint16_t call_id = 0;
  uint16_t call_serial_number = 0;
  uint32_t call_bearer_type = 0;
  uint32_t physical_channel_id = 0;
  uint16_t dialed_number_length = 0;
  uint16_t dialing_number_length = 0;
  std::string dialed_number;   // 64 octets
  std::string dialing_number;  // 64 octets
  std::string subaddress;      // 64 octets
  bool operator==(const IncomingCallRequest&) const = default;
};

struct IncomingCallReply {
  uint16_t call_id = 0;
  uint16_t peer_call_id = 0;
  uint8_t result_code = 0;
  uint8_t error_code = 0;
  uint16_t packet_recv_window_size = 0;
  uint16_t packet_transmit_delay = 0;
  bool operator==(const IncomingCallReply&) const = default;
};

struct IncomingCallConnected {
  uint16_t peer_call_id = 0;
  uint32_t connect_speed = 0;
  uint16_t packet_recv_window_size = 0;
  uint16_t packet_transmit_delay = 0;
  uint32_t framing_type = 0;
  bool operator==(const IncomingCallConnected&) const = default;
};

struct CallClearRequest {
  uint16_t call_id = 0;  // the sender's own Call ID
  bool operator==(const CallClearRequest&) const = default;
};

struct CallDisconnectNotify {
  uint16_t call_id = 0;  // RFC: the sender's own; accel-ppp sends the peer's
  uint8_t result_code = 0;
  uint8_t error_code = 0;
  uint16_t cause_code = 0;
  std::string call_statistics;  // 128 octets
  bool operator==(const CallDisconnectNotify&) const = default;
};

struct WanErrorNotify {
  uint16_t peer_call_id = 0;
  uint32_t crc_errors = 0;
  uint32_t framing_errors = 0;
  uint32_t hardware_overruns = 0;
  uint32_t buffer_overruns = 0;
  uint32_t time_out_errors = 0;
  uint32_t alignment_errors = 0;
  bool operator==(const WanErrorNotify&) const = default;
};

struct SetLinkInfo {
  uint16_t peer_call_id = 0;
  uint32_t send_accm = 0xFFFFFFFF;
  uint32_t receive_accm = 0xFFFFFFFF;
  bool operator==(const SetLinkInfo&) const = default;
};

// Alternative index + 1 == Control Message Type.
using Message = std::variant<StartControlConnectionRequest, StartControlConnectionReply,
                             StopControlConnectionRequest, StopControlConnectionReply, EchoRequest,
                             EchoReply, OutgoingCallRequest, OutgoingCallReply, IncomingCallRequest,
                             IncomingCallReply, IncomingCallConnected, CallClearRequest,
                             CallDisconnectNotify, WanErrorNotify, SetLinkInfo>;

inline uint16_t message_type(const Message& m) { return static_cast<uint16_t>(m.index() + 1); }

// One line for debug logs: the message name and the fields that matter.
std::string describe(const Message& m);

enum class DecodeError {
  kNone,
  kTruncated,  // fewer octets than the header or than Length
  kBadLength,  // Length differs from the size of the Control Message Type
  kBadCookie,
  kBadMessageType,  // PPTP Message Type != 1 (management messages are unused)
  kUnknownType,     // Control Message Type outside 1..15
};

std::string_view decode_error_name(DecodeError e);

struct DecodeResult {
  DecodeError error = DecodeError::kNone;
  Message message;
  bool reserved_nonzero = false;  // a Reserved field was not 0 (accepted)
  bool ok() const { return error == DecodeError::kNone; }
};

// Decodes exactly one message occupying all of `data`.
DecodeResult decode(ByteView data);

// Appends the encoding (exactly message_length(type) octets) to out.
void encode(const Message& m, Bytes& out);
Bytes encode(const Message& m);

}  // namespace pptpx::pptp
