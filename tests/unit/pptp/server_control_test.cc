// SPDX-License-Identifier: MIT
#include "proto/pptp/server_control.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace pptpx::pptp {
namespace {

using test::events;
using test::parse_all;

class ServerControlTest : public ::testing::Test {
 protected:
  ServerControlTest() : srv(make_cfg(), Logger(sink), t0) {}

  static ServerControlConfig make_cfg() {
    ServerControlConfig c;
    c.host_name = "pptpd";
    c.vendor = "pptpx";
    c.max_channels = 2;
    return c;
  }

  std::vector<Message> feed(const Message& m, Time now) {
    srv.on_bytes(encode(m), now);
    return parse_all(srv.take_output());
  }

  void establish() {
    StartControlConnectionRequest rq;
    rq.framing_capabilities = 3;
    rq.bearer_capabilities = 3;
    rq.maximum_channels = 65535;
    rq.host_name = "local";
    rq.vendor_string = "cananian";
    auto out = feed(rq, t0);
    ASSERT_EQ(out.size(), 1u);
    const auto& rp = std::get<StartControlConnectionReply>(out[0]);
    EXPECT_EQ(rp.result_code, 1);
    EXPECT_EQ(rp.protocol_version, 0x0100);
    EXPECT_EQ(rp.host_name, "pptpd");
    EXPECT_EQ(rp.maximum_channels, 2);
    EXPECT_TRUE(srv.established());
  }

  OutgoingCallRequest ocrq(uint16_t id) {
    OutgoingCallRequest m;
    m.call_id = id;
    m.call_serial_number = 7;
    m.minimum_bps = 2400;
    m.maximum_bps = 10000000;
    m.bearer_type = 3;
    m.framing_type = 3;
    m.packet_recv_window_size = 3;
    return m;
  }

  MemoryLogSink sink;
  Time t0 = Time{} + seconds(1000);
  ServerControl srv;
};

TEST_F(ServerControlTest, FullCallLifecycle) {
  establish();
  EXPECT_TRUE(feed(ocrq(0x1234), t0).empty());
  auto ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  const auto& cr = std::get<CallRequested>(ev[0]);
  EXPECT_EQ(cr.peer_call_id, 0x1234);
  EXPECT_EQ(cr.serial, 7);
  EXPECT_EQ(cr.max_bps, 10000000u);
  EXPECT_EQ(cr.recv_window, 3);

  srv.accept_call(0x1234, 0x8001, 0, t0);
  auto out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 1u);
  const auto& rp = std::get<OutgoingCallReply>(out[0]);
  EXPECT_EQ(rp.call_id, 0x8001);
  EXPECT_EQ(rp.peer_call_id, 0x1234);
  EXPECT_EQ(rp.result_code, 1);
  EXPECT_EQ(rp.connect_speed, 10000000u);
  EXPECT_EQ(rp.packet_recv_window_size, 64);
  EXPECT_EQ(srv.call_count(), 1u);

  feed(SetLinkInfo{0x8001, 0, 0}, t0);
  ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<LinkInfo>(ev[0]).send_accm, 0u);

  out = feed(CallClearRequest{0x1234}, t0);
  ASSERT_EQ(out.size(), 1u);
  const auto& cdn = std::get<CallDisconnectNotify>(out[0]);
  EXPECT_EQ(cdn.call_id, 0x8001);
  EXPECT_EQ(cdn.result_code, 4);
  ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<CallCleared>(ev[0]).our_call_id, 0x8001);
  EXPECT_EQ(std::get<CallCleared>(ev[0]).peer_call_id, 0x1234);
  EXPECT_EQ(srv.call_count(), 0u);

  out = feed(StopControlConnectionRequest{1}, t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StopControlConnectionReply>(out[0]).result_code, 1);
  EXPECT_TRUE(srv.closed());
  ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<Closed>(ev[0]));
  EXPECT_EQ(srv.next_deadline(), kNever);
}

TEST_F(ServerControlTest, BadVersionGetsResult5AndCloses) {
  StartControlConnectionRequest rq;
  rq.protocol_version = 0x0200;
  auto out = feed(rq, t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StartControlConnectionReply>(out[0]).result_code, 5);
  EXPECT_TRUE(srv.closed());
}

TEST_F(ServerControlTest, SecondSccrqGetsResult3) {
  establish();
  auto out = feed(StartControlConnectionRequest{}, t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StartControlConnectionReply>(out[0]).result_code, 3);
  EXPECT_FALSE(srv.closed());
}

TEST_F(ServerControlTest, OcrqBeforeSccrqCloses) {
  EXPECT_TRUE(feed(ocrq(1), t0).empty());
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.stats().unexpected_messages, 1u);
}

