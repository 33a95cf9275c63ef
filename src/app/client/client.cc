// SPDX-License-Identifier: MIT
// The client's life cycle and its control connection (see client.h).
#include "app/client/client.h"

#include <utility>

#include "base/overloaded.h"
#include "base/text.h"
#include "proto/pptp/codes.h"

namespace pptpx::client {

namespace {

constexpr uint16_t kPptpPort = 1723;
constexpr auto kOcrp = static_cast<uint16_t>(pptp::MessageType::kOutgoingCallReply);
constexpr auto kCdn = static_cast<uint16_t>(pptp::MessageType::kCallDisconnectNotify);
constexpr uint16_t kRecvWindow = 64;
// Reads per wakeup of the control connection.
constexpr int kReadRounds = 16;

}  // namespace

Client::Client(io::EventLoop& loop, Settings settings, Ipv4 server, LogSink& sink, Rng& rng,
               io::ScriptRunner& scripts, std::function<void(int)> done,
               std::unique_ptr<app::Platform> platform)
    : loop_(loop),
      settings_(std::move(settings)),
      server_(server),
      port_(kPptpPort),
      log_(sink),
      rng_(rng),
      done_(std::move(done)),
      platform_(std::move(platform)),
      link_watcher_(loop, Logger(sink)),
      secrets_(settings_.flags.chap_secrets_path, settings_.flags.pap_secrets_path),
      scripts_(scripts, [this] { defer([this] { maybe_finish(); }); }),
      link_timer_(loop) {
  while (our_call_id_ == 0) our_call_id_ = rng_.u16();
}

Client::~Client() {
  for (auto id : deferred_) loop_.cancel_timer(id);
  if (control_timer_) loop_.cancel_timer(control_timer_);
  if (hangup_timer_) loop_.cancel_timer(hangup_timer_);
  if (pre_up_timer_) loop_.cancel_timer(pre_up_timer_);
  if (connect_timer_) loop_.cancel_timer(connect_timer_);
  if (gre_watch_timer_) loop_.cancel_timer(gre_watch_timer_);
  close_tcp();
  unwatch_gre();
  if (ppp_if_ && if_ready_) loop_.remove(ppp_if_->fd());
}

void Client::unwatch_gre() {
  if (!gre_) return;
  loop_.remove(gre_->fd());
  if (gre_->error_fd() >= 0) loop_.remove(gre_->error_fd());
}

void Client::defer(std::function<void()> fn) {
  // Fired ids stay in the list (a few per attempt): cancelling one is harmless.
  deferred_.push_back(loop_.add_timer_after(Duration::zero(), std::move(fn)));
}

void Client::log_stats() const {
  const ClientStats& t = stats_;
  session::DataPathStats d = call_ ? call_->data_path_stats() : session::DataPathStats{};
  uint64_t before_up = t.data_before_up + (call_ ? call_->traffic().data_before_up : 0);
  session::IngressStats in = gre_ ? gre_->ingress() : session::IngressStats{};
  log_.info(
      "stats: GRE dropped: not-gre {} malformed {} wrong-call {} sequence {} | PPP malformed {} "
      "| MPPE dropped {} not-ip {} | clear IP dropped {} | out: not-ipv4 {} no-mppe {} | data "
      "before up {} | tun dropped {} | TCP MSS clamped {} | {} | {} | {} | {} | {} | {}",
      in.not_gre, in.malformed, t.gre_wrong_call, d.gre_duplicates, d.ppp_malformed, d.mppe_dropped,
      d.mppe_not_ip, d.clear_ip_dropped, d.out_not_ipv4, d.out_no_mppe, before_up, t.tun_dropped,
      d.tcp_mss_clamped, session::describe_gre(d), session::describe_gre_flow(d),
      session::describe_mppe(d),
      ppp::describe_ppp(call_ ? call_->ppp().counters() : ppp::PppCounters{}),
      pptp::describe_control(control_ ? control_->stats() : pptp::ControlStats{}),
      gre_ ? gre_->describe() : std::string("GRE socket: closed"));
}

std::error_code Client::start() {
  if (!platform_) {
    auto p = app::SystemPlatform::open();
    if (!p) return p.error();
    platform_ = std::move(p.value());
  }
  watch_interface();
  // The route to the server as it is before the tunnel can change it: the
  // host route kept outside the tunnel under defaultroute copies it.
  std::optional<io::RouteLookup> server_route;
  if (io::Netlink* nl = platform_->netlink()) {
    if (auto r = nl->get_route(server_)) server_route = *r;
  }
  routes_.emplace(platform_->netlink(), server_, server_route,
                  RoutePolicy{settings_.defaultroute, settings_.replacedefaultroute,
                              !settings_.pty.nohostroute});

  io::GreSocket::Options go;
  if (settings_.pty.localbind) go.local = *settings_.pty.localbind;
  auto g = platform_->open_gre(go);
  if (!g) return g.error();
  gre_ = std::make_unique<app::GrePort>(std::move(g.value()), log_);
  auto on_gre = [this](uint32_t) {
    if (gre_) gre_->receive([this](session::GreDatagram& d) { on_gre_datagram(d); });
  };
  if (auto ec = loop_.add(gre_->fd(), io::kReadable, on_gre)) return ec;
  auto on_error = [this](uint32_t) {
    if (gre_)
      gre_->receive_errors([this](const session::PathError& e, uint16_t) { on_gre_error(e); });
  };
  if (gre_->error_fd() >= 0) {
    if (auto ec = loop_.add(gre_->error_fd(), io::kReadable, on_error)) return ec;
  }

  stage_ = Stage::kConnecting;
  auto t = io::TcpConnection::connect({server_, port_}, settings_.pty.localbind);
  if (!t) {
    // Unreachable at once (no route, ...): a failed connect, like a refused one.
    std::error_code ec = t.error();
    defer([this, ec] {
      fail(kExitConnectFailed,
           fmt::format("cannot connect to {} port {}: {}", server_.str(), port_, ec.message()));
    });
    return {};
  }
  tcp_ = std::move(t.value());
  if (auto ec = loop_.add(tcp_.fd(), io::kWritable, [this](uint32_t ev) { on_tcp_event(ev); }))
    return ec;
  log_.notice("connecting to {} ({}) port {}", settings_.pty.host, server_.str(), port_);
  connect_timer_ =
      loop_.add_timer_after(settings_.flags.connect_timeout, [this] { on_connect_timeout(); });
  return {};
}

// No SYN-ACK (nor a refusal) in time: TCP 1723 is dropped on the way, or
// the server is down; the kernel would go on retrying for two minutes.
void Client::on_connect_timeout() {
  connect_timer_ = 0;
  if (stage_ != Stage::kConnecting || control_) return;
  close_tcp();
  fail(kExitConnectFailed,
       fmt::format("cannot connect to {} port {}: no answer in {} s: the server is down, or a "
                   "firewall on the way drops TCP port {}; check that the server runs and "
                   "that TCP {} is open to it (pptpx --connect-timeout S waits longer)",
                   server_.str(), port_,
                   std::chrono::duration_cast<seconds>(settings_.flags.connect_timeout).count(),
                   port_, port_));
}

void Client::report_connect(bool ok, const std::string& why) {
  if (connect_timer_) loop_.cancel_timer(connect_timer_);
  connect_timer_ = 0;
  if (!connect_cb_) return;
  auto cb = std::move(connect_cb_);
  connect_cb_ = nullptr;
  cb(ok, why);
}

// ---- control connection ----

void Client::on_tcp_event(uint32_t ev) {
  if (!control_) {  // the connect finished
    if (auto ec = tcp_.finish_connect()) {
      close_tcp();
      fail(kExitConnectFailed,
           fmt::format("cannot connect to {} port {}: {}", server_.str(), port_, ec.message()));
      return;
    }
    on_connected();
    return;
  }
  if (ev & io::kWritable) {
    if (auto ec = tcp_.flush()) {
      log_.warn("CTRL: write error: {}", ec.message());
      ev |= io::kHangup;
    }
  }
  if (ev & (io::kReadable | io::kHangup | io::kError)) {
    read_control();
    if (!tcp_.is_open()) return;
  }
  service_control();
}

void Client::on_connected() {
  Time now = loop_.now();
  stage_ = Stage::kCalling;
  if (auto ec = tcp_.set_nodelay(true)) log_.debug("CTRL: TCP_NODELAY: {}", ec.message());
  log_.info("CTRL: connected to {}", server_.str());
  report_connect(true, {});
  pptp::ClientControlConfig cfg;
  cfg.host_name = settings_.pty.client_hostname.empty() ? "local" : settings_.pty.client_hostname;
  cfg.vendor = "pptpx";
  cfg.reply_timeout = seconds(20);
  if (settings_.pty.idle_wait) cfg.echo_interval = seconds(*settings_.pty.idle_wait);
  if (settings_.pty.max_echo_wait) cfg.echo_timeout = seconds(*settings_.pty.max_echo_wait);
  control_ = std::make_unique<pptp::ClientControl>(cfg, log_.child("CTRL"), now);
  control_->start(now);
  pptp::CallParams p;
  p.call_id = our_call_id_;
  p.serial = rng_.u16();
  p.recv_window = kRecvWindow;
  p.phone = settings_.pty.phone;
  control_->place_call(p, now);
  if (hanging_up_) control_->hangup(now);
  service_control();
}

void Client::read_control() {
  uint8_t buf[4096];
  for (int i = 0; i < kReadRounds; ++i) {
    auto r = tcp_.read(MutableByteView(buf, sizeof buf));
    if (!r && io::would_block(r.error())) return;
    if (!r || *r == 0) {
      log_.notice("CTRL: the server closed the control connection{}",
                  r ? "" : ": " + r.error().message());
      close_tcp();
      if (control_ && !control_->closed() && !hanging_up_ && !status_) status_ = kExitHangup;
      end_link(kExitHangup);
      maybe_finish();
      return;
    }
    control_->on_bytes(ByteView(buf, *r), loop_.now());
    if (control_->closed()) return;
  }
}

void Client::handle_control_event(pptp::ControlEvent& ev) {
  std::visit(
      Overloaded{
          [&](pptp::Established& e) {
            log_.info("CTRL: control connection established with '{}' ({}, firmware {})",
                      escaped(e.peer_host_name), escaped(e.peer_vendor), e.peer_firmware_revision);
          },
          [&](pptp::CallConnected& c) {
            log_.info("CTRL: call {} connected: server call ID {}, window {}, {} bps",
                      c.our_call_id, c.peer_call_id, c.recv_window, c.connect_speed);
            if (stage_ == Stage::kCalling && !hanging_up_)
              start_link(c.peer_call_id, c.recv_window);
          },
          [&](pptp::CallRejected& r) {
            std::string_view hint = pptp::call_refusal_hint(r.result, r.error);
            fail(kExitConnectFailed, fmt::format("CTRL: the server refused the call: {}{}{}",
                                                 pptp::describe_result(kOcrp, r.result, r.error),
                                                 hint.empty() ? "" : ": ", hint));
          },
          [&](pptp::CallDisconnected& d) {
            std::string what = pptp::describe_result(kCdn, d.result, d.error);
            if (d.cause) what += fmt::format(", cause {}", d.cause);
            if (!d.statistics.empty()) what += ", " + d.statistics;
            // Our Call-Clear-Request's answer, or the server ending the call.
            if (hanging_up_)
              log_.info("CTRL: call cleared at our request ({})", what);
            else
              log_.notice("CTRL: the server disconnected the call: {}", what);
            end_link(kExitHangup);
            if (control_ && !control_->closed()) control_->hangup(loop_.now());
          },
          [&](pptp::Closed& c) { log_.info("CTRL: control connection closed: {}", c.reason); },
          [&](auto&) {},
      },
      ev);
}

void Client::service_control() {
  if (!control_) return;
  while (auto ev = control_->poll_event()) handle_control_event(*ev);
  if (!tcp_.is_open()) {
    maybe_finish();
    return;
  }
  Bytes out = control_->take_output();
  if (!out.empty()) {
    if (auto ec = tcp_.write(out)) log_.warn("CTRL: write error: {}", ec.message());
  }
  if (control_->closed()) {
    end_link(kExitHangup);  // calls cannot outlive their control connection
    tcp_.close_after_flush();
  }
  if (tcp_.should_close() || (control_->closed() && !tcp_.want_write())) {
    close_tcp();
    maybe_finish();
    return;
  }
  uint32_t want = tcp_.want_write() ? (io::kReadable | io::kWritable) : uint32_t{io::kReadable};
  if (auto ec = loop_.modify(tcp_.fd(), want))
    log_.warn("CTRL: cannot watch the connection: {}", ec.message());
  arm_control_timer();
}

void Client::arm_control_timer() {
  Time when = control_->next_deadline();
  if (when == control_armed_) return;
  control_armed_ = when;
  if (when == kNever) {
    loop_.cancel_timer(control_timer_);
    control_timer_ = 0;
    return;
  }
  loop_.rearm_timer(&control_timer_, when, [this] {
    control_timer_ = 0;
    control_armed_ = kNever;
    control_->on_timer(loop_.now());
    service_control();
  });
}

void Client::close_tcp() {
  if (control_timer_) loop_.cancel_timer(control_timer_);
  control_timer_ = 0;
  control_armed_ = kNever;
  if (!tcp_.is_open()) return;
  loop_.remove(tcp_.fd());
  tcp_.close();
}

// ---- life cycle ----

void Client::fail(int status, const std::string& why) {
  log_.error("{}", why);
  report_connect(false, why);
  if (status_ == kExitOk) status_ = status;
  end_link(status);
  if (control_ && !control_->closed()) {
    control_->hangup(loop_.now());
    service_control();
  }
  maybe_finish();
}

void Client::hangup() {
  if (hanging_up_) return;
  hanging_up_ = true;
  Time now = loop_.now();
  if (stage_ == Stage::kLink) {
    call_->close("User request", now);
    service_link();
    if (stage_ == Stage::kLink) {
      // LCP Terminate-Request retries take max-terminate x restart (2 x 3 s
      // by default); past this the call is cleared anyway.
      hangup_timer_ = loop_.add_timer_after(seconds(7), [this] {
        hangup_timer_ = 0;
        log_.warn("no LCP Terminate-Ack from the server, clearing the call");
        end_link(kExitOk);
        if (control_ && !control_->closed()) {
          control_->hangup(loop_.now());
          service_control();
        }
      });
    }
    return;
  }
  end_link(kExitOk);
  if (control_ && !control_->closed()) {
    control_->hangup(now);
    service_control();
  } else if (!control_) {
    close_tcp();
  }
  maybe_finish();
}

void Client::maybe_finish() {
  if (stage_ == Stage::kFinished) return;
  if (tcp_.is_open() || stage_ == Stage::kLink || scripts_.pending() > 0) return;
  end_link(status_);
  remove_pid_files();
  stage_ = Stage::kFinished;
  if (control_timer_) loop_.cancel_timer(control_timer_);
  control_timer_ = 0;
  unwatch_gre();
  gre_.reset();
  int status = status_;
  auto done = done_;
  loop_.add_timer_after(Duration::zero(), [done, status] { done(status); });
}

}  // namespace pptpx::client
