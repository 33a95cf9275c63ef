// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/ct.h"
#include "base/hex.h"
#include "base/ip.h"
#include "base/text.h"

namespace pptpx {

TEST(Reader, ReadsBigEndianAndFailsPastEnd) {
  const uint8_t data[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
  Reader r(data);
  EXPECT_EQ(r.u16(), 0x1234);
  EXPECT_EQ(r.u16(), 0x5678);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u16(), 0);  // only one byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0);  // failure is sticky
}

TEST(Reader, FixedStringStopsAtNul) {
  const uint8_t data[] = {'a', 'b', 0, 'c', 'd'};
  Reader r(data);
  EXPECT_EQ(r.fixed_string(5), "ab");
  EXPECT_TRUE(r.empty());
}

TEST(Writer, WritesAndPatches) {
  Bytes out;
  Writer w(out);
  w.u16(0);
  w.u32(0xdeadbeef);
  w.fixed_string("abc", 5);
  w.patch_u16(0, static_cast<uint16_t>(w.size()));
  EXPECT_EQ(to_hex(out), "000bdeadbeef6162630000");
}

TEST(ConstantTime, Compares) {
  const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 3}, c[] = {1, 2, 4};
  EXPECT_TRUE(ct_equal(a, b));
  EXPECT_FALSE(ct_equal(a, c));
  EXPECT_FALSE(ct_equal(a, std::span<const uint8_t>(b, 2)));
}

TEST(Hex, RoundTrip) {
  auto b = from_hex("00ffA5");
  ASSERT_TRUE(b);
  EXPECT_EQ(to_hex(*b, true), "00FFA5");
  EXPECT_FALSE(from_hex("0"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(Ipv4, ParseAndFormat) {
  auto a = Ipv4::parse("10.10.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0x0A0A0001u);
  EXPECT_EQ(a->str(), "10.10.0.1");
  EXPECT_FALSE(Ipv4::parse("10.10.0"));
  EXPECT_FALSE(Ipv4::parse("10.10.0.256"));
  EXPECT_FALSE(Ipv4::parse("10.10.0.1x"));
  EXPECT_FALSE(Ipv4::parse(""));
}

TEST(Text, PrintableEscapesWhatIsNotPrintableAscii) {
  EXPECT_EQ(printable("maintenance window"), "maintenance window");
  EXPECT_EQ(printable(std::string_view("a\nb\0c\\\xff", 7)), "a\\x0ab\\x00c\\x5c\\xff");
  EXPECT_EQ(printable(std::string(300, 'x')).size(), 256u + 3);
}

TEST(Text, EscapedKeepsOrdinaryNames) {
  EXPECT_EQ(escaped("alice"), "alice");
  EXPECT_EQ(escaped("john.smith@example.com"), "john.smith@example.com");
  EXPECT_EQ(escaped("John Smith-2_x+y=z,a:b/c%d#e~f"), "John Smith-2_x+y=z,a:b/c%d#e~f");
  EXPECT_EQ(escaped(""), "");
}

TEST(Text, EscapedNamesControlAndQuotingCharacters) {
  EXPECT_EQ(escaped("a\nb"), "a\\nb");
  EXPECT_EQ(escaped("a\r\tb"), "a\\r\\tb");
  EXPECT_EQ(escaped("OFFICE\\alice"), "OFFICE\\\\alice");
  EXPECT_EQ(escaped("it's \"x\""), "it\\'s \\\"x\\\"");
  EXPECT_EQ(escaped(std::string_view("a\0b\x1b[2J\x7f", 8)), "a\\x00b\\x1b[2J\\x7f");
  EXPECT_EQ(escaped("caf\xc3\xa9"), "caf\\xc3\\xa9");
}

TEST(Text, EscapedDefusesShellMetacharacters) {
  EXPECT_EQ(escaped("a;b$(touch /tmp/x)"), "a\\x3bb\\x24\\x28touch /tmp/x\\x29");
  EXPECT_EQ(escaped("`id`|&<>"), "\\x60id\\x60\\x7c\\x26\\x3c\\x3e");
  // Nothing that could end a line or start a command survives; a quote
  // only after a backslash.
  for (int c = 0; c < 256; ++c) {
    std::string out = escaped(std::string(1, static_cast<char>(c)));
    EXPECT_EQ(out.find_first_of(";$`|&<>()"), std::string::npos) << c;
    for (unsigned char o : out) EXPECT_TRUE(o >= 0x20 && o < 0x7f) << c;
    if (c == '"' || c == '\'') {
      EXPECT_EQ(out, std::string("\\") + static_cast<char>(c));
    }
  }
}

TEST(Text, EscapedStopsAtMaxBytes) {
  EXPECT_EQ(escaped(std::string(300, 'x')), std::string(256, 'x') + "...");
  EXPECT_EQ(escaped("abc\n", 3), "abc...");
  EXPECT_EQ(escaped("\n\n", 1), "\\n...");
}

TEST(Text, NonNegativeInt) {
  EXPECT_EQ(parse_non_negative_int("0"), 0);
  EXPECT_EQ(parse_non_negative_int("30"), 30);
  EXPECT_EQ(parse_non_negative_int("2147483647"), 2147483647);
  EXPECT_FALSE(parse_non_negative_int(""));
  EXPECT_FALSE(parse_non_negative_int("-1"));
  EXPECT_FALSE(parse_non_negative_int("2147483648"));
  EXPECT_FALSE(parse_non_negative_int("7 "));
  EXPECT_FALSE(parse_non_negative_int("x"));
}

}  // namespace pptpx
