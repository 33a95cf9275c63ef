// SPDX-License-Identifier: MIT
// Integration lab for pptpxd: two network namespaces joined by a veth pair
// (server 192.168.88.1/24, client 192.168.88.2/24), a temporary folder with
// the example configuration, and the pptpxd process running in the server
// namespace with its log captured to a file.
//
// The test process itself moves into the client namespace (setns) while the
// lab exists and moves back when it is destroyed, so sockets it opens reach
// the server over the veth. Everything is torn down in the destructor, also
// when a test assertion fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

namespace pptpx::integ {

inline constexpr const char* kServerAddr = "192.168.88.1";
inline constexpr const char* kClientAddr = "192.168.88.2";
// A second client-side address, for GRE from an unexpected source.
inline constexpr const char* kClientAddr2 = "192.168.88.3";

struct LabOptions {
  // Extra lines appended to the pppd options file (e.g. "mppe-stateful").
  std::string extra_options;
  // Replaces "require-mppe-128" when set (e.g. "require-mppe-40").
  std::optional<std::string> mppe_line;
  // Replaces the remoteip range (default 10.10.0.10-20).
  std::optional<std::string> remoteip;
};

// Runs a shell command; returns its exit status and fills out with stdout.
int run_command(const std::string& cmd, std::string* out = nullptr);

class Lab {
 public:
  explicit Lab(const LabOptions& opts = {});
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  // Empty on success, else what went wrong (namespace, files, server start).
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

  const std::string& server_ns() const { return srv_ns_; }
  const std::string& dir() const { return dir_; }
  pid_t server_pid() const { return server_pid_; }

  // The server's log so far.
  std::string server_log() const;
  // Waits until the log contains `needle` (true) or the timeout passes.
  bool wait_log(const std::string& needle, std::chrono::milliseconds timeout) const;
  // `ip -n <server ns> -o addr show dev <dev>` ("" if the device is missing).
  std::string server_addr_show(const std::string& dev) const;
  bool server_alive() const;
  // Sends sig to pptpxd and waits up to timeout for it to exit; returns the
  // wait status, or nullopt when it is still running.
  std::optional<int> signal_and_wait(int sig, std::chrono::milliseconds timeout);

 private:
  bool setup(const LabOptions& opts);
  bool write_files(const LabOptions& opts);
  bool start_server();
  bool wait_listening(std::chrono::milliseconds timeout);
  void teardown();

  std::string tag_;
  std::string srv_ns_, cli_ns_;
  std::string dir_;
  std::string log_path_;
  pid_t server_pid_ = -1;
  int orig_ns_fd_ = -1;
  std::string error_;
};

}  // namespace pptpx::integ
