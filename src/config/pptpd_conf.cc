// SPDX-License-Identifier: MIT
// pptpd.conf parser and IP slot table (docs/compatibility.md, "pptpd.conf" and
// "localip and remoteip").
#include "config/pptpd_conf.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <set>

#include "config/ppp_options.h"

namespace pptpx::config {
namespace {

// pptpd reads lines with fgets into 512 bytes: content longer than 510
// characters plus the newline does not fit.
constexpr size_t kMaxLine = 510;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// isspace in the C locale.
bool is_c_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// C atoi: optional whitespace and sign, then digits; anything else stops.
int atoi_like(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_c_space(s[i])) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  long v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i++] - '0');
    if (v > 1000000000L) break;
  }
  // Saturated: the loop stops past 10^9, with up to ten digits.
  return static_cast<int>(std::clamp<long>(neg ? -v : v, INT_MIN, INT_MAX));
}

enum class Kind { kString, kFlag, kInt };
struct Keyword {
  std::string_view name;
  Kind kind;
};
constexpr std::array kKeywords = std::to_array<Keyword>({
    {"option", Kind::kString},
    {"localip", Kind::kString},
    {"remoteip", Kind::kString},
    {"connections", Kind::kInt},
    {"listen", Kind::kString},
    {"debug", Kind::kFlag},
    {"stimeout", Kind::kInt},
    {"noipparam", Kind::kFlag},
    {"logwtmp", Kind::kFlag},
    {"pidfile", Kind::kString},
    {"speed", Kind::kString},
    {"bcrelay", Kind::kString},
    {"delegate", Kind::kFlag},
    {"vrf", Kind::kString},
    {"ppp", Kind::kString},
    // pptpx extensions (pptpd rejects them as unknown keywords).
    {"listen-backlog", Kind::kString},
    {"reorder-timeout", Kind::kString},
    {"gre-timeout", Kind::kString},
    {"waiting-per-source", Kind::kString},
    {"metrics", Kind::kString},
    {"auth-throttle", Kind::kString},
    {"auth-free-failures", Kind::kString},
    {"auth-max-delay", Kind::kString},
    {"auth-block-user", Kind::kString},
    {"auth-block-source", Kind::kString},
    {"auth-block-time", Kind::kString},
    {"metrics-per-session", Kind::kFlag},
});

