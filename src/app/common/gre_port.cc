// SPDX-License-Identifier: MIT
#include "app/common/gre_port.h"

#include <algorithm>
#include <array>
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
    ByteView pkt = call.poll_transmit(slot(), kBufferSize, now);
    if (pkt.empty()) return;
    queue(pkt, dst, src);
  }
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
