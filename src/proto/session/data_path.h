// SPDX-License-Identifier: MIT
// One call's per-packet path, shared by the server and the client: GRE
// sequence state, PPP framing (ACFC/PFC) and MPPE, applied in place on
// caller-owned buffers. No allocation and no virtual call per packet.
//
// Outbound: the caller reads an IPv4 packet into buf + kHeadroom; frame_ip()
// writes the MPPE, PPP and GRE headers in front of it and returns the whole
// GRE packet. Inbound: on_gre() runs the GRE window checks, then on_frame()
// strips PPP framing and decrypts, and says whether the result is an IP
// packet for the TUN, a control packet for the PPP session, or dropped.
// IP packets either way have the MSS of their TCP SYNs clamped to the
// tunnel (tcp_mss.h) when set_max_mss() says so.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/ip.h"
#include "base/log.h"
#include "base/time.h"
#include "proto/gre/gre.h"
#include "proto/mppe/mppe.h"

namespace pptpx::session {

// Room in front of an IP packet for GRE (16) + address/control (2) +
// protocol (2) + MPPE header (2) + inner protocol (2), rounded up.
inline constexpr size_t kHeadroom = 64;
// How long a CCP Reset-Request stands before it is repeated while packets
// are still discarded. pppd's RACKTIMEOUT is 1 s; on a lossy path the
// request or the flush answering it is lost often enough that a second of
// silence sends TCP into backoff, and a flush costs the peer next to nothing.
inline constexpr Duration kResetRepeat = milliseconds(100);

struct DataPathStats {
  // From the GRE channel (filled in by stats()): what the sequence numbers
  // and the reorder window saw.
  uint64_t gre_duplicates = 0;         // dropped by sequence: stale + duplicate + too-big
  uint64_t gre_stale = 0;              // arrived after a later one went up
  uint64_t gre_duplicate = 0;          // a sequence number seen before
  uint64_t gre_too_big = 0;            // too big for a reorder window slot
  uint64_t gre_invalid = 0;            // payload failed validation: GRE state left as it was
  uint64_t gre_invalid_far = 0;        // ...of them, more than gre::kMaxForwardJump ahead
  uint64_t gre_far_accepted = 0;       // that far ahead, validated and accepted
  uint64_t gre_lost = 0;               // gaps in the sequence numbers
  uint64_t gre_held = 0;               // waited in the reorder window
  uint64_t gre_late_in_order = 0;      // late packets the window still put in order
  uint64_t gre_gaps_skipped = 0;       // gaps the window gave up on
  uint64_t gre_delivered = 0;          // payloads passed on
  uint64_t gre_stale_echo = 0;         // stale LCP echoes passed on all the same
  uint64_t gre_ack_only_in = 0;        // ack-only packets received
  uint64_t gre_acks_in = 0;            // acknowledgments received
  uint64_t gre_bad_acks = 0;           // acknowledging a number we never sent
  uint64_t gre_data_out = 0;           // packets with a payload sent
  uint64_t gre_acks_piggybacked = 0;   // acks riding on them
  uint64_t gre_ack_only_out = 0;       // ack-only packets sent
  uint64_t gre_over_window = 0;        // sent beyond the peer's receive window (never held)
  uint64_t gre_max_unacked = 0;        // most packets unacknowledged at once (a maximum)
  uint64_t ppp_malformed = 0;          // unreadable PPP header
  uint64_t ip_malformed = 0;           // clear IP that is no well-formed IPv4 packet
  uint64_t control_unknown = 0;        // no known control protocol, or a malformed header
  uint64_t mppe_far_no_budget = 0;     // far-ahead MPPE refused undecrypted: budget spent
  uint64_t far_clear_unconfirmed = 0;  // far ahead in clear, no such packet just before
  uint64_t mppe_dropped = 0;           // decryptor refused the packet, or no MPPE yet
  uint64_t mppe_not_ip = 0;            // decrypted to something other than IPv4
  uint64_t clear_ip_dropped = 0;       // unencrypted IPv4 while MPPE is on or required
  uint64_t out_not_ipv4 = 0;           // from the TUN but not IPv4 (only IPv4 is negotiated)
  uint64_t out_no_mppe = 0;            // MPPE required but not up yet
  uint64_t tcp_mss_clamped = 0;        // TCP SYNs either way whose MSS was lowered
  // Stateful MPPE: how often the receive side lost step and came back.
  uint64_t mppe_resets_sent = 0;    // CCP Reset-Requests asked for (repeats too)
  uint64_t mppe_flushes_asked = 0;  // the peer's Reset-Requests honoured
  // The receive side gave up on its keys (see RxAction).
  uint64_t ccp_renegotiations = 0;
  uint64_t rx_dead_terminations = 0;
  // Every decryptor of the call so far, by reason of drop.
  mppe::DecryptStats mppe;

