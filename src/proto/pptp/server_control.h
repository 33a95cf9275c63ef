// SPDX-License-Identifier: MIT
// The server (PAC, control-connection receiver) automaton of one PPTP control
// connection, sans-I/O (RFC 2637 sections 1.4, 2, 3.1.2 and 3.2.4.1;
// docs/protocol.md, Server control automaton).
//
// States: idle (TCP accepted, waiting for SCCRQ) -> established ->
// [wait_stop_reply] -> closed. Several calls may live on one connection; the
// automaton keeps peer Call ID -> our Call ID for each and answers on its own
// everything that needs no application decision:
//   * SCCRQ version != 0x0100: SCCRP Result 5, close. Second SCCRQ: Result 3.
//   * Anything but SCCRQ before SCCRQ: close (the peer is not speaking PPTP).
//   * Outgoing-Call-Request: CallRequested event; the application answers
//     with accept_call()/reject_call(). Over max_channels, or a peer Call ID
//     already in use: OCRP Result 2 (error 4 / 5) without an event.
//   * Call-Clear-Request: answered at once with CDN Result 4, the call is
//     forgotten, then CallCleared is reported.
//   * Incoming-Call-Request (unused by VPNs): Incoming-Call-Reply Result 3.
//   * Echo-Request: Echo-Reply in every established state; our own
//     Echo-Request after echo_interval without any received message, close
//     after echo_timeout without the reply.
//   * Stop-Control-Connection-Request: Stop reply Result 1, then Closed.
//   * No call accepted call_timeout after establishment (when set): close
//     (an idle connection that holds a place among the waiting ones).
//   * Set-Link-Info, WAN-Error-Notify: events (and counters).
//   * Bad cookie, impossible or wrong length: Closed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/log.h"
#include "base/time.h"
#include "proto/pptp/control_link.h"

namespace pptpx::pptp {

struct ServerControlConfig {
  std::string host_name = "pptpx";
  std::string vendor = "pptpx";
  uint16_t firmware_revision = 1;
  Duration establish_timeout = seconds(60);
  // After establishment, until the first call is accepted; zero: no limit.
  Duration call_timeout = Duration::zero();
  Duration echo_interval = seconds(60);  // zero disables our Echo-Requests
  Duration echo_timeout = seconds(60);
  Duration stop_timeout = seconds(60);  // wait for Stop-Control-Connection-Reply
  uint16_t max_channels = 1;            // calls on one control connection
  uint16_t recv_window = 64;            // our Packet Recv. Window Size in OCRP
  uint32_t framing_capabilities = 3;    // async | sync, like accel-ppp
  uint32_t bearer_capabilities = 3;
};

class ServerControl {
 public:
  ServerControl(const ServerControlConfig& cfg, Logger log, Time now);

  void on_bytes(ByteView data, Time now);
  void on_timer(Time now);
  Time next_deadline() const;
  Bytes take_output() { return link_.take_output(); }
  std::optional<ControlEvent> poll_event() { return link_.poll_event(); }

  // OCRP Result 1 for a pending CallRequested. connect_speed 0 means "the
  // request's maximum BPS" (what accel-ppp answers).
  void accept_call(uint16_t peer_call_id, uint16_t our_call_id, uint32_t connect_speed, Time now);
  // OCRP with result (2, 4, 7...) and error code for a pending call.
  void reject_call(uint16_t peer_call_id, uint8_t result, uint8_t error, Time now);
  // Call-Disconnect-Notify (Call ID = ours, per RFC) for an accepted call.
  void disconnect_call(uint16_t our_call_id, uint8_t result, std::string_view stats, Time now);
  // Clears the calls with CDN Result 3, sends Stop-Control-Connection-Request
  // and waits stop_timeout for the reply. Before establishment: just closes.
  void shutdown(uint8_t reason, Time now);

  bool closed() const { return link_.closed(); }
  const std::string& close_reason() const { return link_.close_reason(); }
  const ControlStats& stats() const { return link_.stats(); }
  bool established() const { return state_ == State::kEstablished; }
  // The connection's state for the metrics: "starting" (no
  // Start-Control-Connection-Request yet), "established", "stopping" (our
  // Stop-Control-Connection-Request waits for its reply), "closed".
  std::string_view state_name() const;
  static constexpr std::array<std::string_view, 4> kStateNames = {"starting", "established",
                                                                  "stopping", "closed"};
  size_t call_count() const { return calls_.size(); }

 private:
  enum class State { kIdle, kEstablished, kWaitStopReply, kClosed };
  struct Call {
    uint16_t peer_call_id;
    uint16_t our_call_id;  // 0 while pending
    uint32_t max_bps;
    uint16_t peer_window;
    bool accepted;
  };

  void handle(const Message& m, Time now);
  void handle_before_start(const Message& m, Time now);
  void on_sccrq(const StartControlConnectionRequest& m, Time now);
  void on_stop_reply();
  void on_ocrq(const OutgoingCallRequest& m);
  void refuse_ocrq(const OutgoingCallRequest& rq, uint8_t error);
  void refuse_icrq(const IncomingCallRequest& rq);
  void on_set_link_info(const SetLinkInfo& sli);
  void on_wan_error(const WanErrorNotify& w);
  void on_call_clear(const CallClearRequest& m);
  Call* find_peer(uint16_t peer_call_id);
  Call* find_ours(uint16_t our_call_id);
  void erase(const Call* c);
  void close(std::string reason);
  StartControlConnectionReply sccrp(uint8_t result, uint8_t error) const;

  ServerControlConfig cfg_;
  ControlLink link_;
  State state_ = State::kIdle;
  Time establish_deadline_;
  Time call_deadline_ = kNever;  // established, no call accepted yet
  Time stop_deadline_ = kNever;
  std::vector<Call> calls_;
};

}  // namespace pptpx::pptp
