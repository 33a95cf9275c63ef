// SPDX-License-Identifier: MIT
// The control socket's request parser (app/common/admin_protocol.h) and
// pptpxctl's tables (app/ctl/format.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/common/admin_protocol.h"
#include "app/ctl/format.h"
#include "app/ctl/request.h"

namespace pptpx {
namespace {

std::optional<app::AdminRequest> parse(std::string_view line, std::string* error = nullptr) {
  std::string e;
  auto r = app::parse_admin_request(line, &e);
  if (error) *error = e;
  return r;
}

TEST(AdminProtocol, WordsAndJsonSayTheSame) {
  auto w = parse("kill alice end of contract\r");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->command, "kill");
  EXPECT_EQ(w->target, "alice");
  EXPECT_EQ(w->reason, "end of contract");
  auto j = parse(R"({"command":"kill","target":"alice","reason":"end of contract"})");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->target, "alice");
  EXPECT_EQ(j->reason, "end of contract");
  // What pptpxctl sends reads back as itself.
  auto back = parse(app::admin_request_line(*w));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->reason, "end of contract");
  auto d = parse("debug on");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->on);
  auto dj = parse(R"({"command":"debug","on":false})");
  ASSERT_TRUE(dj);
  EXPECT_FALSE(dj->on);
  EXPECT_TRUE(parse("  sessions  "));
}

// A name in another encoding than UTF-8 (found by fuzz_admin_request: the
// JSON writer threw, so pptpxctl aborted): its stray octets become U+FFFD.
TEST(AdminProtocol, NamesNotInUtf8AreSentWithReplacementCharacters) {
  auto w = parse("kill caf\xe9");
  ASSERT_TRUE(w);
  std::string line = app::admin_request_line(*w);
  auto back = parse(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->target, "caf\xef\xbf\xbd");
}

TEST(AdminProtocol, BadRequestsSayWhy) {
  std::string e;
  EXPECT_FALSE(parse("", &e));
  EXPECT_EQ(e, "empty request");
  EXPECT_FALSE(parse("shutdown", &e));
  EXPECT_EQ(e,
            "unknown command 'shutdown' (sessions, show, kill, stats, blocks, unblock, reload, "
            "debug, version)");
  EXPECT_FALSE(parse("kill", &e));
  EXPECT_EQ(e, "kill needs a session: an interface, a user or an address");
  EXPECT_FALSE(parse("unblock", &e));
  EXPECT_EQ(e, "unblock needs a user, an address or all");
  auto u = parse("unblock 192.0.2.7");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "192.0.2.7");
  EXPECT_TRUE(parse("blocks"));
  EXPECT_FALSE(parse("debug maybe", &e));
  EXPECT_FALSE(parse(R"({"command":"debug"})", &e));
  EXPECT_FALSE(parse(R"({"command":7})", &e));
  EXPECT_EQ(e, "command, target and reason must be strings");
  EXPECT_FALSE(parse("{not json", &e));
  EXPECT_FALSE(parse("[1,2]", &e));
  EXPECT_FALSE(parse(std::string(5000, 'a'), &e));
  EXPECT_EQ(e, "request longer than 4096 bytes");
  EXPECT_FALSE(parse("{\"command\":\"\xff\xfe\"}", &e));  // invalid UTF-8
}

TEST(CtlFormat, HumanSizesAndDurations) {
  EXPECT_EQ(ctl::human_bytes(0), "0 B");
  EXPECT_EQ(ctl::human_bytes(1023), "1023 B");
  EXPECT_EQ(ctl::human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(ctl::human_bytes(uint64_t{5} << 30), "5.0 GiB");
  EXPECT_EQ(ctl::human_duration(7), "7s");
  EXPECT_EQ(ctl::human_duration(65), "1m05s");
  EXPECT_EQ(ctl::human_duration(3725), "1h02m05s");
  EXPECT_EQ(ctl::human_duration(2 * 86400 + 3 * 3600 + 59), "2d03h");
}

TEST(CtlFormat, SessionsTableIsAligned) {
  nlohmann::json s = nlohmann::json::parse(R"([
    {"interface":"ppp0","user":"alice","client":"192.0.2.7","client_port":53122,
     "address":"10.10.0.10","call_id":40001,"peer_call_id":7,"auth":"MS-CHAP-v2",
     "mppe":"128-bit stateless","state":"up","uptime_seconds":65,
     "bytes_in":2048,"bytes_out":10,"packets_in":3,"packets_out":1,"dropped":0},
    {"interface":"","user":"","client":"192.0.2.8","client_port":1,"address":"",
     "call_id":2,"peer_call_id":3,"auth":"none","mppe":"none","state":"establish",
     "uptime_seconds":1,"bytes_in":0,"bytes_out":0,"packets_in":0,"packets_out":0,
     "dropped":12345}])");
  std::string t = ctl::format_sessions(s);
  EXPECT_EQ(t,
            "IFACE  USER   CLIENT           ADDRESS     CALL/PEER  AUTH        MPPE               "
            "STATE      UPTIME       IN   OUT  PKTS-IN  PKTS-OUT  DROPS\n"
            "ppp0   alice  192.0.2.7:53122  10.10.0.10  40001/7    MS-CHAP-v2  128-bit stateless  "
            "up          1m05s  2.0 KiB  10 B        3         1      0\n"
            "-      -      192.0.2.8:1      -           2/3        none        none               "
            "establish      1s      0 B   0 B        0         0  12345\n");
  EXPECT_EQ(ctl::format_sessions(nlohmann::json::array()), "no sessions\n");
}

