// SPDX-License-Identifier: MIT
// Primitive tests: MD4 (RFC 1320 A.5), RC4 (RFC 6229), DES key expansion and
// single-block DES (RFC 2759 9.3), MD5/SHA-1 incremental forms, CHAP-MD5,
// HMAC-MD5 (RFC 2202).
#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include "unit/crypto/test_vectors.h"

namespace pptpx::crypto {
namespace {

using test::hex;
using test::Vectors;

class CryptoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(init()); }
  const Vectors& v = Vectors::get();
};

TEST_F(CryptoTest, VectorFileLoaded) { EXPECT_GT(v.size(), 400u); }

TEST_F(CryptoTest, Md4Rfc1320) {
  int n = 0;
  for (; v.has("md4.vectors." + std::to_string(n) + ".digest"); ++n) {
    std::string p = "md4.vectors." + std::to_string(n) + ".";
    EXPECT_EQ(hex(md4(as_bytes(v.text(p + "message_ascii")))), v.text(p + "digest")) << p;
  }
  EXPECT_EQ(n, 7);
}

// RFC 2202 section 2, test cases 1 and 2, and the empty key and message.
TEST_F(CryptoTest, HmacMd5Rfc2202) {
  const Bytes key1(16, 0x0b);
  EXPECT_EQ(hex(hmac_md5(key1, as_bytes("Hi There"))), "9294727a3638bb1c13f48ef8158bfc9d");
  EXPECT_EQ(hex(hmac_md5(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "750c783e6ab0b503eaa86e310a5db738");
  EXPECT_EQ(hex(hmac_md5({}, {})), "74e6f7298a9c2d168935f58c001bad88");
}

TEST_F(CryptoTest, Md4EmptyMessageLine) {
  // The flattened file keeps "message_ascii = " (empty); guard the parser too.
  EXPECT_EQ(hex(md4({})), "31d6cfe0d16ae931b73c59d7e0c089c0");
}

TEST_F(CryptoTest, Rc4Rfc6229AllKeysAndOffsets) {
  int keys = 0, checks = 0;
  for (; v.has("rc4.vectors." + std::to_string(keys) + ".key"); ++keys) {
    std::string p = "rc4.vectors." + std::to_string(keys) + ".";
    Bytes key = v.bytes(p + "key");
    Rc4 rc4;
    rc4.set_key(key);
    std::vector<uint8_t> stream(4112, 0);
    rc4.apply(stream.data(), stream.size());
    for (int k = 0; v.has(p + "keystream." + std::to_string(k) + ".offset"); ++k) {
      std::string q = p + "keystream." + std::to_string(k) + ".";
      size_t off = std::stoul(v.text(q + "offset"));
      ASSERT_LE(off + 16, stream.size());
      EXPECT_EQ(hex(ByteView(stream.data() + off, 16)), v.text(q + "keystream16"))
          << "key " << hex(key) << " offset " << off;
      ++checks;
    }
  }
  EXPECT_GE(keys, 7);
  EXPECT_EQ(checks, keys * 18);
}

TEST_F(CryptoTest, Rc4RekeyResetsStateAndChangesKeyLength) {
  Rc4 rc4;
  uint8_t a[16] = {}, b[16] = {}, c[16] = {};
  const uint8_t k16[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const uint8_t k5[5] = {1, 2, 3, 4, 5};
  rc4.set_key(k16);
  rc4.apply(a, 16);
  rc4.set_key(k5);
  rc4.apply(b, 16);
  rc4.set_key(k16);
  rc4.apply(c, 16);
  EXPECT_EQ(hex(ByteView(a, 16)), "9ac7cc9a609d1ef7b2932899cde41b97");
  EXPECT_EQ(hex(ByteView(b, 16)), "b2396305f03dc027ccc3524a0a1118a8");
  EXPECT_EQ(hex(ByteView(c, 16)), "9ac7cc9a609d1ef7b2932899cde41b97");
}

TEST_F(CryptoTest, Rc4StreamContinuesAcrossApplyCalls) {
  Rc4 rc4;
  const uint8_t k5[5] = {1, 2, 3, 4, 5};
  rc4.set_key(k5);
  uint8_t x[32] = {};
  rc4.apply(x, 7);
  rc4.apply(x + 7, 25);
  EXPECT_EQ(hex(ByteView(x + 16, 16)), "6982944f18fc82d589c403a47a0d0919");
}

TEST_F(CryptoTest, Rc4IsMovable) {
  Rc4 a;
  const uint8_t k5[5] = {1, 2, 3, 4, 5};
  a.set_key(k5);
  Rc4 b(std::move(a));
  uint8_t x[16] = {};
  b.apply(x, 16);
  EXPECT_EQ(hex(ByteView(x, 16)), "b2396305f03dc027ccc3524a0a1118a8");
}

TEST_F(CryptoTest, DesKeyExpansionRfc2759) {
  auto k1 = v.bytes("des_key_expansion.raw_key_1");
  auto k2 = v.bytes("des_key_expansion.raw_key_2");
  ASSERT_EQ(k1.size(), 7u);
  ASSERT_EQ(k2.size(), 7u);
  EXPECT_EQ(hex(des_expand_key(k1.data())), v.text("des_key_expansion.parity_key_1"));
  EXPECT_EQ(hex(des_expand_key(k2.data())), v.text("des_key_expansion.parity_key_2"));
}

TEST_F(CryptoTest, DesSingleBlock) {
  // The key of RFC 2759 9.3, expanded: DES-ECB(fd0b5b5e7f6e34d9, 0^8) =
  // 8293b5084955dfc3 (openssl verified).
  const uint8_t key7[7] = {0xfc, 0x15, 0x6a, 0xf7, 0xed, 0xcd, 0x6c};
  const uint8_t zero[8] = {};
  EXPECT_EQ(hex(des_encrypt(key7, zero)), "8293b5084955dfc3");
}

TEST_F(CryptoTest, Sha1AndMd5OneShotAndIncremental) {
  EXPECT_EQ(hex(sha1(as_bytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(md5(as_bytes("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  Sha1 s;
  s.update(as_bytes("a"));
  s.update(as_bytes("bc"));
  EXPECT_EQ(hex(s.final()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  // final() resets: the next message is independent of the previous one.
  s.update(as_bytes("abc"));
  EXPECT_EQ(hex(s.final()), "a9993e364706816aba3e25717850c26c9cd0d89d");
  Sha1 moved(std::move(s));
  EXPECT_EQ(hex(moved.final()), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  Md5 m;
  m.update(as_bytes("ab"));
  m.update(as_bytes("c"));
  EXPECT_EQ(hex(m.final()), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(m.final()), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_F(CryptoTest, ChapMd5Rfc1994) {
  Bytes in = v.bytes("chap_md5.identifier");
  Writer w(in);
  w.text(v.text("chap_md5.secret_ascii"));
  w.bytes(v.bytes("chap_md5.challenge"));
  EXPECT_EQ(hex(in), v.text("chap_md5.md5_input"));
  EXPECT_EQ(hex(md5(in)), v.text("chap_md5.response_value"));
}

TEST_F(CryptoTest, SystemRngFillsAndDiffers) {
  SystemRng rng;
  std::array<uint8_t, 32> a{}, b{};
  rng.fill(a);
  rng.fill(b);
  EXPECT_NE(a, b);
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));
}

}  // namespace
}  // namespace pptpx::crypto
