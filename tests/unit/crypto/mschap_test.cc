// SPDX-License-Identifier: MIT
// MS-CHAP v1/v2 (RFC 2433 B, RFC 2759 9) and MPPE key derivation (RFC 3079
// 2.5 and 3.5, plus the computed chains in tests/data/crypto/vectors.txt).
#include "crypto/mschap.h"

#include <gtest/gtest.h>

#include "crypto/mppe_keys.h"
#include "unit/crypto/test_vectors.h"

namespace pptpx::crypto {
namespace {

using test::hex;
using test::Vectors;

class MschapTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(init()); }
  const Vectors& v = Vectors::get();
};

TEST_F(MschapTest, Utf16le) {
  EXPECT_EQ(hex(utf16le("clientPass")), v.text("mschapv2.password_utf16le"));
  EXPECT_EQ(hex(utf16le("MyPw")), v.text("mschapv1.password_utf16le"));
  EXPECT_EQ(hex(utf16le("\xc3\xa9")), "e900");              // U+00E9
  EXPECT_EQ(hex(utf16le("\xe2\x82\xac")), "ac20");          // U+20AC
  EXPECT_EQ(hex(utf16le("\xf0\x9f\x98\x80")), "3dd800de");  // U+1F600 surrogate pair
  EXPECT_EQ(hex(utf16le("\xe9t")), "e9007400");             // invalid: widened
  EXPECT_EQ(hex(utf16le("\xc0\xafx")), "c000af007800");     // overlong: widened
  EXPECT_EQ(hex(utf16le("\xed\xa0\x80")), "ed00a0008000");  // encoded surrogate
  EXPECT_EQ(hex(utf16le("\xe2\x82")), "e2008200");          // truncated
  EXPECT_EQ(hex(utf16le("")), "");
}

TEST_F(MschapTest, StripDomain) {
  EXPECT_EQ(strip_domain("DOMAIN\\User"), "User");
  EXPECT_EQ(strip_domain("A\\B\\User"), "User");
  EXPECT_EQ(strip_domain("User"), "User");
  EXPECT_EQ(strip_domain("User\\"), "");
}

TEST_F(MschapTest, Mschapv2Rfc2759) {
  auto auth = v.array<16>("mschapv2.authenticator_challenge");
  auto peer = v.array<16>("mschapv2.peer_challenge");
  std::string user = v.text("mschapv2.username_ascii");
  std::string pw = v.text("mschapv2.password_ascii");
  NtHash h = nt_password_hash(pw);
  EXPECT_EQ(hex(h), v.text("mschapv2.nt_password_hash"));
  EXPECT_EQ(hex(hash_nt_password_hash(h)), v.text("mschapv2.password_hash_hash"));
  EXPECT_EQ(hex(challenge_hash(peer, auth, user)), v.text("mschapv2.challenge"));
  EXPECT_EQ(hex(challenge_hash(peer, auth, "DOMAIN\\" + user)), v.text("mschapv2.challenge"));
  Response24 nt = generate_nt_response(auth, peer, user, h);
  EXPECT_EQ(hex(nt), v.text("mschapv2.nt_response"));
  AuthenticatorResponse ar = generate_authenticator_response(h, nt, peer, auth, user);
  EXPECT_EQ(hex(ar), v.text("mschapv2.authenticator_response_digest"));
  EXPECT_EQ(authenticator_response_string(ar), v.text("mschapv2.authenticator_response_ascii"));
}

TEST_F(MschapTest, Mschapv1Rfc2433) {
  NtHash h = nt_password_hash(v.text("mschapv1.password_ascii"));
  EXPECT_EQ(hex(h), v.text("mschapv1.nt_password_hash"));
  auto ch = v.array<8>("mschapv1.challenge");
  EXPECT_EQ(hex(mschap1_nt_response(ch, h)), v.text("mschapv1.nt_challenge_response"));
  EXPECT_EQ(hex(challenge_response(ch, h)), v.text("mschapv1.nt_challenge_response"));
}

TEST_F(MschapTest, LmPasswordHashRfc3079) {
  // RFC 3079 2.5: the LM hash of "clientPass" (upper-cased to CLIENTPASS).
  EXPECT_EQ(hex(lm_password_hash("clientPass")),
            v.text("mppe_mschapv1.samples.40.lm_password_hash"));
  EXPECT_EQ(hex(lm_password_hash("CLIENTPASS")),
            v.text("mppe_mschapv1.samples.40.lm_password_hash"));
}

