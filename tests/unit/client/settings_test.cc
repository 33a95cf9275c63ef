// SPDX-License-Identifier: MIT
// The client's settings: the peers file of the example
// walk-through, the session configuration derived from it, pid files.
#include "app/client/settings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace pptpx::client {
namespace {

class PeersFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pptpx-client-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    mkdir((dir_ + "/peers").c_str(), 0755);
    std::ifstream in(std::string(PPTPX_TEST_DATA) + "/client/peers/vpn-connection1");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto at = text.find("@DATA@");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 6, std::string(PPTPX_TEST_DATA) + "/client");
    std::ofstream(dir_ + "/peers/vpn-connection1") << text;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  Flags flags() const {
    Flags f;
    f.call_name = "vpn-connection1";
    f.peers_dir = dir_ + "/peers";
    f.global_options_path = "";
    return f;
  }
  std::string dir_;
};

TEST_F(PeersFile, ExampleWalkThrough) {
  config::Diagnostics d;
  Settings s = load_settings(flags(), d);
  for (const auto& x : d) EXPECT_FALSE(x.is_error) << x.str();
  EXPECT_EQ(s.pty.host, "vpn.example.org");
  EXPECT_EQ(s.user, "user1");
  EXPECT_EQ(s.remote_name, "PPTP");
  ASSERT_TRUE(s.ipparam);
  EXPECT_EQ(*s.ipparam, "vpn-connection1");
  EXPECT_EQ(s.session.role, ppp::Role::kAuthenticatee);
  EXPECT_EQ(s.session.auth.authenticatee.user, "user1");
  EXPECT_EQ(s.session.auth.authenticatee.remote_name, "PPTP");
  // options.pptp refuses everything but MS-CHAPv2.
  ASSERT_EQ(s.session.auth.allowed.size(), 1u);
  EXPECT_EQ(s.session.auth.allowed[0], ppp::AuthProtocol::kMsChapV2);
  EXPECT_TRUE(s.session.mppe.enabled);
  EXPECT_TRUE(s.session.mppe.required);
  EXPECT_TRUE(s.session.mppe.allow_128);
  EXPECT_FALSE(s.session.mppe.allow_40);
  EXPECT_FALSE(s.session.mppe.allow_stateful);
  EXPECT_EQ(s.detach, config::DetachMode::kDetach);
  EXPECT_FALSE(s.defaultroute);
  EXPECT_FALSE(s.usepeerdns);
  EXPECT_FALSE(s.session.ipcp_client.request_dns);
  EXPECT_FALSE(s.session.ipcp_client.request_wins);
  EXPECT_EQ(s.ip_up_script, "/etc/ppp/ip-up");
}

TEST_F(PeersFile, CommandLineOverrides) {
  Flags f = flags();
  f.ppp_words = {"nodetach", "usepeerdns", "defaultroute", "name",    "other",
                 "ipparam",  "x",          "linkname",     "office",  "unit",
                 "3",        "mtu",        "1400",         "persist", "usepeerwins"};
  config::Diagnostics d;
  Settings s = load_settings(f, d);
  for (const auto& x : d) EXPECT_FALSE(x.is_error) << x.str();
  EXPECT_EQ(s.detach, config::DetachMode::kNodetach);
  EXPECT_TRUE(s.usepeerdns);
  EXPECT_TRUE(s.session.ipcp_client.request_dns);
  EXPECT_TRUE(s.usepeerwins);
  EXPECT_TRUE(s.session.ipcp_client.request_wins);
  EXPECT_TRUE(s.defaultroute);
  EXPECT_EQ(s.user, "other");
  EXPECT_EQ(*s.ipparam, "x");
  EXPECT_EQ(*s.linkname, "office");
  ASSERT_TRUE(s.unit);
  EXPECT_EQ(*s.unit, 3u);
  EXPECT_EQ(s.mtu, 1400);
  EXPECT_TRUE(s.persist);
  for (const auto& x : d) EXPECT_EQ(x.message.find("persist"), std::string::npos) << x.str();
}

