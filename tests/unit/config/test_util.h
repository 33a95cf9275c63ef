// SPDX-License-Identifier: MIT
// Helpers shared by the config tests.
#pragma once

#include <string>

#include "config/diagnostic.h"
#include "config/ppp_options.h"

namespace pptpx::config {

inline std::string data_path(const std::string& name) {
  return std::string(PPTPX_TEST_DATA) + "/config/" + name;
}

// Resolves relative paths against tests/data/config, as pppd would against
// its working directory.
inline ParseContext data_context() {
  ParseContext ctx;
  ctx.read_file = [](const std::string& p) {
    return read_whole_file(p.empty() || p[0] == '/' ? p : data_path(p));
  };
  return ctx;
}

inline std::string all(const Diagnostics& d) {
  std::string s;
  for (const auto& x : d) s += (x.is_error ? "E " : "W ") + x.str() + "\n";
  return s;
}

}  // namespace pptpx::config
