// SPDX-License-Identifier: MIT
// Enhanced GRE (RFC 2637 section 4; docs/protocol.md, GRE header checks): the
// IPv4 wrapper seen on raw sockets, the version-1 GRE header codec, and
// Channel, the per-call sequence/acknowledgment state.
//
// Nothing here allocates: parse functions return views into the caller's
// buffer and write_header() writes in place.
//
// Channel follows the Linux kernel and pptp-linux (docs/protocol.md, GRE
// sequence numbers): send sequence numbers from 1, accept the first received
// number as-is, then only numbers after the last accepted one (32-bit
// wrap-aware); older packets and duplicates are dropped, except LCP
// Echo-Request/Reply, which liveness depends on. Unlike the kernel, Channel
// can hold packets that arrive ahead of a gap in a small reorder window (off
// unless configured; docs/protocol.md, GRE reorder window). Transmission
// never waits on the peer's window (docs/protocol.md, GRE windows): the
// window is only tracked for statistics. Acks ride on outgoing data; when
// none goes out for ack_delay, Channel asks for an ack-only packet (which
// the kernel never sends, pptp-linux does; docs/protocol.md, GRE
// acknowledgments).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/time.h"

namespace pptpx::gre {

inline constexpr uint8_t kIpProtocolGre = 47;
inline constexpr uint16_t kProtocolPpp = 0x880B;
inline constexpr size_t kMaxHeaderSize = 16;

// ---- IPv4 (raw socket reads include the IP header) ----

enum class Ipv4Error {
  kNone,
  kTruncated,
  kBadVersion,
  kBadHeaderLength,
  kBadTotalLength,
  kFragment
};

struct Ipv4Packet {
  Ipv4 src;
  Ipv4 dst;
  uint8_t protocol = 0;
  ByteView payload;  // up to the IP Total Length
};

struct Ipv4Result {
  Ipv4Error error = Ipv4Error::kNone;
  Ipv4Packet packet;
  bool ok() const { return error == Ipv4Error::kNone; }
};

// Fragments (MF set or a non-zero offset) are refused: PPTP peers do not
// fragment GRE in practice and raw sockets deliver reassembled datagrams.
Ipv4Result parse_ipv4(ByteView ip);

// ---- GRE header ----

struct Header {
  uint16_t call_id = 0;  // the receiver's Call ID (the "Key")
  uint16_t payload_length = 0;
  bool has_seq = false;
  uint32_t seq = 0;
  bool has_ack = false;
  uint32_t ack = 0;
  bool operator==(const Header&) const = default;
};

enum class ParseError {
  kNone,
  kTruncated,          // shorter than the header its flags announce
  kBadProtocol,        // not 0x880B
  kBadVersion,         // not 1
  kBadFlags,           // C, R, s, Recur or Flags set
  kNoKey,              // K clear
  kBadPayloadLength,   // Payload Length exceeds the octets present
  kPayloadWithoutSeq,  // payload but S clear
  kEmpty,              // neither S nor A: carries nothing
};

std::string_view parse_error_name(ParseError e);

struct Packet {
  Header header;
  ByteView payload;  // exactly header.payload_length octets
};

struct ParseResult {
  ParseError error = ParseError::kNone;
  Packet packet;
  bool ok() const { return error == ParseError::kNone; }
};

ParseResult parse(ByteView gre);

inline constexpr size_t header_size(bool has_seq, bool has_ack) {
  return 8 + (has_seq ? 4 : 0) + (has_ack ? 4 : 0);
}
// Writes 8, 12 or 16 octets at out (which must have room for
// header_size(h.has_seq, h.has_ack)) and returns the count.
size_t write_header(uint8_t* out, const Header& h);

// Parse failures by reason, for the shell that owns the raw socket.
struct ParseStats {
  uint64_t truncated = 0;
  uint64_t bad_protocol = 0;
  uint64_t bad_version = 0;
  uint64_t bad_flags = 0;
  uint64_t no_key = 0;
  uint64_t bad_payload_length = 0;
  uint64_t payload_without_seq = 0;
  uint64_t empty = 0;
  void count(ParseError e);
};

// True for a PPP frame that is an LCP Echo-Request or Echo-Reply, with or
// without the ff 03 address/control prefix.
bool is_lcp_echo(ByteView ppp);

// Sequence-number order with 32-bit wrap: a is after b.
inline bool seq_after(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

// ---- Channel ----

struct ChannelConfig {
  uint16_t peer_call_id = 0;               // put in the Key of everything we send
  Duration ack_delay = milliseconds(200);  // pending ack -> ack-only packet
  // This many received-but-unacked packets make the ack-only packet due at
  // once (pptp-linux acks almost immediately past one); 0 disables.
  uint32_t ack_burst = 8;
  uint16_t peer_window = 0;  // the peer's Packet Recv. Window Size (stats only)
  // Reorder window (0 packets: off). A packet that arrives ahead of a gap
  // waits, copied, until the gap fills or reorder_wait passes or more than
  // reorder_packets wait; then everything waiting goes up in sequence order.
  // Without it a late packet is stale and dropped, as the Linux kernel does.
  uint32_t reorder_packets = 0;
  Duration reorder_wait = milliseconds(10);
};

// pptpx's reorder window unless configured otherwise: a few packets, a few
// milliseconds (pptp-linux waits 0.3 s, which stalls TCP behind every lost
// packet). pptpd.conf's reorder-timeout default is the same 10 ms.
inline constexpr uint32_t kDefaultReorderPackets = 8;
inline constexpr Duration kDefaultReorderWait = milliseconds(10);

// Largest payload the reorder window holds (a full PPP frame at MRU 1500
// plus MPPE and framing fits easily); larger ones skip the window.
inline constexpr size_t kReorderSlotSize = 1600;

// How far past the last accepted sequence number a packet may be and still
// be taken as ordinary loss (docs/resilience.md, section 9): the furthest the
// stateless MPPE key search reaches. A packet further ahead skips the
// reorder window and is "far ahead": accepted like any other only once its
// payload validates (see reject()), and counted either way.
inline constexpr uint32_t kMaxForwardJump = 65536;

enum class Verdict {
  kDeliver,    // pass the payload to PPP
  kAckOnly,    // no payload; the ack was processed
  kDuplicate,  // same seq as the last accepted: dropped
  kStale,      // older than the last accepted: dropped
  kHeld,       // ahead of a gap: copied into the reorder window (see take_released)
};

struct TxFields {
  uint32_t seq = 0;
  bool has_ack = false;
  uint32_t ack = 0;
};

struct ChannelStats {
  uint64_t rx_delivered = 0;
  uint64_t rx_ack_only = 0;
  uint64_t rx_duplicates = 0;
  uint64_t rx_stale = 0;
  uint64_t rx_stale_echo_delivered = 0;
  uint64_t rx_lost = 0;           // gaps in the accepted sequence numbers
  uint64_t rx_held = 0;           // reorder window: packets that waited for a gap
  uint64_t rx_late_in_order = 0;  // ...late packets that still went up in order
  uint64_t rx_gaps_skipped = 0;   // ...gaps given up (wait over, window full, far jump)
  uint64_t rx_too_big = 0;        // reorder window: payload larger than a slot, dropped
  uint64_t rx_invalid = 0;        // accepted, then reject()ed: payload failed validation
  uint64_t rx_invalid_far = 0;    // ...of which more than kMaxForwardJump ahead
  uint64_t rx_far_accepted = 0;   // more than kMaxForwardJump ahead and validated
  uint64_t rx_acks = 0;
  uint64_t rx_bad_acks = 0;  // acknowledging a number we never sent
  uint64_t tx_data = 0;
  uint64_t tx_acks_piggybacked = 0;
  uint64_t tx_ack_only = 0;
  uint64_t tx_over_window = 0;  // sent with more than peer_window unacked (never blocked)
  uint64_t max_unacked = 0;
};

class Channel {
 public:
  explicit Channel(const ChannelConfig& cfg) : cfg_(cfg) {}

  // Takes a parsed packet addressed to this call. kDeliver: pass `payload`
  // on now; then, as after every call, drain take_released(). Acks are
  // taken from packets delivered (or released) and from ack-only packets,
  // never from stale or duplicate ones.
  Verdict on_receive(const Header& h, ByteView payload, Time now);
  // The next packet out of the reorder window that may go up now, in
  // sequence order; the view lies in the channel's own memory and stays
  // valid until the next on_receive() or take_released(). Call until empty
  // after each on_receive() and at next_deadline().
  std::optional<MutableByteView> take_released(Time now);
  // The payload last delivered by on_receive() or take_released() failed
  // validation (it does not decrypt, or is no well-formed IP or control
  // frame): the sequence number, acknowledgment and ack state go back to
  // what they were before it, and it is counted in rx_invalid. A no-op
  // unless called right after that delivery, before the next on_receive()
  // or take_released(). Callers that never call it get the old behaviour.
  void reject();
  // The payload last delivered was more than kMaxForwardJump ahead: it must
  // validate on its own (nothing in the receive state vouches for it).
  bool delivered_far_ahead() const { return undo_.valid && undo_.far; }
  // The last accepted sequence number (the packet just delivered, until it
  // is rejected).
  uint32_t rx_seq() const { return rx_seq_; }

  // Fields for the next outgoing data packet (consumes a sequence number and
  // any pending ack).
  TxFields next_data(Time now);
  // The same as a complete header for a payload of payload_length octets.
  Header next_data_header(uint16_t payload_length, Time now);

  // When an ack-only packet becomes due (kNever if no ack is pending).
  Time next_deadline() const;
  // Returns the ack-only header to send if one is due at now.
  std::optional<Header> on_timer(Time now);

  void set_peer_window(uint16_t w) { cfg_.peer_window = w; }
  uint32_t unacked() const { return tx_seq_ - ack_recv_; }
  const ChannelStats& stats() const { return stats_; }

 private:
  void process_ack(uint32_t ack);
  void note_received(Time now);
  Verdict behind(const Header& h, ByteView payload);
  Verdict hold(const Header& h, ByteView payload, Time now);
  void accept(uint32_t seq, bool has_ack, uint32_t ack, bool far, Time now, bool note);

  struct Held {
    uint32_t seq = 0;
    uint16_t len = 0;
    Time at{};
    bool used = false;
    bool has_ack = false;
    uint32_t ack = 0;
  };
  Held* lowest_held();
  bool next_in_order(uint32_t seq) const;
  // What accept() changed, for reject().
  struct Undo {
    bool valid = false;
    bool far = false;
    bool rx_started = false;
    uint32_t rx_seq = 0;
    uint32_t ack_recv = 0;
    bool ack_pending = false;
    uint32_t pending_count = 0;
    Time ack_pending_since{};
    uint64_t rx_lost = 0;
    uint64_t rx_gaps_skipped = 0;
    uint64_t rx_acks = 0;
    uint64_t rx_bad_acks = 0;
  };

  ChannelConfig cfg_;
  ChannelStats stats_;
  uint32_t tx_seq_ = 0;    // last sent; the first packet gets 1
  uint32_t ack_recv_ = 0;  // highest of ours the peer acknowledged
  bool rx_started_ = false;
  uint32_t rx_seq_ = 0;  // last accepted
  bool ack_pending_ = false;
  uint32_t pending_count_ = 0;
  Time ack_pending_since_{};
  // Reorder window: reorder_packets + 1 slots, allocated at the first hold.
  std::vector<uint8_t> slot_memory_;
  std::vector<Held> held_;
  uint32_t held_count_ = 0;
  bool force_ = false;  // release up to force_through_ whatever the gaps
  uint32_t force_through_ = 0;
  Undo undo_;
  // The last packet rejected in the window: the reorder window does not
  // wait for a gap it leaves (rx_seq_ stays, so its genuine twin is taken).
  bool rejected_valid_ = false;
  uint32_t rejected_seq_ = 0;
};

}  // namespace pptpx::gre
