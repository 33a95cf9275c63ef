// SPDX-License-Identifier: MIT
// The client's resolved configuration: /etc/ppp/options, the peers file
// named by `call NAME` (with its `file` includes) and the command-line pppd
// words, in pppd's order, plus the pptp-linux options found on the peers
// file's `pty "pptp HOST --nolaunchpppd ..."` line (docs/compatibility.md,
// "pppd options" and "The pty line").
// Problems are collected as diagnostics; errors stop start-up (exit 2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ip.h"
#include "config/diagnostic.h"
#include "config/ppp_options.h"
#include "config/pty_command.h"
#include "proto/ppp/session.h"

namespace pptpx::client {

struct Flags {
  std::string call_name;               // `call NAME`
  std::vector<std::string> ppp_words;  // pppd options after NAME
  std::string peers_dir = "/etc/ppp/peers";
  std::string chap_secrets_path = "/etc/ppp/chap-secrets";
  std::string pap_secrets_path = "/etc/ppp/pap-secrets";
  std::string global_options_path = "/etc/ppp/options";  // "" for none (tests)
  std::string scripts_dir = "/etc/ppp";
  std::string resolv_conf_path = "/etc/ppp/resolv.conf";
  std::string run_dir = "/run";     // pid files
  bool mppe_stateful_only = false;  // offer only stateful MPPE (Windows 9x style)
  // --connect-timeout: how long the TCP connect to the server may take.
  Duration connect_timeout = seconds(15);
  // --gre-timeout: how long after the call connects the first GRE packet
  // from the server may take before the log says GRE looks blocked.
  Duration gre_timeout = seconds(5);
};

struct Settings {
  Flags flags;
  config::PppOptions ppp;
  config::PtyCommand pty;

  std::string user;         // the name we authenticate as
  std::string remote_name;  // `remotename` ("" = the challenger's name)
  bool debug = false;
  config::DetachMode detach = config::DetachMode::kDetach;
  std::string ip_pre_up_script, ip_up_script, ip_down_script;
  std::optional<std::string> ipparam, linkname;
  std::optional<unsigned> unit;
  bool defaultroute = false, replacedefaultroute = false, usepeerdns = false;
  bool usepeerwins = false;  // pppd 2.5: ask for NBNS, WINS1/WINS2 in the scripts
  uint16_t mtu = 1500;
  // persist / maxfail / holdoff (pppd(8); maxfail 0 = never give up).
  bool persist = false;
  int maxfail = 10;
  int holdoff_seconds = 30;
  // Where log lines go besides syslog: a file (logfile) or a descriptor
  // (logfd N), whichever option came last, as pppd; -1 = none. pppd's
  // default descriptor is only
  // kept while the process has not detached (nodetach/updetach), and is
  // stderr here, as the issue asks (pppd uses stdout).
  std::optional<std::string> logfile;
  int log_fd = -1;
  bool dump = false;
  uint32_t speed = 38400;  // what a pty reports to pppd, hence to the scripts
  ppp::SessionConfig session;
};

Settings load_settings(const Flags& flags, config::Diagnostics& diags);

// `dump`: the effective options, one per line, in pppd's option syntax,
// after a "pptpx options in effect:" header. Never includes the password.
std::string dump_settings(const Settings& s);

// pppd's /etc/ppp/resolv.conf: one "nameserver" line per address.
std::string resolv_conf_text(std::optional<Ipv4> dns1, std::optional<Ipv4> dns2);

}  // namespace pptpx::client
