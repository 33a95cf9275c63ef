// SPDX-License-Identifier: MIT
// Script runner (see script.h).
#include "io/script.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace pptpx::io {

ExitStatus ExitStatus::from_wait(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  return s;
}

Result<pid_t> spawn_process(const std::string& path, const std::vector<std::string>& argv,
                            const std::vector<std::string>& env) {
  std::vector<char*> av;
  av.reserve(argv.size() + 1);
  for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  std::vector<char*> ev;
  ev.reserve(env.size() + 1);
  for (const auto& e : env) ev.push_back(const_cast<char*>(e.c_str()));
  ev.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  // Our fds are CLOEXEC, but a library's may not be; the script gets none.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  // The loop blocks its signals and may ignore SIGPIPE; both would leak
  // into the script through exec.
  sigset_t empty, reset;
  sigemptyset(&empty);
  sigemptyset(&reset);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM})
    sigaddset(&reset, s);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &reset);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &fa, &attr, av.data(), ev.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return errno_error(rc);
  return pid;
}

ScriptRunner::ScriptRunner(EventLoop& loop, Logger log) : loop_(loop), log_(std::move(log)) {
  loop_.on_signal(SIGCHLD, [this](int) { reap(); });
}

Result<pid_t> ScriptRunner::spawn(const std::string& path, const std::vector<std::string>& argv,
                                  const std::vector<std::string>& env, Done done) {
  if (::access(path.c_str(), X_OK) != 0) {
    log_.debug("script {} not run: {}", path, errno_error().message());
    return pid_t{0};
  }
  auto pid = spawn_process(path, argv, env);
  if (!pid) {
    log_.warn("script {} failed to start: {}", path, pid.error().message());
    return pid.error();
  }
  log_.debug("script {} started, pid {}", path, *pid);
  children_[*pid] = std::move(done);
  return pid;
}

void ScriptRunner::finish(pid_t pid, int status) {
  auto it = children_.find(pid);
  if (it == children_.end()) return;
  Done done = std::move(it->second);
  children_.erase(it);
  ExitStatus st = ExitStatus::from_wait(status);
  log_.debug("pid {} ended: exited={} code={} signal={}", pid, st.exited, st.code, st.signal);
  if (done) done(pid, st);
}

void ScriptRunner::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    finish(pid, status);
  }
}

std::optional<ExitStatus> ScriptRunner::wait(pid_t pid, Duration timeout) {
  if (!children_.count(pid)) return std::nullopt;
  Time deadline = loop_.now() + timeout;
  Duration step = std::chrono::milliseconds(1);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      finish(pid, status);
      return ExitStatus::from_wait(status);
    }
    if (r < 0 && errno != EINTR) {
      // Already reaped elsewhere; nothing more can be learnt about it.
      children_.erase(pid);
      return std::nullopt;
    }
    if (loop_.now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(step);
    step = std::min<Duration>(step * 2, std::chrono::milliseconds(20));
  }
}

void ScriptRunner::kill(pid_t pid, int sig) {
  if (pid > 0 && children_.count(pid)) ::kill(-pid, sig);
}

}  // namespace pptpx::io
