// SPDX-License-Identifier: MIT
#include "app/server/settings.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "app/common/ppp_settings.h"

namespace pptpx::server {

namespace {

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf) != 0) return "pptpx";
  return buf;
}

void warn(config::Diagnostics& d, const std::string& file, int line, std::string msg) {
  d.push_back({file, line, false, std::move(msg)});
}
void error(config::Diagnostics& d, const std::string& file, int line, std::string msg) {
  d.push_back({file, line, true, std::move(msg)});
}

// pptpd's `speed`: a positive decimal number that fits 32 bits.
std::optional<uint32_t> parse_speed(const std::string& text) {
  char* end = nullptr;
  unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (end && *end == 0 && v > 0 && v <= UINT32_MAX) return static_cast<uint32_t>(v);
  return std::nullopt;
}

// The command line's pptpd flags over the file's keywords.
void apply_conf_flags(const ConfFlags& f, config::PptpdConf& conf) {
  for (auto [flag, keyword] : {std::pair{&f.listen, &conf.listen},
                               {&f.option, &conf.option},
                               {&f.pidfile, &conf.pidfile},
                               {&f.speed, &conf.speed}})
    if (*flag) *keyword = *flag;
  if (f.option) conf.option_line = 0;  // named by -o, not by a line
  if (f.stimeout) conf.stimeout = *f.stimeout;
  if (f.connections) conf.connections = *f.connections;
  conf.logwtmp = conf.logwtmp || f.logwtmp;
  conf.noipparam = conf.noipparam || f.noipparam;
  conf.delegate = conf.delegate || f.delegate;
}

// /etc/ppp/options (when readable), then pptpd.conf's `option` file; an
// unreadable one is an error at the line (or flag) that names it.
void read_ppp_options(Settings& s, config::Diagnostics& diags) {
  const Flags& flags = s.flags;
  if (!flags.global_options_path.empty() && access(flags.global_options_path.c_str(), R_OK) == 0)
    config::parse_options_file(flags.global_options_path, s.ppp, diags);
  if (!s.conf.option) return;
  const std::string& path = *s.conf.option;
  config::FileReadResult r = config::read_whole_file(path);
  if (r.contents) {
    config::parse_options_text(*r.contents, path, s.ppp, diags);
  } else if (s.conf.option_line > 0) {
    error(diags, flags.conf_path, s.conf.option_line, "option " + path + ": " + r.error);
  } else {
    error(diags, "command line", 0, "-o " + path + ": " + r.error);
  }
}

// The client address slots from localip/remoteip.
void apply_slots(Settings& s, config::Diagnostics& diags) {
  const std::string& conf = s.flags.conf_path;
  config::SlotTable table = config::build_slot_table(s.conf, conf, diags);
  s.notices = std::move(table.notices);
  s.notices.push_back(config::describe_pool(s.conf, table));
  s.slots = std::move(table.slots);
  if (s.slots.empty()) error(diags, conf, 0, "no client addresses: remoteip gives none");
}

// listen, pidfile, speed and stimeout; the keywords not supported yet.
void apply_pptpd_conf(Settings& s, config::Diagnostics& diags) {
  const std::string& conf = s.flags.conf_path;
  if (s.conf.listen) {
    auto a = Ipv4::parse(*s.conf.listen);
    if (!a)
      error(diags, conf, 0, "listen: not an IPv4 address: '" + *s.conf.listen + "'");
    else if (!a->is_zero())
      s.listen = *a;
  }
  if (s.conf.pidfile) s.pidfile = *s.conf.pidfile;
  if (s.conf.speed) {
    if (auto v = parse_speed(*s.conf.speed))
      s.speed = *v;
    else
      error(diags, conf, 0, "speed: not a number: '" + *s.conf.speed + "'");
  }
  s.stimeout = seconds(s.conf.stimeout > 0 ? s.conf.stimeout : 10);
  s.gre_timeout = seconds(s.conf.gre_timeout);
  s.auth_throttle = AuthThrottleConfig{
      s.conf.auth_throttle,   s.conf.auth_free_failures, seconds(s.conf.auth_max_delay),
      s.conf.auth_block_user, s.conf.auth_block_source,  seconds(s.conf.auth_block_time)};
  const Flags& f = s.flags;
  if (!f.no_metrics) s.metrics = f.metrics ? f.metrics : s.conf.metrics;
  s.metrics_per_session = f.metrics_per_session || s.conf.metrics_per_session;
  if (s.conf.bcrelay)
    warn(diags, conf, 0, "bcrelay is not supported yet: broadcasts are not relayed");
  if (s.conf.vrf) warn(diags, conf, 0, "vrf is not supported yet, ignored");
  if (s.conf.ppp) warn(diags, conf, 0, "ppp: pptpx runs no pppd binary, ignored");
}

