// SPDX-License-Identifier: MIT
// PoPToP pptpd.conf (docs/compatibility.md, pptpd.conf) and its
// localip/remoteip address specification (pptpd.c processIPStr;
// docs/compatibility.md, localip and remoteip), expanded into a slot table.
//
// Line based: '#' in column 0 is a comment, a line starting with whitespace
// is an error, the keyword ends at the first space or tab and the value is
// the rest of the line verbatim (no quotes, escapes or inline comments).
// Keywords are case-sensitive and the first occurrence wins. Where pptpd
// would quietly run without a line or with a garbled value, pptpxd stops:
// a line over pptpd's 510 characters and a value followed by a '# comment'
// are errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "config/diagnostic.h"

namespace pptpx::config {

inline constexpr int kDefaultConnections = 100;
inline constexpr int kDefaultStimeout = 10;
// connections above this are cut to it, with a warning: a PPTP call ID is 16
// bits, and a larger number could only reserve memory (with delegate, one
// slot each) for calls that can never be placed.
inline constexpr int kMaxConnections = 65535;
// listen-backlog (a pptpx extension): listen(2)'s backlog, at most this;
// the kernel caps it further to net.core.somaxconn.
inline constexpr int kMaxListenBacklog = 65535;
// reorder-timeout (a pptpx extension): milliseconds a GRE packet that
// arrives ahead of a gap waits for it (0: no reorder window).
inline constexpr int kDefaultReorderTimeoutMs = 10;
inline constexpr int kMaxReorderTimeoutMs = 10000;
// gre-timeout (a pptpx extension): seconds after a call is placed with no
// GRE from the client before pptpxd says GRE looks blocked.
inline constexpr int kDefaultGreTimeout = 5;
inline constexpr int kMaxGreTimeout = 600;
// waiting-per-source (a pptpx extension): control connections without a
// call yet that one source address may hold at once.
inline constexpr int kDefaultWaitingPerSource = 4;
inline constexpr int kMaxWaitingPerSource = 65535;
// auth-throttle and its numbers (pptpx extensions): failed authentications
// per source address and user name; see app/server/auth_throttle.h.
inline constexpr int kDefaultAuthFreeFailures = 3;
inline constexpr int kDefaultAuthMaxDelay = 15;  // seconds
// The delay must end before the client (pptpx: 30 s) or our own
// authentication timeout (60 s) gives up.
inline constexpr int kMaxAuthMaxDelay = 30;
inline constexpr int kDefaultAuthBlockUser = 10;
inline constexpr int kDefaultAuthBlockSource = 30;
inline constexpr int kDefaultAuthBlockTime = 900;  // seconds
inline constexpr int kMaxAuthCount = 1000000;
inline constexpr int kMaxAuthBlockTime = 86400 * 7;
inline constexpr std::string_view kDefaultLocalIp = "192.168.0.1-100";
inline constexpr std::string_view kDefaultRemoteIp = "192.168.1.1-100";

// metrics (a pptpx extension): where pptpxd serves GET /metrics.
struct HostPort {
  Ipv4 addr;  // 0.0.0.0: every address
  uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};
// "ADDR:PORT": an IPv4 address and a port from 1 to 65535, nothing else.
std::optional<HostPort> parse_host_port(std::string_view text);

struct PptpdConf {
  std::optional<std::string> option;                         // pppd options file
  std::optional<std::string> localip, remoteip;              // raw specs
  int option_line = 0, localip_line = 0, remoteip_line = 0;  // for diagnostics
  std::optional<std::string> listen, pidfile, speed, bcrelay, vrf, ppp;
  int connections = kDefaultConnections;
  int stimeout = kDefaultStimeout;
  std::optional<int> listen_backlog;                  // pptpx extension; default net.core.somaxconn
  int reorder_timeout_ms = kDefaultReorderTimeoutMs;  // pptpx extension
  int gre_timeout = kDefaultGreTimeout;               // pptpx extension, seconds
  int waiting_per_source = kDefaultWaitingPerSource;  // pptpx extension
  bool auth_throttle = true;                          // pptpx extensions: auth-*
  int auth_free_failures = kDefaultAuthFreeFailures;
  int auth_max_delay = kDefaultAuthMaxDelay;
  int auth_block_user = kDefaultAuthBlockUser;
  int auth_block_source = kDefaultAuthBlockSource;
  int auth_block_time = kDefaultAuthBlockTime;
  std::optional<HostPort> metrics;   // pptpx extension; default off
  bool metrics_per_session = false;  // pptpx extension
  bool debug = false, noipparam = false, logwtmp = false, delegate = false;
};

PptpdConf parse_pptpd_conf(std::string_view text, const std::string& file, Diagnostics& diags);
// An unreadable file is an error.
PptpdConf load_pptpd_conf(const std::string& path, Diagnostics& diags);

// Expands a SPEC ("a.b.c.d", "a.b.c.d-e", "a.b-c.d.e", comma lists) in
// order, stopping at `limit` addresses with pptpd's warning. A bad address
// is an error (pptpd exits); an element with several hyphens is skipped
// with a warning. Host names are not resolved and count as bad addresses.
std::vector<Ipv4> expand_ip_spec(std::string_view spec, size_t limit, const std::string& file,
                                 int line, Diagnostics& diags);

struct Slot {
  Ipv4 local;
  Ipv4 remote;
};

struct SlotTable {
  std::vector<Slot> slots;           // size = usable connections
  std::vector<std::string> notices;  // pptpd's log lines, e.g. the reduction notice
};

// pptpd's slot table for `conf` (remoteip first, then localip; a single
// localip shared by every slot, a list index-matched; each list shorter than
// the connection count reduces it). With delegate, `connections` slots
// without addresses: they come from chap-secrets or the options file.
SlotTable build_slot_table(const PptpdConf& conf, const std::string& file, Diagnostics& diags);

// Addresses in order, runs of consecutive ones in one /24 written as
// pptpd's ranges: "10.0.0.2-254,10.0.1.2-254".
std::string compact_ranges(const std::vector<Ipv4>& addrs);

// The pool the slot table gives, for the log at start: "pool
// 10.10.0.10-20: 11 addresses, connections 11", saying so when it is
// pptpd's default or there is none (delegate).
std::string describe_pool(const PptpdConf& conf, const SlotTable& table);

}  // namespace pptpx::config
