// SPDX-License-Identifier: MIT
// The RADIUS codec against RFC 2865 section 7.1's packets and vectors
// computed independently from the RFCs' definitions with Python's hashlib
// and hmac (tests/data/radius/make_vectors.py -> vectors.txt): User-Password
// hiding, Message-Authenticator, response and request authenticators, the
// salt encryption of MS-MPPE keys; then the parser on malformed input.
#include "proto/radius/radius.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "base/hex.h"
#include "crypto/crypto.h"

namespace pptpx::radius {
namespace {

constexpr std::string_view kSecret = "xyzzy5461";

Bytes vector(const std::string& name) {
  static const std::map<std::string, Bytes> all = [] {
    std::map<std::string, Bytes> m;
    std::ifstream in(std::string(PPTPX_TEST_DATA) + "/radius/vectors.txt");
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string key, value;
      words >> key >> value;
      if (auto b = from_hex(value)) m[key] = *b;
    }
    return m;
  }();
  auto it = all.find(name);
  EXPECT_NE(it, all.end()) << name;
  return it == all.end() ? Bytes{} : it->second;
}

Authenticator rfc_authenticator() {
  Authenticator a{};
  auto b = from_hex("0f403f9473978057bd83d5cb98f4227a");
  std::copy(b->begin(), b->end(), a.begin());
  return a;
}

// RFC 2865 section 7.1's Access-Request, built.
Packet rfc_request() {
  Packet q;
  q.authenticator = rfc_authenticator();
  q.add(attr::kUserName, std::string_view("nemo"));
  q.add(attr::kUserPassword, hide_password("arctangent", q.authenticator, kSecret));
  q.add_ipv4(attr::kNasIpAddress, Ipv4{0xc0a80110});
  q.add_u32(attr::kNasPort, 3);
  return q;
}

class RadiusTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::init()); }
};

TEST_F(RadiusTest, Rfc2865AccessRequestParsesAndEncodesBack) {
  const Bytes raw = vector("rfc2865_7_1_request");
  ParseResult r = parse(raw);
  ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
  const Packet& p = r.packet;
  EXPECT_EQ(p.code, Code::kAccessRequest);
  EXPECT_EQ(p.id, 0);
  EXPECT_EQ(p.authenticator, rfc_authenticator());
  ASSERT_EQ(p.attributes.size(), 4u);
  EXPECT_EQ(p.string(attr::kUserName), "nemo");
  EXPECT_EQ(p.ipv4(attr::kNasIpAddress), Ipv4{0xc0a80110});
  EXPECT_EQ(p.u32(attr::kNasPort), 3u);
  EXPECT_EQ(unhide_password(p.find(attr::kUserPassword)->value, p.authenticator, kSecret),
            "arctangent");
  EXPECT_EQ(encode(p), raw);

  // Built from scratch, the same octets.
  Packet q = rfc_request();
  EXPECT_EQ(encode(q), raw);
}

TEST_F(RadiusTest, Rfc2865AccessAcceptVerifies) {
  const Bytes raw = vector("rfc2865_7_1_accept");
  const Authenticator ra = rfc_authenticator();
  EXPECT_EQ(verify_response(raw, ra, kSecret, false), Verdict::kOk);
  // Without a Message-Authenticator it is refused where one is required
  // (BlastRADIUS), and with the wrong secret or request it is refused.
  EXPECT_EQ(verify_response(raw, ra, kSecret, true), Verdict::kMissingMessageAuthenticator);
  EXPECT_EQ(verify_response(raw, ra, "xyzzy5462", false), Verdict::kBadAuthenticator);
  Authenticator other = ra;
  other[0] ^= 1;
  EXPECT_EQ(verify_response(raw, other, kSecret, false), Verdict::kBadAuthenticator);
  // One flipped bit anywhere breaks it.
  for (size_t i = 0; i < raw.size(); ++i) {
    Bytes bad = raw;
    bad[i] ^= 0x10;
    EXPECT_NE(verify_response(bad, ra, kSecret, false), Verdict::kOk) << i;
  }
  // encode_response computes the same authenticator.
  ParseResult r = parse(raw);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(encode_response(r.packet, ra, kSecret, false), raw);
}