TEST_F(PeersFile, LifeCycleDefaultsArePppds) {
  config::Diagnostics d;
  Settings s = load_settings(flags(), d);
  EXPECT_FALSE(s.persist);
  EXPECT_EQ(s.maxfail, 10);
  EXPECT_EQ(s.holdoff_seconds, 30);
  EXPECT_EQ(s.ip_pre_up_script, "/etc/ppp/ip-pre-up");
  // Detaching at once: no log descriptor.
  EXPECT_EQ(s.log_fd, -1);
  EXPECT_FALSE(s.logfile);
  EXPECT_FALSE(s.dump);
}

TEST_F(PeersFile, PersistMaxfailHoldoffAndLogging) {
  Flags f = flags();
  f.ppp_words = {"persist", "maxfail",          "2",     "holdoff", "1", "nodetach",
                 "dump",    "ip-pre-up-script", "/x/pre"};
  config::Diagnostics d;
  Settings s = load_settings(f, d);
  for (const auto& x : d) EXPECT_FALSE(x.is_error) << x.str();
  for (const auto& x : d) EXPECT_EQ(x.message.find("not supported"), std::string::npos) << x.str();
  EXPECT_TRUE(s.persist);
  EXPECT_EQ(s.maxfail, 2);
  EXPECT_EQ(s.holdoff_seconds, 1);
  EXPECT_TRUE(s.dump);
  EXPECT_EQ(s.ip_pre_up_script, "/x/pre");
  EXPECT_EQ(s.log_fd, 2);  // nodetach: stderr

  f.ppp_words = {"nodetach", "nologfd"};
  EXPECT_EQ(load_settings(f, d).log_fd, -1);
  f.ppp_words = {"updetach", "logfd", "5"};
  EXPECT_EQ(load_settings(f, d).log_fd, 5);
  f.ppp_words = {"nodetach", "logfile", "/tmp/x.log"};
  Settings lf = load_settings(f, d);
  EXPECT_EQ(lf.log_fd, -1);
  ASSERT_TRUE(lf.logfile);
  EXPECT_EQ(*lf.logfile, "/tmp/x.log");
  // One log descriptor, as pppd's log_to_fd: the last option wins.
  f.ppp_words = {"nodetach", "logfile", "/tmp/x.log", "logfd", "3"};
  lf = load_settings(f, d);
  EXPECT_EQ(lf.log_fd, 3);
  EXPECT_FALSE(lf.logfile);
  f.ppp_words = {"nodetach", "logfd", "3", "logfile", "/tmp/x.log"};
  lf = load_settings(f, d);
  EXPECT_EQ(lf.log_fd, -1);
  EXPECT_TRUE(lf.logfile);
  f.ppp_words = {"nodetach", "logfile", "/tmp/x.log", "nologfd"};
  lf = load_settings(f, d);
  EXPECT_EQ(lf.log_fd, -1);
  EXPECT_FALSE(lf.logfile);
  f.ppp_words = {"nodetach", "nolog", "logfd", "4"};
  EXPECT_EQ(load_settings(f, d).log_fd, 4);
  f.ppp_words = {"maxfail", "0", "holdoff", "0"};
  Settings z = load_settings(f, d);
  EXPECT_EQ(z.maxfail, 0);
  EXPECT_EQ(z.holdoff_seconds, 0);
}

