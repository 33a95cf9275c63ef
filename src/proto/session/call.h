// SPDX-License-Identifier: MIT
// One PPTP call's PPP link, whole: the PPP control core (ppp::Session), the
// per-packet path (DataPath: GRE sequence numbers, PPP framing, MPPE) and
// the glue between them, for pptpxd (server role) and pptpx (client role)
// alike. Sans-I/O: no sockets, clocks or globals.
//
// The application demultiplexes GRE to the call (call ID and peer address),
// and owns the buffers:
//   - receive(): a GRE packet for this call, decrypted in place; it may
//     carry an IP packet for the TUN side, and after it the reorder window
//     may release more (next_released()).
//   - send_ip(): an IP packet read from the TUN side at buf + kHeadroom;
//     the whole GRE packet comes back, framed and encrypted in buf.
//   - poll_transmit(): control frames and ack-only packets to send, one per
//     call, written into the caller's buffer.
//   - on_timer() at next_deadline().
//   - poll_event(): what the application must act on (CallEvent below);
//     provide_secret() and start_network() answer its questions.
// No allocation and no virtual call per data packet; control frames (a few
// per second at most) are queued as they come from the PPP core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"
#include "proto/gre/gre.h"
#include "proto/ppp/session.h"
#include "proto/session/data_path.h"
#include "proto/session/path_check.h"

namespace pptpx::session {

struct CallConfig {
  ppp::SessionConfig ppp;
  gre::ChannelConfig gre;
  // pppd `mtu`: the interface MTU before the peer's MRU and MPPE cap it.
  int mtu = 1500;
  // pppd `idle`: no IP either way for this long ends the link (0: never).
  Duration idle{0};
  // pptpx `mssclamp` (the default) / `nomssclamp`: while IP is up, TCP SYNs
  // either way get an MSS that fits interface_mtu() (tcp_mss.h).
  bool mss_clamp = true;
  // pptpx `mtu-check` (the default) / `nomtu-check`: once IP is up, find
  // out whether full-size packets cross the path (path_check.h) and log
  // the mtu and mru to set where they do not.
  bool mtu_check = true;
  // Where the admin sets mtu and mru, for those messages ("in
  // /etc/ppp/options.pptpd"); empty: no place named.
  std::string options_place;
};

namespace call_event {
// The PPP core asks for a secret; answer with Call::provide_secret (now or
// later). repeated: our side was asked again within one LCP negotiation,
// which means the peer refused the secret we gave.
struct SecretNeeded {
  ppp::SecretRequest request;
  bool repeated = false;
};
using Authenticated = ppp::event::Authenticated;  // a server answers with start_network()
using AuthFailed = ppp::event::AuthFailed;
// IPCP is up: the negotiated addresses, the name servers the peer gave us
// (client role), and the MTU the interface should have.
struct IpUp {
  Ipv4 local;
  Ipv4 remote;
  NameServers servers;
  int mtu = 0;
};
// renegotiating: the link stays (LCP or IPCP negotiate again): keep the
// interface; ip-down runs now, ip-up at the next IpUp.
struct IpDown {
  bool renegotiating = false;
};
// MPPE came up (CcpUp) or went away (CcpDown); mtu is the interface MTU now.
struct CcpUp {
  int key_bits = 0;
  bool stateless = true;
  int mtu = 0;
};
struct CcpDown {};
// LCP echo requests went unanswered: the peer is gone. Finished follows
// once the Terminate-Requests time out.
struct LinkDead {};
// The link is over (LCP Finished); reason as the log and pppd say it.
struct Finished {
  std::string reason;
};
}  // namespace call_event

// One line naming what an ICMP error about our GRE means, and the fix.
std::string describe_path_error(const PathError& e);

using CallEvent =
    std::variant<call_event::SecretNeeded, call_event::Authenticated, call_event::AuthFailed,
                 call_event::IpUp, call_event::IpDown, call_event::CcpUp, call_event::CcpDown,
                 call_event::LinkDead, call_event::Finished>;

// Per-call traffic, as the scripts (BYTES_SENT, BYTES_RCVD) and the logs
// show it: IP packets between the TUN side and the link.
struct CallTraffic {
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t packets_in = 0, packets_out = 0;
  uint64_t data_before_up = 0;  // IP either way before the network phase allowed it
};

class Call {
 public:
  Call(const CallConfig& cfg, Rng& rng, Logger log, Time now);
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

