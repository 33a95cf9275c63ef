// SPDX-License-Identifier: MIT
// The client's `auth` / `require-*` (pppd auth_check_options and auth_reset
// for the server's direction): which methods the server must use, the
// secrets that make them usable, and pppd's start-up refusal without any.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "app/client/settings.h"

namespace pptpx::client {
namespace {

class AuthPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pptpx-client-auth-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    mkdir((dir_ + "/peers").c_str(), 0755);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // A peers file with `lines` after the pty and name lines, `global` as
  // /etc/ppp/options, and the two secrets files.
  Settings load(const std::string& lines, const std::string& chap, const std::string& pap = "",
                const std::string& global = "") {
    std::ofstream(dir_ + "/peers/office") << "pty \"pptp 192.0.2.1 --nolaunchpppd\"\nname user1\n"
                                          << lines << "\n";
    std::ofstream(dir_ + "/chap-secrets") << chap;
    std::ofstream(dir_ + "/pap-secrets") << pap;
    std::ofstream(dir_ + "/options") << global;
    Flags f;
    f.call_name = "office";
    f.peers_dir = dir_ + "/peers";
    f.chap_secrets_path = dir_ + "/chap-secrets";
    f.pap_secrets_path = dir_ + "/pap-secrets";
    f.global_options_path = dir_ + "/options";
    diags_.clear();
    return load_settings(f, diags_);
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& d : diags_)
      if (d.is_error) out.push_back(d.message);
    return out;
  }

  std::string dir_;
  config::Diagnostics diags_;
};

using ppp::AuthProtocol;

TEST_F(AuthPeer, RequireMsChapV2WithASecretForTheServer) {
  Settings s = load("remotename PPTP\nrequire-mschap-v2", "PPTP user1 srv *\nuser1 PPTP pw *\n");
  EXPECT_TRUE(errors().empty());
  EXPECT_EQ(s.session.auth.reverse, std::vector<AuthProtocol>{AuthProtocol::kMsChapV2});
  EXPECT_EQ(s.session.auth.authenticator.our_name, "user1");
  EXPECT_EQ(s.session.auth.authenticator.remote_name, "PPTP");
  for (const auto& d : diags_)
    EXPECT_EQ(d.message.find("does not authenticate"), std::string::npos);
}

// Debian's /etc/ppp/options says `auth`; options.pptp's later `noauth` wins.
TEST_F(AuthPeer, GlobalAuthThenNoauthInThePeersFile) {
  Settings s = load("noauth", "", "", "auth\n");
  EXPECT_TRUE(errors().empty());
  EXPECT_TRUE(s.session.auth.reverse.empty());
}

TEST_F(AuthPeer, AuthAloneWantsEveryMethodWithASecret) {
  // chap-secrets only: the CHAP family stays, PAP goes (no pap-secrets line).
  Settings s = load("auth", "* user1 srv *\n");
  EXPECT_TRUE(errors().empty());
  EXPECT_EQ(s.session.auth.reverse,
            (std::vector<AuthProtocol>{AuthProtocol::kMsChapV2, AuthProtocol::kMsChapV1,
                                       AuthProtocol::kChapMd5}));
  s = load("auth", "", "vpn user1 srv *\n");
  EXPECT_TRUE(errors().empty());
  EXPECT_EQ(s.session.auth.reverse, std::vector<AuthProtocol>{AuthProtocol::kPap});
}

TEST_F(AuthPeer, NoSecretToVerifyTheServerStopsStartUp) {
  // Only the line for authenticating ourselves: nothing verifies the server.
  // (pppd would take "user1 * pw": a NULL client matches any first column.)
  load("require-mschap-v2", "user1 PPTP pw *\n");
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_EQ(errors()[0],
            "The remote system is required to authenticate itself but I couldn't find any "
            "suitable secret (password) for it to use to do so.");
  load("remotename PPTP\nrequire-mschap-v2", "OTHER user1 srv *\n");
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_EQ(errors()[0].rfind("The remote system (PPTP) is required", 0), 0u);
}

// pppd: a line without an address allows the server no IP address.
TEST_F(AuthPeer, SecretWithoutAddressLacksIp) {
  load("require-chap", "PPTP user1 srv\n");
  ASSERT_EQ(errors().size(), 1u);
  EXPECT_NE(errors()[0].find("(None of the available passwords would let it use an IP address.)"),
            std::string::npos);
}

}  // namespace
}  // namespace pptpx::client