TEST_F(PeersFile, DumpShowsEffectiveOptionsButNoPassword) {
  Flags f = flags();
  f.ppp_words = {"persist",
                 "holdoff",
                 "5",
                 "password",
                 "hunter2",
                 "nodetach",
                 "linkname",
                 "office",
                 "unit",
                 "4",
                 "replacedefaultroute",
                 "usepeerdns"};
  config::Diagnostics d;
  Settings s = load_settings(f, d);
  std::string text = dump_settings(s);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  for (const char* want :
       {"pptpx options in effect:\n", "\npty \"pptp vpn.example.org --nolaunchpppd\"\n",
        "\nname user1\n", "\nremotename PPTP\n", "\npassword ??????\n", "\nrequire-mppe-128\n",
        "\nnomppe-40\n", "\nnodetach\n", "\npersist\n", "\nmaxfail 10\n", "\nholdoff 5\n",
        "\nlogfd 2\n", "\nipparam vpn-connection1\n", "\nlinkname office\n", "\nunit 4\n",
        "\nreplacedefaultroute\n", "\nusepeerdns\n", "\nmtu 1500\n",
        "\nip-up-script /etc/ppp/ip-up\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << " not in:\n" << text;
  EXPECT_EQ(text.find("\ndefaultroute\n"), std::string::npos);
  EXPECT_EQ(text.find("mppe-stateful"), std::string::npos);
}

TEST_F(PeersFile, FiftySixBitOnlyWhenNoStrengthIsSingledOut) {
  Flags f = flags();  // the peers file says require-mppe-128
  config::Diagnostics d;
  Settings s = load_settings(f, d);
  EXPECT_TRUE(s.session.mppe.allow_128);
  EXPECT_FALSE(s.session.mppe.allow_56);
  EXPECT_FALSE(s.session.mppe.allow_40);
  f.ppp_words = {"require-mppe", "require-mppe-40"};
  d.clear();
  s = load_settings(f, d);
  EXPECT_TRUE(s.session.mppe.allow_40 && s.session.mppe.allow_56 && s.session.mppe.allow_128);
  f.ppp_words = {"require-mppe", "nomppe-40"};
  d.clear();
  s = load_settings(f, d);
  EXPECT_FALSE(s.session.mppe.allow_56);
}

TEST_F(PeersFile, OpenWrtMppeOption) {
  Flags f = flags();
  f.ppp_words = {"mppe", "required,no40,no56,stateless"};  // OpenWrt's options.pptp
  config::Diagnostics d;
  Settings s = load_settings(f, d);
  EXPECT_TRUE(d.empty());
  const ppp::MppePolicy& m = s.session.mppe;
  EXPECT_TRUE(m.enabled && m.required && m.allow_128);
  EXPECT_FALSE(m.allow_40 || m.allow_56 || m.allow_stateful);
  EXPECT_NE(dump_settings(s).find("\nrequire-mppe-128\nnomppe-40\n"), std::string::npos)
      << dump_settings(s);
  f.ppp_words = {"mppe", "no40"};
  s = load_settings(f, d);
  EXPECT_FALSE(s.session.mppe.required);
  EXPECT_NE(dump_settings(s).find("\nmppe no40 (not required: used if the server agrees)\n"),
            std::string::npos)
      << dump_settings(s);
  f.ppp_words = {"mppe", "required,no56"};
  s = load_settings(f, d);
  EXPECT_NE(dump_settings(s).find("\nmppe required,no56\n"), std::string::npos) << dump_settings(s);
}

TEST_F(PeersFile, MppeWithoutMsChapIsAnError) {
  Flags f = flags();
  f.ppp_words = {"refuse-mschap-v2"};
  config::Diagnostics d;
  load_settings(f, d);
  EXPECT_TRUE(config::has_errors(d));
}

TEST_F(PeersFile, MissingPeersFileIsAnError) {
  Flags f = flags();
  f.call_name = "nosuch";
  config::Diagnostics d;
  load_settings(f, d);
  EXPECT_TRUE(config::has_errors(d));
}

TEST(ResolvConf, PppdFormat) {
  EXPECT_EQ(resolv_conf_text(Ipv4::parse("10.10.0.1"), Ipv4::parse("8.8.8.8")),
            "nameserver 10.10.0.1\nnameserver 8.8.8.8\n");
  EXPECT_EQ(resolv_conf_text(Ipv4::parse("10.10.0.1"), std::nullopt), "nameserver 10.10.0.1\n");
  EXPECT_EQ(resolv_conf_text(std::nullopt, std::nullopt), "");
}

}  // namespace
}  // namespace pptpx::client
