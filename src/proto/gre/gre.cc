// SPDX-License-Identifier: MIT
// Enhanced GRE codec and per-call sequence/ack state (RFC 2637 section 4,
// RFC 791 for the IPv4 wrapper; docs/protocol.md, the GRE sections).
#include "proto/gre/gre.h"

#include <algorithm>
#include <cstring>

namespace pptpx::gre {
namespace {

constexpr uint8_t kFlagC = 0x80;
constexpr uint8_t kFlagR = 0x40;
constexpr uint8_t kFlagK = 0x20;
constexpr uint8_t kFlagS = 0x10;
constexpr uint8_t kFlagStrict = 0x08;
constexpr uint8_t kRecurMask = 0x07;
constexpr uint8_t kFlagA = 0x80;
constexpr uint8_t kFlagsMask = 0x78;
constexpr uint8_t kVersionMask = 0x07;
constexpr uint8_t kVersion = 1;

}  // namespace

Ipv4Result parse_ipv4(ByteView ip) {
  Ipv4Result res;
  if (ip.size() < 20) {
    res.error = Ipv4Error::kTruncated;
    return res;
  }
  if ((ip[0] >> 4) != 4) {
    res.error = Ipv4Error::kBadVersion;
    return res;
  }
  size_t ihl = size_t{ip[0] & 0x0Fu} * 4;
  if (ihl < 20 || ihl > ip.size()) {
    res.error = Ipv4Error::kBadHeaderLength;
    return res;
  }
  size_t total = get_u16(&ip[2]);
  if (total < ihl || total > ip.size()) {
    res.error = Ipv4Error::kBadTotalLength;
    return res;
  }
  uint16_t frag = get_u16(&ip[6]);
  if ((frag & 0x2000) != 0 || (frag & 0x1FFF) != 0) {
    res.error = Ipv4Error::kFragment;
    return res;
  }
  res.packet.protocol = ip[9];
  res.packet.src = Ipv4{get_u32(&ip[12])};
  res.packet.dst = Ipv4{get_u32(&ip[16])};
  res.packet.payload = ip.subspan(ihl, total - ihl);
  return res;
}

std::string_view parse_error_name(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "none";
    case ParseError::kTruncated: return "truncated";
    case ParseError::kBadProtocol: return "bad protocol";
    case ParseError::kBadVersion: return "bad version";
    case ParseError::kBadFlags: return "bad flags";
    case ParseError::kNoKey: return "no key";
    case ParseError::kBadPayloadLength: return "bad payload length";
    case ParseError::kPayloadWithoutSeq: return "payload without sequence number";
    case ParseError::kEmpty: return "neither sequence nor ack";
  }
  return "?";
}

ParseResult parse(ByteView gre) {
  ParseResult res;
  if (gre.size() < 8) {
    res.error = ParseError::kTruncated;
    return res;
  }
  uint8_t f0 = gre[0];
  uint8_t f1 = gre[1];
  if (get_u16(&gre[2]) != kProtocolPpp) {
    res.error = ParseError::kBadProtocol;
    return res;
  }
  if ((f1 & kVersionMask) != kVersion) {
    res.error = ParseError::kBadVersion;
    return res;
  }
  if ((f0 & (kFlagC | kFlagR | kFlagStrict | kRecurMask)) != 0 || (f1 & kFlagsMask) != 0) {
    res.error = ParseError::kBadFlags;
    return res;
  }
  if ((f0 & kFlagK) == 0) {
    res.error = ParseError::kNoKey;
    return res;
  }
  Header& h = res.packet.header;
  h.has_seq = (f0 & kFlagS) != 0;
  h.has_ack = (f1 & kFlagA) != 0;
  size_t hlen = header_size(h.has_seq, h.has_ack);
  if (gre.size() < hlen) {
    res.error = ParseError::kTruncated;
    return res;
  }
  h.payload_length = get_u16(&gre[4]);
  h.call_id = get_u16(&gre[6]);
  size_t off = 8;
  if (h.has_seq) {
    h.seq = get_u32(&gre[off]);
    off += 4;
  }
  if (h.has_ack) h.ack = get_u32(&gre[off]);
  if (!h.has_seq && !h.has_ack) {
    res.error = ParseError::kEmpty;
    return res;
  }
  if (!h.has_seq && h.payload_length != 0) {
    res.error = ParseError::kPayloadWithoutSeq;
    return res;
  }
  if (h.payload_length > gre.size() - hlen) {
    res.error = ParseError::kBadPayloadLength;
    return res;
  }
  res.packet.payload = gre.subspan(hlen, h.payload_length);
  return res;
}

size_t write_header(uint8_t* out, const Header& h) {
  out[0] = static_cast<uint8_t>(kFlagK | (h.has_seq ? kFlagS : 0));
  out[1] = static_cast<uint8_t>((h.has_ack ? kFlagA : 0) | kVersion);
  put_u16(out + 2, kProtocolPpp);
  put_u16(out + 4, h.payload_length);
  put_u16(out + 6, h.call_id);
  size_t off = 8;
  if (h.has_seq) {
    put_u32(out + off, h.seq);
    off += 4;
  }
  if (h.has_ack) {
    put_u32(out + off, h.ack);
    off += 4;
  }
  return off;
}

