// SPDX-License-Identifier: MIT
// An in-test PPTP client for the integration tests: TCP control connection
// driven by pptp::ClientControl, a raw GRE socket with gre::Channel, a
// ppp::Session in the authenticatee role and MPPE once CCP is up, all run by
// a poll() loop on real time. Every wait is bounded by the caller.
//
// It records what it sees (control events, session events, every PPP
// control frame received, decrypted IP packets) so tests can assert on
// exact values, and lets tests inject hand-made GRE and PPP frames.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/time.h"
#include "crypto/crypto.h"
#include "proto/gre/gre.h"
#include "proto/mppe/mppe.h"
#include "proto/ppp/session.h"
#include "proto/pptp/client_control.h"

namespace pptpx::integ {

struct ClientOptions {
  std::string user = "user1";
  std::string password = "secret1";
  bool request_dns = true;
  uint16_t call_id = 0x4a21;
  ppp::MppePolicy mppe;  // default: 128-bit stateless, required
  std::string local_addr = "192.168.88.2";
  std::string server_addr = "192.168.88.1";
  // GRE for our call that arrives before the Outgoing-Call-Reply is kept
  // and processed once the call is connected (a kernel-based client would
  // drop it; see early_gre).
  bool keep_early_gre = true;
};

struct ReceivedFrame {
  uint16_t protocol = 0;
  Bytes info;
};

// Writes to stderr when PPTPX_IT_DEBUG is set in the environment.
class StderrSink final : public LogSink {
 public:
  StderrSink();
  void write(LogLevel level, std::string_view line) override;
  bool enabled(LogLevel level) const override { return on_ || level <= LogLevel::kWarning; }

 private:
  bool on_;
};

class PptpClient {
 public:
  explicit PptpClient(ClientOptions opts = {});
  ~PptpClient();
  PptpClient(const PptpClient&) = delete;
  PptpClient& operator=(const PptpClient&) = delete;

  // Connects TCP (bounded by 3 s), opens the raw GRE socket, sends SCCRQ and
  // queues the Outgoing-Call-Request. False (with error()) on failure.
  bool start();
  const std::string& error() const { return error_; }

  // Runs the loop until pred() holds or timeout passes; returns pred().
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
  // Runs the loop for a fixed time.
  void run_for(std::chrono::milliseconds d);

  // Convenience predicates.
  bool ip_up() const { return ip_up_.has_value(); }
  bool finished() const { return finished_.has_value(); }

  // Sends a complete PPP frame (address/control and protocol included) in a
  // GRE packet with the next sequence number.
  void send_ppp_frame(ByteView frame);
  // Encodes protocol + info with the negotiated ACFC/PFC and sends it.
  void send_ppp(uint16_t protocol, ByteView info);
  // Sends an IPv4 packet, encrypted when MPPE is up.
  void send_ip(ByteView ip);
  // Sends bytes as they are (starting at the GRE header) to the server.
  void send_raw_gre(ByteView gre);
  // Sends an ICMP echo request src -> dst through the tunnel every 250 ms
  // until the matching echo reply arrives or timeout passes.
  bool ping(Ipv4 src, Ipv4 dst, uint16_t id, uint16_t seq, std::chrono::milliseconds timeout);

  // LCP Terminate-Request (session.close).
  void close_session(std::string_view reason);
  // Call-Clear-Request then Stop-Control-Connection-Request.
  void hangup();

  ppp::Session* session() { return session_.get(); }
  pptp::ClientControl& control() { return control_; }
  uint16_t our_call_id() const { return opts_.call_id; }
  std::optional<uint16_t> peer_call_id() const { return peer_call_id_; }

  // What was seen.
  std::vector<pptp::ControlEvent> control_events;
  std::vector<ppp::SessionEvent> session_events;
  std::vector<ReceivedFrame> control_frames;  // every non-data PPP frame from the server
  std::deque<Bytes> ip_in;                    // decrypted IPv4 packets
  uint64_t mppe_errors = 0;
  uint64_t gre_other = 0;
  uint64_t early_gre = 0;  // GRE for our call received before the call was connected  // GRE from
                           // the server that did not parse or was for another call
  bool tcp_eof = false;

  std::optional<ppp::event::IpUp> ip_up_;
  std::optional<ppp::event::CcpUp> ccp_up_;
  std::optional<ppp::event::AuthFailed> auth_failed_;
  std::optional<ppp::event::Finished> finished_;

 private:
  void step(Time until);
  void pump(Time now);
  void read_tcp(Time now);
  void read_gre(Time now);
  void on_gre(ByteView ip, Time now);
  void on_frame(ByteView frame, Time now);
  void send_gre_payload(ByteView ppp, Time now);
  void on_session_event(ppp::SessionEvent& ev);

  ClientOptions opts_;
  StderrSink sink_;
  Logger log_;
  crypto::SystemRng rng_;
  pptp::ClientControl control_;
  std::unique_ptr<ppp::Session> session_;
  std::optional<gre::Channel> channel_;
  std::optional<mppe::Encryptor> enc_;
  std::optional<mppe::Decryptor> dec_;
  std::optional<uint16_t> peer_call_id_;
  std::vector<Bytes> early_;
  Ipv4 server_;
  int tcp_fd_ = -1;
  int gre_fd_ = -1;
  std::string error_;
};

// RFC 1071 Internet checksum over data.
uint16_t inet_checksum(ByteView data);
// An IPv4 ICMP echo request (type 8) with a 32-octet payload.
Bytes make_icmp_echo(Ipv4 src, Ipv4 dst, uint16_t id, uint16_t seq);
// True when ip is an ICMP echo reply (type 0) from src to dst with id/seq.
bool is_icmp_echo_reply(ByteView ip, Ipv4 src, Ipv4 dst, uint16_t id, uint16_t seq);

}  // namespace pptpx::integ
