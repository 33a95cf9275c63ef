// SPDX-License-Identifier: MIT
// pptpxctl: asks a running pptpxd over its control socket. Argument parsing
// and printing only; the protocol is in app/common/admin_protocol.h.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "app/common/admin_protocol.h"
#include "app/ctl/format.h"
#include "app/ctl/request.h"

#ifndef PPTPX_VERSION
#define PPTPX_VERSION "0.1.0"
#endif

namespace {

using namespace pptpx;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void usage(FILE* out) {
  std::fprintf(out,
               "Usage: pptpxctl [options] COMMAND\n"
               "Asks a running pptpxd (its control socket, by default %s).\n"
               "\n"
               "  sessions [--json]             every session: interface, user, client, address,\n"
               "                                call IDs, auth, MPPE, state, uptime, traffic\n"
               "  show TARGET [--json]          the sessions TARGET names, in full\n"
               "  kill TARGET [--reason TEXT]   ends the sessions TARGET names\n"
               "  stats [--json]                every server counter\n"
               "  blocks [--json]               addresses and users with failed logins: blocked\n"
               "                                (time left) or their next login delayed\n"
               "  unblock USER|ADDRESS|all      forgets their failed logins, ending a block\n"
               "  reload                        re-reads the configuration (as SIGHUP)\n"
               "  debug on|off                  debug logging\n"
               "  version                       pptpxd's version (and pptpxctl's)\n"
               "\n"
               "Options (anywhere on the line):\n"
               "  --socket PATH                 the control socket, when pptpxd has another one\n"
               "  --json                        the answer as JSON, raw numbers, for scripts\n"
               "  --reason TEXT                 with kill: the reason the client and the log see\n"
               "  -v, --version                 print pptpxctl's version and exit\n"
               "  -h, --help                    print this help and exit\n"
               "\n"
               "TARGET: an interface (ppp0), a user name, the address a session was given,\n"
               "or the client's address (ADDRESS or ADDRESS:PORT).\n"
               "Exit status: 0 done, 1 failed or nothing matched, 2 usage.\n",
               app::kDefaultControlSocket);
}

struct Cli {
  std::string socket = app::kDefaultControlSocket;
  app::AdminRequest req;
  bool json = false;
};

// A usage error: the line naming it, where to look; the exit status.
int usage_error(const std::string& what) {
  std::fprintf(stderr, "pptpxctl: %s\nTry 'pptpxctl --help' for the commands.\n", what.c_str());
  return kExitUsage;
}

bool known_command(const std::string& word) {
  for (const char* c :
       {"sessions", "show", "kill", "stats", "blocks", "unblock", "reload", "debug", "version"})
    if (word == c) return true;
  return false;
}

// What is wrong with the words after a known command, naming them.
std::string wrong_arguments(const std::vector<std::string>& words) {
  const std::string& cmd = words[0];
  if (words.size() == 1) {
    if (cmd == "unblock") return "unblock needs a USER, an ADDRESS or all";
    return cmd + (cmd == "debug" ? " needs on or off" : " needs a TARGET");
  }
  if (cmd == "debug" && words.size() == 2) return "debug takes on or off, not '" + words[1] + "'";
  size_t extra = cmd == "show" || cmd == "kill" || cmd == "unblock" || cmd == "debug" ? 2 : 1;
  std::string takes = extra == 1 ? "nothing" : cmd == "debug" ? "on or off" : "a TARGET";
  return cmd + " takes " + takes + " and nothing more: '" + words[extra] + "'";
}

// Whether the words after the command fit it: show and kill take a
// TARGET, unblock a user or address, debug takes on or off, the rest nothing.
bool words_fit(const std::vector<std::string>& words) {
  const std::string& cmd = words[0];
  if (cmd == "show" || cmd == "kill" || cmd == "unblock") return words.size() == 2;
  if (cmd == "debug") return words.size() == 2 && (words[1] == "on" || words[1] == "off");
  return words.size() == 1;
}

// Options may come anywhere; the rest are the command and its words.
int parse_options(int argc, char** argv, Cli& cli, std::vector<std::string>& words) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--json") {
      cli.json = true;
    } else if (a == "--socket" || a == "--reason") {
      if (i + 1 >= argc) return usage_error("option '" + std::string(a) + "' needs a value");
      (a == "--socket" ? cli.socket : cli.req.reason) = argv[++i];
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return -1;
    } else if (a == "-v" || a == "--version") {
      std::printf("pptpxctl %s\n", PPTPX_VERSION);
      return -1;
    } else if (a.size() > 1 && a.starts_with("-")) {
      return usage_error("unknown option '" + std::string(a) + "'");
    } else {
      words.emplace_back(a);
    }
  }
  return kExitOk;
}

