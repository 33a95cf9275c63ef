// SPDX-License-Identifier: MIT
// Fuzzes the IPv4 and GRE parsers and feeds every parsed packet to a Channel
// with a reorder window, draining what it releases; also checks that
// write_header() reproduces what parse() read.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "proto/gre/gre.h"

using namespace pptpx;
using namespace pptpx::gre;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView in(data, size);
  Ipv4Result ip = parse_ipv4(in);
  if (ip.ok()) (void)parse(ip.packet.payload);

  ChannelConfig cfg{0x1234, milliseconds(200), 4, 8};
  cfg.reorder_packets = size & 1 ? 4 : 0;
  cfg.reorder_wait = milliseconds(10);
  Channel ch(cfg);
  auto drain = [&](Time t) {
    int n = 0;
    while (auto p = ch.take_released(t)) {
      if (p->size() > kReorderSlotSize || ++n > 5) __builtin_trap();  // at most the window + 1
    }
  };
  Time now = Time{} + seconds(1);
  // The input is a sequence of GRE packets, each prefixed by a one-octet length.
  size_t pos = 0;
  while (pos < size) {
    size_t len = data[pos++];
    if (len > size - pos) len = size - pos;
    ByteView pkt = in.subspan(pos, len);
    pos += len;
    ParseResult r = parse(pkt);
    if (r.ok()) {
      uint8_t hdr[kMaxHeaderSize];
      size_t n = write_header(hdr, r.packet.header);
      if (n != header_size(r.packet.header.has_seq, r.packet.header.has_ack) ||
          std::memcmp(hdr, pkt.data(), n) != 0)
        __builtin_trap();
      ch.on_receive(r.packet.header, r.packet.payload, now);
      drain(now);
    }
    now += milliseconds(len * 7);
    if (len & 1) (void)ch.next_data_header(static_cast<uint16_t>(len), now);
    if (now >= ch.next_deadline()) {
      (void)ch.on_timer(now);
      drain(now);
    }
  }
  return 0;
}
