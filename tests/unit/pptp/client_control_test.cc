// SPDX-License-Identifier: MIT
#include "proto/pptp/client_control.h"

#include <gtest/gtest.h>

#include "proto/pptp/server_control.h"
#include "test_util.h"

namespace pptpx::pptp {
namespace {

using test::events;
using test::parse_all;

const Time t0 = Time{} + seconds(5000);

// Moves bytes both ways until neither side has anything to say.
void pump(ClientControl& c, ServerControl& s, Time now) {
  for (int i = 0; i < 20; ++i) {
    Bytes a = c.take_output();
    Bytes b = s.take_output();
    if (a.empty() && b.empty()) return;
    if (!a.empty()) s.on_bytes(a, now);
    if (!b.empty()) c.on_bytes(b, now);
  }
  FAIL() << "no quiescence";
}

CallParams call(uint16_t id) {
  CallParams p;
  p.call_id = id;
  p.serial = 3;
  p.recv_window = 16;
  return p;
}

TEST(ClientControl, SendsSccrqAndTimesOut) {
  ClientControl c(ClientControlConfig{}, Logger(), t0);
  c.start(t0);
  auto out = parse_all(c.take_output());
  ASSERT_EQ(out.size(), 1u);
  const auto& rq = std::get<StartControlConnectionRequest>(out[0]);
  EXPECT_EQ(rq.protocol_version, 0x0100);
  EXPECT_EQ(rq.host_name, "local");
  EXPECT_EQ(c.next_deadline(), t0 + seconds(60));
  c.on_timer(t0 + seconds(60));
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.close_reason(), "no Start-Control-Connection-Reply");
}

TEST(ClientServer, CallSetupAndClientTeardown) {
  ServerControl s(ServerControlConfig{}, Logger(), t0);
  ClientControl c(ClientControlConfig{}, Logger(), t0);
  c.place_call(call(0x1234), t0);  // queued until established
  c.start(t0);
  pump(c, s, t0);
  auto sev = events(s);
  ASSERT_EQ(sev.size(), 1u);
  const auto& rq = std::get<CallRequested>(sev[0]);
  EXPECT_EQ(rq.peer_call_id, 0x1234);
  EXPECT_EQ(rq.recv_window, 16);
  s.accept_call(0x1234, 0x8001, 0, t0);
  pump(c, s, t0);

  auto cev = events(c);
  ASSERT_EQ(cev.size(), 2u);
  EXPECT_EQ(std::get<Established>(cev[0]).peer_host_name, "pptpx");
  const auto& cc = std::get<CallConnected>(cev[1]);
  EXPECT_EQ(cc.our_call_id, 0x1234);
  EXPECT_EQ(cc.peer_call_id, 0x8001);
  EXPECT_EQ(cc.recv_window, 64);
  EXPECT_EQ(cc.connect_speed, 10000000u);

  c.set_link_info(0x1234, 0, 0);
  pump(c, s, t0);
  sev = events(s);
  ASSERT_EQ(sev.size(), 1u);
  EXPECT_EQ(std::get<LinkInfo>(sev[0]).our_call_id, 0x8001);

  c.hangup(t0);
  pump(c, s, t0);
  sev = events(s);
  ASSERT_EQ(sev.size(), 2u);
  EXPECT_EQ(std::get<CallCleared>(sev[0]).our_call_id, 0x8001);
  EXPECT_TRUE(std::holds_alternative<Closed>(sev[1]));
  cev = events(c);
  ASSERT_EQ(cev.size(), 2u);
  EXPECT_EQ(std::get<CallDisconnected>(cev[0]).result, 4);
  EXPECT_EQ(std::get<Closed>(cev[1]).reason, "stopped");
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(s.closed());
}

TEST(ClientServer, RejectedCall) {
  ServerControl s(ServerControlConfig{}, Logger(), t0);
  ClientControl c(ClientControlConfig{}, Logger(), t0);
  c.start(t0);
  pump(c, s, t0);
  c.place_call(call(7), t0);
  pump(c, s, t0);
  events(s);
  s.reject_call(7, kOcrpDoNotAccept, 0, t0);
  pump(c, s, t0);
  auto cev = events(c);
  ASSERT_EQ(cev.size(), 2u);
  EXPECT_EQ(std::get<CallRejected>(cev[1]).result, 7);
  EXPECT_EQ(std::get<CallRejected>(cev[1]).our_call_id, 7);
}

TEST(ClientServer, ServerDisconnectAndShutdown) {
  ServerControl s(ServerControlConfig{}, Logger(), t0);
  ClientControl c(ClientControlConfig{}, Logger(), t0);
  c.start(t0);
  c.place_call(call(1), t0);
  pump(c, s, t0);
  s.accept_call(1, 50, 0, t0);
  pump(c, s, t0);
  events(c);
  s.disconnect_call(50, kCdnAdminShutdown, "done", t0);
  pump(c, s, t0);
  auto cev = events(c);
  ASSERT_EQ(cev.size(), 1u);
  EXPECT_EQ(std::get<CallDisconnected>(cev[0]).statistics, "done");
  s.shutdown(kStopReasonLocalShutdown, t0);
  pump(c, s, t0);
  EXPECT_TRUE(s.closed());
  EXPECT_TRUE(c.closed());
}

TEST(ClientControl, CdnWithClientsOwnIdAccepted) {
  // accel-ppp puts the client's Call ID in the CDN.
  ClientControl c(ClientControlConfig{}, Logger(), t0);
  c.start(t0);
  c.take_output();
  StartControlConnectionReply rp;
  rp.result_code = 1;
  c.on_bytes(encode(rp), t0);
  c.place_call(call(0x1234), t0);
  c.take_output();
  OutgoingCallReply ocrp;
  ocrp.call_id = 0x8001;
  ocrp.peer_call_id = 0x1234;
  ocrp.result_code = 1;
  c.on_bytes(encode(ocrp), t0);
  events(c);
  CallDisconnectNotify cdn;
  cdn.call_id = 0x1234;
  cdn.result_code = 3;
  c.on_bytes(encode(cdn), t0);
  auto cev = events(c);
  ASSERT_EQ(cev.size(), 1u);
  EXPECT_EQ(std::get<CallDisconnected>(cev[0]).our_call_id, 0x1234);
}

TEST(ClientControl, BadVersionReplySendsStop) {
  ClientControl c(ClientControlConfig{}, Logger(), t0);
  c.start(t0);
  c.take_output();
  StartControlConnectionReply rp;
  rp.result_code = 5;
  rp.protocol_version = 0x0200;
  c.on_bytes(encode(rp), t0);
  auto out = parse_all(c.take_output());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<StopControlConnectionRequest>(out[0]).reason, 2);
  EXPECT_FALSE(c.closed());
  c.on_bytes(encode(StopControlConnectionReply{1, 0}), t0);
  EXPECT_TRUE(c.closed());
}

