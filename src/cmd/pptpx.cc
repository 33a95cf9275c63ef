// SPDX-License-Identifier: MIT
// pptpx: the PPTP client, `pptpx call NAME [pppd options]` and
// `pptpx hangup NAME`. Argument parsing, detaching and wiring only; the work
// is in app/client.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/client/client.h"
#include "app/client/dialer.h"
#include "app/client/settings.h"
#include "app/common/service_status.h"
#include "base/text.h"
#include "config/secrets.h"
#include "crypto/crypto.h"
#include "io/event_loop.h"
#include "io/log_sink.h"
#include "io/pidfile.h"
#include "io/service_notify.h"

#ifndef PPTPX_VERSION
#define PPTPX_VERSION "0.1.0"
#endif

namespace {

using namespace pptpx;

void usage(FILE* out) {
  std::fprintf(out,
               "Usage: pptpx [flags] call NAME [pppd options...]\n"
               "       pptpx [flags] hangup NAME\n"
               "PPTP client: a drop-in replacement for pptp-linux + pppd (pon/poff).\n"
               "\n"
               "  call NAME               dial the server of /etc/ppp/peers/NAME\n"
               "  hangup NAME             end that connection (like poff NAME)\n"
               "  --peers-dir DIR         where peers files live (default /etc/ppp/peers)\n"
               "  --chap-secrets FILE     default /etc/ppp/chap-secrets\n"
               "  --pap-secrets FILE      default /etc/ppp/pap-secrets\n"
               "  --ppp-options FILE      global options read first (default /etc/ppp/options,\n"
               "                          \"\" for none)\n"
               "  --resolv-conf FILE      usepeerdns output (default /etc/ppp/resolv.conf)\n"
               "  --run-dir DIR           pid files (default /run)\n"
               "  --connect-timeout S     give up the TCP connect to the server after S seconds\n"
               "                          (default 15)\n"
               "  --gre-timeout S         say GRE looks blocked when none has come S seconds\n"
               "                          after the call connected (default 5)\n"
               "  --mppe-stateful-only    offer and accept only stateful MPPE, as Windows 95/98\n"
               "                          did (pppd has no such option; the server needs\n"
               "                          mppe-stateful)\n"
               "  --log-level LEVEL       error, warning, notice, info (default) or debug\n"
               "                          (debug: as pppd's debug)\n"
               "  -v, --version           print the version and exit\n"
               "  -h, --help              print this help and exit\n"
               "\n"
               "pppd options honoured include nodetach, updetach, persist, maxfail, holdoff,\n"
               "debug, dump, logfd, nologfd, logfile, name, user, password, remotename,\n"
               "require-mppe*, nomppe, mppe-stateful, ipparam, linkname, unit, defaultroute,\n"
               "replacedefaultroute, usepeerdns, usepeerwins, mtu, mru, lcp-echo-*,\n"
               "ip-pre-up-script, "
               "ip-up-script, ip-down-script.\n"
               "Signals: TERM/INT hang up (exit 0); HUP drops the link (redials with persist).\n");
}

// After a usage error's own line: where to look; the exit status.
int usage_error() {
  std::fputs("Try 'pptpx --help' for the commands and options.\n", stderr);
  return client::kExitOptionError;
}

struct Cli {
  std::string command;
  client::Flags flags;
  std::string log_level_word = "info";  // --log-level
  LogLevel log_level = LogLevel::kInfo;
  std::string connect_timeout, gre_timeout;  // --connect-timeout, --gre-timeout
};

// The member that one of our --flags with a value sets; nullptr for any
// other word.
std::string* flag_value(const std::string& flag, Cli& cli) {
  client::Flags& flags = cli.flags;
  if (flag == "--log-level") return &cli.log_level_word;
  if (flag == "--peers-dir") return &flags.peers_dir;
  if (flag == "--chap-secrets") return &flags.chap_secrets_path;
  if (flag == "--pap-secrets") return &flags.pap_secrets_path;
  if (flag == "--ppp-options") return &flags.global_options_path;
  if (flag == "--resolv-conf") return &flags.resolv_conf_path;
  if (flag == "--run-dir") return &flags.run_dir;
  if (flag == "--connect-timeout") return &cli.connect_timeout;
  if (flag == "--gre-timeout") return &cli.gre_timeout;
  return nullptr;
}

// The words that are not our flags: the command, its NAME and pppd options.
int parse_command(const std::vector<std::string>& words, Cli& cli) {
  if (words.empty()) {
    std::fprintf(stderr, "pptpx: no command: give call NAME or hangup NAME\n");
    return usage_error();
  }
  if (words[0] != "call" && words[0] != "hangup") {
    std::fprintf(stderr, "pptpx: unknown command '%s' (call or hangup)\n", words[0].c_str());
    return usage_error();
  }
  if (words.size() < 2) {
    std::fprintf(stderr, "pptpx: %s needs a NAME (a file in the peers folder)\n", words[0].c_str());
    return usage_error();
  }
  cli.command = words[0];
  cli.flags.call_name = words[1];
  cli.flags.ppp_words.assign(words.begin() + 2, words.end());
  if (cli.command == "hangup" && !cli.flags.ppp_words.empty()) {
    std::fprintf(stderr, "pptpx: hangup takes a NAME and nothing more: '%s'\n",
                 cli.flags.ppp_words[0].c_str());
    return usage_error();
  }
  return client::kExitOk;
}

// --log-level's word; false (with a message) for an unknown level.
bool set_log_level(Cli& cli) {
  std::optional<LogLevel> l = parse_log_level(cli.log_level_word);
  if (!l) {
    std::fprintf(stderr, "pptpx: unknown log level '%s' (one of %s)\n", cli.log_level_word.c_str(),
                 std::string(kLogLevelNames).c_str());
    return false;
  }
  cli.log_level = *l;
  return true;
}

// A --flag's whole number of seconds, 1 to 600, into out (unchanged when
// the flag was not given); false (with a message) for anything else.
bool set_seconds(const char* flag, const std::string& word, Duration& out) {
  if (word.empty()) return true;
  std::optional<int> n = parse_non_negative_int(word);
  if (!n || *n < 1 || *n > 600) {
    std::fprintf(stderr, "pptpx: %s '%s': give whole seconds, 1 to 600\n", flag, word.c_str());
    return false;
  }
  out = seconds(*n);
  return true;
}

// Whether word is an option of ours that pptpx does not know: any
// "--word", and "-word" before the command (after `call NAME`, pppd's
// options include a few with one dash: -all, -ip, ...).
bool unknown_option(const std::string& word, const std::vector<std::string>& words) {
  return word.size() > 1 && word[0] == '-' && (word[1] == '-' || words.size() < 2);
}

// Our --flags may stand anywhere; every other word is the command, its NAME
// and pppd options. -1: --version or --help answered, exit 0.
int parse_cli(int argc, char** argv, Cli& cli) {
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (std::string* dst = flag_value(a, cli)) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "pptpx: option '%s' needs a value\n", a.c_str());
        return usage_error();
      }
      *dst = argv[++i];
    } else if (a == "--mppe-stateful-only") {
      cli.flags.mppe_stateful_only = true;
    } else if (a == "--version" || a == "-v") {
      std::printf("pptpx %s\n", PPTPX_VERSION);
      return -1;
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return -1;
    } else if (unknown_option(a, words)) {
      std::fprintf(stderr, "pptpx: unknown option '%s'\n", a.c_str());
      return usage_error();
    } else {
      words.push_back(a);
    }
  }
  if (!set_log_level(cli) ||
      !set_seconds("--connect-timeout", cli.connect_timeout, cli.flags.connect_timeout) ||
      !set_seconds("--gre-timeout", cli.gre_timeout, cli.flags.gre_timeout))
    return client::kExitOptionError;
  return parse_command(words, cli);
}

