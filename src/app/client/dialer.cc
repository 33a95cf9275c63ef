// SPDX-License-Identifier: MIT
#include "app/client/dialer.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <utility>

namespace pptpx::client {

RedialPolicy::Decision RedialPolicy::attempt_ended(int status) const {
  Decision d;
  d.exit_status = status;
  if (!cfg_.persist || quit_ || (cfg_.maxfail > 0 && failures_ >= cfg_.maxfail)) return d;
  d.redial = true;
  d.wait = cfg_.holdoff;
  return d;
}

std::optional<Ipv4> resolve_host(const std::string& host, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    error = rc != 0 ? gai_strerror(rc) : "no address";
    if (res) freeaddrinfo(res);
    return std::nullopt;
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(res->ai_addr);
  Ipv4 a{ntohl(sin->sin_addr.s_addr)};
  freeaddrinfo(res);
  return a;
}

Dialer::Dialer(io::EventLoop& loop, Settings settings, LogSink& sink, Rng& rng,
               std::function<void(int)> done)
    : loop_(loop),
      settings_(std::move(settings)),
      sink_(sink),
      log_(sink),
      rng_(rng),
      done_(std::move(done)),
      scripts_(loop, Logger(sink)),
      policy_(RedialPolicy::Config{settings_.persist, settings_.maxfail,
                                   seconds(settings_.holdoff_seconds)}) {}

Dialer::~Dialer() {
  loop_.cancel_timer(holdoff_timer_);
  loop_.cancel_timer(deferred_);
}

void Dialer::start() { dial(); }

void Dialer::dial() {
  holdoff_timer_ = 0;
  if (finished_) return;
  policy_.attempt_started();
  std::string why;
  // Resolved again on every attempt, as pptp-linux does each time pppd
  // runs it: the server's address may have changed.
  auto server = resolve_host(settings_.pty.host, why);
  if (!server) {
    log_.error("cannot resolve {}: {}", settings_.pty.host, why);
    report_connect(false, fmt::format("cannot resolve {}: {}", settings_.pty.host, why));
    deferred_ = loop_.add_timer_after(Duration::zero(), [this] {
      deferred_ = 0;
      attempt_done(kExitConnectFailed);
    });
    return;
  }
  client_ = std::make_unique<Client>(loop_, settings_, *server, sink_, rng_, scripts_,
                                     [this](int status) { attempt_done(status); });
  client_->on_connect_result([this](bool ok, const std::string& e) { report_connect(ok, e); });
  client_->on_link_up([this] {
    policy_.link_up();
    if (link_up_cb_) {
      auto cb = std::move(link_up_cb_);
      link_up_cb_ = nullptr;
      cb();
    }
  });
  if (auto ec = client_->start()) {
    log_.error("cannot start: {}", ec.message());
    report_connect(false, "cannot start: " + ec.message());
    deferred_ = loop_.add_timer_after(Duration::zero(), [this] {
      deferred_ = 0;
      attempt_done(kExitFatal);
    });
  }
}

void Dialer::report_connect(bool ok, const std::string& why) {
  if (!connect_cb_) return;
  auto cb = std::move(connect_cb_);
  connect_cb_ = nullptr;
  cb(ok, why);
}

void Dialer::attempt_done(int status) {
  // Called from the Client's own timer: free it on a later turn.
  finished_client_ = std::move(client_);
  loop_.add_timer_after(Duration::zero(), [this] { finished_client_.reset(); });
  if (finished_) return;
  RedialPolicy::Decision d = policy_.attempt_ended(status);
  if (!d.redial) {
    if (settings_.persist && !policy_.quitting() && settings_.maxfail > 0 &&
        policy_.failures() >= settings_.maxfail)
      log_.notice("maxfail: {} consecutive failed attempts, giving up", policy_.failures());
    finish(d.exit_status);
    return;
  }
  auto secs = std::chrono::duration_cast<seconds>(d.wait).count();
  log_.notice("link ended (status {}); dialling again in {} s (failed attempts {}{})", status, secs,
              policy_.failures(),
              settings_.maxfail > 0 ? " of " + std::to_string(settings_.maxfail) : "");
  holdoff_timer_ = loop_.add_timer_after(d.wait, [this] { dial(); });
}

void Dialer::finish(int status) {
  if (finished_) return;
  finished_ = true;
  loop_.cancel_timer(holdoff_timer_);
  holdoff_timer_ = 0;
  done_(status);
}

void Dialer::hangup() {
  policy_.quit();
  if (client_) {
    client_->hangup();
    return;
  }
  // Between attempts (holdoff): nothing to tear down.
  if (!deferred_) finish(kExitOk);
}

void Dialer::sighup() {
  if (client_) {
    log_.info("hangup (SIGHUP)");
    client_->hangup();
    return;
  }
  if (holdoff_timer_) {
    log_.info("hangup (SIGHUP): holdoff ended early");
    loop_.cancel_timer(holdoff_timer_);
    holdoff_timer_ = 0;
    dial();
  }
}

void Dialer::log_stats() const {
  if (client_) client_->log_stats();
}

}  // namespace pptpx::client
