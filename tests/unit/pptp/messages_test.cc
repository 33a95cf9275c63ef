// SPDX-License-Identifier: MIT
#include "proto/pptp/messages.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "vectors.h"

namespace pptpx::pptp {
namespace {

Bytes vec(const std::string& name) {
  static const auto v =
      test::load_vectors(std::string(PPTPX_TEST_DATA) + "/pptp/pptp_computed.txt");
  auto it = v.find(name);
  EXPECT_NE(it, v.end()) << name;
  return it == v.end() ? Bytes{} : it->second;
}

TEST(Messages, LengthTable) {
  const size_t expected[] = {156, 156, 16, 16, 16, 20, 168, 32, 220, 24, 28, 16, 148, 40, 24};
  for (uint16_t t = 1; t <= 15; ++t) EXPECT_EQ(message_length(t), expected[t - 1]) << t;
  EXPECT_EQ(message_length(0), 0u);
  EXPECT_EQ(message_length(16), 0u);
}

TEST(Messages, SccrqVector) {
  StartControlConnectionRequest m;
  m.framing_capabilities = 1;
  m.bearer_capabilities = 1;
  m.host_name = "client";
  m.vendor_string = "vendor";
  Bytes wire = vec("sccrq_example");
  EXPECT_EQ(to_hex(encode(m)), to_hex(wire));
  DecodeResult d = decode(wire);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d.reserved_nonzero);
  EXPECT_EQ(std::get<StartControlConnectionRequest>(d.message), m);
}

TEST(Messages, EchoRequestVector) {
  Bytes wire = vec("echo_request_example");
  EXPECT_EQ(to_hex(encode(EchoRequest{0x12345678})), to_hex(wire));
  DecodeResult d = decode(wire);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<EchoRequest>(d.message).identifier, 0x12345678u);
}

TEST(Messages, OutgoingCallRequestVector) {
  OutgoingCallRequest m;
  m.call_id = 0x1234;
  m.call_serial_number = 1;
  m.minimum_bps = 300;
  m.maximum_bps = 100000000;
  m.bearer_type = 3;
  m.framing_type = 3;
  m.packet_recv_window_size = 64;
  Bytes wire = vec("outgoing_call_request_example");
  EXPECT_EQ(to_hex(encode(m)), to_hex(wire));
  DecodeResult d = decode(wire);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<OutgoingCallRequest>(d.message), m);
}

TEST(Messages, OutgoingCallReplyVector) {
  OutgoingCallReply m;
  m.call_id = 0x8001;
  m.peer_call_id = 0x1234;
  m.result_code = 1;
  m.connect_speed = 100000000;
  m.packet_recv_window_size = 64;
  Bytes wire = vec("outgoing_call_reply_example");
  EXPECT_EQ(to_hex(encode(m)), to_hex(wire));
  DecodeResult d = decode(wire);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<OutgoingCallReply>(d.message), m);
}

TEST(Messages, EveryTypeRoundTripsAtExactLength) {
  std::vector<Message> all = {
      StartControlConnectionRequest{0x0100, 3, 3, 65535, 1, "local", "cananian"},
      StartControlConnectionReply{0x0100, 1, 0, 3, 3, 1, 1, "srv", "pptpx"},
      StopControlConnectionRequest{3},
      StopControlConnectionReply{1, 0},
      EchoRequest{7},
      EchoReply{7, 1, 0},
      OutgoingCallRequest{1, 2, 2400, 10000000, 3, 3, 3, 0, 3, "123", "sub"},
      OutgoingCallReply{9, 1, 1, 0, 0, 10000000, 64, 0, 5},
      IncomingCallRequest{1, 2, 1, 3, 3, 4, "555", "1234", "x"},
      IncomingCallReply{1, 2, 3, 0, 16, 0},
      IncomingCallConnected{2, 64000, 16, 0, 1},
      CallClearRequest{0x1234},
      CallDisconnectNotify{0x8001, 4, 0, 0, "stats"},
      WanErrorNotify{5, 1, 2, 3, 4, 5, 6},
      SetLinkInfo{5, 0, 0xffffffff},
  };
  for (const Message& m : all) {
    Bytes b = encode(m);
    uint16_t t = message_type(m);
    EXPECT_EQ(b.size(), message_length(t)) << message_name(t);
    EXPECT_EQ(get_u16(b.data()), b.size());
    EXPECT_EQ(get_u16(b.data() + 8), t);
    DecodeResult d = decode(b);
    ASSERT_TRUE(d.ok()) << message_name(t);
    EXPECT_EQ(d.message, m) << message_name(t);
  }
}

TEST(Messages, DecodeErrors) {
  Bytes good = encode(EchoRequest{1});
  EXPECT_EQ(decode(ByteView(good).first(11)).error, DecodeError::kTruncated);
  EXPECT_EQ(decode(ByteView(good).first(15)).error, DecodeError::kTruncated);

  Bytes b = good;
  b[4] = 0x1b;
  EXPECT_EQ(decode(b).error, DecodeError::kBadCookie);

  b = good;
  b[3] = 2;  // management message
  EXPECT_EQ(decode(b).error, DecodeError::kBadMessageType);

  b = good;
  b[9] = 16;
  EXPECT_EQ(decode(b).error, DecodeError::kUnknownType);
  b[9] = 0;
  EXPECT_EQ(decode(b).error, DecodeError::kUnknownType);

  // An Echo-Request claiming to be an Echo-Reply (20) with 16 octets.
  b = good;
  b[9] = 6;
  EXPECT_EQ(decode(b).error, DecodeError::kBadLength);

  // Length field shorter than the data.
  b = good;
  b.push_back(0);
  EXPECT_EQ(decode(b).error, DecodeError::kBadLength);
  b[1] = 17;
  EXPECT_EQ(decode(b).error, DecodeError::kBadLength);  // exact length per type
}

TEST(Messages, ReservedNonZeroAccepted) {
  Bytes b = encode(CallClearRequest{0x42});
  b[11] = 1;  // Reserved0
  DecodeResult d = decode(b);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.reserved_nonzero);
  b[11] = 0;
  b[15] = 9;  // Reserved1
  d = decode(b);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.reserved_nonzero);
  EXPECT_EQ(std::get<CallClearRequest>(d.message).call_id, 0x42);
}

TEST(Messages, FullWidthStringsNeedNoNul) {
  StartControlConnectionRequest m;
  m.host_name = std::string(80, 'h');  // truncated to 64 on the wire
  Bytes b = encode(m);
  ASSERT_EQ(b.size(), 156u);
  DecodeResult d = decode(b);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(std::get<StartControlConnectionRequest>(d.message).host_name, std::string(64, 'h'));
}

}  // namespace
}  // namespace pptpx::pptp