// A decimal number from lo to hi and nothing else.
std::optional<int> parse_number(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// The member a keyword with a string value sets; nullptr for the others.
std::optional<std::string>* string_field(PptpdConf& c, std::string_view key) {
  if (key == "option") return &c.option;
  if (key == "localip") return &c.localip;
  if (key == "remoteip") return &c.remoteip;
  if (key == "listen") return &c.listen;
  if (key == "pidfile") return &c.pidfile;
  if (key == "speed") return &c.speed;
  if (key == "bcrelay") return &c.bcrelay;
  if (key == "vrf") return &c.vrf;
  if (key == "ppp") return &c.ppp;
  return nullptr;
}

// The member a flag keyword sets; nullptr for the others.
bool* flag_field(PptpdConf& c, std::string_view key) {
  if (key == "debug") return &c.debug;
  if (key == "noipparam") return &c.noipparam;
  if (key == "logwtmp") return &c.logwtmp;
  if (key == "delegate") return &c.delegate;
  if (key == "metrics-per-session") return &c.metrics_per_session;
  return nullptr;
}

// A pptpx keyword's number, strict: from lo to hi (`unit`, e.g. "of seconds
// ", names what it counts in the error), else an error and field untouched.
template <class Field>
void strict_number(Field& field, std::string_view key, const std::string& value, int lo, int hi,
                   std::string_view unit, const std::string& file, int line, Diagnostics& diags) {
  if (auto v = parse_number(value, lo, hi)) {
    field = *v;
    return;
  }
  diags.push_back({file, line, true,
                   std::string(key) + " value '" + value + "' is not a number " +
                       std::string(unit) + "from " + std::to_string(lo) + " to " +
                       std::to_string(hi)});
}

// The auth-* keywords with a number (strict): the field, its range and unit.
struct AuthNumber {
  std::string_view key;
  int PptpdConf::*field;
  int lo, hi;
  std::string_view unit;
};
constexpr std::array kAuthNumbers = std::to_array<AuthNumber>({
    {"auth-free-failures", &PptpdConf::auth_free_failures, 0, kMaxAuthCount, ""},
    {"auth-max-delay", &PptpdConf::auth_max_delay, 0, kMaxAuthMaxDelay, "of seconds "},
    {"auth-block-user", &PptpdConf::auth_block_user, 0, kMaxAuthCount, ""},
    {"auth-block-source", &PptpdConf::auth_block_source, 0, kMaxAuthCount, ""},
    {"auth-block-time", &PptpdConf::auth_block_time, 1, kMaxAuthBlockTime, "of seconds "},
});

// auth-throttle on|off and the auth-* numbers; false for another keyword.
bool apply_auth(PptpdConf& c, std::string_view key, const std::string& value,
                const std::string& file, int line, Diagnostics& diags) {
  if (key == "auth-throttle") {
    if (value == "on" || value == "off")
      c.auth_throttle = value == "on";
    else
      diags.push_back({file, line, true, "auth-throttle value '" + value + "' is not on or off"});
    return true;
  }
  for (const AuthNumber& n : kAuthNumbers) {
    if (n.key != key) continue;
    strict_number(c.*n.field, key, value, n.lo, n.hi, n.unit, file, line, diags);
    return true;
  }
  return false;
}

// The keywords with a number: listen-backlog, reorder-timeout, gre-timeout
// and waiting-per-source (pptpx's, strict), connections and stimeout
// (pptpd's atoi, the default when not positive).
void apply_number(PptpdConf& c, std::string_view key, const std::string& value,
                  const std::string& file, int line, Diagnostics& diags) {
  if (key == "listen-backlog") {
    strict_number(c.listen_backlog, key, value, 1, kMaxListenBacklog, "", file, line, diags);
  } else if (key == "reorder-timeout") {
    strict_number(c.reorder_timeout_ms, key, value, 0, kMaxReorderTimeoutMs, "of milliseconds ",
                  file, line, diags);
  } else if (key == "gre-timeout") {
    strict_number(c.gre_timeout, key, value, 1, kMaxGreTimeout, "of seconds ", file, line, diags);
  } else if (key == "waiting-per-source") {
    strict_number(c.waiting_per_source, key, value, 1, kMaxWaitingPerSource, "", file, line, diags);
  } else if (key == "connections" || key == "stimeout") {
    const int v = atoi_like(value);
    const int def = key == "connections" ? kDefaultConnections : kDefaultStimeout;
    if (v <= 0)
      diags.push_back({file, line, false,
                       std::string(key) + " value '" + value + "' is not positive, using " +
                           std::to_string(def)});
    (key == "connections" ? c.connections : c.stimeout) = v > 0 ? v : def;
    if (key == "connections" && v > kMaxConnections) {
      diags.push_back({file, line, false,
                       "connections " + value + " is more than pptpxd can carry, using " +
                           std::to_string(kMaxConnections) + " (PPTP call IDs are 16 bits)"});
      c.connections = kMaxConnections;
    }
  }
}

void apply(PptpdConf& c, std::string_view key, const std::string& value, const std::string& file,
           int line, Diagnostics& diags) {
  if (std::optional<std::string>* field = string_field(c, key)) {
    *field = value;
    if (key == "option")
      c.option_line = line;
    else if (key == "localip")
      c.localip_line = line;
    else if (key == "remoteip")
      c.remoteip_line = line;
  } else if (bool* flag = flag_field(c, key)) {
    *flag = true;
  } else if (key == "metrics") {
    c.metrics = parse_host_port(value);
    if (!c.metrics)
      diags.push_back({file, line, true,
                       "metrics value '" + value + "' is not ADDR:PORT (e.g. 127.0.0.1:9723)"});
  } else if (!apply_auth(c, key, value, file, line, diags)) {
    apply_number(c, key, value, file, line, diags);
  }
}

// pptpd has no comments after a value: a '#' that starts the value or
// follows a blank was meant as one.
bool has_comment(std::string_view value) {
  for (size_t i = value.find('#'); i != value.npos; i = value.find('#', i + 1))
    if (i == 0 || is_blank(value[i - 1])) return true;
  return false;
}

const Keyword* find_keyword(std::string_view key) {
  const Keyword* kw = nullptr;
  for (const auto& x : kKeywords)
    if (x.name == key) kw = &x;
  return kw;
}

// pptpd.conf line by line: a keyword at the start of the line, blanks, the
// rest of the line as its value.
class ConfParser {
 public:
  ConfParser(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  void parse_line(std::string_view line, int line_no) {
    if (line.size() > kMaxLine) {
      diags_.push_back({file_, line_no, true,
                        "line too long (" + std::to_string(line.size()) +
                            " characters; pptpd reads at most 510 and ignores longer lines, "
                            "\"Long config file line ignored\"): shorten it, e.g. write "
                            "address lists as ranges (10.0.0.2-254)"});
      return;
    }
    while (!line.empty() && (is_blank(line.back()) || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') return;
    if (is_blank(line[0])) {
      diags_.push_back({file_, line_no, true, "line starts with whitespace"});
      return;
    }
    size_t k = 0;
    while (k < line.size() && !is_blank(line[k])) ++k;
    std::string_view key = line.substr(0, k);
    while (k < line.size() && is_blank(line[k])) ++k;
    std::string value(line.substr(k));
    const Keyword* kw = accept(key, value, line_no);
    if (!kw) return;
    if (kw->kind != Kind::kFlag && has_comment(value)) {
      diags_.push_back({file_, line_no, true,
                        std::string(key) + ": a comment after the value is not allowed (pptpd " +
                            "takes '" + value +
                            "' as the value); put the comment on a line of its own"});
      return;
    }
    apply(conf_, key, value, file_, line_no, diags_);
  }

  PptpdConf take() { return std::move(conf_); }

 private:
  // A known keyword, the first of its name, with a value unless a flag;
  // nullptr when the line is not used.
  const Keyword* accept(std::string_view key, const std::string& value, int line_no) {
    const Keyword* kw = find_keyword(key);
    if (!kw) {
      diags_.push_back({file_, line_no, true, "unknown keyword '" + std::string(key) + "'"});
      return nullptr;
    }
    bool dup = false;
    for (auto s : seen_) dup = dup || s == kw->name;
    if (dup) {
      diags_.push_back(
          {file_, line_no, false,
           "duplicate keyword '" + std::string(key) + "' ignored, the first occurrence wins"});
      return nullptr;
    }
    seen_.push_back(kw->name);
    if (kw->kind != Kind::kFlag && value.empty()) {
      diags_.push_back({file_, line_no, true, "keyword '" + std::string(key) + "' needs a value"});
      return nullptr;
    }
    return kw;
  }

  const std::string& file_;
  Diagnostics& diags_;
  PptpdConf conf_;
  std::vector<std::string_view> seen_;
};

}  // namespace

std::optional<HostPort> parse_host_port(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == text.npos) return std::nullopt;
  auto addr = Ipv4::parse(std::string(text.substr(0, colon)));
  auto port = parse_number(text.substr(colon + 1), 1, 65535);
  if (!addr || !port) return std::nullopt;
  return HostPort{*addr, static_cast<uint16_t>(*port)};
}

PptpdConf parse_pptpd_conf(std::string_view text, const std::string& file, Diagnostics& diags) {
  ConfParser parser(file, diags);
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    parser.parse_line(line, ++line_no);
  }
  return parser.take();
}

PptpdConf load_pptpd_conf(const std::string& path, Diagnostics& diags) {
  FileReadResult r = read_whole_file(path);
  if (!r.contents) {
    diags.push_back({path, 0, true, "can't open config file " + path + ": " + r.error});
    return {};
  }
  return parse_pptpd_conf(*r.contents, path, diags);
}

std::vector<Ipv4> expand_ip_spec(std::string_view spec, size_t limit, const std::string& file,
                                 int line, Diagnostics& diags) {
  std::vector<Ipv4> out;
  auto add = [&](const std::string& text) -> bool {
    auto a = Ipv4::parse(text);
    if (!a) {
      diags.push_back({file, line, true, "Bad IP address (" + text + ") in config file!"});
      return false;
    }
    if (out.size() >= limit) {
      diags.push_back({file, line, false,
                       "connections limit (" + std::to_string(limit) +
                           ") reached, extra IP addresses ignored"});
      return false;
    }
    out.push_back(*a);
    return true;
  };
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string_view el = spec.substr(pos, comma == spec.npos ? spec.npos : comma - pos);
    pos = comma == spec.npos ? spec.size() + 1 : comma + 1;
    const size_t hyphen = el.find('-');
    if (hyphen == el.npos) {
      if (!add(std::string(el))) return out;
      continue;
    }
    if (el.find('-', hyphen + 1) != el.npos) {
      diags.push_back({file, line, false,
                       "Confused in IP parse routines (multiple hyphens) in '" + std::string(el) +
                           "', skipped"});
      continue;
    }
    // The ranged octet runs from the '.' before the hyphen to the '.' after.
    size_t dot_before = el.rfind('.', hyphen);
    size_t lo_start = dot_before == el.npos ? 0 : dot_before + 1;
    size_t dot_after = el.find('.', hyphen);
    size_t hi_end = dot_after == el.npos ? el.size() : dot_after;
    std::string pre(el.substr(0, lo_start));
    std::string post(el.substr(hi_end));
    const int lower = atoi_like(el.substr(lo_start, hyphen - lo_start));
    const int upper = atoi_like(el.substr(hyphen + 1, hi_end - hyphen - 1));
    for (int n = lower; n <= upper; ++n) {
      if (!add(pre + std::to_string(n) + post)) return out;
    }
  }
  return out;
}

