// SPDX-License-Identifier: MIT
// Diagnostics collected by the config parsers: "file:line: message".
// Errors stop start-up (exit 2); warnings are logged. Secrets never appear
// in a message.
#pragma once

#include <string>
#include <vector>

namespace pptpx::config {

struct Diagnostic {
  std::string file;
  int line = 0;  // 0: no line (command line, whole file)
  bool is_error = false;
  std::string message;

  std::string str() const {
    if (line > 0) return file + ":" + std::to_string(line) + ": " + message;
    return file + ": " + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

inline bool has_errors(const Diagnostics& d) {
  for (const auto& x : d)
    if (x.is_error) return true;
  return false;
}

}  // namespace pptpx::config
