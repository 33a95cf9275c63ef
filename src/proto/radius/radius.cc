// SPDX-License-Identifier: MIT
// RADIUS packets (see radius.h).
#include "proto/radius/radius.h"

#include <algorithm>
#include <cstring>

#include "base/ct.h"
#include "crypto/crypto.h"

namespace pptpx::radius {
namespace {

constexpr size_t kVsaHeader = 6;  // type 26, length, vendor id
constexpr size_t kMessageAuthenticatorSize = 16;

// The sub-attributes of a vendor-specific value (after the vendor id) in
// the usual layout, or false when they are not.
bool split_vsa(uint32_t vendor, ByteView data, std::vector<Attribute>* out) {
  std::vector<Attribute> subs;
  while (!data.empty()) {
    // Type 0 is how a whole value of another layout is kept (radius.h).
    if (data.size() < 2 || data[0] == 0 || data[1] < 2 || data[1] > data.size()) return false;
    subs.push_back({data[0], vendor, Bytes(data.begin() + 2, data.begin() + data[1])});
    data = data.subspan(data[1]);
  }
  if (subs.empty()) return false;
  out->insert(out->end(), std::make_move_iterator(subs.begin()),
              std::make_move_iterator(subs.end()));
  return true;
}

// The longest value an attribute can carry: 253 octets, less the vendor id
// (4) and the sub-attribute's type and length (2) for a vendor one.
size_t max_value_size(uint8_t type, uint32_t vendor) {
  if (vendor == 0) return kMaxValueSize;
  return type == 0 ? kMaxValueSize - 4 : kMaxValueSize - 6;
}

void put_attribute(Bytes& out, const Attribute& a) {
  const size_t n = std::min(a.value.size(), max_value_size(a.type, a.vendor));
  if (a.vendor == 0) {
    out.push_back(a.type);
    out.push_back(static_cast<uint8_t>(2 + n));
  } else if (a.type == 0) {  // a whole vendor value of another layout
    out.push_back(attr::kVendorSpecific);
    out.push_back(static_cast<uint8_t>(kVsaHeader + n));
    uint8_t v[4];
    put_u32(v, a.vendor);
    out.insert(out.end(), v, v + 4);
  } else {
    out.push_back(attr::kVendorSpecific);
    out.push_back(static_cast<uint8_t>(kVsaHeader + 2 + n));
    uint8_t v[4];
    put_u32(v, a.vendor);
    out.insert(out.end(), v, v + 4);
    out.push_back(a.type);
    out.push_back(static_cast<uint8_t>(2 + n));
  }
  out.insert(out.end(), a.value.begin(), a.value.begin() + static_cast<std::ptrdiff_t>(n));
}

// Where each top-level attribute of a well-formed packet starts, and its
// length, in raw; false when the attributes do not parse.
struct RawAttribute {
  size_t offset;
  uint8_t type;
  uint8_t length;
};
bool walk(ByteView raw, std::vector<RawAttribute>* out) {
  if (raw.size() < kHeaderSize) return false;
  const size_t len = get_u16(raw.data() + 2);
  if (len < kHeaderSize || len > raw.size() || len > kMaxPacketSize) return false;
  for (size_t pos = kHeaderSize; pos < len;) {
    if (len - pos < 2 || raw[pos + 1] < 2 || raw[pos + 1] > len - pos) return false;
    out->push_back({pos, raw[pos], raw[pos + 1]});
    pos += raw[pos + 1];
  }
  return true;
}

crypto::Md5Digest md5_of(std::initializer_list<ByteView> parts) {
  crypto::Md5 h;
  for (ByteView p : parts) h.update(p);
  return h.final();
}

// The Message-Authenticator of raw (a copy of the packet with the field's
// value zeroed, and the authenticator field set as the caller wants).
crypto::Md5Digest message_authenticator(Bytes copy, size_t value_offset, std::string_view secret) {
  std::memset(copy.data() + value_offset, 0, kMessageAuthenticatorSize);
  return crypto::hmac_md5(as_bytes(secret), copy);
}

// Checks the packet's Message-Authenticator (computed with auth_field in the
// authenticator field), present or required.
Verdict check_message_authenticator(ByteView raw, const Authenticator* auth_field,
                                    std::string_view secret, bool require) {
  std::vector<RawAttribute> attrs;
  if (!walk(raw, &attrs)) return Verdict::kBadMessageAuthenticator;
  const RawAttribute* ma = nullptr;
  for (const RawAttribute& a : attrs) {
    if (a.type != attr::kMessageAuthenticator) continue;
    if (ma || a.length != 2 + kMessageAuthenticatorSize) return Verdict::kBadMessageAuthenticator;
    ma = &a;
  }
  if (!ma) return require ? Verdict::kMissingMessageAuthenticator : Verdict::kOk;
  const size_t len = get_u16(raw.data() + 2);
  Bytes copy(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(len));
  if (auth_field) std::memcpy(copy.data() + 4, auth_field->data(), auth_field->size());
  const crypto::Md5Digest want = message_authenticator(std::move(copy), ma->offset + 2, secret);
  return ct_equal(want, raw.subspan(ma->offset + 2, kMessageAuthenticatorSize))
             ? Verdict::kOk
             : Verdict::kBadMessageAuthenticator;
}

// p encoded with a zeroed Message-Authenticator first, and the offset of
// its value.
Bytes encode_with_message_authenticator(Packet& p, size_t* value_offset) {
  std::erase_if(p.attributes, [](const Attribute& a) {
    return a.vendor == 0 && a.type == attr::kMessageAuthenticator;
  });
  p.attributes.insert(p.attributes.begin(),
                      Attribute{attr::kMessageAuthenticator, 0, Bytes(kMessageAuthenticatorSize)});
  *value_offset = kHeaderSize + 2;
  return encode(p);
}

}  // namespace

std::string_view code_name(Code c) {
  switch (c) {
    case Code::kAccessRequest: return "Access-Request";
    case Code::kAccessAccept: return "Access-Accept";
    case Code::kAccessReject: return "Access-Reject";
    case Code::kAccountingRequest: return "Accounting-Request";
    case Code::kAccountingResponse: return "Accounting-Response";
    case Code::kAccessChallenge: return "Access-Challenge";
    case Code::kDisconnectRequest: return "Disconnect-Request";
    case Code::kDisconnectAck: return "Disconnect-ACK";
    case Code::kDisconnectNak: return "Disconnect-NAK";
    case Code::kCoaRequest: return "CoA-Request";
    case Code::kCoaAck: return "CoA-ACK";
    case Code::kCoaNak: return "CoA-NAK";
  }
  return "unknown code";
}

std::string_view parse_error_name(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "ok";
    case ParseError::kTooShort: return "shorter than its header or Length";
    case ParseError::kBadLength: return "Length outside 20..4096";
    case ParseError::kBadAttribute: return "malformed attribute";
  }
  return "?";
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kOk: return "ok";
    case Verdict::kBadAuthenticator: return "wrong authenticator (is the shared secret right?)";
    case Verdict::kMissingMessageAuthenticator: return "no Message-Authenticator";
    case Verdict::kBadMessageAuthenticator: return "wrong Message-Authenticator";
  }
  return "?";
}

