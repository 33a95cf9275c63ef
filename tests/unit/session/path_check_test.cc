// SPDX-License-Identifier: MIT
// session::PathCheck under a virtual clock: which probes go when, how the
// reported MTUs shrink the DF probe, and each verdict.
#include "proto/session/path_check.h"

#include <gtest/gtest.h>

#include <vector>

namespace pptpx::session {
namespace {

using Verdict = PathCheck::Verdict;

class PathCheckTest : public ::testing::Test {
 protected:
  // Every probe due now.
  std::vector<PathCheck::Probe> due() {
    std::vector<PathCheck::Probe> out;
    while (auto p = check.next_probe(now)) out.push_back(*p);
    return out;
  }
  // Answers every probe in `probes` except those of `skip_length` (or
  // with DF when skip_df).
  void answer(const std::vector<PathCheck::Probe>& probes, int skip_length = -1,
              bool skip_df = false) {
    for (const auto& p : probes) {
      if (p.length == skip_length && !p.dont_fragment) continue;
      if (skip_df && p.dont_fragment) continue;
      check.on_reply(p.id, p.length);
    }
  }
  PathError too_big(uint32_t mtu, const char* reporter = nullptr) {
    PathError e;
    e.kind = PathError::Kind::kTooBig;
    e.mtu = mtu;
    if (reporter) e.reporter = *Ipv4::parse(reporter);
    return e;
  }
  // Runs the clock to the next deadline.
  void advance() {
    Time t = check.next_deadline();
    ASSERT_NE(t, kNever);
    if (t > now) now = t;
  }

  Time now = Time{} + seconds(50);
  PathCheck check;
};

TEST_F(PathCheckTest, ThreeProbesThenAFitsVerdictWhenAllAreAnswered) {
  check.start(1400, now);
  auto probes = due();
  ASSERT_EQ(probes.size(), 3u);
  EXPECT_EQ(probes[0].length, 1400);  // full, like data
  EXPECT_FALSE(probes[0].dont_fragment);
  EXPECT_EQ(probes[1].length, PathCheck::kSmallLength);
  EXPECT_EQ(probes[2].length, 1400);
  EXPECT_TRUE(probes[2].dont_fragment);
  EXPECT_NE(probes[0].id, probes[2].id);
  EXPECT_TRUE(due().empty());  // the next ones a second later
  EXPECT_FALSE(check.take_result(now));
  answer(probes);
  auto r = check.take_result(now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict, Verdict::kFits);
  EXPECT_EQ(r->full_size, 1440);
  EXPECT_FALSE(check.running());
  EXPECT_EQ(check.next_deadline(), kNever);
  EXPECT_FALSE(check.take_result(now));  // once
  check.start(1400, now);                // and once per call
  EXPECT_TRUE(due().empty());
}

TEST_F(PathCheckTest, EachUnansweredProbeGoesThreeTimesThenNoAnswer) {
  check.start(1500, now);
  const Time t0 = now;
  int sends = 0;
  for (int i = 0; i < 20 && !check.take_result(now); ++i) {
    sends += static_cast<int>(due().size());
    advance();
  }
  EXPECT_EQ(sends, 3 * PathCheck::kSends);
  EXPECT_EQ(now, t0 + 2 * PathCheck::kInterval + PathCheck::kWait);
  EXPECT_FALSE(check.running());
}

TEST_F(PathCheckTest, NoAnswerIsTheVerdictWhenNothingCameBack) {
  check.start(1500, now);
  std::optional<PathCheck::Result> r;
  for (int i = 0; i < 20 && !r; ++i) {
    due();
    advance();
    r = check.take_result(now);
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict, Verdict::kNoAnswer);
}

// Our own host refuses the 1,540-octet DF probe (route MTU 1500), a router
// then reports 1400: the DF probe shrinks twice, and its answer at 1,360
// is the verified suggestion; full-size packets did cross, as fragments.
TEST_F(PathCheckTest, ReportedMtusShrinkTheDfProbeToAVerifiedSuggestion) {
  check.start(1500, now);
  auto first = due();
  answer(first, -1, /*skip_df=*/true);
  check.on_error(too_big(1500), now);
  auto second = due();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(second[0].dont_fragment);
  EXPECT_EQ(second[0].length, 1460);
  check.on_error(too_big(1400, "192.0.2.1"), now);
  check.on_error(too_big(1450, "192.0.2.9"), now);  // larger than the probe now: stale
  auto third = due();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].length, 1360);
  check.on_reply(third[0].id, third[0].length);
  auto r = check.take_result(now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict, Verdict::kFragmented);
  EXPECT_EQ(r->path_mtu, 1400);
  EXPECT_EQ(r->reporter, *Ipv4::parse("192.0.2.1"));
  EXPECT_EQ(r->suggested, 1360);
  EXPECT_TRUE(r->verified);
  EXPECT_EQ(r->full_size, 1540);
}

TEST_F(PathCheckTest, FullSizeLostWhileSmallAnsweredIsABlackHole) {
  check.start(1500, now);
  auto probes = due();
  answer(probes, /*skip_length=*/1500, /*skip_df=*/true);
  check.on_error(too_big(1500), now);
  auto df = due();
  ASSERT_EQ(df.size(), 1u);
  check.on_reply(df[0].id, df[0].length);
  std::optional<PathCheck::Result> r;
  int full_sends = 1;
  for (int i = 0; i < 20 && !r; ++i) {
    advance();
    for (const auto& p : due()) full_sends += p.length == 1500 ? 1 : 0;
    r = check.take_result(now);
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(full_sends, PathCheck::kSends);
  EXPECT_EQ(r->verdict, Verdict::kLost);
  EXPECT_EQ(r->suggested, 1460);
  EXPECT_TRUE(r->verified);
  EXPECT_EQ(r->path_mtu, 1500);
}

TEST_F(PathCheckTest, UnverifiedSuggestionWhenNoDfProbeCameBack) {
  check.start(1500, now);
  auto probes = due();
  answer(probes, 1500, true);  // only the small one
  std::optional<PathCheck::Result> r;
  for (int i = 0; i < 20 && !r; ++i) {
    advance();
    due();
    r = check.take_result(now);
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->verdict, Verdict::kLost);
  EXPECT_FALSE(r->verified);
  EXPECT_EQ(r->suggested, 1360);  // a 1,400-octet path's
}

TEST_F(PathCheckTest, AReplyMustMatchItsProbesLength) {
  check.start(1400, now);
  auto probes = due();
  for (const auto& p : probes) check.on_reply(p.id, p.length - 1);
  EXPECT_FALSE(check.take_result(now));
  EXPECT_EQ(due().size(), 0u);
  advance();
  EXPECT_EQ(due().size(), 3u);  // all three again: none counted
}

TEST_F(PathCheckTest, ImplausibleOrTooManyMtuReportsAreBounded) {
  check.start(1500, now);
  due();
  check.on_error(too_big(100, "192.0.2.1"), now);  // below 576: not believed
  EXPECT_TRUE(due().empty());
  PathError other;
  other.kind = PathError::Kind::kProhibited;
  check.on_error(other, now);  // not an MTU
  EXPECT_TRUE(due().empty());
  int shrinks = 0;
  for (uint32_t mtu = 1499; mtu > 1400; --mtu) {
    check.on_error(too_big(mtu, "192.0.2.1"), now);
    shrinks += static_cast<int>(due().size());
  }
  EXPECT_EQ(shrinks, PathCheck::kMaxShrinks);
}

}  // namespace
}  // namespace pptpx::session
