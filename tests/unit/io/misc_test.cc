// SPDX-License-Identifier: MIT
// Pid file, wtmp records, the log sink, the ip_forward and /proc/net/netstat readers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <utmp.h>

#include <fstream>
#include <sstream>

#include "io/daemon.h"
#include "io/log_sink.h"
#include "io/netlink.h"
#include "io/netstat.h"
#include "io/pidfile.h"
#include "io/wtmp.h"
#include "test_util.h"

namespace pptpx::io {
namespace {

using test::slurp;

TEST(PidFile, WriteAndRemove) {
  test::TempDir dir;
  std::string path = dir.file("pptpd.pid");
  ASSERT_FALSE(write_pidfile(path, 4242));
  EXPECT_EQ(slurp(path), "4242\n");
  ASSERT_FALSE(remove_pidfile(path));
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  EXPECT_FALSE(remove_pidfile(path));  // already gone is fine
  {
    auto p = PidFile::lock(path);
    ASSERT_TRUE(p.ok());
    ASSERT_FALSE(p->write());
    EXPECT_EQ(slurp(path), std::to_string(::getpid()) + "\n");
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  EXPECT_TRUE(write_pidfile(dir.file("no/such/dir/x.pid"), 1));
}

TEST(PidFile, Read) {
  test::TempDir dir;
  std::string path = dir.file("x.pid");
  EXPECT_EQ(read_pidfile(path), std::nullopt);
  std::ofstream(path) << "1234\nppp0\n";
  EXPECT_EQ(read_pidfile(path), std::optional<pid_t>(1234));
  std::ofstream(path) << "garbage\n";
  EXPECT_EQ(read_pidfile(path), std::nullopt);
  std::ofstream(path) << "12x\n";
  EXPECT_EQ(read_pidfile(path), std::nullopt);
}

// A second lock on a held pid file fails and changes nothing; once the
// holder is gone (the file removed), the lock is free again.
TEST(PidFile, LockedOnce) {
  test::TempDir dir;
  std::string path = dir.file("pptpd.pid");
  auto first = PidFile::lock(path);
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->write());
  {
    auto second = PidFile::lock(path);
    ASSERT_FALSE(second.ok());
    EXPECT_TRUE(already_running(second.error()));
  }
  EXPECT_EQ(read_pidfile(path), std::optional<pid_t>(::getpid()));
  first = PidFile();
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
  auto third = PidFile::lock(path);
  EXPECT_TRUE(third.ok());
}

// A stale pid file (no process holds it) is taken over; the lock follows
// a fork, and only the process that wrote the pid removes the file.
TEST(PidFile, StaleAndFork) {
  test::TempDir dir;
  std::string path = dir.file("pptpd.pid");
  std::ofstream(path) << "99999\n";
  auto p = PidFile::lock(path);
  ASSERT_TRUE(p.ok());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes its pid and exits without removing the file (as
    // after daemonising, the file stays with the daemon).
    _exit(p->write() ? 1 : 0);
  }
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  EXPECT_EQ(read_pidfile(path), std::optional<pid_t>(child));
  p = PidFile();  // this process did not write it: the file stays
  EXPECT_EQ(::access(path.c_str(), F_OK), 0);
}

// A relative path is kept absolute: the file is found again from /.
TEST(PidFile, RelativePath) {
  test::TempDir dir;
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  auto p = PidFile::lock("rel.pid");
  ASSERT_EQ(::chdir("/"), 0);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->path(), dir.file("rel.pid"));
  ASSERT_FALSE(p->write());
  p = PidFile();
  EXPECT_NE(::access(dir.file("rel.pid").c_str(), F_OK), 0);
  ASSERT_EQ(::chdir(cwd), 0);
}

TEST(Wtmp, LoginLogoutRecords) {
  test::TempDir dir;
  std::string path = dir.file("wtmp");
  EXPECT_FALSE(wtmp_login("ppp0", "user1", "192.0.2.7", path));  // no file: not created
  std::ofstream(path).close();
  ASSERT_TRUE(wtmp_login("ppp0", "user1", "192.0.2.7", path, 1234));
  ASSERT_TRUE(wtmp_logout("ppp0", path, 1234));
  std::ifstream f(path, std::ios::binary);
  utmp rec[2];
  ASSERT_TRUE(f.read(reinterpret_cast<char*>(rec), sizeof(rec)));
  EXPECT_EQ(rec[0].ut_type, USER_PROCESS);
  EXPECT_EQ(rec[0].ut_pid, 1234);
  EXPECT_STREQ(rec[0].ut_line, "ppp0");
  EXPECT_STREQ(rec[0].ut_user, "user1");
  EXPECT_STREQ(rec[0].ut_host, "192.0.2.7");
  EXPECT_GT(rec[0].ut_tv.tv_sec, 0);
  EXPECT_EQ(rec[1].ut_type, DEAD_PROCESS);
  EXPECT_STREQ(rec[1].ut_line, "ppp0");
  EXPECT_STREQ(rec[1].ut_user, "");
  EXPECT_STREQ(rec[1].ut_host, "");
  char extra;
  EXPECT_FALSE(f.read(&extra, 1));
}

TEST(LogSink, FileAndThreshold) {
  test::TempDir dir;
  std::string path = dir.file("log");
  SystemLogSink::Options o;
  o.syslog = false;
  o.logfile = path;
  SystemLogSink sink(o);
  Logger log(sink, "ctrl");
  log.info("hello {}", 42);
  log.debug("hidden");
  EXPECT_FALSE(sink.enabled(LogLevel::kDebug));
  sink.set_debug(true);
  log.debug("shown");
  std::string text = slurp(path);
  // "YYYY-MM-DD HH:MM:SS.mmm info: ctrl: hello 42\n"
  std::istringstream lines(text);
  std::string l1, l2, l3;
  std::getline(lines, l1);
  std::getline(lines, l2);
  EXPECT_FALSE(std::getline(lines, l3));
  ASSERT_GT(l1.size(), 24u);
  EXPECT_EQ(l1[4], '-');
  EXPECT_EQ(l1[19], '.');
  EXPECT_EQ(l1.substr(24), "info: ctrl: hello 42");
  EXPECT_EQ(l2.substr(24), "debug: ctrl: shown");
}

// pppd's `logfd N`: the same lines as stderr and the log file, on N.
TEST(LogSink, LogFdGetsTheFileFormat) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    SystemLogSink::Options o;
    o.syslog = false;
    o.log_fd = fds[1];
    SystemLogSink sink(o);
    Logger(sink).warn("no route to {}", "10.0.0.1");
  }
  close(fds[1]);
  char buf[256];
  ssize_t n = read(fds[0], buf, sizeof buf);
  close(fds[0]);
  ASSERT_GT(n, 24);
  EXPECT_EQ(std::string(buf + 24, static_cast<size_t>(n) - 24), "warning: no route to 10.0.0.1\n");
}

