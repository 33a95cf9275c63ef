// Test helper: two Sessions joined by a perfect in-memory wire under a
// virtual clock, pumped until both are quiet (or 200 s of virtual time).
// The caller answers secret questions and sees every event, so each test
// keeps its own policy (which secrets, when the server starts IPCP).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>

#include "proto/ppp/frame.h"
#include "proto/ppp/session.h"

namespace pptpx::ppp::test {

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
    if (auto q = server.pending_secret_request()) server.provide_secret(hooks.answer(true, *q), now);
    if (auto q = client.pending_secret_request()) client.provide_secret(hooks.answer(false, *q), now);
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

}  // namespace pptpx::ppp::test
