// SPDX-License-Identifier: MIT
// pptpxd's command line (see command_line.h).
#include "app/server/command_line.h"

#include <getopt.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "app/common/admin_protocol.h"
#include "base/ip.h"
#include "config/pptpd_conf.h"

namespace pptpx::server {
namespace {

using Action = ParsedCommandLine::Action;

// pptpd's short options (pptpd.c), -V (pptpd.8, a build option) too. The
// leading ':' makes a missing value ':' rather than '?'.
constexpr const char* kShortOptions = ":b:c:de:fhil:o:p:s:t:vwC:DV:";

enum LongOnly {
  kChapSecrets = 1000,
  kPapSecrets,
  kPppOptions,
  kPort,
  kLogLevel,
  kSyslog,
  kControl,
  kMetrics,
  kMetricsPerSession,
  kForeground,
};

constexpr std::array kLongOptions = std::to_array<option>({
    // pptpd's, in pptpd.8's order.
    {"bcrelay", required_argument, nullptr, 'b'},
    {"conf", required_argument, nullptr, 'c'},
    {"debug", no_argument, nullptr, 'd'},
    {"ppp", required_argument, nullptr, 'e'},
    {"fg", no_argument, nullptr, 'f'},
    {"help", no_argument, nullptr, 'h'},
    {"noipparam", no_argument, nullptr, 'i'},
    {"listen", required_argument, nullptr, 'l'},
    {"option", required_argument, nullptr, 'o'},
    {"pidfile", required_argument, nullptr, 'p'},
    {"speed", required_argument, nullptr, 's'},
    {"stimeout", required_argument, nullptr, 't'},
    {"logwtmp", no_argument, nullptr, 'w'},
    {"connections", required_argument, nullptr, 'C'},
    {"delegate", no_argument, nullptr, 'D'},
    {"vrf", required_argument, nullptr, 'V'},
    {"version", no_argument, nullptr, 'v'},
    // pptpx's own.
    {"foreground", no_argument, nullptr, kForeground},
    {"syslog", no_argument, nullptr, kSyslog},
    {"chap-secrets", required_argument, nullptr, kChapSecrets},
    {"pap-secrets", required_argument, nullptr, kPapSecrets},
    {"ppp-options", required_argument, nullptr, kPppOptions},
    {"port", required_argument, nullptr, kPort},
    {"log-level", required_argument, nullptr, kLogLevel},
    {"control", required_argument, nullptr, kControl},
    {"metrics", required_argument, nullptr, kMetrics},
    {"metrics-per-session", no_argument, nullptr, kMetricsPerSession},
    {nullptr, 0, nullptr, 0},
});

// How the help and the errors name an option: "-t/--stimeout", "--port".
std::string option_name(int c) {
  for (const option& o : kLongOptions) {
    if (o.name == nullptr || o.val != c) continue;
    std::string name = "--" + std::string(o.name);
    return c < 256 ? std::string("-") + static_cast<char>(c) + "/" + name : name;
  }
  return std::string("-") + static_cast<char>(c);
}

// A decimal number from 1 to max and nothing else.
std::optional<long> positive_number(std::string_view s, long max) {
  long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1 || v > max) return std::nullopt;
  return v;
}

class Parser {
 public:
  ParsedCommandLine take() { return std::move(out_); }

  // One option and its value; false when it ends the parse (an answer or
  // an error).
  bool apply(int c, const char* arg) {
    if (!apply_pptpd(c, arg) && !apply_ignored(c, arg) && !apply_own(c, arg))
      out_.action = c == 'h' ? Action::kHelp : Action::kVersion;  // the only others
    return out_.action == Action::kRun;
  }

  bool fail(std::string error) {
    out_.action = Action::kUsageError;
    out_.error = std::move(error);
    return false;
  }

 private:
  // "-X/--name: 'ARG' is not WHAT": a usage error.
  bool bad_value(int c, const char* arg, const std::string& what) {
    (void)fail(option_name(c) + ": '" + arg + "' is not " + what);
    return true;
  }

  // pptpd's flags that pptpxd carries out; true when c is one.
  bool apply_pptpd(int c, const char* arg) {
    Flags& f = out_.cli.flags;
    switch (c) {
      case 'c': f.conf_path = arg; break;
      case 'd': f.debug = true; break;
      case 'f': f.foreground = true; break;
      case 'i': f.conf.noipparam = true; break;
      case 'w': f.conf.logwtmp = true; break;
      case 'D': f.conf.delegate = true; break;
      case 'o': f.conf.option = arg; break;
      case 'p': f.conf.pidfile = arg; break;
      default: return apply_pptpd_value(c, arg);
    }
    return true;
  }