int parse(int argc, char** argv, Cli& cli) {
  std::vector<std::string> words;
  if (int rc = parse_options(argc, argv, cli, words); rc != kExitOk) return rc;
  if (words.empty()) return usage_error("no command");
  if (!known_command(words[0])) return usage_error("unknown command '" + words[0] + "'");
  if (!words_fit(words)) return usage_error(wrong_arguments(words));
  cli.req.command = words[0];
  if (words.size() > 1) {
    if (cli.req.command == "debug")
      cli.req.on = words[1] == "on";
    else
      cli.req.target = words[1];
  }
  return kExitOk;
}

std::string pretty(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// --json: the answer's payload as it is.
void print_json(const std::string& cmd, const nlohmann::json& body) {
  const std::string key = cmd == "show" ? "sessions" : cmd;
  if (key == "sessions" || key == "blocks")
    std::fputs(pretty(body.value(key, nlohmann::json::array())).c_str(), stdout);
  else if (key == "stats")
    std::fputs(pretty(body.value(key, nlohmann::json::object())).c_str(), stdout);
  else
    std::fputs(pretty(body).c_str(), stdout);
}

// What the answers to the commands with a table or list say.
std::string tables(const std::string& cmd, const nlohmann::json& body) {
  if (cmd == "sessions") return ctl::format_sessions(body.value("sessions", nlohmann::json()));
  if (cmd == "show") return ctl::format_show(body.value("sessions", nlohmann::json()));
  if (cmd == "stats") return ctl::format_stats(body.value("stats", nlohmann::json()));
  if (cmd == "blocks")
    return ctl::format_blocks(body.value("blocks", nlohmann::json()), body.value("throttle", true));
  return "";
}

void print(const Cli& cli, const nlohmann::json& body) {
  const std::string& cmd = cli.req.command;
  if (cli.json) return print_json(cmd, body);
  std::string out = tables(cmd, body);
  if (cmd == "unblock")
    out = "forgot the failed logins of " + std::to_string(body.value("unblocked", 0)) +
          " address(es) and user(s)\n";
  if (cmd == "kill")
    out = "disconnected " + std::to_string(body.value("killed", 0)) + " session(s)\n";
  if (cmd == "reload") out = "configuration re-read; it applies to new sessions\n";
  if (cmd == "debug") out = std::string("debug logging ") + (cli.req.on ? "on" : "off") + "\n";
  if (cmd == "version")
    out = "pptpxd " + body.value("version", std::string("?")) + "\npptpxctl " PPTPX_VERSION "\n";
  std::fputs(out.c_str(), stdout);
}

int run(int argc, char** argv) {
  Cli cli;
  if (int rc = parse(argc, argv, cli); rc != kExitOk) return rc < 0 ? kExitOk : rc;
  ctl::Answer a = ctl::ask(cli.socket, cli.req);
  if (!a.reached) {
    std::fprintf(stderr, "pptpxctl: %s\n", a.error.c_str());
    return kExitFailed;
  }
  nlohmann::json body = a.body();
  if (!body.value("ok", false)) {
    std::fprintf(stderr, "pptpxctl: %s\n", body.value("error", std::string("failed")).c_str());
    return kExitFailed;
  }
  print(cli, body);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  // nlohmann::json throws on what it cannot print or convert; an answer
  // pptpxctl does not understand is reported, not a crash.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pptpxctl: cannot read pptpxd's answer: %s\n", e.what());
    return kExitFailed;
  }
}
