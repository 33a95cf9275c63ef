// SPDX-License-Identifier: MIT
#include "config/ppp_options.h"

#include <gtest/gtest.h>

#include <map>

#include "test_util.h"

namespace pptpx::config {
namespace {

PppOptions parse(std::string_view text, Diagnostics& d, const ParseContext& ctx = {}) {
  PppOptions o;
  parse_options_text(text, "opts", o, d, ctx);
  return o;
}

TEST(PppOptions, ParsesPptpdOptionsFileWithInclude) {
  PppOptions o;
  Diagnostics d;
  parse_options_file(data_path("options.pptpd"), o, d, data_context());
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(o.name, "pptpd");
  EXPECT_TRUE(o.refuse_pap && o.refuse_chap && o.refuse_mschap);
  EXPECT_FALSE(o.refuse_mschap_v2);
  EXPECT_EQ(o.require_chap, kMdMsChapV2);
  EXPECT_EQ(o.auth_required, true);
  EXPECT_EQ(o.mppe, kMppe128);
  EXPECT_EQ(o.ms_dns[0], Ipv4::parse("10.0.0.1"));
  EXPECT_EQ(o.ms_dns[1], Ipv4::parse("10.0.0.2"));
  EXPECT_EQ(o.proxyarp, true);
  EXPECT_EQ(o.defaultroute, false);
  EXPECT_EQ(o.lock, true);
  EXPECT_TRUE(o.nobsdcomp && o.novj && o.novjccomp && o.nologfd);
  EXPECT_EQ(o.local_ip, Ipv4::parse("10.8.0.1"));
  EXPECT_FALSE(o.remote_ip);
  EXPECT_EQ(o.mtu, 1400);
  EXPECT_EQ(o.mru, 1400);
  EXPECT_EQ(o.ipparam, "with space");
  ASSERT_EQ(o.included_files.size(), 1u);
  EXPECT_EQ(o.included_files[0], "included.opts");
}

TEST(PppOptions, MissingIncludeIsErrorAtItsLine) {
  PppOptions o;
  Diagnostics d;
  parse_options_file(data_path("missing_include.opts"), o, d, data_context());
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].line, 3);
  EXPECT_EQ(d[0].message, "can't open options file does-not-exist.opts: No such file or directory");
  EXPECT_EQ(o.name, "pptpd");
}

TEST(PppOptions, MissingTopFileIsError) {
  PppOptions o;
  Diagnostics d;
  parse_options_file(data_path("nope"), o, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].is_error);
}

TEST(PppOptions, CallReadsPeersFileAndRejectsDotDot) {
  ParseContext ctx;
  std::map<std::string, std::string> files{{"/peers/vpn", "remotename vpn\nname 'DOM\\\\user'"}};
  ctx.peers_dir = "/peers";
  ctx.read_file = [&](const std::string& p) {
    auto it = files.find(p);
    if (it == files.end()) return FileReadResult{std::nullopt, "No such file or directory"};
    return FileReadResult{it->second, {}};
  };
  Diagnostics d;
  PppOptions o = parse("call vpn\nupdetach", d, ctx);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(o.remotename, "vpn");
  EXPECT_EQ(o.name, "DOM\\user");
  EXPECT_EQ(o.call_file, "/peers/vpn");
  EXPECT_EQ(o.detach, DetachMode::kUpdetach);

  Diagnostics d2;
  parse("call ../etc/x", d2, ctx);
  ASSERT_EQ(d2.size(), 1u);
  EXPECT_TRUE(d2[0].is_error);
}

TEST(PppOptions, IncludeLoopStops) {
  ParseContext ctx;
  ctx.read_file = [](const std::string&) { return FileReadResult{"file self", {}}; };
  Diagnostics d;
  parse("file self", d, ctx);
  EXPECT_TRUE(has_errors(d));
}

TEST(PppOptions, AddressWords) {
  Diagnostics d;
  PppOptions o = parse("172.16.1.1:\n:10.0.0.5\n", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(o.local_ip, Ipv4::parse("172.16.1.1"));
  EXPECT_EQ(o.remote_ip, Ipv4::parse("10.0.0.5"));
  o = parse("1.2.3.4:5.6.7.8", d);
  EXPECT_EQ(o.local_ip, Ipv4::parse("1.2.3.4"));
  EXPECT_EQ(o.remote_ip, Ipv4::parse("5.6.7.8"));
  Diagnostics bad;
  parse("1.2.3.999:", bad);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].str(), "opts:1: unknown host: 1.2.3.999");
  Diagnostics loop;
  parse(":127.0.0.1", loop);
  ASSERT_EQ(loop.size(), 1u);
  EXPECT_EQ(loop[0].message, "bad remote IP address 127.0.0.1");
}