void ParseStats::count(ParseError e) {
  switch (e) {
    case ParseError::kNone: return;
    case ParseError::kTruncated: ++truncated; return;
    case ParseError::kBadProtocol: ++bad_protocol; return;
    case ParseError::kBadVersion: ++bad_version; return;
    case ParseError::kBadFlags: ++bad_flags; return;
    case ParseError::kNoKey: ++no_key; return;
    case ParseError::kBadPayloadLength: ++bad_payload_length; return;
    case ParseError::kPayloadWithoutSeq: ++payload_without_seq; return;
    case ParseError::kEmpty: ++empty; return;
  }
}

bool is_lcp_echo(ByteView p) {
  if (p.size() >= 2 && p[0] == 0xFF && p[1] == 0x03) p = p.subspan(2);
  return p.size() >= 3 && p[0] == 0xC0 && p[1] == 0x21 && (p[2] == 0x09 || p[2] == 0x0A);
}

void Channel::process_ack(uint32_t ack) {
  ++stats_.rx_acks;
  if (seq_after(ack, tx_seq_)) {
    ++stats_.rx_bad_acks;
    return;
  }
  if (seq_after(ack, ack_recv_)) ack_recv_ = ack;
}

Verdict Channel::on_receive(const Header& h, ByteView payload, Time now) {
  undo_.valid = false;
  if (!h.has_seq) {
    if (h.has_ack) process_ack(h.ack);
    ++stats_.rx_ack_only;
    return Verdict::kAckOnly;
  }
  if (rx_started_ && !seq_after(h.seq, rx_seq_)) return behind(h, payload);
  // Far ahead: loss this long is no reordering, and a forged packet must not
  // hold up (or push out) what waits in the window: straight through.
  const bool far = rx_started_ && h.seq - rx_seq_ > kMaxForwardJump;
  const bool in_order = !rx_started_ || next_in_order(h.seq);
  if (cfg_.reorder_packets > 0 && !far && (!in_order || held_count_ > 0))
    return hold(h, payload, now);
  accept(h.seq, h.has_ack, h.ack, far, now, /*note=*/true);
  return Verdict::kDeliver;
}

// A packet at or before the last accepted one: dropped unless it is an LCP
// echo (a reordered echo must still count for liveness, and the kernel makes
// the same exception). Its ack, if any, is old news: ignored.
Verdict Channel::behind(const Header& h, ByteView payload) {
  if (is_lcp_echo(payload)) {
    ++stats_.rx_stale_echo_delivered;
    ++stats_.rx_delivered;
    return Verdict::kDeliver;
  }
  if (h.seq == rx_seq_) {
    ++stats_.rx_duplicates;
    return Verdict::kDuplicate;
  }
  ++stats_.rx_stale;
  return Verdict::kStale;
}

// The receive state moves to seq, undoably (reject()).
void Channel::accept(uint32_t seq, bool has_ack, uint32_t ack, bool far, Time now, bool note) {
  undo_ = Undo{true,           far,
               rx_started_,    rx_seq_,
               ack_recv_,      ack_pending_,
               pending_count_, ack_pending_since_,
               stats_.rx_lost, stats_.rx_gaps_skipped,
               stats_.rx_acks, stats_.rx_bad_acks};
  if (has_ack) process_ack(ack);
  if (rx_started_) stats_.rx_lost += seq - rx_seq_ - 1;
  rx_started_ = true;
  rx_seq_ = seq;
  ++stats_.rx_delivered;
  if (far) ++stats_.rx_far_accepted;
  if (note) note_received(now);
}

// The next one to go up: after the last accepted, or after the packet
// last rejected (nothing before it is waited for: it was the next itself).
bool Channel::next_in_order(uint32_t seq) const {
  return seq == rx_seq_ + 1 ||
         (rejected_valid_ && seq_after(rejected_seq_, rx_seq_) && seq == rejected_seq_ + 1);
}

void Channel::reject() {
  if (!undo_.valid) return;
  const Undo& u = undo_;
  if (!u.far) {
    rejected_valid_ = true;
    rejected_seq_ = rx_seq_;
  }
  rx_started_ = u.rx_started;
  rx_seq_ = u.rx_seq;
  ack_recv_ = u.ack_recv;
  ack_pending_ = u.ack_pending;
  pending_count_ = u.pending_count;
  ack_pending_since_ = u.ack_pending_since;
  stats_.rx_lost = u.rx_lost;
  stats_.rx_gaps_skipped = u.rx_gaps_skipped;
  stats_.rx_acks = u.rx_acks;
  stats_.rx_bad_acks = u.rx_bad_acks;
  --stats_.rx_delivered;
  ++stats_.rx_invalid;
  if (u.far) {
    --stats_.rx_far_accepted;
    ++stats_.rx_invalid_far;
  }
  undo_.valid = false;
}

void Channel::note_received(Time now) {
  if (!ack_pending_) {
    ack_pending_ = true;
    ack_pending_since_ = now;
  }
  ++pending_count_;
}