  // pptpd's flags whose value is checked here, so that an error names the
  // flag rather than pptpd.conf; true when c is one.
  bool apply_pptpd_value(int c, const char* arg) {
    ConfFlags& conf = out_.cli.flags.conf;
    switch (c) {
      case 'l':
        if (!Ipv4::parse(arg))
          return bad_value(c, arg, "an IPv4 address (pptpxd does not look up host names)");
        conf.listen = arg;
        return true;
      case 's':
        if (!positive_number(arg, UINT32_MAX)) return bad_value(c, arg, "a positive number");
        conf.speed = arg;
        return true;
      case 't': return set_number(c, arg, conf.stimeout, "a positive number of seconds");
      case 'C': return set_number(c, arg, conf.connections, "a positive number of connections");
      default: return false;
    }
  }

  bool set_number(int c, const char* arg, std::optional<int>& field, const std::string& what) {
    auto v = positive_number(arg, 1000000);
    if (!v) return bad_value(c, arg, what);
    field = static_cast<int>(*v);
    return true;
  }

  // pptpd's flags that pptpxd accepts and does not carry out, each with a
  // warning saying what pptpxd does instead; true when c is one.
  bool apply_ignored(int c, const char* arg) {
    std::string w;
    switch (c) {
      case 'b':
        w = "pptpxd does not relay broadcasts; give the clients name servers instead "
            "(ms-dns, ms-wins in the options file)";
        break;
      case 'e': w = "pptpxd runs no pppd: PPP is built in"; break;
      case 'V': w = "pptpxd does not bind to a VRF; it listens in the default one"; break;
      default: return false;
    }
    std::string given = option_name(c) + (arg ? std::string(" ") + arg : std::string());
    out_.cli.warnings.push_back(given + ": ignored: " + w);
    return true;
  }

  // pptpx's long options; true when c is one.
  bool apply_own(int c, const char* arg) {
    CommandLine& cli = out_.cli;
    switch (c) {
      case kForeground: cli.flags.foreground = true; break;
      case kSyslog: cli.syslog = true; break;
      case kChapSecrets: cli.flags.chap_secrets_path = arg; break;
      case kPapSecrets: cli.flags.pap_secrets_path = arg; break;
      case kPppOptions: cli.flags.global_options_path = arg; break;
      case kControl: cli.control = arg; break;
      case kMetricsPerSession: cli.flags.metrics_per_session = true; break;
      case kMetrics: return set_metrics(arg);
      case kLogLevel: return set_log_level(arg);
      case kPort: {
        auto p = positive_number(arg, 65535);
        if (!p) return bad_value(c, arg, "a port number from 1 to 65535");
        cli.port = static_cast<uint16_t>(*p);
        break;
      }
      default: return false;
    }
    return true;
  }

  // --metrics ADDR:PORT, or none.
  bool set_metrics(const char* arg) {
    Flags& f = out_.cli.flags;
    f.no_metrics = std::string_view(arg) == "none";
    f.metrics.reset();
    if (f.no_metrics) return true;
    f.metrics = config::parse_host_port(arg);
    if (!f.metrics) return bad_value(kMetrics, arg, "ADDR:PORT (e.g. 127.0.0.1:9723) or none");
    return true;
  }

  bool set_log_level(const char* arg) {
    std::optional<LogLevel> l = parse_log_level(arg);
    if (!l) {
      (void)fail("unknown log level '" + std::string(arg) + "' (one of " +
                 std::string(kLogLevelNames) + ")");
      return true;
    }
    out_.cli.log_level = *l;
    out_.cli.flags.debug = *l == LogLevel::kDebug;
    return true;
  }

