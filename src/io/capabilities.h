// SPDX-License-Identifier: MIT
// Linux capabilities of this process (capget/capset and prctl, no libcap):
// what pptpxd keeps for the rest of its life once it has started, and what
// /proc/PID/status would show.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "io/result.h"

namespace pptpx::io {

// A set of capabilities, bit N for capability N (CAP_CHOWN is 0).
using CapMask = uint64_t;
constexpr CapMask cap_bit(int cap) { return CapMask{1} << cap; }

struct CapSets {
  CapMask effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
};

// This process's sets; nullopt when capget fails.
std::optional<CapSets> read_capabilities();

// "cap_net_admin,cap_net_raw" (lower case, as capsh prints them); "none"
// for the empty set.
std::string cap_names(CapMask m);

// What a running process keeps: `bound` in the bounding set (what the
// scripts it starts can hold: a uid 0 process gets its bounding set at
// execve, and with no_new_privs no more than its permitted set), `bound` in
// the permitted set too, only `effective` (a subset) in use, no inheritable
// or ambient capabilities. Capabilities already missing stay missing.
// Needs CAP_SETPCAP only when the bounding set shrinks.
[[nodiscard]] std::error_code limit_capabilities(CapMask effective, CapMask bound);

}  // namespace pptpx::io
