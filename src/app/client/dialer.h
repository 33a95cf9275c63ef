// SPDX-License-Identifier: MIT
// The client's life cycle across attempts, as pppd's main loop runs it
// (pppd(8) persist, maxfail, holdoff; docs/compatibility.md, Redialling):
// one Client per attempt; when an attempt ends, either exit with its status
// or wait `holdoff` seconds and dial again. SIGHUP drops the link (and ends
// a holdoff wait early); SIGTERM/SIGINT end everything.
//
// Exit statuses are pppd's, except that a hang-up we were asked for
// (SIGTERM, SIGINT, SIGHUP without persist, `pptpx hangup`) exits 0, as
// the issue asks; pppd exits 5 (EXIT_USER_REQUEST) there.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "app/client/client.h"
#include "app/client/settings.h"
#include "base/log.h"
#include "base/rng.h"
#include "base/time.h"
#include "io/event_loop.h"
#include "io/script.h"

namespace pptpx::client {

// pppd's bookkeeping, without I/O. pppd counts every attempt as a failure
// when it starts and forgets the count once an NCP comes up, so maxfail
// counts consecutive attempts that never brought the link up.
class RedialPolicy {
 public:
  struct Config {
    bool persist = false;
    int maxfail = 10;  // 0: never give up
    Duration holdoff = seconds(30);
  };
  struct Decision {
    bool redial = false;
    Duration wait{};      // before the next attempt, when redial
    int exit_status = 0;  // when !redial
  };

  explicit RedialPolicy(Config c) : cfg_(c) {}
  void attempt_started() { ++failures_; }
  void link_up() { failures_ = 0; }
  // SIGTERM/SIGINT/hangup: no more attempts (pppd clears persist).
  void quit() { quit_ = true; }
  bool quitting() const { return quit_; }
  Decision attempt_ended(int status) const;
  int failures() const { return failures_; }

 private:
  Config cfg_;
  int failures_ = 0;
  bool quit_ = false;
};

class Dialer {
 public:
  Dialer(io::EventLoop& loop, Settings settings, LogSink& sink, Rng& rng,
         std::function<void(int)> done);
  ~Dialer();
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  void start();
  // SIGTERM, SIGINT: hang up and exit 0.
  void hangup();
  // SIGHUP: drop the link; redial after holdoff if persist, else exit 0.
  // During a holdoff wait it dials at once.
  void sighup();
  // Once, when the link first comes up (updetach).
  void on_link_up(std::function<void()> cb) { link_up_cb_ = std::move(cb); }
  // Once, when the first attempt's TCP connect succeeds (true) or the first
  // attempt fails before it (false, with the error line): the default
  // detach's parent reports a connect failure and exits with it.
  void on_first_connect(std::function<void(bool, const std::string&)> cb) {
    connect_cb_ = std::move(cb);
  }
  void log_stats() const;

 private:
  void dial();
  void attempt_done(int status);
  void finish(int status);

  io::EventLoop& loop_;
  Settings settings_;
  LogSink& sink_;
  Logger log_;
  Rng& rng_;
  std::function<void(int)> done_;
  std::function<void()> link_up_cb_;
  std::function<void(bool, const std::string&)> connect_cb_;
  void report_connect(bool ok, const std::string& why);
  io::ScriptRunner scripts_;
  RedialPolicy policy_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Client> finished_client_;  // freed on the next turn of the loop
  io::EventLoop::TimerId holdoff_timer_ = 0;
  io::EventLoop::TimerId deferred_ = 0;
  bool finished_ = false;
};

// getaddrinfo for an IPv4 address; nullopt and a message on failure.
std::optional<Ipv4> resolve_host(const std::string& host, std::string& error);

}  // namespace pptpx::client
