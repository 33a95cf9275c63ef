// SPDX-License-Identifier: MIT
// The server's resolved configuration: pptpd.conf, the pppd options it names
// (after /etc/ppp/options, as pppd reads it), and the command line, turned
// into the values the sessions use. Loading collects every problem as
// `file:line: message`; errors stop start-up (exit 2), warnings are logged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/server/auth_throttle.h"
#include "base/ip.h"
#include "config/diagnostic.h"
#include "config/ppp_options.h"
#include "config/pptpd_conf.h"
#include "proto/ppp/session.h"

namespace pptpx::server {

// pptpd's command-line flags that stand for a pptpd.conf keyword: each
// one given replaces the keyword's value (pptpd.c reads the file only for
// what the command line left unset).
struct ConfFlags {
  std::optional<std::string> listen;   // -l ADDR, an IPv4 address
  std::optional<std::string> option;   // -o FILE
  std::optional<std::string> pidfile;  // -p FILE
  std::optional<std::string> speed;    // -s SPEED
  std::optional<int> stimeout;         // -t SECONDS, positive
  std::optional<int> connections;      // -C N, positive
  bool logwtmp = false;                // -w
  bool noipparam = false;              // -i
  bool delegate = false;               // -D
};

struct Flags {
  std::string conf_path = "/etc/pptpd.conf";
  std::string chap_secrets_path = "/etc/ppp/chap-secrets";
  std::string pap_secrets_path = "/etc/ppp/pap-secrets";  // PAP, as pppd
  // pppd reads this before the `option` file; empty disables it (tests).
  std::string global_options_path = "/etc/ppp/options";
  std::string scripts_dir = "/etc/ppp";  // where ip-up and ip-down live
  bool foreground = false;
  bool debug = false;
  // --metrics ADDR:PORT over pptpd.conf's `metrics`; --metrics none: off.
  std::optional<config::HostPort> metrics;
  bool no_metrics = false;
  bool metrics_per_session = false;
  ConfFlags conf;  // over pptpd.conf
};

struct Settings {
  Flags flags;
  config::PptpdConf conf;
  config::PppOptions ppp;
  std::vector<config::Slot> slots;   // one per allowed connection
  std::vector<std::string> notices;  // lines to log at start (pptpd's reduction notice...)

  // Derived.
  std::optional<Ipv4> listen;  // nullopt: every address
  std::string our_name;        // pppd `name`, else the host name
  std::string pidfile = "/var/run/pptpd.pid";
  uint32_t speed = 115200;
  Duration stimeout = seconds(10);
  Duration gre_timeout = seconds(5);  // gre-timeout: no GRE from a new call's client
  AuthThrottleConfig auth_throttle;   // auth-throttle, auth-*
  bool debug = false;
  std::string ip_up_script, ip_down_script;
  ppp::SessionConfig session;  // LCP/auth/MPPE settings for every session
  NameServers servers;         // ms-dns, ms-wins
  uint16_t mtu = 1500;         // our `mtu` (cap on the interface MTU)
  Duration idle = seconds(0);  // pppd `idle`: 0 = never
  // GET /metrics (read at start only): the command line, else pptpd.conf.
  std::optional<config::HostPort> metrics;
  bool metrics_per_session = false;
};

// Loads and checks everything; problems are appended to diags.
Settings load_settings(const Flags& flags, config::Diagnostics& diags);

}  // namespace pptpx::server
