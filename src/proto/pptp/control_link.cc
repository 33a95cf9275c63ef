// SPDX-License-Identifier: MIT
// ControlLink: framing, output, events and keep-alive shared by both control
// automata (RFC 2637 sections 2.5, 2.6 and 3.1.4; docs/protocol.md, Control
// keep-alive and timers).
#include "proto/pptp/control_link.h"

#include <utility>

namespace pptpx::pptp {

std::optional<Message> ControlLink::next_message(Time now) {
  while (!closed_) {
    std::optional<ByteView> raw = framer_.next();
    if (!raw) {
      if (framer_.failed()) {
        if (framer_.error() == FramerError::kBadCookie) {
          ++stats_.bad_cookie;
          close("bad magic cookie");
        } else {
          ++stats_.bad_length;
          close("impossible message length");
        }
      }
      return std::nullopt;
    }
    DecodeResult d = decode(*raw);
    uint16_t type = raw->size() >= kHeaderSize ? get_u16(raw->data() + 8) : 0;
    switch (d.error) {
      case DecodeError::kNone: break;
      case DecodeError::kBadLength:
      case DecodeError::kTruncated:
        // The framer consumed Length octets, so the stream is still in
        // sync, but a peer that gets lengths wrong cannot be trusted
        // (accel-ppp and pptp-linux both drop such a peer).
        ++stats_.bad_length;
        log_.debug("{} with length {}: closing", message_name(type), raw->size());
        close("bad message length");
        return std::nullopt;
      case DecodeError::kBadCookie:
        ++stats_.bad_cookie;
        close("bad magic cookie");
        return std::nullopt;
      case DecodeError::kBadMessageType:
        ++stats_.bad_message_type;
        log_.debug("dropping PPTP message type {}", get_u16(raw->data() + 2));
        continue;
      case DecodeError::kUnknownType:
        ++stats_.unknown_type;
        log_.debug("dropping unknown control message type {}", type);
        continue;
    }
    if (d.reserved_nonzero) {
      ++stats_.reserved_nonzero;
      log_.debug("{}: non-zero reserved field (accepted)", message_name(type));
    }
    ++stats_.messages_received;
    last_received_ = now;
    if (log_.enabled(LogLevel::kDebug)) log_.debug("rcvd [{}]", describe(d.message));
    return std::move(d.message);
  }
  return std::nullopt;
}

void ControlLink::send(const Message& m) {
  if (closed_) return;
  if (log_.enabled(LogLevel::kDebug)) log_.debug("sent [{}]", describe(m));
  encode(m, output_);
  ++stats_.messages_sent;
}

std::optional<ControlEvent> ControlLink::poll_event() {
  if (events_.empty()) return std::nullopt;
  ControlEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void ControlLink::close(std::string reason) {
  if (closed_) return;
  closed_ = true;
  keepalive_ = false;
  log_.debug("control connection closed: {}", reason);
  close_reason_ = reason;
  emit(Closed{std::move(reason)});
}

void ControlLink::start_keepalive(Time now) {
  keepalive_ = echo_interval_ > Duration::zero();
  last_received_ = now;
  echo_outstanding_ = false;
}

void ControlLink::answer_echo(const EchoRequest& m) {
  ++stats_.echo_requests_received;
  send(EchoReply{m.identifier, kResultOk, 0});
}

void ControlLink::on_echo_reply(const EchoReply& m) {
  ++stats_.echo_replies_received;
  if (echo_outstanding_ && m.identifier == echo_identifier_) {
    echo_outstanding_ = false;
  } else {
    ++stats_.echo_replies_unmatched;
    log_.debug("Echo-Reply with unexpected identifier {:#x}", m.identifier);
  }
}

Time ControlLink::keepalive_deadline() const {
  if (!keepalive_ || closed_) return kNever;
  if (echo_outstanding_) return echo_sent_ + echo_timeout_;
  return last_received_ + echo_interval_;
}

void ControlLink::keepalive_timer(Time now) {
  if (!keepalive_ || closed_) return;
  if (echo_outstanding_) {
    if (now >= echo_sent_ + echo_timeout_) {
      ++stats_.echo_timeouts;
      close("no Echo-Reply");
    }
    return;
  }
  if (now >= last_received_ + echo_interval_) {
    echo_outstanding_ = true;
    echo_sent_ = now;
    ++echo_identifier_;
    ++stats_.echo_requests_sent;
    send(EchoRequest{echo_identifier_});
  }
}

std::string describe_control(const ControlStats& s) {
  return fmt::format(
      "PPTP control: messages in {} out {} | malformed: truncated {} length {} cookie {} type {} "
      "unknown-type {} reserved {} | unexpected {} unknown-call {} | echo in {} out {} replies {} "
      "unmatched {} timeouts {} | timeouts: establish {} reply {} call {} | calls requested {} "
      "accepted "
      "{} rejected {} cleared {} disconnected {} incoming-refused {} | set-link-info {} "
      "wan-errors {}",
      s.messages_received, s.messages_sent, s.truncated, s.bad_length, s.bad_cookie,
      s.bad_message_type, s.unknown_type, s.reserved_nonzero, s.unexpected_messages,
      s.unknown_call_id, s.echo_requests_received, s.echo_requests_sent, s.echo_replies_received,
      s.echo_replies_unmatched, s.echo_timeouts, s.establish_timeouts, s.reply_timeouts,
      s.call_timeouts, s.calls_requested, s.calls_accepted, s.calls_rejected, s.calls_cleared,
      s.calls_disconnected, s.incoming_calls_refused, s.set_link_info, s.wan_errors);
}

}  // namespace pptpx::pptp
