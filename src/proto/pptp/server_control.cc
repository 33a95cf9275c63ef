// SPDX-License-Identifier: MIT
// Server (PAC) control-connection automaton (RFC 2637 sections 2, 3.1.2 and
// 3.2.4.1; docs/protocol.md, Server control automaton).
#include "proto/pptp/server_control.h"

#include <algorithm>
#include <utility>

#include "base/text.h"

namespace pptpx::pptp {

ServerControl::ServerControl(const ServerControlConfig& cfg, Logger log, Time now)
    : cfg_(cfg),
      link_(std::move(log), cfg.echo_interval, cfg.echo_timeout),
      establish_deadline_(now + cfg.establish_timeout) {}

void ServerControl::on_bytes(ByteView data, Time now) {
  if (closed()) return;
  link_.feed(data);
  while (std::optional<Message> m = link_.next_message(now)) {
    handle(*m, now);
    if (closed()) break;
  }
  if (link_.closed()) {
    state_ = State::kClosed;
    calls_.clear();
  }
}

void ServerControl::on_timer(Time now) {
  if (closed()) return;
  switch (state_) {
    case State::kIdle:
      if (now >= establish_deadline_) {
        link_.stats().establish_timeouts++;
        close("no Start-Control-Connection-Request");
      }
      return;
    case State::kEstablished:
      if (now >= call_deadline_) {
        link_.stats().call_timeouts++;
        close("no call placed in time");
        return;
      }
      link_.keepalive_timer(now);
      break;
    case State::kWaitStopReply:
      link_.keepalive_timer(now);
      if (now >= stop_deadline_) {
        link_.stats().reply_timeouts++;
        close("no Stop-Control-Connection-Reply");
      }
      break;
    case State::kClosed: return;
  }
  if (link_.closed()) state_ = State::kClosed;
}

Time ServerControl::next_deadline() const {
  switch (state_) {
    case State::kIdle: return establish_deadline_;
    case State::kEstablished: return earliest(call_deadline_, link_.keepalive_deadline());
    case State::kWaitStopReply: return earliest(stop_deadline_, link_.keepalive_deadline());
    case State::kClosed: break;
  }
  return kNever;
}

std::string_view ServerControl::state_name() const {
  if (closed()) return kStateNames[3];
  switch (state_) {
    case State::kIdle: return kStateNames[0];
    case State::kEstablished: return kStateNames[1];
    case State::kWaitStopReply: return kStateNames[2];
    case State::kClosed: return kStateNames[3];
  }
  return kStateNames[3];
}

void ServerControl::close(std::string reason) {
  state_ = State::kClosed;
  calls_.clear();
  link_.close(std::move(reason));
}

StartControlConnectionReply ServerControl::sccrp(uint8_t result, uint8_t error) const {
  StartControlConnectionReply r;
  r.protocol_version = kProtocolVersion;
  r.result_code = result;
  r.error_code = error;
  r.framing_capabilities = cfg_.framing_capabilities;
  r.bearer_capabilities = cfg_.bearer_capabilities;
  r.maximum_channels = cfg_.max_channels;
  r.firmware_revision = cfg_.firmware_revision;
  r.host_name = cfg_.host_name;
  r.vendor_string = cfg_.vendor;
  return r;
}

void ServerControl::handle(const Message& m, Time now) {
  const Logger& log = link_.log();
  uint16_t type = message_type(m);
  if (state_ == State::kIdle) {
    handle_before_start(m, now);
    return;
  }

  switch (static_cast<MessageType>(type)) {
    case MessageType::kStartControlConnectionRequest:
      link_.stats().unexpected_messages++;
      log.debug("second Start-Control-Connection-Request");
      link_.send(sccrp(kSccrpChannelExists, kErrorNone));
      return;
    case MessageType::kStopControlConnectionRequest:
      log.info("peer stops the control connection (reason {})",
               std::get<StopControlConnectionRequest>(m).reason);
      link_.send(StopControlConnectionReply{kResultOk, 0});
      close("peer sent Stop-Control-Connection-Request");
      return;
    case MessageType::kStopControlConnectionReply: on_stop_reply(); return;
    case MessageType::kEchoRequest: link_.answer_echo(std::get<EchoRequest>(m)); return;
    case MessageType::kEchoReply: link_.on_echo_reply(std::get<EchoReply>(m)); return;
    case MessageType::kOutgoingCallRequest:
      if (state_ != State::kEstablished) {
        // Shutting down: refuse rather than start a call we will stop.
        refuse_ocrq(std::get<OutgoingCallRequest>(m), kErrorNotConnected);
        return;
      }
      on_ocrq(std::get<OutgoingCallRequest>(m));
      return;
    case MessageType::kCallClearRequest: on_call_clear(std::get<CallClearRequest>(m)); return;
    case MessageType::kIncomingCallRequest: refuse_icrq(std::get<IncomingCallRequest>(m)); return;
    case MessageType::kSetLinkInfo: on_set_link_info(std::get<SetLinkInfo>(m)); return;
    case MessageType::kWanErrorNotify: on_wan_error(std::get<WanErrorNotify>(m)); return;
    case MessageType::kStartControlConnectionReply:
    case MessageType::kOutgoingCallReply:
    case MessageType::kIncomingCallReply:
    case MessageType::kIncomingCallConnected:
    case MessageType::kCallDisconnectNotify: break;
  }
  link_.stats().unexpected_messages++;
  log.debug("ignoring {} (wrong direction)", message_name(type));
}

void ServerControl::handle_before_start(const Message& m, Time now) {
  if (const auto* rq = std::get_if<StartControlConnectionRequest>(&m)) {
    on_sccrq(*rq, now);
  } else {
    link_.stats().unexpected_messages++;
    link_.log().debug("{} before Start-Control-Connection-Request", message_name(message_type(m)));
    close("control connection not started");
  }
}

void ServerControl::on_stop_reply() {
  if (state_ == State::kWaitStopReply) {
    close("local shutdown");
  } else {
    link_.stats().unexpected_messages++;
    link_.log().debug("unsolicited Stop-Control-Connection-Reply");
  }
}

// OCRP General Error with `error`, the call refused.
void ServerControl::refuse_ocrq(const OutgoingCallRequest& rq, uint8_t error) {
  OutgoingCallReply r;
  r.peer_call_id = rq.call_id;
  r.result_code = kResultGeneralError;
  r.error_code = error;
  link_.send(r);
  link_.stats().calls_rejected++;
}

void ServerControl::refuse_icrq(const IncomingCallRequest& rq) {
  link_.stats().incoming_calls_refused++;
  link_.log().info("refusing Incoming-Call-Request (call id {})", rq.call_id);
  IncomingCallReply r;
  r.call_id = 0;
  r.peer_call_id = rq.call_id;
  r.result_code = kIcrpDoNotAccept;
  link_.send(r);
}

void ServerControl::on_set_link_info(const SetLinkInfo& sli) {
  link_.stats().set_link_info++;
  if (!find_ours(sli.peer_call_id)) {
    link_.stats().unknown_call_id++;
    link_.log().debug("Set-Link-Info for unknown call {}", sli.peer_call_id);
    return;
  }
  link_.emit(LinkInfo{sli.peer_call_id, sli.send_accm, sli.receive_accm});
}

void ServerControl::on_wan_error(const WanErrorNotify& w) {
  link_.stats().wan_errors++;
  link_.log().info("WAN-Error-Notify for call {}", w.peer_call_id);
  link_.emit(WanError{w.peer_call_id, w.crc_errors, w.framing_errors, w.hardware_overruns,
                      w.buffer_overruns, w.time_out_errors, w.alignment_errors});
}

void ServerControl::on_sccrq(const StartControlConnectionRequest& m, Time now) {
  const Logger& log = link_.log();
  if (m.protocol_version != kProtocolVersion) {
    log.info("unsupported PPTP version {:#06x}", m.protocol_version);
    link_.send(sccrp(kSccrpBadVersion, kErrorNone));
    close("unsupported protocol version");
    return;
  }
  log.debug("Start-Control-Connection-Request from host '{}' vendor '{}'", escaped(m.host_name),
            escaped(m.vendor_string));
  link_.send(sccrp(kResultOk, kErrorNone));
  state_ = State::kEstablished;
  if (cfg_.call_timeout > Duration::zero()) call_deadline_ = now + cfg_.call_timeout;
  link_.start_keepalive(now);
}

void ServerControl::on_ocrq(const OutgoingCallRequest& m) {
  const Logger& log = link_.log();
  link_.stats().calls_requested++;
  if (find_peer(m.call_id)) {
    log.debug("Outgoing-Call-Request reuses peer call id {}", m.call_id);
    refuse_ocrq(m, kErrorBadCallId);
    return;
  }
  if (calls_.size() >= std::max<size_t>(cfg_.max_channels, 1)) {
    log.info("Outgoing-Call-Request refused: {} calls already", calls_.size());
    refuse_ocrq(m, kErrorNoResource);
    return;
  }
  calls_.push_back(Call{m.call_id, 0, m.maximum_bps, m.packet_recv_window_size, false});
  link_.emit(CallRequested{m.call_id, m.call_serial_number, m.minimum_bps, m.maximum_bps,
                           m.bearer_type, m.framing_type, m.packet_recv_window_size,
                           m.packet_processing_delay, m.phone_number});
}

void ServerControl::on_call_clear(const CallClearRequest& m) {
  link_.stats().calls_cleared++;
  Call* c = find_peer(m.call_id);
  if (!c) {
    link_.stats().unknown_call_id++;
    link_.log().debug("Call-Clear-Request for unknown call {}", m.call_id);
    return;
  }
  uint16_t ours = c->accepted ? c->our_call_id : 0;
  CallDisconnectNotify cdn;
  // Not accepted yet: there is no ID of ours, so echo the peer's.
  cdn.call_id = c->accepted ? c->our_call_id : c->peer_call_id;
  cdn.result_code = kCdnRequest;
  link_.send(cdn);
  link_.stats().calls_disconnected++;
  erase(c);
  link_.emit(CallCleared{m.call_id, ours});
}

void ServerControl::accept_call(uint16_t peer_call_id, uint16_t our_call_id, uint32_t connect_speed,
                                Time) {
  if (state_ != State::kEstablished) return;
  Call* c = find_peer(peer_call_id);
  if (!c || c->accepted) {
    link_.log().debug("accept_call: no pending call {}", peer_call_id);
    return;
  }
  c->accepted = true;
  c->our_call_id = our_call_id;
  call_deadline_ = kNever;
  OutgoingCallReply r;
  r.call_id = our_call_id;
  r.peer_call_id = peer_call_id;
  r.result_code = kOcrpConnected;
  r.connect_speed = connect_speed ? connect_speed : c->max_bps;
  r.packet_recv_window_size = cfg_.recv_window;
  link_.send(r);
  link_.stats().calls_accepted++;
}

void ServerControl::reject_call(uint16_t peer_call_id, uint8_t result, uint8_t error, Time) {
  if (closed()) return;
  Call* c = find_peer(peer_call_id);
  if (!c || c->accepted) {
    link_.log().debug("reject_call: no pending call {}", peer_call_id);
    return;
  }
  OutgoingCallReply r;
  r.peer_call_id = peer_call_id;
  r.result_code = result;
  r.error_code = error;
  link_.send(r);
  link_.stats().calls_rejected++;
  erase(c);
}

void ServerControl::disconnect_call(uint16_t our_call_id, uint8_t result, std::string_view stats,
                                    Time) {
  if (closed()) return;
  Call* c = find_ours(our_call_id);
  if (!c) {
    link_.log().debug("disconnect_call: no call {}", our_call_id);
    return;
  }
  CallDisconnectNotify cdn;
  cdn.call_id = our_call_id;
  cdn.result_code = result;
  cdn.call_statistics = std::string(stats);
  link_.send(cdn);
  link_.stats().calls_disconnected++;
  erase(c);
}

void ServerControl::shutdown(uint8_t reason, Time now) {
  if (state_ == State::kIdle) {
    close("local shutdown");
    return;
  }
  if (state_ != State::kEstablished) return;
  for (const Call& c : calls_) {
    if (!c.accepted) continue;
    CallDisconnectNotify cdn;
    cdn.call_id = c.our_call_id;
    cdn.result_code = kCdnAdminShutdown;
    link_.send(cdn);
    link_.stats().calls_disconnected++;
  }
  calls_.clear();
  link_.send(StopControlConnectionRequest{reason});
  state_ = State::kWaitStopReply;
  stop_deadline_ = now + cfg_.stop_timeout;
}

ServerControl::Call* ServerControl::find_peer(uint16_t peer_call_id) {
  for (Call& c : calls_)
    if (c.peer_call_id == peer_call_id) return &c;
  return nullptr;
}

ServerControl::Call* ServerControl::find_ours(uint16_t our_call_id) {
  for (Call& c : calls_)
    if (c.accepted && c.our_call_id == our_call_id) return &c;
  return nullptr;
}

void ServerControl::erase(const Call* c) { calls_.erase(calls_.begin() + (c - calls_.data())); }

}  // namespace pptpx::pptp
