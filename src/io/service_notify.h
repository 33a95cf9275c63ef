// SPDX-License-Identifier: MIT
// Tells the service manager how the service is doing, as sd_notify(3) does:
// "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=text", several at once on
// separate lines. The system one talks to systemd through libsystemd; tests
// use a fake that records the messages (tests/support/fake_notifier.h).
#pragma once

#include <string_view>
#include <system_error>

namespace pptpx::io {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;
  // Sends the assignments. Nothing to do (and no error) when no service
  // manager waits for them; an error is for a log line, never fatal.
  [[nodiscard]] virtual std::error_code notify(std::string_view state) = 0;
};

// sd_notify(3) to $NOTIFY_SOCKET. The variable stays set: the unit's
// NotifyAccess=main keeps the scripts pptpxd runs from speaking for it.
class SystemdNotifier final : public ServiceNotifier {
 public:
  [[nodiscard]] std::error_code notify(std::string_view state) override;
};

}  // namespace pptpx::io
