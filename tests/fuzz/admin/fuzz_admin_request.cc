// SPDX-License-Identifier: MIT
// Fuzzes the control socket's protocol (app/common/admin_protocol.h) from
// both ends: pptpxd's parser of a request line (JSON or words), which must
// read back what pptpxctl would write for the request it returns (names
// in UTF-8; other octets go as U+FFFD), and
// pptpxctl's formatting of an answer, whatever JSON it holds.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "app/common/admin_protocol.h"
#include "app/ctl/format.h"

using namespace pptpx;

namespace {

bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

void format_all(const nlohmann::json& j) {
  (void)ctl::format_sessions(j);
  (void)ctl::format_show(j);
  (void)ctl::format_blocks(j, true);
  (void)ctl::format_stats(j);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto r = app::parse_admin_request(line, &error)) {
    std::string again = app::admin_request_line(*r);
    if (again.empty() || again.back() != '\n') __builtin_trap();
    again.pop_back();
    // Escaped control characters may take it past the longest request:
    // then pptpxd refuses it, saying so.
    if (again.size() > app::kMaxAdminRequest) return 0;
    std::string error2;
    auto r2 = app::parse_admin_request(again, &error2);
    // Names not in UTF-8 go with U+FFFD in place of what is not.
    const bool exact = valid_utf8(r->target) && valid_utf8(r->reason);
    if (!r2 || (exact && (r2->target != r->target || r2->reason != r->reason)) ||
        r2->command != r->command || r2->on != r->on)
      __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap();  // a refusal names its cause
  }
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) return 0;
  format_all(j);
  for (const char* key : {"sessions", "blocks", "stats"}) {
    if (j.is_object() && j.contains(key)) format_all(j[key]);
  }
  return 0;
}