  DataPathStats& operator+=(const DataPathStats& o) {
    gre_duplicates += o.gre_duplicates;
    gre_stale += o.gre_stale;
    gre_duplicate += o.gre_duplicate;
    gre_too_big += o.gre_too_big;
    gre_invalid += o.gre_invalid;
    gre_invalid_far += o.gre_invalid_far;
    gre_far_accepted += o.gre_far_accepted;
    gre_lost += o.gre_lost;
    gre_held += o.gre_held;
    gre_late_in_order += o.gre_late_in_order;
    gre_gaps_skipped += o.gre_gaps_skipped;
    gre_delivered += o.gre_delivered;
    gre_stale_echo += o.gre_stale_echo;
    gre_ack_only_in += o.gre_ack_only_in;
    gre_acks_in += o.gre_acks_in;
    gre_bad_acks += o.gre_bad_acks;
    gre_data_out += o.gre_data_out;
    gre_acks_piggybacked += o.gre_acks_piggybacked;
    gre_ack_only_out += o.gre_ack_only_out;
    gre_over_window += o.gre_over_window;
    gre_max_unacked = std::max(gre_max_unacked, o.gre_max_unacked);
    ppp_malformed += o.ppp_malformed;
    ip_malformed += o.ip_malformed;
    control_unknown += o.control_unknown;
    mppe_far_no_budget += o.mppe_far_no_budget;
    far_clear_unconfirmed += o.far_clear_unconfirmed;
    mppe_dropped += o.mppe_dropped;
    mppe_not_ip += o.mppe_not_ip;
    clear_ip_dropped += o.clear_ip_dropped;
    out_not_ipv4 += o.out_not_ipv4;
    out_no_mppe += o.out_no_mppe;
    tcp_mss_clamped += o.tcp_mss_clamped;
    mppe_resets_sent += o.mppe_resets_sent;
    mppe_flushes_asked += o.mppe_flushes_asked;
    ccp_renegotiations += o.ccp_renegotiations;
    rx_dead_terminations += o.rx_dead_terminations;
    mppe += o.mppe;
    return *this;
  }
};

// The MPPE receive counters as the server's and the client's stats lines
// show them: every drop by its reason, resyncs, Reset-Requests, the key
// search and CCP renegotiations.
std::string describe_mppe(const DataPathStats& d);
// "GRE in: stale N duplicate N lost N | reorder window: held N late-in-order N gaps-skipped N
// too-big N"
std::string describe_gre(const DataPathStats& d);
// "GRE flow in: delivered N stale-echo N ack-only N acks N bad-acks N | out: data N ..."
std::string describe_gre_flow(const DataPathStats& d);

// How long the receive direction may fail, with the peer still sending,
// before the keys are renegotiated (CCP), and how many renegotiations that
// bring nothing back end the link.
inline constexpr Duration kRxDeadAfter = seconds(2);
inline constexpr uint32_t kRxDeadMinPackets = 8;
inline constexpr uint32_t kMaxCcpRenegotiations = 2;

// What the call should do about a receive direction that keeps failing.
enum class RxAction {
  kNone,
  kRenegotiateCcp,  // fresh keys: CCP Configure-Request on the open link
  kTerminate,       // renegotiating did not help: LCP Terminate, persist redials
};

// What the raw GRE socket delivered that is not enhanced GRE at all.
struct IngressStats {
  uint64_t not_gre = 0;    // not IPv4, or not IP protocol 47
  uint64_t malformed = 0;  // gre::parse refused it...
  gre::ParseStats why;     // ...for these reasons
};
// "malformed GRE: truncated N protocol N version N flags N no-key N length N no-seq N empty N"
std::string describe_ingress(const IngressStats& s);

// Packets that arrive more than gre::kMaxForwardJump ahead are checked on
// their own (mppe::Decryptor::decrypt_untrusted); the key changes that costs
// come out of a per-call budget refilled with time: at most
// kFarStepsPerSecond a second after a burst of kFarStepBurst, and
// kFarStepsPerPacket for one packet (docs/resilience.md, section 9).
inline constexpr uint32_t kFarStepsPerSecond = 4096;
inline constexpr uint32_t kFarStepBurst = 8192;
inline constexpr uint32_t kFarStepsPerPacket = 2048;
// Largest GRE payload checked far ahead (a copy is decrypted first).
inline constexpr size_t kFarScratchSize = 2048;

struct GreDatagram {
  Ipv4 src;
  gre::Header header;
  MutableByteView payload;  // inside the datagram: decrypted in place later
};

// Parses one raw-socket datagram (IPv4 header + enhanced GRE) in the
// caller's receive buffer; nullopt, with the reason counted and, for
// malformed GRE, logged at debug.
std::optional<GreDatagram> parse_gre_datagram(MutableByteView datagram, IngressStats& stats,
                                              const Logger& log);

class DataPath {
 public:
  explicit DataPath(const gre::ChannelConfig& cfg) : gre_(cfg) {}

