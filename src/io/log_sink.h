// SPDX-License-Identifier: MIT
// The process's LogSink: syslog (ident, LOG_DAEMON, LOG_PID) unless turned
// off, stderr or another descriptor (with a timestamp, for -f runs and
// pppd's `logfd`) and a log file (pppd's `logfile`). A line passes when its
// level is at or above the threshold (--log-level), or when debug is on.
#pragma once

#include <string>

#include "base/log.h"
#include "io/result.h"

namespace pptpx::io {

class SystemLogSink final : public LogSink {
 public:
  struct Options {
    std::string ident = "pptpx";
    bool syslog = true;
    bool stderr_output = false;
    // pppd's `logfd N`: another descriptor written like stderr (ignored
    // with stderr_output).
    int log_fd = -1;
    // Lines less severe than this are dropped while debug is off; kDebug
    // here means debug on over kInfo.
    LogLevel level = LogLevel::kInfo;
    bool debug = false;
    std::string logfile;  // empty: none
  };

  explicit SystemLogSink(Options opts);
  ~SystemLogSink() override;
  SystemLogSink(const SystemLogSink&) = delete;
  SystemLogSink& operator=(const SystemLogSink&) = delete;

  void write(LogLevel level, std::string_view line) override;
  bool enabled(LogLevel level) const override { return debug_ || level <= level_; }

  // Debug on passes every line; off goes back to the threshold.
  void set_debug(bool on) { debug_ = on; }
  bool debug() const { return debug_; }
  LogLevel level() const { return level_; }
  // Opens the log file, or another one in its place (after logrotate moved
  // it away); on failure the file open until now stays.
  [[nodiscard]] std::error_code open_logfile(const std::string& path);
  void close_logfile();
  bool has_logfile() const { return logfile_.valid(); }

 private:
  std::string ident_;
  bool syslog_;
  int out_fd_;  // stderr or the logfd; -1: none
  LogLevel level_;
  bool debug_;
  Fd logfile_;
};

// "2024-01-02 03:04:05.678" in local time; for stderr and file lines.
std::string log_timestamp();

// Where syslog(3) sends its lines (glibc's _PATH_LOG).
inline constexpr const char* kSyslogSocket = "/dev/log";
// Whether a syslog daemon listens at path: a datagram, then a stream
// connect, as syslog(3) tries. Empty when one does.
[[nodiscard]] std::error_code check_syslog_socket(const std::string& path = kSyslogSocket);

}  // namespace pptpx::io
