// SPDX-License-Identifier: MIT
// pptpxctl's request and answer (see request.h).
#include "app/ctl/request.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <utility>

#include "io/unix_socket.h"

namespace pptpx::ctl {
namespace {

// Answers can be large (every session); this bounds what pptpxctl keeps.
constexpr size_t kMaxAnswer = size_t{256} << 20;

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// One line from fd within timeout_ms; "" with *error set on failure.
std::string read_line(int fd, int timeout_ms, std::string* error) {
  std::string in;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::array<char, 65536> buf;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd p{fd, POLLIN, 0};
    int rc = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) {
      *error = "pptpxd did not answer in time";
      return {};
    }
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "pptpxd closed the control connection without an answer";
      return {};
    }
    in.append(buf.data(), static_cast<size_t>(n));
    if (auto nl = in.find('\n'); nl != std::string::npos) return in.substr(0, nl);
    if (in.size() > kMaxAnswer) {
      *error = "pptpxd's answer is too long";
      return {};
    }
  }
}

}  // namespace

std::string connect_error(const std::string& path, std::error_code ec) {
  if (ec == std::errc::no_such_file_or_directory)
    return "no control socket at " + path +
           ": is pptpxd running? (start it, or name its socket with --socket PATH, as given to "
           "pptpxd --control)";
  if (ec == std::errc::permission_denied)
    return "not allowed to use " + path + ": run pptpxctl as root or as a member of group pptpx";
  if (ec == std::errc::connection_refused)
    return "nothing answers at " + path +
           ": pptpxd is not running (the socket was left by one that stopped)";
  return "cannot connect to " + path + ": " + ec.message();
}

Answer ask(const std::string& path, const app::AdminRequest& req, int timeout_ms) {
  Answer a;
  auto fd = io::unix_connect(path);
  if (!fd) {
    a.error = connect_error(path, fd.error());
    return a;
  }
  if (!write_all(fd->get(), app::admin_request_line(req))) {
    a.error = "pptpxd closed the control connection: " + std::string(strerror(errno));
    return a;
  }
  std::string line = read_line(fd->get(), timeout_ms, &a.error);
  if (line.empty()) return a;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    a.error = "pptpxd's answer is not a JSON object";
    return a;
  }
  a.reached = true;
  a.line = std::move(line);
  return a;
}

nlohmann::json Answer::body() const {
  if (!reached) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

}  // namespace pptpx::ctl