  gre::Channel& gre() { return gre_; }
  // Counters so far, the running decryptor's included.
  DataPathStats stats() const;
  // When the data path next needs on_timer-style attention: GRE acks and
  // Reset-Request repeats.
  Time next_deadline() const;

  // Framing agreed by LCP for what we send.
  void set_framing(bool acfc, bool pfc) {
    acfc_ = acfc;
    pfc_ = pfc;
  }
  // With MPPE required, no IP goes either way in clear.
  void set_mppe_required(bool required) { mppe_required_ = required; }
  // TCP MSS clamping: SYNs either way leave here with an MSS of at most
  // max_mss (counted in tcp_mss_clamped); 0 turns it off.
  void set_max_mss(uint16_t max_mss) { max_mss_ = max_mss; }
  uint16_t max_mss() const { return max_mss_; }
  void start_mppe(const uint8_t* send_key, const uint8_t* recv_key, mppe::Settings s);
  void stop_mppe();
  bool mppe_active() const { return enc_.has_value(); }
  // The peer sent a CCP Reset-Request: rekey and flush on the next packet.
  void request_flush() {
    if (!enc_) return;
    enc_->request_flush();
    stats_.mppe_flushes_asked++;
  }
  // Stateful MPPE lost sync: the PPP session should send a Reset-Request.
  // At once after a loss. If packets are still being discarded after that
  // (our request or the peer's flushed packet was lost), once more when
  // kResetRepeat has passed, as pppd's RACKTIMEOUT with RREQ_REPEAT: from
  // the next packet or from the timer (next_deadline()), whichever is later.
  bool take_reset_request(Time now);
  bool too_many_mppe_errors() const { return dec_ && dec_->too_many_errors(); }
  // Receive health (docs/resilience.md, section 2): when MPPE packets keep
  // arriving and none has decrypted for kRxDeadAfter (or the stateless key
  // search gave up), asks once for a CCP renegotiation; once
  // kMaxCcpRenegotiations brought no good packet, for the end of the link.
  // why: the cause, for the log.
  RxAction take_rx_action(Time now, std::string* why);

