// SPDX-License-Identifier: MIT
// syslog/stderr/file LogSink (see log_sink.h).
#include "io/log_sink.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace pptpx::io {
namespace {

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere left to report a logging failure
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string log_timestamp() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  ::localtime_r(&ts.tv_sec, &t);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &t);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03ld", ts.tv_nsec / 1000000);
  return buf;
}

std::error_code check_syslog_socket(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sun.sun_path))
    return std::make_error_code(std::errc::filename_too_long);
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  std::error_code ec;
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    Fd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return errno_error();
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof(sun)) == 0) return {};
    ec = errno_error();
  }
  return ec;
}

SystemLogSink::SystemLogSink(Options opts)
    : ident_(std::move(opts.ident)),
      syslog_(opts.syslog),
      out_fd_(opts.stderr_output ? STDERR_FILENO : opts.log_fd),
      level_(std::min(opts.level, LogLevel::kInfo)),
      debug_(opts.debug || opts.level == LogLevel::kDebug) {
  // openlog keeps the pointer: ident_ lives as long as this sink.
  if (syslog_) ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
  if (!opts.logfile.empty()) (void)open_logfile(opts.logfile);
}

SystemLogSink::~SystemLogSink() {
  if (syslog_) ::closelog();
}

std::error_code SystemLogSink::open_logfile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return errno_error();
  logfile_ = std::move(fd);
  return {};
}

void SystemLogSink::close_logfile() { logfile_.reset(); }

void SystemLogSink::write(LogLevel level, std::string_view line) {
  if (!enabled(level)) return;
  if (syslog_) {
    ::syslog(static_cast<int>(level), "%.*s", static_cast<int>(line.size()), line.data());
  }
  if (out_fd_ < 0 && !logfile_.valid()) return;
  std::string text = log_timestamp();
  text += ' ';
  text += log_level_name(level);
  text += ": ";
  text.append(line);
  text += '\n';
  if (out_fd_ >= 0) write_all(out_fd_, text);
  if (logfile_.valid()) write_all(logfile_.get(), text);
}

}  // namespace pptpx::io