TEST_F(ServerControlTest, EstablishTimeout) {
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(60));
  srv.on_timer(t0 + seconds(59));
  EXPECT_FALSE(srv.closed());
  srv.on_timer(t0 + seconds(60));
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.stats().establish_timeouts, 1u);
}

class ServerControlCallTimeout : public ::testing::Test {
 protected:
  static ServerControlConfig make_cfg() {
    ServerControlConfig c;
    c.call_timeout = seconds(10);
    return c;
  }
  MemoryLogSink sink;
  const Time t0 = Time{} + seconds(100);
  ServerControl srv{make_cfg(), Logger(sink), t0};
};

// An established connection that has no call accepted call_timeout later
// is closed: waiting with Echo-Requests alone does not keep it.
TEST_F(ServerControlCallTimeout, ClosesAnEstablishedConnectionWithoutACall) {
  EXPECT_EQ(srv.next_deadline(), t0 + ServerControlConfig{}.establish_timeout);
  srv.on_bytes(encode(StartControlConnectionRequest{}), t0 + seconds(2));
  ASSERT_TRUE(srv.established());
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(12));
  srv.on_bytes(encode(EchoRequest{1}), t0 + seconds(11));
  srv.on_timer(t0 + seconds(11));
  EXPECT_FALSE(srv.closed());
  srv.on_timer(t0 + seconds(12));
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.close_reason(), "no call placed in time");
  EXPECT_EQ(srv.stats().call_timeouts, 1u);
}

// Once a call is accepted the limit is gone, also after the call ends.
TEST_F(ServerControlCallTimeout, AnAcceptedCallLiftsIt) {
  srv.on_bytes(encode(StartControlConnectionRequest{}), t0);
  OutgoingCallRequest oc;
  oc.call_id = 9;
  srv.on_bytes(encode(oc), t0 + seconds(1));
  srv.accept_call(9, 1000, 0, t0 + seconds(1));
  EXPECT_GT(srv.next_deadline(), t0 + seconds(30));  // the next Echo-Request
  srv.on_timer(t0 + seconds(30));
  EXPECT_FALSE(srv.closed());
  EXPECT_EQ(srv.stats().call_timeouts, 0u);
}

TEST_F(ServerControlTest, RejectCall) {
  establish();
  feed(ocrq(5), t0);
  events(srv);
  srv.reject_call(5, 7, 0, t0);
  auto out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 1u);
  const auto& rp = std::get<OutgoingCallReply>(out[0]);
  EXPECT_EQ(rp.result_code, 7);
  EXPECT_EQ(rp.peer_call_id, 5);
  EXPECT_EQ(rp.call_id, 0);
  EXPECT_EQ(srv.call_count(), 0u);
}

TEST_F(ServerControlTest, SeveralCallsAndLimits) {
  establish();
  feed(ocrq(1), t0);
  feed(ocrq(2), t0);
  EXPECT_EQ(events(srv).size(), 2u);
  srv.accept_call(2, 102, 64000, t0);
  srv.accept_call(1, 101, 0, t0);
  auto out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<OutgoingCallReply>(out[0]).call_id, 102);
  EXPECT_EQ(std::get<OutgoingCallReply>(out[0]).connect_speed, 64000u);
  EXPECT_EQ(std::get<OutgoingCallReply>(out[1]).call_id, 101);

  // Over max_channels (2): refused with no-resource, no event.
  out = feed(ocrq(3), t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<OutgoingCallReply>(out[0]).result_code, 2);
  EXPECT_EQ(std::get<OutgoingCallReply>(out[0]).error_code, kErrorNoResource);
  EXPECT_TRUE(events(srv).empty());

  // Reused peer call id: bad call id.
  out = feed(ocrq(1), t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<OutgoingCallReply>(out[0]).error_code, kErrorBadCallId);

  srv.disconnect_call(101, kCdnAdminShutdown, "bye", t0);
  out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 1u);
  const auto& cdn = std::get<CallDisconnectNotify>(out[0]);
  EXPECT_EQ(cdn.call_id, 101);
  EXPECT_EQ(cdn.result_code, 3);
  EXPECT_EQ(cdn.call_statistics, "bye");
  EXPECT_EQ(srv.call_count(), 1u);
  srv.disconnect_call(101, 3, "", t0);  // already gone: nothing
  EXPECT_TRUE(srv.take_output().empty());
}

TEST_F(ServerControlTest, IncomingCallRequestRefused) {
  establish();
  IncomingCallRequest icrq;
  icrq.call_id = 77;
  auto out = feed(icrq, t0);
  ASSERT_EQ(out.size(), 1u);
  const auto& r = std::get<IncomingCallReply>(out[0]);
  EXPECT_EQ(r.result_code, 3);
  EXPECT_EQ(r.peer_call_id, 77);
  EXPECT_EQ(srv.stats().incoming_calls_refused, 1u);
}

