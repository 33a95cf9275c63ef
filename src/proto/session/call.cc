// SPDX-License-Identifier: MIT
#include "proto/session/call.h"

#include <algorithm>
#include <utility>

#include "base/overloaded.h"
#include "proto/ppp/dump.h"
#include "proto/ppp/frame.h"
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
  return t;
}

std::optional<CallEvent> Call::poll_event() {
  if (events_.empty()) return std::nullopt;
  CallEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

// Moves what the PPP core produced into the call's queues, applying to the
// data path what concerns it (framing, MPPE keys, flushes).
void Call::pump(Time now) {
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
    for (Bytes& f : ppp_.take_frames()) tx_frames_.push_back(std::move(f));
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

ByteView Call::poll_transmit(uint8_t* buf, size_t cap, Time now) {
  while (!tx_frames_.empty()) {
    Bytes frame = std::move(tx_frames_.front());
    tx_frames_.pop_front();
    if (log_.enabled(LogLevel::kDebug)) {
      if (auto f = ppp::parse_frame(frame))
        log_.debug("sent {}", ppp::describe_packet(f->protocol, f->info));
    }
    ByteView pkt = dp_.frame_control(buf, cap, frame, now);
    if (!pkt.empty()) return pkt;
    log_.warn("control frame of {} octets does not fit a send buffer; dropped", frame.size());
  }
  return dp_.ack_only(buf, now);
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
