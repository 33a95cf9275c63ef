// SPDX-License-Identifier: MIT
// Runs pppd-style scripts (ip-pre-up, ip-up, ip-down, ...): posix_spawn with
// an exact argv and environment (nothing inherited), stdio on /dev/null, a
// new process group, default signal dispositions and an empty signal mask.
// Children are reaped on SIGCHLD through the EventLoop.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "base/time.h"
#include "io/event_loop.h"
#include "io/result.h"

namespace pptpx::io {

struct ExitStatus {
  bool exited = false;  // true: code is valid; false: killed by signal
  int code = 0;
  int signal = 0;
  bool success() const { return exited && code == 0; }
  static ExitStatus from_wait(int status);
};

class ScriptRunner {
 public:
  using Done = std::function<void(pid_t pid, ExitStatus status)>;

  // Registers a SIGCHLD handler on loop (which must handle SIGCHLD). The
  // handler cannot be unregistered: the runner must live as long as the
  // loop keeps dispatching.
  ScriptRunner(EventLoop& loop, Logger log);
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // Starts path with argv (argv[0] included, as given) and env
  // ("NAME=value" strings). Returns the pid; 0 when the script is missing or
  // not executable, which pppd treats as "nothing to run" (done is then not
  // called). done runs from the loop when the child exits.
  Result<pid_t> spawn(const std::string& path, const std::vector<std::string>& argv,
                      const std::vector<std::string>& env, Done done);

  // Reaps every exited child (waitpid(-1, WNOHANG)), calling done for ours;
  // runs on SIGCHLD. Other children's statuses are discarded.
  void reap();

  // Blocks until pid exits or timeout passes (for ip-pre-up and shutdown).
  // On exit, done is called as well and the status returned; on timeout,
  // nullopt and the child is left running (and still tracked).
  std::optional<ExitStatus> wait(pid_t pid, Duration timeout);

  size_t running() const { return children_.size(); }
  bool is_running(pid_t pid) const { return children_.count(pid) != 0; }
  // Sends sig to the child's process group.
  void kill(pid_t pid, int sig);

 private:
  void finish(pid_t pid, int status);

  EventLoop& loop_;
  Logger log_;
  std::unordered_map<pid_t, Done> children_;
};

// Spawns without tracking; the building block of ScriptRunner::spawn.
Result<pid_t> spawn_process(const std::string& path, const std::vector<std::string>& argv,
                            const std::vector<std::string>& env);

}  // namespace pptpx::io
