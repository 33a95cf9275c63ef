// SPDX-License-Identifier: MIT
// An io::ServiceNotifier that records each message instead of sending it,
// and can be told to fail.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "io/service_notify.h"

namespace pptpx::test {

class FakeNotifier final : public io::ServiceNotifier {
 public:
  std::error_code notify(std::string_view state) override {
    messages.emplace_back(state);
    return fail;
  }
  std::vector<std::string> messages;
  std::error_code fail;
};

}  // namespace pptpx::test
