// SPDX-License-Identifier: MIT
// Client (PNS) control-connection automaton (RFC 2637 sections 2, 3.1.1 and
// 3.2.4.2; docs/protocol.md, Client control automaton).
#include "proto/pptp/client_control.h"

#include <algorithm>
#include <utility>

namespace pptpx::pptp {
namespace {
constexpr uint8_t kOcrpTimeout = 6;
}

ClientControl::ClientControl(const ClientControlConfig& cfg, Logger log, Time)
    : cfg_(cfg), link_(std::move(log), cfg.echo_interval, cfg.echo_timeout) {}

void ClientControl::start(Time now) {
  if (state_ != State::kIdle) return;
  StartControlConnectionRequest rq;
  rq.framing_capabilities = 1;
  rq.bearer_capabilities = 1;
  rq.maximum_channels = 0;
  rq.firmware_revision = cfg_.firmware_revision;
  rq.host_name = cfg_.host_name;
  rq.vendor_string = cfg_.vendor;
  link_.send(rq);
  state_ = State::kWaitCtlReply;
  deadline_ = now + cfg_.establish_timeout;
}

void ClientControl::close(std::string reason) {
  state_ = State::kClosed;
  calls_.clear();
  deadline_ = kNever;
  link_.close(std::move(reason));
}

void ClientControl::on_bytes(ByteView data, Time now) {
  if (closed()) return;
  link_.feed(data);
  while (std::optional<Message> m = link_.next_message(now)) {
    handle(*m, now);
    if (closed()) break;
  }
  if (link_.closed()) close(link_.close_reason());
}

void ClientControl::on_timer(Time now) {
  if (closed()) return;
  if (now >= deadline_) {
    if (state_ == State::kWaitCtlReply) {
      link_.stats().establish_timeouts++;
      close("no Start-Control-Connection-Reply");
    } else {
      link_.stats().reply_timeouts++;
      close("no Stop-Control-Connection-Reply");
    }
    return;
  }
  for (size_t i = 0; i < calls_.size();) {
    Call& c = calls_[i];
    if (now < c.deadline) {
      ++i;
      continue;
    }
    link_.stats().reply_timeouts++;
    if (c.state == CallState::kWaitReply) {
      link_.emit(CallRejected{c.params.call_id, kOcrpTimeout, 0});
    } else {
      link_.emit(CallDisconnected{c.params.call_id, 0, 0, 0, "no Call-Disconnect-Notify"});
    }
    erase(&c);
  }
  maybe_stop(now);
  if (state_ == State::kEstablished || state_ == State::kWaitDisconnect ||
      state_ == State::kWaitStopReply) {
    link_.keepalive_timer(now);
  }
  if (link_.closed()) close(link_.close_reason());
}

Time ClientControl::next_deadline() const {
  if (closed()) return kNever;
  Time t = deadline_;
  for (const Call& c : calls_) t = earliest(t, c.deadline);
  if (state_ != State::kIdle && state_ != State::kWaitCtlReply)
    t = earliest(t, link_.keepalive_deadline());
  return t;
}

void ClientControl::handle(const Message& m, Time now) {
  const Logger& log = link_.log();
  uint16_t type = message_type(m);
  switch (static_cast<MessageType>(type)) {
    case MessageType::kStartControlConnectionReply:
      if (state_ == State::kWaitCtlReply) {
        on_sccrp(std::get<StartControlConnectionReply>(m), now);
        return;
      }
      break;
    case MessageType::kStopControlConnectionRequest:
      link_.send(StopControlConnectionReply{kResultOk, 0});
      close("server sent Stop-Control-Connection-Request");
      return;
    case MessageType::kStopControlConnectionReply:
      if (state_ == State::kWaitStopReply) {
        close("stopped");
        return;
      }
      break;
    case MessageType::kEchoRequest:
      if (state_ == State::kWaitCtlReply) break;
      link_.answer_echo(std::get<EchoRequest>(m));
      return;
    case MessageType::kEchoReply: link_.on_echo_reply(std::get<EchoReply>(m)); return;
    case MessageType::kOutgoingCallReply:
      if (state_ == State::kWaitCtlReply) break;
      on_ocrp(std::get<OutgoingCallReply>(m));
      return;
    case MessageType::kCallDisconnectNotify:
      if (state_ == State::kWaitCtlReply) break;
      on_cdn(std::get<CallDisconnectNotify>(m), now);
      return;
    case MessageType::kWanErrorNotify: {
      const auto& w = std::get<WanErrorNotify>(m);
      link_.stats().wan_errors++;
      log.info("WAN-Error-Notify for call {}", w.peer_call_id);
      link_.emit(WanError{w.peer_call_id, w.crc_errors, w.framing_errors, w.hardware_overruns,
                          w.buffer_overruns, w.time_out_errors, w.alignment_errors});
      return;
    }
    case MessageType::kSetLinkInfo:
      link_.stats().set_link_info++;
      log.debug("ignoring Set-Link-Info");
      return;
    case MessageType::kStartControlConnectionRequest:
    case MessageType::kOutgoingCallRequest:
    case MessageType::kIncomingCallRequest:
    case MessageType::kIncomingCallReply:
    case MessageType::kIncomingCallConnected:
    case MessageType::kCallClearRequest: break;
  }
  link_.stats().unexpected_messages++;
  log.debug("ignoring unexpected {}", message_name(type));
}

void ClientControl::on_sccrp(const StartControlConnectionReply& m, Time now) {
  const Logger& log = link_.log();
  if (m.result_code != kResultOk || m.protocol_version != kProtocolVersion) {
    log.info("Start-Control-Connection-Reply result {} error {} version {:#06x}", m.result_code,
             m.error_code, m.protocol_version);
    if (m.protocol_version != kProtocolVersion || m.result_code == kSccrpBadVersion) {
      send_stop(kStopReasonStopProtocol, now);
    } else {
      close(fmt::format("control connection refused (result {})", m.result_code));
    }
    return;
  }
  state_ = State::kEstablished;
  deadline_ = kNever;
  link_.start_keepalive(now);
  link_.emit(Established{m.host_name, m.vendor_string, m.firmware_revision});
  for (Call& c : calls_)
    if (c.state == CallState::kQueued) send_ocrq(c, now);
}

void ClientControl::send_ocrq(Call& c, Time now) {
  OutgoingCallRequest rq;
  rq.call_id = c.params.call_id;
  rq.call_serial_number = c.params.serial;
  rq.minimum_bps = c.params.min_bps;
  rq.maximum_bps = c.params.max_bps;
  rq.bearer_type = 3;
  rq.framing_type = 3;
  rq.packet_recv_window_size = c.params.recv_window;
  rq.packet_processing_delay = c.params.processing_delay;
  rq.phone_number_length = static_cast<uint16_t>(std::min<size_t>(c.params.phone.size(), 64));
  rq.phone_number = c.params.phone;
  link_.send(rq);
  link_.stats().calls_requested++;
  c.state = CallState::kWaitReply;
  c.deadline = now + cfg_.reply_timeout;
}

void ClientControl::on_ocrp(const OutgoingCallReply& m) {
  Call* c = find_ours(m.peer_call_id);
  if (!c || c->state != CallState::kWaitReply) {
    link_.stats().unknown_call_id++;
    link_.log().debug("Outgoing-Call-Reply for unknown call {}", m.peer_call_id);
    return;
  }
  if (m.result_code != kOcrpConnected) {
    link_.stats().calls_rejected++;
    link_.log().info("call {} refused: result {} error {}", m.peer_call_id, m.result_code,
                     m.error_code);
    link_.emit(CallRejected{m.peer_call_id, m.result_code, m.error_code});
    erase(c);
    return;
  }
  link_.stats().calls_accepted++;
  c->state = CallState::kConnected;
  c->peer_call_id = m.call_id;
  c->deadline = kNever;
  link_.emit(
      CallConnected{c->params.call_id, m.call_id, m.packet_recv_window_size, m.connect_speed});
}

void ClientControl::on_cdn(const CallDisconnectNotify& m, Time now) {
  // The RFC puts the server's Call ID here; accel-ppp puts ours.
  Call* c = nullptr;
  for (Call& k : calls_)
    if (k.state == CallState::kConnected || k.state == CallState::kClearing)
      if (k.peer_call_id == m.call_id) c = &k;
  if (!c) c = find_ours(m.call_id);
  if (!c || c->state == CallState::kQueued) {
    link_.stats().unknown_call_id++;
    link_.log().debug("Call-Disconnect-Notify for unknown call {}", m.call_id);
    return;
  }
  link_.stats().calls_disconnected++;
  link_.emit(CallDisconnected{c->params.call_id, m.result_code, m.error_code, m.cause_code,
                              m.call_statistics});
  erase(c);
  maybe_stop(now);
}

void ClientControl::place_call(const CallParams& p, Time now) {
  if (closed() || state_ == State::kWaitDisconnect || state_ == State::kWaitStopReply) return;
  if (find_ours(p.call_id)) {
    link_.log().debug("place_call: call id {} in use", p.call_id);
    return;
  }
  calls_.push_back(Call{p, CallState::kQueued, 0, kNever});
  if (state_ == State::kEstablished) send_ocrq(calls_.back(), now);
}

void ClientControl::clear_call(uint16_t our_call_id, Time now) {
  Call* c = find_ours(our_call_id);
  if (!c) return;
  if (c->state == CallState::kQueued) {
    erase(c);
    return;
  }
  if (c->state == CallState::kClearing) return;
  link_.send(CallClearRequest{our_call_id});
  link_.stats().calls_cleared++;
  c->state = CallState::kClearing;
  c->deadline = now + cfg_.reply_timeout;
}

void ClientControl::set_link_info(uint16_t our_call_id, uint32_t send_accm, uint32_t recv_accm) {
  Call* c = find_ours(our_call_id);
  if (!c || c->state != CallState::kConnected) return;
  link_.send(SetLinkInfo{c->peer_call_id, send_accm, recv_accm});
}

void ClientControl::hangup(Time now) {
  switch (state_) {
    case State::kIdle:
    case State::kWaitCtlReply: close("hangup"); return;
    case State::kEstablished: break;
    case State::kWaitDisconnect:
    case State::kWaitStopReply:
    case State::kClosed: return;
  }
  for (size_t i = 0; i < calls_.size();) {
    if (calls_[i].state == CallState::kQueued) {
      erase(&calls_[i]);
      continue;
    }
    clear_call(calls_[i].params.call_id, now);
    ++i;
  }
  state_ = State::kWaitDisconnect;
  maybe_stop(now);
}

void ClientControl::maybe_stop(Time now) {
  if (state_ == State::kWaitDisconnect && calls_.empty()) send_stop(kStopReasonNone, now);
}

void ClientControl::send_stop(uint8_t reason, Time now) {
  link_.send(StopControlConnectionRequest{reason});
  state_ = State::kWaitStopReply;
  deadline_ = now + cfg_.reply_timeout;
}

ClientControl::Call* ClientControl::find_ours(uint16_t id) {
  for (Call& c : calls_)
    if (c.params.call_id == id) return &c;
  return nullptr;
}

void ClientControl::erase(const Call* c) { calls_.erase(calls_.begin() + (c - calls_.data())); }

}  // namespace pptpx::pptp
