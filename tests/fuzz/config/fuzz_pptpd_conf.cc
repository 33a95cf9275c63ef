// SPDX-License-Identifier: MIT
// Fuzzes the pptpd.conf parser and the localip/remoteip slot table.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/pptpd_conf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pptpx::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Diagnostics d;
  PptpdConf c = parse_pptpd_conf(text, "fuzz", d);
  (void)build_slot_table(c, "fuzz", d);
  return 0;
}
