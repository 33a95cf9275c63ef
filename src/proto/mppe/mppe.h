// SPDX-License-Identifier: MIT
// MPPE per-packet transform (RFC 3078 sections 3, 7 and 8), with the receive
// rules of Linux ppp_mppe.c (docs/protocol.md, "MPPE packets", "Stateless
// MPPE" and "Stateful MPPE"): coherency count, stateless and stateful key
// changes, flush (A bit) and loss handling. Works in place on caller-owned
// buffers; nothing is allocated after construction.
//
// One Encryptor per transmit direction, one Decryptor per receive direction,
// each built from that direction's start key (crypto::MppeStartKeys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "base/bytes.h"
#include "crypto/crypto.h"

namespace pptpx::mppe {

inline constexpr size_t kHeaderSize = 2;
inline constexpr uint8_t kBitFlushed = 0x80;     // A: RC4 re-initialised before this packet
inline constexpr uint8_t kBitCompressed = 0x20;  // C: MPPC, never produced or accepted here
inline constexpr uint8_t kBitEncrypted = 0x10;   // D
inline constexpr uint16_t kCountSpace = 4096;

struct Settings {
  int bits = 128;         // 40, 56 or 128
  bool stateless = true;  // CCP MPPE option H bit
  // Stateless receive: how far ahead (key changes) a packet is taken at once,
  // unpaid. Without ip_only, a packet further ahead is dropped (Linux allows
  // 2048); with ip_only, further steps are searched under a budget (see
  // Decryptor).
  uint16_t max_forward_jump = 1024;
  // What travels is IP only (as in pptpx's data path), so a packet that does
  // not decrypt to an IPv4/IPv6 header fitting its length means the keys are
  // out of step. Stateful: otherwise only a protocol number outside
  // 0x21..0xFA does (about 4 in 7 wrong-key packets). Stateless: only with
  // ip_only are wrong keys noticed and loss bursts of any length recovered.
  bool ip_only = false;
};

// Octets of start key the constructor reads: 8 for 40/56-bit, 16 for 128-bit.
inline constexpr size_t key_length(int bits) { return bits == 128 ? 16 : 8; }

// A direction's key schedule: start key, current session key, RC4 state.
class KeyState {
 public:
  KeyState(const uint8_t* start_key, int bits);
  ~KeyState();
  KeyState(KeyState&&) noexcept;
  KeyState& operator=(KeyState&&) noexcept;

  // RFC 3078 7: GetNewKeyFromSHA, RC4 self-encryption, reduction, RC4 re-init.
  void change();
  // Takes o's keys (same start key and strength) and re-initialises RC4.
  void copy_keys_from(const KeyState& o);
  // RC4 re-initialised with the current session key.
  void restart_rc4() { rc4_.set_key(ByteView(session_, n_)); }
  // Takes o's session key only, leaving RC4 stale: for a chain walk whose
  // next step is change(), which re-initialises RC4 itself.
  void copy_session_from(const KeyState& o) { std::memcpy(session_, o.session_, sizeof session_); }
  crypto::Rc4& rc4() { return rc4_; }
  const uint8_t* session_key() const { return session_; }

 private:
  uint8_t start_[16] = {};
  uint8_t session_[16] = {};
  uint8_t n_;
  int bits_;
  crypto::Rc4 rc4_;
  crypto::Sha1 sha_;
};

class Encryptor {
 public:
  Encryptor(const uint8_t* start_key, Settings settings);

  // buf points at where the 2-octet MPPE header goes; buf[2..len) holds
  // [inner protocol (1 or 2 octets) | payload]. Encrypts in place and writes
  // the header. The caller sends only protocols 0x0021..0x00FA through here.
  // len < 3 is a caller bug and leaves buf untouched.
  void encrypt(uint8_t* buf, size_t len);
  // A CCP Reset-Request was received: rekey and set A on the next packet.
  // Several requests before the next packet cause one key change.
  void request_flush() { flush_requested_ = true; }
  // The count of the last packet sent (4095 before the first).
  uint16_t coherency_count() const { return count_; }
  uint64_t key_changes() const { return key_changes_; }

