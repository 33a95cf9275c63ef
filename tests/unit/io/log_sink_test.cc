// SPDX-License-Identifier: MIT
// The system log sink: the level threshold and debug, stderr alone, the
// syslog switch (against a socket at /dev/log in a private mount namespace,
// root only), reopening a rotated log file, and the syslog socket check.
#include "io/log_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace pptpx::io {
namespace {

using test::slurp;

// The lines of a log file without their timestamps ("info: text").
std::vector<std::string> log_lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(slurp(path));
  for (std::string l; std::getline(in, l);) out.push_back(l.size() > 24 ? l.substr(24) : l);
  return out;
}

// A sink writing only to a log file in dir.
SystemLogSink::Options file_only(const test::TempDir& dir, LogLevel level = LogLevel::kInfo) {
  SystemLogSink::Options o;
  o.syslog = false;
  o.logfile = dir.file("log");
  o.level = level;
  return o;
}

// A unix socket of the given type bound at path (listening, for a stream).
Fd bound_socket(const std::string& path, int type) {
  Fd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof sun) != 0) return Fd();
  if (type == SOCK_STREAM && ::listen(fd.get(), 1) != 0) return Fd();
  return fd;
}

TEST(LogLevel, NamesParseBack) {
  for (LogLevel l :
       {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice, LogLevel::kInfo, LogLevel::kDebug})
    EXPECT_EQ(parse_log_level(log_level_name(l)), l);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::kWarning);
  EXPECT_FALSE(parse_log_level("warn"));
  EXPECT_FALSE(parse_log_level("INFO"));
  EXPECT_FALSE(parse_log_level(""));
}

TEST(LogSink, ThresholdAndDebugOverIt) {
  test::TempDir dir;
  SystemLogSink sink(file_only(dir, LogLevel::kWarning));
  Logger log(sink);
  EXPECT_EQ(sink.level(), LogLevel::kWarning);
  EXPECT_FALSE(sink.debug());
  log.error("e1");
  log.warn("w1");
  log.notice("n1");
  log.info("i1");
  log.debug("d1");
  sink.set_debug(true);  // debug on passes every level
  log.info("i2");
  log.debug("d2");
  sink.set_debug(false);  // and off goes back to warning
  log.notice("n3");
  log.warn("w3");
  EXPECT_EQ(log_lines(dir.file("log")),
            (std::vector<std::string>{"error: e1", "warning: w1", "info: i2", "debug: d2",
                                      "warning: w3"}));
}

TEST(LogSink, LevelDebugIsDebugOnOverInfo) {
  test::TempDir dir;
  SystemLogSink sink(file_only(dir, LogLevel::kDebug));
  Logger log(sink);
  EXPECT_TRUE(sink.debug());
  EXPECT_EQ(sink.level(), LogLevel::kInfo);
  log.debug("d1");
  sink.set_debug(false);
  log.debug("d2");
  log.info("i2");
  EXPECT_EQ(log_lines(dir.file("log")), (std::vector<std::string>{"debug: d1", "info: i2"}));
}

TEST(LogSink, DefaultsPassAllButDebug) {
  SystemLogSink::Options o;
  o.syslog = false;
  SystemLogSink sink(o);
  EXPECT_TRUE(sink.enabled(LogLevel::kInfo));
  EXPECT_FALSE(sink.enabled(LogLevel::kDebug));
}

// The foreground: each line once on stderr, and nothing else written there.
TEST(LogSink, StderrOnlyEachLineOnce) {
  test::TempDir dir;
  std::string path = dir.file("stderr");
  int saved = ::dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  {
    Fd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    ASSERT_TRUE(f.valid());
    ASSERT_EQ(::dup2(f.get(), STDERR_FILENO), STDERR_FILENO);
  }
  {
    SystemLogSink::Options o;
    o.syslog = false;
    o.stderr_output = true;
    SystemLogSink sink(o);
    Logger(sink).notice("first");
    Logger(sink, "ctrl").info("second");
  }
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  EXPECT_EQ(log_lines(path), (std::vector<std::string>{"notice: first", "info: ctrl: second"}));
}

