// SPDX-License-Identifier: MIT
#include "config/pptpd_conf.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace pptpx::config {
namespace {

std::vector<std::string> strs(const std::vector<Ipv4>& v) {
  std::vector<std::string> s;
  s.reserve(v.size());
  for (auto a : v) s.push_back(a.str());
  return s;
}
using V = std::vector<std::string>;

TEST(PptpdConf, ParsesSampleFirstOccurrenceWins) {
  Diagnostics d;
  PptpdConf c = load_pptpd_conf(data_path("pptpd.conf"), d);
  EXPECT_EQ(c.option, "/etc/ppp/pptpd-options");
  EXPECT_TRUE(c.debug);
  EXPECT_FALSE(c.listen);  // "1.2.3.4 # x": a comment after the value, an error
  EXPECT_EQ(c.localip, "192.168.0.1");
  EXPECT_EQ(c.remoteip, "192.168.0.234-238,192.168.0.245");
  EXPECT_EQ(c.connections, 50);
  EXPECT_TRUE(c.logwtmp);
  EXPECT_FALSE(c.delegate);
  EXPECT_EQ(c.stimeout, 10);
  ASSERT_EQ(d.size(), 2u) << all(d);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].line, 4);
  EXPECT_FALSE(d[1].is_error);
  EXPECT_EQ(d[1].line, 8);
}

TEST(PptpdConf, LeadingWhitespaceAndUnknownKeywordAreErrors) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("# c\n\n  debug\nDebug\nlogwtmp\n\tx\nbogus 1\n", "p.conf", d);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].str(), "p.conf:3: line starts with whitespace");
  EXPECT_EQ(d[1].str(), "p.conf:4: unknown keyword 'Debug'");
  EXPECT_EQ(d[2].str(), "p.conf:6: line starts with whitespace");
  EXPECT_EQ(d[3].str(), "p.conf:7: unknown keyword 'bogus'");
  for (auto& x : d) EXPECT_TRUE(x.is_error);
  EXPECT_FALSE(c.debug);
  EXPECT_TRUE(c.logwtmp);
}

TEST(PptpdConf, TrailingBlanksTrimmedFlagValuesIgnored) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("pidfile /run/p.pid \t\ndelegate yes\nspeed\t  9600", "p", d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(c.pidfile, "/run/p.pid");
  EXPECT_TRUE(c.delegate);
  EXPECT_EQ(c.speed, "9600");
}

TEST(PptpdConf, NumbersUseAtoi) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("connections 12abc\nstimeout -5\n", "p", d);
  EXPECT_EQ(c.connections, 12);
  EXPECT_EQ(c.stimeout, 10);
  c = parse_pptpd_conf("connections 0\n", "p", d);
  EXPECT_EQ(c.connections, 100);
}

// Found by fuzz_config_pptpd_conf: with delegate, connections 5999999999
// reserved a slot per connection, 13 GB, at start-up.
TEST(PptpdConf, ConnectionsAreCutToWhatCallIdsAllow) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("delegate\nconnections 5999999999\n", "p", d);
  EXPECT_EQ(c.connections, kMaxConnections);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].is_error);
  EXPECT_EQ(d[0].message,
            "connections 5999999999 is more than pptpxd can carry, using 65535 (PPTP call IDs are "
            "16 bits)");
  EXPECT_EQ(build_slot_table(c, "p", d).slots.size(), 65535u);
}

TEST(PptpdConf, ListenBacklogExtension) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\n", "p", d);
  EXPECT_FALSE(c.listen_backlog);  // the server then takes net.core.somaxconn
  c = parse_pptpd_conf("listen-backlog 1024\n", "p", d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(c.listen_backlog, 1024);
  c = parse_pptpd_conf("listen-backlog 65535\n", "p", d);
  EXPECT_EQ(c.listen_backlog, 65535);
  EXPECT_TRUE(d.empty());
  for (const char* bad : {"0", "-1", "65536", "12abc", "1e3", "5 x", "99999999999"}) {
    Diagnostics e;
    c = parse_pptpd_conf(std::string("debug\nlisten-backlog ") + bad + "\n", "p.conf", e);
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_TRUE(e[0].is_error);
    EXPECT_EQ(e[0].str(), std::string("p.conf:2: listen-backlog value '") + bad +
                              "' is not a number from 1 to 65535");
    EXPECT_FALSE(c.listen_backlog);
  }
  Diagnostics e;
  parse_pptpd_conf("listen-backlog\n", "p.conf", e);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].str(), "p.conf:1: keyword 'listen-backlog' needs a value");
}

