// SPDX-License-Identifier: MIT
// rtnetlink requests with libmnl (see netlink.h). Attribute payloads from
// the kernel are length-checked before use.
#include "io/netlink.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <time.h>

#include <cstring>

#include "io/netlink_attr.h"
#include "io/netstat.h"

namespace pptpx::io {
namespace {

constexpr size_t kBufSize = 32768;

uint32_t be(Ipv4 a) { return htonl(a.value); }

// A link message (ifinfomsg, AF_UNSPEC) for ifindex (0: all) in buf.
nlmsghdr* put_link(char* buf, uint16_t type, uint16_t flags, unsigned ifindex) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = static_cast<int>(ifindex);
  return nlh;
}

}  // namespace

Result<Netlink> Netlink::open() {
  Netlink n;
  n.nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!n.nl_) return errno_error();
  if (mnl_socket_bind(n.nl_, 0, MNL_SOCKET_AUTOPID) < 0) return errno_error();
  n.port_id_ = mnl_socket_get_portid(n.nl_);
  n.seq_ = static_cast<uint32_t>(::time(nullptr));
  n.buf_ = std::make_unique<char[]>(kBufSize);
  return n;
}

Netlink::Netlink(Netlink&& o) noexcept
    : nl_(std::exchange(o.nl_, nullptr)),
      port_id_(o.port_id_),
      seq_(o.seq_),
      buf_(std::move(o.buf_)) {}

Netlink& Netlink::operator=(Netlink&& o) noexcept {
  if (this != &o) {
    if (nl_) mnl_socket_close(nl_);
    nl_ = std::exchange(o.nl_, nullptr);
    port_id_ = o.port_id_;
    seq_ = o.seq_;
    buf_ = std::move(o.buf_);
  }
  return *this;
}

Netlink::~Netlink() {
  if (nl_) mnl_socket_close(nl_);
}

std::error_code Netlink::transact(nlmsghdr* nlh, Callback cb, void* data) {
  uint32_t seq = nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0) return errno_error();
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf_.get(), kBufSize);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error();
    }
    errno = 0;
    int rc = mnl_cb_run(buf_.get(), static_cast<size_t>(n), seq, port_id_, cb, data);
    if (rc == MNL_CB_STOP) return {};
    if (rc < 0) return errno_error(errno ? errno : EPROTO);
  }
}

std::error_code Netlink::set_link_up(unsigned ifindex, bool up) {
  nlmsghdr* nlh = put_link(buf_.get(), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  ifi->ifi_flags = up ? IFF_UP : 0;
  ifi->ifi_change = IFF_UP;
  return transact(nlh);
}

std::error_code Netlink::set_mtu(unsigned ifindex, unsigned mtu) {
  nlmsghdr* nlh = put_link(buf_.get(), RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex);
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  return transact(nlh);
}

namespace {

nlmsghdr* put_addr(char* buf, uint16_t type, uint16_t flags, unsigned ifindex, Ipv4 local,
                   Ipv4 address, uint8_t prefix_len) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix_len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  mnl_attr_put_u32(nlh, IFA_LOCAL, be(local));
  mnl_attr_put_u32(nlh, IFA_ADDRESS, be(address));
  return nlh;
}

}  // namespace

std::error_code Netlink::add_address_ptp(unsigned ifindex, Ipv4 local, Ipv4 peer) {
  return transact(
      put_addr(buf_.get(), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, local, peer, 32));
}

std::error_code Netlink::del_address_ptp(unsigned ifindex, Ipv4 local, Ipv4 peer) {
  return transact(put_addr(buf_.get(), RTM_DELADDR, 0, ifindex, local, peer, 32));
}

std::error_code Netlink::replace_address_ptp(unsigned ifindex, Ipv4 old_local, Ipv4 old_peer,
                                             Ipv4 local, Ipv4 peer) {
  if (old_local == local && old_peer == peer) return {};
  // Gone already (EADDRNOTAVAIL) is fine; anything else is the answer.
  if (auto ec = del_address_ptp(ifindex, old_local, old_peer);
      ec && ec != std::errc::address_not_available)
    return ec;
  return add_address_ptp(ifindex, local, peer);
}

std::error_code Netlink::add_address(unsigned ifindex, Ipv4 local, uint8_t prefix_len) {
  return transact(put_addr(buf_.get(), RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, local,
                           local, prefix_len));
}