 private:
  KeyState keys_;
  Settings settings_;
  uint16_t count_ = kCountSpace - 1;
  bool flush_requested_ = false;
  uint64_t key_changes_ = 0;
};

enum class DecryptError : uint8_t {
  kNone,
  kTooShort,        // fewer than header + 1 octet
  kNotEncrypted,    // D clear
  kCompressed,      // B or C set: MPPC, which was not negotiated
  kMissingFlushed,  // stateless without A, or stateful flag packet without A
  kLate,            // stateless: count behind the last accepted one
  kDuplicate,       // stateless: same count as the last accepted one
  kJumpTooFar,      // stateless without ip_only: further ahead than max_forward_jump
  kSearching,       // stateless: after a loss, the key is not found yet (budget)
  kKeysLost,        // stateless: not found within kMaxSearch steps: renegotiate CCP
  kOutOfSequence,   // stateful: loss or reordering detected, now discarding
  kDiscarding,      // stateful: waiting for a packet with A after a loss
  kGarbled,         // decrypted to no PPP protocol / IP packet: keys out of step
};

const char* to_string(DecryptError e);

struct DecryptResult {
  DecryptError error = DecryptError::kNone;
  MutableByteView plaintext;  // [inner protocol | payload], inside the input buffer
  bool ok() const { return error == DecryptError::kNone; }
};

struct DecryptStats {
  uint64_t decrypted = 0;
  uint64_t too_short = 0;
  uint64_t not_encrypted = 0;
  uint64_t compressed = 0;
  uint64_t missing_flushed = 0;
  uint64_t late = 0;
  uint64_t duplicate = 0;
  uint64_t jump_too_far = 0;
  uint64_t searching = 0;     // stateless: dropped while the key search goes on
  uint64_t keys_lost = 0;     // stateless: dropped after the search gave up (CCP must start over)
  uint64_t search_steps = 0;  // stateless: key changes spent searching (paid)
  uint64_t key_work = 0;      // every key change computed, wasted ones included
  uint64_t out_of_sequence = 0;
  uint64_t discarded = 0;
  uint64_t garbled = 0;
  uint64_t key_changes = 0;
  uint64_t resyncs = 0;          // stateful: flushed packets that ended a discard;
                                 // stateless: packets found by the key search
  uint64_t resync_extra = 0;     // stateful: ...of which needed unseen key changes guessed
  uint64_t lengths_guessed = 0;  // stateful: losses bridged by guessing the lost lengths
  // decrypt_untrusted(): packets refused (each also counted by its reason
  // above) with the decryptor left as it was.
  uint64_t untrusted_refused = 0;

  DecryptStats& operator+=(const DecryptStats& o);
};

class Decryptor {
 public:
  using Result = DecryptResult;
  using Stats = DecryptStats;

  Decryptor(const uint8_t* start_key, Settings settings);

  // data = one MPPE packet (header + ciphertext), the payload of PPP protocol
  // 0x00FD. On success decrypts in place. On failure the packet is left as it
  // was (or partly consumed, never decrypted with a wrong key) and counted.
  Result decrypt(MutableByteView data);
  // For a packet nothing vouches for (it came far ahead of the GRE sequence:
  // likely forged): decrypted like decrypt(), but on a copy in scratch, and
  // taken only when it decrypts to a well-formed IPv4 packet (header checksum
  // included); then data is decrypted in place as decrypt() would. Refused,
  // it leaves the decryptor exactly as it was - count, keys, RC4 stream, the
  // loss and search state, the error score, a Reset-Request - apart from the
  // counters; its key changes, none of them free, come out of max_steps (at
  // most kMaxStepsPerPacket), not the decryptor's budgets. Stateful: only a
  // flushed packet (A set) can be checked without the RC4 stream; others are
  // refused at once. A packet larger than scratch is refused.
  Result decrypt_untrusted(MutableByteView data, MutableByteView scratch, uint32_t max_steps);
  // Stateful mode: true once after loss was detected; the PPP layer then sends
  // a CCP Reset-Request.
  bool take_reset_request();
  // Stateful mode: true once after packets were dropped while waiting for the
  // peer's flush. The request or the flushed packet may have been lost: the
  // PPP layer resends the Reset-Request (the data path after 100 ms; pppd
  // waits a second).
  bool take_discard_report();
  bool discarding() const { return discard_; }
  // Stateless with ip_only: the key search gave up (the peer is more than
  // kMaxStatelessSearch key changes ahead, or we lost step for another reason): only
  // fresh keys (CCP negotiated again) bring this direction back. Sticky.
  bool keys_lost() const { return keys_lost_; }
  // Stateless search limits, in key changes (each about 1-2 us): a packet
  // pays nothing for the first kFreeSteps; beyond that every step spends the
  // budget, which each received packet adds kBudgetPerPacket to, up to
  // kMaxBudget; one packet spends at most kMaxStepsPerPacket, so the loop is
  // never held for long. kMaxStatelessSearch: the furthest the search goes.
  static constexpr uint32_t kFreeSteps = 16;
  static constexpr uint32_t kBudgetPerPacket = 16;
  static constexpr uint32_t kMaxBudget = 65536;
  static constexpr uint32_t kMaxStepsPerPacket = 4096;
  static constexpr uint64_t kMaxStatelessSearch = 65536;
  // Linux's sanity score: +100 per malformed packet, halved by each good one.
  // Past kFatalErrorScore pppd gives up ("Too many MPPE errors").
  static constexpr uint32_t kFatalErrorScore = 1600;
  bool too_many_errors() const { return error_score_ >= kFatalErrorScore; }
  // The count of the last accepted packet (4095 before the first).
  uint16_t coherency_count() const { return count_; }
  const Stats& stats() const { return stats_; }

