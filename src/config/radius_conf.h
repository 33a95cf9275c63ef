// SPDX-License-Identifier: MIT
// The RADIUS client's configuration as pppd's radius.so reads it
// (radiusclient.conf and its `servers` file, radcli's format), a pure
// parser. Problems are diagnostics naming file and line; keywords that only
// concern a login program (auth_order, login_tries, ...), which pppd's
// plugin ignores too, are accepted silently; anything else pptpx does not
// implement is a warning naming it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "config/diagnostic.h"

namespace pptpx::config {

inline constexpr uint16_t kRadiusAuthPort = 1812;
inline constexpr uint16_t kRadiusAcctPort = 1813;

struct RadiusServerSpec {
  std::string host;  // as written: a name or a dotted quad
  uint16_t port = 0;
  std::string secret;  // written as host:port:secret (radcli); else from the servers file
  int line = 0;
  bool operator==(const RadiusServerSpec&) const = default;
};

struct RadiusClientConf {
  std::vector<RadiusServerSpec> auth_servers, acct_servers;
  std::string servers_file = "/etc/radiusclient/servers";
  int servers_line = 0;
  std::string dictionary;    // noted; pptpx knows the attributes it uses
  int timeout_seconds = 10;  // radius_timeout
  int retries = 3;           // radius_retries
  int deadtime_seconds = 0;  // radius_deadtime (0: pptpx's default applies)
  std::string nas_identifier;
  std::optional<Ipv4> nas_ip_address;
  std::optional<Ipv4> bind_address;  // bindaddr (`*`: any)
};

RadiusClientConf parse_radiusclient_conf(std::string_view text, const std::string& file,
                                         Diagnostics& diags);

// The servers file: "HOST SECRET" per line, `#` comments. Keyed by HOST as
// written.
std::map<std::string, std::string> parse_radius_servers(std::string_view text,
                                                        const std::string& file,
                                                        Diagnostics& diags);

}  // namespace pptpx::config