namespace {

nlmsghdr* put_route(char* buf, uint16_t type, uint16_t flags, const Route& r) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = r.prefix_len;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_type = RTN_UNICAST;
  if (type == RTM_NEWROUTE) {
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = r.gateway.is_zero() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  } else {
    // Match the route whatever protocol or scope it was added with.
    rtm->rtm_protocol = 0;
    rtm->rtm_scope = RT_SCOPE_NOWHERE;
  }
  if (r.prefix_len > 0) mnl_attr_put_u32(nlh, RTA_DST, be(r.dst));
  if (r.ifindex) mnl_attr_put_u32(nlh, RTA_OIF, r.ifindex);
  if (!r.gateway.is_zero()) mnl_attr_put_u32(nlh, RTA_GATEWAY, be(r.gateway));
  if (r.metric) mnl_attr_put_u32(nlh, RTA_PRIORITY, r.metric);
  if (!r.prefsrc.is_zero()) mnl_attr_put_u32(nlh, RTA_PREFSRC, be(r.prefsrc));
  return nlh;
}

}  // namespace

std::error_code Netlink::add_route(const Route& r, bool replace) {
  uint16_t flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
  return transact(put_route(buf_.get(), RTM_NEWROUTE, flags, r));
}

std::error_code Netlink::del_route(const Route& r) {
  return transact(put_route(buf_.get(), RTM_DELROUTE, 0, r));
}

Result<RouteLookup> Netlink::get_route(Ipv4 dst) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.get());
  nlh->nlmsg_type = RTM_GETROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 32;
  mnl_attr_put_u32(nlh, RTA_DST, be(dst));
  struct State {
    RouteLookup out;
    bool found = false;
  } st;
  auto cb = [](const nlmsghdr* h, void* data) -> int {
    auto* s = static_cast<State*>(data);
    if (h->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(h) < sizeof(rtmsg))
      return MNL_CB_OK;
    s->found = true;
    nla::for_each(h, sizeof(rtmsg), [&](const nlattr* a) {
      switch (mnl_attr_get_type(a)) {
        case RTA_OIF:
          if (auto v = nla::u32(a)) s->out.ifindex = *v;
          break;
        case RTA_GATEWAY:
          if (auto v = nla::ipv4(a)) s->out.gateway = *v;
          break;
        case RTA_PREFSRC:
          if (auto v = nla::ipv4(a)) s->out.prefsrc = *v;
          break;
        default: break;
      }
    });
    return MNL_CB_OK;
  };
  if (auto ec = transact(nlh, cb, &st)) return ec;
  if (!st.found) return std::make_error_code(std::errc::network_unreachable);
  return st.out;
}

namespace {

// RTM_NEWLINK of a dump: one InterfaceInfo more in the vector at data.
int on_dumped_link(const nlmsghdr* h, void* data) {
  auto* v = static_cast<std::vector<InterfaceInfo>*>(data);
  if (h->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(h) < sizeof(ifinfomsg))
    return MNL_CB_OK;
  const auto* m = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
  InterfaceInfo info;
  info.ifindex = static_cast<unsigned>(m->ifi_index);
  info.flags = m->ifi_flags;
  nla::for_each(h, sizeof(ifinfomsg), [&](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case IFLA_IFNAME: info.name = nla::str(a); break;
      case IFLA_MTU:
        if (auto mtu = nla::u32(a)) info.mtu = *mtu;
        break;
      default: break;
    }
  });
  v->push_back(std::move(info));
  return MNL_CB_OK;
}

// RTM_NEWADDR (IPv4) of a dump: the address added to its interface in the
// vector at data.
int on_dumped_address(const nlmsghdr* h, void* data) {
  auto* v = static_cast<std::vector<InterfaceInfo>*>(data);
  if (h->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(h) < sizeof(ifaddrmsg))
    return MNL_CB_OK;
  const auto* m = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(h));
  if (m->ifa_family != AF_INET) return MNL_CB_OK;
  InterfaceAddress ia;
  ia.prefix_len = m->ifa_prefixlen;
  bool have_local = false;
  nla::for_each(h, sizeof(ifaddrmsg), [&](const nlattr* a) {
    switch (mnl_attr_get_type(a)) {
      case IFA_LOCAL:
        if (auto x = nla::ipv4(a)) {
          ia.local = *x;
          have_local = true;
        }
        break;
      case IFA_ADDRESS:
        if (auto x = nla::ipv4(a)) ia.address = *x;
        break;
      default: break;
    }
  });
  if (!have_local) ia.local = ia.address;
  for (auto& i : *v) {
    if (i.ifindex == m->ifa_index) i.addresses.push_back(ia);
  }
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<InterfaceInfo>> Netlink::list_interfaces() {
  std::vector<InterfaceInfo> out;
  nlmsghdr* nlh = put_link(buf_.get(), RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 0);
  if (auto ec = transact(nlh, on_dumped_link, &out)) return ec;

  nlh = mnl_nlmsg_put_header(buf_.get());
  nlh->nlmsg_type = RTM_GETADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  if (auto ec = transact(nlh, on_dumped_address, &out)) return ec;
  return out;
}

