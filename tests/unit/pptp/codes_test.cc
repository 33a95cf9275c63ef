// SPDX-License-Identifier: MIT
// PPTP's result, error and reason codes in words (RFC 2637).
#include "proto/pptp/codes.h"

#include <gtest/gtest.h>

#include "proto/pptp/messages.h"

namespace pptpx::pptp {
namespace {

constexpr auto kSccrp = static_cast<uint16_t>(MessageType::kStartControlConnectionReply);
constexpr auto kOcrp = static_cast<uint16_t>(MessageType::kOutgoingCallReply);
constexpr auto kCdn = static_cast<uint16_t>(MessageType::kCallDisconnectNotify);
constexpr auto kStopCcrq = static_cast<uint16_t>(MessageType::kStopControlConnectionRequest);

TEST(PptpCodes, EveryTableOfRfc2637) {
  EXPECT_EQ(result_text(kSccrp, 1), "success");
  EXPECT_EQ(result_text(kSccrp, 4), "not authorized");
  EXPECT_EQ(result_text(kSccrp, 5), "protocol version not supported");
  EXPECT_EQ(result_text(kOcrp, 3), "no carrier");
  EXPECT_EQ(result_text(kOcrp, 4), "busy");
  EXPECT_EQ(result_text(kOcrp, 7), "do not accept");
  EXPECT_EQ(result_text(kCdn, 1), "lost carrier");
  EXPECT_EQ(result_text(kCdn, 3), "administrative shutdown");
  EXPECT_EQ(result_text(kCdn, 4), "request");
  EXPECT_EQ(result_text(kStopCcrq, 3), "local shutdown");
  EXPECT_EQ(error_text(0), "no error");
  EXPECT_EQ(error_text(4), "no resource");
  EXPECT_EQ(error_text(6), "PAC error");
}

TEST(PptpCodes, UnknownCodesStayNumbers) {
  EXPECT_EQ(result_text(kOcrp, 0), "result 0");
  EXPECT_EQ(result_text(kOcrp, 8), "result 8");
  EXPECT_EQ(result_text(kCdn, 255), "result 255");
  EXPECT_EQ(result_text(0x7fff, 1), "result 1");
  EXPECT_EQ(error_text(7), "error 7");
}

TEST(PptpCodes, DescribeNamesTheErrorOnlyWhenItMeansSomething) {
  EXPECT_EQ(describe_result(kOcrp, 2, 4), "result 2 (general error), error 4 (no resource)");
  EXPECT_EQ(describe_result(kCdn, 3, 0), "result 3 (administrative shutdown)");
  EXPECT_EQ(describe_result(kCdn, 4, 0), "result 4 (request)");
  EXPECT_EQ(describe_result(kCdn, 4, 5), "result 4 (request), error 5 (bad call ID)");
}

TEST(PptpCodes, AFullServerGetsItsHint) {
  EXPECT_NE(call_refusal_hint(2, 4).find("the server is full"), std::string_view::npos);
  EXPECT_FALSE(call_refusal_hint(4, 0).empty());
  EXPECT_TRUE(call_refusal_hint(2, 2).empty());
}

}  // namespace
}  // namespace pptpx::pptp
