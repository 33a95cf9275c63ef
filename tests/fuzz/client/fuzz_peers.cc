// SPDX-License-Identifier: MIT
// Fuzzes what `pptpx call NAME` reads: a peers file (pppd options, includes
// answered from memory so no file is touched) and the pptp-linux command
// line of its `pty` option. The input is parsed both as a peers file and,
// whole, as a pty command line, so the fuzzer reaches the pty parser without
// having to write the option around it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/ppp_options.h"
#include "config/pty_command.h"

using namespace pptpx::config;

namespace {

void check(const PtyCommand& p) {
  // A usable command names its host; an unusable one says why.
  if (p.error.empty() && p.host.empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseContext ctx;
  ctx.peers_dir = "/etc/ppp/peers";
  ctx.read_file = [&](const std::string&) {
    return FileReadResult{std::string(text.substr(text.size() / 2)), {}};
  };
  ctx.max_include_depth = 3;
  PppOptions o;
  Diagnostics d;
  parse_options_text(text, "/etc/ppp/peers/fuzz", o, d, ctx);
  if (o.pty) check(parse_pty_command(*o.pty));
  check(parse_pty_command(text));
  return 0;
}
