// pptpxd: the PPTP server. Argument parsing and wiring only; the work is in
// app/server.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/common/admin_protocol.h"
#include "app/server/server.h"
#include "app/server/settings.h"
#include "config/secrets.h"
#include "crypto/crypto.h"
#include "io/daemon.h"
#include "io/event_loop.h"
#include "io/log_sink.h"
#include "io/pidfile.h"

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
               "  -f, --foreground        stay in the foreground, log to stderr too\n"
               "      --chap-secrets FILE secrets file (default /etc/ppp/chap-secrets)\n"
               "      --pap-secrets FILE  secrets for PAP (default /etc/ppp/pap-secrets)\n"
               "  -d, --debug             debug logging\n"
               "      --control PATH      control socket for pptpxctl (default\n"
               "                          /run/pptpxd/control.sock; \"none\": no socket)\n"
               "  -v, --version           print the version and exit\n"
               "  -h, --help              print this help and exit\n"
               "\n"
               "Signals: TERM ends every session cleanly and exits; HUP re-reads the\n"
               "configuration for new sessions; USR1 toggles debug logging; USR2 logs the\n"
               "drop counters.\n");
}

struct Cli {
  server::Flags flags;
  uint16_t port = 1723;
  std::string control = app::kDefaultControlSocket;
};

int parse_cli(int argc, char** argv, Cli& cli) {
  enum { kChapSecrets = 1000, kPapSecrets, kPppOptions, kPort, kControl };
  static const option longopts[] = {
      {"conf", required_argument, nullptr, 'c'},
      {"foreground", no_argument, nullptr, 'f'},
      {"fg", no_argument, nullptr, 'f'},
      {"chap-secrets", required_argument, nullptr, kChapSecrets},
      {"pap-secrets", required_argument, nullptr, kPapSecrets},
      {"debug", no_argument, nullptr, 'd'},
      {"control", required_argument, nullptr, kControl},
      {"version", no_argument, nullptr, 'v'},
      {"help", no_argument, nullptr, 'h'},
      // For tests: the global pppd options file ("" for none) and the TCP port.
      {"ppp-options", required_argument, nullptr, kPppOptions},
      {"port", required_argument, nullptr, kPort},
      {nullptr, 0, nullptr, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "c:fdvh", longopts, nullptr)) != -1) {
    switch (c) {
      case 'c': cli.flags.conf_path = optarg; break;
      case 'f': cli.flags.foreground = true; break;
      case 'd': cli.flags.debug = true; break;
      case kChapSecrets: cli.flags.chap_secrets_path = optarg; break;
      case kPapSecrets: cli.flags.pap_secrets_path = optarg; break;
      case kControl: cli.control = optarg; break;
      case kPppOptions: cli.flags.global_options_path = optarg; break;
      case kPort: {
        int p = std::atoi(optarg);
        if (p <= 0 || p > 65535) {
          std::fprintf(stderr, "pptpxd: bad port '%s'\n", optarg);
          return kExitConfig;
        }
        cli.port = static_cast<uint16_t>(p);
        break;
      }
      case 'v': std::printf("pptpxd %s\n", PPTPX_VERSION); return -1;
      case 'h': usage(stdout); return -1;
      default: usage(stderr); return kExitConfig;
    }
  }
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

// Prints the diagnostics; true when there is an error.
bool report(const config::Diagnostics& diags, const Logger* log) {
  bool error = false;
  for (const auto& d : diags) {
    if (d.is_error) {
      error = true;
      std::fprintf(stderr, "pptpxd: %s\n", d.str().c_str());
      if (log) log->error("{}", d.str());
    } else if (log) {
      log->warn("{}", d.str());
    } else {
      std::fprintf(stderr, "pptpxd: warning: %s\n", d.str().c_str());
    }
  }
  return error;
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

io::SystemLogSink::Options log_options(bool foreground, const server::Settings& settings) {
  io::SystemLogSink::Options lo;
  lo.ident = "pptpxd";
  lo.stderr_output = foreground;
  lo.debug = settings.debug;
  if (settings.ppp.logfile) lo.logfile = *settings.ppp.logfile;
  return lo;
}

// SIGHUP and `pptpxctl reload`: the configuration read again and applied
// to new sessions; "" when it was, else what is wrong (the running
// configuration stays).
std::string reload_configuration(server::Server& srv, const server::Flags& flags,
                                 io::SystemLogSink& sink, Logger& log) {
  config::Diagnostics d;
  server::Settings s = server::load_settings(flags, d);
  if (report(d, &log)) {
    log.error("configuration has errors; keeping the running configuration");
    std::string first;
    for (const auto& diag : d)
      if (diag.is_error && first.empty()) first = diag.str();
    return "configuration has errors; keeping the running configuration: " + first;
  }
  sink.set_debug(s.debug);
  srv.reload(std::move(s));
  return {};
}

void set_debug(io::SystemLogSink& sink, Logger& log, bool on) {
  sink.set_debug(on);
  log.notice("debug logging {}", on ? "on" : "off");
}

// TERM/INT shut down (once), HUP reloads the configuration, USR1 toggles
// debug logging, USR2 logs the stats.
void handle_signals(io::EventLoop& ev, server::Server& srv, const server::Flags& flags,
                    io::SystemLogSink& sink, Logger& log, bool& stopping) {
  auto stop = [&](int sig) {
    if (stopping) return;
    stopping = true;
    log.notice("terminating on signal {}", sig);
    srv.shutdown([&ev] { ev.stop(); });
  };
  ev.on_signal(SIGTERM, stop);
  ev.on_signal(SIGINT, stop);
  ev.on_signal(SIGHUP, [&](int) { (void)reload_configuration(srv, flags, sink, log); });
  ev.on_signal(SIGUSR1, [&](int) { set_debug(sink, log, !sink.enabled(LogLevel::kDebug)); });

  ev.on_signal(SIGUSR2, [&](int) { srv.log_stats(); });
}

// The control socket for pptpxctl. Not fatal: the VPN serves without it.
void open_control_socket(server::Server& srv, const Cli& cli, io::SystemLogSink& sink,
                         Logger& log) {
  if (cli.control == "none") return;
  server::Server::AdminHooks hooks;
  hooks.reload = [&srv, &cli, &sink, &log] {
    return reload_configuration(srv, cli.flags, sink, log);
  };
  hooks.debug = [&sink, &log](bool on) { set_debug(sink, log, on); };
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
    log.error("cannot start: {}", ec.message());
    return kExitFatal;
  }
  open_control_socket(srv, cli, sink, log);
  auto pidfile = io::PidFile::create(settings.pidfile);
  if (!pidfile)
    log.warn("cannot write pid file {}: {}", settings.pidfile, pidfile.error().message());

  bool stopping = false;
  handle_signals(ev, srv, cli.flags, sink, log, stopping);

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
  if (!cli.flags.foreground) {
    if (auto ec = io::daemonize()) {
      std::fprintf(stderr, "pptpxd: cannot daemonise: %s\n", ec.message().c_str());
      return kExitFatal;
    }
  }

  io::SystemLogSink sink(log_options(cli.flags.foreground, settings));
  Logger log(sink);
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
