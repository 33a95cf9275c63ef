// SPDX-License-Identifier: MIT
// Cryptographic primitives over OpenSSL libcrypto (EVP), for MS-CHAP, CHAP-MD5
// and MPPE. MD4, single DES and RC4 live in OpenSSL 3's legacy provider:
// init() loads "legacy" and "default" once, before any other call here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/rng.h"

namespace pptpx::crypto {

using Md4Digest = std::array<uint8_t, 16>;
using Md5Digest = std::array<uint8_t, 16>;
using Sha1Digest = std::array<uint8_t, 20>;

// Loads the OpenSSL legacy and default providers. Idempotent; false (with a
// message on stderr) if the legacy provider cannot be loaded.
bool init();

Md4Digest md4(ByteView data);
Md5Digest md5(ByteView data);
Sha1Digest sha1(ByteView data);
// HMAC-MD5 (RFC 2104), as RADIUS's Message-Authenticator (RFC 3579) uses it.
Md5Digest hmac_md5(ByteView key, ByteView data);

// Incremental SHA-1 and MD5 (reusable: final() resets for the next message).
class Sha1 {
 public:
  Sha1();
  ~Sha1();
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;
  Sha1(Sha1&&) noexcept;
  Sha1& operator=(Sha1&&) noexcept;
  void update(ByteView data);
  Sha1Digest final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void update(ByteView data);
  Md5Digest final();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// DES-ECB of one 8-octet block with a 7-octet key expanded to 8 (parity in bit 0),
// as MS-CHAP uses it.
std::array<uint8_t, 8> des_encrypt(const uint8_t key7[7], const uint8_t block[8]);
// The 7 -> 8 octet key expansion itself (odd parity), exposed for tests.
std::array<uint8_t, 8> des_expand_key(const uint8_t key7[7]);

// RC4 with a reusable context: set_key() re-initialises the state without
// allocating, apply() en/decrypts in place. Key lengths 1..16 are honoured
// exactly (EVP's default RC4 key length of 16 is overridden).
class Rc4 {
 public:
  Rc4();
  ~Rc4();
  Rc4(Rc4&&) noexcept;
  Rc4& operator=(Rc4&&) noexcept;
  void set_key(ByteView key);
  void apply(uint8_t* data, size_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Cryptographic randomness from OpenSSL RAND_bytes.
class SystemRng final : public Rng {
 public:
  void fill(std::span<uint8_t> out) override;
};

}  // namespace pptpx::crypto
