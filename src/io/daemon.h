// SPDX-License-Identifier: MIT
// Daemonising for the server's background (non -f) mode.
#pragma once

#include "io/result.h"

namespace pptpx::io {

// fork (the parent exits 0), setsid, chdir("/"), and stdin/stdout/stderr
// onto /dev/null. Returns in the child only; an error means no fork
// happened, or the child could not finish detaching.
[[nodiscard]] std::error_code daemonize();

}  // namespace pptpx::io