 private:
  Result fail(DecryptError e, bool sanity);
  void change_key();
  void step(KeyState& k);
  void resync(ByteView packet, int block_changes);
  bool guess_lost_lengths(MutableByteView data, uint16_t count, uint16_t lost);
  Result decrypt_stateless(MutableByteView data, uint16_t count);
  Result decrypt_stateless_as_counted(MutableByteView data, uint16_t count, uint16_t ahead);
  bool pay_for_count_as_is(uint16_t ahead, bool lost);
  bool try_count_as_is(MutableByteView data, uint16_t ahead);
  Result decrypt_stateful(MutableByteView data, uint16_t count, bool flushed);
  bool on_sequence_gap(MutableByteView data, uint16_t count, uint16_t expected, bool flushed);
  void end_discard(ByteView data, uint16_t count);
  Result search_stateless(MutableByteView data, uint16_t count, uint64_t first);
  void start_search(uint64_t offset);
  Result accept(MutableByteView data);
  Result refuse_untrusted(DecryptError e);

  // What decrypt_untrusted() puts back when it refuses a packet (keys_ and
  // search_'s key are kept aside in stash_ and search_stash_).
  struct Saved {
    uint16_t count;
    bool discard, reset_request, discard_report, search_valid, keys_lost;
    uint32_t error_score, fails_in_row;
    uint64_t rc4_pos, search_off;
  };
  Saved save() const;
  // The resync budget after one more received packet.
  static uint32_t grown_budget(uint32_t b);
  void restore(const Saved& s);

  KeyState keys_;
  KeyState trial_;  // resync guesses, so nothing is allocated per packet
  Settings settings_;
  uint16_t count_ = kCountSpace - 1;
  bool discard_ = false;
  // Resync guesses beyond the first few (see resync): a reserve of 32 turns
  // of the count for a fresh or quiet link, then what received packets add.
  uint32_t search_budget_ = 512;
  // Stateful: octets of RC4 key stream used since the last key change or
  // flush, and room to regenerate the stream a few lost packets took.
  uint64_t rc4_pos_ = 0;
  static constexpr uint16_t kMaxGuessLost = 4;
  static constexpr size_t kGuessSpan = size_t{kMaxGuessLost} * 1600;
  uint8_t stream_[kGuessSpan + 8];
  bool reset_request_ = false;
  bool discard_report_ = false;
  uint32_t error_score_ = 0;
  // Stateless search: a key state walked ahead of keys_ by search_off_
  // changes, kept across packets while the search goes on.
  KeyState search_;
  bool search_valid_ = false;
  bool search_rc4_fresh_ = false;
  uint64_t search_off_ = 0;
  uint32_t stateless_budget_ = kMaxBudget;
  uint32_t fails_in_row_ = 0;
  bool keys_lost_ = false;
  // decrypt_untrusted() is running: no free steps, no budget refill.
  bool untrusted_ = false;
  KeyState stash_;
  KeyState search_stash_;
  Stats stats_;
};

}  // namespace pptpx::mppe
