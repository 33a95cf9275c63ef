// SPDX-License-Identifier: MIT
// PPP session control core: phases (RFC 1661 section 3), LCP extra codes
// (5.7-5.9), authentication hand-off and NCP start-up. Like pppd, when MPPE is
// required IPCP and IPV6CP start only once CCP is up, so no IP is negotiated
// before encryption is in place.
#include "proto/ppp/session.h"

#include <algorithm>

#include "base/counters.h"
#include "base/text.h"
#include "proto/ppp/protocols.h"

namespace pptpx::ppp {

namespace {
bool is_mschap(AuthProtocol p) {
  return p == AuthProtocol::kMsChapV1 || p == AuthProtocol::kMsChapV2;
}
}  // namespace

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::kDead: return "Dead";
    case Phase::kEstablish: return "Establish";
    case Phase::kAuthenticate: return "Authenticate";
    case Phase::kNetwork: return "Network";
    case Phase::kTerminate: return "Terminate";
  }
  return "?";
}

Session::Session(const SessionConfig& cfg, Rng& rng, Logger log, Time)
    : cfg_(cfg),
      rng_(rng),
      log_(std::move(log)),
      lcp_opts_(cfg_.lcp, rng, cfg_.auth.peer_methods(cfg_.role), cfg_.auth.own_methods(cfg_.role)),
      lcp_(kProtoLcp, "LCP", lcp_opts_, cfg_.lcp.fsm, out_, log_),
      ipcp_opts_(cfg_.role == Role::kAuthenticator),
      ipcp_(kProtoIpcp, "IPCP", ipcp_opts_, cfg_.ncp, out_, log_),
      ipv6cp_opts_(rng),
      ipv6cp_(kProtoIpv6cp, "IPV6CP", ipv6cp_opts_, cfg_.ncp, out_, log_),
      ccp_opts_(cfg_.mppe),
      ccp_(kProtoCcp, "CCP", ccp_opts_, cfg_.ncp, out_, log_) {
  ipcp_opts_.configure_client(cfg_.ipcp_client);
}

Session::~Session() = default;

void Session::open(Time now) {
  phase_ = Phase::kEstablish;
  lcp_.open(now);
  lcp_.up(now);
  pump(now);
}

void Session::close(std::string_view reason, Time now) {
  if (reason_.empty()) closed_by_us_ = true;
  set_reason(reason);
  if (phase_ != Phase::kDead) phase_ = Phase::kTerminate;
  lcp_.close(reason, now);
  pump(now);
}

void Session::set_reason(std::string_view reason) {
  if (reason_.empty()) reason_ = std::string(reason);
}

void Session::discard(uint16_t protocol, const char* why) {
  ++stats_.discarded;
  log_.debug("discarded protocol 0x{:04x}: {}", protocol, why);
}

void Session::on_control(uint16_t protocol, ByteView info, Time now) {
  if (phase_ == Phase::kDead) {
    discard(protocol, "link is dead");
    return;
  }
  bool lcp_open = lcp_.opened();
  if (protocol == kProtoLcp) {
    auto p = parse_packet(info);
    if (!p) {
      ++stats_.malformed_frames;
      log_.debug("malformed LCP packet dropped");
      return;
    }
    on_lcp_packet(*p, now);
  } else if (protocol == kProtoPap || protocol == kProtoChap) {
    AuthMethod* target = auth_target(protocol, info);
    if (target && lcp_open) {
      target->on_packet(info, now);
    } else {
      discard(protocol, "authentication protocol not in use");
    }
  } else if (!lcp_open || phase_ != Phase::kNetwork) {
    discard(protocol, "not in the Network phase");
  } else if (ncp_in_use(protocol)) {
    if (!on_ncp_packet(protocol, info, now)) return;
  } else {
    send_protocol_reject(protocol, info);
  }
  pump(now);
}

