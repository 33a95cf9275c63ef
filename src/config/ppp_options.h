// SPDX-License-Identifier: MIT
// pppd options: files (/etc/ppp/options, `file`, `call`, peers files) and
// command-line words parsed into one PppOptions, with pppd 2.4.9's names and
// semantics (docs/compatibility.md, "pppd options" and "Options files").
// Options pppd knows but pptpx does not implement are skipped with a
// warning; words pppd would reject are errors.
//
// Precedence: the caller parses sources in pppd's order into the same
// PppOptions; a later value overrides an earlier one. pppd's per-source
// priority levels are not modelled.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/ip.h"
#include "config/diagnostic.h"
#include "config/tokenizer.h"

namespace pptpx::config {

// CHAP digest bits, as pppd's chap_mdtype.
inline constexpr uint8_t kMdMd5 = 1;
inline constexpr uint8_t kMdMsChap = 2;
inline constexpr uint8_t kMdMsChapV2 = 4;
// MPPE strength bits, as pppd's ccp_wantoptions.mppe.
inline constexpr uint8_t kMppe40 = 1;
inline constexpr uint8_t kMppe128 = 2;

enum class DetachMode { kDetach, kUpdetach, kNodetach };

struct PppOptions {
  // Names and authentication.
  std::optional<std::string> name, user, password, remotename;
  std::optional<bool> auth_required;  // auth / noauth / require-* (last wins)
  uint8_t require_chap = 0;           // kMd* bits from require-chap/-mschap/-mschap-v2
  bool require_pap = false;
  bool require_eap = false;
  bool refuse_pap = false, refuse_chap = false, refuse_mschap = false, refuse_mschap_v2 = false,
       refuse_eap = false;
  bool chapms_strip_domain = false;

  // CCP / MPPE.
  uint8_t mppe = 0;  // kMppe* bits wanted (require-mppe*, nomppe*, mppe)
  // 56-bit MPPE, which stock pppd lacks: nullopt allows it whenever 40 and
  // 128 bits both are; OpenWrt's `mppe` option says yes or no (no56).
  std::optional<bool> mppe_56;
  bool mppe_optional = false;  // `mppe` without `required`: used if the peer agrees
  bool mppe_stateful = false;
  bool noccp = false;
  bool nobsdcomp = false, nodeflate = false;

  // IPCP.
  std::optional<Ipv4> local_ip, remote_ip;             // "L:R"
  std::array<std::optional<Ipv4>, 2> ms_dns, ms_wins;  // in the order given
  NameServers name_servers() const { return {ms_dns[0], ms_dns[1], ms_wins[0], ms_wins[1]}; }
  std::optional<bool> proxyarp, defaultroute;
  bool replacedefaultroute = false;
  bool usepeerdns = false, noipdefault = false;
  bool usepeerwins = false;  // pppd 2.5
  bool ipcp_accept_local = false, ipcp_accept_remote = false;
  std::optional<bool> ipv6;
  bool novj = false, novjccomp = false;

  // LCP.
  bool noaccomp = false, nopcomp = false;
  bool default_asyncmap = false;
  std::optional<uint32_t> asyncmap;
  std::optional<int> mtu, mru;
  std::optional<int> lcp_echo_interval, lcp_echo_failure, lcp_restart, lcp_max_configure,
      lcp_max_terminate, lcp_max_failure;
  // pptpx's own (pppd has neither word): `mssclamp` (the default) and
  // `nomssclamp` turn TCP MSS clamping to the tunnel's MTU on and off.
  bool mss_clamp = true;
  // `mtu-check` (the default) and `nomtu-check`: once IP is up, probe
  // whether full-size tunnel packets cross the path and log the mtu/mru
  // to set where they do not (proto/session/path_check.h).
  bool mtu_check = true;

  // Link and process control.
  std::optional<int> idle, maxconnect, unit, maxfail, holdoff, connect_delay;
  std::optional<bool> persist, lock;
  DetachMode detach = DetachMode::kDetach;
  bool local = false, dump = false;
  int debug = 0;  // each `debug` adds one
  bool nolog = false, nologfd = false;
  std::optional<std::string> logfile;
  std::optional<int> logfd;
  std::optional<std::string> ipparam, linkname, pty;
  std::optional<std::string> ip_up_script, ip_down_script, ip_pre_up_script;
  std::optional<uint32_t> tty_speed;
  std::optional<std::string> tty_device;

  // pppd's radius.so and radattr.so plugins and their options (issue 15).
  struct Radius {
    bool enabled = false;  // plugin radius.so
    std::string file;      // where that plugin line is, for messages
    int line = 0;
    bool radattr = false;  // plugin radattr.so: /var/run/radattr.pppN
    std::string config_file = "/etc/radiusclient/radiusclient.conf";  // radius-config-file
    std::vector<std::string> avpairs;                                 // avpair NAME=VALUE, in order
  } radius;

  std::vector<std::string> included_files;   // file/call, in order
  std::optional<std::string> call_file;      // the last `call` target path
  std::vector<std::string> ignored_options;  // pppd options we skipped
};

// Reads a whole file; nullopt + errno-style text on failure.
struct FileReadResult {
  std::optional<std::string> contents;
  std::string error;  // e.g. "No such file or directory"
};
using FileReader = std::function<FileReadResult(const std::string& path)>;
FileReadResult read_whole_file(const std::string& path);

struct ParseContext {
  std::string peers_dir = "/etc/ppp/peers";
  FileReader read_file = read_whole_file;  // for file/call; tests and fuzzers replace it
  int max_include_depth = 16;              // pppd has none; this only stops include loops
};

// Parses an options file; a missing/unreadable file is an error.
void parse_options_file(const std::string& path, PppOptions& out, Diagnostics& diags,
                        const ParseContext& ctx = {});
// Parses option text already in memory, named `file` in diagnostics.
void parse_options_text(std::string_view text, const std::string& file, PppOptions& out,
                        Diagnostics& diags, const ParseContext& ctx = {});
// Parses command-line words, taken literally (no escapes, no comments).
void parse_options_words(const std::vector<std::string>& words, const std::string& source_name,
                         PppOptions& out, Diagnostics& diags, const ParseContext& ctx = {});

// Auth protocols, in pppd's order of preference.
enum class AuthProto { kMsChapV2, kMsChapV1, kChapMd5, kPap };

// What we demand from the peer (server role), as pppd's auth_check_options +
// LCP: nothing unless auth is required; with no require-* every method.
// EAP is not offered by pptpx and never listed.
std::vector<AuthProto> peer_auth_protocols(const PppOptions& o);
// What we agree to when the peer asks us to authenticate (client role).
std::vector<AuthProto> own_auth_protocols(const PppOptions& o);

struct MppePolicy {
  bool enabled = false;   // pppd negotiates MPPE only when it is wanted...
  bool required = false;  // ...and then it is mandatory (unless `mppe` without `required`)
  bool allow_40 = false;
  bool allow_56 = false;
  bool allow_128 = false;
  bool allow_stateful = false;
};
MppePolicy mppe_policy(const PppOptions& o);

// Options pppd 2.4.9 accepts that pptpx does not implement, with their
// argument count; nullopt if `name` is not such an option.
std::optional<int> unsupported_option_args(std::string_view name);

}  // namespace pptpx::config