TEST_F(ServerControlTest, EchoRequestAnswered) {
  establish();
  auto out = feed(EchoRequest{0xabcdef01}, t0);
  ASSERT_EQ(out.size(), 1u);
  const auto& r = std::get<EchoReply>(out[0]);
  EXPECT_EQ(r.identifier, 0xabcdef01u);
  EXPECT_EQ(r.result_code, 1);
}

TEST_F(ServerControlTest, KeepAliveEchoAndTimeout) {
  establish();
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(60));
  // A received message pushes the idle timer.
  feed(EchoRequest{1}, t0 + seconds(30));
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(90));
  srv.on_timer(t0 + seconds(90));
  auto out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 1u);
  uint32_t id = std::get<EchoRequest>(out[0]).identifier;
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(150));
  // The reply clears it.
  feed(EchoReply{id, 1, 0}, t0 + seconds(100));
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(160));
  srv.on_timer(t0 + seconds(160));
  out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 1u);
  // No reply this time: closed after echo_timeout.
  srv.on_timer(t0 + seconds(219));
  EXPECT_FALSE(srv.closed());
  srv.on_timer(t0 + seconds(220));
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.stats().echo_timeouts, 1u);
  auto ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<Closed>(ev[0]).reason, "no Echo-Reply");
}

TEST_F(ServerControlTest, WanErrorEvent) {
  establish();
  feed(WanErrorNotify{9, 1, 2, 3, 4, 5, 6}, t0);
  auto ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<WanError>(ev[0]).alignment_errors, 6u);
  EXPECT_EQ(srv.stats().wan_errors, 1u);
}

TEST_F(ServerControlTest, BadCookieCloses) {
  establish();
  Bytes b = encode(EchoRequest{1});
  b[5] = 0;
  srv.on_bytes(b, t0);
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.stats().bad_cookie, 1u);
  EXPECT_TRUE(srv.take_output().empty());
}

TEST_F(ServerControlTest, WrongLengthForTypeCloses) {
  establish();
  Bytes b = encode(EchoRequest{1});
  b[9] = 6;  // Echo-Reply is 20 octets
  srv.on_bytes(b, t0);
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.stats().bad_length, 1u);
}

TEST_F(ServerControlTest, UnknownTypeDroppedAndCounted) {
  establish();
  Bytes b = encode(EchoRequest{1});
  b[9] = 16;
  encode(EchoRequest{2}, b);
  srv.on_bytes(b, t0);
  EXPECT_FALSE(srv.closed());
  EXPECT_EQ(srv.stats().unknown_type, 1u);
  auto out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<EchoReply>(out[0]).identifier, 2u);
}

TEST_F(ServerControlTest, ShutdownWaitsForStopReply) {
  establish();
  feed(ocrq(1), t0);
  srv.accept_call(1, 101, 0, t0);
  srv.take_output();
  events(srv);
  srv.shutdown(kStopReasonLocalShutdown, t0);
  auto out = parse_all(srv.take_output());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<CallDisconnectNotify>(out[0]).call_id, 101);
  EXPECT_EQ(std::get<StopControlConnectionRequest>(out[1]).reason, 3);
  EXPECT_FALSE(srv.closed());
  // Echo still answered while waiting.
  out = feed(EchoRequest{4}, t0 + seconds(1));
  ASSERT_EQ(out.size(), 1u);
  feed(StopControlConnectionReply{1, 0}, t0 + seconds(2));
  EXPECT_TRUE(srv.closed());
}

TEST_F(ServerControlTest, ShutdownTimesOut) {
  establish();
  srv.shutdown(kStopReasonNone, t0);
  srv.take_output();
  EXPECT_EQ(srv.next_deadline(), t0 + seconds(60));
  srv.on_timer(t0 + seconds(60));
  EXPECT_TRUE(srv.closed());
  EXPECT_EQ(srv.stats().reply_timeouts, 1u);
}

TEST_F(ServerControlTest, CallClearBeforeAccept) {
  establish();
  feed(ocrq(9), t0);
  events(srv);
  auto out = feed(CallClearRequest{9}, t0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<CallDisconnectNotify>(out[0]).result_code, 4);
  auto ev = events(srv);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<CallCleared>(ev[0]).our_call_id, 0);
  srv.accept_call(9, 1, 0, t0);  // too late: ignored
  EXPECT_TRUE(srv.take_output().empty());
}

}  // namespace
}  // namespace pptpx::pptp
