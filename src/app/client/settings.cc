#include "app/client/settings.h"

#include "app/common/ppp_settings.h"
#include "config/secrets.h"

#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>

namespace pptpx::client {

namespace {


std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf) != 0) return "pptpx";
  return buf;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::optional<int> parse_int(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != 0 || v < 0 || v > INT_MAX) return std::nullopt;
  return static_cast<int>(v);
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

}  // namespace

PtyCommand parse_pty_command(std::string_view command) {
  PtyCommand pc;
  std::vector<std::string> w = split_words(command);
  if (w.empty()) {
    pc.error = "empty pty command";
    return pc;
  }
  const std::string& prog = w[0];
  if (prog != "pptp" && !(prog.size() > 5 && prog.ends_with("/pptp"))) {
    pc.error = "pty command '" + prog + "' is not pptp: pptpx only dials PPTP servers";
    return pc;
  }
  // pptp-linux options that take an argument (getopt_long: "--opt ARG" or
  // "--opt=ARG").
  static const char* const kWithArg[] = {"phone",     "quirks",      "timeout",        "idle-wait",
                                         "max-echo-wait", "logstring", "localbind", "bind",
                                         "rtmark",    "loglevel",    "test-type",      "test-rate",
                                         "missing-window", "client-hostname"};
  bool nolaunchpppd = false;
  std::vector<std::string> extra;
  for (size_t i = 1; i < w.size(); ++i) {
    const std::string& word = w[i];
    if (!word.starts_with("--")) {
      if (pc.host.empty()) pc.host = word;
      else extra.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    bool takes_arg = false;
    for (const char* k : kWithArg) takes_arg |= name == k;
    if (takes_arg && !value) {
      if (i + 1 >= w.size()) {
        pc.error = "pptp option --" + name + " needs a value";
        return pc;
      }
      value = w[++i];
    }
    if (name == "nolaunchpppd") {
      nolaunchpppd = true;
    } else if (name == "phone") {
      pc.phone = *value;
    } else if (name == "localbind" || name == "bind") {
      pc.localbind = Ipv4::parse(*value);
      if (!pc.localbind) pc.warnings.push_back("pptp --" + name + " " + *value +
                                               ": not an IPv4 address, ignored");
    } else if (name == "idle-wait" || name == "max-echo-wait") {
      std::optional<int> n = parse_int(*value);
      if (!n || *n <= 0) pc.warnings.push_back("pptp --" + name + " " + *value + ": not a positive number, ignored");
      else (name == "idle-wait" ? pc.idle_wait : pc.max_echo_wait) = n;
    } else if (name == "loglevel") {
      std::optional<int> n = parse_int(*value);
      if (!n || *n < 0 || *n > 2) pc.warnings.push_back("pptp --loglevel " + *value + ": not 0, 1 or 2, ignored");
      else pc.loglevel = *n;
    } else if (name == "client-hostname") {
      pc.client_hostname = *value;
    } else if (name == "nohostroute") {
      pc.nohostroute = true;
    } else if (name == "timeout") {
      char* end = nullptr;
      double sec = std::strtod(value->c_str(), &end);
      if (value->empty() || *end != '\0' || !(sec >= 0.01 && sec <= 10)) {
        pc.error = "pptp --timeout " + *value + ": must be 0.01 to 10 seconds, as pptp requires";
      } else {
        pc.reorder_timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(sec));
      }
    } else if (name == "nobuffer") {
      pc.nobuffer = true;
    } else if (name == "missing-window") {
      pc.warnings.push_back("pptp --missing-window ignored: the reorder window holds at most 8 "
                            "packets, and a further jump is taken as loss at once");
    } else if (name == "sync" || name == "debug" || name == "version") {
      pc.warnings.push_back("pptp --" + name + " has no meaning for pptpx, ignored");
    } else if (takes_arg) {
      pc.warnings.push_back("pptp --" + name + " is not supported by pptpx yet, ignored");
    } else {
      pc.warnings.push_back("pptp --" + name + ": unknown pptp option, ignored");
    }
  }
  if (pc.host.empty()) {
    pc.error = "no server name or address in the pty command";
    return pc;
  }
  if (!nolaunchpppd)
    pc.warnings.push_back("pty command without --nolaunchpppd: pptpx runs the link itself anyway");
  for (const auto& e : extra)
    pc.warnings.push_back("pty command word '" + e + "' (pppd option for pptp) ignored");
  return pc;
}

