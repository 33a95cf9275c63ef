// SPDX-License-Identifier: MIT
#include "proto/session/path_check.h"

#include <algorithm>

namespace pptpx::session {

namespace {

// A path of this size is what Windows' PPTP MTU of 1,400 assumes: the
// suggestion when nothing better is known.
constexpr int kFallbackPathMtu = 1400;

}  // namespace

void PathCheck::arm(Echo& e, int length, Time now) {
  e.id = next_id_++;
  e.length = length;
  e.sends = 0;
  e.next = now;
  e.answered = false;
}

void PathCheck::start(int info, Time now) {
  if (started_ || info < kSmallLength) return;
  started_ = true;
  running_ = true;
  arm(echoes_[kFull], info, now);
  arm(echoes_[kSmall], kSmallLength, now);
  arm(echoes_[kDf], info, now);
}

std::optional<PathCheck::Probe> PathCheck::next_probe(Time now) {
  if (!running_) return std::nullopt;
  for (int s = 0; s < kSlots; ++s) {
    Echo& e = echoes_[s];
    if (e.answered || e.sends >= kSends || now < e.next) continue;
    ++e.sends;
    e.next = now + kInterval;
    last_send_ = now;
    return Probe{e.id, static_cast<uint16_t>(e.length), s == kDf};
  }
  return std::nullopt;
}

void PathCheck::on_reply(uint8_t id, size_t length) {
  if (!running_) return;
  for (Echo& e : echoes_) {
    if (e.id == id && static_cast<size_t>(e.length) == length) e.answered = true;
  }
}

void PathCheck::on_error(const PathError& err, Time now) {
  if (!running_ || err.kind != PathError::Kind::kTooBig) return;
  const int mtu = static_cast<int>(err.mtu);
  Echo& df = echoes_[kDf];
  // Only an MTU smaller than the probe in flight is news; a path below
  // the IPv4 minimum of 576 is not taken at its word.
  if (mtu < kMinPathMtu || mtu >= df.length + kTunnelOverhead) return;
  if (path_mtu_ == 0 || mtu < path_mtu_) {
    path_mtu_ = mtu;
    reporter_ = err.reporter;
  }
  if (df.answered || shrinks_ >= kMaxShrinks) return;
  ++shrinks_;
  arm(df, mtu - kTunnelOverhead, now);
}

Time PathCheck::next_deadline() const {
  if (!running_) return kNever;
  Time t = kNever;
  bool waiting = false;
  for (const Echo& e : echoes_) {
    if (e.answered) continue;
    if (e.sends < kSends) t = std::min(t, e.next);
    waiting = true;
  }
  if (waiting && last_send_ != kNever) t = std::min(t, last_send_ + kWait);
  return waiting ? t : Time{};
}

bool PathCheck::finished(Time now) const {
  bool all_answered = true;
  for (const Echo& e : echoes_) {
    if (e.answered) continue;
    all_answered = false;
    if (e.sends < kSends) return false;
  }
  return all_answered || now >= last_send_ + kWait;
}

PathCheck::Result PathCheck::verdict() const {
  Result r;
  const Echo& full = echoes_[kFull];
  const Echo& df = echoes_[kDf];
  r.full_size = full.length + kTunnelOverhead;
  r.path_mtu = path_mtu_;
  r.reporter = reporter_;
  if (df.answered) {
    r.suggested = df.length;
    r.verified = true;
  } else {
    r.suggested = (path_mtu_ ? path_mtu_ : kFallbackPathMtu) - kTunnelOverhead;
  }
  if (full.answered) {
    const bool smaller = path_mtu_ != 0 && path_mtu_ < r.full_size;
    r.verdict = smaller ? Verdict::kFragmented : Verdict::kFits;
  } else if (echoes_[kSmall].answered || df.answered) {
    r.verdict = Verdict::kLost;
  } else {
    r.verdict = Verdict::kNoAnswer;
  }
  return r;
}

std::optional<PathCheck::Result> PathCheck::take_result(Time now) {
  if (!running_ || !finished(now)) return std::nullopt;
  running_ = false;
  return verdict();
}

}  // namespace pptpx::session
