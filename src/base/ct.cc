// SPDX-License-Identifier: MIT
// OpenSSL's primitives: CRYPTO_memcmp takes a time that depends only on the
// length, and OPENSSL_cleanse is a zeroing the compiler may not drop.
#include "base/ct.h"

#include <openssl/crypto.h>

namespace pptpx {

bool ct_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void secure_zero(void* p, size_t n) {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

}  // namespace pptpx
