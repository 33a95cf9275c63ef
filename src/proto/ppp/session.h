// SPDX-License-Identifier: MIT
// One PPP link's control core: LCP, authentication, IPCP, IPV6CP and CCP.
//
// RFC 1661 section 3 (phases), 5.7 (Protocol-Reject), 5.8 (Echo); RFC 1332,
// RFC 5072, RFC 1962/3078 for the NCPs. Sans-I/O: the application feeds it
// control frames (never data: IP and MPPE 0x00FD frames go to the data path),
// drives it with on_timer()/next_deadline(), sends what take_frames() returns
// and acts on poll_event(). Authentication is delegated to AuthMethods
// (proto/ppp/auth/auth.h), one per direction as in pppd (we authenticate the
// peer, the peer authenticates us; either, both or neither); the secret
// lookup is a question the app answers. The Role only says who assigns the
// IPCP addresses and which direction AuthSettings::allowed describes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"
#include "crypto/mppe_keys.h"
#include "proto/ppp/auth/auth.h"
#include "proto/ppp/ccp.h"
#include "proto/ppp/fsm.h"
#include "proto/ppp/ipcp.h"
#include "proto/ppp/lcp.h"

namespace pptpx::ppp {

enum class Role { kAuthenticator, kAuthenticatee };
enum class Phase { kDead, kEstablish, kAuthenticate, kNetwork, kTerminate };
const char* phase_name(Phase p);

struct AuthSettings {
  // The role's own direction, in pppd's order of preference: for
  // kAuthenticator the methods the peer must use (we ask for the first and
  // accept a Nak naming any other; empty = noauth), for kAuthenticatee the
  // methods we agree to authenticate ourselves with (empty = Reject).
  std::vector<AuthProtocol> allowed{AuthProtocol::kMsChapV2};
  // The other direction, empty by default: for kAuthenticatee the methods the
  // peer must use (pppd `auth`/`require-*` on a client), for kAuthenticator
  // the methods we agree to authenticate ourselves with.
  std::vector<AuthProtocol> reverse;
  AuthenticatorConfig authenticator;
  AuthenticateeConfig authenticatee;

  // The peer must authenticate with one of these (empty: it need not).
  const std::vector<AuthProtocol>& peer_methods(Role r) const {
    return r == Role::kAuthenticator ? allowed : reverse;
  }
  // We authenticate ourselves with one of these when asked (empty: Reject).
  const std::vector<AuthProtocol>& own_methods(Role r) const {
    return r == Role::kAuthenticator ? reverse : allowed;
  }
};

struct SessionConfig {
  Role role = Role::kAuthenticator;
  LcpConfig lcp;
  AuthSettings auth;
  MppePolicy mppe;
  bool ipv6 = false;  // off: IPV6CP is Protocol-Rejected (pptpd without +ipv6)
  FsmConfig ncp;      // restart timer and counters for IPCP, IPV6CP and CCP
  IpcpClientOptions ipcp_client;
};

namespace event {
struct LinkUp {};
// One direction's result. kPeer: `peer_name` is the name the peer proved
// (empty with no authentication); kUs: our own user name.
struct Authenticated {
  std::string peer_name;
  AuthProtocol protocol = AuthProtocol::kNone;
  AuthSide side = AuthSide::kPeer;
};
struct AuthFailed {
  std::string peer_name;
  std::string reason;
  AuthSide side = AuthSide::kPeer;
  AuthProtocol protocol = AuthProtocol::kNone;  // none: the peer refused every method
};
// NameServers: what the peer gave us (client role).
struct IpUp : NameServers {
  Ipv4 local;
  Ipv4 remote;
};
// renegotiating: the link is not going away (LCP or IPCP is negotiating
// again, RFC 1661): keep the interface, run ip-down now and ip-up again at
// the next IpUp, as pppd does.
struct IpDown {
  bool renegotiating = false;
};
struct Ipv6Up {
  InterfaceId local{};
  InterfaceId remote{};
};
struct Ipv6Down {};
struct CcpUp {
  uint32_t bits = 0;  // negotiated MPPE supported bits (same both directions)
  int key_bits = 0;   // 40, 56 or 128
  bool stateless = true;
  crypto::MppeStartKeys keys;  // send = our transmit direction
};
struct CcpDown {};
struct ResetRequested {};  // the peer lost sync: rekey/flush our transmit side
struct EchoTimeout {};
struct Finished {
  std::string reason;
};
}  // namespace event

using SessionEvent =
    std::variant<event::LinkUp, event::Authenticated, event::AuthFailed, event::IpUp, event::IpDown,
                 event::Ipv6Up, event::Ipv6Down, event::CcpUp, event::CcpDown,
                 event::ResetRequested, event::EchoTimeout, event::Finished>;

struct SessionStats {
  uint64_t malformed_frames = 0;  // control packets with a bad header
  uint64_t discarded = 0;         // not acceptable in the current phase
  uint64_t protocol_rejects_sent = 0;
  uint64_t protocol_rejects_received = 0;
  uint64_t echo_requests_sent = 0;
  uint64_t echo_replies_received = 0;
  uint64_t loopback = 0;  // our own magic number came back
  uint64_t reset_requests_received = 0;
  uint64_t reset_requests_sent = 0;
};

// Every control-side counter of one link, for the stats lines.
struct PppCounters {
  SessionStats session;
  FsmStats lcp;
  FsmStats ncp;    // IPCP, IPV6CP and CCP together
  AuthStats auth;  // both directions
  PppCounters& operator+=(const PppCounters& o);
};
// "PPP: malformed N discarded N ... | LCP: ... | NCP: ... | auth: ...".
std::string describe_ppp(const PppCounters& c);

class Session {
 public:
  Session(const SessionConfig& cfg, Rng& rng, Logger log, Time now);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The call is up: LCP starts negotiating.
  void open(Time now);
  // A non-data frame's protocol and information field.
  void on_control(uint16_t protocol, ByteView info, Time now);
  void on_timer(Time now);
  Time next_deadline() const;

