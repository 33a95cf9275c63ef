// SPDX-License-Identifier: MIT
// Control connections: accept, read, the PPTP control core's events, and
// the end of a connection (see server.h for the rooms).
#include <algorithm>
#include <utility>

#include "app/server/server.h"
#include "base/counters.h"
#include "base/overloaded.h"
#include "proto/pptp/messages.h"

namespace pptpx::server {

namespace {

// Every loop here does bounded work per wake-up, so that one flooding peer
// cannot starve the others (the sockets are level triggered: what is left
// waits for the next turn of the loop):
// Connections accepted per wakeup of the listener: a flood of dial-ins
// must not starve GRE and the running sessions.
constexpr int kAcceptBatch = 64;
// Reads (of up to 4 KiB) per wakeup of one control connection; the events
// and output they produce are bounded by what was read.
constexpr int kReadRounds = 16;
// Output queued for one control connection, beyond what its socket took: a
// peer that does not read what we send (our Echo-Replies) is disconnected
// at this much. A proper client never has more than a few messages queued.
constexpr size_t kMaxControlOutput = size_t{64} * 1024;

}  // namespace

void Server::on_accept() {
  for (int n = 0; n < kAcceptBatch; ++n) {
    auto a = listener_->accept();
    if (!a) {
      if (!io::would_block(a.error())) {
        stats_.accept_errors++;
        log_.warn("accept: {}", a.error().message());
      }
      return;
    }
    if (shutting_down_) continue;  // the Fd closes as it goes out of scope
    if (!make_room_for(a->peer.addr)) continue;
    admit_connection(std::move(a.value()));
  }
}

// Connections that never place a call cost memory until stimeout ends them;
// how many may wait at once is bounded per source and in all.
size_t Server::waiting_limit() const { return std::max<size_t>(64, 2 * pool_.size()); }

bool Server::make_room_for(Ipv4 source) {
  const size_t per_source = static_cast<size_t>(settings_.conf.waiting_per_source);
  if (waiting_.from(source) >= per_source) {
    stats_.connections_refused_per_source++;
    note_source(source, fmt::format("refusing connections: {} without a call from this address "
                                    "already (waiting-per-source {})",
                                    waiting_.from(source), per_source));
    return false;
  }
  // The oldest waiting connection makes room for the new one: refusing the
  // new one instead would let whoever holds connections open lock everyone
  // else out.
  if (waiting_.size() >= waiting_limit()) {
    auto it = controls_.find(waiting_.oldest().value_or(0));
    if (it != controls_.end()) {
      Control& old = *it->second;
      stats_.connections_evicted++;
      old.level = LogLevel::kDebug;  // the notice speaks for it
      note_source(old.peer, fmt::format("closing this address's oldest connection without a "
                                        "call: {} waiting, the most at once",
                                        waiting_.size()));
      close_control(old);
    }
  }
  // Those that placed a call are bounded by the pool; this holds the rest
  // (the calls over, the connections stopping).
  if (controls_.size() >= waiting_limit() + pool_.size()) {
    stats_.connections_refused++;
    log_.debug("CTRL: too many control connections, refusing one from {}", source.str());
    return false;
  }
  return true;
}

void Server::note_source(Ipv4 source, std::string_view what) {
  auto v = source_log_.note(source, loop_.now());
  if (!v.write) return;
  if (v.suppressed == 0)
    log_.notice("CTRL: {}: {}", source.str(), what);
  else
    log_.notice("CTRL: {}: {} ({} more such event(s) from it not logged in the last minute)",
                source.str(), what, v.suppressed);
}

bool Server::close_if_not_reading(Control& c) {
  if (c.tcp.pending() <= kMaxControlOutput) return false;
  stats_.connections_output_overflow++;
  c.level = LogLevel::kDebug;  // the notice speaks for it
  note_source(c.peer, fmt::format("closing connection {}: it does not read what we send (over "
                                  "{} KiB unsent)",
                                  c.name(), kMaxControlOutput / 1024));
  close_control(c);
  return true;
}

void Server::admit_connection(io::TcpListener::Accepted a) {
  stats_.connections++;
  io::TcpConnection tcp(std::move(a.fd));
  if (auto ec = tcp.set_nodelay(true)) log_.debug("CTRL: TCP_NODELAY: {}", ec.message());
  pptp::ServerControlConfig cfg;
  cfg.host_name = settings_.our_name;
  cfg.vendor = "pptpx";
  cfg.establish_timeout = settings_.stimeout;
  cfg.call_timeout = settings_.stimeout;  // after Start-Control-Connection-Reply
  uint64_t id = next_control_id_++;
  Logger lg = log_.child(fmt::format("[{}:{}]", a.peer.addr.str(), a.peer.port));
  auto c =
      std::make_unique<Control>(id, std::move(tcp), a.peer, a.local.addr, cfg, lg, loop_.now());
  if (source_log_.recent(a.peer.addr, loop_.now())) c->level = LogLevel::kDebug;
  c->log.log(c->level, "CTRL: client {} control connection started", a.peer.addr.str());
  Control* raw = c.get();
  controls_[id] = std::move(c);
  waiting_.add(id, a.peer.addr);
  if (auto ec = loop_.add(raw->tcp.fd(), io::kReadable,
                          [this, id](uint32_t ev) { on_control_event(id, ev); })) {
    raw->log.warn("CTRL: cannot watch the connection: {}", ec.message());
    destroy_control(id);
    return;
  }
  arm_control_timer(*raw);
}

void Server::on_control_event(uint64_t id, uint32_t ev) {
  auto it = controls_.find(id);
  if (it == controls_.end()) return;
  Control& ctl = *it->second;
  if (ev & io::kWritable) {
    if (auto ec = ctl.tcp.flush()) ctl.log.debug("CTRL: write error: {}", ec.message());
  }
  if (ev & (io::kReadable | io::kHangup | io::kError)) {
    on_control_readable(ctl);
    return;
  }
  service_control(ctl);
}

void Server::on_control_readable(Control& c) {
  uint8_t buf[4096];
  for (int i = 0; i < kReadRounds; ++i) {
    auto r = c.tcp.read(MutableByteView(buf, sizeof buf));
    if (!r) {
      if (io::would_block(r.error())) break;
      c.log.info("CTRL: read error: {}", r.error().message());
      close_control(c);
      return;
    }
    if (*r == 0) {
      c.log.info("CTRL: client closed the control connection");
      close_control(c);
      return;
    }
    c.core.on_bytes(ByteView(buf, *r), loop_.now());
    if (c.core.closed()) break;
  }
  service_control(c);
}

void Server::handle_control_event(Control& c, pptp::ControlEvent& ev) {
  std::visit(Overloaded{
                 [&](pptp::CallRequested& r) { start_call(c, r); },
                 [&](pptp::CallCleared& r) {
                   c.log.info("CTRL: call {} cleared by the peer", r.peer_call_id);
                   Link* link = r.our_call_id ? calls_.find(r.our_call_id) : nullptr;
                   // The core already answered with a Call-Disconnect-Notify; a
                   // client that clears its call usually stops the control
                   // connection next, so wait before stopping it ourselves.
                   if (link) {
                     link->fail_setup(SetupFailure::kControlClosed);
                     end_call(*link, 0, false, /*defer_control=*/!shutting_down_);
                   }
                 },
                 [&](pptp::LinkInfo& l) {
                   c.log.debug("CTRL: Set-Link-Info send ACCM {:#x} receive ACCM {:#x}",
                               l.send_accm, l.recv_accm);
                 },
                 [&](pptp::WanError& w) {
                   c.log.info(
                       "CTRL: WAN-Error-Notify: crc {} framing {} overrun {} "
                       "buffer {} timeout {} alignment {}",
                       w.crc_errors, w.framing_errors, w.hardware_overruns, w.buffer_overruns,
                       w.time_out_errors, w.alignment_errors);
                 },
                 [&](pptp::Closed& cl) { on_control_closed(c, cl); },
                 [&](auto&) {},
             },
             ev);
}

// A connection without a call that ran out of stimeout is counted and
// told of once a minute per source: a flood of them gives no line each.
void Server::on_control_closed(Control& c, const pptp::Closed& cl) {
  const pptp::ControlStats& s = c.core.stats();
  if (s.establish_timeouts + s.call_timeouts == 0) {
    c.log.log(c.level, "CTRL: control connection closed: {}", cl.reason);
    return;
  }
  stats_.connections_idle_closed++;
  c.level = LogLevel::kDebug;  // the notice speaks for it
  note_source(c.peer, fmt::format("closing connection {} without a call: {} (stimeout {} s)",
                                  c.name(), cl.reason,
                                  std::chrono::duration_cast<seconds>(settings_.stimeout).count()));
}

void Server::service_control(Control& c) {
  const uint64_t id = c.id;
  while (auto ev = c.core.poll_event()) {
    handle_control_event(c, *ev);
    if (!controls_.count(id)) return;
  }
  Bytes out = c.core.take_output();
  if (!out.empty()) {
    if (auto ec = c.tcp.write(out)) c.log.debug("CTRL: write error: {}", ec.message());
  }
  if (close_if_not_reading(c)) return;
  if (c.core.closed()) {
    end_control_calls(c);  // calls cannot outlive their control connection
    c.tcp.close_after_flush();
  }
  if (c.tcp.should_close() || (c.core.closed() && !c.tcp.want_write())) {
    destroy_control(id);
    return;
  }
  uint32_t want = c.tcp.want_write() ? (io::kReadable | io::kWritable) : uint32_t{io::kReadable};
  if (auto ec = loop_.modify(c.tcp.fd(), want))
    c.log.warn("CTRL: cannot watch the connection: {}", ec.message());
  arm_control_timer(c);
}

void Server::arm_control_timer(Control& c) {
  Time when = c.core.next_deadline();
  if (when == c.armed) return;
  c.armed = when;
  if (when == kNever) {
    loop_.cancel_timer(c.timer);
    c.timer = 0;
    return;
  }
  uint64_t id = c.id;
  loop_.rearm_timer(&c.timer, when, [this, id] {
    auto it = controls_.find(id);
    if (it == controls_.end()) return;
    it->second->timer = 0;
    it->second->armed = kNever;
    it->second->core.on_timer(loop_.now());
    service_control(*it->second);
  });
}

void Server::end_control_calls(Control& c) {
  for (uint16_t cid : std::vector<uint16_t>(c.calls)) {
    if (Link* link = calls_.find(cid)) {
      link->fail_setup(SetupFailure::kControlClosed);
      end_call(*link, pptp::kCdnLostCarrier, false);
    }
  }
}

void Server::close_control(Control& c) {
  end_control_calls(c);
  destroy_control(c.id);
}

void Server::destroy_control(uint64_t id) {
  auto it = controls_.find(id);
  if (it == controls_.end()) return;
  Control& c = *it->second;
  end_control_calls(c);
  if (c.timer) loop_.cancel_timer(c.timer);
  if (c.tcp.is_open()) {
    if (auto ec = c.tcp.flush()) c.log.debug("CTRL: write error: {}", ec.message());
    loop_.remove(c.tcp.fd());
    c.tcp.close();
  }
  c.log.log(c.level, "CTRL: client {} control connection finished", c.peer.str());
  add_counters(stats_.control, c.core.stats());
  waiting_.remove(id);
  controls_.erase(it);
  maybe_finish_shutdown();
}

// The call ended and the client did not clear it within kClearWait: tell it
// (CDN), and stop the control connection if no call is left on it.
void Server::stop_idle_control_after(uint64_t control_id, uint16_t call_id, uint8_t cdn_result,
                                     bool send_cdn, std::string stats) {
  loop_.add_timer_after(milliseconds(500), [this, control_id, call_id, cdn_result, send_cdn,
                                            stats = std::move(stats)] {
    auto it = controls_.find(control_id);
    if (it == controls_.end()) return;
    Control& ctl = *it->second;
    Time t = loop_.now();
    if (send_cdn && !ctl.core.closed()) ctl.core.disconnect_call(call_id, cdn_result, stats, t);
    if (ctl.calls.empty() && !ctl.core.closed() && ctl.core.call_count() == 0)
      ctl.core.shutdown(shutting_down_ ? pptp::kStopReasonLocalShutdown : pptp::kStopReasonNone, t);
    service_control(ctl);
  });
}

}  // namespace pptpx::server