const Attribute* Packet::find(uint8_t type, uint32_t vendor) const {
  for (const Attribute& a : attributes)
    if (a.type == type && a.vendor == vendor) return &a;
  return nullptr;
}

std::vector<const Attribute*> Packet::find_all(uint8_t type, uint32_t vendor) const {
  std::vector<const Attribute*> out;
  for (const Attribute& a : attributes)
    if (a.type == type && a.vendor == vendor) out.push_back(&a);
  return out;
}

std::optional<std::string> Packet::string(uint8_t type, uint32_t vendor) const {
  const Attribute* a = find(type, vendor);
  if (!a) return std::nullopt;
  return std::string(a->value.begin(), a->value.end());
}

std::optional<uint32_t> Packet::u32(uint8_t type, uint32_t vendor) const {
  const Attribute* a = find(type, vendor);
  if (!a || a->value.size() != 4) return std::nullopt;
  return get_u32(a->value.data());
}

std::optional<Ipv4> Packet::ipv4(uint8_t type, uint32_t vendor) const {
  auto v = u32(type, vendor);
  if (!v) return std::nullopt;
  return Ipv4{*v};
}

void Packet::add(uint8_t type, ByteView value, uint32_t vendor) {
  const size_t n = std::min(value.size(), max_value_size(type, vendor));
  attributes.push_back(
      {type, vendor, Bytes(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(n))});
}

void Packet::add(uint8_t type, std::string_view value, uint32_t vendor) {
  add(type, as_bytes(value), vendor);
}