TEST_F(RadiusTest, PasswordsOfSeveralBlocks) {
  const Authenticator ra = rfc_authenticator();
  const Bytes want = vector("hidden_password_24");
  EXPECT_EQ(hide_password("a password of 24 octets!", ra, kSecret), want);
  EXPECT_EQ(unhide_password(want, ra, kSecret), "a password of 24 octets!");
  EXPECT_EQ(hide_password("", ra, kSecret).size(), 16u);
  EXPECT_EQ(hide_password(std::string(200, 'x'), ra, kSecret).size(), 128u);
  EXPECT_FALSE(unhide_password(ByteView(want).first(20), ra, kSecret));
  EXPECT_FALSE(unhide_password(Bytes(144), ra, kSecret));
}

TEST_F(RadiusTest, AccessRequestCarriesMessageAuthenticatorFirst) {
  Packet q = rfc_request();
  const Bytes raw = encode_access_request(q, kSecret);
  EXPECT_EQ(raw, vector("access_request_with_ma"));
  EXPECT_EQ(verify_access_request(raw, kSecret, true), Verdict::kOk);
  EXPECT_EQ(verify_access_request(raw, "other", true), Verdict::kBadMessageAuthenticator);
  EXPECT_EQ(verify_access_request(vector("rfc2865_7_1_request"), kSecret, true),
            Verdict::kMissingMessageAuthenticator);
}

TEST_F(RadiusTest, AcceptWithMessageAuthenticatorAndMppeKeys) {
  const Bytes raw = vector("accept_with_ma_and_keys");
  const Authenticator ra = rfc_authenticator();
  EXPECT_EQ(verify_response(raw, ra, kSecret, true), Verdict::kOk);
  ParseResult r = parse(raw);
  ASSERT_TRUE(r.ok());
  const Attribute* send = r.packet.find(ms::kMppeSendKey, ms::kVendor);
  ASSERT_NE(send, nullptr);
  EXPECT_EQ(send->value, vector("salted_send_key"));
  auto key = decrypt_salted(send->value, ra, kSecret);
  ASSERT_TRUE(key);
  Bytes want(16);
  for (size_t i = 0; i < 16; ++i) want[i] = static_cast<uint8_t>(0x10 + i);
  EXPECT_EQ(*key, want);
  EXPECT_EQ(encrypt_salted(want, 0x8123, ra, kSecret), send->value);
  EXPECT_EQ(r.packet.string(ms::kChap2Success, ms::kVendor)->substr(0, 3), "\x01S=");
  // Built again: the same octets.
  EXPECT_EQ(encode_response(r.packet, ra, kSecret, true), raw);
  // A Message-Authenticator that is wrong, doubled or of the wrong length.
  Bytes bad = raw;
  bad[25] ^= 1;
  EXPECT_EQ(verify_response(bad, ra, kSecret, true), Verdict::kBadAuthenticator);
  Packet twice = r.packet;
  twice.attributes.push_back(r.packet.attributes[0]);
  EXPECT_EQ(verify_response(encode_response(twice, ra, kSecret, false), ra, kSecret, true),
            Verdict::kBadMessageAuthenticator);
  // Keys that do not decrypt: bad salt bit, wrong length.
  Bytes no_salt_bit = send->value;
  no_salt_bit[0] &= 0x7f;
  EXPECT_FALSE(decrypt_salted(no_salt_bit, ra, kSecret));
  EXPECT_FALSE(decrypt_salted(ByteView(send->value).first(17), ra, kSecret));
  Bytes long_len = encrypt_salted(want, 1, ra, kSecret);
  // With the wrong request authenticator the length octet is garbage:
  // either refused or not the key.
  Authenticator other = ra;
  other[3] ^= 0x55;
  auto wrong = decrypt_salted(long_len, other, kSecret);
  EXPECT_TRUE(!wrong || *wrong != want);
}

TEST_F(RadiusTest, SignedRequests) {
  Packet acct;
  acct.code = Code::kAccountingRequest;
  acct.id = 9;
  acct.add_u32(attr::kAcctStatusType, 1);
  acct.add(attr::kAcctSessionId, std::string_view("00000001"));
  acct.add(attr::kUserName, std::string_view("nemo"));
  const Bytes raw = encode_signed_request(acct, kSecret);
  EXPECT_EQ(raw, vector("accounting_start"));
  EXPECT_EQ(verify_signed_request(raw, kSecret), Verdict::kOk);
  EXPECT_EQ(verify_signed_request(raw, "nope"), Verdict::kBadAuthenticator);

  const Bytes dis = vector("disconnect_request_with_ma");
  EXPECT_EQ(verify_signed_request(dis, kSecret), Verdict::kOk);
  Bytes bad = dis;
  bad.back() ^= 1;  // in the Message-Authenticator: the authenticator breaks first
  EXPECT_EQ(verify_signed_request(bad, kSecret), Verdict::kBadAuthenticator);
  ParseResult r = parse(dis);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.packet.code, Code::kDisconnectRequest);
  EXPECT_EQ(r.packet.string(attr::kUserName), "nemo");
}