  // LCP starts (the PPTP call is connected).
  void open(Time now);
  bool opened() const { return opened_; }
  // A close that names the cause: LCP Terminate-Request with `reason`;
  // Finished follows.
  void close(std::string_view reason, Time now);
  // The LCP terminate retries are over or cut short: Finished at once.
  bool finished() const { return finished_; }

  // ---- inbound ----
  // A GRE packet for this call (header and payload as parsed, payload in
  // the caller's buffer). Returns the IP packet it carried, if it is for
  // the TUN side now (a view into payload), else an empty view.
  ByteView receive(const gre::Header& h, MutableByteView payload, Time now);
  // IP packets the reorder window releases, in order, until empty; each
  // view stays valid until the next call.
  ByteView next_released(Time now);

  // ---- outbound ----
  // buf[kHeadroom, kHeadroom + ip_len) holds a packet from the TUN side.
  // Returns the GRE packet to send (inside buf), or empty if dropped (counted).
  ByteView send_ip(uint8_t* buf, size_t ip_len, Time now);
  // The next control frame or ack-only packet to send, written into buf
  // (cap octets, at least kHeadroom + the largest PPP frame); empty when
  // nothing is waiting. *dont_fragment (when given) says whether it must
  // leave with DF set (a path MTU probe).
  ByteView poll_transmit(uint8_t* buf, size_t cap, Time now, bool* dont_fragment = nullptr);
  // An ICMP error (or our host's refusal of a DF packet) about a GRE packet
  // this call sent.
  void on_path_error(const PathError& e, Time now);

  void on_timer(Time now);
  Time next_deadline() const;
  std::optional<CallEvent> poll_event();

  // ---- answers ----
  void provide_secret(const std::optional<std::string>& secret, Time now);
  // Server: the addresses (and name servers) for this link, after the
  // peer's Authenticated.
  void start_network(const ppp::IpConfig& ip, Time now);
  // Issue 9: fresh keys (CCP) or a whole new negotiation (LCP) on the live link.
  void renegotiate_ccp(Time now);
  void renegotiate_lcp(Time now);

  // The log lines of the glue (not the PPP core's) go here from now on,
  // e.g. once the link has its interface name.
  void set_log(Logger log) { log_ = std::move(log); }

  // ---- state ----
  bool ip_up() const { return ip_up_; }
  // The interface MTU: pppd's rule, min(our mtu, the peer's MRU), less
  // the 4 octets of MPPE header and inner protocol while MPPE runs.
  int interface_mtu() const;
  Time last_data() const { return last_data_; }
  const CallTraffic& traffic() const { return traffic_; }
  DataPathStats data_path_stats() const { return dp_.stats(); }
  const ppp::Session& ppp() const { return ppp_; }
  const DataPath& data_path() const { return dp_; }

 private:
  void pump(Time now);
  void pump_ppp(Time now);
  void on_ppp_event(ppp::SessionEvent& ev, Time now);
  // A PPP frame out of GRE: an IP packet to deliver (returned), or handled.
  ByteView on_frame(MutableByteView frame, Time now);
  bool check_rx_health(Time now);
  void check_idle(Time now);
  void update_mss_clamp();
  void start_path_check(Time now);
  void queue_probes(Time now);
  void report_path(const PathCheck::Result& r);
  void peek_echo_reply(ByteView lcp);

  CallConfig cfg_;
  Logger log_;
  ppp::Session ppp_;
  DataPath dp_;
  struct TxFrame {
    Bytes bytes;
    bool dont_fragment = false;
  };
  std::deque<TxFrame> tx_frames_;
  PathCheck path_;
  bool path_error_logged_ = false;
  std::deque<CallEvent> events_;
  bool opened_ = false;
  bool finished_ = false;
  bool ip_up_ = false;
  bool secret_asked_ = false;      // a SecretNeeded is out, not yet answered
  bool own_secret_asked_ = false;  // since the last LinkUp
  Time last_data_;
  CallTraffic traffic_;
};

}  // namespace pptpx::session