// The method a PAP or CHAP packet is for: ours or the peer's, whichever
// runs that protocol; nullptr when neither does.
AuthMethod* Session::auth_target(uint16_t protocol, ByteView info) const {
  auto uses = [&](const std::unique_ptr<AuthMethod>& m) {
    return m && auth_ppp_protocol(m->protocol()) == protocol ? m.get() : nullptr;
  };
  AuthMethod* peer = uses(peer_auth_);
  AuthMethod* own = uses(own_auth_);
  AuthMethod* target = peer ? peer : own;
  if (peer && own && !info.empty()) {
    // Both directions run the same protocol: the code says which side a
    // packet is for (PAP Request, CHAP Response go to the authenticator).
    bool for_authenticator = protocol == kProtoPap ? info[0] == 1 : info[0] == 2;
    target = for_authenticator ? peer : own;
  }
  return target;
}

bool Session::ncp_in_use(uint16_t protocol) const {
  return protocol == kProtoIpcp || (protocol == kProtoIpv6cp && cfg_.ipv6) ||
         (protocol == kProtoCcp && ccp_active_);
}

// An IPCP, IPV6CP or CCP packet in the Network phase; false when it is
// malformed (dropped).
bool Session::on_ncp_packet(uint16_t protocol, ByteView info, Time now) {
  auto p = parse_packet(info);
  if (!p) {
    ++stats_.malformed_frames;
    log_.debug("malformed packet for protocol 0x{:04x} dropped", protocol);
    return false;
  }
  if (protocol == kProtoIpcp)
    ipcp_.on_packet(*p, now);
  else if (protocol == kProtoIpv6cp)
    ipv6cp_.on_packet(*p, now);
  else
    on_ccp_packet(*p, now);
  return true;
}

void Session::on_lcp_packet(const Packet& p, Time now) {
  bool open = lcp_.opened();
  switch (p.code) {
    case kProtocolReject:
      if (open)
        on_protocol_reject(p.data, now);
      else
        discard(kProtoLcp, "Protocol-Reject outside Opened");
      return;
    case kEchoRequest: {
      if (!open) return discard(kProtoLcp, "Echo-Request outside Opened");
      Reader r(p.data);
      uint32_t magic = r.u32();
      if (!r.ok()) return discard(kProtoLcp, "short Echo-Request");
      if (magic != 0 && magic == lcp_opts_.our_magic()) {
        ++stats_.loopback;
        log_.debug("Echo-Request carries our own magic number: looped back?");
        return;
      }
      Bytes reply;
      Writer w(reply);
      w.u32(lcp_opts_.our_magic());
      w.bytes(r.rest());
      lcp_.send(kEchoReply, p.id, reply);
      return;
    }
    case kEchoReply: {
      if (!open) return discard(kProtoLcp, "Echo-Reply outside Opened");
      Reader r(p.data);
      uint32_t magic = r.u32();
      if (!r.ok()) return discard(kProtoLcp, "short Echo-Reply");
      if (magic != 0 && magic == lcp_opts_.our_magic()) {
        ++stats_.loopback;
        log_.debug("Echo-Reply carries our own magic number: looped back?");
        return;
      }
      ++stats_.echo_replies_received;
      echo_pending_ = 0;
      return;
    }
    case kDiscardRequest:
    case kIdentification:
    case kTimeRemaining: return;
    default: break;
  }
  lcp_.on_packet(p, now);
}

void Session::on_ccp_packet(const Packet& p, Time now) {
  if (p.code == kResetRequest) {
    if (!ccp_.opened()) return discard(kProtoCcp, "Reset-Request outside Opened");
    ++stats_.reset_requests_received;
    ccp_.send(kResetAck, p.id, {});
    events_.push_back(event::ResetRequested{});
    return;
  }
  if (p.code == kResetAck) return;
  ccp_.on_packet(p, now);
}

