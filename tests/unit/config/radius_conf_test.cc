// SPDX-License-Identifier: MIT
// radiusclient.conf and the servers file as pppd's radius.so reads them.
#include "config/radius_conf.h"

#include <gtest/gtest.h>

namespace pptpx::config {
namespace {

std::string all(const Diagnostics& d) {
  std::string s;
  for (const auto& x : d) s += x.str() + "\n";
  return s;
}

// Debian's radiusclient.conf as pppd-radius ships it (comments left out),
// pointed at two servers.
TEST(RadiusConf, StockFileWithTwoServers) {
  Diagnostics d;
  RadiusClientConf c = parse_radiusclient_conf(
      "auth_order\tradius\nlogin_tries\t4\nlogin_timeout\t60\nnologin /etc/nologin\n"
      "issue\t/etc/radiusclient/issue\n"
      "authserver \t10.0.0.5,10.0.0.6:1645\nacctserver \t10.0.0.5:1813\n"
      "servers\t\t/etc/radiusclient/servers\ndictionary \t/etc/radiusclient/dictionary\n"
      "login_radius\t/usr/sbin/login.radius\nseqfile\t\t/var/run/radius.seq\n"
      "mapfile\t\t/etc/radiusclient/port-id-map\ndefault_realm\n"
      "radius_timeout\t5\nradius_retries\t2\nlogin_local\t/bin/login\n",
      "radiusclient.conf", d);
  EXPECT_TRUE(d.empty()) << all(d);
  ASSERT_EQ(c.auth_servers.size(), 2u);
  EXPECT_EQ(c.auth_servers[0], (RadiusServerSpec{"10.0.0.5", 1812, "", 6}));
  EXPECT_EQ(c.auth_servers[1], (RadiusServerSpec{"10.0.0.6", 1645, "", 6}));
  ASSERT_EQ(c.acct_servers.size(), 1u);
  EXPECT_EQ(c.acct_servers[0].port, 1813);
  EXPECT_EQ(c.servers_file, "/etc/radiusclient/servers");
  EXPECT_EQ(c.timeout_seconds, 5);
  EXPECT_EQ(c.retries, 2);
}

TEST(RadiusConf, RadcliSecretsNasAttributesAndErrors) {
  Diagnostics d;
  RadiusClientConf c = parse_radiusclient_conf(
      "authserver a.example:1812:s3#cret\nnas-identifier vpn-1 # not a comment\n"
      "nas-ip-address 192.0.2.1\nbindaddr *\nradius_deadtime 60\n",
      "rc", d);
  EXPECT_TRUE(d.empty()) << all(d);
  EXPECT_EQ(c.auth_servers.at(0).secret, "s3#cret");
  EXPECT_EQ(c.nas_identifier, "vpn-1 # not a comment");
  EXPECT_EQ(c.nas_ip_address, Ipv4{0xc0000201});
  EXPECT_FALSE(c.bind_address);
  EXPECT_EQ(c.deadtime_seconds, 60);

  d.clear();
  c = parse_radiusclient_conf(
      "authserver x:99999 [::1]\nradius_timeout 0\nnas-ip-address here\nfrobnicate 1\n"
      "default_realm corp\n",
      "rc", d);
  ASSERT_EQ(d.size(), 7u) << all(d);
  EXPECT_EQ(d[0].str(), "rc:1: authserver x:99999: the port must be a number from 1 to 65535");
  EXPECT_EQ(d[1].str(),
            "rc:1: authserver [::1]: IPv6 RADIUS servers are not supported yet, ignored");
  EXPECT_EQ(d[2].str(), "rc:2: radius_timeout '0' must be a number from 1 to 600");
  EXPECT_EQ(d[3].str(), "rc:3: nas-ip-address 'here' is not an IPv4 address (a.b.c.d)");
  EXPECT_EQ(d[4].str(), "rc:4: 'frobnicate' is not supported by pptpx, ignored");
  EXPECT_EQ(d[5].str(),
            "rc:5: default_realm corp is not supported by pptpx yet: user names are sent as the "
            "clients give them");
  EXPECT_EQ(d[6].str(),
            "rc: no authserver: name the RADIUS server, e.g. 'authserver 10.0.0.5:1812'");
  EXPECT_TRUE(d[6].is_error);
}

TEST(RadiusConf, ServersFile) {
  Diagnostics d;
  auto m = parse_radius_servers("# host secret\n10.0.0.5\ts3cret\nlocalhost  x#y  extra\nlonely\n",
                                "servers", d);
  ASSERT_EQ(d.size(), 1u) << all(d);
  EXPECT_EQ(d[0].str(), "servers:4: 'lonely' has no secret");
  EXPECT_EQ(m.at("10.0.0.5"), "s3cret");
  EXPECT_EQ(m.at("localhost"), "x#y");
}

}  // namespace
}  // namespace pptpx::config
