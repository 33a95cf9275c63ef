// SPDX-License-Identifier: MIT
#include "proto/ppp/dump.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "proto/ppp/protocols.h"

namespace pptpx::ppp {
namespace {

std::string describe_hex(uint16_t proto, const char* hex) {
  auto b = from_hex(hex);
  return describe_packet(proto, *b);
}

TEST(Dump, LcpConfigureRequestLikePppd) {
  // ppp_computed.lcp_configure_request_example of the test vectors.
  EXPECT_EQ(describe_hex(kProtoLcp, "01010017010405780305c2238105060102030407020802"),
            "[LCP ConfReq id=0x1 <mru 1400> <auth chap MS-v2> <magic 0x01020304> <pcomp> "
            "<accomp>]");
}

TEST(Dump, CcpAndIpcp) {
  EXPECT_EQ(describe_hex(kProtoCcp, "0101000a120601000040"),
            "[CCP ConfReq id=0x1 <mppe +H -M +S -L -D -C>]");
  EXPECT_EQ(describe_hex(kProtoIpcp, "0302000a03060a0a000a"),
            "[IPCP ConfNak id=0x2 <addr 10.10.0.10>]");
}

TEST(Dump, NeverShowsPapPassword) {
  // PAP AuthReq: user "u1", password "hunter2".
  std::string d = describe_hex(kProtoPap, "0107000f0275310768756e74657232");
  EXPECT_EQ(d, "[PAP AuthReq id=0x7 user=\"u1\" password=<hidden>]");
  EXPECT_EQ(d.find("hunter2"), std::string::npos);
}

TEST(Dump, MalformedIsSaidSo) {
  EXPECT_EQ(describe_hex(kProtoLcp, "0101"), "[LCP <malformed>]");
  EXPECT_EQ(describe_hex(kProtoLcp, "0101ff00"), "[LCP <malformed>]");
  EXPECT_EQ(describe_hex(kProtoLcp, "010100060109"), "[LCP ConfReq id=0x1 <malformed options>]");
}

}  // namespace
}  // namespace pptpx::ppp