  ParsedCommandLine out_;
};

// The option getopt stopped at, as written: a long one without
// "=VALUE", a short one alone even from a cluster (-dx: -x). `advanced`:
// getopt moved past the word (it does not within a cluster).
std::string bad_word(char* const argv[], bool advanced) {
  std::string_view w = advanced ? argv[optind - 1] : "";
  if (w.starts_with("--")) return std::string(w.substr(0, w.find('=')));
  return std::string("-") + static_cast<char>(optopt);
}

// The usage error for getopt's '?' (unknown option, or a value given to
// one that takes none) or ':' (value missing).
std::string getopt_error(int c, char* const argv[], bool advanced) {
  const std::string word = bad_word(argv, advanced);
  if (c == ':') return "option '" + word + "' needs a value";
  bool valued = advanced && std::string_view(argv[optind - 1]).find('=') != std::string_view::npos;
  if (optopt != 0 && valued) return "option '" + word + "' takes no value";
  return "unknown option '" + word + "'";
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, char* const argv[]) {
  Parser parser;
  optind = 0;  // a full restart of getopt, so the parser can run again
  opterr = 0;  // the errors are ours, naming the word
  int c;
  bool go_on = true;
  int before = 1;
  while (go_on &&
         (c = getopt_long(argc, argv, kShortOptions, kLongOptions.data(), nullptr)) != -1) {
    if (c == '?' || c == ':')
      go_on = parser.fail(getopt_error(c, argv, optind > before));
    else
      go_on = parser.apply(c, optarg);
    before = optind;
  }
  ParsedCommandLine out = parser.take();
  if (out.cli.control.empty()) out.cli.control = app::kDefaultControlSocket;
  if (out.action == Action::kRun && optind < argc) {
    out.action = Action::kUsageError;
    out.error =
        "unexpected argument '" + std::string(argv[optind]) + "' (pptpxd takes options only)";
  }
  return out;
}

std::string usage_text() {
  return "Usage: pptpxd [options]\n"
         "PPTP server: a drop-in replacement for pptpd + pppd, PPP in userspace.\n"
         "\n"
         "pptpd's options (each one replaces its pptpd.conf keyword):\n"
         "  -c, --conf FILE          configuration file (default /etc/pptpd.conf)\n"
         "  -d, --debug              debug logging (as --log-level debug)\n"
         "  -f, --fg, --foreground   stay in the foreground and log to stderr, not syslog\n"
         "  -l, --listen ADDR        the IPv4 address for TCP 1723 and GRE (default all)\n"
         "  -o, --option FILE        the pppd options file of every session\n"
         "  -p, --pidfile FILE       pid file, locked while pptpxd runs\n"
         "                           (default /var/run/pptpd.pid)\n"
         "  -s, --speed SPEED        the speed the ip-up script sees as $3 (default 115200)\n"
         "  -t, --stimeout SECONDS   time a new connection has to start PPTP (default 10)\n"
         "  -w, --logwtmp            a wtmp login and logout per session\n"
         "  -i, --noipparam          no client address as ipparam ($6 of ip-up)\n"
         "  -C, --connections N      at most N sessions (default 100, cut to the remoteip\n"
         "                           addresses)\n"
         "  -D, --delegate           no address pool: each user's address from chap-secrets\n"
         "                           or the options file's L:R (localip/remoteip ignored)\n"
         "  -e, --ppp PATH           accepted, ignored: there is no pppd to run\n"
         "  -b, --bcrelay IF         accepted, ignored: broadcasts are not relayed\n"
         "  -V, --vrf NAME           accepted, ignored: no VRF support\n"
         "  -v, --version            print the version and exit\n"
         "  -h, --help               print this help and exit\n"
         "\n"
         "pptpx's options:\n"
         "      --syslog             with -f: log to syslog as well\n"
         "      --log-level LEVEL    error, warning, notice, info (default) or debug\n"
         "      --chap-secrets FILE  secrets file (default /etc/ppp/chap-secrets)\n"
         "      --pap-secrets FILE   secrets for PAP (default /etc/ppp/pap-secrets)\n"
         "      --ppp-options FILE   the options file read first, as pppd reads\n"
         "                           /etc/ppp/options (the default; \"\": none)\n"
         "      --port PORT          the TCP port (default 1723)\n"
         "      --control PATH       control socket for pptpxctl (default\n"
         "                           /run/pptpxd/control.sock; \"none\": no socket)\n"
         "      --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
         "                           (over pptpd.conf's metrics; \"none\": off)\n"
         "      --metrics-per-session  add series per user and interface\n"
         "\n"
         "Logs go to syslog (daemon), or to stderr with -f; the options file's\n"
         "logfile adds a file.\n"
         "Signals: TERM ends every session cleanly and exits; HUP re-reads the\n"
         "configuration for new sessions and reopens the log file; USR1 toggles debug\n"
         "logging (HUP keeps the choice unless the configuration's debug changed);\n"
         "USR2 logs the drop counters.\n"
         "Exit status: 0 done, 1 failed (or already running), 2 configuration or usage\n"
         "error.\n";
}

}  // namespace pptpx::server
