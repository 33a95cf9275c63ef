// SPDX-License-Identifier: MIT
// pptpxctl's output: pptpxd's JSON answers (app/common/admin_protocol.h)
// as tables and lists for people. Pure functions, unit-tested.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace pptpx::ctl {

// 1536 -> "1.5 KiB"; below 1024, "N B".
std::string human_bytes(uint64_t n);
// 3725 -> "1h02m05s"; from a day on, "2d03h".
std::string human_duration(int64_t seconds);

// `sessions`: one aligned row per session, a header first; "no sessions"
// when there are none.
std::string format_sessions(const nlohmann::json& sessions);
// `show`: each session as "key: value" lines, nested objects as "a.b".
std::string format_show(const nlohmann::json& sessions);
// `blocks`: one aligned row per address or user with failed logins, a
// header first; "no failed logins" when there are none, and a note when
// the throttle is off.
std::string format_blocks(const nlohmann::json& blocks, bool throttle_on);
// `stats`: "key value" lines, aligned, nested objects as "a.b".
std::string format_stats(const nlohmann::json& stats);

}  // namespace pptpx::ctl
