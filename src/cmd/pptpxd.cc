// SPDX-License-Identifier: MIT
// pptpxd: the PPTP server. Argument parsing and wiring only; the work is in
// app/server.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "app/common/admin_protocol.h"
#include "app/common/service_status.h"
#include "app/server/server.h"
#include "app/server/service.h"
#include "app/server/settings.h"
#include "config/pptpd_conf.h"
#include "config/secrets.h"
#include "crypto/crypto.h"
#include "io/daemon.h"
#include "io/event_loop.h"
#include "io/log_sink.h"
#include "io/pidfile.h"
#include "io/service_notify.h"

#ifndef PPTPX_VERSION
#define PPTPX_VERSION "0.1.0"
#endif

namespace {

using namespace pptpx;

constexpr int kExitOk = 0;
constexpr int kExitFatal = 1;
constexpr int kExitConfig = 2;

void usage(FILE* out) {
  std::fprintf(out,
               "Usage: pptpxd [options]\n"
               "PPTP server: a drop-in replacement for pptpd + pppd, PPP in userspace.\n"
               "\n"
               "  -c, --conf FILE         configuration file (default /etc/pptpd.conf)\n"
               "  -f, --foreground        stay in the foreground and log to stderr, not syslog\n"
               "      --syslog            with -f: log to syslog as well\n"
               "      --chap-secrets FILE secrets file (default /etc/ppp/chap-secrets)\n"
               "      --pap-secrets FILE  secrets for PAP (default /etc/ppp/pap-secrets)\n"
               "      --log-level LEVEL   error, warning, notice, info (default) or debug\n"
               "  -d, --debug             debug logging (--log-level debug)\n"
               "      --control PATH      control socket for pptpxctl (default\n"
               "                          /run/pptpxd/control.sock; \"none\": no socket)\n"
               "      --metrics ADDR:PORT serve Prometheus metrics at http://ADDR:PORT/metrics\n"
               "                          (over pptpd.conf's metrics; \"none\": off)\n"
               "      --metrics-per-session  add series per user and interface\n"
               "  -v, --version           print the version and exit\n"
               "  -h, --help              print this help and exit\n"
               "\n"
               "Logs go to syslog (daemon), or to stderr with -f; the options file's\n"
               "logfile adds a file.\n"
               "Signals: TERM ends every session cleanly and exits; HUP re-reads the\n"
               "configuration for new sessions and reopens the log file; USR1 toggles debug\n"
               "logging (HUP keeps the choice unless the configuration's debug changed);\n"
               "USR2 logs the drop counters.\n");
}

struct Cli {
  server::Flags flags;  // flags.debug: -d or --log-level debug
  uint16_t port = 1723;
  LogLevel log_level = LogLevel::kInfo;
  bool syslog = false;  // --syslog: in the foreground too
  std::string control = app::kDefaultControlSocket;
};

enum LongOption {
  kChapSecrets = 1000,
  kPapSecrets,
  kPppOptions,
  kPort,
  kLogLevel,
  kSyslog,
  kControl,
  kMetrics,
  kMetricsPerSession
};

// --metrics ADDR:PORT, or none; kExitOk or kExitConfig.
int apply_metrics(const char* arg, server::Flags& flags) {
  if (std::string_view(arg) == "none") {
    flags.no_metrics = true;
    flags.metrics.reset();
    return kExitOk;
  }
  flags.metrics = config::parse_host_port(arg);
  flags.no_metrics = false;
  if (flags.metrics) return kExitOk;
  std::fprintf(stderr, "pptpxd: --metrics '%s' is not ADDR:PORT (e.g. 127.0.0.1:9723) or none\n",
               arg);
  return kExitConfig;
}

// One option with its argument; kExitOk, kExitConfig, or -1 (answered:
// --version, --help).
int apply_option(int c, const char* arg, Cli& cli) {
  switch (c) {
    case 'c': cli.flags.conf_path = arg; break;
    case 'f': cli.flags.foreground = true; break;
    case 'd': cli.flags.debug = true; break;
    case kSyslog: cli.syslog = true; break;
    case kChapSecrets: cli.flags.chap_secrets_path = arg; break;
    case kPapSecrets: cli.flags.pap_secrets_path = arg; break;
    case kPppOptions: cli.flags.global_options_path = arg; break;
    case kControl: cli.control = arg; break;
    case kMetrics: return apply_metrics(arg, cli.flags);
    case kMetricsPerSession: cli.flags.metrics_per_session = true; break;
    case kLogLevel: {
      std::optional<LogLevel> l = parse_log_level(arg);
      if (!l) {
        std::fprintf(stderr, "pptpxd: unknown log level '%s' (one of %s)\n", arg,
                     std::string(kLogLevelNames).c_str());
        return kExitConfig;
      }
      cli.log_level = *l;
      cli.flags.debug = *l == LogLevel::kDebug;
      break;
    }
    case kPort: {
      int p = std::atoi(arg);
      if (p <= 0 || p > 65535) {
        std::fprintf(stderr, "pptpxd: bad port '%s'\n", arg);
        return kExitConfig;
      }
      cli.port = static_cast<uint16_t>(p);
      break;
    }
    case 'v': std::printf("pptpxd %s\n", PPTPX_VERSION); return -1;
    case 'h': usage(stdout); return -1;
    default: usage(stderr); return kExitConfig;
  }
  return kExitOk;
}

int parse_cli(int argc, char** argv, Cli& cli) {
  static const option longopts[] = {
      {"conf", required_argument, nullptr, 'c'},
      {"foreground", no_argument, nullptr, 'f'},
      {"fg", no_argument, nullptr, 'f'},
      {"syslog", no_argument, nullptr, kSyslog},
      {"chap-secrets", required_argument, nullptr, kChapSecrets},
      {"pap-secrets", required_argument, nullptr, kPapSecrets},
      {"log-level", required_argument, nullptr, kLogLevel},
      {"debug", no_argument, nullptr, 'd'},
      {"control", required_argument, nullptr, kControl},
      {"metrics", required_argument, nullptr, kMetrics},
      {"metrics-per-session", no_argument, nullptr, kMetricsPerSession},
      {"version", no_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'h'},
      // For tests: the global pppd options file ("" for none) and the TCP port.
      {"ppp-options", required_argument, nullptr, kPppOptions},
      {"port", required_argument, nullptr, kPort},
      {nullptr, 0, nullptr, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "c:fdvh", longopts, nullptr)) != -1)
    if (int rc = apply_option(c, optarg, cli); rc != kExitOk) return rc;
  if (optind < argc) {
    std::fprintf(stderr, "pptpxd: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return kExitConfig;
  }
  return kExitOk;
}

std::string absolute(const std::string& path) {
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

// Logs the diagnostics, or prints them before there is a log; true when
// there is an error.
bool report(const config::Diagnostics& diags, const Logger* log) {
  for (const auto& d : diags) {
    if (log)
      log->log(d.is_error ? LogLevel::kError : LogLevel::kWarning, "{}", d.str());
    else
      std::fprintf(stderr, "pptpxd: %s%s\n", d.is_error ? "" : "warning: ", d.str().c_str());
  }
  return config::has_errors(diags);
}

// The daemon works from /: relative paths given on the command line (read
// again at SIGHUP and, for chap-secrets, at every authentication) must not
// change meaning.
void make_paths_absolute(server::Flags& flags) {
  for (std::string* path : {&flags.conf_path, &flags.chap_secrets_path, &flags.pap_secrets_path})
    if (!path->empty() && (*path)[0] != '/') *path = absolute(*path);
}

// Reads the configuration, reporting its problems, and loads OpenSSL's
// legacy provider; kExitOk when pptpxd can go on.
int load_configuration(const server::Flags& flags, server::Settings& settings) {
  config::Diagnostics diags;
  settings = server::load_settings(flags, diags);
  if (report(diags, nullptr)) return kExitConfig;
  if (!crypto::init()) {
    std::fprintf(stderr, "pptpxd: cannot load OpenSSL's legacy provider (MD4, DES, RC4)\n");
    return kExitFatal;
  }
  return kExitOk;
}

// In the foreground stderr only (journald or the terminal takes it; syslog
// too would show each line twice under systemd), unless --syslog.
io::SystemLogSink::Options log_options(const Cli& cli, const server::Settings& settings) {
  io::SystemLogSink::Options lo;
  lo.ident = "pptpxd";
  lo.stderr_output = cli.flags.foreground;
  lo.syslog = !cli.flags.foreground || cli.syslog;
  lo.level = cli.log_level;
  lo.debug = settings.debug;
  return lo;  // the log file is opened by open_logfile, which reports failures
}

// syslog(3) drops every line when no daemon listens at /dev/log; say so
// while stderr still reaches someone (before detaching).
void warn_without_syslog(const Cli& cli, const server::Settings& settings) {
  std::error_code ec = io::check_syslog_socket();
  if (!ec) return;
  const std::optional<std::string>& file = settings.ppp.logfile;
  std::string rest;
  if (cli.flags.foreground)
    rest = "log lines will only go to stderr" + (file ? " and " + *file : std::string());
  else if (file)
    rest = "log lines will only go to the logfile " + *file;
  else
    rest = "log lines will go nowhere (set 'logfile' in the options file or run with -f)";
  std::fprintf(stderr, "pptpxd: no syslog socket at %s (%s): %s\n", io::kSyslogSocket,
               ec.message().c_str(), rest.c_str());
}

// Opens pppd's `logfile` (again, after logrotate moved it), or closes the
// log file when there is none.
void open_logfile(io::SystemLogSink& sink, const Logger& log,
                  const std::optional<std::string>& path) {
  if (!path) {
    sink.close_logfile();
    return;
  }
  if (auto ec = sink.open_logfile(*path))
    log.warn("cannot open log file {}: {}", *path, ec.message());
}

// What changes in a running pptpxd on request: the configuration (SIGHUP;
// a control command can call the same) and debug logging (SIGUSR1, or a
// `debug on|off` command). systemd hears of each reload (RELOADING=1, then
// READY=1).
class Runtime {
 public:
  Runtime(server::Server& srv, const server::Flags& flags, const server::Settings& loaded,
          io::SystemLogSink& sink, Logger& log, app::ServiceStatus& service)
      : srv_(srv),
        flags_(flags),
        sink_(sink),
        log_(log),
        service_(service),
        config_debug_(loaded.debug),
        logfile_(loaded.ppp.logfile) {}

  // reread() between RELOADING=1 and READY=1 (with its error in the status
  // line); its result.
  std::string reload() {
    service_.reloading();
    std::string error = reread();
    std::string status = server::status_line(srv_.session_count(), srv_.listen_address());
    service_.ready(error.empty() ? status : status + "; last reload failed: " + error);
    return error;
  }

  // Re-reads the configuration for new sessions and reopens the log file,
  // which logrotate may have moved away. Debug logging follows the
  // configuration only when its debug setting changed since it was last
  // read, so a reload keeps what set_debug chose. "" when applied; when the
  // configuration has errors, the first of them: the running one stays, and
  // so does its log file's name.
  std::string reread() {
    config::Diagnostics diags;
    server::Settings s = server::load_settings(flags_, diags);
    if (!config::has_errors(diags)) logfile_ = s.ppp.logfile;
    open_logfile(sink_, log_, logfile_);
    if (report(diags, &log_)) {
      log_.error("configuration has errors; keeping the running configuration");
      for (const auto& d : diags)
        if (d.is_error) return "configuration has errors; keeping the running one: " + d.str();
    }
    if (s.debug != config_debug_) {
      config_debug_ = s.debug;
      set_debug(s.debug);
    }
    srv_.reload(std::move(s));
    return {};
  }

  // Debug logging on or off until changed again, with a notice.
  void set_debug(bool on) {
    sink_.set_debug(on);
    log_.notice("debug logging {}", on ? "on" : "off");
  }
  bool debug() const { return sink_.debug(); }

 private:
  server::Server& srv_;
  const server::Flags& flags_;
  io::SystemLogSink& sink_;
  Logger& log_;
  app::ServiceStatus& service_;
  bool config_debug_;                   // the debug setting last read (with -d)
  std::optional<std::string> logfile_;  // the log file last named
};

// TERM/INT shut down (once), HUP reloads the configuration, USR1 toggles
// debug logging, USR2 logs the stats.
void handle_signals(io::EventLoop& ev, server::Server& srv, Runtime& runtime, Logger& log,
                    app::ServiceStatus& service, bool& stopping) {
  auto stop = [&](int sig) {
    if (stopping) return;
    stopping = true;
    log.notice("terminating on signal {}", sig);
    service.stopping();
    srv.shutdown([&ev] { ev.stop(); });
  };
  ev.on_signal(SIGTERM, stop);
  ev.on_signal(SIGINT, stop);
  ev.on_signal(SIGHUP, [&](int) { (void)runtime.reload(); });
  ev.on_signal(SIGUSR1, [&](int) { runtime.set_debug(!runtime.debug()); });

  ev.on_signal(SIGUSR2, [&](int) { srv.log_stats(); });
}

// The control socket for pptpxctl. Not fatal: the VPN serves without it.
void open_control_socket(server::Server& srv, const Cli& cli, Runtime& runtime, Logger& log) {
  if (cli.control == "none") return;
  server::Server::AdminHooks hooks;
  hooks.reload = [&runtime] { return runtime.reload(); };
  hooks.debug = [&runtime](bool on) { runtime.set_debug(on); };
  hooks.version = PPTPX_VERSION;
  io::UnixListener::Options o;
  o.path = cli.control;
  if (auto ec = srv.open_admin(o, std::move(hooks))) {
    if (ec == std::errc::address_in_use)
      log.warn(
          "control socket {}: another pptpxd answers there, so pptpxctl reaches that one; "
          "give this one its own with --control PATH",
          cli.control);
    else
      log.warn("cannot open the control socket {}: {}; pptpxctl will not reach this pptpxd",
               cli.control, ec.message());
    return;
  }
  log.info("control socket {} (mode 0660, {})", cli.control,
           srv.admin()->group_applied() ? "group pptpx" : "root only: there is no group pptpx");
}

// Starts the server, writes the pid file and runs the event loop until
// the server has shut down; the exit status.
int run_server(io::EventLoop& ev, const Cli& cli, const server::Settings& settings,
               io::SystemLogSink& sink, Logger& log) {
  crypto::SystemRng rng;
  server::Server srv(ev, settings, sink, rng);
  srv.set_port(cli.port);
  if (auto ec = srv.start()) {
    log.error("{}",
              srv.start_failure().empty() ? "cannot start: " + ec.message() : srv.start_failure());
    return kExitFatal;
  }
  if (settings.metrics) {
    const config::HostPort& m = *settings.metrics;
    if (auto ec = srv.open_metrics({m.addr, m.port}, settings.metrics_per_session)) {
      log.error("cannot serve metrics on {}:{}: {}", m.addr.str(), m.port, ec.message());
      return kExitFatal;
    }
    log.info("metrics at http://{}:{}/metrics{}", m.addr.str(), m.port,
             settings.metrics_per_session ? " (with series per session)" : "");
  }
  auto pidfile = io::PidFile::create(settings.pidfile);
  if (!pidfile)
    log.warn("cannot write pid file {}: {}", settings.pidfile, pidfile.error().message());

  io::SystemdNotifier notifier;
  app::ServiceStatus service(notifier, log);
  Runtime runtime(srv, cli.flags, settings, sink, log, service);
  open_control_socket(srv, cli, runtime, log);
  bool stopping = false;
  handle_signals(ev, srv, runtime, log, service, stopping);
  srv.on_sessions_changed(
      [&service, &srv](size_t n) { service.status(server::status_line(n, srv.listen_address())); });
  service.ready(server::status_line(srv.session_count(), srv.listen_address()));

  if (auto ec = ev.run()) {
    log.error("event loop: {}", ec.message());
    return kExitFatal;
  }
  srv.log_stats();
  log.notice("exiting");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  if (int rc = parse_cli(argc, argv, cli); rc != kExitOk) return rc < 0 ? kExitOk : rc;
  make_paths_absolute(cli.flags);

  server::Settings settings;
  if (int rc = load_configuration(cli.flags, settings); rc != kExitOk) return rc;
  if (!cli.flags.foreground || cli.syslog) warn_without_syslog(cli, settings);
  if (!cli.flags.foreground) {
    if (auto ec = io::daemonize()) {
      std::fprintf(stderr, "pptpxd: cannot daemonise: %s\n", ec.message().c_str());
      return kExitFatal;
    }
  }

  io::SystemLogSink sink(log_options(cli, settings));
  Logger log(sink);
  open_logfile(sink, log, settings.ppp.logfile);
  // pppd warns for each secrets file it reads.
  for (const std::string* path : {&cli.flags.chap_secrets_path, &cli.flags.pap_secrets_path})
    if (auto w = config::check_secrets_permissions(*path)) log.warn("{}", *w);

  auto loop = io::EventLoop::create({SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2});
  if (!loop) {
    log.error("cannot create the event loop: {}", loop.error().message());
    return kExitFatal;
  }
  return run_server(*loop.value(), cli, settings, sink, log);
}