TEST(ClientControl, OcrpTimeoutAndClearTimeout) {
  ClientControlConfig cfg;
  cfg.reply_timeout = seconds(10);
  cfg.echo_interval = Duration::zero();
  ClientControl c(cfg, Logger(), t0);
  c.start(t0);
  StartControlConnectionReply rp;
  rp.result_code = 1;
  c.on_bytes(encode(rp), t0);
  c.place_call(call(9), t0);
  c.take_output();
  events(c);
  EXPECT_EQ(c.next_deadline(), t0 + seconds(10));
  c.on_timer(t0 + seconds(10));
  auto cev = events(c);
  ASSERT_EQ(cev.size(), 1u);
  EXPECT_EQ(std::get<CallRejected>(cev[0]).result, 6);

  c.place_call(call(10), t0 + seconds(20));
  OutgoingCallReply ocrp;
  ocrp.call_id = 77;
  ocrp.peer_call_id = 10;
  ocrp.result_code = 1;
  c.on_bytes(encode(ocrp), t0 + seconds(20));
  c.hangup(t0 + seconds(20));
  auto out = parse_all(c.take_output());
  ASSERT_EQ(out.size(), 2u);  // OCRQ, then Call-Clear-Request
  EXPECT_EQ(std::get<CallClearRequest>(out[1]).call_id, 10);
  c.on_timer(t0 + seconds(30));  // no CDN: give up on it, send Stop
  out = parse_all(c.take_output());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StopControlConnectionRequest>(out[0]));
  c.on_timer(t0 + seconds(40));
  EXPECT_TRUE(c.closed());
}

}  // namespace
}  // namespace pptpx::pptp
