// SPDX-License-Identifier: MIT
// Fuzzes the pppd options tokenizer and parser from memory; includes are
// answered by an in-memory reader so no file is touched.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/ppp_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pptpx::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseContext ctx;
  ctx.read_file = [&](const std::string&) {
    return FileReadResult{std::string(text.substr(0, 64)), {}};
  };
  ctx.max_include_depth = 3;
  PppOptions o;
  Diagnostics d;
  parse_options_text(text, "fuzz", o, d, ctx);
  (void)peer_auth_protocols(o);
  (void)mppe_policy(o);
  return 0;
}