// Logrotate moves the file away, then SIGHUP reopens the path: new lines go
// to a new file, the moved one keeps the old lines.
TEST(LogSink, ReopenAfterRotation) {
  test::TempDir dir;
  SystemLogSink sink(file_only(dir));
  Logger log(sink);
  EXPECT_TRUE(sink.has_logfile());
  log.info("before");
  ASSERT_EQ(::rename(dir.file("log").c_str(), dir.file("log.1").c_str()), 0);
  log.info("moved");  // still the open file
  ASSERT_FALSE(sink.open_logfile(dir.file("log")));
  log.info("after");
  EXPECT_EQ(log_lines(dir.file("log.1")),
            (std::vector<std::string>{"info: before", "info: moved"}));
  EXPECT_EQ(log_lines(dir.file("log")), (std::vector<std::string>{"info: after"}));
  // A path that cannot be opened keeps the file open until now.
  EXPECT_TRUE(sink.open_logfile(dir.file("no/such/dir/log")));
  log.info("kept");
  EXPECT_EQ(log_lines(dir.file("log")), (std::vector<std::string>{"info: after", "info: kept"}));
  sink.close_logfile();
  EXPECT_FALSE(sink.has_logfile());
  log.info("nowhere");
  EXPECT_EQ(log_lines(dir.file("log")).size(), 2u);
}

TEST(SyslogSocket, Check) {
  test::TempDir dir;
  EXPECT_EQ(check_syslog_socket(dir.file("missing")), std::errc::no_such_file_or_directory);
  std::ofstream(dir.file("plain")) << "x";
  EXPECT_TRUE(check_syslog_socket(dir.file("plain")));
  Fd dgram = bound_socket(dir.file("dgram"), SOCK_DGRAM);
  ASSERT_TRUE(dgram.valid());
  EXPECT_FALSE(check_syslog_socket(dir.file("dgram")));
  Fd stream = bound_socket(dir.file("stream"), SOCK_STREAM);
  ASSERT_TRUE(stream.valid());
  EXPECT_FALSE(check_syslog_socket(dir.file("stream")));
  EXPECT_TRUE(check_syslog_socket(std::string(200, 'x')));
}

// In a forked child with its own mount namespace and a tmpfs on /dev: a
// datagram socket at /dev/log, then one sink with syslog and one without.
// The exit status: 0 as expected, 77 no namespace, else the failed step.
int syslog_child() {
  if (::unshare(CLONE_NEWNS) != 0) return 77;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 77;
  if (::mount("tmpfs", "/dev", "tmpfs", 0, "size=64k") != 0) return 77;
  Fd server = bound_socket(kSyslogSocket, SOCK_DGRAM);
  if (!server.valid() || check_syslog_socket()) return 2;
  char buf[512];
  {
    SystemLogSink::Options o;
    o.ident = "pptpx-test";
    SystemLogSink sink(o);
    Logger(sink).notice("to syslog");
    if (!test::wait_readable(server.get())) return 3;
    ssize_t n = ::recv(server.get(), buf, sizeof buf - 1, 0);
    if (n <= 0) return 4;
    buf[n] = 0;
    // RFC 3164's PRI: LOG_DAEMON (3 << 3) | LOG_NOTICE (5) = 29.
    if (!std::strstr(buf, "<29>") || !std::strstr(buf, "pptpx-test[") ||
        !std::strstr(buf, ": to syslog"))
      return 5;
  }
  {
    SystemLogSink::Options o;
    o.syslog = false;
    SystemLogSink sink(o);
    Logger(sink).notice("not to syslog");
    if (test::wait_readable(server.get(), 200)) return 6;
  }
  return 0;
}

TEST(LogSink, SyslogSwitch) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(syslog_child());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "no private mount namespace";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace pptpx::io