TEST_F(RadiusTest, MalformedPacketsAreRefused) {
  const Bytes good = vector("rfc2865_7_1_request");
  EXPECT_EQ(parse(ByteView(good).first(19)).error, ParseError::kTooShort);
  Bytes b = good;
  put_u16(&b[2], 19);
  EXPECT_EQ(parse(b).error, ParseError::kBadLength);
  put_u16(&b[2], 4097);
  EXPECT_EQ(parse(b).error, ParseError::kBadLength);
  put_u16(&b[2], static_cast<uint16_t>(good.size() + 1));
  EXPECT_EQ(parse(b).error, ParseError::kTooShort);
  b = good;
  b[21] = 1;  // an attribute length under 2
  EXPECT_EQ(parse(b).error, ParseError::kBadAttribute);
  b = good;
  b[21] = 60;  // past the end
  EXPECT_EQ(parse(b).error, ParseError::kBadAttribute);
  // Octets past Length are padding.
  b = good;
  b.push_back(0xff);
  ParseResult r = parse(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(encode(r.packet), good);
  // A length that cuts an attribute in two.
  b = good;
  put_u16(&b[2], 21);
  EXPECT_EQ(parse(b).error, ParseError::kBadAttribute);
  // Verifiers refuse what does not parse.
  EXPECT_EQ(verify_response(ByteView(good).first(10), rfc_authenticator(), kSecret, false),
            Verdict::kBadAuthenticator);
}

TEST_F(RadiusTest, VendorAttributesOfOtherLayoutsStayWhole) {
  Packet p;
  p.add(attr::kVendorSpecific, std::string_view("ab"));  // too short for a vendor id
  p.attributes.push_back({0, 9, Bytes{0x01}});           // vendor 9, not type/length
  p.attributes.push_back({0, 0, Bytes{0, 0, 0, 0, 7, 3, 1}});
  p.attributes.push_back({5, ms::kVendor, Bytes(300, 0x61)});  // cut to fit
  const Bytes raw = encode(p);
  ParseResult r = parse(raw);
  ASSERT_TRUE(r.ok());
  // Two sub-attributes in one vendor attribute come out as two.
  Bytes two = {1, 2, 0, 0,  0,  0, 0, 0, 0,  0, 0, 0,   0, 0, 0,   0,   0,
               0, 0, 0, 26, 13, 0, 0, 1, 55, 1, 3, 'x', 2, 4, 'y', 'z', 0};
  put_u16(&two[2], static_cast<uint16_t>(two.size() - 1));
  ParseResult t = parse(two);
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t.packet.attributes.size(), 2u);
  EXPECT_EQ(t.packet.string(1, ms::kVendor), "x");
  EXPECT_EQ(t.packet.string(2, ms::kVendor), "yz");
  // A sub-attribute of type 0 (found by fuzz_radius): the value stays whole,
  // so that it encodes back as it came.
  Bytes zero = two;
  zero[26] = 0;
  ParseResult z = parse(zero);
  ASSERT_TRUE(z.ok());
  ASSERT_EQ(z.packet.attributes.size(), 1u);
  EXPECT_EQ(z.packet.attributes[0].type, 0);
  EXPECT_EQ(z.packet.attributes[0].value.size(), 7u);
  EXPECT_EQ(parse(encode(z.packet)).packet.attributes, z.packet.attributes);
  // Whatever parses encodes to something that parses to the same packet.
  EXPECT_EQ(parse(encode(r.packet)).packet.attributes, r.packet.attributes);
  EXPECT_EQ(r.packet.find(5, ms::kVendor)->value.size(), 247u);
  EXPECT_EQ(r.packet.find(0, 9)->value, Bytes{0x01});
}

}  // namespace
}  // namespace pptpx::radius
