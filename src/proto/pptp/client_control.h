// SPDX-License-Identifier: MIT
// The client (PNS, control-connection originator) automaton of one PPTP
// control connection, sans-I/O (RFC 2637 sections 1.4, 2, 3.1.1 and 3.2.4.2;
// docs/protocol.md, Client control automaton).
//
// States: idle -> start() sends SCCRQ -> wait_ctl_reply -> established ->
// [wait_disconnect] -> wait_stop_reply -> closed. Calls placed before the
// connection is established are sent once it is. Events: Established,
// CallConnected, CallRejected, CallDisconnected, Closed.
//   * SCCRP with Result != 1 or another version: StopCCRQ (reason 2) and
//     wait for the reply; 60 s without SCCRP: close.
//   * OCRP unanswered for reply_timeout: CallRejected{result 6 (time-out)}.
//   * A CDN is matched against both our Call ID and the server's, because
//     accel-ppp puts the client's ID where the RFC puts the server's.
//   * hangup(): Call-Clear-Request for each call, wait for the CDNs (at most
//     reply_timeout), then StopCCRQ and wait for the reply (reply_timeout).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "base/time.h"
#include "proto/pptp/control_link.h"

namespace pptpx::pptp {

struct ClientControlConfig {
  std::string host_name = "local";
  std::string vendor = "pptpx";
  uint16_t firmware_revision = 1;
  Duration establish_timeout = seconds(60);
  Duration reply_timeout = seconds(60);  // OCRP, CDN after Call-Clear, StopCCRP
  Duration echo_interval = seconds(60);  // zero disables our Echo-Requests
  Duration echo_timeout = seconds(60);
};

struct CallParams {
  uint16_t call_id = 0;  // ours; GRE from the server carries it
  uint16_t serial = 0;
  uint32_t min_bps = 2400;
  uint32_t max_bps = 10000000;
  uint16_t recv_window = 64;
  uint16_t processing_delay = 0;
  std::string phone;
};

class ClientControl {
 public:
  ClientControl(const ClientControlConfig& cfg, Logger log, Time now);

  // TCP connected: sends SCCRQ.
  void start(Time now);
  void on_bytes(ByteView data, Time now);
  void on_timer(Time now);
  Time next_deadline() const;
  Bytes take_output() { return link_.take_output(); }
  std::optional<ControlEvent> poll_event() { return link_.poll_event(); }

  // Sends Outgoing-Call-Request now, or once the connection is established.
  void place_call(const CallParams& p, Time now);
  // Call-Clear-Request for one call (CallDisconnected follows on CDN).
  void clear_call(uint16_t our_call_id, Time now);
  // Set-Link-Info for a connected call (pptp-linux sends it only on request).
  void set_link_info(uint16_t our_call_id, uint32_t send_accm, uint32_t recv_accm);
  // Clears every call, then stops the control connection.
  void hangup(Time now);

  bool closed() const { return link_.closed(); }
  bool established() const { return state_ == State::kEstablished; }
  const std::string& close_reason() const { return link_.close_reason(); }
  const ControlStats& stats() const { return link_.stats(); }

 private:
  enum class State { kIdle, kWaitCtlReply, kEstablished, kWaitDisconnect, kWaitStopReply, kClosed };
  enum class CallState { kQueued, kWaitReply, kConnected, kClearing };
  struct Call {
    CallParams params;
    CallState state;
    uint16_t peer_call_id;
    Time deadline;
  };

  void handle(const Message& m, Time now);
  void on_sccrp(const StartControlConnectionReply& m, Time now);
  void on_ocrp(const OutgoingCallReply& m);
  void on_cdn(const CallDisconnectNotify& m, Time now);
  void send_ocrq(Call& c, Time now);
  void send_stop(uint8_t reason, Time now);
  void maybe_stop(Time now);
  Call* find_ours(uint16_t id);
  void erase(const Call* c);
  void close(std::string reason);

  ClientControlConfig cfg_;
  ControlLink link_;
  State state_ = State::kIdle;
  Time deadline_ = kNever;  // establishment or Stop reply
  std::vector<Call> calls_;
};

}  // namespace pptpx::pptp
