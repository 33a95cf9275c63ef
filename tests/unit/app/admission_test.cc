// SPDX-License-Identifier: MIT
// pptpxd's bookkeeping of control connections without a call, and its
// once-a-minute log per source address.
#include "app/server/admission.h"

#include <gtest/gtest.h>

namespace pptpx::server {
namespace {

Ipv4 ip(const char* s) { return *Ipv4::parse(s); }

TEST(WaitingConnections, CountsBySourceAndKnowsTheOldest) {
  WaitingConnections w;
  EXPECT_FALSE(w.oldest());
  w.add(7, ip("192.0.2.1"));
  w.add(3, ip("192.0.2.1"));
  w.add(9, ip("192.0.2.2"));
  w.add(9, ip("192.0.2.2"));  // twice: once
  EXPECT_EQ(w.size(), 3u);
  EXPECT_EQ(w.from(ip("192.0.2.1")), 2u);
  EXPECT_EQ(w.from(ip("192.0.2.2")), 1u);
  EXPECT_EQ(w.from(ip("192.0.2.3")), 0u);
  EXPECT_EQ(w.oldest(), 3u);
  w.remove(3);
  w.remove(3);
  w.remove(42);
  EXPECT_EQ(w.oldest(), 7u);
  EXPECT_EQ(w.from(ip("192.0.2.1")), 1u);
  w.remove(7);
  w.remove(9);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.from(ip("192.0.2.1")), 0u);
  EXPECT_FALSE(w.contains(9));
}

TEST(SourceThrottle, OneLineASourceAMinuteWithTheCountLeftOut) {
  SourceThrottle t(4, seconds(60));
  const Time t0 = Time{} + seconds(1000);
  auto v = t.note(ip("192.0.2.1"), t0);
  EXPECT_TRUE(v.write);
  EXPECT_EQ(v.suppressed, 0u);
  for (int i = 1; i <= 1000; ++i) EXPECT_FALSE(t.note(ip("192.0.2.1"), t0 + milliseconds(i)).write);
  EXPECT_TRUE(t.note(ip("192.0.2.2"), t0 + seconds(1)).write);  // another source
  EXPECT_FALSE(t.note(ip("192.0.2.1"), t0 + seconds(59)).write);
  v = t.note(ip("192.0.2.1"), t0 + seconds(60));
  EXPECT_TRUE(v.write);
  EXPECT_EQ(v.suppressed, 1001u);
  EXPECT_FALSE(t.note(ip("192.0.2.1"), t0 + seconds(61)).write);
}

// Beyond its capacity the table forgets expired sources; while every entry
// is fresh, the sources beyond it share one line a minute.
TEST(SourceThrottle, StaysBoundedUnderAFloodFromManyAddresses) {
  SourceThrottle t(4, seconds(60));
  const Time t0 = Time{} + seconds(1000);
  int lines = 0;
  for (uint32_t i = 0; i < 10000; ++i)
    lines += t.note(Ipv4{0xC6336400 + i}, t0 + milliseconds(i)).write ? 1 : 0;
  EXPECT_EQ(lines, 5);  // four sources, and one for all the others
  EXPECT_EQ(t.size(), 4u);
  // A minute on, the old entries make room again.
  EXPECT_TRUE(t.note(ip("203.0.113.1"), t0 + seconds(70)).write);
  EXPECT_LE(t.size(), 4u);
}

}  // namespace
}  // namespace pptpx::server