int hangup(const client::Flags& flags) {
  const std::string& name = flags.call_name;
  std::string link_file = flags.run_dir + "/ppp-" + name + ".pid";
  std::string own_file = flags.run_dir + "/pptpx-" + name + ".pid";
  auto pid = io::read_pidfile(link_file);
  std::string used = link_file;
  if (!pid) {
    pid = io::read_pidfile(own_file);
    used = own_file;
  }
  if (!pid) {
    std::fprintf(stderr, "pptpx: no connection '%s' (neither %s nor %s)\n", name.c_str(),
                 link_file.c_str(), own_file.c_str());
    return 1;
  }
  if (kill(*pid, SIGTERM) != 0) {
    std::fprintf(stderr, "pptpx: cannot signal pid %d (from %s): %s\n", *pid, used.c_str(),
                 std::strerror(errno));
    return 1;
  }
  return 0;
}

// Prints the diagnostics; true when there is an error.
bool report(const config::Diagnostics& diags) {
  bool error = false;
  for (const auto& d : diags) {
    error |= d.is_error;
    std::fprintf(stderr, "pptpx: %s%s\n", d.is_error ? "" : "warning: ", d.str().c_str());
  }
  return error;
}

void to_dev_null() {
  int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  dup2(fd, 0);
  dup2(fd, 1);
  dup2(fd, 2);
  if (fd > 2) close(fd);
}

