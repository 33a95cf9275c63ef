// SPDX-License-Identifier: MIT
// pppd's link scripts (ip-pre-up, ip-up, ip-down) for pptpxd and pptpx:
// their arguments and environment as pppd gives them (pppd(8) "SCRIPTS"),
// and the order pppd keeps: ip-down starts only once the same link's ip-up
// has exited. Nothing here blocks the event loop.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/ip.h"
#include "base/log.h"
#include "io/script.h"

namespace pptpx::app {

// What a script is told about its link.
struct ScriptContext {
  std::string ifname;
  // pppd's tty device. With no pty, the interface (README "Scripts");
  // pptpxd says "pptp" when a call has none.
  std::string device;
  uint32_t speed = 0;
  Ipv4 local, remote;
  // The sixth argument and IPPARAM (which is left out when empty); without
  // one the script gets five arguments.
  std::optional<std::string> ipparam;
  uid_t orig_uid = 0;
  // More NAME=value pairs for this application (PEERNAME, DNS1, ...).
  std::vector<std::string> env;
};

// At ip-down: CONNECT_TIME, BYTES_SENT and BYTES_RCVD.
struct LinkTotals {
  int64_t connect_seconds = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
};

std::vector<std::string> script_argv(const std::string& path, const ScriptContext& ctx);
std::vector<std::string> script_env(const ScriptContext& ctx, const LinkTotals* down);

class LinkScripts {
 public:
  // changed runs (from the loop) whenever one of our scripts exits, so the
  // application can see whether it may finish.
  LinkScripts(io::ScriptRunner& runner, std::function<void()> changed)
      : runner_(runner), changed_(std::move(changed)) {}
  LinkScripts(const LinkScripts&) = delete;
  LinkScripts& operator=(const LinkScripts&) = delete;

  // Starts path (nothing when it is missing or not executable, as with
  // pppd). Returns its pid, 0 when nothing runs; on_exit, if given, runs
  // when it exits (at once, from the caller, when nothing runs).
  pid_t run(const std::string& path, const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const Logger& log,
            const std::function<void()>& on_exit = {});
  // As run(), but only once `first` (an ip-up) has exited.
  void run_after(pid_t first, const std::string& path, const std::vector<std::string>& argv,
                 const std::vector<std::string>& env, const Logger& log);
  // Scripts running or waiting to run.
  size_t pending() const { return runner_.running() + waiting_.size(); }

 private:
  void exited(pid_t pid);

  io::ScriptRunner& runner_;
  std::function<void()> changed_;
  // Scripts waiting for another to exit, by that one's pid.
  std::multimap<pid_t, std::function<void()>> waiting_;
};

}  // namespace pptpx::app
