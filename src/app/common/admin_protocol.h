// SPDX-License-Identifier: MIT
// The control socket's protocol, shared by pptpxd and pptpxctl: one request
// per line, one JSON object per answer line.
//
// A request is either a JSON object, {"command":"kill","target":"alice",
// "reason":"maintenance"}, or the same as words, `kill alice maintenance`
// (handy with socat). Commands:
//   sessions                 every session, one object each
//   show TARGET              the sessions TARGET matches, in full
//   kill TARGET [REASON]     ends the sessions TARGET matches
//   stats                    every server counter
//   blocks                   addresses and users with failed logins:
//                            blocked, or their next login delayed
//   unblock USER|ADDRESS|all forgets their failed logins
//   reload                   re-reads the configuration (as SIGHUP)
//   debug on|off             debug logging
//   version
// TARGET is an interface name (ppp0), a user name, the address a session
// was given, or the client's address, alone or as ADDRESS:PORT.
// Every answer has "ok": true, or "ok": false and "error": a sentence.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pptpx::app {

inline constexpr const char* kDefaultControlSocket = "/run/pptpxd/control.sock";
// The longest request line pptpxd reads; a longer one is refused.
inline constexpr size_t kMaxAdminRequest = 4096;

struct AdminRequest {
  std::string command;
  std::string target;  // show, kill, unblock
  std::string reason;  // kill
  bool on = false;     // debug
};

// Parses one request line (without its newline). On failure, nullopt and
// *error says why.
std::optional<AdminRequest> parse_admin_request(std::string_view line, std::string* error);

// The answer that refuses a request: {"ok":false,"error":text}.
nlohmann::json admin_error(std::string text);

// The request as a JSON line (pptpxctl's side), newline included.
std::string admin_request_line(const AdminRequest& r);

}  // namespace pptpx::app
