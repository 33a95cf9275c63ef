// SPDX-License-Identifier: MIT
// Constant-time comparison and secure zeroing for secrets and authenticators,
// over OpenSSL (CRYPTO_memcmp, OPENSSL_cleanse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace pptpx {

// True when a and b have the same length and contents; the time taken depends
// only on the lengths, never on where the first difference is.
bool ct_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Zeroes memory in a way the optimiser may not remove.
void secure_zero(void* p, size_t n);
inline void secure_zero(std::string& s) {
  secure_zero(s.data(), s.size());
  s.clear();
}

}  // namespace pptpx