// debug, our name, the scripts, DNS/WINS for the clients (ms-dns, ms-wins), idle.
void apply_ppp_options(Settings& s) {
  const config::PppOptions& o = s.ppp;
  s.debug = s.flags.debug || s.conf.debug || o.debug > 0;
  s.our_name = o.name.value_or(host_name());
  s.ip_up_script = o.ip_up_script.value_or(s.flags.scripts_dir + "/ip-up");
  s.ip_down_script = o.ip_down_script.value_or(s.flags.scripts_dir + "/ip-down");
  s.servers = o.name_servers();
  if (o.idle) s.idle = seconds(*o.idle);
}

// plugin radius.so: said plainly until pptpxd is a RADIUS client (issue 15).
void check_radius(const Settings& s, config::Diagnostics& diags) {
  const config::PppOptions::Radius& r = s.ppp.radius;
  if (r.enabled)
    warn(diags, r.file, r.line,
         "plugin radius.so: pptpxd does not speak RADIUS yet: logins are checked against "
         "chap-secrets, addresses come from localip/remoteip, nothing is accounted");
  else if (r.radattr)
    warn(diags, s.conf.option.value_or(s.flags.conf_path), 0,
         "plugin radattr.so without radius.so: no RADIUS attributes to write, ignored");
}

// The PPP session's configuration: authentication both ways, link options,
// no IPv6, MPPE only with MS-CHAP.
void apply_session_options(Settings& s, config::Diagnostics& diags) {
  const config::PppOptions& o = s.ppp;
  const std::string& conf = s.flags.conf_path;
  ppp::SessionConfig& sc = s.session;
  sc.role = ppp::Role::kAuthenticator;
  sc.auth.allowed = app::to_ppp(config::peer_auth_protocols(o));
  sc.auth.authenticator.our_name = s.our_name;
  // When a client asks us to authenticate (server.cc decides per call).
  sc.auth.authenticatee.user = o.user.value_or(s.our_name);
  sc.auth.authenticatee.remote_name = o.remotename.value_or("");
  // MS-CHAP failures carry R=1 and a new challenge: the peer may try twice more.
  sc.auth.authenticator.max_retries = 2;
  app::apply_link_options(o, sc);
  if (o.mtu) s.mtu = static_cast<uint16_t>(*o.mtu);
  // IPv6 is not carried yet: IPV6CP is refused (Protocol-Reject), as pptpd
  // does without +ipv6.
  sc.ipv6 = false;
  if (o.ipv6.value_or(false))
    warn(diags, s.conf.option.value_or(conf), 0, "+ipv6: IPv6 is not supported yet, ignored");

  if (sc.mppe.required) {
    if (!app::has_mschap(sc.auth.allowed))
      error(diags, s.conf.option.value_or(conf), 0,
            "MPPE is required but no MS-CHAP authentication is required of the peer "
            "(add require-mschap-v2)");
  }
}

// pptpxd reads chap-secrets at each login, so one that is missing or
// unreadable at start is no reason not to start; but say so when clients
// must log in with CHAP or MS-CHAP.
void check_chap_secrets(const Settings& s, config::Diagnostics& diags) {
  const std::vector<ppp::AuthProtocol>& allowed = s.session.auth.allowed;
  const bool pap =
      std::find(allowed.begin(), allowed.end(), ppp::AuthProtocol::kPap) != allowed.end();
  if (allowed.size() == (pap ? 1u : 0u)) return;
  const std::string& path = s.flags.chap_secrets_path;
  if (access(path.c_str(), R_OK) == 0) return;
  const int e = errno;
  warn(diags, path, 0,
       std::string(std::strerror(e)) + ": every " + (pap ? "CHAP and MS-CHAP login" : "login") +
           " will fail until it " + (e == ENOENT ? "exists" : "can be read") +
           " (it is read at each login: no restart needed)");
}

}  // namespace

Settings load_settings(const Flags& flags, config::Diagnostics& diags) {
  Settings s;
  s.flags = flags;
  s.conf = config::load_pptpd_conf(flags.conf_path, diags);
  apply_conf_flags(flags.conf, s.conf);
  read_ppp_options(s, diags);
  apply_slots(s, diags);
  apply_pptpd_conf(s, diags);
  apply_ppp_options(s);
  apply_session_options(s, diags);
  check_chap_secrets(s, diags);
  check_radius(s, diags);
  return s;
}

}  // namespace pptpx::server