// Reads the configuration (settings and secrets), reporting its problems;
// kExitOk when pptpx can go on.
int load_configuration(const client::Flags& flags, client::Settings& settings) {
  config::Diagnostics diags;
  settings = client::load_settings(flags, diags);
  if (report(diags)) return client::kExitOptionError;
  if (settings.dump) std::fputs(client::dump_settings(settings).c_str(), stderr);
  if (!crypto::init()) {
    std::fprintf(stderr, "pptpx: cannot load OpenSSL's legacy provider (MD4, DES, RC4)\n");
    return client::kExitFatal;
  }
  return client::kExitOk;
}

// updetach's parent: waits for the child's verdict on the pipe; the child's
// exit status (pppd's for the failure) when the link did not come up.
int wait_for_link_up(pid_t pid, int fd) {
  char verdict = 0;
  ssize_t n;
  do n = read(fd, &verdict, 1);
  while (n < 0 && errno == EINTR);
  if (n == 1 && verdict == 'u') return client::kExitOk;
  // The child failed: its exit status is pppd's for the failure.
  int st = 0;
  if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) != 0) return WEXITSTATUS(st);
  return client::kExitFatal;
}

// The default detach's parent: waits for the first attempt's connect, so
// that a server it cannot reach is reported here with pptpx's exit status
// (pppd detaches before its pty program connects, and says nothing). The
// child writes "c" once connected, or "f" and the error line. With persist
// the child goes on redialling: the parent says so and exits 0.
int wait_for_connect(pid_t pid, int fd, bool persist) {
  std::string got;
  char buf[512];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  if (got.starts_with("c")) return client::kExitOk;
  if (got.starts_with("f")) {
    std::fprintf(stderr, "pptpx: %s\n", got.c_str() + 1);
    if (persist) {
      std::fprintf(stderr, "pptpx: still dialing in the background (persist)\n");
      return client::kExitOk;
    }
  }
  int st = 0;
  if (waitpid(pid, &st, 0) == pid && WIFEXITED(st)) return WEXITSTATUS(st);
  return client::kExitFatal;
}

// Detaching as pppd does: default once the TCP connect is decided (the
// parent reports a failure, see wait_for_connect); updetach once the link
// is up (the parent waits on a pipe for the child's verdict); nodetach
// never. Returns the exit status for the parent (or for a failure); nullopt
// in the process that goes on, with up_pipe set to the pipe to the parent.
std::optional<int> detach(config::DetachMode mode, bool persist, int& up_pipe) {
  if (mode == config::DetachMode::kNodetach) return std::nullopt;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("pptpx: pipe");
    return client::kExitFatal;
  }
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("pptpx: fork");
    return client::kExitFatal;
  }
  if (pid > 0) {
    close(fds[1]);
    if (mode == config::DetachMode::kDetach) return wait_for_connect(pid, fds[0], persist);
    return wait_for_link_up(pid, fds[0]);
  }
  close(fds[0]);
  setsid();
  if (chdir("/") != 0) {
  }
  if (mode == config::DetachMode::kDetach) to_dev_null();
  up_pipe = fds[1];
  return std::nullopt;
}

io::SystemLogSink::Options log_options(const client::Settings& settings, LogLevel level) {
  io::SystemLogSink::Options lo;
  lo.level = level;
  lo.ident = "pptpx";
  // After detaching, stdio is on /dev/null (as with pppd), so logfd 0-2
  // then writes nowhere.
  lo.log_fd = settings.log_fd;
  lo.debug = settings.debug;
  if (settings.logfile) lo.logfile = *settings.logfile;
  return lo;
}

