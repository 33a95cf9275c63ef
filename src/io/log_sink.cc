// syslog/stderr/file LogSink (see log_sink.h).
#include "io/log_sink.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace pptpx::io {
namespace {

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "?";
}

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

SystemLogSink::SystemLogSink(Options opts)
    : ident_(std::move(opts.ident)),
      syslog_(opts.syslog),
      out_fd_(opts.stderr_output ? STDERR_FILENO : opts.log_fd),
      debug_(opts.debug) {
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
  text += level_name(level);
  text += ": ";
  text.append(line);
  text += '\n';
  if (out_fd_ >= 0) write_all(out_fd_, text);
  if (logfile_.valid()) write_all(logfile_.get(), text);
}

}  // namespace pptpx::io
