// SPDX-License-Identifier: MIT
// The command line of a peers file's `pty "pptp HOST --nolaunchpppd ..."`
// option, as pptp-linux's getopt_long would read it (docs/compatibility.md, The
// pty line). A pure parser: what pptpx honours, warnings for what it ignores,
// an error when the line cannot be used.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "base/time.h"

namespace pptpx::config {

// What the `pty` command line says, when it runs pptp-linux.
struct PtyCommand {
  std::string host;
  std::string phone;
  std::optional<Ipv4> localbind;
  std::optional<int> idle_wait;      // control-connection echo interval, seconds
  std::optional<int> max_echo_wait;  // ...and how long a reply may take, seconds
  int loglevel = 1;                  // pptp-linux: 0 low, 1 default, 2 debug
  std::string client_hostname;
  bool nohostroute = false;
  // pptp --timeout S: how long the GRE reorder window waits for a gap
  // (0.01-10 s, pptp-linux's range); --nobuffer: no reorder window.
  std::optional<Duration> reorder_timeout;
  bool nobuffer = false;
  std::vector<std::string> warnings;  // options we do not honour, and why
  std::string error;                  // non-empty: unusable
};
PtyCommand parse_pty_command(std::string_view command);

}  // namespace pptpx::config