// `dump` to the log, a line each; the secrets files' permission warnings.
void log_startup(Logger& log, const client::Settings& settings) {
  const std::string dump_text = settings.dump ? client::dump_settings(settings) : std::string();
  if (settings.dump)
    for (std::string_view rest = dump_text; !rest.empty();) {
      size_t nl = rest.find('\n');
      log.info("{}", rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  // pppd warns for each secrets file it reads.
  for (const std::string* path :
       {&settings.flags.chap_secrets_path, &settings.flags.pap_secrets_path})
    if (auto w = config::check_secrets_permissions(*path)) log.warn("{}", *w);
}

// TERM/INT hang up (once), HUP drops the link, USR1 toggles debug logging,
// USR2 logs the stats.
void handle_signals(io::EventLoop& ev, client::Dialer& cl, io::SystemLogSink& system_sink,
                    Logger& log, app::ServiceStatus& service, bool& stopping) {
  auto stop = [&](int sig) {
    if (stopping) return;
    stopping = true;
    log.notice("terminating on signal {}", sig);
    service.stopping();
    cl.hangup();
  };
  ev.on_signal(SIGTERM, stop);
  ev.on_signal(SIGINT, stop);
  ev.on_signal(SIGHUP, [&](int) {
    if (!stopping) cl.sighup();
  });
  ev.on_signal(SIGUSR1, [&](int) {
    bool on = !system_sink.debug();
    system_sink.set_debug(on);
    log.notice("debug logging {}", on ? "on" : "off");
  });
  ev.on_signal(SIGUSR2, [&](int) { cl.log_stats(); });
}

// Dials and runs the event loop until the dialer is done; its exit status.
int run_dialer(io::EventLoop& ev, const client::Settings& settings, io::SystemLogSink& system_sink,
               Logger& log, int up_pipe) {
  crypto::SystemRng rng;
  int exit_status = client::kExitOk;
  client::Dialer cl(ev, settings, system_sink, rng, [&](int status) {
    exit_status = status;
    ev.stop();
  });
  // Under pptpx@.service (Type=notify, nodetach): started once the link is
  // up, as updetach's parent returns then.
  io::SystemdNotifier notifier;
  app::ServiceStatus service(notifier, log);
  cl.on_link_up([&] {
    service.ready("link up with " + settings.pty.host + " (call " + settings.flags.call_name + ")");
    if (up_pipe < 0) return;
    char u = 'u';
    if (write(up_pipe, &u, 1) != 1) {
    }
    close(up_pipe);
    up_pipe = -1;
    to_dev_null();
  });
  if (settings.detach == config::DetachMode::kDetach)
    cl.on_first_connect([&](bool ok, const std::string& why) {
      if (up_pipe < 0) return;
      std::string verdict = ok ? std::string("c") : "f" + why;
      if (write(up_pipe, verdict.data(), verdict.size()) < 0) {
      }
      close(up_pipe);
      up_pipe = -1;
    });
  cl.start();
  bool stopping = false;
  handle_signals(ev, cl, system_sink, log, service, stopping);

  if (auto ec = ev.run()) {
    log.error("event loop: {}", ec.message());
    return client::kExitFatal;
  }
  cl.log_stats();
  log.notice("exiting (status {})", exit_status);
  return exit_status;
}

// A pptpx for the same peer holds its pid file: say so and leave its
// files alone; the exit status.
int already_running(const Cli& cli, const std::string& path) {
  std::string who = io::pid_holder(path);
  std::fprintf(stderr,
               "pptpx already running for %s (%s): it holds %s; hang it up first (pptpx hangup "
               "%s)\n",
               cli.flags.call_name.c_str(), who.c_str(), path.c_str(), cli.flags.call_name.c_str());
  return client::kExitFatal;
}

}  // namespace

int main(int argc, char** argv) {
  Cli cli;
  if (int rc = parse_cli(argc, argv, cli); rc != client::kExitOk) return rc < 0 ? 0 : rc;
  if (cli.command == "hangup") return hangup(cli.flags);

  client::Settings settings;
  if (int rc = load_configuration(cli.flags, settings); rc != client::kExitOk) return rc;
  std::string own_pid = cli.flags.run_dir + "/pptpx-" + cli.flags.call_name + ".pid";
  io::Result<io::PidFile> pidfile = io::PidFile::lock(own_pid);
  if (!pidfile && io::already_running(pidfile.error())) return already_running(cli, own_pid);
  int up_pipe = -1;
  if (std::optional<int> rc = detach(settings.detach, settings.persist, up_pipe)) return *rc;

  io::SystemLogSink system_sink(log_options(settings, cli.log_level));
  Logger log(system_sink);
  log_startup(log, settings);
  std::error_code ec = pidfile ? pidfile->write() : pidfile.error();
  if (ec) log.warn("cannot write pid file {}: {}", own_pid, ec.message());

  auto loop = io::EventLoop::create({SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2});
  if (!loop) {
    log.error("cannot create the event loop: {}", loop.error().message());
    return client::kExitFatal;
  }
  return run_dialer(*loop.value(), settings, system_sink, log, up_pipe);
}
