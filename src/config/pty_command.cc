// SPDX-License-Identifier: MIT
// pptp-linux's command line, read as its getopt_long would; see pty_command.h.
#include "config/pty_command.h"

#include <cstdlib>

#include "base/text.h"

namespace pptpx::config {

namespace {

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

bool is_pptp(const std::string& prog) {
  return prog == "pptp" || (prog.size() > 5 && prog.ends_with("/pptp"));
}

// pptp-linux options that take an argument (getopt_long: "--opt ARG" or
// "--opt=ARG").
bool takes_argument(const std::string& name) {
  static const char* const kWithArg[] = {
      "phone",     "quirks",    "timeout",        "idle-wait",      "max-echo-wait",
      "logstring", "localbind", "bind",           "rtmark",         "loglevel",
      "test-type", "test-rate", "missing-window", "client-hostname"};
  bool takes_arg = false;
  for (const char* k : kWithArg) takes_arg |= name == k;
  return takes_arg;
}

// --localbind/--bind ADDR.
void set_localbind(const std::string& name, const std::string& value, PtyCommand& pc) {
  pc.localbind = Ipv4::parse(value);
  if (!pc.localbind)
    pc.warnings.push_back("pptp --" + name + " " + value + ": not an IPv4 address, ignored");
}

// --idle-wait/--max-echo-wait S: a positive number of seconds.
void set_echo_time(const std::string& name, const std::string& value, PtyCommand& pc) {
  std::optional<int> n = parse_non_negative_int(value);
  if (!n || *n <= 0)
    pc.warnings.push_back("pptp --" + name + " " + value + ": not a positive number, ignored");
  else
    (name == "idle-wait" ? pc.idle_wait : pc.max_echo_wait) = n;
}

// --loglevel 0, 1 or 2.
void set_loglevel(const std::string& value, PtyCommand& pc) {
  std::optional<int> n = parse_non_negative_int(value);
  if (!n || *n < 0 || *n > 2)
    pc.warnings.push_back("pptp --loglevel " + value + ": not 0, 1 or 2, ignored");
  else
    pc.loglevel = *n;
}

// --timeout S: 0.01 to 10 seconds, or the command is unusable.
void set_reorder_timeout(const std::string& value, PtyCommand& pc) {
  char* end = nullptr;
  double sec = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(sec >= 0.01 && sec <= 10)) {
    pc.error = "pptp --timeout " + value + ": must be 0.01 to 10 seconds, as pptp requires";
  } else {
    pc.reorder_timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(sec));
  }
}

// Applies the pptp option --name (with its value when it takes one); false
// for an option pptpx does not know.
bool apply_option(const std::string& name, const std::optional<std::string>& value,
                  PtyCommand& pc) {
  if (name == "phone") {
    pc.phone = *value;
  } else if (name == "localbind" || name == "bind") {
    set_localbind(name, *value, pc);
  } else if (name == "idle-wait" || name == "max-echo-wait") {
    set_echo_time(name, *value, pc);
  } else if (name == "loglevel") {
    set_loglevel(*value, pc);
  } else if (name == "client-hostname") {
    pc.client_hostname = *value;
  } else if (name == "nohostroute") {
    pc.nohostroute = true;
  } else if (name == "timeout") {
    set_reorder_timeout(*value, pc);
  } else if (name == "nobuffer") {
    pc.nobuffer = true;
  } else if (name == "missing-window") {
    pc.warnings.push_back(
        "pptp --missing-window ignored: the reorder window holds at most 8 "
        "packets, and a further jump is taken as loss at once");
  } else if (name == "sync" || name == "debug" || name == "version") {
    pc.warnings.push_back("pptp --" + name + " has no meaning for pptpx, ignored");
  } else {
    return false;
  }
  return true;
}

// After the last word: the host is required; what pptpx ignores is said.
void finish(PtyCommand& pc, bool nolaunchpppd, const std::vector<std::string>& extra) {
  if (pc.host.empty()) {
    pc.error = "no server name or address in the pty command";
    return;
  }
  if (!nolaunchpppd)
    pc.warnings.push_back("pty command without --nolaunchpppd: pptpx runs the link itself anyway");
  for (const auto& e : extra)
    pc.warnings.push_back("pty command word '" + e + "' (pppd option for pptp) ignored");
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
  if (!is_pptp(prog)) {
    pc.error = "pty command '" + prog + "' is not pptp: pptpx only dials PPTP servers";
    return pc;
  }
  bool nolaunchpppd = false;
  std::vector<std::string> extra;
  for (size_t i = 1; i < w.size(); ++i) {
    const std::string& word = w[i];
    if (!word.starts_with("--")) {
      if (pc.host.empty())
        pc.host = word;
      else
        extra.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const bool takes_arg = takes_argument(name);
    if (takes_arg && !value) {
      if (i + 1 >= w.size()) {
        pc.error = "pptp option --" + name + " needs a value";
        return pc;
      }
      value = w[++i];
    }
    if (name == "nolaunchpppd") {
      nolaunchpppd = true;
    } else if (!apply_option(name, value, pc)) {
      pc.warnings.push_back(takes_arg ? "pptp --" + name + " is not supported by pptpx yet, ignored"
                                      : "pptp --" + name + ": unknown pptp option, ignored");
    }
  }
  finish(pc, nolaunchpppd, extra);
  return pc;
}

}  // namespace pptpx::config
