// SPDX-License-Identifier: MIT
// Small text helpers for the /proc files the io and app layers read, for
// the numbers in command lines and pid files, and for peer-chosen text in
// log lines (printable, escaped).
#pragma once

#include <algorithm>
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

namespace text_detail {

inline void append_hex(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// Each of the first max_bytes bytes of `in` as append(out, byte) writes it,
// then "..." when there were more.
template <typename Append>
std::string escape_each(std::string_view in, size_t max_bytes, Append append) {
  std::string out;
  out.reserve(std::min(in.size(), max_bytes));
  for (size_t i = 0; i < in.size() && i < max_bytes; ++i)
    append(out, static_cast<unsigned char>(in[i]));
  if (in.size() > max_bytes) out += "...";
  return out;
}

}  // namespace text_detail

// Text from the network made safe for a log line: printable ASCII kept,
// every other byte as \xNN (as pppd's %v prints it), at most max_bytes of
// the input read.
inline std::string printable(std::string_view in, size_t max_bytes = 256) {
  return text_detail::escape_each(in, max_bytes, [](std::string& out, unsigned char c) {
    if (c >= 0x20 && c < 0x7f && c != '\\')
      out += static_cast<char>(c);
    else
      text_detail::append_hex(out, c);
  });
}

// A peer-chosen name (a user name from PAP or CHAP, "DOMAIN\user", the
// Start-Control-Connection host name) made safe for a log line, unambiguous
// and harmless pasted into a shell: newline, carriage return, tab,
// backslash and both quotes become \n \r \t \\ \" \'; other control
// bytes, non-ASCII bytes and the shell's ; $ ` | & < > ( ) become \xHH;
// everything else (letters, digits, blank, . _ - @ + = , : / ...) is kept.
// At most max_bytes of the input read, "..." after.
inline std::string escaped(std::string_view in, size_t max_bytes = 256) {
  return text_detail::escape_each(in, max_bytes, [](std::string& out, unsigned char c) {
    static constexpr std::string_view kShell = ";$`|&<>()";
    switch (c) {
      case '\n': out += "\\n"; return;
      case '\r': out += "\\r"; return;
      case '\t': out += "\\t"; return;
      case '\\': out += "\\\\"; return;
      case '"': out += "\\\""; return;
      case '\'': out += "\\'"; return;
      default: break;
    }
    if (c >= 0x20 && c < 0x7f && kShell.find(static_cast<char>(c)) == std::string_view::npos)
      out += static_cast<char>(c);
    else
      text_detail::append_hex(out, c);
  });
}

}  // namespace pptpx
