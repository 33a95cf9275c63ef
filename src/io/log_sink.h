// The process's LogSink: syslog (ident, LOG_DAEMON, LOG_PID) and optionally
// stderr or another descriptor (with a timestamp, for -f/debug runs and
// pppd's `logfd`) and a log file (pppd's `logfile`). Debug lines pass only
// when debug is on.
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
    bool debug = false;
    std::string logfile;  // empty: none
  };

  explicit SystemLogSink(Options opts);
  ~SystemLogSink() override;
  SystemLogSink(const SystemLogSink&) = delete;
  SystemLogSink& operator=(const SystemLogSink&) = delete;

  void write(LogLevel level, std::string_view line) override;
  bool enabled(LogLevel level) const override { return debug_ || level != LogLevel::kDebug; }

  void set_debug(bool on) { debug_ = on; }
  // Opens (or reopens, after rotation on SIGHUP) the log file.
  [[nodiscard]] std::error_code open_logfile(const std::string& path);
  void close_logfile();

 private:
  std::string ident_;
  bool syslog_;
  int out_fd_;  // stderr or the logfd; -1: none
  bool debug_;
  Fd logfile_;
};

// "2024-01-02 03:04:05.678" in local time; for stderr and file lines.
std::string log_timestamp();

}  // namespace pptpx::io
