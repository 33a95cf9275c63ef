// SPDX-License-Identifier: MIT
// pptpxd: the PPTP server. Argument parsing and wiring only; the work is in
// app/server.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "app/common/admin_protocol.h"
#include "app/common/service_status.h"
#include "app/server/command_line.h"
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

using Cli = server::CommandLine;

// The command line into cli; kExitOk to go on, else the exit status
// (--help and --version answered: -1).
int parse_cli(int argc, char** argv, Cli& cli) {
  using Action = server::ParsedCommandLine::Action;
  server::ParsedCommandLine parsed = server::parse_command_line(argc, argv);
  switch (parsed.action) {
    case Action::kHelp: std::fputs(server::usage_text().c_str(), stdout); return -1;
    case Action::kVersion: std::printf("pptpxd %s\n", PPTPX_VERSION); return -1;
    case Action::kUsageError:
      std::fprintf(stderr, "pptpxd: %s\nTry 'pptpxd --help' for the options.\n",
                   parsed.error.c_str());
      return kExitConfig;
    case Action::kRun: break;
  }
  cli = std::move(parsed.cli);
  // Logged too, once there is a log: here for the terminal a daemon leaves.
  if (!cli.flags.foreground)
    for (const std::string& w : cli.warnings)
      std::fprintf(stderr, "pptpxd: warning: %s\n", w.c_str());
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
  for (std::optional<std::string>* path : {&flags.conf.option, &flags.conf.pidfile})
    if (*path && !(*path)->empty() && (**path)[0] != '/') **path = absolute(**path);
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
  io::SystemdNotifier notifier;
  app::ServiceStatus service(notifier, log);
  Runtime runtime(srv, cli.flags, settings, sink, log, service);
  open_control_socket(srv, cli, runtime, log);
  // Every socket that needs more is open: from here on CAP_NET_ADMIN.
  server::drop_capabilities(log);
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

// Locks the pid file before pptpxd touches anything (the port, the control
// socket, proxy ARP entries), so a second pptpxd on the same file leaves
// the first one alone. nullopt to go on (a pid file that cannot be opened
// only warns, later); kExitFatal when another process holds it.
std::optional<int> lock_pidfile(const std::string& path, io::Result<io::PidFile>& pidfile) {
  pidfile = io::PidFile::lock(path);
  if (pidfile || !io::already_running(pidfile.error())) return std::nullopt;
  std::string who = io::pid_holder(path);
  std::fprintf(stderr,
               "pptpxd already running (%s): it holds the pid file %s; stop it first, or give "
               "this pptpxd its own pid file (-p FILE), port and control socket\n",
               who.c_str(), path.c_str());
  return kExitFatal;
}

// Writes our pid into the locked pid file (after daemonising: the pid
// that runs), or says why there is none.
void write_pidfile(io::Result<io::PidFile>& pidfile, const std::string& path, const Logger& log) {
  std::error_code ec = pidfile ? pidfile->write() : pidfile.error();
  if (ec) log.warn("cannot write pid file {}: {}", path, ec.message());
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  if (int rc = parse_cli(argc, argv, cli); rc != kExitOk) return rc < 0 ? kExitOk : rc;
  make_paths_absolute(cli.flags);

  server::Settings settings;
  if (int rc = load_configuration(cli.flags, settings); rc != kExitOk) return rc;
  io::Result<io::PidFile> pidfile{std::error_code()};
  if (std::optional<int> rc = lock_pidfile(settings.pidfile, pidfile)) return *rc;
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
  write_pidfile(pidfile, settings.pidfile, log);
  for (const std::string& w : cli.warnings) log.warn("{}", w);
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
