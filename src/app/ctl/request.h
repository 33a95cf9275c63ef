// SPDX-License-Identifier: MIT
// pptpxctl's side of the control socket: one request, one answer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/common/admin_protocol.h"

namespace pptpx::ctl {

struct Answer {
  bool reached = false;  // false: error says why pptpxd could not be asked
  std::string line;      // pptpxd's answer when reached: one JSON object
  std::string error;

  // The answer parsed (an empty object when not reached).
  nlohmann::json body() const;
};

// Connects to the socket at path, sends req and reads one answer line
// (waiting at most timeout_ms). A failure names its cause and the fix.
Answer ask(const std::string& path, const app::AdminRequest& req, int timeout_ms = 10000);

// Why connecting to path failed, as a sentence with the fix.
std::string connect_error(const std::string& path, std::error_code ec);

}  // namespace pptpx::ctl
