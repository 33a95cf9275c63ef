// SPDX-License-Identifier: MIT
// Service manager notifications (see service_status.h).
#include "app/common/service_status.h"

namespace pptpx::app {

void ServiceStatus::ready(std::string_view status) {
  status_ = status;
  send("READY=1\nSTATUS=" + status_);
}

void ServiceStatus::reloading() { send("RELOADING=1"); }

void ServiceStatus::stopping() { send("STOPPING=1"); }

void ServiceStatus::status(std::string_view text) {
  if (text == status_) return;
  status_ = text;
  send("STATUS=" + status_);
}

void ServiceStatus::send(const std::string& state) {
  std::error_code ec = notifier_.notify(state);
  if (!ec || warned_) return;
  warned_ = true;
  log_.warn("cannot notify the service manager (NOTIFY_SOCKET): {}; systemd will not see {}",
            ec.message(), state.substr(0, state.find('\n')));
}

}  // namespace pptpx::app