void Packet::add_u32(uint8_t type, uint32_t value, uint32_t vendor) {
  uint8_t b[4];
  put_u32(b, value);
  add(type, ByteView(b, 4), vendor);
}

void Packet::add_ipv4(uint8_t type, Ipv4 value, uint32_t vendor) {
  add_u32(type, value.value, vendor);
}

ParseResult parse(ByteView data) {
  ParseResult r;
  if (data.size() < kHeaderSize) {
    r.error = ParseError::kTooShort;
    return r;
  }
  const size_t len = get_u16(data.data() + 2);
  if (len < kHeaderSize || len > kMaxPacketSize) {
    r.error = ParseError::kBadLength;
    return r;
  }
  if (len > data.size()) {
    r.error = ParseError::kTooShort;
    return r;
  }
  Packet& p = r.packet;
  p.code = static_cast<Code>(data[0]);
  p.id = data[1];
  std::memcpy(p.authenticator.data(), data.data() + 4, p.authenticator.size());
  for (size_t pos = kHeaderSize; pos < len;) {
    const size_t alen = len - pos >= 2 ? data[pos + 1] : 0;
    if (alen < 2 || alen > len - pos) {
      r.error = ParseError::kBadAttribute;
      r.packet.attributes.clear();
      return r;
    }
    const uint8_t type = data[pos];
    ByteView value = data.subspan(pos + 2, alen - 2);
    const uint32_t vendor =
        type == attr::kVendorSpecific && value.size() >= 4 ? get_u32(value.data()) : 0;
    if (vendor != 0) {
      if (!split_vsa(vendor, value.subspan(4), &p.attributes))
        p.attributes.push_back({0, vendor, Bytes(value.begin() + 4, value.end())});
    } else {
      p.attributes.push_back({type, 0, Bytes(value.begin(), value.end())});
    }
    pos += alen;
  }
  return r;
}

Bytes encode(const Packet& p) {
  Bytes out;
  out.reserve(kHeaderSize + 32 * p.attributes.size());
  out.push_back(static_cast<uint8_t>(p.code));
  out.push_back(p.id);
  out.push_back(0);
  out.push_back(0);
  out.insert(out.end(), p.authenticator.begin(), p.authenticator.end());
  for (const Attribute& a : p.attributes) put_attribute(out, a);
  if (out.size() > kMaxPacketSize) return {};
  put_u16(out.data() + 2, static_cast<uint16_t>(out.size()));
  return out;
}

Bytes encode_access_request(Packet p, std::string_view secret) {
  p.code = Code::kAccessRequest;
  size_t ma = 0;
  Bytes out = encode_with_message_authenticator(p, &ma);
  if (out.empty()) return out;
  const crypto::Md5Digest mac = message_authenticator(out, ma, secret);
  std::memcpy(out.data() + ma, mac.data(), mac.size());
  return out;
}

Bytes encode_signed_request(Packet p, std::string_view secret) {
  p.authenticator.fill(0);
  Bytes out = encode(p);
  if (out.empty()) return out;
  const crypto::Md5Digest auth = md5_of({out, as_bytes(secret)});
  std::memcpy(out.data() + 4, auth.data(), auth.size());
  return out;
}

Bytes encode_response(Packet p, const Authenticator& request_auth, std::string_view secret,
                      bool message_authenticator_first) {
  p.authenticator = request_auth;
  Bytes out;
  if (message_authenticator_first) {
    size_t ma = 0;
    out = encode_with_message_authenticator(p, &ma);
    if (out.empty()) return out;
    const crypto::Md5Digest mac = message_authenticator(out, ma, secret);
    std::memcpy(out.data() + ma, mac.data(), mac.size());
  } else {
    out = encode(p);
    if (out.empty()) return out;
  }
  const crypto::Md5Digest auth = md5_of({out, as_bytes(secret)});
  std::memcpy(out.data() + 4, auth.data(), auth.size());
  return out;
}

Verdict verify_response(ByteView raw, const Authenticator& request_auth, std::string_view secret,
                        bool require_message_authenticator) {
  std::vector<RawAttribute> attrs;
  if (!walk(raw, &attrs)) return Verdict::kBadAuthenticator;
  const size_t len = get_u16(raw.data() + 2);
  const crypto::Md5Digest want = md5_of(
      {raw.first(4), request_auth, raw.subspan(kHeaderSize, len - kHeaderSize), as_bytes(secret)});
  if (!ct_equal(want, raw.subspan(4, 16))) return Verdict::kBadAuthenticator;
  return check_message_authenticator(raw, &request_auth, secret, require_message_authenticator);
}

