// SPDX-License-Identifier: MIT
// RFC 1661 automaton tests with a minimal option handler.
#include "proto/ppp/fsm.h"

#include <gtest/gtest.h>

namespace pptpx::ppp {
namespace {

constexpr uint16_t kProto = 0x8021;

// One option, type 1 length 3: Ack value 1, Nak anything else with 1; any
// other type is rejected.
class TestHandler final : public FsmHandler {
 public:
  void build_request(Bytes& out) override {
    if (send_) put_option(out, 1, Bytes{value_});
  }
  void judge_request(const std::vector<Option>& opts, RequestJudge& judge) override {
    for (const Option& o : opts) {
      if (o.type != 1 || o.value.size() != 1)
        judge.reject(o);
      else if (o.value[0] != 1)
        judge.nak(&o, 1, Bytes{1});
    }
  }
  void on_request_acked() override { ++acked_requests; }
  void on_ack(const std::vector<Option>&) override { ++acks; }
  bool on_nak(const std::vector<Option>& opts) override {
    for (const Option& o : opts)
      if (o.type == 1 && o.value.size() == 1) value_ = o.value[0];
    return true;
  }
  bool on_reject(const std::vector<Option>&) override {
    send_ = false;
    return true;
  }
  int acks = 0;
  int acked_requests = 0;
  uint8_t value_ = 1;
  bool send_ = true;
};

class FsmTest : public ::testing::Test {
 protected:
  Time t0 = Time{} + seconds(1000);
  std::vector<OutPacket> out;
  TestHandler h;
  Fsm fsm{kProto, "TEST", h, FsmConfig{}, out, Logger()};

