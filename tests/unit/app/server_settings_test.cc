// SPDX-License-Identifier: MIT
// pptpxd's settings read from files in a fresh directory: the start-up
// diagnostics that name their cause, exactly one per cause.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "app/server/settings.h"
#include "support/temp_dir.h"

namespace pptpx::server {
namespace {

std::string all(const config::Diagnostics& d) {
  std::string s;
  for (const auto& x : d) s += x.str() + "\n";
  return s;
}

class ServerSettings : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name), std::ios::trunc) << text;
  }

  // pptpd.conf and options.pptpd from the texts ("" for the options: no
  // such file); chap-secrets as `chap_secrets` names it.
  config::Diagnostics load(const std::string& conf, const std::string& options) {
    write("pptpd.conf", conf);
    if (!options.empty()) write("options.pptpd", options);
    write("chap-secrets", "user1 pptpd secret1 *\n");
    flags.conf_path = dir.file("pptpd.conf");
    flags.chap_secrets_path = dir.file(chap_secrets);
    flags.global_options_path = "";
    flags.scripts_dir = dir.path();
    config::Diagnostics diags;
    settings = load_settings(flags, diags);
    return diags;
  }

  std::string option_line() const { return "option " + dir.file("options.pptpd") + "\n"; }

  test::TempDir dir;
  Flags flags;
  Settings settings;
  std::string chap_secrets = "chap-secrets";
};

TEST_F(ServerSettings, MissingOptionFileIsAnErrorAtThePptpdConfLineThatNamesIt) {
  config::Diagnostics d =
      load("localip 10.0.0.1\ndebug\n" + option_line() + "remoteip 10.0.0.10-20\n", "");
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].str(), dir.file("pptpd.conf") + ":3: option " + dir.file("options.pptpd") +
                            ": No such file or directory");
}

TEST_F(ServerSettings, MissingOptionFileFromTheCommandLineNamesTheFlag) {
  flags.conf.option = dir.file("other.options");
  config::Diagnostics d =
      load("localip 10.0.0.1\n" + option_line() + "remoteip 10.0.0.10-20\n", "require-mschap-v2\n");
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].str(),
            "command line: -o " + dir.file("other.options") + ": No such file or directory");
}

TEST_F(ServerSettings, MissingChapSecretsIsAWarningAtStartNamingThePath) {
  chap_secrets = "no-such-chap-secrets";
  const std::string conf = "localip 10.0.0.1\nremoteip 10.0.0.10-20\n" + option_line();
  config::Diagnostics d = load(conf, "name pptpd\nrequire-mschap-v2\nrequire-mppe-128\n");
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_FALSE(d[0].is_error);
  EXPECT_EQ(d[0].str(), dir.file("no-such-chap-secrets") +
                            ": No such file or directory: every login will fail until it exists "
                            "(it is read at each login: no restart needed)");
  // With PAP among the methods, only the CHAP family needs the file.
  d = load(conf, "auth\n");
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_NE(d[0].message.find(": every CHAP and MS-CHAP login will fail until it exists"),
            std::string::npos)
      << d[0].message;
  // No authentication asked of clients: the file is not needed.
  EXPECT_TRUE(load(conf, "noauth\n").empty());
  chap_secrets = "chap-secrets";
  EXPECT_TRUE(load(conf, "name pptpd\nrequire-mschap-v2\nrequire-mppe-128\n").empty());
}

// Each of these once gave a warning and then a second, misleading error,
// or ran on pptpd's default remoteip without a word.
TEST_F(ServerSettings, OneDiagnosticPerCauseFromPptpdConfToTheSlots) {
  std::string list;
  for (int i = 10; i < 80; ++i) list += (i > 10 ? "," : "") + ("10.0.0." + std::to_string(i));
  const std::string opts = "name pptpd\nrequire-mschap-v2\nrequire-mppe-128\n";
  const std::string conf = dir.file("pptpd.conf");
  for (auto [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"localip 10.0.0.1\nremoteip 10.0.0.10-20\t# pool-a\n",
            conf + ":2: remoteip: a comment after the value is not allowed (pptpd takes "
                   "'10.0.0.10-20\t# pool-a' as the value); put the comment on a line of its own"},
           {"localip 10.0.0.1 # server\nremoteip 10.0.0.10-20\n",
            conf + ":1: localip: a comment after the value is not allowed (pptpd takes "
                   "'10.0.0.1 # server' as the value); put the comment on a line of its own"},
           {"localip 10.0.0.1\nremoteip " + list + "\n",
            conf + ":2: line too long (" + std::to_string(9 + list.size()) +
                " characters; pptpd reads at most 510 and ignores longer lines, \"Long config "
                "file line ignored\"): shorten it, e.g. write address lists as ranges "
                "(10.0.0.2-254)"},
           {"localip 10.0.0.15\nremoteip 10.0.0.10-20\n",
            conf + ":1: localip 10.0.0.15 is inside the remoteip range (line 2): a client would "
                   "get the server's own address; take it out of remoteip or change localip"},
       }) {
    config::Diagnostics d = load(text + option_line(), opts);
    ASSERT_EQ(d.size(), 1u) << text << "\n" << all(d);
    EXPECT_TRUE(d[0].is_error);
    EXPECT_EQ(d[0].str(), want);
  }
}

// Until pptpxd is a RADIUS client (issue 15), plugin radius.so says
// plainly what happens instead, at its line.
TEST_F(ServerSettings, RadiusPluginSaysWhatHappensInstead) {
  const std::string conf = "localip 10.0.0.1\nremoteip 10.0.0.10-20\n" + option_line();
  config::Diagnostics d = load(conf, "require-mschap-v2\nplugin radius.so\nplugin radattr.so\n");
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_FALSE(d[0].is_error);
  EXPECT_EQ(d[0].str(), dir.file("options.pptpd") +
                            ":2: plugin radius.so: pptpxd does not speak RADIUS yet: logins are "
                            "checked against chap-secrets, addresses come from localip/remoteip, "
                            "nothing is accounted");
  EXPECT_TRUE(settings.ppp.radius.enabled);
}

}  // namespace
}  // namespace pptpx::server