TEST(PptpdConf, ReorderTimeoutExtension) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\n", "p", d);
  EXPECT_EQ(c.reorder_timeout_ms, kDefaultReorderTimeoutMs);
  c = parse_pptpd_conf("reorder-timeout 0\n", "p", d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(c.reorder_timeout_ms, 0);  // no window: late packets are dropped
  c = parse_pptpd_conf("reorder-timeout 300\n", "p", d);
  EXPECT_EQ(c.reorder_timeout_ms, 300);
  for (const char* bad : {"-1", "10001", "5ms", "0.3"}) {
    Diagnostics e;
    c = parse_pptpd_conf(std::string("reorder-timeout ") + bad + "\n", "p.conf", e);
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_TRUE(e[0].is_error);
    EXPECT_EQ(e[0].str(), std::string("p.conf:1: reorder-timeout value '") + bad +
                              "' is not a number of milliseconds from 0 to 10000");
  }
}

TEST(PptpdConf, WaitingPerSourceExtension) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\n", "p", d);
  EXPECT_EQ(c.waiting_per_source, 4);
  c = parse_pptpd_conf("waiting-per-source 1\n", "p", d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(c.waiting_per_source, 1);
  c = parse_pptpd_conf("waiting-per-source 65535\n", "p", d);
  EXPECT_EQ(c.waiting_per_source, 65535);
  for (const char* bad : {"0", "-1", "65536", "4x"}) {
    Diagnostics e;
    c = parse_pptpd_conf(std::string("waiting-per-source ") + bad + "\n", "p.conf", e);
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_TRUE(e[0].is_error);
    EXPECT_EQ(e[0].str(), std::string("p.conf:1: waiting-per-source value '") + bad +
                              "' is not a number from 1 to 65535");
  }
}

TEST(PptpdConf, AuthThrottleExtensions) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\n", "p", d);
  EXPECT_TRUE(c.auth_throttle);  // on by default
  EXPECT_EQ(c.auth_free_failures, 3);
  EXPECT_EQ(c.auth_max_delay, 15);
  EXPECT_EQ(c.auth_block_user, 10);
  EXPECT_EQ(c.auth_block_source, 30);
  EXPECT_EQ(c.auth_block_time, 900);
  c = parse_pptpd_conf(
      "auth-throttle off\nauth-free-failures 0\nauth-max-delay 30\nauth-block-user 0\n"
      "auth-block-source 5\nauth-block-time 60\n",
      "p", d);
  EXPECT_TRUE(d.empty()) << d[0].str();
  EXPECT_FALSE(c.auth_throttle);
  EXPECT_EQ(c.auth_free_failures, 0);
  EXPECT_EQ(c.auth_max_delay, 30);
  EXPECT_EQ(c.auth_block_user, 0);
  EXPECT_EQ(c.auth_block_source, 5);
  EXPECT_EQ(c.auth_block_time, 60);
  struct Bad {
    const char* line;
    const char* error;
  };
  for (const Bad& b : {
           Bad{"auth-throttle yes", "auth-throttle value 'yes' is not on or off"},
           Bad{"auth-max-delay 31",
               "auth-max-delay value '31' is not a number of seconds from 0 "
               "to 30"},
           Bad{"auth-block-time 0",
               "auth-block-time value '0' is not a number of seconds from 1 "
               "to 604800"},
           Bad{"auth-block-user -1",
               "auth-block-user value '-1' is not a number from 0 to "
               "1000000"},
       }) {
    Diagnostics e;
    c = parse_pptpd_conf(std::string(b.line) + "\n", "p.conf", e);
    ASSERT_EQ(e.size(), 1u) << b.line;
    EXPECT_TRUE(e[0].is_error);
    EXPECT_EQ(e[0].str(), std::string("p.conf:1: ") + b.error);
  }
}

TEST(PptpdConf, MetricsExtension) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\n", "p", d);
  EXPECT_FALSE(c.metrics);  // off by default
  EXPECT_FALSE(c.metrics_per_session);
  c = parse_pptpd_conf("metrics 127.0.0.1:9723\nmetrics-per-session\n", "p", d);
  EXPECT_TRUE(d.empty());
  ASSERT_TRUE(c.metrics);
  EXPECT_EQ(c.metrics->addr.str(), "127.0.0.1");
  EXPECT_EQ(c.metrics->port, 9723);
  EXPECT_TRUE(c.metrics_per_session);
  c = parse_pptpd_conf("metrics 0.0.0.0:1\n", "p", d);
  EXPECT_EQ(c.metrics, (HostPort{Ipv4{}, 1}));
  for (const char* bad : {"9723", ":9723", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                          "localhost:9723", "127.0.0.1:97x", "[::1]:9723", "127.0.0.1:9723 x"}) {
    Diagnostics e;
    c = parse_pptpd_conf(std::string("debug\nmetrics ") + bad + "\n", "p.conf", e);
    ASSERT_EQ(e.size(), 1u) << bad;
    EXPECT_TRUE(e[0].is_error);
    EXPECT_EQ(e[0].str(), std::string("p.conf:2: metrics value '") + bad +
                              "' is not ADDR:PORT (e.g. 127.0.0.1:9723)");
    EXPECT_FALSE(c.metrics);
  }
}

