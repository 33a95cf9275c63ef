// SPDX-License-Identifier: MIT
// MPPE transform; see mppe.h. RFC 3078 sections 3, 7 and 8, with the
// sender and receiver behaviour of Linux drivers/net/ppp/ppp_mppe.c.
#include "proto/mppe/mppe.h"

#include <algorithm>
#include <cstring>

#include "base/ct.h"
#include "base/ip.h"
#include "crypto/mppe_keys.h"

namespace pptpx::mppe {

KeyState::KeyState(const uint8_t* start_key, int bits)
    : n_(static_cast<uint8_t>(key_length(bits))), bits_(bits) {
  std::memcpy(start_, start_key, n_);
  // RFC 3079 3.4/3.5: the initial session key has no RC4 self-encryption step.
  crypto::get_new_key_from_sha(sha_, start_, start_, n_, session_);
  crypto::reduce_key(session_, bits_);
  rc4_.set_key(ByteView(session_, n_));
}

KeyState::~KeyState() {
  secure_zero(start_, sizeof start_);
  secure_zero(session_, sizeof session_);
}

KeyState::KeyState(KeyState&& o) noexcept
    : n_(o.n_), bits_(o.bits_), rc4_(std::move(o.rc4_)), sha_(std::move(o.sha_)) {
  std::memcpy(start_, o.start_, sizeof start_);
  std::memcpy(session_, o.session_, sizeof session_);
  secure_zero(o.start_, sizeof o.start_);
  secure_zero(o.session_, sizeof o.session_);
}

KeyState& KeyState::operator=(KeyState&& o) noexcept {
  if (this != &o) {
    n_ = o.n_;
    bits_ = o.bits_;
    rc4_ = std::move(o.rc4_);
    sha_ = std::move(o.sha_);
    std::memcpy(start_, o.start_, sizeof start_);
    std::memcpy(session_, o.session_, sizeof session_);
    secure_zero(o.start_, sizeof o.start_);
    secure_zero(o.session_, sizeof o.session_);
  }
  return *this;
}

void KeyState::copy_keys_from(const KeyState& o) {
  n_ = o.n_;
  bits_ = o.bits_;
  std::memcpy(start_, o.start_, sizeof start_);
  std::memcpy(session_, o.session_, sizeof session_);
  restart_rc4();
}

void KeyState::change() {
  uint8_t interim[16];
  crypto::get_new_key_from_sha(sha_, start_, session_, n_, interim);
  std::memcpy(session_, interim, n_);
  rc4_.set_key(ByteView(interim, n_));
  rc4_.apply(session_, n_);
  crypto::reduce_key(session_, bits_);
  rc4_.set_key(ByteView(session_, n_));
  secure_zero(interim, sizeof interim);
}

Encryptor::Encryptor(const uint8_t* start_key, Settings settings)
    : keys_(start_key, settings.bits), settings_(settings) {}

void Encryptor::encrypt(uint8_t* buf, size_t len) {
  if (len < kHeaderSize + 1) return;
  count_ = static_cast<uint16_t>((count_ + 1) % kCountSpace);
  uint8_t bits = kBitEncrypted;
  // Stateless: new key every packet (the first too). Stateful: at each "flag"
  // packet (low octet 0xff) and after a Reset-Request. Either way A tells the
  // receiver the RC4 state was re-initialised.
  if (settings_.stateless || (count_ & 0xff) == 0xff || flush_requested_) {
    keys_.change();
    ++key_changes_;
    flush_requested_ = false;
    bits |= kBitFlushed;
  }
  buf[0] = static_cast<uint8_t>(bits | (count_ >> 8));
  buf[1] = static_cast<uint8_t>(count_);
  keys_.rc4().apply(buf + kHeaderSize, len - kHeaderSize);
}

DecryptStats& DecryptStats::operator+=(const DecryptStats& o) {
  decrypted += o.decrypted;
  too_short += o.too_short;
  not_encrypted += o.not_encrypted;
  compressed += o.compressed;
  missing_flushed += o.missing_flushed;
  late += o.late;
  duplicate += o.duplicate;
  jump_too_far += o.jump_too_far;
  searching += o.searching;
  keys_lost += o.keys_lost;
  search_steps += o.search_steps;
  key_work += o.key_work;
  out_of_sequence += o.out_of_sequence;
  discarded += o.discarded;
  garbled += o.garbled;
  key_changes += o.key_changes;
  resyncs += o.resyncs;
  resync_extra += o.resync_extra;
  lengths_guessed += o.lengths_guessed;
  untrusted_refused += o.untrusted_refused;
  return *this;
}

const char* to_string(DecryptError e) {
  switch (e) {
    case DecryptError::kNone: return "ok";
    case DecryptError::kTooShort: return "too short";
    case DecryptError::kNotEncrypted: return "encrypted bit clear";
    case DecryptError::kCompressed: return "MPPC compressed";
    case DecryptError::kMissingFlushed: return "flushed bit missing";
    case DecryptError::kLate: return "late packet";
    case DecryptError::kDuplicate: return "duplicate coherency count";
    case DecryptError::kJumpTooFar: return "coherency count jump too far";
    case DecryptError::kSearching: return "searching for the key after a loss";
    case DecryptError::kKeysLost: return "receive keys lost (CCP must be renegotiated)";
    case DecryptError::kOutOfSequence: return "out of sequence";
    case DecryptError::kDiscarding: return "discarding until flushed";
    case DecryptError::kGarbled: return "decrypted to garbage (keys out of step)";
  }
  return "?";
}

namespace {

// Stateful mode carries no key index, only the count's block (high 4 bits):
// a flushed packet lost inside a block, or more than 4096 packets lost,
// leaves the receiver key changes behind for good (Linux has the same
// hole). The plaintext tells. Any MPPE payload starts with a PPP protocol
// number of the 0x21..0xFA range:
bool plausible_protocol(const uint8_t* p, size_t n) {
  auto ok = [](uint8_t v) { return v >= 0x21 && v <= 0xfa && (v & 1); };
  if (n >= 1 && ok(p[0])) return true;
  return n >= 2 && p[0] == 0 && ok(p[1]);
}

// Much stronger: protocol 0x21 / 0x57 (with or without PFC) and an IP
// header whose length fits what arrived. exact: the header's length must be
// all that arrived - for choosing among key guesses, where a wrong key then
// passes about once in 2^28 tries; otherwise a peer's padding is allowed -
// for noticing keys out of step (Settings::ip_only), where garbage passes
// about once in 300 000 packets.
constexpr size_t kPeek = 8;  // 2 protocol octets + the 6 header octets read
bool ip_plaintext(const uint8_t* p, size_t peeked, size_t total, bool exact) {
  size_t proto_len = (peeked >= 1 && (p[0] & 1)) ? 1 : 2;
  if (peeked < proto_len + 6 || total < proto_len) return false;
  uint16_t proto = proto_len == 1 ? p[0] : static_cast<uint16_t>(p[0] << 8 | p[1]);
  const uint8_t* ip = p + proto_len;
  const size_t len = total - proto_len;
  size_t says = 0;
  if (proto == 0x21) {
    if ((ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5) return false;
    says = get_u16(ip + 2);
    if (says < 20) return false;
  } else if (proto == 0x57) {
    if ((ip[0] >> 4) != 6) return false;
    says = 40 + static_cast<size_t>(get_u16(ip + 4));
  } else {
    return false;
  }
  return exact ? says == len : says <= len;
}

// Resync guesses, beyond Linux's count: key changes we could not see -
// flushed packets lost (each Reset-Request we or a bad guess caused adds
// one), or whole turns of the 12-bit count (16 flag packets each) lost in
// an outage. The first kFreeGuesses are always tried; beyond them, each
// guess spends one unit of a budget that every packet received adds to, so
// a peer cannot make us run the long search for every two packets it sends.
constexpr int kFreeGuesses = 4;
// Stateless: a packet this far behind the last one is late (reordered), not
// a whole turn of the count ahead - unless the packets before it were all
// refused too, which means we lost step.
constexpr uint16_t kLateWindow = 64;
constexpr uint32_t kLostAfter = 4;
constexpr uint32_t kMaxSearch = 32 * 16;  // 32 turns of the count
constexpr uint32_t kMaxSearchBudget = 2048;

}  // namespace

Decryptor::Decryptor(const uint8_t* start_key, Settings settings)
    : keys_(start_key, settings.bits),
      trial_(start_key, settings.bits),
      settings_(settings),
      search_(start_key, settings.bits),
      stash_(start_key, settings.bits),
      search_stash_(start_key, settings.bits) {}

void Decryptor::resync(ByteView packet, int block_changes) {
  // The flushed packet's own key change and one per flag packet the count
  // says we missed, then one more at a time: take the first guess whose
  // plaintext is a whole IP packet, else Linux's count.
  uint8_t peek[kPeek];
  const size_t total = packet.size() - kHeaderSize;
  const size_t n = std::min(sizeof peek, total);
  const int base = block_changes + 1;
  const int guesses = kFreeGuesses + static_cast<int>(std::min(search_budget_, kMaxSearch));
  trial_.copy_keys_from(keys_);
  for (int i = 0; i < base; ++i) step(trial_);
  for (int g = 0;; ++g) {
    std::memcpy(peek, packet.data() + kHeaderSize, n);
    trial_.rc4().apply(peek, n);
    if (ip_plaintext(peek, n, total, /*exact=*/true)) {
      trial_.restart_rc4();
      std::swap(keys_, trial_);
      stats_.key_changes += static_cast<uint64_t>(base + g);
      if (g > 0) ++stats_.resync_extra;
      if (g >= kFreeGuesses) search_budget_ -= static_cast<uint32_t>(g + 1 - kFreeGuesses);
      return;
    }
    if (g + 1 == guesses) break;
    step(trial_);
  }
  if (guesses > kFreeGuesses) search_budget_ -= static_cast<uint32_t>(guesses - kFreeGuesses);
  for (int i = 0; i < base; ++i) change_key();
}

// Stateful: the RC4 stream runs on across packets, so a lost packet leaves
// the receiver not knowing how far the stream moved - only by its length,
// which the packet took with it. Rather than drop everything until the
// peer's flush (a Reset-Request round trip, and TCP backs off meanwhile),
// try every length the lost packets may have had: with the key stream the
// next few thousand octets hold, the received packet must decrypt to a
// whole IP packet at exactly one offset (a wrong one passes about once in
// 2^28 tries, kGuessSpan tries a loss). Only when no flag packet (a key
// change) was lost; a lost flush shows as no match. Each try costs
// kGuessCost of the resync budget. On failure the stream is left spent,
// which is harmless: the caller discards until the flush anyway.
bool Decryptor::guess_lost_lengths(MutableByteView data, uint16_t count, uint16_t lost) {
  constexpr uint32_t kGuessCost = 16;
  if (lost == 0 || lost > kMaxGuessLost || search_budget_ < kGuessCost) return false;
  for (uint16_t c = count_; c != count; c = static_cast<uint16_t>((c + 1) % kCountSpace))
    if ((c & 0xff) == 0xff) return false;  // a key change went missing
  search_budget_ -= kGuessCost;
  const size_t total = data.size() - kHeaderSize;
  const size_t n = std::min(kPeek, total);
  std::memset(stream_, 0, sizeof stream_);
  keys_.rc4().apply(stream_, sizeof stream_);
  constexpr size_t kMinLost = 21;  // protocol and an IPv4 header
  uint8_t peek[kPeek];
  for (size_t o = kMinLost * lost; o + n <= sizeof stream_; ++o) {
    for (size_t i = 0; i < n; ++i) peek[i] = data[kHeaderSize + i] ^ stream_[o + i];
    if (!ip_plaintext(peek, n, total, /*exact=*/true)) continue;
    // Found: the stream at rc4_pos_ + o, regenerated from the key.
    keys_.restart_rc4();
    for (uint64_t left = rc4_pos_ + o; left > 0;) {
      size_t step = static_cast<size_t>(std::min<uint64_t>(left, sizeof stream_));
      keys_.rc4().apply(stream_, step);
      left -= step;
    }
    rc4_pos_ += o;
    ++stats_.lengths_guessed;
    return true;
  }
  return false;
}

bool Decryptor::take_reset_request() {
  bool r = reset_request_;
  reset_request_ = false;
  return r;
}

bool Decryptor::take_discard_report() {
  bool r = discard_report_;
  discard_report_ = false;
  return r;
}

void Decryptor::change_key() {
  step(keys_);
  ++stats_.key_changes;
}

void Decryptor::step(KeyState& k) {
  k.change();
  ++stats_.key_work;
}

Decryptor::Result Decryptor::fail(DecryptError e, bool sanity) {
  switch (e) {
    case DecryptError::kNone: break;
    case DecryptError::kTooShort: ++stats_.too_short; break;
    case DecryptError::kNotEncrypted: ++stats_.not_encrypted; break;
    case DecryptError::kCompressed: ++stats_.compressed; break;
    case DecryptError::kMissingFlushed: ++stats_.missing_flushed; break;
    case DecryptError::kLate: ++stats_.late; break;
    case DecryptError::kDuplicate: ++stats_.duplicate; break;
    case DecryptError::kJumpTooFar: ++stats_.jump_too_far; break;
    case DecryptError::kSearching: ++stats_.searching; break;
    case DecryptError::kKeysLost: ++stats_.keys_lost; break;
    case DecryptError::kOutOfSequence: ++stats_.out_of_sequence; break;
    case DecryptError::kDiscarding: ++stats_.discarded; break;
    case DecryptError::kGarbled: ++stats_.garbled; break;
  }
  if (sanity && error_score_ < kFatalErrorScore * 2) error_score_ += 100;
  ++fails_in_row_;
  return Result{e, {}};
}

Decryptor::Result Decryptor::accept(MutableByteView data) {
  ++stats_.decrypted;
  error_score_ >>= 1;
  fails_in_row_ = 0;
  return Result{DecryptError::kNone, data.subspan(kHeaderSize)};
}

// Stateless (RFC 3078 8.1): the key changes with every packet, and the
// 12-bit count says how many changes ahead a packet is - modulo 4096. Linux
// takes the count as it is, so after 4096 or more packets lost in a row it
// decrypts with the wrong key for good. With ip_only the plaintext tells a
// wrong key, and the receiver searches the whole turns of the count it may
// have missed (see the limits in mppe.h and docs/resilience.md).
Decryptor::Result Decryptor::decrypt_stateless(MutableByteView data, uint16_t count) {
  if (!(data[0] & kBitFlushed)) return fail(DecryptError::kMissingFlushed, true);
  const auto ahead = static_cast<uint16_t>((count - count_ + kCountSpace) % kCountSpace);
  if (!settings_.ip_only) return decrypt_stateless_as_counted(data, count, ahead);
  if (keys_lost_) return fail(DecryptError::kKeysLost, false);
  if (!untrusted_) stateless_budget_ = std::min(kMaxBudget, stateless_budget_ + kBudgetPerPacket);
  const bool lost = fails_in_row_ >= kLostAfter;
  if (!lost && ahead == 0) return fail(DecryptError::kDuplicate, false);
  if (!lost && ahead > kCountSpace - kLateWindow) return fail(DecryptError::kLate, false);
  uint64_t first = ahead == 0 ? kCountSpace : ahead;
  if (pay_for_count_as_is(ahead, lost)) {
    if (try_count_as_is(data, ahead)) {
      stats_.key_changes += ahead;
      count_ = count;
      search_valid_ = false;
      return accept(data);
    }
    first = ahead + kCountSpace;
  }
  return search_stateless(data, count, first);
}

// Without ip_only: the count taken as it is, as Linux does. Reordered or
// replayed packets are network behaviour, not peer errors, so unlike Linux
// they do not add to the error score. Never roll back: that would need the
// whole key chain from the start.
Decryptor::Result Decryptor::decrypt_stateless_as_counted(MutableByteView data, uint16_t count,
                                                          uint16_t ahead) {
  if (ahead == 0) return fail(DecryptError::kDuplicate, false);
  if (ahead > kCountSpace / 2) return fail(DecryptError::kLate, false);
  if (ahead > settings_.max_forward_jump) return fail(DecryptError::kJumpTooFar, false);
  for (uint16_t i = 0; i < ahead; ++i) change_key();
  count_ = count;
  keys_.rc4().apply(data.data() + kHeaderSize, data.size() - kHeaderSize);
  return accept(data);
}

// Whether the count is worth trying as it is (ahead key changes, within the
// jump limit and the step budget, which pays for it); `lost`: this packet
// follows kLostAfter failures.
bool Decryptor::pay_for_count_as_is(uint16_t ahead, bool lost) {
  const uint32_t free_steps = untrusted_ ? 0 : kFreeSteps;
  const uint32_t paid = ahead > free_steps ? ahead - free_steps : 0;
  // Once step is lost, the search has walked past the count taken as it is
  // (the packets before this one were not there, so this one is not either).
  const bool walked_past = lost && search_valid_ && search_off_ >= ahead;
  if (ahead == 0 || ahead > settings_.max_forward_jump || paid > stateless_budget_ || walked_past)
    return false;
  stateless_budget_ -= paid;
  return true;
}

// The count taken as it is, as Linux does; the old session key is kept in
// trial_ (unused in stateless mode) in case the result is garbage. True
// when the plaintext is IP: keys_ has moved ahead. False: a whole turn of
// the count (or more) was lost; the packet is as it came, keys_ as before,
// and the walk is kept for the search.
bool Decryptor::try_count_as_is(MutableByteView data, uint16_t ahead) {
  uint8_t* body = data.data() + kHeaderSize;
  const size_t len = data.size() - kHeaderSize;
  trial_.copy_session_from(keys_);
  for (uint16_t i = 0; i < ahead; ++i) step(keys_);
  keys_.rc4().apply(body, len);
  if (ip_plaintext(body, len, len, /*exact=*/false)) return true;
  // Wrong key: undo the decryption (RC4 is its own inverse).
  ++stats_.garbled;
  keys_.restart_rc4();
  keys_.rc4().apply(body, len);
  if (!search_valid_ || search_off_ < ahead) start_search(ahead);
  keys_.copy_session_from(trial_);
  return false;
}

// The search walks on from keys_ as it is now, offset key changes ahead of
// the last accepted packet.
void Decryptor::start_search(uint64_t offset) {
  search_.copy_session_from(keys_);
  search_off_ = offset;
  search_valid_ = true;
  search_rc4_fresh_ = false;
}

// Tries, for this packet, the key `first`, first + 4096, ... changes ahead
// of keys_, walking search_ forward as far as the budget allows. The walk
// is kept for the next packets, which are further ahead still.
Decryptor::Result Decryptor::search_stateless(MutableByteView data, uint16_t count,
                                              uint64_t first) {
  if (!search_valid_) start_search(0);
  uint64_t x = first;
  if (x < search_off_) x += (search_off_ - x + kCountSpace - 1) / kCountSpace * kCountSpace;
  uint8_t peek[kPeek];
  const size_t total = data.size() - kHeaderSize;
  const size_t n = std::min(sizeof peek, total);
  uint32_t spent = 0;
  for (;; x += kCountSpace) {
    if (x > kMaxStatelessSearch) {
      keys_lost_ = true;
      search_valid_ = false;
      return fail(DecryptError::kKeysLost, false);
    }
    while (search_off_ < x) {
      if (stateless_budget_ == 0 || spent == kMaxStepsPerPacket)
        return fail(DecryptError::kSearching, false);
      step(search_);
      ++search_off_;
      --stateless_budget_;
      ++spent;
      ++stats_.search_steps;
      search_rc4_fresh_ = true;
    }
    if (!search_rc4_fresh_) search_.restart_rc4();
    search_rc4_fresh_ = false;
    std::memcpy(peek, data.data() + kHeaderSize, n);
    search_.rc4().apply(peek, n);
    if (ip_plaintext(peek, n, total, /*exact=*/true)) break;
  }
  keys_.copy_keys_from(search_);
  stats_.key_changes += x;
  ++stats_.resyncs;
  count_ = count;
  search_valid_ = false;
  keys_.rc4().apply(data.data() + kHeaderSize, total);
  return accept(data);
}

Decryptor::Result Decryptor::decrypt(MutableByteView data) {
  if (data.size() < kHeaderSize + 1) return fail(DecryptError::kTooShort, true);
  const uint8_t bits = data[0] & 0xf0;
  const auto count = static_cast<uint16_t>(get_u16(data.data()) & 0x0fff);
  const bool flushed = (bits & kBitFlushed) != 0;

  if (!(bits & kBitEncrypted)) return fail(DecryptError::kNotEncrypted, true);
  search_budget_ = grown_budget(search_budget_);
  if (bits & (0x40 | kBitCompressed)) return fail(DecryptError::kCompressed, true);

  if (settings_.stateless) return decrypt_stateless(data, count);
  return decrypt_stateful(data, count, flushed);
}

Decryptor::Result Decryptor::decrypt_stateful(MutableByteView data, uint16_t count, bool flushed) {
  bool flushed_done = false;
  if ((count & 0xff) == 0xff && !flushed) return fail(DecryptError::kMissingFlushed, true);
  if (!discard_) {
    const auto expected = static_cast<uint16_t>((count_ + 1) % kCountSpace);
    if (count != expected) {
      if (!on_sequence_gap(data, count, expected, flushed))
        return fail(DecryptError::kOutOfSequence, false);
    } else {
      count_ = count;
    }
  }
  if (discard_) {
    if (!flushed) {
      discard_report_ = true;
      return fail(DecryptError::kDiscarding, false);
    }
    end_discard(data, count);
    flushed_done = true;
  }
  if (flushed && !flushed_done) {
    change_key();
    rc4_pos_ = 0;
  }

  keys_.rc4().apply(data.data() + kHeaderSize, data.size() - kHeaderSize);
  rc4_pos_ += data.size() - kHeaderSize;
  const uint8_t* pt = data.data() + kHeaderSize;
  const size_t pt_len = data.size() - kHeaderSize;
  if (!(settings_.ip_only ? ip_plaintext(pt, pt_len, pt_len, false)
                          : plausible_protocol(pt, pt_len))) {
    // Keys out of step with no loss in sight: ask for a flush, as after a loss.
    discard_ = true;
    reset_request_ = true;
    return fail(DecryptError::kGarbled, false);
  }
  return accept(data);
}

// A count other than the expected one while not discarding. Like Linux,
// remember the expected count: if it was a flag packet, its key change was
// missed. True when the packet is decrypted all the same; false when the
// RC4 stream is out of step and the packet is dropped.
bool Decryptor::on_sequence_gap(MutableByteView data, uint16_t count, uint16_t expected,
                                bool flushed) {
  const auto ahead = static_cast<uint16_t>((count - expected + kCountSpace) % kCountSpace);
  count_ = expected;
  if (!flushed && settings_.ip_only && guess_lost_lengths(data, count, ahead)) {
    ++stats_.out_of_sequence;
    count_ = count;  // bridged: decrypted below with the stream moved on
  } else if (!flushed || ahead >= kCountSpace / 2) {
    // The RC4 stream is now out of step; RFC 3078 8.2: ask the peer to
    // flush and drop everything until it does.
    discard_ = true;
    reset_request_ = true;
    return false;
  } else {
    // Packets were lost but this one starts a fresh RC4 state: take it
    // now rather than discard it and wait a Reset-Request round trip
    // (Linux does wait) - below, as the end of a discard.
    ++stats_.out_of_sequence;
    discard_ = true;
  }
  return true;
}

// A flushed packet ends the discard: one key change per "flag" packet the
// sender passed while we were deaf, and a fresh RC4 state.
void Decryptor::end_discard(ByteView data, uint16_t count) {
  int block_changes = 0;
  while ((count & 0xf00) != (count_ & 0xf00)) {
    ++block_changes;
    count_ = static_cast<uint16_t>((count_ + 256) % kCountSpace);
  }
  resync(data, block_changes);
  rc4_pos_ = 0;
  ++stats_.resyncs;
  discard_ = false;
  discard_report_ = false;
  count_ = count;
}

Decryptor::Saved Decryptor::save() const {
  return Saved{count_,     discard_,     reset_request_, discard_report_, search_valid_,
               keys_lost_, error_score_, fails_in_row_,  rc4_pos_,        search_off_};
}

uint32_t Decryptor::grown_budget(uint32_t b) { return b < kMaxSearchBudget ? b + 1 : b; }

void Decryptor::restore(const Saved& s) {
  count_ = s.count;
  discard_ = s.discard;
  reset_request_ = s.reset_request;
  discard_report_ = s.discard_report;
  search_valid_ = s.search_valid;
  keys_lost_ = s.keys_lost;
  error_score_ = s.error_score;
  fails_in_row_ = s.fails_in_row;
  rc4_pos_ = s.rc4_pos;
  search_off_ = s.search_off;
}

Decryptor::Result Decryptor::refuse_untrusted(DecryptError e) {
  ++stats_.untrusted_refused;
  return Result{e, {}};
}

Decryptor::Result Decryptor::decrypt_untrusted(MutableByteView data, MutableByteView scratch,
                                               uint32_t max_steps) {
  if (data.size() < kHeaderSize + 1 || data.size() > scratch.size()) {
    ++stats_.too_short;
    return refuse_untrusted(DecryptError::kTooShort);
  }
  if (!settings_.stateless && !(data[0] & kBitFlushed)) {
    ++stats_.out_of_sequence;
    return refuse_untrusted(DecryptError::kOutOfSequence);
  }
  const Saved saved = save();
  // keys_ itself (its RC4 stream included) waits in stash_; the attempt runs
  // on a copy of its session key. Its RC4 state is not read before the
  // key changes that re-key it (stateless: every packet; stateful: only
  // flushed packets get here), so no RC4 set-up (1.4 us) is spent on it -
  // nor is the RC4 state copied: EVP_CIPHER_CTX_copy allocates.
  std::swap(keys_, stash_);
  keys_.copy_session_from(stash_);
  search_stash_.copy_session_from(search_);
  const uint32_t budget = stateless_budget_;
  stateless_budget_ = std::min(max_steps, kMaxStepsPerPacket);
  // Stateful resync guesses (a flushed packet's) are lent from max_steps
  // too, never more than the decryptor's own budget: so a packet taken
  // found what decrypt() would have found, and was charged as it would
  // have been; a packet refused spent none of the decryptor's.
  const uint32_t own_resync = search_budget_;
  const uint32_t lent_resync = std::min(own_resync, max_steps);
  search_budget_ = lent_resync;
  untrusted_ = true;
  MutableByteView copy = scratch.first(data.size());
  std::memcpy(copy.data(), data.data(), data.size());
  Result r = decrypt(copy);
  untrusted_ = false;
  stateless_budget_ = budget;
  const uint32_t spent_resync = grown_budget(lent_resync) - search_budget_;
  search_budget_ = own_resync;
  if (r.ok()) {
    const MutableByteView pt = r.plaintext;
    const size_t proto_len = (pt[0] & 1) ? 1 : 2;
    const bool ip = pt.size() > proto_len && (proto_len == 1 ? pt[0] : get_u16(pt.data())) == 0x21;
    if (ip && well_formed_ipv4(pt.data() + proto_len, pt.size() - proto_len, /*checksum=*/true)) {
      search_budget_ = grown_budget(own_resync) - spent_resync;
      std::memcpy(data.data(), copy.data(), copy.size());
      return Result{DecryptError::kNone, data.subspan(kHeaderSize)};
    }
    --stats_.decrypted;
    ++stats_.garbled;
    r.error = DecryptError::kGarbled;
  }
  std::swap(keys_, stash_);
  search_.copy_session_from(search_stash_);
  search_rc4_fresh_ = false;
  restore(saved);
  return refuse_untrusted(r.error);
}

}  // namespace pptpx::mppe