namespace {

// A server address that is also one of the clients' (of the slots in use)
// breaks both tunnels. Only for explicit lists: a default was not chosen.
void check_local_outside_remote(const PptpdConf& conf, const std::vector<Ipv4>& local,
                                const std::vector<Ipv4>& remote, const std::string& file,
                                Diagnostics& diags) {
  if (!conf.localip || !conf.remoteip) return;
  for (Ipv4 a : local) {
    if (std::find(remote.begin(), remote.end(), a) == remote.end()) continue;
    diags.push_back({file, conf.localip_line, true,
                     "localip " + a.str() + " is inside the remoteip range (line " +
                         std::to_string(conf.remoteip_line) +
                         "): a client would get the server's own address; take it out of "
                         "remoteip or change localip"});
    return;
  }
}

}  // namespace

SlotTable build_slot_table(const PptpdConf& conf, const std::string& file, Diagnostics& diags) {
  SlotTable t;
  size_t connections = static_cast<size_t>(conf.connections);
  if (conf.delegate) {  // pppd's addresses, given after authentication
    t.slots.resize(connections);
    if (conf.localip || conf.remoteip)
      t.notices.push_back("delegate: localip and remoteip are ignored");
    return t;
  }
  const std::string remote_spec = conf.remoteip.value_or(std::string(kDefaultRemoteIp));
  const std::string local_spec = conf.localip.value_or(std::string(kDefaultLocalIp));
  // pptpd's defaults are good addresses, and where connections cuts them
  // off is nothing the file said: no "connections limit" warning for them.
  Diagnostics unsaid;
  std::vector<Ipv4> remote = expand_ip_spec(remote_spec, connections, file, conf.remoteip_line,
                                            conf.remoteip ? diags : unsaid);
  if (connections > remote.size()) {
    t.notices.push_back("MGR: Maximum of " + std::to_string(connections) +
                        " connections reduced to " + std::to_string(remote.size()) +
                        ", not enough IP addresses given");
    connections = remote.size();
  }
  std::vector<Ipv4> local = expand_ip_spec(local_spec, connections, file, conf.localip_line,
                                           conf.localip ? diags : unsaid);
  if (local.size() == 1 && connections > 1) {
    local.resize(connections, local[0]);
  } else if (connections > local.size()) {
    t.notices.push_back("MGR: Maximum of " + std::to_string(connections) +
                        " connections reduced to " + std::to_string(local.size()) +
                        ", not enough IP addresses given");
    connections = local.size();
  }
  remote.resize(connections);
  check_local_outside_remote(conf, local, remote, file, diags);
  t.slots.reserve(connections);
  for (size_t i = 0; i < connections; ++i) t.slots.push_back({local[i], remote[i]});
  return t;
}