TEST(PptpdConf, LongLineIsAnErrorNotASilentDefault) {
  // pptpd skips the line and runs on its default remoteip 192.168.1.1-100.
  std::string list;
  for (int i = 1; i <= 60; ++i) list += (i > 1 ? ",10.0.0." : "10.0.0.") + std::to_string(i);
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\nremoteip " + list + "\nlocalip 10.0.1.1\n", "p.conf", d);
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].str(),
            "p.conf:2: line too long (" + std::to_string(9 + list.size()) +
                " characters; pptpd reads at most 510 and ignores longer lines, \"Long config "
                "file line ignored\"): shorten it, e.g. write address lists as ranges "
                "(10.0.0.2-254)");
  EXPECT_FALSE(c.remoteip);
  EXPECT_EQ(c.localip, "10.0.1.1");
  // 510 characters still fit.
  d.clear();
  c = parse_pptpd_conf("ppp " + std::string(506, 'a') + "\n", "p", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(c.ppp->size(), 506u);
}

TEST(PptpdConf, CommentAfterAValueIsOneError) {
  // pptpd would take "10.0.0.10-20 # pool-a" as the list: an element with
  // two hyphens, skipped, and no client address at all.
  for (const char* line : {"remoteip 10.0.0.10-20 # pool", "remoteip 10.0.0.10-20\t# pool-a",
                           "remoteip #10.0.0.10-20"}) {
    Diagnostics d;
    PptpdConf c =
        parse_pptpd_conf(std::string("debug\n") + line + "\nlocalip 10.0.0.1\n", "p.conf", d);
    ASSERT_EQ(d.size(), 1u) << line << "\n" << all(d);
    EXPECT_TRUE(d[0].is_error);
    std::string value = std::string(line).substr(9);
    EXPECT_EQ(d[0].str(),
              "p.conf:2: remoteip: a comment after the value is not allowed (pptpd "
              "takes '" +
                  value + "' as the value); put the comment on a line of its own");
    EXPECT_FALSE(c.remoteip);
    EXPECT_EQ(c.localip, "10.0.0.1");
    // Nothing else follows from it.
    build_slot_table(c, "p.conf", d);
    EXPECT_EQ(d.size(), 1u) << all(d);
  }
  for (const char* line : {"connections 20 # max", "option /etc/ppp/options.pptpd #opts",
                           "localip 10.0.0.1 # server", "metrics 127.0.0.1:9723 # local"}) {
    Diagnostics d;
    parse_pptpd_conf(line, "p", d);
    ASSERT_EQ(d.size(), 1u) << line << "\n" << all(d);
    EXPECT_NE(d[0].message.find("a comment after the value is not allowed"), std::string::npos);
  }
  // A flag's value is ignored, as by pptpd; a '#' inside a word is part of it.
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug # on\npidfile /run/a#b.pid\n", "p", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_TRUE(c.debug);
  EXPECT_EQ(c.pidfile, "/run/a#b.pid");
}

TEST(IpSpec, RangesInEveryOctet) {
  Diagnostics d;
  EXPECT_EQ(
      strs(expand_ip_spec("192.168.0.234-238", 100, "f", 1, d)),
      (V{"192.168.0.234", "192.168.0.235", "192.168.0.236", "192.168.0.237", "192.168.0.238"}));
  EXPECT_EQ(strs(expand_ip_spec("192.168.1-3.2", 100, "f", 1, d)),
            (V{"192.168.1.2", "192.168.2.2", "192.168.3.2"}));
  EXPECT_EQ(strs(expand_ip_spec("10.1-2.0.1", 100, "f", 1, d)), (V{"10.1.0.1", "10.2.0.1"}));
  EXPECT_EQ(strs(expand_ip_spec("10-11.0.0.1", 100, "f", 1, d)), (V{"10.0.0.1", "11.0.0.1"}));
  EXPECT_EQ(strs(expand_ip_spec("10.0.0.1,10.0.0.7-8", 100, "f", 1, d)),
            (V{"10.0.0.1", "10.0.0.7", "10.0.0.8"}));
  EXPECT_TRUE(d.empty()) << all(d);
}

