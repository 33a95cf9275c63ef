// SPDX-License-Identifier: MIT
// Integration lab (see lab.h).
#include "integration/server/lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef PPTPXD_PATH
#error "PPTPXD_PATH must name the pptpxd binary"
#endif

namespace pptpx::integ {

namespace {

std::atomic<int> g_lab_counter{0};

bool write_file(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) return false;
  f << text;
  f.close();
  return f.good() && chmod(path.c_str(), mode) == 0;
}

bool enter_ns(const std::string& name) {
  std::string path = "/run/netns/" + name;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  int rc = setns(fd, CLONE_NEWNET);
  close(fd);
  return rc == 0;
}

}  // namespace

int run_command(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int st = pclose(p);
  if (out) *out = std::move(text);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Lab::Lab(const LabOptions& opts) {
  tag_ = std::to_string(getpid()) + "-" + std::to_string(g_lab_counter++);
  srv_ns_ = "pptpx-it-" + tag_ + "-srv";
  cli_ns_ = "pptpx-it-" + tag_ + "-cli";
  if (!setup(opts) && error_.empty()) error_ = "lab setup failed";
}

Lab::~Lab() { teardown(); }

bool Lab::setup(const LabOptions& opts) {
  char tmpl[] = "/tmp/pptpx-it-XXXXXX";
  if (!mkdtemp(tmpl)) {
    error_ = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  log_path_ = dir_ + "/pptpxd.log";
  const std::string s = srv_ns_, c = cli_ns_;
  const std::string cmds[] = {
      "ip netns add " + s,
      "ip netns add " + c,
      "ip link add pxsrv netns " + s + " type veth peer name pxcli netns " + c,
      "ip -n " + s + " link set lo up",
      "ip -n " + c + " link set lo up",
      "ip -n " + s + " addr add " + kServerAddr + "/24 dev pxsrv",
      "ip -n " + c + " addr add " + kClientAddr + "/24 dev pxcli",
      "ip -n " + c + " addr add " + kClientAddr2 + "/24 dev pxcli",
      "ip -n " + s + " link set pxsrv up",
      "ip -n " + c + " link set pxcli up",
  };
  for (const auto& cmd : cmds) {
    std::string out;
    if (run_command(cmd, &out) != 0) {
      error_ = "'" + cmd + "' failed: " + out;
      return false;
    }
  }
  if (!write_files(opts)) return false;
  if (!start_server()) return false;
  orig_ns_fd_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig_ns_fd_ < 0 || !enter_ns(cli_ns_)) {
    error_ = "cannot enter the client namespace";
    return false;
  }
  if (!wait_listening(std::chrono::seconds(5))) {
    error_ =
        "pptpxd does not accept on " + std::string(kServerAddr) + ":1723; log:\n" + server_log();
    return false;
  }
  return true;
}

bool Lab::write_files(const LabOptions& opts) {
  std::string mppe = opts.mppe_line.value_or("require-mppe-128");
  std::string options =
      "name pptpd\n"
      "refuse-pap\n"
      "refuse-chap\n"
      "refuse-mschap\n"
      "require-mschap-v2\n" +
      mppe +
      "\n"
      "ms-dns 10.10.0.1\n"
      "proxyarp\n"
      "lock\n"
      "nobsdcomp\n"
      "novj\n"
      "novjccomp\n"
      "nologfd\n"
      "ip-up-script " +
      dir_ +
      "/ip-up\n"
      "ip-down-script " +
      dir_ + "/ip-down\n" + opts.extra_options + "\n";
  std::string conf = "option " + dir_ +
                     "/options.pptpd\n"
                     "localip 10.10.0.1\n"
                     "remoteip " +
                     opts.remoteip.value_or("10.10.0.10-20") +
                     "\n"
                     "pidfile " +
                     dir_ + "/pptpxd.pid\n";
  std::string secrets =
      "user1\t\tpptpd\tsecret1\t\t\t*\n"
      "user2\t\tpptpd\tsecret2\t\t\t10.10.0.50\n";
  if (!write_file(dir_ + "/options.pptpd", options, 0644) ||
      !write_file(dir_ + "/pptpd.conf", conf, 0644) ||
      !write_file(dir_ + "/chap-secrets", secrets, 0600)) {
    error_ = "cannot write the configuration files in " + dir_;
    return false;
  }
  return true;
}

bool Lab::start_server() {
  int logfd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (logfd < 0) {
    error_ = "cannot create " + log_path_;
    return false;
  }
  std::string conf = dir_ + "/pptpd.conf";
  std::string secrets = dir_ + "/chap-secrets";
  pid_t pid = fork();
  if (pid < 0) {
    close(logfd);
    error_ = "fork failed";
    return false;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!enter_ns(srv_ns_)) _exit(126);
    dup2(logfd, STDOUT_FILENO);
    dup2(logfd, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execl(PPTPXD_PATH, "pptpxd", "-f", "-d", "-c", conf.c_str(), "--control", "none",
          "--chap-secrets", secrets.c_str(), "--ppp-options", "", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(logfd);
  server_pid_ = pid;
  return true;
}

bool Lab::wait_listening(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (!server_alive()) return false;
    // The log line is written once both sockets are open; a TCP probe
    // would show up as a control connection in the server's counters.
    if (server_log().find("pptpxd listening on") != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string Lab::server_log() const {
  std::ifstream f(log_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool Lab::wait_log(const std::string& needle, std::chrono::milliseconds timeout) const {
  auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (server_log().find(needle) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string Lab::server_addr_show(const std::string& dev) const {
  std::string out;
  if (run_command("ip -n " + srv_ns_ + " -o addr show dev " + dev, &out) != 0) return "";
  return out;
}

bool Lab::server_alive() const {
  if (server_pid_ <= 0) return false;
  // The test only reaps the server in signal_and_wait/teardown, so a zombie
  // means it exited by itself.
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(server_pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return false;
  return info.si_pid == 0;
}

std::optional<int> Lab::signal_and_wait(int sig, std::chrono::milliseconds timeout) {
  if (server_pid_ <= 0) return std::nullopt;
  kill(server_pid_, sig);
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    int st = 0;
    pid_t r = waitpid(server_pid_, &st, WNOHANG);
    if (r == server_pid_) {
      server_pid_ = -1;
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

void Lab::teardown() {
  if (server_pid_ > 0) {
    if (!signal_and_wait(SIGTERM, std::chrono::seconds(3))) {
      kill(server_pid_, SIGKILL);
      waitpid(server_pid_, nullptr, 0);
      server_pid_ = -1;
    }
  }
  if (orig_ns_fd_ >= 0) {
    setns(orig_ns_fd_, CLONE_NEWNET);
    close(orig_ns_fd_);
    orig_ns_fd_ = -1;
  }
  run_command("ip netns del " + srv_ns_);
  run_command("ip netns del " + cli_ns_);
  if (!dir_.empty() && dir_.rfind("/tmp/pptpx-it-", 0) == 0) run_command("rm -rf " + dir_);
}

}  // namespace pptpx::integ
