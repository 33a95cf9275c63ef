// SPDX-License-Identifier: MIT
// Small text helpers for the /proc files the io and app layers read, and
// for the numbers in command lines and pid files.
#pragma once

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pptpx {

// The blank-separated (space or tab) fields of one line, as awk sees them.
inline std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// A decimal number from 0 to INT_MAX, the whole of `s` (no sign, no blanks
// after it); nullopt otherwise.
inline std::optional<int> parse_non_negative_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != 0 || v < 0 || v > INT_MAX) return std::nullopt;
  return static_cast<int>(v);
}

// Text from the network made safe for a log line: printable ASCII kept,
// every other byte as \xNN (as pppd's %v prints it), at most max_bytes of
// the input read.
inline std::string printable(std::string_view in, size_t max_bytes = 256) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < in.size() && i < max_bytes; ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (in.size() > max_bytes) out += "...";
  return out;
}

}  // namespace pptpx
