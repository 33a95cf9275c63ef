// SPDX-License-Identifier: MIT
// Raw IPv4 socket for IP protocol 47 (GRE, RFC 2637 section 4), read and
// written in batches with recvmmsg/sendmmsg.
//
// Received packets include the IPv4 header (raw socket semantics); the
// caller parses it. Sent packets start at the GRE header; the kernel adds
// the IPv4 header. The batch structures are allocated once and reused, so
// the data path does no allocation per packet.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/ip.h"
#include "io/result.h"

namespace pptpx::io {

inline constexpr size_t kMaxBatch = 32;
inline constexpr uint8_t kIpProtoGre = 47;

// Receive side: the caller assigns its buffers once with set_buffer(); each
// recv_batch() fills packets [0, size()).
class GreRecvBatch {
 public:
  void set_buffer(size_t i, MutableByteView buf);
  size_t size() const { return count_; }
  // The received bytes (IPv4 header first), within the caller's buffer.
  MutableByteView packet(size_t i) const { return {bufs_[i].data(), lens_[i]}; }
  Ipv4 source(size_t i) const;
  // For in-memory implementations of GreIo: packet i holds len octets
  // (already in its buffer) from src; then n packets in all.
  MutableByteView buffer(size_t i) const { return bufs_[i]; }
  void set_packet(size_t i, size_t len, Ipv4 src);
  void set_size(size_t n) { count_ = n; }

 private:
  friend class GreSocket;
  std::array<MutableByteView, kMaxBatch> bufs_{};
  std::array<size_t, kMaxBatch> lens_{};
  std::array<mmsghdr, kMaxBatch> msgs_{};
  std::array<iovec, kMaxBatch> iovs_{};
  std::array<sockaddr_in, kMaxBatch> addrs_{};
  size_t count_ = 0;
};

// Send side: clear(), add() up to kMaxBatch packets, send_batch(). The
// packet bytes are referenced, not copied: keep them alive until sent.
class GreSendBatch {
 public:
  void clear() { count_ = 0; }
  // false when full. src, when not zero, is the packet's source address (an
  // IP_PKTINFO control message): on a multi-homed host GRE must leave from
  // the address the peer's control connection reached, not the one the
  // route to the peer would pick.
  bool add(Ipv4 dst, ByteView packet, Ipv4 src = {});
  size_t size() const { return count_; }
  bool full() const { return count_ == kMaxBatch; }
  // Packet i as added, for in-memory implementations of GreIo.
  ByteView packet(size_t i) const;
  Ipv4 destination(size_t i) const;
  Ipv4 source(size_t i) const;  // zero: the route's choice

 private:
  friend class GreSocket;
  std::array<mmsghdr, kMaxBatch> msgs_{};
  std::array<iovec, kMaxBatch> iovs_{};
  std::array<sockaddr_in, kMaxBatch> addrs_{};
  std::array<Ipv4, kMaxBatch> srcs_{};
  struct alignas(cmsghdr) Control {
    uint8_t bytes[CMSG_SPACE(sizeof(in_pktinfo))];
  };
  std::array<Control, kMaxBatch> controls_{};
  size_t count_ = 0;
};

struct GreSocketStats {
  uint64_t rx_packets = 0;
  uint64_t rx_truncated = 0;  // larger than the caller's buffer; dropped
  uint64_t rx_errors = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_errors = 0;        // dropped by an error other than EAGAIN
  uint64_t tx_would_block = 0;   // dropped because the send buffer was full
  uint64_t errors_reported = 0;  // ICMP and local errors read from the error queue
};

// "GRE socket: in N truncated N errors N | out N errors N would-block N"
std::string describe(const GreSocketStats& s);

// An error the kernel reported for a GRE packet we sent (IP_RECVERR): an
// ICMP message from a router or the peer, or our own host refusing a
// packet sent with DF that exceeds the route's MTU.
struct GreError {
  Ipv4 destination;  // where the packet was going
  Ipv4 reporter;     // who sent the ICMP message (zero: this host)
  bool local = false;
  uint8_t icmp_type = 0;  // 3 destination unreachable, 11 time exceeded, ...
  uint8_t icmp_code = 0;
  uint32_t mtu = 0;      // fragmentation needed: the next-hop MTU
  int error = 0;         // the errno the kernel gives it (EMSGSIZE, EHOSTUNREACH, ...)
  uint16_t call_id = 0;  // the call ID of the GRE header quoted, 0 when none was
};

// What the applications need of the GRE socket, in batches: GreSocket, and
// in tests an in-memory fake (tests/support/fake_io.h).
class GreIo {
 public:
  virtual ~GreIo() = default;
  virtual int fd() const = 0;
  // As GreSocket::recv_batch and send_batch below.
  virtual Result<size_t> recv_batch(GreRecvBatch& batch) = 0;
  virtual size_t send_batch(GreSendBatch& batch) = 0;
  // The same with DF set on every packet and no fragmentation (a path MTU
  // probe); a packet larger than the path MTU the host knows comes back as
  // a local GreError.
  virtual size_t send_batch_dont_fragment(GreSendBatch& batch) { return send_batch(batch); }
  // The descriptor that signals errors (kError), -1 when there is none.
  virtual int error_fd() const { return -1; }
  // Takes up to out.size() waiting errors (when error_fd() reports kError).
  virtual size_t recv_errors(std::span<GreError> out) {
    (void)out;
    return 0;
  }
  virtual const GreSocketStats& stats() const = 0;
};

class GreSocket final : public GreIo {
 public:
  struct Options {
    Ipv4 local;                    // 0: not bound
    int rcvbuf = 4 * 1024 * 1024;  // 0: leave the kernel default
    int sndbuf = 4 * 1024 * 1024;
  };

  static Result<GreSocket> open(const Options& opts);
  static Result<GreSocket> open() { return open(Options{}); }

  int fd() const override { return fd_.get(); }
  const GreSocketStats& stats() const override { return stats_; }

  // Receives up to batch capacity (the buffers set) packets without
  // blocking. Returns the count (also batch.size()); 0 when none is ready.
  // Truncated packets are dropped and counted. An error is returned only
  // when nothing was received.
  Result<size_t> recv_batch(GreRecvBatch& batch) override;
  // Sends every packet in the batch. A packet the kernel refuses (e.g. no
  // route) is dropped and counted, and the rest are still sent; on EAGAIN
  // the remainder is dropped, like a full device queue. Returns the number
  // sent.
  size_t send_batch(GreSendBatch& batch) override;
  // Sent from the probe socket (below).
  size_t send_batch_dont_fragment(GreSendBatch& batch) override;
  int error_fd() const override { return probe_fd_.valid() ? probe_fd_.get() : -1; }
  // Reads the probe socket's error queue (MSG_ERRQUEUE) without blocking.
  size_t recv_errors(std::span<GreError> out) override;
  [[nodiscard]] std::error_code send(Ipv4 dst, ByteView packet);

 private:
  static Fd open_probe_socket(Ipv4 local);
  size_t send_on(int fd, GreSendBatch& batch, bool retry);

  Fd fd_;        // data: sent without DF, no error queue
  Fd probe_fd_;  // DF probes and the ICMP errors about all our GRE
  GreSocketStats stats_;
};

// Sets SO_RCVBUF/SO_SNDBUF, trying the *FORCE variants (which exceed
// rmem_max/wmem_max, needing CAP_NET_ADMIN) first.
[[nodiscard]] std::error_code set_socket_buffers(int fd, int rcvbuf, int sndbuf);

}  // namespace pptpx::io
