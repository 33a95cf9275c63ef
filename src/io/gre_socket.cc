// SPDX-License-Identifier: MIT
// Raw GRE socket with recvmmsg/sendmmsg (see gre_socket.h).
#include "io/gre_socket.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace pptpx::io {

void GreRecvBatch::set_buffer(size_t i, MutableByteView buf) {
  if (i >= kMaxBatch) return;
  bufs_[i] = buf;
}

Ipv4 GreRecvBatch::source(size_t i) const { return Ipv4{ntohl(addrs_[i].sin_addr.s_addr)}; }

void GreRecvBatch::set_packet(size_t i, size_t len, Ipv4 src) {
  if (i >= kMaxBatch) return;
  lens_[i] = std::min(len, bufs_[i].size());
  addrs_[i] = sockaddr_in{};
  addrs_[i].sin_family = AF_INET;
  addrs_[i].sin_addr.s_addr = htonl(src.value);
}

ByteView GreSendBatch::packet(size_t i) const {
  return {static_cast<const uint8_t*>(iovs_[i].iov_base), iovs_[i].iov_len};
}

Ipv4 GreSendBatch::destination(size_t i) const { return Ipv4{ntohl(addrs_[i].sin_addr.s_addr)}; }

Ipv4 GreSendBatch::source(size_t i) const { return srcs_[i]; }

bool GreSendBatch::add(Ipv4 dst, ByteView packet, Ipv4 src) {
  if (count_ == kMaxBatch) return false;
  size_t i = count_++;
  srcs_[i] = src;
  addrs_[i] = sockaddr_in{};
  addrs_[i].sin_family = AF_INET;
  addrs_[i].sin_addr.s_addr = htonl(dst.value);
  iovs_[i].iov_base = const_cast<uint8_t*>(packet.data());
  iovs_[i].iov_len = packet.size();
  msgs_[i] = mmsghdr{};
  msgs_[i].msg_hdr.msg_name = &addrs_[i];
  msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
  msgs_[i].msg_hdr.msg_iov = &iovs_[i];
  msgs_[i].msg_hdr.msg_iovlen = 1;
  if (!src.is_zero()) {
    msghdr& h = msgs_[i].msg_hdr;
    h.msg_control = controls_[i].bytes;
    h.msg_controllen = sizeof(controls_[i].bytes);
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst.s_addr = htonl(src.value);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  return true;
}

std::string describe(const GreSocketStats& s) {
  return fmt::format(
      "GRE socket: in {} truncated {} errors {} | out {} errors {} would-block {} | "
      "ICMP errors {}",
      s.rx_packets, s.rx_truncated, s.rx_errors, s.tx_packets, s.tx_errors, s.tx_would_block,
      s.errors_reported);
}

std::error_code set_socket_buffers(int fd, int rcvbuf, int sndbuf) {
  std::error_code first;
  auto set = [&](int force, int plain, int value) {
    if (value <= 0) return;
    if (::setsockopt(fd, SOL_SOCKET, force, &value, sizeof(value)) == 0) return;
    if (::setsockopt(fd, SOL_SOCKET, plain, &value, sizeof(value)) == 0) return;
    if (!first) first = errno_error();
  };
  set(SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
  set(SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);
  return first;
}

Result<GreSocket> GreSocket::open(const Options& opts) {
  Fd fd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoGre));
  if (!fd.valid()) return errno_error();
  if (!opts.local.is_zero()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(opts.local.value);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0) return errno_error();
  }
  // Small buffers only cost throughput, so a failure here is not fatal.
  (void)set_socket_buffers(fd.get(), opts.rcvbuf, opts.sndbuf);
  // A full-size frame plus GRE and IP headers exceeds a 1500-octet path:
  // let the kernel fragment it (as the kernel's own PPTP does) rather than
  // refuse it with EMSGSIZE.
  int pmtu = IP_PMTUDISC_DONT;
  (void)::setsockopt(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
  GreSocket s;
  s.fd_ = std::move(fd);
  s.probe_fd_ = open_probe_socket(opts.local);
  return s;
}

// The second raw GRE socket: IP_RECVERR, so the kernel queues the ICMP
// errors about GRE from this host (each raw GRE socket gets them, whichever
// sent the packet), and DF on what it sends. IP_RECVERR is not set on the
// data socket because a queued error also fails its next send. A filter
// that accepts nothing keeps the GRE every raw socket receives a copy of
// off this one; what came before the filter is read away. Optional: without
// it there are no probes with DF and no ICMP errors.
Fd GreSocket::open_probe_socket(Ipv4 local) {
  Fd fd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtoGre));
  if (!fd.valid()) return fd;
  sock_filter reject_all = BPF_STMT(BPF_RET | BPF_K, 0);
  sock_fprog prog{1, &reject_all};
  int on = 1;
  int pmtu = IP_PMTUDISC_DO;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0 ||
      ::setsockopt(fd.get(), IPPROTO_IP, IP_RECVERR, &on, sizeof on) < 0 ||
      ::setsockopt(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) < 0)
    return Fd();
  if (!local.is_zero()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(local.value);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0) return Fd();
  }
  uint8_t drain[64];
  for (int i = 0; i < 4096 && ::recv(fd.get(), drain, sizeof drain, MSG_DONTWAIT) >= 0; ++i) {
  }
  return fd;
}

