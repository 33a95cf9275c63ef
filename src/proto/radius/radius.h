// SPDX-License-Identifier: MIT
// The RADIUS packet codec, sans-I/O: packets and attributes (RFC 2865, 2866,
// 2869, 5176), Microsoft's vendor attributes (RFC 2548), and the
// cryptography around them - request and response authenticators,
// Message-Authenticator (RFC 3579, HMAC-MD5), User-Password hiding (RFC 2865
// section 5.2) and the salt encryption of MS-MPPE-Send-Key/-Recv-Key
// (RFC 2548 section 2.4.2). Everything read from the network is bounds-checked;
// a packet that does not parse is refused whole.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/ip.h"

namespace pptpx::radius {

enum class Code : uint8_t {
  kAccessRequest = 1,
  kAccessAccept = 2,
  kAccessReject = 3,
  kAccountingRequest = 4,
  kAccountingResponse = 5,
  kAccessChallenge = 11,
  kDisconnectRequest = 40,
  kDisconnectAck = 41,
  kDisconnectNak = 42,
  kCoaRequest = 43,
  kCoaAck = 44,
  kCoaNak = 45,
};
std::string_view code_name(Code c);

// Attribute types (RFC 2865, 2866, 2868, 2869, 3162, 5176).
namespace attr {
inline constexpr uint8_t kUserName = 1;
inline constexpr uint8_t kUserPassword = 2;
inline constexpr uint8_t kChapPassword = 3;
inline constexpr uint8_t kNasIpAddress = 4;
inline constexpr uint8_t kNasPort = 5;
inline constexpr uint8_t kServiceType = 6;
inline constexpr uint8_t kFramedProtocol = 7;
inline constexpr uint8_t kFramedIpAddress = 8;
inline constexpr uint8_t kFramedIpNetmask = 9;
inline constexpr uint8_t kFramedMtu = 12;
inline constexpr uint8_t kReplyMessage = 18;
inline constexpr uint8_t kFramedRoute = 22;
inline constexpr uint8_t kState = 24;
inline constexpr uint8_t kClass = 25;
inline constexpr uint8_t kVendorSpecific = 26;
inline constexpr uint8_t kSessionTimeout = 27;
inline constexpr uint8_t kIdleTimeout = 28;
inline constexpr uint8_t kCalledStationId = 30;
inline constexpr uint8_t kCallingStationId = 31;
inline constexpr uint8_t kNasIdentifier = 32;
inline constexpr uint8_t kAcctStatusType = 40;
inline constexpr uint8_t kAcctDelayTime = 41;
inline constexpr uint8_t kAcctInputOctets = 42;
inline constexpr uint8_t kAcctOutputOctets = 43;
inline constexpr uint8_t kAcctSessionId = 44;
inline constexpr uint8_t kAcctAuthentic = 45;
inline constexpr uint8_t kAcctSessionTime = 46;
inline constexpr uint8_t kAcctInputPackets = 47;
inline constexpr uint8_t kAcctOutputPackets = 48;
inline constexpr uint8_t kAcctTerminateCause = 49;
inline constexpr uint8_t kAcctInputGigawords = 52;
inline constexpr uint8_t kAcctOutputGigawords = 53;
inline constexpr uint8_t kEventTimestamp = 55;
inline constexpr uint8_t kChapChallenge = 60;
inline constexpr uint8_t kNasPortType = 61;
inline constexpr uint8_t kTunnelType = 64;
inline constexpr uint8_t kTunnelMediumType = 65;
inline constexpr uint8_t kTunnelClientEndpoint = 66;
inline constexpr uint8_t kMessageAuthenticator = 80;
inline constexpr uint8_t kAcctInterimInterval = 85;
inline constexpr uint8_t kNasPortId = 87;
inline constexpr uint8_t kErrorCause = 101;
}  // namespace attr

// Microsoft's vendor-specific attributes (RFC 2548), vendor 311.
namespace ms {
inline constexpr uint32_t kVendor = 311;
inline constexpr uint8_t kChapResponse = 1;
inline constexpr uint8_t kChapError = 2;
inline constexpr uint8_t kMppeEncryptionPolicy = 7;
inline constexpr uint8_t kMppeEncryptionTypes = 8;
inline constexpr uint8_t kChapChallenge = 11;
inline constexpr uint8_t kMppeSendKey = 16;
inline constexpr uint8_t kMppeRecvKey = 17;
inline constexpr uint8_t kChap2Response = 25;
inline constexpr uint8_t kChap2Success = 26;
inline constexpr uint8_t kPrimaryDnsServer = 28;
inline constexpr uint8_t kSecondaryDnsServer = 29;
inline constexpr uint8_t kPrimaryNbnsServer = 30;
inline constexpr uint8_t kSecondaryNbnsServer = 31;
}  // namespace ms

inline constexpr size_t kHeaderSize = 20;
inline constexpr size_t kMaxPacketSize = 4096;
inline constexpr size_t kMaxValueSize = 253;
using Authenticator = std::array<uint8_t, 16>;

// One attribute. A vendor-specific one in the usual layout (RFC 2865
// section 5.26: vendor, then one-octet type and length) is split into one
// Attribute per sub-attribute, with vendor and type set; one in another
// layout stays whole as type 26, vendor set, vendor_type 0.
struct Attribute {
  uint8_t type = 0;
  uint32_t vendor = 0;
  Bytes value;
  bool operator==(const Attribute&) const = default;
};

struct Packet {
  Code code = Code::kAccessRequest;
  uint8_t id = 0;
  Authenticator authenticator{};
  std::vector<Attribute> attributes;

