// SPDX-License-Identifier: MIT
// pptp-linux's command line on a peers file's pty line.
#include "config/pty_command.h"

#include <gtest/gtest.h>

#include <string>

namespace pptpx::config {
namespace {

TEST(PtyCommand, PlainPptpLine) {
  PtyCommand p = parse_pty_command("pptp vpn.example.org --nolaunchpppd");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.host, "vpn.example.org");
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_FALSE(p.localbind);
  EXPECT_FALSE(p.nohostroute);
}

TEST(PtyCommand, OptionsBeforeAndAfterHost) {
  PtyCommand p = parse_pty_command(
      "/usr/sbin/pptp --loglevel 2 192.0.2.7 --nolaunchpppd --phone=123 --localbind 10.1.2.3 "
      "--idle-wait 30 --nohostroute --timeout 0.5 --client-hostname box --max-echo-wait=7");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.host, "192.0.2.7");
  EXPECT_EQ(p.phone, "123");
  ASSERT_TRUE(p.localbind);
  EXPECT_EQ(p.localbind->str(), "10.1.2.3");
  ASSERT_TRUE(p.idle_wait);
  EXPECT_EQ(*p.idle_wait, 30);
  EXPECT_TRUE(p.nohostroute);
  EXPECT_EQ(p.client_hostname, "box");
  ASSERT_TRUE(p.max_echo_wait);
  EXPECT_EQ(*p.max_echo_wait, 7);
  EXPECT_EQ(p.loglevel, 2);
  EXPECT_TRUE(p.warnings.empty());
  ASSERT_TRUE(p.reorder_timeout);  // the reorder window's wait, as pptp's buffer
  EXPECT_EQ(*p.reorder_timeout, milliseconds(500));
  EXPECT_FALSE(p.nobuffer);
  p = parse_pty_command("pptp h --loglevel 5 --max-echo-wait x --idle-wait 0 --logstring me");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.loglevel, 1);
  EXPECT_FALSE(p.max_echo_wait);
  EXPECT_FALSE(p.idle_wait);
  ASSERT_EQ(p.warnings.size(), 5u);  // the three values, --logstring, no --nolaunchpppd
}

TEST(PtyCommand, ReorderOptions) {
  PtyCommand p = parse_pty_command("pptp h --nolaunchpppd --nobuffer --missing-window 300");
  EXPECT_EQ(p.error, "");
  EXPECT_TRUE(p.nobuffer);
  EXPECT_FALSE(p.reorder_timeout);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("--missing-window ignored"), std::string::npos);
  p = parse_pty_command("pptp h --nolaunchpppd --timeout 0.01");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(*p.reorder_timeout, milliseconds(10));
  for (const char* bad : {"0.001", "11", "x", "0.5s", ""}) {
    p = parse_pty_command(std::string("pptp h --nolaunchpppd --timeout=") + bad);
    EXPECT_EQ(p.error, std::string("pptp --timeout ") + bad +
                           ": must be 0.01 to 10 seconds, as pptp requires")
        << bad;
  }
}

TEST(PtyCommand, Errors) {
  EXPECT_NE(parse_pty_command("").error, "");
  EXPECT_NE(parse_pty_command("/usr/bin/ssh host").error, "");
  EXPECT_NE(parse_pty_command("pptp --nolaunchpppd").error, "");
  EXPECT_NE(parse_pty_command("pptp host --phone").error, "");
  PtyCommand p = parse_pty_command("pptp host");
  EXPECT_EQ(p.error, "");
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("--nolaunchpppd"), std::string::npos);
}

}  // namespace
}  // namespace pptpx::config