Result<size_t> GreSocket::recv_batch(GreRecvBatch& batch) {
  batch.count_ = 0;
  unsigned n = 0;
  for (; n < kMaxBatch && !batch.bufs_[n].empty(); ++n) {
    batch.iovs_[n].iov_base = batch.bufs_[n].data();
    batch.iovs_[n].iov_len = batch.bufs_[n].size();
    batch.msgs_[n] = mmsghdr{};
    batch.msgs_[n].msg_hdr.msg_name = &batch.addrs_[n];
    batch.msgs_[n].msg_hdr.msg_namelen = sizeof(sockaddr_in);
    batch.msgs_[n].msg_hdr.msg_iov = &batch.iovs_[n];
    batch.msgs_[n].msg_hdr.msg_iovlen = 1;
  }
  if (n == 0) return size_t{0};
  int got;
  do {
    got = ::recvmmsg(fd_.get(), batch.msgs_.data(), n, MSG_DONTWAIT, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    ++stats_.rx_errors;
    return errno_error();
  }
  // Compact away truncated packets so callers see only whole ones. Slots
  // swap buffers, so every caller buffer stays assigned exactly once.
  size_t out = 0;
  for (int i = 0; i < got; ++i) {
    const auto& h = batch.msgs_[i].msg_hdr;
    if ((h.msg_flags & MSG_TRUNC) || batch.addrs_[i].sin_family != AF_INET) {
      ++stats_.rx_truncated;
      continue;
    }
    size_t len = batch.msgs_[i].msg_len;
    if (out != static_cast<size_t>(i)) {
      std::swap(batch.bufs_[out], batch.bufs_[i]);
      std::swap(batch.addrs_[out], batch.addrs_[i]);
    }
    batch.lens_[out] = len;
    ++out;
  }
  batch.count_ = out;
  stats_.rx_packets += out;
  return out;
}

size_t GreSocket::send_batch(GreSendBatch& batch) { return send_on(fd_.get(), batch, false); }

// retry: a packet refused is tried once more before it is counted and
// skipped (the probe socket: an ICMP error queued on it fails the next send
// once with its errno, though nothing is wrong with that packet).
size_t GreSocket::send_on(int fd, GreSendBatch& batch, bool retry) {
  size_t done = 0;
  size_t sent = 0;
  bool retried = !retry;
  while (done < batch.count_) {
    int n = ::sendmmsg(fd, batch.msgs_.data() + done, static_cast<unsigned>(batch.count_ - done),
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      sent += static_cast<size_t>(n);
      retried = !retry;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      stats_.tx_would_block += batch.count_ - done;
      break;
    }
    if (!retried) {
      retried = true;
      continue;
    }
    // The packet at `done` was refused; skip it and carry on. A probe too
    // big for the route is what probes are for: the error queue has it.
    if (!(retry && errno == EMSGSIZE)) ++stats_.tx_errors;
    ++done;
    retried = !retry;
  }
  stats_.tx_packets += sent;
  batch.count_ = 0;
  return sent;
}

size_t GreSocket::send_batch_dont_fragment(GreSendBatch& batch) {
  if (!probe_fd_.valid()) return send_batch(batch);
  return send_on(probe_fd_.get(), batch, true);
}

namespace {

// The GRE call ID in the quoted packet (the kernel hands us what follows
// the IPv4 header of the packet that failed): 0 when not quoted.
uint16_t quoted_call_id(const uint8_t* data, ssize_t len) {
  if (len < 8 || data[2] != 0x88 || data[3] != 0x0b) return 0;
  return static_cast<uint16_t>(data[6] << 8 | data[7]);
}

bool read_extended_error(msghdr& h, GreError& e) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR) continue;
    sock_extended_err ee{};
    std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
    e.error = static_cast<int>(ee.ee_errno);
    e.local = ee.ee_origin == SO_EE_ORIGIN_LOCAL;
    e.icmp_type = ee.ee_type;
    e.icmp_code = ee.ee_code;
    e.mtu = ee.ee_errno == EMSGSIZE ? ee.ee_info : 0;
    if (ee.ee_origin == SO_EE_ORIGIN_ICMP &&
        c->cmsg_len >= CMSG_LEN(sizeof ee + sizeof(sockaddr_in))) {
      sockaddr_in from{};
      std::memcpy(&from, CMSG_DATA(c) + sizeof ee, sizeof from);
      if (from.sin_family == AF_INET) e.reporter = Ipv4{ntohl(from.sin_addr.s_addr)};
    }
    return true;
  }
  return false;
}

}  // namespace

size_t GreSocket::recv_errors(std::span<GreError> out) {
  size_t n = 0;
  if (!probe_fd_.valid()) return 0;
  while (n < out.size()) {
    uint8_t data[64];
    iovec iov{data, sizeof data};
    sockaddr_in dst{};
    alignas(cmsghdr) uint8_t control[512];
    msghdr h{};
    h.msg_name = &dst;
    h.msg_namelen = sizeof dst;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    ssize_t got = ::recvmsg(probe_fd_.get(), &h, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    GreError e;
    if (!read_extended_error(h, e)) continue;
    e.destination = Ipv4{ntohl(dst.sin_addr.s_addr)};
    e.call_id = quoted_call_id(data, got);
    out[n++] = e;
    ++stats_.errors_reported;
  }
  return n;
}

std::error_code GreSocket::send(Ipv4 dst, ByteView packet) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(dst.value);
  for (;;) {
    ssize_t n = ::sendto(fd_.get(), packet.data(), packet.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                         reinterpret_cast<sockaddr*>(&sin), sizeof(sin));
    if (n >= 0) {
      ++stats_.tx_packets;
      return {};
    }
    if (errno == EINTR) continue;
    ++stats_.tx_errors;
    return errno_error();
  }
}

}  // namespace pptpx::io
