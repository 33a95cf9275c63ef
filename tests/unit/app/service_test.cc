// SPDX-License-Identifier: MIT
// What pptpxd tells systemd (app::ServiceStatus through a FakeNotifier) and
// the messages of a failed start (app/server/service.h).
#include "app/server/service.h"

#include <gtest/gtest.h>

#include "app/common/service_status.h"
#include "support/fake_notifier.h"

namespace pptpx {
namespace {

// Collects log lines.
class LinesSink final : public LogSink {
 public:
  bool enabled(LogLevel) const override { return true; }
  void write(LogLevel, std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

const io::SocketAddress kAny{Ipv4{}, 1723};

TEST(ServiceStatusTest, ReadyReloadStatusAndStoppingAsSystemdReadsThem) {
  test::FakeNotifier n;
  app::ServiceStatus s(n, Logger());
  s.ready(server::status_line(0, kAny));
  s.status("0 sessions, listening on 0.0.0.0:1723");  // unchanged: not sent
  s.status(server::status_line(1, kAny));
  s.reloading();
  s.ready(server::status_line(1, kAny));
  s.stopping();
  EXPECT_EQ(n.messages, (std::vector<std::string>{
                            "READY=1\nSTATUS=0 sessions, listening on 0.0.0.0:1723",
                            "STATUS=1 session, listening on 0.0.0.0:1723",
                            "RELOADING=1",
                            "READY=1\nSTATUS=1 session, listening on 0.0.0.0:1723",
                            "STOPPING=1",
                        }));
}

TEST(ServiceStatusTest, AFailureToNotifyIsLoggedOnce) {
  test::FakeNotifier n;
  n.fail = std::make_error_code(std::errc::connection_refused);
  LinesSink sink;
  app::ServiceStatus s(n, Logger(sink));
  s.ready("x");
  s.stopping();
  EXPECT_EQ(n.messages.size(), 2u);
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_NE(sink.lines[0].find("cannot notify the service manager (NOTIFY_SOCKET)"),
            std::string::npos);
  EXPECT_NE(sink.lines[0].find("READY=1"), std::string::npos);
}

TEST(ServiceMessagesTest, PortTakenNamesTheProgramAndItsUnit) {
  io::PortOwner o{1234, "pptpd", "pptpd.service"};
  EXPECT_EQ(server::listen_failure(kAny, std::make_error_code(std::errc::address_in_use), o,
                                   "/etc/pptpd.conf"),
            "cannot listen on 0.0.0.0:1723: port 1723 is taken by pptpd (pid 1234); stop it "
            "(systemctl stop pptpd) or set another address with 'listen' in /etc/pptpd.conf");
  o.unit.clear();
  EXPECT_EQ(server::listen_failure(kAny, std::make_error_code(std::errc::address_in_use), o,
                                   "/etc/pptpd.conf"),
            "cannot listen on 0.0.0.0:1723: port 1723 is taken by pptpd (pid 1234); stop it or "
            "set another address with 'listen' in /etc/pptpd.conf");
}

TEST(ServiceMessagesTest, PortTakenByAnUnknownProgramSaysHowToFindIt) {
  std::string m = server::listen_failure(kAny, std::make_error_code(std::errc::address_in_use),
                                         std::nullopt, "/etc/pptpd.conf");
  EXPECT_NE(m.find("port 1723 is already in use (`ss -ltnp 'sport = :1723'`"), std::string::npos)
      << m;
}

TEST(ServiceMessagesTest, MissingPrivilegesNameTheCapability) {
  for (auto e : {std::errc::permission_denied, std::errc::operation_not_permitted}) {
    std::string m = server::listen_failure(kAny, std::make_error_code(e), std::nullopt, "c");
    EXPECT_NE(m.find("needs root or CAP_NET_BIND_SERVICE"), std::string::npos) << m;
    m = server::gre_failure(std::make_error_code(e));
    EXPECT_NE(m.find("cannot open the raw GRE socket (IP protocol 47)"), std::string::npos) << m;
    EXPECT_NE(m.find("needs root or CAP_NET_RAW"), std::string::npos) << m;
  }
}

TEST(ServiceMessagesTest, AnAddressNoInterfaceHasPointsAtListen) {
  io::SocketAddress at{*Ipv4::parse("192.0.2.7"), 1723};
  EXPECT_EQ(server::listen_failure(at, std::make_error_code(std::errc::address_not_available),
                                   std::nullopt, "/etc/pptpd.conf"),
            "cannot listen on 192.0.2.7:1723: no interface here has the address 192.0.2.7; fix "
            "'listen' in /etc/pptpd.conf");
}

}  // namespace
}  // namespace pptpx
