// SPDX-License-Identifier: MIT
// pptpxd's brake on password guessing: delays per source and user, blocks,
// expiry, the bounded tables and what a success resets.
#include "app/server/auth_throttle.h"

#include <gtest/gtest.h>

#include <string>

namespace pptpx::server {
namespace {

Ipv4 ip(const char* s) { return *Ipv4::parse(s); }

const Time kT0 = Time{} + seconds(100000);

// n failures of user from source, a second apart; the time after them.
Time fail(AuthThrottle& t, const char* source, const std::string& user, int n, Time at = kT0) {
  for (int i = 0; i < n; ++i) {
    t.failed(ip(source), user, at);
    at += seconds(1);
  }
  return at;
}

TEST(AuthThrottle, FreeFailuresThenDelaysThatDoubleUpToTheCap) {
  AuthThrottleConfig cfg;
  cfg.block_user = 100;
  cfg.block_source = 100;
  AuthThrottle t(cfg);
  Time now = kT0;
  std::vector<int64_t> delays;
  for (int i = 0; i < 9; ++i) {
    auto d = t.check(ip("192.0.2.1"), "alice", now);
    EXPECT_FALSE(d.refused);
    delays.push_back(std::chrono::duration_cast<seconds>(d.delay).count());
    t.failed(ip("192.0.2.1"), "alice", now);
    now += seconds(1);
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{0, 0, 0, 1, 2, 4, 8, 15, 15}));
}

TEST(AuthThrottle, TheLargerOfSourceAndUserCountsAndOthersAreNotDelayed) {
  AuthThrottle t;
  Time now = fail(t, "192.0.2.1", "alice", 5);
  // Alice from elsewhere waits as alice; another user from the guessing
  // address waits as the address; another user from elsewhere does not.
  EXPECT_EQ(t.check(ip("192.0.2.9"), "alice", now).delay, seconds(4));
  EXPECT_EQ(t.check(ip("192.0.2.1"), "bob", now).delay, seconds(4));
  EXPECT_EQ(t.check(ip("192.0.2.9"), "bob", now).delay, Duration::zero());
  fail(t, "192.0.2.1", "carol", 2, now);  // the source has 7 now
  EXPECT_EQ(t.check(ip("192.0.2.1"), "alice", now + seconds(5)).delay, seconds(15));
}

TEST(AuthThrottle, BlocksAUserAtItsThresholdOnceAndRefusesUntilTheBlockEnds) {
  AuthThrottle t;  // block_user 10, block_source 30, 900 s
  Time now = kT0;
  for (int i = 1; i <= 9; ++i) {
    auto s = t.failed(ip("192.0.2.1"), "alice", now);
    EXPECT_FALSE(s.user || s.source);
  }
  auto s = t.failed(ip("192.0.2.1"), "alice", now);
  ASSERT_TRUE(s.user);
  EXPECT_EQ(*s.user, 10u);
  EXPECT_FALSE(s.source);
  // Once: a failure during the block starts nothing.
  EXPECT_FALSE(t.failed(ip("192.0.2.2"), "alice", now).user);
  auto d = t.check(ip("192.0.2.3"), "alice", now + seconds(899));
  EXPECT_TRUE(d.refused);
  EXPECT_TRUE(d.user_blocked);
  EXPECT_FALSE(d.source_blocked);
  EXPECT_FALSE(t.check(ip("192.0.2.3"), "bob", now).refused);
  auto rows = t.rows(now + seconds(899));
  ASSERT_EQ(rows.size(), 3u);  // two sources (a check is no failure), one user
  const auto& alice = rows.back();
  EXPECT_TRUE(alice.is_user);
  EXPECT_EQ(alice.key, "alice");
  EXPECT_EQ(alice.failures, 11u);
  EXPECT_EQ(alice.refused, 1u);
  EXPECT_EQ(alice.blocked_for, seconds(1));
  // The block over, alice starts again from nothing.
  d = t.check(ip("192.0.2.3"), "alice", now + seconds(900));
  EXPECT_FALSE(d.refused);
  EXPECT_EQ(d.delay, Duration::zero());
  EXPECT_EQ(t.rows(now + seconds(900)).size(), 0u);
}

TEST(AuthThrottle, BlocksASourceAtItsThresholdWhateverTheNames) {
  AuthThrottle t;
  Time now = kT0;
  std::optional<uint32_t> started;
  for (int i = 0; i < 30; ++i)
    if (auto s = t.failed(ip("198.51.100.7"), "user" + std::to_string(i), now); s.source)
      started = s.source;
  ASSERT_TRUE(started);
  EXPECT_EQ(*started, 30u);
  auto d = t.check(ip("198.51.100.7"), "alice", now);
  EXPECT_TRUE(d.refused);
  EXPECT_TRUE(d.source_blocked);
  EXPECT_FALSE(t.check(ip("198.51.100.8"), "alice", now).refused);
}

TEST(AuthThrottle, FailuresAreForgottenBlockTimeAfterTheLast) {
  AuthThrottle t;
  Time now = fail(t, "192.0.2.1", "alice", 6);
  EXPECT_GT(t.check(ip("192.0.2.1"), "alice", now).delay, Duration::zero());
  Time later = now - seconds(1) + seconds(900);
  EXPECT_EQ(t.check(ip("192.0.2.1"), "alice", later).delay, Duration::zero());
  EXPECT_TRUE(t.rows(later).empty());
  t.failed(ip("192.0.2.1"), "alice", later);
  auto rows = t.rows(later);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].failures, 1u);
}

