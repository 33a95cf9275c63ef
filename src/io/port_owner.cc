// SPDX-License-Identifier: MIT
// /proc readers behind find_port_owner (see port_owner.h).
#include "io/port_owner.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/text.h"

namespace pptpx::io {
namespace {

constexpr std::string_view kListen = "0A";  // TCP_LISTEN in the st column

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::optional<uint32_t> hex32(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The kernel prints each 32-bit word of the address as it lies in memory
// (%08X of the network-order value): ntohl gives the address back on the
// host that wrote the file.
std::optional<Ipv4> word_address(std::string_view hex) {
  auto w = hex32(hex);
  if (!w) return std::nullopt;
  return Ipv4{ntohl(*w)};
}

// "ADDR:PORT" of /proc/net/tcp{,6}: the IPv4 address it binds (for tcp6 the
// mapped one, 0 for ::), and the port; nullopt for a specific IPv6 address.
std::optional<std::pair<Ipv4, uint16_t>> local_address(std::string_view field, bool v6) {
  size_t colon = field.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view addr = field.substr(0, colon);
  auto port = hex32(field.substr(colon + 1));
  if (!port || *port > 0xffff || addr.size() != (v6 ? 32U : 8U)) return std::nullopt;
  std::string_view last = addr.substr(addr.size() - 8);
  if (v6) {
    std::string_view head = addr.substr(0, 24);
    bool any = head == std::string_view("000000000000000000000000") && last == "00000000";
    bool mapped = head == std::string_view("0000000000000000FFFF0000");
    if (!any && !mapped) return std::nullopt;
  }
  auto a = word_address(last);
  if (!a) return std::nullopt;
  return std::make_pair(*a, static_cast<uint16_t>(*port));
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<PortOwner> owner_of(const std::filesystem::path& pid_dir,
                                  const std::vector<std::string>& links) {
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator(pid_dir / "fd", ec)) {
    std::error_code lec;
    std::string target = std::filesystem::read_symlink(fd.path(), lec).string();
    if (lec || std::find(links.begin(), links.end(), target) == links.end()) continue;
    PortOwner o;
    o.pid = parse_non_negative_int(pid_dir.filename().string()).value_or(0);
    o.name = read_text(pid_dir / "comm");
    while (!o.name.empty() && o.name.back() == '\n') o.name.pop_back();
    o.unit = service_unit(read_text(pid_dir / "cgroup"));
    return o;
  }
  return std::nullopt;
}

}  // namespace

std::vector<uint64_t> listening_inodes(std::string_view text, bool v6, Ipv4 addr, uint16_t port) {
  std::vector<uint64_t> inodes;
  for (std::string_view line : split_lines(text)) {
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    std::vector<std::string_view> w = split_fields(line);
    if (w.size() < 10 || w[3] != kListen) continue;
    auto local = local_address(w[1], v6);
    if (!local || local->second != port) continue;
    if (!addr.is_zero() && !local->first.is_zero() && local->first != addr) continue;
    auto inode = parse_u64(w[9]);
    if (inode && *inode != 0) inodes.push_back(*inode);
  }
  return inodes;
}

std::string service_unit(std::string_view cgroup_text) {
  for (std::string_view line : split_lines(cgroup_text)) {
    // "0::/system.slice/pptpd.service" (cgroup v2), or "N:name,...:/path".
    size_t slash = line.rfind('/');
    if (slash == std::string_view::npos) continue;
    std::string_view last = line.substr(slash + 1);
    if (last.size() > 8 && last.ends_with(".service")) return std::string(last);
  }
  return {};
}

std::optional<PortOwner> find_port_owner(Ipv4 addr, uint16_t port, const std::string& proc_root) {
  std::vector<std::string> links;
  for (bool v6 : {false, true}) {
    std::string text = read_text(proc_root + (v6 ? "/net/tcp6" : "/net/tcp"));
    for (uint64_t inode : listening_inodes(text, v6, addr, port))
      links.push_back("socket:[" + std::to_string(inode) + "]");
  }
  if (links.empty()) return std::nullopt;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(proc_root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    if (auto o = owner_of(entry.path(), links)) return o;
  }
  return std::nullopt;
}

}  // namespace pptpx::io
