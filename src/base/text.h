// Small text helpers for the /proc files the io and app layers read.
#pragma once

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

}  // namespace pptpx
