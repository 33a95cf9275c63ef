// SPDX-License-Identifier: MIT
// sd_notify(3) through libsystemd (see service_notify.h).
#include "io/service_notify.h"

#include <systemd/sd-daemon.h>

#include <string>

#include "io/result.h"

namespace pptpx::io {

std::error_code SystemdNotifier::notify(std::string_view state) {
  // sd_notify: > 0 sent, 0 no NOTIFY_SOCKET (not under a manager), < 0 -errno.
  int r = sd_notify(0, std::string(state).c_str());
  return r < 0 ? errno_error(-r) : std::error_code{};
}

}  // namespace pptpx::io