TEST(AuthThrottle, ASuccessResetsTheUserButNotTheSource) {
  AuthThrottle t;
  Time now = fail(t, "192.0.2.1", "alice", 8);
  t.succeeded("mallory");  // the attacker's own account
  t.succeeded("alice");
  EXPECT_EQ(t.check(ip("192.0.2.9"), "alice", now).delay, Duration::zero());
  EXPECT_EQ(t.check(ip("192.0.2.1"), "mallory", now).delay, seconds(15));
}

TEST(AuthThrottle, TablesKeepTheirCapacityDroppingTheOldestUnblockedFirst) {
  AuthThrottleConfig cfg;
  cfg.block_source = 2;
  cfg.block_user = 0;  // never
  AuthThrottle t(cfg, 4);
  Time now = fail(t, "192.0.2.1", "u", 2);  // blocked
  for (int i = 2; i <= 20; ++i) {
    std::string a = "192.0.2." + std::to_string(i);
    t.failed(ip(a.c_str()), "user" + std::to_string(i), now);
    now += seconds(1);
    EXPECT_LE(t.sources(), 4u);
    EXPECT_LE(t.users(), 4u);
  }
  EXPECT_TRUE(t.check(ip("192.0.2.1"), "x", now).refused) << "the block stays";
  EXPECT_EQ(t.sources(), 4u);
  // Long user names are kept by their first octets.
  t.failed(ip("192.0.2.1"), std::string(100000, 'a'), now);
  for (const auto& r : t.rows(now)) EXPECT_LE(r.key.size(), AuthThrottle::kMaxNameKey);
}

TEST(AuthThrottle, ClearForgetsAUserAnAddressOrAll) {
  AuthThrottle t;
  Time now = fail(t, "192.0.2.1", "alice", 12);
  fail(t, "192.0.2.2", "bob", 12, now);
  EXPECT_TRUE(t.check(ip("192.0.2.5"), "alice", now).refused);
  EXPECT_EQ(t.clear("alice"), 1u);
  EXPECT_FALSE(t.check(ip("192.0.2.5"), "alice", now).refused);
  EXPECT_EQ(t.clear("192.0.2.1"), 1u);
  EXPECT_EQ(t.clear("nobody"), 0u);
  EXPECT_EQ(t.clear("all"), 2u);
  EXPECT_TRUE(t.rows(now).empty());
}

TEST(AuthThrottle, OffCountsNothing) {
  AuthThrottleConfig cfg;
  cfg.enabled = false;
  AuthThrottle t(cfg);
  Time now = fail(t, "192.0.2.1", "alice", 50);
  auto d = t.check(ip("192.0.2.1"), "alice", now);
  EXPECT_FALSE(d.refused);
  EXPECT_EQ(d.delay, Duration::zero());
  EXPECT_TRUE(t.rows(now).empty());
}

}  // namespace
}  // namespace pptpx::server
