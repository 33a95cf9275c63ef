// SPDX-License-Identifier: MIT
// The GRE side of pptpxd and pptpx: one raw GRE socket (io::GreIo), read and
// written in batches through buffers allocated once. Received datagrams are
// parsed here and handed to the application, which finds their call;
// outgoing packets are built in place in the current send slot and go out
// in one sendmmsg when the batch fills or the application flushes.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "app/common/ppp_interface.h"
#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/time.h"
#include "io/gre_socket.h"
#include "proto/session/call.h"
#include "proto/session/data_path.h"
#include "proto/session/path_check.h"

namespace pptpx::app {

class GrePort {
 public:
  static constexpr size_t kBufferSize = 2048;
  // Receive rounds per wakeup: the rest waits for the next turn of the loop
  // (the socket is level triggered), so GRE cannot starve everything else.
  static constexpr int kReceiveRounds = 8;
  static constexpr size_t kErrorBatch = 16;

  GrePort(std::unique_ptr<io::GreIo> io, Logger log);
  GrePort(const GrePort&) = delete;
  GrePort& operator=(const GrePort&) = delete;

  int fd() const { return io_->fd(); }
  // Where ICMP errors about our GRE wait (receive_errors()); -1: nowhere.
  int error_fd() const { return io_->error_fd(); }
  const session::IngressStats& ingress() const { return ingress_; }
  const io::GreSocketStats& socket_stats() const { return io_->stats(); }
  // "GRE socket: ... | malformed GRE: ...": the socket's and the parser's counters.
  std::string describe() const;

  // Reads what is waiting, parses each datagram and calls
  // on_datagram(session::GreDatagram&) for the valid ones (what is not
  // enhanced GRE is counted in ingress()); then flushes what was queued.
  template <class F>
  void receive(F&& on_datagram) {
    for (int round = 0; round < kReceiveRounds; ++round) {
      auto n = io_->recv_batch(rx_batch_);
      if (!n || *n == 0) break;
      for (size_t i = 0; i < *n; ++i) {
        auto g = session::parse_gre_datagram(rx_batch_.packet(i), ingress_, log_);
        if (g) on_datagram(*g);
      }
      if (*n < io::kMaxBatch) break;
    }
    flush();
  }

  // Reads up to kErrorBatch errors the kernel queued for packets we sent
  // (when error_fd() is ready) and calls on_error(const
  // session::PathError&, uint16_t quoted_call_id) for each; the rest wait
  // for the next turn of the loop.
  template <class F>
  void receive_errors(F&& on_error) {
    std::array<io::GreError, kErrorBatch> errors;
    const size_t n = io_->recv_errors(errors);
    for (size_t i = 0; i < n; ++i) on_error(path_error(errors[i]), errors[i].call_id);
  }
  static session::PathError path_error(const io::GreError& e);

  // The send slot to build the next packet in (kBufferSize octets); a full
  // batch is sent first.
  uint8_t* slot();
  // Queues pkt, which lies in slot(), for dst (from src when not zero).
  void queue(ByteView pkt, Ipv4 dst, Ipv4 src);

  // Queues every control frame and ack-only packet the call has to send.
  void transmit(session::Call& call, Ipv4 dst, Ipv4 src, Time now);
  // Reads what waits on the call's pppN (up to kTunRounds batches of
  // kTunBatch), each packet straight into its own send slot behind room for
  // the headers, and queues it framed by the call for dst (from src when
  // not zero). Then flushes.
  void send_from(PppInterface& pif, session::Call& call, Ipv4 dst, Ipv4 src, Time now);
  void flush();

 private:
  static constexpr int kTunRounds = 4;
  static constexpr size_t kTunBatch = 16;
  // Several slots at once, for a batch read from pppN: reserve up to n (a
  // full batch is sent first; returns how many, at least 1), fill
  // reserved(0..), queue_reserved() the packets to send from them, then
  // consume() the slots that were filled, sent or not.
  size_t reserve(size_t n);
  uint8_t* reserved(size_t i) { return &tx_memory_[(tx_used_ + i) * kBufferSize]; }
  void queue_reserved(ByteView pkt, Ipv4 dst, Ipv4 src) { tx_batch_.add(dst, pkt, src); }
  void consume(size_t n);
  // pkt, in the current slot, alone and with DF (a path MTU probe).
  void send_dont_fragment(ByteView pkt, Ipv4 dst, Ipv4 src);

  std::unique_ptr<io::GreIo> io_;
  Logger log_;
  std::vector<uint8_t> rx_memory_;
  std::vector<uint8_t> tx_memory_;
  io::GreRecvBatch rx_batch_;
  io::GreSendBatch tx_batch_;
  io::GreSendBatch df_batch_;
  size_t tx_used_ = 0;
  session::IngressStats ingress_;
};

}  // namespace pptpx::app
