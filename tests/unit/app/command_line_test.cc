// SPDX-License-Identifier: MIT
// pptpxd's command line: pptpd's flags, short and long, over pptpd.conf;
// the ignored ones warn; usage errors name the word.
#include "app/server/command_line.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "app/server/settings.h"

namespace pptpx::server {
namespace {

using Action = ParsedCommandLine::Action;

ParsedCommandLine parse(std::initializer_list<const char*> args) {
  std::vector<std::string> words{"pptpxd"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(words.size() + 1);
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return parse_command_line(static_cast<int>(words.size()), argv.data());
}

TEST(CommandLine, Defaults) {
  ParsedCommandLine p = parse({});
  ASSERT_EQ(p.action, Action::kRun);
  EXPECT_EQ(p.cli.flags.conf_path, "/etc/pptpd.conf");
  EXPECT_FALSE(p.cli.flags.foreground);
  EXPECT_FALSE(p.cli.flags.debug);
  EXPECT_EQ(p.cli.port, 1723);
  EXPECT_EQ(p.cli.control, "/run/pptpxd/control.sock");
  EXPECT_FALSE(p.cli.flags.conf.listen);
  EXPECT_FALSE(p.cli.flags.conf.connections);
  EXPECT_TRUE(p.cli.warnings.empty());
}

// What pptpd's flags set, to compare the forms of one command line.
auto pptpd_fields(const Flags& f) {
  const ConfFlags& c = f.conf;
  return std::tuple(f.conf_path, f.debug, f.foreground, c.listen, c.option, c.pidfile, c.speed,
                    c.stimeout, c.connections, c.logwtmp, c.noipparam);
}

TEST(CommandLine, PptpdFlagsShortLongAndJoined) {
  ParsedCommandLine p =
      parse({"-c", "/x/pptpd.conf", "-d", "-f", "-l", "192.0.2.1", "-o", "/x/options", "-p",
             "/x/p.pid", "-s", "38400", "-t", "5", "-w", "-i", "-C", "7"});
  ASSERT_EQ(p.action, Action::kRun) << p.error;
  EXPECT_EQ(
      pptpd_fields(p.cli.flags),
      std::tuple(std::string("/x/pptpd.conf"), true, true, std::optional<std::string>("192.0.2.1"),
                 std::optional<std::string>("/x/options"), std::optional<std::string>("/x/p.pid"),
                 std::optional<std::string>("38400"), std::optional<int>(5), std::optional<int>(7),
                 true, true));
  EXPECT_TRUE(p.cli.warnings.empty());
  ParsedCommandLine q = parse({"--conf=/x/pptpd.conf", "--debug", "--fg", "--listen", "192.0.2.1",
                               "--option=/x/options", "--pidfile", "/elsewhere.pid", "--speed",
                               "38400", "--stimeout=5", "--logwtmp", "--noipparam", "--connections",
                               "7", "-p/x/p.pid"});  // the last -p wins
  ASSERT_EQ(q.action, Action::kRun) << q.error;
  EXPECT_EQ(pptpd_fields(q.cli.flags), pptpd_fields(p.cli.flags));
  // Clustered short flags and an abbreviated long one, as getopt_long has them.
  ParsedCommandLine r = parse({"-dfi", "--conn", "4", "--foreground"});
  ASSERT_EQ(r.action, Action::kRun) << r.error;
  EXPECT_TRUE(r.cli.flags.debug && r.cli.flags.foreground && r.cli.flags.conf.noipparam);
  EXPECT_EQ(r.cli.flags.conf.connections, 4);
}

TEST(CommandLine, IgnoredFlagsWarn) {
  ParsedCommandLine p = parse({"-D", "-e", "/usr/sbin/pppd", "--bcrelay", "eth1", "-V", "blue"});
  ASSERT_EQ(p.action, Action::kRun) << p.error;
  ASSERT_EQ(p.cli.warnings.size(), 3u);
  EXPECT_TRUE(p.cli.flags.conf.delegate);  // carried out, no warning
  EXPECT_EQ(p.cli.warnings[0].rfind("-e/--ppp /usr/sbin/pppd: ignored: ", 0), 0u);
  EXPECT_EQ(p.cli.warnings[1].rfind("-b/--bcrelay eth1: ignored: ", 0), 0u);
  EXPECT_EQ(p.cli.warnings[2].rfind("-V/--vrf blue: ignored: ", 0), 0u);
}

TEST(CommandLine, OwnOptions) {
  ParsedCommandLine p = parse({"--chap-secrets", "/c", "--pap-secrets", "/p", "--ppp-options", "",
                               "--port", "1724", "--log-level", "warning", "--syslog", "--control",
                               "none", "--metrics", "127.0.0.1:9723", "--metrics-per-session"});
  ASSERT_EQ(p.action, Action::kRun) << p.error;
  const CommandLine& c = p.cli;
  EXPECT_EQ(c.flags.chap_secrets_path, "/c");
  EXPECT_EQ(c.flags.pap_secrets_path, "/p");
  EXPECT_EQ(c.flags.global_options_path, "");
  EXPECT_EQ(c.port, 1724);
  EXPECT_EQ(c.log_level, LogLevel::kWarning);
  EXPECT_TRUE(c.syslog);
  EXPECT_EQ(c.control, "none");
  ASSERT_TRUE(c.flags.metrics);
  EXPECT_EQ(c.flags.metrics->port, 9723);
  EXPECT_TRUE(c.flags.metrics_per_session);
  EXPECT_TRUE(parse({"--metrics", "none"}).cli.flags.no_metrics);
  EXPECT_TRUE(parse({"--log-level", "debug"}).cli.flags.debug);
  // --ppp is pptpd's -e, not an abbreviation of --ppp-options.
  EXPECT_EQ(parse({"--ppp", "/bin/true"}).cli.warnings.size(), 1u);
}

TEST(CommandLine, HelpAndVersion) {
  EXPECT_EQ(parse({"-h"}).action, Action::kHelp);
  EXPECT_EQ(parse({"--help"}).action, Action::kHelp);
  EXPECT_EQ(parse({"-v"}).action, Action::kVersion);
  EXPECT_EQ(parse({"-d", "--version"}).action, Action::kVersion);
}

// Each usage error names the word at fault.
TEST(CommandLine, UsageErrorsNameTheWord) {
  struct Case {
    std::initializer_list<const char*> args;
    std::string error;
  };
  const Case cases[] = {
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"--bogus=1"}, "unknown option '--bogus'"},
      {{"-x"}, "unknown option '-x'"},
      {{"-dx"}, "unknown option '-x'"},
      {{"--fg", "-xd"}, "unknown option '-x'"},
      {{"--fg=1"}, "option '--fg' takes no value"},
      {{"-dc"}, "option '-c' needs a value"},
      {{"-c"}, "option '-c' needs a value"},
      {{"--conf"}, "option '--conf' needs a value"},
      {{"extra"}, "unexpected argument 'extra' (pptpxd takes options only)"},
      {{"-l", "vpn.example.com"},
       "-l/--listen: 'vpn.example.com' is not an IPv4 address (pptpxd does not look up host "
       "names)"},
      {{"-t", "0"}, "-t/--stimeout: '0' is not a positive number of seconds"},
      {{"-C", "ten"}, "-C/--connections: 'ten' is not a positive number of connections"},
      {{"-s", "-5"}, "-s/--speed: '-5' is not a positive number"},
      {{"--port", "70000"}, "--port: '70000' is not a port number from 1 to 65535"},
      {{"--metrics", "9723"}, "--metrics: '9723' is not ADDR:PORT (e.g. 127.0.0.1:9723) or none"},
      {{"--log-level", "loud"},
       "unknown log level 'loud' (one of error|warning|notice|info|debug)"},
  };
  for (const Case& c : cases) {
    ParsedCommandLine p = parse(c.args);
    EXPECT_EQ(p.action, Action::kUsageError) << c.error;
    EXPECT_EQ(p.error, c.error);
  }
}

// Every long option is in --help.
TEST(CommandLine, HelpNamesEveryFlag) {
  const std::string help = usage_text();
  for (const char* flag : {"-c, --conf",
                           "-d, --debug",
                           "-f, --fg, --foreground",
                           "-l, --listen",
                           "-o, --option",
                           "-p, --pidfile",
                           "-s, --speed",
                           "-t, --stimeout",
                           "-w, --logwtmp",
                           "-i, --noipparam",
                           "-C, --connections",
                           "-D, --delegate",
                           "-e, --ppp",
                           "-b, --bcrelay",
                           "-V, --vrf",
                           "-v, --version",
                           "-h, --help",
                           "--syslog",
                           "--log-level",
                           "--chap-secrets",
                           "--pap-secrets",
                           "--ppp-options",
                           "--port",
                           "--control",
                           "--metrics ",
                           "--metrics-per-session"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

// The flags replace the pptpd.conf keywords they stand for.
TEST(CommandLine, FlagsOverPptpdConf) {
  const std::string dir = ::testing::TempDir();
  const std::string conf = dir + "/flags-over-conf.conf";
  const std::string opts = dir + "/flags-over-conf.options";
  std::ofstream(conf) << "listen 192.0.2.1\npidfile /conf.pid\nspeed 9600\nstimeout 20\n"
                         "connections 50\nremoteip 10.0.0.10-19\nlocalip 10.0.0.1\n";
  std::ofstream(opts) << "name flagsd\n";
  ParsedCommandLine p = parse({"-c", conf.c_str(), "-l", "192.0.2.2", "-p", "/flag.pid", "-s",
                               "38400", "-t", "3", "-C", "4", "-o", opts.c_str(), "-i", "-w"});
  ASSERT_EQ(p.action, Action::kRun) << p.error;
  p.cli.flags.global_options_path = "";
  config::Diagnostics diags;
  Settings s = load_settings(p.cli.flags, diags);
  EXPECT_FALSE(config::has_errors(diags));
  ASSERT_TRUE(s.listen);
  EXPECT_EQ(s.listen->str(), "192.0.2.2");
  EXPECT_EQ(s.pidfile, "/flag.pid");
  EXPECT_EQ(s.speed, 38400u);
  EXPECT_EQ(s.stimeout, seconds(3));
  EXPECT_EQ(s.slots.size(), 4u);
  EXPECT_EQ(s.our_name, "flagsd");
  EXPECT_TRUE(s.conf.noipparam);
  EXPECT_TRUE(s.conf.logwtmp);
  // Without the flags, the file's values.
  ParsedCommandLine q = parse({"-c", conf.c_str()});
  q.cli.flags.global_options_path = "";
  Settings t = load_settings(q.cli.flags, diags);
  EXPECT_EQ(t.listen->str(), "192.0.2.1");
  EXPECT_EQ(t.pidfile, "/conf.pid");
  EXPECT_EQ(t.speed, 9600u);
  EXPECT_EQ(t.stimeout, seconds(20));
  EXPECT_EQ(t.slots.size(), 10u);
  std::remove(conf.c_str());
  std::remove(opts.c_str());
}

}  // namespace
}  // namespace pptpx::server
