// SPDX-License-Identifier: MIT
#include "app/client/settings.h"

#include <unistd.h>

#include <algorithm>

#include "app/common/ppp_settings.h"
#include "base/text.h"
#include "config/secrets.h"

namespace pptpx::client {

namespace {

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf) != 0) return "pptpx";
  return buf;
}

void warn(config::Diagnostics& d, const std::string& file, std::string msg) {
  d.push_back({file, 0, false, std::move(msg)});
}
void error(config::Diagnostics& d, const std::string& file, std::string msg) {
  d.push_back({file, 0, true, std::move(msg)});
}

// pppd auth_check_options and auth_reset for the server's direction: with
// `auth` or a require-* (and no later noauth) the server must authenticate.
// PAP stays only with a pap-secrets line, the CHAP family only with a
// chap-secrets line, for the server (client column: remotename when given,
// else any) as seen by us (server column: our name), allowing some address.
// With none left pppd refuses to start; so do we.
std::vector<ppp::AuthProtocol> verifiable_peer_methods(const config::PppOptions& o,
                                                       const Flags& flags,
                                                       const std::string& our_name,
                                                       const std::string& src,
                                                       config::Diagnostics& diags) {
  std::vector<ppp::AuthProtocol> wanted = app::to_ppp(config::peer_auth_protocols(o));
  if (wanted.empty()) return wanted;
  std::optional<std::string_view> peer;
  if (o.remotename) peer = *o.remotename;
  bool lacks_ip = false;
  bool pap = config::file_has_secret(flags.pap_secrets_path, peer, our_name, true, &lacks_ip);
  bool chap = config::file_has_secret(flags.chap_secrets_path, peer, our_name, true, &lacks_ip);
  std::vector<ppp::AuthProtocol> usable;
  for (ppp::AuthProtocol p : wanted)
    if (p == ppp::AuthProtocol::kPap ? pap : chap) usable.push_back(p);
  if (usable.empty()) {
    std::string who = o.remotename ? "The remote system (" + *o.remotename + ")"
                                   : std::string("The remote system");
    std::string msg = who +
                      " is required to authenticate itself but I couldn't find any suitable "
                      "secret (password) for it to use to do so.";
    if (lacks_ip) msg += " (None of the available passwords would let it use an IP address.)";
    error(diags, src, msg);
  }
  return usable;
}

// /etc/ppp/options (when readable), then `call NAME` and the command line's
// pppd words, as pppd reads them.
config::PppOptions read_ppp_options(const Flags& flags, config::Diagnostics& diags) {
  config::PppOptions ppp;
  config::ParseContext ctx;
  ctx.peers_dir = flags.peers_dir;
  if (!flags.global_options_path.empty() && access(flags.global_options_path.c_str(), R_OK) == 0)
    config::parse_options_file(flags.global_options_path, ppp, diags, ctx);
  std::vector<std::string> words = {"call", flags.call_name};
  words.insert(words.end(), flags.ppp_words.begin(), flags.ppp_words.end());
  config::parse_options_words(words, "command line", ppp, diags, ctx);
  return ppp;
}

void apply_pty(Settings& s, const std::string& src, config::Diagnostics& diags) {
  if (!s.ppp.pty) {
    error(diags, src, "no pty option: pptpx needs pty \"pptp HOST --nolaunchpppd\"");
  } else {
    s.pty = config::parse_pty_command(*s.ppp.pty);
    if (!s.pty.error.empty()) error(diags, src, s.pty.error);
    for (const auto& w : s.pty.warnings) warn(diags, src, w);
  }
}

