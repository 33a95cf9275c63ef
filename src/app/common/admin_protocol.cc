// SPDX-License-Identifier: MIT
// The control socket's requests (see admin_protocol.h).
#include "app/common/admin_protocol.h"

#include <array>
#include <nlohmann/json.hpp>

namespace pptpx::app {
namespace {

struct CommandShape {
  std::string_view name;
  bool target;  // takes a TARGET
};
constexpr std::array kCommands = {
    CommandShape{"sessions", false}, CommandShape{"show", true},    CommandShape{"kill", true},
    CommandShape{"stats", false},    CommandShape{"reload", false}, CommandShape{"debug", false},
    CommandShape{"version", false},  CommandShape{"blocks", false}, CommandShape{"unblock", true},
};

const CommandShape* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

// Splits off the first space-separated word of *rest.
std::string_view next_word(std::string_view* rest) {
  size_t start = rest->find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    *rest = {};
    return {};
  }
  size_t end = rest->find_first_of(" \t", start);
  std::string_view w = rest->substr(start, end == std::string_view::npos ? end : end - start);
  *rest = end == std::string_view::npos ? std::string_view{} : rest->substr(end);
  return w;
}

std::string_view trim(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string_view::npos) return {};
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

std::optional<AdminRequest> from_words(std::string_view line, std::string* error) {
  AdminRequest r;
  std::string_view rest = line;
  r.command = next_word(&rest);
  if (r.command == "debug") {
    std::string_view v = next_word(&rest);
    if (v != "on" && v != "off") {
      *error = "debug takes on or off";
      return std::nullopt;
    }
    r.on = v == "on";
    return r;
  }
  const CommandShape* shape = find_command(r.command);
  if (shape && shape->target) {
    r.target = next_word(&rest);
    r.reason = trim(rest);
  }
  return r;
}

// A string member of a JSON request, or "" when absent; false when present
// but not a string.
bool string_member(const nlohmann::json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

std::optional<AdminRequest> from_json(std::string_view line, std::string* error) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "a request starting with '{' must be one JSON object";
    return std::nullopt;
  }
  AdminRequest r;
  if (!string_member(j, "command", &r.command) || !string_member(j, "target", &r.target) ||
      !string_member(j, "reason", &r.reason)) {
    *error = "command, target and reason must be strings";
    return std::nullopt;
  }
  if (auto it = j.find("on"); it != j.end()) {
    if (!it->is_boolean()) {
      *error = "on must be true or false";
      return std::nullopt;
    }
    r.on = it->get<bool>();
  } else if (r.command == "debug") {
    *error = "debug needs \"on\": true or false";
    return std::nullopt;
  }
  return r;
}

}  // namespace

std::optional<AdminRequest> parse_admin_request(std::string_view line, std::string* error) {
  line = trim(line);
  if (line.size() > kMaxAdminRequest) {
    *error = "request longer than 4096 bytes";
    return std::nullopt;
  }
  auto r = !line.empty() && line.front() == '{' ? from_json(line, error) : from_words(line, error);
  if (!r) return r;
  const CommandShape* shape = find_command(r->command);
  if (!shape) {
    *error = r->command.empty()
                 ? std::string("empty request")
                 : "unknown command '" + r->command +
                       "' (sessions, show, kill, stats, blocks, unblock, reload, debug, "
                       "version)";
    return std::nullopt;
  }
  if (shape->target && r->target.empty()) {
    *error = r->command == "unblock"
                 ? std::string("unblock needs a user, an address or all")
                 : r->command + " needs a session: an interface, a user or an address";
    return std::nullopt;
  }
  return r;
}

std::string admin_request_line(const AdminRequest& r) {
  nlohmann::json j = {{"command", r.command}};
  if (!r.target.empty()) j["target"] = r.target;
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (r.command == "debug") j["on"] = r.on;
  // JSON strings are UTF-8: an octet that is not becomes U+FFFD rather than
  // an exception (a name typed in another encoding).
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

nlohmann::json admin_error(std::string text) { return {{"ok", false}, {"error", std::move(text)}}; }

}  // namespace pptpx::app
