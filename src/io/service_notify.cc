// SPDX-License-Identifier: MIT
// sd_notify(3) through libsystemd (see service_notify.h); a build without
// libsystemd (-DPPTPX_SYSTEMD=OFF) has no service manager to tell.
#include "io/service_notify.h"

#ifdef PPTPX_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

#include <string>

#include "io/result.h"
#endif

namespace pptpx::io {

std::error_code SystemdNotifier::notify(std::string_view state) {
#ifdef PPTPX_HAVE_SYSTEMD
  // sd_notify: > 0 sent, 0 no NOTIFY_SOCKET (not under a manager), < 0 -errno.
  int r = sd_notify(0, std::string(state).c_str());
  return r < 0 ? errno_error(-r) : std::error_code{};
#else
  (void)state;
  return {};
#endif
}

}  // namespace pptpx::io
