// SPDX-License-Identifier: MIT
#include "base/log.h"

namespace pptpx {

namespace {
class NullSink final : public LogSink {
 public:
  void write(LogLevel, std::string_view) override {}
  bool enabled(LogLevel) const override { return false; }
};
constexpr LogLevel kLevels[] = {LogLevel::kError, LogLevel::kWarning, LogLevel::kNotice,
                                LogLevel::kInfo, LogLevel::kDebug};

}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "?";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel l : kLevels)
    if (name == log_level_name(l)) return l;
  return std::nullopt;
}

LogSink& null_log_sink() {
  static NullSink sink;
  return sink;
}

}  // namespace pptpx
