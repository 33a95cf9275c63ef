// SPDX-License-Identifier: MIT
// Fuzzes the chap-secrets parser, matcher and address-list checks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/secrets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pptpx::config;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto no_files = [](const std::string&) { return FileReadResult{std::nullopt, "fuzz"}; };
  SecretsFile f = parse_secrets(text, "fuzz", no_files);
  if (auto e = find_secret(f.entries, "user1", "pptpd")) {
    (void)fixed_address(*e);
    (void)address_allowed(*e, pptpx::Ipv4{0x0a000001});
  }
  return 0;
}
