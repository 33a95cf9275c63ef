// SPDX-License-Identifier: MIT
// pppd options parser (docs/compatibility.md, pppd options; pppd options.c,
// auth.c, ccp.c, ipcp.c).
#include "config/ppp_options.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace pptpx::config {
namespace {

struct State {
  PppOptions& o;
  Diagnostics& diags;
  const ParseContext& ctx;
  int depth = 0;
  bool failed = false;

  void error(const Word& at, std::string msg) {
    diags.push_back({at.file, at.line, true, std::move(msg)});
    failed = true;
  }
  void warn(const Word& at, std::string msg) {
    diags.push_back({at.file, at.line, false, std::move(msg)});
  }
};

void parse_words(State& st, const std::vector<Word>& words);
void include_file(State& st, const Word& at, const std::string& path);

// pppd's number_option: strtol with base detection; only "no digits at all"
// is an error, trailing text is ignored.
std::optional<long> number(State& st, const Word& opt, const Word& arg, int base = 0) {
  const char* s = arg.text.c_str();
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, base);
  if (end == s || errno == ERANGE) {
    st.error(arg, "invalid numeric parameter '" + arg.text + "' for " + opt.text + " option");
    return std::nullopt;
  }
  return v;
}

// plugin NAME: radius.so and radattr.so are built in (by their file name,
// wherever pppd would have loaded them from); any other plugin is skipped
// with a warning.
void plugin(State& st, const Word& arg) {
  const std::string& path = arg.text;
  const std::string name =
      path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  if (name == "radius.so") {
    st.o.radius.enabled = true;
    st.o.radius.file = arg.file;
    st.o.radius.line = arg.line;
  } else if (name == "radattr.so") {
    st.o.radius.radattr = true;
  } else {
    st.o.ignored_options.push_back("plugin " + path);
    st.warn(arg, "plugin '" + path +
                     "' is not supported by pptpx, ignored (built in: radius.so, radattr.so)");
  }
}

void set_int(State& st, const Word& opt, const Word& arg, std::optional<int>& field) {
  if (auto v = number(st, opt, arg)) field = static_cast<int>(*v);
}

void set_limited(State& st, const Word& opt, const Word& arg, std::optional<int>& field, int lo,
                 int hi) {
  auto v = number(st, opt, arg);
  if (!v) return;
  if (*v < lo || *v > hi) {
    st.error(arg, opt.text + " value must be between " + std::to_string(lo) + " and " +
                      std::to_string(hi));
    return;
  }
  field = static_cast<int>(*v);
}

// pppd refuses these as peer or local addresses (ipcp.c bad_ip_adrs).
bool bad_address(Ipv4 a) {
  const uint32_t top = a.value >> 24;
  return top == 127 || top >= 224 || a.value == 0;
}

std::optional<Ipv4> address_arg(State& st, const Word& opt, const Word& arg) {
  auto a = Ipv4::parse(arg.text);
  if (!a) st.error(arg, "invalid address parameter '" + arg.text + "' for " + opt.text + " option");
  return a;
}

// pppd setdnsaddr/setwinsaddr: the last two values given, the second-last as
// primary; a single value becomes both primary and secondary.
void push_server(std::array<std::optional<Ipv4>, 2>& slot, Ipv4 a) {
  if (!slot[1])
    slot[0] = a;
  else
    slot[0] = slot[1];
  if (!slot[0]) slot[0] = a;
  slot[1] = a;
}

// require-mppe*: MPPE mandatory with these strengths, in place of the
// others (require-mppe) or added to them.
void require_mppe(PppOptions& o, uint8_t bits, bool replace) {
  o.mppe = replace ? bits : static_cast<uint8_t>(o.mppe | bits);
  if (replace) o.mppe_56.reset();
  o.mppe_optional = false;
}

