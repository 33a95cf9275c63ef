// SPDX-License-Identifier: MIT
// OpenSSL 3 EVP back end for the primitives in crypto.h. Algorithms are
// fetched once (function-local statics) after the legacy and default
// providers are loaded, so per-packet work never repeats a provider lookup.
//
// The one exception is the incremental Sha1 used by MPPE key changes: in
// OpenSSL 3.0 every EVP_DigestInit frees and re-creates the provider context
// (one allocation per key change, i.e. per packet in stateless mode), so Sha1
// uses the low-level SHA_CTX, which lives inline and never allocates.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "base/ct.h"

namespace pptpx::crypto {
namespace {

struct Algorithms {
  EVP_MD* md4 = nullptr;
  EVP_MD* md5 = nullptr;
  EVP_MD* sha1 = nullptr;
  EVP_CIPHER* rc4 = nullptr;
  EVP_CIPHER* des_ecb = nullptr;
};

// A missing algorithm is a broken installation, not bad input: there is no
// way to run MS-CHAP or MPPE without it, so stop loudly.
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "pptpx: OpenSSL: %s unavailable (legacy provider missing?)\n", what);
  std::abort();
}

const Algorithms& algorithms() {
  static const Algorithms algs = [] {
    init();
    Algorithms a;
    a.md4 = EVP_MD_fetch(nullptr, "MD4", nullptr);
    a.md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
    a.sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    a.rc4 = EVP_CIPHER_fetch(nullptr, "RC4", nullptr);
    a.des_ecb = EVP_CIPHER_fetch(nullptr, "DES-ECB", nullptr);
    if (!a.md4) fatal("MD4");
    if (!a.md5) fatal("MD5");
    if (!a.sha1) fatal("SHA1");
    if (!a.rc4) fatal("RC4");
    if (!a.des_ecb) fatal("DES-ECB");
    return a;
  }();
  return algs;
}

template <size_t N>
std::array<uint8_t, N> digest(const EVP_MD* md, ByteView data) {
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 || len != N) {
    fatal("EVP_Digest");
  }
  return out;
}

// A reusable digest context: Init once, Final then Init again for the next message.
struct DigestCtx {
  explicit DigestCtx(const EVP_MD* md) : ctx(EVP_MD_CTX_new()) {
    if (!ctx || EVP_DigestInit_ex2(ctx, md, nullptr) != 1) fatal("EVP_MD_CTX");
  }
  ~DigestCtx() { EVP_MD_CTX_free(ctx); }
  void update(ByteView data) {
    if (!data.empty()) EVP_DigestUpdate(ctx, data.data(), data.size());
  }
  template <size_t N>
  std::array<uint8_t, N> final() {
    std::array<uint8_t, N> out{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != N) fatal("EVP_DigestFinal");
    // nullptr keeps the fetched digest and its provider context; no allocation.
    if (EVP_DigestInit_ex2(ctx, nullptr, nullptr) != 1) fatal("EVP_DigestInit");
    return out;
  }
  EVP_MD_CTX* ctx;
};

}  // namespace

bool init() {
  // The providers stay loaded for the whole process, and the process keeps
  // the handles that own them: dropped, nothing refers to them once OpenSSL's
  // exit clean-up has emptied its provider store, and LeakSanitizer reports
  // them (unless a fetched algorithm still points at them).
  static OSSL_PROVIDER* legacy = nullptr;
  static OSSL_PROVIDER* def = nullptr;
  static const bool ok = [] {
    legacy = OSSL_PROVIDER_load(nullptr, "legacy");
    def = OSSL_PROVIDER_load(nullptr, "default");
    if (!legacy || !def) {
      std::fprintf(stderr, "pptpx: cannot load the OpenSSL %s provider\n",
                   legacy ? "default" : "legacy");
      ERR_clear_error();
      return false;
    }
    return true;
  }();
  return ok;
}

Md4Digest md4(ByteView data) { return digest<16>(algorithms().md4, data); }
Md5Digest md5(ByteView data) { return digest<16>(algorithms().md5, data); }
Sha1Digest sha1(ByteView data) { return digest<20>(algorithms().sha1, data); }

Md5Digest hmac_md5(ByteView key, ByteView data) {
  Md5Digest out{};
  unsigned int len = 0;
  // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it.
  static const uint8_t kNone = 0;
  if (HMAC(EVP_md5(), key.empty() ? &kNone : key.data(), static_cast<int>(key.size()), data.data(),
           data.size(), out.data(), &len) == nullptr ||
      len != out.size()) {
    std::fprintf(stderr, "pptpx: HMAC-MD5 failed\n");
    std::abort();
  }
  return out;
}

