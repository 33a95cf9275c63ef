// SPDX-License-Identifier: MIT
// Loads tests/data/crypto/vectors.txt: "dotted.name = value" lines, each
// group's origin in its .source line. Shared by the crypto and mppe tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "base/bytes.h"
#include "base/hex.h"

namespace pptpx::test {

class Vectors {
 public:
  static const Vectors& get() {
    static const Vectors v(std::string(PPTPX_TEST_DATA) + "/crypto/vectors.txt");
    return v;
  }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // The raw text; fails the test (and returns "") when missing.
  std::string text(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) {
      ADD_FAILURE() << "missing vector " << name;
      return {};
    }
    return it->second;
  }
  Bytes bytes(const std::string& name) const {
    auto b = from_hex(text(name));
    if (!b) ADD_FAILURE() << "bad hex in vector " << name;
    return b ? *b : Bytes{};
  }
  template <size_t N>
  std::array<uint8_t, N> array(const std::string& name) const {
    Bytes b = bytes(name);
    std::array<uint8_t, N> a{};
    if (b.size() != N) {
      ADD_FAILURE() << name << ": " << b.size() << " octets, want " << N;
      return a;
    }
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  }
  size_t size() const { return values_.size(); }

 private:
  explicit Vectors(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find(" = ");
      if (eq == std::string::npos) continue;
      values_[line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  std::map<std::string, std::string> values_;
};

template <size_t N>
std::string hex(const std::array<uint8_t, N>& a) {
  return to_hex(ByteView(a.data(), a.size()));
}
inline std::string hex(ByteView b) { return to_hex(b); }

}  // namespace pptpx::test
