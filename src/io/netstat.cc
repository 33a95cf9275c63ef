// SPDX-License-Identifier: MIT
// /proc/net/netstat and somaxconn readers (see netstat.h).
#include "io/netstat.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/text.h"

namespace pptpx::io {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

std::optional<uint64_t> netstat_counter(std::string_view text, std::string_view group,
                                        std::string_view name) {
  std::string prefix = std::string(group) + ":";
  std::vector<std::string_view> names;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    std::vector<std::string_view> w = split_fields(line);
    if (w.empty() || w[0] != prefix) continue;
    if (names.empty()) {  // the header line
      names = std::move(w);
      continue;
    }
    // The value line: same length as the header, one number per name.
    if (w.size() != names.size()) return std::nullopt;
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i] != name) continue;
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(w[i].data(), w[i].data() + w[i].size(), v);
      if (ec != std::errc() || end != w[i].data() + w[i].size()) return std::nullopt;
      return v;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

Result<ListenCounters> read_listen_counters(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::make_error_code(std::errc::no_such_file_or_directory);
  auto o = netstat_counter(*text, "TcpExt", "ListenOverflows");
  auto d = netstat_counter(*text, "TcpExt", "ListenDrops");
  if (!o || !d) return std::make_error_code(std::errc::invalid_argument);
  return ListenCounters{*o, *d};
}

Result<int> read_sysctl_int(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::make_error_code(std::errc::no_such_file_or_directory);
  int v = 0;
  if (!(f >> v)) return std::make_error_code(std::errc::invalid_argument);
  return v;
}

Result<int> read_somaxconn(const std::string& path) {
  auto v = read_sysctl_int(path);
  if (v && *v < 0) return std::make_error_code(std::errc::invalid_argument);
  return v;
}

}  // namespace pptpx::io
