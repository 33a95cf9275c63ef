// SPDX-License-Identifier: MIT
// Status line and start failure messages (see service.h).
#include "app/server/service.h"

#include <fmt/format.h>
#include <linux/capability.h>
#include <unistd.h>

#include "io/capabilities.h"

namespace pptpx::server {
namespace {

bool denied(std::error_code ec) {
  return ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted;
}

// "pptpd (pid 1234); stop it (systemctl stop pptpd)".
std::string taken_by(const io::PortOwner& o) {
  std::string who = fmt::format("{} (pid {})", o.name.empty() ? "a process" : o.name, o.pid);
  if (o.unit.empty()) return who + "; stop it";
  std::string unit = o.unit.substr(0, o.unit.size() - std::string_view(".service").size());
  return fmt::format("{}; stop it (systemctl stop {})", who, unit);
}

}  // namespace

std::string status_line(size_t sessions, io::SocketAddress listen) {
  return fmt::format("{} session{}, listening on {}:{}", sessions, sessions == 1 ? "" : "s",
                     listen.addr.str(), listen.port);
}

std::string listen_failure(io::SocketAddress at, std::error_code ec,
                           const std::optional<io::PortOwner>& owner, const std::string& conf) {
  std::string head = fmt::format("cannot listen on {}:{}: ", at.addr.str(), at.port);
  std::string elsewhere = fmt::format("or set another address with 'listen' in {}", conf);
  if (ec == std::errc::address_in_use) {
    if (owner)
      return fmt::format("{}port {} is taken by {} {}", head, at.port, taken_by(*owner), elsewhere);
    return fmt::format(
        "{}port {} is already in use (`ss -ltnp 'sport = :{}'` shows by which program); stop "
        "that program {}",
        head, at.port, at.port, elsewhere);
  }
  if (denied(ec))
    return fmt::format(
        "{}{}: port {} needs root or CAP_NET_BIND_SERVICE (run pptpxd as root, or under "
        "pptpxd.service, which grants it)",
        head, ec.message(), at.port);
  if (ec == std::errc::address_not_available)
    return fmt::format("{}no interface here has the address {}; fix 'listen' in {}", head,
                       at.addr.str(), conf);
  return head + ec.message();
}

std::string gre_failure(std::error_code ec) {
  std::string head = "cannot open the raw GRE socket (IP protocol 47): " + ec.message();
  if (denied(ec))
    return head +
           ": it needs root or CAP_NET_RAW (run pptpxd as root, or under pptpxd.service, which "
           "grants it)";
  return head;
}

void drop_capabilities(const Logger& log) {
  using io::cap_bit;
  if (::geteuid() != 0) {
    log.warn("not running as root: capabilities left as they are");
    return;
  }
  constexpr io::CapMask kUsed = cap_bit(CAP_NET_ADMIN);
  constexpr io::CapMask kScripts =
      kUsed | cap_bit(CAP_NET_RAW) | cap_bit(CAP_NET_BIND_SERVICE) | cap_bit(CAP_CHOWN);
  if (auto ec = io::limit_capabilities(kUsed, kScripts))
    log.warn("cannot drop capabilities: {}", ec.message());
  auto now = io::read_capabilities();
  if (!now) return;
  log.info("capabilities kept: effective {}; permitted {}; bounding (for scripts) {}",
           io::cap_names(now->effective), io::cap_names(now->permitted),
           io::cap_names(now->bounding));
}

}  // namespace pptpx::server