  // Complete PPP frames to send (address/control and protocol applied).
  std::vector<Bytes> take_frames();
  std::optional<SessionEvent> poll_event();

  std::optional<SecretRequest> pending_secret_request() const;
  void provide_secret(const std::optional<std::string>& secret, Time now);

  // Server: after the peer's Authenticated, the addresses for this link; IPCP
  // and CCP start once every direction of authentication is done.
  void start_network(const IpConfig& ip, Time now);
  // LCP Terminate-Request carrying `reason`; Finished follows.
  void close(std::string_view reason, Time now);
  // CCP Reset-Request (stateful MPPE lost sync).
  void send_reset_request(Time now);
  // RFC 1661: a Configure-Request on an open link starts its negotiation
  // over (this-layer-down, then up again). CCP: MPPE restarts from its start
  // keys; the application sees CcpDown then CcpUp. LCP: authentication, CCP
  // and IPCP all run again (IpDown, then IpUp). No-ops unless Opened.
  void renegotiate_ccp(Time now);
  void renegotiate_lcp(Time now);

  bool tx_acfc() const;
  bool tx_pfc() const;
  uint16_t peer_mru() const { return lcp_opts_.peer_mru(); }
  uint32_t our_magic() const { return lcp_opts_.our_magic(); }  // 0: not negotiated
  Phase phase() const { return phase_; }
  // The authentication method agreed by LCP in the role's direction (kNone
  // before, or without auth); the other two name a direction.
  AuthProtocol auth_protocol() const {
    return cfg_.role == Role::kAuthenticator ? peer_auth_protocol() : own_auth_protocol();
  }
  AuthProtocol peer_auth_protocol() const {
    return peer_auth_ ? peer_auth_->protocol() : AuthProtocol::kNone;
  }
  AuthProtocol own_auth_protocol() const {
    return own_auth_ ? own_auth_->protocol() : AuthProtocol::kNone;
  }
  // IP may flow: IPCP is up and, where MPPE is required, CCP is up too.
  bool data_allowed() const;
  const SessionStats& stats() const { return stats_; }
  // Why the link is ending (the first reason given), whether that was our
  // close(), and the text of the peer's Terminate-Request if it sent one.
  const std::string& end_reason() const { return reason_; }
  bool closed_by_us() const { return closed_by_us_; }
  const std::string& peer_terminate_reason() const { return lcp_.peer_terminate_reason(); }
  PppCounters counters() const;
  const FsmStats& lcp_stats() const { return lcp_.stats(); }
  FsmState lcp_state() const { return lcp_.state(); }
  FsmState ipcp_state() const { return ipcp_.state(); }
  FsmState ccp_state() const { return ccp_.state(); }
  FsmState ipv6cp_state() const { return ipv6cp_.state(); }

 private:
  void pump(Time now);
  void on_lcp_event(LayerEvent e, Time now);
  void on_ipcp_event(LayerEvent e, Time now);
  void on_ipv6cp_event(LayerEvent e, Time now);
  void on_ccp_event(LayerEvent e, Time now);
  AuthMethod* auth_target(uint16_t protocol, ByteView info) const;
  bool ncp_in_use(uint16_t protocol) const;
  bool on_ncp_packet(uint16_t protocol, ByteView info, Time now);
  void on_lcp_packet(const Packet& p, Time now);
  void on_ccp_packet(const Packet& p, Time now);
  void on_protocol_reject(ByteView data, Time now);
  void send_protocol_reject(uint16_t protocol, ByteView info);
  void renegotiate(Fsm& layer, Time now);
  void start_auth(Time now);
  void report_abandoned_auth();
  void check_auth(Time now);
  void check_direction(AuthMethod& m, AuthSide side, bool& done, Time now);
  void enter_network(Time now);
  AuthMethod* asking_method() const;
  const crypto::MppeStartKeys* mppe_keys() const;
  void start_ncps(Time now);
  void start_ip_ncps(Time now);
  void service_echo(Time now);
  void set_reason(std::string_view reason);
  void discard(uint16_t protocol, const char* why);

  SessionConfig cfg_;
  Rng& rng_;
  Logger log_;
  std::vector<OutPacket> out_;
  LcpOptions lcp_opts_;
  Fsm lcp_;
  IpcpOptions ipcp_opts_;
  Fsm ipcp_;
  Ipv6cpOptions ipv6cp_opts_;
  Fsm ipv6cp_;
  CcpOptions ccp_opts_;
  Fsm ccp_;
  std::unique_ptr<AuthMethod> peer_auth_;  // we authenticate the peer
  std::unique_ptr<AuthMethod> own_auth_;   // we authenticate ourselves
  bool peer_done_ = false;
  bool own_done_ = false;
  std::optional<IpConfig> pending_ip_;  // start_network() before both directions were done
  bool network_started_ = false;
  bool ccp_active_ = false;
  bool ip_ncps_started_ = false;
  Phase phase_ = Phase::kDead;
  std::string reason_;
  bool closed_by_us_ = false;  // reason_ came from close()
  Time next_echo_ = kNever;
  int echo_pending_ = 0;
  uint8_t echo_id_ = 0;
  std::deque<SessionEvent> events_;
  SessionStats stats_;
};

}  // namespace pptpx::ppp
