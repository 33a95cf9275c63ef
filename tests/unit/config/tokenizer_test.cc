// SPDX-License-Identifier: MIT
#include "config/tokenizer.h"

#include <gtest/gtest.h>

namespace pptpx::config {
namespace {

std::vector<std::string> texts(std::string_view in, Diagnostics* d = nullptr) {
  Diagnostics local;
  std::vector<std::string> out;
  for (auto& w : tokenize(in, "f", d ? *d : local)) out.push_back(w.text);
  return out;
}

using V = std::vector<std::string>;

TEST(Tokenizer, SplitsOnWhitespace) { EXPECT_EQ(texts(" a\tb\n\nc  "), (V{"a", "b", "c"})); }

TEST(Tokenizer, CommentsRunToNewlineAndEndWords) {
  EXPECT_EQ(texts("a # b c\nd"), (V{"a", "d"}));
  EXPECT_EQ(texts("foo#bar\nx"), (V{"foo", "x"}));
  EXPECT_EQ(texts("#only"), V{});
}

TEST(Tokenizer, QuotesConcatenateAndKeepSpecials) {
  EXPECT_EQ(texts("ab\"c d\"e"), (V{"abc de"}));
  EXPECT_EQ(texts("'x # y' z"), (V{"x # y", "z"}));
  EXPECT_EQ(texts("\"it's\" 'say \"hi\"'"), (V{"it's", "say \"hi\""}));
  EXPECT_EQ(texts("\"a\nb\" c"), (V{"a\nb", "c"}));
}

TEST(Tokenizer, EmptyQuotedWordExceptAtEof) {
  EXPECT_EQ(texts("\"\" x"), (V{"", "x"}));
  EXPECT_EQ(texts("x \"\""), (V{"x"}));
  EXPECT_EQ(texts("x \"\"\n"), (V{"x", ""}));
}

TEST(Tokenizer, UnterminatedQuoteWarnsAndKeepsWord) {
  Diagnostics d;
  EXPECT_EQ(texts("a \"b c", &d), (V{"a", "b c"}));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].is_error);
  EXPECT_EQ(d[0].str(), "f:1: quoted word runs to end of file");
}

TEST(Tokenizer, Escapes) {
  EXPECT_EQ(texts("\\a\\b\\f\\n\\r\\t\\s"), (V{"\a\b\f\n\r\t "}));
  EXPECT_EQ(texts("\\101\\1012 \\x41\\x4a\\x4G"), (V{"AA2", "AJ\x04G"}));
  EXPECT_EQ(texts("\\u\\\\\\\"\\'\\#x"), (V{"u\\\"'#x"}));
  EXPECT_EQ(texts("\"q\\\"q\""), (V{"q\"q"}));
  EXPECT_EQ(texts("DOMAIN\\user DOMAIN\\\\user"), (V{"DOMAINuser", "DOMAIN\\user"}));
  EXPECT_EQ(texts("a\\ b"), (V{"a b"}));
  // An escaped NUL ends the C string.
  EXPECT_EQ(texts("ab\\0cd e"), (V{"ab", "e"}));
}

TEST(Tokenizer, WordsSayWhetherAnEscapeIsInThem) {
  Diagnostics d;
  auto ws = tokenize("plain a\\tb \"q\\\\\" c\\\nd '#'", "f", d);
  ASSERT_EQ(ws.size(), 5u);
  std::vector<bool> escaped;
  escaped.reserve(ws.size());
  for (const auto& w : ws) escaped.push_back(w.escaped);
  EXPECT_EQ(escaped, (std::vector<bool>{false, true, true, false, false}));
}

TEST(Tokenizer, BackslashNewlineContinues) {
  EXPECT_EQ(texts("ab\\\ncd ef"), (V{"abcd", "ef"}));
  Diagnostics d;
  auto ws = tokenize("a\\\nb c\nd", "f", d);
  ASSERT_EQ(ws.size(), 3u);
  EXPECT_EQ(ws[1].text, "c");
  EXPECT_EQ(ws[1].line, 2);
  EXPECT_FALSE(ws[1].first_on_line);
  EXPECT_EQ(ws[2].line, 3);
  EXPECT_TRUE(ws[2].first_on_line);
}

TEST(Tokenizer, LinesAndFirstOnLine) {
  Diagnostics d;
  auto ws = tokenize("a b\n  c # x\n\n\"d\ne\" f", "f", d);
  ASSERT_EQ(ws.size(), 5u);
  EXPECT_TRUE(ws[0].first_on_line);
  EXPECT_FALSE(ws[1].first_on_line);
  EXPECT_TRUE(ws[2].first_on_line);
  EXPECT_EQ(ws[2].line, 2);
  EXPECT_EQ(ws[3].line, 4);
  EXPECT_TRUE(ws[3].first_on_line);
  EXPECT_EQ(ws[4].line, 5);
  EXPECT_FALSE(ws[4].first_on_line);
}

TEST(Tokenizer, LongWordsAreTruncated) {
  Diagnostics d;
  auto ws = tokenize(std::string(2000, 'a') + " b", "f", d);
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0].text.size(), 1023u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].is_error);
}

}  // namespace
}  // namespace pptpx::config