struct Sha1::Impl {
  Impl() { SHA1_Init(&ctx); }
  ~Impl() { secure_zero(&ctx, sizeof ctx); }
  SHA_CTX ctx;
};
Sha1::Sha1() : impl_(std::make_unique<Impl>()) {}
Sha1::~Sha1() = default;
Sha1::Sha1(Sha1&&) noexcept = default;
Sha1& Sha1::operator=(Sha1&&) noexcept = default;
void Sha1::update(ByteView data) {
  if (!data.empty()) SHA1_Update(&impl_->ctx, data.data(), data.size());
}
Sha1Digest Sha1::final() {
  Sha1Digest out{};
  SHA1_Final(out.data(), &impl_->ctx);
  SHA1_Init(&impl_->ctx);
  return out;
}

struct Md5::Impl : DigestCtx {
  Impl() : DigestCtx(algorithms().md5) {}
};
Md5::Md5() : impl_(std::make_unique<Impl>()) {}
Md5::~Md5() = default;
void Md5::update(ByteView data) { impl_->update(data); }
Md5Digest Md5::final() { return impl_->final<16>(); }

std::array<uint8_t, 8> des_expand_key(const uint8_t key7[7]) {
  std::array<uint8_t, 8> out{};
  uint64_t bits = 0;
  for (int i = 0; i < 7; ++i) bits = (bits << 8) | key7[i];
  for (int i = 0; i < 8; ++i) {
    auto b = static_cast<uint8_t>(((bits >> (49 - 7 * i)) & 0x7f) << 1);
    // Odd parity: set bit 0 when the seven key bits hold an even number of ones.
    if ((__builtin_popcount(b) & 1) == 0) b |= 1;
    out[i] = b;
  }
  return out;
}

std::array<uint8_t, 8> des_encrypt(const uint8_t key7[7], const uint8_t block[8]) {
  std::array<uint8_t, 8> key = des_expand_key(key7);
  std::array<uint8_t, 8> out{};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx, algorithms().des_ecb, key.data(), nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
      EVP_EncryptUpdate(ctx, out.data(), &len, block, 8) != 1 || len != 8) {
    fatal("DES-ECB");
  }
  EVP_CIPHER_CTX_free(ctx);
  secure_zero(key.data(), key.size());
  return out;
}

struct Rc4::Impl {
  Impl() : ctx(EVP_CIPHER_CTX_new()) {
    // Select the cipher once; later set_key() calls pass no cipher, which
    // re-keys the existing provider context instead of allocating a new one.
    if (!ctx || EVP_CipherInit_ex2(ctx, algorithms().rc4, nullptr, nullptr, 1, nullptr) != 1) {
      fatal("RC4");
    }
    key_len = EVP_CIPHER_CTX_get_key_length(ctx);
  }
  ~Impl() { EVP_CIPHER_CTX_free(ctx); }
  EVP_CIPHER_CTX* ctx;
  int key_len;
};

Rc4::Rc4() : impl_(std::make_unique<Impl>()) {}
Rc4::~Rc4() = default;
Rc4::Rc4(Rc4&&) noexcept = default;
Rc4& Rc4::operator=(Rc4&&) noexcept = default;

void Rc4::set_key(ByteView key) {
  if (key.empty() || key.size() > 256) fatal("RC4 key length");
  auto n = static_cast<int>(key.size());
  if (n != impl_->key_len) {
    if (EVP_CIPHER_CTX_set_key_length(impl_->ctx, n) != 1) fatal("RC4 key length");
    impl_->key_len = n;
  }
  if (EVP_CipherInit_ex2(impl_->ctx, nullptr, key.data(), nullptr, 1, nullptr) != 1) {
    fatal("RC4 key");
  }
}

void Rc4::apply(uint8_t* data, size_t n) {
  while (n > 0) {
    int chunk = n > INT_MAX / 2 ? INT_MAX / 2 : static_cast<int>(n);
    int out = 0;
    if (EVP_CipherUpdate(impl_->ctx, data, &out, data, chunk) != 1 || out != chunk) {
      fatal("RC4 update");
    }
    data += chunk;
    n -= static_cast<size_t>(chunk);
  }
}

void SystemRng::fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t chunk = out.size() > INT_MAX ? INT_MAX : out.size();
    // RAND_bytes only fails when the system has no entropy source at all;
    // carrying on with predictable challenges would be worse than stopping.
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) fatal("RAND_bytes");
    out = out.subspan(chunk);
  }
}

}  // namespace pptpx::crypto
