// SPDX-License-Identifier: MIT
// What both ends of a PPTP control connection share (RFC 2637 sections 1.4,
// 2.5, 2.6, 3.1.4; docs/protocol.md, Control keep-alive and timers): the
// events the automata report to the application, their counters, and
// ControlLink, which owns the stream framer, the output buffer, the event
// queue and the Echo-Request keep-alive.
//
// ServerControl (PAC) and ClientControl (PNS) are built on ControlLink.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "base/bytes.h"
#include "base/log.h"
#include "base/time.h"
#include "proto/pptp/framer.h"
#include "proto/pptp/messages.h"

namespace pptpx::pptp {

// Server side: the peer sent an Outgoing-Call-Request; answer with
// ServerControl::accept_call() or reject_call().
struct CallRequested {
  uint16_t peer_call_id = 0;
  uint16_t serial = 0;
  uint32_t min_bps = 0;
  uint32_t max_bps = 0;
  uint32_t bearer = 0;
  uint32_t framing = 0;
  uint16_t recv_window = 0;
  uint16_t processing_delay = 0;
  std::string phone;
};
// Server side: the peer sent Call-Clear-Request. ServerControl has already
// answered with Call-Disconnect-Notify Result 4 and forgotten the call;
// the application only tears down the session. our_call_id is 0 when the
// call had not been accepted yet.
struct CallCleared {
  uint16_t peer_call_id = 0;
  uint16_t our_call_id = 0;
};
// Server side: Set-Link-Info (meaningless over GRE; reported for logging).
struct LinkInfo {
  uint16_t our_call_id = 0;
  uint32_t send_accm = 0;
  uint32_t recv_accm = 0;
};
struct WanError {
  uint16_t call_id = 0;
  uint32_t crc_errors = 0;
  uint32_t framing_errors = 0;
  uint32_t hardware_overruns = 0;
  uint32_t buffer_overruns = 0;
  uint32_t time_out_errors = 0;
  uint32_t alignment_errors = 0;
};
// Client side: SCCRP Result 1 received.
struct Established {
  std::string peer_host_name;
  std::string peer_vendor;
  uint16_t peer_firmware_revision = 0;
};
// Client side: OCRP Result 1. GRE sent to the server carries peer_call_id.
struct CallConnected {
  uint16_t our_call_id = 0;
  uint16_t peer_call_id = 0;
  uint16_t recv_window = 0;  // the server's Packet Recv. Window Size
  uint32_t connect_speed = 0;
};
struct CallRejected {
  uint16_t our_call_id = 0;
  uint8_t result = 0;
  uint8_t error = 0;
};
// Client side: Call-Disconnect-Notify received, or our Call-Clear-Request
// went unanswered for the reply timeout.
struct CallDisconnected {
  uint16_t our_call_id = 0;
  uint8_t result = 0;
  uint8_t error = 0;
  uint16_t cause = 0;
  std::string statistics;
};
// The control connection is over (every call on it is gone): close TCP once
// take_output() has been written.
struct Closed {
  std::string reason;
};

using ControlEvent = std::variant<CallRequested, CallCleared, LinkInfo, WanError, Established,
                                  CallConnected, CallRejected, CallDisconnected, Closed>;

struct ControlStats {
  uint64_t messages_received = 0;
  uint64_t messages_sent = 0;
  uint64_t truncated = 0;
  uint64_t bad_length = 0;
  uint64_t bad_cookie = 0;
  uint64_t bad_message_type = 0;
  uint64_t unknown_type = 0;
  uint64_t reserved_nonzero = 0;
  uint64_t unexpected_messages = 0;  // valid but not allowed in this state or direction
  uint64_t unknown_call_id = 0;
  uint64_t echo_requests_received = 0;
  uint64_t echo_requests_sent = 0;
  uint64_t echo_replies_received = 0;
  uint64_t echo_replies_unmatched = 0;
  uint64_t echo_timeouts = 0;
  uint64_t establish_timeouts = 0;
  uint64_t reply_timeouts = 0;
  uint64_t call_timeouts = 0;  // server: established, no call placed in time
  uint64_t calls_requested = 0;
  uint64_t calls_accepted = 0;
  uint64_t calls_rejected = 0;
  uint64_t calls_cleared = 0;       // Call-Clear-Request received (server) or sent (client)
  uint64_t calls_disconnected = 0;  // CDN sent (server) or received (client)
  uint64_t incoming_calls_refused = 0;
  uint64_t set_link_info = 0;
  uint64_t wan_errors = 0;
};

// "PPTP control: messages in N out N | ..." for the stats lines.
std::string describe_control(const ControlStats& s);

class ControlLink {
 public:
  ControlLink(Logger log, Duration echo_interval, Duration echo_timeout)
      : log_(std::move(log)), echo_interval_(echo_interval), echo_timeout_(echo_timeout) {}

  // Feeds TCP bytes; returns the next valid message or nullopt. Decode
  // errors are counted and logged; the fatal ones close the link.
  void feed(ByteView data) { framer_.push(data); }
  std::optional<Message> next_message(Time now);

  void send(const Message& m);
  Bytes take_output() { return std::exchange(output_, {}); }

  void emit(ControlEvent e) { events_.push_back(std::move(e)); }
  std::optional<ControlEvent> poll_event();

  // Marks the link closed and reports Closed{reason} once.
  void close(std::string reason);
  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }

  // Keep-alive: active from start_keepalive() until close.
  void start_keepalive(Time now);
  void answer_echo(const EchoRequest& m);
  void on_echo_reply(const EchoReply& m);
  Time keepalive_deadline() const;
  void keepalive_timer(Time now);

  ControlStats& stats() { return stats_; }
  const ControlStats& stats() const { return stats_; }
  const Logger& log() const { return log_; }

 private:
  Logger log_;
  Framer framer_;
  Bytes output_;
  std::deque<ControlEvent> events_;
  ControlStats stats_;
  bool closed_ = false;
  std::string close_reason_;

  Duration echo_interval_;
  Duration echo_timeout_;
  bool keepalive_ = false;
  Time last_received_{};
  bool echo_outstanding_ = false;
  uint32_t echo_identifier_ = 0;
  Time echo_sent_{};
};

}  // namespace pptpx::pptp
