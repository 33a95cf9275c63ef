// SPDX-License-Identifier: MIT
// Test helper: two Sessions joined by a perfect in-memory wire under a
// virtual clock, pumped until both are quiet (or 200 s of virtual time).
// The caller answers secret questions and sees every event, so each test
// keeps its own policy (which secrets, what it records).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "base/rng.h"
#include "crypto/crypto.h"
#include "proto/ppp/frame.h"
#include "proto/ppp/session.h"

namespace pptpx::ppp::test {

// The sessions' log: set PPP_TEST_LOG=1 to see it on stderr.
class StderrSink final : public LogSink {
 public:
  void write(LogLevel, std::string_view line) override {
    fprintf(stderr, "%.*s\n", int(line.size()), line.data());
  }
  bool enabled(LogLevel) const override { return getenv("PPP_TEST_LOG") != nullptr; }
};
inline StderrSink& log_sink() {
  static StderrSink sink;
  return sink;
}

struct WireHooks {
  // A pending secret question at the server (at_server) or the client.
  std::function<std::optional<std::string>(bool at_server, const SecretRequest&)> answer;
  // Every event, in order; the hook keeps what it needs.
  std::function<void(bool at_server, SessionEvent&)> on_event;
};

inline void run_wire(Session& server, Session& client, Time& now, const WireHooks& hooks) {
  client.open(now);
  server.open(now);
  for (int step = 0; step < 1000; ++step) {
    if (auto q = server.pending_secret_request())
      server.provide_secret(hooks.answer(true, *q), now);
    if (auto q = client.pending_secret_request())
      client.provide_secret(hooks.answer(false, *q), now);
    while (auto e = server.poll_event()) hooks.on_event(true, *e);
    while (auto e = client.poll_event()) hooks.on_event(false, *e);
    bool moved = false;
    for (const Bytes& f : server.take_frames()) {
      auto fr = parse_frame(f);
      EXPECT_TRUE(fr);
      if (fr) client.on_control(fr->protocol, fr->info, now);
      moved = true;
    }
    for (const Bytes& f : client.take_frames()) {
      auto fr = parse_frame(f);
      EXPECT_TRUE(fr);
      if (fr) server.on_control(fr->protocol, fr->info, now);
      moved = true;
    }
    if (moved) continue;
    Time next = earliest(server.next_deadline(), client.next_deadline());
    if (next == kNever || next > Time{} + seconds(200)) break;
    now = std::max(now, next);
    server.on_timer(now);
    client.on_timer(now);
  }
}

// A server (scfg) and a client (ccfg) with fixed seeds at virtual time
// 100 s; once the server has authenticated its peer it starts IPCP with
// 10.10.0.1 (its own) and 10.10.0.10 (the client's), then the event goes
// on to hooks.on_event like every other.
inline void run_pair(const SessionConfig& scfg, const SessionConfig& ccfg, const WireHooks& hooks) {
  EXPECT_TRUE(crypto::init());
  SeededRng srng(11), crng(29);
  Time now = Time{} + seconds(100);
  Session server(scfg, srng, Logger(log_sink(), "srv"), now);
  Session client(ccfg, crng, Logger(log_sink(), "cli"), now);
  WireHooks h = hooks;
  h.on_event = [&](bool at_server, SessionEvent& e) {
    if (auto* a = std::get_if<event::Authenticated>(&e);
        at_server && a && a->side == AuthSide::kPeer) {
      IpConfig ip;
      ip.local = *Ipv4::parse("10.10.0.1");
      ip.remote = *Ipv4::parse("10.10.0.10");
      server.start_network(ip, now);
    }
    hooks.on_event(at_server, e);
  };
  run_wire(server, client, now, h);
}

}  // namespace pptpx::ppp::test