std::string compact_ranges(const std::vector<Ipv4>& addrs) {
  std::string out;
  for (size_t i = 0; i < addrs.size();) {
    size_t j = i;
    while (j + 1 < addrs.size() && addrs[j + 1].value == addrs[j].value + 1 &&
           addrs[j + 1].value >> 8 == addrs[i].value >> 8)
      ++j;
    if (!out.empty()) out += ',';
    out += addrs[i].str();
    if (j > i) out += "-" + std::to_string(addrs[j].value & 0xff);
    i = j + 1;
  }
  return out;
}

std::string describe_pool(const PptpdConf& conf, const SlotTable& table) {
  const std::string connections = "connections " + std::to_string(table.slots.size());
  if (conf.delegate)
    return "pool none (delegate: addresses from chap-secrets or the options file), " + connections;
  std::vector<Ipv4> remote;
  std::set<uint32_t> distinct;
  for (const Slot& s : table.slots) {
    remote.push_back(s.remote);
    distinct.insert(s.remote.value);
  }
  std::string out = "pool " + (remote.empty() ? std::string("none") : compact_ranges(remote)) +
                    ": " + std::to_string(distinct.size()) + " address" +
                    (distinct.size() == 1 ? "" : "es") + ", " + connections;
  if (!conf.remoteip)
    out += " (no remoteip: pptpd's default " + std::string(kDefaultRemoteIp) + ")";
  return out;
}

}  // namespace pptpx::config