// Names, scripts, routes and DNS, persist/maxfail/holdoff, logging.
void apply_process_options(Settings& s) {
  const config::PppOptions& o = s.ppp;
  const Flags& flags = s.flags;
  s.debug = o.debug > 0 || s.pty.loglevel >= 2;
  s.detach = o.detach;
  s.user = o.user.value_or(o.name.value_or(host_name()));
  s.remote_name = o.remotename.value_or("");
  s.ip_pre_up_script = o.ip_pre_up_script.value_or(flags.scripts_dir + "/ip-pre-up");
  s.ip_up_script = o.ip_up_script.value_or(flags.scripts_dir + "/ip-up");
  s.ip_down_script = o.ip_down_script.value_or(flags.scripts_dir + "/ip-down");
  s.ipparam = o.ipparam;
  s.linkname = o.linkname;
  if (o.unit && *o.unit >= 0) s.unit = static_cast<unsigned>(*o.unit);
  s.defaultroute = o.defaultroute.value_or(false) || o.replacedefaultroute;
  s.replacedefaultroute = o.replacedefaultroute;
  s.usepeerdns = o.usepeerdns;
  s.usepeerwins = o.usepeerwins;
  s.persist = o.persist.value_or(false);
  if (o.maxfail) s.maxfail = std::max(0, *o.maxfail);
  if (o.holdoff) s.holdoff_seconds = std::max(0, *o.holdoff);
  s.dump = o.dump;
  if (!o.nolog) {
    s.logfile = o.logfile;
    if (!s.logfile) {
      if (o.logfd)
        s.log_fd = *o.logfd;
      else if (o.detach != config::DetachMode::kDetach && !o.nologfd)
        s.log_fd = 2;
    }
  }
}

// Options parsed but not acted on yet by the client: say so once each.
void warn_not_supported(const config::PppOptions& o, const std::string& src,
                        config::Diagnostics& diags) {
  auto not_yet = [&](bool set, const char* name) {
    if (set) warn(diags, src, std::string(name) + " is not supported by pptpx call yet, ignored");
  };
  not_yet(o.idle.has_value(), "idle");
  not_yet(o.maxconnect.has_value(), "maxconnect");
  not_yet(o.proxyarp.value_or(false), "proxyarp");
  not_yet(o.ipv6.value_or(false), "+ipv6");
  // pppd's RADIUS plugins authenticate peers: a client has none to check.
  not_yet(o.radius.enabled || o.radius.radattr, "plugin radius.so/radattr.so");
}

// The PPP session's configuration: authentication both ways, link options,
// IPCP, MPPE.
void apply_session_options(Settings& s, const std::string& src, config::Diagnostics& diags) {
  const config::PppOptions& o = s.ppp;
  ppp::SessionConfig& sc = s.session;
  sc.role = ppp::Role::kAuthenticatee;
  sc.auth.allowed = app::to_ppp(config::own_auth_protocols(o));
  sc.auth.authenticatee.user = s.user;
  sc.auth.authenticatee.remote_name = s.remote_name;
  sc.auth.reverse = verifiable_peer_methods(o, s.flags, o.name.value_or(host_name()), src, diags);
  sc.auth.authenticator.our_name = o.name.value_or(host_name());
  sc.auth.authenticator.remote_name = s.remote_name;
  app::apply_link_options(o, sc);
  if (o.mtu) s.mtu = static_cast<uint16_t>(*o.mtu);
  sc.ipv6 = false;
  if (!o.noipdefault && o.local_ip && !o.local_ip->is_zero()) sc.ipcp_client.local = o.local_ip;
  sc.ipcp_client.request_dns = o.usepeerdns;
  sc.ipcp_client.request_wins = o.usepeerwins;

  if (s.flags.mppe_stateful_only) {
    sc.mppe.allow_stateful = true;
    sc.mppe.stateful_only = true;
  }
  if (sc.mppe.required) {
    if (!app::has_mschap(sc.auth.allowed))
      error(diags, src, "MPPE is required but every MS-CHAP method is refused: no keys");
  }
  if (sc.auth.allowed.empty())
    warn(diags, src, "every authentication method is refused: only a server without auth works");
}

// dump_settings' text, a line at a time.
struct DumpText {
  std::string out = "pptpx options in effect:\n";
  void line(const std::string& text) { out += text + "\n"; }
  void opt(bool on, const char* name) {
    if (on) line(name);
  }
};

// What only OpenWrt's `mppe` option can say: MPPE not required, or 56-bit
// apart from the other two.
void dump_openwrt_mppe(DumpText& d, const ppp::MppePolicy& m) {
  std::string list = m.required ? "required" : "";
  for (auto [allowed, no] :
       {std::pair{m.allow_40, "no40"}, {m.allow_56, "no56"}, {m.allow_128, "no128"}})
    if (!allowed) list += (list.empty() ? "" : ",") + std::string(no);
  if (!m.allow_stateful) list += list.empty() ? "stateless" : ",stateless";
  d.line("mppe " + list + (m.required ? "" : " (not required: used if the server agrees)"));
}

