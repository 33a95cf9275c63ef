// SPDX-License-Identifier: MIT
// pptpxd's command line: every flag of PoPToP pptpd 1.4 (pptpd.8), short
// and long, with pptpd's meaning, so /etc/default/pptpd's DAEMON_OPTS and
// init scripts work unchanged, and pptpx's own long options. A pptpd flag
// replaces its pptpd.conf keyword (server::ConfFlags). The flags pptpx does
// not carry out (-b, -D, -e, -V) are accepted with a warning that says what
// pptpx does instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/server/settings.h"
#include "base/log.h"

namespace pptpx::server {

struct CommandLine {
  Flags flags;  // flags.debug: -d or --log-level debug
  uint16_t port = 1723;
  LogLevel log_level = LogLevel::kInfo;
  bool syslog = false;                // --syslog: in the foreground too
  std::string control;                // --control; "none": no socket
  std::vector<std::string> warnings;  // flags accepted but not carried out
};

struct ParsedCommandLine {
  enum class Action { kRun, kHelp, kVersion, kUsageError };
  Action action = Action::kRun;
  CommandLine cli;
  std::string error;  // kUsageError: a sentence naming the bad word
};

// Parses argv (argv[0] is the program); getopt_long underneath, so options
// and their values may be joined (-c/etc/x.conf, --conf=FILE) and long
// options abbreviated, as with pptpd.
ParsedCommandLine parse_command_line(int argc, char* const argv[]);

// The --help text: every flag.
std::string usage_text();

}  // namespace pptpx::server