TEST(IpForward, ReadsProcFormat) {
  test::TempDir dir;
  std::ofstream(dir.file("on")) << "1\n";
  std::ofstream(dir.file("off")) << "0\n";
  EXPECT_TRUE(*ip_forward_enabled(dir.file("on")));
  EXPECT_FALSE(*ip_forward_enabled(dir.file("off")));
  EXPECT_FALSE(ip_forward_enabled(dir.file("missing")).ok());
  EXPECT_TRUE(ip_forward_enabled().ok());
}

TEST(Netstat, CountersFromProcText) {
  // /proc/net/netstat as the kernel writes it (trimmed): header, then values.
  const std::string text =
      "TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPTimeouts\n"
      "TcpExt: 0 1 17 19 4\n"
      "IpExt: InNoRoutes ListenOverflows\n"
      "IpExt: 5 6\n";
  EXPECT_EQ(netstat_counter(text, "TcpExt", "ListenOverflows"), 17u);
  EXPECT_EQ(netstat_counter(text, "TcpExt", "ListenDrops"), 19u);
  EXPECT_EQ(netstat_counter(text, "TcpExt", "TCPTimeouts"), 4u);
  EXPECT_EQ(netstat_counter(text, "IpExt", "ListenOverflows"), 6u);  // per group
  EXPECT_FALSE(netstat_counter(text, "TcpExt", "Nope"));
  EXPECT_FALSE(netstat_counter(text, "MPTcpExt", "ListenOverflows"));
  EXPECT_FALSE(netstat_counter("TcpExt: A ListenOverflows\nTcpExt: 1\n", "TcpExt",
                               "ListenOverflows"));  // short value line
  EXPECT_FALSE(
      netstat_counter("TcpExt: ListenOverflows\nTcpExt: x\n", "TcpExt", "ListenOverflows"));
  EXPECT_FALSE(netstat_counter("TcpExt: ListenOverflows\n", "TcpExt", "ListenOverflows"));

  test::TempDir dir;
  std::ofstream(dir.file("netstat")) << text;
  auto c = read_listen_counters(dir.file("netstat"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->overflows, 17u);
  EXPECT_EQ(c->drops, 19u);
  EXPECT_FALSE(read_listen_counters(dir.file("missing")).ok());
  EXPECT_TRUE(read_listen_counters().ok());  // this kernel's own file parses
  std::ofstream(dir.file("somaxconn")) << "4096\n";
  EXPECT_EQ(*read_somaxconn(dir.file("somaxconn")), 4096);
  EXPECT_TRUE(read_somaxconn().ok());
}

TEST(Ipv4Prefix, Contains) {
  Ipv4Prefix p{*Ipv4::parse("192.168.1.0"), 24};
  EXPECT_TRUE(p.contains(*Ipv4::parse("192.168.1.200")));
  EXPECT_FALSE(p.contains(*Ipv4::parse("192.168.2.1")));
  EXPECT_TRUE((Ipv4Prefix{{}, 0}).contains(*Ipv4::parse("8.8.8.8")));
  EXPECT_FALSE((Ipv4Prefix{*Ipv4::parse("10.0.0.1"), 32}).contains(*Ipv4::parse("10.0.0.2")));
}

}  // namespace
}  // namespace pptpx::io

namespace pptpx::io {
namespace {

TEST(Daemon, DetachesIntoNewSession) {
  test::TempDir dir;
  std::string out = dir.file("daemon");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The intermediate process: daemonize() exits it with status 0.
    if (daemonize()) ::_exit(3);
    char cwd[256] = {};
    bool ok = ::getcwd(cwd, sizeof(cwd)) != nullptr;
    std::ofstream(out + ".tmp") << (ok ? cwd : "?") << " " << (::getsid(0) == ::getpid()) << " "
                                << (::isatty(0) ? "tty" : "notty");
    ::rename((out + ".tmp").c_str(), out.c_str());
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  for (int i = 0; i < 200 && ::access(out.c_str(), F_OK) != 0; ++i) ::usleep(10000);
  EXPECT_EQ(slurp(out), "/ 1 notty");
}

}  // namespace
}  // namespace pptpx::io
