// SPDX-License-Identifier: MIT
// persist / maxfail / holdoff bookkeeping as pppd's main loop does it, and
// the default route read from /proc/net/route for replacedefaultroute.
#include "app/client/dialer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/client/default_route.h"

namespace pptpx::client {
namespace {

RedialPolicy policy(bool persist, int maxfail, int holdoff) {
  return RedialPolicy(RedialPolicy::Config{persist, maxfail, seconds(holdoff)});
}

TEST(RedialPolicy, WithoutPersistTheFirstEndIsFinal) {
  RedialPolicy p = policy(false, 10, 30);
  p.attempt_started();
  p.link_up();
  auto d = p.attempt_ended(kExitHangup);
  EXPECT_FALSE(d.redial);
  EXPECT_EQ(d.exit_status, kExitHangup);
}

TEST(RedialPolicy, MaxfailCountsConsecutiveAttemptsThatNeverCameUp) {
  RedialPolicy p = policy(true, 2, 1);
  p.attempt_started();
  auto d = p.attempt_ended(kExitConnectFailed);
  EXPECT_TRUE(d.redial);
  EXPECT_EQ(d.wait, seconds(1));
  p.attempt_started();
  d = p.attempt_ended(kExitConnectFailed);
  EXPECT_FALSE(d.redial);
  EXPECT_EQ(d.exit_status, kExitConnectFailed);
  EXPECT_EQ(p.failures(), 2);
}

TEST(RedialPolicy, ALinkThatCameUpResetsTheCount) {
  RedialPolicy p = policy(true, 2, 30);
  p.attempt_started();
  EXPECT_TRUE(p.attempt_ended(kExitConnectFailed).redial);
  p.attempt_started();
  p.link_up();
  auto d = p.attempt_ended(kExitPeerDead);  // echo failures after a good link
  EXPECT_TRUE(d.redial);
  EXPECT_EQ(d.wait, seconds(30));
  EXPECT_EQ(p.failures(), 0);
  p.attempt_started();
  EXPECT_TRUE(p.attempt_ended(kExitConnectFailed).redial);
  p.attempt_started();
  EXPECT_FALSE(p.attempt_ended(kExitNegotiationFailed).redial);
}

TEST(RedialPolicy, MaxfailZeroNeverGivesUp) {
  RedialPolicy p = policy(true, 0, 0);
  for (int i = 0; i < 1000; ++i) {
    p.attempt_started();
    auto d = p.attempt_ended(kExitConnectFailed);
    ASSERT_TRUE(d.redial);
    EXPECT_EQ(d.wait, seconds(0));
  }
}

TEST(RedialPolicy, QuitEndsPersist) {
  RedialPolicy p = policy(true, 0, 30);
  p.attempt_started();
  p.link_up();
  p.quit();
  auto d = p.attempt_ended(kExitOk);
  EXPECT_FALSE(d.redial);
  EXPECT_EQ(d.exit_status, kExitOk);
}

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(PPTPX_TEST_DATA) + "/client/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DefaultRoute, LowestMetricUpRoute) {
  std::string text = read_data("proc_net_route");
  ASSERT_FALSE(text.empty());
  // ppp0 (metric 0) is skipped as our own; docker0 is not RTF_UP.
  auto r = parse_default_route(text, "ppp0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->ifname, "eth0");
  EXPECT_EQ(r->gateway.str(), "192.0.2.1");
  EXPECT_EQ(r->metric, 100u);
  auto mine = parse_default_route(text);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->ifname, "ppp0");
  EXPECT_TRUE(mine->gateway.is_zero());
}

TEST(DefaultRoute, NoneOrGarbage) {
  EXPECT_FALSE(parse_default_route(""));
  EXPECT_FALSE(
      parse_default_route("Iface\tDestination\n"
                          "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"));
  EXPECT_FALSE(
      parse_default_route("Iface\neth0 00000000 zz 0003 0 0 0 00000000\n"
                          "eth0 00000000\n"
                          "eth0 00000000 010200C0 0003 0 0 99999999999 00000000\n"));
}

}  // namespace
}  // namespace pptpx::client
