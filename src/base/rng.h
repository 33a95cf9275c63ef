// SPDX-License-Identifier: MIT
// Randomness as an injected dependency, so cores stay deterministic in tests.
// The process uses crypto::SystemRng (OpenSSL RAND_bytes); tests use SeededRng.
#pragma once

#include <cstdint>
#include <span>

namespace pptpx {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<uint8_t> out) = 0;
  uint32_t u32() {
    uint8_t b[4];
    fill(b);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }
  uint16_t u16() { return static_cast<uint16_t>(u32()); }
};

// Deterministic, NOT cryptographic (xorshift64*). For tests and simulations.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed) : s_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  void fill(std::span<uint8_t> out) override {
    for (auto& b : out) {
      s_ ^= s_ >> 12;
      s_ ^= s_ << 25;
      s_ ^= s_ >> 27;
      b = static_cast<uint8_t>((s_ * 0x2545F4914F6CDD1Dull) >> 56);
    }
  }

 private:
  uint64_t s_;
};

}  // namespace pptpx