TEST(PppOptions, BareAddressWithoutColonIsUnrecognized) {
  Diagnostics d;
  parse("name x\n10.8.0.100\n", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].str(), "opts:2: unrecognized option '10.8.0.100'");
}

TEST(PppOptions, SpeedAndDevice) {
  Diagnostics d;
  PppOptions o = parse("115200 /dev/ttyS0", d);
  EXPECT_EQ(o.tty_speed, 115200u);
  EXPECT_EQ(o.tty_device, "/dev/ttyS0");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].is_error);
}

TEST(PppOptions, UnsupportedOptionSkippedWithArgument) {
  Diagnostics d;
  PppOptions o = parse("bsdcomp 9,15 lock\nplugin\n  /x.so\nnodeflate", d);
  ASSERT_EQ(d.size(), 2u) << all(d);
  EXPECT_EQ(d[0].str(), "opts:1: option 'bsdcomp' is not supported by pptpx, ignored");
  EXPECT_EQ(d[1].str(),
            "opts:3: plugin '/x.so' is not supported by pptpx, ignored (built in: radius.so, "
            "radattr.so)");
  EXPECT_FALSE(d[0].is_error);
  EXPECT_EQ(o.lock, true);
  EXPECT_TRUE(o.nodeflate);
  EXPECT_EQ(o.ignored_options, (std::vector<std::string>{"bsdcomp", "plugin /x.so"}));
}

// pppd's RADIUS plugins, wherever pppd would load them from, and their options.
TEST(PppOptions, RadiusPluginAndItsOptions) {
  Diagnostics d;
  PppOptions o = parse(
      "plugin /usr/lib/pppd/2.4.9/radius.so\nplugin radattr.so\n"
      "radius-config-file /etc/radiusclient/pptpx.conf\navpair Framed-MTU=1400\n"
      "avpair NAS-Port-Id=vpn\n",
      d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_TRUE(o.radius.enabled);
  EXPECT_EQ(o.radius.line, 1);
  EXPECT_TRUE(o.radius.radattr);
  EXPECT_EQ(o.radius.config_file, "/etc/radiusclient/pptpx.conf");
  EXPECT_EQ(o.radius.avpairs, (std::vector<std::string>{"Framed-MTU=1400", "NAS-Port-Id=vpn"}));
  PppOptions none = parse("lock\n", d);
  EXPECT_FALSE(none.radius.enabled);
  EXPECT_EQ(none.radius.config_file, "/etc/radiusclient/radiusclient.conf");
}

// Debian 12's stock /etc/ppp/options (comments left out): nothing to warn
// about on every call; asyncmap is pppd's to ignore on a synchronous link too.
TEST(PppOptions, DebianStockOptionsGiveNoWarning) {
  Diagnostics d;
  PppOptions o = parse(
      "asyncmap 0\nauth\ncrtscts\nlock\nhide-password\nmodem\nlcp-echo-interval 30\n"
      "lcp-echo-failure 4\nnoipx\n",
      d);
  EXPECT_EQ(d.size(), 0u) << all(d);
  EXPECT_EQ(o.auth_required, true);
  EXPECT_EQ(o.lcp_echo_interval, 30);
  EXPECT_EQ(o.lcp_echo_failure, 4);
  EXPECT_TRUE(o.ignored_options.empty());
}

TEST(PppOptions, UnknownOptionIsError) {
  Diagnostics d;
  parse("lock\n\nfoo", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].str(), "opts:3: unrecognized option 'foo'");
  Diagnostics d2;
  parse("Lock", d2);  // case-sensitive
  EXPECT_TRUE(has_errors(d2));
}

TEST(PppOptions, MissingArgumentIsError) {
  Diagnostics d;
  parse("lock\nname", d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].is_error);
  EXPECT_EQ(d[0].str(), "opts:2: too few parameters for option 'name'");
}

TEST(PppOptions, ArgumentOnLaterLine) {
  Diagnostics d;
  PppOptions o = parse("name\n\n  server1 # c\n", d);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(o.name, "server1");
}

TEST(PppOptions, Numbers) {
  Diagnostics d;
  PppOptions o = parse("lcp-echo-interval 0x1e lcp-echo-failure 010 maxfail 0 holdoff 5s", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(o.lcp_echo_interval, 30);
  EXPECT_EQ(o.lcp_echo_failure, 8);
  EXPECT_EQ(o.maxfail, 0);
  EXPECT_EQ(o.holdoff, 5);
  Diagnostics bad;
  parse("idle abc", bad);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].message, "invalid numeric parameter 'abc' for idle option");
  Diagnostics range;
  parse("mru 20", range);
  EXPECT_TRUE(has_errors(range));
}

