#include "base/log.h"

namespace pptpx {

namespace {
class NullSink final : public LogSink {
 public:
  void write(LogLevel, std::string_view) override {}
  bool enabled(LogLevel) const override { return false; }
};
}  // namespace

LogSink& null_log_sink() {
  static NullSink sink;
  return sink;
}

}  // namespace pptpx
