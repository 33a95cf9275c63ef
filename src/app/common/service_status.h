// SPDX-License-Identifier: MIT
// What pptpxd and pptpx tell the service manager (systemd, Type=notify)
// about their life: ready, reloading, stopping, and a one-line status that
// `systemctl status` shows. Sent through an io::ServiceNotifier; a failure
// to send is logged once and otherwise ignored.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/log.h"
#include "io/service_notify.h"

namespace pptpx::app {

class ServiceStatus {
 public:
  ServiceStatus(io::ServiceNotifier& notifier, Logger log)
      : notifier_(notifier), log_(std::move(log)) {}

  // READY=1 with the status line: started, or a reload finished.
  void ready(std::string_view status);
  // RELOADING=1: the configuration is being read again; ready() follows.
  void reloading();
  // STOPPING=1: shutting down.
  void stopping();
  // STATUS=text, only when it differs from the last one sent.
  void status(std::string_view text);
  const std::string& last_status() const { return status_; }

 private:
  void send(const std::string& state);

  io::ServiceNotifier& notifier_;
  Logger log_;
  std::string status_;
  bool warned_ = false;
};

}  // namespace pptpx::app