TEST(PppOptions, MsDnsTakesLastTwo) {
  Diagnostics d;
  PppOptions o = parse("ms-dns 1.1.1.1", d);
  EXPECT_EQ(o.ms_dns[0], Ipv4::parse("1.1.1.1"));
  EXPECT_EQ(o.ms_dns[1], Ipv4::parse("1.1.1.1"));
  o = parse("ms-dns 1.1.1.1 ms-dns 2.2.2.2 ms-dns 3.3.3.3 ms-wins 4.4.4.4", d);
  EXPECT_EQ(o.ms_dns[0], Ipv4::parse("2.2.2.2"));
  EXPECT_EQ(o.ms_dns[1], Ipv4::parse("3.3.3.3"));
  EXPECT_EQ(o.ms_wins[0], Ipv4::parse("4.4.4.4"));
  EXPECT_TRUE(d.empty());
  parse("ms-dns dns.example", d);
  EXPECT_TRUE(has_errors(d));
}

TEST(PppOptions, LaterSourcesOverrideAndWordsAreLiteral) {
  PppOptions o;
  Diagnostics d;
  parse_options_text("name a\nmtu 1400\nnoauth\n", "/etc/ppp/options", o, d);
  parse_options_words({"name", "b\\\\c", "auth", "ipparam", "#x"}, "command line", o, d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(o.name, "b\\\\c");
  EXPECT_EQ(o.ipparam, "#x");
  EXPECT_EQ(o.mtu, 1400);
  EXPECT_EQ(o.auth_required, true);
  parse_options_words({"bogus"}, "command line", o, d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].str(), "command line: unrecognized option 'bogus'");
}

// pptpx's own words: TCP MSS clamping is on unless nomssclamp; the last word wins.
TEST(PppOptions, MssClamp) {
  Diagnostics d;
  EXPECT_TRUE(parse("", d).mss_clamp);
  EXPECT_FALSE(parse("nomssclamp", d).mss_clamp);
  EXPECT_TRUE(parse("nomssclamp\nmssclamp", d).mss_clamp);
  EXPECT_FALSE(parse("mssclamp nomssclamp", d).mss_clamp);
  EXPECT_TRUE(d.empty()) << all(d);
  PppOptions o;
  parse_options_text("nomssclamp\n", "/etc/ppp/options", o, d);
  parse_options_words({"mssclamp"}, "command line", o, d);
  EXPECT_TRUE(o.mss_clamp);
  EXPECT_TRUE(d.empty()) << all(d);
}

TEST(PppOptions, StopsAtFirstError) {
  Diagnostics d;
  PppOptions o = parse("foo\nname x", d);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_FALSE(o.name);
}

using AP = AuthProto;
std::vector<AP> peer(std::string_view text) {
  Diagnostics d;
  return peer_auth_protocols(parse(text, d));
}

TEST(AuthPolicy, PeerProtocolsFollowPppd) {
  EXPECT_EQ(peer(""), std::vector<AP>{});
  EXPECT_EQ(peer("noauth"), std::vector<AP>{});
  EXPECT_EQ(peer("auth"), (std::vector<AP>{AP::kMsChapV2, AP::kMsChapV1, AP::kChapMd5, AP::kPap}));
  EXPECT_EQ(peer("require-mschap-v2"), (std::vector<AP>{AP::kMsChapV2}));
  EXPECT_EQ(peer("auth require-pap require-mschap require-mschap-v2"),
            (std::vector<AP>{AP::kMsChapV2, AP::kMsChapV1, AP::kPap}));
  // refuse-* concern our own authentication, not the peer's.
  EXPECT_EQ(peer("require-mschap-v2 refuse-mschap-v2"), (std::vector<AP>{AP::kMsChapV2}));
  // noauth after require-* switches authentication off; auth turns it back on.
  EXPECT_EQ(peer("require-chap noauth"), std::vector<AP>{});
  EXPECT_EQ(peer("require-chap noauth auth"), (std::vector<AP>{AP::kChapMd5}));
  EXPECT_EQ(peer("require-eap"), std::vector<AP>{});
}

TEST(AuthPolicy, OwnProtocols) {
  Diagnostics d;
  auto o = parse("refuse-pap refuse-eap refuse-chap refuse-mschap", d);
  EXPECT_EQ(own_auth_protocols(o), (std::vector<AP>{AP::kMsChapV2}));
}

MppePolicy mppe(std::string_view text) {
  Diagnostics d;
  return mppe_policy(parse(text, d));
}