// A packet ahead of a gap, or behind one that waits: copied into a free
// slot. There is always one: take_released() brings the count back to
// reorder_packets, and there are reorder_packets + 1 slots.
Verdict Channel::hold(const Header& h, ByteView payload, Time now) {
  if (slot_memory_.empty()) {
    slot_memory_.resize((cfg_.reorder_packets + 1) * kReorderSlotSize);
    held_.resize(cfg_.reorder_packets + 1);
  }
  Held* free_slot = nullptr;
  bool late = false;  // a packet after it is already here
  for (Held& s : held_) {
    if (s.used && s.seq == h.seq) {
      ++stats_.rx_duplicates;
      return Verdict::kDuplicate;
    }
    if (s.used && seq_after(s.seq, h.seq)) late = true;
    if (!s.used && !free_slot) free_slot = &s;
  }
  if (payload.size() > kReorderSlotSize || !free_slot) {
    ++stats_.rx_too_big;
    return Verdict::kStale;
  }
  size_t index = static_cast<size_t>(free_slot - held_.data());
  std::memcpy(&slot_memory_[index * kReorderSlotSize], payload.data(), payload.size());
  *free_slot = Held{h.seq, static_cast<uint16_t>(payload.size()), now, true, h.has_ack, h.ack};
  ++held_count_;
  ++stats_.rx_held;
  if (late) ++stats_.rx_late_in_order;
  // A jump this far is loss, not reordering: no gap before it is waited for.
  if (h.seq - rx_seq_ - 1 > 4 * cfg_.reorder_packets) {
    force_ = true;
    force_through_ = h.seq;
  }
  note_received(now);
  return Verdict::kHeld;
}

// The held packet with the lowest sequence number; packets a far-ahead
// packet overtook are dropped as stale on the way.
Channel::Held* Channel::lowest_held() {
  for (;;) {
    Held* low = nullptr;
    for (Held& s : held_)
      if (s.used && (!low || seq_after(low->seq, s.seq))) low = &s;
    if (!low || seq_after(low->seq, rx_seq_)) return low;
    low->used = false;
    if (--held_count_ == 0) force_ = false;
    ++stats_.rx_stale;
  }
}

std::optional<MutableByteView> Channel::take_released(Time now) {
  undo_.valid = false;
  if (held_count_ == 0) return std::nullopt;
  Held* low = lowest_held();
  if (!low) return std::nullopt;
  Time first = kNever;
  for (const Held& s : held_)
    if (s.used) first = std::min(first, s.at);
  const bool next = next_in_order(low->seq);
  const bool go = next || held_count_ > cfg_.reorder_packets || now >= first + cfg_.reorder_wait ||
                  (force_ && !seq_after(low->seq, force_through_));
  if (!go) return std::nullopt;
  // Noted for the ack when held; accept() counts the gap and the delivery.
  accept(low->seq, low->has_ack, low->ack, false, now, /*note=*/false);
  if (!next) ++stats_.rx_gaps_skipped;
  low->used = false;
  if (--held_count_ == 0) force_ = false;
  size_t index = static_cast<size_t>(low - held_.data());
  return MutableByteView(&slot_memory_[index * kReorderSlotSize], low->len);
}

TxFields Channel::next_data(Time) {
  TxFields f;
  f.seq = ++tx_seq_;
  ++stats_.tx_data;
  if (ack_pending_) {
    f.has_ack = true;
    f.ack = rx_seq_;
    ack_pending_ = false;
    pending_count_ = 0;
    ++stats_.tx_acks_piggybacked;
  }
  uint32_t outstanding = unacked();
  if (outstanding > stats_.max_unacked) stats_.max_unacked = outstanding;
  if (cfg_.peer_window != 0 && outstanding > cfg_.peer_window) ++stats_.tx_over_window;
  return f;
}

Header Channel::next_data_header(uint16_t payload_length, Time now) {
  TxFields f = next_data(now);
  Header h;
  h.call_id = cfg_.peer_call_id;
  h.payload_length = payload_length;
  h.has_seq = true;
  h.seq = f.seq;
  h.has_ack = f.has_ack;
  h.ack = f.ack;
  return h;
}

Time Channel::next_deadline() const {
  Time t = kNever;
  if (held_count_ > 0) {
    for (const Held& s : held_)
      if (s.used) t = std::min(t, s.at + cfg_.reorder_wait);
  }
  if (!ack_pending_) return t;
  if (cfg_.ack_burst != 0 && pending_count_ >= cfg_.ack_burst)
    return std::min(t, ack_pending_since_);
  return std::min(t, ack_pending_since_ + cfg_.ack_delay);
}

std::optional<Header> Channel::on_timer(Time now) {
  if (!ack_pending_ || now < next_deadline()) return std::nullopt;
  ack_pending_ = false;
  pending_count_ = 0;
  ++stats_.tx_ack_only;
  Header h;
  h.call_id = cfg_.peer_call_id;
  h.has_ack = true;
  h.ack = rx_seq_;
  return h;
}

}  // namespace pptpx::gre
