// SPDX-License-Identifier: MIT
#include "app/common/gre_port.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <span>

namespace pptpx::app {

GrePort::GrePort(std::unique_ptr<io::GreIo> io, Logger log)
    : io_(std::move(io)),
      log_(std::move(log)),
      rx_memory_(io::kMaxBatch * kBufferSize),
      tx_memory_(io::kMaxBatch * kBufferSize) {
  for (size_t i = 0; i < io::kMaxBatch; ++i)
    rx_batch_.set_buffer(i, MutableByteView(&rx_memory_[i * kBufferSize], kBufferSize));
}

// tx_used_ counts slots handed out; the batch holds at most that many
// packets (a slot whose packet was dropped stays used until the flush).
uint8_t* GrePort::slot() {
  if (tx_used_ == io::kMaxBatch) flush();
  return &tx_memory_[tx_used_ * kBufferSize];
}

void GrePort::queue(ByteView pkt, Ipv4 dst, Ipv4 src) {
  tx_batch_.add(dst, pkt, src);
  consume(1);
}

size_t GrePort::reserve(size_t n) {
  if (tx_used_ == io::kMaxBatch) flush();
  return std::min(n, io::kMaxBatch - tx_used_);
}

void GrePort::consume(size_t n) {
  tx_used_ = std::min(tx_used_ + n, io::kMaxBatch);
  if (tx_used_ == io::kMaxBatch) flush();
}

void GrePort::transmit(session::Call& call, Ipv4 dst, Ipv4 src, Time now) {
  for (;;) {
    bool dont_fragment = false;
    ByteView pkt = call.poll_transmit(slot(), kBufferSize, now, &dont_fragment);
    if (pkt.empty()) return;
    if (dont_fragment)
      send_dont_fragment(pkt, dst, src);
    else
      queue(pkt, dst, src);
  }
}

// The packets queued before it go first, in order; the probe's slot is
// not reused before the next slot() call.
void GrePort::send_dont_fragment(ByteView pkt, Ipv4 dst, Ipv4 src) {
  flush();
  df_batch_.clear();
  df_batch_.add(dst, pkt, src);
  io_->send_batch_dont_fragment(df_batch_);
  df_batch_.clear();
}

session::PathError GrePort::path_error(const io::GreError& e) {
  using Kind = session::PathError::Kind;
  constexpr uint8_t kUnreachable = 3;
  session::PathError p;
  p.peer = e.destination;
  p.reporter = e.reporter;
  p.icmp_type = e.icmp_type;
  p.icmp_code = e.icmp_code;
  p.mtu = e.mtu;
  if (e.error == EMSGSIZE && e.mtu != 0) {
    p.kind = Kind::kTooBig;
  } else if (!e.local && e.icmp_type == kUnreachable) {
    // RFC 792 and RFC 1812 section 5.2.7.1: 0, 1, 6, 7 no route; 2 protocol
    // unreachable; 9, 10 and 13 administratively prohibited.
    switch (e.icmp_code) {
      case 0:
      case 1:
      case 6:
      case 7: p.kind = Kind::kNoRoute; break;
      case 2: p.kind = Kind::kProtocolUnreachable; break;
      case 9:
      case 10:
      case 13: p.kind = Kind::kProhibited; break;
      default: break;
    }
  }
  return p;
}

std::string GrePort::describe() const {
  return io::describe(io_->stats()) + " | " + session::describe_ingress(ingress_);
}

void GrePort::send_from(PppInterface& pif, session::Call& call, Ipv4 dst, Ipv4 src, Time now) {
  std::array<MutableByteView, kTunBatch> bufs;
  std::array<size_t, kTunBatch> lens{};
  for (int round = 0; round < kTunRounds; ++round) {
    const size_t want = reserve(kTunBatch);
    for (size_t i = 0; i < want; ++i) bufs[i] = MutableByteView(reserved(i), kBufferSize);
    const size_t n =
        pif.read(std::span(bufs.data(), want), session::kHeadroom, std::span(lens.data(), want));
    for (size_t i = 0; i < n; ++i) {
      ByteView pkt = call.send_ip(bufs[i].data(), lens[i], now);
      if (!pkt.empty()) queue_reserved(pkt, dst, src);
    }
    consume(n);
    if (n < want) break;
  }
  flush();
}

void GrePort::flush() {
  if (tx_batch_.size()) io_->send_batch(tx_batch_);
  tx_batch_.clear();
  tx_used_ = 0;
}

}  // namespace pptpx::app
