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

// Connections accepted per wakeup of the listener: a flood of dial-ins
// must not starve GRE and the running sessions (the socket is level
// triggered, so the rest wait for the next turn of the loop).
constexpr int kAcceptBatch = 64;
// Reads per wakeup of one control connection.
constexpr int kReadRounds = 16;

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
    // Connections that never place a call cost memory until stimeout ends
    // them: bound how many may wait at once.
    if (controls_.size() >= std::max<size_t>(64, 2 * pool_.size())) {
      stats_.connections_refused++;
      log_.debug("CTRL: too many control connections, refusing {}:{}", a->peer.addr.str(),
                 a->peer.port);
      continue;
    }
    admit_connection(std::move(a.value()));
  }
}

void Server::admit_connection(io::TcpListener::Accepted a) {
  stats_.connections++;
  io::TcpConnection tcp(std::move(a.fd));
  if (auto ec = tcp.set_nodelay(true)) log_.debug("CTRL: TCP_NODELAY: {}", ec.message());
  pptp::ServerControlConfig cfg;
  cfg.host_name = settings_.our_name;
  cfg.vendor = "pptpx";
  cfg.establish_timeout = settings_.stimeout;
  uint64_t id = next_control_id_++;
  Logger lg = log_.child(fmt::format("[{}:{}]", a.peer.addr.str(), a.peer.port));
  auto c =
      std::make_unique<Control>(id, std::move(tcp), a.peer, a.local.addr, cfg, lg, loop_.now());
  c->log.info("CTRL: client {} control connection started", a.peer.addr.str());
  Control* raw = c.get();
  controls_[id] = std::move(c);
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
  std::visit(
      Overloaded{
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
            c.log.debug("CTRL: Set-Link-Info send ACCM {:#x} receive ACCM {:#x}", l.send_accm,
                        l.recv_accm);
          },
          [&](pptp::WanError& w) {
            c.log.info(
                "CTRL: WAN-Error-Notify: crc {} framing {} overrun {} "
                "buffer {} timeout {} alignment {}",
                w.crc_errors, w.framing_errors, w.hardware_overruns, w.buffer_overruns,
                w.time_out_errors, w.alignment_errors);
          },
          [&](pptp::Closed& cl) { c.log.info("CTRL: control connection closed: {}", cl.reason); },
          [&](auto&) {},
      },
      ev);
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
  c.log.info("CTRL: client {} control connection finished", c.peer.str());
  add_counters(stats_.control, c.core.stats());
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
