// SPDX-License-Identifier: MIT
// Loads "name hex" lines from a test data file.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "base/bytes.h"
#include "base/hex.h"

namespace pptpx::test {

inline std::map<std::string, Bytes> load_vectors(const std::string& path) {
  std::map<std::string, Bytes> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name, hex;
    ls >> name >> hex;
    if (auto b = from_hex(hex)) out[name] = *b;
  }
  return out;
}

}  // namespace pptpx::test
