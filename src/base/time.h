// SPDX-License-Identifier: MIT
// Time for sans-I/O cores: the shell passes the current time in; cores never
// read a clock. Time is a monotonic instant; kNever means "no deadline".
#pragma once

#include <chrono>

namespace pptpx {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline constexpr Time kNever = Time::max();

inline Time earliest(Time a, Time b) { return a < b ? a : b; }

}  // namespace pptpx
