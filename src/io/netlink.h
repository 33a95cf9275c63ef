// SPDX-License-Identifier: MIT
// rtnetlink (NETLINK_ROUTE) requests through libmnl: link state and MTU,
// point-to-point IPv4 addresses, routes, route lookup, interface listing and
// proxy ARP entries. What pppd does with ioctls on the ppp interface.
//
// Requests are synchronous: each waits for the kernel's ACK (or the dump's
// end) on a private socket, which is fast enough for the control path.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip.h"
#include "base/log.h"
#include "io/result.h"

struct mnl_socket;
struct nlmsghdr;

namespace pptpx::io {

struct Ipv4Prefix {
  Ipv4 addr;
  uint8_t prefix_len = 32;
  bool contains(Ipv4 a) const {
    if (prefix_len == 0) return true;
    uint32_t mask = prefix_len >= 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> prefix_len);
    return (a.value & mask) == (addr.value & mask);
  }
};

struct InterfaceAddress {
  Ipv4 local;    // IFA_LOCAL (or IFA_ADDRESS when no IFA_LOCAL)
  Ipv4 address;  // IFA_ADDRESS: the peer on point-to-point links
  uint8_t prefix_len = 0;
};

struct InterfaceInfo {
  unsigned ifindex = 0;
  std::string name;
  unsigned flags = 0;  // IFF_UP, IFF_POINTOPOINT, IFF_LOOPBACK, ...
  unsigned mtu = 0;
  std::vector<InterfaceAddress> addresses;
};

struct Route {
  Ipv4 dst;
  uint8_t prefix_len = 32;
  unsigned ifindex = 0;  // 0: let the kernel choose from the gateway
  Ipv4 gateway;          // 0: directly via ifindex
  uint32_t metric = 0;
  Ipv4 prefsrc;  // 0: none
};

struct ProxyArpEntry {
  unsigned ifindex = 0;
  Ipv4 addr;
};

struct RouteLookup {
  unsigned ifindex = 0;
  Ipv4 gateway;  // 0 when the destination is on-link
  Ipv4 prefsrc;
};

// An interface as the kernel has it now.
enum class LinkState { kGone, kDown, kUp };

// What setting up and checking on a pppN interface needs: Netlink, and in
// tests an in-memory fake (tests/support/fake_io.h).
class LinkControl {
 public:
  virtual ~LinkControl() = default;
  [[nodiscard]] virtual std::error_code set_link_up(unsigned ifindex, bool up) = 0;
  [[nodiscard]] virtual std::error_code set_mtu(unsigned ifindex, unsigned mtu) = 0;
  // IFA_LOCAL = local, IFA_ADDRESS = peer, prefix 32: a point-to-point
  // address as pppd installs on pppN.
  [[nodiscard]] virtual std::error_code add_address_ptp(unsigned ifindex, Ipv4 local,
                                                        Ipv4 peer) = 0;
  // The point-to-point pair old_local/old_peer becomes local/peer (nothing
  // happens when they are the same): for a link renegotiated in place.
  [[nodiscard]] virtual std::error_code replace_address_ptp(unsigned ifindex, Ipv4 old_local,
                                                            Ipv4 old_peer, Ipv4 local,
                                                            Ipv4 peer) = 0;
  // Whether ifindex is there and up (IFF_UP); no such interface is kGone,
  // not an error. For checking again after link notifications were lost.
  virtual Result<LinkState> link_state(unsigned ifindex) = 0;
};

class Netlink final : public LinkControl {
 public:
  Netlink() = default;  // not open; use open()
  static Result<Netlink> open();
  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;
  ~Netlink() override;

  [[nodiscard]] std::error_code set_link_up(unsigned ifindex, bool up) override;
  [[nodiscard]] std::error_code set_mtu(unsigned ifindex, unsigned mtu) override;
  [[nodiscard]] std::error_code add_address_ptp(unsigned ifindex, Ipv4 local, Ipv4 peer) override;
  [[nodiscard]] std::error_code del_address_ptp(unsigned ifindex, Ipv4 local, Ipv4 peer);
  [[nodiscard]] std::error_code replace_address_ptp(unsigned ifindex, Ipv4 old_local, Ipv4 old_peer,
                                                    Ipv4 local, Ipv4 peer) override;
  Result<LinkState> link_state(unsigned ifindex) override;
  // An ordinary address (IFA_LOCAL = IFA_ADDRESS) with a prefix; for tests
  // and the client's LAN side.
  [[nodiscard]] std::error_code add_address(unsigned ifindex, Ipv4 local, uint8_t prefix_len);

  // Main table, protocol "boot", scope link when no gateway.
  [[nodiscard]] std::error_code add_route(const Route& r, bool replace = false);
  [[nodiscard]] std::error_code del_route(const Route& r);
  // RTM_GETROUTE for one destination (the kernel's route decision).
  Result<RouteLookup> get_route(Ipv4 dst);

  Result<std::vector<InterfaceInfo>> list_interfaces();
  // The interface (not point-to-point, not loopback, up) whose subnet holds
  // addr; what pppd's proxyarp uses to pick the LAN interface.
  Result<std::optional<InterfaceInfo>> find_lan_interface(Ipv4 addr);

  // A proxy ARP entry (RTM_NEWNEIGH with NTF_PROXY): the kernel answers ARP
  // for addr on ifindex. Needs ip_forward=1, not conf/IF/proxy_arp.
  [[nodiscard]] std::error_code add_proxy_arp(unsigned ifindex, Ipv4 addr);
  [[nodiscard]] std::error_code del_proxy_arp(unsigned ifindex, Ipv4 addr);
  // Every IPv4 proxy ARP entry (`ip neigh show proxy`): what a process killed
  // with SIGKILL leaves behind, since nothing withdraws it.
  Result<std::vector<ProxyArpEntry>> list_proxy_arp();

 private:
  using Callback = int (*)(const ::nlmsghdr*, void*);
  // Sends the message in buf_ and reads replies until ACK/DONE, calling cb
  // for each data message.
  [[nodiscard]] std::error_code transact(::nlmsghdr* nlh, Callback cb = nullptr,
                                         void* data = nullptr);

  mnl_socket* nl_ = nullptr;
  unsigned port_id_ = 0;
  uint32_t seq_ = 0;
  std::unique_ptr<char[]> buf_;
};

unsigned interface_index(std::string_view name);  // 0 when unknown

// /proc/sys/net/ipv4/ip_forward. pppd leaves it alone (unless ktune);
// without it proxy ARP entries are not answered.
Result<bool> ip_forward_enabled(const std::string& path = "/proc/sys/net/ipv4/ip_forward");
// Logs a warning when forwarding is off; returns whether it is on.
bool warn_if_ip_forward_disabled(const Logger& log);

}  // namespace pptpx::io