Result<LinkState> Netlink::link_state(unsigned ifindex) {
  nlmsghdr* nlh = put_link(buf_.get(), RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex);
  std::vector<InterfaceInfo> found;
  std::error_code ec = transact(nlh, on_dumped_link, &found);
  if (ec == std::errc::no_such_device) return LinkState::kGone;
  if (ec) return ec;
  for (const InterfaceInfo& i : found) {
    if (i.ifindex == ifindex) return (i.flags & IFF_UP) ? LinkState::kUp : LinkState::kDown;
  }
  return LinkState::kGone;
}

Result<std::optional<InterfaceInfo>> Netlink::find_lan_interface(Ipv4 addr) {
  auto ifs = list_interfaces();
  if (!ifs) return ifs.error();
  for (auto& i : *ifs) {
    if (!(i.flags & IFF_UP) || (i.flags & (IFF_POINTOPOINT | IFF_LOOPBACK | IFF_NOARP))) continue;
    for (const auto& a : i.addresses) {
      if (Ipv4Prefix{a.local, a.prefix_len}.contains(addr)) return std::optional<InterfaceInfo>(i);
    }
  }
  return std::optional<InterfaceInfo>();
}

namespace {

nlmsghdr* put_proxy_neigh(char* buf, uint16_t type, uint16_t flags, unsigned ifindex, Ipv4 addr) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = AF_INET;
  nd->ndm_ifindex = static_cast<int>(ifindex);
  nd->ndm_flags = NTF_PROXY;
  nd->ndm_state = NUD_PERMANENT;
  mnl_attr_put_u32(nlh, NDA_DST, be(addr));
  return nlh;
}

}  // namespace

std::error_code Netlink::add_proxy_arp(unsigned ifindex, Ipv4 addr) {
  return transact(
      put_proxy_neigh(buf_.get(), RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, ifindex, addr));
}

std::error_code Netlink::del_proxy_arp(unsigned ifindex, Ipv4 addr) {
  return transact(put_proxy_neigh(buf_.get(), RTM_DELNEIGH, 0, ifindex, addr));
}

Result<std::vector<ProxyArpEntry>> Netlink::list_proxy_arp() {
  // A dump request whose ndm_flags is exactly NTF_PROXY lists the proxy
  // (pneigh) table instead of the neighbour cache.
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.get());
  nlh->nlmsg_type = RTM_GETNEIGH;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = AF_INET;
  nd->ndm_flags = NTF_PROXY;
  std::vector<ProxyArpEntry> out;
  auto cb = [](const nlmsghdr* h, void* data) -> int {
    auto* v = static_cast<std::vector<ProxyArpEntry>*>(data);
    if (h->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(h) < sizeof(ndmsg))
      return MNL_CB_OK;
    const auto* m = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(h));
    if (m->ndm_family != AF_INET || !(m->ndm_flags & NTF_PROXY)) return MNL_CB_OK;
    ProxyArpEntry e;
    e.ifindex = static_cast<unsigned>(m->ndm_ifindex);
    bool have = false;
    nla::for_each(h, sizeof(ndmsg), [&](const nlattr* a) {
      if (mnl_attr_get_type(a) != NDA_DST) return;
      if (auto x = nla::ipv4(a)) {
        e.addr = *x;
        have = true;
      }
    });
    if (have) v->push_back(e);
    return MNL_CB_OK;
  };
  if (auto ec = transact(nlh, cb, &out)) return ec;
  return out;
}

unsigned interface_index(std::string_view name) {
  std::string n(name);
  return if_nametoindex(n.c_str());
}

Result<bool> ip_forward_enabled(const std::string& path) {
  auto v = read_sysctl_int(path);
  if (!v) return v.error();
  return *v != 0;
}

bool warn_if_ip_forward_disabled(const Logger& log) {
  auto on = ip_forward_enabled();
  if (on && *on) return true;
  log.warn("IP forwarding is disabled (/proc/sys/net/ipv4/ip_forward); proxy ARP will not work");
  return false;
}

}  // namespace pptpx::io