Settings load_settings(const Flags& flags, config::Diagnostics& diags) {
  Settings s;
  s.flags = flags;
  config::ParseContext ctx;
  ctx.peers_dir = flags.peers_dir;
  if (!flags.global_options_path.empty() && access(flags.global_options_path.c_str(), R_OK) == 0)
    config::parse_options_file(flags.global_options_path, s.ppp, diags, ctx);
  std::vector<std::string> words = {"call", flags.call_name};
  words.insert(words.end(), flags.ppp_words.begin(), flags.ppp_words.end());
  config::parse_options_words(words, "command line", s.ppp, diags, ctx);

  const config::PppOptions& o = s.ppp;
  const std::string src = o.call_file.value_or(flags.peers_dir + "/" + flags.call_name);
  if (!o.pty) {
    error(diags, src, "no pty option: pptpx needs pty \"pptp HOST --nolaunchpppd\"");
  } else {
    s.pty = parse_pty_command(*o.pty);
    if (!s.pty.error.empty()) error(diags, src, s.pty.error);
    for (const auto& w : s.pty.warnings) warn(diags, src, w);
  }

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
      if (o.logfd) s.log_fd = *o.logfd;
      else if (o.detach != config::DetachMode::kDetach && !o.nologfd) s.log_fd = 2;
    }
  }

  // Options parsed but not acted on yet by the client: say so once each.
  auto not_yet = [&](bool set, const char* name) {
    if (set) warn(diags, src, std::string(name) + " is not supported by pptpx call yet, ignored");
  };
  not_yet(o.idle.has_value(), "idle");
  not_yet(o.maxconnect.has_value(), "maxconnect");
  not_yet(o.proxyarp.value_or(false), "proxyarp");
  not_yet(o.ipv6.value_or(false), "+ipv6");

  ppp::SessionConfig& sc = s.session;
  sc.role = ppp::Role::kAuthenticatee;
  sc.auth.allowed = app::to_ppp(config::own_auth_protocols(o));
  sc.auth.authenticatee.user = s.user;
  sc.auth.authenticatee.remote_name = s.remote_name;
  sc.auth.reverse = verifiable_peer_methods(o, flags, o.name.value_or(host_name()), src, diags);
  sc.auth.authenticator.our_name = o.name.value_or(host_name());
  sc.auth.authenticator.remote_name = s.remote_name;
  app::apply_link_options(o, sc);
  if (o.mtu) s.mtu = static_cast<uint16_t>(*o.mtu);
  sc.ipv6 = false;
  if (!o.noipdefault && o.local_ip && !o.local_ip->is_zero()) sc.ipcp_client.local = o.local_ip;
  sc.ipcp_client.request_dns = o.usepeerdns;
  sc.ipcp_client.request_wins = o.usepeerwins;

  if (flags.mppe_stateful_only) {
    sc.mppe.allow_stateful = true;
    sc.mppe.stateful_only = true;
  }
  if (sc.mppe.required) {
    if (!app::has_mschap(sc.auth.allowed))
      error(diags, src, "MPPE is required but every MS-CHAP method is refused: no keys");
  }
  if (sc.auth.allowed.empty())
    warn(diags, src, "every authentication method is refused: only a server without auth works");
  return s;
}

std::string dump_settings(const Settings& s) {
  std::string out = "pptpx options in effect:\n";
  auto line = [&](const std::string& text) { out += text + "\n"; };
  auto opt = [&](bool on, const char* name) {
    if (on) line(name);
  };
  line("pty \"pptp " + s.pty.host + " --nolaunchpppd\"");
  line("name " + s.user);
  if (!s.remote_name.empty()) line("remotename " + s.remote_name);
  if (s.ppp.password) line("password ??????");
  const auto& m = s.session.mppe;
  if (!m.enabled || (!m.allow_40 && !m.allow_56 && !m.allow_128)) {
    line("nomppe");
  } else {
    if (m.required) {
      if (m.allow_40 && m.allow_128) line("require-mppe");
      else if (m.allow_128) line("require-mppe-128");
      else if (m.allow_40) line("require-mppe-40");
    }
    if (!m.allow_40) line("nomppe-40");
    if (!m.allow_128) line("nomppe-128");
    opt(m.allow_stateful, "mppe-stateful");
    opt(m.stateful_only, "(--mppe-stateful-only)");
  }
  opt(s.debug, "debug");
  switch (s.detach) {
    case config::DetachMode::kNodetach: line("nodetach"); break;
    case config::DetachMode::kUpdetach: line("updetach"); break;
    case config::DetachMode::kDetach: break;
  }
  opt(s.persist, "persist");
  line("maxfail " + std::to_string(s.maxfail));
  line("holdoff " + std::to_string(s.holdoff_seconds));
  if (s.logfile) line("logfile " + *s.logfile);
  else if (s.log_fd >= 0) line("logfd " + std::to_string(s.log_fd));
  else line("nologfd");
  if (s.ipparam) line("ipparam " + *s.ipparam);
  if (s.linkname) line("linkname " + *s.linkname);
  if (s.unit) line("unit " + std::to_string(*s.unit));
  if (s.replacedefaultroute) line("replacedefaultroute");
  else opt(s.defaultroute, "defaultroute");
  opt(s.usepeerdns, "usepeerdns");
  opt(s.usepeerwins, "usepeerwins");
  if (s.session.ipcp_client.local) line(s.session.ipcp_client.local->str() + ":");
  line("mtu " + std::to_string(s.mtu));
  line("mru " + std::to_string(s.session.lcp.mru));
  line("lcp-echo-interval " + std::to_string(std::chrono::duration_cast<seconds>(s.session.lcp.echo_interval).count()));
  line("lcp-echo-failure " + std::to_string(s.session.lcp.echo_failure));
  line("ip-pre-up-script " + s.ip_pre_up_script);
  line("ip-up-script " + s.ip_up_script);
  line("ip-down-script " + s.ip_down_script);
  return out;
}

std::string resolv_conf_text(std::optional<Ipv4> dns1, std::optional<Ipv4> dns2) {
  std::string out;
  if (dns1) out += "nameserver " + dns1->str() + "\n";
  if (dns2) out += "nameserver " + dns2->str() + "\n";
  return out;
}

std::optional<pid_t> read_pid_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  auto v = parse_int(line);
  if (!v || *v <= 1) return std::nullopt;
  return static_cast<pid_t>(*v);
}

}  // namespace pptpx::client
