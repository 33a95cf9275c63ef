// SPDX-License-Identifier: MIT
#include "proto/session/call.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "base/overloaded.h"
#include "proto/ppp/dump.h"
#include "proto/ppp/frame.h"
#include "proto/ppp/protocols.h"
#include "proto/session/tcp_mss.h"

namespace pptpx::session {

namespace {

// A PPP core that keeps producing events or frames for one input is a bug;
// this bounds the work done for one input all the same.
constexpr int kPumpGuard = 64;

}  // namespace

Call::Call(const CallConfig& cfg, Rng& rng, Logger log, Time now)
    : cfg_(cfg),
      log_(std::move(log)),
      ppp_(cfg.ppp, rng, log_, now),
      dp_(cfg.gre),
      last_data_(now) {
  dp_.set_mppe_required(cfg.ppp.mppe.required);
}

void Call::open(Time now) {
  if (opened_) return;
  opened_ = true;
  ppp_.open(now);
  pump(now);
}

void Call::close(std::string_view reason, Time now) {
  ppp_.close(reason, now);
  pump(now);
}

void Call::provide_secret(const std::optional<std::string>& secret, Time now) {
  secret_asked_ = false;
  ppp_.provide_secret(secret, now);
  pump(now);
}

void Call::start_network(const ppp::IpConfig& ip, Time now) {
  ppp_.start_network(ip, now);
  pump(now);
}

void Call::renegotiate_ccp(Time now) {
  ppp_.renegotiate_ccp(now);
  pump(now);
}

void Call::renegotiate_lcp(Time now) {
  ppp_.renegotiate_lcp(now);
  pump(now);
}

int Call::interface_mtu() const {
  int mtu = std::min<int>(cfg_.mtu, ppp_.peer_mru());
  if (dp_.mppe_active()) mtu -= 4;  // MPPE header and inner protocol, as pppd does
  return mtu;
}

Time Call::next_deadline() const {
  if (finished_) return kNever;
  Time t = earliest(ppp_.next_deadline(), dp_.next_deadline());
  if (cfg_.idle.count() > 0 && ip_up_) t = earliest(t, last_data_ + cfg_.idle);
  t = earliest(t, path_.next_deadline());
  return t;
}

std::optional<CallEvent> Call::poll_event() {
  if (events_.empty()) return std::nullopt;
  CallEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

// Moves what the PPP core produced into the call's queues, applying to the
// data path what concerns it (framing, MPPE keys, flushes); then the path
// check's probes and verdict.
void Call::pump(Time now) {
  pump_ppp(now);
  queue_probes(now);
}

void Call::pump_ppp(Time now) {
  for (int round = 0; round < kPumpGuard; ++round) {
    bool progress = false;
    if (!secret_asked_) {
      if (auto req = ppp_.pending_secret_request()) {
        secret_asked_ = true;
        bool repeated = false;
        if (req->side == ppp::AuthSide::kUs) {
          repeated = own_secret_asked_;
          own_secret_asked_ = true;
        }
        events_.push_back(call_event::SecretNeeded{*req, repeated});
        progress = true;
      }
    }
    for (Bytes& f : ppp_.take_frames()) tx_frames_.push_back(TxFrame{std::move(f)});
    while (auto ev = ppp_.poll_event()) {
      progress = true;
      on_ppp_event(*ev, now);
    }
    if (!progress) return;
  }
  log_.warn("PPP core still busy after {} rounds; going on at the next input", kPumpGuard);
}

void Call::on_ppp_event(ppp::SessionEvent& ev, Time now) {
  std::visit(Overloaded{
                 [&](ppp::event::LinkUp&) {
                   dp_.set_framing(ppp_.tx_acfc(), ppp_.tx_pfc());
                   // A new LCP negotiation is a new authentication phase: the peer
                   // may ask for our secret once more.
                   own_secret_asked_ = false;
                   log_.debug("LCP is up");
                 },
                 [&](ppp::event::Authenticated& a) { events_.push_back(std::move(a)); },
                 [&](ppp::event::AuthFailed& f) { events_.push_back(std::move(f)); },
                 [&](ppp::event::CcpUp& up) {
                   const auto& k = up.keys;
                   bool wide = up.key_bits == 128;
                   dp_.start_mppe(wide ? k.send.data() : k.send64.data(),
                                  wide ? k.recv.data() : k.recv64.data(),
                                  mppe::Settings{up.key_bits, up.stateless});
                   events_.push_back(call_event::CcpUp{up.key_bits, up.stateless, interface_mtu()});
                 },
                 [&](ppp::event::CcpDown&) {
                   dp_.stop_mppe();
                   log_.info("MPPE disabled");
                   events_.push_back(call_event::CcpDown{});
                 },
                 [&](ppp::event::ResetRequested&) { dp_.request_flush(); },
                 [&](ppp::event::IpUp& up) {
                   ip_up_ = true;
                   last_data_ = now;
                   start_path_check(now);
                   events_.push_back(call_event::IpUp{
                       up.local, up.remote, static_cast<const NameServers&>(up), interface_mtu()});
                 },
                 [&](ppp::event::IpDown& d) {
                   ip_up_ = false;
                   events_.push_back(call_event::IpDown{d.renegotiating});
                 },
                 [&](ppp::event::Ipv6Up&) {},
                 [&](ppp::event::Ipv6Down&) {},
                 [&](ppp::event::EchoTimeout&) { events_.push_back(call_event::LinkDead{}); },
                 [&](ppp::event::Finished& f) {
                   finished_ = true;
                   ip_up_ = false;
                   dp_.stop_mppe();
                   events_.push_back(call_event::Finished{std::move(f.reason)});
                 },
             },
             ev);
  update_mss_clamp();
}

// The MTU follows LCP (the peer's MRU) and CCP (MPPE's 4 octets): the
// clamp follows every event that may change either.
void Call::update_mss_clamp() {
  dp_.set_max_mss(cfg_.mss_clamp && ip_up_ ? mss_for_mtu(interface_mtu()) : 0);
}

// ---- inbound ----

ByteView Call::receive(const gre::Header& h, MutableByteView payload, Time now) {
  if (finished_ || !dp_.on_gre(h, payload, now)) return {};
  return on_frame(payload, now);
}

ByteView Call::next_released(Time now) {
  while (!finished_) {
    auto p = dp_.take_released(now);
    if (!p) return {};
    ByteView ip = on_frame(*p, now);
    if (!ip.empty()) return ip;
  }
  return {};
}

// The receive direction keeps failing (docs/resilience.md, section 2):
// renegotiate CCP for fresh keys, or end the link naming the cause so that
// persist redials.
bool Call::check_rx_health(Time now) {
  if (dp_.too_many_mppe_errors()) {
    log_.warn("too many MPPE errors, closing LCP");
    close("Too many MPPE errors", now);
    return true;
  }
  std::string why;
  switch (dp_.take_rx_action(now, &why)) {
    case RxAction::kNone: return false;
    case RxAction::kRenegotiateCcp:
      log_.warn("MPPE receive failing: {}; renegotiating CCP for fresh keys", why);
      renegotiate_ccp(now);
      return true;
    case RxAction::kTerminate:
      log_.warn("MPPE receive failing: {}; ending the link", why);
      close("MPPE receive keys lost (" + why + ")", now);
      return true;
  }
  return false;
}

ByteView Call::on_frame(MutableByteView frame, Time now) {
  DataPath::Inbound in = dp_.on_frame(frame, now);
  if (check_rx_health(now)) return {};
  if (dp_.take_reset_request(now)) {
    ppp_.send_reset_request(now);
    pump(now);
  }
  switch (in.kind) {
    case DataPath::Inbound::kIp:
      if (!ip_up_ || !ppp_.data_allowed()) {
        traffic_.data_before_up++;
        return {};
      }
      traffic_.bytes_in += in.data.size();
      traffic_.packets_in++;
      last_data_ = now;
      return in.data;
    case DataPath::Inbound::kControl:
      if (log_.enabled(LogLevel::kDebug))
        log_.debug("rcvd {}", ppp::describe_packet(in.protocol, in.data));
      if (in.protocol == ppp::kProtoLcp) peek_echo_reply(in.data);
      ppp_.on_control(in.protocol, in.data, now);
      pump(now);
      return {};
    case DataPath::Inbound::kDropped: log_.debug("packet dropped: {}", in.reason); return {};
  }
  return {};
}

// ---- outbound ----

ByteView Call::send_ip(uint8_t* buf, size_t ip_len, Time now) {
  if (finished_ || !ppp_.data_allowed()) {
    traffic_.data_before_up++;
    return {};
  }
  ByteView pkt = dp_.frame_ip(buf, ip_len, now);
  if (pkt.empty()) return {};  // counted by the data path
  traffic_.bytes_out += ip_len;
  traffic_.packets_out++;
  last_data_ = now;
  return pkt;
}

ByteView Call::poll_transmit(uint8_t* buf, size_t cap, Time now, bool* dont_fragment) {
  if (dont_fragment) *dont_fragment = false;
  while (!tx_frames_.empty()) {
    TxFrame frame = std::move(tx_frames_.front());
    tx_frames_.pop_front();
    if (log_.enabled(LogLevel::kDebug)) {
      if (auto f = ppp::parse_frame(frame.bytes))
        log_.debug("sent {}", ppp::describe_packet(f->protocol, f->info));
    }
    ByteView pkt = dp_.frame_control(buf, cap, frame.bytes, now);
    if (!pkt.empty()) {
      if (dont_fragment) *dont_fragment = frame.dont_fragment;
      return pkt;
    }
    log_.warn("control frame of {} octets does not fit a send buffer; dropped", frame.bytes.size());
  }
  return dp_.ack_only(buf, now);
}

// ---- the path check (path_check.h) ----

// Frames either way are at most the smaller of our mtu and the two MRUs.
void Call::start_path_check(Time now) {
  if (!cfg_.mtu_check) return;
  path_.start(std::min({cfg_.mtu, int{ppp_.peer_mru()}, int{cfg_.ppp.lcp.mru}}), now);
}

void Call::queue_probes(Time now) {
  if (!path_.running()) return;
  const uint32_t magic = ppp_.our_magic();
  while (auto p = path_.next_probe(now)) {
    TxFrame f{{}, p->dont_fragment};
    Writer w(f.bytes);
    w.u8(0xFF);
    w.u8(0x03);
    w.u16(ppp::kProtoLcp);
    w.u8(ppp::kEchoRequest);
    w.u8(p->id);
    w.u16(p->length);
    w.u32(magic);
    w.zeros(p->length - PathCheck::kSmallLength);
    tx_frames_.push_back(std::move(f));
  }
  if (auto r = path_.take_result(now)) report_path(*r);
}

void Call::peek_echo_reply(ByteView lcp) {
  Reader r(lcp);
  const uint8_t code = r.u8();
  const uint8_t id = r.u8();
  const uint16_t length = r.u16();
  if (r.ok() && code == ppp::kEchoReply && length <= lcp.size()) path_.on_reply(id, length);
}

void Call::report_path(const PathCheck::Result& r) {
  const std::string fix = fmt::format("`mtu {0}` and `mru {0}`{1}{2}", r.suggested,
                                      cfg_.options_place.empty() ? "" : " in ", cfg_.options_place);
  switch (r.verdict) {
    case PathCheck::Verdict::kFits:
      log_.debug("path check: full-size tunnel packets ({} octets) cross unfragmented",
                 r.full_size);
      return;
    case PathCheck::Verdict::kNoAnswer:
      log_.debug("path check: no answer to any LCP Echo-Request probe; no conclusion");
      return;
    case PathCheck::Verdict::kFragmented:
      if (r.reporter.is_zero()) {
        log_.debug(
            "path check: full-size tunnel packets ({} octets) exceed this host's MTU of {} "
            "toward the peer and leave as IP fragments; {} would avoid that",
            r.full_size, r.path_mtu, fix);
      } else {
        log_.notice(
            "path MTU to the peer is {} ({} sent ICMP fragmentation-needed): full-size tunnel "
            "packets ({} octets) are fragmented on the way; set {} to avoid it",
            r.path_mtu, r.reporter.str(), r.full_size, fix);
      }
      return;
    case PathCheck::Verdict::kLost:
      log_.warn(
          "full-size tunnel packets ({} octets) get no answer while small ones do: large "
          "packets or IP fragments are dropped between us and the peer{}; {} {}",
          r.full_size, r.path_mtu ? fmt::format(" (path MTU {})", r.path_mtu) : std::string(),
          r.verified ? "set" : "try", fix);
      return;
  }
}

void Call::on_path_error(const PathError& e, Time now) {
  if (finished_) return;
  if (e.kind == PathError::Kind::kTooBig) {
    path_.on_error(e, now);
    pump(now);
    return;
  }
  if (path_error_logged_) return;
  path_error_logged_ = true;
  log_.notice("{}", describe_path_error(e));
}

std::string describe_path_error(const PathError& e) {
  const std::string from = e.reporter.is_zero() ? std::string("this host") : e.reporter.str();
  switch (e.kind) {
    case PathError::Kind::kProhibited:
      return fmt::format(
          "GRE to {} is administratively prohibited (ICMP from {}): a firewall rejects IP "
          "protocol 47 (GRE); allow it both ways",
          e.peer.str(), from);
    case PathError::Kind::kProtocolUnreachable:
      return fmt::format(
          "GRE to {} is refused: {} answers that IP protocol 47 (GRE) is unreachable; a NAT "
          "or firewall there does not pass GRE (turn on its PPTP passthrough or helper)",
          e.peer.str(), from);
    case PathError::Kind::kNoRoute:
      return fmt::format("GRE to {}: {} has no route to it (ICMP unreachable code {})",
                         e.peer.str(), from, e.icmp_code);
    case PathError::Kind::kTooBig:
      return fmt::format("GRE to {}: {} reports a path MTU of {}", e.peer.str(), from, e.mtu);
    case PathError::Kind::kOther: break;
  }
  return fmt::format("GRE to {}: ICMP type {} code {} from {}", e.peer.str(), e.icmp_type,
                     e.icmp_code, from);
}

void Call::check_idle(Time now) {
  if (cfg_.idle.count() <= 0 || !ip_up_ || now - last_data_ < cfg_.idle) return;
  log_.notice("terminating on idle timeout ({} s)",
              std::chrono::duration_cast<seconds>(cfg_.idle).count());
  ppp_.close("Idle timeout", now);
}

void Call::on_timer(Time now) {
  if (finished_) return;
  if (dp_.take_reset_request(now)) ppp_.send_reset_request(now);
  check_idle(now);
  ppp_.on_timer(now);
  pump(now);
}

}  // namespace pptpx::session