void Session::on_protocol_reject(ByteView data, Time now) {
  ++stats_.protocol_rejects_received;
  Reader r(data);
  uint16_t protocol = r.u16();
  if (!r.ok()) return discard(kProtoLcp, "short Protocol-Reject");
  log_.debug("peer Protocol-Rejected 0x{:04x}", protocol);
  switch (protocol) {
    case kProtoLcp: close("Peer rejected LCP", now); break;
    case kProtoIpcp: ipcp_.rxj_minus(now); break;
    case kProtoIpv6cp: ipv6cp_.rxj_minus(now); break;
    case kProtoCcp:
      ccp_.rxj_minus(now);
      if (cfg_.mppe.required) close("MPPE required but peer negotiation failed", now);
      break;
    case kProtoPap:
    case kProtoChap:
      if ((peer_auth_ && !peer_done_ && auth_ppp_protocol(peer_auth_->protocol()) == protocol) ||
          (own_auth_ && !own_done_ && auth_ppp_protocol(own_auth_->protocol()) == protocol))
        close("Peer rejected the authentication protocol", now);
      break;
    default: break;
  }
}

void Session::send_protocol_reject(uint16_t protocol, ByteView info) {
  ++stats_.protocol_rejects_sent;
  log_.debug("sending Protocol-Reject for 0x{:04x}", protocol);
  Bytes data;
  Writer w(data);
  w.u16(protocol);
  // The whole LCP packet must fit the peer's MRU.
  size_t room = peer_mru() > 6 ? peer_mru() - 6u : 0u;
  w.bytes(info.first(std::min(info.size(), room)));
  lcp_.send(kProtocolReject, lcp_.new_id(), data);
}

void Session::on_timer(Time now) {
  lcp_.on_timer(now);
  ipcp_.on_timer(now);
  ipv6cp_.on_timer(now);
  ccp_.on_timer(now);
  if (peer_auth_) peer_auth_->on_timer(now);
  if (own_auth_) own_auth_->on_timer(now);
  service_echo(now);
  pump(now);
}

Time Session::next_deadline() const {
  Time t = earliest(lcp_.next_deadline(), ipcp_.next_deadline());
  t = earliest(t, earliest(ipv6cp_.next_deadline(), ccp_.next_deadline()));
  if (peer_auth_) t = earliest(t, peer_auth_->next_deadline());
  if (own_auth_) t = earliest(t, own_auth_->next_deadline());
  if (lcp_.opened()) t = earliest(t, next_echo_);
  return t;
}

void Session::service_echo(Time now) {
  if (!lcp_.opened() || next_echo_ == kNever || now < next_echo_) return;
  if (cfg_.lcp.echo_failure > 0 && echo_pending_ >= cfg_.lcp.echo_failure) {
    log_.info("No response to {} echo-requests", echo_pending_);
    events_.push_back(event::EchoTimeout{});
    next_echo_ = kNever;
    close("Peer not responding", now);
    return;
  }
  Bytes data;
  Writer w(data);
  w.u32(lcp_opts_.our_magic());
  lcp_.send(kEchoRequest, echo_id_++, data);
  ++echo_pending_;
  ++stats_.echo_requests_sent;
  next_echo_ = now + cfg_.lcp.echo_interval;
}

void Session::send_reset_request(Time) {
  if (!ccp_.opened()) return;
  ++stats_.reset_requests_sent;
  ccp_.send(kResetRequest, ccp_.new_id(), {});
}

void Session::renegotiate_ccp(Time now) { renegotiate(ccp_, now); }
void Session::renegotiate_lcp(Time now) { renegotiate(lcp_, now); }

// RFC 1661 has no "restart" event: Down then Up takes an Opened layer
// through this-layer-down and sends a fresh Configure-Request.
void Session::renegotiate(Fsm& layer, Time now) {
  if (!layer.opened()) return;
  log_.info("renegotiating {}", layer.name());
  layer.down(now);
  layer.up(now);
  pump(now);
}

std::vector<Bytes> Session::take_frames() {
  std::vector<Bytes> frames;
  frames.reserve(out_.size());
  for (OutPacket& p : out_) {
    Bytes f;
    encode_frame(p.protocol, p.info, tx_acfc(), tx_pfc(), f);
    frames.push_back(std::move(f));
  }
  out_.clear();
  return frames;
}

