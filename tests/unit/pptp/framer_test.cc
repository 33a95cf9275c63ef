// SPDX-License-Identifier: MIT
#include "proto/pptp/framer.h"

#include <gtest/gtest.h>

namespace pptpx::pptp {
namespace {

TEST(Framer, SplitAndCoalescedReads) {
  Bytes stream = encode(EchoRequest{1});
  encode(StartControlConnectionRequest{}, stream);
  encode(EchoReply{2, 1, 0}, stream);
  // Feed one octet at a time, then all at once; both must yield 3 messages.
  for (size_t chunk : {size_t{1}, size_t{5}, stream.size()}) {
    Framer f;
    std::vector<Bytes> got;
    for (size_t i = 0; i < stream.size(); i += chunk) {
      f.push(ByteView(stream).subspan(i, std::min(chunk, stream.size() - i)));
      while (auto m = f.next()) got.emplace_back(m->begin(), m->end());
    }
    ASSERT_EQ(got.size(), 3u) << chunk;
    EXPECT_EQ(got[0].size(), 16u);
    EXPECT_EQ(got[1].size(), 156u);
    EXPECT_EQ(got[2].size(), 20u);
    EXPECT_FALSE(f.failed());
    EXPECT_EQ(f.buffered(), 0u);
  }
}

TEST(Framer, BadCookieIsFatal) {
  Bytes b = encode(EchoRequest{1});
  b[7] ^= 1;
  Framer f;
  f.push(b);
  EXPECT_FALSE(f.next());
  EXPECT_EQ(f.error(), FramerError::kBadCookie);
  f.push(encode(EchoRequest{1}));
  EXPECT_FALSE(f.next());  // sticky
}

TEST(Framer, ImpossibleLengthsAreFatal) {
  for (uint16_t len : {uint16_t{0}, uint16_t{11}, uint16_t{221}, uint16_t{0xffff}}) {
    Bytes b = encode(EchoRequest{1});
    put_u16(b.data(), len);
    Framer f;
    f.push(b);
    EXPECT_FALSE(f.next());
    EXPECT_EQ(f.error(), FramerError::kBadLength) << len;
  }
}

TEST(Framer, WaitsForHeaderAndBody) {
  Bytes b = encode(EchoRequest{1});
  Framer f;
  f.push(ByteView(b).first(11));
  EXPECT_FALSE(f.next());
  f.push(ByteView(b).subspan(11, 4));
  EXPECT_FALSE(f.next());
  EXPECT_FALSE(f.failed());
  f.push(ByteView(b).subspan(15));
  auto m = f.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->size(), 16u);
}

}  // namespace
}  // namespace pptpx::pptp
