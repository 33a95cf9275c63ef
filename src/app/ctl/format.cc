// SPDX-License-Identifier: MIT
// pptpxctl's tables and lists (see format.h).
#include "app/ctl/format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "base/text.h"

namespace pptpx::ctl {
namespace {

using Row = std::vector<std::string>;

std::string text(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string str_or(const nlohmann::json& j, const char* key, std::string_view dash = "-") {
  auto it = j.find(key);
  if (it == j.end()) return std::string(dash);
  std::string s = text(*it);
  return s.empty() ? std::string(dash) : s;
}

uint64_t num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

int64_t signed_num(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

bool flag(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// Columns padded to their widest cell; numbers (right) as marked.
std::string align(const std::vector<Row>& rows, const std::vector<bool>& right) {
  std::vector<size_t> width(rows.front().size(), 0);
  for (const Row& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const Row& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      if (i) line += "  ";
      std::string pad(width[i] - r[i].size(), ' ');
      line += right[i] ? pad + r[i] : (i + 1 == r.size() ? r[i] : r[i] + pad);
    }
    out += line + "\n";
  }
  return out;
}

Row session_row(const nlohmann::json& s) {
  std::string client = str_or(s, "client");
  if (uint64_t port = num(s, "client_port")) client += fmt::format(":{}", port);
  return {str_or(s, "interface"),
          escaped(str_or(s, "user")),
          client,
          str_or(s, "address"),
          fmt::format("{}/{}", num(s, "call_id"), num(s, "peer_call_id")),
          str_or(s, "auth"),
          str_or(s, "mppe"),
          str_or(s, "state"),
          human_duration(signed_num(s, "uptime_seconds")),
          human_bytes(num(s, "bytes_in")),
          human_bytes(num(s, "bytes_out")),
          std::to_string(num(s, "packets_in")),
          std::to_string(num(s, "packets_out")),
          std::to_string(num(s, "dropped"))};
}

// Leaves of j as ("a.b", value), in order.
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* out) {
  if (!j.is_object()) {
    out->emplace_back(prefix, text(j));
    return;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
}

}  // namespace

std::string human_bytes(uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  constexpr std::array kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(n) / 1024;
  size_t u = 0;
  while (v >= 1024 && u + 1 < kUnits.size()) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, kUnits[u]);
}

std::string human_duration(int64_t s) {
  if (s < 0) s = 0;
  int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
  if (d > 0) return fmt::format("{}d{:02}h", d, h);
  if (h > 0) return fmt::format("{}h{:02}m{:02}s", h, m, sec);
  if (m > 0) return fmt::format("{}m{:02}s", m, sec);
  return fmt::format("{}s", sec);
}

std::string format_sessions(const nlohmann::json& sessions) {
  if (!sessions.is_array() || sessions.empty()) return "no sessions\n";
  std::vector<Row> rows = {{"IFACE", "USER", "CLIENT", "ADDRESS", "CALL/PEER", "AUTH", "MPPE",
                            "STATE", "UPTIME", "IN", "OUT", "PKTS-IN", "PKTS-OUT", "DROPS"}};
  for (const auto& s : sessions) rows.push_back(session_row(s));
  std::vector<bool> right = {false, false, false, false, false, false, false,
                             false, true,  true,  true,  true,  true,  true};
  return align(rows, right);
}

std::string format_show(const nlohmann::json& sessions) {
  std::string out;
  for (const auto& s : sessions) {
    if (!out.empty()) out += "\n";
    std::vector<std::pair<std::string, std::string>> kv;
    flatten(s, "", &kv);
    size_t w = 0;
    for (const auto& [k, v] : kv) w = std::max(w, k.size());
    for (const auto& [k, v] : kv) out += fmt::format("{:<{}}  {}\n", k + ":", w + 1, v);
  }
  return out;
}

std::string format_blocks(const nlohmann::json& blocks, bool throttle_on) {
  std::string off = throttle_on ? "" : "auth-throttle is off: nothing is counted\n";
  if (!blocks.is_array() || blocks.empty()) return off + "no failed logins\n";
  std::vector<Row> rows = {{"KIND", "NAME", "FAILURES", "STATE", "REFUSED", "FORGOTTEN-IN"}};
  for (const auto& b : blocks) {
    bool blocked = flag(b, "blocked");
    std::string state = blocked ? "blocked " + human_duration(signed_num(b, "blocked_seconds"))
                                : fmt::format("delay {}s", signed_num(b, "delay_seconds"));
    rows.push_back({str_or(b, "kind"), escaped(str_or(b, "name")),
                    std::to_string(num(b, "failures")), state, std::to_string(num(b, "refused")),
                    human_duration(signed_num(b, "forgotten_in_seconds"))});
  }
  return off + align(rows, {false, false, true, false, true, true});
}

std::string format_stats(const nlohmann::json& stats) {
  std::vector<std::pair<std::string, std::string>> kv;
  flatten(stats, "", &kv);
  std::vector<Row> rows;
  rows.reserve(kv.size());
  for (auto& [k, v] : kv) rows.push_back({k, v});
  if (rows.empty()) return "";
  return align(rows, {false, true});
}

}  // namespace pptpx::ctl