std::optional<SessionEvent> Session::poll_event() {
  if (events_.empty()) return std::nullopt;
  SessionEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

// The peer's direction is asked first; provide_secret answers the same one.
AuthMethod* Session::asking_method() const {
  for (AuthMethod* m : {peer_auth_.get(), own_auth_.get()})
    if (m && m->pending_secret_request()) return m;
  return nullptr;
}

std::optional<SecretRequest> Session::pending_secret_request() const {
  AuthMethod* m = asking_method();
  if (!m) return std::nullopt;
  SecretRequest req = *m->pending_secret_request();
  req.protocol = m->protocol();
  req.side = m == peer_auth_.get() ? AuthSide::kPeer : AuthSide::kUs;
  const std::string& remote = cfg_.auth.authenticator.remote_name;
  if (req.side == AuthSide::kPeer && req.protocol != AuthProtocol::kPap && !remote.empty())
    req.client = remote;
  return req;
}

void Session::provide_secret(const std::optional<std::string>& secret, Time now) {
  AuthMethod* m = asking_method();
  if (!m) return;
  m->provide_secret(secret, now);
  pump(now);
}

bool Session::tx_acfc() const { return lcp_.opened() && lcp_opts_.tx_acfc(); }
bool Session::tx_pfc() const { return lcp_.opened() && lcp_opts_.tx_pfc(); }

bool Session::data_allowed() const {
  if (!lcp_.opened() || phase_ != Phase::kNetwork || !ipcp_.opened()) return false;
  return !cfg_.mppe.required || ccp_.opened();
}

void Session::start_network(const IpConfig& ip, Time now) {
  if (cfg_.role != Role::kAuthenticator || network_started_) return;
  if (phase_ == Phase::kAuthenticate && peer_done_) {
    pending_ip_ = ip;  // we are still authenticating ourselves
    return;
  }
  if (phase_ != Phase::kNetwork) return;
  ipcp_opts_.configure_server(ip);
  start_ncps(now);
  pump(now);
}

// pppd ccp.c: MPPE keys come from the one direction that ran MS-CHAP; when
// both did, pppd cannot tell which keys to use and refuses MPPE.
const crypto::MppeStartKeys* Session::mppe_keys() const {
  const AuthMethod* source = nullptr;
  for (const AuthMethod* m : {peer_auth_.get(), own_auth_.get()}) {
    if (!m || m->status() != AuthStatus::kSucceeded) continue;
    if (!is_mschap(m->protocol())) continue;
    if (source) return nullptr;
    source = m;
  }
  return source && source->mppe_keys().valid ? &source->mppe_keys() : nullptr;
}

void Session::start_ncps(Time now) {
  network_started_ = true;
  bool have_keys = mppe_keys() != nullptr;
  if (cfg_.mppe.enabled && !have_keys) {
    if (cfg_.mppe.required) {
      bool both = peer_auth_ && own_auth_ && is_mschap(peer_auth_->protocol()) &&
                  is_mschap(own_auth_->protocol());
      if (both)
        log_.warn("MPPE required, but auth done in both directions.");
      else
        log_.warn("MPPE required, but keys are not available (MS-CHAP not used)");
      close("MPPE required but not available", now);
      return;
    }
  } else if (cfg_.mppe.enabled) {
    ccp_active_ = true;
    ccp_.open(now);
    ccp_.up(now);
    if (cfg_.mppe.required) return;  // IP waits for CcpUp
  }
  start_ip_ncps(now);
}

void Session::start_ip_ncps(Time now) {
  if (ip_ncps_started_) return;
  ip_ncps_started_ = true;
  ipcp_.open(now);
  ipcp_.up(now);
  if (cfg_.ipv6) {
    ipv6cp_.open(now);
    ipv6cp_.up(now);
  }
}

// An MS-CHAP peer that hangs up after a failed attempt, instead of using the
// retry it was offered, has failed authentication as surely as one that ran
// out of retries; the application hears it the same way.
void Session::report_abandoned_auth() {
  if (!peer_auth_ || peer_done_ || peer_auth_->failure_reason().empty()) return;
  peer_done_ = true;
  log_.info("{} authentication failed for \"{}\": {} (peer gave up)",
            auth_protocol_name(peer_auth_->protocol()), escaped(peer_auth_->peer_name()),
            peer_auth_->failure_reason());
  events_.push_back(event::AuthFailed{peer_auth_->peer_name(), peer_auth_->failure_reason(),
                                      AuthSide::kPeer, peer_auth_->protocol()});
}

// pppd auth.c link_established: a required authentication the peer refused
// in LCP ends the link; otherwise each agreed direction starts on its own and
// the Network phase begins when both are done.
void Session::start_auth(Time now) {
  AuthProtocol peer_p = lcp_opts_.auth_of_peer();
  AuthProtocol own_p = lcp_opts_.auth_of_us();
  if (peer_p == AuthProtocol::kNone && !cfg_.auth.peer_methods(cfg_.role).empty()) {
    log_.warn("peer refused to authenticate: terminating link");
    events_.push_back(event::AuthFailed{{}, "peer refused to authenticate", AuthSide::kPeer});
    close("peer refused to authenticate", now);
    return;
  }
  phase_ = Phase::kAuthenticate;
  peer_done_ = peer_p == AuthProtocol::kNone;
  own_done_ = own_p == AuthProtocol::kNone;
  if (!peer_done_) {
    peer_auth_ = make_authenticator(peer_p, cfg_.auth.authenticator, rng_,
                                    log_.child(auth_protocol_name(peer_p)));
  }
  if (!own_done_) {
    own_auth_ = make_authenticatee(own_p, cfg_.auth.authenticatee, rng_,
                                   log_.child(auth_protocol_name(own_p)));
  }
  if ((!peer_done_ && !peer_auth_) || (!own_done_ && !own_auth_)) {
    close("Authentication method unavailable", now);
    return;
  }
  if (peer_auth_) peer_auth_->start(now);
  if (own_auth_) own_auth_->start(now);
  if (peer_done_ && own_done_) enter_network(now);
}

void Session::enter_network(Time now) {
  phase_ = Phase::kNetwork;
  if (cfg_.role == Role::kAuthenticatee) {
    start_ncps(now);
    return;
  }
  // The server assigns addresses once the peer is known; with no
  // authentication of the peer it hears so here.
  if (!peer_auth_) events_.push_back(event::Authenticated{{}, AuthProtocol::kNone});
  if (pending_ip_) {
    ipcp_opts_.configure_server(*pending_ip_);
    pending_ip_.reset();
    start_ncps(now);
  }
}

void Session::check_direction(AuthMethod& m, AuthSide side, bool& done, Time now) {
  if (m.status() == AuthStatus::kSucceeded) {
    done = true;
    log_.info("{} authentication succeeded for \"{}\"", auth_protocol_name(m.protocol()),
              escaped(m.peer_name()));
    events_.push_back(event::Authenticated{m.peer_name(), m.protocol(), side});
  } else if (m.status() == AuthStatus::kFailed) {
    done = true;
    log_.info("{} authentication failed for \"{}\": {}", auth_protocol_name(m.protocol()),
              escaped(m.peer_name()), m.failure_reason());
    events_.push_back(event::AuthFailed{m.peer_name(), m.failure_reason(), side, m.protocol()});
    close(side == AuthSide::kPeer ? "Authentication failed"
                                  : "Failed to authenticate ourselves to peer",
          now);
  }
}

void Session::check_auth(Time now) {
  for (AuthMethod* m : {peer_auth_.get(), own_auth_.get()}) {
    if (!m) continue;
    for (Bytes& b : m->take_output())
      out_.push_back(OutPacket{auth_ppp_protocol(m->protocol()), std::move(b)});
  }
  if (phase_ != Phase::kAuthenticate) return;
  if (peer_auth_ && !peer_done_) check_direction(*peer_auth_, AuthSide::kPeer, peer_done_, now);
  if (phase_ != Phase::kAuthenticate) return;
  if (own_auth_ && !own_done_) check_direction(*own_auth_, AuthSide::kUs, own_done_, now);
  if (phase_ == Phase::kAuthenticate && peer_done_ && own_done_) enter_network(now);
}

void Session::pump(Time now) {
  // Layer events can cause further events (LCP down takes the NCPs down), so
  // drain until everything is quiet.
  for (int guard = 0; guard < 64; ++guard) {
    bool any = false;
    while (auto e = lcp_.poll_event()) {
      any = true;
      on_lcp_event(*e, now);
    }
    check_auth(now);
    while (auto e = ccp_.poll_event()) {
      any = true;
      on_ccp_event(*e, now);
    }
    while (auto e = ipcp_.poll_event()) {
      any = true;
      on_ipcp_event(*e, now);
    }
    while (auto e = ipv6cp_.poll_event()) {
      any = true;
      on_ipv6cp_event(*e, now);
    }
    if (!ccp_opts_.fatal().empty() && lcp_.opened()) {
      std::string reason = ccp_opts_.fatal();
      ccp_opts_.reset_request();
      close(reason, now);
      any = true;
    }
    if (!any) return;
  }
  log_.warn("PPP layers still busy after 64 rounds of events; the rest waits for the next input");
}

void Session::on_lcp_event(LayerEvent e, Time now) {
  switch (e) {
    case LayerEvent::kUp: {
      uint16_t mru = lcp_opts_.peer_mru();
      for (Fsm* f : {&lcp_, &ipcp_, &ipv6cp_, &ccp_}) f->set_peer_mru(mru);
      log_.info("LCP up: peer MRU {}, our magic 0x{:08x}, peer magic 0x{:08x}", mru,
                lcp_opts_.our_magic(), lcp_opts_.peer_magic());
      events_.push_back(event::LinkUp{});
      echo_pending_ = 0;
      next_echo_ = cfg_.lcp.echo_interval > Duration::zero() ? now : kNever;
      service_echo(now);
      start_auth(now);
      break;
    }
    case LayerEvent::kDown:
      if (phase_ != Phase::kTerminate) phase_ = Phase::kEstablish;
      next_echo_ = kNever;
      ccp_.down(now);
      ipcp_.down(now);
      ipv6cp_.down(now);
      report_abandoned_auth();
      peer_auth_.reset();
      own_auth_.reset();
      pending_ip_.reset();
      peer_done_ = own_done_ = network_started_ = ccp_active_ = ip_ncps_started_ = false;
      // pppd's words, at once: the end of the link may follow too fast (the
      // call cleared) for the Finished event's line.
      if (!lcp_.peer_terminate_reason().empty()) {
        set_reason("LCP terminated by peer (" + lcp_.peer_terminate_reason() + ")");
        log_.info("LCP terminated by peer ({})", lcp_.peer_terminate_reason());
      }
      break;
    case LayerEvent::kStarted: break;
    case LayerEvent::kFinished:
      phase_ = Phase::kDead;
      set_reason("LCP negotiation failed");
      log_.info("link finished: {}", reason_);
      events_.push_back(event::Finished{reason_});
      break;
  }
}

void Session::on_ipcp_event(LayerEvent e, Time now) {
  switch (e) {
    case LayerEvent::kUp:
      if (cfg_.role == Role::kAuthenticatee && ipcp_opts_.local().is_zero()) {
        close("Could not determine local IP address", now);
        return;
      }
      log_.info("IPCP up: local {} remote {}", ipcp_opts_.local().str(), ipcp_opts_.remote().str());
      events_.push_back(event::IpUp{ipcp_opts_.servers(), ipcp_opts_.local(), ipcp_opts_.remote()});
      break;
    case LayerEvent::kDown: {
      FsmState l = lcp_.state();
      bool again = l == FsmState::kOpened || l == FsmState::kReqSent || l == FsmState::kAckRcvd ||
                   l == FsmState::kAckSent;
      events_.push_back(event::IpDown{again && phase_ != Phase::kTerminate});
      break;
    }
    case LayerEvent::kFinished:
      if (lcp_.opened() && !ipv6cp_.opened()) close("No network protocols running", now);
      break;
    case LayerEvent::kStarted: break;
  }
}

void Session::on_ipv6cp_event(LayerEvent e, Time) {
  if (e == LayerEvent::kUp)
    events_.push_back(event::Ipv6Up{ipv6cp_opts_.local_id(), ipv6cp_opts_.peer_id()});
  else if (e == LayerEvent::kDown)
    events_.push_back(event::Ipv6Down{});
}

void Session::on_ccp_event(LayerEvent e, Time now) {
  switch (e) {
    case LayerEvent::kUp: {
      uint32_t tx = ccp_opts_.tx_bits();
      uint32_t rx = ccp_opts_.rx_bits();
      if (tx == 0 || rx == 0 || tx != rx) {
        // Both directions must run MPPE with the same strength and mode.
        if (cfg_.mppe.required) {
          close("MPPE required but peer negotiation failed", now);
          return;
        }
        if (tx != 0 || rx != 0) {
          close("MPPE negotiated differently in each direction", now);
          return;
        }
        start_ip_ncps(now);
        return;
      }
      event::CcpUp up;
      up.bits = tx;
      up.key_bits = mppe_key_bits(tx);
      up.stateless = (tx & kMppeH) != 0;
      if (const crypto::MppeStartKeys* keys = mppe_keys()) up.keys = *keys;
      log_.info("MPPE {}-bit {} compression enabled", up.key_bits,
                up.stateless ? "stateless" : "stateful");
      events_.push_back(up);
      start_ip_ncps(now);
      break;
    }
    case LayerEvent::kDown: events_.push_back(event::CcpDown{}); break;
    case LayerEvent::kFinished:
      if (cfg_.mppe.required && lcp_.opened())
        close("MPPE required but peer negotiation failed", now);
      break;
    case LayerEvent::kStarted: break;
  }
}

PppCounters& PppCounters::operator+=(const PppCounters& o) {
  add_counters(session, o.session);
  add_counters(lcp, o.lcp);
  add_counters(ncp, o.ncp);
  add_counters(auth, o.auth);
  return *this;
}

PppCounters Session::counters() const {
  PppCounters c;
  c.session = stats_;
  c.lcp = lcp_.stats();
  for (const Fsm* ncp : {&ipcp_, &ipv6cp_, &ccp_}) add_counters(c.ncp, ncp->stats());
  for (const AuthMethod* m : {peer_auth_.get(), own_auth_.get()}) {
    if (m) add_counters(c.auth, m->stats());
  }
  return c;
}

std::string describe_ppp(const PppCounters& c) {
  const SessionStats& s = c.session;
  auto fsm = [](const FsmStats& f) {
    return fmt::format(
        "malformed {} bad-id {} bad-ack {} bad-nak/reject {} unexpected-state {} "
        "code-rejects in {} out {}",
        f.malformed, f.bad_id, f.bad_ack, f.bad_nak_reject, f.unexpected_state,
        f.code_rejects_received, f.code_rejects_sent);
  };
  return fmt::format(
      "PPP: malformed {} discarded {} protocol-rejects in {} out {} echo out {} replies {} "
      "loopback {} resets in {} out {} | LCP: {} | NCP: {} | auth: malformed {} unexpected {} "
      "wrong-id {} repeats {} retransmits {}",
      s.malformed_frames, s.discarded, s.protocol_rejects_received, s.protocol_rejects_sent,
      s.echo_requests_sent, s.echo_replies_received, s.loopback, s.reset_requests_received,
      s.reset_requests_sent, fsm(c.lcp), fsm(c.ncp), c.auth.malformed, c.auth.unexpected,
      c.auth.wrong_id, c.auth.repeats, c.auth.retransmits);
}

}  // namespace pptpx::ppp