// A user name the client chose cannot break the table or reach the
// terminal as control characters.
TEST(CtlFormat, SessionsTableEscapesUserNames) {
  nlohmann::json s = nlohmann::json::array();
  s.push_back({{"interface", "ppp0"}, {"user", "a\nb\x1b[2J;$(x)"}, {"client", "192.0.2.7"}});
  std::string t = ctl::format_sessions(s);
  EXPECT_NE(t.find("a\\nb\\x1b[2J\\x3b\\x24\\x28x\\x29"), std::string::npos) << t;
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 2);
  EXPECT_EQ(t.find('\x1b'), std::string::npos);
}

TEST(CtlFormat, StatsAndShowFlattenNestedObjects) {
  nlohmann::json st = {{"calls", 3}, {"control_socket", {{"requests", 10}}}};
  EXPECT_EQ(ctl::format_stats(st), "calls                     3\ncontrol_socket.requests  10\n");
  nlohmann::json one = nlohmann::json::array({{{"user", "bob"}, {"drops", {{"mppe", 1}}}}});
  EXPECT_EQ(ctl::format_show(one), "drops.mppe:  1\nuser:        bob\n");
}

TEST(CtlFormat, BlocksTableSaysBlockedOrDelayed) {
  EXPECT_EQ(ctl::format_blocks(nlohmann::json::array(), true), "no failed logins\n");
  EXPECT_EQ(ctl::format_blocks(nlohmann::json::array(), false),
            "auth-throttle is off: nothing is counted\nno failed logins\n");
  nlohmann::json b = nlohmann::json::array({{{"kind", "address"},
                                             {"name", "192.0.2.7"},
                                             {"failures", 31u},
                                             {"blocked", true},
                                             {"blocked_seconds", 840},
                                             {"refused", 12u},
                                             {"delay_seconds", 0},
                                             {"forgotten_in_seconds", 840}},
                                            {{"kind", "user"},
                                             {"name", "alice"},
                                             {"failures", 4u},
                                             {"blocked", false},
                                             {"blocked_seconds", 0},
                                             {"refused", 0u},
                                             {"delay_seconds", 2},
                                             {"forgotten_in_seconds", 899}}});
  EXPECT_EQ(ctl::format_blocks(b, true),
            "KIND     NAME       FAILURES  STATE           REFUSED  FORGOTTEN-IN\n"
            "address  192.0.2.7        31  blocked 14m00s       12        14m00s\n"
            "user     alice             4  delay 2s              0        14m59s\n");
}

// Answers of another shape (found by fuzz_admin_request: a number where a
// row was expected threw out of pptpxctl) print as best they can.
TEST(CtlFormat, AnswersOfAnotherShapeDoNotThrow) {
  nlohmann::json odd = nlohmann::json::array({82, "x", nullptr, {{"blocked", "yes"}}});
  EXPECT_NO_THROW(ctl::format_blocks(odd, true));
  EXPECT_NO_THROW(ctl::format_sessions(odd));
  EXPECT_NO_THROW(ctl::format_show(odd));
  EXPECT_NO_THROW(ctl::format_stats(odd));
}

TEST(CtlRequest, ConnectErrorsNameTheCauseAndTheFix) {
  ctl::Answer a =
      ctl::ask("/nonexistent/control.sock", app::AdminRequest{"version", "", "", false});
  EXPECT_FALSE(a.reached);
  EXPECT_EQ(a.error,
            "no control socket at /nonexistent/control.sock: is pptpxd running? (start it, or "
            "name its socket with --socket PATH, as given to pptpxd --control)");
  EXPECT_NE(ctl::connect_error("/x", std::make_error_code(std::errc::permission_denied))
                .find("as a member of group pptpx"),
            std::string::npos);
}

}  // namespace
}  // namespace pptpx
