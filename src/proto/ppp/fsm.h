// SPDX-License-Identifier: MIT
// The RFC 1661 option-negotiation automaton, shared by LCP, IPCP, IPV6CP and CCP.
//
// RFC 1661 section 4 (states, events, actions: fsm.cc follows the transition
// table of section 4.1 row by row; docs/protocol.md, PPP option automaton),
// section 5 (codes 1-7). Option semantics live in a protocol-specific
// FsmHandler; this class owns states, identifiers, the
// restart timer and counters, and queues the packets and layer events for
// the owning session to drain. Codes other than 1-7 are the owner's business:
// it handles the ones it knows (Echo, Reset, ...) and passes the rest here to
// be Code-Rejected.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "base/time.h"
#include "proto/ppp/frame.h"

namespace pptpx::ppp {

enum class FsmState : uint8_t {
  kInitial,
  kStarting,
  kClosed,
  kStopped,
  kClosing,
  kStopping,
  kReqSent,
  kAckRcvd,
  kAckSent,
  kOpened,
};
const char* fsm_state_name(FsmState s);

// this-layer-up / -down / -started / -finished, for the owner to act on.
enum class LayerEvent : uint8_t { kUp, kDown, kStarted, kFinished };

struct FsmConfig {
  Duration restart = seconds(3);
  int max_configure = 10;
  int max_terminate = 2;
  int max_failure = 5;  // consecutive Naks sent before we Reject instead
};

struct FsmStats {
  uint64_t malformed = 0;         // bad option lists
  uint64_t bad_id = 0;            // Ack/Nak/Reject not matching our last request
  uint64_t bad_ack = 0;           // Ack that does not repeat our options exactly
  uint64_t bad_nak_reject = 0;    // Nak/Reject the handler or the check refused
  uint64_t unexpected_state = 0;  // packet in Initial/Starting
  uint64_t code_rejects_sent = 0;
  uint64_t code_rejects_received = 0;
};

// A control packet to send: the information field of a `protocol` frame.
struct OutPacket {
  uint16_t protocol = 0;
  Bytes info;
};

// Collects the verdict on a received Configure-Request, option by option.
// Reject takes precedence over Nak, Nak over Ack (RFC 1661 5.2-5.4).
class RequestJudge {
 public:
  explicit RequestJudge(bool nak_allowed) : nak_allowed_(nak_allowed) {}
  // `original` is the peer's option being refused (nullptr when we ask the
  // peer to add an option it did not send). Once Max-Failure Naks have gone
  // out, a Nak becomes a Reject of the original option.
  void nak(const Option* original, uint8_t type, ByteView value);
  void reject(const Option& o);
  bool nak_allowed() const { return nak_allowed_; }
  // The reply code (Ack, Nak or Reject) and its data; `request` is the whole
  // option list of the request, echoed on Ack.
  uint8_t finish(ByteView request, Bytes& reply) const;

 private:
  bool nak_allowed_;
  Bytes nak_;
  Bytes reject_;
};

class FsmHandler {
 public:
  virtual ~FsmHandler() = default;
  // A new negotiation begins (not a retransmission): reset what we ask for.
  virtual void reset_request() {}
  virtual void build_request(Bytes& options) = 0;
  // Judges the peer's request; the handler keeps what it would accept and
  // commits it in on_request_acked() if the verdict was Ack.
  virtual void judge_request(const std::vector<Option>& options, RequestJudge& judge) = 0;
  virtual void on_request_acked() {}
  // Our request was acknowledged (already checked to repeat it exactly).
  virtual void on_ack(const std::vector<Option>& options) = 0;
  // False means the Nak/Reject is unacceptable and is dropped.
  virtual bool on_nak(const std::vector<Option>& options) = 0;
  virtual bool on_reject(const std::vector<Option>& options) = 0;
};

class Fsm {
 public:
  Fsm(uint16_t protocol, std::string name, FsmHandler& handler, const FsmConfig& cfg,
      std::vector<OutPacket>& out, Logger log);

  // Lower layer and administrative events.
  void up(Time now);
  void down(Time now);
  void open(Time now);
  void close(std::string_view reason, Time now);
  // RXJ-: the peer rejected this protocol (Protocol-Reject) or an essential code.
  void rxj_minus(Time now);

  // A received packet of this protocol. Codes 1-7 drive the automaton; any
  // other code is answered with Code-Reject.
  void on_packet(const Packet& p, Time now);
  void on_timer(Time now);
  Time next_deadline() const { return deadline_; }

  // For protocol-specific codes (Echo, Reset-Request, ...).
  void send(uint8_t code, uint8_t id, ByteView data);
  uint8_t new_id() { return ++id_; }

  // Code-Reject copies are truncated to fit the peer's MRU.
  void set_peer_mru(uint16_t mru) { peer_mru_ = mru; }

  FsmState state() const { return state_; }
  bool opened() const { return state_ == FsmState::kOpened; }
  std::optional<LayerEvent> poll_event();
  const FsmStats& stats() const { return stats_; }
  uint16_t protocol() const { return protocol_; }
  const std::string& name() const { return name_; }
  // Text of the last Terminate-Request the peer sent (for logs and events).
  const std::string& peer_terminate_reason() const { return peer_reason_; }

 private:
  bool negotiating() const;
  void set_state(FsmState s);
  void irc(FsmState for_state);
  void zrc(Time now);
  void scr(bool retransmit, Time now);
  void str(Time now);
  void sta(uint8_t id);
  void tlu() { events_.push_back(LayerEvent::kUp); }
  void tld() { events_.push_back(LayerEvent::kDown); }
  void tls() { events_.push_back(LayerEvent::kStarted); }
  void tlf() { events_.push_back(LayerEvent::kFinished); }

  void rcr(const Packet& p, Time now);
  void rca(const Packet& p, Time now);
  void rcn(const Packet& p, Time now);
  bool nak_or_reject_taken(const Packet& p, const std::vector<Option>& opts);
  void rtr(const Packet& p, Time now);
  void rta(Time now);
  void ruc(const Packet& p);
  void rxj(const Packet& p, Time now);
  void timeout(Time now);

  uint16_t protocol_;
  std::string name_;
  FsmHandler& handler_;
  FsmConfig cfg_;
  std::vector<OutPacket>& out_;
  Logger log_;

  FsmState state_ = FsmState::kInitial;
  Time deadline_ = kNever;
  int restart_count_ = 0;
  int nak_loops_ = 0;
  uint8_t id_ = 0;
  uint8_t req_id_ = 0;
  bool replied_ = true;  // our current request has had its Ack/Nak/Reject
  Bytes req_options_;
  std::string our_reason_;
  std::string peer_reason_;
  uint16_t peer_mru_ = 1500;
  std::deque<LayerEvent> events_;
  FsmStats stats_;
};

}  // namespace pptpx::ppp