TEST(IpSpec, NoShortcutRanges) {
  Diagnostics d;
  EXPECT_TRUE(expand_ip_spec("10.0.0.234-8", 100, "f", 1, d).empty());
  EXPECT_TRUE(d.empty());
}

TEST(IpSpec, MultipleHyphensSkippedWithWarning) {
  Diagnostics d;
  EXPECT_EQ(strs(expand_ip_spec("10.0.1-2.3-4,10.0.0.9", 100, "f", 4, d)), (V{"10.0.0.9"}));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].is_error);
  EXPECT_EQ(d[0].line, 4);
}

TEST(IpSpec, BadAddressIsError) {
  Diagnostics d;
  expand_ip_spec("10.0.0.1,vpn.example", 100, "f", 2, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].str(), "f:2: Bad IP address (vpn.example) in config file!");
  Diagnostics d2;
  expand_ip_spec("10.0.0.250-256", 100, "f", 2, d2);
  EXPECT_TRUE(has_errors(d2));
}

TEST(IpSpec, ConnectionsLimit) {
  Diagnostics d;
  EXPECT_EQ(expand_ip_spec("10.0.0.1-10,10.0.1.1", 3, "f", 1, d).size(), 3u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].message, "connections limit (3) reached, extra IP addresses ignored");
}

TEST(SlotTable, SharedLocalAndReduction) {
  Diagnostics d;
  PptpdConf c = load_pptpd_conf(data_path("pptpd.conf"), d);
  d.clear();
  SlotTable t = build_slot_table(c, "pptpd.conf", d);
  EXPECT_TRUE(d.empty()) << all(d);
  ASSERT_EQ(t.slots.size(), 6u);
  EXPECT_EQ(t.slots[0].local.str(), "192.168.0.1");
  EXPECT_EQ(t.slots[5].local.str(), "192.168.0.1");
  EXPECT_EQ(t.slots[0].remote.str(), "192.168.0.234");
  EXPECT_EQ(t.slots[5].remote.str(), "192.168.0.245");
  ASSERT_EQ(t.notices.size(), 1u);
  EXPECT_EQ(t.notices[0],
            "MGR: Maximum of 50 connections reduced to 6, not enough IP addresses given");
}

TEST(SlotTable, IndexMatchedLists) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("localip 10.0.0.1-2\nremoteip 10.0.1.1-3\n", "p", d);
  SlotTable t = build_slot_table(c, "p", d);
  ASSERT_EQ(t.slots.size(), 2u);
  EXPECT_EQ(t.slots[1].local.str(), "10.0.0.2");
  EXPECT_EQ(t.slots[1].remote.str(), "10.0.1.2");
  ASSERT_EQ(t.notices.size(), 2u);
  EXPECT_EQ(t.notices[1],
            "MGR: Maximum of 3 connections reduced to 2, not enough IP addresses given");
}

TEST(SlotTable, DefaultsAndDelegate) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("", "p", d);
  SlotTable t = build_slot_table(c, "p", d);
  ASSERT_EQ(t.slots.size(), 100u);
  EXPECT_EQ(t.slots[0].local.str(), "192.168.0.1");
  EXPECT_EQ(t.slots[99].local.str(), "192.168.0.100");
  EXPECT_EQ(t.slots[99].remote.str(), "192.168.1.100");
  EXPECT_TRUE(t.notices.empty());
  c.delegate = true;
  c.connections = 7;
  t = build_slot_table(c, "p", d);
  ASSERT_EQ(t.slots.size(), 7u);  // no addresses: pppd's, after authentication
  EXPECT_TRUE(t.slots[6].remote.is_zero());
  EXPECT_TRUE(t.notices.empty());
  c.remoteip = "10.0.0.1-5";
  EXPECT_EQ(build_slot_table(c, "p", d).notices,
            std::vector<std::string>{"delegate: localip and remoteip are ignored"});
}

