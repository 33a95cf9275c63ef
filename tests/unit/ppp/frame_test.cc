// SPDX-License-Identifier: MIT
// Frame, packet and option codec tests (RFC 1661, RFC 1662 section 3).
#include "proto/ppp/frame.h"

#include <gtest/gtest.h>

#include "proto/ppp/protocols.h"

namespace pptpx::ppp {
namespace {

TEST(Frame, ParsesAllHeaderForms) {
  const Bytes full{0xFF, 0x03, 0xC0, 0x21, 0x09};
  auto f = parse_frame(full);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->protocol, kProtoLcp);
  EXPECT_EQ(Bytes(f->info.begin(), f->info.end()), Bytes{0x09});

  const Bytes acfc{0x80, 0x21, 0x01};
  f = parse_frame(acfc);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->protocol, kProtoIpcp);
  EXPECT_EQ(f->info.size(), 1u);

  const Bytes pfc{0xFF, 0x03, 0x21, 0x45};
  f = parse_frame(pfc);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->protocol, kProtoIp);
  EXPECT_EQ(f->info[0], 0x45);

  const Bytes both{0xFD, 0x90, 0x00};
  f = parse_frame(both);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->protocol, kProtoMppe);
  EXPECT_EQ(f->info.size(), 2u);
}

TEST(Frame, RejectsBadProtocolFields) {
  EXPECT_FALSE(parse_frame(Bytes{}));
  EXPECT_FALSE(parse_frame(Bytes{0xFF, 0x03}));
  EXPECT_FALSE(parse_frame(Bytes{0xC0}));        // truncated 2-octet protocol
  EXPECT_FALSE(parse_frame(Bytes{0xC0, 0x22}));  // low octet must be odd
}

TEST(Frame, EncodeHonoursCompressionButNeverForLcp) {
  Bytes out;
  encode_frame(kProtoLcp, Bytes{1, 2}, true, true, out);
  EXPECT_EQ(out, (Bytes{0xFF, 0x03, 0xC0, 0x21, 1, 2}));
  out.clear();
  encode_frame(kProtoIp, Bytes{0x45}, true, true, out);
  EXPECT_EQ(out, (Bytes{0x21, 0x45}));
  out.clear();
  encode_frame(kProtoIpcp, Bytes{0x01}, true, true, out);
  EXPECT_EQ(out, (Bytes{0x80, 0x21, 0x01}));
  out.clear();
  encode_frame(kProtoCcp, Bytes{0x01}, false, false, out);
  EXPECT_EQ(out, (Bytes{0xFF, 0x03, 0x80, 0xFD, 0x01}));
}

TEST(Packet, LengthRulesAndPadding) {
  const Bytes padded{0x09, 0x07, 0x00, 0x08, 1, 2, 3, 4, 0xEE, 0xEE};
  auto p = parse_packet(padded);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, 9);
  EXPECT_EQ(p->id, 7);
  EXPECT_EQ(Bytes(p->data.begin(), p->data.end()), (Bytes{1, 2, 3, 4}));  // padding dropped
  EXPECT_FALSE(parse_packet(Bytes{0x09, 0x07, 0x00, 0x09, 1, 2, 3, 4}));  // Length > data
  EXPECT_FALSE(parse_packet(Bytes{0x09, 0x07, 0x00, 0x03}));              // Length < 4
  EXPECT_FALSE(parse_packet(Bytes{0x09, 0x07, 0x00}));
  Bytes out;
  build_packet(2, 5, Bytes{7, 2}, out);
  EXPECT_EQ(out, (Bytes{2, 5, 0, 6, 7, 2}));
}

TEST(Options, ParseAndMalformed) {
  std::vector<Option> opts;
  ASSERT_TRUE(parse_options(Bytes{0x05, 0x06, 1, 2, 3, 4, 0x07, 0x02}, opts));
  ASSERT_EQ(opts.size(), 2u);
  EXPECT_EQ(opts[0].type, 5);
  EXPECT_EQ(opts[0].value.size(), 4u);
  EXPECT_EQ(opts[0].raw.size(), 6u);
  EXPECT_EQ(opts[1].type, 7);
  EXPECT_TRUE(opts[1].value.empty());
  EXPECT_FALSE(parse_options(Bytes{0x05, 0x01}, opts));              // length < 2
  EXPECT_FALSE(parse_options(Bytes{0x05, 0x07, 1, 2, 3, 4}, opts));  // past the end
  EXPECT_FALSE(parse_options(Bytes{0x07}, opts));                    // lone type octet
  EXPECT_TRUE(parse_options(Bytes{}, opts));
  EXPECT_TRUE(opts.empty());
}

}  // namespace
}  // namespace pptpx::ppp
