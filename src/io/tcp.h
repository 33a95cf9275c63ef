// SPDX-License-Identifier: MIT
// Non-blocking TCP for the PPTP control channel (TCP port 1723): a listening
// socket, accepted/connecting connections with an output buffer.
//
// Readiness is driven by the EventLoop; TcpConnection only says whether it
// wants writable interest (want_write()) and the owner updates the loop.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/ip.h"
#include "io/result.h"

namespace pptpx::io {

struct SocketAddress {
  Ipv4 addr;
  uint16_t port = 0;
  bool operator==(const SocketAddress&) const = default;
};

class TcpConnection {
 public:
  TcpConnection() = default;
  explicit TcpConnection(Fd fd) : fd_(std::move(fd)) {}

  // Starts a non-blocking connect; wait for kWritable, then finish_connect().
  static Result<TcpConnection> connect(SocketAddress remote, std::optional<Ipv4> local = {});
  // The connect's outcome (SO_ERROR); empty on success.
  [[nodiscard]] std::error_code finish_connect();

  int fd() const { return fd_.get(); }
  bool is_open() const { return fd_.valid(); }

  // Reads what is available into buf. Returns the count; 0 means EOF.
  // would_block(error) when nothing is available.
  Result<size_t> read(MutableByteView buf);
  // Sends as much as the socket takes and queues the rest. An error means
  // the connection is broken and should be closed.
  [[nodiscard]] std::error_code write(ByteView data);
  // Sends queued bytes; call on kWritable.
  [[nodiscard]] std::error_code flush();
  bool want_write() const { return out_pos_ < out_.size(); }
  size_t pending() const { return out_.size() - out_pos_; }

  // Marks the connection to be closed once the queue is empty; the owner
  // checks should_close() after flush().
  void close_after_flush() { close_after_flush_ = true; }
  bool should_close() const { return close_after_flush_ && !want_write(); }
  void close();
  // Sends FIN: no more data from us, reading goes on (shutdown(2) SHUT_WR).
  [[nodiscard]] std::error_code shutdown_write();

  Result<SocketAddress> local_address() const;
  Result<SocketAddress> peer_address() const;
  [[nodiscard]] std::error_code set_nodelay(bool on);
  [[nodiscard]] std::error_code set_keepalive(bool on);

 private:
  Fd fd_;
  Bytes out_;
  size_t out_pos_ = 0;
  bool close_after_flush_ = false;
};

class TcpListener {
 public:
  struct Accepted {
    Fd fd;
    SocketAddress peer;
    SocketAddress local;
  };

  // Binds addr:port (addr 0 = any) with SO_REUSEADDR and listens; port 0
  // picks a free port (see local_address()).
  static Result<TcpListener> listen(SocketAddress addr, int backlog = SOMAXCONN);

  int fd() const { return fd_.get(); }
  Result<SocketAddress> local_address() const;
  // One pending connection, non-blocking with CLOEXEC; would_block(error)
  // when none is left.
  Result<Accepted> accept();

  struct QueueInfo {
    uint32_t queued = 0;   // established, waiting for accept()
    uint32_t backlog = 0;  // the backlog in force (after the somaxconn cap)
  };
  // TCP_INFO of the listening socket (tcpi_unacked, tcpi_sacked).
  Result<QueueInfo> queue_info() const;

 private:
  Fd fd_;
};

}  // namespace pptpx::io