void dump_mppe(DumpText& d, const ppp::MppePolicy& m) {
  if (!m.enabled || (!m.allow_40 && !m.allow_56 && !m.allow_128)) {
    d.line("nomppe");
    return;
  }
  if (!m.required || m.allow_56 != (m.allow_40 && m.allow_128)) {
    dump_openwrt_mppe(d, m);
    d.opt(m.stateful_only, "(--mppe-stateful-only)");
    return;
  }
  if (m.required) {
    if (m.allow_40 && m.allow_128)
      d.line("require-mppe");
    else if (m.allow_128)
      d.line("require-mppe-128");
    else if (m.allow_40)
      d.line("require-mppe-40");
  }
  if (!m.allow_40) d.line("nomppe-40");
  if (!m.allow_128) d.line("nomppe-128");
  d.opt(m.allow_stateful, "mppe-stateful");
  d.opt(m.stateful_only, "(--mppe-stateful-only)");
}

// debug, detaching, persist/maxfail/holdoff and where the log goes.
void dump_process(DumpText& d, const Settings& s) {
  d.opt(s.debug, "debug");
  switch (s.detach) {
    case config::DetachMode::kNodetach: d.line("nodetach"); break;
    case config::DetachMode::kUpdetach: d.line("updetach"); break;
    case config::DetachMode::kDetach: break;
  }
  d.opt(s.persist, "persist");
  d.line("maxfail " + std::to_string(s.maxfail));
  d.line("holdoff " + std::to_string(s.holdoff_seconds));
  if (s.logfile)
    d.line("logfile " + *s.logfile);
  else if (s.log_fd >= 0)
    d.line("logfd " + std::to_string(s.log_fd));
  else
    d.line("nologfd");
}

// The link: names for the scripts, routes, DNS/WINS, addresses, sizes, echo,
// scripts.
void dump_link(DumpText& d, const Settings& s) {
  if (s.ipparam) d.line("ipparam " + *s.ipparam);
  if (s.linkname) d.line("linkname " + *s.linkname);
  if (s.unit) d.line("unit " + std::to_string(*s.unit));
  if (s.replacedefaultroute)
    d.line("replacedefaultroute");
  else
    d.opt(s.defaultroute, "defaultroute");
  d.opt(s.usepeerdns, "usepeerdns");
  d.opt(s.usepeerwins, "usepeerwins");
  if (s.session.ipcp_client.local) d.line(s.session.ipcp_client.local->str() + ":");
  d.line("mtu " + std::to_string(s.mtu));
  d.line("mru " + std::to_string(s.session.lcp.mru));
  d.line(s.ppp.mss_clamp ? "mssclamp" : "nomssclamp");
  d.line(s.ppp.mtu_check ? "mtu-check" : "nomtu-check");
  d.line("lcp-echo-interval " +
         std::to_string(std::chrono::duration_cast<seconds>(s.session.lcp.echo_interval).count()));
  d.line("lcp-echo-failure " + std::to_string(s.session.lcp.echo_failure));
  d.line("ip-pre-up-script " + s.ip_pre_up_script);
  d.line("ip-up-script " + s.ip_up_script);
  d.line("ip-down-script " + s.ip_down_script);
}

}  // namespace

Settings load_settings(const Flags& flags, config::Diagnostics& diags) {
  Settings s;
  s.flags = flags;
  s.ppp = read_ppp_options(flags, diags);
  const std::string src = s.ppp.call_file.value_or(flags.peers_dir + "/" + flags.call_name);
  apply_pty(s, src, diags);
  apply_process_options(s);
  warn_not_supported(s.ppp, src, diags);
  apply_session_options(s, src, diags);
  return s;
}

std::string dump_settings(const Settings& s) {
  DumpText d;
  d.line("pty \"pptp " + s.pty.host + " --nolaunchpppd\"");
  d.line("name " + s.user);
  if (!s.remote_name.empty()) d.line("remotename " + s.remote_name);
  if (s.ppp.password) d.line("password ??????");
  dump_mppe(d, s.session.mppe);
  dump_process(d, s);
  dump_link(d, s);
  return d.out;
}

std::string resolv_conf_text(std::optional<Ipv4> dns1, std::optional<Ipv4> dns2) {
  std::string out;
  if (dns1) out += "nameserver " + dns1->str() + "\n";
  if (dns2) out += "nameserver " + dns2->str() + "\n";
  return out;
}

}  // namespace pptpx::client