void no_mppe(PppOptions& o) {
  o.mppe = 0;
  o.mppe_56.reset();
  o.mppe_optional = false;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

struct MppeWords {
  bool required = false, stateless = false;
  bool allow_40 = true, allow_56 = true, allow_128 = true;
};

// One word of the `mppe` list into w; false when it is none of them.
bool mppe_word(std::string_view word, MppeWords& w) {
  if (starts_with_nocase(word, "no40"))
    w.allow_40 = false;
  else if (starts_with_nocase(word, "no56"))
    w.allow_56 = false;
  else if (starts_with_nocase(word, "no128"))
    w.allow_128 = false;
  else if (starts_with_nocase(word, "stateless"))
    w.stateless = true;
  else if (starts_with_nocase(word, "required"))
    w.required = true;
  else
    return false;
  return true;
}

// `word`, in the `mppe` list `arg`, is none of the words.
void mppe_list_error(State& st, const Word& opt, const Word& arg, std::string_view word) {
  if (arg.first_on_line) {  // a bare `mppe`: the next line's option is no list
    st.error(opt,
             "mppe: no list after it (required, stateless, no40, no56, no128); the next word, '" +
                 arg.text + "' on line " + std::to_string(arg.line) + ", is not one");
    return;
  }
  st.error(arg, "invalid parameter '" + std::string(word) +
                    "' for mppe option (required, stateless, no40, no56, no128)");
}

// OpenWrt's and DD-WRT's pppd (the MPPE-MPPC patch): `mppe` takes a comma
// list of required, stateless, no40, no56 and no128, each matched as that
// patch matches it (case-insensitive, as a prefix). Each `mppe` starts from
// every strength allowed, stateful mode allowed and MPPE not required.
void set_mppe(State& st, const Word& opt, const Word& arg) {
  MppeWords w;
  std::string_view rest = arg.text;
  for (;;) {
    const size_t comma = rest.find(',');
    const std::string_view word = rest.substr(0, comma);
    if (!mppe_word(word, w)) {
      mppe_list_error(st, opt, arg, word);
      return;
    }
    if (comma == rest.npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (!w.allow_40 && !w.allow_56 && !w.allow_128) {
    if (w.required)
      st.error(arg, "mppe: required, but no40, no56 and no128 leave no key length");
    else
      no_mppe(st.o);  // as the patch: MPPE off
    return;
  }
  st.o.mppe = static_cast<uint8_t>((w.allow_40 ? kMppe40 : 0) | (w.allow_128 ? kMppe128 : 0));
  st.o.mppe_56 = w.allow_56;
  st.o.mppe_optional = !w.required;
  st.o.mppe_stateful = !w.stateless;
}

using Handler = void (*)(State&, const Word& opt, const Word* arg);

struct Spec {
  std::string_view name;
  int args;
  Handler fn;
};

#define FLAG(n, stmt)                               \
  {                                                 \
    n, 0, [](State& st, const Word&, const Word*) { \
      (void)st;                                     \
      stmt;                                         \
    }                                               \
  }
#define ARG(n, stmt)                                        \
  {                                                         \
    n, 1, [](State& st, const Word& opt, const Word* arg) { \
      (void)opt;                                            \
      stmt;                                                 \
    }                                                       \
  }

const Spec kSpecs[] = {
    FLAG("auth", st.o.auth_required = true),
    FLAG("noauth", st.o.auth_required = false),
    FLAG("require-pap", (st.o.require_pap = true, st.o.auth_required = true)),
    FLAG("+pap", (st.o.require_pap = true, st.o.auth_required = true)),
    FLAG("require-chap", (st.o.require_chap |= kMdMd5, st.o.auth_required = true)),
    FLAG("+chap", (st.o.require_chap |= kMdMd5, st.o.auth_required = true)),
    FLAG("require-mschap", (st.o.require_chap |= kMdMsChap, st.o.auth_required = true)),
    FLAG("+mschap", (st.o.require_chap |= kMdMsChap, st.o.auth_required = true)),
    FLAG("require-mschap-v2", (st.o.require_chap |= kMdMsChapV2, st.o.auth_required = true)),
    FLAG("+mschap-v2", (st.o.require_chap |= kMdMsChapV2, st.o.auth_required = true)),
    FLAG("require-eap", (st.o.require_eap = true, st.o.auth_required = true)),
    FLAG("refuse-pap", st.o.refuse_pap = true),
    FLAG("-pap", st.o.refuse_pap = true),
    FLAG("refuse-chap", st.o.refuse_chap = true),
    FLAG("-chap", st.o.refuse_chap = true),
    FLAG("refuse-mschap", st.o.refuse_mschap = true),
    FLAG("-mschap", st.o.refuse_mschap = true),
    FLAG("refuse-mschap-v2", st.o.refuse_mschap_v2 = true),
    FLAG("-mschap-v2", st.o.refuse_mschap_v2 = true),
    FLAG("refuse-eap", st.o.refuse_eap = true),
    FLAG("chapms-strip-domain", st.o.chapms_strip_domain = true),
    FLAG("require-mppe", require_mppe(st.o, kMppe40 | kMppe128, true)),
    FLAG("+mppe", require_mppe(st.o, kMppe40 | kMppe128, true)),
    FLAG("require-mppe-40", require_mppe(st.o, kMppe40, false)),
    FLAG("+mppe-40", require_mppe(st.o, kMppe40, false)),
    FLAG("require-mppe-128", require_mppe(st.o, kMppe128, false)),
    FLAG("+mppe-128", require_mppe(st.o, kMppe128, false)),
    FLAG("nomppe", no_mppe(st.o)),
    FLAG("-mppe", no_mppe(st.o)),
    ARG("mppe", set_mppe(st, opt, *arg)),
    FLAG("nomppe-40", st.o.mppe &= static_cast<uint8_t>(~kMppe40)),
    FLAG("-mppe-40", st.o.mppe &= static_cast<uint8_t>(~kMppe40)),
    FLAG("nomppe-128", st.o.mppe &= static_cast<uint8_t>(~kMppe128)),
    FLAG("-mppe-128", st.o.mppe &= static_cast<uint8_t>(~kMppe128)),
    FLAG("mppe-stateful", st.o.mppe_stateful = true),
    FLAG("nomppe-stateful", st.o.mppe_stateful = false),
    FLAG("noccp", st.o.noccp = true),
    FLAG("-ccp", st.o.noccp = true),
    FLAG("nobsdcomp", st.o.nobsdcomp = true),
    FLAG("-bsdcomp", st.o.nobsdcomp = true),
    FLAG("nodeflate", st.o.nodeflate = true),
    FLAG("-deflate", st.o.nodeflate = true),
    FLAG("novj", st.o.novj = true),
    FLAG("-vj", st.o.novj = true),
    FLAG("novjccomp", st.o.novjccomp = true),
    FLAG("-vjccomp", st.o.novjccomp = true),
    FLAG("noaccomp", st.o.noaccomp = true),
    FLAG("-ac", st.o.noaccomp = true),
    FLAG("nopcomp", st.o.nopcomp = true),
    FLAG("-pc", st.o.nopcomp = true),
    FLAG("mssclamp", st.o.mss_clamp = true),
    FLAG("nomssclamp", st.o.mss_clamp = false),
    FLAG("mtu-check", st.o.mtu_check = true),
    FLAG("nomtu-check", st.o.mtu_check = false),
    FLAG("default-asyncmap", st.o.default_asyncmap = true),
    FLAG("-am", st.o.default_asyncmap = true),
    FLAG("proxyarp", st.o.proxyarp = true),
    FLAG("noproxyarp", st.o.proxyarp = false),
    FLAG("-proxyarp", st.o.proxyarp = false),
    FLAG("defaultroute", st.o.defaultroute = true),
    FLAG("nodefaultroute", st.o.defaultroute = false),
    FLAG("-defaultroute", st.o.defaultroute = false),
    FLAG("replacedefaultroute", st.o.replacedefaultroute = true),
    FLAG("usepeerdns", st.o.usepeerdns = true),
    FLAG("usepeerwins", st.o.usepeerwins = true),
    FLAG("noipdefault", st.o.noipdefault = true),
    FLAG("ipcp-accept-local", st.o.ipcp_accept_local = true),
    FLAG("ipcp-accept-remote", st.o.ipcp_accept_remote = true),
    FLAG("+ipv6", st.o.ipv6 = true),
    FLAG("noipv6", st.o.ipv6 = false),
    FLAG("-ipv6", st.o.ipv6 = false),
    // Debian's stock /etc/ppp/options sets these; each already holds for a
    // PPTP link in pptpx (no serial line, no IPX, passwords never logged),
    // so they are accepted without a warning on every call.
    FLAG("noipx", (void)0),
    FLAG("hide-password", (void)0),
    FLAG("crtscts", (void)0),
    FLAG("nocrtscts", (void)0),
    FLAG("-crtscts", (void)0),
    FLAG("modem", (void)0),
    FLAG("lock", st.o.lock = true),
    FLAG("nolock", st.o.lock = false),
    FLAG("persist", st.o.persist = true),
    FLAG("nopersist", st.o.persist = false),
    FLAG("updetach", st.o.detach = DetachMode::kUpdetach),
    FLAG("nodetach", st.o.detach = DetachMode::kNodetach),
    FLAG("-detach", st.o.detach = DetachMode::kNodetach),
    FLAG("local", st.o.local = true),
    FLAG("dump", st.o.dump = true),
    FLAG("debug", ++st.o.debug),
    FLAG("-d", ++st.o.debug),
    FLAG("nolog", (st.o.nolog = true, st.o.logfile.reset(), st.o.logfd.reset())),
    // pppd keeps one log descriptor (log_to_fd): logfile, logfd, nologfd
    // and nolog each replace it, so the last one given wins.
    FLAG("nologfd", (st.o.nologfd = true, st.o.logfile.reset(), st.o.logfd.reset())),
    ARG("name", st.o.name = arg->text),
    ARG("user", st.o.user = arg->text),
    ARG("password", st.o.password = arg->text),
    ARG("remotename", st.o.remotename = arg->text),
    ARG("ipparam", st.o.ipparam = arg->text),
    ARG("plugin", plugin(st, *arg)),
    ARG("radius-config-file", st.o.radius.config_file = arg->text),
    ARG("avpair", st.o.radius.avpairs.push_back(arg->text)),
    ARG("linkname", st.o.linkname = arg->text),
    ARG("pty", st.o.pty = arg->text),
    ARG("ip-up-script", st.o.ip_up_script = arg->text),
    ARG("ip-down-script", st.o.ip_down_script = arg->text),
    ARG("ip-pre-up-script", st.o.ip_pre_up_script = arg->text),
    ARG("logfile", (st.o.logfile = arg->text, st.o.logfd.reset(), st.o.nolog = st.o.nologfd = false)),
    ARG("logfd", if (auto v = number(st, opt, *arg)) {
      st.o.logfd = static_cast<int>(*v);
      st.o.logfile.reset();
      st.o.nolog = st.o.nologfd = false;
    }),
    ARG("ms-dns", if (auto a = address_arg(st, opt, *arg)) push_server(st.o.ms_dns, *a)),
    ARG("ms-wins", if (auto a = address_arg(st, opt, *arg)) push_server(st.o.ms_wins, *a)),
    ARG("mtu", set_limited(st, opt, *arg, st.o.mtu, 128, 16384)),
    ARG("mru", set_limited(st, opt, *arg, st.o.mru, 128, 16384)),
    ARG("lcp-echo-interval", set_int(st, opt, *arg, st.o.lcp_echo_interval)),
    ARG("lcp-echo-failure", set_int(st, opt, *arg, st.o.lcp_echo_failure)),
    ARG("lcp-restart", set_int(st, opt, *arg, st.o.lcp_restart)),
    ARG("lcp-max-configure", set_int(st, opt, *arg, st.o.lcp_max_configure)),
    ARG("lcp-max-terminate", set_int(st, opt, *arg, st.o.lcp_max_terminate)),
    ARG("lcp-max-failure", set_int(st, opt, *arg, st.o.lcp_max_failure)),
    ARG("idle", set_int(st, opt, *arg, st.o.idle)),
    ARG("maxconnect", set_int(st, opt, *arg, st.o.maxconnect)),
    ARG("unit", set_int(st, opt, *arg, st.o.unit)),
    ARG("maxfail", set_int(st, opt, *arg, st.o.maxfail)),
    ARG("holdoff", set_int(st, opt, *arg, st.o.holdoff)),
    ARG("connect-delay", set_int(st, opt, *arg, st.o.connect_delay)),
    ARG("asyncmap", if (auto v = number(st, opt, *arg, 16)) {
      st.o.asyncmap = static_cast<uint32_t>(*v);
    }),
    ARG("file", include_file(st, *arg, arg->text)),
    ARG("call", {
      const std::string& n = arg->text;
      if (n.empty() || n[0] == '/' || n.find("..") != std::string::npos) {
        st.error(*arg, "call option value may not contain .. or start with /");
        return;
      }
      std::string path = st.ctx.peers_dir + "/" + n;
      st.o.call_file = path;
      include_file(st, *arg, path);
    }),
};

#undef FLAG
#undef ARG

const Spec* find_spec(std::string_view name) {
  for (const auto& s : kSpecs)
    if (s.name == name) return &s;
  return nullptr;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// pppd's "wild" options: L:R addresses, tty speed, tty device. Returns false
// if the word is none of them.
bool wild_option(State& st, const Word& w) {
  const std::string& t = w.text;
  if (auto colon = t.find(':'); colon != std::string::npos) {
    const std::string left = t.substr(0, colon), right = t.substr(colon + 1);
    std::optional<Ipv4> l, r;
    if (!left.empty()) {
      l = Ipv4::parse(left);
      if (!l) return st.error(w, "unknown host: " + left), true;
      if (bad_address(*l)) return st.error(w, "bad local IP address " + left), true;
    }
    if (!right.empty()) {
      r = Ipv4::parse(right);
      if (!r) return st.error(w, "unknown host: " + right), true;
      if (bad_address(*r)) return st.error(w, "bad remote IP address " + right), true;
    }
    if (l) st.o.local_ip = l;
    if (r) st.o.remote_ip = r;
    return true;
  }
  if (all_digits(t)) {
    st.o.tty_speed = static_cast<uint32_t>(std::strtoul(t.c_str(), nullptr, 10));
    return true;
  }
  if (t.rfind("/dev/", 0) == 0) {
    st.o.tty_device = t;
    st.warn(w, "tty device '" + t + "' ignored: pptpx runs PPP over PPTP, not a tty");
    return true;
  }
  return false;
}

void parse_words(State& st, const std::vector<Word>& words) {
  size_t i = 0;
  while (i < words.size() && !st.failed) {
    const Word& w = words[i++];
    int args = -1;
    const Spec* spec = find_spec(w.text);
    if (spec) {
      args = spec->args;
    } else if (auto u = unsupported_option_args(w.text)) {
      args = *u;
    } else if (wild_option(st, w)) {
      continue;
    } else {
      st.error(w, "unrecognized option '" + w.text + "'");
      return;
    }
    if (i + static_cast<size_t>(args) > words.size()) {
      st.error(w, "too few parameters for option '" + w.text + "'");
      return;
    }
    const Word* arg = args > 0 ? &words[i] : nullptr;
    i += static_cast<size_t>(args);
    if (spec) {
      spec->fn(st, w, arg);
    } else {
      st.o.ignored_options.push_back(w.text);
      st.warn(w, "option '" + w.text + "' is not supported by pptpx, ignored");
    }
  }
}

void parse_text(State& st, std::string_view text, const std::string& file) {
  std::vector<Word> words = tokenize(text, file, st.diags);
  parse_words(st, words);
}

void include_file(State& st, const Word& at, const std::string& path) {
  if (st.depth >= st.ctx.max_include_depth) {
    st.error(at, "options files nested too deeply at '" + path + "'");
    return;
  }
  FileReadResult r = st.ctx.read_file(path);
  if (!r.contents) {
    st.error(at, "can't open options file " + path + ": " + r.error);
    return;
  }
  st.o.included_files.push_back(path);
  ++st.depth;
  parse_text(st, *r.contents, path);
  --st.depth;
}

}  // namespace

FileReadResult read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, std::strerror(errno)};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return {std::nullopt, "read error"};
  return {ss.str(), {}};
}

void parse_options_file(const std::string& path, PppOptions& out, Diagnostics& diags,
                        const ParseContext& ctx) {
  FileReadResult r = ctx.read_file(path);
  if (!r.contents) {
    diags.push_back({path, 0, true, "can't open options file " + path + ": " + r.error});
    return;
  }
  parse_options_text(*r.contents, path, out, diags, ctx);
}

void parse_options_text(std::string_view text, const std::string& file, PppOptions& out,
                        Diagnostics& diags, const ParseContext& ctx) {
  State st{out, diags, ctx};
  parse_text(st, text, file);
}

void parse_options_words(const std::vector<std::string>& words, const std::string& source_name,
                         PppOptions& out, Diagnostics& diags, const ParseContext& ctx) {
  std::vector<Word> ws;
  ws.reserve(words.size());
  for (const auto& w : words) ws.push_back({w, source_name, 0, false});
  State st{out, diags, ctx};
  parse_words(st, ws);
}

std::vector<AuthProto> peer_auth_protocols(const PppOptions& o) {
  std::vector<AuthProto> out;
  if (!o.auth_required.value_or(false)) return out;
  uint8_t chap = o.require_chap;
  bool pap = o.require_pap;
  // auth with no method named (require-eap counts as named): pppd offers all.
  if (chap == 0 && !pap && !o.require_eap) {
    chap = kMdMd5 | kMdMsChap | kMdMsChapV2;
    pap = true;
  }
  if (chap & kMdMsChapV2) out.push_back(AuthProto::kMsChapV2);
  if (chap & kMdMsChap) out.push_back(AuthProto::kMsChapV1);
  if (chap & kMdMd5) out.push_back(AuthProto::kChapMd5);
  if (pap) out.push_back(AuthProto::kPap);
  return out;
}

std::vector<AuthProto> own_auth_protocols(const PppOptions& o) {
  std::vector<AuthProto> out;
  if (!o.refuse_mschap_v2) out.push_back(AuthProto::kMsChapV2);
  if (!o.refuse_mschap) out.push_back(AuthProto::kMsChapV1);
  if (!o.refuse_chap) out.push_back(AuthProto::kChapMd5);
  if (!o.refuse_pap) out.push_back(AuthProto::kPap);
  return out;
}

MppePolicy mppe_policy(const PppOptions& o) {
  MppePolicy p;
  if (o.noccp || (o.mppe == 0 && !o.mppe_56.value_or(false))) return p;
  p.enabled = true;
  p.required = !o.mppe_optional;
  p.allow_40 = (o.mppe & kMppe40) != 0;
  p.allow_128 = (o.mppe & kMppe128) != 0;
  // Without OpenWrt's no56, 56 bits lie between the two allowed strengths
  // of plain require-mppe: offered and accepted too, as Windows does, so a
  // peer set to "strong" (56-bit) encryption only still connects.
  p.allow_56 = o.mppe_56.value_or(p.allow_40 && p.allow_128);
  p.allow_stateful = o.mppe_stateful;
  return p;
}

}  // namespace pptpx::config