Verdict verify_signed_request(ByteView raw, std::string_view secret) {
  std::vector<RawAttribute> attrs;
  if (!walk(raw, &attrs)) return Verdict::kBadAuthenticator;
  const size_t len = get_u16(raw.data() + 2);
  const Authenticator zero{};
  const crypto::Md5Digest want =
      md5_of({raw.first(4), zero, raw.subspan(kHeaderSize, len - kHeaderSize), as_bytes(secret)});
  if (!ct_equal(want, raw.subspan(4, 16))) return Verdict::kBadAuthenticator;
  return check_message_authenticator(raw, &zero, secret, false);
}

Verdict verify_access_request(ByteView raw, std::string_view secret, bool require) {
  return check_message_authenticator(raw, nullptr, secret, require);
}

Bytes hide_password(std::string_view password, const Authenticator& request_auth,
                    std::string_view secret) {
  const size_t n = std::clamp<size_t>((password.size() + 15) / 16 * 16, 16, 128);
  Bytes out(n, 0);
  std::memcpy(out.data(), password.data(), std::min(password.size(), n));
  ByteView prev = request_auth;
  for (size_t i = 0; i < n; i += 16) {
    const crypto::Md5Digest b = md5_of({as_bytes(secret), prev});
    for (size_t j = 0; j < 16; ++j) out[i + j] ^= b[j];
    prev = ByteView(out).subspan(i, 16);
  }
  return out;
}

std::optional<std::string> unhide_password(ByteView hidden, const Authenticator& request_auth,
                                           std::string_view secret) {
  if (hidden.size() < 16 || hidden.size() > 128 || hidden.size() % 16) return std::nullopt;
  std::string out(hidden.size(), '\0');
  ByteView prev = request_auth;
  for (size_t i = 0; i < hidden.size(); i += 16) {
    const crypto::Md5Digest b = md5_of({as_bytes(secret), prev});
    for (size_t j = 0; j < 16; ++j) out[i + j] = static_cast<char>(hidden[i + j] ^ b[j]);
    prev = hidden.subspan(i, 16);
  }
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

Bytes encrypt_salted(ByteView key, uint16_t salt, const Authenticator& request_auth,
                     std::string_view secret) {
  const size_t key_len = std::min<size_t>(key.size(), 255);
  const size_t n = (1 + key_len + 15) / 16 * 16;
  Bytes plain(n, 0);
  plain[0] = static_cast<uint8_t>(key_len);
  std::memcpy(plain.data() + 1, key.data(), key_len);
  Bytes out(2 + n);
  put_u16(out.data(), static_cast<uint16_t>(salt | 0x8000));
  ByteView salt_bytes = ByteView(out).first(2);
  for (size_t i = 0; i < n; i += 16) {
    const crypto::Md5Digest b =
        i == 0 ? md5_of({as_bytes(secret), request_auth, salt_bytes})
               : md5_of({as_bytes(secret), ByteView(out).subspan(2 + i - 16, 16)});
    for (size_t j = 0; j < 16; ++j) out[2 + i + j] = plain[i + j] ^ b[j];
  }
  secure_zero(plain.data(), plain.size());
  return out;
}

std::optional<Bytes> decrypt_salted(ByteView value, const Authenticator& request_auth,
                                    std::string_view secret) {
  if (value.size() < 2 + 16 || (value.size() - 2) % 16 || !(value[0] & 0x80)) return std::nullopt;
  const size_t n = value.size() - 2;
  Bytes plain(n);
  for (size_t i = 0; i < n; i += 16) {
    const crypto::Md5Digest b = i == 0 ? md5_of({as_bytes(secret), request_auth, value.first(2)})
                                       : md5_of({as_bytes(secret), value.subspan(2 + i - 16, 16)});
    for (size_t j = 0; j < 16; ++j) plain[i + j] = value[2 + i + j] ^ b[j];
  }
  std::optional<Bytes> key;
  if (plain[0] <= n - 1) key = Bytes(plain.begin() + 1, plain.begin() + 1 + plain[0]);
  secure_zero(plain.data(), plain.size());
  return key;
}

}  // namespace pptpx::radius