TEST(MppePolicyTest, FromOptions) {
  EXPECT_FALSE(mppe("").enabled);
  auto p = mppe("require-mppe");
  EXPECT_TRUE(p.enabled && p.required && p.allow_40 && p.allow_56 && p.allow_128);
  EXPECT_FALSE(p.allow_stateful);
  p = mppe("require-mppe nomppe-40 mppe-stateful");
  EXPECT_TRUE(p.enabled && p.allow_128 && p.allow_stateful);
  EXPECT_FALSE(p.allow_40);
  EXPECT_FALSE(p.allow_56);
  p = mppe("require-mppe-40");
  EXPECT_TRUE(p.allow_40);
  EXPECT_FALSE(p.allow_128);
  EXPECT_FALSE(mppe("require-mppe-128 nomppe").enabled);
  EXPECT_FALSE(mppe("require-mppe-128 nomppe-128").enabled);
  EXPECT_FALSE(mppe("require-mppe noccp").enabled);
  EXPECT_FALSE(mppe("mppe-stateful nomppe-stateful require-mppe").allow_stateful);
}

// OpenWrt's and DD-WRT's pppd spell MPPE as one `mppe` option with a comma
// list; OpenWrt's stock options.pptpd has "mppe required,no40,no56,stateless".
struct Mppe {
  bool enabled, required, allow_40, allow_56, allow_128, allow_stateful;
  bool operator==(const Mppe&) const = default;
};
Mppe mppe_of(std::string_view text) {
  Diagnostics d;
  MppePolicy p = mppe_policy(parse(text, d));
  EXPECT_TRUE(d.empty()) << text << "\n" << all(d);
  return {p.enabled, p.required, p.allow_40, p.allow_56, p.allow_128, p.allow_stateful};
}

TEST(MppePolicyTest, OpenWrtMppeOptionWithItsMeaning) {
  // required: MPPE required; noNN: that key length refused; stateless:
  // stateless mode only. Without required MPPE is used if the peer agrees.
  EXPECT_EQ(mppe_of("mppe required,no40,no56,stateless\nrequire-mschap-v2\n"),
            mppe_of("require-mppe-128"));
  EXPECT_EQ(mppe_of("mppe required,no40,no56,stateless"),
            (Mppe{true, true, false, false, true, false}));
  EXPECT_EQ(mppe_of("mppe required"), (Mppe{true, true, true, true, true, true}));
  EXPECT_EQ(mppe_of("mppe required,stateless"), (Mppe{true, true, true, true, true, false}));
  EXPECT_EQ(mppe_of("mppe required,no56,no128"), (Mppe{true, true, true, false, false, true}));
  EXPECT_EQ(mppe_of("mppe required,no40,no128"), (Mppe{true, true, false, true, false, true}));
  EXPECT_EQ(mppe_of("mppe no40"), (Mppe{true, false, false, true, true, true}));
  EXPECT_EQ(mppe_of("mppe stateless"), (Mppe{true, false, true, true, true, false}));
  EXPECT_EQ(mppe_of("mppe REQUIRED,No40,nO56,Stateless"), mppe_of("require-mppe-128"));
  // No key length left without required: MPPE off, as nomppe.
  EXPECT_FALSE(mppe_of("require-mppe-128 mppe no40,no56,no128").enabled);
  // The pppd options still work after it, the last one read wins.
  EXPECT_EQ(mppe_of("mppe required,no40,no56 require-mppe"), mppe_of("require-mppe mppe-stateful"));
  EXPECT_EQ(mppe_of("mppe no40 require-mppe-128"), (Mppe{true, true, false, true, true, true}));
  EXPECT_EQ(mppe_of("mppe required,no40,no56,stateless mppe-stateful").allow_stateful, true);
  EXPECT_FALSE(mppe_of("mppe required nomppe").enabled);
  EXPECT_FALSE(mppe_of("mppe required noccp").enabled);
}

TEST(MppePolicyTest, OpenWrtMppeOptionErrorsOncePerCause) {
  for (auto [text, msg] : std::map<std::string, std::string>{
           {"mppe required,stateful",
            "opts:1: invalid parameter 'stateful' for mppe option (required, stateless, no40, "
            "no56, no128)"},
           {"mppe required,,no40",
            "opts:1: invalid parameter '' for mppe option (required, stateless, no40, no56, "
            "no128)"},
           {"mppe 128",
            "opts:1: invalid parameter '128' for mppe option (required, stateless, "
            "no40, no56, no128)"},
           {"mppe required,no40,no56,no128",
            "opts:1: mppe: required, but no40, no56 and no128 leave no key length"},
           {"mppe",
            "opts:1: mppe: no list after it (required, stateless, no40, no56, no128); the next "
            "word, 'require-mschap-v2' on line 2, is not one"},
       }) {
    Diagnostics d;
    parse(text + "\nrequire-mschap-v2\n", d);
    ASSERT_EQ(d.size(), 1u) << text << "\n" << all(d);
    EXPECT_TRUE(d[0].is_error);
    EXPECT_EQ(d[0].str(), msg);
  }
  Diagnostics d;
  parse("mppe", d);
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_EQ(d[0].str(), "opts:1: too few parameters for option 'mppe'");
}

}  // namespace
}  // namespace pptpx::config