  Packet pkt(const Bytes& storage) { return *parse_packet(storage); }
  void feed(const Bytes& b, Time now) { fsm.on_packet(*parse_packet(b), now); }
  std::vector<LayerEvent> events() {
    std::vector<LayerEvent> v;
    while (auto e = fsm.poll_event()) v.push_back(*e);
    return v;
  }
  Bytes take_one() {
    EXPECT_EQ(out.size(), 1u);
    if (out.empty()) return {};
    Bytes b = out.front().info;
    EXPECT_EQ(out.front().protocol, kProto);
    out.clear();
    return b;
  }
  void open_to_opened() {
    fsm.open(t0);
    fsm.up(t0);
    EXPECT_EQ(take_one(), (Bytes{1, 1, 0, 7, 1, 3, 1}));
    feed({2, 1, 0, 7, 1, 3, 1}, t0);     // Ack of ours
    feed({1, 0x33, 0, 7, 1, 3, 1}, t0);  // peer's good request
    EXPECT_EQ(take_one(), (Bytes{2, 0x33, 0, 7, 1, 3, 1}));
    EXPECT_EQ(fsm.state(), FsmState::kOpened);
    EXPECT_EQ(events(), (std::vector{LayerEvent::kStarted, LayerEvent::kUp}));
  }
};

TEST_F(FsmTest, OpensAndAcks) {
  open_to_opened();
  EXPECT_EQ(h.acks, 1);
  EXPECT_EQ(h.acked_requests, 1);
  EXPECT_EQ(fsm.next_deadline(), kNever);
}

TEST_F(FsmTest, RetransmitsMaxConfigureTimesThenFinishes) {
  fsm.open(t0);
  fsm.up(t0);
  EXPECT_EQ(fsm.state(), FsmState::kReqSent);
  EXPECT_EQ(fsm.next_deadline(), t0 + seconds(3));
  int sent = static_cast<int>(out.size());
  Time now = t0;
  for (int i = 0; i < 20 && fsm.next_deadline() != kNever; ++i) {
    now = fsm.next_deadline();
    fsm.on_timer(now);
  }
  for (const auto& f : out) EXPECT_EQ(f.info[1], 1) << "retransmissions reuse id";
  sent = static_cast<int>(out.size());
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(now, t0 + seconds(30));
  EXPECT_EQ(fsm.state(), FsmState::kStopped);
  EXPECT_EQ(events(), (std::vector{LayerEvent::kStarted, LayerEvent::kFinished}));
}

TEST_F(FsmTest, IgnoresAcksWithWrongIdOrOptions) {
  fsm.open(t0);
  fsm.up(t0);
  out.clear();
  feed({2, 9, 0, 7, 1, 3, 1}, t0);  // wrong id
  EXPECT_EQ(fsm.stats().bad_id, 1u);
  feed({2, 1, 0, 7, 1, 3, 2}, t0);  // changed value
  EXPECT_EQ(fsm.stats().bad_ack, 1u);
  EXPECT_EQ(fsm.state(), FsmState::kReqSent);
  feed({2, 1, 0, 7, 1, 3, 1}, t0);
  EXPECT_EQ(fsm.state(), FsmState::kAckRcvd);
  feed({2, 1, 0, 7, 1, 3, 1}, t0);  // duplicate: no crossed-connection restart
  EXPECT_EQ(fsm.state(), FsmState::kAckRcvd);
  EXPECT_TRUE(out.empty());
}

TEST_F(FsmTest, NakAndRejectOfOurRequest) {
  fsm.open(t0);
  fsm.up(t0);
  out.clear();
  feed({3, 1, 0, 7, 1, 3, 5}, t0);
  EXPECT_EQ(take_one(), (Bytes{1, 2, 0, 7, 1, 3, 5}));
  // A Reject must copy an option of our request verbatim.
  feed({4, 2, 0, 7, 1, 3, 6}, t0);
  EXPECT_EQ(fsm.stats().bad_nak_reject, 1u);
  EXPECT_TRUE(out.empty());
  feed({4, 2, 0, 7, 1, 3, 5}, t0);
  EXPECT_EQ(take_one(), (Bytes{1, 3, 0, 4}));
}

TEST_F(FsmTest, JudgesPeerRequestsAndTurnsNaksIntoRejects) {
  fsm.open(t0);
  fsm.up(t0);
  out.clear();
  feed({1, 7, 0, 9, 1, 3, 2, 9, 2}, t0);  // unknown option 9 wins over the Nak
  EXPECT_EQ(take_one(), (Bytes{4, 7, 0, 6, 9, 2}));
  for (int i = 0; i < 5; ++i) {
    feed({1, static_cast<uint8_t>(10 + i), 0, 7, 1, 3, 2}, t0);
    EXPECT_EQ(take_one(), (Bytes{3, static_cast<uint8_t>(10 + i), 0, 7, 1, 3, 1}));
  }
  feed({1, 20, 0, 7, 1, 3, 2}, t0);  // Max-Failure reached
  EXPECT_EQ(take_one(), (Bytes{4, 20, 0, 7, 1, 3, 2}));
  EXPECT_EQ(fsm.state(), FsmState::kReqSent);
}

TEST_F(FsmTest, PeerTerminatesOpenedLink) {
  open_to_opened();
  feed({5, 0x44, 0, 8, 'b', 'y', 'e', '!'}, t0);
  EXPECT_EQ(take_one(), (Bytes{6, 0x44, 0, 4}));
  EXPECT_EQ(fsm.state(), FsmState::kStopping);
  EXPECT_EQ(fsm.peer_terminate_reason(), "bye!");
  EXPECT_EQ(events(), (std::vector{LayerEvent::kDown}));
  EXPECT_EQ(fsm.next_deadline(), t0 + seconds(3));
  fsm.on_timer(t0 + seconds(3));
  EXPECT_EQ(fsm.state(), FsmState::kStopped);
  EXPECT_EQ(events(), (std::vector{LayerEvent::kFinished}));
  EXPECT_TRUE(out.empty());
}

TEST_F(FsmTest, CloseSendsMaxTerminateRequests) {
  open_to_opened();
  fsm.close("admin", t0);
  EXPECT_EQ(take_one(), (Bytes{5, 2, 0, 9, 'a', 'd', 'm', 'i', 'n'}));
  fsm.on_timer(t0 + seconds(3));
  EXPECT_EQ(take_one()[0], 5);
  fsm.on_timer(t0 + seconds(6));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(fsm.state(), FsmState::kClosed);
  EXPECT_EQ(events(), (std::vector{LayerEvent::kDown, LayerEvent::kFinished}));
}

TEST_F(FsmTest, TerminateAckEndsClosing) {
  open_to_opened();
  fsm.close("x", t0);
  out.clear();
  feed({6, 2, 0, 4}, t0);
  EXPECT_EQ(fsm.state(), FsmState::kClosed);
  EXPECT_EQ(events(), (std::vector{LayerEvent::kDown, LayerEvent::kFinished}));
}

TEST_F(FsmTest, UnknownCodeIsCodeRejected) {
  open_to_opened();
  feed({0x42, 0x09, 0, 6, 0xAA, 0xBB}, t0);
  EXPECT_EQ(take_one(), (Bytes{7, 2, 0, 10, 0x42, 0x09, 0, 6, 0xAA, 0xBB}));
  EXPECT_EQ(fsm.state(), FsmState::kOpened);
}

TEST_F(FsmTest, CodeRejectOfConfigureRequestIsCatastrophic) {
  fsm.open(t0);
  fsm.up(t0);
  out.clear();
  feed({7, 5, 0, 8, 1, 1, 0, 4}, t0);
  EXPECT_EQ(fsm.state(), FsmState::kStopped);
  EXPECT_EQ(events(), (std::vector{LayerEvent::kStarted, LayerEvent::kFinished}));
}

TEST_F(FsmTest, DropsPacketsBeforeUp) {
  feed({1, 1, 0, 4}, t0);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(fsm.stats().unexpected_state, 1u);
  fsm.up(t0);  // Initial -> Closed: requests get Terminate-Ack
  feed({1, 1, 0, 4}, t0);
  EXPECT_EQ(take_one(), (Bytes{6, 1, 0, 4}));
}

TEST_F(FsmTest, PeerRenegotiatesOpenedLink) {
  open_to_opened();
  feed({1, 0x50, 0, 7, 1, 3, 1}, t0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].info, (Bytes{1, 2, 0, 7, 1, 3, 1}));
  EXPECT_EQ(out[1].info, (Bytes{2, 0x50, 0, 7, 1, 3, 1}));
  EXPECT_EQ(fsm.state(), FsmState::kAckSent);
  EXPECT_EQ(events(), (std::vector{LayerEvent::kDown}));
}

}  // namespace
}  // namespace pptpx::ppp