TEST_F(MschapTest, MppeMschapv2Rfc3079Samples) {
  for (int bits : {40, 56, 128}) {
    std::string p = "mppe_mschapv2.samples." + std::to_string(bits) + ".";
    SCOPED_TRACE(bits);
    NtHash h = nt_password_hash("clientPass");
    EXPECT_EQ(hex(h), v.text(p + "password_hash"));
    auto nt = v.array<24>(p + "nt_response");
    Key16 master = mschap2_master_key(hash_nt_password_hash(h), nt);
    EXPECT_EQ(hex(master), v.text(p + "master_key"));
    Key16 send = mschap2_asymmetric_start_key(master, true, true);
    size_t n = bits == 128 ? 16 : 8;
    EXPECT_EQ(hex(ByteView(send.data(), n)), v.text(p + "send_start_key"));
    uint8_t session[16] = {};
    get_new_key_from_sha(send.data(), send.data(), n, session);
    reduce_key(session, bits);
    EXPECT_EQ(hex(ByteView(session, n)), v.text(p + "send_session_key"));
    Rc4 rc4;
    rc4.set_key(ByteView(session, n));
    const std::string plain = v.text(p + "plaintext_ascii");
    Bytes msg(plain.begin(), plain.end());
    rc4.apply(msg.data(), msg.size());
    std::string want = v.has(p + "rc4_send_session_key_test_message_corrected")
                           ? v.text(p + "rc4_send_session_key_test_message_corrected")
                           : v.text(p + "rc4_send_session_key_test_message");
    EXPECT_EQ(hex(msg), want);
  }
}

TEST_F(MschapTest, MppeStartKeysBothRoles) {
  NtHash h = nt_password_hash("clientPass");
  auto nt = v.array<24>("mschapv2.nt_response");
  MppeStartKeys server = mschap2_start_keys(h, nt, true);
  MppeStartKeys client = mschap2_start_keys(h, nt, false);
  EXPECT_TRUE(server.valid);
  EXPECT_EQ(hex(server.send),
            v.text("mppe_computed.128.server_send_start_key__client_receive_start_key"));
  EXPECT_EQ(hex(server.recv),
            v.text("mppe_computed.128.server_receive_start_key__client_send_start_key"));
  EXPECT_EQ(client.send, server.recv);
  EXPECT_EQ(client.recv, server.send);
  EXPECT_EQ(hex(ByteView(server.send64.data(), 8)),
            v.text("mppe_computed.40.server_send_start_key__client_receive_start_key"));
  EXPECT_EQ(hex(ByteView(server.recv64.data(), 8)),
            v.text("mppe_computed.40.server_receive_start_key__client_send_start_key"));
  EXPECT_EQ(hex(ByteView(client.send64.data(), 8)),
            v.text("mppe_computed.40.server_receive_start_key__client_send_start_key"));
}

TEST_F(MschapTest, MppeComputedInitialKeysAndChanges) {
  NtHash h = nt_password_hash("clientPass");
  auto nt = v.array<24>("mschapv2.nt_response");
  MppeStartKeys server = mschap2_start_keys(h, nt, true);
  for (int bits : {40, 56, 128}) {
    SCOPED_TRACE(bits);
    std::string p = "mppe_computed." + std::to_string(bits) + ".";
    size_t n = bits == 128 ? 16 : 8;
    const uint8_t* ss = bits == 128 ? server.send.data() : server.send64.data();
    const uint8_t* rs = bits == 128 ? server.recv.data() : server.recv64.data();
    uint8_t key[16] = {};
    get_new_key_from_sha(rs, rs, n, key);
    reduce_key(key, bits);
    EXPECT_EQ(hex(ByteView(key, n)), v.text(p + "server_receive_initial_session_key"));
    get_new_key_from_sha(ss, ss, n, key);
    reduce_key(key, bits);
    EXPECT_EQ(hex(ByteView(key, n)), v.text(p + "server_send_initial_session_key"));
    Sha1 sha;
    for (int i = 0; i < 3; ++i) {
      uint8_t interim[16] = {};
      get_new_key_from_sha(sha, ss, key, n, interim);
      std::copy(interim, interim + n, key);
      Rc4 rc4;
      rc4.set_key(ByteView(interim, n));
      rc4.apply(key, n);
      reduce_key(key, bits);
      EXPECT_EQ(hex(ByteView(key, n)),
                v.text(p + "server_send_key_changes_1_to_3." + std::to_string(i)));
    }
  }
}

TEST_F(MschapTest, MppeMschapv1Rfc3079) {
  NtHash h = nt_password_hash("clientPass");
  NtHash lm = lm_password_hash("clientPass");
  auto ch = v.array<8>("mppe_mschapv1.samples.128.challenge");
  MppeStartKeys k = mschap1_start_keys(h, lm, ch);
  ASSERT_TRUE(k.valid);
  EXPECT_EQ(hex(k.send), v.text("mppe_mschapv1.samples.128.initial_session_key_step4_copy"));
  EXPECT_EQ(k.send, k.recv);
  uint8_t key[16] = {};
  get_new_key_from_sha(k.send.data(), k.send.data(), 16, key);
  EXPECT_EQ(hex(ByteView(key, 16)), v.text("mppe_mschapv1.samples.128.current_session_key_step5"));
  for (int bits : {40, 56}) {
    std::string p = "mppe_mschapv1.samples." + std::to_string(bits) + ".";
    get_new_key_from_sha(k.send64.data(), k.send64.data(), 8, key);
    EXPECT_EQ(hex(ByteView(key, 8)), v.text(p + "getkey_8"));
    reduce_key(key, bits);
    EXPECT_EQ(hex(ByteView(key, 8)), v.text(p + "session_key"));
  }
}

}  // namespace
}  // namespace pptpx::crypto
