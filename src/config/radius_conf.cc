// SPDX-License-Identifier: MIT
// radiusclient.conf and the servers file (see radius_conf.h).
#include "config/radius_conf.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace pptpx::config {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Calls fn(line number, keyword, rest) for each line that says something.
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  int line = 0;
  while (!text.empty()) {
    ++line;
    const size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    l = trim(l);
    // Only a whole line is a comment, as in pppd's radiusclient: a `#`
    // further on belongs to the value (a secret may hold one).
    if (l.empty() || l.front() == '#') continue;
    size_t end = 0;
    while (end < l.size() && !is_space(l[end])) ++end;
    fn(line, l.substr(0, end), trim(l.substr(end)));
  }
}

std::optional<int> whole_number(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// authserver / acctserver: servers separated by commas or blanks, each
// HOST[:PORT[:SECRET]] or [IPV6]...
void parse_servers(std::string_view value, uint16_t default_port, const std::string& file, int line,
                   std::string_view key, std::vector<RadiusServerSpec>& out, Diagnostics& diags) {
  out.clear();  // a later line replaces an earlier one, as pppd's radiusclient
  while (!value.empty()) {
    const size_t end = value.find_first_of(", \t");
    std::string_view item = value.substr(0, end);
    value.remove_prefix(end == std::string_view::npos ? value.size() : end + 1);
    if (item.empty()) continue;
    if (item.front() == '[') {
      diags.push_back({file, line, false,
                       std::string(key) + " " + std::string(item) +
                           ": IPv6 RADIUS servers are not supported yet, ignored"});
      continue;
    }
    RadiusServerSpec s;
    s.line = line;
    s.port = default_port;
    const size_t c1 = item.find(':');
    s.host = std::string(item.substr(0, c1));
    if (c1 != std::string_view::npos) {
      std::string_view rest = item.substr(c1 + 1);
      const size_t c2 = rest.find(':');
      auto port = whole_number(rest.substr(0, c2), 1, 65535);
      if (!port) {
        diags.push_back({file, line, true,
                         std::string(key) + " " + std::string(item) +
                             ": the port must be a number from 1 to 65535"});
        continue;
      }
      s.port = static_cast<uint16_t>(*port);
      if (c2 != std::string_view::npos) s.secret = std::string(rest.substr(c2 + 1));
    }
    if (s.host.empty()) {
      diags.push_back({file, line, true, std::string(key) + ": a server without a host name"});
      continue;
    }
    out.push_back(std::move(s));
  }
}

// Keywords for a login program, which pppd's plugin reads and ignores.
constexpr std::array kLoginOnly = {"auth_order", "login_tries",  "login_timeout", "nologin",
                                   "issue",      "login_radius", "login_local",   "seqfile",
                                   "mapfile",    "clientdebug"};

// One line of radiusclient.conf.
struct Line {
  const std::string& file;
  int line;
  std::string_view key, value;
  Diagnostics& diags;
  void say(bool error, std::string msg) const {
    diags.push_back({file, line, error, std::move(msg)});
  }
};

void set_number(const Line& l, int lo, int hi, int& field) {
  if (auto v = whole_number(l.value, lo, hi))
    field = *v;
  else
    l.say(true, std::string(l.key) + " '" + std::string(l.value) + "' must be a number from " +
                    std::to_string(lo) + " to " + std::to_string(hi));
}

void set_address(const Line& l, std::optional<Ipv4>& field) {
  if (auto a = Ipv4::parse(l.value))
    field = *a;
  else
    l.say(true,
          std::string(l.key) + " '" + std::string(l.value) + "' is not an IPv4 address (a.b.c.d)");
}

// The servers and the files: true when the key was one of them.
bool apply_where(RadiusClientConf& c, const Line& l) {
  if (l.key == "authserver") {
    parse_servers(l.value, kRadiusAuthPort, l.file, l.line, l.key, c.auth_servers, l.diags);
  } else if (l.key == "acctserver") {
    parse_servers(l.value, kRadiusAcctPort, l.file, l.line, l.key, c.acct_servers, l.diags);
  } else if (l.key == "servers") {
    c.servers_file = std::string(l.value);
    c.servers_line = l.line;
  } else if (l.key == "dictionary") {
    c.dictionary = std::string(l.value);
  } else {
    return false;
  }
  return true;
}

void apply_key(RadiusClientConf& c, const Line& l) {
  if (apply_where(c, l)) return;
  const std::string_view key = l.key;
  if (key == "radius_timeout") {
    set_number(l, 1, 600, c.timeout_seconds);
  } else if (key == "radius_retries") {
    set_number(l, 0, 100, c.retries);
  } else if (key == "radius_deadtime") {
    set_number(l, 0, 86400, c.deadtime_seconds);
  } else if (key == "nas-identifier" || key == "nas_identifier") {
    c.nas_identifier = std::string(l.value);
  } else if (key == "nas-ip-address" || key == "nas_ip" || key == "nas-ip") {
    set_address(l, c.nas_ip_address);
  } else if (key == "bindaddr") {
    if (l.value != "*") set_address(l, c.bind_address);
  } else if (key == "default_realm") {
    if (!l.value.empty())
      l.say(false, "default_realm " + std::string(l.value) +
                       " is not supported by pptpx yet: user names are sent as the clients give "
                       "them");
  } else if (std::find(kLoginOnly.begin(), kLoginOnly.end(), key) == kLoginOnly.end()) {
    l.say(false, "'" + std::string(key) + "' is not supported by pptpx, ignored");
  }
}

}  // namespace

RadiusClientConf parse_radiusclient_conf(std::string_view text, const std::string& file,
                                         Diagnostics& diags) {
  RadiusClientConf c;
  for_each_line(text, [&](int line, std::string_view key, std::string_view value) {
    apply_key(c, Line{file, line, key, value, diags});
  });
  if (c.auth_servers.empty())
    diags.push_back(
        {file, 0, true, "no authserver: name the RADIUS server, e.g. 'authserver 10.0.0.5:1812'"});
  return c;
}

std::map<std::string, std::string> parse_radius_servers(std::string_view text,
                                                        const std::string& file,
                                                        Diagnostics& diags) {
  std::map<std::string, std::string> out;
  for_each_line(text, [&](int line, std::string_view host, std::string_view secret) {
    if (secret.empty()) {
      diags.push_back({file, line, true, "'" + std::string(host) + "' has no secret"});
      return;
    }
    // The first word, as pppd's radiusclient reads it.
    size_t end = 0;
    while (end < secret.size() && !is_space(secret[end])) ++end;
    out[std::string(host)] = std::string(secret.substr(0, end));
  });
  return out;
}

}  // namespace pptpx::config
