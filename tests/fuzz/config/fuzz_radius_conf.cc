// SPDX-License-Identifier: MIT
// Fuzzes the radiusclient.conf and servers-file parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/radius_conf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pptpx::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Diagnostics d;
  RadiusClientConf c = parse_radiusclient_conf(text, "fuzz", d);
  for (const RadiusServerSpec& s : c.auth_servers)
    if (s.host.empty() || s.port == 0) __builtin_trap();
  (void)parse_radius_servers(text, "fuzz", d);
  return 0;
}
