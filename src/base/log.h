// SPDX-License-Identifier: MIT
// Logging as an injected sink. Cores hold a Logger (sink + prefix) and never
// know where lines go; the shell's sink writes syslog and/or stderr.
// Secrets are never passed to a Logger.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pptpx {

// syslog's priorities (LOG_ERR..LOG_DEBUG): a smaller value is more severe.
enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

// "error", "warning", "notice", "info", "debug": the words --log-level
// takes and log files show.
const char* log_level_name(LogLevel level);
// The level a word names; nullopt for any other word.
std::optional<LogLevel> parse_log_level(std::string_view name);
// "error|warning|notice|info|debug", for usage and error messages.
inline constexpr std::string_view kLogLevelNames = "error|warning|notice|info|debug";

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(LogLevel level, std::string_view line) = 0;
  virtual bool enabled(LogLevel level) const { return level != LogLevel::kDebug; }
};

// Discards everything; the default for cores built without a sink.
LogSink& null_log_sink();

class Logger {
 public:
  Logger() : sink_(&null_log_sink()) {}
  explicit Logger(LogSink& sink, std::string prefix = {})
      : sink_(&sink), prefix_(std::move(prefix)) {}

  Logger child(std::string_view more) const {
    return Logger(*sink_, prefix_.empty() ? std::string(more) : prefix_ + " " + std::string(more));
  }
  const std::string& prefix() const { return prefix_; }
  bool enabled(LogLevel l) const { return sink_->enabled(l); }

  template <typename... Args>
  void log(LogLevel l, fmt::format_string<Args...> f, Args&&... args) const {
    if (!sink_->enabled(l)) return;
    std::string msg = fmt::format(f, std::forward<Args>(args)...);
    if (!prefix_.empty()) msg = prefix_ + ": " + msg;
    sink_->write(l, msg);
  }
  template <typename... A>
  void error(fmt::format_string<A...> f, A&&... a) const {
    log(LogLevel::kError, f, std::forward<A>(a)...);
  }
  template <typename... A>
  void warn(fmt::format_string<A...> f, A&&... a) const {
    log(LogLevel::kWarning, f, std::forward<A>(a)...);
  }
  template <typename... A>
  void notice(fmt::format_string<A...> f, A&&... a) const {
    log(LogLevel::kNotice, f, std::forward<A>(a)...);
  }
  template <typename... A>
  void info(fmt::format_string<A...> f, A&&... a) const {
    log(LogLevel::kInfo, f, std::forward<A>(a)...);
  }
  template <typename... A>
  void debug(fmt::format_string<A...> f, A&&... a) const {
    log(LogLevel::kDebug, f, std::forward<A>(a)...);
  }

 private:
  LogSink* sink_;
  std::string prefix_;
};

// Collects lines in memory; for tests.
class MemoryLogSink final : public LogSink {
 public:
  void write(LogLevel level, std::string_view line) override {
    lines.push_back({level, std::string(line)});
  }
  bool enabled(LogLevel) const override { return true; }
  struct Line {
    LogLevel level;
    std::string text;
  };
  std::vector<Line> lines;
};

}  // namespace pptpx