TEST(SlotTable, LocalInsideRemoteIsOneErrorAtTheLocalipLine) {
  for (const char* local : {"10.0.0.15", "10.0.0.1-20", "10.0.0.1,10.0.0.11"}) {
    Diagnostics d;
    PptpdConf c = parse_pptpd_conf(
        std::string("remoteip 10.0.0.10-20\ndebug\nlocalip ") + local + "\n", "p.conf", d);
    build_slot_table(c, "p.conf", d);
    std::vector<std::string> errors;
    for (const auto& x : d)
      if (x.is_error) errors.push_back(x.str());
    ASSERT_EQ(errors.size(), 1u) << local << "\n" << all(d);
    const std::string first = std::string(local) == "10.0.0.15"     ? "10.0.0.15"
                              : std::string(local) == "10.0.0.1-20" ? "10.0.0.10"
                                                                    : "10.0.0.11";
    EXPECT_EQ(errors[0], "p.conf:3: localip " + first +
                             " is inside the remoteip range (line 1): a client would get the "
                             "server's own address; take it out of remoteip or change localip");
  }
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("remoteip 10.0.0.10-20\nlocalip 10.0.0.1\n", "p.conf", d);
  build_slot_table(c, "p.conf", d);
  EXPECT_TRUE(d.empty()) << all(d);
  // Index-matched: the list of two leaves remoteip's 10.0.0.12-20 unused.
  c = parse_pptpd_conf("remoteip 10.0.0.10-20\nlocalip 10.0.0.1,10.0.0.15\n", "p.conf", d);
  build_slot_table(c, "p.conf", d);
  EXPECT_TRUE(d.empty()) << all(d);
  // pptpd's defaults are not checked against an explicit list.
  c = parse_pptpd_conf("remoteip 192.168.0.10-20\n", "p.conf", d);
  build_slot_table(c, "p.conf", d);
  EXPECT_FALSE(has_errors(d)) << all(d);
}

std::vector<Ipv4> addrs(std::initializer_list<const char*> list) {
  std::vector<Ipv4> out;
  for (const char* a : list) out.push_back(*Ipv4::parse(a));
  return out;
}

TEST(Pool, CompactRangesInOrderWithinA24) {
  EXPECT_EQ(compact_ranges(addrs({"10.0.0.1"})), "10.0.0.1");
  EXPECT_EQ(compact_ranges(addrs({"10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.20"})),
            "10.0.0.10-12,10.0.0.20");
  EXPECT_EQ(compact_ranges(addrs({"10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"})),
            "10.0.0.254-255,10.0.1.0-1");
  EXPECT_EQ(compact_ranges(addrs({"10.0.0.5", "10.0.0.4", "10.0.0.5"})), "10.0.0.5,10.0.0.4-5");
  EXPECT_EQ(compact_ranges({}), "");
}

TEST(Pool, DescribesThePoolInUse) {
  auto pool = [](const std::string& text) {
    Diagnostics d;
    PptpdConf c = parse_pptpd_conf(text, "p", d);
    return describe_pool(c, build_slot_table(c, "p", d));
  };
  EXPECT_EQ(pool("localip 10.10.0.1\nremoteip 10.10.0.10-20\n"),
            "pool 10.10.0.10-20: 11 addresses, connections 11");
  EXPECT_EQ(pool("localip 10.10.0.1\nremoteip 10.10.0.10-20,10.10.1.5\nconnections 5\n"),
            "pool 10.10.0.10-14: 5 addresses, connections 5");
  EXPECT_EQ(pool("localip 10.10.0.1\nremoteip 10.10.0.10,10.10.0.10\n"),
            "pool 10.10.0.10,10.10.0.10: 1 address, connections 2");
  EXPECT_EQ(pool("localip 10.10.0.1\n"),
            "pool 192.168.1.1-100: 100 addresses, connections 100 (no remoteip: pptpd's default "
            "192.168.1.1-100)");
  EXPECT_EQ(pool("delegate\nconnections 7\n"),
            "pool none (delegate: addresses from chap-secrets or the options file), connections 7");
}

TEST(SlotTable, DefaultsCutOffByConnectionsSayNothing) {
  // pptpd.conf(5)'s proxyarp layout has no localip: 11 of the default
  // 192.168.0.1-100 are used, which is no news (the pool line says it).
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("remoteip 10.0.0.10-20\n", "p", d);
  SlotTable t = build_slot_table(c, "p", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(t.slots.size(), 11u);
  c = parse_pptpd_conf("localip 10.0.0.1\nconnections 5\n", "p", d);
  t = build_slot_table(c, "p", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(t.slots.size(), 5u);
  // An explicit list cut off is still reported.
  c = parse_pptpd_conf("remoteip 10.0.0.10-20\nconnections 5\n", "p", d);
  build_slot_table(c, "p", d);
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_EQ(d[0].str(), "p:1: connections limit (5) reached, extra IP addresses ignored");
}

TEST(SlotTable, BadRemoteIsErrorWithLine) {
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf("debug\nremoteip 10.0.0.300\n", "p", d);
  build_slot_table(c, "p", d);
  ASSERT_TRUE(has_errors(d));
  EXPECT_EQ(d[0].line, 2);
}

}  // namespace
}  // namespace pptpx::config
