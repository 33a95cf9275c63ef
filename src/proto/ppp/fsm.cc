// SPDX-License-Identifier: MIT
// RFC 1661 section 4 automaton. Each event handler below follows one row of
// the state transition table (RFC 1661 section 4.1; docs/protocol.md, PPP
// option automaton); states where the table says "-" drop the packet and
// count it.
#include "proto/ppp/fsm.h"

#include <algorithm>

#include "base/text.h"

namespace pptpx::ppp {

const char* fsm_state_name(FsmState s) {
  switch (s) {
    case FsmState::kInitial: return "Initial";
    case FsmState::kStarting: return "Starting";
    case FsmState::kClosed: return "Closed";
    case FsmState::kStopped: return "Stopped";
    case FsmState::kClosing: return "Closing";
    case FsmState::kStopping: return "Stopping";
    case FsmState::kReqSent: return "Req-Sent";
    case FsmState::kAckRcvd: return "Ack-Rcvd";
    case FsmState::kAckSent: return "Ack-Sent";
    case FsmState::kOpened: return "Opened";
  }
  return "?";
}

void RequestJudge::nak(const Option* original, uint8_t type, ByteView value) {
  if (nak_allowed_) {
    put_option(nak_, type, value);
  } else if (original != nullptr) {
    reject(*original);
  }
}

void RequestJudge::reject(const Option& o) {
  reject_.insert(reject_.end(), o.raw.begin(), o.raw.end());
}

uint8_t RequestJudge::finish(ByteView request, Bytes& reply) const {
  if (!reject_.empty()) {
    reply = reject_;
    return kConfigureReject;
  }
  if (!nak_.empty()) {
    reply = nak_;
    return kConfigureNak;
  }
  reply.assign(request.begin(), request.end());
  return kConfigureAck;
}

Fsm::Fsm(uint16_t protocol, std::string name, FsmHandler& handler, const FsmConfig& cfg,
         std::vector<OutPacket>& out, Logger log)
    : protocol_(protocol),
      name_(std::move(name)),
      handler_(handler),
      cfg_(cfg),
      out_(out),
      log_(std::move(log)) {}

std::optional<LayerEvent> Fsm::poll_event() {
  if (events_.empty()) return std::nullopt;
  LayerEvent e = events_.front();
  events_.pop_front();
  return e;
}

bool Fsm::negotiating() const {
  return state_ == FsmState::kReqSent || state_ == FsmState::kAckRcvd ||
         state_ == FsmState::kAckSent;
}

void Fsm::set_state(FsmState s) {
  if (s != state_) log_.debug("{}: {} -> {}", name_, fsm_state_name(state_), fsm_state_name(s));
  state_ = s;
  // The restart timer runs only where the table has TO events.
  bool timed = s == FsmState::kClosing || s == FsmState::kStopping || s == FsmState::kReqSent ||
               s == FsmState::kAckRcvd || s == FsmState::kAckSent;
  if (!timed) deadline_ = kNever;
}

void Fsm::irc(FsmState for_state) {
  bool terminating = for_state == FsmState::kClosing || for_state == FsmState::kStopping;
  restart_count_ = terminating ? cfg_.max_terminate : cfg_.max_configure;
}

void Fsm::zrc(Time now) {
  restart_count_ = 0;
  deadline_ = now + cfg_.restart;
}

void Fsm::send(uint8_t code, uint8_t id, ByteView data) {
  OutPacket p{protocol_, {}};
  build_packet(code, id, data, p.info);
  out_.push_back(std::move(p));
}

void Fsm::scr(bool retransmit, Time now) {
  if (!retransmit) {
    if (!negotiating()) {
      handler_.reset_request();
      nak_loops_ = 0;
    }
    req_options_.clear();
    handler_.build_request(req_options_);
    req_id_ = new_id();
  }
  replied_ = false;
  --restart_count_;
  send(kConfigureRequest, req_id_, req_options_);
  deadline_ = now + cfg_.restart;
}

void Fsm::str(Time now) {
  --restart_count_;
  send(kTerminateRequest, new_id(), as_bytes(our_reason_));
  deadline_ = now + cfg_.restart;
}

void Fsm::sta(uint8_t id) { send(kTerminateAck, id, {}); }

void Fsm::up(Time now) {
  switch (state_) {
    case FsmState::kInitial: set_state(FsmState::kClosed); break;
    case FsmState::kStarting:
      irc(FsmState::kReqSent);
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    default: log_.debug("{}: Up in state {}", name_, fsm_state_name(state_)); break;
  }
}

void Fsm::down(Time) {
  switch (state_) {
    case FsmState::kClosed:
    case FsmState::kClosing: set_state(FsmState::kInitial); break;
    case FsmState::kStopped:
      tls();
      set_state(FsmState::kStarting);
      break;
    case FsmState::kStopping:
    case FsmState::kReqSent:
    case FsmState::kAckRcvd:
    case FsmState::kAckSent: set_state(FsmState::kStarting); break;
    case FsmState::kOpened:
      tld();
      set_state(FsmState::kStarting);
      break;
    default: break;
  }
}

void Fsm::open(Time now) {
  switch (state_) {
    case FsmState::kInitial:
      tls();
      set_state(FsmState::kStarting);
      break;
    case FsmState::kClosed:
      irc(FsmState::kReqSent);
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    case FsmState::kClosing: set_state(FsmState::kStopping); break;
    default: break;
  }
}

void Fsm::close(std::string_view reason, Time now) {
  our_reason_ = std::string(reason);
  switch (state_) {
    case FsmState::kStarting:
      tlf();
      set_state(FsmState::kInitial);
      break;
    case FsmState::kStopped: set_state(FsmState::kClosed); break;
    case FsmState::kStopping: set_state(FsmState::kClosing); break;
    case FsmState::kOpened: tld(); [[fallthrough]];
    case FsmState::kReqSent:
    case FsmState::kAckRcvd:
    case FsmState::kAckSent:
      irc(FsmState::kClosing);
      set_state(FsmState::kClosing);
      str(now);
      break;
    default: break;
  }
}

void Fsm::rxj_minus(Time now) {
  switch (state_) {
    case FsmState::kClosed:
    case FsmState::kClosing:
      tlf();
      set_state(FsmState::kClosed);
      break;
    case FsmState::kStopped:
    case FsmState::kStopping:
    case FsmState::kReqSent:
    case FsmState::kAckRcvd:
    case FsmState::kAckSent:
      tlf();
      set_state(FsmState::kStopped);
      break;
    case FsmState::kOpened:
      tld();
      irc(FsmState::kStopping);
      set_state(FsmState::kStopping);
      str(now);
      break;
    default: break;
  }
}

void Fsm::on_timer(Time now) {
  if (deadline_ == kNever || now < deadline_) return;
  deadline_ = kNever;
  timeout(now);
}

void Fsm::timeout(Time now) {
  bool plus = restart_count_ > 0;
  switch (state_) {
    case FsmState::kClosing:
    case FsmState::kStopping:
      if (plus) {
        str(now);
      } else {
        tlf();
        set_state(state_ == FsmState::kClosing ? FsmState::kClosed : FsmState::kStopped);
      }
      break;
    case FsmState::kReqSent:
    case FsmState::kAckRcvd:
    case FsmState::kAckSent:
      if (plus) {
        scr(true, now);
        if (state_ == FsmState::kAckRcvd) set_state(FsmState::kReqSent);
      } else {
        log_.debug("{}: timeout sending Config-Requests", name_);
        tlf();
        set_state(FsmState::kStopped);
      }
      break;
    default: break;
  }
}

void Fsm::on_packet(const Packet& p, Time now) {
  if (state_ == FsmState::kInitial || state_ == FsmState::kStarting) {
    ++stats_.unexpected_state;
    log_.debug("{}: code {} in state {} dropped", name_, p.code, fsm_state_name(state_));
    return;
  }
  switch (p.code) {
    case kConfigureRequest: rcr(p, now); break;
    case kConfigureAck: rca(p, now); break;
    case kConfigureNak:
    case kConfigureReject: rcn(p, now); break;
    case kTerminateRequest: rtr(p, now); break;
    case kTerminateAck: rta(now); break;
    case kCodeReject: rxj(p, now); break;
    default: ruc(p); break;
  }
}

void Fsm::rcr(const Packet& p, Time now) {
  std::vector<Option> opts;
  if (!parse_options(p.data, opts)) {
    ++stats_.malformed;
    log_.debug("{}: malformed Configure-Request dropped", name_);
    return;
  }
  switch (state_) {
    case FsmState::kClosed: sta(p.id); return;
    case FsmState::kClosing:
    case FsmState::kStopping: return;
    case FsmState::kStopped:
      irc(FsmState::kReqSent);
      scr(false, now);
      break;
    case FsmState::kOpened:
      tld();
      scr(false, now);
      break;
    default: break;
  }
  RequestJudge judge(nak_loops_ < cfg_.max_failure);
  handler_.judge_request(opts, judge);
  Bytes reply;
  uint8_t code = judge.finish(p.data, reply);
  send(code, p.id, reply);
  if (code == kConfigureNak) ++nak_loops_;
  bool ack = code == kConfigureAck;
  if (ack) handler_.on_request_acked();
  FsmState from = state_;
  if (ack) {
    if (from == FsmState::kAckRcvd) {
      set_state(FsmState::kOpened);
      tlu();
    } else {
      set_state(FsmState::kAckSent);
    }
  } else {
    set_state(from == FsmState::kAckRcvd ? FsmState::kAckRcvd : FsmState::kReqSent);
  }
}

void Fsm::rca(const Packet& p, Time now) {
  if (p.id != req_id_ || replied_) {
    ++stats_.bad_id;
    log_.debug("{}: Configure-Ack id {} does not match request {}", name_, p.id, req_id_);
    return;
  }
  if (!std::equal(p.data.begin(), p.data.end(), req_options_.begin(), req_options_.end())) {
    ++stats_.bad_ack;
    log_.debug("{}: Configure-Ack does not repeat our options", name_);
    return;
  }
  replied_ = true;
  std::vector<Option> opts;
  parse_options(p.data, opts);
  switch (state_) {
    case FsmState::kClosed:
    case FsmState::kStopped: sta(p.id); break;
    case FsmState::kReqSent:
      handler_.on_ack(opts);
      irc(FsmState::kReqSent);
      set_state(FsmState::kAckRcvd);
      break;
    case FsmState::kAckRcvd:
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    case FsmState::kAckSent:
      handler_.on_ack(opts);
      irc(FsmState::kReqSent);
      set_state(FsmState::kOpened);
      tlu();
      break;
    case FsmState::kOpened:
      tld();
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    default: break;
  }
}

void Fsm::rcn(const Packet& p, Time now) {
  if (p.id != req_id_ || replied_) {
    ++stats_.bad_id;
    log_.debug("{}: Configure-Nak/Reject id {} does not match request {}", name_, p.id, req_id_);
    return;
  }
  std::vector<Option> opts;
  if (!parse_options(p.data, opts)) {
    ++stats_.malformed;
    return;
  }
  switch (state_) {
    case FsmState::kClosed:
    case FsmState::kStopped:
      replied_ = true;
      sta(p.id);
      return;
    case FsmState::kClosing:
    case FsmState::kStopping: return;
    default: break;
  }
  if (!nak_or_reject_taken(p, opts)) {
    ++stats_.bad_nak_reject;
    log_.debug("{}: unacceptable Configure-{} dropped", name_,
               p.code == kConfigureReject ? "Reject" : "Nak");
    return;
  }
  replied_ = true;
  switch (state_) {
    case FsmState::kReqSent:
      irc(FsmState::kReqSent);
      scr(false, now);
      break;
    case FsmState::kAckRcvd:
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    case FsmState::kAckSent:
      irc(FsmState::kReqSent);
      scr(false, now);
      break;
    case FsmState::kOpened:
      tld();
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    default: break;
  }
}

// Whether the handler takes the peer's Configure-Nak or Configure-Reject.
// A Reject must list options of our request, unchanged (RFC 1661 5.4).
bool Fsm::nak_or_reject_taken(const Packet& p, const std::vector<Option>& opts) {
  if (p.code != kConfigureReject) return handler_.on_nak(opts);
  std::vector<Option> ours;
  parse_options(req_options_, ours);
  const bool ours_unchanged = std::all_of(opts.begin(), opts.end(), [&](const Option& r) {
    return std::any_of(ours.begin(), ours.end(), [&](const Option& o) {
      return std::equal(r.raw.begin(), r.raw.end(), o.raw.begin(), o.raw.end());
    });
  });
  return ours_unchanged && handler_.on_reject(opts);
}

void Fsm::rtr(const Packet& p, Time now) {
  peer_reason_ = printable({reinterpret_cast<const char*>(p.data.data()), p.data.size()});
  switch (state_) {
    case FsmState::kAckRcvd:
    case FsmState::kAckSent:
      sta(p.id);
      set_state(FsmState::kReqSent);
      break;
    case FsmState::kOpened:
      tld();
      sta(p.id);
      set_state(FsmState::kStopping);
      zrc(now);
      break;
    default: sta(p.id); break;
  }
}

void Fsm::rta(Time now) {
  switch (state_) {
    case FsmState::kClosing:
      tlf();
      set_state(FsmState::kClosed);
      break;
    case FsmState::kStopping:
      tlf();
      set_state(FsmState::kStopped);
      break;
    case FsmState::kAckRcvd: set_state(FsmState::kReqSent); break;
    case FsmState::kOpened:
      tld();
      scr(false, now);
      set_state(FsmState::kReqSent);
      break;
    default: break;
  }
}

void Fsm::ruc(const Packet& p) {
  ++stats_.code_rejects_sent;
  log_.debug("{}: unknown code {}, sending Code-Reject", name_, p.code);
  // The copy of the rejected packet (header + data) must fit the peer's MRU.
  Bytes copy;
  build_packet(p.code, p.id, p.data, copy);
  size_t room = peer_mru_ > 4 ? peer_mru_ - 4u : 0u;
  if (copy.size() > room) copy.resize(room);
  send(kCodeReject, new_id(), copy);
}

void Fsm::rxj(const Packet& p, Time now) {
  ++stats_.code_rejects_received;
  Reader r(p.data);
  uint8_t code = r.u8();
  if (!r.ok()) {
    ++stats_.malformed;
    return;
  }
  // Rejecting one of the codes the automaton depends on is catastrophic.
  bool catastrophic = code >= kConfigureRequest && code <= kCodeReject;
  log_.debug("{}: peer Code-Rejected code {}", name_, code);
  if (catastrophic)
    rxj_minus(now);
  else if (state_ == FsmState::kAckRcvd)
    set_state(FsmState::kReqSent);
}

}  // namespace pptpx::ppp
