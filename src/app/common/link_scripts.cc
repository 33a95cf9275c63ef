// SPDX-License-Identifier: MIT
#include "app/common/link_scripts.h"

#include <unistd.h>

namespace pptpx::app {

std::vector<std::string> script_argv(const std::string& path, const ScriptContext& ctx) {
  std::vector<std::string> args = {
      path, ctx.ifname, ctx.device, std::to_string(ctx.speed), ctx.local.str(), ctx.remote.str()};
  if (ctx.ipparam) args.push_back(*ctx.ipparam);
  return args;
}

std::vector<std::string> script_env(const ScriptContext& ctx, const LinkTotals* down) {
  const std::string& ifname = ctx.ifname;
  std::vector<std::string> env = {
      "IFNAME=" + ifname,
      "DEVICE=" + ctx.device,
      "SPEED=" + std::to_string(ctx.speed),
      "IPLOCAL=" + ctx.local.str(),
      "IPREMOTE=" + ctx.remote.str(),
      "PPPLOGNAME=root",
      "ORIG_UID=" + std::to_string(ctx.orig_uid),
      "PPPD_PID=" + std::to_string(getpid()),
      "UNIT=" + (ifname.size() > 3 ? ifname.substr(3) : std::string("0"))};
  if (ctx.ipparam && !ctx.ipparam->empty()) env.push_back("IPPARAM=" + *ctx.ipparam);
  env.insert(env.end(), ctx.env.begin(), ctx.env.end());
  if (down) {
    env.push_back("CONNECT_TIME=" + std::to_string(down->connect_seconds));
    env.push_back("BYTES_SENT=" + std::to_string(down->bytes_sent));
    env.push_back("BYTES_RCVD=" + std::to_string(down->bytes_received));
  }
  return env;
}

pid_t LinkScripts::run(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env, const Logger& log,
                       const std::function<void()>& on_exit) {
  if (access(path.c_str(), X_OK) != 0) {  // pppd: a missing script is not an error
    if (on_exit) on_exit();
    return 0;
  }
  auto pid = runner_.spawn(path, argv, env, [this, log, path, on_exit](pid_t p, io::ExitStatus st) {
    log.debug("script {} finished (pid {}), status {}", path, p, st.exited ? st.code : -st.signal);
    if (on_exit) on_exit();
    exited(p);
  });
  if (!pid || *pid == 0) {
    if (!pid) log.warn("script {} failed to start: {}", path, pid.error().message());
    if (on_exit) on_exit();
    return 0;
  }
  log.debug("script {} started (pid {})", path, *pid);
  return *pid;
}

void LinkScripts::run_after(pid_t first, const std::string& path,
                            const std::vector<std::string>& argv,
                            const std::vector<std::string>& env, const Logger& log) {
  if (first <= 0 || !runner_.is_running(first)) {
    run(path, argv, env, log);
    return;
  }
  log.debug("ip-down waits for ip-up (pid {})", first);
  waiting_.emplace(first, [this, path, argv, env, log] { run(path, argv, env, log); });
}

void LinkScripts::exited(pid_t pid) {
  auto [from, to] = waiting_.equal_range(pid);
  std::vector<std::function<void()>> next;
  for (auto it = from; it != to; ++it) next.push_back(std::move(it->second));
  waiting_.erase(from, to);
  for (auto& fn : next) fn();
  if (changed_) changed_();
}

}  // namespace pptpx::app