  // The first attribute of that type (vendor 0: a standard one).
  const Attribute* find(uint8_t type, uint32_t vendor = 0) const;
  std::vector<const Attribute*> find_all(uint8_t type, uint32_t vendor = 0) const;
  std::optional<std::string> string(uint8_t type, uint32_t vendor = 0) const;
  // A 4-octet integer (or an address); nullopt when absent or not 4 octets.
  std::optional<uint32_t> u32(uint8_t type, uint32_t vendor = 0) const;
  std::optional<Ipv4> ipv4(uint8_t type, uint32_t vendor = 0) const;

  // Values longer than 253 octets are cut there (callers split long ones).
  void add(uint8_t type, ByteView value, uint32_t vendor = 0);
  void add(uint8_t type, std::string_view value, uint32_t vendor = 0);
  void add_u32(uint8_t type, uint32_t value, uint32_t vendor = 0);
  void add_ipv4(uint8_t type, Ipv4 value, uint32_t vendor = 0);
};

enum class ParseError : uint8_t {
  kNone,
  kTooShort,      // under 20 octets, or shorter than its Length field
  kBadLength,     // Length under 20 or over 4096
  kBadAttribute,  // an attribute length under 2 or past the end
};
std::string_view parse_error_name(ParseError e);

struct ParseResult {
  ParseError error = ParseError::kNone;
  Packet packet;
  bool ok() const { return error == ParseError::kNone; }
};

// Octets past the Length field are padding and ignored (RFC 2865 section 3).
ParseResult parse(ByteView data);

// The packet as it goes on the wire, with the authenticator as it is in p.
// Empty if it would exceed 4096 octets.
Bytes encode(const Packet& p);

// ---- requests (what a NAS sends) ----
// Access-Request: p.authenticator must be 16 random octets. A
// Message-Authenticator is put first (BlastRADIUS, CVE-2024-3596) and
// computed over the whole packet.
Bytes encode_access_request(Packet p, std::string_view secret);
// Accounting-Request, Disconnect-Request, CoA-Request: the authenticator
// is MD5(code, id, length, 16 zero octets, attributes, secret) (RFC 2866
// section 3, RFC 5176 section 2.3).
Bytes encode_signed_request(Packet p, std::string_view secret);

// ---- responses ----
// A response to a request whose authenticator was request_auth: with a
// Message-Authenticator first when asked (RFC 3579, as Access-Accept and
// the rest must carry for BlastRADIUS), then the response authenticator
// MD5(code, id, length, request_auth, attributes, secret).
Bytes encode_response(Packet p, const Authenticator& request_auth, std::string_view secret,
                      bool message_authenticator);

enum class Verdict : uint8_t {
  kOk,
  kBadAuthenticator,  // the response (or signed request) authenticator is wrong
  kMissingMessageAuthenticator,
  kBadMessageAuthenticator,  // wrong value, wrong length, or more than one
};
std::string_view verdict_name(Verdict v);

// A response (raw, as received) to a request with request_auth. Checks the
// response authenticator and, when present or required, the
// Message-Authenticator. Constant-time comparisons.
Verdict verify_response(ByteView raw, const Authenticator& request_auth, std::string_view secret,
                        bool require_message_authenticator);
// An Accounting-, Disconnect- or CoA-Request (raw): its authenticator as
// encode_signed_request() computes it, and a Message-Authenticator when
// present (computed with the authenticator field zeroed, RFC 5176 section 3.3).
Verdict verify_signed_request(ByteView raw, std::string_view secret);
// An Access-Request (raw, a server's side; used by tests): its
// Message-Authenticator, present or required.
Verdict verify_access_request(ByteView raw, std::string_view secret, bool require);

// ---- hidden values ----
// User-Password (RFC 2865 section 5.2): padded to 16 octets, at most 128.
Bytes hide_password(std::string_view password, const Authenticator& request_auth,
                    std::string_view secret);
// The password again, trailing padding zeros removed; nullopt if the length
// is not a multiple of 16 in 16..128.
std::optional<std::string> unhide_password(ByteView hidden, const Authenticator& request_auth,
                                           std::string_view secret);
// RFC 2548 section 2.4.2 (MS-MPPE-Send-Key, -Recv-Key): salt (its high bit
// is set here), then [length | key | padding] encrypted in 16-octet blocks.
Bytes encrypt_salted(ByteView key, uint16_t salt, const Authenticator& request_auth,
                     std::string_view secret);
// The key inside; nullopt when the value is not 2 + a multiple of 16 octets,
// the salt's high bit is clear, or the length octet exceeds the data.
std::optional<Bytes> decrypt_salted(ByteView value, const Authenticator& request_auth,
                                    std::string_view secret);

}  // namespace pptpx::radius