  // ---- inbound ----
  // GRE window checks for a packet already addressed to this call: true when
  // its payload should go on to on_frame() now. Either way, then drain
  // take_released(): packets out of the reorder window, in order.
  bool on_gre(const gre::Header& h, ByteView payload, Time now);
  std::optional<MutableByteView> take_released(Time now) { return gre_.take_released(now); }

  struct Inbound {
    enum Kind { kIp, kControl, kDropped } kind = kDropped;
    uint16_t protocol = 0;    // kControl: the PPP protocol
    ByteView data;            // kIp: the IPv4 packet; kControl: the information field
    const char* reason = "";  // kDropped
  };
  // frame is the GRE payload, inside the caller's receive buffer (decrypted in place).
  // The GRE packet on_gre() or take_released() just passed on changes the
  // GRE state (sequence number, ack) only when this validates it: an MPPE
  // packet that decrypts to IPv4, a well-formed IPv4 packet in clear, or a
  // well-formed frame of a known control protocol. Anything else is dropped
  // and the GRE state left as before (gre_invalid) - except a frame of an
  // unknown protocol, which PPP still gets (to Protocol-Reject it) unless it
  // came far ahead. Far ahead (gre::kMaxForwardJump), MPPE is checked on a
  // copy (decrypt_untrusted, budgeted), clear IP needs its header checksum,
  // a control frame a defined code and an exact length, and a packet in
  // clear is taken only when it follows another such one (an LCP echo goes
  // up all the same, as a stale one does).
  Inbound on_frame(MutableByteView frame, Time now);

  // ---- outbound ----
  // buf[kHeadroom, kHeadroom + ip_len) holds a packet read from the TUN.
  // Returns the complete GRE packet inside buf, or an empty span if dropped.
  ByteView frame_ip(uint8_t* buf, size_t ip_len, Time now);
  // Copies a PPP control frame behind kHeadroom in buf (cap octets) and adds
  // the GRE header; empty if it does not fit.
  ByteView frame_control(uint8_t* buf, size_t cap, ByteView ppp_frame, Time now);
  // An ack-only GRE packet in buf if one is due now, else empty.
  ByteView ack_only(uint8_t* buf, Time now);

 private:
  Inbound decode(MutableByteView frame, bool far, Time now);
  bool far_clear_confirmed(uint32_t seq);
  Inbound on_mppe(MutableByteView info, bool far, Time now);
  mppe::DecryptResult decrypt_far(MutableByteView info, Time now);
  Inbound on_clear_ip(MutableByteView info, bool far);
  Inbound on_control(uint16_t protocol, MutableByteView info, bool far);
  ByteView add_gre(uint8_t* ppp_start, size_t ppp_len, Time now);
  void clamp_mss(MutableByteView ip);

  gre::Channel gre_;
  std::optional<mppe::Encryptor> enc_;
  std::optional<mppe::Decryptor> dec_;
  bool acfc_ = false;
  bool pfc_ = false;
  bool mppe_required_ = false;
  uint16_t max_mss_ = 0;  // 0: no MSS clamping
  Time next_reset_{};
  bool repeat_pending_ = false;  // packets discarded since the last request
  // Receive health: MPPE packets refused since the last one that decrypted.
  uint32_t rx_bad_ = 0;
  Time rx_first_bad_{};
  bool rx_action_taken_ = false;    // for this decryptor
  uint32_t rx_renegotiations_ = 0;  // since the last good packet
  // Far-ahead packets: key changes left, refilled with time (from far_at_);
  // below zero after a packet that spent more than it had (stateful resync
  // guesses are bounded by the decryptor's own budget): paid back first.
  int64_t far_budget_ = kFarStepBurst;
  Time far_at_{};
  std::array<uint8_t, kFarScratchSize> scratch_{};
  bool vouched_ = false;  // on_frame(): MPPE decrypted the packet
  // The last far-ahead packet in clear that validated, not taken.
  bool far_clear_pending_ = false;
  uint32_t far_clear_seq_ = 0;
  DataPathStats stats_;
};

}  // namespace pptpx::session
